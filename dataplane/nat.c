/*
 * NAT44 (nat.h): the compiled nat: rules, the pools' port maps and the packet rewrites.
 *
 * Port maps: one per pool address (struct nat_map), shared by every dp_nat that names the
 * address, with one bitmap of 65536 bits per protocol (TCP, UDP, ICMP identifier). A set bit is
 * a port some connection holds; a worker claims one with an atomic OR (it owns the port only if
 * the bit was clear before), gives it back with an atomic AND. The usable range (the rule's
 * ports:) lives in the dp_nat, not in the map: a scan masks out the bits outside it, so a rule's
 * ports: may change under connections that hold ports without two flows ever sharing one. A
 * `used` count per protocol lets an exhausted address be skipped without a scan.
 *
 * Maps outlive rebuilds: dp_nat_build takes the previous dp_nat's map of every address still in
 * a pool (refs, touched by the control thread only) and the last dp_nat naming a map frees it.
 * A connection keeps the map's id (its cookie, daemon-wide, never 0) to give its port back;
 * a cookie the current dp_nat does not know (the address left every pool) is ignored.
 *
 * Plain malloc: only the control thread allocates, and workers touch the maps at connection
 * setup and teardown only (not per packet). Pure C, no DPDK: unit-tested without EAL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat.h"
#include "nat_rw.h"

#define NAT_PROTOS 3           /* TCP, UDP, ICMP */
#define NAT_WORDS (65536 / 64) /* bitmap words per protocol */
#define NAT_SCAN_WORDS 64      /* words one address's search looks at, at most */
#define NAT_GOLDEN 0x9e3779b1u /* Fibonacci hashing */
#define NAT_LINE 64

struct nat_map {
	uint64_t bits[NAT_PROTOS][NAT_WORDS];                         /* claimed ports (atomic) */
	uint32_t used[NAT_PROTOS] __attribute__((aligned(NAT_LINE))); /* set bits (atomic) */
	uint32_t id;                                                  /* the cookie: daemon-wide, never 0 */
	uint32_t addr;                                                /* network order */
	unsigned refs; /* dp_nat objects naming the map: control thread only */
};

struct nat_rule_c {
	enum hp_nat_type type;
	uint16_t lo, hi; /* snat ports:, host order */
	uint32_t size;   /* hi - lo + 1 */
	unsigned first;  /* index of the pool's first address in maps[] */
	unsigned n;      /* addresses in the pool */
};

struct nat_snat_m {
	uint32_t net, mask; /* network order */
	unsigned port;
	unsigned rule;
};

struct nat_dnat_m {
	unsigned in_port;
	uint32_t dst; /* network order */
	uint8_t proto;
	uint16_t dport;   /* network order */
	uint32_t to_addr; /* network order */
	uint16_t to_port; /* network order */
};

struct nat_slot {
	uint32_t id;
	struct nat_map *map;
};

struct nat_stats_line {
	struct dp_nat_stats s;
} __attribute__((aligned(NAT_LINE)));

struct dp_nat {
	unsigned n_rules;
	unsigned n_workers;
	struct nat_rule_c *rules; /* by cfg->nat index */
	unsigned n_snat;
	struct nat_snat_m *snat; /* file order */
	unsigned n_dnat;
	struct nat_dnat_m *dnat; /* sorted (in_port, dst, proto, dport) */
	unsigned n_maps;
	struct nat_map **maps; /* the pools' addresses, rule after rule */
	uint32_t slot_mask;
	struct nat_slot *slots; /* cookie -> map, open addressing; NULL without maps */
	struct nat_stats_line *stats;
};

/* Control thread only. */
static uint32_t nat_next_id = 1;

static int
proto_index(uint8_t proto)
{
	switch (proto) {
	case 6:
		return 0;
	case 17:
		return 1;
	case 1:
		return 2;
	default:
		return -1;
	}
}

