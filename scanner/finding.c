/* finding.c - build findings from matches: positions, redaction, snippets. */
#include "compat.h"
#include <ctype.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "decode.h"
#include "finding.h"
#include "rules.h"
#include "scan.h"
#include "sha256.h"
#include "utf8.h"
#include "verify.h"
#include "xalloc.h"

size_t ks_redact_shown(const unsigned char *secret, size_t len)
{
	size_t prefix = 0, i = 0, shown;

	/* prefix: segments of up to 8 lowercase letters/digits, each ending
	 * in '-' or '_' (sk- proj- ant- api03- ghp_ github_pat_ xoxb-) */
	while (i < len && i < 20) {
		size_t seg = 0;

		while (i + seg < len && seg < 9 &&
		       (islower(secret[i + seg]) || isdigit(secret[i + seg])))
			seg++;
		if (!seg || seg > 8 || i + seg >= len ||
		    (secret[i + seg] != '-' && secret[i + seg] != '_'))
			break;
		i += seg + 1;
		prefix = i;
	}
	shown = prefix + 4;
	if (shown > len / 4)
		shown = len / 4;
	return shown;
}

void ks_redact(struct ks_buf *out, const unsigned char *secret, size_t len)
{
	size_t shown = ks_redact_shown(secret, len), i;

	for (i = 0; i < shown; i++) {
		/* never copy a line break or control byte into the mask */
		unsigned char c = secret[i];

		ks_buf_addch(out, c < 0x20 || c == 0x7f ? '?' : c);
	}
	ks_buf_adds(out, "***");
}

void ks_linepos_find(struct ks_linepos *hint, const unsigned char *data,
		     size_t len, size_t offset, size_t *line, size_t *col)
{
	size_t i, ls = hint->offset, ln = hint->line;

	if (!ln || offset < ls) {
		ls = 0;
		ln = 1;
	}
	for (i = ls; i < offset && i < len; i++) {
		if (data[i] == '\n' ||
		    (data[i] == '\r' && (i + 1 >= len || data[i + 1] != '\n'))) {
			ln++;
			ls = i + 1;
		}
	}
	hint->offset = ls;
	hint->line = ln;
	*line = ln;
	*col = offset - ls + 1;
}

void ks_path_normalise(struct ks_buf *out, const char *path)
{
	const char *p = path;

	while (p[0] == '.' && (p[1] == '/' || p[1] == '\\'))
		p += 2;
	for (; *p; p++) {
		char c = *p == '\\' ? '/' : *p;

		if (c == '/' && out->len && out->ptr[out->len - 1] == '/')
			continue;
		if (c == '/' && p[1] == '.' && (p[2] == '/' || p[2] == '\\')) {
			p++;
			continue;
		}
		ks_buf_addch(out, c);
	}
}

static size_t line_start(const unsigned char *data, size_t off)
{
	while (off && data[off - 1] != '\n' && data[off - 1] != '\r')
		off--;
	return off;
}

static size_t line_end(const unsigned char *data, size_t len, size_t off)
{
	while (off < len && data[off] != '\n' && data[off] != '\r')
		off++;
	return off;
}

struct span {
	size_t s, e;
};

static int cmp_span(const void *va, const void *vb)
{
	const struct span *a = va, *b = vb;

	if (a->s != b->s)
		return a->s < b->s ? -1 : 1;
	return a->e > b->e ? -1 : a->e < b->e;
}

/* The kept secrets of one buffer, found by their first 8 bytes: a
 * snippet window is searched for every copy of any of them in time linear
 * in the window (one memmem per secret and snippet was quadratic: 30,000
 * keys in one file took 24 s). Secrets shorter than 8 bytes are searched
 * one by one. */
#define PFX 8

struct secret_index {
	uint64_t *key;		/* first PFX bytes */
	size_t *match;		/* index into the matches, SIZE_MAX: empty */
	size_t cap;
	size_t *shorts;		/* matches with shorter secrets */
	size_t short_nr, short_alloc;
	size_t maxlen;
};

/* All 64 bits matter: secrets often share their first bytes ("gsk_"). */
static size_t prefix_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return (size_t)k;
}

