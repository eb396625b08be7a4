/*
 * The memory floor of a connection lookup at 1 M connections, without hotpathd: the time a
 * packet's random accesses take on this machine when a burst's misses overlap as well as the
 * fast path's passes let them (docs/BENCHMARKS.md, "Where the cycles of the conntrack fast path
 * go"). The table has ct.c's shape: 64-byte buckets of eight 64-bit slots (512 Ki of them, two
 * candidates per key) and 1 M 128-byte entries, in 2 MiB hugepages; a burst is 32 lookups.
 *
 *   ./scripts/bench/ct-memfloor.sh    (builds this file and runs it)
 *
 * Patterns, each over 20 M lookups, ns per lookup:
 *   bucket          one bucket line, loaded on demand (the CPU overlaps what it can)
 *   bucket-pf       one bucket line, every line of the burst prefetched first
 *   bucket-entry    the bucket prefetched, then the entry it names (two lines) prefetched,
 *                   then read: the fast path's passes
 *   2bucket-entry   as bucket-entry with both candidate buckets prefetched (ct_prefetch)
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

#define N_BUCKETS (512u * 1024u)
#define N_ENTRIES 1000000u
#define BURST 32
#define LOOKUPS 20000000L

static uint64_t rng = 88172645463325252ull;

static inline uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int
main(void)
{
	static const char *const names[] = {"bucket", "bucket-pf", "bucket-entry", "2bucket-entry"};
	size_t size = ((size_t)N_BUCKETS * 64 + (size_t)N_ENTRIES * 128 + (2u << 20) - 1) &
		      ~(size_t)((2u << 20) - 1);
	char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1,
			 0);
	uint64_t *buckets, sum = 0;
	char *entries;

	if (mem == MAP_FAILED) {
		perror("ct-memfloor: mmap of 2 MiB hugepages (free hugepages: scripts/setup.sh)");
		return 1;
	}
	buckets = (uint64_t *)mem;
	entries = mem + (size_t)N_BUCKETS * 64;
	for (size_t i = 0; i < (size_t)N_BUCKETS * 8; i++)
		buckets[i] = xorshift() % N_ENTRIES;
	for (size_t i = 0; i < N_ENTRIES; i++)
		*(uint64_t *)(entries + i * 128) = i;
	printf("%-14s %8s\n", "pattern", "ns/lookup");
	for (int mode = 0; mode < 4; mode++) {
		double t0 = seconds();

		for (long it = 0; it < LOOKUPS / BURST; it++) {
			uint32_t b[BURST];
			uint64_t e[BURST];

			for (int i = 0; i < BURST; i++) {
				b[i] = (uint32_t)(xorshift() % N_BUCKETS);
				if (mode >= 1)
					_mm_prefetch((const char *)&buckets[b[i] * 8], _MM_HINT_T0);
				if (mode == 3)
					_mm_prefetch(
						(const char
							 *)&buckets[((b[i] * 2654435761u) % N_BUCKETS) * 8],
						_MM_HINT_T0);
			}
			for (int i = 0; i < BURST; i++) {
				e[i] = buckets[b[i] * 8 + (i & 7)];
				if (mode >= 2) {
					_mm_prefetch(entries + e[i] * 128, _MM_HINT_T0);
					_mm_prefetch(entries + e[i] * 128 + 64, _MM_HINT_T0);
				}
			}
			for (int i = 0; i < BURST; i++)
				sum += mode >= 2 ? *(uint64_t *)(entries + e[i] * 128) +
							   *(uint64_t *)(entries + e[i] * 128 + 64)
						 : e[i];
		}
		printf("%-14s %8.1f\n", names[mode], (seconds() - t0) / LOOKUPS * 1e9);
	}
	munmap(mem, size);
	return (int)(sum & 0); /* sum keeps the loads */
}
