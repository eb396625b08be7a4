/* hp-probe: open-loop DPDK traffic generator and latency meter: EAL, ports, the TX/RX loops, trials and --search. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "histogram.h"
#include "opts.h"
#include "payload.h"
#include "report.h"
#include "schedule.h"
#include "seqtrack.h"

#define EXIT_USAGE 2
#define PROBE_BURST 32
#define PROBE_RX_DESC 1024
#define PROBE_TX_DESC 1024
#define PROBE_TX_MBUFS 8191 /* TX ring, a burst in hand, per-lcore cache */
#define PROBE_RX_MBUFS 8191 /* RX rings of up to two ports, a burst in hand, cache */
#define PROBE_MBUF_CACHE 256
#define PROBE_MAX_TRIALS 64
#define PROBE_START_DELAY_HZ_DIV 50 /* the first packet is due 20 ms after the launch */

/* Set by SIGINT/SIGTERM: stop sending, drain, report what was measured. */
static int probe_quit;

/* The sending side. One writer: the TX lcore; read by main after it joined. */
struct probe_tx {
	struct probe_sched sched;
	uint64_t idx;      /* packets built: picks the flow (idx % flows) and the size */
	uint32_t *seq;     /* next sequence number per flow (wraps at 2^32, as on the wire) */
	uint64_t *sent;    /* measured packets sent per flow */
	uint64_t measured; /* sum of sent[] */
	uint64_t warmup_sent;
	uint64_t unsent;            /* refused by the TX queue until the end */
	uint64_t first_tx, last_tx; /* TSC of the first and last measured packet's burst */
	uint64_t lag_max;           /* cycles: worst actual - scheduled TX of a measured packet */
	bool done;
	unsigned n_pend, n_stash;
	struct rte_mbuf *pend[PROBE_BURST]; /* built, not yet taken by the TX queue, oldest first */
	uint64_t pend_sched[PROBE_BURST];
	uint32_t pend_flow[PROBE_BURST];
	struct rte_mbuf *stash[PROBE_BURST]; /* allocated, not yet built */
	struct hp_stall stall;               /* the TX loop's gaps (the TX+RX loop's on one lcore) */
} __rte_cache_aligned;

/* The receiving side. One writer: the RX lcore; read by main after it joined. */
struct probe_rx {
	struct probe_seqtrack seq;
	uint64_t foreign_by[PROBE_RX_MAX];
	uint64_t negative;
	uint64_t other_rx;
	struct hp_hist lat, txlat;
	struct hp_stall stall; /* the RX loop's gaps */
} __rte_cache_aligned;

/* One trial. Everything above tx is set by main before the launch and read-only during it. */
struct probe_run {
	struct probe_frame_spec spec;
	struct probe_sizes sizes;
	uint16_t tx_port, rx_port;
	struct rte_mempool *tx_pool;
	uint64_t hz;
	uint64_t ns_mult;                /* ns = cycles * ns_mult >> 32 */
	uint64_t epoch;                  /* sched_off in frames counts from here */
	uint64_t t_start, t_warm, t_end; /* first packet due, warm-up over, no packet due at or after */
	uint64_t drain;                  /* cycles RX goes on after TX finished */
	uint64_t tx_done_tsc; /* 0 while TX runs; TX lcore: release-store, RX lcore: acquire-load */
	struct hp_stall_conf stall_conf;
	unsigned tx_lcore, rx_lcore; /* RTE_MAX_LCORE: no RX loop of its own (one lcore does both) */
	struct probe_tx tx;
	struct probe_rx rx;
};

static char runtime_dir[PATH_MAX];

/* EAL keeps its runtime directory even with --in-memory; this runs after EAL's own atexit handlers. */
static void
remove_runtime_dir(void)
{
	if (runtime_dir[0] != '\0')
		rmdir(runtime_dir);
}

static void
on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&probe_quit, 1, __ATOMIC_RELAXED);
}

static inline bool
quitting(void)
{
	return __atomic_load_n(&probe_quit, __ATOMIC_RELAXED) != 0;
}

static inline uint64_t
cycles_to_ns(const struct probe_run *r, uint64_t c)
{
	return (uint64_t)(((unsigned __int128)c * r->ns_mult) >> 32);
}

/* ------------------------------------------------------------------ TX */

static inline void
tx_sent_one(struct probe_run *r, struct probe_tx *tx, unsigned i, uint64_t now)
{
	uint64_t sched = tx->pend_sched[i];

	if (sched < r->t_warm) {
		tx->warmup_sent++;
		return;
	}
	tx->sent[tx->pend_flow[i]]++;
	tx->measured++;
	if (tx->first_tx == 0)
		tx->first_tx = now;
	tx->last_tx = now;
	if (now - sched > tx->lag_max)
		tx->lag_max = now - sched;
}

