"""Shared pieces of the benchmark scripts: rig inputs (pcaps, configs), DPDK process
control with guaranteed cleanup, telemetry, host description. Stdlib only.

Every DPDK process is started in its own session (process group), recorded in a
state file the bash wrapper's EXIT trap also reads, and killed with its whole group.
"""
import ipaddress
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DPDK_RUN = "/var/run/dpdk"

# The frames of scripts/gen_flows.py (defaults) that the configs below must route.
PORT_MAC = "02:00:00:00:00:01"   # gen_flows --dst-mac default
PEER_MAC = "02:00:00:00:00:aa"   # gen_flows --src-mac default: the neighbour's MAC
TRAFFIC_SRC4 = ipaddress.ip_address("10.0.0.2")
TRAFFIC_DST4 = ipaddress.ip_network("198.18.0.0/22")       # 198.18.0.0 + i, i < 1024
TRAFFIC_SRC6 = ipaddress.ip_address("2001:db8::2")
TRAFFIC_DST6 = ipaddress.ip_network("2001:db8:1::/118")    # 2001:db8:1:: + i, i < 1024


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

class Procs:
    """Started process groups; the state file lets the shell trap kill them too."""

    def __init__(self, state_file=None):
        self.state_file = state_file
        self.live = {}  # pid -> Popen

    def _save(self):
        if not self.state_file:
            return
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            for pid in self.live:
                f.write("%d\n" % pid)
        os.replace(tmp, self.state_file)

    def start(self, cmd, stdout, stderr, cwd=None, env=None, stdin=subprocess.DEVNULL):
        p = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=stderr,
                             cwd=cwd, env=env, start_new_session=True)
        self.live[p.pid] = p
        self._save()
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=15):
        """Signal the group, wait; SIGKILL the group if it does not exit. Returns rc."""
        if p.poll() is None:
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log("bench: pid %d did not exit %ss after signal %d: SIGKILL" % (p.pid, timeout, sig))
        # whatever is left in the group (the leader, or anything it forked) goes now
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        p.wait()
        self.live.pop(p.pid, None)
        self._save()
        return p.returncode

    def stop_all(self):
        for p in list(self.live.values()):
            self.stop(p, signal.SIGKILL, timeout=5)


def start_hotpathd(procs, cmd, log_path, timeout=60):
    """Start hotpathd (cmd: its argv, perhaps behind "ip netns exec NS") and wait for its
    "hotpathd: ready" line; the process. RuntimeError naming the log if it never comes."""
    p = procs.start(cmd, subprocess.PIPE, open(log_path, "w"))
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = p.stdout.readline().decode(errors="replace")
        if line.startswith("hotpathd: ready"):
            return p
        if not line:
            break
    raise RuntimeError("hotpathd did not start (see %s)" % log_path)


def remove_runtime_dir(prefix):
    """EAL leaves /var/run/dpdk/PREFIX behind (testpmd does not remove it)."""
    d = os.path.join(DPDK_RUN, prefix)
    if os.path.isdir(d):
        for e in os.listdir(d):
            try:
                os.unlink(os.path.join(d, e))
            except OSError:
                pass
        try:
            os.rmdir(d)
        except OSError as e:
            log("bench: cannot remove %s: %s" % (d, e))


def install_signal_handlers():
    """SIGTERM/SIGHUP behave as Ctrl-C: the finally blocks run and kill the children."""
    def raise_interrupt(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, raise_interrupt)


# ---------------------------------------------------------------- network namespaces

VETH = os.path.join(ROOT, "scripts", "netns", "veth.sh")


def ns_run(*cmd, ns=None, check=True):
    """cmd, inside network namespace ns when given; its CompletedProcess (text)."""
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    return subprocess.run(full, check=check, capture_output=True, text=True)


def veth_up(mode):
    """scripts/netns/veth.sh's topology (mode kernel: the DUT namespace forwards; none: it
    does not); its KEY=VALUE lines as a dict (NS_GEN, NS_DUT, SINK, MAC_G0, ...)."""
    return dict(line.split("=", 1) for line in ns_run(VETH, "up", mode).stdout.split())


def veth_down():
    ns_run(VETH, "down", check=False)


# ---------------------------------------------------------------- control socket

