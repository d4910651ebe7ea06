// SPDX-License-Identifier: MIT
/* The API servers' route table: which row answers, 404 and 405, the
 * trailing '*' and its check, and which paths are public. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "api/http.h"

/* What the handlers saw. */
struct seen {
	const char *handler;
	const char *param;
	int calls;
};

static void mark(void *arg, const char *name, const struct http_request *req,
		 struct http_response *resp)
{
	struct seen *s = arg;

	s->handler = name;
	s->param = req->param;
	s->calls++;
	resp->status = 200;
}

static void get_a(void *arg, const struct http_request *req,
		  struct http_response *resp)
{
	mark(arg, "get_a", req, resp);
}

static void post_a(void *arg, const struct http_request *req,
		   struct http_response *resp)
{
	mark(arg, "post_a", req, resp);
}

static void get_item(void *arg, const struct http_request *req,
		     struct http_response *resp)
{
	mark(arg, "get_item", req, resp);
}

static void delete_item(void *arg, const struct http_request *req,
			struct http_response *resp)
{
	mark(arg, "delete_item", req, resp);
}

static void get_other(void *arg, const struct http_request *req,
		      struct http_response *resp)
{
	mark(arg, "get_other", req, resp);
}

/* Digits only are an item; "bad..." is answered with 400 here. */
static enum http_param_verdict item_check(const char *param,
					  struct http_response *resp)
{
	if (!strncmp(param, "bad", 3)) {
		http_error(resp, 400, "item", "item: bad");
		return HTTP_PARAM_ANSWERED;
	}
	if (!*param || strspn(param, "0123456789") != strlen(param))
		return HTTP_PARAM_NOT_OURS;
	return HTTP_PARAM_OURS;
}

static const struct http_route routes[] = {
	{"GET", "/a", get_a, NULL, true},
	{"POST", "/a", post_a, NULL, false},
	{"GET", "/items/*", get_item, item_check, false},
	{"DELETE", "/items/*", delete_item, item_check, false},
	/* Only reached when item_check said "not ours". */
	{"GET", "/items/*", get_other, NULL, false},
	{NULL, NULL, NULL, NULL, false},
};

static void dispatch(const char *method, const char *path, struct seen *s,
		     struct http_response *resp)
{
	struct http_request req = {.method = method, .path = path};

	memset(s, 0, sizeof(*s));
	memset(resp, 0, sizeof(*resp));
	http_route_dispatch(routes, s, &req, resp);
}

static void assert_error(const struct http_response *resp, int status,
			 const char *msg)
{
	assert_int_equal(resp->status, status);
	assert_non_null(resp->json);
	assert_string_equal(
		json_string_value(json_object_get(resp->json, "error")), msg);
}

static void test_exact(void **state)
{
	struct http_response resp;
	struct seen s;

	(void)state;
	dispatch("GET", "/a", &s, &resp);
	assert_string_equal(s.handler, "get_a");
	assert_null(s.param);
	assert_int_equal(resp.status, 200);
	dispatch("POST", "/a", &s, &resp);
	assert_string_equal(s.handler, "post_a");
	/* An exact path takes nothing more. */
	dispatch("GET", "/a/", &s, &resp);
	assert_int_equal(s.calls, 0);
	assert_error(&resp, 404, "no such resource: /a/");
	json_decref(resp.json);
}

static void test_method(void **state)
{
	struct http_response resp;
	struct seen s;

	(void)state;
	dispatch("PUT", "/a", &s, &resp);
	assert_int_equal(s.calls, 0);
	assert_error(&resp, 405, "method PUT not allowed on /a");
	assert_null(json_object_get(resp.json, "field"));
	json_decref(resp.json);
	/* Matched by method name exactly, case and all. */
	dispatch("get", "/a", &s, &resp);
	assert_error(&resp, 405, "method get not allowed on /a");
	json_decref(resp.json);
	dispatch("GET", "/nothing", &s, &resp);
	assert_error(&resp, 404, "no such resource: /nothing");
	json_decref(resp.json);
}

static void test_wildcard(void **state)
{
	struct http_response resp;
	struct seen s;

	(void)state;
	dispatch("GET", "/items/42", &s, &resp);
	assert_string_equal(s.handler, "get_item");
	assert_string_equal(s.param, "42");
	dispatch("DELETE", "/items/7", &s, &resp);
	assert_string_equal(s.handler, "delete_item");
	assert_string_equal(s.param, "7");
	/* Not ours for the checked rows: the next row takes it. */
	dispatch("GET", "/items/x/y", &s, &resp);
	assert_string_equal(s.handler, "get_other");
	assert_string_equal(s.param, "x/y");
	dispatch("GET", "/items/", &s, &resp);
	assert_string_equal(s.handler, "get_other");
	assert_string_equal(s.param, "");
	/* Only the unchecked GET row's path matches: 405. */
	dispatch("DELETE", "/items/x", &s, &resp);
	assert_int_equal(s.calls, 0);
	assert_error(&resp, 405, "method DELETE not allowed on /items/x");
	json_decref(resp.json);
	dispatch("POST", "/items/5", &s, &resp);
	assert_error(&resp, 405, "method POST not allowed on /items/5");
	json_decref(resp.json);
	/* The check answers before the method counts. */
	dispatch("POST", "/items/bad1", &s, &resp);
	assert_int_equal(s.calls, 0);
	assert_error(&resp, 400, "item: bad");
	assert_string_equal(
		json_string_value(json_object_get(resp.json, "field")), "item");
	json_decref(resp.json);
	/* "/items" itself is not "/items/...". */
	dispatch("GET", "/items", &s, &resp);
	assert_error(&resp, 404, "no such resource: /items");
	json_decref(resp.json);
}

static void test_public(void **state)
{
	(void)state;
	assert_true(http_route_public(routes, "/a"));
	assert_false(http_route_public(routes, "/a/"));
	assert_false(http_route_public(routes, "/items/1"));
	assert_false(http_route_public(routes, "/"));
	assert_false(http_route_public(NULL, "/a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_method),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_public),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
