/* Worker lcore <-> (port, queue) mapping, computed from config and EAL args without EAL. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "lcore_map.h"

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "12" -> 12 within [0, max); advances *s. */
static int
parse_id_below(const char **s, unsigned *id, unsigned long max)
{
	char *end;
	unsigned long v;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(*s, &end, 10);
	if (errno || v >= max)
		return -ERANGE;
	*s = end;
	*id = (unsigned)v;
	return 0;
}

static int
parse_id(const char **s, unsigned *id)
{
	return parse_id_below(s, id, DP_MAX_LCORES);
}

/* One "a" or "a-b" element; marks ids in present[]. */
static int
parse_range(const char **s, bool present[DP_MAX_LCORES])
{
	unsigned a, b;
	int rc;

	if ((rc = parse_id(s, &a)) < 0)
		return rc;
	b = a;
	if (**s == '-') {
		(*s)++;
		if ((rc = parse_id(s, &b)) < 0)
			return rc;
		if (b < a)
			return -EINVAL;
	}
	for (unsigned i = a; i <= b; i++)
		present[i] = true;
	return 0;
}

/* -l "0-3,5" */
static int
parse_list(const char *s, bool present[DP_MAX_LCORES], struct dp_lcore_set *set)
{
	(void)set; /* lcore N on CPU N */
	for (;;) {
		int rc = parse_range(&s, present);
		if (rc < 0)
			return rc;
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

/* -c 0x3 */
static int
parse_mask(const char *s, bool present[DP_MAX_LCORES], struct dp_lcore_set *set)
{
	size_t n;

	(void)set; /* lcore N on CPU N */
	unsigned bit = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n == 0)
		return -EINVAL;
	for (size_t i = n; i-- > 0; bit += 4) {
		int d = hp_hex_digit(s[i]);
		unsigned v;

		if (d < 0)
			return -EINVAL;
		v = (unsigned)d;
		for (unsigned k = 0; k < 4; k++) {
			if (!(v & (1u << k)))
				continue;
			if (bit + k >= DP_MAX_LCORES)
				return -ERANGE;
			present[bit + k] = true;
		}
	}
	return 0;
}

/* One CPU id or range of an --lcores cpuset ("3", "4-5"): bits in cpus. */
static int
parse_cpu_range(const char **s, uint64_t cpus[DP_CPU_WORDS])
{
	unsigned a, b;
	int rc;

	if ((rc = parse_id_below(s, &a, DP_MAX_CPUS)) < 0)
		return rc;
	b = a;
	if (**s == '-') {
		(*s)++;
		if ((rc = parse_id_below(s, &b, DP_MAX_CPUS)) < 0)
			return rc;
		if (b < a)
			return -EINVAL;
	}
	for (unsigned c = a; c <= b; c++)
		cpus[c / 64] |= 1ull << (c % 64);
	return 0;
}

/* "@cpu" or "@(cpus)" after an --lcores element into cpus; without '@' the
 * element's own lcores are its CPUs (EAL: "(0,6)" runs lcores 0 and 6 on CPUs 0 and 6). */
static int
parse_cpuset(const char **s, const bool group[DP_MAX_LCORES], uint64_t cpus[DP_CPU_WORDS])
{
	int rc;

	memset(cpus, 0, DP_CPU_WORDS * sizeof(cpus[0]));
	if (**s != '@') {
		for (unsigned c = 0; c < DP_MAX_LCORES; c++)
			if (group[c])
				cpus[c / 64] |= 1ull << (c % 64);
		return 0;
	}
	(*s)++;
	if (**s != '(')
		return parse_cpu_range(s, cpus);
	(*s)++;
	for (;;) {
		if ((rc = parse_cpu_range(s, cpus)) < 0)
			return rc;
		if (**s == ')')
			break;
		if (*(*s)++ != ',')
			return -EINVAL;
	}
	(*s)++;
	return 0;
}

/* --lcores "0@0,(1-3)@1,4" */
static int
parse_lcores(const char *s, bool present[DP_MAX_LCORES], struct dp_lcore_set *set)
{
	for (;;) {
		bool group[DP_MAX_LCORES] = {false};
		uint64_t cpus[DP_CPU_WORDS];
		int rc;

		if (*s == '(') {
			s++;
			for (;;) {
				if ((rc = parse_range(&s, group)) < 0)
					return rc;
				if (*s == ')')
					break;
				if (*s++ != ',')
					return -EINVAL;
			}
			s++;
		} else if ((rc = parse_range(&s, group)) < 0) {
			return rc;
		}
		if ((rc = parse_cpuset(&s, group, cpus)) < 0)
			return rc;
		for (unsigned l = 0; l < DP_MAX_LCORES; l++) {
			if (!group[l])
				continue;
			present[l] = true;
			memcpy(set->cpus[l], cpus, sizeof(cpus));
		}
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

/* Value of "-x VAL" / "-xVAL" (c = 'x'), or of "--name VAL" / "--name=VAL";
 * NULL if argv[*i] is not that option. Consumes the value's argument. */
static const char *
opt_value(unsigned argc, char *const argv[], unsigned *i, char c, const char *name)
{
	const char *a = argv[*i];

	if (c != 0) {
		if (a[0] != '-' || a[1] != c)
			return NULL;
		if (a[2] != '\0')
			return a + 2;
	} else {
		size_t n = strlen(name);
		if (strncmp(a, name, n) != 0)
			return NULL;
		if (a[n] == '=')
			return a + n + 1;
		if (a[n] != '\0')
			return NULL;
	}
	return *i + 1 < argc ? argv[++*i] : "";
}

/* Whether EAL option a takes its value from the next argument (so that is not an option). */
static bool
takes_value(const char *a)
{
	static const char *const longs[] = {
		"--allow",
		"--block",
		"--base-virtaddr",
		"--driver-path",
		"--file-prefix",
		"--force-max-simd-bitwidth",
		"--huge-dir",
		"--iova-mode",
		"--log-level",
		"--master-lcore",
		"--mbuf-pool-ops-name",
		"--proc-type",
		"--service-corelist",
		"--service-coremask",
		"--socket-limit",
		"--socket-mem",
		"--trace",
		"--trace-bufsz",
		"--trace-dir",
		"--trace-mode",
		"--vdev",
		"--vfio-intr",
		"--vfio-vf-token",
	};

	if (a[0] == '-' && a[1] != '-')
		return a[1] != '\0' && a[2] == '\0' && strchr("abdmnrsSw", a[1]) != NULL;
	for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++)
		if (strcmp(a, longs[i]) == 0)
			return true;
	return false;
}

int
dp_lcore_set_from_args(unsigned argc, char *const argv[], unsigned online_cpus, struct dp_lcore_set *set,
		       char *err, size_t errlen)
{
	bool present[DP_MAX_LCORES] = {false};
	const char *list = NULL, *list_opt = NULL, *main_arg = NULL;
	int (*parser)(const char *, bool *, struct dp_lcore_set *) = NULL;

	memset(set, 0, sizeof(*set));
	for (unsigned i = 0; i < argc; i++) {
		const char *v;

		if ((v = opt_value(argc, argv, &i, 'l', NULL)) != NULL) {
			list = v, list_opt = "-l", parser = parse_list;
		} else if ((v = opt_value(argc, argv, &i, 'c', NULL)) != NULL) {
			list = v, list_opt = "-c", parser = parse_mask;
		} else if ((v = opt_value(argc, argv, &i, 0, "--lcores")) != NULL) {
			list = v, list_opt = "--lcores", parser = parse_lcores;
		} else if ((v = opt_value(argc, argv, &i, 0, "--main-lcore")) != NULL) {
			main_arg = v;
		} else if (takes_value(argv[i])) {
			i++;
		}
	}

	if (list != NULL) {
		int rc = parser(list, present, set);
		if (rc < 0)
			return fail(err, errlen, "EAL argument %s '%s': %s", list_opt, list,
				    rc == -ERANGE ? "lcore id above 127" : "malformed lcore list");
	} else {
		if (online_cpus == 0)
			online_cpus = 1;
		for (unsigned c = 0; c < online_cpus && c < DP_MAX_LCORES; c++)
			present[c] = true;
	}
	for (unsigned c = 0; c < DP_MAX_LCORES; c++) {
		if (!present[c])
			continue;
		set->ids[set->n++] = c;
		if (dp_lcore_n_cpus(set, c) == 0) /* -l, -c, no list, or a failed parse's leftovers */
			set->cpus[c][c / 64] |= 1ull << (c % 64);
	}
	if (set->n == 0)
		return fail(err, errlen, "EAL argument %s '%s': no lcore", list_opt, list);

	set->main_lcore = set->ids[0];
	if (main_arg != NULL) {
		const char *s = main_arg;
		unsigned id;

		if (parse_id(&s, &id) < 0 || *s != '\0' || !present[id])
			return fail(err, errlen,
				    "EAL argument --main-lcore '%s': expected one of the enabled lcores",
				    main_arg);
		set->main_lcore = id;
	}
	return 0;
}

bool
dp_lcore_on_cpu(const struct dp_lcore_set *set, unsigned lcore, unsigned cpu)
{
	if (lcore >= DP_MAX_LCORES || cpu >= DP_MAX_CPUS)
		return false;
	return (set->cpus[lcore][cpu / 64] >> (cpu % 64)) & 1;
}

unsigned
dp_lcore_n_cpus(const struct dp_lcore_set *set, unsigned lcore)
{
	unsigned n = 0;

	if (lcore >= DP_MAX_LCORES)
		return 0;
	for (unsigned w = 0; w < DP_CPU_WORDS; w++)
		n += (unsigned)__builtin_popcountll(set->cpus[lcore][w]);
	return n;
}

static bool
is_worker_lcore(const struct dp_lcore_set *set, unsigned lcore)
{
	if (lcore == set->main_lcore)
		return false;
	for (unsigned i = 0; i < set->n; i++)
		if (set->ids[i] == lcore)
			return true;
	return false;
}

/* "0-3,5" for messages. */
static void
format_set(const struct dp_lcore_set *set, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < set->n && off < len; i++) {
		unsigned a = set->ids[i], j = i;

		while (j + 1 < set->n && set->ids[j + 1] == set->ids[j] + 1)
			j++;
		if (j > i)
			off += (size_t)snprintf(buf + off, len - off, "%s%u-%u", i ? "," : "", a,
						set->ids[j]);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? "," : "", a);
		i = j;
	}
}

