/* scan.c - run the candidate rules over a buffer and filter the matches. */
#include "compat.h"
#include "scan.h"
#include "error.h"
#include "prefilter.h"
#include "rules.h"
#include "xalloc.h"

/* A stretch of the buffer around keyword hits, searched by one rule. */
struct region {
	size_t s;	/* first start position to try */
	size_t last;	/* last start position to try */
	size_t e;	/* end of the subject PCRE2 sees */
};

struct rule_regions {
	struct region *r;
	size_t nr, alloc;
};

/* An occurrence of a context word. */
struct ctx_word {
	size_t pos, len;
};

struct ks_scanner {
	const struct ks_ruleset *set;
	const struct ks_prefilter *pf;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;
	struct ks_prefilter_scratch *pfs;
	struct rule_regions *rr;	/* [rule_nr]: where each rule may match */
	size_t *touched;		/* rules with regions in this buffer */
	size_t touched_nr, touched_alloc;
	size_t len;			/* of the buffer being scanned */
	size_t last_start;		/* read by the bound_start() callout */
	struct ks_match *m;
	size_t m_nr, m_alloc;
	/* offsets of context words, computed lazily per rule per buffer */
	struct ctx_word *ctx;	/* sorted by pos */
	size_t ctx_nr, ctx_alloc;
	size_t *brk;		/* offsets of line breaks, lazily per buffer */
	size_t brk_nr, brk_alloc;
	bool brk_done;
	bool lockfile_path;	/* ks_scanner_set_path() named a lockfile */
	bool lfs_pointer;	/* the buffer is a Git LFS pointer file */
};

/* The callout at the front of every compiled pattern: stop the search once
 * PCRE2 tries a start position past the region's last one. */
static int bound_start(pcre2_callout_block *cb, void *data)
{
	const size_t *last = data;

	return cb->current_position > *last ? PCRE2_ERROR_NOMATCH : 0;
}

int ks_scanner_new(struct ks_scanner **out, const struct ks_ruleset *set,
		   const struct ks_prefilter *pf)
{
	struct ks_scanner *sc = xcalloc(1, sizeof(*sc));

	sc->set = set;
	sc->pf = pf;
	sc->md = pcre2_match_data_create(
		(uint32_t)ks_ruleset_max_captures(set) + 1, NULL);
	sc->mctx = pcre2_match_context_create(NULL);
	if (!sc->md || !sc->mctx) {
		ks_scanner_free(sc);
		return ks_error_set(KS_ERROR, "out of memory for PCRE2 data");
	}
	pcre2_set_match_limit(sc->mctx, KS_MATCH_LIMIT);
	pcre2_set_depth_limit(sc->mctx, KS_DEPTH_LIMIT);
	pcre2_set_heap_limit(sc->mctx, KS_HEAP_LIMIT_KIB);
	pcre2_set_callout(sc->mctx, bound_start, &sc->last_start);
	sc->jit_stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (sc->jit_stack)
		pcre2_jit_stack_assign(sc->mctx, NULL, sc->jit_stack);
	sc->rr = xcalloc(set->rule_nr ? set->rule_nr : 1, sizeof(*sc->rr));
	if (ks_prefilter_scratch_new(&sc->pfs, pf)) {
		ks_scanner_free(sc);
		return KS_ERROR;
	}
	*out = sc;
	return 0;
}

void ks_scanner_free(struct ks_scanner *sc)
{
	if (!sc)
		return;
	pcre2_match_data_free(sc->md);
	pcre2_match_context_free(sc->mctx);
	pcre2_jit_stack_free(sc->jit_stack);
	if (sc->rr)
		for (size_t i = 0; i < sc->set->rule_nr; i++)
			free(sc->rr[i].r);
	free(sc->rr);
	free(sc->touched);
	ks_prefilter_scratch_free(sc->pfs);
	free(sc->m);
	free(sc->ctx);
	free(sc->brk);
	free(sc);
}

void ks_scanner_set_path(struct ks_scanner *sc, const char *path)
{
	sc->lockfile_path = ks_lockfile_path(path);
}

static const char *pcre2_limit_name(int rc)
{
	switch (rc) {
	case PCRE2_ERROR_MATCHLIMIT:
		return "match limit";
	case PCRE2_ERROR_DEPTHLIMIT:
		return "depth limit";
	case PCRE2_ERROR_HEAPLIMIT:
		return "heap limit";
	case PCRE2_ERROR_JIT_STACKLIMIT:
		return "JIT stack limit";
	case PCRE2_ERROR_NOMEMORY:
		return "out of memory";
	}
	return "match error";
}

