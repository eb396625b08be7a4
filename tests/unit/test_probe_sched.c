/* Unit tests of hp-probe's scheduler: exact constant rate without drift, Poisson mean/shape/reproducibility, skipping. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "schedule.h"

#define HZ 2500000000ull /* a 2.5 GHz TSC */

/* Packet i of a constant schedule, from scratch in 128-bit arithmetic. */
static uint64_t
exact(uint64_t t0, uint64_t i, uint64_t hz, uint64_t rate_milli)
{
	return t0 + (uint64_t)((unsigned __int128)i * hz * 1000u / rate_milli);
}

static void
const_exact(double rate)
{
	struct probe_sched s;
	const uint64_t t0 = 123456789, n = 1000000;
	uint64_t rate_milli = (uint64_t)llround(rate * 1000), bad = 0, last = 0;

	CU_ASSERT_FATAL(probe_sched_init(&s, PROBE_DIST_CONST, rate, HZ, t0, 1) == 0);
	for (uint64_t i = 0; i < n; i++) {
		last = probe_sched_pop(&s);
		bad += last != exact(t0, i, HZ, rate_milli);
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* mean rate over 1e6 packets: n - 1 gaps in (last - t0) cycles */
	double got = (double)(n - 1) * HZ / (double)(last - t0);
	CU_ASSERT(fabs(got - rate) / rate < 1e-3);
	CU_ASSERT(fabs(got - rate) / rate < 1e-6); /* in fact far tighter */
}

static void
test_const_integer_period(void)
{
	const_exact(1e6); /* 2500 cycles */
}

static void
test_const_fractional_period(void)
{
	const_exact(3e6);   /* 833.33 cycles */
	const_exact(1.5e6); /* 1666.67 */
	const_exact(7777.777);
}

/* A trillion packets in, packet i is still due at exactly t0 + floor(i * hz / rate). */
static void
test_const_no_drift(void)
{
	struct probe_sched s;
	const uint64_t t0 = 1000, far = 1000000000000ull;
	uint64_t bad = 0;

	CU_ASSERT_FATAL(probe_sched_init(&s, PROBE_DIST_CONST, 3e6, HZ, t0, 1) == 0);
	probe_sched_seek(&s, far);
	for (uint64_t i = far; i < far + 100000; i++)
		bad += probe_sched_pop(&s) != exact(t0, i, HZ, 3000000000ull);
	CU_ASSERT_EQUAL(bad, 0);
	/* and seeking back to 0 gives t0 */
	probe_sched_seek(&s, 0);
	CU_ASSERT_EQUAL(probe_sched_peek(&s), t0);
}

static void
test_init_rejects(void)
{
	struct probe_sched s;

	CU_ASSERT(probe_sched_init(&s, PROBE_DIST_CONST, 0, HZ, 0, 1) == -EINVAL);
	CU_ASSERT(probe_sched_init(&s, PROBE_DIST_CONST, -5, HZ, 0, 1) == -EINVAL);
	CU_ASSERT(probe_sched_init(&s, PROBE_DIST_CONST, NAN, HZ, 0, 1) == -EINVAL);
	CU_ASSERT(probe_sched_init(&s, PROBE_DIST_CONST, 2e10, HZ, 0, 1) == -EINVAL);
	CU_ASSERT(probe_sched_init(&s, PROBE_DIST_CONST, 0.0001, HZ, 0, 1) == -EINVAL);
	CU_ASSERT(probe_sched_init(&s, PROBE_DIST_CONST, 1e6, 0, 0, 1) == -EINVAL);
	CU_ASSERT(probe_sched_init(&s, (enum probe_dist)7, 1e6, HZ, 0, 1) == -EINVAL);
	CU_ASSERT(probe_sched_init(&s, PROBE_DIST_POISSON, 0.001, HZ, 0, 1) == 0);
	CU_ASSERT(probe_sched_init(&s, PROBE_DIST_CONST, 1e10, HZ, 0, 1) == 0);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#define NPOIS 1000000

static void
test_poisson_mean_and_shape(void)
{
	static double gaps[NPOIS];
	struct probe_sched s;
	const double rate = 1e6, mean = (double)HZ / rate;
	const uint64_t t0 = 5000;
	uint64_t prev = t0, t = 0;
	double sum = 0, sum2 = 0, d = 0;

	CU_ASSERT_FATAL(probe_sched_init(&s, PROBE_DIST_POISSON, rate, HZ, t0, 42) == 0);
	for (int i = 0; i < NPOIS; i++) {
		t = probe_sched_pop(&s);
		CU_ASSERT_FATAL(t >= prev); /* never goes back */
		gaps[i] = (double)(t - prev);
		sum += gaps[i];
		sum2 += gaps[i] * gaps[i];
		prev = t;
	}
	/* mean rate within 1 % (the standard error is 0.1 % here) */
	double got_rate = (double)NPOIS * HZ / (double)(t - t0);
	CU_ASSERT(fabs(got_rate - rate) / rate < 0.01);
	/* exponential: coefficient of variation 1 */
	double m = sum / NPOIS, sd = sqrt(sum2 / NPOIS - m * m);
	CU_ASSERT(fabs(sd / m - 1.0) < 0.01);
	/* Kolmogorov-Smirnov against 1 - exp(-x / mean): D below the 1 % critical value 1.63 / sqrt(n) */
	qsort(gaps, NPOIS, sizeof(gaps[0]), cmp_double);
	for (int i = 0; i < NPOIS; i++) {
		/* gaps are whole cycles: compare at the middle of the cycle */
		double f = 1.0 - exp(-(gaps[i] + 0.5) / mean);
		double lo = fabs(f - (double)i / NPOIS), hi = fabs((double)(i + 1) / NPOIS - f);
		if (lo > d)
			d = lo;
		if (hi > d)
			d = hi;
	}
	CU_ASSERT(d < 1.63 / sqrt((double)NPOIS));
	/* and bucketed: the share of gaps below k/2 means matches the CDF to 0.5 % */
	for (int k = 1; k <= 8; k++) {
		double x = mean * k / 2, below = 0;
		for (int i = 0; i < NPOIS && gaps[i] < x; i++)
			below++;
		CU_ASSERT(fabs(below / NPOIS - (1.0 - exp(-x / mean))) < 0.005);
	}
}

static void
test_poisson_reproducible(void)
{
	struct probe_sched a, b, c;
	int same = 1, differ = 0;

	CU_ASSERT_FATAL(probe_sched_init(&a, PROBE_DIST_POISSON, 250000, HZ, 77, 9) == 0);
	CU_ASSERT_FATAL(probe_sched_init(&b, PROBE_DIST_POISSON, 250000, HZ, 77, 9) == 0);
	CU_ASSERT_FATAL(probe_sched_init(&c, PROBE_DIST_POISSON, 250000, HZ, 77, 10) == 0);
	for (int i = 0; i < 100000; i++) {
		uint64_t x = probe_sched_pop(&a), y = probe_sched_pop(&b), z = probe_sched_pop(&c);
		same &= x == y;
		differ |= x != z;
	}
	CU_ASSERT(same);
	CU_ASSERT(differ);
}

static void
test_uniform_range(void)
{
	struct probe_sched s;
	double lo = 1, hi = 0, sum = 0;

	CU_ASSERT_FATAL(probe_sched_init(&s, PROBE_DIST_POISSON, 1000, HZ, 0, 0) == 0);
	for (int i = 0; i < 1000000; i++) {
		double u = probe_sched_uniform(&s);
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
		sum += u;
	}
	CU_ASSERT(lo > 0 && hi <= 1.0);
	CU_ASSERT(fabs(sum / 1e6 - 0.5) < 0.002);
}

/* Skipping to a time drops exactly the packets popping would have, and the schedule goes on from there. */
static void
const_skip(double rate, uint64_t popped_first, uint64_t span)
{
	struct probe_sched a, b;
	const uint64_t t0 = 123456789;
	uint64_t until, popped = 0, skipped;
	int bad = 0;

	CU_ASSERT_FATAL(probe_sched_init(&a, PROBE_DIST_CONST, rate, HZ, t0, 1) == 0);
	CU_ASSERT_FATAL(probe_sched_init(&b, PROBE_DIST_CONST, rate, HZ, t0, 1) == 0);
	for (uint64_t i = 0; i < popped_first; i++) {
		probe_sched_pop(&a);
		probe_sched_pop(&b);
	}
	until = probe_sched_peek(&a) + span;
	while (probe_sched_peek(&b) < until) {
		probe_sched_pop(&b);
		popped++;
	}
	skipped = probe_sched_skip(&a, until);
	CU_ASSERT_EQUAL(skipped, popped);
	CU_ASSERT_EQUAL(a.n, b.n);
	CU_ASSERT(probe_sched_peek(&a) >= until);
	for (int i = 0; i < 100000; i++)
		bad += probe_sched_pop(&a) != probe_sched_pop(&b);
	CU_ASSERT_EQUAL(bad, 0);
}

static void
test_const_skip(void)
{
	struct probe_sched s;
	uint64_t due;

	const_skip(3e6, 0, HZ / 10); /* fractional period, from the start */
	const_skip(3e6, 777, HZ / 10 + 1);
	const_skip(1e6, 5, 2500); /* integer period: until exactly on a due time */
	const_skip(1e6, 5, 2501);
	const_skip(200e6, 3, HZ / 100); /* the rate no lcore keeps: 2 million at once */
	const_skip(7.25, 2, 3 * HZ);
	const_skip(1e6, 9, 1); /* only the next one */
	/* nothing due before: nothing skipped, nothing moved */
	CU_ASSERT_FATAL(probe_sched_init(&s, PROBE_DIST_CONST, 1e6, HZ, 1000, 1) == 0);
	due = probe_sched_peek(&s);
	CU_ASSERT_EQUAL(probe_sched_skip(&s, due), 0);
	CU_ASSERT_EQUAL(probe_sched_skip(&s, 0), 0);
	CU_ASSERT_EQUAL(probe_sched_peek(&s), due);
	CU_ASSERT_EQUAL(s.n, 0);
}

/* Poisson: the expected count (within 5 sigma of what popping draws), then on from the time skipped to. */
static void
test_poisson_skip(void)
{
	struct probe_sched a, b;
	uint64_t until, popped = 0, skipped, n0;

	CU_ASSERT_FATAL(probe_sched_init(&a, PROBE_DIST_POISSON, 1e6, HZ, 50, 3) == 0);
	CU_ASSERT_FATAL(probe_sched_init(&b, PROBE_DIST_POISSON, 1e6, HZ, 50, 3) == 0);
	for (int i = 0; i < 1000; i++) {
		probe_sched_pop(&a);
		probe_sched_pop(&b);
	}
	n0 = a.n;
	until = probe_sched_peek(&a) + HZ / 10; /* 100000 expected after the next one */
	while (probe_sched_peek(&b) < until) {
		probe_sched_pop(&b);
		popped++;
	}
	skipped = probe_sched_skip(&a, until);
	CU_ASSERT(skipped >= 100000 - 5 * 317 && skipped <= 100001 + 5 * 317);
	CU_ASSERT(popped >= 100000 - 5 * 317 && popped <= 100001 + 5 * 317);
	CU_ASSERT_EQUAL(a.n, n0 + skipped);
	CU_ASSERT(probe_sched_peek(&a) >= until);
	CU_ASSERT(probe_sched_peek(&a) < until + HZ / 1000); /* a gap of 1 us mean, not 1 ms */
	CU_ASSERT_EQUAL(probe_sched_skip(&a, until), 0);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"const_integer_period", test_const_integer_period},
		{"const_fractional_period", test_const_fractional_period},
		{"const_no_drift", test_const_no_drift},
		{"init_rejects", test_init_rejects},
		{"poisson_mean_and_shape", test_poisson_mean_and_shape},
		{"poisson_reproducible", test_poisson_reproducible},
		{"uniform_range", test_uniform_range},
		{"const_skip", test_const_skip},
		{"poisson_skip", test_poisson_skip},
	};

	return HP_CUNIT_RUN("probe_sched", tests);
}
