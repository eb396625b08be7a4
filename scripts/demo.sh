#!/usr/bin/env bash
# The demo: set up the host, build, replay 64-byte UDP over 1024 flows through
# hotpathd (configs/demo.yaml) for ~10 s, then print throughput and latency percentiles.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
BUILD=build/release
OUT=build/demo

if [[ $(id -u) -eq 0 ]]; then
	./scripts/setup.sh
else
	echo "demo.sh: not root: skipping setup (hugepages and packages must be there)" >&2
fi

if [[ ! -f $BUILD/build.ninja ]]; then
	meson setup "$BUILD" -Dbuildtype=release -Dtests=disabled >/dev/null
fi
ninja -C "$BUILD" >/dev/null

mkdir -p "$OUT"
/usr/bin/python3 scripts/gen_flows.py "$OUT/flows.pcap" --flows 1024 --size 64

pid=
cleanup() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		sleep 1
		kill -KILL "$pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT INT TERM

echo "demo: hotpathd -c configs/demo.yaml (xconnect hairpin on a net_pcap replay, 1 worker) for ${DURATION} s"
"$BUILD/hotpathd" -c configs/demo.yaml --report "$OUT/report.json" >"$OUT/hotpathd.out" 2>"$OUT/hotpathd.err" &
pid=$!
for _ in $(seq 100); do
	grep -q '^hotpathd: ready' "$OUT/hotpathd.out" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || { cat "$OUT/hotpathd.err" >&2; exit 1; }
	sleep 0.1
done
sleep "$DURATION"
kill -TERM "$pid"
wait "$pid"
pid=

cat "$OUT/hotpathd.out"
/usr/bin/python3 - "$OUT/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
l = r["latency_ns"]
print()
print("demo: %.2f Mpps forwarded (%d packets in %.1f s, 64-byte frames, 1 worker lcore)"
      % (r["tx_mpps"], r["tx_packets"], r["elapsed_s"]))
print("demo: residence latency RX burst -> TX: p50 %.2f us, p99 %.2f us, p99.9 %.2f us, max %.2f us"
      % (l["p50"] / 1e3, l["p99"] / 1e3, l["p99.9"] / 1e3, l["max"] / 1e3))
PY
