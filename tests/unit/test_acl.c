/* Unit tests of the ACL stage: rte_acl matching and order, count rules, rule counters, policers. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>

#include "../cunit_run.h"
#include "../eal_test.h"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "acl.h"
#include "worker.h"

#define FILE_NAME "acl.yaml"
#define MAX_RULES 20000
#define MAX_POLICERS 4
#define LINE0 100 /* rule i sits on line LINE0 + i */
#define ANY_PORT 0, 65535

enum {
	V4 = DP_L3_IPV4,
	V6 = DP_L3_IPV6
};

static struct hp_config cfg; /* large: static, filled by hand (no config.c) */
static struct hp_acl_rule rules[MAX_RULES];
static struct hp_policer_conf policers[MAX_POLICERS];
static char err[HP_ERR_MAX];

static void
cfg_reset(bool default_deny)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(rules, 0, sizeof(rules));
	memset(policers, 0, sizeof(policers));
	snprintf(cfg.file, sizeof(cfg.file), FILE_NAME);
	cfg.acl = rules;
	cfg.policers = policers;
	cfg.acl_default_deny = default_deny;
}

/* "10.0.0.0/8", "2001:db8::/32"; NULL = none. Returns the family or 0. */
static int
parse_prefix(const char *s, struct hp_prefix *p)
{
	char buf[64];
	char *slash;

	memset(p, 0, sizeof(*p));
	if (s == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	CU_ASSERT_PTR_NOT_NULL_FATAL(slash);
	*slash = '\0';
	p->len = (uint8_t)atoi(slash + 1);
	p->family = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	CU_ASSERT_EQUAL_FATAL(inet_pton(p->family, buf, p->addr), 1);
	return p->family;
}

static struct hp_acl_rule *
add_rule(uint32_t prio, const char *src, const char *dst, int proto, enum hp_acl_action action)
{
	struct hp_acl_rule *r;

	CU_ASSERT_FATAL(cfg.n_acl < MAX_RULES);
	r = &rules[cfg.n_acl];
	memset(r, 0, sizeof(*r));
	r->priority = prio;
	r->has_src = parse_prefix(src, &r->src) != 0;
	r->has_dst = parse_prefix(dst, &r->dst) != 0;
	r->family = r->has_src ? r->src.family : r->has_dst ? r->dst.family : 0;
	r->has_proto = proto >= 0;
	r->proto = proto >= 0 ? (uint8_t)proto : 0;
	r->sport_lo = r->dport_lo = 0;
	r->sport_hi = r->dport_hi = 65535;
	r->action = action;
	r->policer = -1;
	r->line = LINE0 + cfg.n_acl;
	cfg.n_acl++;
	return r;
}

static void
set_ports(struct hp_acl_rule *r, uint16_t slo, uint16_t shi, uint16_t dlo, uint16_t dhi)
{
	r->sport_lo = slo;
	r->sport_hi = shi;
	r->dport_lo = dlo;
	r->dport_hi = dhi;
}

static unsigned
add_policer(enum hp_policer_type type, uint64_t cir, uint64_t cbs, uint64_t pir, uint64_t pbs_ebs)
{
	struct hp_policer_conf *p = &policers[cfg.n_policers];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "pol%u", cfg.n_policers);
	p->type = type;
	p->cir = cir;
	p->cbs = cbs;
	if (type == HP_POLICER_TRTCM) {
		p->pir = pir;
		p->pbs = pbs_ebs;
	} else {
		p->ebs = pbs_ebs;
	}
	p->line = 10 + cfg.n_policers;
	return cfg.n_policers++;
}

/* Fill meta's key as dp_parse() would: network byte order. */
static void
make_meta(struct dp_meta *m, uint8_t proto, const char *src, const char *dst, uint16_t sport, uint16_t dport,
	  uint16_t l3_len)
{
	memset(m, 0, sizeof(*m));
	if (strchr(src, ':') != NULL) {
		m->l3 = DP_L3_IPV6;
		m->key.k6.proto = proto;
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, src, m->key.k6.src), 1);
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, dst, m->key.k6.dst), 1);
		m->key.k6.sport = htons(sport);
		m->key.k6.dport = htons(dport);
	} else {
		m->l3 = DP_L3_IPV4;
		m->key.k4.proto = proto;
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, src, &m->key.k4.src), 1);
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, dst, &m->key.k4.dst), 1);
		m->key.k4.sport = htons(sport);
		m->key.k4.dport = htons(dport);
	}
	m->l3_len = l3_len;
	m->flags = (proto == IPPROTO_TCP || proto == IPPROTO_UDP) ? DP_META_L4PORTS : 0;
}

/* Fake mbufs: dp_acl reads only pkt_len. */
#define MAX_BURST 1024
static struct rte_mbuf mbufs[MAX_BURST];
static struct rte_mbuf *mbuf_ptrs[MAX_BURST];
static struct dp_meta metas[MAX_BURST];
static struct dp_meta *meta_ptrs[MAX_BURST];
static uint8_t verdicts[MAX_BURST];

static void
burst_init(void)
{
	for (unsigned i = 0; i < MAX_BURST; i++) {
		mbuf_ptrs[i] = &mbufs[i];
		meta_ptrs[i] = &metas[i];
	}
}

static uint8_t
classify1(const struct dp_acl *acl, struct dp_acl_worker *w, const struct dp_meta *m, uint32_t pkt_len,
	  uint64_t now)
{
	metas[0] = *m;
	mbufs[0].pkt_len = pkt_len;
	verdicts[0] = 0xee;
	dp_acl_classify(acl, w, m->l3, mbuf_ptrs, meta_ptrs, 1, verdicts, now);
	return verdicts[0];
}

