/* test_verify.c - unit tests for the parts of --verify that need no
 * network: scrubbing keys out of responses (verify.h), keeping live
 * findings, the result objects, and --verify-cache-ttl parsing (cli.h).
 * The request engine is covered end to end against the loopback mock
 * (tests/e2e/t80*). */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "buf.h"
#include "cli.h"
#include "error.h"
#include "finding.h"
#include "rules.h"
#include "utf8.h"
#include "verify.h"
#include "xalloc.h"
#include "unit.h"

/* A random key of n characters from the alphabet keys use. */
static char *rand_key(size_t n)
{
	char *k = xmalloc(n + 1);

	t_rand_str(k, n, T_ALNUM "-_");
	return k;
}

static size_t scrub_str(char *s, const char *key)
{
	return ks_scrub(s, strlen(s), key, strlen(key));
}

static void test_scrub_plain(void **state)
{
	char *key = rand_key(40);
	struct ks_buf b = KS_BUF_INIT;
	size_t n;

	(void)state;
	ks_buf_addf(&b, "{\"error\":\"Incorrect API key provided: %s. See %s\"}",
		    key, key);
	n = scrub_str(b.ptr, key);
	assert_int_equal(n, strlen(b.ptr));
	assert_null(strstr(b.ptr, key));
	assert_string_equal(b.ptr,
			    "{\"error\":\"Incorrect API key provided: ***. See ***\"}");
	ks_buf_release(&b);
	free(key);
}

/* Every piece of the key that is longer than a quarter of it is gone:
 * the base64 of the key, whatever follows it (padding and the last
 * digit depend on that), and the key itself. */
static void test_scrub_encoded(void **state)
{
	int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		char *key = rand_key(8 + t_below(80));
		struct ks_buf enc = KS_BUF_INIT, b = KS_BUF_INIT;
		struct ks_buf with = KS_BUF_INIT;
		size_t i;

		/* key + random suffix, base64'd as a Basic auth blob would be */
		ks_buf_adds(&with, key);
		for (i = 0; i < t_below(4); i++)
			ks_buf_addch(&with, "xy:="[t_below(4)]);
		ks_base64(&enc, (const unsigned char *)with.ptr, with.len);
		ks_buf_addf(&b, "Basic %s and q=%s", enc.ptr, key);
		scrub_str(b.ptr, key);
		assert_null(strstr(b.ptr, key));
		ks_buf_reset(&enc);
		ks_base64(&enc, (const unsigned char *)key, strlen(key));
		/* the leading base64 digits that depend on the key alone */
		if (strlen(key) >= 12)
			assert_false(t_contains(b.ptr, strlen(b.ptr), enc.ptr,
						(strlen(key) / 3) * 4));
		ks_buf_release(&enc);
		ks_buf_release(&b);
		ks_buf_release(&with);
		free(key);
	}
}

static void test_scrub_percent(void **state)
{
	char buf[256];
	const char *key = "sk-ab/cd+ef=gh:ij12";

	(void)state;
	snprintf(buf, sizeof(buf), "?key=sk-ab%%2Fcd%%2Bef%%3Dgh%%3Aij12&x=1");
	scrub_str(buf, key);
	assert_string_equal(buf, "?key=***&x=1");
}

/* Short or missing keys change nothing (a 3-byte "key" would eat
 * ordinary text). */
static void test_scrub_degenerate(void **state)
{
	char buf[64] = "abc abc abcd";

	(void)state;
	assert_int_equal(ks_scrub(buf, strlen(buf), "abc", 3), 12);
	assert_string_equal(buf, "abc abc abcd");
	assert_int_equal(ks_scrub(buf, strlen(buf), NULL, 0), 12);
	assert_int_equal(ks_scrub(buf, strlen(buf), "abcd", 4), 11);
	assert_string_equal(buf, "abc abc ***");
	buf[0] = '\0';
	assert_int_equal(ks_scrub(buf, 0, "abcd", 4), 0);
	assert_string_equal(buf, "");
}

static void test_vstate_names(void **state)
{
	(void)state;
	assert_string_equal(ks_vstate_name(KS_V_LIVE), "live");
	assert_string_equal(ks_vstate_name(KS_V_LIVE_RESTRICTED),
			    "live_restricted");
	assert_string_equal(ks_vstate_name(KS_V_INVALID), "invalid");
	assert_string_equal(ks_vstate_name(KS_V_UNKNOWN), "unknown");
	assert_string_equal(ks_vstate_name(KS_V_NONE), "");
}

