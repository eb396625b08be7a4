/*
 * The XDP loader: hotpath's program (bpf/hp_xdp.bpf.c, embedded here as a libbpf
 * skeleton) on every interface hotpath serves, and the maps it owns.
 *
 * Two kinds of interface, one program each:
 *  - net_af_xdp ports: DPDK's PMD loads the program from its xdp_prog devarg
 *    (hotpath hands it the skeleton's own object through a memfd, so program and
 *    daemon are always the same build), attaches it and binds its AF_XDP sockets
 *    into the program's xsks_map. hotpath then finds the program on the interface
 *    and opens its maps by id. The PMD detaches it when the port closes.
 *  - shield-only interfaces (an xdp: entry no port uses): hotpath loads the
 *    skeleton and attaches it through a bpf_link, which the kernel detaches when
 *    the last fd closes, so even a crashed hotpathd leaves nothing there.
 * A program left attached through netlink by a crashed hotpathd (the PMD's way) is
 * recognised by its name and its owner pid in hp_cfg, and replaced; any other XDP
 * program is left alone and reported.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hp_xdp.h"
#include "hp_xdp.skel.h"
#include "log.h"
#include "model.h"
#include "xdp.h"

#define XDP_MAX_IFS (HP_MAX_XDP + HP_MAX_PORTS)
#define XDP_MAX_MAP_IDS 16

enum {
	MAP_CFG,
	MAP_PORTS,
	MAP_BLOCK4,
	MAP_BLOCK6,
	MAP_STATS,
	N_MAPS
};
static const char *const map_names[N_MAPS] = {"hp_cfg", "hp_ports", "hp_block4", "hp_block6", "hp_stats"};

struct xdp_if {
	char name[HP_IFNAME_MAX];
	int ifindex;
	int port; /* the net_af_xdp port on it, or -1: shield-only */
	char port_name[HP_NAME_MAX];
	enum hp_xdp_mode mode;
	bool has_mode;
	enum hp_xdp_nosock on_no_socket; /* as configured (DEFAULT: by role, nosock_pass()) */
	struct hp_xdp *skel;             /* shield-only: our program */
	int link_fd;                     /* shield-only: its bpf_link */
	uint32_t prog_id;
	int fd[N_MAPS]; /* ours for net_af_xdp programs (port >= 0), the skeleton's otherwise */
	uint32_t flags; /* HP_XDP_PASS_* */
	unsigned n_pass;
	struct hp_xdp_class pass[HP_MAX_XDP_PASS];
	unsigned n_block[2]; /* IPv4, IPv6 */
};

static struct {
	unsigned n;
	struct xdp_if ifs[XDP_MAX_IFS];
	int memfd; /* the program's object for net_af_xdp's xdp_prog */
	char prog_path[64];
} xs = {.memfd = -1};

static struct xdp_if *
find_if(const char *name)
{
	for (unsigned i = 0; i < xs.n; i++)
		if (strcmp(xs.ifs[i].name, name) == 0)
			return &xs.ifs[i];
	return NULL;
}

static struct xdp_if *
add_if(const char *name)
{
	struct xdp_if *xi = find_if(name);

	if (xi != NULL || xs.n == XDP_MAX_IFS)
		return xi;
	xi = &xs.ifs[xs.n++];
	memset(xi, 0, sizeof(*xi));
	snprintf(xi->name, sizeof(xi->name), "%s", name);
	xi->port = -1;
	xi->link_fd = -1;
	for (unsigned m = 0; m < N_MAPS; m++)
		xi->fd[m] = -1;
	return xi;
}

/* ---- what is attached now ---- */

/* Whether pid is a running hotpathd (not a reused pid of something else). */
static bool
hotpathd_alive(uint32_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (pid == 0 || (kill((pid_t)pid, 0) < 0 && errno != EPERM))
		return false;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	if (fgets(comm, sizeof(comm), f) == NULL)
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, "hotpathd") == 0;
}

