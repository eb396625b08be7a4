/* What `hpctl runtime` shows of a worker's nodes (nodes.h, nodes_json.h): their names, counts since a baseline. */
#include <rte_cycles.h>

#include "nodes_json.h"
#include "worker_state.h"

const char *const dp_node_names[DP_NODE_N] = {
	[DP_NODE_RX] = "rx",
	[DP_NODE_FAST] = "fast-path",
	[DP_NODE_PARSE] = "parse",
	[DP_NODE_CT] = "conntrack",
	[DP_NODE_ACL] = "acl",
	[DP_NODE_LB] = "lb",
	[DP_NODE_ROUTE] = "route",
	[DP_NODE_CT_POST] = "conntrack-post",
	[DP_NODE_DISPATCH] = "rewrite-dispatch",
	[DP_NODE_PUNT] = "slow-path-punt",
	[DP_NODE_INJECT] = "inject",
	[DP_NODE_CT_AGE] = "conntrack-age",
	[DP_NODE_TX] = "tx",
};

void
dp_nodes_snapshot(const struct dp_worker *w, struct dp_nodes_base *b)
{
	b->loops = w->loops;
	b->busy_loops = w->busy_loops;
	b->busy_cycles = w->busy_cycles;
	b->idle_cycles = w->idle_cycles;
	for (unsigned n = 0; n < DP_NODE_N; n++)
		b->node[n] = w->prof.node[n];
}

static double
ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

json_t *
dp_nodes_json(const struct dp_worker *w, const struct dp_nodes_base *base)
{
	struct dp_nodes_base now;
	uint64_t busy, idle;
	json_t *nodes = json_array(), *o;

	if (nodes == NULL)
		return NULL;
	dp_nodes_snapshot(w, &now);
	for (unsigned n = 0; n < DP_NODE_N; n++) {
		struct dp_node_stats s = now.node[n];

		if (base != NULL) {
			s.calls -= base->node[n].calls;
			s.packets -= base->node[n].packets;
			s.s_calls -= base->node[n].s_calls;
			s.s_packets -= base->node[n].s_packets;
			s.s_cycles -= base->node[n].s_cycles;
		}
		if (s.calls == 0)
			continue;
		if (json_array_append_new(
			    nodes, json_pack("{s:s, s:I, s:I, s:f, s:f, s:I, s:I}", "name", dp_node_names[n],
					     "calls", (json_int_t)s.calls, "packets", (json_int_t)s.packets,
					     "packets_per_call", ratio(s.packets, s.calls),
					     "cycles_per_packet", ratio(s.s_cycles, s.s_packets),
					     "sampled_packets", (json_int_t)s.s_packets, "sampled_cycles",
					     (json_int_t)s.s_cycles)) < 0) {
			json_decref(nodes);
			return NULL;
		}
	}
	busy = now.busy_cycles - (base ? base->busy_cycles : 0);
	idle = now.idle_cycles - (base ? base->idle_cycles : 0);
	o = json_pack("{s:i, s:b, s:i, s:I, s:I, s:f, s:f, s:o}", "lcore", (int)w->lcore, "counting",
		      __atomic_load_n(&w->prof_every, __ATOMIC_RELAXED) != 0, "sample_every",
		      (int)__atomic_load_n(&w->prof_every, __ATOMIC_RELAXED), "loops",
		      (json_int_t)(now.loops - (base ? base->loops : 0)), "busy_loops",
		      (json_int_t)(now.busy_loops - (base ? base->busy_loops : 0)), "busy_share",
		      ratio(busy, busy + idle), "seconds", (double)(busy + idle) / (double)rte_get_tsc_hz(),
		      "nodes", nodes);
	return o;
}
