/* hotpathd: load the config, bring up EAL, ports and workers, serve until SIGINT/SIGTERM. */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pdump.h>

#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "config.h"
#include "control.h"
#include "doorbell.h"
#include "hostcheck.h"
#include "xdp.h"
#include "l3_vec.h"
#include "lcore_map.h"
#include "log.h"
#include "runtime.h"
#include "ct.h"
#include "tables.h"
#include "worker.h"

#define EXIT_CONFIG 2
#define DP_PUNT_RING 4096   /* packets waiting for the control thread */
#define DP_INJECT_RING 1024 /* control packets waiting for one worker */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: hotpathd -c FILE [--check | --check-host [-j]] [--report FILE] [-- EAL ARGS]\n"
		"  -c, --config FILE   YAML configuration (see docs/config.md)\n"
		"      --check         validate the configuration and exit (0 ok, 2 error)\n"
		"      --check-host    check this host's tuning for the config's workers and ports\n"
		"                      (reads /proc and /sys only; 0 ok, 1 a FAIL, 2 bad config; docs/TUNING.md)\n"
		"  -j, --json          --check-host's result as JSON\n"
		"      --report FILE   write the exit report as JSON to FILE\n"
		"      --fast-path W   the fast path's copy: auto (default: the widest the CPU and EAL\n"
		"                      allow), x8 (AVX2), x4 (SSE4.2) or scalar (the reference)\n"
		"  -h, --help          this text\n"
		"EAL ARGS after -- replace the config's eal: list.\n");
}

