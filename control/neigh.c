/* The neighbour table: states by next-hop index, ARP/ND solicitation, the hold queue, static neighbours. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "iface.h"
#include "loop.h"
#include "l3.h"
#include "neigh.h"
#include "slowpath.h"

enum neigh_state {
	NEIGH_NONE,
	NEIGH_INCOMPLETE,
	NEIGH_REACHABLE,
	NEIGH_STATIC
};

struct ctl_neigh {
	uint8_t state;
	uint8_t probes;
	uint16_t n_held;
	uint64_t updated_ms, probed_ms;
	struct rte_mbuf *held[CTL_NEIGH_HOLD];
};

static struct {
	struct dp_runtime *rt;
	struct dp_fib *fib;
	struct ctl_neigh *neigh; /* DP_MAX_NH, by next-hop index */
} nt;                            /* one control thread */

static void
solicit(uint32_t nh)
{
	uint8_t buf[RTE_ETHER_MAX_LEN];
	unsigned port = dp_nh_port(nt.fib->nh[nh]);
	int len = ctl_build_solicit(buf, sizeof(buf), ctl_iface_of(port), &nt.fib->nh_addr[nh]);

	if (len > 0)
		ctl_iface_send(port, buf, (size_t)len);
	nt.neigh[nh].probed_ms = ctl_now_ms();
	nt.neigh[nh].probes++;
}

/* Held packets of nh leave now that its MAC is known. */
static void
release(uint32_t nh)
{
	struct ctl_neigh *n = &nt.neigh[nh];
	uint64_t word = __atomic_load_n(&nt.fib->nh[nh], __ATOMIC_ACQUIRE);
	unsigned port = dp_nh_port(word);

	for (unsigned i = 0; i < n->n_held; i++) {
		struct rte_mbuf *m = n->held[i];
		dp_l3_rewrite(m, dp_meta_of(m), word, &nt.fib->port_mac[port]);
		if (ctl_iface_inject(port, m))
			nt.rt->slow.released++;
	}
	n->n_held = 0;
	n->probes = 0;
}

void
ctl_neigh_learn(unsigned port, const struct hp_addr *ip, const uint8_t mac[6])
{
	uint32_t nh;

	if (nt.fib == NULL || (nh = dp_fib_neigh_get(nt.fib, port, ip)) == DP_NO_NH)
		return;
	if (nt.neigh[nh].state == NEIGH_STATIC)
		return;
	dp_fib_nh_set(nt.fib, nh, mac, true);
	nt.neigh[nh].state = NEIGH_REACHABLE;
	nt.neigh[nh].updated_ms = ctl_now_ms();
	nt.rt->slow.learned++;
	release(nh);
}

