/* hp-probe's command line (after EAL's "--"): parsed and checked without EAL. */
#ifndef PROBE_OPTS_H
#define PROBE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "payload.h"
#include "schedule.h"

#define PROBE_NO_PORT UINT16_MAX

struct probe_opts {
	uint16_t tx_port, rx_port; /* PROBE_NO_PORT: chosen from the ports EAL made */
	double rate;               /* pps; with --search the highest rate tried */
	double rate_min;           /* --search: lowest rate; 0: rate / 1000 */
	double precision;          /* --search: stop when the bracket is this narrow (pps); 0: rate / 100 */
	double loss_pct;           /* --search: a trial passes with at most this % lost */
	enum probe_dist dist;
	double duration, warmup, drain; /* seconds */
	uint32_t flows;
	struct probe_sizes size;
	uint8_t src_mac[6], dst_mac[6];
	bool src_mac_set;        /* else the TX port's own address */
	uint32_t src_ip, dst_ip; /* host order */
	uint16_t sport, dport;
	uint64_t seed;
	double link_timeout; /* seconds to wait for the ports' links */
	bool json, search, calibrate;
	bool hold; /* after the report, keep the ports until stdin ends */
	const char *csv, *plot, *label;
};

/* The defaults every option starts from. */
void probe_opts_default(struct probe_opts *o);

/*
 * Parse argv[0..argc) (argv[0] is the program name; getopt_long permutes
 * nothing: arguments that are not options are errors). Returns 0, 1 for
 * --help, or -EINVAL with a message that names the bad argument in err.
 */
int probe_opts_parse(int argc, char **argv, struct probe_opts *o, char *err, size_t errlen);

void probe_usage(FILE *f);

/* "100000", "1.5M", "200k", "2.5G", "1e6": packets per second, 0.001 .. 1e10. 0 or -EINVAL. */
int probe_parse_rate(const char *s, double *pps);

/* "xx:xx:xx:xx:xx:xx", hex digits, 0 or -EINVAL. */
int probe_parse_mac(const char *s, uint8_t mac[6]);

#endif
