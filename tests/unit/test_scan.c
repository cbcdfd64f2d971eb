/* test_scan.c - unit tests for the hot path (scan.h): prefilter keywords,
 * PCRE2 limits, filters and overlap resolution, on rules built here. */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "buf.h"
#include "error.h"
#include "prefilter.h"
#include "rules.h"
#include "scan.h"
#include "unit.h"

struct env {
	struct ks_ruleset set;
	struct ks_prefilter *pf;
	struct ks_scanner *sc;
	const struct ks_match *m;
	size_t m_nr;
};

/* Appends a rule; extra holds more field lines (4-space indented). */
static void rule(struct ks_buf *y, const char *id, const char *pattern,
		 const char *keywords, const char *extra)
{
	ks_buf_addf(y,
		    "  - id: %s\n"
		    "    name: Rule %s\n"
		    "    pattern: '%s'\n"
		    "    keywords: %s\n"
		    "    severity: high\n"
		    "    remediation: Rotate it.\n"
		    "    examples:\n"
		    "      - {input: 'a {{secret}}', secret: 'x'}\n"
		    "      - {input: 'b {{secret}}', secret: 'x'}\n"
		    "    negative_examples: ['no', 'none']\n"
		    "%s",
		    id, id, pattern, keywords, extra ? extra : "");
}

static void env_init(struct env *e, const struct ks_buf *yaml)
{
	size_t i;

	memset(e, 0, sizeof(*e));
	if (ks_ruleset_load(&e->set, yaml->ptr, yaml->len, "test.yml")) {
		for (i = 0; i < e->set.diag_nr; i++)
			print_message("diag: %s\n", e->set.diag[i]);
		fail_msg("rules did not load");
	}
	assert_int_equal(ks_prefilter_new(&e->pf, &e->set), 0);
	assert_int_equal(ks_scanner_new(&e->sc, &e->set, e->pf), 0);
}

static void env_release(struct env *e)
{
	ks_scanner_free(e->sc);
	ks_prefilter_free(e->pf);
	ks_ruleset_release(&e->set);
}

static int scan(struct env *e, const void *data, size_t len)
{
	return ks_scan_buffer(e->sc, data, len, &e->m, &e->m_nr);
}

static size_t kept_nr(const struct env *e)
{
	size_t i, n = 0;

	for (i = 0; i < e->m_nr; i++)
		n += !e->m[i].drop;
	return n;
}

/* The kept match of rule id, or NULL. */
static const struct ks_match *kept_of(const struct env *e, const char *id)
{
	size_t i;

	for (i = 0; i < e->m_nr; i++)
		if (!e->m[i].drop && !strcmp(e->m[i].rule->id, id))
			return &e->m[i];
	return NULL;
}

static const struct ks_match *match_of(const struct env *e, const char *id)
{
	size_t i;

	for (i = 0; i < e->m_nr; i++)
		if (!strcmp(e->m[i].rule->id, id))
			return &e->m[i];
	return NULL;
}

#define TK_PATTERN "\\b(tk_[A-Za-z0-9]{32})\\b"
#define TK_EXTRA   "    secret_group: 1\n    min_entropy: 3.0\n"

static void tk_env(struct env *e)
{
	struct ks_buf y = KS_BUF_INIT;

	ks_buf_adds(&y, "rules:\n");
	rule(&y, "tk-key", TK_PATTERN, "[tk_]", TK_EXTRA);
	env_init(e, &y);
	ks_buf_release(&y);
}

/* tk_ + 32 random alphanumerics with no runs: passes every filter. */
static void tk_key(char out[36])
{
	memcpy(out, "tk_", 3);
	t_rand_norun(out + 3, 32,
		     "BCDFGHJKLMNPQRSTVWZbcdfghjkmnpqrstvwz23456789");
}

