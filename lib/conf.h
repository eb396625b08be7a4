/* hotpath's configuration as plain data: the objects the parser fills and the tables are built
 * from, and their limits. Types only (and small lookups over them): the parser is
 * control/config/config.h; the data plane includes this and nothing of control/. */
#ifndef HP_CONF_H
#define HP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define HP_MAX_PORTS 32         /* = RTE_MAX_ETHPORTS of Debian's DPDK build */
#define HP_MAX_QUEUES 64        /* RX (= TX) queues per port */
#define HP_MAX_ADDRS 16         /* ipv4 / ipv6 addresses per port */
#define HP_MAX_WORKERS 127      /* RTE_MAX_LCORE less the main lcore */
#define HP_MAX_WORKER_QUEUES 64 /* queues one worker may own */
#define HP_MAX_EAL_ARGS 64
#define HP_NAME_MAX 32 /* port name, including the NUL */
#define HP_DEVARGS_MAX 512
#define HP_PATH_MAX 108 /* sizeof(sun_path) */
#define HP_ERR_MAX 512  /* room for "FILE:LINE: message" */

#define HP_MAX_ECMP 8            /* next hops of one route */
#define HP_MAX_NEIGHBORS 65536   /* static neighbours in the file */
#define HP_MAX_ROUTES (1u << 21) /* routes in the file */
#define HP_MAX_ACL_RULES 65536
#define HP_MAX_POLICERS 1024
#define HP_MAX_XDP 32           /* interfaces under hotpath's XDP program */
#define HP_MAX_XDP_PASS 64      /* pass classes of one interface */
#define HP_MAX_XDP_BLOCK 262144 /* block prefixes of one interface (= its map's size) */
#define HP_IFNAME_MAX 16        /* IFNAMSIZ */

enum hp_port_mode {
	HP_MODE_XCONNECT,
	HP_MODE_L3,
};

/* ports[].host: the kernel interface that stands for the port (control/hostif.c) */
enum hp_host_if {
	HP_HOST_NONE,
	HP_HOST_TAP
};
#define HP_HOST_PREFIX "hp-"     /* a host: tap port P's interface is "hp-" P */
#define HP_HOST_PORT_NAME_MAX 12 /* IFNAMSIZ - 1 - strlen(HP_HOST_PREFIX) */

struct hp_port_conf {
	char name[HP_NAME_MAX];
	char device[HP_DEVARGS_MAX]; /* DPDK devargs: PCI address or vdev string */
	uint16_t queues;             /* RX queues = TX queues (at least); default 1 */
	uint16_t rx_desc;            /* descriptors per RX queue */
	uint16_t tx_desc;            /* descriptors per TX queue */
	uint16_t mtu;                /* largest IP datagram the port sends and receives; default 1500 */
	bool has_mac;
	uint8_t mac[6];
	enum hp_port_mode mode;
	enum hp_host_if host; /* host: tap (l3 ports only); default none */
	int peer;             /* index into hp_config.ports, -1 if none */
	unsigned n_ipv4, n_ipv6;
	struct hp_prefix ipv4[HP_MAX_ADDRS];
	struct hp_prefix ipv6[HP_MAX_ADDRS];
	unsigned line; /* line of the port's entry, for later errors */
	unsigned peer_line;
};

struct hp_queue_ref {
	uint16_t port; /* index into hp_config.ports */
	uint16_t queue;
};

struct hp_worker_conf {
	unsigned lcore;
	unsigned n_queues;
	struct hp_queue_ref queues[HP_MAX_WORKER_QUEUES];
	unsigned line;       /* line of the worker's entry */
	unsigned lcore_line; /* line of its lcore key */
};

/* neighbors: - { ip: 10.0.1.2, mac: "02:..", port: p1 } */
struct hp_neighbor_conf {
	struct hp_addr ip;
	uint8_t mac[6];
	uint16_t port; /* config port index */
	unsigned line;
};

/*
 * neighbor_config: how the neighbour table defends itself (RFC 4861, RFC 6583).
 * Every field is set (the parser fills in the defaults of config.h).
 */
