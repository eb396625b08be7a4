#!/usr/bin/env bash
# Instructions per packet of hotpathd's pipelines under callgrind (docs/BENCHMARKS.md).
#
#   ./scripts/bench/callgrind.sh
#   PACKETS=20000 RIG_SECONDS=15 ONLY=l3-10k,5tswap RIG=0 FINITE=0 SOURCE=HEAD ./scripts/bench/callgrind.sh
#   ONLY=l3-10k,ct-1k,snat-1k,ct-new RIG=0 ./scripts/bench/callgrind.sh   (the conntrack stage: stateful
#   firewall and SNAT on 1k flows, ct-new: every frame a new connection; finite runs only for ct-new)
#
# The binary has debug info: BUILDTYPE=debugoptimized (default, -O2 -g, in build/prof) or
# BUILDTYPE=release-debug (-O3 -g, the code generation of the throughput binary, in
# build/prof-o3). SOURCE=HEAD builds a pristine copy of a commit instead of the working
# tree (use it when others edit the tree: the source-line attribution reads the files).
# The rig runs include DPDK's l3fwd example (LPM), built as throughput.sh builds it (lib.sh).
# Output: tables on stdout, build/bench/callgrind[-o3]/callgrind.json and the *.cg files
# (callgrind_annotate FILE; scripts/bench/cgprof.py FILE FUNCTION PACKETS). ~5 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

BUILDTYPE=${BUILDTYPE:-debugoptimized}
if [[ $BUILDTYPE == release-debug ]]; then
	OUT=${OUT:-build/bench/callgrind-o3}
	meson_args=(-Dbuildtype=release -Ddebug=true -Dtests=disabled)
	default_build=build/prof-o3
else
	OUT=${OUT:-build/bench/callgrind}
	meson_args=(-Dbuildtype="$BUILDTYPE" -Dtests=disabled)
	default_build=build/prof
fi

bench_need_root "/var/run/dpdk"
./scripts/setup.sh >/dev/null
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 1; }
bench_build "$default_build" "${meson_args[@]}"
mkdir -p "$OUT"
L3FWD_ARGS=()
if [[ ${RIG:-1} != 0 ]]; then
	bench_l3fwd_args l3fwd-lpm
fi

bench_run "cg-" scripts/bench/callgrind.py --hotpathd "$HOTPATHD" "${L3FWD_ARGS[@]}" --out "$OUT"