static int match_once(struct ks_scanner *sc, const struct ks_rule *r,
		      const unsigned char *data, size_t end, size_t start,
		      uint32_t flags)
{
	if (r->jit)
		return pcre2_jit_match(r->re, data, end, start, flags, sc->md,
				       sc->mctx);
	return pcre2_match(r->re, data, end, start, flags, sc->md, sc->mctx);
}

static void add_match(struct ks_scanner *sc, const struct ks_rule *r,
		      const PCRE2_SIZE *ov)
{
	size_t ss = ov[2 * r->secret_group], se = ov[2 * r->secret_group + 1];
	struct ks_match *m;

	if (ss == PCRE2_UNSET || se <= ss)
		return;
	ALLOC_GROW(sc->m, sc->m_nr + 1, sc->m_alloc);
	m = &sc->m[sc->m_nr++];
	memset(m, 0, sizeof(*m));
	m->rule = r;
	m->start = ov[0];
	m->end = ov[1];
	m->secret_start = ss;
	m->secret_end = se;
	m->context_dist = SIZE_MAX;
}

/* Searches rule r in each of its regions (around keyword hits, see
 * on_hit()): a match must start in [s, last], near a keyword (scan.h), and PCRE2 sees e as the end of the subject. A match that
 * ends near e is searched again with e grown, so the edge can neither cut a
 * match short nor fake a \b or lookahead there. Returns 0 or KS_EREGEX. */
static int run_rule(struct ks_scanner *sc, const struct ks_rule *r,
		    const unsigned char *data, size_t len)
{
	const struct rule_regions *rr = &sc->rr[r->index];
	size_t done = 0, i;

	/* an embedded rule compiles the first time a keyword needs it */
	if (r->lazy && ks_rule_prepare((struct ks_rule *)r))
		return KS_EREGEX;

	for (i = 0; i < rr->nr; i++) {
		size_t start = KS_MAX(rr->r[i].s, done), e = rr->r[i].e;

		sc->last_start = rr->r[i].last;
		while (start <= sc->last_start) {
			const PCRE2_SIZE *ov;
			int rc = match_once(sc, r, data, e, start, PCRE2_NOTEMPTY);

			if (rc == PCRE2_ERROR_NOMATCH) {
				start = sc->last_start + 1;
				break;
			}
			if (rc < 0)
				return ks_error_set(KS_EREGEX,
						    "rule '%s' hit the PCRE2 %s near byte %zu",
						    r->id, pcre2_limit_name(rc),
						    start);
			ov = pcre2_get_ovector_pointer(sc->md);
			if (e < len && ov[1] + KS_EDGE_MARGIN >= e) {
				e = KS_MIN(len, e + r->window);
				continue;
			}
			add_match(sc, r, ov);
			start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		}
		done = KS_MAX(done, start);
	}
	return 0;
}

