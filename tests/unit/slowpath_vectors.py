#!/usr/bin/python3
"""Generate tests/unit/slowpath_vectors.h: request frames and the exact frames
control/slowpath.c must answer with, built with scapy from the rules in
control/slowpath.h (never from slowpath.c).

Run from the repository root:  /usr/bin/python3 tests/unit/slowpath_vectors.py
The output is committed, so building the tests needs no scapy.
"""
import ipaddress
import os
import sys

from scapy.all import (ARP, Dot1Q, Ether, ICMP, ICMPv6DestUnreach, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, ICMPv6TimeExceeded, IP, IPOption_EOL,
                       IPOption_NOP, IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, Raw, UDP,
                       conf)

conf.verb = 0

# The interface the C test hands to the slow path (keep in sync with test_slowpath.c).
OUR_MAC = "02:00:00:00:00:01"
OUR4 = ["10.0.0.1", "192.168.5.1"]                 # /24 each
OUR6 = ["2001:db8::1", "2001:db8:5::1"]            # /64 each
OUR_LL = "fe80::ff:fe00:1"                          # modified EUI-64 of OUR_MAC

PEER_MAC = "02:00:00:00:00:aa"
PEER4 = "10.0.0.2"
PEER6 = "2001:db8::2"
PEER_LL = "fe80::aa"
ROUTER_MAC = "02:00:00:00:00:fe"  # a router in front of remote hosts
REMOTE4 = "198.51.100.7"
REMOTE6 = "2001:db8:ffff::7"
BCAST = "ff:ff:ff:ff:ff:ff"
ZERO_MAC = "00:00:00:00:00:00"

ICMP4_ERR_MAX = 576   # RFC 1812 4.3.2.3
ICMP6_ERR_MAX = 1280  # RFC 4443 2.4 (c)


def pad60(b):
    """Frames shorter than the Ethernet minimum leave zero-padded to 60 bytes."""
    b = bytes(b)
    return b + b"\0" * (60 - len(b)) if len(b) < 60 else b


def sn_group(addr):
    """Solicited-node multicast group and its MAC for a unicast IPv6 address."""
    a = ipaddress.IPv6Address(addr).packed
    grp = ipaddress.IPv6Address(bytes.fromhex("ff02" + "00" * 9 + "01ff") + a[13:])
    mac = "33:33:ff:%02x:%02x:%02x" % (a[13], a[14], a[15])
    return str(grp), mac


def patch(b, off, val):
    b = bytearray(bytes(b))
    b[off] = val
    return bytes(b)


vectors = []   # dicts: name, group, fn, allow, req, verdict, rep, learn, why
solicits = []  # (name, frame)


def vec(name, group, req, verdict, rep=None, learn=None, fn="SP_LOCAL", allow=True, why=""):
    vectors.append(dict(name=name, group=group, fn=fn, allow=allow, req=bytes(req),
                        verdict=verdict, rep=None if rep is None else bytes(rep),
                        learn=learn, why=why))


# ---------------------------------------------------------------- ARP

def arp(op, sha, spa, tha, tpa, dst=BCAST, src=None, vlan=None):
    e = Ether(dst=dst, src=src or sha)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan)
    return pad60(e / ARP(op=op, hwsrc=sha, psrc=spa, hwdst=tha, pdst=tpa))


def arp_reply_to(req_sha, req_spa, our_ip, eth_dst=None):
    return pad60(Ether(dst=eth_dst or req_sha, src=OUR_MAC, type=0x0806) /
                 ARP(op=2, hwsrc=OUR_MAC, psrc=our_ip, hwdst=req_sha, pdst=req_spa))


vec("arp_req_us", "arp", arp(1, PEER_MAC, PEER4, ZERO_MAC, OUR4[0]), "CTL_HANDLED",
    arp_reply_to(PEER_MAC, PEER4, OUR4[0]), learn=(PEER4, PEER_MAC),
    why="who-has 10.0.0.1: reply, learn the sender")
vec("arp_req_us_second_addr", "arp", arp(1, PEER_MAC, "192.168.5.9", ZERO_MAC, OUR4[1]),
    "CTL_HANDLED", arp_reply_to(PEER_MAC, "192.168.5.9", OUR4[1]),
    learn=("192.168.5.9", PEER_MAC), why="reply from the address asked for")
vec("arp_req_us_unicast", "arp", arp(1, PEER_MAC, PEER4, OUR_MAC, OUR4[0], dst=OUR_MAC),
    "CTL_HANDLED", arp_reply_to(PEER_MAC, PEER4, OUR4[0]), learn=(PEER4, PEER_MAC),
    why="unicast refresh (RFC 1122 2.3.2.1)")
vec("arp_req_us_vlan", "arp", arp(1, PEER_MAC, PEER4, ZERO_MAC, OUR4[0], vlan=100),
    "CTL_HANDLED", arp_reply_to(PEER_MAC, PEER4, OUR4[0]), learn=(PEER4, PEER_MAC),
    why="tagged request, untagged reply")
vec("arp_req_eth_src_differs", "arp",
    arp(1, PEER_MAC, PEER4, ZERO_MAC, OUR4[0], src=ROUTER_MAC), "CTL_HANDLED",
    arp_reply_to(PEER_MAC, PEER4, OUR4[0], eth_dst=ROUTER_MAC), learn=(PEER4, PEER_MAC),
    why="reply goes to the frame's source MAC; tha is the sender's hardware address")
