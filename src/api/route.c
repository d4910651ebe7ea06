// SPDX-License-Identifier: MIT
/* The route table both API servers dispatch with (http.h). */
#include <stdbool.h>
#include <string.h>

#include "api/http.h"

/* Does path match the row's pattern? *param: what a trailing '*' took. */
static bool route_path_match(const char *pattern, const char *path,
			     const char **param)
{
	size_t n = strlen(pattern);

	*param = NULL;
	if (n && pattern[n - 1] == '*') {
		if (strncmp(pattern, path, n - 1))
			return false;
		*param = path + n - 1;
		return true;
	}
	return !strcmp(pattern, path);
}

bool http_route_public(const struct http_route *routes, const char *path)
{
	const char *param;

	for (const struct http_route *r = routes; r && r->method; r++)
		if (r->public && route_path_match(r->path, path, &param))
			return true;
	return false;
}

void http_route_dispatch(const struct http_route *routes, void *arg,
			 const struct http_request *req,
			 struct http_response *resp)
{
	struct http_request matched = *req;
	bool path_known = false;

	for (const struct http_route *r = routes; r && r->method; r++) {
		const char *param;

		if (!route_path_match(r->path, req->path, &param))
			continue;
		if (r->check) {
			enum http_param_verdict v = r->check(param, resp);

			if (v == HTTP_PARAM_ANSWERED)
				return;
			if (v == HTTP_PARAM_NOT_OURS)
				continue;
		}
		path_known = true;
		if (strcmp(r->method, req->method))
			continue;
		matched.param = param;
		r->handler(arg, &matched, resp);
		return;
	}
	if (path_known)
		http_error(resp, 405, NULL,
			   "method %.16s not allowed on %.100s", req->method,
			   req->path);
	else
		http_error(resp, 404, NULL, "no such resource: %.100s",
			   req->path);
}
