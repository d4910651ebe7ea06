// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "replicator/subs.h"

static uint32_t target_hash(const struct ip_addr *addr, uint16_t port)
{
	uint64_t h = port;

	if (addr->family == AF_INET6) {
		uint64_t a, b;

		memcpy(&a, &addr->v6, 8);
		memcpy(&b, (const uint8_t *)&addr->v6 + 8, 8);
		h ^= a * 0x9e3779b97f4a7c15ull;
		h ^= b * 0xc2b2ae3d27d4eb4full;
	} else {
		h ^= (uint64_t)addr->v4.s_addr << 16;
	}
	h *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 32);
}

static bool target_is(const struct sub_target *t, const struct ip_addr *addr,
		      uint16_t port)
{
	return t->port == port && ip_addr_equal(&t->addr, addr);
}

int sub_set_find(const struct sub_set *set, const struct ip_addr *addr,
		 uint16_t port)
{
	uint32_t i;

	if (!set->count)
		return -1;
	i = target_hash(addr, port) & set->hash_mask;
	for (uint32_t probe = 0; probe <= set->hash_mask; probe++) {
		int32_t idx = set->hash[i];

		if (idx < 0)
			return -1;
		if (target_is(&set->subs[idx].target, addr, port))
			return idx;
		i = (i + 1) & set->hash_mask;
	}
	return -1;
}

/* A set for count subscribers, with its hash table in the same block
 * (one free() frees it). The caller fills subs[] then calls set_index(). */
static struct sub_set *set_alloc(uint32_t count)
{
	uint32_t buckets = 8;
	struct sub_set *set;
	size_t head;

	while (buckets < 2 * count)
		buckets <<= 1;
	head = sizeof(*set) + (size_t)count * sizeof(set->subs[0]);
	head = (head + 7) & ~(size_t)7;
	set = calloc(1, head + buckets * sizeof(int32_t));
	if (!set)
		return NULL;
	set->count = count;
	set->hash_mask = buckets - 1;
	set->hash = (int32_t *)((uint8_t *)set + head);
	return set;
}

static void set_index(struct sub_set *set)
{
	for (uint32_t b = 0; b <= set->hash_mask; b++)
		set->hash[b] = -1;
	for (uint32_t k = 0; k < set->count; k++) {
		const struct sub_target *t = &set->subs[k].target;
		uint32_t i = target_hash(&t->addr, t->port) & set->hash_mask;

		while (set->hash[i] >= 0)
			i = (i + 1) & set->hash_mask;
		set->hash[i] = (int32_t)k;
	}
}

int subs_init(struct sub_registry *reg, uint32_t max_subscribers,
	      uint32_t nreaders, sub_slot_freed_fn slot_freed, void *arg)
{
	struct sub_set *empty;

	memset(reg, 0, sizeof(*reg));
	if (!max_subscribers || max_subscribers > SUBS_MAX_SUBSCRIBERS ||
	    !nreaders || nreaders > SUBS_MAX_READERS)
		return -EINVAL;
	reg->max_subscribers = max_subscribers;
	/* Twice as many slots as subscribers: a removed subscriber's slot
	 * drains for up to a burst or two, and churn at the limit must not
	 * find every slot draining. */
	reg->nslots = 2 * max_subscribers;
	reg->nreaders = nreaders;
	reg->slot_freed = slot_freed;
	reg->slot_freed_arg = arg;
	reg->next_id = 1;
	reg->slot_used = calloc(reg->nslots, 1);
	empty = set_alloc(0);
	if (!reg->slot_used || !empty) {
		free(reg->slot_used);
		free(empty);
		return -ENOMEM;
	}
	set_index(empty);
	empty->version = reg->version = 1;
	pthread_mutex_init(&reg->lock, NULL);
	atomic_init(&reg->current, empty);
	atomic_init(&reg->epoch, 1);
	/* Online from the start, holding "nothing newer than epoch 0": a
	 * reader that has not run yet keeps every retired set alive until
	 * its first quiescent point, which is the safe side. */
	for (uint32_t i = 0; i < SUBS_MAX_READERS; i++)
		atomic_init(&reg->readers[i].seen,
			    i < nreaders ? 0 : UINT64_MAX);
	return 0;
}

void subs_destroy(struct sub_registry *reg)
{
	struct sub_retired *r = reg->retired;

	while (r) {
		struct sub_retired *next = r->next;

		free(r->set);
		free(r);
		r = next;
	}
	reg->retired = reg->retired_tail = NULL;
	free(atomic_load(&reg->current));
	atomic_store(&reg->current, NULL);
	free(reg->slot_used);
	reg->slot_used = NULL;
	pthread_mutex_destroy(&reg->lock);
}

void subs_reader_offline(struct sub_registry *reg, uint32_t reader)
{
	if (reader < reg->nreaders)
		atomic_store_explicit(&reg->readers[reader].seen, UINT64_MAX,
				      memory_order_release);
}

uint64_t subs_epoch(struct sub_registry *reg)
{
	return atomic_load(&reg->epoch);
}

static uint64_t readers_min_seen(struct sub_registry *reg)
{
	uint64_t min = UINT64_MAX;

	for (uint32_t i = 0; i < reg->nreaders; i++) {
		uint64_t seen = atomic_load_explicit(&reg->readers[i].seen,
						     memory_order_acquire);

		if (seen < min)
			min = seen;
	}
	return min;
}

bool subs_readers_past(struct sub_registry *reg, uint64_t epoch)
{
	return readers_min_seen(reg) >= epoch;
}

