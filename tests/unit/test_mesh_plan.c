// SPDX-License-Identifier: MIT
/*
 * linerate mesh's pure part: the hosts file (what it takes, what it
 * refuses and how it says where) and the plan of pairs for each topology
 * and mode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh/mesh.h"

static struct mesh_host hosts[MESH_MAX_HOSTS];
static struct lr_err err;

static int read_text(const char *text, int *n)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(f);
	*n = -1;
	lr_err_clear(&err);
	rc = mesh_hosts_read(f, "hosts", hosts, MESH_MAX_HOSTS, n, &err);
	fclose(f);
	return rc;
}

static void test_hosts_good(void **state)
{
	int n;

	(void)state;
	assert_int_equal(read_text("# a fleet\n\nh1 10.0.0.1\n"
				   "  h2\t10.0.0.2:9300   # a comment\n"
				   "h-3.x [fd00::3]:9270 /etc/t3\n", &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(hosts[0].name, "h1");
	assert_string_equal(hosts[0].api, "10.0.0.1");
	assert_string_equal(hosts[0].token_file, "");
	assert_string_equal(hosts[1].api, "10.0.0.2:9300");
	assert_string_equal(hosts[2].name, "h-3.x");
	assert_string_equal(hosts[2].api, "[fd00::3]:9270");
	assert_string_equal(hosts[2].token_file, "/etc/t3");
}

static void expect_refused(const char *text, const char *msg)
{
	int n;

	assert_int_equal(read_text(text, &n), -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	if (!strstr(err.message, msg))
		fail_msg("'%s' does not contain '%s'", err.message, msg);
	assert_int_equal(n, -1);
}

static void test_hosts_refused(void **state)
{
	char big[2200];

	(void)state;
	expect_refused("h1 10.0.0.1\nh1 10.0.0.2\n", "hosts:2: name 'h1' used twice");
	expect_refused("h1 10.0.0.1\nh2\n", "hosts:2: want NAME");
	expect_refused("h1 10.0.0.1\nh2 10.0.0.2 t x\n", "hosts:2: more than");
	expect_refused("h/1 10.0.0.1\nh2 10.0.0.2\n", "hosts:1: name 'h/1'");
	expect_refused("h1 host.example\nh2 10.0.0.2\n", "hosts:1: 'host.example' is not IP[:PORT]");
	expect_refused("h1 10.0.0.1:99999\nh2 10.0.0.2\n", "hosts:1:");
	expect_refused("h1 10.0.0.1\n", "at least 2 hosts, found 1");
	expect_refused("# nothing\n", "found 0");
	expect_refused("abcdefghijabcdefghijabcdefghijXY 10.0.0.1\nh2 10.0.0.2\n",
		       "is not 1..31");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_refused(big, "hosts:1: line longer than");
}

static void test_hosts_too_many(void **state)
{
	char *text = malloc(64 * 40), *p = text;
	int n;

	(void)state;
	for (int i = 0; i <= MESH_MAX_HOSTS; i++)
		p += sprintf(p, "h%d 10.0.%d.1\n", i, i);
	assert_int_equal(read_text(text, &n), -EINVAL);
	assert_non_null(strstr(err.message, "hosts:33: more than 32 hosts"));
	free(text);
}

/* The planned cells as "s>r" pairs, 1-based, row by row. */
static void planned(const struct mesh_config *cfg, char *out, size_t len)
{
	static struct mesh_result res;

	memset(&res, 0, sizeof(res));
	mesh_plan(cfg, &res);
	out[0] = '\0';
	for (int s = 0; s < cfg->nhosts; s++)
		for (int r = 0; r < cfg->nhosts; r++)
			if (res.cell[s][r].planned)
				snprintf(out + strlen(out), len - strlen(out), "%s%d>%d",
					 out[0] ? " " : "", s + 1, r + 1);
}

static void test_plan(void **state)
{
	static struct mesh_config cfg;
	char got[512];

	(void)state;
	mesh_config_init(&cfg);
	cfg.nhosts = 3;
	planned(&cfg, got, sizeof(got));
	assert_string_equal(got, "1>2 1>3 2>1 2>3 3>1 3>2");
	cfg.mode = MESH_REVERSE; /* the same pairs, each the other way */
	planned(&cfg, got, sizeof(got));
	assert_string_equal(got, "1>2 1>3 2>1 2>3 3>1 3>2");

	cfg.nhosts = 4;
	cfg.topology = MESH_TO_ONE;
	cfg.hub = 1;
	cfg.mode = MESH_FORWARD;
	planned(&cfg, got, sizeof(got));
	assert_string_equal(got, "1>2 3>2 4>2");
	cfg.mode = MESH_REVERSE;
	planned(&cfg, got, sizeof(got));
	assert_string_equal(got, "2>1 2>3 2>4");
	cfg.mode = MESH_RTT;
	planned(&cfg, got, sizeof(got));
	assert_string_equal(got, "1>2 3>2 4>2");

	cfg.topology = MESH_FROM_ONE;
	cfg.hub = 3;
	cfg.mode = MESH_FORWARD;
	planned(&cfg, got, sizeof(got));
	assert_string_equal(got, "4>1 4>2 4>3");
	cfg.mode = MESH_REVERSE;
	planned(&cfg, got, sizeof(got));
	assert_string_equal(got, "1>4 2>4 3>4");
}

static void test_defaults(void **state)
{
	static struct mesh_config cfg;

	(void)state;
	mesh_config_init(&cfg);
	assert_int_equal(cfg.frame_size, 64);
	assert_int_equal(cfg.rate.kind, RATE_PPS);
	assert_true(cfg.rate.value == 10000);
	assert_int_equal(cfg.count, 10000);
	assert_string_equal(cfg.backend, "udp");
	assert_false(cfg.parallel);
	assert_int_equal(cfg.topology, MESH_FULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts_good),
		cmocka_unit_test(test_hosts_refused),
		cmocka_unit_test(test_hosts_too_many),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
