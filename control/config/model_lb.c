/* The L4 load balancer's part of the running configuration: VIP and backend checks, the operations on cfg->lb, deep copies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "model_lb.h"

#define WHERE_TEXT 48

static unsigned
addr_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool
same_ip(const struct hp_addr *a, const struct hp_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, addr_bytes(a->family)) == 0;
}

static int
cmp_ip(const void *x, const void *y)
{
	const struct hp_addr *a = x, *b = y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, addr_bytes(a->family));
}

static bool
martian(const struct hp_addr *a)
{
	struct hp_prefix host = {.family = a->family, .len = (uint8_t)hp_family_bits(a->family)};

	memcpy(host.addr, a->addr, addr_bytes(a->family));
	return hp_martian_of(&host) >= 0;
}

/* The port one of whose ipv4/ipv6 addresses is a itself (an address of ours), or -1. */
static int
own_port(const struct hp_config *cfg, const struct hp_addr *a)
{
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct hp_port_conf *pc = &cfg->ports[i];
		unsigned n = a->family == AF_INET ? pc->n_ipv4 : pc->n_ipv6;
		const struct hp_prefix *ps = a->family == AF_INET ? pc->ipv4 : pc->ipv6;

		for (unsigned k = 0; k < n; k++)
			if (memcmp(ps[k].addr, a->addr, addr_bytes(a->family)) == 0)
				return (int)i;
	}
	return -1;
}

static int
backend_index(const struct hp_lb_vip *v, const struct hp_addr *ip)
{
	for (unsigned i = 0; i < v->n_backends; i++)
		if (same_ip(&v->backends[i].ip, ip))
			return (int)i;
	return -1;
}

const char *
hp_model_lb_vip_text(const struct hp_lb_vip *v, char *buf, size_t len)
{
	char a[HP_ADDR_STRLEN];
	const char *proto = v->proto == IPPROTO_TCP ? "tcp" : v->proto == IPPROTO_UDP ? "udp" : "?";

	hp_addr_format(&v->vip, a, sizeof(a));
	if (v->port)
		snprintf(buf, len, "%s %s/%u", a, proto, v->port);
	else
		snprintf(buf, len, "%s %s (every port)", a, proto);
	return buf;
}

/* How a message names VIP j of cfg: by its line in the file, or by its index (added over the socket). */
static const char *
vip_where(const struct hp_config *cfg, unsigned j, char *buf, size_t len)
{
	if (cfg->lb[j].line)
		snprintf(buf, len, "at line %u", cfg->lb[j].line);
	else
		snprintf(buf, len, "(VIP %u, added at run time)", j);
	return buf;
}

/* ---- checks ---- */

static bool
path_ok(const char *p)
{
	size_t n = strnlen(p, sizeof(((struct hp_lb_health *)0)->path));

	if (p[0] != '/' || n >= sizeof(((struct hp_lb_health *)0)->path))
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return false;
	return true;
}

static int
health_check(const struct hp_lb_vip *v, const char *vt, char *err, size_t errlen)
{
	const struct hp_lb_health *h = &v->health;

	if (h->check == HP_LB_CHECK_NONE)
		return 0;
	if (h->check != HP_LB_CHECK_TCP && h->check != HP_LB_CHECK_HTTP)
		return hp_errf(err, errlen, -EINVAL, "VIP %s: health check must be tcp or http", vt);
	if (h->port == 0)
		return hp_errf(err, errlen, -EINVAL, "VIP %s: health check needs a port (the VIP has none)",
			       vt);
	if (h->interval_ms < 100 || h->interval_ms > 60000 || h->timeout_ms < 10 ||
	    h->timeout_ms > h->interval_ms)
		return hp_errf(err, errlen, -EINVAL,
			       "VIP %s: health interval_ms must be 100..60000 and timeout_ms 10..interval_ms",
			       vt);
	if (h->rise < 1 || h->rise > 10 || h->fall < 1 || h->fall > 10)
		return hp_errf(err, errlen, -EINVAL, "VIP %s: health rise and fall must be 1..10", vt);
	if (h->check == HP_LB_CHECK_HTTP ? !path_ok(h->path) : h->path[0] != '\0')
		return hp_errf(err, errlen, -EINVAL,
			       "VIP %s: health path must be given with http only, start with '/' and hold "
			       "printable ASCII without spaces",
			       vt);
	return 0;
}

