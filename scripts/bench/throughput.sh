#!/usr/bin/env bash
# Replay-rig throughput benchmark (docs/BENCHMARKS.md): testpmd 5tswap/io and DPDK's
# l3fwd example (LPM, the same 10k IPv4 / IPv6 routes) against hotpathd l3 (10k routes,
# + 1k ACL, IPv6) and xconnect, one worker lcore, 64-byte frames over 1024 flows,
# ROUNDS rounds round-robin, DURATION s a run.
#
#   ./scripts/bench/throughput.sh
#   ROUNDS=5 DURATION=8 WARMUP=2 ONLY=5tswap,l3-10k SOURCE=HEAD EAL_EXTRA=... ./scripts/bench/throughput.sh
#
# Output: the table on stdout, build/bench/throughput.json (every sample),
# build/bench/throughput.png (gnuplot, if installed). Exit 0 even if a target is missed;
# 1 if a run failed, a hotpathd or l3fwd run did not really forward its packets, or
# l3fwd's route check (before the rounds) found frames its routes miss.
# SOURCE=tree (default) builds build/release from the working tree; SOURCE=HEAD (or any
# commit) builds a pristine copy of that commit (see lib.sh). l3fwd is built from the
# dpdk-doc package's sources in build/bench/l3fwd-src/ (installed if missing; if that
# fails, the l3fwd lines are skipped with the reason).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

bench_rig_setup build/bench 8 "hugepages, /var/run/dpdk"
bench_l3fwd_args l3fwd-lpm

rm -f "$OUT/throughput.dat" "$OUT/throughput.png"
rc=0
bench_run "" scripts/bench/throughput.py --hotpathd "$HOTPATHD" "${L3FWD_ARGS[@]}" --out "$OUT" || rc=$?

if command -v gnuplot >/dev/null && [[ -s $OUT/throughput.dat ]]; then
	gnuplot -e "datafile='$OUT/throughput.dat'; outfile='$OUT/throughput.png'" \
		scripts/bench/throughput.gp && echo "plot: $OUT/throughput.png"
fi
exit "$rc"
