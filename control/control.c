/* Control thread: its run (signals, the punt ring's doorbell) and punt serving: ARP/ND/ICMP answers, packets to resolve. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ring.h>

#include "control.h"
#include "doorbell.h"
#include "hostif.h"
#include "iface.h"
#include "log.h"
#include "loop.h"
#include "mtu.h"
#include "neigh.h"
#include "rib.h"
#include "services.h"
#include "slowpath.h"
#include "worker.h"

struct ctl {
	struct dp_runtime *rt;
	double tokens;
	uint64_t tokens_ms;
	uint64_t ns_mult; /* TSC cycles -> ns (dp_ns_mult), as the workers convert */
	struct ctl_slowpath_ops ops;
};

static struct ctl ctl; /* one control thread */

static void
op_send(void *ctx, unsigned port, const uint8_t *frame, size_t len)
{
	(void)ctx;
	ctl_iface_send(port, frame, len);
}

static bool
op_allow(void *ctx)
{
	struct ctl *c = ctx;
	uint64_t now = ctl_now_ms();

	c->tokens += (double)(now - c->tokens_ms) * CTL_ICMP_RATE / 1000.0;
	c->tokens_ms = now;
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
op_learn(void *ctx, unsigned port, const struct hp_addr *ip, const uint8_t mac[6], unsigned flags)
{
	(void)ctx;
	ctl_neigh_learn(port, ip, mac, flags);
}

static void
count_verdict(struct dp_slow_stats *s, enum ctl_verdict v)
{
	switch (v) {
	case CTL_UNHANDLED:
		s->unhandled++;
		break;
	case CTL_MALFORMED:
		s->malformed++;
		break;
	case CTL_NOT_FOR_US:
		s->not_for_us++;
		break;
	default:
		break;
	}
}

/* One punted packet: answered, held, forwarded or dropped; m is consumed. */
static void
serve_one(struct ctl *c, struct rte_mbuf *m, struct dp_meta *meta)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned port = meta->in_port;
	size_t len = rte_pktmbuf_data_len(m);

	if (meta->punt < DP_PUNT_MAX)
		c->rt->slow.punted[meta->punt]++;
	switch (meta->punt) {
	case DP_PUNT_LOCAL:
		if (ctl_hostif_mcast(port, f, len, meta))
			break; /* link-local multicast for the host interface's daemons */
		count_verdict(&c->rt->slow, ctl_hostif_after(port, f, len, meta,
							     ctl_slowpath_local(&c->ops, ctl_iface_of(port),
										port, f, len, meta)));
		break;
	case DP_PUNT_TTL:
	case DP_PUNT_NOROUTE:
		count_verdict(
			&c->rt->slow,
			ctl_slowpath_icmp_error(&c->ops, ctl_iface_of(port), port, f, len, meta,
						meta->punt == DP_PUNT_TTL ? CTL_ERR_TTL : CTL_ERR_NOROUTE));
		break;
	case DP_PUNT_RESOLVE:
		ctl_neigh_resolve(m);
		return; /* held or sent: not freed here */
	case DP_PUNT_MTU:
		ctl_mtu_punt(c->rt, &c->ops, m);
		return; /* fragmented, forwarded or answered: consumed */
	}
	rte_pktmbuf_free(m);
}

/* Arrival of the packet's burst on a worker to done here (0: not a worker's punt). */
static void
record_latency(struct ctl *c, uint64_t arrival)
{
	uint64_t now = rte_rdtsc();

	if (arrival != 0 && now > arrival && c->ns_mult != 0)
		hp_hist_record(&c->rt->slow_latency, dp_cycles_to_ns(now - arrival, c->ns_mult));
}

/* Serve the punt ring, CTL_PUNT_BUDGET packets at most; true when it had any. */
static bool
serve_punts(struct ctl *c)
{
	struct rte_mbuf *pkts[64];
	unsigned n, budget = CTL_PUNT_BUDGET;

	/*
	 * At most a ring's worth a turn: workers can punt faster than this
	 * thread answers (a flood of unrouted traffic), and the socket, metrics
	 * and timers must still get their turn. The ring's overflow is dropped
	 * and counted by the workers (punt_ring_full).
	 */
	while (budget > 0 &&
	       (n = rte_ring_sc_dequeue_burst(c->rt->punt, (void **)pkts, RTE_MIN(64u, budget), NULL)) > 0) {
		budget -= n;
		for (unsigned i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];
			struct dp_meta *meta = dp_meta_of(m);
			uint64_t arrival = dp_priv_of(m)->arrival;

			serve_one(c, m, meta);
			record_latency(c, arrival);
		}
	}
	return budget < CTL_PUNT_BUDGET;
}