struct hp_neigh_conf {
	uint32_t max_per_port;      /* learned/resolving entries per port (gateways and static ones apart) */
	uint32_t hold_per_neighbor; /* packets held for one unresolved neighbour */
	uint32_t hold_total_pct;    /* all held packets: at most this % of the mbuf pool */
	uint32_t solicit_pps;       /* ARP requests + NS sent, all targets, per second */
	uint32_t solicit_per_target_ms; /* between two solicitations of one target (RetransTimer) */
	uint32_t reachable_ms;          /* REACHABLE -> STALE after this without confirmation */
	uint32_t delay_ms;              /* DELAY -> PROBE (DELAY_FIRST_PROBE_TIME) */
	uint32_t probes;                /* unanswered solicitations before INCOMPLETE/PROBE fails */
	unsigned line;                  /* of the section, 0 if absent */
};

enum hp_route_action {
	HP_ROUTE_FORWARD, /* via one or more next hops (ECMP) */
	HP_ROUTE_DROP,    /* blackhole: action: drop */
};

/*
 * Where a route came from. config and cli routes are the operator's (the
 * model, rt->cfg: config dump writes them); linux routes are mirrored from a
 * kernel routing table (control/rib.c) and lose to an operator's route of
 * the same prefix (docs/config.md, "Route origins").
 */
enum hp_route_origin {
	HP_ORIGIN_CONFIG, /* the config file (config.apply's too) */
	HP_ORIGIN_CLI,    /* route.add */
	HP_ORIGIN_LINUX,  /* the rtnetlink mirror */
};

/* routes: - { prefix: 198.18.0.0/15, via: 10.0.1.2 } | { via: [a, b] } | { action: drop } */
struct hp_route_conf {
	struct hp_prefix prefix; /* host bits must be zero */
	enum hp_route_action action;
	unsigned n_via;                  /* 1..HP_MAX_ECMP when forwarding, 0 for drop */
	struct hp_addr via[HP_MAX_ECMP]; /* same family as prefix, distinct */
	int port; /* optional egress port: index, -1 = from the connected subnet of via */
	unsigned line;
	enum hp_route_origin origin;
};

enum hp_acl_action {
	HP_ACL_PERMIT,
	HP_ACL_DENY,
	HP_ACL_COUNT,  /* count and go on to the next rule */
	HP_ACL_POLICE, /* permit through a policer; red is dropped */
};

/*
 * acl: - { priority: 100, src: 10.0.0.0/8, dst: ..., proto: udp, sport: "1-1023",
 *          dport: "5000-5010", action: deny | permit | count | "police NAME" }
 * Lower priority numbers are matched first; equal priorities keep file order.
 */
struct hp_acl_rule {
	uint32_t priority;
	int family; /* AF_INET or AF_INET6 from src/dst; 0 = both families */
	bool has_src, has_dst;
	struct hp_prefix src, dst;
	bool has_proto;
	uint8_t proto; /* IPPROTO_*; from a name (tcp, udp, icmp, icmpv6, sctp, gre, esp) or 0..255 */
	uint16_t sport_lo, sport_hi; /* default 0-65535; only with proto tcp, udp or sctp */
	uint16_t dport_lo, dport_hi;
	enum hp_acl_action action;
	int policer;   /* index into policers with HP_ACL_POLICE, else -1 */
	uint8_t state; /* state: HP_CT_* bits the connection's state must be one of; 0 = any */
	unsigned line;
};

/* acl state: match (a bitmask in hp_acl_rule.state): the connection tracker's verdict on the packet */
#define HP_CT_NEW 1
#define HP_CT_ESTABLISHED 2
#define HP_CT_RELATED 4
#define HP_CT_INVALID 8
#define HP_CT_STATE_ALL 15

enum hp_policer_type {
	HP_POLICER_TRTCM, /* RFC 2698: cir, cbs, pir, pbs */
	HP_POLICER_SRTCM, /* RFC 2697: cir, cbs, ebs */
};

/* policers: - { name: gold, type: trtcm, cir: 100M, cbs: 64k, pir: 200M, pbs: 128k } */
struct hp_policer_conf {
	char name[HP_NAME_MAX];
	enum hp_policer_type type;
	uint64_t cir, pir;      /* bits per second (suffixes k, M, G = 10^3, 10^6, 10^9) */
	uint64_t cbs, pbs, ebs; /* bytes (suffixes k, M = 2^10, 2^20) */
	unsigned line;
};

enum hp_xdp_mode {
	HP_XDP_NATIVE,  /* in the driver (XDP_FLAGS_DRV_MODE) */
	HP_XDP_GENERIC, /* after the driver, on the skb (XDP_FLAGS_SKB_MODE): any interface */
};

