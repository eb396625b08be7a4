/* DPDK telemetry commands under /hotpath/ (dpdk-telemetry.py), answered from the control thread's report. */
#ifndef CTL_TELEMETRY_H
#define CTL_TELEMETRY_H

#include "runtime.h"

#define CTL_TELEMETRY_WAIT_MS 2000 /* a command gives up on the control thread after this */
#define CTL_TELEMETRY_ACL_PAGE 64  /* ACL rules per /hotpath/acl answer (16 KiB replies) */

/*
 * Register the /hotpath/... commands of HP_TELEMETRY (commands.h: stats,
 * ports, workers, latency, acl, xdp, conntrack) with DPDK telemetry (once per process:
 * DPDK cannot unregister a command) and start answering them.
 *
 * The commands run in DPDK's telemetry threads but never read the runtime
 * there: the ACL counters live in tables the control thread replaces and
 * frees, and workers are freed at exit. A command wakes the control thread
 * (an eventfd in its loop), which builds dp_report_json() and hands it over;
 * the command formats it and returns. After ctl_telemetry_stop() commands
 * answer null at once. 0 or -errno. Control thread.
 */
int ctl_telemetry_start(struct dp_runtime *rt);
void ctl_telemetry_stop(struct dp_runtime *rt);

#endif