vec("arp_req_other", "arp", arp(1, PEER_MAC, PEER4, ZERO_MAC, "10.0.0.3"), "CTL_NOT_FOR_US",
    learn=(PEER4, PEER_MAC), why="not our address: learn only")
vec("arp_reply", "arp", arp(2, PEER_MAC, PEER4, OUR_MAC, OUR4[0], dst=OUR_MAC), "CTL_HANDLED",
    learn=(PEER4, PEER_MAC), why="answer to our request")
vec("arp_garp_request", "arp", arp(1, PEER_MAC, "10.0.0.7", ZERO_MAC, "10.0.0.7"),
    "CTL_NOT_FOR_US", learn=("10.0.0.7", PEER_MAC), why="gratuitous request")
vec("arp_garp_reply", "arp", arp(2, PEER_MAC, "10.0.0.7", BCAST, "10.0.0.7"),
    "CTL_NOT_FOR_US", learn=("10.0.0.7", PEER_MAC), why="gratuitous reply")
vec("arp_req_us_outside", "arp", arp(1, PEER_MAC, REMOTE4, ZERO_MAC, OUR4[0]), "CTL_HANDLED",
    arp_reply_to(PEER_MAC, REMOTE4, OUR4[0]), why="sender outside our subnets: reply, no learn")
vec("arp_garp_outside", "arp", arp(1, PEER_MAC, REMOTE4, ZERO_MAC, REMOTE4), "CTL_NOT_FOR_US",
    why="gratuitous ARP from outside our subnets: nothing")
vec("arp_probe", "arp", arp(1, PEER_MAC, "0.0.0.0", ZERO_MAC, OUR4[0]), "CTL_HANDLED",
    arp_reply_to(PEER_MAC, "0.0.0.0", OUR4[0]), why="RFC 5227 probe of our address: defend, no learn")
vec("arp_conflict", "arp", arp(1, PEER_MAC, OUR4[0], ZERO_MAC, OUR4[0]), "CTL_NOT_FOR_US",
    why="someone announces our address: no learn, no reply")
vec("arp_sender_subnet_bcast", "arp", arp(1, PEER_MAC, "10.0.0.255", ZERO_MAC, "10.0.0.3"),
    "CTL_NOT_FOR_US", why="directed broadcast as sender: no learn")
vec("arp_sender_mcast_ip", "arp", arp(1, PEER_MAC, "224.0.0.1", ZERO_MAC, "10.0.0.3"),
    "CTL_NOT_FOR_US", why="multicast sender address: no learn")
vec("arp_mcast_sha", "arp", arp(1, "01:00:5e:00:00:01", PEER4, ZERO_MAC, OUR4[0], src=PEER_MAC),
    "CTL_MALFORMED", why="multicast sender hardware address")
vec("arp_mcast_eth_src", "arp", arp(1, PEER_MAC, PEER4, ZERO_MAC, OUR4[0], src="01:00:5e:00:00:01"),
    "CTL_MALFORMED", why="multicast Ethernet source: nowhere to answer")
good = arp(1, PEER_MAC, PEER4, ZERO_MAC, OUR4[0])
vec("arp_truncated", "arp", bytes(good)[:14 + 20], "CTL_MALFORMED", why="20 of 28 ARP bytes")
vec("arp_bad_hlen", "arp", patch(good, 14 + 4, 8), "CTL_MALFORMED", why="hardware length 8")
vec("arp_bad_plen", "arp", patch(good, 14 + 5, 16), "CTL_MALFORMED", why="protocol length 16")
vec("arp_bad_ptype", "arp", patch(good, 14 + 2, 0x86), "CTL_MALFORMED", why="protocol 0x86dd-ish")
vec("arp_bad_htype", "arp", patch(good, 14 + 1, 6), "CTL_MALFORMED", why="hardware type 6")
vec("arp_bad_op", "arp", patch(good, 14 + 7, 3), "CTL_MALFORMED", why="RARP request opcode")

# ---------------------------------------------------------------- ND


def ns(src, dst, tgt, slla=None, hlim=255, eth_src=PEER_MAC, eth_dst=None, vlan=None, hbh=False,
       cksum=None):
    grp_mac = sn_group(tgt)[1]
    e = Ether(dst=eth_dst or (grp_mac if dst.startswith("ff02") else OUR_MAC), src=eth_src)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan)
    p = e / IPv6(src=src, dst=dst, hlim=hlim)
    if hbh:
        p = p / IPv6ExtHdrHopByHop()
    m = ICMPv6ND_NS(tgt=tgt) if cksum is None else ICMPv6ND_NS(tgt=tgt, cksum=cksum)
    p = p / m
    if slla:
        p = p / ICMPv6NDOptSrcLLAddr(lladdr=slla)
    return p


def na_from_us(tgt, to, eth_dst, solicited=True):
    return (Ether(dst=eth_dst, src=OUR_MAC) / IPv6(src=tgt, dst=to, hlim=255) /
            ICMPv6ND_NA(R=1, S=1 if solicited else 0, O=1, tgt=tgt) /
            ICMPv6NDOptDstLLAddr(lladdr=OUR_MAC))


def na(src, dst, tgt, tlla=None, S=1, O=1, R=0, hlim=255, eth_dst=OUR_MAC):
    p = (Ether(dst=eth_dst, src=PEER_MAC) / IPv6(src=src, dst=dst, hlim=hlim) /
         ICMPv6ND_NA(R=R, S=S, O=O, tgt=tgt))
    if tlla:
        p = p / ICMPv6NDOptDstLLAddr(lladdr=tlla)
    return p


