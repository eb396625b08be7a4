/* IPv4 LPM (lpm4.h): rules in an rte_rib, tables written as rte_fib's dir24_8 does, tbl8 groups freed under RCU. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_rib.h>

#include "lpm4.h"

/* callers written for rte_lpm test its success bit */
_Static_assert(DP_LPM4_LOOKUP_SUCCESS == RTE_LPM_LOOKUP_SUCCESS, "the hit bit must be rte_lpm's");

#define LPM4_NAME_MAX 20
#define LPM4_RIB_START (1u << 14) /* rules of the first rib; it grows x4 as it fills */
#define LPM4_DQ_RECLAIM_THD 32    /* as rte_lpm: reclaim when this many groups wait */
#define LPM4_DQ_RECLAIM_MAX 16
#define LPM4_NO_GROUP UINT32_MAX

/* Control-thread state: never read by lookups. */
struct dp_lpm4_ctl {
	struct rte_rib *rib; /* the rules: ip/depth -> next hop */
	uint32_t rib_cap;    /* rules it surely holds (its node pool: 2 per rule) */
	unsigned rib_gen;    /* ribs made so far: the next one's name */
	int socket;
	uint32_t *free_tbl8; /* stack of groups free for reuse now */
	uint32_t n_free, n_tbl8;
	uint32_t n_rules, max_rules;
	struct rte_rcu_qsbr *v;     /* NULL: groups are reused at once */
	struct rte_rcu_qsbr_dq *dq; /* groups waiting for their grace period */
	uint64_t n_deferred;        /* groups put on dq, */
	uint64_t n_reclaimed;       /* and taken back from it */
	char name[LPM4_NAME_MAX + 1];
};

static inline uint32_t
depth_mask(uint8_t depth)
{
	return depth ? ~0u << (32 - depth) : 0;
}

static inline void
set_entry(uint32_t *e, uint32_t v)
{
	__atomic_store_n(e, v, __ATOMIC_RELAXED);
}

#ifdef DP_LPM4_DEBUG
#define LPM4_CHECK(x) RTE_VERIFY(x)
/* Tests: a group no rule may reach reads as this next hop. */
#define DP_LPM4_POISON (DP_LPM4_LOOKUP_SUCCESS | 0xbadbadu)
static void
poison(struct dp_lpm4 *l, uint32_t g)
{
	for (unsigned k = 0; k < DP_LPM4_TBL8_GROUP; k++)
		set_entry(&l->tbl8[g * DP_LPM4_TBL8_GROUP + k], DP_LPM4_POISON);
}
#else
#define LPM4_CHECK(x) RTE_ASSERT(x)
static inline void
poison(struct dp_lpm4 *l, uint32_t g)
{
	(void)l;
	(void)g;
}
#endif

/* A free group, reclaiming those whose grace period is over if need be; LPM4_NO_GROUP if none. */
static uint32_t
tbl8_get(struct dp_lpm4_ctl *c)
{
	if (c->n_free == 0 && c->dq != NULL)
		rte_rcu_qsbr_dq_reclaim(c->dq, c->n_tbl8, NULL, NULL, NULL);
	return c->n_free ? c->free_tbl8[--c->n_free] : LPM4_NO_GROUP;
}

/* The defer queue's free function: g's grace period is over. */
static void
tbl8_reclaimed(void *p, void *e, unsigned int n)
{
	struct dp_lpm4 *l = p;
	struct dp_lpm4_ctl *c = l->ctl;
	uint32_t g;

	RTE_SET_USED(n); /* the queue frees one element a call */
	memcpy(&g, e, sizeof(g));
	poison(l, g);
	c->free_tbl8[c->n_free++] = g;
	c->n_reclaimed++;
}

/* Group g is unreachable from tbl24; readers may still be in it. */
static void
tbl8_retire(struct dp_lpm4 *l, uint32_t g)
{
	struct dp_lpm4_ctl *c = l->ctl;

	if (c->dq == NULL) {
		poison(l, g);
		c->free_tbl8[c->n_free++] = g;
		return;
	}
	if (rte_rcu_qsbr_dq_enqueue(c->dq, &g) != 0) {
		/* not expected: the queue has room for every group; wait out the grace period here */
		rte_rcu_qsbr_synchronize(c->v, RTE_QSBR_THRID_INVALID);
		poison(l, g);
		c->free_tbl8[c->n_free++] = g;
		return;
	}
	c->n_deferred++;
}

