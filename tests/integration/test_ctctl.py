#!/usr/bin/python3
"""Connection tracking and NAT from the control side (issue 15): conntrack.show / stats / flush and
nat.show / add / del over the socket, hpctl conntrack and nat against the daemon, and the
hotpath_conntrack_* / hotpath_nat_* metrics and /hotpath/conntrack. hotpathd on net_pcap ports
with an ACL that uses state: and an snat rule; the flows are a pcap replayed once (connections
then stay until their timeout, set long here) or forever (forwarding must go on through changes)."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402

from scapy.all import IP, TCP, UDP, Ether, ICMP, conf  # noqa: E402

conf.verb = 0
BIN = hp.hotpathd_path()
HPCTL = os.path.join(os.path.dirname(BIN), "control", "hpctl", "hpctl")  # BUILD/hotpathd, BUILD/control/hpctl/hpctl
P0_MAC, P1_MAC, GW, HOST = "02:00:00:00:00:01", "02:00:00:00:01:01", "02:00:00:00:01:02", "02:00:00:00:00:aa"

# p0 inside (10.0.0.0/24), p1 outside; new connections from inside pass, replies of them too, the
# rest is denied; inside sources leave p1 as 10.0.1.100 (a pool address on p1's subnet).
CONFIG = """\
control: {{ socket: {d}/ct.sock, metrics: "127.0.0.1:{port}" }}
ports:
  - {{ name: p0, device: "net_pcap0,rx_pcap={d}/in0.pcap{inf}", mac: "{p0}", ipv4: [10.0.0.1/24] }}
  - {{ name: p1, device: "net_pcap1,rx_pcap={d}/in1.pcap,tx_pcap={d}/out1.pcap", mac: "{p1}",
      ipv4: [10.0.1.1/24] }}
neighbors:
  - {{ ip: 10.0.1.2, mac: "{gw}", port: p1 }}
routes:
  - {{ prefix: 198.18.0.0/15, via: 10.0.1.2 }}
conntrack:
  max: 4096
  timeouts: {{ tcp_established: 3600, tcp_transitory: 3600, udp: 3600, icmp: 3600 }}
acl_default: deny
acl:
  - {{ priority: 10, state: [established, related], action: permit }}
  - {{ priority: 20, src: 10.0.0.0/24, state: new, action: permit }}
nat:
  - {{ type: snat, out: p1, src: 10.0.0.0/24, to: [10.0.1.100] }}
"""

# The same without state: or nat:, nothing tracked.
STATELESS = """\
control: {{ socket: {d}/ct.sock, metrics: "127.0.0.1:{port}" }}
ports:
  - {{ name: p0, device: "net_pcap0,rx_pcap={d}/in0.pcap,infinite_rx=1", mac: "{p0}", ipv4: [10.0.0.1/24] }}
  - {{ name: p1, device: "net_pcap1,rx_pcap={d}/in1.pcap", mac: "{p1}", ipv4: [10.0.1.1/24] }}
neighbors:
  - {{ ip: 10.0.1.2, mac: "{gw}", port: p1 }}
routes:
  - {{ prefix: 198.18.0.0/15, via: 10.0.1.2 }}
