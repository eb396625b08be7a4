/* The command handlers (one file per object, named by the registry) and what they share across files. */
#ifndef CTL_CMD_HANDLERS_H
#define CTL_CMD_HANDLERS_H

#include <stdbool.h>

#include <jansson.h>

#include "args.h"
#include "cmd.h"
#include "commands.h"
#include "neigh.h"
#include "dump.h"
#include "model.h"
#include "runtime.h"
#include "tables.h"
#include "worker_state.h"

/*
 * A handler: args is the request's "args" object (never NULL); on success
 * it sets *result (a new reference, NULL means {}) and returns 0, else
 * fills e and returns -1 having changed nothing.
 */
typedef int (*cmd_fn)(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e);

/* cmd_<id>() for every row of HP_COMMANDS: dispatch.c's table calls them. */
#define CMD_HANDLER(id, n, f, a, h) \
	int cmd_##id(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e);
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
 * An ACL or policer change is made on a draft: a copy of the model whose ACL
 * rules and policers are its own (the rest is the running model's, read
 * only). The model's operations change the draft; acl_draft_commit builds
 * the tables from it, publishes them (the counters of kept rules carry over)
 * and the model takes the draft's rules and policers. Anything refused on
 * the way leaves the model and the tables as they were; commit and drop
 * free the draft. acl_draft: NULL on ENOMEM. acl_draft_commit: 0, or -1
 * with e filled.
 */
struct hp_config *acl_draft(const struct dp_runtime *rt);
void acl_draft_drop(struct hp_config *d);
int acl_draft_commit(struct dp_runtime *rt, struct hp_config *d, struct cmd_err *e);

/* ---- dispatch.c: a result that comes a slice at a time ---- */

/*
 * The result is the items s gives (an array), a slice per loop turn, not
 * *result: the handler returns cmd_reply_stream(result, s) once it has
 * checked everything (a stream is never refused after it started).
 */
int cmd_reply_stream(json_t **result, struct ctl_stream *s);

/* ---- shared by the objects' files ---- */

/* stats.c: one part of dp_report_json() (a new reference), NULL on ENOMEM. */
json_t *report_part(struct dp_runtime *rt, const char *key);

/* acl.c: the reply code of a refused entry (hp_config_parse_entry, the model): ENOMEM or EINVAL. */
const char *entry_code(int rc);

#endif
