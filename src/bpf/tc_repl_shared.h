/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_TC_REPL_SHARED_H
#define LINERATE_TC_REPL_SHARED_H

/*
 * Types shared by the in-kernel replicator (tc_replicate.bpf.c) and its
 * user-space side (replicator/tc.c).
 */

#include <linux/types.h>

/* Subscribers the program walks per packet (a bounded loop). */
#define TC_REPL_MAX_SUBS 128
/* Counter slots: user space keeps twice as many as subscribers. */
#define TC_REPL_MAX_SLOTS (2 * TC_REPL_MAX_SUBS)

#define TC_REPL_FAMILY_IPV4 4
#define TC_REPL_FAMILY_IPV6 6

/* Rodata, set between open and load. */
struct tc_repl_config {
	__u32 family; /* TC_REPL_FAMILY_* */
	__u32 any_addr; /* listen on any address of that family */
	__u32 addr[4]; /* listen address, network order; IPv4 in [0] */
	__u16 port; /* listen port, host order */
	__u8 mac[6]; /* ours: the copies' source */
	__u32 ifindex; /* where the copies go out */
	__u32 max_len; /* largest frame to pass on, without FCS */
	__u32 return_path; /* subscribers' packets go back to the feed */
};

/* One destination, as the program writes it into the packet. */
struct tc_repl_target {
	__u32 addr[4]; /* network order; IPv4 in [0] */
	__u8 mac[6];
	__u16 port; /* network order */
	__u32 slot; /* counter slot */
	__u32 pad;
};

/* The whole set: the value of the one entry of an inner map. */
struct tc_repl_set {
	__u32 count;
	__u32 pad;
	struct tc_repl_target subs[TC_REPL_MAX_SUBS];
};

/* Per CPU; user space sums them. */
struct tc_repl_counters {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 replicated;
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 tx_errors; /* bpf_clone_redirect() failed */
	__u64 no_subscribers;
	__u64 too_big;
	__u64 malformed;
	__u64 from_subscriber;
	__u64 returned;
	__u64 return_no_feed;
};

struct tc_repl_sub_counters {
	__u64 sent;
	__u64 dropped;
	__u64 bytes;
};

#endif
