// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>

#include "tc.h"

int tc_replicator_open(struct replicator *r, char *err, size_t err_len)
{
	(void)r;
	snprintf(err, err_len, "not built yet");
	return -EOPNOTSUPP;
}

int tc_replicator_sync(struct replicator *r)
{
	(void)r;
	return -EOPNOTSUPP;
}

void tc_replicator_totals(struct replicator *r, struct repl_counters *out)
{
	(void)r;
	(void)out;
}

void tc_replicator_slot_sum(struct replicator *r, uint32_t slot,
			    struct sub_counters *out)
{
	(void)r;
	(void)slot;
	(void)out;
}

void tc_replicator_close(struct replicator *r)
{
	(void)r;
}
