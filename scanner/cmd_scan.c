/* cmd_scan.c - `keysnare scan`: files, directories and stdin. */
#include "compat.h"
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "cmd.h"
#include "error.h"
#include "finding.h"
#include "log.h"
#include "history.h"
#include "pipeline.h"
#include "prefilter.h"
#include "report.h"
#include "rules.h"
#include "source.h"
#include "staged.h"
#include "baseline.h"
#include "config.h"
#include "yamltree.h"
#include "suppress.h"
#include "stats.h"
#include "verify.h"
#include "xalloc.h"

enum {
	OPT_FORMAT = 'f',
	OPT_OUTPUT = 'o',
	OPT_QUIET = 'q',
	OPT_VERBOSE = 'v',
	OPT_HELP = 'h',
	OPT_RULES = 256,
	OPT_ENABLE,
	OPT_DISABLE,
	OPT_NO_REDACT,
	OPT_MAX_SIZE,
	OPT_SCAN_BINARY,
	OPT_NO_IGNORE,
	OPT_FOLLOW,
	OPT_COLOR,
	OPT_STDIN_NAME,
	OPT_REPO,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_ALL_OBJECTS,
	OPT_ALL_OCC,
	OPT_ALLOW_SHALLOW,
	OPT_PARANOID,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_RECURSE,
	OPT_CONFIG,
	OPT_NO_CONFIG,
	OPT_BASELINE,
	OPT_WRITE_BASELINE,
	OPT_PRUNE_BASELINE,
	OPT_SHOW_SUPPRESSED,
	OPT_NO_INLINE_ALLOW,
	OPT_SARIF_CATEGORY,
	OPT_VERIFY,
	OPT_ONLY_VERIFIED,
	OPT_THREADS = 'j',
};

/* The options of issue 6's suppression, shared by scan, history, staged. */
#define SUPPRESSION_OPTS \
	{ "config", 0, OPT_CONFIG, "FILE", "read settings and allowlists from FILE (default: .keysnare.yml at the root)" }, \
	{ "no-config", 0, OPT_NO_CONFIG, NULL, "ignore .keysnare.yml" }, \
	{ "baseline", 0, OPT_BASELINE, "FILE", "do not report the findings listed in FILE" }, \
	{ "write-baseline", 0, OPT_WRITE_BASELINE, "FILE", "write the current findings to FILE as a baseline (exit 0 when written)" }, \
	{ "prune-baseline", 0, OPT_PRUNE_BASELINE, NULL, "with --baseline: drop its entries that match nothing (after a full scan)" }, \
	{ "show-suppressed", 0, OPT_SHOW_SUPPRESSED, NULL, "list suppressed findings too, marked with why (audits)" }, \
	{ "no-inline-allow", 0, OPT_NO_INLINE_ALLOW, NULL, "ignore keysnare:allow and other inline markers (audits)" }, \
	{ "sarif-category", 0, OPT_SARIF_CATEGORY, "ID", "-f sarif: the run's automationDetails.id (code scanning category)" },

/* Live verification (issue 8), shared by scan, history, staged. */
#define VERIFY_OPTS \
	{ "verify", 0, OPT_VERIFY, NULL, "check each found key live with its provider (sends the key to that provider only; off by default)" }, \
	{ "only-verified", 0, OPT_ONLY_VERIFIED, NULL, "report only keys verified live (implies --verify)" }, \
	KS_VERIFY_CLI_OPTS

static const struct ks_opt scan_opts[] = {
	{ "format", 'f', OPT_FORMAT, "FMT", "output format: text (default), json, jsonl, sarif, gitlab, github, junit" },
	{ "output", 'o', OPT_OUTPUT, "FILE", "write the report to FILE (atomically) instead of stdout" },
	{ "rules", 0, OPT_RULES, "FILE", "add the rules in FILE (repeatable)" },
	{ "enable-rule", 0, OPT_ENABLE, "ID", "run only the named rules (repeatable)" },
	{ "disable-rule", 0, OPT_DISABLE, "ID", "do not run rule ID (repeatable)" },
	{ "no-redact", 0, OPT_NO_REDACT, NULL, "show secrets in full (default: redacted)" },
	{ "max-file-size", 0, OPT_MAX_SIZE, "SIZE", "skip (and list) larger files; default 50MiB" },
	{ "scan-binary", 0, OPT_SCAN_BINARY, NULL, "scan files with a NUL byte in the first 8000 bytes" },
	{ "no-ignore", 0, OPT_NO_IGNORE, NULL, "do not honour .gitignore and .git/info/exclude" },
	{ "follow-symlinks", 0, OPT_FOLLOW, NULL, "follow symlinks (loop-safe, never outside the scan root)" },
	{ "stdin-name", 0, OPT_STDIN_NAME, "NAME", "path to report for standard input ('-'); default <stdin>" },
	SUPPRESSION_OPTS
	VERIFY_OPTS
	{ "threads", 'j', OPT_THREADS, "N", "worker threads (default: online CPUs); output is the same for any N" },
	{ "color", 0, OPT_COLOR, "WHEN", "auto (default), always, never" },
	{ "quiet", 'q', OPT_QUIET, NULL, "no summary or warnings on stderr (errors still print)" },
	{ "verbose", 'v', OPT_VERBOSE, NULL, "list skipped files and dropped matches on stderr (-vv: timings)" },
	{ "help", 'h', OPT_HELP, NULL, "show this help" },
};

