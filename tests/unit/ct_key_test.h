/* Connection keys for the unit tests of the tables keyed by them (test_ct_table.c, test_lb_flow.c). */
#ifndef HP_CT_KEY_TEST_H
#define HP_CT_KEY_TEST_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "ct.h"

/* The IPv4 key proto src:sport -> dst:dport (addresses and ports in host order). */
static inline void
key4(struct ct_key *k, uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	memset(k, 0, sizeof(*k));
	k->src[0] = (uint8_t)(src >> 24), k->src[1] = (uint8_t)(src >> 16);
	k->src[2] = (uint8_t)(src >> 8), k->src[3] = (uint8_t)src;
	k->dst[0] = (uint8_t)(dst >> 24), k->dst[1] = (uint8_t)(dst >> 16);
	k->dst[2] = (uint8_t)(dst >> 8), k->dst[3] = (uint8_t)dst;
	k->sport = rte_cpu_to_be_16(sport);
	k->dport = rte_cpu_to_be_16(dport);
	k->proto = proto;
}

#endif
