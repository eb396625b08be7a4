/* hpctl: the control socket's command-line client. One request per line out, one reply line in, printed. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "hpctl_args.h"

#define HPCTL_SOCK_DEFAULT "/run/hotpath/hotpath.sock"
#define HPCTL_TIMEOUT_MS 10000     /* for a reply; $HPCTL_TIMEOUT_MS overrides (tests) */
#define HPCTL_REPLY_MAX (1u << 30) /* a reply larger than this is a broken server (2 M routes take ~200 MB) */
#define HPCTL_CLEAR "\033[H\033[2J"

enum {
	EXIT_REFUSED = 1,
	EXIT_USAGE = 2
};

/* One connection to the daemon and the bytes read from it but not yet consumed. */
struct conn {
	const char *path;
	int fd;
	int sigfd; /* SIGINT under --watch, else -1 */
	unsigned timeout_ms;
	char *buf;
	size_t len, cap;
};

/* Outcome of one request. */
enum rt {
	RT_OK,
	RT_FAIL,
	RT_INTR
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static unsigned
timeout_ms(void)
{
	const char *s = getenv("HPCTL_TIMEOUT_MS");
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return HPCTL_TIMEOUT_MS;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 3600000)
		return HPCTL_TIMEOUT_MS;
	return (unsigned)v;
}

static int
conn_open(struct conn *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = c->timeout_ms / 1000,
			     .tv_usec = (suseconds_t)(c->timeout_ms % 1000) * 1000};

	if (strlen(c->path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, c->path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	/* a daemon that stops reading must not hang us in connect() or send() either */
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(c->fd);
		c->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

static enum rt
send_line(struct conn *c, const json_t *req)
{
	char *line = json_dumps(req, JSON_COMPACT);
	size_t len, off = 0;
	enum rt rt = RT_OK;

	if (line == NULL) {
		fprintf(stderr, "hpctl: out of memory\n");
		return RT_FAIL;
	}
	len = strlen(line);
	line[len++] = '\n'; /* replaces the NUL: the line is sent by length */
	while (off < len) {
		ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "hpctl: %s: send: %s\n", c->path, strerror(errno));
			rt = RT_FAIL;
			break;
		}
		off += (size_t)n;
	}
	free(line);
	return rt;
}

/* One reply line (without its newline) into *line / *len, or RT_FAIL / RT_INTR. */
static enum rt
recv_line(struct conn *c, char **line, size_t *len)
{
	uint64_t deadline = now_ms() + c->timeout_ms;
	char *nl;

	/* c->buf is NULL until the first read */
	while ((nl = c->len ? memchr(c->buf, '\n', c->len) : NULL) == NULL) {
		struct pollfd pfd[2] = {{.fd = c->fd, .events = POLLIN}, {.fd = c->sigfd, .events = POLLIN}};
		uint64_t now = now_ms();
		ssize_t n;
		int rc;

		if (now >= deadline) {
			fprintf(stderr, "hpctl: no reply from %s within %u ms\n", c->path, c->timeout_ms);
			return RT_FAIL;
		}
		rc = poll(pfd, c->sigfd >= 0 ? 2 : 1, (int)(deadline - now));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			fprintf(stderr, "hpctl: poll: %s\n", strerror(errno));
			return RT_FAIL;
		}
		if (pfd[1].revents != 0)
			return RT_INTR;
		if (rc == 0)
			continue;
		if (c->cap - c->len < 4096) {
			size_t cap = c->cap ? c->cap * 2 : 65536;
			char *b;

			if (cap > HPCTL_REPLY_MAX) {
				fprintf(stderr, "hpctl: reply from %s longer than %u bytes\n", c->path,
					HPCTL_REPLY_MAX);
				return RT_FAIL;
			}
			if ((b = realloc(c->buf, cap)) == NULL) {
				fprintf(stderr, "hpctl: out of memory\n");
				return RT_FAIL;
			}
			c->buf = b;
			c->cap = cap;
		}
		n = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "hpctl: %s: read: %s\n", c->path, strerror(errno));
			return RT_FAIL;
		}
		if (n == 0) {
			fprintf(stderr, "hpctl: %s closed the connection without a reply\n", c->path);
			return RT_FAIL;
		}
		c->len += (size_t)n;
	}
	*line = c->buf;
	*len = (size_t)(nl - c->buf);
	return RT_OK;
}

/* Drops the line recv_line() returned (and its newline) from the buffer. */
static void
consume_line(struct conn *c, size_t len)
{
	c->len -= len + 1;
	memmove(c->buf, c->buf + len + 1, c->len);
}

/* ---- human output ---- */

