/* Host interfaces (ports[].host: tap): a TAP per port set up over rtnetlink (libmnl), the exception path both ways, neighbours pushed to the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_tun.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "hostif.h"
#include "iface.h"
#include "log.h"
#include "loop.h"
#include "neigh.h"

#define FRAME_BUF 65536
#define NL_BUF 32768 /* MNL_SOCKET_DUMP_SIZE: a dump's replies fit */
#define NL_REQ 1024  /* one request: a header and a few attributes */

struct hif {
	struct ctl_watch watch; /* first: the watch's callback finds its hif */
	unsigned port;
	char name[HP_NAME_MAX + 8]; /* at most IFNAMSIZ - 1 characters (the loader checks) */
	unsigned ifindex;
	int carrier; /* -1: not set yet */
	bool paused; /* the port's inject ring is full: not watched until the retry timer */
	uint32_t frame_max;
};

/* A neighbour as last pushed to the kernel. */
struct pushed {
	unsigned port;
	struct hp_addr ip;
	uint8_t mac[6];
	bool is_static;
};

static struct {
	struct dp_runtime *rt;
	struct mnl_socket *nl;
	uint32_t seq, portid;
	struct ctl_watch nl_watch;
	struct ctl_timer tick;
	struct ctl_timer retry; /* paused TAPs watched again */
	unsigned n;
	struct hif hif[HP_MAX_PORTS];
	int of_port[HP_MAX_PORTS]; /* index into hif[], -1 */
	struct pushed *pushed, *next;
	size_t n_pushed, n_next, cap;
	bool next_oom;
	bool pushed_sorted;
} H = {.nl_watch = {.fd = -1}};

static uint8_t frame_buf[FRAME_BUF];

/* ------------------------------------------------------------ netlink */

/* One request, waited for (start only: the socket is blocking then). 0 or -errno. */
static int
nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	static char buf[NL_BUF];
	uint32_t seq = ++H.seq;
	ssize_t n;
	int rc;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(H.nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(H.nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		rc = mnl_cb_run(buf, (size_t)n, seq, H.portid, cb, arg);
		if (rc < 0)
			return -errno;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

static int
link_cb(const struct nlmsghdr *nlh, void *arg)
{
	uint8_t *mac = arg;
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(attr) == IFLA_ADDRESS && mnl_attr_get_payload_len(attr) == 6)
			memcpy(mac, mnl_attr_get_payload(attr), 6);
	}
	return MNL_CB_OK;
}

/* The MAC the interface has now (all zeros if unknown). */
static int
get_mac(struct hif *h, uint8_t mac[6])
{
	char buf[NL_REQ];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	memset(mac, 0, 6);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)h->ifindex;
	return nl_talk(nlh, link_cb, mac);
}

/*
 * MTU, up, and the MAC only when it differs: a MAC change (NETDEV_CHANGEADDR) flushes every
 * neighbour of the interface, permanent ones too, and a re-attach keeps the kernel's.
 */
static int
set_link(struct hif *h, const uint8_t mac[6], unsigned mtu)
{
	char buf[NL_REQ];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	uint8_t now[6];
	int rc;

	if ((rc = get_mac(h, now)) < 0)
		return rc;
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)h->ifindex;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = IFF_UP;
	if (memcmp(now, mac, 6) != 0)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nl_talk(nlh, NULL, NULL);
}

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int
put_addr(struct hif *h, uint16_t type, uint16_t flags, int family, const uint8_t *addr, unsigned plen)
{
	char buf[NL_REQ];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	size_t alen = addr_len(family);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0; /* hotpathd owns it: no DAD */
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = h->ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	if (family == AF_INET && plen <= 30 && type == RTM_NEWADDR) {
		uint32_t a, mask = plen == 0 ? 0 : htonl(~0u << (32 - plen));

		memcpy(&a, addr, 4);
		a |= ~mask;
		mnl_attr_put(nlh, IFA_BROADCAST, 4, &a);
	}
	return nl_talk(nlh, NULL, NULL);
}