/* Open the maps of program prog_id by name into fd[]; 0 or -ENOENT if one is missing. */
static int
open_prog_maps(uint32_t prog_id, int fd[N_MAPS], char *name, size_t namelen)
{
	struct bpf_prog_info info;
	uint32_t ids[XDP_MAX_MAP_IDS], len = sizeof(info);
	int pfd, rc = 0;

	for (unsigned m = 0; m < N_MAPS; m++)
		fd[m] = -1;
	if ((pfd = bpf_prog_get_fd_by_id(prog_id)) < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = XDP_MAX_MAP_IDS;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(pfd, &info, &len) < 0) {
		rc = -errno;
		close(pfd);
		return rc;
	}
	close(pfd);
	snprintf(name, namelen, "%s", info.name);
	for (uint32_t i = 0; i < info.nr_map_ids && i < XDP_MAX_MAP_IDS; i++) {
		struct bpf_map_info mi;
		uint32_t mlen = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		if (mfd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(mfd, &mi, &mlen) == 0) {
			for (unsigned m = 0; m < N_MAPS; m++) {
				if (fd[m] < 0 && strcmp(mi.name, map_names[m]) == 0) {
					fd[m] = mfd;
					mfd = -1;
					break;
				}
			}
		}
		if (mfd >= 0)
			close(mfd);
	}
	for (unsigned m = 0; m < N_MAPS; m++)
		if (fd[m] < 0)
			rc = -ENOENT;
	return rc;
}

static void
close_fds(int fd[N_MAPS])
{
	for (unsigned m = 0; m < N_MAPS; m++) {
		if (fd[m] >= 0)
			close(fd[m]);
		fd[m] = -1;
	}
}

/*
 * Make ifname free for hotpath's program: nothing attached, or a stale hotpath
 * program (detached here). A foreign program or a live hotpathd's is an error.
 */
static int
clear_iface(const char *ifname, int ifindex, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int fd[N_MAPS], rc;
	char name[BPF_OBJ_NAME_LEN] = "";
	struct hp_xdp_cfg cfg = {0};
	uint32_t key = 0, mode_flag;

	if ((rc = bpf_xdp_query(ifindex, 0, &q)) < 0)
		return dp_errf(err, errlen, rc, "xdp: %s: cannot query its XDP program: %s", ifname,
			       strerror(-rc));
	if (q.prog_id == 0)
		return 0;
	rc = open_prog_maps(q.prog_id, fd, name, sizeof(name));
	if (strcmp(name, HP_XDP_PROG_NAME) != 0 || rc == -ENOENT) {
		close_fds(fd);
		return dp_errf(
			err, errlen, -EBUSY,
			"xdp: %s already has an XDP program that is not hotpath's (id %u, name '%s'): "
			"hotpath does not replace it; detach it (ip link set dev %s %s off) or drop %s "
			"from the config",
			ifname, q.prog_id, name, ifname,
			q.attach_mode == XDP_ATTACHED_SKB ? "xdpgeneric" : "xdp", ifname);
	}
	if (rc == 0)
		bpf_map_lookup_elem(fd[MAP_CFG], &key, &cfg);
	close_fds(fd);
	if (rc < 0)
		return dp_errf(err, errlen, rc, "xdp: %s: cannot read program %u: %s", ifname, q.prog_id,
			       strerror(-rc));
	if (cfg.owner_pid != (uint32_t)getpid() && hotpathd_alive(cfg.owner_pid))
		return dp_errf(err, errlen, -EBUSY, "xdp: %s is served by hotpathd pid %u (program id %u)",
			       ifname, cfg.owner_pid, q.prog_id);
	/* stale: its owner is gone (a crash) or never filled it in */
	mode_flag = q.attach_mode == XDP_ATTACHED_SKB  ? XDP_FLAGS_SKB_MODE
		    : q.attach_mode == XDP_ATTACHED_HW ? XDP_FLAGS_HW_MODE
						       : XDP_FLAGS_DRV_MODE;
	if ((rc = bpf_xdp_detach(ifindex, mode_flag, NULL)) < 0)
		return dp_errf(err, errlen, rc, "xdp: %s: cannot detach stale hotpath program %u: %s", ifname,
			       q.prog_id, strerror(-rc));
	DP_LOG(NOTICE, "xdp: %s: detached a stale hotpath program (id %u, owner pid %u gone)", ifname,
	       q.prog_id, cfg.owner_pid);
	return 0;
}

/* ---- map contents ---- */

/*
 * Whether a frame to steer with no socket on its queue goes to the kernel. Unset, that
 * is pass on a shield-only interface (no socket is ever bound there: the kernel is the
 * consumer) and drop on a net_af_xdp port's (fail-closed: a frame hotpathd would have
 * taken never reaches the host's stack, e.g. after a crash left the PMD's program on).
 */
