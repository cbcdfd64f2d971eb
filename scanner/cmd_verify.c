/* cmd_verify.c - `keysnare verify`: verify again the findings of a keysnare
 * JSON or JSON Lines report, or one key read from standard input.
 *
 * A redacted report does not hold the keys: each one is found again where
 * the report says it is (the file under --root, or the blob in --repo for
 * history reports) and recognised by its rule and secret_sha256. A key is
 * never taken from the command line (it would show in ps and in shell
 * history).
 */
#include "compat.h"
#include <ctype.h>
#include <fcntl.h>
#include <cjson/cJSON.h>
#include <git2.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "cmd.h"
#include "error.h"
#include "finding.h"
#include "log.h"
#include "odb.h"
#include "prefilter.h"
#include "report.h"
#include "rules.h"
#include "scan.h"
#include "sha256.h"
#include "stats.h"
#include "utf8.h"
#include "verify.h"
#include "xalloc.h"

#define KS_VERIFY_INPUT_MAX (256u << 20)	/* a report */
#define KS_VERIFY_KEY_MAX 16384			/* one key on stdin */
#define KS_VERIFY_FILE_MAX (50u << 20)		/* a file to find a key in */

enum {
	OPT_FORMAT = 'f',
	OPT_QUIET = 'q',
	OPT_VERBOSE = 'v',
	OPT_HELP = 'h',
	OPT_KEY = 256,
	OPT_RULE,
	OPT_ROOT,
	OPT_REPO,
	OPT_NO_REDACT,
	OPT_ONLY_VERIFIED,
};

static const struct ks_opt verify_opts[] = {
	{ "format", 'f', OPT_FORMAT, "FMT", "output format: text (default), json, jsonl, sarif" },
	{ "key", 0, OPT_KEY, NULL, "verify one key read from standard input (never from the command line)" },
	{ "rule", 0, OPT_RULE, "ID", "--key: the rule the key belongs to (needed when its shape names no provider)" },
	{ "root", 0, OPT_ROOT, "DIR", "the report's paths are relative to DIR (default: .)" },
	{ "repo", 0, OPT_REPO, "DIR", "history reports: read the blobs from this repository (default: .)" },
	{ "no-redact", 0, OPT_NO_REDACT, NULL, "show secrets in full (default: redacted)" },
	{ "only-verified", 0, OPT_ONLY_VERIFIED, NULL, "report only keys verified live" },
	KS_VERIFY_CLI_OPTS
	{ "quiet", 'q', OPT_QUIET, NULL, "no summary or warnings on stderr" },
	{ "verbose", 'v', OPT_VERBOSE, NULL, "each request and its answer on stderr (-vv: scrubbed response bodies)" },
	{ "help", 'h', OPT_HELP, NULL, "show this help" },
};

struct verify_args {
	enum ks_format format;
	bool key, no_redact, only_verified, help, quiet;
	int verbose;
	const char *rule, *root, *repo;
	struct ks_verify_opts vopts;
};

void cmd_verify_help(FILE *out)
{
	ks_cli_help(out, "keysnare verify [options] [REPORT]\n"
			 "   or: keysnare verify --key [--rule ID] [options] < KEYFILE",
		    "Check live, with each key's own provider, the findings of a keysnare JSON or\n"
		    "JSON Lines report (REPORT, or standard input; '-f json' or '-f jsonl' output of\n"
		    "scan, history or staged), or one key read from standard input. Redacted\n"
		    "reports work: each key is found again at its path (or blob) and recognised by\n"
		    "its secret_sha256. Sends each key only to the provider its rule names.\n"
		    "Exit status: 0 nothing reported, 1 findings reported (--key: the key is live),\n"
		    "2 some could not be checked or found again, 3 usage error.",
		    verify_opts, KS_ARRAY_SIZE(verify_opts));
}

static int handle(int id, const char *arg, void *payload)
{
	struct verify_args *a = payload;

	switch (id) {
	case OPT_FORMAT:
		if (ks_format_parse(arg, &a->format) ||
		    a->format > KS_FORMAT_SARIF)
			return ks_usage_error("verify",
					      "unknown format '%s' (text, json, jsonl, sarif)",
					      arg);
		break;
	case OPT_KEY:
		a->key = true;
		break;
	case OPT_RULE:
		a->rule = arg;
		break;
	case OPT_ROOT:
		a->root = arg;
		break;
	case OPT_REPO:
		a->repo = arg;
		break;
	case OPT_NO_REDACT:
		a->no_redact = true;
		break;
	case OPT_ONLY_VERIFIED:
		a->only_verified = true;
		break;
	case OPT_QUIET:
		a->quiet = true;
		break;
	case OPT_VERBOSE:
		a->verbose++;
		break;
	case OPT_HELP:
		a->help = true;
		break;
	default:
		if (id >= KS_OPT_V_FIRST && id < KS_OPT_V_END)
			return ks_verify_cli_opt("verify", id, arg, &a->vopts);
		return ks_usage_error("verify", "unhandled option");
	}
	return 0;
}

