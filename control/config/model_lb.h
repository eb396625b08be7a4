/* The running configuration's L4 load balancer: the checks every VIP and backend passes (file or socket) and the operations on cfg->lb. */
#ifndef HP_MODEL_LB_H
#define HP_MODEL_LB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/*
 * Ownership: cfg->lb is a malloc'd array of cfg->n_lb VIPs and each VIP owns its own malloc'd
 * backends array; nothing is shared between two configs. A struct copy of an hp_config shares
 * them: a draft that is changed and freed on its own takes a deep copy first
 * (hp_model_lb_copy). The operations below leave the model unchanged when they refuse, and
 * write why in err without FILE:LINE (the parser puts "FILE:LINE: lb: " in front, a socket
 * handler its own context). Control thread only; no DPDK.
 */

/* ---- checks (the parser's resolve step and the operations run the same ones) ---- */

/*
 * v on its own against cfg's ports: a unicast, not reserved VIP that is not one of our
 * addresses; tcp or udp; gue_port 1..65535 with GUE and 0 with IPIP; known flags; a health
 * check whose fields are in range (port set, timeout_ms <= interval_ms, an http path).
 * Its backends and the other VIPs are not looked at. 0 or -EINVAL.
 */
int hp_model_lb_vip_check(const struct hp_config *cfg, const struct hp_lb_vip *v, char *err, size_t errlen);

/*
 * v against cfg->lb[0..n): -EEXIST when one has the same (vip, proto, port), or the same
 * (vip, proto) where either has port 0 (every port) and so would take the other's packets;
 * the message names the other by its line ("at line N") or, added over the socket, its index.
 */
int hp_model_lb_vip_clash(const struct hp_config *cfg, unsigned n, const struct hp_lb_vip *v, char *err,
			  size_t errlen);

/*
 * Backend b of VIP v: weight in range, not reserved, not the VIP nor one of our addresses,
 * reachable (hp_config_reachable), and of a family v can encapsulate to (an IPv4 VIP to
 * either, an IPv6 VIP to IPv6 only: 6in4 is not offered). 0 or -EINVAL.
 */
int hp_model_lb_backend_check(const struct hp_config *cfg, const struct hp_lb_vip *v,
			      const struct hp_lb_backend *b, char *err, size_t errlen);

/*
 * GUE port in use: a GUE VIP sends to UDP port gue_port of its backends; a UDP VIP of that port
 * with one of the same backends would need the decapsulator and its service on one UDP port of
 * that host. v is checked against itself and cfg->lb[0..n), as either side. -EINVAL with both
 * VIPs named; *v_is_gue (may be NULL) then says whether v was the GUE side. -ENOMEM.
 */
int hp_model_lb_gue_check(const struct hp_config *cfg, unsigned n, const struct hp_lb_vip *v, bool *v_is_gue,
			  char *err, size_t errlen);

/* "192.0.2.10 tcp/80", "2001:db8::10 udp (every port)": how messages name a VIP. */
#define HP_LB_VIP_TEXT 96 /* "ADDR udp (every port)" and room */
const char *hp_model_lb_vip_text(const struct hp_lb_vip *v, char *buf, size_t len);

/* ---- VIPs (key: vip, proto, port; kept in the order they were added) ---- */

/*
 * Append a copy of v and of its backends (the caller keeps v's array), after every check
 * above against cfg and its VIPs, and 1..HP_MAX_LB_BACKENDS distinct backends. 0, -EINVAL,
 * -EEXIST (a VIP that clashes), -ENOSPC (HP_MAX_LB_VIPS), -ENOMEM.
 */
int hp_model_lb_vip_add(struct hp_config *cfg, const struct hp_lb_vip *v, char *err, size_t errlen);

/* Remove VIP idx: *old takes it and its backends array (then the caller's to free); old NULL:
 * freed here. 0 or -ENOENT. */
int hp_model_lb_vip_del(struct hp_config *cfg, unsigned idx, struct hp_lb_vip *old);

/* The index of the VIP of exactly (vip, proto, port), or -1. */
int hp_model_lb_vip_find(const struct hp_config *cfg, const struct hp_addr *vip, uint8_t proto,
			 uint16_t port);

/* ---- backends of VIP vip_idx (key: the address) ---- */

/*
 * Append b (hp_model_lb_backend_check, and the GUE port check with it added). 0, -ENOENT (no
 * VIP vip_idx), -EEXIST (a backend of that address), -EINVAL, -ENOSPC (HP_MAX_LB_BACKENDS),
 * -ENOMEM.
 */
int hp_model_lb_backend_add(struct hp_config *cfg, unsigned vip_idx, const struct hp_lb_backend *b, char *err,
			    size_t errlen);
/* 0, -ENOENT (no such VIP or backend), -EBUSY (the VIP's last backend: a VIP keeps one;
 * delete the VIP, or set the weight to 0 to drain). */
int hp_model_lb_backend_del(struct hp_config *cfg, unsigned vip_idx, const struct hp_addr *ip);
/* Change a backend's weight (0: draining). 0, -ENOENT, -EINVAL (over HP_LB_WEIGHT_MAX). */
int hp_model_lb_backend_set(struct hp_config *cfg, unsigned vip_idx, const struct hp_addr *ip,
			    uint32_t weight);

/* ---- whole copies ---- */

/*
 * draft->lb, n_lb and lb_conf become a deep copy of src's (every VIP's backends copied).
 * draft's own lb is overwritten, not freed: it is usually a struct copy of src that shares
 * src's arrays. 0, or -ENOMEM with draft->lb NULL and n_lb 0.
 */
int hp_model_lb_copy(const struct hp_config *src, struct hp_config *draft);

/* Free cfg->lb and every VIP's backends (hp_config_free calls it); n_lb is then 0. */
void hp_model_lb_free(struct hp_config *cfg);

#endif
