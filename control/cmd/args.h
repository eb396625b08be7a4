/* What every command handler shares: the error it fills, argument checks, addresses as JSON. */
#ifndef CTL_CMD_ARGS_H
#define CTL_CMD_ARGS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <rte_common.h>
#include <rte_ether.h>

#include "runtime.h"

/* A handler's failure: an errno-style code and a message naming what was wrong. */
struct cmd_err {
	const char *code;
	char msg[256];
};

static inline int __rte_format_printf(3, 4) fail(struct cmd_err *e, const char *code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- argument helpers: every argument is checked for type and range ---- */

static inline int
no_args(json_t *args, struct cmd_err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v)
		return fail(e, "EINVAL", "unknown argument \"%s\" (this command takes none)", key);
	return 0;
}

/* Only the keys in allowed (NULL-terminated) may appear. */
static inline int
known_args(json_t *args, const char *const *allowed, struct cmd_err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v) {
		unsigned i;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return fail(e, "EINVAL", "unknown argument \"%s\"", key);
	}
	return 0;
}

/* args[key] as a string: required, or optional (*out = NULL when absent). */
static inline int
arg_str(json_t *args, const char *key, bool required, const char **out, struct cmd_err *e)
{
	json_t *v = json_object_get(args, key);

	*out = NULL;
	if (v == NULL)
		return required ? fail(e, "EINVAL", "missing argument \"%s\"", key) : 0;
	if (!json_is_string(v))
		return fail(e, "EINVAL", "argument \"%s\" must be a string", key);
	*out = json_string_value(v);
	return 0;
}


/* ---- what several objects check ---- */

static inline int
need_fib(struct dp_runtime *rt, struct cmd_err *e)
{
	if (rt->tables == NULL)
		return fail(e, "ENOTSUP", "no l3 port: there is no routing table");
	return 0;
}

static inline int
parse_prefix_arg(json_t *args, struct hp_prefix *p, struct cmd_err *e)
{
	const char *s;

	if (arg_str(args, "prefix", true, &s, e) < 0)
		return -1;
	if (hp_parse_prefix(s, 0, p) < 0)
		return fail(e, "EINVAL", "bad prefix \"%.64s\": expected ADDRESS/LENGTH, e.g. 198.18.0.0/15",
			    s);
	return 0;
}

#endif
