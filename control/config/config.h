/* hotpath configuration: the YAML file of DESIGN.md parsed into the plain data of conf.h (no DPDK). */
#ifndef HP_CONFIG_H
#define HP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "conf.h"

#define HP_DEFAULT_SOCKET "/run/hotpath/hotpath.sock"
#define HP_DEFAULT_METRICS "127.0.0.1:9469"
#define HP_DEFAULT_STALL_US 5 /* control.stall_threshold_us */
#define HP_DEFAULT_MTU 1500   /* ports[].mtu */
#define HP_MIN_MTU 1280
#define HP_MAX_MTU 9000
#define HP_DEFAULT_RX_DESC 1024
#define HP_DEFAULT_TX_DESC 1024
/* neighbor_config: (RFC 4861 10: RetransTimer 1 s, REACHABLE_TIME 30 s, DELAY_FIRST_PROBE_TIME 5 s) */
#define HP_DEFAULT_NEIGH_MAX_PER_PORT 4096
#define HP_DEFAULT_NEIGH_HOLD 16
#define HP_DEFAULT_NEIGH_HOLD_PCT 5
#define HP_DEFAULT_NEIGH_SOLICIT_PPS 1000
#define HP_DEFAULT_NEIGH_SOLICIT_MS 1000
#define HP_DEFAULT_NEIGH_REACHABLE_MS 30000
#define HP_DEFAULT_NEIGH_DELAY_MS 5000
#define HP_DEFAULT_NEIGH_PROBES 3

/*
 * Parse and validate a YAML configuration held in memory. name is the file
 * name used in messages. On success returns 0 and fills cfg (release it with
 * hp_config_free()). On error returns -EINVAL (or -ENOMEM), leaves cfg freed,
 * and writes "NAME:LINE: message" into err (errlen bytes, NUL-terminated).
 */
int hp_config_parse(const char *name, const char *text, size_t len, struct hp_config *cfg, char *err,
		    size_t errlen);

/* As hp_config_parse() on the contents of the file at path; an unreadable
 * file gives "PATH: strerror". */
int hp_config_load(const char *path, struct hp_config *cfg, char *err, size_t errlen);

/* As hp_config_load(), for a file named over the control socket (config.apply):
 * opened without blocking, and refused unless it is a regular file (a FIFO, a
 * device, a directory: "PATH: not a regular file (a FIFO): refused", -EINVAL). */
int hp_config_load_regular(const char *path, struct hp_config *cfg, char *err, size_t errlen);

/* Release what hp_config_parse() allocated; cfg may be zeroed or half-filled. */
void hp_config_free(struct hp_config *cfg);

/*
 * One entry of a table section, as a socket request sends it: a JSON object
 * read with the same key parsers and checks as the file's entries, against
 * the running configuration cfg (ports, policers). section is "neighbors",
 * "routes", "acl", "policers", "xdp", "nat" or "lb"; out is a struct
 * hp_neighbor_conf, hp_route_conf, hp_acl_rule, hp_policer_conf, hp_xdp_conf,
 * hp_nat_rule or hp_lb_vip, filled and resolved (port and policer indexes)
 * but added nowhere; an hp_xdp_conf's block list and an hp_lb_vip's backends
 * are the caller's to free. A neighbor may leave port out when an l3 port's
 * subnet holds its ip (neigh.add's rule). JSON numbers, true, false and null
 * are read as the text YAML would see ("5000", "true", ""). The entry is
 * checked on its own: duplicates of running entries (same prefix, same
 * policer name) are the caller's to judge, but for nat and lb entries, which
 * are checked against the running rules and VIPs as the file's are (a pool
 * overlap, a VIP already defined, a GUE port in use). Returns 0, -EINVAL with "key 'dport': ..." in err (no
 * FILE:LINE: the request has none), or -ENOMEM.
 */
int hp_config_parse_entry(const struct hp_config *cfg, const char *section, const json_t *entry, void *out,
			  char *err, size_t errlen);

/* conntrack.max's memory check compares max x HP_CT_CONN_BYTES with the machine's memory
 * (sysconf); tests set another (bytes; 0 = the machine's again). */
void hp_config_set_memory(uint64_t bytes);

/* "p0/1" -> queue reference; -EINVAL if malformed, -ENOENT if no such port,
 * -ERANGE if the queue is not below the port's queue count. */
int hp_parse_queue_ref(const struct hp_config *cfg, const char *s, struct hp_queue_ref *q);

/* An xdp pass class from its text ("tcp/22" a destination port, "tcp/sport/179" a source
 * port, "udp/5000-5010", "arp", "nd", "icmp", "icmpv6"): 0 or -EINVAL. hp_xdp_class_text() writes the canonical text back. */
int hp_parse_xdp_class(const char *s, struct hp_xdp_class *c);
void hp_xdp_class_text(const struct hp_xdp_class *c, char *buf, size_t len);
bool hp_xdp_class_equal(const struct hp_xdp_class *a, const struct hp_xdp_class *b);
/* An interface name the kernel would accept (1..15 chars, no '/', ':' or space). */
bool hp_ifname_ok(const char *s);
/* The iface= of a net_af_xdp device string (NULL if it is not one or has none). */
bool hp_af_xdp_iface(const char *device, char *iface, size_t len);

#endif
