/* Unit tests of the kernel mirror's pure parts: the linux: config section and control/rtnl.c's
 * route and link messages, built with libmnl as the kernel sends them (no socket, no EAL). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "../cunit_run.h"
#include "config.h"
#include "dump.h"
#include "rtnl.h"

/* p0 (ifindex 7) 10.0.0.1/24 + 2001:db8::1/64, p1 (ifindex 8) 10.0.1.1/24. */
static const char base_yaml[] =
	"ports:\n"
	"  - { name: p0, device: net_null0, mac: \"02:00:00:00:00:01\", ipv4: [10.0.0.1/24], ipv6: [\"2001:db8::1/64\"] }\n"
	"  - { name: p1, device: net_null1, mac: \"02:00:00:00:01:01\", ipv4: [10.0.1.1/24] }\n";

static int
parse(struct hp_config *cfg, const char *extra, char *err, size_t errlen)
{
	char text[4096];

	snprintf(text, sizeof(text), "%s%s", base_yaml, extra);
	memset(cfg, 0, sizeof(*cfg));
	return hp_config_parse("t.yaml", text, strlen(text), cfg, err, errlen);
}

static void
expect_bad(const char *extra, const char *what)
{
	struct hp_config cfg;
	char err[HP_ERR_MAX] = "";

	CU_ASSERT_EQUAL(parse(&cfg, extra, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, what));
	if (!strstr(err, what))
		fprintf(stderr, "\n  expected \"%s\" in \"%s\"\n", what, err);
	hp_config_free(&cfg);
}