static void index_build(struct secret_index *ix, const unsigned char *data,
			const struct ks_match *m, size_t m_nr)
{
	size_t i;

	memset(ix, 0, sizeof(*ix));
	ix->cap = 16;
	while (ix->cap < 2 * m_nr)
		ix->cap *= 2;
	ix->key = xcalloc(ix->cap, sizeof(*ix->key));
	ix->match = xcalloc(ix->cap, sizeof(*ix->match));
	for (i = 0; i < ix->cap; i++)
		ix->match[i] = SIZE_MAX;
	for (i = 0; i < m_nr; i++) {
		size_t sl = m[i].secret_end - m[i].secret_start, h;
		uint64_t k;

		if (sl > ix->maxlen)
			ix->maxlen = sl;
		if (sl < PFX) {
			ALLOC_GROW(ix->shorts, ix->short_nr + 1, ix->short_alloc);
			ix->shorts[ix->short_nr++] = i;
			continue;
		}
		memcpy(&k, data + m[i].secret_start, PFX);
		h = prefix_hash(k) & (ix->cap - 1);
		for (;; h = (h + 1) & (ix->cap - 1)) {
			size_t j = ix->match[h];

			if (j == SIZE_MAX)
				break;
			/* the same secret twice: one entry is enough */
			if (ix->key[h] == k &&
			    m[j].secret_end - m[j].secret_start == sl &&
			    !memcmp(data + m[j].secret_start,
				    data + m[i].secret_start, sl))
				break;
		}
		if (ix->match[h] == SIZE_MAX) {
			ix->key[h] = k;
			ix->match[h] = i;
		}
	}
}

static void index_free(struct secret_index *ix)
{
	free(ix->key);
	free(ix->match);
	free(ix->shorts);
}

static void add_span(struct span **sp, size_t *nr, size_t *alloc, size_t s,
		     size_t e)
{
	ALLOC_GROW(*sp, *nr + 1, *alloc);
	(*sp)[*nr].s = s;
	(*sp)[(*nr)++].e = e;
}

/* Copies data[a..b) to out with every secret redacted: the spans of all
 * kept matches (another key may share the line) and any other copy of
 * their bytes near the window (KEY=S OLD_KEY=S). A span cut by the window
 * edge is redacted too. */
static void snippet_range(struct ks_buf *out, const unsigned char *data,
			  size_t len, size_t a, size_t b,
			  const struct ks_match *m, const struct secret_index *ix,
			  bool no_redact, const struct ks_add_opts *ao)
{
	struct span *sp = NULL;
	size_t sp_nr = 0, sp_alloc = 0, pos = a, i, p;

	if (no_redact) {
		ks_buf_add(out, data + a, b - a);
		return;
	}
	/* encoded forms of secrets found in their decoded text */
	for (i = 0; ao && i < ao->redact_nr; i++)
		if (ao->redact[2 * i] < b && ao->redact[2 * i + 1] > a)
			add_span(&sp, &sp_nr, &sp_alloc, ao->redact[2 * i],
				 ao->redact[2 * i + 1]);
	/* every copy of a long secret that overlaps [a, b) starts in
	 * (a - maxlen, b) */
	for (p = a > ix->maxlen ? a - ix->maxlen + 1 : 0;
	     p < b && p + PFX <= len; p++) {
		uint64_t k;
		size_t h;

		memcpy(&k, data + p, PFX);
		h = prefix_hash(k) & (ix->cap - 1);
		for (; ix->match[h] != SIZE_MAX; h = (h + 1) & (ix->cap - 1)) {
			const struct ks_match *c = &m[ix->match[h]];
			size_t sl = c->secret_end - c->secret_start;

			if (ix->key[h] != k || p + sl > len || p + sl <= a ||
			    memcmp(data + p, data + c->secret_start, sl))
				continue;
			add_span(&sp, &sp_nr, &sp_alloc, p, p + sl);
		}
	}
	for (i = 0; i < ix->short_nr; i++) {
		const struct ks_match *c = &m[ix->shorts[i]];
		const unsigned char *sec = data + c->secret_start;
		size_t sl = c->secret_end - c->secret_start;
		size_t from = a > sl ? a - sl : 0, to = KS_MIN(len, b + sl);

		while (from < to && sl) {
			const unsigned char *hit =
				memmem(data + from, to - from, sec, sl);

			if (!hit)
				break;
			add_span(&sp, &sp_nr, &sp_alloc, (size_t)(hit - data),
				 (size_t)(hit - data) + sl);
			from = (size_t)(hit - data) + 1;
		}
	}
	if (sp_nr > 1)
		qsort(sp, sp_nr, sizeof(*sp), cmp_span);
	for (i = 0; i < sp_nr && pos < b; i++) {
		size_t s = sp[i].s, e = sp[i].e;

		if (e <= pos || s >= b)
			continue;
		if (s > pos)
			ks_buf_add(out, data + pos, s - pos);
		ks_redact(out, data + s, e - s);
		pos = e;
	}
	if (pos < b)
		ks_buf_add(out, data + pos, b - pos);
	free(sp);
}