SN1 = sn_group(OUR6[0])[0]      # ff02::1:ff00:1, also the group of OUR_LL
vec("ns_global", "nd", ns(PEER6, SN1, OUR6[0], slla=PEER_MAC), "CTL_HANDLED",
    na_from_us(OUR6[0], PEER6, PEER_MAC), learn=(PEER6, PEER_MAC),
    why="address resolution of our global address")
vec("ns_second_global", "nd", ns("2001:db8:5::9", sn_group(OUR6[1])[0], OUR6[1], slla=PEER_MAC),
    "CTL_HANDLED", na_from_us(OUR6[1], "2001:db8:5::9", PEER_MAC),
    learn=("2001:db8:5::9", PEER_MAC), why="second prefix")
vec("ns_linklocal", "nd", ns(PEER_LL, SN1, OUR_LL, slla=PEER_MAC), "CTL_HANDLED",
    na_from_us(OUR_LL, PEER_LL, PEER_MAC), learn=(PEER_LL, PEER_MAC),
    why="address resolution of our link-local address")
vec("ns_unicast_nud", "nd", ns(PEER6, OUR6[0], OUR6[0]), "CTL_HANDLED",
    na_from_us(OUR6[0], PEER6, PEER_MAC), why="unicast NUD probe without SLLA: answer, nothing to learn")
vec("ns_vlan", "nd", ns(PEER6, SN1, OUR6[0], slla=PEER_MAC, vlan=7), "CTL_HANDLED",
    na_from_us(OUR6[0], PEER6, PEER_MAC), learn=(PEER6, PEER_MAC), why="tagged NS, untagged NA")
vec("ns_hop_by_hop", "nd", ns(PEER6, SN1, OUR6[0], slla=PEER_MAC, hbh=True), "CTL_HANDLED",
    na_from_us(OUR6[0], PEER6, PEER_MAC), learn=(PEER6, PEER_MAC),
    why="extension header before the NS: checksum over the ICMPv6 part only")
vec("ns_outside", "nd", ns(REMOTE6, SN1, OUR6[0], slla=PEER_MAC), "CTL_HANDLED",
    na_from_us(OUR6[0], REMOTE6, PEER_MAC), why="source outside our prefixes: answer, no learn")
vec("ns_dad", "nd", ns("::", SN1, OUR6[0]), "CTL_HANDLED",
    na_from_us(OUR6[0], "ff02::1", "33:33:00:00:00:01", solicited=False),
    why="DAD for our address: defend to ff02::1 with S=0 (RFC 4861 7.2.4)")
vec("ns_hlim64", "nd", ns(PEER6, SN1, OUR6[0], slla=PEER_MAC, hlim=64), "CTL_MALFORMED",
    why="hop limit must be 255")
vec("ns_bad_cksum", "nd", ns(PEER6, SN1, OUR6[0], slla=PEER_MAC, cksum=0x1234), "CTL_MALFORMED",
    why="ICMPv6 checksum")
vec("ns_other_target", "nd", ns(PEER6, sn_group("2001:db8::99")[0], "2001:db8::99", slla=PEER_MAC),
    "CTL_NOT_FOR_US", why="not our target: discarded, no learn (RFC 4861 7.2.3)")
vec("ns_wrong_group", "nd", ns(PEER6, sn_group("2001:db8::99")[0], OUR6[0], slla=PEER_MAC),
    "CTL_NOT_FOR_US", why="our target, but sent to another solicited-node group")
vec("ns_dad_with_slla", "nd", ns("::", SN1, OUR6[0], slla=PEER_MAC), "CTL_MALFORMED",
    why="unspecified source with SLLA (RFC 4861 7.1.1)")
vec("ns_dad_unicast", "nd", ns("::", OUR6[0], OUR6[0]), "CTL_MALFORMED",
    why="unspecified source to a unicast destination (RFC 4861 7.1.1)")
vec("ns_mcast_target", "nd", ns(PEER6, SN1, "ff02::1"), "CTL_MALFORMED", why="multicast target")
vec("ns_opt_len0", "nd",
    Ether(dst=sn_group(OUR6[0])[1], src=PEER_MAC) / IPv6(src=PEER6, dst=SN1, hlim=255) /
    ICMPv6ND_NS(tgt=OUR6[0]) / ICMPv6NDOptSrcLLAddr(len=0, lladdr=PEER_MAC),
    "CTL_MALFORMED", why="option of length 0 (RFC 4861 4.6)")
vec("ns_unknown_opt_len0", "nd",
    Ether(dst=sn_group(OUR6[0])[1], src=PEER_MAC) / IPv6(src=PEER6, dst=SN1, hlim=255) /
    ICMPv6ND_NS(tgt=OUR6[0]) / Raw(b"\x0e\x00" + bytes(6)),
    "CTL_MALFORMED", why="nonce option of length 0 (RFC 4861 4.6): no endless loop")
vec("ns_nonce_then_slla", "nd",
    Ether(dst=sn_group(OUR6[0])[1], src=PEER_MAC) / IPv6(src=PEER6, dst=SN1, hlim=255) /
    ICMPv6ND_NS(tgt=OUR6[0]) / Raw(b"\x0e\x01" + bytes(range(6))) /
    ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC), "CTL_HANDLED", na_from_us(OUR6[0], PEER6, PEER_MAC),
    learn=(PEER6, PEER_MAC), why="unknown option skipped, SLLA after it used")