def request(sock, cmd, args=None, timeout=60):
    """One request on hotpathd's control socket (a JSON line each way); its result, or
    AssertionError naming the command and the reply when it is not ok.
    (tests/integration/hp.py uses this one too.)"""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(sock)
        s.sendall(json.dumps({"id": 1, "cmd": cmd, "args": args or {}}).encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                raise AssertionError("%s: the connection closed before the reply" % cmd)
            buf += chunk
    r = json.loads(buf)
    if not r.get("ok"):
        raise AssertionError("%s: %s" % (cmd, r))
    return r["result"]


# ---------------------------------------------------------------- telemetry

def telemetry(prefix, cmd, timeout=5):
    """One DPDK telemetry v2 command to the process with this --file-prefix; the decoded reply.
    (tests/integration/hp.py uses this one too.)"""
    path = telemetry_path(prefix)
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(timeout)
        s.connect(path)
        hello = json.loads(s.recv(4096))
        s.send(cmd.encode())
        reply = json.loads(s.recv(hello.get("max_output_len", 16384)))
    return reply[cmd.split(",")[0]]


def telemetry_path(prefix):
    return os.path.join(DPDK_RUN, prefix, "dpdk_telemetry.v2")


# ---------------------------------------------------------------- CPU accounting

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_times():
    """(busy, steal) jiffies over all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    return user + nice + system + irq + softirq, steal


def proc_cpu(pid):
    """utime + stime of a process (all threads) in jiffies; 0 if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return int(rest[11]) + int(rest[12])
    except (OSError, IndexError, ValueError):
        return 0


def thread_cpus(pid):
    """The CPUs each thread of a process may run on ("0", "0-1"), by thread name; the main
    thread (an EAL program's main lcore) is "main", EAL's other lcores "rte-worker-N".
    Threads that end while being read are left out; {} if the process is gone."""
    out = {}
    try:
        tids = sorted(int(t) for t in os.listdir("/proc/%d/task" % pid))
    except OSError:
        return out
    for tid in tids:
        try:
            with open("/proc/%d/task/%d/status" % (pid, tid)) as f:
                st = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        except OSError:
            continue
        name = "main" if tid == pid else st.get("Name", str(tid))
        out[name if name not in out else "%s:%d" % (name, tid)] = st.get("Cpus_allowed_list")
    return out


# ---------------------------------------------------------------- host description

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:
        return ""


def host_info():
    lscpu = sh("lscpu")

    def field(name):
        m = re.search(r"^%s:\s*(.*)$" % re.escape(name), lscpu, re.M)
        return m.group(1).strip() if m else ""
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "cpu_model": field("Model name"),
        "cpu_family_model": "%s/%s" % (field("CPU family"), field("Model")),
        "cpus": field("CPU(s)"),
        "hypervisor": field("Hypervisor vendor") or "none",
        "l2": field("L2 cache"),
        "l3": field("L3 cache"),
        "mem_gib": round(mem_kb / 1048576, 1),
        "kernel": platform.release(),
        "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "dpdk": sh("dpkg-query -W -f='${Version}' dpdk") or sh("pkg-config --modversion libdpdk"),
        "gcc": sh("gcc -dumpfullversion"),
        # the checkout's state; what was measured is "source" in the JSON (lib.sh)
        "worktree_head": sh("git -C %s rev-parse --short=12 HEAD" % ROOT),
        "worktree_dirty": bool(sh("git -C %s status --porcelain --untracked-files=no" % ROOT)),
        "hugepages_free": int(sh("cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages") or 0),
    }


# ---------------------------------------------------------------- rig inputs

def gen_pcaps(out, flows=1024, size=64):
    v4 = write_flows_pcap(os.path.join(out, "flows4.pcap"), flows, size)
    v6 = write_flows_pcap(os.path.join(out, "flows6.pcap"), flows, size, ipv6=True)
    return v4, v6


def write_flows_pcap(path, flows=1024, size=64, dst_mac=PORT_MAC, src_mac=PEER_MAC, dst_net=None, ipv6=False):
    """scripts/gen_flows.py's frames: UDP from the neighbour (src_mac) to the port (dst_mac),
    over `flows` destinations from TRAFFIC_DST4 (or dst_net, an IPv4 network) or TRAFFIC_DST6."""
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "gen_flows.py"), path, "--flows", str(flows),
           "--size", str(size), "--dst-mac", dst_mac, "--src-mac", src_mac]
    if dst_net is not None:
        cmd += ["--dst-net", str(ipaddress.ip_network(dst_net).network_address)]
    subprocess.run(cmd + (["--ipv6"] if ipv6 else []), check=True)
    return path