static void make_snippet(struct ks_finding *f, const unsigned char *data,
			 size_t len, const struct ks_match *self,
			 const struct ks_match *m, const struct secret_index *ix,
			 bool no_redact, const struct ks_add_opts *ao)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t ls = line_start(data, self->secret_start);
	size_t le = line_end(data, len, self->secret_start);
	size_t a = ls, z = le, k;

	/* a window around the secret on long lines, on character
	 * boundaries (a UTF-8 continuation byte is 10xxxxxx) */
	if (self->secret_start - ls > 60) {
		a = self->secret_start - 60;
		for (k = 0; k < 3 && a > ls && (data[a] & 0xc0) == 0x80; k++)
			a--;
	}
	if (z > self->secret_end && z - self->secret_end > 60) {
		z = self->secret_end + 60;
		for (k = 0; k < 3 && z < le && (data[z] & 0xc0) == 0x80; k++)
			z++;
	}
	snippet_range(&b, data, len, a, z, m, ix, no_redact, ao);
	if (b.len > KS_SNIPPET_MAX) {
		size_t cut = KS_SNIPPET_MAX;

		/* do not split a UTF-8 sequence */
		while (cut > 0 && ((unsigned char)b.ptr[cut] & 0xc0) == 0x80)
			cut--;
		ks_buf_setlen(&b, cut);
	}
	f->snippet = ks_buf_detach(&b, &f->snippet_len);
}

const char *ks_supp_name(enum ks_supp s)
{
	static const char *const names[] = {
		"none", "marker", "path", "regex", "stopword", "commit",
		"baseline", "rule",
	};

	return s < KS_SUPP_NR ? names[s] : "?";
}

static bool has(const unsigned char *data, size_t a, size_t b, const char *lit)
{
	return b > a && memmem(data + a, b - a, lit, strlen(lit));
}

/* "keysnare:allow" that is not "keysnare:allow-next-line" */
static bool has_allow(const unsigned char *data, size_t a, size_t b)
{
	static const char lit[] = "keysnare:allow";
	const unsigned char *p = data + a, *end = data + b;

	while (p < end) {
		const unsigned char *hit = memmem(p, (size_t)(end - p), lit,
						  sizeof(lit) - 1);

		if (!hit)
			return false;
		hit += sizeof(lit) - 1;
		if ((size_t)(end - hit) < 10 || memcmp(hit, "-next-line", 10))
			return true;
		p = hit;
	}
	return false;
}

/* An allow marker on a line of the secret (keysnare:allow, and for
 * migrations gitleaks:allow and detect-secrets' "pragma: allowlist
 * secret"), or on the line before it (keysnare:allow-next-line, "pragma:
 * allowlist nextline secret"). */
static bool line_allows(const unsigned char *data, size_t a, size_t b)
{
	return has_allow(data, a, b) || has(data, a, b, "gitleaks:allow") ||
	       has(data, a, b, "pragma: allowlist secret");
}

static bool line_allows_next(const unsigned char *data, size_t a, size_t b)
{
	return has(data, a, b, "keysnare:allow-next-line") ||
	       has(data, a, b, "pragma: allowlist nextline secret");
}