/* config dump of cfg reads back with the same linux section (table, protocols, ipv6_routes). */
static void
expect_round_trip(const struct hp_config *cfg)
{
	char *dump = hp_dump_text(cfg), err[HP_ERR_MAX];
	struct hp_config again;

	memset(&again, 0, sizeof(again));
	CU_ASSERT_EQUAL_FATAL(hp_config_parse("d", dump, strlen(dump), &again, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(again.linux_rt.table, cfg->linux_rt.table);
	CU_ASSERT_EQUAL(
		memcmp(again.linux_rt.protocols, cfg->linux_rt.protocols, sizeof(cfg->linux_rt.protocols)),
		0);
	CU_ASSERT_EQUAL(again.linux_rt.ipv6_routes, cfg->linux_rt.ipv6_routes);
	hp_config_free(&again);
	free(dump);
}

static void
test_config(void)
{
	struct hp_config cfg;
	char err[HP_ERR_MAX] = "", *dump;

	/* absent: no mirror */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "", err, sizeof(err)), 0);
	CU_ASSERT_FALSE(cfg.linux_rt.enabled);
	dump = hp_dump_text(&cfg);
	CU_ASSERT_PTR_NULL(strstr(dump, "\"linux\""));
	free(dump);
	hp_config_free(&cfg);
	/* empty: main, every protocol but hotpath's */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "linux: {}\n", err, sizeof(err)), 0);
	CU_ASSERT_TRUE(cfg.linux_rt.enabled);
	CU_ASSERT_EQUAL(cfg.linux_rt.table, 254);
	CU_ASSERT_TRUE(hp_linux_proto_taken(&cfg.linux_rt, 4));
	CU_ASSERT_TRUE(hp_linux_proto_taken(&cfg.linux_rt, 0));
	CU_ASSERT_TRUE(hp_linux_proto_taken(&cfg.linux_rt, 255));
	CU_ASSERT_FALSE(hp_linux_proto_taken(&cfg.linux_rt, HP_RTPROT_HOTPATH));
	CU_ASSERT_FALSE(hp_linux_proto_taken(&cfg.linux_rt, 256));
	dump = hp_dump_text(&cfg);
	CU_ASSERT_PTR_NOT_NULL(strstr(dump, "\"table\": \"main\""));
	CU_ASSERT_PTR_NULL(strstr(dump, "\"protocols\""));
	free(dump);
	hp_config_free(&cfg);
	/* names and numbers; static is 4 and FRR staticd's 196 */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "linux: { table: 100, protocols: [bgp, ospf, static, boot] }\n",
				    err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL(cfg.linux_rt.table, 100);
	CU_ASSERT_TRUE(hp_linux_proto_taken(&cfg.linux_rt, 186));
	CU_ASSERT_TRUE(hp_linux_proto_taken(&cfg.linux_rt, 188));
	CU_ASSERT_TRUE(hp_linux_proto_taken(&cfg.linux_rt, 4));
	CU_ASSERT_TRUE(hp_linux_proto_taken(&cfg.linux_rt, 3));
	CU_ASSERT_TRUE(hp_linux_proto_taken(&cfg.linux_rt, 196));
	CU_ASSERT_FALSE(hp_linux_proto_taken(&cfg.linux_rt, 2));
	dump = hp_dump_text(&cfg);
	CU_ASSERT_PTR_NOT_NULL(strstr(dump, "\"table\": 100"));
	CU_ASSERT_PTR_NOT_NULL(strstr(dump, "\"boot\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(dump, "\"static\""));
	CU_ASSERT_PTR_NULL(strstr(dump, "196"));
	free(dump);
	expect_round_trip(&cfg); /* the dump reads back the same */
	hp_config_free(&cfg);
	/* by number, each alone: 4 is not FRR's, and the dump keeps it so */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "linux: { protocols: [4, bird] }\n", err, sizeof(err)), 0);
	CU_ASSERT_TRUE(hp_linux_proto_taken(&cfg.linux_rt, 4));
	CU_ASSERT_FALSE(hp_linux_proto_taken(&cfg.linux_rt, 196));
	expect_round_trip(&cfg);
	hp_config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "linux: { protocols: [196] }\n", err, sizeof(err)), 0);
	CU_ASSERT_FALSE(hp_linux_proto_taken(&cfg.linux_rt, 4));
	CU_ASSERT_TRUE(hp_linux_proto_taken(&cfg.linux_rt, 196));
	expect_round_trip(&cfg);
	hp_config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "linux: { table: local }\n", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.linux_rt.table, 255);
	CU_ASSERT_EQUAL(cfg.linux_rt.ipv6_routes, HP_LINUX_IPV6_ROUTES_DEFAULT);
	dump = hp_dump_text(&cfg);
	CU_ASSERT_PTR_NULL(strstr(dump, "ipv6_routes"));
	free(dump);
	hp_config_free(&cfg);
	/* room for the kernel's IPv6 routes: set, dumped, read back */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "linux: { ipv6_routes: 200000 }\n", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.linux_rt.ipv6_routes, 200000);
	dump = hp_dump_text(&cfg);
	CU_ASSERT_PTR_NOT_NULL(strstr(dump, "\"ipv6_routes\": 200000"));
	free(dump);
	expect_round_trip(&cfg);
	hp_config_free(&cfg);
	/* refused, with the line and what was wrong */
	expect_bad("linux: { table: 0 }\n", "t.yaml:4: key 'table': bad table '0'");
	expect_bad("linux: { table: 4294967296 }\n", "bad table");
	expect_bad("linux: { table: mian }\n", "bad table 'mian': expected main, local, default");
	expect_bad("linux: { table: [1] }\n", "key 'table': expected main");
	expect_bad("linux: { protocols: [bgpp] }\n", "unknown protocol 'bgpp'");
	expect_bad("linux: { protocols: [256] }\n", "unknown protocol '256'");
	expect_bad("linux: { protocols: [] }\n", "expected at least one protocol");
	expect_bad("linux: { protocols: [bgp, 186] }\n", "listed twice");
	expect_bad("linux: { protocols: [static, 196] }\n", "listed twice (static is 4 and FRR's 196)");
	expect_bad("linux: { protocols: [196, static] }\n",
		   "protocol 'static' (4 and FRR's 196): 196 listed twice");
	expect_bad("linux: { protocols: [hotpath] }\n", "hotpath's own");
	expect_bad("linux: { ipv6_routes: 100 }\n", "ipv6_routes");
	expect_bad("linux: { ipv6_routes: 2000000 }\n", "ipv6_routes");
	expect_bad("linux: { ipv6_routes: many }\n", "ipv6_routes");
	expect_bad("linux: { protocols: bgp }\n", "expected a sequence");
	expect_bad("linux: { tabel: main }\n", "tabel");
	expect_bad("linux: [main]\n", "linux");
}

