/* pipeline.c - walker, bounded job queue, worker threads, ordered merge. */
#include "compat.h"
#include <ctype.h>
#include <pthread.h>
#include <unistd.h>
#include <git2.h>
#include "pipeline.h"
#include "odb.h"
#include "buf.h"
#include "decode.h"
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
	struct ks_buf text;	/* a UTF-16 input transcoded to UTF-8 */
	struct ks_decoder dec;	/* encoded segments of the current input */
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

/* (line, column) order */
static int pos_cmp(size_t l1, size_t c1, size_t l2, size_t c2)
{
	if (l1 != l2)
		return l1 < l2 ? -1 : 1;
	return c1 < c2 ? -1 : c1 > c2;
}

static bool spans_overlap(const struct ks_finding *a,
			  const struct ks_finding *b)
{
	return pos_cmp(a->line, a->col, b->end_line, b->end_col) < 0 &&
	       pos_cmp(b->line, b->col, a->end_line, a->end_col) < 0;
}

/* The same key found twice: one rule, overlapping places, and the same
 * secret, or the same first 12 bytes (a private key matched with its
 * "\n" escapes in the text and with real line breaks once decoded). */
static bool same_key(const struct ks_finding *a, const struct ks_finding *b)
{
	if (a->rule != b->rule || !spans_overlap(a, b))
		return false;
	if (a->secret_len == b->secret_len &&
	    !memcmp(a->secret, b->secret, a->secret_len))
		return true;
	return a->secret_len >= 12 && b->secret_len >= 12 &&
	       !memcmp(a->secret, b->secret, 12);
}

static int cmp_pos(const void *va, const void *vb)
{
	const struct ks_finding *a = va, *b = vb;
	int c = pos_cmp(a->line, a->col, b->line, b->col);

	if (c)
		return c;
	if (strlen(a->encoding) != strlen(b->encoding))
		return strlen(a->encoding) < strlen(b->encoding) ? -1 : 1;
	c = strcmp(a->rule->id, b->rule->id);
	if (c)
		return c;
	return a->src_off < b->src_off ? -1 : a->src_off > b->src_off;
}

/* Appends the findings of dec that no finding of fs[first..] (the text's
 * own, in position order) or an earlier one of dec already reports; the
 * text's findings cover at most a few lines each, so each decoded one is
 * compared with those starting on its lines only. */
static void merge_decoded(struct ks_findings *fs, size_t first,
			  struct ks_findings *dec)
{
	size_t plain_end = fs->nr, i, j, lo, hi, kept_from;

	if (dec->nr > 1)
		qsort(dec->f, dec->nr, sizeof(*dec->f), cmp_pos);
	kept_from = fs->nr;
	for (i = 0; i < dec->nr; i++) {
		struct ks_finding *d = &dec->f[i];
		bool dup = false;

		lo = first;
		hi = plain_end;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (fs->f[mid].line < d->line)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* the same key, or a specific rule's finding of the text at
		 * this place (a service-account key file's private_key, found
		 * raw by its own rule and decoded by the generic PEM rule) */
		for (j = lo; j < plain_end && fs->f[j].line <= d->end_line &&
			     !dup; j++)
			dup = same_key(&fs->f[j], d) ||
			      (!fs->f[j].rule->generic &&
			       fs->f[j].rule != d->rule &&
			       spans_overlap(&fs->f[j], d));
		/* decoded ones are sorted: duplicates are neighbours */
		for (j = fs->nr; j > kept_from && !dup; j--) {
			if (fs->f[j - 1].line != d->line)
				break;
			dup = same_key(&fs->f[j - 1], d);
		}
		if (dup) {
			ks_finding_release(d);
			continue;
		}
		ALLOC_GROW(fs->f, fs->nr + 1, fs->alloc);
		fs->f[fs->nr++] = *d;
		memset(d, 0, sizeof(*d));
	}
	dec->nr = 0;
	if (fs->nr > plain_end)
		qsort(fs->f + first, fs->nr - first, sizeof(*fs->f), cmp_pos);
}

