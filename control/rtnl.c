/* rtnetlink route and link messages into hotpath's terms (pure): see rtnl.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"

static const char *const cause_names[] = {
#define RTNL_NAME(e, s) s,
	RTNL_CAUSES(RTNL_NAME)
#undef RTNL_NAME
};

const char *
rtnl_cause_name(enum rtnl_cause c)
{
	return (unsigned)c < RTNL_N_CAUSES ? cause_names[c] : "?";
}

const char *
rtnl_drop_name(enum rtnl_drop d)
{
	switch (d) {
	case RTNL_DROP_BLACKHOLE:
		return "blackhole";
	case RTNL_DROP_UNREACHABLE:
		return "unreachable";
	case RTNL_DROP_PROHIBIT:
		return "prohibit";
	default:
		return "none";
	}
}

bool
rtnl_port_ifname(const struct hp_port_conf *p, bool alt, char *name, size_t len)
{
	return alt ? hp_device_iface(p->device, name, len) : hp_host_ifname(p->name, name, len);
}

/* The port whose interface is ifindex, or -1. */
static int
port_of(const struct rtnl_view *v, uint32_t ifindex)
{
	for (unsigned p = 0; ifindex != 0 && p < v->cfg->n_ports; p++)
		if (v->port_ifindex[p] == (int)ifindex)
			return (int)p;
	return -1;
}

/* pfx equals one of port p's subnets (its addresses with their lengths). */
static bool
port_subnet(const struct hp_port_conf *port, const struct hp_prefix *pfx)
{
	const struct hp_prefix *a = pfx->family == AF_INET ? port->ipv4 : port->ipv6;
	unsigned n = pfx->family == AF_INET ? port->n_ipv4 : port->n_ipv6;
	struct hp_prefix net;

	for (unsigned i = 0; i < n; i++) {
		if (a[i].len != pfx->len)
			continue;
		hp_prefix_clear_host_bits(&a[i], &net);
		if (!memcmp(net.addr, pfx->addr, sizeof(net.addr)))
			return true;
	}
	return false;
}

/* One next hop: its interface and gateway (gw_len 0: none). */
struct nh {
	uint32_t oif;
	unsigned gw_len;
	uint8_t gw[16];
};

/* RTA_GATEWAY of the family's length; anything else (RTA_VIA...) is skipped. */
static int
nh_attrs(const struct nlattr *start, size_t len, int family, struct nh *nh)
{
	const struct nlattr *a = start;
	unsigned alen = family == AF_INET ? 4 : 16;

	while (len > 0) {
		if (!mnl_attr_ok(a, (int)len))
			return -EINVAL; /* truncated */
		if (mnl_attr_get_type(a) == RTA_GATEWAY) {
			if (mnl_attr_get_payload_len(a) != alen)
				return -EINVAL;
			memcpy(nh->gw, mnl_attr_get_payload(a), alen);
			nh->gw_len = alen;
		} else if (mnl_attr_get_type(a) == RTA_VIA)
			return -EINVAL; /* a gateway of the other family: not ours to express */
		if ((size_t)MNL_ALIGN(a->nla_len) >= len)
			break;
		len -= MNL_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + MNL_ALIGN(a->nla_len));
	}
	return 0;
}

/* RTA_MULTIPATH: struct rtnexthop entries, each with its own attributes. */
static int
multipath(const struct nlattr *mp, int family, struct nh *nhs, unsigned max, unsigned *n)
{
	const char *p = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);

	*n = 0;
	while (left >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *rtnh = (const void *)p;
		struct nh nh = {0};

		if (rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > left)
			return -EINVAL;
		nh.oif = (uint32_t)rtnh->rtnh_ifindex;
		if (nh_attrs((const struct nlattr *)(p + RTNH_ALIGN(sizeof(*rtnh))),
			     rtnh->rtnh_len - RTNH_ALIGN(sizeof(*rtnh)), family, &nh) < 0)
			return -EINVAL;
		if (*n < max)
			nhs[*n] = nh;
		(*n)++;
		if ((size_t)RTNH_ALIGN(rtnh->rtnh_len) >= left)
			break;
		left -= RTNH_ALIGN(rtnh->rtnh_len);
		p += RTNH_ALIGN(rtnh->rtnh_len);
	}
	return 0;
}

struct attrs {
	const struct nlattr *dst, *gw, *oif, *table, *mp;
	bool bad;
};

static int
route_attr(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	unsigned t = mnl_attr_get_type(a);

	switch (t) {
	case RTA_DST:
		at->dst = a;
		break;
	case RTA_GATEWAY:
		at->gw = a;
		break;
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			at->bad = true;
		at->oif = a;
		break;
	case RTA_TABLE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			at->bad = true;
		at->table = a;
		break;
	case RTA_MULTIPATH:
		at->mp = a;
		break;
	default: /* unknown or unused: skipped */
		break;
	}
	return MNL_CB_OK;
}

/* The attributes after a header of hdrlen bytes fill the message exactly (none cut short). */
static bool
attrs_whole(const struct nlmsghdr *nlh, size_t hdrlen)
{
	const char *p = mnl_nlmsg_get_payload_offset(nlh, hdrlen), *end = (const char *)nlh + nlh->nlmsg_len;

	while (p < end) {
		const struct nlattr *a = (const void *)p;
		size_t left = (size_t)(end - p);

		if (!mnl_attr_ok(a, (int)left))
			return false;
		p += (size_t)MNL_ALIGN(a->nla_len) < left ? (size_t)MNL_ALIGN(a->nla_len) : left;
	}
	return true;
}

