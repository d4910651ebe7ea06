// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/clock.h"
#include "lib/spec.h"

#define NS_PER_SEC 1000000000ULL
#define NS_PER_MS 1000000ULL

static void set_ip(struct ip_addr *ip, const char *text)
{
	assert_int_equal(ip_addr_parse(text, ip), 0);
}

/* A sender spec that validates: defaults plus a destination. */
static void good_send(struct test_spec *spec, const char *dst)
{
	spec_init(spec, ROLE_SEND);
	set_ip(&spec->dst, dst);
	spec->dst_port = 5000;
}

static void good_recv(struct test_spec *spec, const char *listen)
{
	spec_init(spec, ROLE_RECV);
	set_ip(&spec->listen, listen);
	spec->listen_port = 5000;
}

static void assert_valid(const struct test_spec *spec)
{
	struct lr_err err;

	if (spec_validate(spec, &err))
		fail_msg("spec rejected: %s", err.message);
	assert_int_equal(err.code, 0);
}

/* Rejected, with a one-line message that starts with the flag and, if
 * `also` is given, contains it too. */
static void assert_invalid(const struct test_spec *spec, const char *flag,
			   const char *also)
{
	struct lr_err e;
	const char *err = e.message;

	memset(&e, 'x', sizeof(e));
	e.field[sizeof(e.field) - 1] = e.message[sizeof(e.message) - 1] = '\0';
	assert_int_equal(spec_validate(spec, &e), -EINVAL);
	assert_int_equal(e.code, -EINVAL);
	/* The field is the flag the message starts with ("" for none). */
	if (!strncmp(err, "--", 2)) {
		assert_int_equal(strncmp(err + 2, e.field, strlen(e.field)), 0);
		assert_int_equal(strspn(err + 2 + strlen(e.field), "/:"), 1);
	} else {
		assert_string_equal(e.field, "");
	}
	if (!strstr(err, flag))
		fail_msg("message \"%s\" does not name %s", err, flag);
	if (also && !strstr(err, also))
		fail_msg("message \"%s\" does not say %s", err, also);
	/* The flag leads the message, and it is one line. */
	assert_int_equal(strncmp(err, flag, strlen(flag)), 0);
	assert_null(strchr(err, '\n'));
}

static void test_init_defaults_send(void **state)
{
	struct test_spec spec;

	(void)state;
	memset(&spec, 0xa5, sizeof(spec));
	spec_init(&spec, ROLE_SEND);
	assert_int_equal(spec.role, ROLE_SEND);
	assert_string_equal(spec.backend.name, "auto");
	assert_int_equal(spec.frame_size, 64);
	assert_int_equal(spec.rate.kind, RATE_PPS);
	assert_true(spec.rate.value == 100000);
	assert_int_equal(spec.flows, 1);
	assert_int_equal(spec.burst, 32);
	assert_int_equal(spec.interval_ns, NS_PER_SEC);
	assert_int_equal(spec.cpu, -1);
	assert_int_equal(spec.duration_ns, 10 * NS_PER_SEC);
	assert_int_equal(spec.count, 0);
	assert_int_equal(spec.idle_timeout_ns, 2 * NS_PER_SEC);
	assert_int_equal(spec.wait_ns, NS_PER_SEC);
	assert_true(spec.backend.kernel_rx_timestamps);
	assert_false(spec.backend.busy_poll);
	assert_false(spec.has_src);
	assert_false(spec.quiet);
	assert_int_equal(spec.dst.family, 0);
	assert_int_equal(spec.dst_port, 0);
	assert_int_equal(spec.src_port, 0);
	assert_int_equal(spec.line_rate_bps, 0);
	assert_int_equal(spec.clock_sync, CLOCK_SYNC_NONE);
	assert_int_equal(spec.output, OUTPUT_TEXT);
	assert_null(spec.csv_path);
}

