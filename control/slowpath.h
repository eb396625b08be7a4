/* The slow path's packet logic: ARP, IPv6 ND, ICMP/ICMPv6 echo and errors. No DPDK calls: frames in, frames out. */
#ifndef CTL_SLOWPATH_H
#define CTL_SLOWPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "parse.h"

/* One l3 port as the slow path sees it. */
struct ctl_iface {
	uint8_t mac[6];
	unsigned n_ipv4, n_ipv6;
	const struct hp_prefix *ipv4; /* interface addresses with their prefix length */
	const struct hp_prefix *ipv6;
	uint8_t ll6[16]; /* fe80::/64 + modified EUI-64 of mac: also ours */
	/* NAT: the configuration whose nat: rules give this port more IPv4 addresses to answer ARP
	 * for (an snat pool with out: this port, a dnat dst with in: this port); NULL: none */
	const struct hp_config *nat_cfg;
	unsigned port;
};

/* What the slow path needs from the control thread; all three are required and
 * are called synchronously, from the caller's thread. */
struct ctl_slowpath_ops {
	void *ctx;
	/* A neighbour on port showed its MAC: ARP request or reply sender, NS source
	 * link-layer option, NA target link-layer option. Only senders inside one of
	 * the port's subnets (or IPv6 link-local) are reported, and never: 0/8,
	 * ::, loopback, multicast, broadcast (255.255.255.255 or the all-zeros/ones
	 * host of a /30-or-wider subnet of the port), one of the port's own
	 * addresses, or a multicast or all-zeros MAC. flags: CTL_LEARN_CONFIRM for
	 * an answer to us (ARP reply to our address, NA with S), CTL_LEARN_OVERRIDE
	 * when a different MAC may replace the known one (ARP, NS, NA with O). The
	 * receiver only updates a neighbour it already has (RFC 4861 7.2.5). */
	void (*learn)(void *ctx, unsigned port, const struct hp_addr *ip, const uint8_t mac[6],
		      unsigned flags);
	/* Transmit frame on port; the buffer is the caller's again after return. */
	void (*send)(void *ctx, unsigned port, const uint8_t *frame, size_t len);
	/* Token bucket for generated ICMP (echo replies and errors): true = may send. */
	bool (*allow)(void *ctx);
};

#define CTL_LEARN_CONFIRM 1u  /* = NUD_F_CONFIRM (nud.h) */
#define CTL_LEARN_OVERRIDE 2u /* = NUD_F_OVERRIDE */

enum ctl_verdict {
	CTL_HANDLED = 0, /* answered and/or learned */
	CTL_UNHANDLED,   /* for us but nothing serves it (counted local_unhandled) */
	CTL_NOT_FOR_US,  /* e.g. ARP for an address that is not ours (only learned from) */
	CTL_MALFORMED,   /* ARP/ND/ICMP too short or invalid (counted) */
	CTL_RATELIMITED, /* an answer was due but allow() refused */
};

