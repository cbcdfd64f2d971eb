/* rules.h - detection rules: YAML in, validated, compiled once, then shared
 * read-only by every scanner thread.
 *
 * A ks_ruleset owns its rules. Loading appends the valid rules of a file and
 * records one "file:line:col: rule-id: message" diagnostic per problem; a
 * rule with a problem is not added.
 */
#ifndef KS_RULES_H
#define KS_RULES_H

#include "compat.h"
#include "buf.h"
#ifndef PCRE2_CODE_UNIT_WIDTH
#	define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#define KS_RULE_MAX_PATTERN 4096

struct ks_yaml_node;

enum ks_severity {
	KS_SEV_LOW,
	KS_SEV_MEDIUM,
	KS_SEV_HIGH,
	KS_SEV_CRITICAL,
};

struct ks_example {
	char *input;  /* template; {{secret}} stands for the secret */
	char *secret; /* template of the expected secret */
	size_t line;  /* position in the rule file */
};

struct ks_rule {
	char *id, *name, *description, *pattern, *remediation, *verify;
	char *provider;	     /* who issues it ("DeepSeek"), or NULL */
	char *family;	     /* its file's family ("AI/LLM"), or NULL */
	char *source;	     /* file the rule came from */
	size_t line, col;    /* position of the rule in it */
	enum ks_severity severity;
	char **keyword;      /* lowercase literals, unless case-sensitive */
	size_t keyword_nr;
	char **context;	     /* lowercase literals */
	size_t context_nr;
	char **tag;
	size_t tag_nr;
	bool generic;
	bool starts_with_keyword; /* every match begins with a keyword */
	bool keywords_case_sensitive; /* keywords kept as written */
	uint32_t secret_group;
	double min_entropy;
	struct ks_example *example;
	size_t example_nr;
	struct ks_example *negative; /* secret is NULL */
	size_t negative_nr;

	pcre2_code *re;
	bool jit;	/* JIT code exists: use pcre2_jit_match() */
	uint32_t capture_nr;
	size_t window;	/* bytes after a keyword hit a match may reach */
	bool enabled;
	bool builtin;	/* embedded in the binary (only these are verified) */
	bool lazy;	/* compiled on first use (ks_rule_prepare) */
	int ready;	/* lazy: compiled (atomic) */
	size_t index;	/* position in the ruleset */
};

struct ks_ruleset {
	struct ks_rule **rule;
	size_t rule_nr, rule_alloc;
	char **diag;	/* diagnostics from loading */
	size_t diag_nr, diag_alloc;
	/* set before ks_ruleset_load_defaults(): the embedded rules (checked
	 * whole by `rules check` and the tests) are compiled only when a
	 * scan first needs them; rule files are always checked at load */
	bool lazy_defaults;
};

/* clang-format off */
#define KS_RULESET_INIT { NULL, 0, 0, NULL, 0, 0, false }
/* clang-format on */

/* Parses, validates and compiles the rules in data; appends valid ones.
 * Returns 0, or KS_EINVALID when any diagnostic was recorded. */
int ks_ruleset_load(struct ks_ruleset *set, const char *data, size_t len,
		    const char *name);
int ks_ruleset_load_file(struct ks_ruleset *set, const char *path);
/* Like ks_ruleset_load() for an already parsed sequence of rule mappings
 * (a rule file's 'rules', the config's 'extra_rules'); diagnostics carry
 * the nodes' positions under name. rules_seq is borrowed. */
int ks_ruleset_load_node(struct ks_ruleset *set,
			 const struct ks_yaml_node *rules_seq, const char *name);
/* The rules embedded at build time (rules/NAME.yml). */
int ks_ruleset_load_defaults(struct ks_ruleset *set);
void ks_ruleset_release(struct ks_ruleset *set);
struct ks_rule *ks_ruleset_find(const struct ks_ruleset *set, const char *id);
size_t ks_ruleset_max_captures(const struct ks_ruleset *set);
/* Compiles a lazy rule's pattern (thread-safe, once); 0, or KS_EREGEX
 * with the message set when it does not compile (r->re stays NULL). */
int ks_rule_prepare(struct ks_rule *r);
/* Match data this large holds every lazy rule's groups. */
#define KS_LAZY_CAPTURES 64

/* Upper estimate of how far a match of pattern can extend: the literal
 * bytes plus the maximum of every counted quantifier, times 4, at least
 * 1 KiB; KS_RULE_MAX_WINDOW when a quantifier is unbounded (*, +, {n,}). */
#define KS_RULE_MIN_WINDOW 1024
#define KS_RULE_MAX_WINDOW (64 * 1024)
size_t ks_pattern_window(const char *pattern);

/* Whether id is a valid rule id: [a-z0-9][a-z0-9-]*, at most 64 bytes. */
bool ks_rule_id_valid(const char *id);

const char *ks_severity_name(enum ks_severity s);
int ks_severity_parse(enum ks_severity *out, const char *s);

/* Expands {{class:N}} generators (see rules/README.md) in tmpl into out,
 * drawing from *rng; {{secret}} becomes secret (if not NULL). */
void ks_template_expand(struct ks_buf *out, const char *tmpl,
			const char *secret, uint64_t *rng);
uint64_t ks_template_seed(const char *rule_id, size_t index);

/* The embedded rule files (generated). */
struct ks_embedded_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};
extern const struct ks_embedded_file ks_default_rule_files[];
extern const size_t ks_default_rule_files_nr;
/* The same files without examples and negative_examples (what a scan
 * needs), in the same order. */
extern const struct ks_embedded_file ks_scan_rule_files[];

#endif