/* What an xdp pass: entry names: arp, nd, icmp, icmpv6, tcp/PORT[-PORT], udp/PORT[-PORT]
 * (a destination port), tcp/sport/PORT[-PORT], udp/sport/PORT[-PORT] (a source port). */
enum hp_xdp_class_kind {
	HP_XDP_CLASS_ARP,
	HP_XDP_CLASS_ND,
	HP_XDP_CLASS_ICMP,
	HP_XDP_CLASS_ICMP6,
	HP_XDP_CLASS_TCP,
	HP_XDP_CLASS_UDP,
};

struct hp_xdp_class {
	enum hp_xdp_class_kind kind;
	uint16_t port_lo, port_hi; /* tcp and udp only: 1..65535, lo <= hi */
	bool sport;                /* tcp and udp only: the range is the source port's */
};

/* on_no_socket: a frame to steer to a queue with no AF_XDP socket bound. */
enum hp_xdp_nosock {
	HP_XDP_NOSOCK_DEFAULT, /* not given: drop on a net_af_xdp port's interface, pass on a shield */
	HP_XDP_NOSOCK_DROP,
	HP_XDP_NOSOCK_PASS,
};

/* xdp: - { iface: eth1, mode: native, pass: [arp, "tcp/22"], block: ["192.0.2.0/24"] } */
struct hp_xdp_conf {
	char iface[HP_IFNAME_MAX];
	enum hp_xdp_mode mode; /* default native */
	bool has_mode;
	enum hp_xdp_nosock on_no_socket;
	unsigned n_pass;
	struct hp_xdp_class pass[HP_MAX_XDP_PASS];
	unsigned n_block;
	struct hp_prefix *block; /* malloc'd; no host bits, distinct */
	unsigned block_cap;      /* its capacity (0: n_block) */
	unsigned line;
};

/*
 * linux: the kernel routing table hotpathd mirrors (control/linux.c). Section
 * absent: enabled false, no mirror. protocols is a bitmap of rtm_protocol values
 * (0..255); absent in the file: every protocol but HP_RTPROT_HOTPATH.
 */
#define HP_RTPROT_HOTPATH 250 /* hotpath's own rtm_protocol: never mirrored */
/* The name "static" in linux.protocols takes both: `ip route add ... proto static` writes 4,
 * FRR's staticd writes 196, and `ip route` prints both as "static" on a host with FRR. */
#define HP_RTPROT_STATIC 4
#define HP_RTPROT_FRR_STATIC 196
/* linux.ipv6_routes: rte_lpm6 takes its tbl8 groups (1 KiB each) up front, up to 3 for a
 * /48 that shares nothing with the others (DPDK's lpm6: 24 bits, then a group a byte) */
#define HP_LINUX_IPV6_ROUTES_DEFAULT 32768
#define HP_LINUX_IPV6_ROUTES_MIN 1024
#define HP_LINUX_IPV6_ROUTES_MAX 1048576
#define HP_RT_TABLE_MAIN 254  /* RT_TABLE_MAIN */
#define HP_RT_TABLE_LOCAL 255 /* RT_TABLE_LOCAL */
#define HP_RT_TABLE_DEFAULT 253

struct hp_linux_conf {
	bool enabled;
	uint32_t table;        /* 1..2^32-1; default HP_RT_TABLE_MAIN */
	bool has_protocols;    /* protocols: given (dump writes it only then) */
	uint64_t protocols[4]; /* bit p set: rtm_protocol p is taken */
	uint32_t ipv6_routes;  /* room the FIB makes for the kernel's IPv6 routes (HP_LINUX_IPV6_ROUTES_*) */
	unsigned line;         /* of the section, 0 if absent */
};

static inline bool
hp_linux_proto_taken(const struct hp_linux_conf *l, unsigned p)
{
	return p < 256 && (l->protocols[p / 64] >> (p % 64) & 1);
}

/*
 * conntrack: the connection table's size and timeouts. Section absent: enabled false and every
 * field at its default (the tracker runs only when an ACL rule has state: or nat: has rules).
 */
#define HP_CT_MAX_DEFAULT 65536
#define HP_CT_MAX_MIN 1024
#define HP_CT_MAX_MAX 16777216
/* memory of one connection, at most (dataplane/ct.c's ct_table_bytes: a 128-byte entry, its share of
 * the buckets, 32 to 64 bytes as max rounds to a power of two, 8 bytes of free and limbo lists):
 * max x this must fit the machine */