/* Ports a worker sends to when it receives on port p. */
static void
tx_ports_of(const struct hp_config *cfg, unsigned p, bool out[HP_MAX_PORTS])
{
	const struct hp_port_conf *pc = &cfg->ports[p];

	if (pc->mode == HP_MODE_XCONNECT) {
		if (pc->peer >= 0)
			out[pc->peer] = true;
		return;
	}
	/* l3: a routed packet may leave on any l3 port */
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].mode == HP_MODE_L3)
			out[i] = true;
}

static int
add_rx(struct dp_worker_map *w, unsigned port, unsigned queue, unsigned line, const struct hp_config *cfg,
       char *err, size_t errlen)
{
	if (w->n_rx >= HP_MAX_WORKER_QUEUES)
		return fail(err, errlen, "%s:%u: lcore %u would own more than %d queues", cfg->file, line,
			    w->lcore, HP_MAX_WORKER_QUEUES);
	w->rx[w->n_rx].port = (uint16_t)port;
	w->rx[w->n_rx].queue = (uint16_t)queue;
	w->n_rx++;
	return 0;
}

/* Default placement: units (xconnect component, queue index) round-robin. */
static int
spread_queues(const struct hp_config *cfg, const struct dp_lcore_set *set, struct dp_lcore_map *map,
	      char *err, size_t errlen)
{
	int comp[HP_MAX_PORTS];
	unsigned max_q = 0, next = 0;

	for (unsigned i = 0; i < set->n; i++) {
		if (set->ids[i] == set->main_lcore)
			continue;
		map->workers[map->n_workers].lcore = set->ids[i];
		map->n_workers++;
	}
	if (map->n_workers == 0) {
		char lc[128];
		format_set(set, lc, sizeof(lc));
		return fail(err, errlen,
			    "%s:%u: EAL lcores %s leave no worker lcore besides main lcore %u "
			    "(give EAL at least two lcores, e.g. -l 0-1)",
			    cfg->file, cfg->eal_line ? cfg->eal_line : 1, lc, set->main_lcore);
	}

	/* a port and its xconnect peer form one component */
	for (unsigned p = 0; p < cfg->n_ports; p++)
		comp[p] = (int)p;
	for (unsigned p = 0; p < cfg->n_ports; p++) {
		int peer = cfg->ports[p].peer;
		if (cfg->ports[p].mode == HP_MODE_XCONNECT && peer >= 0) {
			int a = comp[p], b = comp[peer], lo = a < b ? a : b;
			for (unsigned k = 0; k < cfg->n_ports; k++)
				if (comp[k] == a || comp[k] == b)
					comp[k] = lo;
		}
		if (cfg->ports[p].queues > max_q)
			max_q = cfg->ports[p].queues;
	}

	for (unsigned q = 0; q < max_q; q++) {
		for (unsigned c = 0; c < cfg->n_ports; c++) {
			struct dp_worker_map *w = NULL;

			if (comp[c] != (int)c)
				continue;
			for (unsigned p = 0; p < cfg->n_ports; p++) {
				if (comp[p] != (int)c || q >= cfg->ports[p].queues)
					continue;
				if (w == NULL)
					w = &map->workers[next++ % map->n_workers];
				int rc = add_rx(w, p, q, cfg->ports[p].line, cfg, err, errlen);
				if (rc < 0)
					return rc;
			}
		}
	}
	/* a worker with nothing to poll is not launched */
	unsigned kept = 0;
	for (unsigned i = 0; i < map->n_workers; i++)
		if (map->workers[i].n_rx > 0)
			map->workers[kept++] = map->workers[i];
	map->n_workers = kept;
	return 0;
}

