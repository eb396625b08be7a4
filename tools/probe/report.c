/* hp-probe's report: the table, the JSON object, the histogram CSV and the gnuplot percentile plot. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "addr.h"
#include "report.h"

double
probe_loss_pct(const struct probe_result *r)
{
	return r->sent ? 100.0 * (double)r->lost / (double)r->sent : 0.0;
}

/* ip in host order, dotted. */
static void
ip_str(uint32_t ip, char *buf, size_t len)
{
	uint32_t be = htonl(ip);

	hp_addr_bytes_format(AF_INET, &be, buf, len);
}

/* ------------------------------------------------------------------ table */

static void
table_latency(FILE *f, const char *who, const struct hp_hist_summary *s)
{
	fprintf(f,
		"  %-10s %12" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64
		" %9" PRIu64 " %11" PRIu64 " %11.0f\n",
		who, s->count, s->min_ns, s->p50, s->p90, s->p99, s->p999, s->p9999, s->max_ns, s->mean_ns);
}

static void
table_result(FILE *f, const struct probe_result *r)
{
	fprintf(f, "  rate      offered %.0f pps, achieved %.0f pps, received %.0f pps%s%s\n", r->rate_pps,
		r->achieved_pps, r->rx_pps, r->interrupted ? " (interrupted)" : "",
		r->kept_rate
			? ""
			: " (the generator fell behind its schedule: the TX port or lcore is the limit)");
	fprintf(f,
		"  packets   sent %" PRIu64 ", received %" PRIu64 ", lost %" PRIu64
		" (%.4f %%), reorder %" PRIu64 ", dup %" PRIu64 ", late %" PRIu64 "\n",
		r->sent, r->received, r->lost, probe_loss_pct(r), r->reorder, r->dup, r->late);
	fprintf(f,
		"  warm-up   sent %" PRIu64 ", received %" PRIu64 " (left out); foreign %" PRIu64
		"; unsent %" PRIu64 "; worst TX lag %" PRIu64 " ns\n",
		r->warmup_sent, r->warmup_received, r->foreign, r->unsent, r->tx_lag_max_ns);
	if (r->negative)
		fprintf(f,
			"  WARNING   %" PRIu64 " packets arrived before their TX time: is the TSC in sync?\n",
			r->negative);
	if (r->flows_with_loss) {
		fprintf(f, "  flows with loss: %" PRIu32 "\n", r->flows_with_loss);
		for (uint32_t i = 0; i < r->n_lossy && i < 10; i++) {
			char ip[16];
			ip_str(r->lossy[i].src_ip, ip, sizeof(ip));
			fprintf(f,
				"    flow %-6" PRIu32 " %s:%u  sent %" PRIu64 ", received %" PRIu64
				", lost %" PRIu64 "\n",
				r->lossy[i].flow, ip, r->lossy[i].sport, r->lossy[i].sent,
				r->lossy[i].received, r->lossy[i].lost);
		}
		if (r->flows_with_loss > 10)
			fprintf(f, "    ... (-j lists up to %u)\n", PROBE_REPORT_MAX_LOSSY);
	}
	fprintf(f, "\n  latency (ns)\n  %-10s %12s %9s %9s %9s %9s %9s %9s %11s %11s\n", "", "count", "min",
		"p50", "p90", "p99", "p99.9", "p99.99", "max", "mean");
	table_latency(f, "scheduled", &r->lat);
	table_latency(f, "tx-stamp", &r->txlat);
	fprintf(f,
		"  (scheduled: RX - scheduled TX time, generator stalls included; tx-stamp: RX - actual TX)\n");
	for (unsigned i = 0; i < r->n_loops; i++) {
		const struct probe_loop_stalls *s = &r->stalls[i];

		fprintf(f,
			"  probe stalls %-4s (lcore %u): %" PRIu64 " over %.3g us, %" PRIu64
			" over 10 us, %" PRIu64 " over 100 us, %" PRIu64
			" over 1 ms, max %.1f us, total %.3f ms\n",
			s->loop, s->lcore, s->v.count, (double)s->v.threshold_ns / 1e3, s->v.over_10us,
			s->v.over_100us, s->v.over_1ms, (double)s->v.max_ns / 1e3,
			(double)s->v.total_ns / 1e6);
	}
	if (r->n_loops)
		fprintf(f, "  (stalls: gaps in the probe's own poll loops, the host's share of its tail)\n");
}

