/* Why a worker drops or punts a packet: X-macro lists, expanded into enums here and into name and help tables in reasons.c. */
#ifndef DP_REASONS_H
#define DP_REASONS_H

/* Why a worker dropped a packet: symbol, metric label, help text. */
#define DP_DROP_REASONS(_)                                                                                   \
	_(TX_REFUSED, "tx_refused", "the TX queue was full: rte_eth_tx_burst refused it")                    \
	_(ETH_TRUNCATED, "eth_truncated", "frame shorter than an Ethernet header")                           \
	_(VLAN_TRUNCATED, "vlan_truncated", "802.1Q tag cut short")                                          \
	_(VLAN_UNKNOWN, "vlan_unknown", "802.1Q-tagged frame on an l3 port (no VLAN interfaces)")            \
	_(NOT_OUR_MAC, "not_our_mac", "destination MAC neither ours, broadcast nor multicast we serve")      \
	_(ETHERTYPE, "unknown_ethertype", "EtherType that an l3 port does not handle")                       \
	_(ARP_MALFORMED, "arp_malformed", "ARP packet too short or not Ethernet/IPv4")                       \
	_(IPV4_TRUNCATED, "ipv4_truncated", "frame too short for an IPv4 header")                            \
	_(IPV4_VERSION, "ipv4_version", "IPv4 EtherType with an IP version other than 4")                    \
	_(IPV4_IHL, "ipv4_ihl", "IPv4 header length below 5 words or beyond the frame")                      \
	_(IPV4_LENGTH, "ipv4_length", "IPv4 total length below the header or beyond the frame")              \
	_(IPV4_CHECKSUM, "ipv4_checksum", "IPv4 header checksum wrong")                                      \
	_(IPV4_MARTIAN, "ipv4_martian", "IPv4 source multicast, broadcast or loopback")                      \
	_(IPV6_TRUNCATED, "ipv6_truncated", "frame too short for an IPv6 header")                            \
	_(IPV6_VERSION, "ipv6_version", "IPv6 EtherType with an IP version other than 6")                    \
	_(IPV6_LENGTH, "ipv6_length", "IPv6 payload length beyond the frame")                                \
	_(IPV6_EXT_HDR, "ipv6_ext_hdr", "IPv6 extension header cut short or chain too long")                 \
	_(IPV6_MARTIAN, "ipv6_martian", "IPv6 source multicast or loopback")                                 \
	_(L4_TRUNCATED, "l4_truncated", "TCP/UDP/ICMP header cut short")                                     \
	_(TTL_EXPIRED, "ttl_expired", "TTL or hop limit would reach 0 (ICMP time exceeded sent)")            \
	_(NO_ROUTE, "no_route", "no route to the destination (ICMP unreachable sent)")                       \
	_(BLACKHOLE, "blackhole", "route with action drop")                                                  \
	_(ACL_DENY, "acl_deny", "denied by an ACL rule or acl_default: deny")                                \
	_(POLICER_RED, "policer_red", "red by a policer")                                                    \
	_(PUNT_FULL, "punt_ring_full", "slow-path ring full: packet for the control thread dropped")         \
	_(LOCAL_UNHANDLED, "local_unhandled", "to our address but nothing serves it (not ARP/ND/echo)")      \
	_(NEIGH_QUEUE_FULL, "neigh_queue_full", "too many packets waiting for one unresolved neighbour")     \
	_(NEIGH_FAILED, "neigh_failed", "neighbour did not answer ARP/ND: packets held for it dropped")      \
	_(NEIGH_TABLE_FULL, "neigh_table_full", "connected host without an entry, its port at max_per_port") \
	_(SLOWPATH_RATELIMIT, "slowpath_ratelimit", "ICMP error or reply suppressed by the rate limit")      \
	_(IPV4_DST_THIS_NET, "ipv4_dst_this_net", "IPv4 destination in 0.0.0.0/8: never forwarded")          \
	_(IPV4_DST_LOOPBACK, "ipv4_dst_loopback", "IPv4 destination in 127.0.0.0/8: never forwarded")        \
	_(IPV4_DST_MULTICAST, "ipv4_dst_multicast",                                                          \
	  "IPv4 destination in 224.0.0.0/4 (no multicast routing)")                                          \
	_(IPV4_DST_RESERVED, "ipv4_dst_reserved", "IPv4 destination in 240.0.0.0/4: never forwarded")        \
	_(IPV4_DST_BROADCAST, "ipv4_dst_broadcast", "IPv4 destination 255.255.255.255: never forwarded")     \
	_(IPV4_DIRECTED_BCAST, "ipv4_directed_broadcast", "IPv4 broadcast address of a connected subnet")    \
	_(IPV4_SRC_THIS_NET, "ipv4_src_this_net", "IPv4 source in 0.0.0.0/8 to be forwarded")                \
	_(IPV6_DST_UNSPEC, "ipv6_dst_unspecified", "IPv6 destination :: (unspecified): never forwarded")     \
	_(IPV6_DST_LOOPBACK, "ipv6_dst_loopback", "IPv6 destination ::1: never forwarded")                   \
	_(IPV6_DST_LINK_LOCAL, "ipv6_dst_link_local",                                                        \
	  "IPv6 link-local destination not ours: never forwarded")                                           \
	_(IPV6_SRC_UNSPEC, "ipv6_src_unspecified", "IPv6 source :: to be forwarded")                         \
	_(IPV6_SRC_LINK_LOCAL, "ipv6_src_link_local", "IPv6 link-local source to be forwarded off-link")     \
	_(CT_FULL, "conntrack_full",                                                                         \
	  "new connection refused: conntrack.max reached or its hash buckets full")                          \
	_(NAT_EXHAUSTED, "nat_exhausted", "new connection refused: no free port left in the SNAT pool")      \
	_(CT_CLASH, "conntrack_clash", "new connection refused: its reply tuple is another connection's")    \
	_(LB_NO_BACKEND, "lb_no_backend", "to a VIP none of whose backends is up with a weight above 0")     \
	_(LB_ENCAP, "lb_encap", "to a VIP but not encapsulable (chained mbufs, no headroom, over 64 KiB)")   \
	_(LB_FRAGMENT, "lb_fragment", "a fragment to an address with several VIPs of its protocol")

