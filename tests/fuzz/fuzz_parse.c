/* libFuzzer target for dp_parse: no overreads (exact-size heap copy under ASan) and the meta invariants. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf_core.h>

#include "parse.h"
#include "worker.h"

/*
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined $(pkg-config --cflags libdpdk)
 *          -I dataplane dataplane/parse.c tests/fuzz/fuzz_parse.c -o /tmp/fuzz_parse
 * Run:   /tmp/fuzz_parse -max_total_time=60 tests/fuzz/corpus/parse
 */

#define CHECK(cond)                                                                            \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "fuzz_parse: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                               \
		}                                                                              \
	} while (0)

#define SENTINEL 0x5a

static const uint64_t ol_variants[] = {
	RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN,
	RTE_MBUF_F_RX_IP_CKSUM_GOOD,
	RTE_MBUF_F_RX_IP_CKSUM_BAD,
	RTE_MBUF_F_RX_IP_CKSUM_NONE,
};

static int
parse_drop(int rc)
{
	return rc >= DP_DROP_ETH_TRUNCATED && rc <= DP_DROP_L4_TRUNCATED && rc != DP_DROP_VLAN_UNKNOWN &&
	       rc != DP_DROP_NOT_OUR_MAC && rc != DP_DROP_ETHERTYPE;
}

static void
check_meta(const struct dp_meta *m, uint32_t len)
{
	const uint8_t *tail = &m->in_port;
	uint32_t l3_end = (uint32_t)m->l3_off + m->l3_len;

	/* fields from in_port on belong to later stages */
	for (size_t i = 0; i < sizeof(*m) - offsetof(struct dp_meta, in_port); i++)
		CHECK(tail[i] == SENTINEL);
	CHECK(m->l3 <= DP_L3_IPV6);
	CHECK(m->l3_off >= 14 && m->l3_off <= len);
	CHECK(m->l4_off <= len);
	CHECK((m->flags & ~0x3f) == 0);
	CHECK((m->flags & (DP_META_BCAST | DP_META_MCAST)) != (DP_META_BCAST | DP_META_MCAST));
	if (!(m->flags & DP_META_VLAN))
		CHECK(m->vlan_tci == 0 && m->l3_off == 14);
	else
		CHECK(m->l3_off == 18 || m->l3_off == 22);
	if (m->flags & DP_META_LATER_FRAG)
		CHECK((m->flags & DP_META_FRAG) && m->l4_off == 0);
	if (m->flags & DP_META_L4PORTS)
		CHECK(m->l4_off != 0 && m->icmp_type == 0);
	if (m->l3 != DP_L3_IPV4 && m->l3 != DP_L3_IPV6) {
		CHECK(m->l3_len == 0 && m->l4_off == 0 && m->ttl == 0);
		CHECK((m->flags & ~(DP_META_BCAST | DP_META_MCAST | DP_META_VLAN)) == 0);
		return;
	}
	CHECK(l3_end <= len);
	CHECK(m->l3_len >= (m->l3 == DP_L3_IPV4 ? 20 : 41));
	if (m->l4_off != 0) {
		CHECK(m->l4_off >= m->l3_off + (m->l3 == DP_L3_IPV4 ? 20 : 40));
		CHECK((uint32_t)m->l4_off + 4 <= l3_end);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t len = (uint32_t)size;
	uint8_t *frame = malloc(size ? size : 1);
	int rc[4];

	if (frame == NULL)
		return 0;
	memcpy(frame, data, size);
	for (size_t v = 0; v < 4; v++) {
		struct dp_meta m, again;

		memset(&m, SENTINEL, sizeof(m));
		rc[v] = dp_parse(frame, len, ol_variants[v], &m);
		CHECK(rc[v] == 0 || parse_drop(rc[v]));
		if (rc[v] == 0)
			check_meta(&m, len);
		/* deterministic, and independent of what meta held before */
		memset(&again, 0xa5, sizeof(again));
		CHECK(dp_parse(frame, len, ol_variants[v], &again) == rc[v]);
		CHECK(memcmp(&m, &again, offsetof(struct dp_meta, in_port)) == 0);
	}
	/* the checksum flags only ever change the verdict to or from IPV4_CHECKSUM */
	for (size_t v = 1; v < 4; v++)
		if (rc[v] != rc[0])
			CHECK(rc[v] == DP_DROP_IPV4_CHECKSUM || rc[0] == DP_DROP_IPV4_CHECKSUM);
	/* GOOD and NONE skip the check: same verdict */
	CHECK(rc[1] == rc[3]);
	free(frame);
	return 0;
}
