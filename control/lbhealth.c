/* The load balancer's health checker: TCP or HTTP probes on the control thread's loop, rise/fall, one publish a turn. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "ctview.h"
#include "lb.h"
#include "lbhealth.h"
#include "lbhyst.h"
#include "log.h"
#include "loop.h"
#include "tables.h"

/* A checked backend: a VIP's key and the backend's address (its slot and id may change). */
struct lbh_key {
	struct hp_addr vip;
	uint8_t proto;
	uint16_t port;
	struct hp_addr ip;
};

enum lbh_phase {
	LBH_IDLE,
	LBH_CONNECTING,
	LBH_SENDING, /* http: the request */
	LBH_READING, /* http: the status line */
};

struct lbh_be {
	struct lbh_key key;
	struct hp_lb_health hc; /* the VIP's check, as the model has it now */
	struct ctl_lbh_hyst h;
	uint64_t probes, failures, transitions;
	char last[64];       /* what the last probe concluded */
	uint32_t latency_ms; /* how long it took */
	/* the probe */
	struct ctl_watch w; /* fd -1: none in flight */
	uint8_t phase;      /* enum lbh_phase */
	uint64_t due_ms;    /* idle: when the next one starts; in flight: its deadline */
	uint64_t start_ms;
	size_t sent, got;
	char resp[16]; /* the status line's first bytes */
	bool seen;     /* reconcile's mark */
};

static struct {
	struct dp_runtime *rt;
	bool started;
	struct lbh_be **be; /* malloc'd each: their watches must not move */
	unsigned n, cap;
	struct ctl_timer tick;
	uint64_t publishes; /* rt->publishes when the model was last followed */
	bool stale;         /* follow the model at the next tick */
	bool dirty;         /* a backend's state changed since the last publish */
} H;

static bool
addr_eq(const struct hp_addr *a, const struct hp_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, a->family == AF_INET6 ? 16 : 4);
}

static bool
key_eq(const struct lbh_key *a, const struct lbh_key *b)
{
	return a->proto == b->proto && a->port == b->port && addr_eq(&a->vip, &b->vip) &&
	       addr_eq(&a->ip, &b->ip);
}

static struct lbh_be *
find(const struct lbh_key *k)
{
	for (unsigned i = 0; i < H.n; i++)
		if (key_eq(&H.be[i]->key, k))
			return H.be[i];
	return NULL;
}

/* Where in its interval a backend's probes fall: fixed by its key, so that a thousand backends
 * added at once spread over the interval instead of firing together. */
static uint64_t
stagger(const struct lbh_key *k, uint32_t interval_ms)
{
	const unsigned la = k->vip.family == AF_INET6 ? 16 : 4, lb = k->ip.family == AF_INET6 ? 16 : 4;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (unsigned i = 0; i < la; i++)
		h = (h ^ k->vip.addr[i]) * 16777619u;
	for (unsigned i = 0; i < lb; i++)
		h = (h ^ k->ip.addr[i]) * 16777619u;
	h = (h ^ k->proto) * 16777619u;
	h = (h ^ (k->port & 0xff)) * 16777619u;
	h = (h ^ (k->port >> 8)) * 16777619u;
	return interval_ms ? h % interval_ms : 0;
}

