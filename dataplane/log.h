/* Logging for the control thread (never from a worker's loop): DPDK log type "hotpath". */
#ifndef DP_LOG_H
#define DP_LOG_H

#include <rte_log.h>

extern int dp_logtype;

#define DP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, dp_logtype, "hotpath: " fmt "\n", ##__VA_ARGS__)

#endif
