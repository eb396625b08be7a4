/* nat.show, nat.add, nat.del: rules read by the config file's own entry parser and checker, published as a new table set. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctview.h"
#include "handlers.h"

/* A copy of the model whose nat rules are its own (the rest is the running model's, read only). */
static struct hp_config *
nat_draft(const struct dp_runtime *rt)
{
	const struct hp_config *cfg = rt->cfg;
	struct hp_config *d = malloc(sizeof(*d));

	if (d == NULL)
		return NULL;
	*d = *cfg;
	d->route_index = NULL;
	d->nat = malloc((cfg->n_nat + 1) * sizeof(*d->nat));
	if (d->nat == NULL) {
		free(d);
		return NULL;
	}
	if (cfg->n_nat > 0)
		memcpy(d->nat, cfg->nat, cfg->n_nat * sizeof(*d->nat));
	return d;
}

static void
nat_draft_drop(struct hp_config *d)
{
	free(d->nat);
	free(d);
}

/*
 * Build the table set of the draft (the running FIB, ACL and connection table; NAT compiled
 * from the draft's rules, pools the running NAT has keeping their port maps), publish it, and
 * the model takes the draft's rules. A refusal leaves everything as it was.
 */
static int
nat_draft_commit(struct dp_runtime *rt, struct hp_config *d, struct cmd_err *e)
{
	struct hp_config *cfg = rt->cfg;
	struct dp_tables *t;
	char err[HP_ERR_MAX];
	int rc;

	if ((rc = dp_tables_build_acl(rt, d, &t, err, sizeof(err))) < 0) {
		nat_draft_drop(d);
		return fail(e, rc == -ENOMEM || errno == ENOMEM ? "ENOMEM" : "EINVAL", "%s", err);
	}
	dp_tables_retire(rt, dp_tables_publish(rt, t, d));
	free(cfg->nat);
	cfg->nat = d->nat, cfg->n_nat = d->n_nat;
	free(d);
	return 0;
}

int
cmd_nat_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_nat_rule rule;
	struct hp_config *d;
	char err[HP_ERR_MAX];
	unsigned idx = rt->cfg->n_nat;
	int rc;

	if (need_fib(rt, e) < 0)
		return -1;
	if ((rc = hp_config_parse_entry(rt->cfg, "nat", args, &rule, err, sizeof(err))) < 0)
		return fail(e, entry_code(rc), "%s", err);
	rule.line = 0; /* added over the socket */
	if ((d = nat_draft(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	if ((rc = hp_model_nat_add(d, &rule, err, sizeof(err))) < 0) {
		nat_draft_drop(d);
		return fail(e, rc == -ENOSPC ? "ENOSPC" : entry_code(rc), "%s", err);
	}
	if (nat_draft_commit(rt, d, e) < 0)
		return -1;
	*result = json_pack("{s:i}", "index", (int)idx);
	return 0;
}

/* nat.del's rule: {"index": N}, or the rule's fields as nat.add takes them. */
static int
del_index(struct dp_runtime *rt, json_t *args, unsigned *idx, struct cmd_err *e)
{
	const struct hp_config *cfg = rt->cfg;
	json_t *v = json_object_get(args, "index");
	struct hp_nat_rule rule;
	struct hp_config alone;
	char err[HP_ERR_MAX];
	int rc, i;

	if (v != NULL) {
		if (json_object_size(args) != 1)
			return fail(e, "EINVAL",
				    "argument \"index\" takes no other argument (or give the rule's "
				    "fields without it)");
		if (!json_is_integer(v))
			return fail(e, "EINVAL", "argument \"index\" must be an integer");
		if (json_integer_value(v) < 0 || json_integer_value(v) >= (json_int_t)cfg->n_nat)
			return fail(e, "ENOENT", "no nat rule %" JSON_INTEGER_FORMAT " (there are %u)",
				    json_integer_value(v), cfg->n_nat);
		*idx = (unsigned)json_integer_value(v);
		return 0;
	}
	if (json_object_size(args) == 0)
		return fail(e, "EINVAL",
			    "missing argument \"index\" (or the rule's fields: type, out, src, to, "
			    "ports | type, in, dst, proto, dport, to)");
	/* read alone: the rule is one of the running ones, which would refuse it as a duplicate */
	alone = *cfg;
	alone.nat = NULL;
	alone.n_nat = 0;
	if ((rc = hp_config_parse_entry(&alone, "nat", args, &rule, err, sizeof(err))) < 0)
		return fail(e, entry_code(rc), "%s", err);
	if ((i = hp_model_nat_find(cfg, &rule)) < 0)
		return fail(e, "ENOENT", "no nat rule is the same as this one (nat.show lists them)");
	*idx = (unsigned)i;
	return 0;
}

int
cmd_nat_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_config *d;
	unsigned idx = 0;

	if (need_fib(rt, e) < 0 || del_index(rt, args, &idx, e) < 0)
		return -1;
	if ((d = nat_draft(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	hp_model_nat_del(d, idx, NULL);
	if (nat_draft_commit(rt, d, e) < 0)
		return -1;
	*result = json_pack("{s:i}", "index", (int)idx);
	return 0;
}

int
cmd_nat_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *rules, *counters;

	if (no_args(args, e) < 0)
		return -1;
	rules = json_array();
	for (unsigned i = 0; rules != NULL && i < rt->cfg->n_nat; i++) {
		json_t *o = json_pack("{s:i}", "index", (int)i),
		       *r = hp_dump_nat_rule(rt->cfg, &rt->cfg->nat[i]);
		json_t *free_ports;

		if (o == NULL || r == NULL || json_object_update(o, r) < 0) {
			json_decref(o);
			json_decref(r);
			json_decref(rules);
			return fail(e, "ENOMEM", "out of memory");
		}
		json_decref(r);
		if (rt->cfg->nat[i].type == HP_NAT_SNAT) {
			free_ports = ctl_nat_pool_free(rt, i);
			json_object_set_new(o, "free_ports", free_ports ? free_ports : json_null());
		}
		json_array_append_new(rules, o);
	}
	counters = ctl_nat_counters(rt);
	if (rules == NULL || counters == NULL) {
		json_decref(rules);
		json_decref(counters);
		return fail(e, "ENOMEM", "out of memory");
	}
	*result = json_pack("{s:o, s:o}", "rules", rules, "counters", counters);
	return 0;
}
