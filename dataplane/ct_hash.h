/* The connection key's hash, inline for the workers' stages (ct.h stays free of DPDK headers). */
#ifndef DP_CT_HASH_H
#define DP_CT_HASH_H

#include <stdint.h>

#include <rte_hash_crc.h>

#define CT_HASH_SEED 0x9e3779b9u /* any constant: keys are hashed alike by every worker */

/* CRC32-C over a connection key's five 8-byte words (struct ct_key, ct.h: 40 bytes):
 * rte_hash_crc(k, 40, CT_HASH_SEED)'s value, unrolled and inlined into the stage's loops
 * (test_ct_table checks that the two agree). */
static inline uint32_t
ct_key_hash_inline(const void *k)
{
	uint64_t w[5];
	uint32_t h = CT_HASH_SEED;

	__builtin_memcpy(w, k, sizeof(w));
	for (unsigned i = 0; i < 5; i++)
		h = rte_hash_crc_8byte(w[i], h);
	return h;
}

#endif
