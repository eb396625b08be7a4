/* A port's host interface (ports[].host: tap): the TAP netdev hp-<port>, its addresses and neighbours, and the exception path. */
#ifndef CTL_HOSTIF_H
#define CTL_HOSTIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime.h"
#include "slowpath.h"

#define CTL_HOSTIF_TICK_MS 1000      /* carrier and neighbours follow the port this often */
#define CTL_HOSTIF_READ_BUDGET 256   /* frames read from one TAP a loop turn at most */
#define CTL_HOSTIF_INJECT_RESERVE 64 /* inject ring slots a TAP leaves to the slow path's answers */
#define CTL_HOSTIF_RETRY_MS 1        /* a TAP whose port's inject ring is full is read again after this */

/*
 * For every l3 port with host: tap, create (or re-attach to) the persistent TAP
 * "hp-<port>" (IFF_TAP | IFF_NO_PI, non-blocking), give it through rtnetlink the port's
 * MAC, MTU and every configured address (IPv6 ones without DAD; addresses on it that
 * the config does not hold, IPv6 link-local apart, are removed), set it up, its
 * carrier as the port's link, and watch it in the control thread's loop. A timer
 * (CTL_HOSTIF_TICK_MS, armed only when a port has a host interface) follows the
 * port's link with TUNSETCARRIER and pushes hotpathd's resolved neighbours on those
 * ports to the kernel (RTM_NEWNEIGH: static ones NUD_PERMANENT, the others
 * NUD_REACHABLE with NTF_EXT_LEARNED; RTM_DELNEIGH once hotpathd forgets one).
 * 0, or -errno with the cause logged (no /dev/net/tun, a non-TAP interface by
 * that name...). Control thread, after its loop exists.
 *
 * ctl_hostif_stop (a clean exit) drops persistence and closes: the kernel removes
 * the interface and every route through it. A kill -9 leaves it (persistent, carrier
 * off), and the next start re-attaches to it.
 */
int ctl_hostif_start(struct dp_runtime *rt);
void ctl_hostif_stop(struct dp_runtime *rt);

/*
 * A frame the workers punted LOCAL on port (meta their parse). Before the slow
 * path: true when it is link-local multicast for the host interface (IPv4/IPv6 to a
 * multicast MAC, not an NS/NA hotpathd serves): written there, and the slow path
 * must not see it. ctl_hostif_after: the slow path said v; a frame it could not
 * serve (CTL_UNHANDLED: TCP, UDP, other protocols to us) goes to the host
 * interface and CTL_HANDLED is returned; an ARP reply or NA it learned from
 * (CTL_HANDLED) is copied there, so the kernel's own resolutions complete.
 * Other verdicts and ports without a host interface: v unchanged.
 */
bool ctl_hostif_mcast(unsigned port, const uint8_t *frame, size_t len, const struct dp_meta *meta);
enum ctl_verdict ctl_hostif_after(unsigned port, const uint8_t *frame, size_t len, const struct dp_meta *meta,
				  enum ctl_verdict v);

#endif
