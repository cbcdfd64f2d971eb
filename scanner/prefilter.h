/* prefilter.h - where rules can match: one pass over a buffer finds every
 * rule keyword (case-insensitive literals) at once.
 *
 * Built once from a ruleset with Vectorscan (literal mode), then read-only
 * and shared by all threads; each thread owns a ks_prefilter_scratch.
 */
#ifndef KS_PREFILTER_H
#define KS_PREFILTER_H

#include "compat.h"

struct ks_ruleset;
struct ks_prefilter;
struct ks_prefilter_scratch;

/* Called for every occurrence of a keyword of an enabled rule, in order of
 * the keyword's end offset; [start, end) is the keyword. Return non-zero to
 * stop the scan. */
typedef int (*ks_prefilter_cb)(size_t rule, size_t start, size_t end,
			       void *payload);

int ks_prefilter_new(struct ks_prefilter **out, const struct ks_ruleset *set);
void ks_prefilter_free(struct ks_prefilter *pf);
/* The compiled keyword database, serialized (for the build's embedded
 * copy, see scanner/tools/gen-prefilter.c), and the hash of the keyword
 * list it was made from. Returns 0, or KS_ERROR with nothing to write. */
int ks_prefilter_serialize(const struct ks_prefilter *pf, char **bytes,
			   size_t *len, uint64_t *hash);
/* Set at link time by the generated prefilter_default.c: the embedded
 * rules' keyword database, reused instead of compiling it again when a
 * scan's keyword list hashes the same (absent in unit tests). */
struct ks_prefilter_blob {
	const unsigned char *bytes;
	size_t len;
	uint64_t hash;
};
extern const struct ks_prefilter_blob ks_prefilter_default
	__attribute__((weak));
int ks_prefilter_scratch_new(struct ks_prefilter_scratch **out,
			     const struct ks_prefilter *pf);
void ks_prefilter_scratch_free(struct ks_prefilter_scratch *s);

/* Scans data[0..len) (len < 4 GiB). Returns 0, or KS_ERROR when the
 * literal engine failed (ks_error_last() says why). */
int ks_prefilter_scan(const struct ks_prefilter *pf,
		      struct ks_prefilter_scratch *s, const unsigned char *data,
		      size_t len, ks_prefilter_cb cb, void *payload);

#endif
