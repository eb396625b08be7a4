/* The punt ring's doorbell: a worker wakes the sleeping control thread once, not per packet (an eventfd). */
#ifndef DP_DOORBELL_H
#define DP_DOORBELL_H

#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_ring.h>

/*
 * The control thread sleeps in epoll_wait with no timer while the punt ring
 * is empty. Before it sleeps it arms the bell (armed = 1) and looks at the
 * ring once more; a worker that enqueued punts looks at the bell, and the
 * one that takes it (armed 1 -> 0) writes the eventfd: one write(2) per
 * sleep of the control thread, whatever the number of packets or workers.
 * Both sides store, then fence, then load the other's word (Dekker): either
 * the control thread sees the packets or a worker sees the bell armed, so no
 * punt waits for a wakeup that never comes.
 */
struct dp_doorbell {
	uint32_t armed; /* 1: the control thread may be asleep: whoever takes it, writes fd */
	int fd;         /* eventfd the control thread polls; -1: no control thread (tests) */
} __rte_cache_aligned;

/* Worker, after enqueueing to the ring the bell guards: true when it woke the control thread. */
static inline bool
dp_doorbell_ring(struct dp_doorbell *b)
{
	uint64_t one = 1;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&b->armed, __ATOMIC_RELAXED) ||
	    !__atomic_exchange_n(&b->armed, 0, __ATOMIC_ACQ_REL))
		return false;
	return b->fd >= 0 && write(b->fd, &one, sizeof(one)) == (ssize_t)sizeof(one);
}

/*
 * Control thread, before it sleeps: arm the bell unless ring has packets.
 * False: it has (and the bell is not armed by us): serve them without
 * sleeping. A worker may take the bell between the two steps: then the
 * eventfd is readable and the next epoll_wait returns at once.
 */
static inline bool
dp_doorbell_arm(struct dp_doorbell *b, const struct rte_ring *ring)
{
	__atomic_store_n(&b->armed, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rte_ring_empty(ring))
		return true;
	__atomic_exchange_n(&b->armed, 0, __ATOMIC_ACQ_REL);
	return false;
}

#endif
