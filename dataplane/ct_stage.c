/* The conntrack stage: find each packet's connection (lock-free shared table), step its state machine, translate (NAT44). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "ct_stage.h"
#include "nat.h"
#include "nat_rw.h"
#include "tables.h"
#include "worker_state.h"

enum {
	CT_TODO_NONE,
	CT_TODO_NEW,   /* no connection yet: create one after routing if the packet goes on */
	CT_TODO_SRC,   /* a known connection: write the source half of its translation after routing */
	CT_TODO_NOKEY, /* no tuple to look up (dir holds the invalid reason) */
};

/* One connection's protocol state, as stored in ct_conn.state. */
union ct_word {
	uint64_t word;
	struct ct_tcp tcp;
	struct ct_udp udp;
	struct ct_icmp icmp;
};

/* The L4 part of a packet and how much of it is readable. */
struct l4_view {
	uint8_t *ip;
	uint8_t *l4; /* NULL: none (a later fragment, a protocol without a header we read) */
	uint32_t len;
};

static inline struct l4_view
l4_view(struct rte_mbuf *m, const struct dp_meta *meta)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	struct l4_view v = {f + meta->l3_off, NULL, 0};
	uint32_t data = rte_pktmbuf_data_len(m), ip_end = (uint32_t)meta->l3_off + meta->l3_len;

	if (meta->l4_off != 0 && meta->l4_off < data) {
		v.l4 = f + meta->l4_off;
		v.len = RTE_MIN(ip_end, data) > meta->l4_off ? RTE_MIN(ip_end, data) - meta->l4_off : 0;
	}
	return v;
}

