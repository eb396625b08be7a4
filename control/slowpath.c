/* Slow path: ARP and IPv6 ND answers and learning, ICMP/ICMPv6 echo replies and errors; frames in, frames out (no EAL). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "slowpath.h"

#define FRAME_MAX 1518                                    /* the buffer every frame is built in */
#define FRAME_MIN (RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN) /* 60: shorter frames are zero-padded */
#define ETH_LEN RTE_ETHER_HDR_LEN
#define IP4_LEN sizeof(struct rte_ipv4_hdr)
#define IP6_LEN sizeof(struct rte_ipv6_hdr)
#define ICMP_LEN sizeof(struct rte_icmp_hdr) /* 8: echo and error headers, v4 and v6 */
#define ICMP4_ERR_MAX 576                    /* RFC 1812 4.3.2.3 */
#define ICMP6_ERR_MAX 1280                   /* RFC 4443 2.4 (c): the IPv6 minimum MTU */
#define REPLY_MTU RTE_ETHER_MTU              /* no echo reply larger than this */
#define TTL_OUT 64
#define ND_HOP_LIMIT 255 /* RFC 4861: ND is never forwarded */

/* NA flags, first byte after the ICMPv6 checksum. */
#define NA_ROUTER 0x80
#define NA_SOLICITED 0x40
#define NA_OVERRIDE 0x20

/* ARP for Ethernet/IPv4 (RFC 826), addresses as bytes: no alignment assumed. */
struct arp_msg {
	rte_be16_t hrd;
	rte_be16_t pro;
	uint8_t hln;
	uint8_t pln;
	rte_be16_t op;
	uint8_t sha[RTE_ETHER_ADDR_LEN];
	uint8_t spa[4];
	uint8_t tha[RTE_ETHER_ADDR_LEN];
	uint8_t tpa[4];
} __rte_packed;

/* Neighbor Solicitation / Advertisement (RFC 4861 4.3, 4.4) without options. */
struct nd_msg {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
	uint8_t flags; /* NA: R, S, O; NS: reserved */
	uint8_t reserved[3];
	uint8_t target[16];
} __rte_packed;

/* Source/Target Link-Layer Address option for Ethernet. */
struct nd_opt_ll {
	uint8_t type;
	uint8_t len; /* in units of 8 bytes: 1 */
	uint8_t mac[RTE_ETHER_ADDR_LEN];
} __rte_packed;

_Static_assert(sizeof(struct arp_msg) == sizeof(struct rte_arp_hdr), "ARP layout");
_Static_assert(sizeof(struct nd_msg) == 24, "ND layout");
_Static_assert(sizeof(struct nd_opt_ll) == 8, "ND option layout");

/* A received frame and where its layers start (offsets from frame). */
struct pkt {
	const struct ctl_slowpath_ops *ops;
	const struct ctl_iface *ifc;
	unsigned port;
	const uint8_t *frame;
	size_t len;
	const struct dp_meta *meta;
	size_t l3;    /* IP header */
	size_t l4;    /* upper-layer header */
	size_t end;   /* end of the IP datagram (Ethernet padding excluded) */
	unsigned mtu; /* CTL_ERR_TOO_BIG: the next hop's MTU */
};

static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 0x01};
static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- checksums (RFC 1071), independent of alignment ---- */

static uint32_t
sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* Fold and complement: the value for the checksum field (host order); 0 when verifying good data. */
static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t
sum_phdr6(const uint8_t src[16], const uint8_t dst[16], uint32_t ulen)
{
	uint32_t sum = sum16(sum16(0, src, 16), dst, 16);

	return sum + (ulen >> 16) + (ulen & 0xffff) + IPPROTO_ICMPV6;
}

