# The SYN flood of scripts/bench/conntrack.py: connection table occupancy over time
# (conntrack.stats' count, polled every 150 ms), the SYNs read so far, and the established
# flows' rate on p0 (right axis).
# gnuplot -e "datafile='build/bench/conntrack/flood.dat'; outfile='build/bench/conntrack-flood.png'; ctmax=1000000" conntrack-flood.gp
if (!exists("datafile")) datafile = 'build/bench/conntrack/flood.dat'
if (!exists("outfile")) outfile = 'build/bench/conntrack-flood.png'
if (!exists("ctmax")) ctmax = 1000000
set terminal pngcairo size 1000,540 font ",10"
set output outfile
set title "SYN flood from random sources during established traffic (hotpathd stateful firewall, one worker)"
set xlabel "seconds since hotpathd forwarded its first packet"
set ylabel "connections / SYNs read (millions)"
set y2label "established traffic received on p0 (Mpps)"
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
set grid
set key top left
set arrow 1 from graph 0, first ctmax / 1e6 to graph 1, first ctmax / 1e6 nohead dt 2 lc rgb "#c00000"
set label 1 "conntrack.max" at graph 0.01, first ctmax / 1e6 offset 0,0.7 tc rgb "#c00000" font ",8"
plot datafile using 1:($2 / 1e6) with lines lw 2 lc rgb "#4472c4" title "table occupancy (count)", \
     '' using 1:($4 / 1e6) with lines lw 1 dt 3 lc rgb "#909090" title "SYNs read by p1", \
     '' using 1:3 axes x1y2 with lines lw 1 lc rgb "#55a868" title "established traffic, Mpps (right)"
