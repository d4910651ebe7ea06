/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_REPL_TC_H
#define LINERATE_REPL_TC_H

/*
 * --backend xdp: the replicator in the kernel. A tc ingress program
 * (tc_replicate.bpf.c; a tcx link where the kernel has them, else a
 * clsact filter) readdresses each feed packet for one subscriber after
 * another and sends a clone of each version out of the interface with
 * bpf_clone_redirect(); user space only keeps the subscriber set in a map
 * and reads counters.
 *
 * The set lives in an inner map behind a one-slot array of maps: an
 * update of the outer map returns only after every program run that
 * could still see the old inner map has finished (the kernel waits for
 * an RCU grace period), which is the kernel side's quiescent point.
 */

#include "replicator/replicator.h"

/* Load and attach the replicator's tc program: 0, or -errno with err
 * (may be NULL) saying why. */
int tc_replicator_open(struct replicator *r, struct lr_err *err);
/* Push the registry's current set to the kernel, then mark the kernel
 * reader (index 0) quiescent. Serialised inside. 0 or -errno. */
int tc_replicator_sync(struct replicator *r);
void tc_replicator_totals(struct replicator *r, struct repl_counters *out);
void tc_replicator_slot_sum(struct replicator *r, uint32_t slot,
			    struct sub_counters *out);
/* Take the program off the interface (the counters stay readable). */
void tc_replicator_detach(struct replicator *r);
void tc_replicator_close(struct replicator *r);

#endif
