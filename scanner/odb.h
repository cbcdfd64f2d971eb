/* odb.h - the object databases keysnare reads through.
 *
 * Like git_odb_open() (packs first, then loose objects, then the
 * alternates), except that libgit2's loose-object backend is wrapped so that
 * every loose object is checked (loose.h) before libgit2 inflates it: a
 * truncated or lying loose object becomes an error naming it instead of an
 * endless loop (libgit2#7342) or a buffer overrun (libgit2#7177) in
 * libgit2 1.5. Every read keysnare or libgit2 makes for it (peeling refs,
 * diffs, tree lookups) goes through this.
 */
#ifndef KS_ODB_H
#define KS_ODB_H

#include "compat.h"

typedef struct git_odb git_odb;
typedef struct git_repository git_repository;

/* Opens the object database in objects_dir (with its alternates and, when
 * alt_env is not NULL, the colon-separated directories in it). Returns 0
 * or a libgit2 error code (git_error_last() says why). */
int ks_odb_open(git_odb **out, const char *objects_dir, const char *alt_env);
/* Replaces repo's object database with one from ks_odb_open() on
 * objects_dir (NULL: the repository's own objects directory). */
int ks_repo_safe_odb(git_repository *repo, const char *objects_dir,
		     const char *alt_env);

#endif
