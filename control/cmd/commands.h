/* The command registry: every control command, hpctl object and /hotpath/ telemetry name, written once. */
#ifndef HP_COMMANDS_H
#define HP_COMMANDS_H

/*
 * Plain C, no DPDK: hotpathd (dispatch, help, telemetry), hpctl (objects,
 * usage, the request's "cmd") and the bash completion generator all expand
 * these lists, so a command is added here and nowhere else by name. A test
 * (tests/integration ctl/registry_served, hpctl/registry_everywhere, unit
 * hpctl_args) fails when one of them misses a row.
 */

/* Flags of a command. */
#define HP_CMD_RO 1u /* changes nothing: hpctl may repeat it (--watch) */

/*
 * X(id, "name", flags, "args", "help"), in the order `help` lists them. id is
 * the name with '_' for '.': the daemon's handler is cmd_<id>() and hpctl's
 * request names it as HP_CMD_<id>. The part of the name before the first dot
 * is the hpctl object (below) that sends it; `help` is the daemon's alone.
 */
#define HP_COMMANDS(X)                                                                                       \
	X(help, "help", HP_CMD_RO, "", "the commands this daemon serves")                                    \
	X(status, "status", HP_CMD_RO, "", "version, uptime, sizes, packet totals")                          \
	X(port_show, "port.show", HP_CMD_RO, "", "ports: mode, MAC, queues, addresses, device")              \
	X(port_stats, "port.stats", HP_CMD_RO, "[name]", "per-port counters, per queue and from the device") \
	X(worker_show, "worker.show", HP_CMD_RO, "", "per-worker counters, cycles and latency")              \
	X(stats, "stats", HP_CMD_RO, "", "totals, drops by reason, slow path, ACL cache")                    \
	X(latency_show, "latency.show", HP_CMD_RO, "",                                                       \
	  "residence latency percentiles and each worker's stalls since the last reset (ns)")                \
	X(latency_reset, "latency.reset", 0, "", "start latency.show afresh (latency and stalls)")           \
	X(runtime_show, "runtime.show", HP_CMD_RO, "",                                                       \
	  "per worker: each node's calls, packets, packets per call, cycles per packet; loop busy share")    \
	X(runtime_on, "runtime.on", 0, "[sample_every]",                                                     \
	  "the workers count their nodes, and time one busy loop in sample_every (16)")                      \
	X(runtime_off, "runtime.off", 0, "", "the workers stop counting (runtime.show keeps the counts)")    \
	X(runtime_clear, "runtime.clear", 0, "", "start runtime.show afresh")                                \
	X(route_add, "route.add", 0, "prefix, via | action: drop, [port] | routes: [{...}, ...]",            \
	  "add or replace a route (ECMP: several via), or up to 1024 at once")                               \
	X(route_del, "route.del", 0, "prefix", "delete a route")                                             \
	X(route_show, "route.show", HP_CMD_RO, "[family: 4|6], [origin: config|cli|linux]",                  \
	  "the routes of every origin (config, cli, linux), and which are in the FIB")                       \
	X(neigh_add, "neigh.add", 0, "ip, mac, [port]", "a static neighbour (its held packets are sent)")    \
	X(neigh_del, "neigh.del", 0, "ip, [port]", "forget a neighbour's MAC (resolved again on use)")       \
	X(neigh_show, "neigh.show", HP_CMD_RO, "", "next hops: address, MAC, port, state, packets held")     \
	X(acl_add, "acl.add", 0, "priority, [src, dst, proto, sport, dport, state], action",                 \
	  "add an ACL rule (as in the config file)")                                                         \
	X(acl_del, "acl.del", 0, "index", "delete ACL rule index (acl.show numbers them)")                   \
	X(acl_show, "acl.show", HP_CMD_RO, "", "ACL rules in order with their hits")                         \
	X(conntrack_show, "conntrack.show", HP_CMD_RO, "[proto, src, dst, port, state, limit]",              \
	  "tracked connections: tuples both ways, NAT, state, expiry, packets (at most limit, 100)")         \
	X(conntrack_stats, "conntrack.stats", HP_CMD_RO, "",                                                 \
	  "connection table: size, timeouts, counters (summed, per worker), packets by state, invalid")      \
	X(conntrack_flush, "conntrack.flush", 0, "", "remove every tracked connection")                      \
	X(nat_add, "nat.add", 0, "type, out, src, to, [ports] | type, in, dst, proto, dport, to",            \
	  "add a NAT rule (as in the config file): snat to a pool, dnat port forward")                       \
	X(nat_del, "nat.del", 0, "index | the rule's fields", "delete a NAT rule (nat.show numbers them)")   \
	X(nat_show, "nat.show", HP_CMD_RO, "", "NAT rules in order, free pool ports, NAT counters")          \
	X(lb_show, "lb.show", HP_CMD_RO, "",                                                                 \
	  "load balancer: VIPs, backends with their state and ring entries, lb_conf")                        \
	X(lb_stats, "lb.stats", HP_CMD_RO, "",                                                               \
	  "load balancer counters per VIP and backend, the workers' flow tables")                            \
	X(lb_vip_add, "lb.vip.add", 0, "vip, proto, [port, encap, gue_port, flags, health], backends",       \
	  "add a VIP (as in the config file)")                                                               \
	X(lb_vip_del, "lb.vip.del", 0, "vip, proto, [port]", "delete a VIP")                                 \
	X(lb_backend_add, "lb.backend.add", 0, "vip, proto, [port], ip, [weight]", "add a backend to a VIP") \
	X(lb_backend_del, "lb.backend.del", 0, "vip, proto, [port], ip",                                     \
	  "delete a backend from a VIP (its flows move to the others)")                                      \
	X(lb_backend_set, "lb.backend.set", 0, "vip, proto, [port], ip, weight | state",                     \
	  "a backend's weight (0: drain) or state (up; down: its flows move; drain: it keeps them)")         \
	X(policer_add, "policer.add", 0, "name, type, cir, cbs, [pir, pbs | ebs]",                           \
	  "add a policer (as in the config file)")                                                           \
	X(policer_del, "policer.del", 0, "name", "delete a policer no ACL rule uses")                        \
	X(policer_show, "policer.show", HP_CMD_RO, "", "policers (rates in bit/s, bursts in bytes)")         \
	X(config_apply, "config.apply", 0, "file",                                                           \
	  "replace routes, neighbours, ACL and policers with a file's (all or nothing)")                     \
	X(config_dump, "config.dump", HP_CMD_RO, "",                                                         \
	  "the running state as a config file (hotpathd -c reads it)")                                       \
	X(xdp_show, "xdp.show", HP_CMD_RO, "",                                                               \
	  "XDP interfaces: role, mode, program, pass classes, counters by reason")                           \
	X(xdp_block_add, "xdp.block.add", 0, "prefix, [iface]",                                              \
	  "drop this source prefix in XDP (every interface by default)")                                     \
	X(xdp_block_del, "xdp.block.del", 0, "prefix, [iface]", "stop dropping a source prefix")             \
	X(xdp_block_show, "xdp.block.show", HP_CMD_RO, "[iface]", "the blocked source prefixes")             \
	X(xdp_pass_add, "xdp.pass.add", 0, "class, [iface]",                                                 \
	  "send a class to the kernel: arp, nd, icmp, icmpv6, tcp/PORT, udp/PORT")                           \
	X(xdp_pass_del, "xdp.pass.del", 0, "class, [iface]",                                                 \
	  "stop passing a class (it is steered to hotpath)")                                                 \
	X(linux_show, "linux.show", HP_CMD_RO, "",                                                           \
	  "the kernel route mirror: table, protocols, routes taken, skipped by cause, resyncs")              \
	X(log_level, "log.level", 0, "[level]", "show or set the log level")

