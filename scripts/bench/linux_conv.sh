#!/usr/bin/env bash
# Convergence of the kernel route mirror (docs/BENCHMARKS.md, "Routes from the kernel"):
# SIZES IPv4 routes added to the kernel's main table with `ip -batch` in a network namespace
# (via a neighbour on hotpathd's net_af_packet veth port), the time until linux.show reports
# them all, the same for deleting them, beside `ip -batch`'s own time; and a resync alone
# (config.apply switching the table: one dump takes them, a sweep removes them). RUNS runs
# of each size, a fresh hotpathd per run; medians.
#
#   ./scripts/bench/linux_conv.sh
#   SIZES=10000,100000 RUNS=3 ./scripts/bench/linux_conv.sh
#   BENCH_PERF=/tmp/dump.perf ...   (perf record of the control thread during the dump)
#
# Output: the table on stdout, build/bench/linux_conv.json (every sample).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

OUT=${OUT:-build/bench}
bench_need_root "hugepages, network namespaces"
./scripts/setup.sh >/dev/null
bench_build build/release -Dbuildtype=release -Dtests=disabled
mkdir -p "$OUT"
bench_run "lxconv" scripts/bench/linux_conv.py "$HOTPATHD" --sizes "${SIZES:-10000,100000,1000000}" \
	--runs "${RUNS:-3}" --out "$OUT/linux_conv.json"
