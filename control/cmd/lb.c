/* lb.show, lb.stats, lb.vip.add/del, lb.backend.add/del/set: the load balancer's VIPs and backends, live. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_cycles.h>

#include "ctview.h"
#include "handlers.h"
#include "lb.h"
#include "lbhealth.h"

static const struct dp_lb *
running_lb(const struct dp_runtime *rt)
{
	return rt->tables != NULL ? rt->tables->lb : NULL;
}

/* lb_conf as it is in force (defaults where the section is absent). */
static json_t *
conf_json(const struct hp_config *cfg)
{
	const struct hp_lb_conf *c = &cfg->lb_conf;
	char s4[HP_PREFIX_STRLEN], s6[HP_PREFIX_STRLEN];

	return json_pack("{s:I, s:I, s:I, s:s, s:s}", "flows", (json_int_t)c->flows, "flow_timeout",
			 (json_int_t)c->flow_timeout, "table_size", (json_int_t)c->table_size, "src4",
			 hp_prefix_format(&c->src4, s4, sizeof(s4)), "src6",
			 hp_prefix_format(&c->src6, s6, sizeof(s6)));
}

static int
show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e, bool stats)
{
	json_t *o;

	if (no_args(args, e) < 0)
		return -1;
	o = dp_lb_json(running_lb(rt), stats, rte_rdtsc());
	if (o == NULL)
		return fail(e, "ENOMEM", "out of memory");
	if (stats)
		ctl_lbhealth_json_merge(o);
	json_object_set_new(o, "conf", conf_json(rt->cfg));
	*result = o;
	return 0;
}

int
cmd_lb_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	return show(rt, args, result, e, false);
}

int
cmd_lb_stats(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	return show(rt, args, result, e, true);
}

/* ---- changes: a draft of the model whose VIPs are its own ---- */

