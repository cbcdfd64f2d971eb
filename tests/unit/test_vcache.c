/* test_vcache.c - unit tests for the verify cache (vcache.h): round trip,
 * no key or plain hash on disk, per-directory salt, expiry, what is not
 * stored, refusals (symlinks, modes, owner, bad salt), corrupt lines and
 * the entry cap. Each test works in its own mktemp -d directory. */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "error.h"
#include "sha256.h"
#include "vcache.h"
#include "verify.h"
#include "unit.h"

#define T0  INT64_C(1700000000)
#define TTL INT64_C(86400)

static char tmp[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/ks-vcache-XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* tmp/name, in a static buffer (one at a time). */
static const char *at(const char *name)
{
	static char path[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", tmp, name);
	return path[i];
}

static void fake_key(char key[36])
{
	memcpy(key, "sk-", 3);
	t_rand_norun(key + 3, 32, T_HEX);
}

static struct ks_verification *answer(enum ks_vstate s, int64_t checked_at)
{
	struct ks_verification *v = ks_verification_new();

	v->state = s;
	v->provider = "deepseek";
	v->http_status = s == KS_V_INVALID ? 401 : 200;
	v->checked_at = checked_at;
	return v;
}

static struct ks_vcache *open_ok(const char *dir, int64_t ttl, int64_t now)
{
	struct ks_vcache *c = NULL;
	int rc = ks_vcache_open(&c, dir, ttl, now);

	if (rc)
		fail_msg("ks_vcache_open('%s'): %d %s", dir, rc,
			 ks_error_last());
	assert_non_null(c);
	return c;
}

static int open_err(const char *dir, const char *msg)
{
	struct ks_vcache *c = (struct ks_vcache *)&c; /* must become NULL */
	int rc = ks_vcache_open(&c, dir, TTL, T0);

	assert_true(rc < 0);
	assert_null(c);
	if (msg && !strstr(ks_error_last(), msg))
		fail_msg("expected '%s' in '%s'", msg, ks_error_last());
	return rc;
}

static void read_file(const char *path, struct ks_buf *b)
{
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	ks_buf_reset(b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ks_buf_add(b, chunk, n);
	fclose(f);
}

static void write_file(const char *path, const void *data, size_t len,
		       mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static size_t count_lines(const struct ks_buf *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->len; i++)
		n += b->ptr[i] == '\n';
	return n;
}

static void hex32(const unsigned char md[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

static bool cached(struct ks_vcache *c, const char *key, int64_t now)
{
	struct ks_verification *v =
		ks_vcache_get(c, "deepseek", key, strlen(key), now);
	bool hit = v != NULL;

	ks_verification_free(v);
	return hit;
}

static void test_round_trip(void **state)
{
	const char *dir = at("a/b/keysnare");
	struct ks_verification *v = answer(KS_V_LIVE, T0 - 5), *g;
	struct ks_vcache *c;
	struct stat st;
	char key[36];

	(void)state;
	fake_key(key);
	ks_verification_reason(v, "balance available");
	ks_verification_add_detail(v, "balance", "12.30 USD");
	ks_verification_add_detail(v, "currency", "USD \"quoted\"\nline");

	c = open_ok(dir, TTL, T0);
	assert_null(ks_vcache_get(c, "deepseek", key, strlen(key), T0));
	ks_vcache_put(c, "deepseek", key, strlen(key), v);
	assert_int_equal(ks_vcache_save(c), 0);
	ks_vcache_free(c);

	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(at("a/b/keysnare/verify-cache"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	c = open_ok(dir, TTL, T0 + 10);
	g = ks_vcache_get(c, "deepseek", key, strlen(key), T0 + 10);
	assert_non_null(g);
	assert_int_equal(g->state, KS_V_LIVE);
	assert_string_equal(g->provider, "deepseek");
	assert_int_equal(g->http_status, 200);
	assert_string_equal(g->reason, "balance available");
	assert_int_equal(g->detail_nr, 2);
	assert_string_equal(g->detail[0].key, "balance");
	assert_string_equal(g->detail[0].value, "12.30 USD");
	assert_string_equal(g->detail[1].key, "currency");
	assert_string_equal(g->detail[1].value, "USD \"quoted\"\nline");
	assert_int_equal(g->checked_at, T0 - 5);
	assert_true(g->cached);
	ks_verification_free(g);
	/* another provider, or another key, misses */
	assert_null(ks_vcache_get(c, "openai", key, strlen(key), T0 + 10));
	assert_null(ks_vcache_get(c, "deepseek", key, strlen(key) - 1,
				  T0 + 10));
	ks_vcache_free(c);
	ks_verification_free(v);
}

/* An invalid answer without reason or detail round-trips too, and put()
 * replaces an older answer for the same key. */
static void test_invalid_replaces(void **state)
{
	struct ks_verification *v = answer(KS_V_LIVE, T0), *g;
	struct ks_vcache *c;
	char key[36];

	(void)state;
	fake_key(key);
	c = open_ok(tmp, TTL, T0);
	ks_vcache_put(c, "deepseek", key, strlen(key), v);
	v->state = KS_V_INVALID;
	v->http_status = 401;
	v->checked_at = T0 + 1;
	ks_vcache_put(c, "deepseek", key, strlen(key), v);
	assert_int_equal(ks_vcache_save(c), 0);
	ks_vcache_free(c);

	c = open_ok(tmp, TTL, T0 + 2);
	g = ks_vcache_get(c, "deepseek", key, strlen(key), T0 + 2);
	assert_non_null(g);
	assert_int_equal(g->state, KS_V_INVALID);
	assert_int_equal(g->http_status, 401);
	assert_null(g->reason);
	assert_int_equal(g->detail_nr, 0);
	assert_int_equal(g->checked_at, T0 + 1);
	ks_verification_free(g);
	ks_vcache_free(c);
	ks_verification_free(v);
}

/* The file holds neither the key nor a plain hash of it; its id is the
 * HMAC under the salt beside it. */
static void test_no_key_on_disk(void **state)
{
	struct ks_verification *v = answer(KS_V_LIVE_RESTRICTED, T0);
	struct ks_buf b = KS_BUF_INIT, salt = KS_BUF_INIT, msg = KS_BUF_INIT;
	struct ks_vcache *c;
	unsigned char md[32];
	char key[36], hex[65];

	(void)state;
	fake_key(key);
	c = open_ok(tmp, TTL, T0);
	ks_vcache_put(c, "deepseek", key, strlen(key), v);
	assert_int_equal(ks_vcache_save(c), 0);
	ks_vcache_free(c);

	read_file(at("verify-cache"), &b);
	assert_true(b.len > 0);
	assert_memory_equal(b.ptr, "# keysnare verify cache v1\n", 27);
	assert_int_equal(count_lines(&b), 2);
	assert_false(t_contains(b.ptr, b.len, key, strlen(key)));
	assert_false(t_contains(b.ptr, b.len, key + 3, 32));
	ks_sha256_hex(key, strlen(key), hex);
	assert_false(t_contains(b.ptr, b.len, hex, 64));
	ks_buf_adds(&msg, "deepseek");
	ks_buf_addch(&msg, '\0');
	ks_buf_adds(&msg, key);
	ks_sha256_hex(msg.ptr, msg.len, hex);
	assert_false(t_contains(b.ptr, b.len, hex, 64));
	/* the id is HMAC-SHA256(salt, "deepseek\0" key) */
	read_file(at("salt"), &salt);
	assert_int_equal(salt.len, 32);
	ks_hmac_sha256(salt.ptr, salt.len, msg.ptr, msg.len, md);
	hex32(md, hex);
	assert_true(t_contains(b.ptr, b.len, hex, 64));
	assert_non_null(strstr(b.ptr, "\"state\":\"live_restricted\""));
	assert_non_null(strstr(b.ptr, "\"checked_at\":1700000000"));

	ks_buf_release(&b);
	ks_buf_release(&salt);
	ks_buf_release(&msg);
	ks_verification_free(v);
}

/* The "id" of the only entry of dir's cache. */
static void only_id(const char *dir, char id[65])
{
	struct ks_buf path = KS_BUF_INIT, b = KS_BUF_INIT;
	const char *line;
	cJSON *j;

	ks_buf_addf(&path, "%s/verify-cache", dir);
	read_file(path.ptr, &b);
	assert_int_equal(count_lines(&b), 2);
	line = strchr(b.ptr, '\n') + 1;
	j = cJSON_Parse(line);
	assert_non_null(j);
	assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "id")));
	snprintf(id, 65, "%s", cJSON_GetObjectItem(j, "id")->valuestring);
	assert_int_equal(strlen(id), 64);
	cJSON_Delete(j);
	ks_buf_release(&b);
	ks_buf_release(&path);
}

static void test_salt_per_dir(void **state)
{
	struct ks_verification *v = answer(KS_V_LIVE, T0);
	struct ks_buf s1 = KS_BUF_INIT, s2 = KS_BUF_INIT;
	char dirs[2][128], key[36], id[2][65];
	struct stat st;
	int i;

	(void)state;
	snprintf(dirs[0], sizeof(dirs[0]), "%s/one", tmp);
	snprintf(dirs[1], sizeof(dirs[1]), "%s/two", tmp);
	fake_key(key);
	for (i = 0; i < 2; i++) {
		struct ks_vcache *c = open_ok(dirs[i], TTL, T0);

		ks_vcache_put(c, "deepseek", key, strlen(key), v);
		assert_int_equal(ks_vcache_save(c), 0);
		ks_vcache_free(c);
		only_id(dirs[i], id[i]);
	}
	assert_string_not_equal(id[0], id[1]);
	read_file(at("one/salt"), &s1);
	read_file(at("two/salt"), &s2);
	assert_int_equal(s1.len, 32);
	assert_int_equal(s2.len, 32);
	assert_memory_not_equal(s1.ptr, s2.ptr, 32);
	/* the salt is 0600 and is kept: reopening gives the same id */
	assert_int_equal(stat(at("one/salt"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(S_ISREG(st.st_mode));
	{
		struct ks_vcache *c = open_ok(dirs[0], TTL, T0);
		char again[65];

		ks_vcache_put(c, "deepseek", key, strlen(key), v);
		assert_int_equal(ks_vcache_save(c), 0);
		ks_vcache_free(c);
		only_id(dirs[0], again);
		assert_string_equal(again, id[0]);
	}
	ks_buf_release(&s1);
	ks_buf_release(&s2);
	ks_verification_free(v);
}

static void test_ttl(void **state)
{
	struct ks_verification *v = answer(KS_V_LIVE, T0);
	struct ks_buf b = KS_BUF_INIT;
	struct ks_vcache *c;
	char key[36], future[36];

	(void)state;
	fake_key(key);
	fake_key(future);
	c = open_ok(tmp, 100, T0);
	ks_vcache_put(c, "deepseek", key, strlen(key), v);
	/* answered two days "from now": a wrong clock, never trusted */
	v->checked_at = T0 + 2 * 86400;
	ks_vcache_put(c, "deepseek", future, strlen(future), v);
	assert_false(cached(c, future, T0));
	assert_true(cached(c, key, T0 + 99));
	assert_false(cached(c, key, T0 + 100)); /* checked_at + ttl <= now */
	assert_int_equal(ks_vcache_save(c), 0);	/* at T0 + 100 */
	ks_vcache_free(c);
	read_file(at("verify-cache"), &b);
	assert_int_equal(count_lines(&b), 1); /* header only */

	/* a reopen past the ttl drops the entry from the file */
	v->checked_at = T0;
	c = open_ok(tmp, 100, T0);
	ks_vcache_put(c, "deepseek", key, strlen(key), v);
	assert_int_equal(ks_vcache_save(c), 0);
	ks_vcache_free(c);
	read_file(at("verify-cache"), &b);
	assert_int_equal(count_lines(&b), 2);
	c = open_ok(tmp, 100, T0 + 99);
	assert_true(cached(c, key, T0 + 99));
	ks_vcache_free(c);
	c = open_ok(tmp, 100, T0 + 100);
	assert_false(cached(c, key, T0 + 100));
	assert_int_equal(ks_vcache_save(c), 0);
	ks_vcache_free(c);
	read_file(at("verify-cache"), &b);
	assert_int_equal(count_lines(&b), 1);

	/* up to a day ahead is tolerated clock skew */
	v->checked_at = T0 + 86400;
	c = open_ok(tmp, 100, T0);
	ks_vcache_put(c, "deepseek", key, strlen(key), v);
	assert_true(cached(c, key, T0));
	ks_vcache_free(c);
	ks_buf_release(&b);
	ks_verification_free(v);
}

static void test_inconclusive_not_stored(void **state)
{
	struct ks_verification *v = answer(KS_V_UNKNOWN, T0);
	struct ks_vcache *c;
	struct stat st;
	char key[36];

	(void)state;
	fake_key(key);
	ks_verification_reason(v, "HTTP 500");
	c = open_ok(tmp, TTL, T0);
	ks_vcache_put(c, "deepseek", key, strlen(key), v);
	assert_false(cached(c, key, T0));
	v->state = KS_V_NONE;
	ks_vcache_put(c, "deepseek", key, strlen(key), v);
	assert_false(cached(c, key, T0));
	/* nothing changed: save writes nothing */
	assert_int_equal(ks_vcache_save(c), 0);
	assert_int_equal(stat(at("verify-cache"), &st), -1);
	/* nor what could not be read back */
	v->state = KS_V_LIVE;
	v->http_status = 1000;
	ks_vcache_put(c, "deepseek", key, strlen(key), v);
	assert_false(cached(c, key, T0));
	v->http_status = 200;
	ks_vcache_put(c, "deep seek", key, strlen(key), v);
	assert_null(ks_vcache_get(c, "deep seek", key, strlen(key), T0));
	ks_vcache_put(c, "deepseek", key, strlen(key), v);
	assert_true(cached(c, key, T0));
	ks_vcache_free(c);
	ks_verification_free(v);
}

static void make_cache(void)
{
	struct ks_verification *v = answer(KS_V_LIVE, T0);
	struct ks_vcache *c = open_ok(tmp, TTL, T0);

	ks_vcache_put(c, "deepseek", "sk-x", 4, v);
	assert_int_equal(ks_vcache_save(c), 0);
	ks_vcache_free(c);
	ks_verification_free(v);
}

static void test_symlinks_refused(void **state)
{
	struct ks_buf b = KS_BUF_INIT;

	(void)state;
	make_cache();
	read_file(at("verify-cache"), &b);
	write_file(at("elsewhere"), b.ptr, b.len, 0600);

	assert_int_equal(rename(at("verify-cache"), at("real-cache")), 0);
	assert_int_equal(symlink(at("elsewhere"), at("verify-cache")), 0);
	assert_int_equal(open_err(tmp, "symlink"), KS_EINVALID);
	assert_non_null(strstr(ks_error_last(), "verify-cache"));
	assert_int_equal(unlink(at("verify-cache")), 0);
	assert_int_equal(rename(at("real-cache"), at("verify-cache")), 0);
	ks_vcache_free(open_ok(tmp, TTL, T0));

	/* the salt */
	assert_int_equal(rename(at("salt"), at("real-salt")), 0);
	assert_int_equal(symlink(at("real-salt"), at("salt")), 0);
	assert_int_equal(open_err(tmp, "symlink"), KS_EINVALID);
	assert_non_null(strstr(ks_error_last(), "salt"));

	/* the directory itself, with or without a trailing slash */
	assert_int_equal(symlink(tmp, at("link")), 0);
	assert_int_equal(open_err(at("link"), "symlink"), KS_EINVALID);
	assert_int_equal(open_err(at("link/"), "symlink"), KS_EINVALID);
	ks_buf_release(&b);
}

static void test_modes_refused(void **state)
{
	(void)state;
	make_cache();
	assert_int_equal(chmod(tmp, 0770), 0);
	assert_int_equal(open_err(tmp, "writable by group or others"),
			 KS_EINVALID);
	assert_int_equal(chmod(tmp, 0702), 0);
	open_err(tmp, "writable by group or others");
	assert_int_equal(chmod(tmp, 0755), 0); /* readable is fine */
	ks_vcache_free(open_ok(tmp, TTL, T0));
	assert_int_equal(chmod(tmp, 0700), 0);

	assert_int_equal(chmod(at("verify-cache"), 0620), 0);
	open_err(tmp, "writable by group or others");
	assert_int_equal(chmod(at("verify-cache"), 0600), 0);
	assert_int_equal(chmod(at("salt"), 0602), 0);
	open_err(tmp, "writable by group or others");
	assert_int_equal(chmod(at("salt"), 0600), 0);
	ks_vcache_free(open_ok(tmp, TTL, T0));

	/* not a regular file */
	assert_int_equal(unlink(at("verify-cache")), 0);
	assert_int_equal(mkfifo(at("verify-cache"), 0600), 0);
	open_err(tmp, "not a regular file");
}

/* Files of another user: only root can make them here. */
static void test_owner_refused(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	make_cache();
	assert_int_equal(chown(at("verify-cache"), 65534, 65534), 0);
	open_err(tmp, "not owned");
	assert_int_equal(chown(at("verify-cache"), 0, 0), 0);
	assert_int_equal(chown(at("salt"), 65534, 65534), 0);
	open_err(tmp, "not owned");
	assert_int_equal(chown(at("salt"), 0, 0), 0);
	assert_int_equal(chown(tmp, 65534, 65534), 0);
	open_err(tmp, "not owned");
	assert_int_equal(chown(tmp, 0, 0), 0);
	ks_vcache_free(open_ok(tmp, TTL, T0));
}

static void test_bad_salt(void **state)
{
	struct ks_buf salt = KS_BUF_INIT;

	(void)state;
	make_cache();
	read_file(at("salt"), &salt);
	write_file(at("salt"), salt.ptr, 31, 0600);
	assert_int_equal(open_err(tmp, "not 32 bytes"), KS_EINVALID);
	write_file(at("salt"), "", 0, 0600);
	open_err(tmp, "not 32 bytes");
	ks_buf_add(&salt, "x", 1);
	write_file(at("salt"), salt.ptr, 33, 0600);
	open_err(tmp, "not 32 bytes");
	/* the original salt is accepted again; a missing one is recreated */
	write_file(at("salt"), salt.ptr, 32, 0600);
	ks_vcache_free(open_ok(tmp, TTL, T0));
	assert_int_equal(unlink(at("salt")), 0);
	ks_vcache_free(open_ok(tmp, TTL, T0));
	read_file(at("salt"), &salt);
	assert_int_equal(salt.len, 32);
	ks_buf_release(&salt);
}

static void test_corrupt_lines(void **state)
{
	static const char *const junk[] = {
		"{",
		"not json at all",
		"[1,2,3]",
		"{\"id\":\"zz\"}",
		"{} trailing",
		"",
		"# a comment",
	};
	struct ks_verification *v = answer(KS_V_INVALID, T0);
	struct ks_buf b = KS_BUF_INIT, f = KS_BUF_INIT, line2 = KS_BUF_INIT;
	const char *l1, *l2, *l3;
	struct ks_vcache *c;
	char k1[36], k2[36];
	size_t i;

	(void)state;
	fake_key(k1);
	fake_key(k2);
	c = open_ok(tmp, TTL, T0);
	ks_vcache_put(c, "deepseek", k1, strlen(k1), v);
	ks_vcache_put(c, "deepseek", k2, strlen(k2), v);
	assert_int_equal(ks_vcache_save(c), 0);
	ks_vcache_free(c);
	read_file(at("verify-cache"), &b);
	assert_int_equal(count_lines(&b), 3);
	l1 = strchr(b.ptr, '\n') + 1;
	l2 = strchr(l1, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;

	/* header, entry, junk, an edited copy of entry 2, a NUL, entry 2 */
	ks_buf_add(&f, b.ptr, (size_t)(l2 - b.ptr));
	for (i = 0; i < KS_ARRAY_SIZE(junk); i++) {
		ks_buf_adds(&f, junk[i]);
		ks_buf_addch(&f, '\n');
	}
	ks_buf_add(&line2, l2, (size_t)(l3 - l2));
	{
		char *s = strstr(line2.ptr, "\"invalid\"");

		assert_non_null(s);
		memcpy(s, "\"unknown\"", 9); /* never stored: corrupt */
		ks_buf_add(&f, line2.ptr, line2.len);
		memcpy(s, "\"invalid\"", 9);
	}
	ks_buf_add(&f, "{\"id\":\0}\n", 9);
	ks_buf_add(&f, l2, (size_t)(l3 - l2 - 1)); /* no final newline */
	write_file(at("verify-cache"), f.ptr, f.len, 0600);

	c = open_ok(tmp, TTL, T0);
	assert_true(cached(c, k1, T0));
	assert_true(cached(c, k2, T0));
	assert_int_equal(ks_vcache_save(c), 0); /* rewritten clean */
	ks_vcache_free(c);
	read_file(at("verify-cache"), &f);
	assert_int_equal(f.len, b.len);
	assert_memory_equal(f.ptr, b.ptr, b.len);

	/* not a v1 cache at all: refused, not overwritten */
	write_file(at("verify-cache"), "garbage\n", 8, 0600);
	open_err(tmp, "not a keysnare verify cache");
	/* empty: no entries */
	write_file(at("verify-cache"), "", 0, 0600);
	ks_vcache_free(open_ok(tmp, TTL, T0));

	ks_buf_release(&b);
	ks_buf_release(&f);
	ks_buf_release(&line2);
	ks_verification_free(v);
}

static void test_cap(void **state)
{
	struct ks_verification *v = answer(KS_V_LIVE, T0);
	struct ks_buf b = KS_BUF_INIT;
	struct ks_vcache *c;
	char key[40];
	int i;

	(void)state;
	c = open_ok(tmp, TTL, T0 + 20000);
	for (i = 0; i <= 10000; i++) {
		snprintf(key, sizeof(key), "sk-%032d", i);
		v->checked_at = T0 + i; /* key 0 is the oldest */
		ks_vcache_put(c, "deepseek", key, strlen(key), v);
	}
	assert_false(cached(c, "sk-00000000000000000000000000000000",
			    T0 + 20000));
	assert_true(cached(c, "sk-00000000000000000000000000000001",
			   T0 + 20000));
	assert_true(cached(c, "sk-00000000000000000000000000010000",
			   T0 + 20000));
	assert_int_equal(ks_vcache_save(c), 0);
	ks_vcache_free(c);
	read_file(at("verify-cache"), &b);
	assert_int_equal(count_lines(&b), 1 + 10000);

	/* a file with more than 10,000 entries loads only the newest */
	ks_buf_reset(&b);
	ks_buf_adds(&b, "# keysnare verify cache v1\n");
	for (i = 0; i <= 10000; i++) {
		char id[65];

		t_rand_str(id, 64, T_HEX);
		ks_buf_addf(&b,
			    "{\"id\":\"%s\",\"provider\":\"deepseek\",\"state\":\"live\",\"http_status\":200,\"detail\":[],\"checked_at\":%lld}\n",
			    id, (long long)(T0 + 1 + i));
	}
	write_file(at("verify-cache"), b.ptr, b.len, 0600);
	c = open_ok(tmp, TTL, T0 + 20000);
	assert_int_equal(ks_vcache_save(c), 0);
	ks_vcache_free(c);
	read_file(at("verify-cache"), &b);
	assert_int_equal(count_lines(&b), 1 + 10000);
	assert_null(strstr(b.ptr, "\"checked_at\":1700000001}"));
	assert_non_null(strstr(b.ptr, "\"checked_at\":1700000002}"));
	ks_buf_release(&b);
	ks_verification_free(v);
}

static void test_default_dir(void **state)
{
	char *old_xdg = getenv("XDG_CACHE_HOME"), *old_home = getenv("HOME");
	struct stat st;

	(void)state;
	old_xdg = old_xdg ? strdup(old_xdg) : NULL;
	old_home = old_home ? strdup(old_home) : NULL;
	setenv("XDG_CACHE_HOME", at("xdg"), 1);
	ks_vcache_free(open_ok(NULL, TTL, T0));
	assert_int_equal(stat(at("xdg/keysnare/salt"), &st), 0);
	assert_int_equal(stat(at("xdg"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* a relative XDG_CACHE_HOME is ignored (XDG spec): $HOME/.cache */
	setenv("XDG_CACHE_HOME", "relative/cache", 1);
	setenv("HOME", at("home"), 1);
	ks_vcache_free(open_ok(NULL, TTL, T0));
	assert_int_equal(stat(at("home/.cache/keysnare/salt"), &st), 0);
	assert_int_equal(stat("relative", &st), -1);

	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", "", 1);
	open_err(NULL, "no cache directory");

	if (old_xdg)
		setenv("XDG_CACHE_HOME", old_xdg, 1);
	if (old_home)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	free(old_xdg);
	free(old_home);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_invalid_replaces),
		T(test_no_key_on_disk),
		T(test_salt_per_dir),
		T(test_ttl),
		T(test_inconclusive_not_stored),
		T(test_symlinks_refused),
		T(test_modes_refused),
		T(test_owner_refused),
		T(test_bad_salt),
		T(test_corrupt_lines),
		T(test_cap),
		T(test_default_dir),
	};

	t_seed("test_vcache");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
