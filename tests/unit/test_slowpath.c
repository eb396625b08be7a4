/* Unit tests of control/slowpath.c: scapy-built frames in, byte-exact expected frames out (no EAL). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "../rng.h"
#include "slowpath.h"

enum sp_fn {
	SP_LOCAL,       /* ctl_slowpath_local */
	SP_ERR_TTL,     /* ctl_slowpath_icmp_error(CTL_ERR_TTL) */
	SP_ERR_NOROUTE, /* ctl_slowpath_icmp_error(CTL_ERR_NOROUTE) */
};

struct sp_learn {
	int family;
	uint8_t ip[16];
	uint8_t mac[6];
};

/* One fixture: a frame, how the slow path is called, and all it must do. */
struct sp_vector {
	const char *name;
	const char *why;
	const char *group; /* arp | nd | echo | error */
	enum sp_fn fn;
	bool allow; /* what allow() answers */
	const uint8_t *req;
	size_t req_len;
	enum ctl_verdict verdict;
	const uint8_t *rep; /* the one frame sent; NULL: nothing sent */
	size_t rep_len;
	unsigned allow_calls;
	unsigned n_learn; /* 0 or 1 */
	struct sp_learn learn;
};

#include "slowpath_vectors.h"

#define TEST_PORT 3
#define MAX_FRAME 1518
#define MIN_FRAME 60

/* The interface the vectors were generated for (slowpath_vectors.py). */
static const struct hp_prefix our4[] = {
	{AF_INET, 24, {10, 0, 0, 1}},
	{AF_INET, 24, {192, 168, 5, 1}},
};
static const struct hp_prefix our6[] = {
	{AF_INET6, 64, {0x20, 0x01, 0x0d, 0xb8, [15] = 1}},
	{AF_INET6, 64, {0x20, 0x01, 0x0d, 0xb8, 0, 5, [15] = 1}},
};
static const struct ctl_iface ifc = {
	.mac = {0x02, 0, 0, 0, 0, 0x01},
	.n_ipv4 = 2,
	.n_ipv6 = 2,
	.ipv4 = our4,
	.ipv6 = our6,
	.ll6 = {0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 0x01}, /* fe80::ff:fe00:1 */
};

/* ---- mock control thread ---- */

struct mock {
	bool allow;
	unsigned allow_calls;
	unsigned n_sent;
	unsigned sent_port;
	size_t sent_len;
	uint8_t sent[MAX_FRAME];
	bool sent_bad; /* a frame outside [60, 1518] bytes, or on another port */
	unsigned n_learn;
	unsigned learn_port;
	struct hp_addr learned;
	uint8_t learned_mac[6];
	unsigned learn_flags; /* of the last learn */
};

static struct mock mock;

static bool
mock_allow(void *ctx)
{
	struct mock *m = ctx;

	m->allow_calls++;
	return m->allow;
}

static void
mock_send(void *ctx, unsigned port, const uint8_t *frame, size_t len)
{
	struct mock *m = ctx;

	if (len < MIN_FRAME || len > MAX_FRAME || port != TEST_PORT) {
		m->sent_bad = true;
		return;
	}
	if (m->n_sent++ == 0) {
		m->sent_port = port;
		m->sent_len = len;
		memcpy(m->sent, frame, len);
	}
}

static void
mock_learn(void *ctx, unsigned port, const struct hp_addr *ip, const uint8_t mac[6], unsigned flags)
{
	struct mock *m = ctx;

	m->learn_flags = flags;

	if (m->n_learn++ == 0) {
		m->learn_port = port;
		m->learned = *ip;
		memcpy(m->learned_mac, mac, 6);
	}
}

static const struct ctl_slowpath_ops ops = {
	.ctx = &mock,
	.learn = mock_learn,
	.send = mock_send,
	.allow = mock_allow,
};

static void
mock_reset(bool allow)
{
	memset(&mock, 0, sizeof(mock));
	mock.allow = allow;
}