static bool allow_marker(const unsigned char *data, size_t len, size_t s,
			 size_t e, const struct ks_chunk *ck)
{
	size_t ls = line_start(data, s), le = line_end(data, len, e ? e - 1 : 0);
	size_t ps, pe;
	bool mid_line = ck->col > 1; /* data[0] continues a line */

	if (line_allows(data, ls, le) || (!ls && mid_line && ck->line_marker))
		return true;
	if (!ls)
		return ck->prev_next_marker;
	/* the previous line (a CRLF counts as one break) */
	pe = ls - 1;
	if (pe && data[pe] == '\n' && data[pe - 1] == '\r')
		pe--;
	ps = line_start(data, pe);
	return line_allows_next(data, ps, pe) ||
	       (!ps && mid_line && ck->line_marker_next);
}

void ks_chunk_carry(struct ks_chunk *ck, const unsigned char *data,
		    size_t len, size_t at)
{
	/* the line at..: its part before at (a marker may straddle at) */
	size_t ls = line_start(data, at), end = at;
	bool cont = !ls && ck->col > 1, here, next_here, prev;

	while (end < len && end < at + 40 && data[end] != '\n' &&
	       data[end] != '\r')
		end++;
	here = line_allows(data, ls, end) || (cont && ck->line_marker);
	next_here = line_allows_next(data, ls, end) ||
		    (cont && ck->line_marker_next);

	if (ls) {
		size_t pe = ls - 1, ps;

		if (pe && data[pe] == '\n' && data[pe - 1] == '\r')
			pe--;
		ps = line_start(data, pe);
		prev = line_allows_next(data, ps, pe) ||
		       (!ps && ck->col > 1 && ck->line_marker_next);
	} else {
		prev = ck->prev_next_marker;
	}
	ck->line_marker = here;
	ck->line_marker_next = next_here;
	ck->prev_next_marker = prev;
}

size_t ks_findings_add_blob(struct ks_findings *fs, const char *path,
			    const unsigned char *data, size_t len,
			    const struct ks_match *m, size_t m_nr,
			    bool no_redact)
{
	return ks_findings_add_chunk(fs, path, data, len, m, m_nr, no_redact,
				     NULL);
}

/* Line and column in the file of a chunk offset: lines count from the
 * chunk's first line; the chunk's first line may have begun before it. */
static void chunk_pos(struct ks_linepos *hint, const struct ks_chunk *ck,
		      const unsigned char *data, size_t len, size_t offset,
		      size_t *line, size_t *col, bool char_cols)
{
	ks_linepos_find(hint, data, len, offset, line, col);
	if (char_cols) {
		/* count characters: bytes that are not 10xxxxxx */
		size_t i, n = 0;

		for (i = offset - (*col - 1); i < offset && i < len; i++)
			n += (data[i] & 0xc0) != 0x80;
		*col = n + 1;
	}
	if (*line == 1)
		*col += ck->col - 1;
	*line += ck->line - 1;
}

size_t ks_findings_add_chunk(struct ks_findings *fs, const char *path,
			     const unsigned char *data, size_t len,
			     const struct ks_match *m, size_t m_nr,
			     bool no_redact, const struct ks_chunk *ck)
{
	return ks_findings_add_ex(fs, path, data, len, m, m_nr, no_redact, ck,
				  NULL);
}

/* The end of [s, e): end_col is one past its last character. */
static void end_pos(struct ks_finding *f, struct ks_linepos *pos,
		    const struct ks_chunk *ck, const unsigned char *data,
		    size_t len, size_t s, size_t e, bool char_cols)
{
	struct ks_linepos endpos = *pos;
	size_t last = e > s ? e - 1 : s;

	/* the last character's first byte */
	while (char_cols && last > s && last < len &&
	       (data[last] & 0xc0) == 0x80)
		last--;
	chunk_pos(&endpos, ck, data, len, last, &f->end_line, &f->end_col,
		  char_cols);
	f->end_col++;
}