/* HP_CMD_<id>: a command's index in HP_COMMANDS. */
enum hp_cmd_id {
#define HP_CMD_ENUM(id, name, flags, args, help) HP_CMD_##id,
	HP_COMMANDS(HP_CMD_ENUM)
#undef HP_CMD_ENUM
	HP_CMD_COUNT
};

/*
 * hpctl's objects, X(object, "extra verbs", "usage lines"), in the order its
 * usage lists them. hpctl parses an object's words with parse_<object>();
 * the verbs completion offers are the commands' second name parts plus the
 * extra ones hpctl alone knows (route load sends route.add).
 */
#define HP_OBJECTS(X)                                                                                     \
	X(status, "", "  hpctl status\n")                                                                 \
	X(stats, "", "  hpctl stats [--watch N]\n")                                                       \
	X(latency, "", "  hpctl latency [show | reset] [--watch N]\n")                                    \
	X(runtime, "",                                                                                    \
	  "  hpctl runtime [show | clear] [--watch N]\n"                                                  \
	  "  hpctl runtime on [every N]\n"                                                                \
	  "  hpctl runtime off\n")                                                                        \
	X(port, "", "  hpctl port [show | stats [NAME]]\n")                                               \
	X(worker, "", "  hpctl worker [show]\n")                                                          \
	X(route, "load",                                                                                  \
	  "  hpctl route add PREFIX via ADDR [ADDR...]\n"                                                 \
	  "  hpctl route add PREFIX drop\n"                                                               \
	  "  hpctl route del PREFIX\n"                                                                    \
	  "  hpctl route load FILE      (lines as route add's: PREFIX via ADDR... | PREFIX drop)\n"       \
	  "  hpctl route [show [origin config|cli|linux] [4 | 6]]\n")                                     \
	X(neigh, "",                                                                                      \
	  "  hpctl neigh add IP MAC PORT\n"                                                               \
	  "  hpctl neigh add IP lladdr MAC dev PORT\n"                                                    \
	  "  hpctl neigh del IP [[dev] PORT]\n"                                                           \
	  "  hpctl neigh [show]\n")                                                                       \
	X(acl, "",                                                                                        \
	  "  hpctl acl add [prio N] [src PREFIX] [dst PREFIX] [proto P] [sport R] [dport R]\n"            \
	  "                [state S[,S...]]  (new, established, related, invalid)\n"                      \
	  "                action {permit | deny | count | police NAME}\n"                                \
	  "  hpctl acl del INDEX\n"                                                                       \
	  "  hpctl acl [show]\n")                                                                         \
	X(conntrack, "",                                                                                  \
	  "  hpctl conntrack [show] [proto P] [src ADDR[/LEN]] [dst ADDR[/LEN]] [port N]\n"               \
	  "                  [state S] [limit N]\n"                                                       \
	  "  hpctl conntrack stats\n"                                                                     \
	  "  hpctl conntrack flush\n")                                                                    \
	X(nat, "",                                                                                        \
	  "  hpctl nat add snat out PORT src PREFIX to ADDR[,ADDR...] [ports A-B]\n"                      \
	  "  hpctl nat add dnat in PORT dst ADDR proto {tcp | udp} dport N to ADDR:PORT\n"                \
	  "  hpctl nat del {INDEX | snat ... | dnat ...}\n"                                               \
	  "  hpctl nat [show]\n")                                                                         \
	X(lb, "",                                                                                         \
	  "  hpctl lb [show | stats]\n"                                                                   \
	  "  hpctl lb vip add VIP[:PORT]/PROTO [encap {ipip | gue}] [gue_port N] [no_src_port]\n"         \
	  "                   backends IP[@WEIGHT][,IP[@WEIGHT]...]\n"                                    \
	  "  hpctl lb vip del VIP[:PORT]/PROTO\n"                                                         \
	  "  hpctl lb backend add VIP[:PORT]/PROTO IP [weight N]\n"                                       \
	  "  hpctl lb backend del VIP[:PORT]/PROTO IP\n"                                                  \
	  "  hpctl lb backend set VIP[:PORT]/PROTO IP {weight N | state {up | down | drain}}\n")          \
	X(policer, "",                                                                                    \
	  "  hpctl policer add NAME type {trtcm | srtcm} cir RATE cbs SIZE [pir RATE] [pbs SIZE]\n"       \
	  "                    [ebs SIZE]\n"                                                              \
	  "  hpctl policer del NAME\n"                                                                    \
	  "  hpctl policer [show]\n")                                                                     \
	X(config, "",                                                                                     \
	  "  hpctl config apply FILE\n"                                                                   \
	  "  hpctl config [dump]\n")                                                                      \
	X(xdp, "",                                                                                        \
	  "  hpctl xdp [show]\n"                                                                          \
	  "  hpctl xdp block {add | del} PREFIX [dev IFACE]\n"                                            \
	  "  hpctl xdp block [show] [dev IFACE]\n"                                                        \
	  "  hpctl xdp pass {add | del} {arp | nd | icmp | icmpv6 | tcp/PORT[-PORT] | udp/PORT[-PORT]}\n" \
	  "                 [dev IFACE]\n")                                                               \
	X(linux, "", "  hpctl linux [show]\n")                                                            \
	X(log, "", "  hpctl log level {debug | info | notice | warning | error}\n")

