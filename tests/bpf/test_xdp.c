/* hp_xdp through BPF_PROG_TEST_RUN: every verdict and reason, every truncation point, live map updates, counters. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../cunit_run.h"
#include "../rng.h"
#include "hp_xdp.h"
#include "hp_xdp.skel.h"
#include "xdp_frames.h"

#define ETH_IP 0x0800
#define ETH_ARP 0x0806
#define ETH_IP6 0x86dd
#define ETH_LLDP 0x88cc
#define TPID_Q 0x8100
#define TPID_AD 0x88a8

#define PORT_TCP 22 /* "pass tcp 22" in the configured state */
#define PORT_UDP 53 /* "pass udp 53" */
#define PORT_NONE 5000
#define PORT_TCP_SRC 179 /* "pass tcp/sport/179": the other end of a BGP session */
#define PORT_UDP_SRC 123 /* "pass udp/sport/123" */

#define ALL_FLAGS (HP_XDP_PASS_ARP | HP_XDP_PASS_ND | HP_XDP_PASS_ICMP | HP_XDP_PASS_ICMP6)

static const uint8_t src6_blocked[16] = {0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad, [15] = 0x09};
#define SRC4_BLOCKED IP4(203, 0, 113, 9)

static struct hp_xdp *skel;
static int prog_fd, cfg_fd, ports_fd, block4_fd, block6_fd, stats_fd;
static int ncpus;

/* ---- maps ---- */

static uint16_t ports_set[64];
static unsigned int nports_set;

/* hp_cfg.flags exactly as given: without HP_XDP_FLAG_NOSOCK_PASS a frame to steer is dropped. */
static void
set_flags_raw(uint32_t flags)
{
	uint32_t zero = 0;
	struct hp_xdp_cfg cfg = {.flags = flags, .owner_pid = (uint32_t)getpid()};

	CU_ASSERT_FATAL(bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY) == 0);
}

/* The class flags, in on_no_socket: pass (no socket under the test run: a steer is pass_nosock). */
static void
set_flags(uint32_t flags)
{
	set_flags_raw(flags | HP_XDP_FLAG_NOSOCK_PASS);
}

/* hp_ports is indexed by the port in host order. */
static void
set_port(uint16_t port, uint32_t bits)
{
	uint32_t key = port;

	CU_ASSERT_FATAL(bpf_map_update_elem(ports_fd, &key, &bits, BPF_ANY) == 0);
	if (nports_set < sizeof(ports_set) / sizeof(ports_set[0]))
		ports_set[nports_set++] = port;
}

/* "a.b.c.d/n" or "x::y/n" into hp_block4 / hp_block6 (add) or out of it. */
static void
block(const char *prefix, bool add)
{
	char addr[64];
	const char *slash = strchr(prefix, '/');
	uint8_t one = 1;
	int err;

	CU_ASSERT_FATAL(slash != NULL && (size_t)(slash - prefix) < sizeof(addr));
	memcpy(addr, prefix, (size_t)(slash - prefix));
	addr[slash - prefix] = '\0';
	if (strchr(addr, ':')) {
		struct hp_xdp_lpm6 k = {.prefixlen = (uint32_t)atoi(slash + 1)};

		CU_ASSERT_FATAL(inet_pton(AF_INET6, addr, k.addr) == 1);
		err = add ? bpf_map_update_elem(block6_fd, &k, &one, BPF_ANY)
			  : bpf_map_delete_elem(block6_fd, &k);
	} else {
		struct hp_xdp_lpm4 k = {.prefixlen = (uint32_t)atoi(slash + 1)};

		CU_ASSERT_FATAL(inet_pton(AF_INET, addr, k.addr) == 1);
		err = add ? bpf_map_update_elem(block4_fd, &k, &one, BPF_ANY)
			  : bpf_map_delete_elem(block4_fd, &k);
	}
	if (err)
		fprintf(stderr, "\n    block %s %s: %s", add ? "add" : "del", prefix, strerror(errno));
	CU_ASSERT_FATAL(err == 0);
}

static void
block_clear(int fd, size_t key_size)
{
	uint8_t key[sizeof(struct hp_xdp_lpm6)];

	CU_ASSERT_FATAL(key_size <= sizeof(key));
	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		CU_ASSERT_FATAL(bpf_map_delete_elem(fd, key) == 0);
}

/* Back to the empty state: no flags, no port bits, no blocks. */
static void
maps_reset(void)
{
	uint32_t zero = 0;

	set_flags(0);
	for (unsigned int i = 0; i < nports_set; i++) {
		uint32_t key = ports_set[i];

		CU_ASSERT_FATAL(bpf_map_update_elem(ports_fd, &key, &zero, BPF_ANY) == 0);
	}
	nports_set = 0;
	block_clear(block4_fd, sizeof(struct hp_xdp_lpm4));
	block_clear(block6_fd, sizeof(struct hp_xdp_lpm6));
}

/* The state most fixtures run in: every class flag, tcp 22, udp 53, one blocked prefix per family. */
static void
maps_configured(void)
{
	maps_reset();
	set_flags(ALL_FLAGS);
	set_port(PORT_TCP, HP_XDP_PORT_TCP);
	set_port(PORT_UDP, HP_XDP_PORT_UDP);
	set_port(PORT_TCP_SRC, HP_XDP_PORT_TCP_SRC);
	set_port(PORT_UDP_SRC, HP_XDP_PORT_UDP_SRC);
	block("203.0.113.0/24", true);
	block("2001:db8:bad::/48", true);
}

/* ---- counters ---- */

struct totals {
	uint64_t packets[HP_XDP_NREASONS];
	uint64_t bytes[HP_XDP_NREASONS];
};

/* hp_stats summed over every possible CPU, as the control thread reads it. */
static void
totals_read(struct totals *t)
{
	struct hp_xdp_counter *v = calloc((size_t)ncpus, sizeof(*v));

	CU_ASSERT_FATAL(v != NULL);
	memset(t, 0, sizeof(*t));
	for (uint32_t r = 0; r < HP_XDP_NREASONS; r++) {
		CU_ASSERT_FATAL(bpf_map_lookup_elem(stats_fd, &r, v) == 0);
		for (int c = 0; c < ncpus; c++) {
			t->packets[r] += v[c].packets;
			t->bytes[r] += v[c].bytes;
		}
	}
	free(v);
}

/* ---- running ---- */

static unsigned int nruns, nrefused;

/*
 * One BPF_PROG_TEST_RUN of len bytes, repeat times; 0 or -errno, the action in *action.
 * The kernel refuses test input shorter than an Ethernet header. Older kernels take a
 * shorter frame behind metadata (xdp_md.data > 0: data..data_end is still len bytes);
 * newer ones (6.18 here) refuse that too, with EINVAL - see expect_n.
 */
static int
run(const uint8_t *pkt, uint32_t len, uint32_t repeat, uint32_t *action)
{
	uint8_t buf[32 + FRAME_MAX];
	uint32_t meta = len < 14 ? (14 - len + 3) & ~3u : 0;
	struct xdp_md ctx = {.data = meta, .data_end = meta + len};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = meta + len, .repeat = repeat);
	int err;

	memset(buf, 0, meta);
	memcpy(buf + meta, pkt, len);
	if (meta) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	*action = opts.retval;
	nruns++;
	return err ? -errno : 0;
}

/*
 * No AF_XDP socket exists under BPF_PROG_TEST_RUN, so xsks_map is empty and a steered frame
 * comes back as XDP_PASS, counted HP_XDP_PASS_NOSOCK: that is what "steer" looks like here.
 * HP_XDP_STEER itself (XDP_REDIRECT) is the e2e suite's, on a veth with a bound socket.
 */
static uint32_t
action_of(enum hp_xdp_reason r)
{
	if (r == HP_XDP_STEER)
		return XDP_REDIRECT;
	return r >= HP_XDP_DROP_BLOCK4 ? XDP_DROP : XDP_PASS;
}