/* ---- a tiny parser standing in for dp_parse(): fills what the slow path reads ---- */

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Offsets come from the header fields even when the frame is cut short: the slow path must check them. */
static void
fill_meta(const uint8_t *f, size_t len, struct dp_meta *m)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	size_t l3 = 14, off;
	uint16_t type;
	uint8_t nh;

	memset(m, 0, sizeof(*m));
	if (len < 14)
		return;
	if (f[0] & 1)
		m->flags |= memcmp(f, bcast, 6) == 0 ? DP_META_BCAST : DP_META_MCAST;
	type = rd16(f + 12);
	if (type == 0x8100 && len >= 18) {
		m->flags |= DP_META_VLAN;
		m->vlan_tci = rd16(f + 14);
		type = rd16(f + 16);
		l3 = 18;
	}
	m->l3_off = (uint16_t)l3;
	if (type == 0x0806) {
		m->l3 = DP_L3_ARP;
	} else if (type == 0x0800 && len >= l3 + 20) {
		uint16_t fo = rd16(f + l3 + 6);

		m->l3 = DP_L3_IPV4;
		m->l3_len = rd16(f + l3 + 2);
		m->ttl = f[l3 + 8];
		m->key.k4.proto = f[l3 + 9];
		memcpy(&m->key.k4.src, f + l3 + 12, 4);
		memcpy(&m->key.k4.dst, f + l3 + 16, 4);
		if (fo & 0x3fff)
			m->flags |= DP_META_FRAG;
		if (fo & 0x1fff) {
			m->flags |= DP_META_LATER_FRAG;
		} else {
			m->l4_off = (uint16_t)(l3 + (f[l3] & 0x0f) * 4);
			if (m->key.k4.proto == 1 && m->l4_off < len)
				m->icmp_type = f[m->l4_off];
		}
	} else if (type == 0x86dd && len >= l3 + 40) {
		m->l3 = DP_L3_IPV6;
		m->l3_len = (uint16_t)(40 + rd16(f + l3 + 4));
		m->ttl = f[l3 + 7];
		memcpy(m->key.k6.src, f + l3 + 8, 16);
		memcpy(m->key.k6.dst, f + l3 + 24, 16);
		nh = f[l3 + 6];
		off = l3 + 40;
		for (int i = 0; i < DP_IPV6_MAX_EXT; i++) {
			if ((nh == 0 || nh == 43 || nh == 60) && off + 2 <= len) {
				nh = f[off];
				off += (size_t)(f[off + 1] + 1) * 8;
			} else if (nh == 44 && off + 8 <= len) {
				m->flags |= DP_META_FRAG;
				if (rd16(f + off + 2) & 0xfff8)
					m->flags |= DP_META_LATER_FRAG;
				nh = f[off];
				off += 8;
			} else {
				break;
			}
		}
		m->key.k6.proto = nh;
		if (!(m->flags & DP_META_LATER_FRAG)) {
			m->l4_off = (uint16_t)off;
			if (nh == 58 && off < len)
				m->icmp_type = f[off];
		}
	}
}

/* ---- checking ---- */

/* A CUnit assertion whose message names the vector (CUnit copies the message). */
static void
check(bool ok, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	CU_assertImplementation(ok, line, msg, __FILE__, "", CU_FALSE);
}

#define CHECK(ok, ...) check((ok), __LINE__, __VA_ARGS__)

static const char *
verdict_name(enum ctl_verdict v)
{
	switch (v) {
	case CTL_HANDLED:
		return "HANDLED";
	case CTL_UNHANDLED:
		return "UNHANDLED";
	case CTL_NOT_FOR_US:
		return "NOT_FOR_US";
	case CTL_MALFORMED:
		return "MALFORMED";
	case CTL_RATELIMITED:
		return "RATELIMITED";
	}
	return "?";
}

static bool
frame_equal(const char *name, const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	size_t i, n = got_len < want_len ? got_len : want_len;

	for (i = 0; i < n && got[i] == want[i]; i++)
		;
	if (i == n && got_len == want_len)
		return true;
	printf("\n    %s: frame differs at byte %zu (length %zu, want %zu)\n", name, i, got_len, want_len);
	for (size_t j = i & ~(size_t)15; j < n && j < (i & ~(size_t)15) + 32; j += 16) {
		printf("      %4zu got ", j);
		for (size_t k = j; k < j + 16 && k < got_len; k++)
			printf(" %02x", got[k]);
		printf("\n      %4zu want", j);
		for (size_t k = j; k < j + 16 && k < want_len; k++)
			printf(" %02x", want[k]);
		printf("\n");
	}
	return false;
}

/* Runs the slow path over len bytes of frame, in a buffer of exactly len bytes (ASan sees overreads). */
static enum ctl_verdict
call(const struct sp_vector *v, const struct ctl_iface *i, const uint8_t *frame, size_t len,
     const struct dp_meta *meta)
{
	uint8_t *buf = malloc(len ? len : 1);
	enum ctl_verdict r;

	CU_ASSERT_FATAL(buf != NULL);
	memcpy(buf, frame, len);
	if (v->fn == SP_LOCAL)
		r = ctl_slowpath_local(&ops, i, TEST_PORT, buf, len, meta);
	else
		r = ctl_slowpath_icmp_error(&ops, i, TEST_PORT, buf, len, meta,
					    v->fn == SP_ERR_TTL ? CTL_ERR_TTL : CTL_ERR_NOROUTE);
	CHECK(memcmp(buf, frame, len) == 0, "%s: the request was modified", v->name);
	free(buf);
	return r;
}

