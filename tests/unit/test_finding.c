/* test_finding.c - unit tests for findings (finding.h): redaction, line and
 * column lookup, path normalisation, snippets and fingerprints. */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "buf.h"
#include "finding.h"
#include "rules.h"
#include "scan.h"
#include "sha256.h"
#include "utf8.h"
#include "unit.h"

static char *redact(const char *s, size_t len)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_redact(&b, (const unsigned char *)s, len);
	return ks_buf_detach(&b, NULL);
}

/* ks_redact() output is the first shown bytes (controls as '?') + "***". */
static void check_redaction(const char *s, size_t len)
{
	size_t shown = ks_redact_shown((const unsigned char *)s, len), i;
	char *r = redact(s, len);

	assert_true(shown <= len / 4);
	assert_int_equal(strlen(r), shown + 3);
	assert_string_equal(r + shown, "***");
	for (i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			assert_int_equal(r[i], '?');
		else
			assert_int_equal((unsigned char)r[i], c);
	}
	for (i = 0; r[i]; i++)
		assert_false((unsigned char)r[i] < 0x20 ||
			     (unsigned char)r[i] == 0x7f);
	free(r);
}

static void test_redact_prefixes(void **state)
{
	char s[200], *r;

	(void)state;
	/* sk-proj-: the prefix plus 4 */
	memcpy(s, "sk-proj-", 8);
	t_rand_str(s + 8, 156, T_ALNUM);
	s[8] = 'Q'; /* uppercase: the prefix cannot extend */
	r = redact(s, strlen(s));
	assert_int_equal(ks_redact_shown((unsigned char *)s, strlen(s)), 12);
	assert_memory_equal(r, s, 12);
	assert_string_equal(r + 12, "***");
	free(r);

	/* ghp_ + 36 */
	memcpy(s, "ghp_", 4);
	t_rand_str(s + 4, 36, T_ALNUM);
	s[4] = 'Z';
	assert_int_equal(ks_redact_shown((unsigned char *)s, 40), 8);
	check_redaction(s, 40);

	/* github_pat_ + 82 */
	memcpy(s, "github_pat_", 11);
	t_rand_str(s + 11, 82, T_ALNUM "_");
	s[11] = '1';
	s[12] = 'A';
	assert_int_equal(ks_redact_shown((unsigned char *)s, 93), 15);
	r = redact(s, 93);
	assert_memory_equal(r, "github_pat_1A", 13);
	free(r);

	/* AKIA + 16: no lowercase prefix; 4 shown, within len / 4 = 5 */
	memcpy(s, "AKIA", 4);
	t_rand_str(s + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
	assert_int_equal(ks_redact_shown((unsigned char *)s, 20), 4);
	r = redact(s, 20);
	assert_string_equal(r, "AKIA***");
	free(r);

	/* sk- + 32 hex: 3 + 4, capped by len / 4 = 8 */
	memcpy(s, "sk-", 3);
	t_rand_str(s + 3, 32, "ABCDEF");
	assert_int_equal(ks_redact_shown((unsigned char *)s, 35), 7);
}

static void test_redact_short(void **state)
{
	char *r;

	(void)state;
	assert_int_equal(ks_redact_shown((const unsigned char *)"", 0), 0);
	r = redact("", 0);
	assert_string_equal(r, "***");
	free(r);
	r = redact("abc", 3);
	assert_string_equal(r, "***");
	free(r);
	/* a long prefix never lifts the quarter cap */
	assert_int_equal(
		ks_redact_shown((const unsigned char *)"sk-proj-ab", 10), 2);
	assert_int_equal(ks_redact_shown((const unsigned char *)"sk-a", 4), 1);
	check_redaction("sk-proj-", 8);
	check_redaction("ghp_", 4);
}

static void test_redact_controls(void **state)
{
	char s[64], *r;

	(void)state;
	memcpy(s, "\n\r\x1b\x7f", 4);
	t_rand_str(s + 4, 36, T_ALNUM);
	r = redact(s, 40);
	assert_memory_equal(r, "????", 4);
	free(r);
	check_redaction(s, 40);
	/* a NUL inside the shown part */
	memset(s, 0, 40);
	check_redaction(s, 40);
}

/* Never more than a quarter, whatever the bytes (lowercase-heavy strings
 * with separators exercise the prefix logic). */
static void test_redact_quarter_random(void **state)
{
	char s[400];
	int iter;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		size_t len = t_below(sizeof(s)), i;

		for (i = 0; i < len; i++)
			s[i] = t_below(3) ? "ab1-_"[t_below(5)]
					  : (char)t_rand();
		check_redaction(s, len);
	}
}

