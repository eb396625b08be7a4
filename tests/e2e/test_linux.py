"""End to end: real routing daemons drive hotpathd through the kernel's routing table (docs/linux.md).

    netns S (speaker)                 netns R (router: hotpathd + BIRD or FRR)            netns C (client)
      sp0 10.71.0.2/24  <-- veth -->  rp0 = port p0 (host interface hp-p0 10.71.0.1)
          BIRD 2, AS 65002                                 port p1 (hp-p1 10.72.0.1) = rp1  <-- veth -->  cl0 10.72.0.2/24
          1,000 /24s of 100.64.0.0/10      BIRD 2, AS 65001: eBGP over hp-p0,
          (local on lo: it answers them)   best routes -> kernel main table (proto bird)

hotpathd runs configs/linux-bird.yaml or configs/linux-frr.yaml as shipped (its control socket
and EAL arguments replaced); BIRD and FRR run configs/linux/*. The speaker peers with BIRD on
the router through hotpathd: hotpathd hands BGP (TCP to its own address) to the host interface
hp-p0 and sends what the kernel writes there out of port p0. BIRD exports the 1,000 routes to
the kernel's main table; hotpathd mirrors them (route origin linux) and forwards the client's
traffic to them. FRR's zebra + staticd install static routes (one with two next hops) the same
way.

hotpathd's port veths are kept away from the router namespace's kernel (it owns the addresses
on hp-p0 and would answer a second time on rp0, as tests/e2e/test_hosttap.py explains): the
ports' MACs are not the veths' (frames to them are another host's to the kernel; AF_PACKET still
reads them), the veths do no ARP and no IPv6, and the namespace does not forward. (This VM's
kernel has no tc classifier for an ingress drop.) On bare metal with vfio-pci the kernel never
sees the port. The hosts fill their own checksums (ethtool -K tx
off): a veth leaves them to a NIC that is not there.

`--kernel TEST` runs a test with the Linux kernel as the router (veths hp-p0/hp-p1 with the
addresses, ip_forward=1): the daemons' side, known good without hotpathd.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import hp  # noqa: E402

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CONFIGS = os.path.join(TOP, "configs")
TAG = "hp-lx-%d" % os.getpid()
NS_S, NS_R, NS_C = TAG + "-s", TAG + "-r", TAG + "-c"
MAC = {"rp0": "02:00:00:71:00:01", "rp1": "02:00:00:72:00:01",  # the configs' port MACs
       "sp0": "02:00:00:71:00:02", "cl0": "02:00:00:72:00:02"}  # linux-bird-xdp.yaml's static neighbour
N_PREFIXES = 1000
AGGREGATE = "100.64.0.0/10"
DEADLINE = 120  # seconds for anything to converge; polls end as soon as it has
FLOOD_S = 60    # the "full rate for 60 s"
KERNEL = False  # --kernel: the kernel routes instead of hotpathd


def prefixes():
    """the speaker's 1,000 /24s: 100.64.0.0/24 .. 100.67.231.0/24"""
    return ["100.%d.%d.0/24" % (64 + i // 256, i % 256) for i in range(N_PREFIXES)]


def since_s(t):
    """Seconds into the day of a time BIRD prints (HH:MM:SS or HH:MM:SS.mmm); None for another
    format."""
    m = re.fullmatch(r"(\d\d):(\d\d):(\d\d(?:\.\d+)?)", t or "")
    return None if m is None else int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))


def sh(*args, ns=None, check=True, **kw):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit %d: %s %s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


