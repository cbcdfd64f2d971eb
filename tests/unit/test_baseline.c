/* test_baseline.c - unit tests for the baseline file (baseline.h): round
 * trips of awkward paths, sort order and duplicates, CRLF, the secret key,
 * every load error with its line, pruning, and merges by git merge-file. */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "baseline.h"
#include "error.h"
#include "sha256.h"
#include "utf8.h"
#include "unit.h"

static char tmpdir[] = "/tmp/ks-baseline-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *tpath(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_str(const char *path, const char *s)
{
	write_file(path, s, strlen(s));
}

/* The whole file, NUL-terminated; *len may be NULL. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	assert_non_null(f);
	do {
		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static void rand_key(char key[65])
{
	t_rand_str(key, 64, T_HEX);
}

#define HDR KS_BASELINE_HEADER " test\n"
#define K1  "1111111111111111111111111111111111111111111111111111111111111111"
#define K2  "2222222222222222222222222222222222222222222222222222222222222222"
#define K3  "3333333333333333333333333333333333333333333333333333333333333333"
#define KA  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static char *entry_line(const char *path, const char *rule, const char *key)
{
	char *s = malloc(512);

	assert_non_null(s);
	snprintf(s, 512, "{\"path\":\"%s\",\"rule\":\"%s\",\"secret_sha256\":\"%s\"}\n",
		 path, rule, key);
	return s;
}

/* --- round trip ----------------------------------------------------- */

/* Path components of awkward bytes; some are not UTF-8. */
static void rand_path(char *out, size_t cap)
{
	static const char *const piece[] = { "a", "b", "src", " ", "\"",
		"\\", "\t", "\n", "\r", "'", "\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
		"\xf0\x9f\x94\x91", "\x01", "\x7f", "#", "{", "}", ":", ",",
		"\\u0041", "\\u0000", ".env", "-", "~", "\xe2\x80\xae" /* RLO */ };
	size_t depth = 1 + t_below(4), d, k, n;

	out[0] = '\0';
	for (d = 0; d < depth; d++) {
		if (d)
			snprintf(out + strlen(out), cap - strlen(out), "/");
		n = 1 + t_below(5);
		for (k = 0; k < n; k++)
			snprintf(out + strlen(out), cap - strlen(out), "%s",
				 piece[t_below(KS_ARRAY_SIZE(piece))]);
		if (t_below(16) == 0) /* a byte that is not UTF-8 */
			snprintf(out + strlen(out), cap - strlen(out), "%c",
				 (char)(0x80 + t_below(128)));
	}
}

struct ref {
	char path[160], rule[32], key[65];
};

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (!c)
		c = strcmp(x->rule, y->rule);
	if (!c)
		c = strcmp(x->key, y->key);
	return c;
}

