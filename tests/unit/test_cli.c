/* test_cli.c - unit tests for size parsing and the option table (cli.h). */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "buf.h"
#include "cli.h"
#include "error.h"
#include "unit.h"

static void ok(const char *s, size_t expect)
{
	size_t v = 12345;

	if (ks_parse_size(s, &v))
		fail_msg("'%s' rejected", s);
	assert_int_equal(v, expect);
}

static void bad(const char *s)
{
	size_t v = 12345;

	if (ks_parse_size(s, &v) != KS_EINVALID)
		fail_msg("'%s' accepted as %zu", s ? s : "(null)", v);
	assert_int_equal(v, 12345); /* untouched on error */
}

static void test_parse_size_ok(void **state)
{
	(void)state;
	ok("50M", (size_t)50 << 20);
	ok("1GiB", (size_t)1 << 30);
	ok("4096", 4096);
	ok("100k", 100 * 1024);
	ok("1", 1);
	ok("2K", 2048);
	ok("3kb", 3072);
	ok("3KiB", 3072);
	ok("7mb", (size_t)7 << 20);
	ok("7MiB", (size_t)7 << 20);
	ok("2g", (size_t)2 << 30);
	ok("10b", 10);
	ok("1024G", (size_t)1 << 40);
}

static void test_parse_size_rejects(void **state)
{
	(void)state;
	bad("");
	bad(NULL);
	bad("-1");
	bad("10X");
	bad("abc");
	bad("0");
	bad("0k");
	bad(" 5");
	bad("5 M");
	bad("M");
	bad("5MM");
	bad("5T");
	bad("1025G");
	bad("99999999999999999999999");
	bad("inf");
	bad("nan");
	bad("+5");
}

enum { OPT_FORMAT = 'f', OPT_QUIET = 'q', OPT_MAX = 256, OPT_NO_IGNORE };

static const struct ks_opt opts[] = {
	{ "format", 'f', OPT_FORMAT, "FMT", "output format" },
	{ "quiet", 'q', OPT_QUIET, NULL, "less output" },
	{ "max-size", 0, OPT_MAX, "SIZE", "skip bigger files" },
	{ "no-ignore", 0, OPT_NO_IGNORE, NULL, "scan ignored files" },
};

struct seen {
	char log[256];
	int stop_at;
};

static int handle(int id, const char *arg, void *payload)
{
	struct seen *s = payload;
	size_t n = strlen(s->log);

	snprintf(s->log + n, sizeof(s->log) - n, "%d=%s;", id, arg ? arg : "-");
	return id == s->stop_at ? 1 : 0;
}

static int parse(struct seen *s, int argc, const char **argv)
{
	memset(s->log, 0, sizeof(s->log));
	return ks_cli_parse(argc, (char **)argv, "scan", opts,
			    KS_ARRAY_SIZE(opts), handle, s);
}

static void test_cli_parse(void **state)
{
	struct seen s = { "", -1 };
	const char *a1[] = { "scan", "-f", "json", "--max-size",
			     "5M",   "-q", "dir",  NULL };
	const char *a2[] = { "scan", "dir1",	    "--format=sarif",
			     "dir2", "--no-ignore", NULL };
	const char *a3[] = { "scan", "--", "-q", NULL };
	int first;

	(void)state;
	first = parse(&s, 7, a1);
	assert_int_equal(first, 6);
	assert_string_equal(a1[first], "dir");
	assert_string_equal(s.log, "102=json;256=5M;113=-;");

	/* operands may come before options */
	first = parse(&s, 5, a2);
	assert_string_equal(s.log, "102=sarif;257=-;");
	assert_int_equal(first, 3);
	assert_string_equal(a2[first], "dir1");
	assert_string_equal(a2[first + 1], "dir2");

	/* "--" ends the options */
	first = parse(&s, 3, a3);
	assert_string_equal(s.log, "");
	assert_string_equal(a3[first], "-q");
}

static void test_cli_parse_errors(void **state)
{
	struct seen s = { "", -1 };
	const char *unknown[] = { "scan", "--bogus", NULL };
	const char *unknown_short[] = { "scan", "-Z", NULL };
	const char *missing[] = { "scan", "--format", NULL };
	const char *stop[] = { "scan", "-q", "-f", "x", NULL };
	FILE *saved = stderr;
	FILE *devnull = fopen("/dev/null", "w");

	(void)state;
	stderr = devnull; /* the usage messages */
	assert_int_equal(parse(&s, 2, unknown), -1);
	assert_int_equal(parse(&s, 2, unknown_short), -1);
	assert_int_equal(parse(&s, 2, missing), -1);
	/* a handler that refuses stops parsing */
	s.stop_at = OPT_QUIET;
	assert_int_equal(parse(&s, 4, stop), -1);
	assert_string_equal(s.log, "113=-;");
	stderr = saved;
	fclose(devnull);
}

static void test_cli_help(void **state)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	ks_cli_help(f, "keysnare scan [PATH...]", "Scan files.", opts,
		    KS_ARRAY_SIZE(opts));
	fclose(f);
	assert_non_null(strstr(text, "usage: keysnare scan [PATH...]"));
	assert_non_null(strstr(text, "Scan files."));
	for (i = 0; i < KS_ARRAY_SIZE(opts); i++) {
		char want[64];

		snprintf(want, sizeof(want), "--%s", opts[i].long_name);
		assert_non_null(strstr(text, want));
		assert_non_null(strstr(text, opts[i].help));
	}
	assert_non_null(strstr(text, "-f, --format FMT"));
	assert_non_null(strstr(text, "--max-size SIZE"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size_ok),
		cmocka_unit_test(test_parse_size_rejects),
		cmocka_unit_test(test_cli_parse),
		cmocka_unit_test(test_cli_parse_errors),
		cmocka_unit_test(test_cli_help),
	};

	t_seed("test_cli");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