def hpctl(sock, *args):
    r = subprocess.run([os.environ["HPCTL"], "-s", sock, "-j"] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("hpctl %s: %s" % (" ".join(args), r.stderr))
    return json.loads(r.stdout) if r.stdout.strip() else None


def route_show(sock, origin):
    """hotpathd's routes of one origin, as an operator asks: `hpctl route show origin O`"""
    r = subprocess.run([os.environ["HPCTL"], "-s", sock, "-j", "route", "show", "origin", origin],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("hpctl route show origin %s: %s" % (origin, r.stderr))
    return json.loads(r.stdout) if r.stdout.strip() else []


class Lab:
    """The three namespaces, their veths, and every daemon started in them: all killed and
    removed on exit, pass or fail (and on SIGTERM, through hp.at_term)."""

    def __init__(self, d, xdp=False):
        self.d = d
        self.xdp = xdp  # net_af_xdp ports: the kernel keeps rp0 with 10.71.0.1, BIRD peers on it
        self.procs = []  # (name, Popen) of daemons run in the foreground, each in its own session
        self.hd = None

    def __enter__(self):
        self.down()
        hp.at_term(self.down)
        for ns in (NS_S, NS_R, NS_C):
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "set", "lo", "up", ns=ns)
        for host, h, r, n in ((NS_S, "sp0", "rp0", "71"), (NS_C, "cl0", "rp1", "72")):
            rname = "hp-p%s" % r[-1] if KERNEL else r
            sh("ip", "link", "add", h, "netns", host, "type", "veth", "peer", "name", rname, "netns", NS_R)
            if KERNEL:
                sh("ip", "addr", "add", "10.%s.0.1/24" % n, "dev", rname, ns=NS_R)
                sh("ip", "-6", "addr", "add", "2001:db8:%s::1/64" % n, "dev", rname, "nodad", ns=NS_R)
            elif self.xdp:
                # AF_XDP: the interface is the kernel's, with the port's MAC; on rp0 its address
                # (BIRD's), the XDP program passing it ARP and BGP only
                sh("ip", "link", "set", r, "address", MAC[r], ns=NS_R)
                sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % r, ns=NS_R)
                sh("ip", "link", "set", h, "address", MAC[h], ns=host)
                if r == "rp0":
                    sh("ip", "addr", "add", "10.71.0.1/24", "dev", r, ns=NS_R)
            else:
                # hotpathd's port, kept from the router namespace's kernel: the port's MAC (the
                # config's) is not the veth's, so frames to it are another host's to the kernel
                # (AF_PACKET still reads them); no ARP, no IPv6 on the veth
                assert json.loads(sh("ip", "-j", "link", "show", r, ns=NS_R).stdout)[0]["address"] != MAC[r]
                sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % r, ns=NS_R)
                sh("ip", "link", "set", r, "arp", "off", ns=NS_R)
            sh("ip", "link", "set", rname, "up", ns=NS_R)
            sh("ethtool", "-K", h, "tx", "off", ns=host)
            sh("ip", "addr", "add", "10.%s.0.2/24" % n, "dev", h, ns=host)
            sh("ip", "-6", "addr", "add", "2001:db8:%s::2/64" % n, "dev", h, "nodad", ns=host)
            sh("ip", "link", "set", h, "up", ns=host)
            sh("ip", "route", "add", "default", "via", "10.%s.0.1" % n, ns=host)
            sh("ip", "-6", "route", "add", "default", "via", "2001:db8:%s::1" % n, ns=host)
        sh("sysctl", "-qw", "net.ipv4.ip_forward=%d" % KERNEL, ns=NS_R)
        sh("sysctl", "-qw", "net.ipv6.conf.all.forwarding=%d" % KERNEL, ns=NS_R)
        # the speaker answers for everything it announces (and for FRR's static routes' prefixes)
        for agg in (AGGREGATE, "198.51.100.0/24", "203.0.113.0/24"):
            sh("ip", "route", "add", "local", agg, "dev", "lo", ns=NS_S)
        sh("ip", "-6", "route", "add", "local", "2001:db8:100::/48", "dev", "lo", ns=NS_S)
        # FRR's daemons run as user frr: they write their sockets here
        os.chmod(self.d, 0o755)
        return self

    def down(self):
        for name, p in reversed(self.procs):
            hp.kill_group(p)
        self.procs = []
        if self.hd is not None:
            self.hd.kill()
        for ns in (NS_S, NS_R, NS_C):
            for _ in range(50):  # a process just killed can hold it an instant longer
                if not os.path.exists(os.path.join("/run/netns", ns)):
                    break
                r = sh("ip", "netns", "del", ns, check=False)
                if r.returncode != 0:
                    print("ip netns del %s: %s" % (ns, r.stderr.strip()), file=sys.stderr)
                    time.sleep(0.1)

    def __exit__(self, *exc):
        try:
            if self.hd is not None:
                if exc[0] is not None:  # what hotpathd said, for the failure's report
                    print("hotpathd's stderr:\n%s" % self.hd.stderr()[-4000:], file=sys.stderr)
                self.hd.__exit__(*exc)
        finally:
            self.down()
            hp.no_term(self.down)

    def daemon(self, name, ns, cmd):
        """a daemon in the foreground, in its own session, dying with the test"""
        log = open(os.path.join(self.d, name + ".log"), "w")
        p = hp.popen(["ip", "netns", "exec", ns] + cmd, stdout=log, stderr=subprocess.STDOUT,
                     start_new_session=True)
        log.close()
        self.procs.append((name, p))
        return p

    def log(self, name):
        try:
            with open(os.path.join(self.d, name + ".log")) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    # hotpathd -------------------------------------------------------------------------------

    def hotpathd(self, yaml_name, name="hp"):
        """hotpathd on configs/<yaml_name> as shipped, its control socket in the test's directory"""
        with open(os.path.join(CONFIGS, yaml_name)) as f:
            text = f.read()
        self.sock = os.path.join(self.d, "hp.sock")
        text, n = re.subn(r"^control:.*$", "control: { socket: %s }" % self.sock, text, flags=re.M)
        assert n == 1, "configs/%s: no control line" % yaml_name
        self.hd = hp.Daemon(HOTPATHD, self.d, text, netns=NS_R, name=name)
        self.hd.start()
        if self.xdp:
            return self.hd
        # the host interfaces are there, with the ports' addresses, before any daemon binds to them
        hp.wait_until("hp-p0 carries 10.71.0.1", lambda: "10.71.0.1/24" in sh(
            "ip", "-4", "-o", "addr", "show", "dev", "hp-p0", ns=NS_R, check=False).stdout, DEADLINE)
        return self.hd

    def kill9_hotpathd(self):
        hp.kill_group(self.hd.proc)
        self.hd.__exit__(RuntimeError, None, None)  # removes what the killed process could not
        self.hd = None

    def fib(self, origin="linux"):
        """{prefix: sorted next hops} of hotpathd's active routes of that origin (in its FIB; the
        kernel's table with --kernel: routes of every protocol but kernel)"""
        if KERNEL:
            got = {}
            for fam in ("-4", "-6"):
                for r in json.loads(sh("ip", "-j", fam, "route", "show", ns=NS_R).stdout or "[]"):
                    if r.get("protocol") in ("kernel",) or r["dst"] == "default" or r["dst"].startswith("fe80"):
                        continue
                    dst = r["dst"] if "/" in r["dst"] else r["dst"] + ("/32" if fam == "-4" else "/128")
                    via = [h["gateway"] for h in r.get("nexthops", [])] or [r.get("gateway")]
                    got[dst] = sorted(v for v in via if v)
            return got
        routes = route_show(self.sock, origin)
        got = {}
        for r in routes:
            assert r.get("origin", origin) == origin, ("route show origin %s gave" % origin, r)
            if not r.get("active", True):  # kept, shadowed by an operator's route: not in the FIB
                continue
            via = r.get("via", [])
            got[r["prefix"]] = sorted(via if isinstance(via, list) else [via])
        return got

    def to_host(self):
        """frames hotpathd handed to hp-p0 so far (BGP from the speaker among them)"""
        p0 = next(p for p in hpctl(self.sock, "port", "stats") if p["name"] == "p0")
        assert "host" in p0, ("port stats without its host interface's counters", p0)
        return p0["host"]["to_host"]

    def forwarded(self):
        """frames hotpathd sent on port p0 (towards the speaker) so far"""
        if KERNEL:
            return int(sh("cat", "/sys/class/net/hp-p0/statistics/tx_packets", ns=NS_R).stdout)
        return next(p["tx_packets"] for p in hpctl(self.sock, "port", "stats") if p["name"] == "p0")

    # BIRD -------------------------------------------------------------------------------------

    def bird(self, name, ns, conf, extra_files=()):
        """BIRD on a copy of configs/linux/<conf>, logging to the test's directory"""
        src = os.path.join(CONFIGS, "linux", conf)
        dst = os.path.join(self.d, conf)
        with open(src) as f:
            text = f.read()
        with open(dst, "w") as f:
            f.write('log "%s" all;\n' % os.path.join(self.d, name + ".bird.log") + text)
        for fname, content in extra_files:
            with open(os.path.join(self.d, fname), "w") as f:
                f.write(content)
        sock = os.path.join(self.d, name + ".ctl")
        self.daemon(name, ns, ["bird", "-f", "-c", dst, "-s", sock, "-P", os.path.join(self.d, name + ".pid")])
        hp.wait_until("%s's control socket" % name, lambda: os.path.exists(sock), DEADLINE)
        return sock

    def start_bird(self):
        routes = "".join("\troute %s blackhole;\n" % p for p in prefixes())
        self.speaker = self.bird("speaker", NS_S, "bird-speaker.conf", [("bird-speaker-routes.conf", routes)])
        self.router = self.bird("router", NS_R, "bird-router.conf")

    def session(self):
        """(state, since) of the router's BGP session with the speaker, as birdc shows it"""
        r = sh("birdc", "-s", self.router, "show", "protocols", "speaker", check=False)
        for line in r.stdout.splitlines():
            f = line.split()
            if f and f[0] == "speaker":
                return (f[5] if len(f) > 5 else f[3]), f[4]
        return None, None

    def same_session(self, since):
        """Is the session Established and the one that started at `since`? BIRD derives the
        start it prints (HH:MM:SS.mmm) from its uptime, so two `show protocols` of one session
        may differ in the last millisecond (seen: 23:35:11.030, then .029). A session that
        fell comes back seconds later at the least (BIRD's connect delay is 5 s)."""
        state, now = self.session()
        return state == "Established" and now is not None and since_s(now) is not None and \
            abs((since_s(now) - since_s(since) + 43200) % 86400 - 43200) < 0.5

    def established(self):
        return hp.wait_until("BGP session Established (router: %s)" % self.log("router.bird"),
                             lambda: self.session()[0] == "Established" and self.session(), DEADLINE)

    def announced_in_fib(self, want):
        """poll until hotpathd's FIB holds exactly `want` of the speaker's prefixes"""
        mine = set(prefixes())
        last = [None]

        def check():
            fib = self.fib()
            got = {p: v for p, v in fib.items() if p in mine}
            last[0] = len(got)
            if len(got) != want:
                return None
            assert all(v == ["10.71.0.2"] for v in got.values()), [(p, v) for p, v in got.items() if v != ["10.71.0.2"]][:5]
            return got or {"(none)": []}
        try:
            return hp.wait_until("%d of the speaker's prefixes in the FIB" % want, check, DEADLINE, 0.5)
        except AssertionError as e:
            raise AssertionError("%s; had %s; kernel: %s routes proto bird; linux show: %s" % (
                e, last[0], self.kernel_count(), self.linux_show()))

    def kernel_count(self):
        return len(sh("ip", "route", "show", "proto", "bird", ns=NS_R, check=False).stdout.splitlines())

    def linux_show(self):
        if KERNEL:
            return None
        try:
            return hpctl(self.sock, "linux", "show")
        except AssertionError as e:
            return str(e)


