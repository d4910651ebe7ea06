// SPDX-License-Identifier: MIT
/*
 * The marking parsers (marking.h) and the size-mix parser and interleave
 * (sizemix.h) on arbitrary text.
 *
 * Input: TEXT, copied into a buffer of exactly its length + 1 so ASan sees
 * a read past the NUL. Each parser must return 0 or -EINVAL, leave its
 * output alone on error, and on success give a value in its range; a mix
 * that parses must have an interleave exact over its period.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/frame.h"
#include "fuzz.h"
#include "lib/marking.h"
#include "lib/sizemix.h"

/* QinQ pairs: both tags in range, and read back from their text. */
static void check_vlans(const char *text)
{
	struct marking_vlans v, before, back;
	char buf[40];
	int ret;

	memset(&v, 0xa5, sizeof(v));
	before = v;
	ret = marking_parse_vlans(text, &v);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (ret) {
		FUZZ_CHECK(!memcmp(&v, &before, sizeof(v)));
		return;
	}
	FUZZ_CHECK(v.id >= 1 && v.id <= MARKING_VLAN_ID_MAX &&
		   v.pcp <= MARKING_PCP_MAX);
	FUZZ_CHECK(v.inner_id <= MARKING_VLAN_ID_MAX &&
		   v.inner_pcp <= MARKING_PCP_MAX);
	FUZZ_CHECK(v.inner_id || !v.inner_pcp);
	marking_vlans_format(&v, buf, sizeof(buf));
	FUZZ_CHECK(!marking_parse_vlans(buf, &back));
	FUZZ_CHECK(back.id == v.id && back.pcp == v.pcp &&
		   back.inner_id == v.inner_id && back.inner_pcp == v.inner_pcp);
}

static void check_marking(const char *text)
{
	uint8_t v = 0xa5, pcp = 0xa5;
	uint16_t id = 0xa5a5;
	char name[8];
	int ret;

	ret = marking_parse_dscp(text, &v);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	FUZZ_CHECK(ret ? v == 0xa5 : v <= MARKING_DSCP_MAX);
	if (!ret) {
		uint8_t back;

		marking_dscp_name(v, name, sizeof(name));
		FUZZ_CHECK(!marking_parse_dscp(name, &back) && back == v);
	}
	v = 0xa5;
	ret = marking_parse_ecn(text, &v);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	FUZZ_CHECK(ret ? v == 0xa5 : v <= MARKING_ECN_MAX);
	v = 0xa5;
	ret = marking_parse_tos(text, &v);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	FUZZ_CHECK(ret ? v == 0xa5 : 1);
	ret = marking_parse_vlan(text, &id, &pcp);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (ret)
		FUZZ_CHECK(id == 0xa5a5 && pcp == 0xa5);
	else
		FUZZ_CHECK(id >= 1 && id <= MARKING_VLAN_ID_MAX &&
			   pcp <= MARKING_PCP_MAX);
	check_vlans(text);
}

static void check_mix(const char *text)
{
	static uint8_t order[SIZEMIX_MAX_PERIOD];
	struct size_mix mix, before;
	uint32_t seen[SIZEMIX_MAX_SIZES] = { 0 };
	char buf[SIZEMIX_MAX_SIZES * 12];
	uint32_t sum = 0;
	int ret;

	memset(&mix, 0xa5, sizeof(mix));
	before = mix;
	ret = sizemix_parse(text, FRAME_MIN_SIZE, FRAME_MAX_SIZE, &mix);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (ret) {
		FUZZ_CHECK(!memcmp(&mix, &before, sizeof(mix)));
		return;
	}
	FUZZ_CHECK(mix.count >= 1 && mix.count <= SIZEMIX_MAX_SIZES);
	FUZZ_CHECK(mix.period >= 1 && mix.period <= SIZEMIX_MAX_PERIOD);
	for (uint32_t i = 0; i < mix.count; i++) {
		FUZZ_CHECK(mix.sizes[i] >= FRAME_MIN_SIZE &&
			   mix.sizes[i] <= FRAME_MAX_SIZE);
		FUZZ_CHECK(mix.weights[i] >= 1);
		sum += mix.weights[i];
	}
	FUZZ_CHECK(sum == mix.period);
	sizemix_schedule(&mix, order);
	for (uint32_t k = 0; k < mix.period; k++) {
		FUZZ_CHECK(order[k] < mix.count);
		seen[order[k]]++;
	}
	for (uint32_t i = 0; i < mix.count; i++)
		FUZZ_CHECK(seen[i] == mix.weights[i]);
	sizemix_format(&mix, buf, sizeof(buf));
	FUZZ_CHECK(strlen(buf) < sizeof(buf));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_marking(text);
	check_mix(text);
	free(text);
	return 0;
}
