/* source_fs.c - walk files and directories; honour .gitignore via libgit2. */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>
#include <git2.h>
#include "source.h"
#include "buf.h"
#include "error.h"
#include "log.h"
#include "stats.h"
#include "xalloc.h"

struct root {
	char *given;
	char *real;		/* realpath of the root (containment) */
	git_repository *repo;	/* NULL: not in a work tree, or no_ignore */
	git_index *index;
	char *workdir_rel;	/* root's path relative to the work dir */
};

struct entry {
	char *path;
	size_t root;
	bool explicit;		/* named on the command line */
};

struct dirkey {
	dev_t dev;
	ino_t ino;
	bool used;
};

struct ks_source {
	struct ks_source_opts opts;
	struct ks_stats *st;
	struct root *root;
	size_t root_nr;
	struct entry *stack;
	size_t stack_nr, stack_alloc;
	size_t seq;
	struct dirkey *seen;	/* visited directories (follow_symlinks) */
	size_t seen_nr, seen_cap;
};

bool ks_is_binary(const unsigned char *data, size_t len)
{
	return memchr(data, 0, KS_MIN(len, (size_t)8000)) != NULL;
}

/* Paths longer than PATH_MAX (deep trees) cannot be passed to open() or
 * lstat(): walk them with openat(), one component at a time. Returns a
 * directory fd for the parent of path (AT_FDCWD for short paths) and sets
 * *base to the last component; -1 on error (errno set). */
