/*
 * fuzz_pipeline's load balancer (included by fuzz_pipeline.c, stateless build only): a table set
 * with VIPs, its stage and its fast path, run like the others and checked for the encapsulation.
 */
#include "lb.h"
#include "lb_flow.h"

/*
 * An input whose first byte has bit 2 set runs on this table set: the same ports and routes as
 * `config`, the backends' neighbours, no ACL (so its fast path is fast_burst_lb), and VIPs of
 * every kind docs/lb.md describes:
 *  0 192.0.2.10 tcp/80 IPIP: backends on p1, one behind a route (198.18.0.20), one weight 0;
 *  1 192.0.2.10 tcp/443 GUE, no_src_port: p0 and p1 (tcp to .10 has two VIPs: its fragments are
 *    ambiguous, lb_fragment);
 *  2 192.0.2.10 udp, every port, GUE: its fragments are placed; 10.0.1.23 has no neighbour (punt);
 *  3 192.0.2.11 tcp, every port, IPv4 in IPv6 (4in6);
 *  4 192.0.2.11 udp/53 GUE to an IPv6 and an IPv4 backend;
 *  5 2001:db8:f::10 tcp/80 IP6IP6; 6 2001:db8:f::10 udp GUE over IPv6 (UDP checksum);
 *  7 192.0.2.12 tcp/80: every backend weight 0 (lb_no_backend).
 * Bit 3 of the first byte: after the burst, VIP 0's 10.0.1.20 goes down and 10.0.1.21 drains,
 * and the same burst runs again (the flows the first round recorded move, or stay), then both
 * come back up.
 */
static const char lb_config[] = CONFIG_PORTS CONFIG_NEIGHBORS
	"  - { ip: 10.0.1.20, mac: \"02:00:00:00:01:20\", port: p1 }\n"
	"  - { ip: 10.0.1.21, mac: \"02:00:00:00:01:21\", port: p1 }\n"
	"  - { ip: 10.0.0.20, mac: \"02:00:00:00:00:20\", port: p0 }\n"
	"  - { ip: \"2001:db8:1::20\", mac: \"02:00:00:00:01:20\", port: p1 }\n"
	"  - { ip: \"2001:db8:1::21\", mac: \"02:00:00:00:01:21\", port: p1 }\n"
	"  - { ip: \"2001:db8::20\", mac: \"02:00:00:00:00:20\", port: p0 }\n" CONFIG_ROUTES
	"lb:\n"
	"  - { vip: 192.0.2.10, proto: tcp, port: 80, encap: ipip, backends: [{ ip: 10.0.1.20 },\n"
	"      { ip: 10.0.1.21, weight: 200 }, { ip: 198.18.0.20 }, { ip: 10.0.1.22, weight: 0 }] }\n"
	"  - { vip: 192.0.2.10, proto: tcp, port: 443, encap: gue, flags: [no_src_port],\n"
	"      backends: [{ ip: 10.0.0.20 }, { ip: 10.0.1.20 }] }\n"
	"  - { vip: 192.0.2.10, proto: udp, encap: gue, gue_port: 6081,\n"
	"      backends: [{ ip: 10.0.1.21 }, { ip: 10.0.0.20 }, { ip: 10.0.1.23 }] }\n"
	"  - { vip: 192.0.2.11, proto: tcp, encap: ipip, backends: [{ ip: \"2001:db8:1::21\" }] }\n"
	"  - { vip: 192.0.2.11, proto: udp, port: 53, encap: gue,\n"
	"      backends: [{ ip: \"2001:db8:1::20\" }, { ip: 10.0.1.21 }] }\n"
	"  - { vip: \"2001:db8:f::10\", proto: tcp, port: 80, encap: ipip,\n"
	"      backends: [{ ip: \"2001:db8:1::20\" }, { ip: \"2001:db8::20\" }] }\n"
	"  - { vip: \"2001:db8:f::10\", proto: udp, encap: gue, backends: [{ ip: \"2001:db8:1::21\" }] }\n"
	"  - { vip: 192.0.2.12, proto: tcp, port: 80, backends: [{ ip: 10.0.1.20, weight: 0 },\n"
	"      { ip: 10.0.1.21, weight: 0 }] }\n"
	"lb_conf: { src4: 172.16.0.0/16, src6: \"fd00:4c42::/64\" }\n";

static struct hp_config cfg_lb;
static struct dp_tables *lb_tables;
/* One flow table per worker: workers[0] plays the general run, workers[1] the fast one, so the two
 * runs of a burst have their own flow state (and counters) in the one dp_lb. */
static struct lb_flow_table *lb_flows[2];
static int lb_down = -1, lb_drain = -1; /* VIP 0's slots of 10.0.1.20 and 10.0.1.21 */

