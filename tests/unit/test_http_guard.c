// SPDX-License-Identifier: MIT
/* The API's connection guard on socket pairs: the end it shuts is the
 * server's, so the test's end reads EOF. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api/http_guard.h"

struct pair {
	int server, client;
};

static void pair_open(struct pair *p)
{
	int fd[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0);
	p->server = fd[0];
	p->client = fd[1];
}

static void pair_close(struct pair *p)
{
	close(p->server);
	close(p->client);
}

/* Did the guard shut the server end (the client sees EOF within ms)? */
static bool was_shut(const struct pair *p, int wait_ms)
{
	struct pollfd pfd = {.fd = p->client, .events = POLLIN};
	char c;

	if (poll(&pfd, 1, wait_ms) <= 0)
		return false;
	return recv(p->client, &c, 1, MSG_DONTWAIT) == 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Over max: the one waiting longest for its head goes, not one in the
 * middle of a request, and not the newcomer. */
static void test_evicts_oldest_waiting_for_head(void **state)
{
	struct http_guard *g = http_guard_create(3, 0, 0);
	struct http_guard_counters gc;
	struct http_guard_conn *c[5];
	struct pair p[5];

	(void)state;
	assert_non_null(g);
	for (int i = 0; i < 3; i++) {
		pair_open(&p[i]);
		c[i] = http_guard_open(g, p[i].server);
		assert_non_null(c[i]);
	}
	/* 0 is busy with a request; 1 and 2 wait for their heads. */
	http_guard_head_done(g, c[0]);
	http_guard_body_done(g, c[0]);
	for (int i = 0; i < 3; i++)
		assert_false(was_shut(&p[i], 0));
	pair_open(&p[3]);
	c[3] = http_guard_open(g, p[3].server);
	assert_true(was_shut(&p[1], 1000));
	assert_false(was_shut(&p[0], 0));
	assert_false(was_shut(&p[2], 0));
	assert_false(was_shut(&p[3], 0));
	/* libmicrohttpd notices and tells us. */
	http_guard_close(g, c[1]);
	/* 2 finishes a request and waits for the next head: now it is the
	 * newest in line, 3 the oldest. */
	http_guard_head_done(g, c[2]);
	http_guard_request_done(g, c[2]);
	pair_open(&p[4]);
	c[4] = http_guard_open(g, p[4].server);
	assert_true(was_shut(&p[3], 1000));
	assert_false(was_shut(&p[2], 0));
	assert_false(was_shut(&p[4], 0));
	http_guard_close(g, c[3]);
	http_guard_counters(g, &gc);
	assert_int_equal(gc.evicted, 2);
	assert_int_equal(gc.head_timeouts, 0);
	for (int i = 0; i < 5; i++) {
		if (i != 1 && i != 3)
			http_guard_close(g, c[i]);
		pair_close(&p[i]);
	}
	http_guard_destroy(g);
}

/* Everyone busy: the newcomer itself is closed, max holds. */
static void test_full_of_busy_closes_newcomer(void **state)
{
	struct http_guard *g = http_guard_create(2, 0, 0);
	struct http_guard_conn *c[3];
	struct pair p[3];

	(void)state;
	for (int i = 0; i < 2; i++) {
		pair_open(&p[i]);
		c[i] = http_guard_open(g, p[i].server);
		http_guard_head_done(g, c[i]);
	}
	pair_open(&p[2]);
	c[2] = http_guard_open(g, p[2].server);
	assert_true(was_shut(&p[2], 1000));
	assert_false(was_shut(&p[0], 0));
	assert_false(was_shut(&p[1], 0));
	for (int i = 0; i < 3; i++) {
		http_guard_close(g, c[i]);
		pair_close(&p[i]);
	}
	http_guard_destroy(g);
}

/* Head and body deadlines (1 s); a busy connection is left alone. */
static void test_deadlines(void **state)
{
	struct http_guard *g = http_guard_create(16, 1, 1);
	struct http_guard_counters gc;
	struct http_guard_conn *head, *body, *busy;
	struct pair ph, pb, pu;

	(void)state;
	pair_open(&ph);
	pair_open(&pb);
	pair_open(&pu);
	head = http_guard_open(g, ph.server);
	body = http_guard_open(g, pb.server);
	busy = http_guard_open(g, pu.server);
	http_guard_head_done(g, body);
	http_guard_head_done(g, busy);
	http_guard_body_done(g, busy);
	sleep_ms(300);
	assert_false(was_shut(&ph, 0));
	assert_false(was_shut(&pb, 0));
	/* Deadline 1 s, checked every 100 ms (generous waits: a loaded
	 * machine). */
	assert_true(was_shut(&ph, 3000));
	assert_true(was_shut(&pb, 3000));
	sleep_ms(500);
	assert_false(was_shut(&pu, 0));
	http_guard_counters(g, &gc);
	assert_int_equal(gc.head_timeouts, 1);
	assert_int_equal(gc.body_timeouts, 1);
	assert_int_equal(gc.evicted, 0);
	http_guard_close(g, head);
	http_guard_close(g, body);
	http_guard_close(g, busy);
	pair_close(&ph);
	pair_close(&pb);
	pair_close(&pu);
	http_guard_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evicts_oldest_waiting_for_head),
		cmocka_unit_test(test_full_of_busy_closes_newcomer),
		cmocka_unit_test(test_deadlines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
