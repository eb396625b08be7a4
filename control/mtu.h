/* Packets larger than their egress port's MTU (punt reason mtu): fragmented (IPv4, RFC 791) or answered with ICMP (RFC 1191, RFC 8201). */
#ifndef CTL_MTU_H
#define CTL_MTU_H

#include <stddef.h>
#include <stdint.h>

#include "runtime.h"
#include "slowpath.h"

struct rte_mbuf;

/*
 * A packet the worker punted with DP_PUNT_MTU: its frame is longer than
 * the egress port's MTU (meta->out_port; meta->nh its next hop, or
 * DP_NO_NH for a connected destination) allows. m is consumed.
 *  - A datagram whose length field fits the MTU (the frame only carries
 *    bytes past its end) is cut to that length and forwarded;
 *  - IPv4 with DF set: ICMP fragmentation needed (3/4) with the next-hop
 *    MTU, through ops->allow (the ICMP rate limit); counted too_big;
 *  - IPv4 without DF: cut into fragments of at most MTU bytes (RFC 791:
 *    data in multiples of 8 bytes, MF on all but the last unless the
 *    datagram was itself a non-last fragment, offsets added to its own,
 *    only the options whose copied flag is set repeated after the first,
 *    header checksum computed, TTL as the datagram's), each forwarded as a
 *    routed packet (ctl_neigh_resolve: sent, or held for the next hop);
 *    counted fragmented and fragments;
 *  - IPv6: ICMPv6 Packet Too Big (2/0) with the MTU, rate-limited alike
 *    (routers never fragment IPv6, RFC 8200 5); counted too_big.
 * A frame in more than one segment, or whose header does not fit it, is
 * dropped as malformed; mbufs exhausted count inject_full.
 */
void ctl_mtu_punt(struct dp_runtime *rt, const struct ctl_slowpath_ops *ops, struct rte_mbuf *m);

#endif