static void
lb_free(void)
{
	dp_lb_free(lb_tables->lb);
	dp_fib_free(lb_tables->fib);
	for (unsigned w = 0; w < 2; w++)
		lb_flow_free(lb_flows[w]);
}

static void
lb_init(void)
{
	char err[HP_ERR_MAX];
	struct rte_ether_addr macs[2];
	struct hp_addr a = {.family = AF_INET};

	if (hp_config_parse("fuzz_lb.yaml", lb_config, sizeof(lb_config) - 1, &cfg_lb, err, sizeof(err)) != 0)
		fprintf(stderr, "fuzz_pipeline: lb config: %s\n", err);
	CHECK(cfg_lb.n_lb == 8 && cfg_lb.n_ports == 2);
	for (unsigned p = 0; p < 2; p++)
		memcpy(macs[p].addr_bytes, cfg_lb.ports[p].mac, 6);
	lb_tables = rte_zmalloc("fuzz_lb", sizeof(*lb_tables), 0);
	CHECK(lb_tables != NULL);
	lb_tables->fib = dp_fib_build(&cfg_lb, macs, NULL, 0, err, sizeof(err));
	CHECK(lb_tables->fib != NULL);
	for (unsigned w = 0; w < 2; w++) {
		/* a bucket or two: a burst's flows evict each other */
		lb_flows[w] = lb_flow_create(16, 60 * rte_get_tsc_hz(), 0);
		CHECK(lb_flows[w] != NULL);
	}
	lb_tables->lb = dp_lb_build(&cfg_lb, NULL, 2, lb_flows, 0, err, sizeof(err));
	if (lb_tables->lb == NULL)
		fprintf(stderr, "fuzz_pipeline: dp_lb_build: %s\n", err);
	CHECK(lb_tables->lb != NULL);
	atexit(lb_free);
	dp_tables_finish(lb_tables);
	CHECK(lb_tables->fast_path == DP_L3_FAST_LB);
	memcpy(a.addr, (const uint8_t[]){10, 0, 1, 20}, 4);
	lb_down = dp_lb_backend_find(lb_tables->lb, 0, &a);
	a.addr[3] = 21;
	lb_drain = dp_lb_backend_find(lb_tables->lb, 0, &a);
	CHECK(lb_down >= 0 && lb_drain >= 0);
}

/* The burst's frames as the input holds them (run() copies them into mbufs the stages change). */
static const uint8_t *lb_in[DP_BURST];
static uint16_t lb_in_len[DP_BURST];
static bool lb_changed; /* the second round: VIP 0's lb_down is down */

static uint16_t
lb_split(const uint8_t *data, size_t size)
{
	uint16_t n = 0;

	while (size >= 2 && n < DP_BURST) {
		size_t len = (size_t)(data[0] << 8 | data[1]) % (RTE_MBUF_DEFAULT_DATAROOM + 1);

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		lb_in[n] = data;
		lb_in_len[n++] = (uint16_t)len;
		data += len;
		size -= len;
	}
	return n;
}

static bool
lb_addr_eq(const struct hp_addr *a, const uint8_t *b, bool v6)
{
	return a->family == (v6 ? AF_INET6 : AF_INET) && memcmp(a->addr, b, v6 ? 16 : 4) == 0;
}

/* The VIP (index in cfg_lb.lb) a frame is for, as docs/lb.md says, worked out from the config
 * rather than the dataplane's tables: -1 none, -2 a fragment of an address with two VIPs. */
static int
lb_vip_of(const uint8_t *f, uint16_t len, struct dp_meta *m)
{
	bool v6, frag;
	const uint8_t *dst;
	uint8_t proto;
	uint16_t dport;
	int found = -1;

	if (dp_parse(f, len, 0, m) != 0 || (m->l3 != DP_L3_IPV4 && m->l3 != DP_L3_IPV6))
		return -1;
	v6 = m->l3 == DP_L3_IPV6;
	dst = v6 ? m->key.k6.dst : (const uint8_t *)&m->key.k4.dst;
	proto = v6 ? m->key.k6.proto : m->key.k4.proto;
	dport = rte_be_to_cpu_16(v6 ? m->key.k6.dport : m->key.k4.dport);
	frag = m->flags & DP_META_FRAG;
	for (unsigned v = 0; v < cfg_lb.n_lb; v++) {
		const struct hp_lb_vip *c = &cfg_lb.lb[v];

		if (!lb_addr_eq(&c->vip, dst, v6) || c->proto != proto)
			continue;
		if (frag)
			found = found == -1 ? (int)v : -2;
		else if (c->port == 0 || c->port == dport)
			return (int)v;
	}
	return found;
}

