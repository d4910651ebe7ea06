// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "api/spec_json.h"

#define NS_PER_SEC 1000000000ULL
#define NS_PER_MS 1000000ULL

/* What the last parse() said. */
static struct lr_err got;
static const char *const got_field = got.field;
static const char *const got_err = got.message;

static int parse_len(const char *body, size_t len, struct api_session_req *req)
{
	int ret;

	/* Poisoned, so a field, message or code left unwritten shows. */
	memset(&got, 'x', sizeof(got));
	got.field[sizeof(got.field) - 1] = '\0';
	got.message[sizeof(got.message) - 1] = '\0';
	ret = api_session_req_parse(body, len, req, &got);
	assert_int_equal(got.code, ret);
	return ret;
}

static int parse(const char *body, struct api_session_req *req)
{
	return parse_len(body, strlen(body), req);
}

static void assert_ok(const char *body, struct api_session_req *req)
{
	int ret = parse(body, req);

	if (ret)
		fail_msg("%s refused: %d, field \"%s\": %s", body, ret,
			 got_field, got_err);
	assert_string_equal(got_field, "");
}

/* Refused with -EINVAL, naming `field` ("" for the body as a whole), with
 * a one-line message that contains `says`. */
static void assert_refused_len(const char *body, size_t len, const char *field,
			       const char *says)
{
	struct api_session_req req;
	int ret = parse_len(body, len, &req);

	if (ret != -EINVAL)
		fail_msg("%.200s: returned %d, want -EINVAL", body, ret);
	if (strcmp(got_field, field))
		fail_msg("%.200s: field \"%s\", want \"%s\" (%s)", body,
			 got_field, field, got_err);
	assert_true(got_err[0] != '\0');
	assert_null(strchr(got_err, '\n'));
	if (says && !strstr(got_err, says))
		fail_msg("%.200s: message \"%s\" does not say \"%s\"", body,
			 got_err, says);
}

static void assert_refused(const char *body, const char *field,
			   const char *says)
{
	assert_refused_len(body, strlen(body), field, says);
}

/* ---- good requests */

static void test_sink_defaults(void **state)
{
	struct api_session_req req;

	(void)state;
	memset(&req, 0xa5, sizeof(req));
	assert_ok("{\"role\":\"sink\"}", &req);
	assert_int_equal(req.role, API_ROLE_SINK);
	assert_int_equal(req.spec.role, ROLE_RECV);
	assert_string_equal(req.spec.backend.name, "udp");
	assert_int_equal(req.spec.frame_size, 1518);
	assert_false(req.has_duration);
	assert_int_equal(req.spec.duration_ns, 0);
	assert_int_equal(req.spec.idle_timeout_ns, 2 * NS_PER_SEC);
	assert_int_equal(req.spec.interval_ns, 0);
	assert_int_equal(req.spec.backend.queues, 1);
	assert_int_equal(req.spec.count, 0);
	assert_int_equal(req.spec.clock_sync, CLOCK_SYNC_NONE);
	assert_false(req.spec.backend.no_gso);
	assert_int_equal(req.port, 0);
	assert_false(req.has_dst);
	/* The daemon sets the addresses. */
	assert_int_equal(req.spec.listen.family, 0);
	assert_int_equal(req.spec.listen_port, 0);
}

static void test_sink_every_field(void **state)
{
	struct api_session_req req;

	(void)state;
	assert_ok("{\"role\":\"sink\",\"backend\":\"afpacket\",\"size\":128,"
		  "\"duration\":\"10s\",\"idle_timeout\":5,\"count\":1000,"
		  "\"queues\":2,\"clock_offset_ns\":-1500,"
		  "\"clock_error_ns\":200,\"no_gso\":true}",
		  &req);
	assert_int_equal(req.role, API_ROLE_SINK);
	assert_int_equal(req.spec.role, ROLE_RECV);
	assert_string_equal(req.spec.backend.name, "afpacket");
	assert_int_equal(req.spec.frame_size, 128);
	assert_true(req.has_duration);
	assert_int_equal(req.spec.duration_ns, 10 * NS_PER_SEC);
	assert_int_equal(req.spec.idle_timeout_ns, 5 * NS_PER_SEC);
	assert_int_equal(req.spec.count, 1000);
	assert_int_equal(req.spec.backend.queues, 2);
	assert_int_equal(req.spec.clock_offset_ns, -1500);
	assert_int_equal(req.spec.clock_error_ns, 200);
	assert_int_equal(req.spec.clock_sync, CLOCK_SYNC_MEASURED);
	assert_true(req.spec.backend.no_gso);
}

