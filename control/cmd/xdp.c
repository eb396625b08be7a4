/* xdp.show, xdp.block.*, xdp.pass.*: hotpath's XDP program on the kernel's interfaces. */
#include <errno.h>

#include "handlers.h"
#include "xdp.h"

static const char *
errno_name(int rc)
{
	switch (-rc) {
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case ENOSPC: return "ENOSPC";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	default: return "EIO";
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

static int
xdp_block_change(json_t *args, bool add, struct cmd_err *e)
{
	static const char *const allowed[] = {"prefix", "iface", NULL};
	struct hp_prefix p, net;
	const char *iface, *text;
	char err[256];
	int rc;

	if (known_args(args, allowed, e) < 0 || parse_prefix_arg(args, &p, e) < 0 ||
	    arg_str(args, "iface", false, &iface, e) < 0)
		return -1;
	text = json_string_value(json_object_get(args, "prefix"));
	if (hp_prefix_clear_host_bits(&p, &net)) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(net.family, net.addr, a, sizeof(a));
		return fail(e, "EINVAL", "prefix %.64s has host bits set; did you mean %s/%u?", text, a, net.len);
	}
	if ((rc = ctl_xdp_block(add, &p, iface, err, sizeof(err))) < 0)
		return fail(e, errno_name(rc), "%s", err);
	return 0;
}

int
cmd_xdp_block_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)rt, (void)result;
	return xdp_block_change(args, true, e);
}

int
cmd_xdp_block_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)rt, (void)result;
	return xdp_block_change(args, false, e);
}

static int
xdp_pass_change(json_t *args, bool add, struct cmd_err *e)
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
	return 0;
}

int
cmd_xdp_pass_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)rt, (void)result;
	return xdp_pass_change(args, true, e);
}

int
cmd_xdp_pass_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)rt, (void)result;
	return xdp_pass_change(args, false, e);
}
