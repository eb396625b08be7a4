/* Unit tests of hp_hist: bucket mapping, percentiles against exact ones, merge, record_n, saturation, empty. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "../rng.h"
#include "histogram.h"

#define NSAMPLES 200000


/* Uniform in [0, 1). */
static double
rng_unit(void)
{
	return (double)(rng_next() >> 11) * 0x1.0p-53;
}

/* Uniform integer in [lo, hi]. */
static uint64_t
rng_range(uint64_t lo, uint64_t hi)
{
	return lo + rng_next() % (hi - lo + 1);
}

/* Standard normal (Box-Muller). */
static double
rng_normal(void)
{
	double u1 = 1.0 - rng_unit(); /* (0, 1] */
	double u2 = rng_unit();

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static uint64_t
to_ns(double x)
{
	if (x < 0.0)
		return 0;
	if (x >= 0x1.0p63)
		return (uint64_t)1 << 63;
	return (uint64_t)llround(x);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int
hist_equal(const struct hp_hist *a, const struct hp_hist *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* ---- 1. bucket mapping ---- */

static void
check_value(uint64_t v)
{
	unsigned idx = hp_hist_bucket(v);

	CU_ASSERT_FATAL(idx < HP_HIST_BUCKETS);
	if (v >= HP_HIST_MAX_NS) {
		CU_ASSERT_EQUAL(idx, HP_HIST_BUCKETS - 1);
		return;
	}
	uint64_t lo = hp_hist_bucket_lo(idx), hi = hp_hist_bucket_hi(idx);
	if (!(lo <= v && v < hi)) {
		fprintf(stderr, "\nvalue %llu -> bucket %u [%llu, %llu)\n", (unsigned long long)v, idx,
			(unsigned long long)lo, (unsigned long long)hi);
		CU_FAIL("value outside its bucket");
	}
}

static void
test_bucket_bounds(void)
{
	/* Every bucket: contiguous, bucket() maps both ends back, width bound. */
	CU_ASSERT_EQUAL(hp_hist_bucket_lo(0), 0);
	CU_ASSERT_EQUAL(hp_hist_bucket_hi(HP_HIST_BUCKETS - 1), HP_HIST_MAX_NS);
	for (unsigned i = 0; i < HP_HIST_BUCKETS; i++) {
		uint64_t lo = hp_hist_bucket_lo(i), hi = hp_hist_bucket_hi(i);

		CU_ASSERT_FATAL(lo < hi);
		CU_ASSERT_EQUAL(hp_hist_bucket(lo), i);
		CU_ASSERT_EQUAL(hp_hist_bucket(hi - 1), i);
		if (i + 1 < HP_HIST_BUCKETS)
			CU_ASSERT_EQUAL(hi, hp_hist_bucket_lo(i + 1));
		if (i < 128)
			CU_ASSERT_EQUAL(hi - lo, 1);
		if (hi - lo > 1) {
			/* Midpoint's error over any value in it, relative: <= 1/128. */
			uint64_t half = (hi - lo) / 2;
			uint64_t base = lo > 1 ? lo : 1;

			CU_ASSERT(half * 128 <= base);
			CU_ASSERT((double)half / (double)base <= 0.01);
		}
	}
}

static void
test_bucket_mapping(void)
{
	size_t cap = 1024 + 64 * 6 + 20000 + 8, n = 0;
	uint64_t *vals = malloc(cap * sizeof(*vals));

	CU_ASSERT_FATAL(vals != NULL);
	for (uint64_t v = 0; v < 1024; v++)
		vals[n++] = v;
	for (unsigned e = 1; e < 64; e++) {
		uint64_t p = (uint64_t)1 << e;

		vals[n++] = p - 1;
		vals[n++] = p;
		vals[n++] = p + 1;
	}
	vals[n++] = UINT64_MAX;
	rng_seed(1);
	for (int i = 0; i < 20000; i++) {
		/* Log-spread: a random number of significant bits, 1..36. */
		unsigned bits = 1 + (unsigned)(rng_next() % HP_HIST_MAX_EXP);
		vals[n++] = rng_next() >> (64 - bits);
	}
	CU_ASSERT_FATAL(n <= cap);

	for (size_t i = 0; i < n; i++)
		check_value(vals[i]);

	qsort(vals, n, sizeof(*vals), cmp_u64);
	for (size_t i = 1; i < n; i++)
		if (hp_hist_bucket(vals[i]) < hp_hist_bucket(vals[i - 1])) {
			fprintf(stderr, "\nbucket(%llu) < bucket(%llu)\n", (unsigned long long)vals[i],
				(unsigned long long)vals[i - 1]);
			CU_FAIL("bucket index not monotonic");
		}
	free(vals);
}

static void
test_bucket_overflow(void)
{
	static struct hp_hist h;
	uint64_t big[] = {HP_HIST_MAX_NS, HP_HIST_MAX_NS + 1, (uint64_t)1 << 40, UINT64_MAX - 1};

	hp_hist_init(&h);
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		CU_ASSERT_EQUAL(hp_hist_bucket(big[i]), HP_HIST_BUCKETS - 1);
		hp_hist_record(&h, big[i]);
		CU_ASSERT_EQUAL(h.max_ns, big[i]);
	}
	CU_ASSERT_EQUAL(h.buckets[HP_HIST_BUCKETS - 1], 4);
	CU_ASSERT_EQUAL(h.count, 4);
	CU_ASSERT_EQUAL(h.min_ns, HP_HIST_MAX_NS);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 100.0), UINT64_MAX - 1);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 0.0), HP_HIST_MAX_NS);
	/* Midpoint of the last bucket is below min: clamped to it. */
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 50.0), HP_HIST_MAX_NS);
	CU_ASSERT_EQUAL(h.sum_ns, UINT64_MAX);
}

