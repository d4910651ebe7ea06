// SPDX-License-Identifier: MIT
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "lib/clock.h"
#include "api/http.h"

#define REPLY_MAX (8u << 20)

struct api_client {
	CURL *curl;
	struct curl_slist *headers;
	char base[300];
	char host[256];
	char local_ip[64];
	char peer_ip[64];
	char *buf;
	size_t len;
	bool overflow;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct api_client *c = arg;
	size_t n = size * nmemb;
	char *b;

	if (c->len + n > REPLY_MAX) {
		c->overflow = true;
		return 0;
	}
	b = realloc(c->buf, c->len + n + 1);
	if (!b)
		return 0;
	memcpy(b + c->len, ptr, n);
	c->buf = b;
	c->len += n;
	c->buf[c->len] = '\0';
	return n;
}

/* HOST[:PORT] into host and port; IPv6 with brackets when it has a port. */
static int split_host(const char *in, char *host, size_t len, unsigned *port)
{
	const char *colon = strrchr(in, ':');
	char rest;

	*port = 9270;
	if (in[0] == '[') {
		const char *end = strchr(in, ']');

		if (!end || (size_t)(end - in - 1) >= len || end == in + 1)
			return -EINVAL;
		memcpy(host, in + 1, (size_t)(end - in - 1));
		host[end - in - 1] = '\0';
		if (!end[1])
			return 0;
		if (end[1] != ':' || sscanf(end + 2, "%5u%c", port, &rest) != 1)
			return -EINVAL;
	} else if (colon && strchr(in, ':') == colon) {
		if ((size_t)(colon - in) >= len || colon == in ||
		    sscanf(colon + 1, "%5u%c", port, &rest) != 1)
			return -EINVAL;
		memcpy(host, in, (size_t)(colon - in));
		host[colon - in] = '\0';
	} else {
		if (strlen(in) >= len || !*in)
			return -EINVAL;
		strcpy(host, in);
	}
	for (const char *p = host; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		      *p == ':' || *p == '%'))
			return -EINVAL;
	return *port >= 1 && *port <= 65535 ? 0 : -EINVAL;
}

struct api_client *api_client_open(const struct api_client_config *cfg,
				   struct lr_err *err)
{
	struct api_client *c = calloc(1, sizeof(*c));
	char auth[4200];
	unsigned port;