static void test_init_defaults_other_roles(void **state)
{
	struct test_spec spec;

	(void)state;
	spec_init(&spec, ROLE_PING);
	assert_int_equal(spec.role, ROLE_PING);
	assert_true(spec.rate.value == 100);
	assert_int_equal(spec.count, 10);
	assert_int_equal(spec.duration_ns, 0);
	assert_int_equal(spec.burst, 1);

	spec_init(&spec, ROLE_RECV);
	assert_int_equal(spec.role, ROLE_RECV);
	assert_int_equal(spec.duration_ns, 0);
	assert_int_equal(spec.count, 0);
	assert_int_equal(spec.burst, 32);
	assert_int_equal(spec.listen.family, 0);
	assert_int_equal(spec.listen_port, 0);
	/* The largest frame a receiver expects, for the raw buffers. */
	assert_int_equal(spec.frame_size, 1518);
	assert_int_equal(spec.backend.queues, 1);

	spec_init(&spec, ROLE_REFLECT);
	assert_int_equal(spec.role, ROLE_REFLECT);
	assert_int_equal(spec.duration_ns, 0);
	assert_int_equal(spec.count, 0);
}

static void test_role_name(void **state)
{
	(void)state;
	assert_string_equal(role_name(ROLE_SEND), "send");
	assert_string_equal(role_name(ROLE_RECV), "recv");
	assert_string_equal(role_name(ROLE_REFLECT), "reflect");
	assert_string_equal(role_name(ROLE_PING), "ping");
	assert_string_equal(role_name((enum role)99), "unknown");
}

static void test_validate_good_specs(void **state)
{
	struct test_spec spec;

	(void)state;
	good_send(&spec, "192.0.2.1");
	assert_valid(&spec);
	good_send(&spec, "2001:db8::1");
	spec.frame_size = 1518;
	assert_valid(&spec);
	good_recv(&spec, "0.0.0.0");
	assert_valid(&spec);
	good_recv(&spec, "::");
	spec.frame_size = 9018;
	assert_valid(&spec);

	spec_init(&spec, ROLE_REFLECT);
	set_ip(&spec.listen, "10.0.0.2");
	spec.listen_port = 7;
	assert_valid(&spec);

	spec_init(&spec, ROLE_PING);
	set_ip(&spec.dst, "10.0.0.2");
	spec.dst_port = 7;
	assert_valid(&spec);

	/* A receiver needs no duration or count: idle ends it. */
	good_recv(&spec, "0.0.0.0");
	spec.duration_ns = 0;
	spec.count = 0;
	assert_valid(&spec);
}

static void test_validate_boundaries_accepted(void **state)
{
	struct test_spec spec;

	(void)state;
	good_send(&spec, "192.0.2.1");
	spec.frame_size = 9018;
	spec.flows = SPEC_MAX_FLOWS;
	spec.burst = SPEC_MAX_BURST;
	assert_valid(&spec);

	good_send(&spec, "192.0.2.1");
	spec.burst = 1;
	spec.interval_ns = 0;
	spec.cpu = 4095;
	assert_valid(&spec);

	good_send(&spec, "192.0.2.1");
	spec.interval_ns = 100 * NS_PER_MS;
	spec.cpu = 0;
	snprintf(spec.backend.name, sizeof(spec.backend.name), "auto");
	assert_valid(&spec);

	/* src_port + flows - 1 == 65535 is the last that fits. */
	good_send(&spec, "192.0.2.1");
	spec.has_src = true;
	set_ip(&spec.src, "192.0.2.2");
	spec.src_port = 65000;
	spec.flows = 536;
	assert_valid(&spec);

	/* A count alone ends a sender. */
	good_send(&spec, "192.0.2.1");
	spec.duration_ns = 0;
	spec.count = 1;
	assert_valid(&spec);

	/* max needs no value; % needs a line rate. */
	good_send(&spec, "192.0.2.1");
	spec.rate = (struct rate){ RATE_MAX, 0 };
	assert_valid(&spec);
	spec.rate = (struct rate){ RATE_PERCENT, 50 };
	spec.line_rate_bps = 10000000000ULL;
	assert_valid(&spec);
	spec.rate = (struct rate){ RATE_BPS_L2, 1e9 };
	assert_valid(&spec);
}

