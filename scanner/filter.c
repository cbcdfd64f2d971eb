/* filter.c - entropy, placeholder and the shared precision filters. */
#include "compat.h"
#include <strings.h>
#include <ctype.h>
#include <math.h>
#include "filter.h"

const char *ks_drop_name(enum ks_drop d)
{
	switch (d) {
	case KS_DROP_NONE:
		return "kept";
	case KS_DROP_ENTROPY:
		return "entropy";
	case KS_DROP_PLACEHOLDER:
		return "placeholder";
	case KS_DROP_CONTEXT:
		return "no-context";
	case KS_DROP_OVERLAP:
		return "overlap";
	case KS_DROP_HASH:
		return "hash";
	case KS_DROP_LOCKFILE:
		return "lockfile";
	case KS_DROP_LFS_POINTER:
		return "lfs-pointer";
	case KS_DROP_WORDS:
		return "words";
	case KS_DROP_NR:
		break;
	}
	return "?";
}

double ks_entropy(const unsigned char *data, size_t len)
{
	size_t count[256] = { 0 }, i;
	double h = 0;

	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		count[data[i]]++;
	for (i = 0; i < 256; i++) {
		double p;

		if (!count[i])
			continue;
		p = (double)count[i] / (double)len;
		h -= p * log2(p);
	}
	if (h < 0)
		h = 0;
	if (h > 8)
		h = 8;
	return h;
}

const unsigned char *ks_memcasemem(const unsigned char *hay, size_t hay_len,
				   const char *needle, size_t needle_len)
{
	size_t i, j;
	unsigned char first;

	if (!needle_len)
		return hay;
	if (needle_len > hay_len)
		return NULL;
	first = (unsigned char)needle[0];
	for (i = 0; i + needle_len <= hay_len; i++) {
		if (tolower(hay[i]) != first)
			continue;
		for (j = 1; j < needle_len; j++)
			if (tolower(hay[i + j]) != (unsigned char)needle[j])
				break;
		if (j == needle_len)
			return hay + i;
	}
	return NULL;
}

/* A word and the static text naming it in a drop reason (a match's
 * drop_detail must outlive the next match: no per-call buffer). */
struct word {
	const char *w, *detail;
};

#define CONTAINS(w) { w, "contains '" w "'" }
static const struct word placeholder_words[] = {
	CONTAINS("xxxx"),	 CONTAINS("****"),     CONTAINS("..."),
	CONTAINS("${"),		 CONTAINS("{{"),       CONTAINS("<"),
	CONTAINS(">"),		 CONTAINS("example"),  CONTAINS("sample"),
	CONTAINS("placeholder"), CONTAINS("redacted"), CONTAINS("changeme"),
	CONTAINS("dummy"),	 CONTAINS("your_"),    CONTAINS("your-"),
};
#undef CONTAINS

/* Keyboard walks (rows and columns of QWERTY, QWERTZ, AZERTY): 6
 * given letters in a row are ~1e-9 in a random base64 key. */
#define WALK(w) { w, "keyboard walk '" w "'" }
static const struct word keyboard_walks[] = {
	WALK("qwerty"), WALK("qwertz"),	  WALK("azerty"), WALK("asdfgh"),
	WALK("zxcvbn"), WALK("yxcvbn"),	  WALK("poiuyt"), WALK("lkjhgf"),
	WALK("mnbvcx"), WALK("qazwsx"),	  WALK("1qaz2wsx"),
	WALK("1q2w3e4r"),
};
#undef WALK

/* Values that are nothing but these words (test, fake_key, replace_me,
 * YOUR-API-TOKEN-HERE) are placeholders; as substrings they are not
 * (a random key can hold "test" or "none"). */
static const char *const whole_words[] = {
	"test",	   "tests",	"testing", "fake",    "dummy",	 "sample",
	"mock",	   "todo",	"fixme",   "tbd",     "replace", "me",
	"insert",  "none",	"null",	   "nil",     "undefined", "empty",
	"changeme", "placeholder", "example", "your", "my",	 "here",
	"key",	   "api",	"token",   "secret",  "password", "value",
	"foo",	   "bar",	"baz",	   "default", "demo",	 "invalid",
};