/* Give up on what the TX queue still refuses: counted unsent. */
static void
tx_finish(struct probe_tx *tx)
{
	rte_pktmbuf_free_bulk(tx->pend, tx->n_pend);
	tx->unsent += tx->n_pend;
	tx->n_pend = 0;
	rte_pktmbuf_free_bulk(tx->stash, tx->n_stash);
	tx->n_stash = 0;
	tx->done = true;
}

/*
 * Build every packet whose time has come (all of them when behind: packets are
 * sent late, their lateness counts), stamp the burst with the TX time just
 * before handing it over, keep what the queue refused for the next round.
 * A trial ends on time whatever the rate: what is still due, unbuilt or
 * refused, a drain period after the last due time is never sent but counted
 * unsent (a generator that cannot keep up would otherwise stretch a trial to
 * packets / its own rate: minutes at 200 Mpps).
 */
static unsigned
tx_step(struct probe_run *r, struct probe_tx *tx)
{
	uint64_t now = rte_rdtsc();
	uint16_t n;

	if (now > r->t_end + r->drain) {
		tx->unsent += probe_sched_skip(&tx->sched, r->t_end);
		tx_finish(tx);
		return 0;
	}
	while (tx->n_pend < PROBE_BURST && probe_sched_peek(&tx->sched) <= now &&
	       probe_sched_peek(&tx->sched) < r->t_end) {
		struct rte_mbuf *m;
		uint64_t sched;
		uint32_t flow;
		uint16_t size;

		if (tx->n_stash == 0) {
			if (rte_pktmbuf_alloc_bulk(r->tx_pool, tx->stash, PROBE_BURST) < 0)
				break; /* all in flight: try again next round */
			tx->n_stash = PROBE_BURST;
		}
		m = tx->stash[--tx->n_stash];
		sched = probe_sched_pop(&tx->sched);
		flow = (uint32_t)(tx->idx % r->spec.n_flows);
		size = probe_size_at(&r->sizes, tx->idx);
		tx->idx++;
		probe_frame_build(rte_pktmbuf_mtod(m, uint8_t *), size, &r->spec, flow, tx->seq[flow]++,
				  sched - r->epoch);
		m->data_len = m->pkt_len = (uint16_t)(size - PROBE_FCS_LEN);
		tx->pend[tx->n_pend] = m;
		tx->pend_sched[tx->n_pend] = sched;
		tx->pend_flow[tx->n_pend] = flow;
		tx->n_pend++;
	}
	if (tx->n_pend == 0) {
		if (probe_sched_peek(&tx->sched) >= r->t_end)
			tx_finish(tx);
		return 0;
	}
	now = rte_rdtsc();
	for (unsigned i = 0; i < tx->n_pend; i++)
		probe_frame_stamp_tx(rte_pktmbuf_mtod(tx->pend[i], uint8_t *), now - tx->pend_sched[i]);
	n = rte_eth_tx_burst(r->tx_port, 0, tx->pend, (uint16_t)tx->n_pend);
	for (unsigned i = 0; i < n; i++)
		tx_sent_one(r, tx, i, now);
	if (n < tx->n_pend) {
		unsigned left = tx->n_pend - n;
		memmove(tx->pend, tx->pend + n, left * sizeof(tx->pend[0]));
		memmove(tx->pend_sched, tx->pend_sched + n, left * sizeof(tx->pend_sched[0]));
		memmove(tx->pend_flow, tx->pend_flow + n, left * sizeof(tx->pend_flow[0]));
	}
	tx->n_pend -= n;
	return n;
}

/* ------------------------------------------------------------------ RX */

static void
rx_one(struct probe_run *r, struct probe_rx *rx, const struct rte_mbuf *m, uint64_t now)
{
	uint8_t tmp[PROBE_FRAME_HEAD];
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *p = rte_pktmbuf_read(m, 0, RTE_MIN(len, (uint32_t)PROBE_FRAME_HEAD), tmp);
	struct probe_stamp st;
	enum probe_rx_verdict v;
	enum probe_seq_verdict sv;
	uint64_t sched, tx;

	v = p ? probe_frame_decode(p, len, &r->spec, &st) : PROBE_RX_SHORT;
	if (v != PROBE_RX_OK) {
		rx->foreign_by[v]++;
		return;
	}
	sched = r->epoch + probe_unwrap40(st.sched40, now - r->epoch);
	sv = probe_seqtrack_rx(&rx->seq, st.flow, st.seq, sched < r->t_warm);
	if (sv == PROBE_SEQ_WARMUP || sv == PROBE_SEQ_DUP)
		return;
	if (sched > now) {
		rx->negative++;
		return;
	}
	/* coordinated omission: the primary latency counts from when the packet was due */
	hp_hist_record(&rx->lat, cycles_to_ns(r, now - sched));
	tx = sched + st.tx_delta;
	hp_hist_record(&rx->txlat, now > tx ? cycles_to_ns(r, now - tx) : 0);
}

