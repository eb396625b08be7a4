/* hpctl's grammar (iproute2-like words) -> the control socket's {"cmd", "args"}; usage texts. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hpctl_args.h"
#include "hpctl_lb.h"

#define USE_OPTIONS                                                                                \
	"options (before OBJECT):\n"                                                               \
	"  -s SOCK      control socket (default: $HOTPATH_SOCK, else /run/hotpath/hotpath.sock)\n" \
	"  -j           print the result as one line of JSON\n"                                    \
	"  --watch N    repeat every N seconds until interrupted (commands that show)\n"

static const char usage_all[] =
	"usage: hpctl [-s SOCK] [-j] [--watch N] OBJECT [VERB] [ARGS...]\n"
	"       hpctl help | hpctl OBJECT help\n"
	"\n"
#define OBJ_USAGE(obj, extra, usage) usage
	HP_OBJECTS(OBJ_USAGE)
#undef OBJ_USAGE
		"\n" USE_OPTIONS;

/* The registry's names and flags, by HP_CMD_<id>. */
static const struct {
	const char *name;
	unsigned flags;
} commands[] = {
#define CMD_ROW(id, n, f, a, h) [HP_CMD_##id] = {n, f},
	HP_COMMANDS(CMD_ROW)
#undef CMD_ROW
};

/* The words after OBJECT, with any "--watch N" taken out. */
struct parse {
	struct hpctl_req *r;
	const char **w;
	int n, i;
	char ctx[32]; /* "route add": what error messages start with */
	bool reads;   /* the command changes nothing: --watch allowed */
};

