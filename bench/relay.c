// SPDX-License-Identifier: MIT
/*
 * The baseline of bench/replicator.sh: the plainest socket relay there is.
 * One UDP socket bound to LISTEN; recvmmsg() a batch, then one sendmmsg()
 * of the whole batch to each subscriber in turn, from the same socket.
 * Runs for SECONDS (or until SIGINT/SIGTERM) and prints one JSON line:
 * {"rx":N,"tx":N,"tx_errors":N,"seconds":S}.
 *
 *   relay LISTEN_IP:PORT SECONDS SUBSCRIBER_IP:PORT...
 *
 * IPv4 only; a benchmark tool, not part of linerate.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_SUBS 64
#define BUF 2048

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int parse(const char *text, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(text, ':');
	char *end;
	long port;

	if (!colon || (size_t)(colon - text) >= sizeof(host))
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint8_t bufs[BATCH][BUF];
	struct sockaddr_in listen_sa, subs[MAX_SUBS];
	struct mmsghdr rx[BATCH], tx[BATCH];
	struct iovec rx_iov[BATCH], tx_iov[BATCH];
	unsigned long long rxn = 0, txn = 0, txerr = 0;
	double seconds, start, deadline;
	int nsubs = argc - 3, fd, size = 8 << 20;

	if (argc < 4 || nsubs > MAX_SUBS || parse(argv[1], &listen_sa) ||
	    (seconds = strtod(argv[2], NULL)) <= 0 || seconds > 3600) {
		fprintf(stderr, "usage: relay LISTEN_IP:PORT SECONDS SUB_IP:PORT...\n");
		return 2;
	}
	for (int i = 0; i < nsubs; i++) {
		if (parse(argv[3 + i], &subs[i])) {
			fprintf(stderr, "relay: bad subscriber '%s'\n", argv[3 + i]);
			return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&listen_sa, sizeof(listen_sa))) {
		perror("relay: socket/bind");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	memset(rx, 0, sizeof(rx));
	memset(tx, 0, sizeof(tx));
	for (int i = 0; i < BATCH; i++) {
		rx_iov[i].iov_base = bufs[i];
		rx_iov[i].iov_len = BUF;
		rx[i].msg_hdr.msg_iov = &rx_iov[i];
		rx[i].msg_hdr.msg_iovlen = 1;
		tx[i].msg_hdr.msg_iov = &tx_iov[i];
		tx[i].msg_hdr.msg_iovlen = 1;
		tx[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
	}
	start = now_s();
	deadline = start + seconds;
	while (!stop && now_s() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int got;

		got = recvmmsg(fd, rx, BATCH, MSG_DONTWAIT, NULL);
		if (got < 0) {
			if (errno == EAGAIN)
				poll(&pfd, 1, 50);
			continue;
		}
		rxn += (unsigned long long)got;
		for (int i = 0; i < got; i++) {
			tx_iov[i].iov_base = bufs[i];
			tx_iov[i].iov_len = rx[i].msg_len;
		}
		for (int s = 0; s < nsubs; s++) {
			int done = 0;

			for (int i = 0; i < got; i++)
				tx[i].msg_hdr.msg_name = &subs[s];
			while (done < got) {
				int sent = sendmmsg(fd, tx + done, (unsigned int)(got - done), 0);

				if (sent <= 0) {
					txerr++;
					done++;
					continue;
				}
				done += sent;
				txn += (unsigned long long)sent;
			}
		}
	}
	printf("{\"rx\":%llu,\"tx\":%llu,\"tx_errors\":%llu,\"seconds\":%.3f}\n",
	       rxn, txn, txerr, now_s() - start);
	close(fd);
	return 0;
}
