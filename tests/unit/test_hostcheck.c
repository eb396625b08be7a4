/* Unit tests of hotpathd --check-host (control/hostcheck.c) on fake /proc and /sys trees: a tuned
 * two-socket host where every check passes, and one change at a time that each check must catch.
 * "test_hostcheck --write-tuned DIR" writes that tuned tree and its config (DIR/hotpath.yaml) for
 * docs/TUNING.md and the integration test. */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "../cunit_run.h"
#include "config.h"
#include "hostcheck.h"
#include "hostfs.h"
#include "lcore_map.h"

/* Two sockets, 8 cores each with 2 threads: node 0 = cpus 0-3,8-11, node 1 = 4-7,12-15, cpu N's
 * sibling N^8. hotpathd: main lcore 1, workers 2 and 3 (node 0), two ports on node 0. */
static const char tuned_yaml[] =
	"eal: [-l, \"1-3\", --file-prefix, tuned, -a, \"0000:03:00.0\", -a, \"0000:03:00.1\"]\n"
	"ports:\n"
	"  - { name: p0, device: \"0000:03:00.0\", queues: 2, mode: xconnect, peer: p1 }\n"
	"  - { name: p1, device: \"0000:03:00.1\", queues: 2, mode: xconnect, peer: p0 }\n";

static char root[256];
static char err[HP_ERR_MAX];

static void __attribute__((format(printf, 2, 3))) put(const char *content, const char *fmt, ...)
{
	char path[512], *slash;
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/", root);
	va_start(ap, fmt);
	vsnprintf(path + strlen(path), sizeof(path) - strlen(path), fmt, ap);
	va_end(ap);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	unlink(path);
	if ((f = fopen(path, "w")) == NULL) { /* also outside CUnit: --write-tuned */
		perror(path);
		exit(1);
	}
	fprintf(f, "%s\n", content);
	fclose(f);
}

static void __attribute__((format(printf, 1, 2))) del(const char *fmt, ...)
{
	char path[512];
	va_list ap;

	snprintf(path, sizeof(path), "%s/", root);
	va_start(ap, fmt);
	vsnprintf(path + strlen(path), sizeof(path) - strlen(path), fmt, ap);
	va_end(ap);
	unlink(path);
}

static void
link_to(const char *target, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	unlink(path);
	if (symlink(target, path) < 0) {
		perror(path);
		exit(1);
	}
}

static const char tuned_cmdline[] =
	"BOOT_IMAGE=/vmlinuz root=/dev/sda1 isolcpus=managed_irq,domain,2-7,10-15 "
	"nohz_full=2-7,10-15 rcu_nocbs=2-7,10-15 irqaffinity=0-1,8-9 skew_tick=1 "
	"intel_idle.max_cstate=1 processor.max_cstate=1 transparent_hugepage=never";

