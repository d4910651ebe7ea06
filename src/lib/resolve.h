/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_RESOLVE_H
#define LINERATE_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/frame.h"

/*
 * An address the command line takes, as parse_endpoint() reads it, or with
 * a host name where the address goes: "localhost:7000", "host",
 * "[name]:7000". A name is looked up with getaddrinfo (/etc/hosts, DNS);
 * IPv4 is taken when the name has both. On error returns -errno with one
 * phrase in err (field none) ("cannot resolve 'x': ..."), for the caller's
 * "linerate CMD: --flag: " line.
 */
int endpoint_resolve(const char *text, bool port_optional, struct ip_addr *ip,
		     uint16_t *port, bool *has_port, struct lr_err *err);

#endif
