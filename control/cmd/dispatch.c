/* The control protocol: one JSON request line in, its reply out; dispatch over the command registry. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "handlers.h"
#include "lbhealth.h"

/* The registry's rows, in its order: the order `help` lists them. */
static const struct cmd {
	const char *name;
	cmd_fn fn;
	const char *args;
	const char *help;
} cmds[] = {
#define CMD_ROW(id, n, f, a, h) {n, cmd_##id, a, h},
	HP_COMMANDS(CMD_ROW)
#undef CMD_ROW
};

int
cmd_help(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *a;

	(void)rt;
	if (no_args(args, e) < 0)
		return -1;
	a = json_array();
	for (unsigned i = 0; i < RTE_DIM(cmds); i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "cmd", cmds[i].name, "args",
						   cmds[i].args, "help", cmds[i].help));
	*result = a;
	return 0;
}

static char *
dump(json_t *reply)
{
	char *s = reply ? json_dumps(reply, JSON_COMPACT) : NULL;

	json_decref(reply);
	return s ? s
		 : strdup("{\"id\":null,\"ok\":false,\"error\":{\"code\":\"ENOMEM\",\"message\":\"out of memory\"}}");
}

static char *
error_reply(json_t *id, const char *code, const char *msg)
{
	return dump(json_pack("{s:O, s:b, s:{s:s, s:s}}", "id", id ? id : json_null(), "ok", 0, "error",
			      "code", code, "message", msg));
}

char *
ctl_cmd_error_line(const char *code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_reply(NULL, code, msg);
}

/* The stream the current request's handler started (one control thread, one request at a time). */
static struct ctl_stream *started;

int
cmd_reply_stream(json_t **result, struct ctl_stream *s)
{
	started = s;
	*result = json_array();
	return 0;
}

char *
ctl_cmd_stream_next(struct ctl_stream *s, unsigned max, bool first, bool *done)
{
	json_t *a = json_array();
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	*done = true;
	rc = a != NULL ? s->next(s, a, max) : -1;
	f = rc >= 0 ? open_memstream(&text, &len) : NULL;
	if (f != NULL) {
		for (size_t i = 0; i < json_array_size(a); i++) {
			if (!first || i > 0)
				fputc(',', f);
			if (json_dumpf(json_array_get(a, i), f, JSON_COMPACT) < 0)
				rc = -1;
		}
		if (fclose(f) != 0)
			rc = -1;
	}
	json_decref(a);
	if (rc < 0 || f == NULL) {
		free(text);
		s->free(s);
		return NULL;
	}
	if (rc == 0)
		s->free(s);
	else
		*done = false;
	return text;
}

char *
ctl_cmd_line(struct dp_runtime *rt, const char *line, size_t len)
{
	struct ctl_stream *s;
	char *head = ctl_cmd_line_stream(rt, line, len, &s);
	bool done = s == NULL, first = true;
	size_t n = strlen(head);

	/* the whole result at once: for callers other than the socket (tests, fuzzing) */
	while (!done) {
		char *part = ctl_cmd_stream_next(s, 4096, first, &done);
		size_t k = part ? strlen(part) : 0;
		char *p = part ? realloc(head, n + k + sizeof(CTL_STREAM_TAIL)) : NULL;

		if (p == NULL) {
			if (part != NULL && !done)
				s->free(s);
			free(part);
			free(head);
			return ctl_cmd_error_line("ENOMEM", "out of memory");
		}
		head = p;
		memcpy(head + n, part, k);
		n += k;
		head[n] = '\0';
		free(part);
		first = false;
	}
	if (s != NULL)
		memcpy(head + n, CTL_STREAM_TAIL, sizeof(CTL_STREAM_TAIL));
	return head;
}

char *
ctl_cmd_line_stream(struct dp_runtime *rt, const char *line, size_t len, struct ctl_stream **stream)
{
	json_error_t jerr;
	json_t *req, *id, *args, *result = NULL;
	const char *name;
	struct cmd_err e = {0};
	char *reply;

	*stream = NULL;
	started = NULL;
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL)
		return ctl_cmd_error_line("EINVAL", "bad JSON at column %d: %s", jerr.column, jerr.text);
	if (!json_is_object(req)) {
		json_decref(req);
		return ctl_cmd_error_line("EINVAL", "the request must be a JSON object");
	}
	/* echo an integer or string id; anything else is refused with id null */
	id = json_object_get(req, "id");
	if (id != NULL && !json_is_integer(id) && !json_is_string(id) && !json_is_null(id)) {
		json_decref(req);
		return ctl_cmd_error_line("EINVAL", "\"id\" must be an integer or a string");
	}
	id = id ? json_incref(id) : json_null();
	name = json_string_value(json_object_get(req, "cmd"));
	args = json_object_get(req, "args");
	if (name == NULL) {
		reply = error_reply(id, "EINVAL", "missing \"cmd\" (a string)");
	} else if (args != NULL && !json_is_object(args)) {
		reply = error_reply(id, "EINVAL", "\"args\" must be an object");
	} else {
		const struct cmd *c = NULL;
		json_t *empty = json_object();

		for (unsigned i = 0; i < RTE_DIM(cmds); i++)
			if (strcmp(cmds[i].name, name) == 0)
				c = &cmds[i];
		if (c == NULL) {
			snprintf(e.msg, sizeof(e.msg), "unknown command \"%.64s\" (see \"help\")", name);
			reply = error_reply(id, "ENOENT", e.msg);
		} else if (c->fn(rt, args ? args : empty, &result, &e) < 0) {
			reply = error_reply(id, e.code, e.msg);
		} else {
			reply = dump(json_pack("{s:O, s:b, s:o}", "id", id, "ok", 1, "result",
					       result ? result : json_object()));
			if (started != NULL) {
				/* {"id":N,"ok":true,"result":[]} less its "]}": the items follow */
				size_t n = strlen(reply);

				if (n >= 2 && strcmp(reply + n - 2, CTL_STREAM_TAIL) == 0) {
					reply[n - 2] = '\0';
					*stream = started;
				} else {
					started->free(started); /* ENOMEM's reply */
				}
				started = NULL;
			}
		}
		json_decref(empty);
		ctl_lbhealth_sync(rt); /* a request that published a table set may have changed the VIPs */
	}
	json_decref(id);
	json_decref(req);
	return reply;
}