#define HP_CT_CONN_BYTES 200
#define HP_CT_TIMEOUT_MIN 1
#define HP_CT_TIMEOUT_MAX 604800 /* a week (Linux keeps an established TCP connection 5 days) */
#define HP_CT_TCP_ESTABLISHED_DEFAULT 3600
#define HP_CT_TCP_TRANSITORY_DEFAULT 120
#define HP_CT_UDP_DEFAULT 30
#define HP_CT_ICMP_DEFAULT 30

struct hp_conntrack_conf {
	bool enabled;             /* a conntrack: section was given (dump writes it only then) */
	uint32_t max;             /* connections */
	uint32_t tcp_established; /* seconds */
	uint32_t tcp_transitory;  /* SYN_SENT, FIN_WAIT, TIME_WAIT, ...: seconds */
	uint32_t udp;
	uint32_t icmp;
	unsigned line; /* of the section, 0 if absent */
};

/*
 * nat: - { type: snat, out: p1, src: 10.0.0.0/8, to: [203.0.113.10], ports: "1024-65535" }
 *      - { type: dnat, in: p1, dst: 203.0.113.10, proto: tcp, dport: 8080, to: "10.0.0.5:80" }
 * IPv4 only (dataplane/nat.c).
 */
#define HP_MAX_NAT_RULES 1024
#define HP_MAX_NAT_POOL 64 /* addresses in one snat rule's to: */
#define HP_NAT_PORT_LO_DEFAULT 1024
#define HP_NAT_PORT_HI_DEFAULT 65535

enum hp_nat_type {
	HP_NAT_SNAT, /* sources in src leaving by port out take a pool address and port */
	HP_NAT_DNAT, /* (dst, proto, dport) arriving on port in goes to to_addr:to_port */
};

struct hp_nat_rule {
	enum hp_nat_type type;
	int port; /* index into ports: snat out:, dnat in: (an l3 port) */
	/* snat */
	struct hp_prefix src;
	unsigned n_to;
	struct hp_addr to[HP_MAX_NAT_POOL]; /* distinct, in no other snat rule's pool */
	uint16_t port_lo, port_hi;          /* ports: default 1024-65535 */
	/* dnat */
	struct hp_addr dst;
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t dport;
	struct hp_addr to_addr; /* on a connected subnet or a route */
	uint16_t to_port;
	unsigned line;
};

/*
 * lb: the L4 load balancer's virtual services (dataplane/lb.c, docs/lb.md):
 *   - { vip: 192.0.2.10, proto: tcp, port: 80, encap: ipip, gue_port: 6080, flags: [no_src_port],
 *       health: { check: tcp, port: 80, interval_ms: 1000, timeout_ms: 500, rise: 2, fall: 3 },
 *       backends: [{ ip: 10.0.1.20, weight: 100 }, { ip: 10.0.1.22, weight: 0 }] }
 * lb_conf: { flows: 65536, flow_timeout: 300, table_size: 65537, src4: 172.16.0.0/16,
 *            src6: "fd00:4c42::/64" }
 * A VIP is (vip, proto, port); port 0 (absent) is every port of the VIP for that protocol. A
 * backend of weight 0 is draining: it keeps its flows and gets no new ones.
 */
#define HP_MAX_LB_VIPS 256
#define HP_MAX_LB_BACKENDS 4096 /* in one VIP */
#define HP_LB_WEIGHT_MAX 65535
#define HP_LB_WEIGHT_DEFAULT 100
#define HP_LB_GUE_PORT_DEFAULT 6080
#define HP_LB_FLOWS_DEFAULT 65536 /* per worker */
#define HP_LB_FLOWS_MIN 1024
#define HP_LB_FLOWS_MAX 67108864
#define HP_LB_FLOW_TIMEOUT_DEFAULT 300 /* seconds */
#define HP_LB_FLOW_TIMEOUT_MAX 86400
#define HP_LB_TABLE_SIZE_DEFAULT 65537 /* Maglev entries per VIP: a prime, at least this */
#define HP_LB_TABLE_SIZE_MAX 1048573
#define HP_LB_SRC4_DEFAULT "172.16.0.0/16" /* outer sources (RFC 1918: never a client's) */
#define HP_LB_SRC6_DEFAULT "fd00:4c42::/64"