static unsigned
rx_step(struct probe_run *r, struct probe_rx *rx)
{
	struct rte_mbuf *pkts[PROBE_BURST];
	uint16_t n = rte_eth_rx_burst(r->rx_port, 0, pkts, PROBE_BURST);
	unsigned got = n;

	if (n != 0) {
		uint64_t now = rte_rdtsc(); /* one arrival time per burst */
		for (uint16_t i = 0; i < n; i++)
			rx_one(r, rx, pkts[i], now);
		rte_pktmbuf_free_bulk(pkts, n);
	}
	/* the TX port's own RX queue is drained so that nothing backs up there */
	if (r->tx_port != r->rx_port) {
		n = rte_eth_rx_burst(r->tx_port, 0, pkts, PROBE_BURST);
		rx->other_rx += n;
		rte_pktmbuf_free_bulk(pkts, n);
		got += n;
	}
	return got;
}

/* ------------------------------------------------------------------ lcores */

static inline unsigned
tx_round(struct probe_run *r)
{
	unsigned n = 0;

	if (quitting())
		tx_finish(&r->tx);
	else
		n = tx_step(r, &r->tx);
	if (r->tx.done)
		__atomic_store_n(&r->tx_done_tsc, rte_rdtsc(), __ATOMIC_RELEASE);
	return n;
}

/*
 * The end of a loop iteration that handled pkts packets: its gap since the
 * last one goes to the loop's stall detector (lib/stall.h), as hotpathd's
 * workers do, once warm-up is over (what the percentiles cover). One TSC
 * reading an iteration (~10 ns) is what this costs the loop.
 */
static inline void
loop_mark(const struct probe_run *r, struct hp_stall *s, uint64_t *prev, unsigned pkts)
{
	uint64_t now = rte_rdtsc();

	if (now >= r->t_warm)
		hp_stall_check(s, &r->stall_conf, now - *prev, pkts);
	*prev = now;
}

static inline bool
drained(const struct probe_run *r)
{
	uint64_t done = __atomic_load_n(&r->tx_done_tsc, __ATOMIC_ACQUIRE);

	return done != 0 && rte_rdtsc() - done > r->drain;
}

/* One lcore sends and receives: the setup for two vCPUs with the DUT on the other. */
static int
lcore_txrx(void *arg)
{
	struct probe_run *r = arg;
	uint64_t prev = rte_rdtsc();

	while (!drained(r)) {
		unsigned n = 0;

		if (!r->tx.done)
			n = tx_round(r);
		n += rx_step(r, &r->rx);
		loop_mark(r, &r->tx.stall, &prev, n);
	}
	return 0;
}

static int
lcore_tx(void *arg)
{
	struct probe_run *r = arg;
	uint64_t prev = rte_rdtsc();

	while (!r->tx.done)
		loop_mark(r, &r->tx.stall, &prev, tx_round(r));
	return 0;
}

static int
lcore_rx(void *arg)
{
	struct probe_run *r = arg;
	uint64_t prev = rte_rdtsc();

	while (!drained(r))
		loop_mark(r, &r->rx.stall, &prev, rx_step(r, &r->rx));
	return 0;
}

/* The main lcore waits for a worker asleep, not spinning as rte_eal_wait_lcore does. */
static void
wait_lcore_sleeping(unsigned lcore)
{
	while (rte_eal_get_lcore_state(lcore) == RUNNING)
		usleep(1000);
	rte_eal_wait_lcore(lcore);
}

/* ------------------------------------------------------------------ ports */

