/* cmd_hook.c - `keysnare hook install|uninstall|status`: the git hooks that
 * run `keysnare staged` (pre-commit) and `keysnare history` (pre-push). */
#include "compat.h"
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <git2.h>
#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "error.h"
#include "filter.h"
#include "hook.h"
#include "log.h"
#include "source.h"
#include "xalloc.h"
#include "banned.h"

extern char **environ;

/* A foreign hook chained by install runs first under this name; one that
 * --force replaced is kept under the other. */
#define CHAINED_SUFFIX ".keysnare-chained"
#define BACKUP_SUFFIX  ".keysnare-backup"
/* Every hook script keysnare writes has this at the start of a line near
 * the top; it is how install, status and uninstall recognise their own. */
#define MARKER "# keysnare-hook: "
/* The template line install fills in with the binary's absolute path. */
#define INSTALLED_LINE "keysnare_installed="
/* Hooks are small; a bigger file is read only this far. */
#define HOOK_READ_MAX ((size_t)1 << 20)

enum {
	OPT_HELP = 'h',
	OPT_REPO = 256,
	OPT_PRE_PUSH,
	OPT_FORCE,
};

enum hook_exit {
	HOOK_EXIT_OK = 0,
	HOOK_EXIT_FAILED = 1, /* refused, failed, or an unhealthy status */
	HOOK_EXIT_USAGE = KS_EXIT_USAGE,
};

static const struct ks_opt install_opts[] = {
	{ "repo", 0, OPT_REPO, "DIR", "the repository (default: $GIT_DIR, or the one around .); bare repos work" },
	{ "pre-push", 0, OPT_PRE_PUSH, NULL, "also install the pre-push hook (scans the commits being pushed)" },
	{ "force", 0, OPT_FORCE, NULL, "replace a foreign hook instead of chaining it (kept as HOOK" BACKUP_SUFFIX ")" },
	{ "help", 'h', OPT_HELP, NULL, "show this help" },
};

static const struct ks_opt uninstall_opts[] = {
	{ "repo", 0, OPT_REPO, "DIR", "the repository (default: $GIT_DIR, or the one around .)" },
	{ "pre-push", 0, OPT_PRE_PUSH, NULL, "also remove the pre-push hook" },
	{ "help", 'h', OPT_HELP, NULL, "show this help" },
};

static const struct ks_opt status_opts[] = {
	{ "repo", 0, OPT_REPO, "DIR", "the repository (default: $GIT_DIR, or the one around .)" },
	{ "help", 'h', OPT_HELP, NULL, "show this help" },
};

static const struct ks_opt all_opts[] = {
	{ "repo", 0, OPT_REPO, "DIR", "the repository (default: $GIT_DIR, or the one around .); bare repos work" },
	{ "pre-push", 0, OPT_PRE_PUSH, NULL, "install: also the pre-push hook; uninstall: also remove it" },
	{ "force", 0, OPT_FORCE, NULL, "install: replace a foreign hook (kept as HOOK" BACKUP_SUFFIX ") instead of chaining it" },
	{ "help", 'h', OPT_HELP, NULL, "show this help" },
};

#define HOOK_SUMMARY                                                                                       \
	"Writes the hooks into the directory git really uses: core.hooksPath when set (relative\n"        \
	"to the work tree, or to the git directory of a bare repository), else the hooks directory\n"    \
	"of the main repository (shared by its linked worktrees).\n"                                     \
	"pre-commit runs 'keysnare staged'; pre-push runs 'keysnare history' over the pushed commits.\n" \
	"A hook already there is chained (kept as HOOK" CHAINED_SUFFIX ", run first; either failing\n"   \
	"blocks), never overwritten silently; uninstall puts it back."

void cmd_hook_help(FILE *out)
{
	ks_cli_help(out,
		    "keysnare hook install [--repo DIR] [--pre-push] [--force]\n"
		    "   or: keysnare hook uninstall [--repo DIR] [--pre-push]\n"
		    "   or: keysnare hook status [--repo DIR]",
		    HOOK_SUMMARY "\n"
		    "status: what is installed where, and a self-test that stages a generated key in a\n"
		    "temporary repository and checks that 'keysnare staged' blocks it.\n"
		    "Exit status: 0 done (or nothing to do; status: healthy), 1 refused or failed (status: the\n"
		    "self-test failed or a hook cannot find keysnare), 3 usage error or not a repository.",
		    all_opts, KS_ARRAY_SIZE(all_opts));
}

struct hook_args {
	const char *repo;
	bool pre_push;
	bool force;
	bool help;
	const char *cmd;
};

static int handle(int id, const char *arg, void *payload)
{
	struct hook_args *a = payload;

	switch (id) {
	case OPT_REPO:
		a->repo = arg;
		break;
	case OPT_PRE_PUSH:
		a->pre_push = true;
		break;
	case OPT_FORCE:
		a->force = true;
		break;
	case OPT_HELP:
		a->help = true;
		break;
	default:
		return ks_usage_error(a->cmd, "unhandled option");
	}
	return 0;
}

/* The repository and the hooks directory git runs its hooks from. */
struct hook_repo {
	git_repository *repo;
	const char *label;	/* --repo DIR, $GIT_DIR or "." */
	char *hooks_dir;	/* no trailing slash */
	char *hooks_path;	/* core.hooksPath as configured; NULL: unset */
	bool hooks_in_worktree;	/* hooks_dir is inside the work tree */
};

static int git_fail(const char *what)
{
	const git_error *e = git_error_last();

	return ks_error_set(KS_ERROR, "%s: %s", what,
			    e && e->message ? e->message : "unknown error");
}

