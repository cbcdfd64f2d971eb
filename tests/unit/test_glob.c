/* test_glob.c - unit tests for gitignore-style patterns (glob.h): a table
 * of rules and gitignore(5)'s examples, pattern errors, hostile patterns on
 * long paths, and `git check-ignore` as an independent oracle. */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>
#include <sys/wait.h>
#include "error.h"
#include "glob.h"
#include "unit.h"

struct row {
	const char *pattern, *path;
	bool match;
};

/* A path ending in '/' names a directory. */
static const struct row rows[] = {
	/* no slash: the last component at any depth */
	{ "key.pem", "key.pem", true },
	{ "key.pem", "a/b/key.pem", true },
	{ "key.pem", "a/key.pem.bak", false },
	{ "key.pem", "xkey.pem", false },
	{ "*.pem", "a/b/c.pem", true },
	{ "*.pem", "c.pem.txt", false },
	{ "*.pem", ".pem", true },
	/* ... and everything below a directory of that name */
	{ "node_modules", "a/node_modules/b/c.js", true },
	{ "node_modules", "node_modules/x", true },
	{ "node_modules", "node_modules_old/x", false },
	{ "node_modules", "xnode_modules/x", false },
	{ "*.d", "a/b.d/c/e.c", true },
	/* a leading slash anchors at the root */
	{ "/build", "build", true },
	{ "/build", "build/x/y.o", true },
	{ "/build", "a/build", false },
	{ "/build", "a/build/x", false },
	{ "/build", "builds/x", false },
	/* so does a slash in the middle */
	{ "docs/*.md", "docs/a.md", true },
	{ "docs/*.md", "x/docs/a.md", false },
	{ "docs/*.md", "docs/a/b.md", false },
	{ "docs/*.md", "docs/a.md/x", true },
	{ "docs/*.md", "docs/.md", true },
	{ "a/b", "a/b/c", true },
	{ "a/b", "x/a/b", false },
	/* a trailing slash: directories only */
	{ "fixtures/", "fixtures/x", true },
	{ "fixtures/", "a/fixtures/x", true },
	{ "fixtures/", "a/b/fixtures/c/d", true },
	{ "fixtures/", "fixtures", false },
	{ "fixtures/", "a/fixtures", false },
	{ "fixtures/", "fixtures/", true },
	{ "fixtures/", "a/fixtures/", true },
	{ "/fixtures/", "a/fixtures/x", false },
	{ "a/b/", "a/b/c", true },
	{ "a/b/", "a/b", false },
	{ "a/b/", "x/a/b/c", false },
	/* "*" stays within a component */
	{ "*", "anything", true },
	{ "*", "a/b/c", true },
	{ "a*c", "abbbc", true },
	{ "a*c", "ac", true },
	{ "a*c", "ab/c", false },
	{ "a/*/c", "a/b/c", true },
	{ "a/*/c", "a/b/x/c", false },
	{ "/*", "x", true },
	{ "/*.c", "x.c", true },
	{ "/*.c", "d/x.c", false },
	/* "?" is one byte but '/' */
	{ "a?c", "abc", true },
	{ "a?c", "ac", false },
	{ "a?c", "abbc", false },
	{ "a?c", "a/c", false },
	{ "a?c", "a\xc3\xa9"
		 "c",
	  false }, /* U+00E9 is two bytes */
	{ "a??c", "a\xc3\xa9"
		  "c",
	  true },
	/* classes */
	{ "[a-c].txt", "b.txt", true },
	{ "[a-c].txt", "d.txt", false },
	{ "[!abc]x", "dx", true },
	{ "[!abc]x", "ax", false },
	{ "[^abc]x", "dx", true },
	{ "[^abc]x", "bx", false },
	{ "[]]", "]", true },
	{ "[]a]", "a", true },
	{ "[!]]", "]", false },
	{ "[!]]", "x", true },
	{ "[a-]", "-", true },
	{ "[-a]", "-", true },
	{ "[a-c-e]", "-", true },
	{ "[a-c-e]", "d", false },
	{ "[[:digit:]][[:upper:]]", "7Q", true },
	{ "[[:digit:]][[:upper:]]", "7q", false },
	{ "[[:alpha:][:digit:]]", "x", true },
	{ "[[:space:]]", " ", true },
	{ "[[:xdigit:]]", "g", false },
	{ "[[:punct:]]", "_", true },
	{ "[[x]", "[", true },
	{ "[[x]", "x", true },
	{ "[\\]]", "]", true },
	{ "[a\\-c]", "b", false },
	{ "[a\\-c]", "-", true },
	{ "a[/]b", "a/b", false }, /* classes never match '/' */
	{ "a[!x]b", "a/b", false },
	{ "[\x80-\xff]", "\xc3", true }, /* bytes, not characters */
	{ "[\x80-\xff]", "a", false },
	/* escapes */
	{ "\\*", "*", true },
	{ "\\*", "a", false },
	{ "a\\?b", "a?b", true },
	{ "a\\?b", "axb", false },
	{ "\\[a]", "[a]", true },
	{ "\\[a]", "a", false },
	{ "\\!important!.txt", "!important!.txt", true },
	{ "\\#foo", "#foo", true },
	{ "\\a\\b", "ab", true },
	/* "**" */
	{ "**/foo", "foo", true },
	{ "**/foo", "a/b/foo", true },
	{ "**/foo", "a/b/foo/c", true },
	{ "**/foo", "a/xfoo", false },
	{ "**/foo/bar", "x/foo/bar", true },
	{ "**/foo/bar", "foo/bar", true },
	{ "**/foo/bar", "foo/x/bar", false },
	{ "abc/**", "abc/x", true },
	{ "abc/**", "abc/x/y/z", true },
	{ "abc/**", "abc", false },
	{ "abc/**", "abc/", true }, /* the directory: all inside it */
	{ "abc/*", "abc/", true },
	{ "abc/*/", "abc/", false },
	{ "abc/**/", "abc/", false },
	{ "abc/**", "abcd/x", false },
	{ "abc/**", "x/abc/y", false },
	{ "a/**/b", "a/b", true },
	{ "a/**/b", "a/x/b", true },
	{ "a/**/b", "a/x/y/b", true },
	{ "a/**/b", "a/x/y/b/c", true },
	{ "a/**/b", "a/xb", false },
	{ "a/**/b", "ab", false },
	{ "a/**/b", "x/a/b", false },
	{ "a/**/b/", "a/x/b", false },
	{ "a/**/b/", "a/x/b/", true },
	{ "/**", "x/y", true },
	{ "**", "x/y", true },
	{ "a/**/**/b", "a/b", true },
	{ "a/**/**/b", "a/x/y/z/b", true },
	/* elsewhere "**" is "*" */
	{ "a**b", "axyb", true },
	{ "a**b", "a/b", false },
	{ "foo**/bar", "foox/bar", true },
	{ "foo**/bar", "foo/x/bar", false }, /* git: true, see below */
	{ "foo**/bar", "foobar", false },
	{ "a/**b", "a/xb", true },
	{ "a/**b", "a/x/b", false },
	{ "a/b**", "a/bx", true },
	{ "a/b**", "a/b/x", true }, /* "a/b" itself matched */
	{ "***/x", "a/b/x", true },
	/* gitignore(5) examples */
	{ "hello.*", "hello.txt", true },
	{ "hello.*", "a/hello.c", true },
	{ "hello.*", "hello", false },
	{ "doc/frotz/", "doc/frotz/x", true },
	{ "doc/frotz/", "a/doc/frotz/x", false },
	{ "frotz/", "frotz/x", true },
	{ "frotz/", "a/frotz/x", true },
	{ "doc/frotz", "doc/frotz", true },
	{ "/doc/frotz", "doc/frotz", true },
	{ "foo/*", "foo/test.json", true },
	{ "foo/*", "foo/bar/", true },
	/* "*" does not match "bar/hello.c", but directory foo/bar does */
	{ "foo/*", "foo/bar/hello.c", true },
	{ "foo/*", "foo", false },
	/* bytes, not text */
	{ "caf\xc3\xa9", "a/caf\xc3\xa9", true },
	{ "caf\xc3\xa9", "a/cafe", false },
	{ "\xff*", "d/\xff\xfe", true },
	{ "*\x01", "x\x01", true },
	{ "a b", "x/a b", true },
	{ "a\tb", "a\tb", true },
};

