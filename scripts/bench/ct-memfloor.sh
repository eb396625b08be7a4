#!/usr/bin/env bash
# The memory floor of a conntrack lookup at 1 M connections on this machine (ct-memfloor.c):
# builds it with the system compiler into build/bench/ and runs it pinned to CPU ${CPU:-1}.
#   ./scripts/bench/ct-memfloor.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/bench
cc -O2 -march=native -Wall -Wextra -o build/bench/ct-memfloor scripts/bench/ct-memfloor.c
grep -q '^HugePages_Free: *[1-9]' /proc/meminfo || ./scripts/setup.sh >/dev/null
exec taskset -c "${CPU:-1}" build/bench/ct-memfloor
