/*
 * Connection tracking's state machines: TCP as Linux's nf_conntrack_proto_tcp judges flags and
 * states (without its window tracking, see docs/conntrack.md), UDP, ICMP queries, and the flow an
 * ICMP error quotes. Pure code over plain structs.
 */
#include <string.h>

#include "ct_tcp.h"

_Static_assert(sizeof(struct ct_tcp) == 8, "struct ct_tcp is stored in every TCP entry: keep it 8 bytes");

/* Flag classes, in Linux's order (the second index of the table). */
enum {
	I_SYN,
	I_SYNACK,
	I_FIN,
	I_ACK,
	I_RST,
	I_NONE,
	I_N,
};

/* Table results beyond the states: invalid (sIV) and ignore (sIG). */
#define sNO CT_TCP_NONE
#define sSS CT_TCP_SYN_SENT
#define sSR CT_TCP_SYN_RECV
#define sES CT_TCP_ESTABLISHED
#define sFW CT_TCP_FIN_WAIT
#define sCW CT_TCP_CLOSE_WAIT
#define sLA CT_TCP_LAST_ACK
#define sTW CT_TCP_TIME_WAIT
#define sCL CT_TCP_CLOSE
#define sS2 CT_TCP_SYN_SENT2
#define sIV CT_TCP_N_STATES
#define sIG (CT_TCP_N_STATES + 1)

/*
 * [direction][flag class][old state] -> new state, the semantics of Linux's tcp_conntracks (as of
 * Linux 6.x: a SYN/ACK from the original side is valid only in simultaneous open; a SYN from the
 * reply side reopens a TIME_WAIT connection with the roles swapped).
 */
