/* Unit tests of control/nud: the RFC 4861 reachability states, learning (7.2.5), and the solicitation token bucket. */
#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "nud.h"

static const struct nud_params P = {.reachable_ms = 30000, .delay_ms = 5000, .retrans_ms = 1000, .probes = 3};
#define T0 1000000ull /* the clock is the control thread's, far from 0 */

/* A packet waits: solicited at once, then every retrans_ms, then FAILED and later reclaimable. */
static void
test_incomplete_gives_up(void)
{
	struct nud n = {0};
	uint64_t t = T0;

	CU_ASSERT_TRUE(nud_need(&n, &P, t));
	CU_ASSERT_EQUAL(n.state, NUD_INCOMPLETE);
	nud_sent(&n, t);
	CU_ASSERT_FALSE(nud_need(&n, &P, t + 10)); /* a second packet does not ask again */
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t + 999, false), NUD_DO_NOTHING);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t + 1000, false), NUD_DO_SOLICIT);
	nud_sent(&n, t + 1000);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t + 2000, false), NUD_DO_SOLICIT);
	nud_sent(&n, t + 2000);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t + 2500, false), NUD_DO_NOTHING);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t + 3000, false), NUD_DO_FAIL);
	CU_ASSERT_EQUAL(n.state, NUD_FAILED);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t + 3500, false), NUD_DO_NOTHING);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t + 4000, false), NUD_DO_RECLAIM);
}

/* Re-resolution after FAILED: a new round, but never sooner than retrans_ms after the last solicitation. */
static void
test_failed_resolves_again(void)
{
	struct nud n = {.state = NUD_FAILED, .since_ms = T0, .probed_ms = T0 - 200};

	CU_ASSERT_FALSE(nud_need(&n, &P, T0 + 100));
	CU_ASSERT_EQUAL(n.state, NUD_INCOMPLETE);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, T0 + 700, false), NUD_DO_NOTHING);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, T0 + 800, false), NUD_DO_SOLICIT);
	nud_sent(&n, T0 + 800);
	CU_ASSERT_EQUAL(nud_learn(&n, T0 + 900, false, NUD_F_CONFIRM | NUD_F_OVERRIDE),
			NUD_R_SET_MAC | NUD_R_RELEASE);
	CU_ASSERT_EQUAL(n.state, NUD_REACHABLE);
}

/* A rate-limited entry (nothing sent) still fails after (probes + 1) retransmit intervals. */
static void
test_incomplete_deadline(void)
{
	struct nud n = {0};

	nud_need(&n, &P, T0);
	for (uint64_t t = T0; t < T0 + 4000; t += 100)
		CU_ASSERT_EQUAL(nud_tick(&n, &P, t, false), NUD_DO_SOLICIT);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, T0 + 4000, false), NUD_DO_FAIL);
}

/* REACHABLE -> STALE (keeps its MAC) -> DELAY only when used -> PROBE (unicast) -> REACHABLE on an answer. */
static void
test_stale_delay_probe(void)
{
	struct nud n = {0};
	uint64_t t = T0;

	nud_need(&n, &P, t);
	CU_ASSERT_EQUAL(nud_learn(&n, t, false, NUD_F_CONFIRM | NUD_F_OVERRIDE),
			NUD_R_SET_MAC | NUD_R_RELEASE);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t + 29999, true), NUD_DO_NOTHING);
	CU_ASSERT_EQUAL(n.state, NUD_REACHABLE);
	t += 30000;
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t, true), NUD_DO_NOTHING);
	CU_ASSERT_EQUAL(n.state, NUD_STALE);
	CU_ASSERT_TRUE(nud_has_mac(&n));
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t + 10000, false), NUD_DO_NOTHING); /* unused: no probe */
	CU_ASSERT_EQUAL(n.state, NUD_STALE);
	t += 10000;
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t, true), NUD_DO_NOTHING);
	CU_ASSERT_EQUAL(n.state, NUD_DELAY);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t + 4999, true), NUD_DO_NOTHING);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t + 5000, true), NUD_DO_PROBE);
	CU_ASSERT_EQUAL(n.state, NUD_PROBE);
	CU_ASSERT_TRUE(nud_has_mac(&n)); /* keeps forwarding while probed */
	nud_sent(&n, t + 5000);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t + 5500, true), NUD_DO_NOTHING);
	CU_ASSERT_EQUAL(nud_learn(&n, t + 5600, true, NUD_F_CONFIRM), 0); /* same MAC: nothing to write */
	CU_ASSERT_EQUAL(n.state, NUD_REACHABLE);
}

