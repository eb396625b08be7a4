/* The running configuration written out: config.dump's file, and the JSON pieces the socket's replies share with it. */
#ifndef HP_DUMP_H
#define HP_DUMP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config.h"

/*
 * The whole of cfg as a config file: the file's EAL, control, ports and
 * workers, and the routes, static neighbours, ACL, policers, xdp sets, nat
 * rules and lb VIPs as the model holds them now. JSON is YAML: hotpathd -c and --check read
 * it as any config. A new reference (NULL on ENOMEM).
 */
json_t *hp_dump_config(const struct hp_config *cfg);

/* The same as text, with a comment line on top; malloc'd, NULL on ENOMEM. */
char *hp_dump_text(const struct hp_config *cfg);

/* One object each, as the file writes it (as_config) or route.show lists it. New references. */
json_t *hp_dump_route(const struct hp_config *cfg, const struct hp_route_conf *r, bool as_config);
/* The linux: section as config dump writes it (table as a word where it has one). */
json_t *hp_dump_linux(const struct hp_linux_conf *l);
json_t *hp_dump_policer(const struct hp_policer_conf *p);
json_t *hp_dump_xdp_pass(const struct hp_xdp_conf *x);
/* A nat: rule as the file writes it (type, out/in, src, to, ports / dst, proto, dport). */
json_t *hp_dump_nat_rule(const struct hp_config *cfg, const struct hp_nat_rule *r);
/* An lb VIP as the file writes it: every key but port (absent: every port), gue_port (GUE only),
 * flags and health (when set); health and backends with their defaults filled in. */
json_t *hp_dump_lb_vip(const struct hp_lb_vip *v);
/* The lb_conf: section, every key. */
json_t *hp_dump_lb_conf(const struct hp_lb_conf *l);
/* Addresses, prefixes ("10.0.0.0/8"), MACs, lists of prefixes and port ranges ("80", "5000-5010") as JSON strings. */
json_t *hp_json_addr(const struct hp_addr *a);
json_t *hp_json_prefix(const struct hp_prefix *p);
json_t *hp_json_mac(const uint8_t mac[6]);
json_t *hp_json_prefixes(const struct hp_prefix *p, unsigned n);
json_t *hp_json_port_range(uint16_t lo, uint16_t hi);

/* An ACL rule's action as the file writes it: "deny", "police NAME". */
void hp_dump_acl_action(const struct hp_config *cfg, const struct hp_acl_rule *r, char *buf, size_t len);

#endif
