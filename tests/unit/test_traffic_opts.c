// SPDX-License-Identifier: MIT
/*
 * The traffic commands' rows (lib/spec_opts.c, cmd/traffic_opts.c): a
 * command line gives the same spec as the argv written back from that
 * spec (what a runner hands a child), for every role and the flags whose
 * defaults follow from others (send's --count alone, ping's --duration
 * alone, the size with a VLAN tag).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cmd/traffic_opts.h"

static void parse_ok(enum role role, struct test_spec *sp, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	if (cmd_parse_spec(role, argc, argv, sp))
		fail_msg("%s: refused", argv[1] ? argv[1] : "(nothing)");
}

static bool same_text(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* Every field, the file paths by their text. */
static void assert_same_spec(const struct test_spec *a,
			     const struct test_spec *b)
{
	struct test_spec x = *a, y = *b;

	assert_true(same_text(x.csv_path, y.csv_path));
	assert_true(same_text(x.per_flow_csv_path, y.per_flow_csv_path));
	x.csv_path = y.csv_path = NULL;
	x.per_flow_csv_path = y.per_flow_csv_path = NULL;
	assert_int_equal(x.frame_size, y.frame_size);
	assert_int_equal(x.duration_ns, y.duration_ns);
	assert_int_equal(x.count, y.count);
	assert_int_equal(x.tos, y.tos);
	for (size_t i = 0; i < sizeof(x); i++)
		if (((unsigned char *)&x)[i] != ((unsigned char *)&y)[i])
			fail_msg("the spec changed in the argv roundtrip at "
				 "byte %zu of %zu",
				 i, sizeof(x));
}

static void roundtrip(enum role role, char **argv)
{
	struct test_spec a, b, defaults;
	char **child = NULL;
	int n;

	parse_ok(role, &a, argv);
	spec_opts_defaults(role, &defaults);
	n = opts_to_argv(spec_opts_command(role), 0, &a, &defaults, &child);
	assert_true(n >= 1);
	assert_string_equal(child[0], role_name(role));
	parse_ok(role, &b, child);
	assert_same_spec(&a, &b);
	opts_argv_free(child);
}

#define ARGV(...) ((char *[]){"cmd", __VA_ARGS__, NULL})

static void test_send(void **state)
{
	(void)state;
	roundtrip(ROLE_SEND, ARGV("--dst", "10.0.0.2:9000"));
	roundtrip(ROLE_SEND, ARGV("--dst", "10.0.0.2:9000", "--count", "5k",
				  "--size", "imix"));
	roundtrip(ROLE_SEND,
		  ARGV("--dst", "10.0.0.2:9000", "--src", "10.0.0.1:4000",
		       "--size", "128:7,594:4,1518:1", "--rate", "2.5Mpps",
		       "--dscp", "AF41", "--ecn", "ect1", "--vlan", "100:5",
		       "--flows", "16", "--burst", "64", "--catch-up", "none",
		       "--cpu", "1", "--backend", "afxdp", "-i", "veth0",
		       "--xdp-mode", "generic", "--zero-copy", "off", "--force",
		       "--ring-size", "4096", "--queues", "2", "--umem-frames",
		       "8192", "--realtime", "--busy-poll", "--no-gso",
		       "--interval", "0", "--json", "--csv", "/tmp/x.csv",
		       "--duration", "3s", "--count", "1000"));
	roundtrip(ROLE_SEND, ARGV("--dst", "10.0.0.2:9000", "--vlan", "7",
				  "--size", "100..1500/100", "--rate", "50%",
				  "--line-rate", "10G", "--catch-up", "5ms"));
	roundtrip(ROLE_SEND, ARGV("--dst", "[fd00::2]:9000", "--traffic-class",
				  "0xb8", "--rate", "800Mbps-l2",
				  "--json-stream", "--catch-up", "7"));
}

static void test_recv_reflect(void **state)
{
	(void)state;
	roundtrip(ROLE_RECV, ARGV("--listen", "0.0.0.0:9000"));
	roundtrip(ROLE_RECV,
		  ARGV("--listen", "10.0.0.2:9000", "--from", "10.0.0.1",
		       "--size", "9000", "--idle-timeout", "0", "--count-only",
		       "--backend", "xdp", "--user-timestamps", "--clock-sync",
		       "host", "--per-flow", "all", "--per-flow-csv",
		       "/tmp/f.csv", "--quiet", "--duration", "90s"));
	roundtrip(ROLE_REFLECT, ARGV("--listen", "[::]:9000", "--per-flow",
				     "none", "--idle-timeout", "250ms"));
}

static void test_ping(void **state)
{
	(void)state;
	roundtrip(ROLE_PING, ARGV("--dst", "10.0.0.2:9000"));
	/* --duration alone: no probe count. */
	roundtrip(ROLE_PING,
		  ARGV("--dst", "10.0.0.2:9000", "--duration", "2s"));
	roundtrip(ROLE_PING,
		  ARGV("--dst", "10.0.0.2:9000", "--count", "3", "--wait",
		       "200ms", "--tos", "4", "--per-flow", "7"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_recv_reflect),
		cmocka_unit_test(test_ping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
