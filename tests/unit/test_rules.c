/* test_rules.c - unit tests for rule loading, validation, compilation and
 * example templates (rules.h). */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <zlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buf.h"
#include "error.h"
#include "rules.h"
#include "unit.h"

/* The fields of a valid rule, in file order; a test overrides some. */
static const char *const base_fields[][2] = {
	{ "id", "test-rule" },
	{ "name", "Test rule" },
	{ "pattern", "'\\b(tk_[A-Za-z0-9]{32})\\b'" },
	{ "keywords", "[tk_]" },
	{ "secret_group", "1" },
	{ "min_entropy", "3.0" },
	{ "severity", "high" },
	{ "remediation", "Rotate it." },
	{ "examples", "\n"
		      "      - input: 'KEY={{secret}}'\n"
		      "        secret: 'tk_{{alnum:32}}'\n"
		      "      - input: 'key: \"{{secret}}\"'\n"
		      "        secret: 'tk_{{alnum:32}}'" },
	{ "negative_examples",
	  "\n"
	  "      - 'KEY=tk_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n"
	  "      - 'KEY=${TK}'" },
};

/* Appends one rule: base fields, with ov (NULL-terminated pairs of field
 * and value; a NULL value drops the field, an unknown field is added). */
static void add_rule(struct ks_buf *out, const char *const *ov)
{
	size_t i, j;
	bool first = true;

	for (i = 0; i < KS_ARRAY_SIZE(base_fields); i++) {
		const char *v = base_fields[i][1];
		bool dropped = false;

		for (j = 0; ov && ov[j]; j += 2)
			if (!strcmp(ov[j], base_fields[i][0])) {
				v = ov[j + 1];
				dropped = !v;
			}
		if (dropped)
			continue;
		ks_buf_addf(out, "%s%s: %s\n", first ? "  - " : "    ",
			    base_fields[i][0], v);
		first = false;
	}
	for (j = 0; ov && ov[j]; j += 2) {
		bool known = false;

		for (i = 0; i < KS_ARRAY_SIZE(base_fields); i++)
			known |= !strcmp(ov[j], base_fields[i][0]);
		if (!known && ov[j + 1])
			ks_buf_addf(out, "%s%s: %s\n", first ? "  - " : "    ",
				    ov[j], ov[j + 1]);
		first = false;
	}
}

static int load(struct ks_ruleset *set, const char *const *ov, const char *name,
		struct ks_buf *text)
{
	ks_buf_reset(text);
	ks_buf_adds(text, "rules:\n");
	add_rule(text, ov);
	return ks_ruleset_load(set, text->ptr, text->len, name);
}

/* 1-based line and column of the first occurrence of what in text. */
static void pos_of(const char *text, const char *what, size_t *line,
		   size_t *col)
{
	const char *p = strstr(text, what), *q;

	assert_non_null(p);
	*line = 1;
	*col = 1;
	for (q = text; q < p; q++) {
		(*col)++;
		if (*q == '\n') {
			(*line)++;
			*col = 1;
		}
	}
}

/* nr diagnostics (0: at least one); the first starts "t.yml:LINE:COL: "
 * (the position of at in the text), then "id: " when id is set, and
 * contains what. */
static void expect_diag_n(const struct ks_ruleset *set, const char *text,
			  const char *at, const char *id, const char *what,
			  size_t nr)
{
	char prefix[160];
	size_t line, col, i;
	const char *d;

	if (nr ? set->diag_nr != nr : !set->diag_nr) {
		for (i = 0; i < set->diag_nr; i++)
			print_message("diag: %s\n", set->diag[i]);
		fail_msg("%zu diagnostics, want %zu", set->diag_nr, nr);
	}
	d = set->diag[0];
	pos_of(text, at, &line, &col);
	if (id)
		snprintf(prefix, sizeof(prefix), "t.yml:%zu:%zu: %s: ", line,
			 col, id);
	else
		snprintf(prefix, sizeof(prefix), "t.yml:%zu:%zu: ", line, col);
	if (strncmp(d, prefix, strlen(prefix)) || !strstr(d, what))
		fail_msg("diagnostic '%s', want '%s...%s'", d, prefix, what);
}

static void expect_diag(const struct ks_ruleset *set, const char *text,
			const char *at, const char *id, const char *what)
{
	expect_diag_n(set, text, at, id, what, 1);
}