/* The addresses the interface holds now (a re-attached one may hold stale ones). */
struct addr_dump {
	unsigned ifindex;
	unsigned n;
	struct hp_prefix a[2 * HP_MAX_ADDRS + 8];
};

static int
addr_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct addr_dump *d = arg;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	const void *local = NULL, *address = NULL;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_index != d->ifindex ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) || d->n == RTE_DIM(d->a))
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa))
	{
		if (mnl_attr_get_payload_len(attr) != addr_len(ifa->ifa_family))
			continue;
		if (mnl_attr_get_type(attr) == IFA_LOCAL)
			local = mnl_attr_get_payload(attr);
		else if (mnl_attr_get_type(attr) == IFA_ADDRESS)
			address = mnl_attr_get_payload(attr);
	}
	if (local == NULL)
		local = address;
	if (local == NULL)
		return MNL_CB_OK;
	struct hp_prefix *p = &d->a[d->n++];
	memset(p, 0, sizeof(*p));
	p->family = ifa->ifa_family;
	p->len = ifa->ifa_prefixlen;
	memcpy(p->addr, local, addr_len(ifa->ifa_family));
	return MNL_CB_OK;
}

static bool
configured(const struct hp_port_conf *pc, const struct hp_prefix *p)
{
	const struct hp_prefix *list = p->family == AF_INET ? pc->ipv4 : pc->ipv6;
	unsigned n = p->family == AF_INET ? pc->n_ipv4 : pc->n_ipv6;

	for (unsigned i = 0; i < n; i++)
		if (list[i].len == p->len && !memcmp(list[i].addr, p->addr, addr_len(p->family)))
			return true;
	return false;
}

/* Addresses are configured in one place: what the interface holds beyond the config goes. */
static int
drop_stale_addrs(struct hif *h, const struct hp_port_conf *pc)
{
	char buf[NL_REQ];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	struct addr_dump d = {.ifindex = h->ifindex};
	int rc;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	if ((rc = nl_talk(nlh, addr_cb, &d)) < 0)
		return rc;
	for (unsigned i = 0; i < d.n; i++) {
		const struct hp_prefix *p = &d.a[i];

		if (p->family == AF_INET6 && p->addr[0] == 0xfe && (p->addr[1] & 0xc0) == 0x80)
			continue; /* the kernel's link-local: the same EUI-64 as hotpathd's */
		if (configured(pc, p))
			continue;
		if ((rc = put_addr(h, RTM_DELADDR, 0, p->family, p->addr, p->len)) < 0 &&
		    rc != -EADDRNOTAVAIL)
			return rc;
	}
	return 0;
}

/* Neighbours a hotpathd killed before pushed (extern_learn or permanent) on a re-attached
 * interface: taken as pushed, so the first sync removes those hotpathd no longer has. */
static bool pushed_room(void);

static int
neigh_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct hif *h = arg;
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	const void *dst = NULL, *ll = NULL;
	struct pushed *p;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || (unsigned)nd->ndm_ifindex != h->ifindex ||
	    (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6) ||
	    !((nd->ndm_flags & NTF_EXT_LEARNED) || (nd->ndm_state & NUD_PERMANENT)))
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*nd))
	{
		if (mnl_attr_get_type(attr) == NDA_DST &&
		    mnl_attr_get_payload_len(attr) == addr_len(nd->ndm_family))
			dst = mnl_attr_get_payload(attr);
		else if (mnl_attr_get_type(attr) == NDA_LLADDR && mnl_attr_get_payload_len(attr) == 6)
			ll = mnl_attr_get_payload(attr);
	}
	if (dst == NULL || ll == NULL || !pushed_room())
		return MNL_CB_OK;
	p = &H.pushed[H.n_pushed++];
	memset(p, 0, sizeof(*p));
	p->port = h->port;
	p->ip.family = nd->ndm_family;
	memcpy(p->ip.addr, dst, addr_len(nd->ndm_family));
	memcpy(p->mac, ll, 6);
	p->is_static = (nd->ndm_state & NUD_PERMANENT) != 0;
	return MNL_CB_OK;
}

