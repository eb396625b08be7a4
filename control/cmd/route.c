/* route.add, route.del, route.show: the FIB changed in place, one grace period per request or batch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "handlers.h"
#include "rib.h"

/* One route as route.add's args give it (or one element of its "routes"). */
static int
parse_route(struct dp_runtime *rt, json_t *args, struct hp_route_conf *r, struct cmd_err *e)
{
	static const char *const allowed[] = {"prefix", "via", "action", "port", NULL};
	const char *action, *port;
	json_t *via = json_object_get(args, "via"), *v;
	size_t i;

	*r = (struct hp_route_conf){.port = -1, .action = HP_ROUTE_FORWARD, .origin = HP_ORIGIN_CLI};
	if (known_args(args, allowed, e) < 0 || parse_prefix_arg(args, &r->prefix, e) < 0 ||
	    arg_str(args, "action", false, &action, e) < 0 || arg_str(args, "port", false, &port, e) < 0)
		return -1;
	if (action != NULL && strcmp(action, "drop") != 0 && strcmp(action, "forward") != 0)
		return fail(e, "EINVAL", "unknown action \"%.32s\" (drop, or forward with via)", action);
	if (action != NULL && strcmp(action, "drop") == 0) {
		if (via != NULL)
			return fail(e, "EINVAL", "a drop route has no \"via\"");
		r->action = HP_ROUTE_DROP;
	} else {
		if (via == NULL)
			return fail(e, "EINVAL", "missing argument \"via\" (or action drop)");
		if (json_is_string(via)) {
			via = json_pack("[O]", via);
		} else if (json_is_array(via) && json_array_size(via) >= 1 &&
			   json_array_size(via) <= HP_MAX_ECMP) {
			json_incref(via);
		} else {
			return fail(e, "EINVAL", "\"via\" must be an address or a list of 1 to %d addresses",
				    HP_MAX_ECMP);
		}
		json_array_foreach(via, i, v) {
			if (!json_is_string(v) ||
			    hp_parse_addr(json_string_value(v), r->prefix.family, &r->via[i]) < 0) {
				json_decref(via);
				return fail(e, "EINVAL", "via #%zu: expected an IPv%d address", i + 1,
					    r->prefix.family == AF_INET ? 4 : 6);
			}
			for (size_t k = 0; k < i; k++)
				if (memcmp(&r->via[k], &r->via[i], sizeof(r->via[i])) == 0) {
					json_decref(via);
					return fail(e, "EINVAL", "via #%zu repeats #%zu", i + 1, k + 1);
				}
		}
		r->n_via = (unsigned)json_array_size(via);
		json_decref(via);
	}
	if (port != NULL) {
		r->port = hp_config_port_index(rt->cfg, port);
		if (r->port < 0 || rt->cfg->ports[r->port].mode != HP_MODE_L3)
			return fail(e, "EINVAL", "no l3 port \"%.32s\"", port);
	}
	return 0;
}

/* A refusal of the model's (msg) as the socket says it: naming the route, unless the
 * message names the prefix itself (host bits). Returns -EINVAL. */
static int
refused(const struct hp_route_conf *r, const char *msg, char *why, size_t len)
{
	char pbuf[HP_PREFIX_STRLEN];

	if (hp_prefix_host_bits(&r->prefix, NULL, NULL, 0))
		snprintf(why, len, "%s", msg);
	else
		snprintf(why, len, "route %s: %.190s", hp_prefix_format(&r->prefix, pbuf, sizeof(pbuf)), msg);
	return -EINVAL;
}

/* The model's check of r alone (a request's routes are all checked before the first goes in). */
static int
route_check(struct dp_runtime *rt, const struct hp_route_conf *r, char *why, size_t len)
{
	char msg[256];

	return hp_model_route_check(rt->cfg, r, msg, sizeof(msg)) == 0 ? 0 : refused(r, msg, why, len);
}

/* Put r in the model (which checks it), then in the FIB (over a linux route of its prefix,
 * which it shadows from then on); a FIB that refuses it (full) leaves the model as it was. */
