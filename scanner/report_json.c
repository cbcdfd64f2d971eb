/* report_json.c - JSON document and JSON Lines (schema: docs/keysnare.schema.json). */
#include "compat.h"
#include <math.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "report.h"
#include "buf.h"
#include "error.h"
#include "finding.h"
#include "rules.h"
#include "stats.h"
#include "utf8.h"
#include "verify.h"
#include "version.h"

/* Adds a string that is valid UTF-8 whatever the input bytes; when bytes
 * had to be escaped and raw_key is set, the raw bytes go base64 there. */
static void add_str(cJSON *obj, const char *key, const char *s, size_t len,
		    const char *raw_key)
{
	struct ks_buf b = KS_BUF_INIT, raw = KS_BUF_INIT;
	bool escaped = ks_json_str(&b, s, len);

	cJSON_AddStringToObject(obj, key, b.ptr);
	if (escaped && raw_key) {
		ks_base64(&raw, (const unsigned char *)s, len);
		cJSON_AddStringToObject(obj, raw_key, raw.ptr);
	}
	ks_buf_release(&b);
	ks_buf_release(&raw);
}

void *ks_verification_json(const struct ks_finding *f)
{
	const struct ks_verification *v = f->verification;
	cJSON *o, *d;
	char date[32];
	time_t t;
	struct tm tm;
	size_t i;

	if (!v || v->state == KS_V_NONE)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "state", ks_vstate_name(v->state));
	cJSON_AddStringToObject(o, "provider", v->provider ? v->provider : "");
	if (v->http_status)
		cJSON_AddNumberToObject(o, "http_status", (double)v->http_status);
	else
		cJSON_AddNullToObject(o, "http_status");
	if (v->reason)
		add_str(o, "reason", v->reason, strlen(v->reason), NULL);
	d = cJSON_AddObjectToObject(o, "detail");
	for (i = 0; i < v->detail_nr; i++) {
		struct ks_buf k = KS_BUF_INIT;

		ks_json_str(&k, v->detail[i].key, strlen(v->detail[i].key));
		if (!cJSON_GetObjectItemCaseSensitive(d, k.ptr))
			add_str(d, k.ptr, v->detail[i].value,
				strlen(v->detail[i].value), NULL);
		ks_buf_release(&k);
	}
	t = (time_t)v->checked_at;
	if (v->checked_at > 0 && gmtime_r(&t, &tm) &&
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm))
		cJSON_AddStringToObject(o, "checked_at", date);
	else
		cJSON_AddNullToObject(o, "checked_at");
	cJSON_AddBoolToObject(o, "cached", v->cached);
	return o;
}

static void jwt_json(cJSON *o, const struct ks_finding *f)
{
	char date[32];

	if (f->jwt_has_iss)
		add_str(o, "jwt_issuer", f->jwt_issuer, strlen(f->jwt_issuer),
			NULL);
	if (f->jwt_has_exp && ks_jwt_date(date, sizeof(date), f->jwt_exp)) {
		cJSON_AddStringToObject(o, "jwt_expires", date);
		cJSON_AddBoolToObject(o, "jwt_expired", f->jwt_expired);
	}
}