static uint32_t
addr4(const struct hp_addr *a)
{
	uint32_t v;

	memcpy(&v, a->addr, 4);
	return v;
}

/* ---- building ---- */

static struct nat_map *
map_new(uint32_t addr)
{
	struct nat_map *m = aligned_alloc(NAT_LINE, sizeof(*m));

	if (m == NULL)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->addr = addr;
	m->id = nat_next_id++;
	if (nat_next_id == 0)
		nat_next_id = 1;
	return m;
}

static int
cmp_map_addr(const void *a, const void *b)
{
	uint32_t x = ntohl((*(struct nat_map *const *)a)->addr),
		 y = ntohl((*(struct nat_map *const *)b)->addr);

	return x < y ? -1 : x > y;
}

static int
cmp_dnat(const void *a, const void *b)
{
	const struct nat_dnat_m *x = a, *y = b;
	uint32_t xd = ntohl(x->dst), yd = ntohl(y->dst);

	if (x->in_port != y->in_port)
		return x->in_port < y->in_port ? -1 : 1;
	if (xd != yd)
		return xd < yd ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return ntohs(x->dport) < ntohs(y->dport) ? -1 : ntohs(x->dport) > ntohs(y->dport);
}

/* prev's map of addr (prev_sorted: prev's maps sorted by address), or NULL. */
static struct nat_map *
prev_map(struct nat_map *const *prev_sorted, unsigned n, uint32_t addr)
{
	unsigned lo = 0, hi = n;
	uint32_t key = ntohl(addr);

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		uint32_t v = ntohl(prev_sorted[mid]->addr);

		if (v == key)
			return prev_sorted[mid];
		if (v < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void
slots_put(struct dp_nat *n, struct nat_map *m)
{
	uint32_t i = (m->id * NAT_GOLDEN) & n->slot_mask;

	while (n->slots[i].id != 0)
		i = (i + 1) & n->slot_mask;
	n->slots[i].id = m->id;
	n->slots[i].map = m;
}

static struct nat_map *
slots_get(const struct dp_nat *n, uint32_t id)
{
	uint32_t i;

	if (n->slots == NULL || id == 0)
		return NULL;
	for (i = (id * NAT_GOLDEN) & n->slot_mask; n->slots[i].id != 0; i = (i + 1) & n->slot_mask)
		if (n->slots[i].id == id)
			return n->slots[i].map;
	return NULL;
}

/* Frees n's arrays; maps: with refs 0 (new in a failed build) freed, others only dropped. */
static void
nat_free_parts(struct dp_nat *n, bool drop_refs)
{
	for (unsigned i = 0; n->maps != NULL && i < n->n_maps; i++) {
		struct nat_map *m = n->maps[i];

		if (m == NULL)
			continue;
		if (drop_refs)
			m->refs--;
		if (m->refs == 0)
			free(m);
	}
	free(n->maps);
	free(n->slots);
	free(n->rules);
	free(n->snat);
	free(n->dnat);
	free(n->stats);
	free(n);
}

static struct dp_nat *
build_fail(struct dp_nat *n, struct nat_map **prev_sorted, char *err, size_t errlen, const char *file,
	   unsigned line, const char *what)
{
	if (line != 0)
		snprintf(err, errlen, "%s:%u: nat: %s", file, line, what);
	else
		snprintf(err, errlen, "%s: nat: %s", file, what);
	free(prev_sorted);
	nat_free_parts(n, false);
	return NULL;
}

struct dp_nat *
dp_nat_build(const struct hp_config *cfg, const struct dp_nat *prev, unsigned n_workers, int socket,
	     char *err, size_t errlen)
{
	struct nat_map **prev_sorted = NULL, **by_addr = NULL;
	unsigned n_pool = 0, line0 = cfg->n_nat > 0 ? cfg->nat[0].line : 0;
	struct dp_nat *n;
	char buf[HP_ADDR_STRLEN + 64];

	(void)socket; /* the maps are touched at connection setup only: plain memory will do */
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		snprintf(err, errlen, "%s: nat: out of memory", cfg->file);
		return NULL;
	}
	if (n_workers == 0 || cfg->n_nat > HP_MAX_NAT_RULES)
		return build_fail(n, NULL, err, errlen, cfg->file, line0, "no workers, or too many rules");
	n->n_rules = cfg->n_nat;
	n->n_workers = n_workers;
	for (unsigned i = 0; i < cfg->n_nat; i++)
		if (cfg->nat[i].type == HP_NAT_SNAT)
			n_pool += cfg->nat[i].n_to;
	n->rules = calloc(cfg->n_nat ? cfg->n_nat : 1, sizeof(*n->rules));
	n->snat = calloc(cfg->n_nat ? cfg->n_nat : 1, sizeof(*n->snat));
	n->dnat = calloc(cfg->n_nat ? cfg->n_nat : 1, sizeof(*n->dnat));
	n->maps = calloc(n_pool ? n_pool : 1, sizeof(*n->maps));
	n->stats = aligned_alloc(NAT_LINE, n_workers * sizeof(*n->stats));
	if (n->rules == NULL || n->snat == NULL || n->dnat == NULL || n->maps == NULL || n->stats == NULL)
		return build_fail(n, NULL, err, errlen, cfg->file, line0, "out of memory");
	memset(n->stats, 0, n_workers * sizeof(*n->stats));
	if (prev != NULL && prev->n_maps > 0) {
		prev_sorted = malloc(prev->n_maps * sizeof(*prev_sorted));
		if (prev_sorted == NULL)
			return build_fail(n, NULL, err, errlen, cfg->file, line0, "out of memory");
		memcpy(prev_sorted, prev->maps, prev->n_maps * sizeof(*prev_sorted));
		qsort(prev_sorted, prev->n_maps, sizeof(*prev_sorted), cmp_map_addr);
	}

	for (unsigned i = 0; i < cfg->n_nat; i++) {
		const struct hp_nat_rule *r = &cfg->nat[i];
		struct nat_rule_c *c = &n->rules[i];

		c->type = r->type;
		if (r->type == HP_NAT_SNAT) {
			uint32_t net;

			if (r->src.family != AF_INET || r->src.len > 32 || r->n_to == 0 ||
			    r->n_to > HP_MAX_NAT_POOL || r->port_lo == 0 || r->port_lo > r->port_hi)
				return build_fail(
					n, prev_sorted, err, errlen, cfg->file, r->line,
					"bad snat rule (IPv4 src, 1..64 pool addresses, ports A-B with 1 <= A <= B)");
			memcpy(&net, r->src.addr, 4);
			n->snat[n->n_snat].mask = r->src.len ? htonl(~0u << (32 - r->src.len)) : 0;
			n->snat[n->n_snat].net = net & n->snat[n->n_snat].mask;
			n->snat[n->n_snat].port = (unsigned)r->port;
			n->snat[n->n_snat].rule = i;
			n->n_snat++;
			c->lo = r->port_lo;
			c->hi = r->port_hi;
			c->size = (uint32_t)r->port_hi - r->port_lo + 1;
			c->first = n->n_maps;
			c->n = r->n_to;
			for (unsigned k = 0; k < r->n_to; k++) {
				uint32_t a;
				struct nat_map *m;

				if (r->to[k].family != AF_INET)
					return build_fail(n, prev_sorted, err, errlen, cfg->file, r->line,
							  "NAT is IPv4 only");
				a = addr4(&r->to[k]);
				m = prev_sorted ? prev_map(prev_sorted, prev->n_maps, a) : NULL;
				if (m == NULL && (m = map_new(a)) == NULL)
					return build_fail(n, prev_sorted, err, errlen, cfg->file, r->line,
							  "out of memory (port maps)");
				n->maps[n->n_maps++] = m;
			}
		} else if (r->type == HP_NAT_DNAT) {
			struct nat_dnat_m *d = &n->dnat[n->n_dnat++];

			if (r->dst.family != AF_INET || r->to_addr.family != AF_INET ||
			    (r->proto != 6 && r->proto != 17))
				return build_fail(n, prev_sorted, err, errlen, cfg->file, r->line,
						  "bad dnat rule (IPv4 dst and to, proto tcp or udp)");
			d->in_port = (unsigned)r->port;
			d->dst = addr4(&r->dst);
			d->proto = r->proto;
			d->dport = htons(r->dport);
			d->to_addr = addr4(&r->to_addr);
			d->to_port = htons(r->to_port);
		} else {
			return build_fail(n, prev_sorted, err, errlen, cfg->file, r->line,
					  "unknown rule type");
		}
	}
	free(prev_sorted);
	prev_sorted = NULL;

	/* The config refuses overlapping pools and duplicate forwards; a second look costs little. */
	qsort(n->dnat, n->n_dnat, sizeof(*n->dnat), cmp_dnat);
	for (unsigned i = 1; i < n->n_dnat; i++)
		if (cmp_dnat(&n->dnat[i - 1], &n->dnat[i]) == 0)
			return build_fail(n, NULL, err, errlen, cfg->file, line0,
					  "two dnat rules for one (in, dst, proto, dport)");
	if (n->n_maps > 0) {
		by_addr = malloc(n->n_maps * sizeof(*by_addr));
		if (by_addr == NULL)
			return build_fail(n, NULL, err, errlen, cfg->file, line0, "out of memory");
		memcpy(by_addr, n->maps, n->n_maps * sizeof(*by_addr));
		qsort(by_addr, n->n_maps, sizeof(*by_addr), cmp_map_addr);
		for (unsigned i = 1; i < n->n_maps; i++)
			if (by_addr[i - 1]->addr == by_addr[i]->addr) {
				char a[HP_ADDR_STRLEN];

				inet_ntop(AF_INET, &by_addr[i]->addr, a, sizeof(a));
				snprintf(buf, sizeof(buf), "pool address %s is in two snat rules", a);
				free(by_addr);
				return build_fail(n, NULL, err, errlen, cfg->file, line0, buf);
			}
		free(by_addr);
		n->slot_mask = 1;
		while (n->slot_mask + 1 < 2 * n->n_maps)
			n->slot_mask = 2 * n->slot_mask + 1;
		n->slots = calloc(n->slot_mask + 1, sizeof(*n->slots));
		if (n->slots == NULL)
			return build_fail(n, NULL, err, errlen, cfg->file, line0, "out of memory");
		for (unsigned i = 0; i < n->n_maps; i++)
			slots_put(n, n->maps[i]);
	}
	/* Success: only now does n name its maps (a failed build left the reused ones alone). */
	for (unsigned i = 0; i < n->n_maps; i++)
		n->maps[i]->refs++;
	return n;
}

void
dp_nat_free(struct dp_nat *n)
{
	if (n != NULL)
		nat_free_parts(n, true);
}

/* ---- matching ---- */

bool
dp_nat_dnat(const struct dp_nat *n, unsigned in_port, uint32_t dst, uint8_t proto, uint16_t dport,
	    uint32_t *to_addr, uint16_t *to_port)
{
	struct nat_dnat_m key = {.in_port = in_port, .dst = dst, .proto = proto, .dport = dport};
	const struct nat_dnat_m *d;

	if (n == NULL || n->n_dnat == 0)
		return false;
	if (in_port == DP_NAT_ANY_PORT) {
		/* rules are sorted by in: port first: one search per port that has rules */
		for (unsigned i = 0; i < n->n_dnat;) {
			unsigned p = n->dnat[i].in_port, lo = i, hi = n->n_dnat;

			if (dp_nat_dnat(n, p, dst, proto, dport, to_addr, to_port))
				return true;
			while (lo < hi) { /* the first rule of a later port */
				unsigned mid = lo + (hi - lo) / 2;

				if (n->dnat[mid].in_port == p)
					lo = mid + 1;
				else
					hi = mid;
			}
			i = lo;
		}
		return false;
	}
	d = bsearch(&key, n->dnat, n->n_dnat, sizeof(*n->dnat), cmp_dnat);
	if (d == NULL)
		return false;
	*to_addr = d->to_addr;
	*to_port = d->to_port;
	return true;
}

int
dp_nat_snat_rule(const struct dp_nat *n, unsigned out_port, uint32_t src, bool any_port)
{
	if (n == NULL)
		return -1;
	for (unsigned i = 0; i < n->n_snat; i++) {
		const struct nat_snat_m *s = &n->snat[i];

		if ((any_port || s->port == out_port) && (src & s->mask) == s->net)
			return (int)s->rule;
	}
	return -1;
}

/* ---- pools ---- */

/* The bits of word w inside [lo, hi]. */
static inline uint64_t
range_mask(unsigned w, uint16_t lo, uint16_t hi)
{
	uint64_t m = ~0ull;

	if (w == (unsigned)lo / 64)
		m &= ~0ull << (lo % 64);
	if (w == (unsigned)hi / 64)
		m &= ~0ull >> (63 - hi % 64);
	return m;
}

/* A clear bit of *wp among allowed, set atomically: its index, or -1 when none. */
static inline int
word_claim(uint64_t *wp, uint64_t allowed)
{
	uint64_t cur = __atomic_load_n(wp, __ATOMIC_RELAXED);

	for (;;) {
		uint64_t cand = ~cur & allowed, bit, old;

		if (cand == 0)
			return -1;
		bit = cand & -cand;
		old = __atomic_fetch_or(wp, bit, __ATOMIC_ACQ_REL);
		if ((old & bit) == 0)
			return __builtin_ctzll(bit);
		cur = old | bit; /* another worker took it: it is no candidate any more */
	}
}

/* A port of r's range claimed in m's bitmap p, searched from start (host order) over max_words
 * words at most; -1 when the search found none. */
static int
map_claim(struct nat_map *m, int p, const struct nat_rule_c *r, unsigned start, unsigned max_words)
{
	unsigned wlo = r->lo / 64, whi = r->hi / 64, nw = whi - wlo + 1, w = start / 64;
	unsigned scan = nw < max_words ? nw : max_words;
	uint64_t *bits = m->bits[p];
	int b;

	/* the start word from start's bit up first, so that flows spread within a word too */
	b = word_claim(&bits[w], range_mask(w, r->lo, r->hi) & (~0ull << (start % 64)));
	if (b >= 0)
		return (int)(w * 64 + (unsigned)b);
	for (unsigned k = 1; k < scan; k++) {
		unsigned x = w + k <= whi ? w + k : w + k - nw;

		b = word_claim(&bits[x], range_mask(x, r->lo, r->hi));
		if (b >= 0)
			return (int)(x * 64 + (unsigned)b);
	}
	/* the start word's lower bits last (the whole range is one word at most scan words) */
	b = word_claim(&bits[w], range_mask(w, r->lo, r->hi));
	return b >= 0 ? (int)(w * 64 + (unsigned)b) : -1;
}

int
dp_nat_alloc(const struct dp_nat *n, unsigned worker, int rule, uint8_t proto, uint32_t hash, uint32_t *addr,
	     uint16_t *port, uint32_t *cookie)
{
	int p = proto_index(proto);
	const struct nat_rule_c *r;
	uint32_t h2;
	unsigned a0, start;

	if (n == NULL || p < 0 || rule < 0 || (unsigned)rule >= n->n_rules ||
	    n->rules[rule].type != HP_NAT_SNAT)
		return -EINVAL;
	r = &n->rules[rule];
	/* the address from hash's high bits, the port from a second mix of it */
	a0 = (unsigned)(((uint64_t)hash * r->n) >> 32);
	h2 = hash * NAT_GOLDEN;
	h2 ^= h2 >> 16;
	start = r->lo + (unsigned)(((uint64_t)h2 * r->size) >> 32);
	/*
	 * First NAT_SCAN_WORDS words of each address, from hash's; only when all of them are taken
	 * (a pool over ~99 % full) whole ranges: exhaustion is exact, and an exhausted address costs
	 * one load (used) however the search goes.
	 */
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < r->n; i++) {
			unsigned ai = a0 + i < r->n ? a0 + i : a0 + i - r->n;
			struct nat_map *m = n->maps[r->first + ai];
			int got;

			if (__atomic_load_n(&m->used[p], __ATOMIC_RELAXED) >= r->size)
				continue; /* exhausted: no scan */
			got = map_claim(m, p, r, start, pass == 0 ? NAT_SCAN_WORDS : NAT_WORDS);
			if (got < 0)
				continue;
			__atomic_fetch_add(&m->used[p], 1, __ATOMIC_RELAXED);
			*addr = m->addr;
			*port = htons((uint16_t)got);
			*cookie = m->id;
			return 0;
		}
		if ((unsigned)r->hi / 64 - r->lo / 64 + 1 <= NAT_SCAN_WORDS)
			break; /* the first pass saw every word of the range */
	}
	if (worker < n->n_workers)
		n->stats[worker].s.exhausted++;
	return -ENOSPC;
}

