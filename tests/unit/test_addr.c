/* Unit tests of lib/addr: parse/format round trips, bad inputs, host bits, contains, link-local. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "addr.h"

static void
test_addr_round_trip(void)
{
	static const char *const good[] = {
		"0.0.0.0",       "10.1.2.3",        "255.255.255.255",      "::", "::1", "2001:db8::1",
		"fe80::1:2:3:4", "::ffff:10.0.0.1", "2001:db8:1:2:3:4:5:6",
	};
	char buf[HP_ADDR_STRLEN];
	struct hp_addr a;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(hp_parse_addr(good[i], 0, &a), 0);
		CU_ASSERT_STRING_EQUAL(hp_addr_format(&a, buf, sizeof(buf)), good[i]);
	}
	/* canonical text out of a looser spelling */
	CU_ASSERT_EQUAL(hp_parse_addr("2001:DB8:0:0::1", 0, &a), 0);
	CU_ASSERT_STRING_EQUAL(hp_addr_format(&a, buf, sizeof(buf)), "2001:db8::1");
	CU_ASSERT_EQUAL(hp_parse_addr("10.1.2.3", AF_INET6, &a), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_addr("::1", AF_INET, &a), -EINVAL);
}

static void
test_addr_bad(void)
{
	static const char *const bad[] = {
		"",          "10.0.0",       "10.0.0.256", "10.0.0.1/24", " 10.0.0.1",
		"10.0.0.1 ", "2001:db8:::1", "host",       "1.2.3.4.5",   "::g",
	};
	struct hp_addr a = {.family = 99};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(hp_parse_addr(bad[i], 0, &a), -EINVAL);
	CU_ASSERT_EQUAL(a.family, 99); /* untouched */
	CU_ASSERT_EQUAL(hp_parse_addr(NULL, 0, &a), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_addr("10.0.0.1", 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_addr("10.0.0.1", 7, &a), -EINVAL);
}

static void
test_prefix_round_trip(void)
{
	static const char *const good[] = {
		"0.0.0.0/0", "10.0.0.0/8",    "10.1.2.3/24",     "255.255.255.255/32",
		"::/0",      "2001:db8::/32", "2001:db8::1/128", "fe80::/10",
	};
	char buf[HP_PREFIX_STRLEN];
	struct hp_prefix p;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(hp_parse_prefix(good[i], 0, &p), 0);
		CU_ASSERT_STRING_EQUAL(hp_prefix_format(&p, buf, sizeof(buf)), good[i]);
	}
	/* the longest prefix text fits HP_PREFIX_STRLEN */
	CU_ASSERT_EQUAL(hp_parse_prefix("1111:2222:3333:4444:5555:6666:255.255.255.255/128", 0, &p), 0);
	CU_ASSERT_STRING_EQUAL(hp_prefix_format(&p, buf, sizeof(buf)),
			       "1111:2222:3333:4444:5555:6666:ffff:ffff/128");
	/* a short buffer is cut, never overrun */
	CU_ASSERT_EQUAL(hp_parse_prefix("10.0.0.0/8", 0, &p), 0);
	memset(buf, 'x', sizeof(buf));
	hp_prefix_format(&p, buf, 4);
	CU_ASSERT_EQUAL(buf[3], '\0');
	CU_ASSERT_EQUAL(buf[4], 'x');
}

static void
test_prefix_bad(void)
{
	static const char *const bad[] = {
		"10.0.0.0",     "10.0.0.0/",   "/8",     "10.0.0.0/33", "10.0.0.0/08",
		"10.0.0.0/-1",  "10.0.0.0/8 ", "::/129", "10.0.0/8",    "10.0.0.0//8",
		"10.0.0.0/8/8", "x/8",         "",
	};
	struct hp_prefix p = {.family = 99};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(hp_parse_prefix(bad[i], 0, &p), -EINVAL);
	CU_ASSERT_EQUAL(p.family, 99);
	CU_ASSERT_EQUAL(hp_parse_prefix("10.0.0.0/8", AF_INET6, &p), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_prefix(NULL, 0, &p), -EINVAL);
}

