/* config.c - load and validate .keysnare.yml; allowlist matching. */
#include "compat.h"
#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "buf.h"
#include "cli.h"
#include "error.h"
#include "filter.h"
#include "glob.h"
#include "rules.h"
#include "scan.h"
#include "xalloc.h"
#include "yamltree.h"

#define MAX_COMMIT_HEX 40
#define MIN_COMMIT_HEX 7

static void cdiag(struct ks_config *c, const struct ks_yaml_node *at,
		  const char *fmt, ...) KS_PRINTF(3, 4);

/* Appends msg to c->diag with control bytes (a value quoted from the file
 * may hold any) written as "\xNN": a diagnostic is one line that cannot
 * drive a terminal. */
static void add_diag(struct ks_config *c, const char *msg)
{
	struct ks_buf out = KS_BUF_INIT;
	size_t i;

	for (i = 0; msg[i]; i++) {
		unsigned char ch = (unsigned char)msg[i];

		if (ch < 0x20 || ch == 0x7f)
			ks_buf_addf(&out, "\\x%02x", ch);
		else
			ks_buf_addch(&out, (char)ch);
	}
	ALLOC_GROW(c->diag, c->diag_nr + 1, c->diag_alloc);
	c->diag[c->diag_nr++] = ks_buf_detach(&out, NULL);
}

/* Records "FILE:LINE:COL: message" (at NULL: "FILE: message"). */
static void cdiag(struct ks_config *c, const struct ks_yaml_node *at,
		  const char *fmt, ...)
{
	struct ks_buf b = KS_BUF_INIT;
	va_list ap;

	if (at)
		ks_buf_addf(&b, "%s:%zu:%zu: ", c->file, at->line, at->col);
	else
		ks_buf_addf(&b, "%s: ", c->file);
	va_start(ap, fmt);
	ks_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	add_diag(c, b.ptr);
	ks_buf_release(&b);
}

static void push(char ***x, size_t *nr, size_t *alloc, char *s)
{
	ALLOC_GROW(*x, *nr + 1, *alloc);
	(*x)[(*nr)++] = s;
}

static void free_list(char **x, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(x[i]);
	free(x);
}

/* A plain empty value, "~" or "null": stands for an empty list or map. */
static bool is_null(const struct ks_yaml_node *n)
{
	return n->type == KS_YAML_SCALAR && n->plain &&
	       (!n->len || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
		!strcmp(n->str, "Null") || !strcmp(n->str, "NULL"));
}

/* The string value of scalar n, or NULL after a diagnostic naming key;
 * what says what was expected ("a size", "true or false"). */
static const char *scalar(struct ks_config *c, const struct ks_yaml_node *n,
			  const char *key, const char *what)
{
	if (n->type != KS_YAML_SCALAR) {
		cdiag(c, n, "'%s' must be %s, not %s", key, what,
		      ks_yaml_type_name(n->type));
		return NULL;
	}
	if (strlen(n->str) != n->len) {
		cdiag(c, n, "'%s' contains a NUL byte", key);
		return NULL;
	}
	return n->str;
}

/* Whether key node k is one of known (NULL-terminated); reports an unknown
 * one as "unknown key 'prefix.key'" with the expected ones. */
static bool known_key(struct ks_config *c, const struct ks_yaml_node *k,
		      const char *prefix, const char *const *known)
{
	struct ks_buf hint = KS_BUF_INIT;
	size_t i;

	for (i = 0; known[i]; i++)
		if (!strcmp(k->str, known[i]))
			return true;
	for (i = 0; known[i]; i++)
		ks_buf_addf(&hint, "%s%s",
			    !i ? "" : known[i + 1] ? ", " : " or ", known[i]);
	cdiag(c, k, "unknown key '%s%s%s' (expected %s)", prefix ? prefix : "",
	      prefix ? "." : "", k->str, hint.ptr);
	ks_buf_release(&hint);
	return false;
}