int
hp_model_lb_vip_check(const struct hp_config *cfg, const struct hp_lb_vip *v, char *err, size_t errlen)
{
	char vt[HP_LB_VIP_TEXT];
	int p;

	hp_model_lb_vip_text(v, vt, sizeof(vt));
	if (v->vip.family != AF_INET && v->vip.family != AF_INET6)
		return hp_errf(err, errlen, -EINVAL, "VIP without an address");
	if (v->proto != IPPROTO_TCP && v->proto != IPPROTO_UDP)
		return hp_errf(err, errlen, -EINVAL, "VIP %s: proto must be tcp or udp", vt);
	if (martian(&v->vip))
		return hp_errf(err, errlen, -EINVAL, "VIP %s is never forwarded (a reserved address)", vt);
	if ((p = own_port(cfg, &v->vip)) >= 0)
		return hp_errf(err, errlen, -EINVAL, "VIP %s is one of our own addresses (port %s)", vt,
			       cfg->ports[p].name);
	if (v->encap == HP_LB_GUE ? v->gue_port == 0 : v->encap != HP_LB_IPIP || v->gue_port != 0)
		return hp_errf(err, errlen, -EINVAL,
			       "VIP %s: encap must be ipip (no gue_port) or gue (gue_port 1..65535)", vt);
	if (v->flags & ~HP_LB_NO_SRC_PORT)
		return hp_errf(err, errlen, -EINVAL, "VIP %s: unknown flags 0x%x", vt, v->flags);
	return health_check(v, vt, err, errlen);
}

int
hp_model_lb_vip_clash(const struct hp_config *cfg, unsigned n, const struct hp_lb_vip *v, char *err,
		      size_t errlen)
{
	char vt[HP_LB_VIP_TEXT], ot[HP_LB_VIP_TEXT], where[WHERE_TEXT];

	for (unsigned j = 0; j < n && j < cfg->n_lb; j++) {
		const struct hp_lb_vip *o = &cfg->lb[j];

		if (o->proto != v->proto || !same_ip(&o->vip, &v->vip))
			continue;
		if (o->port == v->port)
			return hp_errf(err, errlen, -EEXIST, "VIP %s already defined %s",
				       hp_model_lb_vip_text(v, vt, sizeof(vt)),
				       vip_where(cfg, j, where, sizeof(where)));
		if (o->port == 0 || v->port == 0)
			return hp_errf(err, errlen, -EEXIST,
				       "VIP %s overlaps VIP %s %s (a VIP of every port takes the packets of "
				       "each port)",
				       hp_model_lb_vip_text(v, vt, sizeof(vt)),
				       hp_model_lb_vip_text(o, ot, sizeof(ot)),
				       vip_where(cfg, j, where, sizeof(where)));
	}
	return 0;
}

int
hp_model_lb_backend_check(const struct hp_config *cfg, const struct hp_lb_vip *v,
			  const struct hp_lb_backend *b, char *err, size_t errlen)
{
	char vt[HP_LB_VIP_TEXT], a[HP_ADDR_STRLEN];
	int p;

	hp_model_lb_vip_text(v, vt, sizeof(vt));
	hp_addr_format(&b->ip, a, sizeof(a));
	if (b->ip.family != AF_INET && b->ip.family != AF_INET6)
		return hp_errf(err, errlen, -EINVAL, "VIP %s: a backend without an address", vt);
	if (b->weight > HP_LB_WEIGHT_MAX)
		return hp_errf(err, errlen, -EINVAL, "VIP %s: backend %s: weight %u is over %u", vt, a,
			       b->weight, HP_LB_WEIGHT_MAX);
	if (v->vip.family == AF_INET6 && b->ip.family == AF_INET)
		return hp_errf(err, errlen, -EINVAL,
			       "VIP %s: backend %s is IPv4: an IPv6 VIP's backends are IPv6 (6in4 is not "
			       "offered)",
			       vt, a);
	if (martian(&b->ip))
		return hp_errf(err, errlen, -EINVAL,
			       "VIP %s: backend %s is never forwarded (a reserved address)", vt, a);
	if (same_ip(&b->ip, &v->vip))
		return hp_errf(err, errlen, -EINVAL, "VIP %s: backend %s is the VIP itself", vt, a);
	if ((p = own_port(cfg, &b->ip)) >= 0)
		return hp_errf(err, errlen, -EINVAL,
			       "VIP %s: backend %s is one of our own addresses (port %s)", vt, a,
			       cfg->ports[p].name);
	if (!hp_config_reachable(cfg, &b->ip))
		return hp_errf(err, errlen, -EINVAL,
			       "VIP %s: backend %s is outside every connected subnet and route (a backend "
			       "must be reachable)",
			       vt, a);
	return 0;
}