/* a + "/" + b, without doubling a trailing slash of a. */
static char *path_join(const char *a, const char *b)
{
	struct ks_buf p = KS_BUF_INIT;

	ks_buf_adds(&p, a);
	while (p.len > 1 && p.ptr[p.len - 1] == '/')
		ks_buf_setlen(&p, p.len - 1);
	ks_buf_addf(&p, "/%s", b);
	return ks_buf_detach(&p, NULL);
}

static char *path_suffix(const char *path, const char *suffix)
{
	struct ks_buf p = KS_BUF_INIT;

	ks_buf_addf(&p, "%s%s", path, suffix);
	return ks_buf_detach(&p, NULL);
}

/* Drops trailing slashes and a trailing "/." (git's work tree paths end in
 * '/'); an existing directory is made canonical so that messages and
 * comparisons see one spelling. */
static char *path_tidy(const char *path)
{
	char *real = realpath(path, NULL);
	struct ks_buf p = KS_BUF_INIT;

	if (real)
		return real;
	ks_buf_adds(&p, path);
	for (;;) {
		if (p.len > 1 && p.ptr[p.len - 1] == '/')
			ks_buf_setlen(&p, p.len - 1);
		else if (p.len > 2 && !strcmp(p.ptr + p.len - 2, "/."))
			ks_buf_setlen(&p, p.len - 2);
		else
			break;
	}
	return ks_buf_detach(&p, NULL);
}

/* Whether path is dir or below it (both canonical, no trailing slash). */
static bool path_is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/*
 * Opens the repository: DIR when given (discovering upwards from it, like
 * `git -C DIR`), else as git would from the environment ($GIT_DIR,
 * $GIT_CEILING_DIRECTORIES, ...) and the current directory. libgit2 1.5
 * refuses GIT_REPOSITORY_OPEN_FROM_ENV when GIT_WORK_TREE or GIT_COMMON_DIR
 * is set; then $GIT_DIR (or ".") is opened directly and $GIT_WORK_TREE
 * applied by hand, since core.hooksPath is relative to the work tree.
 */