/* Runs the first len bytes of f repeat times: want's action, and want's counter (only) up by repeat and repeat * len bytes. */
static void
expect_n(const char *what, const struct frame *f, uint32_t len, uint32_t repeat, enum hp_xdp_reason want)
{
	struct totals before, after;
	uint32_t action = ~0u;
	bool counted = true;
	int err;

	totals_read(&before);
	err = run(f->b, len, repeat, &action);
	totals_read(&after);
	if (len < 14 && err == -EINVAL && memcmp(&before, &after, sizeof(before)) == 0) {
		/* the kernel would not run it: counted and reported, neither passed nor failed */
		nrefused++;
		return;
	}
	for (int r = 0; r < HP_XDP_NREASONS; r++) {
		uint64_t n = r == (int)want ? repeat : 0;

		if (after.packets[r] - before.packets[r] != n || after.bytes[r] - before.bytes[r] != n * len)
			counted = false;
	}
	CU_ASSERT_EQUAL(err, 0);
	CU_ASSERT_EQUAL(action, action_of(want));
	CU_ASSERT(counted);
	if (err == 0 && action == action_of(want) && counted)
		return;
	fprintf(stderr, "\n    %s, %u of %u bytes: err %d, action %u; want %u, %s; counted:", what, len,
		f->len, err, action, action_of(want), hp_xdp_reason_names[want]);
	for (int r = 0; r < HP_XDP_NREASONS; r++)
		if (after.packets[r] != before.packets[r])
			fprintf(stderr, " %s +%llu (%llu B)", hp_xdp_reason_names[r],
				(unsigned long long)(after.packets[r] - before.packets[r]),
				(unsigned long long)(after.bytes[r] - before.bytes[r]));
}

static void
expect(const char *what, const struct frame *f, enum hp_xdp_reason want)
{
	expect_n(what, f, f->len, 1, want);
}

/* ---- frames ---- */

/* An L4 header of proto (for ICMP/ICMPv6 dport is the type) and some payload. */
static void
l4(struct frame *f, uint8_t proto, uint16_t sport, uint16_t dport)
{
	switch (proto) {
	case IPPROTO_TCP:
		frame_tcp(f, sport, dport, 0);
		frame_payload(f, 10);
		break;
	case IPPROTO_UDP:
		frame_udp(f, sport, dport, 18);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		frame_icmp(f, (uint8_t)dport, 24);
		break;
	default:
		frame_payload(f, 24);
	}
}

/* IPv4 + L4 after whatever L2 f holds. */
static void
ip4_l4(struct frame *f, uint32_t src, uint8_t proto, uint16_t sport, uint16_t dport)
{
	uint32_t l3 = frame_ip4(f, proto, src, 0, 0);

	l4(f, proto, sport, dport);
	frame_ip4_done(f, l3);
}

static void
ip6_l4(struct frame *f, const uint8_t *src, uint8_t proto, uint16_t sport, uint16_t dport)
{
	uint32_t l3 = frame_ip6(f, proto, src);

	l4(f, proto, sport, dport);
	frame_ip6_done(f, l3);
}

static void
udp4(struct frame *f, uint32_t src, uint16_t dport)
{
	frame_eth_plain(f, ETH_IP);
	ip4_l4(f, src, IPPROTO_UDP, 40000, dport);
}

static void
udp6(struct frame *f, const uint8_t *src, uint16_t dport)
{
	frame_eth_plain(f, ETH_IP6);
	ip6_l4(f, src, IPPROTO_UDP, 40000, dport);
}

static uint32_t
addr4(const char *s)
{
	struct in_addr a;

	CU_ASSERT_FATAL(inet_pton(AF_INET, s, &a) == 1);
	return ntohl(a.s_addr);
}

/* ---- tests ---- */

struct verdict_fixture {
	const char *name;
	uint16_t ethertype;
	uint8_t proto;
	bool blocked; /* from the configured blocked prefix */
	uint16_t sport, dport;
	enum hp_xdp_reason want;
};

/* Every reason (but HP_XDP_STEER, see action_of) in the configured state, IPv4 and IPv6. */
static void
test_verdicts(void)
{
	static const struct verdict_fixture fx[] = {
		{"ARP", ETH_ARP, 0, false, 0, 0, HP_XDP_PASS_CLASS_ARP},
		{"LLDP: other EtherType", ETH_LLDP, 0, false, 0, 0, HP_XDP_PASS_NOSOCK},
		{"MPLS: other EtherType", 0x8847, 0, false, 0, 0, HP_XDP_PASS_NOSOCK},
		{"v4 tcp dport 22", ETH_IP, IPPROTO_TCP, false, 40000, PORT_TCP, HP_XDP_PASS_CLASS_TCP},
		{"v4 tcp sport 22: tcp/22 is a destination", ETH_IP, IPPROTO_TCP, false, PORT_TCP, 40000,
		 HP_XDP_PASS_NOSOCK},
		{"v4 tcp sport 22 to dport 22", ETH_IP, IPPROTO_TCP, false, PORT_TCP, PORT_TCP,
		 HP_XDP_PASS_CLASS_TCP},
		{"v4 tcp sport 179", ETH_IP, IPPROTO_TCP, false, PORT_TCP_SRC, 40000, HP_XDP_PASS_CLASS_TCP},
		{"v4 tcp dport 179: tcp/sport/179 is a source", ETH_IP, IPPROTO_TCP, false, 40000,
		 PORT_TCP_SRC, HP_XDP_PASS_NOSOCK},
		{"v4 tcp sport 123: udp source bit only", ETH_IP, IPPROTO_TCP, false, PORT_UDP_SRC, 40000,
		 HP_XDP_PASS_NOSOCK},
		{"v4 tcp 80", ETH_IP, IPPROTO_TCP, false, 40000, 80, HP_XDP_PASS_NOSOCK},
		{"v4 tcp 53: udp bit only", ETH_IP, IPPROTO_TCP, false, 40000, PORT_UDP, HP_XDP_PASS_NOSOCK},
		{"v4 udp dport 53", ETH_IP, IPPROTO_UDP, false, 40000, PORT_UDP, HP_XDP_PASS_CLASS_UDP},
		{"v4 udp sport 53: udp/53 is a destination", ETH_IP, IPPROTO_UDP, false, PORT_UDP, 40000,
		 HP_XDP_PASS_NOSOCK},
		{"v4 udp sport 123", ETH_IP, IPPROTO_UDP, false, PORT_UDP_SRC, 40000, HP_XDP_PASS_CLASS_UDP},
		{"v4 udp dport 123: a source class", ETH_IP, IPPROTO_UDP, false, 40000, PORT_UDP_SRC,
		 HP_XDP_PASS_NOSOCK},
		{"v4 udp sport 179: tcp source bit only", ETH_IP, IPPROTO_UDP, false, PORT_TCP_SRC, 40000,
		 HP_XDP_PASS_NOSOCK},
		{"v4 udp 22: tcp bit only", ETH_IP, IPPROTO_UDP, false, 40000, PORT_TCP, HP_XDP_PASS_NOSOCK},
		{"v4 udp 5000", ETH_IP, IPPROTO_UDP, false, 40000, PORT_NONE, HP_XDP_PASS_NOSOCK},
		{"v4 icmp echo", ETH_IP, IPPROTO_ICMP, false, 0, 8, HP_XDP_PASS_CLASS_ICMP},
		{"v4 gre", ETH_IP, IPPROTO_GRE, false, 0, 0, HP_XDP_PASS_NOSOCK},
		{"v4 icmpv6 number", ETH_IP, IPPROTO_ICMPV6, false, 0, 135, HP_XDP_PASS_NOSOCK},
		{"v4 blocked udp 53", ETH_IP, IPPROTO_UDP, true, 40000, PORT_UDP, HP_XDP_DROP_BLOCK4},
		{"v4 blocked icmp", ETH_IP, IPPROTO_ICMP, true, 0, 8, HP_XDP_DROP_BLOCK4},
		{"v6 tcp dport 22", ETH_IP6, IPPROTO_TCP, false, 40000, PORT_TCP, HP_XDP_PASS_CLASS_TCP},
		{"v6 tcp sport 22: a destination class", ETH_IP6, IPPROTO_TCP, false, PORT_TCP, 40000,
		 HP_XDP_PASS_NOSOCK},
		{"v6 tcp sport 179", ETH_IP6, IPPROTO_TCP, false, PORT_TCP_SRC, 40000, HP_XDP_PASS_CLASS_TCP},
		{"v6 udp sport 123", ETH_IP6, IPPROTO_UDP, false, PORT_UDP_SRC, 40000, HP_XDP_PASS_CLASS_UDP},
		{"v6 udp dport 123: a source class", ETH_IP6, IPPROTO_UDP, false, 40000, PORT_UDP_SRC,
		 HP_XDP_PASS_NOSOCK},
		{"v6 udp dport 53", ETH_IP6, IPPROTO_UDP, false, 40000, PORT_UDP, HP_XDP_PASS_CLASS_UDP},
		{"v6 udp 5000", ETH_IP6, IPPROTO_UDP, false, 40000, PORT_NONE, HP_XDP_PASS_NOSOCK},
		{"v6 RS (133)", ETH_IP6, IPPROTO_ICMPV6, false, 0, 133, HP_XDP_PASS_CLASS_ND},
		{"v6 NS (135)", ETH_IP6, IPPROTO_ICMPV6, false, 0, 135, HP_XDP_PASS_CLASS_ND},
		{"v6 redirect (137)", ETH_IP6, IPPROTO_ICMPV6, false, 0, 137, HP_XDP_PASS_CLASS_ND},
		{"v6 echo (128)", ETH_IP6, IPPROTO_ICMPV6, false, 0, 128, HP_XDP_PASS_CLASS_ICMP6},
		{"v6 MLD report (132)", ETH_IP6, IPPROTO_ICMPV6, false, 0, 132, HP_XDP_PASS_CLASS_ICMP6},
		{"v6 (138)", ETH_IP6, IPPROTO_ICMPV6, false, 0, 138, HP_XDP_PASS_CLASS_ICMP6},
		{"v6 icmp (v4) number", ETH_IP6, IPPROTO_ICMP, false, 0, 8, HP_XDP_PASS_NOSOCK},
		{"v6 blocked NS", ETH_IP6, IPPROTO_ICMPV6, true, 0, 135, HP_XDP_DROP_BLOCK6},
		{"v6 blocked tcp 22", ETH_IP6, IPPROTO_TCP, true, 40000, PORT_TCP, HP_XDP_DROP_BLOCK6},
	};
	struct frame f;

	maps_configured();
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		frame_eth_plain(&f, fx[i].ethertype);
		if (fx[i].ethertype == ETH_IP)
			ip4_l4(&f, fx[i].blocked ? SRC4_BLOCKED : FRAME_SRC4, fx[i].proto, fx[i].sport,
			       fx[i].dport);
		else if (fx[i].ethertype == ETH_IP6)
			ip6_l4(&f, fx[i].blocked ? src6_blocked : frame_src6, fx[i].proto, fx[i].sport,
			       fx[i].dport);
		else if (fx[i].ethertype == ETH_ARP)
			frame_arp(&f);
		else
			frame_payload(&f, 46);
		expect(fx[i].name, &f, fx[i].want);
	}

	/* a malformed frame of each family: the version field disagrees with the EtherType */
	frame_eth_plain(&f, ETH_IP);
	ip6_l4(&f, frame_src6, IPPROTO_UDP, 40000, PORT_UDP);
	expect("IPv6 header under 0x0800", &f, HP_XDP_DROP_MALFORMED);
	frame_eth_plain(&f, ETH_IP6);
	ip4_l4(&f, FRAME_SRC4, IPPROTO_UDP, 40000, PORT_UDP);
	frame_payload(&f, 20);
	expect("IPv4 header under 0x86dd", &f, HP_XDP_DROP_MALFORMED);
	maps_reset();
}

