/* The control thread on the main lcore: sleeps on epoll, serves the slow path and neighbours until a signal. */
#ifndef CTL_CONTROL_H
#define CTL_CONTROL_H

#include "runtime.h"
#include "tables.h"
#include "worker_state.h"

#define CTL_PUNT_BUDGET 4096 /* punted packets served a loop turn at most */
#define CTL_ICMP_RATE 1000   /* generated ICMP per second ... */
#define CTL_ICMP_BURST 256   /* ... with this burst (token bucket) */

/*
 * Serve until SIGINT or SIGTERM (blocked in every thread; read here through
 * signalfd). Workers must be running. Returns 0, or -errno if the event loop
 * could not be set up.
 */
int ctl_run(struct dp_runtime *rt);

/* After the workers stopped: free packets still in the punt and inject rings
 * and held for neighbours, so every mbuf is back in its pool. */
void ctl_drain(struct dp_runtime *rt);

#endif