static inline bool
is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* ICMP types that quote the packet they are about. */
static inline bool
icmp_error(uint8_t type, bool v6)
{
	return v6 ? type >= 1 && type <= 4 : type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static inline unsigned
state_bit(unsigned ct_state)
{
	return (unsigned)__builtin_ctz(ct_state);
}

/* Packet i's state for the ACL and the counters. */
static inline void
set_state(struct dp_worker *w, struct dp_burst *b, uint16_t i, unsigned ct_state, unsigned reason)
{
	struct dp_meta *meta = &b->meta[i];

	if (meta->l3 == DP_L3_IPV4)
		meta->key.k4.ct_state = (uint8_t)ct_state;
	else
		meta->key.k6.ct_state = (uint8_t)ct_state;
	w->ct_state[state_bit(ct_state)]++;
	if (ct_state == HP_CT_INVALID)
		w->ct_invalid[reason]++;
}

/* The packet's tuple as the table keys it; false (and *reason) when it has none to find. */
static inline bool
key_of(const struct dp_meta *meta, const struct l4_view *v, struct ct_key *k, unsigned *reason)
{
	memset(k, 0, sizeof(*k));
	if (meta->l3 == DP_L3_IPV4) {
		memcpy(k->src, &meta->key.k4.src, 4);
		memcpy(k->dst, &meta->key.k4.dst, 4);
		k->proto = meta->key.k4.proto;
		k->sport = meta->key.k4.sport;
		k->dport = meta->key.k4.dport;
	} else {
		memcpy(k->src, meta->key.k6.src, 16);
		memcpy(k->dst, meta->key.k6.dst, 16);
		k->proto = meta->key.k6.proto;
		k->sport = meta->key.k6.sport;
		k->dport = meta->key.k6.dport;
		k->v6 = 1;
	}
	if (meta->flags & DP_META_LATER_FRAG) {
		*reason = CT_R_FRAGMENT;
		return false;
	}
	if (!(meta->flags & DP_META_L4PORTS))
		k->sport = k->dport = 0;
	if (is_icmp(k->proto) && v->l4 != NULL && !icmp_error(meta->icmp_type, k->v6)) {
		if (v->len < 8) {
			*reason = CT_R_ICMP_SHORT;
			return false;
		}
		memcpy(&k->sport, v->l4 + 4, 2); /* the identifier */
	}
	return true;
}

/* The TCP segment's fields, or the reason it cannot be read. */
static inline unsigned
tcp_seg(const struct l4_view *v, struct ct_tcp_seg *s)
{
	return v->l4 == NULL ? CT_R_TCP_HEADER : ct_tcp_seg_read(v->l4, v->len, s);
}

/* A new connection's first state from its first packet. */
static enum ct_verdict
machine_new(const struct ct_key *k, const struct dp_meta *meta, const struct l4_view *v, union ct_word *st,
	    struct ct_result *r)
{
	struct ct_tcp_seg seg;
	unsigned why;

	st->word = 0;
	switch (k->proto) {
	case IPPROTO_TCP:
		if ((why = tcp_seg(v, &seg)) != CT_R_NONE) {
			*r = (struct ct_result){
				.verdict = CT_INVALID, .ct_state = HP_CT_INVALID, .reason = (uint8_t)why};
			return CT_INVALID;
		}
		return ct_tcp_new(&st->tcp, &seg, true, r);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return ct_icmp_new(&st->icmp, meta->icmp_type, k->v6, r);
	default: /* UDP, and any other protocol by addresses (and ports when it has them) */
		return ct_udp_new(&st->udp, r);
	}
}

/* One step of a known connection's state machine, published by compare-and-swap (another
 * worker may step the other direction at the same time). */
static enum ct_verdict
machine_step(struct dp_worker *w, struct ct_table *tab, struct ct_conn *c, unsigned dir,
	     const struct dp_meta *meta, const struct l4_view *v, struct ct_result *r)
{
	union ct_word old, nw;
	struct ct_tcp_seg seg = {0};
	enum ct_verdict verdict = CT_INVALID;
	unsigned why;

	if (c->key[0].proto == IPPROTO_TCP && (why = tcp_seg(v, &seg)) != CT_R_NONE) {
		*r = (struct ct_result){
			.verdict = CT_INVALID, .ct_state = HP_CT_INVALID, .reason = (uint8_t)why};
		return CT_INVALID;
	}
	old.word = __atomic_load_n(&c->state, __ATOMIC_RELAXED);
	for (unsigned tries = 0;; tries++) {
		nw = old;
		switch (c->key[0].proto) {
		case IPPROTO_TCP:
			verdict = ct_tcp_step(&nw.tcp, dir == CT_DIR_REPLY, &seg, r);
			break;
		case IPPROTO_ICMP:
		case IPPROTO_ICMPV6:
			verdict = ct_icmp_step(&nw.icmp, dir == CT_DIR_REPLY, meta->icmp_type, c->key[0].v6,
					       r);
			break;
		default:
			verdict = ct_udp_step(&nw.udp, dir == CT_DIR_REPLY, r);
			break;
		}
		if (verdict == CT_INVALID || nw.word == old.word)
			break;
		if (__atomic_compare_exchange_n(&c->state, &old.word, nw.word, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			break;
		/* another worker moved it: step again from what it wrote (bounded: give up as ignored) */
		ct_worker_stats_mut(tab, w->index)->races++;
		if (tries == 8) {
			r->refresh = false;
			return CT_IGNORE;
		}
	}
	if (verdict != CT_INVALID) {
		uint8_t f = c->key[0].proto == IPPROTO_TCP ? nw.tcp.flags
			    : is_icmp(c->key[0].proto)     ? 0
							   : nw.udp.flags;

		if ((f & CT_TCPF_ASSURED) &&
		    !(__atomic_load_n(&c->flags, __ATOMIC_RELAXED) & CT_CONN_ASSURED))
			__atomic_fetch_or(&c->flags, CT_CONN_ASSURED, __ATOMIC_RELAXED);
		c->packets[dir]++;
	}
	return verdict;
}

/* The IPv4 destination the LPM looks up for list entry j, from the packet's key now. */
static inline void
set_dst(struct dp_burst *b, uint16_t i, uint32_t *dst4, const struct ct_key *cur)
{
	struct dp_meta *meta = &b->meta[i];

	memcpy(&meta->key.k4.dst, cur->dst, 4);
	meta->key.k4.dport = cur->dport;
	if (dst4 != NULL)
		*dst4 = rte_be_to_cpu_32(meta->key.k4.dst);
}

static inline bool
dst_differs(const struct ct_key *a, const struct ct_key *b)
{
	return memcmp(a->dst, b->dst, 4) != 0 || a->dport != b->dport;
}

static inline bool
src_differs(const struct ct_key *a, const struct ct_key *b)
{
	return memcmp(a->src, b->src, 4) != 0 || a->sport != b->sport;
}

/* A known connection's packet i (direction dir): the destination half of its translation now
 * (the LPM must see it), the source half after routing. */
static void
translate_pre(struct dp_burst *b, struct dp_ct_burst *cb, uint16_t i, uint32_t *dst4, const struct l4_view *v)
{
	const struct ct_conn *c = cb->conn[i];
	struct ct_key target;

	if (!(c->flags & (CT_CONN_SNAT | CT_CONN_DNAT)))
		return;
	ct_key_invert(&c->key[!cb->dir[i]], &target);
	if (dst_differs(&cb->cur[i], &target)) {
		dp_nat_rewrite4(v->ip, v->l4, v->len, &cb->cur[i], &target, false, true);
		memcpy(cb->cur[i].dst, target.dst, 4);
		cb->cur[i].dport = target.dport;
		set_dst(b, i, dst4, &cb->cur[i]);
	}
	if (src_differs(&cb->cur[i], &target))
		cb->todo[i] = CT_TODO_SRC;
}

/*
 * An ICMP error (packet i): the connection of the packet it quotes makes it related, and when
 * that connection is translated the error is translated back (quoted packet as it was sent,
 * outer destination the real peer). false: invalid, *reason why.
 */
static bool
related(const struct dp_ct_tables *ct, struct dp_worker *w, struct dp_burst *b, struct dp_ct_burst *cb,
	uint16_t i, uint32_t *dst4, const struct l4_view *v, uint64_t now, unsigned *reason)
{
	struct ct_tuple t;
	struct ct_key q;
	struct ct_conn *c;
	unsigned e;

	if (v->l4 == NULL || ct_icmp_quote(v->l4, v->len, cb->key[i].v6, &t) != CT_Q_OK) {
		*reason = CT_R_ICMP_QUOTE;
		return false;
	}
	memset(&q, 0, sizeof(q));
	memcpy(q.src, t.src, t.v6 ? 16 : 4);
	memcpy(q.dst, t.dst, t.v6 ? 16 : 4);
	q.sport = rte_cpu_to_be_16(t.sport); /* ct_icmp_quote reads ports in host order */
	q.dport = rte_cpu_to_be_16(t.dport);
	q.proto = t.proto;
	q.v6 = t.v6;
	ct_key_invert(&q, &q); /* the quoted packet went the other way: the error comes back as its reply */
	if ((c = ct_lookup(ct->table, &q, ct_key_hash_inline(&q), now, &e)) == NULL) {
		*reason = CT_R_ICMP_UNTRACKED;
		return false;
	}
	if (!t.v6 && (c->flags & (CT_CONN_SNAT | CT_CONN_DNAT))) {
		const struct ct_key *inner = &c->key[!e];
		uint32_t outer_dst, outer_src = 0;

		memcpy(&outer_dst, inner->src, 4);
		/* the peer itself sent it: its address as the other side knows it */
		if (memcmp(cb->key[i].src, c->key[e].src, 4) == 0)
			memcpy(&outer_src, inner->dst, 4);
		dp_nat_icmp_error4(v->ip, v->l4, v->len, inner, outer_dst, outer_src);
		memcpy(cb->cur[i].dst, &outer_dst, 4);
		set_dst(b, i, dst4, &cb->cur[i]);
		if (ct->nat != NULL)
			dp_nat_worker_stats(ct->nat, w->index)->icmp_errors++;
	}
	c->packets[e]++;
	return true;
}

/* One packet of a family list (position j, burst index i). */
static void
pre_one(const struct dp_ct_tables *ct, struct dp_worker *w, struct dp_burst *b, struct dp_ct_burst *cb,
	uint16_t i, uint32_t *dst4, uint64_t now)
{
	struct dp_meta *meta = &b->meta[i];
	struct l4_view v = l4_view(b->pkts[i], meta);
	struct ct_result r;
	union ct_word st;
	unsigned reason = CT_R_NONE, dir;
	struct ct_conn *c = cb->conn[i];

	cb->conn[i] = NULL;
	if (cb->todo[i] == CT_TODO_NOKEY) {
		cb->todo[i] = CT_TODO_NONE;
		return set_state(w, b, i, HP_CT_INVALID, cb->dir[i]);
	}
	if (is_icmp(cb->key[i].proto) && icmp_error(meta->icmp_type, cb->key[i].v6)) {
		if (!related(ct, w, b, cb, i, dst4, &v, now, &reason))
			return set_state(w, b, i, HP_CT_INVALID, reason);
		return set_state(w, b, i, HP_CT_RELATED, 0);
	}
	if (cb->looked[i])
		dir = cb->dir[i];
	else
		c = ct_lookup(ct->table, &cb->key[i], cb->hash[i], now, &dir);
	if (c != NULL) {
		enum ct_verdict verdict = machine_step(w, ct->table, c, dir, meta, &v, &r);

		switch (verdict) {
		case CT_INVALID:
			return set_state(w, b, i, HP_CT_INVALID, r.reason);
		case CT_REOPEN: /* a new connection from this very packet, in its direction */
			ct_kill(ct->table, w->index, c);
			break;
		default:
			if (r.refresh)
				ct_touch(c, now, r.timeout);
			if (verdict == CT_CLOSE)
				ct_kill(ct->table, w->index, c);
			cb->conn[i] = c;
			cb->dir[i] = (uint8_t)dir;
			set_state(w, b, i, r.ct_state, 0);
			if (meta->l3 == DP_L3_IPV4)
				translate_pre(b, cb, i, dst4, &v);
			return;
		}
	}
	if (machine_new(&cb->key[i], meta, &v, &st, &r) == CT_INVALID)
		return set_state(w, b, i, HP_CT_INVALID, r.reason);
	cb->todo[i] = CT_TODO_NEW;
	cb->state[i] = st.word;
	cb->timeout[i] = r.timeout;
	set_state(w, b, i, HP_CT_NEW, 0);
	/* a port forward: the destination now, so that the ACL and the LPM see the target */
	if (ct->nat != NULL && meta->l3 == DP_L3_IPV4 &&
	    (cb->key[i].proto == IPPROTO_TCP || cb->key[i].proto == IPPROTO_UDP)) {
		uint32_t dst, to_addr;
		uint16_t to_port;

		memcpy(&dst, cb->key[i].dst, 4);
		if (dp_nat_dnat(ct->nat, meta->in_port, dst, cb->key[i].proto, cb->key[i].dport, &to_addr,
				&to_port) ||
		    dp_nat_dnat(ct->nat, DP_NAT_ANY_PORT, dst, cb->key[i].proto, cb->key[i].dport, &to_addr,
				&to_port)) {
			struct ct_key target = cb->cur[i];

			memcpy(target.dst, &to_addr, 4);
			target.dport = to_port;
			dp_nat_rewrite4(v.ip, v.l4, v.len, &cb->cur[i], &target, false, true);
			cb->cur[i] = target;
			set_dst(b, i, dst4, &target);
		}
	}
}

/* The keys and hashes of a family list's packets, their buckets prefetched. */
static void
pre_keys(const struct dp_ct_tables *ct, struct dp_burst *b, struct dp_ct_burst *cb, const uint16_t *idx,
	 uint16_t n, const struct dp_ct_hint *hint)
{
	for (uint16_t j = 0; j < n; j++) {
		uint16_t i = idx[j];
		struct l4_view v;
		unsigned reason = CT_R_NONE;

		cb->looked[i] = 0;
		if (hint != NULL && i < hint->n) { /* a plain IPv4 TCP/UDP frame: key_of's key */
			const struct dp_ct_fast *p = &hint->pkt[i];

			cb->todo[i] = CT_TODO_NONE;
			cb->key[i] = cb->cur[i] = p->key;
			cb->hash[i] = p->hash;
			if ((cb->looked[i] = p->looked) != 0) {
				cb->conn[i] = p->conn;
				cb->dir[i] = p->dir;
			}
			continue;
		}
		v = l4_view(b->pkts[i], &b->meta[i]);
		if (!key_of(&b->meta[i], &v, &cb->key[i], &reason)) {
			cb->todo[i] = CT_TODO_NOKEY;
			cb->dir[i] = (uint8_t)reason;
			continue;
		}
		cb->todo[i] = CT_TODO_NONE;
		cb->cur[i] = cb->key[i];
		cb->hash[i] = ct_key_hash_inline(&cb->key[i]);
		ct_prefetch(ct->table, cb->hash[i]);
	}
}

void
dp_ct_pre(const struct dp_ct_tables *ct, struct dp_worker *w, struct dp_burst *b, struct dp_ct_burst *cb,
	  uint64_t now, const struct dp_ct_hint *hint)
{
	pre_keys(ct, b, cb, b->v4, b->n4, hint);
	pre_keys(ct, b, cb, b->v6, b->n6, NULL);
	for (uint16_t j = 0; j < b->n4; j++)
		pre_one(ct, w, b, cb, b->v4[j], &b->dst4[j], now);
	for (uint16_t j = 0; j < b->n6; j++)
		pre_one(ct, w, b, cb, b->v6[j], NULL, now);
}

/* Does packet i go on after routing (sent now, or by the control thread once resolved or fragmented)? */
static inline bool
goes_on(const struct dp_burst *b, uint16_t i)
{
	return b->act[i] == DP_ACT_TX || b->act[i] == DP_ACT_TX_FAST ||
	       (b->act[i] == DP_ACT_PUNT && (b->why[i] == DP_PUNT_RESOLVE || b->why[i] == DP_PUNT_MTU));
}

static inline unsigned
egress_port(const struct dp_burst *b, uint16_t i)
{
	return b->act[i] == DP_ACT_PUNT ? b->meta[i].out_port : dp_nh_port(b->word[i]);
}

/* The public port an SNAT connection holds (the reply's destination port; ICMP: the identifier). */
static inline uint16_t
public_port(const struct ct_conn *c)
{
	return is_icmp(c->key[1].proto) ? c->key[1].sport : c->key[1].dport;
}

/* Pool ports tried for one new connection before it is refused as a clash. */
#define SNAT_TRIES 4

/*
 * A pool address and port from rule for target's source (written there, *cookie for its
 * release) whose reply tuple no connection holds (a port forward on a pool port, say): a port
 * that clashes stays claimed while the next is tried, then goes back. 0; -ENOSPC when the pool
 * is exhausted; -EEXIST when every try clashed.
 */
static int
snat_pick(const struct dp_ct_tables *ct, unsigned worker, int rule, uint8_t proto, uint32_t hash,
	  uint64_t now, struct ct_key *target, uint32_t *cookie)
{
	uint32_t held_cookie[SNAT_TRIES];
	uint16_t held[SNAT_TRIES];
	unsigned n_held = 0;
	int rc = -EEXIST;

	for (unsigned t = 0; t < SNAT_TRIES; t++) {
		struct ct_key reply;
		uint32_t addr;
		uint16_t port;
		unsigned dir;

		if (dp_nat_alloc(ct->nat, worker, rule, proto, hash, &addr, &port, cookie) < 0) {
			rc = -ENOSPC;
			break;
		}
		memcpy(target->src, &addr, 4);
		target->sport = port;
		ct_key_invert(target, &reply);
		if (ct_lookup(ct->table, &reply, ct_key_hash_inline(&reply), now, &dir) == NULL) {
			rc = 0;
			break;
		}
		held_cookie[n_held] = *cookie;
		held[n_held++] = port;
	}
	for (unsigned k = 0; k < n_held; k++)
		dp_nat_release(ct->nat, worker, held_cookie[k], proto, held[k]);
	return rc;
}

/*
 * Create the connection of new packet i: an SNAT pool's address and port when a rule says so,
 * both keys published. The packet is dropped when that fails. Another packet of the same flow
 * earlier in the burst may have created it: then it is that connection's packet.
 */
static void
create(const struct dp_ct_tables *ct, struct dp_worker *w, struct dp_burst *b, struct dp_ct_burst *cb,
       uint16_t i, uint64_t now)
{
	struct dp_meta *meta = &b->meta[i];
	struct l4_view v = l4_view(b->pkts[i], meta);
	struct ct_key target = cb->cur[i], reply;
	uint32_t cookie = 0, h1;
	uint8_t flags = 0, proto = cb->key[i].proto;
	bool dnat = meta->l3 == DP_L3_IPV4 && dst_differs(&cb->key[i], &cb->cur[i]);
	struct ct_conn *c;
	unsigned dir;

	if ((c = ct_lookup(ct->table, &cb->key[i], cb->hash[i], now, &dir)) != NULL) {
		struct ct_result r;

		if (machine_step(w, ct->table, c, dir, meta, &v, &r) != CT_INVALID && r.refresh)
			ct_touch(c, now, r.timeout);
		cb->conn[i] = c;
		cb->dir[i] = (uint8_t)dir;
		if (meta->l3 == DP_L3_IPV4 && (c->flags & (CT_CONN_SNAT | CT_CONN_DNAT))) {
			ct_key_invert(&c->key[!dir], &target);
			if (src_differs(&cb->cur[i], &target))
				dp_nat_rewrite4(v.ip, v.l4, v.len, &cb->cur[i], &target, true, false);
		}
		return;
	}
	if (dnat)
		flags |= CT_CONN_DNAT;
	if (ct->nat != NULL && meta->l3 == DP_L3_IPV4 &&
	    (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_ICMP)) {
		unsigned out = egress_port(b, i);
		bool hairpin = dnat && out == meta->in_port;
		uint32_t src;
		int rule;

		memcpy(&src, cb->key[i].src, 4);
		rule = dp_nat_snat_rule(ct->nat, out, src, hairpin);
		if (rule >= 0) {
			int rc = snat_pick(ct, w->index, rule, proto, cb->hash[i], now, &target, &cookie);

			if (rc < 0)
				return dp_burst_set(b, i, DP_ACT_DROP,
						    rc == -ENOSPC ? DP_DROP_NAT_EXHAUSTED : DP_DROP_CT_CLASH);
			flags |= CT_CONN_SNAT;
			dp_nat_worker_stats(ct->nat, w->index)->snat_new++;
			if (hairpin)
				dp_nat_worker_stats(ct->nat, w->index)->hairpin++;
		}
		if (dnat)
			dp_nat_worker_stats(ct->nat, w->index)->dnat_new++;
	}
	ct_key_invert(&target, &reply);
	h1 = ct_key_hash_inline(&reply);
	/* a port forward whose reply tuple is another connection's (SNAT picked around it) */
	if (flags == CT_CONN_DNAT && ct_lookup(ct->table, &reply, h1, now, &dir) != NULL)
		return dp_burst_set(b, i, DP_ACT_DROP, DP_DROP_CT_CLASH);
	c = ct_alloc(ct->table, w->index, cb->hash[i], now);
	if (c != NULL) {
		c->key[CT_DIR_ORIG] = cb->key[i];
		c->key[CT_DIR_REPLY] = reply;
		c->state = cb->state[i];
		c->timeout = cb->timeout[i];
		c->nat_cookie = cookie;
		c->packets[CT_DIR_ORIG] = 1;
		__atomic_fetch_or(&c->flags, flags, __ATOMIC_RELAXED);
		if (ct_insert(ct->table, c, cb->hash[i], h1) < 0) {
			ct_abort(ct->table, w->index, c);
			c = NULL;
		}
	}
	if (c == NULL) {
		if (flags & CT_CONN_SNAT)
			dp_nat_release(ct->nat, w->index, cookie, proto, target.sport);
		return dp_burst_set(b, i, DP_ACT_DROP, DP_DROP_CT_FULL);
	}
	cb->conn[i] = c;
	if (flags & CT_CONN_SNAT)
		dp_nat_rewrite4(v.ip, v.l4, v.len, &cb->cur[i], &target, true, false);
}

static void
post_list(const struct dp_ct_tables *ct, struct dp_worker *w, struct dp_burst *b, struct dp_ct_burst *cb,
	  const uint16_t *idx, uint16_t n, uint64_t now)
{
	for (uint16_t j = 0; j < n; j++) {
		uint16_t i = idx[j];

		/* a packet the load balancer encapsulated left the tracked flow (lb.c keeps its own) */
		if (cb->todo[i] == CT_TODO_NONE || !goes_on(b, i) || b->meta[i].encap != 0)
			continue;
		if (cb->todo[i] == CT_TODO_NEW) {
			create(ct, w, b, cb, i, now);
		} else {
			struct l4_view v = l4_view(b->pkts[i], &b->meta[i]);
			struct ct_key target;

			ct_key_invert(&cb->conn[i]->key[!cb->dir[i]], &target);
			dp_nat_rewrite4(v.ip, v.l4, v.len, &cb->cur[i], &target, true, false);
		}
	}
}

void
dp_ct_post(const struct dp_ct_tables *ct, struct dp_worker *w, struct dp_burst *b, struct dp_ct_burst *cb,
	   uint64_t now)
{
	post_list(ct, w, b, cb, b->v4, b->n4, now);
	post_list(ct, w, b, cb, b->v6, b->n6, now);
}

bool
dp_ct_fast_find(const struct ct_table *t, const uint8_t *f, struct dp_ct_fast *p, uint64_t now,
		bool any_state)
{
	struct ct_conn *c;
	union ct_word st;
	unsigned dir = 0;

	p->looked = 1;
	p->conn = c = ct_lookup(t, &p->key, p->hash, now, &dir);
	p->dir = (uint8_t)dir;
	if (c == NULL)
		return false;
	st.word = __atomic_load_n(&c->state, __ATOMIC_RELAXED);
	if (p->key.proto == IPPROTO_TCP) {
		uint8_t fl = f[14 + 20 + 13];

		/* an ACK in ESTABLISHED, seen both ways: stays established (tcp_next's sES) */
		if (st.tcp.state != CT_TCP_ESTABLISHED || !(st.tcp.flags & CT_TCPF_SEEN_REPLY) ||
		    (fl & (CT_TCP_SYN | CT_TCP_FIN | CT_TCP_RST | CT_TCP_ACK)) != CT_TCP_ACK)
			return false;
		p->ct_state = HP_CT_ESTABLISHED;
	} else if (st.udp.flags & CT_TCPF_ASSURED) { /* ct_udp_step changes nothing any more */
		p->ct_state = HP_CT_ESTABLISHED;
	} else if (any_state && dir == CT_DIR_ORIG && !(st.udp.flags & CT_TCPF_SEEN_REPLY)) {
		p->ct_state = HP_CT_NEW; /* nor before a reply, for a packet the way it was opened */
	} else {
		return false;
	}
	if (__atomic_load_n(&c->flags, __ATOMIC_RELAXED) & (CT_CONN_SNAT | CT_CONN_DNAT))
		memcpy(&p->dst, c->key[!dir].src, 4); /* the reverse key's source is where it goes */
	else
		memcpy(&p->dst, f + 30, 4);
	return true;
}

bool
dp_ct_fast_commit(struct ct_table *t, struct dp_worker *w, struct rte_mbuf *m, struct dp_ct_fast *p,
		  uint64_t now)
{
	struct ct_conn *c = p->conn;
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t tot;
	struct l4_view v;

	memcpy(&tot, f + 16, 2);
	v.ip = f + 14;
	v.l4 = f + 34;
	v.len = rte_be_to_cpu_16(tot) - 20u; /* dp_fast4_ok: 20 + the L4 header <= tot <= the frame - 14 */
	if (p->key.proto == IPPROTO_TCP) {
		struct ct_result r;

		/* meta is read for ICMP only */
		if (machine_step(w, t, c, p->dir, NULL, &v, &r) == CT_INVALID)
			return false;
		if (r.refresh)
			ct_touch(c, now, r.timeout);
	} else {
		c->packets[p->dir]++;
		ct_touch(c, now, CT_TO_UDP);
	}
	if (__atomic_load_n(&c->flags, __ATOMIC_RELAXED) & (CT_CONN_SNAT | CT_CONN_DNAT)) {
		/* the packet is to read the other direction's key inverted: both halves at once (a half
		 * that does not change is left as it is) */
		const struct ct_key *r = &c->key[!p->dir];
		uint32_t to_src, to_dst;

		memcpy(&to_src, r->dst, 4);
		memcpy(&to_dst, r->src, 4);
		dp_nat_rewrite4_to(v.ip, v.l4, v.len, to_src, r->dport, to_dst, r->sport, true, true);
	}
	return true;
}

struct release_arg {
	const struct dp_nat *nat;
	unsigned worker;
};

static void
release(void *arg, const struct ct_conn *c)
{
	const struct release_arg *a = arg;

	if (a->nat != NULL && (c->flags & CT_CONN_SNAT))
		dp_nat_release(a->nat, a->worker, c->nat_cookie, c->key[0].proto, public_port(c));
}

void
dp_ct_tick(const struct dp_ct_tables *ct, struct dp_worker *w, uint64_t now)
{
	struct release_arg a = {ct->nat, w->index};

	ct_sweep(ct->table, w->index, now, DP_CT_SWEEP_BUDGET, release, &a);
}

void
dp_ct_tick_paced(const struct dp_ct_tables *ct, struct dp_worker *w, uint64_t now)
{
	if ((int64_t)(now - w->ct_next_tick) < 0)
		return;
	dp_ct_tick(ct, w, now);
	w->ct_next_tick = now + ct_sweep_gap(ct->table, w->index);
}
