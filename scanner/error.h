/* error.h - error codes and the thread-local last-error message.
 *
 * Fallible functions return 0 (or a positive count) on success and a negative
 * enum ks_error after ks_error_set(); only main.c and cmd_*.c print or exit.
 */
#ifndef KS_ERROR_H
#define KS_ERROR_H

#include "compat.h"

enum ks_error {
	KS_OK = 0,
	KS_ERROR = -1,
	KS_ENOTFOUND = -2,
	KS_EINVALID = -3,
	KS_ETOOBIG = -4,
	KS_EREGEX = -5, /* match/depth/heap/JIT-stack limit hit */
	KS_ENET = -6,
	KS_EIO = -7,
};

enum ks_exit {
	KS_EXIT_CLEAN = 0,
	KS_EXIT_FINDINGS = 1,
	KS_EXIT_INCOMPLETE = 2,
	KS_EXIT_USAGE = 3,
};

/* Stores the message (truncated to 512 bytes) and returns code. */
int ks_error_set(int code, const char *fmt, ...) KS_PRINTF(2, 3);
/* The last message set on this thread; never NULL ("" when none). */
const char *ks_error_last(void);
void ks_error_clear(void);

#endif
