/* Publishing a request's table change: the grace period, route batches, a new ACL and its carried counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "cmd.h"
#include "ctview.h"
#include "handlers.h"

/* The request's table change is done once every worker has been through a quiescent state. */
void
published(struct dp_runtime *rt)
{
	dp_tables_sync(rt);
}

/*
 * Route changes of one batch of pipelined requests (ctl_cmd_batch) share one grace
 * period, taken before any of their replies leaves: each reply still means "every
 * worker sees it". That holds because what a route change frees is either reclaimed
 * through RCU by its owner (dp_lpm4's tbl8 groups, the neighbour hash) or never
 * reused (groups, next hops are append-only) - except rte_lpm6's tbl8 groups, which
 * 22.11 frees at once: an IPv6 delete takes its grace period before the next request.
 */
static struct {
	bool open;    /* inside a batch */
	bool pending; /* a route changed since the last grace period */
} batch;

void
published_route(struct dp_runtime *rt, const struct hp_prefix *p, bool del)
{
	if (batch.open && !(del && p->family == AF_INET6)) {
		batch.pending = true;
		return;
	}
	batch.pending = false;
	published(rt);
}

void
ctl_cmd_batch(struct dp_runtime *rt, bool begin)
{
	batch.open = begin;
	if (!begin && batch.pending) {
		batch.pending = false;
		published(rt);
	}
}

/* ---- ACL and policer changes: a draft of the model's rules and policers ---- */

struct hp_config *
acl_draft(const struct dp_runtime *rt)
{
	const struct hp_config *cfg = rt->cfg;
	struct hp_config *d = malloc(sizeof(*d));

	if (d == NULL)
		return NULL;
	/* the rest is the running model's, read-only: only acl and policers are the draft's own */
	*d = *cfg;
	d->acl = malloc((cfg->n_acl + 1) * sizeof(*d->acl));
	d->policers = malloc((cfg->n_policers + 1) * sizeof(*d->policers));
	d->acl_cap = cfg->n_acl + 1;
	d->policers_cap = cfg->n_policers + 1;
	d->route_index = NULL;
	if (d->acl == NULL || d->policers == NULL) {
		acl_draft_drop(d);
		return NULL;
	}
	if (cfg->n_acl > 0) /* cfg->acl may be NULL then */
		memcpy(d->acl, cfg->acl, cfg->n_acl * sizeof(*d->acl));
	if (cfg->n_policers > 0)
		memcpy(d->policers, cfg->policers, cfg->n_policers * sizeof(*d->policers));
	return d;
}

void
acl_draft_drop(struct hp_config *d)
{
	if (d == NULL)
		return;
	free(d->acl);
	free(d->policers);
	free(d);
}

int
acl_draft_commit(struct dp_runtime *rt, struct hp_config *d, struct cmd_err *e)
{
	struct hp_config *cfg = rt->cfg;
	struct dp_tables *t, *old;
	char err[HP_ERR_MAX];
	int rc;

	if ((rc = dp_tables_build_acl(rt, d, &t, err, sizeof(err))) < 0) {
		acl_draft_drop(d);
		return fail(e, rc == -ENOMEM || errno == ENOMEM ? "ENOMEM" : "EINVAL", "%s", err);
	}
	/* the counters of the rules the draft keeps carry over from the model's */
	old = dp_tables_publish(rt, t, d);
	ctl_nat_retire(rt, old); /* its counters carry over */
	dp_tables_retire(rt, old);
	free(cfg->acl);
	free(cfg->policers);
	cfg->acl = d->acl, cfg->n_acl = d->n_acl, cfg->acl_cap = d->acl_cap;
	cfg->policers = d->policers, cfg->n_policers = d->n_policers, cfg->policers_cap = d->policers_cap;
	free(d);
	return 0;
}
