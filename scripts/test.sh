#!/usr/bin/env bash
# Every suite, in a -Dwerror build and an ASan+UBSan build; the last line is "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

passed=0
failed=0
skipped=()
failures=()

note_fail() { failed=$((failed + 1)); failures+=("$1"); }

if [[ $(id -u) -eq 0 ]]; then
	./scripts/setup.sh || note_fail "setup"
else
	echo "test.sh: not root: skipping setup.sh (packages and hugepages must already be there)"
fi

# Tally one build's meson test log: OK passes, SKIP is listed with its reason, the rest fail.
tally() {
	local build=$1
	local log=$build/meson-logs/testlog.json
	[[ -f $log ]] || { note_fail "$build: no test log"; return; }
	while IFS=$'\t' read -r result name reason; do
		case $result in
		OK) passed=$((passed + 1)) ;;
		SKIP) skipped+=("$build: $name: ${reason:-no reason given}") ;;
		*) note_fail "$build: $name ($result)" ;;
		esac
	done < <(/usr/bin/python3 - "$log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    reason = ""
    for l in (t.get("stdout") or "").splitlines():
        if l.startswith("SKIP:"):
            reason = l[5:].strip()
    print("%s\t%s\t%s" % (t["result"], t["name"], reason))
PY
)
}

# build NAME MESON-OPTIONS...: configure (or reconfigure), compile, run every suite
run_build() {
	local dir=build/$1
	shift
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
	meson test -C "$dir" --no-rebuild --print-errorlogs
	tally "$dir"
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

run_build ci -Dwerror=true -Dbuildtype=debugoptimized

# ASan/UBSan: stop at the first report; DPDK's own allocations at exit are not ours
export ASAN_OPTIONS="abort_on_error=1:halt_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
run_build asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

# libFuzzer: a short run of each target from its committed seeds (the long runs are done by hand).
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
run_fuzz() {
	local dir=build/fuzz
	if [[ -f $dir/build.ninja ]]; then
		meson configure "$dir" >/dev/null || { note_fail "$dir: configure"; return; }
	else
		CC=clang meson setup "$dir" -Dfuzz=true -Dtests=disabled -Db_sanitize=address,undefined \
			-Db_lundef=false -Dbuildtype=debugoptimized >/dev/null || { note_fail "$dir: setup"; return; }
	fi
	ninja -C "$dir" || { note_fail "$dir: compile"; return; }
	for t in parse:15 config:15 config_entry:15 ctl:15 pipeline:$FUZZ_SECONDS; do
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

# The suite leaves nothing behind, pass or fail.
left=$(pgrep -x hotpathd; pgrep -x hp-probe) || true
stale=$(ls /dev/hugepages 2>/dev/null | grep -E '^hp-' ; ls /var/run/dpdk 2>/dev/null | grep -E '^hp-') || true
if [[ -n $left || -n $stale ]]; then
	note_fail "leftovers: processes [${left//$'\n'/ }] files [${stale//$'\n'/ }]"
	pkill -9 -x hotpathd 2>/dev/null
	for f in $stale; do rm -rf "/dev/hugepages/$f" "/var/run/dpdk/$f"; done
else
	passed=$((passed + 1))
fi

echo
for s in "${skipped[@]}"; do echo "skipped: $s"; done
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "tests: $passed passed, $failed failed"
((failed == 0))
