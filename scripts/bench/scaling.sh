#!/usr/bin/env bash
# Replay-rig scaling benchmark (issue 17): hotpathd and DPDK's l3fwd (LPM, the same 10k
# IPv4 routes) with one polling lcore against two, each owning a port (2w-2p) or one of two
# RX queues of a port (2w-2q); 64-byte frames over 1024 flows a port or queue, ROUNDS rounds
# round-robin, DURATION s a run. See scaling.py for the rig and why there is no RSS run.
#
#   ./scripts/bench/scaling.sh
#   ROUNDS=5 DURATION=8 WARMUP=2 ONLY=hp-1w,hp-2w-2p SOURCE=HEAD OUT=/tmp/scaling ./scripts/bench/scaling.sh
#
# Output: the table and the ratios on stdout, $OUT/scaling.json (every sample; OUT defaults
# to build/bench/scaling). Exit 0 even if the 1.8x target is missed; 1 if a run failed or
# its checks did (lost packets, a poller short of its share, a thread off its CPU, l3fwd's
# route check). SOURCE and the l3fwd build: as throughput.sh (lib.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

bench_rig_setup build/bench/scaling 8 "hugepages, /var/run/dpdk"
bench_l3fwd_args l3fwd-
bench_run "" scripts/bench/scaling.py --hotpathd "$HOTPATHD" "${L3FWD_ARGS[@]}" --out "$OUT"
