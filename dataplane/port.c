/* Port bring-up: any devargs (PCI or vdev) -> ethdev with mbuf pool, queues, RSS. */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "log.h"
#include "parse.h"
#include "port.h"
#include "worker_state.h"

#define DP_MEMPOOL_CACHE 256
#define DP_MBUF_MARGIN 8192        /* punt/inject rings, held packets, control thread */
#define DP_PCAP_REPLAY_MBUFS 16384 /* net_pcap infinite_rx keeps the whole file in mbufs */

RTE_LOG_REGISTER(dp_logtype, hotpath, INFO);

/* Probe the device (a PCI device may already be probed by EAL's scan) and find its port. */
static int
probe(struct dp_port *p, char *err, size_t errlen)
{
	const struct hp_port_conf *pc = p->conf;
	struct rte_dev_iterator it;
	uint16_t pid;
	int rc, found = 0;

	rc = rte_dev_probe(p->device);
	if (rc < 0 && rc != -EEXIST)
		return dp_errf(err, errlen, rc, "port %s: cannot probe device '%s': %s", pc->name, p->device,
			       rte_strerror(-rc));
	RTE_ETH_FOREACH_MATCHING_DEV(pid, p->device, &it) {
		if (!found)
			p->port_id = pid;
		found++;
	}
	if (found == 0)
		return dp_errf(err, errlen, -ENODEV, "port %s: device '%s' is not an ethdev", pc->name,
			       pc->device);
	if (found > 1) {
		rte_eth_iterator_cleanup(&it);
		return dp_errf(
			err, errlen, -EINVAL,
			"port %s: device '%s' has %d ethdev ports; name one (class=eth,representor=...)",
			pc->name, pc->device, found);
	}
	p->probed = true;
	return 0;
}

/* Whether ifname's driver is veth (ETHTOOL_GDRVINFO); false when it cannot be told. */
static bool
iface_is_veth(const char *ifname)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool veth;

	if (fd < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	veth = ioctl(fd, SIOCETHTOOL, &ifr) == 0 && strcmp(info.driver, "veth") == 0;
	close(fd);
	return veth;
}

/*
 * net_af_packet ring frames. DPDK's af_packet PMD (22.11 and later) joins its sockets to a
 * PACKET_FANOUT group with PACKET_FANOUT_FLAG_DEFRAG, which no devarg turns off: the kernel
 * reassembles IPv4 fragments before the ring, and a ring frame cuts what is longer than it
 * (framesz, 2048 by default). So unless the devargs say otherwise hotpathd asks for frames
 * of DP_AFP_FRAMESZ: a reassembled datagram arrives whole, is routed, and the egress MTU
 * slow path fragments it again (punt reason mtu), as a Linux router with netfilter's
 * defragmentation does. The kernel's rules (packet_set_ring): the block size is a multiple
 * of the page size and holds whole frames, the frame size a multiple of TPACKET_ALIGNMENT
 * (16), and the frame count a multiple of the frames per block. One frame per block of
 * 16 KiB (a power-of-two allocation for the kernel); frames of 10240 in blocks of 20480
 * were tried and lost the ARP requests in the -O2 build (not understood yet).
 */
#define DP_AFP_FRAMESZ 16384
#define DP_AFP_BLOCKSZ DP_AFP_FRAMESZ
#define DP_AFP_FRAMECNT 512
#define DP_AFP_DEFAULT_FRAMESZ 2048 /* the PMD's own (DFLT_FRAME_SIZE) */
/* TPACKET_V2: the frame's data starts at TPACKET_ALIGN(TPACKET2_HDRLEN + 16) - 14 = 66 */
#define DP_AFP_MACOFF 66
/* the PMD's RX queue setup wants framesz - (TPACKET2_HDRLEN - sizeof(sockaddr_ll)) in an mbuf */
#define DP_AFP_RX_HDR 32
/* the mbuf's data room (a uint16_t with the headroom) holds a ring frame and a VLAN tag */
#define DP_AFP_FRAMESZ_MAX (UINT16_MAX - RTE_PKTMBUF_HEADROOM - RTE_VLAN_HLEN)

static bool
is_af_packet(const char *device)
{
	return strncmp(device, "net_af_packet", 13) == 0 || strncmp(device, "eth_af_packet", 13) == 0;
}

/* The value of devarg key (a positive integer) in device; 0 when absent. */
static unsigned long
devarg_uint(const char *device, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = strchr(device, ','); p; p = strchr(p + 1, ','))
		if (!strncmp(p + 1, key, n) && p[1 + n] == '=')
			return strtoul(p + 2 + n, NULL, 10);
	return 0;
}

