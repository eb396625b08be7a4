"""A hotpathd with two ports on veth pairs (net_af_packet) whose far ends a raw socket plays: every
host of that side. Shared by the scenario tests that send one frame at a time and compare what
leaves (test_conntrack.py, test_lb.py)."""
import os
import socket
import subprocess

import hp

from scapy.all import Ether

DEADLINE = 30.0


class Link:
    """A veth pair: hotpathd's port on .a (net_af_packet), a raw socket on .b."""

    def __init__(self, tag):
        self.a, self.b = "hc%sa" % tag, "hc%sb" % tag
        subprocess.run(["ip", "link", "del", self.a], check=False, capture_output=True)
        subprocess.run(["ip", "link", "add", self.a, "type", "veth", "peer", "name", self.b], check=True)
        for i in (self.a, self.b):
            with open("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % i, "w") as f:
                f.write("1")  # the kernel says nothing on the link
            subprocess.run(["ip", "link", "set", i, "up"], check=True)
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.s.bind((self.b, 0))
        self.s.setblocking(False)
        self.seen = []   # every frame hotpathd sent on this link
        self.taken = 0   # how many of them a scenario has taken

    def send(self, frame):
        f = bytes(frame)
        self.s.send(f + bytes(max(0, 60 - len(f))))

    def poll(self):
        while True:
            try:
                f, addr = self.s.recvfrom(65535)
            except BlockingIOError:
                return
            if addr[2] != socket.PACKET_OUTGOING:
                self.seen.append(f)

    def close(self):
        self.s.close()
        subprocess.run(["ip", "link", "del", self.a], check=False)


class VethRig:
    """hotpathd between two links; config(a0, a1) gives its configuration for the links' hotpathd
    ends. send, through, outcome, dropped; stop() checks what was left."""

    def __init__(self, d, name, config, args=()):
        self.d, self.name = d, name
        tag = "%05d" % (os.getpid() % 100000)
        self.links = []
        try:
            self.links = [Link(tag + "0"), Link(tag + "1")]
        except Exception:
            for link in self.links:
                link.close()
            raise
        self.dm = hp.Daemon(hp.hotpathd_path(), d, config(self.links[0].a, self.links[1].a), name=name, args=args)
        self.report = None

    def __enter__(self):
        try:
            self.dm.start()
        except BaseException:
            for link in self.links:
                link.close()
            raise
        return self

    def __exit__(self, *exc):
        try:
            self.dm.__exit__(*exc)
        finally:
            for link in self.links:
                link.close()

    def ctl(self, cmd, args=None):
        return hp.request(self.dm.socket_path(), cmd, args)

    def drops(self):
        return {k: v for k, v in self.ctl("stats")["drops"].items() if v}

    def send(self, port, frame):
        self.links[port].send(frame)

    def _next(self, port):
        link = self.links[port]
        link.poll()
        if link.taken < len(link.seen):
            link.taken += 1
            return link.seen[link.taken - 1]
        return None

    def through(self, port, frame, out_port, what):
        """Send frame on port; the frame that leaves by out_port (fails at once if a drop is counted)."""
        before = self.drops()
        self.send(port, frame)
        last = [None]

        def got():
            f = self._next(out_port)
            if f is not None:
                return f
            now = self.drops()
            if now != before:
                raise AssertionError("%s: dropped instead of sent on p%d: drops %s -> %s" % (what, out_port, before, now))
            last[0] = now
            return None
        return hp.wait_until("%s to leave by p%d" % (what, out_port), got, DEADLINE)

    def outcome(self, port, frame, what):
        """Send frame on port; ("sent", out port, frame) or ("dropped", reason), whichever happens."""
        before = self.drops()
        self.send(port, frame)

        def seen():
            for p in (0, 1):
                f = self._next(p)
                if f is not None:
                    return ("sent", p, f)
            now = self.drops()
            if now != before:
                return ("dropped", [k for k in now if now[k] != before.get(k, 0)])
            return None
        return hp.wait_until("%s: sent or dropped" % what, seen, DEADLINE)

    def dropped(self, port, frame, reason, what):
        """Send frame on port; its drop must be counted under reason (and nothing else)."""
        before = self.drops()
        self.send(port, frame)

        def counted():
            for port in (0, 1):
                f = self._next(port)
                assert f is None, "%s: sent on p%d instead of dropped: %s" % (what, port, Ether(f).summary())
            now = self.drops()
            if now == before:
                return None
            want = dict(before)
            want[reason] = want.get(reason, 0) + 1
            assert now == want, "%s: drops %s -> %s, expected one more %s" % (what, before, now, reason)
            return now
        hp.wait_until("%s dropped as %s" % (what, reason), counted, DEADLINE)

    def stop(self):
        """Stop hotpathd: exit 0, every mbuf back, and every frame it sent taken by the scenario."""
        rc, _, report = self.dm.stop()
        assert rc == 0, self.dm.stderr()[-3000:]
        hp.check_mempools_full(report)
        for i, link in enumerate(self.links):
            sent = hp.port(report, "p%d" % i)["tx_packets"]
            hp.wait_until("the %d frames p%d sent" % (sent, i), lambda: link.poll() or len(link.seen) >= sent, DEADLINE)
            extra = [Ether(f).summary() for f in link.seen[link.taken:]]
            assert not extra, "p%d sent frames no scenario expected: %s" % (i, extra)
        self.report = report
        return report
