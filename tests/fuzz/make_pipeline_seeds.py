#!/usr/bin/python3
"""Seed inputs for fuzz_pipeline (port byte, then 2-byte length + frame, repeated), built with scapy.
Run once from the repository root; the seeds are committed."""
import os
import struct

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest, ICMPv6ND_NS,
                       ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, Raw)

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