static bool
nosock_pass(const struct xdp_if *xi)
{
	if (xi->on_no_socket == HP_XDP_NOSOCK_DEFAULT)
		return xi->port < 0;
	return xi->on_no_socket == HP_XDP_NOSOCK_PASS;
}

static uint32_t
port_bits(const struct xdp_if *xi, unsigned port)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < xi->n_pass; i++) {
		const struct hp_xdp_class *c = &xi->pass[i];
		uint32_t bit = 0;

		if (port < c->port_lo || port > c->port_hi)
			continue;
		if (c->kind == HP_XDP_CLASS_TCP)
			bit = HP_XDP_PORT_TCP;
		else if (c->kind == HP_XDP_CLASS_UDP)
			bit = HP_XDP_PORT_UDP;
		v |= c->sport ? bit << HP_XDP_PORT_SRC_SHIFT : bit;
	}
	return v;
}

static uint32_t
class_flag(enum hp_xdp_class_kind k)
{
	switch (k) {
	case HP_XDP_CLASS_ARP:
		return HP_XDP_PASS_ARP;
	case HP_XDP_CLASS_ND:
		return HP_XDP_PASS_ND;
	case HP_XDP_CLASS_ICMP:
		return HP_XDP_PASS_ICMP;
	case HP_XDP_CLASS_ICMP6:
		return HP_XDP_PASS_ICMP6;
	default:
		return 0;
	}
}

/* Write hp_cfg and the hp_ports entries of [lo, hi] from xi's pass list. */
static int
write_pass(struct xdp_if *xi, unsigned lo, unsigned hi)
{
	struct hp_xdp_cfg cfg = {.owner_pid = (uint32_t)getpid()};
	uint32_t key = 0;

	xi->flags = 0;
	for (unsigned i = 0; i < xi->n_pass; i++)
		xi->flags |= class_flag(xi->pass[i].kind);
	if (nosock_pass(xi))
		xi->flags |= HP_XDP_FLAG_NOSOCK_PASS;
	cfg.flags = xi->flags;
	if (bpf_map_update_elem(xi->fd[MAP_CFG], &key, &cfg, BPF_ANY) < 0)
		return -errno;
	for (unsigned p = lo; p <= hi && p <= 65535; p++) {
		uint32_t v = port_bits(xi, p);

		key = p;
		if (bpf_map_update_elem(xi->fd[MAP_PORTS], &key, &v, BPF_ANY) < 0)
			return -errno;
	}
	return 0;
}

static int
fam_idx(int family)
{
	return family == AF_INET6;
}

/* Add (BPF_NOEXIST) or delete one block prefix: 0, -EEXIST, -ENOENT, -ENOSPC or -errno. */
static int
block_one(struct xdp_if *xi, bool add, const struct hp_prefix *p)
{
	int f = fam_idx(p->family), rc;
	uint8_t one = 1;

	if (add && xi->n_block[f] >= HP_XDP_MAX_BLOCK)
		return -ENOSPC;

	if (p->family == AF_INET) {
		struct hp_xdp_lpm4 k = {.prefixlen = p->len};

		memcpy(k.addr, p->addr, 4);
		rc = add ? bpf_map_update_elem(xi->fd[MAP_BLOCK4], &k, &one, BPF_NOEXIST)
			 : bpf_map_delete_elem(xi->fd[MAP_BLOCK4], &k);
	} else {
		struct hp_xdp_lpm6 k = {.prefixlen = p->len};

		memcpy(k.addr, p->addr, 16);
		rc = add ? bpf_map_update_elem(xi->fd[MAP_BLOCK6], &k, &one, BPF_NOEXIST)
			 : bpf_map_delete_elem(xi->fd[MAP_BLOCK6], &k);
	}
	if (rc < 0)
		return -errno;
	if (add)
		xi->n_block[f]++;
	else
		xi->n_block[f]--;
	return 0;
}

/* Every block prefix of a map, through fn; stops at the first non-zero return. */
static int
foreach_block(const struct xdp_if *xi, int family, int (*fn)(void *arg, const struct hp_prefix *p), void *arg)
{
	int fd = xi->fd[family == AF_INET ? MAP_BLOCK4 : MAP_BLOCK6];
	struct hp_xdp_lpm6 key, next; /* big enough for both key types */
	bool first = true;
	int rc;

	while (bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0) {
		struct hp_prefix p = {.family = family, .len = (uint8_t)next.prefixlen};

		memcpy(p.addr, next.addr, family == AF_INET ? 4 : 16);
		if ((rc = fn(arg, &p)) != 0)
			return rc;
		key = next;
		first = false;
	}
	return 0;
}