static const struct ks_opt history_opts[] = {
	{ "format", 'f', OPT_FORMAT, "FMT", "output format: text (default), json, jsonl, sarif, gitlab, github, junit" },
	{ "output", 'o', OPT_OUTPUT, "FILE", "write the report to FILE (atomically) instead of stdout" },
	{ "repo", 0, OPT_REPO, "DIR", "the repository (default: the one around .); bare repos work" },
	{ "since", 0, OPT_SINCE, "DATE", "only commits committed on or after DATE (YYYY-MM-DD[THH:MM:SS], or @unixtime)" },
	{ "until", 0, OPT_UNTIL, "DATE", "only commits committed on or before DATE" },
	{ "all-objects", 0, OPT_ALL_OBJECTS, NULL, "also scan blobs no ref reaches (dangling, unreachable)" },
	{ "all-occurrences", 0, OPT_ALL_OCC, NULL, "list every commit whose tree holds the secret at the finding's path" },
	{ "allow-shallow", 0, OPT_ALLOW_SHALLOW, NULL, "a shallow clone's truncated history is not an incomplete scan" },
	{ "paranoid", 0, OPT_PARANOID, NULL, "verify every object's hash while reading (slower)" },
	{ "recurse-submodules", 0, OPT_RECURSE, NULL, "also scan, in each initialised submodule, the commits the history records" },
	{ "progress", 0, OPT_PROGRESS, NULL, "progress on stderr (default: when stderr is a terminal)" },
	{ "no-progress", 0, OPT_NO_PROGRESS, NULL, "no progress on stderr" },
	{ "rules", 0, OPT_RULES, "FILE", "add the rules in FILE (repeatable)" },
	{ "enable-rule", 0, OPT_ENABLE, "ID", "run only the named rules (repeatable)" },
	{ "disable-rule", 0, OPT_DISABLE, "ID", "do not run rule ID (repeatable)" },
	{ "no-redact", 0, OPT_NO_REDACT, NULL, "show secrets in full (default: redacted)" },
	{ "max-file-size", 0, OPT_MAX_SIZE, "SIZE", "skip (and list) larger blobs; default 50MiB" },
	{ "scan-binary", 0, OPT_SCAN_BINARY, NULL, "scan blobs with a NUL byte in the first 8000 bytes" },
	SUPPRESSION_OPTS
	VERIFY_OPTS
	{ "threads", 'j', OPT_THREADS, "N", "worker threads (default: online CPUs); output is the same for any N" },
	{ "color", 0, OPT_COLOR, "WHEN", "auto (default), always, never" },
	{ "quiet", 'q', OPT_QUIET, NULL, "no summary or warnings on stderr (errors still print)" },
	{ "verbose", 'v', OPT_VERBOSE, NULL, "list skipped files and dropped matches on stderr (-vv: timings)" },
	{ "help", 'h', OPT_HELP, NULL, "show this help" },
};

static const struct ks_opt staged_opts[] = {
	{ "repo", 0, OPT_REPO, "DIR", "the repository (default: from GIT_DIR/GIT_INDEX_FILE or around .)" },
	{ "format", 'f', OPT_FORMAT, "FMT", "output format: text (default, on stderr), json, jsonl, sarif, gitlab, github, junit" },
	{ "output", 'o', OPT_OUTPUT, "FILE", "write the report to FILE (atomically)" },
	{ "rules", 0, OPT_RULES, "FILE", "add the rules in FILE (repeatable)" },
	{ "enable-rule", 0, OPT_ENABLE, "ID", "run only the named rules (repeatable)" },
	{ "disable-rule", 0, OPT_DISABLE, "ID", "do not run rule ID (repeatable)" },
	{ "no-redact", 0, OPT_NO_REDACT, NULL, "show secrets in full (default: redacted)" },
	{ "max-file-size", 0, OPT_MAX_SIZE, "SIZE", "skip (and list) larger blobs; default 50MiB" },
	{ "scan-binary", 0, OPT_SCAN_BINARY, NULL, "scan blobs with a NUL byte in the first 8000 bytes" },
	SUPPRESSION_OPTS
	VERIFY_OPTS
	{ "threads", 'j', OPT_THREADS, "N", "worker threads (default: online CPUs, at most one per file)" },
	{ "color", 0, OPT_COLOR, "WHEN", "auto (default), always, never" },
	{ "quiet", 'q', OPT_QUIET, NULL, "no warnings on stderr (errors and the blocked message still print)" },
	{ "verbose", 'v', OPT_VERBOSE, NULL, "a summary, skipped files and dropped matches on stderr (-vv: timings)" },
	{ "help", 'h', OPT_HELP, NULL, "show this help" },
};

enum mode { MODE_SCAN, MODE_HISTORY, MODE_STAGED };

struct scan_args {
	enum ks_format format;
	const char *output;
	char **rules;
	size_t rules_nr, rules_alloc;
	char **enable;
	size_t enable_nr, enable_alloc;
	char **disable;
	size_t disable_nr, disable_alloc;
	bool no_redact;
	int color; /* -1 auto, 0 never, 1 always */
	int verbose;
	bool quiet;
	bool help;
	unsigned threads;
	const char *config;
	bool no_config;
	const char *baseline, *write_baseline;
	bool prune_baseline, show_suppressed, no_inline_allow;
	const char *sarif_category;
	bool verify, only_verified;
	struct ks_verify_opts vopts;
	bool max_size_set, scan_binary_set;
	struct ks_source_opts src;
	struct ks_history_opts hist;
	const char *cmd;
};

void cmd_history_help(FILE *out)
{
	ks_cli_help(out, "keysnare history [options] [REVISION-RANGE...]",
		    "Scan every unique blob of a repository's history once (default: all refs;\n"
		    "ranges like main, v1.0..HEAD, A..B, ^A B limit it) and commit and tag messages.\n"
		    "Each leaked secret is reported once per path, with the commit that introduced it.\n"
		    "Exit status: 0 clean, 1 findings, 2 incomplete (shallow, missing objects), 3 usage error.",
		    history_opts, KS_ARRAY_SIZE(history_opts));
}

