/* prefilter.h - which rules can match a blob: one pass over the bytes that
 * finds every rule's keywords (case-insensitive).
 *
 * Built once from a ruleset, then read-only and shared by all threads.
 * NEEDSWORK: the fast-engine issue replaces the implementation (multi-literal
 * automaton); keep callers to this interface.
 */
#ifndef KS_PREFILTER_H
#define KS_PREFILTER_H

#include "compat.h"

struct ks_ruleset;
struct ks_prefilter;

int ks_prefilter_new(struct ks_prefilter **out, const struct ks_ruleset *set);
void ks_prefilter_free(struct ks_prefilter *pf);
/* Sets hit[i] = 1 for every enabled rule i with a keyword in data (hit has
 * one byte per rule and is cleared first). Returns the number of hits. */
size_t ks_prefilter_run(const struct ks_prefilter *pf,
			const unsigned char *data, size_t len,
			unsigned char *hit);

#endif
