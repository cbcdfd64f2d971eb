/* test_filter.c - unit tests for entropy, placeholder detection, the shared
 * precision filters (hash, lockfile, LFS pointer, words) and the
 * case-insensitive search (filter.h). */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
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

/* --- shared precision filters ------------------------------------------ */

#define B(s) ((const unsigned char *)(s))

/* Runs ks_precision_reason() on the secret that replaces "%s" in fmt. */
static enum ks_drop drop_in(const char *fmt, const char *secret,
			    unsigned flags, const char **detail)
{
	static char buf[1024];
	const char *at = strstr(fmt, "%s");
	size_t pre, sl = strlen(secret);
	const char *d = NULL;
	enum ks_drop r;

	assert_non_null(at);
	pre = (size_t)(at - fmt);
	assert_true(pre + sl + strlen(at + 2) < sizeof(buf));
	memcpy(buf, fmt, pre);
	memcpy(buf + pre, secret, sl);
	memcpy(buf + pre + sl, at + 2, strlen(at + 2) + 1);
	r = ks_precision_reason(B(buf), strlen(buf), pre, pre + sl, flags, &d);
	if (detail)
		*detail = d;
	assert_true((r == KS_DROP_NONE) == (d == NULL));
	return r;
}

static void expect_drop(const char *fmt, const char *secret, unsigned flags,
			enum ks_drop want)
{
	const char *d;
	enum ks_drop got = drop_in(fmt, secret, flags, &d);

	if (got != want)
		fail_msg("'%s' with '%s': %s (%s), want %s", fmt, secret,
			 ks_drop_name(got), d ? d : "-", ks_drop_name(want));
}

static void test_placeholder_whole_words(void **state)
{
	static const char *const yes[] = {
		"test",	     "TEST",	    "fake",	    "dummy",
		"mock",	     "todo",	    "replace_me",   "REPLACE-ME",
		"insert",    "none",	    "null",	    "undefined",
		"sample",    "fake_key",    "test-token",   "insert_key_here",
		"your.api.key", "null null", "TODO_REPLACE",
	};
	static const char *const no[] = {
		"tested",      "testQ7w9Zk2", "a9ZtestLm4",   "nullable",
		"mockingbird", "Zq9noneW2",   "fake-key-7Q2", "test1",
		"undefinedX",  "my-test-k3y",
	};
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(yes); i++)
		if (!PH(yes[i]))
			fail_msg("'%s' not taken for a placeholder", yes[i]);
	for (i = 0; i < KS_ARRAY_SIZE(no); i++)
		if (PH(no[i]))
			fail_msg("'%s' taken for a placeholder: %s", no[i],
				 PH(no[i]));
	assert_string_equal(PH("null"), "made of placeholder words");
}

static void test_placeholder_walks_and_patterns(void **state)
{
	(void)state;
	assert_non_null(strstr(PH("Zq9qwertyW2"), "qwerty"));
	assert_non_null(strstr(PH("QWERTY7z"), "qwerty"));
	assert_non_null(PH("asdfgh"));
	assert_non_null(PH("9zxcvbnmZ"));
	assert_non_null(PH("1qaz2wsx"));
	assert_null(PH("qwert"));
	assert_null(PH("QwErTy")); /* mixed case: random base64, not typed */
	/* a short pattern repeated over (at least half of) the value */
	assert_non_null(strstr(PH("abcabcabcabc"), "3-character"));
	assert_non_null(strstr(PH("0123012301230123"), "4-character"));
	assert_non_null(PH("sk-abababababababababab"));
	assert_non_null(PH("Q7zQ7zQ7zQ7zQ7zQ7z"));
	assert_non_null(PH("k9Lm2Xk9Lm2Xk9Lm2Xk9Lm2X"));
	assert_null(PH("abcabcab"));		/* 8 < 12 bytes */
	assert_null(PH("Zq9Tw4Lm7Rp2Kdabababab")); /* 10 < half */
	assert_null(PH("k9Lm2Xk9Lm2XQ")); /* period 6 needs 18 bytes */
}

