/* The routes learned from Linux: a route table beside the model, and which of a prefix's two routes the FIB holds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "fib.h"
#include "log.h"
#include "model.h"
#include "rib.h"
#include "tables.h"

/* A linux route's state, one byte beside it (rib.state[i] goes with rib.t.routes[i]). */
enum {
	RIB_ACTIVE = 0,   /* in the FIB */
	RIB_SHADOWED = 1, /* the model has a route of its prefix */
	RIB_LEFT_OUT = 2, /* neither: refused by the check or the FIB */
	RIB_STATE = 3,
	RIB_STALE = 4, /* marked by ctl_rib_linux_mark, not seen since */
};

static struct {
	struct hp_route_table t;
	uint8_t *state;
	unsigned state_cap;
	unsigned n_state[3]; /* routes in each state */
} rib;

static void
set_state(unsigned i, uint8_t st)
{
	rib.n_state[rib.state[i] & RIB_STATE]--;
	rib.n_state[st & RIB_STATE]++;
	rib.state[i] = st;
}

/* Room for n states. */
static int
state_room(unsigned n)
{
	unsigned c = rib.state_cap < 1024 ? 1024 : rib.state_cap;
	uint8_t *s;

	if (n <= rib.state_cap)
		return 0;
	while (c < n)
		c *= 2;
	if ((s = realloc(rib.state, c)) == NULL)
		return -ENOMEM;
	rib.state = s;
	rib.state_cap = c;
	return 0;
}

/* Delete route i of the store (its FIB entry, if any, is the caller's). */
static void
drop(unsigned i)
{
	struct hp_prefix p = rib.t.routes[i].prefix;
	int at;

	rib.n_state[rib.state[i] & RIB_STATE]--;
	at = hp_route_table_del(&rib.t, &p, NULL);
	if (at >= 0 && (unsigned)at != rib.t.n)
		rib.state[at] = rib.state[rib.t.n]; /* the last route moved there */
}

static struct dp_fib *
fib_of(const struct dp_runtime *rt)
{
	return rt->tables != NULL ? rt->tables->fib : NULL;
}

int
ctl_rib_linux_set(struct dp_runtime *rt, const struct hp_route_conf *r, char *err, size_t errlen)
{
	char msg[256], pbuf[HP_PREFIX_STRLEN];
	struct hp_route_conf nr = *r, old;
	struct dp_fib *fib = fib_of(rt);
	uint8_t st;
	bool had, shadowed;
	int pos, rc;

	nr.origin = HP_ORIGIN_LINUX;
	if (fib == NULL)
		return hp_errf(err, errlen, -EINVAL, "no FIB: hotpathd has no l3 port");
	if (hp_model_route_check(rt->cfg, &nr, msg, sizeof(msg)) < 0) {
		if (hp_prefix_host_bits(&nr.prefix, NULL, NULL, 0))
			return hp_errf(err, errlen, -EINVAL, "%s", msg);
		return hp_errf(err, errlen, -EINVAL, "route %s: %s",
			       hp_prefix_format(&nr.prefix, pbuf, sizeof(pbuf)), msg);
	}
	if (state_room(rib.t.n + 1) < 0)
		return hp_errf(err, errlen, -ENOMEM, "out of memory for linux routes");
	shadowed = hp_model_route_find(rt->cfg, &nr.prefix) != NULL;
	if ((pos = hp_route_table_put(&rib.t, &nr, HP_MAX_ROUTES, &old, &had)) < 0)
		return hp_errf(err, errlen, pos,
			       pos == -ENOSPC ? "more than %u linux routes"
					      : "out of memory for linux routes",
			       HP_MAX_ROUTES);
	if (!had) /* counted as left out until set_state says what it is */
		rib.state[pos] = RIB_LEFT_OUT, rib.n_state[RIB_LEFT_OUT]++;
	/* shadowed: the FIB keeps the operator's route (ctl_rib_shadow keeps the states in step
	 * with the model, so a replaced linux route was shadowed too) */
	st = RIB_SHADOWED;
	if (!shadowed) {
		/* over the old linux route if it was in the FIB: one in-place change */
		if ((rc = dp_fib_route_add(fib, rt->cfg, &nr, err, errlen)) < 0) {
			/* a refused add changed nothing in the FIB: the store goes back too */
			if (had) {
				hp_route_table_put(&rib.t, &old, HP_MAX_ROUTES, NULL, NULL);
			} else {
				rib.n_state[RIB_LEFT_OUT]--;
				hp_route_table_del(&rib.t, &nr.prefix, NULL);
			}
			return rc;
		}
		st = RIB_ACTIVE;
	}
	set_state((unsigned)pos, st);
	return 0;
}

int
ctl_rib_linux_del(struct dp_runtime *rt, const struct hp_prefix *p)
{
	const struct hp_route_conf *r = hp_route_table_find(&rib.t, p);
	unsigned i;

	if (r == NULL)
		return -ENOENT;
	i = (unsigned)(r - rib.t.routes);
	if ((rib.state[i] & RIB_STATE) == RIB_ACTIVE && fib_of(rt) != NULL)
		dp_fib_route_del(fib_of(rt), p);
	drop(i);
	return 0;
}

void
ctl_rib_linux_mark(struct dp_runtime *rt)
{
	(void)rt;
	for (unsigned i = 0; i < rib.t.n; i++)
		rib.state[i] |= RIB_STALE;
}

