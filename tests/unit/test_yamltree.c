/* test_yamltree.c - unit tests for the guarded libyaml loader (yamltree.h):
 * tree shape, positions, and the errors libyaml alone would not raise. */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "buf.h"
#include "error.h"
#include "yamltree.h"
#include "unit.h"

static int parse(struct ks_yaml_node **out, const char *text)
{
	return ks_yaml_parse(out, text, strlen(text), "t.yml");
}

/* Parsing must fail with a message starting "t.yml:LINE:COL: " and
 * containing what. */
static void expect_error(const char *text, size_t line, size_t col,
			 const char *what)
{
	struct ks_yaml_node *root = (struct ks_yaml_node *)&root;
	char prefix[64];
	int rc;

	ks_error_clear();
	rc = parse(&root, text);
	assert_int_equal(rc, KS_EINVALID);
	assert_null(root);
	snprintf(prefix, sizeof(prefix), "t.yml:%zu:%zu: ", line, col);
	if (strncmp(ks_error_last(), prefix, strlen(prefix)) ||
	    !strstr(ks_error_last(), what))
		fail_msg("got '%s', want '%s...%s'", ks_error_last(), prefix,
			 what);
}

static void test_tree_shape(void **state)
{
	static const char text[] = "rules:\n"
				   "  - id: one\n"
				   "    keywords: [a, \"b c\"]\n"
				   "    quoted: 'x'\n"
				   "top: 1\n";
	struct ks_yaml_node *root = NULL;
	const struct ks_yaml_node *rules, *r, *kw, *v;

	(void)state;
	assert_int_equal(parse(&root, text), 0);
	assert_non_null(root);
	assert_int_equal(root->type, KS_YAML_MAP);
	assert_int_equal(root->item_nr, 4); /* key, value, key, value */
	rules = ks_yaml_get(root, "rules");
	assert_non_null(rules);
	assert_int_equal(rules->type, KS_YAML_SEQ);
	assert_int_equal(rules->item_nr, 1);
	r = rules->item[0];
	assert_int_equal(r->type, KS_YAML_MAP);
	assert_int_equal(r->line, 2);
	assert_int_equal(r->col, 5);
	v = ks_yaml_get(r, "id");
	assert_string_equal(v->str, "one");
	assert_int_equal(v->len, 3);
	assert_true(v->plain);
	assert_int_equal(v->line, 2);
	assert_int_equal(v->col, 9);
	kw = ks_yaml_get(r, "keywords");
	assert_int_equal(kw->type, KS_YAML_SEQ);
	assert_int_equal(kw->item_nr, 2);
	assert_string_equal(kw->item[1]->str, "b c");
	assert_false(kw->item[1]->plain);
	assert_int_equal(kw->item[1]->line, 3);
	assert_int_equal(kw->item[1]->col, 19);
	assert_false(ks_yaml_get(r, "quoted")->plain);
	assert_string_equal(ks_yaml_get(root, "top")->str, "1");
	assert_null(ks_yaml_get(root, "missing"));
	assert_null(ks_yaml_get(rules, "rules")); /* not a map */
	assert_null(ks_yaml_get(NULL, "rules"));
	ks_yaml_free(root);
}

static void test_empty_and_scalar(void **state)
{
	struct ks_yaml_node *root = (struct ks_yaml_node *)&root;

	(void)state;
	assert_int_equal(parse(&root, ""), 0);
	assert_null(root);
	assert_int_equal(parse(&root, "# only a comment\n"), 0);
	assert_null(root);
	assert_int_equal(parse(&root, "just text"), 0);
	assert_non_null(root);
	assert_int_equal(root->type, KS_YAML_SCALAR);
	assert_string_equal(root->str, "just text");
	ks_yaml_free(root);
	ks_yaml_free(NULL);
}

/* A double-quoted "\0" puts a NUL inside the scalar; len counts it. */
static void test_scalar_with_nul(void **state)
{
	struct ks_yaml_node *root = NULL;

	(void)state;
	assert_int_equal(parse(&root, "k: \"a\\0b\"\n"), 0);
	assert_int_equal(ks_yaml_get(root, "k")->len, 3);
	assert_memory_equal(ks_yaml_get(root, "k")->str, "a\0b", 4);
	ks_yaml_free(root);
}

static void test_duplicate_key(void **state)
{
	(void)state;
	expect_error("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a'");
	expect_error("x:\n  - k: 1\n    j: 2\n    k: 3\n", 4, 5,
		     "duplicate key 'k'");
	expect_error("{a: 1, b: 2, a: 3}", 1, 14, "duplicate key 'a'");
	/* the same text in another mapping is fine */
	{
		struct ks_yaml_node *root = NULL;

		assert_int_equal(parse(&root, "a: {a: 1}\nb: {a: 2}\n"), 0);
		ks_yaml_free(root);
	}
}

static void test_alias_rejected(void **state)
{
	(void)state;
	expect_error("a: &x 1\nb: *x\n", 2, 4, "alias");
	expect_error("base: &b {k: v}\nother:\n  <<: *b\n", 3, 7, "alias");
}

static void test_non_scalar_key(void **state)
{
	(void)state;
	expect_error("? [a, b]\n: 1\n", 1, 3, "key must be a scalar");
	expect_error("{[a]: 1}", 1, 2, "key must be a scalar");
}

static void test_more_than_one_document(void **state)
{
	struct ks_yaml_node *root = (struct ks_yaml_node *)&root;

	(void)state;
	assert_int_equal(parse(&root, "a: 1\n---\nb: 2\n"), KS_EINVALID);
	assert_null(root);
	assert_non_null(strstr(ks_error_last(), "t.yml"));
	assert_non_null(strstr(ks_error_last(), "more than one"));
}