/* Reference line/column: "\r\n", "\n" and a lone "\r" end a line. */
static void ref_linepos(const unsigned char *d, size_t len, size_t off,
			size_t *line, size_t *col)
{
	size_t i, ln = 1, ls = 0;

	for (i = 0; i < off && i < len; i++) {
		if (d[i] == '\r' && i + 1 < len && d[i + 1] == '\n')
			continue;
		if (d[i] == '\n' || d[i] == '\r') {
			ln++;
			ls = i + 1;
		}
	}
	*line = ln;
	*col = off - ls + 1;
}

static void find(const char *text, size_t off, size_t *line, size_t *col)
{
	struct ks_linepos hint = { 0, 0 };

	ks_linepos_find(&hint, (const unsigned char *)text, strlen(text), off,
			line, col);
}

static void test_linepos_terminators(void **state)
{
	static const char *const sep[] = { "\n", "\r\n", "\r" };
	size_t k;

	(void)state;
	for (k = 0; k < KS_ARRAY_SIZE(sep); k++) {
		struct ks_buf b = KS_BUF_INIT;
		size_t line, col, off;

		ks_buf_addf(&b, "first line%ssecond%s  key=XYZ%slast", sep[k],
			    sep[k], sep[k]);
		off = (size_t)(strstr(b.ptr, "XYZ") - b.ptr);
		find(b.ptr, off, &line, &col);
		assert_int_equal(line, 3);
		assert_int_equal(col, 7);
		/* no final newline: the last line is still counted */
		off = (size_t)(strstr(b.ptr, "last") - b.ptr) + 3;
		find(b.ptr, off, &line, &col);
		assert_int_equal(line, 4);
		assert_int_equal(col, 4);
		/* offset 0 */
		find(b.ptr, 0, &line, &col);
		assert_int_equal(line, 1);
		assert_int_equal(col, 1);
		ks_buf_release(&b);
	}
}

static void test_linepos_edge_cases(void **state)
{
	size_t line, col;

	(void)state;
	/* CR CR LF: a lone CR, then a CRLF */
	find("a\r\r\nb", 4, &line, &col);
	assert_int_equal(line, 3);
	assert_int_equal(col, 1);
	/* LF CR: two line ends */
	find("a\n\rb", 3, &line, &col);
	assert_int_equal(line, 3);
	/* the LF of a CRLF belongs to the line it ends */
	find("ab\r\ncd", 3, &line, &col);
	assert_int_equal(line, 1);
	assert_int_equal(col, 4);
	/* a trailing lone CR ends the line; the offset at EOF is on the next */
	find("abc\r", 4, &line, &col);
	assert_int_equal(line, 2);
	assert_int_equal(col, 1);
	/* empty lines */
	find("\n\n\nx", 3, &line, &col);
	assert_int_equal(line, 4);
	assert_int_equal(col, 1);
}

/* Sorted lookups through one hint, and out-of-order lookups, give the same
 * answers as the reference on random mixed-terminator text. */
static void test_linepos_sequential_random(void **state)
{
	unsigned char d[3000];
	int iter;

	(void)state;
	for (iter = 0; iter < 200; iter++) {
		struct ks_linepos hint = { 0, 0 };
		size_t len = 1 + t_below(sizeof(d)), off = 0, i;

		for (i = 0; i < len; i++)
			d[i] = "ab\r\n"[t_below(4)];
		while (off <= len) {
			size_t line, col, rl, rc;

			ks_linepos_find(&hint, d, len, off, &line, &col);
			ref_linepos(d, len, off, &rl, &rc);
			assert_int_equal(line, rl);
			assert_int_equal(col, rc);
			off += t_below(40);
		}
		/* jumping backwards with a stale hint */
		for (i = 0; i < 20; i++) {
			size_t line, col, rl, rc, o = t_below(len + 1);

			ks_linepos_find(&hint, d, len, o, &line, &col);
			ref_linepos(d, len, o, &rl, &rc);
			assert_int_equal(line, rl);
			assert_int_equal(col, rc);
		}
	}
}

