/* What `hpctl runtime` shows of a worker's nodes (nodes.h), since a baseline. Control thread. */
#ifndef DP_NODES_JSON_H
#define DP_NODES_JSON_H

#include <jansson.h>

#include "nodes.h"

struct dp_worker;

/* The nodes' names, as runtime.show, /metrics and telemetry write them. */
extern const char *const dp_node_names[DP_NODE_N];

/* A worker's counters when runtime.clear ran: runtime.show subtracts them. */
struct dp_nodes_base {
	uint64_t loops, busy_loops, busy_cycles, idle_cycles;
	struct dp_node_stats node[DP_NODE_N];
};

void dp_nodes_snapshot(const struct dp_worker *w, struct dp_nodes_base *b);

/*
 * {"lcore", "counting", "sample_every", "loops", "busy_loops", "busy_share", "seconds",
 *  "nodes": [{"name", "calls", "packets", "packets_per_call", "cycles_per_packet",
 *  "sampled_packets", "sampled_cycles"}, ...]}: the worker's loop and each node that ran, since base (NULL: since
 * the start); cycles_per_packet from the sampled calls (0 with none).
 */
json_t *dp_nodes_json(const struct dp_worker *w, const struct dp_nodes_base *base);

#endif
