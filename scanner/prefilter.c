/* prefilter.c - single-pass keyword search: first-byte table, then compare. */
#include "compat.h"
#include <ctype.h>
#include "prefilter.h"
#include "rules.h"
#include "xalloc.h"

struct keyword {
	const char *lit; /* lowercase */
	size_t len;
	size_t *rule;	 /* rule indexes that own this literal */
	size_t rule_nr, rule_alloc;
};

struct ks_prefilter {
	struct keyword *kw;
	size_t kw_nr, kw_alloc;
	/* by_first[c]: indexes into kw of literals starting with byte c */
	size_t *by_first[256];
	size_t by_first_nr[256];
	size_t rule_nr;
};

int ks_prefilter_new(struct ks_prefilter **out, const struct ks_ruleset *set)
{
	struct ks_prefilter *pf = xcalloc(1, sizeof(*pf));
	size_t alloc[256] = { 0 }, i, j, k;

	pf->rule_nr = set->rule_nr;
	for (i = 0; i < set->rule_nr; i++) {
		const struct ks_rule *r = set->rule[i];

		if (!r->enabled)
			continue;
		for (j = 0; j < r->keyword_nr; j++) {
			struct keyword *kw = NULL;

			for (k = 0; k < pf->kw_nr; k++)
				if (!strcmp(pf->kw[k].lit, r->keyword[j]))
					kw = &pf->kw[k];
			if (!kw) {
				ALLOC_GROW(pf->kw, pf->kw_nr + 1, pf->kw_alloc);
				kw = &pf->kw[pf->kw_nr++];
				memset(kw, 0, sizeof(*kw));
				kw->lit = r->keyword[j];
				kw->len = strlen(kw->lit);
			}
			ALLOC_GROW(kw->rule, kw->rule_nr + 1, kw->rule_alloc);
			kw->rule[kw->rule_nr++] = i;
		}
	}
	for (k = 0; k < pf->kw_nr; k++) {
		unsigned char c = (unsigned char)pf->kw[k].lit[0];

		ALLOC_GROW(pf->by_first[c], pf->by_first_nr[c] + 1, alloc[c]);
		pf->by_first[c][pf->by_first_nr[c]++] = k;
	}
	*out = pf;
	return 0;
}

void ks_prefilter_free(struct ks_prefilter *pf)
{
	size_t i;

	if (!pf)
		return;
	for (i = 0; i < pf->kw_nr; i++)
		free(pf->kw[i].rule);
	free(pf->kw);
	for (i = 0; i < 256; i++)
		free(pf->by_first[i]);
	free(pf);
}

static bool all_hit(const struct keyword *kw, const unsigned char *hit)
{
	size_t i;

	for (i = 0; i < kw->rule_nr; i++)
		if (!hit[kw->rule[i]])
			return false;
	return true;
}

size_t ks_prefilter_run(const struct ks_prefilter *pf,
			const unsigned char *data, size_t len,
			unsigned char *hit)
{
	size_t i, j, k, hits = 0, pending = pf->kw_nr;
	unsigned char interesting[256];

	memset(hit, 0, pf->rule_nr);
	for (i = 0; i < 256; i++)
		interesting[i] = pf->by_first_nr[tolower((int)i)] > 0;
	for (i = 0; i < len && pending; i++) {
		unsigned char c;

		if (!interesting[data[i]])
			continue;
		c = (unsigned char)tolower(data[i]);
		for (j = 0; j < pf->by_first_nr[c]; j++) {
			const struct keyword *kw = &pf->kw[pf->by_first[c][j]];

			if (kw->len > len - i || all_hit(kw, hit))
				continue;
			for (k = 1; k < kw->len; k++)
				if (tolower(data[i + k]) !=
				    (unsigned char)kw->lit[k])
					break;
			if (k < kw->len)
				continue;
			for (k = 0; k < kw->rule_nr; k++)
				if (!hit[kw->rule[k]]) {
					hit[kw->rule[k]] = 1;
					hits++;
				}
			pending--;
		}
	}
	return hits;
}