/* Whether n is a mapping (or null, meaning an empty one); reports key. */
static bool want_map(struct ks_config *c, const struct ks_yaml_node *n,
		     const char *key)
{
	if (n->type == KS_YAML_MAP || is_null(n))
		return true;
	cdiag(c, n, "'%s' must be a mapping, not %s", key,
	      ks_yaml_type_name(n->type));
	return false;
}

/* Whether n is a list (or null); reports key. */
static bool want_list(struct ks_config *c, const struct ks_yaml_node *n,
		      const char *key)
{
	if (n->type == KS_YAML_SEQ || is_null(n))
		return true;
	cdiag(c, n, "'%s' must be a list, not %s", key,
	      ks_yaml_type_name(n->type));
	return false;
}

/* The i-th entry of list n as a non-empty string, or NULL after a
 * diagnostic. */
static const char *entry(struct ks_config *c, const struct ks_yaml_node *n,
			 const char *key)
{
	if (n->type != KS_YAML_SCALAR) {
		cdiag(c, n, "'%s' entries must be strings, not %s", key,
		      ks_yaml_type_name(n->type));
		return NULL;
	}
	if (strlen(n->str) != n->len) {
		cdiag(c, n, "'%s' entry contains a NUL byte", key);
		return NULL;
	}
	if (!n->len) {
		cdiag(c, n, "'%s' entry must not be empty", key);
		return NULL;
	}
	return n->str;
}

enum list_kind { L_GLOB, L_REGEX, L_STOPWORD, L_COMMIT, L_RULE_ID, L_FILE };

/* Compiles glob s into (*pat, *glob)[*nr], which share *alloc. */
static void add_glob(struct ks_config *c, const struct ks_yaml_node *at,
		     const char *key, const char *s, char ***pat,
		     struct ks_glob ***glob, size_t *nr, size_t *alloc)
{
	struct ks_glob *g = NULL;

	if (ks_glob_new(&g, s)) {
		cdiag(c, at, "'%s': %s", key, ks_error_last());
		return;
	}
	if (*nr == *alloc) {
		ALLOC_GROW(*pat, *nr + 1, *alloc);
		*glob = xrealloc(*glob, st_mult(*alloc, sizeof(**glob)));
	}
	(*pat)[*nr] = xstrdup(s);
	(*glob)[(*nr)++] = g;
}

static void add_regex(struct ks_config *c, const struct ks_yaml_node *at,
		      const char *key, const char *s, struct ks_allowlist *a)
{
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *re;

	if (strlen(s) > KS_RULE_MAX_PATTERN) {
		cdiag(c, at, "'%s': regex is longer than %d bytes", key,
		      KS_RULE_MAX_PATTERN);
		return;
	}
	re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, &errcode,
			   &erroff, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		cdiag(c, at, "'%s': bad regex '%s' at offset %zu: %s", key, s,
		      (size_t)erroff, (const char *)msg);
		return;
	}
	/* JIT when it can: pcre2_match() runs the JIT code when there is
	 * some, the interpreter otherwise ((*NO_JIT), no execmem), both under
	 * the same match limit */
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	if (!a->mctx) {
		a->mctx = pcre2_match_context_create(NULL);
		if (!a->mctx) {
			pcre2_code_free(re);
			cdiag(c, at, "'%s': out of memory for PCRE2", key);
			return;
		}
		pcre2_set_match_limit(a->mctx, KS_MATCH_LIMIT);
		pcre2_set_depth_limit(a->mctx, KS_DEPTH_LIMIT);
		pcre2_set_heap_limit(a->mctx, KS_HEAP_LIMIT_KIB);
	}
	/* regex_src and regex grow together: one alloc counter for both */
	if (a->regex_nr == a->regex_alloc) {
		ALLOC_GROW(a->regex_src, a->regex_nr + 1, a->regex_alloc);
		a->regex = xrealloc(a->regex, st_mult(a->regex_alloc,
						      sizeof(*a->regex)));
	}
	a->regex_src[a->regex_nr] = xstrdup(s);
	a->regex[a->regex_nr++] = re;
}

