// SPDX-License-Identifier: MIT
#include <stdbool.h>

#include "lib/utf8.h"

/* The length of the sequence a lead byte starts (0: not a lead byte), and
 * the range its second byte must be in to rule out overlong forms,
 * surrogates and code points past U+10FFFF. */
static unsigned int sequence_len(unsigned char lead, unsigned char *lo,
				 unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (lead < 0x80)
		return 1;
	if (lead >= 0xc2 && lead <= 0xdf)
		return 2;
	if (lead >= 0xe0 && lead <= 0xef) {
		if (lead == 0xe0)
			*lo = 0xa0;
		else if (lead == 0xed)
			*hi = 0x9f;
		return 3;
	}
	if (lead >= 0xf0 && lead <= 0xf4) {
		if (lead == 0xf0)
			*lo = 0x90;
		else if (lead == 0xf4)
			*hi = 0x8f;
		return 4;
	}
	return 0;
}

size_t utf8_make_valid(char *text)
{
	unsigned char *s = (unsigned char *)text;
	size_t i = 0;

	while (s[i]) {
		unsigned char lo, hi;
		unsigned int n = sequence_len(s[i], &lo, &hi), k;

		/* The NUL fails every range, so this stops at the end. */
		for (k = 1; k < n; k++) {
			unsigned char c = s[i + k];

			if (c < (k == 1 ? lo : 0x80) ||
			    c > (k == 1 ? hi : 0xbf))
				break;
		}
		if (n && k == n) {
			i += n;
			continue;
		}
		if (n && !s[i + k]) {
			s[i] = '\0';
			break;
		}
		s[i++] = '?';
	}
	return i;
}