/* Credentials published in providers' documentation, as FNV-1a 64 of the
 * value (keysnare's sources hold no key-shaped literal, STYLE.md section 8).
 * AWS's documentation keys (AKIAIOSFODNN7EXAMPLE, ...) contain "example"
 * and need no entry. */
static const struct {
	size_t len;
	uint64_t fnv;
} doc_values[] = {
	{ 32, 0xddd19c486d095d84ULL },	/* Stripe API reference sk_test_4eC3... */
	{ 32, 0x67e733c2f9035757ULL },	/* Stripe API reference sk_test_BQok... */
	{ 32, 0x4b814e2c74560377ULL },	/* Stripe docs pk_test_TYoo... */
	{ 43, 0xbf0a2628ec81cd01ULL },	/* jwt.io sample token's signature */
	{ 155, 0x15f87945422cbea3ULL }, /* jwt.io sample token (HS256) */
};

static uint64_t fnv1a64(const unsigned char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= data[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static bool is_doc_value(const unsigned char *data, size_t len)
{
	uint64_t h = 0;
	bool have = false;
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(doc_values); i++) {
		if (doc_values[i].len != len)
			continue;
		if (!have) {
			h = fnv1a64(data, len);
			have = true;
		}
		if (h == doc_values[i].fnv)
			return true;
	}
	return false;
}

static bool is_sep(unsigned char c)
{
	return c == '-' || c == '_' || c == '.' || c == ' ';
}

static bool word_eq(const unsigned char *p, size_t n, const char *w)
{
	return strlen(w) == n && ks_memcasemem(p, n, w, n) == p;
}

/* Whether data is one or more whole_words joined by - _ . or blanks. */
static bool only_placeholder_words(const unsigned char *data, size_t len)
{
	size_t i = 0, parts = 0;

	while (i < len) {
		size_t j = i, k;

		while (j < len && !is_sep(data[j]))
			j++;
		if (j > i) {
			for (k = 0; k < KS_ARRAY_SIZE(whole_words); k++)
				if (word_eq(data + i, j - i, whole_words[k]))
					break;
			if (k == KS_ARRAY_SIZE(whole_words))
				return false;
			parts++;
		}
		i = j + 1;
	}
	return parts > 0;
}

/* Whether data holds the walk w all in lowercase or all in uppercase
 * (mixed case would make "QweRTy" in a random base64 key ~30 times more
 * likely, and nobody types a walk that way). */
static bool has_walk(const unsigned char *data, size_t len, const char *w)
{
	size_t n = strlen(w), pos = 0;
	const unsigned char *p;

	while (pos < len && (p = ks_memcasemem(data + pos, len - pos, w, n))) {
		size_t j, lower = 0, upper = 0;

		for (j = 0; j < n; j++) {
			lower += islower(p[j]) ? 1 : 0;
			upper += isupper(p[j]) ? 1 : 0;
		}
		if (!lower || !upper)
			return true;
		pos = (size_t)(p - data) + 1;
	}
	return false;
}

/* Length of the longest stretch of data with period p (data[i] ==
 * data[i - p] throughout), counting its first p bytes. */
static size_t periodic_run(const unsigned char *data, size_t len, size_t p)
{
	size_t i, run = 0, best = 0;

	for (i = p; i < len; i++) {
		run = data[i] == data[i - p] ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best ? best + p : 0;
}

const char *ks_placeholder_reason(const unsigned char *data, size_t len)
{
	static const char *const repeated[] = {
		"a 2-character pattern repeated", "a 3-character pattern repeated",
		"a 4-character pattern repeated", "a 5-character pattern repeated",
		"a 6-character pattern repeated", "a 7-character pattern repeated",
		"a 8-character pattern repeated",
	};
	size_t i, p, run_same = 1, run_seq = 1;

	if (len > KS_PLACEHOLDER_MAX_LEN)
		return NULL;
	for (i = 0; i < KS_ARRAY_SIZE(placeholder_words); i++) {
		const char *w = placeholder_words[i].w;

		if (ks_memcasemem(data, len, w, strlen(w)))
			return placeholder_words[i].detail;
	}
	for (i = 1; i < len; i++) {
		run_same = data[i] == data[i - 1] ? run_same + 1 : 1;
		run_seq = isalnum(data[i]) && data[i] == data[i - 1] + 1
				  ? run_seq + 1
				  : 1;
		if (run_same >= 6)
			return "run of 6 identical characters";
		if (run_seq >= 6)
			return "run of 6 consecutive characters";
	}
	for (i = 0; i < KS_ARRAY_SIZE(keyboard_walks); i++)
		if (has_walk(data, len, keyboard_walks[i].w))
			return keyboard_walks[i].detail;
	/* a period-p stretch of 3p (>= 12) bytes is < 16^-8 per position in
	 * random hex; it must also cover half the value */
	for (p = 2; p <= 8; p++) {
		size_t need = KS_MAX(KS_MAX((size_t)12, 3 * p), (len + 1) / 2);

		if (len >= need && periodic_run(data, len, p) >= need)
			return repeated[p - 2];
	}
	if (only_placeholder_words(data, len))
		return "made of placeholder words";
	if (is_doc_value(data, len))
		return "published in a provider's documentation";
	return NULL;
}

/* --- lockfiles, hashes, LFS pointers, words ---------------------------- */

static const char *const lockfile_names[] = {
	"package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
	"pnpm-lock.yaml",    "bun.lock",	    "go.sum",
	"Cargo.lock",	     "poetry.lock",	    "uv.lock",
	"Pipfile.lock",	     "pdm.lock",	    "composer.lock",
	"Gemfile.lock",	     "Podfile.lock",	    "pubspec.lock",
	"mix.lock",	     "flake.lock",	    "packages.lock.json",
};

bool ks_lockfile_path(const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	size_t i;

	if (!path)
		return false;
	base = base ? base + 1 : path;
	for (i = 0; i < KS_ARRAY_SIZE(lockfile_names); i++)
		if (!strcmp(base, lockfile_names[i]))
			return true;
	return false;
}

#define LFS_MAX 1024

static bool starts_with(const unsigned char *data, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && !memcmp(data, p, n);
}

bool ks_lfs_pointer(const unsigned char *data, size_t len)
{
	static const char *const spec[] = {
		"version https://git-lfs.github.com/spec/v1",
		"version https://hawser.github.com/spec/v1",
	};
	size_t i, pos = 0;
	bool oid = false;

	if (len >= LFS_MAX)
		return false;
	for (i = 0; i < KS_ARRAY_SIZE(spec); i++)
		if (starts_with(data, len, spec[i])) {
			pos = strlen(spec[i]);
			break;
		}
	if (!pos)
		return false;
	while (pos < len) {
		size_t k = pos;

		if (data[pos] == '\r' || data[pos] == '\n') {
			pos++;
			continue;
		}
		while (k < len && (islower(data[k]) || isdigit(data[k]) ||
				   data[k] == '.' || data[k] == '-'))
			k++;
		if (k == pos || k == len || data[k] != ' ')
			return false;
		if (starts_with(data + pos, len - pos, "oid "))
			oid = true;
		while (k < len && data[k] != '\n' && data[k] != '\r')
			k++;
		pos = k;
	}
	return oid;
}

/* Whether buf[0..at) ends with the lowercase text t (case-insensitive). */
static bool ends_with(const unsigned char *buf, size_t at, const char *t)
{
	size_t n = strlen(t);

	return at >= n && ks_memcasemem(buf + at - n, n, t, n) == buf + at - n;
}

/* A digest's body before its end (padding '=' only ends one). */
static bool is_b64(unsigned char c)
{
	return isalnum(c) || c == '+' || c == '/';
}

static bool is_ident(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

static bool is_assign(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '`' ||
	       c == '=' || c == ':' || c == ',' || c == '>' || c == '(' ||
	       c == '[' || c == '{';
}

/* Start of the base64 word holding buf[s]: a rule may match in the middle
 * of a digest, where '/' or '+' makes a \b. At most 200 bytes back. */
static size_t value_start(const unsigned char *buf, size_t s)
{
	size_t q = s;

	while (q > 0 && s - q < 200 && is_b64(buf[q - 1]))
		q--;
	return q;
}

#define SRI(w) { w, "SRI digest '" w "'" }
static const struct word sri_tags[] = { SRI("sha1-"), SRI("sha256-"),
					SRI("sha384-"), SRI("sha512-") };
#undef SRI
#define ALGO(w) { w, "tagged '" w "'" }
static const struct word algo_tags[] = { ALGO("sha1:"),	  ALGO("sha224:"),
					 ALGO("sha256:"), ALGO("sha384:"),
					 ALGO("sha512:"), ALGO("md5:") };
#undef ALGO

/* The algorithm tag ending at buf[at] (sri: "sha512-"; else "sha256:"),
 * or NULL; *tag_len gets its length. */
static const struct word *tag_before(const unsigned char *buf, size_t at,
				     bool sri, size_t *tag_len)
{
	const struct word *t = sri ? sri_tags : algo_tags;
	size_t n = sri ? KS_ARRAY_SIZE(sri_tags) : KS_ARRAY_SIZE(algo_tags), i;

	for (i = 0; i < n; i++)
		if (ends_with(buf, at, t[i].w)) {
			/* a tag, not the end of a longer word (mysha1-) */
			size_t b = at - strlen(t[i].w);

			if (b > 0 && isalnum(buf[b - 1]))
				continue;
			*tag_len = strlen(t[i].w);
			return &t[i];
		}
	return NULL;
}

/* The tag the secret starts with (a rule may capture it), or NULL. */
static const struct word *tag_inside(const unsigned char *buf, size_t s,
				     size_t e, bool sri, size_t *tag_len)
{
	const struct word *t = sri ? sri_tags : algo_tags;
	size_t n = sri ? KS_ARRAY_SIZE(sri_tags) : KS_ARRAY_SIZE(algo_tags), i;

	for (i = 0; i < n; i++) {
		size_t l = strlen(t[i].w);

		if (e - s > l && ks_memcasemem(buf + s, l, t[i].w, l) == buf + s) {
			*tag_len = l;
			return &t[i];
		}
	}
	return NULL;
}

/* The identifier a value starting at v is assigned to, on its line: back
 * over at most 8 bytes of is_assign(), then over at most 40 bytes of
 * is_ident(). Sets [*ks, *ke); returns false when there is none. */
static bool key_before(const unsigned char *buf, size_t v, size_t *ks,
		       size_t *ke)
{
	size_t a = v, k;

	while (a > 0 && v - a < 8 && is_assign(buf[a - 1]))
		a--;
	k = a;
	while (k > 0 && a - k < 40 && is_ident(buf[k - 1]))
		k--;
	*ks = k;
	*ke = a;
	return a > k;
}

/* Splits an identifier into its last component before *end: components
 * are separated by _ - . and by a lowercase letter or digit followed by an
 * uppercase letter (fileHash, sha256Hash); letters and digits stay
 * together (sha256). Returns the component's start, or ks when none. */
static size_t last_component(const unsigned char *buf, size_t ks, size_t *end)
{
	size_t e = *end, b;

	while (e > ks && (buf[e - 1] == '_' || buf[e - 1] == '-' ||
			  buf[e - 1] == '.'))
		e--;
	b = e;
	while (b > ks && isalnum(buf[b - 1])) {
		/* a camelCase boundary between buf[b - 1] and buf[b] */
		if (b < e && isupper(buf[b]) &&
		    (islower(buf[b - 1]) || isdigit(buf[b - 1])))
			break;
		b--;
	}
	*end = e;
	return b;
}

#define KEY(w) { w, "value of '" w "'" }
static const struct word lockfile_keys[] = { KEY("integrity"),
					     KEY("checksum"), KEY("shasum") };

static const struct word hash_words[] = {
	KEY("sha"),	  KEY("sha1"),	    KEY("sha224"),    KEY("sha256"),
	KEY("sha384"),	  KEY("sha512"),    KEY("md5"),	      KEY("md4"),
	KEY("sha1sum"),	  KEY("sha256sum"), KEY("sha512sum"), KEY("md5sum"),
	KEY("checksum"),  KEY("checksums"), KEY("digest"),    KEY("digests"),
	KEY("hash"),	  KEY("hashes"),    KEY("integrity"), KEY("etag"),
	KEY("commit"),	  KEY("commits"),   KEY("revision"),  KEY("rev"),
	KEY("oid"),	  KEY("shasum"),    KEY("blake2b"),   KEY("crc32"),
};
#undef KEY

/* Trailing components that keep a hash name a hash name (commit_id,
 * sha256_hex, etag_value). */
static const char *const hash_suffixes[] = {
	"id", "ids", "hex", "value", "val", "str", "string", "ref", "short",
	"full", "long", "b64", "base64", "sum",
};

static bool in_list(const unsigned char *p, size_t n, const char *const *l,
		    size_t l_nr)
{
	size_t i;

	for (i = 0; i < l_nr; i++)
		if (word_eq(p, n, l[i]))
			return true;
	return false;
}

/* The entry of words the identifier [ks, ke) ends with, after up to two
 * hash_suffixes (commit_id, sha256_hex_value), or NULL. */
static const struct word *key_word(const unsigned char *buf, size_t ks,
				   size_t ke, const struct word *words,
				   size_t words_nr)
{
	size_t end = ke, b, i, k;

	for (i = 0; i < 3; i++) {
		b = last_component(buf, ks, &end);
		if (b == end)
			return NULL;
		for (k = 0; k < words_nr; k++)
			if (word_eq(buf + b, end - b, words[k].w))
				return &words[k];
		if (!in_list(buf + b, end - b, hash_suffixes,
			     KS_ARRAY_SIZE(hash_suffixes)))
			return NULL;
		end = b;
	}
	return NULL;
}

const char *ks_lockfile_reason(const unsigned char *buf, size_t len, size_t s,
			       size_t e)
{
	size_t q, tl = 0, ks, ke;
	const struct word *w;

	(void)len;
	if ((w = tag_inside(buf, s, e, true, &tl)))
		return w->detail;
	if (e - s > 3 && ks_memcasemem(buf + s, 3, "h1:", 3) == buf + s &&
	    (s == 0 || !isalnum(buf[s - 1])))
		return "go.sum 'h1:' hash";
	q = value_start(buf, s);
	if ((w = tag_before(buf, q, true, &tl)))
		return w->detail;
	if (ends_with(buf, q, "h1:") && (q == 3 || !isalnum(buf[q - 4])))
		return "go.sum 'h1:' hash";
	/* pip: --hash=sha256:<hex>; the key of an algo-tagged value is the
	 * name before the tag */
	if (tag_before(buf, q, false, &tl))
		q -= tl;
	else if (tag_inside(buf, s, e, false, &tl))
		q = s;
	if (tl && ends_with(buf, q, "--hash="))
		return "pip '--hash='";
	if (key_before(buf, q, &ks, &ke) &&
	    (w = key_word(buf, ks, ke, lockfile_keys,
			  KS_ARRAY_SIZE(lockfile_keys))))
		return w->detail;
	return NULL;
}

static bool all_hex(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit(p[i]))
			return false;
	return true;
}

static bool is_uuid(const unsigned char *p, size_t n)
{
	static const size_t dash[] = { 8, 13, 18, 23 };
	size_t i, d = 0;

	if (n != 36)
		return false;
	for (i = 0; i < n; i++) {
		if (d < KS_ARRAY_SIZE(dash) && i == dash[d]) {
			if (p[i] != '-')
				return false;
			d++;
		} else if (!isxdigit(p[i])) {
			return false;
		}
	}
	return true;
}

/* Whether the secret at s follows an HTTP auth scheme ("Bearer ",
 * "Token ", after an optional quote): a credential there is one whatever
 * its shape (API tokens are often 32 or 64 hex digits, or UUIDs). */
static bool after_auth_scheme(const unsigned char *buf, size_t s)
{
	static const char *const schemes[] = { "bearer", "token" };
	size_t i, p = s, n;

	if (p && (buf[p - 1] == '"' || buf[p - 1] == '\''))
		p--;
	n = 0;
	while (p > 0 && n < 3 && (buf[p - 1] == ' ' || buf[p - 1] == '\t'))
		p--, n++;
	if (!n)
		return false;
	for (i = 0; i < KS_ARRAY_SIZE(schemes); i++) {
		size_t l = strlen(schemes[i]);

		if (p >= l && !strncasecmp((const char *)buf + p - l,
					   schemes[i], l) &&
		    (p == l || !isalnum(buf[p - l - 1])))
			return true;
	}
	return false;
}

const char *ks_hash_reason(const unsigned char *buf, size_t len, size_t s,
			   size_t e, bool generic)
{
	size_t sl = e - s, q, tl = 0, ks, ke;
	const struct word *w;

	(void)len;
	if (generic && !after_auth_scheme(buf, s)) {
		if (is_uuid(buf + s, sl))
			return "a UUID";
		if (all_hex(buf + s, sl)) {
			switch (sl) {
			case 32:
				return "32 hex digits (md5 shape)";
			case 40:
				return "40 hex digits (sha1 shape)";
			case 64:
				return "64 hex digits (sha256 shape)";
			case 128:
				return "128 hex digits (sha512 shape)";
			}
		}
	}
	if ((w = tag_inside(buf, s, e, false, &tl)))
		return w->detail;
	q = value_start(buf, s);
	if ((w = tag_before(buf, q, false, &tl)))
		return w->detail;
	if (key_before(buf, q, &ks, &ke) &&
	    (w = key_word(buf, ks, ke, hash_words, KS_ARRAY_SIZE(hash_words))))
		return w->detail;
	return NULL;
}

static bool is_vowel(unsigned char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
	       c == 'y';
}

/* Whether p[0..n), 4-12 lowercase letters, is shaped like a word. */
static bool wordlike(const unsigned char *p, size_t n)
{
	size_t i, vowels = 0, cons_run = 0, same = 1;

	for (i = 0; i < n; i++) {
		if (is_vowel(p[i])) {
			vowels++;
			cons_run = 0;
		} else if (++cons_run > 4) {
			return false;
		}
		same = i && p[i] == p[i - 1] ? same + 1 : 1;
		if (same >= 3)
			return false;
	}
	/* 20% <= vowels / n <= 70% */
	return vowels * 10 >= n * 2 && vowels * 10 <= n * 7;
}

#define WORDS_MAX_LEN 96

const char *ks_words_reason(const unsigned char *data, size_t len)
{
	size_t i = 0, parts = 0, long_parts = 0;

	if (len > WORDS_MAX_LEN || len < 5)
		return NULL;
	while (i <= len) {
		size_t j = i;

		while (j < len && data[j] >= 'a' && data[j] <= 'z')
			j++;
		if (j < len && data[j] != '-' && data[j] != '_')
			return NULL;	/* a digit, capital, ... */
		if (j - i < 2 || j - i > 12)
			return NULL;
		if (j - i >= 4) {
			if (!wordlike(data + i, j - i))
				return NULL;
			long_parts++;
		}
		parts++;
		i = j + 1;
	}
	if (parts < 2 || !long_parts)
		return NULL;
	return "ordinary words";
}

enum ks_drop ks_precision_reason(const unsigned char *buf, size_t len,
				 size_t s, size_t e, unsigned flags,
				 const char **detail)
{
	const unsigned char *p = buf + s;
	size_t sl = e - s;
	const char *why;

	*detail = NULL;
	if ((why = ks_placeholder_reason(p, sl))) {
		*detail = why;
		return KS_DROP_PLACEHOLDER;
	}
	if ((why = ks_lockfile_reason(buf, len, s, e))) {
		*detail = why;
		return KS_DROP_LOCKFILE;
	}
	if ((flags & KS_FILTER_GENERIC) && (flags & KS_FILTER_LOCKFILE_PATH)) {
		*detail = "generic match in a lockfile";
		return KS_DROP_LOCKFILE;
	}
	if ((why = ks_hash_reason(buf, len, s, e, flags & KS_FILTER_GENERIC))) {
		*detail = why;
		return KS_DROP_HASH;
	}
	if ((why = ks_words_reason(p, sl))) {
		*detail = why;
		return KS_DROP_WORDS;
	}
	return KS_DROP_NONE;
}
