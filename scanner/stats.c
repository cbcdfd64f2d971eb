/* stats.c - scan counters, skip and error lists. */
#include "compat.h"
#include <stdarg.h>
#include "stats.h"
#include "buf.h"
#include "log.h"
#include "utf8.h"
#include "xalloc.h"

const char *ks_skip_reason_name(enum ks_skip_reason r)
{
	switch (r) {
	case KS_SKIP_SIZE:
		return "size";
	case KS_SKIP_BINARY:
		return "binary";
	case KS_SKIP_IGNORED:
		return "ignored";
	case KS_SKIP_SYMLINK:
		return "symlink";
	case KS_SKIP_NOT_REGULAR:
		return "not-regular";
	case KS_SKIP_OUTSIDE_ROOT:
		return "outside-root";
	case KS_SKIP_LOOP:
		return "symlink-loop";
	case KS_SKIP_GITLINK:
		return "gitlink";
	case KS_SKIP_EXCLUDED:
		return "excluded";
	case KS_SKIP_NR:
		break;
	}
	return "?";
}

void ks_stats_skip(struct ks_stats *st, const char *path,
		   enum ks_skip_reason reason)
{
	ALLOC_GROW(st->skip, st->skip_nr + 1, st->skip_alloc);
	st->skip[st->skip_nr].path = xstrdup(path);
	st->skip[st->skip_nr].reason = reason;
	st->skip_nr++;
	st->skipped_by[reason]++;
	if (ks_log_level() >= KS_LOG_VERBOSE) {
		struct ks_buf b = KS_BUF_INIT;

		ks_term_escape(&b, path, strlen(path));
		ks_log_verbose("skipped '%s': %s", b.ptr,
			       ks_skip_reason_name(reason));
		ks_buf_release(&b);
	}
}

void ks_stats_error(struct ks_stats *st, const char *path, const char *fmt,
		    ...)
{
	struct ks_buf msg = KS_BUF_INIT, esc = KS_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ks_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	ALLOC_GROW(st->err, st->err_nr + 1, st->err_alloc);
	st->err[st->err_nr].path = xstrdup(path);
	st->err[st->err_nr].message = xstrdup(msg.ptr);
	st->err_nr++;
	st->incomplete = true;
	ks_term_escape(&esc, path, strlen(path));
	ks_log_error("'%s': %s", esc.ptr, msg.ptr);
	ks_buf_release(&msg);
	ks_buf_release(&esc);
}

static int cmp_skip(const void *a, const void *b)
{
	return strcmp(((const struct ks_skip *)a)->path,
		      ((const struct ks_skip *)b)->path);
}

static int cmp_err(const void *a, const void *b)
{
	const struct ks_error_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : strcmp(x->message, y->message);
}

void ks_stats_sort(struct ks_stats *st)
{
	if (st->skip_nr > 1)
		qsort(st->skip, st->skip_nr, sizeof(*st->skip), cmp_skip);
	if (st->err_nr > 1)
		qsort(st->err, st->err_nr, sizeof(*st->err), cmp_err);
}

void ks_stats_release(struct ks_stats *st)
{
	size_t i;

	for (i = 0; i < st->skip_nr; i++)
		free(st->skip[i].path);
	free(st->skip);
	for (i = 0; i < st->err_nr; i++) {
		free(st->err[i].path);
		free(st->err[i].message);
	}
	free(st->err);
	memset(st, 0, sizeof(*st));
}

void ks_term_escape(struct ks_buf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t n = ks_utf8_decode((const unsigned char *)s + i,
					  len - i, &cp);

		if (!n) {
			ks_buf_addf(out, "\\x%02x", c);
			i++;
			continue;
		}
		if (cp == '\n')
			ks_buf_adds(out, "\\n");
		else if (cp == '\r')
			ks_buf_adds(out, "\\r");
		else if (cp == '\t')
			ks_buf_adds(out, "\\t");
		else if (cp == '\\')
			ks_buf_adds(out, "\\\\");
		else if (cp < 0x20 || cp == 0x7f)
			ks_buf_addf(out, "\\x%02x", (unsigned)cp);
		else if ((cp >= 0x80 && cp < 0xa0) || ks_utf8_is_bidi(cp))
			ks_buf_addf(out, "\\u%04x", (unsigned)cp);
		else
			ks_buf_add(out, s + i, n);
		i += n;
	}
}
