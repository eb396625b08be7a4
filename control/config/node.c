/* The config parser's reading layer: nodes of the input (libyaml or jansson) and the checks every
 * section reads them with: messages, scalars, integers, MACs, prefixes, mappings, entry lists and
 * duplicate tables. It calls no section: sections call it, yaml.c calls both. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* ---- nodes ---- */

static struct cfg_node
yaml_at(yaml_document_t *doc, int id)
{
	return (struct cfg_node){doc, yaml_document_get_node(doc, id), NULL};
}

enum cfg_kind
cfg_node_kind(struct cfg_node n)
{
	if (n.doc) {
		const yaml_node_t *y = n.p;

		switch (y ? y->type : YAML_NO_NODE) {
		case YAML_SCALAR_NODE:
			return CFG_SCALAR;
		case YAML_SEQUENCE_NODE:
			return CFG_SEQ;
		case YAML_MAPPING_NODE:
			return CFG_MAP;
		default:
			return CFG_NONE;
		}
	}
	if (!n.p)
		return n.key ? CFG_SCALAR : CFG_NONE;
	/* the JSON constructor made every other scalar a string */
	return json_is_string((const json_t *)n.p)   ? CFG_SCALAR
	       : json_is_array((const json_t *)n.p)  ? CFG_SEQ
	       : json_is_object((const json_t *)n.p) ? CFG_MAP
						     : CFG_NONE;
}

unsigned
cfg_line(struct cfg_node n)
{
	return n.doc ? (unsigned)((const yaml_node_t *)n.p)->start_mark.line + 1 : 0;
}

const char *
cfg_text(struct cfg_node n, size_t *len)
{
	if (n.doc) {
		const yaml_node_t *y = n.p;

		*len = y->data.scalar.length;
		return (const char *)y->data.scalar.value;
	}
	if (!n.p) {
		*len = strlen(n.key);
		return n.key;
	}
	*len = json_string_length(n.p);
	return json_string_value(n.p);
}

unsigned
cfg_seq_len(struct cfg_node seq)
{
	if (seq.doc) {
		const yaml_node_t *y = seq.p;

		return (unsigned)(y->data.sequence.items.top - y->data.sequence.items.start);
	}
	return (unsigned)json_array_size(seq.p);
}

struct cfg_node
cfg_seq_at(struct cfg_node seq, unsigned i)
{
	if (seq.doc)
		return yaml_at(seq.doc, ((const yaml_node_t *)seq.p)->data.sequence.items.start[i]);
	return (struct cfg_node){NULL, json_array_get(seq.p, i), NULL};
}

unsigned
cfg_map_len(struct cfg_node map)
{
	if (map.doc) {
		const yaml_node_t *y = map.p;

		return (unsigned)(y->data.mapping.pairs.top - y->data.mapping.pairs.start);
	}
	return (unsigned)json_object_size(map.p);
}

bool
cfg_map_pair(struct cfg_node map, unsigned i, struct cfg_node *key, struct cfg_node *val)
{
	if (map.doc) {
		const yaml_node_pair_t *pair = &((const yaml_node_t *)map.p)->data.mapping.pairs.start[i];

		*key = yaml_at(map.doc, pair->key);
		*val = yaml_at(map.doc, pair->value);
		return key->p && val->p;
	}
	/* objects are small (a dozen keys): walking to pair i each time is cheap */
	void *it = json_object_iter((json_t *)map.p);

	for (unsigned k = 0; it && k < i; k++)
		it = json_object_iter_next((json_t *)map.p, it);
	if (!it)
		return false;
	*key = (struct cfg_node){NULL, NULL, json_object_iter_key(it)};
	*val = (struct cfg_node){NULL, json_object_iter_value(it), NULL};
	return true;
}

/* ---- messages ---- */

