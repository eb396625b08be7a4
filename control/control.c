/* Control thread: epoll loop (signals, slow-path tick), punt ring -> ARP/ND/ICMP, neighbour resolution. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ring.h>

#include "control.h"
#include "loop.h"
#include "log.h"
#include "slowpath.h"

enum neigh_state { NEIGH_NONE, NEIGH_INCOMPLETE, NEIGH_REACHABLE, NEIGH_STATIC };

struct ctl_neigh {
	uint8_t state;
	uint8_t probes;
	uint16_t n_held;
	uint64_t updated_ms, probed_ms;
	struct rte_mbuf *held[CTL_NEIGH_HOLD];
};

struct ctl {
	struct dp_runtime *rt;
	struct dp_fib *fib;
	struct ctl_iface ifaces[HP_MAX_PORTS];
	int inject_worker[HP_MAX_PORTS]; /* worker that transmits control packets on a port */
	struct ctl_neigh *neigh;         /* DP_MAX_NH, by next-hop index */
	double tokens;
	uint64_t tokens_ms;
	uint64_t now_ms;
	struct ctl_slowpath_ops ops;
};

static struct ctl ctl; /* one control thread */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Hand m to the worker that owns a TX queue on port; false if it could not be queued. */
static bool
inject_mbuf(struct ctl *c, unsigned port, struct rte_mbuf *m)
{
	int wi = c->inject_worker[port];

	dp_meta_of(m)->out_port = (uint8_t)port;
	if (wi < 0 || rte_ring_sp_enqueue(c->rt->workers[wi]->inject, m) != 0) {
		rte_pktmbuf_free(m);
		c->rt->slow.inject_full++;
		return false;
	}
	return true;
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

static void
op_send(void *ctx, unsigned port, const uint8_t *frame, size_t len)
{
	struct ctl *c = ctx;
	struct rte_mempool *mp = c->rt->ports.pools[c->rt->ports.ports[port].socket];
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *d;

	if (m == NULL || (d = rte_pktmbuf_append(m, (uint16_t)len)) == NULL) {
		rte_pktmbuf_free(m);
		c->rt->slow.inject_full++;
		return;
	}
	memcpy(d, frame, len);
	if (inject_mbuf(c, port, m))
		count_sent(&c->rt->slow, frame, len);
}

static bool
op_allow(void *ctx)
{
	struct ctl *c = ctx;

	c->tokens += (double)(c->now_ms - c->tokens_ms) * CTL_ICMP_RATE / 1000.0;
	c->tokens_ms = c->now_ms;
	if (c->tokens > CTL_ICMP_BURST)
		c->tokens = CTL_ICMP_BURST;
	if (c->tokens < 1.0) {
		c->rt->slow.ratelimited++;
		return false;
	}
	c->tokens -= 1.0;
	return true;
}

static void
solicit(struct ctl *c, uint32_t nh)
{
	uint8_t buf[RTE_ETHER_MAX_LEN];
	unsigned port = dp_nh_port(c->fib->nh[nh]);
	int len = ctl_build_solicit(buf, sizeof(buf), &c->ifaces[port], &c->fib->nh_addr[nh]);

	if (len > 0)
		op_send(c, port, buf, (size_t)len);
	c->neigh[nh].probed_ms = c->now_ms;
	c->neigh[nh].probes++;
}

/* Held packets of nh leave now that its MAC is known. */
static void
release(struct ctl *c, uint32_t nh)
{
	struct ctl_neigh *n = &c->neigh[nh];
	uint64_t word = __atomic_load_n(&c->fib->nh[nh], __ATOMIC_ACQUIRE);
	unsigned port = dp_nh_port(word);

	for (unsigned i = 0; i < n->n_held; i++) {
		struct rte_mbuf *m = n->held[i];
		dp_l3_rewrite(m, dp_meta_of(m), word, &c->fib->port_mac[port]);
		if (inject_mbuf(c, port, m))
			c->rt->slow.released++;
	}
	n->n_held = 0;
	n->probes = 0;
}

static void
op_learn(void *ctx, unsigned port, const struct hp_addr *ip, const uint8_t mac[6])
{
	struct ctl *c = ctx;
	uint32_t nh;

	if (c->fib == NULL || (nh = dp_fib_neigh_get(c->fib, port, ip)) == DP_NO_NH)
		return;
	if (c->neigh[nh].state == NEIGH_STATIC)
		return;
	dp_fib_nh_set(c->fib, nh, mac, true);
	c->neigh[nh].state = NEIGH_REACHABLE;
	c->neigh[nh].updated_ms = c->now_ms;
	c->rt->slow.learned++;
	release(c, nh);
}

/* A packet whose next hop has no MAC yet: hold it and ask. */
static void
resolve(struct ctl *c, struct rte_mbuf *m)
{
	struct dp_meta *meta = dp_meta_of(m);
	uint32_t nh = meta->nh;
	struct ctl_neigh *n;

	if (nh == DP_NO_NH) { /* glean: the destination itself, on out_port */
		struct hp_addr a = {.family = meta->l3 == DP_L3_IPV4 ? AF_INET : AF_INET6};
		memcpy(a.addr, meta->l3 == DP_L3_IPV4 ? (const uint8_t *)&meta->key.k4.dst : meta->key.k6.dst,
		       a.family == AF_INET ? 4 : 16);
		nh = dp_fib_neigh_get(c->fib, meta->out_port, &a);
		if (nh == DP_NO_NH) {
			c->rt->slow.neigh_queue_full++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	n = &c->neigh[nh];
	uint64_t word = __atomic_load_n(&c->fib->nh[nh], __ATOMIC_ACQUIRE);
	if (word & DP_NH_RESOLVED) {
		/* resolved while the packet was in the ring: it leaves now */
		dp_l3_rewrite(m, meta, word, &c->fib->port_mac[dp_nh_port(word)]);
		if (inject_mbuf(c, dp_nh_port(word), m))
			c->rt->slow.released++;
		return;
	}
	if (n->n_held >= CTL_NEIGH_HOLD) {
		c->rt->slow.neigh_queue_full++;
		rte_pktmbuf_free(m);
		return;
	}
	n->held[n->n_held++] = m;
	c->rt->slow.held++;
	if (n->state != NEIGH_INCOMPLETE || c->now_ms - n->probed_ms >= CTL_NEIGH_RETRY_MS) {
		if (n->state != NEIGH_INCOMPLETE)
			n->probes = 0;
		n->state = NEIGH_INCOMPLETE;
		solicit(c, nh);
	}
}

static void
count_verdict(struct dp_slow_stats *s, enum ctl_verdict v)
{
	switch (v) {
	case CTL_UNHANDLED: s->unhandled++; break;
	case CTL_MALFORMED: s->malformed++; break;
	case CTL_NOT_FOR_US: s->not_for_us++; break;
	default: break;
	}
}

static void
serve_punts(struct ctl *c)
{
	struct rte_mbuf *pkts[64];
	unsigned n, budget = CTL_PUNT_BUDGET;

	/*
	 * At most a ring's worth a tick: workers can punt faster than this
	 * thread answers (a flood of unrouted traffic), and the socket, metrics
	 * and timers must still get their turn. The ring's overflow is dropped
	 * and counted by the workers (punt_ring_full).
	 */
	while (budget > 0 && (n = rte_ring_sc_dequeue_burst(c->rt->punt, (void **)pkts, RTE_MIN(64u, budget), NULL)) > 0) {
		budget -= n;
		for (unsigned i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];
			struct dp_meta *meta = dp_meta_of(m);
			const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
			unsigned port = meta->in_port;
			size_t len = rte_pktmbuf_data_len(m);

			if (meta->punt < DP_PUNT_MAX)
				c->rt->slow.punted[meta->punt]++;
			switch (meta->punt) {
			case DP_PUNT_LOCAL:
				count_verdict(&c->rt->slow, ctl_slowpath_local(&c->ops, &c->ifaces[port], port, f, len, meta));
				break;
			case DP_PUNT_TTL:
			case DP_PUNT_NOROUTE:
				count_verdict(&c->rt->slow, ctl_slowpath_icmp_error(&c->ops, &c->ifaces[port], port, f, len, meta,
					meta->punt == DP_PUNT_TTL ? CTL_ERR_TTL : CTL_ERR_NOROUTE));
				break;
			case DP_PUNT_RESOLVE:
				resolve(c, m);
				continue; /* held or sent: not freed here */
			}
			rte_pktmbuf_free(m);
		}
	}
}

/* Retry solicitations, give up on silent neighbours, re-resolve old MACs. */
static void
neigh_tick(struct ctl *c)
{
	for (uint32_t nh = 0; c->fib != NULL && nh < c->fib->n_nh; nh++) {
		struct ctl_neigh *n = &c->neigh[nh];

		if (n->state == NEIGH_INCOMPLETE && c->now_ms - n->probed_ms >= CTL_NEIGH_RETRY_MS) {
			if (n->probes < CTL_NEIGH_PROBES) {
				solicit(c, nh);
				continue;
			}
			for (unsigned i = 0; i < n->n_held; i++)
				rte_pktmbuf_free(n->held[i]);
			c->rt->slow.neigh_failed += n->n_held;
			n->n_held = 0;
			n->probes = 0;
			n->state = NEIGH_NONE;
		} else if (n->state == NEIGH_REACHABLE && c->now_ms - n->updated_ms >= CTL_NEIGH_REACHABLE_MS) {
			/* the next packet for it asks again (and is held meanwhile) */
			dp_fib_nh_set(c->fib, nh, NULL, false);
			n->state = NEIGH_NONE;
		}
	}
}

/* Free what a ring holds. */
static void
ring_free_all(struct rte_ring *r)
{
	void *m;

	while (rte_ring_sc_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

/* Free the packets held for unresolved neighbours; how many there were. */
static uint64_t
free_held(struct ctl *c)
{
	uint64_t n = 0;

	for (uint32_t nh = 0; c->neigh != NULL && c->fib != NULL && nh < c->fib->n_nh; nh++) {
		for (unsigned i = 0; i < c->neigh[nh].n_held; i++)
			rte_pktmbuf_free(c->neigh[nh].held[i]);
		n += c->neigh[nh].n_held;
		c->neigh[nh].n_held = 0;
	}
	return n;
}

/* The configuration's neighbours are static in c->fib. */
static void
mark_static(struct ctl *c)
{
	for (unsigned i = 0; i < c->rt->cfg->n_neighbors; i++) {
		const struct hp_neighbor_conf *nc = &c->rt->cfg->neighbors[i];
		uint32_t nh = dp_fib_neigh_get(c->fib, nc->port, &nc->ip);

		if (nh != DP_NO_NH)
			c->neigh[nh].state = NEIGH_STATIC;
	}
}

static int
ctl_setup(struct ctl *c, struct dp_runtime *rt)
{
	memset(c, 0, sizeof(*c));
	c->rt = rt;
	c->fib = rt->tables ? rt->tables->fib : NULL;
	c->ops = (struct ctl_slowpath_ops){.ctx = c, .learn = op_learn, .send = op_send, .allow = op_allow};
	c->now_ms = c->tokens_ms = now_ms();
	c->tokens = CTL_ICMP_BURST;
	for (unsigned p = 0; p < rt->ports.n; p++) {
		const struct hp_port_conf *pc = &rt->cfg->ports[p];
		struct ctl_iface *ifc = &c->ifaces[p];

		memcpy(ifc->mac, rt->ports.ports[p].mac.addr_bytes, 6);
		ifc->n_ipv4 = pc->n_ipv4;
		ifc->ipv4 = pc->ipv4;
		ifc->n_ipv6 = pc->n_ipv6;
		ifc->ipv6 = pc->ipv6;
		ctl_link_local(ifc->mac, ifc->ll6);
		c->inject_worker[p] = -1;
		for (unsigned w = 0; w < rt->n_workers; w++)
			if (rt->map.workers[w].txq[p] != DP_NO_TXQ) {
				c->inject_worker[p] = (int)w;
				break;
			}
	}
	if (c->fib != NULL) {
		c->neigh = calloc(DP_MAX_NH, sizeof(*c->neigh));
		if (c->neigh == NULL)
			return -ENOMEM;
		mark_static(c);
	}
	return 0;
}

/* ---- the neighbour table, for the control socket ---- */

int
ctl_neigh_add(unsigned port, const struct hp_addr *ip, const uint8_t mac[6])
{
	struct ctl *c = &ctl;
	uint32_t nh;

	if (c->fib == NULL || c->neigh == NULL)
		return -ENOTSUP;
	if ((nh = dp_fib_neigh_get(c->fib, port, ip)) == DP_NO_NH)
		return -ENOSPC;
	dp_fib_nh_set(c->fib, nh, mac, true);
	c->neigh[nh].state = NEIGH_STATIC;
	c->neigh[nh].updated_ms = c->now_ms;
	release(c, nh);
	return 0;
}

int
ctl_neigh_del(unsigned port, const struct hp_addr *ip)
{
	struct ctl *c = &ctl;
	uint32_t nh;

	if (c->fib == NULL || c->neigh == NULL)
		return -ENOTSUP;
	nh = dp_fib_neigh_lookup(c->fib, port, ip->addr, ip->family == AF_INET ? DP_L3_IPV4 : DP_L3_IPV6);
	if (nh == DP_NO_NH || c->neigh[nh].state == NEIGH_NONE)
		return -ENOENT;
	/* the next packet for it asks again (and is held meanwhile) */
	dp_fib_nh_set(c->fib, nh, NULL, false);
	c->neigh[nh].state = NEIGH_NONE;
	c->neigh[nh].probes = 0;
	return 0;
}

void
ctl_neigh_foreach(void (*fn)(void *arg, const struct ctl_neigh_info *ni), void *arg)
{
	static const char *const states[] = {
		[NEIGH_NONE] = "none", [NEIGH_INCOMPLETE] = "incomplete",
		[NEIGH_REACHABLE] = "reachable", [NEIGH_STATIC] = "static",
	};
	struct ctl *c = &ctl;

	if (c->fib == NULL || c->neigh == NULL)
		return;
	for (uint32_t nh = 0; nh < c->fib->n_nh; nh++) {
		uint64_t word = __atomic_load_n(&c->fib->nh[nh], __ATOMIC_ACQUIRE);
		struct ctl_neigh_info ni = {
			.ip = &c->fib->nh_addr[nh],
			.port = dp_nh_port(word),
			.resolved = (word & DP_NH_RESOLVED) != 0,
			.state = states[c->neigh[nh].state],
			.held = c->neigh[nh].n_held,
		};

		memcpy(ni.mac, &word, 6);
		fn(arg, &ni);
	}
}

void
ctl_fib_replaced(struct dp_fib *fib)
{
	struct ctl *c = &ctl;

	if (c->neigh == NULL)
		return;
	/* held and punted packets name next hops of the old FIB: they go */
	c->rt->slow.neigh_failed += free_held(c);
	ring_free_all(c->rt->punt);
	memset(c->neigh, 0, DP_MAX_NH * sizeof(*c->neigh));
	c->fib = fib;
	mark_static(c);
}

static int ctl_epoll = -1;

int
ctl_watch(struct ctl_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	return epoll_ctl(ctl_epoll, EPOLL_CTL_ADD, w->fd, &ev) < 0 ? -errno : 0;
}

int
ctl_watch_mod(struct ctl_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	return epoll_ctl(ctl_epoll, EPOLL_CTL_MOD, w->fd, &ev) < 0 ? -errno : 0;
}

void
ctl_unwatch(struct ctl_watch *w)
{
	epoll_ctl(ctl_epoll, EPOLL_CTL_DEL, w->fd, NULL);
}

uint64_t
ctl_now_ms(void)
{
	return ctl.now_ms;
}

/* The loop's own fds: the signalfd and the slow-path tick. */
static void sig_ready(struct ctl_watch *w, uint32_t events);
static void tick_ready(struct ctl_watch *w, uint32_t events);
static struct ctl_watch sig_watch = {.fd = -1, .ready = sig_ready};
static struct ctl_watch tick_watch = {.fd = -1, .ready = tick_ready};
static bool ctl_stop;
static uint64_t last_neigh_ms;

static void
sig_ready(struct ctl_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		DP_LOG(NOTICE, "signal %u: stopping", si.ssi_signo);
	ctl_stop = true;
}

static void
tick_ready(struct ctl_watch *w, uint32_t events)
{
	struct ctl *c = &ctl;
	uint64_t expirations;

	(void)events;
	if (read(w->fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		DP_LOG(WARNING, "timerfd: %s", strerror(errno));
	serve_punts(c);
	if (c->now_ms - last_neigh_ms >= 100) {
		neigh_tick(c);
		last_neigh_ms = c->now_ms;
	}
}

int
ctl_run(struct dp_runtime *rt)
{
	struct ctl *c = &ctl;
	sigset_t set;
	struct itimerspec tick = {
		.it_interval = {.tv_nsec = CTL_TICK_MS * 1000000L},
		.it_value = {.tv_nsec = CTL_TICK_MS * 1000000L},
	};
	int rc;

	if ((rc = ctl_setup(c, rt)) < 0)
		return rc;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	ctl_stop = false;
	sig_watch.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	ctl_epoll = epoll_create1(EPOLL_CLOEXEC);
	/* the tick exists only when there is a slow path to serve */
	if (rt->tables != NULL)
		tick_watch.fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sig_watch.fd < 0 || ctl_epoll < 0 || (rt->tables != NULL && tick_watch.fd < 0)) {
		rc = -errno;
		goto out;
	}
	if ((rc = ctl_watch(&sig_watch, EPOLLIN)) < 0)
		goto out;
	if (tick_watch.fd >= 0) {
		if (timerfd_settime(tick_watch.fd, 0, &tick, NULL) < 0) {
			rc = -errno;
			goto out;
		}
		if ((rc = ctl_watch(&tick_watch, EPOLLIN)) < 0)
			goto out;
	}
	if ((rc = ctl_services_start(rt)) < 0)
		goto out;
	printf("hotpathd: ready: %u ports, %u workers\n", rt->ports.n, rt->n_workers);
	fflush(stdout);

	while (!ctl_stop) {
		struct epoll_event evs[16];
		int n = epoll_wait(ctl_epoll, evs, 16, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		c->now_ms = now_ms();
		for (int i = 0; i < n; i++) {
			struct ctl_watch *w = evs[i].data.ptr;

			w->ready(w, evs[i].events);
		}
	}
out:
	if (rc < 0)
		DP_LOG(ERR, "control thread: %s", strerror(-rc));
	ctl_services_stop(rt);
	if (tick_watch.fd >= 0)
		close(tick_watch.fd);
	if (sig_watch.fd >= 0)
		close(sig_watch.fd);
	if (ctl_epoll >= 0)
		close(ctl_epoll);
	tick_watch.fd = sig_watch.fd = ctl_epoll = -1;
	return rc;
}

void
ctl_drain(struct dp_runtime *rt)
{
	struct ctl *c = &ctl;

	if (rt->punt != NULL)
		ring_free_all(rt->punt);
	for (unsigned w = 0; w < rt->n_workers; w++)
		if (rt->workers[w]->inject != NULL)
			ring_free_all(rt->workers[w]->inject);
	free_held(c);
	free(c->neigh);
	c->neigh = NULL;
}
