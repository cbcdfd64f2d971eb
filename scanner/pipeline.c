/* pipeline.c - walker, bounded job queue, worker threads, ordered merge. */
#include "compat.h"
#include <pthread.h>
#include <unistd.h>
#include <git2.h>
#include "pipeline.h"
#include "odb.h"
#include "buf.h"
#include "error.h"
#include "finding.h"
#include "log.h"
#include "rules.h"
#include "scan.h"
#include "source.h"
#include "stats.h"
#include "xalloc.h"

#define QUEUE_CAP 256

static _Atomic unsigned long long bytes_done;

unsigned long long ks_pipeline_bytes_done(void)
{
	return bytes_done;
}

struct result {
	size_t seq;
	struct ks_findings fs;
};

struct pipeline;

struct worker {
	pthread_t th;
	struct pipeline *p;
	struct ks_scanner *sc;
	struct ks_buf buf;
	struct ks_stats st;
	git_odb *odb;		/* opened on the first blob job */
	const char *odb_dir;	/* the objects directory it reads */
	bool started;
};

struct pipeline {
	const struct ks_pipeline_opts *opts;
	pthread_mutex_t lock;
	pthread_cond_t has_job, has_space, has_result;
	struct ks_job q[QUEUE_CAP];
	size_t q_head, q_nr;
	bool closed;
	struct result *res;	/* finished, in any order */
	size_t res_nr, res_alloc;
	size_t next_seq;	/* next result to merge */
};

unsigned ks_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

static void count_drops(const struct ks_match *m, size_t nr, const char *path,
			const unsigned char *data, struct ks_stats *st)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		struct ks_buf red = KS_BUF_INIT, esc = KS_BUF_INIT;

		if (!m[i].drop)
			continue;
		st->dropped_by[m[i].drop]++;
		if (ks_log_level() < KS_LOG_VERBOSE)
			continue;
		ks_redact(&red, data + m[i].secret_start,
			  m[i].secret_end - m[i].secret_start);
		ks_term_escape(&esc, path, strlen(path));
		if (m[i].drop == KS_DROP_ENTROPY)
			ks_log_verbose("dropped %s: %s in '%s': entropy %.2f < %.2f",
				       m[i].rule->id, red.ptr, esc.ptr,
				       m[i].entropy, m[i].rule->min_entropy);
		else
			ks_log_verbose("dropped %s: %s in '%s': %s%s%s",
				       m[i].rule->id, red.ptr, esc.ptr,
				       ks_drop_name(m[i].drop),
				       m[i].drop_detail ? ": " : "",
				       m[i].drop_detail ? m[i].drop_detail : "");
		ks_buf_release(&red);
		ks_buf_release(&esc);
	}
}

/* Scans a blob or message held in memory (whole). */
static void scan_memory(struct worker *w, const struct ks_job *job,
			const unsigned char *data, size_t len,
			struct ks_findings *fs)
{
	const struct ks_pipeline_opts *opts = w->p->opts;
	const struct ks_match *m;
	size_t m_nr, from = fs->nr, i;

	if (len > opts->src->max_file_size) {
		ks_stats_skip(&w->st, job->path, KS_SKIP_SIZE);
		return;
	}
	if (!job->mem && !opts->src->scan_binary && ks_is_binary(data, len)) {
		ks_stats_skip(&w->st, job->path, KS_SKIP_BINARY);
		return;
	}
	w->st.files_scanned++;
	w->st.bytes_scanned += len;
	bytes_done += len;
	if (ks_scan_buffer(w->sc, data, len, &m, &m_nr))
		ks_stats_error(&w->st, job->path, "%s", ks_error_last());
	count_drops(m, m_nr, job->path, data, &w->st);
	ks_findings_add_blob(fs, job->path, data, len, m, m_nr,
			     opts->no_redact);
	if (job->odb)
		for (i = from; i < fs->nr; i++)
			memcpy(fs->f[i].blob, job->oid, sizeof(job->oid));
}