static int open_repo(struct hook_repo *hr, const char *dir)
{
	const char *env_dir = getenv("GIT_DIR");
	const char *env_wt = getenv("GIT_WORK_TREE");
	int rc;

	if (dir) {
		hr->label = dir;
		rc = git_repository_open_ext(&hr->repo, dir, 0, NULL);
	} else {
		hr->label = env_dir && *env_dir ? env_dir : ".";
		rc = git_repository_open_ext(
			&hr->repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
		if (rc < 0 &&
		    ((env_wt && *env_wt) || getenv("GIT_COMMON_DIR"))) {
			unsigned flags = env_dir && *env_dir
						 ? GIT_REPOSITORY_OPEN_NO_SEARCH
						 : 0;

			rc = git_repository_open_ext(&hr->repo, hr->label,
						     flags, NULL);
			if (!rc && env_wt && *env_wt &&
			    git_repository_set_workdir(hr->repo, env_wt, 0) < 0)
				return git_fail("cannot use $GIT_WORK_TREE");
		}
	}
	if (rc == GIT_EOWNER)
		return ks_error_set(KS_EINVALID,
				    "'%s' is owned by another user; if you trust it, mark it safe with: git config --global --add safe.directory '%s'",
				    hr->label, hr->label);
	if (rc == GIT_ENOTFOUND)
		return ks_error_set(KS_EINVALID,
				    "'%s' is not in a git repository%s",
				    hr->label,
				    dir ? "" : " (use --repo DIR)");
	if (rc < 0) {
		const git_error *e = git_error_last();

		return ks_error_set(KS_EINVALID, "cannot open the repository at '%s': %s",
				    hr->label,
				    e && e->message ? e->message : "unknown error");
	}
	return 0;
}

/* git's reading of a boolean environment variable. */
static bool env_true(const char *name)
{
	const char *v = getenv(name);

	return v && (!strcmp(v, "1") || !strcasecmp(v, "true") ||
		     !strcasecmp(v, "yes") || !strcasecmp(v, "on"));
}

static int add_config_file(git_config *cfg, const char *path,
			   git_config_level_t level, const git_repository *repo)
{
	if (!*path)
		return 0;
	if (git_config_add_file_ondisk(cfg, path, level, repo, 0) < 0)
		return git_fail("cannot read the git configuration");
	return 0;
}

/*
 * The repository's configuration as git reads it. libgit2 does not know
 * git's GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM and GIT_CONFIG_NOSYSTEM: when one
 * is set, the files are stacked here the way git does (system, then the XDG
 * and global files or $GIT_CONFIG_GLOBAL instead of both, then the
 * repository's own). NEEDSWORK: GIT_CONFIG_COUNT/KEY_n/VALUE_n and `git -c`
 * are not seen; they do not outlive one git command anyway.
 */
static int repo_config(git_config **out, git_repository *repo)
{
	const char *global = getenv("GIT_CONFIG_GLOBAL");
	const char *system = getenv("GIT_CONFIG_SYSTEM");
	git_config *cfg = NULL;
	git_buf b = { NULL, 0, 0 };
	char *local;
	int err = 0;

	*out = NULL;
	if (!global && !system && !getenv("GIT_CONFIG_NOSYSTEM")) {
		if (git_repository_config_snapshot(out, repo) < 0)
			return git_fail("cannot read the git configuration");
		return 0;
	}
	if (git_config_new(&cfg) < 0)
		return git_fail("cannot read the git configuration");
	if (!env_true("GIT_CONFIG_NOSYSTEM")) {
		if (system)
			err = add_config_file(cfg, system,
					      GIT_CONFIG_LEVEL_SYSTEM, repo);
		else if (!git_config_find_system(&b))
			err = add_config_file(cfg, b.ptr,
					      GIT_CONFIG_LEVEL_SYSTEM, repo);
		git_buf_dispose(&b);
	}
	if (!err && global) {
		err = add_config_file(cfg, global, GIT_CONFIG_LEVEL_GLOBAL,
				      repo);
	} else if (!err) {
		if (!git_config_find_xdg(&b))
			err = add_config_file(cfg, b.ptr, GIT_CONFIG_LEVEL_XDG,
					      repo);
		git_buf_dispose(&b);
		if (!err && !git_config_find_global(&b))
			err = add_config_file(cfg, b.ptr,
					      GIT_CONFIG_LEVEL_GLOBAL, repo);
		git_buf_dispose(&b);
	}
	local = path_join(git_repository_commondir(repo), "config");
	if (!err)
		err = add_config_file(cfg, local, GIT_CONFIG_LEVEL_LOCAL, repo);
	free(local);
	if (err) {
		git_config_free(cfg);
		return err;
	}
	*out = cfg;
	return 0;
}

/*
 * Finds the hooks directory as git does: core.hooksPath (libgit2 ignores
 * it), a relative value being relative to where hooks run (the work tree's
 * top, or the git directory of a bare repository); else "hooks" in the
 * common git directory, which linked worktrees share.
 */
static int find_hooks_dir(struct hook_repo *hr)
{
	git_config *cfg = NULL;
	git_buf val = { NULL, 0, 0 };
	const char *workdir = git_repository_workdir(hr->repo);
	char *dir = NULL;
	int rc, err = 0;

	if ((err = repo_config(&cfg, hr->repo)))
		return err;
	rc = git_config_get_path(&val, cfg, "core.hooksPath");
	if (!rc) {
		hr->hooks_path = xstrdup(val.ptr);
		if (!*val.ptr) {
			err = ks_error_set(KS_EINVALID,
					   "core.hooksPath is set but empty: set it to a directory or unset it (git config --unset core.hooksPath)");
			goto done;
		}
		if (val.ptr[0] == '/')
			dir = xstrdup(val.ptr);
		else
			dir = path_join(workdir ? workdir
						: git_repository_path(hr->repo),
					val.ptr);
	} else if (rc == GIT_ENOTFOUND) {
		git_buf_dispose(&val);
		if (git_repository_item_path(&val, hr->repo,
					     GIT_REPOSITORY_ITEM_HOOKS) < 0) {
			err = git_fail("cannot find the hooks directory");
			goto done;
		}
		dir = xstrdup(val.ptr);
	} else {
		err = git_fail("cannot read core.hooksPath");
		goto done;
	}
	hr->hooks_dir = path_tidy(dir);
	if (workdir) {
		char *wt = path_tidy(workdir);
		char *gd = path_tidy(git_repository_path(hr->repo));
		char *cd = path_tidy(git_repository_commondir(hr->repo));

		/* .git/hooks is below the work tree but never committed */
		hr->hooks_in_worktree = path_is_under(hr->hooks_dir, wt) &&
					!path_is_under(hr->hooks_dir, gd) &&
					!path_is_under(hr->hooks_dir, cd);
		free(wt);
		free(gd);
		free(cd);
	}
done:
	free(dir);
	git_buf_dispose(&val);
	git_config_free(cfg);
	return err;
}

static void hook_repo_release(struct hook_repo *hr)
{
	git_repository_free(hr->repo);
	free(hr->hooks_dir);
	free(hr->hooks_path);
	memset(hr, 0, sizeof(*hr));
}

static int hook_repo_open(struct hook_repo *hr, const char *dir)
{
	int err;

	ks_git_init();
	err = open_repo(hr, dir);
	if (!err)
		err = find_hooks_dir(hr);
	return err;
}

/* Reads at most HOOK_READ_MAX bytes of path into out (following links).
 * Returns 0, or KS_EIO with the message set. */
static int read_small(const char *path, struct ks_buf *out)
{
	char chunk[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ks_buf_reset(out);
	if (fd < 0)
		return ks_error_set(KS_EIO, "cannot open '%s': %s", path,
				    strerror(errno));
	while (out->len < HOOK_READ_MAX) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return ks_error_set(KS_EIO, "cannot read '%s': %s",
					    path, strerror(e));
		}
		if (!n)
			break;
		ks_buf_add(out, chunk, (size_t)n);
	}
	close(fd);
	return 0;
}

/* Whether content is a hook keysnare wrote: MARKER starts a line in the
 * first 1 KiB. */
static bool is_ours(const struct ks_buf *content)
{
	size_t len = KS_MIN(content->len, (size_t)1024);
	const char *p = content->ptr;

	if (len >= strlen(MARKER) && !memcmp(p, MARKER, strlen(MARKER)))
		return true;
	return memmem(p, len, "\n" MARKER, strlen(MARKER) + 1) != NULL;
}

static const struct ks_hook_script *find_script(const char *name)
{
	size_t i;

	for (i = 0; i < ks_hook_scripts_nr; i++)
		if (!strcmp(ks_hook_scripts[i].name, name))
			return &ks_hook_scripts[i];
	BUG("no embedded hook script '%s'", name);
}

/* s in single quotes for sh ("it's" -> 'it'\''s'). */
static void sh_quote(struct ks_buf *b, const char *s)
{
	ks_buf_addch(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			ks_buf_adds(b, "'\\''");
		else
			ks_buf_addch(b, *s);
	}
	ks_buf_addch(b, '\'');
}

