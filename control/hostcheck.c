/* hotpathd --check-host: each worker CPU, port and NUMA node of the config against the host's
 * /proc and /sys (tuned's network-latency profile, DPDK's and the kernel's low-latency guides). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostcheck.h"
#include "hostfs.h"

#define HC_MAX_NODES 64
#define HC_CSTATE_MAX_US 10     /* an enabled idle state slower to leave than this is "deep" */
#define HC_MIN_STAT_INTERVAL 10 /* tuned network-latency: vm.stat_interval = 10 */
#define HC_MAX_NAMES 8          /* IRQs named in one line */

struct hc {
	const char *root;
	const struct hp_config *cfg;
	const struct dp_lcore_set *lcores;
	const struct dp_lcore_map *map;
	unsigned eal_argc;
	char *const *eal_argv;
	struct ctl_hc_report *rep;
	bool nomem;
	char cmdline[4096];
	bool vm;
	ctl_cpuset workers, main_cpus, online;
	ctl_cpuset isolcpus, nohz, nocbs;
	ctl_cpuset node_cpus[HC_MAX_NODES];
	bool node_present[HC_MAX_NODES];
	bool numa;     /* the node directories exist */
	bool has_nohz; /* /sys/devices/system/cpu/nohz_full: a CONFIG_NO_HZ_FULL kernel */
	char hk[256];  /* the housekeeping CPUs: online, not a worker's ("0" here: the fixes name them) */
	char wk[256];  /* the workers' CPUs */
};

/* ---- results ---- */

static void __attribute__((format(printf, 6, 7)))
add(struct hc *h, const char *check, const char *subject, enum ctl_hc_status st, const char *fix,
    const char *fmt, ...)
{
	struct ctl_hc_report *rep = h->rep;
	struct ctl_hc_result *r;
	va_list ap;

	if (rep->n == rep->cap) {
		unsigned cap = rep->cap ? rep->cap * 2 : 64;
		void *p = realloc(rep->r, cap * sizeof(*rep->r));
		if (p == NULL) {
			h->nomem = true;
			return;
		}
		rep->r = p;
		rep->cap = cap;
	}
	r = &rep->r[rep->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->check, sizeof(r->check), "%s", check);
	snprintf(r->subject, sizeof(r->subject), "%s", subject);
	r->status = st;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	snprintf(r->fix, sizeof(r->fix), "%s", st == CTL_HC_PASS || fix == NULL ? "" : fix);
	rep->count[st]++;
}

/* ---- the host as a whole ---- */

static int
node_of_cpu(const struct hc *h, unsigned cpu)
{
	for (int n = 0; n < HC_MAX_NODES; n++)
		if (h->node_present[n] && ctl_cpuset_has(h->node_cpus[n], cpu))
			return n;
	return h->numa ? -1 : 0;
}

/* cpuN/online where the CPU can go offline (cpu0 often cannot: no file), else the online list */
static bool
cpu_online(const struct hc *h, unsigned cpu)
{
	long v;

	if (ctl_hostfs_long(h->root, &v, "/sys/devices/system/cpu/cpu%u/online", cpu))
		return v != 0;
	return ctl_cpuset_has(h->online, cpu);
}

static bool
cpu_present(const struct hc *h, unsigned cpu)
{
	return ctl_hostfs_exists(h->root, "/sys/devices/system/cpu/cpu%u", cpu);
}

/* Isolated from other tasks through a cgroup cpuset: an isolated partition (v2's
 * cpuset.cpus.isolated), or systemd's slices all kept off the CPU (AllowedCPUs=). */
static bool
cpuset_isolated(const struct hc *h, unsigned cpu, char *how, size_t len)
{
	static const char *const bases[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified",
					    "/sys/fs/cgroup/cpuset"};
	static const char *const slices[] = {"system.slice", "user.slice", "init.scope"};
	char buf[1024];
	ctl_cpuset s;

	if (ctl_hostfs_read(h->root, buf, sizeof(buf), "/sys/fs/cgroup/cpuset.cpus.isolated") > 0) {
		ctl_cpulist_parse(buf, s);
		if (ctl_cpuset_has(s, cpu)) {
			snprintf(how, len,
				 "in an isolated cgroup cpuset partition (cpuset.cpus.isolated %.64s)", buf);
			return true;
		}
	}
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		unsigned seen = 0, excluded = 0;

		for (size_t k = 0; k < sizeof(slices) / sizeof(slices[0]); k++) {
			if (ctl_hostfs_read(h->root, buf, sizeof(buf), "%s/%s/cpuset.cpus.effective",
					    bases[b], slices[k]) <= 0 &&
			    ctl_hostfs_read(h->root, buf, sizeof(buf), "%s/%s/cpuset.effective_cpus",
					    bases[b], slices[k]) <= 0)
				continue;
			seen++;
			ctl_cpulist_parse(buf, s);
			excluded += !ctl_cpuset_has(s, cpu);
		}
		if (seen > 0 && excluded == seen) {
			snprintf(
				how, len,
				"cgroup cpusets under %s keep system.slice, user.slice and init.scope off it",
				bases[b]);
			return true;
		}
	}
	return false;
}

static bool
isolated(const struct hc *h, unsigned cpu)
{
	char how[256];

	return ctl_cpuset_has(h->isolcpus, cpu) || cpuset_isolated(h, cpu, how, sizeof(how));
}

static bool
eal_has(const struct hc *h, const char *arg)
{
	for (unsigned i = 0; i < h->eal_argc; i++)
		if (!strcmp(h->eal_argv[i], arg))
			return true;
	return false;
}

