/* source_staged.c - `keysnare staged`: the index against HEAD. */
#include "compat.h"
#include <git2.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buf.h"
#include "error.h"
#include "finding.h"
#include "log.h"
#include "odb.h"
#include "rules.h"
#include "staged.h"
#include "stats.h"
#include "xalloc.h"

/* One staged path whose content needs a scan. */
struct change {
	char *path;		/* new path, relative to the work tree root */
	char *old_path;		/* NULL: added */
	git_oid id, old_id;
	bool have_lines;	/* lines computed */
	struct range {
		size_t from, to; /* added lines [from, to), 1-based */
	} **added;		/* one list per parent (HEAD, MERGE_HEADs) */
	size_t *added_nr;
};

struct ks_staged {
	git_repository *repo;
	git_index *index;
	git_tree *head;		/* NULL before the first commit */
	git_tree **merge;	/* MERGE_HEAD trees during a merge */
	size_t merge_nr, merge_alloc;
	char *objects_dir;
	char *worktree;		/* GIT_WORK_TREE, when it applies */
	struct change *ch;
	size_t ch_nr, ch_alloc, pos;
	struct ks_stats *st;
};

static int git_error_text(int code, const char *what)
{
	const git_error *e = git_error_last();

	return ks_error_set(code, "%s: %s", what,
			    e && e->message ? e->message : "unknown error");
}

/* Opens the repository the way git would for a hook. libgit2's
 * GIT_REPOSITORY_OPEN_FROM_ENV honours GIT_DIR, GIT_INDEX_FILE,
 * GIT_OBJECT_DIRECTORY and GIT_CEILING_DIRECTORIES but refuses
 * GIT_WORK_TREE and GIT_COMMON_DIR; then the repository is opened from
 * GIT_DIR (or the current directory) and the index git names is loaded
 * by hand. The work tree itself is never read. */