def cycle_pcap(src, dst, n):
    """A finite pcap of n frames: src's frames repeated in order (same flows, exact count)."""
    import struct
    with open(src, "rb") as f:
        data = f.read()
    hdr, off, frames = data[:24], 24, []
    while off < len(data):
        _, _, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    with open(dst, "wb") as f:
        f.write(hdr)
        for i in range(n):
            fr = frames[i % len(frames)]
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)) + fr)
    return dst


# Prefix lengths of the random tables, roughly a BGP full table's shape:
# IPv4: most routes /24, a long tail /16../23, a few shorter and a few longer than /24
# (longer than /24 need a tbl8 group in rte_lpm). IPv6: mostly /48 and /32../44.
V4_LENGTHS = [(8, 1), (12, 1), (14, 1), (16, 5), (17, 2), (18, 3), (19, 5), (20, 7), (21, 7),
              (22, 10), (23, 9), (24, 47), (25, 0.5), (26, 0.5), (27, 0.3), (28, 0.3), (29, 0.2),
              (30, 0.1), (32, 0.1)]
V6_LENGTHS = [(29, 2), (32, 14), (33, 2), (36, 4), (40, 6), (44, 9), (46, 3), (47, 2), (48, 56),
              (56, 1), (64, 1)]

V4_EXCLUDE = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "198.18.0.0/15", "224.0.0.0/3")]
V6_EXCLUDE = [ipaddress.ip_network("2001:db8::/32")]


def _pick_len(rng, table):
    total = sum(w for _, w in table)
    x = rng.uniform(0, total)
    for length, w in table:
        x -= w
        if x <= 0:
            return length
    return table[-1][0]


def random_routes(rng, n, family):
    """n distinct random prefixes, none overlapping the excluded ranges (traffic, connected)."""
    out, seen = [], set()
    if family == 4:
        lengths, exclude, bits = V4_LENGTHS, V4_EXCLUDE, 32
    else:
        lengths, exclude, bits = V6_LENGTHS, V6_EXCLUDE, 128
    while len(out) < n:
        length = _pick_len(rng, lengths)
        if family == 4:
            addr = rng.getrandbits(32)
        else:
            addr = (0b001 << 125) | rng.getrandbits(125)  # 2000::/3, global unicast
        addr &= ~((1 << (bits - length)) - 1) & ((1 << bits) - 1)
        net = ipaddress.ip_network((addr, length))
        if any(net.overlaps(x) for x in exclude) or net in seen:
            continue
        seen.add(net)
        out.append(net)
    return out


def traffic_routes4(dst=TRAFFIC_DST4):
    """What routes the IPv4 frames to dst (a /22, TRAFFIC_DST4 unless given): the covering /22
    and more-specifics (1/8 of the frames hit the /25, whose lookup goes through a tbl8 group)."""
    base = ipaddress.ip_network(dst).network_address
    return ["%s/22" % base, "%s/24" % (base + 256), "%s/24" % (base + 512), "%s/25" % (base + 768)]


def traffic_routes6():
    return ["2001:db8:1::/48", "2001:db8:1::/64"]


# --- the ACL: random rules that never match the traffic

PROTOS = [("tcp", 6), ("udp", 17), ("icmp", 1), ("gre", 47), ("esp", 50), ("sctp", 132)]
WELL_KNOWN = [22, 23, 25, 53, 80, 123, 161, 179, 389, 443, 445, 636, 993, 1433, 3306, 3389,
              5060, 5432, 6379, 8080, 8443, 9200, 11211, 27017]


def _rule_matches_traffic(rule, flows):
    """Does any of the frames' 5-tuples match this rule? flows: [(src, dst, proto, sport, dport)]."""
    src = ipaddress.ip_network(rule["src"]) if "src" in rule else None
    dst = ipaddress.ip_network(rule["dst"]) if "dst" in rule else None
    proto = rule.get("proto_num")

    def rng_of(v):
        if v is None:
            return 0, 65535
        s = str(v)
        if "-" in s:
            a, b = s.split("-")
            return int(a), int(b)
        return int(s), int(s)
    slo, shi = rng_of(rule.get("sport"))
    dlo, dhi = rng_of(rule.get("dport"))
    for s, d, p, sp, dp in flows:
        if src is not None and (src.version != s.version or s not in src):
            continue
        if dst is not None and (dst.version != d.version or d not in dst):
            continue
        if proto is not None and proto != p:
            continue
        if not (slo <= sp <= shi and dlo <= dp <= dhi):
            continue
        return True
    return False


