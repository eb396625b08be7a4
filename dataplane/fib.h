/* Forwarding tables: IPv4/IPv6 LPM -> route groups (ECMP) -> next hops; neighbours; local addresses. */
#ifndef DP_FIB_H
#define DP_FIB_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_hash_crc.h>

#include "conf.h"
#include "lpm4.h"
#include "parse.h"

struct rte_lpm6;
struct rte_hash;
struct rte_rcu_qsbr;
struct group_index;
struct dp_nh_pending;

#define DP_MAX_NH (1u << 16)     /* next hops: gateways and neighbours */
#define DP_MAX_GROUPS (1u << 16) /* distinct route results (routes share them) */
#define DP_NO_NH UINT32_MAX

/* What an LPM hit means. */
enum dp_group_type {
	DP_GROUP_FORWARD, /* ECMP over nh[0..n-1] */
	DP_GROUP_DROP,    /* blackhole (a route's action: drop) or a built-in martian: why says which */
	DP_GROUP_LOCAL,   /* one of our addresses: punt */
	DP_GROUP_GLEAN,   /* connected subnet of port: next hop is the destination itself */
};

struct dp_group {
	uint8_t type; /* enum dp_group_type */
	uint8_t n;    /* FORWARD: paths */
	uint8_t port; /* GLEAN: the connected port */
	uint8_t why;  /* DROP: the drop reason (enum dp_drop) */
	uint32_t nh[HP_MAX_ECMP];
};

/*
 * A next hop as workers see it: one 64-bit word, so the control thread
 * updates a neighbour's MAC and state with one atomic store and no grace
 * period. Bits 0-47 MAC (as in memory, byte 0 first), 48-55 egress port,
 * bit 56 resolved.
 */
#define DP_NH_PORT_SHIFT 48
#define DP_NH_RESOLVED (1ull << 56)
/* Unresolved, and the control thread takes no more packets for it (its hold queue is full,
 * or all of them are): workers drop them (neigh_queue_full) rather than punt. */
#define DP_NH_NOPUNT (1ull << 57)

static inline uint64_t
dp_nh_word(const uint8_t mac[6], unsigned port, bool resolved)
{
	uint64_t w = 0;

	for (unsigned i = 0; i < 6; i++)
		w |= (uint64_t)mac[i] << (8 * i);
	return w | (uint64_t)(port & 0xff) << DP_NH_PORT_SHIFT | (resolved ? DP_NH_RESOLVED : 0);
}

static inline unsigned
dp_nh_port(uint64_t w)
{
	return (unsigned)(w >> DP_NH_PORT_SHIFT) & 0xff;
}

/* Key of the neighbour hash: an address on a port. */
struct dp_neigh_key {
	uint8_t addr[16]; /* IPv4 in the first 4 bytes, rest zero */
	uint16_t port;
	uint8_t family; /* 4 or 6 */
	uint8_t pad;
};

/*
 * The published tables. Ownership: the control thread builds and changes
 * them; workers read them between two quiescent states. LPM entries and the
 * neighbour hash are changed in place under RCU (their QSBR hooks reclaim
 * memory); next-hop words are single atomic stores; groups are written only
 * before the route pointing at them is published.
 */
