/* hpctl lb's values, VIP[:PORT]/PROTO and IP[@WEIGHT] lists, checked with the config file's own parsers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "hpctl_lb.h"

bool
cli_lb_addr(const char *s)
{
	struct hp_addr a;

	return hp_parse_addr(s, 0, &a) == 0;
}

bool
cli_lb_number(const char *s, unsigned long min, unsigned long max, unsigned long *v)
{
	unsigned long long n;

	if (!hp_parse_dec(s, max, &n) || n < min)
		return false;
	*v = (unsigned long)n;
	return true;
}

/* Splits host (a copy of the spec up to '/') into address and port; *port NULL when none. */
static int
vip_host(char *host, const char **addr, const char **port, char *err, size_t errlen)
{
	struct hp_addr ip;
	char *c;

	*addr = host;
	*port = NULL;
	if (host[0] == '[') {
		/* [IPv6]:PORT: the brackets keep the port's colon apart from the address's */
		if ((c = strchr(host, ']')) == NULL) {
			snprintf(err, errlen, "VIP: missing ']' in '%s'", host);
			return -EINVAL;
		}
		if (c[1] != '\0' && c[1] != ':') {
			snprintf(err, errlen, "VIP: unexpected '%s' after ']'", c + 1);
			return -EINVAL;
		}
		*port = c[1] == ':' ? c + 2 : NULL;
		*c = '\0';
		*addr = host + 1;
		if (hp_parse_addr(*addr, AF_INET6, &ip) < 0) {
			snprintf(err, errlen, "VIP: '%s' is not an IPv6 address (what brackets hold)", *addr);
			return -EINVAL;
		}
		return 0;
	}
	/* one colon: IPv4:PORT; more: an IPv6 address, without a port */
	if ((c = strchr(host, ':')) != NULL && strchr(c + 1, ':') == NULL) {
		*c = '\0';
		*port = c + 1;
	}
	if (host[0] == '\0') {
		snprintf(err, errlen, "VIP: missing the address");
		return -EINVAL;
	}
	if (hp_parse_addr(host, 0, &ip) < 0) {
		snprintf(err, errlen, "VIP: '%s' is not an IPv4 or IPv6 address%s", host,
			 *port == NULL && c != NULL ? " (an IPv6 VIP with a port is [ADDR]:PORT)" : "");
		return -EINVAL;
	}
	return 0;
}

int
cli_lb_vip(const char *spec, json_t *args, char *err, size_t errlen)
{
	const char *slash = strrchr(spec, '/'), *addr, *port;
	unsigned long pn = 0;
	char *host;
	int rc;

	if (slash == NULL) {
		snprintf(err, errlen, "VIP: missing /PROTO in '%s' (VIP[:PORT]/PROTO, PROTO tcp or udp)",
			 spec);
		return -EINVAL;
	}
	if (strcmp(slash + 1, "tcp") != 0 && strcmp(slash + 1, "udp") != 0) {
		snprintf(err, errlen, "VIP: proto '%s' is neither tcp nor udp", slash + 1);
		return -EINVAL;
	}
	if ((host = strndup(spec, (size_t)(slash - spec))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((rc = vip_host(host, &addr, &port, err, errlen)) < 0)
		goto out;
	if (port != NULL && !cli_lb_number(port, 1, 65535, &pn)) {
		snprintf(err, errlen, "VIP: port '%s' is not a number from 1 to 65535", port);
		rc = -EINVAL;
		goto out;
	}
	/* addresses that parsed are ASCII: json_string takes them */
	rc = -ENOMEM;
	if (json_object_set_new(args, "vip", json_string(addr)) < 0 ||
	    json_object_set_new(args, "proto", json_string(slash + 1)) < 0 ||
	    (port != NULL && json_object_set_new(args, "port", json_integer((json_int_t)pn)) < 0)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(host);
	return rc;
}

/* One entry of a backend list, IP[@WEIGHT] (entry is modified), appended to list. */
static int
backend(char *entry, json_t *list, char *err, size_t errlen)
{
	char *at = strchr(entry, '@');
	unsigned long w;
	json_t *b;

	if (at != NULL)
		*at++ = '\0';
	if (!cli_lb_addr(entry)) {
		snprintf(err, errlen, "backends: '%s' is not an IPv4 or IPv6 address", entry);
		return -EINVAL;
	}
	if (at != NULL && !cli_lb_number(at, 0, CLI_LB_WEIGHT_MAX, &w)) {
		snprintf(err, errlen, "backends: %s: weight '%s' is not a number from 0 to %u", entry, at,
			 CLI_LB_WEIGHT_MAX);
		return -EINVAL;
	}
	if ((b = json_pack("{s:s}", "ip", entry)) == NULL ||
	    (at != NULL && json_object_set_new(b, "weight", json_integer((json_int_t)w)) < 0) ||
	    json_array_append_new(list, b) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int
cli_lb_backends(const char *spec, json_t **list, char *err, size_t errlen)
{
	json_t *a = json_array();
	const char *s = spec;
	int rc;

	*list = NULL;
	if (a == NULL)
		goto nomem;
	for (;;) {
		size_t n = strcspn(s, ",");
		char *e;

		if (n == 0) {
			snprintf(err, errlen, "backends: empty entry in '%s'", spec);
			rc = -EINVAL;
			goto fail;
		}
		if ((e = strndup(s, n)) == NULL)
			goto nomem;
		rc = backend(e, a, err, errlen);
		free(e);
		if (rc < 0)
			goto fail;
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	*list = a;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	rc = -ENOMEM;
fail:
	json_decref(a);
	return rc;
}