static struct dp_acl *
build_ok(void)
{
	struct dp_acl *acl;

	err[0] = '\0';
	acl = dp_acl_build(&cfg, SOCKET_ID_ANY, err, sizeof(err));
	if (acl == NULL)
		fprintf(stderr, "\n  dp_acl_build: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(acl);
	CU_ASSERT_EQUAL(dp_acl_n_rules(acl), cfg.n_acl);
	return acl;
}

static struct dp_acl_worker *
worker_ok(const struct dp_acl *acl, unsigned n_workers)
{
	struct dp_acl_worker *w = dp_acl_worker_create(acl, n_workers, SOCKET_ID_ANY);

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	return w;
}

/* One fixture row: a packet, the verdict, the rule that decides (-1: acl_default),
 * and the packet's connection state (one HP_CT_* bit; 0: not tracked). */
struct acl_case {
	uint8_t proto;
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t verdict;
	int rule;
	uint8_t ct_state;
};

/* The connection tracker's verdict in m's key, as the conntrack stage sets it. */
static void
set_ct_state(struct dp_meta *m, uint8_t st)
{
	if (m->l3 == DP_L3_IPV6)
		m->key.k6.ct_state = st;
	else
		m->key.k4.ct_state = st;
}

#define PASS 0
#define DENY DP_DROP_ACL_DENY
#define RED DP_DROP_POLICER_RED

static void
run_cases(const struct acl_case *c, unsigned n)
{
	struct dp_acl *acl = build_ok();
	struct dp_acl_worker *w = worker_ok(acl, 1);

	for (unsigned i = 0; i < n; i++) {
		uint64_t before[MAX_BURST];
		struct dp_meta m;
		uint8_t v;

		CU_ASSERT_FATAL(cfg.n_acl <= MAX_BURST);
		for (unsigned r = 0; r < cfg.n_acl; r++)
			before[r] = dp_acl_worker_stats(w, r)->packets;
		make_meta(&m, c[i].proto, c[i].src, c[i].dst, c[i].sport, c[i].dport, 100);
		set_ct_state(&m, c[i].ct_state);
		v = classify1(acl, w, &m, 114, 0);
		for (unsigned r = 0; r < cfg.n_acl; r++) {
			uint64_t hits = dp_acl_worker_stats(w, r)->packets - before[r];

			if (hits != ((int)r == c[i].rule ? 1u : 0u) && rules[r].action != HP_ACL_COUNT)
				fprintf(stderr,
					"\n  case %u (%s -> %s, state %u): rule %u hits %" PRIu64 "\n", i,
					c[i].src, c[i].dst, c[i].ct_state, r, hits);
			if (rules[r].action != HP_ACL_COUNT)
				CU_ASSERT_EQUAL(hits, (int)r == c[i].rule ? 1u : 0u);
		}
		if (v != c[i].verdict)
			fprintf(stderr, "\n  case %u (%u %s:%u -> %s:%u, state %u): verdict %u, want %u\n", i,
				c[i].proto, c[i].src, c[i].sport, c[i].dst, c[i].dport, c[i].ct_state, v,
				c[i].verdict);
		CU_ASSERT_EQUAL(v, c[i].verdict);
	}
	dp_acl_worker_free(w);
	dp_acl_free(acl);
}

static void
test_ipv4_prefixes(void)
{
	cfg_reset(true);
	add_rule(10, "10.1.2.3/32", NULL, -1, HP_ACL_DENY);              /* 0 */
	add_rule(20, "10.0.0.0/8", "192.168.1.0/24", -1, HP_ACL_PERMIT); /* 1 */
	add_rule(30, "172.16.0.0/12", "0.0.0.0/0", -1, HP_ACL_PERMIT);   /* 2 */
	add_rule(40, NULL, "203.0.113.7/32", -1, HP_ACL_PERMIT);         /* 3 */
	add_rule(50, "0.0.0.0/0", NULL, IPPROTO_GRE, HP_ACL_PERMIT);     /* 4 */
	add_rule(60, "198.51.100.77/24", NULL, -1, HP_ACL_PERMIT);       /* 5: host bits ignored */
	add_rule(1, "2001:db8::/32", NULL, -1, HP_ACL_PERMIT);           /* 6: IPv6 only */

	static const struct acl_case c[] = {
		{17, "10.1.2.3", "192.168.1.1", 1, 2, DENY, 0},
		{17, "10.1.2.3", "203.0.113.7", 1, 2, DENY, 0}, /* r0 before r3 */
		{17, "10.1.2.2", "192.168.1.1", 1, 2, PASS, 1},
		{17, "10.1.2.4", "192.168.1.0", 1, 2, PASS, 1},
		{17, "10.0.0.0", "192.168.1.255", 1, 2, PASS, 1},
		{17, "10.255.255.255", "192.168.1.128", 1, 2, PASS, 1},
		{17, "10.0.0.0", "192.168.2.0", 1, 2, DENY, -1},
		{17, "10.0.0.0", "192.168.0.255", 1, 2, DENY, -1},
		{17, "11.0.0.0", "192.168.1.1", 1, 2, DENY, -1},
		{17, "9.255.255.255", "192.168.1.1", 1, 2, DENY, -1},
		{6, "172.16.0.0", "1.2.3.4", 1, 2, PASS, 2},
		{6, "172.31.255.255", "255.255.255.255", 1, 2, PASS, 2},
		{6, "172.32.0.0", "1.2.3.4", 1, 2, DENY, -1},
		{6, "172.15.255.255", "1.2.3.4", 1, 2, DENY, -1},
		{1, "1.1.1.1", "203.0.113.7", 0, 0, PASS, 3},
		{1, "0.0.0.0", "203.0.113.7", 0, 0, PASS, 3},
		{1, "1.1.1.1", "203.0.113.6", 0, 0, DENY, -1},
		{1, "1.1.1.1", "203.0.113.8", 0, 0, DENY, -1},
		{47, "8.8.8.8", "8.8.4.4", 0, 0, PASS, 4},
		{47, "255.255.255.255", "0.0.0.0", 0, 0, PASS, 4},
		{46, "8.8.8.8", "8.8.4.4", 0, 0, DENY, -1},
		{48, "8.8.8.8", "8.8.4.4", 0, 0, DENY, -1},
		{17, "198.51.100.0", "8.8.4.4", 0, 0, PASS, 5},
		{17, "198.51.100.255", "8.8.4.4", 0, 0, PASS, 5},
		{17, "198.51.101.0", "8.8.4.4", 0, 0, DENY, -1},
		{17, "32.1.13.184", "8.8.4.4", 0, 0, DENY, -1}, /* 2001:db8 as IPv4 */
	};
	run_cases(c, RTE_DIM(c));
}

static void
test_ipv6_prefixes(void)
{
	cfg_reset(true);
	add_rule(10, "2001:db8::1/128", NULL, -1, HP_ACL_DENY);                    /* 0 */
	add_rule(20, "2001:db8::/32", NULL, -1, HP_ACL_PERMIT);                    /* 1 */
	add_rule(30, NULL, "2001:db8:0:1::/64", -1, HP_ACL_PERMIT);                /* 2 */
	add_rule(40, "::/0", "fd00::/7", -1, HP_ACL_PERMIT);                       /* 3 */
	add_rule(50, NULL, "2001:db8:ffff:ffff:8000::/65", -1, HP_ACL_PERMIT);     /* 4 */
	add_rule(60, "3fff::1230:0/108", NULL, -1, HP_ACL_PERMIT);                 /* 5 */
	add_rule(70, NULL, "2001:db8:aaaa::1/128", IPPROTO_ICMPV6, HP_ACL_PERMIT); /* 6 */
	add_rule(1, "0.0.0.0/0", NULL, -1, HP_ACL_DENY);                           /* 7: IPv4 only */

	static const struct acl_case c[] = {
		{17, "2001:db8::1", "::1", 1, 2, DENY, 0},
		{17, "2001:db8::", "::1", 1, 2, PASS, 1},
		{17, "2001:db8::2", "::1", 1, 2, PASS, 1},
		{17, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "::1", 1, 2, PASS, 1},
		{17, "2001:db9::", "::1", 1, 2, DENY, -1},
		{17, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "::1", 1, 2, DENY, -1},
		{17, "::5", "2001:db8:0:1::", 1, 2, PASS, 2},
		{17, "::5", "2001:db8:0:1:ffff:ffff:ffff:ffff", 1, 2, PASS, 2},
		{17, "::5", "2001:db8:0:2::", 1, 2, DENY, -1},
		{17, "::5", "2001:db8::ffff:ffff:ffff:ffff", 1, 2, DENY, -1},
		{17, "::5", "fd12::1", 1, 2, PASS, 3},
		{17, "ffff::", "fc00::", 1, 2, PASS, 3},
		{17, "::5", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, 2, PASS, 3},
		{17, "::5", "fe00::", 1, 2, DENY, -1},
		{17, "::5", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, 2, DENY, -1},
		{17, "::5", "2001:db8:ffff:ffff:8000::", 1, 2, PASS, 4},
		{17, "::5", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1, 2, PASS, 4},
		{17, "::5", "2001:db8:ffff:ffff:7fff:ffff:ffff:ffff", 1, 2, DENY, -1},
		{17, "::5", "2001:db8:ffff:fffe:8000::", 1, 2, DENY, -1},
		{17, "3fff::1230:0", "::1", 1, 2, PASS, 5},
		{17, "3fff::123f:ffff", "::1", 1, 2, PASS, 5},
		{17, "3fff::1240:0", "::1", 1, 2, DENY, -1},
		{17, "3fff::122f:ffff", "::1", 1, 2, DENY, -1},
		{17, "3fff::1:1230:0", "::1", 1, 2, DENY, -1},
		{58, "::5", "2001:db8:aaaa::1", 0, 0, PASS, 6},
		{58, "::5", "2001:db8:aaaa::2", 0, 0, DENY, -1},
		{58, "::5", "2001:db8:aaaa::", 0, 0, DENY, -1},
		{17, "::5", "2001:db8:aaaa::1", 0, 0, DENY, -1},
	};
	run_cases(c, RTE_DIM(c));
}

static void
test_ports_proto(void)
{
	cfg_reset(true);
	set_ports(add_rule(10, NULL, NULL, IPPROTO_UDP, HP_ACL_PERMIT), ANY_PORT, 5000, 5010);   /* 0 */
	set_ports(add_rule(10, "0.0.0.0/0", NULL, IPPROTO_TCP, HP_ACL_PERMIT), 1, 1023, 80, 80); /* 1 */
	set_ports(add_rule(10, "0.0.0.0/0", NULL, IPPROTO_UDP, HP_ACL_PERMIT), 65535, 65535,
		  ANY_PORT);                                                                    /* 2 */
	set_ports(add_rule(10, "::/0", NULL, IPPROTO_TCP, HP_ACL_PERMIT), ANY_PORT, 0, 0);      /* 3 */
	set_ports(add_rule(10, "::/0", NULL, IPPROTO_SCTP, HP_ACL_PERMIT), 100, 200, 300, 400); /* 4 */

	static const struct acl_case c[] = {
		{17, "1.1.1.1", "2.2.2.2", 7, 4999, DENY, -1},
		{17, "1.1.1.1", "2.2.2.2", 7, 5000, PASS, 0},
		{17, "1.1.1.1", "2.2.2.2", 7, 5005, PASS, 0},
		{17, "1.1.1.1", "2.2.2.2", 7, 5010, PASS, 0},
		{17, "1.1.1.1", "2.2.2.2", 7, 5011, DENY, -1},
		{17, "::1", "::2", 7, 5000, PASS, 0}, /* family 0 */
		{17, "::1", "::2", 7, 5010, PASS, 0},
		{17, "::1", "::2", 7, 5011, DENY, -1},
		{6, "1.1.1.1", "2.2.2.2", 7, 5000, DENY, -1}, /* proto */
		{6, "1.1.1.1", "2.2.2.2", 0, 80, DENY, -1},
		{6, "1.1.1.1", "2.2.2.2", 1, 80, PASS, 1},
		{6, "1.1.1.1", "2.2.2.2", 1023, 80, PASS, 1},
		{6, "1.1.1.1", "2.2.2.2", 1024, 80, DENY, -1},
		{6, "1.1.1.1", "2.2.2.2", 500, 79, DENY, -1},
		{6, "1.1.1.1", "2.2.2.2", 500, 81, DENY, -1},
		{6, "1.1.1.1", "2.2.2.2", 80, 1, DENY, -1}, /* ports not swapped */
		{17, "1.1.1.1", "2.2.2.2", 65535, 1, PASS, 2},
		{17, "1.1.1.1", "2.2.2.2", 65534, 1, DENY, -1},
		{6, "::1", "::2", 9, 0, PASS, 3},
		{6, "::1", "::2", 9, 1, DENY, -1},
		{6, "::1", "::2", 9, 65535, DENY, -1},
		{132, "::1", "::2", 100, 400, PASS, 4},
		{132, "::1", "::2", 200, 300, PASS, 4},
		{132, "::1", "::2", 99, 300, DENY, -1},
		{132, "::1", "::2", 201, 300, DENY, -1},
		{132, "::1", "::2", 150, 299, DENY, -1},
		{132, "::1", "::2", 150, 401, DENY, -1},
		{132, "1.1.1.1", "2.2.2.2", 150, 350, DENY, -1}, /* rule 4 is IPv6 */
	};
	run_cases(c, RTE_DIM(c));
}

static void
test_priority_order(void)
{
	cfg_reset(false);
	add_rule(200, "10.0.0.0/8", NULL, IPPROTO_UDP, HP_ACL_DENY);          /* 0 */
	add_rule(100, "10.0.0.0/8", NULL, IPPROTO_UDP, HP_ACL_PERMIT);        /* 1: lower first */
	add_rule(300, "10.0.0.0/8", NULL, IPPROTO_TCP, HP_ACL_PERMIT);        /* 2: tie, file first */
	add_rule(300, "10.0.0.0/8", NULL, IPPROTO_TCP, HP_ACL_DENY);          /* 3 */
	add_rule(400, "10.0.0.0/8", NULL, IPPROTO_ICMP, HP_ACL_DENY);         /* 4: tie, file first */
	add_rule(400, "10.0.0.0/8", NULL, IPPROTO_ICMP, HP_ACL_PERMIT);       /* 5 */
	add_rule(UINT32_MAX, "10.0.0.0/8", NULL, IPPROTO_ESP, HP_ACL_PERMIT); /* 6 */
	add_rule(0, "10.0.0.0/8", NULL, IPPROTO_ESP, HP_ACL_DENY);            /* 7 */
	add_rule(5, "10.1.0.0/16", NULL, -1, HP_ACL_PERMIT);                  /* 8: wins over all */
	add_rule(6, "10.1.2.0/24", NULL, -1, HP_ACL_DENY);                    /* 9: more specific, later */
	add_rule(500, NULL, NULL, -1, HP_ACL_DENY);              /* 10: catch-all, both families */
	add_rule(499, "2001:db8::/32", NULL, -1, HP_ACL_PERMIT); /* 11 */

	static const struct acl_case c[] = {
		{17, "10.9.9.9", "1.1.1.1", 1, 1, PASS, 1},  {6, "10.9.9.9", "1.1.1.1", 1, 1, PASS, 2},
		{1, "10.9.9.9", "1.1.1.1", 0, 0, DENY, 4},   {50, "10.9.9.9", "1.1.1.1", 0, 0, DENY, 7},
		{17, "10.1.2.3", "1.1.1.1", 1, 1, PASS, 8},  {47, "10.9.9.9", "1.1.1.1", 0, 0, DENY, 10},
		{47, "11.9.9.9", "1.1.1.1", 0, 0, DENY, 10}, {47, "::1", "::2", 0, 0, DENY, 10},
		{47, "2001:db8::1", "::2", 0, 0, PASS, 11},
	};
	run_cases(c, RTE_DIM(c));

	/* the same rules in reverse file order: ties flip, priorities do not */
	struct hp_acl_rule rev[12];

	memcpy(rev, rules, sizeof(rev));
	for (unsigned i = 0; i < 12; i++) {
		rules[i] = rev[11 - i];
		rules[i].line = LINE0 + i;
	}
	static const struct acl_case c2[] = {
		{17, "10.9.9.9", "1.1.1.1", 1, 1, PASS, 10}, {6, "10.9.9.9", "1.1.1.1", 1, 1, DENY, 8},
		{1, "10.9.9.9", "1.1.1.1", 0, 0, PASS, 6},   {50, "10.9.9.9", "1.1.1.1", 0, 0, DENY, 4},
		{17, "10.1.2.3", "1.1.1.1", 1, 1, PASS, 3},
	};
	run_cases(c2, RTE_DIM(c2));
}

static void
test_family_any(void)
{
	cfg_reset(false);
	add_rule(10, NULL, NULL, IPPROTO_UDP, HP_ACL_DENY);  /* 0: both families */
	add_rule(20, "0.0.0.0/0", NULL, -1, HP_ACL_DENY);    /* 1: all IPv4 */
	add_rule(5, "::/0", NULL, IPPROTO_TCP, HP_ACL_DENY); /* 2: IPv6 TCP */

	static const struct acl_case c[] = {
		{17, "1.2.3.4", "5.6.7.8", 1, 1, DENY, 0},
		{17, "::1", "::2", 1, 1, DENY, 0},
		{17, "2001:db8::1", "ff02::1", 1, 1, DENY, 0},
		{6, "1.2.3.4", "5.6.7.8", 1, 1, DENY, 1},
		{6, "::1", "::2", 1, 1, DENY, 2},
		{58, "::1", "::2", 0, 0, PASS, -1},
	};
	run_cases(c, RTE_DIM(c));
}

static void
test_default(void)
{
	for (int deny = 0; deny <= 1; deny++) {
		struct dp_acl *acl;
		struct dp_acl_worker *w;
		struct dp_meta m;
		uint8_t want = deny ? DENY : PASS;

		/* with no rules at all, and with rules that do not match */
		for (int with_rules = 0; with_rules <= 1; with_rules++) {
			cfg_reset(deny);
			if (with_rules) {
				add_rule(10, "10.0.0.0/8", NULL, -1, deny ? HP_ACL_PERMIT : HP_ACL_DENY);
				add_rule(10, "2001:db8::/32", NULL, -1, deny ? HP_ACL_PERMIT : HP_ACL_DENY);
			}
			acl = build_ok();
			w = worker_ok(acl, 4);
			make_meta(&m, 17, "192.0.2.1", "192.0.2.2", 1, 2, 100);
			CU_ASSERT_EQUAL(classify1(acl, w, &m, 114, 0), want);
			make_meta(&m, 17, "2001:db9::1", "2001:db8::2", 1, 2, 100);
			CU_ASSERT_EQUAL(classify1(acl, w, &m, 114, 0), want);
			if (with_rules) {
				make_meta(&m, 17, "10.0.0.1", "192.0.2.2", 1, 2, 100);
				CU_ASSERT_EQUAL(classify1(acl, w, &m, 114, 0), deny ? PASS : DENY);
				make_meta(&m, 17, "2001:db8::1", "::2", 1, 2, 100);
				CU_ASSERT_EQUAL(classify1(acl, w, &m, 114, 0), deny ? PASS : DENY);
				CU_ASSERT_EQUAL(dp_acl_worker_stats(w, 0)->packets, 1);
				CU_ASSERT_EQUAL(dp_acl_worker_stats(w, 1)->packets, 1);
				CU_ASSERT_PTR_NULL(dp_acl_worker_stats(w, 2));
			} else {
				CU_ASSERT_EQUAL(dp_acl_n_rules(acl), 0);
				CU_ASSERT_PTR_NULL(dp_acl_worker_stats(w, 0));
			}
			dp_acl_worker_free(w);
			dp_acl_free(acl);
		}
	}
}

static void
expect_stats(const struct dp_acl_worker *w, unsigned rule, uint64_t packets, uint64_t bytes)
{
	const struct dp_acl_rule_stats *s = dp_acl_worker_stats(w, rule);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	if (s->packets != packets || s->bytes != bytes)
		fprintf(stderr,
			"\n  rule %u: %" PRIu64 " packets %" PRIu64 " bytes, want %" PRIu64 " %" PRIu64 "\n",
			rule, s->packets, s->bytes, packets, bytes);
	CU_ASSERT_EQUAL(s->packets, packets);
	CU_ASSERT_EQUAL(s->bytes, bytes);
}

static void
test_count(void)
{
	struct dp_acl *acl;
	struct dp_acl_worker *w;
	struct dp_meta m;

	cfg_reset(false);
	add_rule(10, "10.0.0.0/8", NULL, -1, HP_ACL_COUNT);   /* 0: before the deny */
	add_rule(20, "10.0.0.0/8", NULL, -1, HP_ACL_DENY);    /* 1 */
	add_rule(10, "20.0.0.0/8", NULL, -1, HP_ACL_PERMIT);  /* 2 */
	add_rule(20, "20.0.0.0/8", NULL, -1, HP_ACL_COUNT);   /* 3: after the permit */
	add_rule(30, "30.0.0.0/8", NULL, -1, HP_ACL_COUNT);   /* 4: nothing decides */
	add_rule(1, "40.0.0.0/8", NULL, -1, HP_ACL_COUNT);    /* 5: first count rule */
	add_rule(2, "40.0.0.0/8", NULL, -1, HP_ACL_COUNT);    /* 6: second: not counted */
	add_rule(3, "40.0.0.0/8", NULL, -1, HP_ACL_DENY);     /* 7 */
	add_rule(50, "50.0.0.0/8", NULL, -1, HP_ACL_COUNT);   /* 8: tie, count first in file */
	add_rule(50, "50.0.0.0/8", NULL, -1, HP_ACL_DENY);    /* 9 */
	add_rule(60, "60.0.0.0/8", NULL, -1, HP_ACL_PERMIT);  /* 10: tie, permit first */
	add_rule(60, "60.0.0.0/8", NULL, -1, HP_ACL_COUNT);   /* 11 */
	add_rule(70, NULL, NULL, IPPROTO_UDP, HP_ACL_COUNT);  /* 12: both families */
	add_rule(80, "::/0", NULL, IPPROTO_UDP, HP_ACL_DENY); /* 13 */
	acl = build_ok();
	w = worker_ok(acl, 1);

	make_meta(&m, 6, "10.1.1.1", "1.1.1.1", 1, 2, 100);
	CU_ASSERT_EQUAL(classify1(acl, w, &m, 200, 0), DENY);
	expect_stats(w, 0, 1, 200);
	expect_stats(w, 1, 1, 200);

	make_meta(&m, 6, "20.1.1.1", "1.1.1.1", 1, 2, 100);
	CU_ASSERT_EQUAL(classify1(acl, w, &m, 300, 0), PASS);
	expect_stats(w, 2, 1, 300);
	expect_stats(w, 3, 0, 0);

	make_meta(&m, 6, "30.1.1.1", "1.1.1.1", 1, 2, 100);
	CU_ASSERT_EQUAL(classify1(acl, w, &m, 400, 0), PASS);
	expect_stats(w, 4, 1, 400);

	make_meta(&m, 6, "40.1.1.1", "1.1.1.1", 1, 2, 100);
	CU_ASSERT_EQUAL(classify1(acl, w, &m, 500, 0), DENY);
	expect_stats(w, 5, 1, 500);
	expect_stats(w, 6, 0, 0);
	expect_stats(w, 7, 1, 500);

	make_meta(&m, 6, "50.1.1.1", "1.1.1.1", 1, 2, 100);
	CU_ASSERT_EQUAL(classify1(acl, w, &m, 600, 0), DENY);
	expect_stats(w, 8, 1, 600);
	expect_stats(w, 9, 1, 600);

	make_meta(&m, 6, "60.1.1.1", "1.1.1.1", 1, 2, 100);
	CU_ASSERT_EQUAL(classify1(acl, w, &m, 700, 0), PASS);
	expect_stats(w, 10, 1, 700);
	expect_stats(w, 11, 0, 0);

	/* a UDP 10/8 packet: rule 0 counts (first), the deny decides, 12 stays */
	make_meta(&m, 17, "10.1.1.1", "1.1.1.1", 1, 2, 100);
	CU_ASSERT_EQUAL(classify1(acl, w, &m, 64, 0), DENY);
	expect_stats(w, 0, 2, 264);
	expect_stats(w, 12, 0, 0);
	make_meta(&m, 17, "99.1.1.1", "1.1.1.1", 1, 2, 100);
	CU_ASSERT_EQUAL(classify1(acl, w, &m, 64, 0), PASS);
	make_meta(&m, 17, "2001:db8::1", "::1", 1, 2, 100);
	CU_ASSERT_EQUAL(classify1(acl, w, &m, 84, 0), DENY);
	expect_stats(w, 12, 2, 148);
	expect_stats(w, 13, 1, 84);
	dp_acl_worker_free(w);
	dp_acl_free(acl);
}

/* Per-rule counters: exact packets and bytes (frame length), per worker, over bursts. */
static void
test_counters(void)
{
	struct dp_acl *acl;
	struct dp_acl_worker *w1, *w2;
	uint64_t bytes[3] = {0}, pkts[3] = {0}, def = 0;
	unsigned n = 300;

	cfg_reset(false);
	add_rule(10, "10.0.0.0/8", NULL, -1, HP_ACL_PERMIT);  /* 0 */
	add_rule(20, "10.0.0.0/8", NULL, -1, HP_ACL_DENY);    /* 1: shadowed */
	add_rule(30, "2001:db8::/32", NULL, -1, HP_ACL_DENY); /* 2 */
	acl = build_ok();
	w1 = worker_ok(acl, 2);
	w2 = worker_ok(acl, 2);

	for (unsigned i = 0; i < n; i++) {
		make_meta(&metas[i], 17, i % 3 ? "10.0.0.1" : "11.0.0.1", "1.1.1.1", 1, 2, 100);
		mbufs[i].pkt_len = 60 + i;
		if (i % 3) {
			pkts[0]++;
			bytes[0] += 60 + i;
		} else {
			def++;
		}
	}
	/* one call of 300 packets: more than one rte_acl chunk */
	memset(verdicts, 0xee, n + 1);
	dp_acl_classify(acl, w1, V4, mbuf_ptrs, meta_ptrs, (uint16_t)n, verdicts, 0);
	for (unsigned i = 0; i < n; i++)
		CU_ASSERT_EQUAL(verdicts[i], PASS);
	CU_ASSERT_EQUAL(verdicts[n], 0xee); /* not written past n */
	expect_stats(w1, 0, pkts[0], bytes[0]);
	expect_stats(w1, 1, 0, 0);
	expect_stats(w2, 0, 0, 0);

	for (unsigned i = 0; i < 70; i++) {
		make_meta(&metas[i], 6, i % 2 ? "2001:db8::1" : "2001:db9::1", "::1", 1, 2, 100);
		mbufs[i].pkt_len = 1000 + i;
		if (i % 2) {
			pkts[2]++;
			bytes[2] += 1000 + i;
		}
	}
	dp_acl_classify(acl, w2, V6, mbuf_ptrs, meta_ptrs, 70, verdicts, 0);
	for (unsigned i = 0; i < 70; i++)
		CU_ASSERT_EQUAL(verdicts[i], i % 2 ? DENY : PASS);
	expect_stats(w2, 2, pkts[2], bytes[2]);
	expect_stats(w1, 2, 0, 0);
	/* n = 0 touches nothing */
	dp_acl_classify(acl, w2, V6, mbuf_ptrs, meta_ptrs, 0, verdicts, 0);
	expect_stats(w2, 2, pkts[2], bytes[2]);
	CU_ASSERT(def > 0);
	dp_acl_worker_free(w1);
	dp_acl_worker_free(w2);
	dp_acl_free(acl);
}

/* Send n packets of l3_len bytes at `now` in bursts of 50; returns how many passed. */
static unsigned
police_burst(const struct dp_acl *acl, struct dp_acl_worker *w, unsigned n, uint16_t l3_len, uint64_t now,
	     unsigned *first_red)
{
	unsigned pass = 0;

	*first_red = n;
	for (unsigned i = 0; i < 50; i++) {
		make_meta(&metas[i], 17, "10.0.0.1", "10.0.0.2", 1, 2, l3_len);
		mbufs[i].pkt_len = l3_len + 14;
	}
	for (unsigned done = 0; done < n;) {
		uint16_t k = (uint16_t)RTE_MIN(n - done, 50u);

		dp_acl_classify(acl, w, V4, mbuf_ptrs, meta_ptrs, k, verdicts, now);
		for (unsigned i = 0; i < k; i++) {
			if (verdicts[i] == PASS) {
				pass++;
			} else {
				CU_ASSERT_EQUAL(verdicts[i], RED);
				if (*first_red == n)
					*first_red = done + i;
			}
		}
		done += k;
	}
	return pass;
}

/*
 * trTCM (RFC 2698), colour-blind: red when the P bucket lacks the bytes,
 * so a burst at one instant passes pbs bytes. Buckets start full.
 * cir 8 Mbit/s = 1e6 B/s, pir 16 Mbit/s = 2e6 B/s, cbs 10000, pbs 20000.
 */
static void
test_police_trtcm(void)
{
	const uint64_t hz = rte_get_tsc_hz();
	struct dp_acl *acl;
	struct dp_acl_worker *w, *w2, *half;
	unsigned first_red;
	uint64_t t0;

	cfg_reset(false);
	add_policer(HP_POLICER_TRTCM, 8000000, 10000, 16000000, 20000);
	add_rule(10, "10.0.0.0/8", NULL, IPPROTO_UDP, HP_ACL_POLICE)->policer = 0;
	acl = build_ok();
	w = worker_ok(acl, 1);
	w2 = worker_ok(acl, 1);
	half = worker_ok(acl, 2);
	t0 = rte_rdtsc();

	/* 1000 x 1000 bytes at t0: 20 pass (10 green, 10 yellow), then red */
	CU_ASSERT_EQUAL(police_burst(acl, w, 1000, 1000, t0, &first_red), 20);
	CU_ASSERT_EQUAL(first_red, 20);
	/* every packet the police rule decided is counted, red or not */
	expect_stats(w, 0, 1000, 1000 * 1014);
	/* another worker has its own buckets; halving the rates keeps the bursts */
	CU_ASSERT_EQUAL(police_burst(acl, w2, 1000, 1000, t0, &first_red), 20);
	CU_ASSERT_EQUAL(police_burst(acl, half, 1000, 1000, t0, &first_red), 20);
	/* the same instant again: still empty */
	CU_ASSERT_EQUAL(police_burst(acl, w, 10, 1000, t0, &first_red), 0);

	/* 5.75 ms later P has 11500 bytes (2e6 B/s): 11 pass; at pir / 2, 5750: 5 */
	CU_ASSERT_EQUAL(police_burst(acl, w, 100, 1000, t0 + hz * 575 / 100000, &first_red), 11);
	CU_ASSERT_EQUAL(police_burst(acl, half, 100, 1000, t0 + hz * 575 / 100000, &first_red), 5);
	/* a packet larger than pbs is always red */
	CU_ASSERT_EQUAL(police_burst(acl, w2, 1, 20001, t0 + 10 * hz, &first_red), 0);
	/* one second on, both buckets are full again (capped at cbs / pbs) */
	CU_ASSERT_EQUAL(police_burst(acl, w, 1000, 1000, t0 + hz, &first_red), 20);
	/* small packets: 20000 / 100 */
	CU_ASSERT_EQUAL(police_burst(acl, w, 1000, 100, t0 + 3 * hz, &first_red), 200);
	dp_acl_worker_free(w);
	dp_acl_worker_free(w2);
	dp_acl_worker_free(half);
	dp_acl_free(acl);
}

/*
 * srTCM (RFC 2697), colour-blind: green from C, then yellow from E, then red;
 * C refills at cir and overflows into E. cir 8 Mbit/s, cbs 10000, ebs 20000.
 */
static void
test_police_srtcm(void)
{
	const uint64_t hz = rte_get_tsc_hz();
	struct dp_acl *acl;
	struct dp_acl_worker *w, *half;
	unsigned first_red;
	uint64_t t0;

	cfg_reset(true);
	add_policer(HP_POLICER_TRTCM, 800000000, 1000000, 800000000, 1000000); /* unused */
	add_policer(HP_POLICER_SRTCM, 8000000, 10000, 0, 20000);
	add_rule(10, NULL, NULL, IPPROTO_UDP, HP_ACL_POLICE)->policer = 1;
	acl = build_ok();
	w = worker_ok(acl, 1);
	half = worker_ok(acl, 2);
	t0 = rte_rdtsc();

	CU_ASSERT_EQUAL(police_burst(acl, w, 1000, 1000, t0, &first_red), 30);
	CU_ASSERT_EQUAL(first_red, 30);
	CU_ASSERT_EQUAL(police_burst(acl, half, 1000, 1000, t0, &first_red), 30);
	/* 5.75 ms: C gets 5750 bytes (1e6 B/s), E none: 5 pass; at cir / 2: 2 */
	CU_ASSERT_EQUAL(police_burst(acl, w, 100, 1000, t0 + hz * 575 / 100000, &first_red), 5);
	CU_ASSERT_EQUAL(police_burst(acl, half, 100, 1000, t0 + hz * 575 / 100000, &first_red), 2);
	/* one second: C full, the overflow fills E */
	CU_ASSERT_EQUAL(police_burst(acl, w, 1000, 1000, t0 + hz, &first_red), 30);
	expect_stats(w, 0, 2100, 2100 * 1014);
	dp_acl_worker_free(w);
	dp_acl_worker_free(half);
	dp_acl_free(acl);
}

/* A police rule only meters what it decides: a permit before it bypasses the meter. */
static void
test_police_order(void)
{
	struct dp_acl *acl;
	struct dp_acl_worker *w;
	unsigned first_red;
	uint64_t t0;

	cfg_reset(false);
	add_policer(HP_POLICER_TRTCM, 8000, 1000, 8000, 1000);
	add_rule(10, "10.0.0.1/32", NULL, -1, HP_ACL_PERMIT);
	add_rule(20, "10.0.0.0/8", NULL, -1, HP_ACL_POLICE)->policer = 0;
	add_rule(5, NULL, NULL, IPPROTO_UDP, HP_ACL_COUNT);
	acl = build_ok();
	w = worker_ok(acl, 1);
	t0 = rte_rdtsc();
	CU_ASSERT_EQUAL(police_burst(acl, w, 100, 1000, t0, &first_red), 100); /* src 10.0.0.1 */
	expect_stats(w, 0, 100, 101400);
	expect_stats(w, 1, 0, 0);
	expect_stats(w, 2, 100, 101400);
	rules[0].src.addr[3] = 9; /* permit 10.0.0.9 instead: the burst meets the policer */
	dp_acl_worker_free(w);
	dp_acl_free(acl);
	acl = build_ok();
	w = worker_ok(acl, 1);
	t0 = rte_rdtsc();
	CU_ASSERT_EQUAL(police_burst(acl, w, 100, 1000, t0, &first_red), 1);
	expect_stats(w, 1, 100, 101400);
	expect_stats(w, 2, 100, 101400);
	dp_acl_worker_free(w);
	dp_acl_free(acl);
}

static void
expect_build_error(int want_errno, const char *want_prefix, const char *want_text)
{
	struct dp_acl *acl;

	err[0] = '\0';
	errno = 0;
	acl = dp_acl_build(&cfg, SOCKET_ID_ANY, err, sizeof(err));
	CU_ASSERT_PTR_NULL(acl);
	if (acl != NULL) {
		dp_acl_free(acl);
		return;
	}
	CU_ASSERT_EQUAL(errno, want_errno);
	if (strncmp(err, want_prefix, strlen(want_prefix)) != 0 || strstr(err, want_text) == NULL)
		fprintf(stderr, "\n  error '%s', want '%s...%s'\n", err, want_prefix, want_text);
	CU_ASSERT_EQUAL(strncmp(err, want_prefix, strlen(want_prefix)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want_text));
}

static void
test_errors(void)
{
	struct hp_acl_rule *r;

	cfg_reset(false);
	add_rule(1, "10.0.0.0/8", NULL, -1, HP_ACL_PERMIT);
	add_rule(1, "10.0.0.0/8", NULL, -1, HP_ACL_POLICE)->policer = 0;
	expect_build_error(EINVAL, FILE_NAME ":101: ", "policer");
	add_policer(HP_POLICER_TRTCM, 8000, 1000, 16000, 1000);
	rules[1].policer = 1;
	expect_build_error(EINVAL, FILE_NAME ":101: ", "policer");
	rules[1].policer = 0;
	struct dp_acl *acl = build_ok();
	dp_acl_free(acl);

	policers[0].pir = 4000; /* pir < cir */
	expect_build_error(EINVAL, FILE_NAME ":10: ", "pol0");
	policers[0].pir = 16000;
	policers[0].cir = 7; /* under a byte per second */
	expect_build_error(EINVAL, FILE_NAME ":10: ", "cir");
	policers[0].cir = 8000;
	policers[0].pbs = 0;
	expect_build_error(EINVAL, FILE_NAME ":10: ", "pol0");
	policers[0].pbs = 1000;
	add_policer(HP_POLICER_SRTCM, 0, 1000, 0, 1000);
	expect_build_error(EINVAL, FILE_NAME ":11: ", "pol1");
	policers[1].cir = 8000;

	r = add_rule(1, "10.0.0.0/33", NULL, -1, HP_ACL_DENY);
	expect_build_error(EINVAL, FILE_NAME ":102: ", "prefix");
	r->src.len = 32;
	r->dst.family = AF_INET6;
	r->has_dst = true;
	expect_build_error(EINVAL, FILE_NAME ":102: ", "dst");
	r->has_dst = false;
	set_ports(r, 10, 9, ANY_PORT);
	expect_build_error(EINVAL, FILE_NAME ":102: ", "port");
	set_ports(r, ANY_PORT, ANY_PORT);
	r->action = (enum hp_acl_action)42;
	expect_build_error(EINVAL, FILE_NAME ":102: ", "action");
	r->action = HP_ACL_DENY;
	r->state = 0x10;
	expect_build_error(EINVAL, FILE_NAME ":102: ", "state");
	r->state = HP_CT_STATE_ALL;
	acl = build_ok();
	CU_ASSERT_EQUAL(err[0], '\0');
	CU_ASSERT_PTR_NULL(dp_acl_worker_create(acl, 0, SOCKET_ID_ANY));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NULL(dp_acl_worker_create(NULL, 1, SOCKET_ID_ANY));
	dp_acl_free(acl);
	dp_acl_free(NULL);
	dp_acl_worker_free(NULL);
}

/* ---- state: the connection tracker's verdict (key ct_state) ---- */

#define NEW HP_CT_NEW
#define EST HP_CT_ESTABLISHED
#define REL HP_CT_RELATED
#define INV HP_CT_INVALID

static const uint8_t all_states[] = {0, NEW, EST, REL, INV};

/* Each state bit matches only itself; no state-rule matches an untracked key (0). */
static void
test_state_bits(void)
{
	static const char *const host[2][4] = {{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"},
					       {"2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4"}};
	static const char *const pfx[2][4] = {
		{"10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32", "10.0.0.4/32"},
		{"2001:db8::1/128", "2001:db8::2/128", "2001:db8::3/128", "2001:db8::4/128"}};
	struct acl_case c[2 * 4 * RTE_DIM(all_states)];
	unsigned n = 0;

	cfg_reset(false);
	for (unsigned fam = 0; fam < 2; fam++) {
		for (unsigned k = 0; k < 4; k++)
			add_rule(10, pfx[fam][k], NULL, -1, HP_ACL_DENY)->state = (uint8_t)(1u << k);
	}
	for (unsigned fam = 0; fam < 2; fam++) {
		for (unsigned k = 0; k < 4; k++) {
			for (unsigned s = 0; s < RTE_DIM(all_states); s++) {
				bool hit = all_states[s] == 1u << k;

				c[n++] = (struct acl_case){
					17, host[fam][k],      fam ? "::9" : "9.9.9.9",       1,
					2,  hit ? DENY : PASS, hit ? (int)(4 * fam + k) : -1, all_states[s]};
			}
		}
	}
	run_cases(c, n);
}

/* state [established, related]: both of them, not new, invalid or untracked;
 * a rule without state matches every state and 0. */
static void
test_state_set(void)
{
	cfg_reset(true);
	add_rule(10, NULL, NULL, -1, HP_ACL_PERMIT)->state = EST | REL;  /* 0: both families */
	add_rule(20, "10.0.0.0/8", NULL, IPPROTO_UDP, HP_ACL_PERMIT);    /* 1: stateless */
	add_rule(20, "2001:db8::/32", NULL, IPPROTO_UDP, HP_ACL_PERMIT); /* 2: stateless */

	static const struct acl_case c[] = {
		{6, "11.0.0.1", "1.1.1.1", 1, 2, PASS, 0, EST},
		{6, "11.0.0.1", "1.1.1.1", 1, 2, PASS, 0, REL},
		{6, "11.0.0.1", "1.1.1.1", 1, 2, DENY, -1, NEW},
		{6, "11.0.0.1", "1.1.1.1", 1, 2, DENY, -1, INV},
		{6, "11.0.0.1", "1.1.1.1", 1, 2, DENY, -1, 0},
		{6, "2001:db9::1", "::1", 1, 2, PASS, 0, EST},
		{6, "2001:db9::1", "::1", 1, 2, PASS, 0, REL},
		{6, "2001:db9::1", "::1", 1, 2, DENY, -1, NEW},
		{6, "2001:db9::1", "::1", 1, 2, DENY, -1, INV},
		{6, "2001:db9::1", "::1", 1, 2, DENY, -1, 0},
		/* stateless rules: any state, and 0 */
		{17, "10.0.0.1", "1.1.1.1", 1, 2, PASS, 1, 0},
		{17, "10.0.0.1", "1.1.1.1", 1, 2, PASS, 1, NEW},
		{17, "10.0.0.1", "1.1.1.1", 1, 2, PASS, 0, EST}, /* rule 0 first */
		{17, "10.0.0.1", "1.1.1.1", 1, 2, PASS, 0, REL},
		{17, "10.0.0.1", "1.1.1.1", 1, 2, PASS, 1, INV},
		{17, "2001:db8::1", "::1", 1, 2, PASS, 2, 0},
		{17, "2001:db8::1", "::1", 1, 2, PASS, 2, NEW},
		{17, "2001:db8::1", "::1", 1, 2, PASS, 0, EST},
		{17, "2001:db8::1", "::1", 1, 2, PASS, 2, INV},
	};
	run_cases(c, RTE_DIM(c));

	/* every bit: the rule matches every tracked packet, never an untracked one */
	rules[0].state = HP_CT_STATE_ALL;
	static const struct acl_case c2[] = {
		{6, "11.0.0.1", "1.1.1.1", 1, 2, PASS, 0, NEW},
		{6, "11.0.0.1", "1.1.1.1", 1, 2, PASS, 0, INV},
		{6, "11.0.0.1", "1.1.1.1", 1, 2, DENY, -1, 0},
		{6, "2001:db9::1", "::1", 1, 2, PASS, 0, REL},
		{6, "2001:db9::1", "::1", 1, 2, DENY, -1, 0},
	};
	run_cases(c2, RTE_DIM(c2));
}

/* A state rule and a stateless rule over the same packets: priority, then file order. */
static void
test_state_priority(void)
{
	cfg_reset(false);
	add_rule(10, "10.0.0.0/8", NULL, -1, HP_ACL_DENY)->state = NEW;      /* 0 */
	add_rule(20, "10.0.0.0/8", NULL, -1, HP_ACL_PERMIT);                 /* 1 */
	add_rule(5, "10.1.0.0/16", NULL, -1, HP_ACL_PERMIT);                 /* 2: before 0 */
	add_rule(30, "2001:db8::/32", NULL, -1, HP_ACL_PERMIT);              /* 3 */
	add_rule(30, "2001:db8::/32", NULL, -1, HP_ACL_DENY)->state = NEW;   /* 4: tie, later */
	add_rule(40, "2001:db8::/32", NULL, -1, HP_ACL_DENY)->state = INV;   /* 5: after 3 */
	add_rule(29, "2001:db8:1::/48", NULL, -1, HP_ACL_DENY)->state = INV; /* 6: before 3 */

	static const struct acl_case c[] = {
		{17, "10.0.0.1", "1.1.1.1", 1, 2, DENY, 0, NEW},
		{17, "10.0.0.1", "1.1.1.1", 1, 2, PASS, 1, EST},
		{17, "10.0.0.1", "1.1.1.1", 1, 2, PASS, 1, 0},
		{17, "10.1.0.1", "1.1.1.1", 1, 2, PASS, 2, NEW},
		{17, "2001:db8::1", "::1", 1, 2, PASS, 3, NEW},
		{17, "2001:db8::1", "::1", 1, 2, PASS, 3, INV},
		{17, "2001:db8:1::1", "::1", 1, 2, DENY, 6, INV},
		{17, "2001:db8:1::1", "::1", 1, 2, PASS, 3, EST},
		{17, "2001:db8:1::1", "::1", 1, 2, PASS, 3, 0},
	};
	run_cases(c, RTE_DIM(c));

	/* the same rules in reverse file order: the tie flips, nothing else */
	struct hp_acl_rule rev[7];

	memcpy(rev, rules, sizeof(rev));
	for (unsigned i = 0; i < 7; i++) {
		rules[i] = rev[6 - i];
		rules[i].line = LINE0 + i;
	}
	static const struct acl_case c2[] = {
		{17, "10.0.0.1", "1.1.1.1", 1, 2, DENY, 6, NEW},
		{17, "10.0.0.1", "1.1.1.1", 1, 2, PASS, 5, EST},
		{17, "2001:db8::1", "::1", 1, 2, DENY, 2, NEW}, /* rule 4 now comes first in the file */
		{17, "2001:db8::1", "::1", 1, 2, PASS, 3, EST},
		{17, "2001:db8:1::1", "::1", 1, 2, DENY, 0, INV},
	};
	run_cases(c2, RTE_DIM(c2));
}

/* dp_acl_established4 on the rule set built now; frees it. */
static int32_t
established4_of(void)
{
	struct dp_acl *acl = build_ok();
	int32_t d = dp_acl_established4(acl, cfg.acl_default_deny);

	dp_acl_free(acl);
	return d;
}

/*
 * What decides every established IPv4 packet (the conntrack fast path trusts it): the first rule
 * in match order that can match one, when it matches them all and permits; acl_default when no
 * rule can; nothing (-1) when the packet's fields would decide.
 */
static void
test_established4(void)
{
	CU_ASSERT_EQUAL(dp_acl_established4(NULL, false), 0);
	CU_ASSERT_EQUAL(dp_acl_established4(NULL, true), -1);

	/* the firewall of docs/conntrack.md: invalid denied first, then established permitted */
	cfg_reset(true);
	add_rule(5, NULL, NULL, -1, HP_ACL_DENY)->state = INV;
	add_rule(20, "10.0.0.0/8", NULL, -1, HP_ACL_PERMIT)->state = NEW;
	add_rule(10, NULL, NULL, -1, HP_ACL_PERMIT)->state = EST | REL;
	add_rule(1, "2001:db8::/32", NULL, -1, HP_ACL_DENY); /* IPv6 only: never an IPv4 packet */
	CU_ASSERT_EQUAL(established4_of(), 3);
	{
		struct dp_acl *acl = build_ok();
		struct dp_acl_worker *w = worker_ok(acl, 1);
		struct dp_meta m;

		/* what rte_acl says for an established packet is that rule */
		make_meta(&m, 6, "192.0.2.1", "10.1.2.3", 443, 1234, 50);
		set_ct_state(&m, EST);
		CU_ASSERT_EQUAL(classify1(acl, w, &m, 64, 0), PASS);
		CU_ASSERT_EQUAL(dp_acl_worker_stats(w, 2)->packets, 1);
		dp_acl_count(w, 2, 3, 300);
		CU_ASSERT_EQUAL(dp_acl_worker_stats(w, 2)->packets, 4);
		CU_ASSERT_EQUAL(dp_acl_worker_stats(w, 2)->bytes, 364);
		dp_acl_worker_free(w);
		dp_acl_free(acl);
	}

	/* a stateless rule first: addresses decide */
	cfg_reset(false);
	add_rule(1, "10.0.0.0/8", NULL, -1, HP_ACL_DENY);
	add_rule(10, NULL, NULL, -1, HP_ACL_PERMIT)->state = EST;
	CU_ASSERT_EQUAL(established4_of(), -1);

	/* the established rule matches only TCP, or only a destination, or denies, or counts */
	cfg_reset(false);
	add_rule(10, NULL, NULL, 6, HP_ACL_PERMIT)->state = EST;
	CU_ASSERT_EQUAL(established4_of(), -1);
	cfg_reset(false);
	add_rule(10, NULL, "198.51.100.0/24", -1, HP_ACL_PERMIT)->state = EST;
	CU_ASSERT_EQUAL(established4_of(), -1);
	cfg_reset(false);
	add_rule(10, NULL, NULL, -1, HP_ACL_DENY)->state = EST;
	CU_ASSERT_EQUAL(established4_of(), -1);
	cfg_reset(false);
	add_rule(10, NULL, NULL, -1, HP_ACL_COUNT)->state = EST;
	add_rule(11, NULL, NULL, -1, HP_ACL_PERMIT)->state = EST;
	CU_ASSERT_EQUAL(established4_of(), -1);

	/* 0.0.0.0/0 is no restriction; a tie goes to the earlier rule in the file */
	cfg_reset(true);
	add_rule(10, "0.0.0.0/0", NULL, -1, HP_ACL_PERMIT)->state = EST;
	add_rule(10, NULL, NULL, -1, HP_ACL_DENY);
	CU_ASSERT_EQUAL(established4_of(), 1);

	/* no rule can match an established packet: acl_default decides */
	cfg_reset(false);
	add_rule(10, "10.0.0.0/8", NULL, -1, HP_ACL_DENY)->state = NEW | INV;
	CU_ASSERT_EQUAL(established4_of(), 0);
	cfg.acl_default_deny = true;
	CU_ASSERT_EQUAL(established4_of(), -1);
}

/*
 * A rule with several state bits is several rte_acl rules: its counters and a
 * count rule's still move once per packet, whatever state bit matched.
 */
static void
test_state_counters(void)
{
	struct dp_acl *acl;
	struct dp_acl_worker *w;
	uint64_t pkts[3] = {0}, bytes[3] = {0};
	unsigned n = 200;

	cfg_reset(true);
	add_rule(10, NULL, NULL, -1, HP_ACL_PERMIT)->state = HP_CT_STATE_ALL;  /* 0: 4 expansions */
	add_rule(5, NULL, NULL, IPPROTO_UDP, HP_ACL_COUNT)->state = EST | REL; /* 1: 2 expansions */
	add_rule(20, NULL, NULL, -1, HP_ACL_PERMIT);                           /* 2: untracked */
	acl = build_ok();
	w = worker_ok(acl, 1);
	for (unsigned i = 0; i < n; i++) {
		uint8_t st = all_states[i % RTE_DIM(all_states)];
		uint8_t proto = i % 3 ? IPPROTO_UDP : IPPROTO_TCP;

		/* a few flows, so that the cache answers most of them */
		make_meta(&metas[i], proto, i % 2 ? "10.0.0.1" : "2001:db8::1", i % 2 ? "1.1.1.1" : "::1",
			  (uint16_t)(i % 7), 2, 100);
		set_ct_state(&metas[i], st);
		mbufs[i].pkt_len = 60 + i;
		pkts[st != 0 ? 0 : 2]++;
		bytes[st != 0 ? 0 : 2] += 60 + i;
		if (proto == IPPROTO_UDP && (st == EST || st == REL)) {
			pkts[1]++;
			bytes[1] += 60 + i;
		}
	}
	/* in family runs, as the stage classifies them; twice: misses, then cache hits */
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned fam = 0; fam < 2; fam++) {
			struct rte_mbuf *mb[MAX_BURST];
			struct dp_meta *mt[MAX_BURST];
			uint16_t k = 0;

			for (unsigned i = 0; i < n; i++) {
				if (metas[i].l3 != (fam == 0 ? V4 : V6))
					continue;
				mb[k] = mbuf_ptrs[i];
				mt[k++] = meta_ptrs[i];
			}
			memset(verdicts, 0xee, k);
			dp_acl_classify(acl, w, fam == 0 ? V4 : V6, mb, mt, k, verdicts, 0);
			for (unsigned i = 0; i < k; i++)
				CU_ASSERT_EQUAL(verdicts[i], PASS);
		}
		for (unsigned r = 0; r < 3; r++)
			expect_stats(w, r, pkts[r] * (round + 1), bytes[r] * (round + 1));
	}
	dp_acl_worker_free(w);
	dp_acl_free(acl);
}