/*
 * 802.1Q / 802.1ad: one and two tags are walked. A third tag is not (HP_XDP_MAX_VLAN): its
 * TPID is then "the EtherType", one hp_xdp does not parse, so the frame is steered like any
 * other unknown EtherType - even with a blocked source or a pass port inside. hotpath's own
 * parser decides on it; the kernel sees it only in shield-only mode (no socket bound).
 */
static void
test_vlan(void)
{
	static const uint16_t q[] = {TPID_Q}, ad_q[] = {TPID_AD, TPID_Q}, q_q[] = {TPID_Q, TPID_Q},
			      ad[] = {TPID_AD}, three[] = {TPID_AD, TPID_Q, TPID_Q};
	struct frame f;

	maps_configured();
	frame_eth(&f, q, 1, ETH_IP);
	ip4_l4(&f, FRAME_SRC4, IPPROTO_UDP, 40000, PORT_UDP);
	expect("802.1Q, udp 53", &f, HP_XDP_PASS_CLASS_UDP);
	frame_eth(&f, ad, 1, ETH_IP);
	ip4_l4(&f, FRAME_SRC4, IPPROTO_TCP, 40000, PORT_TCP);
	expect("802.1ad, tcp 22", &f, HP_XDP_PASS_CLASS_TCP);
	frame_eth(&f, ad_q, 2, ETH_IP);
	ip4_l4(&f, FRAME_SRC4, IPPROTO_UDP, 40000, PORT_UDP);
	expect("QinQ 88a8+8100, udp 53", &f, HP_XDP_PASS_CLASS_UDP);
	frame_eth(&f, q_q, 2, ETH_IP);
	ip4_l4(&f, SRC4_BLOCKED, IPPROTO_UDP, 40000, PORT_UDP);
	expect("8100+8100, blocked", &f, HP_XDP_DROP_BLOCK4);
	frame_eth(&f, ad_q, 2, ETH_IP6);
	ip6_l4(&f, frame_src6, IPPROTO_ICMPV6, 0, 135);
	expect("QinQ, NS", &f, HP_XDP_PASS_CLASS_ND);
	frame_eth(&f, ad_q, 2, ETH_IP6);
	ip6_l4(&f, src6_blocked, IPPROTO_UDP, 40000, PORT_UDP);
	expect("QinQ, v6 blocked", &f, HP_XDP_DROP_BLOCK6);
	frame_eth(&f, q, 1, ETH_ARP);
	frame_arp(&f);
	expect("802.1Q, ARP", &f, HP_XDP_PASS_CLASS_ARP);
	frame_eth(&f, q, 1, ETH_LLDP);
	frame_payload(&f, 46);
	expect("802.1Q, LLDP", &f, HP_XDP_PASS_NOSOCK);

	frame_eth(&f, three, 3, ETH_IP);
	ip4_l4(&f, FRAME_SRC4, IPPROTO_UDP, 40000, PORT_UDP);
	expect("3 tags, udp 53: steered", &f, HP_XDP_PASS_NOSOCK);
	frame_eth(&f, three, 3, ETH_IP);
	ip4_l4(&f, SRC4_BLOCKED, IPPROTO_UDP, 40000, PORT_UDP);
	expect("3 tags, blocked source: steered", &f, HP_XDP_PASS_NOSOCK);
	frame_eth(&f, three, 3, ETH_ARP);
	frame_arp(&f);
	expect("3 tags, ARP: steered", &f, HP_XDP_PASS_NOSOCK);
	maps_reset();
}

