/* Config section policers: trTCM (RFC 2698) and srTCM (RFC 2697) meters the ACL names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

static unsigned
policer_idx(struct ctx *c, const struct hp_policer_conf *p)
{
	return (unsigned)(p - c->cfg->policers);
}

/* Decimal digits and an optional suffix (one of suffixes, times mult[i]); 1..max. */
static bool
parse_scaled(const char *s, const char *suffixes, const uint64_t *mult, uint64_t max, uint64_t *out)
{
	char digits[24];
	size_t n = strlen(s);
	unsigned long long v;
	uint64_t m = 1;

	if (n == 0 || n >= sizeof(digits))
		return false;
	if (s[n - 1] < '0' || s[n - 1] > '9') {
		const char *sf = strchr(suffixes, s[n - 1]);

		if (!sf)
			return false;
		m = mult[sf - suffixes];
		n--;
	}
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (!hp_parse_dec(digits, max / m, &v) || v == 0)
		return false;
	*out = v * m;
	return true;
}

static int
want_rate(struct ctx *c, const char *key, struct cfg_node val, uint64_t *out)
{
	static const uint64_t mult[] = {1000ull, 1000000ull, 1000000000ull};
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a rate in bits/s", &s)))
		return rc;
	if (!parse_scaled(s, "kMG", mult, CFG_RATE_MAX, out))
		return cfg_fail(c, val,
				"key '%s': expected a rate in bits/s from 1 to 400G: an integer with an "
				"optional suffix k, M or G (10^3, 10^6, 10^9) such as 100M, got '%s'",
				key, cfg_quote(c, s));
	return 0;
}

static int
want_burst(struct ctx *c, const char *key, struct cfg_node val, uint64_t *out)
{
	static const uint64_t mult[] = {1024ull, 1048576ull};
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a size in bytes", &s)))
		return rc;
	if (!parse_scaled(s, "kM", mult, CFG_BURST_MAX, out))
		return cfg_fail(c, val,
				"key '%s': expected a size in bytes from 1 to 1G: an integer with an "
				"optional suffix k or M (2^10, 2^20) such as 64k, got '%s'",
				key, cfg_quote(c, s));
	return 0;
}

static int
policer_name(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_policer_conf *p = obj;
	unsigned me = policer_idx(c, p);
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a policer name", &s)))
		return rc;
	if (!cfg_name_ok(s))
		return cfg_fail(c, val,
				"key 'name': bad policer name '%s': expected 1 to %d of A-Z a-z 0-9 _ -",
				cfg_quote(c, s), HP_NAME_MAX - 1);
	for (unsigned i = 0; i < me; i++)
		if (!strcmp(c->cfg->policers[i].name, s))
			return cfg_fail(c, val, "duplicate policer name '%s' (first at line %u)", s,
					c->policer_line[i]);
	memcpy(p->name, s, strlen(s) + 1);
	c->policer_line[me] = cfg_line(val);
	return 0;
}

static int
policer_type(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_policer_conf *p = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "trtcm or srtcm", &s)))
		return rc;
	if (!strcmp(s, "trtcm"))
		p->type = HP_POLICER_TRTCM;
	else if (!strcmp(s, "srtcm"))
		p->type = HP_POLICER_SRTCM;
	else
		return cfg_fail(c, val, "key 'type': expected trtcm or srtcm, got '%s'", cfg_quote(c, s));
	return 0;
}

static int
policer_cir(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return want_rate(c, key, val, &((struct hp_policer_conf *)obj)->cir);
}

static int
policer_cbs(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return want_burst(c, key, val, &((struct hp_policer_conf *)obj)->cbs);
}

static int
policer_pir(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	c->ptmp.has_pir = true;
	c->ptmp.pir_line = cfg_line(val);
	return want_rate(c, key, val, &((struct hp_policer_conf *)obj)->pir);
}

