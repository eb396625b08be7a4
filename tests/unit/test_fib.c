/* Unit tests of the forwarding tables: groups from config, local/connected/blackhole, neighbours, ECMP hashing. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <rte_eal.h>
#include <rte_lpm6.h>

#include "../cunit_run.h"
#include "../eal_test.h"
#include "config.h" /* the parser: some cases start from a YAML text */
#include "fib.h"
#include "reasons.h"

static struct hp_config cfg;
static struct dp_fib *fib;
static char err[HP_ERR_MAX];

static const char config[] =
	"ports:\n"
	"  - { name: p0, device: net_null0, mac: \"02:00:00:00:00:01\", ipv4: [10.0.0.1/24], ipv6: [\"2001:db8::1/64\"] }\n"
	"  - { name: p1, device: net_null1, mac: \"02:00:00:00:01:01\", ipv4: [10.0.1.1/24] }\n"
	"neighbors:\n"
	"  - { ip: 10.0.1.2, mac: \"02:00:00:00:01:02\", port: p1 }\n"
	"routes:\n"
	"  - { prefix: 198.18.0.0/15, via: 10.0.1.2 }\n"
	"  - { prefix: 198.20.0.0/16, via: 10.0.1.2 }\n"
	"  - { prefix: 198.51.100.0/24, via: [10.0.1.2, 10.0.1.3] }\n"
	"  - { prefix: 203.0.113.0/24, action: drop }\n"
	"  - { prefix: 10.0.0.0/8, via: 10.0.1.3 }\n"
	"  - { prefix: \"2001:db8:100::/48\", via: \"2001:db8::9\" }\n";

/* Group type of the LPM result for a dotted address; -1 = no route. */
static int
group4(const char *ip, const struct dp_group **out)
{
	struct in_addr a;
	uint32_t hop;

	inet_pton(AF_INET, ip, &a);
	if (dp_lpm4_lookup(fib->lpm4, ntohl(a.s_addr), &hop) != 0)
		return -1;
	*out = &fib->groups[hop];
	return (*out)->type;
}

static int
group6(const char *ip, const struct dp_group **out)
{
	uint8_t a[16];
	uint32_t hop;

	inet_pton(AF_INET6, ip, a);
	if (rte_lpm6_lookup(fib->lpm6, a, &hop) != 0)
		return -1;
	*out = &fib->groups[hop];
	return (*out)->type;
}

static void
test_groups(void)
{
	const struct dp_group *g, *g2;

	CU_ASSERT_EQUAL(group4("198.18.5.5", &g), DP_GROUP_FORWARD);
	CU_ASSERT_EQUAL(g->n, 1);
	/* two routes via the same next hop share one group */
	CU_ASSERT_EQUAL(group4("198.20.0.1", &g2), DP_GROUP_FORWARD);
	CU_ASSERT_PTR_EQUAL(g, g2);
	CU_ASSERT_EQUAL(group4("198.51.100.9", &g), DP_GROUP_FORWARD);
	CU_ASSERT_EQUAL(g->n, 2);
	CU_ASSERT_NOT_EQUAL(g->nh[0], g->nh[1]);
	CU_ASSERT_EQUAL(group4("203.0.113.77", &g), DP_GROUP_DROP);
	CU_ASSERT_EQUAL(group4("192.0.2.1", &g), -1);
	/* our addresses beat every route, connected subnets beat the covering 10/8 */
	CU_ASSERT_EQUAL(group4("10.0.0.1", &g), DP_GROUP_LOCAL);
	CU_ASSERT_EQUAL(group4("10.0.1.1", &g), DP_GROUP_LOCAL);
	CU_ASSERT_EQUAL(group4("10.0.0.77", &g), DP_GROUP_GLEAN);
	CU_ASSERT_EQUAL(g->port, 0);
	CU_ASSERT_EQUAL(group4("10.0.1.77", &g), DP_GROUP_GLEAN);
	CU_ASSERT_EQUAL(g->port, 1);
	CU_ASSERT_EQUAL(group4("10.9.9.9", &g), DP_GROUP_FORWARD);
	/* IPv6: our address, our link-local, others' link-local, connected, routed */
	CU_ASSERT_EQUAL(group6("2001:db8::1", &g), DP_GROUP_LOCAL);
	CU_ASSERT_EQUAL(group6("fe80::ff:fe00:1", &g), DP_GROUP_LOCAL);
	CU_ASSERT_EQUAL(group6("fe80::1", &g), DP_GROUP_DROP);
	CU_ASSERT_EQUAL(group6("2001:db8::5", &g), DP_GROUP_GLEAN);
	CU_ASSERT_EQUAL(group6("2001:db8:100::5", &g), DP_GROUP_FORWARD);
	CU_ASSERT_EQUAL(group6("2001:db8:200::5", &g), -1);
}

