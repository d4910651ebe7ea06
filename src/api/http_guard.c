// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/clock.h"
#include "api/http_guard.h"
#include "lib/log.h"

enum guard_stage { STAGE_HEAD = 0, STAGE_BODY, STAGE_BUSY };

struct http_guard_conn {
	int fd;
	enum guard_stage stage;
	uint64_t since_ns; /* monotonic: when the stage began */
	bool closing; /* shut down by us; libmicrohttpd has yet to notice */
	struct http_guard_conn *prev, *next; /* oldest first */
};

struct http_guard {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool stop;
	unsigned int max, count;
	uint64_t head_ns, body_ns;
	struct http_guard_conn *head, *tail;
	struct http_guard_counters counters;
};

#define GUARD_TICK_NS (100 * NSEC_PER_MSEC)

unsigned int http_guard_hard_limit(unsigned int max)
{
	unsigned int extra = max / 8 < 16 ? 16 : max / 8;

	return max + extra;
}

static void list_remove(struct http_guard *g, struct http_guard_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		g->tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(struct http_guard *g, struct http_guard_conn *c)
{
	c->prev = g->tail;
	c->next = NULL;
	if (g->tail)
		g->tail->next = c;
	else
		g->head = c;
	g->tail = c;
}

/* Under the lock. The socket is still open: libmicrohttpd closes it only
 * after telling us (http_guard_close), which takes the lock. */
static void shut(struct http_guard_conn *c)
{
	c->closing = true;
	shutdown(c->fd, SHUT_RDWR);
}

static void *guard_thread(void *arg)
{
	struct http_guard *g = arg;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		struct timespec ts;
		uint64_t now = mono_ns();

		for (struct http_guard_conn *c = g->head; c; c = c->next) {
			if (c->closing || c->stage == STAGE_BUSY)
				continue;
			if (c->stage == STAGE_HEAD && g->head_ns &&
			    now - c->since_ns > g->head_ns) {
				g->counters.head_timeouts++;
				shut(c);
			} else if (c->stage == STAGE_BODY && g->body_ns &&
				   now - c->since_ns > g->body_ns) {
				g->counters.body_timeouts++;
				shut(c);
			}
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += GUARD_TICK_NS;
		if (ts.tv_nsec >= (long)NSEC_PER_SEC) {
			ts.tv_sec++;
			ts.tv_nsec -= NSEC_PER_SEC;
		}
		pthread_cond_timedwait(&g->cond, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct http_guard *http_guard_create(unsigned int max,
				     unsigned int head_timeout_s,
				     unsigned int body_timeout_s)
{
	struct http_guard *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return NULL;
	g->max = max;
	g->head_ns = (uint64_t)head_timeout_s * NSEC_PER_SEC;
	g->body_ns = (uint64_t)body_timeout_s * NSEC_PER_SEC;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	err = pthread_create(&g->thread, NULL, guard_thread, g);
	if (err) {
		pthread_cond_destroy(&g->cond);
		pthread_mutex_destroy(&g->lock);
		free(g);
		errno = err;
		return NULL;
	}
	return g;
}

void http_guard_destroy(struct http_guard *g)
{
	struct http_guard_conn *c, *next;

	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	/* libmicrohttpd told us of every close before it stopped; anything
	 * left is only memory. */
	for (c = g->head; c; c = next) {
		next = c->next;
		free(c);
	}
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

struct http_guard_conn *http_guard_open(struct http_guard *g, int fd)
{
	struct http_guard_conn *c = calloc(1, sizeof(*c)), *victim = NULL;

	if (!c)
		return NULL;
	c->fd = fd;
	c->stage = STAGE_HEAD;
	c->since_ns = mono_ns();
	pthread_mutex_lock(&g->lock);
	list_append(g, c);
	g->count++;
	if (g->count > g->max) {
		unsigned int live = 0;

		/* Connections already being closed are on their way out. */
		for (struct http_guard_conn *o = g->head; o; o = o->next) {
			if (o->closing)
				continue;
			live++;
			if (!victim && o->stage == STAGE_HEAD && o != c)
				victim = o;
		}
		if (live <= g->max) {
			victim = NULL;
		} else {
			/* The list is in order of arrival, and a connection
			 * back in the head stage moved to its end, so the
			 * first one waiting for a head waited longest. */
			if (!victim)
				victim = c;
			g->counters.evicted++;
			shut(victim);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return c;
}

void http_guard_close(struct http_guard *g, struct http_guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	list_remove(g, c);
	g->count--;
	pthread_mutex_unlock(&g->lock);
	free(c);
}

static void set_stage(struct http_guard *g, struct http_guard_conn *c,
		      enum guard_stage stage)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	c->stage = stage;
	c->since_ns = mono_ns();
	if (stage == STAGE_HEAD) {
		/* Waiting for its next head from now: the newest in line. */
		list_remove(g, c);
		list_append(g, c);
	}
	pthread_mutex_unlock(&g->lock);
}

void http_guard_head_done(struct http_guard *g, struct http_guard_conn *c)
{
	set_stage(g, c, STAGE_BODY);
}

void http_guard_body_done(struct http_guard *g, struct http_guard_conn *c)
{
	set_stage(g, c, STAGE_BUSY);
}

void http_guard_request_done(struct http_guard *g, struct http_guard_conn *c)
{
	set_stage(g, c, STAGE_HEAD);
}

void http_guard_counters(struct http_guard *g, struct http_guard_counters *out)
{
	pthread_mutex_lock(&g->lock);
	*out = g->counters;
	pthread_mutex_unlock(&g->lock);
}
