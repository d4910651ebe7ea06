// SPDX-License-Identifier: MIT
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/resolve.h"
#include "lib/units.h"

#define HOSTNAME_MAX 253

/* Letters, digits, '-', '.', '_': what a DNS or /etc/hosts name holds. */
static bool hostname_valid(const char *host, size_t n)
{
	if (!n || n > HOSTNAME_MAX || host[0] == '-' || host[0] == '.')
		return false;
	/* All digits and dots is an IPv4 address parse_endpoint refused
	 * (1.2.3.999), not a name to look up. */
	if (strspn(host, "0123456789.") == n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = host[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == '_'))
			return false;
	}
	return true;
}

/* Split "host:port" / "[host]:port" / "host": the host (copied) and the
 * port text (NULL when none). */
static int split(const char *text, char *host, size_t host_len,
		 const char **port_text)
{
	size_t n;

	*port_text = NULL;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || (close[1] && close[1] != ':'))
			return -EINVAL;
		n = (size_t)(close - text - 1);
		if (close[1] == ':')
			*port_text = close + 2;
		text++;
	} else {
		const char *colon = strrchr(text, ':');

		n = colon ? (size_t)(colon - text) : strlen(text);
		if (colon)
			*port_text = colon + 1;
	}
	if (n >= host_len)
		return -EINVAL;
	memcpy(host, text, n);
	host[n] = '\0';
	return 0;
}

int endpoint_resolve(const char *text, bool port_optional, struct ip_addr *ip,
		     uint16_t *port, bool *has_port, struct lr_err *err)
{
	struct addrinfo hints, *list = NULL, *pick = NULL;
	char host[HOSTNAME_MAX + 1];
	const char *port_text;
	uint64_t p = 0;
	int rc;

	if (!text || !*text) {
		return lr_err_set(err, -EINVAL, NULL, "an address is required");
	}
	if (!parse_endpoint(text, port_optional, ip, port, has_port))
		return 0;
	if (split(text, host, sizeof(host), &port_text) ||
	    !hostname_valid(host, strlen(host)) ||
	    (port_text && (parse_u64(port_text, 1, 65535, &p) ||
			   strpbrk(port_text, "kMG"))) ||
	    (!port_text && !port_optional)) {
		return lr_err_set_verbatim(
			err, -EINVAL, NULL,
			"'%.300s' is not %s (IPv6 in brackets: [::1]:7000)",
			text,
			port_optional ? "HOST or HOST:PORT" :
					"HOST:PORT, port 1..65535");
	}
	/* Only names from here: an address literal parse_endpoint refused
	 * (a bad IPv4 like 1.2.3.999) must not reach the resolver. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(host, NULL, &hints, &list);
	if (rc) {
		return lr_err_set(
			err, -ENOENT, NULL, "cannot resolve '%.253s': %s", host,
			rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	}
	for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
		if (ai->ai_family == AF_INET6 && !pick)
			pick = ai;
	}
	if (!pick) {
		freeaddrinfo(list);
		return lr_err_set(err, -ENOENT, NULL,
				  "'%.253s' has no IPv4 or IPv6 address", host);
	}
	memset(ip, 0, sizeof(*ip));
	ip->family = pick->ai_family;
	if (pick->ai_family == AF_INET)
		ip->v4 = ((const struct sockaddr_in *)pick->ai_addr)->sin_addr;
	else
		ip->v6 = ((const struct sockaddr_in6 *)pick->ai_addr)->sin6_addr;
	freeaddrinfo(list);
	if (port)
		*port = (uint16_t)p;
	if (has_port)
		*has_port = port_text != NULL;
	return 0;
}
