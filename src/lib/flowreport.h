/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_FLOWREPORT_H
#define LINERATE_FLOWREPORT_H

/*
 * Per-flow results of a receiver: what each flow (a sender's address,
 * port and probe flow id) delivered, lost, reordered, its latency and the
 * markings (DSCP, ECN, VLAN) its packets arrived with, so one class or
 * one path that loses, or a device that remarks, is seen by name.
 *
 * Bounds: a worker tracks at most SPEC_MAX_FLOWS flows (the rest are
 * counted in rx.untracked); latency percentiles are kept for the first
 * FLOWREPORT_LATENCY_FLOWS of them (a histogram of ~17 KiB each), the
 * others report latency as null.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/frame.h"
#include "lib/hist.h"

#define FLOWREPORT_LATENCY_FLOWS 256 /* per worker */
#define FLOWREPORT_DEFAULT_ROWS 10 /* text table */
#define FLOWREPORT_ALL_ROWS UINT32_MAX

struct flow_result {
	struct ip_addr src;
	uint16_t src_port;
	uint16_t flow_id;
	uint64_t received; /* duplicates included */
	uint64_t expected;
	uint64_t lost;
	uint64_t duplicates;
	uint64_t reordered;
	uint64_t late;
	uint64_t dscp_seen; /* bit d: a packet came with DSCP d */
	uint8_t ecn_seen; /* bit e: with ECN codepoint e */
	bool tos_seen; /* the backend showed the TOS byte at all */
	uint16_t vlan_id; /* last tag seen (QinQ: the outer) */
	uint16_t vlan_inner_id; /* with it, QinQ's inner tag; 0: none */
	uint8_t vlan_pcp; /* that tag's priority (PCP), with vlan_id */
	uint8_t vlan_inner_pcp; /* the inner tag's, with vlan_inner_id */
	bool vlan_seen;
	bool has_latency;
	uint64_t latency_min;
	double latency_mean;
	uint64_t latency_p50;
	uint64_t latency_p90;
	uint64_t latency_p99;
	uint64_t latency_max;
	double jitter_rfc3550_ns;
};

/* Fill r's latency fields from a flow's histogram (NULL: none kept). */
void flowreport_set_latency(struct flow_result *r, const struct hist *h);

/* Order for the text table: most lost first, then by address and port. */
void flowreport_sort_by_loss(struct flow_result *flows, size_t n);
/* Order for JSON: by address, port, flow id. */
void flowreport_sort_by_source(struct flow_result *flows, size_t n);

/* "192.0.2.1:40001 EF vlan 100" (QinQ "vlan 100,200"): what tells the
 * flow apart. */
const char *flowreport_name(const struct flow_result *r, char *buf,
			    size_t len);

/* The rx.per_flow array (all flows, sorted by source). latency_valid
 * false (one-way latency without synchronised clocks) makes latency null
 * as in the totals. */
json_t *flowreport_json(struct flow_result *flows, size_t n,
			bool latency_valid);

/* The header and one CSV row per flow (sorted by source); a figure not
 * measured is an empty field. Returns 0 or -EIO. */
int flowreport_csv(FILE *out, struct flow_result *flows, size_t n,
		   bool latency_valid);

/* A table of at most rows flows (most lost first) and "N more flows". */
void flowreport_text(FILE *out, struct flow_result *flows, size_t n,
		     uint32_t rows, bool latency_valid);

#endif
