// SPDX-License-Identifier: BSD-3-Clause
/* hp_xdp: hotpath's XDP program: parse, block, pass, steer and count each frame. Maps and decisions: hp_xdp.h. */
#include <stdbool.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "hp_xdp.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hp_xdp_cfg);
} hp_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} hp_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, HP_XDP_MAX_BLOCK);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct hp_xdp_lpm4);
	__type(value, __u8);
} hp_block4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, HP_XDP_MAX_BLOCK);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct hp_xdp_lpm6);
	__type(value, __u8);
} hp_block6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HP_XDP_NREASONS);
	__type(key, __u32);
	__type(value, struct hp_xdp_counter);
} hp_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, HP_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/*
 * Parsing. Every header is checked against data_end before it is read (the verifier
 * insists); a required header that is not all there makes the frame malformed. The
 * helpers return an enum hp_xdp_reason, HP_XDP_STEER meaning "no pass class": hp_xdp()
 * turns that into the redirect.
 */

#define IP_FRAG_OFFSET 0x1fff  /* iphdr.frag_off: fragment offset, in 8-byte units */
#define IP6_FRAG_OFFSET 0xfff8 /* frag_hdr.frag_off: offset << 3 | res | M */
#define ARP_HLEN 28            /* Ethernet/IPv4 ARP: hrd, pro, hln, pln, op, sha, spa, tha, tpa */
#define ICMP_HLEN 8            /* ICMP and ICMPv6: type, code, checksum + 4 bytes of the message */

/* The drop reasons are the last ones: hp_xdp() maps a reason to its action by that. */
_Static_assert(HP_XDP_DROP_BLOCK4 + 4 == HP_XDP_NREASONS, "drop reasons are not last");

/* Where parsing stands: the next header's first byte, and the end of the frame. */
struct cursor {
	void *pos;
	void *end;
};

struct vlanhdr {
	__be16 tci;
	__be16 proto; /* the EtherType of what follows the tag */
};

/* The 8 bytes every IPv6 extension header has at least; the fragment header is exactly this. */
struct ip6_exthdr {
	__u8 nexthdr;
	__u8 hdrlen;     /* hop-by-hop, routing, dest options: 8-byte units - 1; AH: 4-byte units - 2 */
	__be16 frag_off; /* fragment header only */
	__be32 rest;
};

/*
 * Moves the cursor past the len-byte header at it; false (cursor unmoved) when the frame
 * is shorter. The caller takes the header's address from c->pos first: no pointer that
 * may be NULL, so no NULL test on the hot path.
 */
static __always_inline bool
cursor_skip(struct cursor *c, __u32 len)
{
	if (c->pos + len > c->end)
		return false;
	c->pos += len;
	return true;
}

/* hp_cfg's flags. Only the classes without ports read them, so TCP and UDP never pay the lookup. */
static __always_inline __u32
cfg_flags(void)
{
	__u32 zero = 0;
	struct hp_xdp_cfg *cfg = bpf_map_lookup_elem(&hp_cfg, &zero);

	/* an ARRAY lookup of key 0 cannot fail, but the verifier wants the check */
	return cfg ? cfg->flags : 0;
}

/* reason when flag is configured, otherwise steer. */
static __always_inline __u32
pass_if(__u32 flag, __u32 reason)
{
	return cfg_flags() & flag ? reason : HP_XDP_STEER;
}

/*
 * Ethernet, then up to HP_XDP_MAX_VLAN 802.1Q/802.1ad tags. Sets *proto to the EtherType
 * after them (network order). A frame with more tags leaves *proto a VLAN EtherType:
 * "other", steered like any EtherType we do not parse. -1 when a header is cut.
 */
static __always_inline int
parse_eth(struct cursor *c, __be16 *proto)
{
	struct ethhdr *eth = c->pos;
	__be16 type;

	if (!cursor_skip(c, sizeof(*eth)))
		return -1;
	type = eth->h_proto;
#pragma unroll
	for (int i = 0; i < HP_XDP_MAX_VLAN; i++) {
		struct vlanhdr *vlan = c->pos;

		if (type != bpf_htons(ETH_P_8021Q) && type != bpf_htons(ETH_P_8021AD))
			break;
		if (!cursor_skip(c, sizeof(*vlan)))
			return -1;
		type = vlan->proto;
	}
	*proto = type;
	return 0;
}

