# Bar chart of scripts/bench/throughput.dat: median Mpps per configuration, min..max
# whiskers, one colour per program (column 5: testpmd grey, l3fwd green, hotpathd blue),
# dashed lines at the targets (1.0x and 0.7x the testpmd 5tswap median). The .gpinc next to
# the data may set base, baselabel, t2, t3 (a third target line) and plottitle
# (conntrack.py: base = routed 1k flows, targets 0.7x and 0.6x).
# gnuplot -e "datafile='build/bench/throughput.dat'; outfile='build/bench/throughput.png'" throughput.gp
if (!exists("datafile")) datafile = 'build/bench/throughput.dat'
if (!exists("outfile")) outfile = 'build/bench/throughput.png'
base = 0
baselabel = "1.0x\n5tswap"
t2 = 0.7
t3 = 0
plottitle = "64-byte frames, 1024 flows, one worker lcore, net\\_pcap replay (median of rounds, min..max)"
inc = datafile[1:strlen(datafile) - 4] . '.gpinc'
if (system("test -f '" . inc . "' && echo y") eq "y") load inc
set terminal pngcairo size 1000,540 font ",10"
set output outfile
set title plottitle
set ylabel "Mpps"
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
stats datafile using 0 nooutput
set xrange [-0.6:STATS_max + 0.6]
set bmargin 5
set rmargin 8
set grid ytics
set style fill solid 0.7 border -1
set boxwidth 0.8
set key off
set xtics nomirror font ",9"
if (base > 0) {
    set arrow 1 from graph 0, first base to graph 1, first base nohead dt 2 lc rgb "#c00000"
    set label 1 baselabel at graph 1.01, first base left tc rgb "#c00000" font ",8"
    set arrow 2 from graph 0, first t2 * base to graph 1, first t2 * base nohead dt 3 lc rgb "#c07000"
    set label 2 sprintf("%.1fx", t2) at graph 1.01, first t2 * base left tc rgb "#c07000" font ",8"
    if (t3 > 0) {
        set arrow 3 from graph 0, first t3 * base to graph 1, first t3 * base nohead dt 3 lc rgb "#2a7a2a"
        set label 3 sprintf("%.1fx", t3) at graph 1.01, first t3 * base left tc rgb "#2a7a2a" font ",8"
    }
}
colour(k) = k == 1 ? 0x909090 : k == 2 ? 0x55a868 : 0x4472c4
plot datafile using 0:2:(colour($5)):xtic(1) with boxes lc rgb variable, \
     '' using 0:3:(0):($4 - $3) with vectors nohead lw 1.5 lc rgb "black", \
     '' using 0:($2):(sprintf("%.1f", $2)) with labels offset 0,1.2 notitle
