/* hp_addr: IPv4/IPv6 addresses, prefixes and MACs: parse, format, prefix math (no DPDK). */
#ifndef HP_ADDR_H
#define HP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */

/* Buffer sizes for the formatters, the NUL included. */
#define HP_ADDR_STRLEN 46                     /* = INET6_ADDRSTRLEN */
#define HP_PREFIX_STRLEN (HP_ADDR_STRLEN + 4) /* address, '/', up to three digits */
#define HP_MAC_STRLEN 18                      /* xx:xx:xx:xx:xx:xx */
/* "prefix TEXT has host bits set; did you mean NET?" for any prefix that parsed. */
#define HP_HOST_BITS_MSG_MAX (2 * HP_PREFIX_STRLEN + 48)

/* An address without prefix: 4 (AF_INET) or 16 bytes, network order. */
struct hp_addr {
	int family;
	uint8_t addr[16];
};

/* An address with its prefix length; addr holds 4 (AF_INET) or 16 bytes. */
struct hp_prefix {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t len;      /* prefix length in bits */
	uint8_t addr[16]; /* network byte order */
};

/* "10.0.0.1" or "2001:db8::1"; family 0 = either. 0 or -EINVAL; *a is untouched on error. */
int hp_parse_addr(const char *s, int family, struct hp_addr *a);
/* "ADDRESS/LENGTH", length in decimal without leading zeros; host bits are kept.
 * family 0 = either. 0 or -EINVAL; *p is untouched on error. */
int hp_parse_prefix(const char *s, int family, struct hp_prefix *p);
/* "xx:xx:xx:xx:xx:xx" in hex, either case. 0 or -EINVAL; mac is untouched on error. */
int hp_parse_mac(const char *s, uint8_t mac[6]);

/* The token helpers the parsers share: decimal digits only (no sign, no blanks, no
 * leading zero) up to max; a hex digit's value or -1. */
bool hp_parse_dec(const char *s, unsigned long long max, unsigned long long *out);
int hp_hex_digit(int ch);

/*
 * Formatters: write into buf (len bytes, HP_*_STRLEN is always enough) and
 * return buf, so that a call can stand in a printf argument list. An address
 * of no known family is written "?".
 */
const char *hp_addr_format(const struct hp_addr *a, char *buf, size_t len);
/* The same from family and raw bytes (4 or 16, network order). */
const char *hp_addr_bytes_format(int family, const void *addr, char *buf, size_t len);
/* "ADDRESS/LENGTH". */
const char *hp_prefix_format(const struct hp_prefix *p, char *buf, size_t len);
/* "XX:XX:XX:XX:XX:XX", upper case as DPDK's rte_ether_format_addr() writes it. */
const char *hp_mac_format(const uint8_t mac[6], char *buf, size_t len);

/* Bits of an address of family: 32, 128, or 0 for an unknown family. */
static inline unsigned
hp_family_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

/* Whether addr lies inside prefix (same family; host bits of prefix ignored). */
bool hp_prefix_contains(const struct hp_prefix *prefix, const struct hp_addr *addr);

/* net = p with its host bits cleared; true if p had any set. */
bool hp_prefix_clear_host_bits(const struct hp_prefix *p, struct hp_prefix *net);

/*
 * The host-bit check every network prefix goes through (routes, ACL src/dst,
 * XDP block lists, socket requests). False if p has no host bits set; else
 * true, with "prefix TEXT has host bits set; did you mean NET/LEN?" in msg
 * (len bytes, HP_HOST_BITS_MSG_MAX is enough). TEXT is text, what the user
 * wrote, or p formatted when text is NULL. Callers put their context
 * ("key 'src': ") in front.
 */
bool hp_prefix_host_bits(const struct hp_prefix *p, const char *text, char *msg, size_t len);

/* fe80::/64 with the modified EUI-64 of mac (RFC 4291 appendix A): a port's link-local address. */
static inline void
hp_link_local(const uint8_t mac[6], uint8_t ll6[16])
{
	static const uint8_t prefix[8] = {0xfe, 0x80};

	memcpy(ll6, prefix, 8);
	ll6[8] = mac[0] ^ 0x02; /* universal/local bit */
	ll6[9] = mac[1];
	ll6[10] = mac[2];
	ll6[11] = 0xff;
	ll6[12] = 0xfe;
	ll6[13] = mac[3];
	ll6[14] = mac[4];
	ll6[15] = mac[5];
}

#endif
