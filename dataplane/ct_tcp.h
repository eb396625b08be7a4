/*
 * Connection tracking's per-protocol state machines (issue 15 groundwork): TCP with the transition
 * table of Linux's nf_conntrack_proto_tcp, UDP, ICMP echo, and the reading of the flow an ICMP error
 * quotes. Pure: no DPDK type, no table, no clock; the caller (the later conntrack stage) owns the
 * entries, their timers and the lookup. See docs/conntrack.md.
 */
#ifndef DP_CT_TCP_H
#define DP_CT_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The ACL `state` match bits (lib/conf.h's names and values: identical redefinitions are allowed). */
#ifndef HP_CT_NEW
#define HP_CT_NEW 1
#define HP_CT_ESTABLISHED 2
#define HP_CT_RELATED 4
#define HP_CT_INVALID 8
#endif

/* TCP flag bits as on the wire (byte 13 of the TCP header). */
#define CT_TCP_FIN 0x01
#define CT_TCP_SYN 0x02
#define CT_TCP_RST 0x04
#define CT_TCP_PSH 0x08
#define CT_TCP_ACK 0x10
#define CT_TCP_URG 0x20
#define CT_TCP_ECE 0x40
#define CT_TCP_CWR 0x80

/* Linux's TCP conntrack states, in Linux's order (the table is indexed by them). */
enum ct_tcp_state {
	CT_TCP_NONE,
	CT_TCP_SYN_SENT,
	CT_TCP_SYN_RECV,
	CT_TCP_ESTABLISHED,
	CT_TCP_FIN_WAIT,
	CT_TCP_CLOSE_WAIT,
	CT_TCP_LAST_ACK,
	CT_TCP_TIME_WAIT,
	CT_TCP_CLOSE,
	CT_TCP_SYN_SENT2,
	CT_TCP_N_STATES,
};

/* What the caller does with the packet and the entry. */
enum ct_verdict {
	CT_ACCEPT,  /* valid; the entry took the new state, refresh its timer if ct_result.refresh */
	CT_IGNORE,  /* passes (Linux's sIG: maybe out of sync), the state did not change, no refresh */
	CT_CLOSE,   /* passes, then delete the entry (RST before any reply: Linux kills it at once) */
	CT_REOPEN,  /* delete the entry and start a new one from this very packet (SYN after close) */
	CT_INVALID, /* out of state or malformed: ct state `invalid`, the entry is untouched */
};

/* The timeout an entry gets after the packet (the config's conntrack.timeouts keys). */
enum ct_timeout {
	CT_TO_TCP_ESTABLISHED,
	CT_TO_TCP_TRANSITORY,
	CT_TO_UDP,
	CT_TO_ICMP,
};

/* Why a packet is invalid (CT_INVALID) for the state machines. */
enum ct_reason {
	CT_R_NONE,
	CT_R_TCP_FLAGS,       /* a flag combination Linux refuses (SYN+FIN, FIN alone, no flag...) */
	CT_R_TCP_NOT_NEW,     /* first packet of a flow that cannot open one (SYN/ACK, FIN, RST) */
	CT_R_TCP_NO_PICKUP,   /* first packet is a bare ACK and mid-stream pickup is off */
	CT_R_TCP_STATE,       /* Linux's sIV: the packet cannot happen in this state */
	CT_R_TCP_HEADER,      /* TCP data offset under 5 words or past the segment (ct_tcp_seg_read) */
	CT_R_ICMP_NOT_NEW,    /* first ICMP packet of a flow is neither an echo request nor like it */
	CT_R_ICMP_NO_REQUEST, /* an echo reply with no tracked request */
	CT_R_ICMP_TYPE,       /* a tracked ICMP flow's packet of the wrong type for its direction */
	/* the stage's own (dataplane/ct_stage.c) */
	CT_R_FRAGMENT,       /* a non-first fragment: no ports to find its connection by */
	CT_R_ICMP_QUOTE,     /* an ICMP error whose quoted packet cannot be read (ct_icmp_quote) */
	CT_R_ICMP_UNTRACKED, /* an ICMP error quoting a flow no connection has */
	CT_R_ICMP_SHORT,     /* an ICMP query shorter than its 8-byte header (no identifier) */
	CT_R_N,
};

/* The parts of a TCP segment the state machine reads (host byte order). */
struct ct_tcp_seg {
	uint8_t flags;   /* byte 13 of the TCP header */
	uint32_t seq;    /* sequence number */
	uint32_t ack;    /* acknowledgment number */
	uint32_t paylen; /* TCP payload bytes */
};

/* One TCP connection's tracking state (8 bytes; the stage stores it in its entry). */
struct ct_tcp {
	uint8_t state;      /* enum ct_tcp_state */
	uint8_t last_index; /* flag class of the last valid or ignored packet (internal) */
	uint8_t last_dir;   /* its direction, 1 = reply */
	uint8_t flags;      /* CT_TCPF_* */
	uint32_t last_end;  /* its seq + payload + SYN + FIN: the ACK a resync SYN/ACK must carry */
};

#define CT_TCPF_CLOSE_INIT0 0x01 /* the original side sent the first FIN */
#define CT_TCPF_CLOSE_INIT1 0x02 /* the reply side sent the first FIN */
#define CT_TCPF_SIMOPEN 0x04     /* simultaneous open seen (SYN_SENT2) */
#define CT_TCPF_CHALLENGE 0x08   /* a SYN ignored in LAST_ACK: the next ACK may be a challenge ACK */
#define CT_TCPF_SEEN_REPLY 0x10  /* a valid packet came from the reply side */
#define CT_TCPF_ASSURED 0x20     /* the handshake completed (Linux's ASSURED: evict last) */