/* PROBE unanswered: probes unicast probes, then FAILED. */
static void
test_probe_fails(void)
{
	struct nud n = {.state = NUD_DELAY, .since_ms = T0};
	uint64_t t = T0 + 5000;

	for (unsigned i = 0; i < P.probes; i++, t += 1000) {
		CU_ASSERT_EQUAL(nud_tick(&n, &P, t, true), NUD_DO_PROBE);
		nud_sent(&n, t);
	}
	CU_ASSERT_EQUAL(nud_tick(&n, &P, t, true), NUD_DO_FAIL);
	CU_ASSERT_EQUAL(n.state, NUD_FAILED);
	CU_ASSERT_FALSE(nud_has_mac(&n));
}

/* RFC 4861 7.2.5: Override and Solicited. */
static void
test_learn_flags(void)
{
	struct nud n = {.state = NUD_REACHABLE, .since_ms = T0};

	/* a different MAC without O: not taken; REACHABLE becomes STALE */
	CU_ASSERT_EQUAL(nud_learn(&n, T0 + 1, false, NUD_F_CONFIRM), 0);
	CU_ASSERT_EQUAL(n.state, NUD_STALE);
	/* ... and a STALE one stays as it is */
	CU_ASSERT_EQUAL(nud_learn(&n, T0 + 2, false, 0), 0);
	CU_ASSERT_EQUAL(n.state, NUD_STALE);
	/* with O, unsolicited: taken, STALE */
	n.state = NUD_REACHABLE;
	CU_ASSERT_EQUAL(nud_learn(&n, T0 + 3, false, NUD_F_OVERRIDE), NUD_R_SET_MAC);
	CU_ASSERT_EQUAL(n.state, NUD_STALE);
	/* with O and S: taken, REACHABLE */
	CU_ASSERT_EQUAL(nud_learn(&n, T0 + 4, false, NUD_F_OVERRIDE | NUD_F_CONFIRM), NUD_R_SET_MAC);
	CU_ASSERT_EQUAL(n.state, NUD_REACHABLE);
	/* the same MAC unsolicited: no change */
	CU_ASSERT_EQUAL(nud_learn(&n, T0 + 5, true, 0), 0);
	CU_ASSERT_EQUAL(n.state, NUD_REACHABLE);
	/* INCOMPLETE takes any MAC: unsolicited -> STALE */
	n = (struct nud){.state = NUD_INCOMPLETE};
	CU_ASSERT_EQUAL(nud_learn(&n, T0, false, 0), NUD_R_SET_MAC | NUD_R_RELEASE);
	CU_ASSERT_EQUAL(n.state, NUD_STALE);
	/* STATIC never changes */
	n = (struct nud){.state = NUD_STATIC};
	CU_ASSERT_EQUAL(nud_learn(&n, T0, false, NUD_F_OVERRIDE | NUD_F_CONFIRM), 0);
	CU_ASSERT_EQUAL(n.state, NUD_STATIC);
	CU_ASSERT_EQUAL(nud_tick(&n, &P, T0 + 10000000, true), NUD_DO_NOTHING);
	CU_ASSERT_STRING_EQUAL(nud_state_names[NUD_DELAY], "delay");
}

/* The bucket: burst at once, then rate per second, never more. */
static void
test_bucket(void)
{
	struct nud_bucket b;
	unsigned got = 0;

	nud_bucket_init(&b, 10, T0);
	while (nud_bucket_take(&b, 100, 10, T0))
		got++;
	CU_ASSERT_EQUAL(got, 10);
	CU_ASSERT_FALSE(nud_bucket_take(&b, 100, 10, T0 + 9));
	CU_ASSERT_TRUE(nud_bucket_take(&b, 100, 10, T0 + 10));
	/* over 10 s at 100/s with a burst of 10: at most 10 + 1000 tokens */
	got = 0;
	for (uint64_t t = T0 + 10; t <= T0 + 10010; t++)
		while (nud_bucket_take(&b, 100, 10, t))
			got++;
	CU_ASSERT(got <= 1010);
	CU_ASSERT(got >= 999);
	/* a long idle time refills only to the burst */
	got = 0;
	while (nud_bucket_take(&b, 100, 10, T0 + 100000))
		got++;
	CU_ASSERT_EQUAL(got, 10);
	/* a clock that goes back gives nothing */
	CU_ASSERT_FALSE(nud_bucket_take(&b, 100, 10, T0));
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"incomplete gives up", test_incomplete_gives_up},
		{"failed resolves again", test_failed_resolves_again},
		{"incomplete deadline", test_incomplete_deadline},
		{"stale delay probe", test_stale_delay_probe},
		{"probe fails", test_probe_fails},
		{"learn flags", test_learn_flags},
		{"bucket", test_bucket},
	};

	return hp_cunit_run("nud", tests, sizeof(tests) / sizeof(tests[0]));
}
