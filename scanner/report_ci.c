/* report_ci.c - GitLab secret detection, GitHub annotations, JUnit XML
 * (issue 7). */
#include "compat.h"
#include <time.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "error.h"
#include "finding.h"
#include "report.h"
#include "rules.h"
#include "stats.h"
#include "utf8.h"
#include "version.h"

/* GitLab security-report-schemas release the report declares. */
#define KS_GITLAB_SCHEMA "15.0.6"
/* history findings without a commit, and file scans */
#define KS_GITLAB_NO_COMMIT "0000000"

static int finish(FILE *out, int err)
{
	fflush(out);
	if (!err && ferror(out))
		err = KS_EIO;
	return err;
}

/* The secret as shown: redacted unless --no-redact. */
static void shown_secret(const struct ks_finding *f,
			 const struct ks_report_opts *opts, const char **s,
			 size_t *len)
{
	if (opts->no_redact) {
		*s = f->secret;
		*len = f->secret_len;
	} else {
		*s = f->redacted;
		*len = strlen(f->redacted);
	}
}

/* ---- GitLab ---------------------------------------------------------- */

/* A JSON string that is valid UTF-8 whatever the bytes (ks_json_str). */
static void gl_add_str(cJSON *obj, const char *key, const char *s, size_t len)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_json_str(&b, s, len);
	cJSON_AddStringToObject(obj, key, b.ptr);
	ks_buf_release(&b);
}

static const char *gl_severity(enum ks_severity s)
{
	switch (s) {
	case KS_SEV_CRITICAL:
		return "Critical";
	case KS_SEV_HIGH:
		return "High";
	case KS_SEV_MEDIUM:
		return "Medium";
	case KS_SEV_LOW:
		return "Low";
	}
	return "Unknown";
}

/* YYYY-MM-DDTHH:MM:SS in UTC (the schema's pattern: no zone suffix).
 * SOURCE_DATE_EPOCH, when set, pins it (reproducible reports). */
static void gl_now(char out[32])
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = time(NULL);
	struct tm tm;

	if (sde && *sde) {
		char *end = NULL;
		long long v = strtoll(sde, &end, 10);

		if (end && !*end && v >= 0)
			t = (time_t)v;
	}
	if (!gmtime_r(&t, &tm) ||
	    !strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(out, 32, "1970-01-01T00:00:00");
}

static cJSON *gl_tool(void)
{
	cJSON *o = cJSON_CreateObject(), *vendor;

	cJSON_AddStringToObject(o, "id", "keysnare");
	cJSON_AddStringToObject(o, "name", "keysnare");
	cJSON_AddStringToObject(o, "version", KS_VERSION);
	vendor = cJSON_AddObjectToObject(o, "vendor");
	cJSON_AddStringToObject(vendor, "name", "keysnare");
	return o;
}

/* Whether an earlier reported finding has the same fingerprint (the same
 * key twice in one file): GitLab needs unique ids. The fingerprint covers
 * the path and findings are sorted by path, so only the run of findings
 * with this path is looked at. */
static bool gl_dup_fingerprint(const struct ks_findings *fs, size_t i)
{
	size_t k = i;

	while (k-- > 0 && !strcmp(fs->f[k].path, fs->f[i].path))
		if (!fs->f[k].suppressed &&
		    !strcmp(fs->f[k].fingerprint, fs->f[i].fingerprint))
			return true;
	return false;
}

