/* Packets larger than their egress port's MTU: IPv4 fragmented (RFC 791) or refused with ICMP (RFC 1191, RFC 8201). */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "iface.h"
#include "lb_encap.h"
#include "mtu.h"
#include "neigh.h"
#include "parse.h"

#define FRAME_MIN 60 /* not every PMD pads short frames */

/* Where the fragments of one datagram go. */
struct frag_ctx {
	struct dp_runtime *rt;
	struct rte_mempool *mp;
	const uint8_t *l2; /* the original frame: its Ethernet header is each fragment's */
	const struct dp_meta *meta;
};

/* One fragment into a new mbuf, on its way as a routed packet (sent, or held for the next hop). */
static int
emit_fragment(void *arg, const uint8_t *hdr, size_t hlen, const uint8_t *data, size_t n)
{
	struct frag_ctx *x = arg;
	size_t l3 = x->meta->l3_off, len = l3 + hlen + n;
	struct rte_mbuf *m = rte_pktmbuf_alloc(x->mp);
	struct dp_meta *meta;
	uint8_t *d;

	if (m == NULL ||
	    (d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)RTE_MAX(len, (size_t)FRAME_MIN))) == NULL) {
		rte_pktmbuf_free(m);
		x->rt->slow.inject_full++;
		return -ENOMEM;
	}
	memcpy(d, x->l2, l3);
	memcpy(d + l3, hdr, hlen);
	memcpy(d + l3 + hlen, data, n);
	if (len < FRAME_MIN)
		memset(d + len, 0, FRAME_MIN - len);
	meta = dp_meta_of(m);
	*meta = *x->meta;
	meta->l3_len = (uint16_t)(hlen + n);
	meta->flags |= DP_META_FRAG;
	meta->punt = DP_PUNT_RESOLVE;
	x->rt->slow.fragments++;
	ctl_neigh_resolve(m);
	return 0;
}

/* ---- the load balancer's encapsulations (meta->encap bytes of outer headers, dataplane/lb.c) ---- */

/* The outer headers of an encapsulated frame, to write again in front of each inner fragment. */
struct lb_outer {
	bool v6;
	enum lb_encap encap;
	uint8_t src[16], dst[16];
	uint16_t sport, dport; /* GUE's, host order */
	uint32_t label;        /* IPv6 flow label */
};

static void
lb_outer_read(const uint8_t *o, unsigned ov, struct lb_outer *x)
{
	x->v6 = (o[0] >> 4) == 6;
	x->encap = ov == (x->v6 ? 48u : 28u) ? LB_ENCAP_GUE : LB_ENCAP_IPIP;
	memcpy(x->src, o + (x->v6 ? 8 : 12), x->v6 ? 16 : 4);
	memcpy(x->dst, o + (x->v6 ? 24 : 16), x->v6 ? 16 : 4);
	x->label = x->v6 ? ((uint32_t)(o[1] & 0x0f) << 16 | (uint32_t)o[2] << 8 | o[3]) : 0;
	x->sport = x->dport = 0;
	if (x->encap == LB_ENCAP_GUE) {
		const uint8_t *u = o + (x->v6 ? 40 : 20);

		x->sport = (uint16_t)(u[0] << 8 | u[1]);
		x->dport = (uint16_t)(u[2] << 8 | u[3]);
	}
}

struct lb_frag_ctx {
	struct frag_ctx f;
	const struct lb_outer *outer;
	unsigned ov;
};

/* One fragment of the inner IPv4 packet, encapsulated again like the whole was. */
static int
emit_lb_fragment(void *arg, const uint8_t *hdr, size_t hlen, const uint8_t *data, size_t n)
{
	struct lb_frag_ctx *x = arg;
	size_t l3 = x->f.meta->l3_off, len = l3 + x->ov + hlen + n;
	struct rte_mbuf *m = rte_pktmbuf_alloc(x->f.mp);
	struct dp_meta *meta;
	uint8_t *d;

	if (m == NULL ||
	    (d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)RTE_MAX(len, (size_t)FRAME_MIN))) == NULL) {
		rte_pktmbuf_free(m);
		x->f.rt->slow.inject_full++;
		return -ENOMEM;
	}
	memcpy(d, x->f.l2, l3);
	memcpy(d + l3 + x->ov, hdr, hlen);
	memcpy(d + l3 + x->ov + hlen, data, n);
	if (lb_encap_write(d + l3, x->outer->encap, x->outer->v6, x->outer->src, x->outer->dst,
			   x->outer->sport, x->outer->dport, d + l3 + x->ov, (uint16_t)(hlen + n), false,
			   x->outer->label) == 0) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	if (len < FRAME_MIN)
		memset(d + len, 0, FRAME_MIN - len);
	meta = dp_meta_of(m);
	*meta = *x->f.meta;
	meta->l3_len = (uint16_t)(x->ov + hlen + n);
	meta->punt = DP_PUNT_RESOLVE;
	x->f.rt->slow.fragments++;
	ctl_neigh_resolve(m);
	return 0;
}

