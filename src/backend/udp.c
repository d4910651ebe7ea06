// SPDX-License-Identifier: MIT
/*
 * The portable backend: UDP sockets with sendmmsg/recvmmsg. Works on any
 * interface and in any namespace; the kernel builds the headers, so the
 * worker deals in UDP payloads.
 *
 * A sender opens one connected socket per flow (each flow is a distinct
 * source port) so the route and neighbour are looked up once, not per
 * packet, and hands a burst to the kernel as one UDP GSO send
 * (UDP_SEGMENT): one trip through the socket and IP layers for the whole
 * burst, split into datagrams at the device (by the NIC where it can). A receiver binds one socket and asks for kernel receive
 * timestamps (SO_TIMESTAMPNS), which leave scheduling delay out of the
 * latency figures.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/backend.h"
#include "lib/clock.h"
#include "lib/free_all.h"
#include "lib/log.h"
#include "lib/sockaddr.h"

#define UDP_SOCKBUF_BYTES (8 << 20)
/* Room for a timestamp, a GRO size and a TOS / traffic class. */
#define UDP_CMSG_SPACE 128
/* A reflector's per-reply TOS / traffic class cmsg, aligned for the next. */
#define UDP_TOS_CMSG_SPACE CMSG_SPACE(sizeof(int))
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
/* The kernel's cap on segments per GSO send (UDP_MAX_SEGMENTS). */
#define UDP_GSO_MAX_SEGMENTS 64
#define UDP_GSO_MAX_BYTES 65000
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#define UDP_GRO_BUFFER 65536

struct backend {
	int *fds;
	uint32_t nfds;
	uint32_t batch;
	uint32_t buf_size;
	bool busy_poll;
	bool timestamps;
	bool gso; /* UDP_SEGMENT works here; cleared on first refusal */
	bool gro; /* UDP_GRO: the kernel may hand over coalesced datagrams */
	bool relay; /* receives, and sends to each packet's peer */
	bool recv_tos; /* IP_RECVTOS / IPV6_RECVTCLASS on */
	bool mirror_tos; /* reflector: send back with the byte received */
	struct sockaddr_storage *rx_peers;
	struct pkt *pending; /* datagrams received, not yet handed out */
	uint32_t pending_cap;
	uint32_t pending_head;
	uint32_t pending_count;
	uint32_t next_rx_fd; /* round robin over flow sockets */
	uint8_t *rx_buffers;
	uint8_t *rx_control;
	struct mmsghdr *rx_msgs;
	struct iovec *rx_iov;
	struct mmsghdr *tx_msgs;
	uint8_t *tx_control; /* mirror_tos: a TOS cmsg per message */
	struct iovec *tx_iov;
	char mode[64];
};

static void socket_buffers(int fd)
{
	int size = UDP_SOCKBUF_BYTES;

	/* FORCE goes past net.core.*mem_max, which a namespace can't raise;
	 * it needs CAP_NET_ADMIN, so fall back to the capped option. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/*
 * A sender's marking goes on the socket (the kernel writes the byte and
 * the IPv4 header checksum); a receiver asks for the byte each datagram
 * arrived with, so a device that remarks on the way is seen.
 */
static int udp_socket_marking(int fd, int family,
			      const struct backend_config *cfg,
			      struct lr_err *why)
{
	int tos = cfg->tos, one = 1;
	bool v6 = family == AF_INET6;

	if (cfg->tos &&
	    setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       v6 ? IPV6_TCLASS : IP_TOS, &tos, sizeof(tos))) {
		return lr_err_set(why, -errno, NULL, "udp: %s %d: %s",
				  v6 ? "IPV6_TCLASS" : "IP_TOS", tos,
				  strerror(errno));
	}
	/* A pinger reads it on the replies: what came back, as marked. */
	if (cfg->role == ROLE_RECV || cfg->role == ROLE_REFLECT ||
	    cfg->role == ROLE_PING) {
		if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
			       v6 ? IPV6_RECVTCLASS : IP_RECVTOS, &one,
			       sizeof(one)))
			pr_debug("udp: receive TOS: %s\n", strerror(errno));
	}
	return 0;
}

