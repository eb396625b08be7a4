/* The control thread's services, started once its epoll loop exists: each registers its fds with ctl_watch(). */
#include "hostif.h"
#include "lbhealth.h"
#include "linux.h"
#include "metrics.h"
#include "services.h"
#include "sock.h"
#include "telemetry.h"

int
ctl_services_start(struct dp_runtime *rt)
{
	int rc;

	if ((rc = ctl_sock_start(rt)) < 0)
		return rc;
	if ((rc = ctl_metrics_start(rt)) < 0)
		return rc;
	if ((rc = ctl_telemetry_start(rt)) < 0)
		return rc;
	if ((rc = ctl_hostif_start(rt)) < 0)
		return rc;
	if ((rc = ctl_linux_start(rt)) < 0)
		return rc;
	if ((rc = ctl_lbhealth_start(rt)) < 0)
		return rc;
	return 0;
}

void
ctl_services_stop(struct dp_runtime *rt)
{
	ctl_lbhealth_stop(rt);
	ctl_linux_stop(rt);
	ctl_hostif_stop(rt);
	ctl_telemetry_stop(rt);
	ctl_metrics_stop(rt);
	ctl_sock_stop(rt);
}