static int open_parent(const char *path, const char **base, bool follow)
{
	const char *p = path, *slash;
	int fd = AT_FDCWD;

	*base = path;
	if (strlen(path) < PATH_MAX)
		return AT_FDCWD;
	if (*p == '/') {
		fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		while (*p == '/')
			p++;
	}
	while ((slash = strchr(p, '/'))) {
		char comp[NAME_MAX + 1];
		size_t n = (size_t)(slash - p);
		int nfd;

		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		nfd = n ? openat(fd, comp,
				 O_PATH | O_DIRECTORY | O_CLOEXEC |
					 (follow ? 0 : O_NOFOLLOW))
			: dup(fd == AT_FDCWD ? -1 : fd);
		if (nfd < 0)
			goto fail;
		if (fd != AT_FDCWD)
			close(fd);
		fd = nfd;
		p = slash + 1;
		while (*p == '/')
			p++;
	}
	*base = p;
	return fd;
fail:
	if (fd != AT_FDCWD) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

static void close_parent(int fd)
{
	if (fd >= 0 && fd != AT_FDCWD)
		close(fd);
}

static int lstat_long(const char *path, struct stat *st, bool follow)
{
	const char *base;
	int fd = open_parent(path, &base, false), rc, e;

	if (fd == -1)
		return -1;
	rc = fstatat(fd, base, st, follow ? 0 : AT_SYMLINK_NOFOLLOW);
	e = errno;
	close_parent(fd);
	errno = e;
	return rc;
}

static int open_long(const char *path, int flags)
{
	const char *base;
	int fd = open_parent(path, &base, false), rc, e;

	if (fd == -1)
		return -1;
	rc = openat(fd, base, flags);
	e = errno;
	close_parent(fd);
	errno = e;
	return rc;
}

static DIR *opendir_long(const char *path)
{
	int fd = open_long(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

static void push(struct ks_source *src, const char *path, size_t root,
		 bool explicit)
{
	ALLOC_GROW(src->stack, src->stack_nr + 1, src->stack_alloc);
	src->stack[src->stack_nr].path = xstrdup(path);
	src->stack[src->stack_nr].root = root;
	src->stack[src->stack_nr].explicit = explicit;
	src->stack_nr++;
}

/* Returns true if (dev, ino) was seen before; records it. */
static bool seen_dir(struct ks_source *src, dev_t dev, ino_t ino)
{
	size_t h, i;

	if (src->seen_nr * 2 >= src->seen_cap) {
		struct dirkey *old = src->seen;
		size_t oldcap = src->seen_cap;

		src->seen_cap = oldcap ? oldcap * 2 : 64;
		src->seen = xcalloc(src->seen_cap, sizeof(*src->seen));
		src->seen_nr = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i].used)
				seen_dir(src, old[i].dev, old[i].ino);
		free(old);
	}
	h = ((size_t)dev * 31 + (size_t)ino) & (src->seen_cap - 1);
	while (src->seen[h].used) {
		if (src->seen[h].dev == dev && src->seen[h].ino == ino)
			return true;
		h = (h + 1) & (src->seen_cap - 1);
	}
	src->seen[h].used = true;
	src->seen[h].dev = dev;
	src->seen[h].ino = ino;
	src->seen_nr++;
	return false;
}

static bool git_ready;

void ks_git_init(void)
{
	if (!git_ready) {
		git_libgit2_init();
		git_ready = true;
	}
}

void ks_git_shutdown(void)
{
	if (git_ready)
		git_libgit2_shutdown();
	git_ready = false;
}

static void open_repo(struct ks_source *src, struct root *r)
{
	git_repository *repo = NULL;
	const char *wd;
	struct stat sb;
	size_t wl;
	int rc;

	if (src->opts.no_ignore || !r->real)
		return;
	if (stat(r->real, &sb) || !S_ISDIR(sb.st_mode))
		return; /* a file named on the command line is always scanned */
	ks_git_init();
	rc = git_repository_open_ext(&repo, r->real, 0, NULL);
	if (rc == GIT_ENOTFOUND)
		return;
	if (rc < 0) {
		const git_error *e = git_error_last();

		warning("cannot open the git repository around '%s', .gitignore not honoured: %s",
			r->given, e ? e->message : "unknown error");
		return;
	}
	wd = git_repository_workdir(repo);
	if (!wd) {
		git_repository_free(repo);
		return;
	}
	wl = strlen(wd);
	/* wd ends with '/'; the root is wd itself or below it */
	if (!strncmp(r->real, wd, wl - 1) &&
	    (r->real[wl - 1] == '\0' || r->real[wl - 1] == '/')) {
		const char *rel = r->real[wl - 1] ? r->real + wl : "";

		struct ks_buf b = KS_BUF_INIT;
		struct stat rst;
		int ignored = 0;

		/* a root that is itself ignored was asked for by name: scan
		 * all of it (ignore rules only prune what was not named) */
		ks_buf_adds(&b, rel);
		if (!stat(r->real, &rst) && S_ISDIR(rst.st_mode))
			ks_buf_addch(&b, '/');
		if (*rel && git_ignore_path_is_ignored(&ignored, repo, b.ptr) < 0)
			ignored = 0;
		ks_buf_release(&b);
		if (ignored) {
			ks_log_verbose("'%s' is ignored by git but named: .gitignore not applied below it",
				       r->given);
			git_repository_free(repo);
			return;
		}
		r->workdir_rel = xstrdup(rel);
		r->repo = repo;
		if (git_repository_index(&r->index, repo) < 0)
			r->index = NULL;
		return;
	}
	git_repository_free(repo);
}

int ks_source_fs_new(struct ks_source **out, char *const *paths, size_t nr,
		     const struct ks_source_opts *opts, struct ks_stats *st)
{
	struct ks_source *src = xcalloc(1, sizeof(*src));
	size_t i;

	src->opts = *opts;
	src->st = st;
	src->root = xcalloc(nr ? nr : 1, sizeof(*src->root));
	src->root_nr = nr;
	for (i = 0; i < nr; i++) {
		struct root *r = &src->root[i];

		r->given = xstrdup(paths[i]);
		if (strcmp(paths[i], "-")) {
			r->real = realpath(paths[i], NULL);
			open_repo(src, r);
		}
	}
	/* the stack pops from the end: push roots in reverse */
	for (i = nr; i-- > 0;)
		push(src, paths[i], i, true);
	*out = src;
	return 0;
}

void ks_source_free(struct ks_source *src)
{
	size_t i;

	if (!src)
		return;
	for (i = 0; i < src->root_nr; i++) {
		free(src->root[i].given);
		free(src->root[i].real);
		free(src->root[i].workdir_rel);
		git_index_free(src->root[i].index);
		git_repository_free(src->root[i].repo);
	}
	free(src->root);
	for (i = 0; i < src->stack_nr; i++)
		free(src->stack[i].path);
	free(src->stack);
	free(src->seen);
	free(src);
}

/* The path of e relative to its root (after the root's own path). */
static const char *rel_to_root(const struct root *r, const char *path)
{
	size_t gl = strlen(r->given);

	if (!strcmp(r->given, ".") || !strcmp(r->given, "./"))
		return path;
	if (!strncmp(path, r->given, gl)) {
		path += gl;
		while (*path == '/')
			path++;
	}
	return path;
}

/* Whether .gitignore (and friends) exclude this path; tracked files are
 * never excluded (they are in the repository whatever .gitignore says). */
static bool is_ignored(struct ks_source *src, const struct entry *e,
		       bool is_dir)
{
	const struct root *r = &src->root[e->root];
	struct ks_buf rel = KS_BUF_INIT;
	int ignored = 0;
	size_t pos;

	if (!r->repo || e->explicit)
		return false;
	ks_buf_adds(&rel, r->workdir_rel);
	if (rel.len)
		ks_buf_addch(&rel, '/');
	ks_buf_adds(&rel, rel_to_root(r, e->path));
	if (is_dir)
		ks_buf_addch(&rel, '/');
	if (git_ignore_path_is_ignored(&ignored, r->repo, rel.ptr) < 0)
		ignored = 0;
	if (ignored && r->index) {
		if (is_dir) {
			if (!git_index_find_prefix(&pos, r->index, rel.ptr))
				ignored = 0;
		} else if (git_index_get_bypath(r->index, rel.ptr, 0)) {
			ignored = 0;
		}
	}
	ks_buf_release(&rel);
	return ignored != 0;
}

static bool inside_root(const struct root *r, const char *path)
{
	char *real = realpath(path, NULL);
	size_t rl;
	bool ok;

	if (!real || !r->real)
		return free(real), false;
	rl = strlen(r->real);
	ok = !strncmp(real, r->real, rl) &&
	     (real[rl] == '\0' || real[rl] == '/' || !strcmp(r->real, "/"));
	free(real);
	return ok;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void read_dir(struct ks_source *src, const struct entry *e)
{
	DIR *d = opendir_long(e->path);
	struct dirent *de;
	char **names = NULL;
	size_t nr = 0, alloc = 0, i;
	const struct root *r = &src->root[e->root];
	bool dot = !strcmp(e->path, ".") || !strcmp(e->path, "./");
	size_t pl = strlen(e->path);

	if (!d) {
		ks_stats_error(src->st, e->path, "cannot open directory: %s",
			       strerror(errno));
		return;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				ks_stats_error(src->st, e->path,
					       "cannot read directory: %s",
					       strerror(errno));
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		ALLOC_GROW(names, nr + 1, alloc);
		names[nr++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nr > 1)
		qsort(names, nr, sizeof(*names), cmp_str);
	for (i = nr; i-- > 0;) {
		struct ks_buf p = KS_BUF_INIT;

		if (!dot) {
			ks_buf_adds(&p, e->path);
			if (pl && e->path[pl - 1] != '/')
				ks_buf_addch(&p, '/');
		}
		ks_buf_adds(&p, names[i]);
		push(src, p.ptr, (size_t)(r - src->root), false);
		ks_buf_release(&p);
		free(names[i]);
	}
	free(names);
}

int ks_reader_open(struct ks_reader *rd, const struct ks_job *job,
		   const struct ks_source_opts *opts, struct ks_stats *st)
{
	int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
	struct stat sb;

	memset(rd, 0, sizeof(*rd));
	rd->path = job->path;
	rd->max = opts->max_file_size;
	if (job->is_stdin) {
		rd->fd = 0;
		return 1;
	}
	if (!job->follow)
		flags |= O_NOFOLLOW;
	rd->fd = open_long(job->path, flags);
	if (rd->fd < 0) {
		if (errno == ELOOP && !job->follow) {
			ks_stats_skip(st, job->path, KS_SKIP_SYMLINK);
			return 0;
		}
		ks_stats_error(st, job->path, "cannot open: %s",
			       errno == ENOENT ? "file vanished during the scan"
					       : strerror(errno));
		return 0;
	}
	if (fstat(rd->fd, &sb) < 0) {
		ks_stats_error(st, job->path, "cannot stat: %s",
			       strerror(errno));
		close(rd->fd);
		return 0;
	}
	if (!S_ISREG(sb.st_mode)) {
		ks_stats_skip(st, job->path, KS_SKIP_NOT_REGULAR);
		close(rd->fd);
		return 0;
	}
	if ((uint64_t)sb.st_size > rd->max) {
		ks_stats_skip(st, job->path, KS_SKIP_SIZE);
		close(rd->fd);
		return 0;
	}
	rd->expect = (uint64_t)sb.st_size;
	return 1;
}

int ks_reader_fill(struct ks_reader *rd, struct ks_buf *buf, size_t want,
		   struct ks_stats *st)
{
	while (buf->len < want && !rd->eof) {
		size_t room;
		ssize_t n;

		ks_buf_grow(buf, KS_MIN(want - buf->len, (size_t)1 << 20));
		room = KS_MIN(buf->alloc - buf->len - 1, want - buf->len);
		n = read(rd->fd, buf->ptr + buf->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && rd->fd == 0) {
			/* non-blocking stdin: wait for it */
			fd_set set;

			FD_ZERO(&set);
			FD_SET(0, &set);
			select(1, &set, NULL, NULL, NULL);
			continue;
		}
		if (n < 0) {
			ks_stats_error(st, rd->path, "read error: %s",
				       strerror(errno));
			return KS_EIO;
		}
		if (!n) {
			rd->eof = true;
			break;
		}
		ks_buf_setlen(buf, buf->len + (size_t)n);
		rd->total += (uint64_t)n;
		if (rd->total > rd->max) {
			ks_stats_skip(st, rd->path, KS_SKIP_SIZE);
			return KS_ETOOBIG;
		}
	}
	return 0;
}

void ks_reader_close(struct ks_reader *rd, struct ks_stats *st)
{
	if (rd->eof && rd->expect && rd->total < rd->expect)
		ks_stats_error(st, rd->path,
			       "file shrank while it was read (%llu of %llu bytes scanned)",
			       (unsigned long long)rd->total,
			       (unsigned long long)rd->expect);
	if (rd->fd > 0)
		close(rd->fd);
	rd->fd = -1;
}

/* Handles one stack entry: directories are expanded, skips recorded.
 * Returns 1 when e is a file (or stdin) to read, *follow set when it may
 * be opened through a symlink. */
static int visit(struct ks_source *src, const struct entry *e, bool *follow)
{
	const struct root *r = &src->root[e->root];
	struct stat st;

	*follow = false;
	if (e->explicit && !strcmp(e->path, "-"))
		return 1;
	if (lstat_long(e->path, &st, false) < 0) {
		ks_stats_error(src->st, e->path, "cannot access: %s",
			       errno == ENOENT && !e->explicit
				       ? "file vanished during the scan"
				       : strerror(errno));
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		/* a symlink named on the command line is followed */
		if (!src->opts.follow_symlinks && !e->explicit) {
			ks_stats_skip(src->st, e->path, KS_SKIP_SYMLINK);
			return 0;
		}
		if (lstat_long(e->path, &st, true) < 0) {
			ks_stats_skip(src->st, e->path, KS_SKIP_SYMLINK);
			return 0;
		}
		if (!e->explicit && !inside_root(r, e->path)) {
			ks_stats_skip(src->st, e->path, KS_SKIP_OUTSIDE_ROOT);
			return 0;
		}
		*follow = true;
	}
	if (S_ISDIR(st.st_mode)) {
		if (is_ignored(src, e, true)) {
			ks_stats_skip(src->st, e->path, KS_SKIP_IGNORED);
			return 0;
		}
		if (!e->explicit && src->opts.excluded &&
		    src->opts.excluded(e->path, true, src->opts.exclude_payload)) {
			ks_stats_skip(src->st, e->path, KS_SKIP_EXCLUDED);
			return 0;
		}
		if (src->opts.follow_symlinks &&
		    seen_dir(src, st.st_dev, st.st_ino)) {
			ks_stats_skip(src->st, e->path, KS_SKIP_LOOP);
			return 0;
		}
		read_dir(src, e);
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		ks_stats_skip(src->st, e->path, KS_SKIP_NOT_REGULAR);
		return 0;
	}
	if (is_ignored(src, e, false)) {
		ks_stats_skip(src->st, e->path, KS_SKIP_IGNORED);
		return 0;
	}
	if (!e->explicit && src->opts.excluded &&
	    src->opts.excluded(e->path, false, src->opts.exclude_payload)) {
		ks_stats_skip(src->st, e->path, KS_SKIP_EXCLUDED);
		return 0;
	}
	*follow = *follow || e->explicit;
	return 1;
}

int ks_source_next_job(struct ks_source *src, struct ks_job *job)
{
	while (src->stack_nr) {
		struct entry e = src->stack[--src->stack_nr];
		bool follow;

		if (!visit(src, &e, &follow)) {
			free(e.path);
			continue;
		}
		memset(job, 0, sizeof(*job));
		job->is_stdin = e.explicit && !strcmp(e.path, "-");
		if (job->is_stdin) {
			free(e.path);
			job->path = xstrdup(src->opts.stdin_name);
		} else {
			job->path = e.path;
		}
		job->follow = follow;
		job->seq = src->seq++;
		return 1;
	}
	return 0;
}

void ks_job_release(struct ks_job *job)
{
	free(job->path);
	job->path = NULL;
	if (job->mem)
		ks_wipe(job->mem, job->mem_len);
	free(job->mem);
	job->mem = NULL;
}

static int next_fs_job(void *ctx, struct ks_job *job)
{
	return ks_source_next_job(ctx, job);
}

struct ks_job_source ks_source_jobs(struct ks_source *src)
{
	struct ks_job_source js = { next_fs_job, src };

	return js;
}
