/* finding.h - a reported secret: position, redacted forms, fingerprint.
 *
 * A ks_finding owns copies of everything it shows (the blob it came from is
 * released after matching); ks_findings_release() wipes the secrets before
 * freeing them. Rules are borrowed and outlive the findings.
 */
#ifndef KS_FINDING_H
#define KS_FINDING_H

#include "compat.h"
#include "buf.h"
#include "filter.h"

struct ks_rule;
struct ks_match;

#define KS_SNIPPET_MAX 200
#define KS_JWT_ISS_MAX 120


struct ks_finding {
	const struct ks_rule *rule;
	char *path;	  /* as reported (may hold invalid UTF-8) */
	size_t line, col; /* 1-based, of the secret's first byte */
	size_t end_line, end_col; /* end_col: one past the last byte */
	char *secret;	  /* full secret; printed only with --no-redact */
	size_t secret_len;
	char *redacted;	  /* ks_redact() of secret */
	char *snippet;	  /* the line, other secrets redacted, <= 200 bytes */
	size_t snippet_len;
	char secret_sha256[65];
	char fingerprint[65];
	double entropy;
	/* how it was found: "" in plain text, else the encodings decoded,
	 * outermost first ("base64", "utf-16le+percent"); a value, so that
	 * struct copies stay independent */
	char encoding[32];
	size_t src_off;	/* the secret's offset in the buffer scanned */
	/* rule "jwt": claims of the payload, when it is a JSON object */
	bool jwt_has_iss, jwt_has_exp, jwt_expired;
	char jwt_issuer[KS_JWT_ISS_MAX + 1]; /* sanitised, NUL-terminated */
	int64_t jwt_exp;		      /* seconds since the epoch */
	/* git history only */
	unsigned char blob[20];	/* the blob it was found in (all zero: none) */
	struct ks_commit_info *commit; /* introducing commit; owned; or NULL */
	bool history;		/* has git provenance fields */
	bool present_at_head;
	/* suppression */
	bool marker;		/* an allow marker is on its line (or above) */
	enum ks_supp suppressed;
	struct ks_occurrence *occ; /* --all-occurrences; owned */
	size_t occ_nr;
	/* --verify: the answer for this key; owned; or NULL */
	struct ks_verification *verification;
};

struct ks_commit_info {
	char id[41];
	char *author, *email, *summary;
	char date[32];		/* YYYY-MM-DDTHH:MM:SSZ */
};

struct ks_occurrence {
	char commit[41];
	char *path;
};

void ks_commit_info_free(struct ks_commit_info *ci);
struct ks_commit_info *ks_commit_info_dup(const struct ks_commit_info *ci);
/* Recomputes f->fingerprint from its rule, path and secret hash. */
void ks_finding_fingerprint(struct ks_finding *f);

struct ks_findings {
	struct ks_finding *f;
	size_t nr, alloc;
};

/* clang-format off */
#define KS_FINDINGS_INIT { NULL, 0, 0 }
/* clang-format on */

/* Where a buffer sits in its file when a large file is scanned in chunks. */
struct ks_chunk {
	size_t line;	/* line number of data[0] (1-based) */
	size_t col;	/* column of data[0] (1-based) */
	size_t limit;	/* keep matches whose secret starts before this */
	/* allow markers before data[0]: on the line data[0] is on, and
	 * (allow-next-line) on the line before that one */
	bool line_marker, line_marker_next, prev_next_marker;
};

/* clang-format off */
#define KS_CHUNK_WHOLE { 1, 1, SIZE_MAX, false, false, false }
/* clang-format on */

/* Carries the markers seen before offset at of a chunk's data into the
 * description of the chunk that starts there (ck: the current chunk). */
void ks_chunk_carry(struct ks_chunk *ck, const unsigned char *data,
		    size_t len, size_t at);

/* Adds one finding per kept match of one blob. Secrets inside snippets are
 * redacted unless no_redact. Returns the number added. */
size_t ks_findings_add_blob(struct ks_findings *fs, const char *path,
			    const unsigned char *data, size_t len,
			    const struct ks_match *m, size_t m_nr,
			    bool no_redact);
/* The same for a chunk of a large blob; ck says where it sits. */
size_t ks_findings_add_chunk(struct ks_findings *fs, const char *path,
			     const unsigned char *data, size_t len,
			     const struct ks_match *m, size_t m_nr,
			     bool no_redact, const struct ks_chunk *ck);
/* Extras for findings of encoded content (see decode.h). */
struct ks_add_opts {
	const char *encoding;	/* copied to every finding, or NULL */
	bool char_cols;		/* columns count UTF-8 characters, not bytes */
	const size_t *redact;	/* [start, end) pairs also redacted in
				 * snippets (encoded forms of secrets) */
	size_t redact_nr;	/* number of pairs */
};

/* ks_findings_add_chunk() with extras (ao may be NULL). */
size_t ks_findings_add_ex(struct ks_findings *fs, const char *path,
			  const unsigned char *data, size_t len,
			  const struct ks_match *m, size_t m_nr,
			  bool no_redact, const struct ks_chunk *ck,
			  const struct ks_add_opts *ao);
/* Moves a finding made from decoded text to the encoded span [start, end)
 * of data (the text that was decoded; ck: where it sits): line, column,
 * end and allow marker. The secret and the snippet stay decoded. */
void ks_finding_relocate(struct ks_finding *f, const unsigned char *data,
			 size_t len, size_t start, size_t end,
			 const struct ks_chunk *ck, bool char_cols);
/* Fills the jwt_* fields from the secret's payload (a no-op when it is
 * not a base64url JSON object); expiry is relative to now. */
void ks_finding_jwt_claims(struct ks_finding *f, int64_t now);
/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out; false if it does not fit. */
bool ks_jwt_date(char *out, size_t size, int64_t t);

/* Moves every finding of src to the end of dst; src is left empty. */
void ks_findings_move(struct ks_findings *dst, struct ks_findings *src);
/* Deterministic order: path, line, column, rule id. */
void ks_findings_sort(struct ks_findings *fs);
void ks_findings_release(struct ks_findings *fs);
/* Frees what one finding owns (the secret wiped first). */
void ks_finding_release(struct ks_finding *f);

/* Appends the redacted form of a secret: its identifying prefix (lowercase
 * "sk-proj-", "ghp_", ...) plus up to 4 more characters, never more than a
 * quarter of the secret, then "***". */
void ks_redact(struct ks_buf *out, const unsigned char *secret, size_t len);
/* Length of the shown part (exposed for tests). */
size_t ks_redact_shown(const unsigned char *secret, size_t len);

/* 1-based line and column of offset; "\r\n", "\n" and a lone "\r" end a
 * line. Scans forward from a hint (line start offset and its line number)
 * so that a sorted sequence of lookups is linear. */
struct ks_linepos {
	size_t offset;	   /* start of the line holding the last lookup */
	size_t line;
};
void ks_linepos_find(struct ks_linepos *hint, const unsigned char *data,
		     size_t len, size_t offset, size_t *line, size_t *col);

/* Removes "./" prefixes, repeated slashes and backslashes from a path. */
void ks_path_normalise(struct ks_buf *out, const char *path);

#endif
