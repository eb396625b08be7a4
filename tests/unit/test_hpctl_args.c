/* Unit tests of hpctl_parse: every command form -> its exact request, every usage error -> a message naming the word. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include <jansson.h>

#include "../cunit_run.h"
#include "commands.h"
#include "hpctl_args.h"

#define MAX_WORDS 32

/* line split on single spaces; "" is no words at all */
static int
parse_line(struct hpctl_req *r, const char *line, char *buf, size_t size)
{
	char *words[MAX_WORDS], *save, *w;
	int n = 0;

	snprintf(buf, size, "%s", line);
	for (w = strtok_r(buf, " ", &save); w != NULL && n < MAX_WORDS; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	return hpctl_parse(r, n, words);
}

/* {"cmd":..,"args":..} of a parsed line, compared as JSON with the expected text. */
static bool
same_request(const struct hpctl_req *r, const char *line, const char *want)
{
	json_error_t jerr;
	json_t *exp = json_loads(want, 0, &jerr);
	json_t *got;
	bool same;
	char *s;

	if (exp == NULL) {
		fprintf(stderr, "\n  bad expected JSON for '%s': %s\n", line, jerr.text);
		return false;
	}
	got = json_pack("{s:s, s:O}", "cmd", r->cmd ? r->cmd : "(none)", "args",
			r->args ? r->args : json_null());
	same = got != NULL && json_equal(got, exp);
	if (!same) {
		s = json_dumps(got, JSON_COMPACT);
		fprintf(stderr, "\n  '%s': got %s, want %s\n", line, s ? s : "(null)", want);
		free(s);
	}
	json_decref(got);
	json_decref(exp);
	return same;
}

struct good {
	const char *line;
	const char *request; /* {"cmd","args"} */
};

/* Every line parses, is no help request, and gives exactly the request. */
static void
check_good(const struct good *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct hpctl_req r;
		char buf[512];
		int rc = parse_line(&r, t[i].line, buf, sizeof(buf));

		if (rc != 0)
			fprintf(stderr, "\n  '%s': %s\n", t[i].line, r.err);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_FALSE(r.help);
		CU_ASSERT(rc == 0 && same_request(&r, t[i].line, t[i].request));
		hpctl_req_free(&r);
	}
}

struct bad {
	const char *line;
	const char *object; /* r.object after the error: whose usage is printed; NULL = all */
	const char *msg;    /* exact r.err */
};

static void
check_bad(const struct bad *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct hpctl_req r;
		char buf[512];
		int rc = parse_line(&r, t[i].line, buf, sizeof(buf));
		bool same_obj = t[i].object == NULL ? r.object == NULL
						    : r.object != NULL && strcmp(r.object, t[i].object) == 0;

		if (rc != -EINVAL || strcmp(r.err, t[i].msg) != 0 || !same_obj)
			fprintf(stderr, "\n  '%s': rc %d, err '%s' (want '%s'), object %s\n", t[i].line, rc,
				r.err, t[i].msg, r.object ? r.object : "NULL");
		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT_STRING_EQUAL(r.err, t[i].msg);
		CU_ASSERT(same_obj);
		hpctl_req_free(&r);
	}
}

#define CHECK_GOOD(t) check_good((t), sizeof(t) / sizeof((t)[0]))
#define CHECK_BAD(t) check_bad((t), sizeof(t) / sizeof((t)[0]))

static void
test_show(void)
{
	static const struct good t[] = {
		{"status", "{\"cmd\":\"status\",\"args\":{}}"},
		{"stats", "{\"cmd\":\"stats\",\"args\":{}}"},
		{"latency", "{\"cmd\":\"latency.show\",\"args\":{}}"},
		{"latency show", "{\"cmd\":\"latency.show\",\"args\":{}}"},
		{"latency reset", "{\"cmd\":\"latency.reset\",\"args\":{}}"},
		{"latency --reset", "{\"cmd\":\"latency.reset\",\"args\":{}}"},
		{"port", "{\"cmd\":\"port.show\",\"args\":{}}"},
		{"port show", "{\"cmd\":\"port.show\",\"args\":{}}"},
		{"port stats", "{\"cmd\":\"port.stats\",\"args\":{}}"},
		{"port stats p0", "{\"cmd\":\"port.stats\",\"args\":{\"name\":\"p0\"}}"},
		{"worker", "{\"cmd\":\"worker.show\",\"args\":{}}"},
		{"worker show", "{\"cmd\":\"worker.show\",\"args\":{}}"},
		{"linux", "{\"cmd\":\"linux.show\",\"args\":{}}"},
		{"linux show", "{\"cmd\":\"linux.show\",\"args\":{}}"},
	};

	CHECK_GOOD(t);
}

static void
test_route(void)
{
	static const struct good t[] = {
		{"route", "{\"cmd\":\"route.show\",\"args\":{}}"},
		{"route show", "{\"cmd\":\"route.show\",\"args\":{}}"},
		{"route show 4", "{\"cmd\":\"route.show\",\"args\":{\"family\":4}}"},
		{"route show 6", "{\"cmd\":\"route.show\",\"args\":{\"family\":6}}"},
		{"route show origin linux", "{\"cmd\":\"route.show\",\"args\":{\"origin\":\"linux\"}}"},
		{"route show origin config 6",
		 "{\"cmd\":\"route.show\",\"args\":{\"origin\":\"config\",\"family\":6}}"},
		{"route show 4 origin cli",
		 "{\"cmd\":\"route.show\",\"args\":{\"family\":4,\"origin\":\"cli\"}}"},
		{"route add 198.18.0.0/15 via 10.0.1.2",
		 "{\"cmd\":\"route.add\",\"args\":{\"prefix\":\"198.18.0.0/15\",\"via\":[\"10.0.1.2\"]}}"},
		{"route add 2001:db8::/32 via fe80::1 fe80::2 fe80::3",
		 "{\"cmd\":\"route.add\",\"args\":{\"prefix\":\"2001:db8::/32\","
		 "\"via\":[\"fe80::1\",\"fe80::2\",\"fe80::3\"]}}"},
		{"route add 10.0.0.0/8 via 10.0.1.2 via 10.0.1.3",
		 "{\"cmd\":\"route.add\",\"args\":{\"prefix\":\"10.0.0.0/8\",\"via\":[\"10.0.1.2\",\"10.0.1.3\"]}}"},
		/* values go to the server as typed: it validates them */
		{"route add not-a-prefix via x",
		 "{\"cmd\":\"route.add\",\"args\":{\"prefix\":\"not-a-prefix\",\"via\":[\"x\"]}}"},
		{"route add 203.0.113.0/24 drop",
		 "{\"cmd\":\"route.add\",\"args\":{\"prefix\":\"203.0.113.0/24\",\"action\":\"drop\"}}"},
		{"route del 198.18.0.0/15",
		 "{\"cmd\":\"route.del\",\"args\":{\"prefix\":\"198.18.0.0/15\"}}"},
	};

	CHECK_GOOD(t);
}

static void
test_neigh(void)
{
	static const struct good t[] = {
		{"neigh", "{\"cmd\":\"neigh.show\",\"args\":{}}"},
		{"neigh show", "{\"cmd\":\"neigh.show\",\"args\":{}}"},
		{"neigh add 10.0.1.2 02:00:00:00:01:02 p1",
		 "{\"cmd\":\"neigh.add\",\"args\":{\"ip\":\"10.0.1.2\",\"mac\":\"02:00:00:00:01:02\",\"port\":\"p1\"}}"},
		{"neigh add 10.0.1.2 lladdr 02:00:00:00:01:02 dev p1",
		 "{\"cmd\":\"neigh.add\",\"args\":{\"ip\":\"10.0.1.2\",\"mac\":\"02:00:00:00:01:02\",\"port\":\"p1\"}}"},
		{"neigh add 2001:db8::2 dev p1 lladdr 02:00:00:00:01:02",
		 "{\"cmd\":\"neigh.add\",\"args\":{\"ip\":\"2001:db8::2\",\"mac\":\"02:00:00:00:01:02\",\"port\":\"p1\"}}"},
		{"neigh add 10.0.1.2 02:00:00:00:01:02 dev p1",
		 "{\"cmd\":\"neigh.add\",\"args\":{\"ip\":\"10.0.1.2\",\"mac\":\"02:00:00:00:01:02\",\"port\":\"p1\"}}"},
		{"neigh del 10.0.1.2", "{\"cmd\":\"neigh.del\",\"args\":{\"ip\":\"10.0.1.2\"}}"},
		{"neigh del 10.0.1.2 p1",
		 "{\"cmd\":\"neigh.del\",\"args\":{\"ip\":\"10.0.1.2\",\"port\":\"p1\"}}"},
		{"neigh del 10.0.1.2 dev p1",
		 "{\"cmd\":\"neigh.del\",\"args\":{\"ip\":\"10.0.1.2\",\"port\":\"p1\"}}"},
	};

	CHECK_GOOD(t);
}

