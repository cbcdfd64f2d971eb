/* source.h - where bytes come from; sources never interpret them.
 *
 * A source yields blobs one at a time. Inputs it cannot or will not read
 * are recorded in the ks_stats it was given (skips with a reason, errors),
 * never dropped silently.
 */
#ifndef KS_SOURCE_H
#define KS_SOURCE_H

#include "compat.h"

struct ks_stats;
struct ks_source;

struct ks_blob {
	const unsigned char *data; /* not NUL-terminated; owned by the source */
	size_t len;
	const char *path;	   /* as reported; valid until the next call */
};

struct ks_source_opts {
	size_t max_file_size;
	bool no_ignore;
	bool follow_symlinks;
	bool scan_binary;
	const char *stdin_name;	   /* label for "-" */
};

#define KS_DEFAULT_MAX_FILE_SIZE ((size_t)50 << 20)
/* clang-format off */
#define KS_SOURCE_OPTS_INIT { KS_DEFAULT_MAX_FILE_SIZE, false, false, false, "<stdin>" }
/* clang-format on */

/* Files and directories (recursively); "-" is standard input. */
int ks_source_fs_new(struct ks_source **out, char *const *paths, size_t nr,
		     const struct ks_source_opts *opts, struct ks_stats *st);
/* Returns 1 with *blob filled, 0 at the end. */
int ks_source_next(struct ks_source *src, struct ks_blob *blob);
void ks_source_free(struct ks_source *src);

/* Git's binary rule: a NUL byte in the first 8000 bytes. */
bool ks_is_binary(const unsigned char *data, size_t len);

#endif