static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(rows); i++) {
		bool got = ks_glob_match(rows[i].pattern, rows[i].path);

		if (got != rows[i].match)
			fail_msg("'%s' vs '%s': got %d, want %d",
				 rows[i].pattern, rows[i].path, got,
				 rows[i].match);
	}
}

/* The compiled form agrees with the one-shot form, and is_dir is the same
 * as a trailing slash. */
static void test_compiled(void **state)
{
	struct ks_glob *g = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(rows); i++) {
		assert_int_equal(ks_glob_new(&g, rows[i].pattern), 0);
		assert_int_equal(ks_glob_matches_path(g, rows[i].path, false),
				 rows[i].match);
		ks_glob_free(g);
	}
	assert_int_equal(ks_glob_new(&g, "fixtures/"), 0);
	assert_false(ks_glob_matches_path(g, "fixtures", false));
	assert_true(ks_glob_matches_path(g, "fixtures", true));
	assert_true(ks_glob_matches_path(g, "a/fixtures", true));
	assert_true(ks_glob_matches_path(g, "fixtures/x", false));
	assert_false(ks_glob_matches_path(g, "", true));
	ks_glob_free(g);
	ks_glob_free(NULL);
}

static void test_check(void **state)
{
	static const struct {
		const char *pattern, *why;
	} bad[] = {
		{ "", "empty pattern" },
		{ "/", "empty pattern" },
		{ "!foo", "negation" },
		{ "!", "negation" },
		{ "[abc", "unterminated character class" },
		{ "a[", "unterminated character class" },
		{ "[]", "unterminated character class" },
		{ "[!]", "unterminated character class" },
		{ "[\\", "unterminated character class" },
		{ "[a-\\", "unterminated character class" },
		{ "[[:alpha:]", "unterminated character class" },
		{ "[[:alpha", "unterminated character class" },
		{ "[[:foo:]]", "unknown character class" },
		{ "[[::]]", "unknown character class" },
		{ "abc\\", "trailing backslash" },
		{ "\\", "trailing backslash" },
		{ "a\\/", "trailing backslash" },
		{ "a//b", "empty path component" },
		{ "foo//", "empty path component" },
		{ "//", "empty pattern" },
	};
	static const char *const good[] = { "\\!foo", "a/b/", "[]]", "*",
		"**", "/**/", "[[x]", "[a-]", "#x", "a!", "\\\\",
		"[[:alnum:]]" };
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(bad); i++) {
		ks_error_clear();
		if (ks_glob_check(bad[i].pattern) != KS_EINVALID)
			fail_msg("'%s' accepted", bad[i].pattern);
		if (!strstr(ks_error_last(), bad[i].why))
			fail_msg("'%s': '%s' lacks '%s'", bad[i].pattern,
				 ks_error_last(), bad[i].why);
		assert_non_null(strstr(ks_error_last(), "invalid pattern '"));
		/* an invalid pattern matches nothing */
		assert_false(ks_glob_match(bad[i].pattern, "foo"));
		assert_false(ks_glob_match(bad[i].pattern, "a/b"));
	}
	for (i = 0; i < KS_ARRAY_SIZE(good); i++)
		if (ks_glob_check(good[i]))
			fail_msg("'%s' rejected: %s", good[i], ks_error_last());
}

