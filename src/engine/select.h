/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SELECT_H
#define LINERATE_SELECT_H

#include <stddef.h>

#include "backend/backend.h"
#include "spec.h"

/*
 * Open the backend the spec names, or with "auto" the fastest one that
 * opens here: xdp (not for ping), afxdp, afpacket, udp. cfg is filled
 * (for the raw backends with the resolved path: interface, addresses,
 * MACs). note gets one line on why faster backends were refused ("" when
 * none was). Returns 0 or -errno with the reason logged.
 */
int backend_select_open(const struct test_spec *sp,
			const struct backend_ops **ops, struct backend **b,
			struct backend_config *cfg, char *note,
			size_t note_len);

/* The source port a raw sender uses for flow 0 when none was given. */
uint16_t backend_default_src_port(const struct test_spec *sp);

#endif
