"""End to end: the XDP program's edges, in the namespaces and veths of test_xdp.py.

* a pass class names its direction: tcp/22 is a destination, so a sender that picks
  source port 22 does not reach the host's stack; tcp/sport/179 opens the other end of
  a session the host started (BGP both ways: tcp/179 + tcp/sport/179);
* on_no_socket: a net_af_xdp port's interface drops what it would steer when no socket
  is bound (after a crash), unless on_no_socket: pass; a shield with on_no_socket: drop
  passes only its classes; config dump and apply carry the key;
* failure modes: an interface a running hotpathd owns, a native attach the driver
  cannot do, a missing interface, the 64-class limit, block lists that do not fit
  together in a config.apply.

Ordering, not time, proves a negative: frames the program dropped were sent before
a frame that got through on the same veth queue, so once that one arrived the earlier
ones were decided.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import hp  # noqa: E402
import test_xdp as tx  # noqa: E402
from test_xdp import NS_C, NS_H, PY, VH0, VH1, hpctl, sh  # noqa: E402

DEADLINE = 30.0  # generous: polls end as soon as the state is seen


def wait_for(fn, timeout=DEADLINE):
    return tx.wait_for("", fn, timeout)


# A kernel TCP listener in the host namespace that accepts forever and counts connections.
LISTEN = ("import socket,sys\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
          "s.bind((%r, %d)); s.listen(64); print('ready', flush=True)\n"
          "while True:\n    c,a=s.accept(); print('conn', a[1], flush=True); c.sendall(b'hi'); c.close()\n")


def connect(src, sport, dst, dport, ns, timeout=3):
    """A TCP connection from src:sport to dst:dport inside ns: True when it got 'hi' back."""
    r = sh(PY, "-c", "import socket\nc=socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
           "c.bind((%r,%d)); c.settimeout(%d)\n"
           "try:\n    c.connect((%r,%d)); print(c.recv(8).decode())\n"
           "except OSError as e:\n    print('fail', e)\n" % (src, sport, timeout, dst, dport), ns=ns, check=False)
    return r.stdout.strip() == "hi"


def send_tcp_syn(src, dst, sport, dport, n=1):
    """n raw TCP SYNs from the peer (scapy): no socket state, only the frame's ports matter."""
    sh(PY, "-c", "from scapy.all import IP, TCP, send\n"
       "send([IP(src=%r,dst=%r)/TCP(sport=%d,dport=%d,flags='S',seq=i) for i in range(%d)], verbose=0)\n"
       % (src, dst, sport, dport, n), ns=NS_C)


def test_direction(d):
    """tcp/22 is a destination: a frame FROM port 22 is steered to hotpathd, not the kernel."""
    with tx.Topology() as topo:
        sock, text = tx.config(topo, d)
        with tx.daemon(d, text) as hd:
            # a net_af_xdp port on a veth: hotpathd says at start what the peer must do
            assert "port p0: %s is a veth" % VH0 in hd.stderr() and "ethtool -K" in hd.stderr(), hd.stderr()
            lst = tx.serve(LISTEN % ("10.231.0.1", 5555))
            lst22 = tx.serve(LISTEN % ("10.231.0.1", 22))
            try:
                sh("ip", "neigh", "replace", "10.231.0.1", "lladdr", topo.mac0, "dev", tx.VC0, ns=NS_C)
                c0 = tx.counters(sock, VH0)
                # 20 SYNs from source port 22 to a kernel port that is not passed: steered
                send_tcp_syn("10.231.0.2", "10.231.0.1", 22, 5555, 20)
                # then a real connection to tcp/22 (passed): it arrives after the 20 SYNs
                assert connect("10.231.0.2", 0, "10.231.0.1", 22, NS_C), "tcp/22 to the kernel failed"
                c = tx.counters(sock, VH0)
                assert c["steer"] - c0["steer"] >= 20, (c0, c)
                assert c["pass_tcp"] - c0["pass_tcp"] < 20, "frames from source port 22 were passed: %s %s" % (c0, c)
                # and a real connection from source port 22 to 5555 never reaches the kernel
                assert not connect("10.231.0.2", 22, "10.231.0.1", 5555, NS_C, timeout=2), \
                    "a connection from source port 22 reached a kernel port that is not passed"
            finally:
                for p in (lst, lst22):
                    p.kill()
                    p.wait()
            code, _, _ = hd.stop()
            assert code == 0