/*
 * Write entry value v over addresses [lo, hi). A range that starts or ends
 * inside a /24 is bounded there by a rule longer than /24, so that /24 has
 * its tbl8 group already.
 */
static void
write_range(struct dp_lpm4 *l, uint64_t lo, uint64_t hi, uint32_t v)
{
	while (lo < hi) {
		uint32_t i24 = (uint32_t)(lo >> 8);
		uint64_t next = ((uint64_t)i24 + 1) << 8;
		uint32_t e = l->tbl24[i24];

		if (e & DP_LPM4_EXT) {
			uint32_t *t8 = &l->tbl8[(e & DP_LPM4_NH_MASK) * DP_LPM4_TBL8_GROUP];
			unsigned end = hi < next ? (unsigned)(hi & 0xff) : DP_LPM4_TBL8_GROUP;

			for (unsigned k = (unsigned)(lo & 0xff); k < end; k++)
				set_entry(&t8[k], v);
		} else {
			LPM4_CHECK((lo & 0xff) == 0 && hi >= next);
			set_entry(&l->tbl24[i24], v);
		}
		lo = next;
	}
}

/*
 * Entry value v over ip/depth, except where a more specific rule covers
 * (rte_fib's modify_fib): the gaps between the first-level sub-prefixes,
 * in ascending order.
 */
static void
write_rule(struct dp_lpm4 *l, uint32_t ip, uint8_t depth, uint32_t v)
{
	struct rte_rib *rib = l->ctl->rib;
	struct rte_rib_node *n = NULL;
	uint64_t lo = ip, end = (uint64_t)ip + (1ull << (32 - depth));

	while ((n = rte_rib_get_nxt(rib, ip, depth, n, RTE_RIB_GET_NXT_COVER)) != NULL) {
		uint32_t sub;
		uint8_t d;

		rte_rib_get_ip(n, &sub);
		rte_rib_get_depth(n, &d);
		sub &= depth_mask(d);
		write_range(l, lo, sub, v);
		lo = (uint64_t)sub + (1ull << (32 - d));
	}
	write_range(l, lo, end, v);
}

/* A rib for cap rules, NULL with rte_errno. */
static struct rte_rib *
rib_new(struct dp_lpm4_ctl *c, uint32_t cap)
{
	/* a tree of n prefixes has at most n - 1 more (branching) nodes */
	struct rte_rib_conf rc = {.ext_sz = 0, .max_nodes = (int)(2 * (uint64_t)cap)};
	char name[LPM4_NAME_MAX + 8];

	snprintf(name, sizeof(name), "%s.%u", c->name, c->rib_gen++);
	return rte_rib_create(name, c->socket, &rc);
}

static int
rib_copy(struct rte_rib *to, struct rte_rib_node *n)
{
	struct rte_rib_node *m;
	uint32_t ip;
	uint8_t depth;
	uint64_t nh;

	rte_rib_get_ip(n, &ip);
	rte_rib_get_depth(n, &depth);
	rte_rib_get_nh(n, &nh);
	if ((m = rte_rib_insert(to, ip, depth)) == NULL)
		return -ENOSPC;
	rte_rib_set_nh(m, nh);
	return 0;
}

/*
 * Room for more rules: a rib four times the size (at most max_rules), the
 * rules copied over. An rte_rib's node pool is allocated whole (~400 bytes a
 * rule), so it grows with the rules instead of being sized for max_rules;
 * x4, not x2: loading a million rules copies 340,000 of them, not 1,000,000.
 * The tables do not change. 0 or -ENOSPC (no memory: nothing changed).
 */
static int
rib_grow(struct dp_lpm4_ctl *c)
{
	uint32_t cap = c->rib_cap > c->max_rules / 4 ? c->max_rules : 4 * c->rib_cap;
	struct rte_rib *rib = rib_new(c, cap);
	struct rte_rib_node *n;

	if (rib == NULL)
		return -ENOSPC;
	/* get_nxt lists the depths > 0 */
	n = rte_rib_lookup_exact(c->rib, 0, 0);
	if (n != NULL && rib_copy(rib, n) < 0)
		goto fail;
	n = NULL;
	while ((n = rte_rib_get_nxt(c->rib, 0, 0, n, RTE_RIB_GET_NXT_ALL)) != NULL)
		if (rib_copy(rib, n) < 0)
			goto fail;
	rte_rib_free(c->rib);
	c->rib = rib;
	c->rib_cap = cap;
	return 0;
fail:
	rte_rib_free(rib);
	return -ENOSPC;
}