static int
adopt_neighbours(struct hif *h)
{
	char buf[NL_REQ];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;

	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_UNSPEC;
	return nl_talk(nlh, neigh_cb, h);
}

/* ------------------------------------------------------------ the TAP */

static void tap_ready(struct ctl_watch *w, uint32_t events);

static void
write_sysctl(const char *name, const char *key, const char *val)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", name, key);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return; /* no IPv6 in this kernel: nothing to keep quiet */
	if (write(fd, val, strlen(val)) < 0)
		DP_LOG(WARNING, "%s: %s", path, strerror(errno));
	close(fd);
}

static void
set_carrier(struct hif *h)
{
	struct rte_eth_link link;
	int on;

	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(H.rt->ports.ports[h->port].port_id, &link) != 0)
		return;
	on = link.link_status == RTE_ETH_LINK_UP;
	if (on == h->carrier)
		return;
	if (ioctl(h->watch.fd, TUNSETCARRIER, &on) < 0) {
		DP_LOG(WARNING, "%s: TUNSETCARRIER: %s", h->name, strerror(errno));
		return;
	}
	h->carrier = on;
}

static int
open_tap(struct hif *h, const struct hp_port_conf *pc, const uint8_t mac[6])
{
	struct ifreq ifr;
	bool existed = if_nametoindex(h->name) != 0;
	int fd, rc;

	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
		rc = -errno;
		DP_LOG(ERR, "port %s: host: tap: /dev/net/tun: %s", pc->name, strerror(errno));
		return rc;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, h->name, strlen(h->name) + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0) {
		rc = -errno;
		DP_LOG(ERR, "port %s: host: tap: %s %s: %s%s", pc->name,
		       existed ? "attaching to" : "creating", h->name, strerror(errno),
		       existed ? " (an interface by that name exists and is not a free TAP)" : "");
		close(fd);
		return rc;
	}
	h->watch.fd = fd;
	h->watch.ready = tap_ready;
	h->carrier = -1;
	if ((h->ifindex = if_nametoindex(h->name)) == 0) {
		rc = -errno;
		DP_LOG(ERR, "port %s: %s: no ifindex: %s", pc->name, h->name, strerror(errno));
		return rc;
	}
	H.rt->host[h->port].ifindex = h->ifindex;
	write_sysctl(h->name, "accept_ra", "0"); /* addresses come from the config only */
	if ((rc = set_link(h, mac, pc->mtu)) < 0) {
		DP_LOG(ERR, "port %s: %s: MAC/MTU/up: %s", pc->name, h->name, strerror(-rc));
		return rc;
	}
	if (existed && (rc = adopt_neighbours(h)) < 0)
		DP_LOG(WARNING, "port %s: %s: reading its neighbours: %s", pc->name, h->name, strerror(-rc));
	if (existed && (rc = drop_stale_addrs(h, pc)) < 0) {
		DP_LOG(ERR, "port %s: %s: removing addresses not in the config: %s", pc->name, h->name,
		       strerror(-rc));
		return rc;
	}
	for (unsigned i = 0; i < pc->n_ipv4 + pc->n_ipv6; i++) {
		const struct hp_prefix *p = i < pc->n_ipv4 ? &pc->ipv4[i] : &pc->ipv6[i - pc->n_ipv4];

		rc = put_addr(h, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, p->family, p->addr, p->len);
		if (rc < 0) {
			char s[HP_PREFIX_STRLEN];

			hp_prefix_format(p, s, sizeof(s));
			DP_LOG(ERR, "port %s: %s: address %s: %s", pc->name, h->name, s, strerror(-rc));
			return rc;
		}
	}
	set_carrier(h);
	DP_LOG(NOTICE, "port %s: host interface %s (ifindex %u)%s", pc->name, h->name, h->ifindex,
	       existed ? ", re-attached" : "");
	return ctl_watch(&h->watch, EPOLLIN);
}

