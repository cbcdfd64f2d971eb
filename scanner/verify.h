/* verify.h - live verification of found keys (--verify): is a key live,
 * restricted, revoked, or could we not tell?
 *
 * Off by default. Endpoints are compiled in (verify_providers.c), one
 * provider per built-in rule id; nothing in a rule file or .keysnare.yml
 * can add or change a host, path or header (RELIABILITY.md V1, V2). A
 * ks_verification is owned by the finding it hangs on (f->verification)
 * and freed with it.
 */
#ifndef KS_VERIFY_H
#define KS_VERIFY_H

#include "compat.h"

struct ks_findings;
struct ks_rule;

enum ks_vstate {
	KS_V_NONE = 0,		/* not verified (not asked, or no provider) */
	KS_V_LIVE,		/* authenticated and the check passed */
	KS_V_LIVE_RESTRICTED,	/* authenticated, lacks permission for it */
	KS_V_INVALID,		/* the provider's documented auth failure */
	KS_V_UNKNOWN,		/* anything else; reason says what */
};

/* "live", "live_restricted", "invalid", "unknown" ("" for NONE). */
const char *ks_vstate_name(enum ks_vstate s);

/* One provider-exposed fact about a live key ("balance", "12.30 USD"). */
struct ks_vdetail {
	char *key, *value;
};

struct ks_verification {
	enum ks_vstate state;
	const char *provider;	/* provider id ("deepseek"); static */
	long http_status;	/* last HTTP status; 0: no response */
	char *reason;		/* why (never holds the key); or NULL */
	struct ks_vdetail *detail;
	size_t detail_nr;
	int64_t checked_at;	/* unix time of the answer */
	bool cached;		/* taken from the on-disk cache */
};

struct ks_verification *ks_verification_new(void);
struct ks_verification *ks_verification_dup(const struct ks_verification *v);
void ks_verification_free(struct ks_verification *v);
/* Sets v->reason (printf-style; replaces the old one). */
void ks_verification_reason(struct ks_verification *v, const char *fmt, ...)
	KS_PRINTF(2, 3);
void ks_verification_add_detail(struct ks_verification *v, const char *key,
				const char *value);

/* ---- providers (verify_providers.c) ---- */

enum ks_vauth {
	KS_VAUTH_BEARER,	/* Authorization: Bearer KEY */
	KS_VAUTH_TOKEN,		/* Authorization: token KEY (GitHub) */
	KS_VAUTH_HEADER,	/* auth_header: KEY (x-api-key, ...) */
	KS_VAUTH_AWS_SIGV4,	/* libcurl's SigV4: id:secret */
};

/* What came back, for a classifier. Headers are the few it may need,
 * already trimmed; NULL when absent. The body is capped (64 KiB) and
 * NUL-terminated. */
struct ks_http_resp {
	long status;
	const char *body;
	size_t body_len;
	const char *content_type;
	const char *oauth_scopes;	/* X-OAuth-Scopes (GitHub) */
	const char *retry_after;
};

struct ks_provider {
	const char *id;		/* "deepseek" */
	const char *name;	/* "DeepSeek" */
	const char *method;	/* "GET" or "POST" */
	const char *host;	/* https only, port 443 */
	const char *path;	/* with query, never with the key */
	enum ks_vauth auth;
	const char *auth_header;	/* KS_VAUTH_HEADER: "x-api-key" */
	const char *const *headers;	/* extra fixed headers; NULL-ended */
	const char *aws_sigv4;		/* KS_VAUTH_AWS_SIGV4: provider string */
	const char *body;		/* POST: the fixed request body ("" if
				 * empty); GET: NULL */
	/* Fills state, reason and detail from a response. Anything it
	 * does not recognise is KS_V_UNKNOWN with a reason; never live
	 * or invalid on a surprise. The caller scrubs the key out of
	 * reason and detail afterwards (ks_scrub()). */
	void (*classify)(const struct ks_http_resp *r,
			 struct ks_verification *v);
};

/* The provider for a built-in rule id, or NULL (not verifiable). */
const struct ks_provider *ks_provider_for_rule(const char *rule_id);
/* By provider id, or NULL. */
const struct ks_provider *ks_provider_find(const char *id);
/* Every provider, for listing. */
const struct ks_provider *ks_provider_at(size_t i);
size_t ks_provider_nr(void);
/* The rule ids mapped to providers (for `rules check` and docs). */
const char *ks_provider_rule_at(size_t i, const struct ks_provider **p);

/* ---- the run ---- */

struct ks_verify_opts {
	bool dry_run;		/* print requests, send nothing */
	bool no_proxy;		/* ignore https_proxy & co */
	bool no_cache;		/* neither read nor write the cache */
	int64_t cache_ttl;	/* seconds; default 86400 */
	unsigned budget;	/* requests per run (retries count); 100 */
	long connect_timeout_ms; /* 3000 */
	long timeout_ms;	/* whole request; 10000 */
};

/* clang-format off */
#define KS_VERIFY_OPTS_INIT { false, false, false, 86400, 100, 3000, 10000 }
/* clang-format on */

struct ks_verify_stats {
	size_t keys;		/* distinct keys considered */
	size_t requests;	/* HTTP requests sent (retries included) */
	size_t cached;		/* answers from the cache */
	size_t by_state[KS_V_UNKNOWN + 1];	/* findings per state */
	size_t not_verifiable;	/* findings whose rule has no provider */
};

/* Verifies every reported (not suppressed) finding whose rule is built
 * in and has a provider; each distinct key once. Attaches a
 * ks_verification to those findings. Returns 0, or KS_EINVALID when the
 * run could not start (bad test override; the message is logged); a
 * failed request never fails the run (its findings are unknown). */
int ks_verify_findings(struct ks_findings *fs, const struct ks_verify_opts *o,
		       struct ks_verify_stats *vs);

/* --only-verified: releases every finding not verified live or
 * live_restricted; returns how many; *unknown gets how many of those
 * were unknown (they may be live: the caller calls the scan incomplete). */
size_t ks_verify_keep_live(struct ks_findings *fs, size_t *unknown);

/* Replaces every occurrence of key (and of its base64 and URL-encoded
 * forms) in buf[0..len) with "***", in place, and NUL-terminates the
 * result (buf holds len + 1 bytes); returns the new length. Used on
 * anything taken from a response before it is kept or logged. */
size_t ks_scrub(char *buf, size_t len, const char *key, size_t key_len);

/* Makes the process undumpable and sets RLIMIT_CORE to 0: keys are in
 * memory (RELIABILITY.md V11). */
void ks_secure_process(void);

#endif