def ping(ns, dst, count=3):
    """replies to `count` echo requests (it stops at count replies or after DEADLINE)"""
    r = sh("ping", "-n", "-q", "-c", str(count), "-i", "0.2", "-w", str(DEADLINE), dst, ns=ns, check=False)
    m = re.search(r"(\d+) received", r.stdout)
    if not m:
        raise AssertionError("ping %s: %s %s" % (dst, r.stdout, r.stderr))
    return min(int(m.group(1)), count)


def ping_once(ns, dst):
    """one echo request, 2 s for its reply: for what must NOT answer (a route that is gone)"""
    r = sh("ping", "-n", "-q", "-c", "1", "-W", "2", dst, ns=ns, check=False)
    return r.returncode == 0


SAMPLE = ["100.64.0.1", "100.65.244.1", "100.67.231.1"]  # in the first, a middle and the last prefix


def bird_lab(lab):
    if not KERNEL:
        lab.hotpathd("linux-bird.yaml")
    lab.start_bird()
    lab.established()
    lab.announced_in_fib(N_PREFIXES)


# tests ------------------------------------------------------------------------------------------

def test_bird_announce_ping_withdraw(d):
    """1,000 prefixes from eBGP reach hotpathd's FIB; the client reaches them; a withdrawal removes them."""
    with Lab(d) as lab:
        bird_lab(lab)
        fwd0 = lab.forwarded()
        for a in SAMPLE:
            assert ping(NS_C, a) == 3, ("ping %s through hotpathd" % a, lab.linux_show())
        assert lab.forwarded() - fwd0 >= 3 * len(SAMPLE), "hotpathd forwarded the echo requests to the speaker"
        _, since = lab.established()
        if not KERNEL:
            # an operator's route wins over BIRD's for the same prefix (the linux one is kept,
            # shadowed), and BIRD's is back when the operator's goes
            shadowed0 = lab.linux_show()["shadowed"]
            hpctl(lab.sock, "route", "add", "100.64.5.0/24", "drop")
            assert not ping_once(NS_C, "100.64.5.1"), "the cli drop route did not win over BIRD's"
            assert "100.64.5.0/24" not in lab.fib() and lab.fib("cli").get("100.64.5.0/24") == [], lab.fib("cli")
            assert [r["active"] for r in route_show(lab.sock, "linux") if r["prefix"] == "100.64.5.0/24"] == [False]
            assert lab.linux_show()["shadowed"] == shadowed0 + 1, lab.linux_show()
            hpctl(lab.sock, "route", "del", "100.64.5.0/24")
            assert ping(NS_C, "100.64.5.1") == 3, "BIRD's route back after the cli route's deletion"
            assert lab.fib().get("100.64.5.0/24") == ["10.71.0.2"]
            assert lab.linux_show()["shadowed"] == shadowed0
        # the speaker withdraws them all (its static protocol down): gone from the kernel and from hotpathd
        sh("birdc", "-s", lab.speaker, "disable", "announced")
        lab.announced_in_fib(0)
        assert not ping_once(NS_C, SAMPLE[0]), "a withdrawn prefix still reached"
        # the session itself never went down
        assert lab.same_session(since), (lab.session(), since)
        # and they come back
        sh("birdc", "-s", lab.speaker, "enable", "announced")
        lab.announced_in_fib(N_PREFIXES)
        assert ping(NS_C, SAMPLE[1]) == 3
        if not KERNEL:
            print("linux show: %s" % json.dumps(lab.linux_show()))
            code, _, _ = lab.hd.stop()
            assert code == 0, lab.hd.stderr()[-3000:]


