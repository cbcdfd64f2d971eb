/* config.h - .keysnare.yml: load, validate, and answer allowlist questions.
 *
 * ks_config_load() reads the file, checks every key against the schema
 * (README.md, "Configuration") and records one "FILE:LINE:COL: message"
 * diagnostic per problem in c->diag, naming the key ('allowlist.paths');
 * all problems are reported, not just the first. Unknown keys and wrong
 * types are errors; an empty file is an empty configuration. A plain empty
 * value ("exclude:" with nothing after it, "~", "null") of a list or
 * mapping key means "empty".
 *
 * Ownership: a ks_config owns every string, compiled regex and node it
 * holds; ks_config_release() frees them (also after a failed load, which
 * may leave a partly filled config). After loading, a config is read-only
 * and may be shared by threads: ks_allowlist_match() allocates its own
 * match data per call.
 */
#ifndef KS_CONFIG_H
#define KS_CONFIG_H

#include "compat.h"
#include "rules.h" /* enum ks_severity, pcre2_code */

#define KS_CONFIG_NAME ".keysnare.yml"
#define KS_CONFIG_MAX_SIZE (1u << 20) /* larger files are rejected */

struct ks_yaml_node;
struct ks_glob;

/* Strings are NUL-free. Path globs match paths relative to the config's
 * directory ("src/a.env", no leading "./"); regexes are PCRE2, 8-bit, UTF
 * off, JIT-compiled when possible and run with KS_MATCH_LIMIT (a limit hit
 * is no match: a bad entry never widens the allowlist). */
struct ks_allowlist {
	char **path; size_t path_nr, path_alloc;          /* glob patterns */
	char **regex_src; pcre2_code **regex; size_t regex_nr, regex_alloc;
	char **stopword; size_t stopword_nr, stopword_alloc; /* lowercased */
	char **commit; size_t commit_nr, commit_alloc;       /* lowercase hex */
	struct ks_glob **path_glob; /* [path_nr]: path[i] compiled */
	pcre2_match_context *mctx; /* limits; NULL when there is no regex */
};

/* rules: <id>: { min_entropy, severity, allowlist } */
struct ks_rule_override {
	char *id;
	bool has_min_entropy; double min_entropy;
	bool has_severity; enum ks_severity severity;
	struct ks_allowlist allow;
	size_t line, col;                                 /* for "no rule X" errors later */
};

struct ks_config {
	char *file;              /* path it was loaded from, NULL: none */
	char *dir;               /* its directory (base for relative paths and globs) */
	struct ks_allowlist allow;
	char **disable; size_t disable_nr, disable_alloc;
	struct ks_rule_override *ov; size_t ov_nr, ov_alloc;
	struct ks_yaml_node *extra_rules;   /* the sequence node, owned (or NULL): a node of root */
	char **rule_file; size_t rule_file_nr, rule_file_alloc;  /* resolved against dir */
	bool has_max_file_size; size_t max_file_size;
	bool has_scan_binary; bool scan_binary;
	char **exclude; size_t exclude_nr, exclude_alloc;
	char *baseline;          /* baseline: FILE, resolved against dir (NULL: none) */
	struct ks_glob **exclude_glob; /* [exclude_nr]: exclude[i] compiled */
	struct ks_yaml_node *root;          /* kept for extra_rules positions */
	/* a 'verify' key: never obeyed (endpoints, hosts and headers are
	 * compiled in); its position, for the warning (0: none) */
	size_t verify_line, verify_col;
	/* diagnostics, each "FILE:LINE:COL: message" */
	char **diag; size_t diag_nr, diag_alloc;
};

/* clang-format off */
#define KS_CONFIG_INIT { 0 }
/* clang-format on */

/*
 * Loads and validates file into c (which must be KS_CONFIG_INIT or
 * released). Returns 0; KS_ENOTFOUND when file does not exist (c stays
 * empty, no diagnostic); KS_EINVALID with every diagnostic in c->diag
 * (ks_error_last() holds the first). Only regular files up to
 * KS_CONFIG_MAX_SIZE are read (never blocks on a FIFO). The rules in
 * extra_rules are validated (through a scratch ruleset) but not kept
 * compiled: load them with ks_ruleset_load_node(set, c->extra_rules,
 * c->file). rule_files entries must name existing regular files.
 */
int ks_config_load(struct ks_config *c, const char *file);
/* The same for text already in memory; file names it and gives dir. */
int ks_config_load_buf(struct ks_config *c, const char *data, size_t len,
		       const char *file);
void ks_config_release(struct ks_config *c);

/* The override for rule id, or NULL. */
const struct ks_rule_override *ks_config_override(const struct ks_config *c,
						  const char *id);
/* Whether rule id is listed in rules.disable. */
bool ks_config_disabled(const struct ks_config *c, const char *id);
/* Whether path (relative to c->dir, as for ks_allowlist_match()) matches
 * an exclude pattern; is_dir: path names a directory (a walk can then skip
 * it whole). */
bool ks_config_excluded(const struct ks_config *c, const char *path,
			bool is_dir);

enum ks_allow {
	KS_ALLOW_NONE,
	KS_ALLOW_PATH,
	KS_ALLOW_REGEX,
	KS_ALLOW_STOPWORD,
	KS_ALLOW_COMMIT,
};

/*
 * Whether a finding is allowlisted by a: secret (secret_len bytes, may
 * hold NUL; NULL: only path and commit are checked) at path (relative to
 * the config's directory, a leading "./" ignored; may be NULL) in commit
 * commit_hex (hex, any case; NULL outside history). Returns the first
 * mechanism that matches, checked in the order path, commit, stopword,
 * regex (cheapest first), or KS_ALLOW_NONE. A commit entry matches a
 * commit it is a prefix of.
 */
enum ks_allow ks_allowlist_match(const struct ks_allowlist *a,
				 const char *path, const char *secret,
				 size_t secret_len, const char *commit_hex);
const char *ks_allow_name(enum ks_allow a);

#endif
