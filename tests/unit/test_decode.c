/* test_decode.c - unit tests for encoded content (decode.h): the decoders,
 * candidate detection and its bounds, the layer mapping, UTF-16. */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "buf.h"
#include "decode.h"
#include "error.h"
#include "utf8.h"
#include "unit.h"

/* ks_buf of s (base64 decoded, cap 1 MiB); NULL when invalid */
static char *b64(const char *s, int *rc)
{
	struct ks_buf b = KS_BUF_INIT;

	*rc = ks_base64_decode(&b, (const unsigned char *)s, strlen(s),
			       1 << 20);
	return ks_buf_detach(&b, NULL);
}

static void check_b64(const char *in, const char *expect)
{
	int rc;
	char *out = b64(in, &rc);

	if (!expect) {
		assert_int_equal(rc, KS_EINVALID);
		assert_string_equal(out, "");
	} else {
		assert_int_equal(rc, (int)strlen(expect));
		assert_string_equal(out, expect);
	}
	free(out);
}

static void test_base64_std_url(void **state)
{
	(void)state;
	check_b64("aGVsbG8gd29ybGQ=", "hello world");
	check_b64("aGVsbG8gd29ybGQ", "hello world");
	check_b64("aGk=", "hi");
	check_b64("aGk", "hi");
	check_b64("aGl0", "hit");
	check_b64("", "");
	/* "~~~" is fn5+ in the standard alphabet, fn5- in the url-safe one */
	check_b64("fn5+", "~~~");
	check_b64("fn5-", "~~~");
	check_b64("fn4/", "~~?");
	check_b64("fn4_", "~~?");
	/* invalid: mixed alphabets, one dangling char, bad bytes, inner = */
	check_b64("fn5+fn4_", NULL);
	check_b64("aGVsb", NULL);
	check_b64("aG=sbG8=", NULL);
	check_b64("aGVs bG8=", NULL);
	check_b64("aGk===", NULL);
}

static void test_base64_random_roundtrip(void **state)
{
	unsigned char raw[300];
	size_t n, i;

	(void)state;
	for (i = 0; i < 200; i++) {
		struct ks_buf enc = KS_BUF_INIT, dec = KS_BUF_INIT;

		n = t_below(sizeof(raw));
		t_rand_bytes(raw, n);
		ks_base64(&enc, raw, n);
		assert_int_equal(ks_base64_decode(&dec, (unsigned char *)enc.ptr,
						  enc.len, 1 << 20),
				 (int)n);
		assert_memory_equal(dec.ptr, raw, n);
		/* the cap stops the output */
		ks_buf_reset(&dec);
		ks_base64_decode(&dec, (unsigned char *)enc.ptr, enc.len, 7);
		assert_true(dec.len <= 7);
		ks_buf_release(&enc);
		ks_buf_release(&dec);
	}
}

static void test_percent(void **state)
{
	struct ks_buf b = KS_BUF_INIT;

	(void)state;
	assert_int_equal(ks_percent_decode(&b, (unsigned char *)"a%41%2fb%zz%4", 13,
					   100), 2);
	assert_string_equal(b.ptr, "aA/b%zz%4");
	ks_buf_reset(&b);
	assert_int_equal(ks_percent_decode(&b, (unsigned char *)"x+y%2B", 6, 100),
			 1);
	assert_string_equal(b.ptr, "x+y+");
	ks_buf_reset(&b);
	ks_percent_decode(&b, (unsigned char *)"%41%42%43%44", 12, 2);
	assert_string_equal(b.ptr, "AB");
	ks_buf_release(&b);
}

static void check_esc(const char *in, const char *expect, size_t n)
{
	struct ks_buf b = KS_BUF_INIT;

	assert_int_equal(ks_escape_decode(&b, (const unsigned char *)in,
					  strlen(in), 1000), n);
	assert_string_equal(b.ptr, expect);
	ks_buf_release(&b);
}

static void test_escapes(void **state)
{
	(void)state;
	check_esc("\\u0041\\x42\\n\\t\\\"\\\\\\/", "AB\n\t\"\\/", 7);
	check_esc("caf\\u00e9 \\u20ac", "caf\xc3\xa9 \xe2\x82\xac", 2);
	/* a surrogate pair: U+1F511 */
	check_esc("\\ud83d\\udd11", "\xf0\x9f\x94\x91", 2);
	/* lone surrogates become U+FFFD */
	check_esc("\\ud83dx", "\xef\xbf\xbdx", 1);
	check_esc("\\udd11", "\xef\xbf\xbd", 1);
	/* unknown and truncated escapes stay */
	check_esc("\\q\\u12\\x4", "\\q\\u12\\x4", 0);
	check_esc("end\\", "end\\", 0);
}