/* ------------------------------------------------------------ exception path */

static void
to_host(unsigned port, const uint8_t *frame, size_t len)
{
	const struct hif *h = &H.hif[H.of_port[port]];

	if (write(h->watch.fd, frame, len) == (ssize_t)len)
		H.rt->host[port].to_host++;
	else
		H.rt->host[port].to_host_failed++;
}

static bool
has_host(unsigned port)
{
	return port < HP_MAX_PORTS && H.rt != NULL && H.of_port[port] >= 0;
}

bool
ctl_hostif_mcast(unsigned port, const uint8_t *frame, size_t len, const struct dp_meta *meta)
{
	if (!has_host(port) || !(meta->flags & DP_META_MCAST) ||
	    (meta->l3 != DP_L3_IPV4 && meta->l3 != DP_L3_IPV6))
		return false;
	/* the NS / NA hotpathd answers or learns from stay its own */
	if (meta->l3 == DP_L3_IPV6 && meta->key.k6.proto == IPPROTO_ICMPV6 && meta->l4_off &&
	    (meta->icmp_type == 135 || meta->icmp_type == 136))
		return false;
	to_host(port, frame, len);
	return true;
}

enum ctl_verdict
ctl_hostif_after(unsigned port, const uint8_t *frame, size_t len, const struct dp_meta *meta,
		 enum ctl_verdict v)
{
	if (!has_host(port))
		return v;
	if (v == CTL_UNHANDLED) {
		to_host(port, frame, len);
		return CTL_HANDLED;
	}
	if (v != CTL_HANDLED)
		return v;
	/* answers the kernel's own ARP / NS may have asked for */
	if (meta->l3 == DP_L3_ARP && len >= (size_t)meta->l3_off + 8 && frame[meta->l3_off + 6] == 0 &&
	    frame[meta->l3_off + 7] == 2)
		to_host(port, frame, len);
	else if (meta->l3 == DP_L3_IPV6 && meta->key.k6.proto == IPPROTO_ICMPV6 && meta->l4_off &&
		 meta->icmp_type == 136)
		to_host(port, frame, len);
	return v;
}

static int cmp_pushed(const void *a, const void *b);

/*
 * An ARP request the kernel sent on hp-<port> for a neighbour hotpathd has resolved there
 * (as last pushed): answered into the TAP from hotpathd's table, not sent on the wire.
 * True when answered.
 */
static bool
answer_arp(struct hif *h, const uint8_t *f, size_t len)
{
	struct pushed key, *n;
	uint8_t r[60];

	if (len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[14] != 0 || f[15] != 1 || f[16] != 0x08 ||
	    f[17] != 0 || f[18] != 6 || f[19] != 4 || f[20] != 0 || f[21] != 1 || !H.pushed_sorted)
		return false;
	memset(&key, 0, sizeof(key));
	key.port = h->port;
	key.ip.family = AF_INET;
	memcpy(key.ip.addr, f + 38, 4);
	n = H.n_pushed > 0 ? bsearch(&key, H.pushed, H.n_pushed, sizeof(H.pushed[0]), cmp_pushed) : NULL;
	if (n == NULL)
		return false;
	memset(r, 0, sizeof(r));
	memcpy(r, f + 6, 6);       /* to the kernel's MAC */
	memcpy(r + 6, n->mac, 6);  /* from the neighbour's */
	memcpy(r + 12, f + 12, 8); /* EtherType, htype, ptype, hlen, plen */
	r[21] = 2;                 /* reply */
	memcpy(r + 22, n->mac, 6); /* sender: the neighbour */
	memcpy(r + 28, f + 38, 4);
	memcpy(r + 32, f + 22, 6); /* target: the kernel */
	memcpy(r + 38, f + 28, 4);
	if (write(h->watch.fd, r, sizeof(r)) != (ssize_t)sizeof(r))
		return false;
	H.rt->host[h->port].arp_answered++;
	return true;
}