static int
cmp_prefix(const void *a, const void *b)
{
	const struct hp_prefix *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

struct stale_blocks {
	const struct hp_prefix *keep; /* sorted */
	unsigned n_keep;
	struct hp_prefix *del;
	unsigned n_del, cap;
};

static int
note_stale(void *arg, const struct hp_prefix *p)
{
	struct stale_blocks *sb = arg;

	if (sb->n_keep && bsearch(p, sb->keep, sb->n_keep, sizeof(*p), cmp_prefix))
		return 0;
	if (sb->n_del == sb->cap) {
		unsigned cap = sb->cap ? 2 * sb->cap : 256;
		struct hp_prefix *d = realloc(sb->del, cap * sizeof(*d));

		if (d == NULL)
			return -ENOMEM;
		sb->del = d, sb->cap = cap;
	}
	sb->del[sb->n_del++] = *p;
	return 0;
}

/* The ports a class sets in hp_ports: [lo, hi], or an empty range for the others. */
static void
class_ports(const struct hp_xdp_class *c, unsigned *lo, unsigned *hi)
{
	bool ported = c->kind == HP_XDP_CLASS_TCP || c->kind == HP_XDP_CLASS_UDP;

	*lo = ported ? c->port_lo : 1;
	*hi = ported ? c->port_hi : 0;
}

/*
 * Make xi's maps say conf (NULL: nothing passed, nothing blocked). When the old and
 * the new lists fit a map together, the new blocks go in before the stale ones
 * leave, so no source of either list is open in between. When they do not, the
 * stale ones leave first: the maps then never hold more than the larger list (each
 * fits: the parser refuses a list longer than a map). Either way a prefix in both
 * lists stays in throughout.
 */
static int
fill(struct xdp_if *xi, const struct hp_xdp_conf *conf)
{
	struct hp_xdp_class old[HP_MAX_XDP_PASS];
	unsigned n_old = xi->n_pass, lo, hi, n_new[2] = {0, 0};
	struct stale_blocks sb = {0};
	bool add_first;
	struct hp_prefix *keep = NULL;
	int rc = 0;

	memcpy(old, xi->pass, sizeof(old[0]) * n_old);
	xi->on_no_socket = conf ? conf->on_no_socket : HP_XDP_NOSOCK_DEFAULT;
	xi->n_pass = conf ? conf->n_pass : 0;
	if (conf)
		memcpy(xi->pass, conf->pass, sizeof(conf->pass[0]) * conf->n_pass);
	if ((rc = write_pass(xi, 1, 0)) < 0)
		return rc;
	for (unsigned i = 0; i < n_old + xi->n_pass && rc == 0; i++) {
		class_ports(i < n_old ? &old[i] : &xi->pass[i - n_old], &lo, &hi);
		rc = write_pass(xi, lo, hi);
	}
	if (rc < 0)
		return rc;

	if (conf && conf->n_block) {
		if ((keep = malloc(conf->n_block * sizeof(*keep))) == NULL)
			return -ENOMEM;
		memcpy(keep, conf->block, conf->n_block * sizeof(*keep));
		qsort(keep, conf->n_block, sizeof(*keep), cmp_prefix);
	}
	sb.keep = keep;
	sb.n_keep = conf ? conf->n_block : 0;
	for (unsigned i = 0; i < sb.n_keep; i++)
		n_new[fam_idx(keep[i].family)]++;
	add_first = xi->n_block[0] + n_new[0] <= HP_XDP_MAX_BLOCK &&
		    xi->n_block[1] + n_new[1] <= HP_XDP_MAX_BLOCK;
	for (unsigned i = 0; add_first && i < sb.n_keep && rc == 0; i++)
		if ((rc = block_one(xi, true, &keep[i])) == -EEXIST)
			rc = 0;
	if (rc == 0 && (rc = foreach_block(xi, AF_INET, note_stale, &sb)) == 0)
		rc = foreach_block(xi, AF_INET6, note_stale, &sb);
	for (unsigned i = 0; i < sb.n_del && rc == 0; i++)
		rc = block_one(xi, false, &sb.del[i]);
	for (unsigned i = 0; !add_first && i < sb.n_keep && rc == 0; i++)
		if ((rc = block_one(xi, true, &keep[i])) == -EEXIST)
			rc = 0;
	free(sb.del);
	free(keep);
	return rc;
}

static const struct hp_xdp_conf *
conf_of(const struct hp_config *cfg, const char *iface)
{
	for (unsigned i = 0; i < cfg->n_xdp; i++)
		if (strcmp(cfg->xdp[i].iface, iface) == 0)
			return &cfg->xdp[i];
	return NULL;
}

/* ---- lifecycle ---- */

int
ctl_xdp_prepare(const struct hp_config *cfg, const char *devargs[HP_MAX_PORTS], char *err, size_t errlen)
{
	static char dev[HP_MAX_PORTS][HP_DEVARGS_MAX + 64];
	char iface[HP_IFNAME_MAX];
	int rc;

	ctl_xdp_stop(); /* and xs.n = 0 */
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct hp_port_conf *pc = &cfg->ports[i];
		struct xdp_if *xi;

		devargs[i] = NULL;
		if (!hp_af_xdp_iface(pc->device, iface, sizeof(iface)) || strstr(pc->device, ",xdp_prog="))
			continue; /* not AF_XDP, or the operator's own program: not ours to manage */
		xi = add_if(iface);
		xi->port = (int)i;
		snprintf(xi->port_name, sizeof(xi->port_name), "%s", pc->name);
		if (xs.memfd < 0) {
			size_t sz;
			const void *elf = hp_xdp__elf_bytes(&sz);

			xs.memfd = memfd_create("hp_xdp.bpf.o", MFD_CLOEXEC);
			if (xs.memfd < 0 || write(xs.memfd, elf, sz) != (ssize_t)sz)
				return dp_errf(err, errlen, -errno, "xdp: cannot stage the XDP program: %s",
					       strerror(errno));
			snprintf(xs.prog_path, sizeof(xs.prog_path), "/proc/self/fd/%d", xs.memfd);
		}
		if ((size_t)snprintf(dev[i], sizeof(dev[i]), "%s,xdp_prog=%s", pc->device, xs.prog_path) >=
		    sizeof(dev[i]))
			return dp_errf(err, errlen, -EINVAL, "port %s: device string too long", pc->name);
		devargs[i] = dev[i];
	}
	for (unsigned i = 0; i < cfg->n_xdp; i++) {
		struct xdp_if *xi = add_if(cfg->xdp[i].iface);

		xi->mode = cfg->xdp[i].mode;
		xi->has_mode = cfg->xdp[i].has_mode;
	}
	for (unsigned i = 0; i < xs.n; i++) {
		struct xdp_if *xi = &xs.ifs[i];

		xi->ifindex = (int)if_nametoindex(xi->name);
		if (xi->ifindex == 0 && xi->port >= 0)
			return dp_errf(err, errlen, -ENODEV, "port %s: no interface named %s", xi->port_name,
				       xi->name);
		if (xi->ifindex == 0)
			return dp_errf(err, errlen, -ENODEV, "xdp: no interface named %s", xi->name);
		if ((rc = clear_iface(xi->name, xi->ifindex, err, errlen)) < 0)
			return rc;
	}
	return 0;
}