/* The hook script name with the install-time binary path filled in. */
static void render_script(struct ks_buf *out, const char *name,
			  const char *binary)
{
	const struct ks_hook_script *s = find_script(name);
	const char *data = (const char *)s->data;
	const char *line = memmem(data, s->len, "\n" INSTALLED_LINE "''\n",
				  strlen(INSTALLED_LINE) + 4);
	size_t head;

	if (!line)
		BUG("hooks/%s has no %s'' line", name, INSTALLED_LINE);
	head = (size_t)(line - data) + 1 + strlen(INSTALLED_LINE);
	ks_buf_reset(out);
	ks_buf_add(out, data, head);
	sh_quote(out, binary ? binary : "");
	ks_buf_add(out, data + head + 2, s->len - head - 2);
}

/* The path recorded in an installed hook (the inverse of sh_quote()), or
 * NULL when there is none. */
static char *recorded_binary(const struct ks_buf *content)
{
	const char *line = memmem(content->ptr, content->len,
				  "\n" INSTALLED_LINE, strlen(INSTALLED_LINE) + 1);
	const char *p, *end = content->ptr + content->len;
	struct ks_buf v = KS_BUF_INIT;
	bool quoted = false;

	if (!line)
		return NULL;
	p = line + 1 + strlen(INSTALLED_LINE);
	for (; p < end && *p != '\n'; p++) {
		if (*p == '\'')
			quoted = !quoted;
		else if (!quoted && *p == '\\' && p + 1 < end)
			ks_buf_addch(&v, *++p);
		else if (!quoted && (*p == ' ' || *p == '\t' || *p == '#'))
			break;
		else
			ks_buf_addch(&v, *p);
	}
	if (!v.len) {
		ks_buf_release(&v);
		return NULL;
	}
	return ks_buf_detach(&v, NULL);
}

static bool is_executable_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

/* The first executable "name" in $PATH (an empty entry is "."), or NULL. */
static char *search_path(const char *name)
{
	const char *path = getenv("PATH");
	const char *p;

	if (!path)
		return NULL;
	for (p = path;; p++) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		char *dir = n ? xmemdupz(p, n) : xstrdup(".");
		char *cand = path_join(dir, name);

		free(dir);
		if (is_executable_file(cand))
			return cand;
		free(cand);
		if (!colon)
			return NULL;
		p = colon;
	}
}

/* This process's executable, absolute: /proc/self/exe, else argv[0]
 * (program_invocation_name) resolved as the shell did. */
static char *self_exe(void)
{
	char buf[PATH_MAX + 1];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	const char *argv0 = program_invocation_name;

	if (n > 0 && (size_t)n < sizeof(buf) - 1) {
		buf[n] = '\0';
		if (buf[0] == '/' && is_executable_file(buf))
			return xstrdup(buf);
	}
	if (argv0 && strchr(argv0, '/'))
		return realpath(argv0, NULL);
	return argv0 ? search_path(argv0) : NULL;
}

/*
 * Which keysnare an installed hook would run, the way the script decides:
 * $KEYSNARE, then the path recorded at install, then $PATH. Returns the
 * binary (the caller frees it) or NULL; *how says where it came from or,
 * with NULL, why there is none.
 */
static char *hook_binary(const char *recorded, const char **how)
{
	const char *env = getenv("KEYSNARE");
	char *p;

	if (env && *env) {
		p = strchr(env, '/') ? xstrdup(env) : search_path(env);
		if (p && is_executable_file(p)) {
			*how = "from $KEYSNARE";
			return p;
		}
		free(p);
		*how = "$KEYSNARE is set but is not an executable program";
		return NULL;
	}
	if (recorded && is_executable_file(recorded)) {
		*how = "recorded at install";
		return xstrdup(recorded);
	}
	p = search_path("keysnare");
	if (p) {
		*how = recorded ? "from PATH (the recorded path is gone)"
				: "from PATH";
		return p;
	}
	*how = recorded ? "not at the recorded path, not in PATH"
			: "not in PATH";
	return NULL;
}

static int mkdir_p(const char *path)
{
	struct ks_buf p = KS_BUF_INIT;
	struct stat st;
	size_t i;
	int err = 0;

	ks_buf_adds(&p, path);
	for (i = 1; i <= p.len; i++) {
		char c = p.ptr[i];

		if (c != '/' && c != '\0')
			continue;
		p.ptr[i] = '\0';
		if (mkdir(p.ptr, 0777) && errno != EEXIST) {
			err = ks_error_set(KS_EIO, "cannot create '%s': %s",
					   p.ptr, strerror(errno));
			break;
		}
		p.ptr[i] = c;
	}
	if (!err && (stat(path, &st) || !S_ISDIR(st.st_mode)))
		err = ks_error_set(KS_EIO, "'%s' is not a directory", path);
	ks_buf_release(&p);
	return err;
}

/* Makes the data durable under a temporary name in dir: mode 0755 less the
 * umask (as git's own templates are copied), fsynced. *tmp_out names it. */
