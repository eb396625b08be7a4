/* Unit test of what hp-probe relies on in hp_hist: per-lcore histograms merged equal one histogram of all samples. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "../rng.h"
#include "histogram.h"

#define LCORES 4

static struct hp_hist per[LCORES], merged, all;

/* A latency-like sample: mostly microseconds, a tail up to seconds, some zeros and exact bucket edges. */
static uint64_t
sample(void)
{
	uint64_t r = rng_next();

	switch (r % 8) {
	case 0:
		return 0;
	case 1:
		return (r >> 8) % 128; /* the linear region */
	case 2:
		return hp_hist_bucket_lo((unsigned)((r >> 8) % HP_HIST_BUCKETS));
	case 3:
		return (uint64_t)1 << ((r >> 8) % 40); /* powers of two, past the top too */
	case 4:
		return 1000 + (r >> 8) % 100000; /* 1..100 us */
	default:
		return (uint64_t)exp((double)((r >> 8) % 2000) / 100.0); /* up to e^20 ns */
	}
}

static void
check_equal(void)
{
	struct hp_hist_summary a, b;

	hp_hist_summarize(&merged, &a);
	hp_hist_summarize(&all, &b);
	CU_ASSERT_EQUAL(a.count, b.count);
	CU_ASSERT_EQUAL(a.min_ns, b.min_ns);
	CU_ASSERT_EQUAL(a.max_ns, b.max_ns);
	CU_ASSERT_EQUAL(a.mean_ns, b.mean_ns);
	CU_ASSERT_EQUAL(a.p50, b.p50);
	CU_ASSERT_EQUAL(a.p90, b.p90);
	CU_ASSERT_EQUAL(a.p99, b.p99);
	CU_ASSERT_EQUAL(a.p999, b.p999);
	CU_ASSERT_EQUAL(a.p9999, b.p9999);
	CU_ASSERT(memcmp(&merged, &all, sizeof(all)) == 0);
	for (int q = 0; q <= 1000; q++)
		CU_ASSERT_FATAL(hp_hist_percentile(&merged, q / 10.0) == hp_hist_percentile(&all, q / 10.0));
}

static void
test_merge_equals_one_histogram(void)
{
	rng_seed(2024);
	for (int i = 0; i < LCORES; i++)
		hp_hist_init(&per[i]);
	hp_hist_init(&all);
	for (int i = 0; i < 400000; i++) {
		uint64_t v = sample();
		/* lcores see different shares and different kinds of traffic */
		int lc = (int)(rng_next() % 7) % LCORES;
		hp_hist_record(&per[lc], v);
		hp_hist_record(&all, v);
	}
	hp_hist_init(&merged);
	for (int i = 0; i < LCORES; i++)
		hp_hist_merge(&merged, &per[i]);
	check_equal();
	/* merge order does not matter */
	hp_hist_init(&merged);
	for (int i = LCORES - 1; i >= 0; i--)
		hp_hist_merge(&merged, &per[i]);
	check_equal();
}

/* An lcore that saw nothing (the TX lcore, an idle RX queue) changes nothing. */
static void
test_merge_with_empty(void)
{
	struct hp_hist empty;

	rng_seed(7);
	hp_hist_init(&empty);
	hp_hist_init(&all);
	for (int i = 0; i < 1000; i++)
		hp_hist_record(&all, sample());
	memcpy(&merged, &all, sizeof(all));
	hp_hist_merge(&merged, &empty);
	check_equal();
	hp_hist_init(&merged);
	hp_hist_merge(&merged, &empty);
	CU_ASSERT_EQUAL(merged.count, 0);
	CU_ASSERT_EQUAL(merged.min_ns, UINT64_MAX);
	CU_ASSERT_EQUAL(hp_hist_percentile(&merged, 99), 0);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"merge_equals_one_histogram", test_merge_equals_one_histogram},
		{"merge_with_empty", test_merge_with_empty},
	};

	return HP_CUNIT_RUN("probe_hist", tests);
}
