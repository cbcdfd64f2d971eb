/* scan.h - the hot path: prefilter, PCRE2 match, filters, overlap
 * resolution over one buffer.
 *
 * A ks_scanner is per-thread scratch (match data, JIT stack, hit table);
 * the ruleset and prefilter it borrows are shared read-only.
 */
#ifndef KS_SCAN_H
#define KS_SCAN_H

#include "compat.h"
#include "filter.h"

struct ks_ruleset;
struct ks_rule;
struct ks_prefilter;
struct ks_scanner;

/* PCRE2 limits per match attempt (RELIABILITY.md: A1, A2). */
#define KS_MATCH_LIMIT 100000
#define KS_DEPTH_LIMIT 10000
#define KS_HEAP_LIMIT_KIB (20 * 1024)

/* A keyword hit at [k, k_end) makes its rule look for matches that start
 * in [k - KS_LOOKBACK, k_end + KS_LOOKAHEAD_START] and end within the rule's
 * window (rule->window, estimated from the pattern's quantifiers) after the
 * keyword. So a match must start at most KS_LOOKBACK bytes before one of
 * its rule's keywords, or at most KS_LOOKAHEAD_START bytes after its end
 * (a keyword in a lookbehind); `rules check` verifies this on the examples.
 * A rule that declares starts_with_keyword is only tried where a keyword
 * starts (much cheaper for frequent keywords). A match ending within
 * KS_EDGE_MARGIN bytes of a window's end is searched again in a larger
 * window. */
#define KS_LOOKBACK 256
#define KS_LOOKAHEAD_START 64
#define KS_EDGE_MARGIN 64

struct ks_match {
	const struct ks_rule *rule;
	size_t start, end;		/* whole match, byte offsets */
	size_t secret_start, secret_end; /* the secret */
	double entropy;
	size_t context_dist;		/* to the nearest context word */
	enum ks_drop drop;		/* KS_DROP_NONE: reported */
	const char *drop_detail;	/* static text, or NULL */
};

int ks_scanner_new(struct ks_scanner **out, const struct ks_ruleset *set,
		   const struct ks_prefilter *pf);
void ks_scanner_free(struct ks_scanner *sc);

/* Names the blob the next buffers come from (NULL: unnamed), until the next
 * call: a generic rule's matches in a lockfile (ks_lockfile_path()) are
 * dropped. Only the name's kind is kept, not the pointer. */
void ks_scanner_set_path(struct ks_scanner *sc, const char *path);

/* Scans data[0..len). On return *out holds every pattern match, kept and
 * dropped, sorted by secret position then rule index; it stays valid until
 * the next call. Returns 0, or KS_EREGEX when a rule hit a PCRE2 limit (the
 * matches found so far are still returned; the blob is incomplete, and
 * ks_error_last() names the rule). */
int ks_scan_buffer(struct ks_scanner *sc, const unsigned char *data,
		   size_t len, const struct ks_match **out, size_t *out_nr);

#endif