static uint16_t
icmp6_cksum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *msg, size_t len)
{
	return fold(sum16(sum_phdr6(src, dst, (uint32_t)len), msg, len));
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* ---- addresses ---- */

static bool
mac_is_unicast(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

static uint32_t
v4(const uint8_t a[4])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static uint32_t
v4_mask(uint8_t len)
{
	return len >= 32 ? UINT32_MAX : ~(UINT32_MAX >> len);
}

/* Not 0/8, loopback, multicast, limited broadcast or class E. */
static bool
v4_is_unicast(uint32_t a)
{
	return (a >> 24) != 0 && (a >> 24) != 127 && a < 0xe0000000u;
}

static bool
v4_is_ours(const struct ctl_iface *ifc, uint32_t a)
{
	for (unsigned i = 0; i < ifc->n_ipv4; i++)
		if (v4(ifc->ipv4[i].addr) == a)
			return true;
	return false;
}

/* An address a NAT rule makes this port's (proxy ARP: the pool and port-forward addresses). */
static bool
v4_is_nat(const struct ctl_iface *ifc, uint32_t a)
{
	const struct hp_config *cfg = ifc->nat_cfg;

	for (unsigned i = 0; cfg != NULL && i < cfg->n_nat; i++) {
		const struct hp_nat_rule *r = &cfg->nat[i];

		if (r->port != (int)ifc->port)
			continue;
		if (r->type == HP_NAT_DNAT && v4(r->dst.addr) == a)
			return true;
		for (unsigned k = 0; r->type == HP_NAT_SNAT && k < r->n_to; k++)
			if (v4(r->to[k].addr) == a)
				return true;
	}
	return false;
}

static bool
v4_in_subnet(const struct hp_prefix *p, uint32_t a)
{
	uint32_t m = v4_mask(p->len);

	return (v4(p->addr) & m) == (a & m);
}

/* The all-zeros or all-ones host of one of ifc's subnets (/30 and wider). */
static bool
v4_is_subnet_bcast(const struct ctl_iface *ifc, uint32_t a)
{
	for (unsigned i = 0; i < ifc->n_ipv4; i++) {
		uint32_t m = v4_mask(ifc->ipv4[i].len);

		if (ifc->ipv4[i].len <= 30 && v4_in_subnet(&ifc->ipv4[i], a) &&
		    ((a & ~m) == 0 || (a & ~m) == ~m))
			return true;
	}
	return false;
}

/* A neighbour we may learn: a unicast host of one of ifc's subnets, not ours. */
static bool
v4_is_learnable(const struct ctl_iface *ifc, uint32_t a)
{
	bool inside = false;

	for (unsigned i = 0; i < ifc->n_ipv4 && !inside; i++)
		inside = v4_in_subnet(&ifc->ipv4[i], a);
	return inside && v4_is_unicast(a) && !v4_is_subnet_bcast(ifc, a) && !v4_is_ours(ifc, a);
}

static bool
v6_is_unspec(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static bool
v6_is_mcast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

static bool
v6_is_loopback(const uint8_t a[16])
{
	static const uint8_t lo[16] = {[15] = 1};

	return memcmp(a, lo, 16) == 0;
}

static bool
v6_is_linklocal(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool
v6_in_subnet(const struct hp_prefix *p, const uint8_t a[16])
{
	unsigned bits = p->len > 128 ? 128 : p->len;
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(p->addr, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - rest));
	return (p->addr[full] & m) == (a[full] & m);
}

static bool
v6_is_ours(const struct ctl_iface *ifc, const uint8_t a[16])
{
	if (memcmp(ifc->ll6, a, 16) == 0)
		return true;
	for (unsigned i = 0; i < ifc->n_ipv6; i++)
		if (memcmp(ifc->ipv6[i].addr, a, 16) == 0)
			return true;
	return false;
}

/* A neighbour we may learn: link-local or inside one of ifc's subnets, unicast, not ours. */
static bool
v6_is_learnable(const struct ctl_iface *ifc, const uint8_t a[16])
{
	bool inside = v6_is_linklocal(a);

	for (unsigned i = 0; i < ifc->n_ipv6 && !inside; i++)
		inside = v6_in_subnet(&ifc->ipv6[i], a);
	return inside && !v6_is_unspec(a) && !v6_is_mcast(a) && !v6_is_loopback(a) && !v6_is_ours(ifc, a);
}

/* ff02::1:ffXX:XXXX (RFC 4291 2.7.1). */
static void
v6_solicited_node(const uint8_t target[16], uint8_t out[16])
{
	static const uint8_t sn[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};

	memcpy(out, sn, sizeof(sn));
	memcpy(out + 13, target + 13, 3);
}

static void
learn(const struct pkt *p, int family, const uint8_t *ip, const uint8_t mac[6], unsigned flags)
{
	struct hp_addr a = {.family = family};

	memcpy(a.addr, ip, family == AF_INET ? 4 : 16);
	p->ops->learn(p->ops->ctx, p->port, &a, mac, flags);
}

/* ---- frame building ---- */

static uint8_t *
put_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	put16(buf + 12, type);
	return buf + ETH_LEN;
}

/* IPv4 header without options; total = header + payload. */
static uint8_t *
put_ip4(uint8_t *buf, uint8_t tos, size_t total, uint16_t frag, uint32_t src, uint32_t dst)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = tos;
	ip->total_length = rte_cpu_to_be_16((uint16_t)total);
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = TTL_OUT;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->hdr_checksum = 0;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_cpu_to_be_16(fold(sum16(0, buf, IP4_LEN)));
	return buf + IP4_LEN;
}

static uint8_t *
put_ip6(uint8_t *buf, uint8_t tc, size_t plen, uint8_t hlim, const uint8_t src[16], const uint8_t dst[16])
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)buf;

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tc << 20);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)plen);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = hlim;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	return buf + IP6_LEN;
}

/* Pad to the Ethernet minimum (not every PMD pads short frames) and hand over. */
static void
emit(const struct pkt *p, uint8_t *buf, size_t len)
{
	if (len < FRAME_MIN) {
		memset(buf + len, 0, FRAME_MIN - len);
		len = FRAME_MIN;
	}
	p->ops->send(p->ops->ctx, p->port, buf, len);
}

/* ---- ARP ---- */

