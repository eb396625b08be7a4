#!/usr/bin/env bash
# Idempotent host setup for hotpath on Debian 12, as root: packages, hugepages, hugetlbfs. Nothing else.
set -euo pipefail

HUGEPAGES=${HUGEPAGES:-1024}   # 2 MiB pages: 2 GiB for hotpathd, hp-probe and tests side by side

PKGS=(
	build-essential meson ninja-build pkg-config
	dpdk dpdk-dev libdpdk-dev libpcap-dev
	libbpf-dev libxdp-dev bpftool xdp-tools clang clang-format llvm libclang-rt-14-dev
	libcunit1-dev libjansson-dev libyaml-dev libmicrohttpd-dev libmnl-dev
	python3 python3-scapy tshark tcpdump gnuplot-nox iproute2 procps valgrind ethtool iputils-ping iputils-tracepath
	prometheus  # promtool (tests lint /metrics and the rules) and the server fleet/prometheus_scrapes_hotpathd runs
	rt-tests    # cyclictest: the reference the stall detector is compared with (docs/BENCHMARKS.md)
	bird2 frr   # tests/e2e/test_linux.py: real routing daemons drive hotpathd (docs/linux.md)
	iperf3      # scripts/bench/hosttap.sh: TCP through a port's host interface vs the kernel; test_linux's flood
	nftables    # scripts/bench/conntrack.sh: the kernel's stateful firewall beside hotpathd's (in namespaces)
	traceroute  # tests/e2e/test_nat.py: traceroute (UDP, ICMP, TCP) through the NAT
)

if [[ $(id -u) -ne 0 ]]; then
	echo "setup.sh: run as root (it installs packages and reserves hugepages)" >&2
	exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "setup.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
	# the e2e tests start their own BIRD and FRR inside namespaces: the services these packages
	# just started (only those: an operator's running BIRD or FRR is left alone) are stopped
	if [[ -d /run/systemd/system ]]; then
		for p in bird2:bird frr:frr; do
			if [[ " ${missing[*]} " == *" ${p%%:*} "* ]]; then
				systemctl disable --now "${p#*:}" 2>/dev/null || true
			fi
		done
	fi
fi

# hugepages: reserve (never shrink what the operator gave) and mount
nr=/proc/sys/vm/nr_hugepages
if [[ -w $nr ]] && (($(cat "$nr") < HUGEPAGES)); then
	echo "$HUGEPAGES" >"$nr" || true
	got=$(cat "$nr")
	((got >= HUGEPAGES)) || echo "setup.sh: only $got of $HUGEPAGES hugepages could be reserved" >&2
fi
if ! grep -q '^[^ ]* /dev/hugepages hugetlbfs' /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages
fi
echo "setup.sh: ok ($(cat $nr) hugepages of 2 MiB, hugetlbfs on /dev/hugepages)"