struct dp_fib {
	struct dp_lpm4 *lpm4; /* next hop = group index */
	struct rte_lpm6 *lpm6;
	struct rte_hash *neigh;  /* dp_neigh_key -> nh index (connected hosts, gateways) */
	struct dp_group *groups; /* DP_MAX_GROUPS */
	uint64_t *nh;            /* DP_MAX_NH words */
	uint8_t *nh_used;        /* DP_MAX_NH: workers set 1 when they send through it, control clears */
	uint32_t n_groups;       /* control only */
	uint32_t n_nh;           /* control only: indices handed out so far (some may be free) */
	/* each next hop's address (DP_MAX_NH); family 0 = free. Control writes; workers read the
	 * one a glean hint names (dp_glean_is), under RCU: an index is reused only after a grace period */
	struct hp_addr *nh_addr;
	uint8_t *nh_pin;   /* control only: 1 = a gateway or static neighbour: never freed */
	uint32_t *nh_free; /* control only: freed indices past their grace period (a stack) */
	uint32_t n_free;
	struct dp_nh_pending *nh_pend; /* control only: freed indices waiting for a grace period (FIFO) */
	uint32_t pend_head, pend_n;
	struct rte_rcu_qsbr *qsv;
	struct group_index *gi;                       /* control only: next-hop sets -> FORWARD groups */
	int drop_group;                               /* control only */
	struct rte_ether_addr port_mac[HP_MAX_PORTS]; /* source MAC per egress port */
	uint32_t frame_max[HP_MAX_PORTS]; /* largest frame a port sends: its MTU + 14 (untagged Ethernet) */
	uint32_t frame_min;               /* the smallest frame_max of the ports */
	bool l3_port[HP_MAX_PORTS];
	/* ports[].host: tap: link-local multicast (IPv4 224.0.0.0/24, IPv6 ff02::/16) that
	 * hotpathd does not serve is punted LOCAL for the host interface, not dropped */
	bool host_mcast[HP_MAX_PORTS];
	/* control writes, workers read: the port has no room for another neighbour, so a
	 * packet to a connected host without an entry is dropped (neigh_table_full), not punted */
	uint8_t glean_full[HP_MAX_PORTS];
	uint32_t *glean_hint;  /* DP_GLEAN_SLOTS: workers read, control writes */
	uint16_t *glean_count; /* control only: entries worth a lookup, per slot */
};

/*
 * Build the tables from cfg on socket, with RCU hooks on qsv: local
 * addresses (/32, /128, and each port's IPv6 link-local) -> LOCAL; connected
 * subnets -> GLEAN; routes -> FORWARD groups (next hops shared) or DROP;
 * static neighbours resolved; the martian destinations (hp_martian_prefix)
 * and each connected IPv4 subnet's broadcast address (/30 and wider) -> DROP
 * with their own reasons. port_macs are the ports' own MACs. Returns
 * NULL with a "FILE:LINE: message" in err (e.g. a via outside every
 * connected subnet). Control thread.
 */
struct dp_fib *dp_fib_build(const struct hp_config *cfg, const struct rte_ether_addr *port_macs,
			    struct rte_rcu_qsbr *qsv, int socket, char *err, size_t errlen);
void dp_fib_free(struct dp_fib *fib);

/* Next-hop index of (port, address), DP_NO_NH if none. Workers and control. */
uint32_t dp_fib_neigh_lookup(const struct dp_fib *fib, unsigned port, const uint8_t *addr, int l3);

/*
 * Control side: create (unresolved) or find the next hop of (port, addr);
 * DP_NO_NH when full. dp_fib_neigh_get pins it (a gateway or a static
 * neighbour: never freed); dp_fib_neigh_add leaves a new one unpinned (a
 * host the slow path resolves), which dp_fib_neigh_free may free: its key
 * leaves the hash, its word becomes unresolved, and its index is reused only
 * after a grace period (a worker may still hold it). 0, -EBUSY (pinned),
 * -ENOENT. dp_fib_nh_reclaim makes indices whose grace period is over
 * reusable (no wait). Make a next hop resolved with mac, or unresolved.
 */
uint32_t dp_fib_neigh_get(struct dp_fib *fib, unsigned port, const struct hp_addr *addr);
uint32_t dp_fib_neigh_add(struct dp_fib *fib, unsigned port, const struct hp_addr *addr);
int dp_fib_neigh_free(struct dp_fib *fib, uint32_t nh);
void dp_fib_nh_reclaim(struct dp_fib *fib);
void dp_fib_nh_set(struct dp_fib *fib, uint32_t nh, const uint8_t *mac, bool resolved);
/* An unresolved nh's DP_NH_NOPUNT bit (workers drop its packets), its slot of the filter kept. */
void dp_fib_nh_nopunt(struct dp_fib *fib, uint32_t nh, bool on);

/*
 * Which neighbours are worth a lookup, and which one, per slot of (port, address): the entries
 * the control thread still takes packets for (in the hash and not DP_NH_NOPUNT) that fall in
 * the slot are counted; the slot's hint is DP_NO_NH while there is none, the next hop of the one
 * that came into the empty slot while it is alone, DP_GLEAN_MANY after a second came (until the
 * slot is empty again). A packet to a connected host whose slot is empty has no such entry:
 * punted (or dropped when the port is full) without touching the hash, so a scan costs the
 * workers a multiply and a load. One whose slot names a next hop of its own address and port
 * (dp_glean_is) takes it without a hash lookup; the others look the hash up.
 */