static void
run_vector(const struct sp_vector *v)
{
	struct dp_meta meta;
	enum ctl_verdict r;

	fill_meta(v->req, v->req_len, &meta);
	mock_reset(v->allow);
	r = call(v, &ifc, v->req, v->req_len, &meta);

	CHECK(r == v->verdict, "%s (%s): verdict %s, want %s", v->name, v->why, verdict_name(r),
	      verdict_name(v->verdict));
	CHECK(!mock.sent_bad, "%s: sent a frame outside 60..1518 bytes or on another port", v->name);
	CHECK(mock.n_sent == (v->rep != NULL), "%s (%s): sent %u frames, want %u", v->name, v->why,
	      mock.n_sent, v->rep != NULL);
	if (v->rep != NULL && mock.n_sent == 1)
		CHECK(frame_equal(v->name, mock.sent, mock.sent_len, v->rep, v->rep_len),
		      "%s (%s): sent frame differs from the expected one", v->name, v->why);
	CHECK(mock.allow_calls == v->allow_calls, "%s: allow() called %u times, want %u", v->name,
	      mock.allow_calls, v->allow_calls);
	CHECK(mock.n_learn == v->n_learn, "%s (%s): learned %u times, want %u", v->name, v->why, mock.n_learn,
	      v->n_learn);
	if (v->n_learn == 1 && mock.n_learn == 1) {
		size_t alen = v->learn.family == AF_INET ? 4 : 16;

		CHECK(mock.learn_port == TEST_PORT, "%s: learned on port %u", v->name, mock.learn_port);
		CHECK(mock.learned.family == v->learn.family &&
			      memcmp(mock.learned.addr, v->learn.ip, alen) == 0,
		      "%s: learned the wrong address", v->name);
		CHECK(memcmp(mock.learned_mac, v->learn.mac, 6) == 0, "%s: learned the wrong MAC", v->name);
	}
}

static void
run_group(const char *group, unsigned at_least)
{
	unsigned n = 0;

	for (size_t i = 0; i < RTE_DIM(sp_vectors); i++)
		if (strcmp(sp_vectors[i].group, group) == 0) {
			run_vector(&sp_vectors[i]);
			n++;
		}
	CHECK(n >= at_least, "group %s: %u vectors, expected at least %u", group, n, at_least);
}

static void
test_arp(void)
{
	run_group("arp", 20);
}
static void
test_nd(void)
{
	run_group("nd", 25);
}
static void
test_echo(void)
{
	run_group("echo", 20);
}
static void
test_icmp_error(void)
{
	run_group("error", 25);
}

static const struct sp_vector *
find_vector(const char *name)
{
	for (size_t i = 0; i < RTE_DIM(sp_vectors); i++)
		if (strcmp(sp_vectors[i].name, name) == 0)
			return &sp_vectors[i];
	CU_FAIL_FATAL("no such vector");
	return NULL;
}

/* No address of the family: nothing sent, allow() not asked. */
static void
test_error_without_address(void)
{
	struct ctl_iface bare = ifc;
	const struct sp_vector *v;
	struct dp_meta meta;

	bare.n_ipv4 = 0;
	bare.n_ipv6 = 0;
	v = find_vector("ttl4_small");
	fill_meta(v->req, v->req_len, &meta);
	mock_reset(true);
	CU_ASSERT_EQUAL(call(v, &bare, v->req, v->req_len, &meta), CTL_UNHANDLED);
	CU_ASSERT_EQUAL(mock.n_sent, 0);
	CU_ASSERT_EQUAL(mock.allow_calls, 0);

	v = find_vector("noroute6");
	fill_meta(v->req, v->req_len, &meta);
	mock_reset(true);
	CU_ASSERT_EQUAL(call(v, &bare, v->req, v->req_len, &meta), CTL_UNHANDLED);
	CU_ASSERT_EQUAL(mock.n_sent, 0);
	CU_ASSERT_EQUAL(mock.allow_calls, 0);

	/* ARP for an address on a port without IPv4: not ours, nothing learned. */
	v = find_vector("arp_req_us");
	fill_meta(v->req, v->req_len, &meta);
	mock_reset(true);
	CU_ASSERT_EQUAL(call(v, &bare, v->req, v->req_len, &meta), CTL_NOT_FOR_US);
	CU_ASSERT_EQUAL(mock.n_sent, 0);
	CU_ASSERT_EQUAL(mock.n_learn, 0);

	/* NS for our link-local address still works on a port without IPv6 addresses. */
	v = find_vector("ns_linklocal");
	fill_meta(v->req, v->req_len, &meta);
	mock_reset(true);
	CU_ASSERT_EQUAL(call(v, &bare, v->req, v->req_len, &meta), CTL_HANDLED);
	CU_ASSERT_EQUAL(mock.n_sent, 1);
	CU_ASSERT(mock.n_sent == 1 && frame_equal(v->name, mock.sent, mock.sent_len, v->rep, v->rep_len));
	CU_ASSERT_EQUAL(mock.n_learn, 1);
}