static struct hp_config *
lb_draft(const struct dp_runtime *rt)
{
	struct hp_config *d = malloc(sizeof(*d));

	if (d == NULL)
		return NULL;
	*d = *rt->cfg; /* the rest is the running model's, read only */
	d->route_index = NULL;
	if (hp_model_lb_copy(rt->cfg, d) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

static void
lb_draft_drop(struct hp_config *d)
{
	hp_model_lb_free(d);
	free(d);
}

/* Build and publish the draft's table set; the model takes its VIPs. A refusal changes nothing. */
static int
lb_draft_commit(struct dp_runtime *rt, struct hp_config *d, struct cmd_err *e)
{
	struct hp_config *cfg = rt->cfg;
	struct dp_tables *t, *old;
	char err[HP_ERR_MAX];
	int rc;

	if ((rc = dp_tables_build_acl(rt, d, &t, err, sizeof(err))) < 0) {
		lb_draft_drop(d);
		return fail(e, rc == -ENOMEM ? "ENOMEM" : "EINVAL", "%s", err);
	}
	old = dp_tables_publish(rt, t, d);
	ctl_nat_retire(rt, old);
	dp_tables_retire(rt, old);
	hp_model_lb_free(cfg);
	cfg->lb = d->lb, cfg->n_lb = d->n_lb;
	free(d);
	return 0;
}

/* A change's result: VIP vi of the table set now in force, as lb.show lists it. */
static int
vip_result(struct dp_runtime *rt, unsigned vi, json_t **result, struct cmd_err *e)
{
	json_t *v = dp_lb_vip_json(running_lb(rt), vi);

	if (v == NULL || (*result = json_pack("{s:[o]}", "vips", v)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	return 0;
}

/* The VIP args name: {"vip": ADDR, "proto": "tcp"|"udp", ["port": N]} (other keys: the caller's). */
static int
vip_args(const struct dp_runtime *rt, json_t *args, int *idx, struct cmd_err *e)
{
	const json_t *a = json_object_get(args, "vip"), *p = json_object_get(args, "proto"),
		     *port = json_object_get(args, "port");
	struct hp_addr vip;
	uint8_t proto;
	json_int_t pn = 0;

	if (!json_is_string(a) || hp_parse_addr(json_string_value(a), 0, &vip) < 0)
		return fail(e, "EINVAL", "argument \"vip\" must be an IPv4 or IPv6 address");
	if (!json_is_string(p) ||
	    (strcmp(json_string_value(p), "tcp") && strcmp(json_string_value(p), "udp")))
		return fail(e, "EINVAL", "argument \"proto\" must be tcp or udp");
	proto = strcmp(json_string_value(p), "tcp") ? IPPROTO_UDP : IPPROTO_TCP;
	if (port != NULL && (!json_is_integer(port) || (pn = json_integer_value(port)) < 0 || pn > 65535))
		return fail(e, "EINVAL", "argument \"port\" must be an integer 0..65535 (0: every port)");
	*idx = hp_model_lb_vip_find(rt->cfg, &vip, proto, (uint16_t)pn);
	if (*idx < 0) {
		const struct hp_lb_vip named = {.vip = vip, .proto = proto, .port = (uint16_t)pn};
		char text[HP_LB_VIP_TEXT];

		return fail(e, "ENOENT", "no VIP %s (lb.show lists them)",
			    hp_model_lb_vip_text(&named, text, sizeof(text)));
	}
	return 0;
}

/* Refuse keys outside allowed (NULL-terminated). */
static int
only_keys(json_t *args, const char *const *allowed, struct cmd_err *e)
{
	const char *k;
	json_t *v;

	json_object_foreach(args, k, v) {
		unsigned i;

		for (i = 0; allowed[i] != NULL && strcmp(allowed[i], k); i++)
			;
		if (allowed[i] == NULL)
			return fail(e, "EINVAL", "unknown argument \"%s\"", k);
	}
	return 0;
}

static int
backend_ip(json_t *args, struct hp_addr *ip, struct cmd_err *e)
{
	const json_t *a = json_object_get(args, "ip");

	if (!json_is_string(a) || hp_parse_addr(json_string_value(a), 0, ip) < 0)
		return fail(e, "EINVAL", "argument \"ip\" must be an IPv4 or IPv6 address");
	return 0;
}

static int
weight_arg(json_t *args, uint32_t *w, struct cmd_err *e)
{
	const json_t *v = json_object_get(args, "weight");

	if (v == NULL)
		return 1;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > HP_LB_WEIGHT_MAX)
		return fail(e, "EINVAL", "argument \"weight\" must be an integer 0..%u", HP_LB_WEIGHT_MAX);
	*w = (uint32_t)json_integer_value(v);
	return 0;
}

int
cmd_lb_vip_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_lb_vip vip;
	struct hp_config *d;
	char err[HP_ERR_MAX];
	int rc;

	if (need_fib(rt, e) < 0)
		return -1;
	if ((rc = hp_config_parse_entry(rt->cfg, "lb", args, &vip, err, sizeof(err))) < 0)
		return fail(e, entry_code(rc), "%s", err);
	vip.line = 0;
	if ((d = lb_draft(rt)) == NULL) {
		free(vip.backends);
		return fail(e, "ENOMEM", "out of memory");
	}
	rc = hp_model_lb_vip_add(d, &vip, err, sizeof(err));
	free(vip.backends); /* the model keeps a copy */
	if (rc < 0) {
		lb_draft_drop(d);
		return fail(e, rc == -ENOSPC ? "ENOSPC" : entry_code(rc), "%s", err);
	}
	if (lb_draft_commit(rt, d, e) < 0)
		return -1;
	return vip_result(rt, rt->cfg->n_lb - 1, result, e);
}

int
cmd_lb_vip_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const keys[] = {"vip", "proto", "port", NULL};
	char text[HP_LB_VIP_TEXT];
	struct hp_config *d;
	int v;

	if (need_fib(rt, e) < 0 || only_keys(args, keys, e) < 0 || vip_args(rt, args, &v, e) < 0)
		return -1;
	if ((d = lb_draft(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	hp_model_lb_vip_text(&rt->cfg->lb[v], text, sizeof(text));
	hp_model_lb_vip_del(d, (unsigned)v, NULL);
	if (lb_draft_commit(rt, d, e) < 0)
		return -1;
	*result = json_pack("{s:s}", "deleted", text);
	return 0;
}

int
cmd_lb_backend_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const keys[] = {"vip", "proto", "port", "ip", "weight", NULL};
	struct hp_lb_backend b = {.weight = HP_LB_WEIGHT_DEFAULT};
	struct hp_config *d;
	char err[HP_ERR_MAX];
	int v, rc;

	if (need_fib(rt, e) < 0 || only_keys(args, keys, e) < 0 || vip_args(rt, args, &v, e) < 0 ||
	    backend_ip(args, &b.ip, e) < 0 || weight_arg(args, &b.weight, e) < 0)
		return -1;
	if ((d = lb_draft(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	if ((rc = hp_model_lb_backend_add(d, (unsigned)v, &b, err, sizeof(err))) < 0) {
		lb_draft_drop(d);
		return fail(e, rc == -ENOSPC ? "ENOSPC" : rc == -EEXIST ? "EEXIST" : "EINVAL", "%s", err);
	}
	if (lb_draft_commit(rt, d, e) < 0)
		return -1;
	return vip_result(rt, (unsigned)v, result, e);
}

int
cmd_lb_backend_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const keys[] = {"vip", "proto", "port", "ip", NULL};
	char text[HP_LB_VIP_TEXT];
	struct hp_config *d;
	struct hp_addr ip;
	int v, rc;

	if (need_fib(rt, e) < 0 || only_keys(args, keys, e) < 0 || vip_args(rt, args, &v, e) < 0 ||
	    backend_ip(args, &ip, e) < 0)
		return -1;
	if ((d = lb_draft(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	if ((rc = hp_model_lb_backend_del(d, (unsigned)v, &ip)) < 0) {
		lb_draft_drop(d);
		if (rc == -EBUSY)
			return fail(
				e, "EBUSY",
				"%s is the last backend of VIP %s (delete the VIP, or drain it with weight 0)",
				json_string_value(json_object_get(args, "ip")),
				hp_model_lb_vip_text(&rt->cfg->lb[v], text, sizeof(text)));
		return fail(e, "ENOENT", "VIP %s has no backend %s",
			    hp_model_lb_vip_text(&rt->cfg->lb[v], text, sizeof(text)),
			    json_string_value(json_object_get(args, "ip")));
	}
	if (lb_draft_commit(rt, d, e) < 0)
		return -1;
	return vip_result(rt, (unsigned)v, result, e);
}

static int
state_arg(json_t *args, enum dp_lb_admin *st, struct cmd_err *e)
{
	const json_t *v = json_object_get(args, "state");
	const char *s;

	if (v == NULL)
		return 1;
	s = json_is_string(v) ? json_string_value(v) : "";
	if (!strcmp(s, "up"))
		*st = DP_LB_ADMIN_UP;
	else if (!strcmp(s, "down"))
		*st = DP_LB_ADMIN_DOWN;
	else if (!strcmp(s, "drain"))
		*st = DP_LB_ADMIN_DRAIN;
	else
		return fail(e, "EINVAL", "argument \"state\" must be up, down or drain");
	return 0;
}

/*
 * lb.backend.set: a new weight (the model's, as in the file) and/or an admin state (the running
 * set's: up, down: its flows move, drain: it keeps them and gets no new ones), published at once.
 */
int
cmd_lb_backend_set(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const keys[] = {"vip", "proto", "port", "ip", "weight", "state", NULL};
	char text[HP_LB_VIP_TEXT];
	enum dp_lb_admin st = DP_LB_ADMIN_UP;
	struct hp_config *d;
	struct dp_tables *t, *old;
	char err[HP_ERR_MAX];
	struct hp_addr ip;
	uint32_t w = 0;
	int v, slot, no_w, no_st, rc;

	if (need_fib(rt, e) < 0 || only_keys(args, keys, e) < 0 || vip_args(rt, args, &v, e) < 0 ||
	    backend_ip(args, &ip, e) < 0 || (no_w = weight_arg(args, &w, e)) < 0 ||
	    (no_st = state_arg(args, &st, e)) < 0)
		return -1;
	if (no_w && no_st)
		return fail(e, "EINVAL", "missing argument \"weight\" or \"state\"");
	if ((d = lb_draft(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	if (!no_w && hp_model_lb_backend_set(d, (unsigned)v, &ip, w) < 0) {
		lb_draft_drop(d);
		return fail(e, "ENOENT", "VIP %s has no backend %s",
			    hp_model_lb_vip_text(&rt->cfg->lb[v], text, sizeof(text)),
			    json_string_value(json_object_get(args, "ip")));
	}
	if ((rc = dp_tables_build_acl(rt, d, &t, err, sizeof(err))) < 0) {
		lb_draft_drop(d);
		return fail(e, rc == -ENOMEM ? "ENOMEM" : "EINVAL", "%s", err);
	}
	slot = dp_lb_backend_find(t->lb, (unsigned)v, &ip);
	if (slot < 0 || (!no_st && dp_lb_set_admin(t->lb, (unsigned)v, (unsigned)slot, st) < 0)) {
		dp_tables_free(t);
		lb_draft_drop(d);
		return fail(e, "ENOENT", "VIP %s has no backend %s",
			    hp_model_lb_vip_text(&rt->cfg->lb[v], text, sizeof(text)),
			    json_string_value(json_object_get(args, "ip")));
	}
	old = dp_tables_publish(rt, t, d);
	ctl_nat_retire(rt, old);
	dp_tables_retire(rt, old);
	hp_model_lb_free(rt->cfg);
	rt->cfg->lb = d->lb, rt->cfg->n_lb = d->n_lb;
	free(d);
	return vip_result(rt, (unsigned)v, result, e);
}
