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


def udp4_frame(dst_mac, src_mac, src, dst, sport, dport, ident=0, size=64):
    """One IPv4 UDP frame (bytes, no FCS, padded to size - 4); src/dst: 4 packed bytes,
    dst_mac/src_mac: 6 bytes. Checksums included."""
    payload_len = max(size - 4 - 14 - 20 - 8, 0)
    payload = bytes((ident + k) & 0xFF for k in range(payload_len))
    udp_len = 8 + payload_len
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    ck = csum(pseudo + udp) or 0xFFFF
    udp = struct.pack("!HHHH", sport, dport, udp_len, ck) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, ident & 0xFFFF, 0, 64, 17, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    fr = dst_mac + src_mac + b"\x08\x00" + hdr + udp
    return fr + bytes(max(0, size - 4 - len(fr)))


class SynFlood:
    """TCP SYNs from random sources, built fast: one template frame, the checksums updated
    for the random source address and ports (RFC 1624 style sums), for millions of frames."""

    def __init__(self, dst_mac, src_mac, src_net, dst_net, dport=80, size=64, seed=1):
        import random
        self.rng = random.Random(seed)
        self.src_base, self.src_bits = int(src_net.network_address), 32 - src_net.prefixlen
        self.dst_base, self.dst_bits = int(dst_net.network_address), 32 - dst_net.prefixlen
        self.eth = dst_mac + src_mac + b"\x08\x00"
        self.pad = bytes(max(0, size - 4 - 14 - 40))
        self.dport = dport
        # constant parts of the sums: IP header without addresses, TCP header and pseudo
        # header without addresses and source port
        self.ip_const = 0x4500 + 40 + 0x4000 + (64 << 8) + 6
        self.tcp_const = 6 + 20 + dport + (5 << 12 | 0x02) + 65535

    @staticmethod
    def _fold(s):
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        return ~s & 0xFFFF

    def frame(self):
        r = self.rng.getrandbits(64)
        src = self.src_base | (r & ((1 << self.src_bits) - 1))
        dst = self.dst_base | ((r >> 32) & ((1 << self.dst_bits) - 1))
        sport = 1024 + ((r >> 48) % 64000)
        seq = r & 0xFFFFFFFF
        addr = (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF)
        ip_ck = self._fold(self.ip_const + addr)
        tcp_ck = self._fold(self.tcp_const + addr + sport + (seq >> 16) + (seq & 0xFFFF))
        return (self.eth + struct.pack("!BBHHHBBHII", 0x45, 0, 40, 0, 0x4000, 64, 6, ip_ck, src, dst)
                + struct.pack("!HHIIBBHHH", sport, self.dport, seq, 0, 5 << 4, 0x02, 65535, tcp_ck, 0) + self.pad)


def write_pcap(path, frames):
    """A pcap (microsecond, Ethernet) of the frames (an iterable of bytes), written in chunks."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        chunk = []
        for i, fr in enumerate(frames):
            chunk.append(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)) + fr)
            if len(chunk) == 65536:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))


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
    return udp4_frame(mac(args.dst_mac), mac(args.src_mac), src, dst, sport, dport, i, args.size)


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
