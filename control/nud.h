/* Neighbour Unreachability Detection (RFC 4861 7.3) and the solicitation token bucket: pure state machines, no DPDK. */
#ifndef CTL_NUD_H
#define CTL_NUD_H

#include <stdbool.h>
#include <stdint.h>

/* RFC 4861 7.3.2, plus FAILED (Linux) and STATIC. REACHABLE, STALE, DELAY
 * and PROBE have a MAC and forward; the others do not. */
#define NUD_STATES(_)                                                            \
	_(NONE, "none")             /* known (a gateway), never asked for */     \
	_(INCOMPLETE, "incomplete") /* solicited, packets held */                \
	_(REACHABLE, "reachable")   /* confirmed less than reachable_ms ago */   \
	_(STALE, "stale")           /* MAC kept, not confirmed lately */         \
	_(DELAY, "delay")           /* stale and in use: probe after delay_ms */ \
	_(PROBE, "probe")           /* unicast probes sent, still forwarding */  \
	_(FAILED, "failed")         /* never answered: no MAC */                 \
	_(STATIC, "static")         /* configured: never changes */

enum nud_state {
#define NUD_ENUM(sym, name) NUD_##sym,
	NUD_STATES(NUD_ENUM)
#undef NUD_ENUM
	NUD_N
};

extern const char *const nud_state_names[NUD_N];

struct nud_params {
	uint32_t reachable_ms, delay_ms, retrans_ms, probes;
};

#define NUD_GC_STALE_MS 60000 /* an unused STALE entry may be freed after this (Linux gc_stale_time) */

struct nud {
	uint8_t state;      /* enum nud_state */
	uint8_t probes;     /* solicitations sent in this INCOMPLETE or PROBE round */
	uint64_t since_ms;  /* entered the state (REACHABLE: last confirmation) */
	uint64_t probed_ms; /* last solicitation sent */
};

static inline bool
nud_has_mac(const struct nud *n)
{
	return n->state == NUD_REACHABLE || n->state == NUD_STALE || n->state == NUD_DELAY ||
	       n->state == NUD_PROBE || n->state == NUD_STATIC;
}

enum nud_do {
	NUD_DO_NOTHING,
	NUD_DO_SOLICIT, /* broadcast ARP / multicast NS; call nud_sent() if it went */
	NUD_DO_PROBE,   /* unicast ARP / NS to the known MAC; nud_sent() if it went */
	NUD_DO_FAIL,    /* now FAILED: forget the MAC, drop what is held */
	NUD_DO_RECLAIM, /* FAILED for a retransmit interval, or STALE and unused for NUD_GC_STALE_MS: may be freed */
};

/*
 * The timers, every tick. used: a worker sent through it since the caller last
 * cleared the flag (which it does whenever the state becomes STALE).
 * INCOMPLETE solicits every retrans_ms and fails after probes of them (or
 * after (probes + 1) * retrans_ms whatever was sent: a rate-limited entry does
 * not live forever); REACHABLE -> STALE after reachable_ms; STALE and used ->
 * DELAY; DELAY -> PROBE after delay_ms (first unicast probe); PROBE probes
 * every retrans_ms and fails after probes of them.
 */
enum nud_do nud_tick(struct nud *n, const struct nud_params *p, uint64_t now, bool used);

/* States whose next step is due within a retransmit interval (INCOMPLETE, DELAY, PROBE, FAILED). */
static inline bool
nud_timed(uint8_t state)
{
	return state == NUD_INCOMPLETE || state == NUD_DELAY || state == NUD_PROBE || state == NUD_FAILED;
}

/* A solicitation or probe asked for by nud_tick/nud_need went out. */
void nud_sent(struct nud *n, uint64_t now);

/*
 * A packet waits for this neighbour (it has no MAC). NONE and FAILED become
 * INCOMPLETE; true when a solicitation is due now (never sooner than
 * retrans_ms after the last one to this target).
 */
bool nud_need(struct nud *n, const struct nud_params *p, uint64_t now);

/* What the neighbour showed (RFC 4861 7.2.5 and appendix C; RFC 826 for ARP). */
#define NUD_F_CONFIRM 1u  /* an answer to us: solicited NA, ARP reply to our address */
#define NUD_F_OVERRIDE 2u /* may replace a different MAC: NA with O, NS source option, ARP */

#define NUD_R_SET_MAC 1u /* take the shown MAC (resolved) */
#define NUD_R_RELEASE 2u /* it has a MAC now: send what is held */

/*
 * An existing entry (nothing here creates one) learns: same_mac = it has a
 * MAC and it is the one shown. STATIC never changes. Without a MAC: it takes
 * it, REACHABLE if confirmed else STALE. With one: a different MAC without
 * OVERRIDE only turns REACHABLE into STALE; otherwise a different MAC is
 * taken and a confirmation makes it REACHABLE, else a new MAC makes it STALE.
 */
unsigned nud_learn(struct nud *n, uint64_t now, bool same_mac, unsigned flags);

/* Token bucket: rate tokens a second, at most burst saved. */
struct nud_bucket {
	uint64_t milli; /* tokens x 1000 */
	uint64_t last_ms;
};

void nud_bucket_init(struct nud_bucket *b, uint32_t burst, uint64_t now);
bool nud_bucket_take(struct nud_bucket *b, uint32_t rate, uint32_t burst, uint64_t now);

#endif