enum dp_drop {
	DP_DROP_NONE = 0, /* stages return 0 for "goes on" */
#define DP_DROP_ENUM(sym, name, help) DP_DROP_##sym,
	DP_DROP_REASONS(DP_DROP_ENUM)
#undef DP_DROP_ENUM
	DP_DROP_MAX
};

extern const char *const dp_drop_names[DP_DROP_MAX];
extern const char *const dp_drop_help[DP_DROP_MAX];

/* Why a worker handed a packet to the control thread: symbol, report/metric label, help text. */
#define DP_PUNT_REASONS(_)                                                   \
	_(LOCAL, "local", "ARP, ND, or addressed to us")                     \
	_(TTL, "ttl", "TTL / hop limit expired: ICMP time exceeded")         \
	_(NOROUTE, "no_route", "no route: ICMP destination unreachable")     \
	_(RESOLVE, "resolve", "next hop unresolved: held while ARP/NS asks") \
	_(MTU, "mtu", "larger than the egress port's MTU: fragmented, or ICMP too big sent")

enum dp_punt {
	DP_PUNT_NONE = 0, /* not punted */
#define DP_PUNT_ENUM(sym, name, help) DP_PUNT_##sym,
	DP_PUNT_REASONS(DP_PUNT_ENUM)
#undef DP_PUNT_ENUM
	DP_PUNT_MAX
};

extern const char *const dp_punt_names[DP_PUNT_MAX];
extern const char *const dp_punt_help[DP_PUNT_MAX];

#endif