int
cfg_fail_at(struct ctx *c, unsigned line, const char *fmt, ...)
{
	if (c->err && c->errlen) {
		int n = line ? snprintf(c->err, c->errlen, "%s:%u: ", c->name, line) : 0;

		if (n >= 0 && (size_t)n < c->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

int
cfg_oom(struct ctx *c, unsigned line)
{
	cfg_fail_at(c, line, "out of memory");
	return -ENOMEM;
}

const char *
cfg_quote(struct ctx *c, const char *s)
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

const char *
cfg_kind(struct cfg_node n)
{
	size_t len;

	switch (cfg_node_kind(n)) {
	case CFG_SCALAR:
		return cfg_text(n, &len), len ? "a scalar" : "an empty value";
	case CFG_SEQ:
		return "a sequence";
	case CFG_MAP:
		return "a mapping";
	default:
		return "nothing";
	}
}

const char *
cfg_family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

const char *
cfg_prefix_text(struct ctx *c, const struct hp_prefix *p)
{
	return hp_prefix_format(p, c->quote[c->qi++ % 4], sizeof(c->quote[0]));
}

const char *
cfg_ip_text(struct ctx *c, const struct hp_addr *a)
{
	return hp_addr_format(a, c->quote[c->qi++ % 4], sizeof(c->quote[0]));
}

/* ---- values ---- */

int
cfg_want_scalar(struct ctx *c, const char *key, struct cfg_node val, const char *expect, const char **out)
{
	const char *s;
	size_t len;

	*out = NULL; /* set on every path: gcc -O3 cannot see callers only read it after 0 */
	if (cfg_node_kind(val) != CFG_SCALAR)
		return cfg_fail(c, val, "key '%s': expected %s (found %s)", key, expect, cfg_kind(val));
	s = cfg_text(val, &len);
	if (strlen(s) != len)
		return cfg_fail(c, val, "key '%s': expected %s (found a NUL byte)", key, expect);
	*out = s;
	return 0;
}

int
cfg_want_seq(struct ctx *c, const char *key, struct cfg_node val)
{
	if (cfg_node_kind(val) != CFG_SEQ)
		return cfg_fail(c, val, "key '%s': expected a sequence (found %s)", key, cfg_kind(val));
	return 0;
}

int
cfg_want_uint(struct ctx *c, const char *key, struct cfg_node val, unsigned long long min,
	      unsigned long long max, unsigned long long *out)
{
	const char *s;
	size_t len;

	*out = 0; /* set on every path, as cfg_want_scalar's */
	if (cfg_node_kind(val) == CFG_SCALAR) {
		s = cfg_text(val, &len);
		if (strlen(s) == len && hp_parse_dec(s, max, out) && *out >= min)
			return 0;
	}
	return cfg_fail(c, val, "key '%s': expected an integer between %llu and %llu", key, min, max);
}

int
cfg_walk_mapping(struct ctx *c, struct cfg_node map, const char *key, const char *what,
		 const struct key_def *defs, size_t n_defs, void *obj)
{
	unsigned seen[CFG_KEYS_MAX] = {0}; /* line of each key met */
	bool have[CFG_KEYS_MAX] = {0};     /* JSON keys have no line */
	int rc;

	if (n_defs > CFG_KEYS_MAX)
		return cfg_fail(c, map, "internal error: too many keys %s", what);
	if (cfg_node_kind(map) != CFG_MAP) {
		if (key)
			return cfg_fail(c, map, "key '%s': expected a mapping (found %s)", key,
					cfg_kind(map));
		return cfg_fail(c, map, "expected a mapping %s (found %s)", what, cfg_kind(map));
	}
	for (unsigned p = 0, n = cfg_map_len(map); p < n; p++) {
		struct cfg_node k, v;
		const char *name;
		size_t i, len;

		if (!cfg_map_pair(map, p, &k, &v))
			return cfg_fail(c, map, "internal error: dangling node %s", what);
		if (cfg_node_kind(k) != CFG_SCALAR || (name = cfg_text(k, &len), strlen(name) != len))
			return cfg_fail(c, k, "expected a plain key %s (found %s)", what, cfg_kind(k));
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
			return cfg_fail(c, k, "unknown key '%s' %s (expected one of: %s)", cfg_quote(c, name),
					what, list);
		}
		if (have[i])
			return cfg_fail(c, k, "duplicate key '%s' %s (first at line %u)", name, what,
					seen[i]);
		have[i] = true;
		seen[i] = cfg_line(k);
		rc = defs[i].parse(c, obj, defs[i].key, v);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < n_defs; i++)
		if (defs[i].required && !have[i])
			return cfg_fail(c, map, "missing required key '%s' %s", defs[i].key, what);
	return 0;
}

bool
cfg_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < HP_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

int
cfg_want_mac(struct ctx *c, const char *key, struct cfg_node val, uint8_t mac[6])
{
	static const uint8_t zero[6];
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a MAC address", &s)))
		return rc;
	if (hp_parse_mac(s, mac))
		return cfg_fail(c, val, "key '%s': bad MAC address '%s': expected xx:xx:xx:xx:xx:xx in hex",
				key, cfg_quote(c, s));
	if (mac[0] & 1)
		return cfg_fail(c, val, "key '%s': %s is a multicast address: expected a unicast MAC", key,
				cfg_quote(c, s));
	if (!memcmp(mac, zero, 6))
		return cfg_fail(c, val, "key '%s': expected a unicast MAC, not all zeros", key);
	return 0;
}

int
cfg_want_net(struct ctx *c, const char *key, struct cfg_node val, struct hp_prefix *out)
{
	static const char expect[] = "a prefix such as 10.0.0.0/8 or 2001:db8::/32";
	char msg[HP_HOST_BITS_MSG_MAX];
	struct hp_prefix p;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, expect, &s)))
		return rc;
	if (hp_parse_prefix(s, 0, &p))
		return cfg_fail(c, val, "key '%s': bad prefix '%s': expected %s (ADDRESS/LENGTH)", key,
				cfg_quote(c, s), expect);
	if (hp_prefix_host_bits(&p, s, msg, sizeof(msg)))
		return cfg_fail(c, val, "key '%s': %s", key, msg);
	*out = p;
	return 0;
}