/* The kernel sent frames on hp-<port>: out on the port, through the inject ring. */
static void
tap_ready(struct ctl_watch *w, uint32_t events)
{
	struct hif *h = (struct hif *)w;
	struct dp_host_stats *st = &H.rt->host[h->port];
	struct rte_mempool *mp = H.rt->ports.pools[H.rt->ports.ports[h->port].socket];
	unsigned budget = CTL_HOSTIF_READ_BUDGET, room = ctl_iface_room(h->port);

	(void)events;
	/* back-pressure: what the worker cannot take yet stays in the TAP's queue (the kernel's
	 * qdisc, then TCP, slows down) rather than being read and dropped here */
	if (room <= CTL_HOSTIF_INJECT_RESERVE) {
		if (ctl_watch_mod(w, 0) == 0) {
			h->paused = true;
			ctl_timer_sooner(&H.retry, ctl_now_ms() + CTL_HOSTIF_RETRY_MS);
		}
		return;
	}
	if (budget > room - CTL_HOSTIF_INJECT_RESERVE)
		budget = room - CTL_HOSTIF_INJECT_RESERVE;
	while (budget-- > 0) {
		ssize_t n = read(w->fd, frame_buf, sizeof(frame_buf));
		struct rte_mbuf *m;
		char *d;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				DP_LOG(WARNING, "%s: read: %s", h->name, strerror(errno));
			return;
		}
		if (n < 14) {
			st->from_host_runt++;
			continue;
		}
		if ((size_t)n > h->frame_max) {
			st->from_host_oversize++;
			continue;
		}
		if (answer_arp(h, frame_buf, (size_t)n))
			continue;
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL || (d = rte_pktmbuf_append(m, (uint16_t)n)) == NULL) {
			rte_pktmbuf_free(m);
			st->from_host_inject_full++;
			continue;
		}
		memcpy(d, frame_buf, (size_t)n);
		if (ctl_iface_inject(h->port, m))
			st->to_port++;
		else
			st->from_host_inject_full++;
	}
	ctl_watch_again(w); /* more may wait: the other watches first */
}

/* ------------------------------------------------------------ neighbours */

static int
cmp_pushed(const void *a, const void *b)
{
	const struct pushed *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->ip.family != y->ip.family)
		return x->ip.family < y->ip.family ? -1 : 1;
	return memcmp(x->ip.addr, y->ip.addr, addr_len(x->ip.family));
}

/* Both lists (they swap after each sync) grow together; false on ENOMEM. */
static bool
grow(void)
{
	size_t cap = H.cap ? 2 * H.cap : 64;
	struct pushed *a = realloc(H.next, cap * sizeof(*a)), *b;

	if (a == NULL)
		return false;
	H.next = a;
	if ((b = realloc(H.pushed, cap * sizeof(*b))) == NULL)
		return false;
	H.pushed = b;
	H.cap = cap;
	return true;
}

static bool
pushed_room(void)
{
	return H.n_pushed < H.cap || grow();
}

static void
collect(void *arg, const struct ctl_neigh_info *ni)
{
	(void)arg;
	if (!ni->resolved || !has_host(ni->port))
		return;
	if (H.n_next == H.cap && !grow()) {
		H.next_oom = true;
		return;
	}
	struct pushed *p = &H.next[H.n_next++];
	memset(p, 0, sizeof(*p));
	p->port = ni->port;
	p->ip = *ni->ip;
	memcpy(p->mac, ni->mac, 6);
	p->is_static = !strcmp(ni->state, "static");
}