/*
 * A net_af_packet device whose devargs name neither framesz nor blocksz gets frames of
 * DP_AFP_FRAMESZ (p->device points at the amended string); p->rx_frame_max is the longest
 * frame its RX ring holds either way.
 */
static int
af_packet_frames(struct dp_port *p, char *err, size_t errlen)
{
	unsigned long framesz;

	if (!is_af_packet(p->device))
		return 0;
	framesz = devarg_uint(p->device, "framesz");
	if (framesz == 0 && devarg_uint(p->device, "blocksz") == 0 &&
	    devarg_uint(p->device, "framecnt") == 0) {
		int n = snprintf(p->afp_devargs, sizeof(p->afp_devargs),
				 "%s,framesz=%u,blocksz=%u,framecnt=%u", p->device, DP_AFP_FRAMESZ,
				 DP_AFP_BLOCKSZ, DP_AFP_FRAMECNT);
		if (n < 0 || (size_t)n >= sizeof(p->afp_devargs))
			return dp_errf(err, errlen, -EINVAL, "port %s: device '%s' is too long",
				       p->conf->name, p->device);
		p->device = p->afp_devargs;
		framesz = DP_AFP_FRAMESZ;
	} else if (framesz == 0) {
		framesz = DP_AFP_DEFAULT_FRAMESZ;
	}
	if (framesz <= DP_AFP_MACOFF + RTE_ETHER_HDR_LEN || framesz > DP_AFP_FRAMESZ_MAX)
		return dp_errf(err, errlen, -EINVAL, "port %s: framesz=%lu: takes %u..%u", p->conf->name,
			       framesz, DP_AFP_MACOFF + RTE_ETHER_HDR_LEN + 1, DP_AFP_FRAMESZ_MAX);
	p->rx_frame_max = (uint32_t)framesz - DP_AFP_MACOFF;
	return 0;
}

/*
 * A net_af_xdp or net_af_packet port on a veth: Linux hands the frames a veth peer sends
 * with their TCP/UDP checksum left to a NIC that is not there (CHECKSUM_PARTIAL); hotpathd
 * forwards them as they are and the far host drops them (ping works, TCP does not).
 */
static void
warn_veth(const struct dp_port *p)
{
	char ifname[IFNAMSIZ];

	if (!hp_device_iface(p->conf->device, ifname, sizeof(ifname)))
		return;
	/* what the ring cannot hold: the kernel's reassembly (FANOUT_FLAG_DEFRAG) cut short */
	if (p->rx_frame_max)
		DP_LOG(WARNING,
		       "port %s: net_af_packet on %s: the kernel reassembles IPv4 fragments for DPDK's "
		       "af_packet PMD (PACKET_FANOUT_FLAG_DEFRAG); datagrams up to %u bytes are routed "
		       "and fragmented again for the egress MTU, longer ones are cut by the ring "
		       "(framesz) and dropped as ipv4_length (docs/config.md, ports on kernel interfaces)",
		       p->conf->name, ifname, p->rx_frame_max - RTE_ETHER_HDR_LEN);
	if (!iface_is_veth(ifname))
		return;
	DP_LOG(WARNING,
	       "port %s: %s is a veth: the frames its peer sends carry unfilled TCP/UDP checksums "
	       "(CHECKSUM_PARTIAL) and are forwarded that way, so the far host drops them; run "
	       "'ethtool -K IFACE tx off' on the peer's side (docs/config.md, ports on veth)",
	       p->conf->name, ifname);
}

static uint32_t
mbufs_for_port(const struct dp_port *p)
{
	const struct hp_port_conf *pc = p->conf;
	uint32_t n = (uint32_t)p->n_rxq * pc->rx_desc + (uint32_t)p->n_txq * pc->tx_desc;

	if (strncmp(pc->device, "net_pcap", 8) == 0 && strstr(pc->device, "infinite_rx=1"))
		n += DP_PCAP_REPLAY_MBUFS * p->n_rxq;
	return n;
}

/* Bytes past the MTU a received frame may hold: Ethernet header, two VLAN tags, CRC. */
#define DP_FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN)