static void
load_host(struct hc *h)
{
	char buf[8192], val[1024];
	DIR *d;

	ctl_hostfs_read(h->root, h->cmdline, sizeof(h->cmdline), "/proc/cmdline");
	h->vm = ctl_hostfs_exists(h->root, "/sys/hypervisor/type");
	if (!h->vm &&
	    ctl_hostfs_read(h->root, buf, sizeof(buf), "/proc/cpuinfo") > 0) /* the first CPU's flags */
		h->vm = strstr(buf, " hypervisor") != NULL;

	if (ctl_hostfs_read(h->root, buf, sizeof(buf), "/sys/devices/system/cpu/online") > 0)
		ctl_cpulist_parse(buf, h->online);
	if (ctl_hostfs_read(h->root, buf, sizeof(buf), "/sys/devices/system/cpu/isolated") > 0)
		ctl_cpulist_parse(buf, h->isolcpus);
	if (ctl_cmdline_value(h->cmdline, "isolcpus", val, sizeof(val))) {
		ctl_cpuset s;
		ctl_isolcpus_parse(val, s);
		for (unsigned w = 0; w < DP_CPU_WORDS; w++)
			h->isolcpus[w] |= s[w];
	}
	h->has_nohz = ctl_hostfs_exists(h->root, "/sys/devices/system/cpu/nohz_full");
	if (ctl_hostfs_read(h->root, buf, sizeof(buf), "/sys/devices/system/cpu/nohz_full") > 0)
		ctl_cpulist_parse(buf, h->nohz);
	else if (ctl_cmdline_value(h->cmdline, "nohz_full", val, sizeof(val)))
		ctl_cpulist_parse(val, h->nohz);
	if (ctl_cmdline_value(h->cmdline, "rcu_nocbs", val, sizeof(val)))
		ctl_cpulist_parse(val, h->nocbs);

	if ((d = ctl_hostfs_opendir(h->root, "/sys/devices/system/node")) != NULL) {
		struct dirent *e;

		while ((e = readdir(d)) != NULL) {
			char *end;
			unsigned long n;

			if (strncmp(e->d_name, "node", 4) != 0 || e->d_name[4] < '0' || e->d_name[4] > '9')
				continue;
			n = strtoul(e->d_name + 4, &end, 10);
			if (*end != '\0' || n >= HC_MAX_NODES)
				continue;
			h->numa = true;
			h->node_present[n] = true;
			if (ctl_hostfs_read(h->root, buf, sizeof(buf),
					    "/sys/devices/system/node/node%lu/cpulist", n) > 0)
				ctl_cpulist_parse(buf, h->node_cpus[n]);
		}
		closedir(d);
	}

	for (unsigned i = 0; i < h->map->n_workers; i++)
		for (unsigned w = 0; w < DP_CPU_WORDS; w++)
			h->workers[w] |= h->lcores->cpus[h->map->workers[i].lcore][w];
	memcpy(h->main_cpus, h->lcores->cpus[h->lcores->main_lcore], sizeof(ctl_cpuset));
	ctl_cpuset hk;
	for (unsigned w = 0; w < DP_CPU_WORDS; w++)
		hk[w] = h->online[w] & ~h->workers[w];
	ctl_cpulist_format(hk, h->hk, sizeof(h->hk));
	ctl_cpulist_format(h->workers, h->wk, sizeof(h->wk));
}

/* ---- lcores: each worker (and the main lcore) on CPUs of its own that exist and are online ---- */

static void
queues_text(const struct hc *h, const struct dp_worker_map *w, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned k = 0; k < w->n_rx && off < len; k++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s/%u", k ? "," : "",
					h->cfg->ports[w->rx[k].port].name, w->rx[k].queue);
}

/* Present and online: 0, or a FAIL added. */
static int
check_cpu_up(struct hc *h, const char *subject, unsigned cpu)
{
	char fix[128], present[256] = "";

	if (!cpu_present(h, cpu)) {
		ctl_hostfs_read(h->root, present, sizeof(present), "/sys/devices/system/cpu/present");
		add(h, "lcore", subject, CTL_HC_FAIL, "use CPUs this host has (EAL -l / --lcores)",
		    "cpu %u is not present on this host (present: %s)", cpu, present);
		return -1;
	}
	if (!cpu_online(h, cpu)) {
		snprintf(fix, sizeof(fix), "echo 1 > /sys/devices/system/cpu/cpu%u/online", cpu);
		add(h, "lcore", subject, CTL_HC_FAIL, fix, "cpu %u is offline", cpu);
		return -1;
	}
	return 0;
}

static void
check_lcores(struct hc *h)
{
	const struct dp_lcore_set *ls = h->lcores;
	char subject[40], cpus[256], q[256];

	for (unsigned i = 0; i < h->map->n_workers; i++) {
		const struct dp_worker_map *w = &h->map->workers[i];
		bool bad = false;

		snprintf(subject, sizeof(subject), "lcore %u", w->lcore);
		ctl_cpulist_format(ls->cpus[w->lcore], cpus, sizeof(cpus));
		queues_text(h, w, q, sizeof(q));
		for (unsigned c = 0; c < DP_MAX_CPUS; c++) {
			if (!ctl_cpuset_has(ls->cpus[w->lcore], c))
				continue;
			bad |= check_cpu_up(h, subject, c) < 0;
			if (ctl_cpuset_has(h->main_cpus, c)) {
				add(h, "lcore", subject, CTL_HC_FAIL,
				    "give the main lcore a CPU of its own (EAL --lcores / --main-lcore)",
				    "worker lcore %u shares cpu %u with main lcore %u: the control thread and a "
				    "busy-polling loop on one CPU",
				    w->lcore, c, ls->main_lcore);
				bad = true;
			}
			for (unsigned j = 0; j < i; j++) {
				unsigned other = h->map->workers[j].lcore;
				if (!dp_lcore_on_cpu(ls, other, c))
					continue;
				add(h, "lcore", subject, CTL_HC_FAIL,
				    "give each worker a CPU of its own (EAL --lcores)",
				    "worker lcores %u and %u share cpu %u: two busy-polling loops on one CPU",
				    other, w->lcore, c);
				bad = true;
			}
		}
		if (dp_lcore_n_cpus(ls, w->lcore) > 1)
			add(h, "lcore", subject, CTL_HC_WARN,
			    "pin each worker lcore to one CPU (EAL --lcores N@CPU)",
			    "worker lcore %u floats over cpus %s: the scheduler moves its loop", w->lcore,
			    cpus);
		else if (!bad)
			add(h, "lcore", subject, CTL_HC_PASS, NULL, "worker on cpu %s (node %d), polls %s",
			    cpus, node_of_cpu(h, (unsigned)atoi(cpus)), q);
	}
	snprintf(subject, sizeof(subject), "lcore %u", ls->main_lcore);
	ctl_cpulist_format(h->main_cpus, cpus, sizeof(cpus));
	bool bad = false;
	for (unsigned c = 0; c < DP_MAX_CPUS; c++)
		if (ctl_cpuset_has(h->main_cpus, c))
			bad |= check_cpu_up(h, subject, c) < 0;
	if (!bad)
		add(h, "lcore", subject, CTL_HC_PASS, NULL, "main lcore (control thread) on cpu %s", cpus);
}

