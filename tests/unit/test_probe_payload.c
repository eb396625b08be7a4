/* Unit tests of hp-probe's frames: build/decode round trip, validation, TX-delta encoding, unwrap, sizes and IMIX. */
#include <stdint.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "payload.h"

static const struct probe_frame_spec SPEC = {
	.src_mac = {0x02, 0, 0, 0, 0, 0xaa},
	.dst_mac = {0x02, 0, 0, 0, 0, 0x01},
	.src_ip = 0x0a000002, /* 10.0.0.2 */
	.dst_ip = 0xc6120001, /* 198.18.0.1 */
	.sport = 1024,
	.dport = 9,
	.ttl = 64,
	.n_flows = 100,
	.magic = PROBE_MAGIC ^ 3,
};

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
round_trip(uint16_t size)
{
	uint8_t buf[PROBE_MAX_SIZE] = {0};
	const uint64_t sched = 0xABCDE12345ull; /* 40 bits */
	struct probe_stamp st;
	uint32_t len = size - PROBE_FCS_LEN;

	probe_frame_build(buf, size, &SPEC, 42, 0xdeadbeef, sched);
	probe_frame_stamp_tx(buf, 777);
	/* headers as a router sees them */
	CU_ASSERT(memcmp(buf, SPEC.dst_mac, 6) == 0 && memcmp(buf + 6, SPEC.src_mac, 6) == 0);
	CU_ASSERT_EQUAL(be16(buf + 12), 0x0800);
	CU_ASSERT_EQUAL(buf[14], 0x45);
	CU_ASSERT_EQUAL(be16(buf + 16), len - 14);
	CU_ASSERT_EQUAL(buf[22], 64);
	CU_ASSERT_EQUAL(buf[23], 17);
	CU_ASSERT_EQUAL(probe_ipv4_cksum(buf + 14, 5), 0); /* a valid header sums to 0xffff */
	CU_ASSERT_EQUAL(be32(buf + 26), SPEC.src_ip + 42);
	CU_ASSERT_EQUAL(be32(buf + 30), SPEC.dst_ip);
	CU_ASSERT_EQUAL(be16(buf + 34), SPEC.sport + 42);
	CU_ASSERT_EQUAL(be16(buf + 36), SPEC.dport);
	CU_ASSERT_EQUAL(be16(buf + 38), len - 34);
	CU_ASSERT_EQUAL(be16(buf + 40), 0);
	/* padding untouched (zero) */
	for (uint32_t i = PROBE_FRAME_HEAD; i < len; i++)
		CU_ASSERT_FATAL(buf[i] == 0);

	CU_ASSERT_EQUAL_FATAL(probe_frame_decode(buf, len, &SPEC, &st), PROBE_RX_OK);
	CU_ASSERT_EQUAL(st.flow, 42);
	CU_ASSERT_EQUAL(st.seq, 0xdeadbeef);
	CU_ASSERT_EQUAL(st.sched40, sched);
	CU_ASSERT_EQUAL(st.tx_delta, 777);
}

static void
test_round_trip_64_1518(void)
{
	round_trip(64);
	round_trip(65);
	round_trip(594);
	round_trip(1518);
	CU_ASSERT_EQUAL(PROBE_FRAME_HEAD, 64 - PROBE_FCS_LEN); /* the header fits a minimum frame exactly */
}

static void
test_sched_keeps_low_40_bits(void)
{
	uint8_t buf[64] = {0};
	struct probe_stamp st;

	probe_frame_build(buf, 64, &SPEC, 0, 1, 0x123456789ABCDEull);
	CU_ASSERT_EQUAL_FATAL(probe_frame_decode(buf, 60, &SPEC, &st), PROBE_RX_OK);
	CU_ASSERT_EQUAL(st.sched40, 0x3456789ABCDEull & 0xFFFFFFFFFFull);
	CU_ASSERT_EQUAL(st.tx_delta, 0);
}

