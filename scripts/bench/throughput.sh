#!/usr/bin/env bash
# Replay-rig throughput benchmark (docs/BENCHMARKS.md): testpmd 5tswap/io against
# hotpathd l3 (10k routes, + 1k ACL, IPv6) and xconnect, one worker lcore, 64-byte
# frames over 1024 flows, ROUNDS rounds round-robin, DURATION s a run.
#
#   ./scripts/bench/throughput.sh            # ROUNDS=3 DURATION=8 WARMUP=2 ONLY=name,name
#
# Output: the table on stdout, build/bench/throughput.json (every sample),
# build/bench/throughput.png (gnuplot, if installed). Exit 0 even if a target is missed;
# 1 if a run failed or a hotpathd run did not really forward its packets.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build/release}
OUT=${OUT:-build/bench}
export ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-8} WARMUP=${WARMUP:-2}

if [[ $(id -u) -ne 0 ]]; then
	echo "throughput.sh: run as root (hugepages, /var/run/dpdk)" >&2
	exit 1
fi
./scripts/setup.sh >/dev/null
if [[ ! -f $BUILD/build.ninja ]]; then
	meson setup "$BUILD" -Dbuildtype=release -Dtests=disabled >/dev/null
fi
ninja -C "$BUILD" >/dev/null
mkdir -p "$OUT"

tag=$$
state=$OUT/.procs-$tag
pypid=

# Whatever happens (error, Ctrl-C, SIGTERM): kill every process group the benchmark
# started (throughput.py lists them in $state), then the benchmark itself, and remove
# the EAL runtime directories of this invocation (bench-<config>-<tag>).
cleanup() {
	local rc=$? pg
	trap - EXIT INT TERM HUP
	if [[ -n $pypid ]] && kill -0 "$pypid" 2>/dev/null; then
		kill -TERM "$pypid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pypid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pypid" 2>/dev/null || true
	fi
	if [[ -f $state ]]; then
		while read -r pg; do
			[[ $pg =~ ^[0-9]+$ ]] || continue
			kill -KILL -- "-$pg" 2>/dev/null || true
		done <"$state"
		rm -f "$state" "$state.tmp"
	fi
	for d in /var/run/dpdk/bench-*-"$tag"; do
		[[ -d $d ]] || continue
		rm -f "$d"/* 2>/dev/null || true
		rmdir "$d" 2>/dev/null || echo "throughput.sh: cannot remove $d" >&2
	done
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# In the background + wait, so a signal reaches the trap at once (bash defers traps
# while a foreground child runs).
/usr/bin/python3 scripts/bench/throughput.py --hotpathd "$BUILD/hotpathd" --out "$OUT" \
	--tag "$tag" --state "$state" &
pypid=$!
rc=0
wait "$pypid" || rc=$?
pypid=

if command -v gnuplot >/dev/null && [[ -s $OUT/throughput.dat ]]; then
	gnuplot -e "datafile='$OUT/throughput.dat'; outfile='$OUT/throughput.png'" \
		scripts/bench/throughput.gp && echo "plot: $OUT/throughput.png"
fi
exit "$rc"