/* IPv4 header fields at their limits, L4 header lengths, fragments, and block-before-L4. */
static void
test_ipv4_header(void)
{
	/* frag_off on the wire: offset 1, MF + offset 1, DF + offset 1, the largest offset with MF, without */
	static const uint16_t non_first[] = {0x0001, 0x2001, 0x4001, 0x3fff, 0x1fff};
	struct frame f;
	uint32_t l3;

	maps_configured();
	for (uint8_t v = 0; v < 16; v++) {
		udp4(&f, FRAME_SRC4, PORT_UDP);
		f.b[14] = (uint8_t)(v << 4 | 5);
		expect("IPv4 version", &f, v == 4 ? HP_XDP_PASS_CLASS_UDP : HP_XDP_DROP_MALFORMED);
	}
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		udp4(&f, FRAME_SRC4, PORT_UDP);
		f.b[14] = (uint8_t)(0x40 | ihl);
		expect("IHL < 5", &f, HP_XDP_DROP_MALFORMED);
	}
	/* IHL 15: 40 bytes of options, all there */
	frame_eth_plain(&f, ETH_IP);
	l3 = frame_ip4(&f, IPPROTO_UDP, FRAME_SRC4, 10, 0);
	frame_udp(&f, 40000, PORT_UDP, 4);
	frame_ip4_done(&f, l3);
	expect("IHL 15", &f, HP_XDP_PASS_CLASS_UDP);
	/* IHL 15 with the frame ending inside the options */
	f.len = 14 + 59;
	expect("IHL 15, options cut", &f, HP_XDP_DROP_MALFORMED);

	/* total length against IHL * 4; the frame's end, not tot_len, bounds the L4 header */
	udp4(&f, FRAME_SRC4, PORT_UDP);
	set16(&f, 16, 19);
	expect("tot_len 19 < 20", &f, HP_XDP_DROP_MALFORMED);
	set16(&f, 16, 0);
	expect("tot_len 0", &f, HP_XDP_DROP_MALFORMED);
	set16(&f, 16, 20);
	expect("tot_len 20", &f, HP_XDP_PASS_CLASS_UDP);
	set16(&f, 16, 9000);
	expect("tot_len past the frame", &f, HP_XDP_PASS_CLASS_UDP);
	frame_eth_plain(&f, ETH_IP);
	l3 = frame_ip4(&f, IPPROTO_UDP, FRAME_SRC4, 1, 0);
	frame_udp(&f, 40000, PORT_UDP, 4);
	frame_ip4_done(&f, l3);
	set16(&f, 16, 23);
	expect("tot_len 23 < IHL 6", &f, HP_XDP_DROP_MALFORMED);
	set16(&f, 16, 24);
	expect("tot_len 24 = IHL 6", &f, HP_XDP_PASS_CLASS_UDP);

	/* TCP data offset */
	for (uint8_t doff = 0; doff < 16; doff++) {
		frame_eth_plain(&f, ETH_IP);
		l3 = frame_ip4(&f, IPPROTO_TCP, FRAME_SRC4, 0, 0);
		frame_tcp(&f, 40000, PORT_TCP, 3); /* 32 bytes of header */
		frame_ip4_done(&f, l3);
		f.b[34 + 12] = (uint8_t)(doff << 4);
		expect("TCP data offset", &f,
		       doff >= 5 && doff <= 8 ? HP_XDP_PASS_CLASS_TCP : HP_XDP_DROP_MALFORMED);
	}

	/* fragments: the first is classified, the others carry no L4 header and are steered */
	frame_eth_plain(&f, ETH_IP);
	l3 = frame_ip4(&f, IPPROTO_UDP, FRAME_SRC4, 0, 0x2000); /* MF, offset 0 */
	frame_udp(&f, 40000, PORT_UDP, 16);
	frame_ip4_done(&f, l3);
	expect("first fragment", &f, HP_XDP_PASS_CLASS_UDP);
	frame_eth_plain(&f, ETH_IP);
	l3 = frame_ip4(&f, IPPROTO_UDP, FRAME_SRC4, 0, 0x4000); /* DF */
	frame_udp(&f, 40000, PORT_UDP, 16);
	frame_ip4_done(&f, l3);
	expect("DF", &f, HP_XDP_PASS_CLASS_UDP);
	for (size_t i = 0; i < sizeof(non_first) / sizeof(non_first[0]); i++) {
		frame_eth_plain(&f, ETH_IP);
		l3 = frame_ip4(&f, IPPROTO_UDP, FRAME_SRC4, 0, non_first[i]);
		frame_udp(&f, 40000, PORT_UDP, 16);
		frame_ip4_done(&f, l3);
		expect("non-first fragment", &f, HP_XDP_PASS_NOSOCK);
		f.len = 14 + 20 + 3;
		expect("non-first fragment, 3 bytes", &f, HP_XDP_PASS_NOSOCK);
	}
	frame_eth_plain(&f, ETH_IP);
	l3 = frame_ip4(&f, IPPROTO_UDP, SRC4_BLOCKED, 0, 0x0010);
	frame_payload(&f, 30);
	frame_ip4_done(&f, l3);
	expect("non-first fragment, blocked", &f, HP_XDP_DROP_BLOCK4);

	/* the source is checked before L4: a blocked source with a cut L4 header is a block */
	udp4(&f, SRC4_BLOCKED, PORT_UDP);
	f.len = 14 + 20 + 5;
	expect("blocked, UDP cut", &f, HP_XDP_DROP_BLOCK4);
	f.len = 14 + 19;
	expect("blocked, IPv4 header cut", &f, HP_XDP_DROP_MALFORMED);

	/* required headers are required whatever the flags: malformed with every class off */
	maps_reset();
	frame_eth_plain(&f, ETH_IP);
	ip4_l4(&f, FRAME_SRC4, IPPROTO_ICMP, 0, 8);
	f.len = 14 + 20 + 7;
	expect("ICMP 7 bytes, flag off", &f, HP_XDP_DROP_MALFORMED);
	frame_eth_plain(&f, ETH_ARP);
	frame_arp(&f);
	f.len = 14 + 27;
	expect("ARP 27 bytes, flag off", &f, HP_XDP_DROP_MALFORMED);
	udp4(&f, FRAME_SRC4, PORT_NONE);
	f.len = 14 + 20 + 7;
	expect("UDP 7 bytes, no port", &f, HP_XDP_DROP_MALFORMED);
}

