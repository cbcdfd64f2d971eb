/* report_sarif.c - SARIF 2.1.0 for GitHub code scanning (issue 7).
 *
 * One run: tool.driver with one reportingDescriptor per rule that produced
 * a reported result (sorted by id), the results in the findings' order
 * (path, line, column, rule), invocations[0] with the scan errors and the
 * truncation notice. Strings go through ks_json_str(); artifact URIs are
 * percent-encoded bytes, so any path (even invalid UTF-8) round-trips.
 * Nothing depends on the clock or the machine: the output is a function of
 * the findings and stats (and, with --verify, of the providers' answers). Messages and partialFingerprints never hold a
 * secret, an e-mail address or a commit message.
 */
#include "compat.h"
#include "verify.h"
#include <cjson/cJSON.h>
#include "report.h"
#include "buf.h"
#include "error.h"
#include "finding.h"
#include "rules.h"
#include "stats.h"
#include "utf8.h"
#include "version.h"
#include "xalloc.h"

#define SARIF_SCHEMA                                                           \
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/" \
	"sarif-schema-2.1.0.json"
#define KS_INFO_URI "https://github.com/keysnare/keysnare"
#define KS_FP_KEY "keysnare/v1"

/* GitHub code scanning: at most 25,000 results per run and 10 MB gzipped.
 * The size is estimated from above without compressing: KS_SARIF_MAX_BYTES
 * of (worst-case escaped) result text, which at the per-result entropy of
 * our results (a 64-hex fingerprint, a path, a <= 200-byte redacted
 * snippet) stays well below 10 MB once gzipped. */
#define KS_SARIF_MAX_RESULTS 25000
#define KS_SARIF_MAX_BYTES ((size_t)100 << 20)
#define KS_SARIF_RESULT_OVERHEAD 1024

static const char *sev_level(enum ks_severity s)
{
	return s >= KS_SEV_HIGH	   ? "error"
	       : s == KS_SEV_MEDIUM ? "warning"
				    : "note";
}

static const char *sev_score(enum ks_severity s)
{
	switch (s) {
	case KS_SEV_CRITICAL:
		return "9.0";
	case KS_SEV_HIGH:
		return "7.5";
	case KS_SEV_MEDIUM:
		return "5.0";
	case KS_SEV_LOW:
		break;
	}
	return "2.0";
}

static void add_str(cJSON *obj, const char *key, const char *s, size_t len)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_json_str(&b, s, len);
	cJSON_AddStringToObject(obj, key, b.ptr);
	ks_buf_release(&b);
}

static cJSON *json_str(const char *s, size_t len)
{
	struct ks_buf b = KS_BUF_INIT;
	cJSON *o;

	ks_json_str(&b, s, len);
	o = cJSON_CreateString(b.ptr);
	ks_buf_release(&b);
	return o;
}

/* {"text": s} */
static void add_message(cJSON *obj, const char *key, const char *s,
			size_t len)
{
	add_str(cJSON_AddObjectToObject(obj, key), "text", s, len);
}

/* RFC 3986: unreserved characters and '/' stay, every other byte is %HH. */
static void uri_encode(struct ks_buf *out, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)path; *p; p++) {
		unsigned char c = *p;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || c == '/') {
			ks_buf_addch(out, c);
		} else {
			ks_buf_addch(out, '%');
			ks_buf_addch(out, hex[c >> 4]);
			ks_buf_addch(out, hex[c & 15]);
		}
	}
}

/* A relative path becomes a relative reference under %SRCROOT%; an absolute
 * one (the user scanned /abs/dir) a file: URI. */
static cJSON *artifact_location(const char *path)
{
	cJSON *o = cJSON_CreateObject();
	struct ks_buf b = KS_BUF_INIT;

	if (path[0] == '/') {
		ks_buf_adds(&b, "file://");
		uri_encode(&b, path);
		cJSON_AddStringToObject(o, "uri", b.ptr);
	} else {
		uri_encode(&b, path);
		cJSON_AddStringToObject(o, "uri", b.ptr);
		cJSON_AddStringToObject(o, "uriBaseId", "%SRCROOT%");
	}
	ks_buf_release(&b);
	return o;
}

/* "aws-access-key-id" -> "AwsAccessKeyId" (SARIF wants identifier-like
 * rule names; the human name is the shortDescription). */
