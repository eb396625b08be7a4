#!/usr/bin/env python3
"""veth -> AF_XDP -> hotpathd -> AF_XDP -> veth against the Linux kernel forwarding
between the same veths (scripts/netns/veth.sh), driven by scripts/bench/afxdp.sh.

The generator is dpdk-testpmd (txonly, 64-byte UDP) on net_af_xdp in the generator
namespace; the measure is what the DUT sends out of d1 (its TX counter) against what
the generator put on g0, over DURATION seconds after WARMUP, for ROUNDS rounds with
the order of the two DUTs alternating. Both DUTs receive d0's frames through an XDP
program (hotpath's for hotpathd, a bare XDP_PASS for the kernel: the veth takes the
same NAPI path either way).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


PASS_PROG = """#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int pass(struct xdp_md *c) { return XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
"""


def link_packets(ns, dev, direction):
    j = json.loads(benchlib.ns_run("ip", "-j", "-s", "link", "show", dev, ns=ns).stdout)[0]
    return j["stats64"][direction]["packets"]


def hotpathd_config(path, env, sock):
    with open(path, "w") as f:
        f.write("control: { socket: %s }\n"
                "ports:\n"
                "  - { name: p0, device: \"net_af_xdp0,iface=d0,start_queue=0,queue_count=1\", mac: \"%s\", "
                "ipv4: [10.240.1.1/24] }\n"
                "  - { name: p1, device: \"net_af_xdp1,iface=d1,start_queue=0,queue_count=1\", mac: \"%s\", "
                "ipv4: [10.240.2.1/24] }\n"
                "neighbors:\n"
                "  - { ip: %s, mac: \"%s\", port: p1 }\n"
                "xdp:\n"
                "  - { iface: d0, pass: [arp] }\n"
                "  - { iface: d1, pass: [arp] }\n" % (sock, env["MAC_D0"], env["MAC_D1"], env["SINK"], env["MAC_S0"]))


def one_run(args, procs, mode, work, pass_obj):
    env = benchlib.veth_up("kernel" if mode == "kernel" else "none")
    dut = None
    gen = None
    try:
        if mode == "kernel":
            benchlib.ns_run("ip", "link", "set", "dev", "d0", "xdp", "obj", pass_obj, "sec", "xdp", ns=env["NS_DUT"])
        else:
            cfg, sock = os.path.join(work, "dut.yaml"), os.path.join(work, "dut.sock")
            hotpathd_config(cfg, env, sock)
            # worker on CPU 0, its sleeping control thread on CPU 1 (the generator polls CPU 1)
            dut = benchlib.start_hotpathd(procs, ["ip", "netns", "exec", env["NS_DUT"], args.hotpathd, "-c", cfg, "--",
                                                  "--lcores", "0@1,1@0", "--file-prefix", "hp-bench-dut",
                                                  "--in-memory", "--log-level", "lib.eal:error"],
                                          os.path.join(work, "hotpathd.log"))
        glog = open(os.path.join(work, "testpmd-%s.log" % mode), "w")
        gen = procs.start(["ip", "netns", "exec", env["NS_GEN"], "dpdk-testpmd", "-l", "0,1",
                           "--file-prefix", "hp-bench-gen", "--in-memory", "--log-level", "lib.eal:error",
                           "--vdev", "net_af_xdp0,iface=g0,start_queue=0,queue_count=1", "--",
                           "--forward-mode=txonly", "--port-topology=loop", "--portmask=0x1",
                           "--eth-peer=0,%s" % env["MAC_D0"], "--tx-ip=10.240.1.2,%s" % env["SINK"],
                           "--txpkts=64", "--total-num-mbufs=8192", "--nb-cores=1", "--stats-period", "60"],
                          subprocess.DEVNULL, glog)
        time.sleep(args.warmup)
        g0, d1 = link_packets(env["NS_GEN"], "g0", "tx"), link_packets(env["NS_DUT"], "d1", "tx")
        t0 = time.monotonic()
        time.sleep(args.duration)
        g1, d2 = link_packets(env["NS_GEN"], "g0", "tx"), link_packets(env["NS_DUT"], "d1", "tx")
        dt = time.monotonic() - t0
        if gen.poll() is not None or (dut is not None and dut.poll() is not None):
            raise RuntimeError("%s run: a process died (logs in %s)" % (mode, work))
        return {"mode": mode, "offered_pps": (g1 - g0) / dt, "forwarded_pps": (d2 - d1) / dt, "seconds": dt}
    finally:
        if gen is not None:
            procs.stop(gen)
        if dut is not None:
            procs.stop(dut)
        benchlib.remove_runtime_dir("hp-bench-gen")
        benchlib.remove_runtime_dir("hp-bench-dut")
        benchlib.veth_down()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hotpathd", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    benchlib.install_signal_handlers()
    procs = benchlib.Procs()
    os.makedirs(args.out, exist_ok=True)
    samples = []
    with tempfile.TemporaryDirectory(prefix="hp-afxdp-") as work:
        pass_src, pass_obj = os.path.join(work, "pass.bpf.c"), os.path.join(work, "pass.bpf.o")
        with open(pass_src, "w") as f:
            f.write(PASS_PROG)
        subprocess.run(["clang", "-O2", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c", pass_src,
                        "-o", pass_obj], check=True)
        try:
            for r in range(args.rounds):
                for mode in (("kernel", "hotpathd") if r % 2 == 0 else ("hotpathd", "kernel")):
                    s = one_run(args, procs, mode, work, pass_obj)
                    s["round"] = r
                    samples.append(s)
                    benchlib.log("afxdp: round %d %-8s offered %.3f Mpps forwarded %.3f Mpps" % (
                        r, mode, s["offered_pps"] / 1e6, s["forwarded_pps"] / 1e6))
        finally:
            procs.stop_all()
            benchlib.veth_down()
    med = {}
    for mode in ("kernel", "hotpathd"):
        xs = [s for s in samples if s["mode"] == mode]
        med[mode] = {k: statistics.median(s[k] for s in xs) for k in ("offered_pps", "forwarded_pps")}
    result = {"host": benchlib.host_info(), "source": os.environ.get("BENCH_SOURCE", ""),
              "rounds": args.rounds, "duration_s": args.duration, "samples": samples, "median": med}
    with open(os.path.join(args.out, "afxdp.json"), "w") as f:
        json.dump(result, f, indent=1)
    print("| DUT (64-byte UDP, veth, 1 DUT core) | offered Mpps | forwarded Mpps | forwarded/offered |")
    print("| --- | ---: | ---: | ---: |")
    for mode, label in (("kernel", "Linux kernel forwarding (ip_forward)"),
                        ("hotpathd", "hotpathd l3 via AF_XDP (hp_xdp steering)")):
        m = med[mode]
        print("| %s | %.3f | %.3f | %.2f |" % (label, m["offered_pps"] / 1e6, m["forwarded_pps"] / 1e6,
                                               m["forwarded_pps"] / max(m["offered_pps"], 1)))
    print("\nhotpathd / kernel forwarded: %.2fx (medians of %d rounds)" % (
        med["hotpathd"]["forwarded_pps"] / max(med["kernel"]["forwarded_pps"], 1), args.rounds))


if __name__ == "__main__":
    main()