/* ---- 2. percentiles against exact nearest rank ---- */

enum dist {
	D_UNIFORM,
	D_EXP,
	D_LOGNORMAL,
	D_BIMODAL,
	D_CONST,
	D_TINY,
	D_NEAR60S,
	D_ZEROS,
	D_COUNT
};

static const char *const dist_name[D_COUNT] = {
	"uniform 1..1e6", "exponential 5us", "log-normal", "bimodal 0.1% @50ms",
	"constant",       "tiny 1..10",      "near 60 s",  "mostly zero",
};

static uint64_t
draw(enum dist d)
{
	switch (d) {
	case D_UNIFORM:
		return rng_range(1, 1000000);
	case D_EXP:
		return to_ns(-5000.0 * log(1.0 - rng_unit()));
	case D_LOGNORMAL: {
		/* Median 10 us, sigma 3: ~1 ns .. seconds. */
		uint64_t v = to_ns(exp(log(10000.0) + 3.0 * rng_normal()));
		return v < HP_HIST_MAX_NS ? v : HP_HIST_MAX_NS - 1;
	}
	case D_BIMODAL:
		if (rng_next() % 1000 == 0)
			return to_ns(50e6 + 1e6 * rng_normal());
		return to_ns(20000.0 + 2000.0 * rng_normal());
	case D_CONST:
		return 12345;
	case D_TINY:
		return rng_range(1, 10);
	case D_NEAR60S:
		return rng_range(59000000000ull, 61000000000ull);
	case D_ZEROS:
		return rng_next() % 100 < 99 ? 0 : rng_range(1, 300);
	default:
		return 0;
	}
}

/* q as hundredths of a percent, so the exact rank needs no floating point. */
static const struct {
	double q;
	uint64_t q100;
} quantiles[] = {
	{50.0, 5000}, {90.0, 9000}, {99.0, 9900}, {99.9, 9990}, {99.99, 9999}, {100.0, 10000},
};

/* What the histogram reports for a bucket, before clamping. */
static uint64_t
bucket_mid(unsigned idx)
{
	uint64_t lo = hp_hist_bucket_lo(idx), hi = hp_hist_bucket_hi(idx);

	return hi - lo > 1 ? lo + (hi - lo) / 2 : lo;
}

