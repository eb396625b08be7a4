#!/usr/bin/env bash
# veth -> AF_XDP -> hotpathd against the kernel's own forwarding between the same veths
# (the packets/s half of the XDP benchmark; scripts/bench/xdp.sh runs it after the
# BPF_PROG_TEST_RUN half). ROUNDS rounds, DUT order alternating, DURATION s a run.
#
#   ./scripts/bench/afxdp.sh
#   ROUNDS=5 DURATION=8 OUT=build/bench/xdp ./scripts/bench/afxdp.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

bench_need_root "network namespaces, XDP, hugepages"
./scripts/setup.sh >/dev/null
bench_build build/release -Dbuildtype=release -Dtests=disabled
OUT=${OUT:-build/bench/xdp}
trap './scripts/netns/veth.sh down' EXIT
/usr/bin/python3 scripts/bench/afxdp.py --hotpathd "$HOTPATHD" --rounds "${ROUNDS:-3}" \
	--duration "${DURATION:-5}" --warmup "${WARMUP:-2}" --out "$OUT"
