/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SELECT_H
#define LINERATE_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/backend.h"
#include "lib/err.h"
#include "lib/spec.h"

/*
 * What to open: the backend configuration every candidate starts from,
 * and which candidates "auto" tries. The engine fills it from a spec
 * (backend_request_from_spec), the replicator from its own config.
 */
struct backend_request {
	/* role, opts (opts.name: the backend, or "auto"), the endpoints
	 * (local/remote addresses and ports: a raw sender's source port 0
	 * picks one), flows, batch, frame size, TOS, frame.vlan_id/pcp */
	struct backend_config cfg;
	/* what "auto" tries, fastest first; NULL: backend_auto_order */
	const char *const *auto_order;
	size_t auto_count;
	bool mixed_sizes; /* a sender's size mix: one frame size is refused */
};

void backend_request_from_spec(const struct test_spec *sp,
			       struct backend_request *req);

/*
 * Open the backend req names, or with "auto" the first of its order that
 * is not refused and opens here. cfg gets the configuration it opened with
 * (for the raw backends with the resolved path: interface, addresses,
 * MACs). note gets one line on why faster backends were refused ("" when
 * none was). Returns 0, or -errno with the reason in err.
 */
int backend_select_open(const struct backend_request *req,
			const struct backend_ops **ops, struct backend **b,
			struct backend_config *cfg, char *note, size_t note_len,
			struct lr_err *err);

/*
 * The one rule `--backend auto` follows, shared by the run (which then
 * opens the first backend not refused, falling back when one does not
 * open) and by `linerate probe` (which tries what each backend needs).
 * The order is fastest first.
 */
#define BACKEND_AUTO_COUNT 4
extern const char *const backend_auto_order[BACKEND_AUTO_COUNT];

/* What the rule looks at: the path's interface. */
struct backend_path_facts {
	bool loopback; /* IFF_LOOPBACK: every peer is on this host */
	bool veth; /* the driver is veth */
};

/*
 * Why auto must not take backend `name` for role on this path (it would
 * miscount or lose the traffic there), as one phrase, or NULL when auto
 * may try it.
 */
const char *backend_auto_refusal(const char *name, enum role role,
				 const struct backend_path_facts *facts);

/* Add "name refused: why" to note ("a, b refused: why" when the last
 * clause gave the same reason). */
void backend_note_append(char *note, size_t len, const char *name,
			 const char *why);

/* The source port a raw sender of flows flows uses for flow 0 when none
 * was given. */
uint16_t backend_default_src_port(uint32_t flows);

#endif