vec("ns_trailing_byte", "nd",
    Ether(dst=sn_group(OUR6[0])[1], src=PEER_MAC) / IPv6(src=PEER6, dst=SN1, hlim=255) /
    ICMPv6ND_NS(tgt=OUR6[0]) / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC) / Raw(b"\x01"),
    "CTL_MALFORMED", why="one byte of options left over")
vec("ns_src_mcast", "nd", ns("ff02::2", SN1, OUR6[0]), "CTL_MALFORMED",
    why="multicast source")
vec("ns_atomic_fragment", "nd",
    Ether(dst=sn_group(OUR6[0])[1], src=PEER_MAC) / IPv6(src=PEER6, dst=SN1, hlim=255) /
    IPv6ExtHdrFragment(offset=0, m=0, id=5) / ICMPv6ND_NS(tgt=OUR6[0]) /
    ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC), "CTL_MALFORMED",
    why="ND inside a fragment header is ignored (RFC 6980)")
vec("ns_slla_len2", "nd",
    Ether(dst=sn_group(OUR6[0])[1], src=PEER_MAC) / IPv6(src=PEER6, dst=SN1, hlim=255) /
    ICMPv6ND_NS(tgt=OUR6[0]) / ICMPv6NDOptSrcLLAddr(len=2, lladdr=PEER_MAC) / Raw(b"\0" * 8),
    "CTL_MALFORMED", why="16-byte link-layer option on Ethernet")
vec("ns_truncated", "nd", bytes(ns(PEER6, SN1, OUR6[0]))[:14 + 40 + 20], "CTL_MALFORMED",
    why="payload length beyond the frame")
vec("ns_from_us", "nd", ns(OUR6[0], SN1, OUR6[0], eth_src=PEER_MAC), "CTL_NOT_FOR_US",
    why="source is our own address: no answer")
vec("na_learn", "nd", na(PEER6, OUR6[0], PEER6, tlla=PEER_MAC), "CTL_HANDLED",
    learn=(PEER6, PEER_MAC), why="solicited NA with TLLA")
vec("na_unsolicited_ll", "nd", na(PEER_LL, "ff02::1", PEER_LL, tlla=PEER_MAC, S=0,
                                  eth_dst="33:33:00:00:00:01"),
    "CTL_HANDLED", learn=(PEER_LL, PEER_MAC), why="unsolicited NA of a link-local address")
vec("na_no_tlla", "nd", na(PEER6, OUR6[0], PEER6), "CTL_HANDLED", why="nothing to learn")
vec("na_outside", "nd", na(REMOTE6, OUR6[0], REMOTE6, tlla=PEER_MAC), "CTL_HANDLED",
    why="target outside our prefixes: no learn")
vec("na_our_target", "nd", na(PEER6, "ff02::1", OUR6[0], tlla=PEER_MAC, S=0,
                              eth_dst="33:33:00:00:00:01"),
    "CTL_HANDLED", why="someone claims our address: never learned")
vec("na_hlim64", "nd", na(PEER6, OUR6[0], PEER6, tlla=PEER_MAC, hlim=64), "CTL_MALFORMED",
    why="hop limit must be 255")
vec("na_mcast_solicited", "nd", na(PEER6, "ff02::1", PEER6, tlla=PEER_MAC, S=1,
                                   eth_dst="33:33:00:00:00:01"),
    "CTL_MALFORMED", why="S flag on a multicast NA (RFC 4861 7.1.2)")
vec("na_bad_cksum", "nd",
    Ether(dst=OUR_MAC, src=PEER_MAC) / IPv6(src=PEER6, dst=OUR6[0], hlim=255) /
    ICMPv6ND_NA(R=0, S=1, O=1, tgt=PEER6, cksum=0xbeef) / ICMPv6NDOptDstLLAddr(lladdr=PEER_MAC),
    "CTL_MALFORMED", why="ICMPv6 checksum")

# ---------------------------------------------------------------- echo

PAYLOAD = bytes(range(56))


def echo4(src, dst, payload=PAYLOAD, eth_src=PEER_MAC, vlan=None, **ipkw):
    e = Ether(dst=OUR_MAC, src=eth_src)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan)
    ipkw.setdefault("ttl", 63)
    ipkw.setdefault("id", 0xabcd)
    return pad60(e / IP(src=src, dst=dst, **ipkw) / ICMP(type=8, id=0x1234, seq=7) / Raw(payload))


def echo4_reply(ours, to, payload=PAYLOAD, eth_dst=PEER_MAC, tos=0, flags=0):
    return pad60(Ether(dst=eth_dst, src=OUR_MAC) /
                 IP(src=ours, dst=to, ttl=64, id=0, tos=tos, flags=flags) /
                 ICMP(type=0, code=0, id=0x1234, seq=7) / Raw(payload))


vec("echo4", "echo", echo4(PEER4, OUR4[0], flags="DF"), "CTL_HANDLED",
    echo4_reply(OUR4[0], PEER4, flags="DF"), why="DF copied, TTL 64, ID 0")
vec("echo4_second_addr", "echo", echo4(PEER4, OUR4[1]), "CTL_HANDLED",
    echo4_reply(OUR4[1], PEER4), why="from the address pinged")