/* The entry value of ip/depth's covering rule (longest shorter one), 0 if none. */
static uint32_t
parent_value(struct rte_rib_node *node)
{
	struct rte_rib_node *p = rte_rib_lookup_parent(node);
	uint64_t nh;

	if (p == NULL)
		return 0;
	rte_rib_get_nh(p, &nh);
	return (uint32_t)nh | DP_LPM4_LOOKUP_SUCCESS;
}

int
dp_lpm4_add(struct dp_lpm4 *l, uint32_t ip, uint8_t depth, uint32_t nh)
{
	struct dp_lpm4_ctl *c = l->ctl;
	uint32_t v = nh | DP_LPM4_LOOKUP_SUCCESS, g = LPM4_NO_GROUP, i24;
	struct rte_rib_node *node;
	uint64_t old;

	if (depth > 32 || nh > DP_LPM4_MAX_NH)
		return -EINVAL;
	ip &= depth_mask(depth);
	i24 = ip >> 8;
	node = rte_rib_lookup_exact(c->rib, ip, depth);
	if (node != NULL) { /* a new next hop: the tables need nothing new */
		rte_rib_get_nh(node, &old);
		if (old != nh) {
			rte_rib_set_nh(node, nh);
			write_rule(l, ip, depth, v);
		}
		return 0;
	}
	/* everything that can fail, before the first change */
	if (c->n_rules >= c->max_rules || (c->n_rules >= c->rib_cap && rib_grow(c) < 0))
		return -ENOSPC;
	if (depth > 24 && !(l->tbl24[i24] & DP_LPM4_EXT) && (g = tbl8_get(c)) == LPM4_NO_GROUP)
		return -ENOSPC;
	if ((node = rte_rib_insert(c->rib, ip, depth)) == NULL) {
		if (g != LPM4_NO_GROUP) /* never published */
			c->free_tbl8[c->n_free++] = g;
		return -ENOSPC;
	}
	rte_rib_set_nh(node, nh);
	c->n_rules++;
	if (g != LPM4_NO_GROUP) {
		/* the /24's first long rule: its group, as the /24 reads now, then published */
		uint32_t *t8 = &l->tbl8[g * DP_LPM4_TBL8_GROUP], base = l->tbl24[i24];

		for (unsigned k = 0; k < DP_LPM4_TBL8_GROUP; k++)
			set_entry(&t8[k], base);
		__atomic_store_n(&l->tbl24[i24], g | DP_LPM4_EXT, __ATOMIC_RELEASE);
	}
	/* the addresses it takes read the covering rule's value until now */
	if (parent_value(node) != v)
		write_rule(l, ip, depth, v);
	return 0;
}

int
dp_lpm4_delete(struct dp_lpm4 *l, uint32_t ip, uint8_t depth)
{
	struct dp_lpm4_ctl *c = l->ctl;
	struct rte_rib_node *node;
	uint32_t v, i24;
	uint64_t nh;

	if (depth > 32)
		return -EINVAL;
	ip &= depth_mask(depth);
	if ((node = rte_rib_lookup_exact(c->rib, ip, depth)) == NULL)
		return -ENOENT;
	rte_rib_get_nh(node, &nh);
	v = parent_value(node);
	if (v != ((uint32_t)nh | DP_LPM4_LOOKUP_SUCCESS))
		write_rule(l, ip, depth, v);
	rte_rib_remove(c->rib, ip, depth);
	c->n_rules--;
	/* the /24's last long rule gone: it reads one value again; fold its group */
	i24 = ip >> 8;
	if (depth > 24 && rte_rib_get_nxt(c->rib, i24 << 8, 24, NULL, RTE_RIB_GET_NXT_COVER) == NULL) {
		uint32_t g = l->tbl24[i24] & DP_LPM4_NH_MASK;
		uint32_t uniform = l->tbl8[g * DP_LPM4_TBL8_GROUP];

		for (unsigned k = 1; k < DP_LPM4_TBL8_GROUP; k++)
			LPM4_CHECK(l->tbl8[g * DP_LPM4_TBL8_GROUP + k] == uniform);
		__atomic_store_n(&l->tbl24[i24], uniform, __ATOMIC_RELEASE);
		tbl8_retire(l, g);
	}
	return 0;
}