static uint64_t
exact_percentile(const uint64_t *sorted, uint64_t n, uint64_t q100)
{
	uint64_t rank = (q100 * n + 9999) / 10000;

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

static void
check_against_exact(const struct hp_hist *h, uint64_t *vals, uint64_t n, const char *name)
{
	struct hp_hist_summary s;
	uint64_t sum = 0;

	qsort(vals, n, sizeof(*vals), cmp_u64);
	for (uint64_t i = 0; i < n; i++)
		sum += vals[i];

	CU_ASSERT_EQUAL(h->count, n);
	CU_ASSERT_EQUAL(h->min_ns, vals[0]);
	CU_ASSERT_EQUAL(h->max_ns, vals[n - 1]);
	CU_ASSERT_EQUAL(h->sum_ns, sum);

	hp_hist_summarize(h, &s);
	double mean = (double)sum / (double)n;
	CU_ASSERT_EQUAL(s.count, n);
	CU_ASSERT_EQUAL(s.min_ns, vals[0]);
	CU_ASSERT_EQUAL(s.max_ns, vals[n - 1]);
	CU_ASSERT(fabs(s.mean_ns - mean) <= 1e-9 * fabs(mean));

	for (size_t i = 0; i < sizeof(quantiles) / sizeof(quantiles[0]); i++) {
		uint64_t want = exact_percentile(vals, n, quantiles[i].q100);
		uint64_t got = hp_hist_percentile(h, quantiles[i].q);
		double err = fabs((double)got - (double)want);
		int ok = want == 0 ? got == 0 : err <= 0.01 * (double)want;

		if (!ok)
			fprintf(stderr, "\n%s: p%g = %llu, exact %llu\n", name, quantiles[i].q,
				(unsigned long long)got, (unsigned long long)want);
		CU_ASSERT(ok);
		/* Tighter: within half a bucket, <= 1/128 of the value. */
		CU_ASSERT(err * 128.0 <= (double)want);
		if (quantiles[i].q100 == 10000) {
			CU_ASSERT_EQUAL(got, want);
		} else {
			/* Exactly the midpoint of want's bucket, clamped. */
			uint64_t mid = bucket_mid(hp_hist_bucket(want));

			if (mid < vals[0])
				mid = vals[0];
			if (mid > vals[n - 1])
				mid = vals[n - 1];
			CU_ASSERT_EQUAL(got, mid);
		}
	}

	/* The summary's percentiles are the same as asking directly. */
	CU_ASSERT_EQUAL(s.p50, hp_hist_percentile(h, 50.0));
	CU_ASSERT_EQUAL(s.p90, hp_hist_percentile(h, 90.0));
	CU_ASSERT_EQUAL(s.p99, hp_hist_percentile(h, 99.0));
	CU_ASSERT_EQUAL(s.p999, hp_hist_percentile(h, 99.9));
	CU_ASSERT_EQUAL(s.p9999, hp_hist_percentile(h, 99.99));
	CU_ASSERT_EQUAL(hp_hist_percentile(h, 0.0), vals[0]);
	CU_ASSERT_EQUAL(hp_hist_percentile(h, -1.0), vals[0]);
	CU_ASSERT_EQUAL(hp_hist_percentile(h, 150.0), vals[n - 1]);
}

static void
test_percentiles(void)
{
	static struct hp_hist h;
	uint64_t *vals = malloc(NSAMPLES * sizeof(*vals));

	CU_ASSERT_FATAL(vals != NULL);
	for (int d = 0; d < D_COUNT; d++) {
		rng_seed(0x1234567ull + (uint64_t)d);
		hp_hist_init(&h);
		for (uint64_t i = 0; i < NSAMPLES; i++) {
			vals[i] = draw((enum dist)d);
			hp_hist_record(&h, vals[i]);
		}
		check_against_exact(&h, vals, NSAMPLES, dist_name[d]);
	}
	free(vals);
}

/* Small counts: every rank of 1..7 samples, q in steps of 0.5. */
static void
test_percentiles_small(void)
{
	static struct hp_hist h;
	uint64_t vals[7];

	for (uint64_t n = 1; n <= 7; n++) {
		hp_hist_init(&h);
		for (uint64_t i = 0; i < n; i++) {
			vals[i] = 1000 * (i + 1) + 7 * i; /* in distinct buckets */
			hp_hist_record(&h, vals[i]);
		}
		for (uint64_t q2 = 1; q2 <= 200; q2++) {
			uint64_t want = exact_percentile(vals, n, q2 * 50);
			uint64_t got = hp_hist_percentile(&h, (double)q2 / 2.0);

			CU_ASSERT(fabs((double)got - (double)want) <= 0.01 * (double)want);
		}
	}
}

/* q <= 0 (and NaN) give min, q >= 100 max, exactly, even mid-bucket. */
static void
test_percentile_edges(void)
{
	static struct hp_hist h;

	hp_hist_init(&h);
	hp_hist_record(&h, 1001); /* bucket [1000, 1008), midpoint 1004 */
	hp_hist_record(&h, 5003); /* bucket [4992, 5056), midpoint 5024 */
	hp_hist_record(&h, 6000); /* bucket [5952, 6016), midpoint 5984 */
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 0.0), 1001);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, -3.0), 1001);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, NAN), 1001);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 1e-9), 1004);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 33.3), 1004);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 34.0), 5024);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 66.6), 5024);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 66.7), 5984);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 99.999), 5984);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 100.0), 6000);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 1000.0), 6000);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, INFINITY), 6000);
}

