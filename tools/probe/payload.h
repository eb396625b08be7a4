/* hp-probe frames: Ethernet/IPv4/UDP with an 18-byte probe header that fits a 64-byte frame; build, stamp, decode. */
#ifndef PROBE_PAYLOAD_H
#define PROBE_PAYLOAD_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Frame sizes are Ethernet frame sizes with the 4-byte FCS, as RFC 2544 counts
 * them: --size 64 hands the port 60 bytes. A 64-byte frame leaves 18 bytes after
 * Ethernet (14), IPv4 (20) and UDP (8), so the probe header is packed to 18:
 *
 *   off len  field
 *   0   4    magic     PROBE_MAGIC ^ trial number (a late frame of an earlier
 *                      --search trial is foreign to the next)
 *   4   2    flow      0 .. flows-1
 *   6   4    seq       per-flow sequence number, from 0 (warm-up included)
 *   10  5    sched     scheduled TSC - epoch, modulo 2^40 (at 4 GHz it wraps
 *                      every 275 s; the receiver unwraps it against its own
 *                      TSC, so a latency must stay under 2^40 cycles)
 *   15  3    txd       actual TX TSC - scheduled TSC, written just before
 *                      the burst: 4-bit exponent, 20-bit mantissa (exact
 *                      below 2^20 cycles, then within 2^-19, up to 2^35)
 *
 * Multi-byte fields are little-endian. The rest of the frame is zero padding.
 * The UDP checksum is 0 (none), so stamping TX time needs no checksum update.
 */
#define PROBE_MAGIC 0x68705062u /* "hpPb" */
#define PROBE_HDR_LEN 18
#define PROBE_L4_OFF 34                                  /* Ethernet + IPv4 without options */
#define PROBE_HDR_OFF (PROBE_L4_OFF + 8)                 /* the probe header in a built frame */
#define PROBE_FRAME_HEAD (PROBE_HDR_OFF + PROBE_HDR_LEN) /* 60: bytes decode reads */
#define PROBE_FCS_LEN 4
#define PROBE_MIN_SIZE 64
#define PROBE_MAX_SIZE 1518
#define PROBE_MAX_FLOWS 65536u
#define PROBE_SCHED_BITS 40
#define PROBE_TXD_MAX ((((uint64_t)1 << 20) - 1) << 15)

/* What frames look like: set once per run, read by TX and RX. Addresses in host order. */
struct probe_frame_spec {
	uint8_t src_mac[6], dst_mac[6];
	uint32_t src_ip; /* flow f sends from src_ip + f */
	uint32_t dst_ip;
	uint16_t sport; /* flow f sends from sport + f (mod 2^16) */
	uint16_t dport;
	uint8_t ttl;
	uint32_t n_flows; /* 1 .. PROBE_MAX_FLOWS */
	uint32_t magic;   /* PROBE_MAGIC ^ trial */
};

/* The probe header of a received frame. */
struct probe_stamp {
	uint32_t flow;
	uint32_t seq;
	uint64_t sched40;  /* scheduled TSC - epoch, low 40 bits */
	uint64_t tx_delta; /* TX TSC - scheduled TSC, cycles (as encoded) */
};

/* Why a received frame is not ours; counted per reason, the frame is ignored. */
#define PROBE_RX_REASONS(_)                                                    \
	_(SHORT, "short", "shorter than Ethernet + IPv4 + UDP + probe header") \
	_(NOT_IPV4, "not_ipv4", "not an untagged IPv4 frame")                  \
	_(NOT_UDP, "not_udp", "IPv4 but not UDP, or a fragment")               \
	_(BAD_LENGTH, "bad_length", "IPv4 or UDP length wrong for the frame")  \
	_(BAD_PORT, "bad_port", "UDP destination port is not --dport")         \
	_(BAD_MAGIC, "bad_magic", "magic is not this run's (or trial's)")      \
	_(BAD_FLOW, "bad_flow", "flow id beyond --flows")