/* ---- messages ---- */

static char buf[8192];
static struct hp_config vcfg;
static struct hp_linux_conf lconf;
static int ifidx[2] = {7, 8};
static struct rtnl_view view = {&lconf, &vcfg, ifidx};

static void
view_setup(const char *protocols)
{
	char err[HP_ERR_MAX], extra[256];

	snprintf(extra, sizeof(extra), "linux: { table: main%s%s }\n", protocols ? ", protocols: " : "",
		 protocols ? protocols : "");
	hp_config_free(&vcfg);
	CU_ASSERT_FATAL(parse(&vcfg, extra, err, sizeof(err)) == 0);
	lconf = vcfg.linux_rt;
}

static struct nlmsghdr *
route_msg(uint16_t type, int family, const char *dst, unsigned len, uint8_t rtype, uint8_t proto)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	uint8_t a[16];

	nlh->nlmsg_type = type;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = proto;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = rtype;
	if (dst) {
		CU_ASSERT_FATAL(inet_pton(family, dst, a) == 1);
		mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, a);
	}
	return nlh;
}

static void
put_gw(struct nlmsghdr *nlh, int family, const char *gw)
{
	uint8_t a[16];

	CU_ASSERT_FATAL(inet_pton(family, gw, a) == 1);
	mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET ? 4 : 16, a);
}

/* RTA_MULTIPATH with n next hops gws[i] on ifindex oifs[i]. */
static void
put_multipath(struct nlmsghdr *nlh, int family, unsigned n, const char *const *gws, const int *oifs)
{
	struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);

	for (unsigned i = 0; i < n; i++) {
		struct rtnexthop *rtnh = mnl_nlmsg_get_payload_tail(nlh);
		uint8_t a[16];

		nlh->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
		memset(rtnh, 0, sizeof(*rtnh));
		rtnh->rtnh_ifindex = oifs[i];
		CU_ASSERT_FATAL(inet_pton(family, gws[i], a) == 1);
		mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET ? 4 : 16, a);
		rtnh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)rtnh);
	}
	mnl_attr_nest_end(nlh, mp);
}

static struct rtnl_route
parsed(const struct nlmsghdr *nlh)
{
	struct rtnl_route out;

	CU_ASSERT_EQUAL(rtnl_parse_route(nlh, &view, &out), 0);
	return out;
}

