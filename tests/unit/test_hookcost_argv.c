// SPDX-License-Identifier: MIT
/*
 * hookcost's children's command lines, made from a test_spec by the option
 * rows: the argv written by hand here is what each run must get, and the
 * rows' own parser reads it back into the same spec.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hookcost/hookcost_internal.h"
#include "lib/clock.h"
#include "lib/options.h"
#include "lib/spec_opts.h"
#include "lib/units.h"

static unsigned int count_of(char *const argv[])
{
	unsigned int n = 0;

	while (argv[n])
		n++;
	return n;
}

static void assert_argv(char *const argv[], const char *const want[])
{
	unsigned int i;

	for (i = 0; want[i]; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
}

/* The role's own rows read the child's argv (without "self") back into
 * the same spec. */
static void assert_reads_back(const struct hc_argv *a,
			      const struct test_spec *sent)
{
	const struct opt_command *cmd = spec_opts_command(sent->role);
	struct test_spec back;

	spec_opts_defaults(sent->role, &back);
	assert_int_equal(opts_parse_argv(cmd, cmd->roles,
					 (int)count_of(a->opts), a->opts, &back,
					 NULL),
			 0);
	assert_int_equal(back.frame_size, sent->frame_size);
	assert_int_equal(back.rate.kind, sent->rate.kind);
	assert_true(back.rate.value == sent->rate.value);
	assert_int_equal(back.duration_ns, sent->duration_ns);
	assert_int_equal(back.count, sent->count);
	assert_int_equal(back.wait_ns, sent->wait_ns);
	assert_int_equal(back.idle_timeout_ns, sent->idle_timeout_ns);
	assert_string_equal(back.backend.name, sent->backend.name);
	assert_int_equal(back.output, sent->output);
	assert_int_equal(back.quiet, sent->quiet);
	assert_true(ip_addr_equal(&back.dst, &sent->dst));
	assert_int_equal(back.dst_port, sent->dst_port);
	assert_true(ip_addr_equal(&back.listen, &sent->listen));
	assert_int_equal(back.listen_port, sent->listen_port);
}

/* A child's spec as hookcost makes them: udp unless told, one JSON
 * report, no interval lines. */
static void child_spec(struct test_spec *spec, enum role role,
		       const char *backend)
{
	spec_opts_defaults(role, spec);
	assert_int_equal(hc_spec_backend(spec, backend), 0);
	spec->output = OUTPUT_JSON;
	spec->quiet = true;
}

/* spec towards ip:port gives exactly want, and reads back the same. */
static void assert_child(struct test_spec *spec, uint16_t port,
			 const char *const want[])
{
	struct hc_argv a;

	assert_int_equal(hc_spec_endpoint(spec, "10.77.0.2", port), 0);
	assert_int_equal(hc_child_argv(&a, spec), 0);
	assert_argv(a.argv, want);
	assert_reads_back(&a, spec);
	hc_child_argv_free(&a);
}

static void test_send(void **state)
{
	static const char *const want[] = {
		"self",	     "send",   "--dst",	 "10.77.0.2:7000", "--size",
		"128",	     "--rate", "max",	 "--duration",	   "2s",
		"--backend", "afxdp",  "--json", "--quiet",	   NULL,
	};
	struct test_spec spec;

	(void)state;
	child_spec(&spec, ROLE_SEND, "afxdp");
	spec.frame_size = 128;
	assert_int_equal(parse_rate("max", &spec.rate), 0);
	spec.duration_ns = 2 * NSEC_PER_SEC;
	assert_child(&spec, 7000, want);
}

/* A value equal to the child's default is left out, except the frame
 * size and a ping's count, which always go. */
static void test_ping_defaults(void **state)
{
	static const char *const want[] = {
		"self",	     "ping",	"--dst",  "10.77.0.2:7001", "--size",
		"64",	     "--count", "10",	  "--wait",	    "200ms",
		"--backend", "udp",	"--json", "--quiet",	    NULL,
	};
	struct test_spec spec;

	(void)state;
	child_spec(&spec, ROLE_PING, "udp");
	spec.wait_ns = 200 * NSEC_PER_MSEC;
	assert_child(&spec, 7001, want);
}

static void test_recv_listens(void **state)
{
	static const char *const want[] = {
		"self",		  "recv",    "--listen",   "10.77.0.2:7000",
		"--size",	  "1518",    "--duration", "20300ms",
		"--idle-timeout", "500ms",   "--backend",  "udp",
		"--json",	  "--quiet", NULL,
	};
	struct test_spec spec;

	(void)state;
	child_spec(&spec, ROLE_RECV, "udp");
	spec.duration_ns = 20300 * NSEC_PER_MSEC;
	spec.idle_timeout_ns = 500 * NSEC_PER_MSEC;
	assert_child(&spec, 7000, want);
}

/* Only an IP literal and a real port; a name would need resolving. */
static void test_bad_endpoint(void **state)
{
	struct test_spec spec;

	(void)state;
	child_spec(&spec, ROLE_SEND, "udp");
	assert_int_equal(hc_spec_endpoint(&spec, "lab-b", 7000), -EINVAL);
	assert_int_equal(hc_spec_endpoint(&spec, "10.77.0.2", 0), -EINVAL);
	assert_int_equal(hc_spec_backend(&spec, "a-name-far-too-long-for-it"),
			 -EINVAL);
}

static void test_bad_role(void **state)
{
	struct test_spec spec;
	struct hc_argv a;

	(void)state;
	spec_opts_defaults(ROLE_SEND, &spec);
	spec.role = (enum role)99;
	assert_int_equal(hc_child_argv(&a, &spec), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_ping_defaults),
		cmocka_unit_test(test_recv_listens),
		cmocka_unit_test(test_bad_endpoint),
		cmocka_unit_test(test_bad_role),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
