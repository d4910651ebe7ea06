// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "lib/clock.h"
#include "api/http.h"
#include "api/http_guard.h"
#include "lib/log.h"
#include "lib/utf8.h"

struct http_server {
	struct MHD_Daemon *mhd;
	struct http_guard *guard; /* deadlines and eviction (http_guard.h) */
	struct http_config cfg;
	char *token;
	char *admin_token;
	uint64_t requests, s2xx, s4xx, s5xx, unauthorized, too_large;
};

/* One request in progress: its body so far. */
struct request_state {
	char *body;
	size_t len;
	uint64_t started_ns; /* when its headers were in */
	bool answered; /* a response was queued before the body was read */
	bool admin; /* authenticated with the admin token */
	bool close; /* end the connection after the answer */
};

#define COUNT(srv, field) __atomic_fetch_add(&(srv)->field, 1, __ATOMIC_RELAXED)

bool http_token_equal(const char *configured, const char *presented,
		      size_t presented_len)
{
	size_t n = strlen(configured);
	unsigned char diff = (unsigned char)(n != presented_len);

	for (size_t i = 0; i < n; i++) {
		unsigned char p = i < presented_len ? (unsigned char)presented[i] : 0;

		diff |= (unsigned char)configured[i] ^ p;
	}
	/* Keep the compiler from ending the loop at the first difference. */
	__asm__ volatile("" : "+r"(diff));
	return diff == 0;
}

void http_error_from(struct http_response *resp, int status,
		     const struct lr_err *err)
{
	http_error(resp, status, err->field, "%s", lr_err_text(err));
}

void http_error(struct http_response *resp, int status, const char *field,
		const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages quote what the client sent (a path, a key) and are cut
	 * to fit; json_string() takes only valid UTF-8 and would leave the
	 * reply without its "error". */
	utf8_make_valid(msg);
	json_decref(resp->json);
	resp->status = status;
	resp->json = json_object();
	json_object_set_new(resp->json, "error", json_string(msg));
	if (field && *field) {
		char name[128];

		snprintf(name, sizeof(name), "%s", field);
		utf8_make_valid(name);
		json_object_set_new(resp->json, "field", json_string(name));
	}
}

void http_metrics_reply(struct http_response *resp, char *text)
{
	resp->text = text;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	if (!text)
		http_error(resp, 500, NULL, "out of memory");
}

const char *http_addr_text(const struct sockaddr_storage *ss, char *buf,
			   size_t len, uint16_t *port)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	uint16_t p = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		p = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		p = ntohs(in6->sin6_port);
	}
	if (port)
		*port = p;
	snprintf(buf, len, "%s", ip);
	return buf;
}

