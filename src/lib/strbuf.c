// SPDX-License-Identifier: MIT
#include "lib/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init_fixed(struct strbuf *sb, char *buf, size_t cap)
{
	*sb = (struct strbuf){.text = buf, .cap = cap};
	if (cap)
		buf[0] = '\0';
	else
		sb->truncated = true;
}

void strbuf_init_append(struct strbuf *sb, char *buf, size_t cap)
{
	*sb = (struct strbuf){.text = buf, .cap = cap};
	if (!cap) {
		sb->truncated = true;
		return;
	}
	sb->len = strnlen(buf, cap);
	if (sb->len == cap) {
		/* Not terminated inside the buffer: end it at the last byte. */
		sb->len = cap - 1;
		buf[sb->len] = '\0';
		sb->truncated = true;
	}
}

int strbuf_init_heap(struct strbuf *sb, size_t cap)
{
	*sb = (struct strbuf){.cap = cap ? cap : 64, .heap = true};
	sb->text = malloc(sb->cap);
	if (!sb->text) {
		sb->failed = true;
		return -ENOMEM;
	}
	sb->text[0] = '\0';
	return 0;
}

static bool grow(struct strbuf *sb, size_t need)
{
	size_t cap = sb->cap * 2 + need;
	char *t;

	if (cap < need) { /* overflow */
		sb->failed = true;
		return false;
	}
	t = realloc(sb->text, cap);
	if (!t) {
		sb->failed = true;
		return false;
	}
	sb->text = t;
	sb->cap = cap;
	return true;
}

void strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	size_t room;
	va_list again;
	int n;

	if (sb->failed || sb->truncated || !sb->text)
		return;
	room = sb->cap - sb->len;
	va_copy(again, ap);
	n = vsnprintf(sb->text + sb->len, room, fmt, ap);
	if (n < 0) {
		sb->text[sb->len] = '\0';
		sb->failed = true;
		goto out;
	}
	if ((size_t)n < room) {
		sb->len += (size_t)n;
		goto out;
	}
	if (!sb->heap) {
		sb->len = sb->cap - 1;
		sb->truncated = true;
		goto out;
	}
	sb->text[sb->len] = '\0';
	if (!grow(sb, (size_t)n + 1))
		goto out;
	n = vsnprintf(sb->text + sb->len, sb->cap - sb->len, fmt, again);
	if (n < 0 || (size_t)n >= sb->cap - sb->len) {
		sb->text[sb->len] = '\0';
		sb->failed = true;
		goto out;
	}
	sb->len += (size_t)n;
out:
	va_end(again);
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_sep(struct strbuf *sb, const char *sep)
{
	if (sb->len)
		strbuf_printf(sb, "%s", sep);
}

char *strbuf_detach(struct strbuf *sb)
{
	char *text = sb->text;

	if (!sb->heap) {
		errno = EINVAL;
		return NULL;
	}
	if (sb->failed) {
		free(text);
		text = NULL;
		errno = ENOMEM;
	}
	*sb = (struct strbuf){.heap = true};
	return text;
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->heap)
		free(sb->text);
	*sb = (struct strbuf){0};
}
