/* odb.c - object databases whose loose objects are checked first. */
#include "compat.h"
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>
#include "buf.h"
#include "error.h"
#include "loose.h"
#include "odb.h"
#include "xalloc.h"

/* git's own limit on nested alternates */
#define KS_MAX_ALTERNATE_DEPTH 5

struct safe_loose {
	git_odb_backend parent;
	git_odb_backend *inner;	/* libgit2's loose backend */
	char *dir;
};

static struct safe_loose *safe(git_odb_backend *b)
{
	struct safe_loose *s = (struct safe_loose *)b;

	s->inner->odb = s->parent.odb;
	return s;
}

/* 0, or GIT_ERROR with the damage described for git_error_last() */
static int check(struct safe_loose *s, const git_oid *id)
{
	if (!ks_loose_check(s->dir, id->id))
		return 0;
	git_error_set_str(GIT_ERROR_ODB, ks_error_last());
	return GIT_ERROR;
}

static int sl_read(void **data, size_t *len, git_object_t *type,
		   git_odb_backend *b, const git_oid *id)
{
	struct safe_loose *s = safe(b);
	int rc = check(s, id);

	return rc ? rc : s->inner->read(data, len, type, s->inner, id);
}

static int sl_read_header(size_t *len, git_object_t *type, git_odb_backend *b,
			  const git_oid *id)
{
	struct safe_loose *s = safe(b);
	int rc = check(s, id);

	return rc ? rc : s->inner->read_header(len, type, s->inner, id);
}

static int sl_read_prefix(git_oid *full, void **data, size_t *len,
			  git_object_t *type, git_odb_backend *b,
			  const git_oid *prefix, size_t hexlen)
{
	struct safe_loose *s = safe(b);
	git_oid id;
	int rc;

	/* find which object the prefix names, check it, then read it */
	rc = s->inner->exists_prefix(&id, s->inner, prefix, hexlen);
	if (rc)
		return rc;
	if ((rc = check(s, &id)))
		return rc;
	rc = s->inner->read(data, len, type, s->inner, &id);
	if (!rc)
		git_oid_cpy(full, &id);
	return rc;
}

static int sl_exists(git_odb_backend *b, const git_oid *id)
{
	struct safe_loose *s = safe(b);

	return s->inner->exists(s->inner, id);
}

static int sl_exists_prefix(git_oid *full, git_odb_backend *b,
			    const git_oid *prefix, size_t hexlen)
{
	struct safe_loose *s = safe(b);

	return s->inner->exists_prefix(full, s->inner, prefix, hexlen);
}

static int sl_foreach(git_odb_backend *b, git_odb_foreach_cb cb, void *payload)
{
	struct safe_loose *s = safe(b);

	return s->inner->foreach(s->inner, cb, payload);
}

static void sl_free(git_odb_backend *b)
{
	struct safe_loose *s = (struct safe_loose *)b;

	s->inner->free(s->inner);
	free(s->dir);
	free(s);
}

static int safe_loose_new(git_odb_backend **out, const char *dir)
{
	struct safe_loose *s;
	git_odb_backend *inner = NULL;
	int rc = git_odb_backend_loose(&inner, dir, -1, 0, 0, 0);

	if (rc < 0)
		return rc;
	s = xcalloc(1, sizeof(*s));
	s->parent.version = GIT_ODB_BACKEND_VERSION;
	s->parent.read = sl_read;
	s->parent.read_header = sl_read_header;
	s->parent.read_prefix = sl_read_prefix;
	s->parent.exists = sl_exists;
	s->parent.exists_prefix = sl_exists_prefix;
	s->parent.foreach = sl_foreach;
	s->parent.free = sl_free;
	s->inner = inner;
	s->dir = xstrdup(dir);
	*out = &s->parent;
	return 0;
}

/* Adds the packs (priority 2, searched first, as git_odb_open() does) and
 * the checked loose objects (1) of dir, then its alternates. */
static int add_dir(git_odb *odb, const char *dir, bool alternate, int depth)
{
	git_odb_backend *pack = NULL, *loose = NULL;
	struct ks_buf path = KS_BUF_INIT;
	FILE *fp;
	char line[4096];
	int rc;

	if (depth > KS_MAX_ALTERNATE_DEPTH)
		return 0;
	if ((rc = git_odb_backend_pack(&pack, dir)) < 0)
		return rc;
	rc = alternate ? git_odb_add_alternate(odb, pack, 2)
		       : git_odb_add_backend(odb, pack, 2);
	if (rc < 0) {
		pack->free(pack);
		return rc;
	}
	if ((rc = safe_loose_new(&loose, dir)) < 0)
		return rc;
	rc = alternate ? git_odb_add_alternate(odb, loose, 1)
		       : git_odb_add_backend(odb, loose, 1);
	if (rc < 0) {
		loose->free(loose);
		return rc;
	}
	ks_buf_addf(&path, "%s/info/alternates", dir);
	fp = fopen(path.ptr, "r");
	while (fp && fgets(line, sizeof(line), fp)) {
		size_t n = strcspn(line, "\r\n");

		line[n] = '\0';
		if (!n || line[0] == '#')
			continue;
		ks_buf_reset(&path);
		if (line[0] != '/')
			ks_buf_addf(&path, "%s/", dir);
		ks_buf_adds(&path, line);
		if ((rc = add_dir(odb, path.ptr, true, depth + 1)) < 0)
			break;
	}
	if (fp)
		fclose(fp);
	ks_buf_release(&path);
	return rc < 0 ? rc : 0;
}

int ks_odb_open(git_odb **out, const char *objects_dir, const char *alt_env)
{
	git_odb *odb = NULL;
	int rc;

	*out = NULL;
	if ((rc = git_odb_new(&odb)) < 0)
		return rc;
	if ((rc = add_dir(odb, objects_dir, false, 0)) < 0) {
		git_odb_free(odb);
		return rc;
	}
	while (alt_env && *alt_env) {
		size_t n = strcspn(alt_env, ":");
		char *d = xmemdupz(alt_env, n);

		if (*d)
			rc = add_dir(odb, d, true, 1);
		free(d);
		if (rc < 0) {
			git_odb_free(odb);
			return rc;
		}
		alt_env += n + (alt_env[n] == ':');
	}
	*out = odb;
	return 0;
}

int ks_repo_safe_odb(git_repository *repo, const char *objects_dir,
		     const char *alt_env)
{
	git_buf dir = GIT_BUF_INIT;
	git_odb *odb = NULL;
	int rc;

	if (!objects_dir) {
		if ((rc = git_repository_item_path(&dir, repo,
						   GIT_REPOSITORY_ITEM_OBJECTS)) < 0)
			return rc;
		objects_dir = dir.ptr;
	}
	rc = ks_odb_open(&odb, objects_dir, alt_env);
	git_buf_dispose(&dir);
	if (rc < 0)
		return rc;
	git_repository_set_odb(repo, odb);
	git_odb_free(odb); /* the repository holds it now */
	return 0;
}
