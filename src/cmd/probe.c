// SPDX-License-Identifier: MIT
/*
 * `linerate probe -i IFACE [--json]`: what this interface and kernel allow
 * each backend to do (engine/probe.c), and which backend `auto` would
 * pick.
 */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "cmd/iface_args.h"
#include "engine/probe.h"

struct probe_args {
	const char *ifname;
	bool json;
};

static const struct opt_row probe_rows[] = {
	OPT_SWITCH_ROW("json", struct probe_args, json,
		       "one JSON object instead of text"),
};

CMD_OPTS(
	probe, "probe", probe_rows, struct probe_args,
	.summary = "what an interface and the kernel support; the backend "
		   "auto picks",
	.usage =
		"probe -i IFACE [--json]\n"
		"\n"
		"Report what IFACE and the kernel support for each backend:\n"
		"driver, queues, MTU, native and generic XDP, AF_XDP "
		"zero-copy\n"
		"and copy mode, BPF_PROG_RUN live frames, AF_PACKET, any XDP\n"
		"program attached now, and the backend `--backend auto` would\n"
		"pick for each of send, recv, reflect and ping, by the rule "
		"the\n"
		"run itself follows. It attaches linerate's do-nothing "
		"program\n"
		"lr_pass for a moment and leaves nothing attached. Needs root\n"
		"(CAP_BPF and CAP_NET_ADMIN).",
	CMD_IFACE_OPTS(probe_group, struct probe_args, "probe"),
	.epilog = "\nExit codes: 0 ok, 1 a check could not run or something "
		  "was\nleft attached, 2 bad command line or unknown "
		  "interface.\n");

static int print_json(const struct probe_result *r)
{
	json_t *root = probe_json(r);
	int err;

	if (!root) {
		fprintf(stderr,
			"linerate probe: cannot build the JSON report\n");
		return -ENOMEM;
	}
	err = json_dumpf(root, stdout, JSON_INDENT(2));
	json_decref(root);
	if (err)
		return -EIO;
	putchar('\n');
	return 0;
}

static int probe_check(void *cfg, const struct opt_parse *st)
{
	(void)st;
	return cmd_iface_required("probe", ((struct probe_args *)cfg)->ifname);
}

static int probe_run(void *cfg)
{
	const struct probe_args *a = cfg;
	const char *ifname = a->ifname;
	struct probe_result r;
	struct lr_err err = {0};
	int ret, rc = EXIT_OK;

	ret = probe_interface(ifname, &r, &err);
	if (ret == -ENODEV) {
		fprintf(stderr, "linerate probe: -i %s: no such interface\n",
			ifname);
		return EXIT_USAGE;
	}
	if (ret) {
		fprintf(stderr, "linerate probe: %s\n", lr_err_text(&err));
		return EXIT_RUNTIME;
	}
	if (r.load_error[0]) {
		fprintf(stderr, "linerate probe: %s\n", r.load_error);
		rc = EXIT_RUNTIME;
	}
	if (r.left_attached) {
		fprintf(stderr,
			"linerate probe: lr_pass could not be detached "
			"from %s; run `linerate cleanup -i %s`\n",
			r.iface.ifname, r.iface.ifname);
		rc = EXIT_RUNTIME;
	}
	if (a->json) {
		if (print_json(&r))
			rc = EXIT_RUNTIME;
	} else {
		probe_print_text(stdout, &r);
	}
	return rc;
}

int cmd_probe(int argc, char **argv)
{
	struct probe_args a = {NULL, false};

	return cmd_run_parsed(&cmd_probe_opts, argc, argv, &a, probe_check,
			      probe_run);
}