/* Reads all of fd, at most max bytes; KS_ETOOBIG beyond. */
static int read_all(int fd, size_t max, struct ks_buf *out)
{
	for (;;) {
		ssize_t n;

		ks_buf_grow(out, 65536);
		n = read(fd, out->ptr + out->len, out->alloc - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ks_error_set(KS_EIO, "%s", strerror(errno));
		if (!n)
			return 0;
		ks_buf_setlen(out, out->len + (size_t)n);
		if (out->len > max)
			return ks_error_set(KS_ETOOBIG, "over %zu bytes", max);
	}
}

/* The scanning machinery, shared by every lookup. */
struct finder {
	struct ks_ruleset set;
	struct ks_prefilter *pf;
	struct ks_scanner *sc;
	git_repository *repo;
	bool repo_tried;
	const char *repo_dir, *root;
	bool no_redact;
};

/* Scans data as path and moves out the finding of rule whose secret
 * hashes to sha (the one nearest to line when several do). */
static bool find_in(struct finder *fd, const char *path,
		    const unsigned char *data, size_t len,
		    const struct ks_rule *rule, const char *sha, size_t line,
		    struct ks_finding *out)
{
	struct ks_findings tmp = KS_FINDINGS_INIT;
	const struct ks_match *m;
	size_t m_nr = 0, i, best = SIZE_MAX, bd = SIZE_MAX;

	if (ks_scan_buffer(fd->sc, data, len, &m, &m_nr) < 0 && !m_nr)
		return false;
	ks_findings_add_blob(&tmp, path, data, len, m, m_nr, fd->no_redact);
	for (i = 0; i < tmp.nr; i++) {
		const struct ks_finding *f = &tmp.f[i];
		size_t d;

		if (f->rule != rule || (sha && strcmp(f->secret_sha256, sha)))
			continue;
		d = f->line > line ? f->line - line : line - f->line;
		if (d < bd)
			bd = d, best = i;
	}
	if (best != SIZE_MAX) {
		*out = tmp.f[best];
		memset(&tmp.f[best], 0, sizeof(tmp.f[best]));
		/* the emptied slot must not be released as a finding */
		tmp.f[best] = tmp.f[tmp.nr - 1];
		tmp.nr--;
	}
	ks_findings_release(&tmp);
	return best != SIZE_MAX;
}

static int open_repo(struct finder *fd)
{
	if (fd->repo_tried)
		return fd->repo ? 0 : -1;
	fd->repo_tried = true;
	git_libgit2_init();
	if (git_repository_open_ext(&fd->repo, fd->repo_dir ? fd->repo_dir : ".",
				    0, NULL) ||
	    ks_repo_safe_odb(fd->repo, NULL, NULL)) {
		const git_error *e = git_error_last();

		ks_log_error("cannot open the repository '%s': %s",
			     fd->repo_dir ? fd->repo_dir : ".",
			     e ? e->message : "unknown error");
		git_repository_free(fd->repo);
		fd->repo = NULL;
		return -1;
	}
	return 0;
}

/* Finds a reported key again: in the blob of a history finding, else in
 * the file. Returns 0, or -1 after logging why not. */
static int recover(struct finder *fd, const char *path, const char *blob,
		   const struct ks_rule *rule, const char *sha, size_t line,
		   struct ks_finding *out)
{
	struct ks_buf b = KS_BUF_INIT, where = KS_BUF_INIT;
	bool found = false;

	ks_term_escape(&where, path, strlen(path));
	if (blob) {
		git_oid oid;
		git_blob *bl = NULL;

		if (open_repo(fd))
			goto fail_quiet;
		if (git_oid_fromstr(&oid, blob) ||
		    git_blob_lookup(&bl, fd->repo, &oid)) {
			ks_log_error("%s:%zu: blob %.40s is not in the repository: not verified",
				     where.ptr, line, blob);
			goto fail_quiet;
		}
		if (git_blob_rawsize(bl) > KS_VERIFY_FILE_MAX) {
			ks_log_error("%s:%zu: blob %.40s is over 50 MiB: not verified",
				     where.ptr, line, blob);
			git_blob_free(bl);
			goto fail_quiet;
		}
		found = find_in(fd, path, git_blob_rawcontent(bl),
				(size_t)git_blob_rawsize(bl), rule, sha, line,
				out);
		git_blob_free(bl);
	} else {
		struct ks_buf full = KS_BUF_INIT;
		int fdn, rc;

		if (fd->root && *path != '/')
			ks_buf_addf(&full, "%s/%s", fd->root, path);
		else
			ks_buf_adds(&full, path);
		fdn = open(full.ptr, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		ks_buf_release(&full);
		if (fdn < 0) {
			ks_log_error("%s:%zu: cannot open: %s; not verified",
				     where.ptr, line, strerror(errno));
			goto fail_quiet;
		}
		rc = read_all(fdn, KS_VERIFY_FILE_MAX, &b);
		close(fdn);
		if (rc) {
			ks_log_error("%s:%zu: cannot read: %s; not verified",
				     where.ptr, line, ks_error_last());
			goto fail_quiet;
		}
		found = find_in(fd, path, (const unsigned char *)b.ptr, b.len,
				rule, sha, line, out);
	}
	if (!found)
		ks_log_error("%s:%zu: the %s secret is no longer there (changed since the report?): not verified",
			     where.ptr, line, rule->id);
	ks_wipe(b.ptr, b.alloc);
	ks_buf_release(&b);
	ks_buf_release(&where);
	return found ? 0 : -1;
fail_quiet:
	ks_wipe(b.ptr, b.alloc);
	ks_buf_release(&b);
	ks_buf_release(&where);
	return -1;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static size_t jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 &&
			       v->valuedouble < 1e15
		       ? (size_t)v->valuedouble
		       : 0;
}

/* A history finding keeps its commit and blob in the output. */
static void carry_history(const cJSON *o, struct ks_finding *f)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "commit");
	const char *blob = jstr(o, "blob");
	git_oid oid;

	if (!blob && !cJSON_IsObject(c))
		return;
	f->history = true;
	if (blob && !git_oid_fromstr(&oid, blob))
		memcpy(f->blob, oid.id, sizeof(f->blob));
	if (cJSON_IsObject(c) && jstr(c, "id")) {
		struct ks_commit_info *ci = xcalloc(1, sizeof(*ci));

		snprintf(ci->id, sizeof(ci->id), "%s", jstr(c, "id"));
		snprintf(ci->date, sizeof(ci->date), "%s",
			 jstr(c, "date") ? jstr(c, "date") : "");
		ci->author = xstrdup(jstr(c, "author") ? jstr(c, "author") : "");
		ci->email = xstrdup(jstr(c, "email") ? jstr(c, "email") : "");
		ci->summary = xstrdup(jstr(c, "summary") ? jstr(c, "summary") : "");
		f->commit = ci;
	}
}

