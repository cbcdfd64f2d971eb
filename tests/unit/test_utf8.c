/* test_utf8.c - unit tests for strict UTF-8 decoding, JSON-safe strings,
 * base64 (utf8.h) and terminal escaping (stats.h). */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "buf.h"
#include "stats.h"
#include "utf8.h"
#include "unit.h"

/* Well-formed sequences after Unicode 15, table 3-7, written as byte
 * ranges: an oracle independent of the decoder's arithmetic. */
static size_t ref_len(const unsigned char *s, size_t len)
{
	unsigned char b0;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (!len)
		return 0;
	b0 = s[0];
	if (b0 <= 0x7f)
		return 1;
	if (b0 >= 0xc2 && b0 <= 0xdf)
		n = 2;
	else if (b0 >= 0xe0 && b0 <= 0xef)
		n = 3;
	else if (b0 >= 0xf0 && b0 <= 0xf4)
		n = 4;
	else
		return 0;
	if (b0 == 0xe0)
		lo = 0xa0;
	else if (b0 == 0xed)
		hi = 0x9f;
	else if (b0 == 0xf0)
		lo = 0x90;
	else if (b0 == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static bool ref_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = ref_len(s + i, len - i);

		if (!n)
			return false;
		i += n;
	}
	return true;
}

static size_t dec(const char *s, size_t len, uint32_t *cp)
{
	*cp = 0xdeadbeef;
	return ks_utf8_decode((const unsigned char *)s, len, cp);
}