def traffic_flows4(n=1024):
    """The 5-tuples scripts/gen_flows.py writes (keep in step with it)."""
    base = int(TRAFFIC_DST4.network_address)
    return [(TRAFFIC_SRC4, ipaddress.ip_address(base + i), 17, 1024 + (i % 60000), 5000 + (i % 8))
            for i in range(n)]


def _rand_prefix4(rng, lo, hi):
    length = rng.randint(lo, hi)
    addr = rng.getrandbits(32) & (~((1 << (32 - length)) - 1) & 0xFFFFFFFF)
    return str(ipaddress.ip_network((addr, length)))


# ACL shapes: "mix" (default) draws every rule from the mix below; the others draw only
# one kind, to show how much rte_acl's cost depends on the rule set (docs/BENCHMARKS.md).
ACL_SHAPES = {"mix": (0.0, 1.0), "specific": (0.0, 0.30), "dst": (0.30, 0.50),
              "src": (0.50, 0.65), "ranges": (0.75, 0.88), "near": (0.88, 1.0)}


def random_acl(rng, n, flows, shape="mix"):
    """n rules, priorities 10, 20, ...; shapes of a real edge ACL. Rules that would match a
    frame of the traffic are drawn again, so the traffic ends at acl_default (permit)."""
    rules = []
    near_dst = ["198.18.0.0/15", "198.18.0.0/16", "198.18.0.0/22", "198.18.1.0/24", "198.16.0.0/12"]
    near_src = ["10.0.0.0/8", "10.0.0.0/16", "10.0.0.0/24", "10.0.0.2/32"]
    lo_k, hi_k = ACL_SHAPES[shape]
    while len(rules) < n:
        kind = lo_k + (hi_k - lo_k) * rng.random()
        r = {}
        if kind < 0.30:      # specific 5-tuple-ish: src and dst prefixes, tcp/udp, a service port
            r["src"] = _rand_prefix4(rng, 8, 32)
            r["dst"] = _rand_prefix4(rng, 16, 32)
            name, num = PROTOS[rng.randint(0, 1)]
            r["proto"], r["proto_num"] = name, num
            r["dport"] = rng.choice(WELL_KNOWN)
        elif kind < 0.50:    # server protection: dst prefix, tcp, port or range
            r["dst"] = _rand_prefix4(rng, 20, 32)
            r["proto"], r["proto_num"] = "tcp", 6
            if rng.random() < 0.5:
                r["dport"] = rng.choice(WELL_KNOWN)
            else:
                lo = rng.randint(1024, 60000)
                r["dport"] = "%d-%d" % (lo, lo + rng.randint(1, 2000))
        elif kind < 0.65:    # source block list
            r["src"] = _rand_prefix4(rng, 16, 32)
        elif kind < 0.75:    # non-port protocols with prefixes
            name, num = PROTOS[rng.randint(2, 4)]
            r["proto"], r["proto_num"] = name, num
            r["src" if rng.random() < 0.5 else "dst"] = _rand_prefix4(rng, 8, 24)
        elif kind < 0.88:    # udp with source and destination port ranges
            r["proto"], r["proto_num"] = "udp", 17
            r["dst"] = _rand_prefix4(rng, 12, 28)
            lo = rng.randint(0, 65000)
            r["sport"] = "%d-%d" % (lo, min(65535, lo + rng.randint(0, 5000)))
            lo = rng.randint(0, 65000)
            r["dport"] = "%d-%d" % (lo, min(65535, lo + rng.randint(0, 500)))
        else:                # near misses: prefixes that hold the traffic, another protocol/port
            if rng.random() < 0.5:
                r["src"] = rng.choice(near_src)
            else:
                r["dst"] = rng.choice(near_dst)
            if rng.random() < 0.5:
                r["proto"], r["proto_num"] = "tcp", 6
                r["dport"] = rng.choice(WELL_KNOWN)
            else:
                r["proto"], r["proto_num"] = "udp", 17
                lo = rng.choice([53, 123, 161, 500, 4500, 5008, 6000])
                r["dport"] = "%d-%d" % (lo, lo + rng.randint(0, 100))
        if _rule_matches_traffic(r, flows):
            continue
        r["action"] = "deny" if rng.random() < 0.7 else "permit"
        r["priority"] = 10 * (len(rules) + 1)
        rules.append(r)
    return rules


