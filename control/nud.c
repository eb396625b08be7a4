/* Neighbour Unreachability Detection (RFC 4861 7.3) and the solicitation token bucket: pure state machines, no DPDK. */
#include "nud.h"

const char *const nud_state_names[NUD_N] = {
#define NUD_NAME(sym, name) [NUD_##sym] = name,
	NUD_STATES(NUD_NAME)
#undef NUD_NAME
};

static void
enter(struct nud *n, enum nud_state s, uint64_t now)
{
	n->state = (uint8_t)s;
	n->since_ms = now;
	n->probes = 0;
}

enum nud_do
nud_tick(struct nud *n, const struct nud_params *p, uint64_t now, bool used)
{
	switch (n->state) {
	case NUD_INCOMPLETE:
		if (now - n->since_ms >= (uint64_t)(p->probes + 1) * p->retrans_ms ||
		    (n->probes >= p->probes && now - n->probed_ms >= p->retrans_ms)) {
			enter(n, NUD_FAILED, now);
			return NUD_DO_FAIL;
		}
		if (now - n->probed_ms >= p->retrans_ms)
			return NUD_DO_SOLICIT;
		return NUD_DO_NOTHING;
	case NUD_REACHABLE:
		if (now - n->since_ms >= p->reachable_ms)
			enter(n, NUD_STALE, now);
		return NUD_DO_NOTHING;
	case NUD_STALE:
		if (used) {
			enter(n, NUD_DELAY, now);
			return NUD_DO_NOTHING;
		}
		return now - n->since_ms >= NUD_GC_STALE_MS ? NUD_DO_RECLAIM : NUD_DO_NOTHING;
	case NUD_DELAY:
		if (now - n->since_ms < p->delay_ms)
			return NUD_DO_NOTHING;
		enter(n, NUD_PROBE, now);
		return NUD_DO_PROBE;
	case NUD_PROBE:
		if (n->probes > 0 && now - n->probed_ms < p->retrans_ms)
			return NUD_DO_NOTHING;
		if (n->probes >= p->probes) {
			enter(n, NUD_FAILED, now);
			return NUD_DO_FAIL;
		}
		return NUD_DO_PROBE;
	case NUD_FAILED:
		return now - n->since_ms >= p->retrans_ms ? NUD_DO_RECLAIM : NUD_DO_NOTHING;
	default:
		return NUD_DO_NOTHING;
	}
}

void
nud_sent(struct nud *n, uint64_t now)
{
	if (n->probes < UINT8_MAX)
		n->probes++;
	n->probed_ms = now;
}

bool
nud_need(struct nud *n, const struct nud_params *p, uint64_t now)
{
	if (n->state == NUD_NONE || n->state == NUD_FAILED)
		enter(n, NUD_INCOMPLETE, now);
	/* the per-target interval holds across rounds: a failed target is not asked again at once */
	return n->state == NUD_INCOMPLETE && n->probes < p->probes && now - n->probed_ms >= p->retrans_ms;
}

unsigned
nud_learn(struct nud *n, uint64_t now, bool same_mac, unsigned flags)
{
	if (n->state == NUD_STATIC)
		return 0;
	if (!nud_has_mac(n)) {
		enter(n, (flags & NUD_F_CONFIRM) ? NUD_REACHABLE : NUD_STALE, now);
		return NUD_R_SET_MAC | NUD_R_RELEASE;
	}
	if (!same_mac && !(flags & NUD_F_OVERRIDE)) {
		if (n->state == NUD_REACHABLE)
			enter(n, NUD_STALE, now);
		return 0;
	}
	if (flags & NUD_F_CONFIRM)
		enter(n, NUD_REACHABLE, now);
	else if (!same_mac)
		enter(n, NUD_STALE, now);
	return same_mac ? 0 : NUD_R_SET_MAC;
}

void
nud_bucket_init(struct nud_bucket *b, uint32_t burst, uint64_t now)
{
	b->milli = (uint64_t)burst * 1000;
	b->last_ms = now;
}

bool
nud_bucket_take(struct nud_bucket *b, uint32_t rate, uint32_t burst, uint64_t now)
{
	uint64_t cap = (uint64_t)burst * 1000;

	if (now > b->last_ms) {
		b->milli += (now - b->last_ms) * rate; /* rate/s = rate tokens x 1000 per 1000 ms */
		b->last_ms = now;
	}
	if (b->milli > cap)
		b->milli = cap;
	if (b->milli < 1000)
		return false;
	b->milli -= 1000;
	return true;
}