/* Loads a rule with one override that must give exactly one diagnostic
 * at the text at (NULL: the rule itself, "- id" + 2) and no rule. */
static void bad_rule_n(const char *field, const char *value, const char *at,
		       const char *what, size_t nr)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf text = KS_BUF_INIT;
	const char *ov[] = { field, value, NULL };

	assert_int_equal(load(&set, ov, "t.yml", &text), KS_EINVALID);
	assert_int_equal(set.rule_nr, 0);
	expect_diag_n(&set, text.ptr, at ? at : "id: test-rule", "test-rule",
		      what, nr);
	ks_ruleset_release(&set);
	ks_buf_release(&text);
}

static void bad_rule(const char *field, const char *value, const char *at,
		     const char *what)
{
	bad_rule_n(field, value, at, what, 1);
}

static void test_valid_rule(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf text = KS_BUF_INIT;
	const struct ks_rule *r;
	uint32_t jit_available = 0;

	(void)state;
	assert_int_equal(load(&set, NULL, "t.yml", &text), 0);
	assert_int_equal(set.diag_nr, 0);
	assert_int_equal(set.rule_nr, 1);
	r = set.rule[0];
	assert_string_equal(r->id, "test-rule");
	assert_string_equal(r->name, "Test rule");
	assert_string_equal(r->source, "t.yml");
	assert_int_equal(r->line, 2);
	assert_int_equal(r->col, 5);
	assert_int_equal(r->severity, KS_SEV_HIGH);
	assert_int_equal(r->keyword_nr, 1);
	assert_string_equal(r->keyword[0], "tk_");
	assert_int_equal(r->secret_group, 1);
	assert_float_equal(r->min_entropy, 3.0, 1e-12);
	assert_int_equal(r->capture_nr, 1);
	assert_int_equal(r->example_nr, 2);
	assert_string_equal(r->example[0].input, "KEY={{secret}}");
	assert_string_equal(r->example[0].secret, "tk_{{alnum:32}}");
	assert_int_equal(r->negative_nr, 2);
	assert_null(r->negative[0].secret);
	assert_false(r->generic);
	assert_true(r->enabled);
	assert_int_equal(r->index, 0);
	assert_non_null(r->re);
	pcre2_config(PCRE2_CONFIG_JIT, &jit_available);
	assert_int_equal(r->jit, jit_available != 0);
	assert_ptr_equal(ks_ruleset_find(&set, "test-rule"), r);
	assert_null(ks_ruleset_find(&set, "other"));
	assert_int_equal(ks_ruleset_max_captures(&set), 1);
	ks_ruleset_release(&set);
	assert_int_equal(set.rule_nr, 0);
	assert_null(set.rule);
	ks_buf_release(&text);
}

static void test_optional_fields(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf text = KS_BUF_INIT;
	const char *ov[] = { "keywords",    "[TK_, Token]",
			     "context",	    "[DeepSeek, Api.Example]",
			     "generic",	    "true",
			     "tags",	    "[llm, Cloud]",
			     "description", "A test.",
			     "verify",	    "test",
			     "pattern",	    "'(tk_[A-Za-z0-9]{32})(z)?'",
			     "severity",    "critical",
			     NULL };
	const struct ks_rule *r;

	(void)state;
	assert_int_equal(load(&set, ov, "t.yml", &text), 0);
	r = set.rule[0];
	/* keywords and context are folded to lowercase, tags are not */
	assert_string_equal(r->keyword[0], "tk_");
	assert_string_equal(r->keyword[1], "token");
	assert_string_equal(r->context[0], "deepseek");
	assert_string_equal(r->context[1], "api.example");
	assert_string_equal(r->tag[1], "Cloud");
	assert_true(r->generic);
	assert_string_equal(r->description, "A test.");
	assert_string_equal(r->verify, "test");
	assert_int_equal(r->severity, KS_SEV_CRITICAL);
	assert_int_equal(r->capture_nr, 2);
	assert_int_equal(ks_ruleset_max_captures(&set), 2);
	ks_ruleset_release(&set);
	ks_buf_release(&text);
}

