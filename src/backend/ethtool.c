// SPDX-License-Identifier: MIT
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "backend/ethtool.h"

_Static_assert(ETHTOOL_NAME_LEN == ETH_GSTRING_LEN + 1, "a name and its NUL");

int ethtool_request(const char *ifname, void *cmd)
{
	struct ifreq ifr;
	int fd, err = 0;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		err = -errno;
	close(fd);
	return err;
}

void ethtool_counters_free(struct ethtool_counters *c)
{
	free(c->names);
	free(c->values);
	memset(c, 0, sizeof(*c));
}

int ethtool_counters_read(const char *ifname, struct ethtool_counters *out)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t count;
	} sset = {.hdr = {.cmd = ETHTOOL_GSSET_INFO,
			  .sset_mask = 1ULL << ETH_SS_STATS}};
	struct ethtool_gstrings *strings = NULL;
	struct ethtool_stats *stats = NULL;
	uint32_t n;
	int err;

	memset(out, 0, sizeof(*out));
	err = ethtool_request(ifname, &sset);
	if (err)
		return err;
	n = sset.hdr.sset_mask ? sset.count : 0;
	if (!n || n > ETHTOOL_MAX_COUNTERS)
		return -EOPNOTSUPP;
	strings = calloc(1, sizeof(*strings) + (size_t)n * ETH_GSTRING_LEN);
	stats = calloc(1, sizeof(*stats) + (size_t)n * sizeof(uint64_t));
	out->names = calloc(n, ETHTOOL_NAME_LEN);
	out->values = calloc(n, sizeof(*out->values));
	if (!strings || !stats || !out->names || !out->values) {
		err = -ENOMEM;
		goto out;
	}
	strings->cmd = ETHTOOL_GSTRINGS;
	strings->string_set = ETH_SS_STATS;
	strings->len = n;
	err = ethtool_request(ifname, strings);
	if (err)
		goto out;
	stats->cmd = ETHTOOL_GSTATS;
	stats->n_stats = n;
	err = ethtool_request(ifname, stats);
	if (err)
		goto out;
	/* The driver may have fewer now than it said a moment ago. */
	if (stats->n_stats < n)
		n = stats->n_stats;
	if (strings->len < n)
		n = strings->len;
	for (uint32_t i = 0; i < n; i++) {
		memcpy(out->names + (size_t)i * ETHTOOL_NAME_LEN,
		       strings->data + (size_t)i * ETH_GSTRING_LEN,
		       ETH_GSTRING_LEN);
		out->values[i] = stats->data[i];
	}
	out->count = n;
out:
	free(strings);
	free(stats);
	if (err)
		ethtool_counters_free(out);
	return err;
}
