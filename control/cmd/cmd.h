/* Control requests: one JSON line in, one JSON reply line out (the protocol of DESIGN.md). */
#ifndef CTL_CMD_H
#define CTL_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

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

/*
 * A reply whose result is an array too long to build in one go (route.show
 * of a million routes): its items come a slice at a time. next() appends at
 * most max items to a and returns 1 while more remain, 0 when done, -1 on
 * ENOMEM; free() releases the stream. A handler starts one with
 * cmd_reply_stream() (handlers.h).
 */
struct ctl_stream {
	int (*next)(struct ctl_stream *s, json_t *a, unsigned max);
	void (*free)(struct ctl_stream *s);
};

/*
 * As ctl_cmd_line(), but a streamed result is left to the caller: then
 * *stream is set and the reply returned is its head, `{"id":N,"ok":true,
 * "result":[`, to be followed by the items (ctl_cmd_stream_next) and "]}".
 * The socket writes such a reply over several loop turns.
 */
char *ctl_cmd_line_stream(struct dp_runtime *rt, const char *line, size_t len, struct ctl_stream **stream);

/*
 * The next items of a stream as JSON text, comma separated (first: no comma
 * before the first one), into a malloc'd string; *done when it was the
 * last slice (the stream is then freed). NULL on ENOMEM (the stream is freed).
 */
char *ctl_cmd_stream_next(struct ctl_stream *s, unsigned max, bool first, bool *done);
#define CTL_STREAM_TAIL "]}"

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