/* Proxy ARP for NAT: a pool address of an snat rule leaving by this port, or a dnat rule's
 * public address arriving on it, is answered as ours; on another port it is not. */
static void
test_arp_nat(void)
{
	const struct sp_vector *v = find_vector("arp_req_other"); /* who-has 10.0.0.3 */
	struct hp_nat_rule rules[2] = {{.type = HP_NAT_SNAT, .port = 0, .n_to = 1},
				       {.type = HP_NAT_DNAT, .port = 0}};
	struct hp_config cfg = {.n_nat = 1, .nat = rules};
	struct ctl_iface nat_if = ifc;
	struct dp_meta meta;

	rules[0].to[0] = (struct hp_addr){AF_INET, {10, 0, 0, 3}};
	rules[1].dst = (struct hp_addr){AF_INET, {10, 0, 0, 4}};
	nat_if.nat_cfg = &cfg;
	fill_meta(v->req, v->req_len, &meta);
	mock_reset(true);
	CU_ASSERT_EQUAL(call(v, &nat_if, v->req, v->req_len, &meta), CTL_HANDLED);
	CU_ASSERT_EQUAL_FATAL(mock.n_sent, 1);
	/* an ARP reply (op 2) saying 10.0.0.3 is at our MAC */
	CU_ASSERT_EQUAL(mock.sent[14 + 7], 2);
	CU_ASSERT(memcmp(mock.sent + 14 + 8, ifc.mac, 6) == 0);
	CU_ASSERT(memcmp(mock.sent + 14 + 14, (const uint8_t[]){10, 0, 0, 3}, 4) == 0);

	/* the same pool on another port: not this port's address */
	nat_if.port = 1;
	mock_reset(true);
	CU_ASSERT_EQUAL(call(v, &nat_if, v->req, v->req_len, &meta), CTL_NOT_FOR_US);
	CU_ASSERT_EQUAL(mock.n_sent, 0);

	/* a port forward's public address */
	nat_if.port = 0;
	cfg.n_nat = 2;
	rules[0].to[0] = (struct hp_addr){AF_INET, {10, 0, 0, 9}};
	rules[1].dst = (struct hp_addr){AF_INET, {10, 0, 0, 3}};
	mock_reset(true);
	CU_ASSERT_EQUAL(call(v, &nat_if, v->req, v->req_len, &meta), CTL_HANDLED);
	CU_ASSERT_EQUAL(mock.n_sent, 1);
}

