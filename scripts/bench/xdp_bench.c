/* xdp_bench: ns per packet of hp_xdp and xdp-filter under BPF_PROG_TEST_RUN, rules and frames alike (scripts/bench/xdp.sh). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hp_xdp.h"
#include "rng.h" /* tests/rng.h: the same rules on every run */
#include "hp_xdp.skel.h"
#include "xdp_frames.h"

/* xdp-filter's map value flags (xdp-filter/common_kern_user.h) */
#define XF_MAP_FLAG_SRC (1u << 0)

#define SRC_CLEAN IP4(192, 0, 2, 1)     /* pass and steer frames: never covered by a rule */
#define SRC_BLOCKED IP4(203, 0, 113, 9) /* drop frames: the one rule they match */
#define PORT_PASS 53
#define PORT_OTHER 5000
#define MAX_RULES 1000000

enum bench_case {
	CASE_PASS,
	CASE_DROP,
	CASE_STEER,
	NCASES
};
static const char *const case_names[NCASES] = {"pass", "drop", "steer"};

enum prog_kind {
	HP,
	XF,
	NPROGS
};
static const char *const prog_names[NPROGS] = {"hotpath", "xdp-filter"};

struct rule {
	uint32_t addr; /* host order */
	uint8_t plen;
};

struct progs {
	struct hp_xdp *hp;
	struct bpf_object *xf;
	int fd[NPROGS];
};

static int ncpus;