static void test_reflect(void **state)
{
	struct api_session_req req;

	(void)state;
	assert_ok("{\"role\":\"reflect\",\"rate\":\"1Mpps\","
		  "\"line_rate\":\"10Gbps\",\"duration\":2.5,"
		  "\"idle_timeout\":\"500ms\"}",
		  &req);
	assert_int_equal(req.role, API_ROLE_REFLECT);
	assert_int_equal(req.spec.role, ROLE_REFLECT);
	assert_string_equal(req.spec.backend.name, "udp");
	assert_int_equal(req.spec.rate.kind, RATE_PPS);
	assert_true(req.spec.rate.value == 1e6);
	assert_int_equal(req.spec.line_rate_bps, 10000000000ULL);
	assert_true(req.has_duration);
	assert_int_equal(req.spec.duration_ns, 2500 * NS_PER_MS);
	assert_int_equal(req.spec.idle_timeout_ns, 500 * NS_PER_MS);
	/* Seconds as a number round to the nanosecond like "1.5ns" does. */
	assert_ok("{\"role\":\"reflect\",\"duration\":1e-9,"
		  "\"idle_timeout\":1.5e-9}",
		  &req);
	assert_int_equal(req.spec.duration_ns, 1);
	assert_int_equal(req.spec.idle_timeout_ns, 2);
	assert_ok("{\"role\":\"reflect\",\"duration\":\"1.5ns\"}", &req);
	assert_int_equal(req.spec.duration_ns, 2);
}

static void test_source(void **state)
{
	struct api_session_req req;
	struct in_addr want;

	(void)state;
	assert_ok("{\"role\":\"source\",\"port\":9000,\"dst\":\"192.0.2.7\","
		  "\"rate\":250000,\"flows\":4,\"burst\":8,\"size\":64,"
		  "\"count\":5}",
		  &req);
	assert_int_equal(req.role, API_ROLE_SOURCE);
	assert_int_equal(req.spec.role, ROLE_SEND);
	assert_string_equal(req.spec.backend.name, "udp");
	assert_int_equal(req.port, 9000);
	assert_true(req.has_dst);
	assert_int_equal(req.dst.family, AF_INET);
	assert_int_equal(inet_pton(AF_INET, "192.0.2.7", &want), 1);
	assert_memory_equal(&req.dst.v4, &want, sizeof(want));
	assert_int_equal(req.spec.rate.kind, RATE_PPS);
	assert_true(req.spec.rate.value == 250000);
	assert_int_equal(req.spec.flows, 4);
	assert_int_equal(req.spec.burst, 8);
	assert_int_equal(req.spec.frame_size, 64);
	assert_int_equal(req.spec.count, 5);
	/* No duration named: the sender's default, and the daemon knows. */
	assert_false(req.has_duration);
	assert_int_equal(req.spec.duration_ns, 10 * NS_PER_SEC);
	/* Addresses other than the explicit dst are the daemon's. */
	assert_int_equal(req.spec.dst.family, 0);
	assert_int_equal(req.spec.dst_port, 0);
}

