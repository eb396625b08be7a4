/* The command handlers (one file per object, named by the registry) and what they share across files. */
#ifndef CTL_CMD_HANDLERS_H
#define CTL_CMD_HANDLERS_H

#include <stdbool.h>

#include <jansson.h>

#include "args.h"
#include "commands.h"
#include "neigh.h"
#include "dump.h"
#include "model.h"
#include "runtime.h"

/*
 * A handler: args is the request's "args" object (never NULL); on success
 * it sets *result (a new reference, NULL means {}) and returns 0, else
 * fills e and returns -1 having changed nothing.
 */
typedef int (*cmd_fn)(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e);

/* cmd_<id>() for every row of HP_COMMANDS: dispatch.c's table calls them. */
#define CMD_HANDLER(id, n, f, a, h) int cmd_##id(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e);
HP_COMMANDS(CMD_HANDLER)
#undef CMD_HANDLER

/* Rows of a table a callback fills (neighbour iteration). */
struct rows {
	const struct dp_runtime *rt;
	json_t *a;
};

/* ---- publish.c: table changes, their grace period and the ACL's counters ---- */

/* The request's table change is done once every worker has been through a quiescent state. */
void published(struct dp_runtime *rt);

/* A route change's grace period: deferred to the end of a batch (ctl_cmd_batch) where that is safe. */
void published_route(struct dp_runtime *rt, const struct hp_prefix *p, bool del);

/*
 * Counters of an ACL (rules, n) replacing old's (old_rules, n_old): each kept rule
 * starts from its old hits. A calloc'd array, or NULL when nothing carries over.
 */
struct dp_acl_rule_stats *carry_acl_hits(const struct dp_runtime *rt, const struct dp_tables *old,
					 const struct hp_acl_rule *old_rules, unsigned n_old,
					 const struct hp_policer_conf *old_pol, const struct hp_acl_rule *rules,
					 unsigned n, const struct hp_policer_conf *pol);

/*
 * Publish an ACL built from rules and policers; on success rt->cfg takes them
 * over (the old arrays are freed). 0, or -1 with e filled and nothing changed.
 */
int publish_acl(struct dp_runtime *rt, struct hp_acl_rule *rules, unsigned n_rules,
		struct hp_policer_conf *policers, unsigned n_policers, struct cmd_err *e);

/* ---- shared by the objects' files ---- */

/* stats.c: one part of dp_report_json() (a new reference), NULL on ENOMEM. */
json_t *report_part(struct dp_runtime *rt, const char *key);

/* policer.c: a policer as the config file writes it. */
json_t *policer_json(const struct hp_policer_conf *p);

/*
 * acl.c: the request's objects (objs under section, policers or the live ones)
 * checked by the config file's parser into out. 0, or -1 with e filled.
 */
int parse_objects(struct dp_runtime *rt, const char *section, json_t *objs, json_t *policers,
		  struct hp_config *out, struct cmd_err *e);

#endif