/* One's-complement sum of 16-bit big-endian words. */
static uint32_t
sum_be16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
fold16(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Too big for the next hop (RFC 1191, RFC 8201): the same frame as the
 * no-route error about the same datagram (scapy-built vectors), but type 3
 * code 4 with the next-hop MTU in bytes 6-7 (IPv4), or type 2 code 0 with
 * the MTU as bytes 4-7 (IPv6), and its checksum; through allow() like every
 * ICMP error: refused, nothing is sent.
 */
static void
test_too_big(void)
{
	static const char *const names[] = {"noroute4", "noroute6"};

	for (unsigned k = 0; k < 2; k++) {
		const struct sp_vector *v = find_vector(names[k]);
		bool six = k == 1;
		size_t icmp = six ? 14 + 40 : 14 + 20;
		uint8_t want[MAX_FRAME];
		struct dp_meta meta;
		uint32_t sum;

		CU_ASSERT_FATAL(v->rep_len <= sizeof(want));
		memcpy(want, v->rep, v->rep_len);
		want[icmp] = six ? 2 : 3;
		want[icmp + 1] = six ? 0 : 4;
		memset(want + icmp + 4, 0, 4);
		want[icmp + 6] = 1400 >> 8;
		want[icmp + 7] = 1400 & 0xff;
		want[icmp + 2] = want[icmp + 3] = 0;
		if (six) {
			size_t n = v->rep_len - icmp;

			sum = sum_be16(sum_be16(0, want + 22, 32), want + icmp, n) + (uint32_t)n + 58;
		} else {
			sum = sum_be16(0, want + icmp, (size_t)(want[16] << 8 | want[17]) - 20);
		}
		want[icmp + 2] = (uint8_t)(fold16(sum) >> 8);
		want[icmp + 3] = (uint8_t)fold16(sum);

		fill_meta(v->req, v->req_len, &meta);
		mock_reset(true);
		CU_ASSERT_EQUAL(ctl_slowpath_too_big(&ops, &ifc, TEST_PORT, v->req, v->req_len, &meta, 1400),
				CTL_HANDLED);
		CU_ASSERT_EQUAL(mock.n_sent, 1);
		CU_ASSERT_EQUAL(mock.allow_calls, 1);
		CU_ASSERT(mock.n_sent == 1 &&
			  frame_equal(names[k], mock.sent, mock.sent_len, want, v->rep_len));

		mock_reset(false);
		CU_ASSERT_EQUAL(ctl_slowpath_too_big(&ops, &ifc, TEST_PORT, v->req, v->req_len, &meta, 1400),
				CTL_RATELIMITED);
		CU_ASSERT_EQUAL(mock.n_sent, 0);
		CU_ASSERT_EQUAL(mock.allow_calls, 1);
	}
}

/* What ctl_ipv4_fragment handed out: each fragment as one IP datagram. */
struct frags {
	unsigned n;
	size_t len[16];
	uint8_t d[16][1600];
	int fail_at; /* emit returns -EIO for this fragment (-1: never) */
};

static int
take_fragment(void *arg, const uint8_t *hdr, size_t hlen, const uint8_t *data, size_t n)
{
	struct frags *f = arg;

	if ((int)f->n == f->fail_at)
		return -EIO;
	CU_ASSERT_FATAL(f->n < 16 && hlen + n <= sizeof(f->d[0]));
	memcpy(f->d[f->n], hdr, hlen);
	memcpy(f->d[f->n] + hlen, data, n);
	f->len[f->n++] = hlen + n;
	return 0;
}

/* A datagram of tot bytes: header with hlen-20 bytes of options opt, payload i & 0xff, checksum set. */
static size_t
datagram(uint8_t *ip, size_t tot, const uint8_t *opt, size_t olen, uint16_t frag)
{
	size_t hlen = 20 + olen;

	memset(ip, 0, hlen);
	ip[0] = (uint8_t)(0x40 | hlen / 4);
	ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot;
	ip[4] = 0x12, ip[5] = 0x34;
	ip[6] = (uint8_t)(frag >> 8), ip[7] = (uint8_t)frag;
	ip[8] = 64, ip[9] = 17;
	memcpy(ip + 12, (const uint8_t[]){10, 0, 0, 2, 198, 18, 0, 1}, 8);
	if (olen > 0)
		memcpy(ip + 20, opt, olen);
	for (size_t i = hlen; i < tot; i++)
		ip[i] = (uint8_t)i;
	uint16_t ck = fold16(sum_be16(0, ip, hlen));
	ip[10] = (uint8_t)(ck >> 8), ip[11] = (uint8_t)ck;
	return hlen;
}

/* RFC 791 fragmentation: offsets, MF, lengths, headers, options, checksums; the data reassembles. */
static void
test_fragment(void)
{
	/* Stream ID (136: copied), NOP, Record Route (7: not copied, 7 bytes), EOL */
	static const uint8_t opt[12] = {0x88, 4, 0xab, 0xcd, 1, 7, 7, 4, 0, 0, 0, 0};
	static uint8_t ip[1500], whole[1500];
	static struct frags f;
	size_t hlen = datagram(ip, 1500, opt, sizeof(opt), 0), off = 0;

	f.n = 0, f.fail_at = -1;
	CU_ASSERT_EQUAL_FATAL(ctl_ipv4_fragment(ip, 1500, 620, take_fragment, &f), 3);
	memset(whole, 0, sizeof(whole));
	for (unsigned k = 0; k < f.n; k++) {
		const uint8_t *d = f.d[k];
		size_t hl = (d[0] & 0xfu) * 4u, n = f.len[k] - hl;
		uint16_t field = rd16(d + 6);

		CU_ASSERT(f.len[k] <= 620);
		CU_ASSERT_EQUAL(rd16(d + 2), f.len[k]);
		CU_ASSERT_EQUAL(fold16(sum_be16(0, d, hl)), 0); /* header checksum good */
		CU_ASSERT_EQUAL(rd16(d + 4), 0x1234);
		CU_ASSERT_EQUAL(d[8], 64);
		CU_ASSERT_EQUAL((field & 0x1fff) * 8u, off);
		CU_ASSERT_EQUAL(!!(field & 0x2000), k + 1 < f.n);
		CU_ASSERT_EQUAL(field & 0x4000, 0);
		if (k + 1 < f.n) {
			CU_ASSERT_EQUAL(n % 8, 0);
		}
		/* all options in the first; only the copied one (padded) after */
		if (k == 0) {
			CU_ASSERT(hl == hlen && memcmp(d + 20, opt, sizeof(opt)) == 0);
		} else {
			CU_ASSERT(hl == 24 && memcmp(d + 20, (const uint8_t[]){0x88, 4, 0xab, 0xcd}, 4) == 0);
		}
		memcpy(whole + hlen + off, d + hl, n);
		off += n;
	}
	CU_ASSERT_EQUAL(off, 1500 - hlen);
	CU_ASSERT(memcmp(whole + hlen, ip + hlen, 1500 - hlen) == 0);
	/* first: (620 - 32) & ~7 = 584 bytes; then (620 - 24) & ~7 = 592; the rest 292 */
	CU_ASSERT(f.len[0] == 32 + 584 && f.len[1] == 24 + 592 && f.len[2] == 24 + 292);

	/* a non-last fragment cut again: offsets from its own, MF on every piece */
	datagram(ip, 1000, NULL, 0, 0x2000 | 100);
	f.n = 0;
	CU_ASSERT_EQUAL_FATAL(ctl_ipv4_fragment(ip, 1000, 500, take_fragment, &f), 3);
	for (unsigned k = 0; k < f.n; k++)
		CU_ASSERT_EQUAL(rd16(f.d[k] + 6), 0x2000 | (100 + k * 60));

	/* refused: MTU leaving no 8 data bytes, bad version/IHL/length, options running past the header */
	datagram(ip, 100, NULL, 0, 0);
	f.n = 0;
	CU_ASSERT_EQUAL(ctl_ipv4_fragment(ip, 100, 27, take_fragment, &f), -EINVAL);
	CU_ASSERT_EQUAL(ctl_ipv4_fragment(ip, 99, 60, take_fragment, &f), -EINVAL);
	CU_ASSERT_EQUAL(ctl_ipv4_fragment(ip, 19, 60, take_fragment, &f), -EINVAL);
	ip[0] = 0x64;
	CU_ASSERT_EQUAL(ctl_ipv4_fragment(ip, 100, 60, take_fragment, &f), -EINVAL);
	ip[0] = 0x44;
	CU_ASSERT_EQUAL(ctl_ipv4_fragment(ip, 100, 60, take_fragment, &f), -EINVAL);
	datagram(ip, 100, (const uint8_t[]){0x07, 9, 4, 0}, 4, 0);
	CU_ASSERT_EQUAL(ctl_ipv4_fragment(ip, 100, 60, take_fragment, &f), -EINVAL);
	CU_ASSERT_EQUAL(f.n, 0);
	/* the emitter's error stops the walk and is returned */
	datagram(ip, 1000, NULL, 0, 0);
	f.n = 0, f.fail_at = 1;
	CU_ASSERT_EQUAL(ctl_ipv4_fragment(ip, 1000, 500, take_fragment, &f), -EIO);
	CU_ASSERT_EQUAL(f.n, 1);
}

/* Subnet membership is by bit, not by byte: a /126 holds ::2, a /127 does not. */
static void
test_learn_prefix_bits(void)
{
	struct hp_prefix p6 = {AF_INET6, 126, {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	struct ctl_iface narrow = ifc;
	const struct sp_vector *v = find_vector("ns_global");
	struct dp_meta meta;

	narrow.ipv6 = &p6;
	narrow.n_ipv6 = 1;
	fill_meta(v->req, v->req_len, &meta);
	mock_reset(true);
	CU_ASSERT_EQUAL(call(v, &narrow, v->req, v->req_len, &meta), CTL_HANDLED);
	CU_ASSERT_EQUAL(mock.n_learn, 1);
	p6.len = 127;
	mock_reset(true);
	CU_ASSERT_EQUAL(call(v, &narrow, v->req, v->req_len, &meta), CTL_HANDLED);
	CU_ASSERT_EQUAL(mock.n_learn, 0);
	CU_ASSERT_EQUAL(mock.n_sent, 1);
}

static void
solicit_case(const char *name, const struct ctl_iface *i, int family, const char *target, const uint8_t *want,
	     size_t want_len)
{
	uint8_t buf[MAX_FRAME + 16];
	struct hp_addr a = {.family = family};
	int n;

	CU_ASSERT_FATAL(inet_pton(family, target, a.addr) == 1);
	memset(buf, 0xa5, sizeof(buf));
	n = ctl_build_solicit(buf, MAX_FRAME, i, &a);
	CHECK(n == (int)want_len, "%s: length %d, want %zu", name, n, want_len);
	if (n > 0)
		CHECK(frame_equal(name, buf, (size_t)n, want, want_len), "%s: frame differs", name);
	CHECK(buf[MAX_FRAME] == 0xa5, "%s: wrote past cap", name);

	/* Exactly enough room works; one byte less is -ENOSPC and nothing past cap is touched. */
	memset(buf, 0xa5, sizeof(buf));
	CHECK(ctl_build_solicit(buf, want_len, i, &a) == (int)want_len, "%s: cap = length", name);
	CHECK(buf[want_len] == 0xa5, "%s: wrote past an exact cap", name);
	memset(buf, 0xa5, sizeof(buf));
	CHECK(ctl_build_solicit(buf, want_len - 1, i, &a) == -ENOSPC, "%s: cap too small", name);
	for (size_t k = want_len - 1; k < sizeof(buf); k++)
		if (buf[k] != 0xa5) {
			CHECK(false, "%s: wrote past cap %zu at %zu", name, want_len - 1, k);
			break;
		}
	CHECK(ctl_build_solicit(buf, 0, i, &a) == -ENOSPC, "%s: cap 0", name);
}

static void
test_solicit(void)
{
	struct ctl_iface no6 = ifc, no4 = ifc;
	struct hp_addr a = {.family = AF_INET};
	uint8_t buf[MAX_FRAME];

	no6.n_ipv6 = 0;
	no4.n_ipv4 = 0;
	solicit_case("arp first subnet", &ifc, AF_INET, "10.0.0.2", sol_arp_first_subnet,
		     sizeof(sol_arp_first_subnet));
	solicit_case("arp second subnet", &ifc, AF_INET, "192.168.5.9", sol_arp_second_subnet,
		     sizeof(sol_arp_second_subnet));
	solicit_case("arp off subnet", &ifc, AF_INET, "198.51.100.7", sol_arp_off_subnet,
		     sizeof(sol_arp_off_subnet));
	solicit_case("ns global", &ifc, AF_INET6, "2001:db8::abcd:ef12", sol_ns_global,
		     sizeof(sol_ns_global));
	solicit_case("ns link-local target", &ifc, AF_INET6, "fe80::aa", sol_ns_linklocal_target,
		     sizeof(sol_ns_linklocal_target));
	solicit_case("ns without global address", &no6, AF_INET6, "fe80::aa", sol_ns_no_global,
		     sizeof(sol_ns_no_global));

	/* No IPv4 address: -EINVAL; nor for targets that are not unicast, or another family. */
	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, "10.0.0.2", a.addr), 1);
	CU_ASSERT_EQUAL(ctl_build_solicit(buf, sizeof(buf), &no4, &a), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, "224.0.0.1", a.addr), 1);
	CU_ASSERT_EQUAL(ctl_build_solicit(buf, sizeof(buf), &ifc, &a), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, "0.0.0.0", a.addr), 1);
	CU_ASSERT_EQUAL(ctl_build_solicit(buf, sizeof(buf), &ifc, &a), -EINVAL);
	a.family = AF_INET6;
	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, "ff02::1", a.addr), 1);
	CU_ASSERT_EQUAL(ctl_build_solicit(buf, sizeof(buf), &ifc, &a), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, "::", a.addr), 1);
	CU_ASSERT_EQUAL(ctl_build_solicit(buf, sizeof(buf), &ifc, &a), -EINVAL);
	a.family = AF_UNIX;
	CU_ASSERT_EQUAL(ctl_build_solicit(buf, sizeof(buf), &ifc, &a), -EINVAL);
}

