/* Unit tests of control/config/model.c: the running configuration's operations, against simple references (no EAL). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "../cunit_run.h"
#include "../rng.h"
#include "config.h"
#include "model.h"

/* Two l3 ports: p0 10.0.0.1/24 + 2001:db8::1/64, p1 10.0.1.1/24; p2 xconnect. */
static const char base_yaml[] =
	"ports:\n"
	"  - { name: p0, device: net_null0, mac: \"02:00:00:00:00:01\", ipv4: [10.0.0.1/24], ipv6: [\"2001:db8::1/64\"] }\n"
	"  - { name: p1, device: net_null1, mac: \"02:00:00:00:01:01\", ipv4: [10.0.1.1/24] }\n"
	"  - { name: p2, device: net_null2, mode: xconnect, peer: p2 }\n";

static void
load(struct hp_config *cfg, const char *extra)
{
	char text[4096], err[HP_ERR_MAX];

	snprintf(text, sizeof(text), "%s%s", base_yaml, extra);
	memset(cfg, 0, sizeof(*cfg));
	CU_ASSERT_FATAL(hp_config_parse("t.yaml", text, strlen(text), cfg, err, sizeof(err)) == 0);
}

static struct hp_route_conf
route4(uint32_t net, unsigned len, const char *via)
{
	struct hp_route_conf r = {.action = HP_ROUTE_FORWARD, .port = -1, .n_via = 1};

	r.prefix.family = AF_INET;
	r.prefix.len = (uint8_t)len;
	net = len ? net & ~((1u << (32 - len)) - 1) : 0;
	r.prefix.addr[0] = (uint8_t)(net >> 24);
	r.prefix.addr[1] = (uint8_t)(net >> 16);
	r.prefix.addr[2] = (uint8_t)(net >> 8);
	r.prefix.addr[3] = (uint8_t)net;
	CU_ASSERT_FATAL(hp_parse_addr(via, AF_INET, &r.via[0]) == 0);
	return r;
}

static void
expect_refused(struct hp_config *cfg, const struct hp_route_conf *r, const char *what)
{
	char err[256] = "";
	unsigned n = cfg->n_routes;

	CU_ASSERT_EQUAL(hp_model_route_set(cfg, r, NULL, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, what));
	if (strstr(err, what) == NULL)
		fprintf(stderr, "\n  expected \"%s\" in \"%s\"\n", what, err);
	CU_ASSERT_EQUAL(cfg->n_routes, n);
}