static void test_finds_generated_key(void **state)
{
	struct env e;
	struct ks_buf d = KS_BUF_INIT;
	char key[36];
	size_t off;

	(void)state;
	tk_env(&e);
	tk_key(key);
	ks_buf_adds(&d, "config:\n  token = \"");
	off = d.len;
	ks_buf_adds(&d, key);
	ks_buf_adds(&d, "\"\n");
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(e.m_nr, 1);
	assert_int_equal(e.m[0].drop, KS_DROP_NONE);
	assert_ptr_equal(e.m[0].rule, e.set.rule[0]);
	assert_int_equal(e.m[0].secret_start, off);
	assert_int_equal(e.m[0].secret_end, off + 35);
	assert_int_equal(e.m[0].start, off);
	assert_int_equal(e.m[0].end, off + 35);
	assert_true(e.m[0].entropy >= 3.0 && e.m[0].entropy <= 8.0);
	assert_int_equal(e.m[0].context_dist, SIZE_MAX);

	/* an empty buffer, then the same buffer again: scratch is reused */
	assert_int_equal(scan(&e, "", 0), 0);
	assert_int_equal(e.m_nr, 0);
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(kept_nr(&e), 1);
	/* one character short: no match */
	assert_int_equal(scan(&e, d.ptr, off + 34), 0);
	assert_int_equal(e.m_nr, 0);
	ks_buf_release(&d);
	env_release(&e);
}

static void test_three_keys_sorted(void **state)
{
	struct env e;
	struct ks_buf d = KS_BUF_INIT;
	char key[3][36];
	size_t off[3], i;

	(void)state;
	tk_env(&e);
	for (i = 0; i < 3; i++) {
		tk_key(key[i]);
		ks_buf_addf(&d, "line %zu\r\nk%zu=", i, i);
		off[i] = d.len;
		ks_buf_adds(&d, key[i]);
		ks_buf_adds(&d, "\r\n");
	}
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(e.m_nr, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(e.m[i].secret_start, off[i]);
		assert_int_equal(e.m[i].drop, KS_DROP_NONE);
	}
	ks_buf_release(&d);
	env_release(&e);
}

/* A rule whose keyword is absent does not run at all. */
static void test_keyword_gates_rule(void **state)
{
	struct env e;
	struct ks_buf y = KS_BUF_INIT, d = KS_BUF_INIT;
	char val[41];

	(void)state;
	ks_buf_adds(&y, "rules:\n");
	rule(&y, "kw-rule", "\\b([A-Za-z0-9]{40})\\b", "[mysecret]",
	     "    secret_group: 1\n");
	env_init(&e, &y);
	t_rand_norun(val, 40, "BCDFGHJKLMNPQRSTVWZbcdfghjkmnpqrstvwz23456789");
	ks_buf_addf(&d, "value = %s\n", val);
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(e.m_nr, 0);
	/* the keyword anywhere in the blob, in any case, enables it */
	ks_buf_adds(&d, "# MySecret\n");
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(kept_nr(&e), 1);
	/* a keyword cut by the buffer end does not count */
	ks_buf_reset(&d);
	ks_buf_addf(&d, "value = %s\n# mysecre", val);
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(e.m_nr, 0);
	ks_buf_release(&d);
	ks_buf_release(&y);
	env_release(&e);
}

static void test_disabled_rule(void **state)
{
	struct env e;
	char key[36];

	(void)state;
	tk_env(&e);
	tk_key(key);
	e.set.rule[0]->enabled = false;
	ks_prefilter_free(e.pf);
	ks_scanner_free(e.sc);
	assert_int_equal(ks_prefilter_new(&e.pf, &e.set), 0);
	assert_int_equal(ks_scanner_new(&e.sc, &e.set, e.pf), 0);
	assert_int_equal(scan(&e, key, 35), 0);
	assert_int_equal(e.m_nr, 0);
	env_release(&e);
}

static void test_low_entropy_dropped(void **state)
{
	struct env e;
	char s[] = "k=tk_abababababababababababababababab\n";

	(void)state;
	tk_env(&e);
	assert_int_equal(scan(&e, s, strlen(s)), 0);
	assert_int_equal(e.m_nr, 1);
	assert_int_equal(e.m[0].drop, KS_DROP_ENTROPY);
	assert_true(e.m[0].entropy < 3.0);
	env_release(&e);
}