/*
 * The result cache keys on the state too: a permit cached for an
 * established packet never answers for a new packet of the same 5-tuple
 * (dp_acl_classify and the fast path's dp_acl_permit_run4).
 */
static void
test_state_cache(void)
{
	struct dp_acl *acl;
	struct dp_acl_worker *w;
	const struct dp_acl_cache_stats *cs;

	cfg_reset(false);
	add_rule(10, NULL, NULL, -1, HP_ACL_PERMIT)->state = EST | REL; /* 0 */
	add_rule(20, NULL, NULL, -1, HP_ACL_DENY)->state = NEW;         /* 1 */
	acl = build_ok();
	w = worker_ok(acl, 1);
	for (unsigned fam = 0; fam < 2; fam++) {
		const char *src = fam ? "2001:db8::1" : "10.0.0.1", *dst = fam ? "2001:db8::2" : "10.0.0.2";
		uint8_t l3 = fam ? V6 : V4;
		struct dp_meta m;

		cs = dp_acl_worker_cache_stats(w, l3);
		make_meta(&m, IPPROTO_TCP, src, dst, 40000, 443, 100);
		set_ct_state(&m, EST);
		CU_ASSERT_EQUAL(classify1(acl, w, &m, 114, 0), PASS);
		CU_ASSERT_EQUAL(classify1(acl, w, &m, 114, 0), PASS);
		CU_ASSERT_EQUAL(cs->misses, 1);
		CU_ASSERT_EQUAL(cs->hits, 1);
		if (l3 == V4) {
			/* the fast path: the established key is a known permit, the new one is not */
			struct dp_acl_key4 keys[2] = {m.key.k4, m.key.k4};

			keys[1].ct_state = NEW;
			CU_ASSERT_EQUAL(dp_acl_permit_run4(acl, w, keys, mbuf_ptrs, 2), 1);
			CU_ASSERT_EQUAL(cs->hits, 2);
		}
		set_ct_state(&m, NEW);
		CU_ASSERT_EQUAL(classify1(acl, w, &m, 114, 0), DENY);
		CU_ASSERT_EQUAL(cs->misses, 2);
		CU_ASSERT_EQUAL(classify1(acl, w, &m, 114, 0), DENY); /* now cached as such */
		set_ct_state(&m, 0);
		CU_ASSERT_EQUAL(classify1(acl, w, &m, 114, 0), PASS); /* untracked: acl_default */
		set_ct_state(&m, REL);
		CU_ASSERT_EQUAL(classify1(acl, w, &m, 114, 0), PASS);
		set_ct_state(&m, EST);
		CU_ASSERT_EQUAL(classify1(acl, w, &m, 114, 0), PASS);
		if (l3 == V4) {
			struct dp_acl_key4 keys[2] = {m.key.k4, m.key.k4};

			keys[1].ct_state = NEW; /* known now, as a deny: the run stops before it */
			CU_ASSERT_EQUAL(dp_acl_permit_run4(acl, w, keys, mbuf_ptrs, 2), 1);
		}
		CU_ASSERT_EQUAL(cs->misses, 4);
	}
	expect_stats(w, 1, 4, 4 * 114);
	dp_acl_worker_free(w);
	dp_acl_free(acl);
}