static void
test_unicast(void)
{
	struct nlmsghdr *nlh;
	struct rtnl_route o;
	char t[64];

	view_setup(NULL);
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "198.51.100.0", 24, RTN_UNICAST, RTPROT_STATIC);
	put_gw(nlh, AF_INET, "10.0.1.2");
	mnl_attr_put_u32(nlh, RTA_OIF, 8);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 20); /* known to the kernel, unused here */
	mnl_attr_put_u32(nlh, 300, 1);           /* unknown: skipped */
	nlh->nlmsg_flags |= NLM_F_REPLACE;
	o = parsed(nlh);
	CU_ASSERT_EQUAL(o.cause, RTNL_TAKEN);
	CU_ASSERT_FALSE(o.del);
	CU_ASSERT_TRUE(o.replace);
	CU_ASSERT_FALSE(o.append);
	CU_ASSERT_EQUAL(o.route.action, HP_ROUTE_FORWARD);
	CU_ASSERT_EQUAL(o.route.port, 1);
	CU_ASSERT_EQUAL(o.route.n_via, 1);
	CU_ASSERT_STRING_EQUAL(hp_prefix_format(&o.route.prefix, t, sizeof(t)), "198.51.100.0/24");
	CU_ASSERT_STRING_EQUAL(hp_addr_format(&o.route.via[0], t, sizeof(t)), "10.0.1.2");
	nlh->nlmsg_flags = NLM_F_APPEND | NLM_F_CREATE;
	o = parsed(nlh);
	CU_ASSERT_TRUE(o.append);
	CU_ASSERT_FALSE(o.replace);
	/* the same deleted */
	nlh->nlmsg_type = RTM_DELROUTE;
	o = parsed(nlh);
	CU_ASSERT_EQUAL(o.cause, RTNL_TAKEN);
	CU_ASSERT_TRUE(o.del);
	/* IPv6, default route */
	nlh = route_msg(RTM_NEWROUTE, AF_INET6, NULL, 0, RTN_UNICAST, RTPROT_BGP);
	put_gw(nlh, AF_INET6, "2001:db8::2");
	mnl_attr_put_u32(nlh, RTA_OIF, 7);
	o = parsed(nlh);
	CU_ASSERT_EQUAL(o.cause, RTNL_TAKEN);
	CU_ASSERT_EQUAL(o.route.prefix.family, AF_INET6);
	CU_ASSERT_EQUAL(o.route.prefix.len, 0);
	CU_ASSERT_EQUAL(o.route.port, 0);
	/* RTA_TABLE overrides rtm_table */
	mnl_attr_put_u32(nlh, RTA_TABLE, 1000);
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_OTHER_TABLE);
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "198.51.100.0", 24, RTN_UNICAST, RTPROT_STATIC);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_table = RT_TABLE_COMPAT;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	put_gw(nlh, AF_INET, "10.0.1.2");
	mnl_attr_put_u32(nlh, RTA_OIF, 8);
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_TAKEN);
}

static void
test_multipath(void)
{
	static const char *const gws[] = {"10.0.0.2", "10.0.1.2", "10.0.0.3", "10.0.0.4", "10.0.0.5",
					  "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9"};
	static const int oifs[] = {7, 8, 7, 7, 7, 7, 7, 7, 7};
	static const int same[] = {7, 7, 7, 7, 7, 7, 7, 7, 7};
	struct nlmsghdr *nlh;
	struct rtnl_route o;
	char t[64];

	view_setup(NULL);
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "203.0.113.0", 24, RTN_UNICAST, RTPROT_ZEBRA);
	put_multipath(nlh, AF_INET, 2, gws, oifs);
	o = parsed(nlh);
	CU_ASSERT_EQUAL(o.cause, RTNL_TAKEN);
	CU_ASSERT_EQUAL(o.route.n_via, 2);
	CU_ASSERT_EQUAL(o.route.port, -1); /* two ports: each via's subnet picks */
	CU_ASSERT_STRING_EQUAL(hp_addr_format(&o.route.via[1], t, sizeof(t)), "10.0.1.2");
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "203.0.113.0", 24, RTN_UNICAST, RTPROT_ZEBRA);
	put_multipath(nlh, AF_INET, HP_MAX_ECMP, gws, same);
	o = parsed(nlh);
	CU_ASSERT_EQUAL(o.cause, RTNL_TAKEN);
	CU_ASSERT_EQUAL(o.route.n_via, HP_MAX_ECMP);
	CU_ASSERT_EQUAL(o.route.port, 0);
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "203.0.113.0", 24, RTN_UNICAST, RTPROT_ZEBRA);
	put_multipath(nlh, AF_INET, HP_MAX_ECMP + 1, gws, same);
	o = parsed(nlh);
	CU_ASSERT_EQUAL(o.cause, RTNL_TOO_MANY_NEXTHOPS);
	CU_ASSERT_EQUAL(o.n_nexthops, HP_MAX_ECMP + 1);
	CU_ASSERT_TRUE(o.has_prefix);
	/* one next hop on an interface that is no port */
	{
		static const int foreign[] = {7, 99};

		nlh = route_msg(RTM_NEWROUTE, AF_INET, "203.0.113.0", 24, RTN_UNICAST, RTPROT_ZEBRA);
		put_multipath(nlh, AF_INET, 2, gws, foreign);
		CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_FOREIGN_INTERFACE);
	}
	/* a next hop cut short inside RTA_MULTIPATH */
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "203.0.113.0", 24, RTN_UNICAST, RTPROT_ZEBRA);
	put_multipath(nlh, AF_INET, 1, gws, same);
	{
		struct rtnexthop *rtnh = (struct rtnexthop *)((char *)mnl_nlmsg_get_payload_tail(nlh) - 16);

		rtnh->rtnh_len = 200; /* past the attribute */
	}
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_INVALID);
}