static int
ctl_setup(struct ctl *c, struct dp_runtime *rt)
{
	memset(c, 0, sizeof(*c));
	c->rt = rt;
	c->ns_mult = dp_ns_mult(rt->tsc_hz);
	c->ops = (struct ctl_slowpath_ops){.ctx = c, .learn = op_learn, .send = op_send, .allow = op_allow};
	c->tokens = CTL_ICMP_BURST;
	ctl_iface_setup(rt);
	return ctl_neigh_setup(rt);
}

/* The loop's own fds: the signalfd and the punt ring's doorbell (an eventfd the workers write). */
static void sig_ready(struct ctl_watch *w, uint32_t events);
static void bell_ready(struct ctl_watch *w, uint32_t events);
static struct ctl_watch sig_watch = {.fd = -1, .ready = sig_ready};
static struct ctl_watch bell_watch = {.fd = -1, .ready = bell_ready};
static bool ctl_stop;

static void
sig_ready(struct ctl_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		DP_LOG(NOTICE, "signal %u: stopping", si.ssi_signo);
	ctl_stop = true;
}

/*
 * A worker rang (or the ring still had packets last turn): serve them, then
 * arm the bell and sleep, unless packets came meanwhile: then another turn,
 * after the other watches' (a punt flood must not starve the socket). No
 * timer: idle, the thread sleeps until a packet, a request or a NUD timer.
 */
static void
bell_ready(struct ctl_watch *w, uint32_t events)
{
	uint64_t rung;

	(void)events;
	if (read(w->fd, &rung, sizeof(rung)) < 0 && errno != EAGAIN)
		DP_LOG(WARNING, "punt doorbell: %s", strerror(errno));
	serve_punts(&ctl);
	if (!dp_doorbell_arm(ctl.rt->bell, ctl.rt->punt))
		ctl_watch_again(w);
}

int
ctl_run(struct dp_runtime *rt)
{
	struct ctl *c = &ctl;
	sigset_t set;
	int rc, loop_rc;

	if ((rc = ctl_setup(c, rt)) < 0)
		return rc;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	ctl_stop = false;
	sig_watch.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	loop_rc = ctl_loop_open();
	c->tokens_ms = ctl_now_ms();
	if (sig_watch.fd < 0 || loop_rc < 0) {
		rc = -errno;
		goto out;
	}
	if ((rc = ctl_watch(&sig_watch, EPOLLIN)) < 0)
		goto out;
	/* the bell exists only when there is a slow path to serve (workers punt) */
	if (rt->tables != NULL && rt->bell != NULL) {
		bell_watch.fd = rt->bell->fd;
		if ((rc = ctl_watch(&bell_watch, EPOLLIN)) < 0)
			goto out;
		ctl_watch_again(&bell_watch); /* serve (and arm) on the first turn */
	}
	if ((rc = ctl_services_start(rt)) < 0)
		goto out;
	printf("hotpathd: ready: %u ports, %u workers\n", rt->ports.n, rt->n_workers);
	fflush(stdout);

	while (!ctl_stop)
		if ((rc = ctl_loop_wait()) < 0)
			break;
out:
	if (rc < 0)
		DP_LOG(ERR, "control thread: %s", strerror(-rc));
	ctl_services_stop(rt);
	if (bell_watch.fd >= 0)
		ctl_unwatch(&bell_watch); /* the runtime owns the eventfd */
	if (sig_watch.fd >= 0)
		close(sig_watch.fd);
	ctl_loop_close();
	bell_watch.fd = sig_watch.fd = -1;
	return rc;
}

void
ctl_drain(struct dp_runtime *rt)
{
	if (rt->punt != NULL)
		ctl_ring_free_all(rt->punt);
	for (unsigned w = 0; w < rt->n_workers; w++)
		if (rt->workers[w]->inject != NULL)
			ctl_ring_free_all(rt->workers[w]->inject);
	ctl_neigh_free();
	ctl_rib_free();
}
