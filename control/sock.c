/* Control socket server: accepts, reads JSON lines, hands each to ctl_cmd_line(), writes the replies. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cmd.h"
#include "log.h"
#include "loop.h"
#include "sock.h"

/*
 * A client never stalls the others or the data path: sockets are
 * non-blocking; each loop turn a client gets one read and at most
 * CTL_TURN_REQS of its requests handled, and one with more waiting asks the
 * loop for another turn (ctl_watch_again) behind everyone else's events.
 * Replies queue in the client's own buffer and go out as the socket takes
 * them (EPOLLOUT); a reply of any size is kept whole. While more than
 * CTL_OUT_HIGH of replies wait, the client's requests wait too (no read, no
 * handling): a client that does not read its replies only stalls itself.
 */
struct client {
	struct ctl_watch w;
	struct client *next;
	char *in; /* CTL_LINE_MAX bytes */
	size_t in_len;
	size_t scanned;            /* in[0..scanned) holds no newline */
	bool discarding;           /* skipping the rest of an oversized line */
	bool eof;                  /* the peer sent all it will: answer what came, then close */
	struct ctl_stream *stream; /* a reply being written a slice per turn (its requests wait) */
	bool stream_first;
	char *out;
	size_t out_len, out_off, out_cap;
	uint32_t events;
};

static struct {
	struct dp_runtime *rt;
	struct ctl_watch listen;
	struct client *clients;
	unsigned n_clients;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	gid_t gid;
	bool has_gid;
	dev_t dev; /* the socket file bind made: the one unlinked at stop */
	ino_t ino;
	uint64_t refused; /* peers that were not allowed */
} srv = {.listen = {.fd = -1}};

static void client_close(struct client *c);

static size_t
out_waiting(const struct client *c)
{
	return c->out_len - c->out_off;
}

/* A complete line waits in the input buffer. */
static bool
has_line(struct client *c)
{
	if (c->scanned < c->in_len && memchr(c->in + c->scanned, '\n', c->in_len - c->scanned) != NULL)
		return true;
	c->scanned = c->in_len;
	return false;
}

/* What to wait for: replies to write; requests while the replies are few. */
static void
client_want(struct client *c)
{
	uint32_t events = out_waiting(c) ? EPOLLOUT : 0;

	if (!c->eof && out_waiting(c) <= CTL_OUT_HIGH && c->in_len < CTL_LINE_MAX)
		events |= EPOLLIN | EPOLLRDHUP;
	if (events != c->events && ctl_watch_mod(&c->w, events) == 0)
		c->events = events;
}