/* Drops the findings of fs[first..] whose secret is just the encoded form
 * of a key found in its decoded text (a generic rule matching a base64
 * value): inside a segment that holds a kept match, and gone from the
 * decoded text (a plain key in a percent-encoded URL stays). */
static void drop_encoded_forms(struct ks_findings *fs, size_t first,
			       const struct ks_dlayer *y,
			       const struct ks_findings *dec)
{
	size_t i, g, o = first;

	for (i = first; i < fs->nr; i++) {
		struct ks_finding *f = &fs->f[i];
		bool drop = false;

		for (g = 0; g < y->seg_nr && !drop; g++) {
			const struct ks_dseg *sg = &y->seg[g];

			drop = sg->hit && f->src_off >= sg->src_start &&
			       f->src_off + f->secret_len <= sg->src_end &&
			       !memmem(y->buf.ptr + sg->start,
				       sg->end - sg->start, f->secret,
				       f->secret_len);
		}
		/* a generic rule's finding of a key a specific rule found in
		 * the decoded text at the same place (the string's escapes
		 * were elsewhere) */
		for (size_t k = 0; !drop && f->rule->generic && k < dec->nr; k++)
			drop = !dec->f[k].rule->generic &&
			       dec->f[k].secret_len == f->secret_len &&
			       !memcmp(dec->f[k].secret, f->secret,
				       f->secret_len) &&
			       spans_overlap(&dec->f[k], f);
		/* a specific rule's finding stays unless its own rule found
		 * the decoded key there (then the decoded secret is the key) */
		if (drop && !f->rule->generic) {
			size_t k;

			drop = false;
			for (k = 0; k < dec->nr && !drop; k++)
				drop = dec->f[k].rule == f->rule &&
				       spans_overlap(&dec->f[k], f);
		}
		if (drop)
			ks_finding_release(f);
		else
			fs->f[o++] = *f;
	}
	fs->nr = o;
}

/* The encoded spans (in the text layer l decodes) of layer l's segments
 * that hold a kept match: snippets redact them. */
static void hit_spans(const struct ks_dlayer *y, size_t **sp, size_t *nr,
		      size_t *alloc)
{
	size_t i;

	*nr = 0;
	for (i = 0; i < y->seg_nr; i++) {
		if (!y->seg[i].hit)
			continue;
		ALLOC_GROW(*sp, 2 * (*nr + 1), *alloc);
		(*sp)[2 * *nr] = y->seg[i].src_start;
		(*sp)[2 * *nr + 1] = y->seg[i].src_end;
		(*nr)++;
	}
}

/* Scans text and the segments decoded from it (decode.h) and adds their
 * findings, in position order. Decoded findings are placed at their
 * outermost encoded span in the text and skipped when a finding of the
 * text already reports the key. ck: where the text sits in its file; from:
 * the first offset a segment may start at (a chunk that continues one
 * skips a run cut at its start); base: the encoding of the whole text
 * (UTF-16: columns count characters). Returns 0, or KS_EREGEX when a
 * rule hit a PCRE2 limit (ks_error_last() says where). */
static int scan_text(struct worker *w, const char *path,
		     const unsigned char *data, size_t len,
		     const struct ks_chunk *ck, size_t from, enum ks_enc base,
		     struct ks_findings *fs)
{
	const struct ks_pipeline_opts *opts = w->p->opts;
	struct ks_decoder *d = &w->dec;
	struct ks_findings dec = KS_FINDINGS_INIT;
	struct ks_add_opts ao;
	struct ks_buf chain = KS_BUF_INIT;
	const struct ks_match *m;
	size_t m_nr, *red = NULL, red_nr = 0, red_alloc = 0, first = fs->nr;
	size_t i, l, g2;
	int err = 0;