static void check_norm(const char *in, const char *expect)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_path_normalise(&b, in);
	assert_string_equal(b.ptr, expect);
	ks_buf_release(&b);
}

static void test_path_normalise(void **state)
{
	(void)state;
	check_norm("./a//b", "a/b");
	check_norm("a\\b", "a/b");
	check_norm("./././x", "x");
	check_norm(".\\x\\\\y", "x/y");
	check_norm("a/./b", "a/b");
	check_norm("a/b/c", "a/b/c");
	check_norm("/abs//p", "/abs/p");
	check_norm(".hidden/x", ".hidden/x");
	check_norm("../x", "../x");
	check_norm("a/.env", "a/.env");
	check_norm("", "");
	/* invalid UTF-8 passes through byte for byte */
	check_norm("./d\xff/\xfe", "d\xff/\xfe");
}

/* A minimal rule: findings only read id (and tags, name in reports). */
static struct ks_rule *fake_rule(const char *id, size_t index)
{
	struct ks_rule *r = calloc(1, sizeof(*r));

	r->id = (char *)id;
	r->name = (char *)"Fake rule";
	r->index = index;
	r->enabled = true;
	return r;
}

static struct ks_match kept(const struct ks_rule *r, size_t s, size_t e)
{
	struct ks_match m;

	memset(&m, 0, sizeof(m));
	m.rule = r;
	m.start = s;
	m.end = e;
	m.secret_start = s;
	m.secret_end = e;
	m.context_dist = SIZE_MAX;
	return m;
}

/* A one-line 5 MB buffer with secrets at the start, middle and end. */
static void test_snippet_cap_long_line(void **state)
{
	size_t n = (size_t)5 << 20, offs[3], i;
	unsigned char *d = malloc(n);
	struct ks_rule *r = fake_rule("fake-rule", 0);
	struct ks_findings fs = KS_FINDINGS_INIT;
	struct ks_match m[3];

	(void)state;
	for (i = 0; i < n; i++)
		d[i] = (unsigned char)T_ALNUM[t_below(62)];
	offs[0] = 10;
	offs[1] = n / 2;
	offs[2] = n - 40;
	for (i = 0; i < 3; i++) {
		memcpy(d + offs[i], "tk_", 3);
		m[i] = kept(r, offs[i], offs[i] + 40);
	}
	assert_int_equal(ks_findings_add_blob(&fs, "big.js", d, n, m, 3, false),
			 3);
	assert_int_equal(fs.nr, 3);
	for (i = 0; i < 3; i++) {
		const struct ks_finding *f = &fs.f[i];

		assert_true(f->snippet_len <= KS_SNIPPET_MAX);
		assert_int_equal(strlen(f->snippet), f->snippet_len);
		assert_int_equal(f->line, 1);
		assert_int_equal(f->col, offs[i] + 1);
		assert_int_equal(f->end_line, 1);
		assert_int_equal(f->end_col, offs[i] + 41);
		assert_int_equal(f->secret_len, 40);
		assert_memory_equal(f->secret, d + offs[i], 40);
		assert_false(t_contains(f->snippet, f->snippet_len, f->secret,
					f->secret_len));
		assert_non_null(strstr(f->snippet, f->redacted));
	}
	ks_findings_release(&fs);
	assert_int_equal(fs.nr, 0);
	assert_null(fs.f);
	free(r);
	free(d);
}

