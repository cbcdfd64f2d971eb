/* log.h - one-line diagnostics on stderr; never secrets (use ks_redact()). */
#ifndef KS_LOG_H
#define KS_LOG_H

#include "compat.h"

enum ks_log_level {
	KS_LOG_QUIET = -1, /* errors only */
	KS_LOG_NORMAL = 0,
	KS_LOG_VERBOSE = 1, /* skips, drop reasons */
	KS_LOG_DEBUG = 2,   /* timings */
};

void ks_log_set_level(int level);
int ks_log_level(void);

/* "keysnare: error: ...": always printed. */
void ks_log_error(const char *fmt, ...) KS_PRINTF(1, 2);
/* "keysnare: warning: ...": printed unless quiet. */
void warning(const char *fmt, ...) KS_PRINTF(1, 2);
/* "keysnare: ...": printed when level >= KS_LOG_VERBOSE (or DEBUG). */
void ks_log_verbose(const char *fmt, ...) KS_PRINTF(1, 2);
void ks_log_debug(const char *fmt, ...) KS_PRINTF(1, 2);

/* Prints "keysnare: fatal: ..." and exits with the exit code set by
 * ks_die_set_code() (3 before scanning starts, 2 after). */
KS_NORETURN void die(const char *fmt, ...) KS_PRINTF(1, 2);
void ks_die_set_code(int code);

/* An internal invariant failed: prints and aborts. */
#define BUG(...) ks_bug(__FILE__, __LINE__, __VA_ARGS__)
KS_NORETURN void ks_bug(const char *file, int line, const char *fmt, ...)
	KS_PRINTF(3, 4);

#endif