/* IPv6: each extension header, chains up to and past HP_XDP_MAX_EXTHDR, fragments, ESP, none. */
static void
test_ipv6_ext(void)
{
	static const uint8_t opt_types[] = {IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS};
	struct frame f;
	uint32_t l3;

	maps_configured();
	for (size_t i = 0; i < sizeof(opt_types); i++) {
		for (uint8_t units = 0; units < 4; units += 3) {
			frame_eth_plain(&f, ETH_IP6);
			l3 = frame_ip6(&f, opt_types[i], frame_src6);
			frame_ip6_opt(&f, IPPROTO_UDP, units);
			frame_udp(&f, 40000, PORT_UDP, 8);
			frame_ip6_done(&f, l3);
			expect("one option header, udp 53", &f, HP_XDP_PASS_CLASS_UDP);
			f.len -= 8 + 8 + 1; /* one byte short of the option header */
			expect("one option header, cut", &f, HP_XDP_DROP_MALFORMED);
		}
	}
	frame_eth_plain(&f, ETH_IP6);
	l3 = frame_ip6(&f, IPPROTO_AH, frame_src6);
	frame_ip6_ah(&f, IPPROTO_TCP, 4); /* 24 bytes: 96-bit ICV */
	frame_tcp(&f, 40000, PORT_TCP, 0);
	frame_ip6_done(&f, l3);
	expect("AH, tcp 22", &f, HP_XDP_PASS_CLASS_TCP);
	f.len = 14 + 40 + 23;
	expect("AH cut", &f, HP_XDP_DROP_MALFORMED);

	frame_eth_plain(&f, ETH_IP6);
	l3 = frame_ip6(&f, IPPROTO_FRAGMENT, frame_src6);
	frame_ip6_frag(&f, IPPROTO_UDP, 0, true);
	frame_udp(&f, 40000, PORT_UDP, 8);
	frame_ip6_done(&f, l3);
	expect("first fragment, udp 53", &f, HP_XDP_PASS_CLASS_UDP);
	frame_eth_plain(&f, ETH_IP6);
	l3 = frame_ip6(&f, IPPROTO_FRAGMENT, frame_src6);
	frame_ip6_frag(&f, IPPROTO_UDP, 0, false);
	frame_udp(&f, 40000, PORT_UDP, 8);
	frame_ip6_done(&f, l3);
	expect("atomic fragment, udp 53", &f, HP_XDP_PASS_CLASS_UDP);
	frame_eth_plain(&f, ETH_IP6);
	l3 = frame_ip6(&f, IPPROTO_FRAGMENT, frame_src6);
	frame_ip6_frag(&f, IPPROTO_UDP, 1, true);
	frame_payload(&f, 16);
	frame_ip6_done(&f, l3);
	expect("non-first fragment", &f, HP_XDP_PASS_NOSOCK);
	frame_eth_plain(&f, ETH_IP6);
	l3 = frame_ip6(&f, IPPROTO_DSTOPTS, frame_src6);
	frame_ip6_opt(&f, IPPROTO_FRAGMENT, 0);
	frame_ip6_frag(&f, IPPROTO_TCP, 8191, false);
	frame_ip6_done(&f, l3);
	expect("dest options, last fragment, nothing after", &f, HP_XDP_PASS_NOSOCK);

	/* chains of 3, of HP_XDP_MAX_EXTHDR, and one longer */
	frame_eth_plain(&f, ETH_IP6);
	l3 = frame_ip6(&f, IPPROTO_HOPOPTS, frame_src6);
	frame_ip6_opt(&f, IPPROTO_ROUTING, 1);
	frame_ip6_opt(&f, IPPROTO_DSTOPTS, 0);
	frame_ip6_opt(&f, IPPROTO_UDP, 2);
	frame_udp(&f, 40000, PORT_UDP, 8);
	frame_ip6_done(&f, l3);
	expect("HBH, routing, dest options, udp 53", &f, HP_XDP_PASS_CLASS_UDP);
	frame_eth_plain(&f, ETH_IP6);
	l3 = frame_ip6(&f, IPPROTO_HOPOPTS, frame_src6);
	frame_ip6_opt(&f, IPPROTO_FRAGMENT, 0);
	frame_ip6_frag(&f, IPPROTO_AH, 0, true);
	frame_ip6_ah(&f, IPPROTO_ICMPV6, 1);
	frame_icmp(&f, 135, 24);
	frame_ip6_done(&f, l3);
	expect("HBH, fragment, AH, NS", &f, HP_XDP_PASS_CLASS_ND);
	for (int n = HP_XDP_MAX_EXTHDR - 1; n <= HP_XDP_MAX_EXTHDR + 1; n++) {
		frame_eth_plain(&f, ETH_IP6);
		l3 = frame_ip6(&f, IPPROTO_DSTOPTS, frame_src6);
		for (int i = 0; i < n; i++)
			frame_ip6_opt(&f, i + 1 < n ? IPPROTO_DSTOPTS : IPPROTO_UDP, 0);
		frame_udp(&f, 40000, PORT_UDP, 8);
		frame_ip6_done(&f, l3);
		expect("a chain of n, udp 53", &f,
		       n <= HP_XDP_MAX_EXTHDR ? HP_XDP_PASS_CLASS_UDP : HP_XDP_PASS_NOSOCK);
	}

	/* upper layers we do not classify */
	frame_eth_plain(&f, ETH_IP6);
	ip6_l4(&f, frame_src6, IPPROTO_ESP, 0, 0);
	expect("ESP", &f, HP_XDP_PASS_NOSOCK);
	frame_eth_plain(&f, ETH_IP6);
	l3 = frame_ip6(&f, IPPROTO_HOPOPTS, frame_src6);
	frame_ip6_opt(&f, IPPROTO_ESP, 0);
	frame_payload(&f, 2);
	frame_ip6_done(&f, l3);
	expect("HBH, ESP (2 bytes)", &f, HP_XDP_PASS_NOSOCK);
	frame_eth_plain(&f, ETH_IP6);
	l3 = frame_ip6(&f, IPPROTO_NONE, frame_src6);
	frame_ip6_done(&f, l3);
	expect("no next header", &f, HP_XDP_PASS_NOSOCK);
	frame_eth_plain(&f, ETH_IP6);
	l3 = frame_ip6(&f, IPPROTO_ROUTING, frame_src6);
	frame_ip6_opt(&f, IPPROTO_NONE, 0);
	frame_ip6_done(&f, l3);
	expect("routing, no next header", &f, HP_XDP_PASS_NOSOCK);

	/* blocked: before the walk, so a cut chain behind a blocked source is a block */
	frame_eth_plain(&f, ETH_IP6);
	l3 = frame_ip6(&f, IPPROTO_HOPOPTS, src6_blocked);
	frame_ip6_opt(&f, IPPROTO_UDP, 3);
	frame_udp(&f, 40000, PORT_UDP, 8);
	frame_ip6_done(&f, l3);
	expect("blocked, HBH", &f, HP_XDP_DROP_BLOCK6);
	f.len = 14 + 40 + 9;
	expect("blocked, HBH cut", &f, HP_XDP_DROP_BLOCK6);

	for (uint8_t v = 0; v < 16; v++) {
		udp6(&f, frame_src6, PORT_UDP);
		f.b[14] = (uint8_t)(v << 4);
		expect("IPv6 version", &f, v == 6 ? HP_XDP_PASS_CLASS_UDP : HP_XDP_DROP_MALFORMED);
	}
	maps_reset();
}

/* ---- truncation: every length of every kind of frame ---- */

struct shape {
	const char *name;
	void (*build)(struct frame *f);
	enum hp_xdp_reason configured; /* the whole frame in maps_configured() */
	enum hp_xdp_reason empty;      /* ... and with empty maps */
};

static const uint16_t tags_q[] = {TPID_Q}, tags_adq[] = {TPID_AD, TPID_Q},
		      tags_3[] = {TPID_AD, TPID_Q, TPID_Q};

static void
sh_other(struct frame *f)
{
	frame_eth_plain(f, ETH_LLDP);
	frame_payload(f, 46);
}

static void
sh_arp(struct frame *f)
{
	frame_eth_plain(f, ETH_ARP);
	frame_arp(f);
	frame_payload(f, 18); /* Ethernet padding */
}

static void
sh_arp_q(struct frame *f)
{
	frame_eth(f, tags_q, 1, ETH_ARP);
	frame_arp(f);
}

static void
sh_udp4(struct frame *f)
{
	udp4(f, FRAME_SRC4, PORT_UDP);
}

static void
sh_tcp4_opts(struct frame *f)
{
	uint32_t l3;

	frame_eth_plain(f, ETH_IP);
	l3 = frame_ip4(f, IPPROTO_TCP, FRAME_SRC4, 2, 0);
	frame_tcp(f, 40000, PORT_TCP, 3);
	frame_payload(f, 5);
	frame_ip4_done(f, l3);
}

static void
sh_icmp4(struct frame *f)
{
	frame_eth_plain(f, ETH_IP);
	ip4_l4(f, FRAME_SRC4, IPPROTO_ICMP, 0, 8);
}

static void
sh_gre4(struct frame *f)
{
	frame_eth_plain(f, ETH_IP);
	ip4_l4(f, FRAME_SRC4, IPPROTO_GRE, 0, 0);
}

static void
sh_frag4(struct frame *f)
{
	uint32_t l3;

	frame_eth_plain(f, ETH_IP);
	l3 = frame_ip4(f, IPPROTO_UDP, FRAME_SRC4, 0, 0x00b9);
	frame_udp(f, 40000, PORT_UDP, 8);
	frame_ip4_done(f, l3);
}

static void
sh_udp4_q(struct frame *f)
{
	frame_eth(f, tags_q, 1, ETH_IP);
	ip4_l4(f, FRAME_SRC4, IPPROTO_UDP, 40000, PORT_UDP);
}

static void
sh_tcp6_adq(struct frame *f)
{
	frame_eth(f, tags_adq, 2, ETH_IP6);
	ip6_l4(f, frame_src6, IPPROTO_TCP, 40000, PORT_TCP);
}