char *http_read_small_file(const char *flag, const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n;
	int err;

	if (!f) {
		err = errno;
		pr_warn("%s: cannot read %s: %s\n", flag, path, strerror(err));
		errno = err;
		return NULL;
	}
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		pr_warn("%s: %s is larger than %zu bytes\n", flag, path, max);
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
		     buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	if (!n || strlen(buf) != n) {
		pr_warn("%s: %s is empty or holds a NUL byte\n", flag, path);
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	return buf;
}

char *http_read_secret_file(const char *flag, const char *path, size_t max,
			   bool allow_insecure)
{
	struct stat st;

	if (stat(path, &st)) {
		int err = errno;

		pr_warn("%s: cannot read %s: %s\n", flag, path, strerror(err));
		errno = err;
		return NULL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		if (!allow_insecure) {
			pr_warn("%s: %s may be read by others (mode %04o); "
				"chmod 600 it, or --allow-insecure-perms\n",
				flag, path, (unsigned int)(st.st_mode & 07777));
			errno = EACCES;
			return NULL;
		}
		pr_warn("%s: %s may be read by others (mode %04o), "
			"--allow-insecure-perms takes it anyway\n",
			flag, path, (unsigned int)(st.st_mode & 07777));
	}
	return http_read_small_file(flag, path, max);
}

static enum MHD_Result send_response(struct http_server *srv,
				     struct MHD_Connection *conn,
				     struct http_response *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body;
	size_t len;

	if (resp->json) {
		char *dump = json_dumps(resp->json, JSON_COMPACT);

		len = dump ? strlen(dump) : 0;
		body = malloc(len + 2);
		if (body) {
			memcpy(body, dump ? dump : "", len);
			body[len++] = '\n';
			body[len] = '\0';
		}
		free(dump);
		resp->content_type = "application/json";
	} else {
		body = resp->text ? resp->text : strdup("");
		resp->text = NULL;
		len = body ? strlen(body) : 0;
		if (!resp->content_type)
			resp->content_type = "text/plain; charset=utf-8";
	}
	json_decref(resp->json);
	resp->json = NULL;
	if (!body)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				resp->content_type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (resp->close)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	if (resp->status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"linerate\"");
	ret = MHD_queue_response(conn, (unsigned int)resp->status, r);
	MHD_destroy_response(r);
	COUNT(srv, requests);
	if (resp->status >= 500)
		COUNT(srv, s5xx);
	else if (resp->status >= 400)
		COUNT(srv, s4xx);
	else
		COUNT(srv, s2xx);
	return ret;
}

static bool authorized(struct http_server *srv, struct MHD_Connection *conn,
		       const char *url, bool *admin)
{
	const char *h;
	bool user, adm;

	*admin = false;
	if (!srv->token || http_route_public(srv->cfg.routes, url))
		return true;
	h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Bearer ", 7))
		return false;
	h += 7;
	while (*h == ' ')
		h++;
	/* Both compared every time: which one matched takes no longer. */
	user = http_token_equal(srv->token, h, strlen(h));
	adm = srv->admin_token &&
	      http_token_equal(srv->admin_token, h, strlen(h));
	*admin = adm;
	return user || adm;
}

/* Answer now, before (or instead of) reading the body. */
static enum MHD_Result answer_early(struct http_server *srv,
				    struct MHD_Connection *conn,
				    struct request_state *st, int status,
				    const char *fmt, const char *arg)
{
	struct http_response resp = { 0 };

	http_error(&resp, status, NULL, fmt, arg);
	/* The rest of the stream cannot be trusted to start a request. */
	resp.close = st->close;
	st->answered = true;
	return send_response(srv, conn, &resp);
}

static enum MHD_Result answer_too_large(struct http_server *srv,
					struct MHD_Connection *conn,
					struct request_state *st)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "body: over the limit of %zu bytes",
		 srv->cfg.max_body);
	return answer_early(srv, conn, st, MHD_HTTP_CONTENT_TOO_LARGE, "%s",
			    msg);
}

/* The request's framing headers, as sent (every occurrence). */
struct framing {
	unsigned int content_lengths, transfer_encodings;
	const char *content_length; /* the first */
	bool cl_conflict, cl_malformed;
	const char *transfer_encoding;
};

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind,
				      const char *key, const char *value)
{
	struct framing *f = cls;

	(void)kind;
	if (!value)
		value = "";
	if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		size_t n = strspn(value, "0123456789");

		/* Digits only (RFC 9110 8.6): no sign, no list, no blank.
		 * Too large a number is the body cap's to refuse (413). */
		if (!n || value[n])
			f->cl_malformed = true;
		if (f->content_lengths++ && strcmp(value, f->content_length))
			f->cl_conflict = true;
		if (!f->content_length)
			f->content_length = value;
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		f->transfer_encodings++;
		f->transfer_encoding = value;
	}
	return MHD_YES;
}

/*
 * A request whose body length is ambiguous is refused before its body is
 * read: behind a proxy that picks another reading of it, the rest would
 * be taken as a second request (request smuggling). NULL when it is
 * fine, else what is wrong.
 */
static const char *framing_problem(struct MHD_Connection *conn)
{
	struct framing f = { 0 };

	MHD_get_connection_values(conn, MHD_HEADER_KIND, framing_header, &f);
	if (f.transfer_encodings) {
		if (f.transfer_encodings > 1 ||
		    strcasecmp(f.transfer_encoding, "chunked"))
			return "Transfer-Encoding: only \"chunked\" is supported";
		if (f.content_lengths)
			return "Content-Length and Transfer-Encoding together";
	}
	if (f.cl_malformed)
		return "Content-Length: not a plain decimal number";
	if (f.cl_conflict)
		return "Content-Length: given twice with different values";
	return NULL;
}

