// SPDX-License-Identifier: MIT
/*
 * linerate mesh, the pure part: its defaults, the hosts file and the plan
 * of pairs (unit-tested in tests/unit/test_mesh_plan.c). The runs are in
 * mesh.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/textio.h"
#include "mesh/mesh.h"

const char *const mesh_mode_names[] = { "forward", "reverse", "rtt" };
const char *const mesh_topology_names[] = { "full", "to-one", "from-one" };

void mesh_config_init(struct mesh_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->frame_size = 64;
	cfg->rate.kind = RATE_PPS;
	cfg->rate.value = 10000;
	cfg->count = 10000;
	cfg->flows = 1;
	snprintf(cfg->backend, sizeof(cfg->backend), "udp");
	cfg->timeout_ms = 10000;
}

/* ---- the hosts file */

/* 1..size-1 characters, each a letter, a digit or one of punct. */
static bool field_ok(const char *s, size_t size, const char *punct)
{
	size_t n = strlen(s);

	if (n == 0 || n >= size)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(punct, *s))
			return false;
	return true;
}

static bool name_ok(const char *s)
{
	return field_ok(s, sizeof(((struct mesh_host *)0)->name), "._-");
}

static bool api_ok(const char *s)
{
	return field_ok(s, sizeof(((struct mesh_host *)0)->api), ".:[]-_");
}

int mesh_hosts_read(FILE *f, const char *path, struct mesh_host *hosts, int max,
		    int *nhosts, struct lr_err *err)
{
	char line[1024];
	int n = 0, lineno = 0;

	while (fgets(line, sizeof(line), f)) {
		char *tok[4], *save = NULL, *p;
		struct ip_addr ip;
		bool has_port;
		uint16_t port;
		int ntok = 0;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			return lr_err_set_verbatim(
				err, -EINVAL, NULL,
				"%s:%d: line longer than %zu bytes", path,
				lineno, sizeof(line) - 2);
		}
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		for (p = strtok_r(line, " \t\r\n", &save); p;
		     p = strtok_r(NULL, " \t\r\n", &save)) {
			if (ntok == 3) {
				return lr_err_set_verbatim(
					err, -EINVAL, NULL,
					"%s:%d: more than NAME "
					"HOST[:PORT] [TOKEN_FILE]",
					path, lineno);
			}
			tok[ntok++] = p;
		}
		if (ntok == 0)
			continue;
		if (ntok < 2) {
			return lr_err_set_verbatim(
				err, -EINVAL, NULL,
				"%s:%d: want NAME HOST[:PORT] "
				"[TOKEN_FILE]",
				path, lineno);
		}
		if (!name_ok(tok[0])) {
			return lr_err_set_verbatim(
				err, -EINVAL, NULL,
				"%s:%d: name '%.40s' is not 1..31 of "
				"A-Z a-z 0-9 . _ -",
				path, lineno, tok[0]);
		}
		if (!api_ok(tok[1]) ||
		    parse_endpoint(tok[1], true, &ip, &port, &has_port)) {
			return lr_err_set_verbatim(
				err, -EINVAL, NULL,
				"%s:%d: '%.60s' is not IP[:PORT] "
				"(an address: it is also where the "
				"traffic goes)",
				path, lineno, tok[1]);
		}
		if (ntok == 3 && strlen(tok[2]) >= sizeof(hosts[0].token_file)) {
			return lr_err_set_verbatim(
				err, -EINVAL, NULL,
				"%s:%d: token file path too long", path,
				lineno);
		}
		for (int i = 0; i < n; i++)
			if (!strcmp(hosts[i].name, tok[0])) {
				return lr_err_set_verbatim(
					err, -EINVAL, NULL,
					"%s:%d: name '%s' used twice", path,
					lineno, tok[0]);
			}
		if (n == max) {
			return lr_err_set_verbatim(err, -EINVAL, NULL,
						   "%s:%d: more than %d hosts",
						   path, lineno, max);
		}
		memset(&hosts[n], 0, sizeof(hosts[n]));
		snprintf(hosts[n].name, sizeof(hosts[n].name), "%s", tok[0]);
		snprintf(hosts[n].api, sizeof(hosts[n].api), "%s", tok[1]);
		if (ntok == 3)
			snprintf(hosts[n].token_file, sizeof(hosts[n].token_file),
				 "%s", tok[2]);
		n++;
	}
	if (ferror(f)) {
		return lr_err_set_verbatim(err, -EIO, NULL, "%s: read error",
					   path);
	}
	if (n < 2) {
		return lr_err_set_verbatim(
			err, -EINVAL, NULL,
			"%s: a mesh needs at least 2 hosts, found %d", path, n);
	}
	*nhosts = n;
	return 0;
}

/* ---- the plan */

void mesh_plan(const struct mesh_config *cfg, struct mesh_result *res)
{
	res->nhosts = cfg->nhosts;
	for (int c = 0; c < cfg->nhosts; c++) {
		for (int s = 0; s < cfg->nhosts; s++) {
			bool pair;
			int sender = c, receiver = s;

			/* c is the pair's client, s its server. */
			if (c == s)
				continue;
			switch (cfg->topology) {
			case MESH_TO_ONE:
				pair = s == cfg->hub;
				break;
			case MESH_FROM_ONE:
				pair = c == cfg->hub;
				break;
			default:
				pair = true;
			}
			if (!pair)
				continue;
			if (cfg->mode == MESH_REVERSE) {
				sender = s;
				receiver = c;
			}
			res->cell[sender][receiver].planned = true;
		}
	}
}

int mesh_hosts_load(struct mesh_config *cfg, const char *path,
		    struct lr_err *err)
{
	FILE *f;
	int rc;

	rc = textio_open(&f, path, "r", err);
	if (rc)
		return rc;
	rc = mesh_hosts_read(f, path, cfg->hosts, MESH_MAX_HOSTS, &cfg->nhosts,
			     err);
	fclose(f);
	return rc;
}

int mesh_host_find(const struct mesh_config *cfg, const char *name)
{
	for (int h = 0; h < cfg->nhosts; h++)
		if (!strcmp(cfg->hosts[h].name, name))
			return h;
	return -ENOENT;
}
