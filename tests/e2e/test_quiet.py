"""End to end: an idle hotpathd's control thread sleeps, and wakes for what a host sends it.

A real Linux host (netns A, on a veth to hotpathd's net_af_packet port, the topology of
test_ports_veth.py) pings hotpathd's address after hotpathd has been idle. The control
thread has no periodic timer left (the punt ring's doorbell wakes it, the neighbour timers
run once a second when nothing resolves): in a few idle seconds it is woken a handful of
times, not thousands (the 1 ms tick it replaced woke it 1,000 times a second), and yet it
answers every echo request and ARP. The bound is on wakeups counted by the kernel
(voluntary context switches of the main thread), which a busy machine can only lower.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import hp  # noqa: E402
import test_ports_veth as pv  # noqa: E402

IDLE_S = 3
MAX_WAKES = 20 * IDLE_S  # a handful a second: the neighbour timer, the hosts' own IPv6 chatter


def switches(pid):
    """(voluntary, involuntary) context switches of the process's main thread (the control thread)"""
    got = {}
    with open("/proc/%d/task/%d/status" % (pid, pid)) as f:
        for line in f:
            k, _, v = line.partition(":")
            got[k] = v.strip()
    return int(got["voluntary_ctxt_switches"]), int(got["nonvoluntary_ctxt_switches"])


def test_idle_sleeps_and_answers(d):
    with pv.Topology() as topo:
        sock, text = pv.config(topo, d, "af_packet")
        with hp.Daemon(pv.HOTPATHD, d, text, netns=pv.NS_R) as hd:
            pid = hd.proc.pid
            # a first ping: ARP both ways, the neighbour resolved, the path warm
            assert pv.ping(pv.NS_A, "10.61.0.1", 56) == 3, pv.drops(sock)
            before = switches(pid)
            time.sleep(IDLE_S)
            after = switches(pid)
            wakes = after[0] - before[0]
            print("control thread: %d voluntary, %d involuntary switches in %d idle s" % (wakes, after[1] - before[1], IDLE_S))
            assert wakes <= MAX_WAKES, "control thread woke %d times in %d idle seconds" % (wakes, IDLE_S)
            # asleep with no timer due soon, it still answers at once: the workers ring for the punts
            assert pv.ping(pv.NS_A, "10.61.0.1", 56, count=5) == 5, pv.drops(sock)
            lat = pv.hpctl(sock, "latency")["slowpath"]
            assert lat["count"] >= 8 and lat["max_ns"] >= lat["p50_ns"] > 0, lat
            code, _, report = hd.stop()
            assert code == 0, hd.stderr()
    punted = sum(sum(w["punted"].values()) for w in report["workers"])
    bells = sum(w["doorbells"] for w in report["workers"])
    # woken by the doorbell, never more than once per punted packet
    assert 1 <= bells <= punted, (bells, punted)
    assert report["slowpath_latency_ns"]["count"] >= lat["count"], report["slowpath_latency_ns"]


def main():
    pv.setup()
    hp.run([test_idle_sleeps_and_answers])


if __name__ == "__main__":
    main()