/*
 * TCP or UDP at the cursor: the kernel's when the destination port has the protocol's
 * destination bit in hp_ports (indexed by the port in host order), or the source port its
 * source bit. Each direction has its own bit, so a class on a destination port is never
 * met by a sender that picks that port as its source. An ARRAY lookup is inlined by the
 * verifier: a bounds check and a load.
 */
static __always_inline __u32
port_class(__be16 sport, __be16 dport, __u32 bit, __u32 reason)
{
	__u32 key = bpf_ntohs(dport);
	__u32 *v = bpf_map_lookup_elem(&hp_ports, &key);

	if (v && (*v & bit))
		return reason;
	key = bpf_ntohs(sport);
	v = bpf_map_lookup_elem(&hp_ports, &key);
	if (v && (*v & (bit << HP_XDP_PORT_SRC_SHIFT)))
		return reason;
	return HP_XDP_STEER;
}

/* TCP: the 20-byte header and its options (data offset >= 5, all of it inside the frame). */
static __always_inline __u32
classify_tcp(struct cursor *c)
{
	struct tcphdr *th = c->pos;
	__u32 hlen;

	if ((void *)(th + 1) > c->end)
		return HP_XDP_DROP_MALFORMED;
	hlen = th->doff * 4;
	if (hlen < sizeof(*th) || (void *)th + hlen > c->end)
		return HP_XDP_DROP_MALFORMED;
	return port_class(th->source, th->dest, HP_XDP_PORT_TCP, HP_XDP_PASS_CLASS_TCP);
}

/* UDP: the 8-byte header. */
static __always_inline __u32
classify_udp(struct cursor *c)
{
	struct udphdr *uh = c->pos;

	if (!cursor_skip(c, sizeof(*uh)))
		return HP_XDP_DROP_MALFORMED;
	return port_class(uh->source, uh->dest, HP_XDP_PORT_UDP, HP_XDP_PASS_CLASS_UDP);
}

/* ARP: the kernel answers it when configured to; the 28-byte Ethernet/IPv4 body must be there. */
static __always_inline __u32
classify_arp(struct cursor *c)
{
	if (!cursor_skip(c, ARP_HLEN))
		return HP_XDP_DROP_MALFORMED;
	return pass_if(HP_XDP_PASS_ARP, HP_XDP_PASS_CLASS_ARP);
}

/*
 * IPv4: validate the header (version, IHL, total length against IHL; the options inside
 * the frame), drop a blocked source, then classify L4. The frame's end, not tot_len,
 * bounds the L4 header. A non-first fragment has no L4 header to classify: steered.
 */
static __always_inline __u32
classify_ipv4(struct cursor *c)
{
	struct iphdr *ip = c->pos;
	struct hp_xdp_lpm4 key;
	__u32 hlen;

	if ((void *)(ip + 1) > c->end)
		return HP_XDP_DROP_MALFORMED;
	hlen = ip->ihl * 4;
	if (ip->version != 4 || hlen < sizeof(*ip) || bpf_ntohs(ip->tot_len) < hlen ||
	    (void *)ip + hlen > c->end)
		return HP_XDP_DROP_MALFORMED;
	c->pos = (void *)ip + hlen;

	key.prefixlen = 32;
	__builtin_memcpy(key.addr, &ip->saddr, sizeof(key.addr));
	if (bpf_map_lookup_elem(&hp_block4, &key))
		return HP_XDP_DROP_BLOCK4;

	if (ip->frag_off & bpf_htons(IP_FRAG_OFFSET))
		return HP_XDP_STEER;
	switch (ip->protocol) {
	case IPPROTO_TCP:
		return classify_tcp(c);
	case IPPROTO_UDP:
		return classify_udp(c);
	case IPPROTO_ICMP:
		if (!cursor_skip(c, ICMP_HLEN))
			return HP_XDP_DROP_MALFORMED;
		return pass_if(HP_XDP_PASS_ICMP, HP_XDP_PASS_CLASS_ICMP);
	}
	return HP_XDP_STEER;
}

static __always_inline bool
ipv6_is_exthdr(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING || nexthdr == IPPROTO_FRAGMENT ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_AH;
}

/* What skip_ipv6_exthdrs() returns instead of an upper-layer protocol. */
#define EXTHDR_CUT (-1)      /* an extension header runs past the frame: malformed */
#define EXTHDR_UNPARSED (-2) /* a non-first fragment, or a chain longer than we walk: steer */

/*
 * IPv6 extension headers, at most HP_XDP_MAX_EXTHDR of them (a bounded loop: the
 * verifier walks every iteration). Returns the upper-layer protocol with the cursor on
 * its header, or EXTHDR_*. ESP and "no next header" end the walk like any other upper
 * layer, and the caller steers them.
 */
