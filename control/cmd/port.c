/* port.show and port.stats. */
#include <string.h>

#include "handlers.h"

int
cmd_port_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *a = json_array();

	if (no_args(args, e) < 0) {
		json_decref(a);
		return -1;
	}
	for (unsigned p = 0; p < rt->ports.n; p++) {
		const struct hp_port_conf *pc = &rt->cfg->ports[p];
		json_t *o;

		o = json_pack("{s:s, s:s, s:o, s:i, s:o, s:o, s:s}", "name", pc->name, "mode",
			      pc->mode == HP_MODE_L3 ? "l3" : "xconnect", "mac",
			      hp_json_mac(rt->ports.ports[p].mac.addr_bytes), "queues", (int)pc->queues,
			      "ipv4", hp_json_prefixes(pc->ipv4, pc->n_ipv4), "ipv6",
			      hp_json_prefixes(pc->ipv6, pc->n_ipv6), "device", pc->device);
		if (o != NULL && pc->host == HP_HOST_TAP)
			json_object_set_new(o, "host", dp_host_json(rt, p, false));
		json_array_append_new(a, o);
	}
	*result = a;
	return 0;
}

int
cmd_port_stats(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"name", NULL};
	const char *name;
	json_t *ports, *out, *p;
	size_t i;

	if (known_args(args, allowed, e) < 0 || arg_str(args, "name", false, &name, e) < 0)
		return -1;
	if (name != NULL && hp_config_port_index(rt->cfg, name) < 0)
		return fail(e, "ENOENT", "no port \"%s\"", name);
	ports = report_part(rt, "ports");
	if (ports == NULL)
		return fail(e, "ENOMEM", "out of memory");
	out = json_array();
	json_array_foreach(ports, i, p) {
		if (name == NULL || strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
			json_array_append(out, p);
	}
	json_decref(ports);
	*result = out;
	return 0;
}