void cmd_staged_help(FILE *out)
{
	ks_cli_help(out, "keysnare staged [options]",
		    "Scan the changes staged for the next commit: the index git names (GIT_INDEX_FILE,\n"
		    "as set for `git commit -a` or `git commit PATH`) against HEAD, never the working tree.\n"
		    "Each added or modified file is scanned whole; only secrets on added lines count.\n"
		    "For a pre-commit hook (see `keysnare hook install`); no network unless --verify.\n"
		    "Exit status: 0 nothing found, 1 findings (commit blocked), 2 staged changes could not\n"
		    "be scanned (blocked: fail closed), 3 usage error or not a repository.",
		    staged_opts, KS_ARRAY_SIZE(staged_opts));
}

void cmd_scan_help(FILE *out)
{
	ks_cli_help(out, "keysnare scan [options] [PATH...]",
		    "Scan files and directories (default: .) for secrets; '-' reads standard input.\n"
		    "Exit status: 0 clean, 1 findings, 2 incomplete scan without findings, 3 usage error.",
		    scan_opts, KS_ARRAY_SIZE(scan_opts));
}

static void push_str(char ***arr, size_t *nr, size_t *alloc, const char *s)
{
	ALLOC_GROW(*arr, *nr + 1, *alloc);
	(*arr)[(*nr)++] = (char *)s;
}

static int handle(int id, const char *arg, void *payload)
{
	struct scan_args *a = payload;

	switch (id) {
	case OPT_FORMAT:
		if (ks_format_parse(arg, &a->format))
			return ks_usage_error(a->cmd,
					      "unknown format '%s' (text, json, jsonl, sarif, gitlab, github, junit)",
					      arg);
		break;
	case OPT_OUTPUT:
		a->output = arg;
		break;
	case OPT_RULES:
		push_str(&a->rules, &a->rules_nr, &a->rules_alloc, arg);
		break;
	case OPT_ENABLE:
		push_str(&a->enable, &a->enable_nr, &a->enable_alloc, arg);
		break;
	case OPT_DISABLE:
		push_str(&a->disable, &a->disable_nr, &a->disable_alloc, arg);
		break;
	case OPT_NO_REDACT:
		a->no_redact = true;
		break;
	case OPT_MAX_SIZE:
		if (ks_parse_size(arg, &a->src.max_file_size))
			return ks_usage_error(a->cmd,
					      "bad size '%s' (e.g. 50M, 1GiB, 4096)",
					      arg);
		a->max_size_set = true;
		break;
	case OPT_SCAN_BINARY:
		a->src.scan_binary = true;
		a->scan_binary_set = true;
		break;
	case OPT_CONFIG:
		a->config = arg;
		break;
	case OPT_NO_CONFIG:
		a->no_config = true;
		break;
	case OPT_BASELINE:
		a->baseline = arg;
		break;
	case OPT_WRITE_BASELINE:
		a->write_baseline = arg;
		break;
	case OPT_PRUNE_BASELINE:
		a->prune_baseline = true;
		break;
	case OPT_SHOW_SUPPRESSED:
		a->show_suppressed = true;
		break;
	case OPT_NO_INLINE_ALLOW:
		a->no_inline_allow = true;
		break;
	case OPT_SARIF_CATEGORY:
		a->sarif_category = arg;
		break;
	case OPT_VERIFY:
		a->verify = true;
		break;
	case OPT_ONLY_VERIFIED:
		a->verify = a->only_verified = true;
		break;
	case OPT_NO_IGNORE:
		a->src.no_ignore = true;
		break;
	case OPT_FOLLOW:
		a->src.follow_symlinks = true;
		break;
	case OPT_THREADS: {
		char *end = NULL;
		long v = strtol(arg, &end, 10);

		if (!*arg || *end || v < 1 || v > 1024)
			return ks_usage_error(a->cmd,
					      "--threads takes a number from 1 to 1024, not '%s'",
					      arg);
		a->threads = (unsigned)v;
		break;
	}
	case OPT_REPO:
		a->hist.repo = arg;
		break;
	case OPT_SINCE:
	case OPT_UNTIL: {
		int64_t t;

		if (ks_parse_date(arg, &t))
			return ks_usage_error(a->cmd,
					      "bad date '%s' (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[Z], or @unixtime)",
					      arg);
		if (id == OPT_SINCE)
			a->hist.since = t;
		else
			a->hist.until = t;
		break;
	}
	case OPT_ALL_OBJECTS:
		a->hist.all_objects = true;
		break;
	case OPT_ALL_OCC:
		a->hist.all_occurrences = true;
		break;
	case OPT_ALLOW_SHALLOW:
		a->hist.allow_shallow = true;
		break;
	case OPT_PARANOID:
		a->hist.paranoid = true;
		break;
	case OPT_RECURSE:
		a->hist.recurse_submodules = true;
		break;
	case OPT_PROGRESS:
		a->hist.progress = 1;
		break;
	case OPT_NO_PROGRESS:
		a->hist.progress = 0;
		break;
	case OPT_STDIN_NAME:
		a->src.stdin_name = arg;
		break;
	case OPT_COLOR:
		if (!strcmp(arg, "auto"))
			a->color = -1;
		else if (!strcmp(arg, "always"))
			a->color = 1;
		else if (!strcmp(arg, "never"))
			a->color = 0;
		else
			return ks_usage_error(a->cmd,
					      "--color takes auto, always or never, not '%s'",
					      arg);
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
		if (id >= KS_OPT_V_FIRST && id < KS_OPT_V_END) {
			/* --verify-dry-run implies --verify */
			a->verify |= id == KS_OPT_V_DRY_RUN;
			return ks_verify_cli_opt(a->cmd, id, arg, &a->vopts);
		}
		return ks_usage_error(a->cmd, "unhandled option");
	}
	return 0;
}