/* Delete the routes whose state has bits of mask (0: all), how many; a grace period if any. */
static unsigned
delete_where(struct dp_runtime *rt, uint8_t mask)
{
	struct dp_fib *fib = fib_of(rt);
	unsigned n = 0;

	/* from the end: a deletion moves the last route into the hole, one already seen */
	for (unsigned i = rib.t.n; i-- > 0;) {
		if (mask != 0 && !(rib.state[i] & mask))
			continue;
		if ((rib.state[i] & RIB_STATE) == RIB_ACTIVE && fib != NULL)
			dp_fib_route_del(fib, &rib.t.routes[i].prefix);
		drop(i);
		n++;
	}
	if (n > 0 && rt->tables != NULL)
		dp_tables_sync(rt);
	return n;
}

unsigned
ctl_rib_linux_sweep(struct dp_runtime *rt)
{
	return delete_where(rt, RIB_STALE);
}

unsigned
ctl_rib_linux_flush(struct dp_runtime *rt)
{
	return delete_where(rt, 0);
}

unsigned
ctl_rib_linux_count(const struct dp_runtime *rt)
{
	(void)rt;
	return rib.t.n;
}

unsigned
ctl_rib_linux_shadowed(const struct dp_runtime *rt)
{
	(void)rt;
	return rib.n_state[RIB_SHADOWED];
}

unsigned
ctl_rib_linux_left_out(const struct dp_runtime *rt)
{
	(void)rt;
	return rib.n_state[RIB_LEFT_OUT];
}

const struct hp_route_conf *
ctl_rib_linux_at(const struct dp_runtime *rt, unsigned i, bool *active)
{
	(void)rt;
	if (i >= rib.t.n)
		return NULL;
	if (active != NULL)
		*active = (rib.state[i] & RIB_STATE) == RIB_ACTIVE;
	return &rib.t.routes[i];
}

const struct hp_route_conf *
ctl_rib_linux_find(const struct dp_runtime *rt, const struct hp_prefix *p, bool *active)
{
	const struct hp_route_conf *r = hp_route_table_find(&rib.t, p);

	return r == NULL ? NULL : ctl_rib_linux_at(rt, (unsigned)(r - rib.t.routes), active);
}

void
ctl_rib_shadow(struct dp_runtime *rt, const struct hp_prefix *p)
{
	const struct hp_route_conf *r = hp_route_table_find(&rib.t, p);
	unsigned i;

	(void)rt;
	if (r == NULL)
		return;
	i = (unsigned)(r - rib.t.routes);
	set_state(i, (uint8_t)((rib.state[i] & RIB_STALE) | RIB_SHADOWED));
}

int
ctl_rib_reveal(struct dp_runtime *rt, const struct hp_prefix *p)
{
	const struct hp_route_conf *r = hp_route_table_find(&rib.t, p);
	struct dp_fib *fib = fib_of(rt);
	char pbuf[HP_PREFIX_STRLEN], err[256];
	unsigned i;

	if (fib == NULL)
		return 0;
	if (r == NULL) {
		dp_fib_route_del(fib, p);
		return 0;
	}
	i = (unsigned)(r - rib.t.routes);
	/* checked again: it may have been left out of the FIB (a config.apply) and shadowed since */
	if (hp_model_route_check(rt->cfg, r, err, sizeof(err)) < 0 ||
	    dp_fib_route_add(fib, rt->cfg, r, err, sizeof(err)) < 0) {
		DP_LOG(WARNING, "linux route %s left out of the FIB: %s",
		       hp_prefix_format(p, pbuf, sizeof(pbuf)), err);
		dp_fib_route_del(fib, p);
		set_state(i, (uint8_t)((rib.state[i] & RIB_STALE) | RIB_LEFT_OUT));
		return 0;
	}
	set_state(i, (uint8_t)((rib.state[i] & RIB_STALE) | RIB_ACTIVE));
	return 1;
}

unsigned
ctl_rib_linux_reinstall(struct dp_runtime *rt, struct dp_fib *fib, struct hp_config *nc)
{
	char pbuf[HP_PREFIX_STRLEN], msg[256], first[sizeof(msg) + HP_PREFIX_STRLEN] = "";
	unsigned in = 0, out = 0;

	(void)rt;
	for (unsigned i = 0; i < rib.t.n; i++) {
		const struct hp_route_conf *r = &rib.t.routes[i];
		uint8_t st = RIB_ACTIVE;

		if (hp_model_route_find(nc, &r->prefix) != NULL)
			st = RIB_SHADOWED;
		else if (hp_model_route_check(nc, r, msg, sizeof(msg)) < 0 ||
			 dp_fib_route_add(fib, nc, r, msg, sizeof(msg)) < 0)
			st = RIB_LEFT_OUT;
		if (st == RIB_LEFT_OUT && out++ == 0)
			snprintf(first, sizeof(first), "%s: %s",
				 hp_prefix_format(&r->prefix, pbuf, sizeof(pbuf)), msg);
		in += st == RIB_ACTIVE;
		set_state(i, (uint8_t)((rib.state[i] & RIB_STALE) | st));
	}
	if (out > 0)
		DP_LOG(WARNING, "%u linux routes left out of the new FIB (the first: %s)", out, first);
	return in;
}

void
ctl_rib_free(void)
{
	hp_route_table_free(&rib.t);
	free(rib.state);
	rib.state = NULL;
	rib.state_cap = 0;
	memset(rib.n_state, 0, sizeof(rib.n_state));
}