/* Columns a UTF-8 string takes, near enough: one per code point. */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Every element of array a is of type t. */
/* Whether every element of an array, or every value of an object, is of type t. */
static bool
all_of_type(const json_t *a, json_type t)
{
	const char *k;
	size_t i;
	json_t *v;

	if (json_is_object(a)) {
		json_object_foreach((json_t *)a, k, v)
			if (json_typeof(v) != t)
				return false;
		return true;
	}
	json_array_foreach(a, i, v)
		if (json_typeof(v) != t)
			return false;
	return true;
}

/* One value as a table cell or after "key: "; NULL only on ENOMEM. */
static char *
cell(const json_t *v)
{
	char *s = NULL;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		if (asprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0)
			return NULL;
		return s;
	case JSON_REAL: {
		double d = json_real_value(v);
		char *e;

		/* three decimals at most, without trailing zeros: 0.5, 12.125, 3 */
		if (d != 0 && fabs(d) < 0.001) {
			if (asprintf(&s, "%g", d) < 0)
				return NULL;
			return s;
		}
		if (asprintf(&s, "%.3f", d) < 0)
			return NULL;
		for (e = s + strlen(s) - 1; *e == '0'; e--)
			*e = '\0';
		if (*e == '.')
			*e = '\0';
		return s;
	}
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		return strdup("-");
	case JSON_ARRAY:
		if (json_array_size(v) == 0)
			return strdup("-");
		if (json_array_size(v) > 0 && all_of_type(v, JSON_STRING)) {
			size_t i, len = 0;
			json_t *e;

			json_array_foreach(v, i, e)
				len += strlen(json_string_value(e)) + 1;
			if ((s = malloc(len)) == NULL)
				return NULL;
			s[0] = '\0';
			json_array_foreach(v, i, e) {
				if (i > 0)
					strcat(s, ",");
				strcat(s, json_string_value(e));
			}
			return s;
		}
		return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	case JSON_OBJECT:
		/* counters by name ({"steer": 5, "drop_block4": 0}): the ones that are not 0 */
		if (json_object_size(v) > 0 && all_of_type(v, JSON_INTEGER)) {
			const char *k;
			json_t *e;
			size_t len = 2;

			json_object_foreach((json_t *)v, k, e)
				len += strlen(k) + 24;
			if ((s = malloc(len)) == NULL)
				return NULL;
			s[0] = '\0';
			json_object_foreach((json_t *)v, k, e)
				if (json_integer_value(e) != 0)
					sprintf(s + strlen(s), "%s%s=%" JSON_INTEGER_FORMAT, s[0] ? " " : "",
						k, json_integer_value(e));
			if (s[0] == '\0')
				strcpy(s, "-");
			return s;
		}
		return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	}
	return NULL;
}

static void
pad(size_t n)
{
	printf("%*s", (int)n, "");
}

/*
 * An array of objects as a table: the first object's keys, in order, are the
 * columns (uppercased); a key missing from a later row shows "-". Columns of
 * numbers are right-aligned. Every line starts with indent blanks.
 */
static int
print_table(const json_t *rows, int indent)
{
	const json_t *first = json_array_get(rows, 0);
	size_t nc = json_object_size(first), nr = json_array_size(rows);
	const char **keys = calloc(nc, sizeof(*keys));
	char **cells = calloc(nc * nr, sizeof(*cells));
	size_t *w = calloc(nc, sizeof(*w));
	bool *right = calloc(nc, sizeof(*right));
	const char *k;
	json_t *v, *row;
	size_t c = 0, r;
	int rc = -ENOMEM;

	if (keys == NULL || cells == NULL || w == NULL || right == NULL)
		goto out;
	json_object_foreach((json_t *)first, k, v) {
		keys[c] = k;
		w[c] = width(k);
		right[c] = true;
		c++;
	}
	json_array_foreach(rows, r, row) {
		for (c = 0; c < nc; c++) {
			v = json_object_get(row, keys[c]);
			if (v != NULL && !json_is_number(v))
				right[c] = false;
			if ((cells[r * nc + c] = v ? cell(v) : strdup("-")) == NULL)
				goto out;
			if (width(cells[r * nc + c]) > w[c])
				w[c] = width(cells[r * nc + c]);
		}
	}
	pad((size_t)indent);
	for (c = 0; c < nc; c++) {
		size_t fill = w[c] - width(keys[c]);

		printf("%s", c > 0 ? "  " : "");
		if (right[c])
			pad(fill);
		for (k = keys[c]; *k != '\0'; k++)
			putchar(*k >= 'a' && *k <= 'z' ? *k - 'a' + 'A' : *k);
		if (!right[c] && c + 1 < nc)
			pad(fill);
	}
	putchar('\n');
	for (r = 0; r < nr; r++) {
		pad((size_t)indent);
		for (c = 0; c < nc; c++) {
			const char *s = cells[r * nc + c];
			size_t fill = w[c] - width(s);

			printf("%s", c > 0 ? "  " : "");
			if (right[c])
				pad(fill);
			fputs(s, stdout);
			if (!right[c] && c + 1 < nc)
				pad(fill);
		}
		putchar('\n');
	}
	rc = 0;
out:
	for (r = 0; cells != NULL && r < nc * nr; r++)
		free(cells[r]);
	free(cells);
	free(keys);
	free(w);
	free(right);
	return rc;
}

