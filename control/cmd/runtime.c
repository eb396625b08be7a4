/* runtime.show, runtime.on, runtime.off and runtime.clear: the workers' nodes (dataplane/nodes.h), as VPP's `show runtime`. */
#include <stdlib.h>

#include "handlers.h"
#include "l3_vec.h"
#include "nodes_json.h"

#define SAMPLE_EVERY_DEFAULT 16
#define SAMPLE_EVERY_MAX 1000000

int
cmd_runtime_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *r;

	if (no_args(args, e) < 0)
		return -1;
	if ((r = report_part(rt, "runtime")) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	*result = json_pack("{s:o, s:s}", "workers", r, "fast_path", dp_l3_vec_name(dp_l3_vec_width));
	return *result != NULL ? 0 : fail(e, "ENOMEM", "out of memory");
}

/* Every worker's prof_every: 0 (not counting) or one sampled busy iteration in n. */
static void
set_every(struct dp_runtime *rt, uint32_t n)
{
	for (unsigned w = 0; w < rt->n_workers; w++)
		__atomic_store_n(&rt->workers[w]->prof_every, n, __ATOMIC_RELAXED);
}

/* runtime.on {["sample_every": N]}: every worker counts its nodes and times one busy loop
 * iteration in N (default 16; 1: every one). Again while on: the new N. */
int
cmd_runtime_on(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const keys[] = {"sample_every", NULL};
	const json_t *every = json_object_get(args, "sample_every");
	json_int_t n = SAMPLE_EVERY_DEFAULT;

	if (known_args(args, keys, e) < 0)
		return -1;
	if (every != NULL &&
	    (!json_is_integer(every) || (n = json_integer_value(every)) < 1 || n > SAMPLE_EVERY_MAX))
		return fail(e, "EINVAL", "argument \"sample_every\" must be an integer 1..%d",
			    SAMPLE_EVERY_MAX);
	set_every(rt, (uint32_t)n);
	*result = json_pack("{s:b, s:I}", "counting", 1, "sample_every", n);
	return 0;
}

/* runtime.off: the workers stop counting; what they counted stays until runtime.clear. */
int
cmd_runtime_off(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	if (no_args(args, e) < 0)
		return -1;
	set_every(rt, 0);
	*result = json_pack("{s:b}", "counting", 0);
	return 0;
}

int
cmd_runtime_clear(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)result;
	if (no_args(args, e) < 0)
		return -1;
	if (rt->nodes_base == NULL &&
	    (rt->nodes_base = calloc(HP_MAX_WORKERS, sizeof(*rt->nodes_base))) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	for (unsigned w = 0; w < rt->n_workers; w++)
		dp_nodes_snapshot(rt->workers[w], &rt->nodes_base[w]);
	return 0;
}
