/* report.h - write findings and stats: text, JSON, JSON Lines.
 *
 * Writers print to the FILE they are given and return 0, or KS_EIO when the
 * stream failed (the caller decides what that means for the exit code).
 */
#ifndef KS_REPORT_H
#define KS_REPORT_H

#include "compat.h"

struct ks_findings;
struct ks_finding;
struct ks_stats;

enum ks_format {
	KS_FORMAT_TEXT,
	KS_FORMAT_JSON,
	KS_FORMAT_JSONL,
	KS_FORMAT_SARIF,	/* SARIF 2.1.0 (GitHub code scanning) */
	KS_FORMAT_GITLAB,	/* GitLab secret-detection report */
	KS_FORMAT_GITHUB,	/* GitHub Actions workflow commands */
	KS_FORMAT_JUNIT,	/* JUnit XML */
};

/* Parses a -f name ("text", "json", ...) into *fmt; returns 0, or -1 for
 * a name that is not a format. */
int ks_format_parse(const char *name, enum ks_format *fmt);

struct ks_report_opts {
	bool no_redact;
	bool color;
	const char *sarif_category;	/* automationDetails.id, or NULL */
	bool truncated;		/* set by a writer that had to cut the
				 * report (SARIF limits): incomplete */
};

int ks_report_text(FILE *out, const struct ks_findings *fs,
		   const struct ks_report_opts *opts);
int ks_report_json(FILE *out, const struct ks_findings *fs,
		   const struct ks_stats *st, const struct ks_report_opts *opts);
/* One finding per line (streamed). */
int ks_report_jsonl(FILE *out, const struct ks_findings *fs, size_t from,
		    const struct ks_report_opts *opts);
/* `keysnare staged` blocking a commit: the findings, then what to do
 * (remove, rotate with each rule's remediation, how to bypass). */
int ks_report_blocked(FILE *out, const struct ks_findings *fs,
		      const struct ks_report_opts *opts);
/* CI formats (report_sarif.c, report_ci.c). */
int ks_report_sarif(FILE *out, const struct ks_findings *fs,
		    const struct ks_stats *st, struct ks_report_opts *opts);
int ks_report_gitlab(FILE *out, const struct ks_findings *fs,
		     const struct ks_stats *st, const struct ks_report_opts *opts);
int ks_report_github(FILE *out, const struct ks_findings *fs,
		     const struct ks_report_opts *opts);
int ks_report_junit(FILE *out, const struct ks_findings *fs,
		    const struct ks_stats *st, const struct ks_report_opts *opts);
/* The "verification" object of a finding (JSON, JSONL, SARIF
 * properties); NULL when it was not verified. Returns a cJSON *. */
void *ks_verification_json(const struct ks_finding *f);
/* "live: balance=110.00 CNY, is_available=true" (terminal-safe). */
struct ks_buf;
struct ks_verification;
void ks_verification_describe(struct ks_buf *out,
			      const struct ks_verification *v);
/* The summary line(s) on stderr. */
void ks_report_summary(FILE *err, const struct ks_stats *st, double seconds);
/* Its --verify line alone (nothing when st->verify is NULL). */
void ks_report_verify_summary(FILE *err, const struct ks_stats *st);

#endif
