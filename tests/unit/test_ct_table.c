/* The shared connection table (dataplane/ct.c, included to see its slices): EAL --no-huge, real RCU. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>

#include "../../dataplane/ct.c"
#include "../../lib/conf.h"
#include "../cunit_run.h"
#include "../eal_test.h"
#include "ct_key_test.h"

#define NOW (1ull << 40) /* a TSC far from 0: nothing wraps */
#define N_READERS 4

/* TSC cycles per enum ct_timeout: established, transitory, udp, icmp */
static const uint64_t long_to[4] = {1ull << 40, 1ull << 40, 1ull << 40, 1ull << 40};
static const uint64_t short_to[4] = {100000, 50000, 10000, 20000};

static struct rte_rcu_qsbr *
qsbr_new(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(N_READERS);
	struct rte_rcu_qsbr *v = rte_zmalloc("t_ct_qsbr", sz, RTE_CACHE_LINE_SIZE);

	if (v != NULL && rte_rcu_qsbr_init(v, N_READERS) != 0) {
		rte_free(v);
		return NULL;
	}
	return v;
}

/* The test thread is reader 0 (QSBR is counters: one thread may play several readers). */
static struct rte_rcu_qsbr *
qsbr_online(void)
{
	struct rte_rcu_qsbr *v = qsbr_new();

	if (v != NULL) {
		rte_rcu_qsbr_thread_register(v, 0);
		rte_rcu_qsbr_thread_online(v, 0);
	}
	return v;
}

static void
qsbr_done(struct rte_rcu_qsbr *v)
{
	rte_rcu_qsbr_thread_offline(v, 0);
	rte_rcu_qsbr_thread_unregister(v, 0);
	rte_free(v);
}

/* A UDP flow i: 10.0.x.y:1000+i -> 192.0.2.1:53 (and its reply key: no NAT). */
static void
flow(unsigned i, struct ct_key *k0, struct ct_key *k1)
{
	key4(k0, 17, 0x0a000000 | i, (uint16_t)(1000 + i), 0xc0000201, 53);
	ct_key_invert(k0, k1);
}

/* alloc + keys + insert; *rc ct_insert's result (-1 when alloc gave nothing). */
static struct ct_conn *
conn_add(struct ct_table *t, unsigned w, const struct ct_key *k0, const struct ct_key *k1, uint64_t now,
	 uint8_t flags, unsigned timeout, int *rc)
{
	uint32_t h0 = ct_key_hash(k0), h1 = ct_key_hash(k1);
	struct ct_conn *c = ct_alloc(t, w, h0, now);

	*rc = -1;
	if (c == NULL)
		return NULL;
	c->key[0] = *k0;
	c->key[1] = *k1;
	c->flags |= flags;
	c->timeout = (uint8_t)timeout;
	*rc = ct_insert(t, c, h0, h1);
	return c;
}

