/* xdp.show, xdp.block.*, xdp.pass.*: hotpath's XDP program on the kernel's interfaces. */
#include <errno.h>

#include "handlers.h"
#include "log.h"
#include "xdp.h"

static const char *
errno_name(int rc)
{
	switch (-rc) {
	case ENOENT:
		return "ENOENT";
	case EEXIST:
		return "EEXIST";
	case ENOSPC:
		return "ENOSPC";
	case EINVAL:
		return "EINVAL";
	case ENOMEM:
		return "ENOMEM";
	default:
		return "EIO";
	}
}

int
cmd_xdp_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)rt;
	if (no_args(args, e) < 0)
		return -1;
	*result = ctl_xdp_show();
	return 0;
}

int
cmd_xdp_block_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"iface", NULL};
	const char *iface;

	(void)rt;
	if (known_args(args, allowed, e) < 0 || arg_str(args, "iface", false, &iface, e) < 0)
		return -1;
	if (!ctl_xdp_active())
		return fail(e, "ENOENT", "no interface runs hotpath's XDP program");
	if ((*result = ctl_xdp_blocks(iface)) == NULL)
		return fail(e, "ENOENT", "no XDP interface named %.32s", iface);
	return 0;
}

/*
 * The model follows what the maps now hold: the change on iface, or on every
 * interface (each has an entry: ctl_xdp_entries), where it was not there yet
 * (an add) or was (a del) - as ctl_xdp_block/pass changed each map.
 */
static void
model_follows(struct hp_config *cfg, const char *iface, bool add, const struct hp_prefix *p,
	      const struct hp_xdp_class *c)
{
	for (unsigned i = 0; i < cfg->n_xdp; i++) {
		struct hp_xdp_conf *x = &cfg->xdp[i];
		int rc;

		if (iface != NULL && strcmp(x->iface, iface) != 0)
			continue;
		if (p != NULL)
			rc = add ? hp_model_xdp_block_add(x, p) : hp_model_xdp_block_del(x, p);
		else
			rc = add ? hp_model_xdp_pass_add(x, c) : hp_model_xdp_pass_del(x, c);
		if (rc == -ENOMEM || rc == -ENOSPC)
			DP_LOG(ERR, "xdp: %s: the configuration model could not take the change: %s",
			       x->iface, strerror(-rc));
	}
}

static int
xdp_block_change(struct dp_runtime *rt, json_t *args, bool add, struct cmd_err *e)
{
	static const char *const allowed[] = {"prefix", "iface", NULL};
	char err[256], msg[HP_HOST_BITS_MSG_MAX];
	const char *iface, *text;
	struct hp_prefix p;
	int rc;

	if (known_args(args, allowed, e) < 0 || parse_prefix_arg(args, &p, e) < 0 ||
	    arg_str(args, "iface", false, &iface, e) < 0)
		return -1;
	text = json_string_value(json_object_get(args, "prefix"));
	if (hp_prefix_host_bits(&p, text, msg, sizeof(msg)))
		return fail(e, "EINVAL", "%s", msg);
	if ((rc = ctl_xdp_block(add, &p, iface, err, sizeof(err))) < 0)
		return fail(e, errno_name(rc), "%s", err);
	model_follows(rt->cfg, iface, add, &p, NULL);
	return 0;
}

int
cmd_xdp_block_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)result;
	return xdp_block_change(rt, args, true, e);
}

int
cmd_xdp_block_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)result;
	return xdp_block_change(rt, args, false, e);
}

static int
xdp_pass_change(struct dp_runtime *rt, json_t *args, bool add, struct cmd_err *e)
{
	static const char *const allowed[] = {"class", "iface", NULL};
	struct hp_xdp_class c;
	const char *iface, *text;
	char err[256];
	int rc;

	if (known_args(args, allowed, e) < 0 || arg_str(args, "class", true, &text, e) < 0 ||
	    arg_str(args, "iface", false, &iface, e) < 0)
		return -1;
	if (hp_parse_xdp_class(text, &c) < 0)
		return fail(e, "EINVAL",
			    "bad class \"%.32s\": expected arp, nd, icmp, icmpv6, tcp/PORT, udp/PORT or a "
			    "range such as udp/5000-5010",
			    text);
	if ((rc = ctl_xdp_pass(add, &c, iface, err, sizeof(err))) < 0)
		return fail(e, errno_name(rc), "%s", err);
	model_follows(rt->cfg, iface, add, NULL, &c);
	return 0;
}

int
cmd_xdp_pass_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)result;
	return xdp_pass_change(rt, args, true, e);
}

int
cmd_xdp_pass_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)result;
	return xdp_pass_change(rt, args, false, e);
}
