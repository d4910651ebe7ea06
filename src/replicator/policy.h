/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SUB_POLICY_H
#define LINERATE_SUB_POLICY_H

/*
 * Which addresses may subscribe to a replicator: never a broadcast
 * (255.255.255.255 or a subnet's, where the subnet is known), the
 * unspecified address, the replicator itself or (raw backends, which
 * cannot deliver to their own host) any of this host's addresses;
 * multicast only when allowed. Pure logic: the caller fills the policy
 * from the interfaces (policy_load_local()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define POLICY_MAX_LOCAL 64

struct policy_prefix {
	struct ip_addr addr; /* one of ours */
	uint8_t prefix_len;
};

struct sub_policy {
	struct ip_addr listen; /* may be the wildcard */
	uint16_t listen_port;
	bool allow_multicast;
	bool local_delivery; /* the backend can send to this host (udp) */
	struct policy_prefix local[POLICY_MAX_LOCAL]; /* this host's */
	uint32_t nlocal;
};

/* 0, or -EINVAL with one line in err saying why (the field is always
 * "address" or "port": *field says which). */
int policy_check(const struct sub_policy *p, const struct ip_addr *addr,
		 uint16_t port, const char **field, char *err, size_t err_len);

/* Fill p->local from this namespace's interface addresses (getifaddrs). */
int policy_load_local(struct sub_policy *p);

bool ip_is_multicast(const struct ip_addr *a);

#endif