static char *lower_dup(const char *s)
{
	char *v = xstrdup(s);
	size_t i;

	for (i = 0; v[i]; i++)
		v[i] = (char)tolower((unsigned char)v[i]);
	return v;
}

static bool valid_commit(const char *s)
{
	size_t n = strlen(s);

	return n >= MIN_COMMIT_HEX && n <= MAX_COMMIT_HEX &&
	       strspn(s, "0123456789abcdefABCDEF") == n;
}

/* Resolves path against c->dir ("." leaves it as is). */
static char *resolve(const struct ks_config *c, const char *path)
{
	struct ks_buf b = KS_BUF_INIT;

	if (path[0] == '/' || !strcmp(c->dir, "."))
		return xstrdup(path);
	ks_buf_adds(&b, c->dir);
	if (b.len && b.ptr[b.len - 1] != '/')
		ks_buf_addch(&b, '/');
	ks_buf_adds(&b, path);
	return ks_buf_detach(&b, NULL);
}

/* Reads list n of kind into out (for regexes: a; for globs: out and
 * globs). */
static void string_list(struct ks_config *c, const struct ks_yaml_node *n,
			const char *key, enum list_kind kind,
			struct ks_allowlist *a, char ***out, size_t *out_nr,
			size_t *out_alloc, struct ks_glob ***globs)
{
	size_t i;

	if (!want_list(c, n, key) || n->type != KS_YAML_SEQ)
		return;
	for (i = 0; i < n->item_nr; i++) {
		const struct ks_yaml_node *it = n->item[i];
		const char *s = entry(c, it, key);
		char *v = NULL;
		struct stat st;

		if (!s)
			continue;
		switch (kind) {
		case L_GLOB:
			add_glob(c, it, key, s, out, globs, out_nr, out_alloc);
			break;
		case L_REGEX:
			add_regex(c, it, key, s, a);
			break;
		case L_STOPWORD:
			v = lower_dup(s);
			break;
		case L_COMMIT:
			if (valid_commit(s))
				v = lower_dup(s);
			else
				cdiag(c, it,
				      "'%s': '%s' is not a commit id (%d to %d hex digits)",
				      key, s, MIN_COMMIT_HEX, MAX_COMMIT_HEX);
			break;
		case L_RULE_ID:
			if (ks_rule_id_valid(s))
				v = xstrdup(s);
			else
				cdiag(c, it,
				      "'%s': '%s' is not a rule id ([a-z0-9][a-z0-9-]*, at most 64 bytes)",
				      key, s);
			break;
		case L_FILE:
			v = resolve(c, s);
			if (stat(v, &st)) {
				cdiag(c, it, "'%s': cannot open '%s': %s", key,
				      v, strerror(errno));
				free(v);
				v = NULL;
			} else if (!S_ISREG(st.st_mode)) {
				cdiag(c, it, "'%s': '%s' is not a regular file",
				      key, v);
				free(v);
				v = NULL;
			}
			break;
		}
		if (v)
			push(out, out_nr, out_alloc, v);
	}
}

static const char *const allowlist_keys[] = { "paths", "regexes",
					      "stopwords", "commits", NULL };

