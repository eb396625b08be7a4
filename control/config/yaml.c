/* The config parser's document: libyaml's reading, the top-level key table (one section per
 * sec_*.c), the order names resolve in, hp_config_parse/load/free, and hp_config_parse_entry()
 * for one entry sent as JSON. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"
#include "model.h"

/* ---- JSON ---- */

/*
 * A copy of j in which every scalar is a string, as YAML reads it: integers
 * their decimal text, reals "%.17g", true/false their word, null the empty
 * value. NULL when out of memory.
 */
static json_t *
json_as_text(const json_t *j)
{
	char buf[32];
	json_t *out;

	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *v;

		out = json_object();
		json_object_foreach((json_t *)j, k, v)
			if (!out || json_object_set_new(out, k, json_as_text(v)) < 0) {
				json_decref(out);
				return NULL;
			}
		return out;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;

		out = json_array();
		json_array_foreach((json_t *)j, i, v)
			if (!out || json_array_append_new(out, json_as_text(v)) < 0) {
				json_decref(out);
				return NULL;
			}
		return out;
	}
	case JSON_STRING:
		return json_stringn(json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return json_string(buf);
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(j));
		return json_string(buf);
	case JSON_TRUE:
		return json_string("true");
	case JSON_FALSE:
		return json_string("false");
	default:
		return json_string("");
	}
}

/* ---- the document ---- */

/* The sections, in the order a file lists them in messages. */
static const struct key_def top_keys[] = {
	{"eal", cfg_parse_eal, false, NULL},
	{"control", cfg_parse_control, false, NULL},
	{"mbufs", cfg_parse_mbufs, false, NULL},
	{"ports", cfg_parse_ports, false, NULL}, /* required: checked with its own message */
	{"workers", cfg_parse_workers, false, NULL},
	{"neighbors", cfg_parse_neighbors, false, cfg_entry_neighbor},
	{"neighbor_config", cfg_parse_neighbor_config, false, NULL},
	{"routes", cfg_parse_routes, false, cfg_entry_route},
	{"acl_default", cfg_parse_acl_default, false, NULL},
	{"acl", cfg_parse_acl, false, cfg_entry_acl},
	{"policers", cfg_parse_policers, false, cfg_entry_policer},
	{"xdp", cfg_parse_xdp, false, cfg_entry_xdp},
	{"linux", cfg_parse_linux, false, NULL},
	{"conntrack", cfg_parse_conntrack, false, NULL},
	{"nat", cfg_parse_nat, false, cfg_entry_nat},
	{"lb", cfg_parse_lb, false, cfg_entry_lb},
	{"lb_conf", cfg_parse_lb_conf, false, NULL},
};

/* After the whole document: names that may point forward, in this order. */
static int (*const resolvers[])(struct ctx *c) = {
	cfg_resolve_ports,  cfg_resolve_workers, cfg_resolve_xdp, cfg_resolve_neighbors,
	cfg_resolve_routes, cfg_resolve_acl,     cfg_resolve_nat, cfg_resolve_lb,
};

static int
resolve(struct ctx *c)
{
	int rc;

	for (size_t i = 0; i < CFG_N(resolvers); i++)
		if ((rc = resolvers[i](c)))
			return rc;
	return 0;
}

/* Line of byte offset off in text, for reader errors that carry no mark. */
static unsigned
line_at_offset(const char *text, size_t len, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off && i < len; i++)
		line += text[i] == '\n';
	return line;
}

/* Characters in UTF-8 text: libyaml's mark.index counts characters, not bytes. */
static size_t
utf8_chars(const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)text[i] & 0xc0) != 0x80;
	return n;
}

static int
yaml_fail(struct ctx *c, const yaml_parser_t *ps, const char *text, size_t len)
{
	unsigned line, last = line_at_offset(text, len, len ? len - 1 : 0);

	if (ps->error == YAML_MEMORY_ERROR) {
		cfg_fail_at(c, 1, "out of memory while reading YAML");
		return -ENOMEM;
	}
	if (ps->error == YAML_READER_ERROR)
		line = line_at_offset(text, len, ps->problem_offset);
	else if (ps->problem_mark.index >= utf8_chars(text, len) && ps->context)
		line = (unsigned)ps->context_mark.line + 1; /* hit the end: blame what is unclosed */
	else
		line = (unsigned)ps->problem_mark.line + 1;
	if (line > last)
		line = last; /* never a line past the end of the file */
	if (ps->context)
		return cfg_fail_at(c, line, "YAML syntax error: %s (%s at line %u)",
				   ps->problem ? ps->problem : "unknown error", ps->context,
				   (unsigned)ps->context_mark.line + 1);
	return cfg_fail_at(c, line, "YAML syntax error: %s", ps->problem ? ps->problem : "unknown error");
}

