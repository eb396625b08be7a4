/* acl.add, acl.del, acl.show: rules checked by the config parser, published as a new ACL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

/*
 * A request's objects are checked by the same parser as the config file:
 * they are written as YAML flow (JSON is YAML) into a small document with
 * one placeholder port and the live policers, and parsed. Messages name
 * the argument as the config file would ("request:N: key 'dport': ...").
 */
int
parse_objects(struct dp_runtime *rt, const char *section, json_t *objs, json_t *policers, struct hp_config *out,
	      struct cmd_err *e)
{
	char err[HP_ERR_MAX];
	char *a = json_dumps(objs, JSON_COMPACT), *pol = NULL, *text = NULL;
	json_t *pl = policers;
	int rc = -1;

	if (pl == NULL) {
		pl = json_array();
		for (unsigned i = 0; i < rt->cfg->n_policers; i++)
			json_array_append_new(pl, policer_json(&rt->cfg->policers[i]));
	} else {
		json_incref(pl);
	}
	pol = json_dumps(pl, JSON_COMPACT);
	json_decref(pl);
	if (a == NULL || pol == NULL || asprintf(&text, "ports:\n  - { name: p, device: net_null0 }\npolicers: %s\n%s: %s\n",
						pol, section, a) < 0) {
		text = NULL;
		fail(e, "ENOMEM", "out of memory");
		goto out;
	}
	memset(out, 0, sizeof(*out));
	if (hp_config_parse("request", text, strlen(text), out, err, sizeof(err)) != 0) {
		/* "request:LINE: what": the line is the synthetic document's, not the caller's */
		const char *what = strstr(err, ": ");

		fail(e, "EINVAL", "%s", what != NULL && strncmp(err, "request:", 8) == 0 ? what + 2 : err);
		goto out;
	}
	rc = 0;
out:
	free(a);
	free(pol);
	free(text);
	return rc;
}

int
cmd_acl_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_config req;
	struct hp_acl_rule *rules;
	unsigned n = rt->cfg->n_acl;
	json_t *one;
	int rc;

	if (need_fib(rt, e) < 0)
		return -1;
	one = json_pack("[O]", args);
	rc = parse_objects(rt, "acl", one, NULL, &req, e);
	json_decref(one);
	if (rc < 0)
		return -1;
	rules = malloc((n + 1) * sizeof(*rules));
	if (rules == NULL) {
		hp_config_free(&req);
		return fail(e, "ENOMEM", "out of memory");
	}
	if (n > 0)
		memcpy(rules, rt->cfg->acl, n * sizeof(*rules));
	rules[n] = req.acl[0];
	rules[n].line = 0; /* added over the socket */
	hp_config_free(&req);
	if (publish_acl(rt, rules, n + 1, rt->cfg->policers, rt->cfg->n_policers, e) < 0) {
		free(rules);
		return -1;
	}
	*result = json_pack("{s:i}", "index", (int)n);
	return 0;
}

static int
index_arg(json_t *args, unsigned n, unsigned *idx, struct cmd_err *e)
{
	static const char *const allowed[] = {"index", NULL};
	json_t *v = json_object_get(args, "index");

	if (known_args(args, allowed, e) < 0)
		return -1;
	if (v == NULL || !json_is_integer(v))
		return fail(e, "EINVAL", "argument \"index\" (an integer) is required");
	if (json_integer_value(v) < 0 || json_integer_value(v) >= (json_int_t)n)
		return fail(e, "ENOENT", "no rule %" JSON_INTEGER_FORMAT " (there are %u)", json_integer_value(v), n);
	*idx = (unsigned)json_integer_value(v);
	return 0;
}

int
cmd_acl_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	unsigned n = rt->cfg->n_acl, idx = 0;
	struct hp_acl_rule *rules;

	(void)result;
	if (need_fib(rt, e) < 0 || index_arg(args, n, &idx, e) < 0)
		return -1;
	rules = malloc(n * sizeof(*rules) + 1);
	if (rules == NULL)
		return fail(e, "ENOMEM", "out of memory");
	memcpy(rules, rt->cfg->acl, idx * sizeof(*rules));
	memcpy(rules + idx, rt->cfg->acl + idx + 1, (n - idx - 1) * sizeof(*rules));
	if (publish_acl(rt, rules, n - 1, rt->cfg->policers, rt->cfg->n_policers, e) < 0) {
		free(rules);
		return -1;
	}
	return 0;
}

int
cmd_acl_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	const struct dp_tables *t = rt->tables;
	json_t *a;

	if (need_fib(rt, e) < 0 || no_args(args, e) < 0)
		return -1;
	a = json_array();
	for (unsigned i = 0; i < rt->cfg->n_acl; i++) {
		const struct hp_acl_rule *r = &rt->cfg->acl[i];
		uint64_t pk = 0, by = 0;
		char action[HP_NAME_MAX + 8];
		json_t *o;

		struct dp_acl_rule_stats h = dp_tables_acl_hits(t, rt->n_workers, i);

		pk = h.packets, by = h.bytes;
		if (r->action == HP_ACL_POLICE)
			snprintf(action, sizeof(action), "police %s", rt->cfg->policers[r->policer].name);
		else
			snprintf(action, sizeof(action), "%s", hp_acl_action_name(r->action));
		o = json_pack("{s:i, s:i}", "index", (int)i, "priority", (int)r->priority);
		json_object_set_new(o, "src", r->has_src ? prefix_json(&r->src) : json_string("any"));
		json_object_set_new(o, "dst", r->has_dst ? prefix_json(&r->dst) : json_string("any"));
		json_object_set_new(o, "proto", r->has_proto ? json_integer(r->proto) : json_string("any"));
		json_object_set_new(o, "sport", range_json(r->sport_lo, r->sport_hi));
		json_object_set_new(o, "dport", range_json(r->dport_lo, r->dport_hi));
		json_object_set_new(o, "action", json_string(action));
		json_object_set_new(o, "packets", json_integer((json_int_t)pk));
		json_object_set_new(o, "bytes", json_integer((json_int_t)by));
		json_array_append_new(a, o);
	}
	*result = a;
	return 0;
}
