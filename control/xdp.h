/* The XDP loader (control thread): hotpath's program on every interface it serves,
 * the maps it owns, live block/pass changes and the per-CPU counters. */
#ifndef CTL_XDP_H
#define CTL_XDP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config.h"

/*
 * Before the ports open (main lcore, after rte_eal_init). Every interface hotpath
 * will put its program on (cfg's xdp: entries, and each net_af_xdp port's iface)
 * is checked: a foreign XDP program, or one a live hotpathd owns, is an error
 * (never clobbered); a stale hotpath program whose owner is gone is detached.
 * Each net_af_xdp port's device string gains xdp_prog= naming hotpath's program
 * (the PMD loads and attaches it and binds its sockets into its xsks_map):
 * devargs[i] is that string, or NULL where the port's own device is used.
 * 0, or -errno with a message in err.
 */
int ctl_xdp_prepare(const struct hp_config *cfg, const char *devargs[HP_MAX_PORTS], char *err, size_t errlen);

/*
 * After the ports started: attach the program to the interfaces no port owns
 * (shield-only: XDP_PASS where the queue has no socket), find the maps of the
 * programs net_af_xdp attached, and fill every program's maps from cfg.
 * 0, or -errno with a message in err (what was attached is detached by ctl_xdp_stop).
 */
int ctl_xdp_start(const struct hp_config *cfg, char *err, size_t errlen);

/* Detach what ctl_xdp_start attached and close the maps; net_af_xdp ports detach
 * their program when they close. Safe to call twice or without a start. */
void ctl_xdp_stop(void);

/* Whether any interface is served (the xdp objects in stats, metrics, dump). */
bool ctl_xdp_active(void);

/* xdp.show: interfaces with mode, program id, pass classes, block counts and
 * counters by reason. A new reference. */
json_t *ctl_xdp_show(void);

/* Counters only: { iface: { reason: { packets, bytes } } }. A new reference. */
json_t *ctl_xdp_counters(void);

/* The block prefixes of iface (NULL: the first interface) as strings. NULL if no such iface. */
json_t *ctl_xdp_blocks(const char *iface);

/*
 * Live changes on iface, or on every interface when iface is NULL; the program
 * sees them on its next packet. 0, -ENOENT (no such interface, or a del of
 * what is not there), -EEXIST (an add of what is there), -ENOSPC, or -errno
 * from the kernel; err says which interface and what.
 */
int ctl_xdp_block(bool add, const struct hp_prefix *p, const char *iface, char *err, size_t errlen);
int ctl_xdp_pass(bool add, const struct hp_xdp_class *c, const char *iface, char *err, size_t errlen);

/*
 * config.apply: nc's xdp entries must name the same interfaces as the running
 * ones (in any order) with the same modes: -EINVAL with a message otherwise
 * (checked by ctl_xdp_check first, nothing changed). ctl_xdp_replace then makes
 * every interface's block and pass sets nc's.
 */
int ctl_xdp_check(const struct hp_config *nc, char *err, size_t errlen);
int ctl_xdp_replace(const struct hp_config *nc, char *err, size_t errlen);

/*
 * Every interface the program runs on gets an xdp entry in cfg (the model),
 * empty where it has none (a net_af_xdp port's interface): block and pass
 * changes are kept there, and config dump writes them. 0 or -ENOSPC.
 */
int ctl_xdp_entries(struct hp_config *cfg);

#endif