enum probe_rx_verdict {
	PROBE_RX_OK = 0,
#define PROBE_RX_ENUM(sym, name, help) PROBE_RX_##sym,
	PROBE_RX_REASONS(PROBE_RX_ENUM)
#undef PROBE_RX_ENUM
	PROBE_RX_MAX
};

extern const char *const probe_rx_names[PROBE_RX_MAX];

/* Frame sizes: one fixed size, or simple IMIX. */
struct probe_sizes {
	bool imix;      /* 7:4:1 of 64/594/1518, interleaved in a cycle of 12 */
	uint16_t fixed; /* PROBE_MIN_SIZE .. PROBE_MAX_SIZE when !imix */
};

#define PROBE_IMIX_CYCLE 12
extern const uint16_t probe_imix[PROBE_IMIX_CYCLE];

/* Size (with FCS) of packet i of a run. */
static inline uint16_t
probe_size_at(const struct probe_sizes *sz, uint64_t i)
{
	return sz->imix ? probe_imix[i % PROBE_IMIX_CYCLE] : sz->fixed;
}

/* Mean size (with FCS) of the mix. */
double probe_size_mean(const struct probe_sizes *sz);

/*
 * Write a whole frame of size - 4 bytes into buf: headers for flow, the probe
 * header with seq and sched_off (scheduled TSC - epoch), txd 0. Padding after
 * the probe header is left as it is (the caller's buffers start zeroed).
 * size is PROBE_MIN_SIZE .. PROBE_MAX_SIZE, flow < spec->n_flows.
 */
void probe_frame_build(uint8_t *buf, uint16_t size, const struct probe_frame_spec *spec, uint32_t flow,
		       uint32_t seq, uint64_t sched_off);

/* txd's encoding: exact below 2^20, rounded down to 20 significant bits above, saturating. */
static inline uint32_t
probe_txd_encode(uint64_t d)
{
	unsigned e = 0;

	if (d > PROBE_TXD_MAX)
		d = PROBE_TXD_MAX;
	if (d >= (1u << 20)) {
		e = (unsigned)(64 - __builtin_clzll(d)) - 20;
		d >>= e;
	}
	return (uint32_t)(e << 20 | d);
}

static inline uint64_t
probe_txd_decode(uint32_t v)
{
	return (uint64_t)(v & 0xfffff) << ((v >> 20) & 0xf);
}

/* Stamp a built frame with its TX time: tx_delta = TX TSC - scheduled TSC. */
static inline void
probe_frame_stamp_tx(uint8_t *buf, uint64_t tx_delta)
{
	uint32_t v = probe_txd_encode(tx_delta);
	uint8_t *p = buf + PROBE_HDR_OFF + 15;

	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
}

/*
 * Check that a received frame is one of ours and read its probe header.
 * buf holds the frame's first min(len, PROBE_FRAME_HEAD) bytes; len is the
 * whole frame's length (without FCS). IPv4 options are refused (ours have none).
 * Returns PROBE_RX_OK with *st filled, or the reason it is foreign.
 */
enum probe_rx_verdict probe_frame_decode(const uint8_t *buf, uint32_t len,
					 const struct probe_frame_spec *spec, struct probe_stamp *st);

/*
 * The full value of a PROBE_SCHED_BITS-bit timestamp: the largest value <= ref
 * whose low bits are v40 (a scheduled time is never after the receive time).
 * Returns v40 itself when ref is below it (before the first wrap).
 */
static inline uint64_t
probe_unwrap40(uint64_t v40, uint64_t ref)
{
	const uint64_t mask = ((uint64_t)1 << PROBE_SCHED_BITS) - 1;
	uint64_t v = (ref & ~mask) | (v40 & mask);

	if (v > ref && v >= ((uint64_t)1 << PROBE_SCHED_BITS))
		v -= (uint64_t)1 << PROBE_SCHED_BITS;
	return v;
}

/* RFC 1071 checksum of an IPv4 header of ihl 32-bit words, as stored (network order). */
uint16_t probe_ipv4_cksum(const uint8_t *hdr, unsigned ihl);

#endif
