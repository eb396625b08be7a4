/* The load balancer health checker's pure parts: rise/fall hysteresis and the HTTP status line (no socket, no DPDK). */
#ifndef CTL_LBHYST_H
#define CTL_LBHYST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb.h"

/*
 * One backend's verdict and its runs of equal results. Starts zeroed: health
 * DP_LB_HEALTH_UNKNOWN, which the first `rise` successes or `fall` failures
 * in a row turn into up or down.
 */
struct ctl_lbh_hyst {
	uint8_t state; /* enum dp_lb_health */
	uint8_t ok;    /* consecutive successes (saturates at 255) */
	uint8_t bad;   /* consecutive failures (saturates at 255) */
};

/*
 * Count one probe's result (rise, fall: 1..255). A success clears the run of
 * failures, a failure the run of successes; `rise` successes in a row make a
 * backend that is not up up, `fall` failures in a row make one that is not
 * down down. True when the state changed.
 */
bool ctl_lbh_count(struct ctl_lbh_hyst *h, bool ok, unsigned rise, unsigned fall);

/*
 * The start of an HTTP response, buf[0..len-1] as read so far: 1 when its
 * status line says 2xx or 3xx, 0 when it says anything else or is no HTTP
 * status line, -1 when more bytes are needed to tell. *code: the status, when
 * one was read (else 0).
 */
int ctl_lbh_http_status(const char *buf, size_t len, unsigned *code);

#endif