vec("echo4_small_padded", "echo", echo4(PEER4, OUR4[0], payload=b"abcd"), "CTL_HANDLED",
    echo4_reply(OUR4[0], PEER4, payload=b"abcd"),
    why="padding of the request is not echoed; short reply padded to 60")
vec("echo4_vlan_tos_options", "echo",
    echo4(PEER4, OUR4[0], vlan=42, tos=0xb9,
          options=[IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_EOL()]),
    "CTL_HANDLED", echo4_reply(OUR4[0], PEER4, tos=0xb8),
    why="untagged, options dropped, DSCP copied, ECN cleared, no DF")
vec("echo4_remote", "echo", echo4(REMOTE4, OUR4[0], eth_src=ROUTER_MAC), "CTL_HANDLED",
    echo4_reply(OUR4[0], REMOTE4, eth_dst=ROUTER_MAC), why="via a router: back to its MAC")
vec("echo4_odd_payload", "echo", echo4(PEER4, OUR4[0], payload=bytes(range(1, 100))),
    "CTL_HANDLED", echo4_reply(OUR4[0], PEER4, payload=bytes(range(1, 100))),
    why="odd ICMP length in the checksum")
vec("echo4_1500", "echo", echo4(PEER4, OUR4[0], payload=bytes(i & 0xff for i in range(1472))),
    "CTL_HANDLED", echo4_reply(OUR4[0], PEER4, payload=bytes(i & 0xff for i in range(1472))),
    why="full-size reply, 1514 bytes")
vec("echo4_ratelimited", "echo", echo4(PEER4, OUR4[0]), "CTL_RATELIMITED", allow=False,
    why="allow() refuses: nothing sent")
vec("echo4_bad_cksum", "echo",
    pad60(Ether(dst=OUR_MAC, src=PEER_MAC) / IP(src=PEER4, dst=OUR4[0]) /
          ICMP(type=8, id=1, seq=1, chksum=0x1111) / Raw(PAYLOAD)),
    "CTL_MALFORMED", why="ICMP checksum")
vec("echo4_not_ours", "echo", echo4(PEER4, "10.0.0.55"), "CTL_NOT_FOR_US", why="not our address")
vec("echo4_subnet_bcast", "echo", echo4(PEER4, "10.0.0.255"), "CTL_NOT_FOR_US",
    why="directed broadcast ping")
vec("echo4_from_bcast", "echo", echo4("10.0.0.255", OUR4[0]), "CTL_MALFORMED",
    why="source is a broadcast address")
vec("echo4_fragment", "echo", echo4(PEER4, OUR4[0], flags="MF"), "CTL_UNHANDLED",
    why="no reassembly")
vec("udp4_to_us", "echo",
    pad60(Ether(dst=OUR_MAC, src=PEER_MAC) / IP(src=PEER4, dst=OUR4[0]) / UDP(sport=5, dport=7)),
    "CTL_UNHANDLED", why="nothing serves UDP")
vec("icmp4_reply_to_us", "echo",
    pad60(Ether(dst=OUR_MAC, src=PEER_MAC) / IP(src=PEER4, dst=OUR4[0]) /
          ICMP(type=0, id=1, seq=1)), "CTL_UNHANDLED", why="echo reply: nothing to answer")
vec("echo4_ip_truncated", "echo", bytes(echo4(PEER4, OUR4[0]))[:14 + 40], "CTL_MALFORMED",
    why="total length beyond the frame")


def echo6(src, dst, data=PAYLOAD, eth_src=PEER_MAC, tc=0, vlan=None, eth_dst=OUR_MAC):
    e = Ether(dst=eth_dst, src=eth_src)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan)
    return e / IPv6(src=src, dst=dst, hlim=60, tc=tc, fl=0x12345) / ICMPv6EchoRequest(
        id=0x4321, seq=9, data=data)


def echo6_reply(ours, to, data=PAYLOAD, eth_dst=PEER_MAC, tc=0):
    return (Ether(dst=eth_dst, src=OUR_MAC) / IPv6(src=ours, dst=to, hlim=64, tc=tc) /
            ICMPv6EchoReply(id=0x4321, seq=9, data=data))


vec("echo6", "echo", echo6(PEER6, OUR6[0]), "CTL_HANDLED", echo6_reply(OUR6[0], PEER6),
    why="hop limit 64, flow label not copied")
vec("echo6_linklocal", "echo", echo6(PEER_LL, OUR_LL), "CTL_HANDLED",
    echo6_reply(OUR_LL, PEER_LL), why="to our link-local address")
vec("echo6_vlan_tc", "echo", echo6(REMOTE6, OUR6[1], eth_src=ROUTER_MAC, tc=0x2a, vlan=5,
                                   data=b"xyz"),
    "CTL_HANDLED", echo6_reply(OUR6[1], REMOTE6, eth_dst=ROUTER_MAC, tc=0x28, data=b"xyz"),
    why="untagged, DSCP copied, ECN cleared, odd length")
vec("echo6_ratelimited", "echo", echo6(PEER6, OUR6[0]), "CTL_RATELIMITED", allow=False,
    why="allow() refuses: nothing sent")
vec("echo6_bad_cksum", "echo",
    Ether(dst=OUR_MAC, src=PEER_MAC) / IPv6(src=PEER6, dst=OUR6[0]) /
    ICMPv6EchoRequest(id=1, seq=1, cksum=0x2222), "CTL_MALFORMED", why="ICMPv6 checksum")
