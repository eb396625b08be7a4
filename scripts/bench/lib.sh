# shellcheck shell=bash
# Sourced by scripts/bench/*.sh: build the binary under test, run a benchmark driver with
# guaranteed cleanup. Run from the repository root.

# bench_build DEFAULT_BUILD_DIR MESON_ARGS...
#   SOURCE=tree (default): build DEFAULT_BUILD_DIR (or $BUILD) from the working tree.
#   SOURCE=<git rev> (HEAD, a tag, a hash): build a pristine copy of that commit under
#   build/bench/src-<hash>/ - numbers then belong to one commit even while others edit
#   the tree, and callgrind's source lines match the files on disk.
# Sets HOTPATHD and exports BENCH_SOURCE (recorded in the JSON output).
bench_build() {
	local default_build=$1 rev src bdir
	shift
	if [[ ${SOURCE:-tree} == tree ]]; then
		bdir=${BUILD:-$default_build}
		[[ -f $bdir/build.ninja ]] || meson setup "$bdir" "$@" >/dev/null
		ninja -C "$bdir" >/dev/null
		BENCH_SOURCE="working tree at $(git rev-parse --short=12 HEAD)"
		git diff --quiet HEAD -- dataplane control meson.build meson_options.txt 2>/dev/null ||
			BENCH_SOURCE+=" + uncommitted changes"
	else
		rev=$(git rev-parse --verify "$SOURCE^{commit}")
		src=build/bench/src-${rev:0:12}
		if [[ ! -f $src/meson.build ]]; then
			rm -rf "$src"
			mkdir -p "$src"
			git archive "$rev" | tar -x -C "$src"
		fi
		bdir=$src/$(basename "$default_build")
		[[ -f $bdir/build.ninja ]] || meson setup "$bdir" "$src" "$@" >/dev/null
		ninja -C "$bdir" >/dev/null
		BENCH_SOURCE="commit ${rev:0:12}"
	fi
	HOTPATHD=$bdir/hotpathd
	export BENCH_SOURCE
	echo "bench: hotpathd = $HOTPATHD ($BENCH_SOURCE)" >&2
}

# bench_run PREFIX_GLOB_PART DRIVER.py ARGS...
#   Runs the driver in the background (so a signal reaches our trap at once), with
#   --tag $$ --state FILE. On any exit (error, Ctrl-C, SIGTERM, SIGHUP): TERM the driver
#   (its finally blocks stop what it started), then SIGKILL every process group it
#   listed in FILE, then remove this invocation's EAL runtime directories
#   /var/run/dpdk/bench-PREFIX*-$$.
bench_run() {
	local prefix=$1 driver=$2
	shift 2
	_bench_tag=$$
	_bench_state=${OUT:-build/bench}/.procs-$_bench_tag
	_bench_prefix=$prefix
	_bench_pypid=
	trap _bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	/usr/bin/python3 "$driver" "$@" --tag "$_bench_tag" --state "$_bench_state" &
	_bench_pypid=$!
	local rc=0
	wait "$_bench_pypid" || rc=$?
	_bench_pypid=
	return "$rc"
}

_bench_cleanup() {
	local rc=$? pg d
	trap - EXIT INT TERM HUP
	if [[ -n ${_bench_pypid:-} ]] && kill -0 "$_bench_pypid" 2>/dev/null; then
		kill -TERM "$_bench_pypid" 2>/dev/null || true
		for _ in $(seq 100); do
			kill -0 "$_bench_pypid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$_bench_pypid" 2>/dev/null || true
	fi
	if [[ -f $_bench_state ]]; then
		while read -r pg; do
			[[ $pg =~ ^[0-9]+$ ]] || continue
			kill -KILL -- "-$pg" 2>/dev/null || true
		done <"$_bench_state"
	fi
	rm -f "$_bench_state" "$_bench_state.tmp"
	for d in /var/run/dpdk/bench-"$_bench_prefix"*-"$_bench_tag"; do
		[[ -d $d ]] || continue
		rm -f "$d"/* 2>/dev/null || true
		rmdir "$d" 2>/dev/null || echo "bench: cannot remove $d" >&2
	done
	exit "$rc"
}