/* Reads and scans one input, chunk by chunk; findings go to fs. */
static void scan_job(struct worker *w, const struct ks_job *job,
		     struct ks_findings *fs)
{
	const struct ks_pipeline_opts *opts = w->p->opts;
	struct ks_chunk ck = KS_CHUNK_WHOLE;
	struct ks_reader rd;
	bool limit_reported = false;

	if (job->mem) {
		scan_memory(w, job, (unsigned char *)job->mem, job->mem_len, fs);
		return;
	}
	if (job->odb) {
		git_odb_object *obj = NULL;
		git_oid oid;

		if (opts->src->excluded &&
		    opts->src->excluded(job->path, false,
					opts->src->exclude_payload)) {
			ks_stats_skip(&w->st, job->path, KS_SKIP_EXCLUDED);
			return;
		}

		/* each worker reads through an object database of its own:
		 * one shared git_odb serialises readers on its pack locks */
		if (w->odb && strcmp(w->odb_dir, job->odb)) {
			/* a submodule's objects live elsewhere */
			git_odb_free(w->odb);
			w->odb = NULL;
		}
		if (!w->odb && ks_odb_open(&w->odb, job->odb, NULL) < 0) {
			const git_error *e = git_error_last();

			ks_stats_error(&w->st, job->path,
				       "cannot open the object database: %s",
				       e ? e->message : "unknown error");
			return;
		}
		w->odb_dir = job->odb;
		memcpy(oid.id, job->oid, sizeof(job->oid));
		{
			/* a blob over --max-file-size is listed, never
			 * inflated into memory */
			size_t size = 0;
			git_object_t type;

			if (!git_odb_read_header(&size, &type, w->odb, &oid) &&
			    size > opts->src->max_file_size) {
				ks_stats_skip(&w->st, job->path, KS_SKIP_SIZE);
				return;
			}
		}
		if (git_odb_read(&obj, w->odb, &oid) < 0) {
			const git_error *e = git_error_last();
			char hex[GIT_OID_HEXSZ + 1];

			git_oid_tostr(hex, sizeof(hex), &oid);
			ks_stats_error(&w->st, job->path,
				       "cannot read blob %s: %s", hex,
				       e ? e->message : "unknown error");
			return;
		}
		scan_memory(w, job, git_odb_object_data(obj),
			    git_odb_object_size(obj), fs);
		git_odb_object_free(obj);
		return;
	}
	if (!ks_reader_open(&rd, job, opts->src, &w->st))
		return;
	ks_buf_reset(&w->buf);
	if (ks_reader_fill(&rd, &w->buf, KS_CHUNK_SIZE + KS_CHUNK_OVERLAP,
			   &w->st))
		goto done;
	if (!opts->src->scan_binary &&
	    ks_is_binary((unsigned char *)w->buf.ptr, w->buf.len)) {
		ks_stats_skip(&w->st, job->path, KS_SKIP_BINARY);
		goto done;
	}
	w->st.files_scanned++;
	for (;;) {
		const unsigned char *data = (unsigned char *)w->buf.ptr;
		size_t len = w->buf.len, m_nr, line, col;
		const struct ks_match *m;
		struct ks_linepos lp;

		ck.limit = rd.eof ? SIZE_MAX : KS_CHUNK_SIZE;
		if (ks_scan_buffer(w->sc, data, len, &m, &m_nr) &&
		    !limit_reported) {
			ks_stats_error(&w->st, job->path, "%s", ks_error_last());
			limit_reported = true;
		}
		count_drops(m, m_nr, job->path, data, &w->st);
		ks_findings_add_chunk(fs, job->path, data, len, m, m_nr,
				      opts->no_redact, &ck);
		if (rd.eof) {
			w->st.bytes_scanned += len;
			break;
		}
		/* the next chunk starts KS_CHUNK_SIZE bytes further on */
		w->st.bytes_scanned += KS_CHUNK_SIZE;
		ks_chunk_carry(&ck, data, len, KS_CHUNK_SIZE);
		lp.offset = 0;
		lp.line = 0;
		ks_linepos_find(&lp, data, len, KS_CHUNK_SIZE, &line, &col);
		if (line == 1)
			col += ck.col - 1;
		ck.line += line - 1;
		ck.col = col;
		memmove(w->buf.ptr, w->buf.ptr + KS_CHUNK_SIZE,
			len - KS_CHUNK_SIZE);
		ks_buf_setlen(&w->buf, len - KS_CHUNK_SIZE);
		if (ks_reader_fill(&rd, &w->buf,
				   KS_CHUNK_SIZE + KS_CHUNK_OVERLAP, &w->st))
			break;
	}
done:
	ks_reader_close(&rd, &w->st);
	/* a worker's buffer does not keep a huge file's size */
	if (w->buf.alloc > 2 * (KS_CHUNK_SIZE + KS_CHUNK_OVERLAP))
		ks_buf_release(&w->buf);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pipeline *p = w->p;