static void
sh_udp4_3tags(struct frame *f)
{
	frame_eth(f, tags_3, 3, ETH_IP);
	ip4_l4(f, FRAME_SRC4, IPPROTO_UDP, 40000, PORT_UDP);
}

static void
sh_udp6(struct frame *f)
{
	udp6(f, frame_src6, PORT_UDP);
}

static void
sh_ns6(struct frame *f)
{
	frame_eth_plain(f, ETH_IP6);
	ip6_l4(f, frame_src6, IPPROTO_ICMPV6, 0, 135);
}

static void
sh_echo6(struct frame *f)
{
	frame_eth_plain(f, ETH_IP6);
	ip6_l4(f, frame_src6, IPPROTO_ICMPV6, 0, 128);
}

static void
sh_chain6(struct frame *f)
{
	uint32_t l3;

	frame_eth_plain(f, ETH_IP6);
	l3 = frame_ip6(f, IPPROTO_HOPOPTS, frame_src6);
	frame_ip6_opt(f, IPPROTO_ROUTING, 0);
	frame_ip6_opt(f, IPPROTO_FRAGMENT, 1);
	frame_ip6_frag(f, IPPROTO_AH, 0, true);
	frame_ip6_ah(f, IPPROTO_DSTOPTS, 4);
	frame_ip6_opt(f, IPPROTO_UDP, 0);
	frame_udp(f, 40000, PORT_UDP, 8);
	frame_ip6_done(f, l3);
}

static void
sh_frag6(struct frame *f)
{
	uint32_t l3;

	frame_eth_plain(f, ETH_IP6);
	l3 = frame_ip6(f, IPPROTO_FRAGMENT, frame_src6);
	frame_ip6_frag(f, IPPROTO_UDP, 185, true);
	frame_udp(f, 40000, PORT_UDP, 8);
	frame_ip6_done(f, l3);
}

/* HP_XDP_MAX_EXTHDR + 1 headers: the last is not walked, so it is not required. */
static void
sh_long_chain6(struct frame *f)
{
	uint32_t l3;

	frame_eth_plain(f, ETH_IP6);
	l3 = frame_ip6(f, IPPROTO_DSTOPTS, frame_src6);
	for (int i = 0; i < HP_XDP_MAX_EXTHDR + 1; i++) {
		if (i == HP_XDP_MAX_EXTHDR)
			f->optional = true;
		frame_ip6_opt(f, i < HP_XDP_MAX_EXTHDR ? IPPROTO_DSTOPTS : IPPROTO_UDP, 0);
	}
	frame_udp(f, 40000, PORT_UDP, 8);
	frame_ip6_done(f, l3);
}

static void
sh_esp6(struct frame *f)
{
	frame_eth_plain(f, ETH_IP6);
	ip6_l4(f, frame_src6, IPPROTO_ESP, 0, 0);
}

/*
 * Each kind of frame cut to every length from 0 to whole: malformed exactly when the cut
 * falls inside a header hp_xdp requires (struct frame's need), the whole frame's verdict
 * otherwise. A frame cut inside its Ethernet header (under 14 bytes) is malformed too.
 */
static void
test_truncation(void)
{
	static const struct shape shapes[] = {
		{"LLDP", sh_other, HP_XDP_PASS_NOSOCK, HP_XDP_PASS_NOSOCK},
		{"ARP", sh_arp, HP_XDP_PASS_CLASS_ARP, HP_XDP_PASS_NOSOCK},
		{"802.1Q ARP", sh_arp_q, HP_XDP_PASS_CLASS_ARP, HP_XDP_PASS_NOSOCK},
		{"v4 udp", sh_udp4, HP_XDP_PASS_CLASS_UDP, HP_XDP_PASS_NOSOCK},
		{"v4+options tcp+options", sh_tcp4_opts, HP_XDP_PASS_CLASS_TCP, HP_XDP_PASS_NOSOCK},
		{"v4 icmp", sh_icmp4, HP_XDP_PASS_CLASS_ICMP, HP_XDP_PASS_NOSOCK},
		{"v4 gre", sh_gre4, HP_XDP_PASS_NOSOCK, HP_XDP_PASS_NOSOCK},
		{"v4 non-first fragment", sh_frag4, HP_XDP_PASS_NOSOCK, HP_XDP_PASS_NOSOCK},
		{"802.1Q v4 udp", sh_udp4_q, HP_XDP_PASS_CLASS_UDP, HP_XDP_PASS_NOSOCK},
		{"QinQ v6 tcp", sh_tcp6_adq, HP_XDP_PASS_CLASS_TCP, HP_XDP_PASS_NOSOCK},
		{"3 tags v4 udp", sh_udp4_3tags, HP_XDP_PASS_NOSOCK, HP_XDP_PASS_NOSOCK},
		{"v6 udp", sh_udp6, HP_XDP_PASS_CLASS_UDP, HP_XDP_PASS_NOSOCK},
		{"v6 NS", sh_ns6, HP_XDP_PASS_CLASS_ND, HP_XDP_PASS_NOSOCK},
		{"v6 echo", sh_echo6, HP_XDP_PASS_CLASS_ICMP6, HP_XDP_PASS_NOSOCK},
		{"v6 HBH routing frag AH dstopts udp", sh_chain6, HP_XDP_PASS_CLASS_UDP, HP_XDP_PASS_NOSOCK},
		{"v6 non-first fragment", sh_frag6, HP_XDP_PASS_NOSOCK, HP_XDP_PASS_NOSOCK},
		{"v6 chain past the limit", sh_long_chain6, HP_XDP_PASS_NOSOCK, HP_XDP_PASS_NOSOCK},
		{"v6 esp", sh_esp6, HP_XDP_PASS_NOSOCK, HP_XDP_PASS_NOSOCK},
	};
	struct frame f;
	char what[96];

	for (int configured = 1; configured >= 0; configured--) {
		if (configured)
			maps_configured();
		else
			maps_reset();
		for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
			enum hp_xdp_reason whole = configured ? shapes[i].configured : shapes[i].empty;

			shapes[i].build(&f);
			CU_ASSERT_FATAL(f.need >= 14 && f.need <= f.len);
			snprintf(what, sizeof(what), "%s (%s maps, needs %u)", shapes[i].name,
				 configured ? "configured" : "empty", f.need);
			for (uint32_t len = 0; len <= f.len; len++)
				expect_n(what, &f, len, 1, len < f.need ? HP_XDP_DROP_MALFORMED : whole);
		}
	}
	maps_reset();
}