static unsigned int reclaim_locked(struct sub_registry *reg)
{
	uint64_t min = readers_min_seen(reg);
	unsigned int freed = 0;

	while (reg->retired && reg->retired->epoch <= min) {
		struct sub_retired *r = reg->retired;

		reg->retired = r->next;
		if (!reg->retired)
			reg->retired_tail = NULL;
		if (r->frees_slot) {
			if (reg->slot_freed)
				reg->slot_freed(reg->slot_freed_arg,
						&r->dropped);
			reg->slot_used[r->dropped.slot] = 0;
		}
		free(r->set);
		free(r);
		reg->sets_freed++;
		freed++;
	}
	return freed;
}

unsigned int subs_reclaim(struct sub_registry *reg)
{
	unsigned int freed;

	pthread_mutex_lock(&reg->lock);
	freed = reclaim_locked(reg);
	pthread_mutex_unlock(&reg->lock);
	return freed;
}

unsigned int subs_pending(struct sub_registry *reg)
{
	unsigned int n = 0;

	pthread_mutex_lock(&reg->lock);
	for (struct sub_retired *r = reg->retired; r; r = r->next)
		n++;
	pthread_mutex_unlock(&reg->lock);
	return n;
}

/* The set to publish and the record its predecessor retires with: both,
 * so that publishing cannot fail half-way, or -ENOMEM and neither. */
static int next_alloc(uint32_t count, struct sub_set **next,
		      struct sub_retired **r)
{
	*next = set_alloc(count);
	*r = malloc(sizeof(**r));
	if (*next && *r)
		return 0;
	free(*next);
	free(*r);
	return -ENOMEM;
}

/* Swap in next; the old set retires (with the subscriber it no longer
 * has, if any). Called with the lock held; r is preallocated so that
 * publishing cannot fail half-way. */
static void publish_locked(struct sub_registry *reg, struct sub_set *next,
			   struct sub_retired *r,
			   const struct subscriber *dropped)
{
	struct sub_set *old =
		atomic_load_explicit(&reg->current, memory_order_relaxed);
	uint64_t epoch;

	next->version = ++reg->version;
	atomic_store_explicit(&reg->current, next, memory_order_release);
	epoch = atomic_load_explicit(&reg->epoch, memory_order_relaxed) + 1;
	atomic_store_explicit(&reg->epoch, epoch, memory_order_release);
	/* Order the epoch store before the loads of the readers' epochs in
	 * reclaim (a store then a load: only a full fence does that). */
	atomic_thread_fence(memory_order_seq_cst);
	memset(r, 0, sizeof(*r));
	r->set = old;
	r->epoch = epoch;
	if (dropped) {
		r->frees_slot = true;
		r->dropped = *dropped;
	}
	if (reg->retired_tail)
		reg->retired_tail->next = r;
	else
		reg->retired = r;
	reg->retired_tail = r;
	reclaim_locked(reg);
}

int subs_add(struct sub_registry *reg, const struct sub_target *target,
	     uint64_t added_real_ns, struct subscriber *out)
{
	struct sub_set *cur, *next;
	struct sub_retired *r;
	struct subscriber *sub;
	uint32_t slot;
	int err = 0;

	pthread_mutex_lock(&reg->lock);
	cur = atomic_load_explicit(&reg->current, memory_order_relaxed);
	if (sub_set_find(cur, &target->addr, target->port) >= 0) {
		err = -EEXIST;
		goto out;
	}
	if (cur->count >= reg->max_subscribers) {
		err = -ENOSPC;
		goto out;
	}
	reclaim_locked(reg);
	for (slot = 0; slot < reg->nslots && reg->slot_used[slot]; slot++)
		;
	if (slot == reg->nslots) {
		err = -EAGAIN;
		goto out;
	}
	err = next_alloc(cur->count + 1, &next, &r);
	if (err)
		goto out;
	memcpy(next->subs, cur->subs, cur->count * sizeof(cur->subs[0]));
	sub = &next->subs[cur->count];
	memset(sub, 0, sizeof(*sub));
	sub->id = reg->next_id++;
	sub->slot = slot;
	sub->added_real_ns = added_real_ns;
	sub->target = *target;
	set_index(next);
	reg->slot_used[slot] = 1;
	if (out)
		*out = *sub;
	publish_locked(reg, next, r, NULL);
out:
	pthread_mutex_unlock(&reg->lock);
	return err;
}

int subs_remove(struct sub_registry *reg, const struct ip_addr *addr,
		uint16_t port, uint64_t removed_real_ns, struct subscriber *out)
{
	struct sub_set *cur, *next;
	struct sub_retired *r;
	struct subscriber gone;
	int idx, err = 0;
	uint32_t k = 0;

	pthread_mutex_lock(&reg->lock);
	cur = atomic_load_explicit(&reg->current, memory_order_relaxed);
	idx = sub_set_find(cur, addr, port);
	if (idx < 0) {
		err = -ENOENT;
		goto out;
	}
	err = next_alloc(cur->count - 1, &next, &r);
	if (err)
		goto out;
	/* Keep the others in their order: the data path sends in set
	 * order, so a removal does not reorder who gets a burst first. */
	for (uint32_t i = 0; i < cur->count; i++)
		if ((int)i != idx)
			next->subs[k++] = cur->subs[i];
	set_index(next);
	gone = cur->subs[idx];
	gone.removed_real_ns = removed_real_ns;
	if (out)
		*out = gone;
	publish_locked(reg, next, r, &gone);
out:
	pthread_mutex_unlock(&reg->lock);
	return err;
}

void subs_with_current(struct sub_registry *reg,
		       void (*fn)(const struct sub_set *set, void *arg),
		       void *arg)
{
	pthread_mutex_lock(&reg->lock);
	fn(atomic_load_explicit(&reg->current, memory_order_relaxed), arg);
	pthread_mutex_unlock(&reg->lock);
}