static __always_inline int
skip_ipv6_exthdrs(struct cursor *c, __u8 nexthdr)
{
	for (int i = 0; i < HP_XDP_MAX_EXTHDR; i++) {
		struct ip6_exthdr *eh = c->pos;
		__u32 len;

		if (!ipv6_is_exthdr(nexthdr))
			return nexthdr;
		if ((void *)(eh + 1) > c->end)
			return EXTHDR_CUT;
		if (nexthdr == IPPROTO_FRAGMENT) {
			if (eh->frag_off & bpf_htons(IP6_FRAG_OFFSET))
				return EXTHDR_UNPARSED;
			len = sizeof(*eh);
		} else if (nexthdr == IPPROTO_AH) {
			len = (eh->hdrlen + 2) * 4;
		} else {
			len = (eh->hdrlen + 1) * 8;
		}
		if ((void *)eh + len > c->end)
			return EXTHDR_CUT;
		nexthdr = eh->nexthdr;
		c->pos = (void *)eh + len;
	}
	return ipv6_is_exthdr(nexthdr) ? EXTHDR_UNPARSED : nexthdr;
}

/* ICMPv6: neighbour discovery (RS, RA, NS, NA, redirect) and the rest are separate classes. */
static __always_inline __u32
classify_icmp6(struct cursor *c)
{
	__u8 *icmp = c->pos;

	if (!cursor_skip(c, ICMP_HLEN))
		return HP_XDP_DROP_MALFORMED;
	if (icmp[0] >= 133 && icmp[0] <= 137)
		return pass_if(HP_XDP_PASS_ND, HP_XDP_PASS_CLASS_ND);
	return pass_if(HP_XDP_PASS_ICMP6, HP_XDP_PASS_CLASS_ICMP6);
}

/* IPv6: the fixed header, a blocked source, the extension headers, then L4. */
static __always_inline __u32
classify_ipv6(struct cursor *c)
{
	struct ipv6hdr *ip6 = c->pos;
	struct hp_xdp_lpm6 key;
	int proto;

	if (!cursor_skip(c, sizeof(*ip6)) || ip6->version != 6)
		return HP_XDP_DROP_MALFORMED;

	key.prefixlen = 128;
	__builtin_memcpy(key.addr, &ip6->saddr, sizeof(key.addr));
	if (bpf_map_lookup_elem(&hp_block6, &key))
		return HP_XDP_DROP_BLOCK6;

	proto = skip_ipv6_exthdrs(c, ip6->nexthdr);
	switch (proto) {
	case IPPROTO_TCP:
		return classify_tcp(c);
	case IPPROTO_UDP:
		return classify_udp(c);
	case IPPROTO_ICMPV6:
		return classify_icmp6(c);
	case EXTHDR_CUT:
		return HP_XDP_DROP_MALFORMED;
	}
	return HP_XDP_STEER;
}

static __always_inline __u32
classify(struct cursor *c)
{
	__be16 proto;

	if (parse_eth(c, &proto) < 0)
		return HP_XDP_DROP_MALFORMED;
	switch (proto) {
	case bpf_htons(ETH_P_IP):
		return classify_ipv4(c);
	case bpf_htons(ETH_P_IPV6):
		return classify_ipv6(c);
	case bpf_htons(ETH_P_ARP):
		return classify_arp(c);
	}
	return HP_XDP_STEER;
}

SEC("xdp")
int
hp_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct cursor c = {.pos = data, .end = data_end};
	struct hp_xdp_counter *ctr;
	__u32 reason = classify(&c);
	int action;

	if (reason == HP_XDP_STEER) {
		/* no AF_XDP socket bound on this queue: the fallback action, XDP_PASS
		 * (shield-only mode, on_no_socket: pass) or XDP_DROP (fail-closed) */
		bool pass = cfg_flags() & HP_XDP_FLAG_NOSOCK_PASS;

		action = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, pass ? XDP_PASS : XDP_DROP);
		if (action != XDP_REDIRECT)
			reason = pass ? HP_XDP_PASS_NOSOCK : HP_XDP_DROP_NOSOCK;
	} else {
		action = reason >= HP_XDP_DROP_BLOCK4 ? XDP_DROP : XDP_PASS;
	}

	/* per-CPU: plain adds, summed by the reader */
	ctr = bpf_map_lookup_elem(&hp_stats, &reason);
	if (ctr) {
		ctr->packets++;
		ctr->bytes += data_end - data;
	}
	return action;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