static void
test_rejects(void)
{
	uint8_t good[64] = {0}, b[64];
	struct probe_frame_spec other = SPEC;
	struct probe_stamp st;

	probe_frame_build(good, 64, &SPEC, 99, 5, 1000);
	CU_ASSERT_EQUAL(probe_frame_decode(good, 60, &SPEC, &st), PROBE_RX_OK);

	/* wrong magic: another run's, or an earlier --search trial's */
	other.magic = PROBE_MAGIC ^ 2;
	CU_ASSERT_EQUAL(probe_frame_decode(good, 60, &other, &st), PROBE_RX_BAD_MAGIC);
	/* flow id beyond --flows */
	other = SPEC;
	other.n_flows = 99;
	CU_ASSERT_EQUAL(probe_frame_decode(good, 60, &other, &st), PROBE_RX_BAD_FLOW);
	/* short frames */
	CU_ASSERT_EQUAL(probe_frame_decode(good, 0, &SPEC, &st), PROBE_RX_SHORT);
	CU_ASSERT_EQUAL(probe_frame_decode(good, 33, &SPEC, &st), PROBE_RX_SHORT);
	/* a frame cut below its IPv4 total length */
	CU_ASSERT_EQUAL(probe_frame_decode(good, 59, &SPEC, &st), PROBE_RX_BAD_LENGTH);
	/* the same frame honestly short: IP and UDP lengths say 17 bytes of payload */
	memcpy(b, good, 64);
	b[17] = 45; /* IP total 45 */
	b[39] = 25; /* UDP 25 */
	CU_ASSERT_EQUAL(probe_frame_decode(b, 59, &SPEC, &st), PROBE_RX_SHORT);
	/* and a long frame whose UDP length leaves no room for the probe header */
	memcpy(b, good, 64);
	b[17] = 45;
	b[39] = 25;
	CU_ASSERT_EQUAL(probe_frame_decode(b, 60, &SPEC, &st), PROBE_RX_BAD_LENGTH);
	/* not IPv4: ARP EtherType, a VLAN tag, IPv6 version nibble */
	memcpy(b, good, 64);
	b[12] = 0x08, b[13] = 0x06;
	CU_ASSERT_EQUAL(probe_frame_decode(b, 60, &SPEC, &st), PROBE_RX_NOT_IPV4);
	b[12] = 0x81, b[13] = 0x00;
	CU_ASSERT_EQUAL(probe_frame_decode(b, 60, &SPEC, &st), PROBE_RX_NOT_IPV4);
	memcpy(b, good, 64);
	b[14] = 0x65;
	CU_ASSERT_EQUAL(probe_frame_decode(b, 60, &SPEC, &st), PROBE_RX_NOT_IPV4);
	/* not UDP; a fragment */
	memcpy(b, good, 64);
	b[23] = 6;
	CU_ASSERT_EQUAL(probe_frame_decode(b, 60, &SPEC, &st), PROBE_RX_NOT_UDP);
	memcpy(b, good, 64);
	b[20] = 0x20; /* more fragments */
	CU_ASSERT_EQUAL(probe_frame_decode(b, 60, &SPEC, &st), PROBE_RX_NOT_UDP);
	memcpy(b, good, 64);
	b[20] = 0x40; /* don't fragment is fine */
	CU_ASSERT_EQUAL(probe_frame_decode(b, 60, &SPEC, &st), PROBE_RX_OK);
	/* lengths: IHL < 5, options, IP length beyond the frame, UDP length disagreeing */
	memcpy(b, good, 64);
	b[14] = 0x44;
	CU_ASSERT_EQUAL(probe_frame_decode(b, 60, &SPEC, &st), PROBE_RX_BAD_LENGTH);
	b[14] = 0x46;
	CU_ASSERT_EQUAL(probe_frame_decode(b, 60, &SPEC, &st), PROBE_RX_BAD_LENGTH);
	memcpy(b, good, 64);
	b[17] = 47;
	CU_ASSERT_EQUAL(probe_frame_decode(b, 60, &SPEC, &st), PROBE_RX_BAD_LENGTH);
	memcpy(b, good, 64);
	b[39] = 27;
	CU_ASSERT_EQUAL(probe_frame_decode(b, 60, &SPEC, &st), PROBE_RX_BAD_LENGTH);
	/* another destination port */
	memcpy(b, good, 64);
	b[37] = 10;
	CU_ASSERT_EQUAL(probe_frame_decode(b, 60, &SPEC, &st), PROBE_RX_BAD_PORT);
	/* a longer frame with Ethernet padding beyond the IP length is fine (a NIC may pad) */
	uint8_t big[80] = {0};
	memcpy(big, good, 60);
	CU_ASSERT_EQUAL(probe_frame_decode(big, 80, &SPEC, &st), PROBE_RX_OK);
	/* every reason has a name */
	for (int i = 0; i < PROBE_RX_MAX; i++)
		CU_ASSERT_PTR_NOT_NULL(probe_rx_names[i]);
}

static void
test_txd_encoding(void)
{
	uint64_t prev = 0;

	for (uint64_t d = 0; d < (1u << 20); d += 997)
		CU_ASSERT_FATAL(probe_txd_decode(probe_txd_encode(d)) == d);
	CU_ASSERT_EQUAL(probe_txd_decode(probe_txd_encode((1u << 20) - 1)), (1u << 20) - 1);
	for (uint64_t d = 1u << 20; d < ((uint64_t)1 << 35); d = d * 3 / 2 + 12345) {
		uint64_t got = probe_txd_decode(probe_txd_encode(d));
		CU_ASSERT_FATAL(got <= d);
		CU_ASSERT_FATAL((double)(d - got) / (double)d < 1.0 / (1 << 19));
		CU_ASSERT_FATAL(got >= prev); /* monotonic */
		prev = got;
		CU_ASSERT_FATAL(probe_txd_encode(d) < (1u << 24));
	}
	CU_ASSERT_EQUAL(probe_txd_decode(probe_txd_encode(UINT64_MAX)), PROBE_TXD_MAX);
	CU_ASSERT_EQUAL(probe_txd_decode(probe_txd_encode(PROBE_TXD_MAX)), PROBE_TXD_MAX);
}

