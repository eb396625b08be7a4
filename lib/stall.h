/* hp_stall: a poll loop's stall detector (gaps between iterations above a threshold), shared by hotpathd and hp-probe. */
#ifndef HP_STALL_H
#define HP_STALL_H

#include <stdint.h>

#include "histogram.h"

/*
 * A poll loop reads the TSC once an iteration; the gap between two readings
 * is the iteration's time. In an iteration that received nothing the loop
 * only polled (~0.1 us): a gap above the threshold means the loop was not
 * running (an interrupt, a steal, an SMI, a page fault), as sysjitter and
 * cyclictest count it. An iteration that received packets also did their
 * work, which one TSC reading cannot tell from a stall: it is allowed
 * pkt_cycles per packet received (HP_STALL_PKT_NS, a generous bound on the
 * work of one packet) and only what is beyond that allowance is a stall.
 * So a stall is a lower bound of the time the loop was away: exact in an
 * idle iteration, short by (allowance - real work) in a busy one, and never
 * work mistaken for a stall unless a packet took more than its allowance.
 */
#define HP_STALL_DEFAULT_NS 5000u /* the threshold when the config names none */
#define HP_STALL_MIN_NS 1000u     /* 1 us: below, an idle loop's own iterations would count */
#define HP_STALL_MAX_NS 1000000000u
#define HP_STALL_PKT_NS 250u /* work allowed per packet received in the iteration */

/* What the loop reads and never writes: set once before it starts. */
struct hp_stall_conf {
	uint64_t thresh_cycles; /* a gap above this is looked at (the fast compare) */
	uint64_t pkt_cycles;    /* allowance per packet received */
	uint64_t ns_mult;       /* TSC cycles -> ns, 32.32 fixed point */
	uint64_t thresh_ns;     /* as configured, for the reports */
};

/*
 * The loop's stalls: one writer (the loop), tolerant readers (plain
 * integers; hp_stall_read() makes a consistent view of a torn snapshot).
 * hist holds every stall in ns (count, sum, max, buckets); the over_*
 * counters are exact where a bucket would straddle 10 us, 100 us or 1 ms.
 */
struct hp_stall {
	uint64_t over_10us, over_100us, over_1ms; /* stalls longer than (strictly) */
	uint64_t busy;                            /* stalls of iterations that received packets */
	struct hp_hist hist;                      /* stall lengths, ns */
};

/* One reading: what every report prints. */
struct hp_stall_view {
	uint64_t threshold_ns;
	uint64_t count, over_10us, over_100us, over_1ms, busy;
	uint64_t max_ns, total_ns;
};

/* cycles per second -> the conf for a threshold of thresh_ns (clamped into [MIN, MAX]). */
void hp_stall_conf_init(struct hp_stall_conf *c, uint64_t tsc_hz, uint64_t thresh_ns);

void hp_stall_init(struct hp_stall *s);

/* A gap above c->thresh_cycles: the slow part (allowance, histogram). Writer only. */
void hp_stall_record(struct hp_stall *s, const struct hp_stall_conf *c, uint64_t gap_cycles, unsigned pkts);

/*
 * The loop's one check per iteration: gap = this TSC reading - the last one,
 * pkts = packets the iteration received. A compare and a branch not taken
 * unless the iteration was long.
 */
static inline void
hp_stall_check(struct hp_stall *s, const struct hp_stall_conf *c, uint64_t gap_cycles, unsigned pkts)
{
	if (__builtin_expect(gap_cycles > c->thresh_cycles, 0))
		hp_stall_record(s, c, gap_cycles, pkts);
}

/*
 * A view of s (read while the loop writes it), minus base when base is not
 * NULL (an earlier hp_stall copy: what happened since; max is then the top
 * of the highest non-empty bucket, within 0.8 %, and never more than the
 * total or a bound no stall passed). Always count >= over_10us >=
 * over_100us >= over_1ms, count >= busy and total_ns >= max_ns.
 */
void hp_stall_read(const struct hp_stall *s, const struct hp_stall *base, uint64_t thresh_ns,
		   struct hp_stall_view *v);

/* dst += src (several loops as one: the probe's TX and RX lcores). */
void hp_stall_merge(struct hp_stall *dst, const struct hp_stall *src);

#endif
