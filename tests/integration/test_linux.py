"""The kernel route mirror (config linux:): routes of a kernel table copied into hotpathd's FIB.

    netns R: veth ra (hotpathd's port p0, net_af_packet; the kernel holds 10.61.0.1/24 on it too)
             <-> ha (the peer, in R as well: nothing is sent, only routes point at it)
             veth dm0 172.16.0.1/24 (peer dm1): an interface hotpathd does not own

Routes are added with `ip route` (and `ip -batch`) in R; the tests poll route.show and
linux.show until they say what the kernel says, with generous deadlines (never timing).
"""
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402

TAG = "hp-lx-%d" % os.getpid()
NS = TAG + "-r"
DEADLINE = 60


def sh(*args, check=True, inp=None):
    r = subprocess.run(["ip", "netns", "exec", NS] + list(args), capture_output=True, text=True, input=inp)
    if check and r.returncode != 0:
        raise AssertionError("%s: %s" % (" ".join(args), r.stderr))
    return r




def linux_routes(sock):
    return {r["prefix"]: r for r in hp.request(sock, "route.show", {"origin": "linux"})}


def until(what, fn, timeout=DEADLINE):
    return hp.wait_until(what, fn, timeout)


class Netns:
    def __enter__(self):
        self.down()
        subprocess.run(["ip", "netns", "add", NS], check=True)
        sh("ip", "link", "set", "lo", "up")
        sh("ip", "link", "add", "ra", "type", "veth", "peer", "name", "ha")
        sh("ip", "link", "set", "ra", "up")
        sh("ip", "link", "set", "ha", "up")
        sh("ip", "addr", "add", "10.61.0.1/24", "dev", "ra")
        sh("ip", "-6", "addr", "add", "2001:db8:61::1/64", "dev", "ra", "nodad")
        sh("ip", "link", "add", "dm0", "type", "veth", "peer", "name", "dm1")  # no dummy module here
        sh("ip", "link", "set", "dm0", "up")
        sh("ip", "link", "set", "dm1", "up")
        sh("ip", "addr", "add", "172.16.0.1/24", "dev", "dm0")
        self.mac = json.loads(sh("ip", "-j", "link", "show", "ra").stdout)[0]["address"]
        return self

    def down(self):
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)

    def __exit__(self, *exc):
        self.down()


def config(d, net, linux):
    sock = os.path.join(d, "hp.sock")
    return sock, (
        "control: { socket: %s }\n"
        "ports:\n"
        "  - { name: p0, device: \"net_af_packet0,iface=ra\", mode: l3, mac: \"%s\","
        " ipv4: [10.61.0.1/24], ipv6: [\"2001:db8:61::1/64\"] }\n%s" % (sock, net.mac, linux))


