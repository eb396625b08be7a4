#!/usr/bin/env bash
# Instructions per packet of hotpathd's routed path under callgrind (docs/BENCHMARKS.md).
#
#   ./scripts/bench/callgrind.sh        # PACKETS=20000 RIG_SECONDS=15 ONLY=name,name RIG=0 FINITE=0
#
# BUILD (default build/prof) is configured with BUILDTYPE (default debugoptimized: -O2 -g);
# BUILDTYPE=release-debug gives -O3 -g, the code generation of the throughput binary.
# Output: tables on stdout, build/bench/callgrind/callgrind.json, *.cg files for
# callgrind_annotate. Takes ~15 minutes (valgrind builds 10k-route tables slowly).
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILDTYPE=${BUILDTYPE:-debugoptimized}
BUILD=${BUILD:-build/prof}
OUT=${OUT:-build/bench/callgrind}

if [[ $(id -u) -ne 0 ]]; then
	echo "callgrind.sh: run as root (/var/run/dpdk, memory locking)" >&2
	exit 1
fi
./scripts/setup.sh >/dev/null
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 1; }
if [[ ! -f $BUILD/build.ninja ]]; then
	case $BUILDTYPE in
	release-debug) meson setup "$BUILD" -Dbuildtype=release -Ddebug=true -Dtests=disabled >/dev/null ;;
	*) meson setup "$BUILD" -Dbuildtype="$BUILDTYPE" -Dtests=disabled >/dev/null ;;
	esac
fi
ninja -C "$BUILD" >/dev/null
mkdir -p "$OUT"

tag=$$
state=$OUT/.procs-$tag
pypid=

# Same guarantees as throughput.sh: every process group started is killed, the EAL
# runtime directories of this invocation (bench-cg-<config>-<tag>) are removed.
cleanup() {
	local rc=$? pg
	trap - EXIT INT TERM HUP
	if [[ -n $pypid ]] && kill -0 "$pypid" 2>/dev/null; then
		kill -TERM "$pypid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$pypid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pypid" 2>/dev/null || true
	fi
	if [[ -f $state ]]; then
		while read -r pg; do
			[[ $pg =~ ^[0-9]+$ ]] || continue
			kill -KILL -- "-$pg" 2>/dev/null || true
		done <"$state"
		rm -f "$state" "$state.tmp"
	fi
	for d in /var/run/dpdk/bench-cg-*-"$tag"; do
		[[ -d $d ]] || continue
		rm -f "$d"/* 2>/dev/null || true
		rmdir "$d" 2>/dev/null || echo "callgrind.sh: cannot remove $d" >&2
	done
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

/usr/bin/python3 scripts/bench/callgrind.py --hotpathd "$BUILD/hotpathd" --out "$OUT" \
	--tag "$tag" --state "$state" &
pypid=$!
rc=0
wait "$pypid" || rc=$?
pypid=
exit "$rc"