static void
test_route_checks(void)
{
	struct hp_config cfg;
	struct hp_route_conf r;

	load(&cfg, "");
	r = route4(0xc6120000, 15, "10.0.1.2");
	r.prefix.addr[3] = 1;
	expect_refused(&cfg, &r, "host bits set; did you mean 198.18.0.0/15?");
	r = route4(0xc6120000, 15, "192.0.2.1");
	expect_refused(&cfg, &r, "via 192.0.2.1 is in no l3 port's subnet");
	r = route4(0x0a000100, 24, "10.0.0.2");
	expect_refused(&cfg, &r, "a port's subnet or address");
	r = route4(0x0a000101, 32, "10.0.0.2");
	expect_refused(&cfg, &r, "a port's subnet or address");
	r = route4(0xc6120000, 15, "10.0.1.2");
	r.via[1] = r.via[0];
	r.n_via = 2;
	expect_refused(&cfg, &r, "listed twice");
	r = route4(0xc6120000, 15, "10.0.1.2");
	r.port = 2;
	expect_refused(&cfg, &r, "not an l3 port");
	r = route4(0xc6120000, 15, "10.0.1.2");
	r.action = HP_ROUTE_DROP;
	expect_refused(&cfg, &r, "both via and action: drop");
	r.n_via = 0;
	CU_ASSERT_EQUAL(hp_model_route_set(&cfg, &r, NULL, NULL, NULL, 0), 0);
	/* with port: given, the next hop need not be on a subnet */
	r = route4(0xcb007100, 24, "192.0.2.1");
	r.port = 1;
	CU_ASSERT_EQUAL(hp_model_route_set(&cfg, &r, NULL, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(cfg.n_routes, 2);
	hp_config_free(&cfg);
}

/* Random adds, replaces and deletes against a reference map (a plain array). */
static void
test_route_index_random(void)
{
	enum {
		N = 4096,
		OPS = 200000
	};
	static bool present[N];
	static uint8_t via_of[N];
	struct hp_config cfg;

	rng_seed(42);
	load(&cfg, "routes:\n  - { prefix: 172.16.0.0/12, via: 10.0.1.7 }\n");
	memset(present, 0, sizeof(present));
	for (unsigned op = 0; op < OPS; op++) {
		unsigned k = (unsigned)(rng_next() % N), len = 24 + k % 9;
		struct hp_route_conf r, old;
		char via[32];
		bool replaced;

		/* key k: 100.(64 + k / 256).(k % 256).0/24..32, a distinct prefix per k */
		r = route4(0x64400000u | k << 8, len, "10.0.1.2");
		if (rng_next() % 3 == 0) {
			int rc = hp_model_route_del(&cfg, &r.prefix, &old);

			CU_ASSERT_EQUAL(rc, present[k] ? 0 : -ENOENT);
			if (rc == 0)
				CU_ASSERT_EQUAL(old.via[0].addr[3], via_of[k]);
			present[k] = false;
		} else {
			uint8_t v = (uint8_t)(2 + rng_next() % 200);

			snprintf(via, sizeof(via), "10.0.1.%u", v);
			CU_ASSERT_FATAL(hp_parse_addr(via, AF_INET, &r.via[0]) == 0);
			CU_ASSERT_EQUAL_FATAL(hp_model_route_set(&cfg, &r, &old, &replaced, NULL, 0), 0);
			CU_ASSERT_EQUAL(replaced, present[k]);
			if (replaced)
				CU_ASSERT_EQUAL(old.via[0].addr[3], via_of[k]);
			present[k] = true;
			via_of[k] = v;
		}
	}
	/* every key answers as the reference says, and the count agrees */
	unsigned n = 1;
	for (unsigned k = 0; k < N; k++) {
		struct hp_route_conf r = route4(0x64400000u | k << 8, 24 + k % 9, "10.0.1.2");
		const struct hp_route_conf *f = hp_model_route_find(&cfg, &r.prefix);

		CU_ASSERT_EQUAL(f != NULL, present[k]);
		if (f != NULL)
			CU_ASSERT_EQUAL(f->via[0].addr[3], via_of[k]);
		n += present[k];
	}
	CU_ASSERT_EQUAL(cfg.n_routes, n);
	CU_ASSERT_PTR_NOT_NULL(hp_model_route_find(&cfg, &(struct hp_prefix){AF_INET, 12, {172, 16}}));
	hp_config_free(&cfg);
}

static void
test_neighbours(void)
{
	struct hp_config cfg;
	struct hp_neighbor_conf nb = {.port = 1, .mac = {2, 0, 0, 0, 1, 2}};
	char err[256];

	load(&cfg, "neighbors:\n  - { ip: 10.0.1.9, mac: \"02:00:00:00:01:09\", port: p1 }\n");
	CU_ASSERT_FATAL(hp_parse_addr("10.0.1.2", AF_INET, &nb.ip) == 0);
	CU_ASSERT_EQUAL(hp_model_neigh_set(&cfg, &nb, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.n_neighbors, 2);
	nb.mac[5] = 3; /* a new MAC for the same neighbour replaces it */
	CU_ASSERT_EQUAL(hp_model_neigh_set(&cfg, &nb, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.n_neighbors, 2);
	CU_ASSERT_EQUAL(hp_model_neigh_find(&cfg, 1, &nb.ip)->mac[5], 3);
	CU_ASSERT_PTR_NULL(hp_model_neigh_find(&cfg, 0, &nb.ip));
	nb.port = 2;
	CU_ASSERT_EQUAL(hp_model_neigh_set(&cfg, &nb, err, sizeof(err)), -EINVAL);
	nb.port = 1;
	nb.mac[0] = 1;
	CU_ASSERT_EQUAL(hp_model_neigh_set(&cfg, &nb, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(hp_model_neigh_del(&cfg, 0, &nb.ip), -ENOENT);
	CU_ASSERT_EQUAL(hp_model_neigh_del(&cfg, 1, &cfg.neighbors[0].ip), 0);
	CU_ASSERT_EQUAL(cfg.n_neighbors, 1);
	CU_ASSERT_EQUAL(cfg.neighbors[0].ip.addr[3], 2); /* the other one, still there */
	hp_config_free(&cfg);
}

static void
test_acl_and_policers(void)
{
	struct hp_config cfg;
	struct hp_policer_conf p = {.type = HP_POLICER_SRTCM, .cir = 1000000, .cbs = 2048, .ebs = 4096};
	struct hp_acl_rule r = {.priority = 5, .action = HP_ACL_POLICE, .sport_hi = 65535, .dport_hi = 65535},
			   old;
	char err[256];

	load(&cfg,
	     "policers:\n  - { name: a, type: srtcm, cir: 1M, cbs: 2k, ebs: 4k }\n"
	     "  - { name: b, type: srtcm, cir: 1M, cbs: 2k, ebs: 4k }\n"
	     "acl:\n  - { priority: 1, action: police b }\n  - { priority: 2, action: deny }\n");
	snprintf(p.name, sizeof(p.name), "b");
	CU_ASSERT_EQUAL(hp_model_policer_add(&cfg, &p, err, sizeof(err)), -EEXIST);
	snprintf(p.name, sizeof(p.name), "c");
	CU_ASSERT_EQUAL(hp_model_policer_add(&cfg, &p, err, sizeof(err)), 0);
	r.policer = 2;
	CU_ASSERT_EQUAL(hp_model_acl_add(&cfg, &r, err, sizeof(err)), 0);
	r.policer = 3;
	CU_ASSERT_EQUAL(hp_model_acl_add(&cfg, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(cfg.n_acl, 3);
	CU_ASSERT_EQUAL(hp_model_policer_del(&cfg, "b", err, sizeof(err)), -EBUSY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "rule 0"));
	CU_ASSERT_EQUAL(hp_model_policer_del(&cfg, "zz", err, sizeof(err)), -ENOENT);
	/* deleting "a" moves b and c down: the rules follow their names */
	CU_ASSERT_EQUAL(hp_model_policer_del(&cfg, "a", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.policers[cfg.acl[0].policer].name, "b");
	CU_ASSERT_STRING_EQUAL(cfg.policers[cfg.acl[2].policer].name, "c");
	CU_ASSERT_EQUAL(hp_model_acl_del(&cfg, 3, NULL), -ENOENT);
	CU_ASSERT_EQUAL(hp_model_acl_del(&cfg, 1, &old), 0);
	CU_ASSERT_EQUAL(old.action, HP_ACL_DENY);
	CU_ASSERT_EQUAL(cfg.acl[1].priority, 5);
	CU_ASSERT_EQUAL(hp_model_acl_insert(&cfg, 1, &old), 0); /* the undo */
	CU_ASSERT_EQUAL(cfg.acl[1].action, HP_ACL_DENY);
	CU_ASSERT_EQUAL(cfg.acl[2].priority, 5);
	hp_config_free(&cfg);
}

static void
test_xdp(void)
{
	struct hp_config cfg;
	struct hp_xdp_conf *x;
	struct hp_prefix a, b;
	struct hp_xdp_class c;
	int rc = 0;

	load(&cfg, "xdp:\n  - { iface: eth9, mode: generic, pass: [arp], block: [192.0.2.0/24] }\n");
	CU_ASSERT_FATAL(hp_parse_prefix("192.0.2.0/24", 0, &a) == 0);
	CU_ASSERT_FATAL(hp_parse_prefix("2001:db8:1::/48", 0, &b) == 0);
	x = hp_model_xdp_entry(&cfg, "eth9", &rc);
	CU_ASSERT_FATAL(x == &cfg.xdp[0]);
	CU_ASSERT_EQUAL(hp_model_xdp_block_add(x, &a), -EEXIST);
	CU_ASSERT_EQUAL(hp_model_xdp_block_add(x, &b), 0);
	CU_ASSERT_EQUAL(hp_model_xdp_block_del(x, &a), 0);
	CU_ASSERT_EQUAL(hp_model_xdp_block_del(x, &a), -ENOENT);
	CU_ASSERT_EQUAL(x->n_block, 1);
	CU_ASSERT_EQUAL(x->block[0].len, 48);
	CU_ASSERT_FATAL(hp_parse_xdp_class("arp", &c) == 0);
	CU_ASSERT_EQUAL(hp_model_xdp_pass_add(x, &c), -EEXIST);
	CU_ASSERT_EQUAL(hp_model_xdp_pass_del(x, &c), 0);
	CU_ASSERT_EQUAL(x->n_pass, 0);
	/* an interface without an entry gets one (a net_af_xdp port's) */
	x = hp_model_xdp_entry(&cfg, "eth7", &rc);
	CU_ASSERT_FATAL(x == &cfg.xdp[1]);
	CU_ASSERT_EQUAL(cfg.n_xdp, 2);
	CU_ASSERT_EQUAL(x->mode, HP_XDP_NATIVE);
	CU_ASSERT_EQUAL(x->n_block + x->n_pass, 0);
	for (unsigned i = 0; i < 3000; i++) {
		struct hp_prefix p = {
			.family = AF_INET, .len = 32, .addr = {198, 51, (uint8_t)(i >> 8), (uint8_t)i}};

		CU_ASSERT_EQUAL_FATAL(hp_model_xdp_block_add(x, &p), 0);
	}
	CU_ASSERT_EQUAL(x->n_block, 3000);
	hp_config_free(&cfg);
}

/* A route table of its own (control/rib.c keeps one): positions put and del report, a max,
 * a side array kept in step with them, clear and free. */
static void
test_route_table(void)
{
	enum {
		N = 3000
	};
	static unsigned side[N]; /* side[position] = key, as the rib keeps its states */
	struct hp_route_table t = {0};
	struct hp_route_conf r, old;
	bool replaced;
	int at;

	for (unsigned k = 0; k < N; k++) {
		r = route4(0x64400000u | k << 8, 24, "10.0.1.2");
		at = hp_route_table_put(&t, &r, N, NULL, &replaced);
		CU_ASSERT_EQUAL_FATAL(at, (int)k);
		CU_ASSERT_FALSE(replaced);
		side[at] = k;
	}
	r = route4(0x0b000000u, 24, "10.0.1.2");
	CU_ASSERT_EQUAL(hp_route_table_put(&t, &r, N, NULL, NULL), -ENOSPC);
	/* a replacement at the max is not a new prefix */
	r = route4(0x64400000u | 7u << 8, 24, "10.0.1.9");
	CU_ASSERT_EQUAL(hp_route_table_put(&t, &r, N, &old, &replaced), 7);
	CU_ASSERT_TRUE(replaced);
	CU_ASSERT_EQUAL(old.via[0].addr[3], 2);
	/* delete every third key: the last route moves to the hole, and its side entry with it */
	for (unsigned k = 0; k < N; k += 3) {
		r = route4(0x64400000u | k << 8, 24, "10.0.1.2");
		at = hp_route_table_del(&t, &r.prefix, NULL);
		CU_ASSERT_FATAL(at >= 0);
		if ((unsigned)at != t.n)
			side[at] = side[t.n];
		CU_ASSERT_EQUAL(hp_route_table_del(&t, &r.prefix, NULL), -ENOENT);
	}
	CU_ASSERT_EQUAL(t.n, N - (N + 2) / 3);
	for (unsigned i = 0; i < t.n; i++) {
		unsigned k = side[i];

		r = route4(0x64400000u | k << 8, 24, "10.0.1.2");
		CU_ASSERT_NOT_EQUAL(k % 3, 0);
		CU_ASSERT_PTR_EQUAL(hp_route_table_find(&t, &r.prefix), &t.routes[i]);
	}
	hp_route_table_clear(&t);
	CU_ASSERT_EQUAL(t.n, 0);
	CU_ASSERT_PTR_NULL(hp_route_table_find(&t, &r.prefix));
	CU_ASSERT_EQUAL(hp_route_table_put(&t, &r, N, NULL, NULL), 0);
	CU_ASSERT_PTR_EQUAL(hp_route_table_find(&t, &r.prefix), &t.routes[0]);
	hp_route_table_free(&t);
	CU_ASSERT_EQUAL(t.n, 0);
	CU_ASSERT_PTR_NULL(t.routes);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"route_checks", test_route_checks},         {"route_index_random", test_route_index_random},
		{"route_table", test_route_table},           {"neighbours", test_neighbours},
		{"acl_and_policers", test_acl_and_policers}, {"xdp", test_xdp},
	};

	return HP_CUNIT_RUN("model", tests);
}
