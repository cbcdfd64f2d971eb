/* log.c - stderr diagnostics, one line each. */
#include "compat.h"
#include <stdarg.h>
#include <pthread.h>
#include "log.h"

static int log_level;
static int die_code = 3;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void ks_log_set_level(int level)
{
	log_level = level;
}

int ks_log_level(void)
{
	return log_level;
}

void ks_die_set_code(int code)
{
	die_code = code;
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "keysnare: %s%s\n", prefix, line);
	pthread_mutex_unlock(&log_lock);
}

void ks_log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error: ", fmt, ap);
	va_end(ap);
}

void warning(const char *fmt, ...)
{
	va_list ap;

	if (log_level < KS_LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void ks_log_verbose(const char *fmt, ...)
{
	va_list ap;

	if (log_level < KS_LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void ks_log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < KS_LOG_DEBUG)
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap);
	va_end(ap);
	exit(die_code);
}

void ks_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "keysnare: BUG: %s:%d: %s\n", file, line, msg);
	abort();
}
