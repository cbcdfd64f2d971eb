/* cmd_rules.c - `keysnare rules list|show|check`. */
#include "compat.h"
#include <strings.h>
#include <stdarg.h>
#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "error.h"
#include "filter.h"
#include "finding.h"
#include "log.h"
#include "prefilter.h"
#include "rules.h"
#include "verify.h"
#include "scan.h"
#include "xalloc.h"

enum { OPT_HELP = 'h', OPT_RULES = 256 };

static const struct ks_opt rules_opts[] = {
	{ "rules", 0, OPT_RULES, "FILE", "also load the rules in FILE (list, show)" },
	{ "help", 'h', OPT_HELP, NULL, "show this help" },
};

void cmd_rules_help(FILE *out)
{
	ks_cli_help(out,
		    "keysnare rules list | show ID | check [FILE...] | table",
		    "list: every rule (id, severity, name, keywords).\n"
		    "table: the built-in rules as README's Markdown table (family, provider,\n"
		    "  rule ids, live verification).\n"
		    "show ID: one rule in full, with its examples.\n"
		    "check [FILE...]: validate rule files (default: the embedded rules): schema,\n"
		    "  PCRE2 compile and JIT, no empty match, every example extracts its secret,\n"
		    "  no negative example is reported.",
		    rules_opts, KS_ARRAY_SIZE(rules_opts));
}

struct rules_args {
	char **files;
	size_t files_nr, files_alloc;
	bool help;
};

static int handle(int id, const char *arg, void *payload)
{
	struct rules_args *a = payload;

	if (id == OPT_HELP) {
		a->help = true;
		return 0;
	}
	if (id == OPT_RULES) {
		ALLOC_GROW(a->files, a->files_nr + 1, a->files_alloc);
		a->files[a->files_nr++] = (char *)arg;
		return 0;
	}
	return ks_usage_error("rules", "unhandled option");
}

static void print_list(FILE *out, const char *label, char **v, size_t nr)
{
	size_t i;

	fprintf(out, "%s: [", label);
	for (i = 0; i < nr; i++)
		fprintf(out, "%s%s", i ? ", " : "", v[i]);
	fputs("]\n", out);
}

static int rules_list(const struct ks_ruleset *set)
{
	size_t i, j;

	for (i = 0; i < set->rule_nr; i++) {
		const struct ks_rule *r = set->rule[i];

		printf("%-34s %-8s %-40s ", r->id, ks_severity_name(r->severity),
		       r->name);
		for (j = 0; j < r->keyword_nr; j++)
			printf("%s%s", j ? "," : "", r->keyword[j]);
		putchar('\n');
	}
	printf("%zu rules\n", set->rule_nr);
	return 0;
}

/* The README's "What it detects": one row per family and provider. */
static const char *const family_order[] = {
	"AI/LLM", "Cloud and infrastructure", "Code and packages",
	"Messaging and SaaS", "Structural",
};

static size_t family_rank(const char *f)
{
	size_t i;

	for (i = 0; f && i < KS_ARRAY_SIZE(family_order); i++)
		if (!strcmp(f, family_order[i]))
			return i;
	return KS_ARRAY_SIZE(family_order);
}

static int table_cmp(const void *a, const void *b)
{
	const struct ks_rule *x = *(const struct ks_rule *const *)a;
	const struct ks_rule *y = *(const struct ks_rule *const *)b;
	size_t fx = family_rank(x->family), fy = family_rank(y->family);
	int c;

	if (fx != fy)
		return fx < fy ? -1 : 1;
	c = strcasecmp(x->provider ? x->provider : "",
		       y->provider ? y->provider : "");
	return c ? c : strcmp(x->id, y->id);
}

