/* baseline.h - accepted findings, in a file two branches can merge.
 *
 * File format (UTF-8 text, LF line endings; a CR before LF and a UTF-8 BOM
 * are tolerated on read):
 *
 *   # keysnare baseline v1 - accepted findings: ...
 *   {"path":"a/b.env","rule":"aws-access-key","secret_sha256":"<64 hex>"}
 *
 * The first line starts with "# keysnare baseline v1"; then one JSON
 * object per line with exactly the keys path, rule, secret_sha256, in that
 * order (read in any order). A path that is not valid UTF-8 is written the
 * way JSON reports write it: "path" holds ks_json_str() text and a
 * "path_bytes" key right after it holds the raw bytes in base64. No line
 * numbers, timestamps or absolute paths. Written sorted by (path bytes,
 * rule, hash) without duplicates, ending in a newline; blank lines and
 * lines starting with '#' are ignored on read, as are the order of lines
 * and duplicates. So a plain git merge of branches that add entries at
 * different places is clean, and `merge=union` in .gitattributes always
 * gives a file that loads.
 *
 * Invariant: bl->e is sorted by (path, rule, secret_sha256), bytewise,
 * without duplicates; ks_baseline_load() and ks_baseline_add() keep it.
 * A ks_baseline is not thread-safe (ks_baseline_match() marks entries).
 */
#ifndef KS_BASELINE_H
#define KS_BASELINE_H

#include "compat.h"

#define KS_BASELINE_HEADER "# keysnare baseline v1"

struct ks_baseline_entry {
	char *path; /* raw bytes, relative, '/'-separated */
	char *rule;
	char secret_sha256[65]; /* ks_baseline_key(), 64 lowercase hex */
	bool used;		/* matched, or added, since load */
};

struct ks_baseline {
	struct ks_baseline_entry *e;
	size_t nr, alloc;
	char *file; /* the file last loaded; owned */
};

/* clang-format off */
#define KS_BASELINE_INIT { NULL, 0, 0, NULL }
/* clang-format on */

/* Adds the entries of file to bl (which must be initialised). Returns 0;
 * KS_ENOTFOUND if file does not exist; KS_EIO if it cannot be read;
 * KS_ETOOBIG above 256 MiB; KS_EINVALID with "FILE:LINE: why" in
 * ks_error_last() for a bad header, bad JSON, a missing, duplicate or
 * unexpected key, a bad hash, invalid UTF-8 or a merge conflict marker.
 * On error bl is unchanged. */
int ks_baseline_load(struct ks_baseline *bl, const char *file);

/* The key of a secret: SHA-256 of its bytes with every "\r\n" turned into
 * "\n", in lowercase hex, so that CRLF and LF checkouts give the same key.
 * (For a secret without "\r\n" this is the finding's secret_sha256.) */
void ks_baseline_key(const char *secret, size_t len, char out[65]);

/* Whether (path, rule, key) is in bl, in O(log n); marks the entry used. */
bool ks_baseline_match(struct ks_baseline *bl, const char *path,
		       const char *rule, const char *key);

/* Adds (path, rule, key) marked used, in sorted place; adding an entry
 * already there only marks it used. Returns 0, or KS_EINVALID for an
 * empty or absolute path, an empty rule or one that is not UTF-8, or a
 * key that is not 64 lowercase hex digits. */
int ks_baseline_add(struct ks_baseline *bl, const char *path,
		    const char *rule, const char *key);

/* Writes bl to file, sorted and without duplicates; only_used leaves out
 * the entries not marked used (--prune-baseline). The file is replaced
 * atomically (a temporary file in the same directory, fsync, rename; the
 * mode of an existing file is kept); if file exists and is not a regular
 * file (a symlink, /dev/stdout, a FIFO) it is written in place. Returns 0,
 * or KS_EIO with ks_error_last() naming the file. */
int ks_baseline_write(const struct ks_baseline *bl, const char *file,
		      bool only_used);

/* The number of entries not marked used. */
size_t ks_baseline_unused(const struct ks_baseline *bl);

/* Frees everything bl holds and resets it to KS_BASELINE_INIT. */
void ks_baseline_release(struct ks_baseline *bl);

#endif
