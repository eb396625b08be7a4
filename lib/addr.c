/* hp_addr: parsing, formatting and prefix math of addresses, prefixes and MACs. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

int
hp_hex_digit(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
hp_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];

	if (!s || !mac || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hp_hex_digit(s[3 * i]), lo = hp_hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}

/* A prefix length: decimal digits, no sign, no leading zero, at most max. */
bool
hp_parse_dec(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

int
hp_parse_prefix(const char *s, int family, struct hp_prefix *p)
{
	char buf[HP_ADDR_STRLEN + 1];
	struct hp_prefix r;
	const char *slash;
	unsigned long long len;
	unsigned max;
	size_t alen;

	if (!s || !p || (family != 0 && family != AF_INET && family != AF_INET6))
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash)
		return -EINVAL;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(&r, 0, sizeof(r));
	if ((family == 0 || family == AF_INET) && inet_pton(AF_INET, buf, r.addr) == 1)
		r.family = AF_INET;
	else if ((family == 0 || family == AF_INET6) && inet_pton(AF_INET6, buf, r.addr) == 1)
		r.family = AF_INET6;
	else
		return -EINVAL;
	max = hp_family_bits(r.family);
	if (!hp_parse_dec(slash + 1, max, &len))
		return -EINVAL;
	r.len = (uint8_t)len;
	*p = r;
	return 0;
}

int
hp_parse_addr(const char *s, int family, struct hp_addr *a)
{
	struct hp_addr r;

	if (!s || !a || (family != 0 && family != AF_INET && family != AF_INET6))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	if ((family == 0 || family == AF_INET) && inet_pton(AF_INET, s, r.addr) == 1)
		r.family = AF_INET;
	else if ((family == 0 || family == AF_INET6) && inet_pton(AF_INET6, s, r.addr) == 1)
		r.family = AF_INET6;
	else
		return -EINVAL;
	*a = r;
	return 0;
}

const char *
hp_addr_bytes_format(int family, const void *addr, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (!hp_family_bits(family) || !inet_ntop(family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *
hp_addr_format(const struct hp_addr *a, char *buf, size_t len)
{
	return hp_addr_bytes_format(a->family, a->addr, buf, len);
}

const char *
hp_prefix_format(const struct hp_prefix *p, char *buf, size_t len)
{
	size_t n;

	hp_addr_bytes_format(p->family, p->addr, buf, len);
	n = strlen(buf);
	if (n < len)
		snprintf(buf + n, len - n, "/%u", p->len);
	return buf;
}

const char *
hp_mac_format(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02X:%02X:%02X:%02X:%02X:%02X", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

bool
hp_prefix_contains(const struct hp_prefix *prefix, const struct hp_addr *addr)
{
	unsigned bits, full, rem;

	if (!prefix || !addr || prefix->family != addr->family)
		return false;
	bits = hp_family_bits(prefix->family);
	if (!bits || prefix->len > bits)
		return false;
	full = prefix->len / 8u;
	rem = prefix->len % 8u;
	if (memcmp(prefix->addr, addr->addr, full))
		return false;
	if (rem && ((prefix->addr[full] ^ addr->addr[full]) & (uint8_t)(0xffu << (8 - rem))))
		return false;
	return true;
}

bool
hp_prefix_clear_host_bits(const struct hp_prefix *p, struct hp_prefix *net)
{
	unsigned bytes = hp_family_bits(p->family) / 8u;
	bool set = false;

	*net = *p;
	for (unsigned i = 0; i < bytes; i++) {
		unsigned lo = i * 8u;
		uint8_t keep = p->len >= lo + 8 ? 0xff
			       : p->len <= lo   ? 0
						: (uint8_t)(0xffu << (8 - (p->len - lo)));

		set |= (net->addr[i] & (uint8_t)~keep) != 0;
		net->addr[i] &= keep;
	}
	return set;
}

bool
hp_prefix_host_bits(const struct hp_prefix *p, const char *text, char *msg, size_t len)
{
	char pbuf[HP_PREFIX_STRLEN], nbuf[HP_PREFIX_STRLEN];
	struct hp_prefix net;

	if (!hp_prefix_clear_host_bits(p, &net))
		return false;
	if (msg && len)
		snprintf(msg, len, "prefix %.64s has host bits set; did you mean %s?",
			 text ? text : hp_prefix_format(p, pbuf, sizeof(pbuf)),
			 hp_prefix_format(&net, nbuf, sizeof(nbuf)));
	return true;
}
