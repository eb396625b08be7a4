/* Unit tests of hp-probe's sequence tracking: in order, gaps, reorder, duplicates, window edges, wrap, warm-up. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "seqtrack.h"

static struct probe_seqtrack T;

static int
setup(uint32_t flows)
{
	probe_seqtrack_free(&T);
	return probe_seqtrack_init(&T, flows);
}

static enum probe_seq_verdict
rx(uint32_t flow, uint64_t seq)
{
	return probe_seqtrack_rx(&T, flow, (uint32_t)seq, false);
}

static void
totals(uint64_t sent, struct probe_seq_totals *tot)
{
	uint64_t s[1] = {sent};

	CU_ASSERT_FATAL(T.n_flows == 1);
	probe_seqtrack_totals(&T, s, tot);
}

static void
test_in_order(void)
{
	struct probe_seq_totals t;

	CU_ASSERT_FATAL(setup(1) == 0);
	for (uint64_t i = 0; i < 5000; i++)
		CU_ASSERT_FATAL(rx(0, i) == PROBE_SEQ_NEW);
	totals(5000, &t);
	CU_ASSERT(t.sent == 5000 && t.received == 5000 && t.lost == 0 && t.reorder == 0 && t.dup == 0);
	CU_ASSERT(t.flows_with_loss == 0);
}

static void
test_gaps_are_loss(void)
{
	struct probe_seq_totals t;

	CU_ASSERT_FATAL(setup(1) == 0);
	for (uint64_t i = 0; i < 1000; i++)
		if (!(i >= 10 && i < 20) && i != 500 && i != 999)
			CU_ASSERT_FATAL(rx(0, i) == PROBE_SEQ_NEW);
	totals(1000, &t);
	/* 10..19, 500 and the last one (a tail loss: only the sent count reveals it) */
	CU_ASSERT_EQUAL(t.lost, 12);
	CU_ASSERT_EQUAL(t.received, 988);
	CU_ASSERT_EQUAL(t.reorder, 0);
	CU_ASSERT_EQUAL(t.flows_with_loss, 1);
}

static void
test_reorder_is_not_loss(void)
{
	static const uint64_t seq[] = {0, 1, 3, 2, 4, 7, 5, 6, 8, 9};
	struct probe_seq_totals t;

	CU_ASSERT_FATAL(setup(1) == 0);
	CU_ASSERT(rx(0, 0) == PROBE_SEQ_NEW);
	CU_ASSERT(rx(0, 1) == PROBE_SEQ_NEW);
	CU_ASSERT(rx(0, 3) == PROBE_SEQ_NEW);
	CU_ASSERT(rx(0, 2) == PROBE_SEQ_REORDER);
	for (size_t i = 4; i < sizeof(seq) / sizeof(seq[0]); i++)
		rx(0, seq[i]);
	totals(10, &t);
	CU_ASSERT_EQUAL(t.received, 10);
	CU_ASSERT_EQUAL(t.lost, 0);
	CU_ASSERT_EQUAL(t.reorder, 3); /* 2, 5 and 6 came after a higher one */
	CU_ASSERT_EQUAL(t.dup, 0);
	CU_ASSERT_EQUAL(t.late, 0);
}

static void
test_duplicates_in_window(void)
{
	struct probe_seq_totals t;

	CU_ASSERT_FATAL(setup(1) == 0);
	rx(0, 0);
	rx(0, 1);
	rx(0, 2);
	CU_ASSERT(rx(0, 2) == PROBE_SEQ_DUP); /* the highest again */
	CU_ASSERT(rx(0, 1) == PROBE_SEQ_DUP);
	CU_ASSERT(rx(0, 4) == PROBE_SEQ_NEW);
	CU_ASSERT(rx(0, 3) == PROBE_SEQ_REORDER);
	CU_ASSERT(rx(0, 3) == PROBE_SEQ_DUP); /* a reordered one seen twice */
	/* the oldest sequence number still in the window */
	for (uint64_t i = 5; i < PROBE_SEQ_WINDOW; i++)
		rx(0, i);
	CU_ASSERT(rx(0, 0) == PROBE_SEQ_DUP); /* next = W: 0 is the oldest remembered */
	rx(0, PROBE_SEQ_WINDOW);
	CU_ASSERT(rx(0, 0) == PROBE_SEQ_LATE); /* out of the window: cannot tell, counted received */
	totals(PROBE_SEQ_WINDOW + 1, &t);
	CU_ASSERT_EQUAL(t.dup, 4);
	CU_ASSERT_EQUAL(t.late, 1);
	CU_ASSERT_EQUAL(t.received, PROBE_SEQ_WINDOW + 2); /* one more than sent: the late duplicate */
	CU_ASSERT_EQUAL(t.lost, 0);                        /* never below 0 */
}

