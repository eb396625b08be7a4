/*
 * The kernel route mirror: routes of one kernel table (config linux:) copied
 * into the route store under origin linux (control/rib.h), from a full dump at
 * start and after an overrun, then from every RTM_NEWROUTE/RTM_DELROUTE. Runs
 * on the control thread's loop; the parsing is rtnl.c's.
 */
#ifndef CTL_LINUX_H
#define CTL_LINUX_H

#include <stdint.h>

#include <jansson.h>

#include "rtnl.h"
#include "runtime.h"

/* What linux.show and /metrics report. */
struct ctl_linux_stats {
	uint64_t skipped[RTNL_N_CAUSES];        /* by cause (TAKEN: routes set or deleted) */
	uint64_t resyncs;                       /* full dumps (the first one included) */
	uint64_t overruns;                      /* ENOBUFS on the event socket */
	uint64_t socket_errors;                 /* sockets reopened after an error */
	uint64_t messages;                      /* route and link messages read (dumps included) */
	uint64_t last_change;                   /* unix time of the last route set or deleted, 0: none */
	uint64_t drops[RTNL_DROP_PROHIBIT + 1]; /* drop routes set, by kind (blackhole, ...) */
};

/* Start the mirror if the config has a linux: section (from ctl_services_start). 0 or -errno. */
int ctl_linux_start(struct dp_runtime *rt);
void ctl_linux_stop(struct dp_runtime *rt);

/*
 * rt->cfg->linux_rt changed (config.apply took the file's): the mirror starts,
 * stops (its routes flushed) or resyncs on a later loop turn, outside the
 * caller's batch.
 */
void ctl_linux_reconfigure(struct dp_runtime *rt);

const struct ctl_linux_stats *ctl_linux_stats(void);
/* "off", "dumping", "listening", "down" (sockets failed: retried every second). */
const char *ctl_linux_state(void);

/* linux.show's result: a new reference, NULL on ENOMEM. */
json_t *ctl_linux_json(struct dp_runtime *rt);

#endif