static void
neigh_msg(struct mnl_nlmsg_batch *b, uint16_t type, const struct pushed *p)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	struct ndmsg *nd;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | (type == RTM_NEWNEIGH ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	nlh->nlmsg_seq = (++H.seq & 0xffffffu) | (uint32_t)p->port << 24; /* an error names its port */
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = (uint8_t)p->ip.family;
	nd->ndm_ifindex = (int)H.hif[H.of_port[p->port]].ifindex;
	nd->ndm_state = p->is_static ? NUD_PERMANENT : NUD_REACHABLE;
	nd->ndm_flags = p->is_static ? 0 : NTF_EXT_LEARNED;
	mnl_attr_put(nlh, NDA_DST, addr_len(p->ip.family), p->ip.addr);
	if (type == RTM_NEWNEIGH)
		mnl_attr_put(nlh, NDA_LLADDR, 6, p->mac);
	if (type == RTM_NEWNEIGH)
		H.rt->host[p->port].neigh_added++;
	else
		H.rt->host[p->port].neigh_removed++;
	if (!mnl_nlmsg_batch_next(b)) {
		/* full: send what it holds and start again with this message */
		if (mnl_socket_sendto(H.nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0)
			H.rt->host[p->port].netlink_errors++;
		mnl_nlmsg_batch_reset(b);
	}
}

/* Make the kernel's neighbours on the host interfaces what hotpathd's table says (one batch). */
static void
sync_neighbours(void)
{
	static char buf[NL_BUF * 2];
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, NL_BUF);
	size_t i = 0, j = 0;
	struct pushed *t;

	H.n_next = 0;
	H.next_oom = false;
	ctl_neigh_foreach(collect, NULL);
	if (H.next_oom) {
		DP_LOG(WARNING, "host interfaces: no memory for the neighbour list; retrying");
		return;
	}
	if (H.n_next > 1) /* qsort's base may not be NULL, even for no element (UBSan) */
		qsort(H.next, H.n_next, sizeof(H.next[0]), cmp_pushed);
	if (!H.pushed_sorted) { /* adopted from the kernel in its order */
		if (H.n_pushed > 1)
			qsort(H.pushed, H.n_pushed, sizeof(H.pushed[0]), cmp_pushed);
		H.pushed_sorted = true;
	}
	while (i < H.n_pushed || j < H.n_next) {
		int c = i == H.n_pushed ? 1 : j == H.n_next ? -1 : cmp_pushed(&H.pushed[i], &H.next[j]);

		if (c < 0) {
			neigh_msg(b, RTM_DELNEIGH, &H.pushed[i++]);
		} else if (c > 0) {
			neigh_msg(b, RTM_NEWNEIGH, &H.next[j++]);
		} else {
			if (memcmp(H.pushed[i].mac, H.next[j].mac, 6) != 0 ||
			    H.pushed[i].is_static != H.next[j].is_static)
				neigh_msg(b, RTM_NEWNEIGH, &H.next[j]);
			i++, j++;
		}
	}
	if (mnl_nlmsg_batch_size(b) > 0 &&
	    mnl_socket_sendto(H.nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0)
		DP_LOG(WARNING, "host interfaces: netlink send: %s", strerror(errno));
	mnl_nlmsg_batch_stop(b);
	t = H.pushed;
	H.pushed = H.next;
	H.next = t;
	H.n_pushed = H.n_next;
}

/* Errors the kernel sends back for the pushes (none are asked for otherwise). */
static int
err_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	(void)arg;
	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*e)) && e->error != 0) {
		unsigned port = e->msg.nlmsg_seq >> 24;

		if (port < HP_MAX_PORTS)
			H.rt->host[port].netlink_errors++;
		DP_LOG(DEBUG, "host interfaces: neighbour push refused: %s", strerror(-e->error));
	}
	return MNL_CB_OK;
}

static void
nl_ready(struct ctl_watch *w, uint32_t events)
{
	static char buf[NL_BUF];
	static mnl_cb_t ctl_cb[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = err_cb};
	ssize_t n;

	(void)w;
	(void)events;
	while ((n = mnl_socket_recvfrom(H.nl, buf, sizeof(buf))) > 0)
		mnl_cb_run2(buf, (size_t)n, 0, 0, NULL, NULL, ctl_cb, NLMSG_MIN_TYPE);
}

static void
retry(struct ctl_timer *t)
{
	(void)t;
	for (unsigned i = 0; i < H.n; i++)
		if (H.hif[i].paused && ctl_watch_mod(&H.hif[i].watch, EPOLLIN) == 0)
			H.hif[i].paused = false;
}