static void test_placeholder_dropped(void **state)
{
	struct env e;
	struct ks_buf d = KS_BUF_INIT;
	char body[26];

	(void)state;
	tk_env(&e);
	t_rand_norun(body, 25, "BCDFGHJKLMNPQRSTVWZ23456789");
	ks_buf_addf(&d, "k=tk_%sExample\n", body);
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(e.m_nr, 1);
	assert_int_equal(e.m[0].drop, KS_DROP_PLACEHOLDER);
	assert_non_null(e.m[0].drop_detail);
	assert_non_null(strstr(e.m[0].drop_detail, "example"));
	ks_buf_reset(&d);
	ks_buf_addf(&d, "k=tk_%.20s123456QQ\n", body);
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(e.m[0].drop, KS_DROP_PLACEHOLDER);
	ks_buf_release(&d);
	env_release(&e);
}

/* Two provider rules and a generic one share a key shape. */
static void ctx_env(struct env *e)
{
	struct ks_buf y = KS_BUF_INIT;

	ks_buf_adds(&y, "rules:\n");
	rule(&y, "ctx-alpha", "\\b(sk-[a-f0-9]{32})\\b", "[sk-]",
	     "    secret_group: 1\n    min_entropy: 3.0\n"
	     "    context: [alphaprov]\n");
	rule(&y, "ctx-beta", "\\b(sk-[a-f0-9]{32})\\b", "[sk-]",
	     "    secret_group: 1\n    min_entropy: 3.0\n"
	     "    context: [betaprov]\n");
	rule(&y, "ctx-generic", "\\b(sk-[a-f0-9]{32})\\b", "[sk-]",
	     "    secret_group: 1\n    min_entropy: 3.0\n    generic: true\n");
	env_init(e, &y);
	ks_buf_release(&y);
}

static void test_context_nearest_wins(void **state)
{
	struct env e;
	struct ks_buf d = KS_BUF_INIT;
	char hex[33];
	const struct ks_match *m;

	(void)state;
	ctx_env(&e);
	t_rand_norun(hex, 32, T_HEX);

	/* beta is nearer */
	ks_buf_addf(&d, "# ALPHAPROV settings\nx=1\ny=2\nBETAPROV_KEY=sk-%s\n",
		    hex);
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(e.m_nr, 3);
	assert_int_equal(kept_nr(&e), 1);
	assert_non_null(kept_of(&e, "ctx-beta"));
	assert_int_equal(match_of(&e, "ctx-alpha")->drop, KS_DROP_OVERLAP);
	assert_int_equal(match_of(&e, "ctx-generic")->drop, KS_DROP_OVERLAP);
	m = kept_of(&e, "ctx-beta");
	assert_true(m->context_dist < match_of(&e, "ctx-alpha")->context_dist);
	assert_true(m->context_dist <= strlen("BETAPROV_KEY="));

	/* alpha is nearer, the word after the key */
	ks_buf_reset(&d);
	ks_buf_addf(&d, "betaprov\n\n\n\n\nkey: sk-%s # alphaprov\n", hex);
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(kept_nr(&e), 1);
	assert_non_null(kept_of(&e, "ctx-alpha"));
	assert_true(kept_of(&e, "ctx-alpha")->context_dist <= 3);
	assert_int_equal(match_of(&e, "ctx-beta")->drop, KS_DROP_OVERLAP);

	/* no provider word: the generic rule reports it */
	ks_buf_reset(&d);
	ks_buf_addf(&d, "LLM_KEY=sk-%s\n", hex);
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(e.m_nr, 3);
	assert_int_equal(kept_nr(&e), 1);
	assert_non_null(kept_of(&e, "ctx-generic"));
	assert_int_equal(match_of(&e, "ctx-alpha")->drop, KS_DROP_CONTEXT);
	assert_int_equal(match_of(&e, "ctx-beta")->drop, KS_DROP_CONTEXT);
	ks_buf_release(&d);
	env_release(&e);
}

/* Context distance on one long line (minified bundles, RELIABILITY A9):
 * the cost must not be keys x context words x line length. A 1 MB line
 * with 100 keys and 2,000 context words; a linear pass takes milliseconds.
 * Fails while nearest() memchr()s the whole gap for every (key, word)
 * pair: 5 MB, 10 keys, 20,000 words take 14 s. */
