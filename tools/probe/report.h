/* hp-probe's results: one trial's figures, and the table, JSON, CSV and gnuplot renderings of them. */
#ifndef PROBE_REPORT_H
#define PROBE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "histogram.h"
#include "stall.h"
#include "payload.h"

#define PROBE_REPORT_MAX_LOSSY 1024 /* flows with loss listed one by one */

struct probe_flow_loss {
	uint32_t flow;
	uint32_t src_ip; /* host order */
	uint16_t sport;
	uint64_t sent, received, lost;
};

/* The stalls of one of the probe's poll loops over a trial (lib/stall.h), measured from the end of warm-up. */
struct probe_loop_stalls {
	const char *loop; /* "tx", "rx", or "txrx" (one lcore does both) */
	unsigned lcore;
	struct hp_stall_view v;
};

#define PROBE_MAX_LOOPS 2

/* One measurement: a plain run, or one --search trial. */
struct probe_result {
	double rate_pps;     /* offered */
	double achieved_pps; /* measured packets sent over the span of their TX times */
	double rx_pps;       /* unique measured packets received over the same nominal span */
	double duration_s, warmup_s;
	uint64_t sent, received, lost, reorder, dup, late;
	uint64_t warmup_sent, warmup_received;
	uint64_t unsent;        /* due, not sent by a drain period after the end: refused, or never built */
	uint64_t tx_lag_max_ns; /* worst actual TX - scheduled TX */
	uint64_t negative;      /* received before their scheduled time (TSC not in sync?) */
	uint64_t foreign;       /* frames on the RX port that are not this trial's */
	uint64_t foreign_by[PROBE_RX_MAX];
	uint64_t other_rx; /* frames arriving on the TX port (when it is not the RX port) */
	bool interrupted;  /* stopped by SIGINT/SIGTERM */
	bool kept_rate;    /* achieved >= PROBE_RATE_KEPT x offered: the load was really offered */
	bool pass;         /* --search: loss within tolerance, rate kept, nothing unsent */
	struct hp_hist_summary lat, txlat;
	unsigned n_loops; /* entries of stalls */
	struct probe_loop_stalls stalls[PROBE_MAX_LOOPS];
	uint32_t flows_with_loss;
	uint32_t n_lossy; /* entries in lossy (at most PROBE_REPORT_MAX_LOSSY) */
	struct probe_flow_loss lossy[PROBE_REPORT_MAX_LOSSY];
};

/* What the whole report says about the run. */
struct probe_report {
	const char *label;
	const char *dist; /* "const" | "poisson" */
	char size[16];    /* "64" | "imix" */
	uint32_t flows;
	double loss_pct; /* --search tolerance */
	bool search;
	double throughput_pps;             /* --search: best passing rate (0: none passed) */
	const struct probe_result *final;  /* the run, or the best passing trial (else the last) */
	const struct probe_result *trials; /* --search: every trial, in order */
	unsigned n_trials;
};

/* A trial whose generator sent slower than this fraction of its rate offered less than it
 * claims (the TX port or the probe's lcore was the bottleneck): it cannot pass a search. */
#define PROBE_RATE_KEPT 0.99

/* Loss as a percentage of sent (0 when nothing was sent). */
double probe_loss_pct(const struct probe_result *r);

/* The human table. */
void probe_report_table(FILE *f, const struct probe_report *rep);

/* The same figures as one JSON object (and a newline). */
void probe_report_json(FILE *f, const struct probe_report *rep);

/* Non-empty buckets of h as "lo_ns,hi_ns,count" lines under a header. */
void probe_report_csv(FILE *f, const struct hp_hist *h);

/*
 * A gnuplot script (data inline) drawing latency against percentile on a
 * log "nines" axis (50 %, 90 %, 99 %, ...), one line per histogram; txlat may
 * be NULL. png is the output file named in the script.
 */
void probe_report_gnuplot(FILE *f, const char *png, const char *label, const struct hp_hist *lat,
			  const struct hp_hist *txlat);

/*
 * Run gnuplot on that script. Returns 0; -ENOENT when gnuplot is not on PATH
 * (the caller warns and goes on); -EIO when gnuplot failed.
 */
int probe_report_plot(const char *png, const char *label, const struct hp_hist *lat,
		      const struct hp_hist *txlat);

#endif
