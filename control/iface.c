/* The control thread's ports: slow-path interfaces, and packets out through the worker that owns a TX queue. */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ring.h>

#include "iface.h"

static struct {
	struct dp_runtime *rt;
	struct ctl_iface ifaces[HP_MAX_PORTS];
	int inject_worker[HP_MAX_PORTS]; /* worker that transmits control packets on a port */
} ifs;                                   /* one control thread */

void
ctl_iface_setup(struct dp_runtime *rt)
{
	memset(&ifs, 0, sizeof(ifs));
	ifs.rt = rt;
	for (unsigned p = 0; p < rt->ports.n; p++) {
		const struct hp_port_conf *pc = &rt->cfg->ports[p];
		struct ctl_iface *ifc = &ifs.ifaces[p];

		memcpy(ifc->mac, rt->ports.ports[p].mac.addr_bytes, 6);
		ifc->n_ipv4 = pc->n_ipv4;
		ifc->ipv4 = pc->ipv4;
		ifc->n_ipv6 = pc->n_ipv6;
		ifc->ipv6 = pc->ipv6;
		ctl_link_local(ifc->mac, ifc->ll6);
		ifc->nat_cfg = rt->cfg; /* its nat: rules change in place (config.apply, nat.add) */
		ifc->port = p;
		ifs.inject_worker[p] = -1;
		for (unsigned w = 0; w < rt->n_workers; w++)
			if (rt->map.workers[w].txq[p] != DP_NO_TXQ) {
				ifs.inject_worker[p] = (int)w;
				break;
			}
	}
}

const struct ctl_iface *
ctl_iface_of(unsigned port)
{
	return &ifs.ifaces[port];
}

bool
ctl_iface_inject(unsigned port, struct rte_mbuf *m)
{
	int wi = ifs.inject_worker[port];

	dp_meta_of(m)->out_port = (uint8_t)port;
	if (wi < 0 || rte_ring_sp_enqueue(ifs.rt->workers[wi]->inject, m) != 0) {
		rte_pktmbuf_free(m);
		ifs.rt->slow.inject_full++;
		return false;
	}
	return true;
}

unsigned
ctl_iface_room(unsigned port)
{
	int wi = ifs.inject_worker[port];

	return wi < 0 ? 0 : rte_ring_free_count(ifs.rt->workers[wi]->inject);
}

static void
count_sent(struct dp_slow_stats *s, const uint8_t *f, size_t len)
{
	uint16_t type = len >= 14 ? (uint16_t)(f[12] << 8 | f[13]) : 0;

	if (type == RTE_ETHER_TYPE_ARP && len >= 22) {
		if (f[21] == 2)
			s->arp_replies++;
		else
			s->solicits++;
	} else if (type == RTE_ETHER_TYPE_IPV4 && len >= 35) {
		unsigned ihl = (f[14] & 0xf) * 4u;
		uint8_t t = 14 + ihl < len ? f[14 + ihl] : 0xff;
		if (t == RTE_IP_ICMP_ECHO_REPLY)
			s->echo_replies++;
		else
			s->icmp_errors++;
	} else if (type == RTE_ETHER_TYPE_IPV6 && len >= 55) {
		uint8_t t = f[54]; /* first byte after a bare IPv6 header: what we build */
		if (t == 136)
			s->nd_adverts++;
		else if (t == 135)
			s->solicits++;
		else if (t == 129)
			s->echo_replies++;
		else
			s->icmp_errors++;
	}
}

void
ctl_iface_send(unsigned port, const uint8_t *frame, size_t len)
{
	struct dp_runtime *rt = ifs.rt;
	struct rte_mempool *mp = rt->ports.pools[rt->ports.ports[port].socket];
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *d;

	if (m == NULL || (d = rte_pktmbuf_append(m, (uint16_t)len)) == NULL) {
		rte_pktmbuf_free(m);
		rt->slow.inject_full++;
		return;
	}
	memcpy(d, frame, len);
	if (ctl_iface_inject(port, m))
		count_sent(&rt->slow, frame, len);
}

void
ctl_ring_free_all(struct rte_ring *r)
{
	void *m;

	while (rte_ring_sc_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}