/* Maps written between runs take effect on the next frame: blocks, port bits, class flags. */
static void
test_map_updates(void)
{
	struct frame f4, f6, arp, icmp, ns, echo6;

	maps_reset();
	udp4(&f4, IP4(198, 18, 0, 9), PORT_NONE);
	udp6(&f6, frame_src6, PORT_NONE);
	frame_eth_plain(&arp, ETH_ARP);
	frame_arp(&arp);
	frame_eth_plain(&icmp, ETH_IP);
	ip4_l4(&icmp, FRAME_SRC4, IPPROTO_ICMP, 0, 8);
	frame_eth_plain(&ns, ETH_IP6);
	ip6_l4(&ns, frame_src6, IPPROTO_ICMPV6, 0, 135);
	frame_eth_plain(&echo6, ETH_IP6);
	ip6_l4(&echo6, frame_src6, IPPROTO_ICMPV6, 0, 128);

	expect("v4, empty maps", &f4, HP_XDP_PASS_NOSOCK);
	block("198.18.0.0/15", true);
	expect("v4, block added", &f4, HP_XDP_DROP_BLOCK4);
	expect("v6, v4 block", &f6, HP_XDP_PASS_NOSOCK);
	block("198.18.0.0/15", false);
	expect("v4, block deleted", &f4, HP_XDP_PASS_NOSOCK);
	block("2001:db8::/32", true);
	expect("v6, block added", &f6, HP_XDP_DROP_BLOCK6);
	expect("v4, v6 block", &f4, HP_XDP_PASS_NOSOCK);
	block("2001:db8::/32", false);
	expect("v6, block deleted", &f6, HP_XDP_PASS_NOSOCK);

	set_port(PORT_NONE, HP_XDP_PORT_UDP);
	expect("v4, udp bit set", &f4, HP_XDP_PASS_CLASS_UDP);
	expect("v6, udp bit set", &f6, HP_XDP_PASS_CLASS_UDP);
	set_port(PORT_NONE, HP_XDP_PORT_TCP);
	expect("v4, tcp bit only", &f4, HP_XDP_PASS_NOSOCK);
	set_port(PORT_NONE, HP_XDP_PORT_TCP | HP_XDP_PORT_UDP);
	expect("v6, both bits", &f6, HP_XDP_PASS_CLASS_UDP);
	block("198.18.0.0/15", true);
	expect("v4, pass port but blocked", &f4, HP_XDP_DROP_BLOCK4);
	block("198.18.0.0/15", false);
	set_port(PORT_NONE, HP_XDP_PORT_UDP_SRC);
	expect("v4, udp source bit, port is the destination", &f4, HP_XDP_PASS_NOSOCK);
	set_port(40000, HP_XDP_PORT_UDP_SRC); /* udp4/udp6 send from 40000 */
	expect("v4, udp source bit on the source port", &f4, HP_XDP_PASS_CLASS_UDP);
	expect("v6, udp source bit on the source port", &f6, HP_XDP_PASS_CLASS_UDP);
	set_port(40000, HP_XDP_PORT_TCP_SRC);
	expect("v4, tcp source bit only", &f4, HP_XDP_PASS_NOSOCK);
	set_port(40000, HP_XDP_PORT_UDP);
	expect("v4, udp destination bit on the source port", &f4, HP_XDP_PASS_NOSOCK);
	set_port(40000, 0);
	set_port(PORT_NONE, 0);
	expect("v4, bits cleared", &f4, HP_XDP_PASS_NOSOCK);
	expect("v6, bits cleared", &f6, HP_XDP_PASS_NOSOCK);

	/* each flag passes its class and no other */
	set_flags(HP_XDP_PASS_ARP);
	expect("ARP on", &arp, HP_XDP_PASS_CLASS_ARP);
	expect("ARP on: icmp", &icmp, HP_XDP_PASS_NOSOCK);
	set_flags(HP_XDP_PASS_ND);
	expect("ND on", &ns, HP_XDP_PASS_CLASS_ND);
	expect("ND on: echo6", &echo6, HP_XDP_PASS_NOSOCK);
	expect("ND on: arp", &arp, HP_XDP_PASS_NOSOCK);
	set_flags(HP_XDP_PASS_ICMP);
	expect("ICMP on", &icmp, HP_XDP_PASS_CLASS_ICMP);
	expect("ICMP on: echo6", &echo6, HP_XDP_PASS_NOSOCK);
	set_flags(HP_XDP_PASS_ICMP6);
	expect("ICMP6 on", &echo6, HP_XDP_PASS_CLASS_ICMP6);
	expect("ICMP6 on: NS is ND's", &ns, HP_XDP_PASS_NOSOCK);
	expect("ICMP6 on: icmp", &icmp, HP_XDP_PASS_NOSOCK);
	set_flags(0);
	expect("all off: arp", &arp, HP_XDP_PASS_NOSOCK);
	expect("all off: NS", &ns, HP_XDP_PASS_NOSOCK);
	expect("all off: icmp", &icmp, HP_XDP_PASS_NOSOCK);
	expect("all off: echo6", &echo6, HP_XDP_PASS_NOSOCK);
	maps_reset();
}

/* Does one of n prefixes (host order, length) cover a? */
static bool
covered4(const uint32_t *net, const uint8_t *plen, size_t n, uint32_t a)
{
	for (size_t i = 0; i < n; i++)
		if (plen[i] == 0 || (a ^ net[i]) >> (32 - plen[i]) == 0)
			return true;
	return false;
}

/*
 * LPM blocks. The trie has no "allow" entry, so a longer prefix inside a block changes
 * nothing: everything inside any blocked prefix drops, nothing outside does; /0 blocks
 * the whole family and only it.
 */
static void
test_lpm(void)
{
	static const char *inside8[] = {"10.0.0.0", "10.0.0.1", "10.128.7.9", "10.255.255.255"};
	static const char *outside8[] = {"9.255.255.255", "11.0.0.0", "0.0.0.0", "255.255.255.255"};
	static const uint8_t in6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 0x42};
	static const uint8_t out6[16] = {0x20, 0x01, 0x0d, 0xb9, [15] = 0x42};
	static const uint8_t exact6[16] = {0x20, 0x01, 0x0d, 0xb9, [15] = 0x43};
	uint32_t net[256];
	uint8_t plen[256];
	struct frame f, arp;
	char pfx[64];

	maps_reset();
	set_port(PORT_UDP, HP_XDP_PORT_UDP); /* a pass class: a block must win over it */
	block("10.0.0.0/8", true);
	for (size_t i = 0; i < 4; i++) {
		udp4(&f, addr4(inside8[i]), PORT_UDP);
		expect("inside 10/8", &f, HP_XDP_DROP_BLOCK4);
		udp4(&f, addr4(outside8[i]), PORT_UDP);
		expect("outside 10/8", &f, HP_XDP_PASS_CLASS_UDP);
	}
	block("10.1.2.3/32", true);
	udp4(&f, addr4("10.1.2.3"), PORT_UDP);
	expect("/32 inside /8", &f, HP_XDP_DROP_BLOCK4);
	udp4(&f, addr4("10.1.2.4"), PORT_UDP);
	expect("next to the /32, inside /8", &f, HP_XDP_DROP_BLOCK4);
	block("10.0.0.0/8", false);
	udp4(&f, addr4("10.1.2.3"), PORT_UDP);
	expect("/32 alone", &f, HP_XDP_DROP_BLOCK4);
	udp4(&f, addr4("10.1.2.4"), PORT_UDP);
	expect("next to the /32 alone", &f, HP_XDP_PASS_CLASS_UDP);

	set_flags(ALL_FLAGS);
	frame_eth_plain(&arp, ETH_ARP);
	frame_arp(&arp);
	block("0.0.0.0/0", true);
	for (size_t i = 0; i < 4; i++) {
		udp4(&f, addr4(outside8[i]), PORT_UDP);
		expect("0/0", &f, HP_XDP_DROP_BLOCK4);
	}
	udp6(&f, frame_src6, PORT_UDP);
	expect("v6 under 0/0", &f, HP_XDP_PASS_CLASS_UDP);
	expect("ARP under 0/0", &arp, HP_XDP_PASS_CLASS_ARP);
	block("0.0.0.0/0", false);

	block("2001:db8::/32", true);
	udp6(&f, in6, PORT_UDP);
	expect("inside 2001:db8::/32", &f, HP_XDP_DROP_BLOCK6);
	udp6(&f, out6, PORT_UDP);
	expect("outside 2001:db8::/32", &f, HP_XDP_PASS_CLASS_UDP);
	block("2001:db9::43/128", true);
	udp6(&f, exact6, PORT_UDP);
	expect("/128", &f, HP_XDP_DROP_BLOCK6);
	udp6(&f, out6, PORT_UDP);
	expect("next to the /128", &f, HP_XDP_PASS_CLASS_UDP);
	block("::/0", true);
	udp6(&f, out6, PORT_UDP);
	expect("::/0", &f, HP_XDP_DROP_BLOCK6);
	frame_eth_plain(&f, ETH_IP6);
	ip6_l4(&f, frame_src6, IPPROTO_ICMPV6, 0, 135);
	expect("NS under ::/0: the block wins", &f, HP_XDP_DROP_BLOCK6);
	udp4(&f, FRAME_SRC4, PORT_UDP);
	expect("v4 under ::/0", &f, HP_XDP_PASS_CLASS_UDP);
	maps_reset();

	/* random /8../32 blocks against a linear reference */
	rng_seed(0x78647031);
	set_port(PORT_UDP, HP_XDP_PORT_UDP);
	for (size_t i = 0; i < 256; i++) {
		uint64_t r = rng_next();

		plen[i] = (uint8_t)(i % 3 == 0 ? 32 : i % 3 == 1 ? 24 : 8 + r % 25);
		net[i] = (uint32_t)(r >> 32) & (uint32_t)(~0ull << (32 - plen[i]));
		snprintf(pfx, sizeof(pfx), "%u.%u.%u.%u/%u", net[i] >> 24, net[i] >> 16 & 255,
			 net[i] >> 8 & 255, net[i] & 255, plen[i]);
		block(pfx, true);
	}
	for (size_t i = 0; i < 1024; i++) {
		uint32_t a = (uint32_t)(rng_next() >> 32);

		if (i % 2) /* half near a blocked prefix: inside it or just past its end */
			a = net[i % 256] + (i % 4 == 1 ? (uint32_t)(a % (1ull << (32 - plen[i % 256])))
						       : (uint32_t)(1ull << (32 - plen[i % 256])));
		udp4(&f, a, PORT_UDP);
		expect("random blocks", &f,
		       covered4(net, plen, 256, a) ? HP_XDP_DROP_BLOCK4 : HP_XDP_PASS_CLASS_UDP);
	}
	maps_reset();
}