/* Write what the socket takes now (-1: the peer is gone). */
static int
client_flush(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->w.fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	else if (c->out_off > c->out_cap / 2) {
		/* keep the unsent part at the front: the buffer does not grow with what was sent */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	return 0;
}

/* Queue len bytes of a reply, and a newline when it ends there. */
static int
client_put(struct client *c, const char *data, size_t len, bool newline)
{
	if (c->out_len + len + 1 > c->out_cap) {
		size_t cap = RTE_MAX(c->out_cap * 2, c->out_len + len + 1 + 4096);
		char *p = realloc(c->out, cap);

		if (p == NULL) {
			DP_LOG(WARNING, "control socket: no memory for a %zu-byte reply: client dropped",
			       len);
			return -1;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	if (newline)
		c->out[c->out_len++] = '\n';
	return 0;
}

/* Queue one reply line (reply is consumed). */
static int
client_reply(struct client *c, char *reply)
{
	int rc = client_put(c, reply, strlen(reply), true);

	free(reply);
	return rc;
}

/* The next slice of the reply being streamed; its tail and newline after the last. */
static int
client_stream(struct client *c)
{
	bool done;
	char *part = ctl_cmd_stream_next(c->stream, CTL_STREAM_SLICE, c->stream_first, &done);
	int rc;

	if (part == NULL) {
		/* half a reply is out: the connection cannot carry another */
		c->stream = NULL;
		DP_LOG(WARNING, "control socket: no memory for a streamed reply: client dropped");
		return -1;
	}
	c->stream_first = false;
	rc = client_put(c, part, strlen(part), false);
	free(part);
	if (done) {
		c->stream = NULL;
		if (rc == 0)
			rc = client_put(c, CTL_STREAM_TAIL, strlen(CTL_STREAM_TAIL), true);
	}
	return rc;
}

/* A request to handle, or a reply to go on with, waits. */
static bool
has_work(struct client *c)
{
	return c->stream != NULL || has_line(c);
}

/*
 * This turn's share of the complete lines in the input buffer: at most
 * CTL_TURN_REQS, and none while too many replies wait. Those handled together
 * are one batch (their route changes share a grace period, see ctl_cmd_batch);
 * their replies are queued after it, in order.
 */
static int
client_lines(struct client *c)
{
	size_t start = 0;
	unsigned handled = 0;
	int rc = 0;

	ctl_cmd_batch(srv.rt, true);
	while (rc == 0 && handled < CTL_TURN_REQS && out_waiting(c) <= CTL_OUT_HIGH) {
		char *nl;
		size_t i;

		if (c->stream != NULL) {
			rc = client_stream(c); /* a slice counts as a request */
			handled++;
			continue;
		}
		if ((nl = memchr(c->in + start, '\n', c->in_len - start)) == NULL)
			break;
		i = (size_t)(nl - c->in);
		if (c->discarding) {
			c->discarding = false;
		} else if (i > start) {
			char *reply = ctl_cmd_line_stream(srv.rt, c->in + start, i - start, &c->stream);

			c->stream_first = true;
			if (c->stream != NULL) {
				rc = client_put(c, reply, strlen(reply), false); /* the head: items follow */
				free(reply);
			} else {
				rc = client_reply(c, reply);
			}
			handled++;
		}
		start = i + 1;
	}
	ctl_cmd_batch(srv.rt, false);
	if (rc < 0)
		return -1;
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	c->scanned = 0;
	if (c->in_len == CTL_LINE_MAX && !has_line(c)) {
		/* no newline in CTL_LINE_MAX bytes: refuse the line, skip to its end */
		c->in_len = c->scanned = 0;
		if (!c->discarding &&
		    client_reply(c, ctl_cmd_error_line("E2BIG", "request line longer than %d bytes",
						       CTL_LINE_MAX)) < 0)
			return -1;
		c->discarding = true;
	}
	return 0;
}

/* One read at most: what fits the input buffer. 0, or -1 when the peer is gone. */
static int
client_read(struct client *c)
{
	ssize_t n;

	do
		n = recv(c->w.fd, c->in + c->in_len, CTL_LINE_MAX - c->in_len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (n == 0)
		c->eof = true; /* a half-written last line is dropped with the connection */
	c->in_len += (size_t)n;
	return 0;
}

static void
client_ready(struct ctl_watch *w, uint32_t events)
{
	struct client *c = (struct client *)w;

	if (events & EPOLLERR)
		return client_close(c);
	if (out_waiting(c) && client_flush(c) < 0)
		return client_close(c);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP) && !c->eof && c->in_len < CTL_LINE_MAX &&
	    out_waiting(c) <= CTL_OUT_HIGH && client_read(c) < 0)
		return client_close(c);
	if (client_lines(c) < 0 || client_flush(c) < 0)
		return client_close(c);
	if (has_work(c)) {
		/* more requests wait: after the others' turn, or once the replies drain */
		if (out_waiting(c) <= CTL_OUT_HIGH)
			ctl_watch_again(&c->w);
	} else if (c->eof && !out_waiting(c)) {
		return client_close(c);
	} else if (c->eof && events & EPOLLHUP) {
		return client_close(c); /* nobody left to read the replies */
	}
	client_want(c);
}

static void
client_close(struct client *c)
{
	struct client **pp = &srv.clients;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	srv.n_clients--;
	ctl_unwatch(&c->w);
	close(c->w.fd);
	if (c->stream != NULL)
		c->stream->free(c->stream);
	free(c->in);
	free(c->out);
	free(c);
}

/*
 * Root, or the hotpath group as the peer's group or one of its supplementary
 * groups. Both come from the socket (SO_PEERCRED, SO_PEERGROUPS: the
 * credentials the peer connected with), so no NSS look-up (getpwuid,
 * getgrouplist: files, LDAP, sssd...) ever runs on the control thread per
 * connection: the group's id is resolved once, at start. A process's groups
 * are what counts, as for a file: a user just added to the group needs a new
 * login (or `sg hotpath`), as for any group permission.
 */
static bool
peer_allowed(int fd, char *who, size_t wholen)
{
	gid_t some[64], *groups = some;
	socklen_t glen = sizeof(some);
	struct ucred cr;
	socklen_t len = sizeof(cr);
	bool ok = false;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		snprintf(who, wholen, "unknown peer (%s)", strerror(errno));
		return false;
	}
	snprintf(who, wholen, "uid %u gid %u pid %d", (unsigned)cr.uid, (unsigned)cr.gid, (int)cr.pid);
	if (cr.uid == 0)
		return true;
	if (!srv.has_gid)
		return false;
	if (cr.gid == srv.gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) < 0) {
		/* more than 64 groups: glen says how many bytes they take */
		if (errno != ERANGE || (groups = malloc(glen)) == NULL ||
		    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) < 0) {
			DP_LOG(WARNING, "control socket: SO_PEERGROUPS of %s: %s", who, strerror(errno));
			if (groups != some)
				free(groups);
			return false;
		}
	}
	for (size_t i = 0; i < glen / sizeof(gid_t) && !ok; i++)
		ok = groups[i] == srv.gid;
	if (groups != some)
		free(groups);
	return ok;
}

