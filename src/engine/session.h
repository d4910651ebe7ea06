/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SESSION_H
#define LINERATE_SESSION_H

#include <stdatomic.h>

#include "spec.h"

/* Run one test from a validated spec on this host, reporting on stdout
 * as the spec says. stop ends it early (signals set it). Returns 0, or
 * -errno when the test could not run. */
int session_run(const struct test_spec *spec, atomic_bool *stop);

#endif