static int __attribute__((format(printf, 2, 3))) fail(struct parse *p, const char *fmt, ...)
{
	size_t len = 0;
	va_list ap;

	if (p->ctx[0] != '\0')
		len = (size_t)snprintf(p->r->err, sizeof(p->r->err), "%s: ", p->ctx);
	va_start(ap, fmt);
	vsnprintf(p->r->err + len, sizeof(p->r->err) - len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *
next(struct parse *p)
{
	return p->i < p->n ? p->w[p->i++] : NULL;
}

static const char *
peek(struct parse *p)
{
	return p->i < p->n ? p->w[p->i] : NULL;
}

/* The next word, or NULL with "missing WHAT" in the error. */
static const char *
need(struct parse *p, const char *what)
{
	const char *s = next(p);

	if (s == NULL)
		fail(p, "missing %s", what);
	return s;
}

/* The value after keyword kw, or NULL with "KW: missing WHAT". */
static const char *
need_value(struct parse *p, const char *kw, const char *what)
{
	const char *s = next(p);

	if (s == NULL)
		fail(p, "%s: missing %s", kw, what);
	return s;
}

/* Fails unless every word was consumed. */
static int
done(struct parse *p)
{
	const char *s = peek(p);

	return s == NULL ? 0 : fail(p, "unexpected '%s'", s);
}

/* Decimal digits only (no sign, no blanks), at most max. */
static bool
parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *v <= max;
}

static int
put(struct parse *p, const char *key, json_t *v)
{
	/* json_object_set_new takes v even when it fails */
	if (v == NULL || json_object_set_new(p->r->args, key, v) < 0)
		return fail(p, "out of memory");
	return 0;
}

/* Strings from argv are checked here: jansson refuses invalid UTF-8. */
static int
put_str(struct parse *p, const char *key, const char *val)
{
	json_t *s = json_string(val);

	if (s == NULL)
		return fail(p, "%s: '%s' is not valid UTF-8", key, val);
	return put(p, key, s);
}

/* what: the word the user typed, for the message ("prio" sets "priority") */
static int
put_uint(struct parse *p, const char *key, const char *what, const char *val, unsigned long max)
{
	unsigned long v;

	if (!parse_uint(val, max, &v))
		return fail(p, "%s: '%s' is not a number from 0 to %lu", what, val, max);
	return put(p, key, json_integer((json_int_t)v));
}

/*
 * Sets the command; later error messages start with it ("route add: ...").
 * Only a command that changes nothing may be watched.
 */
static void
cmd(struct parse *p, enum hp_cmd_id id)
{
	char *dot;

	p->r->cmd = commands[id].name;
	p->reads = (commands[id].flags & HP_CMD_RO) != 0;
	snprintf(p->ctx, sizeof(p->ctx), "%s", p->r->cmd);
	while ((dot = strchr(p->ctx, '.')) != NULL)
		*dot = ' ';
}

static bool
is(const char *s, const char *word)
{
	return s != NULL && strcmp(s, word) == 0;
}

static bool
one_of(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* ---- one parser per object; p is positioned after the verb ---- */

static int
parse_status(struct parse *p, const char *verb)
{
	if (verb != NULL)
		return fail(p, "unexpected '%s'", verb);
	cmd(p, HP_CMD_status);
	return 0;
}

static int
parse_stats(struct parse *p, const char *verb)
{
	if (verb != NULL)
		return fail(p, "unexpected '%s'", verb);
	cmd(p, HP_CMD_stats);
	return 0;
}

static int
parse_latency(struct parse *p, const char *verb)
{
	if (verb == NULL || is(verb, "show"))
		cmd(p, HP_CMD_latency_show);
	else if (is(verb, "reset") || is(verb, "--reset")) /* DESIGN.md spells it --reset */
		cmd(p, HP_CMD_latency_reset);
	else
		return fail(p, "unknown verb '%s' (show, reset)", verb);
	return done(p);
}

/* runtime [show | clear], runtime on [every N], runtime off: runtime.show/.clear/.on/.off. */
static int
parse_runtime(struct parse *p, const char *verb)
{
	const char *kw;
	unsigned long n;

	if (verb == NULL || is(verb, "show")) {
		cmd(p, HP_CMD_runtime_show);
	} else if (is(verb, "clear")) {
		cmd(p, HP_CMD_runtime_clear);
	} else if (is(verb, "off")) {
		cmd(p, HP_CMD_runtime_off);
	} else if (is(verb, "on")) {
		cmd(p, HP_CMD_runtime_on);
		if ((kw = next(p)) != NULL) {
			const char *v;

			if (!is(kw, "every"))
				return fail(p, "unexpected '%s' (every N)", kw);
			if ((v = need(p, "N")) == NULL)
				return -EINVAL;
			if (!parse_uint(v, 1000000, &n) || n == 0)
				return fail(p, "every: '%s' is not a number from 1 to 1000000", v);
			if (put(p, "sample_every", json_integer((json_int_t)n)) < 0)
				return -EINVAL;
		}
	} else {
		return fail(p, "unknown verb '%s' (show, clear, on, off)", verb);
	}
	return done(p);
}

static int
parse_port(struct parse *p, const char *verb)
{
	const char *name;

	if (verb == NULL || is(verb, "show")) {
		cmd(p, HP_CMD_port_show);
	} else if (is(verb, "stats")) {
		cmd(p, HP_CMD_port_stats);
		name = next(p);
		if (name != NULL && put_str(p, "name", name) < 0)
			return -EINVAL;
	} else {
		return fail(p, "unknown verb '%s' (show, stats)", verb);
	}
	return done(p);
}

static int
parse_worker(struct parse *p, const char *verb)
{
	if (verb != NULL && !is(verb, "show"))
		return fail(p, "unknown verb '%s' (show)", verb);
	cmd(p, HP_CMD_worker_show);
	return done(p);
}

static int
route_add(struct parse *p)
{
	const char *pfx, *s;
	json_t *via;

	if ((pfx = need(p, "PREFIX")) == NULL || put_str(p, "prefix", pfx) < 0)
		return -EINVAL;
	s = next(p);
	if (is(s, "drop"))
		return put_str(p, "action", "drop") < 0 ? -EINVAL : done(p);
	if (!is(s, "via"))
		return s == NULL ? fail(p, "missing 'via ADDR' or 'drop'")
				 : fail(p, "unknown keyword '%s' (via, drop)", s);
	if ((via = json_array()) == NULL || put(p, "via", via) < 0)
		return -EINVAL;
	/* "via A B" and "via A via B" both mean two next hops */
	while ((s = next(p)) != NULL) {
		json_t *a;

		if (is(s, "via"))
			continue;
		if (is(s, "drop"))
			return fail(p, "'via' and 'drop' exclude each other");
		if ((a = json_string(s)) == NULL)
			return fail(p, "via: '%s' is not valid UTF-8", s);
		if (json_array_append_new(via, a) < 0)
			return fail(p, "out of memory");
	}
	if (json_array_size(via) == 0)
		return fail(p, "via: missing ADDR");
	return 0;
}

static int
parse_route(struct parse *p, const char *verb)
{
	const char *s;

	if (verb == NULL || is(verb, "show")) {
		static const char *const origins[] = {"config", "cli", "linux", NULL};

		cmd(p, HP_CMD_route_show);
		/* [origin ORIGIN] [4 | 6], in either order, each at most once */
		while ((s = next(p)) != NULL) {
			if (is(s, "origin")) {
				if ((s = need(p, "ORIGIN")) == NULL)
					return -EINVAL;
				if (!one_of(s, origins))
					return fail(p, "origin must be config, cli or linux, not '%s'", s);
				if (json_object_get(p->r->args, "origin") != NULL)
					return fail(p, "unexpected 'origin'");
				if (put_str(p, "origin", s) < 0)
					return -EINVAL;
			} else if (is(s, "4") || is(s, "6")) {
				if (json_object_get(p->r->args, "family") != NULL)
					return fail(p, "unexpected '%s'", s);
				if (put(p, "family", json_integer(s[0] - '0')) < 0)
					return -EINVAL;
			} else {
				return fail(p, "family must be 4 or 6, not '%s' (or: origin ORIGIN)", s);
			}
		}
	} else if (is(verb, "add")) {
		cmd(p, HP_CMD_route_add);
		return route_add(p);
	} else if (is(verb, "del")) {
		cmd(p, HP_CMD_route_del);
		if ((s = need(p, "PREFIX")) == NULL || put_str(p, "prefix", s) < 0)
			return -EINVAL;
	} else if (is(verb, "load")) {
		cmd(p, HP_CMD_route_add);
		snprintf(p->ctx, sizeof(p->ctx), "route load");
		if ((s = need(p, "FILE")) == NULL)
			return -EINVAL;
		if ((p->r->load = realpath(s, NULL)) == NULL)
			return fail(p, "%s: %s", s, strerror(errno));
	} else {
		return fail(p, "unknown verb '%s' (add, del, load, show)", verb);
	}
	return done(p);
}

int
hpctl_route_line(char *line, json_t **route, char *err, size_t errlen)
{
	const char *words[2 + 1 + 2 * 16];
	struct hpctl_req tmp = {0};
	struct parse p = {.r = &tmp, .w = words};
	char *save = NULL, *w;
	int rc;

	*route = NULL;
	line[strcspn(line, "#")] = '\0';
	for (w = strtok_r(line, " \t\r\n", &save); w != NULL; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (p.n == (int)(sizeof(words) / sizeof(words[0]))) {
			snprintf(err, errlen, "too many words");
			return -EINVAL;
		}
		words[p.n++] = w;
	}
	if (p.n == 0)
		return 0;
	if ((tmp.args = json_object()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -EINVAL;
	}
	if ((rc = route_add(&p)) < 0) {
		snprintf(err, errlen, "%s", tmp.err);
		json_decref(tmp.args);
		return rc;
	}
	*route = tmp.args;
	return 1;
}

static int
neigh_add(struct parse *p)
{
	const char *ip, *mac = NULL, *port = NULL, *s;

	if ((ip = need(p, "IP")) == NULL)
		return -EINVAL;
	/* "IP MAC PORT", or iproute2's "IP lladdr MAC dev PORT" (either order) */
	while ((s = next(p)) != NULL) {
		const char **slot, *what;

		if (is(s, "lladdr") || is(s, "dev")) {
			slot = is(s, "lladdr") ? &mac : &port;
			what = is(s, "lladdr") ? "MAC" : "PORT";
			if (*slot != NULL)
				return fail(p, "%s given twice", what);
			if ((*slot = need_value(p, s, what)) == NULL)
				return -EINVAL;
		} else if (mac == NULL) {
			mac = s;
		} else if (port == NULL) {
			port = s;
		} else {
			return fail(p, "unexpected '%s'", s);
		}
	}
	if (mac == NULL)
		return fail(p, "missing MAC");
	if (port == NULL)
		return fail(p, "missing PORT");
	if (put_str(p, "ip", ip) < 0 || put_str(p, "mac", mac) < 0 || put_str(p, "port", port) < 0)
		return -EINVAL;
	return 0;
}

static int
parse_neigh(struct parse *p, const char *verb)
{
	const char *s;

	if (verb == NULL || is(verb, "show")) {
		cmd(p, HP_CMD_neigh_show);
	} else if (is(verb, "add")) {
		cmd(p, HP_CMD_neigh_add);
		return neigh_add(p);
	} else if (is(verb, "del")) {
		cmd(p, HP_CMD_neigh_del);
		if ((s = need(p, "IP")) == NULL || put_str(p, "ip", s) < 0)
			return -EINVAL;
		if ((s = next(p)) != NULL) {
			if (is(s, "dev") && (s = need_value(p, "dev", "PORT")) == NULL)
				return -EINVAL;
			if (put_str(p, "port", s) < 0)
				return -EINVAL;
		}
	} else {
		return fail(p, "unknown verb '%s' (add, del, show)", verb);
	}
	return done(p);
}

/* state S[,S...]: the names as a JSON list; the server checks them (acl.add's file parser). */
static int
put_state(struct parse *p, const char *v)
{
	json_t *a = json_array();
	const char *s = v;

	while (a != NULL) {
		size_t n = strcspn(s, ",");
		json_t *e = json_stringn(s, n);

		if (e == NULL || json_array_append_new(a, e) < 0) {
			json_decref(a);
			return fail(p, "state: '%s' is not valid UTF-8", v);
		}
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	if (a == NULL)
		return fail(p, "out of memory");
	return put(p, "state", a);
}

static int
acl_add(struct parse *p)
{
	static const char *const actions[] = {"permit", "deny", "count", NULL};
	static const char *const keys[] = {"src", "dst", "sport", "dport", "state", NULL};
	bool have_action = false;
	const char *kw, *v;

	while ((kw = next(p)) != NULL) {
		/* the JSON key a keyword sets: "priority" for prio, else itself */
		const char *key = is(kw, "prio") ? "priority" : kw;
		if (!is(key, "priority") && !is(key, "proto") && !is(key, "action") && !one_of(key, keys))
			return fail(
				p,
				"unknown keyword '%s' (prio, src, dst, proto, sport, dport, state, action)",
				kw);
		if (json_object_get(p->r->args, key) != NULL)
			return fail(p, "'%s' given twice", kw);
		if ((v = need_value(p, kw, is(key, "action") ? "ACTION" : "value")) == NULL)
			return -EINVAL;
		if (is(key, "priority")) {
			if (put_uint(p, key, kw, v, UINT32_MAX) < 0)
				return -EINVAL;
		} else if (is(key, "proto")) {
			/* a number is sent as one; names go to the server as they are */
			if (v[0] >= '0' && v[0] <= '9') {
				if (put_uint(p, key, kw, v, 255) < 0)
					return -EINVAL;
			} else if (put_str(p, key, v) < 0) {
				return -EINVAL;
			}
		} else if (is(key, "state")) {
			if (put_state(p, v) < 0)
				return -EINVAL;
		} else if (is(key, "action")) {
			char police[256];

			have_action = true;
			if (one_of(v, actions)) {
				if (put_str(p, key, v) < 0)
					return -EINVAL;
				continue;
			}
			if (!is(v, "police"))
				return fail(p, "unknown action '%s' (permit, deny, count, police NAME)", v);
			if ((v = need_value(p, "action police", "NAME")) == NULL)
				return -EINVAL;
			if (snprintf(police, sizeof(police), "police %s", v) >= (int)sizeof(police))
				return fail(p, "action police: NAME too long");
			if (put_str(p, key, police) < 0)
				return -EINVAL;
		} else if (put_str(p, key, v) < 0) {
			return -EINVAL;
		}
	}
	if (!have_action)
		return fail(p, "missing 'action A'");
	return 0;
}

static int
parse_acl(struct parse *p, const char *verb)
{
	const char *s;

	if (verb == NULL || is(verb, "show")) {
		cmd(p, HP_CMD_acl_show);
	} else if (is(verb, "add")) {
		cmd(p, HP_CMD_acl_add);
		return acl_add(p);
	} else if (is(verb, "del")) {
		cmd(p, HP_CMD_acl_del);
		if ((s = need(p, "INDEX")) == NULL || put_uint(p, "index", "INDEX", s, UINT32_MAX) < 0)
			return -EINVAL;
	} else {
		return fail(p, "unknown verb '%s' (add, del, show)", verb);
	}
	return done(p);
}

/* conntrack show's filter words: [proto P] [src A] [dst A] [port N] [state S] [limit N], each once. */
static int
conntrack_filter(struct parse *p)
{
	static const char *const keys[] = {"proto", "src", "dst", "port", "state", "limit", NULL};
	const char *kw, *v;

	while ((kw = next(p)) != NULL) {
		if (!one_of(kw, keys))
			return fail(p, "unknown keyword '%s' (proto, src, dst, port, state, limit)", kw);
		if (json_object_get(p->r->args, kw) != NULL)
			return fail(p, "'%s' given twice", kw);
		if ((v = need_value(p, kw, "value")) == NULL)
			return -EINVAL;
		if (is(kw, "port")) {
			if (put_uint(p, kw, kw, v, 65535) < 0)
				return -EINVAL;
		} else if (is(kw, "limit")) {
			unsigned long n;

			if (!parse_uint(v, 100000, &n) || n == 0)
				return fail(p, "limit: '%s' is not a number from 1 to 100000", v);
			if (put(p, kw, json_integer((json_int_t)n)) < 0)
				return -EINVAL;
		} else if (is(kw, "proto") && v[0] >= '0' && v[0] <= '9') {
			if (put_uint(p, kw, kw, v, 255) < 0)
				return -EINVAL;
		} else if (put_str(p, kw, v) < 0) {
			return -EINVAL;
		}
	}
	return 0;
}

static int
parse_conntrack(struct parse *p, const char *verb)
{
	if (verb == NULL || is(verb, "show") || is(verb, "list") || is(verb, "-L")) {
		cmd(p, HP_CMD_conntrack_show);
		return conntrack_filter(p);
	}
	if (is(verb, "proto") || is(verb, "src") || is(verb, "dst") || is(verb, "port") ||
	    is(verb, "state") || is(verb, "limit")) {
		p->i--; /* "hpctl conntrack proto tcp": show with a filter */
		cmd(p, HP_CMD_conntrack_show);
		return conntrack_filter(p);
	}
	if (is(verb, "stats"))
		cmd(p, HP_CMD_conntrack_stats);
	else if (is(verb, "flush"))
		cmd(p, HP_CMD_conntrack_flush);
	else
		return fail(p, "unknown verb '%s' (show, stats, flush)", verb);
	return done(p);
}

/* to ADDR[,ADDR...] of snat: a JSON list. */
static int
put_pool(struct parse *p, const char *v)
{
	json_t *a = json_array();
	const char *s = v;

	while (a != NULL) {
		size_t n = strcspn(s, ",");
		json_t *e;

		if (n == 0) {
			json_decref(a);
			return fail(p, "to: empty address in '%s'", v);
		}
		if ((e = json_stringn(s, n)) == NULL || json_array_append_new(a, e) < 0) {
			json_decref(a);
			return fail(p, "to: '%s' is not valid UTF-8", v);
		}
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	if (a == NULL)
		return fail(p, "out of memory");
	return put(p, "to", a);
}

/* A nat rule in the file's words: [type] snat out P src PREFIX to A[,A] [ports A-B] |
 * [type] dnat in P dst A proto tcp|udp dport N to A:PORT. */
static int
nat_rule(struct parse *p)
{
	static const char *const snat_keys[] = {"out", "src", "to", "ports", NULL};
	static const char *const dnat_keys[] = {"in", "dst", "proto", "dport", "to", NULL};
	const char *type = next(p), *kw, *v;
	const char *const *keys;
	bool snat;

	if (is(type, "type"))
		type = next(p);
	if (type == NULL)
		return fail(p, "missing snat or dnat");
	if (!is(type, "snat") && !is(type, "dnat"))
		return fail(p, "unknown type '%s' (snat, dnat)", type);
	snat = is(type, "snat");
	keys = snat ? snat_keys : dnat_keys;
	if (put_str(p, "type", type) < 0)
		return -EINVAL;
	while ((kw = next(p)) != NULL) {
		if (!one_of(kw, keys))
			return fail(p,
				    snat ? "unknown keyword '%s' (snat takes out, src, to, ports)"
					 : "unknown keyword '%s' (dnat takes in, dst, proto, dport, to)",
				    kw);
		if (json_object_get(p->r->args, kw) != NULL)
			return fail(p, "'%s' given twice", kw);
		if ((v = need_value(p, kw, "value")) == NULL)
			return -EINVAL;
		if (is(kw, "dport")) {
			unsigned long n;

			if (!parse_uint(v, 65535, &n) || n == 0)
				return fail(p, "dport: '%s' is not a port from 1 to 65535", v);
			if (put(p, kw, json_integer((json_int_t)n)) < 0)
				return -EINVAL;
		} else if (is(kw, "proto") && !is(v, "tcp") && !is(v, "udp")) {
			return fail(p, "proto: '%s' is neither tcp nor udp", v);
		} else if (snat && is(kw, "to")) {
			if (put_pool(p, v) < 0)
				return -EINVAL;
		} else if (put_str(p, kw, v) < 0) {
			return -EINVAL;
		}
	}
	for (const char *const *k = keys; *k != NULL; k++)
		if (!is(*k, "ports") && json_object_get(p->r->args, *k) == NULL)
			return fail(p, "missing '%s'", *k);
	return 0;
}

static int
parse_nat(struct parse *p, const char *verb)
{
	const char *s;

	if (verb == NULL || is(verb, "show")) {
		cmd(p, HP_CMD_nat_show);
	} else if (is(verb, "add")) {
		cmd(p, HP_CMD_nat_add);
		return nat_rule(p);
	} else if (is(verb, "del")) {
		cmd(p, HP_CMD_nat_del);
		if ((s = peek(p)) != NULL && s[0] >= '0' && s[0] <= '9') {
			next(p);
			if (put_uint(p, "index", "INDEX", s, UINT32_MAX) < 0)
				return -EINVAL;
		} else if (s == NULL) {
			return fail(p, "missing INDEX (or the rule: snat ... | dnat ...)");
		} else {
			return nat_rule(p);
		}
	} else {
		return fail(p, "unknown verb '%s' (add, del, show)", verb);
	}
	return done(p);
}

/* VIP[:PORT]/PROTO, the first word after lb vip's and lb backend's verb: "vip", "proto", ["port"]. */
static int
lb_vip(struct parse *p)
{
	const char *s = need(p, "VIP[:PORT]/PROTO");
	char err[200];

	if (s == NULL)
		return -EINVAL;
	if (cli_lb_vip(s, p->r->args, err, sizeof(err)) < 0)
		return fail(p, "%s", err);
	return 0;
}

/* lb vip add VIP [encap E] [gue_port N] [no_src_port] backends LIST: the config file's lb: entry. */
static int
lb_vip_add(struct parse *p)
{
	const char *kw, *v, *encap = NULL, *list = NULL;
	unsigned long gue = 0;
	bool no_src_port = false;
	json_t *backends;
	char err[200];

	if (lb_vip(p) < 0)
		return -EINVAL;
	while ((kw = next(p)) != NULL) {
		if (is(kw, "no_src_port")) {
			if (no_src_port)
				return fail(p, "'no_src_port' given twice");
			no_src_port = true;
			continue;
		}
		if (!is(kw, "encap") && !is(kw, "gue_port") && !is(kw, "backends"))
			return fail(p, "unknown keyword '%s' (encap, gue_port, no_src_port, backends)", kw);
		if ((is(kw, "encap") && encap != NULL) || (is(kw, "gue_port") && gue != 0) ||
		    (is(kw, "backends") && list != NULL))
			return fail(p, "'%s' given twice", kw);
		if ((v = need_value(p, kw,
				    is(kw, "encap")      ? "ipip or gue"
				    : is(kw, "gue_port") ? "N"
							 : "IP")) == NULL)
			return -EINVAL;
		if (is(kw, "encap")) {
			if (!is(v, "ipip") && !is(v, "gue"))
				return fail(p, "unknown encap '%s' (ipip, gue)", v);
			encap = v;
		} else if (is(kw, "gue_port")) {
			if (!cli_lb_number(v, 1, 65535, &gue))
				return fail(p, "gue_port: '%s' is not a port from 1 to 65535", v);
		} else {
			list = v; /* checked once the words are all read: nothing to free on the way */
		}
	}
	/* the port is GUE's UDP destination: with IPIP it would be ignored, so it is refused */
	if (gue != 0 && !is(encap, "gue"))
		return fail(p, "gue_port: only with encap gue");
	if (list == NULL)
		return fail(p, "missing 'backends IP[@WEIGHT][,IP[@WEIGHT]...]'");
	/* in the config file's order: vip, proto, port (lb_vip), encap, gue_port, flags, backends */
	if ((encap != NULL && put_str(p, "encap", encap) < 0) ||
	    (gue != 0 && put(p, "gue_port", json_integer((json_int_t)gue)) < 0) ||
	    (no_src_port && put(p, "flags", json_pack("[s]", "no_src_port")) < 0))
		return -EINVAL;
	if (cli_lb_backends(list, &backends, err, sizeof(err)) < 0)
		return fail(p, "%s", err);
	return put(p, "backends", backends);
}

/* lb backend {add | del | set} VIP IP [weight N] [state S] (add: weight; del: nothing; set: either). */
static int
lb_backend(struct parse *p, const char *verb)
{
	static const char *const states[] = {"up", "down", "drain", NULL};
	bool set = is(verb, "set");
	const char *ip, *kw, *v;
	unsigned long w;

	if (lb_vip(p) < 0 || (ip = need(p, "IP")) == NULL)
		return -EINVAL;
	if (!cli_lb_addr(ip))
		return fail(p, "IP: '%s' is not an IPv4 or IPv6 address", ip);
	if (put_str(p, "ip", ip) < 0)
		return -EINVAL;
	if (is(verb, "del"))
		return done(p);
	while ((kw = next(p)) != NULL) {
		if (!is(kw, "weight") && !(set && is(kw, "state")))
			return fail(p,
				    set ? "unknown keyword '%s' (weight, state)"
					: "unknown keyword '%s' (weight)",
				    kw);
		if (json_object_get(p->r->args, kw) != NULL)
			return fail(p, "'%s' given twice", kw);
		if ((v = need_value(p, kw, is(kw, "weight") ? "N" : "up, down or drain")) == NULL)
			return -EINVAL;
		if (is(kw, "state")) {
			if (!one_of(v, states))
				return fail(p, "unknown state '%s' (up, down, drain)", v);
			if (put_str(p, kw, v) < 0)
				return -EINVAL;
		} else if (!cli_lb_number(v, 0, CLI_LB_WEIGHT_MAX, &w)) {
			return fail(p, "weight: '%s' is not a number from 0 to %u", v, CLI_LB_WEIGHT_MAX);
		} else if (put(p, kw, json_integer((json_int_t)w)) < 0) {
			return -EINVAL;
		}
	}
	if (set && json_object_get(p->r->args, "weight") == NULL &&
	    json_object_get(p->r->args, "state") == NULL)
		return fail(p, "missing 'weight N' or 'state {up | down | drain}'");
	return 0;
}

static int
parse_lb(struct parse *p, const char *verb)
{
	const char *s;

	if (verb == NULL || is(verb, "show") || is(verb, "stats")) {
		cmd(p, is(verb, "stats") ? HP_CMD_lb_stats : HP_CMD_lb_show);
		return done(p);
	}
	if (!is(verb, "vip") && !is(verb, "backend"))
		return fail(p, "unknown verb '%s' (show, stats, vip, backend)", verb);
	s = next(p);
	if (is(verb, "vip")) {
		if (s == NULL)
			return fail(p, "vip: missing add or del");
		if (is(s, "add")) {
			cmd(p, HP_CMD_lb_vip_add);
			return lb_vip_add(p);
		}
		if (!is(s, "del"))
			return fail(p, "vip: unknown verb '%s' (add, del)", s);
		cmd(p, HP_CMD_lb_vip_del);
		return lb_vip(p) < 0 ? -EINVAL : done(p);
	}
	if (s == NULL)
		return fail(p, "backend: missing add, del or set");
	if (is(s, "add"))
		cmd(p, HP_CMD_lb_backend_add);
	else if (is(s, "del"))
		cmd(p, HP_CMD_lb_backend_del);
	else if (is(s, "set"))
		cmd(p, HP_CMD_lb_backend_set);
	else
		return fail(p, "backend: unknown verb '%s' (add, del, set)", s);
	return lb_backend(p, s);
}

static int
policer_add(struct parse *p)
{
	static const char *const keys[] = {"type", "cir", "cbs", "pir", "pbs", "ebs", NULL};
	static const char *const types[] = {"trtcm", "srtcm", NULL};
	const char *kw, *v;

	if ((v = need(p, "NAME")) == NULL || put_str(p, "name", v) < 0)
		return -EINVAL;
	while ((kw = next(p)) != NULL) {
		if (!one_of(kw, keys))
			return fail(p, "unknown keyword '%s' (type, cir, cbs, pir, pbs, ebs)", kw);
		if (json_object_get(p->r->args, kw) != NULL)
			return fail(p, "'%s' given twice", kw);
		if ((v = need_value(p, kw, is(kw, "type") ? "TYPE" : "value")) == NULL)
			return -EINVAL;
		if (is(kw, "type") && !one_of(v, types))
			return fail(p, "unknown type '%s' (trtcm, srtcm)", v);
		/* rates and sizes keep their k/M/G suffix: the server parses them */
		if (put_str(p, kw, v) < 0)
			return -EINVAL;
	}
	for (const char *const *k = keys; k < keys + 3; k++)
		if (json_object_get(p->r->args, *k) == NULL)
			return fail(p, "missing '%s'", *k);
	return 0;
}

static int
parse_policer(struct parse *p, const char *verb)
{
	const char *s;

	if (verb == NULL || is(verb, "show")) {
		cmd(p, HP_CMD_policer_show);
	} else if (is(verb, "add")) {
		cmd(p, HP_CMD_policer_add);
		return policer_add(p);
	} else if (is(verb, "del")) {
		cmd(p, HP_CMD_policer_del);
		if ((s = need(p, "NAME")) == NULL || put_str(p, "name", s) < 0)
			return -EINVAL;
	} else {
		return fail(p, "unknown verb '%s' (add, del, show)", verb);
	}
	return done(p);
}

static int
parse_config(struct parse *p, const char *verb)
{
	const char *file;
	char *abs;
	int rc;

	if (verb == NULL || is(verb, "dump") || is(verb, "show")) {
		cmd(p, HP_CMD_config_dump);
		p->r->yaml = true;
	} else if (is(verb, "apply")) {
		cmd(p, HP_CMD_config_apply);
		if ((file = need(p, "FILE")) == NULL)
			return -EINVAL;
		/* the daemon's working directory is not ours */
		if ((abs = realpath(file, NULL)) == NULL)
			return fail(p, "%s: %s", file, strerror(errno));
		rc = put_str(p, "file", abs);
		free(abs);
		if (rc < 0)
			return -EINVAL;
	} else {
		return fail(p, "unknown verb '%s' (apply, dump)", verb);
	}
	return done(p);
}

/* "[dev IFACE]" at the end of an xdp command. */
static int
xdp_dev(struct parse *p)
{
	const char *s = next(p);

	if (s == NULL)
		return 0;
	if (!is(s, "dev"))
		return fail(p, "unexpected '%s' (expected dev IFACE)", s);
	if ((s = need_value(p, "dev", "IFACE")) == NULL || put_str(p, "iface", s) < 0)
		return -EINVAL;
	return 0;
}

static int
parse_xdp(struct parse *p, const char *verb)
{
	const char *what, *s;

	if (verb == NULL || is(verb, "show")) {
		cmd(p, HP_CMD_xdp_show);
		return done(p);
	}
	if (!is(verb, "block") && !is(verb, "pass"))
		return fail(p, "unknown verb '%s' (show, block, pass)", verb);
	what = verb;
	s = next(p);
	if (is(what, "block") && (s == NULL || is(s, "show") || is(s, "dev"))) {
		cmd(p, HP_CMD_xdp_block_show);
		if (s != NULL && is(s, "dev"))
			p->i--;
		if (xdp_dev(p) < 0)
			return -EINVAL;
		return done(p);
	}
	if (s == NULL)
		return fail(p, "%s: missing add or del", what);
	if (!is(s, "add") && !is(s, "del"))
		return fail(p, "%s: unknown verb '%s' (add, del%s)", what, s,
			    is(what, "block") ? ", show" : "");
	if (is(what, "block"))
		cmd(p, is(s, "add") ? HP_CMD_xdp_block_add : HP_CMD_xdp_block_del);
	else
		cmd(p, is(s, "add") ? HP_CMD_xdp_pass_add : HP_CMD_xdp_pass_del);
	if ((s = need(p, is(what, "block") ? "PREFIX" : "CLASS")) == NULL ||
	    put_str(p, is(what, "block") ? "prefix" : "class", s) < 0 || xdp_dev(p) < 0)
		return -EINVAL;
	return done(p);
}

static int
parse_linux(struct parse *p, const char *verb)
{
	if (verb != NULL && !is(verb, "show"))
		return fail(p, "unknown verb '%s' (show)", verb);
	cmd(p, HP_CMD_linux_show);
	return done(p);
}

static int
parse_log(struct parse *p, const char *verb)
{
	static const char *const levels[] = {"debug", "info", "notice", "warning", "error", NULL};
	const char *s;

	if (verb == NULL)
		return fail(p, "missing VERB (level)");
	if (!is(verb, "level"))
		return fail(p, "unknown verb '%s' (level)", verb);
	cmd(p, HP_CMD_log_level);
	if ((s = need(p, "LEVEL")) == NULL)
		return -EINVAL;
	if (!one_of(s, levels))
		return fail(p, "unknown level '%s' (debug, info, notice, warning, error)", s);
	if (put_str(p, "level", s) < 0)
		return -EINVAL;
	return done(p);
}

/* hpctl's objects, from the registry: each parsed by parse_<object>() above. */
static const struct object {
	const char *name;
	const char *usage;
	int (*parse)(struct parse *p, const char *verb);
} objects[] = {
#define OBJ_ROW(obj, extra, usage) {#obj, "usage:\n" usage, parse_##obj},
	HP_OBJECTS(OBJ_ROW)
#undef OBJ_ROW
};

static const struct object *
find_object(const char *name)
{
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (strcmp(objects[i].name, name) == 0)
			return &objects[i];
	return NULL;
}

const char *
hpctl_usage(const char *object)
{
	const struct object *o = object != NULL ? find_object(object) : NULL;

	return o != NULL ? o->usage : usage_all;
}

static int
parse_watch(struct parse *p, const char *val)
{
	unsigned long v;

	if (val == NULL)
		return fail(p, "--watch: missing N");
	if (!parse_uint(val, HPCTL_WATCH_MAX, &v) || v == 0)
		return fail(p, "--watch: '%s' is not a number of seconds from 1 to %u", val, HPCTL_WATCH_MAX);
	p->r->watch = (unsigned)v;
	return 0;
}

/* Options before OBJECT; returns the index of OBJECT (argc if none) or -EINVAL. */
static int
parse_options(struct parse *p, int argc, char *const argv[])
{
	int i;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (is(o, "-j") || is(o, "--json")) {
			p->r->json = true;
		} else if (is(o, "-s")) {
			if (++i == argc || argv[i][0] == '\0')
				return fail(p, "-s: missing SOCK");
			p->r->sock = argv[i];
		} else if (is(o, "--watch")) {
			if (parse_watch(p, ++i < argc ? argv[i] : NULL) < 0)
				return -EINVAL;
		} else if (is(o, "-h") || is(o, "--help")) {
			p->r->help = true;
		} else {
			return fail(p, "unknown option '%s'", o);
		}
	}
	return i;
}

int
hpctl_parse(struct hpctl_req *r, int argc, char *const argv[])
{
	struct parse p = {.r = r};
	const struct object *o;
	const char *verb;
	int i, rc;

	memset(r, 0, sizeof(*r));
	if ((i = parse_options(&p, argc, argv)) < 0)
		return -EINVAL;
	if (r->help)
		return 0;
	if (i == argc)
		return fail(&p, "missing OBJECT");
	if (is(argv[i], "help")) {
		r->help = true;
		if (i + 1 < argc)
			r->object = argv[i + 1];
		return 0;
	}
	if ((o = find_object(argv[i])) == NULL)
		return fail(&p, "unknown object '%s'", argv[i]);
	r->object = o->name;
	if ((r->args = json_object()) == NULL)
		return fail(&p, "out of memory");

	/* "--watch N" may also follow the command ("hpctl stats --watch 1") */
	if ((p.w = calloc((size_t)(argc - i), sizeof(*p.w))) == NULL)
		return fail(&p, "out of memory");
	snprintf(p.ctx, sizeof(p.ctx), "%s", o->name);
	rc = 0;
	for (i++; i < argc && rc == 0; i++) {
		if (is(argv[i], "--watch"))
			rc = parse_watch(&p, ++i < argc ? argv[i] : NULL);
		else
			p.w[p.n++] = argv[i];
	}
	if (rc < 0)
		goto out;

	verb = next(&p);
	if (is(verb, "help") && p.n == 1) {
		r->help = true;
		goto out;
	}
	rc = o->parse(&p, verb);
	if (rc == 0 && r->watch != 0 && !p.reads)
		rc = fail(&p, "--watch: only commands that show something can be watched");
out:
	free(p.w);
	return rc;
}

json_t *
hpctl_request(const struct hpctl_req *r, json_int_t id)
{
	return json_pack("{s:I, s:s, s:O}", "id", id, "cmd", r->cmd, "args", r->args);
}

void
hpctl_req_free(struct hpctl_req *r)
{
	json_decref(r->args);
	r->args = NULL;
	free(r->load);
	r->load = NULL;
}
