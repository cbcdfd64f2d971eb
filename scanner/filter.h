/* filter.h - decide whether a pattern match is reported: entropy,
 * placeholders, hashes, lockfile constructs, Git LFS pointers, ordinary
 * words, missing context, overlap with a better rule.
 *
 * Every check here reads only the bytes it is given, allocates nothing and
 * is bounded (a few hundred bytes around the secret at most), so it can run
 * on every match. None of them may drop a random key: tests/unit/test_filter.c
 * runs thousands of generated keys of every family through them.
 */
#ifndef KS_FILTER_H
#define KS_FILTER_H

#include "compat.h"

enum ks_drop {
	KS_DROP_NONE = 0,
	KS_DROP_ENTROPY,
	KS_DROP_PLACEHOLDER,
	KS_DROP_CONTEXT,
	KS_DROP_OVERLAP,
	KS_DROP_HASH,		/* a hash or UUID (ks_hash_reason) */
	KS_DROP_LOCKFILE,	/* lockfile integrity/checksum (ks_lockfile_reason) */
	KS_DROP_LFS_POINTER,	/* in a Git LFS pointer file (ks_lfs_pointer) */
	KS_DROP_WORDS,		/* prefix + ordinary words (ks_words_reason) */
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
 * ("contains 'example'", "run of 6 identical characters"). A placeholder
 * contains a placeholder word or a keyboard walk (qwerty, asdfgh, ...), has
 * a run of 6 identical or ascending characters, is made of a pattern of 2-8
 * bytes repeated (abcabcabc...) over at least half of it and 12 bytes, is
 * made only of placeholder words (test, fake, null, replace_me, ...), or is
 * a credential published in a provider's documentation. */
const char *ks_placeholder_reason(const unsigned char *data, size_t len);

/* Flags for ks_precision_reason(). */
#define KS_FILTER_GENERIC	0x1 /* the rule is generic: true */
#define KS_FILTER_LOCKFILE_PATH 0x2 /* the blob's name is a lockfile's */

/* Whether the last component of path names a lockfile (package-lock.json,
 * yarn.lock, pnpm-lock.yaml, go.sum, Cargo.lock, poetry.lock, ...). */
bool ks_lockfile_path(const char *path);

/* Whether data[0..len) is a whole Git LFS pointer file: under 1024 bytes,
 * first line "version https://git-lfs.github.com/spec/v1" (or the older
 * hawser URL), every other line "key value" with a lowercase key, and an
 * "oid " line. */
bool ks_lfs_pointer(const unsigned char *data, size_t len);

/* The secret buf[s..e) (0 <= s < e <= len) as part of a lockfile
 * construct: an SRI digest (sha1-/sha256-/sha384-/sha512- + base64, as
 * npm, yarn and pnpm write after "integrity"), a go.sum "h1:" hash, a pip
 * "--hash=algo:" value, or the value of a key named integrity, checksum or
 * shasum. NULL when it is not. The text looked at is on the secret's line,
 * at most ~200 bytes before it. */
const char *ks_lockfile_reason(const unsigned char *buf, size_t len, size_t s,
			       size_t e);

/* The secret buf[s..e) as a hash: the name it is assigned to on its line
 * (the identifier right before it, across at most 8 bytes of quotes,
 * blanks, = : , > ( [ {) ends with a hash word - sha, sha1, sha256, md5,
 * checksum, digest, hash, integrity, etag, commit, revision, rev, oid, ...,
 * optionally followed by id, hex, value, ... (commit_id, fileHash,
 * X-Checksum-Sha256) - or the value carries an algorithm tag ("sha256:").
 * With generic set, also a secret that is exactly a UUID (8-4-4-4-12 hex)
 * or exactly 32, 40, 64 or 128 hex digits. NULL when none applies. */
const char *ks_hash_reason(const unsigned char *buf, size_t len, size_t s,
			   size_t e, bool generic);

/* NULL unless data is a short prefix and ordinary lowercase words joined by
 * - or _ (sk-learn, sk-image-classifier, api-gateway-service-name): at
 * least two parts, only a-z, each 2-12 letters, at least one of 4 or more,
 * and every part of 4 or more shaped like a word (vowels 20-70%, at most 4
 * consonants in a row, no letter three times in a row). */
const char *ks_words_reason(const unsigned char *data, size_t len);

/* The shared precision filters on the secret buf[s..e), in this order:
 * placeholder, lockfile (a construct, or KS_FILTER_LOCKFILE_PATH with
 * KS_FILTER_GENERIC), hash, words. Returns KS_DROP_NONE, or the reason with
 * a static detail text in *detail. */
enum ks_drop ks_precision_reason(const unsigned char *buf, size_t len,
				 size_t s, size_t e, unsigned flags,
				 const char **detail);

/* Case-insensitive search for a lowercase needle; NULL when absent. */
const unsigned char *ks_memcasemem(const unsigned char *hay, size_t hay_len,
				   const char *needle, size_t needle_len);

#endif
