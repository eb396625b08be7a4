/* Unit tests of the lcore list parser and the (port, queue) -> worker / TX queue mapping. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "../cunit_run.h"
#include "lcore_map.h"

static char err[HP_ERR_MAX];

static int
set_from(struct dp_lcore_set *s, unsigned online, const char *a0, const char *a1, const char *a2,
	 const char *a3)
{
	char *argv[4] = {(char *)a0, (char *)a1, (char *)a2, (char *)a3};
	unsigned argc = 0;

	while (argc < 4 && argv[argc] != NULL)
		argc++;
	return dp_lcore_set_from_args(argc, argv, online, s, err, sizeof(err));
}

static void
expect_ids(const struct dp_lcore_set *s, const unsigned *ids, unsigned n)
{
	CU_ASSERT_EQUAL_FATAL(s->n, n);
	for (unsigned i = 0; i < n; i++)
		CU_ASSERT_EQUAL(s->ids[i], ids[i]);
}

static void
test_lcore_lists(void)
{
	struct dp_lcore_set s;

	CU_ASSERT_EQUAL(set_from(&s, 4, NULL, NULL, NULL, NULL), 0);
	expect_ids(&s, (unsigned[]){0, 1, 2, 3}, 4);
	CU_ASSERT_EQUAL(s.main_lcore, 0);

	CU_ASSERT_EQUAL(set_from(&s, 2, "-l", "0-3,5", NULL, NULL), 0);
	expect_ids(&s, (unsigned[]){0, 1, 2, 3, 5}, 5);
	CU_ASSERT_EQUAL(set_from(&s, 2, "-l2-3", NULL, NULL, NULL), 0);
	expect_ids(&s, (unsigned[]){2, 3}, 2);
	CU_ASSERT_EQUAL(s.main_lcore, 2);
	CU_ASSERT_EQUAL(set_from(&s, 2, "-c", "0x5", NULL, NULL), 0);
	expect_ids(&s, (unsigned[]){0, 2}, 2);
	CU_ASSERT_EQUAL(set_from(&s, 2, "-cf0", NULL, NULL, NULL), 0);
	expect_ids(&s, (unsigned[]){4, 5, 6, 7}, 4);
	CU_ASSERT_EQUAL(set_from(&s, 2, "--lcores", "0@0,(1-3)@1,7", NULL, NULL), 0);
	expect_ids(&s, (unsigned[]){0, 1, 2, 3, 7}, 5);
	CU_ASSERT_EQUAL(set_from(&s, 2, "--lcores=(0,2)@(0,1),4@(0-1)", NULL, NULL, NULL), 0);
	expect_ids(&s, (unsigned[]){0, 2, 4}, 3);
	CU_ASSERT_EQUAL(set_from(&s, 2, "-l", "0-2", "--main-lcore", "2"), 0);
	CU_ASSERT_EQUAL(s.main_lcore, 2);
	/* the last list wins, as in EAL; other options' values are skipped */
	CU_ASSERT_EQUAL(set_from(&s, 2, "-l", "0-1", "-l", "4"), 0);
	expect_ids(&s, (unsigned[]){4}, 1);
	CU_ASSERT_EQUAL(set_from(&s, 2, "--file-prefix", "-l", "-n", "4"), 0);
	expect_ids(&s, (unsigned[]){0, 1}, 2);

	const char *bad[][2] = {
		{"-l", "0-200"},      {"-l", "x"},           {"-l", "3-1"},         {"-l", "1,"},
		{"-l", ""},           {"-c", "0xg"},         {"-c", "0x"},          {"--lcores", "(1-2"},
		{"--lcores", "1@(0"}, {"--main-lcore", "9"}, {"--main-lcore", "a"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(set_from(&s, 2, bad[i][0], bad[i][1], NULL, NULL), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i][0]));
	}
}

