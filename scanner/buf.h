/* buf.h - growable byte buffers (git's strbuf as the model).
 *
 * Invariants: ptr is never NULL; ptr[len] == '\0'; the buffer may hold NUL
 * bytes. KS_BUF_INIT needs no allocation; ks_buf_release() frees and resets.
 */
#ifndef KS_BUF_H
#define KS_BUF_H

#include "compat.h"
#include <stdarg.h>

struct ks_buf {
	char *ptr;
	size_t len;
	size_t alloc;
};

extern char ks_buf_empty[];
/* clang-format off */
#define KS_BUF_INIT { ks_buf_empty, 0, 0 }
/* clang-format on */

void ks_buf_init(struct ks_buf *b, size_t hint);
void ks_buf_release(struct ks_buf *b);
/* Returns the NUL-terminated string and resets b; the caller frees it. */
char *ks_buf_detach(struct ks_buf *b, size_t *len);
void ks_buf_grow(struct ks_buf *b, size_t extra);
void ks_buf_setlen(struct ks_buf *b, size_t len);
static inline void ks_buf_reset(struct ks_buf *b)
{
	ks_buf_setlen(b, 0);
}
void ks_buf_add(struct ks_buf *b, const void *data, size_t len);
void ks_buf_adds(struct ks_buf *b, const char *s);
void ks_buf_addch(struct ks_buf *b, int c);
void ks_buf_addf(struct ks_buf *b, const char *fmt, ...) KS_PRINTF(2, 3);
void ks_buf_vaddf(struct ks_buf *b, const char *fmt, va_list ap);

#endif