/*
 * A frame the worker punted because it is ARP, IPv6 ND/multicast we serve, or
 * addressed to one of our IPs. meta is the worker's parse of it. Answers:
 *  - ARP request for one of port's IPv4 addresses -> ARP reply (to the sender's MAC);
 *  - NS for one of port's IPv6 addresses or ll6 (to it or its solicited-node group)
 *    -> NA with flags Solicited|Override (Router too), target LL option, sent to
 *    the NS source (or ff02::1 if the source is ::), hop limit 255;
 *  - ICMP echo request to our IPv4 -> echo reply: IPv4 header with src/dst
 *    swapped, TTL 64, ID 0, no options, DF copied; same ICMP id/seq/data;
 *  - ICMPv6 echo request to our IPv6 -> echo reply, hop limit 64, same id/seq/data.
 * Replies leave on port to the frame's source MAC, from port's MAC, untagged.
 *
 * Details fixed by the implementation (control/slowpath.c):
 *  - every frame built here is at least 60 bytes (zero-padded: not every PMD
 *    pads short frames) and at most 1518; ARP and ND answers skip allow();
 *  - a frame whose Ethernet source is multicast or all-zeros: CTL_MALFORMED;
 *  - ARP (Ethernet/IPv4 only, op request or reply, unicast sender MAC, else
 *    CTL_MALFORMED): the sender is learned (rules at learn) from requests and
 *    replies alike, for us or not, gratuitous included; a request from
 *    0.0.0.0 (RFC 5227 probe) is answered too. Target not ours, or a sender
 *    claiming one of our addresses (no learn, no answer): CTL_NOT_FOR_US.
 *    Otherwise CTL_HANDLED (a reply for us is only learned from);
 *  - ND (RFC 4861 7.1): hop limit 255, code 0, valid ICMPv6 checksum, target
 *    not multicast, source not multicast, options of non-zero length within
 *    the message and link-layer options of 8 bytes, not fragmented (RFC
 *    6980), a :: source only to the solicited-node group and without source
 *    LL option, no S flag on a multicast NA; else CTL_MALFORMED. An NS whose
 *    target is not ours, that was sent to neither the target nor its
 *    solicited-node group, or whose source is one of our addresses:
 *    CTL_NOT_FOR_US, nothing learned. The NA's IPv6 source is the target;
 *    to a :: source (DAD) it goes to ff02::1 / 33:33:00:00:00:01 with S clear
 *    (RFC 4861 7.2.4). A valid NA is CTL_HANDLED, learned from or not;
 *  - echo: TOS / traffic class copies the request's DSCP with ECN cleared
 *    (RFC 1349), IPv6 flow label 0, ICMP code 0, checksum verified on the
 *    request (bad: CTL_MALFORMED) and recomputed. Not answered: pings to an
 *    address not ours (broadcast, multicast: CTL_NOT_FOR_US), fragmented
 *    ones (no reassembly), ones whose reply would exceed 1500 bytes of IP
 *    (CTL_UNHANDLED), ones from a non-unicast source (CTL_MALFORMED);
 *  - anything else to our address (other ICMP types, TCP, UDP): CTL_UNHANDLED.
 * IPv4 header offsets come from the frame's own IHL and total length; IPv6
 * ones from meta->l4_off and meta->key.k6.proto (the parser's extension
 * header walk). Both are checked against len, as is everything read.
 */
enum ctl_verdict ctl_slowpath_local(const struct ctl_slowpath_ops *ops, const struct ctl_iface *ifc,
				    unsigned port, const uint8_t *frame, size_t len,
				    const struct dp_meta *meta);

enum ctl_icmp_error {
	CTL_ERR_TTL,     /* ICMP time exceeded in transit (11/0); ICMPv6 (3/0) */
	CTL_ERR_NOROUTE, /* ICMP destination net unreachable (3/0); ICMPv6 no route (1/0) */
	CTL_ERR_TOO_BIG, /* ICMP fragmentation needed (3/4); ICMPv6 packet too big (2/0): ctl_slowpath_too_big */
};

/*
 * Send an ICMP error about frame (received on port) back to its source MAC on
 * port. Source address: the port's first address of the family (none: not
 * sent, CTL_UNHANDLED). IPv4: TOS 0, ID 0, TTL 64, no DF; the ICMP body holds
 * as much of the offending datagram (from its IP header, as received) as keeps
 * the error datagram within 576 bytes (RFC 1812 4.3.2.3). IPv6: hop limit 64,
 * as much as keeps it within 1280 bytes (RFC 4443 2.4). Never about an ICMP
 * error, a fragment other than the first, or a multicast/broadcast frame or source.
 *
 * Returns CTL_HANDLED (sent), CTL_NOT_FOR_US (no error is due), CTL_UNHANDLED
 * (no source address), CTL_RATELIMITED (allow() refused; asked only when an
 * error is due and can be built), CTL_MALFORMED (not IP, or its header or
 * length does not fit the frame). No error is due about: an Ethernet
 * broadcast/multicast frame (destination bit, or meta DP_META_BCAST/MCAST)
 * or one from a multicast or all-zeros MAC; an IPv4 source or destination in
 * 0/8, 127/8 or 224/3, or the all-zeros/ones host of one of the port's
 * subnets (/30 and wider); an IPv6 source ::, ::1 or multicast, or a
 * multicast destination; a later fragment (IPv4 offset, DP_META_LATER_FRAG);
 * ICMP types 3, 4, 5, 11, 12 and unknown ones above 18 (as Linux), ICMPv6
 * types below 128, or ICMPv6 whose type is not in the frame. The quote ends
 * where the datagram's length field says (Ethernet padding is never quoted);
 * the ICMP header's 4 unused bytes are zero. ICMPv6 codes: 3/0, 1/0.
 */
