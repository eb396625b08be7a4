#!/usr/bin/env bash
# The Maglev ring (dataplane/maglev.c, measured by maglev_bench.c): how 1 M flows spread, how many
# move when a backend leaves, and how long a table takes to build. Builds the benchmark alone in a
# release build ($BUILD, default build/release/, set up when absent) and runs it pinned to CPU ${CPU:-1}.
#   ./scripts/bench/lb-maglev.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build/release}
[[ -f $BUILD/build.ninja ]] || meson setup "$BUILD" -Dbuildtype=release -Dtests=disabled >/dev/null
ninja -C "$BUILD" scripts/bench/maglev_bench >/dev/null
exec taskset -c "${CPU:-1}" "$BUILD/scripts/bench/maglev_bench"
