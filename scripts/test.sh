#!/usr/bin/env bash
# unit, bpf and integration in a -Dwerror build and an ASan+UBSan build, e2e in the ASan one, the
# libFuzzer targets briefly; the last line is
# "tests: N passed, M failed, K skipped" (CI greps its "tests: N passed, M failed" prefix).
#
# It cannot go green wrongly: meson test's exit status counts; every test that
# `meson test --list` names must have a result in testlog.json (a missing one is a failure,
# named); as root (after setup.sh) a skip is a failure unless its reason is on the short
# allow-list below; and after each build's tests nothing may be left behind (processes,
# network namespaces, veths, XDP programs, hugepages, DPDK files).
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
# bare asserts are the Python tests' checks: -O would remove them (tests/integration/hp.py refuses it)
unset PYTHONOPTIMIZE

passed=0
failed=0
skipped=()
failures=()

note_fail() { failed=$((failed + 1)); failures+=("$1"); }

root=false
if [[ $(id -u) -eq 0 ]]; then
	root=true
	./scripts/setup.sh || note_fail "setup"
else
	echo "test.sh: not root: skipping setup.sh (packages and hugepages must already be there)"
fi

# Skips that do not fail a run as root (grep -E patterns on "SUITE / TEST: REASON"). After
# setup.sh every test can run as root here, so the list is empty; a machine that truly lacks
# something (a kernel without BPF, say) names it in HP_TEST_ALLOW_SKIP (one pattern), and the
# run still lists the skip.
skip_allowed=()
[[ -n ${HP_TEST_ALLOW_SKIP:-} ]] && skip_allowed+=("$HP_TEST_ALLOW_SKIP")

skip_ok() {
	local p
	$root || return 0
	for p in "${skip_allowed[@]}"; do
		grep -qE -- "$p" <<<"$1" && return 0
	done
	return 1
}

# tally BUILD RC LIST SUITE...: one build's meson test log against its list: OK passes, SKIP is
# listed with its reason (or fails, as root), a listed test without a result fails, a suite the
# build should run without a test in the list fails, the rest fail.
tally() {
	local build=$1 rc=$2 list=$3 before=$failed
	shift 3
	local log=$build/meson-logs/testlog.json
	[[ -f $log ]] || touch "$log"
	while IFS=$'\t' read -r result name reason; do
		case $result in
		OK) passed=$((passed + 1)) ;;
		SKIP)
			if skip_ok "$name: $reason"; then
				skipped+=("$build: $name: ${reason:-no reason given}")
			else
				note_fail "$build: $name (SKIP as root: ${reason:-no reason given})"
			fi
			;;
		MISSING) note_fail "$build: $name (no result in testlog.json)" ;;
		NOSUITE) note_fail "$build: suite $name has no tests (is /usr/bin/python3 there?)" ;;
		*) note_fail "$build: $name ($result)" ;;
		esac
	done < <(/usr/bin/python3 - "$log" "$list" "$@" <<'PY'
import json, sys
log, listed, suites = sys.argv[1], sys.argv[2], sys.argv[3:]
names = [l.strip() for l in open(listed) if " / " in l]
seen = set()
for line in open(log):
    try:
        t = json.loads(line)
    except ValueError:
        print("BADLOG\tlog line %r\t" % line[:80])
        continue
    reason = ""
    for l in (t.get("stdout") or "").splitlines():
        if l.startswith("SKIP:"):
            reason = l[5:].strip()
    seen.add(t["name"])
    print("%s\t%s\t%s" % (t["result"], t["name"], reason))
for n in names:
    if n not in seen:
        print("MISSING\t%s\t" % n)
for s in suites:
    if not any(n.split(" / ")[0].split(":")[-1] == s for n in names):
        print("NOSUITE\t%s\t" % s)
PY
)
	if ((rc != 0 && failed == before)); then
		note_fail "$build: meson test exited $rc with no failure in its log"
	fi
}

# What a test run must not leave behind, one line each: processes of ours, network namespaces,
# veths, XDP programs, DPDK files; and the free hugepages (compared, not listed).
inventory() {
	local n
	for n in hotpathd hp-probe dpdk-dumpcap dpdk-testpmd testpmd prometheus; do
		pgrep -x "$n" | sed "s/^/process $n /"
	done
	ip netns list 2>/dev/null | awk '{print "netns " $1}'
	ip -o link show type veth 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print "veth " $2}'
	ip -j link show 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for l in json.load(sys.stdin):
    x = l.get("xdp")
    if x:
        print("xdp %s %s" % (l["ifname"], (x.get("prog") or {}).get("id", x)))'
	ls /dev/hugepages 2>/dev/null | grep -E '^hp-' | sed 's/^/file \/dev\/hugepages\//'
	ls /var/run/dpdk 2>/dev/null | grep -E '^hp-' | sed 's/^/file \/var\/run\/dpdk\//'
}

hugepages_free() { cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0; }