/* Two secrets on one line: each snippet shows the other one redacted. */
static void test_snippet_second_secret_redacted(void **state)
{
	struct ks_rule *r = fake_rule("fake-rule", 0);
	struct ks_findings fs = KS_FINDINGS_INIT;
	struct ks_buf line = KS_BUF_INIT;
	char a[41], b[41];
	struct ks_match m[2];
	size_t oa, ob, i;

	(void)state;
	t_rand_str(a, 40, T_ALNUM);
	t_rand_str(b, 40, T_ALNUM);
	ks_buf_adds(&line, "before\nkey_a=");
	oa = line.len;
	ks_buf_adds(&line, a);
	ks_buf_adds(&line, " key_b=");
	ob = line.len;
	ks_buf_adds(&line, b);
	ks_buf_adds(&line, " end\nafter\n");
	m[0] = kept(r, oa, oa + 40);
	m[1] = kept(r, ob, ob + 40);
	assert_int_equal(ks_findings_add_blob(&fs, "x.env",
					      (unsigned char *)line.ptr,
					      line.len, m, 2, false),
			 2);
	for (i = 0; i < 2; i++) {
		const struct ks_finding *f = &fs.f[i];

		assert_int_equal(f->line, 2);
		assert_false(t_contains(f->snippet, f->snippet_len, a, 40));
		assert_false(t_contains(f->snippet, f->snippet_len, b, 40));
		assert_non_null(strstr(f->snippet, "key_a="));
		assert_non_null(strstr(f->snippet, "key_b="));
		/* the line only: no neighbouring lines */
		assert_null(strstr(f->snippet, "before"));
		assert_null(strstr(f->snippet, "after"));
		assert_null(memchr(f->snippet, '\n', f->snippet_len));
	}
	assert_non_null(strstr(fs.f[0].snippet, fs.f[1].redacted));
	assert_non_null(strstr(fs.f[1].snippet, fs.f[0].redacted));
	ks_findings_release(&fs);

	/* no_redact keeps both in clear */
	ks_findings_add_blob(&fs, "x.env", (unsigned char *)line.ptr, line.len,
			     m, 2, true);
	assert_true(t_contains(fs.f[0].snippet, fs.f[0].snippet_len, b, 40));
	assert_true(t_contains(fs.f[0].snippet, fs.f[0].snippet_len, a, 40));
	ks_findings_release(&fs);
	ks_buf_release(&line);
	free(r);
}

/* The same secret twice on a line, only the first occurrence matched (the
 * second is glued to a word character, so a \b pattern skips it): the
 * snippet must not print the secret in clear next to its redaction. */
static void test_snippet_unmatched_copy_redacted(void **state)
{
	struct ks_rule *r = fake_rule("fake-rule", 0);
	struct ks_findings fs = KS_FINDINGS_INIT;
	struct ks_buf line = KS_BUF_INIT;
	char a[41];
	struct ks_match m;
	size_t oa;

	(void)state;
	t_rand_str(a, 40, T_ALNUM);
	ks_buf_adds(&line, "KEY=");
	oa = line.len;
	ks_buf_adds(&line, a);
	ks_buf_adds(&line, " OLD_KEY=");
	ks_buf_adds(&line, a);
	ks_buf_adds(&line, "_old\n");
	m = kept(r, oa, oa + 40);
	ks_findings_add_blob(&fs, "x.env", (unsigned char *)line.ptr, line.len,
			     &m, 1, false);
	assert_int_equal(fs.nr, 1);
	assert_false(t_contains(fs.f[0].snippet, fs.f[0].snippet_len, a, 40));
	ks_findings_release(&fs);
	ks_buf_release(&line);
	free(r);
}

static void test_dropped_matches_skipped(void **state)
{
	struct ks_rule *r = fake_rule("fake-rule", 0);
	struct ks_findings fs = KS_FINDINGS_INIT;
	static const char text[] = "a=Q1w2E3r4T5y6U7i8O9 b=Z9x8C7v6B5n4M3q2W1";
	struct ks_match m[2];

	(void)state;
	m[0] = kept(r, 2, 20);
	m[1] = kept(r, 23, 41);
	m[0].drop = KS_DROP_ENTROPY;
	assert_int_equal(ks_findings_add_blob(&fs, "f",
					      (const unsigned char *)text,
					      strlen(text), m, 2, false),
			 1);
	assert_int_equal(fs.nr, 1);
	assert_int_equal(fs.f[0].col, 24);
	/* a dropped match is not redacted in the kept one's snippet */
	assert_non_null(strstr(fs.f[0].snippet, "Q1w2E3r4T5y6U7i8O9"));
	assert_int_equal(ks_findings_add_blob(&fs, "f",
					      (const unsigned char *)text,
					      strlen(text), m, 0, false),
			 0);
	assert_int_equal(fs.nr, 1);
	ks_findings_release(&fs);
	free(r);
}