/* An address both VIPs have a backend at into *out: 1, 0 (none), -ENOMEM. The smaller set is
 * sorted and the larger looked up in it: two VIPs of thousands of backends stay cheap. */
static int
shared_backend(const struct hp_lb_vip *x, const struct hp_lb_vip *y, struct hp_addr *out)
{
	const struct hp_lb_vip *small = x->n_backends <= y->n_backends ? x : y;
	const struct hp_lb_vip *large = small == x ? y : x;
	struct hp_addr *sorted;
	int found = 0;

	if (x == y) {
		if (x->n_backends == 0)
			return 0;
		*out = x->backends[0].ip;
		return 1;
	}
	if ((uint64_t)small->n_backends * large->n_backends <= 256) {
		for (unsigned i = 0; i < small->n_backends; i++)
			if (backend_index(large, &small->backends[i].ip) >= 0) {
				*out = small->backends[i].ip;
				return 1;
			}
		return 0;
	}
	if ((sorted = malloc(small->n_backends * sizeof(*sorted))) == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < small->n_backends; i++)
		sorted[i] = small->backends[i].ip;
	qsort(sorted, small->n_backends, sizeof(*sorted), cmp_ip);
	for (unsigned i = 0; i < large->n_backends && !found; i++)
		if (bsearch(&large->backends[i].ip, sorted, small->n_backends, sizeof(*sorted), cmp_ip)) {
			*out = large->backends[i].ip;
			found = 1;
		}
	free(sorted);
	return found;
}

/* " at line N", " (VIP j, added at run time)", or "" for j < 0 (the VIP being checked: the
 * caller's message places it). */
static const char *
pair_where(const struct hp_config *cfg, int j, char *buf, size_t len)
{
	char w[WHERE_TEXT];

	if (j < 0)
		buf[0] = '\0';
	else
		snprintf(buf, len, " %s", vip_where(cfg, (unsigned)j, w, sizeof(w)));
	return buf;
}

/* GUE VIP g (index gj in cfg, -1: the VIP checked) against UDP VIP u (uj). -EINVAL with a
 * message naming both, -ENOMEM, or 0. */
static int
gue_pair(const struct hp_config *cfg, const struct hp_lb_vip *g, int gj, const struct hp_lb_vip *u, int uj,
	 char *err, size_t errlen)
{
	char gt[HP_LB_VIP_TEXT], ut[HP_LB_VIP_TEXT], a[HP_ADDR_STRLEN], gw[WHERE_TEXT + 2],
		uw[WHERE_TEXT + 2];
	struct hp_addr shared;
	int rc;

	if (g->encap != HP_LB_GUE || u->proto != IPPROTO_UDP || u->port == 0 || u->port != g->gue_port)
		return 0;
	if ((rc = shared_backend(g, u, &shared)) <= 0)
		return rc == -ENOMEM ? hp_errf(err, errlen, rc, "out of memory") : 0;
	hp_model_lb_vip_text(g, gt, sizeof(gt));
	hp_addr_format(&shared, a, sizeof(a));
	if (g == u)
		return hp_errf(err, errlen, -EINVAL,
			       "VIP %s sends GUE to UDP port %u of backend %s, the port the VIP itself is "
			       "served on there (one UDP port cannot be the decapsulator's and the "
			       "service's)",
			       gt, g->gue_port, a);
	return hp_errf(err, errlen, -EINVAL,
		       "VIP %s%s sends GUE to UDP port %u of backend %s, where the UDP VIP %s%s is served "
		       "too (one UDP port cannot be the decapsulator's and the service's)",
		       gt, pair_where(cfg, gj, gw, sizeof(gw)), g->gue_port, a,
		       hp_model_lb_vip_text(u, ut, sizeof(ut)), pair_where(cfg, uj, uw, sizeof(uw)));
}

/* v against itself and cfg->lb[0..n) but skip (an index, or -1). */
static int
gue_check(const struct hp_config *cfg, unsigned n, int skip, const struct hp_lb_vip *v, bool *v_is_gue,
	  char *err, size_t errlen)
{
	int rc;

	if (v_is_gue != NULL)
		*v_is_gue = true;
	if ((rc = gue_pair(cfg, v, -1, v, -1, err, errlen)))
		return rc;
	for (unsigned j = 0; j < n && j < cfg->n_lb; j++) {
		if ((int)j == skip)
			continue;
		if ((rc = gue_pair(cfg, v, -1, &cfg->lb[j], (int)j, err, errlen)))
			return rc;
		if ((rc = gue_pair(cfg, &cfg->lb[j], (int)j, v, -1, err, errlen))) {
			if (v_is_gue != NULL)
				*v_is_gue = false;
			return rc;
		}
	}
	return 0;
}