static uint32_t
prog_id_of(const struct xdp_if *xi)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	return bpf_xdp_query(xi->ifindex, 0, &q) == 0 ? q.prog_id : 0;
}

/* Shield-only: our own copy of the program, its maps ready to fill before it is attached. */
static int
load_shield(struct xdp_if *xi, char *err, size_t errlen)
{
	xi->skel = hp_xdp__open_and_load();
	if (xi->skel == NULL)
		return dp_errf(err, errlen, -errno, "xdp: %s: cannot load the XDP program: %s", xi->name,
			       strerror(errno));
	xi->fd[MAP_CFG] = bpf_map__fd(xi->skel->maps.hp_cfg);
	xi->fd[MAP_PORTS] = bpf_map__fd(xi->skel->maps.hp_ports);
	xi->fd[MAP_BLOCK4] = bpf_map__fd(xi->skel->maps.hp_block4);
	xi->fd[MAP_BLOCK6] = bpf_map__fd(xi->skel->maps.hp_block6);
	xi->fd[MAP_STATS] = bpf_map__fd(xi->skel->maps.hp_stats);
	return 0;
}

/* After load_shield and fill: the program sees its first frame with its maps filled. */
static int
attach_shield(struct xdp_if *xi, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	int rc;

	lo.flags = xi->mode == HP_XDP_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	xi->link_fd = bpf_link_create(bpf_program__fd(xi->skel->progs.hp_xdp), xi->ifindex, BPF_XDP, &lo);
	if (xi->link_fd < 0) {
		rc = -errno;
		return dp_errf(err, errlen, rc, "xdp: %s: cannot attach in %s mode: %s%s", xi->name,
			       xi->mode == HP_XDP_GENERIC ? "generic" : "native", strerror(-rc),
			       xi->mode == HP_XDP_NATIVE && rc == -EOPNOTSUPP
				       ? " (the driver has no native XDP: "
					 "use mode: generic)"
				       : "");
	}
	xi->prog_id = prog_id_of(xi);
	return 0;
}

