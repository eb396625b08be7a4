/* conntrack.show, conntrack.stats, conntrack.flush: the connection table read (and flushed) by the control thread. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "ct.h"
#include "ctview.h"
#include "handlers.h"

#define CT_SHOW_LIMIT_DEFAULT 100
#define CT_SHOW_LIMIT_MAX 100000

/* conntrack.show's filter: every field given must match. */
struct ct_filter {
	int proto; /* -1: any */
	bool has_src, has_dst;
	struct hp_prefix src, dst; /* either direction's source / destination */
	int port;                  /* -1: any; else either port of either direction (TCP, UDP) */
	const char *state;         /* NULL: any; a TCP state name, or new / established */
	unsigned limit;
};

static const char *const tcp_states[] = {"none",       "syn_sent", "syn_recv",  "established", "fin_wait",
					 "close_wait", "last_ack", "time_wait", "close",       "syn_sent2"};

static int
filter_proto(json_t *args, struct ct_filter *f, struct cmd_err *e)
{
	static const struct {
		const char *name;
		int proto;
	} names[] = {{"tcp", IPPROTO_TCP},
		     {"udp", IPPROTO_UDP},
		     {"icmp", IPPROTO_ICMP},
		     {"icmpv6", IPPROTO_ICMPV6}};
	json_t *v = json_object_get(args, "proto");

	f->proto = -1;
	if (v == NULL)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255) {
		f->proto = (int)json_integer_value(v);
		return 0;
	}
	for (size_t i = 0; json_is_string(v) && i < RTE_DIM(names); i++)
		if (strcmp(json_string_value(v), names[i].name) == 0) {
			f->proto = names[i].proto;
			return 0;
		}
	return fail(e, "EINVAL", "argument \"proto\": expected tcp, udp, icmp, icmpv6 or a number 0..255");
}

/* "10.0.0.1" (a host) or "10.0.0.0/8". */
static int
filter_addr(json_t *args, const char *key, bool *has, struct hp_prefix *p, struct cmd_err *e)
{
	struct hp_addr a;
	const char *s;

	if (arg_str(args, key, false, &s, e) < 0)
		return -1;
	*has = s != NULL;
	if (s == NULL)
		return 0;
	if (hp_parse_prefix(s, 0, p) == 0)
		return 0;
	if (hp_parse_addr(s, 0, &a) < 0)
		return fail(e, "EINVAL", "argument \"%s\": bad address or prefix \"%.64s\"", key, s);
	p->family = a.family;
	p->len = (uint8_t)hp_family_bits(a.family);
	memcpy(p->addr, a.addr, sizeof(p->addr));
	return 0;
}

/* An integer, or its decimal text (hpctl sends words as they are typed). */
static int
int_arg(json_t *args, const char *key, long long lo, long long hi, long long dflt, long long *out,
	struct cmd_err *e)
{
	json_t *v = json_object_get(args, key);
	long long x;
	char *end;

	*out = dflt;
	if (v == NULL)
		return 0;
	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_string(v) && json_string_value(v)[0] >= '0' && json_string_value(v)[0] <= '9') {
		x = strtoll(json_string_value(v), &end, 10);
		if (*end != '\0')
			x = hi + 1;
	} else {
		return fail(e, "EINVAL", "argument \"%s\" must be a number from %lld to %lld", key, lo, hi);
	}
	if (x < lo || x > hi)
		return fail(e, "EINVAL", "argument \"%s\": %lld is out of range (%lld to %lld)", key, x, lo,
			    hi);
	*out = x;
	return 0;
}

static int
parse_filter(json_t *args, struct ct_filter *f, struct cmd_err *e)
{
	static const char *const allowed[] = {"proto", "src", "dst", "port", "state", "limit", NULL};
	long long port, limit;
	bool known;

	if (known_args(args, allowed, e) < 0 || filter_proto(args, f, e) < 0 ||
	    filter_addr(args, "src", &f->has_src, &f->src, e) < 0 ||
	    filter_addr(args, "dst", &f->has_dst, &f->dst, e) < 0 ||
	    int_arg(args, "port", 0, 65535, -1, &port, e) < 0 ||
	    int_arg(args, "limit", 1, CT_SHOW_LIMIT_MAX, CT_SHOW_LIMIT_DEFAULT, &limit, e) < 0 ||
	    arg_str(args, "state", false, &f->state, e) < 0)
		return -1;
	f->port = (int)port;
	f->limit = (unsigned)limit;
	if (f->state == NULL)
		return 0;
	known = strcmp(f->state, "new") == 0 || strcmp(f->state, "established") == 0;
	for (size_t i = 0; !known && i < RTE_DIM(tcp_states); i++)
		known = strcmp(f->state, tcp_states[i]) == 0;
	if (!known)
		return fail(
			e, "EINVAL",
			"argument \"state\": unknown state \"%.32s\" (new, established, or a TCP state: none, "
			"syn_sent, syn_recv, established, fin_wait, close_wait, last_ack, time_wait, close, "
			"syn_sent2)",
			f->state);
	return 0;
}