def yaml_q(s):
    return '"%s"' % s


def replay_device(pcap, infinite=True, index=0):
    """net_pcap<index> replaying pcap, or a list of pcaps: one RX queue per file, in order
    (net_pcap has no RSS), and as many TX queues, which count and drop what they are given."""
    pcaps = [pcap] if isinstance(pcap, str) else list(pcap)
    return "net_pcap%d,%s%s" % (index, ",".join("rx_pcap=%s" % p for p in pcaps),
                                ",infinite_rx=1" if infinite else "")


def l3_routes(rng, family, n_routes):
    """The route table of the l3 configurations: the prefixes covering the traffic plus
    random ones, n_routes in all, shuffled. write_l3_config and write_l3fwd_routes draw it
    from a fresh random.Random(seed), so hotpathd and l3fwd get the same prefixes."""
    cover = traffic_routes4() if family == 4 else traffic_routes6()
    routes = [ipaddress.ip_network(c) for c in cover]
    routes += random_routes(rng, n_routes - len(cover), family)
    rng.shuffle(routes)
    return routes


def write_l3_config(path, device, prefix, sock, family, n_routes, n_acl, seed, lcores="0-1",
                    acl_shape="mix", stateful=None, queues=1, lcore_map=None):
    """An l3 hairpin on one replay port: 10.0.0.1/24 + 2001:db8::1/64, the static neighbour
    .2/::2, n_routes random routes of `family` via it plus the routes covering the traffic.
    stateful: lines added to the sections, a ct_setup() dict (the conntrack rig's second port,
    ACL, conntrack, NAT) or a scale_setup() one (scaling.py's second port or queue, workers:);
    n_acl random rules then come after its ACL rules. queues: p0's RX queues. EAL's lcores:
    -l lcores, or --lcores lcore_map ("0@0,1@0,2@1") when given."""
    rng = random.Random(seed)
    st = stateful or {}
    lines = [
        "# generated by scripts/bench (seed %d): l3 hairpin on a net_pcap replay, %d IPv%d routes, %d ACL rules (%s)"
        % (seed, n_routes, family, n_acl, acl_shape),
        "eal: [%s, %s, --in-memory, --no-pci, --file-prefix, %s]"
        % ("--lcores" if lcore_map else "-l", yaml_q(lcore_map or lcores), prefix),
        "control: { socket: %s, metrics: \"127.0.0.1:%d\" }" % (sock, 20000 + os.getpid() % 20000),
        "ports:",
        "  - name: p0",
        "    device: \"%s\"" % device,
        "    mac: \"%s\"" % PORT_MAC,
        "    ipv4: [\"10.0.0.1/24\"]",
        "    ipv6: [\"2001:db8::1/64\"]",
        "    mode: l3",
    ] + (["    queues: %d" % queues] if queues != 1 else []) + st.get("ports", []) + [
        "neighbors:",
        "  - { ip: 10.0.0.2, mac: \"%s\", port: p0 }" % PEER_MAC,
        "  - { ip: \"2001:db8::2\", mac: \"%s\", port: p0 }" % PEER_MAC,
    ] + st.get("neighbors", []) + [
        "routes:",
    ] + st.get("routes", [])
    via = "10.0.0.2" if family == 4 else "\"2001:db8::2\""
    routes = l3_routes(rng, family, n_routes)
    for net in routes:
        p = str(net) if family == 4 else yaml_q(net)
        lines.append("  - { prefix: %s, via: %s }" % (p, via))
    lines.append("acl_default: %s" % st.get("acl_default", "permit"))
    if n_acl or st.get("acl"):
        lines.append("acl:")
        lines += st.get("acl", [])
    if n_acl:
        for r in random_acl(rng, n_acl, traffic_flows4(), acl_shape):
            parts = ["priority: %d" % r["priority"]]
            for k in ("src", "dst", "proto", "sport", "dport"):
                if k in r:
                    parts.append("%s: %s" % (k, yaml_q(r[k]) if k in ("sport", "dport") else r[k]))
            parts.append("action: %s" % r["action"])
            lines.append("  - { %s }" % ", ".join(parts))
    lines += st.get("extra", [])
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return {"routes": len(routes), "acl": n_acl, "family": family}


