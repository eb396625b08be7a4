#!/usr/bin/env bash
# Control-plane benchmark (docs/BENCHMARKS.md): load 1M IPv4 routes through the control
# socket, route.add acknowledgement latency, and the data path's Mpps while 1000 route
# updates/s are applied against none (alternating rounds).
#
#   ./scripts/bench/control.sh
#   ROUTES=1000000 ACKS=10000 ROUNDS=3 SECONDS_PER_RUN=6 RATE=1000 SOURCE=HEAD ./scripts/bench/control.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

OUT=${OUT:-build/bench/control}
bench_need_root "hugepages, /var/run/dpdk"
./scripts/setup.sh >/dev/null
bench_build build/release -Dbuildtype=release -Dtests=disabled
mkdir -p "$OUT"
bench_run "bench-ctl-" scripts/bench/control.py --hotpathd "$HOTPATHD" --out "$OUT"
