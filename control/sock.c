/* Control socket server: accepts, reads JSON lines, hands each to ctl_cmd_line(), writes the replies. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
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
 * non-blocking, requests are handled one line at a time as they arrive,
 * replies queue in the client's own buffer (written when the socket takes
 * them), and a client that stops reading is dropped once CTL_OUT_MAX of
 * replies wait for it.
 */
struct client {
	struct ctl_watch w;
	struct client *next;
	char *in; /* CTL_LINE_MAX bytes */
	size_t in_len;
	bool discarding; /* skipping the rest of an oversized line */
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
	uint64_t refused; /* peers that were not allowed */
} srv = {.listen = {.fd = -1}};

static void client_close(struct client *c);

static void
client_want(struct client *c, uint32_t events)
{
	if (events != c->events && ctl_watch_mod(&c->w, events) == 0)
		c->events = events;
}

/* Write what the socket takes now; EPOLLOUT while something is left. */
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
	client_want(c, EPOLLIN | EPOLLRDHUP | (c->out_len ? EPOLLOUT : 0));
	return 0;
}

/* Queue one reply line (reply is consumed). */
static int
client_reply(struct client *c, char *reply)
{
	size_t len = strlen(reply);

	if (c->out_len - c->out_off + len + 1 > CTL_OUT_MAX) {
		free(reply);
		DP_LOG(WARNING, "control socket: a client does not read its replies: dropped");
		return -1;
	}
	if (c->out_len + len + 1 > c->out_cap) {
		size_t cap = RTE_MAX(c->out_cap * 2, c->out_len + len + 1 + 4096);
		char *p = realloc(c->out, cap);

		if (p == NULL) {
			free(reply);
			return -1;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, reply, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
	free(reply);
	return 0;
}

/*
 * Complete lines in the input buffer: each is one request. Those read together are
 * one batch (their route changes share a grace period, see ctl_cmd_batch); their
 * replies are sent after it, in order.
 */
static int
client_lines(struct client *c)
{
	size_t start = 0;
	int rc = 0;

	ctl_cmd_batch(srv.rt, true);
	for (size_t i = 0; i < c->in_len && rc == 0; i++) {
		if (c->in[i] != '\n')
			continue;
		if (c->discarding)
			c->discarding = false;
		else if (i > start)
			rc = client_reply(c, ctl_cmd_line(srv.rt, c->in + start, i - start));
		start = i + 1;
	}
	ctl_cmd_batch(srv.rt, false);
	if (rc < 0 || client_flush(c) < 0)
		return -1;
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len == CTL_LINE_MAX) {
		/* no newline in CTL_LINE_MAX bytes: refuse the line, skip to its end */
		c->in_len = 0;
		if (!c->discarding &&
		    (client_reply(c, ctl_cmd_error_line("E2BIG", "request line longer than %d bytes",
							CTL_LINE_MAX)) < 0 ||
		     client_flush(c) < 0))
			return -1;
		c->discarding = true;
	}
	return 0;
}

static void
client_ready(struct ctl_watch *w, uint32_t events)
{
	struct client *c = (struct client *)w;

	if (events & EPOLLOUT && client_flush(c) < 0)
		return client_close(c);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR)) {
		for (;;) {
			ssize_t n = recv(c->w.fd, c->in + c->in_len, CTL_LINE_MAX - c->in_len, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n <= 0)
				return client_close(c); /* peer gone: a half-written line is dropped */
			c->in_len += (size_t)n;
			if (client_lines(c) < 0)
				return client_close(c);
		}
	}
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
	free(c->in);
	free(c->out);
	free(c);
}

/* Root, or the hotpath group as primary or supplementary group of the peer's user. */
static bool
peer_allowed(int fd, char *who, size_t wholen)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

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
	struct passwd *pw = getpwuid(cr.uid);
	if (pw != NULL) {
		gid_t groups[256];
		int n = 256;

		if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) >= 0)
			for (int i = 0; i < n; i++)
				if (groups[i] == srv.gid)
					return true;
	}
	return false;
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

/* mkdir -p of path's directory (0755 for the parents, 0750 for its own). */
static int
make_dir(const char *path)
{
	char d[sizeof(srv.path)];
	char *slash;

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
	if (mkdir(d, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
ctl_sock_start(struct dp_runtime *rt)
{
	const char *path = rt->cfg->control_socket[0] ? rt->cfg->control_socket : CTL_SOCK_DEFAULT;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct group *gr;
	int fd, rc;

	srv.rt = rt;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		DP_LOG(ERR, "control socket %s: path too long (at most %zu bytes)", path,
		       sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(srv.path, sizeof(srv.path), "%s", path);
	if ((rc = make_dir(path)) < 0) {
		DP_LOG(ERR, "control socket %s: directory: %s", path, strerror(-rc));
		return rc;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a socket file with a live daemon behind it is not ours to take */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		DP_LOG(ERR, "control socket %s: another hotpathd serves it", path);
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0660) < 0 || listen(fd, 64) < 0) {
		rc = -errno;
		DP_LOG(ERR, "control socket %s: %s", path, strerror(-rc));
		close(fd);
		unlink(path);
		return rc;
	}
	gr = getgrnam("hotpath");
	if (gr != NULL) {
		srv.gid = gr->gr_gid;
		srv.has_gid = true;
		if (chown(path, (uid_t)-1, gr->gr_gid) < 0)
			DP_LOG(WARNING, "control socket %s: chown to group hotpath: %s", path,
			       strerror(errno));
	}
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
		ctl_unwatch(&srv.listen);
		close(srv.listen.fd);
		unlink(srv.path);
		srv.listen.fd = -1;
	}
}