/* ---- per worker CPU ---- */

static void
check_isolated(struct hc *h, unsigned cpu, const char *subject)
{
	char how[256], fix[640];

	if (ctl_cpuset_has(h->isolcpus, cpu)) {
		add(h, "isolated", subject, CTL_HC_PASS, NULL,
		    "in isolcpus: the scheduler puts no other task there");
		return;
	}
	if (cpuset_isolated(h, cpu, how, sizeof(how))) {
		add(h, "isolated", subject, CTL_HC_PASS, NULL, "%s", how);
		return;
	}
	snprintf(
		fix, sizeof(fix),
		"boot with isolcpus=%s (or a cpuset: systemctl set-property system.slice AllowedCPUs=%s, and "
		"user.slice, init.scope)",
		h->wk, h->hk);
	add(h, "isolated", subject, CTL_HC_WARN, fix,
	    "not in isolcpus and no cpuset keeps other tasks off it: they preempt the poll loop");
}

static void
check_nohz(struct hc *h, unsigned cpu, const char *subject)
{
	char fix[400];

	snprintf(fix, sizeof(fix), "boot with nohz_full=%s (a kernel with CONFIG_NO_HZ_FULL)", h->wk);
	if (ctl_cpuset_has(h->nohz, cpu))
		add(h, "nohz_full", subject, CTL_HC_PASS, NULL,
		    "in nohz_full: no scheduler tick while one task runs");
	else
		add(h, "nohz_full", subject, CTL_HC_WARN, fix,
		    "not in nohz_full: the scheduler tick interrupts the loop up to CONFIG_HZ times a second%s",
		    h->has_nohz
			    ? ""
			    : " (and this kernel has no /sys/devices/system/cpu/nohz_full: no CONFIG_NO_HZ_FULL)");
}

static void
check_nocbs(struct hc *h, unsigned cpu, const char *subject)
{
	char fix[640];

	snprintf(fix, sizeof(fix), "boot with rcu_nocbs=%s (nohz_full=%s implies it)", h->wk, h->wk);
	if (ctl_cpuset_has(h->nocbs, cpu))
		add(h, "rcu_nocbs", subject, CTL_HC_PASS, NULL, "in rcu_nocbs: RCU callbacks run elsewhere");
	else if (ctl_cpuset_has(h->nohz, cpu))
		add(h, "rcu_nocbs", subject, CTL_HC_PASS, NULL,
		    "offloaded: nohz_full implies rcu_nocbs (CONFIG_RCU_NOCB_CPU)");
	else
		add(h, "rcu_nocbs", subject, CTL_HC_WARN, fix,
		    "not in rcu_nocbs: RCU callbacks run on this CPU");
}

static bool
is_number(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The IRQ's action names: the directories under /proc/irq/N ("ttyS0") */
static void
irq_name(const struct hc *h, const char *irq, char *buf, size_t len)
{
	struct dirent *e;
	size_t off = 0;
	DIR *d;

	buf[0] = '\0';
	if ((d = ctl_hostfs_opendir(h->root, "/proc/irq/%s", irq)) == NULL)
		return;
	while ((e = readdir(d)) != NULL && off < len) {
		if (e->d_name[0] == '.' || !ctl_hostfs_exists(h->root, "/proc/irq/%s/%s/.", irq, e->d_name))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "+" : "", e->d_name);
	}
	closedir(d);
}

static void
check_irqs(struct hc *h, unsigned cpu, const char *subject)
{
	char names[512], buf[1024], name[64], fix[640], dflt[128] = "";
	unsigned n = 0;
	size_t off = 0;
	struct dirent *e;
	ctl_cpuset s;
	DIR *d;

	names[0] = '\0';
	if ((d = ctl_hostfs_opendir(h->root, "/proc/irq")) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (!is_number(e->d_name) ||
			    ctl_hostfs_read(h->root, buf, sizeof(buf), "/proc/irq/%s/smp_affinity_list",
					    e->d_name) <= 0)
				continue;
			ctl_cpulist_parse(buf, s);
			if (!ctl_cpuset_has(s, cpu))
				continue;
			if (++n <= HC_MAX_NAMES && off < sizeof(names)) {
				irq_name(h, e->d_name, name, sizeof(name));
				off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s%s%s",
							n > 1 ? ", " : "", e->d_name, name[0] ? " " : "",
							name);
			}
		}
		closedir(d);
	}
	if (ctl_hostfs_read(h->root, buf, sizeof(buf), "/proc/irq/default_smp_affinity") > 0) {
		ctl_cpumask_parse(buf, s);
		if (ctl_cpuset_has(s, cpu))
			snprintf(dflt, sizeof(dflt), "; new IRQs too (default_smp_affinity %.64s)", buf);
	}
	if (n == 0 && dflt[0] == '\0') {
		add(h, "irqs", subject, CTL_HC_PASS, NULL, "no IRQ's smp_affinity_list holds it");
		return;
	}
	snprintf(fix, sizeof(fix),
		 "boot with irqaffinity=%s (and isolcpus=managed_irq,...), or echo %s > "
		 "/proc/irq/N/smp_affinity_list",
		 h->hk, h->hk);
	if (n > HC_MAX_NAMES)
		snprintf(names + off, sizeof(names) - off, " and %u more", n - HC_MAX_NAMES);
	add(h, "irqs", subject, CTL_HC_WARN, fix, "%u IRQs may land on it%s%s%s", n, n ? ": " : "", names,
	    dflt);
}