static int rules_table(const struct ks_ruleset *set)
{
	const struct ks_rule **r = xcalloc(set->rule_nr + 1, sizeof(*r));
	size_t i, j, k, n = 0, rows = 0;

	for (i = 0; i < set->rule_nr; i++)
		if (set->rule[i]->builtin)
			r[n++] = set->rule[i];
	qsort(r, n, sizeof(*r), table_cmp);
	puts("| family | provider | rules | live verification (`--verify`) |");
	puts("|---|---|---|---|");
	for (i = 0; i < n; i = j) {
		size_t ver = 0;

		for (j = i; j < n && family_rank(r[j]->family) ==
					     family_rank(r[i]->family) &&
			    !strcasecmp(r[j]->provider ? r[j]->provider : "",
					r[i]->provider ? r[i]->provider : "");
		     j++)
			ver += ks_provider_for_rule(r[j]->id) != NULL;
		printf("| %s | %s | ", r[i]->family ? r[i]->family : "",
		       r[i]->provider ? r[i]->provider : "");
		for (k = i; k < j; k++)
			printf("%s`%s`", k > i ? ", " : "", r[k]->id);
		if (!ver) {
			puts(" | no |");
		} else if (ver == j - i) {
			puts(" | yes |");
		} else {
			fputs(" | ", stdout);
			for (k = i, ver = 0; k < j; k++)
				if (ks_provider_for_rule(r[k]->id))
					printf("%s`%s`", ver++ ? ", " : "",
					       r[k]->id);
			puts(" |");
		}
		rows++;
	}
	printf("\n%zu rules, %zu providers.\n", n, rows);
	free(r);
	return 0;
}

static int rules_show(const struct ks_ruleset *set, const char *id)
{
	const struct ks_rule *r = ks_ruleset_find(set, id);
	size_t i;

	if (!r) {
		ks_log_error("no rule '%s' (see 'keysnare rules list')", id);
		return KS_EXIT_USAGE;
	}
	printf("id: %s\nname: %s\n", r->id, r->name);
	if (r->description)
		printf("description: %s\n", r->description);
	printf("source: %s:%zu\n", r->source, r->line);
	printf("severity: %s\n", ks_severity_name(r->severity));
	printf("pattern: %s\n", r->pattern);
	print_list(stdout, "keywords", r->keyword, r->keyword_nr);
	if (r->context_nr)
		print_list(stdout, "context", r->context, r->context_nr);
	if (r->generic)
		puts("generic: true");
	printf("secret_group: %u\nmin_entropy: %.2f\n", r->secret_group,
	       r->min_entropy);
	print_list(stdout, "tags", r->tag, r->tag_nr);
	printf("remediation: %s\n", r->remediation);
	{
		const struct ks_provider *p = r->builtin
			? ks_provider_for_rule(r->id) : NULL;

		if (p)
			printf("verify: %s (--verify: %s https://%s%s)\n", p->id,
			       p->method, p->host, p->path);
		else if (r->verify)
			printf("verify: %s (ignored: only built-in rules are verified)\n",
			       r->verify);
		else
			puts("verify: no");
	}
	puts("examples:");
	for (i = 0; i < r->example_nr; i++)
		printf("  - input: %s\n    secret: %s\n", r->example[i].input,
		       r->example[i].secret);
	puts("negative_examples:");
	for (i = 0; i < r->negative_nr; i++)
		printf("  - %s\n", r->negative[i].input);
	printf("jit: %s\n", r->jit ? "yes" : "no");
	return 0;
}

static void check_fail(int *failed, const struct ks_rule *r, size_t line,
		       const char *fmt, ...) KS_PRINTF(4, 5);

static void check_fail(int *failed, const struct ks_rule *r, size_t line,
		       const char *fmt, ...)
{
	struct ks_buf b = KS_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ks_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	fprintf(stderr, "keysnare: error: %s:%zu: %s: %s\n", r->source, line,
		r->id, b.ptr);
	ks_buf_release(&b);
	(*failed)++;
}