/*
 * The rank itself, for every count up to 400000 (q = 99.9 lands a few ulps
 * off an integer at some of them, e.g. 41000): want - 1 samples of 5, one
 * of 10, the rest 20; the answer is 10, rank - 1 or rank + 1 gives 5 or 20.
 */
static void
test_percentile_rank(void)
{
	static struct hp_hist h;
	unsigned bad = 0;

	hp_hist_init(&h);
	for (size_t i = 0; i < sizeof(quantiles) / sizeof(quantiles[0]) - 1; i++)
		for (uint64_t n = 1; n <= 400000; n++) {
			uint64_t want = (quantiles[i].q100 * n + 9999) / 10000;

			if (want < 1)
				want = 1;
			h.count = n;
			h.buckets[5] = want - 1;
			h.buckets[10] = 1;
			h.buckets[20] = n - want;
			h.min_ns = want > 1 ? 5 : 10;
			h.max_ns = n > want ? 20 : 10;
			if (hp_hist_percentile(&h, quantiles[i].q) != 10 && bad++ < 5)
				fprintf(stderr, "\np%g of %llu: rank wrong\n", quantiles[i].q,
					(unsigned long long)n);
		}
	CU_ASSERT_EQUAL(bad, 0);
}

/* ---- 3. merge ---- */

static void
test_merge(void)
{
	static struct hp_hist all, part[3], merged, empty, copy;

	hp_hist_init(&all);
	hp_hist_init(&merged);
	hp_hist_init(&empty);
	for (int i = 0; i < 3; i++)
		hp_hist_init(&part[i]);

	rng_seed(42);
	for (int i = 0; i < NSAMPLES; i++) {
		uint64_t v = draw(D_LOGNORMAL);

		hp_hist_record(&all, v);
		hp_hist_record(&part[rng_next() % 3], v);
	}
	/* Something in every bucket, the last one included. */
	for (unsigned i = 0; i < HP_HIST_BUCKETS; i++) {
		uint64_t v = hp_hist_bucket_lo(i) +
			     rng_next() % (hp_hist_bucket_hi(i) - hp_hist_bucket_lo(i));

		hp_hist_record(&all, v);
		hp_hist_record(&part[rng_next() % 3], v);
	}
	hp_hist_record(&all, HP_HIST_MAX_NS + 5);
	hp_hist_record(&part[0], HP_HIST_MAX_NS + 5);
	for (int i = 0; i < 3; i++)
		hp_hist_merge(&merged, &part[i]);

	CU_ASSERT_EQUAL(merged.count, all.count);
	CU_ASSERT_EQUAL(merged.sum_ns, all.sum_ns);
	CU_ASSERT_EQUAL(merged.min_ns, all.min_ns);
	CU_ASSERT_EQUAL(merged.max_ns, all.max_ns);
	unsigned bad = 0;
	for (unsigned i = 0; i < HP_HIST_BUCKETS; i++)
		bad += merged.buckets[i] != all.buckets[i];
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(hist_equal(&merged, &all));

	/* Merging an empty histogram changes nothing. */
	copy = all;
	hp_hist_merge(&copy, &empty);
	CU_ASSERT(hist_equal(&copy, &all));

	/* Merging into an empty one gives the source. */
	hp_hist_merge(&empty, &all);
	CU_ASSERT(hist_equal(&empty, &all));

	/* Two empties stay empty (min stays UINT64_MAX). */
	static struct hp_hist e1, e2;
	hp_hist_init(&e1);
	hp_hist_init(&e2);
	hp_hist_merge(&e1, &e2);
	CU_ASSERT_EQUAL(e1.min_ns, UINT64_MAX);
	CU_ASSERT_EQUAL(e1.max_ns, 0);
	CU_ASSERT_EQUAL(e1.count, 0);

	/* Merge saturates the sum. */
	hp_hist_init(&e1);
	hp_hist_init(&e2);
	hp_hist_record(&e1, UINT64_MAX / 2 + 10);
	hp_hist_record(&e2, UINT64_MAX / 2 + 10);
	hp_hist_merge(&e1, &e2);
	CU_ASSERT_EQUAL(e1.sum_ns, UINT64_MAX);
	CU_ASSERT_EQUAL(e1.count, 2);
}

/* ---- 4. record_n and saturation ---- */

