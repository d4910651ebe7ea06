/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SEQTRACK_H
#define LINERATE_SEQTRACK_H

/*
 * Per-flow sequence tracking with a bounded window (memory does not grow
 * with the packet count). Definitions, following RFC 4737 / RFC 5560:
 *
 *  - highest: the highest sequence number seen; the sender starts at 0, so
 *    expected = highest + 1 (loss at the start of a run counts too).
 *  - in order: seq == highest + 1 (or the first packet).
 *  - gap: seq > highest + 1: the numbers in between are missing for now.
 *  - reordered: seq < highest, inside the window, not seen before: it fills
 *    a gap, arriving after a higher number.
 *  - duplicate: seen before (inside the window).
 *  - late: older than the window (highest - seq >= SEQTRACK_WINDOW); we no
 *    longer know whether it is a duplicate, so it is counted as late and
 *    as received, once.
 *
 *  unique = received - duplicates;  lost = expected - unique (floored at 0).
 *  A late packet whose number was already counted lost makes lost go down,
 *  as it should: it did arrive.
 */

#include <stdint.h>

#define SEQTRACK_WINDOW 4096 /* sequence numbers remembered, power of 2 */

enum seq_event {
	SEQ_IN_ORDER = 0,
	SEQ_GAP,
	SEQ_REORDERED,
	SEQ_DUPLICATE,
	SEQ_LATE,
};

struct seqtrack {
	uint64_t received; /* every packet, duplicates included */
	uint64_t duplicates;
	uint64_t reordered;
	uint64_t late;
	uint64_t highest;
	uint64_t max_reorder_distance; /* highest - seq for reordered packets */
	int started;
	uint64_t seen[SEQTRACK_WINDOW / 64]; /* bit per seq, mod WINDOW */
};

void seqtrack_init(struct seqtrack *st);
enum seq_event seqtrack_update(struct seqtrack *st, uint64_t seq);
uint64_t seqtrack_expected(const struct seqtrack *st); /* 0 before any */
uint64_t seqtrack_lost(const struct seqtrack *st);

#endif
