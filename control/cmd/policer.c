/* policer.add, policer.del, policer.show: policers read by the config file's own entry parser, changed in the model, published with the ACL. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

int
cmd_policer_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_policer_conf p;
	struct hp_config *d;
	char err[HP_ERR_MAX];
	int rc;

	(void)result;
	if (need_fib(rt, e) < 0)
		return -1;
	if ((rc = hp_config_parse_entry(rt->cfg, "policers", args, &p, err, sizeof(err))) < 0)
		return fail(e, entry_code(rc), "%s", err);
	p.line = 0;
	if ((d = acl_draft(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	/* a second policer of the same name is refused, as in the file */
	if ((rc = hp_model_policer_add(d, &p, err, sizeof(err))) < 0) {
		acl_draft_drop(d);
		return fail(e, rc == -ENOSPC ? "ENOSPC" : entry_code(rc), "%s", err);
	}
	return acl_draft_commit(rt, d, e);
}

int
cmd_policer_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"name", NULL};
	struct hp_config *d;
	char err[HP_ERR_MAX];
	const char *name;
	int rc;

	(void)result;
	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0 ||
	    arg_str(args, "name", true, &name, e) < 0)
		return -1;
	if ((d = acl_draft(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	if ((rc = hp_model_policer_del(d, name, err, sizeof(err))) < 0) {
		acl_draft_drop(d);
		return fail(e, rc == -EBUSY ? "EBUSY" : "ENOENT", "%s", err);
	}
	return acl_draft_commit(rt, d, e);
}

int
cmd_policer_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *a;

	if (no_args(args, e) < 0)
		return -1;
	a = json_array();
	for (unsigned i = 0; i < rt->cfg->n_policers; i++)
		json_array_append_new(a, hp_dump_policer(&rt->cfg->policers[i]));
	*result = a;
	return 0;
}