static int udp_socket_open(const struct backend_config *cfg, uint16_t port,
			   bool connect_remote, struct lr_err *why)
{
	int family = cfg->remote.family ? cfg->remote.family :
					  cfg->local.family;
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd, err;

	fd = socket(family == AF_INET6 ? AF_INET6 : AF_INET,
		    SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return lr_err_errno(why, -errno);
	socket_buffers(fd);
	err = udp_socket_marking(fd, family, cfg, why);
	if (err) {
		close(fd);
		return err;
	}
	if (cfg->opts.kernel_rx_timestamps &&
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		pr_debug("udp: SO_TIMESTAMPNS: %s\n", strerror(errno));
	if (!connect_remote && !cfg->opts.no_gso &&
	    setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)))
		pr_debug("udp: UDP_GRO: %s\n", strerror(errno));
	if (cfg->local.family || port) {
		struct ip_addr any = { .family = family };

		len = sockaddr_from_ip(&ss,
				       cfg->local.family ? &cfg->local : &any,
				       port);
		if (bind(fd, (struct sockaddr *)&ss, len)) {
			err = lr_err_set(why, -errno, NULL,
					 "udp: bind to port %u: %s", port,
					 strerror(errno));
			close(fd);
			return err;
		}
	}
	if (connect_remote) {
		len = sockaddr_from_ip(&ss, &cfg->remote, cfg->remote_port);
		if (connect(fd, (struct sockaddr *)&ss, len)) {
			err = lr_err_set(why, -errno, NULL, "udp: connect: %s",
					 strerror(errno));
			close(fd);
			return err;
		}
	}
	return fd;
}

static void udp_set_mode(struct backend *b, bool sender)
{
	if (b->relay)
		snprintf(b->mode, sizeof(b->mode), "recvmmsg%s, %s to each%s",
			 b->gro ? ", UDP GRO" : "",
			 b->gso ? "UDP GSO sendmsg" : "sendmmsg",
			 b->busy_poll ? ", busy-poll" : "");
	else if (sender)
		snprintf(b->mode, sizeof(b->mode), "%s%s",
			 b->gso ? "UDP GSO sendmsg" : "sendmmsg",
			 b->busy_poll ? ", busy-poll" : "");
	else
		snprintf(b->mode, sizeof(b->mode), "recvmmsg%s%s%s",
			 b->gro ? ", UDP GRO" : "",
			 b->busy_poll ? ", busy-poll" : "",
			 b->timestamps ? ", kernel rx timestamps" : "");
}

static void udp_close(struct backend *b)
{
	if (!b)
		return;
	for (uint32_t i = 0; i < b->nfds; i++)
		if (b->fds[i] >= 0)
			close(b->fds[i]);
	free_all(b->fds, b->rx_buffers, b->rx_peers, b->pending, b->rx_control,
		 b->rx_msgs, b->rx_iov, b->tx_msgs, b->tx_control, b->tx_iov, b);
}

static int udp_open(const struct backend_config *cfg, struct backend **out,
		    struct lr_err *why)
{
	bool sender = cfg->remote.family != 0;
	struct backend *b;
	int err = -ENOMEM;

	if (!cfg->batch || cfg->batch > 1024 || cfg->max_frame < 64 ||
	    cfg->max_frame > FRAME_MAX_SIZE)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->batch = cfg->batch;
	b->busy_poll = cfg->opts.busy_poll;
	b->timestamps = cfg->opts.kernel_rx_timestamps;
	b->nfds = sender ? (cfg->flows ? cfg->flows : 1) : 1;
	b->gro = !sender && !cfg->opts.no_gso;
	b->recv_tos = cfg->role == ROLE_RECV || cfg->role == ROLE_REFLECT ||
		      cfg->role == ROLE_PING;
	/* A coalesced GRO message can be up to 64 KiB; a plain one is at
	 * most one frame's payload. */
	b->buf_size = b->gro ? UDP_GRO_BUFFER : cfg->max_frame;
	b->pending_cap = b->batch * (b->gro ? UDP_GSO_MAX_SEGMENTS : 1);
	b->rx_peers = calloc(b->batch, sizeof(*b->rx_peers));
	b->pending = calloc(b->pending_cap, sizeof(*b->pending));
	b->fds = malloc(sizeof(int) * b->nfds);
	b->rx_buffers = malloc((size_t)b->batch * b->buf_size);
	b->rx_control = calloc(b->batch, UDP_CMSG_SPACE);
	b->rx_msgs = calloc(b->batch, sizeof(*b->rx_msgs));
	b->rx_iov = calloc(b->batch, sizeof(*b->rx_iov));
	b->tx_msgs = calloc(b->batch, sizeof(*b->tx_msgs));
	b->tx_iov = calloc(b->batch, sizeof(*b->tx_iov));
	if (!b->fds || !b->rx_buffers || !b->rx_control || !b->rx_msgs ||
	    !b->rx_peers || !b->pending ||
	    !b->rx_iov || !b->tx_msgs || !b->tx_iov)
		goto err_free;
	for (uint32_t i = 0; i < b->nfds; i++)
		b->fds[i] = -1;
	for (uint32_t i = 0; i < b->nfds; i++) {
		uint16_t port = cfg->local_port ?
					(uint16_t)(cfg->local_port + i) :
					0;
		int fd = udp_socket_open(cfg, port, sender, why);

		if (fd < 0) {
			err = fd;
			goto err_free;
		}
		b->fds[i] = fd;
	}
	b->relay = !sender && cfg->tx_to_peers;
	b->mirror_tos = cfg->role == ROLE_REFLECT;
	if (b->mirror_tos) {
		b->tx_control = calloc(b->batch, UDP_TOS_CMSG_SPACE);
		if (!b->tx_control)
			goto err_free;
	}
	b->gso = (sender || b->relay) && !cfg->opts.no_gso;
	udp_set_mode(b, sender);
	*out = b;
	return 0;

err_free:
	udp_close(b);
	return err;
}

