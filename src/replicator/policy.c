// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

static bool is_unspecified(const struct ip_addr *a)
{
	if (a->family == AF_INET)
		return a->v4.s_addr == 0;
	return IN6_IS_ADDR_UNSPECIFIED(&a->v6);
}

bool ip_is_multicast(const struct ip_addr *a)
{
	if (a->family == AF_INET)
		return (ntohl(a->v4.s_addr) >> 28) == 0xe;
	return IN6_IS_ADDR_MULTICAST(&a->v6);
}

static bool is_loopback(const struct ip_addr *a)
{
	if (a->family == AF_INET)
		return (ntohl(a->v4.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->v6) ||
	       (IN6_IS_ADDR_V4MAPPED(&a->v6) && a->v6.s6_addr[12] == 127);
}

/* The broadcast address of an IPv4 prefix of ours (none for /31, /32). */
static bool is_subnet_broadcast(const struct policy_prefix *pp,
				const struct ip_addr *a)
{
	uint32_t mask, net;

	if (pp->addr.family != AF_INET || a->family != AF_INET ||
	    pp->prefix_len >= 31 || pp->prefix_len == 0)
		return false;
	mask = ~0u << (32 - pp->prefix_len);
	net = ntohl(pp->addr.v4.s_addr) & mask;
	return ntohl(a->v4.s_addr) == (net | ~mask);
}

static bool policy_is_local(const struct sub_policy *p,
			    const struct ip_addr *addr)
{
	for (uint32_t i = 0; i < p->nlocal; i++)
		if (ip_addr_equal(addr, &p->local[i].addr))
			return true;
	return false;
}

int policy_check(const struct sub_policy *p, const struct ip_addr *addr,
		 uint16_t port, const char **field, char *err, size_t err_len)
{
	char text[INET6_ADDRSTRLEN];

	*field = "address";
	ip_addr_format(addr, text, sizeof(text));
	if (addr->family != AF_INET && addr->family != AF_INET6) {
		snprintf(err, err_len, "address: not an IP address");
		return -EINVAL;
	}
	if (addr->family != p->listen.family) {
		snprintf(
			err, err_len,
			"address: %s is IPv%d, the replicator listens on IPv%d",
			text, addr->family == AF_INET ? 4 : 6,
			p->listen.family == AF_INET ? 4 : 6);
		return -EINVAL;
	}
	if (is_unspecified(addr)) {
		snprintf(err, err_len, "address: %s is the unspecified address",
			 text);
		return -EINVAL;
	}
	if (addr->family == AF_INET && addr->v4.s_addr == INADDR_BROADCAST) {
		snprintf(err, err_len, "address: %s is the broadcast address",
			 text);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < p->nlocal; i++) {
		if (is_subnet_broadcast(&p->local[i], addr)) {
			char net[INET6_ADDRSTRLEN];

			snprintf(
				err, err_len,
				"address: %s is the broadcast address of %s/%u",
				text,
				ip_addr_format(&p->local[i].addr, net,
					       sizeof(net)),
				p->local[i].prefix_len);
			return -EINVAL;
		}
	}
	if (ip_is_multicast(addr) && !p->allow_multicast) {
		snprintf(err, err_len,
			 "address: %s is multicast (allowed only with "
			 "--allow-multicast)",
			 text);
		return -EINVAL;
	}
	if (!is_unspecified(&p->listen) && ip_addr_equal(addr, &p->listen)) {
		snprintf(err, err_len,
			 "address: %s is the replicator's own listen address",
			 text);
		return -EINVAL;
	}
	if (is_loopback(addr) || policy_is_local(p, addr)) {
		if (port == p->listen_port && is_unspecified(&p->listen)) {
			snprintf(err, err_len,
				 addr->family == AF_INET6 ?
					 "address: [%s]:%u is the replicator itself" :
					 "address: %s:%u is the replicator itself",
				 text, port);
			return -EINVAL;
		}
		if (!p->local_delivery) {
			snprintf(err, err_len,
				 "address: %s is this host's; a raw backend "
				 "cannot deliver to its own host",
				 text);
			return -EINVAL;
		}
	}
	if (!port) {
		*field = "port";
		snprintf(err, err_len, "port: 0 is not a port (1..65535)");
		return -EINVAL;
	}
	return 0;
}

static uint8_t mask_len(const struct sockaddr *sa)
{
	const uint8_t *b;
	size_t n;
	uint8_t len = 0;

	if (sa->sa_family == AF_INET) {
		b = (const uint8_t *)&((const struct sockaddr_in *)sa)
			    ->sin_addr;
		n = 4;
	} else {
		b = (const uint8_t *)&((const struct sockaddr_in6 *)sa)
			    ->sin6_addr;
		n = 16;
	}
	for (size_t i = 0; i < n; i++)
		len += (uint8_t)__builtin_popcount(b[i]);
	return len;
}

int policy_load_local(struct sub_policy *p)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa))
		return -errno;
	p->nlocal = 0;
	for (i = ifa; i && p->nlocal < POLICY_MAX_LOCAL; i = i->ifa_next) {
		struct policy_prefix *pp = &p->local[p->nlocal];

		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET &&
				     i->ifa_addr->sa_family != AF_INET6))
			continue;
		memset(pp, 0, sizeof(*pp));
		pp->addr.family = i->ifa_addr->sa_family;
		if (pp->addr.family == AF_INET)
			pp->addr.v4 =
				((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		else
			pp->addr.v6 =
				((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		pp->prefix_len =
			i->ifa_netmask ?
				mask_len(i->ifa_netmask) :
				(pp->addr.family == AF_INET ? 32 : 128);
		p->nlocal++;
	}
	freeifaddrs(ifa);
	return 0;
}