size_t ks_findings_add_ex(struct ks_findings *fs, const char *path,
			  const unsigned char *data, size_t len,
			  const struct ks_match *m, size_t m_nr,
			  bool no_redact, const struct ks_chunk *ck,
			  const struct ks_add_opts *ao)
{
	bool char_cols = ao && ao->char_cols;
	int64_t now = (int64_t)time(NULL);
	static const struct ks_chunk whole = KS_CHUNK_WHOLE;
	struct ks_linepos pos = { 0, 0 };
	struct ks_match *kept = NULL;
	struct secret_index ix;
	size_t i, kept_nr = 0, added = 0;

	if (!ck)
		ck = &whole;
	/* all kept matches are redacted in snippets, even those past the
	 * limit (the next chunk reports them) */
	kept = xcalloc(m_nr ? m_nr : 1, sizeof(*kept));
	for (i = 0; i < m_nr; i++)
		if (!m[i].drop)
			kept[kept_nr++] = m[i];
	index_build(&ix, data, kept, kept_nr);

	for (i = 0; i < kept_nr; i++) {
		const struct ks_match *k = &kept[i];
		struct ks_finding *f;
		struct ks_buf b = KS_BUF_INIT;
		size_t sl = k->secret_end - k->secret_start;

		if (k->secret_start >= ck->limit)
			continue;
		ALLOC_GROW(fs->f, fs->nr + 1, fs->alloc);
		f = &fs->f[fs->nr++];
		memset(f, 0, sizeof(*f));
		f->rule = k->rule;
		f->path = xstrdup(path);
		f->entropy = k->entropy;
		f->src_off = k->secret_start;
		chunk_pos(&pos, ck, data, len, k->secret_start, &f->line,
			  &f->col, char_cols);
		end_pos(f, &pos, ck, data, len, k->secret_start, k->secret_end,
			char_cols);
		if (ao && ao->encoding)
			snprintf(f->encoding, sizeof(f->encoding), "%s",
				 ao->encoding);
		f->secret = xmemdupz(data + k->secret_start, sl);
		f->secret_len = sl;
		ks_redact(&b, data + k->secret_start, sl);
		f->redacted = ks_buf_detach(&b, NULL);
		ks_sha256_hex(f->secret, sl, f->secret_sha256);
		ks_finding_fingerprint(f);
		make_snippet(f, data, len, k, kept, &ix, no_redact, ao);
		f->marker = allow_marker(data, len, k->secret_start,
					 k->secret_end, ck);
		if (!strcmp(f->rule->id, "jwt"))
			ks_finding_jwt_claims(f, now);
		added++;
	}
	index_free(&ix);
	free(kept);
	return added;
}

void ks_finding_relocate(struct ks_finding *f, const unsigned char *data,
			 size_t len, size_t start, size_t end,
			 const struct ks_chunk *ck, bool char_cols)
{
	static const struct ks_chunk whole = KS_CHUNK_WHOLE;
	struct ks_linepos pos = { 0, 0 };

	if (!ck)
		ck = &whole;
	chunk_pos(&pos, ck, data, len, start, &f->line, &f->col, char_cols);
	end_pos(f, &pos, ck, data, len, start, end, char_cols);
	f->marker = allow_marker(data, len, start, end, ck);
	f->src_off = start;
}

/* Copies an issuer for display: control, bidi and ill-formed bytes become
 * '?', at most KS_JWT_ISS_MAX bytes, cut on a character boundary. */
static void sanitise_issuer(char *out, const char *s, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		const unsigned char *u = (const unsigned char *)s + i;
		uint32_t cp;
		size_t n = ks_utf8_decode(u, len - i, &cp);

		if (!n || cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0) || ks_utf8_is_bidi(cp)) {
			if (o + 1 > KS_JWT_ISS_MAX)
				break;
			out[o++] = '?';
			i += n ? n : 1;
			continue;
		}
		if (o + n > KS_JWT_ISS_MAX)
			break;
		memcpy(out + o, u, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
}