static int write_temp(char **tmp_out, const char *dir, const char *name,
		      const void *data, size_t len)
{
	struct ks_buf t = KS_BUF_INIT;
	const char *p = data;
	mode_t mask;
	int fd, err = 0;

	*tmp_out = NULL;
	ks_buf_addf(&t, "%s/.%s.keysnare-tmp-XXXXXX", dir, name);
	fd = mkstemp(t.ptr);
	if (fd < 0) {
		err = ks_error_set(KS_EIO, "cannot create a file in '%s': %s",
				   dir, strerror(errno));
		ks_buf_release(&t);
		return err;
	}
	while (len && !err) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = ks_error_set(KS_EIO, "cannot write '%s': %s",
					   t.ptr, strerror(n ? errno : ENOSPC));
		else
			p += n, len -= (size_t)n;
	}
	mask = umask(0);
	umask(mask);
	if (!err && fchmod(fd, 0755 & ~mask))
		err = ks_error_set(KS_EIO, "cannot make '%s' executable: %s",
				   t.ptr, strerror(errno));
	if (!err && fsync(fd))
		err = ks_error_set(KS_EIO, "cannot write '%s': %s", t.ptr,
				   strerror(errno));
	if (close(fd) && !err)
		err = ks_error_set(KS_EIO, "cannot write '%s': %s", t.ptr,
				   strerror(errno));
	if (err) {
		unlink(t.ptr);
		ks_buf_release(&t);
		return err;
	}
	*tmp_out = ks_buf_detach(&t, NULL);
	return 0;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd); /* best effort: the renames are already atomic */
		close(fd);
	}
}

/*
 * Puts tmp in place of path; when keep is not NULL, what was at path is kept
 * there first. A hard link keeps path in place until the rename replaces it
 * (no moment without a hook, and keep is never overwritten: link() fails with
 * EEXIST); where links are not possible, two renames do it.
 */
