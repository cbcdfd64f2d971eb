/* fuzz_rules.c - fuzz target: the input is a rule file.
 *
 * Loading must never crash, hang or leak, whatever the bytes. Oracles: the
 * return code agrees with the diagnostics; every diagnostic names the file;
 * every loaded rule satisfies the schema's invariants; loading the same
 * text again reports each of its rules as a duplicate. Loaded rules are
 * then run over their own expanded examples to exercise the scanner with
 * arbitrary patterns (PCRE2 limits must keep that bounded).
 */
#include "compat.h"
#include "buf.h"
#include "error.h"
#include "prefilter.h"
#include "rules.h"
#include "scan.h"

#define NAME	     "fuzz.yml"
#define MAX_EXPANDED (16u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_diags(const struct ks_ruleset *set, size_t from)
{
	size_t i;

	for (i = from; i < set->diag_nr; i++)
		if (strncmp(set->diag[i], NAME ":", strlen(NAME ":")) &&
		    strncmp(set->diag[i], NAME " ", strlen(NAME " "))) {
			fprintf(stderr,
				"diagnostic without the file name: %s\n",
				set->diag[i]);
			abort();
		}
}

static void check_rule(const struct ks_ruleset *set, size_t i)
{
	const struct ks_rule *r = set->rule[i];
	size_t k;

	if (!r->id || !r->name || !r->pattern || !r->re || !r->keyword_nr ||
	    r->example_nr < 2 || r->negative_nr < 2 || r->index != i ||
	    r->secret_group > r->capture_nr || !r->remediation ||
	    r->min_entropy < 0 || r->min_entropy > 8 ||
	    strlen(r->pattern) > KS_RULE_MAX_PATTERN)
		abort();
	for (k = 0; r->id[k]; k++)
		if (!((r->id[k] >= 'a' && r->id[k] <= 'z') ||
		      (r->id[k] >= '0' && r->id[k] <= '9') || r->id[k] == '-'))
			abort();
	for (k = 0; k < r->keyword_nr; k++) {
		const char *w = r->keyword[k];

		if (strlen(w) < 2 || strlen(w) > 64)
			abort();
		for (; *w; w++)
			if (*w >= 'A' && *w <= 'Z')
				abort();
	}
}

static void scan_examples(const struct ks_ruleset *set)
{
	struct ks_prefilter *pf = NULL;
	struct ks_scanner *sc = NULL;
	size_t i, j, k;

	if (ks_prefilter_new(&pf, set))
		abort();
	if (ks_scanner_new(&sc, set, pf))
		abort();
	for (i = 0; i < set->rule_nr; i++) {
		const struct ks_rule *r = set->rule[i];

		for (j = 0; j < r->example_nr; j++) {
			struct ks_buf secret = KS_BUF_INIT, input = KS_BUF_INIT;
			uint64_t rng = ks_template_seed(r->id, j);
			const struct ks_match *m;
			size_t m_nr;

			ks_template_expand(&secret, r->example[j].secret, NULL,
					   &rng);
			if (secret.len <= MAX_EXPANDED)
				ks_template_expand(&input, r->example[j].input,
						   secret.ptr, &rng);
			if (input.len <= MAX_EXPANDED) {
				ks_scan_buffer(sc, (unsigned char *)input.ptr,
					       input.len, &m, &m_nr);
				for (k = 0; k < m_nr; k++)
					if (m[k].start > m[k].end ||
					    m[k].end > input.len ||
					    m[k].secret_start >
						    m[k].secret_end ||
					    m[k].secret_end > input.len ||
					    m[k].rule->index >= set->rule_nr ||
					    set->rule[m[k].rule->index] !=
						    m[k].rule)
						abort();
			}
			ks_buf_release(&secret);
			ks_buf_release(&input);
		}
	}
	ks_scanner_free(sc);
	ks_prefilter_free(pf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	size_t i, first_nr, first_diag;
	int rc;

	rc = ks_ruleset_load(&set, (const char *)data, size, NAME);
	if ((rc == 0) != (set.diag_nr == 0) || (rc && rc != KS_EINVALID))
		abort();
	check_diags(&set, 0);
	for (i = 0; i < set.rule_nr; i++)
		check_rule(&set, i);
	if (set.rule_nr)
		scan_examples(&set);

	/* the same text again: nothing new, each rule a duplicate */
	first_nr = set.rule_nr;
	first_diag = set.diag_nr;
	rc = ks_ruleset_load(&set, (const char *)data, size, NAME);
	if (set.rule_nr != first_nr || (first_nr && !rc) ||
	    set.diag_nr - first_diag < first_nr)
		abort();
	check_diags(&set, first_diag);
	ks_ruleset_release(&set);
	return 0;
}