static void test_syntax_error_position(void **state)
{
	(void)state;
	expect_error("a: [1, 2\nb: 3\n", 2, 2, "expected");
	expect_error("a: 'unterminated\n", 2, 1, "");
	expect_error("a:\n\tb: 1\n", 2, 1, "");
}

static void nest(struct ks_buf *b, size_t depth, bool flow)
{
	size_t i;

	ks_buf_reset(b);
	if (flow) {
		for (i = 0; i < depth; i++)
			ks_buf_addch(b, '[');
		for (i = 0; i < depth; i++)
			ks_buf_addch(b, ']');
		return;
	}
	for (i = 0; i < depth; i++) {
		size_t j;

		for (j = 0; j < i; j++)
			ks_buf_adds(b, "  ");
		ks_buf_adds(b, i + 1 < depth ? "k:\n" : "k: v\n");
	}
}

static void test_depth_limit(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	struct ks_yaml_node *root = NULL;

	(void)state;
	/* exactly the limit is fine, one more is an error */
	nest(&b, KS_YAML_MAX_DEPTH, true);
	assert_int_equal(parse(&root, b.ptr), 0);
	ks_yaml_free(root);
	nest(&b, KS_YAML_MAX_DEPTH + 1, true);
	expect_error(b.ptr, 1, KS_YAML_MAX_DEPTH + 1, "nesting deeper than 64");

	nest(&b, KS_YAML_MAX_DEPTH, false);
	assert_int_equal(parse(&root, b.ptr), 0);
	ks_yaml_free(root);
	nest(&b, KS_YAML_MAX_DEPTH + 1, false);
	expect_error(b.ptr, KS_YAML_MAX_DEPTH + 1, 2 * KS_YAML_MAX_DEPTH + 1,
		     "nesting deeper than 64");
	/* mixed: block sequence of flow mappings */
	ks_buf_reset(&b);
	ks_buf_adds(&b, "- ");
	for (int i = 0; i < 70; i++)
		ks_buf_adds(&b, "{a: ");
	expect_error(b.ptr, 1, 3 + 4 * 63, "nesting deeper than 64");
	ks_buf_release(&b);
}

/* libyaml alone needs tens of seconds on 100,000 '[' (RELIABILITY.md
 * §1); the depth guard stops at once. */
static void test_deep_flow_is_fast(void **state)
{
	size_t n = 100000;
	char *s = malloc(n + 1);
	struct ks_yaml_node *root = (struct ks_yaml_node *)&root;
	double t0, ms;

	(void)state;
	memset(s, '[', n);
	s[n] = '\0';
	t0 = t_now_ms();
	assert_int_equal(ks_yaml_parse(&root, s, n, "deep.yml"), KS_EINVALID);
	ms = t_now_ms() - t0;
	assert_null(root);
	assert_non_null(strstr(ks_error_last(), "deep.yml:1:"));
	if (ms > 10000) /* hang gate: libyaml alone needs 36 s */
		fail_msg("100,000 '[' took %.0f ms", ms);
	/* the same with '{' */
	memset(s, '{', n);
	t0 = t_now_ms();
	assert_int_equal(ks_yaml_parse(&root, s, n, "deep.yml"), KS_EINVALID);
	assert_true(t_now_ms() - t0 < 10000); /* hang gate */
	free(s);
}

/* Errors free every open node (checked by LeakSanitizer in ASan runs);
 * random truncations of a valid document must never crash. */
static void test_truncations(void **state)
{
	static const char text[] = "rules:\n"
				   "  - id: a-rule\n"
				   "    keywords: [x1, \"y2\", {k: [1, 2]}]\n"
				   "    block: |-\n"
				   "      line one\n"
				   "      line two\n"
				   "    map: {a: 1, b: [c, d]}\n";
	size_t n;

	(void)state;
	for (n = 0; n <= strlen(text); n++) {
		struct ks_yaml_node *root = NULL;
		int rc = ks_yaml_parse(&root, text, n, "trunc.yml");

		if (rc) {
			assert_int_equal(rc, KS_EINVALID);
			assert_null(root);
			assert_int_equal(
				strncmp(ks_error_last(), "trunc.yml:", 10), 0);
		}
		ks_yaml_free(root);
	}
}

/* Random bytes never crash, and the error names the input. */
static void test_random_garbage(void **state)
{
	static const char pieces[] = "[]{}:,-&*!|>'\"#\n  ab\t?%@`\\\xff\0";
	char s[256];
	int iter;

	(void)state;
	for (iter = 0; iter < 3000; iter++) {
		size_t len = t_below(sizeof(s)), i;
		struct ks_yaml_node *root = NULL;

		for (i = 0; i < len; i++)
			s[i] = pieces[t_below(sizeof(pieces))];
		if (ks_yaml_parse(&root, s, len, "r.yml")) {
			assert_null(root);
			assert_int_equal(strncmp(ks_error_last(), "r.yml", 5),
					 0);
		}
		ks_yaml_free(root);
	}
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(ks_yaml_type_name(KS_YAML_SCALAR), "a scalar");
	assert_string_equal(ks_yaml_type_name(KS_YAML_SEQ), "a list");
	assert_string_equal(ks_yaml_type_name(KS_YAML_MAP), "a mapping");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_shape),
		cmocka_unit_test(test_empty_and_scalar),
		cmocka_unit_test(test_scalar_with_nul),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_alias_rejected),
		cmocka_unit_test(test_non_scalar_key),
		cmocka_unit_test(test_more_than_one_document),
		cmocka_unit_test(test_syntax_error_position),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_deep_flow_is_fast),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_random_garbage),
		cmocka_unit_test(test_type_names),
	};

	t_seed("test_yamltree");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