static int open_repo(struct ks_staged *s, const char *dir)
{
	const char *env_index = getenv("GIT_INDEX_FILE");
	const char *env_dir = getenv("GIT_DIR");
	bool from_env = !dir && !getenv("GIT_WORK_TREE") &&
			!getenv("GIT_COMMON_DIR");
	const char *label = dir ? dir : env_dir ? env_dir : ".";
	int rc;

	if (env_index && *env_index) {
		struct stat sb;

		/* a missing index file would read as "everything deleted":
		 * nothing to scan, a silent pass */
		if (stat(env_index, &sb))
			return ks_error_set(KS_EIO,
					    "GIT_INDEX_FILE names '%s': %s",
					    env_index, strerror(errno));
	}
	if (from_env)
		rc = git_repository_open_ext(&s->repo, NULL,
					     GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	else if (dir)
		rc = git_repository_open_ext(&s->repo, dir, 0, NULL);
	else
		rc = git_repository_open_ext(&s->repo, env_dir ? env_dir : ".",
					     env_dir ? GIT_REPOSITORY_OPEN_NO_SEARCH
						     : 0,
					     NULL);
	if (rc == GIT_EOWNER)
		return ks_error_set(KS_EINVALID,
				    "'%s' is owned by another user; if you trust it, mark it safe with: git config --global --add safe.directory '%s'",
				    label, label);
	if (rc == GIT_ENOTFOUND)
		return ks_error_set(KS_EINVALID,
				    "'%s' is not in a git repository%s", label,
				    env_dir ? " (GIT_DIR is set)" : "");
	if (!dir && getenv("GIT_WORK_TREE") && *getenv("GIT_WORK_TREE")) {
		struct ks_buf wt = KS_BUF_INIT;

		ks_buf_adds(&wt, getenv("GIT_WORK_TREE"));
		if (wt.ptr[wt.len - 1] != '/')
			ks_buf_addch(&wt, '/');
		s->worktree = ks_buf_detach(&wt, NULL);
	}
	if (rc < 0)
		return git_error_text(KS_EINVALID, label);
	if (git_repository_is_bare(s->repo) && !(env_index && *env_index))
		return ks_error_set(KS_EINVALID,
				    "'%s' is a bare repository: there is no index to scan",
				    label);
	if (env_index && *env_index && !from_env) {
		if (git_index_open(&s->index, env_index) < 0)
			return git_error_text(KS_EIO, env_index);
	} else if (git_repository_index(&s->index, s->repo) < 0) {
		return git_error_text(KS_EIO, "cannot read the index");
	}
	return 0;
}

static int add_merge_head(const git_oid *id, void *payload)
{
	struct ks_staged *s = payload;
	git_commit *c = NULL;
	git_tree *t = NULL;

	if (git_commit_lookup(&c, s->repo, id) < 0 ||
	    git_commit_tree(&t, c) < 0) {
		git_commit_free(c);
		return git_error_text(KS_EIO, "cannot read MERGE_HEAD");
	}
	git_commit_free(c);
	ALLOC_GROW(s->merge, s->merge_nr + 1, s->merge_alloc);
	s->merge[s->merge_nr++] = t;
	return 0;
}

static int read_head(struct ks_staged *s)
{
	git_commit *c = NULL;
	git_oid id;
	int rc = git_repository_head_unborn(s->repo);

	if (rc == 1)
		return 0; /* the first commit: everything is new */
	if (rc < 0 || git_reference_name_to_id(&id, s->repo, "HEAD") < 0)
		return git_error_text(KS_EIO, "cannot read HEAD");
	/* (not git_revparse_single("HEAD^{tree}"): libgit2 1.5 leaks when
	 * the commit is unreadable) */
	if (git_commit_lookup(&c, s->repo, &id) < 0 ||
	    git_commit_tree(&s->head, c) < 0) {
		rc = git_error_text(KS_EIO, "cannot read HEAD's commit or tree");
		git_commit_free(c);
		return rc;
	}
	git_commit_free(c);
	rc = git_repository_mergehead_foreach(s->repo, add_merge_head, s);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		return rc == KS_EIO ? rc
				    : git_error_text(KS_EIO,
						     "cannot read MERGE_HEAD");
	return 0;
}

/* Unmerged paths cannot be committed; say so instead of guessing which
 * side will win. */
static void list_conflicts(struct ks_staged *s)
{
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *anc, *ours, *theirs;

	if (!git_index_has_conflicts(s->index) ||
	    git_index_conflict_iterator_new(&it, s->index) < 0)
		return;
	while (!git_index_conflict_next(&anc, &ours, &theirs, it)) {
		const git_index_entry *e = ours ? ours : theirs ? theirs : anc;

		ks_stats_error(s->st, e->path,
			       "unmerged: resolve the conflict and `git add` the file, then it is scanned");
	}
	git_index_conflict_iterator_free(it);
}

static void add_change(struct ks_staged *s, const git_diff_delta *d)
{
	struct change *c;

	ALLOC_GROW(s->ch, s->ch_nr + 1, s->ch_alloc);
	c = &s->ch[s->ch_nr++];
	memset(c, 0, sizeof(*c));
	c->path = xstrdup(d->new_file.path);
	c->id = d->new_file.id;
	if (d->status != GIT_DELTA_ADDED &&
	    (d->old_file.flags & GIT_DIFF_FLAG_EXISTS) &&
	    d->old_file.mode != GIT_FILEMODE_COMMIT) {
		c->old_path = xstrdup(d->old_file.path);
		c->old_id = d->old_file.id;
	}
}

static int cmp_change(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->path,
		      ((const struct change *)b)->path);
}

