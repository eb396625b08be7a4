/* hotpath configuration: the YAML file of DESIGN.md, read with libyaml into struct hp_config. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "config.h"

#define CFG_FILE_MAX (256u << 20) /* refuse bigger files: 2M routes fit, a typo'd path does not */
#define CFG_EAL_ARG_MAX 4096     /* one EAL argument, bytes */
#define CFG_MBUFS_MIN 1024u
#define CFG_MBUFS_MAX 16777216u
#define CFG_DESC_MIN 64u
#define CFG_DESC_MAX 32768u
#define CFG_LCORE_MAX 127u       /* RTE_MAX_LCORE - 1 */
#define CFG_KEYS_MAX 32          /* keys one mapping kind may define */
#define CFG_QUOTE_MAX 64         /* bytes of a user string quoted in a message */
#define CFG_PRIO_MAX 2147483647u /* ACL priority: 0..2^31-1 */
#define CFG_RATE_MAX 400000000000ull /* policer rates: 400G bits/s */
#define CFG_BURST_MAX (1ull << 30)   /* policer bursts: 1 GiB */

/* Parse state that does not belong in struct hp_config: source lines of what is
 * resolved after the whole document is read, and strings still owned by it. */
struct port_side {
	unsigned name_line;
	unsigned device_line;
	const char *peer;             /* scalar in the document, NULL if no peer: key */
	char devname[HP_DEVARGS_MAX]; /* device name, canonical, for the uniqueness check */
};

struct queue_side {
	const char *ref; /* "PORT/QUEUE" scalar in the document */
	unsigned line;
};

struct worker_side {
	unsigned n;
	struct queue_side q[HP_MAX_WORKER_QUEUES];
};

struct owner {
	unsigned worker; /* 1 + index into cfg->workers; 0 = not owned */
	unsigned line;
};

/* Per neighbour / route / ACL rule: what resolve() still needs (names point into the document). */
struct nb_side {
	const char *port;
	unsigned port_line;
	unsigned ip_line;
};

struct route_side {
	const char *port; /* NULL if no port: key */
	unsigned port_line;
	unsigned prefix_line;
};

struct acl_side {
	const char *police; /* policer name of "police NAME", else NULL */
	unsigned action_line;
};

/* Lines of the entry being read, for checks made once its mapping is complete. */
struct route_tmp {
	bool has_action;
	unsigned action_line;
	unsigned via_line[HP_MAX_ECMP];
};

struct acl_tmp {
	bool has_sport, has_dport;
	unsigned dst_line, proto_line, sport_line, dport_line;
};

struct policer_tmp {
	bool has_pir, has_pbs, has_ebs;
	unsigned name_line, pir_line, pbs_line, ebs_line;
};

/* Open-addressing set of indices for duplicate checks in O(n): slot = index + 1, 0 = empty. */
struct dup_table {
	uint32_t *slot;
	size_t mask;
};

struct ctx {
	const char *name;
	char *err;
	size_t errlen;
	yaml_document_t *doc;
	struct hp_config *cfg;
	struct port_side port[HP_MAX_PORTS];
	struct worker_side worker[HP_MAX_WORKERS];
	struct owner owner[HP_MAX_PORTS][HP_MAX_QUEUES];
	struct nb_side *nb;        /* n_neighbors entries */
	struct route_side *rt;     /* n_routes entries */
	struct acl_side *acl;      /* n_acl entries */
	unsigned *policer_line;    /* n_policers entries: line of each name */
	struct route_tmp rtmp;
	struct acl_tmp atmp;
	struct policer_tmp ptmp;
	unsigned qi;                        /* next quote buffer */
	char quote[4][CFG_QUOTE_MAX + 8];
};

/* One key a mapping may hold; val is the value node, obj what the mapping fills. */
struct key_def {
	const char *key;
	int (*parse)(struct ctx *c, void *obj, const char *key, yaml_node_t *val);
	bool required;
};

/* ---- messages ---- */