static bool
in(const struct hp_prefix *p, const struct ct_key *k, const uint8_t *a)
{
	struct hp_addr x = {.family = k->v6 ? AF_INET6 : AF_INET};

	memcpy(x.addr, a, 16);
	return hp_prefix_contains(p, &x);
}

static bool
matches(const struct ct_filter *f, const struct ct_conn *c)
{
	const struct ct_key *o = &c->key[0], *r = &c->key[1];

	if (f->proto >= 0 && o->proto != f->proto)
		return false;
	if (f->has_src && !in(&f->src, o, o->src) && !in(&f->src, r, r->src))
		return false;
	if (f->has_dst && !in(&f->dst, o, o->dst) && !in(&f->dst, r, r->dst))
		return false;
	if (f->port >= 0) {
		uint16_t p = htons((uint16_t)f->port);

		if (o->proto != IPPROTO_TCP && o->proto != IPPROTO_UDP)
			return false;
		if (o->sport != p && o->dport != p && r->sport != p && r->dport != p)
			return false;
	}
	if (f->state != NULL) {
		const char *s = ctl_ct_state_name(c);

		if (strcmp(f->state, "new") == 0 || strcmp(f->state, "established") == 0) {
			/* the class: a TCP connection is new until its reply, as UDP and ICMP are */
			bool est = strcmp(s, "established") == 0;

			if (o->proto == IPPROTO_TCP) {
				struct ct_tcp t;
				uint64_t word = c->state;

				memcpy(&t, &word, sizeof(t));
				est = (t.flags & CT_TCPF_SEEN_REPLY) != 0;
			}
			return est == (strcmp(f->state, "established") == 0);
		}
		return o->proto == IPPROTO_TCP && strcmp(s, f->state) == 0;
	}
	return true;
}

int
cmd_conntrack_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct ct_filter f;
	uint64_t matched = 0, now = rte_rdtsc();
	uint32_t max;
	json_t *a;

	if (parse_filter(args, &f, e) < 0)
		return -1;
	if ((a = json_array()) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	max = rt->ct ? ct_table_max(rt->ct) : 0;
	for (uint32_t i = 0; i < max; i++) {
		const struct ct_conn *c = ct_entry(rt->ct, i, now);
		struct ct_conn copy;

		if (c == NULL)
			continue;
		copy = *c; /* one read of an entry a worker may be changing: shown as read */
		if (!matches(&f, &copy))
			continue;
		if (matched++ < f.limit)
			json_array_append_new(a, ctl_ct_conn(rt, &copy, now));
	}
	*result = json_pack("{s:I, s:I, s:b, s:i, s:o}", "matched", (json_int_t)matched, "shown",
			    (json_int_t)json_array_size(a), "truncated", matched > f.limit, "limit",
			    (int)f.limit, "connections", a);
	return *result ? 0 : fail(e, "ENOMEM", "out of memory");
}

int
cmd_conntrack_stats(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	if (no_args(args, e) < 0)
		return -1;
	if ((*result = ctl_ct_stats(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	return 0;
}

int
cmd_conntrack_flush(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	uint64_t live = 0;

	if (no_args(args, e) < 0)
		return -1;
	if (rt->ct != NULL) {
		uint64_t now = rte_rdtsc();

		/* the connections show would list (ct_table_count also counts the dead not yet swept) */
		for (uint32_t i = 0; i < ct_table_max(rt->ct); i++)
			live += ct_entry(rt->ct, i, now) != NULL;
		ct_flush(rt->ct);
	}
	*result = json_pack("{s:I}", "flushed", (json_int_t)live);
	return 0;
}
