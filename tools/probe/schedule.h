/* probe_sched: when each packet is due, in TSC cycles: a constant rate that never drifts, or Poisson arrivals. */
/* Named schedule.h, not sched.h: that would shadow the system <sched.h> wherever -I tools/probe is given. */
#ifndef PROBE_SCHEDULE_H
#define PROBE_SCHEDULE_H

#include <stdint.h>

enum probe_dist {
	PROBE_DIST_CONST,   /* t0 + floor(i * hz / rate), exactly */
	PROBE_DIST_POISSON, /* exponential gaps of mean hz / rate, from a seeded PRNG */
};

/*
 * The rate is kept in milli-packets per second (rate_milli), so a period that
 * is not a whole number of cycles (2.5 GHz / 3 Mpps = 833.33) is kept as an
 * integer part and a remainder: packet i is due at exactly
 * t0 + floor(i * hz * 1000 / rate_milli), with no rounding that could add up
 * over a long run. Poisson gaps are added in 32.32 fixed-point cycles.
 * One writer (the TX lcore); not shared.
 */
struct probe_sched {
	enum probe_dist dist;
	uint64_t t0; /* TSC of packet 0 (constant rate) */
	uint64_t hz;
	uint64_t rate_milli;  /* packets per 1000 s */
	uint64_t period_int;  /* hz * 1000 / rate_milli */
	uint64_t period_rem;  /* hz * 1000 % rate_milli */
	uint64_t rem;         /* constant: accumulated remainder, < rate_milli */
	double mean_fp;       /* Poisson: mean gap, cycles << 32 */
	unsigned __int128 at; /* Poisson: the next packet's time since t0, cycles << 32 */
	uint64_t n;           /* index of the next packet */
	uint64_t next;        /* its TSC */
	uint64_t rng[4];      /* xoshiro256** state */
};

/*
 * Schedule packets at rate_pps (0.001 .. 1e10, kept to 0.001 pps) on a TSC of
 * tsc_hz, the first at t0 (constant) or one random gap after t0 (Poisson).
 * seed picks the Poisson sequence: the same seed gives the same gaps.
 * Returns 0, or -EINVAL for a rate or frequency out of range.
 */
int probe_sched_init(struct probe_sched *s, enum probe_dist dist, double rate_pps, uint64_t tsc_hz,
		     uint64_t t0, uint64_t seed);

/* Constant rate only: jump to packet n (its due time computed afresh). */
void probe_sched_seek(struct probe_sched *s, uint64_t n);

/*
 * Drop every packet due before `until`; returns how many: exactly those of a
 * constant schedule, the expected number of a Poisson one (drawing tens of
 * millions of gaps would take as long as the trial it ends). The next packet
 * is then the first due at or after `until` (Poisson: one random gap after it).
 */
uint64_t probe_sched_skip(struct probe_sched *s, uint64_t until);

/* A uniform double in (0, 1] from the schedule's PRNG (xoshiro256**). */
double probe_sched_uniform(struct probe_sched *s);

void probe_sched_advance_poisson(struct probe_sched *s);

/* The TSC at which the next packet is due; does not consume it. */
static inline uint64_t
probe_sched_peek(const struct probe_sched *s)
{
	return s->next;
}

/* The next packet's due TSC; moves on to the one after. */
static inline uint64_t
probe_sched_pop(struct probe_sched *s)
{
	uint64_t due = s->next;

	s->n++;
	if (s->dist == PROBE_DIST_CONST) {
		s->next += s->period_int;
		s->rem += s->period_rem;
		if (s->rem >= s->rate_milli) {
			s->rem -= s->rate_milli;
			s->next++;
		}
	} else {
		probe_sched_advance_poisson(s);
	}
	return due;
}

#endif
