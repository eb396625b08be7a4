/* The load balancer's values on hpctl's command line: VIP[:PORT]/PROTO and IP[@WEIGHT] lists -> JSON. Pure. */
#ifndef CTL_HPCTL_LB_H
#define CTL_HPCTL_LB_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define CLI_LB_WEIGHT_MAX 65535 /* lib/conf.h's HP_LB_WEIGHT_MAX */

/* An IPv4 or IPv6 address as the config file writes one (no brackets, no length). */
bool cli_lb_addr(const char *s);

/* A number as the config file writes one (decimal, no sign, no leading zero) from min to max. */
bool cli_lb_number(const char *s, unsigned long min, unsigned long max, unsigned long *v);

/*
 * A VIP: 192.0.2.10:80/tcp, 192.0.2.10/udp (every port), [2001:db8::10]:443/tcp or
 * 2001:db8::10/tcp. Sets "vip", "proto" and, when a port is given, "port" in args.
 * 0, or -EINVAL with err saying what is wrong (address, port, proto), or -ENOMEM.
 */
int cli_lb_vip(const char *spec, json_t *args, char *err, size_t errlen);

/*
 * A backend list, IP[@WEIGHT][,IP[@WEIGHT]...]: *list is a new array of {"ip"[, "weight"]}
 * ("weight" only where @WEIGHT was written: the daemon's default applies). 0, or -EINVAL
 * with err naming the entry, or -ENOMEM; *list is NULL on error.
 */
int cli_lb_backends(const char *spec, json_t **list, char *err, size_t errlen);

#endif