static void
test_acl(void)
{
	static const struct good t[] = {
		{"acl", "{\"cmd\":\"acl.show\",\"args\":{}}"},
		{"acl show", "{\"cmd\":\"acl.show\",\"args\":{}}"},
		{"acl add prio 100 src 10.0.0.0/8 proto udp dport 5000-5010 action deny",
		 "{\"cmd\":\"acl.add\",\"args\":{\"priority\":100,\"src\":\"10.0.0.0/8\",\"proto\":\"udp\","
		 "\"dport\":\"5000-5010\",\"action\":\"deny\"}}"},
		{"acl add action police gold priority 7 dst 2001:db8::/32 sport 53 proto 17",
		 "{\"cmd\":\"acl.add\",\"args\":{\"priority\":7,\"dst\":\"2001:db8::/32\",\"sport\":\"53\","
		 "\"proto\":17,\"action\":\"police gold\"}}"},
		{"acl add action permit", "{\"cmd\":\"acl.add\",\"args\":{\"action\":\"permit\"}}"},
		{"acl add prio 10 state established,related action permit",
		 "{\"cmd\":\"acl.add\",\"args\":{\"priority\":10,\"state\":[\"established\",\"related\"],"
		 "\"action\":\"permit\"}}"},
		{"acl add state new action deny",
		 "{\"cmd\":\"acl.add\",\"args\":{\"state\":[\"new\"],\"action\":\"deny\"}}"},
		{"acl add proto icmpv6 action count",
		 "{\"cmd\":\"acl.add\",\"args\":{\"proto\":\"icmpv6\",\"action\":\"count\"}}"},
		{"acl add prio 0 proto 0 action deny",
		 "{\"cmd\":\"acl.add\",\"args\":{\"priority\":0,\"proto\":0,\"action\":\"deny\"}}"},
		{"acl add prio 4294967295 proto 255 action deny",
		 "{\"cmd\":\"acl.add\",\"args\":{\"priority\":4294967295,\"proto\":255,\"action\":\"deny\"}}"},
		{"acl del 3", "{\"cmd\":\"acl.del\",\"args\":{\"index\":3}}"},
		{"acl del 0", "{\"cmd\":\"acl.del\",\"args\":{\"index\":0}}"},
	};

	CHECK_GOOD(t);
}

static void
test_policer(void)
{
	static const struct good t[] = {
		{"policer", "{\"cmd\":\"policer.show\",\"args\":{}}"},
		{"policer show", "{\"cmd\":\"policer.show\",\"args\":{}}"},
		{"policer add gold type trtcm cir 1M cbs 2k pir 2M pbs 4k",
		 "{\"cmd\":\"policer.add\",\"args\":{\"name\":\"gold\",\"type\":\"trtcm\",\"cir\":\"1M\","
		 "\"cbs\":\"2k\",\"pir\":\"2M\",\"pbs\":\"4k\"}}"},
		{"policer add s cbs 1500 ebs 3000 cir 10G type srtcm",
		 "{\"cmd\":\"policer.add\",\"args\":{\"name\":\"s\",\"type\":\"srtcm\",\"cir\":\"10G\","
		 "\"cbs\":\"1500\",\"ebs\":\"3000\"}}"},
		{"policer del gold", "{\"cmd\":\"policer.del\",\"args\":{\"name\":\"gold\"}}"},
	};

	CHECK_GOOD(t);
}

/* lb: the VIP as VIP[:PORT]/PROTO (IPv6 with a port in brackets), vip add as the config's lb: entry. */
static void
test_lb(void)
{
	static const struct good t[] = {
		{"lb", "{\"cmd\":\"lb.show\",\"args\":{}}"},
		{"lb show", "{\"cmd\":\"lb.show\",\"args\":{}}"},
		{"lb stats", "{\"cmd\":\"lb.stats\",\"args\":{}}"},
		{"lb vip add 192.0.2.10:80/tcp encap gue gue_port 6080 no_src_port backends 10.0.1.20@100,10.0.1.22@0",
		 "{\"cmd\":\"lb.vip.add\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"tcp\",\"port\":80,"
		 "\"encap\":\"gue\",\"gue_port\":6080,\"flags\":[\"no_src_port\"],"
		 "\"backends\":[{\"ip\":\"10.0.1.20\",\"weight\":100},{\"ip\":\"10.0.1.22\",\"weight\":0}]}}"},
		/* no port: every port; no @WEIGHT: the daemon's default weight */
		{"lb vip add 192.0.2.10/udp backends 10.0.1.20",
		 "{\"cmd\":\"lb.vip.add\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"udp\","
		 "\"backends\":[{\"ip\":\"10.0.1.20\"}]}}"},
		{"lb vip add [2001:db8::10]:443/tcp encap ipip backends 2001:db8:1::20@65535,10.0.1.20",
		 "{\"cmd\":\"lb.vip.add\",\"args\":{\"vip\":\"2001:db8::10\",\"proto\":\"tcp\",\"port\":443,"
		 "\"encap\":\"ipip\",\"backends\":[{\"ip\":\"2001:db8:1::20\",\"weight\":65535},{\"ip\":\"10.0.1.20\"}]}}"},
		{"lb vip add 2001:db8::10/tcp backends 2001:db8:1::20@1",
		 "{\"cmd\":\"lb.vip.add\",\"args\":{\"vip\":\"2001:db8::10\",\"proto\":\"tcp\","
		 "\"backends\":[{\"ip\":\"2001:db8:1::20\",\"weight\":1}]}}"},
		{"lb vip add [2001:db8::10]/udp backends 2001:db8:1::20",
		 "{\"cmd\":\"lb.vip.add\",\"args\":{\"vip\":\"2001:db8::10\",\"proto\":\"udp\","
		 "\"backends\":[{\"ip\":\"2001:db8:1::20\"}]}}"},
		/* the keywords in any order */
		{"lb vip add 192.0.2.10:53/udp backends 10.0.1.20 no_src_port gue_port 1 encap gue",
		 "{\"cmd\":\"lb.vip.add\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"udp\",\"port\":53,"
		 "\"encap\":\"gue\",\"gue_port\":1,\"flags\":[\"no_src_port\"],\"backends\":[{\"ip\":\"10.0.1.20\"}]}}"},
		{"lb vip add 192.0.2.10:65535/tcp encap gue gue_port 65535 backends 10.0.1.20",
		 "{\"cmd\":\"lb.vip.add\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"tcp\",\"port\":65535,"
		 "\"encap\":\"gue\",\"gue_port\":65535,\"backends\":[{\"ip\":\"10.0.1.20\"}]}}"},
		{"lb vip add 192.0.2.10:1/tcp encap gue backends 10.0.1.20",
		 "{\"cmd\":\"lb.vip.add\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"tcp\",\"port\":1,"
		 "\"encap\":\"gue\",\"backends\":[{\"ip\":\"10.0.1.20\"}]}}"},
		{"lb vip del 192.0.2.10:80/tcp",
		 "{\"cmd\":\"lb.vip.del\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"tcp\",\"port\":80}}"},
		{"lb vip del 192.0.2.10/udp",
		 "{\"cmd\":\"lb.vip.del\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"udp\"}}"},
		{"lb vip del 2001:db8::10/udp",
		 "{\"cmd\":\"lb.vip.del\",\"args\":{\"vip\":\"2001:db8::10\",\"proto\":\"udp\"}}"},
		{"lb vip del [2001:db8::10]:443/tcp",
		 "{\"cmd\":\"lb.vip.del\",\"args\":{\"vip\":\"2001:db8::10\",\"proto\":\"tcp\",\"port\":443}}"},
		{"lb backend add 192.0.2.10:80/tcp 10.0.1.23",
		 "{\"cmd\":\"lb.backend.add\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"tcp\",\"port\":80,"
		 "\"ip\":\"10.0.1.23\"}}"},
		{"lb backend add 192.0.2.10:80/tcp 10.0.1.23 weight 50",
		 "{\"cmd\":\"lb.backend.add\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"tcp\",\"port\":80,"
		 "\"ip\":\"10.0.1.23\",\"weight\":50}}"},
		{"lb backend add [2001:db8::10]:443/tcp 2001:db8:1::23 weight 0",
		 "{\"cmd\":\"lb.backend.add\",\"args\":{\"vip\":\"2001:db8::10\",\"proto\":\"tcp\",\"port\":443,"
		 "\"ip\":\"2001:db8:1::23\",\"weight\":0}}"},
		{"lb backend del 192.0.2.10/udp 10.0.1.23",
		 "{\"cmd\":\"lb.backend.del\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"udp\",\"ip\":\"10.0.1.23\"}}"},
		{"lb backend set 192.0.2.10:80/tcp 10.0.1.20 weight 0",
		 "{\"cmd\":\"lb.backend.set\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"tcp\",\"port\":80,"
		 "\"ip\":\"10.0.1.20\",\"weight\":0}}"},
		{"lb backend set 192.0.2.10:80/tcp 10.0.1.20 state drain",
		 "{\"cmd\":\"lb.backend.set\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"tcp\",\"port\":80,"
		 "\"ip\":\"10.0.1.20\",\"state\":\"drain\"}}"},
		{"lb backend set 2001:db8::10/tcp 2001:db8:1::20 state up",
		 "{\"cmd\":\"lb.backend.set\",\"args\":{\"vip\":\"2001:db8::10\",\"proto\":\"tcp\","
		 "\"ip\":\"2001:db8:1::20\",\"state\":\"up\"}}"},
		{"lb backend set 192.0.2.10:80/tcp 10.0.1.20 state down weight 65535",
		 "{\"cmd\":\"lb.backend.set\",\"args\":{\"vip\":\"192.0.2.10\",\"proto\":\"tcp\",\"port\":80,"
		 "\"ip\":\"10.0.1.20\",\"state\":\"down\",\"weight\":65535}}"},
	};

	CHECK_GOOD(t);
}