void
ctl_neigh_resolve(struct rte_mbuf *m)
{
	struct dp_meta *meta = dp_meta_of(m);
	uint32_t nh = meta->nh;
	struct ctl_neigh *n;

	if (nh == DP_NO_NH) { /* glean: the destination itself, on out_port */
		struct hp_addr a = {.family = meta->l3 == DP_L3_IPV4 ? AF_INET : AF_INET6};
		memcpy(a.addr, meta->l3 == DP_L3_IPV4 ? (const uint8_t *)&meta->key.k4.dst : meta->key.k6.dst,
		       a.family == AF_INET ? 4 : 16);
		nh = dp_fib_neigh_get(nt.fib, meta->out_port, &a);
		if (nh == DP_NO_NH) {
			nt.rt->slow.neigh_queue_full++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	n = &nt.neigh[nh];
	uint64_t word = __atomic_load_n(&nt.fib->nh[nh], __ATOMIC_ACQUIRE);
	if (word & DP_NH_RESOLVED) {
		/* resolved while the packet was in the ring: it leaves now */
		dp_l3_rewrite(m, meta, word, &nt.fib->port_mac[dp_nh_port(word)]);
		if (ctl_iface_inject(dp_nh_port(word), m))
			nt.rt->slow.released++;
		return;
	}
	if (n->n_held >= CTL_NEIGH_HOLD) {
		nt.rt->slow.neigh_queue_full++;
		rte_pktmbuf_free(m);
		return;
	}
	n->held[n->n_held++] = m;
	nt.rt->slow.held++;
	if (n->state != NEIGH_INCOMPLETE || ctl_now_ms() - n->probed_ms >= CTL_NEIGH_RETRY_MS) {
		if (n->state != NEIGH_INCOMPLETE)
			n->probes = 0;
		n->state = NEIGH_INCOMPLETE;
		solicit(nh);
	}
}

void
ctl_neigh_tick(void)
{
	uint64_t now = ctl_now_ms();

	for (uint32_t nh = 0; nt.fib != NULL && nh < nt.fib->n_nh; nh++) {
		struct ctl_neigh *n = &nt.neigh[nh];

		if (n->state == NEIGH_INCOMPLETE && now - n->probed_ms >= CTL_NEIGH_RETRY_MS) {
			if (n->probes < CTL_NEIGH_PROBES) {
				solicit(nh);
				continue;
			}
			for (unsigned i = 0; i < n->n_held; i++)
				rte_pktmbuf_free(n->held[i]);
			nt.rt->slow.neigh_failed += n->n_held;
			n->n_held = 0;
			n->probes = 0;
			n->state = NEIGH_NONE;
		} else if (n->state == NEIGH_REACHABLE && now - n->updated_ms >= CTL_NEIGH_REACHABLE_MS) {
			/* the next packet for it asks again (and is held meanwhile) */
			dp_fib_nh_set(nt.fib, nh, NULL, false);
			n->state = NEIGH_NONE;
		}
	}
}

/* Free the packets held for unresolved neighbours; how many there were. */
static uint64_t
free_held(void)
{
	uint64_t n = 0;

	for (uint32_t nh = 0; nt.neigh != NULL && nt.fib != NULL && nh < nt.fib->n_nh; nh++) {
		for (unsigned i = 0; i < nt.neigh[nh].n_held; i++)
			rte_pktmbuf_free(nt.neigh[nh].held[i]);
		n += nt.neigh[nh].n_held;
		nt.neigh[nh].n_held = 0;
	}
	return n;
}

/* The configuration's neighbours are static in nt.fib. */
static void
mark_static(void)
{
	for (unsigned i = 0; i < nt.rt->cfg->n_neighbors; i++) {
		const struct hp_neighbor_conf *nc = &nt.rt->cfg->neighbors[i];
		uint32_t nh = dp_fib_neigh_get(nt.fib, nc->port, &nc->ip);

		if (nh != DP_NO_NH)
			nt.neigh[nh].state = NEIGH_STATIC;
	}
}

int
ctl_neigh_setup(struct dp_runtime *rt)
{
	memset(&nt, 0, sizeof(nt));
	nt.rt = rt;
	nt.fib = rt->tables ? rt->tables->fib : NULL;
	if (nt.fib != NULL) {
		nt.neigh = calloc(DP_MAX_NH, sizeof(*nt.neigh));
		if (nt.neigh == NULL)
			return -ENOMEM;
		mark_static();
	}
	return 0;
}

void
ctl_neigh_free(void)
{
	free_held();
	free(nt.neigh);
	nt.neigh = NULL;
}

/* ---- the neighbour table, for the control socket ---- */

int
ctl_neigh_add(unsigned port, const struct hp_addr *ip, const uint8_t mac[6])
{
	uint32_t nh;

	if (nt.fib == NULL || nt.neigh == NULL)
		return -ENOTSUP;
	if ((nh = dp_fib_neigh_get(nt.fib, port, ip)) == DP_NO_NH)
		return -ENOSPC;
	dp_fib_nh_set(nt.fib, nh, mac, true);
	nt.neigh[nh].state = NEIGH_STATIC;
	nt.neigh[nh].updated_ms = ctl_now_ms();
	release(nh);
	return 0;
}

int
ctl_neigh_del(unsigned port, const struct hp_addr *ip)
{
	uint32_t nh;

	if (nt.fib == NULL || nt.neigh == NULL)
		return -ENOTSUP;
	nh = dp_fib_neigh_lookup(nt.fib, port, ip->addr, ip->family == AF_INET ? DP_L3_IPV4 : DP_L3_IPV6);
	if (nh == DP_NO_NH || nt.neigh[nh].state == NEIGH_NONE)
		return -ENOENT;
	/* the next packet for it asks again (and is held meanwhile) */
	dp_fib_nh_set(nt.fib, nh, NULL, false);
	nt.neigh[nh].state = NEIGH_NONE;
	nt.neigh[nh].probes = 0;
	return 0;
}

void
ctl_neigh_foreach(void (*fn)(void *arg, const struct ctl_neigh_info *ni), void *arg)
{
	static const char *const states[] = {
		[NEIGH_NONE] = "none",
		[NEIGH_INCOMPLETE] = "incomplete",
		[NEIGH_REACHABLE] = "reachable",
		[NEIGH_STATIC] = "static",
	};

	if (nt.fib == NULL || nt.neigh == NULL)
		return;
	for (uint32_t nh = 0; nh < nt.fib->n_nh; nh++) {
		uint64_t word = __atomic_load_n(&nt.fib->nh[nh], __ATOMIC_ACQUIRE);
		struct ctl_neigh_info ni = {
			.ip = &nt.fib->nh_addr[nh],
			.port = dp_nh_port(word),
			.resolved = (word & DP_NH_RESOLVED) != 0,
			.state = states[nt.neigh[nh].state],
			.held = nt.neigh[nh].n_held,
		};

		memcpy(ni.mac, &word, 6);
		fn(arg, &ni);
	}
}

void
ctl_fib_replaced(struct dp_fib *fib)
{
	if (nt.neigh == NULL)
		return;
	/* held and punted packets name next hops of the old FIB: they go */
	nt.rt->slow.neigh_failed += free_held();
	ctl_ring_free_all(nt.rt->punt);
	memset(nt.neigh, 0, DP_MAX_NH * sizeof(*nt.neigh));
	nt.fib = fib;
	mark_static();
}
