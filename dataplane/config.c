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

#define CFG_FILE_MAX (16u << 20) /* refuse bigger files: a config is a few KiB */
#define CFG_EAL_ARG_MAX 4096     /* one EAL argument, bytes */
#define CFG_MBUFS_MIN 1024u
#define CFG_MBUFS_MAX 16777216u
#define CFG_DESC_MIN 64u
#define CFG_DESC_MAX 32768u
#define CFG_LCORE_MAX 127u       /* RTE_MAX_LCORE - 1 */
#define CFG_KEYS_MAX 32          /* keys one mapping kind may define */
#define CFG_QUOTE_MAX 64         /* bytes of a user string quoted in a message */

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

struct ctx {
	const char *name;
	char *err;
	size_t errlen;
	yaml_document_t *doc;
	struct hp_config *cfg;
	struct port_side port[HP_MAX_PORTS];
	struct worker_side worker[HP_MAX_WORKERS];
	struct owner owner[HP_MAX_PORTS][HP_MAX_QUEUES];
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
hp_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];

	if (!s || !mac || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}

int
hp_parse_prefix(const char *s, int family, struct hp_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct hp_prefix r;
	const char *slash;
	unsigned long long len, max;
	size_t alen;

	if (!s || !p || (family != 0 && family != AF_INET && family != AF_INET6))
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash)
		return -EINVAL;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(&r, 0, sizeof(r));
	if ((family == 0 || family == AF_INET) && inet_pton(AF_INET, buf, r.addr) == 1) {
		r.family = AF_INET;
		max = 32;
	} else if ((family == 0 || family == AF_INET6) && inet_pton(AF_INET6, buf, r.addr) == 1) {
		r.family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	if (!parse_dec(slash + 1, max, &len))
		return -EINVAL;
	r.len = (uint8_t)len;
	*p = r;
	return 0;
}

int
hp_config_port_index(const struct hp_config *cfg, const char *name)
{
	if (!cfg || !name)
		return -1;
	for (unsigned i = 0; i < cfg->n_ports && i < HP_MAX_PORTS; i++)
		if (!strcmp(cfg->ports[i].name, name))
			return (int)i;
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

const char *
hp_port_mode_name(enum hp_port_mode m)
{
	switch (m) {
	case HP_MODE_L3:
		return "l3";
	case HP_MODE_XCONNECT:
		return "xconnect";
	}
	return "?";
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
	if (n == 0 || n >= HP_NAME_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
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

static int
port_mac(struct ctx *c, void *obj, const char *key, yaml_node_t *val)
{
	struct hp_port_conf *p = obj;
	static const uint8_t zero[6];
	const char *s;
	int rc;

	if ((rc = want_scalar(c, key, val, "a MAC address", &s)))
		return rc;
	if (hp_parse_mac(s, p->mac))
		return fail(c, val, "key 'mac': bad MAC address '%s': expected xx:xx:xx:xx:xx:xx in hex",
			    q(c, s));
	if (p->mac[0] & 1)
		return fail(c, val, "key 'mac': %s is a multicast address: expected a unicast MAC",
			    q(c, s));
	if (!memcmp(p->mac, zero, 6))
		return fail(c, val, "key 'mac': expected a unicast MAC, not all zeros");
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

/* ---- the document ---- */

/* Later sections (routes, neighbors, acl, ...) add a line here. */
static const struct key_def top_keys[] = {
	{ "eal", parse_eal, false },
	{ "control", parse_control, false },
	{ "mbufs", parse_mbufs, false },
	{ "ports", parse_ports, false }, /* required: checked with its own message */
	{ "workers", parse_workers, false },
};

/* After the whole document: names that may point forward. */
static int
resolve(struct ctx *c)
{
	struct hp_config *cfg = c->cfg;

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
	return 0;
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
}