static cJSON *finding_json(const struct ks_finding *f,
			   const struct ks_report_opts *opts)
{
	cJSON *o = cJSON_CreateObject(), *tags;
	size_t i;

	cJSON_AddStringToObject(o, "rule_id", f->rule->id);
	cJSON_AddStringToObject(o, "rule_name", f->rule->name);
	cJSON_AddStringToObject(o, "severity",
				ks_severity_name(f->rule->severity));
	add_str(o, "path", f->path, strlen(f->path), "path_bytes");
	cJSON_AddNumberToObject(o, "line", (double)f->line);
	cJSON_AddNumberToObject(o, "column", (double)f->col);
	cJSON_AddNumberToObject(o, "end_line", (double)f->end_line);
	cJSON_AddNumberToObject(o, "end_column", (double)f->end_col);
	if (opts->no_redact)
		add_str(o, "secret", f->secret, f->secret_len, "secret_bytes");
	else
		add_str(o, "secret", f->redacted, strlen(f->redacted), NULL);
	cJSON_AddBoolToObject(o, "redacted", !opts->no_redact);
	cJSON_AddStringToObject(o, "secret_sha256", f->secret_sha256);
	add_str(o, "snippet", f->snippet, f->snippet_len, "snippet_bytes");
	cJSON_AddNumberToObject(o, "entropy", round(f->entropy * 1000) / 1000);
	cJSON_AddStringToObject(o, "fingerprint", f->fingerprint);
	if (f->encoding[0])
		cJSON_AddStringToObject(o, "encoding", f->encoding);
	jwt_json(o, f);
	tags = cJSON_AddArrayToObject(o, "tags");
	for (i = 0; i < f->rule->tag_nr; i++)
		cJSON_AddItemToArray(tags, cJSON_CreateString(f->rule->tag[i]));
	cJSON_AddStringToObject(o, "remediation",
				f->rule->remediation ? f->rule->remediation
						     : "");
	if (f->suppressed)
		cJSON_AddStringToObject(o, "suppressed",
					ks_supp_name(f->suppressed));
	{
		cJSON *v = ks_verification_json(f);

		if (v)
			cJSON_AddItemToObject(o, "verification", v);
	}
	if (f->history) {
		static const unsigned char zero[20];
		char hex[41];
		size_t k;

		if (f->commit) {
			cJSON *c = cJSON_AddObjectToObject(o, "commit");

			cJSON_AddStringToObject(c, "id", f->commit->id);
			add_str(c, "author", f->commit->author,
				strlen(f->commit->author), NULL);
			add_str(c, "email", f->commit->email,
				strlen(f->commit->email), NULL);
			cJSON_AddStringToObject(c, "date", f->commit->date);
			add_str(c, "summary", f->commit->summary,
				strlen(f->commit->summary), NULL);
		} else {
			cJSON_AddNullToObject(o, "commit");
		}
		cJSON_AddBoolToObject(o, "present_at_head", f->present_at_head);
		if (memcmp(f->blob, zero, sizeof(zero))) {
			for (k = 0; k < 20; k++)
				snprintf(hex + 2 * k, 3, "%02x", f->blob[k]);
			cJSON_AddStringToObject(o, "blob", hex);
		}
		if (f->occ_nr) {
			cJSON *arr = cJSON_AddArrayToObject(o, "occurrences");

			for (k = 0; k < f->occ_nr; k++) {
				cJSON *oc = cJSON_CreateObject();

				cJSON_AddStringToObject(oc, "commit",
							f->occ[k].commit);
				add_str(oc, "path", f->occ[k].path,
					strlen(f->occ[k].path), "path_bytes");
				cJSON_AddItemToArray(arr, oc);
			}
		}
	}
	return o;
}

static int print_json(FILE *out, cJSON *doc, bool pretty)
{
	char *s = pretty ? cJSON_Print(doc) : cJSON_PrintUnformatted(doc);

	if (!s)
		return ks_error_set(KS_ERROR, "out of memory printing JSON");
	fputs(s, out);
	fputc('\n', out);
	cJSON_free(s);
	return 0;
}

