/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_NETPATH_H
#define LINERATE_NETPATH_H

/*
 * Where the raw backends' frames go: the interface, our addresses and the
 * next hop's MAC, found the way the kernel would route a packet (netlink
 * RTM_GETROUTE, then the neighbour table; a missing neighbour is resolved
 * by sending one empty UDP datagram to the discard port 9 of the next hop
 * and waiting for the kernel to fill the entry).
 */

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/frame.h"

struct net_path {
	char ifname[IF_NAMESIZE];
	int ifindex;
	struct ip_addr src; /* our address on that interface */
	struct ip_addr dst;
	struct ip_addr next_hop; /* dst, or the gateway */
	uint8_t src_mac[6];
	uint8_t dst_mac[6]; /* the next hop's */
	uint32_t mtu;
	unsigned int flags; /* IFF_* of the interface */
	uint32_t rx_queues;
	uint32_t tx_queues;
};

/*
 * A sender's path to dst. src (family 0 for none) and ifname (NULL for
 * none) pin the choice. On error returns -errno with the reason in err.
 */
int netpath_to(const struct ip_addr *dst, const struct ip_addr *src,
	       const char *ifname, struct net_path *out, struct lr_err *err);

/* A receiver's interface: the one holding addr (or ifname when addr is the
 * wildcard, which then is required). dst_mac and next_hop stay zero. */
int netpath_local(const struct ip_addr *addr, const char *ifname,
		  struct net_path *out, struct lr_err *err);

/* Interface facts for `linerate probe`. */
int netpath_interface(const char *ifname, struct net_path *out,
		      struct lr_err *err);

/* The interface's own packet counters (this namespace's view), each with
 * the struct rtnl_link_stats member it is read from, so that one list
 * declares and fills them. */
#define IF_COUNTER_FIELDS(X)                                                   \
	X(rx_packets, rx_packets)                                              \
	X(tx_packets, tx_packets)                                              \
	X(rx_dropped, rx_dropped)                                              \
	X(tx_dropped, tx_dropped)                                              \
	X(rx_missed, rx_missed_errors)                                         \
	X(rx_errors, rx_errors)                                                \
	X(tx_errors, tx_errors)

#define IF_COUNTER_MEMBER(name, link_stat) uint64_t name;
struct if_counters {
	IF_COUNTER_FIELDS(IF_COUNTER_MEMBER)
};
#undef IF_COUNTER_MEMBER

int netpath_if_counters(const char *ifname, struct if_counters *out);

struct ethtool_drvinfo;
/* The driver's name and versions (ETHTOOL_GDRVINFO); 0 or -errno. */
int netpath_driver(const char *ifname, struct ethtool_drvinfo *out);

#endif