static int __attribute__((format(printf, 3, 4)))
fail_at(struct ctx *c, unsigned line, const char *fmt, ...)
{
	if (c->err && c->errlen) {
		int n = snprintf(c->err, c->errlen, "%s:%u: ", c->name, line);
		if (n >= 0 && (size_t)n < c->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

static unsigned
line_of(const yaml_node_t *n)
{
	return (unsigned)n->start_mark.line + 1;
}

#define fail(c, node, ...) fail_at((c), line_of(node), __VA_ARGS__)

/* A user string made safe to print: control and non-ASCII bytes as '?', cut
 * to CFG_QUOTE_MAX bytes. Four live at a time. */
static const char *
q(struct ctx *c, const char *s)
{
	char *out = c->quote[c->qi++ % 4];
	size_t i;

	for (i = 0; s[i] && i < CFG_QUOTE_MAX; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i])
		memcpy(out + i, "...", 4);
	else
		out[i] = '\0';
	return out;
}

static const char *
kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return n->data.scalar.length ? "a scalar" : "an empty value";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* ---- node access ---- */

static yaml_node_t *
node_at(struct ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

/* The scalar val as a C string; key names the field in the message. */
static int
want_scalar(struct ctx *c, const char *key, const yaml_node_t *val, const char *expect,
	    const char **out)
{
	const char *s;

	*out = NULL; /* set on every path: gcc -O3 cannot see callers only read it after 0 */
	if (val->type != YAML_SCALAR_NODE)
		return fail(c, val, "key '%s': expected %s (found %s)", key, expect, kind(val));
	s = (const char *)val->data.scalar.value;
	if (strlen(s) != val->data.scalar.length)
		return fail(c, val, "key '%s': expected %s (found a NUL byte)", key, expect);
	*out = s;
	return 0;
}

static int
want_seq(struct ctx *c, const char *key, const yaml_node_t *val)
{
	if (val->type != YAML_SEQUENCE_NODE)
		return fail(c, val, "key '%s': expected a sequence (found %s)", key, kind(val));
	return 0;
}

static unsigned
seq_len(const yaml_node_t *seq)
{
	return (unsigned)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

/* Decimal digits only: no sign, no leading zero, no blanks; false past max. */
static bool
parse_dec(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static int
want_uint(struct ctx *c, const char *key, const yaml_node_t *val, unsigned long long min,
	  unsigned long long max, unsigned long long *out)
{
	const char *s;

	*out = 0; /* set on every path, as want_scalar's */
	if (val->type == YAML_SCALAR_NODE &&
	    strlen((const char *)val->data.scalar.value) == val->data.scalar.length) {
		s = (const char *)val->data.scalar.value;
		if (parse_dec(s, max, out) && *out >= min)
			return 0;
	}
	return fail(c, val, "key '%s': expected an integer between %llu and %llu", key, min, max);
}

/*
 * Walk a mapping: every key a scalar listed in defs, none twice, required ones
 * present. what places the mapping in messages ("at top level", "in port").
 */
static int
walk_mapping(struct ctx *c, yaml_node_t *map, const char *key, const char *what,
	     const struct key_def *defs, size_t n_defs, void *obj)
{
	unsigned seen[CFG_KEYS_MAX] = {0};
	yaml_node_pair_t *pair;
	int rc;

	if (n_defs > CFG_KEYS_MAX)
		return fail(c, map, "internal error: too many keys %s", what);
	if (map->type != YAML_MAPPING_NODE) {
		if (key)
			return fail(c, map, "key '%s': expected a mapping (found %s)", key, kind(map));
		return fail(c, map, "expected a mapping %s (found %s)", what, kind(map));
	}
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_at(c, pair->key), *v = node_at(c, pair->value);
		const char *name;
		size_t i;

		if (!k || !v)
			return fail(c, map, "internal error: dangling node %s", what);
		if (k->type != YAML_SCALAR_NODE ||
		    strlen((const char *)k->data.scalar.value) != k->data.scalar.length)
			return fail(c, k, "expected a plain key %s (found %s)", what, kind(k));
		name = (const char *)k->data.scalar.value;
		for (i = 0; i < n_defs && strcmp(defs[i].key, name); i++)
			;
		if (i == n_defs) {
			char list[256];
			size_t off = 0;

			list[0] = '\0';
			for (size_t j = 0; j < n_defs && off < sizeof(list); j++) {
				int m = snprintf(list + off, sizeof(list) - off, "%s%s", j ? ", " : "",
						 defs[j].key);
				if (m < 0)
					break;
				off += (size_t)m;
			}
			return fail(c, k, "unknown key '%s' %s (expected one of: %s)", q(c, name), what,
				    list);
		}
		if (seen[i])
			return fail(c, k, "duplicate key '%s' %s (first at line %u)", name, what,
				    seen[i]);
		seen[i] = line_of(k);
		rc = defs[i].parse(c, obj, defs[i].key, v);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < n_defs; i++)
		if (defs[i].required && !seen[i])
			return fail(c, map, "missing required key '%s' %s", defs[i].key, what);
	return 0;
}

/* ---- shared parsers ---- */

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
hp_parse_queue_ref(const struct hp_config *cfg, const char *s, struct hp_queue_ref *qr)
{
	char name[HP_NAME_MAX];
	unsigned long long queue;
	const char *slash;
	size_t nlen;
	int port;

	if (!cfg || !s || !qr)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash || slash == s || !slash[1])
		return -EINVAL;
	for (const char *d = slash + 1; *d; d++)
		if (*d < '0' || *d > '9')
			return -EINVAL;
	if (slash[1] == '0' && slash[2])
		return -EINVAL; /* leading zero */
	nlen = (size_t)(slash - s);
	if (nlen >= sizeof(name))
		return -ENOENT;
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	port = hp_config_port_index(cfg, name);
	if (port < 0)
		return -ENOENT;
	/* well formed but huge: out of range, not malformed */
	if (!parse_dec(slash + 1, UINT16_MAX, &queue) || queue >= cfg->ports[port].queues)
		return -ERANGE;
	qr->port = (uint16_t)port;
	qr->queue = (uint16_t)queue;
	return 0;
}

/* ---- devargs ---- */

static bool
is_hex_n(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

static unsigned
hex_at(const char *s, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 4 | (unsigned)hexval(s[i]);
	return v;
}

/* DDDD:BB:DD.F or BB:DD.F (name is n bytes); canonical "dddd:bb:dd.f" into out. */
static bool
pci_name(const char *s, size_t n, char *out, size_t outlen)
{
	unsigned dom = 0, bus, dev, fn;

	if (n == 12) {
		if (!is_hex_n(s, 4) || s[4] != ':')
			return false;
		dom = hex_at(s, 4);
		s += 5;
		n -= 5;
	}
	if (n != 7 || !is_hex_n(s, 2) || s[2] != ':' || !is_hex_n(s + 3, 2) || s[5] != '.' ||
	    !is_hex_n(s + 6, 1))
		return false;
	bus = hex_at(s, 2);
	dev = hex_at(s + 3, 2);
	fn = hex_at(s + 6, 1);
	if (dev > 0x1f || fn > 7)
		return false;
	snprintf(out, outlen, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return true;
}

/* net_<driver><id>: lowercase letters, digits and '_' after "net_", a letter first. */
static bool
vdev_name(const char *s, size_t n)
{
	if (n <= 4 || strncmp(s, "net_", 4) || !(s[4] >= 'a' && s[4] <= 'z'))
		return false;
	for (size_t i = 4; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/*
 * Check a devargs string; on success the canonical device name goes to devname.
 * Returns NULL or what is wrong. Arguments are ",key=value" with a key of
 * [A-Za-z0-9_-] and a non-empty value, where "[...]" may hold commas (rte_kvargs lists).
 */
static const char *
check_devargs(const char *s, char *devname, size_t devlen)
{
	const char *comma = strchr(s, ',');
	size_t n = comma ? (size_t)(comma - s) : strlen(s);

	for (const char *p = s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return "only printable ASCII without blanks is allowed";
	if (pci_name(s, n, devname, devlen)) {
		/* canonical name already written */
	} else if (vdev_name(s, n)) {
		memcpy(devname, s, n);
		devname[n] = '\0';
	} else {
		return "expected a PCI address such as 0000:3b:00.0 or a vdev name such as "
		       "net_pcap0 (net_ then lowercase letters, digits, '_')";
	}
	while (comma) {
		const char *k = comma + 1, *p = k;
		int depth = 0;

		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
			p++;
		if (p == k)
			return *p == '=' ? "empty key in a ,key=value argument"
					 : "expected ,key=value arguments after the device name";
		if (*p != '=')
			return "expected ,key=value arguments after the device name (missing '=')";
		k = ++p;
		for (; *p && (depth || *p != ','); p++) {
			if (*p == '[')
				depth++;
			else if (*p == ']' && --depth < 0)
				return "unbalanced ']' in a value";
		}
		if (depth)
			return "unbalanced '[' in a value";
		if (p == k)
			return "empty value in a ,key=value argument";
		comma = *p == ',' ? p : NULL;
	}
	return NULL;
}

/* ---- top level: eal, control, mbufs ---- */

static int
parse_eal(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_config *cfg = obj;
	int rc;

	(void)key;
	if ((rc = want_seq(c, "eal", val)))
		return rc;
	cfg->eal_line = line_of(val);
	if (seq_len(val) > HP_MAX_EAL_ARGS - 1)
		return fail(c, val, "key 'eal': at most %d arguments", HP_MAX_EAL_ARGS - 1);
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);
		const char *s;

		if ((rc = want_scalar(c, "eal", v, "a string", &s)))
			return rc;
		if (!*s || strlen(s) > CFG_EAL_ARG_MAX)
			return fail(c, v, "key 'eal': expected a non-empty argument of at most %d bytes",
				    CFG_EAL_ARG_MAX);
		cfg->eal_args[cfg->n_eal_args] = strdup(s);
		if (!cfg->eal_args[cfg->n_eal_args]) {
			fail(c, v, "out of memory");
			return -ENOMEM;
		}
		cfg->n_eal_args++;
	}
	return 0;
}

static int
parse_socket(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_config *cfg = obj;
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "an absolute path", &s)))
		return rc;
	if (s[0] != '/')
		return fail(c, val, "key 'socket': expected an absolute path (starting with /), got '%s'",
			    q(c, s));
	if (strlen(s) >= HP_PATH_MAX)
		return fail(c, val, "key 'socket': path too long (at most %d bytes)", HP_PATH_MAX - 1);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(c, val, "key 'socket': control character in the path");
	memcpy(cfg->control_socket, s, strlen(s) + 1);
	return 0;
}

static bool
hostname_ok(const char *h, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = h[i];

		if (ch == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-'))
			return false;
		if ((label == 0 && ch == '-') || ++label > 63)
			return false;
	}
	return label > 0 && h[n - 1] != '-';
}

/* "host:port"; NULL or what is wrong. */
static const char *
check_hostport(const char *s, size_t max)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	unsigned long long port;
	size_t n;

	if (strlen(s) >= max)
		return "too long";
	if (!colon)
		return "missing :PORT";
	if (!parse_dec(colon + 1, 65535, &port) || port < 1)
		return "port must be an integer between 1 and 65535";
	n = (size_t)(colon - s);
	if (n == 0)
		return "missing host";
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']')
			return "expected [IPv6]:PORT";
		memcpy(host, s + 1, n - 2);
		host[n - 2] = '\0';
		unsigned char a[16];
		if (inet_pton(AF_INET6, host, a) != 1)
			return "bad IPv6 address";
		return NULL;
	}
	memcpy(host, s, n);
	host[n] = '\0';
	if (memchr(host, ':', n))
		return "an IPv6 host must be in brackets, as [::1]:9469";
	if (strspn(host, "0123456789.") == n) {
		unsigned char a[4];
		if (inet_pton(AF_INET, host, a) != 1)
			return "bad IPv4 address";
		return NULL;
	}
	if (!hostname_ok(host, n))
		return "bad host name";
	return NULL;
}

static int
parse_metrics(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_config *cfg = obj;
	const char *s, *why;
	int rc;

	if ((rc = want_scalar(c, key, val, "HOST:PORT", &s)))
		return rc;
	why = check_hostport(s, sizeof(cfg->metrics));
	if (why)
		return fail(c, val,
			    "key 'metrics': bad address '%s': %s (expected HOST:PORT such as "
			    "127.0.0.1:9469, [::1]:9469 or localhost:9469)",
			    q(c, s), why);
	memcpy(cfg->metrics, s, strlen(s) + 1);
	return 0;
}

static const struct key_def control_keys[] = {
	{ "socket", parse_socket, false },
	{ "metrics", parse_metrics, false },
};

static int
parse_control(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	return walk_mapping(c, val, key, "in control", control_keys,
			    sizeof(control_keys) / sizeof(control_keys[0]), obj);
}

static int
parse_mbufs(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_config *cfg = obj;
	unsigned long long v;
	int rc;

	if ((rc = want_uint(c, key, val, CFG_MBUFS_MIN, CFG_MBUFS_MAX, &v)))
		return rc;
	cfg->mbufs = (uint32_t)v;
	return 0;
}

/* ---- ports ---- */

/* Port and policer names: 1 to HP_NAME_MAX - 1 of A-Z a-z 0-9 _ - */
static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < HP_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

static unsigned
port_idx(struct ctx *c, const struct hp_port_conf *p)
{
	return (unsigned)(p - c->cfg->ports);
}

static int
port_name(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_port_conf *p = obj;
	unsigned me = port_idx(c, p);
	const char *s;
	size_t n;
	int rc;

	if ((rc = want_scalar(c, key, val, "a port name", &s)))
		return rc;
	n = strlen(s);
	if (!name_ok(s))
		return fail(c, val,
			    "key 'name': bad port name '%s': expected 1 to %d of A-Z a-z 0-9 _ -",
			    q(c, s), HP_NAME_MAX - 1);
	for (unsigned i = 0; i < me; i++)
		if (!strcmp(c->cfg->ports[i].name, s))
			return fail(c, val, "duplicate port name '%s' (first at line %u)", s,
				    c->port[i].name_line);
	memcpy(p->name, s, n + 1);
	c->port[me].name_line = line_of(val);
	return 0;
}

static int
port_device(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_port_conf *p = obj;
	struct port_side *ps = &c->port[port_idx(c, p)];
	const char *s, *why;
	size_t n;
	int rc;

	if ((rc = want_scalar(c, key, val, "a devargs string", &s)))
		return rc;
	n = strlen(s);
	if (n == 0 || n >= HP_DEVARGS_MAX)
		return fail(c, val, "key 'device': bad devargs: expected 1 to %d bytes",
			    HP_DEVARGS_MAX - 1);
	why = check_devargs(s, ps->devname, sizeof(ps->devname));
	if (why)
		return fail(c, val, "key 'device': bad devargs '%s': %s", q(c, s), why);
	for (unsigned i = 0; i < port_idx(c, p); i++)
		if (!strcmp(c->port[i].devname, ps->devname))
			return fail(c, val, "duplicate device '%s' (first used by port '%s' at line %u)",
				    q(c, ps->devname), c->cfg->ports[i].name, c->port[i].device_line);
	memcpy(p->device, s, n + 1);
	ps->device_line = line_of(val);
	return 0;
}

static int
port_queues(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_port_conf *p = obj;
	unsigned long long v;
	int rc;

	if ((rc = want_uint(c, key, val, 1, HP_MAX_QUEUES, &v)))
		return rc;
	p->queues = (uint16_t)v;
	return 0;
}

