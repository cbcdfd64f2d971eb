/* pipeline.h - the scan of one source: a walker feeds a bounded queue,
 * worker threads read, match and build findings, and the results are merged
 * in walk order, so the output is the same for any number of threads.
 */
#ifndef KS_PIPELINE_H
#define KS_PIPELINE_H

#include "compat.h"

struct ks_findings;
struct ks_prefilter;
struct ks_ruleset;
struct ks_source;
struct ks_source_opts;
struct ks_stats;

/* Files up to KS_CHUNK_SIZE + KS_CHUNK_OVERLAP bytes are scanned whole;
 * larger ones in chunks of KS_CHUNK_SIZE that overlap by KS_CHUNK_OVERLAP
 * (longer than any match can reach past its keyword, see scan.h), so memory
 * stays flat and a key across a chunk edge is found exactly once. */
#define KS_CHUNK_SIZE ((size_t)8 << 20)
#define KS_CHUNK_OVERLAP ((size_t)256 << 10)

struct ks_pipeline_opts {
	unsigned threads;		/* 0: online CPUs */
	bool no_redact;
	const struct ks_source_opts *src;
	/* called on the calling thread, in walk order, after each input's
	 * findings [from, fs->nr) were appended (streaming output); a
	 * non-zero return is remembered and returned by ks_pipeline_run() */
	int (*on_findings)(const struct ks_findings *fs, size_t from,
			   void *payload);
	void *payload;
};

/* Runs the scan; findings are appended to out (in walk order), counts,
 * skips and errors go to st. Returns 0 or the first on_findings error. */
struct ks_job_source;
int ks_pipeline_run(const struct ks_job_source *src,
		    const struct ks_ruleset *set,
		    const struct ks_prefilter *pf,
		    const struct ks_pipeline_opts *opts,
		    struct ks_findings *out, struct ks_stats *st);

/* Bytes read by all workers so far (for progress displays). */
unsigned long long ks_pipeline_bytes_done(void);

/* The default worker count: the number of online CPUs (at least 1). */
unsigned ks_default_threads(void);

#endif
