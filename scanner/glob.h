/* glob.h - gitignore-style path patterns (allowlist paths, exclude).
 *
 * Paths are relative, '/'-separated, without a leading "./"; they are
 * matched as bytes (any byte but NUL), case-sensitively. The semantics are
 * gitignore(5)'s, checked against `git check-ignore` in the unit tests:
 *
 * - A pattern without a slash (other than a trailing one) matches a path
 *   component at any depth: "*.pem" matches "a/b/key.pem".
 * - A leading slash, or a slash in the middle, anchors the pattern at the
 *   root: "/build" and "docs/?.md" do not match "x/build", "x/docs/a.md".
 * - A path matches when the pattern matches the path itself or any of its
 *   leading directories, as everything below an ignored directory is
 *   ignored: "node_modules" matches "a/node_modules/b/c.js".
 * - A trailing slash matches directories only: "fixtures/" matches
 *   "fixtures/x" and "a/fixtures/x" but not a file named "fixtures".
 * - "*" matches any run of bytes but '/', "?" one byte but '/'; classes
 *   "[a-z]", "[!abc]" (or "[^abc]"), "[[:digit:]]" and the other POSIX class
 *   names (ASCII only) never match '/'; "\" makes the next byte literal.
 * - "**" between slashes or at either end: "**" + "/x" matches x at any
 *   depth, "a/" + "**" everything inside a, "a/" + "**" + "/b" zero or more
 *   directories between a and b. Elsewhere "**" is "*".
 * - As in git, a pattern that matches everything inside a directory ("a/"
 *   + "**", "a/" + "*") matches the directory a itself (is_dir, or "a/"),
 *   but never a file named a; a walker may prune such a directory.
 * - A leading "!" (gitignore's negation) is rejected, as are empty patterns,
 *   unterminated classes, unknown class names, a trailing backslash and
 *   empty components ("a//b"), which could never match.
 *
 * Matching simulates an automaton over the compiled pattern: time is
 * O(pattern length x path length) at worst, with no recursion and no
 * backtracking, whatever the pattern. A compiled ks_glob is read-only and
 * may be shared between threads.
 */
#ifndef KS_GLOB_H
#define KS_GLOB_H

#include "compat.h"

struct ks_glob;

/* Compiles pattern into *out (free with ks_glob_free()). Returns 0, or
 * KS_EINVALID with ks_error_last() saying why ("invalid pattern '[a':
 * unterminated character class"). */
int ks_glob_new(struct ks_glob **out, const char *pattern);
/* Whether path matches g; is_dir says path names a directory (a trailing
 * '/' on path says the same). */
bool ks_glob_matches_path(const struct ks_glob *g, const char *path,
			  bool is_dir);
void ks_glob_free(struct ks_glob *g);

/* One-shot forms. ks_glob_match() compiles pattern each call; an invalid
 * pattern matches nothing. A path ending in '/' names a directory. */
bool ks_glob_match(const char *pattern, const char *path);
/* 0, or KS_EINVALID with ks_error_last() saying why. */
int ks_glob_check(const char *pattern);

#endif
