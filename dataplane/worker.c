/* The worker poll loop: RX burst -> stage -> buffered TX flushed every iteration. */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "l3.h"
#include "worker.h"

volatile bool dp_quit;
struct dp_tables *dp_tables_current;

const char *const dp_drop_names[DP_DROP_MAX] = {
#define DP_DROP_NAME(sym, name, help) [DP_DROP_##sym] = name,
	DP_DROP_REASONS(DP_DROP_NAME)
#undef DP_DROP_NAME
};

const char *const dp_drop_help[DP_DROP_MAX] = {
#define DP_DROP_HELP(sym, name, help) [DP_DROP_##sym] = help,
	DP_DROP_REASONS(DP_DROP_HELP)
#undef DP_DROP_HELP
};

uint64_t
dp_ns_mult(uint64_t tsc_hz)
{
	return tsc_hz ? (uint64_t)(((unsigned __int128)NS_PER_S << 32) / tsc_hz) : 0;
}

/* Hand tx[port] to the PMD; what it refuses is freed and counted. The runs stay for tx_record(). */
static inline void
tx_send(struct dp_worker *w, unsigned port)
{
	struct dp_txbuf *b = &w->tx[port];
	struct dp_tx_stats *st = &w->tx_stats[port];
	uint16_t n = b->n, sent;
	uint64_t bytes = b->bytes;

	/* refused packets are counted from what the PMD hands back: it may free what it sends */
	sent = rte_eth_tx_burst(b->port_id, b->queue, b->pkts, n);
	for (uint16_t i = sent; i < n; i++) {
		bytes -= b->pkts[i]->pkt_len;
		rte_pktmbuf_free(b->pkts[i]);
	}
	st->packets += sent;
	st->bytes += bytes;
	st->refused += n - sent;
	w->drops[DP_DROP_TX_REFUSED] += n - sent;
	b->n = sent;
}

/* Latency of what tx_send() sent (b->n of them), sent by now; empties the buffer. */
static inline void
tx_record(struct dp_worker *w, unsigned port, uint64_t now)
{
	struct dp_txbuf *b = &w->tx[port];
	uint16_t sent = b->n;

	for (uint16_t k = 0; k < b->n_runs; k++) {
		uint16_t first = b->run_start[k];
		uint16_t end = k + 1 < b->n_runs ? b->run_start[k + 1] : sent;

		if (end > sent)
			end = sent;
		if (first < end && b->run_arrival[k] != 0)
			hp_hist_record_n(&w->latency, dp_cycles_to_ns(now - b->run_arrival[k], w->ns_mult),
					 end - first);
	}
	dp_txbuf_reset(b);
}

void
dp_tx_flush(struct dp_worker *w, unsigned port)
{
	tx_send(w, port);
	tx_record(w, port, rte_rdtsc());
	w->tx_pending &= ~(1u << port);
}

uint64_t
dp_xconnect_burst(struct dp_worker *w, const struct dp_rxq *rxq,
		  struct rte_mbuf **pkts, uint16_t n, uint64_t arrival)
{
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	dp_tx_enqueue_burst(w, rxq->out_port, pkts, n, arrival, bytes);
	return bytes;
}

/*
 * Send every pending buffer, then take one TSC reading for all of them
 * (latency, and the loop's own accounting); returns it.
 */
static inline uint64_t
flush_all(struct dp_worker *w)
{
	uint32_t pending = w->tx_pending, p;
	uint64_t now;

	for (p = pending; p; p &= p - 1)
		tx_send(w, (unsigned)__builtin_ctz(p));
	now = rte_rdtsc();
	for (p = pending; p; p &= p - 1)
		tx_record(w, (unsigned)__builtin_ctz(p), now);
	w->tx_pending = 0;
	return now;
}

/* Send what the control thread handed us (ARP/ND answers, ICMP, released held packets). */
static inline void
inject(struct dp_worker *w)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(w->inject, (void **)pkts, DP_BURST, NULL);

	for (unsigned i = 0; i < n; i++)
		dp_tx_enqueue(w, dp_meta_of(pkts[i])->out_port, pkts[i], 0);
	w->injected += n;
}

int
dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct rte_mbuf *pkts[DP_BURST];

	rte_rcu_qsbr_thread_register(w->qsv, w->lcore);
	rte_rcu_qsbr_thread_online(w->qsv, w->lcore);
	uint64_t prev = rte_rdtsc();
	while (!__atomic_load_n(&dp_quit, __ATOMIC_RELAXED)) {
		const struct dp_tables *t = __atomic_load_n(&dp_tables_current, __ATOMIC_ACQUIRE);
		unsigned got = 0;

		for (unsigned i = 0; i < w->n_rx; i++) {
			const struct dp_rxq *rxq = &w->rx[i];
			uint16_t n = rte_eth_rx_burst(rxq->port_id, rxq->queue, pkts, DP_BURST);

			if (n == 0)
				continue;
			w->rx_stats[i].packets += n;
			got += n;
			/*
			 * Arrival = this iteration's start: the packets were in the
			 * ring by then, so their residence includes the RX burst and
			 * the queues polled before theirs (and costs no TSC read).
			 */
			w->rx_stats[i].bytes += rxq->mode == HP_MODE_XCONNECT
				? dp_xconnect_burst(w, rxq, pkts, n, prev)
				: dp_l3_burst(w, t, rxq, pkts, n, prev);
		}
		if (w->inject != NULL && !rte_ring_empty(w->inject))
			inject(w);
		/* one TSC reading a loop: it ends this iteration (latency of what it
		 * sent, its cycles) and starts the next */
		uint64_t now = flush_all(w);
		/* done with this iteration's view of the tables */
		rte_rcu_qsbr_quiescent(w->qsv, w->lcore);

		w->loops++;
		if (got) {
			w->busy_loops++;
			w->busy_cycles += now - prev;
		} else {
			w->idle_cycles += now - prev;
		}
		prev = now;
	}
	flush_all(w);
	rte_rcu_qsbr_thread_offline(w->qsv, w->lcore);
	rte_rcu_qsbr_thread_unregister(w->qsv, w->lcore);
	return 0;
}