void
probe_report_table(FILE *f, const struct probe_report *rep)
{
	const struct probe_result *r = rep->final;

	fprintf(f, "%s: %s %s%s frames, %" PRIu32 " flow%s, %.3g s (+%.3g s warm-up)\n", rep->label,
		rep->dist, rep->size, strcmp(rep->size, "imix") == 0 ? "" : "-byte", rep->flows,
		rep->flows == 1 ? "" : "s", r->duration_s, r->warmup_s);
	if (rep->search) {
		fprintf(f, "\n  %-5s %14s %14s %12s %12s %12s %10s  %s\n", "trial", "rate pps",
			"achieved pps", "sent", "received", "lost", "loss %", "result");
		for (unsigned i = 0; i < rep->n_trials; i++) {
			const struct probe_result *t = &rep->trials[i];
			fprintf(f,
				"  %-5u %14.0f %14.0f %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %10.4f  %s\n",
				i + 1, t->rate_pps, t->achieved_pps, t->sent, t->received, t->lost,
				probe_loss_pct(t), t->pass ? "pass" : "FAIL");
		}
		fprintf(f, "\n  throughput (loss <= %g %%): %.0f pps%s\n", rep->loss_pct, rep->throughput_pps,
			rep->throughput_pps > 0 ? "; figures below are of that trial" : "; no trial passed");
	}
	fprintf(f, "\n");
	table_result(f, r);
}

/* ------------------------------------------------------------------ JSON */

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* JSON has no NaN or infinity */
static double
json_num(double v)
{
	return isfinite(v) ? v : 0.0;
}

static void
json_latency(FILE *f, const char *key, const struct hp_hist_summary *s)
{
	fprintf(f,
		"\"%s\":{\"count\":%" PRIu64 ",\"min\":%" PRIu64 ",\"mean\":%.1f,\"p50\":%" PRIu64
		",\"p90\":%" PRIu64 ",\"p99\":%" PRIu64 ",\"p99.9\":%" PRIu64 ",\"p99.99\":%" PRIu64
		",\"max\":%" PRIu64 "}",
		key, s->count, s->min_ns, json_num(s->mean_ns), s->p50, s->p90, s->p99, s->p999, s->p9999,
		s->max_ns);
}

static void
json_result(FILE *f, const struct probe_result *r)
{
	fprintf(f,
		"\"rate_pps\":%.3f,\"achieved_pps\":%.3f,\"rx_pps\":%.3f,\"duration_s\":%.6g,\"warmup_s\":%.6g,",
		json_num(r->rate_pps), json_num(r->achieved_pps), json_num(r->rx_pps), r->duration_s,
		r->warmup_s);
	fprintf(f,
		"\"sent\":%" PRIu64 ",\"received\":%" PRIu64 ",\"lost\":%" PRIu64
		",\"loss_pct\":%.6f,"
		"\"reorder\":%" PRIu64 ",\"dup\":%" PRIu64 ",\"late\":%" PRIu64 ",",
		r->sent, r->received, r->lost, probe_loss_pct(r), r->reorder, r->dup, r->late);
	fprintf(f,
		"\"warmup_sent\":%" PRIu64 ",\"warmup_received\":%" PRIu64 ",\"unsent\":%" PRIu64
		",\"tx_lag_max_ns\":%" PRIu64 ",\"negative\":%" PRIu64 ",\"other_port_rx\":%" PRIu64
		",\"interrupted\":%s,\"kept_rate\":%s,",
		r->warmup_sent, r->warmup_received, r->unsent, r->tx_lag_max_ns, r->negative, r->other_rx,
		r->interrupted ? "true" : "false", r->kept_rate ? "true" : "false");
	fprintf(f, "\"foreign\":%" PRIu64 ",\"foreign_by_reason\":{", r->foreign);
	for (int i = 1; i < PROBE_RX_MAX; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i > 1 ? "," : "", probe_rx_names[i], r->foreign_by[i]);
	fprintf(f, "},");
	json_latency(f, "latency_ns", &r->lat);
	fputc(',', f);
	json_latency(f, "tx_latency_ns", &r->txlat);
	fputs(",\"stalls\":[", f);
	for (unsigned i = 0; i < r->n_loops; i++) {
		const struct probe_loop_stalls *s = &r->stalls[i];

		fprintf(f,
			"%s{\"loop\":\"%s\",\"lcore\":%u,\"threshold_ns\":%" PRIu64 ",\"count\":%" PRIu64
			",\"over_10us\":%" PRIu64 ",\"over_100us\":%" PRIu64 ",\"over_1ms\":%" PRIu64
			",\"max_ns\":%" PRIu64 ",\"total_ns\":%" PRIu64 ",\"busy\":%" PRIu64 "}",
			i ? "," : "", s->loop, s->lcore, s->v.threshold_ns, s->v.count, s->v.over_10us,
			s->v.over_100us, s->v.over_1ms, s->v.max_ns, s->v.total_ns, s->v.busy);
	}
	fputc(']', f);
	fprintf(f, ",\"flows_with_loss\":%" PRIu32 ",\"lossy_flows\":[", r->flows_with_loss);
	for (uint32_t i = 0; i < r->n_lossy; i++) {
		char ip[16];
		ip_str(r->lossy[i].src_ip, ip, sizeof(ip));
		fprintf(f,
			"%s{\"flow\":%" PRIu32 ",\"src_ip\":\"%s\",\"sport\":%u,\"sent\":%" PRIu64
			",\"received\":%" PRIu64 ",\"lost\":%" PRIu64 "}",
			i ? "," : "", r->lossy[i].flow, ip, r->lossy[i].sport, r->lossy[i].sent,
			r->lossy[i].received, r->lossy[i].lost);
	}
	fputc(']', f);
}

