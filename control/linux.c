/*
 * The kernel route mirror (linux.h): two NETLINK_ROUTE sockets on the control
 * thread's loop. The event socket is bound to the route and link groups; the
 * dump socket asks for full dumps. A resync marks every linux route stale,
 * dumps links (the ports' interfaces), IPv4 and IPv6 routes, and sweeps the
 * routes no dump message took again. While it dumps, the event socket is not
 * read: its notifications wait in its (large) buffer and are applied after the
 * sweep, in order, so the store ends where the kernel is. An overrun of that
 * buffer (ENOBUFS) or a socket error is another resync, never an exit.
 *
 * Each loop turn handles at most LNX_BUDGET messages, all inside one batch
 * (ctl_cmd_batch): their route changes share one grace period, with the
 * socket's. What is left waits for the next turn (ctl_watch_again).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "cmd.h"
#include "handlers.h"
#include "linux.h"
#include "log.h"
#include "loop.h"
#include "rib.h"

#define LNX_BUDGET 8192            /* messages per loop turn */
#define LNX_RCVBUF (512u << 20)    /* the event socket's receive buffer: a 1M-route burst */
#define LNX_RECV_SIZE (256u << 10) /* one recv: many messages */
#define LNX_RETRY_MS 1000          /* sockets that failed: opened again after this */

enum lnx_state {
	LNX_OFF,
	LNX_DUMP_LINKS,
	LNX_DUMP_V4,
	LNX_DUMP_V6,
	LNX_LISTENING,
	LNX_DOWN,
};

static struct {
	struct dp_runtime *rt;
	enum lnx_state state;
	struct hp_linux_conf conf; /* what runs (rt->cfg->linux_rt is what the config says) */
	struct mnl_socket *ev, *dump;
	struct ctl_watch ev_w, dump_w;
	bool ev_on;                 /* ev_w watched for EPOLLIN */
	uint32_t seq;               /* of the dump in flight */
	bool dump_intr;             /* the kernel said the dump changed under it: again */
	bool resync_again;          /* asked while dumping */
	struct hp_prefix dump_last; /* the dump's previous route: the kernel lists a prefix's best first */
	int port_ifindex[HP_MAX_PORTS];
	unsigned port_flags[HP_MAX_PORTS];
	struct ctl_timer timer; /* retry and reconfigure */
	bool logged[RTNL_N_CAUSES];
	struct ctl_linux_stats st;
	char buf[LNX_RECV_SIZE];
} lnx = {.ev_w.fd = -1, .dump_w.fd = -1};

static void resync(void);

const struct ctl_linux_stats *
ctl_linux_stats(void)
{
	return &lnx.st;
}

const char *
ctl_linux_state(void)
{
	switch (lnx.state) {
	case LNX_OFF:
		return "off";
	case LNX_DUMP_LINKS:
	case LNX_DUMP_V4:
	case LNX_DUMP_V6:
		return "dumping";
	case LNX_LISTENING:
		return "listening";
	default:
		return "down";
	}
}

/* ---- sockets ---- */

static void
close_sockets(void)
{
	if (lnx.ev) {
		ctl_unwatch(&lnx.ev_w);
		mnl_socket_close(lnx.ev);
	}
	if (lnx.dump) {
		ctl_unwatch(&lnx.dump_w);
		mnl_socket_close(lnx.dump);
	}
	lnx.ev = lnx.dump = NULL;
	lnx.ev_w.fd = lnx.dump_w.fd = -1;
	lnx.ev_on = false;
}

static void ev_ready(struct ctl_watch *w, uint32_t events);
static void dump_ready(struct ctl_watch *w, uint32_t events);

/* The event socket's buffer: LNX_RCVBUF, or HP_LINUX_RCVBUF bytes (tests force an overrun with a small one). */
static int
rcvbuf_size(void)
{
	const char *env = getenv("HP_LINUX_RCVBUF");
	unsigned long long v;

	if (env && hp_parse_dec(env, INT32_MAX / 2, &v) && v > 0)
		return (int)v;
	return (int)LNX_RCVBUF;
}