/* (*NO_JIT) leaves no JIT code: the flag must say so. */
static void test_no_jit_flag(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf text = KS_BUF_INIT;
	const char *ov[] = { "pattern", "'(*NO_JIT)\\b(tk_[A-Za-z0-9]{32})\\b'",
			     NULL };

	(void)state;
	assert_int_equal(load(&set, ov, "t.yml", &text), 0);
	assert_non_null(set.rule[0]->re);
	assert_false(set.rule[0]->jit);
	ks_ruleset_release(&set);
	ks_buf_release(&text);
}

static void test_unknown_field(void **state)
{
	(void)state;
	bad_rule("colour", "red", "colour:", "unknown field 'colour'");
}

static void test_missing_fields(void **state)
{
	(void)state;
	bad_rule("pattern", NULL, NULL, "missing required field 'pattern'");
	bad_rule("name", NULL, NULL, "missing required field 'name'");
	bad_rule("keywords", NULL, NULL, "missing required field 'keywords'");
	bad_rule("severity", NULL, NULL, "missing required field 'severity'");
	bad_rule("remediation", NULL, NULL,
		 "missing required field 'remediation'");
}

static void test_missing_id(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf text = KS_BUF_INIT;
	const char *ov[] = { "id", NULL, NULL };

	(void)state;
	assert_int_equal(load(&set, ov, "t.yml", &text), KS_EINVALID);
	expect_diag(&set, text.ptr, "name:", NULL,
		    "missing required field 'id'");
	ks_ruleset_release(&set);
	ks_buf_release(&text);
}

static void test_bad_id(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf text = KS_BUF_INIT;
	const char *ov[] = { "id", "Bad_Id", NULL };

	(void)state;
	assert_int_equal(load(&set, ov, "t.yml", &text), KS_EINVALID);
	expect_diag(&set, text.ptr, "Bad_Id", "Bad_Id", "kebab-case");
	ks_ruleset_release(&set);
	ks_buf_release(&text);
}

static void test_bad_regex(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf text = KS_BUF_INIT;
	const char *ov[] = { "pattern", "'(tk_[a-z]+'", "secret_group", NULL,
			     NULL };

	(void)state;
	assert_int_equal(load(&set, ov, "t.yml", &text), KS_EINVALID);
	expect_diag(&set, text.ptr, "'(tk_", "test-rule",
		    "bad pattern at offset 10");
	assert_non_null(strstr(set.diag[0], "parenthesis"));
	ks_ruleset_release(&set);
	ks_buf_release(&text);
	bad_rule("pattern", "'tk_[z-a]'", "'tk_", "bad pattern at offset 6");
}

static void test_empty_match(void **state)
{
	(void)state;
	bad_rule("pattern", "'(a*)'", "'(a*)'", "can match the empty string");
	bad_rule("pattern", "'(tk_)?'", "'(tk_)?'", "empty string");
}

static void test_secret_group_range(void **state)
{
	(void)state;
	bad_rule("secret_group", "2", "'\\b(tk",
		 "secret_group 2 does not exist (pattern has 1 groups)");
	bad_rule("secret_group", "-1", "-1", "secret_group must be");
	bad_rule("secret_group", "1x", "1x", "secret_group must be");
	/* a non-scalar value: the type first (a range message may follow) */
	bad_rule_n("secret_group", "[1]", "[1]", "must be a string", 0);
}

static void test_bad_severity(void **state)
{
	(void)state;
	bad_rule(
		"severity", "urgent", "urgent",
		"severity must be critical, high, medium or low, not 'urgent'");
}

static void test_bad_min_entropy(void **state)
{
	(void)state;
	bad_rule("min_entropy", "nine", "nine", "min_entropy must be");
	bad_rule("min_entropy", "8.5", "8.5", "min_entropy must be");
	bad_rule("min_entropy", "-1", "-1", "min_entropy must be");
	bad_rule("min_entropy", ".nan", ".nan", "min_entropy must be");
	bad_rule("min_entropy", "nan", "nan", "min_entropy must be");
	bad_rule("min_entropy", "inf", "inf", "min_entropy must be");
}

static void test_few_examples(void **state)
{
	(void)state;
	bad_rule("examples",
		 "\n      - input: 'KEY={{secret}}'\n"
		 "        secret: 'tk_{{alnum:32}}'",
		 "- input: 'KEY", "at least 2 examples");
	bad_rule("examples", NULL, NULL, "at least 2 examples");
	bad_rule("negative_examples", "['KEY=${TK}']", "['KEY=${TK}']",
		 "at least 2 negative_examples");
	/* the first bad example first */
	bad_rule_n("examples", "['a', 'b']", "'a'", "must be a mapping", 0);
}