	if (!c) {
		lr_err_set(err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	if (split_host(cfg->host, c->host, sizeof(c->host), &port)) {
		lr_err_set_verbatim(err, -EINVAL, NULL,
				    "'%s' is not HOST[:PORT]", cfg->host);
		goto fail;
	}
	snprintf(c->base, sizeof(c->base), "%s://%s%s%s:%u",
		 cfg->tls ? "https" : "http", strchr(c->host, ':') ? "[" : "",
		 c->host, strchr(c->host, ':') ? "]" : "", port);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (cfg->tls &&
	    !(curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_SSL)) {
		/* The static build links an HTTP-only libcurl (docs/install.md). */
		lr_err_set(err, -ENOTSUP, "tls",
			   "--tls: this linerate's libcurl has no TLS (see "
			   "linerate --version)");
		goto fail;
	}
	c->curl = curl_easy_init();
	if (!c->curl) {
		lr_err_set(err, -ENOMEM, NULL, "cannot start libcurl");
		goto fail;
	}
	c->headers = curl_slist_append(NULL, "Content-Type: application/json");
	c->headers = curl_slist_append(c->headers, "Expect:");
	if (cfg->token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", cfg->token);
		c->headers = curl_slist_append(c->headers, auth);
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS,
			 cfg->timeout_ms ? cfg->timeout_ms : 10000L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (cfg->ca_file)
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, cfg->ca_file);
	if (cfg->insecure) {
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return c;
fail:
	api_client_close(c);
	return NULL;
}

void api_client_config_init(struct api_client_config *cfg,
			    const struct api_client_opts *opts,
			    const char *host)
{
	*cfg = (struct api_client_config){
		.host = host,
		.tls = opts->tls || opts->insecure || opts->ca_file,
		.ca_file = opts->ca_file,
		.insecure = opts->insecure,
	};
}

struct api_client *api_client_connect(const struct api_client_config *cfg,
				      const char *token_file,
				      const char *check_path, bool *bad_input,
				      struct lr_err *err)
{
	struct api_client_config c2 = *cfg;
	struct api_client *c;
	json_t *reply = NULL;
	char *token = NULL;
	bool dummy;
	int rc;

	if (!bad_input)
		bad_input = &dummy;
	*bad_input = true;
	if (token_file) {
		token = http_read_small_file("--token-file", token_file, 4096);
		if (!token) {
			lr_err_set_verbatim(err, -EINVAL, "token-file",
					    "--token-file: cannot use %s",
					    token_file);
			return NULL;
		}
		c2.token = token;
	}
	c = api_client_open(&c2, err);
	free(token);
	if (!c || !check_path)
		return c;
	*bad_input = false;
	rc = api_client_expect(c, "GET", check_path, NULL, 200, -EPERM, &reply,
			       err);
	json_decref(reply);
	if (rc) {
		api_client_close(c);
		return NULL;
	}
	return c;
}

void api_client_close(struct api_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	free(c->buf);
	free(c);
}

const char *api_client_host(const struct api_client *c)
{
	return c->host;
}

/* An address curl knows of the last connection, kept in buf. */
static const char *connection_ip(struct api_client *c, CURLINFO what, char *buf,
				 size_t len)
{
	char *ip = NULL;

	if (curl_easy_getinfo(c->curl, what, &ip) != CURLE_OK || !ip || !*ip)
		return NULL;
	snprintf(buf, len, "%s", ip);
	return buf;
}

const char *api_client_local_ip(struct api_client *c)
{
	return connection_ip(c, CURLINFO_LOCAL_IP, c->local_ip,
			     sizeof(c->local_ip));
}

const char *api_client_peer_ip(struct api_client *c)
{
	return connection_ip(c, CURLINFO_PRIMARY_IP, c->peer_ip,
			     sizeof(c->peer_ip));
}

int api_client_request(struct api_client *c, const char *method,
		       const char *path, json_t *body, long *status,
		       json_t **reply, struct lr_err *err)
{
	char url[512];
	char *text = NULL;
	CURLcode rc;

	*reply = NULL;
	*status = 0;
	snprintf(url, sizeof(url), "%s%s", c->base, path);
	c->len = 0;
	c->overflow = false;
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text) {
			return lr_err_set(err, -ENOMEM, NULL, "out of memory");
		}
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, text);
	} else {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	}
	rc = curl_easy_perform(c->curl);
	free(text);
	if (rc != CURLE_OK) {
		return lr_err_set(
			err, rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO,
			NULL, "%s %s: %s", method, url,
			c->overflow ? "reply too large" :
				      curl_easy_strerror(rc));
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	if (c->len)
		*reply = json_loadb(c->buf, c->len, 0, NULL);
	return 0;
}

int api_client_expect(struct api_client *c, const char *method,
		      const char *path, json_t *body, long want, int refused,
		      json_t **reply, struct lr_err *err)
{
	long status;
	int ret;

	*reply = NULL;
	ret = api_client_request(c, method, path, body, &status, reply, err);
	if (ret)
		return ret;
	if (status == want)
		return 0;
	api_reply_error_set(err, refused, *reply, status);
	json_decref(*reply);
	*reply = NULL;
	return refused;
}

const char *api_reply_error(json_t *reply, long status, char *buf, size_t len)
{
	const char *e = json_string_value(json_object_get(reply, "error"));

	snprintf(buf, len, "%s (HTTP %ld)", e ? e : "no reason given", status);
	return buf;
}

int api_reply_error_set(struct lr_err *err, int code, json_t *reply,
			long status)
{
	char line[LR_ERR_MESSAGE_LEN];

	return lr_err_set(err, code, NULL, "%s",
			  api_reply_error(reply, status, line, sizeof(line)));
}

int api_client_clock_offset(struct api_client *c, int samples,
			    int64_t *offset_ns, uint64_t *error_ns,
			    struct lr_err *err)
{
	uint64_t best_rtt = UINT64_MAX;
	int good = 0;

	for (int i = 0; i < samples; i++) {
		uint64_t t0, t3, server;
		json_t *reply;
		long status;
		int ret;

		t0 = clock_ns(CLOCK_REALTIME);
		ret = api_client_request(c, "GET", "/v1/time", NULL, &status,
					 &reply, err);
		t3 = clock_ns(CLOCK_REALTIME);
		if (ret)
			return ret;
		if (status != 200 ||
		    !json_is_integer(json_object_get(reply, "realtime_ns"))) {
			api_reply_error_set(err, -EPROTO, reply, status);
			json_decref(reply);
			return -EPROTO;
		}
		server = (uint64_t)json_integer_value(json_object_get(reply, "realtime_ns"));
		json_decref(reply);
		if (t3 < t0)
			continue; /* the clock stepped */
		good++;
		if (t3 - t0 < best_rtt) {
			/* The server read its clock somewhere between t0
			 * and t3 of ours: the middle is off by at most half
			 * the round trip. */
			best_rtt = t3 - t0;
			*offset_ns = (int64_t)(server - t0 - (t3 - t0) / 2);
			*error_ns = (t3 - t0 + 1) / 2;
		}
	}
	if (!good) {
		return lr_err_set(err, -EAGAIN, NULL,
				  "clock exchange: the local clock stepped");
	}
	return 0;
}