static void
test_mac(void)
{
	uint8_t mac[6] = {0}, want[6] = {0x02, 0x00, 0x0a, 0xbc, 0xff, 0x01};
	char buf[HP_MAC_STRLEN];
	static const char *const bad[] = {
		"",
		"02:00:0a:bc:ff",
		"02:00:0a:bc:ff:01:02",
		"02-00-0a-bc-ff-01",
		"02:00:0a:bc:ff:0g",
		"2:00:0a:bc:ff:01:",
		" 02:00:0a:bc:ff:01",
	};

	CU_ASSERT_EQUAL(hp_parse_mac("02:00:0a:Bc:fF:01", mac), 0);
	CU_ASSERT_EQUAL(memcmp(mac, want, 6), 0);
	/* upper case, as rte_ether_format_addr() writes it (the JSON and metrics words) */
	CU_ASSERT_STRING_EQUAL(hp_mac_format(mac, buf, sizeof(buf)), "02:00:0A:BC:FF:01");
	CU_ASSERT_EQUAL(hp_parse_mac(buf, mac), 0);
	CU_ASSERT_EQUAL(memcmp(mac, want, 6), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(hp_parse_mac(bad[i], mac), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(mac, want, 6), 0);
	CU_ASSERT_EQUAL(hp_parse_mac(NULL, mac), -EINVAL);
}

static void
test_unknown_family(void)
{
	struct hp_addr a = {.family = 0};
	struct hp_prefix p = {.family = 0, .len = 8};
	char buf[HP_PREFIX_STRLEN];

	CU_ASSERT_STRING_EQUAL(hp_addr_format(&a, buf, sizeof(buf)), "?");
	CU_ASSERT_STRING_EQUAL(hp_prefix_format(&p, buf, sizeof(buf)), "?/8");
	CU_ASSERT_EQUAL(hp_family_bits(AF_INET), 32);
	CU_ASSERT_EQUAL(hp_family_bits(AF_INET6), 128);
	CU_ASSERT_EQUAL(hp_family_bits(0), 0);
}

static void
test_host_bits(void)
{
	static const struct {
		const char *in, *net;
		bool set;
	} cases[] = {
		{"10.0.0.0/8", "10.0.0.0/8", false},
		{"10.0.0.1/8", "10.0.0.0/8", true},
		{"10.1.2.3/0", "0.0.0.0/0", true},
		{"10.1.2.3/32", "10.1.2.3/32", false},
		{"10.1.2.255/25", "10.1.2.128/25", true},
		{"2001:db8::1/32", "2001:db8::/32", true},
		{"2001:db8::/32", "2001:db8::/32", false},
		{"2001:db8:ffff::/33", "2001:db8:8000::/33", true},
		{"::1/128", "::1/128", false},
	};
	char msg[HP_HOST_BITS_MSG_MAX], buf[HP_PREFIX_STRLEN], want[HP_HOST_BITS_MSG_MAX];
	struct hp_prefix p, net;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(hp_parse_prefix(cases[i].in, 0, &p), 0);
		CU_ASSERT_EQUAL(hp_prefix_clear_host_bits(&p, &net), cases[i].set);
		CU_ASSERT_STRING_EQUAL(hp_prefix_format(&net, buf, sizeof(buf)), cases[i].net);
		msg[0] = '\0';
		CU_ASSERT_EQUAL(hp_prefix_host_bits(&p, cases[i].in, msg, sizeof(msg)), cases[i].set);
		if (!cases[i].set) {
			CU_ASSERT_STRING_EQUAL(msg, "");
			continue;
		}
		snprintf(want, sizeof(want), "prefix %s has host bits set; did you mean %s?", cases[i].in,
			 cases[i].net);
		CU_ASSERT_STRING_EQUAL(msg, want);
	}
	/* the user's text, or the prefix formatted when there is none */
	CU_ASSERT_EQUAL(hp_parse_prefix("2001:DB8::1/64", 0, &p), 0);
	CU_ASSERT_TRUE(hp_prefix_host_bits(&p, "2001:DB8::1/64", msg, sizeof(msg)));
	CU_ASSERT_STRING_EQUAL(msg, "prefix 2001:DB8::1/64 has host bits set; did you mean 2001:db8::/64?");
	CU_ASSERT_TRUE(hp_prefix_host_bits(&p, NULL, msg, sizeof(msg)));
	CU_ASSERT_STRING_EQUAL(msg, "prefix 2001:db8::1/64 has host bits set; did you mean 2001:db8::/64?");
	/* the longest message fits */
	CU_ASSERT_EQUAL(hp_parse_prefix("1111:2222:3333:4444:5555:6666:255.255.255.255/1", 0, &p), 0);
	CU_ASSERT_TRUE(hp_prefix_host_bits(&p, NULL, msg, sizeof(msg)));
	CU_ASSERT_STRING_EQUAL(msg,
			       "prefix 1111:2222:3333:4444:5555:6666:ffff:ffff/1 has host bits set; "
			       "did you mean ::/1?");
	CU_ASSERT_TRUE(hp_prefix_host_bits(&p, NULL, NULL, 0)); /* a predicate alone */
}