static void test_bad_keywords(void **state)
{
	(void)state;
	/* the short literal first */
	bad_rule_n("keywords", "[t]", "t]", "must be 2 to 64 bytes", 0);
	bad_rule("keywords", "[]", "[]", "at least one literal");
	bad_rule_n("keywords", "tk_", "tk_\n", "must be a list", 0);
	bad_rule("generic", "yes", "yes", "'generic' must be true or false");
}

static void test_pattern_nul_and_length(void **state)
{
	struct ks_buf big = KS_BUF_INIT;

	(void)state;
	bad_rule("pattern", "\"tk_\\0x\"", "\"tk_", "NUL");
	ks_buf_adds(&big, "'(tk_");
	while (big.len < KS_RULE_MAX_PATTERN + 10)
		ks_buf_adds(&big, "[a-z]");
	ks_buf_adds(&big, ")'");
	bad_rule("pattern", big.ptr, "'(tk_", "longer than 4096");
	ks_buf_release(&big);
}

/* Several problems in one rule each get a diagnostic. */
static void test_all_problems_reported(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf text = KS_BUF_INIT;
	const char *ov[] = { "severity", "urgent", "colour", "red",
			     "pattern",	 "'(a*)'", NULL };

	(void)state;
	assert_int_equal(load(&set, ov, "t.yml", &text), KS_EINVALID);
	assert_int_equal(set.diag_nr, 3);
	ks_ruleset_release(&set);
	ks_buf_release(&text);
}

/* A bad rule is skipped, good rules around it load; indexes are dense. */
static void test_bad_rule_skipped(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf text = KS_BUF_INIT;
	const char *a[] = { "id", "rule-a", NULL };
	const char *b[] = { "id", "rule-b", "severity", "urgent", NULL };
	const char *c[] = { "id", "rule-c", NULL };

	(void)state;
	ks_buf_adds(&text, "rules:\n");
	add_rule(&text, a);
	add_rule(&text, b);
	add_rule(&text, c);
	assert_int_equal(ks_ruleset_load(&set, text.ptr, text.len, "t.yml"),
			 KS_EINVALID);
	assert_int_equal(set.rule_nr, 2);
	assert_string_equal(set.rule[0]->id, "rule-a");
	assert_string_equal(set.rule[1]->id, "rule-c");
	assert_int_equal(set.rule[1]->index, 1);
	assert_int_equal(set.diag_nr, 1);
	assert_non_null(strstr(set.diag[0], "rule-b: "));
	ks_ruleset_release(&set);
	ks_buf_release(&text);
}

static void test_duplicate_id_across_loads(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf text = KS_BUF_INIT;
	const char *ov[] = { "id", "dup-rule", NULL };

	(void)state;
	assert_int_equal(load(&set, ov, "a.yml", &text), 0);
	assert_int_equal(load(&set, ov, "b.yml", &text), KS_EINVALID);
	assert_int_equal(set.rule_nr, 1);
	assert_string_equal(set.rule[0]->source, "a.yml");
	assert_int_equal(set.diag_nr, 1);
	assert_string_equal(
		set.diag[0],
		"b.yml:2:5: dup-rule: duplicate rule id (first at a.yml:2)");
	ks_ruleset_release(&set);
	ks_buf_release(&text);
}