def test_bgp_both_ways(d):
    """tcp/179 passes a session the peer opens; the host's own session to the peer's 179 needs
    tcp/sport/179 (its replies come FROM 179): failing without it, working once it is added."""
    with tx.Topology() as topo:
        sock, text = tx.config(topo, d)
        text = text.replace('pass: [arp, "tcp/22"]', 'pass: [arp, "tcp/179"]')
        with tx.daemon(d, text) as hd:
            sh("ip", "neigh", "replace", "10.231.0.1", "lladdr", topo.mac0, "dev", tx.VC0, ns=NS_C)
            host = tx.serve(LISTEN % ("10.231.0.1", 179))
            peer = subprocess.Popen(["ip", "netns", "exec", NS_C, PY, "-c", LISTEN % ("10.231.0.2", 179)],
                                    stdout=subprocess.PIPE, text=True)
            try:
                assert peer.stdout.readline().strip() == "ready"
                # the peer opens the session: its frames go to port 179
                assert connect("10.231.0.2", 0, "10.231.0.1", 179, NS_C), "peer -> host:179 failed"
                # the host opens it: the peer's SYN-ACK comes from 179 and is steered away
                assert not connect("10.231.0.1", 0, "10.231.0.2", 179, NS_H, timeout=2), \
                    "host -> peer:179 worked without tcp/sport/179"
                r = subprocess.run([os.environ["HPCTL"], "-s", sock, "xdp", "pass", "add", "tcp/sport/179"],
                                   capture_output=True, text=True)
                assert r.returncode == 0, r.stderr
                assert hpctl(sock, "xdp", "show")[0]["pass"] == ["arp", "tcp/179", "tcp/sport/179"]
                assert connect("10.231.0.1", 0, "10.231.0.2", 179, NS_H), "host -> peer:179 failed with tcp/sport/179"
                assert connect("10.231.0.2", 0, "10.231.0.1", 179, NS_C), "peer -> host:179 failed"
                # the dump keeps the new syntax and a daemon reads it back
                dump = hpctl(sock, "config", "dump")["yaml"]
                assert json.loads(dump.split("\n", 1)[1])["xdp"][0]["pass"] == ["arp", "tcp/179", "tcp/sport/179"]
                with open(os.path.join(d, "dump.yaml"), "w") as f:
                    f.write(dump)
                r = subprocess.run([tx.HOTPATHD, "-c", os.path.join(d, "dump.yaml"), "--check"],
                                   capture_output=True, text=True)
                assert r.returncode == 0, r.stderr
            finally:
                for p in (host, peer):
                    p.kill()
                    p.wait()
            code, _, _ = hd.stop()
            assert code == 0


UDP_COUNT = ("import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((%r,%d))\n"
             "print('ready', flush=True); n=0\n"
             "while True:\n    b=s.recv(64)\n    if b==b'end': break\n    n+=1\nprint(n, flush=True)\n")


def udp_then_marker(dst, port, n, marker_port):
    """n datagrams to dst:port from the peer, then 'end' to dst:marker_port (a pass class)."""
    sh(PY, "-c", "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
       "for i in range(%d): s.sendto(b'x', (%r,%d))\n"
       "s.sendto(b'end', (%r,%d))\n" % (n, dst, port, dst, marker_port), ns=NS_C)


