/* The running data plane as the control thread sees it, and its exit report. */
#ifndef DP_RUNTIME_H
#define DP_RUNTIME_H

#include <stdio.h>

#include <jansson.h>

#include "config.h"
#include "lcore_map.h"
#include "port.h"
#include "worker.h"

struct dp_runtime {
	const struct hp_config *cfg;
	struct dp_lcore_map map;
	struct dp_ports ports;
	unsigned n_workers;
	struct dp_worker *workers[HP_MAX_WORKERS];
	uint64_t tsc_hz;
	uint64_t start_tsc; /* ports started */
	uint64_t stop_tsc;  /* workers stopped; 0 while running */
};

/*
 * Counters of every port, queue and worker, drop reasons, merged latency
 * percentiles and mempool fill, summed from the workers' plain counters
 * (slightly stale while they run). A new reference, NULL on ENOMEM.
 */
json_t *dp_report_json(const struct dp_runtime *rt);

/* The same report as aligned text. */
void dp_report_print(FILE *f, const json_t *report);

#endif
