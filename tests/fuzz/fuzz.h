/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_FUZZ_H
#define LINERATE_FUZZ_H

/*
 * Shared bits of the libFuzzer harnesses: an invariant check that turns a
 * violation into a crash libFuzzer records, and a reader that takes values
 * from the input (zeros once it runs out).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                 \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n",     \
				__FILE__, __LINE__, #cond);              \
			abort();                                         \
		}                                                        \
	} while (0)

struct fuzz_reader {
	const uint8_t *data;
	size_t len;
};

static inline size_t fuzz_left(const struct fuzz_reader *r)
{
	return r->len;
}

static inline uint8_t fuzz_u8(struct fuzz_reader *r)
{
	uint8_t v;

	if (!r->len)
		return 0;
	v = r->data[0];
	r->data++;
	r->len--;
	return v;
}

/* Little endian, n <= 8 bytes. */
static inline uint64_t fuzz_bytes(struct fuzz_reader *r, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)fuzz_u8(r) << (8 * i);
	return v;
}

static inline uint16_t fuzz_u16(struct fuzz_reader *r)
{
	return (uint16_t)fuzz_bytes(r, 2);
}

static inline uint64_t fuzz_u64(struct fuzz_reader *r)
{
	return fuzz_bytes(r, 8);
}

static inline double fuzz_double(struct fuzz_reader *r)
{
	uint64_t bits = fuzz_u64(r);
	double v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

static inline uint16_t fuzz_get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

#endif