/* Prefilter callback: widen the hit into a region of its rule. */
static int on_hit(size_t rule, size_t kw_start, size_t kw_end, void *payload)
{
	struct ks_scanner *sc = payload;
	struct rule_regions *rr = &sc->rr[rule];
	const struct ks_rule *r = sc->set->rule[rule];
	size_t s = kw_start > KS_LOOKBACK ? kw_start - KS_LOOKBACK : 0;
	size_t last = KS_MIN(sc->len, kw_end + KS_LOOKAHEAD_START);
	size_t e = KS_MIN(sc->len, kw_end + r->window);

	if (r->starts_with_keyword)
		s = last = kw_start;
	struct region *prev = rr->nr ? &rr->r[rr->nr - 1] : NULL;

	if (!rr->nr) {
		ALLOC_GROW(sc->touched, sc->touched_nr + 1, sc->touched_alloc);
		sc->touched[sc->touched_nr++] = rule;
	}
	if (prev && s <= prev->last + 1) {
		prev->s = KS_MIN(prev->s, s);
		prev->last = KS_MAX(prev->last, last);
		prev->e = KS_MAX(prev->e, e);
		return 0;
	}
	ALLOC_GROW(rr->r, rr->nr + 1, rr->alloc);
	rr->r[rr->nr].s = s;
	rr->r[rr->nr].last = last;
	rr->r[rr->nr].e = e;
	rr->nr++;
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_ctx(const void *va, const void *vb)
{
	const struct ctx_word *a = va, *b = vb;

	if (a->pos != b->pos)
		return a->pos < b->pos ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len;
}

static void find_context(struct ks_scanner *sc, const struct ks_rule *r,
			 const unsigned char *data, size_t len)
{
	size_t i, pos;

	sc->ctx_nr = 0;
	for (i = 0; i < r->context_nr; i++) {
		size_t wl = strlen(r->context[i]);

		for (pos = 0; pos < len;) {
			const unsigned char *p = ks_memcasemem(
				data + pos, len - pos, r->context[i], wl);

			if (!p)
				break;
			ALLOC_GROW(sc->ctx, sc->ctx_nr + 1, sc->ctx_alloc);
			sc->ctx[sc->ctx_nr].pos = (size_t)(p - data);
			sc->ctx[sc->ctx_nr].len = wl;
			sc->ctx_nr++;
			pos = (size_t)(p - data) + 1;
		}
	}
	if (sc->ctx_nr > 1)
		qsort(sc->ctx, sc->ctx_nr, sizeof(*sc->ctx), cmp_ctx);
}

static void index_breaks(struct ks_scanner *sc, const unsigned char *data,
			 size_t len)
{
	size_t i;

	if (sc->brk_done)
		return;
	for (i = 0; i < len; i++)
		if (data[i] == '\n' || data[i] == '\r') {
			ALLOC_GROW(sc->brk, sc->brk_nr + 1, sc->brk_alloc);
			sc->brk[sc->brk_nr++] = i;
		}
	sc->brk_done = true;
}

/* Whether data[a..b) holds a line break (binary search of the index). */
static bool has_newline(const struct ks_scanner *sc, size_t a, size_t b)
{
	size_t lo = 0, hi = sc->brk_nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sc->brk[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sc->brk_nr && sc->brk[lo] < b;
}

#define KS_OTHER_LINE ((size_t)1 << 40)

static size_t ctx_distance(const struct ks_scanner *sc,
			   const struct ctx_word *w, size_t a, size_t b)
{
	size_t p = w->pos, e = w->pos + w->len;

	if (e <= a)
		return a - e + (has_newline(sc, e, a) ? KS_OTHER_LINE : 0);
	if (p >= b)
		return p - b + (has_newline(sc, b, p) ? KS_OTHER_LINE : 0);
	return 0;
}

/* Distance from the secret [a, b) to the nearest context word: bytes
 * between them (from the end of a word before it, to the start of a word
 * after it), plus KS_OTHER_LINE when the word is on another line, so that
 * "DEEPSEEK_API_KEY=sk-..." is named by its own line's word even when the
 * next line names another provider. SIZE_MAX when there is none. Words are
 * sorted by position: only the neighbours of the secret need a look. */
static size_t nearest(const struct ks_scanner *sc, size_t a, size_t b)
{
	size_t lo = 0, hi = sc->ctx_nr, i, best = SIZE_MAX;

	/* first word starting at or after b */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sc->ctx[mid].pos < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < sc->ctx_nr)
		best = ctx_distance(sc, &sc->ctx[lo], a, b);
	/* words starting before b: overlapping ones (within the longest word
	 * length of a) and the nearest one ending before a */
	for (i = lo; i-- > 0;) {
		size_t d = ctx_distance(sc, &sc->ctx[i], a, b);

		if (d < best)
			best = d;
		if (sc->ctx[i].pos + 64 < a)
			break;
	}
	return best;
}

/* The filters, cheapest and widest first: the whole buffer is a Git LFS
 * pointer; entropy; the shared precision filters (placeholder, lockfile,
 * hash, words: ks_precision_reason()); context. The first that applies
 * names the drop. */
static void filter_matches(struct ks_scanner *sc, size_t from,
			   const unsigned char *data, size_t len)
{
	const struct ks_rule *ctx_rule = NULL;
	size_t i;

	for (i = from; i < sc->m_nr; i++) {
		struct ks_match *m = &sc->m[i];
		const unsigned char *s = data + m->secret_start;
		size_t sl = m->secret_end - m->secret_start;
		unsigned flags = 0;
		enum ks_drop d;
		const char *why;

		m->entropy = ks_entropy(s, sl);
		if (sc->lfs_pointer) {
			m->drop = KS_DROP_LFS_POINTER;
			continue;
		}
		if (m->entropy < m->rule->min_entropy) {
			m->drop = KS_DROP_ENTROPY;
			continue;
		}
		if (m->rule->generic)
			flags |= KS_FILTER_GENERIC;
		if (sc->lockfile_path)
			flags |= KS_FILTER_LOCKFILE_PATH;
		d = ks_precision_reason(data, len, m->secret_start,
					m->secret_end, flags, &why);
		if (d != KS_DROP_NONE) {
			m->drop = d;
			m->drop_detail = why;
			continue;
		}
		if (m->rule->context_nr) {
			if (ctx_rule != m->rule) {
				find_context(sc, m->rule, data, len);
				ctx_rule = m->rule;
			}
			index_breaks(sc, data, len);
			m->context_dist =
				nearest(sc, m->secret_start, m->secret_end);
			if (m->context_dist == SIZE_MAX)
				m->drop = KS_DROP_CONTEXT;
		}
	}
}

/* Rank of a kept match when matches overlap: a specific rule beats a
 * generic one, then the nearer context word, the longer secret, the earlier
 * rule, the earlier position. Returns < 0 when a ranks first. */
static int cmp_rank(const struct ks_match *a, const struct ks_match *b)
{
	size_t al = a->secret_end - a->secret_start;
	size_t bl = b->secret_end - b->secret_start;

	if (a->rule->generic != b->rule->generic)
		return a->rule->generic ? 1 : -1;
	if (a->context_dist != b->context_dist)
		return a->context_dist < b->context_dist ? -1 : 1;
	if (al != bl)
		return al > bl ? -1 : 1;
	if (a->rule->index != b->rule->index)
		return a->rule->index < b->rule->index ? -1 : 1;
	if (a->secret_start != b->secret_start)
		return a->secret_start < b->secret_start ? -1 : 1;
	return 0;
}

static int cmp_rank_ptr(const void *a, const void *b)
{
	return cmp_rank(*(struct ks_match *const *)a,
			*(struct ks_match *const *)b);
}

static int cmp_match(const void *va, const void *vb)
{
	const struct ks_match *a = va, *b = vb;

	if (a->secret_start != b->secret_start)
		return a->secret_start < b->secret_start ? -1 : 1;
	if (a->rule->index != b->rule->index)
		return a->rule->index < b->rule->index ? -1 : 1;
	return 0;
}

/* Keeps matches greedily in rank order: a match is dropped only when it
 * overlaps a match that is kept. Kept spans are disjoint and held sorted
 * by start, so one look at the predecessor tells whether a span overlaps. */
static void resolve_overlaps(struct ks_scanner *sc)
{
	struct ks_match **cand;
	size_t i, n = 0, kept_nr = 0;
	struct span {
		size_t s, e;
	} *kept;

	if (sc->m_nr < 2)
		return;
	cand = xcalloc(sc->m_nr, sizeof(*cand));
	kept = xcalloc(sc->m_nr, sizeof(*kept));
	for (i = 0; i < sc->m_nr; i++)
		if (!sc->m[i].drop)
			cand[n++] = &sc->m[i];
	qsort(cand, n, sizeof(*cand), cmp_rank_ptr);
	for (i = 0; i < n; i++) {
		size_t s = cand[i]->secret_start, e = cand[i]->secret_end;
		size_t lo = 0, hi = kept_nr;

		/* first kept span starting at or after e */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (kept[mid].s < e)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0 && kept[lo - 1].e > s) {
			cand[i]->drop = KS_DROP_OVERLAP;
			continue;
		}
		memmove(kept + lo + 1, kept + lo,
			(kept_nr - lo) * sizeof(*kept));
		kept[lo].s = s;
		kept[lo].e = e;
		kept_nr++;
	}
	free(cand);
	free(kept);
}