/* Finds keyword k of rule r in hay, with the rule's case rule. */
static const unsigned char *kw_find(const struct ks_rule *r, size_t k,
				    const unsigned char *hay, size_t len)
{
	size_t kl = strlen(r->keyword[k]);

	if (r->keywords_case_sensitive)
		return memmem(hay, len, r->keyword[k], kl);
	return ks_memcasemem(hay, len, r->keyword[k], kl);
}

/* Whether s begins with one of the rule's keywords. */
static bool keyword_at(const struct ks_rule *r, const unsigned char *s,
		       size_t len)
{
	size_t i;

	for (i = 0; i < r->keyword_nr; i++) {
		size_t kl = strlen(r->keyword[i]);

		if (kl <= len && kw_find(r, i, s, kl))
			return true;
	}
	return false;
}

/* Whether a keyword lies where the prefilter looks for this match: starting
 * at most KS_LOOKBACK bytes after the match start, or ending at most
 * KS_LOOKAHEAD_START bytes before it (see scan.h). */
static bool keyword_near(const struct ks_rule *r, const unsigned char *in,
			 size_t len, size_t ms)
{
	size_t i;

	for (i = 0; i < r->keyword_nr; i++) {
		size_t kl = strlen(r->keyword[i]);
		size_t from = ms > KS_LOOKAHEAD_START + kl
				      ? ms - KS_LOOKAHEAD_START - kl
				      : 0;
		size_t to = KS_MIN(len, ms + KS_LOOKBACK + kl);

		if (kw_find(r, i, in + from, to - from))
			return true;
	}
	return false;
}

/* ReDoS smoke test (RELIABILITY A3): each keyword followed by a long run of
 * characters a pattern's classes tend to accept must not hit a PCRE2 limit. */
static int check_near_miss(struct ks_scanner *sc, const struct ks_rule *r)
{
	static const char *const fill[] = { "a", "A", "0", "a1", "=", " ", "-" };
	int failed = 0;
	size_t i, k;

	for (i = 0; i < r->keyword_nr; i++) {
		for (k = 0; k < KS_ARRAY_SIZE(fill); k++) {
			struct ks_buf in = KS_BUF_INIT;
			const struct ks_match *m;
			size_t m_nr;

			ks_buf_adds(&in, r->keyword[i]);
			ks_buf_adds(&in, "=\"");
			while (in.len < 64 * 1024)
				ks_buf_adds(&in, fill[k]);
			if (ks_scan_buffer(sc, (unsigned char *)in.ptr, in.len,
					   &m, &m_nr))
				check_fail(&failed, r, r->line,
					   "near-miss input (keyword '%s' + 64 KiB of '%s') %s",
					   r->keyword[i], fill[k], ks_error_last());
			ks_buf_release(&in);
		}
	}
	return failed;
}

/* Whether the rule's pattern alone (no prefilter, whole input) extracts
 * the expected secret: tells a pattern that does not match from a keyword
 * that the prefilter cannot see from the match. */
static bool pattern_finds(const struct ks_rule *r, const struct ks_buf *in,
			  const struct ks_buf *secret)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->re,
								    NULL);
	PCRE2_SIZE start = 0;
	bool found = false;

	while (md && !found && start <= in->len) {
		const PCRE2_SIZE *ov;

		/* no match context: the callout in front does nothing */
		if (pcre2_match(r->re, (PCRE2_SPTR)in->ptr, in->len, start,
				PCRE2_NOTEMPTY, md, NULL) < 0)
			break;
		ov = pcre2_get_ovector_pointer(md);
		found = ov[2 * r->secret_group + 1] -
				ov[2 * r->secret_group] == secret->len &&
			!memcmp(in->ptr + ov[2 * r->secret_group], secret->ptr,
				secret->len);
		start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	pcre2_match_data_free(md);
	return found;
}

