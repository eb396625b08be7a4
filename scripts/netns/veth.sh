#!/usr/bin/env bash
# Two veth pairs between a generator namespace and a device-under-test namespace:
#
#   netns ${NS}gen                       netns ${NS}dut
#     g0 10.240.1.2/24   <-- veth -->      d0 10.240.1.1/24
#     s0 10.240.2.2/24   <-- veth -->      d1 10.240.2.1/24
#
# The generator sends from g0 towards 10.240.2.0/24 (dst MAC d0's), the DUT forwards
# out of d1, the generator receives on s0. The DUT is the kernel (dut_mode kernel:
# ip_forward) or hotpathd on two net_af_xdp ports (dut_mode none: nothing forwards
# until hotpathd runs in ${NS}dut). Used by scripts/bench/afxdp.sh and latency.sh.
# The generator's veths compute their own TCP/UDP checksums (ethtool -K tx off): see
# docs/config.md, "Ports on veth".
#
#   veth.sh up [kernel|none]   make it (removing an older one first); prints KEY=VALUE lines
#   veth.sh down               remove it (the namespaces take their veths with them)
set -euo pipefail
NS=${HP_NETNS_PREFIX:-hp-bench-}

down() {
	ip netns del "${NS}gen" 2>/dev/null || true
	ip netns del "${NS}dut" 2>/dev/null || true
}

mac() { ip -n "$1" -j link show "$2" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }

up() {
	local mode=${1:-kernel}
	down
	ip netns add "${NS}gen"
	ip netns add "${NS}dut"
	ip link add hpbg0 type veth peer name hpbd0
	ip link add hpbs0 type veth peer name hpbd1
	ip link set hpbg0 netns "${NS}gen" name g0
	ip link set hpbs0 netns "${NS}gen" name s0
	ip link set hpbd0 netns "${NS}dut" name d0
	ip link set hpbd1 netns "${NS}dut" name d1
	for x in gen:g0:10.240.1.2 gen:s0:10.240.2.2 dut:d0:10.240.1.1 dut:d1:10.240.2.1; do
		IFS=: read -r ns dev addr <<<"$x"
		ip -n "$NS$ns" addr add "$addr/24" dev "$dev"
		ip netns exec "$NS$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
		ip -n "$NS$ns" link set "$dev" up
	done
	# the generator's side is a real Linux host: its TCP/UDP checksums are left to a NIC
	# (CHECKSUM_PARTIAL) that a veth does not have, and a router in user space (AF_XDP,
	# AF_PACKET) forwards them unfilled; compute them in software instead
	ip netns exec "${NS}gen" ethtool -K g0 tx off >/dev/null
	ip netns exec "${NS}gen" ethtool -K s0 tx off >/dev/null
	ip -n "${NS}gen" link set lo up
	ip -n "${NS}dut" link set lo up
	# the DUT knows the receiver statically: s0's own address, and SINK (10.240.2.99), the
	# destination the benchmarks send to: not the generator's address, so its kernel drops
	# what arrives on s0 without a reply
	ip -n "${NS}dut" neigh replace 10.240.2.2 lladdr "$(mac "${NS}gen" s0)" dev d1
	ip -n "${NS}dut" neigh replace 10.240.2.99 lladdr "$(mac "${NS}gen" s0)" dev d1
	ip -n "${NS}gen" neigh replace 10.240.1.1 lladdr "$(mac "${NS}dut" d0)" dev g0
	if [[ $mode == kernel ]]; then
		ip netns exec "${NS}dut" sysctl -qw net.ipv4.ip_forward=1
	fi
	echo "SINK=10.240.2.99"
	echo "NS_GEN=${NS}gen"
	echo "NS_DUT=${NS}dut"
	echo "MAC_G0=$(mac "${NS}gen" g0)"
	echo "MAC_S0=$(mac "${NS}gen" s0)"
	echo "MAC_D0=$(mac "${NS}dut" d0)"
	echo "MAC_D1=$(mac "${NS}dut" d1)"
}

case ${1:-} in
up) up "${2:-kernel}" ;;
down) down ;;
*) echo "usage: $0 up [kernel|none] | down" >&2; exit 2 ;;
esac