int
hp_model_lb_gue_check(const struct hp_config *cfg, unsigned n, const struct hp_lb_vip *v, bool *v_is_gue,
		      char *err, size_t errlen)
{
	return gue_check(cfg, n, -1, v, v_is_gue, err, errlen);
}

/* ---- VIPs ---- */

/* 1..HP_MAX_LB_BACKENDS backends at distinct addresses, each checked. */
static int
backends_check(const struct hp_config *cfg, const struct hp_lb_vip *v, char *err, size_t errlen)
{
	char vt[HP_LB_VIP_TEXT], a[HP_ADDR_STRLEN];
	struct hp_addr *sorted;
	int rc = 0;

	hp_model_lb_vip_text(v, vt, sizeof(vt));
	if (v->n_backends == 0 || v->backends == NULL)
		return hp_errf(err, errlen, -EINVAL, "VIP %s: no backend (at least one)", vt);
	if (v->n_backends > HP_MAX_LB_BACKENDS)
		return hp_errf(err, errlen, -ENOSPC, "VIP %s: more than %u backends", vt, HP_MAX_LB_BACKENDS);
	for (unsigned i = 0; i < v->n_backends; i++)
		if ((rc = hp_model_lb_backend_check(cfg, v, &v->backends[i], err, errlen)))
			return rc;
	if ((sorted = malloc(v->n_backends * sizeof(*sorted))) == NULL)
		return hp_errf(err, errlen, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < v->n_backends; i++)
		sorted[i] = v->backends[i].ip;
	qsort(sorted, v->n_backends, sizeof(*sorted), cmp_ip);
	for (unsigned i = 1; i < v->n_backends && !rc; i++)
		if (same_ip(&sorted[i], &sorted[i - 1]))
			rc = hp_errf(err, errlen, -EINVAL, "VIP %s: backend %s listed twice", vt,
				     hp_addr_format(&sorted[i], a, sizeof(a)));
	free(sorted);
	return rc;
}

static int
copy_backends(const struct hp_lb_vip *v, struct hp_lb_backend **out)
{
	*out = malloc((v->n_backends ? v->n_backends : 1) * sizeof(**out));
	if (*out == NULL)
		return -ENOMEM;
	if (v->n_backends)
		memcpy(*out, v->backends, v->n_backends * sizeof(**out));
	return 0;
}

int
hp_model_lb_vip_add(struct hp_config *cfg, const struct hp_lb_vip *v, char *err, size_t errlen)
{
	struct hp_lb_backend *b;
	struct hp_lb_vip *a;
	int rc;

	if (cfg->n_lb >= HP_MAX_LB_VIPS)
		return hp_errf(err, errlen, -ENOSPC, "more than %u VIPs", HP_MAX_LB_VIPS);
	if ((rc = hp_model_lb_vip_check(cfg, v, err, errlen)) || (rc = backends_check(cfg, v, err, errlen)) ||
	    (rc = hp_model_lb_vip_clash(cfg, cfg->n_lb, v, err, errlen)) ||
	    (rc = gue_check(cfg, cfg->n_lb, -1, v, NULL, err, errlen)))
		return rc;
	if (copy_backends(v, &b) < 0)
		return hp_errf(err, errlen, -ENOMEM, "out of memory for backends");
	/* no capacity is kept: a few hundred VIPs at most, changed rarely */
	if ((a = realloc(cfg->lb, (cfg->n_lb + 1) * sizeof(*a))) == NULL) {
		free(b);
		return hp_errf(err, errlen, -ENOMEM, "out of memory for VIPs");
	}
	cfg->lb = a;
	a[cfg->n_lb] = *v;
	a[cfg->n_lb].backends = b;
	cfg->n_lb++;
	return 0;
}

int
hp_model_lb_vip_del(struct hp_config *cfg, unsigned idx, struct hp_lb_vip *old)
{
	if (idx >= cfg->n_lb)
		return -ENOENT;
	if (old != NULL)
		*old = cfg->lb[idx];
	else
		free(cfg->lb[idx].backends);
	memmove(&cfg->lb[idx], &cfg->lb[idx + 1], (cfg->n_lb - idx - 1) * sizeof(cfg->lb[0]));
	cfg->n_lb--;
	return 0;
}

