/* Stage 5: the ACL over rte_acl, per-worker rule counters, rte_meter policers, and its stage over a burst. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_meter.h>

#include "acl.h"
#include "stage.h"

/* Packets per rte_acl_classify() call: bounds the per-worker scratch arrays. */
#define DP_ACL_CHUNK 64

/* Categories: 0 holds the decisive rules (permit/deny/police), 1 the count rules. */
#define DP_ACL_CAT_DECIDE 0
#define DP_ACL_CAT_COUNT 1

/* rte_acl: a higher priority wins; rank r (0 = matched first) gets MAX - r. */
#define DP_ACL_MAX_RULES ((unsigned)(RTE_ACL_MAX_PRIORITY - RTE_ACL_MIN_PRIORITY + 1))

enum {
	DP_ACL_V4,
	DP_ACL_V6,
	DP_ACL_NFAM
};

enum {
	F4_PROTO,
	F4_STATE,
	F4_SRC,
	F4_DST,
	F4_SPORT,
	F4_DPORT,
	F4_NUM
};

enum {
	F6_PROTO,
	F6_STATE,
	F6_SRC0, /* 4 x 32 bits, most significant first */
	F6_DST0 = F6_SRC0 + 4,
	F6_SPORT = F6_DST0 + 4,
	F6_DPORT,
	F6_NUM
};

RTE_ACL_RULE_DEF(dp_acl_rule4, F4_NUM);
RTE_ACL_RULE_DEF(dp_acl_rule6, F6_NUM);

/*
 * Field layout over struct dp_acl_key4/6: the proto byte alone (rte_acl
 * reads the first field one byte at the root), then 4-byte input groups;
 * sport and dport share the last group.
 *
 * ct_state: rte_acl runs 4 transitions per input group after the first, so
 * a group must cover 4 bytes of trie: the state field is the key's first
 * word (proto, ct_state, pad[2]) as a 4-byte bitmask, of which a rule only
 * ever looks at ct_state (byte 1). rte_acl matches a multi-byte field's
 * most significant byte against the lowest input byte (network order), so
 * byte 1 is bits 16-23 of the rule's value and mask. A group that every
 * rule leaves wild is dropped from the trie at build time (rte_acl_build:
 * acl_rule_stats), so an ACL without state: classifies exactly as before.
 */
#define STATE_SHIFT 16

static const struct rte_acl_field_def dp_acl_defs4[F4_NUM] = {
	{RTE_ACL_FIELD_TYPE_BITMASK, 1, F4_PROTO, 0, offsetof(struct dp_acl_key4, proto)},
	{RTE_ACL_FIELD_TYPE_BITMASK, 4, F4_STATE, 1, offsetof(struct dp_acl_key4, proto)},
	{RTE_ACL_FIELD_TYPE_MASK, 4, F4_SRC, 2, offsetof(struct dp_acl_key4, src)},
	{RTE_ACL_FIELD_TYPE_MASK, 4, F4_DST, 3, offsetof(struct dp_acl_key4, dst)},
	{RTE_ACL_FIELD_TYPE_RANGE, 2, F4_SPORT, 4, offsetof(struct dp_acl_key4, sport)},
	{RTE_ACL_FIELD_TYPE_RANGE, 2, F4_DPORT, 4, offsetof(struct dp_acl_key4, dport)},
};

static const struct rte_acl_field_def dp_acl_defs6[F6_NUM] = {
	{RTE_ACL_FIELD_TYPE_BITMASK, 1, F6_PROTO, 0, offsetof(struct dp_acl_key6, proto)},
	{RTE_ACL_FIELD_TYPE_BITMASK, 4, F6_STATE, 1, offsetof(struct dp_acl_key6, proto)},
	{RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC0 + 0, 2, offsetof(struct dp_acl_key6, src) + 0},
	{RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC0 + 1, 3, offsetof(struct dp_acl_key6, src) + 4},
	{RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC0 + 2, 4, offsetof(struct dp_acl_key6, src) + 8},
	{RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC0 + 3, 5, offsetof(struct dp_acl_key6, src) + 12},
	{RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST0 + 0, 6, offsetof(struct dp_acl_key6, dst) + 0},
	{RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST0 + 1, 7, offsetof(struct dp_acl_key6, dst) + 4},
	{RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST0 + 2, 8, offsetof(struct dp_acl_key6, dst) + 8},
	{RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST0 + 3, 9, offsetof(struct dp_acl_key6, dst) + 12},
	{RTE_ACL_FIELD_TYPE_RANGE, 2, F6_SPORT, 10, offsetof(struct dp_acl_key6, sport)},
	{RTE_ACL_FIELD_TYPE_RANGE, 2, F6_DPORT, 10, offsetof(struct dp_acl_key6, dport)},
};

_Static_assert(offsetof(struct dp_acl_key4, ct_state) == 1 && offsetof(struct dp_acl_key6, ct_state) == 1 &&
		       offsetof(struct dp_acl_key4, src) == 4 && offsetof(struct dp_acl_key6, src) == 4,
	       "the state field is bits 16-23 of the key's first word");
_Static_assert(HP_CT_STATE_ALL <= 0xff, "one ct_state byte holds every HP_CT_* bit");

/* What a matched rule does, indexed by rule (file) index. */
struct dp_acl_action {
	uint32_t rank;    /* position in match order: 0 is tried first */
	uint8_t action;   /* enum hp_acl_action */
	uint16_t policer; /* with HP_ACL_POLICE */
};