static void test_context_long_line_time(void **state)
{
	struct env e;
	struct ks_buf d = KS_BUF_INIT;
	size_t k, w, keys = 10, words = 20000, total = (size_t)5 << 20;
	double t0, ms;
	int rc;

	(void)state;
	ctx_env(&e);
	for (k = 0; k < keys; k++) {
		char hex[33];

		t_rand_norun(hex, 32, T_HEX);
		for (w = 0; w < words / keys; w++)
			ks_buf_adds(&d, " alphaprov ");
		ks_buf_addf(&d, "k=\"sk-%s\";", hex);
		while (d.len < (k + 1) * total / keys)
			ks_buf_addch(&d, ' ');
	}
	t0 = t_now_ms();
	rc = scan(&e, d.ptr, d.len);
	ms = t_now_ms() - t0;
	assert_int_equal(rc, 0);
	assert_int_equal(kept_nr(&e), keys);
	/* a hang gate, not a speed test (bench/ measures speed): the
	 * quadratic version took 14 s on this input */
	if (ms > 10000)
		fail_msg("5 MB line, %zu keys, %zu context words: %.0f ms",
			 keys, words, ms);
	ks_buf_release(&d);
	env_release(&e);
}

/* Overlap resolution must not lose a secret: X beats Z (longer), A beats
 * X (longer), but Z and A do not overlap, so Z and A are both reported.
 * Fails while resolve_overlaps() lets the dropped X drop Z. */
static void test_overlap_chain_keeps_independent_match(void **state)
{
	struct env e;
	struct ks_buf y = KS_BUF_INIT;
	static const char body[] = "Qm2Xv7Lp4Rt8Wz3Nb6Hd1Jf5Gs9Yc0Ke";
	struct ks_buf d = KS_BUF_INIT;
	const struct ks_match *z, *a;

	(void)state;
	ks_buf_adds(&y, "rules:\n");
	/* secret spans relative to the body: X [0,10), Z [1,4), A [5,25) */
	rule(&y, "span-x", "(?<=KW:)(.{10})", "['kw:']",
	     "    secret_group: 1\n");
	rule(&y, "span-z", "(?<=KW:.)(.{3})", "['kw:']",
	     "    secret_group: 1\n");
	rule(&y, "span-a", "(?<=KW:.{5})(.{20})", "['kw:']",
	     "    secret_group: 1\n");
	env_init(&e, &y);
	ks_buf_addf(&d, "KW:%s\n", body);
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(e.m_nr, 3);
	assert_int_equal(match_of(&e, "span-x")->drop, KS_DROP_OVERLAP);
	a = kept_of(&e, "span-a");
	assert_non_null(a);
	assert_int_equal(a->secret_start, 8);
	z = match_of(&e, "span-z");
	assert_int_equal(z->secret_start, 4);
	assert_true(z->secret_end <= a->secret_start);
	if (z->drop)
		fail_msg("span-z [4,7) dropped (%s) though the only match "
			 "overlapping it was dropped itself",
			 ks_drop_name(z->drop));
	ks_buf_release(&d);
	ks_buf_release(&y);
	env_release(&e);
}

/* Equal secrets from a non-generic and a generic rule: never both. */
static void test_generic_loses_overlap(void **state)
{
	struct env e;
	struct ks_buf y = KS_BUF_INIT, d = KS_BUF_INIT;
	char key[36];

	(void)state;
	ks_buf_adds(&y, "rules:\n");
	/* the generic rule's secret is longer and comes first */
	rule(&y, "gen-assign", "token\\s*=\\s*\"([^\"]{8,})\"", "[token]",
	     "    secret_group: 1\n    generic: true\n");
	rule(&y, "tk-key", TK_PATTERN, "[tk_]", TK_EXTRA);
	env_init(&e, &y);
	tk_key(key);
	ks_buf_addf(&d, "token = \"%s\"\n", key);
	assert_int_equal(scan(&e, d.ptr, d.len), 0);
	assert_int_equal(kept_nr(&e), 1);
	assert_non_null(kept_of(&e, "tk-key"));
	assert_int_equal(match_of(&e, "gen-assign")->drop, KS_DROP_OVERLAP);
	ks_buf_release(&d);
	ks_buf_release(&y);
	env_release(&e);
}

/* RELIABILITY A1: exponential backtracking hits the match limit, quickly,
 * with and without JIT; other rules' matches survive. */
