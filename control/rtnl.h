/*
 * rtnetlink route and link messages into hotpath's terms (pure: no socket, no
 * DPDK): what the kernel mirror (linux.c) takes from RTM_NEWROUTE/RTM_DELROUTE
 * and RTM_NEWLINK/RTM_DELLINK. Unit-tested on messages built with libmnl.
 */
#ifndef CTL_RTNL_H
#define CTL_RTNL_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "conf.h"

/* What became of one route message; the causes past RTNL_OTHER_PROTOCOL are
 * "skipped" (counted, logged once). Order = rtnl_cause_name(). */
#define RTNL_CAUSES(X)                                                                           \
	X(TAKEN, "taken")                         /* a route hotpath stores (forward or drop) */ \
	X(OTHER_TABLE, "other_table")             /* not the configured table: ignored */        \
	X(OTHER_PROTOCOL, "other_protocol")       /* a protocol not configured: ignored */       \
	X(TYPE, "type")                           /* local, broadcast, multicast, anycast... */  \
	X(FOREIGN_INTERFACE, "foreign_interface") /* a next hop not on a hotpath port */         \
	X(CONNECTED, "connected")                 /* a port's own subnet */                      \
	X(NO_GATEWAY, "no_gateway")               /* a device route with no gateway */           \
	X(TOO_MANY_NEXTHOPS, "too_many_nexthops") /* more than HP_MAX_ECMP next hops */          \
	X(INVALID, "invalid")                     /* malformed, or refused by the route store */ \
	X(TABLE_FULL, "table_full")               /* the route store is full */

enum rtnl_cause {
#define RTNL_ENUM(e, s) RTNL_##e,
	RTNL_CAUSES(RTNL_ENUM)
#undef RTNL_ENUM
	RTNL_N_CAUSES
};

const char *rtnl_cause_name(enum rtnl_cause c);

/* The kind of a drop route, for show and logs. */
enum rtnl_drop {
	RTNL_DROP_NONE,
	RTNL_DROP_BLACKHOLE,
	RTNL_DROP_UNREACHABLE,
	RTNL_DROP_PROHIBIT,
};

const char *rtnl_drop_name(enum rtnl_drop d);

/* What the parser needs to know: the section, the ports (their subnets), and the
 * kernel interface standing for each port (ifindex 0: none now). */
struct rtnl_view {
	const struct hp_linux_conf *conf;
	const struct hp_config *cfg;
	const int *port_ifindex; /* cfg->n_ports entries */
};

struct rtnl_route {
	bool del;     /* RTM_DELROUTE */
	bool replace; /* NLM_F_REPLACE on RTM_NEWROUTE */
	bool append;  /* NLM_F_APPEND on RTM_NEWROUTE (IPv4: a second route the kernel does not use) */
	enum rtnl_cause cause;
	enum rtnl_drop drop; /* HP_ROUTE_DROP: which kind */
	uint8_t type, protocol;
	uint32_t table;
	bool has_prefix; /* route.prefix is set (causes past OTHER_PROTOCOL may have it) */
	struct hp_route_conf
		route;       /* TAKEN: the route (port set when forwarding); else its prefix if has_prefix */
	unsigned n_nexthops; /* next hops the message had */
};

/*
 * One RTM_NEWROUTE or RTM_DELROUTE message (nlh->nlmsg_len bytes, checked) into
 * out. 0, or -EINVAL for another message type or a message too short for its
 * header (out->cause INVALID). Unknown attributes are skipped; a truncated
 * attribute makes the message INVALID.
 */
int rtnl_parse_route(const struct nlmsghdr *nlh, const struct rtnl_view *v, struct rtnl_route *out);

/* One RTM_NEWLINK/RTM_DELLINK: its ifindex, name (IFLA_IFNAME, "" if none) and flags. */
struct rtnl_link {
	bool del;
	int ifindex;
	unsigned flags; /* IFF_* */
	char name[16];
};

int rtnl_parse_link(const struct nlmsghdr *nlh, struct rtnl_link *out);

/* The kernel interface name that stands for port p: "hp-<port>" (its host tap), or,
 * when alt, the iface= of a net_af_packet/net_af_xdp device; false if it has none. */
bool rtnl_port_ifname(const struct hp_port_conf *p, bool alt, char *name, size_t len);

#endif