int ks_scan_buffer(struct ks_scanner *sc, const unsigned char *data,
		   size_t len, const struct ks_match **out, size_t *out_nr)
{
	size_t i;
	int err = 0;

	sc->m_nr = 0;
	sc->len = len;
	sc->brk_nr = 0;
	sc->brk_done = false;
	sc->lfs_pointer = ks_lfs_pointer(data, len);
	for (i = 0; i < sc->touched_nr; i++)
		sc->rr[sc->touched[i]].nr = 0;
	sc->touched_nr = 0;
	if (ks_prefilter_scan(sc->pf, sc->pfs, data, len, on_hit, sc))
		err = KS_ERROR;
	/* rules run in ruleset order: deterministic matches and messages */
	if (sc->touched_nr > 1)
		qsort(sc->touched, sc->touched_nr, sizeof(*sc->touched),
		      cmp_size);
	for (i = 0; i < sc->touched_nr; i++) {
		const struct ks_rule *r = sc->set->rule[sc->touched[i]];
		size_t before = sc->m_nr;
		int rc = run_rule(sc, r, data, len);

		if (rc && !err)
			err = rc;
		filter_matches(sc, before, data, len);
	}
	if (sc->m_nr > 1)
		qsort(sc->m, sc->m_nr, sizeof(*sc->m), cmp_match);
	resolve_overlaps(sc);
	*out = sc->m;
	*out_nr = sc->m_nr;
	return err;
}