void
dp_nat_release(const struct dp_nat *n, unsigned worker, uint32_t cookie, uint8_t proto, uint16_t port)
{
	int p = proto_index(proto);
	struct nat_map *m;
	uint16_t hp = ntohs(port);
	uint64_t bit = 1ull << (hp % 64), old;

	if (n == NULL || p < 0 || (m = slots_get(n, cookie)) == NULL)
		return; /* no NAT, or the address left every pool (its map went with it) */
	old = __atomic_fetch_and(&m->bits[p][hp / 64], ~bit, __ATOMIC_RELEASE);
	if ((old & bit) == 0)
		return; /* not held: nothing to count */
	__atomic_fetch_sub(&m->used[p], 1, __ATOMIC_RELAXED);
	if (worker < n->n_workers)
		n->stats[worker].s.released++;
}

uint64_t
dp_nat_pool_free(const struct dp_nat *n, int rule, uint8_t proto)
{
	int p = proto_index(proto);
	const struct nat_rule_c *r;
	uint64_t sum = 0;

	if (n == NULL || p < 0 || rule < 0 || (unsigned)rule >= n->n_rules ||
	    n->rules[rule].type != HP_NAT_SNAT)
		return 0;
	r = &n->rules[rule];
	for (unsigned i = 0; i < r->n; i++) {
		uint32_t used = __atomic_load_n(&n->maps[r->first + i]->used[p], __ATOMIC_RELAXED);

		/* used counts ports outside a ports: range narrowed under the connections too */
		sum += used < r->size ? r->size - used : 0;
	}
	return sum;
}

