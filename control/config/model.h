/* The running configuration: the operations that change a struct hp_config, shared by the file loader, the socket and config.apply. */
#ifndef HP_MODEL_H
#define HP_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "model_lb.h" /* the lb VIPs' and backends' operations */

/*
 * hotpathd keeps one struct hp_config, the model of what runs: `config dump`
 * writes it and nothing else. Every change goes through these operations,
 * which check the object against the rest of the model first (a refusal
 * changes nothing and says why in err, without a FILE:LINE prefix: the
 * caller adds its own context) and keep the model's indexes. The data plane
 * is changed by the caller after the model took the change; if the data
 * plane refuses (a table full), the caller undoes the model change with the
 * inverse operation. Control thread only; no DPDK.
 */

/* ---- route tables: routes keyed by their prefix ---- */

/*
 * Routes in an array, one per prefix, with a hash index of the prefixes:
 * find, put and del are O(1). A zeroed struct is an empty table. The model's
 * routes are one (cfg->routes, cfg->n_routes, cfg->routes_cap,
 * cfg->route_index: hp_model_route_* go through these); control/rib.c keeps
 * the routes learned from Linux in another. No check: the caller checks.
 */
struct hp_route_table {
	struct hp_route_conf *routes;
	unsigned n, cap;
	struct hp_route_index *index;
};

/* The route of exactly p, or NULL; valid until the next change. */
struct hp_route_conf *hp_route_table_find(struct hp_route_table *t, const struct hp_prefix *p);
/* Add r, or replace the route of its prefix (*old, *replaced as hp_model_route_set; both may
 * be NULL). Its position in t->routes (>= 0), -ENOSPC (a new prefix beyond max), -ENOMEM. */
int hp_route_table_put(struct hp_route_table *t, const struct hp_route_conf *r, unsigned max,
		       struct hp_route_conf *old, bool *replaced);
/* Delete the route of p (*old: what it was; may be NULL): the position it had, where the
 * route that was last now is (unless it was the last), or -ENOENT. */
int hp_route_table_del(struct hp_route_table *t, const struct hp_prefix *p, struct hp_route_conf *old);
/* Empty t, keeping its memory. */
void hp_route_table_clear(struct hp_route_table *t);
/* Free t's memory; t is then empty. */
void hp_route_table_free(struct hp_route_table *t);

/* ---- routes (key: the prefix) ---- */

/*
 * What every route must satisfy, whether it comes from a file or the socket:
 * no host bits, next hops of the prefix's family and distinct, a drop route
 * without next hops or port, an egress port that is an l3 port, next hops
 * on a connected subnet unless a port is given, and not a port's own subnet
 * or address (the FIB owns those). 0 or -EINVAL; the message does not
 * name the route (callers say "route: " or "route PREFIX: " before it).
 */
int hp_model_route_check(const struct hp_config *cfg, const struct hp_route_conf *r, char *err,
			 size_t errlen);

/*
 * Add r, or replace the route of the same prefix (*old then holds what it
 * replaced and *replaced is true; both may be NULL). 0, -EINVAL (the check
 * failed), -ENOSPC (HP_MAX_ROUTES), -ENOMEM.
 */
int hp_model_route_set(struct hp_config *cfg, const struct hp_route_conf *r, struct hp_route_conf *old,
		       bool *replaced, char *err, size_t errlen);

/* Delete the route of prefix p (*old: what it was; may be NULL). 0 or -ENOENT. The
 * last route takes the deleted one's place (route order is not kept). */
int hp_model_route_del(struct hp_config *cfg, const struct hp_prefix *p, struct hp_route_conf *old);

/* The route of exactly p, or NULL; valid until the next change. */
const struct hp_route_conf *hp_model_route_find(struct hp_config *cfg, const struct hp_prefix *p);

/* ---- static neighbours (key: port and address) ---- */

/*
 * Make nb a static neighbour, or change the MAC of the static neighbour with
 * the same port and address. Checks: an l3 port, a unicast MAC. 0, -EINVAL,
 * -ENOSPC (HP_MAX_NEIGHBORS), -ENOMEM.
 */
