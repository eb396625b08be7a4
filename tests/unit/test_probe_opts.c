/* Unit tests of hp-probe's command line: defaults, rates with suffixes, ranges, and errors that name the argument. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "opts.h"

static struct probe_opts O;
static char err[256];

/* Parse "hp-probe" + the NULL-terminated arguments. */
static int
parse(const char *first, ...)
{
	char *argv[64] = {(char *)"hp-probe"};
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 63; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	probe_opts_default(&O);
	err[0] = '\0';
	return probe_opts_parse(argc, argv, &O, err, sizeof(err));
}

static void
test_defaults(void)
{
	CU_ASSERT_EQUAL(parse(NULL), 0);
	CU_ASSERT_EQUAL(O.tx_port, PROBE_NO_PORT);
	CU_ASSERT_EQUAL(O.rx_port, PROBE_NO_PORT);
	CU_ASSERT_EQUAL(O.rate, 10000);
	CU_ASSERT_EQUAL(O.dist, PROBE_DIST_CONST);
	CU_ASSERT_EQUAL(O.flows, 1);
	CU_ASSERT(!O.size.imix && O.size.fixed == 64);
	CU_ASSERT_EQUAL(O.src_ip, 0x0a000002);
	CU_ASSERT_EQUAL(O.dport, 9);
	CU_ASSERT(!O.json && !O.search && !O.calibrate && !O.src_mac_set);
	CU_ASSERT_PTR_NULL(O.csv);
	CU_ASSERT_STRING_EQUAL(O.label, "hp-probe");
}

static void
test_rates(void)
{
	static const struct {
		const char *s;
		double v;
	} ok[] = {{"100000", 1e5}, {"1.5M", 1.5e6}, {"200k", 2e5}, {"200K", 2e5},   {"2.5G", 2.5e9},
		  {"1e6", 1e6},    {"0.5", 0.5},    {"10G", 1e10}, {"0.001", 0.001}};
	static const char *const bad[] = {"",      "abc", "0",   "-5",  "1.5X",   "1.5MM", "k",
					  "1e400", "nan", "inf", "11G", "0.0001", " 5"};
	double v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CU_ASSERT_EQUAL(probe_parse_rate(ok[i].s, &v), 0);
		CU_ASSERT_DOUBLE_EQUAL(v, ok[i].v, ok[i].v * 1e-12);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(probe_parse_rate(bad[i], &v), -EINVAL);
}

static void
test_full_command_line(void)
{
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0x01, 0xab};

	CU_ASSERT_EQUAL_FATAL(parse("--tx-port", "1", "--rx-port", "0", "--rate", "1.5M", "--dist", "poisson",
				    "--duration", "2.5", "--warmup", "0", "--flows", "65536", "--size",
				    "imix", "--src-mac", "02:00:00:00:01:AB", "--dst-mac",
				    "02:00:00:00:01:ab", "--src-ip", "192.0.2.1", "--dst-ip", "198.51.100.7",
				    "--sport", "0", "--dport", "65535", "-j", "--csv", "h.csv", "--plot",
				    "p.png", "--label", "run 1", "--seed", "99", "--drain", "1", NULL),
			      0);
	CU_ASSERT(O.tx_port == 1 && O.rx_port == 0);
	CU_ASSERT_EQUAL(O.rate, 1.5e6);
	CU_ASSERT_EQUAL(O.dist, PROBE_DIST_POISSON);
	CU_ASSERT(O.duration == 2.5 && O.warmup == 0 && O.drain == 1);
	CU_ASSERT_EQUAL(O.flows, 65536);
	CU_ASSERT(O.size.imix);
	CU_ASSERT(O.src_mac_set && memcmp(O.src_mac, mac, 6) == 0 && memcmp(O.dst_mac, mac, 6) == 0);
	CU_ASSERT_EQUAL(O.src_ip, 0xc0000201);
	CU_ASSERT_EQUAL(O.dst_ip, 0xc6336407);
	CU_ASSERT(O.sport == 0 && O.dport == 65535);
	CU_ASSERT(O.json);
	CU_ASSERT_STRING_EQUAL(O.csv, "h.csv");
	CU_ASSERT_STRING_EQUAL(O.plot, "p.png");
	CU_ASSERT_STRING_EQUAL(O.label, "run 1");
	CU_ASSERT_EQUAL(O.seed, 99);
}

