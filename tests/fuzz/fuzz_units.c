// SPDX-License-Identifier: MIT
/*
 * The parsers for what people type (units.h) on arbitrary text.
 *
 * Input: TEXT [ '\0' MIN(8) MAX(8) FLAGS(1) ]. TEXT, copied into a buffer
 * of exactly its length + 1 so ASan sees a read past the NUL, goes to
 * every parser; the bytes after the first NUL, when there are any, give
 * the range for parse_u64() (little endian; missing bytes are 0, and with
 * nothing after TEXT the range is [0, UINT64_MAX]) and the port_optional
 * flag for parse_endpoint().
 *
 * Each parser must return 0, -EINVAL or -ERANGE, leave its output alone on
 * error, and on success give a value inside the documented range.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/frame.h"
#include "fuzz.h"
#include "lib/units.h"

#define NSEC_PER_SEC_U64 1000000000ULL
#define MAX_DURATION_NS (30ULL * 24 * 3600 * NSEC_PER_SEC_U64)

static bool is_result(int ret)
{
	return ret == 0 || ret == -EINVAL || ret == -ERANGE;
}

static void check_rate(const char *text)
{
	struct rate rate, before;
	char buf[64], tiny[6];
	double pps;
	int ret;

	memset(&rate, 0xa5, sizeof(rate));
	before = rate;
	ret = parse_rate(text, &rate);
	FUZZ_CHECK(is_result(ret));
	if (ret) {
		FUZZ_CHECK(!memcmp(&rate, &before, sizeof(rate)));
		return;
	}
	FUZZ_CHECK(isfinite(rate.value));
	switch (rate.kind) {
	case RATE_MAX:
		FUZZ_CHECK(rate.value == 0);
		break;
	case RATE_PPS:
		FUZZ_CHECK(rate.value > 0 && rate.value <= 2e9);
		break;
	case RATE_BPS_L1:
	case RATE_BPS_L2:
		FUZZ_CHECK(rate.value > 0 && rate.value <= 1.6e12);
		break;
	case RATE_PERCENT:
		FUZZ_CHECK(rate.value > 0 && rate.value <= 100);
		break;
	default:
		FUZZ_CHECK(!"rate kind out of range");
	}
	pps = rate_to_pps(&rate, FRAME_MIN_SIZE, 100000000000ULL);
	FUZZ_CHECK(isfinite(pps) && pps >= 0);
	FUZZ_CHECK((rate.kind == RATE_MAX) == (pps == 0));
	pps = rate_to_pps(&rate, FRAME_MAX_SIZE, 0);
	FUZZ_CHECK(isfinite(pps) && pps >= 0);
	rate_format(&rate, buf, sizeof(buf));
	FUZZ_CHECK(strlen(buf) < sizeof(buf));
	rate_format(&rate, tiny, sizeof(tiny));
	FUZZ_CHECK(strlen(tiny) < sizeof(tiny));
	format_si(rate.value, "pps", true, tiny, sizeof(tiny));
	FUZZ_CHECK(strlen(tiny) < sizeof(tiny));
}

static void check_duration(const char *text)
{
	uint64_t ns = 0xa5a5a5a5a5a5a5a5ULL;
	int ret = parse_duration(text, &ns);

	FUZZ_CHECK(is_result(ret));
	if (ret)
		FUZZ_CHECK(ns == 0xa5a5a5a5a5a5a5a5ULL);
	else
		FUZZ_CHECK(ns > 0 && ns <= MAX_DURATION_NS);
}

static void check_u64(const char *text, uint64_t min, uint64_t max)
{
	uint64_t v = 0xa5a5a5a5a5a5a5a5ULL;
	int ret = parse_u64(text, min, max, &v);

	FUZZ_CHECK(is_result(ret));
	if (ret) {
		FUZZ_CHECK(v == 0xa5a5a5a5a5a5a5a5ULL);
		return;
	}
	if (v < min || v > max)
		fprintf(stderr, "detail: parse_u64(\"%s\", %llu, %llu) gave %llu\n",
			text, (unsigned long long)min,
			(unsigned long long)max, (unsigned long long)v);
	FUZZ_CHECK(v >= min && v <= max);
	/* Plain digits are taken exactly. */
	if (strspn(text, "0123456789") == strlen(text))
		FUZZ_CHECK(v == strtoull(text, NULL, 10));
}

static void check_bitrate(const char *text)
{
	uint64_t bps = 0xa5a5a5a5a5a5a5a5ULL;
	int ret = parse_bitrate(text, &bps);

	FUZZ_CHECK(is_result(ret));
	if (ret)
		FUZZ_CHECK(bps == 0xa5a5a5a5a5a5a5a5ULL);
	else
		FUZZ_CHECK(bps >= 1000 && bps <= 1600000000000ULL);
}

static void check_endpoint(const char *text, bool port_optional)
{
	struct ip_addr ip, before, back;
	uint16_t port = 0xa5a5;
	bool has_port = true;
	char addr_text[64];
	int ret;

	memset(&ip, 0xa5, sizeof(ip));
	before = ip;
	ret = parse_endpoint(text, port_optional, &ip, &port, &has_port);
	FUZZ_CHECK(is_result(ret));
	/* The same answer without the optional outputs. */
	FUZZ_CHECK(parse_endpoint(text, port_optional, &back, NULL, NULL) ==
		   ret);
	if (ret) {
		FUZZ_CHECK(!memcmp(&ip, &before, sizeof(ip)));
		FUZZ_CHECK(port == 0xa5a5 && has_port);
		return;
	}
	FUZZ_CHECK(ip.family == AF_INET || ip.family == AF_INET6);
	FUZZ_CHECK(ip_addr_equal(&ip, &back));
	if (has_port)
		FUZZ_CHECK(port >= 1);
	else
		FUZZ_CHECK(port_optional && port == 0);
	/* Formatted and parsed again, the address is the same one. */
	ip_addr_format(&ip, addr_text, sizeof(addr_text));
	FUZZ_CHECK(ip_addr_parse(addr_text, &back) == 0);
	FUZZ_CHECK(ip_addr_equal(&ip, &back));
	/* Without a port it would have been an error, not a different
	 * answer, if the port were required. */
	if (!has_port)
		FUZZ_CHECK(parse_endpoint(text, false, &back, NULL, NULL) ==
			   -EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t text_len = nul ? (size_t)(nul - data) : size;
	struct fuzz_reader params = { data + text_len, size - text_len };
	uint64_t min = 0, max = UINT64_MAX;
	bool port_optional = false;
	char *text;

	if (nul) {
		fuzz_u8(&params); /* the NUL */
		if (fuzz_left(&params)) {
			min = fuzz_u64(&params);
			max = fuzz_u64(&params);
			port_optional = fuzz_u8(&params) & 1;
		}
	}
	text = malloc(text_len + 1);
	FUZZ_CHECK(text);
	memcpy(text, data, text_len);
	text[text_len] = '\0';

	check_rate(text);
	check_duration(text);
	check_u64(text, min, max);
	check_u64(text, 1, 65535);
	check_bitrate(text);
	check_endpoint(text, port_optional);
	check_endpoint(text, !port_optional);
	free(text);
	return 0;
}
