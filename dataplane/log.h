/* Logging for the control thread (never from a worker's loop): DPDK log type "hotpath". */
#ifndef DP_LOG_H
#define DP_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <rte_log.h>

extern int dp_logtype;

#define DP_LOG(level, fmt, ...) rte_log(RTE_LOG_##level, dp_logtype, "hotpath: " fmt "\n", ##__VA_ARGS__)

/* Write a message into err (errlen bytes) and return rc: the "-errno with a message" convention. */
static inline int __attribute__((format(printf, 4, 5)))
dp_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

#endif
