/* fuzz_scan_json.c - fuzz target: scan → findings → JSON and text reports.
 *
 * Input layout: byte 0 = path length n (mod 48), then n path bytes (any
 * bytes: invalid UTF-8 and controls exercise path escaping; a NUL ends the
 * C string early), then 7 selector bytes, then the content. The selectors
 * pick a default rule and one of its examples (bytes 0, 1); the example is
 * expanded with a generator seeded from a hash of the whole input (so the
 * fuzzer sees key-shaped text it did not write, and nothing key-shaped
 * needs to be committed) and spliced into the content at offset bytes 2-3.
 * When byte 4 is odd, a second copy of the bare secret is inserted at
 * offset bytes 5-6 of the content (repeated keys, keys glued to text).
 * Offsets are taken modulo the content length + 1.
 *
 * Oracles (abort): the JSON report is valid UTF-8 (ks_utf8_valid) and
 * valid JSON; the text report is valid UTF-8 with no C0/C1/bidi control;
 * no full secret of a finding appears in the redacted outputs (unless the
 * path itself holds it). KS_FUZZ_VERBOSE=1 prints a line per input.
 */
#include "compat.h"
#include <cjson/cJSON.h>
#include "buf.h"
#include "finding.h"
#include "prefilter.h"
#include "report.h"
#include "rules.h"
#include "scan.h"
#include "stats.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ks_ruleset set = KS_RULESET_INIT;
static struct ks_prefilter *pf;
static struct ks_scanner *sc;

static void init(void)
{
	if (sc)
		return;
	if (ks_ruleset_load_defaults(&set) || !set.rule_nr) {
		fprintf(stderr, "fuzz_scan_json: default rules do not load\n");
		abort();
	}
	if (ks_prefilter_new(&pf, &set) || ks_scanner_new(&sc, &set, pf))
		abort();
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

/* Renders the reports into memory; "text" gets the text report. */
static char *render(const struct ks_findings *fs, const struct ks_stats *st,
		    bool no_redact, bool text, size_t *len)
{
	struct ks_report_opts opts = { no_redact, false, NULL, false };
	char *out = NULL;
	FILE *f = open_memstream(&out, len);

	if (!f)
		abort();
	if (text)
		ks_report_text(f, fs, &opts);
	else if (ks_report_json(f, fs, st, &opts))
		abort();
	if (fclose(f))
		abort();
	return out;
}

static void check_json(const char *out, size_t len)
{
	cJSON *doc;

	if (!ks_utf8_valid((const unsigned char *)out, len)) {
		fprintf(stderr, "JSON report is not valid UTF-8\n");
		abort();
	}
	doc = cJSON_ParseWithLength(out, len);
	if (!doc) {
		fprintf(stderr, "JSON report does not parse\n");
		abort();
	}
	cJSON_Delete(doc);
}

static void check_text(const char *out, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = ks_utf8_decode((const unsigned char *)out + i, len - i,
				   &cp);
		if (!n) {
			fprintf(stderr, "text report is not valid UTF-8\n");
			abort();
		}
		if ((cp < 0x20 && cp != '\n') || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0) || ks_utf8_is_bidi(cp)) {
			fprintf(stderr, "control U+%04X in the text report\n",
				(unsigned)cp);
			abort();
		}
		i += n;
	}
}

static void check_no_secret(const struct ks_findings *fs, const char *out,
			    size_t len, const char *what)
{
	size_t i;

	for (i = 0; i < fs->nr; i++) {
		const struct ks_finding *f = &fs->f[i];

		if (f->secret_len < 8 ||
		    memmem(f->path, strlen(f->path), f->secret, f->secret_len))
			continue;
		if (memmem(out, len, f->secret, f->secret_len)) {
			fprintf(stderr,
				"%s report holds the secret of finding %zu "
				"(rule %s, %zu bytes)\n",
				what, i, f->rule->id, f->secret_len);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_findings fs = KS_FINDINGS_INIT;
	struct ks_stats st;
	struct ks_buf content = KS_BUF_INIT, secret = KS_BUF_INIT;
	struct ks_buf example = KS_BUF_INIT;
	const struct ks_match *m;
	size_t pos = 0, plen, m_nr, len, at, at2;
	unsigned sel_rule = 0, sel_ex = 0, sel_off = 0, copy = 0, copy_off = 0;
	const struct ks_rule *r;
	char *path, *out;
	uint64_t rng;

	init();
	memset(&st, 0, sizeof(st));
	plen = size ? data[0] % 48 : 0;
	pos = size ? 1 : 0;
	plen = KS_MIN(plen, size - pos);
	path = malloc(plen + 1);
	if (!path)
		abort();
	memcpy(path, data + pos, plen);
	path[plen] = '\0';
	pos += plen;
	if (size - pos >= 7) {
		sel_rule = data[pos];
		sel_ex = data[pos + 1];
		sel_off = (unsigned)data[pos + 2] << 8 | data[pos + 3];
		copy = data[pos + 4] & 1;
		copy_off = (unsigned)data[pos + 5] << 8 | data[pos + 6];
		pos += 7;
	}

	/* splice a generated example into the content */
	r = set.rule[sel_rule % set.rule_nr];
	rng = fnv1a(data, size);
	ks_template_expand(&secret, r->example[sel_ex % r->example_nr].secret,
			   NULL, &rng);
	ks_template_expand(&example, r->example[sel_ex % r->example_nr].input,
			   secret.ptr, &rng);
	at = sel_off % (size - pos + 1);
	at2 = copy ? copy_off % (size - pos + 1) : SIZE_MAX;
	ks_buf_add(&content, data + pos, KS_MIN(at, at2));
	if (at <= at2) {
		ks_buf_add(&content, example.ptr, example.len);
		if (copy) {
			ks_buf_add(&content, data + pos + at, at2 - at);
			ks_buf_add(&content, secret.ptr, secret.len);
		}
	} else {
		ks_buf_add(&content, secret.ptr, secret.len);
		ks_buf_add(&content, data + pos + at2, at - at2);
		ks_buf_add(&content, example.ptr, example.len);
	}
	at = copy ? KS_MAX(at, at2) : at;
	ks_buf_add(&content, data + pos + at, size - pos - at);

	ks_scan_buffer(sc, (unsigned char *)content.ptr, content.len, &m,
		       &m_nr);
	ks_findings_add_blob(&fs, path, (unsigned char *)content.ptr,
			     content.len, m, m_nr, false);
	ks_findings_sort(&fs);
	if (getenv("KS_FUZZ_VERBOSE"))
		fprintf(stderr,
			"rule %s example %u: %zu matches, %zu findings\n",
			r->id, sel_ex % (unsigned)r->example_nr, m_nr, fs.nr);
	ks_stats_skip(&st, path, KS_SKIP_BINARY);
	st.files_scanned = 1;
	st.bytes_scanned = content.len;
	st.findings = fs.nr;

	out = render(&fs, &st, false, false, &len);
	check_json(out, len);
	check_no_secret(&fs, out, len, "JSON");
	free(out);
	out = render(&fs, &st, false, true, &len);
	check_text(out, len);
	check_no_secret(&fs, out, len, "text");
	free(out);
	out = render(&fs, &st, true, false, &len);
	check_json(out, len);
	free(out);

	ks_findings_release(&fs);
	ks_stats_release(&st);
	ks_buf_release(&content);
	ks_buf_release(&secret);
	ks_buf_release(&example);
	free(path);
	return 0;
}