static void
test_skips(void)
{
	struct nlmsghdr *nlh;
	struct rtnl_route o;

	view_setup("[static, bgp]");
	/* blackhole, unreachable, prohibit: drops of their kind */
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "192.0.2.0", 24, RTN_BLACKHOLE, RTPROT_STATIC);
	o = parsed(nlh);
	CU_ASSERT_EQUAL(o.cause, RTNL_TAKEN);
	CU_ASSERT_EQUAL(o.route.action, HP_ROUTE_DROP);
	CU_ASSERT_EQUAL(o.drop, RTNL_DROP_BLACKHOLE);
	CU_ASSERT_STRING_EQUAL(rtnl_drop_name(o.drop), "blackhole");
	nlh = route_msg(RTM_NEWROUTE, AF_INET6, "2001:db8:99::", 48, RTN_UNREACHABLE, RTPROT_BGP);
	CU_ASSERT_EQUAL(parsed(nlh).drop, RTNL_DROP_UNREACHABLE);
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "192.0.2.0", 24, RTN_PROHIBIT, RTPROT_STATIC);
	CU_ASSERT_EQUAL(parsed(nlh).drop, RTNL_DROP_PROHIBIT);
	/* types */
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "10.0.0.1", 32, RTN_LOCAL, RTPROT_STATIC);
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_TYPE);
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "10.0.0.255", 32, RTN_BROADCAST, RTPROT_STATIC);
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_TYPE);
	/* protocols: kernel is not in [static, bgp], nor is hotpath's own */
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "10.0.0.0", 24, RTN_UNICAST, RTPROT_KERNEL);
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_OTHER_PROTOCOL);
	/* default protocols: a connected subnet of a port, a device route, a foreign interface */
	view_setup(NULL);
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "10.0.0.0", 24, RTN_UNICAST, RTPROT_KERNEL);
	mnl_attr_put_u32(nlh, RTA_OIF, 7);
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_CONNECTED);
	nlh = route_msg(RTM_NEWROUTE, AF_INET6, "2001:db8::", 64, RTN_UNICAST, RTPROT_KERNEL);
	mnl_attr_put_u32(nlh, RTA_OIF, 7);
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_CONNECTED);
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "10.9.0.0", 24, RTN_UNICAST, RTPROT_STATIC);
	mnl_attr_put_u32(nlh, RTA_OIF, 7);
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_NO_GATEWAY);
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "10.9.0.0", 24, RTN_UNICAST, RTPROT_STATIC);
	put_gw(nlh, AF_INET, "172.16.0.1");
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	o = parsed(nlh);
	CU_ASSERT_EQUAL(o.cause, RTNL_FOREIGN_INTERFACE);
	CU_ASSERT_TRUE(o.has_prefix);
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "10.9.0.0", 24, RTN_UNICAST, HP_RTPROT_HOTPATH);
	put_gw(nlh, AF_INET, "10.0.0.2");
	mnl_attr_put_u32(nlh, RTA_OIF, 7);
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_OTHER_PROTOCOL);
	/* another table */
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "10.9.0.0", 24, RTN_UNICAST, RTPROT_STATIC);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_table = 10;
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_OTHER_TABLE);
}