static enum ctl_verdict
arp_input(const struct pkt *p)
{
	uint8_t out[FRAME_MAX] __rte_aligned(8);
	struct arp_msg req, *rep;
	uint32_t sip, tip;
	bool conflict;
	uint16_t op;

	if (p->len < p->l3 + sizeof(req))
		return CTL_MALFORMED;
	memcpy(&req, p->frame + p->l3, sizeof(req));
	op = rte_be_to_cpu_16(req.op);
	if (req.hrd != RTE_BE16(RTE_ARP_HRD_ETHER) || req.pro != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    req.hln != RTE_ETHER_ADDR_LEN || req.pln != 4 ||
	    (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) || !mac_is_unicast(req.sha))
		return CTL_MALFORMED;

	sip = v4(req.spa);
	tip = v4(req.tpa);
	/* Someone claims one of our addresses (or our own frame came back): neither learn nor answer. */
	conflict = v4_is_ours(p->ifc, sip);
	/* RFC 826 merges (override); a reply to our address confirms reachability (as Linux) */
	if (!conflict && v4_is_learnable(p->ifc, sip))
		learn(p, AF_INET, req.spa, req.sha,
		      CTL_LEARN_OVERRIDE |
			      (op == RTE_ARP_OP_REPLY && v4_is_ours(p->ifc, tip) ? CTL_LEARN_CONFIRM : 0));
	if (conflict || (!v4_is_ours(p->ifc, tip) && !v4_is_nat(p->ifc, tip)))
		return CTL_NOT_FOR_US;
	if (op == RTE_ARP_OP_REPLY)
		return CTL_HANDLED;

	rep = (struct arp_msg *)put_eth(out, p->frame + 6, p->ifc->mac, RTE_ETHER_TYPE_ARP);
	rep->hrd = RTE_BE16(RTE_ARP_HRD_ETHER);
	rep->pro = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	rep->hln = RTE_ETHER_ADDR_LEN;
	rep->pln = 4;
	rep->op = RTE_BE16(RTE_ARP_OP_REPLY);
	memcpy(rep->sha, p->ifc->mac, 6);
	memcpy(rep->spa, req.tpa, 4);
	memcpy(rep->tha, req.sha, 6);
	memcpy(rep->tpa, req.spa, 4);
	emit(p, out, ETH_LEN + sizeof(*rep));
	return CTL_HANDLED;
}

/* ---- IPv4 ---- */

/* Checks the IPv4 header at p->l3 and sets p->l4 and p->end; false if it does not fit the frame. */
static bool
ip4_bounds(struct pkt *p)
{
	const struct rte_ipv4_hdr *ip;
	size_t ihl, total;

	if (p->len < p->l3 + IP4_LEN)
		return false;
	ip = (const struct rte_ipv4_hdr *)(p->frame + p->l3);
	ihl = (size_t)(ip->version_ihl & 0x0f) * 4;
	total = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < IP4_LEN || total < ihl || p->l3 + total > p->len)
		return false;
	p->l4 = p->l3 + ihl;
	p->end = p->l3 + total;
	return true;
}

static enum ctl_verdict
echo4_input(struct pkt *p)
{
	uint8_t out[FRAME_MAX] __rte_aligned(8);
	const struct rte_ipv4_hdr *ip;
	uint32_t src, dst;
	uint8_t *icmp;
	size_t n;

	if (!ip4_bounds(p))
		return CTL_MALFORMED;
	ip = (const struct rte_ipv4_hdr *)(p->frame + p->l3);
	src = rte_be_to_cpu_32(ip->src_addr);
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if (!v4_is_ours(p->ifc, dst))
		return CTL_NOT_FOR_US; /* broadcast pings included */
	/* No reassembly here: a fragmented echo request goes unanswered. */
	if (ip->next_proto_id != IPPROTO_ICMP ||
	    (rte_be_to_cpu_16(ip->fragment_offset) & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
		return CTL_UNHANDLED;
	n = p->end - p->l4;
	if (n < ICMP_LEN || fold(sum16(0, p->frame + p->l4, n)) != 0)
		return CTL_MALFORMED;
	if (p->frame[p->l4] != RTE_IP_ICMP_ECHO_REQUEST)
		return CTL_UNHANDLED;
	if (!v4_is_unicast(src) || v4_is_subnet_bcast(p->ifc, src))
		return CTL_MALFORMED;
	if (IP4_LEN + n > REPLY_MTU)
		return CTL_UNHANDLED;
	if (!p->ops->allow(p->ops->ctx))
		return CTL_RATELIMITED;

	/* RFC 1349: same TOS as the request (DSCP; ECN is not ours to echo). */
	icmp = put_eth(out, p->frame + 6, p->ifc->mac, RTE_ETHER_TYPE_IPV4);
	icmp = put_ip4(icmp, ip->type_of_service & RTE_IPV4_HDR_DSCP_MASK, IP4_LEN + n,
		       rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_DF_FLAG, dst, src);
	memcpy(icmp, p->frame + p->l4, n);
	icmp[0] = RTE_IP_ICMP_ECHO_REPLY;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 2, fold(sum16(0, icmp, n)));
	emit(p, out, ETH_LEN + IP4_LEN + n);
	return CTL_HANDLED;
}

/* ---- IPv6 ---- */

/* Checks the IPv6 header at p->l3 and sets p->end; false if it does not fit the frame. */
static bool
ip6_bounds(struct pkt *p)
{
	const struct rte_ipv6_hdr *ip;

	if (p->len < p->l3 + IP6_LEN || (p->frame[p->l3] >> 4) != 6)
		return false;
	ip = (const struct rte_ipv6_hdr *)(p->frame + p->l3);
	p->end = p->l3 + IP6_LEN + rte_be_to_cpu_16(ip->payload_len);
	return p->end <= p->len;
}

/*
 * Finds the link-layer address option of type want among the ND options in
 * [opt, opt + n): 0 with *mac set (NULL if absent), or -EINVAL for an option
 * of length 0, one running past the message, or a link-layer option that is
 * not 8 bytes (RFC 4861 4.6, 7.1).
 */
static int
nd_find_ll(const uint8_t *opt, size_t n, uint8_t want, const uint8_t **mac)
{
	*mac = NULL;
	while (n > 0) {
		size_t olen;

		if (n < 2)
			return -EINVAL;
		olen = (size_t)opt[1] * 8;
		if (olen == 0 || olen > n)
			return -EINVAL;
		if (opt[0] == want) {
			if (olen != sizeof(struct nd_opt_ll))
				return -EINVAL;
			*mac = opt + 2;
		}
		opt += olen;
		n -= olen;
	}
	return 0;
}

/* RFC 4861 7.1.1/7.1.2 checks common to NS and NA; false: silently discard. */
static bool
nd_valid(const struct pkt *p, const struct nd_msg *nd, size_t n)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(p->frame + p->l3);

	return !(p->meta->flags & DP_META_FRAG) && /* RFC 6980 */
	       ip->hop_limits == ND_HOP_LIMIT && n >= sizeof(*nd) && nd->code == 0 &&
	       icmp6_cksum(ip->src_addr, ip->dst_addr, p->frame + p->l4, n) == 0 &&
	       !v6_is_mcast(nd->target) && !v6_is_mcast(ip->src_addr);
}