static void
check_smt(struct hc *h, unsigned cpu, const char *subject)
{
	char buf[256], fix[200], sib[256];
	ctl_cpuset s;

	if (ctl_hostfs_read(h->root, buf, sizeof(buf),
			    "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", cpu) <= 0) {
		add(h, "smt", subject, CTL_HC_INFO, NULL,
		    "no topology/thread_siblings_list: cannot tell its siblings");
		return;
	}
	ctl_cpulist_parse(buf, s);
	s[cpu / 64] &= ~(1ull << (cpu % 64));
	if (ctl_cpuset_empty(s)) {
		add(h, "smt", subject, CTL_HC_PASS, NULL, "no SMT sibling: the core is its own");
		return;
	}
	ctl_cpulist_format(s, sib, sizeof(sib));
	for (unsigned c = 0; c < DP_MAX_CPUS; c++) {
		if (!ctl_cpuset_has(s, c))
			continue;
		if (ctl_cpuset_has(h->workers, c) || ctl_cpuset_has(h->main_cpus, c)) {
			add(h, "smt", subject, CTL_HC_WARN,
			    "put workers and the main lcore on different cores, or turn SMT off: echo off > "
			    "/sys/devices/system/cpu/smt/control",
			    "its SMT sibling cpu %u is hotpathd's %s lcore too: the two share one core", c,
			    ctl_cpuset_has(h->workers, c) ? "worker" : "main");
			return;
		}
		if (cpu_online(h, c) && !isolated(h, c)) {
			snprintf(fix, sizeof(fix),
				 "isolate cpu %u too (isolcpus=%u,...) or take it offline: echo 0 > "
				 "/sys/devices/system/cpu/cpu%u/online",
				 c, cpu, c);
			add(h, "smt", subject, CTL_HC_WARN, fix,
			    "its SMT sibling cpu %u is online and not isolated: other tasks there share the core",
			    c);
			return;
		}
	}
	add(h, "smt", subject, CTL_HC_PASS, NULL, "SMT sibling cpu %s idle (isolated or offline)", sib);
}

static void
check_governor(struct hc *h, unsigned cpu, const char *subject)
{
	char buf[64], fix[160];

	snprintf(fix, sizeof(fix),
		 "cpupower -c %u frequency-set -g performance (or tuned-adm profile network-latency)", cpu);
	if (ctl_hostfs_read(h->root, buf, sizeof(buf),
			    "/sys/devices/system/cpu/cpu%u/cpufreq/scaling_governor", cpu) > 0) {
		if (!strcmp(buf, "performance"))
			add(h, "governor", subject, CTL_HC_PASS, NULL, "scaling_governor performance");
		else
			add(h, "governor", subject, CTL_HC_WARN, fix,
			    "scaling_governor %s: the clock drops when the loop idles and ramps up late",
			    buf);
	} else if (h->vm) {
		add(h, "governor", subject, CTL_HC_INFO,
		    "on the hypervisor: the performance governor on the CPUs behind this vCPU",
		    "no cpufreq: a virtual machine, whose hypervisor sets the frequency");
	} else {
		add(h, "governor", subject, CTL_HC_WARN,
		    "load a cpufreq driver (intel_pstate, acpi-cpufreq, amd-pstate) and set performance, or a "
		    "performance power profile in the firmware",
		    "no cpufreq driver: the firmware sets the frequency and this cannot be checked");
	}
}

static void
check_cstates(struct hc *h, unsigned cpu, const char *subject)
{
	char val[64], name[64], buf[64], deep[256], enabled[256], limits[160] = "";
	size_t doff = 0, eoff = 0;
	unsigned k;

	if (ctl_cmdline_value(h->cmdline, "idle", val, sizeof(val)) && !strcmp(val, "poll")) {
		add(h, "cstates", subject, CTL_HC_PASS, NULL, "idle=poll: the CPU never sleeps");
		return;
	}
	if (ctl_cmdline_value(h->cmdline, "intel_idle.max_cstate", val, sizeof(val)))
		snprintf(limits, sizeof(limits), "; intel_idle.max_cstate=%s", val);
	if (ctl_cmdline_value(h->cmdline, "processor.max_cstate", val, sizeof(val)))
		snprintf(limits + strlen(limits), sizeof(limits) - strlen(limits),
			 "; processor.max_cstate=%s", val);
	deep[0] = enabled[0] = '\0';
	for (k = 0; k < 32; k++) {
		long lat = 0, dis = 0;

		if (ctl_hostfs_read(h->root, name, sizeof(name),
				    "/sys/devices/system/cpu/cpu%u/cpuidle/state%u/name", cpu, k) < 0)
			break;
		ctl_hostfs_long(h->root, &lat, "/sys/devices/system/cpu/cpu%u/cpuidle/state%u/latency", cpu,
				k);
		ctl_hostfs_long(h->root, &dis, "/sys/devices/system/cpu/cpu%u/cpuidle/state%u/disable", cpu,
				k);
		if (dis)
			continue;
		if (eoff < sizeof(enabled))
			eoff += (size_t)snprintf(enabled + eoff, sizeof(enabled) - eoff, "%s%s %ld us",
						 eoff ? ", " : "", name, lat);
		if (lat > HC_CSTATE_MAX_US && doff < sizeof(deep))
			doff += (size_t)snprintf(deep + doff, sizeof(deep) - doff, "%s%s (%ld us)",
						 doff ? ", " : "", name, lat);
	}
	if (k == 0) {
		add(h, "cstates", subject, CTL_HC_PASS, NULL,
		    "no cpuidle states: the kernel idles with HLT%s", limits);
		return;
	}
	ctl_hostfs_read(h->root, buf, sizeof(buf), "/sys/devices/system/cpu/cpuidle/current_driver");
	if (deep[0] == '\0') {
		add(h, "cstates", subject, CTL_HC_PASS, NULL, "enabled: %s (driver %s)%s", enabled,
		    buf[0] ? buf : "?", limits);
		return;
	}
	add(h, "cstates", subject, CTL_HC_WARN,
	    "boot with intel_idle.max_cstate=1 processor.max_cstate=1, or cpupower idle-set -D 10 (tuned: "
	    "force_latency)",
	    "idle states slower than %d us to leave are enabled: %s; a loop that idles, its sibling or the "
	    "package wakes late%s",
	    HC_CSTATE_MAX_US, deep, limits);
}

