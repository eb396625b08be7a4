/* hp_hist: bucket bounds, merge, nearest-rank percentiles and summaries of the log-linear latency histogram. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "histogram.h"

/* Buckets below this index are the linear region, one value each. */
#define HP_HIST_LINEAR (2u * HP_HIST_SUB)

void
hp_hist_init(struct hp_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
}

/*
 * Above the linear region, index (e - HP_HIST_SUB_BITS + 2) * HP_HIST_SUB + s
 * (s in [0, HP_HIST_SUB)) covers [(HP_HIST_SUB + s) << (e - HP_HIST_SUB_BITS + 1),
 * (HP_HIST_SUB + s + 1) << (e - HP_HIST_SUB_BITS + 1)) of octave [2^e, 2^(e+1)).
 * An index past the last bucket gets the empty range [HP_HIST_MAX_NS, HP_HIST_MAX_NS).
 */
uint64_t
hp_hist_bucket_lo(unsigned idx)
{
	if (idx >= HP_HIST_BUCKETS)
		return HP_HIST_MAX_NS;
	if (idx < HP_HIST_LINEAR)
		return idx;
	unsigned e = idx / HP_HIST_SUB + HP_HIST_SUB_BITS - 2;
	unsigned s = idx % HP_HIST_SUB;
	return (uint64_t)(HP_HIST_SUB + s) << (e - (HP_HIST_SUB_BITS - 1));
}

uint64_t
hp_hist_bucket_hi(unsigned idx)
{
	if (idx >= HP_HIST_BUCKETS)
		return HP_HIST_MAX_NS;
	if (idx < HP_HIST_LINEAR)
		return (uint64_t)idx + 1;
	unsigned e = idx / HP_HIST_SUB + HP_HIST_SUB_BITS - 2;
	unsigned s = idx % HP_HIST_SUB;
	/* The last bucket ends at (2 * HP_HIST_SUB) << (HP_HIST_MAX_EXP - HP_HIST_SUB_BITS) = HP_HIST_MAX_NS. */
	return (uint64_t)(HP_HIST_SUB + s + 1) << (e - (HP_HIST_SUB_BITS - 1));
}

void
hp_hist_merge(struct hp_hist *dst, const struct hp_hist *src)
{
	for (unsigned i = 0; i < HP_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	if (dst->sum_ns + src->sum_ns < dst->sum_ns)
		dst->sum_ns = UINT64_MAX;
	else
		dst->sum_ns += src->sum_ns;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

void
hp_hist_subtract(struct hp_hist *h, const struct hp_hist *base)
{
	int lo = -1, hi = -1;

	for (unsigned i = 0; i < HP_HIST_BUCKETS; i++) {
		h->buckets[i] = h->buckets[i] >= base->buckets[i] ? h->buckets[i] - base->buckets[i] : 0;
		if (h->buckets[i] != 0) {
			if (lo < 0)
				lo = (int)i;
			hi = (int)i;
		}
	}
	h->count = h->count >= base->count ? h->count - base->count : 0;
	if (h->sum_ns != UINT64_MAX)
		h->sum_ns = h->sum_ns >= base->sum_ns ? h->sum_ns - base->sum_ns : 0;
	if (lo < 0) {
		h->min_ns = UINT64_MAX;
		h->max_ns = 0;
		return;
	}
	/* the exact extremes are gone with the baseline: their buckets' bounds, within the old ones */
	if (h->min_ns < hp_hist_bucket_lo((unsigned)lo))
		h->min_ns = hp_hist_bucket_lo((unsigned)lo);
	if (h->max_ns > hp_hist_bucket_hi((unsigned)hi) - 1)
		h->max_ns = hp_hist_bucket_hi((unsigned)hi) - 1;
}

/* 1-based nearest rank of percentile q (0 < q < 100) among count samples. */
static uint64_t
hist_rank(double q, uint64_t count)
{
	double x = q * (double)count / 100.0;
	double r = ceil(x);

	/*
	 * q is usually a decimal like 99.9 that a double holds only nearly:
	 * when x lands a few ulps above an integer, that integer is the rank.
	 */
	if (r - x > 0.5 && x - (r - 1.0) <= 4.0 * DBL_EPSILON * x)
		r -= 1.0;
	if (r < 1.0)
		return 1;
	if (r >= (double)count)
		return count;
	return (uint64_t)r;
}

uint64_t
hp_hist_percentile(const struct hp_hist *h, double q)
{
	uint64_t count = h->count;

	if (count == 0)
		return 0;
	if (q >= 100.0)
		return h->max_ns;
	if (!(q > 0.0)) /* also NaN */
		return h->min_ns;

	uint64_t rank = hist_rank(q, count);
	uint64_t seen = 0;
	uint64_t v = h->max_ns; /* a torn snapshot may have fewer in buckets than count */
	for (unsigned i = 0; i < HP_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t lo = hp_hist_bucket_lo(i);
			uint64_t hi = hp_hist_bucket_hi(i);
			v = hi - lo > 1 ? lo + (hi - lo) / 2 : lo;
			break;
		}
	}
	/* Clamp into [min, max]; a torn snapshot may not have min <= max yet. */
	if (h->min_ns <= h->max_ns) {
		if (v < h->min_ns)
			v = h->min_ns;
		if (v > h->max_ns)
			v = h->max_ns;
	}
	return v;
}

void
hp_hist_summarize(const struct hp_hist *h, struct hp_hist_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->count = h->count;
	if (s->count == 0)
		return;
	s->min_ns = h->min_ns;
	s->max_ns = h->max_ns;
	s->mean_ns = (double)h->sum_ns / (double)h->count;
	s->p50 = hp_hist_percentile(h, 50.0);
	s->p90 = hp_hist_percentile(h, 90.0);
	s->p99 = hp_hist_percentile(h, 99.0);
	s->p999 = hp_hist_percentile(h, 99.9);
	s->p9999 = hp_hist_percentile(h, 99.99);
}
