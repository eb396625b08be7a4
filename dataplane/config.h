/* hotpath configuration: the YAML schema of DESIGN.md parsed into plain data (no DPDK). */
#ifndef HP_CONFIG_H
#define HP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HP_MAX_PORTS 32          /* = RTE_MAX_ETHPORTS of Debian's DPDK build */
#define HP_MAX_QUEUES 64         /* RX (= TX) queues per port */
#define HP_MAX_ADDRS 16          /* ipv4 / ipv6 addresses per port */
#define HP_MAX_WORKERS 127       /* RTE_MAX_LCORE less the main lcore */
#define HP_MAX_WORKER_QUEUES 64  /* queues one worker may own */
#define HP_MAX_EAL_ARGS 64
#define HP_NAME_MAX 32           /* port name, including the NUL */
#define HP_DEVARGS_MAX 512
#define HP_PATH_MAX 108          /* sizeof(sun_path) */
#define HP_ERR_MAX 512           /* room for "FILE:LINE: message" */

#define HP_DEFAULT_SOCKET "/run/hotpath/hotpath.sock"
#define HP_DEFAULT_METRICS "127.0.0.1:9469"
#define HP_DEFAULT_RX_DESC 1024
#define HP_DEFAULT_TX_DESC 1024

enum hp_port_mode {
	HP_MODE_XCONNECT,
	HP_MODE_L3,
};

/* An address with its prefix length; addr holds 4 (AF_INET) or 16 bytes. */
struct hp_prefix {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t len;      /* prefix length in bits */
	uint8_t addr[16]; /* network byte order */
};

struct hp_port_conf {
	char name[HP_NAME_MAX];
	char device[HP_DEVARGS_MAX]; /* DPDK devargs: PCI address or vdev string */
	uint16_t queues;             /* RX queues = TX queues (at least); default 1 */
	uint16_t rx_desc;            /* descriptors per RX queue */
	uint16_t tx_desc;            /* descriptors per TX queue */
	bool has_mac;
	uint8_t mac[6];
	enum hp_port_mode mode;
	int peer;                    /* index into hp_config.ports, -1 if none */
	unsigned n_ipv4, n_ipv6;
	struct hp_prefix ipv4[HP_MAX_ADDRS];
	struct hp_prefix ipv6[HP_MAX_ADDRS];
	unsigned line;               /* line of the port's entry, for later errors */
	unsigned peer_line;
};

struct hp_queue_ref {
	uint16_t port;  /* index into hp_config.ports */
	uint16_t queue;
};

struct hp_worker_conf {
	unsigned lcore;
	unsigned n_queues;
	struct hp_queue_ref queues[HP_MAX_WORKER_QUEUES];
	unsigned line;       /* line of the worker's entry */
	unsigned lcore_line; /* line of its lcore key */
};

struct hp_config {
	char file[256];                    /* name used in error messages */
	unsigned n_eal_args;
	char *eal_args[HP_MAX_EAL_ARGS];   /* owned; NULL-terminated */
	unsigned eal_line;
	char control_socket[HP_PATH_MAX];
	char metrics[64];                  /* "host:port" */
	uint32_t mbufs;                    /* mbufs per pool; 0 = sized from the ports */
	unsigned n_ports;
	struct hp_port_conf ports[HP_MAX_PORTS];
	bool has_workers;                  /* a workers: section was given */
	unsigned n_workers;
	struct hp_worker_conf workers[HP_MAX_WORKERS];
};

/*
 * Parse and validate a YAML configuration held in memory. name is the file
 * name used in messages. On success returns 0 and fills cfg (release it with
 * hp_config_free()). On error returns -EINVAL (or -ENOMEM), leaves cfg freed,
 * and writes "NAME:LINE: message" into err (errlen bytes, NUL-terminated).
 */
int hp_config_parse(const char *name, const char *text, size_t len,
		    struct hp_config *cfg, char *err, size_t errlen);

/* As hp_config_parse() on the contents of the file at path; an unreadable
 * file gives "PATH: strerror". */
int hp_config_load(const char *path, struct hp_config *cfg, char *err, size_t errlen);

/* Release what hp_config_parse() allocated; cfg may be zeroed or half-filled. */
void hp_config_free(struct hp_config *cfg);

/* Index of the port named name, or -1. */
int hp_config_port_index(const struct hp_config *cfg, const char *name);

/* Parsers shared with the control socket and hpctl. Return 0 or -EINVAL. */
int hp_parse_mac(const char *s, uint8_t mac[6]);
int hp_parse_prefix(const char *s, int family, struct hp_prefix *p); /* family 0 = either */

/* "p0/1" -> queue reference; -EINVAL if malformed, -ENOENT if no such port,
 * -ERANGE if the queue is not below the port's queue count. */
int hp_parse_queue_ref(const struct hp_config *cfg, const char *s, struct hp_queue_ref *q);

const char *hp_port_mode_name(enum hp_port_mode m);

#endif
