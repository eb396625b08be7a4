/* probe_seqtrack: sequence-number accounting per flow (new, reorder, late, duplicate; loss at the end). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seqtrack.h"

int
probe_seqtrack_init(struct probe_seqtrack *t, uint32_t n_flows)
{
	memset(t, 0, sizeof(*t));
	if (n_flows == 0)
		return -EINVAL;
	t->flows = calloc(n_flows, sizeof(*t->flows));
	if (t->flows == NULL)
		return -ENOMEM;
	t->n_flows = n_flows;
	return 0;
}

void
probe_seqtrack_reset(struct probe_seqtrack *t)
{
	t->warmup = 0;
	memset(t->flows, 0, (size_t)t->n_flows * sizeof(*t->flows));
}

void
probe_seqtrack_free(struct probe_seqtrack *t)
{
	free(t->flows);
	t->flows = NULL;
	t->n_flows = 0;
}

uint64_t
probe_seq_widen(uint32_t seq, uint64_t next)
{
	const uint64_t span = (uint64_t)1 << 32;
	uint64_t high = next ? next - 1 : 0;
	uint64_t v = (high & ~(span - 1)) | seq;

	/* v is within 2^32 of high; take the side of high it is nearest to */
	if (v > high && v - high >= span / 2 && v >= span)
		v -= span;
	else if (v < high && high - v > span / 2)
		v += span;
	return v;
}

static inline bool
win_test(const struct probe_seqflow *f, uint64_t s)
{
	uint64_t b = s % PROBE_SEQ_WINDOW;

	return (f->win[b / 64] >> (b % 64)) & 1;
}

static inline void
win_set(struct probe_seqflow *f, uint64_t s)
{
	uint64_t b = s % PROBE_SEQ_WINDOW;

	f->win[b / 64] |= (uint64_t)1 << (b % 64);
}

static inline void
win_clear(struct probe_seqflow *f, uint64_t s)
{
	uint64_t b = s % PROBE_SEQ_WINDOW;

	f->win[b / 64] &= ~((uint64_t)1 << (b % 64));
}

enum probe_seq_verdict
probe_seqtrack_rx(struct probe_seqtrack *t, uint32_t flow, uint32_t seq32, bool warmup)
{
	struct probe_seqflow *f = &t->flows[flow];
	uint64_t s;

	if (warmup) {
		t->warmup++;
		return PROBE_SEQ_WARMUP;
	}
	s = probe_seq_widen(seq32, f->next);
	if (s >= f->next) {
		/* forget what the window slides past: positions next .. s-1 were not seen */
		if (s - f->next >= PROBE_SEQ_WINDOW)
			memset(f->win, 0, sizeof(f->win));
		else
			for (uint64_t i = f->next; i < s; i++)
				win_clear(f, i);
		win_set(f, s);
		f->next = s + 1;
		f->received++;
		return PROBE_SEQ_NEW;
	}
	if (f->next - s > PROBE_SEQ_WINDOW) {
		f->received++;
		f->reorder++;
		f->late++;
		return PROBE_SEQ_LATE;
	}
	if (win_test(f, s)) {
		f->dup++;
		return PROBE_SEQ_DUP;
	}
	win_set(f, s);
	f->received++;
	f->reorder++;
	return PROBE_SEQ_REORDER;
}

void
probe_seqtrack_totals(const struct probe_seqtrack *t, const uint64_t *sent, struct probe_seq_totals *tot)
{
	memset(tot, 0, sizeof(*tot));
	tot->warmup_received = t->warmup;
	for (uint32_t i = 0; i < t->n_flows; i++) {
		const struct probe_seqflow *f = &t->flows[i];
		uint64_t lost = probe_seq_lost(f, sent[i]);

		tot->sent += sent[i];
		tot->received += f->received;
		tot->lost += lost;
		tot->reorder += f->reorder;
		tot->dup += f->dup;
		tot->late += f->late;
		tot->flows_with_loss += lost != 0;
	}
}