static void fill_addresses(struct MHD_Connection *conn,
			   struct http_request *req)
{
	const union MHD_ConnectionInfo *ci;
	socklen_t len = sizeof(req->local);

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		size_t n = ci->client_addr->sa_family == AF_INET6 ?
				   sizeof(struct sockaddr_in6) :
				   sizeof(struct sockaddr_in);

		memcpy(&req->peer, ci->client_addr, n);
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci && getsockname(ci->connect_fd, (struct sockaddr *)&req->local,
			      &len))
		memset(&req->local, 0, sizeof(req->local));
}

static struct http_guard_conn *guard_conn(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *srv = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		*socket_context = ci ? http_guard_open(srv->guard, ci->connect_fd) :
				       NULL;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		http_guard_close(srv->guard, *socket_context);
		*socket_context = NULL;
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct request_state *st = *con_cls;
	struct http_response resp = { .status = 200 };
	struct http_request req = { 0 };

	(void)version;
	if (!st) {
		const char *cl, *problem;

		st = calloc(1, sizeof(*st));
		if (!st)
			return MHD_NO;
		st->started_ns = mono_ns();
		*con_cls = st;
		http_guard_head_done(srv->guard, guard_conn(conn));
		problem = framing_problem(conn);
		if (problem) {
			st->close = true;
			return answer_early(srv, conn, st, MHD_HTTP_BAD_REQUEST,
					    "%s", problem);
		}
		if (!authorized(srv, conn, url, &st->admin)) {
			COUNT(srv, unauthorized);
			return answer_early(srv, conn, st, MHD_HTTP_UNAUTHORIZED,
					    "%s", "missing or wrong bearer token");
		}
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl) {
			char *end;
			unsigned long long n;

			errno = 0;
			n = strtoull(cl, &end, 10);
			if (errno || end == cl || *end ||
			    n > srv->cfg.max_body) {
				COUNT(srv, too_large);
				return answer_too_large(srv, conn, st);
			}
		}
		return MHD_YES;
	}
	if (st->answered) {
		/* Discard whatever still arrives; the connection closes. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		char *b;

		*upload_data_size = 0;
		/* libmicrohttpd's timeout is for silence; a body trickled a
		 * byte at a time would hold the connection for ever. */
		if (srv->cfg.timeout_s &&
		    mono_ns() - st->started_ns >
			    (uint64_t)srv->cfg.timeout_s * NSEC_PER_SEC) {
			pr_debug("http: %s %s: body still coming after %u s, closing\n",
				 method, url, srv->cfg.timeout_s);
			return MHD_NO;
		}
		/* Only a body without a Content-Length (chunked) gets past
		 * the cap here: answer now rather than read the rest, which
		 * may never end. */
		if (st->len + n > srv->cfg.max_body) {
			COUNT(srv, too_large);
			return answer_too_large(srv, conn, st);
		}
		b = realloc(st->body, st->len + n + 1);
		if (!b)
			return MHD_NO;
		memcpy(b + st->len, upload_data, n);
		st->body = b;
		st->len += n;
		st->body[st->len] = '\0';
		return MHD_YES;
	}
	http_guard_body_done(srv->guard, guard_conn(conn));
	req.method = method;
	req.path = url;
	req.body = st->body ? st->body : "";
	req.body_len = st->len;
	req.admin = st->admin;
	fill_addresses(conn, &req);
	if (srv->cfg.client_logs)
		log_client_thread(1);
	http_route_dispatch(srv->cfg.routes, srv->cfg.arg, &req, &resp);
	st->answered = true;
	return send_response(srv, conn, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode code)
{
	struct http_server *srv = cls;
	struct request_state *st = *con_cls;

	(void)code;
	http_guard_request_done(srv->guard, guard_conn(conn));
	if (st) {
		free(st->body);
		free(st);
		*con_cls = NULL;
	}
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	pr_debug("http: %s\n", line);
}

struct http_server *http_server_start(const struct http_config *cfg)
{
	struct http_server *srv = calloc(1, sizeof(*srv));
	struct sockaddr_storage ss = { 0 };
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			     MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[16];
	int n = 0;

