/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_REPL_API_CLIENT_H
#define LINERATE_REPL_API_CLIENT_H

/*
 * The client side of the replicator's API (api.c serves it): the
 * requests `linerate subscribers` makes, over api/client.c.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api/client.h"
#include "lib/frame.h"
#include "replicator/api.h"

enum repl_subscribers_action {
	REPL_SUBS_ADD,
	REPL_SUBS_REMOVE,
	REPL_SUBS_LIST,
};

/*
 * Add, remove (ip:port) or list the subscribers. 0 with the HTTP status
 * and the reply (to json_decref), or -errno with the reason in err when no
 * reply came.
 */
int repl_api_subscribers(struct api_client *api,
			 enum repl_subscribers_action action,
			 const struct ip_addr *ip, uint16_t port, long *status,
			 json_t **reply, struct lr_err *err);

#endif