static int
port_setup(uint16_t pid, struct rte_mempool *rx_pool, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_txconf txc;
	uint16_t nrx = PROBE_RX_DESC, ntx = PROBE_TX_DESC;
	int socket = rte_eth_dev_socket_id(pid);
	const char *step;
	int rc;

	memset(&conf, 0, sizeof(conf));
	memset(&info, 0, sizeof(info));
	step = "device info";
	if ((rc = rte_eth_dev_info_get(pid, &info)) < 0)
		goto fail;
	/* every mbuf sent comes from one pool with refcnt 1 */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	step = "configure 1 RX and 1 TX queue";
	if ((rc = rte_eth_dev_configure(pid, 1, 1, &conf)) < 0 ||
	    (rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx)) < 0)
		goto fail;
	step = "RX queue";
	if ((rc = rte_eth_rx_queue_setup(pid, 0, nrx, (unsigned)socket, NULL, rx_pool)) < 0)
		goto fail;
	txc = info.default_txconf;
	txc.offloads = conf.txmode.offloads;
	step = "TX queue";
	if ((rc = rte_eth_tx_queue_setup(pid, 0, ntx, (unsigned)socket, &txc)) < 0)
		goto fail;
	/* the probe reads every frame that reaches it, whatever its destination MAC */
	rc = rte_eth_promiscuous_enable(pid);
	if (rc < 0 && rc != -ENOTSUP)
		fprintf(stderr, "hp-probe: port %u: promiscuous mode: %s\n", pid, rte_strerror(-rc));
	step = "start";
	if ((rc = rte_eth_dev_start(pid)) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "port %u (%s): %s: %s%s", pid, info.driver_name ? info.driver_name : "?", step,
		 rte_strerror(-rc),
		 info.driver_name && strcmp(info.driver_name, "net_memif") == 0 && strcmp(step, "start") == 0
			 ? " (a memif client needs its server listening)"
			 : "");
	return rc;
}

static int
wait_link(uint16_t pid, double timeout_s, uint64_t hz, char *err, size_t errlen)
{
	uint64_t deadline = rte_rdtsc() + (uint64_t)(timeout_s * (double)hz);
	struct rte_eth_link link;

	for (;;) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(pid, &link) == 0 && link.link_status == RTE_ETH_LINK_UP)
			return 0;
		if (rte_rdtsc() > deadline || quitting()) {
			snprintf(err, errlen, "port %u: link still down after %.1f s (is the peer there?)",
				 pid, timeout_s);
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
}

/*
 * Up to 100 ms for a link to go down. A memif whose peer is in this process
 * disconnects from EAL's interrupt thread; stopping it meanwhile from here
 * races with that (the PMD frees the control channel twice).
 */
static void
wait_link_down(uint16_t pid, uint64_t hz)
{
	uint64_t deadline = rte_rdtsc() + hz / 10;
	struct rte_eth_link link;

	do {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(pid, &link) != 0 || link.link_status == RTE_ETH_LINK_DOWN)
			break;
		usleep(1000);
	} while (rte_rdtsc() < deadline);
	usleep(1000);
}

/* TX buffers start zeroed: frames only ever write their first PROBE_FRAME_HEAD bytes, padding stays 0. */
static void
zero_mbuf(struct rte_mempool *mp, void *opaque, void *obj, unsigned idx)
{
	struct rte_mbuf *m = obj;

	(void)mp;
	(void)opaque;
	(void)idx;
	memset(m->buf_addr, 0, m->buf_len);
}

/* ------------------------------------------------------------------ trials */

static void
run_reset(struct probe_run *r, const struct probe_opts *o, double rate, unsigned trial)
{
	struct probe_tx *tx = &r->tx;
	struct probe_rx *rx = &r->rx;
	uint32_t *seq = tx->seq;
	uint64_t *sent = tx->sent;

	memset(tx, 0, sizeof(*tx));
	hp_stall_init(&tx->stall);
	hp_stall_init(&rx->stall);
	tx->seq = seq;
	tx->sent = sent;
	memset(seq, 0, o->flows * sizeof(*seq));
	memset(sent, 0, o->flows * sizeof(*sent));
	memset(rx->foreign_by, 0, sizeof(rx->foreign_by));
	rx->negative = rx->other_rx = 0;
	probe_seqtrack_reset(&rx->seq);
	hp_hist_init(&rx->lat);
	hp_hist_init(&rx->txlat);

	r->spec.magic = PROBE_MAGIC ^ trial;
	r->t_start = rte_rdtsc() + r->hz / PROBE_START_DELAY_HZ_DIV;
	r->t_warm = r->t_start + (uint64_t)(o->warmup * (double)r->hz);
	r->t_end = r->t_warm + (uint64_t)(o->duration * (double)r->hz);
	r->drain = (uint64_t)(o->drain * (double)r->hz);
	r->tx_done_tsc = 0;
	/* validated by the option parser: cannot fail */
	probe_sched_init(&tx->sched, o->dist, rate, r->hz, r->t_start, o->seed + trial);
}