static int
policer_pbs(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	c->ptmp.has_pbs = true;
	c->ptmp.pbs_line = cfg_line(val);
	return want_burst(c, key, val, &((struct hp_policer_conf *)obj)->pbs);
}

static int
policer_ebs(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	c->ptmp.has_ebs = true;
	c->ptmp.ebs_line = cfg_line(val);
	return want_burst(c, key, val, &((struct hp_policer_conf *)obj)->ebs);
}

static const struct key_def policer_keys[] = {
	{"name", policer_name, true}, {"type", policer_type, true}, {"cir", policer_cir, true},
	{"cbs", policer_cbs, true},   {"pir", policer_pir, false},  {"pbs", policer_pbs, false},
	{"ebs", policer_ebs, false},
};

/* trtcm: pir >= cir and pbs, no ebs; srtcm: ebs, no pir or pbs. */
static int
check_policer(struct ctx *c, const struct hp_policer_conf *p, struct cfg_node v)
{
	const struct policer_tmp *t = &c->ptmp;

	if (p->type == HP_POLICER_TRTCM) {
		if (t->has_ebs)
			return cfg_fail_at(c, t->ebs_line,
					   "key 'ebs': only valid with type srtcm (policer '%s' is trtcm)",
					   p->name);
		if (!t->has_pir || !t->has_pbs)
			return cfg_fail(c, v,
					"missing required key '%s' in policer '%s' (type trtcm needs pir and "
					"pbs)",
					t->has_pir ? "pbs" : "pir", p->name);
		if (p->pir < p->cir)
			return cfg_fail_at(c, t->pir_line,
					   "key 'pir': %llu bits/s is below cir %llu bits/s (expected pir >= "
					   "cir)",
					   (unsigned long long)p->pir, (unsigned long long)p->cir);
		return 0;
	}
	if (t->has_pir || t->has_pbs)
		return cfg_fail_at(c, t->has_pir ? t->pir_line : t->pbs_line,
				   "key '%s': only valid with type trtcm (policer '%s' is srtcm)",
				   t->has_pir ? "pir" : "pbs", p->name);
	if (!t->has_ebs)
		return cfg_fail(c, v, "missing required key 'ebs' in policer '%s' (type srtcm needs ebs)",
				p->name);
	return 0;
}

/* Entry v into the next slot of cfg->policers, checked. */
static int
read_policer(struct ctx *c, const char *key, struct cfg_node v)
{
	struct hp_policer_conf *p = &c->cfg->policers[c->cfg->n_policers];
	int rc;

	if ((rc = cfg_want_entry(c, key, v, "policer")))
		return rc;
	p->line = cfg_line(v);
	memset(&c->ptmp, 0, sizeof(c->ptmp));
	rc = cfg_walk_mapping(c, v, NULL, "in policer", policer_keys, CFG_N(policer_keys), p);
	return rc ? rc : check_policer(c, p, v);
}

int
cfg_parse_policers(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	void *arr = NULL, *side = NULL;
	int rc;

	rc = cfg_want_entries(c, key, val, HP_MAX_POLICERS, "policers", sizeof(*cfg->policers), &arr,
			      sizeof(*c->policer_line), &side);
	cfg->policers = arr;
	c->policer_line = side;
	if (rc)
		return rc;
	for (unsigned it = 0; it < cfg_seq_len(val); it++) {
		if ((rc = read_policer(c, key, cfg_seq_at(val, it))))
			return rc;
		cfg->n_policers++;
	}
	return 0;
}

/* A policer alone: its name is not checked against the running ones (the caller adds or replaces). */
int
cfg_entry_policer(struct ctx *c, struct cfg_node v, void *out)
{
	struct hp_config *cfg = c->cfg;
	int rc;

	memset(out, 0, sizeof(struct hp_policer_conf));
	cfg->policers = out;
	cfg->n_policers = 0;
	if ((rc = cfg_side_one(c, sizeof(*c->policer_line), (void **)&c->policer_line)))
		return rc;
	return read_policer(c, "policers", v);
}