static void test_source_marking(void **state)
{
	struct api_session_req req;

	(void)state;
	assert_ok("{\"role\":\"source\",\"port\":9000,\"dscp\":\"EF\","
		  "\"ecn\":\"ect0\"}",
		  &req);
	assert_int_equal(req.spec.tos, 0xba); /* 46 << 2 | 2 */
	assert_ok("{\"role\":\"ping\",\"port\":9000,\"ecn\":1,\"dscp\":34}",
		  &req);
	assert_int_equal(req.spec.tos, 0x89); /* order does not matter */
	assert_ok("{\"role\":\"source\",\"port\":9000,\"tos\":184}", &req);
	assert_int_equal(req.spec.tos, 184);
	assert_ok("{\"role\":\"source\",\"port\":9000,\"backend\":\"afpacket\","
		  "\"vlan\":\"100:5\"}",
		  &req);
	assert_int_equal(req.spec.vlan_id, 100);
	assert_int_equal(req.spec.vlan_pcp, 5);
	assert_int_equal(req.spec.frame_size, 68); /* the tagged minimum */
	assert_ok("{\"role\":\"source\",\"port\":9000,\"backend\":\"afxdp\","
		  "\"vlan\":7,\"size\":68}",
		  &req);
	assert_int_equal(req.spec.vlan_id, 7);
	assert_int_equal(req.spec.vlan_pcp, 0);
	assert_int_equal(req.spec.vlan_inner_id, 0);
	/* QinQ: outer (802.1ad) then inner; two tags' worth of minimum. */
	assert_ok("{\"role\":\"source\",\"port\":9000,\"backend\":\"afpacket\","
		  "\"vlan\":\"100:5,200:3\"}",
		  &req);
	assert_int_equal(req.spec.vlan_id, 100);
	assert_int_equal(req.spec.vlan_pcp, 5);
	assert_int_equal(req.spec.vlan_inner_id, 200);
	assert_int_equal(req.spec.vlan_inner_pcp, 3);
	assert_int_equal(req.spec.frame_size, 72);
	assert_refused("{\"role\":\"source\",\"port\":9000,\"backend\":"
		       "\"afpacket\",\"vlan\":\"100,4095\"}",
		       "vlan", "not a VLAN");
	assert_refused("{\"role\":\"source\",\"port\":9000,\"backend\":"
		       "\"afpacket\",\"vlan\":\"100,200\",\"size\":68}",
		       "size", "too small");

	assert_refused("{\"role\":\"source\",\"port\":9000,\"dscp\":\"EX\"}",
		       "dscp", "not a DSCP");
	assert_refused("{\"role\":\"source\",\"port\":9000,\"dscp\":64}",
		       "dscp", "out of range");
	assert_refused("{\"role\":\"source\",\"port\":9000,\"ecn\":\"x\"}",
		       "ecn", "not an ECN");
	assert_refused("{\"role\":\"source\",\"port\":9000,\"tos\":256}",
		       "tos", "out of range");
	assert_refused("{\"role\":\"source\",\"port\":9000,\"dscp\":\"EF\","
		       "\"tos\":4}",
		       "tos", "cannot be combined");
	assert_refused("{\"role\":\"source\",\"port\":9000,\"tos\":4,"
		       "\"ecn\":1}",
		       "ecn", "cannot be combined");
	assert_refused("{\"role\":\"source\",\"port\":9000,\"vlan\":4095}",
		       "vlan", "out of range");
	/* The daemon's default backend is udp, which cannot tag. */
	assert_refused("{\"role\":\"source\",\"port\":9000,\"vlan\":10,"
		       "\"size\":68}",
		       "vlan", "udp backend cannot tag");
	assert_refused("{\"role\":\"sink\",\"dscp\":\"EF\"}", "dscp",
		       "does not apply to a sink");
}

static void test_source_size_mix(void **state)
{
	struct api_session_req req;

	(void)state;
	assert_ok("{\"role\":\"source\",\"port\":9000,\"size\":\"imix\"}",
		  &req);
	assert_int_equal(req.spec.size_mix.count, 3);
	assert_int_equal(req.spec.size_mix.period, 12);
	assert_int_equal(req.spec.frame_size, 1518);
	assert_ok("{\"role\":\"source\",\"port\":9000,"
		  "\"size\":\"128:1,1024:3\"}",
		  &req);
	assert_int_equal(req.spec.size_mix.count, 2);
	assert_int_equal(req.spec.frame_size, 1024);
	assert_refused("{\"role\":\"source\",\"port\":9000,\"size\":\"imx\"}",
		       "size", "not a size mix");
	assert_refused("{\"role\":\"source\",\"port\":9000,"
		       "\"size\":\"63:1\"}",
		       "size", "not a size mix");
	/* Only a source sends a mix. */
	assert_refused("{\"role\":\"sink\",\"size\":\"imix\"}", "size",
		       "must be an integer");
	assert_refused("{\"role\":\"source\",\"port\":9000,\"size\":\"imix\","
		       "\"backend\":\"xdp\"}",
		       "size", "one frame size");
}