struct ct_result {
	uint8_t verdict;  /* enum ct_verdict */
	uint8_t ct_state; /* HP_CT_NEW, HP_CT_ESTABLISHED or HP_CT_INVALID: what ACL `state` sees */
	uint8_t timeout;  /* enum ct_timeout of the entry's state after the packet */
	uint8_t reason;   /* enum ct_reason; CT_R_NONE unless CT_INVALID */
	bool refresh;     /* restart the entry's timer with `timeout` */
};

/*
 * Reads the fields above from a TCP header at `tcp`, `l4len` bytes of segment (header + payload, as
 * the IP length says) readable. Returns CT_R_NONE, or CT_R_TCP_HEADER when the segment is under 20
 * bytes or its data offset is under 5 words or beyond l4len (Linux's tcp_error refuses both).
 */
enum ct_reason ct_tcp_seg_read(const uint8_t *tcp, size_t l4len, struct ct_tcp_seg *s);

/* Linux's tcp_valid_flags: the combinations of FIN SYN RST ACK URG (PSH ECE CWR ignored) allowed. */
bool ct_tcp_flags_valid(uint8_t flags);

/*
 * The first packet of a flow (original direction, no entry yet). `loose`: a bare ACK picks up a
 * connection already under way (Linux's nf_conntrack_tcp_loose=1, its default) instead of being
 * invalid. On anything but CT_INVALID, *c is the new entry's state and r->ct_state is HP_CT_NEW.
 */
enum ct_verdict ct_tcp_new(struct ct_tcp *c, const struct ct_tcp_seg *s, bool loose, struct ct_result *r);

/* A packet of a tracked connection; reply_dir: it comes from the side that answered the first. */
enum ct_verdict ct_tcp_step(struct ct_tcp *c, bool reply_dir, const struct ct_tcp_seg *s,
			    struct ct_result *r);

const char *ct_tcp_state_name(enum ct_tcp_state s);
const char *ct_reason_name(enum ct_reason r);

/* ---- UDP: new until a reply, established after; assured once traffic follows the reply ---- */

struct ct_udp {
	uint8_t flags; /* CT_TCPF_SEEN_REPLY, CT_TCPF_ASSURED */
};

enum ct_verdict ct_udp_new(struct ct_udp *c, struct ct_result *r);
enum ct_verdict ct_udp_step(struct ct_udp *c, bool reply_dir, struct ct_result *r);

/* ---- ICMP and ICMPv6 queries (echo, and v4 timestamp/info/mask, v6 node information) ---- */

struct ct_icmp {
	uint8_t req_type; /* the request type that opened the flow */
	uint8_t flags;    /* CT_TCPF_SEEN_REPLY */
};

/* The reply type for a request type, or -1 when `type` opens no flow. */
int ct_icmp_reply_type(uint8_t type, bool v6);

/* First packet of an ICMP flow: a request is new; a reply without request and others are invalid. */
enum ct_verdict ct_icmp_new(struct ct_icmp *c, uint8_t type, bool v6, struct ct_result *r);
enum ct_verdict ct_icmp_step(struct ct_icmp *c, bool reply_dir, uint8_t type, bool v6, struct ct_result *r);

/* ---- ICMP errors: the flow they quote ---- */

/* A flow's 5-tuple as the packet carried it (network byte order; IPv4 in the first 4 bytes). */
struct ct_tuple {
	uint8_t v6;
	uint8_t proto; /* 6, 17, 1 or 58 */
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport; /* ICMP: the echo identifier, and dport = 0 */
	uint16_t dport;
	uint8_t icmp_type; /* ICMP quoted: its type (a request or reply); 0 otherwise */
};

enum ct_quote_reason {
	CT_Q_OK,
	CT_Q_TRUNC_ICMP,       /* shorter than the 8-byte ICMP header */
	CT_Q_NOT_ERROR,        /* the ICMP type is not an error that quotes a packet */
	CT_Q_TRUNC_INNER_IP,   /* the quoted IP header does not fit */
	CT_Q_INNER_VERSION,    /* the quoted header's IP version is not the outer one's */
	CT_Q_INNER_IHL,        /* quoted IPv4 header length under 20 bytes */
	CT_Q_INNER_FRAGMENT,   /* the quoted packet is a non-first fragment: no ports */
	CT_Q_INNER_EXT,        /* a quoted IPv6 extension header is truncated or not walkable (ESP) */
	CT_Q_INNER_PROTO,      /* the quoted protocol is not TCP, UDP or ICMP */
	CT_Q_TRUNC_INNER_L4,   /* fewer than 8 bytes of the quoted TCP/UDP/ICMP header */
	CT_Q_INNER_ICMP_ERROR, /* the quoted ICMP packet is not a query (an error about an error) */
	CT_Q_N,
};

/*
 * Reads the flow an ICMP (v6 = false) or ICMPv6 error quotes. `icmp` points at the ICMP header,
 * `len` bytes of it and what follows are readable. On CT_Q_OK *t is the quoted packet's tuple, as
 * that packet travelled (its source is the side the error goes back to).
 */
enum ct_quote_reason ct_icmp_quote(const uint8_t *icmp, size_t len, bool v6, struct ct_tuple *t);
const char *ct_quote_reason_name(enum ct_quote_reason q);

#endif
