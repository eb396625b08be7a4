/* Unit tests of hp-probe's report: JSON that parses with every field, table, CSV buckets, the gnuplot script. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <jansson.h>

#include "../cunit_run.h"
#include "report.h"

static struct hp_hist LAT, TXLAT;
static struct probe_result R, TRIALS[3];

static void
fill(void)
{
	hp_hist_init(&LAT);
	hp_hist_init(&TXLAT);
	for (uint64_t i = 1; i <= 10000; i++) {
		hp_hist_record(&LAT, 1000 + i);
		hp_hist_record(&TXLAT, 100 + i / 10);
	}
	memset(&R, 0, sizeof(R));
	R.rate_pps = 20000;
	R.achieved_pps = 19999.5;
	R.rx_pps = 19000;
	R.duration_s = 2;
	R.warmup_s = 0.5;
	R.sent = 40000;
	R.received = 35000;
	R.lost = 5000;
	R.reorder = 3;
	R.dup = 2;
	R.warmup_sent = 10000;
	R.warmup_received = 10000;
	R.foreign = 7;
	R.foreign_by[PROBE_RX_NOT_IPV4] = 4;
	R.foreign_by[PROBE_RX_BAD_MAGIC] = 3;
	hp_hist_summarize(&LAT, &R.lat);
	hp_hist_summarize(&TXLAT, &R.txlat);
	R.n_loops = 2;
	R.stalls[0] = (struct probe_loop_stalls){.loop = "tx",
						 .lcore = 1,
						 .v = {.threshold_ns = 5000,
						       .count = 9,
						       .over_10us = 4,
						       .over_100us = 2,
						       .over_1ms = 1,
						       .max_ns = 1500000,
						       .total_ns = 1700000,
						       .busy = 3}};
	R.stalls[1] = (struct probe_loop_stalls){.loop = "rx", .lcore = 2, .v = {.threshold_ns = 5000}};
	R.flows_with_loss = 1;
	R.n_lossy = 1;
	R.lossy[0] = (struct probe_flow_loss){
		.flow = 3, .src_ip = 0x0a000005, .sport = 1027, .sent = 5000, .received = 0, .lost = 5000};
}

/* Render into a string (the caller frees it). */
static char *
render(void (*fn)(FILE *, const struct probe_report *), const struct probe_report *rep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fn(f, rep);
	fclose(f);
	return buf;
}

static struct probe_report
plain(const char *label)
{
	struct probe_report rep = {.label = label, .dist = "const", .flows = 8, .final = &R};

	snprintf(rep.size, sizeof(rep.size), "64");
	return rep;
}

static void
test_json_fields(void)
{
	struct probe_report rep;
	json_error_t je;
	json_t *j, *l, *f;
	char *s;

	fill();
	rep = plain("a \"quoted\"\nlabel\\");
	s = render(probe_report_json, &rep);
	j = json_loads(s, 0, &je);
	if (j == NULL)
		fprintf(stderr, "JSON error %s in: %s\n", je.text, s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "label")), "a \"quoted\"\nlabel\\");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "sent")), 40000);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "received")), 35000);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "lost")), 5000);
	CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(j, "loss_pct")), 12.5, 1e-9);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "reorder")), 3);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "dup")), 2);
	CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(j, "rate_pps")), 20000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(j, "achieved_pps")), 19999.5, 1e-9);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "warmup_sent")), 10000);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "foreign")), 7);
	CU_ASSERT_EQUAL(
		json_integer_value(json_object_get(json_object_get(j, "foreign_by_reason"), "bad_magic")), 3);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "flows")), 8);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "size")), "64");
	l = json_object_get(j, "latency_ns");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(l, "count")), 10000);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(l, "min")), 1001);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(l, "max")), 11000);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(l, "p99.99")), (json_int_t)R.lat.p9999);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(l, "p50")), (json_int_t)R.lat.p50);
	CU_ASSERT(json_is_number(json_object_get(l, "mean")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(j, "tx_latency_ns"), "count")),
			10000);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "flows_with_loss")), 1);
	f = json_array_get(json_object_get(j, "lossy_flows"), 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "flow")), 3);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(f, "src_ip")), "10.0.0.5");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "sport")), 1027);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "lost")), 5000);
	CU_ASSERT_PTR_NULL(json_object_get(j, "search"));
	/* the probe's own loops' stalls, one object per loop */
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "stalls")), 2);
	f = json_array_get(json_object_get(j, "stalls"), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(f, "loop")), "tx");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "lcore")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "threshold_ns")), 5000);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "count")), 9);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "over_10us")), 4);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "over_100us")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "over_1ms")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "max_ns")), 1500000);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "total_ns")), 1700000);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "busy")), 3);
	f = json_array_get(json_object_get(j, "stalls"), 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(f, "loop")), "rx");
	CU_ASSERT(json_is_integer(json_object_get(f, "count")) &&
		  json_integer_value(json_object_get(f, "count")) == 0);
	json_decref(j);
	free(s);
}