/* One finding object of a report: its key, found again or taken from
 * an unredacted report, becomes a finding in fs. */
static int take_finding(struct finder *fd, const cJSON *o, size_t n,
			struct ks_findings *fs)
{
	const char *rid = jstr(o, "rule_id"), *path = jstr(o, "path");
	const char *secret = jstr(o, "secret"), *sha = jstr(o, "secret_sha256");
	const cJSON *red = cJSON_GetObjectItemCaseSensitive(o, "redacted");
	size_t line = jnum(o, "line");
	struct ks_rule *rule;
	struct ks_finding f;

	if (!rid || !path) {
		ks_log_error("finding %zu of the report has no rule_id or path: not verified", n);
		return -1;
	}
	rule = ks_ruleset_find(&fd->set, rid);
	if (!rule || !rule->builtin) {
		ks_log_error("finding %zu of the report: no built-in rule '%s': not verified",
			     n, rid);
		return -1;
	}
	memset(&f, 0, sizeof(f));
	if (cJSON_IsFalse(red) && secret) {
		/* an unredacted report: the key is there; it must still be
		 * the one hashed in the report, and a key of this rule */
		size_t len = strlen(secret);
		char hex[65];

		ks_sha256_hex(secret, len, hex);
		if (sha && strcmp(hex, sha)) {
			ks_log_error("finding %zu of the report: its secret does not match its secret_sha256: not verified",
				     n);
			return -1;
		}
		if (!find_in(fd, path, (const unsigned char *)secret, len, rule,
			     hex, 1, &f)) {
			struct ks_buf ctx = KS_BUF_INIT;

			/* the rule may need context around the key: the
			 * provider's name ("deepseek" for sk- + 32 hex) */
			ks_buf_addf(&ctx, "%s_key = %s\n",
				    rule->context_nr ? rule->context[0]
				    : ks_provider_for_rule(rid)
					    ? ks_provider_for_rule(rid)->id
					    : rid,
				    secret);
			if (!find_in(fd, path, (const unsigned char *)ctx.ptr,
				     ctx.len, rule, hex, 1, &f)) {
				ks_wipe(ctx.ptr, ctx.alloc);
				ks_buf_release(&ctx);
				ks_log_error("finding %zu of the report: its secret is not a %s key: not verified",
					     n, rid);
				return -1;
			}
			ks_wipe(ctx.ptr, ctx.alloc);
			ks_buf_release(&ctx);
		}
		f.line = line ? line : 1;
		f.col = jnum(o, "column") ? jnum(o, "column") : 1;
		f.end_line = jnum(o, "end_line");
		f.end_col = jnum(o, "end_column");
	} else if (!sha || strlen(sha) != 64) {
		ks_log_error("finding %zu of the report has no secret_sha256: not verified", n);
		return -1;
	} else if (recover(fd, path, jstr(o, "blob"), rule, sha, line, &f)) {
		return -1;
	}
	carry_history(o, &f);
	ALLOC_GROW(fs->f, fs->nr + 1, fs->alloc);
	fs->f[fs->nr++] = f;
	return 0;
}