/* "key: value" lines, values aligned; a non-empty nested object goes below its key, indented. */
static int
print_object(const json_t *obj, int indent)
{
	size_t kw = 0;
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v)
		if (width(k) > kw)
			kw = width(k);
	json_object_foreach((json_t *)obj, k, v) {
		char *s;

		if (json_is_object(v) && json_object_size(v) > 0) {
			printf("%*s%s:\n", indent, "", k);
			if (print_object(v, indent + 2) < 0)
				return -ENOMEM;
			continue;
		}
		if ((s = cell(v)) == NULL)
			return -ENOMEM;
		printf("%*s%s:", indent, "", k);
		pad(kw - width(k) + 1);
		printf("%s\n", s);
		free(s);
	}
	return 0;
}

static int
print_human(const json_t *res, bool yaml)
{
	const json_t *text = json_object_get(res, "yaml");
	size_t i;
	json_t *v;
	char *s;

	if (yaml && json_is_string(text)) {
		const char *y = json_string_value(text);
		size_t len = strlen(y);

		fputs(y, stdout);
		if (len > 0 && y[len - 1] != '\n')
			putchar('\n');
		return 0;
	}
	if (res == NULL || json_is_null(res))
		return 0;
	if (json_is_object(res))
		return print_object(res, 0);
	/* a table needs columns: the first row's keys */
	if (json_is_array(res) && json_object_size(json_array_get(res, 0)) > 0 &&
	    all_of_type(res, JSON_OBJECT))
		return print_table(res, 0);
	if (json_is_array(res)) {
		json_array_foreach(res, i, v) {
			if ((s = cell(v)) == NULL)
				return -ENOMEM;
			printf("%s\n", s);
			free(s);
		}
		return 0;
	}
	if ((s = cell(res)) == NULL)
		return -ENOMEM;
	printf("%s\n", s);
	free(s);
	return 0;
}

/* ---- connection tracking and NAT: lines an operator knows (conntrack -L, the config's words) ---- */

static int
ct_proto_number(const char *name)
{
	return !strcmp(name, "tcp")      ? 6
	       : !strcmp(name, "udp")    ? 17
	       : !strcmp(name, "icmp")   ? 1
	       : !strcmp(name, "icmpv6") ? 58
					 : 0;
}

