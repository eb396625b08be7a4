/* Control requests: one JSON line in, one JSON reply line out (the protocol of DESIGN.md). */
#ifndef CTL_CMD_H
#define CTL_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include <rte_common.h>

#include "runtime.h"

/*
 * Handle one request line (without its newline): {"id":N,"cmd":"...","args":{...}}.
 * Returns the reply, {"id":N,"ok":true,"result":...} or {"id":N,"ok":false,
 * "error":{"code":"EINVAL","message":"..."}}, as a malloc'd string without a
 * newline (never NULL: on ENOMEM a static-text reply is duplicated). A
 * refused request changes nothing. Control thread.
 */
char *ctl_cmd_line(struct dp_runtime *rt, const char *line, size_t len);

/* route.add's "routes": at most this many in one request (they fit a 64 KiB line). */
#define CTL_ROUTES_MAX 1024

/*
 * Pipelined requests read together form a batch: between ctl_cmd_batch(rt, true)
 * and ctl_cmd_batch(rt, false) route changes share one grace period, taken by the
 * end call; the caller sends the batch's replies only after it.
 */
void ctl_cmd_batch(struct dp_runtime *rt, bool begin);

/* An error reply with id null, for the socket's own refusals. */
char *ctl_cmd_error_line(const char *code, const char *fmt, ...) __rte_format_printf(2, 3);

#endif