static void test_validate_rejects_addresses(void **state)
{
	struct test_spec spec;

	(void)state;
	/* Sender without a destination (the default). */
	spec_init(&spec, ROLE_SEND);
	assert_invalid(&spec, "--dst", NULL);
	good_send(&spec, "192.0.2.1");
	spec.dst_port = 0;
	assert_invalid(&spec, "--dst", "port");
	good_send(&spec, "192.0.2.1");
	spec.dst.family = AF_UNIX;
	assert_invalid(&spec, "--dst", NULL);
	spec_init(&spec, ROLE_PING);
	assert_invalid(&spec, "--dst", NULL);

	/* --src of the other family. */
	good_send(&spec, "192.0.2.1");
	spec.has_src = true;
	set_ip(&spec.src, "2001:db8::2");
	assert_invalid(&spec, "--src", "family");
	/* ...is ignored when not set. */
	spec.has_src = false;
	assert_valid(&spec);

	/* src port range runs past 65535. */
	good_send(&spec, "192.0.2.1");
	spec.src_port = 65000;
	spec.flows = 537;
	assert_invalid(&spec, "--src", "65535");

	/* Receivers without a listen address or port. */
	spec_init(&spec, ROLE_RECV);
	assert_invalid(&spec, "--listen", NULL);
	good_recv(&spec, "0.0.0.0");
	spec.listen_port = 0;
	assert_invalid(&spec, "--listen", "port");
	spec_init(&spec, ROLE_REFLECT);
	set_ip(&spec.dst, "192.0.2.1"); /* dst is not what a reflector needs */
	spec.dst_port = 5000;
	assert_invalid(&spec, "--listen", NULL);
}

static void test_validate_rejects_size(void **state)
{
	struct test_spec spec;

	(void)state;
	good_send(&spec, "192.0.2.1");
	spec.frame_size = 63;
	assert_invalid(&spec, "--size", "63");
	spec.frame_size = 0;
	assert_invalid(&spec, "--size", NULL);
	spec.frame_size = 9019;
	assert_invalid(&spec, "--size", "9019");
	spec.frame_size = UINT32_MAX;
	assert_invalid(&spec, "--size", NULL);

	good_recv(&spec, "0.0.0.0");
	spec.frame_size = 10000;
	assert_invalid(&spec, "--size", NULL);
}

static void test_validate_ipv6_min_size(void **state)
{
	struct test_spec spec;

	(void)state;
	/* IPv6 headers take 20 bytes more: 64 leaves no room for a probe. */
	good_send(&spec, "2001:db8::1");
	spec.frame_size = 64;
	assert_invalid(&spec, "--size", "IPv6");
	assert_invalid(&spec, "--size", "84");
	spec.frame_size = 83;
	assert_invalid(&spec, "--size", "84");
	spec.frame_size = 84;
	assert_valid(&spec);

	/* A receiver's size is only the largest frame it expects: any size
	 * in range is fine, also on IPv6. */
	good_recv(&spec, "::");
	spec.frame_size = 64;
	assert_valid(&spec);
	spec.frame_size = 63;
	assert_invalid(&spec, "--size", "64..9018");

	/* IPv4 fits a probe in the smallest frame. */
	good_send(&spec, "192.0.2.1");
	spec.frame_size = 64;
	assert_valid(&spec);
}

static void test_validate_rejects_rate(void **state)
{
	struct test_spec spec;

	(void)state;
	good_send(&spec, "192.0.2.1");
	spec.rate = (struct rate){ RATE_PERCENT, 50 };
	spec.line_rate_bps = 0;
	assert_invalid(&spec, "--rate", "--line-rate");
	assert_invalid(&spec, "--rate", "% rate");

	good_send(&spec, "192.0.2.1");
	spec.rate = (struct rate){ RATE_PPS, 0 };
	assert_invalid(&spec, "--rate", "> 0");
	spec.rate = (struct rate){ RATE_PPS, -100 };
	assert_invalid(&spec, "--rate", NULL);
	spec.rate = (struct rate){ RATE_BPS_L1, 0 };
	assert_invalid(&spec, "--rate", NULL);
}

