/* Config section workers: lcores and the (port, queue) pairs each polls; hp_parse_queue_ref. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

int
hp_parse_queue_ref(const struct hp_config *cfg, const char *s, struct hp_queue_ref *qr)
{
	char name[HP_NAME_MAX];
	unsigned long long queue;
	const char *slash;
	size_t nlen;
	int port;

	if (!cfg || !s || !qr)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash || slash == s || !slash[1])
		return -EINVAL;
	for (const char *d = slash + 1; *d; d++)
		if (*d < '0' || *d > '9')
			return -EINVAL;
	if (slash[1] == '0' && slash[2])
		return -EINVAL; /* leading zero */
	nlen = (size_t)(slash - s);
	if (nlen >= sizeof(name))
		return -ENOENT;
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	port = hp_config_port_index(cfg, name);
	if (port < 0)
		return -ENOENT;
	/* well formed but huge: out of range, not malformed */
	if (!hp_parse_dec(slash + 1, UINT16_MAX, &queue) || queue >= cfg->ports[port].queues)
		return -ERANGE;
	qr->port = (uint16_t)port;
	qr->queue = (uint16_t)queue;
	return 0;
}

static unsigned
worker_idx(struct ctx *c, const struct hp_worker_conf *w)
{
	return (unsigned)(w - c->cfg->workers);
}

static int
worker_lcore(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_worker_conf *w = obj;
	unsigned long long v;
	int rc;

	if ((rc = cfg_want_uint(c, key, val, 0, CFG_LCORE_MAX, &v)))
		return rc;
	for (unsigned i = 0; i < worker_idx(c, w); i++)
		if (c->cfg->workers[i].lcore == v)
			return cfg_fail(c, val, "duplicate lcore %llu (first at line %u)", v,
					c->cfg->workers[i].lcore_line);
	w->lcore = (unsigned)v;
	w->lcore_line = cfg_line(val);
	return 0;
}

static int
worker_queues(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_worker_conf *w = obj;
	struct worker_side *ws = &c->worker[worker_idx(c, w)];
	int rc;

	if ((rc = cfg_want_seq(c, key, val)))
		return rc;
	if (cfg_seq_len(val) == 0 || cfg_seq_len(val) > HP_MAX_WORKER_QUEUES)
		return cfg_fail(c, val, "key 'queues': expected 1 to %d queues such as p0/0",
				HP_MAX_WORKER_QUEUES);
	for (unsigned it = 0; it < cfg_seq_len(val); it++) {
		struct cfg_node v = cfg_seq_at(val, it);
		const char *s;

		if ((rc = cfg_want_scalar(c, key, v, "PORT/QUEUE such as p0/0", &s)))
			return rc;
		ws->q[ws->n].ref = s;
		ws->q[ws->n].line = cfg_line(v);
		ws->n++;
	}
	return 0;
}

static const struct key_def worker_keys[] = {
	{"lcore", worker_lcore, true},
	{"queues", worker_queues, true},
};

int
cfg_parse_workers(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	int rc;

	if ((rc = cfg_want_seq(c, key, val)))
		return rc;
	if (cfg_seq_len(val) == 0)
		return cfg_fail(c, val, "key 'workers': expected at least one worker (or no workers: key)");
	cfg->has_workers = true;
	for (unsigned it = 0; it < cfg_seq_len(val); it++) {
		struct cfg_node v = cfg_seq_at(val, it);
		struct hp_worker_conf *w;

		if (cfg->n_workers == HP_MAX_WORKERS)
			return cfg_fail(c, v, "key 'workers': too many workers (at most %d)", HP_MAX_WORKERS);
		if (cfg_node_kind(v) != CFG_MAP)
			return cfg_fail(c, v,
					"key 'workers': expected each worker to be a mapping (found %s)",
					cfg_kind(v));
		w = &cfg->workers[cfg->n_workers];
		memset(w, 0, sizeof(*w));
		w->line = cfg_line(v);
		rc = cfg_walk_mapping(c, v, NULL, "in worker", worker_keys, CFG_N(worker_keys), w);
		if (rc)
			return rc;
		cfg->n_workers++;
	}
	return 0;
}

/* Queue references name ports, which may come after the workers: section. */
int
cfg_resolve_workers(struct ctx *c)
{
	struct hp_config *cfg = c->cfg;

	for (unsigned w = 0; w < cfg->n_workers; w++) {
		struct hp_worker_conf *wc = &cfg->workers[w];
		struct worker_side *ws = &c->worker[w];

		for (unsigned k = 0; k < ws->n; k++) {
			const char *ref = ws->q[k].ref;
			unsigned line = ws->q[k].line;
			struct hp_queue_ref *r = &wc->queues[k];
			struct owner *o;
			int rc = hp_parse_queue_ref(cfg, ref, r);

			if (rc == -ENOENT) {
				const char *slash = strchr(ref, '/');
				char name[HP_NAME_MAX + 8];

				snprintf(name, sizeof(name), "%.*s", (int)(slash - ref), ref);
				return cfg_fail_at(c, line, "queue %s: unknown port '%s'", cfg_quote(c, ref),
						   cfg_quote(c, name));
			}
			if (rc == -ERANGE) {
				const struct hp_port_conf *pc;
				const char *slash = strchr(ref, '/');
				char name[HP_NAME_MAX];

				snprintf(name, sizeof(name), "%.*s", (int)(slash - ref), ref);
				pc = &cfg->ports[hp_config_port_index(cfg, name)];
				return cfg_fail_at(c, line, "queue %s out of range: port %s has %u queue%s",
						   cfg_quote(c, ref), pc->name, pc->queues,
						   pc->queues == 1 ? "" : "s");
			}
			if (rc)
				return cfg_fail_at(c, line,
						   "key 'queues': bad queue '%s': expected PORT/QUEUE "
						   "such as p0/0",
						   cfg_quote(c, ref));
			o = &c->owner[r->port][r->queue];
			if (o->worker) {
				const struct hp_worker_conf *first = &cfg->workers[o->worker - 1];

				if (first == wc)
					return cfg_fail_at(c, line,
							   "queue %s is listed twice for lcore %u (first at "
							   "line %u)",
							   cfg_quote(c, ref), wc->lcore, o->line);
				return cfg_fail_at(c, line,
						   "queue %s is owned by two workers (lcore %u at line %u "
						   "and lcore %u at line %u)",
						   cfg_quote(c, ref), first->lcore, o->line, wc->lcore, line);
			}
			o->worker = w + 1;
			o->line = line;
		}
		wc->n_queues = ws->n;
	}
	return 0;
}