int
ctl_xdp_start(const struct hp_config *cfg, char *err, size_t errlen)
{
	int rc;

	for (unsigned i = 0; i < xs.n; i++) {
		struct xdp_if *xi = &xs.ifs[i];

		if (xi->port < 0) {
			if ((rc = load_shield(xi, err, errlen)) < 0)
				return rc;
		} else {
			char name[BPF_OBJ_NAME_LEN] = "";

			xi->prog_id = prog_id_of(xi);
			rc = xi->prog_id ? open_prog_maps(xi->prog_id, xi->fd, name, sizeof(name)) : -ENOENT;
			if (rc < 0 || strcmp(name, HP_XDP_PROG_NAME) != 0)
				return dp_errf(
					err, errlen, rc < 0 ? rc : -ENOENT,
					"xdp: %s: port %s started without hotpath's XDP program on it (found id "
					"%u '%s')",
					xi->name, xi->port_name, xi->prog_id, name);
		}
		if ((rc = fill(xi, conf_of(cfg, xi->name))) < 0)
			return dp_errf(err, errlen, rc, "xdp: %s: cannot fill the program's maps: %s",
				       xi->name, strerror(-rc));
		if (xi->port < 0 && (rc = attach_shield(xi, err, errlen)) < 0)
			return rc;
		DP_LOG(NOTICE, "xdp: %s: program %u (%s), %u pass classes, %u+%u block prefixes", xi->name,
		       xi->prog_id, xi->port >= 0 ? "net_af_xdp" : "shield", xi->n_pass, xi->n_block[0],
		       xi->n_block[1]);
	}
	return 0;
}

void
ctl_xdp_stop(void)
{
	for (unsigned i = 0; i < xs.n; i++) {
		struct xdp_if *xi = &xs.ifs[i];

		if (xi->port >= 0)
			close_fds(xi->fd);
		for (unsigned m = 0; m < N_MAPS; m++)
			xi->fd[m] = -1;
		if (xi->link_fd >= 0)
			close(xi->link_fd); /* the last reference: the kernel detaches the program */
		xi->link_fd = -1;
		hp_xdp__destroy(xi->skel);
		xi->skel = NULL;
	}
	xs.n = 0;
	if (xs.memfd >= 0)
		close(xs.memfd);
	xs.memfd = -1;
}

bool
ctl_xdp_active(void)
{
	return xs.n > 0;
}

/* ---- reading ---- */

static json_t *
counters_json(const struct xdp_if *xi)
{
	int ncpu = libbpf_num_possible_cpus();
	struct hp_xdp_counter *v;
	json_t *o = json_object();

	if (ncpu <= 0 || (v = calloc((size_t)ncpu, sizeof(*v))) == NULL)
		return o;
	for (uint32_t r = 0; r < HP_XDP_NREASONS; r++) {
		uint64_t pk = 0, by = 0;

		if (xi->fd[MAP_STATS] >= 0 && bpf_map_lookup_elem(xi->fd[MAP_STATS], &r, v) == 0)
			for (int c = 0; c < ncpu; c++)
				pk += v[c].packets, by += v[c].bytes;
		json_object_set_new(
			o, hp_xdp_reason_names[r],
			json_pack("{s:I, s:I}", "packets", (json_int_t)pk, "bytes", (json_int_t)by));
	}
	free(v);
	return o;
}

static json_t *
pass_json(const struct xdp_if *xi)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < xi->n_pass; i++) {
		char t[32];

		hp_xdp_class_text(&xi->pass[i], t, sizeof(t));
		json_array_append_new(a, json_string(t));
	}
	return a;
}