static int
route_set(struct dp_runtime *rt, const struct hp_route_conf *r, struct hp_route_conf *old, bool *had,
	  char *why, size_t len)
{
	char msg[256];
	int rc;

	if ((rc = hp_model_route_set(rt->cfg, r, old, had, msg, sizeof(msg))) < 0) {
		if (rc == -EINVAL)
			return refused(r, msg, why, len);
		snprintf(why, len, "%s", msg);
		return rc;
	}
	if ((rc = dp_fib_route_add(rt->tables->fib, rt->cfg, r, why, len)) < 0) {
		if (*had)
			hp_model_route_set(rt->cfg, old, NULL, NULL, NULL, 0);
		else
			hp_model_route_del(rt->cfg, &r->prefix, NULL);
		return rc;
	}
	ctl_rib_shadow(rt, &r->prefix);
	return 0;
}

/* Undo route_set(): the route it replaced comes back, or the prefix goes (a linux route of
 * it comes back into the FIB). */
static void
route_unset(struct dp_runtime *rt, const struct hp_route_conf *r, const struct hp_route_conf *old, bool had)
{
	if (had) {
		hp_model_route_set(rt->cfg, old, NULL, NULL, NULL, 0);
		dp_fib_route_add(rt->tables->fib, rt->cfg, old, NULL, 0);
	} else {
		hp_model_route_del(rt->cfg, &r->prefix, NULL);
		ctl_rib_reveal(rt, &r->prefix);
	}
}

/*
 * route.add {"routes": [ROUTE, ...]}: up to CTL_ROUTES_MAX routes in one request, as
 * if each were a route.add in that order, acknowledged once. Every route is parsed and
 * checked before the first goes in; if a table then refuses one (full), the ones
 * before it are undone (replaced routes come back) and nothing stays changed.
 */
static int
route_add_many(struct dp_runtime *rt, json_t *routes, json_t **result, struct cmd_err *e)
{
	struct hp_route_conf *rs, *old;
	bool *had;
	size_t n = json_array_size(routes), i;
	char why[256];
	int rc = 0;

	if (!json_is_array(routes) || n == 0 || n > CTL_ROUTES_MAX)
		return fail(e, "EINVAL", "\"routes\" must be a list of 1 to %d routes", CTL_ROUTES_MAX);
	rs = calloc(n, sizeof(*rs));
	old = calloc(n, sizeof(*old));
	had = calloc(n, sizeof(*had));
	if (rs == NULL || old == NULL || had == NULL) {
		rc = fail(e, "ENOMEM", "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *one = json_array_get(routes, i);

		if (!json_is_object(one))
			fail(e, "EINVAL", "each route must be an object");
		else if (parse_route(rt, one, &rs[i], e) == 0 &&
			 route_check(rt, &rs[i], why, sizeof(why)) < 0)
			fail(e, "EINVAL", "%s", why);
		if (e->code != NULL) {
			char msg[sizeof(e->msg)];

			snprintf(msg, sizeof(msg), "routes[%zu]: %.200s (nothing added)", i, e->msg);
			rc = fail(e, e->code, "%s", msg);
			goto out;
		}
	}
	for (i = 0; i < n; i++)
		if ((rc = route_set(rt, &rs[i], &old[i], &had[i], why, sizeof(why))) < 0)
			break;
	if (i < n) {
		/* undo in reverse, so a prefix listed twice ends as it began */
		for (size_t k = i; k-- > 0;)
			route_unset(rt, &rs[k], &old[k], had[k]);
		published(rt);
		rc = fail(e, rc == -ENOMEM ? "ENOMEM" : "ENOSPC", "routes[%zu]: %s (nothing added)", i, why);
		goto out;
	}
	published_route(rt, &rs[0].prefix, false);
	*result = json_pack("{s:I}", "added", (json_int_t)n);
out:
	free(rs);
	free(old);
	free(had);
	return rc;
}

int
cmd_route_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *routes = json_object_get(args, "routes");
	struct hp_route_conf r, old;
	char why[256];
	bool had;
	int rc;

	if (need_fib(rt, e) < 0)
		return -1;
	if (routes != NULL) {
		if (json_object_size(args) != 1)
			return fail(e, "EINVAL",
				    "\"routes\" comes alone (each route in it has its own prefix, via...)");
		return route_add_many(rt, routes, result, e);
	}
	if (parse_route(rt, args, &r, e) < 0)
		return -1;
	if ((rc = route_set(rt, &r, &old, &had, why, sizeof(why))) < 0)
		return fail(e, rc == -ENOSPC ? "ENOSPC" : rc == -ENOMEM ? "ENOMEM" : "EINVAL", "%s", why);
	published_route(rt, &r.prefix, false);
	return 0;
}