static void parse_allowlist(struct ks_config *c, const struct ks_yaml_node *n,
			    const char *prefix, struct ks_allowlist *a)
{
	struct ks_buf key = KS_BUF_INIT;
	size_t i;

	if (!want_map(c, n, prefix) || n->type != KS_YAML_MAP)
		return;
	for (i = 0; i + 1 < n->item_nr; i += 2) {
		const char *k = n->item[i]->str;
		const struct ks_yaml_node *v = n->item[i + 1];

		if (!known_key(c, n->item[i], prefix, allowlist_keys))
			continue;
		ks_buf_reset(&key);
		ks_buf_addf(&key, "%s.%s", prefix, k);
		if (!strcmp(k, "paths"))
			string_list(c, v, key.ptr, L_GLOB, a, &a->path,
				    &a->path_nr, &a->path_alloc, &a->path_glob);
		else if (!strcmp(k, "regexes"))
			string_list(c, v, key.ptr, L_REGEX, a, NULL, NULL,
				    NULL, NULL);
		else if (!strcmp(k, "stopwords"))
			string_list(c, v, key.ptr, L_STOPWORD, a, &a->stopword,
				    &a->stopword_nr, &a->stopword_alloc, NULL);
		else if (!strcmp(k, "commits"))
			string_list(c, v, key.ptr, L_COMMIT, a, &a->commit,
				    &a->commit_nr, &a->commit_alloc, NULL);
	}
	ks_buf_release(&key);
}

static const char *const override_keys[] = { "min_entropy", "severity",
					     "allowlist", NULL };

/* key = "prefix.name" */
static const char *subkey(struct ks_buf *key, const char *prefix,
			  const char *name)
{
	ks_buf_reset(key);
	ks_buf_addf(key, "%s.%s", prefix, name);
	return key->ptr;
}

static void parse_min_entropy(struct ks_config *c, const struct ks_yaml_node *v,
			      const char *key, struct ks_rule_override *o)
{
	const char *s = scalar(c, v, key, "a number 0-8");
	char *end = NULL;
	double d;

	if (!s)
		return;
	d = strtod(s, &end);
	if (!*s || *end || !isfinite(d) || d < 0 || d > 8) {
		cdiag(c, v, "'%s' must be a number 0-8, not '%s'", key, s);
		return;
	}
	o->has_min_entropy = true;
	o->min_entropy = d;
}

static void parse_severity(struct ks_config *c, const struct ks_yaml_node *v,
			   const char *key, struct ks_rule_override *o)
{
	const char *s = scalar(c, v, key, "critical, high, medium or low");

	if (!s)
		return;
	if (ks_severity_parse(&o->severity, s)) {
		cdiag(c, v,
		      "'%s' must be critical, high, medium or low, not '%s'",
		      key, s);
		return;
	}
	o->has_severity = true;
}

static void parse_override(struct ks_config *c, const struct ks_yaml_node *k,
			   const struct ks_yaml_node *n)
{
	struct ks_rule_override *o;
	struct ks_buf base = KS_BUF_INIT, key = KS_BUF_INIT;
	size_t i;

	ks_buf_addf(&base, "rules.%s", k->str);
	if (!ks_rule_id_valid(k->str)) {
		cdiag(c, k,
		      "'rules': '%s' is neither 'disable' nor a rule id ([a-z0-9][a-z0-9-]*, at most 64 bytes)",
		      k->str);
		goto done;
	}
	if (!want_map(c, n, base.ptr))
		goto done;
	ALLOC_GROW(c->ov, c->ov_nr + 1, c->ov_alloc);
	o = &c->ov[c->ov_nr++];
	memset(o, 0, sizeof(*o));
	o->id = xstrdup(k->str);
	o->line = k->line;
	o->col = k->col;
	if (n->type != KS_YAML_MAP)
		goto done;
	for (i = 0; i + 1 < n->item_nr; i += 2) {
		const char *name = n->item[i]->str;
		const struct ks_yaml_node *v = n->item[i + 1];

		if (!known_key(c, n->item[i], base.ptr, override_keys))
			continue;
		subkey(&key, base.ptr, name);
		if (!strcmp(name, "min_entropy"))
			parse_min_entropy(c, v, key.ptr, o);
		else if (!strcmp(name, "severity"))
			parse_severity(c, v, key.ptr, o);
		else if (!strcmp(name, "allowlist"))
			parse_allowlist(c, v, key.ptr, &o->allow);
	}
done:
	ks_buf_release(&base);
	ks_buf_release(&key);
}