/* A policer in bytes/s for the whole data plane; workers divide the rates. */
struct dp_acl_policer {
	enum hp_policer_type type;
	uint64_t cir, pir; /* bytes per second */
	uint64_t cbs, pbs, ebs;
};

/* Immutable after dp_acl_build(): workers read it, control frees it after a grace period. */
struct dp_acl {
	struct rte_acl_ctx *ctx[DP_ACL_NFAM]; /* NULL: no rule of that family */
	uint32_t n_cat;                       /* 1, or RTE_ACL_RESULTS_MULTIPLIER with count rules */
	uint8_t default_verdict;              /* 0 or DP_DROP_ACL_DENY */
	int32_t est4; /* dp_acl_established4(): what decides every established IPv4 packet */
	unsigned n_rules;
	unsigned n_policers;
	struct dp_acl_action *rules;
	struct dp_acl_policer *policers;
};

/* A worker's meter for one policer, with its own profile (rates / n_workers). */
struct dp_acl_meter {
	union {
		struct rte_meter_trtcm_profile tr;
		struct rte_meter_srtcm_profile sr;
	} prof;
	union {
		struct rte_meter_trtcm tr;
		struct rte_meter_srtcm sr;
	} m;
	enum hp_policer_type type;
	uint64_t colour[DP_ACL_NCOLOURS]; /* packets marked green, yellow, red (RTE_COLOR_*) */
};

/*
 * rte_acl's results by key, for one family: 2-way set-associative. A way is
 * the key's kw 64-bit words, then the decide and count results in one word.
 * The results are a function of the key for one compiled ACL, and a cache
 * lives as long as its dp_acl_worker (a new ACL brings new, empty caches),
 * so a hit is exactly what rte_acl_classify() would say. Counters and
 * policers still run per packet on the results. The whole key is compared,
 * ct_state included: an established packet's cached permit never answers
 * for a new packet of the same 5-tuple. Empty ways hold a key whose first
 * word has the pad bytes set, which no real key has.
 */
#define ACL_CACHE_WAYS 2
#define ACL_CACHE_EMPTY UINT64_MAX

struct acl_cache {
	uint64_t *slots; /* sets x ways x (kw + 1) words */
	uint8_t *lru;    /* per set: the way to replace next */
	uint32_t mask;   /* sets - 1 */
	uint32_t kw;     /* key words: 2 (IPv4), 5 (IPv6) */
};

/* Sets per family: IPv4 ways are 24 bytes, IPv6 48. */
#define ACL_CACHE_SETS4 4096
#define ACL_CACHE_SETS6 2048

/* Ownership: worker: rw; control: reads stats (stale is fine), frees after the worker stopped. */
struct dp_acl_worker {
	const struct dp_acl *acl;
	unsigned n_rules;
	unsigned n_policers;
	struct dp_acl_rule_stats *stats; /* [n_rules] */
	struct dp_acl_meter *meters;     /* [n_policers] */
	struct acl_cache cache[DP_ACL_NFAM];
	struct dp_acl_cache_stats cache_stats[DP_ACL_NFAM];
	uint64_t run_res[DP_BURST];  /* scratch of dp_acl_permit_run4() */
	uint16_t miss[DP_ACL_CHUNK]; /* scratch: packets the cache did not know */
	uint32_t miss_set[DP_ACL_CHUNK];
	/* scratch for rte_acl_classify(), kept off the worker's stack */
	const uint8_t *data[DP_ACL_CHUNK];
	uint32_t res[DP_ACL_CHUNK * RTE_ACL_RESULTS_MULTIPLIER];
} __rte_cache_aligned;

static unsigned dp_acl_seq; /* rte_acl_create() hands back an existing context with the same name */

static void __rte_format_printf(3, 4) set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Host-order 32-bit word k of a 16-byte (or 4-byte) network-order address. */
static uint32_t
addr_word(const uint8_t *addr, unsigned k)
{
	uint32_t v;

	memcpy(&v, addr + 4 * k, sizeof(v));
	return rte_be_to_cpu_32(v);
}

/* Field k (32 bits) of a prefix of len bits: value with host bits cleared, mask length. */
static void
prefix_field(struct rte_acl_field *f, const struct hp_prefix *p, bool has, unsigned k)
{
	unsigned bits = 0;

	if (has && p->len > 32 * k)
		bits = RTE_MIN(p->len - 32 * k, 32u);
	f->mask_range.u32 = bits;
	f->value.u32 = bits == 0 ? 0 : addr_word(p->addr, k) & (uint32_t)(UINT32_MAX << (32 - bits));
}

/* The state field of a rule expansion: one HP_CT_* bit exactly, or (0) any key. */
static void
state_field(struct rte_acl_field *f, unsigned bit)
{
	f->value.u32 = (uint32_t)bit << STATE_SHIFT;
	f->mask_range.u32 = bit != 0 ? (uint32_t)0xff << STATE_SHIFT : 0;
}