/* Explicit placement from workers:, checked against the EAL lcores. */
static int
take_workers(const struct hp_config *cfg, const struct dp_lcore_set *set, struct dp_lcore_map *map, char *err,
	     size_t errlen)
{
	static const unsigned none = ~0u;
	unsigned owner[HP_MAX_PORTS][HP_MAX_QUEUES];

	for (unsigned p = 0; p < HP_MAX_PORTS; p++)
		for (unsigned q = 0; q < HP_MAX_QUEUES; q++)
			owner[p][q] = none;

	for (unsigned i = 0; i < cfg->n_workers; i++) {
		const struct hp_worker_conf *wc = &cfg->workers[i];
		struct dp_worker_map *w = &map->workers[map->n_workers++];

		if (!is_worker_lcore(set, wc->lcore)) {
			char lc[128];
			format_set(set, lc, sizeof(lc));
			return fail(
				err, errlen,
				"%s:%u: lcore %u out of range: EAL runs lcores %s and lcore %u is the main (control) lcore",
				cfg->file, wc->lcore_line ? wc->lcore_line : wc->line, wc->lcore, lc,
				set->main_lcore);
		}
		w->lcore = wc->lcore;
		for (unsigned k = 0; k < wc->n_queues; k++) {
			const struct hp_queue_ref *r = &wc->queues[k];

			if (owner[r->port][r->queue] != none)
				return fail(err, errlen, "%s:%u: queue %s/%u is owned by two workers",
					    cfg->file, wc->line, cfg->ports[r->port].name, r->queue);
			owner[r->port][r->queue] = i;
			int rc = add_rx(w, r->port, r->queue, wc->line, cfg, err, errlen);
			if (rc < 0)
				return rc;
		}
	}
	for (unsigned p = 0; p < cfg->n_ports; p++)
		for (unsigned q = 0; q < cfg->ports[p].queues; q++)
			if (owner[p][q] == none)
				return fail(
					err, errlen,
					"%s:%u: queue %s/%u is not served by any worker (add it to a workers: entry)",
					cfg->file, cfg->ports[p].line, cfg->ports[p].name, q);
	return 0;
}

