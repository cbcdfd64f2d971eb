/* buf.c - growable byte buffers. */
#include "compat.h"
#include "buf.h"
#include "xalloc.h"
#include "log.h"

char ks_buf_empty[1];

void ks_buf_init(struct ks_buf *b, size_t hint)
{
	b->ptr = ks_buf_empty;
	b->len = 0;
	b->alloc = 0;
	if (hint)
		ks_buf_grow(b, hint);
}

void ks_buf_release(struct ks_buf *b)
{
	if (b->alloc)
		free(b->ptr);
	ks_buf_init(b, 0);
}

char *ks_buf_detach(struct ks_buf *b, size_t *len)
{
	char *p;

	if (!b->alloc)
		ks_buf_grow(b, 0);
	p = b->ptr;
	if (len)
		*len = b->len;
	ks_buf_init(b, 0);
	return p;
}

void ks_buf_grow(struct ks_buf *b, size_t extra)
{
	size_t need = st_add(st_add(b->len, extra), 1);
	bool fresh = !b->alloc;

	if (need <= b->alloc)
		return;
	if (fresh)
		b->ptr = NULL;
	ALLOC_GROW(b->ptr, need, b->alloc);
	if (fresh)
		b->ptr[0] = '\0';
}

void ks_buf_setlen(struct ks_buf *b, size_t len)
{
	if (len > (b->alloc ? b->alloc - 1 : 0))
		BUG("ks_buf_setlen() beyond buffer: %zu", len);
	b->len = len;
	if (b->alloc)
		b->ptr[len] = '\0';
}

void ks_buf_add(struct ks_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	ks_buf_grow(b, len);
	memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void ks_buf_adds(struct ks_buf *b, const char *s)
{
	ks_buf_add(b, s, strlen(s));
}

void ks_buf_addch(struct ks_buf *b, int c)
{
	ks_buf_grow(b, 1);
	b->ptr[b->len++] = (char)c;
	b->ptr[b->len] = '\0';
}

void ks_buf_vaddf(struct ks_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	ks_buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->ptr + b->len, b->alloc - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		BUG("vsnprintf failed");
	if ((size_t)n >= b->alloc - b->len) {
		ks_buf_grow(b, (size_t)n);
		n = vsnprintf(b->ptr + b->len, b->alloc - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void ks_buf_addf(struct ks_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ks_buf_vaddf(b, fmt, ap);
	va_end(ap);
}