static void
test_link_local(void)
{
	static const struct {
		uint8_t mac[6];
		const char *ll;
	} cases[] = {
		{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}, "fe80::ff:fe00:1"},
		{{0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c}, "fe80::21b:21ff:fe3a:4f5c"},
		{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "fe80::fdff:ffff:feff:ffff"},
	};
	uint8_t got[16], want[16];

	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		memset(got, 0x5a, sizeof(got));
		ctl_link_local(cases[i].mac, got);
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, cases[i].ll, want), 1);
		CHECK(memcmp(got, want, 16) == 0, "link-local of MAC %zu is not %s", i, cases[i].ll);
	}
	ctl_link_local(ifc.mac, got);
	CU_ASSERT(memcmp(got, ifc.ll6, 16) == 0);
}

/* What the slow path may ever report, whatever the input. */
static void
check_invariants(const char *name, size_t k)
{
	CHECK(!mock.sent_bad, "%s/%zu: sent a frame outside 60..1518 bytes or on another port", name, k);
	CHECK(mock.n_sent <= 1 && mock.allow_calls <= 1 && mock.n_learn <= 1,
	      "%s/%zu: %u frames sent, %u allow() calls, %u learns", name, k, mock.n_sent, mock.allow_calls,
	      mock.n_learn);
	if (mock.n_learn == 1) {
		const uint8_t *a = mock.learned.addr;
		bool ok = !(mock.learned_mac[0] & 1);

		if (mock.learned.family == AF_INET) {
			/* inside 10.0.0.0/24 or 192.168.5.0/24, a host, not ours */
			ok = ok &&
			     ((a[0] == 10 && a[1] == 0 && a[2] == 0) ||
			      (a[0] == 192 && a[1] == 168 && a[2] == 5)) &&
			     a[3] != 0 && a[3] != 255 && a[3] != 1;
		} else if (mock.learned.family == AF_INET6) {
			ok = ok &&
			     ((a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || memcmp(a, our6[0].addr, 8) == 0 ||
			      memcmp(a, our6[1].addr, 8) == 0) &&
			     memcmp(a, our6[0].addr, 16) != 0 && memcmp(a, our6[1].addr, 16) != 0 &&
			     memcmp(a, ifc.ll6, 16) != 0;
		} else {
			ok = false;
		}
		CHECK(ok, "%s/%zu: learned an address or MAC it must not", name, k);
	}
}

/*
 * Every vector cut at every length, with the meta of the whole frame: no
 * read past the cut (ASan), and anything sent is the whole frame's answer
 * (a cut only ever drops Ethernet padding or makes the frame malformed).
 */
static void
test_truncated(void)
{
	struct dp_meta meta;

	for (size_t i = 0; i < RTE_DIM(sp_vectors); i++) {
		const struct sp_vector *v = &sp_vectors[i];

		fill_meta(v->req, v->req_len, &meta);
		for (size_t k = 0; k < v->req_len; k++) {
			mock_reset(v->allow);
			call(v, &ifc, v->req, k, &meta);
			check_invariants(v->name, k);
			if (mock.n_sent == 1)
				CHECK(v->rep != NULL && mock.sent_len == v->rep_len &&
					      memcmp(mock.sent, v->rep, v->rep_len) == 0,
				      "%s cut at %zu: sent something the whole frame does not get", v->name,
				      k);
		}
	}
}

/* Random byte corruption, with the meta of the corrupted frame or of the original, or random offsets. */
static void
test_fuzz(void)
{
	uint8_t f[MAX_FRAME];
	struct dp_meta meta;

	rng_seed(0x9e3779b97f4a7c15ull);
	for (size_t i = 0; i < RTE_DIM(sp_vectors); i++) {
		const struct sp_vector *v = &sp_vectors[i];

		for (size_t k = 0; k < 300; k++) {
			unsigned flips = 1 + rng_next() % 4;

			memcpy(f, v->req, v->req_len);
			fill_meta(v->req, v->req_len, &meta);
			for (unsigned j = 0; j < flips; j++)
				f[rng_next() % v->req_len] ^= (uint8_t)(1u << (rng_next() % 8));
			switch (k % 3) {
			case 0:
				fill_meta(f, v->req_len, &meta);
				break;
			case 1:
				break;
			case 2:
				meta.l3_off = (uint16_t)(rng_next() % (v->req_len + 64));
				meta.l4_off = (uint16_t)(rng_next() % (v->req_len + 64));
				meta.l3 = (uint8_t)(rng_next() % 5);
				break;
			}
			mock_reset(rng_next() & 1);
			call(v, &ifc, f, v->req_len, &meta);
			check_invariants(v->name, k);
		}
	}
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"ARP answers and learning", test_arp},
		{"proxy ARP for NAT addresses", test_arp_nat},
		{"IPv6 neighbor discovery", test_nd},
		{"ICMP and ICMPv6 echo", test_echo},
		{"ICMP and ICMPv6 errors", test_icmp_error},
		{"port without addresses", test_error_without_address},
		{"ICMP fragmentation needed, ICMPv6 packet too big", test_too_big},
		{"IPv4 fragmentation", test_fragment},
		{"subnet membership by bit", test_learn_prefix_bits},
		{"ARP request and NS built", test_solicit},
		{"link-local from MAC", test_link_local},
		{"truncated frames", test_truncated},
		{"corrupted frames and meta", test_fuzz},
	};

	return HP_CUNIT_RUN("slowpath", tests);
}
