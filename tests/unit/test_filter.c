/* test_filter.c - unit tests for entropy, placeholder detection and the
 * case-insensitive search (filter.h). */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include "filter.h"
#include "unit.h"

#define ENT(s) ks_entropy((const unsigned char *)(s), strlen(s))
#define PH(s)  ks_placeholder_reason((const unsigned char *)(s), strlen(s))

static void test_entropy_trivial(void **state)
{
	(void)state;
	assert_true(ks_entropy((const unsigned char *)"", 0) == 0.0);
	assert_true(ENT("a") == 0.0);
	assert_true(ENT("aaaa") == 0.0);
	assert_float_equal(ENT("ab"), 1.0, 1e-12);
	assert_float_equal(ENT("abab"), 1.0, 1e-12);
	assert_float_equal(ENT("abcd"), 2.0, 1e-12);
	assert_float_equal(ENT("aabb"), 1.0, 1e-12);
	/* p = 3/4, 1/4: -(0.75 log2 0.75 + 0.25 log2 0.25) */
	assert_float_equal(ENT("aaab"), 0.8112781244591328, 1e-12);
	/* the length argument is honoured, not strlen() */
	assert_true(ks_entropy((const unsigned char *)"aXYZ", 1) == 0.0);
}

static void test_entropy_all_bytes(void **state)
{
	unsigned char all[256 * 3];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	assert_float_equal(ks_entropy(all, 256), 8.0, 1e-9);
	assert_true(ks_entropy(all, 256) <= 8.0);
	/* each value three times: still uniform */
	assert_float_equal(ks_entropy(all, sizeof(all)), 8.0, 1e-9);
	/* NUL bytes count like any other */
	assert_float_equal(ks_entropy((const unsigned char *)"\0\0\1\1", 4),
			   1.0, 1e-12);
}

static void test_entropy_10mb_one_byte(void **state)
{
	size_t n = (size_t)10 << 20;
	unsigned char *p = malloc(n);
	double h;

	(void)state;
	memset(p, 'k', n);
	h = ks_entropy(p, n);
	assert_true(isfinite(h));
	assert_true(h == 0.0);
	/* one odd byte in 10 MB: tiny but positive, finite */
	p[n / 2] = 'j';
	h = ks_entropy(p, n);
	assert_true(isfinite(h));
	assert_true(h > 0.0 && h < 0.001);
	free(p);
}

/* Random inputs: always finite, in [0, 8] and at most log2(len). */
static void test_entropy_bounds_random(void **state)
{
	unsigned char buf[4096];
	int iter;

	(void)state;
	for (iter = 0; iter < 2000; iter++) {
		size_t len = 1 + t_below(sizeof(buf));
		size_t classes = 1 + t_below(256), i;
		double h;

		for (i = 0; i < len; i++)
			buf[i] = (unsigned char)t_below(classes);
		h = ks_entropy(buf, len);
		assert_true(isfinite(h));
		assert_true(h >= 0.0 && h <= 8.0);
		assert_true(h <= log2((double)len) + 1e-9);
		assert_true(h <= log2((double)classes) + 1e-9);
	}
}

static void test_placeholder_words(void **state)
{
	static const char *const yes[] = {
		"xxxxxxxxxxxxxxxxxxxxxxxx",
		"sk-XXXXaQ9",
		"ab****cd",
		"${OPENAI_API_KEY}",
		"<your-key>",
		"example",
		"my-EXAMPLE-key-Q3",
		"YOUR_API_KEY",
		"your-token-here",
		"{{ .Values.apiKey }}",
		"sk-...",
		"sampleQ7w",
		"PLACEHOLDER",
		"[REDACTED]",
		"changeme",
		"dummyZ8k",
	};
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(yes); i++) {
		const char *why = PH(yes[i]);

		if (!why)
			fail_msg("'%s' not taken for a placeholder", yes[i]);
		assert_true(strlen(why) > 0);
	}
	/* the reason names the word (case-folded) */
	assert_non_null(strstr(PH("my-EXAMPLE-key-Q3"), "example"));
	assert_non_null(strstr(PH("Q9-Changeme-Z7"), "changeme"));
}

static void test_placeholder_runs(void **state)
{
	(void)state;
	assert_non_null(PH("aaaaaa"));
	assert_non_null(PH("Q7aaaaaaZ3"));
	assert_non_null(PH("123456"));
	assert_non_null(PH("Zq9abcdefW2"));
	assert_non_null(PH("ABCDEF"));
	assert_non_null(PH("\x01\x01\x01\x01\x01\x01"));
	/* five is not a run yet */
	assert_null(PH("aaaaa"));
	assert_null(PH("12345"));
	assert_null(PH("abcde"));
	assert_null(PH("Q7aaaaaZ3"));
	/* descending is not a placeholder pattern */
	assert_null(PH("fedcba"));
	assert_non_null(strstr(PH("aaaaaa"), "identical"));
	assert_non_null(strstr(PH("123456"), "consecutive"));
}

static void test_placeholder_random_is_null(void **state)
{
	/* no vowels (no listed word can form), no x * . $ { < > _ -, and no
	 * runs by construction */
	static const char alpha[] =
		"BCDFGHJKLMNPQRSTVWZbcdfghjklmnpqrstvwz0123456789";
	char s[KS_PLACEHOLDER_MAX_LEN + 1];
	int iter;

	(void)state;
	for (iter = 0; iter < 3000; iter++) {
		size_t len = 1 + t_below(KS_PLACEHOLDER_MAX_LEN);
		const char *why;

		t_rand_norun(s, len, alpha);
		why = PH(s);
		if (why)
			fail_msg("random '%s' taken for a placeholder: %s", s,
				 why);
	}
	assert_null(PH(""));
	assert_null(PH("Zq9Tw4Lm7Rp2Kd"));
}