static void test_round_trip(void **state)
{
	static struct ref ref[300];
	struct ks_baseline bl = KS_BASELINE_INIT, back = KS_BASELINE_INIT;
	const char *file = tpath("round-trip.txt"), *file2 = tpath("again.txt");
	size_t n = 0, i, u, len, len2;
	char *text, *text2, *line;

	(void)state;
	for (i = 0; i < 250; i++) {
		if (i && t_below(5) == 0) {
			ref[n] = ref[t_below(n)]; /* a duplicate */
		} else {
			rand_path(ref[n].path, sizeof(ref[n].path));
			t_rand_str(ref[n].rule, 1 + t_below(12),
				   "abcdefghijklmnopqrstuvwxyz-");
			rand_key(ref[n].key);
			if (n && t_below(6) == 0) /* same path, other rule */
				memcpy(ref[n].path, ref[n - 1].path,
				       sizeof(ref[n].path));
		}
		assert_int_equal(ks_baseline_add(&bl, ref[n].path, ref[n].rule,
						 ref[n].key),
				 0);
		n++;
	}
	qsort(ref, n, sizeof(*ref), cmp_ref);
	for (i = 1, u = 1; i < n; i++)
		if (cmp_ref(&ref[u - 1], &ref[i]))
			ref[u++] = ref[i];
	assert_int_equal(bl.nr, u);
	assert_int_equal(ks_baseline_write(&bl, file, false), 0);

	assert_int_equal(ks_baseline_load(&back, file), 0);
	assert_string_equal(back.file, file);
	assert_int_equal(back.nr, u);
	for (i = 0; i < u; i++) {
		assert_string_equal(back.e[i].path, ref[i].path);
		assert_string_equal(back.e[i].rule, ref[i].rule);
		assert_string_equal(back.e[i].secret_sha256, ref[i].key);
		assert_false(back.e[i].used);
		assert_true(ks_baseline_match(&back, ref[i].path, ref[i].rule,
					      ref[i].key));
	}

	/* writing what was read gives the same bytes */
	text = read_file(file, &len);
	assert_int_equal(ks_baseline_write(&back, file2, false), 0);
	text2 = read_file(file2, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(text, text2, len);

	/* the file: UTF-8, LF only, header first, one entry per line with
	 * the keys in order, a final newline */
	assert_true(ks_utf8_valid((const unsigned char *)text, len));
	assert_null(memchr(text, '\r', len));
	assert_null(memchr(text, '\t', len));
	assert_int_equal(text[len - 1], '\n');
	assert_int_equal(strncmp(text, "# keysnare baseline v1 ", 23), 0);
	line = strchr(text, '\n') + 1;
	for (i = 0; i < u; i++) {
		char *nl = strchr(line, '\n');

		assert_non_null(nl);
		assert_int_equal(strncmp(line, "{\"path\":\"", 9), 0);
		*nl = '\0';
		assert_non_null(strstr(line, "\",\"rule\":\""));
		assert_non_null(strstr(line, "\",\"secret_sha256\":\""));
		assert_int_equal(strncmp(nl - 66, ref[i].key, 64), 0);
		line = nl + 1;
	}
	assert_int_equal(*line, '\0');
	free(text);
	free(text2);
	ks_baseline_release(&bl);
	ks_baseline_release(&back);
	assert_null(back.e);
	assert_int_equal(back.nr, 0);
}

/* A path that is not UTF-8 is written as reports write it, and read back
 * as the same bytes. */
static void test_path_bytes(void **state)
{
	struct ks_baseline bl = KS_BASELINE_INIT, back = KS_BASELINE_INIT;
	const char *file = tpath("bytes.txt");
	char *text;

	(void)state;
	assert_int_equal(ks_baseline_add(&bl, "caf\xe9/k\\x.env", "r", K1), 0);
	assert_int_equal(ks_baseline_write(&bl, file, false), 0);
	text = read_file(file, NULL);
	assert_non_null(strstr(text, "{\"path\":\"caf\\\\xE9/k\\\\\\\\x.env\","
				     "\"path_bytes\":\"Y2Fm6S9rXHguZW52\","
				     "\"rule\":\"r\",\"secret_sha256\":\"" K1
				     "\"}\n"));
	free(text);
	assert_int_equal(ks_baseline_load(&back, file), 0);
	assert_int_equal(back.nr, 1);
	assert_string_equal(back.e[0].path, "caf\xe9/k\\x.env");
	ks_baseline_release(&bl);
	ks_baseline_release(&back);
}

/* --- sort order, duplicates, golden output ---------------------------- */

static void test_sort_dedupe(void **state)
{
	struct ks_baseline bl = KS_BASELINE_INIT;
	const char *file = tpath("sort.txt"), *out = tpath("sort-out.txt");
	char *text, *expect, *e[8];
	size_t i;

	(void)state;
	/* '-' < '.' < '/' < 'b' < 'z' < 0xc3 (bytes); then rule; then hash */
	e[0] = entry_line("a-b", "r", K1);
	e[1] = entry_line("a.b", "r", K1);
	e[2] = entry_line("a/b", "aws", K2);
	e[3] = entry_line("a/b", "aws", K3);
	e[4] = entry_line("a/b", "github", K1);
	e[5] = entry_line("ab", "r", K1);
	e[6] = entry_line("z", "r", K1);
	e[7] = entry_line("\xc3\xa9", "r", K1);
	expect = malloc(8 * 512 + 256);
	assert_non_null(expect);
	/* shuffled, with duplicates, comments and blank lines */
	snprintf(expect, 8 * 512 + 256, "%s%s%s\n# a comment\n%s%s%s  \n%s%s%s%s%s",
		 HDR, e[7], e[4], e[2], e[6], e[0], e[4], e[5], e[3], e[1], e[7]);
	write_str(file, expect);
	assert_int_equal(ks_baseline_load(&bl, file), 0);
	assert_int_equal(bl.nr, 8);
	assert_string_equal(bl.e[0].path, "a-b");
	assert_string_equal(bl.e[1].path, "a.b");
	assert_string_equal(bl.e[2].secret_sha256, K2);
	assert_string_equal(bl.e[3].secret_sha256, K3);
	assert_string_equal(bl.e[4].rule, "github");
	assert_string_equal(bl.e[5].path, "ab");
	assert_string_equal(bl.e[6].path, "z");
	assert_string_equal(bl.e[7].path, "\xc3\xa9");
	assert_int_equal(ks_baseline_write(&bl, out, false), 0);

	/* golden: the header, then each entry once, in order */
	text = read_file(out, NULL);
	snprintf(expect, 8 * 512 + 256, "%s",
		 "# keysnare baseline v1 \xe2\x80\x94 accepted findings: "
		 "path, rule id, SHA-256 of the secret (CRLF\xe2\x86\x92"
		 "LF). Sort order: path, rule, hash. See README.\n");
	for (i = 0; i < 8; i++)
		snprintf(expect + strlen(expect), 8 * 512 + 256 - strlen(expect),
			 "%s", e[i]);
	assert_string_equal(text, expect);
	free(text);

	/* loading a second file merges into the first */
	write_str(file, HDR "{\"path\":\"0\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n"
			    "{\"path\":\"z\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n");
	assert_int_equal(ks_baseline_load(&bl, file), 0);
	assert_int_equal(bl.nr, 9);
	assert_string_equal(bl.e[0].path, "0");
	for (i = 0; i < 8; i++)
		free(e[i]);
	free(expect);
	ks_baseline_release(&bl);
}

/* --- CRLF --------------------------------------------------------------- */

static void test_crlf_file(void **state)
{
	static const char lf[] =
		HDR "{\"path\":\"b\",\"rule\":\"r\",\"secret_sha256\":\"" K2 "\"}\n"
		"\n# comment\n"
		"{\"path\":\"a b\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n";
	static const char crlf[] =
		"\xef\xbb\xbf" KS_BASELINE_HEADER " test\r\n"
		"{\"path\":\"b\",\"rule\":\"r\",\"secret_sha256\":\"" K2 "\"}\r\n"
		"\r\n# comment\r\n"
		"{\"path\":\"a b\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}";
	struct ks_baseline a = KS_BASELINE_INIT, b = KS_BASELINE_INIT;
	const char *fa = tpath("lf.txt"), *fb = tpath("crlf.txt");
	char *ta, *tb;
	size_t i;

	(void)state;
	write_str(fa, lf);
	write_str(fb, crlf); /* with a BOM and no final newline too */
	assert_int_equal(ks_baseline_load(&a, fa), 0);
	assert_int_equal(ks_baseline_load(&b, fb), 0);
	assert_int_equal(a.nr, 2);
	assert_int_equal(b.nr, a.nr);
	for (i = 0; i < a.nr; i++) {
		assert_string_equal(a.e[i].path, b.e[i].path);
		assert_string_equal(a.e[i].rule, b.e[i].rule);
		assert_string_equal(a.e[i].secret_sha256, b.e[i].secret_sha256);
	}
	/* written back, both are the same LF file */
	assert_int_equal(ks_baseline_write(&a, fa, false), 0);
	assert_int_equal(ks_baseline_write(&b, fb, false), 0);
	ta = read_file(fa, NULL);
	tb = read_file(fb, NULL);
	assert_string_equal(ta, tb);
	assert_null(strchr(ta, '\r'));
	free(ta);
	free(tb);
	ks_baseline_release(&a);
	ks_baseline_release(&b);
}

/* --- the key ---------------------------------------------------------- */

static void key_of(const char *s, char out[65])
{
	ks_baseline_key(s, strlen(s), out);
}

static void test_key(void **state)
{
	char k1[65], k2[65], ref[65];
	size_t round;

	(void)state;
	key_of("abc", k1);
	assert_string_equal(k1, "ba7816bf8f01cfea414140de5dae2223"
				"b00361a396177a9cb410ff61f20015ad");
	ks_baseline_key("", 0, k1);
	assert_string_equal(k1, "e3b0c44298fc1c149afbf4c8996fb924"
				"27ae41e4649b934ca495991b7852b855");

	/* CRLF and LF checkouts of the same secret */
	key_of("-----BEGIN KEY-----\r\nMIIE\r\n-----END KEY-----\r\n", k1);
	key_of("-----BEGIN KEY-----\nMIIE\n-----END KEY-----\n", k2);
	assert_string_equal(k1, k2);
	/* different secrets */
	key_of("-----BEGIN KEY-----\nMIIF\n-----END KEY-----\n", k2);
	assert_string_not_equal(k1, k2);
	key_of("sk-aaaa", k1);
	key_of("sk-aaab", k2);
	assert_string_not_equal(k1, k2);
	/* only CR LF pairs change: a lone CR stays */
	key_of("a\rb", k1);
	key_of("ab", k2);
	assert_string_not_equal(k1, k2);
	key_of("a\nb", k2);
	assert_string_not_equal(k1, k2);
	key_of("x\r\r\ny", k1);
	ks_sha256_hex("x\r\ny", 4, ref);
	assert_string_equal(k1, ref);
	key_of("x\n\ry", k1);
	ks_sha256_hex("x\n\ry", 4, ref);
	assert_string_equal(k1, ref);
	/* a NUL byte is part of the secret */
	ks_baseline_key("a\0b", 3, k1);
	ks_baseline_key("a", 1, k2);
	assert_string_not_equal(k1, k2);

	/* random secrets of CR, LF and letters: against a plain conversion,
	 * and equal to the key of their CRLF checkout (git's LF-to-CRLF adds
	 * a CR before every LF not already after one) */
	for (round = 0; round < 300; round++) {
		char s[300], conv[300], crlf[600];
		size_t n = t_below(sizeof(s)), i, m = 0, c = 0;

		for (i = 0; i < n; i++)
			s[i] = "\r\nab"[t_below(4)];
		for (i = 0; i < n; i++)
			if (!(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'))
				conv[m++] = s[i];
		for (i = 0; i < n; i++) {
			if (s[i] == '\n' && !(i && s[i - 1] == '\r'))
				crlf[c++] = '\r';
			crlf[c++] = s[i];
		}
		ks_baseline_key(s, n, k1);
		ks_sha256_hex(conv, m, ref);
		assert_string_equal(k1, ref);
		ks_baseline_key(crlf, c, k2);
		assert_string_equal(k1, k2);
	}
}

/* --- load errors ------------------------------------------------------ */

static void test_load_errors(void **state)
{
	static const struct {
		const char *text;
		size_t line;
		const char *why;
	} bad[] = {
		{ "", 1, "empty file" },
		{ "\xef\xbb\xbf", 1, "empty file" },
		{ "hello\n", 1, "not a keysnare baseline" },
		{ "{\"path\":\"a\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n", 1,
		  "not a keysnare baseline" },
		{ "# keysnare baseline\n", 1, "not a keysnare baseline" },
		{ "# keysnare baseline v2\n", 1, "unsupported baseline version" },
		{ "# keysnare baseline v10\n", 1, "unsupported baseline version" },
		{ "# keysnare baseline v1x\n", 1, "unsupported baseline version" },
		{ HDR "{bad json\n", 2, "invalid JSON" },
		{ HDR "\n# c\n\n{\"path\":\"a\",\n", 5, "invalid JSON" },
		{ HDR "{\"path\":\"a\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"} x\n",
		  2, "text after the JSON object" },
		{ HDR "{\"path\":\"a\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}{}\n",
		  2, "text after the JSON object" },
		{ HDR "[\"a\",\"r\"]\n", 2, "not a JSON object" },
		{ HDR "\"a\"\n", 2, "not a JSON object" },
		{ HDR "{\"path\":\"a\",\"secret_sha256\":\"" K1 "\"}\n", 2,
		  "missing key 'rule'" },
		{ HDR "{\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n", 2,
		  "missing key 'path'" },
		{ HDR "{\"path\":\"a\",\"rule\":\"r\"}\n", 2,
		  "missing key 'secret_sha256'" },
		{ HDR "{}\n", 2, "missing key 'path'" },
		{ HDR "{\"path\":\"a\",\"rule\":\"r\",\"secret_sha256\":\"" K1
		      "\",\"line\":3}\n",
		  2, "unexpected key 'line'" },
		{ HDR "{\"path\":\"a\",\"path\":\"b\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n",
		  2, "duplicate key 'path'" },
		{ HDR "{\"path\":\"a\",\"rule\":1,\"secret_sha256\":\"" K1 "\"}\n", 2,
		  "'rule' is not a string" },
		{ HDR "{\"path\":null,\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n", 2,
		  "'path' is not a string" },
		{ HDR "{\"path\":\"a\",\"rule\":\"r\",\"secret_sha256\":\"ABCDEF"
		      "1111111111111111111111111111111111111111111111111111111111\"}\n",
		  2, "'secret_sha256' is not 64 lowercase hex digits" },
		{ HDR "{\"path\":\"a\",\"rule\":\"r\",\"secret_sha256\":\"abc\"}\n", 2,
		  "'secret_sha256' is not 64 lowercase hex digits" },
		{ HDR "{\"path\":\"a\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "0\"}\n", 2,
		  "'secret_sha256' is not 64 lowercase hex digits" },
		{ HDR "{\"path\":\"a\",\"rule\":\"r\",\"secret_sha256\":\"g"
		      "111111111111111111111111111111111111111111111111111111111111111\"}\n",
		  2, "'secret_sha256' is not 64 lowercase hex digits" },
		{ HDR "{\"path\":\"\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n", 2,
		  "'path' is not a relative path" },
		{ HDR "{\"path\":\"/etc/x\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n",
		  2, "'path' is not a relative path" },
		{ HDR "{\"path\":\"a\",\"rule\":\"\",\"secret_sha256\":\"" K1 "\"}\n", 2,
		  "empty 'rule'" },
		{ HDR "{\"path\":\"\xff\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n",
		  2, "not valid UTF-8" },
		{ HDR "{\"path\":\"a\\u0000b\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n",
		  2, "NUL byte" },
		{ HDR "{\"path\":\"a\",\"path_bytes\":\"!!!!\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n",
		  2, "'path_bytes' is not base64" },
		{ HDR "{\"path\":\"a\",\"path_bytes\":\"Yg==\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n",
		  2, "'path' and 'path_bytes' disagree" },
		{ HDR "{\"path\":\"a\",\"rule\":\"r\",\"secret_sha256\":\"" K1 "\"}\n"
		      "<<<<<<< ours\n",
		  3, "unresolved merge conflict marker" },
		{ HDR "=======\n", 2, "unresolved merge conflict marker" },
		{ HDR ">>>>>>> theirs\r\n", 2, "unresolved merge conflict marker" },
	};
	struct ks_baseline bl = KS_BASELINE_INIT;
	const char *file = tpath("bad.txt");
	char expect[512];
	size_t i;

	(void)state;
	assert_int_equal(ks_baseline_add(&bl, "kept", "r", K1), 0);
	for (i = 0; i < KS_ARRAY_SIZE(bad); i++) {
		write_str(file, bad[i].text);
		ks_error_clear();
		if (ks_baseline_load(&bl, file) != KS_EINVALID)
			fail_msg("case %zu loaded", i);
		snprintf(expect, sizeof(expect), "%s:%zu: ", file, bad[i].line);
		if (strncmp(ks_error_last(), expect, strlen(expect)) ||
		    !strstr(ks_error_last(), bad[i].why))
			fail_msg("case %zu: got '%s', want '%s%s'", i,
				 ks_error_last(), expect, bad[i].why);
		/* nothing of a bad file is kept */
		assert_int_equal(bl.nr, 1);
		assert_null(bl.file);
	}

	/* good variants of the same lines */
	write_str(file, HDR "  {\"secret_sha256\":\"" K2 "\" , \"rule\":\"r\",\"path\":\"a\"}\t\n"
			    "# keysnare baseline v1 (a comment now)\n");
	assert_int_equal(ks_baseline_load(&bl, file), 0);
	assert_int_equal(bl.nr, 2);
	write_str(file, KS_BASELINE_HEADER "\n");
	assert_int_equal(ks_baseline_load(&bl, file), 0);
	assert_int_equal(bl.nr, 2);

	assert_int_equal(ks_baseline_load(&bl, tpath("missing.txt")), KS_ENOTFOUND);
	assert_non_null(strstr(ks_error_last(), "missing.txt"));
	assert_int_equal(ks_baseline_load(&bl, tmpdir), KS_EIO);
	assert_int_equal(bl.nr, 2);
	ks_baseline_release(&bl);
}

static void test_add_errors(void **state)
{
	struct ks_baseline bl = KS_BASELINE_INIT;

	(void)state;
	assert_int_equal(ks_baseline_add(&bl, "", "r", K1), KS_EINVALID);
	assert_int_equal(ks_baseline_add(&bl, "/abs/path", "r", K1), KS_EINVALID);
	assert_int_equal(ks_baseline_add(&bl, "a", "", K1), KS_EINVALID);
	assert_int_equal(ks_baseline_add(&bl, "a", "\xff", K1), KS_EINVALID);
	assert_int_equal(ks_baseline_add(&bl, "a", "r", "abc"), KS_EINVALID);
	assert_int_equal(ks_baseline_add(&bl, "a", "r",
					 "A111111111111111111111111111111111111111111111111111111111111111"),
			 KS_EINVALID);
	assert_int_equal(ks_baseline_add(&bl, "a", "r", K1 "1"), KS_EINVALID);
	assert_int_equal(bl.nr, 0);
	assert_int_equal(ks_baseline_add(&bl, "a", "r", K1), 0);
	assert_int_equal(ks_baseline_add(&bl, "a", "r", K1), 0);
	assert_int_equal(bl.nr, 1);
	ks_baseline_release(&bl);
}

/* --- matching, unused entries, pruning --------------------------------- */

static void test_match_prune(void **state)
{
	struct ks_baseline bl = KS_BASELINE_INIT, back = KS_BASELINE_INIT;
	const char *file = tpath("prune.txt"), *out = tpath("pruned.txt");
	char *text;

	(void)state;
	write_str(file, HDR
		  "{\"path\":\"a/x.env\",\"rule\":\"aws\",\"secret_sha256\":\"" K1 "\"}\n"
		  "{\"path\":\"a/x.env\",\"rule\":\"aws\",\"secret_sha256\":\"" K2 "\"}\n"
		  "{\"path\":\"a/y.env\",\"rule\":\"aws\",\"secret_sha256\":\"" K1 "\"}\n"
		  "{\"path\":\"b.txt\",\"rule\":\"gh\",\"secret_sha256\":\"" K3 "\"}\n");
	assert_int_equal(ks_baseline_load(&bl, file), 0);
	assert_int_equal(bl.nr, 4);
	assert_int_equal(ks_baseline_unused(&bl), 4);

	/* exact (path, rule, key) only */
	assert_true(ks_baseline_match(&bl, "a/x.env", "aws", K2));
	assert_false(ks_baseline_match(&bl, "a/x.env", "aws", K3));
	assert_false(ks_baseline_match(&bl, "a/x.env", "gh", K1));
	assert_false(ks_baseline_match(&bl, "a/z.env", "aws", K1));
	assert_false(ks_baseline_match(&bl, "./a/x.env", "aws", K1));
	assert_false(ks_baseline_match(&bl, "A/x.env", "aws", K1));
	assert_false(ks_baseline_match(&bl, NULL, "aws", K1));
	assert_true(ks_baseline_match(&bl, "b.txt", "gh", K3));
	assert_true(ks_baseline_match(&bl, "b.txt", "gh", K3));
	assert_int_equal(ks_baseline_unused(&bl), 2);

	/* a new finding added: kept when pruning */
	assert_int_equal(ks_baseline_add(&bl, "a/new", "aws", KA), 0);
	assert_int_equal(ks_baseline_unused(&bl), 2);
	assert_int_equal(bl.nr, 5);
	assert_true(ks_baseline_match(&bl, "a/new", "aws", KA));

	assert_int_equal(ks_baseline_write(&bl, out, true), 0);
	assert_int_equal(ks_baseline_load(&back, out), 0);
	assert_int_equal(back.nr, 3);
	assert_string_equal(back.e[0].path, "a/new");
	assert_string_equal(back.e[1].secret_sha256, K2);
	assert_string_equal(back.e[2].path, "b.txt");
	ks_baseline_release(&back);
	text = read_file(out, NULL);
	assert_null(strstr(text, K1));
	free(text);

	/* without only_used everything stays */
	assert_int_equal(ks_baseline_write(&bl, out, false), 0);
	assert_int_equal(ks_baseline_load(&back, out), 0);
	assert_int_equal(back.nr, 5);
	ks_baseline_release(&back);

	/* an empty baseline is a header line */
	assert_int_equal(ks_baseline_write(&back, out, false), 0);
	text = read_file(out, NULL);
	assert_int_equal(strncmp(text, KS_BASELINE_HEADER " ", 23), 0);
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
	free(text);
	assert_int_equal(ks_baseline_load(&back, out), 0);
	assert_int_equal(back.nr, 0);
	ks_baseline_release(&back);
	ks_baseline_release(&bl);
}

/* --- writing ---------------------------------------------------------- */

static void test_write_modes(void **state)
{
	struct ks_baseline bl = KS_BASELINE_INIT, back = KS_BASELINE_INIT;
	const char *file = tpath("mode.txt"), *link = tpath("link.txt");
	const char *fifo = tpath("fifo"), *nodir = tpath("no/such/dir.txt");
	struct stat st;
	char cmd[512], cwd[4096], *text;
	mode_t old_mask;
	FILE *p;

	(void)state;
	assert_int_equal(ks_baseline_add(&bl, "a", "r", K1), 0);

	/* an existing file keeps its mode; no temporary file is left */
	write_str(file, "old");
	assert_int_equal(chmod(file, 0640), 0);
	assert_int_equal(ks_baseline_write(&bl, file, false), 0);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -c tmp", tmpdir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fgetc(p), '0');
	pclose(p);

	/* a symlink is written through, not replaced */
	unlink(link);
	assert_int_equal(symlink("mode.txt", link), 0);
	assert_int_equal(ks_baseline_add(&bl, "b", "r", K1), 0);
	assert_int_equal(ks_baseline_write(&bl, link, false), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(ks_baseline_load(&back, file), 0);
	assert_int_equal(back.nr, 2);
	ks_baseline_release(&back);

	/* a FIFO is written in place */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(cmd, sizeof(cmd), "cat '%s'", fifo);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(ks_baseline_write(&bl, fifo, false), 0);
	{
		char buf[1024];
		size_t n = fread(buf, 1, sizeof(buf) - 1, p);

		buf[n] = '\0';
		assert_int_equal(strncmp(buf, KS_BASELINE_HEADER, 22), 0);
		assert_non_null(strstr(buf, "{\"path\":\"b\""));
	}
	pclose(p);

	/* errors name the file */
	assert_int_equal(ks_baseline_write(&bl, nodir, false), KS_EIO);
	assert_non_null(strstr(ks_error_last(), "no/such/dir.txt"));

	/* a new file: 0666 less the umask, like any file (not mkstemp's
	 * 0600); a file name without a directory */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);
	old_mask = umask(022);
	assert_int_equal(ks_baseline_write(&bl, "plain.txt", false), 0);
	umask(old_mask);
	assert_int_equal(stat("plain.txt", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	text = read_file("plain.txt", NULL);
	assert_non_null(strstr(text, "{\"path\":\"a\""));
	free(text);
	assert_int_equal(chdir(cwd), 0);
	ks_baseline_release(&bl);
}

/* --- merges ----------------------------------------------------------- */

static bool have_git(void)
{
	return system("git --version >/dev/null 2>&1") == 0;
}

/* Runs git merge-file (extra: "" or "--union") on ours/base/theirs in
 * tmpdir into "merged"; returns its exit status (the conflict count). */
static int merge_file(const char *extra)
{
	char cmd[512];
	int st;

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && git merge-file -p %s ours base theirs >merged",
		 tmpdir, extra);
	st = system(cmd);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Writes a baseline of paths[idx[0..n)] (rule "rule-x", the key of the
 * path) to tmpdir/name. */
static void write_entries(const char *name, const char *const *paths,
			  const size_t *idx, size_t n)
{
	struct ks_baseline bl = KS_BASELINE_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		char key[65];

		ks_baseline_key(paths[idx[i]], strlen(paths[idx[i]]), key);
		assert_int_equal(ks_baseline_add(&bl, paths[idx[i]], "rule-x",
						 key),
				 0);
	}
	assert_int_equal(ks_baseline_write(&bl, tpath(name), false), 0);
	ks_baseline_release(&bl);
}

/* Whether m holds exactly paths[idx[0..n)] (each with its key). */
static bool holds_exactly(struct ks_baseline *m, const char *const *paths,
			  const size_t *idx, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char key[65];

		ks_baseline_key(paths[idx[i]], strlen(paths[idx[i]]), key);
		if (!ks_baseline_match(m, paths[idx[i]], "rule-x", key))
			return false;
	}
	return ks_baseline_unused(m) == 0;
}

static bool has_marker(const char *file)
{
	char *text = read_file(file, NULL);
	bool found = strstr(text, "<<<<<<<") || strstr(text, "=======") ||
		     strstr(text, ">>>>>>>");

	free(text);
	return found;
}

/* Base: entries b, d, f. Each branch adds one entry in one of the four
 * gaps around them. Different gaps merge cleanly, into the sorted file.
 * The same gap conflicts in a plain merge (git 2.39), and the markers are
 * a load error that says what to do; with --union it always loads. */
static void test_merge(void **state)
{
	static const char *const paths[] = { "a/k.env", "b/k.env", "c/k.env",
		"d/k.env", "e/k.env", "f/k.env", "g/k.env", "a/z.env",
		"c/z.env", "e/z.env", "g/z.env" };
	static const size_t base[] = { 1, 3, 5 };
	struct ks_baseline m = KS_BASELINE_INIT;
	size_t x, y, clean = 0, conflicts = 0;

	(void)state;
	if (!have_git())
		skip();
	write_entries("base", paths, base, 3);
	for (x = 0; x < 7; x += 2) {
		for (y = 0; y < 7; y += 2) {
			/* the same gap: theirs adds "<x>/z.env" there */
			size_t ty = x == y ? 7 + x / 2 : y;
			size_t ours[] = { 1, 3, 5, x }, theirs[] = { 1, 3, 5, ty };
			size_t all[] = { 1, 3, 5, x, ty };
			int rc;

			write_entries("ours", paths, ours, 4);
			write_entries("theirs", paths, theirs, 4);
			rc = merge_file("");
			if (x == y && rc > 0) {
				assert_true(has_marker(tpath("merged")));
				assert_int_equal(ks_baseline_load(&m, tpath("merged")),
						 KS_EINVALID);
				assert_non_null(strstr(ks_error_last(),
						       "merge conflict marker"));
				assert_non_null(strstr(ks_error_last(),
						       "merge=union"));
				conflicts++;
			} else {
				assert_int_equal(rc, 0);
				assert_false(has_marker(tpath("merged")));
				assert_int_equal(ks_baseline_load(&m, tpath("merged")), 0);
				assert_true(holds_exactly(&m, paths, all, 5));
				/* the merge is already the sorted file */
				assert_int_equal(ks_baseline_write(&m, tpath("resorted"),
								   false),
						 0);
				{
					char *a = read_file(tpath("merged"), NULL);
					char *b = read_file(tpath("resorted"), NULL);

					assert_string_equal(a, b);
					free(a);
					free(b);
				}
				ks_baseline_release(&m);
				clean++;
			}

			/* with merge=union: always loads, holds both sides */
			assert_int_equal(merge_file("--union"), 0);
			assert_false(has_marker(tpath("merged")));
			assert_int_equal(ks_baseline_load(&m, tpath("merged")), 0);
			assert_true(holds_exactly(&m, paths, all, 5));
			ks_baseline_release(&m);
		}
	}
	assert_int_equal(clean + conflicts, 16);
	assert_true(clean >= 12);
}

/* Random bases; each side adds several entries anywhere (some the same
 * as the other side's) and removes some: the union merge loads, holds
 * every entry either side added and every base entry both sides kept, and
 * nothing that neither side has (a removal on one side may win). */
static void test_merge_union_random(void **state)
{
	static char pathbuf[64][24];
	const char *paths[64];
	struct ks_baseline m = KS_BASELINE_INIT;
	size_t round, i;

	(void)state;
	if (!have_git())
		skip();
	for (i = 0; i < 64; i++) {
		snprintf(pathbuf[i], sizeof(pathbuf[i]), "%c%c/%zu",
			 'a' + (int)t_below(26), 'a' + (int)t_below(26), i);
		paths[i] = pathbuf[i];
	}
	for (round = 0; round < 40; round++) {
		bool in_base[64], in_ours[64], in_theirs[64];
		size_t b[64], o[64], t[64], u[64], nb = 0, no = 0, nt = 0, nu = 0;

		for (i = 0; i < 64; i++) {
			in_base[i] = t_below(3) == 0;
			in_ours[i] = in_base[i] ? t_below(8) != 0 : t_below(6) == 0;
			in_theirs[i] = in_base[i] ? t_below(8) != 0
						  : t_below(6) == 0;
			if (in_base[i])
				b[nb++] = i;
			if (in_ours[i])
				o[no++] = i;
			if (in_theirs[i])
				t[nt++] = i;
			if ((in_ours[i] && in_theirs[i]) ||
			    (!in_base[i] && (in_ours[i] || in_theirs[i])))
				u[nu++] = i;
		}
		write_entries("base", paths, b, nb);
		write_entries("ours", paths, o, no);
		write_entries("theirs", paths, t, nt);
		assert_int_equal(merge_file("--union"), 0);
		assert_int_equal(ks_baseline_load(&m, tpath("merged")), 0);
		for (i = 0; i < nu; i++) {
			char key[65];

			ks_baseline_key(paths[u[i]], strlen(paths[u[i]]), key);
			assert_true(ks_baseline_match(&m, paths[u[i]], "rule-x",
						      key));
		}
		for (i = 0; i < m.nr; i++) {
			size_t k;

			for (k = 0; k < 64; k++)
				if (!strcmp(m.e[i].path, paths[k]))
					break;
			assert_true(k < 64 && (in_ours[k] || in_theirs[k]));
		}
		ks_baseline_release(&m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_path_bytes),
		cmocka_unit_test(test_sort_dedupe),
		cmocka_unit_test(test_crlf_file),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_add_errors),
		cmocka_unit_test(test_match_prune),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_union_random),
		cmocka_unit_test(test_write_modes),
	};

	t_seed("test_baseline");
	return cmocka_run_group_tests(tests, setup, teardown);
}
