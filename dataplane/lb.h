/*
 * The L4 load balancer of a table set (config lb:, docs/lb.md): packets to a VIP (address,
 * protocol, port) get a backend, by their flow's entry in the worker's flow table or else by the
 * VIP's Maglev ring (maglev.h), and leave encapsulated to it (lb_encap.h) for direct server
 * return: the LPM routes the outer header. Built by the control thread from the configuration
 * and the running set's dp_lb (backend ids, states and counters carry over); the workers only
 * read it, and write their own flow tables and counters.
 */
#ifndef DP_LB_H
#define DP_LB_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "conf.h"

struct dp_burst;
struct dp_worker;
struct lb_flow_table;
struct rte_mbuf;

/* What hpctl (or the operator) says of a backend. */
enum dp_lb_admin {
	DP_LB_ADMIN_UP,    /* serves when healthy */
	DP_LB_ADMIN_DOWN,  /* out: its flows move to the others */
	DP_LB_ADMIN_DRAIN, /* keeps its flows, gets no new ones (as weight 0) */
};

/* What the health checker last concluded (unknown: no check configured, or none finished yet). */
enum dp_lb_health {
	DP_LB_HEALTH_UNKNOWN,
	DP_LB_HEALTH_UP,
	DP_LB_HEALTH_DOWN,
};

/* Counters of a VIP or a backend, per worker (the worker writes, the control thread sums). */
struct dp_lb_counters {
	uint64_t packets;
	uint64_t bytes;
	uint64_t flows;      /* new flows given (a VIP's), or taken (a backend's) */
	uint64_t moved;      /* flows whose backend went down or away, given another */
	uint64_t no_backend; /* a VIP's packets dropped: no backend up with weight > 0 */
};

struct dp_lb;

/*
 * Compile cfg's lb: for n_workers, reading their flow tables flows[0..n_workers-1] (the
 * runtime's). prev (the running set's, or NULL): each backend that prev has for the same VIP
 * keeps its id, its admin and health state; the others get new ids. NULL with err on ENOMEM
 * (or a Maglev refusal the config checks should have caught). Control thread.
 */
struct dp_lb *dp_lb_build(const struct hp_config *cfg, const struct dp_lb *prev, unsigned n_workers,
			  struct lb_flow_table *const *flows, int socket, char *err, size_t errlen);
void dp_lb_free(struct dp_lb *lb);

/* After lb replaced old and a grace period passed: old's counters added to lb's (by VIP and
 * backend), so they count from the daemon's start. Control thread. */
void dp_lb_carry(struct dp_lb *lb, const struct dp_lb *old);

/* VIP index of (vip, proto, port) in lb, or -1. */
int dp_lb_vip_find(const struct dp_lb *lb, const struct hp_addr *vip, uint8_t proto, uint16_t port);

/* Backend slot of ip in VIP v, or -1. */
int dp_lb_backend_find(const struct dp_lb *lb, unsigned v, const struct hp_addr *ip);

/* On a set not yet published: backend (v, slot)'s admin or health state, and v's ring refilled.
 * 0, or -EINVAL. Control thread. */
int dp_lb_set_admin(struct dp_lb *lb, unsigned v, unsigned slot, enum dp_lb_admin st);
int dp_lb_set_health(struct dp_lb *lb, unsigned v, unsigned slot, enum dp_lb_health st);

/* Backend (v, slot)'s health state (DP_LB_HEALTH_UNKNOWN when there is no such backend). */
enum dp_lb_health dp_lb_get_health(const struct dp_lb *lb, unsigned v, unsigned slot);

/* The stage: the packets of b's family lists addressed to a VIP get a backend and their
 * encapsulation, and go on to the LPM with the outer header (or are dropped: no backend). */
void dp_lb_stage(const struct dp_lb *lb, struct dp_worker *w, struct dp_burst *b, uint64_t now);

/*
 * The fast path's share of a burst (l3.c fast_burst_lb): pkts[0..n-1] are plain IPv4 frames
 * (dp_fast4_ok). Those to a VIP get their backend and their IPIP or GUE header (the outer IPv4
 * header at the frame's offset 14, as dp_fast4_ok's frames have it); the others are left as they
 * are. Returns how many of them, from the first, it took: it stops at a VIP packet whose VIP has
 * no backend up, whose backend is IPv6, or that could be too big for a port (frame_min: the
 * smallest port's frame) once encapsulated; the general stage takes that one and the rest.
 */
uint16_t dp_lb_fast(const struct dp_lb *lb, struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n,
		    uint32_t frame_min, uint64_t now);

/* lb.show (stats false) / lb.stats (with the counters): {"vips": [...], "flows": {...}}. */
json_t *dp_lb_json(const struct dp_lb *lb, bool stats, uint64_t now);

/* VIP vi as lb.show lists it (NULL: no such VIP). */
json_t *dp_lb_vip_json(const struct dp_lb *lb, unsigned vi);

/* The names of the states, as hpctl and the JSON write them. */
const char *dp_lb_admin_name(enum dp_lb_admin st);
const char *dp_lb_health_name(enum dp_lb_health st);

#endif
