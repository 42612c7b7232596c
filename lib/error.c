/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int nsiso_fail(struct nsiso_error *err, enum nsiso_errkind kind, int errnum, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || err->kind != NSISO_ERR_NONE)
		return -1;
	err->kind = kind;
	err->errnum = errnum;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		err->msg[0] = '\0';
	if (errnum) {
		size_t used = strnlen(err->msg, sizeof(err->msg));
		snprintf(err->msg + used, sizeof(err->msg) - used, ": %s", strerror(errnum));
	}
	return -1;
}

void nsiso_error_clear(struct nsiso_error *err)
{
	err->kind = NSISO_ERR_NONE;
	err->errnum = 0;
	err->msg[0] = '\0';
}