static void
run_launch(struct probe_run *r)
{
	unsigned first = rte_get_next_lcore(-1, 1, 0);
	unsigned second = first < RTE_MAX_LCORE ? rte_get_next_lcore(first, 1, 0) : RTE_MAX_LCORE;

	r->tx_lcore = first < RTE_MAX_LCORE ? first : rte_lcore_id();
	r->rx_lcore = second < RTE_MAX_LCORE ? second : RTE_MAX_LCORE;
	if (first >= RTE_MAX_LCORE) {
		lcore_txrx(r); /* the main lcore is the only one: it polls */
	} else if (second >= RTE_MAX_LCORE) {
		rte_eal_remote_launch(lcore_txrx, r, first);
		wait_lcore_sleeping(first);
	} else {
		rte_eal_remote_launch(lcore_rx, r, second);
		rte_eal_remote_launch(lcore_tx, r, first);
		wait_lcore_sleeping(first);
		wait_lcore_sleeping(second);
	}
}

static void
run_collect(const struct probe_run *r, const struct probe_opts *o, double rate, struct probe_result *res)
{
	const struct probe_tx *tx = &r->tx;
	const struct probe_rx *rx = &r->rx;
	struct probe_seq_totals tot;

	memset(res, 0, sizeof(*res));
	probe_seqtrack_totals(&rx->seq, tx->sent, &tot);
	res->rate_pps = rate;
	res->duration_s = o->duration;
	res->warmup_s = o->warmup;
	if (tx->measured > 1 && tx->last_tx > tx->first_tx)
		res->achieved_pps = (double)(tx->measured - 1) * (double)r->hz /
				    (double)(tx->last_tx - tx->first_tx);
	res->rx_pps = (double)tot.received / o->duration;
	res->sent = tot.sent;
	res->received = tot.received;
	res->lost = tot.lost;
	res->reorder = tot.reorder;
	res->dup = tot.dup;
	res->late = tot.late;
	res->warmup_sent = tx->warmup_sent;
	res->warmup_received = tot.warmup_received;
	res->unsent = tx->unsent;
	res->tx_lag_max_ns = cycles_to_ns(r, tx->lag_max);
	res->negative = rx->negative;
	for (int i = 1; i < PROBE_RX_MAX; i++) {
		res->foreign_by[i] = rx->foreign_by[i];
		res->foreign += rx->foreign_by[i];
	}
	res->other_rx = rx->other_rx;
	res->interrupted = quitting();
	hp_hist_summarize(&rx->lat, &res->lat);
	hp_hist_summarize(&rx->txlat, &res->txlat);
	res->stalls[0].loop = r->rx_lcore < RTE_MAX_LCORE ? "tx" : "txrx";
	res->stalls[0].lcore = r->tx_lcore;
	hp_stall_read(&tx->stall, NULL, r->stall_conf.thresh_ns, &res->stalls[0].v);
	res->n_loops = 1;
	if (r->rx_lcore < RTE_MAX_LCORE) {
		res->stalls[1].loop = "rx";
		res->stalls[1].lcore = r->rx_lcore;
		hp_stall_read(&rx->stall, NULL, r->stall_conf.thresh_ns, &res->stalls[1].v);
		res->n_loops = 2;
	}
	res->flows_with_loss = tot.flows_with_loss;
	for (uint32_t f = 0; f < o->flows && res->n_lossy < PROBE_REPORT_MAX_LOSSY; f++) {
		uint64_t lost = probe_seq_lost(&rx->seq.flows[f], tx->sent[f]);
		if (lost == 0)
			continue;
		res->lossy[res->n_lossy++] = (struct probe_flow_loss){.flow = f,
								      .src_ip = r->spec.src_ip + f,
								      .sport = (uint16_t)(r->spec.sport + f),
								      .sent = tx->sent[f],
								      .received = rx->seq.flows[f].received,
								      .lost = lost};
	}
	res->kept_rate = res->achieved_pps >= PROBE_RATE_KEPT * res->rate_pps;
	res->pass = res->sent > 0 && !res->interrupted && probe_loss_pct(res) <= o->loss_pct &&
		    res->unsent == 0 && res->kept_rate;
}

/* Figures and histograms of the trial a report is about. */
struct probe_outcome {
	struct probe_result *trials; /* PROBE_MAX_TRIALS */
	unsigned n_trials;
	int best;                  /* index of the best passing --search trial, -1: none */
	struct hp_hist lat, txlat; /* of trials[best], or of the last trial */
};