#define DP_GLEAN_SLOTS (1u << 16)
#define DP_GLEAN_MANY (DP_NO_NH - 1)

static inline uint32_t
dp_glean_slot(unsigned port, const uint8_t *addr, int l3)
{
	uint32_t h = 0x9e3779b9u * (port + 1), w;

	for (unsigned i = 0; i < (l3 == DP_L3_IPV4 ? 4u : 16u); i += 4) {
		memcpy(&w, addr + i, 4);
		h = (h ^ w) * 0x9e3779b1u;
	}
	return h >> 16;
}

/* Next hop nh (a slot's hint) is the neighbour of addr on port. */
static inline bool
dp_glean_is(const struct dp_fib *fib, uint32_t nh, unsigned port, const uint8_t *addr, int l3)
{
	const struct hp_addr *a = &fib->nh_addr[nh];

	if (l3 == DP_L3_IPV4) {
		if (a->family != AF_INET || memcmp(a->addr, addr, 4) != 0)
			return false;
	} else if (a->family != AF_INET6 || memcmp(a->addr, addr, 16) != 0) {
		return false;
	}
	return dp_nh_port(__atomic_load_n(&fib->nh[nh], __ATOMIC_RELAXED)) == port;
}

/* A worker sends through nh: tell the control thread (NUD: a STALE neighbour in use
 * is probed). One byte per next hop, written only when it was clear. */
static inline void
dp_nh_touch(uint8_t *used, uint32_t nh)
{
	if (__builtin_expect(__atomic_load_n(&used[nh], __ATOMIC_RELAXED) == 0, 0))
		__atomic_store_n(&used[nh], 1, __ATOMIC_RELAXED);
}

/*
 * Live route changes, control thread (workers keep looking up: dp_lpm4 and
 * rte_lpm6 update entries in place, tbl8 groups are reclaimed under RCU).
 * The routes themselves live in the configuration model (control/config/
 * model.h), which checked r first: dp_fib_route_add puts r in the LPM, over
 * the route of the same prefix if there is one; its next hops come from
 * cfg's connected subnets unless r->port >= 0. 0, or -ENOSPC (a table full)
 * with a message in err; a refused add changes nothing. dp_fib_route_del: 0
 * or -ENOENT. The caller waits for a grace period before it says the change
 * is done.
 */
int dp_fib_route_add(struct dp_fib *fib, const struct hp_config *cfg, const struct hp_route_conf *r,
		     char *err, size_t errlen);
int dp_fib_route_del(struct dp_fib *fib, const struct hp_prefix *p);

/* ECMP: a flow's path among n (1..HP_MAX_ECMP), from its 5-tuple. */
static inline uint32_t
dp_flow_hash4(const struct dp_acl_key4 *k)
{
	uint32_t h = rte_hash_crc_4byte(k->src, 0x9e3779b9);
	h = rte_hash_crc_4byte(k->dst, h);
	h = rte_hash_crc_4byte((uint32_t)k->sport << 16 | k->dport, h);
	return rte_hash_crc_4byte(k->proto, h);
}

static inline uint32_t
dp_flow_hash6(const struct dp_acl_key6 *k)
{
	uint32_t h = 0x9e3779b9, w;

	/* 4-byte steps: the addresses are only 4-byte aligned in the key */
	for (unsigned i = 0; i < 16; i += 4) {
		memcpy(&w, k->src + i, 4);
		h = rte_hash_crc_4byte(w, h);
	}
	for (unsigned i = 0; i < 16; i += 4) {
		memcpy(&w, k->dst + i, 4);
		h = rte_hash_crc_4byte(w, h);
	}
	h = rte_hash_crc_4byte((uint32_t)k->sport << 16 | k->dport, h);
	return rte_hash_crc_4byte(k->proto, h);
}

static inline unsigned
dp_ecmp_pick(uint32_t hash, unsigned n)
{
	return (unsigned)(((uint64_t)hash * n) >> 32);
}

#endif