/* A JSON report ({"findings": [...]}) or JSON Lines (one finding a
 * line). Returns the number of findings that could not be taken, or -1
 * when the input is not a report at all. */
static long take_report(struct finder *fd, const char *data, size_t len,
			const char *name, struct ks_findings *fs)
{
	const char *stop = NULL;
	cJSON *doc = cJSON_ParseWithLengthOpts(data, len, &stop, 0);
	const cJSON *arr, *it;
	long bad = 0;
	size_t n = 0;

	/* one JSON value, and nothing but blanks after it; else JSON Lines
	 * (whose first line alone parses as a document) */
	while (doc && stop && stop < data + len && isspace((unsigned char)*stop))
		stop++;
	if (doc && stop != data + len) {
		cJSON_Delete(doc);
		doc = NULL;
	}

	if (doc && cJSON_IsObject(doc) &&
	    cJSON_IsArray(arr = cJSON_GetObjectItemCaseSensitive(doc, "findings"))) {
		cJSON_ArrayForEach(it, arr)
			if (take_finding(fd, it, ++n, fs))
				bad++;
		cJSON_Delete(doc);
		return bad;
	}
	if (doc && cJSON_IsObject(doc) && jstr(doc, "rule_id")) {
		bad = take_finding(fd, doc, 1, fs) ? 1 : 0;
		cJSON_Delete(doc);
		return bad;
	}
	cJSON_Delete(doc);
	/* JSON Lines */
	{
		const char *p = data, *end = data + len;
		size_t lineno = 0;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *e = nl ? nl : end;
			cJSON *o;

			lineno++;
			if (e == p || (e - p == 1 && *p == '\r')) {
				p = nl ? nl + 1 : end;
				continue;
			}
			o = cJSON_ParseWithLength(p, (size_t)(e - p));
			if (!o || !cJSON_IsObject(o)) {
				cJSON_Delete(o);
				if (!fs->nr && !bad)
					return -1;
				ks_log_error("%s:%zu: not a JSON finding: skipped",
					     name, lineno);
				bad++;
			} else {
				if (take_finding(fd, o, lineno, fs))
					bad++;
				cJSON_Delete(o);
			}
			p = nl ? nl + 1 : end;
		}
	}
	return bad;
}

/* --key: one key from stdin, its rule from --rule or its shape. */
static int take_key(struct finder *fd, const char *rule_id,
		    struct ks_findings *fs)
{
	struct ks_buf b = KS_BUF_INIT, ctx = KS_BUF_INIT;
	struct ks_finding f;
	size_t i, s, e;
	int rc = KS_EXIT_USAGE;