static void
check_cpus(struct hc *h)
{
	char subject[40];

	for (unsigned c = 0; c < DP_MAX_CPUS; c++) {
		if (!ctl_cpuset_has(h->workers, c) || !cpu_present(h, c))
			continue;
		snprintf(subject, sizeof(subject), "cpu %u", c);
		check_isolated(h, c, subject);
		check_nohz(h, c, subject);
		check_nocbs(h, c, subject);
		check_irqs(h, c, subject);
		check_smt(h, c, subject);
		check_governor(h, c, subject);
		check_cstates(h, c, subject);
	}
}

/* ---- host-wide settings ---- */

/* A sysctl-like file whose good value is want: PASS, WARN with fix, or INFO if absent. */
static void
check_value(struct hc *h, const char *check, const char *path, long want, const char *fix, const char *why)
{
	long v;

	if (!ctl_hostfs_long(h->root, &v, "%s", path))
		add(h, check, "host", CTL_HC_INFO, NULL, "%s: absent in this kernel", path);
	else if (v == want)
		add(h, check, "host", CTL_HC_PASS, NULL, "%s = %ld", path, v);
	else
		add(h, check, "host", CTL_HC_WARN, fix, "%s = %ld: %s", path, v, why);
}

static void
check_thp(struct hc *h)
{
	char buf[128];

	if (ctl_hostfs_read(h->root, buf, sizeof(buf), "/sys/kernel/mm/transparent_hugepage/enabled") <= 0)
		add(h, "thp", "host", CTL_HC_PASS, NULL, "no transparent hugepages in this kernel");
	else if (strstr(buf, "[always]") != NULL)
		add(h, "thp", "host", CTL_HC_WARN,
		    "echo never > /sys/kernel/mm/transparent_hugepage/enabled (or transparent_hugepage=never)",
		    "%s: khugepaged scans and compacts memory, page faults stall", buf);
	else
		add(h, "thp", "host", CTL_HC_PASS, NULL, "%s", buf);
}

static void
check_watchdogs(struct hc *h)
{
	char buf[1024], list[256], fix[640];
	ctl_cpuset s, hk;
	long v;

	check_value(h, "nmi_watchdog", "/proc/sys/kernel/nmi_watchdog", 0,
		    "sysctl kernel.nmi_watchdog=0 (or nmi_watchdog=0 on the kernel command line)",
		    "a perf NMI on every CPU every few seconds");

	if (!ctl_hostfs_long(h->root, &v, "/proc/sys/kernel/watchdog")) {
		add(h, "watchdog", "host", CTL_HC_INFO, NULL,
		    "/proc/sys/kernel/watchdog: absent in this kernel");
	} else if (v == 0) {
		add(h, "watchdog", "host", CTL_HC_PASS, NULL, "/proc/sys/kernel/watchdog = 0");
	} else {
		ctl_hostfs_read(h->root, buf, sizeof(buf), "/proc/sys/kernel/watchdog_cpumask");
		ctl_cpulist_parse(buf, s);
		for (unsigned w = 0; w < DP_CPU_WORDS; w++)
			s[w] &= h->workers[w];
		if (ctl_cpuset_empty(s)) {
			add(h, "watchdog", "host", CTL_HC_PASS, NULL,
			    "soft-lockup watchdog on, but watchdog_cpumask %s leaves the workers out", buf);
		} else {
			ctl_cpulist_format(s, list, sizeof(list));
			snprintf(fix, sizeof(fix),
				 "sysctl kernel.watchdog_cpumask=%s (nohz_full does it) or kernel.watchdog=0",
				 h->hk);
			add(h, "watchdog", "host", CTL_HC_WARN, fix,
			    "soft-lockup watchdog threads wake on worker cpu %s every few seconds", list);
		}
	}

	if (ctl_hostfs_read(h->root, buf, sizeof(buf), "/sys/devices/virtual/workqueue/cpumask") <= 0) {
		add(h, "workqueue", "host", CTL_HC_INFO, NULL, "no /sys/devices/virtual/workqueue/cpumask");
		return;
	}
	ctl_cpumask_parse(buf, s);
	for (unsigned w = 0; w < DP_CPU_WORDS; w++) {
		hk[w] = h->online[w] & ~h->workers[w];
		s[w] &= h->workers[w];
	}
	if (ctl_cpuset_empty(s)) {
		add(h, "workqueue", "host", CTL_HC_PASS, NULL,
		    "unbound workqueues (cpumask %s) stay off the workers", buf);
		return;
	}
	ctl_cpulist_format(s, list, sizeof(list));
	ctl_cpumask_format(hk, buf, sizeof(buf));
	snprintf(fix, sizeof(fix), "echo %.160s > /sys/devices/virtual/workqueue/cpumask", buf);
	add(h, "workqueue", "host", CTL_HC_WARN, fix, "unbound workqueue items may run on worker cpu %s",
	    list);
}

static bool
irqbalance_running(const struct hc *h)
{
	char comm[64];
	struct dirent *e;
	bool found = false;
	DIR *d;

	if ((d = ctl_hostfs_opendir(h->root, "/proc")) == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL)
		found = is_number(e->d_name) &&
			ctl_hostfs_read(h->root, comm, sizeof(comm), "/proc/%s/comm", e->d_name) > 0 &&
			!strcmp(comm, "irqbalance");
	closedir(d);
	return found;
}

