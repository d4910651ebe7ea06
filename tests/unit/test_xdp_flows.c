// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "backend/xdp_flows.h"

#define NCPUS 4

/* CPU cpu's copy of a flow: owned by 10.0.0.<host>:port, received
 * packets numbered 0..highest. */
static void cpu_flow(struct xdp_flow_state *cpus, int cpu, uint8_t host,
		     uint16_t port, uint64_t received, uint64_t highest)
{
	struct xdp_flow_state *c = &cpus[cpu];
	uint8_t addr[4] = {10, 0, 0, host};

	memset(c, 0, sizeof(*c));
	c->started = 1;
	memcpy(&c->owner_addr[0], addr, sizeof(addr));
	c->owner_port = port;
	c->received = received;
	c->highest = highest;
}

struct merged {
	int owner;
	struct seqtrack st;
	uint64_t untracked;
};

static void merge(const struct xdp_flow_state *cpus, struct merged *m)
{
	double jitter = 0;
	uint64_t weight = 0;

	m->untracked = 0;
	m->owner = flow_merge(cpus, NCPUS, &m->st, &jitter, &weight,
			      &m->untracked);
}

/* One sender's flow on two CPUs: one flow, nothing untracked. */
static void test_one_owner(void **state)
{
	struct xdp_flow_state cpus[NCPUS] = {0};
	struct merged m;

	(void)state;
	cpu_flow(cpus, 1, 1, 40000, 300, 599);
	cpu_flow(cpus, 3, 1, 40000, 300, 598);
	merge(cpus, &m);
	assert_int_equal(m.owner, 1);
	assert_int_equal(m.st.received, 600);
	assert_int_equal(seqtrack_expected(&m.st), 600);
	assert_int_equal(m.untracked, 0);
}

/* Two senders of the flow id on different CPUs: the one with more
 * packets owns it, the other's count as untracked and stay out of its
 * sequence (highest). */
static void test_two_owners(void **state)
{
	struct xdp_flow_state cpus[NCPUS] = {0};
	struct merged m;

	(void)state;
	cpu_flow(cpus, 0, 1, 40000, 400, 9999);
	cpu_flow(cpus, 2, 2, 40000, 600, 599);
	merge(cpus, &m);
	assert_int_equal(m.owner, 2);
	assert_int_equal(m.st.received, 600);
	assert_int_equal(seqtrack_expected(&m.st), 600);
	assert_int_equal(seqtrack_lost(&m.st), 0);
	assert_int_equal(m.untracked, 400);
	/* The same address from another port is another sender. */
	cpu_flow(cpus, 0, 2, 40001, 700, 699);
	merge(cpus, &m);
	assert_int_equal(m.owner, 0);
	assert_int_equal(m.st.received, 700);
	assert_int_equal(m.untracked, 600);
}

/* Packets over all CPUs decide, not one CPU's: 300 + 300 beat 400. */
static void test_owner_by_total(void **state)
{
	struct xdp_flow_state cpus[NCPUS] = {0};
	struct merged m;

	(void)state;
	cpu_flow(cpus, 0, 2, 40000, 400, 399);
	cpu_flow(cpus, 1, 1, 40000, 300, 599);
	cpu_flow(cpus, 3, 1, 40000, 300, 597);
	merge(cpus, &m);
	assert_int_equal(m.owner, 1);
	assert_int_equal(m.st.received, 600);
	assert_int_equal(m.untracked, 400);
	assert_int_equal(m.st.received + m.untracked, 1000);
}

/* Equal counts: the owner on the lowest CPU. */
static void test_tie(void **state)
{
	struct xdp_flow_state cpus[NCPUS] = {0};
	struct merged m;

	(void)state;
	cpu_flow(cpus, 1, 1, 40000, 500, 499);
	cpu_flow(cpus, 2, 2, 40000, 500, 499);
	merge(cpus, &m);
	assert_int_equal(m.owner, 1);
	assert_int_equal(m.untracked, 500);
	assert_int_equal(flow_owner_cpu(cpus, NCPUS), 1);
}

static void test_unseen(void **state)
{
	struct xdp_flow_state cpus[NCPUS] = {0};
	struct merged m;

	(void)state;
	merge(cpus, &m);
	assert_int_equal(m.owner, -1);
	assert_int_equal(m.st.started, 0);
	assert_int_equal(m.untracked, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_owner),
		cmocka_unit_test(test_two_owners),
		cmocka_unit_test(test_owner_by_total),
		cmocka_unit_test(test_tie),
		cmocka_unit_test(test_unseen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
