/* source_git.c - history: commit walk, unique blobs, messages, provenance. */
#include "compat.h"
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <git2.h>
#include "history.h"
#include "buf.h"
#include "error.h"
#include "finding.h"
#include "log.h"
#include "odb.h"
#include "pipeline.h"
#include "rules.h"
#include "stats.h"
#include "xalloc.h"

/* A set of object ids (open addressing; ids are uniformly random), at
 * most 70% full. The history walk keeps one id per commit, tree and blob:
 * ~40 bytes an object is its memory, so values are only kept by the sets
 * that ask (OIDSET_VALS). */
struct oidset {
	git_oid *slot;
	size_t *val;	/* a value per id, with vals */
	bool *used;
	size_t nr, cap;
	bool vals;
};

#define OIDSET_VALS { NULL, NULL, NULL, 0, 0, true }

static size_t oid_hash(const git_oid *id)
{
	size_t h;

	memcpy(&h, id->id, sizeof(h));
	return h;
}

static void oidset_grow(struct oidset *s);

/* Returns the slot of id, inserting it when absent (*added set). */
static size_t oidset_put(struct oidset *s, const git_oid *id, bool *added)
{
	size_t i;

	if ((s->nr + 1) * 10 > s->cap * 7)
		oidset_grow(s);
	i = oid_hash(id) & (s->cap - 1);
	while (s->used[i]) {
		if (!git_oid_cmp(&s->slot[i], id)) {
			if (added)
				*added = false;
			return i;
		}
		i = (i + 1) & (s->cap - 1);
	}
	s->used[i] = true;
	git_oid_cpy(&s->slot[i], id);
	if (s->vals)
		s->val[i] = SIZE_MAX;
	s->nr++;
	if (added)
		*added = true;
	return i;
}

static bool oidset_has(const struct oidset *s, const git_oid *id, size_t *slot)
{
	size_t i;

	if (!s->cap)
		return false;
	i = oid_hash(id) & (s->cap - 1);
	while (s->used[i]) {
		if (!git_oid_cmp(&s->slot[i], id)) {
			if (slot)
				*slot = i;
			return true;
		}
		i = (i + 1) & (s->cap - 1);
	}
	return false;
}

static void oidset_grow(struct oidset *s)
{
	struct oidset old = *s;
	size_t i;

	s->cap = old.cap ? old.cap * 2 : 1024;
	s->slot = xcalloc(s->cap, sizeof(*s->slot));
	s->val = s->vals ? xcalloc(s->cap, sizeof(*s->val)) : NULL;
	s->used = xcalloc(s->cap, sizeof(*s->used));
	s->nr = 0;
	for (i = 0; i < old.cap; i++)
		if (old.used[i]) {
			size_t j = oidset_put(s, &old.slot[i], NULL);

			if (s->vals)
				s->val[j] = old.val[i];
		}
	free(old.slot);
	free(old.val);
	free(old.used);
}

static void oidset_clear(struct oidset *s)
{
	free(s->slot);
	free(s->val);
	free(s->used);
	s->slot = NULL;
	s->val = NULL;
	s->used = NULL;
	s->nr = s->cap = 0;
}

/* A commit the walk selected. */
struct commit_ref {
	git_oid id;
	git_oid tree;
	int64_t time;
	git_oid *parent;	/* owned */
	unsigned parent_nr;
};

/* The tree graph: every tree the walk read, as (name, child) pairs with
 * interned names and the children's indices (trees and blobs are numbered
 * as the walk meets them). 8 bytes an entry, against 60-odd for a parsed
 * git_tree: provenance diffs commits here instead of reading every tree a
 * second time (bench/'s history: 22 MB; 1.4 s of tree reads saved). Over
 * KS_TGRAPH_MAX bytes it is dropped and provenance reads trees again. */
#define KS_TGRAPH_MAX ((size_t)64 << 20)
#define TG_TREE 0x80000000u
#define TG_NONE UINT32_MAX

struct tgent {
	uint32_t name;
	uint32_t child;	/* blob index, or tree index | TG_TREE */
};

struct tgraph {
	uint32_t *off, *cnt;	/* per tree index; off TG_NONE: not read */
	size_t tree_nr, tree_alloc;
	uint32_t blob_nr;
	struct tgent *ent;
	size_t ent_nr, ent_alloc;
	char **name;
	size_t name_nr, name_alloc;
	uint32_t *name_tab;	/* id + 1 per slot, 0 empty */
	size_t name_cap;
	size_t max;		/* budget in bytes */
	bool off_;		/* dropped (over budget) */
};

/* A (blob, path, commit) where provenance saw the blob come in. */
struct intro {
	size_t blob;	/* slot in interesting */
	char *path;
	size_t commit;	/* index into the time-ordered commit list */
	size_t seq;	/* order of recording, for ties */
};

struct pending_tree {
	git_oid id;
	char *prefix;
};

struct ks_history {
	struct ks_history_opts opts;
	struct ks_stats *st;
	git_repository *repo;
	git_odb *odb;
	char *label;			/* repository path for messages */
	char *objects_dir;		/* for the workers' own odb */
	/* the commit walk */
	git_oid *stack;
	size_t stack_nr, stack_alloc;
	struct oidset visited, hidden;
	struct commit_ref *commits;	/* selected commits, walk order */
	size_t commit_nr, commit_alloc;
	/* enumeration (values: the graph's tree and blob indices) */
	struct oidset trees, blobs;
	struct tgraph g;
	struct pending_tree *trees_todo;
	size_t trees_todo_nr, trees_todo_alloc;
	struct ks_job *jobs;		/* produced, not yet handed out */
	size_t job_nr, job_alloc, job_pos;
	char **gitlinks;		/* paths listed once */
	size_t gitlink_nr, gitlink_alloc;
	bool walk_done, tags_done, odb_done, refobj_done;
	struct ref_object {
		char *name;
		git_oid id;
		git_object_t type;
	} *refobj;			/* refs to trees or blobs */
	size_t refobj_nr, refobj_alloc;
	struct oidset refonly;		/* blobs reached through those */
	bool in_refobj;
	/* --recurse-submodules */
	char *prefix;			/* "path/" of this submodule, or "" */
	struct submodule {
		char *path;
		git_oid *commit;	/* commits the superproject records */
		size_t commit_nr, commit_alloc;
	} *sub;
	size_t sub_nr, sub_alloc;
	struct ks_history **child;
	size_t child_nr, child_alloc, child_pos;
	bool subs_done;
	size_t seq, job_total;
	double progress_start, progress_next;
	bool progress_done;
};

static int git_fail(const char *what)
{
	const git_error *e = git_error_last();

	return ks_error_set(KS_EINVALID, "%s: %s", what,
			    e && e->message ? e->message : "unknown error");
}

static void push_commit(struct ks_history *h, const git_oid *id)
{
	ALLOC_GROW(h->stack, h->stack_nr + 1, h->stack_alloc);
	git_oid_cpy(&h->stack[h->stack_nr++], id);
}

/* Marks every commit reachable from id as hidden ("^A", "A..B"). */
static void hide_closure(struct ks_history *h, const git_oid *id)
{
	git_oid *st = NULL;
	size_t nr = 0, alloc = 0;
	bool added;

	ALLOC_GROW(st, nr + 1, alloc);
	st[nr++] = *id;
	while (nr) {
		git_oid cur = st[--nr];
		git_commit *c = NULL;
		unsigned i;

		oidset_put(&h->hidden, &cur, &added);
		if (!added || git_commit_lookup(&c, h->repo, &cur) < 0)
			continue;
		for (i = 0; i < git_commit_parentcount(c); i++) {
			ALLOC_GROW(st, nr + 1, alloc);
			st[nr++] = *git_commit_parent_id(c, i);
		}
		git_commit_free(c);
	}
	free(st);
}

static int resolve_commit(struct ks_history *h, const char *spec, git_oid *out)
{
	git_object *obj = NULL, *peeled = NULL;
	int err = 0;

	if (git_revparse_single(&obj, h->repo, spec) < 0)
		return ks_error_set(KS_EINVALID, "bad revision '%s'", spec);
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0)
		err = ks_error_set(KS_EINVALID, "'%s' does not name a commit",
				   spec);
	else
		git_oid_cpy(out, git_object_id(peeled));
	git_object_free(peeled);
	git_object_free(obj);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every ref that leads to a commit, sorted by name, plus HEAD. */
static int push_all_refs(struct ks_history *h)
{
	git_strarray names = { NULL, 0 };
	char **sorted;
	size_t i;
	git_oid id;

	if (git_reference_list(&names, h->repo) < 0)
		return git_fail("cannot list references");
	sorted = xcalloc(names.count ? names.count : 1, sizeof(*sorted));
	for (i = 0; i < names.count; i++)
		sorted[i] = names.strings[i];
	if (names.count > 1)
		qsort(sorted, names.count, sizeof(*sorted), cmp_str);
	for (i = names.count; i-- > 0;) {
		git_object *obj = NULL, *peeled = NULL;

		if (git_revparse_single(&obj, h->repo, sorted[i]) < 0)
			continue; /* a dangling symref */
		if (!git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT)) {
			push_commit(h, git_object_id(peeled));
		} else {
			/* a ref (usually a tag) to a tree or a blob */
			git_object_t t = git_object_type(obj);

			git_object_free(peeled);
			peeled = NULL;
			if (t == GIT_OBJECT_TAG &&
			    !git_tag_peel(&peeled, (git_tag *)obj))
				t = git_object_type(peeled);
			else if (t == GIT_OBJECT_TREE || t == GIT_OBJECT_BLOB)
				git_object_dup(&peeled, obj);
			if (t == GIT_OBJECT_TREE || t == GIT_OBJECT_BLOB) {
				ALLOC_GROW(h->refobj, h->refobj_nr + 1,
					   h->refobj_alloc);
				h->refobj[h->refobj_nr].name = xstrdup(sorted[i]);
				h->refobj[h->refobj_nr].id =
					*git_object_id(peeled);
				h->refobj[h->refobj_nr++].type = t;
			}
		}
		git_object_free(peeled);
		git_object_free(obj);
	}
	free(sorted);
	git_strarray_dispose(&names);
	if (!git_reference_name_to_id(&id, h->repo, "HEAD"))
		push_commit(h, &id);
	return 0;
}

