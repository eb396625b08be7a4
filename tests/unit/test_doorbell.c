/* Unit tests of the punt ring's doorbell (dataplane/doorbell.h) and the control loop's timers (control/loop.c). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include <rte_ring.h>

#include "../cunit_run.h"
#include "doorbell.h"
#include "loop.h"

#define ITEMS 200000u
#define LONG_WAIT_MS 20000 /* a lost wakeup: the consumer would sleep forever; this ends the test instead */

struct race {
	struct rte_ring *ring;
	struct dp_doorbell bell;
	uint64_t rung; /* eventfd writes */
};

/* Workers' side: enqueue, ring; now and then a pause so the consumer goes to sleep. */
static void *
producer(void *arg)
{
	struct race *r = arg;
	uintptr_t v = 1;

	for (unsigned i = 0; i < ITEMS; i++) {
		while (rte_ring_mp_enqueue(r->ring, (void *)v) != 0)
			;
		if (dp_doorbell_ring(&r->bell))
			r->rung++;
		if (i % 997 == 0)
			usleep(50);
	}
	return NULL;
}

/*
 * The control thread's side against a producer: it drains, arms, sleeps on the
 * eventfd; every item arrives and no sleep outlives the items it should have
 * been woken for (a lost wakeup would leave items in the ring while it sleeps).
 */
static void
test_no_lost_wakeup(void)
{
	struct race r = {.bell.fd = eventfd(0, EFD_NONBLOCK)};
	size_t sz = rte_ring_get_memsize(1024);
	unsigned got = 0, arms = 0, lost = 0;
	pthread_t t;

	r.ring = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	CU_ASSERT_FATAL(r.ring != NULL && r.bell.fd >= 0);
	CU_ASSERT_FATAL(rte_ring_init(r.ring, "bell", 1024, RING_F_SC_DEQ) == 0);
	CU_ASSERT_FATAL(pthread_create(&t, NULL, producer, &r) == 0);
	while (got < ITEMS) {
		void *objs[64];
		unsigned n = rte_ring_sc_dequeue_burst(r.ring, objs, 64, NULL);
		struct pollfd p = {.fd = r.bell.fd, .events = POLLIN};
		uint64_t v;

		got += n;
		if (n > 0 || got == ITEMS)
			continue;
		arms++;
		if (!dp_doorbell_arm(&r.bell, r.ring))
			continue;
		if (poll(&p, 1, LONG_WAIT_MS) == 0) {
			lost++; /* slept with items pending and nobody rang */
			break;
		}
		(void)!read(r.bell.fd, &v, sizeof(v));
	}
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(lost, 0);
	CU_ASSERT_EQUAL(got, ITEMS);
	/* one ring per arming at most (never one per item while the consumer is awake; how
	 * often it sleeps is the scheduler's, so no bound on the count itself) */
	CU_ASSERT(r.rung <= arms);
	close(r.bell.fd);
	free(r.ring);
}

/* Armed with packets already in the ring: not armed, the caller serves them; an empty ring arms it. */
static void
test_arm_sees_pending(void)
{
	struct dp_doorbell b = {.fd = -1};
	size_t sz = rte_ring_get_memsize(16);
	struct rte_ring *ring = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	void *obj = (void *)1, *out;

	CU_ASSERT_FATAL(ring != NULL && rte_ring_init(ring, "arm", 16, RING_F_SC_DEQ) == 0);
	CU_ASSERT_TRUE(dp_doorbell_arm(&b, ring));
	CU_ASSERT_EQUAL(b.armed, 1);
	CU_ASSERT_EQUAL(rte_ring_mp_enqueue(ring, obj), 0);
	CU_ASSERT_FALSE(dp_doorbell_ring(&b)); /* taken (fd -1: nothing written) */
	CU_ASSERT_EQUAL(b.armed, 0);
	CU_ASSERT_FALSE(dp_doorbell_arm(&b, ring)); /* pending: stays awake */
	CU_ASSERT_EQUAL(b.armed, 0);
	CU_ASSERT_FALSE(dp_doorbell_ring(&b)); /* not armed: no write */
	CU_ASSERT_EQUAL(rte_ring_sc_dequeue(ring, &out), 0);
	CU_ASSERT_TRUE(dp_doorbell_arm(&b, ring));
	free(ring);
}

static unsigned fired[3];

static void
fire0(struct ctl_timer *t)
{
	(void)t;
	fired[0]++;
}

static void
fire_again(struct ctl_timer *t)
{
	fired[1]++;
	ctl_timer_arm(t, ctl_now_ms()); /* due at once: the next turn, not this one */
}

/* Loop timers: the loop sleeps until the earliest, fires what is due once, re-armed ones wait a turn. */
static void
test_loop_timers(void)
{
	struct ctl_timer a = {.fire = fire0}, b = {.fire = fire_again};
	uint64_t t0;

	CU_ASSERT_FATAL(ctl_loop_open() == 0);
	t0 = ctl_now_ms();
	ctl_timer_arm(&a, t0 + 30);
	ctl_timer_arm(&b, t0 + 10);
	ctl_timer_sooner(&a, t0 + 50); /* later: does not move it */
	CU_ASSERT_EQUAL(a.due_ms, t0 + 30);
	while (fired[1] == 0)
		CU_ASSERT_FATAL(ctl_loop_wait() == 0); /* no fd at all: only the timers end each wait */
	CU_ASSERT_TRUE(ctl_now_ms() >= t0 + 10);
	CU_ASSERT_EQUAL(fired[1], 1); /* re-armed due now, not fired again in the same turn */
	CU_ASSERT_TRUE(b.armed);
	CU_ASSERT_FATAL(ctl_loop_wait() == 0);
	CU_ASSERT_EQUAL(fired[1], 2);
	ctl_timer_cancel(&b);
	while (fired[0] == 0)
		CU_ASSERT_FATAL(ctl_loop_wait() == 0);
	CU_ASSERT_TRUE(ctl_now_ms() >= t0 + 30);
	CU_ASSERT_FALSE(a.armed);
	CU_ASSERT_EQUAL(fired[1], 2); /* cancelled: never again */
	CU_ASSERT(ctl_loop_stats()->timers_fired == 3);
	/* nothing armed and nothing watched would sleep forever: not called */
	ctl_loop_close();
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"no lost wakeup", test_no_lost_wakeup},
		{"arm sees pending", test_arm_sees_pending},
		{"loop timers", test_loop_timers},
	};

	return hp_cunit_run("doorbell", tests, sizeof(tests) / sizeof(tests[0]));
}