def test_bird_session_under_flood(d):
    """hotpathd forwards a UDP flood for 60 s; the BGP session through its host interface stays up."""
    with Lab(d) as lab:
        bird_lab(lab)
        _, since = lab.established()
        fwd0 = lab.forwarded()
        host0 = None if KERNEL else lab.to_host()
        srv = lab.daemon("iperf3-server", NS_S, ["iperf3", "-s", "-1", "-B", SAMPLE[0]])
        hp.wait_until("iperf3 server listening", lambda: ":5201" in sh("ss", "-ltn", ns=NS_S).stdout, DEADLINE)
        # as fast as the client can send, for FLOOD_S seconds (iperf3 ends it itself)
        r = sh("iperf3", "-c", SAMPLE[0], "-u", "-b", "0", "-l", "1200", "-t", str(FLOOD_S), "-J",
               ns=NS_C, check=False, timeout=FLOOD_S + DEADLINE)
        srv.wait(timeout=DEADLINE)
        try:
            res = json.loads(r.stdout)
        except ValueError:
            raise AssertionError("iperf3: %s %s" % (r.stdout[-2000:], r.stderr[-2000:]))
        assert "error" not in res, res["error"]
        sent = res["end"]["sum"]["packets"]
        fwd = lab.forwarded() - fwd0
        print("flood: the client sent %d datagrams in %d s, hotpathd sent %d frames on p0; lost at the speaker: %s %%"
              % (sent, FLOOD_S, fwd, res["end"]["sum"].get("lost_percent")))
        assert sent > 0 and fwd > 0, (sent, fwd)
        # hold time 30 s: had hotpathd stopped handing the speaker's keepalives to hp-p0 (or
        # BIRD's to p0) for 30 s, the session would have fallen and come back with a new "since"
        assert lab.same_session(since), (lab.session(), since, lab.log("router.bird"))
        if not KERNEL:
            # and the speaker's keepalives (one every 10 s at least) went to the host through hp-p0
            assert lab.to_host() > host0, ("nothing handed to hp-p0 during the flood", host0)
        lab.announced_in_fib(N_PREFIXES)
        assert ping(NS_C, SAMPLE[2]) == 3
        if not KERNEL:
            code, _, _ = lab.hd.stop()
            assert code == 0, lab.hd.stderr()[-3000:]


