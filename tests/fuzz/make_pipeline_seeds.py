#!/usr/bin/python3
"""Seed inputs for fuzz_pipeline (port byte, then 2-byte length + frame, repeated; first byte bit 2:
the load balancer's tables) and
fuzz_ct_pipeline (bursts: header byte, 2-byte length, frames as fuzz_pipeline's), built with scapy.
Run once from the repository root; the seeds are committed."""
import os
import struct

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest, ICMPv6ND_NS,
                       ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, Raw, fragment)

OUT = "tests/fuzz/corpus/pipeline"
P0 = "02:00:00:00:00:01"
H = "02:00:00:00:00:aa"


def burst(port, *frames):
    return bytes([port]) + b"".join(struct.pack(">H", len(bytes(f))) + bytes(f) for f in frames)


e = Ether(dst=P0, src=H)
seeds = {
    "routed4": burst(0, e / IP(src="10.0.0.2", dst="198.18.0.5") / UDP(sport=1, dport=2) / Raw(b"x" * 18),
                     e / IP(src="10.0.0.2", dst="1.2.3.4") / TCP(dport=80)),
    "routed6": burst(0, e / IPv6(src="2001:db8::2", dst="2001:db8:100::5") / TCP(dport=80),
                     e / IPv6(src="2001:db8::2", dst="2001:db8:100::6") / IPv6ExtHdrHopByHop() / UDP()),
    "local": burst(0, Ether(dst="ff:ff:ff:ff:ff:ff", src=H) / ARP(op=1, hwsrc=H, psrc="10.0.0.2", pdst="10.0.0.1"),
                   e / IP(src="10.0.0.2", dst="10.0.0.1") / ICMP(type=8) / Raw(b"ping"),
                   Ether(dst="33:33:ff:00:00:01", src=H) / IPv6(src="2001:db8::2", dst="ff02::1:ff00:1", hlim=255) /
                   ICMPv6ND_NS(tgt="2001:db8::1") / ICMPv6NDOptSrcLLAddr(lladdr=H),
                   e / IPv6(src="2001:db8::2", dst="2001:db8::1") / ICMPv6EchoRequest()),
    "errors": burst(0, e / IP(src="10.0.0.2", dst="198.18.0.5", ttl=1) / UDP(),
                    e / IPv6(src="2001:db8::2", dst="2001:db8:ffff::1") / UDP(),
                    e / IP(src="10.0.0.2", dst="203.0.113.1") / UDP(),
                    e / IPv6(src="2001:db8::2", dst="2001:db8:100::1", hlim=1) / IPv6ExtHdrFragment(offset=0, m=1) / UDP()),
    "resolve": burst(1, Ether(dst="02:00:00:00:01:01", src=H) / IP(src="10.0.1.50", dst="10.0.1.77") / UDP(),
                     Ether(dst="02:00:00:00:01:01", src=H) / IP(src="10.0.1.50", dst="10.200.0.1") / UDP(dport=53)),
    # first byte 2: the tables without the ACL, where whole bursts of plain IPv4 take the
    # fast path; the ECMP route (1.2.3.4) and the TTL-1 packet leave it mid-burst
    "fast4": burst(2, *([e / IP(src="10.0.0.2", dst="198.18.%d.5" % k) / UDP(sport=k, dport=2) / Raw(b"x" * 18)
                         for k in range(6)] +
                        [e / IP(src="10.0.0.2", dst="198.19.0.1") / TCP(sport=9, dport=80),
                         e / IP(src="10.0.0.2", dst="1.2.3.4") / UDP(),
                         e / IP(src="10.0.0.2", dst="198.18.0.9", ttl=1) / UDP(),
                         e / IP(src="10.0.0.2", dst="198.18.0.10") / UDP()])),
    # IPv6 on the fast path (2001:db8:200::/48 has one next hop), then ECMP mid-burst
    "fast6": burst(2, *([e / IPv6(src="2001:db8::2", dst="2001:db8:200::%x" % k) / UDP(sport=k, dport=2)
                         for k in range(1, 6)] +
                        [e / IPv6(src="2001:db8::2", dst="2001:db8:200::9") / TCP(dport=80),
                         e / IP(src="10.0.0.2", dst="198.18.0.5") / UDP(),
                         e / IPv6(src="2001:db8::2", dst="2001:db8:100::5") / UDP(),
                         e / IPv6(src="2001:db8::2", dst="2001:db8:200::7", hlim=1) / UDP()])),
    # larger than p1's mtu (1280): DF (frag needed), no DF (fragments, options), IPv6 (too big), a
    # datagram that fits in a frame with bytes past its end; and martians around them
    "mtu": burst(2, e / IP(src="10.0.0.2", dst="198.18.0.5", flags="DF") / UDP() / Raw(bytes(1300)),
                 e / IP(src="10.0.0.2", dst="198.18.0.6", options=b"\x88\x04\x00\x01") / UDP() / Raw(bytes(1400)),
                 e / IPv6(src="2001:db8::2", dst="2001:db8:200::5") / UDP() / Raw(bytes(1300)),
                 bytes(e / IP(src="10.0.0.2", dst="198.18.0.7") / UDP() / Raw(bytes(100))) + bytes(1300),
                 e / IP(src="10.0.0.2", dst="198.18.0.8") / UDP() / Raw(bytes(1252))),
    # the fast path's groups (x4, x8: l3_vec.h): whole groups of each family, a group broken by a
    # bad checksum, by an ECMP route and by the other family; with the ACL (0) and without (2)
    "groups4": burst(2, *([e / IP(src="10.0.0.2", dst="198.18.%d.5" % k) / UDP(sport=k, dport=2) for k in range(12)] +
                          [e / IP(src="10.0.0.2", dst="198.18.0.5", chksum=0x1234) / UDP()] +
                          [e / IP(src="10.0.0.2", dst="198.19.%d.1" % k) / TCP(sport=k, dport=80) for k in range(7)] +
                          [e / IP(src="10.0.0.2", dst="1.2.3.4") / UDP()] +
                          [e / IP(src="10.0.0.2", dst="198.18.0.%d" % k) / UDP() for k in range(5)])),
    "groups46": burst(2, *([e / IPv6(src="2001:db8::2", dst="2001:db8:200::%x" % k) / UDP(sport=k, dport=2)
                            for k in range(1, 9)] +
                           [e / IP(src="10.0.0.2", dst="198.18.%d.5" % k) / UDP(sport=k, dport=2) for k in range(8)] +
                           [e / IPv6(src="2001:db8::2", dst="2001:db8:200::%x" % k) / TCP(dport=80) for k in range(3)] +
                           [e / IP(src="10.0.0.2", dst="198.18.0.5") / UDP()] +
                           [e / IPv6(src="2001:db8::2", dst="2001:db8:200::%x" % k) / UDP() for k in range(4)])),
    "groups_acl": burst(0, *([e / IP(src="10.0.0.2", dst="198.18.%d.5" % k) / UDP(sport=k, dport=2) for k in range(16)] +
                             [e / IP(src="10.0.0.2", dst="198.18.0.5") / UDP(dport=53)] +
                             [e / IP(src="10.0.0.2", dst="198.18.%d.5" % k) / TCP(sport=k, dport=80) for k in range(8)])),
    "martians": burst(0, e / IP(src="0.0.0.0", dst="198.18.0.5") / UDP(),
                      e / IP(src="10.0.0.2", dst="127.0.0.1") / UDP(),
                      e / IP(src="10.0.0.2", dst="10.0.1.255") / UDP(),
                      e / IPv6(src="fe80::1", dst="2001:db8:100::5") / UDP(),
                      e / IPv6(src="::", dst="2001:db8:100::5") / UDP(),
                      e / IPv6(src="2001:db8::2", dst="fe80::9") / UDP()),
}
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)