static int
create_pools(struct dp_ports *dp, const struct hp_config *cfg, const struct dp_lcore_map *map, char *err,
	     size_t errlen)
{
	uint32_t need[RTE_MAX_NUMA_NODES] = {0};
	uint32_t room[RTE_MAX_NUMA_NODES] = {0};

	/* one segment holds any frame of the port's MTU: no scattered RX */
	for (unsigned i = 0; i < dp->n; i++) {
		const struct dp_port *p = &dp->ports[i];

		need[p->socket] += mbufs_for_port(p);
		room[p->socket] = RTE_MAX(room[p->socket], (uint32_t)p->conf->mtu + DP_FRAME_OVERHEAD);
		/* net_af_packet copies a whole ring frame into one mbuf (and refuses a smaller one) */
		if (p->rx_frame_max)
			room[p->socket] = RTE_MAX(room[p->socket], p->rx_frame_max + DP_AFP_MACOFF -
									   DP_AFP_RX_HDR + RTE_VLAN_HLEN);
	}

	for (unsigned s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		char name[RTE_MEMPOOL_NAMESIZE];
		uint32_t n;

		if (need[s] == 0)
			continue;
		/* TX buffers of every worker, a burst in hand, per-lcore caches */
		n = need[s] + map->n_workers * (dp->n * DP_TXBUF + DP_BURST) +
		    (map->n_workers + 1) * DP_MEMPOOL_CACHE * 3 / 2 + DP_MBUF_MARGIN;
		/* the neighbour hold queues may take hold_total_pct of the pool: on top of the rest */
		if (cfg->neigh.hold_total_pct > 0 && cfg->neigh.hold_total_pct < 100)
			n = (uint32_t)((uint64_t)n * 100 / (100 - cfg->neigh.hold_total_pct));
		if (cfg->mbufs)
			n = cfg->mbufs;
		snprintf(name, sizeof(name), "hp_mbuf_s%u", s);
		/* the private area holds each packet's struct dp_priv (punt metadata) */
		dp->pools[s] = rte_pktmbuf_pool_create(
			name, n, DP_MEMPOOL_CACHE, DP_PRIV_SIZE,
			(uint16_t)(RTE_PKTMBUF_HEADROOM +
				   RTE_MAX(room[s], (uint32_t)RTE_MBUF_DEFAULT_DATAROOM)),
			(int)s);
		if (dp->pools[s] == NULL)
			return dp_errf(err, errlen, -rte_errno,
				       "cannot create mbuf pool of %u mbufs on socket %u: %s "
				       "(reserve more hugepages or set mbufs:)",
				       n, s, rte_strerror(rte_errno));
		dp->pool_size[s] = n;
	}
	return 0;
}

static int
configure(struct dp_port *p, struct rte_mempool *pool, char *err, size_t errlen)
{
	const struct hp_port_conf *pc = p->conf;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nrx = pc->rx_desc, ntx = pc->tx_desc;
	int rc;

	memset(&conf, 0, sizeof(conf));
	if ((rc = rte_eth_dev_info_get(p->port_id, &info)) < 0)
		return dp_errf(err, errlen, rc, "port %s: cannot read device info: %s", pc->name,
			       rte_strerror(-rc));
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
	if (p->n_rxq > info.max_rx_queues)
		return dp_errf(err, errlen, -EINVAL,
			       "port %s: config asks for %u RX queues, device %s offers %u", pc->name,
			       p->n_rxq, info.driver_name, info.max_rx_queues);
	if (p->n_txq > info.max_tx_queues)
		return dp_errf(
			err, errlen, -EINVAL,
			"port %s: %u TX queues needed (one per worker sending on it), device %s offers %u; "
			"give the device more TX queues or list workers: so fewer send there",
			pc->name, p->n_txq, info.driver_name, info.max_tx_queues);

	if (p->n_rxq > 1) {
		uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			      info.flow_type_rss_offloads;
		if (hf != 0) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = hf;
		} else {
			DP_LOG(NOTICE, "port %s: %s has no RSS; each RX queue is fed by the device itself",
			       pc->name, info.driver_name);
		}
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	if (pc->mtu < info.min_mtu || pc->mtu > info.max_mtu ||
	    (uint32_t)pc->mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN > info.max_rx_pktlen)
		return dp_errf(
			err, errlen, -EINVAL,
			"port %s: mtu %u: device %s takes an MTU of %u..%u (frames up to %u bytes)", pc->name,
			pc->mtu, info.driver_name, info.min_mtu,
			RTE_MIN(info.max_mtu, info.max_rx_pktlen - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN),
			info.max_rx_pktlen);
	conf.rxmode.mtu = pc->mtu;

	if ((rc = rte_eth_dev_configure(p->port_id, p->n_rxq, p->n_txq, &conf)) < 0)
		return dp_errf(err, errlen, rc, "port %s: configure %u RX / %u TX queues: %s", pc->name,
			       p->n_rxq, p->n_txq, rte_strerror(-rc));
	p->configured = true;
	/* configure recorded the MTU; devices with a setting of their own (a kernel interface) take it here */
	rc = rte_eth_dev_set_mtu(p->port_id, pc->mtu);
	if (rc < 0 && rc != -ENOTSUP)
		return dp_errf(err, errlen, rc, "port %s: mtu %u: %s", pc->name, pc->mtu, rte_strerror(-rc));
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nrx, &ntx)) < 0)
		return dp_errf(err, errlen, rc, "port %s: descriptor counts: %s", pc->name,
			       rte_strerror(-rc));

	for (uint16_t q = 0; q < p->n_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, nrx, (unsigned)p->socket, NULL, pool);
		if (rc < 0)
			return dp_errf(err, errlen, rc, "port %s: RX queue %u: %s", pc->name, q,
				       rte_strerror(-rc));
	}
	for (uint16_t q = 0; q < p->n_txq; q++) {
		struct rte_eth_txconf txc = info.default_txconf;
		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(p->port_id, q, ntx, (unsigned)p->socket, &txc);
		if (rc < 0)
			return dp_errf(err, errlen, rc, "port %s: TX queue %u: %s", pc->name, q,
				       rte_strerror(-rc));
	}

	if (pc->has_mac) {
		memcpy(p->mac.addr_bytes, pc->mac, RTE_ETHER_ADDR_LEN);
		/* the configured MAC is ours even where the device cannot take it */
		rc = rte_eth_dev_default_mac_addr_set(p->port_id, &p->mac);
		if (rc < 0 && rc != -ENOTSUP)
			DP_LOG(INFO, "port %s: device keeps its MAC (%s)", pc->name, rte_strerror(-rc));
	} else {
		rte_eth_macaddr_get(p->port_id, &p->mac);
	}
	/* L3 filtering on our MACs is done in software: see every frame */
	rc = rte_eth_promiscuous_enable(p->port_id);
	if (rc < 0 && rc != -ENOTSUP)
		DP_LOG(INFO, "port %s: promiscuous mode: %s", pc->name, rte_strerror(-rc));
	return 0;
}