/* ---- table sections ---- */

int
cfg_want_entries(struct ctx *c, const char *key, struct cfg_node val, unsigned max, const char *what,
		 size_t size, void **arr, size_t side_size, void **side)
{
	unsigned n;
	int rc;

	if ((rc = cfg_want_seq(c, key, val)))
		return rc;
	n = cfg_seq_len(val);
	if (n > max)
		return cfg_fail(c, cfg_seq_at(val, max), "key '%s': too many %s (at most %u)", key, what,
				max);
	*arr = calloc(n ? n : 1, size);
	if (*arr && side_size)
		*side = calloc(n ? n : 1, side_size);
	if (!*arr || (side_size && !*side))
		return cfg_oom(c, cfg_line(val));
	return 0;
}

int
cfg_want_entry(struct ctx *c, const char *key, struct cfg_node v, const char *what)
{
	if (cfg_node_kind(v) != CFG_MAP)
		return cfg_fail(c, v, "key '%s': expected each %s to be a mapping (found %s)", key, what,
				cfg_kind(v));
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

uint64_t
cfg_hash_addr(int family, unsigned extra, const uint8_t addr[16])
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return mix64(a ^ mix64(b ^ ((uint64_t)(unsigned)family << 32 | extra)));
}

int
cfg_dup_init(struct ctx *c, struct dup_table *t, size_t n, unsigned line)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap <<= 1;
	t->slot = calloc(cap, sizeof(*t->slot));
	t->mask = cap - 1;
	if (!t->slot)
		return cfg_oom(c, line);
	return 0;
}

uint32_t
cfg_dup_insert(struct dup_table *t, uint64_t hash, const void *arr,
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


int
cfg_side_one(struct ctx *c, size_t size, void **side)
{
	*side = calloc(1, size);
	return *side ? 0 : cfg_oom(c, 0);
}

int
cfg_resolve_l3_port(struct ctx *c, const char *name, unsigned line, const char *what, int *out)
{
	int i = hp_config_port_index(c->cfg, name);

	if (i < 0)
		return cfg_fail_at(c, line, "key 'port': unknown port '%s' (no port by that name)",
				   cfg_quote(c, name));
	if (c->cfg->ports[i].mode != HP_MODE_L3)
		return cfg_fail_at(c, line, "key 'port': port '%s' is mode xconnect: %s need an l3 port",
				   c->cfg->ports[i].name, what);
	*out = i;
	return 0;
}