/* "192.0.2.10:80/tcp", "[2001:db8::10]:80/tcp", "192.0.2.10/udp" (every port). */
static const char *
vip_text(const struct lbh_key *k, char *buf, size_t len)
{
	char a[HP_ADDR_STRLEN];
	const char *proto = k->proto == IPPROTO_TCP ? "tcp" : "udp";

	hp_addr_format(&k->vip, a, sizeof(a));
	if (k->port == 0)
		snprintf(buf, len, "%s/%s", a, proto);
	else if (k->vip.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u/%s", a, k->port, proto);
	else
		snprintf(buf, len, "%s:%u/%s", a, k->port, proto);
	return buf;
}

static void
probe_close(struct lbh_be *b)
{
	if (b->w.fd >= 0) {
		if (b->phase != LBH_IDLE)
			ctl_unwatch(&b->w);
		close(b->w.fd);
		b->w.fd = -1;
	}
	b->phase = LBH_IDLE;
}

/* The probe in flight is over: its result counted, the next one scheduled. */
static void __attribute__((format(printf, 3, 4))) finish(struct lbh_be *b, bool ok, const char *fmt, ...)
{
	uint64_t now = ctl_now_ms();
	va_list ap;

	probe_close(b);
	va_start(ap, fmt);
	vsnprintf(b->last, sizeof(b->last), fmt, ap);
	va_end(ap);
	b->probes++;
	b->failures += !ok;
	b->latency_ms = (uint32_t)(now - b->start_ms);
	b->due_ms = b->start_ms + b->hc.interval_ms;
	if (b->due_ms < now)
		b->due_ms = now;
	if (ctl_lbh_count(&b->h, ok, b->hc.rise, b->hc.fall)) {
		char v[HP_ADDR_STRLEN + 16], a[HP_ADDR_STRLEN];

		b->transitions++;
		DP_LOG(NOTICE, "lb: VIP %s backend %s health %s (%s)", vip_text(&b->key, v, sizeof(v)),
		       hp_addr_format(&b->key.ip, a, sizeof(a)),
		       dp_lb_health_name((enum dp_lb_health)b->h.state), b->last);
		H.dirty = true;
		ctl_timer_sooner(&H.tick, now); /* published after this turn's events, with the others */
	}
}

static void
send_request(struct lbh_be *b)
{
	char req[sizeof(b->hc.path) + HP_ADDR_STRLEN + 64], a[HP_ADDR_STRLEN];
	int len;
	ssize_t n;

	hp_addr_format(&b->key.ip, a, sizeof(a));
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s%s%s\r\n\r\n", b->hc.path,
		       b->key.ip.family == AF_INET6 ? "[" : "", a, b->key.ip.family == AF_INET6 ? "]" : "");
	n = send(b->w.fd, req + b->sent, (size_t)len - b->sent, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		ctl_watch_mod(&b->w, EPOLLOUT);
		return;
	}
	if (n < 0) {
		finish(b, false, "send: %s", strerror(errno));
		return;
	}
	b->sent += (size_t)n;
	if (b->sent < (size_t)len) {
		ctl_watch_mod(&b->w, EPOLLOUT);
		return;
	}
	b->phase = LBH_READING;
	ctl_watch_mod(&b->w, EPOLLIN);
}

static void
connected(struct lbh_be *b)
{
	if (b->hc.check == HP_LB_CHECK_TCP) {
		finish(b, true, "connected");
		return;
	}
	b->phase = LBH_SENDING;
	send_request(b);
}

static void
read_status(struct lbh_be *b)
{
	ssize_t n = recv(b->w.fd, b->resp + b->got, sizeof(b->resp) - b->got, 0);
	unsigned code;
	int r;

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n < 0) {
		finish(b, false, "recv: %s", strerror(errno));
		return;
	}
	b->got += (size_t)n;
	r = ctl_lbh_http_status(b->resp, b->got, &code);
	if (r == 1)
		finish(b, true, "HTTP %u", code);
	else if (r == 0 && code != 0)
		finish(b, false, "HTTP %u", code);
	else if (r == 0)
		finish(b, false, "no HTTP status line");
	else if (n == 0 || b->got == sizeof(b->resp))
		finish(b, false, "closed before a status line");
}

static void
ready(struct ctl_watch *w, uint32_t events)
{
	struct lbh_be *b = (struct lbh_be *)((char *)w - offsetof(struct lbh_be, w));
	int err = 0;
	socklen_t len = sizeof(err);

	(void)events;
	switch (b->phase) {
	case LBH_CONNECTING:
		if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err == EINPROGRESS)
			return;
		if (err != 0)
			finish(b, false, "connect: %s", strerror(err));
		else
			connected(b);
		return;
	case LBH_SENDING:
		send_request(b);
		return;
	case LBH_READING:
		read_status(b);
		return;
	default:
		return;
	}
}