static void test_source_rates(void **state)
{
	struct api_session_req req;

	(void)state;
	assert_ok("{\"role\":\"source\",\"port\":1,\"rate\":\"800Mbps\"}", &req);
	assert_int_equal(req.spec.rate.kind, RATE_BPS_L1);
	assert_true(req.spec.rate.value == 800e6);
	assert_ok("{\"role\":\"source\",\"port\":1,\"rate\":\"800Mbps-l2\"}", &req);
	assert_int_equal(req.spec.rate.kind, RATE_BPS_L2);
	assert_true(req.spec.rate.value == 800e6);
	assert_ok("{\"role\":\"source\",\"port\":65535,\"rate\":\"max\"}", &req);
	assert_int_equal(req.spec.rate.kind, RATE_MAX);
	assert_int_equal(req.port, 65535);
	assert_ok("{\"role\":\"source\",\"port\":1,\"rate\":\"50%\","
		  "\"line_rate\":\"10Gbps\"}",
		  &req);
	assert_int_equal(req.spec.rate.kind, RATE_PERCENT);
	assert_true(req.spec.rate.value == 50);
	assert_int_equal(req.spec.line_rate_bps, 10000000000ULL);
	/* A number is pps, fractions allowed. */
	assert_ok("{\"role\":\"source\",\"port\":1,\"rate\":0.5}", &req);
	assert_int_equal(req.spec.rate.kind, RATE_PPS);
	assert_true(req.spec.rate.value == 0.5);
	assert_ok("{\"role\":\"source\",\"port\":1,\"rate\":2e9}", &req);
	assert_true(req.spec.rate.value == 2e9);
}

static void test_source_ipv6_and_boundaries(void **state)
{
	struct api_session_req req;

	(void)state;
	assert_ok("{\"role\":\"source\",\"port\":9000,\"dst\":\"2001:db8::5\","
		  "\"size\":84}",
		  &req);
	assert_int_equal(req.dst.family, AF_INET6);
	assert_int_equal(req.spec.frame_size, 84);
	/* Both ends of every range are accepted. */
	assert_ok("{\"role\":\"source\",\"port\":1,\"size\":9018,\"flows\":4096,"
		  "\"burst\":1024,\"queues\":64,\"count\":1000000000000,"
		  "\"duration\":2592000}",
		  &req);
	assert_int_equal(req.spec.frame_size, 9018);
	assert_int_equal(req.spec.flows, 4096);
	assert_int_equal(req.spec.burst, 1024);
	assert_int_equal(req.spec.backend.queues, 64);
	assert_int_equal(req.spec.count, 1000000000000ULL);
	assert_int_equal(req.spec.duration_ns, 2592000 * NS_PER_SEC);
	assert_ok("{\"role\":\"sink\",\"size\":64,\"clock_offset_ns\":86400000000000,"
		  "\"clock_error_ns\":0,\"duration\":\"1ns\"}",
		  &req);
	assert_int_equal(req.spec.frame_size, 64);
	assert_int_equal(req.spec.clock_offset_ns, 86400000000000LL);
	assert_int_equal(req.spec.duration_ns, 1);
	assert_ok("{\"role\":\"sink\",\"clock_offset_ns\":-86400000000000}", &req);
	assert_int_equal(req.spec.clock_offset_ns, -86400000000000LL);
	/* Whitespace and key order do not matter. */
	assert_ok(" \n{ \"size\" : 256 ,\t\"role\" : \"reflect\" }\r\n", &req);
	assert_int_equal(req.role, API_ROLE_REFLECT);
	assert_int_equal(req.spec.frame_size, 256);
}

/* ---- refused requests */

static void test_malformed_json(void **state)
{
	(void)state;
	assert_refused("", "", "not valid JSON");
	assert_refused("{", "", "not valid JSON");
	assert_refused("{\"role\":\"sink\",}", "", "not valid JSON");
	assert_refused("{\"role\":\"sink\"", "", "not valid JSON");
	assert_refused("{role:\"sink\"}", "", "not valid JSON");
	assert_refused("{'role':'sink'}", "", "not valid JSON");
	assert_refused("{\"role\":\"sink\"}{}", "", "not valid JSON");
	assert_refused("{\"role\":\"sink\",\"size\":0x40}", "", "not valid JSON");
	assert_refused("{\"role\":\"sink\",\"size\":NaN}", "", "not valid JSON");
	/* Numbers jansson cannot hold are malformed, not wrapped. */
	assert_refused("{\"role\":\"sink\",\"count\":99999999999999999999}", "",
		       "not valid JSON");
	assert_refused("{\"role\":\"sink\",\"duration\":1e400}", "",
		       "not valid JSON");
	/* Invalid UTF-8 inside a string. */
	assert_refused("{\"role\":\"sink\",\"backend\":\"\xff\"}", "",
		       "not valid JSON");
	assert_refused("{\"role\":\"si\xc3\"}", "", "not valid JSON");
}

