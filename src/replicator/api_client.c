// SPDX-License-Identifier: MIT
/* Requests to the replicator's API (api_client.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>

#include "replicator/api_client.h"

int repl_api_subscribers(struct api_client *api,
			 enum repl_subscribers_action action,
			 const struct ip_addr *ip, uint16_t port, long *status,
			 json_t **reply, struct lr_err *err)
{
	char text[INET6_ADDRSTRLEN], path[128];
	json_t *body;
	int rc;

	if (action == REPL_SUBS_LIST)
		return api_client_request(api, "GET", REPL_API_SUBSCRIBERS,
					  NULL, status, reply, err);
	ip_addr_format(ip, text, sizeof(text));
	if (action == REPL_SUBS_REMOVE) {
		/* [v6]:PORT, as the server's route takes it */
		snprintf(path, sizeof(path),
			 ip->family == AF_INET6 ? REPL_API_SUBSCRIBERS
				 "/[%s]:%u" :
						  REPL_API_SUBSCRIBERS "/%s:%u",
			 text, port);
		return api_client_request(api, "DELETE", path, NULL, status,
					  reply, err);
	}
	body = json_pack("{ss si}", "address", text, "port", port);
	if (!body)
		return lr_err_set(err, -ENOMEM, NULL, "out of memory");
	rc = api_client_request(api, "POST", REPL_API_SUBSCRIBERS, body, status,
				reply, err);
	json_decref(body);
	return rc;
}