enum hp_lb_encap {
	HP_LB_IPIP, /* IPIP, IP6IP6 or IPv4-in-IPv6, as the VIP's and the backend's families say */
	HP_LB_GUE,  /* outer IP + UDP to gue_port (GUE variant 1) */
};

#define HP_LB_NO_SRC_PORT 0x01 /* flags: no_src_port: hash without the client's port */

enum hp_lb_check {
	HP_LB_CHECK_NONE, /* no health: section: backends are up until hpctl says otherwise */
	HP_LB_CHECK_TCP,  /* a TCP connect to ip:port */
	HP_LB_CHECK_HTTP, /* GET path on ip:port, a 2xx or 3xx status */
};

/* health: of one VIP. check HP_LB_CHECK_NONE (no health: key): every other field is 0. */
struct hp_lb_health {
	enum hp_lb_check check;
	uint16_t port;        /* default: the VIP's port (required when the VIP has none) */
	char path[128];       /* http: default "/"; printable ASCII, no spaces, starts with '/'; tcp: "" */
	uint32_t interval_ms; /* default 1000, 100..60000 */
	uint32_t timeout_ms;  /* default 500 (interval_ms when that is shorter), 10..interval_ms */
	uint8_t rise, fall;   /* consecutive results that change the state: default 2 and 3, 1..10 */
};

struct hp_lb_backend {
	struct hp_addr ip; /* reachable: on a connected subnet or a route; not ours, not the VIP */
	uint32_t weight;   /* 0..HP_LB_WEIGHT_MAX */
	unsigned line;     /* of its ip: key (0: added over the socket) */
};

struct hp_lb_vip {
	struct hp_addr vip; /* not one of our own addresses, not reserved */
	uint8_t proto;      /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;      /* 0: every port */
	enum hp_lb_encap encap;
	uint16_t gue_port; /* with GUE: default HP_LB_GUE_PORT_DEFAULT; 0 with IPIP */
	uint8_t flags;     /* HP_LB_NO_SRC_PORT */
	struct hp_lb_health health;
	unsigned n_backends; /* 1..HP_MAX_LB_BACKENDS */
	/* malloc'd, distinct addresses, in file order; owned by the VIP (an IPv6 VIP has IPv6 backends
	 * only: no 6in4) */
	struct hp_lb_backend *backends;
	unsigned line; /* of the VIP's entry (0: added over the socket) */
};

struct hp_lb_conf {
	bool enabled;                /* an lb_conf: section was given (dump writes it only then) */
	uint32_t flows;              /* per worker */
	uint32_t flow_timeout;       /* seconds */
	uint32_t table_size;         /* prime */
	struct hp_prefix src4, src6; /* outer sources: IPv4 /8../32, IPv6 /16../128, no host bits */
	unsigned line;               /* of the section, 0 if absent */
};

struct hp_config {
	char file[256]; /* name used in error messages */
	unsigned n_eal_args;
	char *eal_args[HP_MAX_EAL_ARGS]; /* owned; NULL-terminated */
	unsigned eal_line;
	char control_socket[HP_PATH_MAX];
	char metrics[64];            /* "host:port" */
	uint32_t stall_threshold_us; /* control.stall_threshold_us: a poll-loop gap above it is a stall */
	uint32_t mbufs;              /* mbufs per pool; 0 = sized from the ports */
	struct hp_neigh_conf neigh;
	unsigned n_ports;
	struct hp_port_conf ports[HP_MAX_PORTS];
	bool has_workers; /* a workers: section was given */
	unsigned n_workers;
	struct hp_worker_conf workers[HP_MAX_WORKERS];

	/* arrays below are malloc'd by the parser, freed by hp_config_free() */
	unsigned n_neighbors;
	struct hp_neighbor_conf *neighbors;
	unsigned n_routes;
	struct hp_route_conf *routes;
	bool acl_default_deny; /* acl_default: permit (default) | deny */
	unsigned n_acl;
	struct hp_acl_rule *acl; /* in file order */
	unsigned n_policers;
	struct hp_policer_conf *policers;
	unsigned n_xdp;
	struct hp_xdp_conf xdp[HP_MAX_XDP];
	struct hp_linux_conf linux_rt;      /* linux: (no pointers: copied by value) */
	struct hp_conntrack_conf conntrack; /* conntrack: (copied by value) */
	unsigned n_nat;
	struct hp_nat_rule *nat; /* malloc'd, in file order */
	unsigned n_lb;
	struct hp_lb_vip *lb;      /* malloc'd, in file order; each VIP owns its backends (model_lb.h) */
	struct hp_lb_conf lb_conf; /* lb_conf: (copied by value) */

