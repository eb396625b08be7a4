/* The control thread on the main lcore: sleeps on epoll, serves the slow path and neighbours until a signal. */
#ifndef CTL_CONTROL_H
#define CTL_CONTROL_H

#include "runtime.h"

#define CTL_TICK_MS 1               /* punt ring drained this often (the thread sleeps between) */
#define CTL_PUNT_BUDGET 4096        /* punted packets served a tick at most */
#define CTL_NEIGH_HOLD 16           /* packets held per unresolved neighbour */
#define CTL_NEIGH_RETRY_MS 1000     /* between ARP/NS retries */
#define CTL_NEIGH_PROBES 3          /* unanswered solicitations before held packets are dropped */
#define CTL_NEIGH_REACHABLE_MS 300000 /* a learned MAC is re-resolved after this */
#define CTL_ICMP_RATE 1000          /* generated ICMP per second ... */
#define CTL_ICMP_BURST 256          /* ... with this burst (token bucket) */

/*
 * Serve until SIGINT or SIGTERM (blocked in every thread; read here through
 * signalfd). Workers must be running. Returns 0, or -errno if the event loop
 * could not be set up.
 */
int ctl_run(struct dp_runtime *rt);

/*
 * The control thread's services (control socket, metrics, telemetry),
 * started by ctl_run() once its loop exists and stopped when it returns
 * (control/services.c). 0 or -errno.
 */
int ctl_services_start(struct dp_runtime *rt);
void ctl_services_stop(struct dp_runtime *rt);

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
	const char *state; /* none, incomplete, reachable, static */
	unsigned held;     /* packets waiting for it */
};

int ctl_neigh_add(unsigned port, const struct hp_addr *ip, const uint8_t mac[6]);
int ctl_neigh_del(unsigned port, const struct hp_addr *ip);
void ctl_neigh_foreach(void (*fn)(void *arg, const struct ctl_neigh_info *ni), void *arg);

/*
 * The tables now use fib (published, grace period over; cfg updated):
 * packets held or punted for the old one are dropped and the neighbour
 * states start afresh from cfg's static neighbours. Control thread.
 */
struct dp_fib;
void ctl_fib_replaced(struct dp_fib *fib);

/* After the workers stopped: free packets still in the punt and inject rings
 * and held for neighbours, so every mbuf is back in its pool. */
void ctl_drain(struct dp_runtime *rt);

#endif