vec("echo6_mcast", "echo", echo6(PEER6, "ff02::1", eth_dst="33:33:00:00:00:01"), "CTL_NOT_FOR_US",
    why="multicast ping: not answered")
vec("echo6_not_ours", "echo", echo6(PEER6, "2001:db8::77"), "CTL_NOT_FOR_US",
    why="not our address")
vec("echo4_too_big", "echo", echo4(PEER4, OUR4[0], payload=bytes(1473)), "CTL_UNHANDLED",
    why="reply would be 1501 bytes of IP")
vec("echo6_too_big", "echo", echo6(PEER6, OUR6[0], data=bytes(1453)), "CTL_UNHANDLED",
    why="reply would be 1501 bytes of IP")
vec("echo6_from_unspec", "echo", echo6("::", OUR6[0]), "CTL_MALFORMED", why="source ::")
vec("echo6_fragment", "echo",
    Ether(dst=OUR_MAC, src=PEER_MAC) / IPv6(src=PEER6, dst=OUR6[0]) /
    IPv6ExtHdrFragment(offset=0, m=1, id=6) / ICMPv6EchoRequest(id=1, seq=2, data=PAYLOAD),
    "CTL_UNHANDLED", why="no reassembly")
vec("udp6_to_us", "echo",
    Ether(dst=OUR_MAC, src=PEER_MAC) / IPv6(src=PEER6, dst=OUR6[0]) / UDP(sport=5, dport=7),
    "CTL_UNHANDLED", why="nothing serves UDP")

# ---------------------------------------------------------------- ICMP errors


def udp4(src, dst, n, ttl=1, eth_src=PEER_MAC, eth_dst=OUR_MAC, vlan=None, **ipkw):
    e = Ether(dst=eth_dst, src=eth_src)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan)
    return pad60(e / IP(src=src, dst=dst, ttl=ttl, id=0x77, tos=0x10, **ipkw) /
                 UDP(sport=4000, dport=5000) / Raw(bytes((i * 7) & 0xff for i in range(n))))


def l3_bytes(frame):
    """The IP datagram of an Ethernet frame as received (tag skipped, padding dropped)."""
    f = Ether(bytes(frame))
    ip = f[IP] if IP in f else f[IPv6]
    raw = bytes(ip)
    n = ip.len if IP in f else 40 + ip.plen
    return raw[:n]


def err4(offending, icmp_type, code, eth_dst=PEER_MAC):
    quote = l3_bytes(offending)[:ICMP4_ERR_MAX - 28]
    src = Ether(bytes(offending))[IP].src
    return pad60(Ether(dst=eth_dst, src=OUR_MAC) /
                 IP(src=OUR4[0], dst=src, ttl=64, id=0, tos=0, flags=0) /
                 ICMP(type=icmp_type, code=code) / Raw(quote))


def err6(offending, kind, eth_dst=PEER_MAC):
    quote = l3_bytes(offending)[:ICMP6_ERR_MAX - 48]
    src = Ether(bytes(offending))[IPv6].src
    msg = ICMPv6TimeExceeded(code=0) if kind == "ttl" else ICMPv6DestUnreach(code=0)
    return (Ether(dst=eth_dst, src=OUR_MAC) / IPv6(src=OUR6[0], dst=src, hlim=64) / msg /
            Raw(quote))


o = udp4(PEER4, "198.18.0.5", 4)
vec("ttl4_small", "error", o, "CTL_HANDLED", err4(o, 11, 0), fn="SP_ERR_TTL",
    why="whole datagram quoted, Ethernet padding not")
o = udp4(REMOTE4, "198.18.0.5", 1400 - 28, eth_src=ROUTER_MAC, flags="DF")
vec("ttl4_large", "error", o, "CTL_HANDLED", err4(o, 11, 0, eth_dst=ROUTER_MAC), fn="SP_ERR_TTL",
    why="1400-byte datagram: error truncated to 576 bytes, no DF")
o = udp4(PEER4, "198.18.0.5", 100, vlan=12)
vec("ttl4_vlan", "error", o, "CTL_HANDLED", err4(o, 11, 0), fn="SP_ERR_TTL",
    why="quote starts at the IP header; error untagged")
o = udp4(PEER4, "203.0.113.9", 30, ttl=20)
vec("noroute4", "error", o, "CTL_HANDLED", err4(o, 3, 0), fn="SP_ERR_NOROUTE",
    why="destination net unreachable")
o = udp4(PEER4, "198.18.0.5", 100, flags="MF")
vec("ttl4_first_fragment", "error", o, "CTL_HANDLED", err4(o, 11, 0), fn="SP_ERR_TTL",
    why="first fragment: error sent")
o = pad60(Ether(dst=OUR_MAC, src=PEER_MAC) / IP(src=PEER4, dst="198.18.0.5", ttl=1) /
          ICMP(type=8, id=5, seq=6) / Raw(b"ping"))
vec("ttl4_about_echo", "error", o, "CTL_HANDLED", err4(o, 11, 0), fn="SP_ERR_TTL",
    why="an echo request is not an error: error sent")
vec("ttl4_ratelimited", "error", udp4(PEER4, "198.18.0.5", 4), "CTL_RATELIMITED",
    fn="SP_ERR_TTL", allow=False, why="allow() refuses")