/* The tuned host: tuned-adm profile network-latency plus the boot line above. */
static void
write_tuned(void)
{
	put(tuned_cmdline, "proc/cmdline");
	put("processor\t: 0\nflags\t\t: fpu sse2 avx2", "proc/cpuinfo");
	put("sysfs /sys sysfs rw 0 0\nhugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0",
	    "proc/mounts");
	put("0-15", "sys/devices/system/cpu/online");
	put("0-15", "sys/devices/system/cpu/present");
	put("2-7,10-15", "sys/devices/system/cpu/isolated");
	put("2-7,10-15", "sys/devices/system/cpu/nohz_full");
	put("intel_idle", "sys/devices/system/cpu/cpuidle/current_driver");
	for (unsigned c = 0; c < 16; c++) {
		char sib[16];

		snprintf(sib, sizeof(sib), "%u,%u", c & 7, (c & 7) + 8);
		if (c != 0)
			put("1", "sys/devices/system/cpu/cpu%u/online", c);
		put(sib, "sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", c);
		put("performance", "sys/devices/system/cpu/cpu%u/cpufreq/scaling_governor", c);
		put("POLL", "sys/devices/system/cpu/cpu%u/cpuidle/state0/name", c);
		put("0", "sys/devices/system/cpu/cpu%u/cpuidle/state0/latency", c);
		put("0", "sys/devices/system/cpu/cpu%u/cpuidle/state0/disable", c);
		put("C1", "sys/devices/system/cpu/cpu%u/cpuidle/state1/name", c);
		put("2", "sys/devices/system/cpu/cpu%u/cpuidle/state1/latency", c);
		put("0", "sys/devices/system/cpu/cpu%u/cpuidle/state1/disable", c);
		put("C6", "sys/devices/system/cpu/cpu%u/cpuidle/state2/name", c);
		put("133", "sys/devices/system/cpu/cpu%u/cpuidle/state2/latency", c);
		put("1", "sys/devices/system/cpu/cpu%u/cpuidle/state2/disable", c);
	}
	put("0-3,8-11", "sys/devices/system/node/node0/cpulist");
	put("4-7,12-15", "sys/devices/system/node/node1/cpulist");
	for (unsigned n = 0; n < 2; n++) {
		put("1024", "sys/devices/system/node/node%u/hugepages/hugepages-2048kB/nr_hugepages", n);
		put("1024", "sys/devices/system/node/node%u/hugepages/hugepages-2048kB/free_hugepages", n);
		put("0", "sys/devices/system/node/node%u/hugepages/hugepages-1048576kB/nr_hugepages", n);
		put("0", "sys/devices/system/node/node%u/hugepages/hugepages-1048576kB/free_hugepages", n);
	}
	put("", "sys/bus/pci/drivers/vfio-pci/new_id");
	for (unsigned f = 0; f < 2; f++) {
		char rel[128];

		put("0", "sys/bus/pci/devices/0000:03:00.%u/numa_node", f);
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/0000:03:00.%u/driver", f);
		link_to("../../../bus/pci/drivers/vfio-pci", rel);
	}
	/* the NIC's kernel-side IRQ and a serial port, both kept on the housekeeping CPUs */
	put("0-1,8-9", "proc/irq/40/smp_affinity_list");
	put("", "proc/irq/40/nvme0q0/.keep");
	put("0-1,8-9", "proc/irq/4/smp_affinity_list");
	put("", "proc/irq/4/ttyS0/.keep");
	put("303", "proc/irq/default_smp_affinity");
	put("systemd", "proc/1/comm");
	put("[never] madvise always", "sys/kernel/mm/transparent_hugepage/enabled");
	put("0", "proc/sys/kernel/timer_migration");
	put("0", "proc/sys/kernel/nmi_watchdog");
	put("1", "proc/sys/kernel/watchdog");
	put("0-1,8-9", "proc/sys/kernel/watchdog_cpumask");
	put("303", "sys/devices/virtual/workqueue/cpumask");
	put("0", "proc/sys/kernel/numa_balancing");
	put("10", "proc/sys/vm/stat_interval");
	put("0", "sys/kernel/mm/ksm/run");
	put("-1", "proc/sys/kernel/sched_rt_runtime_us");
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void
new_root(void)
{
	if (root[0] != '\0')
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	snprintf(root, sizeof(root), "/tmp/hp-hostcheck-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	write_tuned();
}

/* Run the checks over the tree for a config (the tuned one if yaml is NULL). */
static int
run(const char *yaml, struct ctl_hc_report *rep)
{
	static struct hp_config cfg;
	static struct dp_lcore_map map;
	struct dp_lcore_set set;
	int rc;

	if (yaml == NULL)
		yaml = tuned_yaml;
	rc = hp_config_parse("t.yaml", yaml, strlen(yaml), &cfg, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	rc = dp_lcore_set_from_args(cfg.n_eal_args, cfg.eal_args, 16, &set, err, sizeof(err));
	if (rc == 0)
		rc = dp_lcore_map_build(&cfg, &set, &map, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	struct ctl_hc_input in = {root, &cfg, cfg.n_eal_args, cfg.eal_args, &set, &map};
	rc = ctl_hc_run(&in, rep);
	hp_config_free(&cfg);
	return rc;
}

/* The result of check on subject; FATAL if there is none. */
static const struct ctl_hc_result *
find(const struct ctl_hc_report *rep, const char *check, const char *subject)
{
	for (unsigned i = 0; i < rep->n; i++)
		if (!strcmp(rep->r[i].check, check) && !strcmp(rep->r[i].subject, subject))
			return &rep->r[i];
	fprintf(stderr, "no result for %s %s\n", check, subject);
	CU_FAIL_FATAL("missing result");
	return NULL;
}

/* One check after a change: its status, and a word its detail must hold. */
static void
expect(const char *yaml, const char *check, const char *subject, enum ctl_hc_status st, const char *word)
{
	struct ctl_hc_report rep;
	const struct ctl_hc_result *r;

	CU_ASSERT_EQUAL_FATAL(run(yaml, &rep), 0);
	r = find(&rep, check, subject);
	if (r->status != st || (word && !strstr(r->detail, word)))
		fprintf(stderr, "%s %s: %s %s (fix: %s)\n", check, subject, ctl_hc_status_name(r->status),
			r->detail, r->fix);
	CU_ASSERT_EQUAL(r->status, st);
	if (word != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(r->detail, word));
	if (st != CTL_HC_PASS && st != CTL_HC_INFO)
		CU_ASSERT(r->fix[0] != '\0');
	ctl_hc_free(&rep);
}

static void
test_tuned_host_passes(void)
{
	struct ctl_hc_report rep;
	char line[128];

	new_root();
	CU_ASSERT_EQUAL_FATAL(run(NULL, &rep), 0);
	for (unsigned i = 0; i < rep.n; i++)
		if (rep.r[i].status != CTL_HC_PASS)
			fprintf(stderr, "%s %s: %s %s\n", rep.r[i].check, rep.r[i].subject,
				ctl_hc_status_name(rep.r[i].status), rep.r[i].detail);
	CU_ASSERT_EQUAL(rep.count[CTL_HC_WARN], 0);
	CU_ASSERT_EQUAL(rep.count[CTL_HC_FAIL], 0);
	CU_ASSERT_EQUAL(rep.count[CTL_HC_INFO], 0);
	/* every check named in issue 13, per worker CPU and per port */
	static const char *const per_cpu[] = {"isolated", "nohz_full", "rcu_nocbs", "irqs",
					      "smt",      "governor",  "cstates"};
	for (unsigned c = 2; c <= 3; c++) {
		char subject[16];
		snprintf(subject, sizeof(subject), "cpu %u", c);
		for (size_t k = 0; k < sizeof(per_cpu) / sizeof(per_cpu[0]); k++)
			CU_ASSERT_EQUAL(find(&rep, per_cpu[k], subject)->status, CTL_HC_PASS);
	}
	static const char *const host[] = {"thp",        "timer_migration", "nmi_watchdog",  "watchdog",
					   "workqueue",  "numa_balancing",  "stat_interval", "ksm",
					   "irqbalance", "skew_tick",       "rt_runtime",    "hugetlbfs"};
	for (size_t k = 0; k < sizeof(host) / sizeof(host[0]); k++)
		CU_ASSERT_EQUAL(find(&rep, host[k], "host")->status, CTL_HC_PASS);
	CU_ASSERT_EQUAL(find(&rep, "numa", "port p0")->status, CTL_HC_PASS);
	CU_ASSERT_EQUAL(find(&rep, "driver", "port p1")->status, CTL_HC_PASS);
	CU_ASSERT_EQUAL(find(&rep, "hugepages", "node 0")->status, CTL_HC_PASS);
	CU_ASSERT_EQUAL(find(&rep, "lcore", "lcore 2")->status, CTL_HC_PASS);
	CU_ASSERT_EQUAL(find(&rep, "lcore", "lcore 1")->status, CTL_HC_PASS);
	ctl_hc_summary(&rep, line, sizeof(line));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "check-host: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, " PASS, 0 WARN, 0 FAIL"));
	ctl_hc_free(&rep);
}

static void
test_cpu_isolation(void)
{
	new_root();
	put("BOOT_IMAGE=/vmlinuz skew_tick=1 -- isolcpus=2-3 nohz_full=2-3",
	    "proc/cmdline"); /* after --: init's */
	put("", "sys/devices/system/cpu/isolated");
	put("(null)", "sys/devices/system/cpu/nohz_full");
	expect(NULL, "isolated", "cpu 2", CTL_HC_WARN, "not in isolcpus");
	expect(NULL, "nohz_full", "cpu 2", CTL_HC_WARN, NULL);
	expect(NULL, "rcu_nocbs", "cpu 3", CTL_HC_WARN, NULL);
	/* isolcpus only on the command line, with flags before the list */
	put("isolcpus=nohz,domain,managed_irq,2,3", "proc/cmdline");
	expect(NULL, "isolated", "cpu 3", CTL_HC_PASS, NULL);
	/* a cgroup v2 isolated partition, or systemd's slices kept off the CPU */
	put("", "proc/cmdline");
	put("2-3", "sys/fs/cgroup/cpuset.cpus.isolated");
	expect(NULL, "isolated", "cpu 2", CTL_HC_PASS, "partition");
	del("sys/fs/cgroup/cpuset.cpus.isolated");
	put("0-1", "sys/fs/cgroup/system.slice/cpuset.cpus.effective");
	put("0-1", "sys/fs/cgroup/user.slice/cpuset.cpus.effective");
	expect(NULL, "isolated", "cpu 3", CTL_HC_PASS, "slice");
	put("0-3", "sys/fs/cgroup/init.scope/cpuset.cpus.effective");
	expect(NULL, "isolated", "cpu 3", CTL_HC_WARN, NULL);
	/* nohz_full implies rcu_nocbs */
	put("nohz_full=2-3", "proc/cmdline");
	del("sys/devices/system/cpu/nohz_full");
	expect(NULL, "nohz_full", "cpu 2", CTL_HC_PASS, NULL);
	expect(NULL, "rcu_nocbs", "cpu 2", CTL_HC_PASS, "implies");
}

static void
test_irqs(void)
{
	new_root();
	put("0-15", "proc/irq/41/smp_affinity_list");
	put("", "proc/irq/41/eth0-rx-0/.keep");
	expect(NULL, "irqs", "cpu 2", CTL_HC_WARN, "41 eth0-rx-0");
	new_root();
	put("ffff", "proc/irq/default_smp_affinity");
	expect(NULL, "irqs", "cpu 3", CTL_HC_WARN, "default_smp_affinity");
	put("irqbalance", "proc/4242/comm");
	expect(NULL, "irqbalance", "host", CTL_HC_PASS, "isolcpus"); /* workers isolated: left alone */
	put("", "sys/devices/system/cpu/isolated");
	put("", "proc/cmdline");
	expect(NULL, "irqbalance", "host", CTL_HC_WARN, "cpu 2-3");
}

static void
test_smt_sibling(void)
{
	new_root();
	/* cpu 10 (cpu 2's sibling) not isolated */
	put("2-7,11-15", "sys/devices/system/cpu/isolated");
	put("", "proc/cmdline");
	expect(NULL, "smt", "cpu 2", CTL_HC_WARN, "cpu 10");
	/* offline: the core is the worker's alone */
	put("0", "sys/devices/system/cpu/cpu10/online");
	put("0-9,11-15", "sys/devices/system/cpu/online");
	expect(NULL, "smt", "cpu 2", CTL_HC_PASS, NULL);
	/* two workers on one core */
	new_root();
	put("2,3", "sys/devices/system/cpu/cpu2/topology/thread_siblings_list");
	expect(NULL, "smt", "cpu 2", CTL_HC_WARN, "worker");
	put("1-3", "sys/devices/system/cpu/cpu1/topology/thread_siblings_list");
	put("1-3", "sys/devices/system/cpu/cpu3/topology/thread_siblings_list");
	expect(NULL, "smt", "cpu 3", CTL_HC_WARN, "main");
	/* no SMT */
	put("3", "sys/devices/system/cpu/cpu3/topology/thread_siblings_list");
	expect(NULL, "smt", "cpu 3", CTL_HC_PASS, "no SMT");
}

static void
test_governor_and_cstates(void)
{
	new_root();
	put("powersave", "sys/devices/system/cpu/cpu2/cpufreq/scaling_governor");
	expect(NULL, "governor", "cpu 2", CTL_HC_WARN, "powersave");
	del("sys/devices/system/cpu/cpu2/cpufreq/scaling_governor");
	expect(NULL, "governor", "cpu 2", CTL_HC_WARN, "firmware");
	put("processor\t: 0\nflags\t\t: fpu sse2 hypervisor avx2", "proc/cpuinfo");
	expect(NULL, "governor", "cpu 2", CTL_HC_INFO, "virtual machine");

	put("0", "sys/devices/system/cpu/cpu3/cpuidle/state2/disable");
	expect(NULL, "cstates", "cpu 3", CTL_HC_WARN, "C6 (133 us)");
	expect(NULL, "cstates", "cpu 2", CTL_HC_PASS, "C1 2 us");
	put("idle=poll", "proc/cmdline");
	expect(NULL, "cstates", "cpu 3", CTL_HC_PASS, "idle=poll");
}

static void
test_host_settings(void)
{
	new_root();
	put("[always] madvise never", "sys/kernel/mm/transparent_hugepage/enabled");
	put("1", "proc/sys/kernel/timer_migration");
	put("1", "proc/sys/kernel/nmi_watchdog");
	put("0-15", "proc/sys/kernel/watchdog_cpumask");
	put("ffff", "sys/devices/virtual/workqueue/cpumask");
	put("1", "proc/sys/kernel/numa_balancing");
	put("1", "proc/sys/vm/stat_interval");
	put("1", "sys/kernel/mm/ksm/run");
	put("950000", "proc/sys/kernel/sched_rt_runtime_us");
	put("quiet", "proc/cmdline");
	expect(NULL, "thp", "host", CTL_HC_WARN, "[always]");
	expect(NULL, "timer_migration", "host", CTL_HC_WARN, NULL);
	expect(NULL, "nmi_watchdog", "host", CTL_HC_WARN, NULL);
	expect(NULL, "watchdog", "host", CTL_HC_WARN, "cpu 2-3");
	expect(NULL, "numa_balancing", "host", CTL_HC_WARN, NULL);
	expect(NULL, "stat_interval", "host", CTL_HC_WARN, NULL);
	expect(NULL, "ksm", "host", CTL_HC_WARN, NULL);
	expect(NULL, "skew_tick", "host", CTL_HC_WARN, NULL);
	expect(NULL, "rt_runtime", "host", CTL_HC_INFO, "SCHED_FIFO");

	/* the fix names the housekeeping CPUs' mask: all online CPUs but the workers (2, 3) */
	struct ctl_hc_report rep;
	CU_ASSERT_EQUAL_FATAL(run(NULL, &rep), 0);
	const struct ctl_hc_result *r = find(&rep, "workqueue", "host");
	CU_ASSERT_EQUAL(r->status, CTL_HC_WARN);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->fix, "echo fff3 > "));
	ctl_hc_free(&rep);

	put("0", "proc/sys/kernel/watchdog");
	expect(NULL, "watchdog", "host", CTL_HC_PASS, NULL);
	del("proc/sys/kernel/timer_migration");
	expect(NULL, "timer_migration", "host", CTL_HC_INFO, "absent");
	put("always madvise [never]", "sys/kernel/mm/transparent_hugepage/enabled");
	expect(NULL, "thp", "host", CTL_HC_PASS, NULL);
}

static void
test_hugepages(void)
{
	struct ctl_hc_report rep;

	new_root();
	/* the ports' node has none, the other node has them: FAIL */
	put("0", "sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages");
	put("0", "sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages");
	expect(NULL, "hugepages", "node 0", CTL_HC_FAIL, "2048 MiB on other nodes");
	CU_ASSERT_EQUAL_FATAL(run(NULL, &rep), 0);
	CU_ASSERT(rep.count[CTL_HC_FAIL] >= 1);
	ctl_hc_free(&rep);
	/* 1 GiB pages count too; all taken: WARN */
	put("2", "sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages");
	expect(NULL, "hugepages", "node 0", CTL_HC_WARN, "none free");
	put("1", "sys/devices/system/node/node0/hugepages/hugepages-1048576kB/free_hugepages");
	expect(NULL, "hugepages", "node 0", CTL_HC_PASS, "2048 MiB reserved");
	/* without --in-memory EAL needs a hugetlbfs mount; --no-huge needs no pages at all */
	put("sysfs /sys sysfs rw 0 0", "proc/mounts");
	expect(NULL, "hugetlbfs", "host", CTL_HC_FAIL, NULL);
	expect("eal: [-l, \"1-3\", --no-huge]\nports:\n  - { name: p0, device: \"0000:03:00.0\" }\n",
	       "hugepages", "host", CTL_HC_INFO, "--no-huge");
}

static void
test_ports(void)
{
	static const char one_port[] =
		"eal: [-l, \"1-3\", --in-memory]\n"
		"ports:\n  - { name: p0, device: \"%s\", queues: 2 }\n";
	char yaml[512];

	new_root();
	/* the ports on node 1, their workers on node 0 */
	put("1", "sys/bus/pci/devices/0000:03:00.0/numa_node");
	expect(NULL, "numa", "port p0", CTL_HC_WARN, "node 1");
	expect(NULL, "hugepages", "node 1", CTL_HC_PASS, NULL); /* the port's node is checked too */
	put("-1", "sys/bus/pci/devices/0000:03:00.0/numa_node");
	expect(NULL, "numa", "port p0", CTL_HC_INFO, "no NUMA node");
	/* a kernel driver still bound */
	put("", "sys/bus/pci/drivers/ixgbe/new_id");
	link_to("../../../bus/pci/drivers/ixgbe", "sys/bus/pci/devices/0000:03:00.1/driver");
	expect(NULL, "driver", "port p1", CTL_HC_WARN, "ixgbe");
	/* no such device: FAIL */
	snprintf(yaml, sizeof(yaml), one_port, "0000:81:00.0");
	expect(yaml, "numa", "port p0", CTL_HC_FAIL, "no PCI device 0000:81:00.0");
	/* the short PCI form */
	snprintf(yaml, sizeof(yaml), one_port, "03:00.0");
	expect(yaml, "numa", "port p0", CTL_HC_INFO, "0000:03:00.0");
	/* net_af_xdp: a NIC's interface has a node, a veth has none, a missing one is said */
	put("0", "sys/class/net/eth1/device/numa_node");
	put("", "sys/class/net/veth0/address");
	snprintf(yaml, sizeof(yaml), one_port, "net_af_xdp0,iface=eth1,start_queue=0,queue_count=2");
	expect(yaml, "numa", "port p0", CTL_HC_PASS, "interface eth1 on node 0");
	snprintf(yaml, sizeof(yaml), one_port, "net_af_packet0,iface=veth0");
	expect(yaml, "numa", "port p0", CTL_HC_INFO, "virtual interface");
	snprintf(yaml, sizeof(yaml), one_port, "net_af_xdp0,iface=nosuch0");
	expect(yaml, "numa", "port p0", CTL_HC_WARN, "no interface nosuch0");
	snprintf(yaml, sizeof(yaml), one_port, "net_memif0,role=server,socket=/tmp/m.sock");
	expect(yaml, "numa", "port p0", CTL_HC_INFO, "virtual device net_memif0");
}

static void
test_lcores(void)
{
	static const char fmt[] =
		"eal: [%s, --in-memory]\nports:\n  - { name: p0, device: net_null0, queues: 2 }\n";
	char yaml[256];

	new_root();
	/* a worker CPU offline, or not on this host: FAIL, and the exit says so */
	put("0", "sys/devices/system/cpu/cpu3/online");
	put("0-2,4-15", "sys/devices/system/cpu/online");
	expect(NULL, "lcore", "lcore 3", CTL_HC_FAIL, "offline");
	snprintf(yaml, sizeof(yaml), fmt, "-l, \"1,2,20\"");
	expect(yaml, "lcore", "lcore 20", CTL_HC_FAIL, "not present");
	/* a worker sharing the main lcore's CPU, two workers on one CPU, a floating worker */
	snprintf(yaml, sizeof(yaml), fmt, "--lcores, \"1@1,2@1,3@2\"");
	expect(yaml, "lcore", "lcore 2", CTL_HC_FAIL, "main lcore 1");
	snprintf(yaml, sizeof(yaml), fmt, "--lcores, \"1@0,2@2,3@2\"");
	expect(yaml, "lcore", "lcore 3", CTL_HC_FAIL, "share cpu 2");
	snprintf(yaml, sizeof(yaml), fmt, "--lcores, \"1@0,2@(4-5),3@6\"");
	expect(yaml, "lcore", "lcore 2", CTL_HC_WARN, "4-5");
	/* --lcores maps lcore 2 to cpu 12: that CPU is the one checked */
	snprintf(yaml, sizeof(yaml), fmt, "--lcores, \"1@0,2@12,3@13\"");
	expect(yaml, "lcore", "lcore 2", CTL_HC_PASS, "cpu 12 (node 1)");
	expect(yaml, "isolated", "cpu 12", CTL_HC_PASS, NULL);
}

static void
test_json(void)
{
	struct ctl_hc_report rep;
	json_t *j, *checks;
	size_t n = 0, fails = 0;

	new_root();
	put("0", "sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages");
	CU_ASSERT_EQUAL_FATAL(run(NULL, &rep), 0);
	j = ctl_hc_json(&rep);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	checks = json_object_get(j, "checks");
	CU_ASSERT_EQUAL(json_array_size(checks), rep.n);
	for (size_t i = 0; i < json_array_size(checks); i++) {
		json_t *c = json_array_get(checks, i);
		n += json_is_string(json_object_get(c, "check")) &&
		     json_is_string(json_object_get(c, "subject")) &&
		     json_is_string(json_object_get(c, "detail")) &&
		     json_is_string(json_object_get(c, "fix"));
		fails += !strcmp(json_string_value(json_object_get(c, "status")), "FAIL");
	}
	CU_ASSERT_EQUAL(n, rep.n);
	CU_ASSERT_EQUAL(fails, 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(j, "summary"), "fail")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(j, "summary"), "pass")),
			rep.count[CTL_HC_PASS]);
	json_decref(j);
	ctl_hc_free(&rep);
}