/* Runs one rule's examples and negatives through the whole ruleset. */
static int check_rule(struct ks_scanner *sc, const struct ks_rule *r)
{
	int failed = 0;
	size_t i, j;

	/* the README's table of what keysnare detects is made from these */
	if (r->builtin && !r->provider)
		check_fail(&failed, r, r->line,
			   "a built-in rule needs 'provider' (who issues the credential)");
	if (r->builtin && !r->family)
		check_fail(&failed, r, r->line,
			   "a built-in rule file needs a top-level 'family'");

	for (i = 0; i < r->example_nr; i++) {
		const struct ks_example *ex = &r->example[i];
		struct ks_buf secret = KS_BUF_INIT, input = KS_BUF_INIT;
		struct ks_buf red = KS_BUF_INIT;
		uint64_t rng = ks_template_seed(r->id, i);
		const struct ks_match *m;
		size_t m_nr, kept = 0, ok = 0;
		const struct ks_match *dropped = NULL, *other = NULL;

		ks_template_expand(&secret, ex->secret, NULL, &rng);
		ks_template_expand(&input, ex->input, secret.ptr, &rng);
		ks_redact(&red, (unsigned char *)secret.ptr, secret.len);
		if (ks_scan_buffer(sc, (unsigned char *)input.ptr, input.len,
				   &m, &m_nr))
			check_fail(&failed, r, ex->line, "example %zu: %s",
				   i + 1, ks_error_last());
		for (j = 0; j < m_nr; j++) {
			if (m[j].rule != r) {
				if (!m[j].drop)
					other = &m[j];
				continue;
			}
			if (m[j].drop) {
				dropped = &m[j];
				continue;
			}
			kept++;
			if (m[j].secret_end - m[j].secret_start == secret.len &&
			    !memcmp(input.ptr + m[j].secret_start, secret.ptr,
				    secret.len)) {
				ok++;
				if (r->starts_with_keyword &&
				    !keyword_at(r, (unsigned char *)input.ptr +
							   m[j].start,
						input.len - m[j].start))
					check_fail(&failed, r, ex->line,
						   "example %zu: starts_with_keyword, but the match does not begin with a keyword",
						   i + 1);
				if (!keyword_near(r, (unsigned char *)input.ptr,
						  input.len, m[j].start))
					check_fail(&failed, r, ex->line,
						   "example %zu: no keyword within %d bytes before the match start or %d after it (the prefilter would miss it)",
						   i + 1, KS_LOOKAHEAD_START,
						   KS_LOOKBACK);
			}
		}
		if (ok != 1 || kept != 1) {
			if (!kept && dropped && dropped->drop == KS_DROP_ENTROPY)
				check_fail(&failed, r, ex->line,
					   "example %zu: secret %s dropped: entropy %.2f < min_entropy %.2f",
					   i + 1, red.ptr, dropped->entropy,
					   r->min_entropy);
			else if (!kept && dropped)
				check_fail(&failed, r, ex->line,
					   "example %zu: secret %s dropped: %s%s%s%s",
					   i + 1, red.ptr,
					   ks_drop_name(dropped->drop),
					   dropped->drop_detail ? " (" : "",
					   dropped->drop_detail ? dropped->drop_detail : "",
					   dropped->drop_detail ? ")" : "");
			else if (!kept && other)
				check_fail(&failed, r, ex->line,
					   "example %zu: reported by rule '%s' instead",
					   i + 1, other->rule->id);
			else if (!kept && r->starts_with_keyword &&
				 pattern_finds(r, &input, &secret))
				check_fail(&failed, r, ex->line,
					   "example %zu: the pattern matches, but the match does not begin with a keyword, as starts_with_keyword claims (the prefilter would miss it)",
					   i + 1);
			else if (!kept && pattern_finds(r, &input, &secret))
				check_fail(&failed, r, ex->line,
					   "example %zu: the pattern matches, but no keyword lies within %d bytes before the match start or %d after it, so the prefilter would miss it",
					   i + 1, KS_LOOKAHEAD_START, KS_LOOKBACK);
			else
				check_fail(&failed, r, ex->line,
					   "example %zu: expected exactly one finding with secret %s (length %zu), got %zu finding(s), %zu with that secret",
					   i + 1, red.ptr, secret.len, kept, ok);
		}
		ks_buf_release(&secret);
		ks_buf_release(&input);
		ks_buf_release(&red);
	}
	failed += check_near_miss(sc, r);
	for (i = 0; i < r->negative_nr; i++) {
		const struct ks_example *ex = &r->negative[i];
		struct ks_buf input = KS_BUF_INIT;
		uint64_t rng = ks_template_seed(r->id, 1000 + i);
		const struct ks_match *m;
		size_t m_nr;

		ks_template_expand(&input, ex->input, NULL, &rng);
		if (ks_scan_buffer(sc, (unsigned char *)input.ptr, input.len,
				   &m, &m_nr))
			check_fail(&failed, r, ex->line,
				   "negative example %zu: %s", i + 1,
				   ks_error_last());
		for (j = 0; j < m_nr; j++)
			if (m[j].rule == r && !m[j].drop)
				check_fail(&failed, r, ex->line,
					   "negative example %zu is reported",
					   i + 1);
		ks_buf_release(&input);
	}
	return failed;
}