/* Fingerprint: rule + normalised path + secret; not the line. */
static void test_fingerprint(void **state)
{
	struct ks_rule *r1 = fake_rule("rule-one", 0);
	struct ks_rule *r2 = fake_rule("rule-two", 1);
	struct ks_findings fs = KS_FINDINGS_INIT;
	char sec[41], other[41], hex[65];
	struct ks_buf t1 = KS_BUF_INIT, t2 = KS_BUF_INIT, t3 = KS_BUF_INIT;
	struct ks_match m;
	size_t i;

	(void)state;
	t_rand_str(sec, 40, T_ALNUM);
	t_rand_str(other, 40, T_ALNUM);
	ks_buf_addf(&t1, "k=%s\n", sec);
	ks_buf_addf(&t2, "\n\n\r\n# moved down\nk=%s\n", sec);
	ks_buf_addf(&t3, "k=%s\n", other);
#define ADD(t, path, rule)                                             \
	do {                                                           \
		m = kept((rule), (t).len - 41, (t).len - 1);           \
		assert_int_equal(                                      \
			ks_findings_add_blob(&fs, (path),              \
					     (unsigned char *)(t).ptr, \
					     (t).len, &m, 1, false),   \
			1);                                            \
	} while (0)
	ADD(t1, "conf/app.env", r1);	/* 0 */
	ADD(t2, "conf/app.env", r1);	/* 1: other line */
	ADD(t1, "./conf//app.env", r1); /* 2: same path, spelt differently */
	ADD(t1, "conf/other.env", r1);	/* 3: other path */
	ADD(t1, "conf/app.env", r2);	/* 4: other rule */
	ADD(t3, "conf/app.env", r1);	/* 5: other secret */
#undef ADD
	assert_int_equal(fs.f[1].line, 5);
	assert_string_equal(fs.f[0].fingerprint, fs.f[1].fingerprint);
	assert_string_equal(fs.f[0].fingerprint, fs.f[2].fingerprint);
	assert_string_not_equal(fs.f[0].fingerprint, fs.f[3].fingerprint);
	assert_string_not_equal(fs.f[0].fingerprint, fs.f[4].fingerprint);
	assert_string_not_equal(fs.f[0].fingerprint, fs.f[5].fingerprint);
	/* the path is kept as given, only the fingerprint normalises it */
	assert_string_equal(fs.f[2].path, "./conf//app.env");
	for (i = 0; i < fs.nr; i++) {
		ks_sha256_hex(fs.f[i].secret, fs.f[i].secret_len, hex);
		assert_string_equal(fs.f[i].secret_sha256, hex);
		assert_int_equal(strlen(fs.f[i].fingerprint), 64);
		/* neither hash is the plain hash of the secret's text */
		assert_string_not_equal(fs.f[i].fingerprint, hex);
	}
	ks_findings_release(&fs);
	ks_buf_release(&t1);
	ks_buf_release(&t2);
	ks_buf_release(&t3);
	free(r1);
	free(r2);
}

static void test_multiline_secret(void **state)
{
	static const char text[] = "x\r\n-----BEGIN\r\nQ1w2E3\r\nEND-----\r\ny";
	struct ks_rule *r = fake_rule("fake-rule", 0);
	struct ks_findings fs = KS_FINDINGS_INIT;
	const char *s = strstr(text, "-----BEGIN"), *e = strstr(text, "END-");
	struct ks_match m = kept(r, (size_t)(s - text), (size_t)(e - text) + 8);

	(void)state;
	ks_findings_add_blob(&fs, "k.pem", (const unsigned char *)text,
			     strlen(text), &m, 1, false);
	assert_int_equal(fs.f[0].line, 2);
	assert_int_equal(fs.f[0].col, 1);
	assert_int_equal(fs.f[0].end_line, 4);
	assert_int_equal(fs.f[0].end_col, 9);
	assert_null(memchr(fs.f[0].snippet, '\r', fs.f[0].snippet_len));
	assert_null(strstr(fs.f[0].snippet, "Q1w2E3"));
	ks_findings_release(&fs);
	free(r);
}