static int replace_keeping(const char *tmp, const char *path,
			   const char *keep)
{
	bool renamed = false;

	if (keep && link(path, keep)) {
		if (errno == EEXIST)
			return ks_error_set(KS_EIO, "'%s' already exists", keep);
		/* no hard links here (EPERM, EXDEV, ...): the caller checked
		 * that keep does not exist */
		if (rename(path, keep))
			return ks_error_set(KS_EIO,
					    "cannot rename '%s' to '%s': %s",
					    path, keep, strerror(errno));
		renamed = true;
	}
	if (rename(tmp, path)) {
		int e = errno;

		if (renamed)
			rename(keep, path);
		else if (keep)
			unlink(keep);
		return ks_error_set(KS_EIO, "cannot rename '%s' to '%s': %s",
				    tmp, path, strerror(e));
	}
	return 0;
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* Tells a foreign hook's kind, for messages; "" when unknown. */
static const char *foreign_kind(const struct ks_buf *content,
				const char *hooks_dir)
{
	if (memmem(content->ptr, content->len, "pre-commit.com", 14))
		return " (the pre-commit framework's)";
	if (memmem(content->ptr, content->len, "husky", 5) ||
	    strstr(hooks_dir, "/.husky"))
		return " (husky's)";
	return "";
}

/* Installs hook name into hr's hooks directory; prints what it did.
 * Returns 0 or HOOK_EXIT_FAILED (after printing why). */
static int install_one(const struct hook_repo *hr, const char *name,
		       bool force, const char *binary)
{
	char *path = path_join(hr->hooks_dir, name);
	char *chained = path_suffix(path, CHAINED_SUFFIX);
	char *backup = path_suffix(path, BACKUP_SUFFIX);
	struct ks_buf want = KS_BUF_INIT, have = KS_BUF_INIT;
	char *tmp = NULL;
	const char *keep = NULL;
	struct stat st;
	int ret = HOOK_EXIT_FAILED;

	memset(&st, 0, sizeof(st));
	render_script(&want, name, binary);
	if (lstat(path, &st)) {
		if (errno != ENOENT) {
			ks_log_error("cannot inspect '%s': %s", path,
				     strerror(errno));
			goto done;
		}
	} else if (S_ISLNK(st.st_mode) || S_ISREG(st.st_mode)) {
		if (read_small(path, &have)) {
			/* a dangling link or unreadable file is still a
			 * foreign hook: keep it */
			ks_buf_reset(&have);
		}
		if (S_ISREG(st.st_mode) && is_ours(&have)) {
			if (have.len == want.len &&
			    !memcmp(have.ptr, want.ptr, want.len) &&
			    (st.st_mode & 0100)) {
				printf("%s: already installed, nothing changed: %s\n",
				       name, path);
				ret = 0;
				goto done;
			}
			/* an older script, another binary or no longer
			 * executable: rewrite it, keeping what it chains to */
		} else if (S_ISLNK(st.st_mode) && is_ours(&have)) {
			printf("%s: '%s' is a symbolic link to a keysnare hook: left as it is\n",
			       name, path);
			ret = 0;
			goto done;
		} else if (force) {
			keep = backup;
		} else {
			keep = chained;
		}
	} else {
		ks_log_error("cannot install the %s hook: '%s' exists and is not a file (move it away, then run this again)",
			     name, path);
		goto done;
	}
	if (keep && exists(keep)) {
		if (keep == chained)
			ks_log_error("cannot chain the existing %s hook '%s': '%s' already exists (move one of them away, or replace the hook with --force)",
				     name, path, keep);
		else
			ks_log_error("cannot replace the existing %s hook '%s': the backup '%s' already exists (move it away first)",
				     name, path, keep);
		goto done;
	}
	if (mkdir_p(hr->hooks_dir) ||
	    write_temp(&tmp, hr->hooks_dir, name, want.ptr, want.len) ||
	    replace_keeping(tmp, path, keep)) {
		ks_log_error("cannot install the %s hook: %s", name,
			     ks_error_last());
		if (tmp)
			unlink(tmp);
		goto done;
	}
	fsync_dir(hr->hooks_dir);
	if (keep == chained)
		printf("%s: installed: %s; the hook that was there%s runs first as %s (either failing blocks the %s)\n",
		       name, path, foreign_kind(&have, hr->hooks_dir), chained,
		       strcmp(name, "pre-push") ? "commit" : "push");
	else if (keep)
		printf("%s: installed: %s; replaced the hook that was there%s, kept as %s\n",
		       name, path, foreign_kind(&have, hr->hooks_dir), backup);
	else if (have.len)
		printf("%s: updated: %s\n", name, path);
	else
		printf("%s: installed: %s\n", name, path);
	if (keep == chained && S_ISREG(st.st_mode) && !(st.st_mode & 0111))
		printf("%s: note: the chained hook is not executable; git did not run it before and the chain does not either\n",
		       name);
	ret = 0;
done:
	free(tmp);
	free(path);
	free(chained);
	free(backup);
	ks_buf_release(&want);
	ks_buf_release(&have);
	return ret;
}

/* Removes keysnare's hook name, restoring the chained hook or the backup.
 * Returns 0 or HOOK_EXIT_FAILED. */
static int uninstall_one(const struct hook_repo *hr, const char *name)
{
	char *path = path_join(hr->hooks_dir, name);
	char *chained = path_suffix(path, CHAINED_SUFFIX);
	char *backup = path_suffix(path, BACKUP_SUFFIX);
	struct ks_buf have = KS_BUF_INIT;
	struct stat st;
	int ret = HOOK_EXIT_FAILED;

	if (lstat(path, &st)) {
		if (errno != ENOENT) {
			ks_log_error("cannot inspect '%s': %s", path,
				     strerror(errno));
			goto done;
		}
		printf("%s: not installed: %s does not exist\n", name, path);
		ret = 0;
		goto leftovers;
	}
	if (!S_ISREG(st.st_mode) || read_small(path, &have) ||
	    !is_ours(&have)) {
		printf("%s: not installed: %s is not keysnare's hook; left as it is\n",
		       name, path);
		ret = 0;
		goto leftovers;
	}
	if (exists(chained)) {
		if (rename(chained, path)) {
			ks_log_error("cannot rename '%s' to '%s': %s", chained,
				     path, strerror(errno));
			goto done;
		}
		printf("%s: removed; restored the chained hook: %s\n", name,
		       path);
	} else if (exists(backup)) {
		if (rename(backup, path)) {
			ks_log_error("cannot rename '%s' to '%s': %s", backup,
				     path, strerror(errno));
			goto done;
		}
		printf("%s: removed; restored the hook it replaced: %s\n",
		       name, path);
	} else {
		if (unlink(path)) {
			ks_log_error("cannot remove '%s': %s", path,
				     strerror(errno));
			goto done;
		}
		printf("%s: removed: %s\n", name, path);
	}
	fsync_dir(hr->hooks_dir);
	ret = 0;
leftovers:
	if (exists(chained))
		printf("%s: note: '%s' is left as it is\n", name, chained);
	if (exists(backup))
		printf("%s: note: '%s' is left as it is\n", name, backup);
done:
	free(path);
	free(chained);
	free(backup);
	ks_buf_release(&have);
	return ret;
}

static void print_where(const struct hook_repo *hr)
{
	const char *wd = git_repository_workdir(hr->repo);
	char *gd = path_tidy(git_repository_path(hr->repo));

	if (wd) {
		char *w = path_tidy(wd);

		printf("repository: %s (git directory %s)\n", w, gd);
		free(w);
	} else {
		printf("repository: %s (bare)\n", gd);
	}
	if (hr->hooks_path)
		printf("hooks directory: %s (core.hooksPath = %s)\n",
		       hr->hooks_dir, hr->hooks_path);
	else
		printf("hooks directory: %s (core.hooksPath is not set)\n",
		       hr->hooks_dir);
	free(gd);
}

static int run_install(const struct hook_args *a, const struct hook_repo *hr)
{
	char *binary = self_exe();
	int ret;

	print_where(hr);
	if (hr->hooks_in_worktree)
		warning("the hooks directory is inside the work tree: the hook files may get committed, and they record this machine's path of keysnare");
	ret = install_one(hr, "pre-commit", a->force, binary);
	if (a->pre_push && !ret)
		ret = install_one(hr, "pre-push", a->force, binary);
	if (!binary)
		warning("cannot tell where this keysnare binary is: the hooks will look for 'keysnare' in PATH");
	free(binary);
	return ret;
}

static int run_uninstall(const struct hook_args *a, const struct hook_repo *hr)
{
	int ret = uninstall_one(hr, "pre-commit");
	int ret2 = 0;

	if (a->pre_push) {
		ret2 = uninstall_one(hr, "pre-push");
	} else {
		char *pp = path_join(hr->hooks_dir, "pre-push");
		struct ks_buf have = KS_BUF_INIT;

		if (!read_small(pp, &have) && is_ours(&have))
			printf("pre-push: still installed: %s (remove it with 'keysnare hook uninstall --pre-push')\n",
			       pp);
		ks_buf_release(&have);
		free(pp);
	}
	return ret ? ret : ret2;
}

/* Prints one hook's state; returns false when the hook is keysnare's but
 * would not find keysnare (it blocks every commit or push). */
static bool status_one(const struct hook_repo *hr, const char *name)
{
	char *path = path_join(hr->hooks_dir, name);
	char *chained = path_suffix(path, CHAINED_SUFFIX);
	char *backup = path_suffix(path, BACKUP_SUFFIX);
	struct ks_buf have = KS_BUF_INIT;
	struct stat st;
	bool ok = true;

	if (lstat(path, &st)) {
		printf("%s: not installed\n", name);
	} else if (read_small(path, &have) || !is_ours(&have)) {
		const char *runs = "";

		if (memmem(have.ptr, have.len, "keysnare", 8))
			runs = "; it mentions keysnare";
		printf("%s: not installed: %s is another hook%s%s%s\n", name,
		       path, foreign_kind(&have, hr->hooks_dir),
		       access(path, X_OK) ? " (not executable: git skips it)"
					  : "",
		       runs);
	} else {
		char *recorded = recorded_binary(&have);
		const char *how = NULL;
		char *bin = hook_binary(recorded, &how);

		printf("%s: installed: %s%s\n", name, path,
		       access(path, X_OK) ? " (NOT executable: git skips it)"
					  : "");
		if (access(path, X_OK))
			ok = false;
		if (exists(chained))
			printf("%s: chained hook (runs first): %s%s\n", name,
			       chained,
			       access(chained, X_OK)
				       ? " (not executable: skipped, as git would)"
				       : "");
		if (bin) {
			printf("%s: runs %s (%s)\n", name, bin, how);
		} else {
			printf("%s: PROBLEM: keysnare cannot be found (%s): the hook blocks every %s\n",
			       name, how,
			       strcmp(name, "pre-push") ? "commit" : "push");
			ok = false;
		}
		free(bin);
		free(recorded);
	}
	if (exists(backup))
		printf("%s: backup of a replaced hook: %s\n", name, backup);
	free(path);
	free(chained);
	free(backup);
	ks_buf_release(&have);
	return ok;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) ? -1 : 0;
	return unlink(path) ? -1 : 0;
}