static int
want_desc(struct ctx *c, const char *key, yaml_node_t *val, uint16_t *out)
{
	unsigned long long v;

	if (want_uint(c, key, val, CFG_DESC_MIN, CFG_DESC_MAX, &v) || (v & (v - 1)))
		return fail(c, val, "key '%s': expected a power of two between %u and %u", key,
			    CFG_DESC_MIN, CFG_DESC_MAX);
	*out = (uint16_t)v;
	return 0;
}

static int
port_rx_desc(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	return want_desc(c, key, val, &((struct hp_port_conf *)obj)->rx_desc);
}

static int
port_tx_desc(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	return want_desc(c, key, val, &((struct hp_port_conf *)obj)->tx_desc);
}

/* A unicast, non-zero MAC (ports and neighbours). */
static int
want_mac(struct ctx *c, const char *key, yaml_node_t *val, uint8_t mac[6])
{
	static const uint8_t zero[6];
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "a MAC address", &s)))
		return rc;
	if (hp_parse_mac(s, mac))
		return fail(c, val, "key '%s': bad MAC address '%s': expected xx:xx:xx:xx:xx:xx in hex",
			    key, q(c, s));
	if (mac[0] & 1)
		return fail(c, val, "key '%s': %s is a multicast address: expected a unicast MAC", key,
			    q(c, s));
	if (!memcmp(mac, zero, 6))
		return fail(c, val, "key '%s': expected a unicast MAC, not all zeros", key);
	return 0;
}

static int
port_mac(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_port_conf *p = obj;
	int rc;

	if ((rc = want_mac(c, key, val, p->mac)))
		return rc;
	p->has_mac = true;
	return 0;
}

static int
want_prefixes(struct ctx *c, const char *key, yaml_node_t *val, int family,
	      struct hp_prefix *out, unsigned *n_out)
{
	const char *expect = family == AF_INET ? "an IPv4 address with a prefix length, such as "
						 "10.0.0.1/24 (length 0..32)"
					       : "an IPv6 address with a prefix length, such as "
						 "2001:db8::1/64 (length 0..128)";
	int rc;

	if ((rc = want_seq(c, key, val)))
		return rc;
	if (seq_len(val) > HP_MAX_ADDRS)
		return fail(c, val, "key '%s': at most %d addresses", key, HP_MAX_ADDRS);
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);
		const char *s;

		if ((rc = want_scalar(c, key, v, expect, &s)))
			return rc;
		if (hp_parse_prefix(s, family, &out[*n_out]))
			return fail(c, v, "key '%s': bad address '%s': expected %s", key, q(c, s), expect);
		(*n_out)++;
	}
	return 0;
}

static int
port_ipv4(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_port_conf *p = obj;

	return want_prefixes(c, key, val, AF_INET, p->ipv4, &p->n_ipv4);
}

static int
port_ipv6(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_port_conf *p = obj;

	return want_prefixes(c, key, val, AF_INET6, p->ipv6, &p->n_ipv6);
}

static int
port_mode(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_port_conf *p = obj;
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "l3 or xconnect", &s)))
		return rc;
	if (!strcmp(s, "l3"))
		p->mode = HP_MODE_L3;
	else if (!strcmp(s, "xconnect"))
		p->mode = HP_MODE_XCONNECT;
	else
		return fail(c, val, "key 'mode': expected l3 or xconnect, got '%s'", q(c, s));
	return 0;
}

static int
port_peer(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_port_conf *p = obj;
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "a port name", &s)))
		return rc;
	c->port[port_idx(c, p)].peer = s;
	p->peer_line = line_of(val);
	return 0;
}

static const struct key_def port_keys[] = {
	{ "name", port_name, true },
	{ "device", port_device, true },
	{ "queues", port_queues, false },
	{ "rx_desc", port_rx_desc, false },
	{ "tx_desc", port_tx_desc, false },
	{ "mac", port_mac, false },
	{ "ipv4", port_ipv4, false },
	{ "ipv6", port_ipv6, false },
	{ "mode", port_mode, false },
	{ "peer", port_peer, false },
};

static int
parse_ports(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_config *cfg = obj;
	int rc;

	if ((rc = want_seq(c, key, val)))
		return rc;
	if (seq_len(val) == 0)
		return fail(c, val, "key 'ports': expected at least one port");
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);
		struct hp_port_conf *p;

		if (cfg->n_ports == HP_MAX_PORTS)
			return fail(c, v, "key 'ports': too many ports (at most %d)", HP_MAX_PORTS);
		if (v->type != YAML_MAPPING_NODE)
			return fail(c, v, "key 'ports': expected each port to be a mapping (found %s)",
				    kind(v));
		p = &cfg->ports[cfg->n_ports];
		memset(p, 0, sizeof(*p));
		p->queues = 1;
		p->rx_desc = HP_DEFAULT_RX_DESC;
		p->tx_desc = HP_DEFAULT_TX_DESC;
		p->mode = HP_MODE_L3;
		p->peer = -1;
		p->line = line_of(v);
		rc = walk_mapping(c, v, NULL, "in port", port_keys,
				  sizeof(port_keys) / sizeof(port_keys[0]), p);
		if (rc)
			return rc;
		if (p->mode == HP_MODE_XCONNECT && !c->port[cfg->n_ports].peer)
			return fail(c, v, "port '%s': mode xconnect needs a peer (add peer: PORT)", p->name);
		if (p->mode == HP_MODE_L3 && c->port[cfg->n_ports].peer)
			return fail_at(c, p->peer_line,
				       "key 'peer': only valid with mode: xconnect (port '%s' is l3)",
				       p->name);
		cfg->n_ports++;
	}
	return 0;
}

/* ---- workers ---- */

static unsigned
worker_idx(struct ctx *c, const struct hp_worker_conf *w)
{
	return (unsigned)(w - c->cfg->workers);
}

static int
worker_lcore(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_worker_conf *w = obj;
	unsigned long long v;
	int rc;

	if ((rc = want_uint(c, key, val, 0, CFG_LCORE_MAX, &v)))
		return rc;
	for (unsigned i = 0; i < worker_idx(c, w); i++)
		if (c->cfg->workers[i].lcore == v)
			return fail(c, val, "duplicate lcore %llu (first at line %u)", v,
				    c->cfg->workers[i].lcore_line);
	w->lcore = (unsigned)v;
	w->lcore_line = line_of(val);
	return 0;
}

static int
worker_queues(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_worker_conf *w = obj;
	struct worker_side *ws = &c->worker[worker_idx(c, w)];
	int rc;

	if ((rc = want_seq(c, key, val)))
		return rc;
	if (seq_len(val) == 0 || seq_len(val) > HP_MAX_WORKER_QUEUES)
		return fail(c, val, "key 'queues': expected 1 to %d queues such as p0/0",
			    HP_MAX_WORKER_QUEUES);
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);
		const char *s;

		if ((rc = want_scalar(c, key, v, "PORT/QUEUE such as p0/0", &s)))
			return rc;
		ws->q[ws->n].ref = s;
		ws->q[ws->n].line = line_of(v);
		ws->n++;
	}
	return 0;
}

static const struct key_def worker_keys[] = {
	{ "lcore", worker_lcore, true },
	{ "queues", worker_queues, true },
};

static int
parse_workers(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_config *cfg = obj;
	int rc;

	if ((rc = want_seq(c, key, val)))
		return rc;
	if (seq_len(val) == 0)
		return fail(c, val, "key 'workers': expected at least one worker (or no workers: key)");
	cfg->has_workers = true;
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);
		struct hp_worker_conf *w;

		if (cfg->n_workers == HP_MAX_WORKERS)
			return fail(c, v, "key 'workers': too many workers (at most %d)", HP_MAX_WORKERS);
		if (v->type != YAML_MAPPING_NODE)
			return fail(c, v, "key 'workers': expected each worker to be a mapping (found %s)",
				    kind(v));
		w = &cfg->workers[cfg->n_workers];
		memset(w, 0, sizeof(*w));
		w->line = line_of(v);
		rc = walk_mapping(c, v, NULL, "in worker", worker_keys,
				  sizeof(worker_keys) / sizeof(worker_keys[0]), w);
		if (rc)
			return rc;
		cfg->n_workers++;
	}
	return 0;
}

/* ---- helpers of the table sections ---- */

static const char *
family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* A prefix or an address as text for messages, in a quote buffer. */
static const char *
prefix_text(struct ctx *c, const struct hp_prefix *p)
{
	return hp_prefix_format(p, c->quote[c->qi++ % 4], sizeof(c->quote[0]));
}

static const char *
ip_text(struct ctx *c, const struct hp_addr *a)
{
	return hp_addr_format(a, c->quote[c->qi++ % 4], sizeof(c->quote[0]));
}

/* A network prefix: address/length with no host bits set. */
static int
want_net(struct ctx *c, const char *key, yaml_node_t *val, struct hp_prefix *out)
{
	static const char expect[] = "a prefix such as 10.0.0.0/8 or 2001:db8::/32";
	char msg[HP_HOST_BITS_MSG_MAX];
	struct hp_prefix p;
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, expect, &s)))
		return rc;
	if (hp_parse_prefix(s, 0, &p))
		return fail(c, val, "key '%s': bad prefix '%s': expected %s (ADDRESS/LENGTH)", key,
			    q(c, s), expect);
	if (hp_prefix_host_bits(&p, s, msg, sizeof(msg)))
		return fail(c, val, "key '%s': %s", key, msg);
	*out = p;
	return 0;
}

/*
 * The sequence val of at most max entries: *arr gets room for them (size bytes
 * each), *side as many side entries (side_size bytes each), both zeroed.
 */
