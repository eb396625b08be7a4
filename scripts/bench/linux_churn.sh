#!/usr/bin/env bash
# Forwarding rate while kernel routes churn (docs/BENCHMARKS.md, "Routes from the kernel"):
# throughput.sh's l3-10k replay rig with a linux: section, alternating windows without and
# with RATE kernel route changes per second (on CPU 0, the control plane's), median B/A
# ratio, and the run's report checked (tx = rx, no drop, no punt).
#
#   ./scripts/bench/linux_churn.sh
#   RATE=1000 WINDOWS=6 DURATION=5 ./scripts/bench/linux_churn.sh
#
# Output: the table on stdout, build/bench/linux_churn/linux_churn.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

OUT=${OUT:-build/bench/linux_churn}
bench_need_root "hugepages, network namespaces"
./scripts/setup.sh >/dev/null
bench_build build/release -Dbuildtype=release -Dtests=disabled
mkdir -p "$OUT"
bench_run "lxchurn" scripts/bench/linux_churn.py "$HOTPATHD" --rate "${RATE:-1000}" --windows "${WINDOWS:-6}" \
	--duration "${DURATION:-5}" --out "$OUT"
