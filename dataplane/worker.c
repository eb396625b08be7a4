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

void
dp_tx_flush(struct dp_worker *w, unsigned port)
{
	struct dp_txbuf *b = &w->tx[port];
	struct dp_tx_stats *st = &w->tx_stats[port];
	uint16_t n = b->n, sent;
	uint64_t now, bytes = 0;

	/* lengths are read now: the PMD may free what it sends */
	for (uint16_t i = 0; i < n; i++)
		bytes += b->pkts[i]->pkt_len;
	sent = rte_eth_tx_burst(b->port_id, b->queue, b->pkts, n);
	now = rte_rdtsc();

	/* packets of one RX burst share an arrival time: record them as one run;
	 * the control thread's packets (arrival 0) did not cross the data path */
	for (uint16_t i = 0; i < sent;) {
		uint16_t j = i + 1;
		while (j < sent && b->arrival[j] == b->arrival[i])
			j++;
		if (b->arrival[i] != 0)
			hp_hist_record_n(&w->latency, dp_cycles_to_ns(now - b->arrival[i], w->ns_mult), j - i);
		i = j;
	}
	for (uint16_t i = sent; i < n; i++) {
		bytes -= b->pkts[i]->pkt_len;
		rte_pktmbuf_free(b->pkts[i]);
	}

	st->packets += sent;
	st->bytes += bytes;
	st->refused += n - sent;
	w->drops[DP_DROP_TX_REFUSED] += n - sent;
	b->n = 0;
	w->tx_pending &= ~(1u << port);
}

void
dp_xconnect_burst(struct dp_worker *w, const struct dp_rxq *rxq,
		  struct rte_mbuf **pkts, uint16_t n, uint64_t arrival)
{
	for (uint16_t i = 0; i < n; i++)
		dp_tx_enqueue(w, rxq->out_port, pkts[i], arrival);
}

static inline void
flush_all(struct dp_worker *w)
{
	uint32_t pending = w->tx_pending;

	while (pending) {
		unsigned port = (unsigned)__builtin_ctz(pending);
		pending &= pending - 1;
		dp_tx_flush(w, port);
	}
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
	while (!__atomic_load_n(&dp_quit, __ATOMIC_RELAXED)) {
		const struct dp_tables *t = __atomic_load_n(&dp_tables_current, __ATOMIC_ACQUIRE);
		uint64_t start = rte_rdtsc();
		unsigned got = 0;

		for (unsigned i = 0; i < w->n_rx; i++) {
			const struct dp_rxq *rxq = &w->rx[i];
			uint16_t n = rte_eth_rx_burst(rxq->port_id, rxq->queue, pkts, DP_BURST);
			uint64_t bytes = 0;

			if (n == 0)
				continue;
			uint64_t arrival = rte_rdtsc();
			for (uint16_t k = 0; k < n; k++)
				bytes += pkts[k]->pkt_len;
			w->rx_stats[i].packets += n;
			w->rx_stats[i].bytes += bytes;
			got += n;
			if (rxq->mode == HP_MODE_XCONNECT)
				dp_xconnect_burst(w, rxq, pkts, n, arrival);
			else
				dp_l3_burst(w, t, rxq, pkts, n, arrival);
		}
		if (w->inject != NULL && !rte_ring_empty(w->inject))
			inject(w);
		flush_all(w);
		/* done with this iteration's view of the tables */
		rte_rcu_qsbr_quiescent(w->qsv, w->lcore);

		uint64_t spent = rte_rdtsc() - start;
		w->loops++;
		if (got) {
			w->busy_loops++;
			w->busy_cycles += spent;
		} else {
			w->idle_cycles += spent;
		}
	}
	flush_all(w);
	rte_rcu_qsbr_thread_offline(w->qsv, w->lcore);
	rte_rcu_qsbr_thread_unregister(w->qsv, w->lcore);
	return 0;
}