/* The one's complement sum of n bytes, folded, on top of sum. */
static uint32_t
lb_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/*
 * A frame the dataplane made of input frame in (to VIP v): Ethernet, the outer header(s) the VIP
 * and its backend call for, then the input's IP datagram byte for byte. The outer header is well
 * formed (IPv4: checksum, total length = frame - 14, DF and DSCP/ECN from the inner; IPv6:
 * payload length; GUE: the VIP's port, UDP length, over IPv6 the checksum), from lb_conf's source
 * prefix to a backend of v that may take flows.
 */
static void
lb_check_encap(const struct record *r, unsigned in, int v)
{
	const struct hp_lb_vip *c = &cfg_lb.lb[v];
	struct dp_meta im;
	const uint8_t *f = r->data, *o = r->data + 14, *ip, *dst;
	bool v6, inner_v6, gue = c->encap == HP_LB_GUE;
	unsigned oh, ih, b;
	uint8_t tos;

	CHECK(lb_vip_of(lb_in[in], lb_in_len[in], &im) == v);
	ip = lb_in[in] + im.l3_off;
	inner_v6 = im.l3 == DP_L3_IPV6;
	CHECK(f[12] == 0x08 || f[12] == 0x86);
	v6 = f[12] == 0x86;
	CHECK(f[13] == (v6 ? 0xdd : 0x00));
	ih = v6 ? 40 : 20;
	oh = ih + (gue ? 8 : 0);
	/* The fast path encapsulates before it routes: a packet it leaves to the general path then
	 * (no neighbour yet) is parsed again there as the GUE/IPIP packet it is, encap 0. Only a
	 * too-big punt needs encap, and the fast path takes no packet that could be too big. */
	if (r->punted)
		CHECK((r->meta.encap == oh || (r->meta.encap == 0 && r->meta.punt != DP_PUNT_MTU)) &&
		      r->meta.l3_off == 14 && r->meta.l3_len == oh + im.l3_len);
	/* nothing after the datagram (Ethernet padding is cut) and the datagram as it came */
	CHECK(r->len == 14 + oh + im.l3_len);
	CHECK(memcmp(o + oh, ip, im.l3_len) == 0);
	tos = inner_v6 ? (uint8_t)(ip[0] << 4 | ip[1] >> 4) : ip[1];
	if (!v6) {
		CHECK(o[0] == 0x45 && o[1] == tos && (o[2] << 8 | o[3]) == r->len - 14);
		CHECK((o[6] & 0xbf) == 0 && o[7] == 0); /* no fragment, DF as below */
		CHECK((o[6] & 0x40) == (inner_v6 ? 0x40 : (ip[6] & 0x40)));
		CHECK(o[9] == (gue ? IPPROTO_UDP : IPPROTO_IPIP) && !(inner_v6 && !gue));
		CHECK(lb_sum(o, 20, 0) == 0xffff);
		CHECK(memcmp(o + 12, cfg_lb.lb_conf.src4.addr, 2) == 0); /* 172.16.0.0/16 */
		dst = o + 16;
	} else {
		CHECK(o[0] >> 4 == 6 && (uint8_t)(o[0] << 4 | o[1] >> 4) == tos);
		CHECK((o[4] << 8 | o[5]) == r->len - 14 - 40);
		CHECK(o[6] == (gue ? IPPROTO_UDP : inner_v6 ? IPPROTO_IPV6 : IPPROTO_IPIP));
		CHECK(memcmp(o + 8, cfg_lb.lb_conf.src6.addr, 8) == 0); /* fd00:4c42::/64 */
		dst = o + 24;
	}
	if (gue) {
		const uint8_t *u = o + ih;
		unsigned ulen = r->len - 14 - ih;

		CHECK((u[0] << 8 | u[1]) >= 49152 && (u[2] << 8 | u[3]) == c->gue_port);
		CHECK((unsigned)(u[4] << 8 | u[5]) == ulen);
		if (!v6) {
			CHECK(u[6] == 0 && u[7] == 0);
		} else {
			uint8_t ph[8] = {0, 0, (uint8_t)(ulen >> 8), (uint8_t)ulen, 0, 0, 0, IPPROTO_UDP};

			CHECK(u[6] != 0 || u[7] != 0);
			CHECK(lb_sum(u, ulen, lb_sum(ph, 8, lb_sum(o + 8, 32, 0))) == 0xffff);
		}
	}
	for (b = 0; b < c->n_backends; b++)
		if (lb_addr_eq(&c->backends[b].ip, dst, v6))
			break;
	CHECK(b < c->n_backends);
	/* weight 0 gets no flow (each round's flows are new or recorded by a round that had it
	 * drained already); a backend that is down gets none */
	CHECK(c->backends[b].weight > 0);
	CHECK(!(lb_changed && v == 0 && (int)b == lb_down));
}

