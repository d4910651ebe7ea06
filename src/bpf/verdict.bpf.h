/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef LINERATE_VERDICT_BPF_H
#define LINERATE_VERDICT_BPF_H

/*
 * The programs' way out for a packet they do not take further: count it
 * in one of their per-CPU counters and return the verdict for it.
 * __always_inline: the verifier sees it as the caller's code.
 */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __always_inline int count_verdict(__u64 *counter, int verdict)
{
	(*counter)++;
	return verdict;
}

#endif
