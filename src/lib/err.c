// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"

void lr_err_clear(struct lr_err *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

/* One line: a message ends at its first newline. */
static void one_line(char *s)
{
	s[strcspn(s, "\n")] = '\0';
}

int lr_err_set(struct lr_err *err, int code, const char *field, const char *fmt,
	       ...)
{
	va_list ap;

	if (!err || err->code)
		return code;
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	one_line(err->message);
	return code;
}

int lr_err_vset_verbatim(struct lr_err *err, int code, const char *field,
			 const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	return code;
}

int lr_err_set_verbatim(struct lr_err *err, int code, const char *field,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lr_err_vset_verbatim(err, code, field, fmt, ap);
	va_end(ap);
	return code;
}

int lr_err_errno(struct lr_err *err, int code)
{
	return lr_err_set(err, code, NULL, "%s", strerror(-code));
}

void lr_err_prefix(struct lr_err *err, const char *fmt, ...)
{
	char line[2 * LR_ERR_MESSAGE_LEN + 2];
	size_t n;
	va_list ap;

	if (!err || !err->code)
		return;
	va_start(ap, fmt);
	vsnprintf(line, LR_ERR_MESSAGE_LEN, fmt, ap);
	va_end(ap);
	n = strlen(line);
	memcpy(line + n, ": ", 3);
	memcpy(line + n + 2, lr_err_text(err), strlen(lr_err_text(err)) + 1);
	n = strlen(line);
	if (n >= sizeof(err->message))
		n = sizeof(err->message) - 1;
	memcpy(err->message, line, n);
	err->message[n] = '\0';
	one_line(err->message);
}

const char *lr_err_text(const struct lr_err *err)
{
	if (!err || !err->code)
		return "";
	return err->message[0] ? err->message : strerror(-err->code);
}
