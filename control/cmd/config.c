/* config.dump and config.apply: the running state as a config file, and a whole file as one transaction. */
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "ct.h"
#include "handlers.h"
#include "log.h"
#include "linux.h"
#include "rib.h"
#include "xdp.h"

/* ---- config.dump: the model as a config file (control/config/dump.c) ---- */

int
cmd_config_dump(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	char *text;

	if (no_args(args, e) < 0)
		return -1;
	if ((text = hp_dump_text(rt->cfg)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	*result = json_pack("{s:s}", "yaml", text);
	free(text);
	return 0;
}

/* ---- config.apply: a whole file as one transaction ---- */

/* What a running hotpathd cannot change: the ports, workers, mbufs, control settings and EAL arguments. */
static const char *
fixed_part_differs(const struct hp_config *a, const struct hp_config *b)
{
	if (a->n_ports != b->n_ports)
		return "the number of ports";
	for (unsigned p = 0; p < a->n_ports; p++) {
		struct hp_port_conf x = a->ports[p], y = b->ports[p];

		x.line = y.line = 0;
		x.peer_line = y.peer_line = 0;
		if (memcmp(&x, &y, sizeof(x)) != 0)
			return "a port (name, device, queues, descriptors, MTU, MAC, addresses, mode, peer or host)";
	}
	if (a->has_workers != b->has_workers || a->n_workers != b->n_workers ||
	    memcmp(a->workers, b->workers, sizeof(a->workers[0]) * a->n_workers) != 0)
		return "the workers";
	if (a->mbufs != b->mbufs)
		return "mbufs";
	if (a->conntrack.max != b->conntrack.max)
		return "conntrack.max (the connection table is sized at start)";
	if (strcmp(a->control_socket, b->control_socket) != 0 || strcmp(a->metrics, b->metrics) != 0 ||
	    a->stall_threshold_us != b->stall_threshold_us)
		return "the control settings (socket, metrics, stall_threshold_us)";
	if (a->n_eal_args != b->n_eal_args)
		return "the EAL arguments";
	for (unsigned i = 0; i < a->n_eal_args; i++)
		if (strcmp(a->eal_args[i], b->eal_args[i]) != 0)
			return "the EAL arguments";
	if (a->neigh.hold_total_pct != b->neigh.hold_total_pct)
		return "neighbor_config.hold_total_pct (the mbuf pool is sized for it)";
	return NULL;
}

int
cmd_config_apply(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"file", NULL};
	struct dp_tables *old, *t;
	struct hp_config nc;
	char err[HP_ERR_MAX];
	const char *file, *what;
	unsigned linux_in;
	int rc;

	(void)result;
	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0 ||
	    arg_str(args, "file", true, &file, e) < 0)
		return -1;
	memset(&nc, 0, sizeof(nc));
	if (hp_config_load_regular(file, &nc, err, sizeof(err)) != 0) {
		hp_config_free(&nc);
		return fail(e, "EINVAL", "%s", err);
	}
	if ((what = fixed_part_differs(rt->cfg, &nc)) != NULL) {
		hp_config_free(&nc);
		return fail(e, "EINVAL", "%s: changes %s: restart hotpathd for that (nothing applied)", file,
			    what);
	}
	if (ctl_xdp_check(&nc, err, sizeof(err)) < 0) {
		hp_config_free(&nc);
		return fail(e, "EINVAL", "%s: %s (nothing applied)", file, err);
	}
	/* everything is built aside; any failure leaves the running tables alone */
	if ((rc = dp_tables_build(rt, &nc, &t, err, sizeof(err))) < 0) {
		hp_config_free(&nc);
		return fail(e, rc == -ENOMEM ? "ENOMEM" : "EINVAL", "%s", err);
	}
	/* the XDP maps take the file's pass and block sets before anything is published: a
	 * refusal there puts the running sets back and leaves the tables alone */
	if ((rc = ctl_xdp_replace(&nc, err, sizeof(err))) < 0) {
		char undo[HP_ERR_MAX];

		if (ctl_xdp_replace(rt->cfg, undo, sizeof(undo)) < 0)
			DP_LOG(ERR, "config %s: cannot put the XDP maps back: %s", file, undo);
		dp_tables_free(t);
		hp_config_free(&nc);
		return fail(e,
			    rc == -ENOMEM   ? "ENOMEM"
			    : rc == -ENOSPC ? "ENOSPC"
					    : "EINVAL",
			    "%s: %s (nothing applied)", file, err);
	}
	/* the linux routes the new model has no route of go into the new FIB (those it shadows
	 * or no longer takes stay stored, out of it), before the neighbours are carried so
	 * that their gateways keep their MACs */
	linux_in = ctl_rib_linux_reinstall(rt, t->fib, &nc);
	/* neighbours keep their MACs, states and held packets across the new FIB */
	ctl_fib_carry(t->fib, &nc);
	old = dp_tables_publish(rt, t, &nc);
	/* conntrack.timeouts apply at once, to every connection (its size cannot change) */
	if (rt->ct != NULL) {
		uint64_t to[4];

		dp_ct_timeouts(&nc, to);
		ct_table_set_timeouts(rt->ct, to);
	}
	/* the model takes the new tables' parts (ports and the rest are equal) */
	hp_model_take_tables(rt->cfg, &nc);
	hp_config_free(&nc);
	ctl_fib_replaced(t->fib);
	/* held and punted packets of the old FIB are gone: nothing names it now */
	dp_tables_retire(rt, old);
	DP_LOG(NOTICE, "config %s applied: %u routes, %u ACL rules, %u of %u linux routes in the FIB", file,
	       rt->cfg->n_routes, rt->cfg->n_acl, linux_in, ctl_rib_linux_count(rt));
	/* the linux: section: the mirror starts, stops or resyncs on a later loop turn */
	ctl_linux_reconfigure(rt);
	return 0;
}