void ks_finding_jwt_claims(struct ks_finding *f, int64_t now)
{
	const char *s = f->secret, *p, *q, *end = f->secret + f->secret_len;
	struct ks_buf b = KS_BUF_INIT;
	cJSON *doc = NULL, *iss, *exp;

	p = memchr(s, '.', f->secret_len);
	if (!p)
		return;
	p++;
	q = memchr(p, '.', (size_t)(end - p));
	if (!q)
		return;
	if (ks_base64_decode(&b, (const unsigned char *)p, (size_t)(q - p),
			     64 << 10) <= 0)
		goto done;
	doc = cJSON_ParseWithLength(b.ptr, b.len);
	if (!cJSON_IsObject(doc))
		goto done;
	iss = cJSON_GetObjectItemCaseSensitive(doc, "iss");
	if (cJSON_IsString(iss) && iss->valuestring) {
		sanitise_issuer(f->jwt_issuer, iss->valuestring,
				strlen(iss->valuestring));
		f->jwt_has_iss = true;
	}
	exp = cJSON_GetObjectItemCaseSensitive(doc, "exp");
	/* years 0..9999 only: the date must print as YYYY-MM-DD */
	if (cJSON_IsNumber(exp) && exp->valuedouble >= 0 &&
	    exp->valuedouble < 253402300800.0) {
		f->jwt_exp = (int64_t)exp->valuedouble;
		f->jwt_has_exp = true;
		f->jwt_expired = f->jwt_exp < now;
	}
done:
	cJSON_Delete(doc);
	ks_wipe(b.ptr, b.len);
	ks_buf_release(&b);
}

bool ks_jwt_date(char *out, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	return gmtime_r(&tt, &tm) &&
	       strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0;
}

void ks_findings_move(struct ks_findings *dst, struct ks_findings *src)
{
	size_t i;

	for (i = 0; i < src->nr; i++) {
		ALLOC_GROW(dst->f, dst->nr + 1, dst->alloc);
		dst->f[dst->nr++] = src->f[i];
	}
	free(src->f);
	memset(src, 0, sizeof(*src));
}

void ks_finding_fingerprint(struct ks_finding *f)
{
	struct ks_buf b = KS_BUF_INIT, npath = KS_BUF_INIT;

	ks_path_normalise(&npath, f->path);
	ks_buf_adds(&b, f->rule->id);
	ks_buf_addch(&b, '\0');
	ks_buf_add(&b, npath.ptr, npath.len);
	ks_buf_addch(&b, '\0');
	ks_buf_adds(&b, f->secret_sha256);
	ks_sha256_hex(b.ptr, b.len, f->fingerprint);
	ks_buf_release(&b);
	ks_buf_release(&npath);
}

void ks_commit_info_free(struct ks_commit_info *ci)
{
	if (!ci)
		return;
	free(ci->author);
	free(ci->email);
	free(ci->summary);
	free(ci);
}

struct ks_commit_info *ks_commit_info_dup(const struct ks_commit_info *ci)
{
	struct ks_commit_info *n;

	if (!ci)
		return NULL;
	n = xmalloc(sizeof(*n));
	*n = *ci;
	n->author = xstrdup(ci->author);
	n->email = xstrdup(ci->email);
	n->summary = xstrdup(ci->summary);
	return n;
}

static int cmp_finding(const void *va, const void *vb)
{
	const struct ks_finding *a = va, *b = vb;
	int c = strcmp(a->path, b->path);

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return strcmp(a->rule->id, b->rule->id);
}

void ks_findings_sort(struct ks_findings *fs)
{
	if (fs->nr > 1)
		qsort(fs->f, fs->nr, sizeof(*fs->f), cmp_finding);
}

void ks_finding_release(struct ks_finding *f)
{
	size_t k;

	ks_wipe(f->secret, f->secret_len);
	free(f->secret);
	ks_wipe(f->snippet, f->snippet_len);
	free(f->snippet);
	free(f->redacted);
	free(f->path);
	ks_commit_info_free(f->commit);
	for (k = 0; k < f->occ_nr; k++)
		free(f->occ[k].path);
	free(f->occ);
	ks_verification_free(f->verification);
	memset(f, 0, sizeof(*f));
}

void ks_findings_release(struct ks_findings *fs)
{
	size_t i;

	for (i = 0; i < fs->nr; i++)
		ks_finding_release(&fs->f[i]);
	free(fs->f);
	memset(fs, 0, sizeof(*fs));
}