/*
 * An encapsulated packet too big for its egress: the outer IPv4 header without DF is the router's
 * case (fragmented as it is); an inner IPv4 packet without DF in an outer IPv6 header is cut and
 * each fragment encapsulated again; anything else tells the client, with the MTU its packets may
 * have inside the encapsulation. m is consumed.
 */
static void
lb_too_big(struct dp_runtime *rt, const struct ctl_slowpath_ops *ops, struct rte_mbuf *m, unsigned mtu)
{
	struct dp_meta *meta = dp_meta_of(m), inner;
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	size_t l3 = meta->l3_off, ov = meta->encap, len = rte_pktmbuf_data_len(m);
	const uint8_t *ip = f + l3 + ov;
	struct lb_outer outer;
	unsigned in = meta->in_port;
	enum ctl_verdict v;

	if (ov >= meta->l3_len || mtu <= ov + 68) {
		rt->slow.malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	lb_outer_read(f + l3, (unsigned)ov, &outer);
	if (outer.v6 && (ip[0] >> 4) == 4 && !(ip[6] & (RTE_IPV4_HDR_DF_FLAG >> 8))) {
		struct lb_frag_ctx x = {{rt, m->pool, f, meta}, &outer, (unsigned)ov};

		if (ctl_ipv4_fragment(ip, meta->l3_len - ov, mtu - (unsigned)ov, emit_lb_fragment, &x) >= 0)
			rt->slow.fragmented++;
		else
			rt->slow.malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	/* the client's frame as it came: its Ethernet header in front of the inner packet */
	memmove(f + ov, f, l3);
	f = (uint8_t *)rte_pktmbuf_adj(m, (uint16_t)ov);
	len -= ov;
	if ((ip[0] >> 4) == 6) {
		f[l3 - 2] = 0x86, f[l3 - 1] = 0xdd;
	} else {
		f[l3 - 2] = 0x08, f[l3 - 1] = 0x00;
	}
	if (f == NULL || dp_parse(f, (uint32_t)len, 0, &inner) != 0) {
		rt->slow.malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	inner.in_port = (uint8_t)in;
	v = ctl_slowpath_too_big(ops, ctl_iface_of(in), in, f, len, &inner, mtu - (unsigned)ov);
	if (v == CTL_HANDLED)
		rt->slow.too_big++;
	else if (v == CTL_MALFORMED)
		rt->slow.malformed++;
	rte_pktmbuf_free(m);
}

void
ctl_mtu_punt(struct dp_runtime *rt, const struct ctl_slowpath_ops *ops, struct rte_mbuf *m)
{
	struct dp_meta *meta = dp_meta_of(m);
	const struct dp_fib *fib = rt->tables != NULL ? rt->tables->fib : NULL;
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	size_t len = rte_pktmbuf_data_len(m), l3 = meta->l3_off;
	unsigned in = meta->in_port, mtu;
	enum ctl_verdict v;

	if (fib == NULL || meta->out_port >= HP_MAX_PORTS || m->nb_segs != 1 || l3 + meta->l3_len > len ||
	    (meta->l3 != DP_L3_IPV4 && meta->l3 != DP_L3_IPV6)) {
		rt->slow.malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	mtu = fib->frame_max[meta->out_port] - RTE_ETHER_HDR_LEN;
	if (meta->l3_len <= mtu) {
		/* the datagram fits: only bytes past its end made the frame too long */
		rte_pktmbuf_trim(m, (uint16_t)(len - l3 - meta->l3_len));
		meta->punt = DP_PUNT_RESOLVE;
		ctl_neigh_resolve(m);
		return;
	}
	if (meta->encap != 0 && !(meta->l3 == DP_L3_IPV4 && !(f[l3 + 6] & (RTE_IPV4_HDR_DF_FLAG >> 8)))) {
		lb_too_big(rt, ops, m, mtu);
		return;
	}
	if (meta->l3 == DP_L3_IPV4 && !(f[l3 + 6] & (RTE_IPV4_HDR_DF_FLAG >> 8))) {
		struct frag_ctx x = {
			.rt = rt,
			.mp = m->pool,
			.l2 = f,
			.meta = meta,
		};

		if (ctl_ipv4_fragment(f + l3, meta->l3_len, mtu, emit_fragment, &x) >= 0)
			rt->slow.fragmented++;
		else
			rt->slow.malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	v = ctl_slowpath_too_big(ops, ctl_iface_of(in), in, f, len, meta, mtu);
	if (v == CTL_HANDLED)
		rt->slow.too_big++;
	else if (v == CTL_MALFORMED)
		rt->slow.malformed++;
	rte_pktmbuf_free(m);
}
