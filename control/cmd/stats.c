/* status, stats and worker.show: views of the daemon's report. */
#include <string.h>

#include "handlers.h"
#include "rib.h"
#include "xdp.h"

#define HP_VERSION "0.1"

json_t *
report_part(struct dp_runtime *rt, const char *key)
{
	json_t *r = dp_report_json(rt), *part;

	if (r == NULL)
		return NULL;
	part = json_incref(json_object_get(r, key));
	json_decref(r);
	return part;
}

int
cmd_status(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *r;

	if (no_args(args, e) < 0)
		return -1;
	r = dp_report_json(rt);
	if (r == NULL)
		return fail(e, "ENOMEM", "out of memory");
	/* routes: the operator's (config, cli); linux_routes: the kernel's, mirrored (shadowed ones too) */
	*result = json_pack("{s:s, s:f, s:i, s:i, s:i, s:i, s:i, s:O, s:O, s:O, s:O}", "version", HP_VERSION,
			    "uptime_s", json_real_value(json_object_get(r, "elapsed_s")), "ports",
			    (int)rt->ports.n, "workers", (int)rt->n_workers, "routes", (int)rt->cfg->n_routes,
			    "linux_routes", (int)ctl_rib_linux_count(rt), "acl_rules", (int)rt->cfg->n_acl,
			    "rx_packets", json_object_get(r, "rx_packets"), "tx_packets",
			    json_object_get(r, "tx_packets"), "rx_mpps", json_object_get(r, "rx_mpps"),
			    "tx_mpps", json_object_get(r, "tx_mpps"));
	json_decref(r);
	return 0;
}

int
cmd_worker_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *w;

	if (no_args(args, e) < 0)
		return -1;
	if ((w = report_part(rt, "workers")) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	*result = w;
	return 0;
}

int
cmd_stats(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const keep[] = {"elapsed_s", "rx_packets", "tx_packets", "rx_mpps",  "tx_mpps",
					   "drops",     "slowpath",   "acl_cache",  "policers", NULL};
	json_t *r, *out;

	if (no_args(args, e) < 0)
		return -1;
	if ((r = dp_report_json(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	out = json_object();
	for (unsigned i = 0; keep[i] != NULL; i++)
		json_object_set(out, keep[i], json_object_get(r, keep[i]));
	json_decref(r);
	if (ctl_xdp_active())
		json_object_set_new(out, "xdp", ctl_xdp_counters());
	*result = out;
	return 0;
}