static int diff_index(struct ks_staged *s)
{
	git_diff_options o;
	git_diff *diff = NULL;
	size_t i, n, added = 0, deleted = 0;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if (git_diff_tree_to_index(&diff, s->repo, s->head, s->index, &o) < 0)
		return git_error_text(KS_EIO, "cannot diff the index against HEAD");
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		added += d->status == GIT_DELTA_ADDED;
		deleted += d->status == GIT_DELTA_DELETED;
	}
	if (added && deleted) {
		/* a moved file is not new content; a moved and edited one
		 * is scanned, and only its added lines count */
		git_diff_find_options fo;

		git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
		fo.flags = GIT_DIFF_FIND_RENAMES;
		if (git_diff_find_similar(diff, &fo) < 0) {
			git_diff_free(diff);
			return git_error_text(KS_EIO, "cannot detect renames");
		}
		n = git_diff_num_deltas(diff);
	}
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		switch (d->status) {
		case GIT_DELTA_ADDED:
		case GIT_DELTA_MODIFIED:
		case GIT_DELTA_RENAMED:
		case GIT_DELTA_COPIED:
		case GIT_DELTA_TYPECHANGE:
			break;
		default:
			continue; /* deleted, unmerged (listed), unchanged */
		}
		if (d->new_file.mode == GIT_FILEMODE_COMMIT) {
			ks_stats_skip(s->st, d->new_file.path, KS_SKIP_GITLINK);
			continue;
		}
		if (d->status != GIT_DELTA_ADDED &&
		    git_oid_equal(&d->old_file.id, &d->new_file.id) &&
		    d->old_file.mode != GIT_FILEMODE_COMMIT)
			continue; /* renamed or mode change only */
		add_change(s, d);
	}
	git_diff_free(diff);
	if (s->ch_nr > 1)
		qsort(s->ch, s->ch_nr, sizeof(*s->ch), cmp_change);
	return 0;
}

int ks_staged_open(struct ks_staged **out, const char *repo,
		   struct ks_stats *st)
{
	struct ks_staged *s = xcalloc(1, sizeof(*s));
	struct ks_buf b = KS_BUF_INIT;
	const char *od = getenv("GIT_OBJECT_DIRECTORY");
	int rc;

	*out = NULL;
	s->st = st;
	ks_git_init();
	if ((rc = open_repo(s, repo))) {
		ks_staged_free(s);
		return rc;
	}
	/* loose objects are checked before libgit2 reads them (odb.h): a
	 * truncated one must not hang the commit */
	if (od && *od && !repo)
		ks_buf_adds(&b, od);
	else
		ks_buf_addf(&b, "%sobjects", git_repository_commondir(s->repo));
	if (ks_repo_safe_odb(s->repo, b.ptr,
			     repo ? NULL
				  : getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES")) < 0) {
		rc = git_error_text(KS_EIO, "cannot open the object database");
		ks_buf_release(&b);
		ks_staged_free(s);
		return rc;
	}
	if ((rc = read_head(s)) || (rc = diff_index(s))) {
		ks_buf_release(&b);
		ks_staged_free(s);
		return rc;
	}
	list_conflicts(s);
	s->objects_dir = ks_buf_detach(&b, NULL);
	*out = s;
	return 0;
}

static int next_staged_job(void *ctx, struct ks_job *job)
{
	struct ks_staged *s = ctx;
	struct change *c;

	if (s->pos >= s->ch_nr)
		return 0;
	c = &s->ch[s->pos];
	memset(job, 0, sizeof(*job));
	job->path = xstrdup(c->path);
	job->odb = s->objects_dir;
	memcpy(job->oid, c->id.id, sizeof(job->oid));
	job->seq = s->pos++;
	return 1;
}

struct ks_job_source ks_staged_jobs(struct ks_staged *s)
{
	struct ks_job_source js = { next_staged_job, s };

