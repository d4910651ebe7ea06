// SPDX-License-Identifier: MIT
/*
 * linerate hookcost's figures: medians and quartiles of the repeats, the
 * delta to "none" and when it is within noise, as JSON and CSV.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hookcost/hookcost_internal.h"

static struct hc_result result;
static struct hc_setup setup;

static void set(enum hc_config c, enum hc_metric m, const double *v,
		unsigned int n)
{
	memcpy(result.series[c][m].value, v, n * sizeof(v[0]));
	result.series[c][m].n = n;
}

static int reset(void **state)
{
	static const double none[] = {100, 104, 96};
	static const double generic[] = {99, 101, 100};
	static const double tc[] = {80, 82, 81};
	static const double zero[] = {0, 0, 0};
	static const double loss[] = {0.5, 0, 0};

	(void)state;
	memset(&result, 0, sizeof(result));
	memset(&setup, 0, sizeof(setup));
	snprintf(setup.target, sizeof(setup.target), "lab t");
	snprintf(setup.ifname, sizeof(setup.ifname), "t-b0");
	setup.frame_size = 64;
	setup.repeats = 3;
	setup.duration_ns = 1000000000ULL;
	result.enabled[HC_NONE] = result.enabled[HC_XDP_GENERIC] = true;
	result.enabled[HC_TC] = result.enabled[HC_XDP_NATIVE] = true;
	result.skipped[HC_XDP_NATIVE] = true;
	snprintf(result.note[HC_XDP_NATIVE], sizeof(result.note[0]), "no");
	snprintf(result.program[HC_TC], sizeof(result.program[0]),
		 "lr_tc_pass");
	set(HC_NONE, HC_M_SOCK_PPS, none, 3);
	set(HC_XDP_GENERIC, HC_M_SOCK_PPS, generic, 3);
	set(HC_TC, HC_M_SOCK_PPS, tc, 3);
	set(HC_NONE, HC_M_LOSS, zero, 3);
	set(HC_TC, HC_M_LOSS, loss, 3);
	return 0;
}

static void test_stat_odd_and_even(void **state)
{
	const double odd[] = {5, 1, 3, 2, 4}, even[] = {4, 1, 3, 2};
	struct hc_series s = {0};
	struct hc_stat st;

	(void)state;
	memcpy(s.value, odd, sizeof(odd));
	s.n = 5;
	hc_stat_of(&s, &st);
	assert_int_equal(st.n, 5);
	assert_true(st.median == 3 && st.min == 1 && st.max == 5);
	assert_true(st.q1 == 2 && st.q3 == 4);

	memcpy(s.value, even, sizeof(even));
	s.n = 4;
	hc_stat_of(&s, &st);
	assert_true(st.median == 2.5);
	assert_true(fabs(st.q1 - 1.75) < 1e-9 && fabs(st.q3 - 3.25) < 1e-9);

	s.n = 0;
	hc_stat_of(&s, &st);
	assert_int_equal(st.n, 0);
}

static json_t *report_json(void)
{
	json_error_t jerr;
	size_t len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	json_t *doc;

	assert_non_null(f);
	assert_int_equal(hc_report_json(f, &setup, &result), 0);
	fclose(f);
	doc = json_loads(buf, 0, &jerr);
	free(buf);
	assert_non_null(doc);
	return doc;
}

static json_t *metric(json_t *doc, int config, const char *key)
{
	json_t *c = json_array_get(json_object_get(doc, "configs"), config);

	return json_object_get(json_object_get(c, "metrics"), key);
}

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static void test_json_deltas(void **state)
{
	json_t *doc = report_json(), *m;

	(void)state;
	/* none, xdp-generic, xdp-native (skipped), tc */
	assert_int_equal(json_array_size(json_object_get(doc, "configs")), 4);
	m = metric(doc, 0, "socket_rx_pps");
	assert_true(num(m, "median") == 100);
	assert_true(json_is_null(json_object_get(m, "delta")));
	assert_true(json_is_null(json_object_get(m, "within_noise")));
	assert_int_equal(json_array_size(json_object_get(m, "values")), 3);

	/* 100 -> 100: nothing, and well within the baseline's range of 8. */
	m = metric(doc, 1, "socket_rx_pps");
	assert_true(num(m, "delta") == 0);
	assert_true(json_is_true(json_object_get(m, "within_noise")));

	/* 100 -> 81: -19 (-19 %), larger than either range (8 and 2). */
	m = metric(doc, 3, "socket_rx_pps");
	assert_true(num(m, "delta") == -19);
	assert_true(fabs(num(m, "delta_pct") + 19) < 1e-9);
	assert_true(json_is_false(json_object_get(m, "within_noise")));

	/* A baseline of 0 has no percentage; 0 -> 0 is within its noise
	 * (the tc range is 0.5). */
	m = metric(doc, 3, "loss_pct");
	assert_true(num(m, "delta") == 0);
	assert_true(json_is_null(json_object_get(m, "delta_pct")));
	assert_true(json_is_true(json_object_get(m, "within_noise")));

	assert_true(json_is_true(json_object_get(
		json_array_get(json_object_get(doc, "configs"), 2),
		"skipped")));
	/* No tcp_gbps without --tcp. */
	assert_null(metric(doc, 0, "tcp_gbps"));
	json_decref(doc);
}

static void test_one_repeat_cannot_tell(void **state)
{
	json_t *doc;

	(void)state;
	result.series[HC_NONE][HC_M_SOCK_PPS].n = 1;
	result.series[HC_TC][HC_M_SOCK_PPS].n = 1;
	doc = report_json();
	assert_true(num(metric(doc, 3, "socket_rx_pps"), "delta") == -20);
	assert_true(json_is_null(json_object_get(
		metric(doc, 3, "socket_rx_pps"), "within_noise")));
	json_decref(doc);
}

static void test_csv(void **state)
{
	size_t len = 0;
	char *buf = NULL, *line;
	FILE *f = open_memstream(&buf, &len);
	int rows = 0;

	(void)state;
	assert_non_null(f);
	assert_int_equal(hc_report_csv(f, &setup, &result), 0);
	fclose(f);
	for (line = buf; (line = strchr(line, '\n')); line++)
		rows++;
	/* Header + 3 measured configurations x 6 metrics (native skipped). */
	assert_int_equal(rows, 1 + 3 * 6);
	assert_non_null(strstr(buf, "tc,lr_tc_pass,,socket_rx_pps,pps,3,81,80,"
				    "82,80.5,81.5,-19,-19.000,false\n"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_stat_odd_and_even, reset),
		cmocka_unit_test_setup(test_json_deltas, reset),
		cmocka_unit_test_setup(test_one_repeat_cannot_tell, reset),
		cmocka_unit_test_setup(test_csv, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
