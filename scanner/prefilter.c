/* prefilter.c - Vectorscan literal matcher over every rule keyword. */
#include "compat.h"
#include <hs.h>
#include "prefilter.h"
#include "error.h"
#include "rules.h"
#include "xalloc.h"

struct keyword {
	const char *lit; /* lowercase when caseless */
	bool caseless;
	size_t len;
	size_t *rule;	 /* indexes of the enabled rules that own it */
	size_t rule_nr, rule_alloc;
};

struct ks_prefilter {
	struct keyword *kw;
	size_t kw_nr, kw_alloc;
	hs_database_t *db; /* NULL when no rule is enabled */
	uint64_t hash;	   /* of the keyword list (keyword_hash) */
};

/* FNV-1a over the keywords in order, their case flags and the rules
 * each belongs to: equal lists give equal databases and hit ids. */
static uint64_t keyword_hash(const struct ks_prefilter *pf)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t k, i;

#define KS_FNV(b) (h = (h ^ (uint64_t)(unsigned char)(b)) * 0x100000001b3ULL)
	for (k = 0; k < pf->kw_nr; k++) {
		const struct keyword *kw = &pf->kw[k];

		for (i = 0; i < kw->len; i++)
			KS_FNV(kw->lit[i]);
		KS_FNV(0);
		KS_FNV(kw->caseless);
		for (i = 0; i < kw->rule_nr; i++) {
			KS_FNV(kw->rule[i]);
			KS_FNV(kw->rule[i] >> 8);
		}
		KS_FNV(0xff);
	}
#undef KS_FNV
	return h;
}

int ks_prefilter_serialize(const struct ks_prefilter *pf, char **bytes,
			   size_t *len, uint64_t *hash)
{
	if (!pf->db || hs_serialize_database(pf->db, bytes, len) != HS_SUCCESS)
		return ks_error_set(KS_ERROR, "cannot serialize the prefilter");
	*hash = pf->hash;
	return 0;
}

struct ks_prefilter_scratch {
	hs_scratch_t *hs;
};

struct scan_ctx {
	const struct ks_prefilter *pf;
	ks_prefilter_cb cb;
	void *payload;
};

int ks_prefilter_new(struct ks_prefilter **out, const struct ks_ruleset *set)
{
	struct ks_prefilter *pf = xcalloc(1, sizeof(*pf));
	const char **expr = NULL;
	unsigned *flags = NULL, *ids = NULL;
	size_t *lens = NULL, i, j, k;
	hs_compile_error_t *cerr = NULL;
	int err = 0;

	*out = NULL;
	for (i = 0; i < set->rule_nr; i++) {
		const struct ks_rule *r = set->rule[i];

		if (!r->enabled)
			continue;
		for (j = 0; j < r->keyword_nr; j++) {
			struct keyword *kw = NULL;

			bool caseless = !r->keywords_case_sensitive;

			for (k = 0; k < pf->kw_nr; k++)
				if (!strcmp(pf->kw[k].lit, r->keyword[j]) &&
				    pf->kw[k].caseless == caseless)
					kw = &pf->kw[k];
			if (!kw) {
				ALLOC_GROW(pf->kw, pf->kw_nr + 1, pf->kw_alloc);
				kw = &pf->kw[pf->kw_nr++];
				memset(kw, 0, sizeof(*kw));
				kw->lit = r->keyword[j];
				kw->len = strlen(kw->lit);
				kw->caseless = caseless;
			}
			if (kw->rule_nr && kw->rule[kw->rule_nr - 1] == i)
				continue; /* listed twice in one rule */
			ALLOC_GROW(kw->rule, kw->rule_nr + 1, kw->rule_alloc);
			kw->rule[kw->rule_nr++] = i;
		}
	}
	if (!pf->kw_nr) {
		*out = pf;
		return 0;
	}
	pf->hash = keyword_hash(pf);
	if (&ks_prefilter_default && ks_prefilter_default.len &&
	    ks_prefilter_default.hash == pf->hash &&
	    hs_deserialize_database((const char *)ks_prefilter_default.bytes,
				    ks_prefilter_default.len,
				    &pf->db) == HS_SUCCESS) {
		/* built with the binary from the same keyword list (another
		 * CPU's database fails to load and is compiled below) */
		*out = pf;
		return 0;
	}
	pf->db = NULL;
	expr = xcalloc(pf->kw_nr, sizeof(*expr));
	flags = xcalloc(pf->kw_nr, sizeof(*flags));
	ids = xcalloc(pf->kw_nr, sizeof(*ids));
	lens = xcalloc(pf->kw_nr, sizeof(*lens));
	for (k = 0; k < pf->kw_nr; k++) {
		expr[k] = pf->kw[k].lit;
		flags[k] = pf->kw[k].caseless ? HS_FLAG_CASELESS : 0;
		ids[k] = (unsigned)k;
		lens[k] = pf->kw[k].len;
	}
	if (hs_compile_lit_multi(expr, flags, ids, lens, (unsigned)pf->kw_nr,
				 HS_MODE_BLOCK, NULL, &pf->db,
				 &cerr) != HS_SUCCESS) {
		err = ks_error_set(KS_ERROR, "cannot compile the keyword prefilter: %s",
				   cerr && cerr->message ? cerr->message : "?");
		hs_free_compile_error(cerr);
		ks_prefilter_free(pf);
		pf = NULL;
	}
	free(expr);
	free(flags);
	free(ids);
	free(lens);
	*out = pf;
	return err;
}

void ks_prefilter_free(struct ks_prefilter *pf)
{
	size_t i;

	if (!pf)
		return;
	for (i = 0; i < pf->kw_nr; i++)
		free(pf->kw[i].rule);
	free(pf->kw);
	hs_free_database(pf->db);
	free(pf);
}

int ks_prefilter_scratch_new(struct ks_prefilter_scratch **out,
			     const struct ks_prefilter *pf)
{
	struct ks_prefilter_scratch *s = xcalloc(1, sizeof(*s));

	if (pf->db && hs_alloc_scratch(pf->db, &s->hs) != HS_SUCCESS) {
		free(s);
		*out = NULL;
		return ks_error_set(KS_ERROR,
				    "cannot allocate prefilter scratch space");
	}
	*out = s;
	return 0;
}

void ks_prefilter_scratch_free(struct ks_prefilter_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	free(s);
}

static int on_literal(unsigned id, unsigned long long from,
		      unsigned long long to, unsigned flags, void *payload)
{
	struct scan_ctx *c = payload;
	const struct keyword *kw = &c->pf->kw[id];
	size_t i;

	(void)from; /* literal mode reports no start of match */
	(void)flags;
	for (i = 0; i < kw->rule_nr; i++)
		if (c->cb(kw->rule[i], (size_t)to - kw->len, (size_t)to,
			  c->payload))
			return 1;
	return 0;
}

int ks_prefilter_scan(const struct ks_prefilter *pf,
		      struct ks_prefilter_scratch *s, const unsigned char *data,
		      size_t len, ks_prefilter_cb cb, void *payload)
{
	struct scan_ctx c = { pf, cb, payload };
	hs_error_t rc;

	if (!pf->db || !len)
		return 0;
	if (len > UINT32_MAX)
		return ks_error_set(KS_ERROR, "buffer too large for the prefilter");
	rc = hs_scan(pf->db, (const char *)data, (unsigned)len, 0, s->hs,
		     on_literal, &c);
	if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED)
		return ks_error_set(KS_ERROR, "prefilter scan failed (error %d)",
				    (int)rc);
	return 0;
}
