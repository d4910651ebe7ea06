/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_ENGINE_PROBE_H
#define LINERATE_ENGINE_PROBE_H

/*
 * What an interface and this kernel allow each backend to do, found by
 * trying rather than by version tables (drivers and sandboxes refuse
 * things their kernel version would allow): attach the do-nothing lr_pass
 * program in native and generic mode, bind AF_XDP sockets in zero-copy
 * and copy mode, run lr_pass once with live frames, open an AF_PACKET
 * ring. Then which backend `auto` would pick for each role, by the rule
 * the run itself follows (select.h). `linerate probe` prints it.
 */

#include <jansson.h>
#include <linux/ethtool.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend/netpath.h"
#include "lib/spec.h"

enum probe_check_state { CHECK_UNTESTED = 0, CHECK_YES, CHECK_NO };

struct probe_check {
	enum probe_check_state state;
	bool frags_only; /* XDP: only multi-buffer aware programs attach */
	char detail[200]; /* why not, why untested, or what worked */
};

struct probe_attached_prog {
	const char *mode;
	uint32_t id;
	char name[16];
	bool linerate;
};

struct probe_result {
	struct net_path iface;
	struct ethtool_drvinfo drv;
	bool have_drv;
	struct probe_attached_prog attached[3];
	unsigned int n_attached;
	struct probe_check native, generic, zero_copy, copy, live_frames,
		afpacket;
	struct probe_auto_pick {
		const char *backend;
		char reason[480];
	} picks[ROLE_PING + 1];
	/* What went wrong on the way; the report is still whole. */
	char load_error[256]; /* lr_pass did not load: "" when it did */
	bool left_attached; /* lr_pass could not be detached */
};

/* "yes", "no", "untested" */
const char *probe_check_word(enum probe_check_state s);

/* The roles probe picks a backend for, in report order. */
#define PROBE_ROLE_COUNT 4
extern const enum role probe_roles[PROBE_ROLE_COUNT];

/*
 * Probe ifname into r. Returns 0 with r filled (r->load_error and
 * r->left_attached say what failed on the way), or, when the interface
 * cannot be read at all, -ENODEV (no such interface) or -errno with the
 * reason in err. Nothing stays attached: every attach is undone before
 * the next step, with termination signals held off in between.
 */
int probe_interface(const char *ifname, struct probe_result *r,
		    struct lr_err *err);

/* The report: aligned text lines, or one JSON object (NULL on ENOMEM). */
void probe_print_text(FILE *out, const struct probe_result *r);
json_t *probe_json(const struct probe_result *r);

#endif