def test_on_no_socket_after_crash(d):
    """A crash leaves net_af_xdp's program on the interface with no socket: by default what
    hotpathd would take is dropped there (the pass classes still reach the kernel); with
    on_no_socket: pass it goes to the kernel."""
    for setting, want_through in ((None, False), ("pass", True)):
        with tx.Topology() as topo:
            sock, text = tx.config(topo, d)
            text = text.replace('pass: [arp, "tcp/22"]', 'pass: [arp, "udp/7000"]')
            if setting:
                text = text.replace("pass: [arp", "on_no_socket: %s, pass: [arp" % setting)
            with tx.daemon(d, text) as hd:
                show = hpctl(sock, "xdp", "show")[0]
                assert show["on_no_socket"] == (setting or "drop"), show
                tx.crash(hd)
            assert VH0 in topo.xdp_progs(), "the crashed daemon's program should stay"
            sh("ip", "neigh", "replace", "10.231.0.1", "lladdr", topo.mac0, "dev", tx.VC0, ns=NS_C)
            # the kernel's UDP socket on 6000 counts; 7000 (a pass class) carries the marker
            rx = subprocess.Popen(["ip", "netns", "exec", NS_H, PY, "-c",
                                   "import socket,select\n"
                                   "a=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); a.bind(('10.231.0.1',6000))\n"
                                   "b=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); b.bind(('10.231.0.1',7000))\n"
                                   "print('ready', flush=True); b.recv(8); n=0\n"
                                   "a.setblocking(False)\n"
                                   "while True:\n"
                                   "    try: a.recv(64); n+=1\n"
                                   "    except BlockingIOError: break\n"
                                   "print(n, flush=True)\n"], stdout=subprocess.PIPE, text=True)
            try:
                assert rx.stdout.readline().strip() == "ready"
                udp_then_marker("10.231.0.1", 6000, 30, 7000)
                out, _ = rx.communicate(timeout=DEADLINE)
            finally:
                rx.kill()
                rx.wait()
            got = int(out.strip())
            assert got == (30 if want_through else 0), \
                "on_no_socket %s: the kernel got %d of 30 datagrams after the crash" % (setting or "default", got)


def test_shield_on_no_socket(d):
    """A shield with on_no_socket: drop passes only its classes; config.apply turns it to pass."""
    with tx.Topology() as topo:
        shield = "  - { iface: %s, on_no_socket: drop, pass: [arp, \"udp/7000\"] }\n" % VH1
        sock, text = tx.config(topo, d, shield)
        with tx.daemon(d, text) as hd:
            show = {x["iface"]: x for x in hpctl(sock, "xdp", "show")}
            assert show[VH1]["on_no_socket"] == "drop" and show[VH0]["on_no_socket"] == "drop", show
            dump = json.loads(hpctl(sock, "config", "dump")["yaml"].split("\n", 1)[1])
            assert [x.get("on_no_socket") for x in dump["xdp"]] == [None, "drop"], dump["xdp"]
            c0 = tx.counters(sock, VH1)
            udp_then_marker("10.232.0.1", 6000, 25, 7000)
            assert wait_for(lambda: tx.counters(sock, VH1)["pass_udp"] - c0["pass_udp"] >= 1)
            c = tx.counters(sock, VH1)
            # >= : the peer's own IPv6 chatter (RS, MLD) is steered too, and dropped with them
            assert c["drop_nosock"] - c0["drop_nosock"] >= 25 and c["pass_nosock"] == c0["pass_nosock"], (c0, c)
            # apply: the same file with on_no_socket: pass
            with open(os.path.join(d, "pass.yaml"), "w") as f:
                f.write(text.replace("on_no_socket: drop", "on_no_socket: pass"))
            hpctl(sock, "config", "apply", os.path.join(d, "pass.yaml"))
            assert {x["iface"]: x for x in hpctl(sock, "xdp", "show")}[VH1]["on_no_socket"] == "pass"
            c0 = tx.counters(sock, VH1)
            udp_then_marker("10.232.0.1", 6000, 25, 7000)
            assert wait_for(lambda: tx.counters(sock, VH1)["pass_udp"] - c0["pass_udp"] >= 1)
            c = tx.counters(sock, VH1)
            assert c["pass_nosock"] - c0["pass_nosock"] >= 25 and c["drop_nosock"] == c0["drop_nosock"], (c0, c)
            dump = json.loads(hpctl(sock, "config", "dump")["yaml"].split("\n", 1)[1])
            assert [x.get("on_no_socket") for x in dump["xdp"]] == [None, "pass"], dump["xdp"]
            code, _, _ = hd.stop()
            assert code == 0


def refused_start(d, text, name="bad"):
    """hotpathd on text must exit 1 before it is ready; returns its stderr and stdout."""
    hd = hp.Daemon(tx.HOTPATHD, d, text, name=name, netns=NS_H)
    try:
        hd.start(timeout=60)
    except AssertionError:
        pass
    else:
        hd.kill()
        raise AssertionError("hotpathd started on a config it should refuse:\n%s" % text)
    finally:
        hd.kill()
        if hd.log:
            hd.log.close()
    assert hd.proc.returncode == 1, hd.proc.returncode
    with open(os.path.join(d, name + ".yaml.log")) as f:
        return f.read() + hd.out