# ---- fuzz_pipeline's load balancer tables (first byte bit 2; fuzz_pipeline_lb.c): VIPs 192.0.2.10
# tcp/80 IPIP, tcp/443 GUE no_src_port, udp GUE (every port, gue_port 6081); 192.0.2.11 tcp 4in6,
# udp/53 GUE; 2001:db8:f::10 tcp/80 IP6IP6, udp GUE; 192.0.2.12 tcp/80 all weight 0 ----
LB = 0x04
CHANGE = 0x08  # bit 3: the burst again after VIP 0's 10.0.1.20 goes down and 10.0.1.21 drains
VIP4, VIP4B, VIP4Z, VIP6 = "192.0.2.10", "192.0.2.11", "192.0.2.12", "2001:db8:f::10"
C4, C6 = "198.51.100.7", "2001:db8:77::7"


def frags(pkt, size):
    return [e / f for f in fragment(pkt, fragsize=size)]


lb_seeds = {
    # SYNs of a few flows (the fast path, IPIP), one flow twice, a routed packet among them
    "lb_syn4": burst(LB, *([e / IP(src=C4, dst=VIP4) / TCP(sport=40000 + k, dport=80, flags="S") for k in range(4)] +
                           [e / IP(src=C4, dst=VIP4) / TCP(sport=40000, dport=80, flags="A"),
                            e / IP(src="10.0.0.2", dst="198.18.0.5") / UDP(sport=1, dport=2),
                            e / IP(src=C4, dst=VIP4) / TCP(sport=40009, dport=443, flags="S")])),
    "lb_gue4": burst(LB, *[e / IP(src=C4, dst=VIP4, tos=0xb8) / UDP(sport=5000 + k, dport=53 + k) / Raw(b"q" * 20)
                           for k in range(3)]),
    "lb_ipv6": burst(LB, e / IPv6(src=C6, dst=VIP6, tc=0x28) / TCP(sport=40000, dport=80, flags="S"),
                     e / IPv6(src=C6, dst=VIP6) / UDP(sport=5353, dport=9999) / Raw(b"v6 gue"),
                     e / IPv6(src=C6, dst=VIP6) / IPv6ExtHdrHopByHop() / TCP(sport=40001, dport=80)),
    "lb_4in6": burst(LB, e / IP(src=C4, dst=VIP4B) / TCP(sport=40000, dport=22, flags="S"),
                     e / IP(src=C4, dst=VIP4B) / UDP(sport=5000, dport=53) / Raw(b"dns?"),
                     e / IP(src=C4, dst=VIP4B) / UDP(sport=5001, dport=53) / Raw(b"dns!")),
    # udp to .10 has one VIP (its fragments go to one backend); tcp to .10 has two (lb_fragment)
    "lb_frag": burst(LB, *(frags(IP(src=C4, dst=VIP4, id=7) / UDP(sport=5000, dport=53) / Raw(bytes(1000)), 400) +
                           frags(IP(src=C4, dst=VIP4, id=8) / TCP(sport=40000, dport=80) / Raw(bytes(700)), 400) +
                           [e / IPv6(src=C6, dst=VIP6) / IPv6ExtHdrFragment(offset=0, m=1, id=9) / UDP(sport=1, dport=2) /
                            Raw(bytes(64))])),
    # too big once encapsulated for p1 (mtu 1280): DF (ICMP), no DF (the outer packet fragmented),
    # 4in6 without DF (the inner one fragmented, each piece encapsulated), IPv6 (packet too big)
    "lb_toobig": burst(LB, e / IP(src=C4, dst=VIP4, flags="DF") / TCP(sport=40000, dport=80) / Raw(bytes(1240)),
                       e / IP(src=C4, dst=VIP4) / UDP(sport=5000, dport=53) / Raw(bytes(1240)),
                       e / IP(src=C4, dst=VIP4B) / TCP(sport=40000, dport=22) / Raw(bytes(1230)),
                       e / IPv6(src=C6, dst=VIP6) / TCP(sport=40000, dport=80) / Raw(bytes(1220))),
    # a VIP's address on another port, an address next to a VIP: routed as any packet (no route)
    "lb_other": burst(LB, e / IP(src=C4, dst=VIP4) / TCP(sport=40000, dport=8080),
                      e / IPv6(src=C6, dst=VIP6) / TCP(sport=40000, dport=81),
                      e / IP(src=C4, dst="192.0.2.13") / TCP(sport=40000, dport=80),
                      e / IP(src=C4, dst=VIP4) / ICMP(type=8)),
    "lb_nobackend": burst(LB, e / IP(src=C4, dst=VIP4Z) / TCP(sport=40000, dport=80, flags="S"),
                          e / IP(src=C4, dst=VIP4) / TCP(sport=40001, dport=80, flags="S")),
    # from p1, and twice: VIP 0's flows on 10.0.1.20 move, those on 10.0.1.21 stay
    "lb_change": burst(LB | CHANGE | 1, *[Ether(dst="02:00:00:00:01:01", src=H) / IP(src=C4, dst=VIP4) /
                                          TCP(sport=41000 + k, dport=80) for k in range(12)]),
}
for name, data in lb_seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)