enum ctl_verdict ctl_slowpath_icmp_error(const struct ctl_slowpath_ops *ops, const struct ctl_iface *ifc,
					 unsigned port, const uint8_t *frame, size_t len,
					 const struct dp_meta *meta, enum ctl_icmp_error kind);

/*
 * The same for a datagram too big for its next hop, whose link takes mtu
 * bytes of IP: ICMP destination unreachable, fragmentation needed and DF set
 * (3/4) with the next-hop MTU in the low 16 bits of the header's second word
 * (RFC 1191 4), or ICMPv6 Packet Too Big (2/0) with the MTU as the second
 * word (RFC 4443 3.2, RFC 8201). Same rules and verdicts as
 * ctl_slowpath_icmp_error (the quote within 576 / 1280 bytes, rate limit,
 * source the receiving port's first address of the family).
 */
enum ctl_verdict ctl_slowpath_too_big(const struct ctl_slowpath_ops *ops, const struct ctl_iface *ifc,
				      unsigned port, const uint8_t *frame, size_t len,
				      const struct dp_meta *meta, unsigned mtu);

/*
 * The IPv4 fragmentation itself, on plain bytes (control/mtu.c does the mbufs): datagram ip
 * (tot bytes, header included) cut for an MTU of mtu bytes. For fragment k,
 * emit(ctx, hdr, hlen, data, n) gets its IP header (hlen bytes: total
 * length, fragment field and checksum set) and its n data bytes; a
 * negative return stops the walk and is returned. Returns the number of
 * fragments, or -EINVAL (header malformed, or an MTU that leaves no 8 data
 * bytes after the header).
 */
int ctl_ipv4_fragment(const uint8_t *ip, size_t tot, unsigned mtu,
		      int (*emit)(void *ctx, const uint8_t *hdr, size_t hlen, const uint8_t *data, size_t n),
		      void *ctx);

/*
 * Build into buf (cap bytes) a solicitation for target from ifc: an ARP
 * request (broadcast, sender = the port's address in target's subnet, else
 * its first) or an NS to target's solicited-node group (33:33:ff:xx:xx:xx,
 * source the port's first global address or ll6, source LL option).
 * Returns the frame length, or -EINVAL (no address of that family) / -ENOSPC.
 *
 * The ARP request is zero-padded to 60 bytes (cap must hold 60); the NS is 86
 * bytes, hop limit 255. "Global" is any entry of ifc->ipv6 outside fe80::/10.
 * A target that is not a unicast address (IPv4 0/8, 127/8, 224/3; IPv6 ::,
 * multicast) or of another family is -EINVAL too. Nothing is written past cap.
 */
int ctl_build_solicit(uint8_t *buf, size_t cap, const struct ctl_iface *ifc, const struct hp_addr *target);

/* The same as a unicast reachability probe (RFC 4861 7.3.3) to mac: ARP with
 * that Ethernet destination, NS to the target address itself. */
int ctl_build_probe(uint8_t *buf, size_t cap, const struct ctl_iface *ifc, const struct hp_addr *target,
		    const uint8_t mac[6]);

/* fe80::/64 with the modified EUI-64 of mac. */
void ctl_link_local(const uint8_t mac[6], uint8_t ll6[16]);

#endif
