/* Config section conntrack: the connection table's size and timeouts (dataplane/ct.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"

static uint64_t mem_override; /* hp_config_set_memory(): 0 = the machine's */

void
hp_config_set_memory(uint64_t bytes)
{
	mem_override = bytes;
}

/* The machine's memory in bytes (sysconf), or 0 when it cannot say. */
static uint64_t
machine_memory(void)
{
	long pages, size;

	if (mem_override)
		return mem_override;
	pages = sysconf(_SC_PHYS_PAGES);
	size = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || size <= 0)
		return 0;
	return (uint64_t)pages * (uint64_t)size;
}

static int
ct_max(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_conntrack_conf *ct = obj;
	unsigned long long v;
	uint64_t mem, need;
	int rc;

	if ((rc = cfg_want_uint(c, key, val, HP_CT_MAX_MIN, HP_CT_MAX_MAX, &v)))
		return rc;
	mem = machine_memory();
	need = (uint64_t)v * HP_CT_CONN_BYTES;
	if (mem && need > mem)
		return cfg_fail(c, val,
				"key 'max': %llu connections need about %llu bytes (%u a connection), beyond "
				"this machine's memory of %llu bytes",
				v, (unsigned long long)need, HP_CT_CONN_BYTES, (unsigned long long)mem);
	ct->max = (uint32_t)v;
	return 0;
}

/* One timeout in seconds: HP_CT_TIMEOUT_MIN..HP_CT_TIMEOUT_MAX. */
static int
ct_seconds(struct ctx *c, const char *key, struct cfg_node val, uint32_t *out)
{
	unsigned long long v;
	int rc;

	if ((rc = cfg_want_uint(c, key, val, HP_CT_TIMEOUT_MIN, HP_CT_TIMEOUT_MAX, &v)))
		return rc;
	*out = (uint32_t)v;
	return 0;
}

static int
ct_tcp_established(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return ct_seconds(c, key, val, &((struct hp_conntrack_conf *)obj)->tcp_established);
}

static int
ct_tcp_transitory(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return ct_seconds(c, key, val, &((struct hp_conntrack_conf *)obj)->tcp_transitory);
}

static int
ct_udp(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return ct_seconds(c, key, val, &((struct hp_conntrack_conf *)obj)->udp);
}

static int
ct_icmp(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return ct_seconds(c, key, val, &((struct hp_conntrack_conf *)obj)->icmp);
}

static const struct key_def timeout_keys[] = {
	{"tcp_established", ct_tcp_established, false},
	{"tcp_transitory", ct_tcp_transitory, false},
	{"udp", ct_udp, false},
	{"icmp", ct_icmp, false},
};

static int
ct_timeouts(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return cfg_walk_mapping(c, val, key, "in conntrack.timeouts", timeout_keys, CFG_N(timeout_keys), obj);
}

static const struct key_def conntrack_keys[] = {
	{"max", ct_max, false},
	{"timeouts", ct_timeouts, false},
};

void
cfg_conntrack_defaults(struct hp_conntrack_conf *ct)
{
	*ct = (struct hp_conntrack_conf){.max = HP_CT_MAX_DEFAULT,
					 .tcp_established = HP_CT_TCP_ESTABLISHED_DEFAULT,
					 .tcp_transitory = HP_CT_TCP_TRANSITORY_DEFAULT,
					 .udp = HP_CT_UDP_DEFAULT,
					 .icmp = HP_CT_ICMP_DEFAULT};
}

int
cfg_parse_conntrack(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	struct hp_conntrack_conf *ct = &cfg->conntrack;

	cfg_conntrack_defaults(ct);
	ct->enabled = true;
	ct->line = cfg_line(val);
	return cfg_walk_mapping(c, val, key, "in conntrack", conntrack_keys, CFG_N(conntrack_keys), ct);
}