static int rules_check(struct ks_ruleset *set, bool had_diag)
{
	struct ks_prefilter *pf = NULL;
	struct ks_scanner *sc = NULL;
	size_t i, bad_rules = 0;

	if (ks_prefilter_new(&pf, set) || ks_scanner_new(&sc, set, pf)) {
		ks_log_error("%s", ks_error_last());
		return KS_EXIT_USAGE;
	}
	for (i = 0; i < set->rule_nr; i++)
		if (check_rule(sc, set->rule[i]))
			bad_rules++;
	ks_scanner_free(sc);
	ks_prefilter_free(pf);
	if (had_diag || bad_rules) {
		fprintf(stderr,
			"keysnare: rules check failed: %zu of %zu loaded rules failed their examples%s\n",
			bad_rules, set->rule_nr,
			had_diag ? "; some rules did not load (see above)" : "");
		return KS_EXIT_USAGE;
	}
	printf("keysnare: %zu rules ok (schema, PCRE2 compile, examples, negative examples)\n",
	       set->rule_nr);
	return 0;
}

int cmd_rules(int argc, char **argv)
{
	struct rules_args a = { 0 };
	struct ks_ruleset set = KS_RULESET_INIT;
	const char *sub;
	int first, ret = KS_EXIT_USAGE, loaded;

	first = ks_cli_parse(argc, argv, "rules", rules_opts,
			     KS_ARRAY_SIZE(rules_opts), handle, &a);
	if (first < 0)
		goto done;
	if (a.help) {
		cmd_rules_help(stdout);
		ret = 0;
		goto done;
	}
	if (first >= argc) {
		ret = ks_usage_error("rules", "which subcommand: list, show ID, check or table?");
		goto done;
	}
	sub = argv[first];
	if (!strcmp(sub, "check")) {
		bool files = first + 1 < argc;

		loaded = ks_load_rules(&set, files ? argv + first + 1 : a.files,
				       files ? (size_t)(argc - first - 1)
					     : a.files_nr,
				       !files);
		ret = rules_check(&set, loaded != 0);
		goto done;
	}
	if ((ret = ks_load_rules(&set, a.files, a.files_nr, true)))
		goto done;
	if (!strcmp(sub, "list") && first + 1 == argc)
		ret = rules_list(&set);
	else if (!strcmp(sub, "show") && first + 2 == argc)
		ret = rules_show(&set, argv[first + 1]);
	else if (!strcmp(sub, "table") && first + 1 == argc)
		ret = rules_table(&set);
	else
		ret = ks_usage_error("rules", "unknown or incomplete subcommand '%s'",
				     sub);
done:
	ks_ruleset_release(&set);
	free(a.files);
	return ret;
}