/* rte_acl rule of r; bit: the ct_state this expansion matches (0: r has no state:). */
static void
fill_rule4(struct dp_acl_rule4 *ar, const struct hp_acl_rule *r, unsigned bit)
{
	memset(ar, 0, sizeof(*ar));
	ar->field[F4_PROTO].value.u8 = r->has_proto ? r->proto : 0;
	ar->field[F4_PROTO].mask_range.u8 = r->has_proto ? 0xff : 0;
	state_field(&ar->field[F4_STATE], bit);
	prefix_field(&ar->field[F4_SRC], &r->src, r->has_src, 0);
	prefix_field(&ar->field[F4_DST], &r->dst, r->has_dst, 0);
	ar->field[F4_SPORT].value.u16 = r->sport_lo;
	ar->field[F4_SPORT].mask_range.u16 = r->sport_hi;
	ar->field[F4_DPORT].value.u16 = r->dport_lo;
	ar->field[F4_DPORT].mask_range.u16 = r->dport_hi;
}

static void
fill_rule6(struct dp_acl_rule6 *ar, const struct hp_acl_rule *r, unsigned bit)
{
	memset(ar, 0, sizeof(*ar));
	ar->field[F6_PROTO].value.u8 = r->has_proto ? r->proto : 0;
	ar->field[F6_PROTO].mask_range.u8 = r->has_proto ? 0xff : 0;
	state_field(&ar->field[F6_STATE], bit);
	for (unsigned k = 0; k < 4; k++) {
		prefix_field(&ar->field[F6_SRC0 + k], &r->src, r->has_src, k);
		prefix_field(&ar->field[F6_DST0 + k], &r->dst, r->has_dst, k);
	}
	ar->field[F6_SPORT].value.u16 = r->sport_lo;
	ar->field[F6_SPORT].mask_range.u16 = r->sport_hi;
	ar->field[F6_DPORT].value.u16 = r->dport_lo;
	ar->field[F6_DPORT].mask_range.u16 = r->dport_hi;
}

static bool
rule_in_family(const struct hp_acl_rule *r, int fam)
{
	return r->family == 0 || r->family == (fam == DP_ACL_V4 ? AF_INET : AF_INET6);
}

/*
 * rte_acl rules one ACL rule becomes: one per state: bit (a key carries one
 * bit, so at most one of them matches a packet; all share the rule's
 * priority and userdata), or one matching any ct_state without state:.
 */
static unsigned
rule_expansion(const struct hp_acl_rule *r)
{
	return r->state != 0 ? (unsigned)__builtin_popcount(r->state) : 1;
}

/* The config parser validates too; this guards what rte_acl would silently misread. */
static int
check_rule(const struct hp_config *cfg, const struct hp_acl_rule *r, char *err, size_t errlen)
{
	const struct hp_prefix *p[2] = {r->has_src ? &r->src : NULL, r->has_dst ? &r->dst : NULL};
	const char *pname[2] = {"src", "dst"};

	if (r->family != 0 && r->family != AF_INET && r->family != AF_INET6) {
		set_err(err, errlen, "%s:%u: acl rule: bad address family %d", cfg->file, r->line, r->family);
		return -EINVAL;
	}
	for (unsigned i = 0; i < 2; i++) {
		if (p[i] == NULL)
			continue;
		if (r->family == 0 || p[i]->family != r->family) {
			set_err(err, errlen, "%s:%u: acl rule: %s family does not match the rule's",
				cfg->file, r->line, pname[i]);
			return -EINVAL;
		}
		if (p[i]->len > (p[i]->family == AF_INET ? 32 : 128)) {
			set_err(err, errlen, "%s:%u: acl rule: %s prefix length %u too long", cfg->file,
				r->line, pname[i], p[i]->len);
			return -EINVAL;
		}
	}
	if ((r->state & ~HP_CT_STATE_ALL) != 0) {
		set_err(err, errlen, "%s:%u: acl rule: unknown state bits 0x%x", cfg->file, r->line,
			(unsigned)(r->state & ~HP_CT_STATE_ALL));
		return -EINVAL;
	}
	if (r->sport_lo > r->sport_hi || r->dport_lo > r->dport_hi) {
		set_err(err, errlen, "%s:%u: acl rule: port range %u-%u is empty", cfg->file, r->line,
			r->sport_lo > r->sport_hi ? r->sport_lo : r->dport_lo,
			r->sport_lo > r->sport_hi ? r->sport_hi : r->dport_hi);
		return -EINVAL;
	}
	switch (r->action) {
	case HP_ACL_PERMIT:
	case HP_ACL_DENY:
	case HP_ACL_COUNT:
		return 0;
	case HP_ACL_POLICE:
		if (r->policer < 0 || (unsigned)r->policer >= cfg->n_policers) {
			set_err(err, errlen, "%s:%u: acl rule: policer index %d out of range (%u policers)",
				cfg->file, r->line, r->policer, cfg->n_policers);
			return -EINVAL;
		}
		return 0;
	}
	set_err(err, errlen, "%s:%u: acl rule: unknown action %d", cfg->file, r->line, (int)r->action);
	return -EINVAL;
}

/* Profiles in bytes/s; rte_meter refuses zero rates, pir < cir and empty buckets. */
static int
policer_profile(const struct dp_acl_policer *p, uint64_t div, struct dp_acl_meter *m)
{
	uint64_t cir = RTE_MAX(p->cir / div, (uint64_t)1);

	m->type = p->type;
	if (p->type == HP_POLICER_TRTCM) {
		struct rte_meter_trtcm_params tp = {
			.cir = cir,
			.pir = RTE_MAX(p->pir / div, (uint64_t)1),
			.cbs = p->cbs,
			.pbs = p->pbs,
		};

		return rte_meter_trtcm_profile_config(&m->prof.tr, &tp);
	}
	struct rte_meter_srtcm_params sp = {.cir = cir, .cbs = p->cbs, .ebs = p->ebs};

	return rte_meter_srtcm_profile_config(&m->prof.sr, &sp);
}

