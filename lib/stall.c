/* hp_stall: recording a poll loop's stalls and reading them back consistently. */
#include <string.h>

#include "stall.h"

static uint64_t
ns_to_cycles(uint64_t ns, uint64_t tsc_hz)
{
	return (uint64_t)(((unsigned __int128)ns * tsc_hz) / 1000000000u);
}

void
hp_stall_conf_init(struct hp_stall_conf *c, uint64_t tsc_hz, uint64_t thresh_ns)
{
	if (thresh_ns < HP_STALL_MIN_NS)
		thresh_ns = HP_STALL_MIN_NS;
	if (thresh_ns > HP_STALL_MAX_NS)
		thresh_ns = HP_STALL_MAX_NS;
	c->thresh_ns = thresh_ns;
	c->thresh_cycles = ns_to_cycles(thresh_ns, tsc_hz);
	c->pkt_cycles = ns_to_cycles(HP_STALL_PKT_NS, tsc_hz);
	c->ns_mult = tsc_hz ? (uint64_t)(((unsigned __int128)1000000000u << 32) / tsc_hz) : 0;
}

void
hp_stall_init(struct hp_stall *s)
{
	memset(s, 0, sizeof(*s));
	hp_hist_init(&s->hist);
}

void
hp_stall_record(struct hp_stall *s, const struct hp_stall_conf *c, uint64_t gap_cycles, unsigned pkts)
{
	uint64_t allow = (uint64_t)pkts * c->pkt_cycles;
	uint64_t ns;

	/* the work of what was received explains this much of the gap */
	if (gap_cycles <= allow || gap_cycles - allow <= c->thresh_cycles)
		return;
	ns = (uint64_t)(((unsigned __int128)(gap_cycles - allow) * c->ns_mult) >> 32);
	hp_hist_record(&s->hist, ns);
	if (ns > 10000)
		s->over_10us++;
	if (ns > 100000)
		s->over_100us++;
	if (ns > 1000000)
		s->over_1ms++;
	if (pkts != 0)
		s->busy++;
}

static uint64_t
minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static uint64_t
at_most(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void
hp_stall_read(const struct hp_stall *s, const struct hp_stall *base, uint64_t thresh_ns,
	      struct hp_stall_view *v)
{
	/* count first: the writer bumps it before the over_* counters, so they may run ahead (clamped) */
	uint64_t count = s->hist.count, sum = s->hist.sum_ns, max = s->hist.max_ns;
	uint64_t o10 = s->over_10us, o100 = s->over_100us, o1m = s->over_1ms, busy = s->busy;

	memset(v, 0, sizeof(*v));
	v->threshold_ns = thresh_ns;
	if (base != NULL) {
		int hi = -1;

		count = minus(count, base->hist.count);
		sum = sum == UINT64_MAX ? sum : minus(sum, base->hist.sum_ns);
		o10 = minus(o10, base->over_10us);
		o100 = minus(o100, base->over_100us);
		o1m = minus(o1m, base->over_1ms);
		busy = minus(busy, base->busy);
		for (unsigned i = 0; i < HP_HIST_BUCKETS; i++)
			if (s->hist.buckets[i] > base->hist.buckets[i])
				hi = (int)i;
		/* the exact longest went with the baseline: the top of the highest bucket since,
		 * within what the exact counts say (no more than the total, nor over a bound none passed) */
		max = hi < 0 ? 0 : at_most(max, hp_hist_bucket_hi((unsigned)hi) - 1);
		max = at_most(max, sum);
		if (o1m == 0)
			max = at_most(max, 1000000);
		if (o100 == 0)
			max = at_most(max, 100000);
		if (o10 == 0)
			max = at_most(max, 10000);
	}
	if (count == 0) {
		v->count = 0;
		return;
	}
	v->count = count;
	v->over_10us = at_most(o10, count);
	v->over_100us = at_most(o100, v->over_10us);
	v->over_1ms = at_most(o1m, v->over_100us);
	v->busy = at_most(busy, count);
	v->max_ns = max;
	v->total_ns = sum;
}

void
hp_stall_merge(struct hp_stall *dst, const struct hp_stall *src)
{
	hp_hist_merge(&dst->hist, &src->hist);
	dst->over_10us += src->over_10us;
	dst->over_100us += src->over_100us;
	dst->over_1ms += src->over_1ms;
	dst->busy += src->busy;
}
