/* Lookups over the configuration's plain data (lib/conf.h): port by name, a next hop's port, reachability, names. */
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"

int
hp_config_port_index(const struct hp_config *cfg, const char *name)
{
	if (!cfg || !name)
		return -1;
	for (unsigned i = 0; i < cfg->n_ports && i < HP_MAX_PORTS; i++)
		if (!strcmp(cfg->ports[i].name, name))
			return (int)i;
	return -1;
}

int
hp_config_via_port(const struct hp_config *cfg, const struct hp_addr *addr)
{
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct hp_port_conf *pc = &cfg->ports[i];
		unsigned n = addr->family == AF_INET ? pc->n_ipv4 : pc->n_ipv6;
		const struct hp_prefix *ps = addr->family == AF_INET ? pc->ipv4 : pc->ipv6;

		if (pc->mode != HP_MODE_L3)
			continue;
		for (unsigned k = 0; k < n; k++)
			if (hp_prefix_contains(&ps[k], addr))
				return (int)i;
	}
	return -1;
}

bool
hp_config_reachable(const struct hp_config *cfg, const struct hp_addr *addr)
{
	const struct hp_route_conf *best = NULL;

	if (hp_config_via_port(cfg, addr) >= 0)
		return true;
	for (unsigned i = 0; i < cfg->n_routes; i++) {
		const struct hp_route_conf *rt = &cfg->routes[i];

		if (hp_prefix_contains(&rt->prefix, addr) && (!best || rt->prefix.len > best->prefix.len))
			best = rt;
	}
	return best && best->action == HP_ROUTE_FORWARD;
}

const struct hp_prefix hp_martian_prefix[HP_N_MARTIAN] = {
	[HP_MARTIAN_V4_THIS_NET] = {.family = AF_INET, .len = 8, .addr = {0}},
	[HP_MARTIAN_V4_LOOPBACK] = {.family = AF_INET, .len = 8, .addr = {127}},
	[HP_MARTIAN_V4_MULTICAST] = {.family = AF_INET, .len = 4, .addr = {224}},
	[HP_MARTIAN_V4_RESERVED] = {.family = AF_INET, .len = 4, .addr = {240}},
	[HP_MARTIAN_V4_BROADCAST] = {.family = AF_INET, .len = 32, .addr = {255, 255, 255, 255}},
	[HP_MARTIAN_V6_UNSPEC] = {.family = AF_INET6, .len = 128, .addr = {0}},
	[HP_MARTIAN_V6_LOOPBACK] = {.family = AF_INET6, .len = 128, .addr = {[15] = 1}},
	[HP_MARTIAN_V6_LINK_LOCAL] = {.family = AF_INET6, .len = 10, .addr = {0xfe, 0x80}},
};

int
hp_martian_of(const struct hp_prefix *p)
{
	int best = -1;

	for (int i = 0; i < HP_N_MARTIAN; i++) {
		const struct hp_prefix *m = &hp_martian_prefix[i];
		struct hp_addr a = {.family = p->family};

		memcpy(a.addr, p->addr, sizeof(a.addr));
		if (m->family == p->family && p->len >= m->len && hp_prefix_contains(m, &a) &&
		    (best < 0 || m->len > hp_martian_prefix[best].len))
			best = i;
	}
	return best;
}

bool
hp_device_iface(const char *device, char *ifname, size_t len)
{
	const char *p;
	size_t n;

	if (strncmp(device, "net_af_xdp", 10) != 0 && strncmp(device, "net_af_packet", 13) != 0 &&
	    strncmp(device, "eth_af_packet", 13) != 0)
		return false;
	for (p = strchr(device, ','); p; p = strchr(p + 1, ','))
		if (!strncmp(p + 1, "iface=", 6))
			break;
	if (p == NULL)
		return false;
	p += 7;
	n = strcspn(p, ",");
	if (n == 0 || n >= len || n >= IF_NAMESIZE || memchr(p, '/', n) != NULL)
		return false;
	memcpy(ifname, p, n);
	ifname[n] = '\0';
	return true;
}

const char *
hp_port_mode_name(enum hp_port_mode m)
{
	switch (m) {
	case HP_MODE_L3:
		return "l3";
	case HP_MODE_XCONNECT:
		return "xconnect";
	}
	return "?";
}

const char *
hp_acl_action_name(enum hp_acl_action a)
{
	switch (a) {
	case HP_ACL_PERMIT:
		return "permit";
	case HP_ACL_DENY:
		return "deny";
	case HP_ACL_COUNT:
		return "count";
	case HP_ACL_POLICE:
		return "police";
	}
	return "?";
}

const char *
hp_ct_state_name(unsigned bit)
{
	switch (bit) {
	case HP_CT_NEW:
		return "new";
	case HP_CT_ESTABLISHED:
		return "established";
	case HP_CT_RELATED:
		return "related";
	case HP_CT_INVALID:
		return "invalid";
	}
	return NULL;
}

static const struct {
	unsigned char num;
	const char *name;
} rtprots[] = {
	{2, "kernel"},    {3, "boot"},        {4, "static"},       {8, "gated"},
	{9, "ra"},        {10, "mrt"},        {11, "zebra"},       {12, "bird"},
	{13, "dnrouted"}, {14, "xorp"},       {15, "ntk"},         {16, "dhcp"},
	{17, "mrouted"},  {18, "keepalived"}, {42, "babel"},       {99, "openr"},
	{186, "bgp"},     {187, "isis"},      {188, "ospf"},       {189, "rip"},
	{190, "ripng"},   {191, "nhrp"},      {192, "eigrp"},      {193, "ldp"},
	{194, "sharp"},   {195, "pbr"},       {197, "openfabric"}, {HP_RTPROT_HOTPATH, "hotpath"},
};

const char *
hp_rtprot_name(unsigned p)
{
	for (size_t i = 0; i < sizeof(rtprots) / sizeof(rtprots[0]); i++)
		if (rtprots[i].num == p)
			return rtprots[i].name;
	return NULL;
}

int
hp_rtprot_number(const char *name)
{
	for (size_t i = 0; name && i < sizeof(rtprots) / sizeof(rtprots[0]); i++)
		if (!strcmp(rtprots[i].name, name))
			return rtprots[i].num;
	return -1;
}

static const char *const origin_names[] = {
	[HP_ORIGIN_CONFIG] = "config",
	[HP_ORIGIN_CLI] = "cli",
	[HP_ORIGIN_LINUX] = "linux",
};

const char *
hp_route_origin_name(enum hp_route_origin o)
{
	return (unsigned)o < sizeof(origin_names) / sizeof(origin_names[0]) ? origin_names[o] : "?";
}

int
hp_route_origin_parse(const char *s)
{
	for (unsigned o = 0; o < sizeof(origin_names) / sizeof(origin_names[0]); o++)
		if (strcmp(s, origin_names[o]) == 0)
			return (int)o;
	return -1;
}

bool
hp_host_ifname(const char *name, char *ifname, size_t len)
{
	size_t n = strlen(HP_HOST_PREFIX) + strlen(name);

	if (n >= len || n >= IFNAMSIZ)
		return false;
	snprintf(ifname, len, HP_HOST_PREFIX "%s", name);
	return true;
}

int
hp_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}