json_t *
ctl_xdp_show(void)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < xs.n; i++) {
		const struct xdp_if *xi = &xs.ifs[i];
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		const char *mode = "none";

		if (bpf_xdp_query(xi->ifindex, 0, &q) == 0)
			mode = q.attach_mode == XDP_ATTACHED_DRV     ? "native"
			       : q.attach_mode == XDP_ATTACHED_SKB   ? "generic"
			       : q.attach_mode == XDP_ATTACHED_HW    ? "offload"
			       : q.attach_mode == XDP_ATTACHED_MULTI ? "multi"
								     : "none";
		json_t *c = counters_json(xi), *packets = json_object(), *bytes = json_object(), *v;
		const char *reason;

		/* by reason: packets and bytes side by side (hpctl shows the packets that are not 0) */
		json_object_foreach(c, reason, v) {
			json_object_set(packets, reason, json_object_get(v, "packets"));
			json_object_set(bytes, reason, json_object_get(v, "bytes"));
		}
		json_decref(c);
		json_array_append_new(
			a, json_pack("{s:s, s:i, s:s, s:s?, s:s, s:s, s:I, s:o, s:I, s:I, s:o, s:o}", "iface",
				     xi->name, "ifindex", xi->ifindex, "role",
				     xi->port >= 0 ? "af_xdp" : "shield", "port",
				     xi->port >= 0 ? xi->port_name : NULL, "mode", mode, "on_no_socket",
				     nosock_pass(xi) ? "pass" : "drop", "prog_id", (json_int_t)(q.prog_id),
				     "pass", pass_json(xi), "block4", (json_int_t)xi->n_block[0], "block6",
				     (json_int_t)xi->n_block[1], "packets", packets, "bytes", bytes));
	}
	return a;
}

json_t *
ctl_xdp_counters(void)
{
	json_t *o = json_object();

	for (unsigned i = 0; i < xs.n; i++)
		json_object_set_new(o, xs.ifs[i].name, counters_json(&xs.ifs[i]));
	return o;
}

static int
block_text(void *arg, const struct hp_prefix *p)
{
	char t[HP_PREFIX_STRLEN];

	json_array_append_new(arg, json_string(hp_prefix_format(p, t, sizeof(t))));
	return 0;
}

json_t *
ctl_xdp_blocks(const char *iface)
{
	const struct xdp_if *xi = iface ? find_if(iface) : (xs.n ? &xs.ifs[0] : NULL);
	json_t *a;

	if (xi == NULL)
		return NULL;
	a = json_array();
	foreach_block(xi, AF_INET, block_text, a);
	foreach_block(xi, AF_INET6, block_text, a);
	return a;
}

int
ctl_xdp_entries(struct hp_config *cfg)
{
	int rc = 0;

	for (unsigned i = 0; i < xs.n; i++)
		if (conf_of(cfg, xs.ifs[i].name) == NULL &&
		    hp_model_xdp_entry(cfg, xs.ifs[i].name, &rc) == NULL)
			return rc;
	return 0;
}

/* ---- live changes ---- */

/* The interfaces a change applies to: one by name, or all. */
static int
targets(const char *iface, struct xdp_if **first, unsigned *n, char *err, size_t errlen)
{
	if (xs.n == 0)
		return dp_errf(err, errlen, -ENOENT,
			       "no interface runs hotpath's XDP program (add an xdp: entry or a "
			       "net_af_xdp port to the config)");
	if (iface == NULL) {
		*first = &xs.ifs[0];
		*n = xs.n;
		return 0;
	}
	if ((*first = find_if(iface)) == NULL)
		return dp_errf(err, errlen, -ENOENT, "no XDP interface named %s", iface);
	*n = 1;
	return 0;
}

