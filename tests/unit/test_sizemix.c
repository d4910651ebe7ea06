// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "lib/sizemix.h"

static void test_imix(void **state)
{
	struct size_mix m;
	char buf[64];

	(void)state;
	assert_int_equal(sizemix_parse("imix", 64, 9018, &m), 0);
	assert_int_equal(m.count, 3);
	assert_int_equal(m.period, 12);
	assert_int_equal(m.sizes[0], 64);
	assert_int_equal(m.weights[0], 7);
	assert_int_equal(m.sizes[1], 594);
	assert_int_equal(m.weights[1], 4);
	assert_int_equal(m.sizes[2], 1518);
	assert_int_equal(m.weights[2], 1);
	/* (7*64 + 4*594 + 1518) / 12 = 4342 / 12 */
	assert_true(sizemix_mean(&m) == 4342.0 / 12);
	assert_int_equal(sizemix_min(&m), 64);
	assert_int_equal(sizemix_max(&m), 1518);
	assert_string_equal(sizemix_format(&m, buf, sizeof(buf)),
			    "64:7,594:4,1518:1");
	assert_string_equal(m.text, "imix");
}

static void test_list_and_sweep(void **state)
{
	struct size_mix m;

	(void)state;
	assert_int_equal(sizemix_parse("128:1,256:3", 64, 9018, &m), 0);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.period, 4);
	assert_int_equal(sizemix_parse("64..1518/100", 64, 9018, &m), 0);
	/* 64, 164, ..., 1464: 15 sizes; 1518 is not on the step. */
	assert_int_equal(m.count, 15);
	assert_int_equal(m.sizes[14], 1464);
	assert_int_equal(m.period, 15);
	assert_int_equal(sizemix_parse("64..1518/1454", 64, 9018, &m), 0);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.sizes[1], 1518);

	m.count = 99;
	assert_int_equal(sizemix_parse("63:1", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("9019:1", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("64:0", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("64:1,64:2", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("64:4097", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("64:4000,128:97", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("64:1,", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("64", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("64..1518/1", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("1518..64/10", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("64..128/0", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("64..128", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("IMIX", 64, 9018, &m), -EINVAL);
	assert_int_equal(sizemix_parse("", 64, 9018, &m), -EINVAL);
	assert_int_equal(m.count, 99); /* untouched on error */
}

/* Every period holds each size exactly its weight times, wherever it is
 * cut, and the sizes are spread rather than sent in runs. */
static void check_schedule(const char *text, uint32_t max_run)
{
	struct size_mix m;
	uint8_t order[SIZEMIX_MAX_PERIOD];
	uint32_t seen[SIZEMIX_MAX_SIZES];

	assert_int_equal(sizemix_parse(text, 64, 9018, &m), 0);
	sizemix_schedule(&m, order);
	/* Any window of one period, across the wrap too. */
	for (uint32_t start = 0; start < m.period; start++) {
		memset(seen, 0, sizeof(seen));
		for (uint32_t k = 0; k < m.period; k++) {
			uint8_t i = order[(start + k) % m.period];

			assert_true(i < m.count);
			seen[i]++;
		}
		for (uint32_t i = 0; i < m.count; i++)
			assert_int_equal(seen[i], m.weights[i]);
	}
	for (uint32_t k = 0, run = 1; k + 1 < m.period; k++) {
		run = order[k + 1] == order[k] ? run + 1 : 1;
		assert_true(run <= max_run);
	}
}

static void test_schedule_exact(void **state)
{
	struct size_mix m;
	uint8_t order[12];
	static const uint8_t want[12] = { 0, 1, 0, 0, 1, 0, 2, 0, 1, 0, 1, 0 };

	(void)state;
	/* IMIX, by hand: smooth weighted round robin on 7:4:1 (each step
	 * every size gains its weight, the largest, first on a tie, goes and
	 * loses 12). */
	assert_int_equal(sizemix_parse("imix", 64, 9018, &m), 0);
	sizemix_schedule(&m, order);
	assert_memory_equal(order, want, sizeof(want));
	check_schedule("imix", 2);
	check_schedule("64:1,128:1,256:1", 1);
	check_schedule("64:100,1518:1", 100);
	check_schedule("64..1518/100", 1);
	check_schedule("64:1000,100:999,200:997,300:1100", 2);
}

static void test_rate(void **state)
{
	struct size_mix m;
	struct rate r;

	(void)state;
	assert_int_equal(sizemix_parse("imix", 64, 9018, &m), 0);
	r.kind = RATE_PPS;
	r.value = 1000;
	assert_true(sizemix_rate_pps(&r, &m, 0) == 1000);
	/* L1: 1 Gbit/s over (4342/12 + 20) bytes = 373.83 bytes a frame. */
	r.kind = RATE_BPS_L1;
	r.value = 1e9;
	assert_float_equal(sizemix_rate_pps(&r, &m, 0),
			   1e9 / (8 * (4342.0 / 12 + 20)), 1e-3);
	r.kind = RATE_BPS_L2;
	assert_float_equal(sizemix_rate_pps(&r, &m, 0),
			   1e9 / (8 * (4342.0 / 12)), 1e-3);
	r.kind = RATE_PERCENT;
	r.value = 50;
	assert_float_equal(sizemix_rate_pps(&r, &m, 10000000000ULL),
			   5e9 / (8 * (4342.0 / 12 + 20)), 1e-3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_imix),
		cmocka_unit_test(test_list_and_sweep),
		cmocka_unit_test(test_schedule_exact),
		cmocka_unit_test(test_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