def solo(d, name, xdp):
    """A config of one quiet port (an empty pcap) and the given xdp entries."""
    pcap = os.path.join(d, "empty.pcap")
    hp.write_pcap(pcap, [])
    return ("control: { socket: %s }\n"
            "ports:\n  - { name: q0, device: \"net_pcap0,rx_pcap=%s\" }\nxdp:\n%s"
            % (os.path.join(d, name + ".sock"), pcap, xdp))


def test_failure_modes(d):
    """An interface a running hotpathd owns, a native attach the driver cannot do, a missing
    interface: each refused at start with a message, nothing left attached, the first
    daemon untouched."""
    with tx.Topology() as topo:
        shield = "  - { iface: %s, mode: generic }\n" % VH1
        sock, text = tx.config(topo, d, shield)
        with tx.daemon(d, text) as hd:
            progs = topo.xdp_progs()
            # a second daemon on the same interfaces (its own socket)
            other = text.replace(sock, os.path.join(d, "b.sock"))
            err = refused_start(d, other, "second")
            assert "is served by hotpathd pid %d" % hd.proc.pid in err, err
            # a shield-only interface alone
            err = refused_start(d, solo(d, "third", "  - { iface: %s, mode: generic }\n" % VH1), "third")
            assert "xdp: %s is served by hotpathd pid %d" % (VH1, hd.proc.pid) in err, err
            assert topo.xdp_progs() == progs, (progs, topo.xdp_progs())
            assert hpctl(sock, "xdp", "show")[0]["iface"] == VH0
            code, _, _ = hd.stop()
            assert code == 0
        assert topo.xdp_progs() == {}, topo.xdp_progs()

        # native mode on a device without native XDP (a bridge)
        sh("ip", "link", "add", "hpbr0", "type", "bridge", ns=NS_H)
        sh("ip", "link", "set", "hpbr0", "up", ns=NS_H)
        cfg = solo(d, "native", "  - { iface: hpbr0 }\n")
        err = refused_start(d, cfg, "native")
        assert "xdp: hpbr0: cannot attach in native mode" in err and "use mode: generic" in err, err
        assert topo.xdp_progs() == {}, topo.xdp_progs()
        # ... which generic mode can
        with hp.Daemon(tx.HOTPATHD, d, cfg.replace("{ iface: hpbr0 }", "{ iface: hpbr0, mode: generic }"),
                       name="generic", netns=NS_H) as g:
            assert "hpbr0" in topo.xdp_progs()
            code, _, _ = g.stop()
            assert code == 0
        assert topo.xdp_progs() == {}, topo.xdp_progs()

        # a missing interface: an xdp entry, and a net_af_xdp port
        err = refused_start(d, solo(d, "missing", "  - { iface: hpnosuch0 }\n"), "missing")
        assert "xdp: no interface named hpnosuch0" in err, err
        sock, text = tx.config(topo, d)
        err = refused_start(d, text.replace("iface=%s," % VH0, "iface=hpnosuch0,").replace(
            "iface: %s," % VH0, "iface: hpnosuch0,"), "missingport")
        assert "port p0: no interface named hpnosuch0" in err, err
        assert topo.xdp_progs() == {}, topo.xdp_progs()


def classes(n, start=10000):
    return ", ".join('"udp/%d"' % (start + i) for i in range(n))


def test_class_limit(d):
    """64 classes per interface: a file with 65 is refused (hotpathd --check, config.apply: nothing
    changes), and hpctl xdp pass add of a 65th is refused with ENOSPC."""
    with tx.Topology() as topo:
        sock, text = tx.config(topo, d)
        full = text.replace('pass: [arp, "tcp/22"]', "pass: [%s]" % classes(64))
        over = text.replace('pass: [arp, "tcp/22"]', "pass: [%s]" % classes(65))
        with open(os.path.join(d, "over.yaml"), "w") as f:
            f.write(over)
        r = subprocess.run([tx.HOTPATHD, "-c", os.path.join(d, "over.yaml"), "--check"], capture_output=True, text=True)
        assert r.returncode == 2 and "key 'pass': too many classes (at most 64)" in r.stderr, r.stderr
        with tx.daemon(d, full) as hd:
            show = hpctl(sock, "xdp", "show")[0]
            assert len(show["pass"]) == 64, show
            dump = hpctl(sock, "config", "dump")["yaml"]
            r = subprocess.run([os.environ["HPCTL"], "-s", sock, "xdp", "pass", "add", "tcp/22"],
                               capture_output=True, text=True)
            assert r.returncode == 1 and "ENOSPC" in r.stderr and "64 pass classes already" in r.stderr, r.stderr
            r = hpctl(sock, "config", "apply", os.path.join(d, "over.yaml"), check=False)
            assert r.returncode == 1 and "too many classes (at most 64)" in r.stderr, r.stderr
            assert hpctl(sock, "xdp", "show")[0]["pass"] == show["pass"]
            assert hpctl(sock, "config", "dump")["yaml"] == dump
            # a class is still enforced after the refusals: udp/10063 passes, 10064 is steered
            c0 = tx.counters(sock, VH0)
            tx.send_udp("10.231.0.2", "10.231.0.100", 5, port=10063)
            tx.send_udp("10.231.0.2", "10.231.0.100", 5, port=10064)
            assert wait_for(lambda: tx.counters(sock, VH0)["pass_udp"] - c0["pass_udp"] == 5 and
                            tx.counters(sock, VH0)["steer"] - c0["steer"] >= 5), tx.counters(sock, VH0)
            code, _, _ = hd.stop()
            assert code == 0


