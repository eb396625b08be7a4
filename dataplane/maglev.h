/*
 * Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network
 * Load Balancer", NSDI 2016), with weights as Katran builds its ring: a lookup table of a
 * prime number m of entries, each naming a backend, filled from every backend's permutation
 * of the entries (offset and skip from MurmurHash3 of the backend's key). The table depends
 * only on the set of (key, weight): two load balancers with the same backends send every
 * flow to the same one (ECMP scale-out); the order backends are given in does not matter.
 * Removing one backend moves its own entries and few of the others'. Pure: no DPDK.
 */
#ifndef DP_MAGLEV_H
#define DP_MAGLEV_H

#include <stdbool.h>
#include <stdint.h>

#define MAGLEV_SIZE_DEFAULT 65537u /* prime */
#define MAGLEV_SIZE_MAX 1048573u   /* prime: the largest table maglev_build fills */
#define MAGLEV_WEIGHT_MAX 65535u
#define MAGLEV_NONE UINT32_MAX /* an entry of a table with no backend of weight > 0 */

/* A backend as the ring sees it. */
struct maglev_backend {
	uint8_t key[16]; /* its identity: the address (IPv4 in the first 4 bytes, the rest 0) */
	uint32_t weight; /* 0..MAGLEV_WEIGHT_MAX; 0 takes no entry (draining) */
};

/* m is a prime in 2..MAGLEV_SIZE_MAX: a table size maglev_build takes (false above the range,
 * prime or not). */
bool maglev_is_prime(uint32_t m);

/*
 * Fills table[0..m-1] with indexes into b[0..n-1]. Backends of weight w get entries in
 * proportion to w (equal weights: each gets floor(m/k) or ceil(m/k) of them, k backends);
 * only the ratios of the weights count. The indexes follow the caller's order, the backends
 * they name do not: a shuffled b[] names the same backend in every entry. b[] is not modified.
 * Returns the number of backends that got entries; 0 when none has weight > 0 (then every
 * entry is MAGLEV_NONE). -EINVAL: m not a prime in range, a weight over MAGLEV_WEIGHT_MAX, or
 * two backends with the same key (whatever their weights); -ENOMEM. On an error table[] is
 * left as it was. Control thread (about m * log(n) steps; mallocs n + k small records).
 */
int maglev_build(const struct maglev_backend *b, unsigned n, uint32_t m, uint32_t *table);

/* MurmurHash3 x64_128's low 64 bits of key (len bytes) with seed: what the permutations use,
 * exposed for tests and for flow hashes that must agree across hosts. */
uint64_t maglev_murmur3_64(const void *key, unsigned len, uint32_t seed);

#endif
