# shellcheck shell=bash
# Sourced by scripts/bench/*.sh: build the binary under test, run a benchmark driver with
# guaranteed cleanup. Run from the repository root.

# bench_need_root WHY: exit 1 with "SCRIPT: run as root (WHY)" unless root.
bench_need_root() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "$(basename "$0"): run as root ($1)" >&2
		exit 1
	fi
}

# bench_rig_setup OUT_DEFAULT DURATION_DEFAULT WHY_ROOT
#   The start of a wrapper of throughput.py's rig (throughput, conntrack, lb, scaling): OUT
#   (OUT_DEFAULT unless set); ROUNDS, DURATION, WARMUP exported (3, DURATION_DEFAULT, 2 unless
#   set); root, WHY_ROOT saying what for; the host set up (scripts/setup.sh); build/release
#   built (bench_build: HOTPATHD); OUT made.
bench_rig_setup() {
	OUT=${OUT:-$1}
	export ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-$2} WARMUP=${WARMUP:-2}
	bench_need_root "$3"
	./scripts/setup.sh >/dev/null
	bench_build build/release -Dbuildtype=release -Dtests=disabled
	mkdir -p "$OUT"
}

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

# bench_build_l3fwd
#   DPDK's l3fwd example, the router baseline of throughput.sh, built from the sources
#   Debian's dpdk-doc package installs in /usr/share/dpdk/examples (l3fwd needs the sibling
#   common/ directory). dpdk-doc is installed with apt-get if missing. The copy in
#   build/bench/l3fwd-src/ is made afresh every time and is never part of the repository.
#   Two changes make it run on the replay rig; neither touches the per-packet code:
#   * main.c: no RTE_ETH_RX_OFFLOAD_CHECKSUM request. net_pcap offers no Rx offloads, so
#     rte_eth_dev_configure() refuses the port (-EINVAL); l3fwd never reads the mbuf's
#     checksum flags.
#   * l3fwd_lpm.c: room for the benchmark's 10,000 routes. 22.11 sizes its tables for
#     1,024 rules (rte_lpm_add fails beyond) and 256 IPv4 tbl8 groups; the limits become
#     131,072 rules and 8,192 IPv4 tbl8 groups (IPv6 keeps 65,536, about what hotpathd
#     sizes for 10,000 IPv6 routes).
#   Sets L3FWD (the binary) and exports BENCH_L3FWD_BUILD (recorded in the JSON); if
#   l3fwd cannot be had, L3FWD is empty and L3FWD_SKIP says why (the caller skips it).
bench_build_l3fwd() {
	local ex=/usr/share/dpdk/examples dst=build/bench/l3fwd-src log=build/bench/l3fwd-build.log
	local doc_ver dpdk_ver
	L3FWD='' L3FWD_SKIP=''
	mkdir -p build/bench
	: >"$log"
	if [[ ! -f $ex/l3fwd/main.c || ! -d $ex/common ]]; then
		echo "bench: $ex/l3fwd is missing: installing dpdk-doc (log: $log)" >&2
		export DEBIAN_FRONTEND=noninteractive
		if ! apt-get install -y -q --no-install-recommends dpdk-doc >>"$log" 2>&1; then
			apt-get update -q >>"$log" 2>&1 || true
			apt-get install -y -q --no-install-recommends dpdk-doc >>"$log" 2>&1 || true
		fi
		if [[ ! -f $ex/l3fwd/main.c || ! -d $ex/common ]]; then
			L3FWD_SKIP="no l3fwd sources in $ex: 'apt-get install dpdk-doc' did not provide them (see $log)"
			echo "bench: l3fwd baseline skipped: $L3FWD_SKIP" >&2
			return 0
		fi
	fi
	doc_ver=$(dpkg-query -W -f='${Version}' dpdk-doc 2>/dev/null || echo unknown)
	dpdk_ver=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null || echo unknown)
	if [[ $doc_ver != "$dpdk_ver" ]]; then
		echo "bench: warning: dpdk-doc $doc_ver does not match libdpdk-dev $dpdk_ver" >&2
	fi
	rm -rf "$dst"
	mkdir -p "$dst"
	cp -r "$ex/l3fwd" "$ex/common" "$dst/"
	sed -i 's/^\t\t\.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,$/\t\t.offloads = 0, \/* bench: net_pcap has no Rx offloads *\//' \
		"$dst/l3fwd/main.c"
	sed -i -E 's/^(#define IPV[46]_L3FWD_LPM_MAX_RULES[[:space:]]+)1024$/\1(1 << 17)/;
		s/^(#define IPV4_L3FWD_LPM_NUMBER_TBL8S[[:space:]]+)\(1 << 8\)$/\1(1 << 13)/' "$dst/l3fwd/l3fwd_lpm.c"
	if ! grep -q 'offloads = 0, /\* bench' "$dst/l3fwd/main.c" ||
		[[ $(grep -c '^#define IPV[46]_L3FWD_LPM_MAX_RULES[[:space:]]*(1 << 17)$' "$dst/l3fwd/l3fwd_lpm.c") != 2 ]] ||
		! grep -q '^#define IPV4_L3FWD_LPM_NUMBER_TBL8S[[:space:]]*(1 << 13)$' "$dst/l3fwd/l3fwd_lpm.c"; then
		L3FWD_SKIP="the l3fwd sources in $ex (dpdk-doc $doc_ver) are not the 22.11 ones the rig's changes apply to"
		echo "bench: l3fwd baseline skipped: $L3FWD_SKIP" >&2
		return 0
	fi
	if ! make -C "$dst/l3fwd" >>"$log" 2>&1; then
		L3FWD_SKIP="l3fwd did not build (see $log)"
		echo "bench: l3fwd baseline skipped: $L3FWD_SKIP" >&2
		return 0
	fi
	L3FWD=$dst/l3fwd/build/l3fwd-shared
	BENCH_L3FWD_BUILD="dpdk-doc $doc_ver examples/l3fwd, make (-O3, pkg-config libdpdk); main.c: no Rx checksum offload request; l3fwd_lpm.c: 131072 rules, 8192 IPv4 tbl8 groups"
	export BENCH_L3FWD_BUILD
	echo "bench: l3fwd = $L3FWD (dpdk-doc $doc_ver)" >&2
}

# bench_l3fwd_args NAME_PART
#   The driver's l3fwd arguments, in the array L3FWD_ARGS: when ONLY is unset or names a
#   configuration starting with NAME_PART, l3fwd is built (bench_build_l3fwd) and they are
#   --l3fwd BINARY, or --l3fwd-skip WHY if it cannot be had; otherwise there are none.
bench_l3fwd_args() {
	L3FWD_ARGS=()
	[[ -z ${ONLY:-} || ,$ONLY, == *,"$1"* ]] || return 0
	bench_build_l3fwd
	if [[ -n $L3FWD ]]; then
		L3FWD_ARGS=(--l3fwd "$L3FWD")
	else
		L3FWD_ARGS=(--l3fwd-skip "$L3FWD_SKIP")
	fi
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
