/* The control socket: JSON lines over a Unix stream socket, served by the control thread. */
#ifndef CTL_SOCK_H
#define CTL_SOCK_H

#include "runtime.h"

#define CTL_SOCK_DEFAULT "/run/hotpath/hotpath.sock"
#define CTL_LINE_MAX (64 * 1024)   /* longest request line */
#define CTL_CLIENTS_MAX 64         /* connections served at once */
#define CTL_OUT_HIGH (1024 * 1024) /* unread replies above which a client's requests wait */
#define CTL_TURN_REQS 64           /* requests of one client handled per loop turn */
#define CTL_STREAM_SLICE 256       /* items of a long reply (route.show) per request's share of a turn */

/*
 * Listen on cfg->control_socket (CTL_SOCK_DEFAULT when unset; its directory
 * is created, and given group `hotpath` when hotpathd made it or it is the
 * default's): mode 0660, group `hotpath` when that group exists (looked up
 * here, once); peers must be root, or have the group (SO_PEERCRED,
 * SO_PEERGROUPS: no NSS look-up per connection). A stale socket is
 * replaced; one with a live daemon behind it is an error (-EADDRINUSE);
 * anything but a socket at the path is left alone (-EEXIST). Stop unlinks
 * the socket only if it is still the one bound here. 0 or -errno. Control
 * thread.
 */
int ctl_sock_start(struct dp_runtime *rt);
void ctl_sock_stop(struct dp_runtime *rt);

#endif
