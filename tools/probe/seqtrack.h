/* probe_seqtrack: per-flow loss, reorder and duplicate accounting by sequence number, with a sliding window. */
#ifndef PROBE_SEQTRACK_H
#define PROBE_SEQTRACK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Each flow remembers which of the last PROBE_SEQ_WINDOW sequence numbers below
 * its highest one it has seen. A packet is
 *   new      above the highest seen (a gap in between is not loss yet: it may
 *            come later),
 *   reorder  below the highest, not seen before: counted received and reordered,
 *   dup      below the highest and already seen (within the window),
 *   late     more than the window below the highest: counted received and
 *            reordered, but a duplicate that old cannot be told apart.
 * Loss is decided at the end: sent - unique received per flow (never below 0).
 * Wire sequence numbers are 32 bits: each is widened to the 64-bit value
 * nearest the flow's highest, so a flow may wrap 2^32; a jump of 2^31 or more
 * forward reads as one from far behind (late), unless that would be below 0.
 * Warm-up packets are counted apart and touch no flow state.
 * One writer (the RX lcore); read by the main lcore after it stopped.
 */
#define PROBE_SEQ_WINDOW 1024u /* a power of two, a multiple of 64 */

struct probe_seqflow {
	uint64_t next;     /* highest sequence number seen + 1; 0 before the first */
	uint64_t received; /* unique packets (new + reorder + late) */
	uint64_t reorder;  /* arrived below the highest seen (late included) */
	uint64_t dup;
	uint64_t late;
	uint64_t win[PROBE_SEQ_WINDOW / 64]; /* bit s % W: s in [next - W, next) seen */
};

enum probe_seq_verdict {
	PROBE_SEQ_NEW,
	PROBE_SEQ_REORDER,
	PROBE_SEQ_LATE,
	PROBE_SEQ_DUP,
	PROBE_SEQ_WARMUP,
};

struct probe_seqtrack {
	uint32_t n_flows;
	uint64_t warmup; /* warm-up packets received (any flow, duplicates included) */
	struct probe_seqflow *flows;
};

struct probe_seq_totals {
	uint64_t sent, received, lost, reorder, dup, late, warmup_received;
	uint32_t flows_with_loss;
};

/* Allocate n_flows (>= 1) flows, all empty. 0 or -ENOMEM / -EINVAL. */
int probe_seqtrack_init(struct probe_seqtrack *t, uint32_t n_flows);
void probe_seqtrack_reset(struct probe_seqtrack *t);
void probe_seqtrack_free(struct probe_seqtrack *t);

/* The 64-bit sequence number nearest next - 1 whose low 32 bits are seq. */
uint64_t probe_seq_widen(uint32_t seq, uint64_t next);

/* Account one received packet of flow (< n_flows). */
enum probe_seq_verdict probe_seqtrack_rx(struct probe_seqtrack *t, uint32_t flow, uint32_t seq, bool warmup);

/* Packets of flow lost: sent[flow] - received, 0 if more were received. */
static inline uint64_t
probe_seq_lost(const struct probe_seqflow *f, uint64_t sent)
{
	return sent > f->received ? sent - f->received : 0;
}

/* Sum the flows; sent[i] is what was sent on flow i outside the warm-up. */
void probe_seqtrack_totals(const struct probe_seqtrack *t, const uint64_t *sent,
			   struct probe_seq_totals *tot);

#endif