/* The built-in martians and the subnet broadcasts: drops, each with its reason; ours stay local. */
static void
test_martians(void)
{
	static const struct {
		const char *addr;
		unsigned why;
	} v4[] =
		{
			{"0.0.0.0", DP_DROP_IPV4_DST_THIS_NET},
			{"0.255.1.2", DP_DROP_IPV4_DST_THIS_NET},
			{"127.0.0.1", DP_DROP_IPV4_DST_LOOPBACK},
			{"127.255.255.254", DP_DROP_IPV4_DST_LOOPBACK},
			{"224.0.0.1", DP_DROP_IPV4_DST_MULTICAST},
			{"239.255.255.255", DP_DROP_IPV4_DST_MULTICAST},
			{"240.0.0.0", DP_DROP_IPV4_DST_RESERVED},
			{"255.255.255.254", DP_DROP_IPV4_DST_RESERVED},
			{"255.255.255.255", DP_DROP_IPV4_DST_BROADCAST},
			{"10.0.0.255", DP_DROP_IPV4_DIRECTED_BCAST},
			{"10.0.1.255", DP_DROP_IPV4_DIRECTED_BCAST},
			{"203.0.113.1", DP_DROP_BLACKHOLE},
		},
	  v6[] = {
		  {"::", DP_DROP_IPV6_DST_UNSPEC},
		  {"::1", DP_DROP_IPV6_DST_LOOPBACK},
		  {"fe80::1", DP_DROP_IPV6_DST_LINK_LOCAL},
		  {"febf:ffff::1", DP_DROP_IPV6_DST_LINK_LOCAL},
	  };
	const struct dp_group *g;

	for (unsigned i = 0; i < RTE_DIM(v4); i++) {
		CU_ASSERT_EQUAL(group4(v4[i].addr, &g), DP_GROUP_DROP);
		CU_ASSERT_EQUAL(g->why, v4[i].why);
	}
	for (unsigned i = 0; i < RTE_DIM(v6); i++) {
		CU_ASSERT_EQUAL(group6(v6[i].addr, &g), DP_GROUP_DROP);
		CU_ASSERT_EQUAL(g->why, v6[i].why);
	}
	/* around them: the neighbours of each range route as usual */
	CU_ASSERT_EQUAL(group4("1.0.0.0", &g), -1);
	CU_ASSERT_EQUAL(group4("128.0.0.0", &g), -1);
	CU_ASSERT_EQUAL(group4("223.255.255.255", &g), -1);
	CU_ASSERT_EQUAL(group4("10.0.0.254", &g), DP_GROUP_GLEAN);
	CU_ASSERT_EQUAL(group4("10.0.0.0", &g), DP_GROUP_GLEAN); /* the network address is not a broadcast */
	CU_ASSERT_EQUAL(group6("::2", &g), -1);
	CU_ASSERT_EQUAL(group6("fec0::1", &g), -1);
	CU_ASSERT_EQUAL(group6("fe80::ff:fe00:1", &g), DP_GROUP_LOCAL);
	/* the model refuses what would sit inside one of them */
	static const char *const inside[] = {"127.0.0.0/8",  "127.1.0.0/16", "224.0.0.0/4",
					     "239.1.1.1/32", "240.0.0.0/4",  "255.255.255.255/32",
					     "0.0.0.0/8",    "::/128",       "::1/128",
					     "fe80::/10",    "fe80::/64",    "febf::/16"};
	static const char *const outside[] = {"0.0.0.0/0", "0.0.0.0/4", "126.0.0.0/8", "192.0.0.0/3",
					      "::/0",      "::/127",    "fe00::/9",    "2001:db8::/32"};
	for (unsigned i = 0; i < RTE_DIM(inside); i++) {
		struct hp_prefix p;

		CU_ASSERT_FATAL(hp_parse_prefix(inside[i], 0, &p) == 0);
		CU_ASSERT(hp_martian_of(&p) >= 0);
	}
	for (unsigned i = 0; i < RTE_DIM(outside); i++) {
		struct hp_prefix p;

		CU_ASSERT_FATAL(hp_parse_prefix(outside[i], 0, &p) == 0);
		CU_ASSERT_EQUAL(hp_martian_of(&p), -1);
	}
}