static enum ctl_verdict
nd_solicit(struct pkt *p)
{
	uint8_t out[FRAME_MAX] __rte_aligned(8);
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(p->frame + p->l3);
	const struct nd_msg *ns = (const struct nd_msg *)(p->frame + p->l4);
	size_t n = p->end - p->l4;
	const uint8_t *slla;
	uint8_t sn[16];
	struct nd_msg *na;
	struct nd_opt_ll *tlla;
	uint8_t *icmp;
	bool dad;

	if (!nd_valid(p, ns, n) ||
	    nd_find_ll(p->frame + p->l4 + sizeof(*ns), n - sizeof(*ns), ND_OPT_SOURCE_LINKADDR, &slla) < 0)
		return CTL_MALFORMED;
	v6_solicited_node(ns->target, sn);
	dad = v6_is_unspec(ip->src_addr);
	/* DAD probes go to the solicited-node group and carry no source link-layer option. */
	if (dad && (slla != NULL || memcmp(ip->dst_addr, sn, 16) != 0))
		return CTL_MALFORMED;
	if (!v6_is_ours(p->ifc, ns->target) ||
	    (memcmp(ip->dst_addr, ns->target, 16) != 0 && memcmp(ip->dst_addr, sn, 16) != 0))
		return CTL_NOT_FOR_US;
	if (v6_is_ours(p->ifc, ip->src_addr))
		return CTL_NOT_FOR_US; /* our own solicitation came back, or a duplicate */
	if (slla != NULL && mac_is_unicast(slla) && v6_is_learnable(p->ifc, ip->src_addr))
		learn(p, AF_INET6, ip->src_addr, slla, CTL_LEARN_OVERRIDE); /* RFC 4861 7.2.3 */

	/* RFC 4861 7.2.4: an answer to DAD is multicast to all nodes, S clear. */
	icmp = put_eth(out, dad ? all_nodes_mac : p->frame + 6, p->ifc->mac, RTE_ETHER_TYPE_IPV6);
	icmp = put_ip6(icmp, 0, sizeof(*na) + sizeof(*tlla), ND_HOP_LIMIT, ns->target,
		       dad ? all_nodes : ip->src_addr);
	na = (struct nd_msg *)icmp;
	memset(na, 0, sizeof(*na));
	na->type = ND_NEIGHBOR_ADVERT;
	na->flags = NA_ROUTER | NA_OVERRIDE | (dad ? 0 : NA_SOLICITED);
	memcpy(na->target, ns->target, 16);
	tlla = (struct nd_opt_ll *)(na + 1);
	tlla->type = ND_OPT_TARGET_LINKADDR;
	tlla->len = 1;
	memcpy(tlla->mac, p->ifc->mac, 6);
	put16(icmp + 2,
	      icmp6_cksum(ns->target, dad ? all_nodes : ip->src_addr, icmp, sizeof(*na) + sizeof(*tlla)));
	emit(p, out, ETH_LEN + IP6_LEN + sizeof(*na) + sizeof(*tlla));
	return CTL_HANDLED;
}