static void
listen_ready(struct ctl_watch *w, uint32_t events)
{
	(void)events;
	for (;;) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *c;
		char who[96];

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				DP_LOG(WARNING, "control socket: accept: %s", strerror(errno));
			if (errno == EINTR)
				continue;
			return;
		}
		if (!peer_allowed(fd, who, sizeof(who))) {
			char *r = ctl_cmd_error_line("EACCES", "not allowed: root or group hotpath only (%s)",
						     who);

			/* best effort: the socket is fresh, one short line fits its buffer */
			if (send(fd, r, strlen(r), MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
				(void)send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			free(r);
			close(fd);
			srv.refused++;
			DP_LOG(WARNING, "control socket: refused %s", who);
			continue;
		}
		if (srv.n_clients == CTL_CLIENTS_MAX) {
			char *r = ctl_cmd_error_line("EBUSY", "too many control connections (%d)",
						     CTL_CLIENTS_MAX);

			if (send(fd, r, strlen(r), MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
				(void)send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			free(r);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c != NULL)
			c->in = malloc(CTL_LINE_MAX);
		if (c == NULL || c->in == NULL) {
			free(c);
			close(fd);
			continue;
		}
		c->w.fd = fd;
		c->w.ready = client_ready;
		c->w.again = false;
		c->events = EPOLLIN | EPOLLRDHUP;
		if (ctl_watch(&c->w, c->events) < 0) {
			free(c->in);
			free(c);
			close(fd);
			continue;
		}
		c->next = srv.clients;
		srv.clients = c;
		srv.n_clients++;
	}
}

/*
 * mkdir -p of path's directory (0755 for the parents, 0750 for its own).
 * The socket's own directory is given to group hotpath (gid >= 0) when
 * hotpathd made it, or when it is the default's (/run/hotpath, which
 * systemd's RuntimeDirectory= makes root:root 0750): without that, the
 * group could not reach the socket. A directory the operator made is left
 * as it is.
 */
static int
make_dir(const char *path, long gid)
{
	char d[sizeof(srv.path)];
	char *slash;
	bool made = false;

	snprintf(d, sizeof(d), "%s", path);
	slash = strrchr(d, '/');
	if (slash == NULL || slash == d)
		return 0;
	*slash = '\0';
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(d, 0750) == 0)
		made = true;
	else if (errno != EEXIST)
		return -errno;
	if (gid >= 0 && (made || strcmp(path, CTL_SOCK_DEFAULT) == 0)) {
		struct stat st;

		/* group hotpath may enter (x) and list (r), not write: 0750 */
		if (lstat(d, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
		    (chown(d, (uid_t)-1, (gid_t)gid) < 0 || chmod(d, 0750) < 0))
			DP_LOG(WARNING, "control socket directory %s: group hotpath: %s", d, strerror(errno));
	}
	return 0;
}

/*
 * The socket file left at path by an earlier run: a daemon that answers on
 * it keeps it (-EADDRINUSE); a socket nobody listens on is removed; anything
 * else (a file, a FIFO, a directory, a link) is not ours to remove (-EEXIST).
 */
static int
clear_stale(const struct sockaddr_un *sa, const char *path)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		DP_LOG(ERR,
		       "control socket %s: the path exists and is not a socket: left alone (remove it, or "
		       "choose another control.socket)",
		       path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* EAGAIN: a listener whose backlog is full is alive all the same */
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 || errno == EAGAIN ? -EADDRINUSE : 0;
	close(fd);
	if (rc < 0) {
		DP_LOG(ERR, "control socket %s: another hotpathd serves it: not starting a second", path);
		return rc;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	DP_LOG(NOTICE, "control socket %s: removed a stale socket (nobody listened on it)", path);
	return 0;
}

int
ctl_sock_start(struct dp_runtime *rt)
{
	const char *path = rt->cfg->control_socket[0] ? rt->cfg->control_socket : CTL_SOCK_DEFAULT;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct group *gr;
	struct stat st;
	int fd, rc;

	srv.rt = rt;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		DP_LOG(ERR, "control socket %s: path too long (at most %zu bytes)", path,
		       sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(srv.path, sizeof(srv.path), "%s", path);
	/* the one NSS look-up: peers are checked against this gid (peer_allowed) */
	gr = getgrnam("hotpath");
	srv.has_gid = gr != NULL;
	if (gr != NULL)
		srv.gid = gr->gr_gid;
	if ((rc = make_dir(path, srv.has_gid ? (long)srv.gid : -1)) < 0) {
		DP_LOG(ERR, "control socket %s: directory: %s", path, strerror(-rc));
		return rc;
	}
	if ((rc = clear_stale(&sa, path)) < 0) {
		if (rc != -EADDRINUSE && rc != -EEXIST)
			DP_LOG(ERR, "control socket %s: %s", path, strerror(-rc));
		return rc;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0660) < 0 || listen(fd, 64) < 0) {
		rc = -errno;
		DP_LOG(ERR, "control socket %s: %s", path, strerror(-rc));
		close(fd);
		if (rc != -EADDRINUSE)
			unlink(path); /* ours: bind made it */
		return rc;
	}
	if (lstat(path, &st) == 0) {
		srv.dev = st.st_dev;
		srv.ino = st.st_ino;
	}
	if (srv.has_gid && chown(path, (uid_t)-1, srv.gid) < 0)
		DP_LOG(WARNING, "control socket %s: chown to group hotpath: %s", path, strerror(errno));
	srv.listen.fd = fd;
	srv.listen.ready = listen_ready;
	if ((rc = ctl_watch(&srv.listen, EPOLLIN)) < 0) {
		close(fd);
		unlink(path);
		srv.listen.fd = -1;
		return rc;
	}
	DP_LOG(INFO, "control socket %s", path);
	return 0;
}

void
ctl_sock_stop(struct dp_runtime *rt)
{
	(void)rt;
	while (srv.clients != NULL)
		client_close(srv.clients);
	if (srv.listen.fd >= 0) {
		struct stat st;

		ctl_unwatch(&srv.listen);
		close(srv.listen.fd);
		/* ours only: a file put in its place meanwhile is not */
		if (lstat(srv.path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == srv.dev &&
		    st.st_ino == srv.ino)
			unlink(srv.path);
		srv.listen.fd = -1;
	}
}