static struct probe_result *
trial(struct probe_run *r, const struct probe_opts *o, struct probe_outcome *out, double rate)
{
	struct probe_result *res = &out->trials[out->n_trials];

	run_reset(r, o, rate, out->n_trials);
	run_launch(r);
	run_collect(r, o, rate, res);
	out->n_trials++;
	if (o->search && !o->json)
		fprintf(stderr, "hp-probe: trial %u at %.0f pps: sent %" PRIu64 ", lost %" PRIu64 "%s\n",
			out->n_trials, rate, res->sent, res->lost, res->pass ? ": pass" : ": fail");
	return res;
}

/* Keep the histograms of the trial the report will be about. */
static void
keep_hists(const struct probe_run *r, struct probe_outcome *out)
{
	memcpy(&out->lat, &r->rx.lat, sizeof(out->lat));
	memcpy(&out->txlat, &r->rx.txlat, sizeof(out->txlat));
}

/* RFC 2544 throughput: the highest rate whose trial loses no more than --loss. */
static void
search(struct probe_run *r, const struct probe_opts *o, struct probe_outcome *out)
{
	double lo = o->rate_min, hi = o->rate;
	struct probe_result *t;

	out->best = -1;
	t = trial(r, o, out, hi);
	keep_hists(r, out);
	if (t->pass) {
		out->best = 0;
		return;
	}
	while (!quitting() && hi - lo > o->precision && out->n_trials < PROBE_MAX_TRIALS - 1) {
		double mid = (lo + hi) / 2;
		t = trial(r, o, out, mid);
		if (t->pass) {
			lo = mid;
			out->best = (int)out->n_trials - 1;
			keep_hists(r, out);
		} else {
			hi = mid;
		}
	}
	/* nothing passed yet: the bottom of the range itself was never tried */
	if (out->best < 0 && !quitting()) {
		t = trial(r, o, out, o->rate_min);
		keep_hists(r, out);
		if (t->pass)
			out->best = (int)out->n_trials - 1;
	}
}

/* ------------------------------------------------------------------ main */

static int
report(const struct probe_opts *o, struct probe_outcome *out)
{
	struct probe_report rep;
	int rc = 0;

	memset(&rep, 0, sizeof(rep));
	rep.label = o->label;
	rep.dist = o->dist == PROBE_DIST_POISSON ? "poisson" : "const";
	if (o->size.imix)
		snprintf(rep.size, sizeof(rep.size), "imix");
	else
		snprintf(rep.size, sizeof(rep.size), "%u", o->size.fixed);
	rep.flows = o->flows;
	rep.loss_pct = o->loss_pct;
	rep.search = o->search;
	rep.trials = out->trials;
	rep.n_trials = out->n_trials;
	if (o->search && out->best >= 0) {
		rep.final = &out->trials[out->best];
		rep.throughput_pps = rep.final->rate_pps;
	} else {
		rep.final = &out->trials[out->n_trials - 1];
	}
	if (o->json)
		probe_report_json(stdout, &rep);
	else
		probe_report_table(stdout, &rep);
	fflush(stdout);
	if (o->csv) {
		FILE *f = fopen(o->csv, "w");
		if (f == NULL) {
			fprintf(stderr, "hp-probe: --csv %s: %s\n", o->csv, strerror(errno));
			rc = -errno;
		} else {
			probe_report_csv(f, &out->lat);
			if (fclose(f) != 0) {
				fprintf(stderr, "hp-probe: --csv %s: %s\n", o->csv, strerror(errno));
				rc = -EIO;
			}
		}
	}
	if (o->plot) {
		int prc = probe_report_plot(o->plot, o->label, &out->lat, &out->txlat);
		if (prc == -ENOENT)
			fprintf(stderr, "hp-probe: warning: gnuplot not found on PATH: no plot %s\n",
				o->plot);
		else if (prc < 0) {
			fprintf(stderr, "hp-probe: --plot %s: gnuplot failed\n", o->plot);
			rc = prc;
		}
	}
	return rc;
}

/* Split argv at the first "--": EAL arguments before it, probe options after (all of them without it). */
static void
split_args(int argc, char **argv, int *eal_argc, int *opt_first)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			*eal_argc = i;
			*opt_first = i + 1;
			return;
		}
	}
	*eal_argc = 1;
	*opt_first = 1;
}

static int
find_port(const char *name, uint16_t *pid, char *err, size_t errlen)
{
	if (rte_eth_dev_get_port_by_name(name, pid) != 0) {
		snprintf(err, errlen, "--calibrate: port %s did not come up", name);
		return -ENODEV;
	}
	return 0;
}

/*
 * --hold: the report is out (stdout closed: a reader sees its end); the ports stay
 * open until standard input ends. A DUT whose memif server is stopped first never
 * sees this client leave while its worker polls the rings (DPDK 22.11's memif
 * server unmaps them on a disconnect without waiting for its poller).
 */