static int
want_entries(struct ctx *c, const char *key, yaml_node_t *val, unsigned max, const char *what,
	     size_t size, void **arr, size_t side_size, void **side)
{
	unsigned n;
	int rc;

	if ((rc = want_seq(c, key, val)))
		return rc;
	n = seq_len(val);
	if (n > max)
		return fail(c, node_at(c, val->data.sequence.items.start[max]),
			    "key '%s': too many %s (at most %u)", key, what, max);
	*arr = calloc(n ? n : 1, size);
	if (*arr && side_size)
		*side = calloc(n ? n : 1, side_size);
	if (!*arr || (side_size && !*side)) {
		fail(c, val, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int
want_entry(struct ctx *c, const char *key, yaml_node_t *v, const char *what)
{
	if (v->type != YAML_MAPPING_NODE)
		return fail(c, v, "key '%s': expected each %s to be a mapping (found %s)", key, what,
			    kind(v));
	return 0;
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t
hash_addr(int family, unsigned extra, const uint8_t addr[16])
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return mix64(a ^ mix64(b ^ ((uint64_t)(unsigned)family << 32 | extra)));
}

static int
dup_init(struct ctx *c, struct dup_table *t, size_t n, unsigned line)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap <<= 1;
	t->slot = calloc(cap, sizeof(*t->slot));
	t->mask = cap - 1;
	if (!t->slot) {
		fail_at(c, line, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* Add entry i of arr; returns an earlier entry same() as it, or UINT32_MAX. */
static uint32_t
dup_insert(struct dup_table *t, uint64_t hash, const void *arr,
	   bool (*same)(const void *arr, uint32_t a, uint32_t b), uint32_t i)
{
	for (size_t s = hash & t->mask;; s = (s + 1) & t->mask) {
		uint32_t v = t->slot[s];

		if (!v) {
			t->slot[s] = i + 1;
			return UINT32_MAX;
		}
		if (same(arr, v - 1, i))
			return v - 1;
	}
}

/* ---- neighbors ---- */

static unsigned
nb_idx(struct ctx *c, const struct hp_neighbor_conf *nb)
{
	return (unsigned)(nb - c->cfg->neighbors);
}

static int
nb_ip(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_neighbor_conf *nb = obj;
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "an IP address", &s)))
		return rc;
	if (hp_parse_addr(s, 0, &nb->ip))
		return fail(c, val,
			    "key 'ip': bad address '%s': expected an IPv4 or IPv6 address such as "
			    "10.0.1.2 or 2001:db8::2 (no prefix length)",
			    q(c, s));
	c->nb[nb_idx(c, nb)].ip_line = line_of(val);
	return 0;
}

static int
nb_mac(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	return want_mac(c, key, val, ((struct hp_neighbor_conf *)obj)->mac);
}

static int
nb_port(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct nb_side *ns = &c->nb[nb_idx(c, obj)];
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "a port name", &s)))
		return rc;
	ns->port = s;
	ns->port_line = line_of(val);
	return 0;
}

static const struct key_def neighbor_keys[] = {
	{ "ip", nb_ip, true },
	{ "mac", nb_mac, true },
	{ "port", nb_port, true },
};

static int
parse_neighbors(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_config *cfg = obj;
	void *arr = NULL, *side = NULL;
	int rc;

	rc = want_entries(c, key, val, HP_MAX_NEIGHBORS, "neighbors", sizeof(*cfg->neighbors), &arr,
			  sizeof(*c->nb), &side);
	cfg->neighbors = arr;
	c->nb = side;
	if (rc)
		return rc;
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);
		struct hp_neighbor_conf *nb = &cfg->neighbors[cfg->n_neighbors];

		if ((rc = want_entry(c, key, v, "neighbor")))
			return rc;
		nb->line = line_of(v);
		rc = walk_mapping(c, v, NULL, "in neighbor", neighbor_keys,
				  sizeof(neighbor_keys) / sizeof(neighbor_keys[0]), nb);
		if (rc)
			return rc;
		cfg->n_neighbors++;
	}
	return 0;
}

/* ---- routes ---- */

static unsigned
route_idx(struct ctx *c, const struct hp_route_conf *r)
{
	return (unsigned)(r - c->cfg->routes);
}

static int
route_prefix(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_route_conf *r = obj;
	int rc;

	if ((rc = want_net(c, key, val, &r->prefix)))
		return rc;
	c->rt[route_idx(c, r)].prefix_line = line_of(val);
	return 0;
}

static int
want_nexthop(struct ctx *c, const char *key, yaml_node_t *v, struct hp_route_conf *r)
{
	struct hp_addr *a = &r->via[r->n_via];
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, v, "a next-hop address", &s)))
		return rc;
	if (hp_parse_addr(s, 0, a))
		return fail(c, v,
			    "key 'via': bad next hop '%s': expected an IPv4 or IPv6 address such as "
			    "10.0.1.2 (no prefix length)",
			    q(c, s));
	for (unsigned k = 0; k < r->n_via; k++)
		if (a->family == r->via[k].family && !memcmp(a->addr, r->via[k].addr, 16))
			return fail(c, v, "key 'via': next hop %s is listed twice (first at line %u)",
				    ip_text(c, a), c->rtmp.via_line[k]);
	c->rtmp.via_line[r->n_via++] = line_of(v);
	return 0;
}

static int
route_via(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_route_conf *r = obj;
	int rc;

	if (val->type == YAML_SCALAR_NODE)
		return want_nexthop(c, key, val, r);
	if (val->type != YAML_SEQUENCE_NODE)
		return fail(c, val,
			    "key 'via': expected a next-hop address or a sequence of 1 to %d (found %s)",
			    HP_MAX_ECMP, kind(val));
	if (seq_len(val) == 0 || seq_len(val) > HP_MAX_ECMP)
		return fail(c, val, "key 'via': expected 1 to %d next-hop addresses (found %u)",
			    HP_MAX_ECMP, seq_len(val));
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++)
		if ((rc = want_nexthop(c, key, node_at(c, *it), r)))
			return rc;
	return 0;
}

static int
route_action(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_route_conf *r = obj;
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "forward or drop", &s)))
		return rc;
	if (!strcmp(s, "forward"))
		r->action = HP_ROUTE_FORWARD;
	else if (!strcmp(s, "drop"))
		r->action = HP_ROUTE_DROP;
	else
		return fail(c, val, "key 'action': expected forward or drop, got '%s'", q(c, s));
	c->rtmp.has_action = true;
	c->rtmp.action_line = line_of(val);
	return 0;
}

static int
route_port(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct route_side *rs = &c->rt[route_idx(c, obj)];
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "a port name", &s)))
		return rc;
	rs->port = s;
	rs->port_line = line_of(val);
	return 0;
}

static const struct key_def route_keys[] = {
	{ "prefix", route_prefix, true },
	{ "via", route_via, false },
	{ "action", route_action, false },
	{ "port", route_port, false },
};

/* What needs the whole entry: via xor drop, next hops of the prefix's family. */
static int
check_route(struct ctx *c, const struct hp_route_conf *r, const yaml_node_t *v)
{
	const struct route_side *rs = &c->rt[route_idx(c, r)];

	if (c->rtmp.has_action && r->action == HP_ROUTE_DROP) {
		if (r->n_via)
			return fail_at(c, c->rtmp.action_line,
				       "key 'action': route %s has both via and action: drop (expected "
				       "one of them)",
				       prefix_text(c, &r->prefix));
		if (rs->port)
			return fail_at(c, rs->port_line,
				       "key 'port': route %s drops: a port needs via: NEXT_HOP",
				       prefix_text(c, &r->prefix));
		return 0;
	}
	if (!r->n_via)
		return fail(c, v,
			    "missing key 'via' in route %s (expected via: NEXT_HOP, or action: drop)",
			    prefix_text(c, &r->prefix));
	for (unsigned k = 0; k < r->n_via; k++)
		if (r->via[k].family != r->prefix.family)
			return fail_at(c, c->rtmp.via_line[k],
				       "key 'via': next hop %s is %s but prefix %s is %s",
				       ip_text(c, &r->via[k]), family_name(r->via[k].family),
				       prefix_text(c, &r->prefix), family_name(r->prefix.family));
	return 0;
}

static bool
same_route(const void *arr, uint32_t a, uint32_t b)
{
	const struct hp_prefix *x = &((const struct hp_route_conf *)arr)[a].prefix;
	const struct hp_prefix *y = &((const struct hp_route_conf *)arr)[b].prefix;

	return x->family == y->family && x->len == y->len && !memcmp(x->addr, y->addr, 16);
}

static int
parse_routes(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_config *cfg = obj;
	struct dup_table seen = { NULL, 0 };
	void *arr = NULL, *side = NULL;
	int rc;

	rc = want_entries(c, key, val, HP_MAX_ROUTES, "routes", sizeof(*cfg->routes), &arr,
			  sizeof(*c->rt), &side);
	cfg->routes = arr;
	c->rt = side;
	if (rc || (rc = dup_init(c, &seen, seq_len(val), line_of(val))))
		return rc;
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);
		struct hp_route_conf *r = &cfg->routes[cfg->n_routes];
		uint32_t first;

		if ((rc = want_entry(c, key, v, "route")))
			break;
		r->port = -1;
		r->line = line_of(v);
		memset(&c->rtmp, 0, sizeof(c->rtmp));
		rc = walk_mapping(c, v, NULL, "in route", route_keys,
				  sizeof(route_keys) / sizeof(route_keys[0]), r);
		if (rc || (rc = check_route(c, r, v)))
			break;
		first = dup_insert(&seen, hash_addr(r->prefix.family, r->prefix.len, r->prefix.addr),
				   cfg->routes, same_route, cfg->n_routes);
		if (first != UINT32_MAX) {
			rc = fail_at(c, c->rt[cfg->n_routes].prefix_line,
				     "duplicate route %s (first at line %u)", prefix_text(c, &r->prefix),
				     c->rt[first].prefix_line);
			break;
		}
		cfg->n_routes++;
	}
	free(seen.slot);
	return rc;
}