int
dp_ports_open(struct dp_ports *dp, const struct hp_config *cfg, const struct dp_lcore_map *map,
	      const char *const devargs[HP_MAX_PORTS], char *err, size_t errlen)
{
	int rc;

	memset(dp, 0, sizeof(*dp));
	dp->n = cfg->n_ports;
	for (unsigned i = 0; i < dp->n; i++) {
		struct dp_port *p = &dp->ports[i];

		p->conf = &cfg->ports[i];
		p->device = devargs && devargs[i] ? devargs[i] : cfg->ports[i].device;
		p->n_rxq = cfg->ports[i].queues;
		p->n_txq = map->n_txq[i];
		if ((rc = af_packet_frames(p, err, errlen)) < 0 || (rc = probe(p, err, errlen)) < 0)
			return rc;
		warn_veth(p);
		for (unsigned j = 0; j < i; j++)
			if (dp->ports[j].port_id == p->port_id)
				return dp_errf(err, errlen, -EINVAL, "ports %s and %s are the same device",
					       dp->ports[j].conf->name, p->conf->name);
		p->socket = rte_eth_dev_socket_id(p->port_id);
		if (p->socket < 0 || p->socket >= RTE_MAX_NUMA_NODES)
			p->socket = 0;
	}
	if ((rc = create_pools(dp, cfg, map, err, errlen)) < 0)
		return rc;
	for (unsigned i = 0; i < dp->n; i++) {
		struct dp_port *p = &dp->ports[i];

		if ((rc = configure(p, dp->pools[p->socket], err, errlen)) < 0)
			return rc;
	}
	for (unsigned i = 0; i < dp->n; i++) {
		struct dp_port *p = &dp->ports[i];

		if ((rc = rte_eth_dev_start(p->port_id)) < 0)
			return dp_errf(err, errlen, rc, "port %s: start: %s", p->conf->name,
				       rte_strerror(-rc));
		p->started = true;
	}
	return 0;
}

void
dp_ports_close(struct dp_ports *dp)
{
	for (unsigned i = 0; i < dp->n; i++) {
		struct dp_port *p = &dp->ports[i];

		if (p->started) {
			rte_eth_stats_get(p->port_id, &p->final_stats);
			rte_eth_dev_stop(p->port_id);
		}
		p->started = false;
	}
	for (unsigned i = 0; i < dp->n; i++) {
		struct dp_port *p = &dp->ports[i];

		if (p->probed) {
			/* close flushes PMD state (a tx_pcap file is complete after it) */
			rte_eth_dev_close(p->port_id);
			p->probed = false;
		}
	}
}

void
dp_ports_free_pools(struct dp_ports *dp)
{
	for (unsigned s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		rte_mempool_free(dp->pools[s]);
		dp->pools[s] = NULL;
	}
}
