/* Unit tests of control/lbhyst: the lb health checker's rise/fall hysteresis and its HTTP status line. */
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "lbhyst.h"

/* Feed results ("+" success, "-" failure) and return the transitions seen, one letter each (u, d). */
static void
feed(struct ctl_lbh_hyst *h, const char *results, unsigned rise, unsigned fall, char *out)
{
	for (; *results; results++)
		if (ctl_lbh_count(h, *results == '+', rise, fall))
			*out++ = h->state == DP_LB_HEALTH_UP ? 'u' : 'd';
	*out = '\0';
}

/* Unknown at first: the first transition needs rise successes or fall failures in a row. */
static void
test_unknown_start(void)
{
	struct ctl_lbh_hyst h = {0};
	char t[64];

	CU_ASSERT_EQUAL(h.state, DP_LB_HEALTH_UNKNOWN);
	feed(&h, "+-+-+-", 2, 3, t);
	CU_ASSERT_STRING_EQUAL(t, ""); /* alternating: never rise nor fall in a row */
	CU_ASSERT_EQUAL(h.state, DP_LB_HEALTH_UNKNOWN);
	feed(&h, "+", 2, 3, t);
	CU_ASSERT_STRING_EQUAL(t, ""); /* after the last "-": one success in a row */
	feed(&h, "+", 2, 3, t);
	CU_ASSERT_STRING_EQUAL(t, "u");
	CU_ASSERT_EQUAL(h.state, DP_LB_HEALTH_UP);

	memset(&h, 0, sizeof(h));
	feed(&h, "--+---", 2, 3, t);
	CU_ASSERT_STRING_EQUAL(t, "d"); /* the success broke the first run of failures */
	CU_ASSERT_EQUAL(h.state, DP_LB_HEALTH_DOWN);
}

/* Up stays up through fewer than fall failures in a row; down stays down through fewer than rise successes. */
static void
test_hysteresis(void)
{
	struct ctl_lbh_hyst h = {0};
	char t[64];

	feed(&h, "++", 2, 3, t);
	CU_ASSERT_STRING_EQUAL(t, "u");
	feed(&h, "--+--+--+", 2, 3, t);
	CU_ASSERT_STRING_EQUAL(t, "");
	CU_ASSERT_EQUAL(h.state, DP_LB_HEALTH_UP);
	feed(&h, "---", 2, 3, t);
	CU_ASSERT_STRING_EQUAL(t, "d");
	feed(&h, "-----+-+-", 2, 3, t);
	CU_ASSERT_STRING_EQUAL(t, ""); /* more failures: no second transition */
	CU_ASSERT_EQUAL(h.state, DP_LB_HEALTH_DOWN);
	feed(&h, "++++", 2, 3, t);
	CU_ASSERT_STRING_EQUAL(t, "u"); /* once, at the second success */
	CU_ASSERT_EQUAL(h.ok, 4);
}

/* rise 1 and fall 1 follow every result; the runs saturate instead of wrapping. */
static void
test_edges(void)
{
	struct ctl_lbh_hyst h = {0};
	char t[64], many[300];

	feed(&h, "+-+--++", 1, 1, t);
	CU_ASSERT_STRING_EQUAL(t, "ududu");
	memset(many, '-', sizeof(many) - 1);
	many[sizeof(many) - 1] = '\0';
	feed(&h, many, 10, 10, t);
	CU_ASSERT_STRING_EQUAL(t, "d");
	CU_ASSERT_EQUAL(h.bad, 255);
	CU_ASSERT_EQUAL(h.ok, 0);
	feed(&h, "+++++++++", 10, 10, t);
	CU_ASSERT_STRING_EQUAL(t, "");
	feed(&h, "+", 10, 10, t);
	CU_ASSERT_STRING_EQUAL(t, "u");
}

static int
status(const char *s, unsigned *code)
{
	return ctl_lbh_http_status(s, strlen(s), code);
}

static void
test_http_status(void)
{
	unsigned code;

	CU_ASSERT_EQUAL(status("HTTP/1.0 200 OK\r\n", &code), 1);
	CU_ASSERT_EQUAL(code, 200);
	CU_ASSERT_EQUAL(status("HTTP/1.1 301", &code), 1);
	CU_ASSERT_EQUAL(code, 301);
	CU_ASSERT_EQUAL(status("HTTP/1.1 399 x", &code), 1);
	CU_ASSERT_EQUAL(status("HTTP/1.0 404 Not Found\r\n", &code), 0);
	CU_ASSERT_EQUAL(code, 404);
	CU_ASSERT_EQUAL(status("HTTP/1.0 503 x", &code), 0);
	CU_ASSERT_EQUAL(status("HTTP/1.0 199 x", &code), 0);
	CU_ASSERT_EQUAL(status("HTTP/1.0 100", &code), 0);
	/* too short to tell yet */
	CU_ASSERT_EQUAL(status("", &code), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.", &code), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.0 20", &code), -1);
	CU_ASSERT_EQUAL(code, 0);
	/* not HTTP, as soon as a byte says so */
	CU_ASSERT_EQUAL(status("SSH-2.0-OpenSSH", &code), 0);
	CU_ASSERT_EQUAL(code, 0);
	CU_ASSERT_EQUAL(status("H", &code), -1);
	CU_ASSERT_EQUAL(status("HTTX", &code), 0);
	CU_ASSERT_EQUAL(status("HTTP/1.0200 OK", &code), 0);
	CU_ASSERT_EQUAL(status("HTTP/1.0 2x0 OK", &code), 0);
	CU_ASSERT_EQUAL(status("HTTP/a.0 200 OK", &code), 0);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"the first transition from unknown", test_unknown_start},
		{"hysteresis: rise and fall in a row", test_hysteresis},
		{"rise/fall 1 and saturation", test_edges},
		{"HTTP status line", test_http_status},
	};

	return hp_cunit_run("lbhealth", tests, sizeof(tests) / sizeof(tests[0]));
}