int
ctl_xdp_block(bool add, const struct hp_prefix *p, const char *iface, char *err, size_t errlen)
{
	struct xdp_if *xi;
	unsigned n = 0, changed = 0;
	char a[HP_PREFIX_STRLEN];
	int rc;

	if ((rc = targets(iface, &xi, &n, err, errlen)) < 0)
		return rc;
	hp_prefix_format(p, a, sizeof(a));
	for (unsigned i = 0; i < n; i++) {
		/* the whole list of one interface, as the model and a config file hold it */
		if (add && xi[i].n_block[0] + xi[i].n_block[1] >= HP_MAX_XDP_BLOCK)
			return dp_errf(err, errlen, -ENOSPC,
				       "xdp: %s: cannot block %s: %u prefixes already (the most)", xi[i].name,
				       a, HP_MAX_XDP_BLOCK);
		rc = block_one(&xi[i], add, p);
		if (rc == 0)
			changed++;
		else if (rc != -EEXIST && rc != -ENOENT)
			return dp_errf(err, errlen, rc, "xdp: %s: cannot %s %s: %s%s", xi[i].name,
				       add ? "block" : "unblock", a, strerror(-rc),
				       rc == -ENOSPC ? " (the block map is full)" : "");
	}
	if (changed == 0)
		return dp_errf(err, errlen, add ? -EEXIST : -ENOENT, "%s is %s on %s", a,
			       add ? "already blocked" : "not blocked",
			       iface ? iface : "every XDP interface");
	DP_LOG(NOTICE, "xdp: %s %s on %s", add ? "blocked" : "unblocked", a,
	       iface ? iface : "every interface");
	return 0;
}

int
ctl_xdp_pass(bool add, const struct hp_xdp_class *c, const char *iface, char *err, size_t errlen)
{
	struct xdp_if *xi;
	unsigned n = 0, changed = 0, lo, hi;
	char t[32];
	int rc;

	if ((rc = targets(iface, &xi, &n, err, errlen)) < 0)
		return rc;
	hp_xdp_class_text(c, t, sizeof(t));
	for (unsigned i = 0; i < n; i++) {
		struct xdp_if *x = &xi[i];
		unsigned k;

		for (k = 0; k < x->n_pass && !hp_xdp_class_equal(&x->pass[k], c); k++)
			;
		if (add == (k < x->n_pass))
			continue; /* already there / not there */
		if (add && x->n_pass == HP_MAX_XDP_PASS)
			return dp_errf(err, errlen, -ENOSPC, "xdp: %s has %u pass classes already (the most)",
				       x->name, HP_MAX_XDP_PASS);
		if (add)
			x->pass[x->n_pass++] = *c;
		else /* in order: xdp.show lists them as config dump (the model) does */
			memmove(&x->pass[k], &x->pass[k + 1], (--x->n_pass - k) * sizeof(x->pass[0]));
		class_ports(c, &lo, &hi);
		if ((rc = write_pass(x, lo, hi)) < 0)
			return dp_errf(err, errlen, rc, "xdp: %s: cannot update pass %s: %s", x->name, t,
				       strerror(-rc));
		changed++;
	}
	if (changed == 0)
		return dp_errf(err, errlen, add ? -EEXIST : -ENOENT, "class %s is %s on %s", t,
			       add ? "already passed" : "not passed", iface ? iface : "every XDP interface");
	DP_LOG(NOTICE, "xdp: pass %s %s on %s", t, add ? "added" : "removed",
	       iface ? iface : "every interface");
	return 0;
}

int
ctl_xdp_check(const struct hp_config *nc, char *err, size_t errlen)
{
	for (unsigned i = 0; i < nc->n_xdp; i++) {
		const struct xdp_if *xi = find_if(nc->xdp[i].iface);

		if (xi == NULL)
			return dp_errf(
				err, errlen, -EINVAL,
				"xdp interface %s is not served now (interfaces are fixed while hotpathd runs)",
				nc->xdp[i].iface);
		if (xi->has_mode != nc->xdp[i].has_mode || (xi->has_mode && xi->mode != nc->xdp[i].mode))
			return dp_errf(err, errlen, -EINVAL,
				       "xdp interface %s: its mode cannot change while hotpathd runs",
				       xi->name);
	}
	for (unsigned i = 0; i < xs.n; i++)
		if (xs.ifs[i].port < 0 && conf_of(nc, xs.ifs[i].name) == NULL)
			return dp_errf(
				err, errlen, -EINVAL,
				"xdp interface %s is missing (interfaces are fixed while hotpathd runs)",
				xs.ifs[i].name);
	return 0;
}

int
ctl_xdp_replace(const struct hp_config *nc, char *err, size_t errlen)
{
	int rc;

	for (unsigned i = 0; i < xs.n; i++)
		if ((rc = fill(&xs.ifs[i], conf_of(nc, xs.ifs[i].name))) < 0)
			return dp_errf(err, errlen, rc, "xdp: %s: cannot update the program's maps: %s",
				       xs.ifs[i].name, strerror(-rc));
	return 0;
}