static int
build_policers(struct dp_acl *acl, const struct hp_config *cfg, char *err, size_t errlen)
{
	for (unsigned i = 0; i < cfg->n_policers; i++) {
		const struct hp_policer_conf *pc = &cfg->policers[i];
		struct dp_acl_policer *p = &acl->policers[i];
		struct dp_acl_meter probe;
		int rc;

		if (pc->type != HP_POLICER_TRTCM && pc->type != HP_POLICER_SRTCM) {
			set_err(err, errlen, "%s:%u: policer %s: unknown type %d", cfg->file, pc->line,
				pc->name, (int)pc->type);
			return -EINVAL;
		}
		/* config rates are bit/s, rte_meter counts bytes */
		p->type = pc->type;
		p->cir = pc->cir / 8;
		p->pir = pc->pir / 8;
		p->cbs = pc->cbs;
		p->pbs = pc->pbs;
		p->ebs = pc->ebs;
		if (p->cir == 0 || (p->type == HP_POLICER_TRTCM && p->pir == 0)) {
			set_err(err, errlen, "%s:%u: policer %s: %s below 8 bit/s", cfg->file, pc->line,
				pc->name, p->cir == 0 ? "cir" : "pir");
			return -EINVAL;
		}
		rc = policer_profile(p, 1, &probe);
		if (rc != 0) {
			set_err(err, errlen,
				"%s:%u: policer %s: rte_meter refuses cir %" PRIu64 " pir %" PRIu64
				" bit/s, cbs %" PRIu64 " pbs %" PRIu64 " ebs %" PRIu64 " bytes: %s",
				cfg->file, pc->line, pc->name, pc->cir, pc->pir, pc->cbs, pc->pbs, pc->ebs,
				strerror(-rc));
			return rc < 0 ? rc : -EINVAL;
		}
	}
	return 0;
}

struct rank_key {
	uint32_t priority;
	uint32_t index;
};

static int
rank_cmp(const void *a, const void *b)
{
	const struct rank_key *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Create, fill and build the context of one family from the rules in match order. */
static int
build_ctx(struct dp_acl *acl, const struct hp_config *cfg, const struct rank_key *order, int fam, int socket,
	  char *err, size_t errlen)
{
	const char *fname = fam == DP_ACL_V4 ? "IPv4" : "IPv6";
	unsigned n = 0, n_user = 0, first = 0;
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_config bcfg;
	struct rte_acl_param param;
	struct rte_acl_ctx *ctx;
	int rc;

	for (unsigned r = 0; r < acl->n_rules; r++) {
		const struct hp_acl_rule *hr = &cfg->acl[order[r].index];

		if (!rule_in_family(hr, fam))
			continue;
		if (n_user++ == 0)
			first = order[r].index;
		n += rule_expansion(hr); /* the context holds the expansions */
	}
	if (n == 0)
		return 0;

	snprintf(name, sizeof(name), "dp_acl%c_%u", fam == DP_ACL_V4 ? '4' : '6',
		 __atomic_fetch_add(&dp_acl_seq, 1, __ATOMIC_RELAXED));
	rte_errno = 0;
	param = (struct rte_acl_param){
		.name = name,
		.socket_id = socket,
		.rule_size = fam == DP_ACL_V4 ? RTE_ACL_RULE_SZ(F4_NUM) : RTE_ACL_RULE_SZ(F6_NUM),
		.max_rule_num = n,
	};
	ctx = rte_acl_create(&param);
	if (ctx == NULL) {
		rc = rte_errno != 0 ? -rte_errno : -ENOMEM;
		set_err(err, errlen, "acl: rte_acl_create (%s, %u rte_acl rules for %u acl rules): %s", fname,
			n, n_user, rte_strerror(-rc));
		return rc;
	}
	acl->ctx[fam] = ctx;

	for (unsigned r = 0; r < acl->n_rules; r++) {
		const struct hp_acl_rule *hr = &cfg->acl[order[r].index];
		union {
			struct dp_acl_rule4 r4;
			struct dp_acl_rule6 r6;
		} ar;
		struct rte_acl_rule_data *d;
		unsigned bits;

		if (!rule_in_family(hr, fam))
			continue;
		bits = hr->state;
		do {
			unsigned bit = bits & -bits; /* the lowest state bit left; 0: no state: */

			bits &= ~bit;
			if (fam == DP_ACL_V4) {
				fill_rule4(&ar.r4, hr, bit);
				d = &ar.r4.data;
			} else {
				fill_rule6(&ar.r6, hr, bit);
				d = &ar.r6.data;
			}
			d->category_mask = 1u << (hr->action == HP_ACL_COUNT ? DP_ACL_CAT_COUNT
									     : DP_ACL_CAT_DECIDE);
			d->priority = (int32_t)(RTE_ACL_MAX_PRIORITY - r);
			d->userdata = order[r].index + 1;
			rc = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)&ar, 1);
			if (rc != 0) {
				set_err(err, errlen, "%s:%u: acl rule: rte_acl refuses it (%s): %s",
					cfg->file, hr->line, fname, strerror(-rc));
				return rc;
			}
		} while (bits != 0);
	}

	memset(&bcfg, 0, sizeof(bcfg));
	bcfg.num_categories = acl->n_cat;
	if (fam == DP_ACL_V4) {
		bcfg.num_fields = RTE_DIM(dp_acl_defs4);
		memcpy(bcfg.defs, dp_acl_defs4, sizeof(dp_acl_defs4));
	} else {
		bcfg.num_fields = RTE_DIM(dp_acl_defs6);
		memcpy(bcfg.defs, dp_acl_defs6, sizeof(dp_acl_defs6));
	}
	rc = rte_acl_build(ctx, &bcfg);
	if (rc != 0) {
		/* the build is over the whole set: name its first rule in match order */
		set_err(err, errlen,
			"%s:%u: acl: rte_acl cannot build the %u %s rules (%u with state: bits expanded; "
			"this one matched first): %s",
			cfg->file, cfg->acl[first].line, n_user, fname, n, strerror(rc < 0 ? -rc : rc));
		return rc < 0 ? rc : -EINVAL;
	}
	return 0;
}