/* ---- acl_default, acl ---- */

static int
parse_acl_default(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_config *cfg = obj;
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "permit or deny", &s)))
		return rc;
	if (!strcmp(s, "permit"))
		cfg->acl_default_deny = false;
	else if (!strcmp(s, "deny"))
		cfg->acl_default_deny = true;
	else
		return fail(c, val, "key 'acl_default': expected permit or deny, got '%s'", q(c, s));
	return 0;
}

static const struct {
	const char *name;
	uint8_t num;
} protos[] = {
	{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 },
	{ "sctp", 132 }, { "gre", 47 }, { "esp", 50 },
};

static const char *
proto_text(struct ctx *c, uint8_t num)
{
	char *out = c->quote[c->qi++ % 4];

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == num)
			return protos[i].name;
	snprintf(out, CFG_QUOTE_MAX, "%u", num);
	return out;
}

static unsigned
acl_idx(struct ctx *c, const struct hp_acl_rule *a)
{
	return (unsigned)(a - c->cfg->acl);
}

static int
acl_priority(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_acl_rule *a = obj;
	unsigned long long v;
	int rc;

	if ((rc = want_uint(c, key, val, 0, CFG_PRIO_MAX, &v)))
		return rc;
	a->priority = (uint32_t)v;
	return 0;
}

static int
acl_src(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_acl_rule *a = obj;
	int rc;

	if ((rc = want_net(c, key, val, &a->src)))
		return rc;
	a->has_src = true;
	return 0;
}

static int
acl_dst(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_acl_rule *a = obj;
	int rc;

	if ((rc = want_net(c, key, val, &a->dst)))
		return rc;
	a->has_dst = true;
	c->atmp.dst_line = line_of(val);
	return 0;
}

static int
acl_proto(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_acl_rule *a = obj;
	unsigned long long v;
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "a protocol name or number", &s)))
		return rc;
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(s, protos[i].name)) {
			v = protos[i].num;
			goto found;
		}
	if (!parse_dec(s, 255, &v))
		return fail(c, val,
			    "key 'proto': expected tcp, udp, icmp, icmpv6, sctp, gre, esp or a protocol "
			    "number 0..255, got '%s'",
			    q(c, s));
found:
	a->has_proto = true;
	a->proto = (uint8_t)v;
	c->atmp.proto_line = line_of(val);
	return 0;
}

/* "N" or "A-B" (A <= B), a string or an integer. */
static int
want_port_range(struct ctx *c, const char *key, yaml_node_t *val, uint16_t *lo, uint16_t *hi)
{
	unsigned long long a, b;
	const char *s, *dash;
	char first[8];
	int rc;

	if ((rc = want_scalar(c, key, val, "a port or a range A-B", &s)))
		return rc;
	dash = strchr(s, '-');
	if (!dash) {
		if (!parse_dec(s, 65535, &a))
			goto bad;
		b = a;
	} else {
		if ((size_t)(dash - s) >= sizeof(first))
			goto bad;
		memcpy(first, s, (size_t)(dash - s));
		first[dash - s] = '\0';
		if (!parse_dec(first, 65535, &a) || !parse_dec(dash + 1, 65535, &b))
			goto bad;
		if (a > b)
			return fail(c, val, "key '%s': range %s is backwards (expected A-B with A <= B)",
				    key, q(c, s));
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
bad:
	return fail(c, val,
		    "key '%s': expected a port 0..65535 or a range A-B such as \"5000-5010\", got '%s'",
		    key, q(c, s));
}

static int
acl_sport(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_acl_rule *a = obj;
	int rc;

	if ((rc = want_port_range(c, key, val, &a->sport_lo, &a->sport_hi)))
		return rc;
	c->atmp.has_sport = true;
	c->atmp.sport_line = line_of(val);
	return 0;
}

static int
acl_dport(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_acl_rule *a = obj;
	int rc;

	if ((rc = want_port_range(c, key, val, &a->dport_lo, &a->dport_hi)))
		return rc;
	c->atmp.has_dport = true;
	c->atmp.dport_line = line_of(val);
	return 0;
}

static int
acl_action(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_acl_rule *a = obj;
	struct acl_side *as = &c->acl[acl_idx(c, a)];
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "permit, deny, count or police NAME", &s)))
		return rc;
	as->action_line = line_of(val);
	if (!strcmp(s, "permit")) {
		a->action = HP_ACL_PERMIT;
	} else if (!strcmp(s, "deny")) {
		a->action = HP_ACL_DENY;
	} else if (!strcmp(s, "count")) {
		a->action = HP_ACL_COUNT;
	} else if (!strncmp(s, "police", 6) && (s[6] == ' ' || s[6] == '\0')) {
		s += 6;
		s += strspn(s, " ");
		if (!*s)
			return fail(c, val, "key 'action': police needs a policer name (police NAME)");
		a->action = HP_ACL_POLICE;
		as->police = s;
	} else {
		return fail(c, val, "key 'action': expected permit, deny, count or police NAME, got '%s'",
			    q(c, s));
	}
	return 0;
}

static const struct key_def acl_keys[] = {
	{ "priority", acl_priority, true },
	{ "src", acl_src, false },
	{ "dst", acl_dst, false },
	{ "proto", acl_proto, false },
	{ "sport", acl_sport, false },
	{ "dport", acl_dport, false },
	{ "action", acl_action, true },
};

/* What needs the whole rule: one family, ICMP of that family, ports only with TCP/UDP/SCTP. */
static int
check_acl(struct ctx *c, struct hp_acl_rule *a)
{
	const struct acl_tmp *t = &c->atmp;
	bool l4 = a->has_proto && (a->proto == 6 || a->proto == 17 || a->proto == 132);

	if (a->has_src && a->has_dst && a->src.family != a->dst.family)
		return fail_at(c, t->dst_line, "key 'dst': %s is %s but src %s is %s (a rule matches one family)",
			       prefix_text(c, &a->dst), family_name(a->dst.family),
			       prefix_text(c, &a->src), family_name(a->src.family));
	a->family = a->has_src ? a->src.family : a->has_dst ? a->dst.family : 0;
	if (a->has_proto && a->proto == 1 && a->family == AF_INET6)
		return fail_at(c, t->proto_line,
			       "key 'proto': icmp is IPv4 only but the rule's addresses are IPv6 (use "
			       "icmpv6)");
	if (a->has_proto && a->proto == 58 && a->family == AF_INET)
		return fail_at(c, t->proto_line,
			       "key 'proto': icmpv6 is IPv6 only but the rule's addresses are IPv4 (use "
			       "icmp)");
	for (int i = 0; i < 2; i++) {
		const char *k = i ? "dport" : "sport";

		if (!(i ? t->has_dport : t->has_sport) || l4)
			continue;
		if (a->has_proto)
			return fail_at(c, i ? t->dport_line : t->sport_line,
				       "key '%s': %s needs proto tcp, udp or sctp (proto is %s)", k, k,
				       proto_text(c, a->proto));
		return fail_at(c, i ? t->dport_line : t->sport_line,
			       "key '%s': %s needs proto tcp, udp or sctp (no proto given)", k, k);
	}
	return 0;
}

static int
parse_acl(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_config *cfg = obj;
	void *arr = NULL, *side = NULL;
	int rc;

	rc = want_entries(c, key, val, HP_MAX_ACL_RULES, "rules", sizeof(*cfg->acl), &arr,
			  sizeof(*c->acl), &side);
	cfg->acl = arr;
	c->acl = side;
	if (rc)
		return rc;
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);
		struct hp_acl_rule *a = &cfg->acl[cfg->n_acl];

		if ((rc = want_entry(c, key, v, "rule")))
			return rc;
		a->sport_hi = a->dport_hi = 65535;
		a->policer = -1;
		a->line = line_of(v);
		memset(&c->atmp, 0, sizeof(c->atmp));
		rc = walk_mapping(c, v, NULL, "in acl rule", acl_keys,
				  sizeof(acl_keys) / sizeof(acl_keys[0]), a);
		if (rc || (rc = check_acl(c, a)))
			return rc;
		cfg->n_acl++;
	}
	return 0;
}

/* ---- policers ---- */

static unsigned
policer_idx(struct ctx *c, const struct hp_policer_conf *p)
{
	return (unsigned)(p - c->cfg->policers);
}

/* Decimal digits and an optional suffix (one of suffixes, times mult[i]); 1..max. */
static bool
parse_scaled(const char *s, const char *suffixes, const uint64_t *mult, uint64_t max,
	     uint64_t *out)
{
	char digits[24];
	size_t n = strlen(s);
	unsigned long long v;
	uint64_t m = 1;

	if (n == 0 || n >= sizeof(digits))
		return false;
	if (s[n - 1] < '0' || s[n - 1] > '9') {
		const char *sf = strchr(suffixes, s[n - 1]);

		if (!sf)
			return false;
		m = mult[sf - suffixes];
		n--;
	}
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (!parse_dec(digits, max / m, &v) || v == 0)
		return false;
	*out = v * m;
	return true;
}

static int
want_rate(struct ctx *c, const char *key, yaml_node_t *val, uint64_t *out)
{
	static const uint64_t mult[] = { 1000ull, 1000000ull, 1000000000ull };
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "a rate in bits/s", &s)))
		return rc;
	if (!parse_scaled(s, "kMG", mult, CFG_RATE_MAX, out))
		return fail(c, val,
			    "key '%s': expected a rate in bits/s from 1 to 400G: an integer with an "
			    "optional suffix k, M or G (10^3, 10^6, 10^9) such as 100M, got '%s'",
			    key, q(c, s));
	return 0;
}

