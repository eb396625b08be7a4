/* probe_sched: constant and Poisson packet schedules in TSC cycles; xoshiro256** seeded by splitmix64. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "schedule.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
xoshiro256ss(uint64_t s[4])
{
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
probe_sched_uniform(struct probe_sched *s)
{
	/* 53 random bits, shifted by one ulp so 0 never comes out (ln(0) would) */
	return (double)((xoshiro256ss(s->rng) >> 11) + 1) * 0x1.0p-53;
}

void
probe_sched_advance_poisson(struct probe_sched *s)
{
	/* inverse transform: -ln(U) is exponential with mean 1 */
	double gap = -log(probe_sched_uniform(s)) * s->mean_fp;

	s->at += (unsigned __int128)gap;
	s->next = s->t0 + (uint64_t)(s->at >> 32);
}

void
probe_sched_seek(struct probe_sched *s, uint64_t n)
{
	unsigned __int128 x = (unsigned __int128)n * s->hz * 1000u;

	s->n = n;
	s->next = s->t0 + (uint64_t)(x / s->rate_milli);
	s->rem = (uint64_t)(x % s->rate_milli);
}

uint64_t
probe_sched_skip(struct probe_sched *s, uint64_t until)
{
	uint64_t n;

	if (s->next >= until)
		return 0;
	if (s->dist == PROBE_DIST_CONST) {
		/* the first i with floor(i * hz * 1000 / rate_milli) >= until - t0 */
		unsigned __int128 unit = (unsigned __int128)s->hz * 1000u;
		uint64_t end = (uint64_t)(((unsigned __int128)(until - s->t0) * s->rate_milli + unit - 1) /
					  unit);

		n = end - s->n;
		probe_sched_seek(s, end);
		return n;
	}
	/* the next one, then a Poisson count of mean rate x the rest of the span */
	n = 1 +
	    (uint64_t)llround((double)(until - s->next) * (double)s->rate_milli / ((double)s->hz * 1000.0));
	s->n += n;
	s->at = (unsigned __int128)(until - s->t0) << 32;
	probe_sched_advance_poisson(s);
	return n;
}

int
probe_sched_init(struct probe_sched *s, enum probe_dist dist, double rate_pps, uint64_t tsc_hz, uint64_t t0,
		 uint64_t seed)
{
	uint64_t x = seed;
	double milli = rate_pps * 1000.0;

	if (!(milli >= 1.0) || rate_pps > 1e10 || tsc_hz == 0 || tsc_hz > ((uint64_t)1 << 50) ||
	    (dist != PROBE_DIST_CONST && dist != PROBE_DIST_POISSON))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->dist = dist;
	s->t0 = t0;
	s->hz = tsc_hz;
	s->rate_milli = (uint64_t)llround(milli);
	s->period_int = (uint64_t)((unsigned __int128)tsc_hz * 1000u / s->rate_milli);
	s->period_rem = (uint64_t)((unsigned __int128)tsc_hz * 1000u % s->rate_milli);
	s->mean_fp = (double)tsc_hz * 1000.0 / (double)s->rate_milli * 4294967296.0;
	for (int i = 0; i < 4; i++)
		s->rng[i] = splitmix64(&x);
	if (dist == PROBE_DIST_CONST)
		s->next = t0;
	else
		probe_sched_advance_poisson(s);
	return 0;
}
