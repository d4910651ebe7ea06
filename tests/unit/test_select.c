// SPDX-License-Identifier: MIT
/*
 * The one rule of --backend auto (backend_auto_refusal) and the run's use
 * of it (backend_select_open), with the backends and the path lookups
 * stubbed: which backend opens for each role on lo, a veth and another
 * NIC, and what the note says about the refused ones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/ethtool.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "backend/netpath.h"
#include "engine/select.h"

/* ---- stubs: four backends that open unless told not to */

static const char *opened; /* name of the last backend opened */
static unsigned int path_flags; /* IFF_* of the stub path's interface */
static const char *path_driver = "e1000";
static bool dst_is_local;

static int stub_open(const char *name)
{
	opened = name;
	return 0;
}

static int open_xdp(const struct backend_config *c, struct backend **b,
		    struct lr_err *err)
{
	(void)c;
	(void)err;
	*b = NULL;
	return stub_open("xdp");
}

static int open_afxdp(const struct backend_config *c, struct backend **b,
		      struct lr_err *err)
{
	(void)c;
	(void)err;
	*b = NULL;
	return stub_open("afxdp");
}

static int open_afpacket(const struct backend_config *c, struct backend **b,
			 struct lr_err *err)
{
	(void)c;
	(void)err;
	*b = NULL;
	return stub_open("afpacket");
}

static int open_udp(const struct backend_config *c, struct backend **b,
		    struct lr_err *err)
{
	(void)c;
	(void)err;
	*b = NULL;
	return stub_open("udp");
}

static const struct backend_ops ops[] = {
	{ .name = "xdp", .flags = BACKEND_F_RAW | BACKEND_F_KERNEL,
	  .open = open_xdp },
	{ .name = "afxdp", .flags = BACKEND_F_RAW, .open = open_afxdp },
	{ .name = "afpacket", .flags = BACKEND_F_RAW, .open = open_afpacket },
	{ .name = "udp", .flags = 0, .open = open_udp },
};

const struct backend_ops *backend_find(const char *name)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, name))
			return &ops[i];
	return NULL;
}

static void stub_path(struct net_path *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->ifname, sizeof(out->ifname), "%s",
		 path_flags & IFF_LOOPBACK ? "lo" : "if0");
	out->ifindex = 2;
	out->flags = path_flags;
}

int netpath_to(const struct ip_addr *dst, const struct ip_addr *src,
	       const char *ifname, struct net_path *out, struct lr_err *err)
{
	(void)dst;
	(void)src;
	(void)ifname;
	if (dst_is_local)
		return lr_err_set(err, -EINVAL, NULL, "a local address");
	stub_path(out);
	return 0;
}

int netpath_local(const struct ip_addr *addr, const char *ifname,
		  struct net_path *out, struct lr_err *err)
{
	(void)addr;
	(void)ifname;
	(void)err;
	stub_path(out);
	return 0;
}

int netpath_driver(const char *ifname, struct ethtool_drvinfo *out)
{
	(void)ifname;
	memset(out, 0, sizeof(*out));
	snprintf(out->driver, sizeof(out->driver), "%s", path_driver);
	return 0;
}

/* ---- helpers */

static const char *run_auto(enum role role, char *note, size_t len)
{
	const struct backend_ops *chosen = NULL;
	struct backend_request req;
	struct backend_config cfg;
	struct backend *b = NULL;
	struct lr_err err = {0};
	struct test_spec sp;

	spec_init(&sp, role);
	if (role == ROLE_SEND || role == ROLE_PING) {
		assert_int_equal(ip_addr_parse("192.0.2.1", &sp.dst), 0);
		sp.dst_port = 7000;
	} else {
		assert_int_equal(ip_addr_parse("192.0.2.5", &sp.listen), 0);
		sp.listen_port = 7000;
	}
	opened = NULL;
	backend_request_from_spec(&sp, &req);
	assert_int_equal(
		backend_select_open(&req, &chosen, &b, &cfg, note, len, &err),
		0);
	assert_int_equal(err.code, 0);
	assert_non_null(chosen);
	assert_string_equal(chosen->name, opened);
	return chosen->name;
}

static void on_path(unsigned int flags, const char *driver, bool local)
{
	path_flags = flags;
	path_driver = driver;
	dst_is_local = local;
}

/* ---- tests */

static void test_rule(void **state)
{
	struct backend_path_facts lo = { .loopback = true };
	struct backend_path_facts veth = { .veth = true };
	struct backend_path_facts nic = { 0 };

	(void)state;
	/* udp is never refused: it counts what the socket gets. */
	for (enum role r = ROLE_SEND; r <= ROLE_PING; r++) {
		assert_null(backend_auto_refusal("udp", r, &lo));
		assert_null(backend_auto_refusal("udp", r, &veth));
	}
	/* Receivers on lo: every raw backend would miscount GSO batches. */
	for (size_t i = 0; i < 3; i++) {
		const char *name = backend_auto_order[i];

		assert_non_null(strstr(backend_auto_refusal(name, ROLE_RECV,
							    &lo),
				       "false loss"));
		assert_non_null(backend_auto_refusal(name, ROLE_REFLECT, &lo));
		assert_null(backend_auto_refusal(name, ROLE_RECV, &nic));
		assert_null(backend_auto_refusal(name, ROLE_RECV, &veth));
	}
	/* XDP_TX on a veth: not for send and reflect; the analyzer is fine. */
	assert_non_null(strstr(backend_auto_refusal("xdp", ROLE_SEND, &veth),
			       "XDP_TX"));
	assert_non_null(backend_auto_refusal("xdp", ROLE_REFLECT, &veth));
	assert_null(backend_auto_refusal("afxdp", ROLE_SEND, &veth));
	assert_null(backend_auto_refusal("xdp", ROLE_SEND, &nic));
	/* A round trip needs user space. */
	assert_non_null(backend_auto_refusal("xdp", ROLE_PING, &nic));
	assert_null(backend_auto_refusal("afpacket", ROLE_PING, &nic));
	assert_string_equal(backend_auto_order[0], "xdp");
	assert_string_equal(backend_auto_order[BACKEND_AUTO_COUNT - 1], "udp");
}