def write_l3fwd_routes(path, family, n_routes, seed, port=0, extra=()):
    """A route file of DPDK's l3fwd example (--rule_ipv4 / --rule_ipv6, LPM mode; format of
    examples/l3fwd/lpm_route_parse.c in 22.11: one "R<prefix>/<len> <port>" a line).
    n_routes > 0: the same n_routes prefixes write_l3_config(seed) gives hotpathd;
    n_routes == 0: only the prefixes covering the traffic (l3fwd needs both files and at
    least one route in each). Every route goes out of `port`; then extra, (prefix, port) pairs."""
    if n_routes:
        routes = l3_routes(random.Random(seed), family, n_routes)
    else:
        routes = [ipaddress.ip_network(c) for c in (traffic_routes4() if family == 4 else traffic_routes6())]
    with open(path, "w") as f:
        f.write("# generated by scripts/bench (seed %d): %d IPv%d routes out of port %d, %d more\n"
                % (seed, len(routes), family, port, len(extra)))
        for net, out in [(net, port) for net in routes] + list(extra):
            f.write("R%s %d\n" % (net, out))
    return len(routes) + len(extra)


def l3fwd_command(l3fwd, eal_args, vdevs, portmask, rules4, rules6, eth_dests, config=((0, 0, 1),)):
    """DPDK's l3fwd example in LPM mode; config: its (port, queue, lcore) table, by default one
    poller, lcore 1, on port 0 queue 0. With that default eal_args must give -l 1: lcore 1 is
    then l3fwd's main lcore and its only poller (with -l 0-1, l3fwd wants a TX queue per
    lcore on every port, a one-file net_pcap port has one, and its main lcore would spin in
    rte_eal_mp_wait_lcore). Every EAL lcore should poll: l3fwd's main lcore polls too, and
    each port needs as many TX queues as there are lcores (replay_device with that many
    files). --parse-ptype: net_pcap reports no packet types, so l3fwd refuses to start
    without its software ptype callback (an RX callback that reads the EtherType of every
    frame). -P (promiscuous) changes nothing on net_pcap."""
    cmd = [l3fwd] + list(eal_args)
    for v in vdevs:
        cmd += ["--vdev", v]
    cmd += ["--", "-p", portmask, "--config=" + ",".join("(%d,%d,%d)" % c for c in config), "-L",
            "--rule_ipv4=" + rules4, "--rule_ipv6=" + rules6]
    cmd += ["--eth-dest=%d,%s" % (port, mac) for port, mac in eth_dests]
    return cmd + ["-P", "--parse-ptype"]