static void
test_formats(void)
{
	ctl_cpuset s;
	char buf[128], val[64];

	ctl_cpulist_parse("0-3,5,64-65\n", s);
	ctl_cpulist_format(s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "0-3,5,64-65");
	ctl_cpumask_format(s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "3,00000000,0000002f");
	ctl_cpumask_parse("3,0000002f", s);
	ctl_cpulist_format(s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "0-3,5,32-33");
	ctl_cpulist_parse("(null)", s);
	CU_ASSERT(ctl_cpuset_empty(s));
	ctl_isolcpus_parse("nohz,domain,managed_irq,2-3,7", s);
	ctl_cpulist_format(s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2-3,7");
	CU_ASSERT_PTR_NOT_NULL(
		ctl_cmdline_value("a=1 isolcpus=2 quiet isolcpus=3", "isolcpus", val, sizeof(val)));
	CU_ASSERT_STRING_EQUAL(val, "3");
	CU_ASSERT_PTR_NOT_NULL(ctl_cmdline_value("quiet nohz_full", "nohz_full", val, sizeof(val)));
	CU_ASSERT_STRING_EQUAL(val, "");
	CU_ASSERT_PTR_NULL(ctl_cmdline_value("quiet -- isolcpus=2", "isolcpus", val, sizeof(val)));
	CU_ASSERT_PTR_NULL(ctl_cmdline_value("isolcpusx=2", "isolcpus", val, sizeof(val)));
}

static void
cleanup(void)
{
	if (root[0] != '\0')
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(int argc, char **argv)
{
	static const struct hp_cunit_test tests[] = {
		{"tuned_host_passes", test_tuned_host_passes},
		{"cpu_isolation", test_cpu_isolation},
		{"irqs", test_irqs},
		{"smt_sibling", test_smt_sibling},
		{"governor_and_cstates", test_governor_and_cstates},
		{"host_settings", test_host_settings},
		{"hugepages", test_hugepages},
		{"ports", test_ports},
		{"lcores", test_lcores},
		{"json", test_json},
		{"formats", test_formats},
	};
	int rc;

	if (argc == 3 && !strcmp(argv[1], "--write-tuned")) {
		FILE *f;
		char path[512];

		snprintf(root, sizeof(root), "%s", argv[2]);
		if (mkdir(root, 0755) < 0 && errno != EEXIST) {
			perror(root);
			return 1;
		}
		write_tuned();
		snprintf(path, sizeof(path), "%s/hotpath.yaml", root);
		if ((f = fopen(path, "w")) == NULL) {
			perror(path);
			return 1;
		}
		fputs(tuned_yaml, f);
		fclose(f);
		return 0;
	}
	rc = hp_cunit_run("hostcheck", tests, sizeof(tests) / sizeof(tests[0]));
	cleanup();
	return rc;
}