static int push_revs(struct ks_history *h)
{
	size_t i;

	if (!h->opts.rev_nr)
		return push_all_refs(h);
	for (i = h->opts.rev_nr; i-- > 0;) {
		const char *spec = h->opts.revs[i];
		const char *dots = strstr(spec, "..");
		git_oid id;

		if (spec[0] == '^') {
			if (resolve_commit(h, spec + 1, &id))
				return KS_EINVALID;
			hide_closure(h, &id);
		} else if (dots) {
			char *left = xmemdupz(spec, (size_t)(dots - spec));
			const char *right = dots + 2;
			int err = 0;

			if (*right == '.')
				err = ks_error_set(KS_EINVALID,
						   "'%s': symmetric ranges (A...B) are not supported",
						   spec);
			if (!err)
				err = resolve_commit(h, *left ? left : "HEAD",
						     &id);
			if (!err)
				hide_closure(h, &id);
			free(left);
			if (!err)
				err = resolve_commit(h, *right ? right : "HEAD",
						     &id);
			if (err)
				return err;
			push_commit(h, &id);
		} else {
			if (resolve_commit(h, spec, &id))
				return KS_EINVALID;
			push_commit(h, &id);
		}
	}
	return 0;
}

int ks_history_open(struct ks_history **out, const struct ks_history_opts *o,
		    struct ks_stats *st)
{
	struct ks_history *h = xcalloc(1, sizeof(*h));
	const char *path = o->repo ? o->repo : ".";
	int rc;