static enum ctl_verdict
nd_advert(struct pkt *p)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(p->frame + p->l3);
	const struct nd_msg *na = (const struct nd_msg *)(p->frame + p->l4);
	size_t n = p->end - p->l4;
	const uint8_t *tlla;

	if (!nd_valid(p, na, n) || (v6_is_mcast(ip->dst_addr) && (na->flags & NA_SOLICITED)) ||
	    nd_find_ll(p->frame + p->l4 + sizeof(*na), n - sizeof(*na), ND_OPT_TARGET_LINKADDR, &tlla) < 0)
		return CTL_MALFORMED;
	/* A target that is ours is a duplicate address: never learned. */
	if (tlla != NULL && mac_is_unicast(tlla) && v6_is_learnable(p->ifc, na->target))
		learn(p, AF_INET6, na->target, tlla,
		      ((na->flags & NA_SOLICITED) ? CTL_LEARN_CONFIRM : 0) |
			      ((na->flags & NA_OVERRIDE) ? CTL_LEARN_OVERRIDE : 0));
	return CTL_HANDLED;
}

static enum ctl_verdict
echo6_input(struct pkt *p)
{
	uint8_t out[FRAME_MAX] __rte_aligned(8);
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(p->frame + p->l3);
	size_t n = p->end - p->l4;
	uint8_t *icmp;
	uint8_t tc;

	if (!v6_is_ours(p->ifc, ip->dst_addr))
		return CTL_NOT_FOR_US; /* multicast pings included */
	if (p->meta->flags & DP_META_FRAG)
		return CTL_UNHANDLED;
	if (n < ICMP_LEN || icmp6_cksum(ip->src_addr, ip->dst_addr, p->frame + p->l4, n) != 0 ||
	    v6_is_unspec(ip->src_addr) || v6_is_mcast(ip->src_addr))
		return CTL_MALFORMED;
	if (IP6_LEN + n > REPLY_MTU)
		return CTL_UNHANDLED;
	if (!p->ops->allow(p->ops->ctx))
		return CTL_RATELIMITED;

	tc = (uint8_t)(rte_be_to_cpu_32(ip->vtc_flow) >> 20) & RTE_IPV4_HDR_DSCP_MASK;
	icmp = put_eth(out, p->frame + 6, p->ifc->mac, RTE_ETHER_TYPE_IPV6);
	icmp = put_ip6(icmp, tc, n, TTL_OUT, ip->dst_addr, ip->src_addr);
	memcpy(icmp, p->frame + p->l4, n);
	icmp[0] = ICMP6_ECHO_REPLY;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 2, icmp6_cksum(ip->dst_addr, ip->src_addr, icmp, n));
	emit(p, out, ETH_LEN + IP6_LEN + n);
	return CTL_HANDLED;
}

static enum ctl_verdict
ip6_local(struct pkt *p)
{
	const struct rte_ipv6_hdr *ip;
	bool ours;

	if (!ip6_bounds(p))
		return CTL_MALFORMED;
	ip = (const struct rte_ipv6_hdr *)(p->frame + p->l3);
	ours = v6_is_ours(p->ifc, ip->dst_addr);
	if (p->meta->key.k6.proto != IPPROTO_ICMPV6 || (p->meta->flags & DP_META_LATER_FRAG))
		return ours ? CTL_UNHANDLED : CTL_NOT_FOR_US;
	/* The parser walked the extension headers; its offset is checked, not trusted. */
	p->l4 = p->meta->l4_off;
	if (p->l4 < p->l3 + IP6_LEN || p->l4 + 4 > p->end)
		return CTL_MALFORMED;
	switch (p->frame[p->l4]) {
	case ND_NEIGHBOR_SOLICIT:
		return nd_solicit(p);
	case ND_NEIGHBOR_ADVERT:
		return nd_advert(p);
	case ICMP6_ECHO_REQUEST:
		return echo6_input(p);
	default:
		return ours ? CTL_UNHANDLED : CTL_NOT_FOR_US;
	}
}

enum ctl_verdict
ctl_slowpath_local(const struct ctl_slowpath_ops *ops, const struct ctl_iface *ifc, unsigned port,
		   const uint8_t *frame, size_t len, const struct dp_meta *meta)
{
	struct pkt p = {
		.ops = ops,
		.ifc = ifc,
		.port = port,
		.frame = frame,
		.len = len,
		.meta = meta,
		.l3 = meta->l3_off,
	};

	/* Every answer goes back to the frame's source MAC: it must be a host's. */
	if (len < ETH_LEN || p.l3 < ETH_LEN || !mac_is_unicast(frame + 6))
		return CTL_MALFORMED;
	switch (meta->l3) {
	case DP_L3_ARP:
		return arp_input(&p);
	case DP_L3_IPV4:
		return echo4_input(&p);
	case DP_L3_IPV6:
		return ip6_local(&p);
	default:
		return CTL_UNHANDLED;
	}
}

/* ---- ICMP errors ---- */