/* Every malformed lb word is refused with a message naming it (the daemon is not asked). */
static void
test_lb_errors(void)
{
#define VA "lb vip add 192.0.2.10:80/tcp "
#define BS "192.0.2.10:80/tcp 10.0.1.20"
	static const struct bad t[] = {
		{"lb frob", "lb", "lb: unknown verb 'frob' (show, stats, vip, backend)"},
		{"lb show x", "lb", "lb show: unexpected 'x'"},
		{"lb stats x", "lb", "lb stats: unexpected 'x'"},
		{"lb vip", "lb", "lb: vip: missing add or del"},
		{"lb vip show", "lb", "lb: vip: unknown verb 'show' (add, del)"},
		{"lb backend", "lb", "lb: backend: missing add, del or set"},
		{"lb backend frob", "lb", "lb: backend: unknown verb 'frob' (add, del, set)"},

		/* the VIP */
		{"lb vip add", "lb", "lb vip add: missing VIP[:PORT]/PROTO"},
		{"lb vip add 192.0.2.10:80 backends 10.0.1.20", "lb",
		 "lb vip add: VIP: missing /PROTO in '192.0.2.10:80' (VIP[:PORT]/PROTO, PROTO tcp or udp)"},
		{"lb vip add 192.0.2.10:80/sctp backends 10.0.1.20", "lb",
		 "lb vip add: VIP: proto 'sctp' is neither tcp nor udp"},
		{"lb vip add 192.0.2.10:80/TCP backends 10.0.1.20", "lb",
		 "lb vip add: VIP: proto 'TCP' is neither tcp nor udp"},
		{"lb vip add 192.0.2.10:80/ backends 10.0.1.20", "lb",
		 "lb vip add: VIP: proto '' is neither tcp nor udp"},
		{"lb vip add 192.0.2.300:80/tcp", "lb",
		 "lb vip add: VIP: '192.0.2.300' is not an IPv4 or IPv6 address"},
		{"lb vip add 192.0.2.10/24/tcp", "lb",
		 "lb vip add: VIP: '192.0.2.10/24' is not an IPv4 or IPv6 address"},
		{"lb vip add vip.example:80/tcp", "lb",
		 "lb vip add: VIP: 'vip.example' is not an IPv4 or IPv6 address"},
		{"lb vip add /tcp", "lb", "lb vip add: VIP: missing the address"},
		{"lb vip add :80/tcp", "lb", "lb vip add: VIP: missing the address"},
		{"lb vip add 192.0.2.10:0/tcp", "lb",
		 "lb vip add: VIP: port '0' is not a number from 1 to 65535"},
		{"lb vip add 192.0.2.10:65536/tcp", "lb",
		 "lb vip add: VIP: port '65536' is not a number from 1 to 65535"},
		{"lb vip add 192.0.2.10:/tcp", "lb",
		 "lb vip add: VIP: port '' is not a number from 1 to 65535"},
		{"lb vip add 192.0.2.10:080/tcp", "lb",
		 "lb vip add: VIP: port '080' is not a number from 1 to 65535"},
		{"lb vip add 192.0.2.10:http/tcp", "lb",
		 "lb vip add: VIP: port 'http' is not a number from 1 to 65535"},
		{"lb vip add 2001:db8::10:x/tcp", "lb",
		 "lb vip add: VIP: '2001:db8::10:x' is not an IPv4 or IPv6 address (an IPv6 VIP with a port is "
		 "[ADDR]:PORT)"},
		{"lb vip add [2001:db8::10:443/tcp", "lb",
		 "lb vip add: VIP: missing ']' in '[2001:db8::10:443'"},
		{"lb vip add [2001:db8::10]443/tcp", "lb", "lb vip add: VIP: unexpected '443' after ']'"},
		{"lb vip add [192.0.2.10]:80/tcp", "lb",
		 "lb vip add: VIP: '192.0.2.10' is not an IPv6 address (what brackets hold)"},
		{"lb vip add [2001:db8::10]:0/tcp", "lb",
		 "lb vip add: VIP: port '0' is not a number from 1 to 65535"},
		{"lb vip add [2001:db8::10]:/tcp", "lb",
		 "lb vip add: VIP: port '' is not a number from 1 to 65535"},

		/* vip add's keywords */
		{VA, "lb", "lb vip add: missing 'backends IP[@WEIGHT][,IP[@WEIGHT]...]'"},
		{VA "encap gue no_src_port", "lb",
		 "lb vip add: missing 'backends IP[@WEIGHT][,IP[@WEIGHT]...]'"},
		{VA "color red", "lb",
		 "lb vip add: unknown keyword 'color' (encap, gue_port, no_src_port, backends)"},
		{VA "encap gre backends 10.0.1.20", "lb", "lb vip add: unknown encap 'gre' (ipip, gue)"},
		{VA "encap", "lb", "lb vip add: encap: missing ipip or gue"},
		{VA "encap gue encap gue backends 10.0.1.20", "lb", "lb vip add: 'encap' given twice"},
		{VA "gue_port 6080 backends 10.0.1.20", "lb", "lb vip add: gue_port: only with encap gue"},
		{VA "encap ipip gue_port 6080 backends 10.0.1.20", "lb",
		 "lb vip add: gue_port: only with encap gue"},
		{VA "encap gue gue_port 0 backends 10.0.1.20", "lb",
		 "lb vip add: gue_port: '0' is not a port from 1 to 65535"},
		{VA "encap gue gue_port 65536 backends 10.0.1.20", "lb",
		 "lb vip add: gue_port: '65536' is not a port from 1 to 65535"},
		{VA "encap gue gue_port", "lb", "lb vip add: gue_port: missing N"},
		{VA "gue_port 1 gue_port 2", "lb", "lb vip add: 'gue_port' given twice"},
		{VA "no_src_port no_src_port backends 10.0.1.20", "lb",
		 "lb vip add: 'no_src_port' given twice"},
		{VA "backends", "lb", "lb vip add: backends: missing IP"},
		{VA "backends 10.0.1.20 backends 10.0.1.21", "lb", "lb vip add: 'backends' given twice"},
		{VA "backends 10.0.1.20,,10.0.1.21", "lb",
		 "lb vip add: backends: empty entry in '10.0.1.20,,10.0.1.21'"},
		{VA "backends 10.0.1.20,", "lb", "lb vip add: backends: empty entry in '10.0.1.20,'"},
		{VA "backends ,10.0.1.20", "lb", "lb vip add: backends: empty entry in ',10.0.1.20'"},
		{VA "backends 10.0.1.256", "lb",
		 "lb vip add: backends: '10.0.1.256' is not an IPv4 or IPv6 address"},
		{VA "backends 10.0.1.20,backend1", "lb",
		 "lb vip add: backends: 'backend1' is not an IPv4 or IPv6 address"},
		{VA "backends @5", "lb", "lb vip add: backends: '' is not an IPv4 or IPv6 address"},
		{VA "backends [2001:db8::20]@5", "lb",
		 "lb vip add: backends: '[2001:db8::20]' is not an IPv4 or IPv6 address"},
		{VA "backends 10.0.1.20@", "lb",
		 "lb vip add: backends: 10.0.1.20: weight '' is not a number from 0 to 65535"},
		{VA "backends 10.0.1.20@65536", "lb",
		 "lb vip add: backends: 10.0.1.20: weight '65536' is not a number from 0 to 65535"},
		{VA "backends 10.0.1.21,10.0.1.20@-1", "lb",
		 "lb vip add: backends: 10.0.1.20: weight '-1' is not a number from 0 to 65535"},
		{VA "backends 2001:db8::20@1@2", "lb",
		 "lb vip add: backends: 2001:db8::20: weight '1@2' is not a number from 0 to 65535"},

		{"lb vip del", "lb", "lb vip del: missing VIP[:PORT]/PROTO"},
		{"lb vip del 192.0.2.10:80/tcp x", "lb", "lb vip del: unexpected 'x'"},
		{"lb vip del 192.0.2.10:99999/tcp", "lb",
		 "lb vip del: VIP: port '99999' is not a number from 1 to 65535"},
		{"lb vip del 192.0.2.10", "lb",
		 "lb vip del: VIP: missing /PROTO in '192.0.2.10' (VIP[:PORT]/PROTO, PROTO tcp or udp)"},

		/* backends */
		{"lb backend add", "lb", "lb backend add: missing VIP[:PORT]/PROTO"},
		{"lb backend add 192.0.2.10:80/tcp", "lb", "lb backend add: missing IP"},
		{"lb backend add 192.0.2.10:80/icmp 10.0.1.20", "lb",
		 "lb backend add: VIP: proto 'icmp' is neither tcp nor udp"},
		{"lb backend add 192.0.2.10:80/tcp 10.0.1.300", "lb",
		 "lb backend add: IP: '10.0.1.300' is not an IPv4 or IPv6 address"},
		{"lb backend add 192.0.2.10:80/tcp 10.0.1.20@5", "lb",
		 "lb backend add: IP: '10.0.1.20@5' is not an IPv4 or IPv6 address"},
		{"lb backend add " BS " weight", "lb", "lb backend add: weight: missing N"},
		{"lb backend add " BS " weight 65536", "lb",
		 "lb backend add: weight: '65536' is not a number from 0 to 65535"},
		{"lb backend add " BS " weight -1", "lb",
		 "lb backend add: weight: '-1' is not a number from 0 to 65535"},
		{"lb backend add " BS " weight 1 weight 2", "lb", "lb backend add: 'weight' given twice"},
		{"lb backend add " BS " state down", "lb",
		 "lb backend add: unknown keyword 'state' (weight)"},
		{"lb backend del 192.0.2.10:80/tcp", "lb", "lb backend del: missing IP"},
		{"lb backend del " BS " weight 1", "lb", "lb backend del: unexpected 'weight'"},
		{"lb backend del " BS " 10.0.1.21", "lb", "lb backend del: unexpected '10.0.1.21'"},
		{"lb backend set " BS, "lb",
		 "lb backend set: missing 'weight N' or 'state {up | down | drain}'"},
		{"lb backend set " BS " state", "lb", "lb backend set: state: missing up, down or drain"},
		{"lb backend set " BS " state off", "lb",
		 "lb backend set: unknown state 'off' (up, down, drain)"},
		{"lb backend set " BS " state up state down", "lb", "lb backend set: 'state' given twice"},
		{"lb backend set " BS " weight x", "lb",
		 "lb backend set: weight: 'x' is not a number from 0 to 65535"},
		{"lb backend set " BS " color red", "lb",
		 "lb backend set: unknown keyword 'color' (weight, state)"},
		{"lb backend set 198.51.100.1.2/tcp 10.0.1.20 state up", "lb",
		 "lb backend set: VIP: '198.51.100.1.2' is not an IPv4 or IPv6 address"},

		/* only show and stats can be watched */
		{VA "backends 10.0.1.20 --watch 1", "lb",
		 "lb vip add: --watch: only commands that show something can be watched"},
		{"--watch 1 lb backend set " BS " state drain", "lb",
		 "lb backend set: --watch: only commands that show something can be watched"},
	};
#undef VA
#undef BS

	CHECK_BAD(t);
}