static void parse_rules(struct ks_config *c, const struct ks_yaml_node *n)
{
	size_t i;

	if (!want_map(c, n, "rules") || n->type != KS_YAML_MAP)
		return;
	for (i = 0; i + 1 < n->item_nr; i += 2) {
		const struct ks_yaml_node *k = n->item[i], *v = n->item[i + 1];

		if (!strcmp(k->str, "disable"))
			string_list(c, v, "rules.disable", L_RULE_ID, NULL,
				    &c->disable, &c->disable_nr,
				    &c->disable_alloc, NULL);
		else
			parse_override(c, k, v);
	}
}

/* Validates the rules in extra_rules through a scratch ruleset. */
static void parse_extra_rules(struct ks_config *c, struct ks_yaml_node *n)
{
	struct ks_ruleset scratch = KS_RULESET_INIT;
	size_t i;

	if (!want_list(c, n, "extra_rules") || n->type != KS_YAML_SEQ)
		return;
	c->extra_rules = n;
	ks_ruleset_load_node(&scratch, n, c->file);
	for (i = 0; i < scratch.diag_nr; i++)
		add_diag(c, scratch.diag[i]);
	ks_ruleset_release(&scratch);
}

static void parse_max_file_size(struct ks_config *c,
				const struct ks_yaml_node *n)
{
	const char *s = scalar(c, n, "max_file_size", "a size");

	if (!s)
		return;
	if (ks_parse_size(s, &c->max_file_size)) {
		cdiag(c, n,
		      "'max_file_size' must be a size (10MiB, 512k, 1048576), not '%s'",
		      s);
		return;
	}
	c->has_max_file_size = true;
}

static void parse_scan_binary(struct ks_config *c,
			      const struct ks_yaml_node *n)
{
	const char *s = scalar(c, n, "scan_binary", "true or false");

	if (!s)
		return;
	if (!strcmp(s, "true"))
		c->scan_binary = true;
	else if (!strcmp(s, "false"))
		c->scan_binary = false;
	else {
		cdiag(c, n, "'scan_binary' must be true or false, not '%s'", s);
		return;
	}
	c->has_scan_binary = true;
}

static void parse_baseline(struct ks_config *c, const struct ks_yaml_node *n)
{
	const char *s = scalar(c, n, "baseline", "a file name");

	if (!s)
		return;
	if (!*s) {
		cdiag(c, n, "'baseline' must name a file");
		return;
	}
	free(c->baseline);
	c->baseline = resolve(c, s);
}

static const char *const top_keys[] = { "allowlist",	 "rules",
					"extra_rules",	 "rule_files",
					"max_file_size", "scan_binary",
					"exclude",	 "baseline",
					NULL };

static void parse_root(struct ks_config *c, struct ks_yaml_node *root)
{
	size_t i;

	if (root->type != KS_YAML_MAP) {
		if (!is_null(root))
			cdiag(c, root,
			      "the configuration must be a mapping, not %s",
			      ks_yaml_type_name(root->type));
		return;
	}
	for (i = 0; i + 1 < root->item_nr; i += 2) {
		const char *k = root->item[i]->str;
		struct ks_yaml_node *v = root->item[i + 1];

		if (!strcmp(k, "verify")) {
			/* accepted so that the scan goes on, never obeyed:
			 * a repository must not choose where keys are sent */
			c->verify_line = root->item[i]->line;
			c->verify_col = root->item[i]->col;
			continue;
		}
		if (!known_key(c, root->item[i], NULL, top_keys))
			continue;
		if (!strcmp(k, "allowlist"))
			parse_allowlist(c, v, "allowlist", &c->allow);
		else if (!strcmp(k, "rules"))
			parse_rules(c, v);
		else if (!strcmp(k, "extra_rules"))
			parse_extra_rules(c, v);
		else if (!strcmp(k, "rule_files"))
			string_list(c, v, "rule_files", L_FILE, NULL,
				    &c->rule_file, &c->rule_file_nr,
				    &c->rule_file_alloc, NULL);
		else if (!strcmp(k, "max_file_size"))
			parse_max_file_size(c, v);
		else if (!strcmp(k, "scan_binary"))
			parse_scan_binary(c, v);
		else if (!strcmp(k, "exclude"))
			string_list(c, v, "exclude", L_GLOB, NULL, &c->exclude,
				    &c->exclude_nr, &c->exclude_alloc,
				    &c->exclude_glob);
		else if (!strcmp(k, "baseline"))
			parse_baseline(c, v);
	}
}