/*
 * The DPDK telemetry names, X(command id, "/hotpath/name", "help"), in the
 * order they are registered: each serves what its command shows, from the
 * control thread's report (telemetry.c's callbacks[], indexed by command id).
 */
#define HP_TELEMETRY(X)                                                                                  \
	X(stats, "/hotpath/stats", "Totals, drops by reason, slow path. No parameters")                  \
	X(port_stats, "/hotpath/ports",                                                                  \
	  "Counters of every port, or of one. Parameters: port name or id (optional)")                   \
	X(worker_show, "/hotpath/workers",                                                               \
	  "Counters of every worker, or of one. Parameters: lcore (optional)")                           \
	X(latency_show, "/hotpath/latency",                                                              \
	  "Residence time percentiles and stalls, ns, all workers or one. Parameters: lcore (optional)") \
	X(acl_show, "/hotpath/acl", "ACL rule hits and cache. Parameters: first rule index (optional)")  \
	X(conntrack_stats, "/hotpath/conntrack",                                                         \
	  "Connection table size, counters, packets by state, invalid by reason. No parameters")         \
	X(xdp_show, "/hotpath/xdp",                                                                      \
	  "XDP program counters by reason, per interface. Parameters: iface (optional)")                 \
	X(lb_stats, "/hotpath/lb",                                                                       \
	  "Load balancer counters per VIP and backend, backends' states. No parameters")                 \
	X(runtime_show, "/hotpath/runtime",                                                              \
	  "Per worker and node: calls, packets, sampled cycles (hpctl runtime). No parameters")

#endif