/* Patterns that make backtracking matchers exponential, on 4 KiB paths;
 * the answers are checked, the time is not. */
static void test_hostile(void **state)
{
	char path[4097];
	size_t i;

	(void)state;
	memset(path, 'a', 4096);
	path[4096] = '\0';
	assert_false(ks_glob_match("*a*a*a*a*a*b", path));
	assert_false(ks_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", path));
	assert_false(ks_glob_match("**/*a*a*a*a*a*b", path));
	path[4095] = 'b';
	assert_true(ks_glob_match("*a*a*a*a*a*b", path));
	assert_true(ks_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", path));
	assert_false(ks_glob_match("*a*a*a*a*a*bb", path));

	/* "a/a/.../a": every "**" can take any number of components */
	for (i = 0; i < 4096; i += 2) {
		path[i] = 'a';
		path[i + 1] = '/';
	}
	path[4095] = '\0';
	assert_false(ks_glob_match("**/a/**/a/**/a/**/a/**/b", path));
	assert_false(ks_glob_match("a/**/a/**/a/**/a/**/a*a*b", path));
	assert_true(ks_glob_match("a/**/a/**/a/**/a/**/a", path));
	path[4094] = 'b';
	assert_true(ks_glob_match("**/a/**/a/**/a/**/a/**/b", path));
	assert_true(ks_glob_match("a/**/a/**/a/**/a/**/b", path));
	assert_false(ks_glob_match("a/**/a/**/a/**/a/**/a/b", "a/a/a/a/b"));
	assert_true(ks_glob_match("a/**/a/**/a/**/a/**/a/b", "a/a/a/a/a/b"));

	/* a long pattern (more states than the stack buffer holds) */
	{
		char pat[1200];

		for (i = 0; i < 600; i++) {
			pat[2 * i] = '*';
			pat[2 * i + 1] = 'a';
		}
		pat[1199] = '\0'; /* "*a*a...*" */
		memset(path, 'a', 4096);
		path[4096] = '\0';
		assert_true(ks_glob_match(pat, path));
		path[598] = '\0';
		assert_false(ks_glob_match(pat, path));
	}
}

/* --- git check-ignore as an oracle ---------------------------------- */

static char dir[] = "/tmp/ks-glob-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static bool have_git(void)
{
	return system("git --version >/dev/null 2>&1") == 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Asks git whether each of paths[0..n) is ignored by a .gitignore holding
 * pattern; a path ending in '/' is a directory to git too. */
static void git_ignored(const char *pattern, const char *const *paths,
			size_t n, bool *out)
{
	char file[256], cmd[1024], *buf = NULL, *p, *end;
	size_t len = 0, cap = 0, i, plen = strlen(pattern);
	FILE *f;
	int status;

	snprintf(file, sizeof(file), "%s/.gitignore", dir);
	{
		char *line = malloc(plen + 1);

		assert_non_null(line);
		memcpy(line, pattern, plen);
		line[plen] = '\n';
		write_file(file, line, plen + 1);
		free(line);
	}
	snprintf(file, sizeof(file), "%s/paths", dir);
	f = fopen(file, "wb");
	assert_non_null(f);
	for (i = 0; i < n; i++)
		assert_int_equal(fwrite(paths[i], 1, strlen(paths[i]) + 1, f),
				 strlen(paths[i]) + 1);
	assert_int_equal(fclose(f), 0);

	/* nothing from the environment or global config may interfere */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && env -u GIT_DIR -u GIT_WORK_TREE -u GIT_INDEX_FILE "
		 "-u GIT_CONFIG_GLOBAL -u GIT_CONFIG_PARAMETERS HOME='%s' "
		 "XDG_CONFIG_HOME='%s' GIT_CONFIG_NOSYSTEM=1 "
		 "git check-ignore --no-index -v -n -z --stdin <paths",
		 dir, dir, dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	for (;;) {
		size_t r;

		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + len, 1, cap - len, f);
		if (!r)
			break;
		len += r;
	}
	status = pclose(f);
	/* 0: something ignored, 1: nothing */
	if (status != 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 1))
		fail_msg("git check-ignore failed for '%s' (status %d)",
			 pattern, status);
	/* records of four NUL-terminated fields: source, line, pattern,
	 * path; an empty source means not ignored */
	p = buf;
	end = buf + len;
	for (i = 0; i < n; i++) {
		int k;

		assert_true(p < end);
		out[i] = *p != '\0';
		for (k = 0; k < 4; k++) {
			char *z = memchr(p, '\0', (size_t)(end - p));

			assert_non_null(z);
			if (k == 3)
				assert_string_equal(p, paths[i]);
			p = z + 1;
		}
	}
	assert_true(p == end);
	free(buf);
}

static void compare(const char *pattern, const char *const *paths, size_t n,
		    size_t *compared)
{
	bool want[64];
	size_t i;

	assert_true(n <= KS_ARRAY_SIZE(want));
	git_ignored(pattern, paths, n, want);
	for (i = 0; i < n; i++) {
		bool got = ks_glob_match(pattern, paths[i]);

		if (got != want[i])
			fail_msg("'%s' vs '%s': keysnare %d, git %d", pattern,
				 paths[i], got, want[i]);
		(*compared)++;
	}
}

/* git (2.39, dir.c match_pathname) matches the literal prefix of an
 * anchored pattern, then the rest as a pattern of its own, where a "**"
 * right after the prefix is at the start: "foo**" + "/bar" then matches
 * "foo/x/bar" and "foobar". gitignore(5) says such a "**" is a plain "*",
 * and so does keysnare; these patterns are left out of the comparison. */
static bool git_prefix_quirk(const char *pattern)
{
	size_t len = strlen(pattern), i, run;

	if (len && pattern[len - 1] == '/')
		len--;
	if (!memchr(pattern, '/', len))
		return false; /* basename patterns have no prefix step */
	i = pattern[0] == '/';
	while (i < len && !strchr("*?[\\", pattern[i]))
		i++;
	if (i == len || pattern[i] != '*' || !i || pattern[i - 1] == '/')
		return false;
	for (run = 0; i + run < len && pattern[i + run] == '*'; run++)
		;
	return run >= 2 && (i + run == len || pattern[i + run] == '/');
}

/* gitignore patterns outside what a .gitignore line can say as is */
static bool git_can_say(const char *pattern)
{
	size_t len = strlen(pattern);

	if (!len || ks_glob_check(pattern) || git_prefix_quirk(pattern))
		return false;
	return *pattern != '#' && *pattern != '!' && !strchr(pattern, '\n') &&
	       !strchr(pattern, '\r') && pattern[len - 1] != ' ' &&
	       pattern[len - 1] != '\t';
}

static void test_git_oracle(void **state)
{
	static const char *const piece[] = { "a", "b", "ab", "*", "?", "[ab]",
		"[!a]", "**", "/", ".", "*a", "b*", "**/", "/**", "\\a" };
	static const char *const comp[] = { "a", "b", "ab", "ba", "aa", "a.b",
		"b.a", "abab", "bb", ".a", "aba" };
	char cmd[256];
	size_t i, compared = 0, patterns = 0;

	(void)state;
	if (!have_git())
		skip();
	snprintf(cmd, sizeof(cmd), "git init -q '%s' >/dev/null 2>&1", dir);
	assert_int_equal(system(cmd), 0);

	/* the table, grouped by pattern */
	for (i = 0; i < KS_ARRAY_SIZE(rows); i++) {
		const char *paths[64];
		size_t n = 0, k;

		if (!git_can_say(rows[i].pattern))
			continue;
		for (k = 0; k < i; k++)
			if (!strcmp(rows[k].pattern, rows[i].pattern))
				break;
		if (k < i)
			continue; /* done with its first row */
		for (k = i; k < KS_ARRAY_SIZE(rows) && n < 64; k++)
			if (!strcmp(rows[k].pattern, rows[i].pattern))
				paths[n++] = rows[k].path;
		compare(rows[i].pattern, paths, n, &compared);
		patterns++;
	}

	/* random patterns against random paths */
	for (i = 0; i < 150; i++) {
		char pattern[128], paths_buf[48][64];
		const char *paths[48];
		size_t np = 1 + t_below(5), k, n = 0;

		pattern[0] = '\0';
		if (t_below(4) == 0)
			snprintf(pattern, sizeof(pattern), "/");
		for (k = 0; k < np; k++)
			snprintf(pattern + strlen(pattern),
				 sizeof(pattern) - strlen(pattern), "%s",
				 piece[t_below(KS_ARRAY_SIZE(piece))]);
		if (t_below(4) == 0)
			snprintf(pattern + strlen(pattern),
				 sizeof(pattern) - strlen(pattern), "/");
		if (!git_can_say(pattern))
			continue;
		for (n = 0; n < 48; n++) {
			size_t depth = 1 + t_below(4), d;

			paths_buf[n][0] = '\0';
			for (d = 0; d < depth; d++)
				snprintf(paths_buf[n] + strlen(paths_buf[n]),
					 sizeof(paths_buf[n]) -
						 strlen(paths_buf[n]),
					 "%s%s", d ? "/" : "",
					 comp[t_below(KS_ARRAY_SIZE(comp))]);
			if (t_below(4) == 0)
				snprintf(paths_buf[n] + strlen(paths_buf[n]),
					 sizeof(paths_buf[n]) -
						 strlen(paths_buf[n]),
					 "/");
			paths[n] = paths_buf[n];
		}
		compare(pattern, paths, n, &compared);
		patterns++;
	}
	fprintf(stderr, "git oracle: %zu pairs, %zu patterns agree\n",
		compared, patterns);
	assert_true(compared > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_compiled),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_git_oracle),
	};

	t_seed("test_glob");
	return cmocka_run_group_tests(tests, setup, teardown);
}
