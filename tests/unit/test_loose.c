/* test_loose.c - unit tests for the loose-object check (loose.h): sound
 * objects pass (small, and larger than the check's 64 KiB buffers), and
 * every kind of damage is an error that names the object, never a hang. */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "error.h"
#include "loose.h"
#include "unit.h"

static char dir[] = "/tmp/ks-loose-XXXXXX";
static unsigned char id[20];
static char hex[41];

static void new_id(void)
{
	size_t i;

	t_rand_bytes(id, sizeof(id));
	for (i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
}

/* Writes bytes as the loose file of id. */
static void put_file(const unsigned char *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%.2s", dir, hex);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%.2s/%s", dir, hex, hex + 2);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Deflates "TYPE SIZE\0" + body (SIZE as claimed) into *out. */
static size_t deflate_object(const char *type, size_t claimed,
			     const unsigned char *body, size_t len,
			     unsigned char **out)
{
	char head[64];
	int hl = snprintf(head, sizeof(head), "%s %zu", type, claimed);
	size_t raw_len = (size_t)hl + 1 + len;
	unsigned char *raw = malloc(raw_len);
	uLongf zlen = compressBound((uLong)raw_len);

	memcpy(raw, head, (size_t)hl + 1);
	memcpy(raw + hl + 1, body, len);
	*out = malloc(zlen);
	assert_int_equal(compress(*out, &zlen, raw, (uLong)raw_len), Z_OK);
	free(raw);
	return zlen;
}

static unsigned char *random_body(size_t len)
{
	unsigned char *b = malloc(len ? len : 1);

	t_rand_bytes(b, len);
	return b;
}

static void test_missing_is_not_an_error(void **state)
{
	(void)state;
	new_id();
	assert_int_equal(ks_loose_check(dir, id), 0);
	assert_int_equal(ks_loose_check("/nonexistent/objects", id), 0);
}

static void test_sound_objects_pass(void **state)
{
	static const size_t sizes[] = { 0, 1, 100, 65535, 65536, 300000 };
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(sizes); i++) {
		unsigned char *body = random_body(sizes[i]), *z;
		size_t zl = deflate_object(i % 2 ? "tree" : "blob", sizes[i],
					   body, sizes[i], &z);

		new_id();
		put_file(z, zl);
		assert_int_equal(ks_loose_check(dir, id), 0);
		free(body);
		free(z);
	}
}

static void test_truncated_streams_fail(void **state)
{
	unsigned char *body = random_body(200000), *z;
	size_t zl = deflate_object("blob", 200000, body, 200000, &z), cut;
	size_t cuts[] = { 2, 5, 12, zl / 2, zl - 1 };

	(void)state;
	for (cut = 0; cut < KS_ARRAY_SIZE(cuts); cut++) {
		new_id();
		put_file(z, cuts[cut]);
		assert_int_equal(ks_loose_check(dir, id), KS_EINVALID);
		assert_non_null(strstr(ks_error_last(), hex));
	}
	free(body);
	free(z);
}

static void test_size_mismatch_fails(void **state)
{
	unsigned char *body = random_body(100), *z;
	size_t zl;

	(void)state;
	/* a header that understates the size (libgit2#7177) */
	zl = deflate_object("blob", 12, body, 100, &z);
	new_id();
	put_file(z, zl);
	assert_int_equal(ks_loose_check(dir, id), KS_EINVALID);
	assert_non_null(strstr(ks_error_last(), "header says 12"));
	free(z);
	/* and one that overstates it */
	zl = deflate_object("blob", 1000, body, 100, &z);
	new_id();
	put_file(z, zl);
	assert_int_equal(ks_loose_check(dir, id), KS_EINVALID);
	free(z);
	free(body);
}

static void test_bad_headers_fail(void **state)
{
	unsigned char body[8] = "content", *z;
	size_t zl;

	(void)state;
	zl = deflate_object("bolb", 7, body, 7, &z);
	new_id();
	put_file(z, zl);
	assert_int_equal(ks_loose_check(dir, id), KS_EINVALID);
	free(z);
	zl = deflate_object("blob", 7, body, 7, &z);
	/* flip a byte inside the deflate data: zlib or the header fails */
	z[zl / 2] ^= 0x55;
	new_id();
	put_file(z, zl);
	assert_int_equal(ks_loose_check(dir, id), KS_EINVALID);
	free(z);
}

static void test_not_zlib_is_left_to_libgit2(void **state)
{
	/* not a zlib stream: the legacy "packlike" loose format, which
	 * libgit2 reads (and rejects cleanly) itself */
	const char junk[] = "this is not a zlib stream\n";

	(void)state;
	new_id();
	put_file((const unsigned char *)junk, sizeof(junk) - 1);
	assert_int_equal(ks_loose_check(dir, id), 0);
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_is_not_an_error),
		cmocka_unit_test(test_sound_objects_pass),
		cmocka_unit_test(test_truncated_streams_fail),
		cmocka_unit_test(test_size_mismatch_fails),
		cmocka_unit_test(test_bad_headers_fail),
		cmocka_unit_test(test_not_zlib_is_left_to_libgit2),
	};

	t_seed("test_loose");
	if (!mkdtemp(dir))
		return 1;
	return cmocka_run_group_tests(tests, NULL, teardown);
}
