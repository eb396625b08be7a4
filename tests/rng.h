/* xorshift64*: the tests' deterministic PRNG (fixed seeds, the same numbers on every machine). */
#ifndef HP_TEST_RNG_H
#define HP_TEST_RNG_H

#include <stdint.h>

static uint64_t rng_state = 0x243f6a8885a308d3ull;

/* A zero state would stay zero: it becomes a fixed odd constant. */
static inline void
rng_seed(uint64_t seed)
{
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ull;
}

static inline uint64_t
rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

#endif