	memset(&ao, 0, sizeof(ao));
	if (ks_decode_run(d, data, len, from, ck->limit)) {
		/* innermost first: a layer's snippets redact the encoded
		 * forms of what the layer below found */
		for (l = KS_DECODE_DEPTH; l-- > 0;) {
			struct ks_dlayer *y = &d->layer[l];
			const unsigned char *t = (unsigned char *)y->buf.ptr;
			size_t dfrom = dec.nr;

			if (!y->seg_nr)
				continue;
			red_nr = 0;
			if (l + 1 < KS_DECODE_DEPTH)
				hit_spans(&d->layer[l + 1], &red, &red_nr,
					  &red_alloc);
			if (ks_scan_buffer(w->sc, t, y->buf.len, &m, &m_nr))
				err = KS_EREGEX;
			count_drops(m, m_nr, path, t, &w->st);
			for (i = 0; i < m_nr; i++) {
				size_t g = ks_decode_seg_at(y, m[i].secret_start);

				if (m[i].drop || g == SIZE_MAX)
					continue;
				y->seg[g].hit = true;
				if (l && y->seg[g].parent != SIZE_MAX)
					d->layer[l - 1].seg[y->seg[g].parent].hit =
						true;
			}
			ao.redact = red;
			ao.redact_nr = red_nr;
			ks_findings_add_ex(&dec, path, t, y->buf.len, m, m_nr,
					   opts->no_redact, NULL, &ao);
			for (i = dfrom; i < dec.nr; i++) {
				struct ks_finding *f = &dec.f[i];
				size_t g = ks_decode_seg_at(y, f->src_off), s, e;

				/* in the context text before a segment: the
				 * text's own scan reports it */
				if (g == SIZE_MAX) {
					ks_finding_release(f);
					continue;
				}
				ks_decode_origin(d, (unsigned)l, g, &s, &e);
				ks_buf_reset(&chain);
				if (base) {
					ks_buf_adds(&chain, ks_enc_name(base));
					ks_buf_addch(&chain, '+');
				}
				ks_decode_chain(&chain, d, (unsigned)l, g);
				snprintf(f->encoding, sizeof(f->encoding), "%s",
					 chain.ptr);
				ks_finding_relocate(f, data, len, s, e, ck,
						    base != KS_ENC_NONE);
			}
			/* close the gaps left by released ones */
			for (i = dfrom, g2 = dfrom; i < dec.nr; i++)
				if (dec.f[i].rule)
					dec.f[g2++] = dec.f[i];
			dec.nr = g2;
		}
		red_nr = 0;
		hit_spans(&d->layer[0], &red, &red_nr, &red_alloc);
	}
	if (ks_scan_buffer(w->sc, data, len, &m, &m_nr))
		err = KS_EREGEX;
	count_drops(m, m_nr, path, data, &w->st);
	ao.encoding = base ? ks_enc_name(base) : NULL;
	ao.char_cols = base != KS_ENC_NONE;
	ao.redact = red;
	ao.redact_nr = red_nr;
	ks_findings_add_ex(fs, path, data, len, m, m_nr, opts->no_redact, ck,
			   &ao);
	if (red_nr)
		drop_encoded_forms(fs, first, &d->layer[0], &dec);
	if (dec.nr)
		merge_decoded(fs, first, &dec);
	ks_findings_release(&dec);
	ks_buf_release(&chain);
	free(red);
	return err;
}

/* A UTF-16 byte order mark, when a NUL follows it within the first 8000
 * bytes (ASCII, a line break, in UTF-16): "\xff\xfe" alone can start
 * text in another encoding, or garbage, and UTF-16 without any NUL cannot
 * hold an ASCII key. */
static enum ks_enc utf16_bom(const unsigned char *data, size_t len)
{
	enum ks_enc bom = ks_utf16_bom(data, len);

	if (bom && !memchr(data + 2, 0, KS_MIN(len, (size_t)8000) - 2))
		return KS_ENC_NONE;
	return bom;
}

/* Scans a blob or message held in memory (whole). */
static void scan_memory(struct worker *w, const struct ks_job *job,
			const unsigned char *data, size_t len,
			struct ks_findings *fs)
{
	static const struct ks_chunk whole = KS_CHUNK_WHOLE;
	const struct ks_pipeline_opts *opts = w->p->opts;
	const unsigned char *text = data;
	size_t from = fs->nr, i, tlen = len;
	enum ks_enc bom = utf16_bom(data, len);

