// SPDX-License-Identifier: MIT
/* The replicator's subscriber registry: the set swap, lookups, slots, and
 * that a retired set is freed only once every reader passed a quiescent
 * point after it was replaced. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replicator/subs.h"

static struct sub_target target(const char *ip, uint16_t port)
{
	struct sub_target t;

	memset(&t, 0, sizeof(t));
	assert_int_equal(ip_addr_parse(ip, &t.addr), 0);
	t.port = port;
	return t;
}

struct freed_log {
	uint64_t ids[64];
	uint32_t slots[64];
	int count;
};

static void on_freed(void *arg, const struct subscriber *s)
{
	struct freed_log *log = arg;

	log->ids[log->count] = s->id;
	log->slots[log->count] = s->slot;
	log->count++;
}

static int find(struct sub_registry *reg, const char *ip, uint16_t port)
{
	struct sub_target t = target(ip, port);

	return sub_set_find(atomic_load(&reg->current), &t.addr, port);
}

static void test_add_remove_lookup(void **state)
{
	struct sub_registry reg;
	struct sub_target t;
	struct subscriber s;
	const struct sub_set *set;

	(void)state;
	assert_int_equal(subs_init(&reg, 8, 1, NULL, NULL), 0);
	set = subs_reader_enter(&reg, 0);
	assert_int_equal(set->count, 0);
	assert_int_equal(find(&reg, "10.0.0.1", 7000), -1);

	t = target("10.0.0.1", 7000);
	assert_int_equal(subs_add(&reg, &t, 11, &s), 0);
	assert_int_equal(s.id, 1);
	assert_int_equal(s.added_real_ns, 11);
	t = target("10.0.0.2", 7000);
	assert_int_equal(subs_add(&reg, &t, 12, &s), 0);
	t = target("10.0.0.1", 7001);
	assert_int_equal(subs_add(&reg, &t, 13, &s), 0);
	assert_int_equal(s.id, 3);
	/* The same address and port again: refused, nothing changes. */
	t = target("10.0.0.1", 7000);
	assert_int_equal(subs_add(&reg, &t, 14, &s), -EEXIST);

	set = subs_reader_enter(&reg, 0);
	assert_int_equal(set->count, 3);
	assert_int_equal(set->version, 4); /* the empty set was 1 */
	assert_int_equal(find(&reg, "10.0.0.1", 7000), 0);
	assert_int_equal(find(&reg, "10.0.0.2", 7000), 1);
	assert_int_equal(find(&reg, "10.0.0.1", 7001), 2);
	assert_int_equal(find(&reg, "10.0.0.2", 7001), -1);

	/* Remove the middle one: the others keep their order. */
	t = target("10.0.0.2", 7000);
	assert_int_equal(subs_remove(&reg, &t.addr, 7000, 99, &s), 0);
	assert_int_equal(s.id, 2);
	assert_int_equal(s.removed_real_ns, 99);
	assert_int_equal(subs_remove(&reg, &t.addr, 7000, 99, &s), -ENOENT);
	set = subs_reader_enter(&reg, 0);
	assert_int_equal(set->count, 2);
	assert_int_equal(set->subs[0].id, 1);
	assert_int_equal(set->subs[1].id, 3);
	assert_int_equal(find(&reg, "10.0.0.2", 7000), -1);
	assert_int_equal(find(&reg, "10.0.0.1", 7001), 1);
	subs_destroy(&reg);
}

static void test_ipv6_lookup(void **state)
{
	struct sub_registry reg;
	struct sub_target t;

	(void)state;
	assert_int_equal(subs_init(&reg, 64, 1, NULL, NULL), 0);
	/* Enough entries to collide in the table. */
	for (int i = 0; i < 40; i++) {
		char ip[64];

		snprintf(ip, sizeof(ip), "fd00::%x", i + 1);
		t = target(ip, (uint16_t)(9000 + (i % 3)));
		assert_int_equal(subs_add(&reg, &t, 0, NULL), 0);
	}
	for (int i = 0; i < 40; i++) {
		char ip[64];

		snprintf(ip, sizeof(ip), "fd00::%x", i + 1);
		assert_int_equal(find(&reg, ip, (uint16_t)(9000 + (i % 3))), i);
		assert_int_equal(
			find(&reg, ip, (uint16_t)(9000 + ((i + 1) % 3))), -1);
	}
	subs_destroy(&reg);
}