def block_file(text, prefixes):
    return text.replace('block: ["10.231.0.77/32", "192.0.2.0/24"]',
                        "block: [%s]" % ", ".join('"%s"' % p for p in prefixes))


def test_block_lists_swap(d):
    """config.apply from one long block list to another that does not fit beside it in the map
    (140k + 140k > 262144): the file's list is what the map holds after, exactly; a file with
    more prefixes than the map takes is refused and changes nothing."""
    old = ["10.%d.%d.%d/32" % (i >> 16, (i >> 8) & 255, i & 255) for i in range(140000)]
    new = ["100.%d.%d.%d/32" % (64 + (i >> 16), (i >> 8) & 255, i & 255) for i in range(140000)]
    with tx.Topology() as topo:
        sock, text = tx.config(topo, d)
        with tx.daemon(d, block_file(text, old)) as hd:
            assert hpctl(sock, "xdp", "show")[0]["block4"] == 140000
            with open(os.path.join(d, "new.yaml"), "w") as f:
                f.write(block_file(text, new))
            hpctl(sock, "config", "apply", os.path.join(d, "new.yaml"))
            show = hpctl(sock, "xdp", "show")[0]
            assert show["block4"] == 140000, show
            # too many for the map: refused at reading, nothing changed
            with open(os.path.join(d, "over.yaml"), "w") as f:
                f.write(block_file(text, new + ["172.%d.%d.%d/32" % (16 + (i >> 16), (i >> 8) & 255, i & 255)
                                                for i in range(262144 - 140000 + 1)]))
            r = hpctl(sock, "config", "apply", os.path.join(d, "over.yaml"), check=False)
            assert r.returncode == 1 and "too many" in r.stderr, r.stderr
            assert hpctl(sock, "xdp", "show")[0]["block4"] == 140000
            # the map holds the new list and none of the old: a source of the new list is
            # dropped, then one of the old is steered (after it on the queue: decided after)
            c0 = tx.counters(sock, VH0)
            sh("ip", "addr", "add", "100.64.5.9/32", "dev", tx.VC0, ns=NS_C)
            sh("ip", "addr", "add", "10.1.5.9/32", "dev", tx.VC0, ns=NS_C)
            tx.send_udp("100.64.5.9", "10.231.0.100", 5)
            tx.send_udp("10.1.5.9", "10.231.0.100", 5)
            assert wait_for(lambda: tx.counters(sock, VH0)["steer"] - c0["steer"] >= 5), tx.counters(sock, VH0)
            c = tx.counters(sock, VH0)
            assert c["drop_block4"] - c0["drop_block4"] == 5, (c0, c)
            code, _, _ = hd.stop()
            assert code == 0


def main():
    tx.HOTPATHD = hp.hotpathd_path()
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces, XDP)")
        sys.exit(hp.SKIP)
    if hp.hugepages_free() < 64:
        print("SKIP: needs free hugepages (net_af_xdp's UMEM)")
        sys.exit(hp.SKIP)
    why = tx.xdp_not_permitted()
    if why:
        print("SKIP: %s" % why)
        sys.exit(hp.SKIP)
    hp.run([test_direction, test_bgp_both_ways, test_on_no_socket_after_crash, test_shield_on_no_socket,
            test_failure_modes, test_class_limit, test_block_lists_swap])


if __name__ == "__main__":
    main()