/* src=A dst=B sport=P dport=Q (ICMP: id=N) packets=N */
static void
ct_tuple(const json_t *t, json_int_t packets)
{
	printf(" src=%s dst=%s", json_string_value(json_object_get(t, "src")) ?: "?",
	       json_string_value(json_object_get(t, "dst")) ?: "?");
	if (json_object_get(t, "id") != NULL)
		printf(" id=%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(t, "id")));
	else
		printf(" sport=%" JSON_INTEGER_FORMAT " dport=%" JSON_INTEGER_FORMAT,
		       json_integer_value(json_object_get(t, "sport")),
		       json_integer_value(json_object_get(t, "dport")));
	printf(" packets=%" JSON_INTEGER_FORMAT, packets);
}

/* conntrack.show: one line per connection, as conntrack -L writes them, then a count. */
static int
print_conntrack_show(const json_t *res)
{
	const json_t *c, *n;
	size_t i, k;

	json_array_foreach(json_object_get(res, "connections"), i, c) {
		const char *proto = json_string_value(json_object_get(c, "proto")) ?: "?";
		const char *state = json_string_value(json_object_get(c, "state")) ?: "?";
		const json_t *pk = json_object_get(c, "packets");

		printf("%-8s %-3d %-7" JSON_INTEGER_FORMAT, proto, ct_proto_number(proto),
		       json_integer_value(json_object_get(c, "expires_s")));
		if (!strcmp(proto, "tcp")) {
			for (const char *ch = state; *ch != '\0'; ch++)
				putchar(*ch >= 'a' && *ch <= 'z' ? *ch - 'a' + 'A' : *ch);
		}
		ct_tuple(json_object_get(c, "orig"), json_integer_value(json_array_get(pk, 0)));
		if (strcmp(proto, "tcp") != 0 && !strcmp(state, "new"))
			printf(" [UNREPLIED]");
		ct_tuple(json_object_get(c, "reply"), json_integer_value(json_array_get(pk, 1)));
		if (json_is_true(json_object_get(c, "assured")))
			printf(" [ASSURED]");
		json_array_foreach(json_object_get(c, "nat"), k, n) {
			putchar(' ');
			putchar('[');
			for (const char *ch = json_string_value(n) ?: "?"; *ch != '\0'; ch++)
				putchar(*ch >= 'a' && *ch <= 'z' ? *ch - 'a' + 'A' : *ch);
			putchar(']');
		}
		printf(" worker=%" JSON_INTEGER_FORMAT "\n",
		       json_integer_value(json_object_get(c, "worker")));
	}
	if (json_is_true(json_object_get(res, "truncated")))
		printf("%" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
		       " connections shown (limit %" JSON_INTEGER_FORMAT ": more with limit N)\n",
		       json_integer_value(json_object_get(res, "shown")),
		       json_integer_value(json_object_get(res, "matched")),
		       json_integer_value(json_object_get(res, "limit")));
	else
		printf("%" JSON_INTEGER_FORMAT " connections\n",
		       json_integer_value(json_object_get(res, "matched")));
	return 0;
}

/* conntrack.stats: key: value lines, the per-worker counters as a table below. */
static int
print_conntrack_stats(const json_t *res)
{
	json_t *copy = json_copy((json_t *)res), *workers;
	int rc;

	if (copy == NULL)
		return -ENOMEM;
	workers = json_incref(json_object_get(copy, "workers"));
	json_object_del(copy, "workers");
	rc = print_object(copy, 0);
	if (rc == 0 && json_array_size(workers) > 0) {
		printf("workers:\n");
		rc = print_table(workers, 0);
	}
	json_decref(workers);
	json_decref(copy);
	return rc;
}

/* nat.show: each rule in the config's words with its pool's free ports, then the counters. */
static int
print_nat_show(const json_t *res)
{
	const json_t *r, *v;
	const char *k;
	size_t i;

	if (json_array_size(json_object_get(res, "rules")) == 0)
		printf("no nat rules\n");
	json_array_foreach(json_object_get(res, "rules"), i, r) {
		const json_t *fp = json_object_get(r, "free_ports");

		printf("%" JSON_INTEGER_FORMAT "  %s", json_integer_value(json_object_get(r, "index")),
		       json_string_value(json_object_get(r, "type")) ?: "?");
		json_object_foreach((json_t *)r, k, v) {
			char *s;

			if (!strcmp(k, "index") || !strcmp(k, "type") || !strcmp(k, "free_ports"))
				continue;
			if ((s = cell(v)) == NULL)
				return -ENOMEM;
			printf(" %s %s", k, s);
			free(s);
		}
		if (json_is_object(fp)) {
			printf("  free");
			json_object_foreach((json_t *)fp, k, v)
				printf(" %s=%" JSON_INTEGER_FORMAT, k, json_integer_value(v));
		}
		putchar('\n');
	}
	if (json_is_object(json_object_get(res, "counters"))) {
		printf("counters:\n");
		return print_object(json_object_get(res, "counters"), 2);
	}
	return 0;
}

/* ---- the load balancer: each VIP as hpctl lb writes it, its backends as a table below ---- */

/* VIP[:PORT]/PROTO, an IPv6 address in brackets when a port follows. */
static const char *
lb_vip_text(const json_t *v, char *buf, size_t len)
{
	const char *a = json_string_value(json_object_get(v, "vip")) ?: "?";
	const char *proto = json_string_value(json_object_get(v, "proto")) ?: "?";
	const json_t *port = json_object_get(v, "port");

	if (port == NULL)
		snprintf(buf, len, "%s/%s", a, proto);
	else if (strchr(a, ':') != NULL)
		snprintf(buf, len, "[%s]:%" JSON_INTEGER_FORMAT "/%s", a, json_integer_value(port), proto);
	else
		snprintf(buf, len, "%s:%" JSON_INTEGER_FORMAT "/%s", a, json_integer_value(port), proto);
	return buf;
}

/* rows as a table indented under its heading (a VIP, a worker), then released; none's line for no
 * rows; ok false: ENOMEM. */
static int
rows_print(json_t *rows, bool ok, const char *none)
{
	int rc = ok ? 0 : -ENOMEM;

	if (ok && json_array_size(rows) == 0)
		printf("  %s\n", none);
	else if (ok)
		rc = print_table(rows, 2);
	json_decref(rows);
	return rc;
}

/* Appends row, with every key of more (NULL: none) after its own; false on ENOMEM. */
static bool
row_add(json_t *rows, json_t *row, const json_t *more)
{
	if (row == NULL || (more != NULL && json_object_update(row, (json_t *)more) < 0)) {
		json_decref(row);
		return false;
	}
	return json_array_append_new(rows, row) == 0;
}

/* lb.show: "VIP A:P/PROTO encap E ... ring N", its backends' weight, state and ring entries; lb_conf. */
static int
print_lb_show(const json_t *res)
{
	const json_t *vips = json_object_get(res, "vips"), *v, *b;
	size_t i, k;
	char text[80];

	if (json_array_size(vips) == 0)
		printf("no lb vips\n");
	json_array_foreach(vips, i, v) {
		json_int_t ring = json_integer_value(json_object_get(v, "table_size"));
		json_t *rows = json_array();
		bool ok = rows != NULL;

		printf("VIP %s encap %s", lb_vip_text(v, text, sizeof(text)),
		       json_string_value(json_object_get(v, "encap")) ?: "?");
		if (json_object_get(v, "gue_port") != NULL)
			printf(" gue_port %" JSON_INTEGER_FORMAT,
			       json_integer_value(json_object_get(v, "gue_port")));
		json_array_foreach(json_object_get(v, "flags"), k, b)
			printf(" %s", json_string_value(b) ?: "?");
		printf(" ring %" JSON_INTEGER_FORMAT "\n", ring);
		json_array_foreach(json_object_get(v, "backends"), k, b) {
			json_int_t n = json_integer_value(json_object_get(b, "ring_entries"));
			char share[16], why[32];

			/* state is what the ring does with it; admin/health say why */
			snprintf(why, sizeof(why), "%s/%s",
				 json_string_value(json_object_get(b, "admin")) ?: "?",
				 json_string_value(json_object_get(b, "health")) ?: "?");
			snprintf(share, sizeof(share), "%5.1f%%",
				 ring > 0 ? 100.0 * (double)n / (double)ring : 0.0);
			ok = ok &&
			     row_add(rows,
				     json_pack("{s:s, s:I, s:s, s:s, s:I, s:s}", "ip",
					       json_string_value(json_object_get(b, "ip")) ?: "?", "weight",
					       json_integer_value(json_object_get(b, "weight")), "state",
					       json_string_value(json_object_get(b, "state")) ?: "?",
					       "admin/health", why, "entries", n, "share", share),
				     NULL);
		}
		if (rows_print(rows, ok, "no backends") < 0)
			return -ENOMEM;
	}
	if (json_object_size(json_object_get(res, "conf")) > 0) {
		printf("lb_conf:\n");
		return print_object(json_object_get(res, "conf"), 2);
	}
	return 0;
}

/* lb.stats: each VIP's counters on its line, its backends' below; then each worker's flow table. */
static int
print_lb_stats(const json_t *res)
{
	const json_t *vips = json_object_get(res, "vips"), *v, *b, *c;
	const char *k;
	size_t i, j;
	char text[80];
	json_t *rows;
	bool ok;

	if (json_array_size(vips) == 0)
		printf("no lb vips\n");
	json_array_foreach(vips, i, v) {
		printf("VIP %s", lb_vip_text(v, text, sizeof(text)));
		json_object_foreach(json_object_get(v, "stats"), k, c)
			printf(" %s %" JSON_INTEGER_FORMAT, k, json_integer_value(c));
		putchar('\n');
		ok = (rows = json_array()) != NULL;
		json_array_foreach(json_object_get(v, "backends"), j, b)
			ok = ok && row_add(rows,
					   json_pack("{s:s}", "ip",
						     json_string_value(json_object_get(b, "ip")) ?: "?"),
					   json_object_get(b, "stats"));
		if (rows_print(rows, ok, "no backends") < 0)
			return -ENOMEM;
	}
	/* one flow table per worker: the row number is the worker, numbered as conntrack stats numbers them */
	if (json_array_size(json_object_get(res, "flow_tables")) == 0)
		return 0;
	printf("flow tables:\n");
	ok = (rows = json_array()) != NULL;
	json_array_foreach(json_object_get(res, "flow_tables"), i, c)
		ok = ok && row_add(rows, json_pack("{s:I}", "worker", (json_int_t)i), c);
	return rows_print(rows, ok, "none");
}

static double
tenths(const json_t *v)
{
	return round(json_number_value(v) * 10) / 10;
}

/* runtime.show: each worker's loop (busy share), then its nodes, as VPP's show runtime. */
static int
print_runtime(const json_t *res)
{
	const json_t *w, *nd;
	const char *fast = json_string_value(json_object_get(res, "fast_path"));
	size_t i, k;

	if (fast != NULL)
		printf("fast path: %s\n", fast);
	json_array_foreach(json_object_get(res, "workers"), i, w) {
		json_t *rows = json_array();
		bool ok = rows != NULL;

		printf("worker lcore %" JSON_INTEGER_FORMAT ": ",
		       json_integer_value(json_object_get(w, "lcore")));
		if (json_is_true(json_object_get(w, "counting")))
			printf("counting, 1 busy loop in %" JSON_INTEGER_FORMAT " timed",
			       json_integer_value(json_object_get(w, "sample_every")));
		else
			printf("not counting (hpctl runtime on)");
		printf("; %" JSON_INTEGER_FORMAT " loops in %.1f s, busy %.1f %%\n",
		       json_integer_value(json_object_get(w, "loops")),
		       json_number_value(json_object_get(w, "seconds")),
		       100 * json_number_value(json_object_get(w, "busy_share")));
		json_array_foreach(json_object_get(w, "nodes"), k, nd)
			ok = ok && row_add(rows,
					   json_pack("{s:s, s:O, s:O, s:f, s:f}", "node",
						     json_string_value(json_object_get(nd, "name")) ?: "?",
						     "calls", json_object_get(nd, "calls"), "packets",
						     json_object_get(nd, "packets"), "packets/call",
						     tenths(json_object_get(nd, "packets_per_call")),
						     "cycles/packet",
						     tenths(json_object_get(nd, "cycles_per_packet"))),
					   NULL);
		if (rows_print(rows, ok, "no node has run since the last clear") < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Results with a printer of their own (by command); NULL: the generic one. */
static int (*special_printer(const char *cmd))(const json_t *)
{
	if (cmd == NULL)
		return NULL;
	if (!strcmp(cmd, "conntrack.show"))
		return print_conntrack_show;
	if (!strcmp(cmd, "conntrack.stats"))
		return print_conntrack_stats;
	if (!strcmp(cmd, "nat.show"))
		return print_nat_show;
	/* a change to the load balancer answers with its VIP as it now is */
	if (!strcmp(cmd, "lb.show") || !strcmp(cmd, "lb.vip.add") || !strncmp(cmd, "lb.backend.", 11))
		return print_lb_show;
	if (!strcmp(cmd, "lb.stats"))
		return print_lb_stats;
	if (!strcmp(cmd, "runtime.show"))
		return print_runtime;
	return NULL;
}

static int
print_json(const json_t *res)
{
	char *s;

	if (res == NULL)
		return 0;
	if ((s = json_dumps(res, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return -ENOMEM;
	printf("%s\n", s);
	free(s);
	return 0;
}

static int
print_result(const struct hpctl_req *r, const json_t *res)
{
	int (*special)(const json_t *) = special_printer(r->cmd);

	if (r->json)
		return print_json(res);
	if (special != NULL && json_is_object(res))
		return special(res);
	return print_human(res, r->yaml);
}

/* ---- one request ---- */

static enum rt
handle_reply(struct conn *c, const struct hpctl_req *r, json_int_t id, const char *line, size_t len)
{
	json_t *reply, *rid, *ok, *err, *res;
	json_error_t jerr;
	enum rt rt = RT_FAIL;

	if ((reply = json_loadb(line, len, 0, &jerr)) == NULL) {
		fprintf(stderr, "hpctl: malformed reply from %s: %s\n", c->path, jerr.text);
		return RT_FAIL;
	}
	rid = json_object_get(reply, "id");
	ok = json_object_get(reply, "ok");
	if (!json_is_object(reply) || !json_is_boolean(ok)) {
		fprintf(stderr, "hpctl: malformed reply from %s: no \"ok\"\n", c->path);
		goto out;
	}
	if (!json_is_integer(rid)) {
		fprintf(stderr, "hpctl: malformed reply from %s: no \"id\"\n", c->path);
		goto out;
	}
	if (json_integer_value(rid) != id) {
		fprintf(stderr,
			"hpctl: reply from %s answers request %" JSON_INTEGER_FORMAT
			", not %" JSON_INTEGER_FORMAT "\n",
			c->path, json_integer_value(rid), id);
		goto out;
	}
	if (!json_is_true(ok)) {
		const char *code, *msg;

		err = json_object_get(reply, "error");
		code = json_string_value(json_object_get(err, "code"));
		msg = json_string_value(json_object_get(err, "message"));
		fprintf(stderr, "hpctl: %s: %s\n", code ? code : "error", msg ? msg : "request refused");
		goto out;
	}
	res = json_object_get(reply, "result");
	if (r->watch != 0 && isatty(STDOUT_FILENO))
		fputs(HPCTL_CLEAR, stdout);
	if (print_result(r, res) < 0) {
		fprintf(stderr, "hpctl: out of memory\n");
		goto out;
	}
	fflush(stdout);
	rt = RT_OK;
out:
	json_decref(reply);
	return rt;
}

static enum rt
request(struct conn *c, const struct hpctl_req *r, json_int_t id)
{
	json_t *req = hpctl_request(r, id);
	enum rt rt;
	size_t len;
	char *line;

	if (req == NULL) {
		fprintf(stderr, "hpctl: out of memory\n");
		return RT_FAIL;
	}
	rt = send_line(c, req);
	json_decref(req);
	if (rt == RT_OK)
		rt = recv_line(c, &line, &len);
	if (rt == RT_OK) {
		rt = handle_reply(c, r, id, line, len);
		consume_line(c, len);
	}
	return rt;
}

/* Waits until ms (monotonic) or SIGINT; RT_INTR on SIGINT. */
static enum rt
wait_until(struct conn *c, uint64_t ms)
{
	struct pollfd pfd = {.fd = c->sigfd, .events = POLLIN};
	uint64_t now;

	while ((now = now_ms()) < ms) {
		int rc = poll(&pfd, 1, (int)(ms - now));

		if (rc > 0)
			return RT_INTR;
		if (rc < 0 && errno != EINTR) {
			fprintf(stderr, "hpctl: poll: %s\n", strerror(errno));
			return RT_FAIL;
		}
	}
	return RT_OK;
}

/* Blocks SIGINT and returns a descriptor that becomes readable when one arrives. */
static int
sigint_fd(void)
{
	sigset_t set;

	/* an ignored signal is dropped, not queued: Ctrl-C must end the watch even if
	 * our parent ignored SIGINT */
	signal(SIGINT, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int
run(const struct hpctl_req *r, struct conn *c)
{
	uint64_t next;
	json_int_t id;
	enum rt rt;

	if (r->watch != 0 && (c->sigfd = sigint_fd()) < 0) {
		fprintf(stderr, "hpctl: signalfd: %s\n", strerror(errno));
		return EXIT_REFUSED;
	}
	if (conn_open(c) < 0) {
		fprintf(stderr, "hpctl: cannot connect to %s: %s\n", c->path, strerror(errno));
		return EXIT_REFUSED;
	}
	next = now_ms();
	for (id = 1;; id++) {
		rt = request(c, r, id);
		if (rt != RT_OK || r->watch == 0)
			break;
		/* a fixed rate: a slow reply does not push later samples back */
		next += (uint64_t)r->watch * 1000;
		if (next < now_ms())
			next = now_ms();
		if ((rt = wait_until(c, next)) != RT_OK)
			break;
	}
	/* Ctrl-C is how --watch ends */
	return rt == RT_FAIL ? EXIT_REFUSED : EXIT_SUCCESS;
}

/* ---- route load FILE ---- */

#define LOAD_BATCH 1000        /* routes in one route.add request (the daemon takes 1024) */
#define LOAD_BATCH_BYTES 49152 /* ... and bytes: a request line must stay under 64 KiB */

struct load_batch {
	json_t *routes;
	unsigned first_line, last_line;
	size_t bytes;
};

/*
 * route load: every line of the file is checked first (a syntax error sends nothing:
 * exit 2); then route.add requests of up to LOAD_BATCH routes go one after the other.
 * The daemon takes or refuses each batch whole; at the first refusal the load stops
 * and says which lines it was and how many routes went in before.
 */
static int
load_routes(const struct hpctl_req *r, struct conn *c)
{
	struct load_batch *b = NULL;
	unsigned nb = 0, cap = 0, lineno = 0, added = 0;
	int status = EXIT_SUCCESS;
	char *line = NULL, err[256];
	size_t n = 0;
	FILE *f = fopen(r->load, "r");

	if (f == NULL) {
		fprintf(stderr, "hpctl: %s: %s\n", r->load, strerror(errno));
		return EXIT_USAGE;
	}
	while (getline(&line, &n, f) >= 0) {
		json_t *route;
		size_t bytes;
		char *text;
		int rc;

		lineno++;
		if ((rc = hpctl_route_line(line, &route, err, sizeof(err))) < 0) {
			fprintf(stderr, "hpctl: %s:%u: %s\n", r->load, lineno, err);
			status = EXIT_USAGE;
			goto out;
		}
		if (rc == 0)
			continue;
		text = json_dumps(route, JSON_COMPACT);
		bytes = text ? strlen(text) + 1 : 0;
		free(text);
		if (nb == 0 || json_array_size(b[nb - 1].routes) == LOAD_BATCH ||
		    b[nb - 1].bytes + bytes > LOAD_BATCH_BYTES) {
			if (nb == cap) {
				struct load_batch *nbuf = realloc(b, (cap = cap ? 2 * cap : 64) * sizeof(*b));

				if (nbuf == NULL) {
					json_decref(route);
					fprintf(stderr, "hpctl: out of memory\n");
					status = EXIT_REFUSED;
					goto out;
				}
				b = nbuf;
			}
			b[nb++] = (struct load_batch){.routes = json_array(), .first_line = lineno};
		}
		json_array_append_new(b[nb - 1].routes, route);
		b[nb - 1].last_line = lineno;
		b[nb - 1].bytes += bytes;
	}
	if (ferror(f)) {
		fprintf(stderr, "hpctl: %s: %s\n", r->load, strerror(errno));
		status = EXIT_USAGE;
		goto out;
	}
	if (conn_open(c) < 0) {
		fprintf(stderr, "hpctl: cannot connect to %s: %s\n", c->path, strerror(errno));
		status = EXIT_REFUSED;
		goto out;
	}
	for (unsigned i = 0; i < nb; i++) {
		json_t *req = json_pack("{s:I, s:s, s:{s:O}}", "id", (json_int_t)i + 1, "cmd", "route.add",
					"args", "routes", b[i].routes),
		       *reply = NULL;
		enum rt rt = req ? send_line(c, req) : RT_FAIL;
		size_t len = 0;
		char *text;

		json_decref(req);
		if (rt == RT_OK && (rt = recv_line(c, &text, &len)) == RT_OK) {
			reply = json_loadb(text, len, 0, NULL);
			consume_line(c, len);
		}
		if (rt != RT_OK || !json_is_object(reply) ||
		    json_integer_value(json_object_get(reply, "id")) != (json_int_t)i + 1) {
			if (rt == RT_OK)
				fprintf(stderr, "hpctl: malformed reply from %s\n", c->path);
			json_decref(reply);
			status = EXIT_REFUSED;
			break;
		}
		if (!json_is_true(json_object_get(reply, "ok"))) {
			json_t *e = json_object_get(reply, "error");

			fprintf(stderr,
				"hpctl: %s: lines %u-%u refused (%u routes added before them): %s: %s\n",
				r->load, b[i].first_line, b[i].last_line, added,
				json_string_value(json_object_get(e, "code")) ?: "error",
				json_string_value(json_object_get(e, "message")) ?: "refused");
			json_decref(reply);
			status = EXIT_REFUSED;
			break;
		}
		added += (unsigned)json_array_size(b[i].routes);
		json_decref(reply);
	}
	if (status == EXIT_SUCCESS) {
		if (r->json)
			printf("{\"added\":%u}\n", added);
		else
			printf("%u routes added from %s\n", added, r->load);
	}
out:
	for (unsigned i = 0; i < nb; i++)
		json_decref(b[i].routes);
	free(b);
	free(line);
	fclose(f);
	return status;
}

int
main(int argc, char **argv)
{
	struct conn c = {.fd = -1, .sigfd = -1};
	struct hpctl_req r;
	int rc;

	if (hpctl_parse(&r, argc - 1, argv + 1) < 0) {
		fprintf(stderr, "hpctl: %s\n%s", r.err, hpctl_usage(r.object));
		hpctl_req_free(&r);
		return EXIT_USAGE;
	}
	if (r.help) {
		fputs(hpctl_usage(r.object), stdout);
		hpctl_req_free(&r);
		return EXIT_SUCCESS;
	}
	c.path = r.sock;
	if (c.path == NULL && (c.path = getenv("HOTPATH_SOCK")) != NULL && c.path[0] == '\0')
		c.path = NULL;
	if (c.path == NULL)
		c.path = HPCTL_SOCK_DEFAULT;
	c.timeout_ms = timeout_ms();

	rc = r.load != NULL ? load_routes(&r, &c) : run(&r, &c);

	if (c.fd >= 0)
		close(c.fd);
	if (c.sigfd >= 0)
		close(c.sigfd);
	free(c.buf);
	hpctl_req_free(&r);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "hpctl: stdout: %s\n", strerror(errno));
		return EXIT_REFUSED;
	}
	return rc;
}