static void
test_unwrap40(void)
{
	const uint64_t W = (uint64_t)1 << 40;

	CU_ASSERT_EQUAL(probe_unwrap40(100, 150), 100);
	CU_ASSERT_EQUAL(probe_unwrap40(150, 150), 150);
	/* before the first wrap a value above ref stays as it is (the caller sees it is in the future) */
	CU_ASSERT_EQUAL(probe_unwrap40(200, 150), 200);
	/* after wraps: the largest value <= ref */
	CU_ASSERT_EQUAL(probe_unwrap40(100, 5 * W + 150), 5 * W + 100);
	CU_ASSERT_EQUAL(probe_unwrap40(W - 10, 5 * W + 5), 4 * W + W - 10);
	CU_ASSERT_EQUAL(probe_unwrap40((3 * W + 7) & (W - 1), 3 * W + 7), 3 * W + 7);
}

static void
test_sizes_and_imix(void)
{
	struct probe_sizes fixed = {.imix = false, .fixed = 128}, imix = {.imix = true};
	unsigned n64 = 0, n594 = 0, n1518 = 0, other = 0, runs1518 = 0;
	uint16_t prev = 0;

	for (uint64_t i = 0; i < 1000; i++)
		CU_ASSERT_FATAL(probe_size_at(&fixed, i) == 128);
	CU_ASSERT_DOUBLE_EQUAL(probe_size_mean(&fixed), 128, 1e-9);
	for (uint64_t i = 0; i < 12000; i++) {
		uint16_t sz = probe_size_at(&imix, i);
		n64 += sz == 64;
		n594 += sz == 594;
		n1518 += sz == 1518;
		other += sz != 64 && sz != 594 && sz != 1518;
		runs1518 += sz == 1518 && prev == 1518;
		prev = sz;
	}
	/* 7:4:1, exactly over whole cycles */
	CU_ASSERT_EQUAL(n64, 7000);
	CU_ASSERT_EQUAL(n594, 4000);
	CU_ASSERT_EQUAL(n1518, 1000);
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT_EQUAL(runs1518, 0);
	CU_ASSERT_DOUBLE_EQUAL(probe_size_mean(&imix), (7 * 64 + 4 * 594 + 1518) / 12.0, 1e-9);
	/* every IMIX size builds and decodes */
	for (int i = 0; i < PROBE_IMIX_CYCLE; i++) {
		uint8_t buf[PROBE_MAX_SIZE] = {0};
		struct probe_stamp st;
		probe_frame_build(buf, probe_imix[i], &SPEC, (uint32_t)i, (uint32_t)i, (uint64_t)i);
		CU_ASSERT(probe_frame_decode(buf, probe_imix[i] - PROBE_FCS_LEN, &SPEC, &st) == PROBE_RX_OK);
		CU_ASSERT(st.flow == (uint32_t)i && st.seq == (uint32_t)i);
	}
}

/* Flow ids: source address and port move with the flow, 65536 flows fit the 16-bit field. */
static void
test_flows_vary_address_and_port(void)
{
	struct probe_frame_spec s = SPEC;
	uint8_t buf[64] = {0};
	struct probe_stamp st;

	s.n_flows = PROBE_MAX_FLOWS;
	s.sport = 65000;
	probe_frame_build(buf, 64, &s, PROBE_MAX_FLOWS - 1, 1, 1);
	CU_ASSERT_EQUAL_FATAL(probe_frame_decode(buf, 60, &s, &st), PROBE_RX_OK);
	CU_ASSERT_EQUAL(st.flow, PROBE_MAX_FLOWS - 1);
	CU_ASSERT_EQUAL(be32(buf + 26), s.src_ip + PROBE_MAX_FLOWS - 1);
	CU_ASSERT_EQUAL(be16(buf + 34), (uint16_t)(65000 + PROBE_MAX_FLOWS - 1));
	CU_ASSERT_EQUAL(probe_ipv4_cksum(buf + 14, 5), 0);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"round_trip_64_1518", test_round_trip_64_1518},
		{"sched_keeps_low_40_bits", test_sched_keeps_low_40_bits},
		{"rejects", test_rejects},
		{"txd_encoding", test_txd_encoding},
		{"unwrap40", test_unwrap40},
		{"sizes_and_imix", test_sizes_and_imix},
		{"flows_vary_address_and_port", test_flows_vary_address_and_port},
	};

	return HP_CUNIT_RUN("probe_payload", tests);
}
