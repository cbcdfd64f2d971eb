/* suppress.h - findings a team has accepted: inline markers, the config's
 * allowlists and disabled rules, the baseline.
 *
 * Suppressed findings are kept (marked with the mechanism) until the
 * report: they are counted by mechanism in the stats of every format, and
 * listed with --show-suppressed; they never make the exit code 1.
 */
#ifndef KS_SUPPRESS_H
#define KS_SUPPRESS_H

#include "compat.h"
#include "finding.h"

struct ks_config;
struct ks_baseline;
struct ks_stats;

struct ks_supp_ctx {
	const struct ks_config *cfg;	/* NULL: no config */
	struct ks_baseline *bl;		/* NULL: no baseline */
	bool inline_allow;		/* honour the markers */
	const char *base;		/* prefix of finding paths that the
					 * config and baseline paths omit */
	const char *cwd;		/* an absolute path below it counts
					 * from it (NULL: not known) */
};

/* The path of f as the config and the baseline see it: relative to the
 * scan root or repository root, without "./". Points into f->path. */
const char *ks_supp_path(const struct ks_supp_ctx *c, const char *path);
/* Decides, for each finding of fs from index from on, whether (and why)
 * it is suppressed, and counts it in st. */
void ks_suppress(const struct ks_supp_ctx *c, struct ks_findings *fs,
		 size_t from, struct ks_stats *st);
/* Drops the suppressed findings (unless keep: --show-suppressed). */
void ks_suppress_compact(struct ks_findings *fs, bool keep);
/* Findings that are not suppressed. */
size_t ks_findings_reported(const struct ks_findings *fs);

#endif