static int
want_burst(struct ctx *c, const char *key, yaml_node_t *val, uint64_t *out)
{
	static const uint64_t mult[] = { 1024ull, 1048576ull };
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "a size in bytes", &s)))
		return rc;
	if (!parse_scaled(s, "kM", mult, CFG_BURST_MAX, out))
		return fail(c, val,
			    "key '%s': expected a size in bytes from 1 to 1G: an integer with an "
			    "optional suffix k or M (2^10, 2^20) such as 64k, got '%s'",
			    key, q(c, s));
	return 0;
}

static int
policer_name(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_policer_conf *p = obj;
	unsigned me = policer_idx(c, p);
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "a policer name", &s)))
		return rc;
	if (!name_ok(s))
		return fail(c, val,
			    "key 'name': bad policer name '%s': expected 1 to %d of A-Z a-z 0-9 _ -",
			    q(c, s), HP_NAME_MAX - 1);
	for (unsigned i = 0; i < me; i++)
		if (!strcmp(c->cfg->policers[i].name, s))
			return fail(c, val, "duplicate policer name '%s' (first at line %u)", s,
				    c->policer_line[i]);
	memcpy(p->name, s, strlen(s) + 1);
	c->policer_line[me] = line_of(val);
	return 0;
}

static int
policer_type(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_policer_conf *p = obj;
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "trtcm or srtcm", &s)))
		return rc;
	if (!strcmp(s, "trtcm"))
		p->type = HP_POLICER_TRTCM;
	else if (!strcmp(s, "srtcm"))
		p->type = HP_POLICER_SRTCM;
	else
		return fail(c, val, "key 'type': expected trtcm or srtcm, got '%s'", q(c, s));
	return 0;
}

static int
policer_cir(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	return want_rate(c, key, val, &((struct hp_policer_conf *)obj)->cir);
}

static int
policer_cbs(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	return want_burst(c, key, val, &((struct hp_policer_conf *)obj)->cbs);
}

static int
policer_pir(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	c->ptmp.has_pir = true;
	c->ptmp.pir_line = line_of(val);
	return want_rate(c, key, val, &((struct hp_policer_conf *)obj)->pir);
}

static int
policer_pbs(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	c->ptmp.has_pbs = true;
	c->ptmp.pbs_line = line_of(val);
	return want_burst(c, key, val, &((struct hp_policer_conf *)obj)->pbs);
}

static int
policer_ebs(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	c->ptmp.has_ebs = true;
	c->ptmp.ebs_line = line_of(val);
	return want_burst(c, key, val, &((struct hp_policer_conf *)obj)->ebs);
}

static const struct key_def policer_keys[] = {
	{ "name", policer_name, true },
	{ "type", policer_type, true },
	{ "cir", policer_cir, true },
	{ "cbs", policer_cbs, true },
	{ "pir", policer_pir, false },
	{ "pbs", policer_pbs, false },
	{ "ebs", policer_ebs, false },
};

/* trtcm: pir >= cir and pbs, no ebs; srtcm: ebs, no pir or pbs. */
static int
check_policer(struct ctx *c, const struct hp_policer_conf *p, const yaml_node_t *v)
{
	const struct policer_tmp *t = &c->ptmp;

	if (p->type == HP_POLICER_TRTCM) {
		if (t->has_ebs)
			return fail_at(c, t->ebs_line,
				       "key 'ebs': only valid with type srtcm (policer '%s' is trtcm)",
				       p->name);
		if (!t->has_pir || !t->has_pbs)
			return fail(c, v,
				    "missing required key '%s' in policer '%s' (type trtcm needs pir and "
				    "pbs)",
				    t->has_pir ? "pbs" : "pir", p->name);
		if (p->pir < p->cir)
			return fail_at(c, t->pir_line,
				       "key 'pir': %llu bits/s is below cir %llu bits/s (expected pir >= "
				       "cir)",
				       (unsigned long long)p->pir, (unsigned long long)p->cir);
		return 0;
	}
	if (t->has_pir || t->has_pbs)
		return fail_at(c, t->has_pir ? t->pir_line : t->pbs_line,
			       "key '%s': only valid with type trtcm (policer '%s' is srtcm)",
			       t->has_pir ? "pir" : "pbs", p->name);
	if (!t->has_ebs)
		return fail(c, v, "missing required key 'ebs' in policer '%s' (type srtcm needs ebs)",
			    p->name);
	return 0;
}

static int
parse_policers(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_config *cfg = obj;
	void *arr = NULL, *side = NULL;
	int rc;

	rc = want_entries(c, key, val, HP_MAX_POLICERS, "policers", sizeof(*cfg->policers), &arr,
			  sizeof(*c->policer_line), &side);
	cfg->policers = arr;
	c->policer_line = side;
	if (rc)
		return rc;
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);
		struct hp_policer_conf *p = &cfg->policers[cfg->n_policers];

		if ((rc = want_entry(c, key, v, "policer")))
			return rc;
		p->line = line_of(v);
		memset(&c->ptmp, 0, sizeof(c->ptmp));
		rc = walk_mapping(c, v, NULL, "in policer", policer_keys,
				  sizeof(policer_keys) / sizeof(policer_keys[0]), p);
		if (rc || (rc = check_policer(c, p, v)))
			return rc;
		cfg->n_policers++;
	}
	return 0;
}

/* ---- xdp ---- */

bool
hp_ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= HP_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '/' || *p == ':')
			return false;
	return true;
}

bool
hp_af_xdp_iface(const char *device, char *iface, size_t len)
{
	const char *p;
	size_t n;

	if (strncmp(device, "net_af_xdp", 10) != 0)
		return false;
	for (p = strchr(device, ','); p; p = strchr(p + 1, ','))
		if (!strncmp(p + 1, "iface=", 6))
			break;
	if (!p)
		return false;
	p += 7;
	n = strcspn(p, ",");
	if (n == 0 || n >= len)
		return false;
	memcpy(iface, p, n);
	iface[n] = '\0';
	return true;
}

static const struct {
	const char *name;
	enum hp_xdp_class_kind kind;
} xdp_class_names[] = {
	{ "arp", HP_XDP_CLASS_ARP },   { "nd", HP_XDP_CLASS_ND },   { "icmp", HP_XDP_CLASS_ICMP },
	{ "icmpv6", HP_XDP_CLASS_ICMP6 }, { "tcp", HP_XDP_CLASS_TCP }, { "udp", HP_XDP_CLASS_UDP },
};

static bool
port_num(const char *s, size_t n, uint16_t *out)
{
	char digits[8];
	unsigned long long v;

	if (n == 0 || n >= sizeof(digits))
		return false;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (!parse_dec(digits, 65535, &v) || v == 0)
		return false;
	*out = (uint16_t)v;
	return true;
}

int
hp_parse_xdp_class(const char *s, struct hp_xdp_class *c)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sizeof(xdp_class_names) / sizeof(xdp_class_names[0]); i++) {
		if (strlen(xdp_class_names[i].name) != n || strncmp(xdp_class_names[i].name, s, n))
			continue;
		c->kind = xdp_class_names[i].kind;
		if (c->kind != HP_XDP_CLASS_TCP && c->kind != HP_XDP_CLASS_UDP)
			return slash ? -EINVAL : 0;
		if (!slash)
			return -EINVAL; /* a port is required: all of TCP is not a host class */
		const char *lo = slash + 1, *dash = strchr(lo, '-');

		if (!port_num(lo, dash ? (size_t)(dash - lo) : strlen(lo), &c->port_lo))
			return -EINVAL;
		c->port_hi = c->port_lo;
		if (dash && (!port_num(dash + 1, strlen(dash + 1), &c->port_hi) ||
			     c->port_hi < c->port_lo))
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

void
hp_xdp_class_text(const struct hp_xdp_class *c, char *buf, size_t len)
{
	const char *name = "?";

	for (size_t i = 0; i < sizeof(xdp_class_names) / sizeof(xdp_class_names[0]); i++)
		if (xdp_class_names[i].kind == c->kind)
			name = xdp_class_names[i].name;
	if (c->kind != HP_XDP_CLASS_TCP && c->kind != HP_XDP_CLASS_UDP)
		snprintf(buf, len, "%s", name);
	else if (c->port_lo == c->port_hi)
		snprintf(buf, len, "%s/%u", name, c->port_lo);
	else
		snprintf(buf, len, "%s/%u-%u", name, c->port_lo, c->port_hi);
}

bool
hp_xdp_class_equal(const struct hp_xdp_class *a, const struct hp_xdp_class *b)
{
	return a->kind == b->kind && a->port_lo == b->port_lo && a->port_hi == b->port_hi;
}

static int
xdp_iface(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_xdp_conf *x = obj;
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "an interface name", &s)))
		return rc;
	if (!hp_ifname_ok(s))
		return fail(c, val,
			    "key 'iface': bad interface name '%s': expected 1 to %d printable "
			    "characters without '/', ':' or blanks",
			    q(c, s), HP_IFNAME_MAX - 1);
	for (struct hp_xdp_conf *o = c->cfg->xdp; o < x; o++)
		if (!strcmp(o->iface, s))
			return fail(c, val, "interface %s has two xdp entries (first at line %u)", s,
				    o->line);
	memcpy(x->iface, s, strlen(s) + 1);
	return 0;
}

static int
xdp_mode(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_xdp_conf *x = obj;
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "native or generic", &s)))
		return rc;
	if (!strcmp(s, "native"))
		x->mode = HP_XDP_NATIVE;
	else if (!strcmp(s, "generic"))
		x->mode = HP_XDP_GENERIC;
	else
		return fail(c, val, "key 'mode': expected native or generic, got '%s'", q(c, s));
	x->has_mode = true;
	return 0;
}