int ks_load_rules(struct ks_ruleset *set, char **files, size_t nr,
		  bool defaults)
{
	size_t i;
	int bad = 0;

	if (defaults && ks_ruleset_load_defaults(set))
		bad = 1;
	for (i = 0; i < nr; i++)
		if (ks_ruleset_load_file(set, files[i]))
			bad = 1;
	for (i = 0; i < set->diag_nr; i++)
		fprintf(stderr, "keysnare: error: %s\n", set->diag[i]);
	return bad ? KS_EXIT_USAGE : 0;
}

static int select_rules(struct ks_ruleset *set, const struct scan_args *a,
			const char *cmd)
{
	size_t i;

	for (i = 0; i < a->enable_nr; i++)
		if (!ks_ruleset_find(set, a->enable[i]))
			return ks_usage_error(cmd, "no rule '%s'",
					      a->enable[i]);
	for (i = 0; i < a->disable_nr; i++)
		if (!ks_ruleset_find(set, a->disable[i]))
			return ks_usage_error(cmd, "no rule '%s'",
					      a->disable[i]);
	if (a->enable_nr) {
		for (i = 0; i < set->rule_nr; i++)
			set->rule[i]->enabled = false;
		for (i = 0; i < a->enable_nr; i++)
			ks_ruleset_find(set, a->enable[i])->enabled = true;
	}
	for (i = 0; i < a->disable_nr; i++)
		ks_ruleset_find(set, a->disable[i])->enabled = false;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The report goes to a temp file next to FILE, renamed into place. */
struct output {
	FILE *fp;
	char *tmp;
	const char *final;
	bool direct;	/* not a regular file: written in place */
};

static int output_open(struct output *o, const char *path)
{
	struct ks_buf b = KS_BUF_INIT;
	int fd;

	o->final = path;
	if (!path) {
		o->fp = stdout;
		return 0;
	}
	{
		struct stat sb;

		/* a device or FIFO (/dev/null, /dev/stdout, a pipe) is
		 * written in place: renaming over it would replace it */
		if (!stat(path, &sb) && !S_ISREG(sb.st_mode)) {
			o->fp = fopen(path, "w");
			if (!o->fp) {
				ks_log_error("cannot open '%s': %s", path,
					     strerror(errno));
				return KS_EIO;
			}
			o->direct = true;
			return 0;
		}
	}
	ks_buf_addf(&b, "%s.tmp-XXXXXX", path);
	fd = mkstemp(b.ptr);
	if (fd < 0) {
		ks_log_error("cannot create '%s': %s", b.ptr, strerror(errno));
		ks_buf_release(&b);
		return KS_EIO;
	}
	{
		/* mkstemp() makes 0600; give the report the mode a plain
		 * create would (0666 less the umask) */
		mode_t mask = umask(0);

		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	o->tmp = ks_buf_detach(&b, NULL);
	o->fp = fdopen(fd, "w");
	if (!o->fp) {
		close(fd);
		unlink(o->tmp);
		return KS_EIO;
	}
	return 0;
}

static int output_close(struct output *o, bool ok)
{
	int err = 0;

	if (o->direct) {
		if (fflush(o->fp) || ferror(o->fp) || fclose(o->fp)) {
			ks_log_error("cannot write the report to '%s': %s",
				     o->final, strerror(errno));
			return KS_EIO;
		}
		return 0;
	}
	if (!o->tmp) {
		if (fflush(stdout) || ferror(stdout)) {
			ks_log_error("cannot write the report to standard output: %s",
				     strerror(errno));
			return KS_EIO;
		}
		return 0;
	}
	if (fflush(o->fp) || ferror(o->fp) || fsync(fileno(o->fp)))
		ok = false, err = KS_EIO;
	if (fclose(o->fp))
		ok = false, err = KS_EIO;
	if (ok && rename(o->tmp, o->final)) {
		ks_log_error("cannot rename '%s' to '%s': %s", o->tmp,
			     o->final, strerror(errno));
		err = KS_EIO;
		ok = false;
	}
	if (!ok) {
		if (!err)
			err = KS_EIO;
		ks_log_error("cannot write the report to '%s': %s", o->final,
			     strerror(errno));
		unlink(o->tmp);
	}
	free(o->tmp);
	return err;
}

struct stream {
	FILE *fp;
	const struct ks_report_opts *ropts;
};

/* The config's exclude, for the walker and the pipeline (any thread). */
struct exclude_ctx {
	const struct ks_config *cfg;
	const struct ks_supp_ctx *supp;
};

static bool excluded(const char *path, bool is_dir, void *payload)
{
	const struct exclude_ctx *x = payload;

	return ks_config_excluded(x->cfg, ks_supp_path(x->supp, path), is_dir);
}

/* Finds and loads the config: --config FILE, else .keysnare.yml in dir
 * (the scan root or the work tree; NULL: none). Returns 0 or
 * KS_EXIT_USAGE after printing the diagnostics. */
static int load_config(struct ks_config *cfg, const struct scan_args *a,
		       const char *dir)
{
	struct ks_buf path = KS_BUF_INIT;
	int rc;
	size_t i;

	if (a->no_config)
		return 0;
	if (a->config) {
		ks_buf_adds(&path, a->config);
	} else {
		if (!dir)
			return 0;
		ks_buf_adds(&path, dir);
		if (path.len && path.ptr[path.len - 1] != '/')
			ks_buf_addch(&path, '/');
		ks_buf_adds(&path, ".keysnare.yml");
	}
	rc = ks_config_load(cfg, path.ptr);
	if (rc == KS_ENOTFOUND && !a->config) {
		ks_buf_release(&path);
		return 0;
	}
	if (rc == KS_ENOTFOUND)
		ks_log_error("cannot read the config '%s': %s", path.ptr,
			     strerror(ENOENT));
	for (i = 0; i < cfg->diag_nr; i++)
		fprintf(stderr, "keysnare: error: %s\n", cfg->diag[i]);
	if (!rc)
		ks_log_verbose("config: %s", path.ptr);
	ks_buf_release(&path);
	return rc ? KS_EXIT_USAGE : 0;
}

/* The config's rules: extra ones, rule files, overrides; rule ids it
 * names must exist. */
static int apply_config_rules(struct ks_ruleset *set, const struct ks_config *cfg)
{
	size_t i;
	int bad = 0;

	if (cfg->extra_rules &&
	    ks_ruleset_load_node(set, cfg->extra_rules, cfg->file))
		bad = 1;
	for (i = 0; i < cfg->rule_file_nr; i++)
		if (ks_ruleset_load_file(set, cfg->rule_file[i]))
			bad = 1;
	for (i = 0; i < set->diag_nr; i++)
		fprintf(stderr, "keysnare: error: %s\n", set->diag[i]);
	for (i = 0; i < cfg->disable_nr; i++)
		if (!ks_ruleset_find(set, cfg->disable[i])) {
			const struct ks_yaml_node *r = ks_yaml_get(cfg->root, "rules");
			const struct ks_yaml_node *d = r ? ks_yaml_get(r, "disable") : NULL;
			size_t line = 0, col = 0, k;

			for (k = 0; d && d->type == KS_YAML_SEQ && k < d->item_nr; k++)
				if (d->item[k]->type == KS_YAML_SCALAR &&
				    !strcmp(d->item[k]->str, cfg->disable[i])) {
					line = d->item[k]->line;
					col = d->item[k]->col;
					break;
				}
			fprintf(stderr, "keysnare: error: %s:%zu:%zu: 'rules.disable': no rule '%s'\n",
				cfg->file, line, col, cfg->disable[i]);
			bad = 1;
		}
	for (i = 0; i < cfg->ov_nr; i++) {
		const struct ks_rule_override *ov = &cfg->ov[i];
		struct ks_rule *r = ks_ruleset_find(set, ov->id);

		if (!r) {
			fprintf(stderr, "keysnare: error: %s:%zu:%zu: rules: no rule '%s'\n",
				cfg->file, ov->line, ov->col, ov->id);
			bad = 1;
			continue;
		}
		if (ov->has_min_entropy)
			r->min_entropy = ov->min_entropy;
		if (ov->has_severity)
			r->severity = ov->severity;
	}
	return bad ? KS_EXIT_USAGE : 0;
}

/* Adds f to a baseline under its path relative to the scan root; an
 * absolute path (a file named on the command line) counts from the
 * current directory. */
static int baseline_add(struct ks_baseline *nb, const struct ks_supp_ctx *supp,
			const struct ks_finding *f, const char *key)
{
	const char *p = ks_supp_path(supp, f->path);
	int rc;

	if (*p == '/')
		return ks_error_set(KS_EINVALID,
				    "outside the current directory (baselines hold relative paths); scan from a directory above it");
	rc = ks_baseline_add(nb, p, f->rule->id, key);
	return rc;
}

struct stream_supp {
	struct stream s;
	const struct ks_supp_ctx *supp;
	struct ks_stats *st;
	bool show;
};

static int stream_jsonl_supp(const struct ks_findings *fs, size_t from,
			     void *payload)
{
	struct stream_supp *ss = payload;
	size_t i;
	int err = 0;

	ks_suppress(ss->supp, (struct ks_findings *)fs, from, ss->st);
	for (i = from; i < fs->nr && !err; i++) {
		struct ks_findings one = { &fs->f[i], 1, 1 };

		if (ss->show || !fs->f[i].suppressed)
			err = ks_report_jsonl(ss->s.fp, &one, 0, ss->s.ropts);
	}
	return err;
}

/* --only-verified: keeps the findings verified live (or live but
 * restricted). One left out because its answer was unknown makes the
 * scan incomplete: it may be live. */
static void only_verified(struct ks_findings *fs, struct ks_stats *st)
{
	size_t unknown;

	st->only_verified_hidden = ks_verify_keep_live(fs, &unknown);
	if (unknown) {
		warning("%zu finding%s could not be verified (unknown) and %s not reported by --only-verified: the scan is incomplete",
			unknown, unknown == 1 ? "" : "s",
			unknown == 1 ? "is" : "are");
		st->incomplete = true;
	}
}

static int run(int argc, char **argv, enum mode mode)
{
	bool history = mode == MODE_HISTORY, staged = mode == MODE_STAGED;
	struct scan_args a = { .format = KS_FORMAT_TEXT, .color = -1,
			       .src = KS_SOURCE_OPTS_INIT,
			       .hist = KS_HISTORY_OPTS_INIT,
			       .vopts = KS_VERIFY_OPTS_INIT };
	struct ks_verify_stats vst;
	bool stream_jsonl;
	struct ks_history *hist = NULL;
	struct ks_staged *stg = NULL;
	struct ks_job_source jobs;
	const char *cmd = history ? "history" : staged ? "staged" : "scan";

	a.cmd = cmd;
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_prefilter *pf = NULL;
	struct ks_source *src = NULL;
	struct ks_findings fs = KS_FINDINGS_INIT;
	struct ks_stats st = { 0 };
	struct ks_report_opts ropts = { false, false, NULL, false };
	struct output out = { NULL, NULL, NULL, false };
	struct ks_pipeline_opts popts = { 0 };
	struct stream_supp stream;
	struct ks_config cfg = KS_CONFIG_INIT;
	struct ks_baseline bl = KS_BASELINE_INIT;
	struct ks_supp_ctx supp = { NULL, NULL, true, "", NULL };
	char cwd[4096];
	struct exclude_ctx xc = { NULL, NULL };
	struct ks_buf base = KS_BUF_INIT;
	struct stat rootst;
	size_t reported;
	char *dot[] = { (char *)"." };
	char **paths;
	size_t path_nr;
	double t0 = now();
	int first, ret = KS_EXIT_USAGE, werr = 0;

	if (history)
		first = ks_cli_parse(argc, argv, cmd, history_opts,
				     KS_ARRAY_SIZE(history_opts), handle, &a);
	else if (staged)
		first = ks_cli_parse(argc, argv, cmd, staged_opts,
				     KS_ARRAY_SIZE(staged_opts), handle, &a);
	else
		first = ks_cli_parse(argc, argv, cmd, scan_opts,
				     KS_ARRAY_SIZE(scan_opts), handle, &a);
	if (first < 0)
		goto done;
	if (a.help) {
		if (history)
			cmd_history_help(stdout);
		else if (staged)
			cmd_staged_help(stdout);
		else
			cmd_scan_help(stdout);
		ret = 0;
		goto done;
	}
	ks_log_set_level(a.quiet ? KS_LOG_QUIET : a.verbose);
	/* found keys are in memory from here on: no core dumps */
	ks_secure_process();
	memset(&vst, 0, sizeof(vst));
	/* --verify collects everything before it reports: no streaming */
	stream_jsonl = a.format == KS_FORMAT_JSONL && mode == MODE_SCAN &&
		       !a.verify;
	if (staged && first < argc) {
		ret = ks_usage_error(cmd, "takes no arguments ('%s'); use --repo DIR",
				     argv[first]);
		goto done;
	}
	paths = first < argc ? argv + first : dot;
	path_nr = first < argc ? (size_t)(argc - first) : 1;

	if (output_open(&out, a.output)) {
		ret = KS_EXIT_USAGE;
		goto done;
	}
	ropts.no_redact = a.no_redact;
	ropts.sarif_category = a.sarif_category;
	ropts.color = a.color == 1 ||
		      (a.color == -1 && !a.output && isatty(STDOUT_FILENO) &&
		       !getenv("NO_COLOR") &&
		       !(getenv("TERM") && !strcmp(getenv("TERM"), "dumb")));
	ks_die_set_code(KS_EXIT_INCOMPLETE);

	if (history) {
		a.hist.no_redact = a.no_redact;
		a.hist.revs = first < argc ? argv + first : NULL;
		a.hist.rev_nr = first < argc ? (size_t)(argc - first) : 0;
		if (a.hist.progress < 0)
			a.hist.progress = isatty(STDERR_FILENO) && !a.quiet;
		if (ks_history_open(&hist, &a.hist, &st)) {
			ks_log_error("%s", ks_error_last());
			ret = KS_EXIT_USAGE;
			output_close(&out, false);
			goto done;
		}
		jobs = ks_history_jobs(hist);
	} else if (staged) {
		int rc = ks_staged_open(&stg, a.hist.repo, &st);

		if (rc) {
			ks_log_error("%s", ks_error_last());
			output_close(&out, false);
			if (rc == KS_EINVALID) {
				ret = KS_EXIT_USAGE;
			} else {
				ks_log_error("the staged changes could not be scanned: commit blocked (fail closed)");
				ret = KS_EXIT_INCOMPLETE;
			}
			goto done;
		}
		jobs = ks_staged_jobs(stg);
		/* a hook's change is a few files: no idle threads */
		if (!a.threads)
			a.threads = ks_default_threads();
		if (a.threads > ks_staged_content_changes(stg))
			a.threads = ks_staged_content_changes(stg)
					    ? (unsigned)ks_staged_content_changes(stg)
					    : 1;
	}
	/* the config: --config FILE, or .keysnare.yml at the scan root or
	 * the work tree's top */
	{
		const char *cdir = NULL;

		if (history)
			cdir = ks_history_workdir(hist);
		else if (staged)
			cdir = ks_staged_workdir(stg);
		else if (path_nr == 1 && strcmp(paths[0], "-") &&
			 !stat(paths[0], &rootst) && S_ISDIR(rootst.st_mode))
			cdir = paths[0];
		else
			cdir = ".";
		if ((ret = load_config(&cfg, &a, cdir))) {
			output_close(&out, false);
			goto done;
		}
		if (cfg.file && cfg.verify_line)
			warning("%s:%zu:%zu: 'verify' is ignored: verification endpoints, hosts and headers are compiled into keysnare and never come from a config file",
				cfg.file, cfg.verify_line, cfg.verify_col);
		if (mode == MODE_SCAN && path_nr == 1 && cdir == paths[0] &&
		    strcmp(paths[0], ".")) {
			ks_buf_adds(&base, paths[0]);
			while (base.len > 1 && base.ptr[base.len - 1] == '/')
				ks_buf_setlen(&base, base.len - 1);
			ks_buf_addch(&base, '/');
		}
		supp.cfg = cfg.file ? &cfg : NULL;
		supp.cwd = getcwd(cwd, sizeof(cwd));
		supp.base = base.ptr ? base.ptr : "";
		supp.inline_allow = !a.no_inline_allow;
		if (cfg.file) {
			if (!a.max_size_set && cfg.has_max_file_size)
				a.src.max_file_size = cfg.max_file_size;
			if (!a.scan_binary_set && cfg.has_scan_binary)
				a.src.scan_binary = cfg.scan_binary;
			if (cfg.exclude_nr) {
				xc.cfg = &cfg;
				xc.supp = &supp;
				a.src.excluded = excluded;
				a.src.exclude_payload = &xc;
			}
		}
	}
	if (a.prune_baseline && !a.baseline) {
		ret = ks_usage_error(cmd, "--prune-baseline needs --baseline FILE");
		output_close(&out, false);
		goto done;
	}
	/* --baseline FILE, else the config's baseline (so that the hook,
	 * which passes no options, honours it) */
	if (!a.baseline && cfg.file && cfg.baseline)
		a.baseline = cfg.baseline;
	if (a.baseline) {
		int rc = ks_baseline_load(&bl, a.baseline);

		/* --write-baseline may create it; one the config names but
		 * that does not exist yet hides nothing: say so, go on */
		if (rc == KS_ENOTFOUND &&
		    (a.write_baseline || a.baseline == cfg.baseline)) {
			if (!a.write_baseline)
				warning("the baseline '%s' named in %s does not exist yet",
					a.baseline, cfg.file);
			rc = 0;
		}
		if (rc) {
			ks_log_error("%s", ks_error_last());
			ret = KS_EXIT_USAGE;
			output_close(&out, false);
			goto done;
		}
		supp.bl = &bl;
		st.baseline = true;
	}
	set.lazy_defaults = true;
	ret = ks_load_rules(&set, a.rules, a.rules_nr, true);
	if (!ret && cfg.file)
		ret = apply_config_rules(&set, &cfg);
	if (!ret)
		ret = select_rules(&set, &a, cmd);
	if (ret) {
		output_close(&out, false);
		goto done;
	}
	if (ks_prefilter_new(&pf, &set)) {
		ks_log_error("%s", ks_error_last());
		ret = KS_EXIT_USAGE;
		output_close(&out, false);
		goto done;
	}
	ks_log_debug("%zu rules loaded and compiled in %.1f ms", set.rule_nr,
		     (now() - t0) * 1000);
	if (mode == MODE_SCAN) {
		ks_source_fs_new(&src, paths, path_nr, &a.src, &st);
		jobs = ks_source_jobs(src);
	}
	popts.threads = a.threads;
	popts.no_redact = a.no_redact;
	popts.src = &a.src;
	if (stream_jsonl) {
		stream.s.fp = out.fp;
		stream.s.ropts = &ropts;
		stream.supp = &supp;
		stream.st = &st;
		stream.show = a.show_suppressed;
		popts.on_findings = stream_jsonl_supp;
		popts.payload = &stream;
	}
	werr = ks_pipeline_run(&jobs, &set, pf, &popts, &fs, &st);
	if (history && ks_history_attribute(hist, &fs, &st))
		ks_stats_error(&st, a.hist.repo ? a.hist.repo : ".", "%s",
			       ks_error_last());
	if (staged) {
		size_t want = ks_staged_content_changes(stg), done_nr;

		ks_staged_filter(stg, &fs, &st);
		/* every staged file ends scanned, skipped or as an error;
		 * anything else would be a silent pass */
		done_nr = st.files_scanned + st.skip_nr + st.err_nr;
		if (done_nr < want)
			ks_stats_error(&st, ".",
				       "%zu staged files were not accounted for",
				       want - done_nr);
		/* the hook is silent when clean: a file too big to scan must
		 * still be said (-v lists binaries and gitlinks too) */
		for (size_t i = 0; i < st.skip_nr && !a.verbose; i++)
			if (st.skip[i].reason == KS_SKIP_SIZE) {
				struct ks_buf p = KS_BUF_INIT;

				ks_term_escape(&p, st.skip[i].path,
					       strlen(st.skip[i].path));
				warning("'%s' is over --max-file-size and was not scanned",
					p.ptr);
				ks_buf_release(&p);
			}
	}
	/* suppression (scan's JSONL stream did it as it went) */
	if (!stream_jsonl)
		ks_suppress(&supp, &fs, 0, &st);
	if (a.baseline) {
		st.baseline_unused = ks_baseline_unused(&bl);
		for (size_t i = 0; i < bl.nr && a.verbose; i++)
			if (!bl.e[i].used) {
				struct ks_buf p = KS_BUF_INIT, r = KS_BUF_INIT;

				ks_term_escape(&p, bl.e[i].path,
					       strlen(bl.e[i].path));
				ks_term_escape(&r, bl.e[i].rule,
					       strlen(bl.e[i].rule));
				ks_log_verbose("%s: baseline entry %s %s %.12s matches nothing",
					       a.baseline, p.ptr, r.ptr,
					       bl.e[i].secret_sha256);
				ks_buf_release(&p);
				ks_buf_release(&r);
			}
		if (a.prune_baseline) {
			if (st.incomplete)
				warning("the scan is incomplete: %s not pruned",
					a.baseline);
			else if (ks_baseline_write(&bl, a.baseline, true)) {
				ks_log_error("%s", ks_error_last());
				st.incomplete = true;
			} else if (!a.quiet)
				fprintf(stderr, "keysnare: %s: %zu unused entr%s dropped\n",
					a.baseline, st.baseline_unused,
					st.baseline_unused == 1 ? "y" : "ies");
		}
	}
	if (a.write_baseline) {
		struct ks_baseline nb = KS_BASELINE_INIT;
		bool unreadable = false;

		/* every entry of the baseline read (pruning is explicit:
		 * --prune-baseline; a hook's scan sees a few files only),
		 * plus what is reported now */
		for (size_t i = 0; i < bl.nr; i++)
			if (bl.e[i].used || !a.prune_baseline)
				ks_baseline_add(&nb, bl.e[i].path, bl.e[i].rule,
						bl.e[i].secret_sha256);
		if (!a.baseline || strcmp(a.baseline, a.write_baseline)) {
			/* nor does it drop what the file already holds */
			struct ks_baseline old = KS_BASELINE_INIT;
			int rc = ks_baseline_load(&old, a.write_baseline);

			if (rc && rc != KS_ENOTFOUND) {
				ks_log_error("%s; not overwritten", ks_error_last());
				st.incomplete = true;
				unreadable = true;
			}
			for (size_t i = 0; i < old.nr; i++)
				ks_baseline_add(&nb, old.e[i].path, old.e[i].rule,
						old.e[i].secret_sha256);
			ks_baseline_release(&old);
		}
		for (size_t i = 0; i < fs.nr; i++) {
			const struct ks_finding *f = &fs.f[i];
			char key[65];

			if (f->suppressed && f->suppressed != KS_SUPP_BASELINE)
				continue;
			ks_baseline_key(f->secret, f->secret_len, key);
			if (baseline_add(&nb, &supp, f, key)) {
				struct ks_buf p = KS_BUF_INIT;

				ks_term_escape(&p, f->path, strlen(f->path));
				ks_log_error("'%s' cannot go into a baseline: %s",
					     p.ptr, ks_error_last());
				ks_buf_release(&p);
				st.incomplete = true;
			}
		}
		if (unreadable) {
			;
		} else if (ks_baseline_write(&nb, a.write_baseline, false)) {
			ks_log_error("%s", ks_error_last());
			st.incomplete = true;
		} else if (!a.quiet) {
			fprintf(stderr, "keysnare: wrote %zu entr%s to the baseline %s\n",
				nb.nr, nb.nr == 1 ? "y" : "ies", a.write_baseline);
		}
		ks_baseline_release(&nb);
	}
	ks_suppress_compact(&fs, a.show_suppressed);
	if (a.verify && !a.write_baseline) {
		if (ks_verify_findings(&fs, &a.vopts, &vst)) {
			ks_log_error("%s", ks_error_last());
			ret = KS_EXIT_USAGE;
			output_close(&out, false);
			goto done;
		}
		st.verify = &vst;
		if (a.only_verified && !a.vopts.dry_run)
			only_verified(&fs, &st);
	}
	reported = ks_findings_reported(&fs);
	ks_findings_sort(&fs);
	ks_stats_sort(&st);
	st.findings = reported;
	if (a.format == KS_FORMAT_JSONL && !stream_jsonl && !werr)
		werr = ks_report_jsonl(out.fp, &fs, 0, &ropts);
	if (a.format == KS_FORMAT_TEXT && staged) {
		if (reported && !a.write_baseline) {
			ropts.color = a.color == 1 ||
				      (a.color == -1 && isatty(STDERR_FILENO) &&
				       !getenv("NO_COLOR"));
			werr = ks_report_blocked(stderr, &fs, &ropts);
		}
		if (a.output && !werr)
			werr = ks_report_text(out.fp, &fs, &ropts);
	} else if (a.format == KS_FORMAT_TEXT)
		werr = ks_report_text(out.fp, &fs, &ropts);
	else if (a.format == KS_FORMAT_JSON)
		werr = ks_report_json(out.fp, &fs, &st, &ropts);
	else if (a.format == KS_FORMAT_SARIF)
		werr = ks_report_sarif(out.fp, &fs, &st, &ropts);
	else if (a.format == KS_FORMAT_GITLAB)
		werr = ks_report_gitlab(out.fp, &fs, &st, &ropts);
	else if (a.format == KS_FORMAT_GITHUB)
		werr = ks_report_github(out.fp, &fs, &ropts);
	else if (a.format == KS_FORMAT_JUNIT)
		werr = ks_report_junit(out.fp, &fs, &st, &ropts);
	if (ropts.truncated)
		st.incomplete = true;
	if (output_close(&out, !werr) || werr)
		st.incomplete = true;
	if (!a.quiet && (!staged || a.verbose))
		ks_report_summary(stderr, &st, now() - t0);
	if (staged && !reported && st.incomplete)
		ks_log_error("the staged changes could not be fully scanned: commit blocked (fail closed); fix the errors above, or bypass once with git commit --no-verify");
	/* a report cut to fit (SARIF limits) is incomplete even with
	 * findings in it: 2, so CI does not take the cut report as final */
	ret = ropts.truncated			      ? KS_EXIT_INCOMPLETE
	      : reported && !a.write_baseline ? KS_EXIT_FINDINGS
	      : st.incomplete		      ? KS_EXIT_INCOMPLETE
					      : KS_EXIT_CLEAN;
done:
	ks_history_free(hist);
	ks_staged_free(stg);
	ks_source_free(src);
	ks_prefilter_free(pf);
	ks_findings_release(&fs);
	ks_stats_release(&st);
	ks_ruleset_release(&set);
	ks_config_release(&cfg);
	ks_baseline_release(&bl);
	ks_buf_release(&base);
	free(a.rules);
	free(a.enable);
	free(a.disable);
	return ret;
}

int cmd_scan(int argc, char **argv)
{
	return run(argc, argv, MODE_SCAN);
}

int cmd_history(int argc, char **argv)
{
	return run(argc, argv, MODE_HISTORY);
}

int cmd_staged(int argc, char **argv)
{
	return run(argc, argv, MODE_STAGED);
}
