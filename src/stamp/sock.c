// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/sockaddr.h"
#include "stamp/sock.h"

#define SOCKBUF_BYTES (4 << 20)

static void setopt_quiet(int fd, int level, int name, int value)
{
	/* Best effort: a missing option costs a measurement detail (kernel
	 * timestamps, TTL), which the report then says is unknown. */
	if (setsockopt(fd, level, name, &value, sizeof(value)))
		pr_debug("setsockopt(%d, %d): %s\n", level, name,
			 strerror(errno));
}

int stamp_sock_open(struct stamp_sock *s, const struct ip_addr *local,
		    uint16_t port, const struct ip_addr *peer,
		    uint16_t peer_port, bool kernel_timestamps)
{
	struct sockaddr_storage ss;
	struct ip_addr any;
	socklen_t len;
	int one = 1, err;

	memset(s, 0, sizeof(*s));
	s->family = local ? local->family : peer->family;
	s->fd = socket(s->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	setopt_quiet(s->fd, SOL_SOCKET, SO_RCVBUF, SOCKBUF_BYTES);
	setopt_quiet(s->fd, SOL_SOCKET, SO_SNDBUF, SOCKBUF_BYTES);
	if (kernel_timestamps &&
	    !setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		s->kernel_timestamps = true;
	setopt_quiet(s->fd, IPPROTO_IP, IP_RECVTTL, 1);
	setopt_quiet(s->fd, IPPROTO_IP, IP_PKTINFO, 1);
	if (s->family == AF_INET6) {
		setopt_quiet(s->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
		setopt_quiet(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	}
	if (!local) {
		memset(&any, 0, sizeof(any));
		any.family = s->family;
		local = &any;
	}
	len = sockaddr_from_ip(&ss, local, port);
	if (bind(s->fd, (struct sockaddr *)&ss, len))
		goto fail;
	if (peer) {
		len = sockaddr_from_ip(&ss, peer, peer_port);
		if (connect(s->fd, (struct sockaddr *)&ss, len))
			goto fail;
	}
	return 0;
fail:
	err = -errno;
	close(s->fd);
	s->fd = -1;
	return err;
}

void stamp_sock_close(struct stamp_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

uint16_t stamp_sock_port(const struct stamp_sock *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	struct ip_addr ip;
	uint16_t port;

	if (getsockname(s->fd, (struct sockaddr *)&ss, &len))
		return 0;
	sockaddr_to_ip((const struct sockaddr *)&ss, &ip, &port);
	return port;
}

int stamp_sock_recv(struct stamp_sock *s, struct stamp_datagram *d,
		    uint64_t timeout_ns)
{
	union {
		char buf[256];
		struct cmsghdr align;
	} control;
	struct iovec iov = { d->buf, d->cap };
	struct msghdr msg = { 0 };
	struct pollfd pfd = { s->fd, POLLIN, 0 };
	struct cmsghdr *cm;
	ssize_t n;
	int rc;

	rc = poll(&pfd, 1, (int)((timeout_ns + 999999) / 1000000));
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (rc == 0)
		return 0;
	msg.msg_name = &d->peer;
	msg.msg_namelen = sizeof(d->peer);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	n = recvmsg(s->fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	d->peer_len = msg.msg_namelen;
	d->wire_len = (uint32_t)n;
	d->len = (uint32_t)n > d->cap ? d->cap : (uint32_t)n;
	if (msg.msg_flags & MSG_TRUNC)
		d->len = d->cap;
	d->ttl = -1;
	d->local_family = 0;
	d->kernel_timestamp = false;
	d->rx_real_ns = 0;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			d->rx_real_ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC +
					(uint64_t)ts.tv_nsec;
			d->kernel_timestamp = true;
		} else if ((cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_TTL) ||
			   (cm->cmsg_level == IPPROTO_IPV6 &&
			    cm->cmsg_type == IPV6_HOPLIMIT)) {
			int ttl;

			memcpy(&ttl, CMSG_DATA(cm), sizeof(ttl));
			d->ttl = ttl;
		} else if (cm->cmsg_level == IPPROTO_IP &&
			   cm->cmsg_type == IP_PKTINFO) {
			memcpy(&d->local4, CMSG_DATA(cm), sizeof(d->local4));
			d->local_family = AF_INET;
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
			   cm->cmsg_type == IPV6_PKTINFO) {
			memcpy(&d->local6, CMSG_DATA(cm), sizeof(d->local6));
			d->local_family = AF_INET6;
		}
	}
	if (!d->rx_real_ns)
		d->rx_real_ns = clock_ns(CLOCK_REALTIME);
	return 1;
}

int stamp_sock_reply(struct stamp_sock *s, const struct stamp_datagram *d,
		     const uint8_t *buf, uint32_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = { 0 };

	msg.msg_name = (void *)&d->peer;
	msg.msg_namelen = d->peer_len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (d->local_family == AF_INET6 ||
	    (d->local_family == AF_INET && d->peer.ss_family == AF_INET)) {
		struct cmsghdr *cm;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		cm = (struct cmsghdr *)control.buf;
		if (d->local_family == AF_INET) {
			struct in_pktinfo pi = { 0 };

			pi.ipi_spec_dst = d->local4.ipi_addr;
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
			msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		} else {
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(d->local6));
			memcpy(CMSG_DATA(cm), &d->local6, sizeof(d->local6));
			msg.msg_controllen = CMSG_SPACE(sizeof(d->local6));
		}
	}
	if (sendmsg(s->fd, &msg, MSG_DONTWAIT) < 0)
		return -errno;
	return 0;
}

int stamp_sock_send(struct stamp_sock *s, const uint8_t *buf, uint32_t len)
{
	if (send(s->fd, buf, len, MSG_DONTWAIT) < 0)
		return -errno;
	return 0;
}