	*out = NULL;
	h->opts = *o;
	h->st = st;
	h->trees.vals = h->blobs.vals = true;
	h->g.max = KS_TGRAPH_MAX;
	{
		/* for tests of the fallback: a smaller budget (0: none) */
		const char *m = getenv("KEYSNARE_TREE_GRAPH_MAX");

		if (m && *m)
			h->g.max = (size_t)strtoull(m, NULL, 10);
	}
	h->label = xstrdup(path);
	st->history = true;
	ks_git_init();
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION,
			 o->paranoid ? 1 : 0);
	/* Memory: small pack windows under one process-wide cap (128 MiB)
	 * bound the resident part of any pack. libgit2's object cache holds
	 * no trees or commits: the walk reads each tree and commit once, and
	 * filling the cache (then evicting from it) cost more than it saved:
	 * on bench/'s history (296 MiB pack) the walk took 2.1 s with a
	 * 128 MiB cache and 0.9 s without, and the cache's parsed trees were
	 * most of a 553 MiB peak RSS. Provenance keeps its own tree cache. */
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)32 << 20);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)128 << 20);
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
			 (size_t)0);
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_COMMIT,
			 (size_t)0);
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)16 << 20);
	rc = git_repository_open_ext(&h->repo, path, 0, NULL);
	if (rc == GIT_EOWNER) {
		ks_history_free(h);
		return ks_error_set(KS_EINVALID,
				    "'%s' is owned by another user; if you trust it, mark it safe with: git config --global --add safe.directory '%s'",
				    path, path);
	}
	if (rc < 0) {
		struct stat sb;
		const git_error *e = git_error_last();
		char *msg = xstrdup(e && e->message ? e->message : "unknown error");
		struct ks_buf gd = KS_BUF_INIT, bare = KS_BUF_INIT;
		bool looks_like_repo;

		ks_buf_addf(&gd, "%s/.git", path);
		ks_buf_addf(&bare, "%s/objects", path);
		looks_like_repo = !access(gd.ptr, F_OK) || !access(bare.ptr, F_OK);
		ks_buf_release(&gd);
		ks_buf_release(&bare);
		ks_history_free(h);
		/* libgit2 may fail on the other user's files (or say "not
		 * found") before its own ownership check can say so */
		if (looks_like_repo && !stat(path, &sb) &&
		    sb.st_uid != geteuid()) {
			rc = ks_error_set(KS_EINVALID,
					  "'%s' is owned by another user (uid %u); if you trust it, mark it safe with: git config --global --add safe.directory '%s' (%s)",
					  path, (unsigned)sb.st_uid, path, msg);
		} else if (rc == GIT_ENOTFOUND) {
			rc = ks_error_set(KS_EINVALID,
					  "'%s' is not a git repository", path);
		} else {
			rc = ks_error_set(KS_EINVALID, "%s: %s", path, msg);
		}
		free(msg);
		return rc;
	}
	if (ks_repo_safe_odb(h->repo, NULL, NULL) < 0 ||
	    git_repository_odb(&h->odb, h->repo) < 0) {
		rc = git_fail("cannot open the object database");
		ks_history_free(h);
		return rc;
	}
	{
		struct ks_buf d = KS_BUF_INIT;

		ks_buf_addf(&d, "%sobjects", git_repository_commondir(h->repo));
		h->objects_dir = ks_buf_detach(&d, NULL);
	}
	if (git_repository_is_shallow(h->repo) == 1) {
		st->truncated = true;
		if (!o->allow_shallow) {
			st->incomplete = true;
			warning("'%s' is a shallow clone: history is truncated, commits before the boundary are not scanned (fetch with --unshallow, or pass --allow-shallow)",
				path);
		} else {
			ks_log_verbose("'%s' is a shallow clone: scanning the commits it has",
				       path);
		}
	}
	if ((rc = push_revs(h))) {
		ks_history_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

static void tg_free(struct tgraph *g)
{
	size_t i;

	for (i = 0; i < g->name_nr; i++)
		free(g->name[i]);
	free(g->name);
	free(g->name_tab);
	free(g->off);
	free(g->cnt);
	free(g->ent);
	{
		size_t max = g->max;

		memset(g, 0, sizeof(*g));
		g->max = max;
	}
}

static size_t tg_bytes(const struct tgraph *g)
{
	return g->ent_alloc * sizeof(*g->ent) +
	       g->tree_alloc * 2 * sizeof(uint32_t) +
	       g->name_cap * sizeof(uint32_t);
}

/* Gives up the graph (provenance will read trees instead). */
static void tg_drop(struct tgraph *g, const char *why)
{
	if (g->off_)
		return;
	ks_log_debug("tree graph dropped (%s): provenance reads trees", why);
	tg_free(g);
	g->off_ = true;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static uint32_t tg_name(struct tgraph *g, const char *name)
{
	size_t i;

	if (g->name_nr * 2 >= g->name_cap) {
		size_t old = g->name_cap, k;
		uint32_t *ot = g->name_tab;

		g->name_cap = old ? old * 2 : 1024;
		g->name_tab = xcalloc(g->name_cap, sizeof(*g->name_tab));
		for (k = 0; k < old; k++)
			if (ot[k]) {
				i = name_hash(g->name[ot[k] - 1]) &
				    (g->name_cap - 1);
				while (g->name_tab[i])
					i = (i + 1) & (g->name_cap - 1);
				g->name_tab[i] = ot[k];
			}
		free(ot);
	}
	i = name_hash(name) & (g->name_cap - 1);
	while (g->name_tab[i]) {
		if (!strcmp(g->name[g->name_tab[i] - 1], name))
			return g->name_tab[i] - 1;
		i = (i + 1) & (g->name_cap - 1);
	}
	ALLOC_GROW(g->name, g->name_nr + 1, g->name_alloc);
	g->name[g->name_nr] = xstrdup(name);
	g->name_tab[i] = (uint32_t)++g->name_nr;
	return (uint32_t)(g->name_nr - 1);
}

/* The index of tree id (numbered when first met). */
static uint32_t tree_index(struct ks_history *h, const git_oid *id,
			   bool *added)
{
	struct tgraph *g = &h->g;
	size_t slot = oidset_put(&h->trees, id, added);

	if (*added) {
		h->trees.val[slot] = g->tree_nr;
		if (!g->off_) {
			ALLOC_GROW(g->off, g->tree_nr + 1, g->tree_alloc);
			g->cnt = xrealloc(g->cnt, g->tree_alloc * sizeof(*g->cnt));
			g->off[g->tree_nr] = TG_NONE;
			g->cnt[g->tree_nr] = 0;
		}
		g->tree_nr++;
		if (g->tree_nr >= TG_TREE)
			tg_drop(g, "too many trees");
	}
	return (uint32_t)h->trees.val[slot];
}

static uint32_t blob_index(struct ks_history *h, const git_oid *id,
			   bool *added)
{
	size_t slot = oidset_put(&h->blobs, id, added);

	if (*added)
		h->blobs.val[slot] = h->g.blob_nr++;
	return (uint32_t)h->blobs.val[slot];
}

static void tg_add(struct tgraph *g, const char *name, uint32_t child)
{
	if (g->off_)
		return;
	ALLOC_GROW(g->ent, g->ent_nr + 1, g->ent_alloc);
	g->ent[g->ent_nr].name = tg_name(g, name);
	g->ent[g->ent_nr++].child = child;
	if (tg_bytes(g) > g->max || g->ent_nr >= TG_NONE)
		tg_drop(g, "over its memory budget");
}

const char *ks_history_workdir(const struct ks_history *h)
{
	return git_repository_workdir(h->repo);
}

static void free_jobs(struct ks_history *h)
{
	size_t i;

	for (i = h->job_pos; i < h->job_nr; i++)
		ks_job_release(&h->jobs[i]);
	h->job_nr = h->job_pos = 0;
}

void ks_history_free(struct ks_history *h)
{
	size_t i;

	if (!h)
		return;
	free_jobs(h);
	free(h->jobs);
	for (i = 0; i < h->trees_todo_nr; i++)
		free(h->trees_todo[i].prefix);
	free(h->trees_todo);
	for (i = 0; i < h->gitlink_nr; i++)
		free(h->gitlinks[i]);
	free(h->gitlinks);
	for (i = 0; i < h->sub_nr; i++) {
		free(h->sub[i].path);
		free(h->sub[i].commit);
	}
	free(h->sub);
	for (i = 0; i < h->child_nr; i++)
		ks_history_free(h->child[i]);
	free(h->child);
	free(h->prefix);
	for (i = 0; i < h->refobj_nr; i++)
		free(h->refobj[i].name);
	free(h->refobj);
	oidset_clear(&h->refonly);
	oidset_clear(&h->visited);
	oidset_clear(&h->hidden);
	oidset_clear(&h->trees);
	oidset_clear(&h->blobs);
	tg_free(&h->g);
	free(h->stack);
	for (i = 0; i < h->commit_nr; i++)
		free(h->commits[i].parent);
	free(h->commits);
	free(h->label);
	free(h->objects_dir);
	git_odb_free(h->odb);
	git_repository_free(h->repo);
	free(h);
}

static struct ks_job *new_job(struct ks_history *h, char *path)
{
	struct ks_job *j;

	ALLOC_GROW(h->jobs, h->job_nr + 1, h->job_alloc);
	j = &h->jobs[h->job_nr++];
	memset(j, 0, sizeof(*j));
	j->path = path;
	return j;
}

static char *with_prefix(const struct ks_history *h, const char *path)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_buf_adds(&b, h->prefix ? h->prefix : "");
	ks_buf_adds(&b, path);
	return ks_buf_detach(&b, NULL);
}

static void add_blob_job(struct ks_history *h, const git_oid *id,
			 const char *path)
{
	struct ks_job *j = new_job(h, with_prefix(h, path));

	j->odb = h->objects_dir;
	memcpy(j->oid, id->id, sizeof(j->oid));
	h->st->blobs++;
	if (h->in_refobj)
		oidset_put(&h->refonly, id, NULL);
}

static void add_message_job(struct ks_history *h, const char *kind,
			    const char *name, const char *msg)
{
	struct ks_buf p = KS_BUF_INIT;
	struct ks_job *j;

	if (!msg || !*msg)
		return;
	ks_buf_addf(&p, "%s%s:%s", h->prefix ? h->prefix : "", kind, name);
	j = new_job(h, ks_buf_detach(&p, NULL));
	j->mem = xstrdup(msg);
	j->mem_len = strlen(msg);
}

static void list_gitlink(struct ks_history *h, const char *path);

/* Remembers a gitlink's commit, to scan in the submodule's repository. */
static void note_submodule(struct ks_history *h, const char *path,
			   const git_oid *commit)
{
	struct submodule *sm = NULL;
	size_t i;

	for (i = 0; i < h->sub_nr; i++)
		if (!strcmp(h->sub[i].path, path))
			sm = &h->sub[i];
	if (!sm) {
		ALLOC_GROW(h->sub, h->sub_nr + 1, h->sub_alloc);
		sm = &h->sub[h->sub_nr++];
		memset(sm, 0, sizeof(*sm));
		sm->path = xstrdup(path);
	}
	for (i = 0; i < sm->commit_nr; i++)
		if (!git_oid_cmp(&sm->commit[i], commit))
			return;
	ALLOC_GROW(sm->commit, sm->commit_nr + 1, sm->commit_alloc);
	sm->commit[sm->commit_nr++] = *commit;
}

static void list_gitlink(struct ks_history *h, const char *path)
{
	size_t i;

	for (i = 0; i < h->gitlink_nr; i++)
		if (!strcmp(h->gitlinks[i], path))
			return;
	ALLOC_GROW(h->gitlinks, h->gitlink_nr + 1, h->gitlink_alloc);
	h->gitlinks[h->gitlink_nr++] = xstrdup(path);
	{
		char *full = with_prefix(h, path);

		ks_stats_skip(h->st, full, KS_SKIP_GITLINK);
		free(full);
	}
}

static void join(struct ks_buf *b, const char *prefix, const char *name)
{
	size_t pl = strlen(prefix);

	ks_buf_reset(b);
	if (pl) {
		ks_buf_adds(b, prefix);
		if (prefix[pl - 1] != ':')
			ks_buf_addch(b, '/');
	}
	ks_buf_adds(b, name);
}

/* One entry of a raw tree object: "MODE NAME\0" and a 20-byte id. */
struct rawent {
	unsigned mode;
	const char *name;
	const unsigned char *id;
};

/* Reads the next entry at *p; returns 1, 0 at the end, or -1 when the
 * tree is malformed. Parsing trees here, not through git_tree_lookup(),
 * spares the walk libgit2's per-tree entry vectors and object cache
 * (which costs more than it saves when each tree is read once). */
static int rawtree_next(const unsigned char **p, const unsigned char *end,
			struct rawent *e)
{
	const unsigned char *q = *p, *nul;
	unsigned mode = 0;
	int digits = 0;

	if (q == end)
		return 0;
	while (q < end && *q >= '0' && *q <= '7' && digits < 7) {
		mode = mode * 8 + (unsigned)(*q++ - '0');
		digits++;
	}
	if (!digits || q == end || *q++ != ' ')
		return -1;
	nul = memchr(q, 0, (size_t)(end - q));
	if (!nul || nul == q || (size_t)(end - nul - 1) < GIT_OID_RAWSZ)
		return -1;
	e->mode = mode;
	e->name = (const char *)q;
	e->id = nul + 1;
	*p = nul + 1 + GIT_OID_RAWSZ;
	return 1;
}

static git_object_t rawent_type(unsigned mode)
{
	switch (mode & 0170000) {
	case 0040000:
		return GIT_OBJECT_TREE;
	case 0160000:
		return GIT_OBJECT_COMMIT;
	default:
		return GIT_OBJECT_BLOB;
	}
}

/* Reads a tree object's raw bytes; NULL after recording an error. */
static git_odb_object *read_tree(struct ks_history *h, const git_oid *id,
				 const char *where)
{
	git_odb_object *o = NULL;
	char hex[GIT_OID_HEXSZ + 1];

	if (!git_odb_read(&o, h->odb, id)) {
		if (git_odb_object_type(o) == GIT_OBJECT_TREE)
			return o;
		git_odb_object_free(o);
		git_oid_tostr(hex, sizeof(hex), id);
		ks_stats_error(h->st, *where ? where : "/",
			       "object %s is not a tree", hex);
		return NULL;
	}
	{
		const git_error *e = git_error_last();

		git_oid_tostr(hex, sizeof(hex), id);
		ks_stats_error(h->st, *where ? where : "/",
			       "cannot read tree %s: %s", hex,
			       e ? e->message : "unknown error");
	}
	return NULL;
}

/* Queues the new blobs of tree id (and of its new subtrees). */
static void enumerate_tree(struct ks_history *h, const git_oid *root,
			   const char *root_prefix)
{
	struct ks_buf path = KS_BUF_INIT;
	bool added;

	tree_index(h, root, &added);
	if (!added)
		return;
	ALLOC_GROW(h->trees_todo, h->trees_todo_nr + 1, h->trees_todo_alloc);
	h->trees_todo[h->trees_todo_nr].id = *root;
	h->trees_todo[h->trees_todo_nr++].prefix = xstrdup(root_prefix);
	while (h->trees_todo_nr) {
		struct pending_tree pt = h->trees_todo[--h->trees_todo_nr];
		git_odb_object *tree = read_tree(h, &pt.id, pt.prefix);
		const unsigned char *p, *end;
		struct rawent e;
		uint32_t t, c;
		int rc;

		if (!tree) {
			free(pt.prefix);
			continue;
		}
		t = tree_index(h, &pt.id, &added);
		if (!h->g.off_)
			h->g.off[t] = (uint32_t)h->g.ent_nr;
		p = git_odb_object_data(tree);
		end = p + git_odb_object_size(tree);
		while ((rc = rawtree_next(&p, end, &e)) > 0) {
			git_oid id;

			memcpy(id.id, e.id, GIT_OID_RAWSZ);
			switch (rawent_type(e.mode)) {
			case GIT_OBJECT_BLOB:
				c = blob_index(h, &id, &added);
				tg_add(&h->g, e.name, c);
				if (added) {
					join(&path, pt.prefix, e.name);
					add_blob_job(h, &id, path.ptr);
				}
				break;
			case GIT_OBJECT_TREE:
				c = tree_index(h, &id, &added);
				tg_add(&h->g, e.name, c | TG_TREE);
				if (!added)
					break;
				join(&path, pt.prefix, e.name);
				ALLOC_GROW(h->trees_todo, h->trees_todo_nr + 1,
					   h->trees_todo_alloc);
				h->trees_todo[h->trees_todo_nr].id = id;
				h->trees_todo[h->trees_todo_nr++].prefix =
					xstrdup(path.ptr);
				break;
			default:
				join(&path, pt.prefix, e.name);
				if (h->opts.recurse_submodules)
					note_submodule(h, path.ptr, &id);
				else
					list_gitlink(h, path.ptr);
				break;
			}
		}
		if (!h->g.off_)
			h->g.cnt[t] = (uint32_t)h->g.ent_nr - h->g.off[t];
		if (rc < 0) {
			char hex[GIT_OID_HEXSZ + 1];

			git_oid_tostr(hex, sizeof(hex), &pt.id);
			ks_stats_error(h->st, *pt.prefix ? pt.prefix : "/",
				       "tree %s is malformed; the entries after the damage are not scanned",
				       hex);
		}
		git_odb_object_free(tree);
		free(pt.prefix);
	}
	ks_buf_release(&path);
}

/* Marks every tree and blob of a commit outside the selection as seen, so
 * that a range scan ("A..B", --since) reads only what the selected
 * commits changed. */
static void mark_seen(struct ks_history *h, const git_oid *commit_id)
{
	git_commit *c = NULL;
	git_oid *st = NULL;
	size_t nr = 0, alloc = 0;
	bool added;

	if (git_commit_lookup(&c, h->repo, commit_id) < 0)
		return;
	ALLOC_GROW(st, nr + 1, alloc);
	st[nr++] = *git_commit_tree_id(c);
	git_commit_free(c);
	while (nr) {
		git_oid id = st[--nr];
		git_odb_object *tree = NULL;
		const unsigned char *p, *end;
		struct rawent e;

		uint32_t t = tree_index(h, &id, &added);

		if (!added || git_odb_read(&tree, h->odb, &id) < 0)
			continue;
		p = git_odb_object_data(tree);
		end = p + git_odb_object_size(tree);
		if (!h->g.off_)
			h->g.off[t] = (uint32_t)h->g.ent_nr;
		while (git_odb_object_type(tree) == GIT_OBJECT_TREE &&
		       rawtree_next(&p, end, &e) > 0) {
			git_oid eid;
			bool a2;

			memcpy(eid.id, e.id, GIT_OID_RAWSZ);
			if (rawent_type(e.mode) == GIT_OBJECT_BLOB) {
				tg_add(&h->g, e.name, blob_index(h, &eid, &a2));
			} else if (rawent_type(e.mode) == GIT_OBJECT_TREE) {
				tg_add(&h->g, e.name,
				       tree_index(h, &eid, &a2) | TG_TREE);
				ALLOC_GROW(st, nr + 1, alloc);
				st[nr++] = eid;
			}
		}
		if (!h->g.off_)
			h->g.cnt[t] = (uint32_t)h->g.ent_nr - h->g.off[t];
		git_odb_object_free(tree);
	}
	free(st);
}

/* Whether a parent commit is outside the selection (hidden by a range, or
 * outside --since/--until). */
static bool outside(struct ks_history *h, const git_oid *id)
{
	git_commit *c = NULL;
	int64_t t;

	if (oidset_has(&h->hidden, id, NULL))
		return true;
	if (h->opts.since == INT64_MIN && h->opts.until == INT64_MAX)
		return false;
	if (git_commit_lookup(&c, h->repo, id) < 0)
		return false;
	t = (int64_t)git_commit_time(c);
	git_commit_free(c);
	return t < h->opts.since || t > h->opts.until;
}

/* Walks one more commit; returns false when the walk is over. */
static bool walk_one(struct ks_history *h)
{
	while (h->stack_nr) {
		git_oid id = h->stack[--h->stack_nr];
		git_commit *c = NULL;
		char hex[GIT_OID_HEXSZ + 1];
		bool added;
		unsigned i;
		int64_t t;

		if (oidset_has(&h->hidden, &id, NULL))
			continue;
		oidset_put(&h->visited, &id, &added);
		if (!added)
			continue;
		git_oid_tostr(hex, sizeof(hex), &id);
		if (git_commit_lookup(&c, h->repo, &id) < 0) {
			const git_error *e = git_error_last();

			if (h->st->truncated)
				continue; /* beyond a shallow boundary */
			ks_stats_error(h->st, h->label, "cannot read commit %s: %s",
				       hex, e ? e->message : "unknown error");
			continue;
		}
		/* parents in reverse, so the first parent is walked first */
		for (i = git_commit_parentcount(c); i-- > 0;)
			push_commit(h, git_commit_parent_id(c, i));
		t = (int64_t)git_commit_time(c);
		if (t < h->opts.since || t > h->opts.until) {
			git_commit_free(c);
			continue;
		}
		for (i = 0; i < git_commit_parentcount(c); i++)
			if (outside(h, git_commit_parent_id(c, i)))
				mark_seen(h, git_commit_parent_id(c, i));
		ALLOC_GROW(h->commits, h->commit_nr + 1, h->commit_alloc);
		h->commits[h->commit_nr].id = id;
		h->commits[h->commit_nr].tree = *git_commit_tree_id(c);
		h->commits[h->commit_nr].time = t;
		h->commits[h->commit_nr].parent_nr = git_commit_parentcount(c);
		h->commits[h->commit_nr].parent =
			xcalloc(git_commit_parentcount(c) + 1, sizeof(git_oid));
		for (i = 0; i < git_commit_parentcount(c); i++)
			h->commits[h->commit_nr].parent[i] =
				*git_commit_parent_id(c, i);
		h->commit_nr++;
		h->st->commits++;
		add_message_job(h, "commit-message", hex,
				git_commit_message_raw(c));
		enumerate_tree(h, git_commit_tree_id(c), "");
		git_commit_free(c);
		return true;
	}
	return false;
}

static int tag_cb(const char *name, git_oid *oid, void *payload)
{
	struct ks_history *h = payload;
	git_tag *tag = NULL;

	if (!git_tag_lookup(&tag, h->repo, oid)) {
		const char *short_name = name;

		if (!strncmp(short_name, "refs/tags/", 10))
			short_name += 10;
		add_message_job(h, "tag-message", short_name,
				git_tag_message(tag));
		git_tag_free(tag);
	}
	return 0;
}

static int odb_cb(const git_oid *id, void *payload)
{
	struct ks_history *h = payload;
	size_t len;
	git_object_t type;
	char hex[GIT_OID_HEXSZ + 1];
	bool added;

	if (oidset_has(&h->blobs, id, NULL))
		return 0;
	if (git_odb_read_header(&len, &type, h->odb, id) < 0 ||
	    type != GIT_OBJECT_BLOB)
		return 0;
	blob_index(h, id, &added);
	git_oid_tostr(hex, sizeof(hex), id);
	{
		struct ks_buf p = KS_BUF_INIT;

		ks_buf_addf(&p, "unreachable-blob:%s", hex);
		add_blob_job(h, id, p.ptr);
		ks_buf_release(&p);
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "objects done/total (pct), MB read, MB/s, ETA" on stderr, at most four
 * times a second; only with --progress (default: stderr is a terminal). */
static void progress(struct ks_history *h, bool last)
{
	double t = now_s(), el, mb, rate, eta;
	size_t total = h->job_total ? h->job_total : 1;

	if (h->opts.progress != 1 || (!last && t < h->progress_next))
		return;
	h->progress_next = t + 0.25;
	el = t - h->progress_start;
	mb = (double)ks_pipeline_bytes_done() / 1e6;
	rate = el > 0 ? mb / el : 0;
	eta = h->seq ? el * (double)(total - KS_MIN(h->seq, total)) /
			       (double)h->seq
		     : 0;
	fprintf(stderr,
		"\rkeysnare: history: %zu/%zu objects (%d%%), %.1f MB, %.1f MB/s, ETA %.0fs   %s",
		h->seq, h->job_total, (int)(100.0 * (double)h->seq / (double)total),
		mb, rate, last ? 0.0 : eta, last ? "\n" : "");
}

/* With progress on, the whole walk runs first so that totals are known;
 * otherwise objects are produced as the walk goes (less memory). */
static void walk_everything(struct ks_history *h);
static bool produce_more(struct ks_history *h);

static int next_history_job(void *ctx, struct ks_job *job);

/* Opens the repository of each submodule the walk met (initialised ones:
 * .git/modules/NAME or the work tree's submodule) and prepares a walk of
 * the commits the superproject records there. */
static void open_children(struct ks_history *h)
{
	size_t i, k;

	for (i = 0; i < h->sub_nr; i++) {
		struct submodule *sm = &h->sub[i];
		git_repository *sr = NULL;
		git_submodule *gsm = NULL;
		struct ks_history *c;
		struct ks_buf b = KS_BUF_INIT;

		if (!git_submodule_lookup(&gsm, h->repo, sm->path)) {
			if (git_submodule_open(&sr, gsm) < 0)
				sr = NULL;
			git_submodule_free(gsm);
		}
		if (!sr) {
			ks_buf_addf(&b, "%smodules/%s",
				    git_repository_commondir(h->repo), sm->path);
			if (git_repository_open(&sr, b.ptr) < 0)
				sr = NULL;
			ks_buf_release(&b);
		}
		if (!sr) {
			list_gitlink(h, sm->path);
			ks_log_verbose("submodule '%s' is not initialised: not scanned",
				       sm->path);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->trees.vals = c->blobs.vals = true;
		c->g.max = h->g.max;
		c->opts = h->opts;
		c->opts.revs = NULL;
		c->opts.rev_nr = 1; /* no "all refs", no tag messages */
		c->opts.since = INT64_MIN;
		c->opts.until = INT64_MAX;
		c->opts.all_objects = false;
		c->opts.progress = 0;
		c->st = h->st;
		c->repo = sr;
		ks_buf_addf(&b, "%s%s/", h->prefix ? h->prefix : "", sm->path);
		c->prefix = ks_buf_detach(&b, NULL);
		c->label = xstrdup(c->prefix);
		ks_buf_addf(&b, "%sobjects", git_repository_commondir(sr));
		c->objects_dir = ks_buf_detach(&b, NULL);
		if (ks_repo_safe_odb(sr, NULL, NULL) < 0 ||
		    git_repository_odb(&c->odb, sr) < 0) {
			ks_stats_error(h->st, sm->path,
				       "cannot open the submodule's objects");
			ks_history_free(c);
			continue;
		}
		for (k = sm->commit_nr; k-- > 0;) {
			git_commit *cm = NULL;
			char hex[GIT_OID_HEXSZ + 1];

			if (!git_commit_lookup(&cm, sr, &sm->commit[k])) {
				push_commit(c, &sm->commit[k]);
				git_commit_free(cm);
				continue;
			}
			git_oid_tostr(hex, sizeof(hex), &sm->commit[k]);
			ks_stats_error(h->st, sm->path,
				       "submodule commit %s is not in its repository (fetch it to scan it)",
				       hex);
		}
		ALLOC_GROW(h->child, h->child_nr + 1, h->child_alloc);
		h->child[h->child_nr++] = c;
	}
}

/* Runs the next step of the walk (one commit, then refs to trees and blobs,
 * then tag messages, then --all-objects), appending jobs. Returns false
 * when there is nothing left to do. */
static bool produce_more(struct ks_history *h)
{
	if (!h->walk_done) {
		if (!walk_one(h))
			h->walk_done = true;
		return true;
	}
	if (!h->refobj_done) {
		size_t i;

		h->refobj_done = true;
		h->in_refobj = true;
		for (i = 0; i < h->refobj_nr; i++) {
			struct ref_object *ro = &h->refobj[i];
			bool added;

			if (ro->type == GIT_OBJECT_TREE) {
				struct ks_buf p = KS_BUF_INIT;

				ks_buf_addf(&p, "%s:", ro->name);
				enumerate_tree(h, &ro->id, p.ptr);
				ks_buf_release(&p);
				continue;
			}
			blob_index(h, &ro->id, &added);
			if (added)
				add_blob_job(h, &ro->id, ro->name);
		}
		h->in_refobj = false;
		return true;
	}
	if (!h->tags_done) {
		h->tags_done = true;
		if (!h->opts.rev_nr)
			git_tag_foreach(h->repo, tag_cb, h);
		return true;
	}
	if (!h->odb_done) {
		h->odb_done = true;
		if (h->opts.all_objects)
			git_odb_foreach(h->odb, odb_cb, h);
		return true;
	}
	if (!h->subs_done) {
		h->subs_done = true;
		open_children(h);
		return true;
	}
	while (h->child_pos < h->child_nr) {
		struct ks_job job;

		if (next_history_job(h->child[h->child_pos], &job) > 0) {
			ALLOC_GROW(h->jobs, h->job_nr + 1, h->job_alloc);
			h->jobs[h->job_nr++] = job;
			return true;
		}
		h->child_pos++;
	}
	return false;
}

static int next_history_job(void *ctx, struct ks_job *job)
{
	struct ks_history *h = ctx;

	if (h->opts.progress == 1 && !h->progress_start) {
		fprintf(stderr, "keysnare: history: walking commits...");
		walk_everything(h);
		h->job_total = h->job_nr;
		h->progress_start = now_s();
		h->progress_next = h->progress_start + 0.25;
	}
	while (h->job_pos == h->job_nr) {
		h->job_nr = h->job_pos = 0;
		if (!produce_more(h)) {
			if (h->opts.progress == 1 && !h->progress_done) {
				h->progress_done = true;
				progress(h, true);
			}
			return 0;
		}
	}
	*job = h->jobs[h->job_pos++];
	job->seq = h->seq++;
	progress(h, false);
	return 1;
}

static void walk_everything(struct ks_history *h)
{
	while (produce_more(h))
		;
}

struct ks_job_source ks_history_jobs(struct ks_history *h)
{
	struct ks_job_source js = { next_history_job, h };

	return js;
}

/* ---- provenance ---- */

/* Direct-mapped cache of trees for the provenance walk: a commit's parent
 * was usually the commit just before it, so its changed subtrees are
 * still here and only the commit's own changes are inflated. */
#define TREE_CACHE_SLOTS 8192

struct prov {
	git_tree *tcache[TREE_CACHE_SLOTS];
	struct ks_history *h;
	git_repository *repo;		/* this thread's handle */
	const struct oidset *pos;	/* commit id -> index */
	struct ipair {
		uint32_t blob;		/* graph index */
		size_t slot;		/* in interesting */
	} *ip;				/* sorted by blob */
	size_t ip_nr, ip_alloc;
	size_t from, to;		/* the commits this part walks */
	struct oidset interesting;	/* blobs with findings */
	struct intro *in;
	size_t in_nr, in_alloc;
	size_t commit;			/* index being processed */
	size_t seq;			/* introductions recorded */
	int depth_error;
};

/* Heap order for the topological sort: older commit time first, then id. */
static bool heap_less(const struct commit_ref *c, size_t a, size_t b)
{
	if (c[a].time != c[b].time)
		return c[a].time < c[b].time;
	return git_oid_cmp(&c[a].id, &c[b].id) < 0;
}

static void heap_push(size_t *heap, size_t *nr, size_t v,
		      const struct commit_ref *c)
{
	size_t i = (*nr)++;

	heap[i] = v;
	while (i && heap_less(c, heap[i], heap[(i - 1) / 2])) {
		size_t p = (i - 1) / 2, t = heap[p];

		heap[p] = heap[i];
		heap[i] = t;
		i = p;
	}
}

static size_t heap_pop(size_t *heap, size_t *nr, const struct commit_ref *c)
{
	size_t top = heap[0], i = 0;

	heap[0] = heap[--*nr];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < *nr && heap_less(c, heap[l], heap[m]))
			m = l;
		if (r < *nr && heap_less(c, heap[r], heap[m]))
			m = r;
		if (m == i)
			break;
		t = heap[m];
		heap[m] = heap[i];
		heap[i] = t;
		i = m;
	}
	return top;
}

/* Orders the selected commits parents-first (Kahn's algorithm; among
 * commits ready at once, the older commit time first), so that the first
 * commit that shows a blob at a path is the one that introduced it, even
 * when commit dates are equal or skewed. */
static void topo_sort(struct ks_history *h)
{
	struct commit_ref *c = h->commits, *sorted;
	size_t n = h->commit_nr, i, *indeg, **child, *child_nr, *child_alloc;
	size_t *heap, heap_nr = 0, out = 0;
	struct oidset pos = OIDSET_VALS;

	if (n < 2)
		return;
	for (i = 0; i < n; i++) {
		size_t slot = oidset_put(&pos, &c[i].id, NULL);

		pos.val[slot] = i;
	}
	indeg = xcalloc(n, sizeof(*indeg));
	child = xcalloc(n, sizeof(*child));
	child_nr = xcalloc(n, sizeof(*child_nr));
	child_alloc = xcalloc(n, sizeof(*child_alloc));
	heap = xcalloc(n, sizeof(*heap));
	for (i = 0; i < n; i++) {
		unsigned k;

		for (k = 0; k < c[i].parent_nr; k++) {
			size_t slot;

			if (!oidset_has(&pos, &c[i].parent[k], &slot))
				continue;
			slot = pos.val[slot];
			ALLOC_GROW(child[slot], child_nr[slot] + 1,
				   child_alloc[slot]);
			child[slot][child_nr[slot]++] = i;
			indeg[i]++;
		}
	}
	for (i = 0; i < n; i++)
		if (!indeg[i])
			heap_push(heap, &heap_nr, i, c);
	sorted = xcalloc(n, sizeof(*sorted));
	while (heap_nr) {
		size_t v = heap_pop(heap, &heap_nr, c), k;

		sorted[out++] = c[v];
		for (k = 0; k < child_nr[v]; k++)
			if (!--indeg[child[v][k]])
				heap_push(heap, &heap_nr, child[v][k], c);
	}
	if (out != n)
		BUG("commit graph has a cycle");
	memcpy(c, sorted, n * sizeof(*c));
	free(sorted);
	for (i = 0; i < n; i++)
		free(child[i]);
	free(child);
	free(child_nr);
	free(child_alloc);
	free(indeg);
	free(heap);
	oidset_clear(&pos);
}

static void record(struct prov *pv, size_t blob, const char *path)
{
	size_t i;

	/* the walk goes newest first: an earlier commit replaces a later
	 * one's introduction of the same blob at the same path */
	if (!pv->h->opts.all_occurrences)
		for (i = 0; i < pv->in_nr; i++)
			if (pv->in[i].blob == blob &&
			    !strcmp(pv->in[i].path, path)) {
				pv->in[i].commit = pv->commit;
				pv->in[i].seq = pv->seq++;
				return;
			}
	ALLOC_GROW(pv->in, pv->in_nr + 1, pv->in_alloc);
	pv->in[pv->in_nr].blob = blob;
	pv->in[pv->in_nr].path = xstrdup(path);
	pv->in[pv->in_nr].commit = pv->commit;
	pv->in[pv->in_nr].seq = pv->seq++;
	pv->in_nr++;
}

#define KS_MAX_TREE_DEPTH 1024

/* Returns a tree the cache owns (do not free), or NULL. */
static git_tree *tree_get(struct prov *pv, const git_oid *id)
{
	size_t slot = oid_hash(id) & (TREE_CACHE_SLOTS - 1);
	git_tree *t = pv->tcache[slot];

	if (t && !git_oid_cmp(git_tree_id(t), id))
		return t;
	if (git_tree_lookup(&t, pv->repo, id) < 0)
		return NULL;
	git_tree_free(pv->tcache[slot]);
	pv->tcache[slot] = t;
	return t;
}

/* Blobs of interest in tree that differ from every parent tree's entry
 * at the same path; subtrees equal to a parent's are not entered. */
static void diff_tree(struct prov *pv, git_tree *tree, git_tree **parents,
		      size_t parent_nr, const char *prefix, int depth)
{
	struct ks_buf path = KS_BUF_INIT;
	size_t i, n = git_tree_entrycount(tree), p;

	if (depth > KS_MAX_TREE_DEPTH) {
		pv->depth_error = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const git_oid *id = git_tree_entry_id(e);
		const char *name = git_tree_entry_name(e);
		git_object_t type = git_tree_entry_type(e);
		const git_tree_entry *pe[8];
		size_t slot;
		bool same = false;

		for (p = 0; p < parent_nr && p < 8; p++) {
			pe[p] = parents[p] ? git_tree_entry_byname(parents[p],
								   name)
					   : NULL;
			if (pe[p] && !git_oid_cmp(git_tree_entry_id(pe[p]), id))
				same = true;
		}
		if (same)
			continue;
		if (type == GIT_OBJECT_BLOB &&
		    oidset_has(&pv->interesting, id, &slot)) {
			join(&path, prefix, name);
			record(pv, slot, path.ptr);
		} else if (type == GIT_OBJECT_TREE) {
			git_tree *sub = tree_get(pv, id), *psub[8];
			size_t k = KS_MIN(parent_nr, (size_t)8);
			git_oid keep[8];

			if (!sub)
				continue;
			/* the cache may evict while we recurse: hold refs */
			git_object_dup((git_object **)&sub, (git_object *)sub);
			for (p = 0; p < k; p++) {
				psub[p] = NULL;
				if (pe[p] &&
				    git_tree_entry_type(pe[p]) == GIT_OBJECT_TREE) {
					keep[p] = *git_tree_entry_id(pe[p]);
					psub[p] = tree_get(pv, &keep[p]);
					if (psub[p])
						git_object_dup((git_object **)&psub[p],
							       (git_object *)psub[p]);
				}
			}
			join(&path, prefix, name);
			{
				char *sp = xstrdup(path.ptr);

				diff_tree(pv, sub, psub, k, sp, depth + 1);
				free(sp);
			}
			for (p = 0; p < k; p++)
				git_tree_free(psub[p]);
			git_tree_free(sub);
		}
	}
	ks_buf_release(&path);
}

static int cmp_ipair(const void *va, const void *vb)
{
	const struct ipair *a = va, *b = vb;

	return a->blob < b->blob ? -1 : a->blob > b->blob;
}

static size_t interesting_slot(const struct prov *pv, uint32_t blob)
{
	struct ipair key = { blob, 0 }, *hit;

	hit = bsearch(&key, pv->ip, pv->ip_nr, sizeof(*pv->ip), cmp_ipair);
	return hit ? hit->slot : SIZE_MAX;
}

static uint32_t graph_tree(const struct ks_history *h, const git_oid *id)
{
	size_t slot;

	return oidset_has(&h->trees, id, &slot) ? (uint32_t)h->trees.val[slot]
						: TG_NONE;
}

static bool graph_has(const struct tgraph *g, uint32_t t)
{
	return t != TG_NONE && t < g->tree_nr && g->off[t] != TG_NONE;
}

/* The entry of tree p with this name, or NULL. Entries of a tree and its
 * parent's version come in the same order, so the search starts after
 * the previous match (*cur). */
static const struct tgent *tg_find(const struct tgraph *g, uint32_t p,
				   uint32_t name, uint32_t *cur)
{
	const struct tgent *base;
	uint32_t n, i;

	if (!graph_has(g, p))
		return NULL;
	base = g->ent + g->off[p];
	n = g->cnt[p];
	for (i = *cur; i < n; i++)
		if (base[i].name == name) {
			*cur = i + 1;
			return &base[i];
		}
	for (i = 0; i < *cur && i < n; i++)
		if (base[i].name == name) {
			*cur = i + 1;
			return &base[i];
		}
	return NULL;
}

/* diff_tree() on the graph: interesting blobs of tree t that differ from
 * every parent's entry of the same name; subtrees equal to a parent's are
 * not entered. */
static void graph_diff(struct prov *pv, uint32_t t, const uint32_t *ptree,
		       size_t pn, const char *prefix, int depth)
{
	const struct tgraph *g = &pv->h->g;
	struct ks_buf path = KS_BUF_INIT;
	uint32_t cur[8] = { 0 }, i, n;
	size_t p;

	if (!graph_has(g, t))
		return;
	if (depth > KS_MAX_TREE_DEPTH) {
		pv->depth_error = 1;
		return;
	}
	n = g->cnt[t];
	for (i = 0; i < n; i++) {
		const struct tgent *e = &g->ent[g->off[t] + i], *pe[8];
		bool same = false;

		for (p = 0; p < pn; p++) {
			pe[p] = tg_find(g, ptree[p], e->name, &cur[p]);
			if (pe[p] && pe[p]->child == e->child)
				same = true;
		}
		if (same)
			continue;
		if (!(e->child & TG_TREE)) {
			size_t slot = interesting_slot(pv, e->child);

			if (slot != SIZE_MAX) {
				join(&path, prefix, g->name[e->name]);
				record(pv, slot, path.ptr);
			}
		} else {
			uint32_t psub[8];
			char *sp;

			for (p = 0; p < pn; p++)
				psub[p] = pe[p] && (pe[p]->child & TG_TREE)
						  ? pe[p]->child & ~TG_TREE
						  : TG_NONE;
			join(&path, prefix, g->name[e->name]);
			sp = xstrdup(path.ptr);
			graph_diff(pv, e->child & ~TG_TREE, psub, pn, sp,
				   depth + 1);
			free(sp);
		}
	}
	ks_buf_release(&path);
}

/* The provenance walk on the graph: no tree is read again. */
static void prov_graph(struct prov *pv)
{
	struct ks_history *h = pv->h;
	size_t i, k;

	for (k = 0; k < pv->interesting.cap; k++) {
		size_t slot;

		if (!pv->interesting.used[k] ||
		    !oidset_has(&h->blobs, &pv->interesting.slot[k], &slot) ||
		    h->blobs.val[slot] == SIZE_MAX)
			continue;
		ALLOC_GROW(pv->ip, pv->ip_nr + 1, pv->ip_alloc);
		pv->ip[pv->ip_nr].blob = (uint32_t)h->blobs.val[slot];
		pv->ip[pv->ip_nr++].slot = k;
	}
	if (pv->ip_nr > 1)
		qsort(pv->ip, pv->ip_nr, sizeof(*pv->ip), cmp_ipair);
	for (i = pv->to; i-- > pv->from;) {
		const struct commit_ref *cr = &h->commits[i];
		uint32_t ptree[8];
		size_t pn = KS_MIN((size_t)cr->parent_nr, (size_t)8), p;

		pv->commit = i;
		for (p = 0; p < pn; p++) {
			git_commit *pc = NULL;
			size_t slot;

			ptree[p] = TG_NONE;
			if (oidset_has(pv->pos, &cr->parent[p], &slot))
				ptree[p] = graph_tree(h,
					&h->commits[pv->pos->val[slot]].tree);
			else if (!git_commit_lookup(&pc, pv->repo,
						    &cr->parent[p]))
				ptree[p] = graph_tree(h, git_commit_tree_id(pc));
			git_commit_free(pc);
		}
		graph_diff(pv, graph_tree(h, &cr->tree), ptree, pn, "", 0);
	}
	free(pv->ip);
	pv->ip = NULL;
	pv->ip_nr = 0;
}

/* Walks commits [pv->from, pv->to) of the parents-first order, recording
 * where the interesting blobs come in. */
static void prov_part(struct prov *pv)
{
	struct ks_history *h = pv->h;
	size_t i;

	/* newest first: git packs store the newest version of a tree whole
	 * and older ones as deltas against it, so this order reads each
	 * delta base before the deltas that need it (oldest first re-resolved
	 * long chains: 1.4 s against 0.x s on bench/'s history) */
	for (i = pv->to; i-- > pv->from;) {
		const struct commit_ref *cr = &h->commits[i];
		git_tree *tree = NULL, *ptree[8] = { NULL };
		size_t pn = KS_MIN((size_t)cr->parent_nr, (size_t)8), p;

		pv->commit = i;
		for (p = 0; p < pn; p++) {
			git_commit *pc = NULL;
			size_t slot;

			/* the trees of selected commits were noted by the
			 * walk; a parent outside the selection is read (one
			 * past a shallow boundary is absent: compare with
			 * nothing) */
			if (oidset_has(pv->pos, &cr->parent[p], &slot))
				ptree[p] = tree_get(pv,
					&h->commits[pv->pos->val[slot]].tree);
			else if (!git_commit_lookup(&pc, pv->repo,
						    &cr->parent[p]))
				ptree[p] = tree_get(pv, git_commit_tree_id(pc));
			if (ptree[p])
				git_object_dup((git_object **)&ptree[p],
					       (git_object *)ptree[p]);
			git_commit_free(pc);
		}
		tree = tree_get(pv, &cr->tree);
		if (tree) {
			git_object_dup((git_object **)&tree, (git_object *)tree);
			diff_tree(pv, tree, ptree, pn, "", 0);
		}
		git_tree_free(tree);
		for (p = 0; p < pn; p++)
			git_tree_free(ptree[p]);
	}
}

/* The provenance walk. (Splitting it over threads was measured slower:
 * the threads share the pack's 16 MiB delta-base cache, and reading old
 * and new trees at once evicts the bases each of them needs: 1.3 s on one
 * thread, 2.4 s on two, on bench/'s history.) */
static int cmp_intro(const void *va, const void *vb)
{
	const struct intro *a = va, *b = vb;

	if (a->commit != b->commit)
		return a->commit < b->commit ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void walk_parts(struct prov *pv, const struct oidset *pos)
{
	pv->pos = pos;
	pv->from = 0;
	pv->to = pv->h->commit_nr;
	if (!pv->h->g.off_) {
		ks_log_debug("tree graph: %zu trees, %zu entries, %zu names, %zu KiB",
			     pv->h->g.tree_nr, pv->h->g.ent_nr,
			     pv->h->g.name_nr, tg_bytes(&pv->h->g) >> 10);
		prov_graph(pv);
	}
	else
		prov_part(pv);
	/* in commit order, as the attribution below expects */
	if (pv->in_nr > 1)
		qsort(pv->in, pv->in_nr, sizeof(*pv->in), cmp_intro);
}

static void commit_info(struct ks_history *h, const git_oid *id,
			struct ks_commit_info **out)
{
	git_commit *c = NULL;
	struct ks_commit_info *ci;
	const git_signature *a;
	time_t t;
	struct tm tm;

	*out = NULL;
	if (git_commit_lookup(&c, h->repo, id) < 0)
		return;
	ci = xcalloc(1, sizeof(*ci));
	git_oid_tostr(ci->id, sizeof(ci->id), id);
	a = git_commit_author(c);
	ci->author = xstrdup(a && a->name ? a->name : "");
	ci->email = xstrdup(a && a->email ? a->email : "");
	ci->summary = xstrdup(git_commit_summary(c) ? git_commit_summary(c)
						    : "");
	t = (time_t)(a ? a->when.time : git_commit_time(c));
	gmtime_r(&t, &tm);
	strftime(ci->date, sizeof(ci->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	git_commit_free(c);
	*out = ci;
}

static bool present_at_head(struct ks_history *h, const struct ks_finding *f)
{
	git_object *head = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	bool found = false;

	if (git_revparse_single(&head, h->repo, "HEAD^{tree}") < 0)
		return false;
	if (!git_tree_entry_bypath(&e, (git_tree *)head, f->path) &&
	    git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
	    !git_blob_lookup(&blob, h->repo, git_tree_entry_id(e)))
		found = memmem(git_blob_rawcontent(blob),
			       (size_t)git_blob_rawsize(blob), f->secret,
			       f->secret_len) != NULL;
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_object_free(head);
	return found;
}

static bool blob_has(struct ks_history *h, const git_oid *id,
		     const struct ks_finding *f)
{
	git_blob *b = NULL;
	bool found = false;

	if (!git_blob_lookup(&b, h->repo, id))
		found = memmem(git_blob_rawcontent(b),
			       (size_t)git_blob_rawsize(b), f->secret,
			       f->secret_len) != NULL;
	git_blob_free(b);
	return found;
}

/* Whether the secret of f (found at path in commit c) was already in a
 * parent: in the parent's version of the same path (an edit of a file that
 * held it, or a range's boundary), or in a file the commit deleted (a
 * rename or move). Then c did not introduce it. */
static bool carried_over(struct ks_history *h, const git_oid *cid,
			 const char *path, const struct ks_finding *f)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	bool found = false;
	unsigned p;

	if (git_commit_lookup(&c, h->repo, cid) < 0)
		return false;
	if (git_commit_tree(&tree, c) < 0) {
		git_commit_free(c);
		return false;
	}
	for (p = 0; p < git_commit_parentcount(c) && !found; p++) {
		git_commit *pc = NULL;
		git_tree *pt = NULL;
		git_tree_entry *e = NULL;
		git_diff *diff = NULL;
		git_diff_options dopts;
		size_t i;

		git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
		if (git_commit_parent(&pc, c, p) < 0 ||
		    git_commit_tree(&pt, pc) < 0) {
			git_commit_free(pc);
			continue;
		}
		if (!git_tree_entry_bypath(&e, pt, path) &&
		    git_tree_entry_type(e) == GIT_OBJECT_BLOB)
			found = blob_has(h, git_tree_entry_id(e), f);
		git_tree_entry_free(e);
		dopts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
		if (!found && !git_diff_tree_to_tree(&diff, h->repo, pt, tree,
						     &dopts)) {
			for (i = 0; i < git_diff_num_deltas(diff) && !found;
			     i++) {
				const git_diff_delta *d =
					git_diff_get_delta(diff, i);

				if (d->status == GIT_DELTA_DELETED)
					found = blob_has(h, &d->old_file.id, f);
			}
			git_diff_free(diff);
		}
		git_tree_free(pt);
		git_commit_free(pc);
	}
	git_tree_free(tree);
	git_commit_free(c);
	return found;
}

/* Replaces every secret of fs that occurs in s by its redaction. */
static char *redact_text(const char *s, const struct ks_findings *fs)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t len = strlen(s), pos = 0, i;

	while (pos < len) {
		size_t best = 0, at = SIZE_MAX;

		for (i = 0; i < fs->nr; i++) {
			const char *hit = memmem(s + pos, len - pos,
						 fs->f[i].secret,
						 fs->f[i].secret_len);

			if (hit && (size_t)(hit - s) < at) {
				at = (size_t)(hit - s);
				best = i;
			}
		}
		if (at == SIZE_MAX) {
			ks_buf_adds(&b, s + pos);
			break;
		}
		ks_buf_add(&b, s + pos, at - pos);
		ks_redact(&b, (const unsigned char *)fs->f[best].secret,
			  fs->f[best].secret_len);
		pos = at + fs->f[best].secret_len;
	}
	return ks_buf_detach(&b, NULL);
}

/* --all-occurrences: every selected commit whose tree holds the secret at
 * the finding's path (a blob version that contains it), in ancestry order. */
static void list_occurrences(struct ks_history *h, struct ks_findings *fs)
{
	/* per finding: blob -> 1 when it holds the secret, 0 when not */
	struct oidset *verdict = xcalloc(fs->nr ? fs->nr : 1, sizeof(*verdict));
	size_t i, k, *alloc = xcalloc(fs->nr ? fs->nr : 1, sizeof(*alloc));
	size_t plen = h->prefix ? strlen(h->prefix) : 0;

	for (k = 0; k < (fs->nr ? fs->nr : 1); k++)
		verdict[k].vals = true;
	for (i = 0; i < h->commit_nr; i++) {
		git_commit *c = NULL;
		git_tree *tree = NULL;
		char hex[GIT_OID_HEXSZ + 1];

		if (git_commit_lookup(&c, h->repo, &h->commits[i].id) < 0)
			continue;
		if (git_commit_tree(&tree, c) < 0) {
			git_commit_free(c);
			continue;
		}
		git_oid_tostr(hex, sizeof(hex), &h->commits[i].id);
		for (k = 0; k < fs->nr; k++) {
			struct ks_finding *f = &fs->f[k];
			const char *path = f->path;
			git_tree_entry *e = NULL;
			size_t slot;
			bool added, has;

			if (!f->commit || !strncmp(path, "commit-message:", 15))
				continue;
			if (plen && !strncmp(path, h->prefix, plen))
				path += plen;
			if (git_tree_entry_bypath(&e, tree, path) < 0)
				continue;
			if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
				git_tree_entry_free(e);
				continue;
			}
			slot = oidset_put(&verdict[k], git_tree_entry_id(e),
					  &added);
			if (added)
				verdict[k].val[slot] =
					blob_has(h, git_tree_entry_id(e), f);
			has = verdict[k].val[slot] == 1;
			git_tree_entry_free(e);
			if (!has)
				continue;
			ALLOC_GROW(f->occ, f->occ_nr + 1, alloc[k]);
			memcpy(f->occ[f->occ_nr].commit, hex, sizeof(hex));
			f->occ[f->occ_nr].path = xstrdup(f->path);
			f->occ_nr++;
		}
		git_tree_free(tree);
		git_commit_free(c);
	}
	for (k = 0; k < fs->nr; k++)
		oidset_clear(&verdict[k]);
	free(verdict);
	free(alloc);
}

static void clone_finding(struct ks_finding *dst, const struct ks_finding *src,
			  const char *path)
{
	*dst = *src;
	dst->path = xstrdup(path);
	dst->secret = xmemdupz(src->secret, src->secret_len);
	dst->redacted = xstrdup(src->redacted);
	dst->snippet = xmemdupz(src->snippet, src->snippet_len);
	dst->commit = NULL;
	dst->occ = NULL;
	dst->occ_nr = 0;
	dst->verification = NULL;
	ks_finding_fingerprint(dst);
}

/* Position of a commit id in the ordered commit list, or SIZE_MAX. */
static size_t commit_index(const struct oidset *pos, const char *hex)
{
	git_oid id;
	size_t slot;

	if (git_oid_fromstr(&id, hex) < 0 || !oidset_has(pos, &id, &slot))
		return SIZE_MAX;
	return pos->val[slot];
}

static int cmp_key(const struct ks_finding *a, const struct ks_finding *b)
{
	int c = strcmp(a->rule->id, b->rule->id);

	if (c)
		return c;
	c = strcmp(a->path, b->path);
	if (c)
		return c;
	return strcmp(a->secret_sha256, b->secret_sha256);
}

static size_t *sort_index_ctx_order;
static const struct ks_finding *sort_index_ctx;

static int cmp_dedupe(const void *va, const void *vb)
{
	const struct ks_finding *a = &sort_index_ctx[*(const size_t *)va];
	const struct ks_finding *b = &sort_index_ctx[*(const size_t *)vb];
	int c = cmp_key(a, b);

	if (c)
		return c;
	/* earliest commit first, then earliest line */
	if (sort_index_ctx_order[*(const size_t *)va] !=
	    sort_index_ctx_order[*(const size_t *)vb])
		return sort_index_ctx_order[*(const size_t *)va] <
				       sort_index_ctx_order[*(const size_t *)vb]
			       ? -1
			       : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->col < b->col ? -1 : a->col > b->col;
}

int ks_history_attribute(struct ks_history *h, struct ks_findings *fs,
			 struct ks_stats *st)
{
	struct prov pv;
	struct ks_findings out = KS_FINDINGS_INIT;
	size_t i, j, *order = NULL, *idx = NULL;
	static const unsigned char zero[20];

	double t0 = now_s();
	struct ks_findings *subs = NULL;

	/* findings inside submodules go to their own repository's walk */
	if (h->child_nr) {
		struct ks_findings mine = KS_FINDINGS_INIT;

		subs = xcalloc(h->child_nr, sizeof(*subs));
		for (i = 0; i < fs->nr; i++) {
			struct ks_findings *to = &mine;

			for (j = 0; j < h->child_nr; j++)
				if (!strncmp(fs->f[i].path, h->child[j]->prefix,
					     strlen(h->child[j]->prefix)))
					to = &subs[j];
			ALLOC_GROW(to->f, to->nr + 1, to->alloc);
			to->f[to->nr++] = fs->f[i];
		}
		free(fs->f);
		*fs = mine;
	}
	memset(&pv, 0, sizeof(pv));
	pv.h = h;
	pv.repo = h->repo;
	for (i = 0; i < fs->nr; i++)
		if (memcmp(fs->f[i].blob, zero, sizeof(zero))) {
			git_oid id;

			memcpy(id.id, fs->f[i].blob, sizeof(id.id));
			oidset_put(&pv.interesting, &id, NULL);
		}
	/* the provenance walk: only when something was found */
	if (pv.interesting.nr) {

		struct oidset pos = OIDSET_VALS;

		topo_sort(h);
		for (i = 0; i < h->commit_nr; i++) {
			size_t slot = oidset_put(&pos, &h->commits[i].id, NULL);

			pos.val[slot] = i;
		}
		walk_parts(&pv, &pos);
		oidset_clear(&pos);
		if (pv.depth_error)
			ks_stats_error(st, h->label,
				       "trees nested deeper than %d levels were not attributed",
				       KS_MAX_TREE_DEPTH);
	}

	ks_log_debug("provenance walk: %zu commits, %zu introductions in %.0f ms",
		     h->commit_nr, pv.in_nr, (now_s() - t0) * 1000);
	t0 = now_s();
	/* one finding per (blob finding, path); messages keep their path */
	for (i = 0; i < fs->nr; i++) {
		struct ks_finding *f = &fs->f[i];
		size_t slot, k;
		bool attributed = false;
		git_oid id;

		f->history = true;
		if (!memcmp(f->blob, zero, sizeof(zero))) {
			struct ks_finding *n;

			ALLOC_GROW(out.f, out.nr + 1, out.alloc);
			n = &out.f[out.nr++];
			clone_finding(n, f, f->path);
			{
				const char *mp = f->path;
				git_oid cid;

				if (h->prefix &&
				    !strncmp(mp, h->prefix, strlen(h->prefix)))
					mp += strlen(h->prefix);
				if (!strncmp(mp, "commit-message:", 15) &&
				    !git_oid_fromstr(&cid, mp + 15))
					commit_info(h, &cid, &n->commit);
			}
			continue;
		}
		memcpy(id.id, f->blob, sizeof(id.id));
		if (!oidset_has(&pv.interesting, &id, &slot))
			continue;
		for (k = 0; k < pv.in_nr; k++) {
			struct ks_finding *n;

			if (pv.in[k].blob != slot)
				continue;
			attributed = true;
			/* with --all-occurrences, later intros of the same
			 * path fold into the first one's list */
			for (j = 0; j < k; j++)
				if (pv.in[j].blob == slot &&
				    !strcmp(pv.in[j].path, pv.in[k].path))
					break;
			if (j < k)
				continue;
			if (carried_over(h, &h->commits[pv.in[k].commit].id,
					 pv.in[k].path, f))
				continue;
			ALLOC_GROW(out.f, out.nr + 1, out.alloc);
			n = &out.f[out.nr++];
			clone_finding(n, f, pv.in[k].path);
			commit_info(h, &h->commits[pv.in[k].commit].id,
				    &n->commit);
			n->present_at_head = present_at_head(h, n);
		}
		if (!attributed &&
		    (!strncmp(f->path, "unreachable-blob:", 17) ||
		     oidset_has(&h->refonly, &id, NULL))) {
			/* --all-objects: a blob no commit reaches */
			struct ks_finding *n;

			ALLOC_GROW(out.f, out.nr + 1, out.alloc);
			n = &out.f[out.nr++];
			clone_finding(n, f, f->path);
		}
	}

	ks_log_debug("attribution: %zu findings in %.0f ms", out.nr,
		     (now_s() - t0) * 1000);
	/* merge repeats of (rule, path, secret): keep the earliest commit */
	order = xcalloc(out.nr ? out.nr : 1, sizeof(*order));
	idx = xcalloc(out.nr ? out.nr : 1, sizeof(*idx));
	{
		struct oidset pos = OIDSET_VALS;

		for (i = 0; out.nr && i < h->commit_nr; i++) {
			size_t slot = oidset_put(&pos, &h->commits[i].id, NULL);

			pos.val[slot] = i;
		}
		for (i = 0; i < out.nr; i++) {
			idx[i] = i;
			order[i] = out.f[i].commit
					   ? commit_index(&pos,
							  out.f[i].commit->id)
					   : SIZE_MAX;
		}
		oidset_clear(&pos);
	}
	sort_index_ctx = out.f;
	sort_index_ctx_order = order;
	if (out.nr > 1)
		qsort(idx, out.nr, sizeof(*idx), cmp_dedupe);
	{
		struct ks_findings merged = KS_FINDINGS_INIT;
		struct ks_findings drop = KS_FINDINGS_INIT;

		for (i = 0; i < out.nr; i++) {
			struct ks_finding *f = &out.f[idx[i]];
			struct ks_findings *to =
				i && !cmp_key(f, &out.f[idx[i - 1]]) ? &drop
								     : &merged;

			ALLOC_GROW(to->f, to->nr + 1, to->alloc);
			to->f[to->nr++] = *f;
		}
		free(out.f);
		ks_findings_release(&drop);
		ks_findings_release(fs);
		*fs = merged;
	}
	if (h->opts.all_occurrences)
		list_occurrences(h, fs);
	/* a submodule's paths are shown under its path in the superproject */
	if (h->prefix && *h->prefix)
		for (i = 0; i < fs->nr; i++) {
			struct ks_finding *f = &fs->f[i];

			if (!strncmp(f->path, h->prefix, strlen(h->prefix)))
				continue;
			{
				char *np = with_prefix(h, f->path);

				free(f->path);
				f->path = np;
				ks_finding_fingerprint(f);
			}
		}
	for (j = 0; j < h->child_nr; j++) {
		ks_history_attribute(h->child[j], &subs[j], st);
		ks_findings_move(fs, &subs[j]);
	}
	free(subs);
	/* a commit summary may hold a secret (a key in a message) */
	if (!h->opts.no_redact)
		for (i = 0; i < fs->nr; i++)
			if (fs->f[i].commit) {
				char *r = redact_text(fs->f[i].commit->summary,
						      fs);

				free(fs->f[i].commit->summary);
				fs->f[i].commit->summary = r;
			}
	free(order);
	free(idx);
	for (i = 0; i < pv.in_nr; i++)
		free(pv.in[i].path);
	free(pv.in);
	for (i = 0; i < TREE_CACHE_SLOTS; i++)
		git_tree_free(pv.tcache[i]);
	oidset_clear(&pv.interesting);
	(void)st;
	return 0;
}