int hp_model_neigh_set(struct hp_config *cfg, const struct hp_neighbor_conf *nb, char *err, size_t errlen);
/* 0 or -ENOENT (no static neighbour there). */
int hp_model_neigh_del(struct hp_config *cfg, unsigned port, const struct hp_addr *ip);
const struct hp_neighbor_conf *hp_model_neigh_find(const struct hp_config *cfg, unsigned port,
						   const struct hp_addr *ip);

/* ---- ACL rules (kept in the order they were added; acl.show numbers them) ---- */

/*
 * Append rule (its policer, if any, an index into cfg->policers). The rule
 * itself was checked by the config parser's rule check (hp_config_parse_entry
 * for the socket). 0, -EINVAL (bad policer index), -ENOSPC, -ENOMEM.
 */
int hp_model_acl_add(struct hp_config *cfg, const struct hp_acl_rule *rule, char *err, size_t errlen);
/* Remove rule idx (*old: what it was; may be NULL). 0 or -ENOENT. */
int hp_model_acl_del(struct hp_config *cfg, unsigned idx, struct hp_acl_rule *old);
/* Put old back at idx (undoes hp_model_acl_del). 0 or -ENOMEM. */
int hp_model_acl_insert(struct hp_config *cfg, unsigned idx, const struct hp_acl_rule *rule);

/* ---- policers (key: the name) ---- */

/* Append p. 0, -EEXIST (a policer of that name), -ENOSPC, -ENOMEM. */
int hp_model_policer_add(struct hp_config *cfg, const struct hp_policer_conf *p, char *err, size_t errlen);
/* Delete the policer named name; the rules' policer indexes follow. 0, -ENOENT,
 * -EBUSY (a rule uses it: err names the rule). */
int hp_model_policer_del(struct hp_config *cfg, const char *name, char *err, size_t errlen);
int hp_model_policer_find(const struct hp_config *cfg, const char *name);

/* ---- nat rules (kept in the order they were added; nat.show numbers them) ---- */

/* Append rule, checked by the config parser's rule check against cfg's rules (hp_config_parse_entry
 * for the socket). 0, -ENOSPC (HP_MAX_NAT_RULES), -ENOMEM. */
int hp_model_nat_add(struct hp_config *cfg, const struct hp_nat_rule *rule, char *err, size_t errlen);
/* Remove rule idx (*old: what it was; may be NULL). 0 or -ENOENT. */
int hp_model_nat_del(struct hp_config *cfg, unsigned idx, struct hp_nat_rule *old);
/* The index of the rule that is the same as r (every field but its line; a pool as a set), or -1. */
int hp_model_nat_find(const struct hp_config *cfg, const struct hp_nat_rule *r);

/* ---- xdp (per interface: block prefixes, pass classes) ---- */

/*
 * The xdp entry of iface, created (mode native, nothing passed or blocked)
 * when missing: the interfaces of net_af_xdp ports run hotpath's program
 * without an entry of their own until something is changed on them.
 * NULL: -ENOSPC (HP_MAX_XDP) or -ENOMEM in *rc.
 */
struct hp_xdp_conf *hp_model_xdp_entry(struct hp_config *cfg, const char *iface, int *rc);
/* 0, -EEXIST / -ENOENT, -ENOSPC, -ENOMEM. The prefix has no host bits. */
int hp_model_xdp_block_add(struct hp_xdp_conf *x, const struct hp_prefix *p);
int hp_model_xdp_block_del(struct hp_xdp_conf *x, const struct hp_prefix *p);
int hp_model_xdp_pass_add(struct hp_xdp_conf *x, const struct hp_xdp_class *c);
int hp_model_xdp_pass_del(struct hp_xdp_conf *x, const struct hp_xdp_class *c);

/*
 * config.apply: cfg takes nc's neighbours, routes, ACL, policers, nat rules, lb VIPs
 * (with their backends) and lb_conf,
 * acl_default and the pass and block sets of each of its xdp interfaces
 * (nc, parsed and checked by the loader, names the same interfaces: one
 * nc lacks is left empty); cfg's old ones are freed, nc keeps the rest.
 */
void hp_model_take_tables(struct hp_config *cfg, struct hp_config *nc);

/* Free what the operations added to cfg beyond the parser's arrays (the
 * route index); hp_config_free() calls it. */
void hp_model_free(struct hp_config *cfg);

#endif