static void test_verification_dup(void **state)
{
	struct ks_verification *v = ks_verification_new(), *d;

	(void)state;
	v->state = KS_V_LIVE;
	v->provider = "deepseek";
	v->http_status = 200;
	v->checked_at = 1795777754;
	ks_verification_reason(v, "HTTP %d", 200);
	ks_verification_reason(v, "replaced %s", "reason");
	ks_verification_add_detail(v, "balance", "110.00 CNY");
	ks_verification_add_detail(v, "is_available", "true");
	d = ks_verification_dup(v);
	ks_verification_free(v);
	assert_int_equal(d->state, KS_V_LIVE);
	assert_string_equal(d->provider, "deepseek");
	assert_int_equal(d->http_status, 200);
	assert_int_equal(d->checked_at, 1795777754);
	assert_string_equal(d->reason, "replaced reason");
	assert_int_equal(d->detail_nr, 2);
	assert_string_equal(d->detail[1].key, "is_available");
	assert_string_equal(d->detail[0].value, "110.00 CNY");
	ks_verification_free(d);
	assert_null(ks_verification_dup(NULL));
}

static void add_finding(struct ks_findings *fs, const struct ks_rule *r,
			enum ks_vstate s, enum ks_supp supp)
{
	struct ks_finding *f;

	ALLOC_GROW(fs->f, fs->nr + 1, fs->alloc);
	f = &fs->f[fs->nr++];
	memset(f, 0, sizeof(*f));
	f->rule = r;
	f->path = xstrdup("p");
	f->secret = rand_key(20);
	f->secret_len = 20;
	f->redacted = xstrdup("x***");
	f->snippet = xstrdup("");
	f->suppressed = supp;
	if (s != KS_V_NONE) {
		f->verification = ks_verification_new();
		f->verification->state = s;
		f->line = (size_t)s;
	}
}

static void test_keep_live(void **state)
{
	struct ks_rule r;
	struct ks_findings fs = KS_FINDINGS_INIT;
	size_t unknown = 99, dropped;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.id = (char *)"deepseek-api-key";
	add_finding(&fs, &r, KS_V_INVALID, KS_SUPP_NONE);
	add_finding(&fs, &r, KS_V_LIVE, KS_SUPP_NONE);
	add_finding(&fs, &r, KS_V_UNKNOWN, KS_SUPP_NONE);
	add_finding(&fs, &r, KS_V_NONE, KS_SUPP_NONE);
	add_finding(&fs, &r, KS_V_LIVE_RESTRICTED, KS_SUPP_NONE);
	add_finding(&fs, &r, KS_V_UNKNOWN, KS_SUPP_NONE);
	dropped = ks_verify_keep_live(&fs, &unknown);
	assert_int_equal(dropped, 4);
	assert_int_equal(unknown, 2);
	assert_int_equal(fs.nr, 2);
	assert_int_equal(fs.f[0].verification->state, KS_V_LIVE);
	assert_int_equal(fs.f[1].verification->state, KS_V_LIVE_RESTRICTED);
	ks_findings_release(&fs);

	/* nothing live: all gone, none unknown */
	add_finding(&fs, &r, KS_V_INVALID, KS_SUPP_NONE);
	dropped = ks_verify_keep_live(&fs, &unknown);
	assert_int_equal(dropped, 1);
	assert_int_equal(unknown, 0);
	assert_int_equal(fs.nr, 0);
	ks_findings_release(&fs);
}

static void test_parse_duration(void **state)
{
	static const struct {
		const char *s;
		int64_t v;
	} ok[] = {
		{ "0", 0 },	  { "3600", 3600 }, { "90s", 90 },
		{ "30m", 1800 }, { "12h", 43200 }, { "7d", 604800 },
		{ "3660d", 3660LL * 86400 },
	};
	static const char *const bad[] = {
		"", "-1", "h", "1x", "1hh", "1.5h", " 1", "1 ", "99999999999999999999",
		"4000d", "+5",
	};
	size_t i;
	int64_t v;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(ok); i++) {
		v = -1;
		assert_int_equal(ks_parse_duration(ok[i].s, &v), 0);
		assert_int_equal(v, ok[i].v);
	}
	for (i = 0; i < KS_ARRAY_SIZE(bad); i++) {
		v = 42;
		assert_int_not_equal(ks_parse_duration(bad[i], &v), 0);
		assert_int_equal(v, 42);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scrub_plain),
		cmocka_unit_test(test_scrub_encoded),
		cmocka_unit_test(test_scrub_percent),
		cmocka_unit_test(test_scrub_degenerate),
		cmocka_unit_test(test_vstate_names),
		cmocka_unit_test(test_verification_dup),
		cmocka_unit_test(test_keep_live),
		cmocka_unit_test(test_parse_duration),
	};

	t_seed("test_verify");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