static void test_redos_match_limit(void **state)
{
	static const char *const pats[] = { "(a+)+$", "(*NO_JIT)(a+)+$" };
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(pats); i++) {
		struct env e;
		struct ks_buf y = KS_BUF_INIT, d = KS_BUF_INIT;
		char key[36];
		double t0, ms;
		int rc;

		ks_buf_adds(&y, "rules:\n");
		rule(&y, "redos-rule", pats[i], "[aa]", NULL);
		rule(&y, "tk-key", TK_PATTERN, "[tk_]", TK_EXTRA);
		env_init(&e, &y);
		assert_int_equal(e.set.rule[0]->jit,
				 i == 0 && e.set.rule[1]->jit);
		tk_key(key);
		ks_buf_addf(&d, "k=%s\n", key);
		for (int k = 0; k < 30; k++)
			ks_buf_addch(&d, 'a');
		ks_buf_addch(&d, '!');
		ks_error_clear();
		t0 = t_now_ms();
		rc = scan(&e, d.ptr, d.len);
		ms = t_now_ms() - t0;
		assert_int_equal(rc, KS_EREGEX);
		if (ms > 10000) /* hang gate */
			fail_msg("%s: %.0f ms", pats[i], ms);
		assert_non_null(strstr(ks_error_last(), "redos-rule"));
		assert_non_null(kept_of(&e, "tk-key"));
		/* the scanner works normally afterwards */
		assert_int_equal(scan(&e, key, 35), 0);
		assert_int_equal(kept_nr(&e), 1);
		ks_buf_release(&d);
		ks_buf_release(&y);
		env_release(&e);
	}
}

/* RELIABILITY A2: polynomial backtracking over a 600-byte line is stopped
 * and reported, with and without JIT. */
static void test_redos_polynomial(void **state)
{
	static const char *const pats[] = {
		"[a-z]*[a-z]*[a-z]*=[0-9]", "(*NO_JIT)[a-z]*[a-z]*[a-z]*=[0-9]"
	};
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(pats); i++) {
		struct env e;
		struct ks_buf y = KS_BUF_INIT, d = KS_BUF_INIT;
		double t0, ms;
		int rc;

		ks_buf_adds(&y, "rules:\n");
		rule(&y, "poly-rule", pats[i], "[aa]", NULL);
		env_init(&e, &y);
		for (int k = 0; k < 600; k++)
			ks_buf_addch(&d, 'a');
		ks_buf_adds(&d, "=x");
		t0 = t_now_ms();
		rc = scan(&e, d.ptr, d.len);
		ms = t_now_ms() - t0;
		assert_int_equal(rc, KS_EREGEX);
		if (ms > 10000) /* hang gate */
			fail_msg("%s: %.0f ms", pats[i], ms);
		ks_buf_release(&d);
		ks_buf_release(&y);
		env_release(&e);
	}
}

/* RELIABILITY A5, A6: invalid UTF-8 and NUL bytes around a key. */
static void test_invalid_utf8_and_nul_around_key(void **state)
{
	static const char *const around[][2] = {
		{ "\xff\xfe", "\xc0\x80" },
		{ "\xed\xa0\x80 KEY=", "\xed\xa0\x80" },
		{ "\xc3", "\xe2\x82" },
		{ "\x80\x80\x80=", "\xf4\x90\x80\x80" },
	};
	struct env e;
	char key[36];
	size_t i;

	(void)state;
	tk_env(&e);
	tk_key(key);
	for (i = 0; i < KS_ARRAY_SIZE(around); i++) {
		struct ks_buf d = KS_BUF_INIT;
		size_t off;

		ks_buf_adds(&d, around[i][0]);
		off = d.len;
		ks_buf_adds(&d, key);
		ks_buf_adds(&d, around[i][1]);
		assert_int_equal(scan(&e, d.ptr, d.len), 0);
		assert_int_equal(kept_nr(&e), 1);
		assert_int_equal(e.m[0].secret_start, off);
		ks_buf_release(&d);
	}
	{
		/* NUL at 0, at 8 KiB, after the key */
		struct ks_buf d = KS_BUF_INIT;
		size_t off;

		ks_buf_addch(&d, '\0');
		while (d.len < 8192)
			ks_buf_addch(&d, 'q');
		ks_buf_addch(&d, '\0');
		ks_buf_adds(&d, " k=");
		off = d.len;
		ks_buf_adds(&d, key);
		ks_buf_addch(&d, '\0');
		assert_int_equal(scan(&e, d.ptr, d.len), 0);
		assert_int_equal(kept_nr(&e), 1);
		assert_int_equal(e.m[0].secret_start, off);
		ks_buf_release(&d);
	}
	env_release(&e);
}