	if (isatty(STDIN_FILENO))
		ks_log_verbose("reading the key from standard input");
	if (read_all(STDIN_FILENO, KS_VERIFY_KEY_MAX, &b)) {
		ks_log_error("cannot read the key from standard input: %s",
			     ks_error_last());
		goto out;
	}
	for (s = 0; s < b.len && isspace((unsigned char)b.ptr[s]); s++)
		;
	for (e = b.len; e > s && isspace((unsigned char)b.ptr[e - 1]); e--)
		;
	if (s == e || memchr(b.ptr + s, '\n', e - s)) {
		ks_log_error("--key reads exactly one key (one line) from standard input");
		goto out;
	}
	memset(&f, 0, sizeof(f));
	if (rule_id) {
		struct ks_rule *r = ks_ruleset_find(&fd->set, rule_id);
		char hex[65];

		if (!r || !r->builtin || !ks_provider_for_rule(r->id)) {
			ks_log_error("--rule %s: %s", rule_id,
				     !r || !r->builtin ? "no such built-in rule"
						       : "that rule has no verifier");
			goto out;
		}
		ks_sha256_hex(b.ptr + s, e - s, hex);
		/* with its provider's name beside it, for rules that need
		 * context ("deepseek" for sk- + 32 hex) */
		ks_buf_addf(&ctx, "%s_key = ", ks_provider_for_rule(r->id)->id);
		ks_buf_add(&ctx, b.ptr + s, e - s);
		ks_buf_addch(&ctx, '\n');
		if (!find_in(fd, "<stdin>", (const unsigned char *)ctx.ptr,
			     ctx.len, r, hex, 1, &f)) {
			ks_log_error("the key is not a %s key (its rule does not match it)",
				     rule_id);
			goto out;
		}
	} else {
		struct ks_findings tmp = KS_FINDINGS_INIT;
		const struct ks_match *m;
		size_t m_nr = 0, hit = SIZE_MAX, providers = 0;
		const struct ks_provider *last = NULL;

		ks_scan_buffer(fd->sc, (const unsigned char *)b.ptr + s, e - s,
			       &m, &m_nr);
		ks_findings_add_blob(&tmp, "<stdin>", (const unsigned char *)b.ptr + s,
				     e - s, m, m_nr, fd->no_redact);
		for (i = 0; i < tmp.nr; i++) {
			const struct ks_provider *p =
				ks_provider_for_rule(tmp.f[i].rule->id);

			if (tmp.f[i].secret_len != e - s || !p)
				continue;
			if (p != last)
				providers++;
			last = p;
			hit = i;
		}
		if (providers != 1) {
			if (providers > 1)
				ks_log_error("the key fits several providers' rules: name one with --rule ID; nothing sent");
			else if (tmp.nr)
				ks_log_error("the key looks like %s, which keysnare cannot verify (or needs --rule ID); nothing sent",
					     tmp.f[0].rule->id);
			else
				ks_log_error("the key matches no rule with a verifier; name one with --rule ID (see 'keysnare rules list'); nothing sent");
			ks_findings_release(&tmp);
			goto out;
		}
		f = tmp.f[hit];
		tmp.f[hit] = tmp.f[tmp.nr - 1];
		tmp.nr--;
		ks_findings_release(&tmp);
	}
	ALLOC_GROW(fs->f, fs->nr + 1, fs->alloc);
	fs->f[fs->nr++] = f;
	rc = 0;
out:
	ks_wipe(b.ptr, b.alloc);
	ks_buf_release(&b);
	ks_wipe(ctx.ptr, ctx.alloc);
	ks_buf_release(&ctx);
	return rc;
}