static cJSON *gl_vuln(const struct ks_findings *fs, size_t i)
{
	const struct ks_finding *f = &fs->f[i];
	cJSON *v = cJSON_CreateObject(), *loc, *commit, *ids, *id;
	struct ks_buf b = KS_BUF_INIT;

	/* the fingerprint: stable across runs; a repeat of the same key in
	 * the same file gets its commit and position appended (still
	 * stable) */
	ks_buf_adds(&b, f->fingerprint);
	if (gl_dup_fingerprint(fs, i)) {
		if (f->commit)
			ks_buf_addf(&b, ":%s", f->commit->id);
		ks_buf_addf(&b, ":%zu:%zu", f->line, f->col);
	}
	cJSON_AddStringToObject(v, "id", b.ptr);
	cJSON_AddStringToObject(v, "category", "secret_detection");
	gl_add_str(v, "name", f->rule->name, strlen(f->rule->name));
	ks_buf_reset(&b);
	if (f->rule->description)
		ks_buf_adds(&b, f->rule->description);
	if (f->rule->remediation && *f->rule->remediation) {
		if (b.len)
			ks_buf_adds(&b, "\n\n");
		ks_buf_adds(&b, f->rule->remediation);
	}
	if (!b.len)
		ks_buf_adds(&b, f->rule->name);
	gl_add_str(v, "description", b.ptr, b.len);
	cJSON_AddStringToObject(v, "severity", gl_severity(f->rule->severity));

	loc = cJSON_AddObjectToObject(v, "location");
	gl_add_str(loc, "file", f->path, strlen(f->path));
	cJSON_AddNumberToObject(loc, "start_line", (double)f->line);
	cJSON_AddNumberToObject(loc, "end_line", (double)f->end_line);
	commit = cJSON_AddObjectToObject(loc, "commit");
	if (f->commit) {
		cJSON_AddStringToObject(commit, "sha", f->commit->id);
		cJSON_AddStringToObject(commit, "date", f->commit->date);
	} else {
		cJSON_AddStringToObject(commit, "sha", KS_GITLAB_NO_COMMIT);
	}

	ids = cJSON_AddArrayToObject(v, "identifiers");
	id = cJSON_CreateObject();
	cJSON_AddStringToObject(id, "type", "keysnare_rule_id");
	ks_buf_reset(&b);
	ks_buf_addf(&b, "keysnare rule %s", f->rule->id);
	cJSON_AddStringToObject(id, "name", b.ptr);
	cJSON_AddStringToObject(id, "value", f->rule->id);
	cJSON_AddItemToArray(ids, id);

	/* snippets hold other secrets redacted unless --no-redact */
	gl_add_str(v, "raw_source_code_extract", f->snippet, f->snippet_len);
	ks_buf_release(&b);
	return v;
}

int ks_report_gitlab(FILE *out, const struct ks_findings *fs,
		     const struct ks_stats *st, const struct ks_report_opts *opts)
{
	cJSON *doc = cJSON_CreateObject(), *scan, *arr;
	char now[32];
	char *s;
	size_t i;
	int err = 0;

	(void)opts; /* secrets appear only through the snippet */
	gl_now(now);
	cJSON_AddStringToObject(doc, "version", KS_GITLAB_SCHEMA);
	scan = cJSON_AddObjectToObject(doc, "scan");
	cJSON_AddItemToObject(scan, "analyzer", gl_tool());
	cJSON_AddItemToObject(scan, "scanner", gl_tool());
	cJSON_AddStringToObject(scan, "type", "secret_detection");
	/* NEEDSWORK: the writer does not know when the scan began; both
	 * times are the time of writing */
	cJSON_AddStringToObject(scan, "start_time", now);
	cJSON_AddStringToObject(scan, "end_time", now);
	cJSON_AddStringToObject(scan, "status",
				st->incomplete ? "failure" : "success");
	arr = cJSON_AddArrayToObject(doc, "vulnerabilities");
	for (i = 0; i < fs->nr; i++)
		if (!fs->f[i].suppressed)
			cJSON_AddItemToArray(arr, gl_vuln(fs, i));
	s = cJSON_Print(doc);
	if (!s) {
		err = ks_error_set(KS_ERROR, "out of memory printing JSON");
	} else {
		fputs(s, out);
		fputc('\n', out);
		cJSON_free(s);
	}
	cJSON_Delete(doc);
	return finish(out, err);
}

/* ---- GitHub Actions workflow commands -------------------------------- */

/* Appends s as workflow-command text: valid UTF-8 (invalid bytes as
 * "\xHH", see ks_json_str), then GitHub's escapes: % CR LF always, and
 * : , in property values. */
static void gh_escape(struct ks_buf *out, const char *s, size_t len,
		      bool property)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	ks_json_str(&b, s, len);
	for (i = 0; i < b.len; i++) {
		char c = b.ptr[i];

		if (c == '%')
			ks_buf_adds(out, "%25");
		else if (c == '\r')
			ks_buf_adds(out, "%0D");
		else if (c == '\n')
			ks_buf_adds(out, "%0A");
		else if (property && c == ':')
			ks_buf_adds(out, "%3A");
		else if (property && c == ',')
			ks_buf_adds(out, "%2C");
		else
			ks_buf_addch(out, c);
	}
	ks_buf_release(&b);
}

static const char *gh_level(const struct ks_finding *f)
{
	if (f->suppressed)
		return "notice";
	switch (f->rule->severity) {
	case KS_SEV_CRITICAL:
	case KS_SEV_HIGH:
		return "error";
	case KS_SEV_MEDIUM:
		return "warning";
	case KS_SEV_LOW:
		break;
	}
	return "notice";
}