def test_bird_kill9_resync(d):
    """kill -9 of hotpathd, a new one on the same config: the whole table back, traffic flows.
    hp-p0 stays (a persistent TAP) but loses its carrier while no hotpathd holds it. The
    shipped BIRD config says `check link no`: the session rides the gap out on TCP and the
    kernel keeps BIRD's routes (flagged linkdown), so the new hotpathd takes all 1,000 from
    its first dump of the kernel's table, with the same BGP session as before the kill."""
    if KERNEL:
        print("(no hotpathd to kill with --kernel)")
        return
    with Lab(d) as lab:
        bird_lab(lab)
        before = lab.session()
        assert before[0] == "Established", before
        lab.kill9_hotpathd()
        kept = sh("ip", "route", "show", "proto", "bird", ns=NS_R).stdout.count("\n")
        # nothing of the dead hotpathd forwards; the kernel and BIRD keep what they had
        assert kept == N_PREFIXES, "the kernel kept %d of BIRD's routes while hotpathd was gone" % kept
        lab.hotpathd("linux-bird.yaml", name="hp2")
        lab.announced_in_fib(N_PREFIXES)
        show = lab.linux_show()
        print("linux show after the restart: %s" % json.dumps(show))
        # the whole table came from the new hotpathd's dump: BIRD changed nothing meanwhile
        assert show["routes"] == N_PREFIXES and show["resyncs"] >= 1, show
        for a in SAMPLE:
            assert ping(NS_C, a) == 3, ("ping %s after the restart" % a, lab.linux_show())
        after = lab.established()
        print("BGP session before the kill %s, after the restart %s" % (before, after))
        assert lab.same_session(before[1]), "BIRD's session was re-established (since %s, now since %s)" % (
            before[1], after[1])
        code, _, _ = lab.hd.stop()
        assert code == 0, lab.hd.stderr()[-3000:]


