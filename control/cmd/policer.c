/* policer.add, policer.del, policer.show: policers checked by the config parser, published with the ACL. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

json_t *
policer_json(const struct hp_policer_conf *p)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "name", p->name, "type",
			      p->type == HP_POLICER_TRTCM ? "trtcm" : "srtcm", "cir", (json_int_t)p->cir, "cbs",
			      (json_int_t)p->cbs);

	if (p->type == HP_POLICER_TRTCM) {
		json_object_set_new(o, "pir", json_integer((json_int_t)p->pir));
		json_object_set_new(o, "pbs", json_integer((json_int_t)p->pbs));
	} else {
		json_object_set_new(o, "ebs", json_integer((json_int_t)p->ebs));
	}
	return o;
}

int
cmd_policer_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_config req;
	json_t *all = json_array(), *none = json_array();
	int rc;

	(void)result;
	if (need_fib(rt, e) < 0) {
		json_decref(all);
		json_decref(none);
		return -1;
	}
	for (unsigned i = 0; i < rt->cfg->n_policers; i++)
		json_array_append_new(all, policer_json(&rt->cfg->policers[i]));
	json_array_append(all, args);
	/* the parser refuses a second policer of the same name, as in the file */
	rc = parse_objects(rt, "acl", none, all, &req, e);
	json_decref(all);
	json_decref(none);
	if (rc < 0)
		return -1;
	if (publish_acl(rt, rt->cfg->acl, rt->cfg->n_acl, req.policers, req.n_policers, e) < 0) {
		hp_config_free(&req);
		return -1;
	}
	req.policers = NULL; /* now the live configuration's */
	hp_config_free(&req);
	return 0;
}

int
cmd_policer_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"name", NULL};
	struct hp_policer_conf *pols;
	struct hp_acl_rule *rules;
	unsigned n = rt->cfg->n_policers, idx;
	const char *name;

	(void)result;
	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0 || arg_str(args, "name", true, &name, e) < 0)
		return -1;
	for (idx = 0; idx < n && strcmp(rt->cfg->policers[idx].name, name) != 0; idx++)
		;
	if (idx == n)
		return fail(e, "ENOENT", "no policer \"%.32s\"", name);
	for (unsigned i = 0; i < rt->cfg->n_acl; i++)
		if (rt->cfg->acl[i].action == HP_ACL_POLICE && rt->cfg->acl[i].policer == (int)idx)
			return fail(e, "EBUSY", "policer \"%.32s\" is used by ACL rule %u", name, i);
	pols = malloc(n * sizeof(*pols));
	rules = malloc(rt->cfg->n_acl * sizeof(*rules) + 1);
	if (pols == NULL || rules == NULL) {
		free(pols);
		free(rules);
		return fail(e, "ENOMEM", "out of memory");
	}
	memcpy(pols, rt->cfg->policers, idx * sizeof(*pols));
	memcpy(pols + idx, rt->cfg->policers + idx + 1, (n - idx - 1) * sizeof(*pols));
	/* the rules name policers by index: those after the removed one move down */
	if (rt->cfg->n_acl > 0)
		memcpy(rules, rt->cfg->acl, rt->cfg->n_acl * sizeof(*rules));
	for (unsigned i = 0; i < rt->cfg->n_acl; i++)
		if (rules[i].action == HP_ACL_POLICE && rules[i].policer > (int)idx)
			rules[i].policer--;
	if (publish_acl(rt, rules, rt->cfg->n_acl, pols, n - 1, e) < 0) {
		free(pols);
		free(rules);
		return -1;
	}
	return 0;
}

int
cmd_policer_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *a;

	if (no_args(args, e) < 0)
		return -1;
	a = json_array();
	for (unsigned i = 0; i < rt->cfg->n_policers; i++)
		json_array_append_new(a, policer_json(&rt->cfg->policers[i]));
	*result = a;
	return 0;
}
