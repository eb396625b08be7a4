#!/usr/bin/env bash
# Connection tracking and NAT44 benchmark (docs/BENCHMARKS.md, "Connection tracking and
# NAT44"): hotpathd routed vs stateful firewall vs SNAT with 1k and 1 M connections on the
# replay rig, new connections per second, memory per connection, a SYN flood during
# established traffic; then the same firewall in nftables on the kernel beside hotpathd's
# (latency.sh's veth topology, hp-probe: zero-loss rate and latency).
#
#   ./scripts/bench/conntrack.sh
#   ROUNDS=3 DURATION=6 WARMUP=2 FLOWS=1000000 SAMPLE=65536 FLOOD=10000000 FLOOD_MAX=1000000 \
#     LOCK=/tmp/hp-itest.lock ONLY=plain-1k,fw-1k,new-fw,flood NFT=0 DRY_RUN=1 ./scripts/bench/conntrack.sh
#
# CT=0 skips the replay-rig part (conntrack.py). ONLY: conntrack.py's configurations (plain-1k fw-1k snat-1k plain-1m fw-1m snat-1m
# new-plain new-fw new-snat flood); NFT=0 skips the kernel comparison (NFT_CONFIGS, default
# kernel,kernel-nft,afxdp-ct; RATES fixes its rates instead of a zero-loss search).
# DRY_RUN=1 writes every configuration as plain routing (checks the rig on the stateless path).
# Output: tables on stdout; build/bench/conntrack/conntrack.json, build/bench/conntrack.png,
# build/bench/conntrack-flood.png, build/bench/conntrack-nft/ (latency.json, plots).
# The first run writes the pcaps (~1.2 GB under build/bench/conntrack/, about a minute).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

bench_rig_setup build/bench/conntrack 6 "hugepages, /var/run/dpdk, network namespaces"
rc=0
if [[ ${CT:-1} != 0 ]]; then
	rm -f "$OUT/conntrack.dat" "$OUT/flood.dat"
	bench_run "" scripts/bench/conntrack.py --hotpathd "$HOTPATHD" --out "$OUT" ${LOCK:+--lock "$LOCK"} || rc=$?
fi

if command -v gnuplot >/dev/null; then
	if [[ -s $OUT/conntrack.dat ]]; then
		gnuplot -e "datafile='$OUT/conntrack.dat'; outfile='$OUT/../conntrack.png'" scripts/bench/throughput.gp &&
			echo "plot: $OUT/../conntrack.png"
	fi
	if [[ -s $OUT/flood.dat ]]; then
		gnuplot -e "datafile='$OUT/flood.dat'; outfile='$OUT/../conntrack-flood.png'; ctmax=${FLOOD_MAX:-1000000}" \
			scripts/bench/conntrack-flood.gp && echo "plot: $OUT/../conntrack-flood.png"
	fi
fi

if [[ ${NFT:-1} != 0 ]]; then
	trap './scripts/netns/veth.sh down' EXIT
	/usr/bin/python3 scripts/bench/latency.py --hotpathd "$HOTPATHD" --probe "$(dirname "$HOTPATHD")/tools/probe/hp-probe" \
		--out "$OUT-nft" --configs "${NFT_CONFIGS:-kernel,kernel-nft,afxdp-ct}" --fractions "${FRACTIONS:-0.1,0.5,0.9}" \
		--max-rate "${MAX_RATE:-4000000}" --duration "${NFT_DURATION:-3}" --warmup 1 ${RATES:+--rates "$RATES"} \
		--rounds "${NFT_ROUNDS:-1}" ${LOCK:+--lock "$LOCK"} || rc=$?
fi
exit "$rc"