static void test_not_an_object(void **state)
{
	(void)state;
	assert_refused("[]", "", "must be a JSON object");
	assert_refused("[{\"role\":\"sink\"}]", "", "must be a JSON object");
	/* jansson takes only an array or object at the top. */
	assert_refused("\"sink\"", "", "not valid JSON");
	assert_refused("42", "", "not valid JSON");
	assert_refused("null", "", "not valid JSON");
	assert_refused("true", "", "not valid JSON");
}

static void test_role(void **state)
{
	(void)state;
	assert_refused("{}", "role", "required");
	assert_refused("{\"size\":128}", "role", "required");
	assert_refused("{\"role\":\"send\"}", "role", "sink");
	assert_refused("{\"role\":\"SINK\"}", "role", "sink");
	assert_refused("{\"role\":\"\"}", "role", "sink");
	assert_refused("{\"role\":1}", "role", "sink");
	assert_refused("{\"role\":null}", "role", "sink");
	assert_refused("{\"role\":[\"sink\"]}", "role", "sink");
	/* The role is checked first, wherever it stands. */
	assert_refused("{\"bogus\":1,\"role\":\"recv\"}", "role", NULL);
}

static void test_wrong_types(void **state)
{
	(void)state;
	assert_refused("{\"role\":\"sink\",\"size\":\"128\"}", "size",
		       "must be an integer");
	assert_refused("{\"role\":\"sink\",\"size\":128.0}", "size",
		       "must be an integer");
	assert_refused("{\"role\":\"sink\",\"size\":null}", "size", NULL);
	assert_refused("{\"role\":\"source\",\"port\":1,\"flows\":1.5}", "flows",
		       "must be an integer");
	assert_refused("{\"role\":\"source\",\"port\":1,\"burst\":[8]}", "burst",
		       "must be an integer");
	assert_refused("{\"role\":\"source\",\"port\":\"9000\"}", "port",
		       "must be an integer");
	assert_refused("{\"role\":\"source\",\"port\":1,\"rate\":true}", "rate",
		       "must be a string");
	assert_refused("{\"role\":\"source\",\"port\":1,\"rate\":{}}", "rate", NULL);
	assert_refused("{\"role\":\"sink\",\"duration\":true}", "duration",
		       "must be a string");
	assert_refused("{\"role\":\"sink\",\"idle_timeout\":[]}", "idle_timeout",
		       NULL);
	assert_refused("{\"role\":\"sink\",\"count\":1.0}", "count",
		       "must be an integer");
	assert_refused("{\"role\":\"sink\",\"queues\":\"2\"}", "queues", NULL);
	assert_refused("{\"role\":\"sink\",\"backend\":5}", "backend", NULL);
	assert_refused("{\"role\":\"sink\",\"no_gso\":1}", "no_gso",
		       "true or false");
	assert_refused("{\"role\":\"sink\",\"no_gso\":\"true\"}", "no_gso", NULL);
	assert_refused("{\"role\":\"sink\",\"clock_offset_ns\":\"5\"}",
		       "clock_offset_ns", "must be an integer");
	assert_refused("{\"role\":\"sink\",\"clock_error_ns\":0.5}",
		       "clock_error_ns", "must be an integer");
	assert_refused("{\"role\":\"source\",\"port\":1,\"dst\":3232235521}", "dst",
		       NULL);
	assert_refused("{\"role\":\"source\",\"port\":1,\"line_rate\":1e10}",
		       "line_rate", NULL);
}