static void test_limit(void **state)
{
	struct sub_registry reg;
	struct sub_target t;

	(void)state;
	assert_int_equal(subs_init(&reg, 2, 1, NULL, NULL), 0);
	t = target("10.0.0.1", 1);
	assert_int_equal(subs_add(&reg, &t, 0, NULL), 0);
	t = target("10.0.0.2", 1);
	assert_int_equal(subs_add(&reg, &t, 0, NULL), 0);
	t = target("10.0.0.3", 1);
	assert_int_equal(subs_add(&reg, &t, 0, NULL), -ENOSPC);
	assert_int_equal(atomic_load(&reg.current)->count, 2);
	assert_int_equal(subs_init(&(struct sub_registry){0}, 0, 1, NULL, NULL),
			 -EINVAL);
	assert_int_equal(subs_init(&(struct sub_registry){0}, 4, 0, NULL, NULL),
			 -EINVAL);
	subs_destroy(&reg);
}

/* A retired set stays until every reader has been through a quiescent
 * point after the swap; an offline reader holds nothing back. */
static void test_reclaim_waits_for_every_reader(void **state)
{
	struct freed_log log = {0};
	struct sub_registry reg;
	const struct sub_set *held0, *held1;
	struct sub_target t;
	uint64_t epoch;

	(void)state;
	assert_int_equal(subs_init(&reg, 4, 3, on_freed, &log), 0);
	held0 = subs_reader_enter(&reg, 0);
	held1 = subs_reader_enter(&reg, 1);
	subs_reader_offline(&reg, 2);
	assert_ptr_equal(held0, held1);

	t = target("10.0.0.1", 5000);
	assert_int_equal(subs_add(&reg, &t, 0, NULL), 0);
	epoch = subs_epoch(&reg);
	/* Both readers may still hold the empty set. */
	assert_int_equal(subs_reclaim(&reg), 0);
	assert_int_equal(subs_pending(&reg), 1);
	assert_false(subs_readers_past(&reg, epoch));

	held0 = subs_reader_enter(&reg, 0);
	assert_int_equal(held0->count, 1);
	assert_int_equal(subs_reclaim(&reg), 0);
	assert_int_equal(subs_pending(&reg), 1);
	/* Reader 1 still uses the old set: it is intact. */
	assert_int_equal(held1->count, 0);

	held1 = subs_reader_enter(&reg, 1);
	assert_true(subs_readers_past(&reg, epoch));
	assert_int_equal(subs_reclaim(&reg), 1);
	assert_int_equal(subs_pending(&reg), 0);
	assert_int_equal(reg.sets_freed, 1);
	/* An add frees no slot. */
	assert_int_equal(log.count, 0);

	/* A removal: the slot is reported free only after both readers. */
	assert_int_equal(subs_remove(&reg, &t.addr, 5000, 7, NULL), 0);
	assert_int_equal(log.count, 0);
	subs_reader_enter(&reg, 1);
	assert_int_equal(subs_reclaim(&reg), 0);
	assert_int_equal(log.count, 0);
	subs_reader_offline(&reg, 0);
	assert_int_equal(subs_reclaim(&reg), 1);
	assert_int_equal(log.count, 1);
	assert_int_equal(log.ids[0], 1);
	(void)held0;
	subs_destroy(&reg);
}

/* Reclamation goes in publish order: several swaps queue up and are
 * freed together once the readers moved past the last one. */
static void test_reclaim_in_order(void **state)
{
	struct freed_log log = {0};
	struct sub_registry reg;
	struct sub_target t;

	(void)state;
	assert_int_equal(subs_init(&reg, 8, 1, on_freed, &log), 0);
	for (int i = 0; i < 5; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "10.0.0.%d", i + 1);
		t = target(ip, 1);
		assert_int_equal(subs_add(&reg, &t, 0, NULL), 0);
	}
	for (int i = 0; i < 5; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "10.0.0.%d", i + 1);
		t = target(ip, 1);
		assert_int_equal(subs_remove(&reg, &t.addr, 1, 0, NULL), 0);
	}
	assert_int_equal(subs_pending(&reg), 10);
	subs_reader_enter(&reg, 0);
	assert_int_equal(subs_reclaim(&reg), 10);
	assert_int_equal(log.count, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(log.ids[i], (uint64_t)i + 1);
	subs_destroy(&reg);
}

/* A slot is reused only after its subscriber's last set is freed; with
 * every spare slot draining, an add says "try again". */
