/* report_text.c - one line per finding, summary on stderr. */
#include "compat.h"
#include "report.h"
#include "buf.h"
#include "finding.h"
#include "rules.h"
#include "error.h"
#include "stats.h"
#include "verify.h"

/* " (base64)", " (iss=..., exp=...)" after a finding's secret. */
static void finding_notes(FILE *out, const struct ks_finding *f)
{
	struct ks_buf b = KS_BUF_INIT;
	char date[32];

	if (f->encoding[0])
		fprintf(out, " (%s)", f->encoding);
	if (f->jwt_has_iss || f->jwt_has_exp) {
		if (f->jwt_has_iss) {
			ks_buf_adds(&b, "iss=");
			ks_term_escape(&b, f->jwt_issuer, strlen(f->jwt_issuer));
		}
		if (f->jwt_has_exp &&
		    ks_jwt_date(date, sizeof(date), f->jwt_exp))
			ks_buf_addf(&b, "%sexp=%s%s", b.len ? ", " : "", date,
				    f->jwt_expired ? " expired" : "");
		if (b.len)
			fprintf(out, " (%s)", b.ptr);
	}
	ks_buf_release(&b);
}

int ks_format_parse(const char *name, enum ks_format *fmt)
{
	static const struct {
		const char *name;
		enum ks_format fmt;
	} names[] = {
		{ "text", KS_FORMAT_TEXT },   { "json", KS_FORMAT_JSON },
		{ "jsonl", KS_FORMAT_JSONL }, { "sarif", KS_FORMAT_SARIF },
		{ "gitlab", KS_FORMAT_GITLAB }, { "github", KS_FORMAT_GITHUB },
		{ "junit", KS_FORMAT_JUNIT },
	};
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i].name)) {
			*fmt = names[i].fmt;
			return 0;
		}
	return -1;
}

int ks_report_text(FILE *out, const struct ks_findings *fs,
		   const struct ks_report_opts *opts)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i;
	const char *bold = opts->color ? "\033[1m" : "";
	const char *red = opts->color ? "\033[31m" : "";
	const char *mag = opts->color ? "\033[35m" : "";
	const char *off = opts->color ? "\033[0m" : "";

	for (i = 0; i < fs->nr; i++) {
		const struct ks_finding *f = &fs->f[i];

		ks_buf_reset(&b);
		ks_term_escape(&b, f->path, strlen(f->path));
		fprintf(out, "%s%s%s:%zu:%zu: %s%s%s: ", bold, b.ptr, off,
			f->line, f->col, mag, f->rule->id, off);
		ks_buf_reset(&b);
		if (opts->no_redact)
			ks_term_escape(&b, f->secret, f->secret_len);
		else
			ks_term_escape(&b, f->redacted, strlen(f->redacted));
		fprintf(out, "%s%s%s", red, b.ptr, off);
		finding_notes(out, f);
		if (f->commit)
			fprintf(out, " (commit %.7s)", f->commit->id);
		if (f->suppressed)
			fprintf(out, " (suppressed: %s)",
				ks_supp_name(f->suppressed));
		if (f->verification && f->verification->state != KS_V_NONE) {
			ks_buf_reset(&b);
			ks_verification_describe(&b, f->verification);
			fprintf(out, " %s[%s]%s",
				f->verification->state == KS_V_LIVE ||
						f->verification->state == KS_V_LIVE_RESTRICTED
					? red : "",
				b.ptr,
				f->verification->state == KS_V_LIVE ||
						f->verification->state == KS_V_LIVE_RESTRICTED
					? off : "");
		}
		fputc('\n', out);
	}
	ks_buf_release(&b);
	fflush(out);
	return ferror(out) ? KS_EIO : 0;
}

void ks_verification_describe(struct ks_buf *out,
			      const struct ks_verification *v)
{
	size_t i;

	ks_buf_adds(out, ks_vstate_name(v->state));
	if (v->reason) {
		ks_buf_adds(out, ": ");
		ks_term_escape(out, v->reason, strlen(v->reason));
	}
	for (i = 0; i < v->detail_nr; i++) {
		ks_buf_adds(out, i || v->reason ? ", " : ": ");
		ks_term_escape(out, v->detail[i].key, strlen(v->detail[i].key));
		ks_buf_addch(out, '=');
		ks_term_escape(out, v->detail[i].value,
			       strlen(v->detail[i].value));
	}
	if (v->cached)
		ks_buf_adds(out, " (cached)");
}