static void
probe_start(struct lbh_be *b, uint64_t now)
{
	const struct linger rst = {.l_onoff = 1, .l_linger = 0}; /* no TIME_WAIT left per probe */
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	int fd, rc;

	b->start_ms = now;
	b->due_ms = now + b->hc.timeout_ms;
	b->sent = b->got = 0;
	if (b->key.ip.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(b->hc.port);
		memcpy(&s6->sin6_addr, b->key.ip.addr, 16);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(b->hc.port);
		memcpy(&s4->sin_addr, b->key.ip.addr, 4);
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		/* ours, not the backend's: not counted, tried again next interval */
		snprintf(b->last, sizeof(b->last), "socket: %s", strerror(errno));
		b->due_ms = now + b->hc.interval_ms;
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	b->w.fd = fd;
	b->phase = LBH_CONNECTING;
	rc = connect(fd, (struct sockaddr *)&ss, sl);
	if (rc < 0 && errno != EINPROGRESS) {
		b->phase = LBH_IDLE; /* not watched yet */
		finish(b, false, "connect: %s", strerror(errno));
		return;
	}
	/* connected at once or not: EPOLLOUT says so on the next turn (SO_ERROR then tells) */
	if ((rc = ctl_watch(&b->w, EPOLLOUT)) < 0) {
		b->phase = LBH_IDLE;
		probe_close(b);
		snprintf(b->last, sizeof(b->last), "epoll: %s", strerror(-rc));
		b->due_ms = now + b->hc.interval_ms;
	}
}

/* ---- following the model ---- */

static void
forget(unsigned i)
{
	probe_close(H.be[i]);
	free(H.be[i]);
	H.be[i] = H.be[--H.n];
}

static int
add(const struct lbh_key *k, const struct hp_lb_health *hc, uint64_t now)
{
	struct lbh_be *b;

	if (H.n == H.cap) {
		unsigned cap = H.cap ? 2 * H.cap : 64;
		struct lbh_be **p = realloc(H.be, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		H.be = p, H.cap = cap;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -ENOMEM;
	b->key = *k;
	b->hc = *hc;
	b->w.fd = -1;
	b->w.ready = ready;
	b->due_ms = now + stagger(k, hc->interval_ms);
	snprintf(b->last, sizeof(b->last), "none yet");
	b->seen = true;
	H.be[H.n++] = b;
	return 0;
}

/* Backends of checked VIPs in rt->cfg: new ones added, vanished ones forgotten, checks updated. */
static void
reconcile(void)
{
	const struct hp_config *cfg = H.rt->cfg;
	uint64_t now = ctl_now_ms();
	bool nomem = false;

	H.publishes = H.rt->publishes;
	H.stale = false;
	for (unsigned i = 0; i < H.n; i++)
		H.be[i]->seen = false;
	for (unsigned v = 0; v < cfg->n_lb; v++) {
		const struct hp_lb_vip *vc = &cfg->lb[v];

		if (vc->health.check == HP_LB_CHECK_NONE)
			continue;
		for (unsigned s = 0; s < vc->n_backends; s++) {
			struct lbh_key k = {.vip = vc->vip,
					    .proto = vc->proto,
					    .port = vc->port,
					    .ip = vc->backends[s].ip};
			struct lbh_be *b = find(&k);

			if (b != NULL) {
				b->seen = true;
				b->hc = vc->health; /* a probe in flight finishes under the old timeout */
			} else if (add(&k, &vc->health, now) < 0) {
				nomem = true;
			}
		}
	}
	for (unsigned i = 0; i < H.n;)
		if (!H.be[i]->seen)
			forget(i);
		else
			i++;
	if (nomem) {
		DP_LOG(WARNING, "lb health: out of memory: some backends are not checked (retried)");
		H.stale = true;
	}
	H.dirty = true; /* a VIP that lost its check has its backends' health reset there */
}

/*
 * Count (and, with out, make) the differences between what the checker holds and lb's health
 * states: its backends' state, and unknown for the backends of VIPs without a check.
 */
static unsigned
apply(const struct dp_lb *lb, struct dp_lb *out)
{
	const struct hp_config *cfg = H.rt->cfg;
	unsigned n = 0;

	for (unsigned i = 0; i < H.n; i++) {
		const struct lbh_be *b = H.be[i];
		int v = dp_lb_vip_find(lb, &b->key.vip, b->key.proto, b->key.port);
		int s = v < 0 ? -1 : dp_lb_backend_find(lb, (unsigned)v, &b->key.ip);

		if (s < 0 || dp_lb_get_health(lb, (unsigned)v, (unsigned)s) == b->h.state)
			continue;
		n++;
		if (out != NULL)
			dp_lb_set_health(out, (unsigned)v, (unsigned)s, (enum dp_lb_health)b->h.state);
	}
	for (unsigned c = 0; c < cfg->n_lb; c++) {
		const struct hp_lb_vip *vc = &cfg->lb[c];
		int v;

		if (vc->health.check != HP_LB_CHECK_NONE ||
		    (v = dp_lb_vip_find(lb, &vc->vip, vc->proto, vc->port)) < 0)
			continue;
		for (unsigned k = 0; k < vc->n_backends; k++) {
			int s = dp_lb_backend_find(lb, (unsigned)v, &vc->backends[k].ip);

			if (s < 0 || dp_lb_get_health(lb, (unsigned)v, (unsigned)s) == DP_LB_HEALTH_UNKNOWN)
				continue;
			n++;
			if (out != NULL)
				dp_lb_set_health(out, (unsigned)v, (unsigned)s, DP_LB_HEALTH_UNKNOWN);
		}
	}
	return n;
}

/* The turn's changes in one new table set, built from the running model as lb.backend.set does. */
static void
flush(void)
{
	struct dp_runtime *rt = H.rt;
	struct dp_tables *t, *old;
	char err[HP_ERR_MAX];
	unsigned n;

	H.dirty = false;
	if (rt->tables == NULL || rt->tables->lb == NULL || apply(rt->tables->lb, NULL) == 0)
		return;
	if (dp_tables_build_acl(rt, rt->cfg, &t, err, sizeof(err)) < 0) {
		DP_LOG(WARNING, "lb health: no new table set: %s (tried again at the next probe)", err);
		H.dirty = true;
		return;
	}
	n = apply(t->lb, t->lb);
	old = dp_tables_publish(rt, t, rt->cfg);
	ctl_nat_retire(rt, old);
	dp_tables_retire(rt, old);
	H.publishes = rt->publishes;
	DP_LOG(DEBUG, "lb health: %u backend states published", n);
}

static void
tick(struct ctl_timer *t)
{
	uint64_t now = ctl_now_ms(), next = UINT64_MAX;

	(void)t;
	if (H.stale || H.rt->publishes != H.publishes)
		reconcile();
	for (unsigned i = 0; i < H.n; i++) {
		struct lbh_be *b = H.be[i];

		if (b->phase != LBH_IDLE && now >= b->due_ms)
			finish(b, false, "timeout (%u ms)", b->hc.timeout_ms);
		if (b->phase == LBH_IDLE && now >= b->due_ms)
			probe_start(b, now);
		if (b->due_ms < next)
			next = b->due_ms;
	}
	if (H.dirty)
		flush();
	if ((H.stale || H.dirty) && next > now + CTL_LBH_RETRY_MS)
		next = now + CTL_LBH_RETRY_MS; /* out of memory: tried again, not in a spin */
	if (next != UINT64_MAX)
		ctl_timer_arm(&H.tick, next < now + CTL_LBH_TICK_MIN_MS ? now + CTL_LBH_TICK_MIN_MS : next);
}

int
ctl_lbhealth_start(struct dp_runtime *rt)
{
	memset(&H, 0, sizeof(H));
	H.rt = rt;
	H.tick.fire = tick;
	H.started = true;
	H.stale = true;
	ctl_timer_arm(&H.tick, ctl_now_ms());
	return 0;
}

void
ctl_lbhealth_stop(struct dp_runtime *rt)
{
	(void)rt;
	if (!H.started)
		return;
	ctl_timer_cancel(&H.tick);
	while (H.n > 0)
		forget(H.n - 1);
	free(H.be);
	memset(&H, 0, sizeof(H));
}

void
ctl_lbhealth_sync(struct dp_runtime *rt)
{
	if (H.started && H.rt == rt && rt->publishes != H.publishes)
		ctl_timer_sooner(&H.tick, ctl_now_ms());
}

void
ctl_lbhealth_json_merge(json_t *lb)
{
	const json_t *v, *be;
	size_t i, j;

	if (!H.started || H.n == 0)
		return;
	json_array_foreach(json_object_get(lb, "vips"), i, v) {
		struct lbh_key k = {0};
		const char *proto = json_string_value(json_object_get(v, "proto"));

		if (hp_parse_addr(json_string_value(json_object_get(v, "vip")) ?: "", 0, &k.vip) < 0 ||
		    proto == NULL)
			continue;
		k.proto = strcmp(proto, "tcp") ? IPPROTO_UDP : IPPROTO_TCP;
		k.port = (uint16_t)json_integer_value(json_object_get(v, "port"));
		json_array_foreach(json_object_get(v, "backends"), j, be) {
			const struct lbh_be *b;

			if (hp_parse_addr(json_string_value(json_object_get(be, "ip")) ?: "", 0, &k.ip) < 0 ||
			    (b = find(&k)) == NULL)
				continue;
			json_object_set_new((json_t *)be, "check",
					    json_pack("{s:s, s:I, s:I, s:I, s:s, s:I}", "type",
						      b->hc.check == HP_LB_CHECK_HTTP ? "http" : "tcp",
						      "probes", (json_int_t)b->probes, "failures",
						      (json_int_t)b->failures, "transitions",
						      (json_int_t)b->transitions, "last", b->last,
						      "latency_ms", (json_int_t)b->latency_ms));
		}
	}
}
