/* The config parser's inside, shared by the engine (yaml.c) and the section files (sec_*.c). */
#ifndef HP_CONFIG_INT_H
#define HP_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <yaml.h>

#include "config.h"

#define CFG_FILE_MAX (256u << 20) /* refuse bigger files: 2M routes fit, a typo'd path does not */
#define CFG_EAL_ARG_MAX 4096      /* one EAL argument, bytes */
#define CFG_MBUFS_MIN 1024u
#define CFG_MBUFS_MAX 16777216u
#define CFG_STALL_US_MIN 1u       /* control.stall_threshold_us: 1 us .. */
#define CFG_STALL_US_MAX 1000000u /* .. 1 s */
#define CFG_DESC_MIN 64u
#define CFG_DESC_MAX 32768u
#define CFG_LCORE_MAX 127u           /* RTE_MAX_LCORE - 1 */
#define CFG_KEYS_MAX 32              /* keys one mapping kind may define */
#define CFG_QUOTE_MAX 64             /* bytes of a user string quoted in a message */
#define CFG_PRIO_MAX 2147483647u     /* ACL priority: 0..2^31-1 */
#define CFG_RATE_MAX 400000000000ull /* policer rates: 400G bits/s */
#define CFG_BURST_MAX (1ull << 30)   /* policer bursts: 1 GiB */

/*
 * A node of the input, whatever it was read from: a libyaml document (doc set)
 * or a jansson value (doc NULL). Sections see only this, so that a socket
 * request's JSON goes through the checks a file does. Passed by value: it is a
 * view, the document or the JSON value owns what it points to.
 */
enum cfg_kind {
	CFG_NONE,
	CFG_SCALAR,
	CFG_SEQ,
	CFG_MAP,
};

struct cfg_node {
	yaml_document_t *doc; /* NULL: a jansson value */
	const void *p;        /* yaml_node_t or json_t; NULL with key: a JSON object's key */
	const char *key;
};

enum cfg_kind cfg_node_kind(struct cfg_node n);
/* Line in the file, from 1; 0 for JSON (messages then carry no FILE:LINE). */
unsigned cfg_line(struct cfg_node n);
/* A scalar's text and its length in bytes (which differs from strlen() when it holds a NUL). */
const char *cfg_text(struct cfg_node n, size_t *len);
unsigned cfg_seq_len(struct cfg_node seq);
struct cfg_node cfg_seq_at(struct cfg_node seq, unsigned i);
unsigned cfg_map_len(struct cfg_node map);
/* Pair i of a mapping; false if a node is missing (a broken document). */
bool cfg_map_pair(struct cfg_node map, unsigned i, struct cfg_node *key, struct cfg_node *val);

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

/* Per neighbour / route / ACL rule: what resolving still needs (names point into the document). */
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

/* Per NAT rule: its port's name (resolved after the document) and lines for later checks. */
struct nat_side {
	const char *port; /* out: (snat) or in: (dnat), in the document */
	unsigned port_line, to_line, dst_line, dport_line;
};

