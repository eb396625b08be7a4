#!/usr/bin/python3
"""Write a pcap of UDP frames over many flows (for the demo and the benchmarks).

gen_flows.py OUT.pcap [--flows 1024] [--size 64] [--ipv6] [--dst-mac MAC] [--dst-net 198.18.0.0]
Frames are built here by hand (no scapy), checksums included; size is the
Ethernet frame without FCS (64 -> 60 bytes on the wire before FCS).
"""
import argparse
import ipaddress
import struct


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def frame(i, args):
    payload_len = max(args.size - 4 - 14 - (40 if args.ipv6 else 20) - 8, 0)
    payload = bytes((i + k) & 0xFF for k in range(payload_len))
    sport, dport = 1024 + (i % 60000), 5000 + (i % 8)
    udp_len = 8 + payload_len
    eth = mac(args.dst_mac) + mac(args.src_mac)
    if args.ipv6:
        src = ipaddress.IPv6Address("2001:db8::2").packed
        dst = (int(ipaddress.IPv6Address(args.dst_net6)) + i).to_bytes(16, "big")
        pseudo = src + dst + struct.pack("!I3xB", udp_len, 17)
        udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
        ck = csum(pseudo + udp) or 0xFFFF
        udp = struct.pack("!HHHH", sport, dport, udp_len, ck) + payload
        ip = struct.pack("!IHBB", 6 << 28, udp_len, 17, 64) + src + dst
        return eth + b"\x86\xdd" + ip + udp
    src = ipaddress.IPv4Address("10.0.0.2").packed
    dst = (int(ipaddress.IPv4Address(args.dst_net)) + i).to_bytes(4, "big")
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    ck = csum(pseudo + udp) or 0xFFFF
    udp = struct.pack("!HHHH", sport, dport, udp_len, ck) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, i & 0xFFFF, 0, 64, 17, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return eth + b"\x08\x00" + hdr + udp


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--flows", type=int, default=1024)
    ap.add_argument("--size", type=int, default=64, help="frame size with FCS, 64..1518")
    ap.add_argument("--ipv6", action="store_true")
    ap.add_argument("--dst-mac", default="02:00:00:00:00:01")
    ap.add_argument("--src-mac", default="02:00:00:00:00:aa")
    ap.add_argument("--dst-net", default="198.18.0.0")
    ap.add_argument("--dst-net6", default="2001:db8:1::")
    args = ap.parse_args()
    if not 64 <= args.size <= 1518 or args.flows < 1:
        ap.error("--size must be 64..1518 and --flows positive")
    with open(args.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(args.flows):
            fr = frame(i, args)
            fr += bytes(max(0, args.size - 4 - len(fr)))
            f.write(struct.pack("<IIII", 0, i, len(fr), len(fr)) + fr)


if __name__ == "__main__":
    main()