/* A gap inside the window is forgotten as the window slides: its late arrival is reorder, not dup. */
static void
test_window_slides(void)
{
	struct probe_seq_totals t;

	CU_ASSERT_FATAL(setup(1) == 0);
	rx(0, 0);
	rx(0, 2);                                                /* 1 missing */
	CU_ASSERT(rx(0, 1 + PROBE_SEQ_WINDOW) == PROBE_SEQ_NEW); /* window now [2, W + 2) */
	CU_ASSERT(rx(0, 1) == PROBE_SEQ_LATE);
	CU_ASSERT(rx(0, 2) == PROBE_SEQ_DUP);
	/* slot reuse: W + 3 lands where 3 was; 3 was never seen, W + 3 is new */
	CU_ASSERT(rx(0, 3 + PROBE_SEQ_WINDOW) == PROBE_SEQ_NEW);
	CU_ASSERT(rx(0, 2 + PROBE_SEQ_WINDOW) == PROBE_SEQ_REORDER);
	CU_ASSERT(rx(0, 2 + PROBE_SEQ_WINDOW) == PROBE_SEQ_DUP);
	totals(4 + PROBE_SEQ_WINDOW, &t);
	CU_ASSERT_EQUAL(t.received, 6);
	CU_ASSERT_EQUAL(t.lost, 4 + PROBE_SEQ_WINDOW - 6);
	CU_ASSERT_EQUAL(t.reorder, 2);
	CU_ASSERT_EQUAL(t.late, 1);
	CU_ASSERT_EQUAL(t.dup, 2);
}

static void
test_widen(void)
{
	const uint64_t S = (uint64_t)1 << 32;

	CU_ASSERT_EQUAL(probe_seq_widen(7, 0), 7);
	CU_ASSERT_EQUAL(probe_seq_widen(0xfffffff0u, 0), 0xfffffff0u);
	CU_ASSERT_EQUAL(probe_seq_widen(5, 0xfffffff1u), S + 5);           /* past the wrap */
	CU_ASSERT_EQUAL(probe_seq_widen(0xfffffff0u, S + 6), 0xfffffff0u); /* back across it */
	CU_ASSERT_EQUAL(probe_seq_widen(100, 3 * S + 50), 3 * S + 100);
	CU_ASSERT_EQUAL(probe_seq_widen(10, 3 * S + 50), 3 * S + 10);
	/* half the space or more ahead reads as behind */
	CU_ASSERT_EQUAL(probe_seq_widen((uint32_t)(0x80000000u + 100), S + 101), 0x80000000u + 100);
}

static void
test_wrap(void)
{
	struct probe_seq_totals t;
	uint64_t bad = 0;

	CU_ASSERT_FATAL(setup(1) == 0);
	/* a flow that starts just below 2^32 and goes through it */
	for (uint64_t i = 0xfffffff0u; i < 0x100000010ull; i++)
		bad += rx(0, i) != PROBE_SEQ_NEW;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(rx(0, 0xfffffffeu) == PROBE_SEQ_DUP); /* before the wrap, still in the window */
	CU_ASSERT(rx(0, 0x100000012ull) == PROBE_SEQ_NEW);
	CU_ASSERT(rx(0, 0x100000010ull) == PROBE_SEQ_REORDER);
	totals(0x23, &t);
	CU_ASSERT_EQUAL(t.received, 0x22);
	CU_ASSERT_EQUAL(t.lost, 1);
	CU_ASSERT_EQUAL(t.dup, 1);
}

static void
test_far_jumps(void)
{
	const uint64_t B = 0xffffffc0u; /* the flow goes through 2^32 first: nothing is behind 0 */
	struct probe_seq_totals t;

	CU_ASSERT_FATAL(setup(1) == 0);
	for (uint64_t i = 0; i < 100; i++)
		rx(0, B + i);
	/* a jump well past the window: new, the window restarts there */
	CU_ASSERT(rx(0, B + 100000) == PROBE_SEQ_NEW);
	CU_ASSERT(rx(0, B + 99) == PROBE_SEQ_LATE); /* a duplicate too old to tell */
	CU_ASSERT(rx(0, B + 99999) == PROBE_SEQ_REORDER);
	/* 2^31 or more ahead is read as far behind: late, and the flow's position stays */
	CU_ASSERT(rx(0, B + 100000 + 0x80000000ull) == PROBE_SEQ_LATE);
	CU_ASSERT(rx(0, B + 100001) == PROBE_SEQ_NEW);
	totals(100002, &t);
	CU_ASSERT_EQUAL(t.received, 105);
	CU_ASSERT_EQUAL(t.late, 2);
	CU_ASSERT_EQUAL(t.lost, 100002 - 105);
	/* in a flow's first 2^32 nothing can be behind 0: the same jump there is forward */
	CU_ASSERT_FATAL(setup(1) == 0);
	rx(0, 5);
	CU_ASSERT(rx(0, 5 + 0x80000000ull) == PROBE_SEQ_NEW);
}

