/* test_sha256.c - unit tests for SHA-256 (sha256.h): FIPS 180-4 vectors,
 * chunked updates, and sha256sum(1) as an independent oracle; HMAC-SHA256
 * against RFC 4231 and keys around the block size. */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>
#include "sha256.h"
#include "unit.h"

static void hex_of(const unsigned char md[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

/* Hashes data in pieces of random size (zero-length pieces included). */
static void hash_chunked(const void *data, size_t len, char hex[65])
{
	const unsigned char *p = data;
	struct ks_sha256 c;
	unsigned char md[32];
	size_t off = 0;

	ks_sha256_init(&c);
	while (off < len) {
		size_t r = t_below(150), n = KS_MIN(len - off, r);

		ks_sha256_update(&c, p + off, n);
		off += n;
	}
	ks_sha256_update(&c, "", 0);
	ks_sha256_final(&c, md);
	hex_of(md, hex);
}

static void check(const char *msg, const char *expect)
{
	char hex[65];

	ks_sha256_hex(msg, strlen(msg), hex);
	assert_string_equal(hex, expect);
	hash_chunked(msg, strlen(msg), hex);
	assert_string_equal(hex, expect);
}

static void test_fips_empty(void **state)
{
	(void)state;
	check("", "e3b0c44298fc1c149afbf4c8996fb924"
		  "27ae41e4649b934ca495991b7852b855");
}

static void test_fips_abc(void **state)
{
	(void)state;
	check("abc", "ba7816bf8f01cfea414140de5dae2223"
		     "b00361a396177a9cb410ff61f20015ad");
}

static void test_fips_448_bits(void **state)
{
	(void)state;
	check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	      "248d6a61d20638b8e5c026930c3e6039"
	      "a33ce45964ff2167f6ecedd419db06c1");
}

static void test_fips_896_bits(void **state)
{
	(void)state;
	check("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	      "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	      "cf5b16a778af8380036ce59e7b049237"
	      "0b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a' fed through update() in uneven chunks. */
static void test_fips_million_a(void **state)
{
	static const char expect[] = "cdc76e5c9914fb9281a1c7e284d73e67"
				     "f1809a48a497200e046d39ccc7112cd0";
	char *a = malloc(1000000), hex[65];
	struct ks_sha256 c;
	unsigned char md[32];
	size_t off = 0, step = 1;

	(void)state;
	memset(a, 'a', 1000000);
	ks_sha256_init(&c);
	while (off < 1000000) {
		size_t n = KS_MIN(1000000 - off, step);

		ks_sha256_update(&c, a + off, n);
		off += n;
		step = step * 3 % 997 + 1;
	}
	ks_sha256_final(&c, md);
	hex_of(md, hex);
	assert_string_equal(hex, expect);
	ks_sha256_hex(a, 1000000, hex);
	assert_string_equal(hex, expect);
	free(a);
}

/* Lengths around the 55/56/64-byte padding boundaries, with random bytes,
 * against sha256sum(1). */
static void test_against_sha256sum(void **state)
{
	char dir[] = "/tmp/ks-sha256-XXXXXX", path[64], cmd[128], line[256];
	char expect[130][65];
	unsigned char data[130][130];
	size_t lens[130], i, n = 0;
	FILE *p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 130; i++) {
		FILE *f;

		lens[i] = i; /* every length up to two padding boundaries */
		t_rand_bytes(data[i], lens[i]);
		snprintf(path, sizeof(path), "%s/%03zu", dir, i);
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(data[i], 1, lens[i], f), lens[i]);
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd), "cd %s && sha256sum [0-9]*", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		unsigned idx;

		if (sscanf(line + 66, "%u", &idx) != 1 || idx >= 130)
			continue;
		memcpy(expect[idx], line, 64);
		expect[idx][64] = '\0';
		n++;
	}
	if (pclose(p) != 0 || n != 130) {
		/* no usable sha256sum: nothing to compare against */
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
		skip();
	}
	for (i = 0; i < 130; i++) {
		char hex[65];

		ks_sha256_hex(data[i], lens[i], hex);
		assert_string_equal(hex, expect[i]);
		hash_chunked(data[i], lens[i], hex);
		assert_string_equal(hex, expect[i]);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_hex_format(void **state)
{
	char hex[66];
	size_t i;

	(void)state;
	hex[65] = 'Z';
	ks_sha256_hex("x", 1, hex);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(hex[65], 'Z'); /* writes exactly 65 bytes */
	for (i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", hex[i]));
}

/* The context can be reused after init(). */
static void test_reinit(void **state)
{
	struct ks_sha256 c;
	unsigned char md[32];
	char hex[65];

	(void)state;
	ks_sha256_init(&c);
	ks_sha256_update(&c, "garbage", 7);
	ks_sha256_init(&c);
	ks_sha256_update(&c, "abc", 3);
	ks_sha256_final(&c, md);
	hex_of(md, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
}

static void check_hmac(const void *key, size_t key_len, const void *data,
		       size_t len, const char *expect)
{
	unsigned char md[32];
	char hex[65];

	ks_hmac_sha256(key, key_len, data, len, md);
	hex_of(md, hex);
	assert_string_equal(hex, expect);
}

/* RFC 4231 4.2: 20-byte key of 0x0b, "Hi There". */
static void test_hmac_rfc4231_1(void **state)
{
	unsigned char key[20];

	(void)state;
	memset(key, 0x0b, sizeof(key));
	check_hmac(key, sizeof(key), "Hi There", 8,
		   "b0344c61d8db38535ca8afceaf0bf12b"
		   "881dc200c9833da726e9376c2e32cff7");
}

/* RFC 4231 4.3: a key shorter than the output. */
static void test_hmac_rfc4231_2(void **state)
{
	(void)state;
	check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
		   "5bdcc146bf60754e6a042426089575c7"
		   "5a003f089d2739839dec58b964ec3843");
}

/* RFC 4231 4.4: 20 bytes of 0xaa, 50 bytes of 0xdd. */
static void test_hmac_rfc4231_3(void **state)
{
	unsigned char key[20], data[50];

	(void)state;
	memset(key, 0xaa, sizeof(key));
	memset(data, 0xdd, sizeof(data));
	check_hmac(key, sizeof(key), data, sizeof(data),
		   "773ea91e36800e46854db8ebd09181a7"
		   "2959098b3ef8c122d9635514ced565fe");
}

/* RFC 4231 4.5: key 0x01..0x19, 50 bytes of 0xcd. */
static void test_hmac_rfc4231_4(void **state)
{
	unsigned char key[25], data[50];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(i + 1);
	memset(data, 0xcd, sizeof(data));
	check_hmac(key, sizeof(key), data, sizeof(data),
		   "82558a389a443c0ea4cc819899f2083a"
		   "85f0faa3e578f8077a2e3ff46729665b");
}

/* RFC 4231 4.7: a 131-byte key (hashed first). */
static void test_hmac_rfc4231_6(void **state)
{
	static const char msg[] =
		"Test Using Larger Than Block-Size Key - Hash Key First";
	unsigned char key[131];

	(void)state;
	memset(key, 0xaa, sizeof(key));
	check_hmac(key, sizeof(key), msg, strlen(msg),
		   "60e431591ee0b67f0d8a26aacbf5b77f"
		   "8e0bc6213728c5140546040f0ee37f54");
}

/* RFC 4231 4.8: a 131-byte key and data longer than a block. */
static void test_hmac_rfc4231_7(void **state)
{
	static const char msg[] =
		"This is a test using a larger than block-size key and a "
		"larger than block-size data. The key needs to be hashed "
		"before being used by the HMAC algorithm.";
	unsigned char key[131];

	(void)state;
	memset(key, 0xaa, sizeof(key));
	check_hmac(key, sizeof(key), msg, strlen(msg),
		   "9b09ffa71b942fcb27635fbcd5b0e944"
		   "bfdc63644f0713938a7f51535c3a35e2");
}

/* Keys of 0, 63, 64 (used as is) and 65 bytes (hashed first): values from
 * Python's hmac module. */
static void test_hmac_block_edges(void **state)
{
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
		{ 0, "1ec6cad6f558d88056b0648b3d54e95c"
		     "02ac6c8613fef87f1947d6dd602feee5" },
		{ 63, "c94198f96a051f57faaa46f2dc0582c6"
		      "812f205db574649f2c6a5b41e3a83d0a" },
		{ 64, "a031dc367edc1cd7faa950c117dd6d32"
		      "a9a31352d18b0d18a1aa1970ee3dc4af" },
		{ 65, "29b5fbb4587f62034c4bef0adc18e091"
		      "7d3ced052e71a42db49f52c866661d0b" },
	};
	unsigned char key[65];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)i;
	for (i = 0; i < KS_ARRAY_SIZE(v); i++)
		check_hmac(key, v[i].len, "keysnare", 8, v[i].hex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_empty),
		cmocka_unit_test(test_fips_abc),
		cmocka_unit_test(test_fips_448_bits),
		cmocka_unit_test(test_fips_896_bits),
		cmocka_unit_test(test_fips_million_a),
		cmocka_unit_test(test_against_sha256sum),
		cmocka_unit_test(test_hex_format),
		cmocka_unit_test(test_reinit),
		cmocka_unit_test(test_hmac_rfc4231_1),
		cmocka_unit_test(test_hmac_rfc4231_2),
		cmocka_unit_test(test_hmac_rfc4231_3),
		cmocka_unit_test(test_hmac_rfc4231_4),
		cmocka_unit_test(test_hmac_rfc4231_6),
		cmocka_unit_test(test_hmac_rfc4231_7),
		cmocka_unit_test(test_hmac_block_edges),
	};

	t_seed("test_sha256");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
