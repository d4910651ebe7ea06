/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_BACKEND_H
#define LINERATE_BACKEND_H

/*
 * A backend moves bursts of packets and nothing else: no pacing, no
 * counting, no parsing. The worker does those the same way for every
 * backend, so results compare across backends.
 *
 * Two kinds of backend: socket backends (udp) hand the worker UDP
 * payloads and a peer address; raw backends (BACKEND_F_RAW: afxdp,
 * afpacket) hand it whole Ethernet frames, payload at payload_offset.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "frame.h"

#define BACKEND_F_RAW (1u << 0)

struct pkt {
	uint8_t *data;
	uint32_t len; /* bytes at data */
	uint32_t payload_offset; /* UDP payload start (0 on socket backends) */
	uint32_t flow; /* tx: which flow (source port) sends it */
	uint64_t rx_real_ns; /* rx: arrival time, CLOCK_REALTIME; 0 unknown */
	struct sockaddr_storage peer; /* rx: source; tx: destination if set */
};

struct backend_config {
	const char *ifname; /* raw backends; NULL for udp */
	struct ip_addr local; /* family 0: any */
	uint16_t local_port; /* rx: listen port; tx: first flow's source
				port, 0 for kernel-chosen */
	struct ip_addr remote; /* tx: destination (family 0: none) */
	uint16_t remote_port;
	uint32_t flows; /* tx: sockets/source ports */
	uint32_t batch; /* max packets per burst */
	uint32_t max_frame; /* largest frame incl. FCS */
	bool busy_poll; /* rx does not block */
	bool kernel_rx_timestamps;
	bool no_gso; /* udp: one datagram per send, no UDP_SEGMENT */
	int cpu; /* -1: any */
};

struct backend;

struct backend_ops {
	const char *name;
	uint32_t flags;
	int (*open)(const struct backend_config *cfg, struct backend **out);
	/* Send up to n; returns how many went (a prefix of pkts), or -errno
	 * if none went for a reason other than a full queue (-EAGAIN). */
	int (*tx_burst)(struct backend *b, struct pkt *pkts, unsigned int n);
	/* Receive up to n into backend-owned buffers, valid until the next
	 * rx_burst; waits at most timeout_ns (0: don't wait). Returns count
	 * (0 when nothing came) or -errno. */
	int (*rx_burst)(struct backend *b, struct pkt *pkts, unsigned int n,
			uint64_t timeout_ns);
	/* Human description of what runs (e.g. "sendmmsg/recvmmsg"). */
	const char *(*mode)(struct backend *b);
	void (*close)(struct backend *b);
};

extern const struct backend_ops backend_udp_ops;

/* The ops for a name ("udp", "auto"), or NULL; *note says why an "auto"
 * choice fell back (static string) or NULL. */
const struct backend_ops *backend_find(const char *name, const char **note);

#endif