static int
parse_document(struct ctx *c, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *extra_root;
	struct cfg_node root;
	int rc;

	if (!yaml_parser_initialize(&parser)) {
		cfg_fail_at(c, 1, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = yaml_fail(c, &parser, text, len);
		yaml_parser_delete(&parser);
		return rc;
	}
	/* read to the end: a syntax error or a second document is an error too */
	if (!yaml_parser_load(&parser, &extra)) {
		rc = yaml_fail(c, &parser, text, len);
		goto out_doc;
	}
	extra_root = yaml_document_get_root_node(&extra);
	if (extra_root) {
		rc = cfg_fail_at(c, (unsigned)extra_root->start_mark.line + 1,
				 "expected one YAML document, found a second one");
		yaml_document_delete(&extra);
		goto out_doc;
	}
	yaml_document_delete(&extra);

	root = (struct cfg_node){&doc, yaml_document_get_root_node(&doc), NULL};
	if (!root.p) {
		rc = cfg_fail_at(c, 1, "expected a mapping with a ports: section (the document is empty)");
		goto out_doc;
	}
	if (cfg_node_kind(root) != CFG_MAP) {
		rc = cfg_fail(c, root, "expected a mapping with a ports: section (found %s)", cfg_kind(root));
		goto out_doc;
	}
	rc = cfg_walk_mapping(c, root, NULL, "at top level", top_keys, CFG_N(top_keys), c->cfg);
	if (rc)
		goto out_doc;
	if (c->cfg->n_ports == 0) {
		rc = cfg_fail(c, root, "expected a mapping with a ports: section (no ports: key)");
		goto out_doc;
	}
	rc = resolve(c);
out_doc:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int
hp_config_parse(const char *name, const char *text, size_t len, struct hp_config *cfg, char *err,
		size_t errlen)
{
	struct ctx *c;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!name)
		name = "config";
	if (!cfg) {
		if (err && errlen)
			snprintf(err, errlen, "%s:1: no config to fill", name);
		return -EINVAL;
	}
	memset(cfg, 0, sizeof(*cfg));
	if (!text) {
		text = "";
		len = 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		if (err && errlen)
			snprintf(err, errlen, "%s:1: out of memory", name);
		return -ENOMEM;
	}
	c->name = name;
	c->err = err;
	c->errlen = errlen;
	c->cfg = cfg;
	snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s", HP_DEFAULT_SOCKET);
	snprintf(cfg->metrics, sizeof(cfg->metrics), "%s", HP_DEFAULT_METRICS);
	cfg->stall_threshold_us = HP_DEFAULT_STALL_US;
	cfg_neigh_defaults(&cfg->neigh);
	cfg_conntrack_defaults(&cfg->conntrack);
	cfg_lb_conf_defaults(&cfg->lb_conf);

	if (len > CFG_FILE_MAX)
		rc = cfg_fail_at(c, 1, "file too large (over %u MiB)", CFG_FILE_MAX >> 20);
	else
		rc = parse_document(c, text, len);
	free(c->nb);
	free(c->rt);
	free(c->acl);
	free(c->policer_line);
	free(c->nat);
	free(c->lb);
	free(c);
	if (rc) {
		hp_config_free(cfg);
		memset(cfg, 0, sizeof(*cfg));
	}
	return rc;
}

/* regular: only a regular file, opened without blocking (a FIFO or a device could block or never end). */
static int
config_load(const char *path, bool regular, struct hp_config *cfg, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, rc;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !cfg) {
		if (err && errlen)
			snprintf(err, errlen, "%s: no file or config", path ? path : "(null)");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | (regular ? O_NONBLOCK | O_NOCTTY : 0));
	if (fd < 0 && regular && errno == ENXIO && stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		/* a socket cannot be opened at all: say what it is */
		memset(cfg, 0, sizeof(*cfg));
		if (err && errlen)
			snprintf(err, errlen, "%s: not a regular file (a socket): refused", path);
		return -EINVAL;
	}
	if (fd < 0)
		goto out_errno;
	if (fstat(fd, &st) < 0)
		goto out_errno_fd;
	if (regular && !S_ISREG(st.st_mode)) {
		close(fd);
		free(buf);
		memset(cfg, 0, sizeof(*cfg));
		if (err && errlen)
			snprintf(err, errlen, "%s: not a regular file (%s): refused", path,
				 S_ISDIR(st.st_mode)    ? "a directory"
				 : S_ISFIFO(st.st_mode) ? "a FIFO"
				 : S_ISCHR(st.st_mode)  ? "a character device"
				 : S_ISBLK(st.st_mode)  ? "a block device"
				 : S_ISSOCK(st.st_mode) ? "a socket"
							: "not a file");
		return -EINVAL;
	}
	if (S_ISREG(st.st_mode) && st.st_size > (off_t)CFG_FILE_MAX) {
		errno = EFBIG;
		goto out_errno_fd;
	}
	/* read one byte past the limit to tell "exactly 16 MiB" from "more" */
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nbuf;

			if (cap == CFG_FILE_MAX + 1)
				break;
			if (ncap > CFG_FILE_MAX + 1)
				ncap = CFG_FILE_MAX + 1;
			nbuf = realloc(buf, ncap);
			if (!nbuf)
				goto out_errno_fd;
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out_errno_fd;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > CFG_FILE_MAX) {
		rc = -EFBIG;
		goto out;
	}
	rc = hp_config_parse(path, buf ? buf : "", len, cfg, err, errlen);
	free(buf);
	return rc;