static void
test_search_defaults(void)
{
	CU_ASSERT_EQUAL(parse("--search", "--rate", "1M", NULL), 0);
	CU_ASSERT(O.search);
	CU_ASSERT_DOUBLE_EQUAL(O.rate_min, 1000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(O.precision, 10000, 1e-9);
	CU_ASSERT_EQUAL(O.loss_pct, 0);
	CU_ASSERT_EQUAL(parse("--search", "--rate", "1M", "--rate-min", "10k", "--precision", "500", "--loss",
			      "0.1", NULL),
			0);
	CU_ASSERT(O.rate_min == 1e4 && O.precision == 500 && O.loss_pct == 0.1);
	CU_ASSERT_EQUAL(parse("--search", "--rate", "1k", "--rate-min", "2k", NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--rate-min"));
}

/* Each bad argument is refused with a message naming the option and the value. */
static void
test_errors_name_the_argument(void)
{
	static const struct {
		const char *opt, *val, *want;
	} cases[] = {
		{"--rate", "fast", "--rate: 'fast'"},
		{"--rate-min", "0", "--rate-min: '0'"},
		{"--tx-port", "-1", "--tx-port: '-1'"},
		{"--rx-port", "65535", "--rx-port: '65535'"},
		{"--dist", "uniform", "--dist: 'uniform'"},
		{"--duration", "0", "--duration: '0'"},
		{"--warmup", "-1", "--warmup: '-1'"},
		{"--flows", "0", "--flows: '0'"},
		{"--flows", "65537", "--flows: '65537'"},
		{"--size", "63", "--size: '63'"},
		{"--size", "1519", "--size: '1519'"},
		{"--size", "IMIX", "--size: 'IMIX'"},
		{"--src-mac", "02:00:00:00:00", "--src-mac: '02:00:00:00:00'"},
		{"--dst-mac", "02:00:00:00:00:0g", "--dst-mac: '02:00:00:00:00:0g'"},
		{"--src-ip", "10.0.0.256", "--src-ip: '10.0.0.256'"},
		{"--dst-ip", "::1", "--dst-ip: '::1'"},
		{"--dport", "65536", "--dport: '65536'"},
		{"--sport", "1x", "--sport: '1x'"},
		{"--loss", "101", "--loss: '101'"},
		{"--seed", "-3", "--seed: '-3'"},
		{"--label", "", "--label: empty"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(parse(cases[i].opt, cases[i].val, NULL), -EINVAL);
		if (strstr(err, cases[i].want) == NULL)
			CU_FAIL(cases[i].want);
	}
	CU_ASSERT_EQUAL(parse("--bogus", NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'--bogus'"));
	CU_ASSERT_EQUAL(parse("-x", NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'-x'"));
	CU_ASSERT_EQUAL(parse("--rate", NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'--rate' needs an argument"));
	CU_ASSERT_EQUAL(parse("--rate", "1k", "extra", NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'extra'"));
	/* EAL arguments without the -- are not probe options */
	CU_ASSERT_EQUAL(parse("-l", "0", NULL), -EINVAL);
	CU_ASSERT_EQUAL(parse("--help", NULL), 1);
	CU_ASSERT_EQUAL(parse("-h", NULL), 1);
}

static void
test_mac(void)
{
	uint8_t m[6];

	CU_ASSERT_EQUAL(probe_parse_mac("aa:BB:0c:dd:ee:ff", m), 0);
	CU_ASSERT(m[0] == 0xaa && m[1] == 0xbb && m[2] == 0x0c && m[5] == 0xff);
	CU_ASSERT_EQUAL(probe_parse_mac("aa:bb:cc:dd:ee:ff:", m), -EINVAL);
	CU_ASSERT_EQUAL(probe_parse_mac("aa:bb:cc:dd:ee:f", m), -EINVAL);
	CU_ASSERT_EQUAL(probe_parse_mac("aa-bb-cc-dd-ee-ff", m), -EINVAL);
	CU_ASSERT_EQUAL(probe_parse_mac("+a:bb:cc:dd:ee:ff", m), -EINVAL);
	CU_ASSERT_EQUAL(probe_parse_mac("a :bb:cc:dd:ee:ff", m), -EINVAL);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"defaults", test_defaults},
		{"rates", test_rates},
		{"full_command_line", test_full_command_line},
		{"search_defaults", test_search_defaults},
		{"errors_name_the_argument", test_errors_name_the_argument},
		{"mac", test_mac},
	};

	return HP_CUNIT_RUN("probe_opts", tests);
}