static void check_u16(const unsigned char *in, size_t len, bool be,
		      const char *expect)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_utf16_to_utf8(&b, in, len, be);
	assert_string_equal(b.ptr, expect);
	assert_true(ks_utf8_valid((unsigned char *)b.ptr, b.len));
	ks_buf_release(&b);
}

static void test_utf16(void **state)
{
	static const unsigned char le[] = { 'h', 0, 0xe9, 0, '\n', 0 };
	static const unsigned char be[] = { 0, 'h', 0, 0xe9, 0, '\n' };
	static const unsigned char pair_le[] = { 0x3d, 0xd8, 0x11, 0xdd };
	static const unsigned char pair_be[] = { 0xd8, 0x3d, 0xdd, 0x11 };
	static const unsigned char lone[] = { 0x3d, 0xd8, 'a', 0 };
	static const unsigned char low[] = { 0x11, 0xdd };
	static const unsigned char odd[] = { 'a', 0, 'b' };
	static const unsigned char bom_le[] = { 0xff, 0xfe, 'a', 0 };
	static const unsigned char bom_be[] = { 0xfe, 0xff, 0, 'a' };

	(void)state;
	check_u16(le, sizeof(le), false, "h\xc3\xa9\n");
	check_u16(be, sizeof(be), true, "h\xc3\xa9\n");
	check_u16(pair_le, sizeof(pair_le), false, "\xf0\x9f\x94\x91");
	check_u16(pair_be, sizeof(pair_be), true, "\xf0\x9f\x94\x91");
	check_u16(lone, sizeof(lone), false, "\xef\xbf\xbd" "a");
	check_u16(low, sizeof(low), false, "\xef\xbf\xbd");
	check_u16(odd, sizeof(odd), false, "a\xef\xbf\xbd");
	check_u16(pair_le, 3, false, "\xef\xbf\xbd\xef\xbf\xbd");
	assert_int_equal(ks_utf16_bom(bom_le, 4), KS_ENC_UTF16LE);
	assert_int_equal(ks_utf16_bom(bom_be, 4), KS_ENC_UTF16BE);
	assert_int_equal(ks_utf16_bom(bom_be, 1), KS_ENC_NONE);
	assert_int_equal(ks_utf16_bom((unsigned char *)"ab", 2), KS_ENC_NONE);
}

static size_t run(struct ks_decoder *d, const char *s)
{
	return ks_decode_run(d, (const unsigned char *)s, strlen(s), 0,
			     SIZE_MAX);
}

static const char *layer_text(struct ks_decoder *d, unsigned l, size_t g,
			      char *out, size_t size)
{
	const struct ks_dseg *s = &d->layer[l].seg[g];

	snprintf(out, size, "%.*s", (int)(s->end - s->start),
		 d->layer[l].buf.ptr + s->start);
	return out;
}

static void test_candidates(void **state)
{
	struct ks_decoder d;
	struct ks_buf chain = KS_BUF_INIT;
	char t[256];
	size_t s, e;
	/* base64("user:the password is hunter2!") */
	const char *in = "Authorization: Basic "
			 "dXNlcjp0aGUgcGFzc3dvcmQgaXMgaHVudGVyMiE=\n";

	(void)state;
	ks_decoder_init(&d);
	assert_int_equal(run(&d, in), 1);
	assert_string_equal(layer_text(&d, 0, 0, t, sizeof(t)),
			    "user:the password is hunter2!");
	ks_decode_origin(&d, 0, 0, &s, &e);
	assert_int_equal(s, 21);
	assert_int_equal(e, strlen(in) - 1);
	ks_decode_chain(&chain, &d, 0, 0);
	assert_string_equal(chain.ptr, "base64");

	/* percent: two escapes needed */
	assert_int_equal(run(&d, "GET /cb?code=abc%2Fdef%3Dghijklmnop HTTP/1.1"),
			 1);
	assert_string_equal(layer_text(&d, 0, 0, t, sizeof(t)),
			    "abc/def=ghijklmnop");
	assert_int_equal(run(&d, "printf(\"%d items, 100%% done %s\")"), 0);
	assert_int_equal(run(&d, "x = a%2Fbcdefghijklmnopqrstuvw"), 0);

	/* escapes in a quoted string */
	assert_int_equal(run(&d, "{\"k\": \"\\u0068\\u0065llo, world!!\"}"), 1);
	assert_string_equal(layer_text(&d, 0, 0, t, sizeof(t)),
			    "hello, world!!");
	ks_decode_origin(&d, 0, 0, &s, &e);
	assert_int_equal(s, 7);
	ks_buf_release(&chain);
	ks_decoder_release(&d);
}