/* A fresh canary: an AWS access key id (rule aws-access-key-id: AKIA + 16 of
 * A-Z2-7) from the kernel's CSPRNG, redrawn until the filters would keep
 * it. Never a constant: a fixed key in the source would be allowlisted,
 * baselined or simply famous. */
static int make_canary(char out[21])
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned char r[16];
	int tries, i;

	for (tries = 0; tries < 64; tries++) {
		size_t got = 0;

		while (got < sizeof(r)) {
			ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return ks_error_set(KS_EIO,
						    "cannot get random bytes: %s",
						    strerror(errno));
			got += (size_t)n;
		}
		memcpy(out, "AKIA", 4);
		/* 256 % 32 == 0: every letter equally likely */
		for (i = 0; i < 16; i++)
			out[4 + i] = b32[r[i] & 31];
		out[20] = '\0';
		ks_wipe(r, sizeof(r));
		if (!ks_placeholder_reason((const unsigned char *)out, 20) &&
		    ks_entropy((const unsigned char *)out, 20) >= 3.5)
			return 0;
	}
	return ks_error_set(KS_ERROR, "cannot draw a usable canary key");
}

/* Stages "AWS_ACCESS_KEY_ID=<canary>" as canary.env in a fresh repository
 * at dir: only the index and the object database get it. */
static int plant_canary(const char *dir)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_index_entry e;
	char key[21];
	struct ks_buf content = KS_BUF_INIT;
	int err = 0;

	if (make_canary(key))
		return KS_ERROR;
	ks_buf_addf(&content, "# keysnare hook self-test\nAWS_ACCESS_KEY_ID=%s\n",
		    key);
	ks_wipe(key, sizeof(key));
	if (git_repository_init(&repo, dir, 0) < 0) {
		err = git_fail("cannot create the self-test repository");
		goto done;
	}
	if (git_repository_index(&index, repo) < 0) {
		err = git_fail("cannot open the self-test index");
		goto done;
	}
	memset(&e, 0, sizeof(e));
	e.mode = GIT_FILEMODE_BLOB;
	e.path = "canary.env";
	if (git_index_add_from_buffer(index, &e, content.ptr, content.len) ||
	    git_index_write(index))
		err = git_fail("cannot stage the canary in the self-test index");
done:
	ks_wipe(content.ptr, content.len);
	ks_buf_release(&content);
	git_index_free(index);
	git_repository_free(repo);
	return err;
}

/* The environment minus GIT_* (GIT_DIR, GIT_INDEX_FILE, ... of a hook that
 * runs this must not point the self-test at the user's repository). */
static char **child_env(void)
{
	size_t n = 0, i, j = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 1, sizeof(*env));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "GIT_", 4))
			env[j++] = environ[i];
	env[j] = NULL;
	return env;
}

/* Runs exe with argv, stdout and stderr to log, stdin from /dev/null.
 * Returns the exit status, 128 + signal, or a negative error. */
static int run_child(const char *exe, char *const argv[], const char *log)
{
	char **env = child_env();
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int status = 0, ret;
	pid_t pid;

	if (fd < 0 || nul < 0) {
		ret = ks_error_set(KS_EIO, "cannot open '%s': %s", log,
				   strerror(errno));
		goto done;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ret = ks_error_set(KS_EIO, "cannot fork: %s", strerror(errno));
		goto done;
	}
	if (!pid) {
		if (dup2(nul, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execve(exe, argv, env);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ret = ks_error_set(KS_EIO, "cannot wait for '%s': %s",
					   exe, strerror(errno));
			goto done;
		}
	}
	ret = WIFEXITED(status) ? WEXITSTATUS(status)
				: 128 + (WIFSIGNALED(status) ? WTERMSIG(status)
							      : 0);
done:
	if (fd >= 0)
		close(fd);
	if (nul >= 0)
		close(nul);
	free(env);
	return ret;
}

/* Prints up to 2000 bytes of the self-test's output, indented. */
static void print_log(const char *log)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	if (read_small(log, &b) || !b.len) {
		ks_buf_release(&b);
		return;
	}
	if (b.len > 2000)
		ks_buf_setlen(&b, 2000);
	fputs("  | ", stdout);
	for (i = 0; i < b.len; i++) {
		putchar(b.ptr[i]);
		if (b.ptr[i] == '\n' && i + 1 < b.len)
			fputs("  | ", stdout);
	}
	if (b.ptr[b.len - 1] != '\n')
		putchar('\n');
	ks_buf_release(&b);
}

