/* The control thread's services: the control socket, metrics and telemetry, each watching its fds in the loop. */
#ifndef CTL_SERVICES_H
#define CTL_SERVICES_H

#include "runtime.h"

/*
 * Started by ctl_run() once its loop exists and stopped when it returns.
 * 0 or -errno.
 */
int ctl_services_start(struct dp_runtime *rt);
void ctl_services_stop(struct dp_runtime *rt);

#endif