int ks_report_github(FILE *out, const struct ks_findings *fs,
		     const struct ks_report_opts *opts)
{
	struct ks_buf b = KS_BUF_INIT, msg = KS_BUF_INIT;
	size_t i;

	for (i = 0; i < fs->nr; i++) {
		const struct ks_finding *f = &fs->f[i];
		const char *sec;
		size_t sec_len;

		ks_buf_reset(&b);
		ks_buf_addf(&b, "::%s file=", gh_level(f));
		gh_escape(&b, f->path, strlen(f->path), true);
		ks_buf_addf(&b, ",line=%zu", f->line);
		/* GitHub takes columns only within one line; endColumn is
		 * the last column (inclusive), end_col is one past it */
		if (f->end_line == f->line && f->end_col > f->col)
			ks_buf_addf(&b, ",col=%zu,endLine=%zu,endColumn=%zu",
				    f->col, f->end_line, f->end_col - 1);
		else
			ks_buf_addf(&b, ",endLine=%zu", f->end_line);
		ks_buf_adds(&b, ",title=");
		gh_escape(&b, f->rule->id, strlen(f->rule->id), true);
		ks_buf_adds(&b, "::");

		shown_secret(f, opts, &sec, &sec_len);
		ks_buf_reset(&msg);
		ks_buf_adds(&msg, f->rule->name);
		ks_buf_adds(&msg, ": ");
		ks_buf_add(&msg, sec, sec_len);
		if (f->rule->remediation && *f->rule->remediation) {
			ks_buf_adds(&msg, " \xe2\x80\x94 "); /* em dash */
			ks_buf_adds(&msg, f->rule->remediation);
		}
		if (f->commit)
			ks_buf_addf(&msg, " (commit %.12s)", f->commit->id);
		if (f->suppressed)
			ks_buf_addf(&msg, " (suppressed: %s)",
				    ks_supp_name(f->suppressed));
		gh_escape(&b, msg.ptr, msg.len, false);
		ks_buf_addch(&b, '\n');
		fwrite(b.ptr, 1, b.len, out);
	}
	ks_buf_release(&b);
	ks_buf_release(&msg);
	return finish(out, 0);
}

/* ---- JUnit XML ------------------------------------------------------- */

/* Appends s as XML 1.0 character data (attr: inside a double-quoted
 * attribute). The five markup characters become entities; tab, LF and CR
 * character references in attributes (which would otherwise be normalised
 * to spaces) and CR in text; other C0 controls, NUL and invalid UTF-8 bytes
 * the text "\xHH"; U+FFFE and U+FFFF (not XML characters) U+FFFD. */
static void xml_escape(struct ks_buf *out, const char *str, size_t len,
		       bool attr)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = ks_utf8_decode(s + i, len - i, &cp);

		if (!n) {
			ks_buf_addf(out, "\\x%02X", s[i]);
			i++;
			continue;
		}
		switch (cp) {
		case '&':
			ks_buf_adds(out, "&amp;");
			break;
		case '<':
			ks_buf_adds(out, "&lt;");
			break;
		case '>':
			ks_buf_adds(out, "&gt;");
			break;
		case '"':
			ks_buf_adds(out, "&quot;");
			break;
		case '\'':
			ks_buf_adds(out, "&apos;");
			break;
		case '\t':
		case '\n':
			if (attr)
				ks_buf_addf(out, "&#%u;", (unsigned)cp);
			else
				ks_buf_addch(out, (int)cp);
			break;
		case '\r':
			ks_buf_adds(out, "&#13;");
			break;
		case 0xFFFE:
		case 0xFFFF:
			ks_buf_adds(out, "\xef\xbf\xbd");
			break;
		default:
			if (cp < 0x20)
				ks_buf_addf(out, "\\x%02X", (unsigned)cp);
			else
				ks_buf_add(out, s + i, n);
		}
		i += n;
	}
}

static void xml_attr(struct ks_buf *out, const char *name, const char *s,
		     size_t len)
{
	ks_buf_addf(out, " %s=\"", name);
	xml_escape(out, s, len, true);
	ks_buf_addch(out, '"');
}

static void xml_attrs(struct ks_buf *out, const char *name, const char *s)
{
	xml_attr(out, name, s, strlen(s));
}