void
probe_report_json(FILE *f, const struct probe_report *rep)
{
	fputs("{\"label\":", f);
	json_str(f, rep->label);
	fprintf(f, ",\"dist\":\"%s\",\"size\":\"%s\",\"flows\":%" PRIu32 ",", rep->dist, rep->size,
		rep->flows);
	json_result(f, rep->final);
	if (rep->search) {
		fprintf(f, ",\"search\":{\"throughput_pps\":%.3f,\"loss_tolerance_pct\":%g,\"trials\":[",
			rep->throughput_pps, rep->loss_pct);
		for (unsigned i = 0; i < rep->n_trials; i++) {
			fprintf(f, "%s{\"pass\":%s,", i ? "," : "", rep->trials[i].pass ? "true" : "false");
			json_result(f, &rep->trials[i]);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("}\n", f);
}

/* ------------------------------------------------------------------ CSV */

void
probe_report_csv(FILE *f, const struct hp_hist *h)
{
	fprintf(f, "lo_ns,hi_ns,count\n");
	for (unsigned i = 0; i < HP_HIST_BUCKETS; i++)
		if (h->buckets[i])
			fprintf(f, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", hp_hist_bucket_lo(i),
				hp_hist_bucket_hi(i), h->buckets[i]);
}

/* ------------------------------------------------------------------ plot */

/* A gnuplot single-quoted string: '' stands for one quote. */
static void
gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('\'', f);
}

/*
 * x = 1 / (1 - q) puts 50 %, 90 %, 99 %, 99.9 % ... at 2, 10, 100, 1000 on a
 * log axis, as HdrHistogram's plots do; ten points per decade, then max at
 * the last sample's rank.
 */
static void
gp_data(FILE *f, const char *name, const struct hp_hist *h)
{
	fprintf(f, "$%s << EOD\n", name);
	if (h->count > 0) {
		double n = (double)h->count;
		for (int k = 0;; k++) {
			double tail = pow(10.0, -k / 10.0); /* 1 - q */
			if (tail * n < 1.0)
				break;
			fprintf(f, "%.6g %.3f\n", 1.0 / tail,
				(double)hp_hist_percentile(h, 100.0 * (1.0 - tail)) / 1e3);
		}
		fprintf(f, "%.6g %.3f\n", n, (double)h->max_ns / 1e3);
	}
	fprintf(f, "EOD\n");
}

void
probe_report_gnuplot(FILE *f, const char *png, const char *label, const struct hp_hist *lat,
		     const struct hp_hist *txlat)
{
	double top = 10;

	while (top < (double)lat->count && top < 1e9)
		top *= 10;
	fprintf(f, "set terminal pngcairo size 1000,600 noenhanced\nset output ");
	gp_str(f, png);
	fprintf(f, "\nset title ");
	gp_str(f, label);
	fprintf(f,
		"\nset logscale x\nset xrange [1:%g]\nset xlabel 'percentile'\nset ylabel 'latency (us)'\n"
		"set yrange [0:*]\nset grid\nset key top left\n",
		top);
	/* tic labels are gnuplot format strings: a percent sign is written %% there */
	fprintf(f,
		"set xtics ('0%%%%' 1, '50%%%%' 2, '90%%%%' 10, '99%%%%' 100, '99.9%%%%' 1000, '99.99%%%%' 10000, "
		"'99.999%%%%' 100000, '99.9999%%%%' 1000000, '99.99999%%%%' 10000000, '99.999999%%%%' 100000000, "
		"'99.9999999%%%%' 1000000000)\n");
	gp_data(f, "sched", lat);
	if (txlat)
		gp_data(f, "tx", txlat);
	fprintf(f, "plot $sched using 1:2 with steps lw 2 title 'RX - scheduled TX'");
	if (txlat)
		fprintf(f, ", $tx using 1:2 with steps lw 1 title 'RX - actual TX'");
	fprintf(f, "\n");
}

/* The first gnuplot on PATH, or NULL. */
static const char *
find_gnuplot(char *buf, size_t len)
{
	const char *path = getenv("PATH");

	if (path == NULL)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, len, "%.*s/gnuplot", (int)n, path);
		if (n > 0 && access(buf, X_OK) == 0)
			return buf;
		path += n + (path[n] == ':');
	}
	return NULL;
}

int
probe_report_plot(const char *png, const char *label, const struct hp_hist *lat, const struct hp_hist *txlat)
{
	char exe[PATH_MAX + 16], cmd[PATH_MAX + 32];
	FILE *p;
	int st;

	if (find_gnuplot(exe, sizeof(exe)) == NULL)
		return -ENOENT;
	/* the path goes through sh: single-quote it */
	if (strchr(exe, '\'') != NULL)
		return -EINVAL;
	snprintf(cmd, sizeof(cmd), "'%s'", exe);
	p = popen(cmd, "w");
	if (p == NULL)
		return -errno;
	probe_report_gnuplot(p, png, label, lat, txlat);
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -EIO;
	return 0;
}