static char *dir_of(const char *file)
{
	const char *slash = strrchr(file, '/');

	if (!slash)
		return xstrdup(".");
	while (slash > file && slash[-1] == '/')
		slash--;
	if (slash == file)
		return xstrdup("/");
	return xmemdupz(file, (size_t)(slash - file));
}

static int finish(struct ks_config *c)
{
	if (!c->diag_nr)
		return 0;
	if (c->diag_nr == 1)
		return ks_error_set(KS_EINVALID, "%s", c->diag[0]);
	return ks_error_set(KS_EINVALID, "%s (and %zu more)", c->diag[0],
			    c->diag_nr - 1);
}

int ks_config_load_buf(struct ks_config *c, const char *data, size_t len,
		       const char *file)
{
	c->file = xstrdup(file);
	c->dir = dir_of(file);
	if (ks_yaml_parse(&c->root, data, len, file)) {
		add_diag(c, ks_error_last());
		return finish(c);
	}
	if (c->root)
		parse_root(c, c->root);
	return finish(c);
}

int ks_config_load(struct ks_config *c, const char *file)
{
	struct ks_buf b = KS_BUF_INIT;
	struct stat st;
	int fd, err = 0;
	ssize_t n;

	fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return ks_error_set(KS_ENOTFOUND, "cannot open '%s': %s", file,
				    strerror(errno));
	c->file = xstrdup(file);
	c->dir = dir_of(file);
	if (fd < 0) {
		cdiag(c, NULL, "cannot open: %s", strerror(errno));
		return finish(c);
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		cdiag(c, NULL, "not a regular file");
		return finish(c);
	}
	for (;;) {
		ks_buf_grow(&b, 8192);
		n = read(fd, b.ptr + b.len, b.alloc - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cdiag(c, NULL, "read error: %s", strerror(errno));
			err = KS_EINVALID;
			break;
		}
		if (!n)
			break;
		ks_buf_setlen(&b, b.len + (size_t)n);
		if (b.len > KS_CONFIG_MAX_SIZE) {
			cdiag(c, NULL, "larger than %u KiB",
			      KS_CONFIG_MAX_SIZE >> 10);
			err = KS_EINVALID;
			break;
		}
	}
	close(fd);
	if (err) {
		ks_buf_release(&b);
		return finish(c);
	}
	/* load_buf sets file and dir again */
	free(c->file);
	free(c->dir);
	err = ks_config_load_buf(c, b.ptr, b.len, file);
	ks_buf_release(&b);
	return err;
}

static void allowlist_release(struct ks_allowlist *a)
{
	size_t i;

	free_list(a->path, a->path_nr);
	for (i = 0; i < a->path_nr; i++)
		ks_glob_free(a->path_glob[i]);
	free(a->path_glob);
	free_list(a->regex_src, a->regex_nr);
	for (i = 0; i < a->regex_nr; i++)
		pcre2_code_free(a->regex[i]);
	free(a->regex);
	free_list(a->stopword, a->stopword_nr);
	free_list(a->commit, a->commit_nr);
	pcre2_match_context_free(a->mctx);
	memset(a, 0, sizeof(*a));
}

