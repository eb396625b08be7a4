/* Ports: probe any DPDK devargs, size mempools, configure queues (RSS), start, stop. */
#ifndef DP_PORT_H
#define DP_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mempool.h>

#include "conf.h"
#include "lcore_map.h"

struct dp_port {
	const struct hp_port_conf *conf;
	const char *device; /* the devargs probed: conf->device, what replaced it, or afp_devargs */
	char afp_devargs[HP_DEVARGS_MAX + 64]; /* net_af_packet: device + the ring's frame size */
	uint32_t rx_frame_max; /* net_af_packet: bytes of a frame its RX ring holds (0: not one) */
	uint16_t port_id;
	uint16_t n_rxq, n_txq;
	int socket;                /* NUMA socket of the device (0 if unknown) */
	struct rte_ether_addr mac; /* the address hotpath owns on this port */
	bool probed, configured, started;
	char driver[32];
	struct rte_eth_stats final_stats; /* device counters read just before the port stopped */
};

struct dp_ports {
	unsigned n;
	struct dp_port ports[HP_MAX_PORTS];
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES]; /* one per socket in use */
	uint32_t pool_size[RTE_MAX_NUMA_NODES];
};

/*
 * Probe every configured device (PCI or vdev devargs; devargs[i], when not
 * NULL, replaces port i's configured device string), create one mbuf pool
 * per NUMA socket sized from the ports, queues and workers, configure RX/TX
 * queues as the map says (RSS over RX queues when there are several) and
 * start the ports. Main lcore, after rte_eal_init(). Returns 0 or -errno with
 * a message in err; on error whatever was set up is left for dp_ports_close().
 */
int dp_ports_open(struct dp_ports *dp, const struct hp_config *cfg, const struct dp_lcore_map *map,
		  const char *const devargs[HP_MAX_PORTS], char *err, size_t errlen);

/* Stop and close every port that was opened. The pools stay (for the leak check). */
void dp_ports_close(struct dp_ports *dp);

/* Free the mbuf pools; after dp_ports_close(). */
void dp_ports_free_pools(struct dp_ports *dp);

#endif