static void
check_host(struct hc *h)
{
	char val[256], list[256], fix[640];
	ctl_cpuset s;
	long v;

	check_thp(h);
	check_value(h, "timer_migration", "/proc/sys/kernel/timer_migration", 0,
		    "sysctl kernel.timer_migration=0",
		    "timers armed elsewhere may migrate to and fire on the worker CPUs");
	check_watchdogs(h);
	check_value(h, "numa_balancing", "/proc/sys/kernel/numa_balancing", 0,
		    "sysctl kernel.numa_balancing=0", "NUMA scans unmap pages and fault the loop");
	if (!ctl_hostfs_long(h->root, &v, "/proc/sys/vm/stat_interval"))
		add(h, "stat_interval", "host", CTL_HC_INFO, NULL, "/proc/sys/vm/stat_interval: absent");
	else if (v >= HC_MIN_STAT_INTERVAL)
		add(h, "stat_interval", "host", CTL_HC_PASS, NULL, "vm.stat_interval = %ld s", v);
	else
		add(h, "stat_interval", "host", CTL_HC_WARN, "sysctl vm.stat_interval=10",
		    "vm.stat_interval = %ld s: vmstat work wakes every CPU that often", v);
	if (!ctl_hostfs_long(h->root, &v, "/sys/kernel/mm/ksm/run") || v == 0)
		add(h, "ksm", "host", CTL_HC_PASS, NULL, "KSM off");
	else
		add(h, "ksm", "host", CTL_HC_WARN, "echo 0 > /sys/kernel/mm/ksm/run",
		    "KSM merges pages (ksm/run = %ld): copy-on-write faults", v);

	memcpy(s, h->workers, sizeof(s));
	for (unsigned w = 0; w < DP_CPU_WORDS; w++)
		s[w] &= ~h->isolcpus[w];
	ctl_cpulist_format(s, list, sizeof(list));
	if (!irqbalance_running(h))
		add(h, "irqbalance", "host", CTL_HC_PASS, NULL, "not running");
	else if (ctl_cpuset_empty(s))
		add(h, "irqbalance", "host", CTL_HC_PASS, NULL,
		    "running; it leaves the isolcpus workers alone");
	else {
		snprintf(fix, sizeof(fix),
			 "IRQBALANCE_BANNED_CPULIST=%s in /etc/default/irqbalance, or isolcpus", h->wk);
		add(h, "irqbalance", "host", CTL_HC_WARN, fix, "running: it may move IRQs onto worker cpu %s",
		    list);
	}

	if (ctl_cmdline_value(h->cmdline, "skew_tick", val, sizeof(val)) && !strcmp(val, "1"))
		add(h, "skew_tick", "host", CTL_HC_PASS, NULL, "skew_tick=1");
	else
		add(h, "skew_tick", "host", CTL_HC_WARN,
		    "boot with skew_tick=1 (tuned's network-latency adds it)",
		    "not on the kernel command line: every CPU's tick fires at once, contending for locks");
	if (!ctl_hostfs_long(h->root, &v, "/proc/sys/kernel/sched_rt_runtime_us"))
		add(h, "rt_runtime", "host", CTL_HC_INFO, NULL, "no /proc/sys/kernel/sched_rt_runtime_us");
	else if (v == -1)
		add(h, "rt_runtime", "host", CTL_HC_PASS, NULL,
		    "kernel.sched_rt_runtime_us = -1: no RT throttling");
	else
		add(h, "rt_runtime", "host", CTL_HC_INFO,
		    "sysctl kernel.sched_rt_runtime_us=-1 if you run the workers SCHED_FIFO",
		    "kernel.sched_rt_runtime_us = %ld: matters only for SCHED_FIFO workers (hotpathd's are "
		    "SCHED_OTHER)",
		    v);
}

/* ---- ports and NUMA nodes ---- */

/* "0000:03:00.0" or "03:00.0" at the start of device (before a ','): the full address */
static bool
pci_address(const char *device, char *addr, size_t len)
{
	unsigned dom = 0, bus, dev, fn;
	int n = 0;
	size_t dl = strcspn(device, ",");

	if (sscanf(device, "%4x:%2x:%2x.%1u%n", &dom, &bus, &dev, &fn, &n) != 4 || (size_t)n != dl) {
		dom = 0;
		if (sscanf(device, "%2x:%2x.%1u%n", &bus, &dev, &fn, &n) != 3 || (size_t)n != dl)
			return false;
	}
	if (fn > 7)
		return false;
	snprintf(addr, len, "%04x:%02x:%02x.%u", dom, bus, dev, fn);
	return true;
}

/* Worker CPUs polling port p, and the node they are all on (-2 if they differ, -1 unknown) */
static int
port_workers(const struct hc *h, unsigned p, ctl_cpuset cpus)
{
	int node = -1;

	memset(cpus, 0, sizeof(ctl_cpuset));
	for (unsigned i = 0; i < h->map->n_workers; i++) {
		const struct dp_worker_map *w = &h->map->workers[i];

		for (unsigned k = 0; k < w->n_rx; k++) {
			if (w->rx[k].port != p)
				continue;
			for (unsigned c = 0; c < DP_MAX_CPUS; c++) {
				int n;

				if (!dp_lcore_on_cpu(h->lcores, w->lcore, c))
					continue;
				ctl_cpuset_add(cpus, c);
				n = node_of_cpu(h, c);
				node = node == -1 ? n : node == n ? node : -2;
			}
		}
	}
	return node;
}

static void
check_driver(struct hc *h, const char *subject, const char *addr)
{
	static const char *const dpdk[] = {"vfio-pci", "uio_pci_generic", "igb_uio", "mlx5_core",
					   "mlx4_core"};
	char path[PATH_MAX], target[PATH_MAX], fix[160];
	const char *drv;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver", h->root, addr);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		snprintf(fix, sizeof(fix), "dpdk-devbind.py -b vfio-pci %s", addr);
		add(h, "driver", subject, CTL_HC_FAIL, fix,
		    "PCI %s is bound to no driver: DPDK cannot use it", addr);
		return;
	}
	target[n] = '\0';
	drv = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	for (size_t i = 0; i < sizeof(dpdk) / sizeof(dpdk[0]); i++) {
		if (!strcmp(drv, dpdk[i])) {
			add(h, "driver", subject, CTL_HC_PASS, NULL, "PCI %s bound to %s", addr, drv);
			return;
		}
	}
	snprintf(fix, sizeof(fix), "dpdk-devbind.py -b vfio-pci %s (after ip link set DEV down)", addr);
	add(h, "driver", subject, CTL_HC_WARN, fix,
	    "PCI %s is bound to %s, a kernel driver: DPDK needs vfio-pci (or a bifurcated driver)", addr,
	    drv);
}