/* repeat = N adds N packets and N * len bytes to one reason, whichever CPU ran it; frame sizes 14..1514. */
static void
test_counters(void)
{
	static const uint32_t sizes[] = {60, 128, 512, 1514};
	struct frame f;
	struct totals t0, t1;

	maps_configured();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		udp4(&f, FRAME_SRC4, PORT_UDP);
		frame_payload(&f, sizes[i] - f.len);
		expect_n("udp 53, repeat 1000", &f, f.len, 1000, HP_XDP_PASS_CLASS_UDP);
		udp4(&f, SRC4_BLOCKED, PORT_NONE);
		frame_payload(&f, sizes[i] - f.len);
		expect_n("blocked, repeat 777", &f, f.len, 777, HP_XDP_DROP_BLOCK4);
	}
	frame_eth_plain(&f, ETH_LLDP);
	expect_n("bare Ethernet header, repeat 3", &f, 14, 3, HP_XDP_PASS_NOSOCK);
	expect_n("5 bytes, repeat 5", &f, 5, 5, HP_XDP_DROP_MALFORMED);

	/* N single runs add up like one run of N */
	udp4(&f, FRAME_SRC4, PORT_NONE);
	totals_read(&t0);
	for (int i = 0; i < 50; i++)
		expect("one of 50", &f, HP_XDP_PASS_NOSOCK);
	totals_read(&t1);
	CU_ASSERT_EQUAL(t1.packets[HP_XDP_PASS_NOSOCK] - t0.packets[HP_XDP_PASS_NOSOCK], 50);
	CU_ASSERT_EQUAL(t1.bytes[HP_XDP_PASS_NOSOCK] - t0.bytes[HP_XDP_PASS_NOSOCK], 50ull * f.len);
	maps_reset();
}

/*
 * Without an AF_XDP socket nothing is ever redirected: after every run above, HP_XDP_STEER
 * is still 0 and every packet went to exactly one reason (the total equals the runs' sum,
 * checked run by run by expect_n).
 */
static void
test_no_socket_no_steer(void)
{
	struct totals t;

	totals_read(&t);
	CU_ASSERT_EQUAL(t.packets[HP_XDP_STEER], 0);
	CU_ASSERT_EQUAL(t.bytes[HP_XDP_STEER], 0);
	CU_ASSERT(nruns > 1000);
	if (nrefused)
		printf("\n    note: %u runs of frames under 14 bytes were refused by this kernel (EINVAL): "
		       "the cut-Ethernet case is not exercised here ",
		       nrefused);
}

/*
 * on_no_socket: drop. With HP_XDP_FLAG_NOSOCK_PASS clear (also the state of a program whose
 * hp_cfg nobody filled yet) a frame to steer with no socket on its queue is XDP_DROP,
 * counted drop_nosock; pass classes and blocks decide as before.
 */
static void
test_no_socket_drop(void)
{
	struct frame f4, f6, arp, other;

	maps_configured();
	udp4(&f4, IP4(198, 18, 0, 9), PORT_NONE);
	udp6(&f6, frame_src6, PORT_NONE);
	frame_eth_plain(&arp, ETH_ARP);
	frame_arp(&arp);
	frame_eth_plain(&other, ETH_LLDP);
	set_flags_raw(ALL_FLAGS);
	expect("v4 to steer, no socket, drop", &f4, HP_XDP_DROP_NOSOCK);
	expect("v6 to steer, no socket, drop", &f6, HP_XDP_DROP_NOSOCK);
	expect("other EtherType, no socket, drop", &other, HP_XDP_DROP_NOSOCK);
	expect("ARP still a pass class", &arp, HP_XDP_PASS_CLASS_ARP);
	udp4(&f4, IP4(198, 18, 0, 9), PORT_UDP);
	expect("udp/53 still a pass class", &f4, HP_XDP_PASS_CLASS_UDP);
	udp4(&f4, SRC4_BLOCKED, PORT_NONE);
	expect("a block still wins", &f4, HP_XDP_DROP_BLOCK4);
	set_flags_raw(0);
	expect("hp_cfg unfilled: ARP steered, dropped", &arp, HP_XDP_DROP_NOSOCK);
	udp4(&f4, IP4(198, 18, 0, 9), PORT_NONE);
	set_flags_raw(HP_XDP_FLAG_NOSOCK_PASS);
	expect("on_no_socket: pass again", &f4, HP_XDP_PASS_NOSOCK);
	maps_reset();
}

/* Exit 77 (skipped) when BPF cannot be used here at all; a program the verifier refuses is a failure. */
static int
setup(void)
{
	int probe;

	if (geteuid() != 0) {
		printf("SKIP: BPF_PROG_TEST_RUN needs root (CAP_BPF + CAP_NET_ADMIN)\n");
		return 77;
	}
	probe = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL);
	if (probe != 1) {
		/* 0: a trivial XDP program did not load (no CAP_BPF/CAP_NET_ADMIN, or no kernel support) */
		printf("SKIP: cannot load an XDP program here (%s)\n",
		       probe < 0 ? strerror(-probe) : "not permitted or not supported");
		return 77;
	}
	skel = hp_xdp__open_and_load();
	if (skel == NULL) {
		fprintf(stderr, "hp_xdp: open/load failed: %s (the verifier's log is above)\n",
			strerror(errno));
		return 1;
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fprintf(stderr, "libbpf_num_possible_cpus: %s\n", strerror(-ncpus));
		return 1;
	}
	prog_fd = bpf_program__fd(skel->progs.hp_xdp);
	cfg_fd = bpf_map__fd(skel->maps.hp_cfg);
	ports_fd = bpf_map__fd(skel->maps.hp_ports);
	block4_fd = bpf_map__fd(skel->maps.hp_block4);
	block6_fd = bpf_map__fd(skel->maps.hp_block6);
	stats_fd = bpf_map__fd(skel->maps.hp_stats);
	return 0;
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"every verdict and reason", test_verdicts},
		{"802.1Q, QinQ, three tags", test_vlan},
		{"IPv4 header, L4 lengths, fragments", test_ipv4_header},
		{"IPv6 extension headers", test_ipv6_ext},
		{"every truncation point", test_truncation},
		{"map updates between runs", test_map_updates},
		{"LPM blocks", test_lpm},
		{"per-CPU counters", test_counters},
		{"no socket: on_no_socket drop", test_no_socket_drop},
		{"no socket: steer is pass_nosock", test_no_socket_no_steer},
	};
	int rc = setup();

	if (rc != 0)
		return rc;
	rc = HP_CUNIT_RUN("bpf", tests);
	hp_xdp__destroy(skel);
	return rc;
}