# check_left BUILD INVENTORY-BEFORE HUGEPAGES-BEFORE: anything new is a failure, then removed
check_left() {
	local build=$1 before=$2 huge0=$3 now huge1 new kind what rest
	now=$(inventory)
	new=$(comm -13 <(sort <<<"$before") <(sort <<<"$now"))
	huge1=$(hugepages_free)
	if [[ -z $new ]] && ((huge1 >= huge0)); then
		passed=$((passed + 1))
		return
	fi
	note_fail "$build: left behind: ${new//$'\n'/, }${new:+; }free hugepages $huge0 before, $huge1 after"
	while read -r kind what rest; do
		case $kind in
		process) kill -9 "$rest" 2>/dev/null ;;
		netns) ip netns del "$what" 2>/dev/null ;;
		veth) ip link del "$what" 2>/dev/null ;;
		xdp) ip link set dev "$what" xdp off 2>/dev/null ;;
		file) rm -rf "$what" ;;
		esac
	done <<<"$new"
}

# build NAME "SUITE..." MESON-OPTIONS...: configure (or reconfigure), compile, run those suites
run_build() {
	local dir=build/$1 rc before huge s
	local -a mine=($2) only=()
	for s in "${mine[@]}"; do only+=(--suite "$s"); done
	shift 2
	if [[ -f $dir/build.ninja ]]; then
		meson configure "$dir" "$@" >/dev/null || { note_fail "$dir: configure"; return; }
	else
		meson setup "$dir" "$@" >/dev/null || { note_fail "$dir: setup"; return; }
	fi
	if ! ninja -C "$dir"; then
		note_fail "$dir: compile"
		return
	fi
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --no-rebuild --list "${only[@]}" >"$dir/test-list.txt" 2>/dev/null ||
		note_fail "$dir: meson test --list"
	before=$(inventory)
	huge=$(hugepages_free)
	meson test -C "$dir" --no-rebuild --print-errorlogs "${only[@]}"
	rc=$?
	tally "$dir" "$rc" "$dir/test-list.txt" "${mine[@]}"
	check_left "$dir" "$before" "$huge"
}

# The tree's shape: every C file formatted as .clang-format says, no circle of modules, no
# C file over 1,200 lines (docs/ARCHITECTURE.md).
run_check() {
	local name=$1
	shift
	echo "$name: $*"
	if "$@"; then
		passed=$((passed + 1))
	else
		note_fail "$name"
	fi
}
run_check format ./scripts/check-format.sh
run_check layout /usr/bin/python3 scripts/check-layout.py

# Every suite must be in some build (a missing /usr/bin/python3 drops the Python ones silently:
# tally fails a suite without tests). unit, bpf and integration (crafted and hostile input) run
# in both builds; e2e (real hosts, real daemons, iperf3 and a 60 s flood) once, in the ASan
# build, where a memory error under real traffic stops the daemon: twice would add 4 minutes.
run_build ci "unit bpf integration" -Dwerror=true -Dbuildtype=debugoptimized

# ASan/UBSan: stop at the first report; DPDK's own allocations at exit are not ours
export ASAN_OPTIONS="abort_on_error=1:halt_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
run_build asan "unit bpf integration e2e" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

# libFuzzer: a short run of each target from its committed seeds (the long runs are done by hand).
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
run_fuzz() {
	local dir=build/fuzz
	if [[ -f $dir/build.ninja ]]; then
		meson configure "$dir" >/dev/null || { note_fail "$dir: configure"; return; }
	else
		CC=clang meson setup "$dir" -Dwerror=true -Dfuzz=true -Dtests=disabled -Db_sanitize=address,undefined \
			-Db_lundef=false -Dbuildtype=debugoptimized >/dev/null || { note_fail "$dir: setup"; return; }
	fi
	ninja -C "$dir" || { note_fail "$dir: compile"; return; }
	for t in parse:15 config:15 config_entry:15 ctl:15 pipeline:$FUZZ_SECONDS ct_pipeline:$FUZZ_SECONDS; do
		local name=${t%%:*} secs=${t##*:} work
		work=$(mktemp -d /tmp/hp-fuzz-XXXXXX)
		echo "fuzz_$name: ${secs} s"
		if (cd "$work" && "$top/$dir/tests/fuzz/fuzz_$name" -max_total_time="$secs" -print_final_stats=1 \
			"$work" "$top/tests/fuzz/corpus/$name" >"$work/log" 2>&1); then
			passed=$((passed + 1))
			grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units)' "$work/log" | tail -2
			rm -rf "$work"
		else
			tail -40 "$work/log"
			note_fail "fuzz_$name (crash input kept in $work)"
		fi
		# a crashed target cannot remove its EAL runtime directory itself
		rm -rf /var/run/dpdk/hp-test-fuzz-*
	done
}
ASAN_OPTIONS="abort_on_error=1:detect_leaks=1" run_fuzz

echo
for s in "${skipped[@]}"; do echo "skipped: $s"; done
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "tests: $passed passed, $failed failed, ${#skipped[@]} skipped"
((failed == 0))
