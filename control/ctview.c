/* Connection tracking and NAT as JSON, from the running table and NAT (one place names their fields). */
#include <netinet/in.h>
#include <string.h>

#include "addr.h"
#include "ct.h"
#include "ctview.h"
#include "nat.h"
#include "tables.h"
#include "worker_state.h"

const uint8_t ctl_nat_protos[CTL_NAT_PROTOS] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP};
const char *const ctl_nat_proto_names[CTL_NAT_PROTOS] = {"tcp", "udp", "icmp"};

/* The four ACL state bits in bit order (worker_state.h's ct_state[] index). */
static const char *const state_names[4] = {"new", "established", "related", "invalid"};

static void
put(json_t *o, const char *k, uint64_t v)
{
	json_object_set_new(o, k, json_integer((json_int_t)v));
}

static void
put_worker_counters(json_t *o, const struct ct_worker_stats *s)
{
#define CT_PUT(name, help) put(o, #name, s->name);
	CT_WORKER_COUNTERS(CT_PUT)
#undef CT_PUT
	put(o, "live", s->live);
	put(o, "limbo", s->limbo);
}

json_t *
ctl_ct_stats(const struct dp_runtime *rt)
{
	const struct hp_conntrack_conf *cc = &rt->cfg->conntrack;
	const struct ct_table *t = rt->ct;
	struct ct_worker_stats sum = {0};
	json_t *o = json_object(), *workers = json_array(), *packets = json_object(),
	       *invalid = json_object(), *counters = json_object();
	uint64_t state[4] = {0}, why[CT_R_N] = {0}, fast = 0;

	if (!o || !workers || !packets || !invalid || !counters)
		goto oom;
	json_object_set_new(o, "enabled", json_boolean(t != NULL));
	put(o, "count", t ? ct_table_count(t) : 0);
	put(o, "max", t ? ct_table_max(t) : 0);
	put(o, "bytes", t ? ct_table_bytes(ct_table_max(t), rt->n_workers) : 0);
	json_object_set_new(o, "timeouts",
			    json_pack("{s:I, s:I, s:I, s:I}", "tcp_established",
				      (json_int_t)cc->tcp_established, "tcp_transitory",
				      (json_int_t)cc->tcp_transitory, "udp", (json_int_t)cc->udp, "icmp",
				      (json_int_t)cc->icmp));
	for (unsigned w = 0; w < rt->n_workers; w++) {
		const struct dp_worker *wk = rt->workers[w];
		const struct ct_worker_stats *s = t ? ct_worker_stats(t, w) : NULL;
		json_t *row = json_pack("{s:i, s:i}", "worker", (int)w, "lcore", (int)wk->lcore);
		struct ct_worker_stats zero = {0};

		if (row == NULL)
			goto oom;
		if (s == NULL)
			s = &zero;
#define CT_SUM(name, help) sum.name += s->name;
		CT_WORKER_COUNTERS(CT_SUM)
#undef CT_SUM
		sum.live += s->live;
		sum.limbo += s->limbo;
		put_worker_counters(row, s);
		json_array_append_new(workers, row);
		for (unsigned b = 0; b < 4; b++)
			state[b] += wk->ct_state[b];
		for (unsigned r = 0; r < CT_R_N; r++)
			why[r] += wk->ct_invalid[r];
		fast += wk->ct_fast;
	}
	put_worker_counters(counters, &sum);
	for (unsigned b = 0; b < 4; b++)
		put(packets, state_names[b], state[b]);
	for (unsigned r = CT_R_NONE + 1; r < CT_R_N; r++)
		put(invalid, ct_reason_name((enum ct_reason)r), why[r]);
	json_object_set_new(o, "counters", counters);
	json_object_set_new(o, "workers", workers);
	json_object_set_new(o, "packets", packets);
	put(o, "fast_path", fast);
	json_object_set_new(o, "invalid", invalid);
	return o;
oom:
	json_decref(o);
	json_decref(workers);
	json_decref(packets);
	json_decref(invalid);
	json_decref(counters);
	return NULL;
}

static const struct dp_nat *
running_nat(const struct dp_runtime *rt)
{
	return rt->tables ? rt->tables->ct.nat : NULL;
}

/* The counters of NATs published over (ctl_nat_retire). */
static struct dp_nat_stats nat_base;

static void
nat_sum(const struct dp_runtime *rt, const struct dp_nat *n, struct dp_nat_stats *sum)
{
	for (unsigned w = 0; n != NULL && w < rt->n_workers; w++) {
		const struct dp_nat_stats *s = dp_nat_worker_stats(n, w);

		if (s == NULL)
			continue;
#define NAT_SUM(name, help) sum->name += s->name;
		DP_NAT_COUNTERS(NAT_SUM)
#undef NAT_SUM
	}
}