static void test_out_of_range(void **state)
{
	(void)state;
	assert_refused("{\"role\":\"sink\",\"size\":63}", "size",
		       "out of range");
	assert_refused("{\"role\":\"sink\",\"size\":9019}", "size",
		       "out of range");
	assert_refused("{\"role\":\"sink\",\"size\":0}", "size", NULL);
	assert_refused("{\"role\":\"sink\",\"size\":-64}", "size", NULL);
	assert_refused("{\"role\":\"sink\",\"size\":4294967360}", "size", NULL);
	assert_refused("{\"role\":\"source\",\"port\":1,\"flows\":0}", "flows",
		       "out of range");
	assert_refused("{\"role\":\"source\",\"port\":1,\"flows\":4097}", "flows",
		       "out of range");
	assert_refused("{\"role\":\"source\",\"port\":0}", "port", "out of range");
	assert_refused("{\"role\":\"source\",\"port\":65536}", "port",
		       "out of range");
	assert_refused("{\"role\":\"source\",\"port\":-1}", "port", NULL);
	assert_refused("{\"role\":\"source\",\"port\":1,\"burst\":0}", "burst", NULL);
	assert_refused("{\"role\":\"source\",\"port\":1,\"burst\":1025}", "burst",
		       NULL);
	assert_refused("{\"role\":\"sink\",\"queues\":0}", "queues", NULL);
	assert_refused("{\"role\":\"sink\",\"queues\":65}", "queues", NULL);
	assert_refused("{\"role\":\"sink\",\"count\":0}", "count", NULL);
	assert_refused("{\"role\":\"sink\",\"count\":1000000000001}", "count", NULL);
	assert_refused("{\"role\":\"sink\",\"duration\":-1}", "duration",
		       "out of range");
	assert_refused("{\"role\":\"sink\",\"duration\":0}", "duration", NULL);
	assert_refused("{\"role\":\"sink\",\"duration\":2592000.5}", "duration",
		       NULL);
	assert_refused("{\"role\":\"sink\",\"duration\":1e300}", "duration", NULL);
	assert_refused("{\"role\":\"sink\",\"duration\":-1e300}", "duration", NULL);
	assert_refused("{\"role\":\"sink\",\"duration\":\"0s\"}", "duration",
		       "not a duration");
	assert_refused("{\"role\":\"sink\",\"duration\":\"31d\"}", "duration",
		       NULL);
	assert_refused("{\"role\":\"sink\",\"duration\":\"721h\"}", "duration",
		       NULL);
	assert_refused("{\"role\":\"sink\",\"duration\":\"-5s\"}", "duration",
		       NULL);
	assert_refused("{\"role\":\"sink\",\"idle_timeout\":0}", "idle_timeout",
		       NULL);
	/* Under a nanosecond is not "0: no limit" (fuzz_spec_json's find). */
	assert_refused("{\"role\":\"sink\",\"idle_timeout\":1e-122}",
		       "idle_timeout", "out of range");
	assert_refused("{\"role\":\"sink\",\"duration\":1e-12}", "duration",
		       "out of range");
	assert_refused("{\"role\":\"source\",\"port\":1,\"duration\":4e-10}",
		       "duration", "out of range");
	assert_refused("{\"role\":\"source\",\"port\":1,\"rate\":0}", "rate",
		       "out of range");
	assert_refused("{\"role\":\"source\",\"port\":1,\"rate\":-5}", "rate", NULL);
	assert_refused("{\"role\":\"source\",\"port\":1,\"rate\":2000000001}",
		       "rate", NULL);
	assert_refused("{\"role\":\"source\",\"port\":1,\"rate\":\"0pps\"}", "rate",
		       "not a rate");
	assert_refused("{\"role\":\"source\",\"port\":1,\"rate\":\"fast\"}", "rate",
		       NULL);
	assert_refused("{\"role\":\"source\",\"port\":1,\"rate\":\"101%\","
		       "\"line_rate\":\"10Gbps\"}",
		       "rate", NULL);
	assert_refused("{\"role\":\"source\",\"port\":1,\"line_rate\":\"2Tbps\"}",
		       "line_rate", NULL);
	assert_refused("{\"role\":\"sink\",\"clock_offset_ns\":86400000000001}",
		       "clock_offset_ns", "out of range");
	assert_refused("{\"role\":\"sink\",\"clock_error_ns\":-1}",
		       "clock_error_ns", NULL);
	assert_refused("{\"role\":\"sink\",\"backend\":\"dpdk\"}", "backend",
		       "must be one of");
	assert_refused("{\"role\":\"sink\",\"backend\":\"UDP\"}", "backend", NULL);
	assert_refused("{\"role\":\"source\",\"port\":1,\"dst\":\"10.0.0.1:80\"}",
		       "dst", "no port");
	assert_refused("{\"role\":\"source\",\"port\":1,\"dst\":\"example.com\"}",
		       "dst", NULL);
	assert_refused("{\"role\":\"source\",\"port\":1,\"dst\":\"\"}", "dst", NULL);
}

