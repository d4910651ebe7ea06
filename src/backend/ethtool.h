/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_ETHTOOL_H
#define LINERATE_ETHTOOL_H

/*
 * The one way to ask a driver through SIOCETHTOOL: the interface's
 * driver, channels and speed (netpath.c, the lab trial runner) and its
 * named counters (the xdp backend's loss explanations).
 */

#include <stdint.h>

/*
 * One request on ifname: cmd is a struct ethtool_* whose first word is the
 * ETHTOOL_G* command, filled in by the driver. 0 or -errno (-EOPNOTSUPP:
 * the driver does not answer it).
 */
int ethtool_request(const char *ifname, void *cmd);

/* The driver's named counters (ethtool -S): count of them, each name
 * NUL-terminated in names[i * ETHTOOL_NAME_LEN], its value in values[i]. */
#define ETHTOOL_NAME_LEN     33 /* ETH_GSTRING_LEN + 1 */
#define ETHTOOL_MAX_COUNTERS 4096
struct ethtool_counters {
	uint32_t count;
	char *names;
	uint64_t *values;
};

/* 0, or -errno (-EOPNOTSUPP: no counters, or more than
 * ETHTOOL_MAX_COUNTERS). Free with ethtool_counters_free(). */
int ethtool_counters_read(const char *ifname, struct ethtool_counters *out);
void ethtool_counters_free(struct ethtool_counters *c);

#endif