static int
xdp_pass(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_xdp_conf *x = obj;
	int rc;

	if ((rc = want_seq(c, key, val)))
		return rc;
	if (seq_len(val) > HP_MAX_XDP_PASS)
		return fail(c, node_at(c, val->data.sequence.items.start[HP_MAX_XDP_PASS]),
			    "key 'pass': too many classes (at most %u)", HP_MAX_XDP_PASS);
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);
		struct hp_xdp_class *cl = &x->pass[x->n_pass];
		const char *s;

		if ((rc = want_scalar(c, key, v, "a class", &s)))
			return rc;
		if (hp_parse_xdp_class(s, cl))
			return fail(c, v,
				    "key 'pass': bad class '%s': expected arp, nd, icmp, icmpv6, "
				    "tcp/PORT, udp/PORT or a port range such as udp/5000-5010",
				    q(c, s));
		for (unsigned i = 0; i < x->n_pass; i++)
			if (hp_xdp_class_equal(&x->pass[i], cl))
				return fail(c, v, "key 'pass': class %s is listed twice", q(c, s));
		x->n_pass++;
	}
	return 0;
}

static bool
same_prefix(const void *arr, uint32_t a, uint32_t b)
{
	const struct hp_prefix *p = arr;

	return p[a].family == p[b].family && p[a].len == p[b].len &&
	       !memcmp(p[a].addr, p[b].addr, sizeof(p[a].addr));
}

static int
xdp_block(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_xdp_conf *x = obj;
	struct dup_table dups = { 0 };
	void *arr = NULL;
	int rc;

	rc = want_entries(c, key, val, HP_MAX_XDP_BLOCK, "prefixes", sizeof(*x->block), &arr, 0, NULL);
	x->block = arr;
	if (rc || (rc = dup_init(c, &dups, seq_len(val), line_of(val))))
		return rc;
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);
		struct hp_prefix *p = &x->block[x->n_block];
		uint32_t first;

		if ((rc = want_net(c, key, v, p)))
			break;
		first = dup_insert(&dups, hash_addr(p->family, p->len, p->addr), x->block, same_prefix,
				   x->n_block);
		if (first != UINT32_MAX) {
			rc = fail(c, v, "key 'block': prefix %s is listed twice", prefix_text(c, p));
			break;
		}
		x->n_block++;
	}
	free(dups.slot);
	return rc;
}

static const struct key_def xdp_keys[] = {
	{ "iface", xdp_iface, true },
	{ "mode", xdp_mode, false },
	{ "pass", xdp_pass, false },
	{ "block", xdp_block, false },
};

static int
parse_xdp(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_config *cfg = obj;
	int rc;

	if ((rc = want_seq(c, key, val)))
		return rc;
	if (seq_len(val) > HP_MAX_XDP)
		return fail(c, node_at(c, val->data.sequence.items.start[HP_MAX_XDP]),
			    "key 'xdp': too many interfaces (at most %u)", HP_MAX_XDP);
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);
		struct hp_xdp_conf *x = &cfg->xdp[cfg->n_xdp];

		if ((rc = want_entry(c, key, v, "xdp interface")))
			return rc;
		x->line = line_of(v);
		cfg->n_xdp++; /* counted first: hp_config_free() releases its block list */
		rc = walk_mapping(c, v, NULL, "in xdp interface", xdp_keys,
				  sizeof(xdp_keys) / sizeof(xdp_keys[0]), x);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- resolving names of the table sections ---- */

/* Port of a neighbor or route: known, and routed (l3). */
static int
resolve_l3_port(struct ctx *c, const char *name, unsigned line, const char *what, int *out)
{
	int i = hp_config_port_index(c->cfg, name);

	if (i < 0)
		return fail_at(c, line, "key 'port': unknown port '%s' (no port by that name)",
			       q(c, name));
	if (c->cfg->ports[i].mode != HP_MODE_L3)
		return fail_at(c, line, "key 'port': port '%s' is mode xconnect: %s need an l3 port",
			       c->cfg->ports[i].name, what);
	*out = i;
	return 0;
}

static bool
same_neighbor(const void *arr, uint32_t a, uint32_t b)
{
	const struct hp_neighbor_conf *x = &((const struct hp_neighbor_conf *)arr)[a];
	const struct hp_neighbor_conf *y = &((const struct hp_neighbor_conf *)arr)[b];

	return x->port == y->port && x->ip.family == y->ip.family &&
	       !memcmp(x->ip.addr, y->ip.addr, 16);
}

static int
resolve_neighbors(struct ctx *c)
{
	struct hp_config *cfg = c->cfg;
	struct dup_table seen = { NULL, 0 };
	int rc = 0;

	if (!cfg->n_neighbors)
		return 0;
	if ((rc = dup_init(c, &seen, cfg->n_neighbors, cfg->neighbors[0].line)))
		return rc;
	for (unsigned i = 0; i < cfg->n_neighbors; i++) {
		struct hp_neighbor_conf *nb = &cfg->neighbors[i];
		int port = -1;
		uint32_t first;

		if ((rc = resolve_l3_port(c, c->nb[i].port, c->nb[i].port_line, "neighbors", &port)))
			break;
		nb->port = (uint16_t)port;
		first = dup_insert(&seen, hash_addr(nb->ip.family, nb->port, nb->ip.addr),
				   cfg->neighbors, same_neighbor, i);
		if (first != UINT32_MAX) {
			rc = fail_at(c, c->nb[i].ip_line,
				     "duplicate neighbor %s on port %s (first at line %u)",
				     ip_text(c, &nb->ip), cfg->ports[port].name, c->nb[first].ip_line);
			break;
		}
	}
	free(seen.slot);
	return rc;
}

struct name_idx {
	const char *name;
	unsigned idx;
};

static int
cmp_name_idx(const void *a, const void *b)
{
	return strcmp(((const struct name_idx *)a)->name, ((const struct name_idx *)b)->name);
}

static int
resolve_tables(struct ctx *c)
{
	struct hp_config *cfg = c->cfg;
	struct name_idx *byname = NULL;
	int rc;

	if ((rc = resolve_neighbors(c)))
		return rc;
	for (unsigned i = 0; i < cfg->n_routes; i++)
		if (c->rt[i].port &&
		    (rc = resolve_l3_port(c, c->rt[i].port, c->rt[i].port_line, "routes",
					  &cfg->routes[i].port)))
			return rc;
	/* a next hop without port: must be on a connected subnet */
	for (unsigned i = 0; i < cfg->n_routes; i++) {
		const struct hp_route_conf *r = &cfg->routes[i];

		for (unsigned k = 0; r->port < 0 && k < r->n_via; k++) {
			if (hp_config_via_port(cfg, &r->via[k]) >= 0)
				continue;
			return fail_at(c, r->line,
				       "route: via %s is in no l3 port's subnet (add the subnet to a port's "
				       "ipv4/ipv6, or give port:)", ip_text(c, &r->via[k]));
		}
	}
	for (unsigned i = 0; i < cfg->n_acl; i++) {
		struct name_idx key = { c->acl[i].police, 0 }, *hit;

		if (!key.name)
			continue;
		if (!byname) {
			byname = calloc(cfg->n_policers ? cfg->n_policers : 1, sizeof(*byname));
			if (!byname) {
				fail_at(c, c->acl[i].action_line, "out of memory");
				return -ENOMEM;
			}
			for (unsigned k = 0; k < cfg->n_policers; k++)
				byname[k] = (struct name_idx){ cfg->policers[k].name, k };
			qsort(byname, cfg->n_policers, sizeof(*byname), cmp_name_idx);
		}
		hit = cfg->n_policers ? bsearch(&key, byname, cfg->n_policers, sizeof(*byname),
						cmp_name_idx)
				      : NULL;
		if (!hit) {
			rc = fail_at(c, c->acl[i].action_line,
				     "key 'action': unknown policer '%s' (no policer by that name in "
				     "policers:)",
				     q(c, c->acl[i].police));
			break;
		}
		cfg->acl[i].policer = (int)hit->idx;
	}
	free(byname);
	return rc;
}

/* net_af_xdp ports use hotpath's program: one port per interface, none with its own program. */
static int
resolve_xdp(struct ctx *c)
{
	struct hp_config *cfg = c->cfg;
	char a[HP_IFNAME_MAX], b[HP_IFNAME_MAX];

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct hp_port_conf *pc = &cfg->ports[i];

		if (!hp_af_xdp_iface(pc->device, a, sizeof(a)))
			continue;
		for (unsigned j = 0; j < i; j++)
			if (hp_af_xdp_iface(cfg->ports[j].device, b, sizeof(b)) && !strcmp(a, b))
				return fail_at(c, pc->line,
					       "ports %s and %s are both net_af_xdp on %s (one port per "
					       "interface: give it queue_count= and queues:)",
					       cfg->ports[j].name, pc->name, a);
		for (unsigned k = 0; k < cfg->n_xdp; k++) {
			const struct hp_xdp_conf *x = &cfg->xdp[k];

			if (strcmp(x->iface, a))
				continue;
			if (strstr(pc->device, ",xdp_prog="))
				return fail_at(c, x->line,
					       "xdp: %s is port %s's, whose device names its own xdp_prog "
					       "(drop xdp_prog= to use hotpath's program, or this entry)",
					       a, pc->name);
			if (x->has_mode && x->mode == HP_XDP_GENERIC)
				return fail_at(c, x->line,
					       "xdp: %s is port %s's (net_af_xdp attaches the program in "
					       "the driver's mode): remove mode: generic",
					       a, pc->name);
		}
	}
	return 0;
}

/* ---- the document ---- */

