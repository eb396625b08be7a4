/* The control thread's view of each port: its addresses for the slow path, and its way out through a worker. */
#ifndef CTL_IFACE_H
#define CTL_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime.h"
#include "tables.h"
#include "worker_state.h"
#include "slowpath.h"

struct rte_mbuf;
struct rte_ring;

/*
 * Fill each port's slow-path interface (MAC, addresses, link-local) and pick
 * the worker that transmits the control thread's packets on it (the first
 * with a TX queue there). Control thread, before anything below.
 */
void ctl_iface_setup(struct dp_runtime *rt);

/* Port's interface as the slow path sees it. */
const struct ctl_iface *ctl_iface_of(unsigned port);

/*
 * Hand m (its meta's out_port is set to port) to the worker that owns a TX
 * queue on port. m is consumed either way; false (and inject_full counted)
 * when no worker sends on port or its inject ring is full.
 */
bool ctl_iface_inject(unsigned port, struct rte_mbuf *m);

/* Room left in the inject ring of the worker that sends on port (0: none sends there). */
unsigned ctl_iface_room(unsigned port);

/* Copy frame into an mbuf of port's pool and inject it; counts what was sent (ARP reply, NA, echo...). */
void ctl_iface_send(unsigned port, const uint8_t *frame, size_t len);

/* Free every packet r holds (the punt ring, an inject ring). */
void ctl_ring_free_all(struct rte_ring *r);

#endif