static socklen_t peer_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

/*
 * A run of equal-sized datagrams to one peer as one GSO send.
 * Returns n, or -EAGAIN, or -EOPNOTSUPP when this kernel/path refuses
 * UDP_SEGMENT (the caller falls back to sendmmsg), or another -errno.
 */
/*
 * A reflector sends each packet back with the TOS / traffic class it
 * arrived with, as raw reflectors do, so the return leg is in the same
 * class. Appends the cmsg at cm; returns its space, or 0 when
 * the packet's byte is not known.
 */
static size_t tos_cmsg(const struct pkt *p, struct cmsghdr *cm)
{
	int tos = p->rx_tos & 0xff;

	if (!(p->rx_tos & PKT_MARK_VALID))
		return 0;
	cm->cmsg_level = p->peer.ss_family == AF_INET6 ? IPPROTO_IPV6 :
							 IPPROTO_IP;
	cm->cmsg_type = p->peer.ss_family == AF_INET6 ? IPV6_TCLASS : IP_TOS;
	cm->cmsg_len = CMSG_LEN(sizeof(tos));
	memcpy(CMSG_DATA(cm), &tos, sizeof(tos));
	return CMSG_SPACE(sizeof(tos));
}

static int send_gso(struct backend *b, int fd, struct pkt *pkts,
		    unsigned int n)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	uint16_t segment = (uint16_t)pkts[0].len;
	ssize_t rc;

	for (unsigned int i = 0; i < n; i++) {
		b->tx_iov[i].iov_base = pkts[i].data;
		b->tx_iov[i].iov_len = pkts[i].len;
	}
	mh.msg_iov = b->tx_iov;
	mh.msg_iovlen = n;
	if (pkts[0].peer.ss_family) {
		mh.msg_name = &pkts[0].peer;
		mh.msg_namelen = peer_len(&pkts[0].peer);
	}
	memset(&control, 0, sizeof(control));
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof(control.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(segment));
	memcpy(CMSG_DATA(cm), &segment, sizeof(segment));
	mh.msg_controllen = CMSG_SPACE(sizeof(segment));
	/* The run shares one TOS (gso_run): it follows the segment size. */
	if (b->mirror_tos)
		mh.msg_controllen += tos_cmsg(
			&pkts[0], (struct cmsghdr *)(control.buf +
						     CMSG_SPACE(sizeof(segment))));
	do {
		rc = sendmsg(fd, &mh, b->busy_poll ? MSG_DONTWAIT : 0);
	} while (rc < 0 && errno == EINTR);
	if (rc >= 0)
		return (int)n;
	if (errno == EWOULDBLOCK)
		return -EAGAIN;
	if (errno == EINVAL || errno == EIO || errno == ENOPROTOOPT ||
	    errno == EOPNOTSUPP)
		return -EOPNOTSUPP;
	return -errno;
}

