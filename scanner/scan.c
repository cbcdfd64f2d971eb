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
	size_t *ctx_pos;
	size_t ctx_nr, ctx_alloc;
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
	free(sc->ctx_pos);
	free(sc);
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
 * on_hit()): a match must start in [s, last], within KS_LOOKBACK bytes
 * before a keyword, and PCRE2 sees e as the end of the subject. A match that
 * ends near e is searched again with e grown, so the edge can neither cut a
 * match short nor fake a \b or lookahead there. Returns 0 or KS_EREGEX. */
static int run_rule(struct ks_scanner *sc, const struct ks_rule *r,
		    const unsigned char *data, size_t len)
{
	const struct rule_regions *rr = &sc->rr[r->index];
	size_t done = 0, i;

	for (i = 0; i < rr->nr; i++) {
		size_t start = KS_MAX(rr->r[i].s, done), e = rr->r[i].e;

		sc->last_start = rr->r[i].last;
		while (start <= sc->last_start) {
			const PCRE2_SIZE *ov;
			int rc = match_once(sc, r, data, e, start, 0);

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
	size_t s = kw_start > KS_LOOKBACK ? kw_start - KS_LOOKBACK : 0;
	size_t e = KS_MIN(sc->len, kw_end + sc->set->rule[rule]->window);
	struct region *last = rr->nr ? &rr->r[rr->nr - 1] : NULL;

	if (!rr->nr) {
		ALLOC_GROW(sc->touched, sc->touched_nr + 1, sc->touched_alloc);
		sc->touched[sc->touched_nr++] = rule;
	}
	if (last && s <= last->last + 1) {
		last->s = KS_MIN(last->s, s);
		last->last = KS_MAX(last->last, kw_start);
		last->e = KS_MAX(last->e, e);
		return 0;
	}
	ALLOC_GROW(rr->r, rr->nr + 1, rr->alloc);
	rr->r[rr->nr].s = s;
	rr->r[rr->nr].last = kw_start;
	rr->r[rr->nr].e = e;
	rr->nr++;
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
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
			ALLOC_GROW(sc->ctx_pos, sc->ctx_nr + 1, sc->ctx_alloc);
			sc->ctx_pos[sc->ctx_nr++] = (size_t)(p - data);
			pos = (size_t)(p - data) + 1;
		}
	}
}

static size_t nearest(const struct ks_scanner *sc, size_t a, size_t b)
{
	size_t i, best = SIZE_MAX;

	for (i = 0; i < sc->ctx_nr; i++) {
		size_t p = sc->ctx_pos[i];
		size_t d = p < a ? a - p : p >= b ? p - b : 0;

		if (d < best)
			best = d;
	}
	return best;
}

static void filter_matches(struct ks_scanner *sc, size_t from,
			   const unsigned char *data, size_t len)
{
	const struct ks_rule *ctx_rule = NULL;
	size_t i;

	for (i = from; i < sc->m_nr; i++) {
		struct ks_match *m = &sc->m[i];
		const unsigned char *s = data + m->secret_start;
		size_t sl = m->secret_end - m->secret_start;
		const char *why;

		m->entropy = ks_entropy(s, sl);
		if (m->entropy < m->rule->min_entropy) {
			m->drop = KS_DROP_ENTROPY;
			continue;
		}
		if ((why = ks_placeholder_reason(s, sl))) {
			m->drop = KS_DROP_PLACEHOLDER;
			m->drop_detail = why;
			continue;
		}
		if (m->rule->context_nr) {
			if (ctx_rule != m->rule) {
				find_context(sc, m->rule, data, len);
				ctx_rule = m->rule;
			}
			m->context_dist =
				nearest(sc, m->secret_start, m->secret_end);
			if (m->context_dist == SIZE_MAX)
				m->drop = KS_DROP_CONTEXT;
		}
	}
}

/* Which of two overlapping kept matches wins: returns true if a beats b. */
static bool beats(const struct ks_match *a, const struct ks_match *b)
{
	size_t al = a->secret_end - a->secret_start;
	size_t bl = b->secret_end - b->secret_start;

	if (a->rule->generic != b->rule->generic)
		return !a->rule->generic;
	if (a->context_dist != b->context_dist)
		return a->context_dist < b->context_dist;
	if (al != bl)
		return al > bl;
	return a->rule->index < b->rule->index;
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

static void resolve_overlaps(struct ks_scanner *sc)
{
	size_t i, j;

	for (i = 0; i < sc->m_nr; i++) {
		struct ks_match *a = &sc->m[i];

		if (a->drop)
			continue;
		for (j = i + 1; j < sc->m_nr; j++) {
			struct ks_match *b = &sc->m[j];

			if (b->secret_start >= a->secret_end)
				break;
			if (b->drop)
				continue;
			if (beats(a, b)) {
				b->drop = KS_DROP_OVERLAP;
			} else {
				a->drop = KS_DROP_OVERLAP;
				break;
			}
		}
	}
}

int ks_scan_buffer(struct ks_scanner *sc, const unsigned char *data,
		   size_t len, const struct ks_match **out, size_t *out_nr)
{
	size_t i;
	int err = 0;

	sc->m_nr = 0;
	sc->len = len;
	for (i = 0; i < sc->touched_nr; i++)
		sc->rr[sc->touched[i]].nr = 0;
	sc->touched_nr = 0;
	if (ks_prefilter_scan(sc->pf, sc->pfs, data, len, on_hit, sc))
		err = KS_ERROR;
	/* rules run in ruleset order: deterministic matches and messages */
	qsort(sc->touched, sc->touched_nr, sizeof(*sc->touched), cmp_size);
	for (i = 0; i < sc->touched_nr; i++) {
		const struct ks_rule *r = sc->set->rule[sc->touched[i]];
		size_t before = sc->m_nr;
		int rc = run_rule(sc, r, data, len);

		if (rc && !err)
			err = rc;
		filter_matches(sc, before, data, len);
	}
	qsort(sc->m, sc->m_nr, sizeof(*sc->m), cmp_match);
	resolve_overlaps(sc);
	*out = sc->m;
	*out_nr = sc->m_nr;
	return err;
}