/* The port's node (>= 0), -1 when it has none or it does not apply. */
static int
check_port(struct hc *h, unsigned p)
{
	const struct hp_port_conf *pc = &h->cfg->ports[p];
	char subject[48], addr[32], iface[HP_IFNAME_MAX], what[64], cpus[256], fix[200];
	ctl_cpuset wc;
	long node;
	int wn;

	snprintf(subject, sizeof(subject), "port %s", pc->name);
	wn = port_workers(h, p, wc);
	ctl_cpulist_format(wc, cpus, sizeof(cpus));
	if (pci_address(pc->device, addr, sizeof(addr))) {
		if (!ctl_hostfs_exists(h->root, "/sys/bus/pci/devices/%s", addr)) {
			add(h, "numa", subject, CTL_HC_FAIL,
			    "check the address: lspci -D, dpdk-devbind.py --status",
			    "no PCI device %s on this host", addr);
			return -1;
		}
		check_driver(h, subject, addr);
		snprintf(what, sizeof(what), "PCI %s", addr);
		if (!ctl_hostfs_long(h->root, &node, "/sys/bus/pci/devices/%s/numa_node", addr))
			node = -1;
	} else if (hp_device_iface(pc->device, iface, sizeof(iface))) {
		if (!ctl_hostfs_exists(h->root, "/sys/class/net/%s", iface)) {
			add(h, "numa", subject, CTL_HC_WARN,
			    "create the interface, or run --check-host in hotpathd's network namespace",
			    "no interface %s in this network namespace", iface);
			return -1;
		}
		if (!ctl_hostfs_exists(h->root, "/sys/class/net/%s/device", iface)) {
			add(h, "numa", subject, CTL_HC_INFO, NULL,
			    "%s is a virtual interface (no device): NUMA placement does not apply", iface);
			return -1;
		}
		snprintf(what, sizeof(what), "interface %s", iface);
		if (!ctl_hostfs_long(h->root, &node, "/sys/class/net/%s/device/numa_node", iface))
			node = -1;
	} else {
		add(h, "numa", subject, CTL_HC_INFO, NULL,
		    "virtual device %.*s: NUMA placement does not apply", (int)strcspn(pc->device, ","),
		    pc->device);
		return -1;
	}
	if (node < 0) {
		add(h, "numa", subject, CTL_HC_INFO, NULL,
		    "%s reports no NUMA node (-1: one node, or the firmware does not say)", what);
		return -1;
	}
	if (wn == (int)node || wn == -1) {
		add(h, "numa", subject, CTL_HC_PASS, NULL, "%s on node %ld; its workers (cpu %s) too", what,
		    node, cpus[0] ? cpus : "none");
		return (int)node;
	}
	snprintf(fix, sizeof(fix), "poll it from node %ld's CPUs (/sys/devices/system/node/node%ld/cpulist)",
		 node, node);
	if (wn == -2)
		add(h, "numa", subject, CTL_HC_WARN, fix,
		    "%s on node %ld, its workers on cpu %s, not all on that node: some packets cross the "
		    "interconnect",
		    what, node, cpus);
	else
		add(h, "numa", subject, CTL_HC_WARN, fix,
		    "%s on node %ld, its workers on cpu %s (node %d): every packet crosses the interconnect",
		    what, node, cpus, wn);
	return (int)node;
}

/* Hugepages of node n (all sizes): pages and free pages, in kB */
static void
node_hugepages(const struct hc *h, int n, unsigned long long *total_kb, unsigned long long *free_kb)
{
	struct dirent *e;
	DIR *d;

	*total_kb = *free_kb = 0;
	d = n >= 0 ? ctl_hostfs_opendir(h->root, "/sys/devices/system/node/node%d/hugepages", n)
		   : ctl_hostfs_opendir(h->root, "/sys/kernel/mm/hugepages");
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		unsigned long kb;
		long nr = 0, fr = 0;

		if (sscanf(e->d_name, "hugepages-%lukB", &kb) != 1)
			continue;
		if (n >= 0) {
			ctl_hostfs_long(h->root, &nr,
					"/sys/devices/system/node/node%d/hugepages/%s/nr_hugepages", n,
					e->d_name);
			ctl_hostfs_long(h->root, &fr,
					"/sys/devices/system/node/node%d/hugepages/%s/free_hugepages", n,
					e->d_name);
		} else {
			ctl_hostfs_long(h->root, &nr, "/sys/kernel/mm/hugepages/%s/nr_hugepages", e->d_name);
			ctl_hostfs_long(h->root, &fr, "/sys/kernel/mm/hugepages/%s/free_hugepages",
					e->d_name);
		}
		*total_kb += (unsigned long long)(nr > 0 ? nr : 0) * kb;
		*free_kb += (unsigned long long)(fr > 0 ? fr : 0) * kb;
	}
	closedir(d);
}