	for (;;) {
		struct ks_job job;
		struct result r;

		pthread_mutex_lock(&p->lock);
		while (!p->q_nr && !p->closed)
			pthread_cond_wait(&p->has_job, &p->lock);
		if (!p->q_nr) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		job = p->q[p->q_head];
		p->q_head = (p->q_head + 1) % QUEUE_CAP;
		p->q_nr--;
		pthread_cond_signal(&p->has_space);
		pthread_mutex_unlock(&p->lock);

		memset(&r, 0, sizeof(r));
		r.seq = job.seq;
		scan_job(w, &job, &r.fs);
		ks_job_release(&job);

		pthread_mutex_lock(&p->lock);
		ALLOC_GROW(p->res, p->res_nr + 1, p->res_alloc);
		p->res[p->res_nr++] = r;
		pthread_cond_signal(&p->has_result);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

/* Merges finished results in walk order; called with p->lock held, drops
 * it around the callback. Returns the first callback error. */
static int merge_ready(struct pipeline *p, struct ks_findings *out)
{
	int err = 0;
	size_t i;

	for (;;) {
		struct result r;

		for (i = 0; i < p->res_nr; i++)
			if (p->res[i].seq == p->next_seq)
				break;
		if (i == p->res_nr)
			return err;
		r = p->res[i];
		p->res[i] = p->res[--p->res_nr];
		p->next_seq++;
		pthread_mutex_unlock(&p->lock);
		{
			size_t from = out->nr;

			ks_findings_move(out, &r.fs);
			if (p->opts->on_findings && out->nr > from && !err)
				err = p->opts->on_findings(out, from,
							   p->opts->payload);
		}
		pthread_mutex_lock(&p->lock);
	}
}

static void stats_merge(struct ks_stats *dst, struct ks_stats *src)
{
	size_t i;

	dst->files_scanned += src->files_scanned;
	dst->bytes_scanned += src->bytes_scanned;
	for (i = 0; i < KS_SKIP_NR; i++)
		dst->skipped_by[i] += src->skipped_by[i];
	for (i = 0; i < KS_DROP_NR; i++)
		dst->dropped_by[i] += src->dropped_by[i];
	for (i = 0; i < src->skip_nr; i++) {
		ALLOC_GROW(dst->skip, dst->skip_nr + 1, dst->skip_alloc);
		dst->skip[dst->skip_nr++] = src->skip[i];
	}
	for (i = 0; i < src->err_nr; i++) {
		ALLOC_GROW(dst->err, dst->err_nr + 1, dst->err_alloc);
		dst->err[dst->err_nr++] = src->err[i];
	}
	dst->incomplete = dst->incomplete || src->incomplete;
	free(src->skip);
	free(src->err);
	memset(src, 0, sizeof(*src));
}

/* One worker: no threads, no queue (the hook's and -j1's path). */
static int run_inline(struct pipeline *p, const struct ks_job_source *src,
		      const struct ks_ruleset *set,
		      const struct ks_prefilter *pf, struct ks_findings *out,
		      struct ks_stats *st)
{
	struct worker w;
	struct ks_job job;
	int err = 0;

	memset(&w, 0, sizeof(w));
	w.p = p;
	ks_buf_init(&w.buf, 0);
	if (ks_scanner_new(&w.sc, set, pf))
		die("%s", ks_error_last());
	while (src->next(src->ctx, &job) > 0) {
		struct ks_findings fs = KS_FINDINGS_INIT;
		size_t from = out->nr;

		scan_job(&w, &job, &fs);
		ks_job_release(&job);
		ks_findings_move(out, &fs);
		if (p->opts->on_findings && out->nr > from && !err)
			err = p->opts->on_findings(out, from, p->opts->payload);
	}
	ks_scanner_free(w.sc);
	git_odb_free(w.odb);
	ks_buf_release(&w.buf);
	stats_merge(st, &w.st);
	return err;
}

int ks_pipeline_run(const struct ks_job_source *src,
		    const struct ks_ruleset *set,
		    const struct ks_prefilter *pf,
		    const struct ks_pipeline_opts *opts,
		    struct ks_findings *out, struct ks_stats *st)
{
	struct pipeline p;
	struct worker *w;
	unsigned n = opts->threads ? opts->threads : ks_default_threads(), i;
	struct ks_job job;
	size_t jobs = 0;
	int err = 0;

	memset(&p, 0, sizeof(p));
	p.opts = opts;
	if (n == 1)
		return run_inline(&p, src, set, pf, out, st);
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.has_job, NULL);
	pthread_cond_init(&p.has_space, NULL);
	pthread_cond_init(&p.has_result, NULL);
	w = xcalloc(n, sizeof(*w));
	for (i = 0; i < n; i++) {
		w[i].p = &p;
		ks_buf_init(&w[i].buf, 0);
		if (ks_scanner_new(&w[i].sc, set, pf))
			die("%s", ks_error_last());
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]))
			die("cannot start a worker thread: %s", strerror(errno));
		w[i].started = true;
	}

	while (src->next(src->ctx, &job) > 0) {
		pthread_mutex_lock(&p.lock);
		while (p.q_nr == QUEUE_CAP) {
			int e = merge_ready(&p, out);

			if (e && !err)
				err = e;
			if (p.q_nr == QUEUE_CAP)
				pthread_cond_wait(&p.has_space, &p.lock);
		}
		p.q[(p.q_head + p.q_nr) % QUEUE_CAP] = job;
		p.q_nr++;
		jobs++;
		pthread_cond_signal(&p.has_job);
		{
			int e = merge_ready(&p, out);

			if (e && !err)
				err = e;
		}
		pthread_mutex_unlock(&p.lock);
	}

	pthread_mutex_lock(&p.lock);
	p.closed = true;
	pthread_cond_broadcast(&p.has_job);
	while (p.next_seq < jobs) {
		int e = merge_ready(&p, out);

		if (e && !err)
			err = e;
		if (p.next_seq < jobs)
			pthread_cond_wait(&p.has_result, &p.lock);
	}
	pthread_mutex_unlock(&p.lock);

	for (i = 0; i < n; i++) {
		if (w[i].started)
			pthread_join(w[i].th, NULL);
		ks_scanner_free(w[i].sc);
		git_odb_free(w[i].odb);
		ks_buf_release(&w[i].buf);
		stats_merge(st, &w[i].st);
	}
	free(w);
	free(p.res);
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.has_job);
	pthread_cond_destroy(&p.has_space);
	pthread_cond_destroy(&p.has_result);
	return err;
}