/* RCU and the slow-path ring: before the workers, which register with them. */
static int
setup_sync(struct dp_runtime *rt)
{
	size_t sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);

	rt->qsv = rte_zmalloc("hp_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (rt->qsv == NULL || rte_rcu_qsbr_init(rt->qsv, RTE_MAX_LCORE) < 0)
		return -ENOMEM;
	rt->punt = rte_ring_create("hp_punt", DP_PUNT_RING, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (rt->punt == NULL)
		return -rte_errno;
	rt->bell = rte_zmalloc("hp_bell", sizeof(*rt->bell), RTE_CACHE_LINE_SIZE);
	if (rt->bell == NULL)
		return -ENOMEM;
	rt->bell->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	hp_hist_init(&rt->slow_latency);
	return rt->bell->fd < 0 ? -errno : 0;
}

/* Route, neighbour and ACL tables of the l3 ports, published for the workers. */
static int
setup_tables(struct dp_runtime *rt, char *err, size_t errlen)
{
	struct dp_tables *t;
	bool l3 = false;
	int rc;

	for (unsigned p = 0; p < rt->cfg->n_ports; p++)
		l3 |= rt->cfg->ports[p].mode == HP_MODE_L3;
	if (!l3)
		return 0;
	if ((rc = dp_tables_build(rt, rt->cfg, &t, err, errlen)) < 0)
		return rc;
	dp_tables_publish(rt, t, rt->cfg);
	return 0;
}

static void
free_tables(struct dp_runtime *rt)
{
	dp_tables_free(rt->tables);
	rt->tables = NULL;
	ct_table_free(rt->ct);
	rt->ct = NULL;
}

static int
setup_workers(struct dp_runtime *rt)
{
	uint64_t mult = dp_ns_mult(rt->tsc_hz);
	char name[RTE_RING_NAMESIZE];

	for (unsigned i = 0; i < rt->map.n_workers; i++) {
		const struct dp_worker_map *wm = &rt->map.workers[i];
		struct dp_worker *w;

		if (!rte_lcore_is_enabled(wm->lcore) || wm->lcore == rte_get_main_lcore()) {
			DP_LOG(ERR, "lcore %u is not a worker lcore of this EAL", wm->lcore);
			return -EINVAL;
		}
		w = rte_zmalloc_socket("hp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(wm->lcore));
		if (w == NULL)
			return -ENOMEM;
		rt->workers[rt->n_workers++] = w;
		w->lcore = wm->lcore;
		w->index = i;
		w->ns_mult = mult;
		hp_hist_init(&w->latency);
		hp_stall_init(&w->stall);
		hp_stall_conf_init(&w->stall_conf, rt->tsc_hz,
				   (uint64_t)(rt->cfg->stall_threshold_us ? rt->cfg->stall_threshold_us
									  : HP_DEFAULT_STALL_US) *
					   1000);
		for (unsigned k = 0; k < wm->n_rx; k++) {
			unsigned p = wm->rx[k].port;
			w->rx[k].port = (uint16_t)p;
			w->rx[k].port_id = rt->ports.ports[p].port_id;
			w->rx[k].queue = wm->rx[k].queue;
			w->rx[k].out_port = (uint16_t)rt->cfg->ports[p].peer;
			w->rx[k].mode = (uint8_t)rt->cfg->ports[p].mode;
		}
		w->qsv = rt->qsv;
		w->punt = rt->punt;
		w->bell = rt->bell;
		snprintf(name, sizeof(name), "hp_inject_%u", wm->lcore);
		w->inject = rte_ring_create(name, DP_INJECT_RING, (int)rte_lcore_to_socket_id(wm->lcore),
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->inject == NULL)
			return -rte_errno;
		w->n_rx = wm->n_rx;
		for (unsigned p = 0; p < rt->ports.n; p++) {
			w->tx[p].port_id = rt->ports.ports[p].port_id;
			w->tx[p].queue = wm->txq[p];
		}
	}
	return 0;
}

/*
 * EAL leaves its runtime directory behind even with --in-memory, and the
 * telemetry socket in it is unlinked by an atexit handler EAL registers
 * during init: ours, registered before init, runs after it.
 */
static char runtime_dir[PATH_MAX];

static void
remove_runtime_dir(void)
{
	if (runtime_dir[0] != '\0')
		rmdir(runtime_dir);
}

/* --check-host: the config's lcores and ports against the host (root: a fake tree in tests). */
static int
check_host(const struct ctl_hc_input *in, bool json)
{
	struct ctl_hc_report rep;
	int status;

	if (ctl_hc_run(in, &rep) < 0) {
		fprintf(stderr, "hotpathd: --check-host: out of memory\n");
		return EXIT_FAILURE;
	}
	if (json) {
		json_t *j = ctl_hc_json(&rep);
		if (j == NULL || json_dumpf(j, stdout, JSON_INDENT(2)) < 0) {
			fprintf(stderr, "hotpathd: --check-host: out of memory\n");
			json_decref(j);
			ctl_hc_free(&rep);
			return EXIT_FAILURE;
		}
		putchar('\n');
		json_decref(j);
	} else {
		ctl_hc_print(stdout, &rep);
	}
	status = rep.count[CTL_HC_FAIL] > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	ctl_hc_free(&rep);
	return status;
}

static int
write_report(const json_t *report, const char *path)
{
	if (path == NULL)
		return 0;
	if (json_dump_file(report, path, JSON_INDENT(2)) < 0) {
		fprintf(stderr, "hotpathd: cannot write report %s\n", path);
		return -EIO;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"check-host", no_argument, NULL, 'H'},
		{"json", no_argument, NULL, 'j'},
		{"host-root", required_argument, NULL, 'R'}, /* a fake /proc + /sys tree: tests and docs */
		{"report", required_argument, NULL, 'r'},
		{"fast-path", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct hp_config cfg;
	static struct dp_runtime rt;
	const char *config_path = NULL, *report_path = NULL, *host_root = "";
	char err[HP_ERR_MAX];
	char *eal_argv[HP_MAX_EAL_ARGS + 2];
	const char *devargs[HP_MAX_PORTS] = {0};
	unsigned eal_argc = 0;
	struct dp_lcore_set lcores;
	bool check = false, check_host_opt = false, json = false;
	unsigned fast_width = 0; /* --fast-path: 0 auto */
	sigset_t sigs;
	int opt, rc, status = EXIT_SUCCESS;

	while ((opt = getopt_long(argc, argv, "+c:hj", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'k':
			check = true;
			break;
		case 'r':
			report_path = optarg;
			break;
		case 'H':
			check_host_opt = true;
			break;
		case 'j':
			json = true;
			break;
		case 'R':
			host_root = optarg;
			break;
		case 'F':
			if (dp_l3_vec_parse(optarg, &fast_width) < 0) {
				fprintf(stderr,
					"hotpathd: --fast-path '%s': expected auto, x8, x4 or scalar\n",
					optarg);
				return EXIT_CONFIG;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (config_path == NULL) {
		fprintf(stderr, "hotpathd: -c FILE is required\n");
		usage(stderr);
		return EXIT_CONFIG;
	}
	if (json && !check_host_opt) {
		fprintf(stderr, "hotpathd: -j/--json goes with --check-host\n");
		return EXIT_CONFIG;
	}
	if (check && check_host_opt) {
		fprintf(stderr, "hotpathd: --check and --check-host: give one\n");
		return EXIT_CONFIG;
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0) {
		fprintf(stderr, "hotpathd: unexpected argument '%s' (EAL arguments go after --)\n",
			argv[optind]);
		return EXIT_CONFIG;
	}
	if (argc - optind > HP_MAX_EAL_ARGS) {
		fprintf(stderr, "hotpathd: more than %d EAL arguments\n", HP_MAX_EAL_ARGS);
		return EXIT_CONFIG;
	}

	if (hp_config_load(config_path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_CONFIG;
	}
	eal_argv[eal_argc++] = argv[0];
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			eal_argv[eal_argc++] = argv[i];
	} else {
		for (unsigned i = 0; i < cfg.n_eal_args; i++)
			eal_argv[eal_argc++] = cfg.eal_args[i];
	}
	eal_argv[eal_argc] = NULL;

	rc = dp_lcore_set_from_args(eal_argc - 1, eal_argv + 1, (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
				    &lcores, err, sizeof(err));
	if (rc == 0)
		rc = dp_lcore_map_build(&cfg, &lcores, &rt.map, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		hp_config_free(&cfg);
		return EXIT_CONFIG;
	}
	if (check_host_opt) {
		struct ctl_hc_input in = {host_root, &cfg, eal_argc - 1, eal_argv + 1, &lcores, &rt.map};
		rc = check_host(&in, json);
		hp_config_free(&cfg);
		return rc;
	}
	if (check) {
		printf("%s: ok: %u ports, %u workers\n", cfg.file, cfg.n_ports, rt.map.n_workers);
		hp_config_free(&cfg);
		return EXIT_SUCCESS;
	}

	/* EAL's threads inherit this mask: only the main lcore takes the signals, via signalfd */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	atexit(remove_runtime_dir);
	if (rte_eal_init((int)eal_argc, eal_argv) < 0) {
		snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
		fprintf(stderr, "hotpathd: EAL init failed: %s\n", rte_strerror(rte_errno));
		hp_config_free(&cfg);
		return EXIT_FAILURE;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	/* dpdk-dumpcap, a secondary process, asks over EAL's IPC to copy a port's packets;
	 * with --in-memory there is no IPC and this quietly does nothing */
	if (rte_pdump_init() < 0)
		DP_LOG(WARNING, "pdump: %s: no capture with dpdk-dumpcap", rte_strerror(rte_errno));
	rt.cfg = &cfg;
	rt.tsc_hz = rte_get_tsc_hz();
	/* the fast path's widest copy this CPU runs (EAL's --force-max-simd-bitwidth narrows it),
	 * or the one asked for */
	dp_l3_vec_width = dp_l3_vec_best();
	if (fast_width > dp_l3_vec_width) {
		fprintf(stderr, "hotpathd: --fast-path %s: this CPU and EAL allow %s at most\n",
			dp_l3_vec_name(fast_width), dp_l3_vec_name(dp_l3_vec_width));
		status = EXIT_CONFIG;
		goto close_ports;
	}
	if (fast_width != 0)
		dp_l3_vec_width = fast_width;
	DP_LOG(INFO, "fast path: %s", dp_l3_vec_name(dp_l3_vec_width));

	/* net_af_xdp ports get hotpath's XDP program; interfaces are checked before anything attaches */
	rc = ctl_xdp_prepare(&cfg, devargs, err, sizeof(err));
	if (rc == 0)
		rc = dp_ports_open(&rt.ports, &cfg, &rt.map, devargs, err, sizeof(err));
	if (rc == 0)
		rc = ctl_xdp_start(&cfg, err, sizeof(err));
	if (rc == 0 && (rc = ctl_xdp_entries(&cfg)) < 0)
		snprintf(err, sizeof(err), "xdp: more than %d interfaces", HP_MAX_XDP);
	if (rc < 0) {
		DP_LOG(ERR, "%s", err);
		fprintf(stderr, "hotpathd: %s\n", err);
		status = EXIT_FAILURE;
		goto close_ports;
	}
	if ((rc = setup_sync(&rt)) < 0 || (rc = setup_workers(&rt)) < 0) {
		fprintf(stderr, "hotpathd: cannot set up workers: %s\n", strerror(-rc));
		status = EXIT_FAILURE;
		goto free_workers;
	}
	if ((rc = setup_tables(&rt, err, sizeof(err))) < 0) {
		fprintf(stderr, "%s\n", rc == -EINVAL ? err : strerror(-rc));
		status = rc == -EINVAL ? EXIT_CONFIG : EXIT_FAILURE;
		goto free_workers;
	}

	rt.start_tsc = rte_rdtsc();
	for (unsigned i = 0; i < rt.n_workers; i++)
		rte_eal_remote_launch(dp_worker_main, rt.workers[i], rt.workers[i]->lcore);
	/* ctl_run says "ready" once its services (the control socket...) listen */
	if (ctl_run(&rt) < 0)
		status = EXIT_FAILURE;

	__atomic_store_n(&dp_quit, true, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	rt.stop_tsc = rte_rdtsc();

free_workers:
	ctl_drain(&rt);
close_ports:
	ctl_xdp_stop(); /* shield programs detach here, net_af_xdp's with their ports */
	dp_ports_close(&rt.ports);
	if (rt.start_tsc != 0) { /* the workers ran: report what they did */
		json_t *report = dp_report_json(&rt);
		if (report != NULL) {
			dp_report_print(stdout, report);
			if (write_report(report, report_path) < 0)
				status = EXIT_FAILURE;
			json_decref(report);
		}
	}
	free_tables(&rt);
	free(rt.nodes_base);
	for (unsigned i = 0; i < rt.n_workers; i++) {
		rte_ring_free(rt.workers[i]->inject);
		rte_free(rt.workers[i]);
	}
	rte_ring_free(rt.punt);
	if (rt.bell != NULL && rt.bell->fd >= 0)
		close(rt.bell->fd);
	rte_free(rt.bell);
	rte_free(rt.qsv);
	dp_ports_free_pools(&rt.ports);
	rte_pdump_uninit(); /* ports closed and workers gone: no capture callback can run */
	rte_eal_cleanup();
	hp_config_free(&cfg);
	return status;
}