/* libbpf's warnings only: xdp-filter's object has sections only libxdp reads ("features", ".xdp_run_config") */
static int
print_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int
die(const char *what, int err)
{
	fprintf(stderr, "xdp_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/*
 * n rules: SRC_BLOCKED/32 (the one drop frames match), then alternately random /32s and
 * /24s, none in 192.0.2.0/24 or 203.0.113.0/24 and no two the same. xdp-filter takes each
 * rule's address as one exact entry (its IPv4 filter is a hash of addresses).
 */
static struct rule *
make_rules(size_t n)
{
	struct rule *r = calloc(n, sizeof(*r));
	size_t cap = 1;
	uint64_t *seen;

	while (cap < 4 * n)
		cap <<= 1;
	seen = calloc(cap, sizeof(*seen));
	if (!r || !seen)
		die("calloc", ENOMEM);
	rng_seed(0x243f6a8885a308d3ull);
	r[0] = (struct rule){SRC_BLOCKED, 32};
	for (size_t i = 1; i < n;) {
		uint8_t plen = i % 2 ? 32 : 24;
		uint32_t a = (uint32_t)(rng_next() >> 32) & (plen == 24 ? 0xffffff00u : ~0u);
		uint64_t key = (uint64_t)a << 8 | plen | 1ull << 63;
		size_t h;

		if ((a >> 8) == (SRC_CLEAN >> 8) || (a >> 8) == (SRC_BLOCKED >> 8) ||
		    (plen == 32 && (a & 0xff) == 0))
			continue; /* a /32 on x.y.z.0 would be the same xdp-filter key as a /24 */
		for (h = (key * 0x9e3779b97f4a7c15ull) >> 20 & (cap - 1); seen[h] && seen[h] != key;
		     h = (h + 1) & (cap - 1))
			;
		if (seen[h] == key)
			continue;
		seen[h] = key;
		r[i++] = (struct rule){a, plen};
	}
	free(seen);
	return r;
}

static void
load(struct progs *p, const char *xf_path, size_t nrules)
{
	struct bpf_program *prog;
	struct bpf_map *m;
	int err;

	p->hp = hp_xdp__open_and_load();
	if (!p->hp)
		die("hp_xdp__open_and_load", errno);
	p->fd[HP] = bpf_program__fd(p->hp->progs.hp_xdp);

	/* xdp-filter's object, outside its loader: no pinning, room for every rule */
	p->xf = bpf_object__open_file(xf_path, NULL);
	if (!p->xf)
		die(xf_path, errno);
	bpf_object__for_each_map(m, p->xf) bpf_map__set_pin_path(m, NULL);
	m = bpf_object__find_map_by_name(p->xf, "filter_ipv4");
	if (!m)
		die("xdp-filter object has no filter_ipv4 map", ENOENT);
	if (nrules > bpf_map__max_entries(m) && (err = bpf_map__set_max_entries(m, (uint32_t)nrules)))
		die("filter_ipv4 max_entries", err);
	err = bpf_object__load(p->xf);
	if (err)
		die("load xdp-filter object", err);
	prog = bpf_object__next_program(p->xf, NULL);
	if (!prog)
		die("xdp-filter object has no program", ENOENT);
	p->fd[XF] = bpf_program__fd(prog);
}

/* The program's size after the verifier (instructions) and after the JIT (bytes). */
static void
prog_size(int fd, const char *name, FILE *json, const char *sep)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		die("bpf_obj_get_info_by_fd", errno);
	printf("%s: %u instructions after the verifier, %u bytes JIT-compiled\n", name,
	       info.xlated_prog_len / 8, info.jited_prog_len);
	if (json)
		fprintf(json, "\"%s\": {\"xlated_insns\": %u, \"jited_bytes\": %u}%s", name,
			info.xlated_prog_len / 8, info.jited_prog_len, sep);
}

static void
fill(struct progs *p, const struct rule *rules, size_t n)
{
	int b4 = bpf_map__fd(p->hp->maps.hp_block4), ports = bpf_map__fd(p->hp->maps.hp_ports);
	int xf4 = bpf_object__find_map_fd_by_name(p->xf, "filter_ipv4");
	uint64_t *xv = calloc((size_t)ncpus, sizeof(*xv));
	uint32_t port = PORT_PASS, bits = HP_XDP_PORT_UDP;
	uint8_t one = 1;

	if (!xv)
		die("calloc", ENOMEM);
	{
		/* on_no_socket: pass (a shield's default): the steer case ends as XDP_PASS, as before */
		struct hp_xdp_cfg cfg = {.flags = HP_XDP_FLAG_NOSOCK_PASS};
		uint32_t zero = 0;

		if (bpf_map_update_elem(bpf_map__fd(p->hp->maps.hp_cfg), &zero, &cfg, BPF_ANY))
			die("hp_cfg update", errno);
	}
	for (int c = 0; c < ncpus; c++)
		xv[c] = XF_MAP_FLAG_SRC;
	for (size_t i = 0; i < n; i++) {
		struct hp_xdp_lpm4 k = {.prefixlen = rules[i].plen};
		uint32_t be = htonl(rules[i].addr);

		memcpy(k.addr, &be, 4);
		if (bpf_map_update_elem(b4, &k, &one, BPF_NOEXIST))
			die("hp_block4 update", errno);
		if (bpf_map_update_elem(xf4, &be, xv, BPF_NOEXIST))
			die("filter_ipv4 update", errno);
	}
	/* hotpath passes udp 53 to the kernel; xdp-filter (default allow) passes whatever no rule matches */
	if (bpf_map_update_elem(ports, &port, &bits, BPF_ANY))
		die("hp_ports update", errno);
	free(xv);
}

/* hp_stats[reason].packets summed over CPUs */
static uint64_t
hp_count(const struct progs *p, uint32_t reason)
{
	struct hp_xdp_counter v[256];
	uint64_t n = 0;

	if (ncpus > 256 || bpf_map_lookup_elem(bpf_map__fd(p->hp->maps.hp_stats), &reason, v))
		die("hp_stats lookup", ncpus > 256 ? E2BIG : errno);
	for (int c = 0; c < ncpus; c++)
		n += v[c].packets;
	return n;
}

static void
frame_for(struct frame *f, enum bench_case c)
{
	uint32_t l3;

	frame_eth_plain(f, 0x0800);
	l3 = frame_ip4(f, IPPROTO_UDP, c == CASE_DROP ? SRC_BLOCKED : SRC_CLEAN, 0, 0);
	frame_udp(f, 40000, c == CASE_PASS ? PORT_PASS : PORT_OTHER, 18); /* 60 bytes: minimum Ethernet */
	frame_ip4_done(f, l3);
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * One sample: repeat runs in one BPF_PROG_TEST_RUN. *kernel_ns is the kernel's figure (its
 * timer around the run loop, paused while the loop yields the CPU; whole ns): the one
 * reported. The wall time per run it returns is kept in the JSON only: it also carries the
 * call's fixed cost (with repeat > 1 the kernel switches the XDP dispatcher's static key
 * on and off around the loop: milliseconds on this VM).
 */