/* A pattern made only of a lookahead passes the MINLENGTH check but
 * matches the empty string: either the loader rejects it, or a match is
 * never empty. */
static void test_lookahead_only_pattern(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_buf y = KS_BUF_INIT;
	struct env e;
	char key[36];
	size_t i;

	(void)state;
	ks_buf_adds(&y, "rules:\n");
	rule(&y, "look-rule", "(?=(tk_[A-Za-z0-9]{32}))", "[tk_]",
	     "    secret_group: 1\n");
	if (ks_ruleset_load(&set, y.ptr, y.len, "test.yml")) {
		assert_non_null(strstr(set.diag[0], "empty"));
		ks_ruleset_release(&set);
		ks_buf_release(&y);
		return;
	}
	ks_ruleset_release(&set);
	env_init(&e, &y);
	tk_key(key);
	scan(&e, key, 35);
	for (i = 0; i < e.m_nr; i++)
		if (e.m[i].end <= e.m[i].start)
			fail_msg(
				"rule '%s' loaded and matched the empty string "
				"at %zu",
				e.m[i].rule->id, e.m[i].start);
	ks_buf_release(&y);
	env_release(&e);
}

/* RELIABILITY A3: each shipped rule's keywords followed by 64 KiB runs of
 * common classes end in bounded time (a generous hang gate). */
static void test_default_rules_near_miss_time(void **state)
{
	static const char classes[] = "aA0f/-=_ ";
	struct env e;
	size_t i, j, c, n = 64 * 1024;
	struct ks_buf d = KS_BUF_INIT;
	double worst = 0;
	const char *worst_id = "";

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(ks_ruleset_load_defaults(&e.set), 0);
	assert_int_equal(ks_prefilter_new(&e.pf, &e.set), 0);
	assert_int_equal(ks_scanner_new(&e.sc, &e.set, e.pf), 0);
	for (i = 0; i < e.set.rule_nr; i++) {
		const struct ks_rule *r = e.set.rule[i];

		for (j = 0; j < r->keyword_nr; j++)
			for (c = 0; c < strlen(classes); c++) {
				double t0, ms;

				ks_buf_reset(&d);
				ks_buf_adds(&d, r->keyword[j]);
				while (d.len < n)
					ks_buf_addch(&d, classes[c]);
				t0 = t_now_ms();
				scan(&e, d.ptr, d.len);
				ms = t_now_ms() - t0;
				if (ms > worst) {
					worst = ms;
					worst_id = r->id;
				}
			}
	}
	print_message("slowest near-miss scan: %.1f ms (%s)\n", worst,
		      worst_id);
	if (worst > 10000) /* hang gate */
		fail_msg("rule '%s' took %.0f ms on a 64 KiB near miss",
			 worst_id, worst);
	ks_buf_release(&d);
	env_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_generated_key),
		cmocka_unit_test(test_three_keys_sorted),
		cmocka_unit_test(test_keyword_gates_rule),
		cmocka_unit_test(test_disabled_rule),
		cmocka_unit_test(test_low_entropy_dropped),
		cmocka_unit_test(test_placeholder_dropped),
		cmocka_unit_test(test_context_nearest_wins),
		cmocka_unit_test(test_context_long_line_time),
		cmocka_unit_test(test_overlap_chain_keeps_independent_match),
		cmocka_unit_test(test_generic_loses_overlap),
		cmocka_unit_test(test_redos_match_limit),
		cmocka_unit_test(test_redos_polynomial),
		cmocka_unit_test(test_invalid_utf8_and_nul_around_key),
		cmocka_unit_test(test_lookahead_only_pattern),
		cmocka_unit_test(test_default_rules_near_miss_time),
	};

	t_seed("test_scan");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