static bool same_peer(const struct pkt *a, const struct pkt *b)
{
	if (a->peer.ss_family != b->peer.ss_family)
		return false;
	return !a->peer.ss_family ||
	       !memcmp(&a->peer, &b->peer, peer_len(&a->peer));
}

/* How many of pkts[0..n) can go as one GSO send: same size, same
 * destination (the connected one, or one explicit peer: a relay's),
 * within the kernel's limits. */
static unsigned int gso_run(const struct pkt *pkts, unsigned int n)
{
	unsigned int run = 1;
	size_t bytes = pkts[0].len;

	while (run < n && run < UDP_GSO_MAX_SEGMENTS &&
	       pkts[run].len == pkts[0].len && same_peer(&pkts[run], &pkts[0]) &&
	       pkts[run].rx_tos == pkts[0].rx_tos &&
	       bytes + pkts[run].len <= UDP_GSO_MAX_BYTES) {
		bytes += pkts[run].len;
		run++;
	}
	return run;
}

static int send_group(struct backend *b, int fd, struct pkt *pkts,
		      unsigned int n)
{
	int flags = b->busy_poll ? MSG_DONTWAIT : 0;
	int sent;

	if (b->gso && n > 1) {
		unsigned int run = gso_run(pkts, n);

		if (run > 1) {
			sent = send_gso(b, fd, pkts, run);
			if (sent != -EOPNOTSUPP)
				return sent;
			pr_info("udp: UDP GSO refused here, using sendmmsg\n");
			b->gso = false;
			udp_set_mode(b, true);
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		struct msghdr *mh = &b->tx_msgs[i].msg_hdr;

		b->tx_iov[i].iov_base = pkts[i].data;
		b->tx_iov[i].iov_len = pkts[i].len;
		memset(mh, 0, sizeof(*mh));
		mh->msg_iov = &b->tx_iov[i];
		mh->msg_iovlen = 1;
		if (pkts[i].peer.ss_family) {
			mh->msg_name = &pkts[i].peer;
			mh->msg_namelen = peer_len(&pkts[i].peer);
		}
		if (b->mirror_tos) {
			struct cmsghdr *cm = (struct cmsghdr *)(b->tx_control +
					(size_t)i * UDP_TOS_CMSG_SPACE);

			mh->msg_control = cm;
			mh->msg_controllen = tos_cmsg(&pkts[i], cm);
			if (!mh->msg_controllen)
				mh->msg_control = NULL;
		}
	}
	do {
		sent = sendmmsg(fd, b->tx_msgs, n, flags);
	} while (sent < 0 && errno == EINTR);
	if (sent < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return sent;
}

static int udp_tx_burst(struct backend *b, struct pkt *pkts, unsigned int n)
{
	unsigned int done = 0;

	if (n > b->batch)
		n = b->batch;
	/* Consecutive packets of one flow go in one sendmmsg. */
	while (done < n) {
		uint32_t flow = pkts[done].flow;
		unsigned int run = 1;
		int sent;

		while (done + run < n && pkts[done + run].flow == flow)
			run++;
		sent = send_group(b, b->fds[flow < b->nfds ? flow : 0],
				  pkts + done, run);
		if (sent < 0)
			return done ? (int)done : sent;
		done += (unsigned int)sent;
		if ((unsigned int)sent < run)
			break;
	}
	return (int)done;
}

static uint64_t rx_timestamp(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			return (uint64_t)ts.tv_sec * NSEC_PER_SEC +
			       (uint64_t)ts.tv_nsec;
		}
	}
	return 0;
}

/* The TOS / traffic class the datagram came with, | PKT_MARK_VALID; or 0. */
static uint16_t rx_tos(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS &&
		    cm->cmsg_len >= CMSG_LEN(1))
			return (uint16_t)(PKT_MARK_VALID | *CMSG_DATA(cm));
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_TCLASS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int tclass;

			memcpy(&tclass, CMSG_DATA(cm), sizeof(tclass));
			return (uint16_t)(PKT_MARK_VALID | (tclass & 0xff));
		}
	}
	return 0;
}

/* The UDP_GRO segment size of a coalesced message, or 0. */
static uint32_t rx_gro_size(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int size;

			memcpy(&size, CMSG_DATA(cm), sizeof(size));
			return size > 0 ? (uint32_t)size : 0;
		}
	}
	return 0;
}

/*
 * One recvmmsg into the staging buffers; every datagram (a coalesced GRO
 * message holds several of the same size, the last may be shorter) becomes
 * one entry of b->pending. Returns datagrams staged, or -errno.
 */
