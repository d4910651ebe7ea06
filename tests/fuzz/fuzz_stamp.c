// SPDX-License-Identifier: MIT
/*
 * The STAMP reflector's parser on arbitrary UDP payloads, both modes:
 * stamp_sender_parse(), then for what it accepts stamp_reflector_build()
 * (the reply is exactly as long as the request, the sender's fields come
 * back where RFC 8762 puts them, the trailer only gains flag bits) and
 * stamp_reflector_parse() of the reply. The first input byte picks the
 * mode; the rest is the packet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stamp/wire.h"

static uint8_t out[STAMP_MAX_PACKET + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stamp_reflector_packet r, back;
	struct stamp_sender_packet s;
	enum stamp_drop drop;
	enum stamp_mode mode;
	struct stamp_key key;
	uint32_t flagged;
	size_t base;
	int rc;

	if (size < 1)
		return 0;
	mode = data[0] & 1 ? STAMP_MODE_AUTH : STAMP_MODE_UNAUTH;
	data++;
	size--;
	memset(&key, 0, sizeof(key));
	memcpy(key.bytes, "fuzz", 4);
	key.len = 4;
	base = stamp_base_len(mode);
	drop = stamp_sender_parse(data, size, mode, &key, &s);
	FUZZ_CHECK(drop >= STAMP_OK && drop < STAMP_DROP_COUNT_);
	if (size < STAMP_UNAUTH_LEN)
		FUZZ_CHECK(drop == STAMP_DROP_SHORT);
	if (size > STAMP_MAX_PACKET)
		FUZZ_CHECK(drop == STAMP_DROP_OVERSIZE);
	if (drop != STAMP_OK)
		return 0;
	FUZZ_CHECK(size >= base && size <= STAMP_MAX_PACKET);
	memset(&r, 0, sizeof(r));
	r.seq = s.seq ^ 0x5a5a5a5a;
	r.ssid = s.ssid;
	r.sender_seq = s.seq;
	r.sender_timestamp = s.timestamp;
	r.sender_error_estimate = s.error_estimate;
	r.sender_ttl = 64;
	out[size] = 0xa5;
	rc = stamp_reflector_build(out, data, size, mode, &r, &key);
	FUZZ_CHECK(rc >= 0);
	FUZZ_CHECK(out[size] == 0xa5); /* never a byte more than arrived */
	/* The trailer: the sender's octets, plus at most U and M bits. */
	for (size_t i = base; i < size; i++)
		FUZZ_CHECK((out[i] & ~(STAMP_TLV_U | STAMP_TLV_M)) ==
			   (data[i] & ~(STAMP_TLV_U | STAMP_TLV_M)));
	memset(&back, 0, sizeof(back));
	drop = stamp_reflector_parse(out, size, mode, &key, &back, &flagged);
	if (mode == STAMP_MODE_AUTH || drop == STAMP_OK) {
		FUZZ_CHECK(drop == STAMP_OK);
		FUZZ_CHECK(back.sender_seq == s.seq);
		FUZZ_CHECK(back.seq == r.seq);
		FUZZ_CHECK(back.sender_timestamp == s.timestamp);
		FUZZ_CHECK(back.sender_ttl == 64);
		FUZZ_CHECK(flagged >= (uint32_t)rc);
	}
	return 0;
}
