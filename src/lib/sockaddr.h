/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SOCKADDR_H
#define LINERATE_SOCKADDR_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/frame.h"

/* ip and port as a socket address in ss (an ip of neither family: the
 * IPv4 wildcard); returns its length. */
socklen_t sockaddr_from_ip(struct sockaddr_storage *ss,
			   const struct ip_addr *ip, uint16_t port);

#endif
