/* hp-probe's command line: defaults, getopt_long, strict number/rate/address parsing with messages naming the argument. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

void
probe_usage(FILE *f)
{
	fprintf(f,
		"usage: hp-probe [EAL ARGS] -- [OPTIONS]\n"
		"Open-loop UDP traffic from --tx-port, latency and loss measured on --rx-port.\n"
		"  --tx-port N, --rx-port N  ethdev ports (default 0 and 1 with two ports, else 0 and 0)\n"
		"  --rate PPS          offered rate: 100000, 1.5M, 200k (default 10k); the maximum with --search\n"
		"  --dist const|poisson  inter-arrival times (default const)\n"
		"  --duration S        measured seconds (default 5)\n"
		"  --warmup S          seconds sent first and left out of every figure (default 1)\n"
		"  --drain S           seconds to wait for stragglers after the last packet (default 0.2)\n"
		"  --flows N           1..65536 flows: source IP and UDP source port + flow (default 1)\n"
		"  --size B|imix       frame size with FCS, 64..1518, or imix = 7:4:1 of 64/594/1518 (default 64)\n"
		"  --src-mac M         default: the TX port's own address\n"
		"  --dst-mac M         the DUT port's MAC (default 02:00:00:00:00:01)\n"
		"  --src-ip A          first flow's source (default 10.0.0.2)\n"
		"  --dst-ip A          destination (default 198.18.0.1)\n"
		"  --sport P, --dport P  first flow's UDP source port (default 1024), destination port (default 9)\n"
		"  --seed N            Poisson PRNG seed (default 1)\n"
		"  --search            RFC 2544 zero-loss throughput: binary search between --rate-min and --rate\n"
		"  --rate-min PPS      (default rate/1000)  --precision PPS (default rate/100)\n"
		"  --loss PCT          loss a --search trial may have and pass (default 0)\n"
		"  --calibrate         measure the probe's own floor over a memif pair inside this process\n"
		"  --link-timeout S    wait this long for links to come up (default 10)\n"
		"  --hold              after the report, close stdout and keep the ports open until stdin\n"
		"                      ends (stop the DUT first: its memif server must not lose us mid-burst)\n"
		"  --label NAME        name of the run in the report\n"
		"  -j, --json          JSON report on stdout instead of the table\n"
		"  --csv FILE          latency histogram buckets: lo_ns,hi_ns,count\n"
		"  --plot FILE.png     latency by percentile (gnuplot)\n"
		"  -h, --help          this text\n");
}

void
probe_opts_default(struct probe_opts *o)
{
	static const uint8_t dut_mac[6] = {0x02, 0, 0, 0, 0, 0x01};

	memset(o, 0, sizeof(*o));
	o->tx_port = o->rx_port = PROBE_NO_PORT;
	o->rate = 10000;
	o->dist = PROBE_DIST_CONST;
	o->duration = 5;
	o->warmup = 1;
	o->drain = 0.2;
	o->flows = 1;
	o->size.fixed = PROBE_MIN_SIZE;
	memcpy(o->dst_mac, dut_mac, 6);
	o->src_ip = 0x0a000002; /* 10.0.0.2 */
	o->dst_ip = 0xc6120001; /* 198.18.0.1 */
	o->sport = 1024;
	o->dport = 9;
	o->seed = 1;
	o->link_timeout = 10;
	o->label = "hp-probe";
}

static int
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int
probe_parse_rate(const char *s, double *pps)
{
	char *end;
	double v, mult = 1;

	if (!((*s >= '0' && *s <= '9') || *s == '.')) /* strtod would skip blanks and take a sign */
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		mult = 1e3;
		end++;
		break;
	case 'm':
	case 'M':
		mult = 1e6;
		end++;
		break;
	case 'g':
	case 'G':
		mult = 1e9;
		end++;
		break;
	default:
		break;
	}
	v *= mult;
	if (*end != '\0' || !isfinite(v) || !(v >= 0.001) || v > 1e10)
		return -EINVAL;
	*pps = v;
	return 0;
}

int
probe_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (s[i * 3] == ' ' || s[i * 3] == '+' || s[i * 3] == '-' || s[i * 3 + 1] == ' ')
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

/* A decimal integer in [lo, hi], all of s. */
static int
parse_uint(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0 || *v < lo || *v > hi)
		return -EINVAL;
	return 0;
}

/* Seconds in [lo, hi], all of s. */
static int
parse_secs(const char *s, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(*v) || *v < lo || *v > hi)
		return -EINVAL;
	return 0;
}