static void
check_hugepages(struct hc *h, const bool used[HC_MAX_NODES])
{
	unsigned long long tot[HC_MAX_NODES], fr[HC_MAX_NODES], all = 0;
	char subject[32], fix[200], mounts[8192];

	if (eal_has(h, "--no-huge")) {
		add(h, "hugepages", "host", CTL_HC_INFO, NULL,
		    "EAL runs with --no-huge: no hugepages needed (tests only: slow, no physical addresses)");
		return;
	}
	if (!eal_has(h, "--in-memory")) {
		ctl_hostfs_read(h->root, mounts, sizeof(mounts), "/proc/mounts");
		if (strstr(mounts, " hugetlbfs ") == NULL)
			add(h, "hugetlbfs", "host", CTL_HC_FAIL, "mount -t hugetlbfs nodev /dev/hugepages",
			    "no hugetlbfs mounted: EAL needs one unless it runs --in-memory");
		else
			add(h, "hugetlbfs", "host", CTL_HC_PASS, NULL, "hugetlbfs mounted");
	}
	if (!h->numa) {
		node_hugepages(h, -1, &tot[0], &fr[0]);
		if (tot[0] == 0)
			add(h, "hugepages", "host", CTL_HC_FAIL, "echo 1024 > /proc/sys/vm/nr_hugepages",
			    "no hugepages reserved");
		else
			add(h, "hugepages", "host", fr[0] ? CTL_HC_PASS : CTL_HC_WARN,
			    "reserve more: echo N > /proc/sys/vm/nr_hugepages",
			    "%llu MiB reserved, %llu MiB free", tot[0] >> 10, fr[0] >> 10);
		return;
	}
	for (int n = 0; n < HC_MAX_NODES; n++) {
		tot[n] = fr[n] = 0;
		if (h->node_present[n])
			node_hugepages(h, n, &tot[n], &fr[n]);
		all += tot[n];
	}
	for (int n = 0; n < HC_MAX_NODES; n++) {
		if (!used[n])
			continue;
		snprintf(subject, sizeof(subject), "node %d", n);
		snprintf(
			fix, sizeof(fix),
			"echo 1024 > /sys/devices/system/node/node%d/hugepages/hugepages-2048kB/nr_hugepages",
			n);
		if (!h->node_present[n])
			add(h, "hugepages", subject, CTL_HC_FAIL,
			    "place workers and ports on nodes this host has", "node %d does not exist", n);
		else if (tot[n] == 0)
			add(h, "hugepages", subject, CTL_HC_FAIL, fix,
			    all ? "no hugepages on node %d, where hotpathd's ports or workers are (%llu MiB on other "
				  "nodes): its memory would be remote or missing"
				: "no hugepages reserved on node %d (nor anywhere)",
			    n, all >> 10);
		else if (fr[n] == 0)
			add(h, "hugepages", subject, CTL_HC_WARN, fix,
			    "%llu MiB reserved on node %d, none free: another process holds them",
			    tot[n] >> 10, n);
		else
			add(h, "hugepages", subject, CTL_HC_PASS, NULL,
			    "%llu MiB reserved on node %d, %llu MiB free", tot[n] >> 10, n, fr[n] >> 10);
	}
}

static void
check_ports(struct hc *h)
{
	bool used[HC_MAX_NODES] = {false};

	for (unsigned p = 0; p < h->cfg->n_ports; p++) {
		int n = check_port(h, p);
		if (n >= 0 && n < HC_MAX_NODES)
			used[n] = true;
	}
	for (unsigned c = 0; c < DP_MAX_CPUS; c++) {
		int n;
		if ((ctl_cpuset_has(h->workers, c) || ctl_cpuset_has(h->main_cpus, c)) &&
		    (n = node_of_cpu(h, c)) >= 0)
			used[n] = true;
	}
	check_hugepages(h, used);
}

/* ---- entry points ---- */

int
ctl_hc_run(const struct ctl_hc_input *in, struct ctl_hc_report *report)
{
	struct hc *h = calloc(1, sizeof(*h));
	int rc;

	memset(report, 0, sizeof(*report));
	if (h == NULL)
		return -ENOMEM;
	h->root = in->root != NULL && strcmp(in->root, "/") != 0 ? in->root : "";
	h->cfg = in->cfg;
	h->lcores = in->lcores;
	h->map = in->map;
	h->eal_argc = in->eal_argc;
	h->eal_argv = in->eal_argv;
	h->rep = report;
	load_host(h);
	check_lcores(h);
	check_cpus(h);
	check_host(h);
	check_ports(h);
	rc = h->nomem ? -ENOMEM : 0;
	free(h);
	if (rc < 0)
		ctl_hc_free(report);
	return rc;
}

void
ctl_hc_free(struct ctl_hc_report *report)
{
	free(report->r);
	memset(report, 0, sizeof(*report));
}

const char *
ctl_hc_status_name(enum ctl_hc_status s)
{
	static const char *const names[] = {"PASS", "INFO", "WARN", "FAIL"};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

void
ctl_hc_summary(const struct ctl_hc_report *report, char *buf, size_t len)
{
	snprintf(buf, len, "check-host: %u PASS, %u WARN, %u FAIL (%u INFO)", report->count[CTL_HC_PASS],
		 report->count[CTL_HC_WARN], report->count[CTL_HC_FAIL], report->count[CTL_HC_INFO]);
}

void
ctl_hc_print(FILE *f, const struct ctl_hc_report *report)
{
	char line[128];

	fprintf(f, "%-15s %-10s %-6s %s\n", "CHECK", "SUBJECT", "STATUS", "DETAIL / FIX");
	for (unsigned i = 0; i < report->n; i++) {
		const struct ctl_hc_result *r = &report->r[i];

		fprintf(f, "%-15s %-10s %-6s %s\n", r->check, r->subject, ctl_hc_status_name(r->status),
			r->detail);
		if (r->fix[0] != '\0')
			fprintf(f, "%-15s %-10s %-6s fix: %s\n", "", "", "", r->fix);
	}
	ctl_hc_summary(report, line, sizeof(line));
	fprintf(f, "%s\n", line);
}

json_t *
ctl_hc_json(const struct ctl_hc_report *report)
{
	json_t *checks = json_array(), *root;

	if (checks == NULL)
		return NULL;
	for (unsigned i = 0; i < report->n; i++) {
		const struct ctl_hc_result *r = &report->r[i];

		if (json_array_append_new(checks,
					  json_pack("{s:s, s:s, s:s, s:s, s:s}", "check", r->check, "subject",
						    r->subject, "status", ctl_hc_status_name(r->status),
						    "detail", r->detail, "fix", r->fix)) < 0) {
			json_decref(checks);
			return NULL;
		}
	}
	root = json_pack("{s:o, s:{s:I, s:I, s:I, s:I}}", "checks", checks, "summary", "pass",
			 (json_int_t)report->count[CTL_HC_PASS], "warn",
			 (json_int_t)report->count[CTL_HC_WARN], "fail",
			 (json_int_t)report->count[CTL_HC_FAIL], "info",
			 (json_int_t)report->count[CTL_HC_INFO]);
	return root;
}
