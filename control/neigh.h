/* The neighbour table: next hops' MACs, resolution by ARP/ND, and the packets held until they answer. */
#ifndef CTL_NEIGH_H
#define CTL_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime.h"
#include "tables.h"
#include "worker_state.h"

#define CTL_NEIGH_TICK_MS 100 /* NUD timers run this often while an entry is resolving, probing or failing */
#define CTL_NEIGH_TICK_IDLE_MS 1000 /* ... and this often otherwise (reachable -> stale, gauges) */
#define CTL_NEIGH_DYN_MAX \
	(DP_MAX_NH /      \
	 2) /* entries the slow path creates, all ports: the rest is for gateways and static ones */

struct rte_mbuf;
struct dp_fib;

/*
 * The neighbour table (control thread). ctl_neigh_add makes (port, ip) a
 * static neighbour with mac and sends what was held for it; ctl_neigh_del
 * forgets its MAC (the next packet for it resolves again). 0, -ENOENT,
 * -ENOSPC, -ENOTSUP (no l3 port). ctl_neigh_foreach calls fn for every
 * next hop.
 */
struct ctl_neigh_info {
	const struct hp_addr *ip;
	unsigned port;
	uint8_t mac[6];
	bool resolved;
	const char *state; /* none, incomplete, reachable, stale, delay, probe, failed, static (nud.h) */
	unsigned held;     /* packets waiting for it */
};

int ctl_neigh_add(unsigned port, const struct hp_addr *ip, const uint8_t mac[6]);
int ctl_neigh_del(unsigned port, const struct hp_addr *ip);
void ctl_neigh_foreach(void (*fn)(void *arg, const struct ctl_neigh_info *ni), void *arg);

/*
 * config.apply. ctl_fib_carry, before next is published: every neighbour
 * moves to next (its MAC, NUD state and held packets; one next lacks is
 * created unpinned there), the static ones being those of nc; from now on the
 * table works on next. ctl_fib_replaced, after the grace period: packets
 * punted for the old FIB (their next-hop indices name it) are dropped.
 * Control thread.
 */
void ctl_fib_carry(struct dp_fib *next, const struct hp_config *nc);
void ctl_fib_replaced(struct dp_fib *fib);

/*
 * For the control thread's loop. ctl_neigh_setup: an empty table for
 * rt->tables' FIB (none: no l3 port, the calls below do nothing) with cfg's
 * neighbours static; 0 or -ENOMEM. ctl_neigh_resolve takes a packet punted
 * for resolution: it leaves now if its next hop has a MAC, else it is held
 * (or dropped when the hold queue is full) and the neighbour solicited.
 * ctl_neigh_learn: a neighbour showed its MAC (the slow path's learn, flags
 * CTL_LEARN_*): an entry that exists is updated (nud_learn), none is made.
 * The NUD timers (nud_tick: solicit, probe, fail, free) run on a loop timer
 * (ctl_timer) armed by ctl_neigh_setup: every CTL_NEIGH_TICK_MS while an
 * entry is incomplete, delayed, probing, failed or waiting for its grace
 * period, every CTL_NEIGH_TICK_IDLE_MS otherwise (an idle router wakes once a
 * second for them); a packet held for resolution brings the next one in.
 * ctl_neigh_free: after the workers stopped, free the held packets and the
 * table (and stop the timer).
 */
int ctl_neigh_setup(struct dp_runtime *rt);
void ctl_neigh_resolve(struct rte_mbuf *m);
void ctl_neigh_learn(unsigned port, const struct hp_addr *ip, const uint8_t mac[6], unsigned flags);
void ctl_neigh_free(void);

#endif