void ks_report_summary(FILE *err, const struct ks_stats *st, double seconds)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i, skipped = 0;

	for (i = 0; i < KS_SKIP_NR; i++)
		if (st->skipped_by[i]) {
			ks_buf_addf(&b, "%s%s %zu", skipped ? ", " : " (",
				    ks_skip_reason_name(i), st->skipped_by[i]);
			skipped += st->skipped_by[i];
		}
	if (skipped)
		ks_buf_addch(&b, ')');
	if (st->history)
		fprintf(err, "keysnare: history: %zu commit%s, %zu unique blob%s%s\n",
			st->commits, st->commits == 1 ? "" : "s", st->blobs,
			st->blobs == 1 ? "" : "s",
			st->truncated ? " (shallow clone: history truncated)"
				      : "");
	{
		struct ks_buf sb = KS_BUF_INIT;
		size_t supp = 0;

		for (i = 1; i < KS_SUPP_NR; i++)
			if (st->suppressed_by[i]) {
				ks_buf_addf(&sb, "%s%s %zu",
					    supp ? ", " : " (",
					    ks_supp_name(i),
					    st->suppressed_by[i]);
				supp += st->suppressed_by[i];
			}
		if (supp)
			ks_buf_addch(&sb, ')');
		fprintf(err,
			"keysnare: %zu file%s scanned (%llu bytes) in %.3f s; %zu skipped%s; %zu error%s; %zu finding%s; %zu suppressed%s%s\n",
			st->files_scanned, st->files_scanned == 1 ? "" : "s",
			(unsigned long long)st->bytes_scanned, seconds,
			skipped, b.ptr, st->err_nr,
			st->err_nr == 1 ? "" : "s", st->findings,
			st->findings == 1 ? "" : "s", supp, sb.ptr,
			st->incomplete ? "; scan INCOMPLETE" : "");
		ks_buf_release(&sb);
	}
	ks_report_verify_summary(err, st);
	ks_buf_release(&b);
}

void ks_report_verify_summary(FILE *err, const struct ks_stats *st)
{
	if (st->verify) {
		const struct ks_verify_stats *vs = st->verify;

		fprintf(err,
			"keysnare: verify: %zu key%s, %zu request%s, %zu cached: %zu live, %zu live_restricted, %zu invalid, %zu unknown; %zu finding%s without a verifier%s\n",
			vs->keys, vs->keys == 1 ? "" : "s", vs->requests,
			vs->requests == 1 ? "" : "s", vs->cached,
			vs->by_state[KS_V_LIVE], vs->by_state[KS_V_LIVE_RESTRICTED],
			vs->by_state[KS_V_INVALID], vs->by_state[KS_V_UNKNOWN],
			vs->not_verifiable, vs->not_verifiable == 1 ? "" : "s",
			st->only_verified_hidden ? "; others hidden by --only-verified" : "");
	}
}

int ks_report_blocked(FILE *out, const struct ks_findings *fs,
		      const struct ks_report_opts *opts)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i, k;
	const char *bold = opts->color ? "\033[1m" : "";
	const char *red = opts->color ? "\033[31m" : "";
	const char *off = opts->color ? "\033[0m" : "";

	size_t n = 0;

	for (i = 0; i < fs->nr; i++)
		n += !fs->f[i].suppressed;
	fprintf(out, "%skeysnare: commit blocked: %zu secret%s in the staged changes%s\n\n",
		bold, n, n == 1 ? "" : "s", off);
	for (i = 0; i < fs->nr; i++) {
		const struct ks_finding *f = &fs->f[i];

		if (f->suppressed)
			continue;

		ks_buf_reset(&b);
		ks_term_escape(&b, f->path, strlen(f->path));
		fprintf(out, "  %s:%zu:%zu %s ", b.ptr, f->line, f->col,
			f->rule->id);
		ks_buf_reset(&b);
		if (opts->no_redact)
			ks_term_escape(&b, f->secret, f->secret_len);
		else
			ks_term_escape(&b, f->redacted, strlen(f->redacted));
		fprintf(out, "%s%s%s", red, b.ptr, off);
		finding_notes(out, f);
		if (f->verification && f->verification->state != KS_V_NONE) {
			ks_buf_reset(&b);
			ks_verification_describe(&b, f->verification);
			fprintf(out, " [%s]", b.ptr);
		}
		fputc('\n', out);
	}
	fputs("\nWhat to do:\n"
	      "  1. Remove the secret from the file(s) above and load it at run time from\n"
	      "     an environment variable or a secret manager; then `git add` again.\n"
	      "  2. If the key was ever pushed, shared or committed elsewhere, rotate it now:\n",
	      out);
	for (i = 0; i < fs->nr; i++) {
		const struct ks_rule *r = fs->f[i].rule;

		if (fs->f[i].suppressed)
			continue;
		for (k = 0; k < i; k++)
			if (fs->f[k].rule == r && !fs->f[k].suppressed)
				break;
		if (k < i)
			continue;
		fprintf(out, "     - %s: %s\n", r->id,
			r->remediation ? r->remediation
				       : "revoke it with its provider and issue a new one.");
	}
	fputs("  3. A false positive, or a test key that has to stay? Accept exactly it:\n"
	      "     a comment `keysnare:allow` on its line (`keysnare:allow-next-line` on\n"
	      "     the line above), or the baseline named in .keysnare.yml\n"
	      "     (`baseline: .keysnare-baseline`), which this records it in:\n"
	      "       keysnare staged --write-baseline .keysnare-baseline\n"
	      "  4. Last resort, for this commit only: git commit --no-verify\n",
	      out);
	ks_buf_release(&b);
	fflush(out);
	return ferror(out) ? KS_EIO : 0;
}
