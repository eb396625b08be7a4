/* hp_xdp: what hotpath's XDP program and its user-space loader share.
 *
 * One program per interface ("hp_xdp"), its maps owned by hotpathd:
 *   hp_cfg      ARRAY[1]       struct hp_xdp_cfg: pass flags for non-port classes, what to do
 *                              without a socket, owner pid
 *   hp_ports    ARRAY[65536]   __u32 per L4 port: HP_XDP_PORT_* bits; a TCP/UDP packet whose
 *                              destination port has its protocol's destination bit, or whose
 *                              source port has its protocol's source bit, goes to the kernel
 *                              (XDP_PASS). A destination class never matches a source port:
 *                              "tcp/22" does not open the kernel to anything sent FROM port 22
 *   hp_block4   LPM_TRIE       struct hp_xdp_lpm4 -> __u8 (1): source prefixes dropped
 *   hp_block6   LPM_TRIE       struct hp_xdp_lpm6 -> __u8 (1)
 *   hp_stats    PERCPU_ARRAY[HP_XDP_NREASONS]  struct hp_xdp_counter per reason
 *   xsks_map    XSKMAP         AF_XDP socket per RX queue (the name DPDK's net_af_xdp wants)
 *
 * Order of decisions for one frame: malformed -> drop; blocked source -> drop;
 * a pass class -> kernel; otherwise redirect into xsks_map[rx_queue_index]; when no socket
 * is bound there, the kernel (HP_XDP_FLAG_NOSOCK_PASS set: shield-only mode) or a drop (the
 * flag clear: fail-closed, also what an unfilled hp_cfg does).
 */
#ifndef HP_XDP_H
#define HP_XDP_H

#include <linux/types.h>

#define HP_XDP_PROG_NAME "hp_xdp" /* bpf_prog_info.name of every hotpath program */
#define HP_XDP_MAX_BLOCK 262144   /* LPM entries per family */
#define HP_XDP_MAX_QUEUES 64      /* xsks_map size */
#define HP_XDP_MAX_VLAN 2         /* 802.1Q / 802.1ad tags walked */
#define HP_XDP_MAX_EXTHDR 8       /* IPv6 extension headers walked */

/* hp_cfg.flags: the classes without ports that go to the kernel. */
#define HP_XDP_PASS_ARP (1u << 0)   /* EtherType 0x0806 */
#define HP_XDP_PASS_ND (1u << 1)    /* ICMPv6 133..137: RS, RA, NS, NA, redirect */
#define HP_XDP_PASS_ICMP (1u << 2)  /* every ICMPv4 */
#define HP_XDP_PASS_ICMP6 (1u << 3) /* every ICMPv6 that is not ND */
/* hp_cfg.flags: a frame to steer with no AF_XDP socket on its queue goes to the kernel
 * (XDP_PASS); clear, it is dropped (on_no_socket: drop). Zero, the map's initial state, is
 * the closed one. */
#define HP_XDP_FLAG_NOSOCK_PASS (1u << 4)

/* hp_ports value bits: a destination port (tcp/22) or a source port (tcp/sport/179). */
#define HP_XDP_PORT_TCP (1u << 0)
#define HP_XDP_PORT_UDP (1u << 1)
#define HP_XDP_PORT_SRC_SHIFT 2 /* the source bit of a protocol is its destination bit << 2 */
#define HP_XDP_PORT_TCP_SRC (HP_XDP_PORT_TCP << HP_XDP_PORT_SRC_SHIFT)
#define HP_XDP_PORT_UDP_SRC (HP_XDP_PORT_UDP << HP_XDP_PORT_SRC_SHIFT)

struct hp_xdp_cfg {
	__u32 flags;     /* HP_XDP_PASS_*, HP_XDP_FLAG_NOSOCK_PASS */
	__u32 owner_pid; /* hotpathd that loaded/owns it: tells a stale program from a live one */
};

struct hp_xdp_lpm4 {
	__u32 prefixlen; /* 0..32 */
	__u8 addr[4];    /* network byte order */
};

struct hp_xdp_lpm6 {
	__u32 prefixlen; /* 0..128 */
	__u8 addr[16];
};

/* Every verdict, by reason. Names in hp_xdp_reason_names (user space) follow this order. */
enum hp_xdp_reason {
	HP_XDP_STEER = 0,      /* XDP_REDIRECT into the queue's AF_XDP socket */
	HP_XDP_PASS_NOSOCK,    /* XDP_PASS: would steer, no socket bound on that queue */
	HP_XDP_PASS_CLASS_ARP, /* XDP_PASS: configured classes */
	HP_XDP_PASS_CLASS_ND,
	HP_XDP_PASS_CLASS_ICMP,
	HP_XDP_PASS_CLASS_ICMP6,
	HP_XDP_PASS_CLASS_TCP,
	HP_XDP_PASS_CLASS_UDP,
	HP_XDP_DROP_BLOCK4,    /* XDP_DROP: source in hp_block4 */
	HP_XDP_DROP_BLOCK6,    /* XDP_DROP: source in hp_block6 */
	HP_XDP_DROP_MALFORMED, /* XDP_DROP: a header cut short or inconsistent */
	HP_XDP_DROP_NOSOCK,    /* XDP_DROP: would steer, no socket bound, on_no_socket: drop */
	HP_XDP_NREASONS
};

struct hp_xdp_counter {
	__u64 packets;
	__u64 bytes;
};

#ifndef __bpf__
/* Metric/JSON names of the reasons, index = enum hp_xdp_reason. */
static const char *const hp_xdp_reason_names[HP_XDP_NREASONS] = {
	"steer",    "pass_nosock", "pass_arp",    "pass_nd",     "pass_icmp",      "pass_icmp6",
	"pass_tcp", "pass_udp",    "drop_block4", "drop_block6", "drop_malformed", "drop_nosock",
};
#endif

#endif