static int
open_sockets(void)
{
	int size = rcvbuf_size(), rc;

	lnx.ev = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	lnx.dump = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!lnx.ev || !lnx.dump)
		goto fail;
	if (setsockopt(mnl_socket_get_fd(lnx.ev), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(mnl_socket_get_fd(lnx.ev), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		DP_LOG(WARNING, "linux: receive buffer of %d bytes: %s", size, strerror(errno));
	/* the dump's replies are many and come as fast as we read */
	size = 8 << 20;
	if (setsockopt(mnl_socket_get_fd(lnx.dump), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(mnl_socket_get_fd(lnx.dump), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (mnl_socket_bind(lnx.ev, RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_LINK, MNL_SOCKET_AUTOPID) <
		    0 ||
	    mnl_socket_bind(lnx.dump, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	lnx.ev_w = (struct ctl_watch){.fd = mnl_socket_get_fd(lnx.ev), .ready = ev_ready};
	lnx.dump_w = (struct ctl_watch){.fd = mnl_socket_get_fd(lnx.dump), .ready = dump_ready};
	/* the event socket is watched once the first dump is done */
	if ((rc = ctl_watch(&lnx.ev_w, 0)) < 0 || (rc = ctl_watch(&lnx.dump_w, EPOLLIN)) < 0) {
		errno = -rc;
		goto fail;
	}
	return 0;
fail:
	rc = -errno;
	DP_LOG(ERR, "linux: netlink socket: %s", strerror(errno));
	if (lnx.ev_w.fd < 0 && lnx.ev)
		mnl_socket_close(lnx.ev), lnx.ev = NULL;
	if (lnx.dump_w.fd < 0 && lnx.dump)
		mnl_socket_close(lnx.dump), lnx.dump = NULL;
	close_sockets();
	return rc ? rc : -EIO;
}

static void
events_on(bool on)
{
	if (lnx.ev && on != lnx.ev_on && ctl_watch_mod(&lnx.ev_w, on ? EPOLLIN : 0) == 0)
		lnx.ev_on = on;
}

/* Sockets failed: down, opened again by the timer. */
static void
go_down(const char *why, int err)
{
	DP_LOG(ERR, "linux: %s: %s; netlink sockets opened again in %u ms", why, strerror(err), LNX_RETRY_MS);
	lnx.st.socket_errors++;
	close_sockets();
	lnx.state = LNX_DOWN;
	ctl_timer_arm(&lnx.timer, ctl_now_ms() + LNX_RETRY_MS);
}

/* ---- the ports' interfaces ---- */

static bool
port_named(unsigned p, const char *name)
{
	char n[IFNAMSIZ];

	for (int alt = 0; alt < 2; alt++)
		if (rtnl_port_ifname(&lnx.rt->cfg->ports[p], alt, n, sizeof(n)) && !strcmp(n, name))
			return true;
	return false;
}

/* The port map from the names now: its host tap first, else its af_packet/af_xdp iface. */
static void
map_ports(void)
{
	char n[IFNAMSIZ];

	for (unsigned p = 0; p < lnx.rt->cfg->n_ports; p++) {
		lnx.port_ifindex[p] = 0;
		for (int alt = 0; alt < 2 && !lnx.port_ifindex[p]; alt++)
			if (rtnl_port_ifname(&lnx.rt->cfg->ports[p], alt, n, sizeof(n)))
				lnx.port_ifindex[p] = (int)if_nametoindex(n);
	}
}

/* A link message: a port's interface that appeared, went or changed state asks for a resync
 * (the kernel drops IPv4 routes of a link going down without telling). The map is read
 * again by name, so that a port's host interface keeps its precedence over its iface=. */
static bool
link_changed(const struct rtnl_link *l)
{
	const unsigned watch = IFF_UP | IFF_RUNNING;
	int old[HP_MAX_PORTS];
	bool ours = false, moved = false;

	for (unsigned p = 0; p < lnx.rt->cfg->n_ports; p++)
		ours |= lnx.port_ifindex[p] == l->ifindex || (l->name[0] && port_named(p, l->name));
	if (!ours)
		return false;
	memcpy(old, lnx.port_ifindex, sizeof(old));
	map_ports();
	if (l->del) /* the kernel may not have let go of the name yet */
		for (unsigned p = 0; p < lnx.rt->cfg->n_ports; p++)
			if (lnx.port_ifindex[p] == l->ifindex)
				lnx.port_ifindex[p] = 0;
	for (unsigned p = 0; p < lnx.rt->cfg->n_ports; p++) {
		moved |= old[p] != lnx.port_ifindex[p];
		if (!l->del && lnx.port_ifindex[p] == l->ifindex) {
			moved |= ((lnx.port_flags[p] ^ l->flags) & watch) && lnx.state == LNX_LISTENING;
			lnx.port_flags[p] = l->flags;
		}
	}
	return moved;
}

/* ---- routes ---- */

static void
skipped(const struct rtnl_route *o, const char *detail)
{
	char t[HP_PREFIX_STRLEN] = "?";

	lnx.st.skipped[o->cause]++;
	if (o->cause <= RTNL_OTHER_PROTOCOL || lnx.logged[o->cause])
		return;
	lnx.logged[o->cause] = true;
	if (o->has_prefix)
		hp_prefix_format(&o->route.prefix, t, sizeof(t));
	DP_LOG(WARNING,
	       "linux: route %s (table %u, protocol %u, type %u) not mirrored: %s%s%s (logged once; "
	       "linux.show counts them)",
	       t, o->table, o->protocol, o->type, rtnl_cause_name(o->cause), detail ? ": " : "",
	       detail ? detail : "");
}

static void
changed(const struct hp_prefix *p, bool del)
{
	published_route(lnx.rt, p, del);
	lnx.st.last_change = (uint64_t)time(NULL);
}

/* a's next hops hold via */
static bool
has_via(const struct hp_route_conf *a, const struct hp_addr *via)
{
	for (unsigned k = 0; k < a->n_via; k++)
		if (!memcmp(&a->via[k], via, sizeof(*via)))
			return true;
	return false;
}

/* What a delete m names of the stored route cur: 0 all of it, 1 some of its next hops (an
 * IPv6 multipath route losing one: the kernel says only that one), -1 another route of
 * the prefix (another metric, an appended IPv4 one) that is not ours. */
static int
del_match(const struct hp_route_conf *cur, const struct hp_route_conf *m)
{
	if (cur->action != m->action)
		return -1;
	if (cur->action == HP_ROUTE_DROP)
		return 0;
	for (unsigned k = 0; k < m->n_via; k++)
		if (!has_via(cur, &m->via[k]))
			return -1;
	return m->n_via == cur->n_via ? 0 : 1;
}

static void
route_del(struct rtnl_route *o)
{
	const struct hp_route_conf *cur = ctl_rib_linux_find(lnx.rt, &o->route.prefix, NULL);
	struct hp_route_conf rest;
	char err[HP_ERR_MAX];
	int m;

	lnx.st.skipped[RTNL_TAKEN]++;
	if (cur == NULL || (m = del_match(cur, &o->route)) < 0)
		return;
	if (m == 1) {
		rest = *cur;
		rest.n_via = 0;
		for (unsigned k = 0; k < cur->n_via; k++)
			if (!has_via(&o->route, &cur->via[k]))
				rest.via[rest.n_via++] = cur->via[k];
		if (ctl_rib_linux_set(lnx.rt, &rest, err, sizeof(err)) == 0) {
			changed(&o->route.prefix, false);
			return;
		}
	}
	if (ctl_rib_linux_del(lnx.rt, &o->route.prefix) == 0)
		changed(&o->route.prefix, true);
}

static void
route_msg(const struct nlmsghdr *nlh, bool dump)
{
	struct rtnl_view v = {&lnx.conf, lnx.rt->cfg, lnx.port_ifindex};
	struct rtnl_route o;
	char err[HP_ERR_MAX];
	int rc;

	if (rtnl_parse_route(nlh, &v, &o) < 0) {
		skipped(&o, "message too short");
		return;
	}
	if (dump && o.has_prefix) {
		bool same = !memcmp(&lnx.dump_last, &o.route.prefix, sizeof(lnx.dump_last));

		lnx.dump_last = o.route.prefix;
		if (same) /* another route of the prefix: a higher metric, an appended one */
			return;
	}
	if (o.cause != RTNL_TAKEN) {
		/* a route replaced by one we cannot take: ours goes (the kernel's is no longer it) */
		if (!o.del && o.replace && o.has_prefix && o.cause > RTNL_OTHER_PROTOCOL &&
		    ctl_rib_linux_del(lnx.rt, &o.route.prefix) == 0)
			changed(&o.route.prefix, true);
		skipped(&o, NULL);
		return;
	}
	if (o.del) {
		route_del(&o);
		return;
	}
	/* IPv4 `ip route append`: a second route of the prefix, which the kernel does not use
	 * (IPv6 appends come as the whole multipath route, taken as it is) */
	if (o.append && !o.replace && o.route.prefix.family == AF_INET &&
	    ctl_rib_linux_find(lnx.rt, &o.route.prefix, NULL) != NULL)
		return;
	err[0] = '\0';
	rc = ctl_rib_linux_set(lnx.rt, &o.route, err, sizeof(err));
	if (rc == 0) {
		changed(&o.route.prefix, false);
		lnx.st.skipped[RTNL_TAKEN]++;
		lnx.st.drops[o.drop]++;
		return;
	}
	o.cause = rc == -ENOSPC || rc == -ENOMEM ? RTNL_TABLE_FULL : RTNL_INVALID;
	skipped(&o, err[0] ? err : strerror(-rc));
}

/* One datagram's messages; the dump's end. */
static void
messages(const char *b, ssize_t len, bool dump)
{
	const struct nlmsghdr *nlh = (const void *)b;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (dump && nlh->nlmsg_seq != lnx.seq)
			continue; /* an old dump's */
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			lnx.dump_intr = true;
		switch (nlh->nlmsg_type) {
		case RTM_NEWROUTE:
		case RTM_DELROUTE:
			lnx.st.messages++;
			route_msg(nlh, dump);
			break;
		case RTM_NEWLINK:
		case RTM_DELLINK: {
			struct rtnl_link l;

			lnx.st.messages++;
			if (rtnl_parse_link(nlh, &l) == 0 && link_changed(&l) && !dump)
				resync();
			break;
		}
		case NLMSG_DONE:
		case NLMSG_ERROR:
			if (!dump)
				break;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*e)) && e->error != 0) {
					DP_LOG(WARNING, "linux: dump refused: %s; again",
					       strerror(-e->error));
					lnx.dump_intr = true;
				}
			}
			lnx.seq = 0; /* the next request's state moves on (dump_next) */
			return;
		default: /* other types: skipped */
			break;
		}
	}
}

/* ---- the resync: links, IPv4 routes, IPv6 routes, sweep ---- */

static int
dump_request(uint16_t type, int family)
{
	char b[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = lnx.seq = (uint32_t)time(NULL) ^ (uint32_t)lnx.st.resyncs << 8 ^ (uint32_t)type;
	if (lnx.seq == 0)
		nlh->nlmsg_seq = lnx.seq = 1;
	if (type == RTM_GETLINK) {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

		ifi->ifi_family = AF_UNSPEC;
	} else {
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

		rtm->rtm_family = (uint8_t)family;
	}
	return mnl_socket_sendto(lnx.dump, nlh, nlh->nlmsg_len) < 0 ? -errno : 0;
}

static void
resync(void)
{
	int rc;

	if (lnx.state == LNX_OFF || lnx.state == LNX_DOWN)
		return;
	if (lnx.state != LNX_LISTENING) {
		lnx.resync_again = true;
		return;
	}
	events_on(false);
	lnx.st.resyncs++;
	lnx.dump_intr = lnx.resync_again = false;
	memset(&lnx.dump_last, 0, sizeof(lnx.dump_last));
	map_ports();
	ctl_rib_linux_mark(lnx.rt);
	lnx.state = LNX_DUMP_LINKS;
	if ((rc = dump_request(RTM_GETLINK, AF_UNSPEC)) < 0)
		go_down("dump request", -rc);
}

/* The dump in flight ended (lnx.seq 0): the next one, or the sweep. */
static void
dump_next(void)
{
	int rc = 0;
	unsigned n;

	switch (lnx.state) {
	case LNX_DUMP_LINKS:
		lnx.state = LNX_DUMP_V4;
		rc = dump_request(RTM_GETROUTE, AF_INET);
		break;
	case LNX_DUMP_V4:
		lnx.state = LNX_DUMP_V6;
		rc = dump_request(RTM_GETROUTE, AF_INET6);
		break;
	case LNX_DUMP_V6:
		lnx.state = LNX_LISTENING;
		if (lnx.dump_intr) { /* not a consistent picture: another, sweeping nothing yet */
			lnx.resync_again = true;
		} else if ((n = ctl_rib_linux_sweep(lnx.rt)) > 0) {
			published(lnx.rt); /* the sweep's deletes (IPv6 ones free at once) */
			lnx.st.last_change = (uint64_t)time(NULL);
		}
		DP_LOG(INFO, "linux: table %u mirrored: %u routes (%u shadowed)", lnx.conf.table,
		       ctl_rib_linux_count(lnx.rt), ctl_rib_linux_shadowed(lnx.rt));
		events_on(true);
		if (lnx.resync_again)
			resync();
		break;
	default:
		break;
	}
	if (rc < 0)
		go_down("dump request", -rc);
}

/* Read up to the budget from one socket; true if it has more. */
static bool
drain(struct mnl_socket *s, bool dump)
{
	uint64_t start = lnx.st.messages;
	ssize_t n;

	while (lnx.st.messages - start < LNX_BUDGET) {
		n = recv(mnl_socket_get_fd(s), lnx.buf, sizeof(lnx.buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return false;
			if (errno == ENOBUFS && !dump) {
				lnx.st.overruns++;
				DP_LOG(WARNING,
				       "linux: netlink overrun (ENOBUFS): notifications lost, resync");
				resync();
				return false;
			}
			go_down(dump ? "dump socket" : "event socket", errno);
			return false;
		}
		if (n == 0)
			return false;
		messages(lnx.buf, n, dump);
		if (dump && lnx.seq == 0) {
			dump_next();
			return lnx.state != LNX_LISTENING && lnx.state != LNX_DOWN;
		}
		if (lnx.state == LNX_DOWN || (!dump && lnx.state != LNX_LISTENING))
			return false; /* a resync began: the dump socket goes first */
	}
	return true;
}

static void
turn(struct ctl_watch *w, bool dump)
{
	bool more;

	ctl_cmd_batch(lnx.rt, true);
	more = drain(dump ? lnx.dump : lnx.ev, dump);
	ctl_cmd_batch(lnx.rt, false);
	if (more && lnx.state != LNX_DOWN)
		ctl_watch_again(w);
}

static void
ev_ready(struct ctl_watch *w, uint32_t events)
{
	(void)events;
	if (lnx.ev && lnx.state == LNX_LISTENING)
		turn(w, false);
}

static void
dump_ready(struct ctl_watch *w, uint32_t events)
{
	(void)events;
	if (lnx.dump && lnx.state >= LNX_DUMP_LINKS && lnx.state <= LNX_DUMP_V6)
		turn(w, true);
}

/* ---- start, stop, reconfigure ---- */

static void
begin(void)
{
	lnx.conf = lnx.rt->cfg->linux_rt;
	if (open_sockets() < 0) {
		lnx.state = LNX_DOWN;
		ctl_timer_arm(&lnx.timer, ctl_now_ms() + LNX_RETRY_MS);
		return;
	}
	lnx.state = LNX_LISTENING;
	resync();
}

static void
flush(void)
{
	unsigned n = ctl_rib_linux_flush(lnx.rt);

	if (n > 0) {
		published(lnx.rt);
		lnx.st.last_change = (uint64_t)time(NULL);
	}
	DP_LOG(INFO, "linux: mirror off: %u routes flushed", n);
}

/* The timer: sockets to open again, or a changed section. */
static void
fire(struct ctl_timer *t)
{
	const struct hp_linux_conf *want = &lnx.rt->cfg->linux_rt;

	(void)t;
	if (!want->enabled) {
		if (lnx.state != LNX_OFF) {
			close_sockets();
			lnx.state = LNX_OFF;
			flush();
		}
		lnx.conf = *want;
		return;
	}
	if (lnx.state == LNX_OFF || lnx.state == LNX_DOWN) {
		begin();
		return;
	}
	if (lnx.conf.table != want->table ||
	    memcmp(lnx.conf.protocols, want->protocols, sizeof(want->protocols))) {
		DP_LOG(INFO, "linux: table %u -> %u or protocols changed: resync", lnx.conf.table,
		       want->table);
		lnx.conf = *want;
		resync();
	}
	lnx.conf.has_protocols = want->has_protocols;
}

int
ctl_linux_start(struct dp_runtime *rt)
{
	lnx.rt = rt;
	lnx.timer.fire = fire;
	lnx.state = LNX_OFF;
	if (!rt->cfg->linux_rt.enabled)
		return 0;
	if (rt->tables == NULL) {
		DP_LOG(WARNING, "linux: no l3 port: no route to mirror into; linux: section ignored");
		return 0;
	}
	begin();
	return 0;
}

void
ctl_linux_stop(struct dp_runtime *rt)
{
	(void)rt;
	ctl_timer_cancel(&lnx.timer);
	close_sockets();
	lnx.state = LNX_OFF;
}

void
ctl_linux_reconfigure(struct dp_runtime *rt)
{
	if (lnx.rt == NULL || rt->tables == NULL)
		return;
	ctl_timer_arm(&lnx.timer, ctl_now_ms());
}

json_t *
ctl_linux_json(struct dp_runtime *rt)
{
	const struct hp_linux_conf *c = &rt->cfg->linux_rt;
	json_t *o, *protos = json_array(), *skip = json_object();
	uint64_t now = (uint64_t)time(NULL);

	for (unsigned p = 0; c->enabled && p < 256; p++)
		if (hp_linux_proto_taken(c, p)) {
			const char *name = hp_rtprot_name(p);

			json_array_append_new(protos, name ? json_string(name) : json_integer(p));
		}
	for (unsigned i = RTNL_OTHER_TABLE; i < RTNL_N_CAUSES; i++)
		json_object_set_new(skip, rtnl_cause_name(i), json_integer((json_int_t)lnx.st.skipped[i]));
	o = json_pack("{s:b, s:s, s:I, s:o, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I}", "enabled", c->enabled,
		      "state", ctl_linux_state(), "table", (json_int_t)c->table, "protocols", protos,
		      "routes", (json_int_t)(lnx.rt && lnx.rt->tables ? ctl_rib_linux_count(rt) : 0),
		      "shadowed", (json_int_t)(lnx.rt && lnx.rt->tables ? ctl_rib_linux_shadowed(rt) : 0),
		      "skipped", skip, "changes", (json_int_t)lnx.st.skipped[RTNL_TAKEN], "resyncs",
		      (json_int_t)lnx.st.resyncs, "overruns", (json_int_t)lnx.st.overruns, "socket_errors",
		      (json_int_t)lnx.st.socket_errors, "messages", (json_int_t)lnx.st.messages);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "drop_routes",
			    json_pack("{s:I, s:I, s:I}", "blackhole",
				      (json_int_t)lnx.st.drops[RTNL_DROP_BLACKHOLE], "unreachable",
				      (json_int_t)lnx.st.drops[RTNL_DROP_UNREACHABLE], "prohibit",
				      (json_int_t)lnx.st.drops[RTNL_DROP_PROHIBIT]));
	json_object_set_new(o, "last_change", json_integer((json_int_t)lnx.st.last_change));
	if (lnx.st.last_change)
		json_object_set_new(o, "last_change_ago_s",
				    json_integer((json_int_t)(now - lnx.st.last_change)));
	return o;
}