/* Providers' published documentation values (public, not credentials;
 * split so that no key-shaped literal sits in the sources). */
static void test_placeholder_doc_values(void **state)
{
	char v[200];

	(void)state;
	snprintf(v, sizeof(v), "%s%s", "sk_test_", "4eC39HqLyjWDarjtT1zdp7dc");
	assert_non_null(strstr(PH(v), "documentation"));
	snprintf(v, sizeof(v), "%s%s", "sk_test_", "BQokikJOvBiI2HlWgH4olfQ2");
	assert_non_null(PH(v));
	snprintf(v, sizeof(v), "%s%s", "pk_test_", "TYooMQauvdEDq54NiTphI7jx");
	assert_non_null(PH(v));
	snprintf(v, sizeof(v), "%s%s", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6",
		 "yJV_adQssw5c");
	assert_non_null(PH(v));
	snprintf(v, sizeof(v), "%s%s%s",
		 "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.",
		 "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.",
		 "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
	assert_non_null(PH(v));
	/* AWS's documentation keys carry EXAMPLE */
	assert_non_null(PH("AKIAIOSFODNN7EXAMPLE"));
	assert_non_null(PH("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
	/* one byte off: not listed */
	snprintf(v, sizeof(v), "%s%s", "sk_test_", "4eC39HqLyjWDarjtT1zdp7dd");
	assert_null(PH(v));
}

static void test_hash_shapes_generic(void **state)
{
	char h[129], u[37];
	static const size_t lens[] = { 32, 40, 64, 128 };
	size_t i;
	int iter;

	(void)state;
	for (iter = 0; iter < 200; iter++) {
		for (i = 0; i < KS_ARRAY_SIZE(lens); i++) {
			t_rand_norun(h, lens[i], T_HEX);
			expect_drop("API_KEY=%s\n", h, KS_FILTER_GENERIC,
				    KS_DROP_HASH);
			/* a specific rule keeps a bare hex secret (Datadog,
			 * Mailchimp keys are 32 hex) */
			expect_drop("API_KEY=%s\n", h, 0, KS_DROP_NONE);
		}
		t_rand_norun(u, 36, T_HEX);
		u[8] = u[13] = u[18] = u[23] = '-';
		expect_drop("token: %s", u, KS_FILTER_GENERIC, KS_DROP_HASH);
		expect_drop("token: %s", u, 0, KS_DROP_NONE);
		/* other lengths are not hash shapes */
		t_rand_norun(h, 31 + t_below(2) * 2, T_HEX);
		expect_drop("API_KEY=%s\n", h, KS_FILTER_GENERIC, KS_DROP_NONE);
	}
	expect_drop("x=%s", "550E8400-E29B-41D4-A716-446655440000",
		    KS_FILTER_GENERIC, KS_DROP_HASH);
	expect_drop("x=%s", "550e8400e29b-41d4-a716-446655440000x",
		    KS_FILTER_GENERIC, KS_DROP_NONE);
}

static void test_hash_context(void **state)
{
	static const char *const yes[] = {
		"\"sha256\": \"%s\"",	 "commit_id=%s",
		"fileHash: %s",		 "X-Checksum-Sha256: %s",
		"ETag: \"%s\"",		 "git_rev = \"%s\"",
		"commit %s",		 "revision: %s",
		"image: nginx@sha256:%s", "md5sum %s",
		"<digest>%s</digest>",	 "commitSHA=%s",
		"sha1_hex_value: %s",	 "  oid: %s",
		"content_md5=%s",	 "password: sha256:%s",
	};
	static const char *const no[] = {
		"DIGEST_AUTH_PASSWORD=%s", "prev_token=%s",
		"REVIEW_TOKEN=%s",	   "hashicorp_token=%s",
		"committer_token=%s",	   "API_KEY=%s",
		"git commit -m \"DEEPSEEK_API_KEY=%s\"",
		"commit_hash_secret=%s",   "sha256:\nAPI_KEY=%s",
		"revoke %s",		   "hash is here, then 30 more bytes: %s",
	};
	char v[41];
	size_t i;

	(void)state;
	t_rand_norun(v, 40, T_ALNUM);
	for (i = 0; i < KS_ARRAY_SIZE(yes); i++)
		expect_drop(yes[i], v, 0, KS_DROP_HASH);
	for (i = 0; i < KS_ARRAY_SIZE(no); i++)
		expect_drop(no[i], v, 0, KS_DROP_NONE);
	assert_non_null(strstr(
		ks_hash_reason(B("X-Checksum-Sha256: abc"), 22, 19, 22, false),
		"sha256"));
}

static void test_lockfile_constructs(void **state)
{
	char b64[89], mid[41], hex[65];
	static const char *const yes[] = {
		"      \"integrity\": \"sha512-%s\",",
		"  integrity sha1-%s",
		"    resolution: {integrity: sha512-%s}",
		"<script src=x.js integrity=\"sha384-%s\"></script>",
		"golang.org/x/text v0.3.7 h1:%s",
		"golang.org/x/text v0.3.7/go.mod h1:%s",
	};
	size_t i;

	(void)state;
	t_rand_norun(b64, 86, T_ALNUM "+/");
	b64[86] = b64[87] = '=';
	b64[88] = '\0';
	for (i = 0; i < KS_ARRAY_SIZE(yes); i++)
		expect_drop(yes[i], b64, 0, KS_DROP_LOCKFILE);
	/* a rule matching inside the digest (a / or + makes a \b) */
	memcpy(mid, b64 + 30, 40);
	mid[40] = '\0';
	{
		char line[200];

		snprintf(line, sizeof(line), "\"integrity\": \"sha512-%.30s%%s%s\"",
			 b64, b64 + 70);
		expect_drop(line, mid, 0, KS_DROP_LOCKFILE);
	}
	/* the secret holds the tag */
	snprintf(mid, sizeof(mid), "sha512-%.32s", b64);
	expect_drop("token: %s", mid, KS_FILTER_GENERIC, KS_DROP_LOCKFILE);
	t_rand_norun(hex, 64, T_HEX);
	expect_drop("checksum = \"%s\"", hex, 0, KS_DROP_LOCKFILE);
	expect_drop("    \"shasum\": \"%s\",", hex, 0, KS_DROP_LOCKFILE);
	expect_drop("requests==2.31.0 --hash=sha256:%s", hex, 0,
		    KS_DROP_LOCKFILE);
	/* generic rules in a lockfile; specific rules still report */
	t_rand_norun(mid, 40, T_ALNUM);
	expect_drop("\"token\": \"%s\"", mid,
		    KS_FILTER_GENERIC | KS_FILTER_LOCKFILE_PATH, KS_DROP_LOCKFILE);
	expect_drop("\"token\": \"%s\"", mid, KS_FILTER_LOCKFILE_PATH,
		    KS_DROP_NONE);
	expect_drop("\"token\": \"%s\"", mid, KS_FILTER_GENERIC, KS_DROP_NONE);
	/* near misses */
	expect_drop("API_KEY=%s", b64, 0, KS_DROP_NONE);
	expect_drop("token=mysha512-%s", b64, 0, KS_DROP_NONE);
	expect_drop("auth h1x:%s", b64, 0, KS_DROP_NONE);
}

static void test_lockfile_path(void **state)
{
	static const char *const yes[] = {
		"package-lock.json", "a/b/yarn.lock",	"pnpm-lock.yaml",
		"go.sum",	     "x/Cargo.lock",	"poetry.lock",
		"composer.lock",     "Gemfile.lock",	"Pipfile.lock",
		"npm-shrinkwrap.json",
	};
	static const char *const no[] = {
		"package.json", "go.mod", "Cargo.toml", "yarn.lock.bak",
		"my-package-lock.json", "cargo.lock", "", "lock/",
	};
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(yes); i++)
		if (!ks_lockfile_path(yes[i]))
			fail_msg("'%s' not a lockfile", yes[i]);
	for (i = 0; i < KS_ARRAY_SIZE(no); i++)
		if (ks_lockfile_path(no[i]))
			fail_msg("'%s' taken for a lockfile", no[i]);
	assert_false(ks_lockfile_path(NULL));
}

#define LFS_V1 "version https://git-lfs.github.com/spec/v1\n"

static void test_lfs_pointer(void **state)
{
	char buf[1200], hex[65];
	size_t n;

	(void)state;
	t_rand_norun(hex, 64, T_HEX);
	n = (size_t)snprintf(buf, sizeof(buf),
			     LFS_V1 "oid sha256:%s\nsize 12345\n", hex);
	assert_true(ks_lfs_pointer(B(buf), n));
	assert_true(ks_lfs_pointer(B(buf), n - 1)); /* no final newline */
	n = (size_t)snprintf(buf, sizeof(buf),
			     "version https://git-lfs.github.com/spec/v1\r\n"
			     "ext-0-foo sha256:%s\r\noid sha256:%s\r\n"
			     "size 1\r\n", hex, hex);
	assert_true(ks_lfs_pointer(B(buf), n));
	n = (size_t)snprintf(buf, sizeof(buf),
			     "version https://hawser.github.com/spec/v1\n"
			     "oid sha256:%s\nsize 3\n", hex);
	assert_true(ks_lfs_pointer(B(buf), n));
	/* not pointers */
	n = (size_t)snprintf(buf, sizeof(buf),
			     LFS_V1 "oid sha256:%s\nAPI_KEY=%s\n", hex, hex);
	assert_false(ks_lfs_pointer(B(buf), n));
	n = (size_t)snprintf(buf, sizeof(buf), LFS_V1 "size 12345\n");
	assert_false(ks_lfs_pointer(B(buf), n)); /* no oid */
	n = (size_t)snprintf(buf, sizeof(buf), "# " LFS_V1 "oid sha256:%s\n",
			     hex);
	assert_false(ks_lfs_pointer(B(buf), n));
	n = (size_t)snprintf(buf, sizeof(buf), LFS_V1 "oid sha256:%s\n", hex);
	memset(buf + n, 'a', sizeof(buf) - n);
	buf[n + 100] = ' ';
	assert_false(ks_lfs_pointer(B(buf), 1024)); /* 1024 bytes: too big */
	assert_false(ks_lfs_pointer(B(""), 0));
}

static void test_words(void **state)
{
	static const char *const yes[] = {
		"sk-learn",	       "sk-image-classifier",
		"sk-test-fixtures",    "api-gateway-service-name",
		"pk-payments-widget",  "sk_learn_extra",
		"api-key-rotation-job",
	};
	static const char *const no[] = {
		"sk-learn2",	     "sk-Learn",	"sklearn",
		"sk-a-b",	     "sk-bcdfghjklm",	"sk-qzxvkwpt",
		"sk-aeiouaeiou",     "sk-zzzebra",	"sk-",
		"sk--learn",	     "sk-learnlearnlearnx",
	};
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(yes); i++)
		if (!ks_words_reason(B(yes[i]), strlen(yes[i])))
			fail_msg("'%s' not taken for words", yes[i]);
	for (i = 0; i < KS_ARRAY_SIZE(no); i++)
		if (ks_words_reason(B(no[i]), strlen(no[i])))
			fail_msg("'%s' taken for words", no[i]);
	expect_drop("OPENAI_API_KEY=%s\n", "sk-learn-image-classifier", 0,
		    KS_DROP_WORDS);
}

/* The key shapes of tests/e2e/keygen.py (providers' published formats). */
#define T_B64URL T_ALNUM "_-"
#define T_B64	 T_ALNUM "+/"
#define T_B32U	 "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define T_LET	 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define T_LALNUM "abcdefghijklmnopqrstuvwxyz0123456789"
#define T_DIG	 "0123456789"

static const struct family {
	const char *name, *prefix, *alpha;
	size_t n, n_max;
	const char *mid, *alpha2;
	size_t n2;
	const char *suffix;
} families[] = {
	{ "deepseek", "sk-", T_HEX, 32, 32, NULL, NULL, 0, "" },
	{ "openai-legacy", "sk-", T_ALNUM, 20, 20, "T3BlbkFJ", T_ALNUM, 20, "" },
	{ "openai-project", "sk-proj-", T_B64URL, 74, 74, "T3BlbkFJ", T_B64URL,
	  74, "" },
	{ "anthropic", "sk-ant-api03-", T_B64URL, 93, 93, NULL, NULL, 0, "AA" },
	{ "google", "AIza", T_B64URL, 35, 35, NULL, NULL, 0, "" },
	{ "groq", "gsk_", T_ALNUM, 52, 52, NULL, NULL, 0, "" },
	{ "xai", "xai-", T_ALNUM, 80, 80, NULL, NULL, 0, "" },
	{ "huggingface", "hf_", T_LET, 34, 34, NULL, NULL, 0, "" },
	{ "openrouter", "sk-or-v1-", T_HEX, 64, 64, NULL, NULL, 0, "" },
	{ "perplexity", "pplx-", T_ALNUM, 48, 48, NULL, NULL, 0, "" },
	{ "aws-key-id", "AKIA", T_B32U, 16, 16, NULL, NULL, 0, "" },
	{ "aws-secret", "", T_B64, 40, 40, NULL, NULL, 0, "" },
	{ "github-pat", "ghp_", T_ALNUM, 36, 36, NULL, NULL, 0, "" },
	{ "github-fine-grained", "github_pat_", T_ALNUM, 22, 22, "_", T_ALNUM,
	  59, "" },
	{ "gitlab", "glpat-", T_B64URL, 20, 20, NULL, NULL, 0, "" },
	{ "slack-bot", "xoxb-", T_DIG, 11, 11, "-", T_DIG, 13, "" },
	{ "slack-webhook", "", T_ALNUM, 24, 24, NULL, NULL, 0, "" },
	{ "stripe", "sk_live_", T_ALNUM, 24, 99, NULL, NULL, 0, "" },
	{ "npm", "npm_", T_ALNUM, 36, 36, NULL, NULL, 0, "" },
	{ "pypi", "pypi-AgEIcHlwaS5vcmc", T_B64URL, 70, 200, NULL, NULL, 0, "" },
	{ "sendgrid", "SG.", T_B64URL, 22, 22, ".", T_B64URL, 43, "" },
	{ "jwt-signature", "", T_B64URL, 43, 43, NULL, NULL, 0, "" },
	{ "generic", "", T_ALNUM, 40, 40, NULL, NULL, 0, "" },
	{ "acme", "acme_", T_LALNUM, 32, 32, NULL, NULL, 0, "" },
};

/* keygen.py's plausible(): values a test should not rely on (a placeholder
 * word, a run of 5) are redrawn; the filters are tested on the rest. */
static bool plausible(const char *v)
{
	static const char *const words[] = {
		"xxx",	   "***",    "...",	 "example", "sample", "placeholder",
		"redacted", "changeme", "dummy", "your",    "test",   "fake",
		"mock",	   "todo",   "replace", "secret",  "password",
		"insecure",
	};
	size_t i, n = strlen(v), same = 1, seq = 1;

	for (i = 0; i < KS_ARRAY_SIZE(words); i++)
		if (ks_memcasemem(B(v), n, words[i], strlen(words[i])))
			return false;
	for (i = 1; i < n; i++) {
		same = v[i] == v[i - 1] ? same + 1 : 1;
		seq = isalnum((unsigned char)v[i]) && v[i] == v[i - 1] + 1
			      ? seq + 1
			      : 1;
		if (same >= 5 || seq >= 5)
			return false;
	}
	return true;
}

static void make_key(const struct family *f, char *out, size_t cap)
{
	char r[256], r2[256];
	size_t n = f->n + (f->n_max > f->n ? t_below(f->n_max - f->n + 1) : 0);

	t_rand_str(r, n, f->alpha);
	if (f->mid) {
		t_rand_str(r2, f->n2, f->alpha2);
		snprintf(out, cap, "%s%s%s%s%s", f->prefix, r, f->mid, r2,
			 f->suffix);
	} else {
		snprintf(out, cap, "%s%s%s", f->prefix, r, f->suffix);
	}
}

/* Precision must not cost recall: thousands of random keys of every
 * family, in the contexts keys are written in, are never dropped. */
static void test_random_keys_kept(void **state)
{
	static const char *const ctx[] = {
		"API_KEY=%s\n", "  \"token\": \"%s\",\n", "auth_token: %s",
		"Authorization: Bearer %s", "%s",
	};
	char key[512];
	size_t f, total = 0;
	int iter;

	(void)state;
	for (f = 0; f < KS_ARRAY_SIZE(families); f++) {
		for (iter = 0; iter < 600; iter++) {
			const char *d;
			enum ks_drop r;
			const char *c = ctx[t_below(KS_ARRAY_SIZE(ctx))];
			unsigned fl = t_below(2) ? KS_FILTER_GENERIC : 0;

			do
				make_key(&families[f], key, sizeof(key));
			while (!plausible(key));
			r = drop_in(c, key, fl, &d);
			if (r != KS_DROP_NONE)
				fail_msg("%s key '%s' in '%s' dropped: %s (%s)",
					 families[f].name, key, c,
					 ks_drop_name(r), d);
			total++;
		}
	}
	assert_true(total >= 10000);
}

static void test_precision_cost(void **state)
{
	char line[300], key[64];
	const char *d;
	double t0, ms;
	int iter;

	(void)state;
	t_rand_norun(key, 40, T_ALNUM);
	snprintf(line, sizeof(line), "export SERVICE_API_KEY=\"%s\"\n", key);
	t0 = t_now_ms();
	for (iter = 0; iter < 100000; iter++)
		(void)ks_precision_reason(B(line), strlen(line), 24, 64,
					  KS_FILTER_GENERIC, &d);
	ms = t_now_ms() - t0;
	print_message("ks_precision_reason: %.2f us per match\n",
		      ms * 1000.0 / 100000);
}

static void test_drop_names(void **state)
{
	int d;

	(void)state;
	assert_string_equal(ks_drop_name(KS_DROP_NONE), "kept");
	assert_string_equal(ks_drop_name(KS_DROP_HASH), "hash");
	assert_string_equal(ks_drop_name(KS_DROP_LOCKFILE), "lockfile");
	assert_string_equal(ks_drop_name(KS_DROP_LFS_POINTER), "lfs-pointer");
	assert_string_equal(ks_drop_name(KS_DROP_WORDS), "words");
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
		cmocka_unit_test(test_placeholder_whole_words),
		cmocka_unit_test(test_placeholder_walks_and_patterns),
		cmocka_unit_test(test_placeholder_doc_values),
		cmocka_unit_test(test_hash_shapes_generic),
		cmocka_unit_test(test_hash_context),
		cmocka_unit_test(test_lockfile_constructs),
		cmocka_unit_test(test_lockfile_path),
		cmocka_unit_test(test_lfs_pointer),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_random_keys_kept),
		cmocka_unit_test(test_precision_cost),
		cmocka_unit_test(test_drop_names),
	};

	t_seed("test_filter");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