static void test_validate_rejects_counts(void **state)
{
	struct test_spec spec;

	(void)state;
	good_send(&spec, "192.0.2.1");
	spec.flows = 0;
	assert_invalid(&spec, "--flows", "1..4096");
	spec.flows = SPEC_MAX_FLOWS + 1;
	assert_invalid(&spec, "--flows", "4097");

	good_send(&spec, "192.0.2.1");
	spec.burst = 0;
	assert_invalid(&spec, "--burst", "1..1024");
	spec.burst = SPEC_MAX_BURST + 1;
	assert_invalid(&spec, "--burst", "1025");

	good_send(&spec, "192.0.2.1");
	spec.interval_ns = 99 * NS_PER_MS;
	assert_invalid(&spec, "--interval", "100ms");
	spec.interval_ns = 1;
	assert_invalid(&spec, "--interval", NULL);

	good_send(&spec, "192.0.2.1");
	spec.cpu = -2;
	assert_invalid(&spec, "--cpu", "-2");
	spec.cpu = 4096;
	assert_invalid(&spec, "--cpu", "4096");

	good_send(&spec, "192.0.2.1");
	spec.duration_ns = 0;
	spec.count = 0;
	assert_invalid(&spec, "--duration", "--count");
	spec_init(&spec, ROLE_PING);
	set_ip(&spec.dst, "192.0.2.1");
	spec.dst_port = 7;
	spec.count = 0;
	assert_invalid(&spec, "--duration", NULL);

	good_recv(&spec, "0.0.0.0");
	snprintf(spec.backend.name, sizeof(spec.backend.name), "dpdk");
	assert_invalid(&spec, "--backend", "dpdk");
}

static void test_validate_no_err(void **state)
{
	struct test_spec spec;
	struct lr_err err;

	(void)state;
	spec_init(&spec, ROLE_SEND);
	/* No error to fill is allowed. */
	assert_int_equal(spec_validate(&spec, NULL), -EINVAL);
	assert_int_equal(spec_validate(&spec, &err), -EINVAL);
	assert_string_equal(err.field, "dst");
	assert_string_equal(err.message, "--dst: required, IP:PORT");
}

static void test_payload_len(void **state)
{
	struct test_spec spec;

	(void)state;
	/* frame - FCS - Ethernet - IP - UDP */
	good_send(&spec, "192.0.2.1");
	spec.frame_size = 64;
	assert_int_equal(spec_payload_len(&spec), 64 - 4 - 14 - 20 - 8);
	spec.frame_size = 1518;
	assert_int_equal(spec_payload_len(&spec), 1472);
	good_send(&spec, "2001:db8::1");
	spec.frame_size = 84;
	assert_int_equal(spec_payload_len(&spec), 84 - 4 - 14 - 40 - 8);
	spec.frame_size = 1518;
	assert_int_equal(spec_payload_len(&spec), 1452);
	spec.frame_size = 64;
	assert_true(spec_payload_len(&spec) < 0);
	/* A receiver sizes by its listen address. */
	good_recv(&spec, "::");
	spec.frame_size = 9018;
	assert_int_equal(spec_payload_len(&spec), 9018 - 4 - 14 - 40 - 8);
}