static void
test_neighbours(void)
{
	const struct dp_group *g;
	uint8_t a[4] = {10, 0, 1, 2}, b[4] = {10, 0, 1, 3}, c[4] = {10, 0, 1, 99};
	uint32_t nh;
	uint64_t w;
	static const uint8_t mac[6] = {2, 0, 0, 0, 1, 3};

	/* static neighbour: resolved with its MAC on p1 */
	CU_ASSERT_EQUAL(group4("198.18.0.1", &g), DP_GROUP_FORWARD);
	nh = dp_fib_neigh_lookup(fib, 1, a, DP_L3_IPV4);
	CU_ASSERT_EQUAL_FATAL(nh, g->nh[0]);
	w = fib->nh[nh];
	CU_ASSERT_TRUE((w & DP_NH_RESOLVED) != 0);
	CU_ASSERT_EQUAL(dp_nh_port(w), 1);
	CU_ASSERT_EQUAL(w & 0xffffffffffffull, 0x020100000002ull);
	/* a gateway without a neighbour entry exists, unresolved, and resolves in place */
	nh = dp_fib_neigh_lookup(fib, 1, b, DP_L3_IPV4);
	CU_ASSERT_NOT_EQUAL_FATAL(nh, DP_NO_NH);
	CU_ASSERT_FALSE((fib->nh[nh] & DP_NH_RESOLVED) != 0);
	dp_fib_nh_set(fib, nh, mac, true);
	CU_ASSERT_TRUE((fib->nh[nh] & DP_NH_RESOLVED) != 0);
	CU_ASSERT_EQUAL(dp_nh_port(fib->nh[nh]), 1);
	/* the same address on another port is another neighbour */
	CU_ASSERT_EQUAL(dp_fib_neigh_lookup(fib, 0, b, DP_L3_IPV4), DP_NO_NH);
	CU_ASSERT_EQUAL(dp_fib_neigh_lookup(fib, 1, c, DP_L3_IPV4), DP_NO_NH);
	struct hp_addr ca = {.family = AF_INET};
	memcpy(ca.addr, c, 4);
	nh = dp_fib_neigh_get(fib, 1, &ca);
	CU_ASSERT_EQUAL(dp_fib_neigh_lookup(fib, 1, c, DP_L3_IPV4), nh);
	CU_ASSERT_EQUAL(dp_fib_neigh_get(fib, 1, &ca), nh);
}

/* Slow-path entries are freed and their index reused (no RCU here: at once); pinned ones
 * (gateways, static) never; the glean hints follow what is worth a lookup (DP_GLEAN_SLOTS). */
static void
test_neigh_free_and_filter(void)
{
	uint8_t d[4] = {10, 0, 1, 200}, gw[4] = {10, 0, 1, 2};
	struct hp_addr da = {.family = AF_INET};
	uint32_t slot = dp_glean_slot(1, d, DP_L3_IPV4), nh, again;

	memcpy(da.addr, d, 4);
	CU_ASSERT_EQUAL(dp_fib_neigh_lookup(fib, 1, d, DP_L3_IPV4), DP_NO_NH);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], DP_NO_NH);
	nh = dp_fib_neigh_add(fib, 1, &da);
	CU_ASSERT_NOT_EQUAL_FATAL(nh, DP_NO_NH);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], nh);
	CU_ASSERT_EQUAL(fib->nh_pin[nh], 0);
	/* a full queue: workers drop, the filter says "no lookup" */
	dp_fib_nh_nopunt(fib, nh, true);
	CU_ASSERT_TRUE((fib->nh[nh] & DP_NH_NOPUNT) != 0);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], DP_NO_NH);
	dp_fib_nh_nopunt(fib, nh, true); /* twice: counted once */
	dp_fib_nh_nopunt(fib, nh, false);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], nh);
	dp_fib_nh_nopunt(fib, nh, true);
	/* resolved: NOPUNT gone, worth a lookup again */
	static const uint8_t mac[6] = {2, 0, 0, 0, 1, 0xc8};
	dp_fib_nh_set(fib, nh, mac, true);
	CU_ASSERT_EQUAL(fib->nh[nh] & DP_NH_NOPUNT, 0);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], nh);
	/* freed: gone from the hash and the filter, unresolved, its index reused */
	CU_ASSERT_EQUAL(dp_fib_neigh_free(fib, nh), 0);
	CU_ASSERT_EQUAL(dp_fib_neigh_lookup(fib, 1, d, DP_L3_IPV4), DP_NO_NH);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], DP_NO_NH);
	CU_ASSERT_FALSE((fib->nh[nh] & DP_NH_RESOLVED) != 0);
	CU_ASSERT_EQUAL(dp_fib_neigh_free(fib, nh), -ENOENT);
	again = dp_fib_neigh_add(fib, 1, &da);
	CU_ASSERT_EQUAL(again, nh);
	CU_ASSERT_EQUAL(dp_fib_neigh_free(fib, again), 0);
	/* a gateway is pinned; so is a slow-path entry a route or neigh.add takes */
	CU_ASSERT_EQUAL(dp_fib_neigh_free(fib, dp_fib_neigh_lookup(fib, 1, gw, DP_L3_IPV4)), -EBUSY);
	nh = dp_fib_neigh_add(fib, 1, &da);
	CU_ASSERT_EQUAL(dp_fib_neigh_get(fib, 1, &da), nh);
	CU_ASSERT_EQUAL(dp_fib_neigh_free(fib, nh), -EBUSY);
}

