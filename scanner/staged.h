/* staged.h - the changes staged for the next commit as a source.
 *
 * The index is the one git names for the commit being made (GIT_INDEX_FILE:
 * .git/index.lock for `commit -a`, a temporary index for `commit <paths>`),
 * never the working tree. HEAD's tree (or the empty tree before the first
 * commit) is diffed against it; every added or modified blob is scanned
 * whole (multi-line keys, context on unchanged lines) and, afterwards, only
 * the findings that touch an added line are kept.
 */
#ifndef KS_STAGED_H
#define KS_STAGED_H

#include "compat.h"
#include "source.h"

struct ks_findings;
struct ks_stats;
struct ks_staged;

/* Opens the repository (--repo DIR, else from the environment the way git
 * does: GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, the current directory),
 * loads the index and diffs it against HEAD. Returns 0; KS_EINVALID when
 * this is not a usable repository (usage/configuration error); KS_EIO when
 * the index or HEAD cannot be read (the scan cannot be trusted). The error
 * text is in ks_error_last(). */
int ks_staged_open(struct ks_staged **out, const char *repo,
		   struct ks_stats *st);
/* The blobs to scan (one per added or modified path). */
struct ks_job_source ks_staged_jobs(struct ks_staged *s);
/* How many staged paths needed a scan. */
size_t ks_staged_content_changes(const struct ks_staged *s);
/* Keeps only the findings that overlap a line the staged change adds
 * (during a merge: a line new against every parent). */
void ks_staged_filter(struct ks_staged *s, struct ks_findings *fs,
		      struct ks_stats *st);
void ks_staged_free(struct ks_staged *s);
/* The work tree ("/path/"; GIT_WORK_TREE when set), or NULL. */
const char *ks_staged_workdir(const struct ks_staged *s);

#endif