def test_bird_af_xdp(d):
    """The same with net_af_xdp ports (configs/linux-bird-xdp.yaml): the kernel keeps rp0 and
    BIRD peers on it, the XDP program passing BGP and ARP; hotpathd mirrors the routes via rp0
    and forwards the client's traffic to them; a withdrawal removes them."""
    if KERNEL:
        print("(the kernel router is test_bird_announce_ping_withdraw's)")
        return
    with Lab(d, xdp=True) as lab:
        lab.hotpathd("linux-bird-xdp.yaml")
        lab.start_bird()
        lab.established()
        lab.announced_in_fib(N_PREFIXES)
        fwd0 = lab.forwarded()
        for a in SAMPLE:
            assert ping(NS_C, a) == 3, ("ping %s through hotpathd" % a, lab.linux_show())
        assert lab.forwarded() - fwd0 >= 3 * len(SAMPLE), "hotpathd forwarded the echo requests to the speaker"
        xdp = hpctl(lab.sock, "xdp", "show")
        print("xdp show: %s" % json.dumps(xdp))
        rp0 = next(x for x in xdp if x["iface"] == "rp0")["packets"]
        # BGP went to the kernel (passed), the pings to hotpathd (steered)
        assert rp0["pass_tcp"] > 0 and rp0["pass_arp"] > 0 and rp0["steer"] >= 3 * len(SAMPLE), rp0
        _, since = lab.established()
        sh("birdc", "-s", lab.speaker, "disable", "announced")
        lab.announced_in_fib(0)
        assert not ping_once(NS_C, SAMPLE[0]), "a withdrawn prefix still reached"
        assert lab.same_session(since), (lab.session(), since)
        code, _, _ = lab.hd.stop()
        assert code == 0, lab.hd.stderr()[-3000:]


def vtysh(lab, *cmds):
    args = ["vtysh", "--vty_socket", lab.frr_dir]
    for c in cmds:
        args += ["-c", c]
    return sh(*args, ns=NS_R)