"""

N_UDP = 5


def flows():
    """Five UDP flows 10.0.0.2:1000+i -> 198.18.0.5:53, a TCP SYN to 198.18.0.6:80, an echo request to
    198.18.0.7: seven connections."""
    fr = [Ether(dst=P0_MAC, src=HOST) / IP(src="10.0.0.2", dst="198.18.0.5") / UDP(sport=1000 + i, dport=53)
          for i in range(N_UDP)]
    fr.append(Ether(dst=P0_MAC, src=HOST) / IP(src="10.0.0.2", dst="198.18.0.6") /
              TCP(sport=40000, dport=80, flags="S", seq=1000))
    fr.append(Ether(dst=P0_MAC, src=HOST) / IP(src="10.0.0.2", dst="198.18.0.7") / ICMP(type=8, id=77, seq=1))
    return fr


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(d, text=CONFIG, infinite=False, frames=None):
    port = free_tcp_port()
    hp.write_pcap(os.path.join(d, "in0.pcap"), [bytes(f) for f in (flows() if frames is None else frames)])
    hp.write_pcap(os.path.join(d, "in1.pcap"), [])
    cfg = text.format(d=d, port=port, p0=P0_MAC, p1=P1_MAC, gw=GW, inf=",infinite_rx=1" if infinite else "")
    return hp.Daemon(BIN, d, cfg, name="ct"), port


class Ctl:
    """One connection to the control socket."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(60)
        self.s.connect(path)
        self.buf = b""
        self.n = 0

    def req(self, cmd, args=None):
        self.n += 1
        msg = {"id": self.n, "cmd": cmd}
        if args is not None:
            msg["args"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            assert chunk, "connection closed"
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        r = json.loads(line)
        assert r["id"] == self.n, r
        return r

    def ok(self, cmd, args=None):
        r = self.req(cmd, args)
        assert r["ok"] is True, "%s %s: %s" % (cmd, args, r)
        return r["result"]

    def err(self, cmd, args, code="EINVAL"):
        r = self.req(cmd, args)
        assert r["ok"] is False and r["error"]["code"] == code, "%s %s: want %s, got %s" % (cmd, args, code, r)
        assert r["error"]["message"], r
        return r["error"]["message"]

    def close(self):
        self.s.close()


def hpctl(sock, *args):
    return subprocess.run([HPCTL, "-s", sock] + list(args), capture_output=True, text=True, timeout=60)


def stop_ok(dm):
    code, _, report = dm.stop()
    assert code == 0, dm.stderr()
    hp.check_mempools_full(report)


def tuples(conns):
    return sorted((c["proto"], c["orig"]["src"], c["orig"]["dst"], c["orig"].get("sport", c["orig"].get("id")),
                   c["orig"].get("dport", 0)) for c in conns)


WANT = sorted([("udp", "10.0.0.2", "198.18.0.5", 1000 + i, 53) for i in range(N_UDP)] +
              [("tcp", "10.0.0.2", "198.18.0.6", 40000, 80), ("icmp", "10.0.0.2", "198.18.0.7", 77, 0)])


def test_conntrack_commands(d):
    """conntrack.stats has its shape and zeros with nothing tracked; with the flows through, show
    lists each connection once with its tuples both ways (reply after SNAT), the filters and the
    limit select as documented, bad filters are refused naming what was wrong, flush empties it."""
    dm, _ = start(d, STATELESS)
    with dm:
        c = Ctl(dm.socket_path())
        st = c.ok("conntrack.stats")
        assert st["enabled"] is False and st["count"] == st["max"] == st["bytes"] == 0, st
        assert set(st["timeouts"]) == {"tcp_established", "tcp_transitory", "udp", "icmp"}, st
        assert set(st["counters"]) >= {"created", "expired", "killed", "flushed", "early_drops", "table_full",
                                       "bucket_full", "races", "reclaimed", "live", "limbo"}, st
        assert not any(st["counters"].values()) and len(st["workers"]) == 1, st
        assert set(st["packets"]) == {"new", "established", "related", "invalid"} and not any(st["packets"].values())
        assert "tcp_flags" in st["invalid"] and not any(st["invalid"].values()), st
        assert c.ok("conntrack.show") == {"matched": 0, "shown": 0, "truncated": False, "limit": 100,
                                          "connections": []}
        assert c.ok("conntrack.flush") == {"flushed": 0}
        assert c.ok("nat.show") == {"rules": [], "counters": {k: 0 for k in c.ok("nat.show")["counters"]}}
        c.close()
        stop_ok(dm)

    dm, _ = start(d)
    with dm:
        c = Ctl(dm.socket_path())
        hp.wait_until("seven connections", lambda: c.ok("conntrack.show")["matched"] == len(WANT))
        show = c.ok("conntrack.show")
        conns = show["connections"]
        assert show["shown"] == len(WANT) and show["truncated"] is False and show["limit"] == 100, show
        assert tuples(conns) == WANT, tuples(conns)
        for k in conns:
            assert k["family"] == 4 and k["nat"] == ["snat"] and k["worker"] == 0 and k["packets"][0] == 1, k
            assert k["packets"][1] == 0 and k["assured"] is False and 3500 < k["expires_s"] <= 3600, k
            # the reply comes back to the pool address, from the original destination
            assert k["reply"]["src"] == k["orig"]["dst"] and k["reply"]["dst"] == "10.0.1.100", k
            if k["proto"] != "icmp":
                assert k["reply"]["sport"] == k["orig"]["dport"] and 1024 <= k["reply"]["dport"] <= 65535, k
            assert k["state"] == ("syn_sent" if k["proto"] == "tcp" else "new"), k
        # no two flows share a public tuple
        assert len({(k["proto"], k["reply"].get("dport", k["reply"].get("id"))) for k in conns}) == len(WANT)
        st = c.ok("conntrack.stats")
        assert st["enabled"] is True and st["count"] == len(WANT) and st["max"] >= 4096 and st["bytes"] > 0, st
        assert st["counters"]["created"] == len(WANT) and st["workers"][0]["created"] == len(WANT), st
        assert st["packets"]["new"] == len(WANT) and st["timeouts"]["udp"] == 3600, st
        nat = c.ok("nat.show")
        assert nat["counters"]["snat_new"] == len(WANT), nat
        assert nat["rules"][0]["free_ports"]["udp"] == 64512 - N_UDP, nat
        assert nat["rules"][0]["free_ports"]["tcp"] == 64512 - 1, nat

        def sel(**args):
            return tuples(c.ok("conntrack.show", args)["connections"])
        assert sel(proto="tcp") == [w for w in WANT if w[0] == "tcp"]
        assert sel(proto=17) == [w for w in WANT if w[0] == "udp"]
        assert sel(dst="198.18.0.6") == [w for w in WANT if w[2] == "198.18.0.6"]
        assert sel(dst="198.18.0.4/31") == [w for w in WANT if w[2] == "198.18.0.5"]
        assert sel(dst="10.0.1.100") == WANT  # the reply direction's destination
        assert sel(src="10.0.0.0/24") == WANT and sel(src="192.0.2.0/24") == []
        assert sel(port=80) == [w for w in WANT if w[0] == "tcp"]
        assert sel(port=1003) == [w for w in WANT if w[3] == 1003]
        assert sel(port="53", proto="udp", src="10.0.0.2") == [w for w in WANT if w[0] == "udp"]
        assert sel(state="syn_sent") == [w for w in WANT if w[0] == "tcp"]
        assert sel(state="new") == WANT and sel(state="established") == []
        lim = c.ok("conntrack.show", {"limit": 2})
        assert (lim["matched"], lim["shown"], lim["truncated"], len(lim["connections"])) == (len(WANT), 2, True, 2)
        assert c.ok("conntrack.show", {"limit": len(WANT)})["truncated"] is False
        for args, what in [({"proto": "sctp"}, "proto"), ({"state": "open"}, "unknown state"),
                           ({"limit": 0}, "limit"), ({"limit": 100001}, "limit"), ({"src": "bogus"}, "src"),
                           ({"dst": "10.0.0.0/99"}, "dst"), ({"port": 65536}, "port"), ({"port": "x"}, "port"),
                           ({"colour": "red"}, "colour")]:
            assert what in c.err("conntrack.show", args), args
        assert "takes none" in c.err("conntrack.stats", {"x": 1})
        assert "takes none" in c.err("conntrack.flush", {"all": True})
        assert c.ok("conntrack.show")["matched"] == len(WANT)  # nothing refused changed anything

        assert c.ok("conntrack.flush") == {"flushed": len(WANT)}
        assert c.ok("conntrack.show")["connections"] == []
        hp.wait_until("the flushed entries swept and their ports back",
                      lambda: c.ok("conntrack.stats")["counters"]["flushed"] == len(WANT) and
                      c.ok("nat.show")["rules"][0]["free_ports"]["udp"] == 64512)
        assert c.ok("conntrack.flush") == {"flushed": 0}
        c.close()
        stop_ok(dm)


def test_nat_commands(d):
    """nat.show lists the rules as config dump writes them; nat.add takes a rule the nat: section
    would take and refuses, naming what was wrong and changing nothing, one it would refuse (pool
    overlap, unreachable or duplicate port forward, bad port range, IPv6, unknown port, a key of the
    other type); nat.del by index or by the rule's fields; forwarding goes on through every change."""
    dm, _ = start(d, infinite=True)
    with dm:
        c = Ctl(dm.socket_path())

        def tx():
            return c.ok("stats")["tx_packets"]

        def grows():
            n = tx()
            hp.wait_until("forwarding", lambda: tx() > n + 50)

        grows()
        seen = [0]

        def counters_never_go_back():
            """NAT's counters carry over every rebuild of the table set (nat.*, acl.*, config.apply)."""
            n = c.ok("nat.show")["counters"]["snat_new"]
            assert n >= seen[0] and n >= len(WANT), (n, seen)
            seen[0] = n

        counters_never_go_back()
        snat = {"index": 0, "type": "snat", "out": "p1", "src": "10.0.0.0/24", "to": ["10.0.1.100"],
                "ports": "1024-65535"}
        rules = c.ok("nat.show")["rules"]
        assert [{k: v for k, v in r.items() if k != "free_ports"} for r in rules] == [snat], rules
        dnat = {"type": "dnat", "in": "p1", "dst": "10.0.1.100", "proto": "tcp", "dport": 8080, "to": "10.0.0.5:80"}
        assert c.ok("nat.add", dnat) == {"index": 1}
        rules = c.ok("nat.show")["rules"]
        assert rules[1] == dict(dnat, index=1) and "free_ports" in rules[0] and "free_ports" not in rules[1], rules
        assert json.loads(c.ok("config.dump")["yaml"].split("\n", 1)[1])["nat"][1] == dnat
        grows()
        counters_never_go_back()
        assert c.ok("acl.add", {"priority": 30, "proto": "tcp", "action": "count"}) == {"index": 2}
        counters_never_go_back()
        assert c.ok("acl.del", {"index": 2}) == {}
        counters_never_go_back()
        pool = {"type": "snat", "out": "p1", "src": "10.0.0.0/24", "to": ["10.0.1.101", "10.0.1.102"],
                "ports": "2000-2999"}
        assert c.ok("nat.add", pool) == {"index": 2}
        free = c.ok("nat.show")["rules"][2]["free_ports"]
        assert free == {"tcp": 2000, "udp": 2000, "icmp": 2000}, free
        before = (c.ok("nat.show")["rules"], c.ok("config.dump"))
        for args, what in [
                (dict(pool, to=["10.0.1.102"]), "10.0.1.102 is in the pool of the snat rule 2"),
                (dict(pool, to=["10.0.1.100"]), "10.0.1.100 is in the pool of the snat rule at line"),
                (dict(dnat, to="192.0.2.5:80"), "192.0.2.5 is outside every connected subnet and route"),
                (dnat, "a dnat rule for 10.0.1.100 tcp/8080 on port p1 is 1"),
                (dict(pool, to=["10.0.1.110"], ports="9-3"), "key 'ports'"),
                (dict(pool, to=["10.0.1.110"], ports="0-10"), "key 'ports'"),
                (dict(dnat, dst="2001:db8::5"), "IPv6: NAT is IPv4 only"),
                (dict(pool, to=["2001:db8::5"]), "IPv6: NAT is IPv4 only"),
                (dict(pool, src="2001:db8::/64", to=["10.0.1.110"]), "IPv6: NAT is IPv4 only"),
                (dict(pool, out="p9", to=["10.0.1.110"]), "unknown port 'p9'"),
                (dict(pool, dport=80, to=["10.0.1.110"]), "not a snat key"),
                ({"type": "snat", "out": "p1", "to": ["10.0.1.110"]}, "missing key 'src'"),
                (dict(dnat, to="10.0.0.5"), "a dnat target is one"),
                (dict(dnat, proto="icmp"), "key 'proto'"),
                (dict(dnat, type="masquerade"), "key 'type'"),
                (dict(dnat, dport=70000), "dport")]:
            assert what in c.err("nat.add", args), (args, what, c.err("nat.add", args))
        assert (c.ok("nat.show")["rules"], c.ok("config.dump")) == before
        # del by the rule's fields (a pool in another order is the same pool), by index
        assert c.ok("nat.del", dict(pool, to=["10.0.1.102", "10.0.1.101"])) == {"index": 2}
        assert "no nat rule is the same" in c.err("nat.del", pool, "ENOENT")
        assert "no nat rule 5 (there are 2)" in c.err("nat.del", {"index": 5}, "ENOENT")
        assert "index" in c.err("nat.del", {"index": "1"})
        assert "takes no other" in c.err("nat.del", {"index": 1, "type": "dnat"})
        assert "missing argument" in c.err("nat.del", {})
        counters_never_go_back()
        assert c.ok("nat.del", {"index": 1}) == {"index": 1}
        assert [r["type"] for r in c.ok("nat.show")["rules"]] == ["snat"]
        grows()
        assert c.ok("nat.del", {"index": 0}) == {"index": 0}
        assert c.ok("nat.show")["rules"] == [] and '"nat"' not in c.ok("config.dump")["yaml"]
        grows()  # the state rules alone: still tracked and forwarded
        assert c.ok("nat.add", {k: v for k, v in snat.items() if k != "index"}) == {"index": 0}
        grows()
        c.close()
        stop_ok(dm)


def test_hpctl_against_the_daemon(d):
    """hpctl conntrack show / stats / flush and nat show / add / del on the running daemon: the
    lines an operator reads, -j passes the reply through, a refusal exits 1 with the daemon's message."""
    dm, _ = start(d)
    with dm:
        sock = dm.socket_path()
        c = Ctl(sock)
        hp.wait_until("seven connections", lambda: c.ok("conntrack.show")["matched"] == len(WANT))
        r = hpctl(sock, "conntrack")
        assert r.returncode == 0 and r.stderr == "", r
        lines = r.stdout.splitlines()
        assert lines[-1] == "%d connections" % len(WANT) and len(lines) == len(WANT) + 1, r.stdout
        tcp = [x for x in lines if x.startswith("tcp ")]
        assert len(tcp) == 1 and " SYN_SENT src=10.0.0.2 dst=198.18.0.6 sport=40000 dport=80 packets=1 " \
            "src=198.18.0.6 dst=10.0.1.100 sport=80 dport=" in tcp[0] and tcp[0].endswith("[SNAT] worker=0"), tcp
        udp = [x for x in lines if x.startswith("udp ")]
        assert len(udp) == N_UDP and all("[UNREPLIED]" in x and " dport=53 " in x for x in udp), udp
        assert any(x.startswith("icmp ") and " id=77 " in x for x in lines), lines
        r = hpctl(sock, "conntrack", "show", "proto", "udp", "port", "1001", "limit", "1")
        assert r.returncode == 0 and r.stdout.count("\n") == 2 and "sport=1001" in r.stdout, r.stdout
        r = hpctl(sock, "conntrack", "proto", "udp", "limit", "1")
        assert r.stdout.splitlines()[-1] == "1 of %d connections shown (limit 1: more with limit N)" % N_UDP, r.stdout
        r = hpctl(sock, "-j", "conntrack", "show", "state", "syn_sent")
        assert r.returncode == 0 and json.loads(r.stdout)["matched"] == 1, r.stdout
        r = hpctl(sock, "conntrack", "state", "bogus")
        assert r.returncode == 1 and r.stderr.startswith("hpctl: EINVAL: argument \"state\": unknown state"), r
        r = hpctl(sock, "conntrack", "stats")
        assert r.returncode == 0 and re.search(r"^count: +%d$" % len(WANT), r.stdout, re.M), r.stdout
        assert "workers:\nWORKER  LCORE  CREATED" in r.stdout and "packets:\n  new:" in r.stdout, r.stdout
        r = hpctl(sock, "-j", "conntrack", "stats")
        assert json.loads(r.stdout)["count"] == len(WANT), r.stdout

        r = hpctl(sock, "nat")
        assert r.returncode == 0 and r.stdout.startswith(
            "0  snat out p1 src 10.0.0.0/24 to 10.0.1.100 ports 1024-65535  free tcp=64511 udp=%d icmp=64511\n"
            % (64512 - N_UDP)), r.stdout
        assert "counters:\n  snat_new:    %d\n" % len(WANT) in r.stdout, r.stdout
        r = hpctl(sock, "nat", "add", "dnat", "in", "p1", "dst", "10.0.1.100", "proto", "tcp", "dport", "8080",
                  "to", "10.0.0.5:80")
        assert r.returncode == 0 and r.stdout == "index: 1\n", r
        r = hpctl(sock, "nat", "add", "snat", "out", "p1", "src", "10.0.0.0/24", "to", "10.0.1.100")
        assert r.returncode == 1 and "10.0.1.100 is in the pool of the snat rule" in r.stderr, r
        r = hpctl(sock, "nat", "add", "dnat", "in", "p1", "dst", "10.0.1.100", "proto", "udp", "dport", "53",
                  "to", "192.0.2.1:53")
        assert r.returncode == 1 and "outside every connected subnet" in r.stderr, r
        r = hpctl(sock, "nat", "show")
        assert "1  dnat in p1 dst 10.0.1.100 proto tcp dport 8080 to 10.0.0.5:80\n" in r.stdout, r.stdout
        r = hpctl(sock, "nat", "del", "dnat", "in", "p1", "dst", "10.0.1.100", "proto", "tcp", "dport", "8080",
                  "to", "10.0.0.5:80")
        assert r.returncode == 0 and r.stdout == "index: 1\n", r
        r = hpctl(sock, "-j", "nat", "show")
        assert len(json.loads(r.stdout)["rules"]) == 1, r.stdout
        r = hpctl(sock, "conntrack", "flush")
        assert r.returncode == 0 and r.stdout == "flushed: %d\n" % len(WANT), r
        assert hpctl(sock, "conntrack").stdout == "0 connections\n"
        c.close()
        stop_ok(dm)


def test_metrics_and_telemetry(d):
    """/metrics has the conntrack and NAT families (promtool finds nothing to say), with the same
    numbers as conntrack.stats and nat.show; /hotpath/conntrack too; config.apply of new timeouts
    reaches every connection at once (their expiry follows) and a new conntrack.max is refused."""
    dm, port = start(d)
    with dm:
        c = Ctl(dm.socket_path())
        hp.wait_until("seven connections", lambda: c.ok("conntrack.show")["matched"] == len(WANT))
        text = hp.scrape(port)
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True,
                               timeout=60)
            assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr
        st = c.ok("conntrack.stats")
        assert hp.metric(text, "hotpath_conntrack_connections") == len(WANT), text
        assert hp.metric(text, "hotpath_conntrack_max") == st["max"] and hp.metric(text, "hotpath_conntrack_memory_bytes") == st["bytes"]
        assert hp.metric(text, "hotpath_conntrack_created_total") == len(WANT)
        for k in ("expired", "killed", "flushed", "early_drops", "table_full", "bucket_full", "races", "reclaimed"):
            assert hp.metric(text, "hotpath_conntrack_%s_total" % k) == st["counters"][k], k
        assert hp.metric(text, "hotpath_conntrack_packets_total", state="new") == len(WANT)
        assert hp.metric(text, "hotpath_conntrack_packets_total", state="invalid") == 0
        assert hp.metric(text, "hotpath_conntrack_invalid_total", reason="tcp_flags") == 0
        assert hp.metric(text, "hotpath_nat_snat_new_total") == len(WANT)
        assert hp.metric(text, "hotpath_nat_exhausted_total") == 0
        assert hp.metric(text, "hotpath_nat_pool_free_ports", rule=0, proto="udp") == 64512 - N_UDP
        assert hp.metric(text, "hotpath_nat_pool_free_ports", rule=0, proto="tcp") == 64512 - 1
        assert "# TYPE hotpath_conntrack_connections gauge" in text
        assert "# TYPE hotpath_conntrack_created_total counter" in text

        assert "/hotpath/conntrack" in hp.telemetry(dm.prefix, "/")
        t = hp.telemetry(dm.prefix, "/hotpath/conntrack")
        assert t["enabled"] == 1 and t["count"] == len(WANT) and t["created"] == len(WANT), t
        assert t["packets_new"] == len(WANT) and t["timeout_udp"] == 3600 and t["nat_snat_new"] == len(WANT), t
        assert "invalid_tcp_flags" in t, t

        # timeouts live: every connection's expiry follows at once
        cfg = open(dm.config).read()
        new = os.path.join(d, "apply.yaml")
        with open(new, "w") as f:
            f.write(cfg.replace("udp: 3600", "udp: 600").replace("tcp_transitory: 3600", "tcp_transitory: 900"))
        assert c.ok("config.apply", {"file": new}) == {}
        assert c.ok("conntrack.stats")["timeouts"]["udp"] == 600
        for k in c.ok("conntrack.show")["connections"]:
            limit = {"udp": 600, "tcp": 900, "icmp": 3600}[k["proto"]]
            assert limit - 120 < k["expires_s"] <= limit, k
        with open(new, "w") as f:
            f.write(cfg.replace("max: 4096", "max: 8192"))
        assert "conntrack.max" in c.err("config.apply", {"file": new})
        assert c.ok("conntrack.stats")["timeouts"]["udp"] == 600
        c.close()
        stop_ok(dm)


if __name__ == "__main__":
    hp.run([test_conntrack_commands, test_nat_commands, test_hpctl_against_the_daemon, test_metrics_and_telemetry])
