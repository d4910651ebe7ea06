/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SOCKADDR_H
#define LINERATE_SOCKADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/frame.h"

/* ip and port as a socket address in ss (an ip of neither family: the
 * IPv4 wildcard); returns its length. */
socklen_t sockaddr_from_ip(struct sockaddr_storage *ss,
			   const struct ip_addr *ip, uint16_t port);

/* The address and port (host order) of an AF_INET or AF_INET6 socket
 * address into *ip and *port (port may be NULL): true, or false with
 * *ip zeroed (family 0) and *port 0 for any other family. */
bool sockaddr_to_ip(const struct sockaddr *sa, struct ip_addr *ip,
		    uint16_t *port);

#endif
