// SPDX-License-Identifier: MIT
#include <stdint.h>
#include <string.h>

#include "lib/seqtrack.h"

#define BITS_PER_WORD 64
#define WINDOW_MASK ((uint64_t)SEQTRACK_WINDOW - 1)

_Static_assert((SEQTRACK_WINDOW & (SEQTRACK_WINDOW - 1)) == 0,
	       "SEQTRACK_WINDOW must be a power of two");
_Static_assert(SEQTRACK_WINDOW % BITS_PER_WORD == 0,
	       "SEQTRACK_WINDOW must be a multiple of 64");

/*
 * Only the low bits of seq pick the slot, and 2^64 is a multiple of the
 * window, so sequence numbers wrapping past UINT64_MAX still map
 * consistently.
 */
static inline uint64_t *slot_word(struct seqtrack *st, uint64_t seq)
{
	return &st->seen[(seq & WINDOW_MASK) / BITS_PER_WORD];
}

static inline uint64_t slot_bit(uint64_t seq)
{
	return 1ULL << (seq % BITS_PER_WORD);
}

/* Forget count (< SEQTRACK_WINDOW) slots from first on, wrapping. */
static void clear_slots(struct seqtrack *st, uint64_t first, uint64_t count)
{
	while (count) {
		unsigned int bit = (unsigned int)(first % BITS_PER_WORD);
		uint64_t n = BITS_PER_WORD - bit;
		uint64_t mask;

		if (n > count)
			n = count;
		mask = n == BITS_PER_WORD ? ~0ULL : ((1ULL << n) - 1) << bit;
		*slot_word(st, first) &= ~mask;
		first += n;
		count -= n;
	}
}

void seqtrack_init(struct seqtrack *st)
{
	memset(st, 0, sizeof(*st));
}

enum seq_event seqtrack_update(struct seqtrack *st, uint64_t seq)
{
	uint64_t distance;

	st->received++;
	if (!st->started) {
		st->started = 1;
		st->highest = seq;
		*slot_word(st, seq) |= slot_bit(seq);
		return SEQ_IN_ORDER;
	}

	if (seq > st->highest) {
		/* The slots of the numbers entering the window still hold
		 * numbers that just left it. */
		uint64_t advance = seq - st->highest;

		if (advance >= SEQTRACK_WINDOW)
			memset(st->seen, 0, sizeof(st->seen));
		else if (advance > 1)
			clear_slots(st, st->highest + 1, advance - 1);
		/* seq's own slot is set right away, so it needs no clear. */
		*slot_word(st, seq) |= slot_bit(seq);
		st->highest = seq;
		return advance == 1 ? SEQ_IN_ORDER : SEQ_GAP;
	}

	distance = st->highest - seq;
	if (distance >= SEQTRACK_WINDOW) {
		st->late++;
		return SEQ_LATE;
	}
	if (*slot_word(st, seq) & slot_bit(seq)) {
		st->duplicates++;
		return SEQ_DUPLICATE;
	}
	*slot_word(st, seq) |= slot_bit(seq);
	st->reordered++;
	if (distance > st->max_reorder_distance)
		st->max_reorder_distance = distance;
	return SEQ_REORDERED;
}

uint64_t seqtrack_expected(const struct seqtrack *st)
{
	if (!st->started)
		return 0;
	/* highest + 1 does not fit; only a bogus sender gets here. */
	if (st->highest == UINT64_MAX)
		return UINT64_MAX;
	return st->highest + 1;
}

uint64_t seqtrack_lost(const struct seqtrack *st)
{
	uint64_t unique = st->received - st->duplicates;
	uint64_t expected = seqtrack_expected(st);

	return expected > unique ? expected - unique : 0;
}