int
hp_model_lb_vip_find(const struct hp_config *cfg, const struct hp_addr *vip, uint8_t proto, uint16_t port)
{
	for (unsigned i = 0; i < cfg->n_lb; i++)
		if (cfg->lb[i].proto == proto && cfg->lb[i].port == port && same_ip(&cfg->lb[i].vip, vip))
			return (int)i;
	return -1;
}

/* ---- backends ---- */

int
hp_model_lb_backend_add(struct hp_config *cfg, unsigned vip_idx, const struct hp_lb_backend *b, char *err,
			size_t errlen)
{
	char vt[HP_LB_VIP_TEXT], a[HP_ADDR_STRLEN];
	struct hp_lb_backend *arr;
	struct hp_lb_vip *v, with;
	int rc;

	if (vip_idx >= cfg->n_lb)
		return hp_errf(err, errlen, -ENOENT, "no VIP %u", vip_idx);
	v = &cfg->lb[vip_idx];
	hp_model_lb_vip_text(v, vt, sizeof(vt));
	if (backend_index(v, &b->ip) >= 0)
		return hp_errf(err, errlen, -EEXIST, "VIP %s: backend %s already there", vt,
			       hp_addr_format(&b->ip, a, sizeof(a)));
	if (v->n_backends >= HP_MAX_LB_BACKENDS)
		return hp_errf(err, errlen, -ENOSPC, "VIP %s: more than %u backends", vt, HP_MAX_LB_BACKENDS);
	if ((rc = hp_model_lb_backend_check(cfg, v, b, err, errlen)))
		return rc;
	/* room first (the VIP's count is unchanged: a refusal below leaves it as it was) */
	if ((arr = realloc(v->backends, (v->n_backends + 1) * sizeof(*arr))) == NULL)
		return hp_errf(err, errlen, -ENOMEM, "out of memory for backends");
	v->backends = arr;
	arr[v->n_backends] = *b;
	with = *v;
	with.n_backends++;
	if ((rc = gue_check(cfg, cfg->n_lb, (int)vip_idx, &with, NULL, err, errlen)))
		return rc;
	v->n_backends++;
	return 0;
}

int
hp_model_lb_backend_del(struct hp_config *cfg, unsigned vip_idx, const struct hp_addr *ip)
{
	struct hp_lb_vip *v;
	int i;

	if (vip_idx >= cfg->n_lb)
		return -ENOENT;
	v = &cfg->lb[vip_idx];
	if ((i = backend_index(v, ip)) < 0)
		return -ENOENT;
	if (v->n_backends == 1)
		return -EBUSY;
	/* keep the others in order: config dump lists them as they were added */
	memmove(&v->backends[i], &v->backends[i + 1],
		(v->n_backends - (unsigned)i - 1) * sizeof(v->backends[0]));
	v->n_backends--;
	return 0;
}

int
hp_model_lb_backend_set(struct hp_config *cfg, unsigned vip_idx, const struct hp_addr *ip, uint32_t weight)
{
	int i;

	if (vip_idx >= cfg->n_lb || (i = backend_index(&cfg->lb[vip_idx], ip)) < 0)
		return -ENOENT;
	if (weight > HP_LB_WEIGHT_MAX)
		return -EINVAL;
	cfg->lb[vip_idx].backends[i].weight = weight;
	return 0;
}

/* ---- whole copies ---- */

int
hp_model_lb_copy(const struct hp_config *src, struct hp_config *draft)
{
	struct hp_lb_vip *a = NULL;

	draft->lb_conf = src->lb_conf;
	if (src->n_lb > 0) {
		if ((a = calloc(src->n_lb, sizeof(*a))) == NULL)
			goto oom;
		for (unsigned i = 0; i < src->n_lb; i++) {
			a[i] = src->lb[i];
			if (copy_backends(&src->lb[i], &a[i].backends) < 0) {
				while (i-- > 0)
					free(a[i].backends);
				free(a);
				goto oom;
			}
		}
	}
	draft->lb = a;
	draft->n_lb = src->n_lb;
	return 0;
oom:
	draft->lb = NULL;
	draft->n_lb = 0;
	return -ENOMEM;
}

void
hp_model_lb_free(struct hp_config *cfg)
{
	for (unsigned i = 0; cfg->lb != NULL && i < cfg->n_lb; i++)
		free(cfg->lb[i].backends);
	free(cfg->lb);
	cfg->lb = NULL;
	cfg->n_lb = 0;
}