static void test_select_follows_the_rule(void **state)
{
	char note[512];

	(void)state;
	/* The false loss: recv on 127.0.0.1 took the generic-mode
	 * analyzer; now udp, and the note names all three refusals once. */
	on_path(IFF_LOOPBACK | IFF_UP, "", false);
	assert_string_equal(run_auto(ROLE_RECV, note, sizeof(note)), "udp");
	assert_non_null(strstr(note, "xdp, afxdp, afpacket refused: on a "
				     "loopback interface"));
	assert_null(strstr(note, "; "));
	assert_string_equal(run_auto(ROLE_REFLECT, note, sizeof(note)), "udp");

	/* A veth: the analyzer for recv, afxdp to send, as probe says. */
	on_path(IFF_UP, "veth", false);
	assert_string_equal(run_auto(ROLE_RECV, note, sizeof(note)), "xdp");
	assert_string_equal(note, "");
	assert_string_equal(run_auto(ROLE_SEND, note, sizeof(note)), "afxdp");
	assert_non_null(strstr(note, "xdp refused: a veth drops XDP_TX"));
	assert_string_equal(run_auto(ROLE_PING, note, sizeof(note)), "afxdp");
	assert_non_null(strstr(note, "xdp refused: ping needs"));

	/* Another NIC: the fastest, refused nothing. */
	on_path(IFF_UP, "e1000", false);
	assert_string_equal(run_auto(ROLE_SEND, note, sizeof(note)), "xdp");
	assert_string_equal(note, "");

	/* To a local address: no raw backend can send there. */
	on_path(IFF_UP, "e1000", true);
	assert_string_equal(run_auto(ROLE_SEND, note, sizeof(note)), "udp");
	assert_string_equal(note, "xdp, afxdp, afpacket refused: a local "
				  "address");
}

/* The replicator's request: its own order, no spec; a backend named
 * outright that cannot open says why in err, with its code. */
static void test_request_without_spec(void **state)
{
	static const char *const order[] = {"afxdp", "afpacket", "udp"};
	const struct backend_ops *chosen = NULL;
	struct backend_request req = {0};
	struct backend_config cfg;
	struct backend *b = NULL;
	struct lr_err err = {0};
	char note[256];

	(void)state;
	on_path(IFF_UP, "e1000", false);
	req.cfg.role = ROLE_RECV;
	snprintf(req.cfg.opts.name, sizeof(req.cfg.opts.name), "auto");
	snprintf(req.cfg.opts.ifname, sizeof(req.cfg.opts.ifname), "eth7");
	assert_int_equal(ip_addr_parse("192.0.2.5", &req.cfg.local), 0);
	req.cfg.local_port = 7000;
	req.cfg.flows = 1;
	req.auto_order = order;
	req.auto_count = 3;
	assert_int_equal(backend_select_open(&req, &chosen, &b, &cfg, note,
					     sizeof(note), &err),
			 0);
	assert_string_equal(chosen->name, "afxdp");
	/* The resolved interface and the listen port as the frame's. */
	assert_string_equal(cfg.opts.ifname, "if0");
	assert_int_equal(cfg.frame.dst_port, 7000);
	assert_int_equal(cfg.test_port_min, 7000);

	/* xdp named outright for ping: refused with the flag's words. */
	memset(&req, 0, sizeof(req));
	req.cfg.role = ROLE_PING;
	snprintf(req.cfg.opts.name, sizeof(req.cfg.opts.name), "xdp");
	assert_int_equal(backend_select_open(&req, &chosen, &b, &cfg, note,
					     sizeof(note), &err),
			 -EOPNOTSUPP);
	assert_int_equal(err.code, -EOPNOTSUPP);
	assert_string_equal(err.field, "backend");
	assert_non_null(strstr(err.message, "--backend xdp: ping needs"));
}

static void test_note_append(void **state)
{
	char note[64] = "";

	(void)state;
	backend_note_append(note, sizeof(note), "xdp", "why one");
	backend_note_append(note, sizeof(note), "afxdp", "why one");
	backend_note_append(note, sizeof(note), "afpacket", "why two");
	assert_string_equal(note, "xdp, afxdp refused: why one; afpacket "
				  "refused: why two");
	/* Never past the buffer. */
	backend_note_append(note, sizeof(note), "udp", "a reason that does "
						       "not fit any more");
	assert_true(strlen(note) < sizeof(note));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_select_follows_the_rule),
		cmocka_unit_test(test_request_without_spec),
		cmocka_unit_test(test_note_append),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