static void test_slot_reuse(void **state)
{
	struct freed_log log = {0};
	struct sub_registry reg;
	struct sub_target a = target("10.0.0.1", 1), b = target("10.0.0.2", 1),
			  c = target("10.0.0.3", 1);
	struct subscriber s;

	(void)state;
	assert_int_equal(subs_init(&reg, 1, 1, on_freed, &log), 0);
	assert_int_equal(reg.nslots, 2);
	subs_reader_enter(&reg, 0);
	assert_int_equal(subs_add(&reg, &a, 0, &s), 0);
	assert_int_equal(s.slot, 0);
	assert_int_equal(subs_remove(&reg, &a.addr, 1, 0, NULL), 0);
	assert_int_equal(subs_add(&reg, &b, 0, &s), 0);
	assert_int_equal(s.slot, 1); /* slot 0 still drains */
	assert_int_equal(subs_remove(&reg, &b.addr, 1, 0, NULL), 0);
	assert_int_equal(subs_add(&reg, &c, 0, &s), -EAGAIN);
	assert_int_equal(log.count, 0);

	subs_reader_enter(&reg, 0);
	assert_int_equal(subs_add(&reg, &c, 0, &s), 0);
	assert_int_equal(log.count, 2);
	assert_int_equal(log.slots[0], 0);
	assert_int_equal(log.slots[1], 1);
	assert_int_equal(s.slot, 0);
	assert_int_equal(s.id, 3); /* ids are never reused */
	subs_destroy(&reg);
}

/* Readers on threads walk whatever set they hold while a writer swaps
 * sets as fast as it can; each set's contents must stay consistent (a
 * freed set would show garbage, or crash under a sanitizer). */
struct stress {
	struct sub_registry reg;
	atomic_bool stop;
	atomic_ulong bad;
	atomic_ulong walks;
	uint32_t reader;
};

struct stress_reader {
	struct stress *st;
	uint32_t index;
};

static void *stress_read(void *arg)
{
	struct stress_reader *sr = arg;
	struct stress *st = sr->st;

	while (!atomic_load(&st->stop)) {
		const struct sub_set *set =
			subs_reader_enter(&st->reg, sr->index);

		for (uint32_t i = 0; i < set->count; i++) {
			const struct subscriber *s = &set->subs[i];

			/* The writer makes port == 1000 + id % 50000. */
			if (s->target.port != 1000 + s->id % 50000 ||
			    sub_set_find(set, &s->target.addr,
					 s->target.port) != (int)i)
				atomic_fetch_add(&st->bad, 1);
		}
		atomic_fetch_add(&st->walks, 1);
	}
	subs_reader_offline(&st->reg, sr->index);
	return NULL;
}

static void test_concurrent_swaps(void **state)
{
	struct stress *st = calloc(1, sizeof(*st));
	struct stress_reader readers[2];
	pthread_t th[2];
	uint64_t next_id = 1;

	(void)state;
	assert_non_null(st);
	assert_int_equal(subs_init(&st->reg, 16, 2, NULL, NULL), 0);
	atomic_init(&st->stop, false);
	for (uint32_t i = 0; i < 2; i++) {
		readers[i] = (struct stress_reader){st, i};
		assert_int_equal(
			pthread_create(&th[i], NULL, stress_read, &readers[i]),
			0);
	}
	for (int round = 0; round < 20000; round++) {
		const struct sub_set *cur = atomic_load(&st->reg.current);

		if (cur->count < 16 && (round % 3 != 2 || !cur->count)) {
			struct sub_target t;
			char ip[32];
			int rc;

			snprintf(ip, sizeof(ip), "10.%u.%u.%u",
				 (unsigned)(next_id >> 16) & 255,
				 (unsigned)(next_id >> 8) & 255,
				 (unsigned)next_id & 255);
			t = target(ip, (uint16_t)(1000 + next_id % 50000));
			rc = subs_add(&st->reg, &t, 0, NULL);
			if (rc == -EAGAIN) {
				subs_reclaim(&st->reg);
				continue;
			}
			assert_int_equal(rc, 0);
			next_id++;
		} else {
			struct subscriber victim =
				cur->subs[round % cur->count];

			assert_int_equal(
				subs_remove(&st->reg, &victim.target.addr,
					    victim.target.port, 0, NULL),
				0);
		}
		if (round % 64 == 0)
			subs_reclaim(&st->reg);
	}
	/* On a busy host the readers may not have run yet: give them up to
	 * 10 s to walk at least once before they stop. */
	for (int i = 0; i < 10000 && atomic_load(&st->walks) == 0; i++)
		usleep(1000);
	atomic_store(&st->stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&st->bad), 0);
	assert_true(atomic_load(&st->walks) > 0);
	/* Both readers are offline: everything retired can go. */
	subs_reclaim(&st->reg);
	assert_int_equal(subs_pending(&st->reg), 0);
	subs_destroy(&st->reg);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_remove_lookup),
		cmocka_unit_test(test_ipv6_lookup),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_reclaim_waits_for_every_reader),
		cmocka_unit_test(test_reclaim_in_order),
		cmocka_unit_test(test_slot_reuse),
		cmocka_unit_test(test_concurrent_swaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