static void
test_json_search(void)
{
	struct probe_report rep;
	json_error_t je;
	json_t *j, *t;
	char *s;

	fill();
	for (int i = 0; i < 3; i++) {
		TRIALS[i] = R;
		TRIALS[i].rate_pps = 1000.0 * (i + 1);
		TRIALS[i].pass = i != 2;
	}
	rep = plain("search");
	rep.search = true;
	rep.trials = TRIALS;
	rep.n_trials = 3;
	rep.final = &TRIALS[1];
	rep.throughput_pps = 2000;
	s = render(probe_report_json, &rep);
	j = json_loads(s, 0, &je);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	t = json_object_get(j, "search");
	CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(t, "throughput_pps")), 2000, 1e-9);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(t, "trials")), 3);
	CU_ASSERT(json_is_false(json_object_get(json_array_get(json_object_get(t, "trials"), 2), "pass")));
	CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(j, "rate_pps")), 2000, 1e-9);
	json_decref(j);
	free(s);
	s = render(probe_report_table, &rep);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "throughput (loss <= 0 %): 2000 pps"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "FAIL"));
	free(s);
}

static void
test_table(void)
{
	struct probe_report rep;
	char *s;

	fill();
	rep = plain("t1");
	s = render(probe_report_table, &rep);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "t1: const 64-byte frames, 8 flows"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "sent 40000, received 35000, lost 5000 (12.5000 %)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "p99.99"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "scheduled"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tx-stamp"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "flow 3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "10.0.0.5:1027"));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(s,
		       "probe stalls tx   (lcore 1): 9 over 5 us, 4 over 10 us, 2 over 100 us, "
		       "1 over 1 ms, max 1500.0 us, total 1.700 ms"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "probe stalls rx   (lcore 2): 0 over 5 us"));
	free(s);
}

static void
test_csv(void)
{
	char *buf = NULL, *line, *save;
	size_t len = 0;
	uint64_t sum = 0, prev_hi = 0, lines = 0;
	FILE *f = open_memstream(&buf, &len);

	fill();
	probe_report_csv(f, &LAT);
	fclose(f);
	line = strtok_r(buf, "\n", &save);
	CU_ASSERT_STRING_EQUAL(line, "lo_ns,hi_ns,count");
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		unsigned long long lo, hi, n;
		CU_ASSERT_FATAL(sscanf(line, "%llu,%llu,%llu", &lo, &hi, &n) == 3);
		CU_ASSERT(lo < hi && lo >= prev_hi && n > 0);
		CU_ASSERT(lo <= 11000 && hi > 1001);
		prev_hi = hi;
		sum += n;
		lines++;
	}
	CU_ASSERT_EQUAL(sum, 10000);
	CU_ASSERT(lines > 10);
	free(buf);
}

static void
test_gnuplot_script(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hp_hist empty;

	fill();
	probe_report_gnuplot(f, "/tmp/it's.png", "lab'el", &LAT, &TXLAT);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "set output '/tmp/it''s.png'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "set title 'lab''el'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "set logscale x"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "'99.99%%' 10000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "$sched << EOD\n1 1.001\n")); /* the 0th percentile: min */
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\n10000 11.000\nEOD\n"));    /* max at the last sample */
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "$tx << EOD"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "plot $sched"));
	free(buf);
	/* an empty run gives empty data blocks, not a crash */
	buf = NULL;
	f = open_memstream(&buf, &len);
	hp_hist_init(&empty);
	probe_report_gnuplot(f, "x.png", "empty", &empty, NULL);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "$sched << EOD\nEOD\n"));
	CU_ASSERT_PTR_NULL(strstr(buf, "$tx"));
	free(buf);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"json_fields", test_json_fields},
		{"json_search", test_json_search},
		{"table", test_table},
		{"csv", test_csv},
		{"gnuplot_script", test_gnuplot_script},
	};

	return HP_CUNIT_RUN("probe_report", tests);
}