/* Two neighbours in one glean slot: the first one's hint, then "many" (the hash decides) until
 * the slot is empty; a hint is taken only for its own address and port (dp_glean_is). */
static void
test_glean_hints(void)
{
	struct hp_addr a = {.family = AF_INET}, b = {.family = AF_INET};
	uint32_t slot, na, nb, i;

	memcpy(a.addr, (const uint8_t[]){10, 0, 1, 77}, 4);
	slot = dp_glean_slot(1, a.addr, DP_L3_IPV4);
	for (i = 0; i < (1u << 24); i++) { /* another host of 10/8 in the same slot */
		memcpy(b.addr, (const uint8_t[]){10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}, 4);
		if (memcmp(a.addr, b.addr, 4) != 0 && dp_glean_slot(1, b.addr, DP_L3_IPV4) == slot)
			break;
	}
	CU_ASSERT_FATAL(i < (1u << 24));
	CU_ASSERT_EQUAL(fib->glean_hint[slot], DP_NO_NH);
	na = dp_fib_neigh_add(fib, 1, &a);
	CU_ASSERT_NOT_EQUAL_FATAL(na, DP_NO_NH);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], na);
	CU_ASSERT_TRUE(dp_glean_is(fib, na, 1, a.addr, DP_L3_IPV4));
	CU_ASSERT_FALSE(dp_glean_is(fib, na, 1, b.addr, DP_L3_IPV4));
	CU_ASSERT_FALSE(dp_glean_is(fib, na, 2, a.addr, DP_L3_IPV4));
	CU_ASSERT_FALSE(dp_glean_is(fib, na, 1, a.addr, DP_L3_IPV6));
	nb = dp_fib_neigh_add(fib, 1, &b);
	CU_ASSERT_NOT_EQUAL_FATAL(nb, DP_NO_NH);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], DP_GLEAN_MANY);
	CU_ASSERT_EQUAL(dp_fib_neigh_lookup(fib, 1, b.addr, DP_L3_IPV4), nb);
	CU_ASSERT_EQUAL(dp_fib_neigh_free(fib, na), 0);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], DP_GLEAN_MANY);        /* one left, but which: the hash says */
	CU_ASSERT_FALSE(dp_glean_is(fib, na, 1, a.addr, DP_L3_IPV4)); /* freed */
	CU_ASSERT_EQUAL(dp_fib_neigh_free(fib, nb), 0);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], DP_NO_NH);
	nb = dp_fib_neigh_add(fib, 1, &b);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], nb);
	CU_ASSERT_TRUE(dp_glean_is(fib, nb, 1, b.addr, DP_L3_IPV4));
	dp_fib_nh_nopunt(fib, nb, true);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], DP_NO_NH);
	CU_ASSERT_EQUAL(dp_fib_neigh_free(fib, nb), 0);
	CU_ASSERT_EQUAL(fib->glean_hint[slot], DP_NO_NH);
}

