#!/usr/bin/python3
"""Seed inputs for fuzz_ctl: one valid request per command of the registry (the list
scripts/bench/ctlflood.py keeps, checked against control/cmd/commands.h by
harden_ctl/seeds_cover_the_registry), requests that succeed on fuzz_ctl's model, and
malformed ones. Run once from the repository root; the seeds are committed."""
import json
import os
import sys

sys.path.insert(0, "scripts/bench")
import ctlflood  # noqa: E402

OUT = "tests/fuzz/corpus/ctl"
seeds = {}
for i, s in enumerate(ctlflood.SEEDS):
    msg = {"id": i + 1}
    msg.update(s)
    seeds["%02d_%s" % (i, s["cmd"].replace(".", "_"))] = json.dumps(msg).encode()
# requests that change fuzz_ctl's model (its config: p0 10.0.0.1/24, p1 10.0.1.1/24, policer pol)
ok = {
    "ok_route_add": {"cmd": "route.add", "args": {"prefix": "192.0.2.0/24", "via": ["10.0.1.2", "10.0.1.3"]}},
    "ok_route_add6": {"cmd": "route.add", "args": {"prefix": "2001:db8:200::/48", "via": "2001:db8:1::2"}},
    "ok_route_drop": {"cmd": "route.add", "args": {"prefix": "100.64.0.0/10", "action": "drop"}},
    "ok_route_many": {"cmd": "route.add", "args": {"routes": [{"prefix": "192.0.%d.0/24" % i, "via": "10.0.1.2"}
                                                              for i in range(4)]}},
    "ok_route_del": {"cmd": "route.del", "args": {"prefix": "198.18.0.0/15"}},
    "ok_neigh_add": {"cmd": "neigh.add", "args": {"ip": "10.0.1.3", "mac": "02:00:00:00:01:03", "port": "p1"}},
    "ok_neigh_del": {"cmd": "neigh.del", "args": {"ip": "10.0.1.2"}},
    "ok_acl_add": {"cmd": "acl.add", "args": {"priority": 5, "src": "10.0.0.0/8", "proto": "tcp",
                                              "dport": "22", "action": "police pol"}},
    "ok_acl_del": {"cmd": "acl.del", "args": {"index": 0}},
    "ok_policer_add": {"cmd": "policer.add", "args": {"name": "p2", "type": "srtcm", "cir": "1M", "cbs": "2k",
                                                      "ebs": "4k"}},
    "ok_policer_del": {"cmd": "policer.del", "args": {"name": "pol"}},
    "ok_log_level": {"cmd": "log.level", "args": {"level": "error"}},
    "ok_route_show_origin": {"cmd": "route.show", "args": {"origin": "cli", "family": 4}},
    "ok_nat_add_snat": {"cmd": "nat.add", "args": {"type": "snat", "out": "p1", "src": "10.0.0.0/24",
                                                   "to": ["10.0.1.100", "10.0.1.101"], "ports": "2000-2999"}},
    "ok_nat_add_dnat": {"cmd": "nat.add", "args": {"type": "dnat", "in": "p1", "dst": "10.0.1.100", "proto": "tcp",
                                                   "dport": 8080, "to": "10.0.0.5:80"}},
    "ok_nat_del": {"cmd": "nat.del", "args": {"index": 0}},
    "ok_nat_del_fields": {"cmd": "nat.del", "args": {"type": "snat", "out": "p1", "src": "10.0.0.0/24",
                                                     "to": ["10.0.1.101", "10.0.1.100"], "ports": "2000-2999"}},
    "ok_conntrack_show": {"cmd": "conntrack.show", "args": {"dst": "10.0.1.100", "state": "syn_sent", "limit": 1}},
}
for name, m in ok.items():
    msg = {"id": name}
    msg.update(m)
    seeds[name] = json.dumps(msg).encode()
bad = {
    "bad_json": b'{"id":1,"cmd":"status"',
    "bad_not_object": b'["status"]',
    "bad_id": b'{"id":1.5,"cmd":"status"}',
    "bad_no_cmd": b'{"id":1}',
    "bad_args": b'{"id":1,"cmd":"route.show","args":[4]}',
    "bad_unknown": b'{"id":1,"cmd":"route.frobnicate"}',
    "bad_dup_key": b'{"id":1,"cmd":"status","cmd":"help"}',
    "bad_utf8": b'{"id":1,"cmd":"port.stats","args":{"name":"p\xff"}}',
    "bad_nul": b'{"id":1,"cmd":"status\\u0000"}',
    "bad_deep": b'{"id":1,"cmd":"status","args":{"a":' + b"[" * 3000 + b"]" * 3000 + b"}}",
    "bad_family": b'{"id":1,"cmd":"route.show","args":{"family":5}}',
    "bad_origin": b'{"id":1,"cmd":"route.show","args":{"origin":"kernel"}}',
    "bad_host_bits": b'{"id":1,"cmd":"route.add","args":{"prefix":"192.0.2.1/24","via":"10.0.1.2"}}',
    "bad_routes_mixed": b'{"id":1,"cmd":"route.add","args":{"routes":[{"prefix":"192.0.2.0/24","via":"10.0.1.2"},'
                        b'{"prefix":"bogus"}]}}',
    "bad_big_id": b'{"id":18446744073709551616,"cmd":"status"}',
    "bad_apply_dir": b'{"id":1,"cmd":"config.apply","args":{"file":"/"}}',
    "bad_apply_dev": b'{"id":1,"cmd":"config.apply","args":{"file":"/dev/zero"}}',
    "bad_nat_overlap": b'{"id":1,"cmd":"nat.add","args":{"type":"snat","out":"p1","src":"10.0.0.0/24",'
                       b'"to":["10.0.1.100","10.0.1.100"]}}',
    "bad_nat_v6": b'{"id":1,"cmd":"nat.add","args":{"type":"dnat","in":"p1","dst":"2001:db8::5","proto":"tcp",'
                  b'"dport":80,"to":"10.0.0.5:80"}}',
    "bad_nat_ports": b'{"id":1,"cmd":"nat.add","args":{"type":"snat","out":"p1","src":"10.0.0.0/24",'
                     b'"to":["10.0.1.100"],"ports":"9-3"}}',
    "bad_ct_limit": b'{"id":1,"cmd":"conntrack.show","args":{"limit":0}}',
}
seeds.update(bad)
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print("%d seeds in %s" % (len(seeds), OUT))