/* --catch-up: none, frames, or a time turned into frames at the rate. */
static void test_catch_up(void **state)
{
	struct test_spec sp;
	char buf[48];

	(void)state;
	spec_init(&sp, ROLE_SEND);
	assert_int_equal(sp.catch_up, CATCH_UP_BURST);
	assert_int_equal(spec_catch_up_frames(&sp, 1e5), 32);
	assert_string_equal(spec_catch_up_format(&sp, buf, sizeof(buf)),
			    "one burst (32 frames)");
	assert_int_equal(spec_parse_catch_up(&sp, "none"), 0);
	assert_int_equal(spec_catch_up_frames(&sp, 1e5), 0);
	assert_string_equal(spec_catch_up_format(&sp, buf, sizeof(buf)),
			    "none");
	assert_int_equal(spec_parse_catch_up(&sp, "2"), 0);
	assert_int_equal(sp.catch_up, CATCH_UP_FRAMES);
	assert_int_equal(spec_catch_up_frames(&sp, 1e6), 2);
	assert_int_equal(spec_parse_catch_up(&sp, "0"), 0);
	assert_int_equal(sp.catch_up, CATCH_UP_NONE);
	/* 5 ms at 3 kpps is 15 frames; at 100 pps none. */
	assert_int_equal(spec_parse_catch_up(&sp, "5ms"), 0);
	assert_int_equal(sp.catch_up, CATCH_UP_TIME);
	assert_int_equal(spec_catch_up_frames(&sp, 3000), 15);
	assert_int_equal(spec_catch_up_frames(&sp, 100), 0);
	assert_string_equal(spec_catch_up_format(&sp, buf, sizeof(buf)),
			    "5 ms");
	assert_int_equal(spec_parse_catch_up(&sp, "lots"), -EINVAL);
	assert_int_equal(spec_parse_catch_up(&sp, "-1"), -EINVAL);
	assert_int_equal(spec_parse_catch_up(&sp, "1000001"), -EINVAL);
	assert_int_equal(spec_parse_catch_up(&sp, "11s"), -EINVAL);
	assert_int_equal(spec_parse_catch_up(&sp, ""), -EINVAL);
	/* A refused value leaves the last good one. */
	assert_int_equal(sp.catch_up, CATCH_UP_TIME);
}

/* The one end-of-run rule the worker and the xdp roles share. */
static void test_run_over(void **state)
{
	const uint64_t s = 1000 * NSEC_PER_SEC; /* the run's start */
	struct test_spec spec;

	(void)state;
	spec_init(&spec, ROLE_RECV);
	spec.duration_ns = 0;
	spec.count = 0;
	spec.idle_timeout_ns = 2 * NSEC_PER_SEC;
	assert_false(
		spec_run_over(&spec, false, s, s + 60 * NSEC_PER_SEC, 5, 0));
	assert_true(spec_run_over(&spec, true, s, s, 0, 0));
	/* Idle counts from the last arrival, never before the first. */
	assert_false(
		spec_run_over(&spec, false, s, s + 10 * NSEC_PER_SEC, 0, 0));
	assert_false(spec_run_over(&spec, false, s, s + 3 * NSEC_PER_SEC, 1,
				   s + 2 * NSEC_PER_SEC));
	assert_true(spec_run_over(&spec, false, s, s + 4 * NSEC_PER_SEC, 1,
				  s + 2 * NSEC_PER_SEC));
	/* An arrival stamped after the clock read is not idle time. */
	assert_false(spec_run_over(&spec, false, s, s + NSEC_PER_SEC, 1,
				   s + 5 * NSEC_PER_SEC));
	spec.count = 100;
	assert_false(spec_run_over(&spec, false, s, s, 99, 0));
	assert_true(spec_run_over(&spec, false, s, s, 100, 0));
	spec.duration_ns = NSEC_PER_SEC;
	assert_false(
		spec_run_over(&spec, false, s, s + NSEC_PER_SEC - 1, 0, 0));
	assert_true(spec_run_over(&spec, false, s, s + NSEC_PER_SEC, 0, 0));

	/* A sender: duration and count, no idle rule. */
	spec_init(&spec, ROLE_SEND);
	spec.duration_ns = 0;
	spec.count = 10;
	assert_false(
		spec_run_over(&spec, false, s, s + 60 * NSEC_PER_SEC, 9, s));
	assert_true(spec_run_over(&spec, false, s, s, 10, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_defaults_send),
		cmocka_unit_test(test_init_defaults_other_roles),
		cmocka_unit_test(test_role_name),
		cmocka_unit_test(test_validate_good_specs),
		cmocka_unit_test(test_validate_boundaries_accepted),
		cmocka_unit_test(test_validate_rejects_addresses),
		cmocka_unit_test(test_validate_rejects_size),
		cmocka_unit_test(test_validate_ipv6_min_size),
		cmocka_unit_test(test_validate_rejects_rate),
		cmocka_unit_test(test_validate_rejects_counts),
		cmocka_unit_test(test_validate_no_err),
		cmocka_unit_test(test_payload_len),
		cmocka_unit_test(test_catch_up),
		cmocka_unit_test(test_run_over),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