static void
test_malformed(void)
{
	struct nlmsghdr *nlh;
	struct rtnl_route o;
	struct rtnl_link l;

	view_setup(NULL);
	/* a truncated attribute: its length runs past the message */
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "198.51.100.0", 24, RTN_UNICAST, RTPROT_STATIC);
	put_gw(nlh, AF_INET, "10.0.1.2");
	nlh->nlmsg_len -= 2;
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_INVALID);
	/* a destination of the wrong length, a prefix length too long */
	nlh = route_msg(RTM_NEWROUTE, AF_INET, NULL, 24, RTN_UNICAST, RTPROT_STATIC);
	mnl_attr_put_u16(nlh, RTA_DST, 1);
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_INVALID);
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "198.51.100.0", 33, RTN_UNICAST, RTPROT_STATIC);
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_INVALID);
	nlh = route_msg(RTM_NEWROUTE, AF_INET, "198.51.100.0", 24, RTN_UNICAST, RTPROT_STATIC);
	mnl_attr_put_u16(nlh, RTA_OIF, 7); /* not a u32 */
	CU_ASSERT_EQUAL(parsed(nlh).cause, RTNL_INVALID);
	/* a message too short for its header, another message type */
	nlh = route_msg(RTM_NEWROUTE, AF_INET, NULL, 0, RTN_UNICAST, RTPROT_STATIC);
	nlh->nlmsg_len = sizeof(*nlh) + 4;
	CU_ASSERT_EQUAL(rtnl_parse_route(nlh, &view, &o), -EINVAL);
	CU_ASSERT_EQUAL(o.cause, RTNL_INVALID);
	nlh = route_msg(RTM_NEWADDR, AF_INET, NULL, 0, RTN_UNICAST, RTPROT_STATIC);
	CU_ASSERT_EQUAL(rtnl_parse_route(nlh, &view, &o), -EINVAL);
	/* links */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	{
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

		ifi->ifi_index = 42;
		ifi->ifi_flags = IFF_UP;
	}
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "hp-p0");
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	CU_ASSERT_EQUAL(rtnl_parse_link(nlh, &l), 0);
	CU_ASSERT_EQUAL(l.ifindex, 42);
	CU_ASSERT_STRING_EQUAL(l.name, "hp-p0");
	CU_ASSERT_TRUE(l.flags & IFF_UP);
	CU_ASSERT_FALSE(l.del);
	nlh->nlmsg_type = RTM_DELLINK;
	CU_ASSERT_EQUAL(rtnl_parse_link(nlh, &l), 0);
	CU_ASSERT_TRUE(l.del);
	nlh->nlmsg_len = sizeof(*nlh);
	CU_ASSERT_EQUAL(rtnl_parse_link(nlh, &l), -EINVAL);
	/* names */
	CU_ASSERT_STRING_EQUAL(rtnl_cause_name(RTNL_FOREIGN_INTERFACE), "foreign_interface");
	CU_ASSERT_STRING_EQUAL(rtnl_cause_name(RTNL_TABLE_FULL), "table_full");
	CU_ASSERT_STRING_EQUAL(rtnl_cause_name(RTNL_N_CAUSES), "?");
	{
		char n[16];

		CU_ASSERT_TRUE(rtnl_port_ifname(&vcfg.ports[0], false, n, sizeof(n)));
		CU_ASSERT_STRING_EQUAL(n, "hp-p0");
		CU_ASSERT_FALSE(rtnl_port_ifname(&vcfg.ports[0], true, n, sizeof(n))); /* net_null: none */
	}
	hp_config_free(&vcfg);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"config", test_config}, {"unicast", test_unicast},     {"multipath", test_multipath},
		{"skips", test_skips},   {"malformed", test_malformed},
	};

	return HP_CUNIT_RUN("rtnl", tests);
}
