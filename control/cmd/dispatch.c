/* The control protocol: one JSON request line in, its reply out; dispatch over the command registry. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "handlers.h"

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

char *
ctl_cmd_line(struct dp_runtime *rt, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req, *id, *args, *result = NULL;
	const char *name;
	struct cmd_err e = {0};
	char *reply;

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
		}
		json_decref(empty);
	}
	json_decref(id);
	json_decref(req);
	return reply;
}