static const uint8_t tcp_next[2][I_N][CT_TCP_N_STATES] = {
	{
		/* original   sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
		[I_SYN] = {sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2},
		[I_SYNACK] = {sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR},
		[I_FIN] = {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV},
		[I_ACK] = {sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV},
		[I_RST] = {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
		[I_NONE] = {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV},
	},
	{
		/* reply      sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
		[I_SYN] = {sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2},
		[I_SYNACK] = {sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR},
		[I_FIN] = {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV},
		[I_ACK] = {sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG},
		[I_RST] = {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
		[I_NONE] = {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV},
	},
};

static unsigned
flag_index(uint8_t f)
{
	if (f & CT_TCP_RST)
		return I_RST;
	if (f & CT_TCP_SYN)
		return (f & CT_TCP_ACK) ? I_SYNACK : I_SYN;
	if (f & CT_TCP_FIN)
		return I_FIN;
	if (f & CT_TCP_ACK)
		return I_ACK;
	return I_NONE;
}

bool
ct_tcp_flags_valid(uint8_t flags)
{
	switch (flags & (CT_TCP_FIN | CT_TCP_SYN | CT_TCP_RST | CT_TCP_ACK | CT_TCP_URG)) {
	case CT_TCP_SYN:
	case CT_TCP_SYN | CT_TCP_URG:
	case CT_TCP_SYN | CT_TCP_ACK:
	case CT_TCP_RST:
	case CT_TCP_RST | CT_TCP_ACK:
	case CT_TCP_FIN | CT_TCP_ACK:
	case CT_TCP_FIN | CT_TCP_ACK | CT_TCP_URG:
	case CT_TCP_ACK:
	case CT_TCP_ACK | CT_TCP_URG:
		return true;
	default:
		return false;
	}
}

enum ct_reason
ct_tcp_seg_read(const uint8_t *tcp, size_t l4len, struct ct_tcp_seg *s)
{
	size_t hlen;

	memset(s, 0, sizeof(*s));
	if (l4len < 20)
		return CT_R_TCP_HEADER;
	hlen = (size_t)(tcp[12] >> 4) * 4;
	if (hlen < 20 || hlen > l4len)
		return CT_R_TCP_HEADER;
	s->seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
	s->ack = (uint32_t)tcp[8] << 24 | (uint32_t)tcp[9] << 16 | (uint32_t)tcp[10] << 8 | tcp[11];
	s->flags = tcp[13];
	s->paylen = (uint32_t)(l4len - hlen);
	return CT_R_NONE;
}

static uint32_t
seg_end(const struct ct_tcp_seg *s)
{
	return s->seq + s->paylen + !!(s->flags & CT_TCP_SYN) + !!(s->flags & CT_TCP_FIN);
}

static uint8_t
dir_class(uint8_t flags, bool reply_dir)
{
	return reply_dir || (flags & CT_TCPF_SEEN_REPLY) ? HP_CT_ESTABLISHED : HP_CT_NEW;
}

static uint8_t
tcp_timeout(uint8_t state)
{
	return state == CT_TCP_ESTABLISHED ? CT_TO_TCP_ESTABLISHED : CT_TO_TCP_TRANSITORY;
}

static enum ct_verdict
result(struct ct_result *r, enum ct_verdict v, uint8_t ct_state, uint8_t timeout, uint8_t reason,
       bool refresh)
{
	r->verdict = (uint8_t)v;
	r->ct_state = ct_state;
	r->timeout = timeout;
	r->reason = reason;
	r->refresh = refresh;
	return v;
}

static enum ct_verdict
invalid(struct ct_result *r, uint8_t timeout, enum ct_reason why)
{
	return result(r, CT_INVALID, HP_CT_INVALID, timeout, (uint8_t)why, false);
}

/* Passed without a state change; like Linux, a reply passed that way still counts as a reply seen. */
static enum ct_verdict
ignored(struct ct_tcp *c, bool reply_dir, struct ct_result *r)
{
	uint8_t cls = dir_class(c->flags, reply_dir);

	if (reply_dir)
		c->flags |= CT_TCPF_SEEN_REPLY;
	return result(r, CT_IGNORE, cls, tcp_timeout(c->state), CT_R_NONE, false);
}

enum ct_verdict
ct_tcp_step(struct ct_tcp *c, bool reply_dir, const struct ct_tcp_seg *s, struct ct_result *r)
{
	const unsigned dir = reply_dir ? 1 : 0;
	unsigned idx = flag_index(s->flags);
	unsigned old = c->state < CT_TCP_N_STATES ? c->state : CT_TCP_CLOSE;
	unsigned next;
	bool refresh = true;

	if (!ct_tcp_flags_valid(s->flags))
		return invalid(r, tcp_timeout(c->state), CT_R_TCP_FLAGS);
	next = tcp_next[dir][idx][old];

	switch (next) {
	case CT_TCP_SYN_SENT:
		if (old < CT_TCP_TIME_WAIT)
			break;
		/*
		 * A SYN after the close (TIME_WAIT, CLOSE): when one side had closed with a FIN, or the
		 * side that reset is the one opening again, it is a new connection (RFC 1122 allows
		 * reopening from TIME_WAIT). Otherwise Linux lets it through untracked (below).
		 */
		if ((c->flags & (CT_TCPF_CLOSE_INIT0 | CT_TCPF_CLOSE_INIT1)) ||
		    (c->last_dir == dir && c->last_index == I_RST))
			return result(r, CT_REOPEN, HP_CT_NEW, CT_TO_TCP_TRANSITORY, CT_R_NONE, false);
		/* fall through */
	case sIG:
		/*
		 * Maybe we are out of sync while the two ends are not: let it pass, change nothing,
		 * remember it. A SYN/ACK that answers a SYN ignored that way resyncs to SYN_RECV.
		 */
		if (idx == I_SYNACK && c->last_index == I_SYN && c->last_dir != dir &&
		    s->ack == c->last_end) {
			old = CT_TCP_SYN_SENT;
			next = CT_TCP_SYN_RECV;
			break;
		}
		c->last_index = (uint8_t)idx;
		c->last_dir = (uint8_t)dir;
		c->last_end = seg_end(s);
		if (idx == I_SYN && dir == 0) {
			/* RFC 5961: the answer to this SYN in LAST_ACK may be a challenge ACK */
			c->flags &= (uint8_t)~CT_TCPF_CHALLENGE;
			if (old == CT_TCP_LAST_ACK)
				c->flags |= CT_TCPF_CHALLENGE;
		}
		return ignored(c, reply_dir, r);
	case sIV:
		return invalid(r, tcp_timeout(c->state), CT_R_TCP_STATE);
	case CT_TCP_TIME_WAIT:
		/* the ACK that answers a SYN ignored in LAST_ACK is a challenge ACK, not the last ACK */
		if (old == CT_TCP_LAST_ACK && idx == I_ACK && c->last_dir != dir && c->last_index == I_SYN &&
		    (c->flags & CT_TCPF_CHALLENGE)) {
			c->flags &= (uint8_t)~CT_TCPF_CHALLENGE;
			return ignored(c, reply_dir, r);
		}
		break;
	case CT_TCP_SYN_SENT2:
		c->flags |= CT_TCPF_SIMOPEN;
		break;
	case CT_TCP_SYN_RECV:
		/* simultaneous open: the reply side's ACK of the SYN/ACK completes it */
		if (dir == 1 && idx == I_ACK && (c->flags & CT_TCPF_SIMOPEN))
			next = CT_TCP_ESTABLISHED;
		break;
	default:
		break;
	}

	/* valid: Linux checks the window here (tcp_in_window); this module does not */
	c->last_index = (uint8_t)idx;
	c->last_dir = (uint8_t)dir;
	c->last_end = seg_end(s);
	c->state = (uint8_t)next;
	if (old != next && next == CT_TCP_FIN_WAIT)
		c->flags |= dir ? CT_TCPF_CLOSE_INIT1 : CT_TCPF_CLOSE_INIT0;

	if (!(c->flags & CT_TCPF_SEEN_REPLY)) {
		uint8_t cls = dir_class(c->flags, reply_dir);

		/* only a RST came back (or the opener reset): Linux deletes the entry at once */
		if (idx == I_RST)
			return result(r, CT_CLOSE, cls, CT_TO_TCP_TRANSITORY, CT_R_NONE, false);
		/* a retransmitted SYN does not prolong an unanswered entry */
		if (idx == I_SYN && old == CT_TCP_SYN_SENT)
			refresh = false;
		if (dir == 1)
			c->flags |= CT_TCPF_SEEN_REPLY;
		return result(r, CT_ACCEPT, cls, tcp_timeout(next), CT_R_NONE, refresh);
	}
	if (!(c->flags & CT_TCPF_ASSURED) && (old == CT_TCP_SYN_RECV || old == CT_TCP_ESTABLISHED) &&
	    next == CT_TCP_ESTABLISHED)
		c->flags |= CT_TCPF_ASSURED;
	return result(r, CT_ACCEPT, HP_CT_ESTABLISHED, tcp_timeout(next), CT_R_NONE, true);
}

enum ct_verdict
ct_tcp_new(struct ct_tcp *c, const struct ct_tcp_seg *s, bool loose, struct ct_result *r)
{
	unsigned next;

	memset(c, 0, sizeof(*c));
	c->last_index = I_NONE;
	if (!ct_tcp_flags_valid(s->flags))
		return invalid(r, CT_TO_TCP_TRANSITORY, CT_R_TCP_FLAGS);
	next = tcp_next[0][flag_index(s->flags)][CT_TCP_NONE];
	if (next >= CT_TCP_N_STATES)
		return invalid(r, CT_TO_TCP_TRANSITORY, CT_R_TCP_NOT_NEW);
	if (next != CT_TCP_SYN_SENT && !loose)
		return invalid(r, CT_TO_TCP_TRANSITORY, CT_R_TCP_NO_PICKUP);
	return ct_tcp_step(c, false, s, r);
}

const char *
ct_tcp_state_name(enum ct_tcp_state s)
{
	static const char *const names[CT_TCP_N_STATES] = {
		[CT_TCP_NONE] = "none",         [CT_TCP_SYN_SENT] = "syn_sent",
		[CT_TCP_SYN_RECV] = "syn_recv", [CT_TCP_ESTABLISHED] = "established",
		[CT_TCP_FIN_WAIT] = "fin_wait", [CT_TCP_CLOSE_WAIT] = "close_wait",
		[CT_TCP_LAST_ACK] = "last_ack", [CT_TCP_TIME_WAIT] = "time_wait",
		[CT_TCP_CLOSE] = "close",       [CT_TCP_SYN_SENT2] = "syn_sent2",
	};

	return (unsigned)s < CT_TCP_N_STATES ? names[s] : "?";
}

const char *
ct_reason_name(enum ct_reason r)
{
	static const char *const names[CT_R_N] = {
		[CT_R_NONE] = "none",
		[CT_R_TCP_FLAGS] = "tcp_flags",
		[CT_R_TCP_NOT_NEW] = "tcp_not_new",
		[CT_R_TCP_NO_PICKUP] = "tcp_no_pickup",
		[CT_R_TCP_STATE] = "tcp_state",
		[CT_R_TCP_HEADER] = "tcp_header",
		[CT_R_ICMP_NOT_NEW] = "icmp_not_new",
		[CT_R_ICMP_NO_REQUEST] = "icmp_no_request",
		[CT_R_ICMP_TYPE] = "icmp_type",
		[CT_R_FRAGMENT] = "fragment",
		[CT_R_ICMP_QUOTE] = "icmp_quote",
		[CT_R_ICMP_UNTRACKED] = "icmp_untracked",
		[CT_R_ICMP_SHORT] = "icmp_short",
	};

	return (unsigned)r < CT_R_N ? names[r] : "?";
}

/* ---- UDP ---- */

enum ct_verdict
ct_udp_new(struct ct_udp *c, struct ct_result *r)
{
	c->flags = 0;
	return result(r, CT_ACCEPT, HP_CT_NEW, CT_TO_UDP, CT_R_NONE, true);
}

enum ct_verdict
ct_udp_step(struct ct_udp *c, bool reply_dir, struct ct_result *r)
{
	/* Linux: traffic after the first reply makes it a stream (ASSURED) */
	if (c->flags & CT_TCPF_SEEN_REPLY)
		c->flags |= CT_TCPF_ASSURED;
	if (reply_dir)
		c->flags |= CT_TCPF_SEEN_REPLY;
	return result(r, CT_ACCEPT, dir_class(c->flags, reply_dir), CT_TO_UDP, CT_R_NONE, true);
}

/* ---- ICMP queries ---- */

int
ct_icmp_reply_type(uint8_t type, bool v6)
{
	if (v6) {
		switch (type) {
		case 128: /* echo request */
			return 129;
		case 139: /* node information query */
			return 140;
		default:
			return -1;
		}
	}
	switch (type) {
	case 8: /* echo */
		return 0;
	case 13: /* timestamp */
		return 14;
	case 15: /* information request */
		return 16;
	case 17: /* address mask request */
		return 18;
	default:
		return -1;
	}
}

static bool
icmp_is_reply(uint8_t type, bool v6)
{
	if (v6)
		return type == 129 || type == 140;
	return type == 0 || type == 14 || type == 16 || type == 18;
}

enum ct_verdict
ct_icmp_new(struct ct_icmp *c, uint8_t type, bool v6, struct ct_result *r)
{
	memset(c, 0, sizeof(*c));
	if (ct_icmp_reply_type(type, v6) < 0)
		return invalid(r, CT_TO_ICMP,
			       icmp_is_reply(type, v6) ? CT_R_ICMP_NO_REQUEST : CT_R_ICMP_NOT_NEW);
	c->req_type = type;
	return result(r, CT_ACCEPT, HP_CT_NEW, CT_TO_ICMP, CT_R_NONE, true);
}

enum ct_verdict
ct_icmp_step(struct ct_icmp *c, bool reply_dir, uint8_t type, bool v6, struct ct_result *r)
{
	int want = reply_dir ? ct_icmp_reply_type(c->req_type, v6) : c->req_type;

	if (want < 0 || type != (uint8_t)want)
		return invalid(r, CT_TO_ICMP, CT_R_ICMP_TYPE);
	if (reply_dir)
		c->flags |= CT_TCPF_SEEN_REPLY;
	return result(r, CT_ACCEPT, dir_class(c->flags, reply_dir), CT_TO_ICMP, CT_R_NONE, true);
}

/* ---- ICMP errors ---- */

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool
icmp_error_type(uint8_t type, bool v6)
{
	if (v6)
		return type >= 1 && type <= 4; /* unreachable, too big, time exceeded, parameter */
	/* unreachable, source quench, redirect, time exceeded, parameter problem */
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* The quoted transport header at p (len bytes readable) into t. */
static enum ct_quote_reason
quote_l4(const uint8_t *p, size_t len, bool v6, uint8_t proto, struct ct_tuple *t)
{
	t->proto = proto;
	if (proto != 6 && proto != 17 && proto != (v6 ? 58 : 1))
		return CT_Q_INNER_PROTO;
	/* RFC 792 quotes 64 bits of the original datagram: ports, or ICMP type/code/cksum/id */
	if (len < 8)
		return CT_Q_TRUNC_INNER_L4;
	if (proto == 6 || proto == 17) {
		t->sport = rd16(p);
		t->dport = rd16(p + 2);
		return CT_Q_OK;
	}
	if (ct_icmp_reply_type(p[0], v6) < 0 && !icmp_is_reply(p[0], v6))
		return CT_Q_INNER_ICMP_ERROR;
	t->icmp_type = p[0];
	t->sport = rd16(p + 4);
	t->dport = 0;
	return CT_Q_OK;
}

static enum ct_quote_reason
quote_v4(const uint8_t *p, size_t len, struct ct_tuple *t)
{
	size_t ihl;

	if (len < 20)
		return CT_Q_TRUNC_INNER_IP;
	if (p[0] >> 4 != 4)
		return CT_Q_INNER_VERSION;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20)
		return CT_Q_INNER_IHL;
	if (len < ihl)
		return CT_Q_TRUNC_INNER_IP;
	memcpy(t->src, p + 12, 4);
	memcpy(t->dst, p + 16, 4);
	if (rd16(p + 6) & 0x1fff)
		return CT_Q_INNER_FRAGMENT;
	return quote_l4(p + ihl, len - ihl, false, p[9], t);
}

static enum ct_quote_reason
quote_v6(const uint8_t *p, size_t len, struct ct_tuple *t)
{
	size_t off = 40;
	uint8_t nh;

	if (len < 40)
		return CT_Q_TRUNC_INNER_IP;
	if (p[0] >> 4 != 6)
		return CT_Q_INNER_VERSION;
	memcpy(t->src, p + 8, 16);
	memcpy(t->dst, p + 24, 16);
	nh = p[6];
	/* extension headers, as many as fit (each one at least 8 bytes, so this ends) */
	for (;;) {
		size_t hl;

		switch (nh) {
		case 0:  /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			if (len - off < 8)
				return CT_Q_INNER_EXT;
			hl = ((size_t)p[off + 1] + 1) * 8;
			break;
		case 51: /* AH: length in 4-byte units, minus 2 */
			if (len - off < 8)
				return CT_Q_INNER_EXT;
			hl = ((size_t)p[off + 1] + 2) * 4;
			break;
		case 44: /* fragment */
			if (len - off < 8)
				return CT_Q_INNER_EXT;
			if (rd16(p + off + 2) & 0xfff8)
				return CT_Q_INNER_FRAGMENT;
			hl = 8;
			break;
		case 50: /* ESP: nothing after it is readable */
			return CT_Q_INNER_EXT;
		default:
			return quote_l4(p + off, len - off, true, nh, t);
		}
		if (len - off < hl)
			return CT_Q_INNER_EXT;
		nh = p[off];
		off += hl;
	}
}

enum ct_quote_reason
ct_icmp_quote(const uint8_t *icmp, size_t len, bool v6, struct ct_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->v6 = v6;
	if (len < 8)
		return CT_Q_TRUNC_ICMP;
	if (!icmp_error_type(icmp[0], v6))
		return CT_Q_NOT_ERROR;
	return v6 ? quote_v6(icmp + 8, len - 8, t) : quote_v4(icmp + 8, len - 8, t);
}

const char *
ct_quote_reason_name(enum ct_quote_reason q)
{
	static const char *const names[CT_Q_N] = {
		[CT_Q_OK] = "ok",
		[CT_Q_TRUNC_ICMP] = "truncated ICMP header",
		[CT_Q_NOT_ERROR] = "not an ICMP error",
		[CT_Q_TRUNC_INNER_IP] = "quoted IP header truncated",
		[CT_Q_INNER_VERSION] = "quoted IP version differs",
		[CT_Q_INNER_IHL] = "quoted IPv4 header length under 20",
		[CT_Q_INNER_FRAGMENT] = "quoted packet is a non-first fragment",
		[CT_Q_INNER_EXT] = "quoted IPv6 extension header truncated or ESP",
		[CT_Q_INNER_PROTO] = "quoted protocol not TCP, UDP or ICMP",
		[CT_Q_TRUNC_INNER_L4] = "quoted transport header under 8 bytes",
		[CT_Q_INNER_ICMP_ERROR] = "quoted ICMP is not a query",
	};

	return (unsigned)q < CT_Q_N ? names[q] : "?";
}