struct dp_nat_stats *
dp_nat_worker_stats(const struct dp_nat *n, unsigned worker)
{
	return n != NULL && worker < n->n_workers ? &n->stats[worker].s : NULL;
}

unsigned
dp_nat_n_rules(const struct dp_nat *n)
{
	return n != NULL ? n->n_rules : 0;
}

/* ---- rewrites (the helpers: nat_rw.h) ---- */

void
dp_nat_rewrite4(uint8_t *ip, uint8_t *l4, uint32_t l4len, const struct ct_key *from, const struct ct_key *to,
		bool src, bool dst)
{
	(void)from; /* the packet's own bytes are what its checksums cover */
	dp_nat_rewrite4_to(ip, l4, l4len, k4(to->src), to->sport, k4(to->dst), to->dport, src, dst);
}

/* Writes v at p (inside the ICMP message, at an even offset from its start) and adds the
 * change to *d, the ICMP checksum's delta. */
static inline void
put16(uint8_t *p, uint16_t v, uint32_t *d)
{
	uint16_t old = rd16(p);

	if (old != v) {
		*d += delta16(old, v);
		wr16(p, v);
	}
}

static inline void
put32(uint8_t *p, uint32_t v, uint32_t *d)
{
	const uint8_t *b = (const uint8_t *)&v;

	put16(p, rd16(b), d);
	put16(p + 2, rd16(b + 2), d);
}