out_errno_fd:
	rc = -errno;
	close(fd);
	goto out;
out_errno:
	rc = -errno;
out:
	free(buf);
	memset(cfg, 0, sizeof(*cfg));
	if (err && errlen) {
		if (rc == -EFBIG)
			snprintf(err, errlen, "%s: file too large (over %u MiB)", path, CFG_FILE_MAX >> 20);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	}
	return rc;
}

int
hp_config_load(const char *path, struct hp_config *cfg, char *err, size_t errlen)
{
	return config_load(path, false, cfg, err, errlen);
}

int
hp_config_load_regular(const char *path, struct hp_config *cfg, char *err, size_t errlen)
{
	return config_load(path, true, cfg, err, errlen);
}

void
hp_config_free(struct hp_config *cfg)
{
	if (!cfg)
		return;
	for (unsigned i = 0; i < HP_MAX_EAL_ARGS; i++) {
		free(cfg->eal_args[i]);
		cfg->eal_args[i] = NULL;
	}
	cfg->n_eal_args = 0;
	free(cfg->neighbors);
	cfg->neighbors = NULL;
	cfg->n_neighbors = 0;
	free(cfg->routes);
	cfg->routes = NULL;
	cfg->n_routes = 0;
	free(cfg->acl);
	cfg->acl = NULL;
	cfg->n_acl = 0;
	free(cfg->policers);
	cfg->policers = NULL;
	cfg->n_policers = 0;
	for (unsigned i = 0; i < cfg->n_xdp; i++) {
		free(cfg->xdp[i].block);
		cfg->xdp[i].block = NULL;
		cfg->xdp[i].n_block = 0;
		cfg->xdp[i].block_cap = 0;
	}
	cfg->n_xdp = 0;
	free(cfg->nat);
	cfg->nat = NULL;
	cfg->n_nat = 0;
	hp_model_lb_free(cfg);
	cfg->routes_cap = cfg->neighbors_cap = cfg->acl_cap = cfg->policers_cap = 0;
	hp_model_free(cfg);
}

int
hp_config_parse_entry(const struct hp_config *cfg, const char *section, const json_t *entry, void *out,
		      char *err, size_t errlen)
{
	const struct key_def *sec = NULL;
	struct hp_config *scratch = NULL;
	struct ctx *c = NULL;
	json_t *j = NULL;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	for (size_t i = 0; section && i < CFG_N(top_keys); i++)
		if (top_keys[i].entry && !strcmp(top_keys[i].key, section))
			sec = &top_keys[i];
	if (!cfg || !sec || !entry || !out) {
		if (err && errlen)
			snprintf(err, errlen, "no section '%.32s' of single entries",
				 section ? section : "(null)");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	scratch = malloc(sizeof(*scratch));
	j = json_as_text(entry);
	if (!c || !scratch || !j) {
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	/* shallow: the entry reads ports and policers from it; its own section's array is out */
	*scratch = *cfg;
	c->name = cfg->file;
	c->err = err;
	c->errlen = errlen;
	c->cfg = scratch;
	rc = sec->entry(c, (struct cfg_node){NULL, j, NULL}, out);
	free(c->nb);
	free(c->rt);
	free(c->acl);
	free(c->policer_line);
	free(c->nat);
	free(c->lb);
out:
	json_decref(j);
	free(scratch);
	free(c);
	return rc;
}
