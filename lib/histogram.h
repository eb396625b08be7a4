/* hp_hist: log-linear latency histogram, 1 ns .. 68 s at <= 0.8 % relative error, mergeable. */
#ifndef HP_HISTOGRAM_H
#define HP_HISTOGRAM_H

#include <stdint.h>

/*
 * Values are nanoseconds. Below 2^HP_HIST_SUB_BITS every value has its own
 * bucket; above, each power of two is split into 2^(HP_HIST_SUB_BITS-1)
 * equal buckets, so a bucket is at most 1/64 of its lower bound wide and
 * its midpoint is within 1/128 (0.78 %) of any value in it. Values of
 * HP_HIST_MAX_NS and above land in the last bucket (max stays exact).
 *
 * One writer (a worker), any number of tolerant readers: fields are plain
 * integers, a reader may see a sample counted in a bucket and not yet in
 * count; hp_hist_merge() of a snapshot is what readers report.
 */
#define HP_HIST_SUB_BITS 7
#define HP_HIST_SUB (1u << (HP_HIST_SUB_BITS - 1)) /* 64 buckets per octave */
#define HP_HIST_MAX_EXP 36                         /* 2^36 ns = 68.7 s */
#define HP_HIST_MAX_NS ((uint64_t)1 << HP_HIST_MAX_EXP)
#define HP_HIST_BUCKETS ((HP_HIST_MAX_EXP - HP_HIST_SUB_BITS + 2) * HP_HIST_SUB)

struct hp_hist {
	uint64_t count;
	uint64_t sum_ns; /* saturates at UINT64_MAX */
	uint64_t min_ns; /* UINT64_MAX while empty */
	uint64_t max_ns;
	uint64_t buckets[HP_HIST_BUCKETS];
};

/* The percentiles every report prints, in this order. */
struct hp_hist_summary {
	uint64_t count;
	uint64_t min_ns, max_ns;
	double mean_ns;
	uint64_t p50, p90, p99, p999, p9999; /* ns */
};

void hp_hist_init(struct hp_hist *h);
static inline void
hp_hist_reset(struct hp_hist *h)
{
	hp_hist_init(h);
}

/* Bucket index of a value, and the [lo, hi) range a bucket covers. */
static inline unsigned
hp_hist_bucket(uint64_t ns)
{
	if (ns >= HP_HIST_MAX_NS)
		return HP_HIST_BUCKETS - 1;
	if (ns < (1u << (HP_HIST_SUB_BITS - 1)) * 2)
		return (unsigned)ns;
	unsigned e = 63 - (unsigned)__builtin_clzll(ns); /* >= HP_HIST_SUB_BITS */
	unsigned shift = e - (HP_HIST_SUB_BITS - 1);
	return (e - HP_HIST_SUB_BITS + 2) * HP_HIST_SUB + (unsigned)(ns >> shift) - HP_HIST_SUB;
}

uint64_t hp_hist_bucket_lo(unsigned idx);
uint64_t hp_hist_bucket_hi(unsigned idx); /* exclusive */

/* Record n samples of value ns. Writer only. */
static inline void
hp_hist_record_n(struct hp_hist *h, uint64_t ns, uint64_t n)
{
	if (n == 0) /* no sample: must not move min/max */
		return;
	h->buckets[hp_hist_bucket(ns)] += n;
	h->count += n;
	uint64_t add = ns * n;
	if ((n != 0 && add / n != ns) || h->sum_ns + add < h->sum_ns)
		h->sum_ns = UINT64_MAX;
	else
		h->sum_ns += add;
	if (ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

static inline void
hp_hist_record(struct hp_hist *h, uint64_t ns)
{
	hp_hist_record_n(h, ns, 1);
}

/* dst += src (union of the samples). */
void hp_hist_merge(struct hp_hist *dst, const struct hp_hist *src);

/*
 * h -= base, where base is an earlier snapshot of the same histogram: what
 * was recorded since. min/max become the bounds of the lowest and highest
 * non-empty buckets (clamped to the old extremes).
 */
void hp_hist_subtract(struct hp_hist *h, const struct hp_hist *base);

/*
 * Nearest-rank percentile q in [0, 100]: the midpoint of the bucket holding
 * the ceil(q/100 * count)-th smallest sample, clamped to [min, max]; q = 100
 * gives max exactly. 0 when empty.
 */
uint64_t hp_hist_percentile(const struct hp_hist *h, double q);

void hp_hist_summarize(const struct hp_hist *h, struct hp_hist_summary *s);

#endif
