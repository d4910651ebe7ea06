/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_ERR_H
#define LINERATE_ERR_H

/*
 * Why something could not open or start, as it travels up the open paths
 * (backend, engine session, API session) to the one place that prints it
 * (the command layer, the API's answer writer). Callers decide on code,
 * never on the wording of message.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* The field is as long as a JSON key the API echoes back (64); the
 * message as long as the option model's longest line with a quoted
 * value in it. */
#define LR_ERR_FIELD_LEN   64
#define LR_ERR_MESSAGE_LEN 320

struct lr_err {
	int code; /* 0, or a negative errno */
	char field[LR_ERR_FIELD_LEN]; /* the input it is about, "" none */
	char message[LR_ERR_MESSAGE_LEN]; /* one line, "" none */
};

void lr_err_clear(struct lr_err *err);

/*
 * Set err (which may be NULL: nothing is kept) to code, field (NULL: none)
 * and the formatted one-line message, unless it holds an error already:
 * the first cause is the one worth telling. Returns code.
 */
int lr_err_set(struct lr_err *err, int code, const char *field, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));

/*
 * For a message quoting what the user wrote (a flag's value, a path,
 * a line of a file), as it was printed before it travelled in a struct
 * lr_err: set err (may be NULL) to
 * code, field and the message as formatted, replacing an error there
 * (the last check to fail is the one reported) and not cut at a newline
 * (the user's value is shown whole; the caller makes it printable).
 * Returns code.
 */
int lr_err_set_verbatim(struct lr_err *err, int code, const char *field,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int lr_err_vset_verbatim(struct lr_err *err, int code, const char *field,
			 const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* The code with strerror's words, when nothing more precise was set. */
int lr_err_errno(struct lr_err *err, int code);

/* Put "prefix: " before the message already set (e.g. "afxdp backend"). */
void lr_err_prefix(struct lr_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline bool lr_err_is_set(const struct lr_err *err)
{
	return err && err->code;
}

/* The message, or strerror(-code) when there is none. */
const char *lr_err_text(const struct lr_err *err);

#endif
