/* test_source.c - the reader: files that shrink or grow while read. */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <unistd.h>
#include "buf.h"
#include "error.h"
#include "source.h"
#include "stats.h"
#include "unit.h"

static char *temp_file(size_t size)
{
	char *path = strdup("/tmp/ks-test-source-XXXXXX");
	int fd = mkstemp(path);
	size_t i;

	assert_true(fd >= 0);
	for (i = 0; i < size; i++)
		assert_int_equal(write(fd, i % 64 == 63 ? "\n" : "a", 1), 1);
	close(fd);
	return path;
}

/* RELIABILITY A11: a file that shrinks between open and read is read with
 * read() (no mmap, so no SIGBUS) and reported as changed. */
static void test_shrink_while_read(void **state)
{
	struct ks_source_opts opts = KS_SOURCE_OPTS_INIT;
	struct ks_stats st = { 0 };
	struct ks_buf buf = KS_BUF_INIT;
	struct ks_reader rd;
	char *path = temp_file(10000);
	struct ks_job job = { .path = path };

	(void)state;
	assert_int_equal(ks_reader_open(&rd, &job, &opts, &st), 1);
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(ks_reader_fill(&rd, &buf, 1 << 20, &st), 0);
	assert_true(rd.eof);
	assert_int_equal(buf.len, 100);
	ks_reader_close(&rd, &st);
	assert_int_equal(st.err_nr, 1);
	assert_true(st.incomplete);
	assert_non_null(strstr(st.err[0].message, "shrank"));
	assert_string_equal(st.err[0].path, path);
	unlink(path);
	free(path);
	ks_buf_release(&buf);
	ks_stats_release(&st);
}

/* A file that grows past --max-file-size while read is skipped (size). */
static void test_grow_past_max(void **state)
{
	struct ks_source_opts opts = KS_SOURCE_OPTS_INIT;
	struct ks_stats st = { 0 };
	struct ks_buf buf = KS_BUF_INIT;
	struct ks_reader rd;
	char *path = temp_file(1000);
	struct ks_job job = { .path = path };
	int fd;

	(void)state;
	opts.max_file_size = 2000;
	assert_int_equal(ks_reader_open(&rd, &job, &opts, &st), 1);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(write(fd, "0123456789\n", 11), 11);
	close(fd);
	assert_int_equal(ks_reader_fill(&rd, &buf, 1 << 20, &st), KS_ETOOBIG);
	ks_reader_close(&rd, &st);
	assert_int_equal(st.skipped_by[KS_SKIP_SIZE], 1);
	assert_int_equal(st.err_nr, 0);
	unlink(path);
	free(path);
	ks_buf_release(&buf);
	ks_stats_release(&st);
}

/* Reading in pieces gives the same bytes as one read. */
static void test_fill_in_pieces(void **state)
{
	struct ks_source_opts opts = KS_SOURCE_OPTS_INIT;
	struct ks_stats st = { 0 };
	struct ks_buf buf = KS_BUF_INIT;
	struct ks_reader rd;
	char *path = temp_file(5000);
	struct ks_job job = { .path = path };

	(void)state;
	assert_int_equal(ks_reader_open(&rd, &job, &opts, &st), 1);
	assert_int_equal(ks_reader_fill(&rd, &buf, 1000, &st), 0);
	assert_int_equal(buf.len, 1000);
	assert_false(rd.eof);
	assert_int_equal(ks_reader_fill(&rd, &buf, 8000, &st), 0);
	assert_int_equal(buf.len, 5000);
	assert_true(rd.eof);
	assert_int_equal(buf.ptr[63], '\n');
	ks_reader_close(&rd, &st);
	assert_int_equal(st.err_nr, 0);
	unlink(path);
	free(path);
	ks_buf_release(&buf);
	ks_stats_release(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shrink_while_read),
		cmocka_unit_test(test_grow_past_max),
		cmocka_unit_test(test_fill_in_pieces),
	};

	t_seed("test_source");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