vec("ttl4_about_icmp_error", "error",
    pad60(Ether(dst=OUR_MAC, src=PEER_MAC) / IP(src=PEER4, dst="198.18.0.5", ttl=1) /
          ICMP(type=3, code=1) / Raw(bytes(28))), "CTL_NOT_FOR_US", fn="SP_ERR_TTL",
    why="never an error about an ICMP error")
vec("ttl4_about_unknown_icmp", "error",
    pad60(Ether(dst=OUR_MAC, src=PEER_MAC) / IP(src=PEER4, dst="198.18.0.5", ttl=1) /
          ICMP(type=42, code=0) / Raw(bytes(8))), "CTL_NOT_FOR_US", fn="SP_ERR_TTL",
    why="unknown ICMP types count as errors")
vec("ttl4_about_empty_icmp", "error",
    pad60(Ether(dst=OUR_MAC, src=PEER_MAC) / IP(src=PEER4, dst="198.18.0.5", ttl=1, proto=1)),
    "CTL_NOT_FOR_US", fn="SP_ERR_TTL", why="ICMP without a type byte: assume an error")
vec("ttl4_later_fragment", "error", udp4(PEER4, "198.18.0.5", 100, frag=185), "CTL_NOT_FOR_US",
    fn="SP_ERR_TTL", why="not the first fragment")
vec("ttl4_bcast_frame", "error", udp4(PEER4, "198.18.0.5", 4, eth_dst=BCAST), "CTL_NOT_FOR_US",
    fn="SP_ERR_TTL", why="link-layer broadcast")
vec("ttl4_mcast_frame", "error", udp4(PEER4, "198.18.0.5", 4, eth_dst="01:00:5e:00:00:05"),
    "CTL_NOT_FOR_US", fn="SP_ERR_TTL", why="link-layer multicast")
vec("ttl4_mcast_dst", "error", udp4(PEER4, "239.1.2.3", 4), "CTL_NOT_FOR_US", fn="SP_ERR_TTL",
    why="IP multicast destination")
vec("noroute4_limited_bcast_dst", "error", udp4(PEER4, "255.255.255.255", 4), "CTL_NOT_FOR_US",
    fn="SP_ERR_NOROUTE", why="limited broadcast destination")
vec("noroute4_subnet_bcast_dst", "error", udp4(PEER4, "10.0.0.255", 4), "CTL_NOT_FOR_US",
    fn="SP_ERR_NOROUTE", why="directed broadcast of our subnet")
vec("ttl4_src_zero", "error", udp4("0.0.0.0", "198.18.0.5", 4), "CTL_NOT_FOR_US",
    fn="SP_ERR_TTL", why="source 0.0.0.0")
vec("ttl4_src_mcast", "error", udp4("224.0.0.9", "198.18.0.5", 4), "CTL_NOT_FOR_US",
    fn="SP_ERR_TTL", why="multicast source")
vec("ttl4_truncated", "error", bytes(udp4(PEER4, "198.18.0.5", 100))[:14 + 60], "CTL_MALFORMED",
    fn="SP_ERR_TTL", why="total length beyond the frame")


def udp6(src, dst, n, hlim=1, eth_src=PEER_MAC, eth_dst=OUR_MAC, frag=None):
    p = Ether(dst=eth_dst, src=eth_src) / IPv6(src=src, dst=dst, hlim=hlim, tc=0x20)
    if frag is not None:
        p = p / IPv6ExtHdrFragment(offset=frag, m=1, id=99)
    return p / UDP(sport=4000, dport=5000) / Raw(bytes((i * 3) & 0xff for i in range(n)))


o = udp6(PEER6, "2001:db8:99::5", 10)
vec("ttl6_small", "error", o, "CTL_HANDLED", err6(o, "ttl"), fn="SP_ERR_TTL",
    why="hop limit exceeded in transit")
o = udp6(REMOTE6, "2001:db8:99::5", 1400 - 48, eth_src=ROUTER_MAC)
vec("ttl6_large", "error", o, "CTL_HANDLED", err6(o, "ttl", eth_dst=ROUTER_MAC), fn="SP_ERR_TTL",
    why="1400-byte datagram: error truncated to 1280 bytes")
o = udp6(PEER6, "2001:db8:99::5", 10, hlim=30)
vec("noroute6", "error", o, "CTL_HANDLED", err6(o, "noroute"), fn="SP_ERR_NOROUTE",
    why="no route to destination")
o = udp6(PEER6, "2001:db8:99::5", 40, frag=0)
vec("ttl6_first_fragment", "error", o, "CTL_HANDLED", err6(o, "ttl"), fn="SP_ERR_TTL",
    why="first fragment: error sent")
o = (Ether(dst=OUR_MAC, src=PEER_MAC) / IPv6(src=PEER6, dst="2001:db8:99::5", hlim=1) /
     ICMPv6EchoRequest(id=3, seq=4, data=b"ping6"))
vec("ttl6_about_echo", "error", o, "CTL_HANDLED", err6(o, "ttl"), fn="SP_ERR_TTL",
    why="an echo request is not an error: error sent")
vec("ttl6_ratelimited", "error", udp6(PEER6, "2001:db8:99::5", 10), "CTL_RATELIMITED",
    fn="SP_ERR_TTL", allow=False, why="allow() refuses")
vec("ttl6_about_icmp6_error", "error",
    Ether(dst=OUR_MAC, src=PEER_MAC) / IPv6(src=PEER6, dst="2001:db8:99::5", hlim=1) /
    ICMPv6DestUnreach(code=3) / Raw(bytes(48)), "CTL_NOT_FOR_US", fn="SP_ERR_TTL",
    why="never an error about an ICMPv6 error")
