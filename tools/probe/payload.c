/* hp-probe frames: build Ethernet/IPv4/UDP + probe header, decode and validate what comes back. */
#include <string.h>

#include "payload.h"

const char *const probe_rx_names[PROBE_RX_MAX] = {[PROBE_RX_OK] = "ok",
#define PROBE_RX_NAME(sym, name, help) [PROBE_RX_##sym] = name,
						  PROBE_RX_REASONS(PROBE_RX_NAME)
#undef PROBE_RX_NAME
};

/* Simple IMIX, 7 x 64 : 4 x 594 : 1 x 1518, spread so no size comes in a long run. */
const uint16_t probe_imix[PROBE_IMIX_CYCLE] = {64, 594, 64, 64, 594, 64, 1518, 64, 594, 64, 64, 594};

double
probe_size_mean(const struct probe_sizes *sz)
{
	double sum = 0;

	if (!sz->imix)
		return sz->fixed;
	for (unsigned i = 0; i < PROBE_IMIX_CYCLE; i++)
		sum += probe_imix[i];
	return sum / PROBE_IMIX_CYCLE;
}

static inline void
put16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t
get16be(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
putle(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t
getle(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint16_t
probe_ipv4_cksum(const uint8_t *hdr, unsigned ihl)
{
	uint32_t sum = 0;

	for (unsigned i = 0; i < ihl * 4; i += 2)
		sum += get16be(hdr + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void
probe_frame_build(uint8_t *buf, uint16_t size, const struct probe_frame_spec *spec, uint32_t flow,
		  uint32_t seq, uint64_t sched_off)
{
	uint16_t len = (uint16_t)(size - PROBE_FCS_LEN);
	uint8_t *ip = buf + 14, *udp = buf + PROBE_L4_OFF, *h = buf + PROBE_HDR_OFF;

	memcpy(buf, spec->dst_mac, 6);
	memcpy(buf + 6, spec->src_mac, 6);
	put16be(buf + 12, 0x0800);

	ip[0] = 0x45;
	ip[1] = 0;
	put16be(ip + 2, (uint16_t)(len - 14));
	put16be(ip + 4, (uint16_t)seq); /* IP ID: varies, never relied on */
	put16be(ip + 6, 0);             /* no fragmentation flags, offset 0 */
	ip[8] = spec->ttl;
	ip[9] = 17;
	put16be(ip + 10, 0);
	put32be(ip + 12, spec->src_ip + flow);
	put32be(ip + 16, spec->dst_ip);
	put16be(ip + 10, probe_ipv4_cksum(ip, 5));

	put16be(udp, (uint16_t)(spec->sport + flow));
	put16be(udp + 2, spec->dport);
	put16be(udp + 4, (uint16_t)(len - PROBE_L4_OFF));
	put16be(udp + 6, 0);

	putle(h, spec->magic, 4);
	putle(h + 4, flow, 2);
	putle(h + 6, seq, 4);
	putle(h + 10, sched_off, 5);
	putle(h + 15, 0, 3);
}

enum probe_rx_verdict
probe_frame_decode(const uint8_t *buf, uint32_t len, const struct probe_frame_spec *spec,
		   struct probe_stamp *st)
{
	const uint8_t *ip = buf + 14, *udp, *h;
	unsigned ihl;
	uint32_t ip_len, udp_len, flow;

	if (len < 14 + 20)
		return PROBE_RX_SHORT;
	if (get16be(buf + 12) != 0x0800 || (ip[0] >> 4) != 4)
		return PROBE_RX_NOT_IPV4;
	ihl = ip[0] & 0xf;
	if (ip[9] != 17 || (get16be(ip + 6) & 0x3fff) != 0) /* UDP, not a fragment */
		return PROBE_RX_NOT_UDP;
	ip_len = get16be(ip + 2);
	if (ihl < 5 || ip_len < ihl * 4 + 8 || 14 + ip_len > len)
		return PROBE_RX_BAD_LENGTH;
	if (ihl != 5) /* our frames have no options; the header offsets below assume so */
		return PROBE_RX_BAD_LENGTH;
	if (len < PROBE_FRAME_HEAD)
		return PROBE_RX_SHORT;
	udp = buf + PROBE_L4_OFF;
	udp_len = get16be(udp + 4);
	if (udp_len < 8 + PROBE_HDR_LEN || udp_len != ip_len - ihl * 4)
		return PROBE_RX_BAD_LENGTH;
	if (get16be(udp + 2) != spec->dport)
		return PROBE_RX_BAD_PORT;
	h = buf + PROBE_HDR_OFF;
	if ((uint32_t)getle(h, 4) != spec->magic)
		return PROBE_RX_BAD_MAGIC;
	flow = (uint32_t)getle(h + 4, 2);
	if (flow >= spec->n_flows)
		return PROBE_RX_BAD_FLOW;
	st->flow = flow;
	st->seq = (uint32_t)getle(h + 6, 4);
	st->sched40 = getle(h + 10, 5);
	st->tx_delta = probe_txd_decode((uint32_t)getle(h + 15, 3));
	return PROBE_RX_OK;
}