static void test_decode_valid(void **state)
{
	uint32_t cp;

	(void)state;
	assert_int_equal(dec("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(dec("\0", 1, &cp), 1);
	assert_int_equal(cp, 0);
	assert_int_equal(dec("\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(dec("\xc2\x80", 2, &cp), 2);
	assert_int_equal(cp, 0x80);
	assert_int_equal(dec("\xe2\x82\xac", 3, &cp), 3);
	assert_int_equal(cp, 0x20ac);
	assert_int_equal(dec("\xe0\xa0\x80", 3, &cp), 3);
	assert_int_equal(cp, 0x800);
	assert_int_equal(dec("\xef\xbf\xbf", 3, &cp), 3);
	assert_int_equal(cp, 0xffff);
	assert_int_equal(dec("\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1f600);
	assert_int_equal(dec("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	/* only the first sequence is decoded */
	assert_int_equal(dec("\xc3\xa9zz", 4, &cp), 2);
}

static void test_decode_rejects(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		{ "\xc0\x80", 2 },	   /* overlong NUL */
		{ "\xc1\xbf", 2 },	   /* overlong 0x7f */
		{ "\xe0\x80\x80", 3 },	   /* overlong */
		{ "\xe0\x9f\xbf", 3 },	   /* overlong 0x7ff */
		{ "\xf0\x80\x80\x80", 4 }, /* overlong */
		{ "\xf0\x8f\xbf\xbf", 4 }, /* overlong 0xffff */
		{ "\xed\xa0\x80", 3 },	   /* surrogate D800 */
		{ "\xed\xbf\xbf", 3 },	   /* surrogate DFFF */
		{ "\xf4\x90\x80\x80", 4 }, /* 0x110000 */
		{ "\xf5\x80\x80\x80", 4 },
		{ "\xf8\x88\x80\x80\x80", 5 },
		{ "\xfe", 1 },
		{ "\xff", 1 },
		{ "\x80", 1 }, /* lone continuation */
		{ "\xbf", 1 },
		{ "\xc3", 1 }, /* truncated */
		{ "\xe2\x82", 2 },
		{ "\xf0\x9f\x98", 3 },
		{ "\xe2\x28\xa1", 3 }, /* bad continuation */
		{ "\xc3\xc3", 2 },
		{ "\xf0\x9f\x98\x41", 4 },
	};
	size_t i;
	uint32_t cp;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(bad); i++) {
		if (dec(bad[i].s, bad[i].len, &cp))
			fail_msg("case %zu accepted", i);
		assert_false(ks_utf8_valid((const unsigned char *)bad[i].s,
					   bad[i].len));
	}
	/* length 0 */
	assert_int_equal(dec("A", 0, &cp), 0);
	/* a valid sequence cut by the length argument */
	assert_int_equal(dec("\xe2\x82\xac", 2, &cp), 0);
	assert_true(ks_utf8_valid((const unsigned char *)"", 0));
}

/* Every 1-, 2- and 3-byte string, and 4-byte strings over the interesting
 * byte values, against the table. */
static void test_decode_exhaustive(void **state)
{
	static const unsigned char tails[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f,
					       0x90, 0x9f, 0xa0, 0xbf, 0xc0,
					       0xc2, 0xed, 0xf4, 0xff };
	unsigned char s[4];
	uint32_t a, b, c, d, cp;
	size_t n;

	(void)state;
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++)
			for (c = 0; c < 256; c++) {
				s[0] = (unsigned char)a;
				s[1] = (unsigned char)b;
				s[2] = (unsigned char)c;
				n = ks_utf8_decode(s, 3, &cp);
				if (n != ref_len(s, 3))
					fail_msg("%02x %02x %02x: %zu", a, b, c,
						 n);
			}
	for (a = 0xf0; a < 0x100; a++)
		for (b = 0; b < 256; b++)
			for (c = 0; c < KS_ARRAY_SIZE(tails); c++)
				for (d = 0; d < KS_ARRAY_SIZE(tails); d++) {
					s[0] = (unsigned char)a;
					s[1] = (unsigned char)b;
					s[2] = tails[c];
					s[3] = tails[d];
					n = ks_utf8_decode(s, 4, &cp);
					assert_int_equal(n, ref_len(s, 4));
				}
}

static void test_valid_random(void **state)
{
	unsigned char s[64];
	int iter;

	(void)state;
	for (iter = 0; iter < 200000; iter++) {
		size_t len = t_below(sizeof(s)), i;

		for (i = 0; i < len; i++)
			s[i] = t_below(2)
				       ? (unsigned char)t_rand()
				       : "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
						 [t_below(10)];
		assert_int_equal(ks_utf8_valid(s, len), ref_valid(s, len));
	}
}

static char *json_str(const char *s, size_t len, bool *escaped)
{
	struct ks_buf b = KS_BUF_INIT;

	*escaped = ks_json_str(&b, s, len);
	return ks_buf_detach(&b, NULL);
}

static void test_json_str_cases(void **state)
{
	bool esc;
	char *o;

	(void)state;
	o = json_str("h\xc3\xa9llo \xe2\x82\xac", 10, &esc);
	assert_string_equal(o, "h\xc3\xa9llo \xe2\x82\xac");
	assert_false(esc);
	free(o);
	o = json_str("a\0b", 3, &esc);
	assert_string_equal(o, "a\\x00b");
	assert_true(esc);
	free(o);
	o = json_str("x\xffy", 3, &esc);
	assert_string_equal(o, "x\\xFFy");
	assert_true(esc);
	free(o);
	/* each byte of an ill-formed sequence on its own */
	o = json_str("\xed\xa0\x80", 3, &esc);
	assert_string_equal(o, "\\xED\\xA0\\x80");
	free(o);
	o = json_str("\xc0\x80", 2, &esc);
	assert_string_equal(o, "\\xC0\\x80");
	free(o);
	/* a valid sequence after a bad byte survives */
	o = json_str("\xe2\xc3\xa9", 3, &esc);
	assert_string_equal(o, "\\xE2\xc3\xa9");
	free(o);
	/* valid text with "\x" is kept as it is (the flag tells it apart
	 * from an escape) ... */
	o = json_str("\\x41", 4, &esc);
	assert_string_equal(o, "\\x41");
	assert_false(esc);
	free(o);
	/* ... and doubled when the string needs escaping anyway */
	o = json_str("\\x41\xff", 5, &esc);
	assert_string_equal(o, "\\\\x41\\xFF");
	assert_true(esc);
	free(o);
	o = json_str("", 0, &esc);
	assert_string_equal(o, "");
	assert_false(esc);
	free(o);
}

/* Output is valid UTF-8 and free of NUL, whatever the input; escaping is
 * reported for invalid input, and valid text without backslashes passes
 * unchanged. */
static void test_json_str_random(void **state)
{
	char s[100];
	int iter;

	(void)state;
	for (iter = 0; iter < 100000; iter++) {
		size_t len = t_below(sizeof(s)), i;
		struct ks_buf b = KS_BUF_INIT;
		bool esc, plain;

		for (i = 0; i < len; i++)
			s[i] = t_below(3)
				       ? (char)t_rand()
				       : "a\\x\0\xc3\xa9\xe2\x82\xac"[t_below(
						 9)];
		esc = ks_json_str(&b, s, len);
		assert_true(ks_utf8_valid((unsigned char *)b.ptr, b.len));
		assert_null(memchr(b.ptr, '\0', b.len));
		plain = ref_valid((unsigned char *)s, len) &&
			!memchr(s, '\0', len);
		if (!plain)
			assert_true(esc);
		if (plain && !memchr(s, '\\', len)) {
			assert_false(esc);
			assert_int_equal(b.len, len);
			assert_memory_equal(b.ptr, s, len);
		}
		ks_buf_release(&b);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "the pair (text, returned flag) is reversible" (utf8.h): different
 * inputs never give the same text with the same flag. A backslash right
 * before an escaped byte must not collide with the literal text "\xHH". */
static void test_json_str_reversible(void **state)
{
	static const char alphabet[] = {
		'\\', 'x', 'F', '0', '\xff', '\0', 'a'
	};
	const size_t k = sizeof(alphabet), maxlen = 5;
	size_t total = 0, len, i, idx;
	char **out;
	bool esc;
	char *a, *b;

	(void)state;
	{
		bool esc2;

		a = json_str("\\\xff", 2, &esc);
		b = json_str("\\xFF", 4, &esc2);
		if (!strcmp(a, b) && esc == esc2)
			fail_msg("'\\\\' 0xFF and '\\\\xFF' both encode as '%s'", a);
		assert_true(esc);
		assert_false(esc2);
		free(a);
		free(b);
		a = json_str("\\\0", 2, &esc);
		b = json_str("\\x00", 4, &esc2);
		assert_true(strcmp(a, b) || esc != esc2);
		free(a);
		free(b);
	}

	/* all strings up to 5 characters over a hostile alphabet */
	for (len = 0, idx = 1; len <= maxlen; len++, idx *= k)
		total += idx;
	out = calloc(total, sizeof(*out));
	idx = 0;
	for (len = 0; len <= maxlen; len++) {
		size_t count = 1, c;

		for (i = 0; i < len; i++)
			count *= k;
		for (c = 0; c < count; c++) {
			char s[8];
			size_t v = c;

			for (i = 0; i < len; i++, v /= k)
				s[i] = alphabet[v % k];
			{
				/* the flag is part of the encoding */
				char *t = json_str(s, len, &esc);
				size_t tl = strlen(t);

				out[idx] = malloc(tl + 3);
				out[idx][0] = esc ? 'E' : 'V';
				out[idx][1] = ':';
				memcpy(out[idx] + 2, t, tl + 1);
				free(t);
				idx++;
			}
		}
	}
	qsort(out, total, sizeof(*out), cmp_str);
	for (i = 1; i < total; i++)
		if (!strcmp(out[i - 1], out[i]))
			fail_msg("two inputs encode as '%s'", out[i]);
	for (i = 0; i < total; i++)
		free(out[i]);
	free(out);
}

static void b64(const char *in, size_t len, const char *expect)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_base64(&b, (const unsigned char *)in, len);
	assert_string_equal(b.ptr, expect);
	ks_buf_release(&b);
}

static void test_base64(void **state)
{
	(void)state;
	/* RFC 4648 section 10 */
	b64("", 0, "");
	b64("f", 1, "Zg==");
	b64("fo", 2, "Zm8=");
	b64("foo", 3, "Zm9v");
	b64("foob", 4, "Zm9vYg==");
	b64("fooba", 5, "Zm9vYmE=");
	b64("foobar", 6, "Zm9vYmFy");
	/* bytes the alphabet's last two symbols and NUL */
	b64("\xff\xfe\x00", 3, "//4A");
	b64("\xfb\xff", 2, "+/8=");
	b64("\0", 1, "AA==");
}

static char *term(const char *s, size_t len)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_term_escape(&b, s, len);
	return ks_buf_detach(&b, NULL);
}

static void test_term_escape_cases(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "plain/path.env", 14, "plain/path.env" },
		{ "a\nb", 3, "a\\nb" },
		{ "a\rb\tc", 5, "a\\rb\\tc" },
		{ "\x1b[31mred", 8, "\\x1b[31mred" },
		{ "\x7f", 1, "\\x7f" },
		{ "\0", 1, "\\x00" },
		{ "back\\slash", 10, "back\\\\slash" },
		{ "\xc2\x85", 2, "\\u0085" },	  /* C1 NEL */
		{ "\xc2\x9b", 2, "\\u009b" },	  /* C1 CSI */
		{ "\xe2\x80\xae", 3, "\\u202e" }, /* RLO */
		{ "\xe2\x81\xa6", 3, "\\u2066" }, /* LRI */
		{ "\xe2\x80\x8f", 3, "\\u200f" }, /* RLM */
		{ "\xd8\x9c", 2, "\\u061c" },	  /* ALM */
		{ "\xff", 1, "\\xff" },
		{ "\xed\xa0\x80", 3, "\\xed\\xa0\\x80" },
		{ "caf\xc3\xa9", 5, "caf\xc3\xa9" }, /* printable kept */
		{ "\xc2\xa0", 2, "\xc2\xa0" },	     /* NBSP is not C1 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(cases); i++) {
		char *o = term(cases[i].in, cases[i].len);

		if (strcmp(o, cases[i].out))
			fail_msg("case %zu: got '%s', want '%s'", i, o,
				 cases[i].out);
		free(o);
	}
}

/* Escaped output is valid UTF-8 with no C0, DEL, C1 or bidi control. */
static void test_term_escape_random(void **state)
{
	char s[80];
	int iter;

	(void)state;
	for (iter = 0; iter < 50000; iter++) {
		size_t len = t_below(sizeof(s)), i = 0, n;
		struct ks_buf b = KS_BUF_INIT;
		uint32_t cp;

		for (i = 0; i < len; i++)
			s[i] = t_below(2)
				       ? (char)t_rand()
				       : "\xe2\x80\xae\xc2\x85\x1b\n"[t_below(
						 7)];
		ks_term_escape(&b, s, len);
		assert_true(ks_utf8_valid((unsigned char *)b.ptr, b.len));
		for (i = 0; i < b.len; i += n) {
			n = ks_utf8_decode((unsigned char *)b.ptr + i,
					   b.len - i, &cp);
			assert_true(n > 0);
			assert_false(cp < 0x20 || cp == 0x7f);
			assert_false(cp >= 0x80 && cp < 0xa0);
			assert_false(ks_utf8_is_bidi(cp));
		}
		ks_buf_release(&b);
	}
}

static void test_is_bidi(void **state)
{
	static const uint32_t yes[] = { 0x202a, 0x202b, 0x202c, 0x202d,
					0x202e, 0x2066, 0x2067, 0x2068,
					0x2069, 0x200e, 0x200f, 0x061c };
	static const uint32_t no[] = { 'a',    0x2029, 0x202f, 0x2065,
				       0x206a, 0x200d, 0x061b, 0x10ffff };
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(yes); i++)
		assert_true(ks_utf8_is_bidi(yes[i]));
	for (i = 0; i < KS_ARRAY_SIZE(no); i++)
		assert_false(ks_utf8_is_bidi(no[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_valid),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_decode_exhaustive),
		cmocka_unit_test(test_valid_random),
		cmocka_unit_test(test_json_str_cases),
		cmocka_unit_test(test_json_str_random),
		cmocka_unit_test(test_json_str_reversible),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_term_escape_cases),
		cmocka_unit_test(test_term_escape_random),
		cmocka_unit_test(test_is_bidi),
	};

	t_seed("test_utf8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