int
cmd_route_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"prefix", NULL};
	struct hp_prefix p;

	(void)result;
	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0 || parse_prefix_arg(args, &p, e) < 0)
		return -1;
	if (hp_model_route_del(rt->cfg, &p, NULL) < 0) {
		if (ctl_rib_linux_find(rt, &p, NULL) != NULL)
			return fail(e, "ENOENT",
				    "no config or cli route %s (its route is of origin linux: the kernel's "
				    "table owns it)",
				    json_string_value(json_object_get(args, "prefix")));
		return fail(e, "ENOENT", "no route %s", json_string_value(json_object_get(args, "prefix")));
	}
	/* deleting the operator's route reveals a linux route of the prefix */
	ctl_rib_reveal(rt, &p);
	published_route(rt, &p, true);
	return 0;
}

/*
 * route.show's stream: the routes as they were when the request came (a
 * packed copy, ~30 bytes a route: a copy of a million takes milliseconds),
 * written a slice per loop turn however the model changes meanwhile.
 * Per route: family, length, prefix (4 or 16 bytes), flags (bit 0 drop, bits
 * 1-2 the origin, bit 3 not in the FIB), port + 1, n_via, then n_via
 * addresses of the prefix's family.
 */
struct route_stream {
	struct ctl_stream s;
	const struct hp_config *cfg; /* ports' names only: they never change while running */
	uint8_t *buf;
	size_t len, off;
};

#define RS_DROP 1u
#define RS_ORIGIN_SHIFT 1
#define RS_INACTIVE 8u

static int
route_stream_next(struct ctl_stream *s, json_t *a, unsigned max)
{
	struct route_stream *rs = (struct route_stream *)s;

	for (unsigned n = 0; n < max && rs->off < rs->len; n++) {
		const uint8_t *p = rs->buf + rs->off;
		struct hp_route_conf r = {.prefix = {.family = p[0] == 4 ? AF_INET : AF_INET6, .len = p[1]}};
		size_t alen = p[0] == 4 ? 4 : 16;
		json_t *o;
		bool active;

		memcpy(r.prefix.addr, p + 2, alen);
		p += 2 + alen;
		r.action = p[0] & RS_DROP ? HP_ROUTE_DROP : HP_ROUTE_FORWARD;
		r.origin = (enum hp_route_origin)(p[0] >> RS_ORIGIN_SHIFT & 3);
		active = !(p[0] & RS_INACTIVE);
		r.port = (int)p[1] - 1;
		r.n_via = p[2];
		p += 3;
		for (unsigned k = 0; k < r.n_via; k++, p += alen) {
			r.via[k].family = r.prefix.family;
			memcpy(r.via[k].addr, p, alen);
		}
		rs->off = (size_t)(p - rs->buf);
		o = hp_dump_route(rs->cfg, &r, false);
		if (o == NULL ||
		    json_object_set_new(o, "origin", json_string(hp_route_origin_name(r.origin))) < 0 ||
		    json_object_set_new(o, "active", json_boolean(active)) < 0 ||
		    json_array_append_new(a, o) < 0)
			return -1;
	}
	return rs->off < rs->len ? 1 : 0;
}

