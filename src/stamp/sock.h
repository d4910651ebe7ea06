/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_STAMP_SOCK_H
#define LINERATE_STAMP_SOCK_H

/*
 * One UDP socket for STAMP, sender or reflector: kernel receive
 * timestamps (SO_TIMESTAMPNS, CLOCK_REALTIME), the received TTL or hop
 * limit (IP_RECVTTL, IPV6_RECVHOPLIMIT) and the address a datagram was
 * sent to (IP_PKTINFO, IPV6_RECVPKTINFO), so a reflector bound to the
 * wildcard answers from the address it was asked on.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/frame.h"

struct stamp_sock {
	int fd;
	int family;
	bool kernel_timestamps; /* SO_TIMESTAMPNS is on */
};

struct stamp_datagram {
	uint8_t *buf;
	uint32_t cap;
	uint32_t len; /* octets in buf */
	uint32_t wire_len; /* octets that arrived (> len: truncated) */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint64_t rx_real_ns; /* CLOCK_REALTIME */
	bool kernel_timestamp; /* rx_real_ns is the kernel's */
	int ttl; /* -1: unknown */
	int local_family; /* the address it was sent to: 0, AF_INET (local4)
			    or AF_INET6 (local6) */
	struct in_pktinfo local4;
	struct in6_pktinfo local6;
};

/* Bind to local:port (port 0: any); with peer, connect to it too (a
 * sender). 0 or -errno. */
int stamp_sock_open(struct stamp_sock *s, const struct ip_addr *local,
		    uint16_t port, const struct ip_addr *peer,
		    uint16_t peer_port, bool kernel_timestamps);
void stamp_sock_close(struct stamp_sock *s);
/* Wait up to timeout_ns for one datagram: 1, 0 (nothing came) or -errno. */
int stamp_sock_recv(struct stamp_sock *s, struct stamp_datagram *d,
		    uint64_t timeout_ns);
/* Send buf back to d's peer, from the address d came to. 0 or -errno. */
int stamp_sock_reply(struct stamp_sock *s, const struct stamp_datagram *d,
		     const uint8_t *buf, uint32_t len);
/* Send on a connected socket. 0 or -errno. */
int stamp_sock_send(struct stamp_sock *s, const uint8_t *buf, uint32_t len);
/* The local port a socket is bound to (host order), 0 on error. */
uint16_t stamp_sock_port(const struct stamp_sock *s);

#endif
