/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SUB_POLICY_H
#define LINERATE_SUB_POLICY_H

/*
 * Which addresses may subscribe to a replicator: never a broadcast
 * (255.255.255.255 or a subnet's, where the subnet is known), a local
 * subnet's network address, the unspecified address, the replicator
 * itself; multicast only when allowed. This host (loopback and its own
 * addresses) only with allow_local, only at the ports it lists, never at
 * the replicator's API port, and never with a raw backend (which cannot
 * deliver to its own host): an API user must not aim a feed at a local
 * service. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged, and
 * kept, as the IPv4 address it is. Pure logic: the caller fills the policy
 * from the interfaces (policy_load_local()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/frame.h"

#define POLICY_MAX_LOCAL 64

struct policy_prefix {
	struct ip_addr addr; /* one of ours */
	uint8_t prefix_len;
};

#define POLICY_MAX_PORT_RANGES 16

struct policy_port_range {
	uint16_t lo, hi; /* inclusive */
};

struct sub_policy {
	struct ip_addr listen; /* may be the wildcard */
	uint16_t listen_port;
	uint16_t api_port; /* 0: no API */
	bool allow_multicast;
	bool allow_local; /* this host's addresses, at local_ports only */
	struct policy_port_range local_ports[POLICY_MAX_PORT_RANGES];
	uint32_t nlocal_ports;
	bool local_delivery; /* the backend can send to this host (udp) */
	struct policy_prefix local[POLICY_MAX_LOCAL]; /* this host's */
	uint32_t nlocal;
};

/* 0, or -EINVAL with err (lr_err_set: kept when one is set already)
 * saying why, its field "address" or "port". addr is normalised first
 * (policy_normalize()). */
int policy_check(const struct sub_policy *p, const struct ip_addr *addr,
		 uint16_t port, struct lr_err *err);

/* Fill p->local from this namespace's interface addresses (getifaddrs). */
int policy_load_local(struct sub_policy *p);

bool ip_is_multicast(const struct ip_addr *a);

/* An IPv4-mapped IPv6 address becomes the IPv4 address; others stay. */
void policy_normalize(struct ip_addr *a);

/* "PORT[-PORT][,...]" into p->local_ports: 0, or -EINVAL (a bad or
 * reversed range, port 0, more than POLICY_MAX_PORT_RANGES). */
int policy_parse_ports(struct sub_policy *p, const char *text);

#endif
