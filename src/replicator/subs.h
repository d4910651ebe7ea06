/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SUBS_H
#define LINERATE_SUBS_H

/*
 * The replicator's subscriber set, swapped RCU-style.
 *
 * A set is immutable once published. Writers (the API threads) build a
 * new set under a mutex and publish it with one atomic pointer store;
 * readers (the data-path workers) load the pointer at a burst boundary and
 * use that set for the whole burst, with no lock and no read-modify-write
 * atomic. The set a publish replaced is retired with the epoch of the
 * publish and freed once every reader has announced, at one of its burst
 * boundaries (its quiescent points), an epoch at least that new: it
 * cannot hold the old set any more. A reader that has finished goes
 * offline for good and no longer holds anything back.
 *
 * Each subscriber has a counter slot, an index the data path uses for its
 * per-subscriber counters. A slot is free again only when the last set
 * naming its subscriber has been freed, so no worker still writes to it;
 * slot_freed is then called (under the registry lock), which is where the
 * owner of the counters takes the subscriber's final figures.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/frame.h"

#define SUBS_MAX_READERS     64
#define SUBS_MAX_SUBSCRIBERS 4096

/* Where one copy goes. Precomputed at add time so the data path only
 * copies fields. */
struct sub_target {
	struct ip_addr addr;
	uint16_t port; /* host order */
	uint8_t mac[6]; /* raw backends: next hop */
	/* raw backends: ones' complement sum (not folded, network order
	 * words) of the destination address and port: the part of the UDP
	 * checksum that differs between subscribers */
	uint32_t csum_words;
	struct sockaddr_storage sa; /* udp backend: the destination */
};

struct subscriber {
	uint64_t id; /* unique for the life of the registry, never reused */
	uint32_t slot; /* counter slot */
	uint64_t added_real_ns; /* CLOCK_REALTIME */
	uint64_t removed_real_ns; /* 0 while subscribed */
	struct sub_target target;
};

struct sub_set {
	uint64_t version; /* 1, 2, ... per publish */
	uint32_t count;
	uint32_t hash_mask; /* hash has hash_mask + 1 entries */
	int32_t *hash; /* index into subs, -1 empty; open addressing */
	struct subscriber subs[];
};

/* The index of the subscriber with this address and port in set, or -1. */
int sub_set_find(const struct sub_set *set, const struct ip_addr *addr,
		 uint16_t port);

struct sub_reader {
	_Atomic uint64_t seen; /* epoch at its last quiescent point */
	char pad[64 - sizeof(uint64_t)];
} __attribute__((aligned(64)));

struct sub_retired {
	struct sub_retired *next;
	struct sub_set *set;
	uint64_t epoch; /* freeable once every reader has seen this */
	bool frees_slot; /* set dropped a subscriber: its slot frees too */
	struct subscriber dropped;
};

typedef void (*sub_slot_freed_fn)(void *arg, const struct subscriber *sub);

struct sub_registry {
	_Atomic(struct sub_set *) current;
	_Atomic uint64_t epoch;
	struct sub_reader readers[SUBS_MAX_READERS];
	uint32_t nreaders;
	uint32_t max_subscribers;
	uint32_t nslots; /* max_subscribers plus room for draining ones */
	pthread_mutex_t lock; /* writers only */
	uint8_t *slot_used; /* per slot: 0 free, 1 in use or draining */
	struct sub_retired *retired; /* oldest first */
	struct sub_retired *retired_tail;
	uint64_t next_id;
	uint64_t version;
	uint64_t sets_freed;
	sub_slot_freed_fn slot_freed;
	void *slot_freed_arg;
};

/*
 * A registry for up to max_subscribers at once, read by nreaders readers
 * (index 0..nreaders-1), each online from the start. Returns 0 or
 * -EINVAL/-ENOMEM. slot_freed may be NULL.
 */
int subs_init(struct sub_registry *reg, uint32_t max_subscribers,
	      uint32_t nreaders, sub_slot_freed_fn slot_freed, void *arg);
/* Frees every set; no reader may run any more. */
void subs_destroy(struct sub_registry *reg);

/* ---- readers (the hot path) */

/* The current set and the epoch it is at least as new as (the epoch is
 * read first: the writer stores the pointer before the epoch). */
static inline const struct sub_set *subs_reader_peek(struct sub_registry *reg,
						     uint64_t *epoch)
{
	*epoch = atomic_load_explicit(&reg->epoch, memory_order_acquire);
	return atomic_load_explicit(&reg->current, memory_order_acquire);
}

/* The reader no longer uses any set older than epoch. Release: every use
 * of an older set happens before the writer can see this. */
static inline void subs_reader_mark(struct sub_registry *reg, uint32_t reader,
				    uint64_t epoch)
{
	atomic_store_explicit(&reg->readers[reader].seen, epoch,
			      memory_order_release);
}

/* A quiescent point: the caller no longer uses the set it had; returns
 * the set to use until its next call. Never NULL after subs_init. */
static inline const struct sub_set *subs_reader_enter(struct sub_registry *reg,
						      uint32_t reader)
{
	uint64_t epoch;
	const struct sub_set *set = subs_reader_peek(reg, &epoch);

	subs_reader_mark(reg, reader, epoch);
	return set;
}

/* The reader is done for good: it holds no set from now on. */
void subs_reader_offline(struct sub_registry *reg, uint32_t reader);

/* ---- writers (any thread; serialised by the registry's mutex) */

/*
 * Publish a set with one subscriber more. target is copied; *out gets the
 * subscriber as published. -EEXIST when that address and port is already
 * a subscriber, -ENOSPC at max_subscribers, -EAGAIN when every free slot
 * is still draining (try again after subs_reclaim), -ENOMEM.
 */
int subs_add(struct sub_registry *reg, const struct sub_target *target,
	     uint64_t added_real_ns, struct subscriber *out);
/* Publish a set without it; *out gets the subscriber. -ENOENT if none. */
int subs_remove(struct sub_registry *reg, const struct ip_addr *addr,
		uint16_t port, uint64_t removed_real_ns,
		struct subscriber *out);

/* The epoch of the last publish. */
uint64_t subs_epoch(struct sub_registry *reg);
/* True when every reader has passed a quiescent point at or after epoch:
 * none still uses a set older than that publish. */
bool subs_readers_past(struct sub_registry *reg, uint64_t epoch);

/* Free every retired set no reader can hold any more (calling slot_freed
 * for the subscribers they dropped). Returns how many were freed. */
unsigned int subs_reclaim(struct sub_registry *reg);
/* Retired sets not yet freed. */
unsigned int subs_pending(struct sub_registry *reg);

/* Run fn on the current set under the writers' lock (it cannot be freed
 * meanwhile). */
void subs_with_current(struct sub_registry *reg,
		       void (*fn)(const struct sub_set *set, void *arg),
		       void *arg);

#endif