static void test_unknown_field(void **state)
{
	(void)state;
	assert_refused("{\"role\":\"sink\",\"sizes\":64}", "sizes",
		       "unknown field");
	assert_refused("{\"role\":\"sink\",\"Size\":64}", "Size", "unknown field");
	assert_refused("{\"role\":\"sink\",\"ROLE\":\"sink\"}", "ROLE",
		       "unknown field");
	assert_refused("{\"role\":\"sink\",\"\":1}", "", "unknown field");
	assert_refused("{\"role\":\"sink\",\"listen\":\"0.0.0.0:9\"}", "listen",
		       "unknown field");
	/* The CLI's names are not the API's. */
	assert_refused("{\"role\":\"sink\",\"idle-timeout\":5}", "idle-timeout",
		       "unknown field");
}

static void test_field_not_for_role(void **state)
{
	(void)state;
	assert_refused("{\"role\":\"sink\",\"port\":9000}", "port",
		       "does not apply to a sink");
	assert_refused("{\"role\":\"sink\",\"rate\":\"1Mpps\"}", "rate",
		       "does not apply to a sink");
	assert_refused("{\"role\":\"sink\",\"flows\":2}", "flows",
		       "does not apply to a sink");
	assert_refused("{\"role\":\"sink\",\"dst\":\"192.0.2.1\"}", "dst",
		       "does not apply to a sink");
	assert_refused("{\"role\":\"source\",\"port\":1,\"clock_offset_ns\":5}",
		       "clock_offset_ns", "does not apply to a source");
	assert_refused("{\"role\":\"source\",\"port\":1,\"clock_error_ns\":5}",
		       "clock_error_ns", "does not apply to a source");
	assert_refused("{\"role\":\"source\",\"port\":1,\"idle_timeout\":5}",
		       "idle_timeout", "does not apply to a source");
	assert_refused("{\"role\":\"reflect\",\"port\":9000}", "port",
		       "does not apply to a reflect");
	assert_refused("{\"role\":\"reflect\",\"burst\":8}", "burst",
		       "does not apply to a reflect");
	assert_refused("{\"role\":\"reflect\",\"clock_offset_ns\":0}",
		       "clock_offset_ns", "does not apply to a reflect");
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	assert_refused("{\"role\":\"sink\",\"size\":64,\"size\":128}", "",
		       "duplicate");
	assert_refused("{\"role\":\"sink\",\"role\":\"source\"}", "", "duplicate");
	assert_refused("{\"role\":\"sink\",\"size\":64,\"size\":64}", "",
		       "duplicate");
}

static void test_whole_spec(void **state)
{
	(void)state;
	/* A source needs the client's port. */
	assert_refused("{\"role\":\"source\"}", "port", "required");
	assert_refused("{\"role\":\"source\",\"rate\":\"1Mpps\"}", "port",
		       "required");
	/* What only spec_validate() can see names the JSON field, in the
	 * API's words rather than the CLI's. */
	assert_refused("{\"role\":\"source\",\"port\":1,\"queues\":2}",
		       "queues", NULL);
	assert_string_equal(got_err,
			    "queues: 2 queues need at least as many flows");
	assert_refused("{\"role\":\"source\",\"port\":1,\"rate\":\"50%\"}",
		       "rate", NULL);
	assert_string_equal(got_err,
			    "rate: a % rate needs line_rate (e.g. 10Gbps)");
	assert_refused("{\"role\":\"source\",\"port\":1,\"dst\":\"2001:db8::1\","
		       "\"size\":64}",
		       "size", "too small for an IPv6 probe");
	assert_int_equal(strncmp(got_err, "size: 64", 8), 0);
	assert_null(strstr(got_err, "--"));
}

static void test_body_size(void **state)
{
	struct api_session_req req;
	const char *head = "{\"role\":\"sink\"}";
	char *body = malloc(API_MAX_BODY + 2);

	(void)state;
	assert_non_null(body);
	/* Exactly the limit is fine (whitespace after the object)... */
	memset(body, ' ', API_MAX_BODY + 1);
	memcpy(body, head, strlen(head));
	body[API_MAX_BODY + 1] = '\0';
	assert_int_equal(parse_len(body, API_MAX_BODY, &req), 0);
	assert_int_equal(req.role, API_ROLE_SINK);
	/* ... one byte more is not, before any parsing. */
	assert_refused_len(body, API_MAX_BODY + 1, "", "over the limit");
	assert_refused_len("{", API_MAX_BODY + 1, "", "16385 bytes");
	assert_refused_len(NULL, (size_t)-1, "", "over the limit");
	free(body);
}

