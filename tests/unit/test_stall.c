/* Unit tests of hp_stall (lib/stall.h): the threshold, the per-packet allowance, the exact over_* counts, reset by baseline, torn reads. */
#include <stdint.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "stall.h"

#define GHZ 1000000000ull /* a 1 GHz TSC: a cycle is a nanosecond */

static struct hp_stall s, base;
static struct hp_stall_conf c;

static void
fresh(uint64_t hz, uint64_t thresh_ns)
{
	hp_stall_conf_init(&c, hz, thresh_ns);
	hp_stall_init(&s);
}

static struct hp_stall_view
view(const struct hp_stall *b)
{
	struct hp_stall_view v;

	hp_stall_read(&s, b, c.thresh_ns, &v);
	return v;
}

static void
test_conf(void)
{
	hp_stall_conf_init(&c, GHZ, 5000);
	CU_ASSERT_EQUAL(c.thresh_cycles, 5000);
	CU_ASSERT_EQUAL(c.thresh_ns, 5000);
	CU_ASSERT_EQUAL(c.pkt_cycles, HP_STALL_PKT_NS);
	hp_stall_conf_init(&c, 2500000000ull, 5000);
	CU_ASSERT_EQUAL(c.thresh_cycles, 12500);
	CU_ASSERT_EQUAL(c.pkt_cycles, HP_STALL_PKT_NS * 5 / 2);
	/* 12500 cycles at 2.5 GHz are 5000 ns, to the nanosecond */
	uint64_t ns = (uint64_t)(((unsigned __int128)12500 * c.ns_mult) >> 32);
	CU_ASSERT(ns == 4999 || ns == 5000); /* 32.32 fixed point truncates */
	/* out of range: clamped to 1 us .. 1 s */
	hp_stall_conf_init(&c, GHZ, 0);
	CU_ASSERT_EQUAL(c.thresh_ns, HP_STALL_MIN_NS);
	hp_stall_conf_init(&c, GHZ, 5000000000ull);
	CU_ASSERT_EQUAL(c.thresh_ns, HP_STALL_MAX_NS);
	CU_ASSERT_EQUAL(c.thresh_cycles, HP_STALL_MAX_NS);
}

static void
test_threshold(void)
{
	struct hp_stall_view v;

	fresh(GHZ, 5000);
	hp_stall_check(&s, &c, 100, 0);
	hp_stall_check(&s, &c, 5000, 0); /* at the threshold: not above it */
	v = view(NULL);
	CU_ASSERT_EQUAL(v.count, 0);
	CU_ASSERT_EQUAL(v.max_ns, 0);
	hp_stall_check(&s, &c, 5001, 0);
	v = view(NULL);
	CU_ASSERT_EQUAL(v.count, 1);
	CU_ASSERT_EQUAL(v.max_ns, 5001);
	CU_ASSERT_EQUAL(v.total_ns, 5001);
	CU_ASSERT_EQUAL(v.threshold_ns, 5000);
	CU_ASSERT_EQUAL(v.over_10us, 0);
	CU_ASSERT_EQUAL(v.busy, 0);
}

static void
test_over_counts(void)
{
	static const uint64_t gaps[] = {10000, 10001, 100000, 100001, 1000000, 1000001, 50000000};
	struct hp_stall_view v;
	uint64_t sum = 0;

	fresh(GHZ, 5000);
	for (size_t i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
		hp_stall_check(&s, &c, gaps[i], 0);
		sum += gaps[i];
	}
	v = view(NULL);
	CU_ASSERT_EQUAL(v.count, 7);
	CU_ASSERT_EQUAL(v.over_10us, 6);  /* strictly over: 10000 is not */
	CU_ASSERT_EQUAL(v.over_100us, 4); /* 100001, 1000000, 1000001, 50 ms */
	CU_ASSERT_EQUAL(v.over_1ms, 2);   /* 1000001, 50 ms */
	CU_ASSERT_EQUAL(v.max_ns, 50000000);
	CU_ASSERT_EQUAL(v.total_ns, sum);
	CU_ASSERT_EQUAL(s.hist.count, v.count);
}

