// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <string.h>

#include "lib/sockaddr.h"

socklen_t sockaddr_from_ip(struct sockaddr_storage *ss,
			   const struct ip_addr *ip, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = ip->v6;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	sin->sin_family = AF_INET;
	if (ip->family == AF_INET)
		sin->sin_addr = ip->v4;
	sin->sin_port = htons(port);
	return sizeof(*sin);
}

bool sockaddr_to_ip(const struct sockaddr *sa, struct ip_addr *ip,
		    uint16_t *port)
{
	uint16_t p = 0;

	memset(ip, 0, sizeof(*ip));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		ip->family = AF_INET;
		ip->v4 = sin->sin_addr;
		p = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		ip->family = AF_INET6;
		ip->v6 = sin6->sin6_addr;
		p = ntohs(sin6->sin6_port);
	}
	if (port)
		*port = p;
	return ip->family != 0;
}
