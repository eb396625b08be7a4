#!/usr/bin/env bash
# Neighbour-scan benchmark (docs/SECURITY.md, "Neighbour scans"): a replayed scan of
# unused addresses in a connected /16 and /64, mixed 4:1 with traffic to a resolved next
# hop, against the same frames with the scanned prefixes blackholed; ROUNDS alternating
# rounds, SECONDS_PER_RUN s measured after WARMUP s. One worker lcore.
#
#   ./scripts/bench/scan.sh
#   ROUNDS=5 SECONDS_PER_RUN=8 WARMUP=2 PER=4 SOURCE=HEAD ./scripts/bench/scan.sh
#
# Output: the table on stdout, build/bench/scan/scan.json (every run).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

OUT=${OUT:-build/bench/scan}
bench_need_root "hugepages, /var/run/dpdk"
./scripts/setup.sh >/dev/null
bench_build build/release -Dbuildtype=release -Dtests=disabled
mkdir -p "$OUT"
bench_run "bench-scan-" scripts/bench/scan.py --hotpathd "$HOTPATHD" --out "$OUT"