/* A busy iteration's gap is allowed HP_STALL_PKT_NS a packet; only the rest is a stall. */
static void
test_busy_allowance(void)
{
	uint64_t allow = 32 * HP_STALL_PKT_NS;
	struct hp_stall_view v;

	fresh(GHZ, 5000);
	hp_stall_check(&s, &c, allow, 32);        /* all work */
	hp_stall_check(&s, &c, allow + 5000, 32); /* the rest at the threshold */
	v = view(NULL);
	CU_ASSERT_EQUAL(v.count, 0);
	hp_stall_check(&s, &c, allow + 5001, 32);
	hp_stall_check(&s, &c, allow + 200000, 32);
	hp_stall_check(&s, &c, 7000, 0); /* an idle one: all of it */
	v = view(NULL);
	CU_ASSERT_EQUAL(v.count, 3);
	CU_ASSERT_EQUAL(v.busy, 2);
	CU_ASSERT_EQUAL(v.max_ns, 200000); /* what work does not explain */
	CU_ASSERT_EQUAL(v.total_ns, 5001 + 200000 + 7000);
	CU_ASSERT_EQUAL(v.over_100us, 1);
}

/* latency.reset keeps a copy; a read against it is what happened since. */
static void
test_baseline(void)
{
	struct hp_stall_view v;

	fresh(GHZ, 5000);
	hp_stall_check(&s, &c, 2000000, 0);
	hp_stall_check(&s, &c, 20000, 0);
	base = s;
	v = view(&base);
	CU_ASSERT_EQUAL(v.count, 0);
	CU_ASSERT_EQUAL(v.max_ns, 0);
	CU_ASSERT_EQUAL(v.over_10us, 0);
	hp_stall_check(&s, &c, 6000, 0);
	hp_stall_check(&s, &c, 150000, 0);
	v = view(&base);
	CU_ASSERT_EQUAL(v.count, 2);
	CU_ASSERT_EQUAL(v.over_10us, 1);
	CU_ASSERT_EQUAL(v.over_100us, 1);
	CU_ASSERT_EQUAL(v.over_1ms, 0);
	CU_ASSERT_EQUAL(v.total_ns, 156000);
	/* the longest since: 150 us to the bucket (<= 0.8 %), not the 2 ms before the reset */
	CU_ASSERT(v.max_ns >= 150000 && v.max_ns <= 150000 + 150000 / 64);
	v = view(NULL);
	CU_ASSERT_EQUAL(v.max_ns, 2000000);
	CU_ASSERT_EQUAL(v.count, 4);
	/* a bucket's top past what the exact counts allow is cut to them: 9990 ns sits in [9984, 10112) */
	base = s;
	hp_stall_check(&s, &c, 9990, 0);
	v = view(&base);
	CU_ASSERT_EQUAL(v.count, 1);
	CU_ASSERT_EQUAL(v.over_10us, 0);
	CU_ASSERT_EQUAL(v.max_ns, 9990);
	CU_ASSERT(v.total_ns >= v.max_ns);
}

/* A reader may see the over_* counters ahead of count: the view stays ordered. */
static void
test_torn_read(void)
{
	struct hp_stall_view v;

	fresh(GHZ, 5000);
	hp_stall_check(&s, &c, 20000, 0);
	s.over_10us = 3; /* as if read mid-record */
	s.over_100us = 2;
	s.over_1ms = 2;
	s.busy = 5;
	v = view(NULL);
	CU_ASSERT_EQUAL(v.count, 1);
	CU_ASSERT(v.count >= v.over_10us && v.over_10us >= v.over_100us && v.over_100us >= v.over_1ms);
	CU_ASSERT(v.busy <= v.count);
	/* a baseline ahead of the counters (torn when copied) gives 0, never a wrap */
	base = s;
	base.hist.count = 9;
	v = view(&base);
	CU_ASSERT_EQUAL(v.count, 0);
	CU_ASSERT_EQUAL(v.over_10us, 0);
}

static void
test_merge(void)
{
	struct hp_stall a, b;
	struct hp_stall_view v;

	hp_stall_conf_init(&c, GHZ, 5000);
	hp_stall_init(&a);
	hp_stall_init(&b);
	hp_stall_check(&a, &c, 12000, 0);
	hp_stall_check(&b, &c, 1200000, 1);
	hp_stall_merge(&a, &b);
	hp_stall_read(&a, NULL, c.thresh_ns, &v);
	CU_ASSERT_EQUAL(v.count, 2);
	CU_ASSERT_EQUAL(v.over_10us, 2);
	CU_ASSERT_EQUAL(v.over_1ms, 1);
	CU_ASSERT_EQUAL(v.busy, 1);
	CU_ASSERT_EQUAL(v.max_ns, 1200000 - HP_STALL_PKT_NS);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"conf: cycles and bounds", test_conf},
		{"above the threshold only", test_threshold},
		{"exact counts over 10 us, 100 us, 1 ms", test_over_counts},
		{"busy iterations: per-packet allowance", test_busy_allowance},
		{"read against a baseline (reset)", test_baseline},
		{"torn reads stay ordered", test_torn_read},
		{"merge", test_merge},
	};

	return HP_CUNIT_RUN("stall", tests);
}