static double
sample(int fd, const struct frame *f, uint32_t repeat, uint32_t *kernel_ns, uint32_t *action)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len, .repeat = repeat);
	double t0, t1;
	int err;

	t0 = now_ns();
	err = bpf_prog_test_run_opts(fd, &o);
	t1 = now_ns();
	if (err)
		die("bpf_prog_test_run_opts", errno);
	*kernel_ns = o.duration;
	*action = o.retval;
	return (t1 - t0) / repeat;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
	double s[64];

	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: xdp_bench [-r ROUNDS] [-n REPEAT] [-s N,N,..] [-c CPU] [-j JSON] [-m MD] XDPFILTER_OBJ\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const uint32_t want_action[NPROGS][NCASES] = {
		[HP] = {[CASE_PASS] = XDP_PASS, [CASE_DROP] = XDP_DROP, [CASE_STEER] = XDP_PASS},
		[XF] = {[CASE_PASS] = XDP_PASS, [CASE_DROP] = XDP_DROP, [CASE_STEER] = XDP_PASS},
	};
	static const enum hp_xdp_reason want_reason[NCASES] = {
		[CASE_PASS] = HP_XDP_PASS_CLASS_UDP,
		[CASE_DROP] = HP_XDP_DROP_BLOCK4,
		[CASE_STEER] = HP_XDP_PASS_NOSOCK, /* no AF_XDP socket under BPF_PROG_TEST_RUN */
	};
	size_t sizes[8] = {1, 1000, 100000};
	int nsizes = 3, rounds = 7, cpu = -1, opt;
	uint32_t repeat = 1000000;
	const char *json_path = NULL, *md_path = NULL;
	FILE *json = NULL, *md = NULL;

	while ((opt = getopt(argc, argv, "r:n:s:c:j:m:")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'n':
			repeat = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 's':
			nsizes = 0;
			for (char *tok = strtok(optarg, ","); tok && nsizes < 8; tok = strtok(NULL, ","))
				sizes[nsizes++] = strtoul(tok, NULL, 10);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'm':
			md_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || rounds < 1 || rounds > 64 || repeat < 1 || nsizes < 1)
		usage();
	for (int i = 0; i < nsizes; i++)
		if (sizes[i] < 1 || sizes[i] > MAX_RULES)
			usage();
	libbpf_set_print(print_warnings);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		die("libbpf_num_possible_cpus", ncpus);
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity", errno);
	}
	if (json_path && !(json = fopen(json_path, "w")))
		die(json_path, errno);
	if (md_path && !(md = fopen(md_path, "w")))
		die(md_path, errno);

	if (json)
		fprintf(json,
			"{\"repeat\": %u, \"rounds\": %d, \"cpu\": %d, \"xdp_filter_obj\": \"%s\", \"frame_bytes\": 60,\n ",
			repeat, rounds, cpu, argv[optind]);
	if (md)
		fprintf(md,
			"| block rules | case | hotpath ns/packet | xdp-filter ns/packet | hotpath / xdp-filter |\n"
			"| ---: | --- | ---: | ---: | ---: |\n");

	for (int si = 0; si < nsizes; si++) {
		struct rule *rules = make_rules(sizes[si]);
		static double wall[NCASES][NPROGS][64];
		static uint32_t kern[NCASES][NPROGS][64];
		struct frame frames[NCASES];
		struct progs p;

		load(&p, argv[optind], sizes[si]);
		if (si == 0) {
			if (json)
				fprintf(json, "\"programs\": {");
			prog_size(p.fd[HP], prog_names[HP], json, ", ");
			prog_size(p.fd[XF], prog_names[XF], json, "},\n \"results\": [");
			printf("ns/packet (BPF_PROG_TEST_RUN's duration), medians of %d rounds of %u runs\n",
			       rounds, repeat);
			printf("%-7s %-6s %9s %11s %8s\n", "rules", "case", "hotpath", "xdp-filter", "ratio");
		}
		fill(&p, rules, sizes[si]);
		free(rules);
		for (int c = 0; c < NCASES; c++)
			frame_for(&frames[c], c);

		/* each program's verdict first (and hotpath's reason): a wrong one makes the timing meaningless */
		for (int c = 0; c < NCASES; c++)
			for (int k = 0; k < NPROGS; k++) {
				uint64_t before = hp_count(&p, want_reason[c]);
				uint32_t kns, action;

				sample(p.fd[k], &frames[c], 1000, &kns, &action);
				if (action != want_action[k][c] ||
				    (k == HP && hp_count(&p, want_reason[c]) - before != 1000)) {
					fprintf(stderr,
						"xdp_bench: %s, %s, %zu rules: action %u, want %u (%s)\n",
						prog_names[k], case_names[c], sizes[si], action,
						want_action[k][c], hp_xdp_reason_names[want_reason[c]]);
					exit(1);
				}
			}
		/* rounds: per case, A then B on even rounds, B then A on odd ones */
		for (int r = 0; r < rounds; r++)
			for (int c = 0; c < NCASES; c++)
				for (int j = 0; j < NPROGS; j++) {
					int k = r % 2 ? NPROGS - 1 - j : j;
					uint32_t action;

					wall[c][k][r] = sample(p.fd[k], &frames[c], repeat, &kern[c][k][r],
							       &action);
				}

		for (int c = 0; c < NCASES; c++) {
			double m[NPROGS], w[NPROGS], kd[64];

			for (int k = 0; k < NPROGS; k++) {
				for (int r = 0; r < rounds; r++)
					kd[r] = kern[c][k][r];
				m[k] = median(kd, rounds);
				w[k] = median(wall[c][k], rounds);
			}
			printf("%-7zu %-6s %9.1f %11.1f %7.3fx\n", sizes[si], case_names[c], m[HP], m[XF],
			       m[HP] / m[XF]);
			if (md)
				fprintf(md, "| %zu | %s | %.1f | %.1f | %.2f× |\n", sizes[si], case_names[c],
					m[HP], m[XF], m[HP] / m[XF]);
			if (json) {
				fprintf(json,
					"%s\n  {\"rules\": %zu, \"case\": \"%s\", \"median_kernel_ns\": {\"hotpath\": %.1f, "
					"\"xdp-filter\": %.1f}, \"ratio\": %.4f, \"median_wall_ns\": {\"hotpath\": %.3f, "
					"\"xdp-filter\": %.3f}, \"wall_ratio\": %.4f",
					si || c ? "," : "", sizes[si], case_names[c], m[HP], m[XF],
					m[HP] / m[XF], w[HP], w[XF], w[HP] / w[XF]);
				for (int k = 0; k < NPROGS; k++) {
					fprintf(json, ", \"%s\": {\"kernel_ns\": [", prog_names[k]);
					for (int r = 0; r < rounds; r++)
						fprintf(json, "%s%u", r ? ", " : "", kern[c][k][r]);
					fprintf(json, "], \"wall_ns\": [");
					for (int r = 0; r < rounds; r++)
						fprintf(json, "%s%.3f", r ? ", " : "", wall[c][k][r]);
					fprintf(json, "]}");
				}
				fprintf(json, "}");
			}
		}
		fflush(stdout);
		hp_xdp__destroy(p.hp);
		bpf_object__close(p.xf);
	}
	if (json) {
		fprintf(json, "\n]}\n");
		fclose(json);
	}
	if (md)
		fclose(md);
	return 0;
}
