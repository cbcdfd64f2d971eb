/* source.h - where bytes come from; sources never interpret them.
 *
 * A source yields blobs one at a time. Inputs it cannot or will not read
 * are recorded in the ks_stats it was given (skips with a reason, errors),
 * never dropped silently.
 */
#ifndef KS_SOURCE_H
#define KS_SOURCE_H

#include "compat.h"

struct ks_stats;
struct ks_source;
struct ks_buf;

struct ks_source_opts {
	size_t max_file_size;
	bool no_ignore;
	bool follow_symlinks;
	bool scan_binary;
	const char *stdin_name;	   /* label for "-" */
	/* the config's exclude: whether path (as reported; is_dir: a
	 * directory) is not to be scanned; NULL: nothing excluded */
	bool (*excluded)(const char *path, bool is_dir, void *payload);
	void *exclude_payload;
};

#define KS_DEFAULT_MAX_FILE_SIZE ((size_t)50 << 20)
/* clang-format off */
#define KS_SOURCE_OPTS_INIT { KS_DEFAULT_MAX_FILE_SIZE, false, false, false, "<stdin>", NULL, NULL }
/* clang-format on */

/* One input to read: produced by the walker, read by a worker. */
struct ks_job {
	char *path;	/* as reported (for stdin: the --stdin-name); owned */
	bool is_stdin;
	bool follow;	/* the path may be a symlink to follow */
	size_t seq;	/* position in walk order */
	/* git history: a blob to read from odb (path is where it was first
	 * seen), or text held in mem (a commit or tag message) */
	const char *odb;	/* objects directory to read from; NULL: a file */
	unsigned char oid[20];
	char *mem;	/* owned */
	size_t mem_len;
};

/* Where a pipeline takes its jobs from: returns 1 with *job filled, 0 at
 * the end. Called on one thread only. */
struct ks_job_source {
	int (*next)(void *ctx, struct ks_job *job);
	void *ctx;
};

/* Files and directories (recursively); "-" is standard input. The walker
 * records skips and walk errors in st; it is not thread-safe. */
int ks_source_fs_new(struct ks_source **out, char *const *paths, size_t nr,
		     const struct ks_source_opts *opts, struct ks_stats *st);
/* Returns 1 with *job filled (release with ks_job_release()), 0 at the end. */
int ks_source_next_job(struct ks_source *src, struct ks_job *job);
/* The walker as a job source. */
struct ks_job_source ks_source_jobs(struct ks_source *src);
void ks_job_release(struct ks_job *job);
void ks_source_free(struct ks_source *src);

/* Reads one job's bytes, possibly in pieces (see the fast engine's chunked
 * scanning). Thread-safe: each worker uses its own reader and stats. */
struct ks_reader {
	int fd;
	const char *path;
	size_t max;		/* --max-file-size */
	uint64_t total;		/* bytes read so far */
	uint64_t expect;	/* size at open (0 for stdin, /proc files) */
	bool eof;
};

/* Opens a job. Returns 1 when ready, 0 when the input was skipped or failed
 * (recorded in st). */
int ks_reader_open(struct ks_reader *rd, const struct ks_job *job,
		   const struct ks_source_opts *opts, struct ks_stats *st);
/* Reads until buf holds want bytes or the input ends (rd->eof). Returns 0,
 * KS_ETOOBIG when the input grew past max (recorded as a size skip), or
 * KS_EIO on a read error (recorded as an error). */
int ks_reader_fill(struct ks_reader *rd, struct ks_buf *buf, size_t want,
		   struct ks_stats *st);
/* Records an error when the input shrank while it was read. */
void ks_reader_close(struct ks_reader *rd, struct ks_stats *st);

/* libgit2 is initialised on first use (its TLS set-up costs milliseconds
 * that a scan of plain files does not need); call once before exit. */
void ks_git_init(void);
void ks_git_shutdown(void);

/* Git's binary rule: a NUL byte in the first 8000 bytes. */
bool ks_is_binary(const unsigned char *data, size_t len);

#endif