static void test_no_false_candidates(void **state)
{
	static const char *const plain[] = {
		/* hashes, UUIDs, words, identifiers, paths, separators */
		"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
		"id: 550e8400-e29b-41d4-a716-446655440000",
		"internationalization counterrevolutionaries",
		"#define __GLIBC_USE_DEPRECATED_SCANF_AND_PRINTF 1",
		"/usr/include/x86_64-linux-gnu/bits/types/struct_timespec.h",
		"/* ------------------------------------------------------ */",
		"AKIAIOSFODNN7EXAMPLEwJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
		"img = \"data:image/png;base64,aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=\"",
		"line one\\\nline two is a macro continuation",
	};
	struct ks_decoder d;
	size_t i;

	(void)state;
	ks_decoder_init(&d);
	for (i = 0; i < KS_ARRAY_SIZE(plain); i++) {
		if (run(&d, plain[i]))
			fail_msg("decoded a segment of: %s", plain[i]);
	}
	ks_decoder_release(&d);
}

static void test_random_base64_is_not_text(void **state)
{
	unsigned char raw[3000];
	struct ks_buf enc = KS_BUF_INIT;
	struct ks_decoder d;

	(void)state;
	t_rand_bytes(raw, sizeof(raw));
	ks_base64(&enc, raw, sizeof(raw));
	ks_decoder_init(&d);
	assert_int_equal(ks_decode_run(&d, (unsigned char *)enc.ptr, enc.len, 0,
				       SIZE_MAX),
			 0);
	ks_decoder_release(&d);
	ks_buf_release(&enc);
}

/* b64 of s, NUL-terminated, caller frees */
static char *enc64(const char *s)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_base64(&b, (const unsigned char *)s, strlen(s));
	return ks_buf_detach(&b, NULL);
}

static void test_depth(void **state)
{
	const char *secret = "the inner text, plainly readable";
	char *l1 = enc64(secret), *l2 = enc64(l1), *l3 = enc64(l2);
	struct ks_decoder d;
	struct ks_buf chain = KS_BUF_INIT, in = KS_BUF_INIT;
	char t[256];

	(void)state;
	ks_decoder_init(&d);
	/* two encodings: decoded in layer 1 */
	ks_buf_addf(&in, "v: %s\n", l2);
	ks_decode_run(&d, (unsigned char *)in.ptr, in.len, 0, SIZE_MAX);
	assert_int_equal(d.layer[1].seg_nr, 1);
	assert_string_equal(layer_text(&d, 1, 0, t, sizeof(t)), secret);
	ks_decode_chain(&chain, &d, 1, 0);
	assert_string_equal(chain.ptr, "base64+base64");
	/* three: the third layer is not decoded */
	ks_buf_reset(&in);
	ks_buf_addf(&in, "v: %s\n", l3);
	ks_decode_run(&d, (unsigned char *)in.ptr, in.len, 0, SIZE_MAX);
	assert_int_equal(d.layer[1].seg_nr, 1);
	assert_string_equal(layer_text(&d, 1, 0, t, sizeof(t)), l1);
	assert_false(t_contains(d.layer[1].buf.ptr, d.layer[1].buf.len, secret,
				strlen(secret)));

	/* base64 of percent */
	{
		char *p = enc64("tok=abc%2Fdef%3Dghijklmnopqrs");

		ks_buf_reset(&in);
		ks_buf_addf(&in, "x %s", p);
		ks_decode_run(&d, (unsigned char *)in.ptr, in.len, 0,
			      SIZE_MAX);
		assert_int_equal(d.layer[1].seg_nr, 1);
		ks_buf_reset(&chain);
		ks_decode_chain(&chain, &d, 1, 0);
		assert_string_equal(chain.ptr, "base64+percent");
		free(p);
	}
	free(l1);
	free(l2);
	free(l3);
	ks_buf_release(&in);
	ks_buf_release(&chain);
	ks_decoder_release(&d);
}