/* route load FILE: the file resolved; each of its lines in route add's words. */
static void
test_route_load(void)
{
	static const struct {
		const char *line;
		int rc;
		const char *route; /* JSON, or the error */
	} lines[] = {
		{"10.0.0.0/8 via 10.0.1.2\n", 1, "{\"prefix\":\"10.0.0.0/8\",\"via\":[\"10.0.1.2\"]}"},
		{"  198.18.0.0/15\tvia 10.0.1.2 10.0.1.3 # ECMP\n", 1,
		 "{\"prefix\":\"198.18.0.0/15\",\"via\":[\"10.0.1.2\",\"10.0.1.3\"]}"},
		{"203.0.113.0/24 drop\r\n", 1, "{\"prefix\":\"203.0.113.0/24\",\"action\":\"drop\"}"},
		{"\n", 0, NULL},
		{"   # a comment\n", 0, NULL},
		{"10.0.0.0/8\n", -EINVAL, "missing 'via ADDR' or 'drop'"},
		{"10.0.0.0/8 via\n", -EINVAL, "via: missing ADDR"},
		{"10.0.0.0/8 through 10.0.1.2\n", -EINVAL, "unknown keyword 'through' (via, drop)"},
		{"10.0.0.0/8 drop now\n", -EINVAL, "unexpected 'now'"},
		{"10.0.0.0/8 via 10.0.1.2 drop\n", -EINVAL, "'via' and 'drop' exclude each other"},
	};
	struct hpctl_req r;
	char buf[512], err[256], line[128];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		json_t *route = NULL, *want;
		int rc;

		snprintf(line, sizeof(line), "%s", lines[i].line);
		rc = hpctl_route_line(line, &route, err, sizeof(err));
		CU_ASSERT_EQUAL(rc, lines[i].rc);
		if (rc == 1) {
			want = json_loads(lines[i].route, 0, NULL);
			CU_ASSERT(json_equal(route, want));
			json_decref(want);
		} else if (rc < 0) {
			CU_ASSERT_STRING_EQUAL(err, lines[i].route);
			CU_ASSERT_PTR_NULL(route);
		}
		json_decref(route);
	}
	CU_ASSERT_EQUAL_FATAL(parse_line(&r, "route load /dev/null", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(r.cmd, "route.add");
	CU_ASSERT_STRING_EQUAL(r.load, "/dev/null");
	hpctl_req_free(&r);
	CU_ASSERT_PTR_NULL(r.load);
	CU_ASSERT_EQUAL(parse_line(&r, "route load", buf, sizeof(buf)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(r.err, "route load: missing FILE");
	hpctl_req_free(&r);
	CU_ASSERT_EQUAL(parse_line(&r, "route load /nonexistent/routes.txt", buf, sizeof(buf)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(r.err, "route load: /nonexistent/routes.txt: No such file or directory");
	hpctl_req_free(&r);
}

static void
test_xdp(void)
{
	static const struct good t[] = {
		{"xdp", "{\"cmd\":\"xdp.show\",\"args\":{}}"},
		{"xdp show", "{\"cmd\":\"xdp.show\",\"args\":{}}"},
		{"xdp block", "{\"cmd\":\"xdp.block.show\",\"args\":{}}"},
		{"xdp block show", "{\"cmd\":\"xdp.block.show\",\"args\":{}}"},
		{"xdp block dev eth1", "{\"cmd\":\"xdp.block.show\",\"args\":{\"iface\":\"eth1\"}}"},
		{"xdp block show dev eth1", "{\"cmd\":\"xdp.block.show\",\"args\":{\"iface\":\"eth1\"}}"},
		{"xdp block add 192.0.2.0/24",
		 "{\"cmd\":\"xdp.block.add\",\"args\":{\"prefix\":\"192.0.2.0/24\"}}"},
		{"xdp block add 2001:db8::/32 dev v0",
		 "{\"cmd\":\"xdp.block.add\",\"args\":{\"prefix\":\"2001:db8::/32\",\"iface\":\"v0\"}}"},
		{"xdp block del 192.0.2.0/24",
		 "{\"cmd\":\"xdp.block.del\",\"args\":{\"prefix\":\"192.0.2.0/24\"}}"},
		{"xdp pass add tcp/22", "{\"cmd\":\"xdp.pass.add\",\"args\":{\"class\":\"tcp/22\"}}"},
		{"xdp pass add tcp/sport/179 dev eth1",
		 "{\"cmd\":\"xdp.pass.add\",\"args\":{\"class\":\"tcp/sport/179\",\"iface\":\"eth1\"}}"},
		{"xdp pass add arp dev eth1",
		 "{\"cmd\":\"xdp.pass.add\",\"args\":{\"class\":\"arp\",\"iface\":\"eth1\"}}"},
		{"xdp pass del udp/5000-5010",
		 "{\"cmd\":\"xdp.pass.del\",\"args\":{\"class\":\"udp/5000-5010\"}}"},
	};

	CHECK_GOOD(t);
}

static void
test_log(void)
{
	static const struct good t[] = {
		{"log level debug", "{\"cmd\":\"log.level\",\"args\":{\"level\":\"debug\"}}"},
		{"log level info", "{\"cmd\":\"log.level\",\"args\":{\"level\":\"info\"}}"},
		{"log level notice", "{\"cmd\":\"log.level\",\"args\":{\"level\":\"notice\"}}"},
		{"log level warning", "{\"cmd\":\"log.level\",\"args\":{\"level\":\"warning\"}}"},
		{"log level error", "{\"cmd\":\"log.level\",\"args\":{\"level\":\"error\"}}"},
	};

	CHECK_GOOD(t);
}

static void
test_runtime(void)
{
	static const struct good t[] = {
		{"runtime", "{\"cmd\":\"runtime.show\",\"args\":{}}"},
		{"runtime show", "{\"cmd\":\"runtime.show\",\"args\":{}}"},
		{"runtime clear", "{\"cmd\":\"runtime.clear\",\"args\":{}}"},
		{"runtime on", "{\"cmd\":\"runtime.on\",\"args\":{}}"},
		{"runtime on every 1", "{\"cmd\":\"runtime.on\",\"args\":{\"sample_every\":1}}"},
		{"runtime on every 1000000", "{\"cmd\":\"runtime.on\",\"args\":{\"sample_every\":1000000}}"},
		{"runtime off", "{\"cmd\":\"runtime.off\",\"args\":{}}"},
	};

	CHECK_GOOD(t);
}

/* config apply sends realpath(FILE), whatever the current directory is. */
static void
test_config(void)
{
	static const struct good dump[] = {
		{"config dump", "{\"cmd\":\"config.dump\",\"args\":{}}"},
		{"config", "{\"cmd\":\"config.dump\",\"args\":{}}"},
		{"config show", "{\"cmd\":\"config.dump\",\"args\":{}}"},
	};
	char dir[] = "/tmp/hpctl-ut-XXXXXX", file[64], real[PATH_MAX], line[128], want[PATH_MAX + 64];
	char cwd[PATH_MAX], buf[512];
	struct hpctl_req r;
	FILE *f;

	CHECK_GOOD(dump);
	for (size_t i = 0; i < sizeof(dump) / sizeof(dump[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(parse_line(&r, dump[i].line, buf, sizeof(buf)), 0);
		CU_ASSERT_TRUE(r.yaml);
		hpctl_req_free(&r);
	}

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/a.yaml", dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f = fopen(file, "w"));
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(file, real));
	snprintf(want, sizeof(want), "{\"cmd\":\"config.apply\",\"args\":{\"file\":\"%s\"}}", real);

	snprintf(line, sizeof(line), "config apply %s", file);
	CU_ASSERT_EQUAL(parse_line(&r, line, buf, sizeof(buf)), 0);
	CU_ASSERT(same_request(&r, line, want));
	CU_ASSERT_FALSE(r.yaml);
	hpctl_req_free(&r);

	/* relative: the daemon gets the absolute path */
	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
	CU_ASSERT_EQUAL_FATAL(chdir(dir), 0);
	CU_ASSERT_EQUAL(parse_line(&r, "config apply a.yaml", buf, sizeof(buf)), 0);
	CU_ASSERT(same_request(&r, "config apply a.yaml", want));
	hpctl_req_free(&r);
	snprintf(line, sizeof(line), "config apply ../%s/./a.yaml", strrchr(dir, '/') + 1);
	CU_ASSERT_EQUAL(parse_line(&r, line, buf, sizeof(buf)), 0);
	CU_ASSERT(same_request(&r, line, want));
	hpctl_req_free(&r);

	/* a second word after FILE */
	CU_ASSERT_EQUAL(parse_line(&r, "config apply a.yaml b.yaml", buf, sizeof(buf)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(r.err, "config apply: unexpected 'b.yaml'");
	hpctl_req_free(&r);
	CU_ASSERT_EQUAL(chdir(cwd), 0);

	/* the file is gone: a usage error naming it */
	unlink(file);
	rmdir(dir);
	snprintf(line, sizeof(line), "config apply %s", file);
	CU_ASSERT_EQUAL(parse_line(&r, line, buf, sizeof(buf)), -EINVAL);
	snprintf(want, sizeof(want), "config apply: %s: No such file or directory", file);
	CU_ASSERT_STRING_EQUAL(r.err, want);
	hpctl_req_free(&r);
}

/* -s, -j, --watch before OBJECT; --watch after a command that shows. */
static void
test_options(void)
{
	static const struct {
		const char *line, *sock;
		bool json;
		unsigned watch;
		const char *cmd;
	} t[] = {
		{"status", NULL, false, 0, "status"},
		{"-s /tmp/x.sock status", "/tmp/x.sock", false, 0, "status"},
		{"-j route", NULL, true, 0, "route.show"},
		{"--json -s s port stats p0", "s", true, 0, "port.stats"},
		{"--watch 2 stats", NULL, false, 2, "stats"},
		{"stats --watch 1", NULL, false, 1, "stats"},
		{"-j latency --watch 86400", NULL, true, 86400, "latency.show"},
		{"route show --watch 3 6", NULL, false, 3, "route.show"},
		{"port stats --watch 5 p1", NULL, false, 5, "port.stats"},
		{"--watch 1 neigh", NULL, false, 1, "neigh.show"},
		{"acl show --watch 1", NULL, false, 1, "acl.show"},
		{"policer --watch 1", NULL, false, 1, "policer.show"},
		{"worker --watch 1", NULL, false, 1, "worker.show"},
		{"status --watch 1", NULL, false, 1, "status"},
		{"lb --watch 1", NULL, false, 1, "lb.show"},
		{"-j lb stats --watch 2", NULL, true, 2, "lb.stats"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct hpctl_req r;
		char buf[512];

		CU_ASSERT_EQUAL(parse_line(&r, t[i].line, buf, sizeof(buf)), 0);
		CU_ASSERT(t[i].sock == NULL ? r.sock == NULL : r.sock && strcmp(r.sock, t[i].sock) == 0);
		CU_ASSERT_EQUAL(r.json, t[i].json);
		CU_ASSERT_EQUAL(r.watch, t[i].watch);
		CU_ASSERT(r.cmd != NULL && strcmp(r.cmd, t[i].cmd) == 0);
		CU_ASSERT_FALSE(r.help);
		CU_ASSERT_FALSE(r.yaml);
		hpctl_req_free(&r);
	}
	/* --watch is not an argument: the request is the same */
	static const struct good same[] = {
		{"route show --watch 3 6", "{\"cmd\":\"route.show\",\"args\":{\"family\":6}}"},
		{"port stats --watch 5 p1", "{\"cmd\":\"port.stats\",\"args\":{\"name\":\"p1\"}}"},
	};
	CHECK_GOOD(same);
}

static void
test_help(void)
{
	static const struct {
		const char *line, *object;
	} t[] = {
		{"help", NULL},          {"-h", NULL},
		{"--help", NULL},        {"-j --help route", NULL},
		{"help route", "route"}, {"help bogus", "bogus"},
		{"route help", "route"}, {"status help", "status"},
		{"acl help", "acl"},     {"config help", "config"},
		{"log help", "log"},     {"lb help", "lb"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct hpctl_req r;
		char buf[512];

		CU_ASSERT_EQUAL(parse_line(&r, t[i].line, buf, sizeof(buf)), 0);
		CU_ASSERT_TRUE(r.help);
		CU_ASSERT_PTR_NULL(r.cmd);
		CU_ASSERT(t[i].object == NULL ? r.object == NULL
					      : r.object && strcmp(r.object, t[i].object) == 0);
		hpctl_req_free(&r);
	}
}

static void
test_errors(void)
{
	static const struct bad t[] = {
		{"", NULL, "missing OBJECT"},
		{"bogus", NULL, "unknown object 'bogus'"},
		{"-x status", NULL, "unknown option '-x'"},
		{"-s", NULL, "-s: missing SOCK"},
		{"-j", NULL, "missing OBJECT"},
		{"--watch", NULL, "--watch: missing N"},
		{"--watch x stats", NULL, "--watch: 'x' is not a number of seconds from 1 to 86400"},
		{"--watch 0 stats", NULL, "--watch: '0' is not a number of seconds from 1 to 86400"},
		{"--watch 86401 stats", NULL, "--watch: '86401' is not a number of seconds from 1 to 86400"},
		{"stats --watch", "stats", "stats: --watch: missing N"},
		{"stats --watch -1", "stats",
		 "stats: --watch: '-1' is not a number of seconds from 1 to 86400"},
		{"stats --watch 1.5", "stats",
		 "stats: --watch: '1.5' is not a number of seconds from 1 to 86400"},
		{"status extra", "status", "status: unexpected 'extra'"},
		{"stats show", "stats", "stats: unexpected 'show'"},
		{"latency frob", "latency", "latency: unknown verb 'frob' (show, reset)"},
		{"latency show x", "latency", "latency show: unexpected 'x'"},
		{"latency reset now", "latency", "latency reset: unexpected 'now'"},
		{"port frob", "port", "port: unknown verb 'frob' (show, stats)"},
		{"port show p0", "port", "port show: unexpected 'p0'"},
		{"port stats p0 p1", "port", "port stats: unexpected 'p1'"},
		{"worker frob", "worker", "worker: unknown verb 'frob' (show)"},
		{"worker show 1", "worker", "worker show: unexpected '1'"},
		{"linux frob", "linux", "linux: unknown verb 'frob' (show)"},

		{"route frob", "route", "route: unknown verb 'frob' (add, del, load, show)"},
		{"route add", "route", "route add: missing PREFIX"},
		{"route add 10.0.0.0/8", "route", "route add: missing 'via ADDR' or 'drop'"},
		{"route add 10.0.0.0/8 via", "route", "route add: via: missing ADDR"},
		{"route add 10.0.0.0/8 to 10.0.1.2", "route", "route add: unknown keyword 'to' (via, drop)"},
		{"route add 10.0.0.0/8 drop now", "route", "route add: unexpected 'now'"},
		{"route add 10.0.0.0/8 via 10.0.1.2 drop", "route",
		 "route add: 'via' and 'drop' exclude each other"},
		{"route del", "route", "route del: missing PREFIX"},
		{"route del 10.0.0.0/8 10.0.1.2", "route", "route del: unexpected '10.0.1.2'"},
		{"route show 5", "route", "route show: family must be 4 or 6, not '5' (or: origin ORIGIN)"},
		{"route show inet", "route",
		 "route show: family must be 4 or 6, not 'inet' (or: origin ORIGIN)"},
		{"route show 4 6", "route", "route show: unexpected '6'"},
		{"route show origin", "route", "route show: missing ORIGIN"},
		{"route show origin kernel", "route",
		 "route show: origin must be config, cli or linux, not 'kernel'"},
		{"route show origin cli origin linux", "route", "route show: unexpected 'origin'"},
		{"route show origin linux 4 6", "route", "route show: unexpected '6'"},

		{"neigh frob", "neigh", "neigh: unknown verb 'frob' (add, del, show)"},
		{"neigh show x", "neigh", "neigh show: unexpected 'x'"},
		{"neigh add", "neigh", "neigh add: missing IP"},
		{"neigh add 10.0.1.2", "neigh", "neigh add: missing MAC"},
		{"neigh add 10.0.1.2 02:00:00:00:01:02", "neigh", "neigh add: missing PORT"},
		{"neigh add 10.0.1.2 dev p1", "neigh", "neigh add: missing MAC"},
		{"neigh add 10.0.1.2 02:00:00:00:01:02 p1 p2", "neigh", "neigh add: unexpected 'p2'"},
		{"neigh add 10.0.1.2 lladdr", "neigh", "neigh add: lladdr: missing MAC"},
		{"neigh add 10.0.1.2 02:00:00:00:01:02 dev", "neigh", "neigh add: dev: missing PORT"},
		{"neigh add 10.0.1.2 lladdr a lladdr b dev p1", "neigh", "neigh add: MAC given twice"},
		{"neigh add 10.0.1.2 a dev p1 dev p2", "neigh", "neigh add: PORT given twice"},
		{"neigh del", "neigh", "neigh del: missing IP"},
		{"neigh del 10.0.1.2 dev", "neigh", "neigh del: dev: missing PORT"},
		{"neigh del 10.0.1.2 p1 p2", "neigh", "neigh del: unexpected 'p2'"},

		{"acl frob", "acl", "acl: unknown verb 'frob' (add, del, show)"},
		{"acl show 1", "acl", "acl show: unexpected '1'"},
		{"acl add", "acl", "acl add: missing 'action A'"},
		{"acl add prio 5 src 10.0.0.0/8", "acl", "acl add: missing 'action A'"},
		{"acl add prio", "acl", "acl add: prio: missing value"},
		{"acl add action deny src", "acl", "acl add: src: missing value"},
		{"acl add prio x action deny", "acl",
		 "acl add: prio: 'x' is not a number from 0 to 4294967295"},
		{"acl add priority -1 action deny", "acl",
		 "acl add: priority: '-1' is not a number from 0 to 4294967295"},
		{"acl add prio 4294967296 action deny", "acl",
		 "acl add: prio: '4294967296' is not a number from 0 to 4294967295"},
		{"acl add prio 1x action deny", "acl",
		 "acl add: prio: '1x' is not a number from 0 to 4294967295"},
		{"acl add proto 256 action deny", "acl",
		 "acl add: proto: '256' is not a number from 0 to 255"},
		{"acl add proto 6x action deny", "acl", "acl add: proto: '6x' is not a number from 0 to 255"},
		{"acl add bogus 1 action deny", "acl",
		 "acl add: unknown keyword 'bogus' (prio, src, dst, proto, sport, dport, state, action)"},
		{"acl add src a src b action deny", "acl", "acl add: 'src' given twice"},
		{"acl add prio 1 priority 2 action deny", "acl", "acl add: 'priority' given twice"},
		{"acl add action deny action permit", "acl", "acl add: 'action' given twice"},
		{"acl add action", "acl", "acl add: action: missing ACTION"},
		{"acl add action drop", "acl",
		 "acl add: unknown action 'drop' (permit, deny, count, police NAME)"},
		{"acl add action police", "acl", "acl add: action police: missing NAME"},
		{"acl del", "acl", "acl del: missing INDEX"},
		{"acl del x", "acl", "acl del: INDEX: 'x' is not a number from 0 to 4294967295"},
		{"acl del 1 2", "acl", "acl del: unexpected '2'"},

		{"policer frob", "policer", "policer: unknown verb 'frob' (add, del, show)"},
		{"policer add", "policer", "policer add: missing NAME"},
		{"policer add p", "policer", "policer add: missing 'type'"},
		{"policer add p type trtcm", "policer", "policer add: missing 'cir'"},
		{"policer add p type trtcm cir 1M", "policer", "policer add: missing 'cbs'"},
		{"policer add p type", "policer", "policer add: type: missing TYPE"},
		{"policer add p type trtcm cir", "policer", "policer add: cir: missing value"},
		{"policer add p type foo cir 1M cbs 2k", "policer",
		 "policer add: unknown type 'foo' (trtcm, srtcm)"},
		{"policer add p rate 1M", "policer",
		 "policer add: unknown keyword 'rate' (type, cir, cbs, pir, pbs, ebs)"},
		{"policer add p type trtcm type srtcm", "policer", "policer add: 'type' given twice"},
		{"policer del", "policer", "policer del: missing NAME"},
		{"policer del a b", "policer", "policer del: unexpected 'b'"},
		{"xdp frob", "xdp", "xdp: unknown verb 'frob' (show, block, pass)"},
		{"xdp show x", "xdp", "xdp show: unexpected 'x'"},
		{"xdp pass", "xdp", "xdp: pass: missing add or del"},
		{"xdp pass show", "xdp", "xdp: pass: unknown verb 'show' (add, del)"},
		{"xdp block frob", "xdp", "xdp: block: unknown verb 'frob' (add, del, show)"},
		{"xdp block add", "xdp", "xdp block add: missing PREFIX"},
		{"xdp pass del", "xdp", "xdp pass del: missing CLASS"},
		{"xdp block add 10.0.0.0/8 eth1", "xdp",
		 "xdp block add: unexpected 'eth1' (expected dev IFACE)"},
		{"xdp block add 10.0.0.0/8 dev", "xdp", "xdp block add: dev: missing IFACE"},
		{"xdp block add 10.0.0.0/8 dev a b", "xdp", "xdp block add: unexpected 'b'"},
		{"xdp block show dev", "xdp", "xdp block show: dev: missing IFACE"},

		{"config frob", "config", "config: unknown verb 'frob' (apply, dump)"},
		{"config apply", "config", "config apply: missing FILE"},
		{"config apply /nonexistent/hp.yaml", "config",
		 "config apply: /nonexistent/hp.yaml: No such file or directory"},
		{"config dump x", "config", "config dump: unexpected 'x'"},

		{"runtime frob", "runtime", "runtime: unknown verb 'frob' (show, clear, on, off)"},
		{"runtime on often", "runtime", "runtime on: unexpected 'often' (every N)"},
		{"runtime on every", "runtime", "runtime on: missing N"},
		{"runtime on every 0", "runtime", "runtime on: every: '0' is not a number from 1 to 1000000"},
		{"runtime on every 1000001", "runtime",
		 "runtime on: every: '1000001' is not a number from 1 to 1000000"},
		{"runtime on every 4 now", "runtime", "runtime on: unexpected 'now'"},
		{"runtime off 4", "runtime", "runtime off: unexpected '4'"},
		{"runtime on --watch 1", "runtime",
		 "runtime on: --watch: only commands that show something can be watched"},

		{"log", "log", "log: missing VERB (level)"},
		{"log frob", "log", "log: unknown verb 'frob' (level)"},
		{"log level", "log", "log level: missing LEVEL"},
		{"log level loud", "log",
		 "log level: unknown level 'loud' (debug, info, notice, warning, error)"},
		{"log level debug now", "log", "log level: unexpected 'now'"},

		/* only what reads can be watched */
		{"--watch 1 route add 10.0.0.0/8 drop", "route",
		 "route add: --watch: only commands that show something can be watched"},
		{"latency reset --watch 1", "latency",
		 "latency reset: --watch: only commands that show something can be watched"},
		{"--watch 1 config apply /", "config",
		 "config apply: --watch: only commands that show something can be watched"},
		{"acl del 1 --watch 2", "acl",
		 "acl del: --watch: only commands that show something can be watched"},
		{"log level info --watch 1", "log",
		 "log level: --watch: only commands that show something can be watched"},

		/* jansson takes only UTF-8 */
		{"route del \xff\xfe", "route", "route del: prefix: '\xff\xfe' is not valid UTF-8"},
		{"route add 10.0.0.0/8 via \xc3", "route", "route add: via: '\xc3' is not valid UTF-8"},
	};

	CHECK_BAD(t);
}

static void
test_request(void)
{
	struct hpctl_req r;
	char buf[512], *s;
	json_t *req;

	CU_ASSERT_EQUAL_FATAL(parse_line(&r, "-j route add 10.0.0.0/8 via 10.0.1.2", buf, sizeof(buf)), 0);
	req = hpctl_request(&r, 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	s = json_dumps(req, JSON_COMPACT);
	/* the exact line hpctl sends, key order included */
	CU_ASSERT_STRING_EQUAL(s,
			       "{\"id\":7,\"cmd\":\"route.add\","
			       "\"args\":{\"prefix\":\"10.0.0.0/8\",\"via\":[\"10.0.1.2\"]}}");
	free(s);
	json_decref(req);
	hpctl_req_free(&r);

	/* lb vip add: the config file's key order, whatever order the words came in */
	CU_ASSERT_EQUAL_FATAL(
		parse_line(&r,
			   "lb vip add [2001:db8::10]:443/tcp backends 2001:db8:1::20@5,10.0.1.20 "
			   "no_src_port gue_port 6080 encap gue",
			   buf, sizeof(buf)),
		0);
	req = hpctl_request(&r, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	s = json_dumps(req, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s,
			       "{\"id\":1,\"cmd\":\"lb.vip.add\",\"args\":{\"vip\":\"2001:db8::10\","
			       "\"proto\":\"tcp\",\"port\":443,\"encap\":\"gue\",\"gue_port\":6080,"
			       "\"flags\":[\"no_src_port\"],\"backends\":[{\"ip\":\"2001:db8:1::20\","
			       "\"weight\":5},{\"ip\":\"10.0.1.20\"}]}}");
	free(s);
	json_decref(req);
	hpctl_req_free(&r);
}

static void
test_usage(void)
{
	static const char *const objects[] = {"status", "stats", "latency", "port", "worker",
					      "route",  "neigh", "acl",     "lb",   "policer",
					      "config", "xdp",   "linux",   "log"};
	const char *all = hpctl_usage(NULL);

	CU_ASSERT(strncmp(all, "usage: hpctl [-s SOCK] [-j] [--watch N] OBJECT", 46) == 0);
	CU_ASSERT_PTR_EQUAL(hpctl_usage("bogus"), all);
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		const char *u = hpctl_usage(objects[i]);
		char want[32];

		snprintf(want, sizeof(want), "  hpctl %s", objects[i]);
		CU_ASSERT(u != all);
		CU_ASSERT(strncmp(u, "usage:\n", 7) == 0);
		/* every line is one of this object's, and the full text holds them all */
		CU_ASSERT(strncmp(u + 7, want, strlen(want)) == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(all, u + 7));
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(hpctl_usage("route"), "route add PREFIX via ADDR [ADDR...]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(hpctl_usage("acl"), "police NAME"));
}

/* text holds word (its first n characters) with no letter on either side. */
static bool
has_word(const char *text, const char *word, size_t n)
{
	char w[32];

	snprintf(w, sizeof(w), "%.*s", (int)n, word);
	for (const char *s = text; (s = strstr(s, w)) != NULL; s++)
		if ((s == text || !isalpha((unsigned char)s[-1])) && !isalpha((unsigned char)s[n]))
			return true;
	return false;
}

/*
 * The registry drives hpctl: each object has its usage, and each command an hpctl
 * line that sends it, watchable exactly when it changes nothing. A command added
 * to the registry without a line here fails.
 */
static void
test_registry(void)
{
	static const char *const lines[HP_CMD_COUNT] = {
		[HP_CMD_status] = "status",
		[HP_CMD_port_show] = "port show",
		[HP_CMD_port_stats] = "port stats p0",
		[HP_CMD_worker_show] = "worker show",
		[HP_CMD_linux_show] = "linux show",
		[HP_CMD_stats] = "stats",
		[HP_CMD_latency_show] = "latency show",
		[HP_CMD_latency_reset] = "latency reset",
		[HP_CMD_route_add] = "route add 10.0.0.0/8 drop",
		[HP_CMD_route_del] = "route del 10.0.0.0/8",
		[HP_CMD_route_show] = "route show",
		[HP_CMD_neigh_add] = "neigh add 10.0.0.2 02:00:00:00:00:01 p0",
		[HP_CMD_neigh_del] = "neigh del 10.0.0.2",
		[HP_CMD_neigh_show] = "neigh show",
		[HP_CMD_acl_add] = "acl add action deny",
		[HP_CMD_acl_del] = "acl del 0",
		[HP_CMD_acl_show] = "acl show",
		[HP_CMD_conntrack_show] = "conntrack show proto tcp limit 5",
		[HP_CMD_conntrack_stats] = "conntrack stats",
		[HP_CMD_conntrack_flush] = "conntrack flush",
		[HP_CMD_nat_add] = "nat add snat out p1 src 10.0.0.0/8 to 203.0.113.10",
		[HP_CMD_nat_del] = "nat del 0",
		[HP_CMD_nat_show] = "nat show",
		[HP_CMD_lb_show] = "lb show",
		[HP_CMD_lb_stats] = "lb stats",
		[HP_CMD_lb_vip_add] = "lb vip add 192.0.2.10:80/tcp backends 10.0.1.20",
		[HP_CMD_lb_vip_del] = "lb vip del 192.0.2.10:80/tcp",
		[HP_CMD_lb_backend_add] = "lb backend add 192.0.2.10:80/tcp 10.0.1.21",
		[HP_CMD_lb_backend_del] = "lb backend del 192.0.2.10:80/tcp 10.0.1.21",
		[HP_CMD_lb_backend_set] = "lb backend set 192.0.2.10:80/tcp 10.0.1.20 state drain",
		[HP_CMD_policer_add] = "policer add p type srtcm cir 1M cbs 10k",
		[HP_CMD_policer_del] = "policer del p",
		[HP_CMD_policer_show] = "policer show",
		[HP_CMD_config_apply] = "config apply /",
		[HP_CMD_config_dump] = "config dump",
		[HP_CMD_xdp_show] = "xdp show",
		[HP_CMD_xdp_block_add] = "xdp block add 192.0.2.0/24",
		[HP_CMD_xdp_block_del] = "xdp block del 192.0.2.0/24",
		[HP_CMD_xdp_block_show] = "xdp block show",
		[HP_CMD_xdp_pass_add] = "xdp pass add arp",
		[HP_CMD_xdp_pass_del] = "xdp pass del arp",
		[HP_CMD_log_level] = "log level info",
		[HP_CMD_runtime_show] = "runtime",
		[HP_CMD_runtime_on] = "runtime on every 4",
		[HP_CMD_runtime_off] = "runtime off",
		[HP_CMD_runtime_clear] = "runtime clear",
	};
	static const struct {
		const char *name;
		unsigned flags;
	} cmds[] = {
#define CMD_ROW(id, n, f, a, h) {n, f},
		HP_COMMANDS(CMD_ROW)
#undef CMD_ROW
	};
	static const char *const objects[] = {
#define OBJ_ROW(obj, extra, usage) #obj,
		HP_OBJECTS(OBJ_ROW)
#undef OBJ_ROW
	};
	const char *all = hpctl_usage(NULL);

	for (size_t o = 0; o < sizeof(objects) / sizeof(objects[0]); o++) {
		char want[48];

		snprintf(want, sizeof(want), "usage:\n  hpctl %s", objects[o]);
		CU_ASSERT(strncmp(hpctl_usage(objects[o]), want, strlen(want)) == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(all, want + 7));
	}
	CU_ASSERT_EQUAL(sizeof(cmds) / sizeof(cmds[0]), HP_CMD_COUNT);
	for (unsigned c = 0; c < HP_CMD_COUNT; c++) {
		struct hpctl_req r;
		char buf[256], line[256];

		if (c == HP_CMD_help) /* the daemon's: hpctl answers help itself */
			continue;
		if (lines[c] == NULL) {
			fprintf(stderr, "\n  %s: no hpctl line sends it\n", cmds[c].name);
			CU_FAIL("a registry command without an hpctl line");
			continue;
		}
		CU_ASSERT_EQUAL(parse_line(&r, lines[c], buf, sizeof(buf)), 0);
		CU_ASSERT(r.cmd != NULL && strcmp(r.cmd, cmds[c].name) == 0);
		/* each word of the name after the object is in the object's usage */
		if (r.object != NULL) {
			const char *u = hpctl_usage(r.object), *w = cmds[c].name + strlen(r.object);

			CU_ASSERT(strncmp(cmds[c].name, r.object, strlen(r.object)) == 0);
			while (*w == '.') {
				size_t n = strcspn(w + 1, ".");

				CU_ASSERT(has_word(u, w + 1, n));
				w += 1 + n;
			}
		}
		hpctl_req_free(&r);
		snprintf(line, sizeof(line), "%s --watch 1", lines[c]);
		CU_ASSERT_EQUAL(parse_line(&r, line, buf, sizeof(buf)) == 0,
				(cmds[c].flags & HP_CMD_RO) != 0);
		hpctl_req_free(&r);
	}
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"show commands", test_show},
		{"route", test_route},
		{"neigh", test_neigh},
		{"acl", test_acl},
		{"policer", test_policer},
		{"xdp", test_xdp},
		{"lb", test_lb},
		{"lb usage errors", test_lb_errors},
		{"route load", test_route_load},
		{"log level", test_log},
		{"runtime", test_runtime},
		{"config apply/dump", test_config},
		{"-s -j --watch", test_options},
		{"help", test_help},
		{"usage errors", test_errors},
		{"request line", test_request},
		{"usage texts", test_usage},
		{"registry", test_registry},
	};

	return HP_CUNIT_RUN("hpctl_args", tests);
}
