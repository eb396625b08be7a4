/* The neighbour table: NUD states by next-hop index, bounded hold queues, rate-limited solicitation, entries freed. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "iface.h"
#include "loop.h"
#include "l3.h"
#include "neigh.h"
#include "nud.h"
#include "slowpath.h"

/*
 * Bounds (RFC 6583): a port holds at most max_per_port entries the slow path
 * created (glean: a host of a connected subnet), all ports together
 * CTL_NEIGH_DYN_MAX, so gateways and static neighbours (pinned by the FIB)
 * always find room; a full port refuses new hosts and never evicts one that
 * answered. Held packets: hold_per_neighbor each, hold_total_pct of the pools
 * in all. Solicitations: solicit_pps in all (one token bucket, a tenth of a
 * second of burst), one per target per solicit_per_target_ms (NUD).
 */
struct ctl_neigh {
	struct nud nud;
	bool dyn; /* created here (counts against the port's limit) */
	uint16_t n_held;
	uint16_t cap_held; /* room in held */
	struct rte_mbuf **held;
};

static struct {
	struct dp_runtime *rt;
	struct dp_fib *fib;
	struct ctl_neigh *neigh; /* DP_MAX_NH, by next-hop index */
	uint32_t n_dyn[HP_MAX_PORTS], n_dyn_all;
	uint64_t held_all;
	struct nud_bucket bucket;
	struct ctl_timer tick; /* the NUD timers (tick_fire) */
} nt;                          /* one control thread */

#define CONF(field, dflt) (nt.rt->cfg->neigh.field ? nt.rt->cfg->neigh.field : (dflt))

static struct nud_params
params(void)
{
	return (struct nud_params){
		.reachable_ms = CONF(reachable_ms, 30000),
		.delay_ms = CONF(delay_ms, 5000),
		.retrans_ms = CONF(solicit_per_target_ms, 1000),
		.probes = CONF(probes, 3),
	};
}

static uint32_t
solicit_burst(void)
{
	uint32_t pps = CONF(solicit_pps, 1000);

	return pps >= 10 ? pps / 10 : 1;
}

/* hold_total_pct of every mbuf pool */
static uint64_t
held_cap(void)
{
	uint64_t pool = 0;

	for (unsigned s = 0; s < RTE_MAX_NUMA_NODES; s++)
		pool += nt.rt->ports.pool_size[s];
	return pool * CONF(hold_total_pct, 5) / 100;
}

static void
gauges(void)
{
	struct dp_slow_stats *s = &nt.rt->slow;

	s->neigh_entries = nt.n_dyn_all;
	s->neigh_held = nt.held_all;
	s->neigh_held_cap = held_cap();
	if (s->neigh_entries > s->neigh_entries_peak)
		s->neigh_entries_peak = s->neigh_entries;
	if (s->neigh_held > s->neigh_held_peak)
		s->neigh_held_peak = s->neigh_held;
}

/* A solicitation (mac NULL: broadcast ARP / multicast NS) or unicast probe of nh,
 * if the global bucket has a token. */
static bool
solicit(uint32_t nh, const uint8_t *mac)
{
	uint8_t buf[RTE_ETHER_MAX_LEN];
	uint64_t now = ctl_now_ms();
	unsigned port = dp_nh_port(nt.fib->nh[nh]);
	int len;

	if (!nud_bucket_take(&nt.bucket, CONF(solicit_pps, 1000), solicit_burst(), now)) {
		nt.rt->slow.solicit_ratelimited++;
		return false;
	}
	len = mac ? ctl_build_probe(buf, sizeof(buf), ctl_iface_of(port), &nt.fib->nh_addr[nh], mac)
		  : ctl_build_solicit(buf, sizeof(buf), ctl_iface_of(port), &nt.fib->nh_addr[nh]);
	if (len > 0)
		ctl_iface_send(port, buf, (size_t)len);
	if (mac)
		nt.rt->slow.probes++;
	nud_sent(&nt.neigh[nh].nud, now);
	return true;
}

/* Workers drop (on) or punt (off) the packets of an unresolved nh. */
static void
nopunt_in(struct dp_fib *fib, uint32_t nh, bool on)
{
	dp_fib_nh_nopunt(fib, nh, on);
}

static void
nopunt(uint32_t nh, bool on)
{
	nopunt_in(nt.fib, nh, on);
}

/* n's held packets were freed or sent: its queue is empty and its memory given back. */
static void
forget_held(struct ctl_neigh *n)
{
	nt.held_all -= n->n_held;
	n->n_held = 0;
	free(n->held);
	n->held = NULL;
	n->cap_held = 0;
}