/* Snippets of non-ASCII lines stay valid UTF-8: the window around the
 * secret and the 200-byte cut fall on character boundaries. */
static void test_snippet_utf8_boundaries(void **state)
{
	struct ks_rule *r = fake_rule("fake-rule", 0);
	struct ks_findings fs = KS_FINDINGS_INIT;
	struct ks_buf line = KS_BUF_INIT;
	char sec[41];
	struct ks_match m;
	size_t i, off;

	(void)state;
	t_rand_str(sec, 40, T_ALNUM);
	for (i = 0; i < 301; i++) /* odd count of 2-byte chars before */
		ks_buf_adds(&line, "\xc3\xa9");
	ks_buf_addch(&line, 'x');
	off = line.len;
	ks_buf_adds(&line, sec);
	for (i = 0; i < 300; i++)
		ks_buf_adds(&line, "\xe2\x82\xac"); /* 3-byte chars after */
	m = kept(r, off, off + 40);
	ks_findings_add_blob(&fs, "u.txt", (unsigned char *)line.ptr, line.len,
			     &m, 1, false);
	assert_true(fs.f[0].snippet_len <= KS_SNIPPET_MAX);
	assert_true(ks_utf8_valid((unsigned char *)fs.f[0].snippet,
				  fs.f[0].snippet_len));
	ks_findings_release(&fs);
	ks_buf_release(&line);
	free(r);
}

static void test_sort(void **state)
{
	struct ks_rule *ra = fake_rule("a-rule", 0);
	struct ks_rule *rb = fake_rule("b-rule", 1);
	struct ks_findings fs = KS_FINDINGS_INIT;
	static const char text[] = "Q7w\nZ9x Kp4\n";
	struct ks_match m[3];
	size_t i;

	(void)state;
	m[0] = kept(rb, 4, 7);
	m[1] = kept(ra, 4, 7);
	m[2] = kept(ra, 8, 11);
	ks_findings_add_blob(&fs, "b", (const unsigned char *)text,
			     strlen(text), m, 3, false);
	m[0] = kept(ra, 0, 3);
	ks_findings_add_blob(&fs, "a", (const unsigned char *)text,
			     strlen(text), m, 1, false);
	ks_findings_sort(&fs);
	assert_int_equal(fs.nr, 4);
	assert_string_equal(fs.f[0].path, "a");
	for (i = 1; i < 4; i++)
		assert_string_equal(fs.f[i].path, "b");
	assert_int_equal(fs.f[1].col, 1);
	assert_string_equal(fs.f[1].rule->id, "a-rule");
	assert_string_equal(fs.f[2].rule->id, "b-rule");
	assert_int_equal(fs.f[3].col, 5);
	ks_findings_release(&fs);
	free(ra);
	free(rb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact_prefixes),
		cmocka_unit_test(test_redact_short),
		cmocka_unit_test(test_redact_controls),
		cmocka_unit_test(test_redact_quarter_random),
		cmocka_unit_test(test_linepos_terminators),
		cmocka_unit_test(test_linepos_edge_cases),
		cmocka_unit_test(test_linepos_sequential_random),
		cmocka_unit_test(test_path_normalise),
		cmocka_unit_test(test_snippet_cap_long_line),
		cmocka_unit_test(test_snippet_second_secret_redacted),
		cmocka_unit_test(test_snippet_unmatched_copy_redacted),
		cmocka_unit_test(test_dropped_matches_skipped),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_multiline_secret),
		cmocka_unit_test(test_snippet_utf8_boundaries),
		cmocka_unit_test(test_sort),
	};

	t_seed("test_finding");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