/* RFC 1812 4.3.2.7: is the datagram at p->l3 one an ICMP error may be sent about? */
static bool
icmp4_error_due(const struct pkt *p)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p->frame + p->l3);
	uint32_t src = rte_be_to_cpu_32(ip->src_addr);
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
	uint8_t type;

	if ((rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) ||
	    (p->meta->flags & DP_META_LATER_FRAG))
		return false;
	if (!v4_is_unicast(src) || v4_is_subnet_bcast(p->ifc, src) || !v4_is_unicast(dst) ||
	    v4_is_subnet_bcast(p->ifc, dst))
		return false;
	if (ip->next_proto_id != IPPROTO_ICMP)
		return true;
	if (p->l4 >= p->end)
		return false;
	/* Errors, and types unknown to us (as Linux does), get no error. */
	type = p->frame[p->l4];
	return type <= NR_ICMP_TYPES && type != ICMP_DEST_UNREACH && type != ICMP_SOURCE_QUENCH &&
	       type != ICMP_REDIRECT && type != ICMP_TIME_EXCEEDED && type != ICMP_PARAMETERPROB;
}

static enum ctl_verdict
icmp4_error(struct pkt *p, enum ctl_icmp_error kind)
{
	uint8_t out[FRAME_MAX] __rte_aligned(8);
	const struct rte_ipv4_hdr *ip;
	uint8_t *icmp;
	size_t quote;

	if (!ip4_bounds(p))
		return CTL_MALFORMED;
	if (!icmp4_error_due(p))
		return CTL_NOT_FOR_US;
	if (p->ifc->n_ipv4 == 0)
		return CTL_UNHANDLED;
	if (!p->ops->allow(p->ops->ctx))
		return CTL_RATELIMITED;

	ip = (const struct rte_ipv4_hdr *)(p->frame + p->l3);
	quote = RTE_MIN(p->end - p->l3, ICMP4_ERR_MAX - IP4_LEN - ICMP_LEN);
	icmp = put_eth(out, p->frame + 6, p->ifc->mac, RTE_ETHER_TYPE_IPV4);
	icmp = put_ip4(icmp, 0, IP4_LEN + ICMP_LEN + quote, 0, v4(p->ifc->ipv4[0].addr),
		       rte_be_to_cpu_32(ip->src_addr));
	memset(icmp, 0, ICMP_LEN);
	icmp[0] = kind == CTL_ERR_TTL ? ICMP_TIME_EXCEEDED : ICMP_DEST_UNREACH;
	icmp[1] = kind == CTL_ERR_TTL       ? ICMP_EXC_TTL
		  : kind == CTL_ERR_TOO_BIG ? ICMP_FRAG_NEEDED
					    : ICMP_NET_UNREACH;
	if (kind == CTL_ERR_TOO_BIG)
		put16(icmp + 6, (uint16_t)p->mtu); /* RFC 1191 4: next-hop MTU */
	memcpy(icmp + ICMP_LEN, p->frame + p->l3, quote);
	put16(icmp + 2, fold(sum16(0, icmp, ICMP_LEN + quote)));
	emit(p, out, ETH_LEN + IP4_LEN + ICMP_LEN + quote);
	return CTL_HANDLED;
}

/* RFC 4443 2.4 (e): is the datagram at p->l3 one an ICMPv6 error may be sent about? */
static bool
icmp6_error_due(const struct pkt *p)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(p->frame + p->l3);
	size_t l4 = p->meta->l4_off;

	if (p->meta->flags & DP_META_LATER_FRAG)
		return false;
	if (v6_is_unspec(ip->src_addr) || v6_is_mcast(ip->src_addr) || v6_is_loopback(ip->src_addr) ||
	    v6_is_mcast(ip->dst_addr))
		return false;
	if (p->meta->key.k6.proto != IPPROTO_ICMPV6)
		return true;
	/* Types below 128 are errors; an ICMPv6 header we cannot see gets no error either. */
	return l4 >= p->l3 + IP6_LEN && l4 < p->end && p->frame[l4] >= ICMP6_ECHO_REQUEST;
}

static enum ctl_verdict
icmp6_error(struct pkt *p, enum ctl_icmp_error kind)
{
	uint8_t out[FRAME_MAX] __rte_aligned(8);
	const struct rte_ipv6_hdr *ip;
	const uint8_t *src;
	uint8_t *icmp;
	size_t quote;

	if (!ip6_bounds(p))
		return CTL_MALFORMED;
	if (!icmp6_error_due(p))
		return CTL_NOT_FOR_US;
	if (p->ifc->n_ipv6 == 0)
		return CTL_UNHANDLED;
	if (!p->ops->allow(p->ops->ctx))
		return CTL_RATELIMITED;

	ip = (const struct rte_ipv6_hdr *)(p->frame + p->l3);
	src = p->ifc->ipv6[0].addr;
	quote = RTE_MIN(p->end - p->l3, ICMP6_ERR_MAX - IP6_LEN - ICMP_LEN);
	icmp = put_eth(out, p->frame + 6, p->ifc->mac, RTE_ETHER_TYPE_IPV6);
	icmp = put_ip6(icmp, 0, ICMP_LEN + quote, TTL_OUT, src, ip->src_addr);
	memset(icmp, 0, ICMP_LEN);
	icmp[0] = kind == CTL_ERR_TTL       ? ICMP6_TIME_EXCEEDED
		  : kind == CTL_ERR_TOO_BIG ? ICMP6_PACKET_TOO_BIG
					    : ICMP6_DST_UNREACH;
	icmp[1] = kind == CTL_ERR_TTL       ? ICMP6_TIME_EXCEED_TRANSIT
		  : kind == CTL_ERR_TOO_BIG ? 0
					    : ICMP6_DST_UNREACH_NOROUTE;
	if (kind == CTL_ERR_TOO_BIG) {
		put16(icmp + 4, (uint16_t)(p->mtu >> 16)); /* RFC 4443 3.2: the MTU, 32 bits */
		put16(icmp + 6, (uint16_t)p->mtu);
	}
	memcpy(icmp + ICMP_LEN, p->frame + p->l3, quote);
	put16(icmp + 2, icmp6_cksum(src, ip->src_addr, icmp, ICMP_LEN + quote));
	emit(p, out, ETH_LEN + IP6_LEN + ICMP_LEN + quote);
	return CTL_HANDLED;
}

