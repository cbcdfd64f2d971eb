/* xalloc.h - allocation that dies on out-of-memory, and array growth. */
#ifndef KS_XALLOC_H
#define KS_XALLOC_H

#include "compat.h"

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xmemdupz(const void *data, size_t len); /* NUL-terminated copy */
/* Multiplies with overflow check (dies on overflow). */
size_t st_mult(size_t a, size_t b);
size_t st_add(size_t a, size_t b);
/* Overwrites len bytes at p in a way the compiler cannot drop. */
void ks_wipe(void *p, size_t len);

/* Grows array x (x_alloc slots) so that at least nr elements fit. */
#define ALLOC_GROW(x, nr, alloc)                                              \
	do {                                                                  \
		if ((nr) > (alloc)) {                                         \
			size_t ks_new_ = (alloc) < 8 ? 8 : st_add((alloc),    \
							(alloc) / 2); \
			if (ks_new_ < (nr))                                   \
				ks_new_ = (nr);                               \
			(x) = xrealloc((x), st_mult(ks_new_, sizeof(*(x))));  \
			(alloc) = ks_new_;                                    \
		}                                                             \
	} while (0)

#endif