static void test_placeholder_length_cap(void **state)
{
	char s[KS_PLACEHOLDER_MAX_LEN + 2];

	(void)state;
	t_rand_norun(s, KS_PLACEHOLDER_MAX_LEN,
		     "BCDFGHJKLMNPQRSTVWZ0123456789");
	memcpy(s + 100, "xxxx", 4);
	assert_non_null(PH(s)); /* exactly at the cap: still checked */
	t_rand_norun(s, KS_PLACEHOLDER_MAX_LEN + 1,
		     "BCDFGHJKLMNPQRSTVWZ0123456789");
	memcpy(s + 100, "xxxx", 4);
	assert_null(PH(s)); /* one over: skipped */
	memcpy(s + 100, "aaaaaaaa", 8);
	assert_null(PH(s));
}

static void test_placeholder_binary(void **state)
{
	static const unsigned char nul_run[] = { 'Q', 0, 0, 0, 0, 0, 0, 'Z' };
	static const unsigned char hi[] = { 0xff, 0xfe, 0xfd, 0x80, 0x81 };

	(void)state;
	assert_non_null(ks_placeholder_reason(nul_run, sizeof(nul_run)));
	assert_null(ks_placeholder_reason(hi, sizeof(hi)));
	/* a word after a NUL byte is still found (no strlen on data) */
	assert_non_null(
		ks_placeholder_reason((const unsigned char *)"Q\0example", 9));
}

#define MEM(h, n) \
	ks_memcasemem((const unsigned char *)(h), strlen(h), (n), strlen(n))

static void test_memcasemem(void **state)
{
	static const char hay[] = "Hello WORLD, hello again";
	static const char aab[] = "aab";
	static const unsigned char nul[] = { 'a', 0, 'b', 'C' };
	const unsigned char *h = (const unsigned char *)hay;

	(void)state;
	assert_ptr_equal(MEM(hay, "hello"), h);
	assert_ptr_equal(MEM(hay, "world"), h + 6);
	assert_ptr_equal(MEM(hay, "again"), h + 19); /* at the very end */
	assert_ptr_equal(MEM(hay, "o w"), h + 4);
	assert_null(MEM(hay, "worlds"));
	assert_null(MEM(hay, "again!"));
	assert_null(MEM("abc", "abcd")); /* needle longer than hay */
	assert_null(MEM("ab", "abc"));	 /* partial match at the end */
	assert_ptr_equal(MEM(aab, "ab"), (const unsigned char *)aab + 1);
	assert_ptr_equal(ks_memcasemem(h, 0, "", 0), h); /* empty needle */
	assert_ptr_equal(ks_memcasemem(h, strlen(hay), "", 0), h);
	/* hay length is honoured */
	assert_null(ks_memcasemem(h, 4, "hello", 5));
	assert_ptr_equal(ks_memcasemem(h, 5, "hello", 5), h);
	/* NUL bytes inside the hay */
	assert_ptr_equal(ks_memcasemem(nul, 4, "bc", 2), nul + 2);
	assert_ptr_equal(ks_memcasemem(nul, 4, "\0b", 2), nul + 1);
	/* bytes above 0x7f are not folded onto ASCII */
	assert_null(
		ks_memcasemem((const unsigned char *)"\xc1\xe1", 2, "a", 1));
}

/* Exact offsets on random data, against a straightforward reference. */
static void test_memcasemem_random(void **state)
{
	unsigned char hay[300];
	char needle[8];
	int iter;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		size_t hl = t_below(sizeof(hay)), nl = 1 + t_below(4), i, j;
		const unsigned char *got, *want = NULL;

		for (i = 0; i < hl; i++)
			hay[i] = "aAbB\0\xc1\xe1"[t_below(7)];
		for (i = 0; i < nl; i++)
			needle[i] = "ab\0\xe1"[t_below(4)];
		for (i = 0; i + nl <= hl && !want; i++) {
			for (j = 0; j < nl; j++) {
				unsigned char c = hay[i + j];

				if (c >= 'A' && c <= 'Z')
					c = (unsigned char)(c - 'A' + 'a');
				if (c != (unsigned char)needle[j])
					break;
			}
			if (j == nl)
				want = hay + i;
		}
		got = ks_memcasemem(hay, hl, needle, nl);
		assert_ptr_equal(got, want);
	}
}

static void test_drop_names(void **state)
{
	int d;

	(void)state;
	assert_string_equal(ks_drop_name(KS_DROP_NONE), "kept");
	for (d = 1; d < KS_DROP_NR; d++) {
		int e;

		assert_non_null(ks_drop_name((enum ks_drop)d));
		assert_string_not_equal(ks_drop_name((enum ks_drop)d), "?");
		for (e = 0; e < d; e++)
			assert_string_not_equal(ks_drop_name((enum ks_drop)d),
						ks_drop_name((enum ks_drop)e));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entropy_trivial),
		cmocka_unit_test(test_entropy_all_bytes),
		cmocka_unit_test(test_entropy_10mb_one_byte),
		cmocka_unit_test(test_entropy_bounds_random),
		cmocka_unit_test(test_placeholder_words),
		cmocka_unit_test(test_placeholder_runs),
		cmocka_unit_test(test_placeholder_random_is_null),
		cmocka_unit_test(test_placeholder_length_cap),
		cmocka_unit_test(test_placeholder_binary),
		cmocka_unit_test(test_memcasemem),
		cmocka_unit_test(test_memcasemem_random),
		cmocka_unit_test(test_drop_names),
	};

	t_seed("test_filter");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