static bool
contains(const char *prefix, const char *addr)
{
	struct hp_prefix p;
	struct hp_addr a;

	CU_ASSERT_EQUAL_FATAL(hp_parse_prefix(prefix, 0, &p), 0);
	CU_ASSERT_EQUAL_FATAL(hp_parse_addr(addr, 0, &a), 0);
	return hp_prefix_contains(&p, &a);
}

static void
test_contains(void)
{
	CU_ASSERT_TRUE(contains("10.0.0.0/8", "10.255.1.2"));
	CU_ASSERT_FALSE(contains("10.0.0.0/8", "11.0.0.0"));
	CU_ASSERT_TRUE(contains("10.0.0.1/24", "10.0.0.200")); /* host bits ignored */
	CU_ASSERT_TRUE(contains("0.0.0.0/0", "192.0.2.1"));
	CU_ASSERT_TRUE(contains("10.0.0.1/32", "10.0.0.1"));
	CU_ASSERT_FALSE(contains("10.0.0.1/32", "10.0.0.2"));
	CU_ASSERT_TRUE(contains("10.0.0.128/25", "10.0.0.255"));
	CU_ASSERT_FALSE(contains("10.0.0.128/25", "10.0.0.127"));
	CU_ASSERT_TRUE(contains("2001:db8::/32", "2001:db8:ffff::1"));
	CU_ASSERT_FALSE(contains("2001:db8::/32", "2001:db9::1"));
	CU_ASSERT_TRUE(contains("::/0", "::1"));
	CU_ASSERT_FALSE(contains("::/0", "10.0.0.1")); /* families differ */
	CU_ASSERT_FALSE(contains("0.0.0.0/0", "::ffff:10.0.0.1"));

	struct hp_prefix p;
	struct hp_addr a;

	CU_ASSERT_EQUAL(hp_parse_prefix("10.0.0.0/8", 0, &p), 0);
	CU_ASSERT_EQUAL(hp_parse_addr("10.0.0.1", 0, &a), 0);
	CU_ASSERT_FALSE(hp_prefix_contains(NULL, &a));
	CU_ASSERT_FALSE(hp_prefix_contains(&p, NULL));
	p.len = 33; /* out of range for the family */
	CU_ASSERT_FALSE(hp_prefix_contains(&p, &a));
}

static void
test_link_local(void)
{
	static const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x02};
	static const uint8_t mac2[6] = {0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc};
	struct hp_addr a = {.family = AF_INET6};
	char buf[HP_ADDR_STRLEN];

	hp_link_local(mac, a.addr);
	CU_ASSERT_STRING_EQUAL(hp_addr_format(&a, buf, sizeof(buf)), "fe80::ff:fe00:102");
	hp_link_local(mac2, a.addr);
	CU_ASSERT_STRING_EQUAL(hp_addr_format(&a, buf, sizeof(buf)), "fe80::21b:21ff:feaa:bbcc");
	CU_ASSERT_TRUE(contains("fe80::/64", buf));
}

static void
test_parse_mac(void)
{
	static const char *const bad[] = {"",
					  "02:00:00:00:00",
					  "02:00:00:00:00:01:02",
					  "02-00-00-00-00-01",
					  "0200.0000.0001",
					  "02:00:00:00:00:0g",
					  "2:00:00:00:00:01",
					  "02:00:00:00:00:1",
					  "02:00:00:00:00:001",
					  " 02:00:00:00:00:01",
					  "02:00:00:00:00:01 ",
					  "02::00:00:00:00:0",
					  "+2:00:00:00:00:01"};
	uint8_t mac[6] = {9, 9, 9, 9, 9, 9};

	CU_ASSERT_EQUAL(hp_parse_mac("02:00:0a:Bc:fF:01", mac), 0);
	CU_ASSERT_EQUAL(mac[0], 0x02);
	CU_ASSERT_EQUAL(mac[2], 0x0a);
	CU_ASSERT_EQUAL(mac[3], 0xbc);
	CU_ASSERT_EQUAL(mac[4], 0xff);
	CU_ASSERT_EQUAL(mac[5], 0x01);
	/* syntax only: multicast is the caller's business */
	CU_ASSERT_EQUAL(hp_parse_mac("ff:ff:ff:ff:ff:ff", mac), 0);
	CU_ASSERT_EQUAL(mac[0], 0xff);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(mac, 7, 6);
		CU_ASSERT_EQUAL(hp_parse_mac(bad[i], mac), -EINVAL);
		CU_ASSERT_EQUAL(mac[0], 7); /* untouched on error */
	}
	CU_ASSERT_EQUAL(hp_parse_mac(NULL, mac), -EINVAL);
}