/* Drop what nh of fib holds; workers punt its packets again. */
static void
drop_held_in(struct dp_fib *fib, uint32_t nh)
{
	struct ctl_neigh *n = &nt.neigh[nh];

	nopunt_in(fib, nh, false);
	for (unsigned i = 0; i < n->n_held; i++)
		rte_pktmbuf_free(n->held[i]);
	nt.rt->slow.neigh_failed += n->n_held;
	forget_held(n);
}

static void
drop_held(uint32_t nh)
{
	drop_held_in(nt.fib, nh);
}

/* Held packets of nh leave now that its MAC is known. */
static void
release(uint32_t nh)
{
	struct ctl_neigh *n = &nt.neigh[nh];
	uint64_t word = __atomic_load_n(&nt.fib->nh[nh], __ATOMIC_ACQUIRE);
	unsigned port = dp_nh_port(word);

	if (!(word & DP_NH_RESOLVED))
		return;
	for (unsigned i = 0; i < n->n_held; i++) {
		struct rte_mbuf *m = n->held[i];
		dp_l3_rewrite(m, dp_meta_of(m), word, &nt.fib->port_mac[port]);
		if (ctl_iface_inject(port, m))
			nt.rt->slow.released++;
	}
	forget_held(n);
}

/* Forget a next hop the slow path created: its packets, its FIB entry, its index (after a grace period). */
static void
reclaim(uint32_t nh)
{
	struct ctl_neigh *n = &nt.neigh[nh];
	unsigned port = dp_nh_port(nt.fib->nh[nh]);

	if (!n->dyn)
		return;
	drop_held(nh);
	if (dp_fib_neigh_free(nt.fib, nh) < 0)
		return;
	nt.n_dyn[port]--;
	nt.n_dyn_all--;
	memset(n, 0, sizeof(*n));
	nt.rt->slow.neigh_reclaimed++;
}

/* The neighbour (port, a), created unpinned when there is room on its port. */
static uint32_t
neigh_make(unsigned port, const struct hp_addr *a)
{
	uint32_t nh = dp_fib_neigh_lookup(nt.fib, port, a->addr,
					  a->family == AF_INET ? DP_L3_IPV4 : DP_L3_IPV6);

	if (nh != DP_NO_NH)
		return nh;
	if (port >= HP_MAX_PORTS)
		return DP_NO_NH;
	if (nt.n_dyn[port] >= CONF(max_per_port, 4096) || nt.n_dyn_all >= CTL_NEIGH_DYN_MAX) {
		/* workers drop such packets themselves until there is room (the tick says) */
		__atomic_store_n(&nt.fib->glean_full[port], 1, __ATOMIC_RELAXED);
		return DP_NO_NH;
	}
	if ((nh = dp_fib_neigh_add(nt.fib, port, a)) == DP_NO_NH)
		return DP_NO_NH;
	memset(&nt.neigh[nh], 0, sizeof(nt.neigh[nh]));
	nt.neigh[nh].dyn = !nt.fib->nh_pin[nh];
	if (nt.neigh[nh].dyn) {
		nt.n_dyn[port]++;
		nt.n_dyn_all++;
	}
	return nh;
}

void
ctl_neigh_learn(unsigned port, const struct hp_addr *ip, const uint8_t mac[6], unsigned flags)
{
	uint32_t nh;
	uint64_t word;
	unsigned r;
	bool same;

	if (nt.fib == NULL)
		return;
	/* RFC 4861 7.2.5, and ARP alike: only a neighbour we have is updated (a scan of
	 * spoofed senders cannot fill the table) */
	nh = dp_fib_neigh_lookup(nt.fib, port, ip->addr, ip->family == AF_INET ? DP_L3_IPV4 : DP_L3_IPV6);
	if (nh == DP_NO_NH) {
		nt.rt->slow.learn_ignored++;
		return;
	}
	struct ctl_neigh *n = &nt.neigh[nh];
	word = __atomic_load_n(&nt.fib->nh[nh], __ATOMIC_ACQUIRE);
	same = (word & DP_NH_RESOLVED) && dp_nh_word(mac, port, true) == word;
	r = nud_learn(&n->nud, ctl_now_ms(), same && nud_has_mac(&n->nud),
		      (flags & CTL_LEARN_CONFIRM ? NUD_F_CONFIRM : 0) |
			      (flags & CTL_LEARN_OVERRIDE ? NUD_F_OVERRIDE : 0));
	if (n->nud.state == NUD_STALE)
		nt.fib->nh_used[nh] = 0; /* STALE counts use from now on */
	if (r & NUD_R_SET_MAC)
		dp_fib_nh_set(nt.fib, nh, mac, true);
	if (r != 0 || n->nud.state == NUD_REACHABLE)
		nt.rt->slow.learned++;
	if (r & NUD_R_RELEASE)
		release(nh);
}

