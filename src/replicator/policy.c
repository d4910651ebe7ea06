// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sockaddr.h"
#include "replicator/policy.h"

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

void policy_normalize(struct ip_addr *a)
{
	struct in_addr v4;

	if (a->family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&a->v6))
		return;
	memcpy(&v4, &a->v6.s6_addr[12], 4);
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->v4 = v4;
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

/* The network address of a prefix of ours (IPv6: the subnet-router
 * anycast address); none for IPv4 /31, /32 and IPv6 /127, /128, where
 * every address is a host's. */
static bool is_subnet_network(const struct policy_prefix *pp,
			      const struct ip_addr *a)
{
	const uint8_t *x, *y;
	unsigned int bits, len = pp->prefix_len;

	if (pp->addr.family != a->family || len == 0)
		return false;
	if (a->family == AF_INET) {
		uint32_t mask;

		if (len >= 31)
			return false;
		mask = ~0u << (32 - len);
		return ntohl(a->v4.s_addr) ==
		       (ntohl(pp->addr.v4.s_addr) & mask);
	}
	if (len >= 127)
		return false;
	x = pp->addr.v6.s6_addr;
	y = a->v6.s6_addr;
	for (unsigned int i = 0; i < 16; i++) {
		uint8_t mask;

		bits = len > i * 8 ? len - i * 8 : 0;
		mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
		if ((y[i] & ~mask & 0xff) || (y[i] & mask) != (x[i] & mask))
			return false;
	}
	return true;
}

static bool port_allowed(const struct sub_policy *p, uint16_t port)
{
	for (uint32_t i = 0; i < p->nlocal_ports; i++)
		if (port >= p->local_ports[i].lo && port <= p->local_ports[i].hi)
			return true;
	return false;
}

int policy_parse_ports(struct sub_policy *p, const char *text)
{
	const char *s = text;

	p->nlocal_ports = 0;
	for (;;) {
		unsigned long lo, hi;
		char *end;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		errno = 0;
		lo = strtoul(s, &end, 10);
		hi = lo;
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				return -EINVAL;
			hi = strtoul(s, &end, 10);
		}
		if (errno || lo == 0 || hi > 65535 || hi < lo ||
		    p->nlocal_ports == POLICY_MAX_PORT_RANGES)
			return -EINVAL;
		p->local_ports[p->nlocal_ports].lo = (uint16_t)lo;
		p->local_ports[p->nlocal_ports].hi = (uint16_t)hi;
		p->nlocal_ports++;
		if (!*end)
			return 0;
		if (*end != ',')
			return -EINVAL;
		s = end + 1;
	}
}

static bool policy_is_local(const struct sub_policy *p,
			    const struct ip_addr *addr)
{
	for (uint32_t i = 0; i < p->nlocal; i++)
		if (ip_addr_equal(addr, &p->local[i].addr))
			return true;
	return false;
}

/* The subscriber is refused: -EINVAL, field "address" or "port". */
#define REFUSE(err, field, ...) lr_err_set(err, -EINVAL, field, __VA_ARGS__)

int policy_check(const struct sub_policy *p, const struct ip_addr *addr_in,
		 uint16_t port, struct lr_err *err)
{
	struct ip_addr a = *addr_in, *addr = &a;
	char text[INET6_ADDRSTRLEN];
	bool v6;

	if (addr->family != AF_INET && addr->family != AF_INET6)
		return REFUSE(err, "address", "address: not an IP address");
	policy_normalize(addr);
	v6 = addr->family == AF_INET6;
	ip_addr_format(addr, text, sizeof(text));
	if (addr->family != p->listen.family)
		return REFUSE(
			err, "address",
			"address: %s is IPv%d, the replicator listens on IPv%d",
			text, addr->family == AF_INET ? 4 : 6,
			p->listen.family == AF_INET ? 4 : 6);
	if (is_unspecified(addr))
		return REFUSE(err, "address",
			      "address: %s is the unspecified address", text);
	if (addr->family == AF_INET && addr->v4.s_addr == INADDR_BROADCAST)
		return REFUSE(err, "address",
			      "address: %s is the broadcast address", text);
	for (uint32_t i = 0; i < p->nlocal; i++) {
		bool bcast = is_subnet_broadcast(&p->local[i], addr);

		if (bcast || is_subnet_network(&p->local[i], addr)) {
			char net[INET6_ADDRSTRLEN];

			return REFUSE(err, "address",
				      "address: %s is the %s address of %s/%u",
				      text, bcast ? "broadcast" : "network",
				      ip_addr_format(&p->local[i].addr, net,
						     sizeof(net)),
				      p->local[i].prefix_len);
		}
	}
	if (ip_is_multicast(addr) && !p->allow_multicast)
		return REFUSE(err, "address",
			      "address: %s is multicast (allowed only with "
			      "--allow-multicast)",
			      text);
	if (!is_unspecified(&p->listen) && ip_addr_equal(addr, &p->listen))
		return REFUSE(
			err, "address",
			"address: %s is the replicator's own listen address",
			text);
	if (ip_addr_is_loopback(addr) || policy_is_local(p, addr)) {
		if (port == p->listen_port && is_unspecified(&p->listen))
			return REFUSE(
				err, "address",
				v6 ? "address: [%s]:%u is the replicator "
				     "itself" :
				     "address: %s:%u is the replicator itself",
				text, port);
		if (!p->local_delivery)
			return REFUSE(
				err, "address",
				"address: %s is this host's; a raw backend "
				"cannot deliver to its own host",
				text);
		if (!p->allow_local)
			return REFUSE(
				err, "address",
				"address: %s is this host's (a local service); "
				"allowed only at the ports of --allow-local",
				text);
		if (port && p->api_port && port == p->api_port)
			return REFUSE(
				err, "port",
				"port: %u on this host is the replicator's API",
				port);
		if (port && !port_allowed(p, port))
			return REFUSE(err, "port",
				      "port: %u on this host is not one of "
				      "--allow-local's ports",
				      port);
	}
	if (!port)
		return REFUSE(err, "port", "port: 0 is not a port (1..65535)");
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

		memset(pp, 0, sizeof(*pp));
		if (!i->ifa_addr ||
		    !sockaddr_to_ip(i->ifa_addr, &pp->addr, NULL))
			continue;
		pp->prefix_len =
			i->ifa_netmask ?
				mask_len(i->ifa_netmask) :
				(pp->addr.family == AF_INET ? 32 : 128);
		p->nlocal++;
	}
	freeifaddrs(ifa);
	return 0;
}