def test_mirror_follows_the_kernel(d):
    with Netns() as net:
        # before hotpathd starts: taken by the first dump
        sh("ip", "route", "add", "198.18.0.0/24", "via", "10.61.0.2", "dev", "ra", "proto", "static")
        # two routes of a prefix: the kernel uses (and dumps first) the lower metric
        sh("ip", "route", "add", "198.18.1.0/24", "via", "10.61.0.3", "dev", "ra", "proto", "static", "metric", "20")
        sh("ip", "route", "add", "198.18.1.0/24", "via", "10.61.0.2", "dev", "ra", "proto", "static", "metric", "10")
        sock, text = config(d, net, "linux: { table: main }\n")
        with hp.Daemon(HOTPATHD, d, text, netns=NS) as hd:
            until("the route added before start", lambda: "198.18.0.0/24" in linux_routes(sock))
            r = linux_routes(sock)["198.18.0.0/24"]
            assert r["via"] == ["10.61.0.2"] and r["port"] == "p0" and r["origin"] == "linux", r
            assert r["active"] is True, r
            assert linux_routes(sock)["198.18.1.0/24"]["via"] == ["10.61.0.2"], linux_routes(sock)
            # one next hop; deleted
            sh("ip", "route", "add", "198.51.100.0/24", "via", "10.61.0.2", "dev", "ra", "proto", "static")
            until("198.51.100.0/24 mirrored", lambda: "198.51.100.0/24" in linux_routes(sock))
            sh("ip", "route", "del", "198.51.100.0/24")
            until("198.51.100.0/24 gone", lambda: "198.51.100.0/24" not in linux_routes(sock))
            # replaced: the next hop follows
            sh("ip", "route", "replace", "198.18.0.0/24", "via", "10.61.0.3", "dev", "ra", "proto", "static")
            until("198.18.0.0/24 via 10.61.0.3",
                  lambda: linux_routes(sock).get("198.18.0.0/24", {}).get("via") == ["10.61.0.3"])
            # ECMP, IPv4 and IPv6
            sh("ip", "route", "add", "203.0.113.0/24", "proto", "static",
               "nexthop", "via", "10.61.0.2", "dev", "ra", "nexthop", "via", "10.61.0.3", "dev", "ra")
            until("an ECMP route of 2 next hops",
                  lambda: sorted(linux_routes(sock).get("203.0.113.0/24", {}).get("via", [])) ==
                  ["10.61.0.2", "10.61.0.3"])
            sh("ip", "-6", "route", "add", "2001:db8:99::/48", "proto", "static",
               "nexthop", "via", "2001:db8:61::2", "dev", "ra", "nexthop", "via", "2001:db8:61::3", "dev", "ra")
            until("an IPv6 ECMP route",
                  lambda: len(linux_routes(sock).get("2001:db8:99::/48", {}).get("via", [])) == 2)
            # an IPv6 multipath route losing one next hop: the kernel names only that one
            sh("ip", "-6", "route", "del", "2001:db8:99::/48", "via", "2001:db8:61::3", "dev", "ra")
            until("the IPv6 route keeps its other next hop",
                  lambda: linux_routes(sock).get("2001:db8:99::/48", {}).get("via") == ["2001:db8:61::2"])
            # a link-local gateway, as FRR's IPv6 eBGP installs its routes: the port says where
            sh("ip", "-6", "route", "add", "2001:db8:97::/48", "via", "fe80::2", "dev", "ra", "proto", "static")
            until("a route via a link-local gateway",
                  lambda: linux_routes(sock).get("2001:db8:97::/48", {}).get("via") == ["fe80::2"])
            assert linux_routes(sock)["2001:db8:97::/48"].get("port") == "p0", linux_routes(sock)["2001:db8:97::/48"]
            sh("ip", "-6", "route", "del", "2001:db8:97::/48")
            until("the link-local route deleted", lambda: "2001:db8:97::/48" not in linux_routes(sock))
            # IPv4 append: a second route the kernel does not use, added and deleted; ours stays
            sh("ip", "route", "append", "203.0.113.0/24", "via", "10.61.0.4", "dev", "ra", "proto", "static")
            sh("ip", "route", "del", "203.0.113.0/24", "via", "10.61.0.4", "dev", "ra")
            sh("ip", "route", "add", "198.51.100.0/25", "via", "10.61.0.2", "dev", "ra", "proto", "static")
            until("the marker after the append", lambda: "198.51.100.0/25" in linux_routes(sock))
            assert sorted(linux_routes(sock)["203.0.113.0/24"]["via"]) == ["10.61.0.2", "10.61.0.3"]
            sh("ip", "route", "del", "198.51.100.0/25")
            # blackhole, unreachable, prohibit: drops
            sh("ip", "route", "add", "blackhole", "192.0.2.0/24", "proto", "static")
            sh("ip", "route", "add", "unreachable", "192.0.2.128/25", "proto", "static")
            sh("ip", "-6", "route", "add", "prohibit", "2001:db8:98::/48", "proto", "static")
            until("three drop routes", lambda: all(
                linux_routes(sock).get(p, {}).get("action") == "drop"
                for p in ("192.0.2.0/24", "192.0.2.128/25", "2001:db8:98::/48")))
            assert hp.request(sock, "linux.show")["drop_routes"] == {"blackhole": 1, "unreachable": 1, "prohibit": 1}
            # through an interface hotpathd does not own: skipped and counted; another table: ignored
            sh("ip", "route", "add", "10.99.0.0/16", "via", "172.16.0.2", "dev", "dm0", "proto", "static")
            sh("ip", "route", "add", "10.98.0.0/16", "via", "10.61.0.2", "dev", "ra", "table", "100")
            until("the foreign route counted",
                  lambda: hp.request(sock, "linux.show")["skipped"]["foreign_interface"] >= 1)
            # the other table's route was sent before the foreign one: counted by now
            st = hp.request(sock, "linux.show")
            assert st["skipped"]["other_table"] >= 1, st
            # the kernel's own route of the port's subnet is the port's connected subnet
            assert st["skipped"]["connected"] >= 1, st
            routes = linux_routes(sock)
            assert "10.99.0.0/16" not in routes and "10.98.0.0/16" not in routes, routes
            assert st["enabled"] is True and st["table"] == 254 and st["state"] == "listening", st
            assert st["resyncs"] >= 1 and st["messages"] > 0 and st["last_change"] > 0, st
            assert st["routes"] == len(routes), (st, routes)
            # many at once: ip -batch
            batch = "".join("route add 100.64.%d.%d/32 via 10.61.0.2 dev ra proto static\n" % (i >> 8, i & 255)
                            for i in range(2000))
            sh("ip", "-batch", "-", inp=batch)
            until("2000 routes of a batch", lambda: hp.request(sock, "linux.show")["routes"] >= len(routes) + 2000)
            status = hp.request(sock, "status")  # the operator's routes and the kernel's, apart
            assert status["linux_routes"] == hp.request(sock, "linux.show")["routes"], status
            sh("ip", "-batch", "-", inp=batch.replace("route add", "route del"))
            until("the batch deleted", lambda: hp.request(sock, "linux.show")["routes"] == len(routes))
            # 3,000 IPv6 /48s spread as a BGP table's are, sharing little: each may take 3 of
            # rte_lpm6's groups; the FIB makes room for linux.ipv6_routes (once ~1,600 fit)
            batch6 = "".join("route add 2%03x:%04x:%04x::/48 via 2001:db8:61::2 dev ra proto static\n"
                             % (0x400 + (i * 2654435761 >> 20) % 0xa00, i * 40503 & 0xffff, i)
                             for i in range(3000))
            sh("ip", "-batch", "-", inp=batch6)
            until("3000 IPv6 routes of a batch",
                  lambda: hp.request(sock, "linux.show")["routes"] >= len(routes) + 3000)
            assert hp.request(sock, "linux.show")["skipped"].get("table_full", 0) == 0
            sh("ip", "-batch", "-", inp=batch6.replace("route add", "route del"))
            until("the IPv6 batch deleted", lambda: hp.request(sock, "linux.show")["routes"] == len(routes))
            # a config route of the same prefix wins; the linux one comes back when it goes
            hp.request(sock, "route.add", {"prefix": "198.18.0.0/24", "action": "drop"})
            assert hp.request(sock, "linux.show")["shadowed"] == 1
            hp.request(sock, "route.del", {"prefix": "198.18.0.0/24"})
            assert linux_routes(sock)["198.18.0.0/24"]["active"] is True
            # config apply: protocols [bgp] drops the static ones (a resync)...
            resyncs = hp.request(sock, "linux.show")["resyncs"]
            path = os.path.join(d, "apply.yaml")
            with open(path, "w") as f:
                f.write(config(d, net, "linux: { table: main, protocols: [bgp] }\n")[1])
            hp.request(sock, "config.apply", {"file": path})
            until("protocols [bgp]: no static route left",
                  lambda: hp.request(sock, "linux.show")["routes"] == 0 and
                  hp.request(sock, "linux.show")["resyncs"] > resyncs)
            sh("ip", "route", "add", "198.19.0.0/24", "via", "10.61.0.2", "dev", "ra", "proto", "bgp")
            until("a bgp route taken", lambda: "198.19.0.0/24" in linux_routes(sock))
            assert hp.request(sock, "linux.show")["protocols"] == ["bgp"]
            assert '"protocols": [\n' in hp.request(sock, "config.dump")["yaml"]
            # ... table 100 takes that table's route
            with open(path, "w") as f:
                f.write(config(d, net, "linux: { table: 100 }\n")[1])
            hp.request(sock, "config.apply", {"file": path})
            until("table 100 mirrored", lambda: set(linux_routes(sock)) == {"10.98.0.0/16"})
            # the port's interface going down: the kernel drops its IPv4 routes without a
            # notification; the link change is a resync, which finds them gone
            resyncs = hp.request(sock, "linux.show")["resyncs"]
            sh("ip", "link", "set", "ra", "down")
            until("a down link's routes gone", lambda: linux_routes(sock) == {} and
                  hp.request(sock, "linux.show")["resyncs"] > resyncs)
            sh("ip", "link", "set", "ra", "up")
            # and no section: the mirror stops, its routes flushed
            with open(path, "w") as f:
                f.write(config(d, net, "")[1])
            hp.request(sock, "config.apply", {"file": path})
            until("mirror off", lambda: hp.request(sock, "linux.show")["state"] == "off")
            assert linux_routes(sock) == {}
            assert hp.request(sock, "linux.show")["enabled"] is False
            assert '"linux"' not in hp.request(sock, "config.dump")["yaml"]
            code, _, _ = hd.stop()
            assert code == 0, hd.stderr()
            err = hd.stderr()
            assert "not mirrored: foreign_interface" in err, err