void
ctl_neigh_resolve(struct rte_mbuf *m)
{
	struct dp_meta *meta = dp_meta_of(m);
	struct nud_params p = params();
	uint32_t nh = meta->nh;
	struct ctl_neigh *n;

	/* an unpinned index may have been freed and reused since the worker read it: go by
	 * the address (it is the destination: only connected hosts are unpinned) */
	if (nh != DP_NO_NH && (nh >= nt.fib->n_nh || !nt.fib->nh_pin[nh]))
		nh = DP_NO_NH;
	if (nh == DP_NO_NH) { /* glean: the destination itself, on out_port */
		struct hp_addr a = {.family = meta->l3 == DP_L3_IPV4 ? AF_INET : AF_INET6};
		memcpy(a.addr, meta->l3 == DP_L3_IPV4 ? (const uint8_t *)&meta->key.k4.dst : meta->key.k6.dst,
		       a.family == AF_INET ? 4 : 16);
		nh = neigh_make(meta->out_port, &a);
		if (nh == DP_NO_NH) {
			nt.rt->slow.neigh_table_full++;
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
	if (n->nud.state == NUD_STATIC) { /* neigh.del'd static: resolve it again */
		n->nud.state = NUD_NONE;
	}
	bool due = nud_need(&n->nud, &p, ctl_now_ms());
	uint32_t per = CONF(hold_per_neighbor, 16);
	if (n->n_held >= per) {
		nt.rt->slow.neigh_queue_full++;
		rte_pktmbuf_free(m);
		nopunt(nh, true);
	} else if (nt.held_all >= held_cap()) {
		nt.rt->slow.neigh_hold_full++;
		rte_pktmbuf_free(m);
		nopunt(nh, true); /* until it gives up (its queue empties then) */
	} else {
		if (n->held == NULL || n->cap_held < per) {
			struct rte_mbuf **h = realloc(n->held, per * sizeof(*h));
			if (h == NULL) {
				nt.rt->slow.neigh_hold_full++;
				rte_pktmbuf_free(m);
				goto out;
			}
			n->held = h;
			n->cap_held = (uint16_t)per;
		}
		n->held[n->n_held++] = m;
		nt.held_all++;
		nt.rt->slow.held++;
		if (n->n_held >= per)
			nopunt(nh, true);
	}
out:
	if (due)
		solicit(nh, NULL);
	/* its retransmissions and its failure are the fast tick's */
	ctl_timer_sooner(&nt.tick, ctl_now_ms() + CTL_NEIGH_TICK_MS);
	gauges();
}

/* The NUD timers of every entry; true while one of them needs the fast tick. */
static bool
neigh_tick(void)
{
	struct nud_params p = params();
	uint64_t now = ctl_now_ms();
	bool busy = false;

	if (nt.fib == NULL)
		return false;
	dp_fib_nh_reclaim(nt.fib);
	busy = nt.fib->pend_n > 0;
	for (uint32_t nh = 0; nh < nt.fib->n_nh; nh++) {
		struct ctl_neigh *n = &nt.neigh[nh];
		uint8_t before = n->nud.state;
		uint64_t word;

		if (nt.fib->nh_addr[nh].family == 0 || before == NUD_NONE || before == NUD_STATIC)
			continue;
		if (n->dyn && nt.fib->nh_pin[nh]) { /* a route took it as its gateway since */
			n->dyn = false;
			nt.n_dyn[dp_nh_port(nt.fib->nh[nh])]--;
			nt.n_dyn_all--;
		}
		switch (nud_tick(&n->nud, &p, now, nt.fib->nh_used[nh] != 0)) {
		case NUD_DO_SOLICIT:
			solicit(nh, NULL);
			break;
		case NUD_DO_PROBE:
			word = __atomic_load_n(&nt.fib->nh[nh], __ATOMIC_ACQUIRE);
			solicit(nh, (const uint8_t *)&word); /* bytes 0-5 are the MAC (little-endian) */
			break;
		case NUD_DO_FAIL:
			/* the next packet for it is held and asks again (not sooner than the interval) */
			drop_held(nh);
			dp_fib_nh_set(nt.fib, nh, NULL, false);
			break;
		case NUD_DO_RECLAIM:
			reclaim(nh);
			break;
		default:
			break;
		}
		if (n->nud.state == NUD_STALE && before != NUD_STALE)
			nt.fib->nh_used[nh] = 0;
		busy |= nud_timed(n->nud.state);
	}
	for (unsigned port = 0; port < HP_MAX_PORTS; port++) {
		uint8_t full = nt.n_dyn[port] >= CONF(max_per_port, 4096) ||
			       nt.n_dyn_all >= CTL_NEIGH_DYN_MAX;

		if (nt.fib->glean_full[port] != full)
			__atomic_store_n(&nt.fib->glean_full[port], full, __ATOMIC_RELAXED);
	}
	gauges();
	return busy;
}

static void
tick_fire(struct ctl_timer *t)
{
	ctl_timer_arm(t, ctl_now_ms() + (neigh_tick() ? CTL_NEIGH_TICK_MS : CTL_NEIGH_TICK_IDLE_MS));
}

/* Free every held packet; how many there were. */
static uint64_t
free_held(void)
{
	uint64_t n = 0;

	for (uint32_t nh = 0; nt.neigh != NULL && nt.fib != NULL && nh < nt.fib->n_nh; nh++) {
		for (unsigned i = 0; i < nt.neigh[nh].n_held; i++)
			rte_pktmbuf_free(nt.neigh[nh].held[i]);
		n += nt.neigh[nh].n_held;
		nt.neigh[nh].n_held = 0;
		free(nt.neigh[nh].held);
		nt.neigh[nh].held = NULL;
	}
	nt.held_all = 0;
	return n;
}

/* cfg's neighbours are static in nt.fib. */
static void
mark_static(const struct hp_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_neighbors; i++) {
		const struct hp_neighbor_conf *nc = &cfg->neighbors[i];
		uint32_t nh = dp_fib_neigh_get(nt.fib, nc->port, &nc->ip);

		if (nh != DP_NO_NH)
			nt.neigh[nh].nud.state = NUD_STATIC;
	}
}

int
ctl_neigh_setup(struct dp_runtime *rt)
{
	ctl_timer_cancel(&nt.tick); /* the loop's list must not keep what memset clears */
	memset(&nt, 0, sizeof(nt));
	nt.rt = rt;
	nt.fib = rt->tables ? rt->tables->fib : NULL;
	if (nt.fib != NULL) {
		nt.neigh = calloc(DP_MAX_NH, sizeof(*nt.neigh));
		if (nt.neigh == NULL)
			return -ENOMEM;
		mark_static(rt->cfg);
	}
	nud_bucket_init(&nt.bucket, solicit_burst(), ctl_now_ms());
	gauges();
	nt.tick.fire = tick_fire;
	ctl_timer_arm(&nt.tick, ctl_now_ms() + CTL_NEIGH_TICK_MS);
	return 0;
}

void
ctl_neigh_free(void)
{
	ctl_timer_cancel(&nt.tick);
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
	/* pinned from now on: a scan's entries can never keep it out (CTL_NEIGH_DYN_MAX) */
	if ((nh = dp_fib_neigh_get(nt.fib, port, ip)) == DP_NO_NH)
		return -ENOSPC;
	if (nt.neigh[nh].dyn) {
		nt.neigh[nh].dyn = false;
		nt.n_dyn[port]--;
		nt.n_dyn_all--;
	}
	dp_fib_nh_set(nt.fib, nh, mac, true);
	nt.neigh[nh].nud.state = NUD_STATIC;
	nt.neigh[nh].nud.since_ms = ctl_now_ms();
	release(nh);
	gauges();
	return 0;
}

int
ctl_neigh_del(unsigned port, const struct hp_addr *ip)
{
	uint32_t nh;
	struct ctl_neigh *n;

	if (nt.fib == NULL || nt.neigh == NULL)
		return -ENOTSUP;
	nh = dp_fib_neigh_lookup(nt.fib, port, ip->addr, ip->family == AF_INET ? DP_L3_IPV4 : DP_L3_IPV6);
	if (nh == DP_NO_NH)
		return -ENOENT;
	n = &nt.neigh[nh];
	if (n->nud.state == NUD_NONE && n->n_held == 0)
		return -ENOENT;
	/* what waited for it goes (an incomplete entry's packets included) */
	drop_held(nh);
	if (n->dyn) {
		reclaim(nh);
	} else {
		/* a gateway: the next packet for it asks again (and is held meanwhile) */
		dp_fib_nh_set(nt.fib, nh, NULL, false);
		memset(&n->nud, 0, sizeof(n->nud));
	}
	gauges();
	return 0;
}

void
ctl_neigh_foreach(void (*fn)(void *arg, const struct ctl_neigh_info *ni), void *arg)
{
	if (nt.fib == NULL || nt.neigh == NULL)
		return;
	for (uint32_t nh = 0; nh < nt.fib->n_nh; nh++) {
		uint64_t word = __atomic_load_n(&nt.fib->nh[nh], __ATOMIC_ACQUIRE);
		uint8_t st = nt.neigh[nh].nud.state;

		if (nt.fib->nh_addr[nh].family == 0)
			continue; /* freed */
		struct ctl_neigh_info ni = {
			.ip = &nt.fib->nh_addr[nh],
			.port = dp_nh_port(word),
			.resolved = (word & DP_NH_RESOLVED) != 0,
			.state = st < NUD_N ? nud_state_names[st] : "none",
			.held = nt.neigh[nh].n_held,
		};

		memcpy(ni.mac, &word, 6);
		fn(arg, &ni);
	}
}

void
ctl_fib_carry(struct dp_fib *next, const struct hp_config *nc)
{
	struct ctl_neigh *neigh;
	struct dp_fib *old = nt.fib;

	if (nt.neigh == NULL || old == NULL || next == old)
		return;
	neigh = calloc(DP_MAX_NH, sizeof(*neigh));
	if (neigh == NULL) { /* start afresh rather than fail the apply */
		nt.rt->slow.neigh_failed += free_held();
		memset(nt.neigh, 0, DP_MAX_NH * sizeof(*nt.neigh));
		memset(nt.n_dyn, 0, sizeof(nt.n_dyn));
		nt.n_dyn_all = 0;
		nt.fib = next;
		mark_static(nc);
		return;
	}
	memset(nt.n_dyn, 0, sizeof(nt.n_dyn));
	nt.n_dyn_all = 0;
	nt.fib = next;
	for (uint32_t nh = 0; nh < old->n_nh; nh++) {
		struct ctl_neigh *n = &nt.neigh[nh];
		uint64_t word = old->nh[nh];
		unsigned port = dp_nh_port(word);
		const struct hp_addr *a = &old->nh_addr[nh];
		uint32_t to;

		if (a->family == 0 || (n->nud.state == NUD_NONE && n->n_held == 0) ||
		    n->nud.state == NUD_STATIC)
			continue;
		to = dp_fib_neigh_lookup(next, port, a->addr, a->family == AF_INET ? DP_L3_IPV4 : DP_L3_IPV6);
		if (to == DP_NO_NH && port < HP_MAX_PORTS && nt.n_dyn_all < CTL_NEIGH_DYN_MAX &&
		    (to = dp_fib_neigh_add(next, port, a)) != DP_NO_NH) {
			neigh[to].dyn = true;
			nt.n_dyn[port]++;
			nt.n_dyn_all++;
		}
		/* none to go to, or a static neighbour of the new file (its MAC wins) */
		if (to == DP_NO_NH || (next->nh[to] & DP_NH_RESOLVED)) {
			drop_held_in(old, nh);
			continue;
		}
		neigh[to].nud = n->nud;
		neigh[to].n_held = n->n_held, neigh[to].cap_held = n->cap_held, neigh[to].held = n->held;
		n->held = NULL, n->n_held = 0;
		if (word & DP_NH_RESOLVED)
			__atomic_store_n(&next->nh[to], word, __ATOMIC_RELEASE);
		next->nh_used[to] = old->nh_used[nh];
	}
	free(nt.neigh); /* every held packet was moved or dropped above */
	nt.neigh = neigh;
	/* the new file's static neighbours (dp_fib_build resolved them) */
	mark_static(nc);
	gauges();
}

void
ctl_fib_replaced(struct dp_fib *fib)
{
	if (nt.neigh == NULL)
		return;
	/* punted packets name next hops of the old FIB: they go */
	ctl_ring_free_all(nt.rt->punt);
	if (nt.fib != fib) { /* not carried (no ctl_fib_carry): start afresh */
		nt.rt->slow.neigh_failed += free_held();
		memset(nt.neigh, 0, DP_MAX_NH * sizeof(*nt.neigh));
		memset(nt.n_dyn, 0, sizeof(nt.n_dyn));
		nt.n_dyn_all = 0;
		nt.fib = fib;
		mark_static(nt.rt->cfg);
	}
}