int cmd_verify(int argc, char **argv)
{
	struct verify_args a = { .format = KS_FORMAT_TEXT,
				 .vopts = KS_VERIFY_OPTS_INIT };
	struct finder fd;
	struct ks_findings fs = KS_FINDINGS_INIT;
	struct ks_stats st;
	struct ks_verify_stats vst;
	struct ks_report_opts ropts = { false, false, NULL, false };
	struct ks_buf in = KS_BUF_INIT;
	const char *name = "<stdin>";
	size_t reported, unknown = 0;
	long bad = 0;
	int first, ret = KS_EXIT_USAGE, werr = 0;

	memset(&fd, 0, sizeof(fd));
	memset(&st, 0, sizeof(st));
	memset(&vst, 0, sizeof(vst));
	first = ks_cli_parse(argc, argv, "verify", verify_opts,
			     KS_ARRAY_SIZE(verify_opts), handle, &a);
	if (first < 0)
		return KS_EXIT_USAGE;
	if (a.help) {
		cmd_verify_help(stdout);
		return 0;
	}
	ks_log_set_level(a.quiet ? KS_LOG_QUIET : a.verbose);
	ks_secure_process();
	if (a.key && first < argc)
		return ks_usage_error("verify",
				      "--key reads the key from standard input, never from the command line");
	if (a.rule && !a.key)
		return ks_usage_error("verify", "--rule goes with --key");
	if (argc - first > 1)
		return ks_usage_error("verify", "takes one report at most");
	fd.root = a.root;
	fd.repo_dir = a.repo;
	fd.no_redact = a.no_redact;
	ropts.no_redact = a.no_redact;
	fd.set.lazy_defaults = true;
	if (ks_load_rules(&fd.set, NULL, 0, true))
		goto done;
	if (ks_prefilter_new(&fd.pf, &fd.set) ||
	    ks_scanner_new(&fd.sc, &fd.set, fd.pf)) {
		ks_log_error("%s", ks_error_last());
		goto done;
	}
	if (a.key) {
		if ((ret = take_key(&fd, a.rule, &fs)))
			goto done;
	} else {
		int rfd = STDIN_FILENO, rc;

		if (first < argc && strcmp(argv[first], "-")) {
			name = argv[first];
			rfd = open(name, O_RDONLY | O_CLOEXEC);
			if (rfd < 0) {
				ks_log_error("cannot open the report '%s': %s",
					     name, strerror(errno));
				goto done;
			}
		}
		rc = read_all(rfd, KS_VERIFY_INPUT_MAX, &in);
		if (rfd != STDIN_FILENO)
			close(rfd);
		if (rc) {
			ks_log_error("cannot read the report '%s': %s", name,
				     ks_error_last());
			goto done;
		}
		bad = take_report(&fd, in.ptr, in.len, name, &fs);
		if (bad < 0) {
			ks_log_error("'%s' is not a keysnare JSON or JSON Lines report",
				     name);
			goto done;
		}
		if (bad)
			st.incomplete = true;
	}
	if (ks_verify_findings(&fs, &a.vopts, &vst)) {
		ks_log_error("%s", ks_error_last());
		ret = KS_EXIT_USAGE;
		goto done;
	}
	st.verify = &vst;
	if (a.only_verified && !a.vopts.dry_run) {
		st.only_verified_hidden = ks_verify_keep_live(&fs, &unknown);
		if (unknown) {
			warning("%zu finding%s could not be verified (unknown) and %s not reported by --only-verified: the run is incomplete",
				unknown, unknown == 1 ? "" : "s",
				unknown == 1 ? "is" : "are");
			st.incomplete = true;
		}
	}
	ks_findings_sort(&fs);
	reported = fs.nr;
	st.findings = reported;
	if (a.format == KS_FORMAT_TEXT)
		werr = ks_report_text(stdout, &fs, &ropts);
	else if (a.format == KS_FORMAT_JSON)
		werr = ks_report_json(stdout, &fs, &st, &ropts);
	else if (a.format == KS_FORMAT_JSONL)
		werr = ks_report_jsonl(stdout, &fs, 0, &ropts);
	else
		werr = ks_report_sarif(stdout, &fs, &st, &ropts);
	if (fflush(stdout) || werr) {
		ks_log_error("cannot write the report: %s", strerror(errno));
		st.incomplete = true;
	}
	if (!a.quiet)
		ks_report_verify_summary(stderr, &st);
	if (a.key) {
		enum ks_vstate s = fs.nr && fs.f[0].verification
					   ? fs.f[0].verification->state
					   : KS_V_NONE;

		ret = s == KS_V_LIVE || s == KS_V_LIVE_RESTRICTED ? KS_EXIT_FINDINGS
		      : s == KS_V_INVALID || a.vopts.dry_run	   ? KS_EXIT_CLEAN
								   : KS_EXIT_INCOMPLETE;
	} else {
		ret = reported	       ? KS_EXIT_FINDINGS
		      : st.incomplete ? KS_EXIT_INCOMPLETE
				      : KS_EXIT_CLEAN;
	}
done:
	ks_findings_release(&fs);
	ks_scanner_free(fd.sc);
	ks_prefilter_free(fd.pf);
	ks_ruleset_release(&fd.set);
	git_repository_free(fd.repo);
	if (fd.repo_tried)
		git_libgit2_shutdown();
	ks_wipe(in.ptr, in.alloc);
	ks_buf_release(&in);
	return ret;
}