def test_frr_static(d):
    """zebra + staticd install static routes (IPv4, IPv6, one with two next hops); hotpathd
    mirrors them (an ECMP group) and forwards; removed in FRR, they are gone from hotpathd."""
    want = {"198.51.100.0/24": ["10.71.0.2"], "203.0.113.0/24": ["10.71.0.2", "10.71.0.3"],
            "2001:db8:100::/48": ["2001:db8:71::2"]}
    with Lab(d) as lab:
        if not KERNEL:
            lab.hotpathd("linux-frr.yaml")
        lab.frr_dir = os.path.join(d, "frr")
        os.mkdir(lab.frr_dir)
        os.chmod(lab.frr_dir, 0o777)
        for name in ("zebra", "staticd"):
            shutil.copy(os.path.join(CONFIGS, "linux", "frr", name + ".conf"), lab.frr_dir)
            lab.daemon(name, NS_R, ["/usr/lib/frr/" + name, "-f", os.path.join(lab.frr_dir, name + ".conf"),
                                    "-i", os.path.join(lab.frr_dir, name + ".pid"),
                                    "-z", os.path.join(lab.frr_dir, "zserv.api"), "--vty_socket", lab.frr_dir])
            if name == "zebra":
                hp.wait_until("zebra's zserv socket", lambda: os.path.exists(os.path.join(lab.frr_dir, "zserv.api")), DEADLINE)

        def have(expect):
            last = [None]

            def check():
                fib = lab.fib()
                last[0] = {p: fib.get(p) for p in want}
                return all(fib.get(p) == v for p, v in expect.items()) and all(
                    p not in fib for p in want if p not in expect)
            try:
                hp.wait_until("FRR's routes in the FIB: %s" % expect, check, DEADLINE, 0.2)
            except AssertionError as e:
                raise AssertionError("%s; had %s; kernel: %s; linux show: %s; zebra: %s" % (
                    e, last[0], sh("ip", "route", "show", "proto", "196", ns=NS_R, check=False).stdout,
                    lab.linux_show(), lab.log("zebra")))
        have(want)
        fwd0 = lab.forwarded()
        assert ping(NS_C, "198.51.100.1") == 3, lab.linux_show()
        assert ping(NS_C, "2001:db8:100::1") == 3, lab.linux_show()
        assert lab.forwarded() - fwd0 >= 6
        # one next hop of the ECMP route removed: one left
        vtysh(lab, "conf t", "no ip route 203.0.113.0/24 10.71.0.3")
        have({"198.51.100.0/24": ["10.71.0.2"], "203.0.113.0/24": ["10.71.0.2"], "2001:db8:100::/48": ["2001:db8:71::2"]})
        # all removed in FRR: none left in hotpathd
        vtysh(lab, "conf t", "no ip route 198.51.100.0/24 10.71.0.2", "no ip route 203.0.113.0/24 10.71.0.2",
              "no ipv6 route 2001:db8:100::/48 2001:db8:71::2")
        have({})
        assert not ping_once(NS_C, "198.51.100.1"), "a removed route still reached"
        if not KERNEL:
            print("linux show: %s" % json.dumps(lab.linux_show()))
            code, _, _ = lab.hd.stop()
            assert code == 0, lab.hd.stderr()[-3000:]


TESTS = [test_bird_announce_ping_withdraw, test_bird_session_under_flood, test_bird_kill9_resync, test_bird_af_xdp,
         test_frr_static]


def setup():
    """hotpathd's path; exits SKIP (77) without root, hugepages or a daemon the test needs."""
    global HOTPATHD, KERNEL
    if "--kernel" in sys.argv:
        sys.argv.remove("--kernel")
        KERNEL = True
    HOTPATHD = hp.hotpathd_path()
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(hp.SKIP)
    if not KERNEL and hp.hugepages_free() < 64:
        print("SKIP: needs free hugepages")
        sys.exit(hp.SKIP)
    name = sys.argv[2] if len(sys.argv) > 2 else ""
    tools = ["ethtool", "ping", "ss"]
    tools += ["bird", "birdc"] if name.startswith("bird") or not name else []
    tools += ["iperf3"] if name == "bird_session_under_flood" or not name else []
    tools += ["vtysh", "/usr/lib/frr/zebra", "/usr/lib/frr/staticd"] if name.startswith("frr") or not name else []
    for tool in tools:
        if shutil.which(tool) is None:
            print("SKIP: %s is not installed (scripts/setup.sh installs bird2, frr, iperf3)" % tool)
            sys.exit(hp.SKIP)


def main():
    setup()
    hp.run(TESTS)


if __name__ == "__main__":
    main()
