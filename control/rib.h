/* The routes learned from Linux (origin linux), kept beside the model, and how they share the FIB with the operator's. */
#ifndef CTL_RIB_H
#define CTL_RIB_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "runtime.h"

struct dp_fib;

/*
 * Two sources put routes in the FIB: the model (rt->cfg: origin config and
 * cli, what the operator configured; config dump writes it) and this store
 * (origin linux: what the rtnetlink mirror took from a kernel table). One
 * prefix may have a route of each; the operator's wins (docs/config.md,
 * "Route origins"): the linux route is then stored but shadowed, and comes
 * (back) into the FIB when the operator's route of its prefix goes.
 *
 * Each linux route is in one state: active (in the FIB), shadowed (the model
 * has a route of its prefix), or left out (no model route, but it failed
 * hp_model_route_check against the model, or the FIB was full, when it had
 * to go in after a config.apply or a route.del; the next set of its prefix
 * or config.apply tries again).
 *
 * Control thread only. One store per process (as the neighbour table). No
 * function here waits for a grace period unless it says so: the caller
 * brackets its changes with ctl_cmd_batch(rt, true/false) and calls
 * published_route(rt, &prefix, del) after each (control/cmd/publish.c).
 * Scales to millions of routes: set, del and find are O(1) (the route table
 * of control/config/model.h).
 */

/*
 * Add or replace the linux route r (stored with origin linux whatever
 * r->origin says; r->port >= 0 for forward routes). Checked like any route
 * (hp_model_route_check against rt->cfg): -EINVAL with a message naming the
 * route; -ENOSPC (HP_MAX_ROUTES linux routes, or a FIB table full), -ENOMEM.
 * If the model has a route of the same prefix, r is stored shadowed and the
 * FIB keeps the operator's; otherwise r goes into the FIB (dp_fib_route_add).
 * A refusal changes nothing (a linux route of the prefix stays as it was,
 * still marked stale if it was). Clears the prefix's stale mark.
 */
int ctl_rib_linux_set(struct dp_runtime *rt, const struct hp_route_conf *r, char *err, size_t errlen);

/* Delete the linux route of prefix p: 0 or -ENOENT. If it was in the FIB it leaves the FIB. */
int ctl_rib_linux_del(struct dp_runtime *rt, const struct hp_prefix *p);

/*
 * Resync: mark every linux route stale; ctl_rib_linux_set clears the mark of
 * the prefixes it is given; ctl_rib_linux_sweep deletes the routes still
 * stale and returns how many.
 */
void ctl_rib_linux_mark(struct dp_runtime *rt);

/*
 * Delete the stale routes (as ctl_rib_linux_del), how many. If it deleted
 * any, it waits for a grace period before it returns (rte_lpm6 frees its
 * groups at once): the deletions are done, the caller publishes nothing more.
 */
unsigned ctl_rib_linux_sweep(struct dp_runtime *rt);

/* Delete all linux routes (the mirror turned off), how many; waits like sweep. */
unsigned ctl_rib_linux_flush(struct dp_runtime *rt);

/* Linux routes stored; of them, shadowed by a config/cli route; left out of the FIB. */
unsigned ctl_rib_linux_count(const struct dp_runtime *rt);
unsigned ctl_rib_linux_shadowed(const struct dp_runtime *rt);
unsigned ctl_rib_linux_left_out(const struct dp_runtime *rt);

/*
 * Iteration (route.show): the i-th linux route, 0 <= i < ctl_rib_linux_count,
 * in no particular order; NULL past the end. *active (may be NULL): it is in
 * the FIB. Valid until the next change.
 */
const struct hp_route_conf *ctl_rib_linux_at(const struct dp_runtime *rt, unsigned i, bool *active);

/* The linux route of exactly p, or NULL; *active as ctl_rib_linux_at. */
const struct hp_route_conf *ctl_rib_linux_find(const struct dp_runtime *rt, const struct hp_prefix *p,
					       bool *active);

/* ---- the model's side (control/cmd/route.c, control/cmd/config.c) ---- */

/* The model took a route of p (route.add) and the caller put it in the FIB over whatever
 * was there: the linux route of p, if any, is shadowed from now on. */
void ctl_rib_shadow(struct dp_runtime *rt, const struct hp_prefix *p);

/*
 * The model lost its route of p (route.del, an undone route.add): in place of
 * dp_fib_route_del, the FIB takes the linux route of p if there is one (one
 * in-place change: no moment without a route) and 1 comes back; else p
 * leaves the FIB and 0 comes back. A linux route that the model's check
 * (against rt->cfg) or the FIB (full) refuses is left out (logged), p leaves
 * the FIB, and 0 comes back.
 */
int ctl_rib_reveal(struct dp_runtime *rt, const struct hp_prefix *p);

/*
 * config.apply: fib was just built from nc, the model to be. Every linux
 * route nc has no route of goes into fib if it passes hp_model_route_check
 * against nc; one that fails it or finds fib full is left out (counted,
 * logged once per call with the first one's reason), never fatal. Call it
 * when nothing can fail any more before fib is published (the states then
 * describe fib). Returns how many went in.
 */
unsigned ctl_rib_linux_reinstall(struct dp_runtime *rt, struct dp_fib *fib, struct hp_config *nc);

/* Free the store (hotpathd's exit; tests); the FIB is not touched. */
void ctl_rib_free(void);

#endif