static void
hold(void)
{
	char buf[256];

	fflush(stdout);
	fclose(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
}

int
main(int argc, char **argv)
{
	static struct probe_opts o;
	static struct probe_outcome out;
	static char cal_server[128], cal_client[128];
	char err[256];
	char **eal_argv, **opt_argv;
	int eal_argc, opt_first, opt_argc, rc, status = EXIT_SUCCESS;
	struct probe_run *r = NULL;
	struct rte_mempool *rx_pool = NULL;
	bool tx_started = false, rx_started = false;
	sigset_t sigs;
	struct sigaction sa;

	split_args(argc, argv, &eal_argc, &opt_first);
	/* the option parser sees argv[0] then the probe options */
	opt_argc = argc - opt_first + 1;
	opt_argv = calloc((size_t)opt_argc + 1, sizeof(*opt_argv));
	eal_argv = calloc((size_t)eal_argc + 5, sizeof(*eal_argv));
	if (opt_argv == NULL || eal_argv == NULL) {
		fprintf(stderr, "hp-probe: out of memory\n");
		return EXIT_FAILURE;
	}
	opt_argv[0] = argv[0];
	for (int i = opt_first; i < argc; i++)
		opt_argv[i - opt_first + 1] = argv[i];
	probe_opts_default(&o);
	rc = probe_opts_parse(opt_argc, opt_argv, &o, err, sizeof(err));
	if (rc == 1) {
		probe_usage(stdout);
		status = EXIT_SUCCESS;
		goto free_args;
	}
	if (rc < 0) {
		fprintf(stderr, "hp-probe: %s\n%s", err,
			opt_first == 1 ? "(EAL arguments go before --: hp-probe [EAL ARGS] -- [OPTIONS])\n"
				       : "");
		fprintf(stderr, "Try 'hp-probe -- --help'.\n");
		status = EXIT_USAGE;
		goto free_args;
	}
	for (int i = 0; i < eal_argc; i++)
		eal_argv[i] = argv[i];
	if (o.calibrate) {
		/* the two ends of one memif link, both in this process */
		snprintf(cal_server, sizeof(cal_server),
			 "net_memif_hpcal0,role=server,socket=/tmp/hp-probe-cal-%d.sock", (int)getpid());
		snprintf(cal_client, sizeof(cal_client),
			 "net_memif_hpcal1,role=client,socket=/tmp/hp-probe-cal-%d.sock", (int)getpid());
		eal_argv[eal_argc++] = (char *)"--vdev";
		eal_argv[eal_argc++] = cal_server;
		eal_argv[eal_argc++] = (char *)"--vdev";
		eal_argv[eal_argc++] = cal_client;
		if (strcmp(o.label, "hp-probe") == 0)
			o.label = "calibration (memif loop)";
	}
	eal_argv[eal_argc] = NULL;

	/* EAL logs go to stdout by default: keep stdout for the report (-j) */
	rte_openlog_stream(stderr);
	/* EAL's threads inherit this mask: the signals reach the main thread only */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	atexit(remove_runtime_dir);
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
		fprintf(stderr, "hp-probe: EAL init failed: %s\n", rte_strerror(rte_errno));
		status = EXIT_FAILURE;
		goto free_args;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);

	r = rte_zmalloc("probe_run", sizeof(*r), RTE_CACHE_LINE_SIZE);
	out.trials = calloc(PROBE_MAX_TRIALS, sizeof(*out.trials));
	if (r == NULL || out.trials == NULL ||
	    (r->tx.seq = rte_zmalloc("probe_seq", o.flows * sizeof(*r->tx.seq), 0)) == NULL ||
	    (r->tx.sent = rte_zmalloc("probe_sent", o.flows * sizeof(*r->tx.sent), 0)) == NULL ||
	    probe_seqtrack_init(&r->rx.seq, o.flows) < 0) {
		fprintf(stderr, "hp-probe: out of memory for %u flows\n", o.flows);
		status = EXIT_FAILURE;
		goto cleanup;
	}

	/* ports: --tx-port/--rx-port, or the two of --calibrate, or 0 and 1 (0 and 0 with one port) */
	if (o.calibrate) {
		if (find_port("net_memif_hpcal0", &r->tx_port, err, sizeof(err)) < 0 ||
		    find_port("net_memif_hpcal1", &r->rx_port, err, sizeof(err)) < 0) {
			fprintf(stderr, "hp-probe: %s\n", err);
			status = EXIT_FAILURE;
			goto cleanup;
		}
	} else {
		uint16_t n = rte_eth_dev_count_avail();
		if (n == 0) {
			fprintf(stderr,
				"hp-probe: no ports: give EAL a device (-a PCI, --vdev net_memif0,...)\n");
			status = EXIT_USAGE;
			goto cleanup;
		}
		r->tx_port = o.tx_port != PROBE_NO_PORT ? o.tx_port : 0;
		r->rx_port = o.rx_port != PROBE_NO_PORT ? o.rx_port : n >= 2 ? 1 : 0;
	}
	if (!rte_eth_dev_is_valid_port(r->tx_port) || !rte_eth_dev_is_valid_port(r->rx_port)) {
		fprintf(stderr, "hp-probe: --%s: no port %u (EAL made %u)\n",
			rte_eth_dev_is_valid_port(r->tx_port) ? "rx-port" : "tx-port",
			rte_eth_dev_is_valid_port(r->tx_port) ? r->rx_port : r->tx_port,
			rte_eth_dev_count_avail());
		status = EXIT_USAGE;
		goto cleanup;
	}

	r->tx_pool = rte_pktmbuf_pool_create("probe_tx", PROBE_TX_MBUFS, PROBE_MBUF_CACHE, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	rx_pool = rte_pktmbuf_pool_create("probe_rx", PROBE_RX_MBUFS, PROBE_MBUF_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (r->tx_pool == NULL || rx_pool == NULL) {
		fprintf(stderr, "hp-probe: cannot create mbuf pools: %s\n", rte_strerror(rte_errno));
		status = EXIT_FAILURE;
		goto cleanup;
	}
	rte_mempool_obj_iter(r->tx_pool, zero_mbuf, NULL);

	r->hz = rte_get_tsc_hz();
	r->ns_mult = (uint64_t)((1000000000ull << 32) / r->hz);
	hp_stall_conf_init(&r->stall_conf, r->hz, HP_STALL_DEFAULT_NS);
	if ((rc = port_setup(r->tx_port, rx_pool, err, sizeof(err))) == 0) {
		tx_started = true;
		if (r->rx_port != r->tx_port && (rc = port_setup(r->rx_port, rx_pool, err, sizeof(err))) == 0)
			rx_started = true;
	}
	if (rc == 0 && (rc = wait_link(r->tx_port, o.link_timeout, r->hz, err, sizeof(err))) == 0)
		rc = wait_link(r->rx_port, o.link_timeout, r->hz, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "hp-probe: %s\n", err);
		status = EXIT_FAILURE;
		goto cleanup;
	}

	/* what every frame looks like */
	if (o.src_mac_set) {
		memcpy(r->spec.src_mac, o.src_mac, 6);
	} else {
		struct rte_ether_addr a;
		rte_eth_macaddr_get(r->tx_port, &a);
		memcpy(r->spec.src_mac, a.addr_bytes, 6);
	}
	memcpy(r->spec.dst_mac, o.dst_mac, 6);
	r->spec.src_ip = o.src_ip;
	r->spec.dst_ip = o.dst_ip;
	r->spec.sport = o.sport;
	r->spec.dport = o.dport;
	r->spec.ttl = 64;
	r->spec.n_flows = o.flows;
	r->sizes = o.size;
	r->epoch = rte_rdtsc();

	if (rte_lcore_count() > 3)
		fprintf(stderr, "hp-probe: note: only 2 worker lcores are used (TX, RX); the rest idle\n");
	if (o.search) {
		search(r, &o, &out);
	} else {
		out.best = -1;
		trial(r, &o, &out, o.rate);
		keep_hists(r, &out);
	}
	if (report(&o, &out) < 0)
		status = EXIT_FAILURE;
	if (o.hold)
		hold();

cleanup:
	if (rx_started) {
		rte_eth_dev_stop(r->rx_port);
		/* the two ends of one memif in this process: let the peer see the link go first */
		if (tx_started)
			wait_link_down(r->tx_port, r->hz);
	}
	if (tx_started)
		rte_eth_dev_stop(r->tx_port);
	if (r != NULL) {
		uint16_t pid;
		RTE_ETH_FOREACH_DEV(pid)
			rte_eth_dev_close(pid);
		rte_mempool_free(r->tx_pool);
		probe_seqtrack_free(&r->rx.seq);
		rte_free(r->tx.seq);
		rte_free(r->tx.sent);
		rte_free(r);
	}
	rte_mempool_free(rx_pool);
	free(out.trials);
	rte_eal_cleanup();
free_args:
	free(opt_argv);
	free(eal_argv);
	return status;
}
