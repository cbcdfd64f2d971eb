/* test_buf.c - unit tests for the growable byte buffer (buf.h). */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "buf.h"
#include "unit.h"

/* The invariants of buf.h: ptr never NULL, NUL after the content. */
static void check_invariants(const struct ks_buf *b)
{
	assert_non_null(b->ptr);
	assert_int_equal(b->ptr[b->len], '\0');
	if (b->alloc)
		assert_true(b->len < b->alloc);
	else
		assert_int_equal(b->len, 0);
}

static void test_init_empty(void **state)
{
	struct ks_buf a = KS_BUF_INIT, b;

	(void)state;
	check_invariants(&a);
	assert_string_equal(a.ptr, "");
	ks_buf_init(&b, 0);
	check_invariants(&b);
	assert_int_equal(b.alloc, 0);
	/* releasing a buffer that never allocated is fine, and idempotent */
	ks_buf_release(&a);
	ks_buf_release(&a);
	check_invariants(&a);
	ks_buf_release(&b);
}

static void test_init_hint(void **state)
{
	struct ks_buf b;
	char *before;

	(void)state;
	ks_buf_init(&b, 1000);
	check_invariants(&b);
	assert_true(b.alloc >= 1001);
	before = b.ptr;
	/* the hint is honoured: 1000 bytes fit without moving */
	for (int i = 0; i < 1000; i++)
		ks_buf_addch(&b, 'x');
	assert_ptr_equal(b.ptr, before);
	assert_int_equal(b.len, 1000);
	check_invariants(&b);
	ks_buf_release(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
}

static void test_add_nul_inside(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	static const char data[] = { 'a', '\0', 'b', '\0', '\0', 'c' };

	(void)state;
	ks_buf_add(&b, data, sizeof(data));
	assert_int_equal(b.len, sizeof(data));
	assert_memory_equal(b.ptr, data, sizeof(data));
	check_invariants(&b);
	ks_buf_addch(&b, '\0');
	assert_int_equal(b.len, sizeof(data) + 1);
	assert_int_equal(b.ptr[sizeof(data)], '\0');
	check_invariants(&b);
	/* zero-length add changes nothing */
	ks_buf_add(&b, "zzz", 0);
	assert_int_equal(b.len, sizeof(data) + 1);
	ks_buf_release(&b);
}

static void test_adds_addch(void **state)
{
	struct ks_buf b = KS_BUF_INIT;

	(void)state;
	ks_buf_adds(&b, "hello");
	ks_buf_addch(&b, ',');
	ks_buf_addch(&b, ' ');
	ks_buf_adds(&b, "");
	ks_buf_adds(&b, "world");
	ks_buf_addch(&b, 0xff);
	assert_int_equal(b.len, 13);
	assert_memory_equal(b.ptr, "hello, world\xff", 13);
	check_invariants(&b);
	ks_buf_release(&b);
}

static void test_addf(void **state)
{
	struct ks_buf b = KS_BUF_INIT;

	(void)state;
	ks_buf_addf(&b, "%d-%s-%zu", 42, "x", (size_t)7);
	assert_string_equal(b.ptr, "42-x-7");
	assert_int_equal(b.len, 6);
	ks_buf_addf(&b, "%s", "");
	assert_int_equal(b.len, 6);
	/* "%c" with 0 puts a NUL inside: len counts it */
	ks_buf_addf(&b, "%c|", 0);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.ptr, "42-x-7\0|", 8);
	check_invariants(&b);
	ks_buf_release(&b);
}

/* Output longer than the first guess (64 bytes) takes the second pass;
 * compare many sizes with snprintf. */
static void test_addf_growth(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	char *s = malloc(5001), *expect = malloc(20000);
	size_t n, total = 0;

	(void)state;
	memset(s, 'q', 5000);
	for (n = 0; n <= 5000; n += 1 + n / 3) {
		int w;

		s[n] = '\0';
		w = snprintf(expect, 20000, "<%s|%zu>", s, n);
		ks_buf_addf(&b, "<%s|%zu>", s, n);
		assert_memory_equal(b.ptr + total, expect, (size_t)w);
		total += (size_t)w;
		assert_int_equal(b.len, total);
		check_invariants(&b);
		s[n] = 'q';
	}
	free(s);
	free(expect);
	ks_buf_release(&b);
}