/* The CPUs each lcore's thread runs on: lcore N on CPU N, or --lcores' @cpuset (check-host reads them) */
static void
test_lcore_cpus(void)
{
	struct dp_lcore_set s;

	CU_ASSERT_EQUAL_FATAL(set_from(&s, 2, "-l", "0-2,5", NULL, NULL), 0);
	for (unsigned l = 0; l < 6; l++)
		CU_ASSERT_EQUAL(dp_lcore_on_cpu(&s, l, l), l != 3 && l != 4);
	CU_ASSERT_EQUAL(dp_lcore_n_cpus(&s, 5), 1);
	CU_ASSERT_FALSE(dp_lcore_on_cpu(&s, 1, 2));

	CU_ASSERT_EQUAL_FATAL(set_from(&s, 2, "--lcores", "0@0,(1-3)@1,7,8@(900-901),(4,6)", NULL, NULL), 0);
	expect_ids(&s, (unsigned[]){0, 1, 2, 3, 4, 6, 7, 8}, 8);
	CU_ASSERT(dp_lcore_on_cpu(&s, 3, 1));
	CU_ASSERT_FALSE(dp_lcore_on_cpu(&s, 3, 3));
	CU_ASSERT(dp_lcore_on_cpu(&s, 7, 7));
	CU_ASSERT(dp_lcore_on_cpu(&s, 8, 901));
	CU_ASSERT_EQUAL(dp_lcore_n_cpus(&s, 8), 2);
	/* a group without @ runs each of its lcores on all of the group's CPUs (EAL) */
	CU_ASSERT(dp_lcore_on_cpu(&s, 4, 6) && dp_lcore_on_cpu(&s, 6, 4));
	CU_ASSERT_EQUAL(dp_lcore_n_cpus(&s, 6), 2);

	CU_ASSERT_EQUAL(set_from(&s, 2, "--lcores", "1@1024", NULL, NULL), -EINVAL);
	CU_ASSERT_EQUAL(set_from(&s, 2, "--lcores", "1@(2,x)", NULL, NULL), -EINVAL);
}

static struct hp_config cfg;

/* n ports named p0.., each `queues` queues, xconnect to peer[i] */
static void
make_cfg(unsigned n, const unsigned *queues, const int *peer)
{
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.file, sizeof(cfg.file), "t.yaml");
	cfg.n_ports = n;
	for (unsigned i = 0; i < n; i++) {
		snprintf(cfg.ports[i].name, sizeof(cfg.ports[i].name), "p%u", i);
		cfg.ports[i].queues = (uint16_t)queues[i];
		cfg.ports[i].mode = HP_MODE_XCONNECT;
		cfg.ports[i].peer = peer[i];
		cfg.ports[i].line = 10 + i;
	}
}

static void
two_lcores(struct dp_lcore_set *s, unsigned n)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < n; i++)
		s->ids[s->n++] = i;
	s->main_lcore = 0;
}

static struct dp_lcore_map map;