static int recv_from(struct backend *b, int fd)
{
	unsigned int n = b->batch;
	int got;

	for (unsigned int i = 0; i < n; i++) {
		struct msghdr *mh = &b->rx_msgs[i].msg_hdr;

		b->rx_iov[i].iov_base = b->rx_buffers + (size_t)i * b->buf_size;
		b->rx_iov[i].iov_len = b->buf_size;
		memset(mh, 0, sizeof(*mh));
		mh->msg_iov = &b->rx_iov[i];
		mh->msg_iovlen = 1;
		mh->msg_name = &b->rx_peers[i];
		mh->msg_namelen = sizeof(b->rx_peers[i]);
		if (b->timestamps || b->gro || b->recv_tos) {
			mh->msg_control = b->rx_control + (size_t)i * UDP_CMSG_SPACE;
			mh->msg_controllen = UDP_CMSG_SPACE;
		}
	}
	do {
		got = recvmmsg(fd, b->rx_msgs, n, MSG_DONTWAIT, NULL);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	b->pending_head = b->pending_count = 0;
	for (int i = 0; i < got; i++) {
		struct msghdr *mh = &b->rx_msgs[i].msg_hdr;
		uint8_t *data = b->rx_iov[i].iov_base;
		uint32_t len = b->rx_msgs[i].msg_len;
		uint32_t seg = b->gro ? rx_gro_size(mh) : 0;
		uint64_t ts = b->timestamps ? rx_timestamp(mh) : 0;
		uint16_t tos = b->recv_tos ? rx_tos(mh) : 0;

		if (len > b->buf_size)
			len = b->buf_size;
		if (!seg || seg > len)
			seg = len;
		do {
			struct pkt *p = &b->pending[b->pending_count++];
			uint32_t this_len = len < seg ? len : seg;

			p->data = data;
			p->len = this_len;
			p->payload_offset = 0;
			p->flow = 0;
			p->rx_real_ns = ts;
			p->rx_tos = tos;
			p->rx_vlan = 0;
			p->rx_vlan_inner = 0;
			p->peer = b->rx_peers[i];
			data += this_len;
			len -= this_len;
		} while (len && b->pending_count < b->pending_cap);
	}
	return (int)b->pending_count;
}

static unsigned int take_pending(struct backend *b, struct pkt *pkts,
				 unsigned int n)
{
	unsigned int avail = b->pending_count - b->pending_head;

	if (n > avail)
		n = avail;
	memcpy(pkts, &b->pending[b->pending_head], n * sizeof(*pkts));
	b->pending_head += n;
	return n;
}

static int udp_rx_burst(struct backend *b, struct pkt *pkts, unsigned int n,
			uint64_t timeout_ns)
{
	struct pollfd pfd[64];
	struct timespec ts;
	uint32_t npoll;
	int got, rc;

	if (b->pending_head < b->pending_count)
		return (int)take_pending(b, pkts, n);
	for (uint32_t tries = 0; tries < b->nfds; tries++) {
		uint32_t i = b->next_rx_fd;

		b->next_rx_fd = (i + 1) % b->nfds;
		got = recv_from(b, b->fds[i]);
		if (got != -EAGAIN)
			return got < 0 ? got : (int)take_pending(b, pkts, n);
	}
	if (b->busy_poll || !timeout_ns)
		return 0;
	ts.tv_sec = (time_t)(timeout_ns / NSEC_PER_SEC);
	ts.tv_nsec = (long)(timeout_ns % NSEC_PER_SEC);
	npoll = b->nfds < 64 ? b->nfds : 64;
	for (uint32_t i = 0; i < npoll; i++) {
		pfd[i].fd = b->fds[i];
		pfd[i].events = POLLIN;
	}
	rc = ppoll(pfd, npoll, &ts, NULL);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	for (uint32_t i = 0; i < npoll; i++) {
		if (!(pfd[i].revents & (POLLIN | POLLERR)))
			continue;
		got = recv_from(b, b->fds[i]);
		if (got != -EAGAIN)
			return got < 0 ? got : (int)take_pending(b, pkts, n);
	}
	return 0;
}

static const char *udp_mode(struct backend *b)
{
	return b->mode;
}

const struct backend_ops backend_udp_ops = {
	BACKEND_OPS_BASE(udp, "udp", 0),
};