void ks_config_release(struct ks_config *c)
{
	size_t i;

	free(c->file);
	free(c->dir);
	free(c->baseline);
	allowlist_release(&c->allow);
	free_list(c->disable, c->disable_nr);
	for (i = 0; i < c->ov_nr; i++) {
		free(c->ov[i].id);
		allowlist_release(&c->ov[i].allow);
	}
	free(c->ov);
	free_list(c->rule_file, c->rule_file_nr);
	for (i = 0; i < c->exclude_nr; i++)
		ks_glob_free(c->exclude_glob[i]);
	free(c->exclude_glob);
	free_list(c->exclude, c->exclude_nr);
	ks_yaml_free(c->root); /* extra_rules is one of its nodes */
	free_list(c->diag, c->diag_nr);
	memset(c, 0, sizeof(*c));
}

const struct ks_rule_override *ks_config_override(const struct ks_config *c,
						  const char *id)
{
	size_t i;

	for (i = 0; i < c->ov_nr; i++)
		if (!strcmp(c->ov[i].id, id))
			return &c->ov[i];
	return NULL;
}

bool ks_config_disabled(const struct ks_config *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->disable_nr; i++)
		if (!strcmp(c->disable[i], id))
			return true;
	return false;
}

bool ks_config_excluded(const struct ks_config *c, const char *path,
			bool is_dir)
{
	size_t i;

	while (path[0] == '.' && path[1] == '/')
		path += 2;
	for (i = 0; i < c->exclude_nr; i++)
		if (ks_glob_matches_path(c->exclude_glob[i], path, is_dir))
			return true;
	return false;
}

const char *ks_allow_name(enum ks_allow a)
{
	switch (a) {
	case KS_ALLOW_NONE:
		return "none";
	case KS_ALLOW_PATH:
		return "path";
	case KS_ALLOW_REGEX:
		return "regex";
	case KS_ALLOW_STOPWORD:
		return "stopword";
	case KS_ALLOW_COMMIT:
		return "commit";
	}
	return "?";
}

static bool regex_match(const struct ks_allowlist *a, const char *secret,
			size_t secret_len)
{
	pcre2_match_data *md;
	bool hit = false;
	size_t i;
	int rc;

	if (!a->regex_nr)
		return false;
	md = pcre2_match_data_create(1, NULL);
	if (!md)
		return false; /* out of memory: never widen */
	for (i = 0; i < a->regex_nr && !hit; i++) {
		rc = pcre2_match(a->regex[i], (PCRE2_SPTR)secret, secret_len,
				 0, 0, md, a->mctx);
		/* >= 0: a match (0: ovector too small); a limit hit or any
		 * other error is no match */
		hit = rc >= 0;
	}
	pcre2_match_data_free(md);
	return hit;
}

enum ks_allow ks_allowlist_match(const struct ks_allowlist *a,
				 const char *path, const char *secret,
				 size_t secret_len, const char *commit_hex)
{
	size_t i;

	if (path) {
		while (path[0] == '.' && path[1] == '/')
			path += 2;
		for (i = 0; i < a->path_nr; i++)
			if (ks_glob_matches_path(a->path_glob[i], path, false))
				return KS_ALLOW_PATH;
	}
	if (commit_hex) {
		size_t clen = strlen(commit_hex);

		for (i = 0; i < a->commit_nr; i++) {
			size_t n = strlen(a->commit[i]);

			if (n <= clen && !strncasecmp(a->commit[i], commit_hex, n))
				return KS_ALLOW_COMMIT;
		}
	}
	if (secret) {
		for (i = 0; i < a->stopword_nr; i++)
			if (ks_memcasemem((const unsigned char *)secret,
					  secret_len, a->stopword[i],
					  strlen(a->stopword[i])))
				return KS_ALLOW_STOPWORD;
		if (regex_match(a, secret, secret_len))
			return KS_ALLOW_REGEX;
	}
	return KS_ALLOW_NONE;
}