static int
parse_ipv4(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return 0;
}

enum {
	OPT_TX_PORT = 256,
	OPT_RX_PORT,
	OPT_RATE,
	OPT_RATE_MIN,
	OPT_PRECISION,
	OPT_LOSS,
	OPT_DIST,
	OPT_DURATION,
	OPT_WARMUP,
	OPT_DRAIN,
	OPT_FLOWS,
	OPT_SIZE,
	OPT_SRC_MAC,
	OPT_DST_MAC,
	OPT_SRC_IP,
	OPT_DST_IP,
	OPT_SPORT,
	OPT_DPORT,
	OPT_SEED,
	OPT_CSV,
	OPT_PLOT,
	OPT_SEARCH,
	OPT_LABEL,
	OPT_CALIBRATE,
	OPT_HOLD,
	OPT_LINK_TIMEOUT,
};

static const struct option longopts[] = {
	{"tx-port", required_argument, NULL, OPT_TX_PORT},
	{"rx-port", required_argument, NULL, OPT_RX_PORT},
	{"rate", required_argument, NULL, OPT_RATE},
	{"rate-min", required_argument, NULL, OPT_RATE_MIN},
	{"precision", required_argument, NULL, OPT_PRECISION},
	{"loss", required_argument, NULL, OPT_LOSS},
	{"dist", required_argument, NULL, OPT_DIST},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"warmup", required_argument, NULL, OPT_WARMUP},
	{"drain", required_argument, NULL, OPT_DRAIN},
	{"flows", required_argument, NULL, OPT_FLOWS},
	{"size", required_argument, NULL, OPT_SIZE},
	{"src-mac", required_argument, NULL, OPT_SRC_MAC},
	{"dst-mac", required_argument, NULL, OPT_DST_MAC},
	{"src-ip", required_argument, NULL, OPT_SRC_IP},
	{"dst-ip", required_argument, NULL, OPT_DST_IP},
	{"sport", required_argument, NULL, OPT_SPORT},
	{"dport", required_argument, NULL, OPT_DPORT},
	{"seed", required_argument, NULL, OPT_SEED},
	{"csv", required_argument, NULL, OPT_CSV},
	{"plot", required_argument, NULL, OPT_PLOT},
	{"search", no_argument, NULL, OPT_SEARCH},
	{"label", required_argument, NULL, OPT_LABEL},
	{"calibrate", no_argument, NULL, OPT_CALIBRATE},
	{"hold", no_argument, NULL, OPT_HOLD},
	{"link-timeout", required_argument, NULL, OPT_LINK_TIMEOUT},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int