static void test_nul_bytes(void **state)
{
	(void)state;
	/* A NUL after the object, or inside, is not JSON. */
	assert_refused_len("{\"role\":\"sink\"}\0", 16, "", "not valid JSON");
	assert_refused_len("{\"role\":\"sink\"}\0{}", 18, "", "not valid JSON");
	assert_refused_len("{\"role\":\"si\0nk\"}", 16, "", "not valid JSON");
	assert_refused_len("{\"role\":\0\"sink\"}", 16, "", "not valid JSON");
	assert_refused_len("\0{\"role\":\"sink\"}", 16, "", "not valid JSON");
	/* Escaped NULs too, in values and in keys. */
	assert_refused("{\"role\":\"si\\u0000nk\"}", "", "not valid JSON");
	assert_refused("{\"role\":\"sink\",\"backend\":\"udp\\u0000x\"}", "",
		       "not valid JSON");
	assert_refused("{\"role\":\"sink\",\"si\\u0000ze\":64}", "",
		       "not valid JSON");
}

/* The field and message go into a JSON reply: valid UTF-8 and one line,
 * however the client's bytes were cut or quoted. */
static void test_messages_are_json_safe(void **state)
{
	struct api_session_req req;
	char key[80];
	int ret;

	(void)state;
	/* jansson quotes the bad escape with half a UTF-8 sequence after it
	 * (the fuzzer's first find). */
	assert_refused("{\"ro\\\xde\x93" "e\":1}", "", "invalid escape");
	assert_string_equal(got_err, "body: not valid JSON: invalid escape near "
				     "'\"ro\\?' (at byte 6)");
	assert_refused("{\"role\":\"sink\",\"\xff\":1}", "", "not valid JSON");
	assert_null(strchr(got_err, '\xff'));
	/* A key of 2-byte characters cut by the 64-byte field buffer. */
	strcpy(key, "{\"role\":\"sink\",\"");
	for (int i = 0; i < 20; i++)
		strcat(key, "\xc3\xa9");
	strcat(key, "\":1}");
	ret = parse(key, &req);
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(strlen(got_field), 40);
	assert_int_equal(strncmp(got_field, key + 16, 40), 0);
	/* A newline (escaped in the JSON) in an unknown key. */
	assert_refused("{\"role\":\"sink\",\"a\\nb\":1}", "a\nb",
		       "unknown field");
	assert_string_equal(got_err, "a?b: unknown field");
}

static void test_field_cut(void **state)
{
	struct api_session_req req;
	char body[256];
	int ret;

	(void)state;
	/* A key longer than the error's field: cut to LR_ERR_FIELD_LEN - 1
	 * bytes, then back to a whole character. */
	strcpy(body, "{\"role\":\"sink\",\"");
	for (int i = 0; i < 40; i++)
		strcat(body, "\xc3\xa9");
	strcat(body, "\":1}");
	ret = parse(body, &req);
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(got.code, -EINVAL);
	assert_int_equal(strlen(got_field), LR_ERR_FIELD_LEN - 2);
	assert_int_equal(strncmp(got_field, body + 16, LR_ERR_FIELD_LEN - 2),
			 0);
	/* No error to fill is allowed too. */
	ret = api_session_req_parse("[]", 2, &req, NULL);
	assert_int_equal(ret, -EINVAL);
}

static void test_role_name(void **state)
{
	(void)state;
	assert_string_equal(api_role_name(API_ROLE_SINK), "sink");
	assert_string_equal(api_role_name(API_ROLE_REFLECT), "reflect");
	assert_string_equal(api_role_name(API_ROLE_SOURCE), "source");
	assert_string_equal(api_role_name((enum api_role)7), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sink_defaults),
		cmocka_unit_test(test_sink_every_field),
		cmocka_unit_test(test_reflect),
		cmocka_unit_test(test_source),
		cmocka_unit_test(test_source_rates),
		cmocka_unit_test(test_source_marking),
		cmocka_unit_test(test_source_size_mix),
		cmocka_unit_test(test_source_ipv6_and_boundaries),
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_role),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_field_not_for_role),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_whole_spec),
		cmocka_unit_test(test_body_size),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_messages_are_json_safe),
		cmocka_unit_test(test_field_cut),
		cmocka_unit_test(test_role_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