/* ---- random rule sets checked against a linear reference ---- */

static uint64_t rng_state;
static bool ports_everywhere; /* every random rule gets wide port ranges */
static bool with_state;       /* random rules may have state:, packets a ct_state */

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static const uint8_t proto_pool[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6};

/* Addresses from a small space so that rules overlap; wide = anywhere. */
static void
rand_addr(int family, uint8_t *a, bool wide)
{
	if (family == AF_INET) {
		a[0] = wide ? (uint8_t)rnd() : 10;
		a[1] = wide ? (uint8_t)rnd() : (uint8_t)(rnd() % 2);
		a[2] = (uint8_t)(wide ? rnd() : rnd() % 4);
		a[3] = (uint8_t)(wide ? rnd() : (rnd() % 4) * 64 + rnd() % 4);
		return;
	}
	static const uint8_t base[4] = {0x20, 0x01, 0x0d, 0xb8};
	for (unsigned i = 0; i < 16; i++)
		a[i] = wide ? (uint8_t)rnd() : 0;
	if (!wide) {
		memcpy(a, base, 4);
		a[4] = (uint8_t)(rnd() % 2);
		a[7] = (uint8_t)(rnd() % 2 ? 0x80 : 0);
		a[8] = (uint8_t)(rnd() % 2);
		a[12] = (uint8_t)(rnd() % 2 ? 0xff : 0);
		a[15] = (uint8_t)(rnd() % 4);
	}
}