	if (!srv)
		return NULL;
	srv->cfg = *cfg;
	if (cfg->token) {
		srv->token = strdup(cfg->token);
		if (!srv->token)
			goto err_nomem;
	}
	if (cfg->admin_token) {
		srv->admin_token = strdup(cfg->admin_token);
		if (!srv->admin_token)
			goto err_nomem;
	}
	if (inet_pton(AF_INET, cfg->addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *in = (void *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(cfg->port);
	} else if (inet_pton(AF_INET6, cfg->addr,
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *in6 = (void *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(cfg->port);
		flags |= MHD_USE_IPv6;
	} else {
		pr_warn("--api: '%s' is not an IP address\n", cfg->addr);
		errno = EINVAL;
		goto err;
	}
	if (cfg->tls_cert_pem) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			pr_warn("--tls-cert: this libmicrohttpd has no TLS support\n");
			errno = ENOTSUP;
			goto err;
		}
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
						     (void *)cfg->tls_cert_pem };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
						     (void *)cfg->tls_key_pem };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						     (void *)HTTP_TLS_PRIORITIES };
	}
	/* The guard keeps to max_connections by closing slow clients;
	 * libmicrohttpd's own limit, above it, is only a backstop (it would
	 * refuse everyone once reached). */
	srv->guard = http_guard_create(cfg->max_connections, cfg->timeout_s,
				       cfg->timeout_s);
	if (!srv->guard)
		goto err;
	opts[n++] = (struct MHD_OptionItem){
		MHD_OPTION_CONNECTION_LIMIT,
		http_guard_hard_limit(cfg->max_connections), NULL
	};
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT,
					     cfg->max_connections_per_ip, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
					     cfg->timeout_s, NULL };
	/* Headers beyond this much memory get 431/413 from libmicrohttpd. */
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT,
					     32768, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, 2, NULL };
	/* No MHD_OPTION_LISTENING_ADDRESS_REUSE: 1 is SO_REUSEPORT (a
	 * second server on the same port would start and take a share of
	 * the connections instead of failing), and 0 also drops the
	 * SO_REUSEADDR libmicrohttpd sets by default (a restart could not
	 * bind while old connections are in TIME-WAIT). */
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	srv->mhd = MHD_start_daemon(flags, cfg->port, NULL, NULL, on_request, srv,
				    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				    MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
				    MHD_OPTION_EXTERNAL_LOGGER, on_log, srv,
				    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!srv->mhd) {
		int err = errno ? errno : EADDRINUSE;

		pr_warn("--api: cannot serve on %s port %u: %s\n", cfg->addr,
			cfg->port, strerror(err));
		errno = err;
		goto err;
	}
	return srv;
err_nomem:
	errno = ENOMEM;
err:
	http_guard_destroy(srv->guard);
	free(srv->token);
	free(srv->admin_token);
	free(srv);
	return NULL;
}

bool http_tls_pair_usable(const char *cert_pem, const char *key_pem)
{
	/* No socket and no thread: only the certificate and key are set up,
	 * and refused as a running server would refuse them. */
	struct MHD_Daemon *mhd = MHD_start_daemon(
		MHD_USE_TLS | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL,
		on_request, NULL, MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
		MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_HTTPS_PRIORITIES,
		HTTP_TLS_PRIORITIES, MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
		MHD_OPTION_END);

	if (!mhd)
		return false;
	MHD_stop_daemon(mhd);
	return true;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->mhd);
	http_guard_destroy(srv->guard);
	free(srv->token);
	free(srv->admin_token);
	free(srv);
}

void http_server_counters(const struct http_server *srv,
			  struct http_counters *out)
{
	out->requests = __atomic_load_n(&srv->requests, __ATOMIC_RELAXED);
	out->status_2xx = __atomic_load_n(&srv->s2xx, __ATOMIC_RELAXED);
	out->status_4xx = __atomic_load_n(&srv->s4xx, __ATOMIC_RELAXED);
	out->status_5xx = __atomic_load_n(&srv->s5xx, __ATOMIC_RELAXED);
	out->unauthorized = __atomic_load_n(&srv->unauthorized, __ATOMIC_RELAXED);
	out->body_too_large = __atomic_load_n(&srv->too_large, __ATOMIC_RELAXED);
	{
		struct http_guard_counters gc;

		http_guard_counters(srv->guard, &gc);
		out->head_timeouts = gc.head_timeouts;
		out->body_timeouts = gc.body_timeouts;
		out->evicted = gc.evicted;
	}
}