static void pascal_case(struct ks_buf *out, const char *id)
{
	bool up = true;

	for (; *id; id++) {
		if (*id == '-' || *id == '_') {
			up = true;
			continue;
		}
		ks_buf_addch(out,
			     up && *id >= 'a' && *id <= 'z' ? *id - 32 : *id);
		up = false;
	}
}

static cJSON *rule_json(const struct ks_rule *r)
{
	cJSON *o = cJSON_CreateObject(), *help, *cfg, *props, *tags;
	struct ks_buf b = KS_BUF_INIT;
	const char *desc = r->description && *r->description ? r->description
							      : r->name;
	const char *fix = r->remediation && *r->remediation
				  ? r->remediation
				  : "Revoke the secret, rotate it, and remove it from the code and its history.";
	bool security = false;
	size_t i;

	cJSON_AddStringToObject(o, "id", r->id);
	pascal_case(&b, r->id);
	add_str(o, "name", b.ptr, b.len);
	add_message(o, "shortDescription", r->name, strlen(r->name));
	add_message(o, "fullDescription", desc, strlen(desc));

	help = cJSON_AddObjectToObject(o, "help");
	ks_buf_reset(&b);
	ks_buf_addf(&b, "%s\n\nRemediation: %s", desc, fix);
	add_str(help, "text", b.ptr, b.len);
	ks_buf_reset(&b);
	ks_buf_addf(&b, "**%s** (severity: %s)\n\n%s\n\n## Remediation\n\n%s",
		    r->name, ks_severity_name(r->severity), desc, fix);
	add_str(help, "markdown", b.ptr, b.len);

	cfg = cJSON_AddObjectToObject(o, "defaultConfiguration");
	cJSON_AddStringToObject(cfg, "level", sev_level(r->severity));

	props = cJSON_AddObjectToObject(o, "properties");
	tags = cJSON_AddArrayToObject(props, "tags");
	for (i = 0; i < r->tag_nr; i++) {
		security |= !strcmp(r->tag[i], "security");
		cJSON_AddItemToArray(tags,
				     json_str(r->tag[i], strlen(r->tag[i])));
	}
	/* GitHub shows security-severity only for rules tagged "security" */
	if (!security)
		cJSON_AddItemToArray(tags, cJSON_CreateString("security"));
	cJSON_AddStringToObject(props, "security-severity",
				sev_score(r->severity));
	ks_buf_release(&b);
	return o;
}

static cJSON *result_json(const struct ks_finding *f, size_t rule_index)
{
	cJSON *o = cJSON_CreateObject(), *locs, *loc, *phys, *region, *fp;
	struct ks_buf b = KS_BUF_INIT;

	cJSON_AddStringToObject(o, "ruleId", f->rule->id);
	cJSON_AddNumberToObject(o, "ruleIndex", (double)rule_index);
	cJSON_AddStringToObject(o, "level", sev_level(f->rule->severity));
	/* the redacted secret even with --no-redact: SARIF gets uploaded */
	ks_buf_addf(&b, "%s: %s", f->rule->name, f->redacted);
	if (f->verification && f->verification->state != KS_V_NONE)
		ks_buf_addf(&b, " (verified: %s)",
			    ks_vstate_name(f->verification->state));
	add_message(o, "message", b.ptr, b.len);

	locs = cJSON_AddArrayToObject(o, "locations");
	loc = cJSON_CreateObject();
	cJSON_AddItemToArray(locs, loc);
	phys = cJSON_AddObjectToObject(loc, "physicalLocation");
	cJSON_AddItemToObject(phys, "artifactLocation",
			      artifact_location(f->path));
	region = cJSON_AddObjectToObject(phys, "region");
	/* NEEDSWORK: columns are byte columns; SARIF's default columnKind is
	 * UTF-16 code units (equal on ASCII lines). */
	cJSON_AddNumberToObject(region, "startLine", (double)f->line);
	cJSON_AddNumberToObject(region, "startColumn", (double)f->col);
	cJSON_AddNumberToObject(region, "endLine", (double)f->end_line);
	cJSON_AddNumberToObject(region, "endColumn", (double)f->end_col);
	if (f->snippet_len)
		add_message(region, "snippet", f->snippet, f->snippet_len);

	/* rule + path + secret hash: no author, e-mail or commit message */
	fp = cJSON_AddObjectToObject(o, "partialFingerprints");
	cJSON_AddStringToObject(fp, KS_FP_KEY, f->fingerprint);

	if (f->suppressed) {
		cJSON *arr = cJSON_AddArrayToObject(o, "suppressions");
		cJSON *s = cJSON_CreateObject();

		cJSON_AddStringToObject(s, "kind",
					f->suppressed == KS_SUPP_MARKER
						? "inSource"
						: "external");
		cJSON_AddStringToObject(s, "justification",
					ks_supp_name(f->suppressed));
		cJSON_AddItemToArray(arr, s);
	}
	if ((f->history && f->commit) || f->verification || f->encoding[0] ||
	    f->jwt_has_iss || f->jwt_has_exp) {
		cJSON *props = cJSON_AddObjectToObject(o, "properties");
		cJSON *v = ks_verification_json(f);
		char date[32];

		if (f->encoding[0])
			cJSON_AddStringToObject(props, "encoding", f->encoding);
		if (f->jwt_has_iss)
			add_str(props, "jwt_issuer", f->jwt_issuer,
				strlen(f->jwt_issuer));
		if (f->jwt_has_exp &&
		    ks_jwt_date(date, sizeof(date), f->jwt_exp)) {
			cJSON_AddStringToObject(props, "jwt_expires", date);
			cJSON_AddBoolToObject(props, "jwt_expired",
					      f->jwt_expired);
		}

		if (f->history && f->commit) {
			cJSON_AddStringToObject(props, "commit", f->commit->id);
			cJSON_AddStringToObject(props, "commit_date",
						f->commit->date);
		}
		if (v)
			cJSON_AddItemToObject(props, "verification", v);
	}
	ks_buf_release(&b);
	return o;
}

