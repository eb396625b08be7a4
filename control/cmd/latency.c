/* latency.show and latency.reset: residence latency merged over workers, and the slow path's, since the last reset. */
#include <stdlib.h>

#include "handlers.h"

static struct hp_hist *latency_base; /* what latency.reset saw; NULL: never reset */
static struct hp_hist *slow_base;    /* the slow path's, likewise */

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

int
cmd_latency_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_hist_summary s, ss;
	struct hp_hist *h;

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
	*result = json_pack("{s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
			    "count", (json_int_t)s.count, "min_ns", (json_int_t)(s.count ? s.min_ns : 0),
			    "mean_ns", s.mean_ns, "p50_ns", (json_int_t)s.p50, "p90_ns", (json_int_t)s.p90,
			    "p99_ns", (json_int_t)s.p99, "p99.9_ns", (json_int_t)s.p999, "p99.99_ns",
			    (json_int_t)s.p9999, "max_ns", (json_int_t)s.max_ns, "slowpath", "count",
			    (json_int_t)ss.count, "p50_ns", (json_int_t)ss.p50, "p90_ns", (json_int_t)ss.p90,
			    "p99_ns", (json_int_t)ss.p99, "p99.9_ns", (json_int_t)ss.p999, "max_ns",
			    (json_int_t)ss.max_ns);
	return 0;
}

int
cmd_latency_reset(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
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
	*slow_base = rt->slow_latency;
	free(latency_base);
	latency_base = h;
	return 0;
}
