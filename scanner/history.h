/* history.h - git history as a source: every unique blob reachable from the
 * selected commits once, commit and tag messages; then provenance (which
 * commit introduced each secret at which path) for the blobs with findings.
 *
 * The commit walk is keysnare's own (libgit2 1.5's revwalk stops with an
 * error at a shallow clone's boundary); objects are read through git_odb,
 * which is thread-safe, by the pipeline's workers.
 */
#ifndef KS_HISTORY_H
#define KS_HISTORY_H

#include "compat.h"
#include "source.h"

struct ks_findings;
struct ks_stats;
struct ks_history;

struct ks_history_opts {
	const char *repo;	/* NULL: discover from "." */
	char **revs;		/* revisions and ranges; none: all refs */
	size_t rev_nr;
	int64_t since, until;	/* committer time bounds (inclusive) */
	bool all_objects;
	bool all_occurrences;
	bool allow_shallow;
	bool paranoid;
	int progress;		/* -1 auto, 0 off, 1 on */
	bool no_redact;		/* commit summaries keep their secrets */
	bool recurse_submodules; /* scan initialised submodules' commits */
};

/* clang-format off */
#define KS_HISTORY_OPTS_INIT { NULL, NULL, 0, INT64_MIN, INT64_MAX, false, false, false, false, -1, false, false }
/* clang-format on */

/* Opens the repository and resolves the revisions. Returns 0, or
 * KS_EINVALID with ks_error_last() set (not a repository, unsafe owner,
 * bad revision): a configuration error, nothing scanned. */
int ks_history_open(struct ks_history **out, const struct ks_history_opts *o,
		    struct ks_stats *st);
/* The blobs and messages to scan, produced lazily as the walk goes on. */
struct ks_job_source ks_history_jobs(struct ks_history *h);
/* After the scan: replaces each finding in a blob by one finding per
 * (path, introducing commit), merges repeats of a secret at one path into
 * the earliest, and fills commit, present_at_head and the stats. Returns 0
 * or a negative error (ks_error_last()). */
int ks_history_attribute(struct ks_history *h, struct ks_findings *fs,
			 struct ks_stats *st);
void ks_history_free(struct ks_history *h);
/* The repository's work tree ("/path/"), or NULL for a bare repository. */
const char *ks_history_workdir(const struct ks_history *h);

#endif
