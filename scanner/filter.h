/* filter.h - decide whether a pattern match is reported: entropy,
 * placeholders, missing context, overlap with a better rule. */
#ifndef KS_FILTER_H
#define KS_FILTER_H

#include "compat.h"

enum ks_drop {
	KS_DROP_NONE = 0,
	KS_DROP_ENTROPY,
	KS_DROP_PLACEHOLDER,
	KS_DROP_CONTEXT,
	KS_DROP_OVERLAP,
	KS_DROP_NR,
};

const char *ks_drop_name(enum ks_drop d);

/* Why a finding is not reported (counted in the stats; listed with
 * --show-suppressed). */
enum ks_supp {
	KS_SUPP_NONE,
	KS_SUPP_MARKER,		/* keysnare:allow on its line, ... */
	KS_SUPP_PATH,		/* allowlist paths */
	KS_SUPP_REGEX,		/* allowlist regexes */
	KS_SUPP_STOPWORD,	/* allowlist stopwords */
	KS_SUPP_COMMIT,		/* allowlist commits */
	KS_SUPP_BASELINE,
	KS_SUPP_RULE,		/* rule disabled in the config */
	KS_SUPP_NR,
};

const char *ks_supp_name(enum ks_supp s);

/* Shannon entropy in bits per byte, in [0, 8]; 0 for len 0. */
double ks_entropy(const unsigned char *data, size_t len);

/* Secrets longer than this skip the substring and run checks. */
#define KS_PLACEHOLDER_MAX_LEN 256

/* NULL when data does not look like a placeholder; else a short reason
 * ("contains 'example'", "run of 6 identical characters"). */
const char *ks_placeholder_reason(const unsigned char *data, size_t len);

/* Case-insensitive search for a lowercase needle; NULL when absent. */
const unsigned char *ks_memcasemem(const unsigned char *hay, size_t hay_len,
				   const char *needle, size_t needle_len);

#endif
