/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_STAMP_XDP_REFLECT_H
#define LINERATE_STAMP_XDP_REFLECT_H

/*
 * The in-kernel STAMP reflector (src/bpf/xdp_stamp.bpf.c) on one
 * interface: it answers the 44-octet unauthenticated packets itself and
 * hands everything else for the port to the socket reflector.
 */

#include <stdint.h>

#include "stamp/reflector.h"
#include "lib/err.h"
#include "lib/spec.h"

struct stamp_xdp;

struct stamp_xdp_counters {
	uint64_t rx_packets, reflected, bytes, passed_up, rate_limited,
		ptp_replies;
};

/* Load and attach to spec->backend.ifname (which the caller has set). 0
 * or -errno with why in err. */
int stamp_xdp_open(struct stamp_xdp **out, const struct test_spec *spec,
		   const struct stamp_reflector_config *cfg,
		   struct lr_err *err);
/* Sum of the per-CPU counters. 0 or -errno. */
int stamp_xdp_read(struct stamp_xdp *x, struct stamp_xdp_counters *sum);
/* "native XDP" / "generic XDP", and why native was refused ("" if not). */
const char *stamp_xdp_mode(const struct stamp_xdp *x);
const char *stamp_xdp_note(const struct stamp_xdp *x);
void stamp_xdp_close(struct stamp_xdp *x);

/* The interface holding addr (netpath_local()), into name (IFNAMSIZ).
 * 0, -ENOENT when no interface has it, or -errno. */
int stamp_ifname_of(const struct ip_addr *addr, char *name, size_t len);

#endif