static const struct key_def top_keys[] = {
	{ "eal", parse_eal, false },
	{ "control", parse_control, false },
	{ "mbufs", parse_mbufs, false },
	{ "ports", parse_ports, false }, /* required: checked with its own message */
	{ "workers", parse_workers, false },
	{ "neighbors", parse_neighbors, false },
	{ "routes", parse_routes, false },
	{ "acl_default", parse_acl_default, false },
	{ "acl", parse_acl, false },
	{ "policers", parse_policers, false },
	{ "xdp", parse_xdp, false },
};

/* After the whole document: names that may point forward. */
static int
resolve(struct ctx *c)
{
	struct hp_config *cfg = c->cfg;
	int rc0;

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const char *peer = c->port[i].peer;

		if (!peer)
			continue;
		cfg->ports[i].peer = hp_config_port_index(cfg, peer);
		if (cfg->ports[i].peer < 0)
			return fail_at(c, cfg->ports[i].peer_line,
				       "key 'peer': unknown peer '%s' (no port by that name)", q(c, peer));
	}
	for (unsigned w = 0; w < cfg->n_workers; w++) {
		struct hp_worker_conf *wc = &cfg->workers[w];
		struct worker_side *ws = &c->worker[w];

		for (unsigned k = 0; k < ws->n; k++) {
			const char *ref = ws->q[k].ref;
			unsigned line = ws->q[k].line;
			struct hp_queue_ref *r = &wc->queues[k];
			struct owner *o;
			int rc = hp_parse_queue_ref(cfg, ref, r);

			if (rc == -ENOENT) {
				const char *slash = strchr(ref, '/');
				char name[HP_NAME_MAX + 8];

				snprintf(name, sizeof(name), "%.*s", (int)(slash - ref), ref);
				return fail_at(c, line, "queue %s: unknown port '%s'", q(c, ref),
					       q(c, name));
			}
			if (rc == -ERANGE) {
				const struct hp_port_conf *pc;
				const char *slash = strchr(ref, '/');
				char name[HP_NAME_MAX];

				snprintf(name, sizeof(name), "%.*s", (int)(slash - ref), ref);
				pc = &cfg->ports[hp_config_port_index(cfg, name)];
				return fail_at(c, line, "queue %s out of range: port %s has %u queue%s",
					       q(c, ref), pc->name, pc->queues, pc->queues == 1 ? "" : "s");
			}
			if (rc)
				return fail_at(c, line, "key 'queues': bad queue '%s': expected PORT/QUEUE "
							"such as p0/0",
					       q(c, ref));
			o = &c->owner[r->port][r->queue];
			if (o->worker) {
				const struct hp_worker_conf *first = &cfg->workers[o->worker - 1];

				if (first == wc)
					return fail_at(c, line,
						       "queue %s is listed twice for lcore %u (first at "
						       "line %u)",
						       q(c, ref), wc->lcore, o->line);
				return fail_at(c, line,
					       "queue %s is owned by two workers (lcore %u at line %u "
					       "and lcore %u at line %u)",
					       q(c, ref), first->lcore, o->line, wc->lcore, line);
			}
			o->worker = w + 1;
			o->line = line;
		}
		wc->n_queues = ws->n;
	}
	if ((rc0 = resolve_xdp(c)))
		return rc0;
	return resolve_tables(c);
}

/* Line of byte offset off in text, for reader errors that carry no mark. */
static unsigned
line_at_offset(const char *text, size_t len, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off && i < len; i++)
		line += text[i] == '\n';
	return line;
}

/* Characters in UTF-8 text: libyaml's mark.index counts characters, not bytes. */
static size_t
utf8_chars(const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)text[i] & 0xc0) != 0x80;
	return n;
}

static int
yaml_fail(struct ctx *c, const yaml_parser_t *ps, const char *text, size_t len)
{
	unsigned line, last = line_at_offset(text, len, len ? len - 1 : 0);

	if (ps->error == YAML_MEMORY_ERROR) {
		fail_at(c, 1, "out of memory while reading YAML");
		return -ENOMEM;
	}
	if (ps->error == YAML_READER_ERROR)
		line = line_at_offset(text, len, ps->problem_offset);
	else if (ps->problem_mark.index >= utf8_chars(text, len) && ps->context)
		line = (unsigned)ps->context_mark.line + 1; /* hit the end: blame what is unclosed */
	else
		line = (unsigned)ps->problem_mark.line + 1;
	if (line > last)
		line = last; /* never a line past the end of the file */
	if (ps->context)
		return fail_at(c, line, "YAML syntax error: %s (%s at line %u)",
			       ps->problem ? ps->problem : "unknown error", ps->context,
			       (unsigned)ps->context_mark.line + 1);
	return fail_at(c, line, "YAML syntax error: %s", ps->problem ? ps->problem : "unknown error");
}

static int
parse_document(struct ctx *c, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root, *extra_root;
	int rc;

	if (!yaml_parser_initialize(&parser)) {
		fail_at(c, 1, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = yaml_fail(c, &parser, text, len);
		yaml_parser_delete(&parser);
		return rc;
	}
	/* read to the end: a syntax error or a second document is an error too */
	if (!yaml_parser_load(&parser, &extra)) {
		rc = yaml_fail(c, &parser, text, len);
		goto out_doc;
	}
	extra_root = yaml_document_get_root_node(&extra);
	if (extra_root) {
		rc = fail(c, extra_root, "expected one YAML document, found a second one");
		yaml_document_delete(&extra);
		goto out_doc;
	}
	yaml_document_delete(&extra);

	c->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		rc = fail_at(c, 1, "expected a mapping with a ports: section (the document is empty)");
		goto out_doc;
	}
	if (root->type != YAML_MAPPING_NODE) {
		rc = fail(c, root, "expected a mapping with a ports: section (found %s)", kind(root));
		goto out_doc;
	}
	rc = walk_mapping(c, root, NULL, "at top level", top_keys,
			  sizeof(top_keys) / sizeof(top_keys[0]), c->cfg);
	if (rc)
		goto out_doc;
	if (c->cfg->n_ports == 0) {
		rc = fail(c, root, "expected a mapping with a ports: section (no ports: key)");
		goto out_doc;
	}
	rc = resolve(c);
out_doc:
	c->doc = NULL;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int
hp_config_parse(const char *name, const char *text, size_t len, struct hp_config *cfg,
		char *err, size_t errlen)
{
	struct ctx *c;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!name)
		name = "config";
	if (!cfg) {
		if (err && errlen)
			snprintf(err, errlen, "%s:1: no config to fill", name);
		return -EINVAL;
	}
	memset(cfg, 0, sizeof(*cfg));
	if (!text) {
		text = "";
		len = 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		if (err && errlen)
			snprintf(err, errlen, "%s:1: out of memory", name);
		return -ENOMEM;
	}
	c->name = name;
	c->err = err;
	c->errlen = errlen;
	c->cfg = cfg;
	snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s", HP_DEFAULT_SOCKET);
	snprintf(cfg->metrics, sizeof(cfg->metrics), "%s", HP_DEFAULT_METRICS);

	if (len > CFG_FILE_MAX)
		rc = fail_at(c, 1, "file too large (over %u MiB)", CFG_FILE_MAX >> 20);
	else
		rc = parse_document(c, text, len);
	free(c->nb);
	free(c->rt);
	free(c->acl);
	free(c->policer_line);
	free(c);
	if (rc) {
		hp_config_free(cfg);
		memset(cfg, 0, sizeof(*cfg));
	}
	return rc;
}

int
hp_config_load(const char *path, struct hp_config *cfg, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, rc;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !cfg) {
		if (err && errlen)
			snprintf(err, errlen, "%s: no file or config", path ? path : "(null)");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto out_errno;
	if (fstat(fd, &st) < 0)
		goto out_errno_fd;
	if (S_ISREG(st.st_mode) && st.st_size > (off_t)CFG_FILE_MAX) {
		errno = EFBIG;
		goto out_errno_fd;
	}
	/* read one byte past the limit to tell "exactly 16 MiB" from "more" */
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nbuf;

			if (cap == CFG_FILE_MAX + 1)
				break;
			if (ncap > CFG_FILE_MAX + 1)
				ncap = CFG_FILE_MAX + 1;
			nbuf = realloc(buf, ncap);
			if (!nbuf)
				goto out_errno_fd;
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out_errno_fd;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > CFG_FILE_MAX) {
		rc = -EFBIG;
		goto out;
	}
	rc = hp_config_parse(path, buf ? buf : "", len, cfg, err, errlen);
	free(buf);
	return rc;

out_errno_fd:
	rc = -errno;
	close(fd);
	goto out;
out_errno:
	rc = -errno;
out:
	free(buf);
	memset(cfg, 0, sizeof(*cfg));
	if (err && errlen) {
		if (rc == -EFBIG)
			snprintf(err, errlen, "%s: file too large (over %u MiB)", path,
				 CFG_FILE_MAX >> 20);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	}
	return rc;
}

void
hp_config_free(struct hp_config *cfg)
{
	if (!cfg)
		return;
	for (unsigned i = 0; i < HP_MAX_EAL_ARGS; i++) {
		free(cfg->eal_args[i]);
		cfg->eal_args[i] = NULL;
	}
	cfg->n_eal_args = 0;
	free(cfg->neighbors);
	cfg->neighbors = NULL;
	cfg->n_neighbors = 0;
	free(cfg->routes);
	cfg->routes = NULL;
	cfg->n_routes = 0;
	free(cfg->acl);
	cfg->acl = NULL;
	cfg->n_acl = 0;
	free(cfg->policers);
	cfg->policers = NULL;
	cfg->n_policers = 0;
	for (unsigned i = 0; i < cfg->n_xdp; i++) {
		free(cfg->xdp[i].block);
		cfg->xdp[i].block = NULL;
		cfg->xdp[i].n_block = 0;
	}
	cfg->n_xdp = 0;
}