/*
 * Each worker gets its own TX queue on every port it sends to: the worker
 * that receives on queue q of a port transmits on queue q of that port
 * (RX and TX of one queue pair stay on one core, as l3fwd does); others get
 * the free indexes after that, growing the port's TX queue count if needed.
 */
static void
assign_tx_queues(const struct hp_config *cfg, struct dp_lcore_map *map)
{
	bool need[HP_MAX_WORKERS][HP_MAX_PORTS];

	memset(need, 0, sizeof(need));
	for (unsigned w = 0; w < map->n_workers; w++) {
		for (unsigned p = 0; p < HP_MAX_PORTS; p++)
			map->workers[w].txq[p] = DP_NO_TXQ;
		for (unsigned k = 0; k < map->workers[w].n_rx; k++)
			tx_ports_of(cfg, map->workers[w].rx[k].port, need[w]);
	}

	for (unsigned p = 0; p < cfg->n_ports; p++) {
		bool used[HP_MAX_WORKERS + HP_MAX_QUEUES] = {false};
		unsigned n_txq = cfg->ports[p].queues, next = 0;

		for (unsigned w = 0; w < map->n_workers; w++) {
			struct dp_worker_map *wm = &map->workers[w];
			if (!need[w][p])
				continue;
			for (unsigned k = 0; k < wm->n_rx; k++) {
				if (wm->rx[k].port == p && wm->rx[k].queue < wm->txq[p]) {
					wm->txq[p] = wm->rx[k].queue;
				}
			}
			if (wm->txq[p] != DP_NO_TXQ)
				used[wm->txq[p]] = true;
		}
		for (unsigned w = 0; w < map->n_workers; w++) {
			struct dp_worker_map *wm = &map->workers[w];
			if (!need[w][p] || wm->txq[p] != DP_NO_TXQ)
				continue;
			while (used[next])
				next++;
			wm->txq[p] = (uint16_t)next;
			used[next] = true;
		}
		for (unsigned w = 0; w < map->n_workers; w++)
			if (map->workers[w].txq[p] != DP_NO_TXQ && map->workers[w].txq[p] + 1u > n_txq)
				n_txq = map->workers[w].txq[p] + 1u;
		map->n_txq[p] = (uint16_t)n_txq;
	}
}

int
dp_lcore_map_build(const struct hp_config *cfg, const struct dp_lcore_set *set, struct dp_lcore_map *map,
		   char *err, size_t errlen)
{
	int rc;

	memset(map, 0, sizeof(*map));
	if (set->n == 0)
		return fail(err, errlen, "%s:1: no EAL lcore", cfg->file);
	rc = cfg->has_workers ? take_workers(cfg, set, map, err, errlen)
			      : spread_queues(cfg, set, map, err, errlen);
	if (rc < 0)
		return rc;
	assign_tx_queues(cfg, map);
	return 0;
}