int ks_report_json(FILE *out, const struct ks_findings *fs,
		   const struct ks_stats *st, const struct ks_report_opts *opts)
{
	cJSON *doc = cJSON_CreateObject(), *tool, *arr, *stats, *by, *list;
	size_t i, reported = 0, suppressed = 0;
	int err;

	for (i = 0; i < fs->nr; i++)
		reported += !fs->f[i].suppressed;
	for (i = 1; i < KS_SUPP_NR; i++)
		suppressed += st->suppressed_by[i];

	tool = cJSON_AddObjectToObject(doc, "tool");
	cJSON_AddStringToObject(tool, "name", "keysnare");
	cJSON_AddStringToObject(tool, "version", KS_VERSION);
	cJSON_AddNumberToObject(doc, "schema_version", 1);
	cJSON_AddBoolToObject(doc, "incomplete", st->incomplete);
	cJSON_AddBoolToObject(doc, "redacted", !opts->no_redact);
	arr = cJSON_AddArrayToObject(doc, "findings");
	for (i = 0; i < fs->nr; i++)
		cJSON_AddItemToArray(arr, finding_json(&fs->f[i], opts));

	stats = cJSON_AddObjectToObject(doc, "stats");
	cJSON_AddNumberToObject(stats, "files_scanned",
				(double)st->files_scanned);
	cJSON_AddNumberToObject(stats, "bytes_scanned",
				(double)st->bytes_scanned);
	cJSON_AddNumberToObject(stats, "findings", (double)reported);
	cJSON_AddNumberToObject(stats, "suppressed", (double)suppressed);
	by = cJSON_AddObjectToObject(stats, "suppressed_by_reason");
	for (i = 1; i < KS_SUPP_NR; i++)
		cJSON_AddNumberToObject(by, ks_supp_name(i),
					(double)st->suppressed_by[i]);
	if (st->baseline)
		cJSON_AddNumberToObject(stats, "baseline_unused",
					(double)st->baseline_unused);
	if (st->history) {
		cJSON_AddNumberToObject(stats, "commits", (double)st->commits);
		cJSON_AddNumberToObject(stats, "blobs", (double)st->blobs);
		cJSON_AddBoolToObject(stats, "history_truncated",
				      st->truncated);
	}
	if (st->verify) {
		const struct ks_verify_stats *vs = st->verify;
		cJSON *vo = cJSON_AddObjectToObject(stats, "verification");

		cJSON_AddNumberToObject(vo, "keys", (double)vs->keys);
		cJSON_AddNumberToObject(vo, "requests", (double)vs->requests);
		cJSON_AddNumberToObject(vo, "cached", (double)vs->cached);
		for (i = KS_V_LIVE; i <= KS_V_UNKNOWN; i++)
			cJSON_AddNumberToObject(vo, ks_vstate_name(i),
						(double)vs->by_state[i]);
		cJSON_AddNumberToObject(vo, "not_verifiable",
					(double)vs->not_verifiable);
		cJSON_AddNumberToObject(vo, "hidden_by_only_verified",
					(double)st->only_verified_hidden);
	}
	by = cJSON_AddObjectToObject(stats, "skipped_by_reason");
	for (i = 0; i < KS_SKIP_NR; i++)
		cJSON_AddNumberToObject(by, ks_skip_reason_name(i),
					(double)st->skipped_by[i]);
	by = cJSON_AddObjectToObject(stats, "dropped_by_reason");
	for (i = 1; i < KS_DROP_NR; i++)
		cJSON_AddNumberToObject(by, ks_drop_name(i),
					(double)st->dropped_by[i]);
	list = cJSON_AddArrayToObject(stats, "skipped");
	for (i = 0; i < st->skip_nr; i++) {
		cJSON *o = cJSON_CreateObject();

		add_str(o, "path", st->skip[i].path, strlen(st->skip[i].path),
			"path_bytes");
		cJSON_AddStringToObject(o, "reason",
					ks_skip_reason_name(st->skip[i].reason));
		cJSON_AddItemToArray(list, o);
	}
	list = cJSON_AddArrayToObject(stats, "errors");
	for (i = 0; i < st->err_nr; i++) {
		cJSON *o = cJSON_CreateObject();

		add_str(o, "path", st->err[i].path, strlen(st->err[i].path),
			"path_bytes");
		add_str(o, "message", st->err[i].message,
			strlen(st->err[i].message), NULL);
		cJSON_AddItemToArray(list, o);
	}
	err = print_json(out, doc, true);
	cJSON_Delete(doc);
	fflush(out);
	if (!err && ferror(out))
		err = KS_EIO;
	return err;
}

int ks_report_jsonl(FILE *out, const struct ks_findings *fs, size_t from,
		    const struct ks_report_opts *opts)
{
	size_t i;
	int err = 0;

	for (i = from; i < fs->nr && !err; i++) {
		cJSON *o = finding_json(&fs->f[i], opts);

		err = print_json(out, o, false);
		cJSON_Delete(o);
	}
	fflush(out);
	if (!err && ferror(out))
		err = KS_EIO;
	return err;
}
