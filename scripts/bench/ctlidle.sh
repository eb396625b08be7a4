#!/usr/bin/env bash
# The control thread's cost (docs/BENCHMARKS.md, "A quiet control thread"): wakeups and CPU
# per second of hotpathd's control thread, idle and answering pings (every request punted),
# and the slow path's latency; this tree against BEFORE (a commit, default the one before
# the doorbell), ROUNDS alternating rounds.
#
#   ./scripts/bench/ctlidle.sh
#   BEFORE=231a61d ROUNDS=3 IDLE=10 LOAD=10 PPS=500 ./scripts/bench/ctlidle.sh
#
# Output: the table on stdout, build/bench/ctlidle/ctlidle.json (every phase of every round).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

OUT=${OUT:-build/bench/ctlidle}
bench_need_root "hugepages, network namespaces"
./scripts/setup.sh >/dev/null
SOURCE=${BEFORE:-231a61d} bench_build build/release -Dbuildtype=release -Dtests=disabled
BEFORE_BIN=$HOTPATHD
SOURCE=tree bench_build build/release -Dbuildtype=release -Dtests=disabled
ninja -C build/release control/hpctl/hpctl >/dev/null
mkdir -p "$OUT"
bench_run "ctlidle-" scripts/bench/ctlidle.py --build "before=$BEFORE_BIN" --build "after=$HOTPATHD" \
	--hpctl build/release/control/hpctl/hpctl --out "$OUT" --rounds "${ROUNDS:-3}" --idle "${IDLE:-10}" \
	--load "${LOAD:-10}" --pps "${PPS:-500}"
