/* latency.show and latency.reset: residence latency merged over workers, the slow path's, and each worker's stalls, since the last reset. */
#include <stdio.h>
#include <stdlib.h>

#include "handlers.h"

static struct hp_hist *latency_base; /* what latency.reset saw; NULL: never reset */
static struct hp_hist *slow_base;    /* the slow path's, likewise */
static struct hp_stall *stall_base;  /* each worker's stalls then (rt->n_workers); NULL: never reset */

/* The workers' histograms merged (a calloc'd copy; the workers keep writing theirs). */
static struct hp_hist *
latency_now(struct dp_runtime *rt)
{
	struct hp_hist *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	hp_hist_init(h);
	for (unsigned w = 0; w < rt->n_workers; w++)
		hp_hist_merge(h, &rt->workers[w]->latency);
	return h;
}

/* {"<lcore>": {threshold_ns, count, over_10us, ...}}: each worker's stalls since the reset. */
static json_t *
stalls_json(const struct dp_runtime *rt)
{
	json_t *o = json_object();

	for (unsigned w = 0; o != NULL && w < rt->n_workers; w++) {
		const struct dp_worker *wk = rt->workers[w];
		struct hp_stall_view v;
		char lcore[16];

		hp_stall_read(&wk->stall, stall_base != NULL ? &stall_base[w] : NULL,
			      wk->stall_conf.thresh_ns, &v);
		snprintf(lcore, sizeof(lcore), "%u", wk->lcore);
		if (json_object_set_new(o, lcore, dp_stall_json(&v)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int
cmd_latency_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_hist_summary s, ss;
	struct hp_hist *h;
	json_t *stalls;

	if (no_args(args, e) < 0)
		return -1;
	if ((h = latency_now(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	if (latency_base != NULL)
		hp_hist_subtract(h, latency_base);
	hp_hist_summarize(h, &s);
	/* the slow path's: punted packets, their burst's arrival to the control thread done */
	*h = rt->slow_latency;
	if (slow_base != NULL)
		hp_hist_subtract(h, slow_base);
	hp_hist_summarize(h, &ss);
	free(h);
	if ((stalls = stalls_json(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	*result = json_pack(
		"{s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o}",
		"count", (json_int_t)s.count, "min_ns", (json_int_t)(s.count ? s.min_ns : 0), "mean_ns",
		s.mean_ns, "p50_ns", (json_int_t)s.p50, "p90_ns", (json_int_t)s.p90, "p99_ns",
		(json_int_t)s.p99, "p99.9_ns", (json_int_t)s.p999, "p99.99_ns", (json_int_t)s.p9999, "max_ns",
		(json_int_t)s.max_ns, "slowpath", "count", (json_int_t)ss.count, "p50_ns", (json_int_t)ss.p50,
		"p90_ns", (json_int_t)ss.p90, "p99_ns", (json_int_t)ss.p99, "p99.9_ns", (json_int_t)ss.p999,
		"max_ns", (json_int_t)ss.max_ns, "stalls", stalls);
	return *result != NULL ? 0 : fail(e, "ENOMEM", "out of memory");
}

int
cmd_latency_reset(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_stall *sb;
	struct hp_hist *h;

	(void)result;
	if (no_args(args, e) < 0)
		return -1;
	if ((h = latency_now(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	if (slow_base == NULL && (slow_base = malloc(sizeof(*slow_base))) == NULL) {
		free(h);
		return fail(e, "ENOMEM", "out of memory");
	}
	if ((sb = calloc(rt->n_workers ? rt->n_workers : 1, sizeof(*sb))) == NULL) {
		free(h);
		return fail(e, "ENOMEM", "out of memory");
	}
	*slow_base = rt->slow_latency;
	for (unsigned w = 0; w < rt->n_workers; w++)
		sb[w] = rt->workers[w]->stall; /* a snapshot: torn at worst, hp_stall_read() clamps */
	free(latency_base);
	latency_base = h;
	free(stall_base);
	stall_base = sb;
	return 0;
}