void
dp_nat_icmp_error4(uint8_t *ip, uint8_t *icmp, uint32_t len, const struct ct_key *inner, uint32_t outer_dst,
		   uint32_t outer_src)
{
	uint32_t dicmp = 0, dqip = 0, dql4, old, qihl, qlen;
	uint8_t *q, *ql4;

	/* the quote: an 8-byte ICMP header, then an IPv4 header of qihl bytes, then some L4 bytes */
	if (len < 8 + 20)
		return;
	q = icmp + 8;
	qihl = (uint32_t)(q[0] & 0x0f) * 4;
	if ((q[0] >> 4) != 4 || qihl < 20 || 8 + qihl > len)
		return;
	ql4 = q + qihl;
	qlen = len - 8 - qihl;

	/* quoted addresses and the quoted IP header checksum */
	memcpy(&old, q + 12, 4);
	dqip += delta32(old, k4(inner->src));
	put32(q + 12, k4(inner->src), &dicmp);
	memcpy(&old, q + 16, 4);
	dqip += delta32(old, k4(inner->dst));
	put32(q + 16, k4(inner->dst), &dicmp);
	put16(q + 10, cks_apply(rd16(q + 10), dqip), &dicmp);

	/* quoted L4: ports (identifier) and its checksum when the quote holds it */
	dql4 = dqip;
	if ((q[9] == 6 || q[9] == 17) && qlen >= 4) {
		uint32_t ck = q[9] == 6 ? 16 : 6;

		dql4 += delta16(rd16(ql4), inner->sport) + delta16(rd16(ql4 + 2), inner->dport);
		put16(ql4, inner->sport, &dicmp);
		put16(ql4 + 2, inner->dport, &dicmp);
		if (qlen >= ck + 2)
			put16(ql4 + ck,
			      q[9] == 6 ? cks_apply(rd16(ql4 + ck), dql4) : udp_apply(rd16(ql4 + ck), dql4),
			      &dicmp);
	} else if (q[9] == 1 && qlen >= 6 && icmp_query(ql4[0])) {
		uint32_t did = delta16(rd16(ql4 + 4), inner->sport);

		put16(ql4 + 4, inner->sport, &dicmp);
		put16(ql4 + 2, cks_apply(rd16(ql4 + 2), did), &dicmp);
	}

	/*
	 * The ICMP checksum, incrementally over every word changed above (all at even offsets of
	 * the message): right whatever len covers (trailing padding, a message longer than len).
	 */
	if (dicmp != 0)
		wr16(icmp + 2, cks_apply(rd16(icmp + 2), dicmp));

	/* the outer header */
	{
		uint32_t dip = 0;

		memcpy(&old, ip + 16, 4);
		if (old != outer_dst) {
			dip += delta32(old, outer_dst);
			memcpy(ip + 16, &outer_dst, 4);
		}
		memcpy(&old, ip + 12, 4);
		if (outer_src != 0 && old != outer_src) {
			dip += delta32(old, outer_src);
			memcpy(ip + 12, &outer_src, 4);
		}
		if (dip != 0)
			wr16(ip + 10, cks_apply(rd16(ip + 10), dip));
	}
}