int
dp_lpm4_is_rule_present(const struct dp_lpm4 *l, uint32_t ip, uint8_t depth, uint32_t *nh)
{
	struct rte_rib_node *node;
	uint64_t v;

	if (depth > 32)
		return 0;
	node = rte_rib_lookup_exact(l->ctl->rib, ip & depth_mask(depth), depth);
	if (node == NULL)
		return 0;
	if (nh != NULL) {
		rte_rib_get_nh(node, &v);
		*nh = (uint32_t)v;
	}
	return 1;
}

unsigned
dp_lpm4_n_rules(const struct dp_lpm4 *l)
{
	return l->ctl->n_rules;
}

int
dp_lpm4_rcu_qsbr_add(struct dp_lpm4 *l, struct rte_rcu_qsbr *v)
{
	struct dp_lpm4_ctl *c;
	char name[RTE_RCU_QSBR_DQ_NAMESIZE];

	if (l == NULL || v == NULL)
		return -EINVAL;
	c = l->ctl;
	if (c->v != NULL)
		return -EEXIST;
	snprintf(name, sizeof(name), "%s", c->name);
	struct rte_rcu_qsbr_dq_parameters p = {
		.name = name,
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE, /* one writer */
		.size = c->n_tbl8,                  /* room for every group: enqueue never fails */
		.esize = sizeof(uint32_t),
		.trigger_reclaim_limit = LPM4_DQ_RECLAIM_THD,
		.max_reclaim_size = LPM4_DQ_RECLAIM_MAX,
		.free_fn = tbl8_reclaimed,
		.p = l,
		.v = v,
	};
	if ((c->dq = rte_rcu_qsbr_dq_create(&p)) == NULL)
		return rte_errno ? -rte_errno : -ENOMEM;
	c->v = v;
	return 0;
}

struct dp_lpm4 *
dp_lpm4_create(const char *name, int socket, uint32_t max_rules, uint32_t n_tbl8)
{
	struct dp_lpm4 *l;
	struct dp_lpm4_ctl *c;

	if (name == NULL || strlen(name) > LPM4_NAME_MAX || max_rules == 0 || max_rules > (1u << 30) ||
	    n_tbl8 == 0 || n_tbl8 > DP_LPM4_TBL24_ENTRIES) {
		rte_errno = EINVAL;
		return NULL;
	}
	l = rte_zmalloc_socket(name, sizeof(*l), RTE_CACHE_LINE_SIZE, socket);
	c = rte_zmalloc_socket("dp_lpm4_ctl", sizeof(*c), 0, socket);
	if (l == NULL || c == NULL)
		goto nomem;
	l->ctl = c;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->n_tbl8 = n_tbl8;
	c->max_rules = max_rules;
	c->socket = socket;
	l->tbl8 = rte_zmalloc_socket("dp_lpm4_tbl8", (size_t)n_tbl8 * DP_LPM4_TBL8_GROUP * sizeof(uint32_t),
				     RTE_CACHE_LINE_SIZE, socket);
	c->free_tbl8 = rte_malloc_socket("dp_lpm4_free", (size_t)n_tbl8 * sizeof(uint32_t), 0, socket);
	if (l->tbl8 == NULL || c->free_tbl8 == NULL)
		goto nomem;
	/* a stack: group 0 first */
	for (uint32_t i = 0; i < n_tbl8; i++)
		c->free_tbl8[i] = n_tbl8 - 1 - i;
	c->n_free = n_tbl8;
	c->rib_cap = RTE_MIN(max_rules, LPM4_RIB_START);
	if ((c->rib = rib_new(c, c->rib_cap)) == NULL) {
		int e = rte_errno;

		dp_lpm4_free(l);
		rte_errno = e;
		return NULL;
	}
	return l;
nomem:
	if (l == NULL)
		rte_free(c);
	dp_lpm4_free(l);
	rte_errno = ENOMEM;
	return NULL;
}

void
dp_lpm4_free(struct dp_lpm4 *l)
{
	struct dp_lpm4_ctl *c;

	if (l == NULL)
		return;
	if ((c = l->ctl) != NULL) {
		/* reclaims what has waited out its grace period (the caller made sure all has) */
		if (c->dq != NULL)
			rte_rcu_qsbr_dq_delete(c->dq);
		rte_rib_free(c->rib);
		rte_free(c->free_tbl8);
		rte_free(c);
	}
	rte_free(l->tbl8);
	rte_free(l);
}
