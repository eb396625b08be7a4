/*
 * Unit tests of conntrack's state machines (dataplane/ct_tcp.c): every cell of Linux's TCP table,
 * the paths through it (handshake, simultaneous open, closes, resets, reopen, resync, challenge ACK),
 * the flag combinations Linux refuses, UDP and ICMP queries, and ICMP error quotes, good and broken.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "../cunit_run.h"
#include "ct_tcp.h"

#define SYN CT_TCP_SYN
#define ACK CT_TCP_ACK
#define FIN CT_TCP_FIN
#define RST CT_TCP_RST
#define ORIG false
#define REPLY true

static struct ct_result res;

static enum ct_verdict
pkt(struct ct_tcp *c, bool reply, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t paylen)
{
	struct ct_tcp_seg s = {.flags = flags, .seq = seq, .ack = ack, .paylen = paylen};

	return ct_tcp_step(c, reply, &s, &res);
}

static enum ct_verdict
step(struct ct_tcp *c, bool reply, uint8_t flags)
{
	return pkt(c, reply, flags, 1000, 2000, 0);
}

static void
open_conn(struct ct_tcp *c)
{
	struct ct_tcp_seg s = {.flags = SYN, .seq = 100};

	CU_ASSERT_EQUAL_FATAL(ct_tcp_new(c, &s, true, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_NEW);
	CU_ASSERT_EQUAL(c->state, CT_TCP_SYN_SENT);
	CU_ASSERT_EQUAL(pkt(c, REPLY, SYN | ACK, 500, 101, 0), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(c->state, CT_TCP_SYN_RECV);
	CU_ASSERT_EQUAL(res.timeout, CT_TO_TCP_TRANSITORY);
	CU_ASSERT_EQUAL(pkt(c, ORIG, ACK, 101, 501, 0), CT_ACCEPT);
	CU_ASSERT_EQUAL(c->state, CT_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(res.timeout, CT_TO_TCP_ESTABLISHED);
	CU_ASSERT_TRUE(res.refresh);
}

/*
 * Linux's tcp_conntracks, typed again from net/netfilter/nf_conntrack_proto_tcp.c (6.x) as text:
 * rows syn, synack, fin, ack, rst, none; columns sNO sSS sSR sES sFW sCW sLA sTW sCL sS2.
 */
static const char *const linux_table[2][6] = {
	{
		"SS SS IG IG IG IG IG SS SS S2",
		"IV IV SR IV IV IV IV IV IV SR",
		"IV IV FW FW LA LA LA TW CL IV",
		"ES IV ES ES CW CW TW TW CL IV",
		"IV CL CL CL CL CL CL CL CL CL",
		"IV IV IV IV IV IV IV IV IV IV",
	},
	{
		"IV S2 IV IV IV IV IV SS IV S2",
		"IV SR IG IG IG IG IG IG IG SR",
		"IV IV FW FW LA LA LA TW CL IV",
		"IV IG SR ES CW CW TW TW CL IG",
		"IV CL CL CL CL CL CL CL CL CL",
		"IV IV IV IV IV IV IV IV IV IV",
	},
};

static int
state_of(const char *two)
{
	static const char *const abbrev[] = {"NO", "SS", "SR", "ES", "FW", "CW", "LA", "TW", "CL", "S2"};

	for (int i = 0; i < CT_TCP_N_STATES; i++)
		if (strncmp(two, abbrev[i], 2) == 0)
			return i;
	return strncmp(two, "IV", 2) == 0 ? -1 : -2; /* -2: ignore */
}

/* Every cell, from a plain entry (a reply seen, no FIN, no last packet): the table alone decides. */
static void
test_every_cell(void)
{
	static const uint8_t flags[6] = {SYN, SYN | ACK, FIN | ACK, ACK, RST, 0};

	for (int dir = 0; dir < 2; dir++)
		for (int row = 0; row < 6; row++)
			for (int old = 0; old < CT_TCP_N_STATES; old++) {
				struct ct_tcp c = {
					.state = (uint8_t)old, .last_index = 5, .flags = CT_TCPF_SEEN_REPLY};
				int want = state_of(linux_table[dir][row] + 3 * old);
				enum ct_verdict v = step(&c, dir == 1, flags[row]);

				/* a SYN that would reopen without a FIN or RST seen before is only ignored */
				if (want == CT_TCP_SYN_SENT && old >= CT_TCP_TIME_WAIT)
					want = -2;
				if (want == -1) {
					CU_ASSERT_EQUAL(v, CT_INVALID);
					CU_ASSERT_EQUAL(res.ct_state, HP_CT_INVALID);
					CU_ASSERT_EQUAL(res.reason,
							row == 5 ? CT_R_TCP_FLAGS : CT_R_TCP_STATE);
					CU_ASSERT_EQUAL(c.state, old);
				} else if (want == -2) {
					CU_ASSERT_EQUAL(v, CT_IGNORE);
					CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
					CU_ASSERT_FALSE(res.refresh);
					CU_ASSERT_EQUAL(c.state, old);
				} else {
					CU_ASSERT_EQUAL(v, CT_ACCEPT);
					CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
					CU_ASSERT_EQUAL(c.state, want);
					CU_ASSERT_EQUAL(res.timeout, want == CT_TCP_ESTABLISHED
									     ? CT_TO_TCP_ESTABLISHED
									     : CT_TO_TCP_TRANSITORY);
				}
			}
}

