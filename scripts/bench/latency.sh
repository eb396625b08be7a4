#!/usr/bin/env bash
# Latency benchmark (docs/BENCHMARKS.md, "Latency"): hp-probe through hotpathd (l3, 10k
# routes, 1k-rule ACL) over memif, DPDK's testpmd (io forward) on the same memif links as
# the reference, the probe's own floor, the Linux kernel forwarding between two veth
# pairs, and hotpathd on the same veths through AF_XDP. For each: the zero-loss rate
# (RFC 2544 search), then latency at 10 %, 50 % and 90 % of it. ROUNDS alternates the
# configurations that many times (tables: medians; ratio lines hotpathd / testpmd).
#
#   ./scripts/bench/latency.sh
#   CONFIGS=memif,testpmd,floor ROUNDS=3 RATES=500000 LOCK=/tmp/hp-itest.lock NICE=-10 ./scripts/bench/latency.sh
#   CONFIGS=memif,floor DURATION=5 FRACTIONS=0.1,0.5,0.9 MAX_RATE=4000000 OUT=build/bench/latency ./scripts/bench/latency.sh
#   (diagnosis configurations: memif-1r = l3, one route, no ACL; memif-xc = xconnect)
#
# Output: a table per configuration on stdout; under OUT: latency.json (every run),
# latency-CONFIG.png (percentile plots), CONFIG-RATE-rROUND.csv (histograms), the probe's logs.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

bench_need_root "hugepages, network namespaces, XDP"
./scripts/setup.sh >/dev/null
bench_build build/release -Dbuildtype=release -Dtests=disabled
OUT=${OUT:-build/bench/latency}
trap './scripts/netns/veth.sh down' EXIT
/usr/bin/python3 scripts/bench/latency.py --hotpathd "$HOTPATHD" --probe "$(dirname "$HOTPATHD")/tools/probe/hp-probe" \
	--out "$OUT" --configs "${CONFIGS:-memif,testpmd,floor,kernel,afxdp}" --fractions "${FRACTIONS:-0.1,0.5,0.9}" \
	--max-rate "${MAX_RATE:-4000000}" --duration "${DURATION:-5}" --warmup "${WARMUP:-1}" ${RATES:+--rates "$RATES"} \
	--rounds "${ROUNDS:-1}" ${LOCK:+--lock "$LOCK"} ${NICE:+--nice "$NICE"} --testpmd "${TESTPMD:-dpdk-testpmd}"