/* YAML-level problems come through with file:line:col. */
static void test_yaml_errors(void **state)
{
	static const struct {
		const char *text;
		const char *prefix;
		const char *what;
	} cases[] = {
		{ "rules:\n  - id: a\n    id: b\n",
		  "t.yml:3:5: ", "duplicate key 'id'" },
		{ "x: &a 1\nrules: *a\n", "t.yml:2:8: ", "alias" },
		{ "rules: [\n", "t.yml:", "" },
		{ "rules: 1\n", "t.yml:1:8: ", "'rules' must be a list" },
		{ "rulez: []\n",
		  "t.yml:1:1: ", "unknown top-level key 'rulez'" },
		{ "- a\n", "t.yml:1:1: ", "must be a mapping" },
		{ "", "t.yml: ", "must be a mapping" },
		{ "rules:\n  - just a string\n",
		  "t.yml:2:5: ", "a rule must be a mapping" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(cases); i++) {
		struct ks_ruleset set = KS_RULESET_INIT;

		assert_int_equal(ks_ruleset_load(&set, cases[i].text,
						 strlen(cases[i].text),
						 "t.yml"),
				 KS_EINVALID);
		assert_true(set.diag_nr >= 1);
		if (strncmp(set.diag[0], cases[i].prefix,
			    strlen(cases[i].prefix)) ||
		    !strstr(set.diag[0], cases[i].what))
			fail_msg("case %zu: '%s'", i, set.diag[0]);
		assert_int_equal(set.rule_nr, 0);
		ks_ruleset_release(&set);
	}
}

static void test_deep_nesting_rejected(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf text = KS_BUF_INIT;
	double t0 = t_now_ms();

	(void)state;
	ks_buf_adds(&text, "rules: ");
	for (int i = 0; i < 100000; i++)
		ks_buf_addch(&text, '[');
	assert_int_equal(ks_ruleset_load(&set, text.ptr, text.len, "t.yml"),
			 KS_EINVALID);
	assert_true(t_now_ms() - t0 < 10000); /* hang gate */
	assert_non_null(strstr(set.diag[0], "nesting deeper than 64"));
	ks_ruleset_release(&set);
	ks_buf_release(&text);
}

static void test_load_file(void **state)
{
	char dir[] = "/tmp/ks-rules-XXXXXX", path[128];
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf text = KS_BUF_INIT;
	FILE *f;
	double t0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	ks_buf_adds(&text, "rules:\n");
	add_rule(&text, NULL);
	snprintf(path, sizeof(path), "%s/ok.yml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(text.ptr, 1, text.len, f);
	fclose(f);
	assert_int_equal(ks_ruleset_load_file(&set, path), 0);
	assert_int_equal(set.rule_nr, 1);
	assert_string_equal(set.rule[0]->source, path);
	ks_ruleset_release(&set);

	/* missing file, a directory, a FIFO (must not block) */
	snprintf(path, sizeof(path), "%s/missing.yml", dir);
	assert_int_equal(ks_ruleset_load_file(&set, path), KS_EINVALID);
	assert_non_null(strstr(set.diag[0], "missing.yml"));
	assert_non_null(strstr(set.diag[0], "cannot open"));
	ks_ruleset_release(&set);
	assert_int_equal(ks_ruleset_load_file(&set, dir), KS_EINVALID);
	assert_non_null(strstr(set.diag[0], "not a regular file"));
	ks_ruleset_release(&set);
	snprintf(path, sizeof(path), "%s/fifo.yml", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	t0 = t_now_ms();
	assert_int_equal(ks_ruleset_load_file(&set, path), KS_EINVALID);
	assert_true(t_now_ms() - t0 < 10000); /* hang gate */
	assert_non_null(strstr(set.diag[0], "not a regular file"));
	ks_ruleset_release(&set);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ok.yml", dir);
	unlink(path);
	rmdir(dir);
	ks_buf_release(&text);
}

static void test_defaults_load_clean(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	size_t i, j;

	(void)state;
	assert_true(ks_default_rule_files_nr > 0);
	if (ks_ruleset_load_defaults(&set) || set.diag_nr)
		fail_msg("embedded rules: %s",
			 set.diag_nr ? set.diag[0] : "error");
	assert_true(set.rule_nr > 0);
	for (i = 0; i < set.rule_nr; i++) {
		const struct ks_rule *r = set.rule[i];

		assert_int_equal(r->index, i);
		assert_non_null(r->re);
		assert_true(r->keyword_nr > 0);
		assert_true(r->example_nr >= 2);
		assert_true(r->negative_nr >= 2);
		assert_true(r->secret_group <= r->capture_nr);
		/* keywords are lowercase unless the rule keeps their case */
		for (j = 0; j < r->keyword_nr && !r->keywords_case_sensitive;
		     j++) {
			const char *k = r->keyword[j];

			for (; *k; k++)
				assert_false(*k >= 'A' && *k <= 'Z');
		}
	}
	ks_ruleset_release(&set);
}

static void test_severity_names(void **state)
{
	enum ks_severity s = KS_SEV_LOW,
			 all[] = { KS_SEV_LOW, KS_SEV_MEDIUM, KS_SEV_HIGH,
				   KS_SEV_CRITICAL };
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(all); i++) {
		assert_int_equal(
			ks_severity_parse(&s, ks_severity_name(all[i])), 0);
		assert_int_equal(s, all[i]);
	}
	assert_int_equal(ks_severity_parse(&s, "urgent"), KS_EINVALID);
	assert_int_equal(ks_severity_parse(&s, ""), KS_EINVALID);
}

static char *expand(const char *tmpl, const char *secret, uint64_t seed)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_template_expand(&b, tmpl, secret, &seed);
	return ks_buf_detach(&b, NULL);
}

static void test_template_generators(void **state)
{
	static const struct {
		const char *name;
		const char *alphabet;
	} gens[] = {
		{ "hex", "0123456789abcdef" },
		{ "HEX", "0123456789ABCDEF" },
		{ "digit", "0123456789" },
		{ "lower", "abcdefghijklmnopqrstuvwxyz" },
		{ "upper", "ABCDEFGHIJKLMNOPQRSTUVWXYZ" },
		{ "alpha",
		  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" },
		{ "alnum", T_ALNUM },
		{ "lalnum", "abcdefghijklmnopqrstuvwxyz0123456789" },
		{ "ualnum", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" },
		{ "b64", T_ALNUM "+/" },
		{ "b64url", T_ALNUM "_-" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(gens); i++) {
		char tmpl[64], *o;
		size_t n = 1 + t_below(4096), j, seen = 0;
		bool hit[256] = { false };

		snprintf(tmpl, sizeof(tmpl), "<{{%s:%zu}}>", gens[i].name, n);
		o = expand(tmpl, NULL, t_rand());
		assert_int_equal(strlen(o), n + 2);
		assert_int_equal(o[0], '<');
		assert_int_equal(o[n + 1], '>');
		for (j = 1; j <= n; j++) {
			if (!strchr(gens[i].alphabet, o[j]))
				fail_msg("{{%s}}: '%c' outside the alphabet",
					 gens[i].name, o[j]);
			seen += !hit[(unsigned char)o[j]];
			hit[(unsigned char)o[j]] = true;
		}
		free(o);
		/* 4096 draws cover the whole alphabet */
		snprintf(tmpl, sizeof(tmpl), "{{%s:4096}}", gens[i].name);
		o = expand(tmpl, NULL, t_rand());
		memset(hit, 0, sizeof(hit));
		for (j = seen = 0; o[j]; j++) {
			seen += !hit[(unsigned char)o[j]];
			hit[(unsigned char)o[j]] = true;
		}
		assert_int_equal(seen, strlen(gens[i].alphabet));
		free(o);
	}
}

/* {{crc62:N}}: N base62 characters, then their CRC32 (computed here with
 * zlib, independently of rules.c's loop) in 6 base62 digits. */
static void test_template_crc62(void **state)
{
	static const char b62[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		size_t n = 1 + t_below(60), j;
		char tmpl[64], want[7], *o;
		unsigned long c;
		uint64_t v;

		snprintf(tmpl, sizeof(tmpl), "ghp_{{crc62:%zu}}", n);
		o = expand(tmpl, NULL, t_rand());
		assert_int_equal(strlen(o), 4 + n + 6);
		assert_memory_equal(o, "ghp_", 4);
		for (j = 4; o[j]; j++)
			assert_non_null(strchr(b62, o[j]));
		c = crc32(0L, (const unsigned char *)o + 4, (unsigned)n);
		for (j = 6, v = c; j-- > 0; v /= 62)
			want[j] = b62[v % 62];
		want[6] = '\0';
		assert_string_equal(o + 4 + n, want);
		free(o);
	}
	/* a bad count is literal text */
	{
		char *o = expand("{{crc62:0}}", NULL, 1);

		assert_string_equal(o, "{{crc62:0}}");
		free(o);
	}
}

static void test_template_secret_and_literals(void **state)
{
	char *o;

	(void)state;
	o = expand("KEY={{secret}};{{secret}}", "s3cr", 1);
	assert_string_equal(o, "KEY=s3cr;s3cr");
	free(o);
	/* without a secret, {{secret}} stays literal */
	o = expand("KEY={{secret}}", NULL, 1);
	assert_string_equal(o, "KEY={{secret}}");
	free(o);
	static const char *const literal[] = {
		"{{ .Values.apiKey }}",
		"{{hex:0}}",
		"{{hex:4097}}",
		"{{hex:-3}}",
		"{{hex:12",
		"{{nope:5}}",
		"{{hex}}",
		"{{hex:5x}}",
		"{{",
		"{",
		"}}{{",
		"",
	};
	for (size_t i = 0; i < KS_ARRAY_SIZE(literal); i++) {
		o = expand(literal[i], "S", 7);
		assert_string_equal(o, literal[i]);
		free(o);
	}
	o = expand("a{{{hex:3}}}b", NULL, 3);
	assert_int_equal(strlen(o), strlen("a{") + 3 + strlen("}b"));
	free(o);
}

static void test_template_determinism(void **state)
{
	static const char tmpl[] = "sk-{{hex:32}}/{{alnum:20}}";
	uint64_t seed = t_rand(), rng;
	char *a, *b, *c;
	struct ks_buf x = KS_BUF_INIT, y = KS_BUF_INIT;

	(void)state;
	a = expand(tmpl, NULL, seed);
	b = expand(tmpl, NULL, seed);
	c = expand(tmpl, NULL, seed + 1);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	/* the generator state advances: two expansions in a row differ */
	rng = seed;
	ks_template_expand(&x, tmpl, NULL, &rng);
	ks_template_expand(&y, tmpl, NULL, &rng);
	assert_string_not_equal(x.ptr, y.ptr);
	assert_string_equal(x.ptr, a);
	/* seeds per rule id and example index are distinct */
	assert_true(ks_template_seed("rule-a", 0) ==
		    ks_template_seed("rule-a", 0));
	assert_true(ks_template_seed("rule-a", 0) !=
		    ks_template_seed("rule-a", 1));
	assert_true(ks_template_seed("rule-a", 0) !=
		    ks_template_seed("rule-b", 0));
	free(a);
	free(b);
	free(c);
	ks_buf_release(&x);
	ks_buf_release(&y);
}

/* Expansion is linear: a hostile example of 240 KB of '{' (rule files may
 * be 16 MiB) must not rescan the rest of the template at every "{{".
 * Fails while expand_one() calls strstr(s + 2, "}}") per position. */
static void test_template_linear_time(void **state)
{
	size_t n = (size_t)2 << 20;
	char *t = malloc(n + 1);
	struct ks_buf b = KS_BUF_INIT;
	uint64_t rng = 1;
	double t0, ms;

	(void)state;
	memset(t, '{', n);
	t[n] = '\0';
	t0 = t_now_ms();
	ks_template_expand(&b, t, NULL, &rng);
	ms = t_now_ms() - t0;
	assert_int_equal(b.len, n);
	free(t);
	ks_buf_release(&b);
	/* a hang gate (the quadratic version needed 1.6 s for 320 KB, so
	 * minutes for this input); speed itself is bench/'s business */
	if (ms > 10000)
		fail_msg("2 MB of '{' took %.0f ms", ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_rule),
		cmocka_unit_test(test_optional_fields),
		cmocka_unit_test(test_no_jit_flag),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_missing_id),
		cmocka_unit_test(test_bad_id),
		cmocka_unit_test(test_bad_regex),
		cmocka_unit_test(test_empty_match),
		cmocka_unit_test(test_secret_group_range),
		cmocka_unit_test(test_bad_severity),
		cmocka_unit_test(test_bad_min_entropy),
		cmocka_unit_test(test_few_examples),
		cmocka_unit_test(test_bad_keywords),
		cmocka_unit_test(test_pattern_nul_and_length),
		cmocka_unit_test(test_all_problems_reported),
		cmocka_unit_test(test_bad_rule_skipped),
		cmocka_unit_test(test_duplicate_id_across_loads),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_deep_nesting_rejected),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_defaults_load_clean),
		cmocka_unit_test(test_severity_names),
		cmocka_unit_test(test_template_generators),
		cmocka_unit_test(test_template_crc62),
		cmocka_unit_test(test_template_secret_and_literals),
		cmocka_unit_test(test_template_determinism),
		cmocka_unit_test(test_template_linear_time),
	};

	t_seed("test_rules");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
