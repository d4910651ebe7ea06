// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/flowreport.h"

static void flow(struct flow_result *r, const char *ip, uint16_t port,
		 uint64_t expected, uint64_t lost, uint8_t dscp)
{
	memset(r, 0, sizeof(*r));
	r->src.family = AF_INET;
	inet_pton(AF_INET, ip, &r->src.v4);
	r->src_port = port;
	r->expected = expected;
	r->lost = lost;
	r->received = expected - lost;
	r->tos_seen = true;
	r->dscp_seen = 1ULL << dscp;
	r->ecn_seen = 1u << 0;
}

static void test_name(void **state)
{
	struct flow_result r;
	char buf[128];

	(void)state;
	flow(&r, "192.0.2.1", 40000, 10, 0, 46);
	assert_string_equal(flowreport_name(&r, buf, sizeof(buf)),
			    "192.0.2.1:40000 EF");
	/* Remarked part-way: both classes, in DSCP order. */
	r.dscp_seen |= 1ULL << 0;
	r.vlan_seen = true;
	r.vlan_id = 100;
	assert_string_equal(flowreport_name(&r, buf, sizeof(buf)),
			    "192.0.2.1:40000 CS0+EF vlan 100");
	r.vlan_inner_id = 200;
	assert_string_equal(flowreport_name(&r, buf, sizeof(buf)),
			    "192.0.2.1:40000 CS0+EF vlan 100,200");
	r.tos_seen = false;
	r.vlan_seen = false;
	assert_string_equal(flowreport_name(&r, buf, sizeof(buf)),
			    "192.0.2.1:40000");
}

static void test_json(void **state)
{
	struct flow_result f[3];
	struct hist h;
	json_t *a, *o;

	(void)state;
	flow(&f[0], "192.0.2.1", 40002, 1000, 100, 34);
	flow(&f[1], "192.0.2.1", 40001, 1000, 0, 0);
	flow(&f[2], "192.0.2.1", 40000, 500, 0, 46);
	f[2].ecn_seen = 1u << 2;
	hist_init(&h);
	for (uint64_t v = 1; v <= 100; v++)
		hist_record(&h, v * 1000);
	flowreport_set_latency(&f[1], &h);
	a = flowreport_json(f, 3, true);
	assert_int_equal(json_array_size(a), 3);
	/* Sorted by port. */
	o = json_array_get(a, 0);
	assert_int_equal(json_integer_value(json_object_get(o, "src_port")),
			 40000);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(o, "dscp"), 0)), "EF");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(o, "ecn"), 0)), "ect0");
	assert_true(json_is_null(json_object_get(o, "vlan")));
	assert_true(json_is_null(json_object_get(o, "latency_ns")));
	o = json_array_get(a, 1);
	assert_int_equal(json_integer_value(json_object_get(o, "packets")),
			 1000);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(o, "latency_ns"), "min")),
			 1000);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(o, "latency_ns"), "max")),
			 100000);
	o = json_array_get(a, 2);
	assert_int_equal(json_integer_value(json_object_get(o, "lost")), 100);
	assert_int_equal(json_integer_value(json_object_get(o, "packets")),
			 900);
	assert_true(json_real_value(json_object_get(o, "loss_ratio")) == 0.1);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(o, "dscp"), 0)), "AF41");
	json_decref(a);
}

static void test_text_bounded(void **state)
{
	struct flow_result f[25];
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	for (unsigned int i = 0; i < 25; i++)
		flow(&f[i], "192.0.2.1", (uint16_t)(40000 + i), 100, i == 17 ? 7 : 0,
		     0);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	flowreport_text(out, f, 25, 5, true);
	fclose(out);
	/* The lossy flow first, 5 rows, and the rest counted. */
	assert_non_null(strstr(buf, "25 flows, most lost first"));
	assert_true(strstr(buf, "192.0.2.1:40017") <
		    strstr(buf, "192.0.2.1:40000"));
	assert_non_null(strstr(buf, "192.0.2.1:40003"));
	assert_null(strstr(buf, "192.0.2.1:40004"));
	assert_non_null(strstr(buf, "... 20 more flows"));
	free(buf);
}

/* The tags' priorities as seen: JSON, CSV columns and the text table;
 * null (empty, "-") without the tag, PCP 0 a value. */
static void test_vlan_pcp(void **state)
{
	struct flow_result f[3];
	char *buf = NULL, *row;
	size_t len = 0;
	json_t *a, *o;
	FILE *out;

	(void)state;
	flow(&f[0], "192.0.2.1", 40000, 10, 0, 0);
	flow(&f[1], "192.0.2.1", 40001, 10, 0, 0);
	f[1].vlan_seen = true;
	f[1].vlan_id = 100;
	f[1].vlan_pcp = 0;
	flow(&f[2], "192.0.2.1", 40002, 10, 0, 0);
	f[2].vlan_seen = true;
	f[2].vlan_id = 100;
	f[2].vlan_pcp = 5;
	f[2].vlan_inner_id = 200;
	f[2].vlan_inner_pcp = 3;
	a = flowreport_json(f, 3, true);
	o = json_array_get(a, 0);
	assert_true(json_is_null(json_object_get(o, "vlan_pcp")));
	assert_true(json_is_null(json_object_get(o, "vlan_inner_pcp")));
	o = json_array_get(a, 1);
	assert_true(json_is_integer(json_object_get(o, "vlan_pcp")));
	assert_int_equal(json_integer_value(json_object_get(o, "vlan_pcp")), 0);
	assert_true(json_is_null(json_object_get(o, "vlan_inner_pcp")));
	o = json_array_get(a, 2);
	assert_int_equal(json_integer_value(json_object_get(o, "vlan_pcp")), 5);
	assert_int_equal(
		json_integer_value(json_object_get(o, "vlan_inner_pcp")), 3);
	json_decref(a);

	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(flowreport_csv(out, f, 3, true), 0);
	fclose(out);
	assert_non_null(strstr(buf, ",vlan_inner,vlan_pcp,vlan_inner_pcp\n"));
	row = strstr(buf, "192.0.2.1:40000 CS0,");
	assert_non_null(row);
	assert_memory_equal(strchr(row, '\n') - 3, ",,,\n", 4);
	row = strstr(buf, "192.0.2.1:40001 CS0 vlan 100,");
	assert_non_null(row);
	assert_memory_equal(strchr(row, '\n') - 4, ",,0,\n", 5);
	/* The QinQ name holds a comma: quoted, so the columns stay. */
	row = strstr(buf, "\n\"192.0.2.1:40002 CS0 vlan 100,200\",");
	assert_non_null(row);
	assert_memory_equal(strchr(row + 1, '\n') - 7, "200,5,3\n", 8);
	free(buf);

	buf = NULL;
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	flowreport_text(out, f, 3, 3, true);
	fclose(out);
	row = strstr(buf, "192.0.2.1:40000 CS0 ");
	assert_non_null(row);
	assert_memory_equal(strchr(row, '\n') - 2, " -", 2);
	row = strstr(buf, "192.0.2.1:40001 CS0 vlan 100 ");
	assert_non_null(row);
	assert_memory_equal(strchr(row, '\n') - 2, " 0", 2);
	row = strstr(buf, "192.0.2.1:40002 CS0 vlan 100,200 ");
	assert_non_null(row);
	assert_memory_equal(strchr(row, '\n') - 4, " 5,3", 4);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_text_bounded),
		cmocka_unit_test(test_vlan_pcp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