vec("ttl6_later_fragment", "error", udp6(PEER6, "2001:db8:99::5", 40, frag=100), "CTL_NOT_FOR_US",
    fn="SP_ERR_TTL", why="not the first fragment")
vec("ttl6_mcast_frame", "error", udp6(PEER6, "2001:db8:99::5", 10, eth_dst="33:33:00:00:00:01"),
    "CTL_NOT_FOR_US", fn="SP_ERR_TTL", why="link-layer multicast")
vec("ttl6_mcast_dst", "error", udp6(PEER6, "ff0e::1", 10), "CTL_NOT_FOR_US", fn="SP_ERR_TTL",
    why="IPv6 multicast destination")
vec("noroute6_unspec_src", "error", udp6("::", "2001:db8:99::5", 10), "CTL_NOT_FOR_US",
    fn="SP_ERR_NOROUTE", why="unspecified source")
vec("ttl6_truncated", "error", bytes(udp6(PEER6, "2001:db8:99::5", 100))[:14 + 40 + 20],
    "CTL_MALFORMED", fn="SP_ERR_TTL", why="payload length beyond the frame")

# ---------------------------------------------------------------- solicitations

solicits.append(("sol_arp_first_subnet", pad60(
    Ether(dst=BCAST, src=OUR_MAC) /
    ARP(op=1, hwsrc=OUR_MAC, psrc=OUR4[0], hwdst=ZERO_MAC, pdst=PEER4))))
solicits.append(("sol_arp_second_subnet", pad60(
    Ether(dst=BCAST, src=OUR_MAC) /
    ARP(op=1, hwsrc=OUR_MAC, psrc=OUR4[1], hwdst=ZERO_MAC, pdst="192.168.5.9"))))
solicits.append(("sol_arp_off_subnet", pad60(
    Ether(dst=BCAST, src=OUR_MAC) /
    ARP(op=1, hwsrc=OUR_MAC, psrc=OUR4[0], hwdst=ZERO_MAC, pdst=REMOTE4))))


def sol_ns(src, tgt):
    grp, mac = sn_group(tgt)
    return (Ether(dst=mac, src=OUR_MAC) / IPv6(src=src, dst=grp, hlim=255) /
            ICMPv6ND_NS(tgt=tgt) / ICMPv6NDOptSrcLLAddr(lladdr=OUR_MAC))


solicits.append(("sol_ns_global", sol_ns(OUR6[0], "2001:db8::abcd:ef12")))
solicits.append(("sol_ns_linklocal_target", sol_ns(OUR6[0], PEER_LL)))
solicits.append(("sol_ns_no_global", sol_ns(OUR_LL, PEER_LL)))  # an iface without ipv6 addresses

# ---------------------------------------------------------------- output


def c_bytes(name, b):
    lines = []
    for i in range(0, len(b), 12):
        lines.append("\t" + " ".join("0x%02x," % x for x in b[i:i + 12]))
    return "static const uint8_t %s[%d] = {\n%s\n};\n" % (name, len(b), "\n".join(lines))


def c_addr(ip):
    a = ipaddress.ip_address(ip)
    fam = "AF_INET" if a.version == 4 else "AF_INET6"
    return fam, "{ " + ", ".join("0x%02x" % x for x in a.packed) + " }"


def c_mac(m):
    return "{ " + ", ".join("0x" + x for x in m.split(":")) + " }"


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "slowpath_vectors.h")
    parts = ["/* Generated by tests/unit/slowpath_vectors.py (scapy): do not edit. */\n"
             "/* Include after defining struct sp_vector and enum sp_fn (test_slowpath.c). */\n"]
    for v in vectors:
        parts.append(c_bytes("req_" + v["name"], v["req"]))
        if v["rep"] is not None:
            assert len(v["rep"]) <= 1518, v["name"]
            parts.append(c_bytes("rep_" + v["name"], v["rep"]))
    for name, b in solicits:
        parts.append(c_bytes(name, bytes(b)))
    parts.append("static const struct sp_vector sp_vectors[] = {")
    for v in vectors:
        # allow() is asked exactly once before an echo reply or error is sent or refused.
        calls = 1 if v["group"] in ("echo", "error") and (
            v["rep"] is not None or v["verdict"] == "CTL_RATELIMITED") else 0
        rep = ("rep_%s, sizeof(rep_%s)" % (v["name"], v["name"])) if v["rep"] is not None \
            else "NULL, 0"
        learn = "0"
        if v["learn"]:
            fam, addr = c_addr(v["learn"][0])
            learn = "1, { %s, %s, %s }" % (fam, addr, c_mac(v["learn"][1]))
        assert '"' not in v["why"] and "\\" not in v["why"], v["name"]
        parts.append(
            "\t{ \"%s\", \"%s\", \"%s\", %s, %s, req_%s, sizeof(req_%s), %s, %s, %d, %s },"
            % (v["name"], v["why"], v["group"], v["fn"], "true" if v["allow"] else "false",
               v["name"], v["name"], v["verdict"], rep, calls, learn))
    parts.append("};\n")
    with open(out, "w") as f:
        f.write("\n".join(parts))
    print("%s: %d vectors, %d solicitations" % (out, len(vectors), len(solicits)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