static enum ctl_verdict
icmp_error(const struct ctl_slowpath_ops *ops, const struct ctl_iface *ifc, unsigned port,
	   const uint8_t *frame, size_t len, const struct dp_meta *meta, enum ctl_icmp_error kind,
	   unsigned mtu)
{
	struct pkt p = {
		.ops = ops,
		.ifc = ifc,
		.port = port,
		.frame = frame,
		.len = len,
		.meta = meta,
		.l3 = meta->l3_off,
		.mtu = mtu,
	};

	if (len < ETH_LEN || p.l3 < ETH_LEN)
		return CTL_MALFORMED;
	if ((frame[0] & 1) || !mac_is_unicast(frame + 6) || (meta->flags & (DP_META_BCAST | DP_META_MCAST)))
		return CTL_NOT_FOR_US;
	switch (meta->l3) {
	case DP_L3_IPV4:
		return icmp4_error(&p, kind);
	case DP_L3_IPV6:
		return icmp6_error(&p, kind);
	default:
		return CTL_MALFORMED;
	}
}

enum ctl_verdict
ctl_slowpath_icmp_error(const struct ctl_slowpath_ops *ops, const struct ctl_iface *ifc, unsigned port,
			const uint8_t *frame, size_t len, const struct dp_meta *meta,
			enum ctl_icmp_error kind)
{
	return icmp_error(ops, ifc, port, frame, len, meta, kind == CTL_ERR_TOO_BIG ? CTL_ERR_NOROUTE : kind,
			  0);
}

enum ctl_verdict
ctl_slowpath_too_big(const struct ctl_slowpath_ops *ops, const struct ctl_iface *ifc, unsigned port,
		     const uint8_t *frame, size_t len, const struct dp_meta *meta, unsigned mtu)
{
	return icmp_error(ops, ifc, port, frame, len, meta, CTL_ERR_TOO_BIG, mtu);
}

/* ---- solicitations ---- */

static int
solicit_arp(uint8_t *buf, size_t cap, const struct ctl_iface *ifc, const struct hp_addr *target)
{
	uint32_t tip = v4(target->addr);
	const uint8_t *spa = ifc->ipv4[0].addr;
	struct arp_msg *arp;

	if (!v4_is_unicast(tip))
		return -EINVAL;
	if (cap < FRAME_MIN)
		return -ENOSPC;
	for (unsigned i = 0; i < ifc->n_ipv4; i++)
		if (v4_in_subnet(&ifc->ipv4[i], tip)) {
			spa = ifc->ipv4[i].addr;
			break;
		}
	memset(buf, 0, FRAME_MIN);
	arp = (struct arp_msg *)put_eth(buf, bcast_mac, ifc->mac, RTE_ETHER_TYPE_ARP);
	arp->hrd = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->pro = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->hln = RTE_ETHER_ADDR_LEN;
	arp->pln = 4;
	arp->op = RTE_BE16(RTE_ARP_OP_REQUEST);
	memcpy(arp->sha, ifc->mac, 6);
	memcpy(arp->spa, spa, 4);
	memcpy(arp->tpa, target->addr, 4);
	return FRAME_MIN;
}

