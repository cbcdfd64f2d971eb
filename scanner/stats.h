/* stats.h - what a scan did: counts, skipped inputs and errors.
 *
 * Every input ends scanned, skipped (with a reason) or as an error; errors
 * make the scan incomplete. Adding a skip or error also logs it: skips with
 * -v, errors always (one line: path and cause).
 */
#ifndef KS_STATS_H
#define KS_STATS_H

#include "compat.h"
#include "filter.h"

enum ks_skip_reason {
	KS_SKIP_SIZE,
	KS_SKIP_BINARY,
	KS_SKIP_IGNORED,
	KS_SKIP_SYMLINK,
	KS_SKIP_NOT_REGULAR,
	KS_SKIP_OUTSIDE_ROOT,
	KS_SKIP_LOOP,
	KS_SKIP_GITLINK,
	KS_SKIP_EXCLUDED,	/* the config's exclude */
	KS_SKIP_NR,
};

struct ks_skip {
	char *path;
	enum ks_skip_reason reason;
};

struct ks_error_entry {
	char *path;
	char *message;
};

struct ks_verify_stats;

struct ks_stats {
	size_t files_scanned;
	uint64_t bytes_scanned;
	size_t findings;
	size_t skipped_by[KS_SKIP_NR];
	struct ks_skip *skip;
	size_t skip_nr, skip_alloc;
	struct ks_error_entry *err;
	size_t err_nr, err_alloc;
	size_t dropped_by[KS_DROP_NR];
	size_t suppressed_by[KS_SUPP_NR];	/* findings not reported, why */
	bool baseline;		/* a baseline was given */
	size_t baseline_unused;	/* its entries that matched nothing */
	bool incomplete;
	/* git history */
	bool history;
	size_t commits;		/* commits walked */
	size_t blobs;		/* unique blobs read */
	bool truncated;		/* shallow clone: history ends early */
	/* --verify */
	const struct ks_verify_stats *verify;	/* NULL: not asked */
	size_t only_verified_hidden;	/* findings --only-verified left out */
};

const char *ks_skip_reason_name(enum ks_skip_reason r);
void ks_stats_skip(struct ks_stats *st, const char *path,
		   enum ks_skip_reason reason);
void ks_stats_error(struct ks_stats *st, const char *path, const char *fmt,
		    ...) KS_PRINTF(3, 4);
/* Sorts skips and errors by path (deterministic output). */
void ks_stats_sort(struct ks_stats *st);
void ks_stats_release(struct ks_stats *st);

/* Appends path with control bytes, bidi controls and invalid UTF-8
 * escaped (\n, \x1b, \u202e, \xff): safe for a terminal line. */
struct ks_buf;
void ks_term_escape(struct ks_buf *out, const char *s, size_t len);

#endif