	return js;
}

size_t ks_staged_content_changes(const struct ks_staged *s)
{
	return s->ch_nr;
}

/* The blob at path in tree, or NULL (absent, or not a file). */
static git_blob *blob_at(struct ks_staged *s, git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	git_blob *b = NULL;

	if (!tree || git_tree_entry_bypath(&e, tree, path) < 0)
		return NULL;
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
		git_blob_lookup(&b, s->repo, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return b;
}

/* Lines of new that are not in old (old NULL: every line). Returns
 * false when the diff could not be computed (then: every line). */
static bool added_lines(git_blob *old, git_blob *new, const char *path,
			struct range **out, size_t *nr)
{
	git_diff_options o;
	git_patch *p = NULL;
	size_t alloc = 0, i, n;

	*out = NULL;
	*nr = 0;
	if (!old)
		goto all;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.context_lines = 0;
	o.interhunk_lines = 0;
	o.flags = GIT_DIFF_FORCE_TEXT;
	if (git_patch_from_blobs(&p, old, path, new, path, &o) < 0)
		goto all;
	n = git_patch_num_hunks(p);
	for (i = 0; i < n; i++) {
		const git_diff_hunk *h = NULL;

		if (git_patch_get_hunk(&h, NULL, p, i) < 0 || !h->new_lines)
			continue;
		ALLOC_GROW(*out, *nr + 1, alloc);
		(*out)[*nr].from = (size_t)h->new_start;
		(*out)[(*nr)++].to = (size_t)h->new_start + (size_t)h->new_lines;
	}
	git_patch_free(p);
	return true;
all:
	ALLOC_GROW(*out, *nr + 1, alloc);
	(*out)[0].from = 1;
	(*out)[0].to = SIZE_MAX;
	*nr = 1;
	return old == NULL;
}

/* Computes, once per path with findings, its added lines against HEAD
 * and against every MERGE_HEAD. */
static void compute_lines(struct ks_staged *s, struct change *c)
{
	git_blob *new = NULL;
	size_t k, parents = 1 + s->merge_nr;

	c->have_lines = true;
	c->added = xcalloc(parents, sizeof(*c->added));
	c->added_nr = xcalloc(parents, sizeof(*c->added_nr));
	if (git_blob_lookup(&new, s->repo, &c->id) < 0) {
		/* cannot happen once the scan read it; keep everything */
		for (k = 0; k < parents; k++)
			added_lines(NULL, NULL, c->path, &c->added[k],
				    &c->added_nr[k]);
		return;
	}
	for (k = 0; k < parents; k++) {
		git_blob *old = NULL;

		if (k == 0 && c->old_path)
			git_blob_lookup(&old, s->repo, &c->old_id);
		else if (k > 0)
			old = blob_at(s, s->merge[k - 1], c->path);
		if (!added_lines(old, new, c->path, &c->added[k],
				 &c->added_nr[k]))
			ks_log_verbose("%s: cannot diff against the committed version; every line counts as added",
				       c->path);
		git_blob_free(old);
	}
	git_blob_free(new);
}

static bool in_ranges(const struct range *r, size_t nr, size_t line)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (line >= r[i].from && line < r[i].to)
			return true;
	return false;
}

/* Whether some line of the finding is added against every parent. */
static bool touches_added(const struct change *c, size_t parents,
			  const struct ks_finding *f)
{
	size_t line, last = f->end_line >= f->line ? f->end_line : f->line, k;

	for (line = f->line; line <= last; line++) {
		for (k = 0; k < parents; k++)
			if (!in_ranges(c->added[k], c->added_nr[k], line))
				break;
		if (k == parents)
			return true;
	}
	return false;
}

void ks_staged_filter(struct ks_staged *s, struct ks_findings *fs,
		      struct ks_stats *st)
{
	size_t i, out = 0;

	(void)st;
	for (i = 0; i < fs->nr; i++) {
		struct ks_finding *f = &fs->f[i];
		struct change key, *c;

		key.path = f->path;
		c = bsearch(&key, s->ch, s->ch_nr, sizeof(*s->ch), cmp_change);
		if (c && !c->have_lines)
			compute_lines(s, c);
		if (!c || touches_added(c, 1 + s->merge_nr, f)) {
			fs->f[out++] = *f;
			continue;
		}
		ks_log_verbose("%s:%zu: %s: on a line this commit does not add: not reported",
			       f->path, f->line, f->rule->id);
		ks_finding_release(f);
	}
	fs->nr = out;
}

const char *ks_staged_workdir(const struct ks_staged *s)
{
	return s->worktree ? s->worktree : git_repository_workdir(s->repo);
}

void ks_staged_free(struct ks_staged *s)
{
	size_t i, k;

	if (!s)
		return;
	for (i = 0; i < s->ch_nr; i++) {
		struct change *c = &s->ch[i];

		if (c->added)
			for (k = 0; k < 1 + s->merge_nr; k++)
				free(c->added[k]);
		free(c->added);
		free(c->added_nr);
		free(c->path);
		free(c->old_path);
	}
	free(s->ch);
	for (i = 0; i < s->merge_nr; i++)
		git_tree_free(s->merge[i]);
	free(s->merge);
	git_tree_free(s->head);
	git_index_free(s->index);
	git_repository_free(s->repo);
	free(s->objects_dir);
	free(s->worktree);
	free(s);
}