	if (len > opts->src->max_file_size) {
		ks_stats_skip(&w->st, job->path, KS_SKIP_SIZE);
		return;
	}
	if (bom) {
		/* UTF-16 text is full of NUL bytes: transcode it before the
		 * binary test, which then applies to the text */
		ks_buf_reset(&w->text);
		ks_utf16_to_utf8(&w->text, data + 2, len - 2,
				 bom == KS_ENC_UTF16BE);
		text = (unsigned char *)w->text.ptr;
		tlen = w->text.len;
	}
	if (!job->mem && !opts->src->scan_binary && ks_is_binary(text, tlen)) {
		ks_stats_skip(&w->st, job->path, KS_SKIP_BINARY);
		goto done;
	}
	w->st.files_scanned++;
	w->st.bytes_scanned += len;
	bytes_done += len;
	if (scan_text(w, job->path, text, tlen, &whole, 0, bom, fs))
		ks_stats_error(&w->st, job->path, "%s", ks_error_last());
	if (job->odb)
		for (i = from; i < fs->nr; i++)
			memcpy(fs->f[i].blob, job->oid, sizeof(job->oid));
done:
	if (bom) {
		ks_wipe(w->text.ptr, w->text.len);
		if (w->text.alloc > 2 * (KS_CHUNK_SIZE + KS_CHUNK_OVERLAP))
			ks_buf_release(&w->text);
	}
}

/* Reads and scans one input, chunk by chunk; findings go to fs. */
static void scan_job(struct worker *w, const struct ks_job *job,
		     struct ks_findings *fs)
{
	const struct ks_pipeline_opts *opts = w->p->opts;
	struct ks_chunk ck = KS_CHUNK_WHOLE;
	struct ks_reader rd;
	bool limit_reported = false, mid_run = false;

	ks_scanner_set_path(w->sc, job->path); /* lockfiles: filter.h */
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
	if (utf16_bom((unsigned char *)w->buf.ptr, w->buf.len)) {
		/* UTF-16 is read whole (up to --max-file-size) and transcoded:
		 * the chunked path's offsets, overlap and carried markers are
		 * positions in the bytes scanned, which transcoding shifts,
		 * and UTF-16 text files are rare and small */
		if (ks_reader_fill(&rd, &w->buf, SIZE_MAX, &w->st))
			goto done;
		scan_memory(w, job, (unsigned char *)w->buf.ptr, w->buf.len,
			    fs);
		goto done;
	}
	if (!opts->src->scan_binary &&
	    ks_is_binary((unsigned char *)w->buf.ptr, w->buf.len)) {
		ks_stats_skip(&w->st, job->path, KS_SKIP_BINARY);
		goto done;
	}
	w->st.files_scanned++;
	for (;;) {
		const unsigned char *data = (unsigned char *)w->buf.ptr;
		size_t len = w->buf.len, line, col;
		struct ks_linepos lp;

		ck.limit = rd.eof ? SIZE_MAX : KS_CHUNK_SIZE;
		/* a later chunk's first byte may be in the middle of an
		 * encoded run that the chunk before decoded */
		if (scan_text(w, job->path, data, len, &ck, mid_run,
			      KS_ENC_NONE, fs) &&
		    !limit_reported) {
			ks_stats_error(&w->st, job->path, "%s", ks_error_last());
			limit_reported = true;
		}
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
		mid_run = isalnum(data[KS_CHUNK_SIZE - 1]) ||
			  (data[KS_CHUNK_SIZE - 1] &&
			   strchr("+/-_%.~=\\", data[KS_CHUNK_SIZE - 1]));
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
	ks_buf_init(&w.text, 0);
	ks_decoder_init(&w.dec);
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
	ks_buf_release(&w.text);
	ks_decoder_release(&w.dec);
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
		ks_buf_init(&w[i].text, 0);
		ks_decoder_init(&w[i].dec);
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
		ks_buf_release(&w[i].text);
		ks_decoder_release(&w[i].dec);
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