static uint32_t rng = 12345;
static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void
test_ecmp_hash(void)
{
	for (unsigned n = 1; n <= HP_MAX_ECMP; n++) {
		unsigned count[HP_MAX_ECMP] = {0}, flows = 20000, moved = 0;

		for (unsigned f = 0; f < flows; f++) {
			struct dp_acl_key4 k = {.proto = 17,
						.src = rnd(),
						.dst = rnd(),
						.sport = (uint16_t)rnd(),
						.dport = (uint16_t)rnd()};
			unsigned p = dp_ecmp_pick(dp_flow_hash4(&k), n);
			CU_ASSERT_FATAL(p < n);
			/* sticky: the same 5-tuple always takes the same path */
			CU_ASSERT_EQUAL(dp_ecmp_pick(dp_flow_hash4(&k), n), p);
			count[p]++;
			k.sport++;
			moved += dp_ecmp_pick(dp_flow_hash4(&k), n) != p;
		}
		/* spread evenly (within 10 % of flows/n), and a source port changes the path */
		for (unsigned p = 0; p < n; p++)
			CU_ASSERT(count[p] > flows / n * 9 / 10 && count[p] < flows / n * 11 / 10);
		if (n > 1)
			CU_ASSERT(moved > flows / n / 2);
	}
	/* IPv6 the same way */
	unsigned count[4] = {0};
	for (unsigned f = 0; f < 8000; f++) {
		struct dp_acl_key6 k = {.proto = 6, .sport = (uint16_t)rnd(), .dport = 443};
		for (unsigned i = 0; i < 16; i++)
			k.src[i] = (uint8_t)rnd(), k.dst[i] = (uint8_t)rnd();
		unsigned p = dp_ecmp_pick(dp_flow_hash6(&k), 4);
		CU_ASSERT_EQUAL(dp_ecmp_pick(dp_flow_hash6(&k), 4), p);
		count[p]++;
	}
	for (unsigned p = 0; p < 4; p++)
		CU_ASSERT(count[p] > 1800 && count[p] < 2200);
	/* every field matters */
	struct dp_acl_key4 a = {.proto = 17, .src = 1, .dst = 2, .sport = 3, .dport = 4}, b;
	uint32_t h = dp_flow_hash4(&a);
	b = a, b.src ^= 1;
	CU_ASSERT_NOT_EQUAL(dp_flow_hash4(&b), h);
	b = a, b.dst ^= 1;
	CU_ASSERT_NOT_EQUAL(dp_flow_hash4(&b), h);
	b = a, b.dport ^= 1;
	CU_ASSERT_NOT_EQUAL(dp_flow_hash4(&b), h);
	b = a, b.proto = 6;
	CU_ASSERT_NOT_EQUAL(dp_flow_hash4(&b), h);
	/* IPv6: flows that differ in one field only spread over 2 paths; each stays */
	for (unsigned field = 0; field < 5; field++) {
		unsigned per[2] = {0};

		for (unsigned f = 0; f < 4000; f++) {
			struct dp_acl_key6 k = {.proto = 17, .sport = 1000, .dport = 53};

			k.src[0] = 0x20, k.dst[0] = 0x20;
			switch (field) {
			case 0:
				memcpy(k.src + 12, &f, 4);
				break;
			case 1:
				memcpy(k.dst + 12, &f, 4);
				break;
			case 2:
				k.sport = (uint16_t)f;
				break;
			case 3:
				k.dport = (uint16_t)f;
				break;
			default:
				k.proto = (uint8_t)f;
				break;
			}
			unsigned p = dp_ecmp_pick(dp_flow_hash6(&k), 2);
			CU_ASSERT_EQUAL(dp_ecmp_pick(dp_flow_hash6(&k), 2), p);
			per[p]++;
		}
		CU_ASSERT(per[0] > 1500 && per[1] > 1500);
	}
}

static void
test_bad_route(void)
{
	struct hp_config bad;
	struct rte_ether_addr macs[2] = {0};
	static const char text[] =
		"ports:\n"
		"  - { name: p0, device: net_null0, ipv4: [10.0.0.1/24] }\n"
		"routes:\n"
		"  - { prefix: 198.18.0.0/15, via: 10.0.0.2, port: p0 }\n";

	/* with port: given, the next hop need not be on a subnet; the build takes it */
	CU_ASSERT_EQUAL_FATAL(hp_config_parse("b.yaml", text, sizeof(text) - 1, &bad, err, sizeof(err)), 0);
	struct dp_fib *f = dp_fib_build(&bad, macs, NULL, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(f);
	dp_fib_free(f);
	hp_config_free(&bad);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"route groups, local, connected, blackhole", test_groups},
		{"martian destinations and subnet broadcasts", test_martians},
		{"neighbours and next-hop words", test_neighbours},
		{"neighbours freed, pinned, filtered", test_neigh_free_and_filter},
		{"glean hints: one neighbour named, two \"many\", its own address and port only",
		 test_glean_hints},
		{"ECMP 5-tuple hash", test_ecmp_hash},
		{"route with explicit port", test_bad_route},
	};
	struct rte_ether_addr macs[2] = {{{2, 0, 0, 0, 0, 1}}, {{2, 0, 0, 0, 1, 1}}};
	int rc;

	if (hp_test_eal_init("fib") < 0)
		return 77;
	if (hp_config_parse("fib.yaml", config, sizeof(config) - 1, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	fib = dp_fib_build(&cfg, macs, NULL, 0, err, sizeof(err));
	if (fib == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	rc = HP_CUNIT_RUN("fib", tests);
	dp_fib_free(fib);
	hp_config_free(&cfg);
	rte_eal_cleanup();
	return rc;
}
