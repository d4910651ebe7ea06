// SPDX-License-Identifier: MIT
/*
 * `linerate cleanup -i IFACE [--force]`: remove what a killed linerate left
 * on an interface, i.e. XDP programs and tc clsact filters whose program
 * name starts with "lr_" and that no running process holds.
 *
 * A foreign XDP program is only reported: it is someone's firewall or load
 * balancer, and removing it could cut the machine off. --force removes
 * every XDP program on the interface, foreign ones and those of a running
 * linerate included, for the case where the user knows better. Foreign tc
 * filters are never removed, not even with --force.
 */
#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "backend/xdp_attach.h"
#include "cmd/cmd.h"
#include "cmd/iface_args.h"
#include "lib/log.h"

struct cleanup_args {
	const char *ifname;
	bool force;
};

static const struct opt_row cleanup_rows[] = {
	OPT_SWITCH_ROW("force", struct cleanup_args, force,
		       "also remove every other XDP program on IFACE (foreign "
		       "ones, and those of a running linerate); foreign tc "
		       "filters stay"),
};

CMD_OPTS(cleanup, "cleanup", cleanup_rows, struct cleanup_args,
	 .summary = "remove XDP/tc programs a killed linerate left on an "
		    "interface",
	 .usage = "cleanup -i IFACE [--force]\n"
		  "\n"
		  "Remove what a killed linerate left on IFACE: XDP programs "
		  "(any\n"
		  "mode) and tc clsact filters whose program name starts with\n"
		  "\"" LINERATE_PROG_PREFIX "\", unless a running linerate "
		  "still holds them.\n"
		  "Foreign XDP programs are reported and left alone.",
	 CMD_IFACE_OPTS(cleanup_group, struct cleanup_args, "clean"),
	 .epilog = "\nExit codes: 0 ok (also when nothing was there), 1 "
		   "something\ncould not be removed, 2 bad command line or "
		   "unknown interface.\n");

/* What removing linerate's leftovers did not touch: each other XDP
 * program is reported, or with force removed. Counts into removed and
 * left; 0 or EXIT_RUNTIME when one could not be removed. */
static int cleanup_others(const char *ifname, int ifindex, bool force,
			  int *removed, unsigned int *left)
{
	int rc = 0;

	for (size_t i = 0; i < XDP_MODE_COUNT; i++) {
		char name[16];
		uint32_t id;
		int err;

		id = xdp_attached_prog(ifindex, xdp_modes[i].flag, name,
				       sizeof(name));
		if (!id)
			continue;
		if (!force) {
			const char *why = "foreign";

			if (!name[0])
				why = "its name is unreadable";
			else if (!strncmp(name, LINERATE_PROG_PREFIX,
					  strlen(LINERATE_PROG_PREFIX)))
				why = "in use by a running linerate";
			printf("%s: left XDP program %s (id %u, %s mode) "
			       "attached: %s; --force removes it\n",
			       ifname, name[0] ? name : "?", id,
			       xdp_modes[i].name, why);
			(*left)++;
			continue;
		}
		err = xdp_remove_id(ifindex, xdp_modes[i].flag, id);
		if (err) {
			fprintf(stderr,
				"linerate cleanup: %s: cannot remove "
				"XDP program %s (id %u, %s mode): %s\n",
				ifname, name, id, xdp_modes[i].name,
				strerror(-err));
			rc = EXIT_RUNTIME;
			(*left)++;
			continue;
		}
		printf("%s: removed XDP program %s (id %u, %s mode) "
		       "(--force)\n",
		       ifname, name, id, xdp_modes[i].name);
		(*removed)++;
	}
	return rc;
}

static int cleanup_check(void *cfg, const struct opt_parse *st)
{
	(void)st;
	return cmd_iface_required("cleanup",
				  ((struct cleanup_args *)cfg)->ifname);
}

static int cleanup_run(void *cfg)
{
	const struct cleanup_args *a = cfg;
	const char *ifname = a->ifname;
	int ifindex, removed, rc = EXIT_OK;
	unsigned int left = 0;

	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "linerate cleanup: -i %s: no such interface\n",
			ifname);
		return EXIT_USAGE;
	}

	/* xdp_cleanup says what it removes at info level. */
	if (log_get_level() < LOG_INFO)
		log_set_level(LOG_INFO);
	removed = xdp_cleanup(ifindex);
	if (removed < 0) {
		fprintf(stderr, "linerate cleanup: %s: %s%s\n", ifname,
			strerror(-removed),
			removed == -EPERM ? " (needs root, or CAP_BPF, "
					    "CAP_NET_ADMIN and CAP_SYS_ADMIN)" :
					    "");
		rc = EXIT_RUNTIME;
		removed = 0;
	}
	if (cleanup_others(ifname, ifindex, a->force, &removed, &left))
		rc = EXIT_RUNTIME;

	if (removed || left)
		printf("%s: removed %d program(s), left %u\n", ifname, removed,
		       left);
	else
		printf("%s: nothing to clean up\n", ifname);
	return rc;
}

int cmd_cleanup(int argc, char **argv)
{
	struct cleanup_args a = {NULL, false};

	return cmd_run_parsed(&cmd_cleanup_opts, argc, argv, &a, cleanup_check,
			      cleanup_run);
}