/*
 * The self-test: a canary key staged in a temporary repository (never the
 * user's: its own mkdtemp directory, index and objects) must make
 * `keysnare staged --repo TMP -q` exit 1. Returns true when it did.
 */
static bool self_test(void)
{
	const char *tmpdir = getenv("TMPDIR");
	struct ks_buf root = KS_BUF_INIT;
	char *exe = self_exe(), *repo = NULL, *log = NULL;
	bool ok = false;
	int rc;

	ks_buf_addf(&root, "%s/keysnare-selftest-XXXXXX",
		    tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!exe) {
		printf("self-test: FAILED: cannot find this keysnare binary to run\n");
		goto done;
	}
	if (!mkdtemp(root.ptr)) {
		printf("self-test: FAILED: cannot create a temporary directory '%s': %s\n",
		       root.ptr, strerror(errno));
		ks_buf_setlen(&root, 0);
		goto done;
	}
	repo = path_join(root.ptr, "repo");
	log = path_join(root.ptr, "out");
	if (plant_canary(repo)) {
		printf("self-test: FAILED: %s\n", ks_error_last());
		goto done;
	}
	{
		char *argv[] = { exe, (char *)"staged", (char *)"--repo", repo,
				 (char *)"-q", NULL };

		rc = run_child(exe, argv, log);
	}
	if (rc == KS_EXIT_FINDINGS) {
		printf("self-test: ok ('keysnare staged' blocked a generated key staged in a temporary repository)\n");
		ok = true;
	} else if (rc < 0) {
		printf("self-test: FAILED: %s\n", ks_error_last());
	} else if (rc == 0) {
		printf("self-test: FAILED: '%s staged' exited 0 on a staged key: it would not block a commit\n",
		       exe);
		print_log(log);
	} else {
		printf("self-test: FAILED: '%s staged' exited %d instead of 1 on a staged key\n",
		       exe, rc);
		print_log(log);
	}
done:
	if (root.len && nftw(root.ptr, rm_entry, 16, FTW_DEPTH | FTW_PHYS))
		warning("cannot remove the self-test directory '%s': %s",
			root.ptr, strerror(errno));
	ks_buf_release(&root);
	free(exe);
	free(repo);
	free(log);
	return ok;
}

static int run_status(const struct hook_repo *hr)
{
	bool ok;

	print_where(hr);
	ok = status_one(hr, "pre-commit");
	ok &= status_one(hr, "pre-push");
	fflush(stdout);
	ok &= self_test();
	return ok ? 0 : HOOK_EXIT_FAILED;
}

int cmd_hook(int argc, char **argv)
{
	struct hook_args a = { 0 };
	struct hook_repo hr = { 0 };
	const struct ks_opt *opts;
	size_t nr;
	const char *sub = argc > 1 ? argv[1] : NULL;
	char cmd[32];
	int first, ret = HOOK_EXIT_USAGE;

	if (!sub || !strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		cmd_hook_help(sub ? stdout : stderr);
		return sub ? 0 : HOOK_EXIT_USAGE;
	}
	if (!strcmp(sub, "install")) {
		opts = install_opts;
		nr = KS_ARRAY_SIZE(install_opts);
	} else if (!strcmp(sub, "uninstall")) {
		opts = uninstall_opts;
		nr = KS_ARRAY_SIZE(uninstall_opts);
	} else if (!strcmp(sub, "status")) {
		opts = status_opts;
		nr = KS_ARRAY_SIZE(status_opts);
	} else {
		return ks_usage_error("hook",
				      "unknown subcommand '%s' (install, uninstall, status)",
				      sub);
	}
	snprintf(cmd, sizeof(cmd), "hook %s", sub);
	a.cmd = cmd;
	first = ks_cli_parse(argc - 1, argv + 1, cmd, opts, nr, handle, &a);
	if (first < 0)
		return HOOK_EXIT_USAGE;
	if (a.help) {
		struct ks_buf u = KS_BUF_INIT;

		ks_buf_addf(&u, "keysnare %s%s", cmd,
			    opts == install_opts
				    ? " [--repo DIR] [--pre-push] [--force]"
			    : opts == uninstall_opts ? " [--repo DIR] [--pre-push]"
						     : " [--repo DIR]");
		ks_cli_help(stdout, u.ptr, HOOK_SUMMARY, opts, nr);
		ks_buf_release(&u);
		return 0;
	}
	if (first < argc - 1)
		return ks_usage_error(cmd, "unexpected argument '%s'",
				      argv[1 + first]);
	if (hook_repo_open(&hr, a.repo)) {
		ks_log_error("%s", ks_error_last());
		goto done;
	}
	if (!strcmp(sub, "install"))
		ret = run_install(&a, &hr);
	else if (!strcmp(sub, "uninstall"))
		ret = run_uninstall(&a, &hr);
	else
		ret = run_status(&hr);
	if (fflush(stdout) || ferror(stdout)) {
		ks_log_error("cannot write to standard output: %s",
			     strerror(errno));
		ret = ret ? ret : HOOK_EXIT_FAILED;
	}
done:
	hook_repo_release(&hr);
	return ret;
}
