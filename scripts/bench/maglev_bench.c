/*
 * The Maglev ring (dataplane/maglev.c) measured: how evenly 1 M random flows spread, how many
 * flows of the backends that stay move when one leaves, and how long a table of 65537 entries
 * takes to build (the control thread's cost of a backend change).
 *
 *   ./scripts/bench/lb-maglev.sh    (a release build of this file, run pinned to one CPU)
 *
 * Flows are 40-byte keys (a struct ct_key's size) from a fixed-seed xorshift, hashed with
 * maglev_murmur3_64; a flow's entry is its hash mod m. Backend i's key is 10.x.y.z, i + 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maglev.h"

#define FLOWS 1000000u
#define FLOW_KEY 40
#define BUILDS 11
#define MAX_BACKENDS 1000u

static uint32_t table[MAGLEV_SIZE_MAX], other[MAGLEV_SIZE_MAX];
static uint64_t flow_hash[FLOWS];
static struct maglev_backend all[MAX_BACKENDS], rest[MAX_BACKENDS];

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static void
make_backends(struct maglev_backend *b, unsigned n)
{
	memset(b, 0, n * sizeof(*b));
	for (unsigned i = 0; i < n; i++) {
		b[i].key[0] = 10;
		b[i].key[1] = (uint8_t)((i + 1) >> 16);
		b[i].key[2] = (uint8_t)((i + 1) >> 8);
		b[i].key[3] = (uint8_t)(i + 1);
		b[i].weight = 1;
	}
}

static void
build(const struct maglev_backend *b, unsigned n, uint32_t m, uint32_t *t)
{
	int ret = maglev_build(b, n, m, t);

	if (ret < 0) {
		fprintf(stderr, "maglev_bench: maglev_build of %u backends, m %u: %s\n", n, m,
			strerror(-ret));
		exit(1);
	}
}

static void
distribution(void)
{
	uint32_t m = MAGLEV_SIZE_DEFAULT;
	unsigned load[100] = {0}, max = 0, min = UINT32_MAX;
	double mean = FLOWS / 100.0;

	make_backends(all, 100);
	build(all, 100, m, table);
	for (uint32_t f = 0; f < FLOWS; f++)
		load[table[flow_hash[f] % m]]++;
	for (unsigned i = 0; i < 100; i++) {
		max = load[i] > max ? load[i] : max;
		min = load[i] < min ? load[i] : min;
	}
	printf("distribution: %u flows over 100 equal backends, m %u: max/mean %.4f, min/mean %.4f\n", FLOWS,
	       m, max / mean, min / mean);
}

/* Backend n / 2 of n leaves: the share of the other backends' flows that change backend. */
static void
disruption(unsigned n)
{
	uint32_t m = MAGLEV_SIZE_DEFAULT, gone = n / 2;
	unsigned others = 0, moved = 0;

	make_backends(all, n);
	memcpy(rest, all, gone * sizeof(*all));
	memcpy(rest + gone, all + gone + 1, (n - 1 - gone) * sizeof(*all));
	build(all, n, m, table);
	build(rest, n - 1, m, other);
	for (uint32_t f = 0; f < FLOWS; f++) {
		uint32_t before = table[flow_hash[f] % m], r = other[flow_hash[f] % m];

		if (before == gone)
			continue;
		others++;
		moved += before != (r < gone ? r : r + 1);
	}
	printf("disruption: 1 of %4u backends leaves: %.3f %% of the others' flows move (%u of %u)\n", n,
	       100.0 * moved / others, moved, others);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
rebuild(const char *what, unsigned n, uint32_t m)
{
	double ms[BUILDS];

	for (unsigned i = 0; i < BUILDS; i++) {
		double t0 = now_ms();

		build(all, n, m, table);
		ms[i] = now_ms() - t0;
	}
	qsort(ms, BUILDS, sizeof(ms[0]), cmp_double);
	printf("rebuild: m %7u, %4u backends, %-28s median %7.3f ms (min %7.3f, max %7.3f) of %u\n", m, n,
	       what, ms[BUILDS / 2], ms[0], ms[BUILDS - 1], BUILDS);
}

int
main(void)
{
	static const unsigned sizes[] = {10, 100, 1000};
	uint64_t key[FLOW_KEY / 8];

	for (uint32_t f = 0; f < FLOWS; f++) {
		for (unsigned w = 0; w < FLOW_KEY / 8; w++)
			key[w] = xorshift();
		flow_hash[f] = maglev_murmur3_64(key, sizeof(key), 0);
	}

	distribution();
	for (unsigned i = 0; i < 3; i++)
		disruption(sizes[i]);

	for (unsigned i = 0; i < 3; i++) {
		make_backends(all, sizes[i]);
		rebuild("equal weights", sizes[i], MAGLEV_SIZE_DEFAULT);
	}
	for (unsigned i = 0; i < 3; i++) {
		make_backends(all, sizes[i]);
		for (unsigned j = 0; j < sizes[i]; j++)
			all[j].weight = 1 + j % 100;
		rebuild("weights 1..100", sizes[i], MAGLEV_SIZE_DEFAULT);
	}
	/* Katran's round-robin visit costs m * n here; the heap of turns m * log(n) */
	for (unsigned i = 0; i < 3; i++) {
		make_backends(all, sizes[i]);
		all[0].weight = MAGLEV_WEIGHT_MAX;
		rebuild("one of 65535, the rest 1", sizes[i], MAGLEV_SIZE_DEFAULT);
	}
	make_backends(all, 1000);
	rebuild("equal weights", 1000, MAGLEV_SIZE_MAX);
	return 0;
}
