/* hpctl's command line -> one control-socket request. Pure: no sockets, no output. */
#ifndef CTL_HPCTL_ARGS_H
#define CTL_HPCTL_ARGS_H

#include <stdbool.h>

#include <jansson.h>

#define HPCTL_WATCH_MAX 86400 /* seconds */

/* What hpctl was asked to do; filled by hpctl_parse(), released by hpctl_req_free(). */
struct hpctl_req {
	const char *sock;   /* -s PATH, or NULL: the caller picks $HOTPATH_SOCK or the default */
	bool json;          /* -j: print result as compact JSON */
	unsigned watch;     /* --watch N: repeat every N seconds; 0 = once */
	bool help;          /* print hpctl_usage(object) on stdout and exit 0; nothing to send */
	bool yaml;          /* the result is {"yaml": TEXT}: print TEXT as is (config dump) */
	const char *object; /* "route", ... or NULL; for usage text after an error or for help */
	const char *cmd;    /* "route.add", ... (static string) */
	json_t *args;       /* owned: the request's "args" object */
	char *load;         /* route load FILE: the file (absolute, owned); cmd is route.add */
	char err[256];      /* what is wrong, when hpctl_parse() fails */
};

/*
 * Parse the words after the program name (argv[0..argc) is "[-s SOCK] [-j]
 * [--watch N] OBJECT [VERB] [ARGS...]"). On success returns 0 with r->cmd and
 * r->args set, or r->help set. On a usage error returns -EINVAL with r->err
 * naming the offending word (r->object set when the object was recognised);
 * the caller exits 2. Either way r must be released with hpctl_req_free().
 * "config apply FILE" resolves FILE with realpath(3): the only file system access.
 */
int hpctl_parse(struct hpctl_req *r, int argc, char *const argv[]);

/* The request line's object {"id":id,"cmd":...,"args":...}; new reference, NULL on ENOMEM. */
json_t *hpctl_request(const struct hpctl_req *r, json_int_t id);

/* Usage text of one object ("route"), or of everything when object is NULL or unknown. */
const char *hpctl_usage(const char *object);

void hpctl_req_free(struct hpctl_req *r);

/*
 * One line of a `route load` file, in `route add`'s words ("PREFIX via ADDR [ADDR...]" or
 * "PREFIX drop"; blank lines and # comments are nothing). 1 with *route a new
 * {"prefix":..} object, 0 for nothing, -EINVAL with err. line is modified.
 */
int hpctl_route_line(char *line, json_t **route, char *err, size_t errlen);

#endif
