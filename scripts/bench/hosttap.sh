#!/usr/bin/env bash
# A TCP session to the router's own address through hotpathd's host interface (ports[].host:
# tap, net_af_packet port on a veth) against the same with the kernel holding the address on
# the veth directly: iperf3 throughput (and the sender's mean RTT) and the round trips of a
# 1-byte TCP request/response. ROUNDS rounds, the two cases alternating, the median reported.
#
#   ./scripts/bench/hosttap.sh
#   ROUNDS=5 DURATION=10 BUILD=build/ci OUT=build/bench/hosttap ./scripts/bench/hosttap.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

bench_need_root "network namespaces, TAP, hugepages"
command -v iperf3 >/dev/null || { echo "hosttap.sh: needs iperf3 (scripts/setup.sh installs it)" >&2; exit 1; }
bench_build build/release -Dbuildtype=release -Dtests=disabled
OUT=${OUT:-build/bench/hosttap}
/usr/bin/python3 scripts/bench/hosttap.py --hotpathd "$HOTPATHD" --rounds "${ROUNDS:-3}" \
	--duration "${DURATION:-5}" --rr "${RR:-5000}" --out "$OUT"