# ---- fuzz_ct_pipeline: conversations across both ports (its config: p0 inside 10.0.0.0/24, p1
# outside 198.51.100.0/24, SNAT of 10.0.0.0/25 to 203.0.113.10-11 ports 40000-40007, port
# forwards 203.0.113.10 tcp/8080 -> 10.0.0.5:80 and 203.0.113.11 udp/40001 -> 10.0.0.5:53) ----
CT_OUT = "tests/fuzz/corpus/ct_pipeline"
P1 = "02:00:00:00:01:01"
HOST, OUTH, POOL = "10.0.0.2", "198.51.100.2", "203.0.113.10"
ei = Ether(dst=P0, src="02:00:00:00:00:02")
eo = Ether(dst=P1, src="02:00:00:00:01:02")
FRESH, LATER, EXPIRE = 0x00, 0x80, 0xc0  # header bits 6-7: no clock jump, 1.5 s, 10 s
NOACL = 0x02  # bit 1 of the first header: the whole input without the ACL


def ct_burst(hdr, *frames):
    body = b"".join(struct.pack(">H", len(bytes(f))) + bytes(f) for f in frames)
    return bytes([hdr]) + struct.pack(">H", len(body)) + body


ct_seeds = {
    # SNAT: the first public port of the pool is 40000 (the server answers it; other allocations
    # are the fuzzer's to find)
    "snat_tcp": b"".join([
        ct_burst(FRESH | 0, ei / IP(src=HOST, dst=OUTH) / TCP(sport=1234, dport=80, flags="S", seq=100)),
        ct_burst(FRESH | 1, eo / IP(src=OUTH, dst=POOL) / TCP(sport=80, dport=40000, flags="SA", seq=900, ack=101)),
        ct_burst(FRESH | 0, ei / IP(src=HOST, dst=OUTH) / TCP(sport=1234, dport=80, flags="A", seq=101, ack=901),
                 ei / IP(src=HOST, dst=OUTH) / TCP(sport=1234, dport=80, flags="PA", seq=101, ack=901) / Raw(b"hi"),
                 ei / IP(src=HOST, dst=OUTH) / TCP(sport=1234, dport=80, flags="FA", seq=103, ack=901)),
    ]),
    # DNAT: outside to the forward, the server's answer from inside
    "dnat_tcp": b"".join([
        ct_burst(1, eo / IP(src=OUTH, dst=POOL) / TCP(sport=41000, dport=8080, flags="S", seq=7)),
        ct_burst(0, Ether(dst=P0, src="02:00:00:00:00:05") / IP(src="10.0.0.5", dst=OUTH) /
                 TCP(sport=80, dport=41000, flags="SA", seq=70, ack=8)),
        ct_burst(1, eo / IP(src=OUTH, dst=POOL) / TCP(sport=41000, dport=8080, flags="A", seq=8, ack=71)),
        ct_burst(0, Ether(dst=P0, src="02:00:00:00:00:05") / IP(src="10.0.0.5", dst=OUTH) /
                 TCP(sport=80, dport=41000, flags="R", seq=71)),
    ]),
    # the forward inside the pool's range, then a server opening out from 10.0.0.5:53
    "forward_in_pool": b"".join([
        ct_burst(0, Ether(dst=P0, src="02:00:00:00:00:05") / IP(src="10.0.0.5", dst=OUTH) / UDP(sport=53, dport=9000)),
        ct_burst(1, eo / IP(src=OUTH, dst="203.0.113.11") / UDP(sport=9000, dport=40001)),
        ct_burst(1, eo / IP(src=OUTH, dst="203.0.113.10") / UDP(sport=9000, dport=40000)),
    ]),
    # a server opens out, then the outside opens the forward from the port it answered: the
    # forward's reply tuple is the first connection's original one
    "dnat_reply_clash": b"".join([
        ct_burst(0, Ether(dst=P0, src="02:00:00:00:00:05") / IP(src="10.0.0.5", dst=OUTH) /
                 TCP(sport=80, dport=41000, flags="S")),
        ct_burst(1, eo / IP(src=OUTH, dst=POOL) / TCP(sport=41000, dport=8080, flags="S")),
    ]),
    # UDP and ICMP echo through SNAT, replies, then the timeouts pass and they come again
    "udp_icmp_age": b"".join([
        ct_burst(0, ei / IP(src=HOST, dst=OUTH) / UDP(sport=5000, dport=53) / Raw(b"q"),
                 ei / IP(src=HOST, dst=OUTH) / ICMP(type=8, id=0x77, seq=1) / Raw(b"ping")),
        ct_burst(1, eo / IP(src=OUTH, dst=POOL) / UDP(sport=53, dport=40000) / Raw(b"a"),
                 eo / IP(src=OUTH, dst=POOL) / ICMP(type=0, id=40000, seq=1) / Raw(b"ping")),
        ct_burst(EXPIRE | 1, eo / IP(src=OUTH, dst=POOL) / UDP(sport=53, dport=40000) / Raw(b"late")),
        ct_burst(LATER | 0, ei / IP(src=HOST, dst=OUTH) / UDP(sport=5000, dport=53) / Raw(b"q2")),
    ]),
    # ICMP errors quoting a translated flow, from a router and from the peer, and one about nothing
    "icmp_errors": b"".join([
        ct_burst(0, ei / IP(src=HOST, dst=OUTH) / UDP(sport=6000, dport=33434) / Raw(b"trace"),
                 ei / IP(src=HOST, dst=OUTH) / TCP(sport=6001, dport=80, flags="S")),
        ct_burst(1, eo / IP(src="198.51.100.7", dst=POOL) / ICMP(type=11, code=0) /
                 IP(src=POOL, dst=OUTH, ttl=1) / UDP(sport=40000, dport=33434) / Raw(b"trace"),
                 eo / IP(src=OUTH, dst=POOL) / ICMP(type=3, code=3) /
                 IP(src=POOL, dst=OUTH) / UDP(sport=40000, dport=33434) / Raw(b"trace"),
                 eo / IP(src=OUTH, dst=POOL) / ICMP(type=3, code=1) / Raw(bytes(IP(src=POOL, dst=OUTH) /
                                                                            TCP(sport=40001, dport=80, flags="S"))[:28]),
                 eo / IP(src=OUTH, dst=POOL) / ICMP(type=3, code=3) /
                 IP(src=POOL, dst=OUTH) / UDP(sport=40007, dport=1) / Raw(b"none")),
    ]),
    # fragments of a translated UDP datagram, IPv6 tracked untranslated, a GRE flow
    "fragments_v6": b"".join([
        ct_burst(0, *[ei / f for f in fragment(IP(src=HOST, dst=OUTH, id=9) / UDP(sport=7000, dport=9) /
                                               Raw(bytes(range(256)) * 8), fragsize=512)]),
        ct_burst(0, ei / IPv6(src="2001:db8::2", dst="2001:db8:100::5") / TCP(sport=7001, dport=443, flags="S"),
                 ei / IP(src="10.0.0.130", dst=OUTH, proto=47) / Raw(b"\x00\x00\x08\x00" + bytes(20))),
        ct_burst(1, eo / IPv6(src="2001:db8:100::5", dst="2001:db8::2") / TCP(sport=443, dport=7001, flags="SA", ack=1),
                 eo / IP(src=OUTH, dst="10.0.0.130", proto=47) / Raw(b"\x00\x00\x08\x00" + bytes(20))),
    ]),
    # established flows through SNAT, both ways, burst after burst: the established fast path (UDP
    # once assured, TCP ACKs in ESTABLISHED), until a FIN sends the rest to the general path
    "established_fast": b"".join([
        ct_burst(0, ei / IP(src=HOST, dst=OUTH) / UDP(sport=5001, dport=53) / Raw(b"q"),
                 ei / IP(src=HOST, dst=OUTH) / TCP(sport=1300, dport=80, flags="S", seq=1)),
        ct_burst(1, eo / IP(src=OUTH, dst=POOL) / UDP(sport=53, dport=40000) / Raw(b"a"),
                 eo / IP(src=OUTH, dst=POOL) / TCP(sport=80, dport=40001, flags="SA", seq=50, ack=2)),
        ct_burst(0, ei / IP(src=HOST, dst=OUTH) / UDP(sport=5001, dport=53) / Raw(b"q2"),
                 ei / IP(src=HOST, dst=OUTH) / TCP(sport=1300, dport=80, flags="A", seq=2, ack=51)),
        ct_burst(1, eo / IP(src=OUTH, dst=POOL) / UDP(sport=53, dport=40000) / Raw(b"a2"),
                 eo / IP(src=OUTH, dst=POOL) / TCP(sport=80, dport=40001, flags="PA", seq=51, ack=2) / Raw(b"data"),
                 eo / IP(src=OUTH, dst=POOL) / UDP(sport=53, dport=40000) / Raw(b"a3")),
        ct_burst(0, ei / IP(src=HOST, dst=OUTH) / TCP(sport=1300, dport=80, flags="A", seq=2, ack=55),
                 ei / IP(src=HOST, dst=OUTH) / UDP(sport=5001, dport=53) / Raw(b"q3"),
                 ei / IP(src=HOST, dst=OUTH) / TCP(sport=1300, dport=80, flags="FA", seq=2, ack=55),
                 ei / IP(src=HOST, dst=OUTH) / UDP(sport=5001, dport=53) / Raw(b"q4")),
    ]),
    # no ACL: a UDP stream out before any reply (its packets stay new: the fast path takes them
    # too), then the reply, then both ways
    "noacl_stream": b"".join([
        ct_burst(NOACL | 0, ei / IP(src=HOST, dst=OUTH) / UDP(sport=5002, dport=9) / Raw(b"1")),
        ct_burst(0, ei / IP(src=HOST, dst=OUTH) / UDP(sport=5002, dport=9) / Raw(b"2"),
                 ei / IP(src=HOST, dst=OUTH) / UDP(sport=5002, dport=9) / Raw(b"3"),
                 ei / IP(src=HOST, dst=OUTH) / UDP(sport=5003, dport=9) / Raw(b"new")),
        ct_burst(1, eo / IP(src=OUTH, dst=POOL) / UDP(sport=9, dport=40000) / Raw(b"r")),
        ct_burst(0, ei / IP(src=HOST, dst=OUTH) / UDP(sport=5002, dport=9) / Raw(b"4"),
                 ei / IP(src=HOST, dst=OUTH) / UDP(sport=5003, dport=9) / Raw(b"5")),
        ct_burst(1, eo / IP(src=OUTH, dst=POOL) / UDP(sport=9, dport=40000) / Raw(b"r2")),
    ]),
    # more flows than the pool has ports for one protocol (2 addresses x 8 ports)
    "exhaust": ct_burst(0, *[ei / IP(src=HOST, dst=OUTH) / TCP(sport=20000 + i, dport=80, flags="S") for i in range(20)]),
    # invalid: SYN+FIN, a SYN/ACK opening, a TCP header shorter than its data offset, unresolved next hop
    "invalid": ct_burst(0, ei / IP(src=HOST, dst=OUTH) / TCP(sport=1, dport=2, flags="SF"),
                        ei / IP(src=HOST, dst=OUTH) / TCP(sport=3, dport=4, flags="SA"),
                        ei / IP(src=HOST, dst=OUTH) / TCP(sport=5, dport=6, flags="A", dataofs=15),
                        ei / IP(src=HOST, dst="192.0.2.1") / UDP(sport=7, dport=8)),
}
os.makedirs(CT_OUT, exist_ok=True)
for name, data in ct_seeds.items():
    with open(os.path.join(CT_OUT, name), "wb") as f:
        f.write(data)