static void
route_stream_free(struct ctl_stream *s)
{
	struct route_stream *rs = (struct route_stream *)s;

	free(rs->buf);
	free(rs);
}

/* Does route.show list r (family 0: both; origin -1: all)? */
static bool
route_shown(const struct hp_route_conf *r, int family, int origin)
{
	return (family == 0 || r->prefix.family == family) && (origin < 0 || (int)r->origin == origin);
}

static size_t
route_packed_len(const struct hp_route_conf *r)
{
	size_t alen = r->prefix.family == AF_INET ? 4 : 16;

	return 5 + alen * (1 + r->n_via);
}

static void
route_pack(struct route_stream *rs, const struct hp_route_conf *r, bool active)
{
	size_t alen = r->prefix.family == AF_INET ? 4 : 16;
	uint8_t *p = rs->buf + rs->len;

	p[0] = r->prefix.family == AF_INET ? 4 : 6;
	p[1] = r->prefix.len;
	memcpy(p + 2, r->prefix.addr, alen);
	p += 2 + alen;
	p[0] = (uint8_t)((r->action == HP_ROUTE_DROP ? RS_DROP : 0) | (unsigned)r->origin << RS_ORIGIN_SHIFT |
			 (active ? 0 : RS_INACTIVE));
	p[1] = (uint8_t)(r->port + 1); /* ports: at most HP_MAX_PORTS, -1 = none */
	p[2] = (uint8_t)r->n_via;
	p += 3;
	for (unsigned k = 0; k < r->n_via; k++, p += alen)
		memcpy(p, r->via[k].addr, alen);
	rs->len = (size_t)(p - rs->buf);
}

int
cmd_route_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"family", "origin", NULL};
	json_t *fam = json_object_get(args, "family"), *org = json_object_get(args, "origin");
	const struct hp_route_conf *r;
	struct route_stream *rs;
	int family = 0, origin = -1;
	unsigned n_linux = ctl_rib_linux_count(rt);
	size_t cap = 0;
	bool active;

	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0)
		return -1;
	if (fam != NULL) {
		if (!json_is_integer(fam) || (json_integer_value(fam) != 4 && json_integer_value(fam) != 6))
			return fail(e, "EINVAL", "\"family\" must be 4 or 6");
		family = json_integer_value(fam) == 4 ? AF_INET : AF_INET6;
	}
	if (org != NULL) {
		if (!json_is_string(org))
			return fail(e, "EINVAL", "\"origin\" must be config, cli or linux");
		if ((origin = hp_route_origin_parse(json_string_value(org))) < 0)
			return fail(e, "EINVAL", "unknown origin \"%.32s\" (config, cli or linux)",
				    json_string_value(org));
	}
	for (uint32_t i = 0; i < rt->cfg->n_routes; i++)
		if (route_shown(&rt->cfg->routes[i], family, origin))
			cap += route_packed_len(&rt->cfg->routes[i]);
	for (unsigned i = 0; i < n_linux; i++)
		if (route_shown((r = ctl_rib_linux_at(rt, i, NULL)), family, origin))
			cap += route_packed_len(r);
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL || (cap > 0 && (rs->buf = malloc(cap)) == NULL)) {
		free(rs);
		return fail(e, "ENOMEM", "out of memory");
	}
	/* the operator's routes, then the linux routes (those shadowed by one of them: not active) */
	for (uint32_t i = 0; i < rt->cfg->n_routes; i++)
		if (route_shown(&rt->cfg->routes[i], family, origin))
			route_pack(rs, &rt->cfg->routes[i], true);
	for (unsigned i = 0; i < n_linux; i++)
		if (route_shown((r = ctl_rib_linux_at(rt, i, &active)), family, origin))
			route_pack(rs, r, active);
	rs->cfg = rt->cfg;
	rs->s = (struct ctl_stream){.next = route_stream_next, .free = route_stream_free};
	return cmd_reply_stream(result, &rs->s);
}