static void
test_record_n(void)
{
	static struct hp_hist a, b;
	const uint64_t values[] = {0, 1, 127, 128, 129, 1000, 123456789, HP_HIST_MAX_NS - 1, HP_HIST_MAX_NS};
	const uint64_t ns[] = {0, 1, 2, 3, 17, 1000};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		for (size_t j = 0; j < sizeof(ns) / sizeof(ns[0]); j++) {
			hp_hist_init(&a);
			hp_hist_init(&b);
			/* Some earlier samples, so min/max are not trivially set. */
			hp_hist_record(&a, 500);
			hp_hist_record(&b, 500);
			hp_hist_record_n(&a, values[i], ns[j]);
			for (uint64_t k = 0; k < ns[j]; k++)
				hp_hist_record(&b, values[i]);
			CU_ASSERT(hist_equal(&a, &b));
		}

	/* n = 0 on an empty histogram leaves it empty. */
	hp_hist_init(&a);
	hp_hist_init(&b);
	hp_hist_record_n(&a, 77, 0);
	CU_ASSERT(hist_equal(&a, &b));

	/* value * n overflows: saturates like n separate records. */
	hp_hist_init(&a);
	hp_hist_init(&b);
	hp_hist_record_n(&a, UINT64_MAX / 2, 3);
	for (int k = 0; k < 3; k++)
		hp_hist_record(&b, UINT64_MAX / 2);
	CU_ASSERT(hist_equal(&a, &b));
	CU_ASSERT_EQUAL(a.sum_ns, UINT64_MAX);
}

static void
test_sum_saturation(void)
{
	static struct hp_hist h;

	hp_hist_init(&h);
	hp_hist_record(&h, UINT64_MAX / 2);
	hp_hist_record(&h, UINT64_MAX / 2);
	CU_ASSERT_EQUAL(h.sum_ns, UINT64_MAX - 1);
	hp_hist_record(&h, UINT64_MAX / 2);
	CU_ASSERT_EQUAL(h.sum_ns, UINT64_MAX);
	hp_hist_record(&h, 5);
	CU_ASSERT_EQUAL(h.sum_ns, UINT64_MAX);
	hp_hist_record(&h, 0);
	CU_ASSERT_EQUAL(h.sum_ns, UINT64_MAX);
	CU_ASSERT_EQUAL(h.count, 5);
	CU_ASSERT_EQUAL(h.min_ns, 0);
	CU_ASSERT_EQUAL(h.max_ns, UINT64_MAX / 2);
}

/* ---- 5. empty ---- */

static void
test_empty(void)
{
	static struct hp_hist h;
	struct hp_hist_summary s;

	memset(&h, 0xa5, sizeof(h));
	hp_hist_init(&h);
	CU_ASSERT_EQUAL(h.count, 0);
	CU_ASSERT_EQUAL(h.sum_ns, 0);
	CU_ASSERT_EQUAL(h.min_ns, UINT64_MAX);
	CU_ASSERT_EQUAL(h.max_ns, 0);
	unsigned nonzero = 0;
	for (unsigned i = 0; i < HP_HIST_BUCKETS; i++)
		nonzero += h.buckets[i] != 0;
	CU_ASSERT_EQUAL(nonzero, 0);

	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 0.0), 0);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 50.0), 0);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 99.99), 0);
	CU_ASSERT_EQUAL(hp_hist_percentile(&h, 100.0), 0);

	memset(&s, 0xa5, sizeof(s));
	hp_hist_summarize(&h, &s);
	CU_ASSERT_EQUAL(s.count, 0);
	CU_ASSERT_EQUAL(s.min_ns, 0);
	CU_ASSERT_EQUAL(s.max_ns, 0);
	CU_ASSERT_EQUAL(s.p50, 0);
	CU_ASSERT_EQUAL(s.p9999, 0);
	CU_ASSERT(s.mean_ns == 0.0);

	/* reset returns a used histogram to this state. */
	static struct hp_hist fresh;
	hp_hist_init(&fresh);
	hp_hist_record(&h, 1234);
	hp_hist_reset(&h);
	CU_ASSERT(hist_equal(&h, &fresh));
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"bucket bounds", test_bucket_bounds},
		{"bucket mapping", test_bucket_mapping},
		{"values past the range", test_bucket_overflow},
		{"percentiles vs exact", test_percentiles},
		{"percentiles, small counts", test_percentiles_small},
		{"percentile rank", test_percentile_rank},
		{"percentile edges", test_percentile_edges},
		{"merge is union", test_merge},
		{"record_n = n records", test_record_n},
		{"sum saturates", test_sum_saturation},
		{"empty histogram", test_empty},
	};

	return HP_CUNIT_RUN("histogram", tests);
}
