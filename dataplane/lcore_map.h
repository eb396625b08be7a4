/* Which worker lcore owns which (port, queue), and which TX queue it uses on each port. */
#ifndef DP_LCORE_MAP_H
#define DP_LCORE_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

#define DP_MAX_LCORES 128 /* RTE_MAX_LCORE */
#define DP_MAX_CPUS 1024  /* CPU_SETSIZE: CPU ids an --lcores cpuset may name */
#define DP_CPU_WORDS (DP_MAX_CPUS / 64)
#define DP_NO_TXQ UINT16_MAX

/* The lcores EAL will run, read from its arguments without initialising it. */
struct dp_lcore_set {
	unsigned n;
	unsigned ids[DP_MAX_LCORES]; /* ascending */
	unsigned main_lcore;
	/* CPUs each lcore's thread may run on (bit c of cpus[lcore]): lcore N on CPU N for -l
	 * and -c; --lcores "1@3", "(1-2)@(4-5)" or "(0,6)" map them otherwise */
	uint64_t cpus[DP_MAX_LCORES][DP_CPU_WORDS];
};

struct dp_worker_map {
	unsigned lcore;
	unsigned n_rx;
	struct hp_queue_ref rx[HP_MAX_WORKER_QUEUES];
	uint16_t txq[HP_MAX_PORTS]; /* TX queue on each port, DP_NO_TXQ if it never sends there */
};

struct dp_lcore_map {
	unsigned n_workers;
	struct dp_worker_map workers[HP_MAX_WORKERS];
	uint16_t n_txq[HP_MAX_PORTS]; /* TX queues to set up per port (>= its RX queues) */
};

/*
 * Read the lcore list from EAL arguments: -l LIST, -c MASK, --lcores MAP and
 * --main-lcore N (the last of each wins, as in EAL). Without any of them,
 * EAL uses every CPU: online_cpus of them. Returns 0, or -EINVAL with a
 * message naming the argument in err.
 */
int dp_lcore_set_from_args(unsigned argc, char *const argv[], unsigned online_cpus, struct dp_lcore_set *set,
			   char *err, size_t errlen);

/* Whether the thread of lcore may run on cpu, and how many CPUs it may run on. */
bool dp_lcore_on_cpu(const struct dp_lcore_set *set, unsigned lcore, unsigned cpu);
unsigned dp_lcore_n_cpus(const struct dp_lcore_set *set, unsigned lcore);

/*
 * Decide which worker serves each RX queue and give every worker its own TX
 * queue on each port it sends to. With cfg->has_workers the workers: section
 * is checked (lcore must be a worker lcore of set, each queue owned exactly
 * once); without it, queues are spread round-robin over the worker lcores,
 * keeping queue q of a port and of its xconnect peer on one worker. Errors
 * are "FILE:LINE: message" in err and return -EINVAL.
 */
int dp_lcore_map_build(const struct hp_config *cfg, const struct dp_lcore_set *set, struct dp_lcore_map *map,
		       char *err, size_t errlen);

#endif
