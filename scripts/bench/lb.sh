#!/usr/bin/env bash
# The L4 load balancer on the replay rig (docs/BENCHMARKS.md, "L4 load balancer"): routed against
# load-balanced (IPIP to 16 backends) with 1k and 1 M flows, then the Maglev ring's spread,
# disruption and rebuild times (lb-maglev.sh).
#
#   ./scripts/bench/lb.sh
#   ROUNDS=3 DURATION=6 WARMUP=2 FLOWS=1000000 SAMPLE=65536 LOCK=/tmp/hp-itest.lock ONLY=plain-1k,lb-1k \
#     MAGLEV=0 ./scripts/bench/lb.sh
#
# Output: tables on stdout; build/bench/lb/lb.json, build/bench/lb.png.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

bench_rig_setup build/bench/lb 6 "hugepages, /var/run/dpdk"
rc=0
rm -f "$OUT/lb.dat"
bench_run "" scripts/bench/lb.py --hotpathd "$HOTPATHD" --out "$OUT" ${LOCK:+--lock "$LOCK"} || rc=$?
if command -v gnuplot >/dev/null && [[ -s $OUT/lb.dat ]]; then
	gnuplot -e "datafile='$OUT/lb.dat'; outfile='$OUT/../lb.png'" scripts/bench/throughput.gp &&
		echo "plot: $OUT/../lb.png"
fi
if [[ ${MAGLEV:-1} != 0 ]]; then
	./scripts/bench/lb-maglev.sh || rc=$?
fi
exit "$rc"
