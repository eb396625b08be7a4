/* acl.add, acl.del, acl.show: rules read by the config file's own entry parser, changed in the model, published as a new ACL. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

/* An entry refused by the parser: its errno as the reply's code. */
const char *
entry_code(int rc)
{
	return rc == -ENOMEM ? "ENOMEM" : "EINVAL";
}

int
cmd_acl_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_acl_rule rule;
	struct hp_config *d;
	char err[HP_ERR_MAX];
	unsigned idx = rt->cfg->n_acl;
	int rc;

	if (need_fib(rt, e) < 0)
		return -1;
	if ((rc = hp_config_parse_entry(rt->cfg, "acl", args, &rule, err, sizeof(err))) < 0)
		return fail(e, entry_code(rc), "%s", err);
	rule.line = 0; /* added over the socket */
	if ((d = acl_draft(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	if ((rc = hp_model_acl_add(d, &rule, err, sizeof(err))) < 0) {
		acl_draft_drop(d);
		return fail(e, rc == -ENOSPC ? "ENOSPC" : entry_code(rc), "%s", err);
	}
	if (acl_draft_commit(rt, d, e) < 0)
		return -1;
	*result = json_pack("{s:i}", "index", (int)idx);
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
		return fail(e, "ENOENT", "no rule %" JSON_INTEGER_FORMAT " (there are %u)",
			    json_integer_value(v), n);
	*idx = (unsigned)json_integer_value(v);
	return 0;
}

int
cmd_acl_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_config *d;
	unsigned idx = 0;

	(void)result;
	if (need_fib(rt, e) < 0 || index_arg(args, rt->cfg->n_acl, &idx, e) < 0)
		return -1;
	if ((d = acl_draft(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	hp_model_acl_del(d, idx, NULL);
	return acl_draft_commit(rt, d, e);
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
		struct dp_acl_rule_stats h = dp_tables_acl_hits(t, rt->n_workers, i);
		char action[HP_NAME_MAX + 8];
		json_t *o;

		hp_dump_acl_action(rt->cfg, r, action, sizeof(action));
		o = json_pack("{s:i, s:i}", "index", (int)i, "priority", (int)r->priority);
		json_object_set_new(o, "src", r->has_src ? hp_json_prefix(&r->src) : json_string("any"));
		json_object_set_new(o, "dst", r->has_dst ? hp_json_prefix(&r->dst) : json_string("any"));
		json_object_set_new(o, "proto", r->has_proto ? json_integer(r->proto) : json_string("any"));
		json_object_set_new(o, "sport", hp_json_port_range(r->sport_lo, r->sport_hi));
		json_object_set_new(o, "dport", hp_json_port_range(r->dport_lo, r->dport_hi));
		json_object_set_new(o, "action", json_string(action));
		json_object_set_new(o, "packets", json_integer((json_int_t)h.packets));
		json_object_set_new(o, "bytes", json_integer((json_int_t)h.bytes));
		json_array_append_new(a, o);
	}
	*result = a;
	return 0;
}