/*
 * The decision every established IPv4 packet gets whatever its addresses and ports: the first
 * rule in match order that can match one (a state it takes, an IPv4 or any-family rule) must
 * match them all (no address, protocol or port) and permit, or no rule can match one and
 * acl_default permits. Rule index + 1, 0 for acl_default, -1 when the fields do decide (then
 * the conntrack fast path steps aside and rte_acl decides).
 */
static int32_t
established4(const struct hp_config *cfg, const struct rank_key *order, unsigned n)
{
	for (unsigned r = 0; r < n; r++) {
		const struct hp_acl_rule *a = &cfg->acl[order[r].index];

		if (a->family == AF_INET6 || (a->state != 0 && !(a->state & HP_CT_ESTABLISHED)))
			continue;
		if ((a->has_src && a->src.len != 0) || (a->has_dst && a->dst.len != 0) || a->has_proto ||
		    a->action != HP_ACL_PERMIT)
			return -1;
		return (int32_t)order[r].index + 1;
	}
	return cfg->acl_default_deny ? -1 : 0;
}

struct dp_acl *
dp_acl_build(const struct hp_config *cfg, int socket, char *err, size_t errlen)
{
	struct rank_key *order = NULL;
	struct dp_acl *acl;
	bool has_count = false;
	int rc;

	set_err(err, errlen, "%s", "");
	if (cfg->n_acl > 0 && cfg->acl == NULL) {
		set_err(err, errlen, "acl: %u rules but no rule array", cfg->n_acl);
		errno = EINVAL;
		return NULL;
	}
	if (cfg->n_acl > DP_ACL_MAX_RULES) {
		set_err(err, errlen, "acl: %u rules, rte_acl ranks at most %u", cfg->n_acl, DP_ACL_MAX_RULES);
		errno = E2BIG;
		return NULL;
	}
	if (cfg->n_policers > UINT16_MAX + 1u || (cfg->n_policers > 0 && cfg->policers == NULL)) {
		set_err(err, errlen, "acl: bad policer table (%u policers)", cfg->n_policers);
		errno = EINVAL;
		return NULL;
	}

	acl = rte_zmalloc_socket("dp_acl", sizeof(*acl), RTE_CACHE_LINE_SIZE, socket);
	if (acl == NULL)
		goto nomem;
	acl->n_rules = cfg->n_acl;
	acl->n_policers = cfg->n_policers;
	acl->default_verdict = cfg->acl_default_deny ? DP_DROP_ACL_DENY : 0;
	if (acl->n_rules > 0) {
		acl->rules = rte_zmalloc_socket("dp_acl_rules", acl->n_rules * sizeof(*acl->rules),
						RTE_CACHE_LINE_SIZE, socket);
		order = malloc(acl->n_rules * sizeof(*order));
		if (acl->rules == NULL || order == NULL)
			goto nomem;
	}
	if (acl->n_policers > 0) {
		acl->policers = rte_zmalloc_socket("dp_acl_policers",
						   acl->n_policers * sizeof(*acl->policers),
						   RTE_CACHE_LINE_SIZE, socket);
		if (acl->policers == NULL)
			goto nomem;
	}

	rc = build_policers(acl, cfg, err, errlen);
	if (rc != 0)
		goto fail;
	for (unsigned i = 0; i < acl->n_rules; i++) {
		rc = check_rule(cfg, &cfg->acl[i], err, errlen);
		if (rc != 0)
			goto fail;
		order[i] = (struct rank_key){.priority = cfg->acl[i].priority, .index = i};
		acl->rules[i].action = (uint8_t)cfg->acl[i].action;
		acl->rules[i].policer = cfg->acl[i].action == HP_ACL_POLICE ? (uint16_t)cfg->acl[i].policer
									    : 0;
		has_count |= cfg->acl[i].action == HP_ACL_COUNT;
	}
	/* priority ascending, then file order */
	if (acl->n_rules > 1)
		qsort(order, acl->n_rules, sizeof(*order), rank_cmp);
	for (unsigned r = 0; r < acl->n_rules; r++)
		acl->rules[order[r].index].rank = r;
	acl->est4 = established4(cfg, order, acl->n_rules);

	/* rte_acl: categories are 1 or a multiple of RTE_ACL_RESULTS_MULTIPLIER */
	acl->n_cat = has_count ? RTE_ACL_RESULTS_MULTIPLIER : 1;
	for (int fam = 0; fam < DP_ACL_NFAM; fam++) {
		rc = build_ctx(acl, cfg, order, fam, socket, err, errlen);
		if (rc != 0)
			goto fail;
	}
	free(order);
	return acl;

nomem:
	set_err(err, errlen, "acl: out of memory for %u rules and %u policers on socket %d", cfg->n_acl,
		cfg->n_policers, socket);
	rc = -ENOMEM;
fail:
	free(order);
	dp_acl_free(acl);
	errno = -rc;
	return NULL;
}