static void vwrap(struct ks_buf *b, const char *fmt, ...) KS_PRINTF(2, 3);
static void vwrap(struct ks_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ks_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

static void test_vaddf(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	char big[300];

	(void)state;
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* va_list must survive the retry after the first vsnprintf */
	vwrap(&b, "%s:%d:%s", big, 12345, "tail");
	assert_int_equal(b.len, 299 + 1 + 5 + 1 + 4);
	assert_memory_equal(b.ptr + 299, ":12345:tail", 11);
	check_invariants(&b);
	ks_buf_release(&b);
}

static void test_detach(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t len = 99;
	char *p;

	(void)state;
	ks_buf_add(&b, "ab\0cd", 5);
	p = ks_buf_detach(&b, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(p, "ab\0cd", 6); /* NUL-terminated */
	free(p);
	/* the buffer is reset and reusable */
	check_invariants(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
	ks_buf_adds(&b, "again");
	assert_string_equal(b.ptr, "again");
	ks_buf_release(&b);

	/* detaching an empty, never-allocated buffer gives a string the
	 * caller can free (not the shared empty buffer) */
	p = ks_buf_detach(&b, &len);
	assert_int_equal(len, 0);
	assert_string_equal(p, "");
	assert_ptr_not_equal(p, ks_buf_empty);
	free(p);
	p = ks_buf_detach(&b, NULL);
	free(p);
}

static void test_setlen_reset(void **state)
{
	struct ks_buf b = KS_BUF_INIT;

	(void)state;
	ks_buf_setlen(&b, 0); /* allowed without allocation */
	check_invariants(&b);
	ks_buf_adds(&b, "0123456789");
	ks_buf_setlen(&b, 4);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.ptr, "0123");
	/* growing back inside the allocation keeps the bytes */
	ks_buf_setlen(&b, 8);
	assert_int_equal(b.ptr[8], '\0');
	assert_memory_equal(b.ptr, "0123", 4);
	ks_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.ptr, "");
	check_invariants(&b);
	ks_buf_release(&b);
}

static void test_grow(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	char *before;

	(void)state;
	ks_buf_adds(&b, "abc");
	ks_buf_grow(&b, 4096);
	assert_true(b.alloc >= b.len + 4096 + 1);
	assert_string_equal(b.ptr, "abc");
	before = b.ptr;
	for (int i = 0; i < 4096; i++)
		ks_buf_addch(&b, 'a' + i % 26);
	assert_ptr_equal(b.ptr, before);
	check_invariants(&b);
	ks_buf_release(&b);
}

/* setlen beyond the allocation is a BUG(): the process aborts. */
static void test_setlen_beyond_dies(void **state)
{
	pid_t pid;
	int status = 0;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct ks_buf b = KS_BUF_INIT;

		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		ks_buf_adds(&b, "abc");
		ks_buf_setlen(&b, b.alloc);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) ||
		    (WIFEXITED(status) && WEXITSTATUS(status) != 0));
}

/* Random-sized appends of random bytes (NULs included) up to 8 MiB:
 * the content is exactly the concatenation. */
static void test_large_appends(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t total = (size_t)8 << 20, off = 0;
	unsigned char *ref = malloc(total);

	(void)state;
	t_rand_bytes(ref, total);
	while (off < total) {
		size_t r = t_below(200000), n = KS_MIN(total - off, r);

		switch (t_below(4)) {
		case 0:
			ks_buf_addch(&b, ref[off]);
			n = 1;
			break;
		case 1:
			ks_buf_grow(&b, n);
			/* fall through */
		default:
			ks_buf_add(&b, ref + off, n);
		}
		off += n;
		assert_int_equal(b.len, off);
	}
	check_invariants(&b);
	assert_memory_equal(b.ptr, ref, total);
	free(ref);
	ks_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_init_hint),
		cmocka_unit_test(test_add_nul_inside),
		cmocka_unit_test(test_adds_addch),
		cmocka_unit_test(test_addf),
		cmocka_unit_test(test_addf_growth),
		cmocka_unit_test(test_vaddf),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_setlen_reset),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_setlen_beyond_dies),
		cmocka_unit_test(test_large_appends),
	};

	t_seed("test_buf");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