/* Per lb VIP: lines of its keys, for the checks made after the document (0: the key is absent). */
struct lb_side {
	unsigned vip_line, port_line, encap_line, gue_port_line;
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

/* to: of a nat rule as written: a list, one address, or "ADDR:PORT" */
enum nat_to_kind {
	NAT_TO_NONE,
	NAT_TO_LIST,
	NAT_TO_ADDR,
	NAT_TO_ADDR_PORT,
};

struct nat_tmp {
	bool has_out, has_in, has_src, has_ports, has_dst, has_proto, has_dport;
	enum nat_to_kind to;
	unsigned type_line, out_line, in_line, src_line, ports_line, dst_line, proto_line, dport_line;
};

/* The lb VIP being read: which keys it gave (defaults that depend on other keys). */
struct lb_tmp {
	bool has_gue_port, has_health, has_hport, has_path, has_timeout;
	unsigned health_line, path_line, timeout_line;
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
	struct hp_config *cfg;
	struct port_side port[HP_MAX_PORTS];
	struct worker_side worker[HP_MAX_WORKERS];
	struct owner owner[HP_MAX_PORTS][HP_MAX_QUEUES];
	struct nb_side *nb;     /* n_neighbors entries */
	struct route_side *rt;  /* n_routes entries */
	struct acl_side *acl;   /* n_acl entries */
	unsigned *policer_line; /* n_policers entries: line of each name */
	struct nat_side *nat;   /* n_nat entries */
	struct lb_side *lb;     /* n_lb entries */
	struct route_tmp rtmp;
	struct acl_tmp atmp;
	struct policer_tmp ptmp;
	struct nat_tmp ntmp;
	struct lb_tmp ltmp;
	unsigned qi; /* next quote buffer */
	char quote[4][CFG_QUOTE_MAX + 8];
};

/*
 * One key a mapping may hold; val is the value node, obj what the mapping fills.
 * Top-level keys (sections) whose entries the socket may send one at a time
 * also have entry: it reads the entry v into out (struct hp_*_conf of the
 * section) against c->cfg, a scratch copy of the running config, checks it
 * and resolves its names.
 */
struct key_def {
	const char *key;
	int (*parse)(struct ctx *c, void *obj, const char *key, struct cfg_node val);
	bool required;
	int (*entry)(struct ctx *c, struct cfg_node v, void *out);
};

#define CFG_N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- messages (yaml.c) ---- */

/* "NAME:LINE: message" into c->err (line 0: "message"); returns -EINVAL. */
int cfg_fail_at(struct ctx *c, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define cfg_fail(c, node, ...) cfg_fail_at((c), cfg_line(node), __VA_ARGS__)
/* As cfg_fail_at(), for an allocation that failed: -ENOMEM. */
int cfg_oom(struct ctx *c, unsigned line);
/* A user string made safe to print: control and non-ASCII bytes as '?', cut
 * to CFG_QUOTE_MAX bytes. Four live at a time. */
const char *cfg_quote(struct ctx *c, const char *s);
/* "a scalar", "a mapping"... for messages. */
const char *cfg_kind(struct cfg_node n);
/* A prefix, an address, a family as text for messages (the first two in a quote buffer). */
const char *cfg_prefix_text(struct ctx *c, const struct hp_prefix *p);
const char *cfg_ip_text(struct ctx *c, const struct hp_addr *a);
const char *cfg_family_name(int family);

/* ---- values (yaml.c) ---- */

/* The scalar val as a C string; key names the field in the message. */
int cfg_want_scalar(struct ctx *c, const char *key, struct cfg_node val, const char *expect,
		    const char **out);
int cfg_want_seq(struct ctx *c, const char *key, struct cfg_node val);
int cfg_want_uint(struct ctx *c, const char *key, struct cfg_node val, unsigned long long min,
		  unsigned long long max, unsigned long long *out);
/* A unicast, non-zero MAC (ports and neighbours). */
int cfg_want_mac(struct ctx *c, const char *key, struct cfg_node val, uint8_t mac[6]);
/* A network prefix: address/length with no host bits set. */
int cfg_want_net(struct ctx *c, const char *key, struct cfg_node val, struct hp_prefix *out);
/* Port and policer names: 1 to HP_NAME_MAX - 1 of A-Z a-z 0-9 _ - */
bool cfg_name_ok(const char *s);

/*
 * Walk a mapping: every key a scalar listed in defs, none twice, required ones
 * present. what places the mapping in messages ("at top level", "in port").
 */
int cfg_walk_mapping(struct ctx *c, struct cfg_node map, const char *key, const char *what,
		     const struct key_def *defs, size_t n_defs, void *obj);

/* ---- table sections (yaml.c) ---- */

/*
 * The sequence val of at most max entries: *arr gets room for them (size bytes
 * each), *side as many side entries (side_size bytes each), both zeroed.
 */
int cfg_want_entries(struct ctx *c, const char *key, struct cfg_node val, unsigned max, const char *what,
		     size_t size, void **arr, size_t side_size, void **side);
/* v is a mapping: "key 'KEY': expected each WHAT to be a mapping" if not. */
int cfg_want_entry(struct ctx *c, const char *key, struct cfg_node v, const char *what);
uint64_t cfg_hash_addr(int family, unsigned extra, const uint8_t addr[16]);
int cfg_dup_init(struct ctx *c, struct dup_table *t, size_t n, unsigned line);
/* Add entry i of arr; returns an earlier entry same() as it, or UINT32_MAX. */
uint32_t cfg_dup_insert(struct dup_table *t, uint64_t hash, const void *arr,
			bool (*same)(const void *arr, uint32_t a, uint32_t b), uint32_t i);
/* Room for one entry's side data (entry mode): *side = calloc(1, size). */
int cfg_side_one(struct ctx *c, size_t size, void **side);

/* ---- sections (sec_*.c): parse the section's value; resolve names after the document ---- */

int cfg_parse_eal(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_parse_control(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_parse_mbufs(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_parse_ports(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_resolve_ports(struct ctx *c);
int cfg_parse_workers(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_resolve_workers(struct ctx *c);
int cfg_parse_neighbors(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_entry_neighbor(struct ctx *c, struct cfg_node v, void *out);
int cfg_parse_neighbor_config(struct ctx *c, void *obj, const char *key, struct cfg_node val);
void cfg_neigh_defaults(struct hp_neigh_conf *n);
int cfg_resolve_neighbors(struct ctx *c);
int cfg_parse_routes(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_entry_route(struct ctx *c, struct cfg_node v, void *out);
int cfg_resolve_routes(struct ctx *c);
int cfg_parse_acl_default(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_parse_acl(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_entry_acl(struct ctx *c, struct cfg_node v, void *out);
int cfg_resolve_acl(struct ctx *c);
int cfg_parse_policers(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_entry_policer(struct ctx *c, struct cfg_node v, void *out);
int cfg_parse_xdp(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_entry_xdp(struct ctx *c, struct cfg_node v, void *out);
int cfg_resolve_xdp(struct ctx *c);
int cfg_parse_linux(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_parse_conntrack(struct ctx *c, void *obj, const char *key, struct cfg_node val);
void cfg_conntrack_defaults(struct hp_conntrack_conf *ct);
int cfg_parse_nat(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_entry_nat(struct ctx *c, struct cfg_node v, void *out);
int cfg_resolve_nat(struct ctx *c);
int cfg_parse_lb(struct ctx *c, void *obj, const char *key, struct cfg_node val);
int cfg_entry_lb(struct ctx *c, struct cfg_node v, void *out);
int cfg_resolve_lb(struct ctx *c);
int cfg_parse_lb_conf(struct ctx *c, void *obj, const char *key, struct cfg_node val);
void cfg_lb_conf_defaults(struct hp_lb_conf *l);
void cfg_linux_all_protocols(struct hp_linux_conf *l);
/* Port of a neighbor or route: known, and routed (l3). */
int cfg_resolve_l3_port(struct ctx *c, const char *name, unsigned line, const char *what, int *out);

#endif