def test_no_section_no_mirror(d):
    with Netns() as net:
        sh("ip", "route", "add", "198.18.0.0/24", "via", "10.61.0.2", "dev", "ra", "proto", "static")
        sock, text = config(d, net, "")
        with hp.Daemon(HOTPATHD, d, text, netns=NS) as hd:
            st = hp.request(sock, "linux.show")
            assert st["enabled"] is False and st["state"] == "off" and st["routes"] == 0, st
            assert linux_routes(sock) == {}
            # config apply turns it on: the dump takes the route
            path = os.path.join(d, "apply.yaml")
            with open(path, "w") as f:
                f.write(config(d, net, "linux: {}\n")[1])
            hp.request(sock, "config.apply", {"file": path})
            until("the mirror on by config apply", lambda: "198.18.0.0/24" in linux_routes(sock))
            code, _, _ = hd.stop()
            assert code == 0, hd.stderr()


def test_overrun_resyncs(d):
    """Notifications lost to a full socket buffer (ENOBUFS) are a resync, never an exit: hotpathd
    stopped (SIGSTOP) while the kernel takes 3000 routes, with an event socket buffer of 4 KiB."""
    with Netns() as net:
        sock, text = config(d, net, "linux: { table: main, protocols: [static] }\n")
        os.environ["HP_LINUX_RCVBUF"] = "4096"
        try:
            with hp.Daemon(HOTPATHD, d, text, netns=NS) as hd:
                os.environ.pop("HP_LINUX_RCVBUF", None)
                until("listening", lambda: hp.request(sock, "linux.show")["state"] == "listening")
                before = hp.request(sock, "linux.show")
                os.kill(hd.proc.pid, signal.SIGSTOP)
                try:
                    sh("ip", "-batch", "-", inp="".join(
                        "route add 100.64.%d.%d/32 via 10.61.0.2 dev ra proto static\n" % (i >> 8, i & 255)
                        for i in range(3000)))
                finally:
                    os.kill(hd.proc.pid, signal.SIGCONT)

                def converged():
                    st = hp.request(sock, "linux.show")
                    return st["routes"] == 3000 and st["state"] == "listening" and st
                st = until("3000 routes after the overrun", converged)
                assert st["overruns"] >= 1 and st["resyncs"] > before["resyncs"], (before, st)
                # and it keeps following the kernel
                sh("ip", "route", "del", "100.64.0.7/32")
                until("a delete after the resync", lambda: "100.64.0.7/32" not in linux_routes(sock))
                code, _, _ = hd.stop()
                assert code == 0, hd.stderr()
                assert "netlink overrun (ENOBUFS)" in hd.stderr(), hd.stderr()
        finally:
            os.environ.pop("HP_LINUX_RCVBUF", None)


def setup():
    global HOTPATHD
    HOTPATHD = hp.hotpathd_path()
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(hp.SKIP)


def main():
    setup()
    hp.run([test_mirror_follows_the_kernel, test_no_section_no_mirror, test_overrun_resyncs])


if __name__ == "__main__":
    main()