static void
test_parse_prefix(void)
{
	static const char *const bad[] = {"",
					  "/24",
					  "10.0.0.1",
					  "10.0.0.1/",
					  "10.0.0.1/33",
					  "10.0.0.1/-1",
					  "10.0.0.1/+1",
					  "10.0.0.1/024",
					  "10.0.0.1/2x",
					  "10.0.0.1/24/1",
					  "10.0.0/24",
					  "010.0.0.1/8",
					  "10.0.0.1 /24",
					  "2001:db8::1/129",
					  "::1/1000000000000000000000",
					  "fe80::1%lo/64",
					  "1.2.3.4.5/8",
					  "2001:db8:::1/64"};
	struct hp_prefix p;

	CU_ASSERT_EQUAL(hp_parse_prefix("10.1.2.3/24", 0, &p), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET);
	CU_ASSERT_EQUAL(p.len, 24);
	CU_ASSERT_EQUAL(p.addr[0], 10);
	CU_ASSERT_EQUAL(p.addr[3], 3); /* host bits kept */
	CU_ASSERT_EQUAL(p.addr[4], 0);
	CU_ASSERT_EQUAL(hp_parse_prefix("10.1.2.3/0", AF_INET, &p), 0);
	CU_ASSERT_EQUAL(p.len, 0);
	CU_ASSERT_EQUAL(hp_parse_prefix("255.255.255.255/32", AF_INET, &p), 0);
	CU_ASSERT_EQUAL(p.len, 32);
	CU_ASSERT_EQUAL(hp_parse_prefix("10.1.2.3/24", AF_INET6, &p), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_prefix("2001:db8::1/64", 0, &p), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET6);
	CU_ASSERT_EQUAL(p.len, 64);
	CU_ASSERT_EQUAL(p.addr[0], 0x20);
	CU_ASSERT_EQUAL(p.addr[1], 0x01);
	CU_ASSERT_EQUAL(p.addr[15], 1);
	CU_ASSERT_EQUAL(hp_parse_prefix("::/128", AF_INET6, &p), 0);
	CU_ASSERT_EQUAL(p.len, 128);
	CU_ASSERT_EQUAL(hp_parse_prefix("2001:db8::1/64", AF_INET, &p), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_prefix("2001:db8::1/64", 99, &p), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_prefix("10.0.0.1/33", AF_INET6, &p), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0x5a, sizeof(p));
		if (hp_parse_prefix(bad[i], 0, &p) != -EINVAL)
			printf("\n  prefix '%s' accepted", bad[i]);
		CU_ASSERT_EQUAL(hp_parse_prefix(bad[i], 0, &p), -EINVAL);
		CU_ASSERT_EQUAL(p.len, 0x5a);
	}
	CU_ASSERT_EQUAL(hp_parse_prefix(NULL, 0, &p), -EINVAL);
}

static void
test_parse_addr(void)
{
	static const char *const bad[] = {"",
					  "10.0.0.1/32",
					  "010.0.0.1",
					  "10.0.0",
					  "1.2.3.4.5",
					  " 10.0.0.1",
					  "10.0.0.1 ",
					  "300.0.0.1",
					  "0x0a.0.0.1",
					  "fe80::1%lo",
					  "2001:db8:::1",
					  "::g",
					  "2001:db8::1/128",
					  "localhost"};
	struct hp_addr a;

	CU_ASSERT_EQUAL(hp_parse_addr("10.1.2.3", 0, &a), 0);
	CU_ASSERT_EQUAL(a.family, AF_INET);
	CU_ASSERT_EQUAL(a.addr[0], 10);
	CU_ASSERT_EQUAL(a.addr[3], 3);
	CU_ASSERT_EQUAL(a.addr[4], 0); /* the rest is zero */
	CU_ASSERT_EQUAL(a.addr[15], 0);
	CU_ASSERT_EQUAL(hp_parse_addr("10.1.2.3", AF_INET, &a), 0);
	CU_ASSERT_EQUAL(hp_parse_addr("10.1.2.3", AF_INET6, &a), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_addr("2001:db8::1", 0, &a), 0);
	CU_ASSERT_EQUAL(a.family, AF_INET6);
	CU_ASSERT_EQUAL(a.addr[0], 0x20);
	CU_ASSERT_EQUAL(a.addr[15], 1);
	CU_ASSERT_EQUAL(hp_parse_addr("::ffff:10.0.0.1", 0, &a), 0);
	CU_ASSERT_EQUAL(a.family, AF_INET6);
	CU_ASSERT_EQUAL(hp_parse_addr("2001:db8::1", AF_INET, &a), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_addr("2001:db8::1", 99, &a), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&a, 0x5a, sizeof(a));
		if (hp_parse_addr(bad[i], 0, &a) != -EINVAL)
			printf("\n  address '%s' accepted", bad[i]);
		CU_ASSERT_EQUAL(hp_parse_addr(bad[i], 0, &a), -EINVAL);
		CU_ASSERT_EQUAL(a.addr[0], 0x5a); /* untouched on error */
	}
	CU_ASSERT_EQUAL(hp_parse_addr(NULL, 0, &a), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_addr("10.0.0.1", 0, NULL), -EINVAL);
}