one_option(int opt, const char *name, const char *arg, struct probe_opts *o, char *err, size_t errlen)
{
	unsigned long long u;

	switch (opt) {
	case OPT_TX_PORT:
	case OPT_RX_PORT:
		if (parse_uint(arg, 0, PROBE_NO_PORT - 1, &u) < 0)
			return bad(err, errlen, "--%s: '%s' is not a port number (0..%u)", name, arg,
				   PROBE_NO_PORT - 1);
		*(opt == OPT_TX_PORT ? &o->tx_port : &o->rx_port) = (uint16_t)u;
		return 0;
	case OPT_RATE:
	case OPT_RATE_MIN:
	case OPT_PRECISION:
		if (probe_parse_rate(arg, opt == OPT_RATE       ? &o->rate
					  : opt == OPT_RATE_MIN ? &o->rate_min
								: &o->precision) < 0)
			return bad(err, errlen,
				   "--%s: '%s' is not a rate in packets/s "
				   "(like 100000, 1.5M, 200k; 0.001 to 10G)",
				   name, arg);
		return 0;
	case OPT_LOSS:
		if (parse_secs(arg, 0, 100, &o->loss_pct) < 0)
			return bad(err, errlen, "--loss: '%s' is not a percentage (0..100)", arg);
		return 0;
	case OPT_DIST:
		if (strcmp(arg, "const") == 0)
			o->dist = PROBE_DIST_CONST;
		else if (strcmp(arg, "poisson") == 0)
			o->dist = PROBE_DIST_POISSON;
		else
			return bad(err, errlen, "--dist: '%s' is neither 'const' nor 'poisson'", arg);
		return 0;
	case OPT_DURATION:
		if (parse_secs(arg, 1e-3, 1e6, &o->duration) < 0)
			return bad(err, errlen,
				   "--duration: '%s' is not a number of seconds (0.001..1000000)", arg);
		return 0;
	case OPT_WARMUP:
	case OPT_DRAIN:
	case OPT_LINK_TIMEOUT:
		if (parse_secs(arg, 0, 3600,
			       opt == OPT_WARMUP  ? &o->warmup
			       : opt == OPT_DRAIN ? &o->drain
						  : &o->link_timeout) < 0)
			return bad(err, errlen, "--%s: '%s' is not a number of seconds (0..3600)", name, arg);
		return 0;
	case OPT_FLOWS:
		if (parse_uint(arg, 1, PROBE_MAX_FLOWS, &u) < 0)
			return bad(err, errlen, "--flows: '%s' is not a flow count (1..%u)", arg,
				   PROBE_MAX_FLOWS);
		o->flows = (uint32_t)u;
		return 0;
	case OPT_SIZE:
		if (strcmp(arg, "imix") == 0) {
			o->size.imix = true;
			return 0;
		}
		if (parse_uint(arg, PROBE_MIN_SIZE, PROBE_MAX_SIZE, &u) < 0)
			return bad(err, errlen,
				   "--size: '%s' is neither a frame size (%u..%u bytes with FCS) nor 'imix'",
				   arg, PROBE_MIN_SIZE, PROBE_MAX_SIZE);
		o->size.imix = false;
		o->size.fixed = (uint16_t)u;
		return 0;
	case OPT_SRC_MAC:
	case OPT_DST_MAC:
		if (probe_parse_mac(arg, opt == OPT_SRC_MAC ? o->src_mac : o->dst_mac) < 0)
			return bad(err, errlen, "--%s: '%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", name,
				   arg);
		o->src_mac_set |= opt == OPT_SRC_MAC;
		return 0;
	case OPT_SRC_IP:
	case OPT_DST_IP:
		if (parse_ipv4(arg, opt == OPT_SRC_IP ? &o->src_ip : &o->dst_ip) < 0)
			return bad(err, errlen, "--%s: '%s' is not an IPv4 address", name, arg);
		return 0;
	case OPT_SPORT:
	case OPT_DPORT:
		if (parse_uint(arg, 0, 65535, &u) < 0)
			return bad(err, errlen, "--%s: '%s' is not a UDP port (0..65535)", name, arg);
		*(opt == OPT_SPORT ? &o->sport : &o->dport) = (uint16_t)u;
		return 0;
	case OPT_SEED:
		if (parse_uint(arg, 0, UINT64_MAX, &u) < 0)
			return bad(err, errlen, "--seed: '%s' is not an unsigned integer", arg);
		o->seed = u;
		return 0;
	case OPT_CSV:
	case OPT_PLOT:
	case OPT_LABEL:
		if (*arg == '\0')
			return bad(err, errlen, "--%s: empty argument", name);
		if (opt == OPT_LABEL && strlen(arg) > 128)
			return bad(err, errlen, "--label: longer than 128 bytes");
		*(opt == OPT_CSV ? &o->csv : opt == OPT_PLOT ? &o->plot : &o->label) = arg;
		return 0;
	case OPT_SEARCH:
		o->search = true;
		return 0;
	case OPT_CALIBRATE:
		o->calibrate = true;
		return 0;
	case OPT_HOLD:
		o->hold = true;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	default:
		return bad(err, errlen, "internal: option %d", opt);
	}
}

int
probe_opts_parse(int argc, char **argv, struct probe_opts *o, char *err, size_t errlen)
{
	int opt, idx, rc;

	optind = 0; /* glibc: start afresh (a test may parse many command lines) */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:jh", longopts, &idx)) != -1) {
		const char *name;

		if (opt == 'h')
			return 1;
		if (opt == '?') {
			if (optopt != 0)
				return bad(err, errlen, "unknown option '-%c'", optopt);
			return bad(err, errlen, "unknown option '%s'", argv[optind - 1]);
		}
		if (opt == ':')
			return bad(err, errlen, "option '%s' needs an argument", argv[optind - 1]);
		name = opt >= 256 ? longopts[idx].name : "json";
		if ((rc = one_option(opt, name, optarg, o, err, errlen)) < 0)
			return rc;
	}
	if (optind < argc)
		return bad(err, errlen, "unexpected argument '%s'", argv[optind]);
	if (o->search) {
		if (o->rate_min == 0)
			o->rate_min = o->rate / 1000 >= 0.001 ? o->rate / 1000 : 0.001;
		if (o->precision == 0)
			o->precision = o->rate / 100;
		if (o->rate_min > o->rate)
			return bad(err, errlen, "--rate-min (%.0f) is above --rate (%.0f)", o->rate_min,
				   o->rate);
	}
	return 0;
}
