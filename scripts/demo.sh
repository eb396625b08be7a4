#!/usr/bin/env bash
# The demo: set up the host, build, start hotpathd on a memif topology (mode l3, 10k
# routes, a 1k-rule ACL) and measure it with hp-probe at three rates for a few seconds
# each, beside DPDK's testpmd (io forward) on the same links as the reference and the
# probe's own floor (a memif loop with no DUT); print the latency tables, the ratio line
# hotpathd / testpmd and where the plots are; clean up. About two minutes on a fresh machine.
#
#   ./scripts/demo.sh
#   RATES=100000,500000,1000000 DURATION=3 ./scripts/demo.sh
#
#        hp-probe (lcore on CPU 0)                     hotpathd (worker on CPU 1)
#   net_memif0 (client) --- 64-byte UDP, 64 flows --> p0 net_memif0 (server) 10.0.0.1/24
#   net_memif1 (client) <-- routed, ACL-checked ----- p1 net_memif1 (server) 10.0.1.1/24
set -euo pipefail
cd "$(dirname "$0")/.."

RATES=${RATES:-100000,500000,1000000}
DURATION=${DURATION:-3}
BUILD=build/release
OUT=build/demo
t0=$(date +%s)

if [[ $(id -u) -eq 0 ]]; then
	./scripts/setup.sh
else
	echo "demo.sh: not root: skipping setup (hugepages and packages must be there)" >&2
fi

if [[ ! -f $BUILD/build.ninja ]]; then
	meson setup "$BUILD" -Dbuildtype=release -Dtests=disabled >/dev/null
fi
echo "demo: building hotpathd and hp-probe ($BUILD)"
ninja -C "$BUILD" hotpathd tools/probe/hp-probe >/dev/null
mkdir -p "$OUT"

# latency.py starts and stops everything itself (its finally: kills what it started)
echo "demo: hotpathd (l3, 10k routes, 1k ACL rules) between two memif links, then testpmd (io) on the same links, then the floor; hp-probe at ${RATES//,/, } pps, ${DURATION} s each"
/usr/bin/python3 scripts/bench/latency.py --hotpathd "$BUILD/hotpathd" --probe "$BUILD/tools/probe/hp-probe" \
	--out "$OUT" --configs memif,testpmd,floor --rates "$RATES" --duration "$DURATION" --warmup 1
echo
# the host's readiness for these CPUs (docs/TUNING.md), beside the tables: one line
echo "demo: $("$BUILD/hotpathd" --check-host -c configs/demo.yaml | tail -n 1 || true) (hotpathd --check-host -c configs/demo.yaml; docs/TUNING.md)"
echo "demo: latency = time from the packet's scheduled send to its receive (a stalled generator counts)"
echo "demo: plots: $OUT/latency-memif.png, $OUT/latency-testpmd.png, $OUT/latency-floor.png; every run: $OUT/latency.json"
echo "demo: done in $(($(date +%s) - t0)) s"