static void
test_prefix_contains(void)
{
	struct hp_prefix p;
	struct hp_addr a;

	CU_ASSERT_TRUE(contains("10.0.0.0/8", "10.255.0.1"));
	CU_ASSERT_FALSE(contains("10.0.0.0/8", "11.0.0.0"));
	CU_ASSERT_TRUE(contains("10.0.0.1/24", "10.0.0.200")); /* an interface address: host bits ignored */
	CU_ASSERT_FALSE(contains("10.0.0.1/24", "10.0.1.1"));
	CU_ASSERT_TRUE(contains("172.16.0.0/12", "172.31.255.255"));
	CU_ASSERT_FALSE(contains("172.16.0.0/12", "172.32.0.0"));
	CU_ASSERT_FALSE(contains("172.16.0.0/12", "172.15.255.255"));
	CU_ASSERT_TRUE(contains("0.0.0.0/0", "255.255.255.255"));
	CU_ASSERT_TRUE(contains("10.0.0.1/32", "10.0.0.1"));
	CU_ASSERT_FALSE(contains("10.0.0.1/32", "10.0.0.0"));
	CU_ASSERT_TRUE(contains("10.0.0.0/31", "10.0.0.1"));
	CU_ASSERT_FALSE(contains("10.0.0.0/31", "10.0.0.2"));
	CU_ASSERT_TRUE(contains("2001:db8::1/64", "2001:db8::ffff:1"));
	CU_ASSERT_FALSE(contains("2001:db8::1/64", "2001:db8:0:1::1"));
	CU_ASSERT_TRUE(contains("::/0", "ff02::1"));
	CU_ASSERT_TRUE(contains("fe80::/10", "febf::1"));
	CU_ASSERT_FALSE(contains("fe80::/10", "fec0::1"));
	CU_ASSERT_TRUE(contains("2001:db8::1/128", "2001:db8::1"));
	CU_ASSERT_FALSE(contains("2001:db8::1/128", "2001:db8::2"));
	CU_ASSERT_FALSE(contains("0.0.0.0/0", "::")); /* other family */
	CU_ASSERT_FALSE(contains("::/0", "0.0.0.0"));
	CU_ASSERT_FALSE(contains("::ffff:0:0/96", "10.0.0.1"));
	CU_ASSERT_EQUAL(hp_parse_prefix("10.0.0.0/8", 0, &p), 0);
	CU_ASSERT_EQUAL(hp_parse_addr("10.0.0.1", 0, &a), 0);
	CU_ASSERT_FALSE(hp_prefix_contains(NULL, &a));
	CU_ASSERT_FALSE(hp_prefix_contains(&p, NULL));
	p.len = 33; /* not a valid prefix */
	CU_ASSERT_FALSE(hp_prefix_contains(&p, &a));
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"addr round trip", test_addr_round_trip},
		{"addr bad", test_addr_bad},
		{"prefix round trip", test_prefix_round_trip},
		{"prefix bad", test_prefix_bad},
		{"mac", test_mac},
		{"unknown family", test_unknown_family},
		{"host bits", test_host_bits},
		{"contains", test_contains},
		{"link-local", test_link_local},
		{"hp_parse_mac", test_parse_mac},
		{"hp_parse_prefix", test_parse_prefix},
		{"hp_parse_addr", test_parse_addr},
		{"hp_prefix_contains", test_prefix_contains},
	};

	return hp_cunit_run("addr", tests, sizeof(tests) / sizeof(tests[0]));
}
