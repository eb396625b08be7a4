/* Prometheus text exposition on control.metrics (GET /metrics), served by the control thread. */
#ifndef CTL_METRICS_H
#define CTL_METRICS_H

#include <stdio.h>

#include "runtime.h"

#define CTL_METRICS_CONN_TIMEOUT_S 10 /* an idle HTTP connection is closed after this */
#define CTL_METRICS_CONN_MAX 32       /* HTTP connections served at once */
#define CTL_METRICS_PER_IP_MAX 8      /* of them from one client address */
#define CTL_METRICS_CACHE_MS 100      /* a page is rendered at most this often; scrapes between share it */

/*
 * Listen on rt->cfg->metrics ("host:port"; empty: disabled) and serve
 * /metrics from the control thread's epoll loop (libmicrohttpd in external
 * epoll mode), at most CTL_METRICS_PER_IP_MAX connections from one address
 * and CTL_METRICS_CONN_MAX in all, each closed after CTL_METRICS_CONN_TIMEOUT_S
 * idle; the page is rendered at most once per CTL_METRICS_CACHE_MS. Metrics are not worth stopping the data plane for: a
 * listener that cannot be set up is logged and left out, and 0 is
 * returned; -errno only when the loop itself refuses the fds. Control thread.
 */
int ctl_metrics_start(struct dp_runtime *rt);
void ctl_metrics_stop(struct dp_runtime *rt);

/*
 * Write every counter of rt in the Prometheus text format (version 0.0.4)
 * to f. 0, or -ENOMEM. Control thread (it reads the tables it owns).
 */
int ctl_metrics_write(FILE *f, const struct dp_runtime *rt);

#endif