static void
tick(struct ctl_timer *t)
{
	for (unsigned i = 0; i < H.n; i++)
		set_carrier(&H.hif[i]);
	sync_neighbours();
	ctl_timer_arm(t, ctl_now_ms() + CTL_HOSTIF_TICK_MS);
}

/* ------------------------------------------------------------ start, stop */

int
ctl_hostif_start(struct dp_runtime *rt)
{
	int rc;

	H.rt = rt;
	H.n = 0;
	for (unsigned p = 0; p < HP_MAX_PORTS; p++)
		H.of_port[p] = -1;
	for (unsigned p = 0; p < rt->ports.n; p++)
		if (rt->cfg->ports[p].host == HP_HOST_TAP && rt->cfg->ports[p].mode == HP_MODE_L3)
			H.n++;
	if (H.n == 0)
		return 0;
	H.n = 0;
	if ((H.nl = mnl_socket_open(NETLINK_ROUTE)) == NULL ||
	    mnl_socket_bind(H.nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		DP_LOG(ERR, "host interfaces: rtnetlink: %s", strerror(errno));
		return rc;
	}
	H.portid = mnl_socket_get_portid(H.nl);
	for (unsigned p = 0; p < rt->ports.n; p++) {
		const struct hp_port_conf *pc = &rt->cfg->ports[p];
		struct hif *h = &H.hif[H.n];

		if (pc->host != HP_HOST_TAP || pc->mode != HP_MODE_L3)
			continue;
		memset(h, 0, sizeof(*h));
		h->watch.fd = -1;
		h->port = p;
		h->frame_max = (uint32_t)(pc->mtu ? pc->mtu : 1500) + 14;
		hp_host_ifname(pc->name, h->name, sizeof(h->name)); /* fits: the config checked it */
		H.of_port[p] = (int)H.n++;
		if ((rc = open_tap(h, pc, rt->ports.ports[p].mac.addr_bytes)) < 0)
			return rc;
	}
	/* from here on the socket only carries neighbour pushes and their errors */
	H.nl_watch.fd = mnl_socket_get_fd(H.nl);
	H.nl_watch.ready = nl_ready;
	if (fcntl(H.nl_watch.fd, F_SETFL, fcntl(H.nl_watch.fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    (rc = ctl_watch(&H.nl_watch, EPOLLIN)) < 0) {
		rc = -errno;
		H.nl_watch.fd = -1;
		return rc;
	}
	H.retry.fire = retry;
	H.tick.fire = tick;
	ctl_timer_arm(&H.tick, ctl_now_ms());
	return 0;
}

void
ctl_hostif_stop(struct dp_runtime *rt)
{
	(void)rt;
	ctl_timer_cancel(&H.tick);
	ctl_timer_cancel(&H.retry);
	for (unsigned i = 0; i < H.n; i++) {
		struct hif *h = &H.hif[i];

		if (h->watch.fd < 0)
			continue;
		ctl_unwatch(&h->watch);
		/* a clean exit: the interface (and the kernel's routes through it) goes */
		if (ioctl(h->watch.fd, TUNSETPERSIST, 0) < 0)
			DP_LOG(WARNING, "%s: TUNSETPERSIST 0: %s", h->name, strerror(errno));
		close(h->watch.fd);
		h->watch.fd = -1;
	}
	if (H.nl_watch.fd >= 0)
		ctl_unwatch(&H.nl_watch);
	H.nl_watch.fd = -1;
	if (H.nl != NULL)
		mnl_socket_close(H.nl);
	H.nl = NULL;
	free(H.pushed);
	free(H.next);
	H.pushed = H.next = NULL;
	H.n_pushed = H.n_next = H.cap = 0;
	H.pushed_sorted = false;
	H.n = 0;
	for (unsigned p = 0; p < HP_MAX_PORTS; p++)
		H.of_port[p] = -1;
}
