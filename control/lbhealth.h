/*
 * The load balancer's health checker (config lb[].health, docs/lb.md "Health checks"): from
 * hotpathd's own network namespace, with ordinary non-blocking kernel sockets on the control
 * thread's loop, a TCP connect or an HTTP GET to every backend of every VIP that has a check,
 * each interval_ms; rise successes in a row make a backend's health up, fall failures down, and
 * each change publishes a new table set (one per loop turn, whatever the number of changes).
 */
#ifndef CTL_LBHEALTH_H
#define CTL_LBHEALTH_H

#include <jansson.h>

#include "runtime.h"

#define CTL_LBH_TICK_MIN_MS 5 /* probes due within this of each other start on one timer fire */
#define CTL_LBH_RETRY_MS 1000 /* a table set that could not be built (ENOMEM) is tried again after */

/* Start checking what rt->cfg asks for (from ctl_services_start). 0 or -errno. */
int ctl_lbhealth_start(struct dp_runtime *rt);
/* Close every probe in flight and forget every backend. */
void ctl_lbhealth_stop(struct dp_runtime *rt);

/*
 * After anything that may have published a table set (a control request): when rt->publishes
 * moved, follow rt->cfg: backends (by VIP and address) that left a checked VIP are forgotten, new
 * ones are probed from their next staggered slot, and a VIP that lost its check gets its backends'
 * health back to unknown. Cheap when nothing was published. Control thread.
 */
void ctl_lbhealth_sync(struct dp_runtime *rt);

/*
 * lb.stats' JSON (dp_lb_json's): each backend the checker follows gets "check": {"probes",
 * "failures", "transitions", "last", "latency_ms"}. Control thread.
 */
void ctl_lbhealth_json_merge(json_t *lb);

#endif