static struct ct_conn *
conn_add_ok(struct ct_table *t, unsigned w, unsigned i, uint64_t now, uint8_t flags)
{
	struct ct_key k0, k1;
	struct ct_conn *c;
	int rc;

	flow(i, &k0, &k1);
	c = conn_add(t, w, &k0, &k1, now, flags, CT_TO_UDP, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	return rc == 0 ? c : NULL;
}

static struct ct_conn *
find(const struct ct_table *t, const struct ct_key *k, uint64_t now, unsigned *dir)
{
	return ct_lookup(t, k, ct_key_hash(k), now, dir);
}

/* Slots in the whole table that point at entry idx. */
static unsigned
slots_of(const struct ct_table *t, uint32_t idx)
{
	unsigned n = 0;

	for (uint32_t b = 0; b <= t->mask; b++)
		for (unsigned s = 0; s < CT_SLOTS; s++) {
			uint64_t v = t->buckets[b].slot[s];

			n += v != 0 && ((uint32_t)v - 1) >> 1 == idx;
		}
	return n;
}

static unsigned
slots_used(const struct ct_table *t)
{
	unsigned n = 0;

	for (uint32_t b = 0; b <= t->mask; b++)
		for (unsigned s = 0; s < CT_SLOTS; s++)
			n += t->buckets[b].slot[s] != 0;
	return n;
}

static uint32_t
idx_of(const struct ct_table *t, const struct ct_conn *c)
{
	return (uint32_t)(c - t->conns);
}

/* ---- single thread ---- */

/* ct_key_hash (ct_hash.h's unrolled CRC32-C) gives rte_hash_crc's value, which the table's
 * layout was designed and measured with; keys that differ in any byte hash apart. */
static void
test_key_hash(void)
{
	struct ct_key k;
	uint8_t *b = (uint8_t *)&k;

	for (unsigned n = 0; n < 64; n++) {
		for (unsigned i = 0; i < sizeof(k); i++)
			b[i] = (uint8_t)(rte_rand() >> 8);
		CU_ASSERT_EQUAL(ct_key_hash(&k), rte_hash_crc(&k, sizeof(k), CT_HASH_SEED));
	}
	memset(&k, 0, sizeof(k));
	for (unsigned i = 0; i < sizeof(k); i++) {
		uint32_t h0 = ct_key_hash(&k);

		b[i] ^= 1;
		CU_ASSERT_NOT_EQUAL(ct_key_hash(&k), h0);
		b[i] ^= 1;
	}
}

static void
test_insert_lookup(void)
{
	struct rte_rcu_qsbr *v = qsbr_online();
	struct ct_table *t = ct_table_create(1024, 1, v, long_to, SOCKET_ID_ANY);
	struct ct_key k0, k1, other;
	struct ct_conn *c;
	unsigned dir = 9;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(ct_table_max(t), 1024);
	CU_ASSERT_EQUAL(t->mask, 511);
	/* SNAT'd: the reply comes to the pool address */
	key4(&k0, 6, 0x0a000005, 40000, 0xc6336401, 443);
	key4(&k1, 6, 0xc6336401, 443, 0xcb00710a, 1024);
	c = conn_add(t, 0, &k0, &k1, NOW, CT_CONN_SNAT, CT_TO_TCP_TRANSITORY, &rc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(c->owner, 0);
	CU_ASSERT_EQUAL(c->created, NOW);
	CU_ASSERT_EQUAL(c->last_seen, NOW);
	CU_ASSERT_EQUAL(c->flags, CT_CONN_LIVE | CT_CONN_SNAT);
	CU_ASSERT_EQUAL(slots_of(t, idx_of(t, c)), 2);
	CU_ASSERT_PTR_EQUAL(find(t, &k0, NOW, &dir), c);
	CU_ASSERT_EQUAL(dir, CT_DIR_ORIG);
	CU_ASSERT_PTR_EQUAL(find(t, &k1, NOW + 5, &dir), c);
	CU_ASSERT_EQUAL(dir, CT_DIR_REPLY);
	/* a different key misses: one byte off anywhere, or the reply key before NAT */
	for (unsigned b = 0; b < sizeof(other); b++) {
		other = k0;
		((uint8_t *)&other)[b] ^= 0x40;
		CU_ASSERT_PTR_NULL(find(t, &other, NOW, &dir));
	}
	ct_key_invert(&k0, &other);
	CU_ASSERT_PTR_NULL(find(t, &other, NOW, &dir));
	/* the whole key is compared, not only the hash */
	other = k0;
	other.dport ^= 1;
	CU_ASSERT_PTR_NULL(ct_lookup(t, &other, ct_key_hash(&k0), NOW, &dir));
	other = k0;
	other.zero = 1;
	CU_ASSERT_PTR_NULL(ct_lookup(t, &other, ct_key_hash(&k0), NOW, &dir));
	/* the right hash is part of the contract: another one finds nothing */
	CU_ASSERT_PTR_NULL(ct_lookup(t, &k0, ct_key_hash(&k0) ^ 1, NOW, &dir));
	/* show */
	CU_ASSERT_PTR_EQUAL(ct_entry(t, idx_of(t, c), NOW), c);
	CU_ASSERT_PTR_NULL(ct_entry(t, idx_of(t, c) + 1, NOW));
	CU_ASSERT_PTR_NULL(ct_entry(t, 1024, NOW));
	CU_ASSERT_PTR_NULL(ct_entry(t, UINT32_MAX, NOW));
	/* counters */
	CU_ASSERT_EQUAL(ct_worker_stats(t, 0)->created, 1);
	CU_ASSERT_EQUAL(ct_worker_stats(t, 0)->live, 1);
	CU_ASSERT_EQUAL(ct_table_count(t), 1);
	ct_table_free(t);
	qsbr_done(v);
}

/* kill -> lookups miss -> the owner's sweep unlinks -> every reader quiescent -> reused. */
static void
test_kill_reclaim(void)
{
	struct rte_rcu_qsbr *v = qsbr_online();
	struct ct_table *t = ct_table_create(1024, 2, v, long_to, SOCKET_ID_ANY);
	const struct ct_worker_stats *s0, *s1;
	struct ct_key k0, k1;
	struct ct_conn *c, *d;
	unsigned dir;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	s0 = ct_worker_stats(t, 0);
	s1 = ct_worker_stats(t, 1);
	/* reader 1 is online too (this thread plays it) */
	rte_rcu_qsbr_thread_register(v, 1);
	rte_rcu_qsbr_thread_online(v, 1);
	c = conn_add_ok(t, 1, 7, NOW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	c->state = 0x1234;
	c->packets[0] = c->packets[1] = 9;
	c->nat_cookie = 77;
	c->flags |= CT_CONN_ASSURED | CT_CONN_DNAT;
	CU_ASSERT_EQUAL(c->owner, 1);
	CU_ASSERT(idx_of(t, c) >= 512); /* worker 1's slice */
	flow(7, &k0, &k1);
	/* killed by worker 0: counted there, only the flag set */
	ct_kill(t, 0, c);
	CU_ASSERT_EQUAL(s0->killed, 1);
	CU_ASSERT_EQUAL(s1->killed, 0);
	CU_ASSERT(c->flags & CT_CONN_DEAD);
	CU_ASSERT(c->flags & CT_CONN_LIVE);
	ct_kill(t, 1, c); /* once dead, not counted again */
	CU_ASSERT_EQUAL(s1->killed, 0);
	CU_ASSERT_PTR_NULL(find(t, &k0, NOW, &dir));
	CU_ASSERT_PTR_NULL(find(t, &k1, NOW, &dir));
	CU_ASSERT_PTR_NULL(ct_entry(t, idx_of(t, c), NOW));
	CU_ASSERT_EQUAL(slots_of(t, idx_of(t, c)), 2);
	/* worker 0's sweep does not touch worker 1's slice */
	CU_ASSERT_EQUAL(ct_sweep(t, 0, NOW, 10000, NULL, NULL), 512);
	CU_ASSERT_EQUAL(slots_of(t, idx_of(t, c)), 2);
	/* the owner's: unlinked, in limbo; no reader has been quiescent yet */
	CU_ASSERT_EQUAL(ct_sweep(t, 1, NOW, 512, NULL, NULL), 512);
	CU_ASSERT_EQUAL(slots_of(t, idx_of(t, c)), 0);
	CU_ASSERT_EQUAL(c->flags & CT_CONN_LIVE, 0);
	CU_ASSERT_EQUAL(s1->live, 0);
	CU_ASSERT_EQUAL(s1->limbo, 1);
	CU_ASSERT_EQUAL(s1->expired + s1->flushed, 0);
	CU_ASSERT_EQUAL(t->slice[1].n_free, 511);
	/* reader 0 quiescent, reader 1 not: still waiting */
	rte_rcu_qsbr_quiescent(v, 0);
	ct_sweep(t, 1, NOW, 512, NULL, NULL);
	CU_ASSERT_EQUAL(s1->reclaimed, 0);
	CU_ASSERT_EQUAL(t->slice[1].n_free, 511);
	/* both: back on the free list, and the next allocation reuses it */
	rte_rcu_qsbr_quiescent(v, 1);
	ct_sweep(t, 1, NOW, 512, NULL, NULL);
	CU_ASSERT_EQUAL(s1->reclaimed, 1);
	CU_ASSERT_EQUAL(s1->limbo, 0);
	CU_ASSERT_EQUAL(t->slice[1].n_free, 512);
	d = conn_add_ok(t, 1, 8, NOW + 1, 0);
	CU_ASSERT_PTR_EQUAL(d, c);
	CU_ASSERT_PTR_NULL(find(t, &k0, NOW + 1, &dir));
	flow(8, &k0, &k1);
	CU_ASSERT_PTR_EQUAL(find(t, &k1, NOW + 1, &dir), d);
	/* nothing of the old entry left */
	CU_ASSERT_EQUAL(d->flags, CT_CONN_LIVE);
	CU_ASSERT_EQUAL(d->state, 0);
	CU_ASSERT_EQUAL(d->packets[0] + d->packets[1], 0);
	CU_ASSERT_EQUAL(d->nat_cookie, 0);
	CU_ASSERT_EQUAL(d->timeout, CT_TO_UDP);
	CU_ASSERT_EQUAL(d->gen, c->gen);
	CU_ASSERT_EQUAL(d->created, NOW + 1);
	rte_rcu_qsbr_thread_offline(v, 1);
	rte_rcu_qsbr_thread_unregister(v, 1);
	ct_table_free(t);
	qsbr_done(v);
}

struct released {
	unsigned n;
	const struct ct_conn *last;
};

static void
on_release(void *arg, const struct ct_conn *c)
{
	struct released *r = arg;

	r->n++;
	r->last = c;
	CU_ASSERT(c->flags & CT_CONN_LIVE); /* before it leaves */
}

static void
test_expiry(void)
{
	struct rte_rcu_qsbr *v = qsbr_online();
	struct ct_table *t = ct_table_create(1024, 1, v, short_to, SOCKET_ID_ANY);
	const struct ct_worker_stats *s;
	uint64_t to[4], ms;
	struct released r = {0};
	struct ct_key k0, k1;
	struct ct_conn *c, *e;
	unsigned dir;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	s = ct_worker_stats(t, 0);
	ms = ct_touch_cycles;
	CU_ASSERT_EQUAL(ms, rte_get_tsc_hz() / 1000);
	flow(1, &k0, &k1);
	c = conn_add(t, 0, &k0, &k1, NOW, 0, CT_TO_UDP, &rc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(ct_expiry(t, c), NOW + 10000);
	CU_ASSERT_PTR_EQUAL(find(t, &k0, NOW + 9999, &dir), c);
	CU_ASSERT_PTR_NULL(find(t, &k0, NOW + 10000, &dir));
	CU_ASSERT_PTR_NULL(ct_entry(t, idx_of(t, c), NOW + 10000));
	/* a touch within a millisecond stores nothing; the same class later does; a new class at once */
	ct_touch(c, NOW + ms / 2, CT_TO_UDP);
	CU_ASSERT_EQUAL(c->last_seen, NOW);
	ct_touch(c, NOW + ms + 1, CT_TO_UDP);
	CU_ASSERT_EQUAL(c->last_seen, NOW + ms + 1);
	ct_touch(c, NOW + ms + 2, CT_TO_ICMP);
	CU_ASSERT_EQUAL(c->last_seen, NOW + ms + 2);
	CU_ASSERT_EQUAL(c->timeout, CT_TO_ICMP);
	CU_ASSERT_EQUAL(ct_expiry(t, c), NOW + ms + 2 + 20000);
	/* an older stamp (another worker's TSC behind) never moves it back */
	ct_touch(c, NOW, CT_TO_ICMP);
	CU_ASSERT_EQUAL(c->last_seen, NOW + ms + 2);
	/* new timeouts apply to the entries there */
	memcpy(to, short_to, sizeof(to));
	to[CT_TO_ICMP] = 10;
	ct_table_set_timeouts(t, to);
	CU_ASSERT_PTR_NULL(find(t, &k1, NOW + ms + 12, &dir));
	CU_ASSERT_PTR_EQUAL(find(t, &k1, NOW + ms + 11, &dir), c);
	to[CT_TO_ICMP] = 1000000;
	ct_table_set_timeouts(t, to);
	CU_ASSERT_PTR_EQUAL(find(t, &k1, NOW + ms + 500000, &dir), c);
	/* a sweep before the expiry keeps it; at it, unlinks it, releases it and counts it */
	e = conn_add_ok(t, 0, 2, NOW, 0); /* udp: expires at NOW + 10000 */
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(ct_sweep(t, 0, NOW + 9999, 1024, on_release, &r), 1024);
	CU_ASSERT_EQUAL(r.n, 0);
	CU_ASSERT_EQUAL(s->live, 2);
	ct_sweep(t, 0, NOW + 10000, 1024, on_release, &r);
	CU_ASSERT_EQUAL(r.n, 1);
	CU_ASSERT_PTR_EQUAL(r.last, e);
	CU_ASSERT_EQUAL(s->expired, 1);
	CU_ASSERT_EQUAL(s->live, 1);
	CU_ASSERT_EQUAL(s->limbo, 1);
	CU_ASSERT_EQUAL(slots_of(t, idx_of(t, e)), 0);
	CU_ASSERT_EQUAL(slots_of(t, idx_of(t, c)), 2);
	/* shorter timeouts: the other one goes too */
	ct_table_set_timeouts(t, short_to);
	ct_sweep(t, 0, NOW + ms + 2 + 20000, 1024, on_release, &r);
	CU_ASSERT_EQUAL(r.n, 2);
	CU_ASSERT_EQUAL(s->expired, 2);
	CU_ASSERT_EQUAL(s->live, 0);
	CU_ASSERT_EQUAL(slots_used(t), 0);
	ct_table_free(t);
	qsbr_done(v);
}

static void
test_flush(void)
{
	struct rte_rcu_qsbr *v = qsbr_online();
	struct ct_table *t = ct_table_create(1024, 1, v, long_to, SOCKET_ID_ANY);
	const struct ct_worker_stats *s;
	struct ct_conn *c[3], *d;
	struct ct_key k0, k1;
	unsigned dir;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	s = ct_worker_stats(t, 0);
	for (unsigned i = 0; i < 3; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(c[i] = conn_add_ok(t, 0, i, NOW, i == 0 ? CT_CONN_ASSURED : 0));
	ct_kill(t, 0, c[2]);
	ct_flush(t);
	for (unsigned i = 0; i < 3; i++) {
		flow(i, &k0, &k1);
		CU_ASSERT_PTR_NULL(find(t, &k0, NOW, &dir));
		CU_ASSERT_PTR_NULL(find(t, &k1, NOW, &dir));
		CU_ASSERT_PTR_NULL(ct_entry(t, idx_of(t, c[i]), NOW));
	}
	/* a connection made after the flush is found, the flushed one under the same key not */
	d = conn_add_ok(t, 0, 1, NOW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	flow(1, &k0, &k1);
	CU_ASSERT_PTR_EQUAL(find(t, &k0, NOW, &dir), d);
	CU_ASSERT_PTR_EQUAL(ct_entry(t, idx_of(t, d), NOW), d);
	ct_sweep(t, 0, NOW, 1024, NULL, NULL);
	CU_ASSERT_EQUAL(s->flushed, 2); /* the killed one counted as killed */
	CU_ASSERT_EQUAL(s->killed, 1);
	CU_ASSERT_EQUAL(s->live, 1);
	CU_ASSERT_EQUAL(slots_used(t), 2);
	CU_ASSERT_PTR_EQUAL(find(t, &k1, NOW, &dir), d);
	ct_table_free(t);
	qsbr_done(v);
}

/* A slice used up: early drop kills an embryonic entry of that worker in the hash's buckets, never an
 * ASSURED one, never another worker's; the packet is refused either way; the other slice is fine. */
static void
test_table_full(void)
{
	struct rte_rcu_qsbr *v = qsbr_online();
	struct ct_table *t = ct_table_create(1024, 2, v, long_to, SOCKET_ID_ANY);
	const struct ct_worker_stats *s0, *s1;
	struct ct_conn *c[512], *embryo, *other;
	struct ct_key k0, k1;
	unsigned dir;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	s0 = ct_worker_stats(t, 0);
	s1 = ct_worker_stats(t, 1);
	/* worker 1: one embryonic connection */
	other = conn_add_ok(t, 1, 1000, NOW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	/* worker 0: its 512, all ASSURED but flow 100 */
	for (unsigned i = 0; i < 512; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(
			c[i] = conn_add_ok(t, 0, i, NOW + i, i == 100 ? 0 : CT_CONN_ASSURED));
	embryo = c[100];
	CU_ASSERT_EQUAL(s0->live, 512);
	CU_ASSERT_EQUAL(t->slice[0].n_free, 0);
	/* a new flow whose buckets hold only ASSURED entries: refused, nothing killed */
	flow(5, &k0, &k1);
	CU_ASSERT_PTR_NULL(ct_alloc(t, 0, ct_key_hash(&k0), NOW + 1000));
	CU_ASSERT_EQUAL(s0->table_full, 1);
	CU_ASSERT_EQUAL(s0->early_drops, 0);
	/* one whose buckets hold worker 1's embryonic entry: not worker 0's to take */
	flow(1000, &k0, &k1);
	CU_ASSERT_PTR_NULL(ct_alloc(t, 0, ct_key_hash(&k0), NOW + 1000));
	CU_ASSERT_EQUAL(s0->table_full, 2);
	CU_ASSERT_EQUAL(s0->early_drops, 0);
	CU_ASSERT_EQUAL(other->flags & CT_CONN_DEAD, 0);
	/* one in the embryonic entry's buckets: that one is killed, this packet still refused */
	flow(100, &k0, &k1);
	CU_ASSERT_PTR_NULL(ct_alloc(t, 0, ct_key_hash(&k1), NOW + 1000));
	CU_ASSERT_EQUAL(s0->table_full, 3);
	CU_ASSERT_EQUAL(s0->early_drops, 1);
	CU_ASSERT(embryo->flags & CT_CONN_DEAD);
	CU_ASSERT_PTR_NULL(find(t, &k0, NOW + 1000, &dir));
	/* again: nothing else to kill there */
	CU_ASSERT_PTR_NULL(ct_alloc(t, 0, ct_key_hash(&k0), NOW + 1000));
	CU_ASSERT_EQUAL(s0->early_drops, 1);
	for (unsigned i = 0; i < 512; i++)
		if (i != 100) {
			flow(i, &k0, &k1);
			CU_ASSERT_PTR_EQUAL(find(t, &k1, NOW + 1000, &dir), c[i]);
		}
	/* worker 1's slice is its own */
	CU_ASSERT_PTR_NOT_NULL(conn_add_ok(t, 1, 1001, NOW, 0));
	CU_ASSERT_EQUAL(s1->table_full, 0);
	/* the owner's sweep and a grace period: room for one */
	ct_sweep(t, 0, NOW + 1000, 512, NULL, NULL);
	CU_ASSERT_EQUAL(s0->live, 511);
	CU_ASSERT_PTR_NULL(ct_alloc(t, 0, ct_key_hash(&k0), NOW + 1000));
	rte_rcu_qsbr_quiescent(v, 0);
	ct_sweep(t, 0, NOW + 1000, 512, NULL, NULL);
	CU_ASSERT_PTR_EQUAL(conn_add_ok(t, 0, 100, NOW + 2000, 0), embryo);
	CU_ASSERT_EQUAL(s0->table_full, 5);
	CU_ASSERT_EQUAL(s0->killed + s0->expired + s0->flushed, 0);
	ct_table_free(t);
	qsbr_done(v);
}

/*
 * A SYN flood from random sources into a table holding established (ASSURED) flows: the table never
 * holds more than its share, every established flow stays found, and the flood keeps getting
 * entries as early drops and sweeps recycle the embryonic ones. One thread: deterministic.
 */
static void
test_syn_flood(void)
{
	struct rte_rcu_qsbr *v = qsbr_online();
	struct ct_table *t = ct_table_create(4096, 1, v, long_to, SOCKET_ID_ANY);
	const struct ct_worker_stats *s;
	unsigned established = 1000, n = 100000, admitted_late = 0, missing = 0, over = 0;
	uint64_t rng = 0x5eed, now = NOW;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	s = ct_worker_stats(t, 0);
	for (unsigned i = 0; i < established; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(conn_add_ok(t, 0, i, now, CT_CONN_ASSURED));
	for (unsigned i = 0; i < n; i++) {
		struct ct_key k0, k1;
		struct ct_conn *c;
		unsigned dir;
		int rc;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		key4(&k0, 6, 0x64000000 | (uint32_t)(rng & 0xffffff), (uint16_t)(rng >> 24), 0xc6336401, 80);
		ct_key_invert(&k0, &k1);
		now += 100;
		if (find(t, &k0, now, &dir) == NULL) {
			c = conn_add(t, 0, &k0, &k1, now, 0, CT_TO_TCP_TRANSITORY, &rc);
			if (c != NULL && rc != 0)
				ct_abort(t, 0, c);
			admitted_late += rc == 0 && i >= n / 2;
		}
		/* the worker's loop: bounded ageing, then a quiescent state */
		ct_sweep(t, 0, now, 64, NULL, NULL);
		rte_rcu_qsbr_quiescent(v, 0);
		over += s->live > 4096;
		/* an established flow's packet now and then: found */
		if (i % 97 == 0) {
			flow(i % established, &k0, &k1);
			missing += find(t, (i & 1) ? &k1 : &k0, now, &dir) == NULL;
		}
	}
	printf("\n  %u SYNs: created %" PRIu64 " (%u in the second half), table_full %" PRIu64
	       ", bucket_full %" PRIu64 ", early drops %" PRIu64 ", live %" PRIu64 " ",
	       n, s->created - established, admitted_late, s->table_full, s->bucket_full, s->early_drops,
	       s->live);
	CU_ASSERT_EQUAL(missing, 0);
	CU_ASSERT_EQUAL(over, 0);
	for (unsigned i = 0; i < established; i++) {
		struct ct_key k0, k1;
		unsigned dir;

		flow(i, &k0, &k1);
		CU_ASSERT_PTR_NOT_NULL(find(t, &k1, now, &dir));
	}
	CU_ASSERT(s->table_full > 0);
	CU_ASSERT(s->early_drops > n / 10);
	CU_ASSERT(admitted_late > n / 10); /* the flood is refused only part of the time, not locked out */
	ct_table_free(t);
	qsbr_done(v);
}

/* Keys of UDP flows whose hashes all pick the same two buckets (table of 1024: 512 buckets). */
static unsigned
colliding_keys(const struct ct_table *t, struct ct_key *out, unsigned n)
{
	uint32_t b1 = 0, b2 = 0;
	unsigned got = 0;

	for (uint32_t i = 0; i < (1u << 26) && got < n; i++) {
		struct ct_key k;
		uint32_t h;

		key4(&k, 17, 0x0a000000 | (i >> 16), (uint16_t)i, 0xc0000263, 53);
		h = ct_key_hash(&k);
		if (got == 0) {
			b1 = ct_b1(t, h);
			b2 = ct_b2(t, h);
		} else if (ct_b1(t, h) != b1 || ct_b2(t, h) != b2) {
			continue;
		}
		out[got++] = k;
	}
	return got;
}

/* Both buckets of a key full: refused (bucket_full), one embryonic entry there killed; the second key
 * failing takes the first back out, and the entry waits a grace period before reuse. */
static void
test_bucket_full(void)
{
	struct rte_rcu_qsbr *v = qsbr_online();
	struct ct_table *t = ct_table_create(1024, 1, v, long_to, SOCKET_ID_ANY);
	const struct ct_worker_stats *s;
	struct ct_key k[18], k0, k1;
	struct ct_conn *c[8], *x;
	unsigned dir;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	s = ct_worker_stats(t, 0);
	CU_ASSERT_EQUAL_FATAL(colliding_keys(t, k, 18), 18);
	/* 8 connections, both keys in the pair: 16 slots full; 7 ASSURED */
	for (unsigned i = 0; i < 8; i++) {
		c[i] = conn_add(t, 0, &k[2 * i], &k[2 * i + 1], NOW + i, i == 3 ? 0 : CT_CONN_ASSURED,
				CT_TO_UDP, &rc);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
	}
	/* the first key finds no slot: refused, nothing published, the embryonic one killed */
	ct_key_invert(&k[16], &k1);
	x = conn_add(t, 0, &k[16], &k1, NOW + 10, 0, CT_TO_UDP, &rc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(rc, -ENOSPC);
	CU_ASSERT_EQUAL(s->bucket_full, 1);
	CU_ASSERT_EQUAL(s->early_drops, 1);
	CU_ASSERT(c[3]->flags & CT_CONN_DEAD);
	CU_ASSERT_EQUAL(slots_of(t, idx_of(t, x)), 0);
	CU_ASSERT_PTR_NULL(find(t, &k1, NOW + 10, &dir));
	/* nobody saw it: back at once */
	ct_abort(t, 0, x);
	CU_ASSERT_EQUAL(t->slice[0].n_free, 1024 - 8);
	CU_ASSERT_EQUAL(s->live, 8);
	CU_ASSERT_EQUAL(s->limbo, 0);
	/* the second key finds no slot: the first is taken out again; nothing left to kill */
	flow(600, &k0, &k1);
	x = conn_add(t, 0, &k0, &k[17], NOW + 11, 0, CT_TO_UDP, &rc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(rc, -ENOSPC);
	CU_ASSERT_EQUAL(s->bucket_full, 2);
	CU_ASSERT_EQUAL(s->early_drops, 1);
	CU_ASSERT_EQUAL(slots_of(t, idx_of(t, x)), 0);
	CU_ASSERT_PTR_NULL(find(t, &k0, NOW + 11, &dir));
	/* key[0] was visible a moment: the entry waits for a grace period */
	ct_abort(t, 0, x);
	CU_ASSERT_EQUAL(t->slice[0].n_free, 1024 - 9);
	CU_ASSERT_EQUAL(s->live, 8);
	CU_ASSERT_EQUAL(s->limbo, 1);
	for (unsigned i = 0; i < 8; i++)
		if (i != 3) {
			CU_ASSERT_PTR_EQUAL(find(t, &k[2 * i + 1], NOW + 11, &dir), c[i]);
			CU_ASSERT_EQUAL(dir, CT_DIR_REPLY);
		}
	/* the killed one swept, a grace period: its two slots take a new connection */
	ct_sweep(t, 0, NOW + 12, 1024, NULL, NULL);
	CU_ASSERT_EQUAL(s->live, 7);
	rte_rcu_qsbr_quiescent(v, 0);
	ct_sweep(t, 0, NOW + 12, 1024, NULL, NULL);
	CU_ASSERT_EQUAL(s->limbo, 0);
	CU_ASSERT_EQUAL(s->reclaimed, 2);
	CU_ASSERT_EQUAL(t->slice[0].n_free, 1024 - 7);
	x = conn_add(t, 0, &k[16], &k[17], NOW + 13, 0, CT_TO_UDP, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_EQUAL(find(t, &k[17], NOW + 13, &dir), x);
	CU_ASSERT_EQUAL(s->created, 9);
	ct_table_free(t);
	qsbr_done(v);
}

static void
test_abort(void)
{
	struct rte_rcu_qsbr *v = qsbr_online();
	struct ct_table *t = ct_table_create(1024, 1, v, long_to, SOCKET_ID_ANY);
	struct ct_conn *c, *d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	c = ct_alloc(t, 0, 1234, NOW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(ct_worker_stats(t, 0)->live, 1);
	CU_ASSERT_PTR_EQUAL(ct_entry(t, idx_of(t, c), NOW + 1), c); /* live (show may see it half made) */
	ct_abort(t, 0, c);
	CU_ASSERT_EQUAL(c->flags & CT_CONN_LIVE, 0);
	CU_ASSERT_EQUAL(ct_worker_stats(t, 0)->live, 0);
	CU_ASSERT_EQUAL(ct_worker_stats(t, 0)->created, 0);
	CU_ASSERT_EQUAL(t->slice[0].n_free, 1024);
	d = ct_alloc(t, 0, 1234, NOW);
	CU_ASSERT_PTR_EQUAL(d, c);
	ct_abort(t, 0, d);
	ct_table_free(t);
	qsbr_done(v);
}

/* Sizes: what create allocates, within the config's per-connection estimate; bad arguments. */
static void
test_bytes(void)
{
	static const uint32_t maxes[] = {1024, 1025, 65536, 1000000, 1u << 20, (1u << 20) + 1, 16777216};
	struct rte_malloc_socket_stats a, b;
	struct ct_table *t;

	/* the config's estimate per connection holds, but for the table's head (per worker: counters and lists) */
	for (unsigned i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++)
		for (unsigned w = 1; w <= HP_MAX_WORKERS; w += w < 4 ? 1 : HP_MAX_WORKERS - 4) {
			uint64_t head = sizeof(struct ct_table) + w * sizeof(struct ct_slice);

			CU_ASSERT(ct_table_bytes(maxes[i], w) <=
				  (uint64_t)maxes[i] * HP_CT_CONN_BYTES + head);
			CU_ASSERT(ct_table_bytes(maxes[i], w) > (uint64_t)maxes[i] * (HP_CT_CONN_BYTES - 40));
		}
	/* the head is small beside the smallest table */
	CU_ASSERT(sizeof(struct ct_table) + 2 * sizeof(struct ct_slice) < 2048);
	printf("\n  bytes at 1,000,000 connections: %llu (1 worker), %llu (2 workers): %.1f a connection ",
	       (unsigned long long)ct_table_bytes(1000000, 1), (unsigned long long)ct_table_bytes(1000000, 2),
	       ct_table_bytes(1000000, 1) / 1e6);
	/* create allocates that much */
	rte_malloc_get_socket_stats(0, &a);
	t = ct_table_create(100000, 2, NULL, long_to, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	rte_malloc_get_socket_stats(0, &b);
	CU_ASSERT(b.heap_allocsz_bytes - a.heap_allocsz_bytes >= ct_table_bytes(100000, 2));
	CU_ASSERT(b.heap_allocsz_bytes - a.heap_allocsz_bytes <= ct_table_bytes(100000, 2) + 4096);
	ct_table_free(t);
	/* refused */
	errno = 0;
	CU_ASSERT_PTR_NULL(ct_table_create(0, 1, NULL, long_to, 0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NULL(ct_table_create(1024, 0, NULL, long_to, 0));
	CU_ASSERT_PTR_NULL(ct_table_create(3, 4, NULL, long_to, 0));
	CU_ASSERT_PTR_NULL(ct_table_create(1024, 257, NULL, long_to, 0));
	CU_ASSERT_EQUAL(ct_table_bytes(0, 1), 0);
	/* the last worker takes the remainder */
	t = ct_table_create(1027, 2, NULL, long_to, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->slice[0].n, 513);
	CU_ASSERT_EQUAL(t->slice[1].n, 514);
	CU_ASSERT_EQUAL(t->slice[1].base, 513);
	ct_table_free(t);
}

/* ---- threads ---- */

#define ST_WORKERS 3
#define ST_FLOWS 1024 /* flow ids per worker (the table: 700 entries a worker) */
#define ST_OPS 400000
#define ST_QUIESCE 32 /* a worker reports a quiescent state every so many operations */
#define ST_HELD 64

struct st_worker {
	struct ct_table *t;
	struct rte_rcu_qsbr *v;
	unsigned w;
	uint64_t rng;
	struct ct_conn *mine[ST_FLOWS]; /* flow id -> the connection this worker made, NULL */
	volatile bool *go;
	uint64_t wrong, reused, own_missing, hits_other, created, refused, released, cross_kills, drain_loops;
	bool drained;
};

static uint64_t
st_rnd(struct st_worker *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545f4914f6cdd1dull;
}

/* Worker w's flow id: UDP 10.<w>.<id/256>.<id%256>:<2000+id> -> 198.51.100.9:<53+w>, SNAT'd reply key. */
static void
st_keys(unsigned w, unsigned id, struct ct_key *k0, struct ct_key *k1)
{
	uint32_t src = 0x0a000000 | w << 16 | id;

	key4(k0, 17, src, (uint16_t)(2000 + id), 0xc6336409, (uint16_t)(53 + w));
	key4(k1, 17, 0xc6336409, (uint16_t)(53 + w), 0xcb007100 | w, (uint16_t)(1024 + id));
}

static void
st_release(void *arg, const struct ct_conn *c)
{
	struct st_worker *s = arg;

	unsigned id = (unsigned)(c->key[0].src[2] << 8 | c->key[0].src[3]);

	s->released++;
	if (c->owner != s->w || c->key[0].src[1] != s->w || id >= ST_FLOWS)
		s->wrong++;
	else if (s->mine[id] == c) /* killed by another worker or an early drop */
		s->mine[id] = NULL;
}

/* Looks k up; a hit must be an entry whose key of that direction is k. */
static struct ct_conn *
st_find(struct st_worker *s, const struct ct_key *k, unsigned *dir)
{
	struct ct_conn *c = find(s->t, k, rte_rdtsc(), dir);

	if (c != NULL && memcmp(&c->key[*dir], k, sizeof(*k)) != 0)
		s->wrong++;
	return c;
}

static void *
st_main(void *arg)
{
	struct st_worker *s = arg;
	/* entries found since the last quiescent state: they must not change identity until it */
	struct ct_conn *held[ST_HELD];
	struct ct_key hk[ST_HELD];
	unsigned hd[ST_HELD], n_held = 0;

	rte_rcu_qsbr_thread_register(s->v, s->w);
	rte_rcu_qsbr_thread_online(s->v, s->w);
	while (!*s->go)
		sched_yield();
	for (unsigned op = 0; op < ST_OPS; op++) {
		unsigned id = (unsigned)(st_rnd(s) % ST_FLOWS), dir;
		unsigned r = (unsigned)(st_rnd(s) % 8);
		struct ct_key k0, k1;
		struct ct_conn *c;

		st_keys(s->w, id, &k0, &k1);
		if (r < 3) {
			/* a new flow of mine (unless it is there) */
			if (s->mine[id] == NULL) {
				int rc;

				c = conn_add(s->t, s->w, &k0, &k1, rte_rdtsc(),
					     id % 4 == 0 ? CT_CONN_ASSURED : 0, CT_TO_UDP, &rc);
				if (rc == 0) {
					s->mine[id] = c;
					s->created++;
				} else {
					if (c != NULL)
						ct_abort(s->t, s->w, c);
					s->refused++;
				}
			}
		} else if (r < 5) {
			/* mine: there under both keys unless killed (by another worker, or an early drop);
			 * ASSURED ones (id % 4 == 0) are never evicted and others kill odd ids only */
			struct ct_conn *m = s->mine[id];

			c = st_find(s, (r & 1) ? &k1 : &k0, &dir);
			if (m != NULL && c != m &&
			    !(__atomic_load_n(&m->flags, __ATOMIC_ACQUIRE) & CT_CONN_DEAD))
				s->own_missing++;
			if (m != NULL && id % 4 == 0 && (m->flags & CT_CONN_DEAD))
				s->wrong++;
			if (s->mine[id] == NULL && c != NULL)
				s->wrong++;
			if (c != NULL && n_held < ST_HELD) {
				held[n_held] = c, hk[n_held] = (r & 1) ? k1 : k0, hd[n_held++] = dir;
			}
		} else if (r == 5) {
			/* kill one of mine */
			if (s->mine[id] != NULL) {
				ct_kill(s->t, s->w, s->mine[id]);
				s->mine[id] = NULL;
			}
		} else {
			/* another worker's flows: whatever is found must be what was asked for */
			for (unsigned j = 0; j < 4; j++) {
				unsigned o = (s->w + 1 + (unsigned)(st_rnd(s) % (ST_WORKERS - 1))) %
					     ST_WORKERS;
				unsigned oid = (unsigned)(st_rnd(s) % ST_FLOWS);

				st_keys(o, oid, &k0, &k1);
				c = st_find(s, (j & 1) ? &k1 : &k0, &dir);
				if (c == NULL)
					continue;
				s->hits_other++;
				if (c->owner != o)
					s->wrong++;
				if (oid % 2 == 1 && st_rnd(s) % 16 == 0) {
					ct_kill(s->t, s->w, c);
					s->cross_kills++;
				}
				if (n_held < ST_HELD)
					held[n_held] = c, hk[n_held] = (j & 1) ? k1 : k0, hd[n_held++] = dir;
			}
		}
		ct_sweep(s->t, s->w, rte_rdtsc(), 32, st_release, s);
		if (op % ST_QUIESCE != 0)
			continue;
		/* what was found since the last report has not changed identity (no reuse before this) */
		for (unsigned j = 0; j < n_held; j++)
			if (memcmp(&held[j]->key[hd[j]], &hk[j], sizeof(hk[j])) != 0)
				s->reused++;
		n_held = 0;
		rte_rcu_qsbr_quiescent(s->v, s->w);
		if (op % (8 * ST_QUIESCE) == 0)
			sched_yield(); /* two cores shared by more threads: let the others report */
	}
	/* drain: kill what is mine, sweep until every entry is back (the others keep reporting) */
	for (unsigned id = 0; id < ST_FLOWS; id++)
		if (s->mine[id] != NULL)
			ct_kill(s->t, s->w, s->mine[id]);
	for (s->drain_loops = 0; s->drain_loops < 10000000; s->drain_loops++) {
		const struct ct_slice *sl = &s->t->slice[s->w];

		ct_sweep(s->t, s->w, rte_rdtsc(), 1024, st_release, s);
		rte_rcu_qsbr_quiescent(s->v, s->w);
		if (sl->st.live == 0 && sl->st.limbo == 0 && sl->n_free == sl->n) {
			s->drained = true;
			break;
		}
		sched_yield();
	}
	rte_rcu_qsbr_thread_offline(s->v, s->w);
	rte_rcu_qsbr_thread_unregister(s->v, s->w);
	return NULL;
}

static void
test_threads(void)
{
	struct rte_rcu_qsbr *v = qsbr_new();
	struct ct_table *t = ct_table_create(700 * ST_WORKERS, ST_WORKERS, v, long_to, SOCKET_ID_ANY);
	static struct st_worker s[ST_WORKERS];
	volatile bool go = false;
	pthread_t th[ST_WORKERS];
	pthread_attr_t attr;
	cpu_set_t cpus;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	/* EAL pinned this thread to lcore 0: the workers may run on any CPU */
	CPU_ZERO(&cpus);
	for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN) && c < CPU_SETSIZE; c++)
		CPU_SET(c, &cpus);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	for (unsigned w = 0; w < ST_WORKERS; w++) {
		memset(&s[w], 0, sizeof(s[w]));
		s[w].t = t;
		s[w].v = v;
		s[w].w = w;
		s[w].rng = 0x9e3779b97f4a7c15ull * (w + 1);
		s[w].go = &go;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[w], &attr, st_main, &s[w]), 0);
	}
	pthread_attr_destroy(&attr);
	go = true;
	for (unsigned w = 0; w < ST_WORKERS; w++)
		pthread_join(th[w], NULL);
	for (unsigned w = 0; w < ST_WORKERS; w++) {
		const struct ct_worker_stats *st = ct_worker_stats(t, w);

		printf("\n  worker %u: created %" PRIu64 ", refused %" PRIu64 " (table_full %" PRIu64
		       ", bucket_full %" PRIu64 ", early drops %" PRIu64 "), killed %" PRIu64 " (%" PRIu64
		       " of others'), reclaimed %" PRIu64 ", hits on others' %" PRIu64 ", wrong %" PRIu64
		       ", reused under a reader %" PRIu64 ", own missing %" PRIu64 " ",
		       w, s[w].created, s[w].refused, st->table_full, st->bucket_full, st->early_drops,
		       st->killed, s[w].cross_kills, st->reclaimed, s[w].hits_other, s[w].wrong, s[w].reused,
		       s[w].own_missing);
		CU_ASSERT_EQUAL(s[w].wrong, 0);
		CU_ASSERT_EQUAL(s[w].reused, 0);
		CU_ASSERT_EQUAL(s[w].own_missing, 0);
		CU_ASSERT(s[w].drained);
		CU_ASSERT(s[w].created > 1000);
		CU_ASSERT(s[w].hits_other > 0);
		CU_ASSERT_EQUAL(st->created, s[w].created);
		CU_ASSERT_EQUAL(s[w].released, s[w].created); /* every connection released once */
		CU_ASSERT_EQUAL(st->live, 0);
		CU_ASSERT_EQUAL(st->limbo, 0);
		CU_ASSERT_EQUAL(t->slice[w].n_free, t->slice[w].n);
		CU_ASSERT(st->reclaimed >= s[w].created);
	}
	CU_ASSERT_EQUAL(slots_used(t), 0);
	CU_ASSERT_EQUAL(ct_table_count(t), 0);
	ct_table_free(t);
	rte_free(v);
}

/*
 * Contention: 3 threads insert and kill connections whose first keys all fall in the same two
 * buckets, so they race for the same empty slots; a slot claimed twice would lose a key (the
 * owner then misses its own live connection). ASSURED: no early drop takes them.
 */
#define HOT_KEYS 4 /* per thread: 12 of the pair's 16 slots */
#define HOT_OPS 200000

struct hot_worker {
	struct ct_table *t;
	struct rte_rcu_qsbr *v;
	unsigned w;
	const struct ct_key *keys; /* HOT_KEYS colliding first keys */
	volatile bool *go;
	uint64_t inserted, refused, lost;
	bool drained;
};

static void *
hot_main(void *arg)
{
	struct hot_worker *s = arg;
	struct ct_conn *c[HOT_KEYS] = {NULL};

	rte_rcu_qsbr_thread_register(s->v, s->w);
	rte_rcu_qsbr_thread_online(s->v, s->w);
	while (!*s->go)
		sched_yield();
	for (unsigned op = 0; op < HOT_OPS; op++) {
		unsigned i = op % HOT_KEYS, dir;

		if (c[i] == NULL) {
			struct ct_key k1;
			struct ct_conn *x;
			int rc;

			/* the reply key: anywhere */
			key4(&k1, 17, 0xcb000000 | s->w << 8 | i, 53, 0xc6330000 | (op & 0xffff), 1);
			x = conn_add(s->t, s->w, &s->keys[i], &k1, rte_rdtsc(), CT_CONN_ASSURED, CT_TO_UDP,
				     &rc);
			if (rc == 0) {
				c[i] = x;
				s->inserted++;
			} else {
				if (x != NULL)
					ct_abort(s->t, s->w, x);
				s->refused++;
			}
		} else {
			if (find(s->t, &s->keys[i], rte_rdtsc(), &dir) != c[i] || dir != CT_DIR_ORIG)
				s->lost++;
			ct_kill(s->t, s->w, c[i]);
			c[i] = NULL;
		}
		ct_sweep(s->t, s->w, rte_rdtsc(), 64, NULL, NULL);
		rte_rcu_qsbr_quiescent(s->v, s->w);
		if (op % 1024 == 0)
			sched_yield();
	}
	for (unsigned i = 0; i < HOT_KEYS; i++)
		if (c[i] != NULL)
			ct_kill(s->t, s->w, c[i]);
	for (unsigned n = 0; n < 10000000 && !s->drained; n++) {
		const struct ct_slice *sl = &s->t->slice[s->w];

		ct_sweep(s->t, s->w, rte_rdtsc(), 1024, NULL, NULL);
		rte_rcu_qsbr_quiescent(s->v, s->w);
		s->drained = sl->st.live == 0 && sl->st.limbo == 0 && sl->n_free == sl->n;
		sched_yield();
	}
	rte_rcu_qsbr_thread_offline(s->v, s->w);
	rte_rcu_qsbr_thread_unregister(s->v, s->w);
	return NULL;
}

static void
test_contention(void)
{
	struct rte_rcu_qsbr *v = qsbr_new();
	struct ct_table *t = ct_table_create(1026, ST_WORKERS, v, long_to, SOCKET_ID_ANY);
	static struct ct_key keys[ST_WORKERS * HOT_KEYS];
	static struct hot_worker s[ST_WORKERS];
	volatile bool go = false;
	pthread_t th[ST_WORKERS];
	pthread_attr_t attr;
	cpu_set_t cpus;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL_FATAL(colliding_keys(t, keys, ST_WORKERS * HOT_KEYS), ST_WORKERS * HOT_KEYS);
	CPU_ZERO(&cpus);
	for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN) && c < CPU_SETSIZE; c++)
		CPU_SET(c, &cpus);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	for (unsigned w = 0; w < ST_WORKERS; w++) {
		memset(&s[w], 0, sizeof(s[w]));
		s[w].t = t;
		s[w].v = v;
		s[w].w = w;
		s[w].keys = &keys[w * HOT_KEYS];
		s[w].go = &go;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[w], &attr, hot_main, &s[w]), 0);
	}
	pthread_attr_destroy(&attr);
	go = true;
	for (unsigned w = 0; w < ST_WORKERS; w++)
		pthread_join(th[w], NULL);
	for (unsigned w = 0; w < ST_WORKERS; w++) {
		const struct ct_worker_stats *st = ct_worker_stats(t, w);

		printf("\n  worker %u: inserted %" PRIu64 ", refused %" PRIu64 " (bucket_full %" PRIu64
		       ", early drops %" PRIu64 "), lost %" PRIu64 " ",
		       w, s[w].inserted, s[w].refused, st->bucket_full, st->early_drops, s[w].lost);
		CU_ASSERT_EQUAL(s[w].lost, 0);
		CU_ASSERT(s[w].inserted > 1000);
		CU_ASSERT_EQUAL(st->early_drops, 0);
		CU_ASSERT(s[w].drained);
	}
	CU_ASSERT_EQUAL(slots_used(t), 0);
	ct_table_free(t);
	rte_free(v);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"the key's hash is rte_hash_crc's over the 40 bytes", test_key_hash},
		{"insert, lookup under both keys with the direction, misses, show", test_insert_lookup},
		{"kill, sweep, grace period, reuse", test_kill_reclaim},
		{"expiry, touch, timeouts changed live, release", test_expiry},
		{"flush: a new generation", test_flush},
		{"a slice full: early drop of an embryonic entry only", test_table_full},
		{"both buckets full: refused, rollback of the first key", test_bucket_full},
		{"a SYN flood: established flows stay, embryonic ones recycle", test_syn_flood},
		{"abort", test_abort},
		{"memory: ct_table_bytes, create's arguments", test_bytes},
		{"3 threads: alloc, insert, lookup, kill, sweep on a shared table", test_threads},
		{"3 threads racing for the slots of one bucket pair", test_contention},
	};
	int rc;

	if (hp_test_eal_init("ct_table") < 0)
		return 77;
	rc = HP_CUNIT_RUN("ct_table", tests);
	rte_eal_cleanup();
	return rc;
}