static void
test_warmup_excluded(void)
{
	struct probe_seq_totals t;
	uint64_t sent[2] = {50, 50};

	CU_ASSERT_FATAL(setup(2) == 0);
	/* per flow, warm-up packets took sequence numbers 0..9 */
	for (uint64_t i = 0; i < 10; i++) {
		CU_ASSERT(probe_seqtrack_rx(&T, 0, (uint32_t)i, true) == PROBE_SEQ_WARMUP);
		CU_ASSERT(probe_seqtrack_rx(&T, 1, (uint32_t)i, true) == PROBE_SEQ_WARMUP);
	}
	CU_ASSERT(probe_seqtrack_rx(&T, 0, 3, true) ==
		  PROBE_SEQ_WARMUP); /* a duplicate warm-up: still just warm-up */
	for (uint64_t i = 10; i < 60; i++) {
		CU_ASSERT(rx(0, i) == PROBE_SEQ_NEW);
		if (i != 30)
			CU_ASSERT(rx(1, i) == PROBE_SEQ_NEW);
	}
	/* a warm-up straggler arriving after measured packets changes nothing */
	CU_ASSERT(probe_seqtrack_rx(&T, 1, 9, true) == PROBE_SEQ_WARMUP);
	probe_seqtrack_totals(&T, sent, &t);
	CU_ASSERT_EQUAL(t.warmup_received, 22);
	CU_ASSERT_EQUAL(t.sent, 100);
	CU_ASSERT_EQUAL(t.received, 99);
	CU_ASSERT_EQUAL(t.lost, 1);
	CU_ASSERT_EQUAL(t.reorder, 0);
	CU_ASSERT_EQUAL(t.flows_with_loss, 1);
	CU_ASSERT_EQUAL(probe_seq_lost(&T.flows[0], 50), 0);
	CU_ASSERT_EQUAL(probe_seq_lost(&T.flows[1], 50), 1);
	/* reset empties everything */
	probe_seqtrack_reset(&T);
	probe_seqtrack_totals(&T, sent, &t);
	CU_ASSERT(t.received == 0 && t.warmup_received == 0 && t.lost == 100);
}

static void
test_flows_are_independent(void)
{
	uint64_t sent[3] = {100, 100, 100};
	struct probe_seq_totals t;

	CU_ASSERT_FATAL(setup(3) == 0);
	for (uint64_t i = 0; i < 100; i++) {
		CU_ASSERT(rx(0, i) == PROBE_SEQ_NEW);
		CU_ASSERT(rx(1, 99 - i) == (i == 0 ? PROBE_SEQ_NEW : PROBE_SEQ_REORDER)); /* backwards */
	}
	probe_seqtrack_totals(&T, sent, &t);
	CU_ASSERT_EQUAL(t.received, 200);
	CU_ASSERT_EQUAL(t.lost, 100); /* flow 2: all of it */
	CU_ASSERT_EQUAL(t.reorder, 99);
	CU_ASSERT_EQUAL(t.flows_with_loss, 1);
	probe_seqtrack_free(&T);
	CU_ASSERT(probe_seqtrack_init(&T, 0) == -EINVAL);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"in_order", test_in_order},
		{"gaps_are_loss", test_gaps_are_loss},
		{"reorder_is_not_loss", test_reorder_is_not_loss},
		{"duplicates_in_window", test_duplicates_in_window},
		{"window_slides", test_window_slides},
		{"widen", test_widen},
		{"wrap", test_wrap},
		{"far_jumps", test_far_jumps},
		{"warmup_excluded", test_warmup_excluded},
		{"flows_are_independent", test_flows_are_independent},
	};
	int rc = HP_CUNIT_RUN("probe_seqtrack", tests);

	probe_seqtrack_free(&T);
	return rc;
}