void
ctl_nat_retire(const struct dp_runtime *rt, const struct dp_tables *old)
{
	if (old != NULL && old->ct.nat != NULL && old->ct.nat != running_nat(rt))
		nat_sum(rt, old->ct.nat, &nat_base);
}

json_t *
ctl_nat_counters(const struct dp_runtime *rt)
{
	struct dp_nat_stats sum = nat_base;
	json_t *o = json_object();

	nat_sum(rt, running_nat(rt), &sum);
#define NAT_PUT(name, help) put(o, #name, sum.name);
	if (o != NULL)
		DP_NAT_COUNTERS(NAT_PUT)
#undef NAT_PUT
	return o;
}

json_t *
ctl_nat_pool_free(const struct dp_runtime *rt, unsigned i)
{
	const struct dp_nat *n = running_nat(rt);
	json_t *o;

	if (n == NULL || i >= dp_nat_n_rules(n) || i >= rt->cfg->n_nat || rt->cfg->nat[i].type != HP_NAT_SNAT)
		return NULL;
	o = json_object();
	for (unsigned p = 0; o != NULL && p < CTL_NAT_PROTOS; p++)
		put(o, ctl_nat_proto_names[p], dp_nat_pool_free(n, (int)i, ctl_nat_protos[p]));
	return o;
}

static const char *
proto_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		return "?";
	}
}

/* Whether a reply was seen, from the protocol's state word. */
static bool
seen_reply(const struct ct_conn *c)
{
	uint64_t word = c->state;

	switch (c->key[0].proto) {
	case IPPROTO_TCP: {
		struct ct_tcp s;

		memcpy(&s, &word, sizeof(s));
		return s.flags & CT_TCPF_SEEN_REPLY;
	}
	case IPPROTO_UDP: {
		struct ct_udp s;

		memcpy(&s, &word, sizeof(s));
		return s.flags & CT_TCPF_SEEN_REPLY;
	}
	default: {
		struct ct_icmp s;

		memcpy(&s, &word, sizeof(s));
		return s.flags & CT_TCPF_SEEN_REPLY;
	}
	}
}

const char *
ctl_ct_state_name(const struct ct_conn *c)
{
	if (c->key[0].proto == IPPROTO_TCP) {
		struct ct_tcp s;
		uint64_t word = c->state;

		memcpy(&s, &word, sizeof(s));
		return ct_tcp_state_name((enum ct_tcp_state)s.state);
	}
	return seen_reply(c) ? "established" : "new";
}

static json_t *
tuple(const struct ct_key *k)
{
	char a[HP_ADDR_STRLEN], b[HP_ADDR_STRLEN];
	int fam = k->v6 ? AF_INET6 : AF_INET;
	bool icmp = k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6;

	hp_addr_bytes_format(fam, k->src, a, sizeof(a));
	hp_addr_bytes_format(fam, k->dst, b, sizeof(b));
	if (icmp)
		return json_pack("{s:s, s:s, s:i}", "src", a, "dst", b, "id", (int)ntohs(k->sport));
	return json_pack("{s:s, s:s, s:i, s:i}", "src", a, "dst", b, "sport", (int)ntohs(k->sport), "dport",
			 (int)ntohs(k->dport));
}

json_t *
ctl_ct_conn(const struct dp_runtime *rt, const struct ct_conn *c, uint64_t now)
{
	uint64_t exp = ct_expiry(rt->ct, c);
	uint8_t flags = c->flags;
	json_t *nat = json_array();

	if (flags & CT_CONN_SNAT)
		json_array_append_new(nat, json_string("snat"));
	if (flags & CT_CONN_DNAT)
		json_array_append_new(nat, json_string("dnat"));
	return json_pack(
		"{s:s, s:i, s:o, s:o, s:o, s:s, s:b, s:I, s:[I, I], s:i, s:i}", "proto",
		proto_name(c->key[0].proto), "family", c->key[0].v6 ? 6 : 4, "orig", tuple(&c->key[0]),
		"reply", tuple(&c->key[1]), "nat", nat, "state", ctl_ct_state_name(c), "assured",
		(flags & CT_CONN_ASSURED) != 0, "expires_s",
		(json_int_t)(exp > now && rt->tsc_hz ? (exp - now + rt->tsc_hz - 1) / rt->tsc_hz : 0),
		"packets", (json_int_t)c->packets[0], (json_int_t)c->packets[1], "worker", (int)c->owner,
		"lcore", c->owner < rt->n_workers ? (int)rt->workers[c->owner]->lcore : -1);
}