/* Upper bound of a result's size in the output (JSON escapes at most
 * sextuple a byte: \u00XX; percent-encoding triples it). */
static size_t result_size(const struct ks_finding *f)
{
	size_t n = KS_SARIF_RESULT_OVERHEAD + 3 * strlen(f->path) +
		   6 * f->snippet_len + 6 * strlen(f->redacted) +
		   strlen(f->rule->name);
	const struct ks_verification *v = f->verification;

	if (v) {
		n += 256 + (v->reason ? 6 * strlen(v->reason) : 0);
		for (size_t i = 0; i < v->detail_nr; i++)
			n += 16 + 6 * (strlen(v->detail[i].key) +
				       strlen(v->detail[i].value));
	}
	return n;
}

struct order {
	const struct ks_finding *f;
	size_t i;
};

/* highest severity first; stable (findings' order among equals) */
static int cmp_order(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	if (x->f->rule->severity != y->f->rule->severity)
		return x->f->rule->severity > y->f->rule->severity ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int cmp_rule(const void *a, const void *b)
{
	const struct ks_rule *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

/* Marks in keep[] the results that fit GitHub's limits; returns how many. */
static size_t select_results(bool *keep, const struct ks_findings *fs)
{
	struct order *ord;
	size_t i, kept = 0, bytes = 0;

	if (fs->nr <= KS_SARIF_MAX_RESULTS) {
		for (i = 0; i < fs->nr; i++)
			bytes += result_size(&fs->f[i]);
		if (bytes <= KS_SARIF_MAX_BYTES) {
			for (i = 0; i < fs->nr; i++)
				keep[i] = true;
			return fs->nr;
		}
		bytes = 0;
	}
	ord = xcalloc(fs->nr, sizeof(*ord));
	for (i = 0; i < fs->nr; i++) {
		ord[i].f = &fs->f[i];
		ord[i].i = i;
	}
	qsort(ord, fs->nr, sizeof(*ord), cmp_order);
	for (i = 0; i < fs->nr && kept < KS_SARIF_MAX_RESULTS; i++) {
		size_t sz = result_size(ord[i].f);

		if (bytes + sz > KS_SARIF_MAX_BYTES)
			break;
		bytes += sz;
		keep[ord[i].i] = true;
		kept++;
	}
	free(ord);
	return kept;
}

static void add_notification(cJSON *arr, const char *level, const char *text,
			     const char *path)
{
	cJSON *n = cJSON_CreateObject();

	cJSON_AddStringToObject(n, "level", level);
	add_message(n, "message", text, strlen(text));
	if (path && *path) {
		cJSON *locs = cJSON_AddArrayToObject(n, "locations");
		cJSON *loc = cJSON_CreateObject(), *phys;

		cJSON_AddItemToArray(locs, loc);
		phys = cJSON_AddObjectToObject(loc, "physicalLocation");
		cJSON_AddItemToObject(phys, "artifactLocation",
				      artifact_location(path));
	}
	cJSON_AddItemToArray(arr, n);
}

int ks_report_sarif(FILE *out, const struct ks_findings *fs,
		    const struct ks_stats *st, struct ks_report_opts *opts)
{
	cJSON *doc = cJSON_CreateObject(), *runs, *run, *tool, *driver, *arr;
	cJSON *inv, *notes, *base;
	static const char srcroot[] =
		"The directory keysnare was run in (the repository root in CI).";
	const struct ks_rule **rule = NULL;
	bool *keep = xcalloc(fs->nr ? fs->nr : 1, sizeof(*keep));
	size_t i, j, kept, rule_nr = 0;
	char *s = NULL;
	int err = 0;

	kept = select_results(keep, fs);

	/* the rules of the kept results, once each, by id */
	rule = xcalloc(kept ? kept : 1, sizeof(*rule));
	for (i = 0; i < fs->nr; i++) {
		if (!keep[i])
			continue;
		for (j = 0; j < rule_nr && rule[j] != fs->f[i].rule; j++)
			;
		if (j == rule_nr)
			rule[rule_nr++] = fs->f[i].rule;
	}
	qsort(rule, rule_nr, sizeof(*rule), cmp_rule);

	cJSON_AddStringToObject(doc, "$schema", SARIF_SCHEMA);
	cJSON_AddStringToObject(doc, "version", "2.1.0");
	runs = cJSON_AddArrayToObject(doc, "runs");
	run = cJSON_CreateObject();
	cJSON_AddItemToArray(runs, run);

	tool = cJSON_AddObjectToObject(run, "tool");
	driver = cJSON_AddObjectToObject(tool, "driver");
	cJSON_AddStringToObject(driver, "name", "keysnare");
	cJSON_AddStringToObject(driver, "version", KS_VERSION);
	cJSON_AddStringToObject(driver, "semanticVersion", KS_VERSION);
	cJSON_AddStringToObject(driver, "informationUri", KS_INFO_URI);
	arr = cJSON_AddArrayToObject(driver, "rules");
	for (j = 0; j < rule_nr; j++)
		cJSON_AddItemToArray(arr, rule_json(rule[j]));

	if (opts->sarif_category && *opts->sarif_category) {
		cJSON *ad = cJSON_AddObjectToObject(run, "automationDetails");

		add_str(ad, "id", opts->sarif_category,
			strlen(opts->sarif_category));
	}

	/* no absolute uri: it would put the user's home directory in the
	 * report and differ between machines */
	base = cJSON_AddObjectToObject(run, "originalUriBaseIds");
	base = cJSON_AddObjectToObject(base, "%SRCROOT%");
	add_message(base, "description", srcroot, strlen(srcroot));

	inv = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(run, "invocations"), inv);
	cJSON_AddBoolToObject(inv, "executionSuccessful", !st->incomplete);
	notes = cJSON_AddArrayToObject(inv, "toolExecutionNotifications");
	for (i = 0; i < st->err_nr; i++)
		add_notification(notes, "error", st->err[i].message,
				 st->err[i].path);
	if (kept < fs->nr) {
		struct ks_buf b = KS_BUF_INIT;

		ks_buf_addf(&b,
			    "%zu of %zu results were dropped to stay within "
			    "GitHub code scanning's limits (%d results per "
			    "run, 10 MB gzipped); the highest severities were "
			    "kept. Use -f json for every finding.",
			    fs->nr - kept, fs->nr, KS_SARIF_MAX_RESULTS);
		add_notification(notes, "warning", b.ptr, NULL);
		ks_buf_release(&b);
		opts->truncated = true;
	}

	arr = cJSON_AddArrayToObject(run, "results");
	for (i = 0; i < fs->nr; i++) {
		if (!keep[i])
			continue;
		for (j = 0; rule[j] != fs->f[i].rule; j++)
			;
		cJSON_AddItemToArray(arr, result_json(&fs->f[i], j));
	}

	s = cJSON_Print(doc);
	if (!s) {
		err = ks_error_set(KS_ERROR, "out of memory printing SARIF");
		goto done;
	}
	fputs(s, out);
	fputc('\n', out);
	fflush(out);
	if (ferror(out))
		err = KS_EIO;
done:
	cJSON_free(s);
	cJSON_Delete(doc);
	free(rule);
	free(keep);
	return err;
}
