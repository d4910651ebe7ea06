/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef LINERATE_MAPS_BPF_H
#define LINERATE_MAPS_BPF_H

/*
 * Map declarations the linerate BPF programs share. A program's counters
 * and its scratch space are one slot per CPU: each CPU writes its own, so
 * the hot path needs no atomics, and user space sums the slots.
 */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* A per-CPU array of one slot of value_type, key 0. */
#define PERCPU_SLOT_MAP(name, value_type)                                  \
	struct {                                                            \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                    \
		__uint(max_entries, 1);                                     \
		__type(key, __u32);                                         \
		__type(value, value_type);                                  \
	} name SEC(".maps")

#endif