static void
rand_prefix(int family, struct hp_prefix *p, bool wide)
{
	static const uint8_t len4[] = {0, 8, 15, 16, 23, 24, 25, 30, 31, 32};
	static const uint8_t len6[] = {0, 16, 31, 32, 33, 40, 63, 64, 65, 96, 100, 126, 127, 128};

	p->family = family;
	rand_addr(family, p->addr, wide);
	if (wide)
		p->len = (uint8_t)(rnd() % (family == AF_INET ? 33 : 129));
	else if (family == AF_INET)
		p->len = len4[rnd() % RTE_DIM(len4)];
	else
		p->len = len6[rnd() % RTE_DIM(len6)];
}

static void
rand_range(uint16_t *lo, uint16_t *hi, bool wide)
{
	uint32_t a, b;

	switch (rnd() % 4) {
	case 0:
		*lo = 0;
		*hi = 65535;
		return;
	case 1:
		a = wide ? rnd() % 65536 : 65530 + rnd() % 6;
		b = a + rnd() % (65536 - a);
		break;
	default:
		a = rnd() % (wide ? 65536 : 40);
		b = RTE_MIN(a + rnd() % (wide ? 2000 : 12), 65535u);
		break;
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
}

static void
rand_rule(struct hp_acl_rule *r, unsigned i, bool wide)
{
	uint32_t f = rnd() % 20;

	memset(r, 0, sizeof(*r));
	r->priority = rnd() % (wide ? 100000 : 48);
	r->family = f < 9 ? AF_INET : f < 18 ? AF_INET6 : 0;
	r->line = LINE0 + i;
	r->policer = -1;
	if (r->family != 0) {
		if ((r->has_src = rnd() % 10 < 7))
			rand_prefix(r->family, &r->src, wide);
		if ((r->has_dst = rnd() % 10 < 7))
			rand_prefix(r->family, &r->dst, wide);
	}
	if ((r->has_proto = rnd() % 10 < 6))
		r->proto = proto_pool[rnd() % RTE_DIM(proto_pool)];
	r->sport_hi = r->dport_hi = 65535;
	if (ports_everywhere) {
		r->has_proto = true;
		r->proto = IPPROTO_UDP;
		r->sport_lo = (uint16_t)(rnd() % 65536);
		r->sport_hi = (uint16_t)RTE_MIN(r->sport_lo + rnd() % 30000, 65535u);
		r->dport_lo = (uint16_t)(rnd() % 65536);
		r->dport_hi = (uint16_t)RTE_MIN(r->dport_lo + rnd() % 30000, 65535u);
	} else if (r->has_proto && (r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP)) {
		rand_range(&r->sport_lo, &r->sport_hi, wide);
		rand_range(&r->dport_lo, &r->dport_hi, wide);
	}
	f = rnd() % 10;
	r->action = f < 4 ? HP_ACL_PERMIT : f < 8 ? HP_ACL_DENY : HP_ACL_COUNT;
	if (with_state && rnd() % 2)
		r->state = (uint8_t)(1 + rnd() % HP_CT_STATE_ALL);
}

static void
rand_meta(struct dp_meta *m, uint8_t l3, bool wide)
{
	uint8_t proto = rnd() % 8 == 0 ? (uint8_t)rnd() : proto_pool[rnd() % RTE_DIM(proto_pool)];
	uint16_t p[2];

	memset(m, 0, sizeof(*m));
	for (unsigned i = 0; i < 2; i++) {
		uint32_t k = rnd() % 4;

		p[i] = (uint16_t)(k == 0 ? rnd() : k == 1 ? 65530 + rnd() % 6 : rnd() % 45);
		if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
			p[i] = 0;
	}
	m->l3 = l3;
	m->l3_len = 100;
	if (l3 == V4) {
		uint8_t a[4];

		m->key.k4.proto = proto;
		rand_addr(AF_INET, a, wide && rnd() % 2);
		memcpy(&m->key.k4.src, a, 4);
		rand_addr(AF_INET, a, wide && rnd() % 2);
		memcpy(&m->key.k4.dst, a, 4);
		m->key.k4.sport = htons(p[0]);
		m->key.k4.dport = htons(p[1]);
	} else {
		m->key.k6.proto = proto;
		rand_addr(AF_INET6, m->key.k6.src, wide && rnd() % 2);
		rand_addr(AF_INET6, m->key.k6.dst, wide && rnd() % 2);
		m->key.k6.sport = htons(p[0]);
		m->key.k6.dport = htons(p[1]);
	}
	if (with_state)
		set_ct_state(m, all_states[rnd() % RTE_DIM(all_states)]);
}

static bool
prefix_match(const struct hp_prefix *p, const uint8_t *a)
{
	for (unsigned b = 0; b < p->len; b++) {
		unsigned mask = 0x80u >> (b % 8);

		if ((p->addr[b / 8] & mask) != (a[b / 8] & mask))
			return false;
	}
	return true;
}

static bool
ref_match(const struct hp_acl_rule *r, const struct dp_meta *m)
{
	bool v4 = m->l3 == V4;
	const uint8_t *src = v4 ? (const uint8_t *)&m->key.k4.src : m->key.k6.src;
	const uint8_t *dst = v4 ? (const uint8_t *)&m->key.k4.dst : m->key.k6.dst;
	uint8_t proto = v4 ? m->key.k4.proto : m->key.k6.proto;
	uint16_t sport = ntohs(v4 ? m->key.k4.sport : m->key.k6.sport);
	uint16_t dport = ntohs(v4 ? m->key.k4.dport : m->key.k6.dport);
	uint8_t ct_state = v4 ? m->key.k4.ct_state : m->key.k6.ct_state;

	if (r->state != 0 && (r->state & ct_state) == 0)
		return false;
	if (r->family != 0 && r->family != (v4 ? AF_INET : AF_INET6))
		return false;
	if (r->has_proto && r->proto != proto)
		return false;
	if ((r->has_src && !prefix_match(&r->src, src)) || (r->has_dst && !prefix_match(&r->dst, dst)))
		return false;
	return sport >= r->sport_lo && sport <= r->sport_hi && dport >= r->dport_lo && dport <= r->dport_hi;
}

static bool
ref_before(unsigned a, unsigned b)
{
	return rules[a].priority < rules[b].priority || (rules[a].priority == rules[b].priority && a < b);
}

/* The acl.h semantics over the rules in file order, by brute force. */
static uint8_t
ref_classify(const struct dp_meta *m, uint32_t len, struct dp_acl_rule_stats *st)
{
	int dec = -1, cnt = -1;

	for (unsigned i = 0; i < cfg.n_acl; i++) {
		int *best = rules[i].action == HP_ACL_COUNT ? &cnt : &dec;

		if (ref_match(&rules[i], m) && (*best < 0 || ref_before(i, (unsigned)*best)))
			*best = (int)i;
	}
	if (cnt >= 0 && (dec < 0 || ref_before((unsigned)cnt, (unsigned)dec))) {
		st[cnt].packets++;
		st[cnt].bytes += len;
	}
	if (dec < 0)
		return cfg.acl_default_deny ? DENY : PASS;
	st[dec].packets++;
	st[dec].bytes += len;
	return rules[dec].action == HP_ACL_PERMIT ? PASS : DENY;
}

static struct dp_acl_rule_stats ref_stats[MAX_RULES];

/*
 * Classify n_pkts packets per family, each made by make(meta, l3), in random
 * bursts of 1..max_burst (<= 200); the verdicts and the rule counters must
 * match the reference.
 */
static void
vs_reference(const struct dp_acl *acl, struct dp_acl_worker *w, unsigned n_pkts, unsigned max_burst,
	     void (*make)(struct dp_meta *, uint8_t))
{
	unsigned bad = 0;

	memset(ref_stats, 0, sizeof(ref_stats[0]) * cfg.n_acl);
	for (unsigned fam = 0; fam < 2; fam++) {
		uint8_t l3 = fam == 0 ? V4 : V6;

		for (unsigned done = 0; done < n_pkts;) {
			uint16_t k = (uint16_t)RTE_MIN(1 + rnd() % max_burst, n_pkts - done);
			uint8_t want[200];

			for (unsigned i = 0; i < k; i++) {
				make(&metas[i], l3);
				mbufs[i].pkt_len = 60 + rnd() % 1455;
				want[i] = ref_classify(&metas[i], mbufs[i].pkt_len, ref_stats);
			}
			dp_acl_classify(acl, w, l3, mbuf_ptrs, meta_ptrs, k, verdicts, 0);
			for (unsigned i = 0; i < k; i++)
				bad += verdicts[i] != want[i];
			done += k;
		}
	}
	if (bad != 0)
		fprintf(stderr, "\n  %u of %u verdicts differ from the reference\n", bad, 2 * n_pkts);
	CU_ASSERT_EQUAL(bad, 0);
	bad = 0;
	for (unsigned r = 0; r < cfg.n_acl; r++) {
		const struct dp_acl_rule_stats *s = dp_acl_worker_stats(w, r);

		bad += s->packets != ref_stats[r].packets || s->bytes != ref_stats[r].bytes;
	}
	if (bad != 0)
		fprintf(stderr, "\n  %u rule counters differ from the reference\n", bad);
	CU_ASSERT_EQUAL(bad, 0);
}

static bool make_wide;

static void
make_random(struct dp_meta *m, uint8_t l3)
{
	rand_meta(m, l3, make_wide);
}

/* Random packets (nearly all distinct), compared with the reference. */
static void
compare_random(const struct dp_acl *acl, unsigned n_pkts, bool wide)
{
	struct dp_acl_worker *w = worker_ok(acl, 1);

	make_wide = wide;
	vs_reference(acl, w, n_pkts, 200, make_random);
	dp_acl_worker_free(w);
}

/*
 * The result cache: packets drawn from a pool of flows per family, so keys
 * repeat; with a pool larger than the cache, ways are evicted and refilled.
 * Every other flow shares the first one's protocol and source (keys that
 * differ only in their later words).
 */
static struct dp_meta pool_meta[2][20000];
static unsigned pool_n;

static void
make_from_pool(struct dp_meta *m, uint8_t l3)
{
	*m = pool_meta[l3 == V6][rnd() % pool_n];
}

static void
cache_rounds(const struct dp_acl *acl, unsigned pool, unsigned n_pkts, uint64_t *hits, uint64_t *misses)
{
	struct dp_acl_worker *w = worker_ok(acl, 1);

	pool_n = pool;
	for (unsigned fam = 0; fam < 2; fam++) {
		struct dp_meta *p = pool_meta[fam];

		for (unsigned i = 0; i < pool; i++) {
			rand_meta(&p[i], fam == 0 ? V4 : V6, false);
			if (with_state && i % 4 == 3) { /* the previous flow's 5-tuple, another state */
				p[i] = p[i - 1];
				set_ct_state(&p[i], all_states[(rnd() % 4 + 1 +
								(fam == 0 ? p[i].key.k4.ct_state
									  : p[i].key.k6.ct_state)) %
							       RTE_DIM(all_states)]);
				continue;
			}
			if (i % 2 == 0)
				continue;
			if (fam == 0) {
				p[i].key.k4.proto = IPPROTO_UDP;
				p[i].key.k4.src = p[0].key.k4.src;
			} else {
				p[i].key.k6.proto = IPPROTO_UDP;
				memcpy(p[i].key.k6.src, p[0].key.k6.src, 16);
			}
		}
	}
	vs_reference(acl, w, n_pkts, 64, make_from_pool);
	*hits = *misses = 0;
	for (unsigned fam = 0; fam < 2; fam++) {
		const struct dp_acl_cache_stats *cs = dp_acl_worker_cache_stats(w, fam == 0 ? V4 : V6);

		*hits += cs->hits;
		*misses += cs->misses;
	}
	CU_ASSERT_EQUAL(*hits + *misses, 2 * n_pkts);
	dp_acl_worker_free(w);
}

static void
test_cache(void)
{
	struct dp_acl *acl;
	uint64_t hits, misses;

	rng_state = 0xcac4e;
	cfg_reset(true);
	for (unsigned i = 0; i < 1000; i++)
		rand_rule(&rules[cfg.n_acl++], i, false);
	acl = build_ok();
	/* 500 flows per family: each misses about once, then hits */
	cache_rounds(acl, 500, 50000, &hits, &misses);
	fprintf(stderr, "(500 flows: %" PRIu64 " hits, %" PRIu64 " misses; ", hits, misses);
	CU_ASSERT(misses >= 500 && hits >= 2 * 50000 * 97 / 100);
	/* 20000 flows per family, more than the cache holds: evictions, still exact */
	cache_rounds(acl, 20000, 60000, &hits, &misses);
	fprintf(stderr, "20000 flows: %" PRIu64 " hits, %" PRIu64 " misses) ", hits, misses);
	CU_ASSERT(misses > 2 * 20000);
	CU_ASSERT(hits > 0);
	dp_acl_free(acl);
}

/* Random rules of which half have state:, random states, against the reference;
 * then the cache with flows that share a 5-tuple in different states. */
static void
test_state_random(void)
{
	uint64_t hits, misses;

	with_state = true;
	for (unsigned round = 0; round < 10; round++) {
		struct dp_acl *acl;

		rng_state = 0x57a7e000ull + round;
		cfg_reset(round % 2);
		for (unsigned i = 0, n = 1 + rnd() % 60; i < n; i++)
			rand_rule(&rules[cfg.n_acl++], i, false);
		acl = build_ok();
		compare_random(acl, 2000, false);
		dp_acl_free(acl);
	}
	cfg_reset(true);
	for (unsigned i = 0; i < 500; i++)
		rand_rule(&rules[cfg.n_acl++], i, false);
	struct dp_acl *acl = build_ok();
	cache_rounds(acl, 400, 20000, &hits, &misses);
	CU_ASSERT(hits > misses);
	dp_acl_free(acl);
	with_state = false;
}

static void
test_random_small(void)
{
	for (unsigned round = 0; round < 20; round++) {
		struct dp_acl *acl;

		rng_state = 0x12345678ull + round;
		cfg_reset(round % 2);
		for (unsigned i = 0, n = 1 + rnd() % 60; i < n; i++)
			rand_rule(&rules[cfg.n_acl++], i, false);
		acl = build_ok();
		compare_random(acl, 2000, false);
		dp_acl_free(acl);
	}
}

static void
test_1000_rules(void)
{
	struct dp_acl *acl;
	struct timespec a, b;

	rng_state = 0xfeedface;
	cfg_reset(true);
	for (unsigned i = 0; i < 1000; i++)
		rand_rule(&rules[cfg.n_acl++], i, false);
	clock_gettime(CLOCK_MONOTONIC, &a);
	acl = build_ok();
	clock_gettime(CLOCK_MONOTONIC, &b);
	fprintf(stderr, "(build %.2f s) ", (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	compare_random(acl, 20000, false);
	dp_acl_free(acl);
}

/*
 * 20000 random rules: rte_acl may run out of room; it must say so, not
 * crash. The second set gives every rule its own wide port ranges, which
 * drives rte_acl past its 8 tries on DPDK 22.11 (a failure this test
 * accepts: the error must name the file).
 */
static void
test_huge(void)
{
	for (unsigned variant = 0; variant < 2; variant++) {
		struct dp_acl *acl;
		struct timespec a, b;
		int build_errno;

		rng_state = 0xabcdef01 + variant;
		cfg_reset(false);
		ports_everywhere = variant == 1;
		for (unsigned i = 0; i < MAX_RULES; i++)
			rand_rule(&rules[cfg.n_acl++], i, true);
		ports_everywhere = false;
		err[0] = '\0';
		clock_gettime(CLOCK_MONOTONIC, &a);
		acl = dp_acl_build(&cfg, SOCKET_ID_ANY, err, sizeof(err));
		build_errno = errno;
		clock_gettime(CLOCK_MONOTONIC, &b);
		fprintf(stderr, "(build %.2f s: %s) ",
			(double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
			acl != NULL ? "built" : err);
		if (acl == NULL) {
			CU_ASSERT_NOT_EQUAL(build_errno, 0);
			CU_ASSERT(strncmp(err, FILE_NAME ":", strlen(FILE_NAME ":")) == 0 ||
				  strncmp(err, "acl: ", 5) == 0);
			continue;
		}
		CU_ASSERT_EQUAL(dp_acl_n_rules(acl), MAX_RULES);
		compare_random(acl, 3000, true);
		dp_acl_free(acl);
	}
}

/* Bytes and blocks held in the DPDK heap, over every socket. */
static void
heap_usage(uint64_t *bytes, uint64_t *blocks)
{
	*bytes = *blocks = 0;
	for (unsigned i = 0; i < rte_socket_count(); i++) {
		struct rte_malloc_socket_stats s;

		CU_ASSERT_EQUAL_FATAL(rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &s), 0);
		*bytes += s.heap_allocsz_bytes;
		*blocks += s.alloc_count;
	}
}

/* dp_acl_free / dp_acl_worker_free return every rte_malloc block (LSan cannot see them). */
static void
test_free_all(void)
{
	uint64_t bytes0, blocks0, bytes1, blocks1;
	struct dp_acl_worker *w[3];
	struct dp_acl *acl;

	heap_usage(&bytes0, &blocks0);
	rng_state = 0x5eed;
	cfg_reset(false);
	add_policer(HP_POLICER_TRTCM, 8000000, 10000, 16000000, 20000);
	add_policer(HP_POLICER_SRTCM, 8000000, 10000, 0, 20000);
	for (unsigned i = 0; i < 500; i++)
		rand_rule(&rules[cfg.n_acl++], i, false);
	rules[7].action = HP_ACL_POLICE;
	rules[7].policer = 1;
	acl = build_ok();
	for (unsigned i = 0; i < 3; i++)
		w[i] = worker_ok(acl, 3);
	for (unsigned i = 0; i < 100; i++)
		rand_meta(&metas[i], i % 2 ? V4 : V6, false);
	dp_acl_classify(acl, w[0], V4, mbuf_ptrs, meta_ptrs, 100, verdicts, rte_rdtsc());
	heap_usage(&bytes1, &blocks1);
	CU_ASSERT(blocks1 > blocks0);
	for (unsigned i = 0; i < 3; i++)
		dp_acl_worker_free(w[i]);
	dp_acl_free(acl);

	/* and a failed build leaves nothing behind */
	rules[7].policer = 5;
	CU_ASSERT_PTR_NULL(dp_acl_build(&cfg, SOCKET_ID_ANY, err, sizeof(err)));
	rules[7].policer = 1;
	policers[0].pbs = 0;
	CU_ASSERT_PTR_NULL(dp_acl_build(&cfg, SOCKET_ID_ANY, err, sizeof(err)));
	/* a set rte_acl cannot build (see test_huge), if it fails here */
	cfg_reset(false);
	ports_everywhere = true;
	for (unsigned i = 0; i < MAX_RULES; i++)
		rand_rule(&rules[cfg.n_acl++], i, true);
	ports_everywhere = false;
	acl = dp_acl_build(&cfg, SOCKET_ID_ANY, err, sizeof(err));
	dp_acl_free(acl);

	heap_usage(&bytes1, &blocks1);
	CU_ASSERT_EQUAL(bytes1, bytes0);
	CU_ASSERT_EQUAL(blocks1, blocks0);
}

int
main(int argc, char **argv)
{
	static const struct hp_cunit_test tests[] = {
		{"IPv4 prefixes", test_ipv4_prefixes},
		{"IPv6 prefixes", test_ipv6_prefixes},
		{"ports and protocol", test_ports_proto},
		{"priority, then file order", test_priority_order},
		{"rules without address match both families", test_family_any},
		{"acl_default, zero rules", test_default},
		{"count rules", test_count},
		{"per-rule counters, bursts over a chunk", test_counters},
		{"police trTCM", test_police_trtcm},
		{"police srTCM", test_police_srtcm},
		{"police only what the rule decides", test_police_order},
		{"build errors", test_errors},
		{"state: each bit matches only itself", test_state_bits},
		{"state: a set of bits, stateless rules match any state", test_state_set},
		{"state: priority between state and stateless rules", test_state_priority},
		{"state: expanded rules count once per packet", test_state_counters},
		{"state: the result cache keys on the state", test_state_cache},
		{"state: the decision every established IPv4 packet gets", test_established4},
		{"state: random rules vs reference, cache", test_state_random},
		{"random rule sets vs reference", test_random_small},
		{"result cache vs reference", test_cache},
		{"1000 rules vs reference", test_1000_rules},
		{"20000 random rules", test_huge},
		{"free returns everything", test_free_all},
	};
	int rc;

	(void)argc;
	(void)argv;
	if (hp_test_eal_init("acl") < 0)
		return 77; /* no privilege or no memory here: skipped, not passed */
	burst_init();
	rc = HP_CUNIT_RUN("acl", tests);
	rte_eal_cleanup();
	return rc;
}