static void junit_finding(struct ks_buf *b, const struct ks_finding *f,
			  const struct ks_report_opts *opts)
{
	struct ks_buf t = KS_BUF_INIT;
	const char *sec;
	size_t sec_len;

	ks_buf_adds(b, "    <testcase");
	xml_attrs(b, "classname", f->rule->id);
	ks_buf_add(&t, f->path, strlen(f->path));
	ks_buf_addf(&t, ":%zu:%zu", f->line, f->col);
	xml_attr(b, "name", t.ptr, t.len);
	ks_buf_adds(b, ">\n");
	if (f->suppressed) {
		ks_buf_reset(&t);
		ks_buf_addf(&t, "suppressed: %s", ks_supp_name(f->suppressed));
		ks_buf_adds(b, "      <skipped");
		xml_attr(b, "message", t.ptr, t.len);
		ks_buf_adds(b, "/>\n");
		goto done;
	}
	shown_secret(f, opts, &sec, &sec_len);
	ks_buf_reset(&t);
	ks_buf_adds(&t, f->rule->name);
	ks_buf_adds(&t, ": ");
	ks_buf_add(&t, sec, sec_len);
	ks_buf_adds(b, "      <failure");
	xml_attr(b, "message", t.ptr, t.len);
	xml_attrs(b, "type", f->rule->id);
	ks_buf_adds(b, ">");

	ks_buf_reset(&t);
	ks_buf_addf(&t, "Rule: %s (%s), severity %s\nSecret: ", f->rule->name,
		    f->rule->id, ks_severity_name(f->rule->severity));
	ks_buf_add(&t, sec, sec_len);
	ks_buf_adds(&t, "\nLocation: ");
	ks_buf_adds(&t, f->path);
	ks_buf_addf(&t, ":%zu:%zu-%zu:%zu", f->line, f->col, f->end_line,
		    f->end_col);
	if (f->commit)
		ks_buf_addf(&t, "\nCommit: %s (%s)", f->commit->id,
			    f->commit->date);
	ks_buf_addf(&t, "\nFingerprint: %s", f->fingerprint);
	if (f->rule->remediation && *f->rule->remediation) {
		ks_buf_adds(&t, "\nRemediation: ");
		ks_buf_adds(&t, f->rule->remediation);
	}
	ks_buf_addch(&t, '\n');
	xml_escape(b, t.ptr, t.len, false);
	ks_buf_adds(b, "</failure>\n");
done:
	ks_buf_adds(b, "    </testcase>\n");
	ks_buf_release(&t);
}

int ks_report_junit(FILE *out, const struct ks_findings *fs,
		    const struct ks_stats *st, const struct ks_report_opts *opts)
{
	struct ks_buf b = KS_BUF_INIT, head = KS_BUF_INIT;
	size_t i, failures = 0, skipped = 0, tests;
	bool green;

	for (i = 0; i < fs->nr; i++) {
		/* suppressed findings are here only with --show-suppressed */
		if (!fs->f[i].suppressed)
			failures++;
		else
			skipped++;
	}
	/* a passing scan shows one passing test (green widgets) */
	green = !failures && !st->err_nr;
	tests = failures + skipped + st->err_nr + green;

	for (i = 0; i < fs->nr; i++)
		junit_finding(&b, &fs->f[i], opts);
	for (i = 0; i < st->err_nr; i++) {
		const struct ks_error_entry *e = &st->err[i];

		ks_buf_adds(&b, "    <testcase classname=\"keysnare.error\"");
		xml_attrs(&b, "name", e->path);
		ks_buf_adds(&b, ">\n      <error");
		xml_attrs(&b, "message", e->message);
		ks_buf_adds(&b, " type=\"scan-error\">");
		xml_escape(&b, e->path, strlen(e->path), false);
		ks_buf_adds(&b, ": ");
		xml_escape(&b, e->message, strlen(e->message), false);
		ks_buf_adds(&b, "</error>\n    </testcase>\n");
	}
	if (green)
		ks_buf_adds(&b, "    <testcase classname=\"keysnare\" "
				"name=\"keysnare scan\"/>\n");

	ks_buf_adds(&head, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	ks_buf_addf(&head,
		    "<testsuites name=\"keysnare\" tests=\"%zu\" "
		    "failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
		    tests, failures, st->err_nr, skipped);
	ks_buf_addf(&head,
		    "  <testsuite name=\"keysnare\" tests=\"%zu\" "
		    "failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
		    tests, failures, st->err_nr, skipped);
	fwrite(head.ptr, 1, head.len, out);
	fwrite(b.ptr, 1, b.len, out);
	fputs("  </testsuite>\n</testsuites>\n", out);
	ks_buf_release(&b);
	ks_buf_release(&head);
	return finish(out, 0);
}