int32_t
dp_acl_established4(const struct dp_acl *acl, bool default_deny)
{
	if (acl == NULL)
		return default_deny ? -1 : 0;
	return acl->est4;
}

/* Rule hits, inline on the per-packet paths of this file (dp_acl_permit_run4, classify): the
 * exported dp_acl_count is the same for the conntrack fast path. */
static inline void
count_hits(struct dp_acl_worker *w, uint32_t rule, uint64_t packets, uint64_t bytes)
{
	w->stats[rule].packets += packets;
	w->stats[rule].bytes += bytes;
}

void
dp_acl_count(struct dp_acl_worker *w, uint32_t rule, uint64_t packets, uint64_t bytes)
{
	count_hits(w, rule, packets, bytes);
}

void
dp_acl_free(struct dp_acl *acl)
{
	if (acl == NULL)
		return;
	for (int fam = 0; fam < DP_ACL_NFAM; fam++)
		rte_acl_free(acl->ctx[fam]);
	rte_free(acl->rules);
	rte_free(acl->policers);
	rte_free(acl);
}

unsigned
dp_acl_n_rules(const struct dp_acl *acl)
{
	return acl == NULL ? 0 : acl->n_rules;
}

struct dp_acl_worker *
dp_acl_worker_create(const struct dp_acl *acl, unsigned n_workers, int socket)
{
	struct dp_acl_worker *w;
	int rc = -ENOMEM;

	if (acl == NULL || n_workers == 0) {
		errno = EINVAL;
		return NULL;
	}
	w = rte_zmalloc_socket("dp_acl_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		goto fail;
	w->acl = acl;
	w->n_rules = acl->n_rules;
	w->n_policers = acl->n_policers;
	if (w->n_rules > 0) {
		w->stats = rte_zmalloc_socket("dp_acl_stats", w->n_rules * sizeof(*w->stats),
					      RTE_CACHE_LINE_SIZE, socket);
		if (w->stats == NULL)
			goto fail;
	}
	if (w->n_policers > 0) {
		w->meters = rte_zmalloc_socket("dp_acl_meters", w->n_policers * sizeof(*w->meters),
					       RTE_CACHE_LINE_SIZE, socket);
		if (w->meters == NULL)
			goto fail;
	}
	for (unsigned f = 0; f < DP_ACL_NFAM; f++) {
		struct acl_cache *c = &w->cache[f];
		uint32_t sets = f == DP_ACL_V4 ? ACL_CACHE_SETS4 : ACL_CACHE_SETS6;
		size_t words;

		if (acl->ctx[f] == NULL)
			continue;
		c->kw = (f == DP_ACL_V4 ? sizeof(struct dp_acl_key4) : sizeof(struct dp_acl_key6)) / 8;
		c->mask = sets - 1;
		words = (size_t)sets * ACL_CACHE_WAYS * (c->kw + 1);
		c->slots = rte_malloc_socket("dp_acl_cache", words * 8, RTE_CACHE_LINE_SIZE, socket);
		c->lru = rte_zmalloc_socket("dp_acl_cache", sets, RTE_CACHE_LINE_SIZE, socket);
		if (c->slots == NULL || c->lru == NULL)
			goto fail;
		for (size_t i = 0; i < words; i += c->kw + 1)
			c->slots[i] = ACL_CACHE_EMPTY;
	}
	/*
	 * Each worker polices its RSS share at rate / n_workers (at least
	 * 1 byte/s); the bursts stay as configured. Buckets start full.
	 */
	for (unsigned i = 0; i < w->n_policers; i++) {
		struct dp_acl_meter *m = &w->meters[i];

		rc = policer_profile(&acl->policers[i], n_workers, m);
		if (rc == 0)
			rc = m->type == HP_POLICER_TRTCM ? rte_meter_trtcm_config(&m->m.tr, &m->prof.tr)
							 : rte_meter_srtcm_config(&m->m.sr, &m->prof.sr);
		if (rc != 0) {
			rc = rc < 0 ? rc : -EINVAL;
			goto fail;
		}
	}
	return w;

fail:
	dp_acl_worker_free(w);
	errno = -rc;
	return NULL;
}

void
dp_acl_worker_free(struct dp_acl_worker *w)
{
	if (w == NULL)
		return;
	rte_free(w->stats);
	rte_free(w->meters);
	for (unsigned f = 0; f < DP_ACL_NFAM; f++) {
		rte_free(w->cache[f].slots);
		rte_free(w->cache[f].lru);
	}
	rte_free(w);
}

const struct dp_acl_rule_stats *
dp_acl_worker_stats(const struct dp_acl_worker *w, unsigned i)
{
	if (w == NULL || i >= w->n_rules)
		return NULL;
	return &w->stats[i];
}

_Static_assert(RTE_COLOR_GREEN == 0 && RTE_COLOR_YELLOW == 1 && RTE_COLOR_RED == 2 &&
		       DP_ACL_NCOLOURS == RTE_COLORS,
	       "colour counters are indexed by enum rte_color");

void
dp_acl_worker_colours(const struct dp_acl_worker *w, unsigned policer, uint64_t colour[DP_ACL_NCOLOURS])
{
	if (w == NULL || policer >= w->n_policers)
		return;
	for (unsigned c = 0; c < DP_ACL_NCOLOURS; c++)
		colour[c] += w->meters[policer].colour[c];
}

/*
 * The meters count the IP datagram (meta->l3_len: IPv4 total length, IPv6
 * 40 + payload length), as RFC 2697/2698 and rte_meter intend; the rule
 * counters count the whole frame (pkt_len), as the port counters do.
 */
static inline uint8_t
police(struct dp_acl_worker *w, uint16_t policer, const struct dp_meta *meta, uint64_t now)
{
	struct dp_acl_meter *m = &w->meters[policer];
	enum rte_color c;

	if (m->type == HP_POLICER_TRTCM)
		c = rte_meter_trtcm_color_blind_check(&m->m.tr, &m->prof.tr, now, meta->l3_len);
	else
		c = rte_meter_srtcm_color_blind_check(&m->m.sr, &m->prof.sr, now, meta->l3_len);
	m->colour[c]++;
	return c == RTE_COLOR_RED ? DP_DROP_POLICER_RED : 0;
}

/* The count rule counts only when reached before the decisive one (res: decide, count). */
static inline void
count_hit(const struct dp_acl *acl, struct dp_acl_worker *w, const uint32_t *res, const struct rte_mbuf *m)
{
	uint32_t d = res[DP_ACL_CAT_DECIDE], c = res[DP_ACL_CAT_COUNT];

	if (c != 0 && (d == 0 || acl->rules[c - 1].rank < acl->rules[d - 1].rank))
		count_hits(w, c - 1, 1, rte_pktmbuf_pkt_len(m));
}

/* res: this packet's n_cat results; 0 = no match, else rule index + 1. */
static inline uint8_t
decide(const struct dp_acl *acl, struct dp_acl_worker *w, const uint32_t *res, const struct rte_mbuf *m,
       const struct dp_meta *meta, uint64_t now)
{
	uint32_t d = res[DP_ACL_CAT_DECIDE];
	const struct dp_acl_action *a;

	if (acl->n_cat > 1)
		count_hit(acl, w, res, m);
	if (d == 0)
		return acl->default_verdict;
	count_hits(w, d - 1, 1, rte_pktmbuf_pkt_len(m));
	a = &acl->rules[d - 1];
	switch (a->action) {
	case HP_ACL_PERMIT:
		return 0;
	case HP_ACL_POLICE:
		return police(w, a->policer, meta, now);
	default:
		return DP_DROP_ACL_DENY;
	}
}

/* The set of a key (kw words). */
static inline uint32_t
cache_set(const struct acl_cache *c, const uint64_t *k)
{
	uint32_t h = 0x9e3779b9;

	for (uint32_t i = 0; i < c->kw; i++)
		h = rte_hash_crc_8byte(k[i], h);
	return h & c->mask;
}

/* The way of set holding key k, or NULL. */
static inline uint64_t *
cache_find(const struct acl_cache *c, uint32_t set, const uint64_t *k)
{
	uint64_t *way = c->slots + (size_t)set * ACL_CACHE_WAYS * (c->kw + 1);

	for (unsigned n = 0; n < ACL_CACHE_WAYS; n++, way += c->kw + 1) {
		uint64_t diff = 0;

		for (uint32_t i = 0; i < c->kw; i++)
			diff |= way[i] ^ k[i];
		if (diff == 0)
			return way;
	}
	return NULL;
}

static inline void
cache_insert(struct acl_cache *c, uint32_t set, const uint8_t *k, uint32_t decide, uint32_t count)
{
	unsigned n = c->lru[set];
	uint64_t *way = c->slots + ((size_t)set * ACL_CACHE_WAYS + n) * (c->kw + 1);

	memcpy(way, k, c->kw * 8);
	way[c->kw] = (uint64_t)count << 32 | decide;
	c->lru[set] = (uint8_t)(n ^ 1);
}

void
dp_acl_classify(const struct dp_acl *acl, struct dp_acl_worker *w, uint8_t l3, struct rte_mbuf *const *pkts,
		struct dp_meta *const *meta, uint16_t n, uint8_t *verdict, uint64_t now)
{
	const struct rte_acl_ctx *ctx = NULL;
	const uint32_t n_cat = acl->n_cat;
	struct acl_cache *c = NULL;
	struct dp_acl_cache_stats *cs = NULL;
	uint32_t res[DP_ACL_CHUNK][2];

	RTE_BUILD_BUG_ON(ACL_CACHE_WAYS != 2);
	/* anything but IPv4/IPv6 matches no rule: acl_default applies */
	if (l3 == DP_L3_IPV4 || l3 == DP_L3_IPV6) {
		unsigned f = l3 == DP_L3_IPV4 ? DP_ACL_V4 : DP_ACL_V6;

		ctx = acl->ctx[f];
		c = &w->cache[f];
		cs = &w->cache_stats[f];
	}

	for (uint16_t off = 0; off < n;) {
		uint16_t k = RTE_MIN((uint16_t)(n - off), (uint16_t)DP_ACL_CHUNK);
		uint16_t n_miss = 0;

		if (ctx != NULL) {
			for (uint16_t j = 0; j < k; j++) {
				uint64_t key[5]; /* struct dp_meta is only 4-byte aligned */
				uint32_t set;
				const uint64_t *way;

				memcpy(key, &meta[off + j]->key, c->kw * 8);
				set = cache_set(c, key);
				way = cache_find(c, set, key);

				if (likely(way != NULL)) {
					res[j][0] = (uint32_t)way[c->kw];
					res[j][1] = (uint32_t)(way[c->kw] >> 32);
					continue;
				}
				w->miss[n_miss] = j;
				w->miss_set[n_miss] = set;
				w->data[n_miss++] = (const uint8_t *)&meta[off + j]->key;
			}
			cs->hits += k - n_miss;
			cs->misses += n_miss;
			if (n_miss > 0 &&
			    unlikely(rte_acl_classify(ctx, w->data, w->res, n_miss, n_cat) != 0))
				memset(w->res, 0, sizeof(w->res[0]) * n_miss * n_cat);
			for (uint16_t m = 0; m < n_miss; m++) {
				const uint32_t *r = &w->res[m * n_cat];
				uint32_t count = n_cat > 1 ? r[DP_ACL_CAT_COUNT] : 0;

				res[w->miss[m]][0] = r[DP_ACL_CAT_DECIDE];
				res[w->miss[m]][1] = count;
				cache_insert(c, w->miss_set[m], w->data[m], r[DP_ACL_CAT_DECIDE], count);
			}
		} else {
			memset(res, 0, sizeof(res[0]) * k);
		}
		for (uint16_t j = 0; j < k; j++)
			verdict[off + j] = decide(acl, w, res[j], pkts[off + j], meta[off + j], now);
		off += k;
	}
}

uint16_t
dp_acl_permit_run4(const struct dp_acl *acl, struct dp_acl_worker *w, const struct dp_acl_key4 *keys,
		   struct rte_mbuf *const *pkts, uint16_t n)
{
	struct acl_cache *c = &w->cache[DP_ACL_V4];
	uint16_t i;

	if (c->slots == NULL) /* no IPv4 rule: acl_default decides alone */
		return acl->default_verdict == 0 ? n : 0;
	for (i = 0; i < n; i++) {
		uint64_t key[2];
		const uint64_t *way;
		uint32_t d;

		memcpy(key, &keys[i], sizeof(key));
		way = cache_find(c, cache_set(c, key), key);
		if (way == NULL)
			break;
		w->run_res[i] = way[2];
		d = (uint32_t)way[2];
		if (d == 0 ? acl->default_verdict != 0 : acl->rules[d - 1].action != HP_ACL_PERMIT)
			break;
	}
	/* only now the side effects, for exactly the packets let through */
	for (uint16_t k = 0; k < i; k++) {
		uint32_t res[2] = {(uint32_t)w->run_res[k], (uint32_t)(w->run_res[k] >> 32)};

		if (acl->n_cat > 1)
			count_hit(acl, w, res, pkts[k]);
		if (res[0] != 0)
			count_hits(w, res[0] - 1, 1, rte_pktmbuf_pkt_len(pkts[k]));
	}
	w->cache_stats[DP_ACL_V4].hits += i;
	return i;
}

const struct dp_acl_cache_stats *
dp_acl_worker_cache_stats(const struct dp_acl_worker *w, int l3)
{
	return &w->cache_stats[l3 == DP_L3_IPV6 ? DP_ACL_V6 : DP_ACL_V4];
}

/* The ACL over one family's list (dst: the v4 list's addresses, or NULL); what
 * it refuses is dropped and leaves the list. */
static inline void
filter(const struct dp_acl_tables *a, unsigned worker, struct dp_burst *b, uint16_t *idx, uint32_t *dst,
       uint16_t *n, uint8_t l3, uint64_t now)
{
	struct rte_mbuf *pkts[DP_BURST];
	struct dp_meta *meta[DP_BURST];
	uint8_t verdict[DP_BURST];
	uint16_t k = 0;

	if (*n == 0)
		return;
	if (a->compiled == NULL) { /* acl_default deny, no rule */
		for (uint16_t j = 0; j < *n; j++)
			dp_burst_set(b, idx[j], DP_ACT_DROP, DP_DROP_ACL_DENY);
		*n = 0;
		return;
	}
	for (uint16_t j = 0; j < *n; j++) {
		pkts[j] = b->pkts[idx[j]];
		meta[j] = &b->meta[idx[j]];
	}
	dp_acl_classify(a->compiled, a->worker[worker], l3, pkts, meta, *n, verdict, now);
	for (uint16_t j = 0; j < *n; j++) {
		if (verdict[j]) {
			dp_burst_set(b, idx[j], DP_ACT_DROP, verdict[j]);
			continue;
		}
		if (dst != NULL)
			dst[k] = dst[j];
		idx[k++] = idx[j];
	}
	*n = k;
}

void
dp_acl_stage(const struct dp_acl_tables *a, unsigned worker, struct dp_burst *b, uint64_t now)
{
	filter(a, worker, b, b->v4, b->dst4, &b->n4, DP_L3_IPV4, now);
	filter(a, worker, b, b->v6, NULL, &b->n6, DP_L3_IPV6, now);
}