static int
solicit_nd(uint8_t *buf, size_t cap, const struct ctl_iface *ifc, const struct hp_addr *target,
	   const uint8_t *unicast)
{
	const size_t n = sizeof(struct nd_msg) + sizeof(struct nd_opt_ll);
	const uint8_t *src = ifc->ll6;
	uint8_t dst[16], mac[6] = {0x33, 0x33, 0xff};
	struct nd_msg *ns;
	struct nd_opt_ll *slla;
	uint8_t *icmp;

	if (v6_is_unspec(target->addr) || v6_is_mcast(target->addr))
		return -EINVAL;
	if (cap < ETH_LEN + IP6_LEN + n)
		return -ENOSPC;
	for (unsigned i = 0; i < ifc->n_ipv6; i++)
		if (!v6_is_linklocal(ifc->ipv6[i].addr) && !v6_is_mcast(ifc->ipv6[i].addr)) {
			src = ifc->ipv6[i].addr;
			break;
		}
	v6_solicited_node(target->addr, dst);
	memcpy(mac + 3, target->addr + 13, 3);
	if (unicast != NULL) { /* RFC 4861 7.2.2: a probe goes to the cached address */
		memcpy(dst, target->addr, 16);
		memcpy(mac, unicast, 6);
	}
	icmp = put_eth(buf, mac, ifc->mac, RTE_ETHER_TYPE_IPV6);
	icmp = put_ip6(icmp, 0, n, ND_HOP_LIMIT, src, dst);
	ns = (struct nd_msg *)icmp;
	memset(ns, 0, sizeof(*ns));
	ns->type = ND_NEIGHBOR_SOLICIT;
	memcpy(ns->target, target->addr, 16);
	slla = (struct nd_opt_ll *)(ns + 1);
	slla->type = ND_OPT_SOURCE_LINKADDR;
	slla->len = 1;
	memcpy(slla->mac, ifc->mac, 6);
	put16(icmp + 2, icmp6_cksum(src, dst, icmp, n));
	return (int)(ETH_LEN + IP6_LEN + n);
}

int
ctl_build_solicit(uint8_t *buf, size_t cap, const struct ctl_iface *ifc, const struct hp_addr *target)
{
	if (target->family == AF_INET && ifc->n_ipv4 > 0)
		return solicit_arp(buf, cap, ifc, target);
	if (target->family == AF_INET6)
		return solicit_nd(buf, cap, ifc, target, NULL);
	return -EINVAL;
}

int
ctl_build_probe(uint8_t *buf, size_t cap, const struct ctl_iface *ifc, const struct hp_addr *target,
		const uint8_t mac[6])
{
	int len;

	if (target->family == AF_INET6)
		return solicit_nd(buf, cap, ifc, target, mac);
	if ((len = ctl_build_solicit(buf, cap, ifc, target)) > 0)
		memcpy(buf, mac, 6); /* the ARP request itself is as broadcast (target MAC zero) */
	return len;
}

void
ctl_link_local(const uint8_t mac[6], uint8_t ll6[16])
{
	hp_link_local(mac, ll6);
}

/* ---- IPv4 fragmentation (RFC 791 3.2, RFC 1812 4.2.2.7) ---- */

/* Options of a non-first fragment: those whose copied flag is set, EOL-padded to 4 bytes. */
static int
copied_options(const uint8_t *opt, size_t olen, uint8_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < olen;) {
		uint8_t type = opt[i], l;

		if (type == IPOPT_EOL)
			break;
		if (type == IPOPT_NOP) {
			i++;
			continue;
		}
		if (olen - i < 2 || (l = opt[i + 1]) < 2 || l > olen - i)
			return -EINVAL;
		if (type & IPOPT_COPY) {
			memcpy(out + n, opt + i, l);
			n += l;
		}
		i += l;
	}
	while (n % 4)
		out[n++] = IPOPT_EOL;
	return (int)n;
}

int
ctl_ipv4_fragment(const uint8_t *ip, size_t tot, unsigned mtu,
		  int (*emit)(void *ctx, const uint8_t *hdr, size_t hlen, const uint8_t *data, size_t n),
		  void *ctx)
{
	uint8_t first[60], later[60];
	size_t hlen, later_hlen, off = 0;
	uint16_t frag, base;
	int k = 0, rc;

	if (tot < IP4_LEN || ip[0] >> 4 != 4 || (hlen = (ip[0] & 0xfu) * 4u) < IP4_LEN || hlen > tot ||
	    (size_t)(ip[2] << 8 | ip[3]) != tot)
		return -EINVAL;
	memcpy(first, ip, hlen);
	memcpy(later, ip, IP4_LEN);
	if ((rc = copied_options(ip + IP4_LEN, hlen - IP4_LEN, later + IP4_LEN)) < 0)
		return rc;
	later_hlen = IP4_LEN + (size_t)rc;
	later[0] = (uint8_t)(0x40 | later_hlen / 4);
	if (mtu < hlen + 8)
		return -EINVAL;
	frag = (uint16_t)(ip[6] << 8 | ip[7]);
	base = frag & RTE_IPV4_HDR_OFFSET_MASK;
	while (off < tot - hlen) {
		uint8_t *h = k == 0 ? first : later;
		size_t hl = k == 0 ? hlen : later_hlen;
		size_t n = tot - hlen - off;
		uint16_t field;

		if (hl + n > mtu)
			n = (mtu - hl) & ~(size_t)7;
		/* MF on all but the last, and on the last if the datagram was a non-last fragment */
		field = (uint16_t)((frag & RTE_IPV4_HDR_DF_FLAG) | (base + off / 8));
		if (off + n < tot - hlen || (frag & RTE_IPV4_HDR_MF_FLAG))
			field |= RTE_IPV4_HDR_MF_FLAG;
		put16(h + 2, (uint16_t)(hl + n));
		put16(h + 6, field);
		put16(h + 10, 0);
		put16(h + 10, fold(sum16(0, h, hl)));
		if ((rc = emit(ctx, h, hl, ip + hlen + off, n)) < 0)
			return rc;
		off += n;
		k++;
	}
	return k;
}