static void
test_handshake_and_close_from_client(void)
{
	struct ct_tcp c;

	open_conn(&c);
	CU_ASSERT_TRUE(c.flags & CT_TCPF_ASSURED);
	CU_ASSERT_EQUAL(pkt(&c, REPLY, ACK, 501, 101, 100), CT_ACCEPT); /* data */
	CU_ASSERT_EQUAL(c.state, CT_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(step(&c, ORIG, FIN | ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_FIN_WAIT);
	CU_ASSERT_TRUE(c.flags & CT_TCPF_CLOSE_INIT0);
	CU_ASSERT_EQUAL(res.timeout, CT_TO_TCP_TRANSITORY);
	CU_ASSERT_EQUAL(step(&c, REPLY, ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_CLOSE_WAIT);
	CU_ASSERT_EQUAL(step(&c, REPLY, FIN | ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_LAST_ACK);
	CU_ASSERT_EQUAL(step(&c, REPLY, FIN | ACK), CT_ACCEPT); /* retransmitted FIN */
	CU_ASSERT_EQUAL(c.state, CT_TCP_LAST_ACK);
	CU_ASSERT_EQUAL(step(&c, ORIG, ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(step(&c, ORIG, ACK), CT_ACCEPT); /* retransmitted last ACK */
	CU_ASSERT_EQUAL(c.state, CT_TCP_TIME_WAIT);
	/* RFC 1122 reopen from TIME_WAIT: a new connection from this packet */
	CU_ASSERT_EQUAL(step(&c, ORIG, SYN), CT_REOPEN);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_NEW);
	CU_ASSERT_EQUAL(c.state, CT_TCP_TIME_WAIT);
}

static void
test_close_from_server_and_both(void)
{
	struct ct_tcp c;

	open_conn(&c);
	CU_ASSERT_EQUAL(step(&c, REPLY, FIN | ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_FIN_WAIT);
	CU_ASSERT_TRUE(c.flags & CT_TCPF_CLOSE_INIT1);
	CU_ASSERT_FALSE(c.flags & CT_TCPF_CLOSE_INIT0);
	/* FIN crossing FIN: FIN_WAIT -> LAST_ACK straight away */
	CU_ASSERT_EQUAL(step(&c, ORIG, FIN | ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_LAST_ACK);
	CU_ASSERT_EQUAL(step(&c, REPLY, ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_TIME_WAIT);
	/* the server may reopen too (roles swapped): new connection */
	CU_ASSERT_EQUAL(step(&c, REPLY, SYN), CT_REOPEN);
}

static void
test_simultaneous_open(void)
{
	struct ct_tcp c;
	struct ct_tcp_seg s = {.flags = SYN, .seq = 100};

	CU_ASSERT_EQUAL(ct_tcp_new(&c, &s, false, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(step(&c, REPLY, SYN), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_SYN_SENT2);
	CU_ASSERT_TRUE(c.flags & CT_TCPF_SIMOPEN);
	CU_ASSERT_EQUAL(step(&c, ORIG, SYN), CT_ACCEPT); /* late retransmit */
	CU_ASSERT_EQUAL(c.state, CT_TCP_SYN_SENT2);
	CU_ASSERT_EQUAL(step(&c, ORIG, SYN | ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_SYN_RECV);
	CU_ASSERT_EQUAL(step(&c, ORIG, SYN | ACK), CT_ACCEPT); /* retransmitted */
	CU_ASSERT_EQUAL(c.state, CT_TCP_SYN_RECV);
	/* the reply side's ACK completes a simultaneous open (Linux's special case) */
	CU_ASSERT_EQUAL(step(&c, REPLY, ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
}

static void
test_reply_ack_in_syn_recv_without_simopen(void)
{
	struct ct_tcp c;

	open_conn(&c);
	c.state = CT_TCP_SYN_RECV;
	c.flags &= (uint8_t)~CT_TCPF_SIMOPEN;
	CU_ASSERT_EQUAL(step(&c, REPLY, ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_SYN_RECV);
}

static void
test_rst_every_state(void)
{
	for (int old = CT_TCP_SYN_SENT; old < CT_TCP_N_STATES; old++)
		for (int dir = 0; dir < 2; dir++) {
			struct ct_tcp c = {.state = (uint8_t)old, .flags = CT_TCPF_SEEN_REPLY};

			CU_ASSERT_EQUAL(step(&c, dir, RST | ACK), CT_ACCEPT);
			CU_ASSERT_EQUAL(c.state, CT_TCP_CLOSE);
			CU_ASSERT_EQUAL(res.timeout, CT_TO_TCP_TRANSITORY);
		}
	/* a RST as the first packet opens nothing */
	struct ct_tcp c;
	struct ct_tcp_seg s = {.flags = RST};

	CU_ASSERT_EQUAL(ct_tcp_new(&c, &s, true, &res), CT_INVALID);
	CU_ASSERT_EQUAL(res.reason, CT_R_TCP_NOT_NEW);
}

static void
test_rst_before_reply_deletes(void)
{
	struct ct_tcp c;
	struct ct_tcp_seg s = {.flags = SYN, .seq = 7};

	CU_ASSERT_EQUAL(ct_tcp_new(&c, &s, true, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(step(&c, REPLY, RST | ACK), CT_CLOSE); /* port closed */
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(ct_tcp_new(&c, &s, true, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(step(&c, ORIG, RST), CT_CLOSE); /* the opener gives up */
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_NEW);
}

static void
test_syn_in_established_ignored(void)
{
	struct ct_tcp c;

	open_conn(&c);
	CU_ASSERT_EQUAL(pkt(&c, ORIG, SYN, 9000, 0, 0), CT_IGNORE);
	CU_ASSERT_EQUAL(c.state, CT_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
	CU_ASSERT_FALSE(res.refresh);
	/* the server's SYN/ACK to it (ack = 9001): the ends restarted, we resync to SYN_RECV */
	CU_ASSERT_EQUAL(pkt(&c, REPLY, SYN | ACK, 300, 9001, 0), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_SYN_RECV);
	CU_ASSERT_EQUAL(pkt(&c, ORIG, ACK, 9001, 301, 0), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_ESTABLISHED);

	/* a SYN/ACK that does not answer the ignored SYN is ignored too */
	CU_ASSERT_EQUAL(pkt(&c, ORIG, SYN, 9000, 0, 0), CT_IGNORE);
	CU_ASSERT_EQUAL(pkt(&c, REPLY, SYN | ACK, 300, 1234, 0), CT_IGNORE);
	CU_ASSERT_EQUAL(c.state, CT_TCP_ESTABLISHED);
	/* SYN from the server in ESTABLISHED: invalid */
	CU_ASSERT_EQUAL(step(&c, REPLY, SYN), CT_INVALID);
	CU_ASSERT_EQUAL(res.reason, CT_R_TCP_STATE);
	/* SYN/ACK from the client in ESTABLISHED: invalid (Linux 6.x) */
	CU_ASSERT_EQUAL(step(&c, ORIG, SYN | ACK), CT_INVALID);
	CU_ASSERT_EQUAL(c.state, CT_TCP_ESTABLISHED);
}

static void
test_challenge_ack_in_last_ack(void)
{
	struct ct_tcp c;

	open_conn(&c);
	CU_ASSERT_EQUAL(step(&c, ORIG, FIN | ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(step(&c, REPLY, FIN | ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_LAST_ACK);
	/* a SYN in LAST_ACK is ignored; the server's answer is a challenge ACK, not the last ACK */
	CU_ASSERT_EQUAL(step(&c, ORIG, SYN), CT_IGNORE);
	CU_ASSERT_EQUAL(step(&c, REPLY, ACK), CT_IGNORE);
	CU_ASSERT_EQUAL(c.state, CT_TCP_LAST_ACK);
	/* the real last ACK after that */
	CU_ASSERT_EQUAL(step(&c, ORIG, ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_TIME_WAIT);
}

static void
test_syn_after_rst(void)
{
	struct ct_tcp c;

	/* the side that reset opens again: new connection */
	open_conn(&c);
	CU_ASSERT_EQUAL(step(&c, ORIG, RST), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_CLOSE);
	CU_ASSERT_EQUAL(step(&c, ORIG, SYN), CT_REOPEN);
	/* the other side reset: the client's SYN is only let through */
	open_conn(&c);
	CU_ASSERT_EQUAL(step(&c, REPLY, RST), CT_ACCEPT);
	CU_ASSERT_EQUAL(step(&c, ORIG, SYN), CT_IGNORE);
	CU_ASSERT_EQUAL(c.state, CT_TCP_CLOSE);
	/* in CLOSE the reply side's SYN is invalid */
	CU_ASSERT_EQUAL(step(&c, REPLY, SYN), CT_INVALID);
}

static void
test_new_and_pickup(void)
{
	struct ct_tcp c;
	struct ct_tcp_seg s = {.flags = ACK, .seq = 5, .ack = 9};

	/* loose: a bare ACK picks a connection up, new until the other side answers */
	CU_ASSERT_EQUAL(ct_tcp_new(&c, &s, true, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_NEW);
	CU_ASSERT_EQUAL(step(&c, ORIG, ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_NEW);
	CU_ASSERT_EQUAL(step(&c, REPLY, ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
	CU_ASSERT_FALSE(c.flags & CT_TCPF_ASSURED);
	CU_ASSERT_EQUAL(step(&c, ORIG, ACK), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
	CU_ASSERT_TRUE(c.flags & CT_TCPF_ASSURED);
	/* strict: refused */
	CU_ASSERT_EQUAL(ct_tcp_new(&c, &s, false, &res), CT_INVALID);
	CU_ASSERT_EQUAL(res.reason, CT_R_TCP_NO_PICKUP);
	/* SYN/ACK and FIN open nothing */
	s.flags = SYN | ACK;
	CU_ASSERT_EQUAL(ct_tcp_new(&c, &s, true, &res), CT_INVALID);
	CU_ASSERT_EQUAL(res.reason, CT_R_TCP_NOT_NEW);
	s.flags = FIN | ACK;
	CU_ASSERT_EQUAL(ct_tcp_new(&c, &s, true, &res), CT_INVALID);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_INVALID);
}

static void
test_syn_sent_paths(void)
{
	struct ct_tcp c;
	struct ct_tcp_seg s = {.flags = SYN, .seq = 100};

	CU_ASSERT_EQUAL(ct_tcp_new(&c, &s, true, &res), CT_ACCEPT);
	CU_ASSERT_TRUE(res.refresh);
	/* a retransmitted SYN keeps SYN_SENT but does not prolong it */
	CU_ASSERT_EQUAL(step(&c, ORIG, SYN), CT_ACCEPT);
	CU_ASSERT_EQUAL(c.state, CT_TCP_SYN_SENT);
	CU_ASSERT_FALSE(res.refresh);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_NEW);
	/* ACK or FIN from the client before the SYN/ACK: invalid */
	CU_ASSERT_EQUAL(step(&c, ORIG, ACK), CT_INVALID);
	CU_ASSERT_EQUAL(step(&c, ORIG, FIN | ACK), CT_INVALID);
	CU_ASSERT_EQUAL(step(&c, REPLY, FIN | ACK), CT_INVALID);
	/* a bare ACK from the server: maybe a half-open connection, let through, reply seen */
	CU_ASSERT_EQUAL(step(&c, REPLY, ACK), CT_IGNORE);
	CU_ASSERT_EQUAL(c.state, CT_TCP_SYN_SENT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
	CU_ASSERT_TRUE(c.flags & CT_TCPF_SEEN_REPLY);
	/* the client's SYN is now classed established, as Linux's ctinfo does */
	CU_ASSERT_EQUAL(step(&c, ORIG, SYN), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
}

static void
test_bad_flags(void)
{
	static const uint8_t bad[] = {
		0,         FIN,        SYN | FIN,  SYN | FIN | ACK, SYN | RST,
		RST | FIN, CT_TCP_URG, CT_TCP_PSH, SYN | RST | ACK, FIN | CT_TCP_PSH | CT_TCP_URG};
	static const uint8_t good[] = {SYN,
				       SYN | ACK,
				       ACK,
				       RST,
				       RST | ACK,
				       FIN | ACK,
				       ACK | CT_TCP_PSH,
				       SYN | CT_TCP_ECE | CT_TCP_CWR,
				       ACK | CT_TCP_URG,
				       FIN | ACK | CT_TCP_URG};

	for (size_t i = 0; i < sizeof(bad); i++) {
		struct ct_tcp c;
		struct ct_tcp_seg s = {.flags = bad[i]};

		CU_ASSERT_FALSE(ct_tcp_flags_valid(bad[i]));
		CU_ASSERT_EQUAL(ct_tcp_new(&c, &s, true, &res), CT_INVALID);
		CU_ASSERT_EQUAL(res.reason, CT_R_TCP_FLAGS);
		open_conn(&c);
		CU_ASSERT_EQUAL(step(&c, REPLY, bad[i]), CT_INVALID);
		CU_ASSERT_EQUAL(c.state, CT_TCP_ESTABLISHED);
	}
	for (size_t i = 0; i < sizeof(good); i++)
		CU_ASSERT_TRUE(ct_tcp_flags_valid(good[i]));
	CU_ASSERT_STRING_EQUAL(ct_reason_name(CT_R_TCP_FLAGS), "tcp_flags");
	CU_ASSERT_STRING_EQUAL(ct_tcp_state_name(CT_TCP_SYN_SENT2), "syn_sent2");
	CU_ASSERT_STRING_EQUAL(ct_tcp_state_name(CT_TCP_N_STATES), "?");
}

static void
test_seg_read(void)
{
	uint8_t b[64] = {0x30, 0x39, 0x00, 0x50, 0x01, 0x02, 0x03,
			 0x04, 0xa0, 0xb0, 0xc0, 0xd0, 0x50, SYN | ACK};
	struct ct_tcp_seg s;

	CU_ASSERT_EQUAL(ct_tcp_seg_read(b, 20, &s), CT_R_NONE);
	CU_ASSERT_EQUAL(s.seq, 0x01020304u);
	CU_ASSERT_EQUAL(s.ack, 0xa0b0c0d0u);
	CU_ASSERT_EQUAL(s.flags, SYN | ACK);
	CU_ASSERT_EQUAL(s.paylen, 0);
	CU_ASSERT_EQUAL(ct_tcp_seg_read(b, 64, &s), CT_R_NONE);
	CU_ASSERT_EQUAL(s.paylen, 44);
	CU_ASSERT_EQUAL(ct_tcp_seg_read(b, 19, &s), CT_R_TCP_HEADER);
	b[12] = 0x40; /* 16-byte header */
	CU_ASSERT_EQUAL(ct_tcp_seg_read(b, 64, &s), CT_R_TCP_HEADER);
	b[12] = 0xf0; /* 60 bytes: options */
	CU_ASSERT_EQUAL(ct_tcp_seg_read(b, 60, &s), CT_R_NONE);
	CU_ASSERT_EQUAL(s.paylen, 0);
	CU_ASSERT_EQUAL(ct_tcp_seg_read(b, 59, &s), CT_R_TCP_HEADER);
	CU_ASSERT_STRING_EQUAL(ct_reason_name(CT_R_TCP_HEADER), "tcp_header");
}

static void
test_udp(void)
{
	struct ct_udp u;

	CU_ASSERT_EQUAL(ct_udp_new(&u, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_NEW);
	CU_ASSERT_EQUAL(res.timeout, CT_TO_UDP);
	CU_ASSERT_EQUAL(ct_udp_step(&u, ORIG, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_NEW);
	CU_ASSERT_EQUAL(ct_udp_step(&u, REPLY, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
	CU_ASSERT_FALSE(u.flags & CT_TCPF_ASSURED);
	CU_ASSERT_EQUAL(ct_udp_step(&u, ORIG, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
	CU_ASSERT_TRUE(u.flags & CT_TCPF_ASSURED);
}

static void
test_icmp(void)
{
	struct ct_icmp c;

	CU_ASSERT_EQUAL(ct_icmp_new(&c, 8, false, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_NEW);
	CU_ASSERT_EQUAL(res.timeout, CT_TO_ICMP);
	CU_ASSERT_EQUAL(ct_icmp_step(&c, ORIG, 8, false, &res), CT_ACCEPT); /* next ping, same id */
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_NEW);
	CU_ASSERT_EQUAL(ct_icmp_step(&c, REPLY, 8, false, &res),
			CT_INVALID); /* request from the wrong side */
	CU_ASSERT_EQUAL(res.reason, CT_R_ICMP_TYPE);
	CU_ASSERT_EQUAL(ct_icmp_step(&c, REPLY, 0, false, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(ct_icmp_step(&c, ORIG, 8, false, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(ct_icmp_step(&c, ORIG, 0, false, &res), CT_INVALID);
	/* a reply without a request, and a type that opens nothing */
	CU_ASSERT_EQUAL(ct_icmp_new(&c, 0, false, &res), CT_INVALID);
	CU_ASSERT_EQUAL(res.reason, CT_R_ICMP_NO_REQUEST);
	CU_ASSERT_EQUAL(res.ct_state, HP_CT_INVALID);
	CU_ASSERT_EQUAL(ct_icmp_new(&c, 9, false, &res), CT_INVALID); /* router advertisement */
	CU_ASSERT_EQUAL(res.reason, CT_R_ICMP_NOT_NEW);
	CU_ASSERT_EQUAL(ct_icmp_new(&c, 13, false, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(ct_icmp_step(&c, REPLY, 14, false, &res), CT_ACCEPT);
	/* ICMPv6 */
	CU_ASSERT_EQUAL(ct_icmp_new(&c, 128, true, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(ct_icmp_step(&c, REPLY, 129, true, &res), CT_ACCEPT);
	CU_ASSERT_EQUAL(ct_icmp_new(&c, 129, true, &res), CT_INVALID);
	CU_ASSERT_EQUAL(res.reason, CT_R_ICMP_NO_REQUEST);
	CU_ASSERT_EQUAL(ct_icmp_new(&c, 8, true, &res), CT_INVALID);   /* v4's echo number in v6 */
	CU_ASSERT_EQUAL(ct_icmp_new(&c, 135, true, &res), CT_INVALID); /* neighbour solicitation */
}

/* Random packets on random entries: invariants of every verdict (fixed seed: reproducible). */
static void
test_random_walk(void)
{
	uint32_t x = 2463534242u;
	struct ct_tcp c;
	struct ct_tcp_seg s0 = {.flags = SYN};

	CU_ASSERT_EQUAL(ct_tcp_new(&c, &s0, true, &res), CT_ACCEPT);
	for (int i = 0; i < 200000; i++) {
		struct ct_tcp before;
		bool reply;
		uint8_t flags;
		enum ct_verdict v;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		reply = x & 1;
		flags = (uint8_t)(x >> 8);
		before = c;
		v = pkt(&c, reply, flags, x >> 3, x >> 5, (x >> 20) & 0xff);
		CU_ASSERT_TRUE_FATAL(c.state < CT_TCP_N_STATES);
		CU_ASSERT_TRUE_FATAL(v <= CT_INVALID);
		CU_ASSERT_EQUAL_FATAL(res.verdict, v);
		if (v == CT_INVALID) {
			CU_ASSERT_EQUAL_FATAL(memcmp(&before, &c, sizeof(c)), 0);
			CU_ASSERT_EQUAL_FATAL(res.ct_state, HP_CT_INVALID);
			CU_ASSERT_NOT_EQUAL_FATAL(res.reason, CT_R_NONE);
		} else {
			CU_ASSERT_EQUAL_FATAL(res.reason, CT_R_NONE);
			CU_ASSERT_TRUE_FATAL(res.ct_state == HP_CT_NEW || res.ct_state == HP_CT_ESTABLISHED);
			CU_ASSERT_FALSE_FATAL(reply && res.ct_state == HP_CT_NEW && v != CT_REOPEN);
			CU_ASSERT_TRUE_FATAL(ct_tcp_flags_valid(flags));
		}
		if (v == CT_IGNORE || v == CT_REOPEN)
			CU_ASSERT_EQUAL_FATAL(c.state, before.state);
		CU_ASSERT_EQUAL_FATAL(res.timeout, c.state == CT_TCP_ESTABLISHED ? CT_TO_TCP_ESTABLISHED
										 : CT_TO_TCP_TRANSITORY);
		/* what the stage would do: start over on close and reopen, sometimes at random */
		if (v == CT_CLOSE || v == CT_REOPEN || (x >> 28) == 0) {
			s0.flags = (x & 2) ? SYN : ACK;
			CU_ASSERT_EQUAL_FATAL(ct_tcp_new(&c, &s0, true, &res), CT_ACCEPT);
		}
	}
}

/* ---- ICMP error quotes ---- */

static size_t
icmp4_error(uint8_t *b, uint8_t type, uint8_t proto, uint16_t frag, size_t l4len)
{
	size_t n = 0;

	memset(b, 0, 128);
	b[n] = type;
	n += 8;
	b[n] = 0x45;
	b[n + 6] = (uint8_t)(frag >> 8);
	b[n + 7] = (uint8_t)frag;
	b[n + 8] = 1;
	b[n + 9] = proto;
	memcpy(b + n + 12, (uint8_t[]){10, 0, 0, 1}, 4);
	memcpy(b + n + 16, (uint8_t[]){192, 0, 2, 9}, 4);
	n += 20;
	b[n] = 0x30; /* sport 0x3039 = 12345 */
	b[n + 1] = 0x39;
	b[n + 2] = 0x00; /* dport 80 */
	b[n + 3] = 80;
	return n + l4len;
}

static void
test_quote_v4(void)
{
	uint8_t b[128];
	struct ct_tuple t;
	size_t n = icmp4_error(b, 3, 6, 0, 8);

	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_OK);
	CU_ASSERT_EQUAL(t.proto, 6);
	CU_ASSERT_EQUAL(t.sport, 12345);
	CU_ASSERT_EQUAL(t.dport, 80);
	CU_ASSERT_EQUAL(memcmp(t.src, (uint8_t[]){10, 0, 0, 1}, 4), 0);
	CU_ASSERT_EQUAL(memcmp(t.dst, (uint8_t[]){192, 0, 2, 9}, 4), 0);
	CU_ASSERT_FALSE(t.v6);
	/* every truncation fails with the right reason */
	for (size_t len = 0; len < n; len++) {
		enum ct_quote_reason q = ct_icmp_quote(b, len, false, &t);

		CU_ASSERT_EQUAL(q, len < 8    ? CT_Q_TRUNC_ICMP
				   : len < 28 ? CT_Q_TRUNC_INNER_IP
					      : CT_Q_TRUNC_INNER_L4);
	}
	/* time exceeded, UDP; a first fragment (MF) still has its ports */
	n = icmp4_error(b, 11, 17, 0x2000, 8);
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_OK);
	CU_ASSERT_EQUAL(t.proto, 17);
	n = icmp4_error(b, 11, 17, 0x2000 | 185, 8);
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_INNER_FRAGMENT);
	/* not an error */
	n = icmp4_error(b, 8, 6, 0, 8);
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_NOT_ERROR);
	n = icmp4_error(b, 0, 6, 0, 8);
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_NOT_ERROR);
	/* other inner protocols */
	n = icmp4_error(b, 3, 47, 0, 8); /* GRE */
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_INNER_PROTO);
	n = icmp4_error(b, 3, 58, 0, 8); /* ICMPv6 inside IPv4 */
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_INNER_PROTO);
	/* bad inner header */
	n = icmp4_error(b, 3, 6, 0, 8);
	b[8] = 0x44;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_INNER_IHL);
	b[8] = 0x65;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_INNER_VERSION);
	b[8] = 0x4f; /* 60-byte header: not all there */
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_TRUNC_INNER_IP);
	b[8] = 0x46; /* 24-byte header, options quoted: the ports move */
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_TRUNC_INNER_L4);
	b[32] = 0x1f; /* the port after the 4 option bytes: 8080 */
	b[33] = 0x90;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n + 4, false, &t), CT_Q_OK);
	CU_ASSERT_EQUAL(t.sport, 8080);
	/* an inner echo request: its identifier; an inner error: refused */
	n = icmp4_error(b, 3, 1, 0, 8);
	b[28] = 8;
	b[32] = 0x12;
	b[33] = 0x34;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_OK);
	CU_ASSERT_EQUAL(t.proto, 1);
	CU_ASSERT_EQUAL(t.sport, 0x1234);
	CU_ASSERT_EQUAL(t.icmp_type, 8);
	b[28] = 3;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n, false, &t), CT_Q_INNER_ICMP_ERROR);
	CU_ASSERT_STRING_EQUAL(ct_quote_reason_name(CT_Q_INNER_ICMP_ERROR), "quoted ICMP is not a query");
}

static size_t
icmp6_error(uint8_t *b, uint8_t type, uint8_t nh)
{
	memset(b, 0, 256);
	b[0] = type;
	b[8] = 0x60;
	b[8 + 6] = nh;
	b[8 + 8] = 0x20;
	b[8 + 9] = 0x01;
	b[8 + 23] = 1;
	b[8 + 24] = 0x20;
	b[8 + 25] = 0x01;
	b[8 + 39] = 2;
	return 48;
}

static void
test_quote_v6(void)
{
	uint8_t b[256];
	struct ct_tuple t;
	size_t n = icmp6_error(b, 1, 17);

	b[n] = 0x04; /* sport 1234 */
	b[n + 1] = 0xd2;
	b[n + 3] = 53;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n + 8, true, &t), CT_Q_OK);
	CU_ASSERT_TRUE(t.v6);
	CU_ASSERT_EQUAL(t.proto, 17);
	CU_ASSERT_EQUAL(t.sport, 1234);
	CU_ASSERT_EQUAL(t.dport, 53);
	CU_ASSERT_EQUAL(t.src[15], 1);
	CU_ASSERT_EQUAL(t.dst[15], 2);
	for (size_t len = 0; len < n + 8; len++) {
		enum ct_quote_reason q = ct_icmp_quote(b, len, true, &t);

		CU_ASSERT_EQUAL(q, len < 8    ? CT_Q_TRUNC_ICMP
				   : len < 48 ? CT_Q_TRUNC_INNER_IP
					      : CT_Q_TRUNC_INNER_L4);
	}
	/* v4's error numbers are not v6's: 3 is time exceeded in v6, 11 nothing */
	b[0] = 3;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n + 8, true, &t), CT_Q_OK);
	b[0] = 11;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n + 8, true, &t), CT_Q_NOT_ERROR);
	b[0] = 128;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n + 8, true, &t), CT_Q_NOT_ERROR);
	b[0] = 2; /* packet too big */
	b[8] = 0x45;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n + 8, true, &t), CT_Q_INNER_VERSION);

	/* hop-by-hop (8 bytes) then a first fragment then TCP */
	n = icmp6_error(b, 1, 0);
	b[48] = 44; /* next: fragment */
	b[49] = 0;
	b[56] = 6; /* fragment header's next: TCP */
	b[58] = 0x00;
	b[59] = 0x01; /* offset 0, M=1 */
	b[64] = 0x01;
	b[65] = 0xbb; /* sport 443 */
	CU_ASSERT_EQUAL(ct_icmp_quote(b, 72, true, &t), CT_Q_OK);
	CU_ASSERT_EQUAL(t.proto, 6);
	CU_ASSERT_EQUAL(t.sport, 443);
	CU_ASSERT_EQUAL(ct_icmp_quote(b, 71, true, &t), CT_Q_TRUNC_INNER_L4);
	CU_ASSERT_EQUAL(ct_icmp_quote(b, 60, true, &t), CT_Q_INNER_EXT);
	CU_ASSERT_EQUAL(ct_icmp_quote(b, 52, true, &t), CT_Q_INNER_EXT);
	b[58] = 0x01; /* offset 32: a later fragment */
	CU_ASSERT_EQUAL(ct_icmp_quote(b, 72, true, &t), CT_Q_INNER_FRAGMENT);
	/* a hop-by-hop header claiming more than was quoted */
	n = icmp6_error(b, 1, 0);
	b[48] = 6;
	b[49] = 10;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, 100, true, &t), CT_Q_INNER_EXT);
	/* ESP, then an unknown protocol, then ICMP (v4's number) inside v6 */
	n = icmp6_error(b, 1, 50);
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n + 8, true, &t), CT_Q_INNER_EXT);
	n = icmp6_error(b, 1, 132); /* SCTP */
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n + 8, true, &t), CT_Q_INNER_PROTO);
	n = icmp6_error(b, 1, 1);
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n + 8, true, &t), CT_Q_INNER_PROTO);
	/* inner echo request (v6) */
	n = icmp6_error(b, 1, 58);
	b[n] = 128;
	b[n + 4] = 0xab;
	b[n + 5] = 0xcd;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n + 8, true, &t), CT_Q_OK);
	CU_ASSERT_EQUAL(t.sport, 0xabcd);
	b[n] = 1;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, n + 8, true, &t), CT_Q_INNER_ICMP_ERROR);
	/* many empty destination-option headers: walked to the end, bounded by the length */
	n = icmp6_error(b, 1, 60);
	for (size_t off = 48; off < 240; off += 8)
		b[off] = 60;
	CU_ASSERT_EQUAL(ct_icmp_quote(b, 256, true, &t), CT_Q_INNER_EXT);
}

/*
 * Random bytes of every length, each in a buffer of exactly that size (the sanitizer build catches
 * any read past it), with the outer type and inner version often right so the walk goes deep.
 */
static void
test_quote_random(void)
{
	uint32_t x = 88172645u;

	for (int i = 0; i < 100000; i++) {
		size_t len;
		uint8_t *b;
		bool v6;
		struct ct_tuple t;
		enum ct_quote_reason q;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		len = x % 140;
		v6 = x & 0x100;
		b = malloc(len ? len : 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		for (size_t k = 0; k < len; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			b[k] = (uint8_t)x;
			if ((x & 0x300) && k + 1 < len && b[k] < 0x40) /* small next-header / type values */
				b[k] &= 0x3f;
		}
		if (len > 0 && (x & 0x400))
			b[0] = v6 ? 1 : 3;
		if (len > 8 && (x & 0x800))
			b[8] = (uint8_t)((v6 ? 0x60 : 0x40) | (b[8] & 0x0f));
		if (len > 14 && v6 && (x & 0x1000))
			b[14] = (uint8_t[]){0, 43, 44, 51, 60, 6, 17, 58}[(x >> 13) & 7];
		q = ct_icmp_quote(b, len, v6, &t);
		CU_ASSERT_TRUE_FATAL(q < CT_Q_N);
		if (q == CT_Q_OK) {
			CU_ASSERT_TRUE_FATAL(t.proto == 6 || t.proto == 17 || t.proto == (v6 ? 58 : 1));
			CU_ASSERT_TRUE_FATAL(len >= (v6 ? 56u : 36u));
		}
		free(b);
	}
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"every cell of Linux's table", test_every_cell},
		{"handshake, close from the client, reopen", test_handshake_and_close_from_client},
		{"close from the server, FINs crossing", test_close_from_server_and_both},
		{"simultaneous open", test_simultaneous_open},
		{"reply ACK in SYN_RECV without simultaneous open",
		 test_reply_ack_in_syn_recv_without_simopen},
		{"RST in every state", test_rst_every_state},
		{"RST before any reply deletes", test_rst_before_reply_deletes},
		{"SYN in ESTABLISHED ignored, SYN/ACK resync", test_syn_in_established_ignored},
		{"RFC 5961 challenge ACK in LAST_ACK", test_challenge_ack_in_last_ack},
		{"SYN after RST", test_syn_after_rst},
		{"first packet, mid-stream pickup", test_new_and_pickup},
		{"SYN_SENT: retransmit, invalid, half-open", test_syn_sent_paths},
		{"flag combinations", test_bad_flags},
		{"random packets keep the invariants", test_random_walk},
		{"reading a TCP header", test_seg_read},
		{"UDP", test_udp},
		{"ICMP queries", test_icmp},
		{"ICMP error quotes, IPv4", test_quote_v4},
		{"ICMPv6 error quotes", test_quote_v6},
		{"ICMP error quotes of random bytes", test_quote_random},
	};

	return HP_CUNIT_RUN("ct_tcp", tests);
}
