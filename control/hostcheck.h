/* hotpathd --check-host: is this host ready for the config's workers and ports? Reads /proc and
 * /sys only (under a root prefix, so tests can hand it a fake tree); no DPDK, no hardware. */
#ifndef CTL_HOSTCHECK_H
#define CTL_HOSTCHECK_H

#include <stdio.h>

#include <jansson.h>

#include "conf.h"
#include "lcore_map.h"

enum ctl_hc_status {
	CTL_HC_PASS,
	CTL_HC_INFO, /* not applicable or not measurable here (a virtual device, a VM): said why */
	CTL_HC_WARN, /* works, but adds latency or jitter */
	CTL_HC_FAIL, /* hotpathd would not start, or would run badly hurt */
};

struct ctl_hc_result {
	char check[24];   /* "isolated", "hugepages"... */
	char subject[40]; /* "cpu 1", "port p0", "node 0", "host" */
	enum ctl_hc_status status;
	char detail[320];
	char fix[320]; /* one line; empty on PASS */
};

struct ctl_hc_report {
	unsigned n, cap;
	struct ctl_hc_result *r;
	unsigned count[CTL_HC_FAIL + 1]; /* results per status */
};

/* What to check, and where to read the host. */
struct ctl_hc_input {
	const char *root; /* "" or "/": this host; else a tree holding proc/ and sys/ (tests) */
	const struct hp_config *cfg;
	unsigned eal_argc; /* the EAL arguments hotpathd would pass (no argv[0]): --no-huge, --in-memory */
	char *const *eal_argv;
	const struct dp_lcore_set *lcores; /* from those arguments */
	const struct dp_lcore_map *map;    /* the workers and their queues */
};

/*
 * Run every check for the input's worker CPUs, ports and NUMA nodes, reading the host's files
 * under in->root. Returns 0, or -ENOMEM; report is the caller's to release with ctl_hc_free().
 */
int ctl_hc_run(const struct ctl_hc_input *in, struct ctl_hc_report *report);

void ctl_hc_free(struct ctl_hc_report *report);

/* "PASS", "INFO", "WARN", "FAIL" */
const char *ctl_hc_status_name(enum ctl_hc_status s);

/* The table (check, subject, status, detail, fix) and the summary line. */
void ctl_hc_print(FILE *f, const struct ctl_hc_report *report);

/* "check-host: N PASS, M WARN, K FAIL (I INFO)" into buf. */
void ctl_hc_summary(const struct ctl_hc_report *report, char *buf, size_t len);

/* {"checks": [{check, subject, status, detail, fix}...], "summary": {...}}; NULL on ENOMEM. */
json_t *ctl_hc_json(const struct ctl_hc_report *report);

#endif