/* A frame of a run: a VIP's packet is dropped, or leaves (or is punted) encapsulated. */
static void
lb_check(const struct record *r)
{
	struct dp_meta im;
	int v = lb_vip_of(lb_in[r->in], lb_in_len[r->in], &im);
	bool backend = false;

	CHECK(r->in < n_inputs);
	if (v == -1) {
		CHECK(!r->punted || r->meta.encap == 0);
		return;
	}
	CHECK(v != -2); /* an ambiguous fragment is dropped */
	for (unsigned b = 0; b < cfg_lb.lb[v].n_backends; b++)
		backend |= cfg_lb.lb[v].backends[b].weight > 0;
	CHECK(backend); /* lb_no_backend */
	lb_check_encap(r, r->in, v);
}

/* A punted encapsulation too big for its port, as control/mtu.c's lb_too_big takes it (that
 * function needs a runtime and the neighbour code: this plays its steps with the harness's
 * checks): an IPv4 datagram without DF in IPv6 is cut and each piece encapsulated again; any
 * other gets the client an ICMP error with the MTU less the encapsulation. */
static void
lb_too_big(const struct record *r, unsigned mtu)
{
	static uint8_t frame[RTE_MBUF_DEFAULT_DATAROOM];
	const struct dp_meta *meta = &r->meta;
	const unsigned l3 = meta->l3_off, ov = meta->encap;
	const uint8_t *ip = r->data + l3 + ov;
	struct dp_meta inner;

	CHECK(ov < meta->l3_len && l3 + meta->l3_len <= r->len);
	if (mtu <= ov + 68)
		return; /* counted malformed there */
	if (meta->l3 == DP_L3_IPV6 && ip[0] >> 4 == 4 && !(ip[6] & 0x40)) {
		struct frag_check c = {.mtu = mtu - ov};
		size_t hlen = (ip[0] & 0xfu) * 4u;

		CHECK(ctl_ipv4_fragment(ip, meta->l3_len - ov, mtu - ov, check_fragment, &c) == (int)c.n);
		CHECK(c.n >= 2 && c.data == meta->l3_len - ov - hlen);
		return;
	}
	/* the client's frame as it came: its Ethernet header in front of the inner packet */
	memcpy(frame, r->data, l3);
	memcpy(frame + l3, ip, r->len - l3 - ov);
	frame[l3 - 2] = ip[0] >> 4 == 6 ? 0x86 : 0x08;
	frame[l3 - 1] = ip[0] >> 4 == 6 ? 0xdd : 0x00;
	CHECK(dp_parse(frame, r->len - ov, 0, &inner) == 0);
	inner.in_port = meta->in_port;
	ctl_slowpath_too_big(&ops, &ifaces[meta->in_port], meta->in_port, frame, r->len - ov, &inner,
			     mtu - ov);
}

/* VIP 0's two backends down and draining (on), or both up again. */
static void
lb_change(bool on)
{
	CHECK(dp_lb_set_admin(lb_tables->lb, 0, (unsigned)lb_down, on ? DP_LB_ADMIN_DOWN : DP_LB_ADMIN_UP) ==
	      0);
	CHECK(dp_lb_set_admin(lb_tables->lb, 0, (unsigned)lb_drain,
			      on ? DP_LB_ADMIN_DRAIN : DP_LB_ADMIN_UP) == 0);
	lb_changed = on;
}

/*
 * One input on the load balancer's tables. Each round runs the burst on workers[0] (general path)
 * and workers[1] (fast paths), each with its own flow table, so both start from the same flow
 * state: both tables are flushed first (an input's outcome depends on nothing before it, and the
 * fuzzer can replay it), and a second round starts from what its first round recorded, the same
 * in both if the two paths recorded the same flows.
 */
static int
lb_one_input(const uint8_t *data, size_t size)
{
	unsigned port = data[0] & 1, rounds = data[0] & 8 ? 2 : 1;
	uint64_t now = rte_rdtsc();

	data++;
	size--;
	if (lb_split(data, size) == 0)
		return 0;
	for (unsigned w = 0; w < 2; w++)
		lb_flow_flush(lb_flows[w]);
	for (unsigned round = 0; round < rounds; round++) {
		if (round == 1) {
			lb_change(true);
			now += rte_get_tsc_hz() / 1000;
		}
		worker = workers[0];
		run(data, size, port, lb_tables, false, now, &runs[0]);
		for (unsigned i = 0; i < runs[0].n; i++)
			lb_check(&runs[0].rec[i]);
		worker = workers[1];
		run(data, size, port, lb_tables, true, now, &runs[1]);
		compare(&runs[0], &runs[1]);
		for (unsigned i = 0; i < runs[1].n; i++) {
			lb_check(&runs[1].rec[i]);
			if (runs[1].rec[i].punted)
				slow_path(&runs[1].rec[i]);
			else
				check_sent(&runs[1].rec[i]);
		}
	}
	if (lb_changed)
		lb_change(false);
	CHECK(rte_mempool_avail_count(pool) == pool_size);
	return 0;
}
