/* error.c - thread-local last-error message. */
#include "compat.h"
#include <stdarg.h>
#include "error.h"

static _Thread_local char last_error[512];

int ks_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return code;
}

const char *ks_error_last(void)
{
	return last_error;
}

void ks_error_clear(void)
{
	last_error[0] = '\0';
}
