/* Buffered TX of a worker: queue packets per (port, queue), send and record their latency. */
#ifndef DP_TX_H
#define DP_TX_H

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "worker_state.h"

/* Empty a TX buffer (after sending or freeing what it held). */
static inline void
dp_txbuf_reset(struct dp_txbuf *b)
{
	b->n = 0;
	b->n_runs = 0;
	b->last_arrival = 0;
	b->bytes = 0;
}

/* Packets queued next arrived at `arrival`: a new run unless the last one did too. */
static inline void
dp_txbuf_run(struct dp_txbuf *b, uint64_t arrival)
{
	if (unlikely(arrival != b->last_arrival)) {
		b->run_start[b->n_runs] = b->n;
		b->run_arrival[b->n_runs++] = arrival;
		b->last_arrival = arrival;
	}
}

/* Send what tx[port] holds; refused packets are freed and counted. */
void dp_tx_flush(struct dp_worker *w, unsigned port);

/* Queue one packet for TX on config port `port`. */
static inline void
dp_tx_enqueue(struct dp_worker *w, unsigned port, struct rte_mbuf *m, uint64_t arrival)
{
	struct dp_txbuf *b = &w->tx[port];

	dp_txbuf_run(b, arrival);
	b->pkts[b->n] = m;
	b->bytes += m->pkt_len;
	w->tx_pending |= 1u << port;
	if (unlikely(++b->n == DP_TXBUF))
		dp_tx_flush(w, port);
}

/*
 * Queue n (<= DP_BURST) packets of one RX burst for TX on config port
 * `port`; bytes is the sum of their pkt_len.
 */
static inline void
dp_tx_enqueue_burst(struct dp_worker *w, unsigned port, struct rte_mbuf *const *pkts, uint16_t n,
		    uint64_t arrival, uint64_t bytes)
{
	struct dp_txbuf *b = &w->tx[port];

	if (unlikely(b->n + n > DP_TXBUF))
		dp_tx_flush(w, port);
	dp_txbuf_run(b, arrival);
	memcpy(&b->pkts[b->n], pkts, n * sizeof(pkts[0]));
	b->n += n;
	b->bytes += bytes;
	w->tx_pending |= 1u << port;
}

/* Hand tx[port] to the PMD; what it refuses is freed and counted. The runs stay for dp_tx_record(). */
static inline void
dp_tx_send(struct dp_worker *w, unsigned port)
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

/* Latency of what dp_tx_send() sent (b->n of them), sent by now; empties the buffer. */
static inline void
dp_tx_record(struct dp_worker *w, unsigned port, uint64_t now)
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

/*
 * Send every pending buffer, then take one TSC reading for all of them
 * (latency, and the loop's own accounting); returns it. Inlined into the
 * poll loop, as it was when it lived in worker.c (a call costs ~1 Ir/packet).
 */
static __rte_always_inline uint64_t
dp_tx_flush_all(struct dp_worker *w)
{
	uint32_t pending = w->tx_pending, p;
	uint64_t now;

	for (p = pending; p; p &= p - 1)
		dp_tx_send(w, (unsigned)__builtin_ctz(p));
	now = rte_rdtsc();
	for (p = pending; p; p &= p - 1)
		dp_tx_record(w, (unsigned)__builtin_ctz(p), now);
	w->tx_pending = 0;
	return now;
}

#endif
