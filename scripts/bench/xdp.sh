#!/usr/bin/env bash
# XDP benchmark (docs/BENCHMARKS.md "XDP program"). First half, BPF_PROG_TEST_RUN: ns per
# packet of hotpath's hp_xdp and of xdp-filter (Debian's xdp-tools, its own BPF object
# loaded with libbpf), same 60-byte IPv4/UDP frames, equivalent rules, for the pass, drop
# and steer verdicts with 1, 1 000 and 100 000 block rules; ROUNDS rounds, the two
# programs alternated (A B, then B A) case by case; medians and the ratio hotpath/xdp-filter.
# Second half (skipped with VETH=0): packets/s through veth -> AF_XDP -> hotpathd against
# the kernel's own forwarding between the same veths (scripts/bench/afxdp.sh, which see).
#
#   ./scripts/bench/xdp.sh
#   ROUNDS=9 REPEAT=1000000 RULES=1,1000,100000 CPU=1 BUILD=/tmp/bpfbuild OUT=/tmp/xdp ./scripts/bench/xdp.sh
#
# BUILD (default build/release, set up if missing) is the meson build whose
# bpf/hp_xdp.skel.h is measured: the working tree's program. XDP_FILTER_OBJ overrides
# where xdp-filter's object is looked for. CPU pins the helper (default: the last CPU).
# Output: the table on stdout; under OUT (default build/bench/xdp): xdp.md (the Markdown
# table), xdp.json (every sample, program sizes), host.txt (machine, versions, command),
# xdp_bench (the helper, built from scripts/bench/xdp_bench.c). Nothing is attached to an
# interface, pinned or left in a namespace: both programs and their maps live only in the
# helper's file descriptors; the trap stops the helper on any exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

OUT=${OUT:-build/bench/xdp}
BUILD=${BUILD:-build/release}
ROUNDS=${ROUNDS:-7}
REPEAT=${REPEAT:-1000000}
RULES=${RULES:-1,1000,100000}
CPU=${CPU:-$(($(nproc) - 1))}

bench_need_root "BPF_PROG_TEST_RUN needs CAP_BPF and CAP_NET_ADMIN"

# xdp-filter's programs come as one object per feature set; "alw_all" is the one
# `xdp-filter load` picks for IP and port rules in its default (allow) policy.
xf_obj=${XDP_FILTER_OBJ:-}
if [[ -z $xf_obj ]]; then
	for d in /usr/lib/"$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"/bpf /usr/lib/bpf \
		/usr/local/lib/bpf /usr/share/xdp-tools /usr/lib64/bpf; do
		if [[ -f $d/xdpfilt_alw_all.o ]]; then
			xf_obj=$d/xdpfilt_alw_all.o
			break
		fi
	done
fi
if [[ ! -f $xf_obj ]]; then
	echo "xdp.sh: xdp-filter's xdpfilt_alw_all.o not found (apt-get install xdp-tools, or set XDP_FILTER_OBJ)" >&2
	exit 1
fi

mkdir -p "$OUT"
[[ -f $BUILD/build.ninja ]] || meson setup "$BUILD" -Dbuildtype=release -Dtests=disabled >/dev/null
ninja -C "$BUILD" bpf/hp_xdp.bpf.o bpf/hp_xdp.skel.h >/dev/null
# shellcheck disable=SC2046 # pkg-config's words are meant to split
cc -O2 -g -Wall -Wextra -Werror -I"$BUILD/bpf" -Ibpf -Itests -Itests/bpf scripts/bench/xdp_bench.c \
	-o "$OUT/xdp_bench" $(pkg-config --cflags --libs libbpf)

bench_pid=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [[ -n $bench_pid ]] && kill -0 "$bench_pid" 2>/dev/null; then
		kill -TERM "$bench_pid" 2>/dev/null || true
		wait "$bench_pid" 2>/dev/null || true
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

src="working tree at $(git rev-parse --short=12 HEAD 2>/dev/null || echo '?')"
[[ -z $(git status --porcelain -- bpf 2>/dev/null) ]] || src+=" + uncommitted changes in bpf/"
{
	echo "command: ROUNDS=$ROUNDS REPEAT=$REPEAT RULES=$RULES CPU=$CPU BUILD=$BUILD OUT=$OUT ./scripts/bench/xdp.sh"
	echo "hp_xdp: $src ($BUILD/bpf/hp_xdp.bpf.o)"
	echo "xdp-filter: $xf_obj (xdp-tools $(dpkg-query -W -f='${Version}' xdp-tools 2>/dev/null || echo '?'))"
	echo "kernel: $(uname -r)"
	echo "cpu: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "libbpf: $(pkg-config --modversion libbpf); clang: $(clang --version | head -1)"
	echo "bpf_stats_enabled: $(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo '?')"
	echo "date: $(date -u +%FT%TZ)"
} >"$OUT/host.txt"
cat "$OUT/host.txt"
echo

# in the background, so a signal reaches the trap at once
"$OUT/xdp_bench" -r "$ROUNDS" -n "$REPEAT" -s "$RULES" -c "$CPU" -j "$OUT/xdp.json" -m "$OUT/xdp.md" "$xf_obj" &
bench_pid=$!
wait "$bench_pid"
bench_pid=
echo
cat "$OUT/xdp.md"
echo "results: $OUT/xdp.json, $OUT/xdp.md, $OUT/host.txt"
if [[ ${VETH:-1} != 0 ]]; then
	echo
	OUT=$OUT ./scripts/bench/afxdp.sh
fi