def validate_config(hotpathd, path, who="bench"):
    """hotpathd --check of a generated config; SystemExit with its messages if it fails."""
    r = subprocess.run([hotpathd, "-c", path, "--check"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("%s: %s does not validate:\n%s%s" % (who, path, r.stdout, r.stderr))


def write_xconnect_config(path, device, prefix, sock, lcores="0-1"):
    with open(path, "w") as f:
        f.write("# generated by scripts/bench: configs/demo.yaml's xconnect hairpin\n"
                "eal: [-l, %s, --in-memory, --no-pci, --file-prefix, %s]\n"
                "control: { socket: %s, metrics: \"127.0.0.1:%d\" }\n"
                "ports:\n"
                "  - name: p0\n"
                "    device: \"%s\"\n"
                "    mac: \"%s\"\n"
                "    mode: xconnect\n"
                "    peer: p0\n" % (yaml_q(lcores), prefix, sock, 20000 + os.getpid() % 20000, device, PORT_MAC))


# ---------------------------------------------------------------- connection tracking rig
# (scripts/bench/conntrack.py, callgrind.py's ct-* targets). Flow i (i < 1024 x 64512):
# 10.0.0.2:(1024 + i / 1024) -> 198.18.0.0 + (i % 1024):5000, UDP: the destinations of
# the rig's 1024 flows (the same routes), distinct source ports beyond 1024 flows. Its
# reply: 198.18.0.0 + (i % 1024):5000 -> 10.0.0.2:(1024 + i / 1024), routed back out p0.
# A second l3 port p1 (10.1.0.1/24, neighbour 10.1.0.2) brings what must not be replayed
# in a loop (the 1 M connections' set-up, the SYN flood) from a pcap read once; the
# flood goes to 198.19.0.0/16, routed out p1, so p0 carries only the tracked flows.

PORT1_MAC = "02:00:00:00:00:02"
PEER1_MAC = "02:00:00:00:00:bb"
CT_DSTS = 1024
CT_MAX_FLOWS = CT_DSTS * 64512
FLOOD_SRC4 = ipaddress.ip_network("10.128.0.0/9")   # inside: the ACL's `state: new` rule permits it
FLOOD_DST4 = ipaddress.ip_network("198.19.0.0/16")
SNAT_POOL = ["203.0.113.%d" % i for i in range(1, 33)]  # 32 x 64512 public ports


def _gen_flows():
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import gen_flows
    return gen_flows


def ct_frames(indices, direction, dst_mac=PORT_MAC, size=64):
    """The frames of flows `indices` (the numbering above): direction "orig", "reply" or
    "both": every flow's original frame, then every reply. Not each original followed by
    its reply: the conntrack stage looks a burst's packets up before it creates the
    connections of the new ones, so a reply in the same RX burst as its flow's first
    packet is still `new` (and denied by the firewall); a real reply is a round trip later."""
    if direction == "both":
        indices = list(indices)
        yield from ct_frames(indices, "orig", dst_mac, size)
        yield from ct_frames(indices, "reply", dst_mac, size)
        return
    g = _gen_flows()
    dmac, smac = g.mac(dst_mac), g.mac(PEER_MAC)
    client = TRAFFIC_SRC4.packed
    base = int(TRAFFIC_DST4.network_address)
    for i in indices:
        server = (base + i % CT_DSTS).to_bytes(4, "big")
        sport = 1024 + i // CT_DSTS
        if direction == "orig":
            yield g.udp4_frame(dmac, smac, client, server, sport, 5000, i, size)
        else:
            yield g.udp4_frame(dmac, smac, server, client, 5000, sport, i, size)


def write_ct_pcap(path, indices, direction, dst_mac=PORT_MAC):
    """A pcap of ct_frames (kept if it exists: the name must say what it holds)."""
    if not os.path.exists(path):
        _gen_flows().write_pcap(path + ".tmp", ct_frames(indices, direction, dst_mac))
        os.replace(path + ".tmp", path)
    return path


def ct_sample(n_flows, n, seed=1):
    """n distinct flows of n_flows drawn at random (all of them, in order, if n >= n_flows)."""
    if n >= n_flows:
        return range(n_flows)
    return sorted(random.Random(seed).sample(range(n_flows), n))


def write_syn_flood(path, n, seed=1, dst_mac=PORT1_MAC):
    """n TCP SYNs from random FLOOD_SRC4 sources and ports to random FLOOD_DST4:80 (kept if
    the file exists)."""
    if not os.path.exists(path):
        g = _gen_flows()
        fl = g.SynFlood(g.mac(dst_mac), g.mac(PEER1_MAC), FLOOD_SRC4, FLOOD_DST4, seed=seed)
        g.write_pcap(path + ".tmp", (fl.frame() for _ in range(n)))
        os.replace(path + ".tmp", path)
    return path


# ---------------------------------------------------------------- load balancer rig
# (scripts/bench/lb.py): flow i = 10.0.0.2:(1024 + i mod 60000) -> LB_VIP4:(5000 + i / 60000),
# UDP; LB_VIP4 is in the traffic's /22, so the plain configuration routes the same frames.

LB_VIP4 = "198.18.0.1"
LB_MAX_FLOWS = 60000 * 60000


def lb_frames(indices, dst_mac=PORT_MAC, size=64):
    g = _gen_flows()
    dmac, smac = g.mac(dst_mac), g.mac(PEER_MAC)
    client, vip = TRAFFIC_SRC4.packed, ipaddress.ip_address(LB_VIP4).packed
    for i in indices:
        yield g.udp4_frame(dmac, smac, client, vip, 1024 + i % 60000, 5000 + i // 60000, i, size)


def write_lb_pcap(path, indices, dst_mac=PORT_MAC):
    """A pcap of lb_frames (kept if it exists: the name must say what it holds)."""
    if not os.path.exists(path):
        _gen_flows().write_pcap(path + ".tmp", lb_frames(indices, dst_mac))
        os.replace(path + ".tmp", path)
    return path


def p1_lines(device, addr, peer):
    """The `ports:` and `neighbors:` lines of a second l3 port p1 (PORT1_MAC) with the IPv4
    interface address addr and the static neighbour peer (PEER1_MAC)."""
    return (["  - name: p1", "    device: \"%s\"" % device, "    mac: \"%s\"" % PORT1_MAC,
             "    ipv4: [\"%s\"]" % addr, "    mode: l3"],
            ["  - { ip: %s, mac: \"%s\", port: p1 }" % (peer, PEER1_MAC)])


def ct_setup(kind, ct_max=None, p1_device=None, mbufs=None):
    """write_l3_config's `stateful` argument. kind: "plain" (routes only), "fw" (the stateful
    firewall: established/related permitted, new permitted from 10.0.0.0/8, everything else
    denied) or "snat" (masquerade out of p0 to SNAT_POOL, no ACL). p1_device: the second
    port (the set-up or flood pcap) with its neighbour and the flood's route; ct_max:
    conntrack.max; mbufs: the pools' size (the replay holds its whole pcap in mbufs)."""
    st = {"ports": [], "neighbors": [], "routes": [], "acl": [], "extra": []}
    if p1_device:
        st["ports"], st["neighbors"] = p1_lines(p1_device, "10.1.0.1/24", "10.1.0.2")
        st["routes"] = ["  - { prefix: %s, via: 10.1.0.2 }" % FLOOD_DST4]
    if kind == "fw":
        st["acl_default"] = "deny"
        st["acl"] = ["  - { priority: 1, state: [established, related], action: permit }",
                     "  - { priority: 2, src: 10.0.0.0/8, state: new, action: permit }"]
    elif kind == "snat":
        st["extra"].append("nat:\n  - { type: snat, out: p0, src: 10.0.0.0/8, to: [%s] }" % ", ".join(SNAT_POOL))
    elif kind != "plain":
        raise ValueError("ct_setup: unknown kind %r" % kind)
    if ct_max:
        st["extra"].append("conntrack: { max: %d }" % ct_max)
    if mbufs:
        st["extra"].append("mbufs: %d" % mbufs)
    return st


def lb_setup(kind, n_backends, flows, p1_device=None, mbufs=None):
    """write_l3_config's `stateful` argument for the load balancer rig."""
    st = ct_setup("plain", p1_device=p1_device, mbufs=mbufs)
    backends = ["10.0.0.%d" % (16 + b) for b in range(n_backends)]
    st["neighbors"] = st["neighbors"] + ["  - { ip: %s, mac: \"%s\", port: p0 }" % (b, PEER_MAC)
                                         for b in backends]
    if kind == "lb":
        st["extra"].append("lb:\n  - { vip: %s, proto: udp, encap: ipip, backends: [%s] }"
                           % (LB_VIP4, ", ".join("{ ip: %s }" % b for b in backends)))
        st["extra"].append("lb_conf: { flows: %d }" % max(2 * flows, 65536))
    elif kind != "plain":
        raise ValueError("lb_setup: unknown kind %r" % kind)
    return st


# ---------------------------------------------------------------- scaling rig
# (scripts/bench/scaling.py): a second set of the rig's 1024 flows, to SCALE_DST4 instead
# of TRAFFIC_DST4, either on a second port p1 (10.0.1.1/24, neighbour 10.0.1.2) and routed
# back out of p1, or on p0's second RX queue and routed out of p0 like the first set.

SCALE_DST4 = ipaddress.ip_network("198.19.0.0/22")


def scale_setup(workers, p1_device=None):
    """write_l3_config's `stateful` argument for scaling.py. workers: each worker's queues,
    e.g. [["p0/0"], ["p1/0"]], for worker lcores 1, 2, ...; p1_device: the second port, whose
    frames (to SCALE_DST4) go back out of it; without it, SCALE_DST4 is routed out of p0."""
    st = {"ports": [], "neighbors": [], "extra": ["workers:"]}
    via = "10.0.0.2"
    if p1_device:
        st["ports"], st["neighbors"] = p1_lines(p1_device, "10.0.1.1/24", "10.0.1.2")
        via = "10.0.1.2"
    st["routes"] = ["  - { prefix: %s, via: %s }" % (net, via) for net in traffic_routes4(SCALE_DST4)]
    st["extra"] += ["  - { lcore: %d, queues: [%s] }" % (i + 1, ", ".join(q)) for i, q in enumerate(workers)]
    return st