static int
invalid(struct rtnl_route *out)
{
	out->cause = RTNL_INVALID;
	return 0;
}

int
rtnl_parse_route(const struct nlmsghdr *nlh, const struct rtnl_view *v, struct rtnl_route *out)
{
	struct attrs at = {0};
	const struct rtmsg *rtm;
	struct nh nhs[HP_MAX_ECMP + 1];
	unsigned n = 0, alen;
	struct hp_route_conf *r = &out->route;
	int port = -1;

	memset(out, 0, sizeof(*out));
	out->cause = RTNL_INVALID;
	r->port = -1;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)) ||
	    (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE))
		return -EINVAL;
	rtm = mnl_nlmsg_get_payload(nlh);
	out->del = nlh->nlmsg_type == RTM_DELROUTE;
	out->replace = (nlh->nlmsg_flags & NLM_F_REPLACE) != 0;
	out->append = !out->del && (nlh->nlmsg_flags & NLM_F_APPEND) != 0;
	out->type = rtm->rtm_type;
	out->protocol = rtm->rtm_protocol;
	out->table = rtm->rtm_table;
	if (!attrs_whole(nlh, sizeof(*rtm)) || mnl_attr_parse(nlh, sizeof(*rtm), route_attr, &at) < 0 ||
	    at.bad)
		return invalid(out);
	if (at.table)
		out->table = mnl_attr_get_u32(at.table);
	if (out->table != v->conf->table) {
		out->cause = RTNL_OTHER_TABLE;
		return 0;
	}
	if (!hp_linux_proto_taken(v->conf, out->protocol)) {
		out->cause = RTNL_OTHER_PROTOCOL;
		return 0;
	}
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return invalid(out);
	alen = rtm->rtm_family == AF_INET ? 4 : 16;
	if (rtm->rtm_dst_len > alen * 8 || (at.dst && mnl_attr_get_payload_len(at.dst) != alen) ||
	    (!at.dst && rtm->rtm_dst_len != 0))
		return invalid(out);
	r->prefix.family = rtm->rtm_family;
	r->prefix.len = rtm->rtm_dst_len;
	if (at.dst)
		memcpy(r->prefix.addr, mnl_attr_get_payload(at.dst), alen);
	out->has_prefix = true;
	if (rtm->rtm_src_len != 0 || (rtm->rtm_flags & RTM_F_CLONED)) {
		out->cause = RTNL_TYPE; /* source-specific or a cached clone: not a FIB route */
		return 0;
	}
	switch (rtm->rtm_type) {
	case RTN_UNICAST:
		break;
	case RTN_BLACKHOLE:
	case RTN_UNREACHABLE:
	case RTN_PROHIBIT:
		out->drop = rtm->rtm_type == RTN_BLACKHOLE     ? RTNL_DROP_BLACKHOLE
			    : rtm->rtm_type == RTN_UNREACHABLE ? RTNL_DROP_UNREACHABLE
							       : RTNL_DROP_PROHIBIT;
		r->action = HP_ROUTE_DROP;
		out->cause = RTNL_TAKEN;
		return 0;
	default:
		out->cause = RTNL_TYPE;
		return 0;
	}
	if (at.mp) {
		if (multipath(at.mp, rtm->rtm_family, nhs, HP_MAX_ECMP + 1, &n) < 0)
			return invalid(out);
	} else {
		memset(&nhs[0], 0, sizeof(nhs[0]));
		if (at.gw) {
			if (mnl_attr_get_payload_len(at.gw) != alen)
				return invalid(out);
			memcpy(nhs[0].gw, mnl_attr_get_payload(at.gw), alen);
			nhs[0].gw_len = alen;
		}
		nhs[0].oif = at.oif ? mnl_attr_get_u32(at.oif) : 0;
		n = 1;
	}
	out->n_nexthops = n;
	if (n == 0)
		return invalid(out);
	if (n > HP_MAX_ECMP) {
		out->cause = RTNL_TOO_MANY_NEXTHOPS;
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		int p = port_of(v, nhs[i].oif);

		if (p < 0) {
			out->cause = RTNL_FOREIGN_INTERFACE;
			return 0;
		}
		if (nhs[i].gw_len == 0) {
			out->cause = port_subnet(&v->cfg->ports[p], &r->prefix) ? RTNL_CONNECTED
										: RTNL_NO_GATEWAY;
			return 0;
		}
		port = i == 0 ? p : (port == p ? p : -1);
	}
	for (unsigned i = 0; i < n; i++) {
		struct hp_addr gw = {.family = rtm->rtm_family};
		unsigned k;

		memcpy(gw.addr, nhs[i].gw, alen);
		for (k = 0; k < r->n_via; k++)
			if (!memcmp(&r->via[k], &gw, sizeof(gw)))
				break;
		if (k == r->n_via) /* the same gateway twice (weights): once */
			r->via[r->n_via++] = gw;
	}
	r->action = HP_ROUTE_FORWARD;
	r->port = port;
	out->cause = RTNL_TAKEN;
	return 0;
}

static int
link_attr(const struct nlattr *a, void *data)
{
	struct rtnl_link *l = data;

	if (mnl_attr_get_type(a) == IFLA_IFNAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
	    mnl_attr_get_payload_len(a) <= sizeof(l->name))
		snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

int
rtnl_parse_link(const struct nlmsghdr *nlh, struct rtnl_link *out)
{
	const struct ifinfomsg *ifi;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)) ||
	    (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK))
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	out->del = nlh->nlmsg_type == RTM_DELLINK;
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr, out) < 0)
		return -EINVAL;
	return 0;
}
