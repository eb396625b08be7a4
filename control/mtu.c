/* Packets larger than their egress port's MTU: IPv4 fragmented (RFC 791) or refused with ICMP (RFC 1191, RFC 8201). */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "iface.h"
#include "mtu.h"
#include "neigh.h"

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