	/* kept by the model's operations (control/config/model.h): capacities of the arrays
	 * above (0: exactly their count, as the parser allocates them) and the route index */
	unsigned routes_cap, neighbors_cap, acl_cap, policers_cap;
	struct hp_route_index *route_index;
};

/* Index of the port named name, or -1. */
int hp_config_port_index(const struct hp_config *cfg, const char *name);

/* The first l3 port with a subnet holding addr (a route's egress when it
 * gives no port:), or -1. */
int hp_config_via_port(const struct hp_config *cfg, const struct hp_addr *addr);

/* Whether the FIB would forward to addr: on a connected subnet of an l3 port, or under a
 * route of routes: whose longest match holding it is not action: drop (a DNAT target, an
 * LB backend). Linear in the routes: for the file's few targets, not per packet. */
bool hp_config_reachable(const struct hp_config *cfg, const struct hp_addr *addr);

/*
 * Destinations never forwarded (RFC 1812 5.3.7, 4.2.2.11; RFC 4291 2.5.2,
 * 2.5.3, 2.5.6): every FIB holds them as drops, each with its own reason, and
 * no route may sit inside one (or on it). Order: enum hp_martian.
 */
enum hp_martian {
	HP_MARTIAN_V4_THIS_NET,   /* 0.0.0.0/8 */
	HP_MARTIAN_V4_LOOPBACK,   /* 127.0.0.0/8 */
	HP_MARTIAN_V4_MULTICAST,  /* 224.0.0.0/4: no multicast routing */
	HP_MARTIAN_V4_RESERVED,   /* 240.0.0.0/4 */
	HP_MARTIAN_V4_BROADCAST,  /* 255.255.255.255/32 */
	HP_MARTIAN_V6_UNSPEC,     /* ::/128 */
	HP_MARTIAN_V6_LOOPBACK,   /* ::1/128 */
	HP_MARTIAN_V6_LINK_LOCAL, /* fe80::/10 (our own link-local addresses are local) */
	HP_N_MARTIAN
};

extern const struct hp_prefix hp_martian_prefix[HP_N_MARTIAN];

/* The most specific built-in martian prefix that holds p (or is p), or -1. */
int hp_martian_of(const struct hp_prefix *p);

/*
 * The kernel interface of a net_af_xdp or net_af_packet device string (its
 * "iface=" devarg) into ifname (len bytes): false for any other device, or a
 * name that is empty, too long for an interface (IFNAMSIZ) or holds a '/'.
 */
bool hp_device_iface(const char *device, char *ifname, size_t len);

/* The host interface of port name (ports[].host: tap): HP_HOST_PREFIX name into ifname
 * (len bytes); false when it does not fit there or in an interface name (IFNAMSIZ). */
bool hp_host_ifname(const char *name, char *ifname, size_t len);

/*
 * rtm_protocol names (iproute2's rt_protos and FRR's rt_protos.d/frr.conf;
 * "hotpath" is HP_RTPROT_HOTPATH): the name of p, or NULL if it has none;
 * the number of a name, or -1.
 */
const char *hp_rtprot_name(unsigned p);
int hp_rtprot_number(const char *name);

/* The schema's word for a mode or an action ("l3", "deny"...); "?" if out of range. */
const char *hp_port_mode_name(enum hp_port_mode m);
const char *hp_acl_action_name(enum hp_acl_action a);
/* The name of one HP_CT_* state bit ("new", "established", "related", "invalid"), or NULL. */
const char *hp_ct_state_name(unsigned bit);
/* "config", "cli", "linux"; "?" if out of range. */
const char *hp_route_origin_name(enum hp_route_origin o);
/* The origin named s (as hp_route_origin_name writes it), or -1. */
int hp_route_origin_parse(const char *s);

/* Write the message to err (when err is not NULL and errlen > 0) and return rc: how a refusal
 * says why ("return hp_errf(err, errlen, -EINVAL, \"...\", ...);"). */
int hp_errf(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
