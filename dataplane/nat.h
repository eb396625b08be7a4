/*
 * NAT44: the compiled nat: rules (SNAT to a pool with port allocation, DNAT port forwards) and the
 * packet rewrites with incremental checksums, ICMP errors included. The connection table
 * (ct.h) holds each translation as its two keys; this module decides new translations, owns
 * the pools' port maps, and rewrites. IPv4 only. See docs/conntrack.md.
 */
#ifndef DP_NAT_H
#define DP_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "ct.h"

/* Per-worker NAT counters (worker writes, control reads stale). */
#define DP_NAT_COUNTERS(_)                                                                      \
	_(snat_new, "new connections given a pool address and port")                            \
	_(dnat_new, "new connections sent to a port forward's target")                          \
	_(hairpin, "new connections from inside to a port forward on the same side (SNAT too)") \
	_(exhausted, "new connections refused: every port of the pool in use for the protocol") \
	_(released, "pool ports given back (connection removed)")                               \
	_(icmp_errors, "ICMP errors about a translated connection, translated back")

struct dp_nat_stats {
#define DP_NAT_FIELD(name, help) uint64_t name;
	DP_NAT_COUNTERS(DP_NAT_FIELD)
#undef DP_NAT_FIELD
};

struct dp_nat;

/*
 * Compile cfg->nat for n_workers. prev: the running set's dp_nat (NULL at start): pool
 * addresses it has too keep their port maps (the connections holding those ports live on); the
 * maps are shared, each freed with the last dp_nat naming it. NULL with err ("FILE:LINE: ...")
 * on refusal or ENOMEM. Control thread.
 */
struct dp_nat *dp_nat_build(const struct hp_config *cfg, const struct dp_nat *prev, unsigned n_workers,
			    int socket, char *err, size_t errlen);
void dp_nat_free(struct dp_nat *n);

/* The DNAT rule for a new IPv4 flow arriving on in_port to dst:dport (network order), proto;
 * false when none. *to_addr, *to_port: the target (network order). in_port DP_NAT_ANY_PORT: a
 * rule of any in: port (hairpinning: a host on another port connecting to the public address). */
#define DP_NAT_ANY_PORT 0xffffffffu
bool dp_nat_dnat(const struct dp_nat *n, unsigned in_port, uint32_t dst, uint8_t proto, uint16_t dport,
		 uint32_t *to_addr, uint16_t *to_port);

/* The SNAT rule (index) for a new IPv4 flow from src leaving by out_port; any_port: the first
 * rule whose src: holds src whatever its out: (hairpin). -1 when none. */
int dp_nat_snat_rule(const struct dp_nat *n, unsigned out_port, uint32_t src, bool any_port);

/*
 * A free (address, port) of rule's pool for proto (TCP, UDP, or ICMP: the port is the echo
 * identifier), claimed atomically (no other flow, on any worker, gets it until released); the
 * search starts at hash's place and looks at a bounded number of map words. 0 with *addr,
 * *port (network order) and *cookie (for dp_nat_release); -ENOSPC when the pool has no free
 * port for proto (counts exhausted). Worker.
 */
int dp_nat_alloc(const struct dp_nat *n, unsigned worker, int rule, uint8_t proto, uint32_t hash,
		 uint32_t *addr, uint16_t *port, uint32_t *cookie);

/* Give back what dp_nat_alloc claimed (a connection's nat_cookie, its proto and public port). */
void dp_nat_release(const struct dp_nat *n, unsigned worker, uint32_t cookie, uint8_t proto, uint16_t port);

/* Free ports of rule's pool for proto now (hpctl nat show). */
uint64_t dp_nat_pool_free(const struct dp_nat *n, int rule, uint8_t proto);

struct dp_nat_stats *dp_nat_worker_stats(const struct dp_nat *n, unsigned worker);
unsigned dp_nat_n_rules(const struct dp_nat *n);

/*
 * Rewrite an IPv4 packet (ip: its header; l4: its L4 header or NULL for a later fragment,
 * l4len bytes of it readable) whose tuple is `from` so that it reads `to`: with src, the source
 * address and port (ICMP query: identifier); with dst, the destination address and port. IP
 * header checksum, TCP/UDP checksum (UDP 0 stays 0), ICMP checksum (identifier) updated
 * incrementally. Worker.
 */
void dp_nat_rewrite4(uint8_t *ip, uint8_t *l4, uint32_t l4len, const struct ct_key *from,
		     const struct ct_key *to, bool src, bool dst);

/*
 * An ICMPv4 error (ip: outer header, icmp: its ICMP header, len bytes from icmp readable) whose
 * quoted packet belongs to a translated connection: the quoted packet becomes `inner` (the
 * tuple it had before translation), the outer destination `outer_dst` (and the outer source
 * `outer_src` when it is not 0): quoted IP and L4 checksums (when quoted whole enough), the
 * ICMP checksum and the outer IP checksum fixed. Worker.
 */
void dp_nat_icmp_error4(uint8_t *ip, uint8_t *icmp, uint32_t len, const struct ct_key *inner,
			uint32_t outer_dst, uint32_t outer_src);

#endif
