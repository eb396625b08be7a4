# Bar chart of scripts/bench/throughput.dat: median Mpps per configuration, min..max whiskers.
# gnuplot -e "datafile='build/bench/throughput.dat'; outfile='build/bench/throughput.png'" throughput.gp
if (!exists("datafile")) datafile = 'build/bench/throughput.dat'
if (!exists("outfile")) outfile = 'build/bench/throughput.png'
set terminal pngcairo size 900,500 font ",10"
set output outfile
set title "64-byte frames, 1024 flows, one worker lcore, net\\_pcap replay (median of rounds, min..max)"
set ylabel "Mpps"
set yrange [0:*]
set grid ytics
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.7 border -1
set boxwidth 0.8
set key off
set xtics nomirror font ",9"
plot datafile using 2:3:4:xtic(1) linecolor rgb "#4472c4", \
     '' using 0:($2):(sprintf("%.1f", $2)) with labels offset 0,1.2 notitle