static void
test_spread_pairs_queues(void)
{
	struct dp_lcore_set s;

	/* p0 <-> p1, 2 queues each, workers 1 and 2: queue q of both ports on one worker */
	make_cfg(2, (unsigned[]){2, 2}, (int[]){1, 0});
	two_lcores(&s, 3);
	CU_ASSERT_EQUAL_FATAL(dp_lcore_map_build(&cfg, &s, &map, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(map.n_workers, 2);
	for (unsigned w = 0; w < 2; w++) {
		CU_ASSERT_EQUAL(map.workers[w].lcore, w + 1);
		CU_ASSERT_EQUAL_FATAL(map.workers[w].n_rx, 2);
		CU_ASSERT_EQUAL(map.workers[w].rx[0].port, 0);
		CU_ASSERT_EQUAL(map.workers[w].rx[0].queue, w);
		CU_ASSERT_EQUAL(map.workers[w].rx[1].port, 1);
		CU_ASSERT_EQUAL(map.workers[w].rx[1].queue, w);
		/* RX queue q and TX queue q of a port stay on one core */
		CU_ASSERT_EQUAL(map.workers[w].txq[0], w);
		CU_ASSERT_EQUAL(map.workers[w].txq[1], w);
		CU_ASSERT_EQUAL(map.workers[w].txq[2], DP_NO_TXQ);
	}
	CU_ASSERT_EQUAL(map.n_txq[0], 2);
	CU_ASSERT_EQUAL(map.n_txq[1], 2);

	/* two hairpin ports: one each; a third worker with nothing to do is not kept */
	make_cfg(2, (unsigned[]){1, 1}, (int[]){0, 1});
	two_lcores(&s, 4);
	CU_ASSERT_EQUAL_FATAL(dp_lcore_map_build(&cfg, &s, &map, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(map.n_workers, 2);
	CU_ASSERT_EQUAL(map.workers[0].rx[0].port, 0);
	CU_ASSERT_EQUAL(map.workers[1].rx[0].port, 1);
	CU_ASSERT_EQUAL(map.workers[1].txq[0], DP_NO_TXQ);
	CU_ASSERT_EQUAL(map.n_txq[0], 1);
}

static void
test_tx_queue_for_foreign_port(void)
{
	struct dp_lcore_set s;

	/* p0 has 2 queues, its peer p1 one: the worker of p0/1 owns nothing on p1
	 * but sends there, so p1 gets a second TX queue for it */
	make_cfg(2, (unsigned[]){2, 1}, (int[]){1, 0});
	two_lcores(&s, 3);
	CU_ASSERT_EQUAL_FATAL(dp_lcore_map_build(&cfg, &s, &map, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(map.n_workers, 2);
	CU_ASSERT_EQUAL(map.workers[0].n_rx, 2);
	CU_ASSERT_EQUAL(map.workers[1].n_rx, 1);
	CU_ASSERT_EQUAL(map.workers[0].txq[1], 0);
	CU_ASSERT_EQUAL(map.workers[1].txq[1], 1);
	/* only the worker of p1/0 sends on p0 */
	CU_ASSERT_EQUAL(map.workers[0].txq[0], 0);
	CU_ASSERT_EQUAL(map.workers[1].txq[0], DP_NO_TXQ);
	CU_ASSERT_EQUAL(map.n_txq[0], 2);
	CU_ASSERT_EQUAL(map.n_txq[1], 2);
	CU_ASSERT_NOT_EQUAL(map.workers[0].txq[1], map.workers[1].txq[1]);
}

static void
test_explicit_workers(void)
{
	struct dp_lcore_set s;

	make_cfg(2, (unsigned[]){2, 2}, (int[]){1, 0});
	two_lcores(&s, 3);
	cfg.has_workers = true;
	cfg.n_workers = 2;
	cfg.workers[0] = (struct hp_worker_conf){
		.lcore = 2, .n_queues = 2, .line = 20, .lcore_line = 20, .queues = {{0, 0}, {1, 0}}};
	cfg.workers[1] = (struct hp_worker_conf){
		.lcore = 1, .n_queues = 2, .line = 21, .lcore_line = 21, .queues = {{0, 1}, {1, 1}}};
	CU_ASSERT_EQUAL_FATAL(dp_lcore_map_build(&cfg, &s, &map, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(map.workers[0].lcore, 2);
	CU_ASSERT_EQUAL(map.workers[0].txq[1], 0);
	CU_ASSERT_EQUAL(map.workers[1].lcore, 1);
	CU_ASSERT_EQUAL(map.workers[1].txq[1], 1);

	/* the main lcore cannot be a worker */
	cfg.workers[0].lcore = 0;
	CU_ASSERT_EQUAL(dp_lcore_map_build(&cfg, &s, &map, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.yaml:20: lcore 0"));
	/* nor an lcore EAL does not run */
	cfg.workers[0].lcore = 7;
	CU_ASSERT_EQUAL(dp_lcore_map_build(&cfg, &s, &map, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.yaml:20: lcore 7 out of range"));
	/* every queue must be served */
	cfg.workers[0].lcore = 2;
	cfg.workers[0].n_queues = 1;
	CU_ASSERT_EQUAL(dp_lcore_map_build(&cfg, &s, &map, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.yaml:11: queue p1/0 is not served"));
	/* and owned once */
	cfg.workers[0].n_queues = 2;
	cfg.workers[0].queues[1] = (struct hp_queue_ref){1, 1};
	CU_ASSERT_EQUAL(dp_lcore_map_build(&cfg, &s, &map, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "p1/1"));
}

static void
test_no_worker_lcore(void)
{
	struct dp_lcore_set s;

	make_cfg(1, (unsigned[]){1}, (int[]){0});
	cfg.eal_line = 3;
	two_lcores(&s, 1);
	CU_ASSERT_EQUAL(dp_lcore_map_build(&cfg, &s, &map, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.yaml:3: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no worker lcore"));
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"lcore lists from EAL args", test_lcore_lists},
		{"each lcore's CPUs", test_lcore_cpus},
		{"default spread pairs xconnect queues", test_spread_pairs_queues},
		{"TX queue on a port the worker does not receive from", test_tx_queue_for_foreign_port},
		{"explicit workers checked", test_explicit_workers},
		{"no worker lcore", test_no_worker_lcore},
	};

	return HP_CUNIT_RUN("lcore_map", tests);
}
