/* The worker poll loop: RX burst -> stage -> buffered TX flushed every iteration. */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "ct_stage.h"
#include "l3.h"
#include "tables.h"
#include "tx.h"
#include "worker.h"

volatile bool dp_quit;

uint64_t
dp_ns_mult(uint64_t tsc_hz)
{
	return tsc_hz ? (uint64_t)(((unsigned __int128)NS_PER_S << 32) / tsc_hz) : 0;
}

uint64_t
dp_xconnect_burst(struct dp_worker *w, const struct dp_rxq *rxq, struct rte_mbuf **pkts, uint16_t n,
		  uint64_t arrival)
{
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	dp_tx_enqueue_burst(w, rxq->out_port, pkts, n, arrival, bytes);
	return bytes;
}

/* Send what the control thread handed us (ARP/ND answers, ICMP, released held packets). */
static inline unsigned
inject(struct dp_worker *w)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(w->inject, (void **)pkts, DP_BURST, NULL);

	for (unsigned i = 0; i < n; i++)
		dp_tx_enqueue(w, dp_meta_of(pkts[i])->out_port, pkts[i], 0);
	w->injected += n;
	return n;
}

/* The packets the TX buffers hold: what the loop's flush hands to the TX queues. */
static inline unsigned
tx_buffered(const struct dp_worker *w)
{
	uint32_t pending = w->tx_pending;
	unsigned n = 0;

	while (pending != 0) {
		n += w->tx[__builtin_ctz(pending)].n;
		pending &= pending - 1;
	}
	return n;
}

/*
 * One iteration of the poll loop, which began at TSC prev; returns the TSC that ends it. timed
 * (a constant: the loop has two copies of this) counts the nodes and, on a sampled iteration,
 * reads the TSC after each (dataplane/nodes.h).
 */
static __rte_always_inline uint64_t
iteration(struct dp_worker *w, struct rte_mbuf **pkts, uint64_t prev, const bool timed)
{
	const struct dp_tables *t = __atomic_load_n(&dp_tables_current, __ATOMIC_ACQUIRE);
	unsigned got = 0, flushed = 0;
	uint64_t now;

	for (unsigned i = 0; i < w->n_rx; i++) {
		const struct dp_rxq *rxq = &w->rx[i];
		uint16_t n;

		if (timed)
			dp_node_start(&w->prof);
		n = rte_eth_rx_burst(rxq->port_id, rxq->queue, pkts, DP_BURST);
		if (n == 0)
			continue;
		if (timed)
			dp_node_mark(&w->prof, DP_NODE_RX, n);
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
	if (w->inject != NULL && !rte_ring_empty(w->inject)) {
		unsigned n;

		if (timed)
			dp_node_start(&w->prof);
		n = inject(w);
		if (timed)
			dp_node_mark(&w->prof, DP_NODE_INJECT, n);
	}
	/* connection tracking's ageing: a bounded step of this worker's share when one is due */
	if (t != NULL && (t->features & DP_FEAT_CT)) {
		if (timed)
			dp_node_start(&w->prof);
		dp_ct_tick_paced(&t->ct, w, prev);
		if (timed) /* counted on busy iterations: an idle one's step is not the traffic's */
			dp_node_mark(&w->prof, DP_NODE_CT_AGE, got > 0);
	}
	if (timed) {
		flushed = tx_buffered(w);
		dp_node_start(&w->prof);
	}
	/* one TSC reading a loop: it ends this iteration (latency of what it
	 * sent, its cycles) and starts the next */
	now = dp_tx_flush_all(w);
	if (timed) {
		struct dp_prof *p = &w->prof;
		struct dp_node_stats *tx = &p->node[DP_NODE_TX];
		unsigned n = flushed;

		if (n > 0) {
			tx->calls++;
			tx->packets += n;
			if (p->prof == 2) { /* the loop's own TSC reading ends the node */
				tx->s_calls++;
				tx->s_packets += n;
				tx->s_cycles += now - p->t;
			}
		}
		/* one busy iteration in prof_every sampled: the next busy one after the count runs out */
		if (got > 0) {
			if (p->prof == 2)
				p->prof = 1;
			if (p->left <= 1) {
				p->left = w->prof_every;
				p->prof = 2;
			} else {
				p->left--;
			}
		}
	}
	/* done with this iteration's view of the tables */
	rte_rcu_qsbr_quiescent(w->qsv, w->lcore);

	w->loops++;
	/* the loop was not running: a compare, and a branch taken only by a long iteration */
	hp_stall_check(&w->stall, &w->stall_conf, now - prev, got);
	if (got) {
		w->busy_loops++;
		w->busy_cycles += now - prev;
	} else {
		w->idle_cycles += now - prev;
	}
	return now;
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
		/* counting the nodes or not: the control thread says, and the loop runs that copy */
		if (likely(__atomic_load_n(&w->prof_every, __ATOMIC_RELAXED) == 0)) {
			if (unlikely(w->prof.prof != 0))
				w->prof.prof = 0;
			prev = iteration(w, pkts, prev, false);
		} else {
			if (w->prof.prof == 0) {
				w->prof.prof = 1;
				w->prof.left = 1; /* the first busy iteration arms the sample */
			}
			prev = iteration(w, pkts, prev, true);
		}
	}
	/* what the control thread answered before it stopped (it stops before we are told) leaves too */
	while (w->inject != NULL && !rte_ring_empty(w->inject))
		inject(w);
	dp_tx_flush_all(w);
	rte_rcu_qsbr_thread_offline(w->qsv, w->lcore);
	rte_rcu_qsbr_thread_unregister(w->qsv, w->lcore);
	return 0;
}
