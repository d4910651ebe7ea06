/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_STRBUF_H
#define LINERATE_STRBUF_H

/*
 * One string builder. It appends printf-formatted text either to a buffer
 * the caller owns (fixed: what does not fit is cut at the end, the text
 * stays NUL-terminated and the builder remembers that it cut) or to one it
 * allocates and grows itself (heap: an allocation failure is remembered,
 * and strbuf_detach() then answers NULL, so nothing is lost silently).
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *text;
	size_t len; /* characters in text, without the NUL */
	size_t cap; /* bytes at text */
	bool heap; /* text is the builder's own and grows */
	bool truncated; /* a fixed buffer was too short */
	bool failed; /* an allocation or a format failed */
};

/* Starts an empty string in the caller's buffer (cap may be 0). */
void strbuf_init_fixed(struct strbuf *sb, char *buf, size_t cap);

/* Goes on after the NUL-terminated text buf already holds. */
void strbuf_init_append(struct strbuf *sb, char *buf, size_t cap);

/* A string on the heap, cap bytes to start with: 0 or -ENOMEM. */
int strbuf_init_heap(struct strbuf *sb, size_t cap);

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* sep first when the string is not empty: for "a; b; c" lists. */
void strbuf_sep(struct strbuf *sb, const char *sep);

/* Whether everything appended is in the text. */
static inline bool strbuf_ok(const struct strbuf *sb)
{
	return !sb->truncated && !sb->failed;
}

/* A heap builder's text for the caller to free(), or NULL (errno ENOMEM
 * or EINVAL) when something could not be appended; the builder is empty
 * afterwards either way. */
char *strbuf_detach(struct strbuf *sb);

/* Frees a heap builder's text; a fixed one is left alone. */
void strbuf_release(struct strbuf *sb);

#endif