static void test_caps(void **state)
{
	struct ks_buf in = KS_BUF_INIT;
	struct ks_decoder d;
	char *one = enc64("some readable text of a fair length!");
	size_t i, total = 0;

	(void)state;
	ks_decoder_init(&d);
	/* segment count */
	for (i = 0; i < KS_DECODE_SEG_NR + 500; i++)
		ks_buf_addf(&in, "%s\n", one);
	ks_decode_run(&d, (unsigned char *)in.ptr, in.len, 0, SIZE_MAX);
	assert_int_equal(d.seg_nr, KS_DECODE_SEG_NR);
	assert_true(d.capped);

	/* one long segment: decoded up to KS_DECODE_SEG_MAX */
	ks_buf_reset(&in);
	{
		struct ks_buf text = KS_BUF_INIT;

		while (text.len < 3 * KS_DECODE_SEG_MAX)
			ks_buf_adds(&text, "lorem ipsum dolor sit amet ");
		ks_base64(&in, (unsigned char *)text.ptr, text.len);
		ks_buf_release(&text);
	}
	ks_decode_run(&d, (unsigned char *)in.ptr, in.len, 0, SIZE_MAX);
	assert_true(d.layer[0].seg_nr >= 1);
	assert_true(d.layer[0].seg[0].end - d.layer[0].seg[0].start <=
		    KS_DECODE_SEG_MAX);

	/* total: max(1 MiB, input) */
	ks_buf_reset(&in);
	while (in.len < 3 * KS_DECODE_MIN_TOTAL / 4) {
		struct ks_buf text = KS_BUF_INIT, e = KS_BUF_INIT;

		while (text.len < KS_DECODE_SEG_MAX - 64)
			ks_buf_adds(&text, "lorem ipsum dolor sit amet ");
		ks_base64(&e, (unsigned char *)text.ptr, text.len);
		/* the same bytes, percent-encoded too: > input decoded */
		ks_buf_add(&in, e.ptr, e.len);
		ks_buf_addch(&in, '\n');
		ks_buf_release(&text);
		ks_buf_release(&e);
	}
	ks_decode_run(&d, (unsigned char *)in.ptr, in.len, 0, SIZE_MAX);
	for (i = 0; i < KS_DECODE_DEPTH; i++)
		total += d.layer[i].buf.len - d.layer[i].seg_nr;
	assert_int_equal(total, d.total);
	assert_true(d.total <= KS_MAX(KS_DECODE_MIN_TOTAL, in.len) +
				       KS_DECODE_SEG_MAX);

	/* from / limit */
	ks_buf_reset(&in);
	ks_buf_addf(&in, "%s %s", one, one);
	assert_int_equal(ks_decode_run(&d, (unsigned char *)in.ptr, in.len, 1,
				       SIZE_MAX),
			 1);
	assert_int_equal(ks_decode_run(&d, (unsigned char *)in.ptr, in.len, 0,
				       5),
			 1);
	free(one);
	ks_buf_release(&in);
	ks_decoder_release(&d);
}

static void test_seg_at(void **state)
{
	struct ks_decoder d;
	const char *in = "a: \"\\u0061bcdefghijklmnopq\" b: "
			 "aGVsbG8gd29ybGQsIGhlbGxvIHdvcmxk\n";
	size_t g;

	(void)state;
	ks_decoder_init(&d);
	assert_int_equal(run(&d, in), 2);
	for (g = 0; g < 2; g++) {
		const struct ks_dseg *s = &d.layer[0].seg[g];

		assert_int_equal(ks_decode_seg_at(&d.layer[0], s->start), g);
		assert_int_equal(ks_decode_seg_at(&d.layer[0], s->end), g);
		assert_true(s->src_end <= strlen(in));
		assert_true(s->src_start < s->src_end);
	}
	assert_int_equal(ks_decode_seg_at(&d.layer[0], d.layer[0].buf.len + 5),
			 SIZE_MAX);
	ks_decoder_release(&d);
}

static void test_is_text(void **state)
{
	(void)state;
	assert_true(ks_decode_is_text((unsigned char *)"plain text\n", 11));
	assert_true(ks_decode_is_text((unsigned char *)"caf\xc3\xa9", 5));
	assert_false(ks_decode_is_text((unsigned char *)"\x89PNG\r\n\x1a\n", 8));
	assert_false(ks_decode_is_text((unsigned char *)"\x1f\x8b\x08\x00", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_std_url),
		cmocka_unit_test(test_base64_random_roundtrip),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_no_false_candidates),
		cmocka_unit_test(test_random_base64_is_not_text),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_seg_at),
		cmocka_unit_test(test_is_text),
	};

	t_seed("test_decode");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
