/* verify_providers.c - the compiled-in verification endpoints and the
 * classifiers that turn a provider's answer into live / live_restricted /
 * invalid / unknown.
 *
 * Conservative by construction: a classifier says live only when the status
 * AND the body have the documented success shape, invalid only on the
 * documented auth failure; everything else is unknown with a short reason.
 * Redirects, 5xx, HTML, non-JSON and JSON without the expected fields are
 * handled once, here, for every provider. Nothing in a reason or detail
 * comes from the body except short provider codes and a few named fields,
 * sanitised and capped; never a field that can hold the key (OpenRouter's
 * "label" holds part of it).
 */
#include "compat.h"
#include <cjson/cJSON.h>
#include "buf.h"
#include "utf8.h"
#include "verify.h"

#define DETAIL_MAX 80	/* bytes of a detail value */
#define CODE_MAX   64	/* bytes of a provider error code in a reason */
#define XML_SPAN   512	/* bytes searched for an XML element's end tag */

/* ---- sanitising what comes from a response ---- */

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0xfeff || ks_utf8_is_bidi(cp);
}

/* Appends s[0..len) to b, at most cap bytes: whole UTF-8 characters
 * (ASCII only if ascii), each control, bidi or ill-formed byte as '?'; a
 * cut value ends in "...". */
static void add_clean(struct ks_buf *b, const char *s, size_t len, size_t cap,
		      bool ascii)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = b->len, i = 0;

	while (i < len && b->len - start <= cap) {
		uint32_t cp = 0;
		size_t n = ks_utf8_decode(p + i, len - i, &cp);

		if (!n || is_control(cp) || (ascii && cp >= 0x80))
			ks_buf_addch(b, '?');
		else
			ks_buf_add(b, p + i, n);
		i += n ? n : 1;
	}
	if (b->len - start > cap) {
		size_t cut = start + cap - 3;

		/* back to the start of a UTF-8 character */
		while (cut > start &&
		       ((unsigned char)b->ptr[cut] & 0xc0) == 0x80)
			cut--;
		ks_buf_setlen(b, cut);
		ks_buf_adds(b, "...");
	}
}

static void detail_n(struct ks_verification *v, const char *key,
		     const char *s, size_t len)
{
	struct ks_buf b = KS_BUF_INIT;

	add_clean(&b, s, len, DETAIL_MAX, false);
	ks_verification_add_detail(v, key, b.ptr);
	ks_buf_release(&b);
}

static void detail(struct ks_verification *v, const char *key, const char *s)
{
	detail_n(v, key, s, strlen(s));
}

static void drop_details(struct ks_verification *v)
{
	size_t i;

	for (i = 0; i < v->detail_nr; i++) {
		free(v->detail[i].key);
		free(v->detail[i].value);
	}
	free(v->detail);
	v->detail = NULL;
	v->detail_nr = 0;
}

/* Whether s[0..len) looks like a provider error code ("insufficient_quota",
 * "InvalidClientTokenId"): letters and _ . : - only. No digits, so a key
 * echoed in a code field is not taken for one. */
static bool is_code(const char *s, size_t len)
{
	size_t i;

	if (!s || !len || len > CODE_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    c != '_' && c != '.' && c != ':' && c != '-')
			return false;
	}
	return true;
}

/* ---- verdicts ---- */

static void verdict(struct ks_verification *v, enum ks_vstate state,
		    const char *reason)
{
	v->state = state;
	if (reason)
		ks_verification_reason(v, "%s", reason);
}

/* "HTTP 401 (authentication_error)", code from the body if it is one. */
static void verdict_code(struct ks_verification *v, enum ks_vstate state,
			 long status, const char *code)
{
	v->state = state;
	if (code && is_code(code, strlen(code)))
		ks_verification_reason(v, "HTTP %ld (%s)", status, code);
	else
		ks_verification_reason(v, "HTTP %ld", status);
}

static bool is_html(const struct ks_http_resp *r)
{
	const char *b = r->body ? r->body : "";
	size_t i = 0, n = r->body ? r->body_len : 0;

	if (r->content_type && strcasestr(r->content_type, "html"))
		return true;
	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' ||
			 b[i] == '\n'))
		i++;
	return (n - i >= 14 && !strncasecmp(b + i, "<!doctype html", 14)) ||
	       (n - i >= 5 && !strncasecmp(b + i, "<html", 5));
}

/* Why a response is not one we know, as a short reason: "HTTP 500",
 * "HTTP 429 (rate limited)", "HTTP 200 but the body is not the expected
 * JSON", ... what names the format the provider answers in. */
static void unknown_reason(const struct ks_http_resp *r,
			   struct ks_verification *v, const char *what,
			   const char *code)
{
	long s = r->status;

	drop_details(v);
	v->state = KS_V_UNKNOWN;
	if (s <= 0)
		ks_verification_reason(v, "no HTTP response");
	else if (s >= 300 && s < 400)
		ks_verification_reason(
			v, "HTTP %ld (redirects are not followed)", s);
	else if (s == 429)
		ks_verification_reason(v, "HTTP 429 (rate limited)");
	else if (s >= 500 || s < 200 || s >= 600)
		ks_verification_reason(v, "HTTP %ld", s);
	else if (is_html(r))
		ks_verification_reason(v, "HTTP %ld but text/html", s);
	else if (s == 200)
		ks_verification_reason(
			v, "HTTP 200 but the body is not the expected %s",
			what);
	else
		verdict_code(v, KS_V_UNKNOWN, s, code);
}

/* Settles what every provider answers alike: no response, 1xx, 3xx, 5xx
 * and HTML are unknown whatever the body. Returns true when it did. */
static bool classify_common(const struct ks_http_resp *r,
			    struct ks_verification *v, const char *what)
{
	long s = r->status;

	v->http_status = s;
	v->state = KS_V_NONE;
	if (s >= 200 && s < 300 && !is_html(r))
		return false;
	if (s >= 400 && s < 500 && !is_html(r))
		return false;
	unknown_reason(r, v, what, NULL);
	return true;
}

/* After a provider's judge: no verdict is unknown; an unknown or invalid
 * key carries no details. */
static void classify_finish(const struct ks_http_resp *r,
			    struct ks_verification *v, const char *what,
			    const char *code)
{
	if (v->state == KS_V_NONE)
		unknown_reason(r, v, what, code);
	else if (v->state == KS_V_UNKNOWN || v->state == KS_V_INVALID)
		drop_details(v);
}

/* ---- JSON ---- */

/* The member at a dotted path ("error.code"), or NULL. */
static const cJSON *jget(const cJSON *j, const char *path)
{
	char name[32];

	while (j && *path) {
		size_t n = strcspn(path, ".");

		if (!cJSON_IsObject(j) || n >= sizeof(name))
			return NULL;
		memcpy(name, path, n);
		name[n] = '\0';
		j = cJSON_GetObjectItemCaseSensitive(j, name);
		path += n + (path[n] == '.');
	}
	return j;
}

static const char *jstr(const cJSON *j, const char *path)
{
	const cJSON *it = jget(j, path);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static bool jis(const cJSON *j, const char *path, const char *want)
{
	const char *s = jstr(j, path);

	return s && !strcmp(s, want);
}

static bool jprefix(const cJSON *j, const char *path, const char *prefix)
{
	const char *s = jstr(j, path);

	return s && !strncmp(s, prefix, strlen(prefix));
}

static bool jtrue(const cJSON *j, const char *path)
{
	return cJSON_IsTrue(jget(j, path));
}

/* Appends a string or number member as text; false if it is neither. */
static bool jscalar(struct ks_buf *b, const cJSON *it)
{
	if (cJSON_IsString(it))
		ks_buf_adds(b, it->valuestring);
	else if (cJSON_IsNumber(it))
		ks_buf_addf(b, "%.10g", it->valuedouble);
	else
		return false;
	return true;
}

/* A detail from a string or number member, if present. */
static void jdetail(struct ks_verification *v, const char *key,
		    const cJSON *j, const char *path)
{
	struct ks_buf b = KS_BUF_INIT;

	if (jscalar(&b, jget(j, path)))
		detail(v, key, b.ptr);
	ks_buf_release(&b);
}

/* A detail joining the string elements of an array with sep; "none" for
 * an empty array. */
static void jdetail_list(struct ks_verification *v, const char *key,
			 const cJSON *arr, const char *sep)
{
	struct ks_buf b = KS_BUF_INIT;
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it))
			continue;
		if (b.len)
			ks_buf_adds(&b, sep);
		ks_buf_adds(&b, it->valuestring);
		if (b.len > DETAIL_MAX)
			break;
	}
	detail(v, key, b.len ? b.ptr : "none");
	ks_buf_release(&b);
}

/* The likeliest error code of a JSON error body, for a reason. */
static const char *jcode(const cJSON *j)
{
	static const char *const paths[] = { "error.code", "error.type",
					     "error", "code" };
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(paths); i++) {
		const char *s = jstr(j, paths[i]);

		if (s && is_code(s, strlen(s)))
			return s;
	}
	return NULL;
}

typedef void (*json_judge)(const struct ks_http_resp *r, const cJSON *j,
			   struct ks_verification *v);

/* Parses the body as one JSON object (trailing bytes other than white
 * space make it no JSON) and hands it to judge. */
static void classify_json(const struct ks_http_resp *r,
			  struct ks_verification *v, json_judge judge)
{
	const char *body = r->body ? r->body : "";
	size_t len = r->body ? r->body_len : 0;
	const char *end = NULL;
	cJSON *j;

	if (classify_common(r, v, "JSON"))
		return;
	j = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (j && end)
		while (end < body + len && *end && strchr(" \t\r\n", *end))
			end++;
	if (cJSON_IsObject(j) && end == body + len)
		judge(r, j, v);
	classify_finish(r, v, "JSON", jcode(j));
	cJSON_Delete(j);
}

#define JSON_CLASSIFIER(name)                                                \
	static void judge_##name(const struct ks_http_resp *r,               \
				 const cJSON *j, struct ks_verification *v); \
	static void classify_##name(const struct ks_http_resp *r,            \
				    struct ks_verification *v)               \
	{                                                                    \
		classify_json(r, v, judge_##name);                           \
	}

/* ---- the providers' answers ---- */

JSON_CLASSIFIER(deepseek)
static void judge_deepseek(const struct ks_http_resp *r, const cJSON *j,
			   struct ks_verification *v)
{
	const cJSON *avail = jget(j, "is_available"), *it;
	struct ks_buf b = KS_BUF_INIT;

	if (r->status == 200 && cJSON_IsBool(avail)) {
		verdict(v, KS_V_LIVE, NULL);
		detail(v, "is_available",
		       cJSON_IsTrue(avail) ? "true" : "false");
		cJSON_ArrayForEach(it, jget(j, "balance_infos")) {
			struct ks_buf one = KS_BUF_INIT;

			if (jscalar(&one, jget(it, "total_balance")) &&
			    cJSON_IsString(jget(it, "currency")))
				ks_buf_addf(&b, "%s%s %s", b.len ? ", " : "",
					    one.ptr, jstr(it, "currency"));
			ks_buf_release(&one);
			if (b.len > DETAIL_MAX)
				break;
		}
		if (b.len)
			detail(v, "balance", b.ptr);
	} else if (r->status == 401 &&
		   jis(j, "error.type", "authentication_error")) {
		verdict(v, KS_V_INVALID, "HTTP 401 (authentication_error)");
	} else if (r->status == 402 &&
		   jprefix(j, "error.message", "Insufficient Balance")) {
		verdict(v, KS_V_LIVE, "HTTP 402 (insufficient balance)");
		detail(v, "is_available", "false");
		detail(v, "balance", "insufficient");
	}
	ks_buf_release(&b);
}

/* OpenAI-compatible model lists (OpenAI, Groq, Mistral). */
static bool is_list(const struct ks_http_resp *r, const cJSON *j)
{
	return r->status == 200 && jis(j, "object", "list") &&
	       cJSON_IsArray(jget(j, "data"));
}

JSON_CLASSIFIER(openai)
static void judge_openai(const struct ks_http_resp *r, const cJSON *j,
			 struct ks_verification *v)
{
	static const char scopes_at[] = "Missing scopes: ";
	const char *msg = jstr(j, "error.message"), *p;

	if (is_list(r, j)) {
		verdict(v, KS_V_LIVE, NULL);
	} else if (r->status == 401 &&
		   (jis(j, "error.code", "invalid_api_key") ||
		    jprefix(j, "error.message",
			    "Incorrect API key provided"))) {
		verdict(v, KS_V_INVALID, "HTTP 401 (invalid_api_key)");
	} else if (r->status == 401 && msg &&
		   !strncmp(msg, "You have insufficient permissions", 33)) {
		verdict(v, KS_V_LIVE_RESTRICTED,
			"HTTP 401 (insufficient permissions)");
		p = strstr(msg, scopes_at);
		if (p) {
			/* "Missing scopes: api.model.read. Check that ..." */
			const char *end;

			p += strlen(scopes_at);
			end = strstr(p, ". ");
			if (!end)
				end = p + strlen(p);
			if (end > p && end[-1] == '.')
				end--;
			detail_n(v, "missing_scopes", p, (size_t)(end - p));
		}
	} else if (r->status == 429 &&
		   (jis(j, "error.code", "insufficient_quota") ||
		    jis(j, "error.type", "insufficient_quota"))) {
		verdict(v, KS_V_LIVE, "HTTP 429 (insufficient_quota)");
		detail(v, "quota", "exhausted");
	}
}

/* Anthropic's errors, for both of its key kinds. */
static void anthropic_error(const struct ks_http_resp *r, const cJSON *j,
			    struct ks_verification *v)
{
	if (r->status == 401 && jis(j, "error.type", "authentication_error"))
		verdict(v, KS_V_INVALID, "HTTP 401 (authentication_error)");
	else if (r->status == 403 && jis(j, "error.type", "permission_error"))
		verdict(v, KS_V_LIVE_RESTRICTED, "HTTP 403 (permission_error)");
}

JSON_CLASSIFIER(anthropic)
static void judge_anthropic(const struct ks_http_resp *r, const cJSON *j,
			    struct ks_verification *v)
{
	if (r->status == 200 && cJSON_IsArray(jget(j, "data")))
		verdict(v, KS_V_LIVE, NULL);
	else
		anthropic_error(r, j, v);
}

JSON_CLASSIFIER(anthropic_admin)
static void judge_anthropic_admin(const struct ks_http_resp *r,
				  const cJSON *j, struct ks_verification *v)
{
	if (r->status == 200 && jis(j, "type", "organization") &&
	    jstr(j, "id")) {
		verdict(v, KS_V_LIVE, NULL);
		jdetail(v, "organization", j, "name");
	} else {
		anthropic_error(r, j, v);
	}
}

JSON_CLASSIFIER(groq)
static void judge_groq(const struct ks_http_resp *r, const cJSON *j,
		       struct ks_verification *v)
{
	if (is_list(r, j))
		verdict(v, KS_V_LIVE, NULL);
	else if (r->status == 401 && jis(j, "error.code", "invalid_api_key"))
		verdict(v, KS_V_INVALID, "HTTP 401 (invalid_api_key)");
}

JSON_CLASSIFIER(mistral)
static void judge_mistral(const struct ks_http_resp *r, const cJSON *j,
			  struct ks_verification *v)
{
	if (is_list(r, j))
		verdict(v, KS_V_LIVE, NULL);
	else if (r->status == 401 && jis(j, "message", "Unauthorized"))
		verdict(v, KS_V_INVALID, "HTTP 401 (Unauthorized)");
}

JSON_CLASSIFIER(xai)
static void judge_xai(const struct ks_http_resp *r, const cJSON *j,
		      struct ks_verification *v)
{
	if (r->status == 200 && jstr(j, "api_key_id")) {
		if (jtrue(j, "team_blocked") || jtrue(j, "api_key_blocked") ||
		    jtrue(j, "api_key_disabled")) {
			verdict(v, KS_V_UNKNOWN,
				"the key is blocked or disabled");
			return;
		}
		verdict(v, KS_V_LIVE, NULL);
		jdetail(v, "name", j, "name");
		if (cJSON_IsArray(jget(j, "acls")))
			jdetail_list(v, "acls", jget(j, "acls"), ",");
	} else if ((r->status == 400 || r->status == 401) &&
		   jprefix(j, "error", "Incorrect API key provided")) {
		verdict_code(v, KS_V_INVALID, r->status, "invalid_api_key");
	}
}

/* The ErrorInfo reason of a Google error ("API_KEY_INVALID"), or NULL. */
static const char *google_reason(const cJSON *j)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, jget(j, "error.details")) {
		const char *s = jstr(it, "reason");

		if (s)
			return s;
	}
	return NULL;
}

JSON_CLASSIFIER(google)
static void judge_google(const struct ks_http_resp *r, const cJSON *j,
			 struct ks_verification *v)
{
	static const char *const restricted[] = {
		"SERVICE_DISABLED",
		"API_KEY_SERVICE_BLOCKED",
		"API_KEY_HTTP_REFERRER_BLOCKED",
		"API_KEY_IP_ADDRESS_BLOCKED",
		"API_KEY_ANDROID_APP_BLOCKED",
		"API_KEY_IOS_APP_BLOCKED",
	};
	const char *why = google_reason(j);
	size_t i;

	if (r->status == 200 && cJSON_IsArray(jget(j, "models"))) {
		verdict(v, KS_V_LIVE, NULL);
	} else if (r->status == 400 && why && !strcmp(why, "API_KEY_INVALID")) {
		verdict(v, KS_V_INVALID, "HTTP 400 (API_KEY_INVALID)");
	} else if (r->status == 403 && why) {
		for (i = 0; i < KS_ARRAY_SIZE(restricted); i++) {
			if (strcmp(why, restricted[i]))
				continue;
			verdict_code(v, KS_V_LIVE_RESTRICTED, 403, why);
			detail(v, "restriction", why);
			break;
		}
	}
}

JSON_CLASSIFIER(huggingface)
static void judge_huggingface(const struct ks_http_resp *r, const cJSON *j,
			      struct ks_verification *v)
{
	if (r->status == 200 && jstr(j, "name")) {
		verdict(v, KS_V_LIVE, NULL);
		jdetail(v, "user", j, "name");
		jdetail(v, "role", j, "auth.accessToken.role");
	} else if (r->status == 401 &&
		   jprefix(j, "error", "Invalid credentials")) {
		verdict(v, KS_V_INVALID, "HTTP 401 (invalid credentials)");
	}
}

JSON_CLASSIFIER(openrouter)
static void judge_openrouter(const struct ks_http_resp *r, const cJSON *j,
			     struct ks_verification *v)
{
	const cJSON *limit = jget(j, "data.limit");

	/* never data.label: it holds part of the key */
	if (r->status == 200 && cJSON_IsNumber(jget(j, "data.usage")) &&
	    (cJSON_IsNull(limit) || cJSON_IsNumber(limit))) {
		verdict(v, KS_V_LIVE, NULL);
		if (cJSON_IsNull(limit))
			detail(v, "limit", "none");
		else
			jdetail(v, "limit", j, "data.limit");
		jdetail(v, "usage", j, "data.usage");
	} else if (r->status == 401 &&
		   (jis(j, "error.message", "No auth credentials found") ||
		    jis(j, "error.message", "User not found."))) {
		verdict(v, KS_V_INVALID, "HTTP 401 (no such key)");
	}
}

JSON_CLASSIFIER(github)
static void judge_github(const struct ks_http_resp *r, const cJSON *j,
			 struct ks_verification *v)
{
	static const char integration[] =
		"Resource not accessible by integration";
	const char *scopes = r->oauth_scopes;

	if (r->status == 200 && jstr(j, "login")) {
		verdict(v, KS_V_LIVE, NULL);
		jdetail(v, "login", j, "login");
		while (scopes && (*scopes == ' ' || *scopes == '\t'))
			scopes++;
		detail(v, "scopes", scopes && *scopes ? scopes : "none listed");
	} else if (r->status == 401 && jis(j, "message", "Bad credentials")) {
		verdict(v, KS_V_INVALID, "HTTP 401 (Bad credentials)");
	} else if (r->status == 403 && jis(j, "message", integration)) {
		verdict(v, KS_V_LIVE_RESTRICTED,
			"HTTP 403 (resource not accessible by integration)");
	} else if (r->status == 403 &&
		   (jprefix(j, "message", "API rate limit exceeded") ||
		    jprefix(j, "message", "You have exceeded a secondary"))) {
		verdict(v, KS_V_UNKNOWN, "HTTP 403 (rate limited)");
	}
}

JSON_CLASSIFIER(gitlab)
static void judge_gitlab(const struct ks_http_resp *r, const cJSON *j,
			 struct ks_verification *v)
{
	const cJSON *scopes = jget(j, "scopes");

	if (r->status == 200 && cJSON_IsArray(scopes)) {
		if (jtrue(j, "revoked")) {
			verdict(v, KS_V_INVALID, "the token is revoked");
			return;
		}
		if (cJSON_IsFalse(jget(j, "active"))) {
			verdict(v, KS_V_INVALID, "the token is not active");
			return;
		}
		verdict(v, KS_V_LIVE, NULL);
		jdetail(v, "name", j, "name");
		jdetail_list(v, "scopes", scopes, ",");
		if (jstr(j, "expires_at"))
			jdetail(v, "expires_at", j, "expires_at");
		else
			detail(v, "expires_at", "never");
	} else if (r->status == 401 && jis(j, "message", "401 Unauthorized")) {
		verdict(v, KS_V_INVALID, "HTTP 401 (Unauthorized)");
	} else if (r->status == 403 &&
		   jis(j, "error", "insufficient_scope")) {
		verdict(v, KS_V_LIVE_RESTRICTED,
			"HTTP 403 (insufficient_scope)");
	}
}

JSON_CLASSIFIER(slack)
static void judge_slack(const struct ks_http_resp *r, const cJSON *j,
			struct ks_verification *v)
{
	static const char *const invalid[] = {
		"invalid_auth",	   "token_revoked", "token_expired",
		"account_inactive", "not_authed",
	};
	const char *err = jstr(j, "error");
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	if (r->status != 200)
		return;
	if (jtrue(j, "ok") && jstr(j, "team_id")) {
		verdict(v, KS_V_LIVE, NULL);
		jdetail(v, "team", j, "team");
		jdetail(v, "user", j, "user");
		return;
	}
	if (!cJSON_IsFalse(jget(j, "ok")) || !err)
		return;
	for (i = 0; i < KS_ARRAY_SIZE(invalid); i++)
		if (!strcmp(err, invalid[i]))
			break;
	/* "slack: ratelimited"; not what cannot be a code (a key) */
	ks_buf_adds(&b, "slack: ");
	if (is_code(err, strlen(err)))
		add_clean(&b, err, strlen(err), CODE_MAX, true);
	else
		ks_buf_adds(&b, "an unrecognised error");
	verdict(v, i < KS_ARRAY_SIZE(invalid) ? KS_V_INVALID : KS_V_UNKNOWN,
		b.ptr);
	ks_buf_release(&b);
}

/* ---- AWS STS (XML) ---- */

/* The text of the first <tag>...</tag> in body, by bounded search. */
static const char *xml_text(const struct ks_http_resp *r, const char *tag,
			    size_t *len)
{
	char open[40], close[40];
	const char *p, *e, *end = r->body + r->body_len;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	p = memmem(r->body, r->body_len, open, strlen(open));
	if (!p)
		return NULL;
	p += strlen(open);
	e = memmem(p, KS_MIN((size_t)(end - p), XML_SPAN), close,
		   strlen(close));
	if (!e)
		return NULL;
	*len = (size_t)(e - p);
	return p;
}

static bool xml_is(const struct ks_http_resp *r, const char *tag,
		   const char *want)
{
	size_t n = 0;
	const char *s = xml_text(r, tag, &n);

	return s && n == strlen(want) && !memcmp(s, want, n);
}

/* Whether the whole element is there: a cut body is no answer. */
static bool has(const struct ks_http_resp *r, const char *s)
{
	return memmem(r->body, r->body_len, s, strlen(s)) != NULL;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

static void judge_aws(const struct ks_http_resp *r, struct ks_verification *v)
{
	static const char mismatch[] =
		"the secret does not match the key id "
		"(or the request was signed wrongly)";
	size_t arn_len = 0, acct_len = 0;
	const char *arn = xml_text(r, "Arn", &arn_len);
	const char *acct = xml_text(r, "Account", &acct_len);
	bool err = has(r, "<ErrorResponse") && has(r, "</ErrorResponse>");

	if (r->status == 200 && has(r, "<GetCallerIdentityResponse") &&
	    has(r, "</GetCallerIdentityResponse>") &&
	    arn && arn_len > 4 && !memcmp(arn, "arn:", 4) && acct &&
	    acct_len == 12 && all_digits(acct, acct_len)) {
		verdict(v, KS_V_LIVE, NULL);
		detail_n(v, "account", acct, acct_len);
		detail_n(v, "arn", arn, arn_len);
	} else if (r->status == 403 && err &&
		   (xml_is(r, "Code", "InvalidClientTokenId") ||
		    xml_is(r, "Code", "ExpiredToken"))) {
		verdict(v, KS_V_INVALID,
			xml_is(r, "Code", "ExpiredToken") ?
				"HTTP 403 (ExpiredToken)" :
				"HTTP 403 (InvalidClientTokenId)");
	} else if (r->status == 403 && err &&
		   xml_is(r, "Code", "SignatureDoesNotMatch")) {
		verdict(v, KS_V_UNKNOWN, mismatch);
	} else if (r->status == 403 && err &&
		   xml_is(r, "Code", "AccessDenied")) {
		verdict(v, KS_V_LIVE_RESTRICTED, "HTTP 403 (AccessDenied)");
	}
}

static void classify_aws(const struct ks_http_resp *r,
			 struct ks_verification *v)
{
	struct ks_buf code = KS_BUF_INIT;
	size_t n = 0;
	const char *c;

	if (classify_common(r, v, "XML"))
		return;
	if (!r->body) {
		classify_finish(r, v, "XML", NULL);
		return;
	}
	judge_aws(r, v);
	c = xml_text(r, "Code", &n);
	if (c && is_code(c, n))
		ks_buf_add(&code, c, n);
	classify_finish(r, v, "XML", code.len ? code.ptr : NULL);
	ks_buf_release(&code);
}

/* ---- the table ---- */

static const char *const anthropic_headers[] = {
	"anthropic-version: 2023-06-01",
	NULL,
};
static const char *const github_headers[] = {
	"Accept: application/vnd.github+json",
	"X-GitHub-Api-Version: 2022-11-28",
	NULL,
};
static const char *const form_headers[] = {
	"Content-Type: application/x-www-form-urlencoded",
	NULL,
};
static const char *const aws_headers[] = {
	"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
	NULL,
};

/* clang-format off */
#define GET_BEARER(var, pid, pname, phost, ppath, fn)                  \
	static const struct ks_provider var = {                        \
		.id = pid, .name = pname, .method = "GET",             \
		.host = phost, .path = ppath, .auth = KS_VAUTH_BEARER, \
		.classify = fn,                                        \
	}
/* clang-format on */

GET_BEARER(p_deepseek, "deepseek", "DeepSeek", "api.deepseek.com",
	   "/user/balance", classify_deepseek);
GET_BEARER(p_openai, "openai", "OpenAI", "api.openai.com", "/v1/models",
	   classify_openai);
GET_BEARER(p_openai_admin, "openai-admin", "OpenAI (admin key)",
	   "api.openai.com", "/v1/organization/projects?limit=1",
	   classify_openai);
GET_BEARER(p_groq, "groq", "Groq", "api.groq.com", "/openai/v1/models",
	   classify_groq);
GET_BEARER(p_mistral, "mistral", "Mistral AI", "api.mistral.ai",
	   "/v1/models", classify_mistral);
GET_BEARER(p_xai, "xai", "xAI", "api.x.ai", "/v1/api-key", classify_xai);
GET_BEARER(p_huggingface, "huggingface", "Hugging Face", "huggingface.co",
	   "/api/whoami-v2", classify_huggingface);
GET_BEARER(p_openrouter, "openrouter", "OpenRouter", "openrouter.ai",
	   "/api/v1/key", classify_openrouter);

static const struct ks_provider p_anthropic = {
	.id = "anthropic",
	.name = "Anthropic",
	.method = "GET",
	.host = "api.anthropic.com",
	.path = "/v1/models",
	.auth = KS_VAUTH_HEADER,
	.auth_header = "x-api-key",
	.headers = anthropic_headers,
	.classify = classify_anthropic,
};

static const struct ks_provider p_anthropic_admin = {
	.id = "anthropic-admin",
	.name = "Anthropic (admin key)",
	.method = "GET",
	.host = "api.anthropic.com",
	.path = "/v1/organizations/me",
	.auth = KS_VAUTH_HEADER,
	.auth_header = "x-api-key",
	.headers = anthropic_headers,
	.classify = classify_anthropic_admin,
};

static const struct ks_provider p_google = {
	.id = "google-ai",
	.name = "Google AI (Gemini API)",
	.method = "GET",
	.host = "generativelanguage.googleapis.com",
	.path = "/v1beta/models?pageSize=1",
	.auth = KS_VAUTH_HEADER, /* never ?key= in the URL */
	.auth_header = "x-goog-api-key",
	.classify = classify_google,
};

static const struct ks_provider p_github = {
	.id = "github",
	.name = "GitHub",
	.method = "GET",
	.host = "api.github.com",
	.path = "/user",
	.auth = KS_VAUTH_BEARER,
	.headers = github_headers,
	.classify = classify_github,
};

static const struct ks_provider p_gitlab = {
	.id = "gitlab",
	.name = "GitLab",
	.method = "GET",
	.host = "gitlab.com",
	.path = "/api/v4/personal_access_tokens/self",
	.auth = KS_VAUTH_HEADER,
	.auth_header = "PRIVATE-TOKEN",
	.classify = classify_gitlab,
};

static const struct ks_provider p_slack = {
	.id = "slack",
	.name = "Slack",
	.method = "POST",
	.host = "slack.com",
	.path = "/api/auth.test",
	.auth = KS_VAUTH_BEARER,
	.headers = form_headers,
	.body = "",
	.classify = classify_slack,
};

static const struct ks_provider p_aws = {
	.id = "aws",
	.name = "AWS STS",
	.method = "POST",
	.host = "sts.amazonaws.com",
	.path = "/",
	.auth = KS_VAUTH_AWS_SIGV4,
	.headers = aws_headers,
	.aws_sigv4 = "aws:amz:us-east-1:sts",
	.body = "Action=GetCallerIdentity&Version=2011-06-15",
	.classify = classify_aws,
};

static const struct ks_provider *const providers[] = {
	&p_deepseek,  &p_openai,      &p_openai_admin, &p_anthropic,
	&p_anthropic_admin, &p_groq,  &p_mistral,      &p_xai,
	&p_google,    &p_huggingface, &p_openrouter,   &p_github,
	&p_gitlab,    &p_slack,	      &p_aws,
};

/* Built-in rule id -> provider. A rule id not here is not verifiable
 * (llm-sk-hex32-key: ambiguous; azure-openai-api-key: no host; webhooks:
 * posting sends a message; ...). aws-secret-access-key is verified with
 * the aws-access-key-id found next to it. */
static const struct {
	const char *rule_id;
	const struct ks_provider *p;
} rule_map[] = {
	{ "deepseek-api-key", &p_deepseek },
	{ "openai-api-key", &p_openai },
	{ "openai-project-api-key", &p_openai },
	{ "openai-service-account-key", &p_openai },
	{ "openai-admin-key", &p_openai_admin },
	{ "anthropic-api-key", &p_anthropic },
	{ "anthropic-admin-key", &p_anthropic_admin },
	{ "groq-api-key", &p_groq },
	{ "mistral-api-key", &p_mistral },
	{ "xai-api-key", &p_xai },
	{ "google-api-key", &p_google },
	{ "huggingface-token", &p_huggingface },
	{ "openrouter-api-key", &p_openrouter },
	{ "github-pat", &p_github },
	{ "github-oauth-token", &p_github },
	{ "github-app-token", &p_github },
	{ "github-fine-grained-pat", &p_github },
	{ "gitlab-pat", &p_gitlab },
	{ "slack-bot-token", &p_slack },
	{ "slack-user-token", &p_slack },
	{ "aws-secret-access-key", &p_aws },
};

const struct ks_provider *ks_provider_for_rule(const char *rule_id)
{
	size_t i;

	if (!rule_id)
		return NULL;
	for (i = 0; i < KS_ARRAY_SIZE(rule_map); i++)
		if (!strcmp(rule_map[i].rule_id, rule_id))
			return rule_map[i].p;
	return NULL;
}

const struct ks_provider *ks_provider_find(const char *id)
{
	size_t i;

	if (!id)
		return NULL;
	for (i = 0; i < KS_ARRAY_SIZE(providers); i++)
		if (!strcmp(providers[i]->id, id))
			return providers[i];
	return NULL;
}

const struct ks_provider *ks_provider_at(size_t i)
{
	return i < KS_ARRAY_SIZE(providers) ? providers[i] : NULL;
}

size_t ks_provider_nr(void)
{
	return KS_ARRAY_SIZE(providers);
}

const char *ks_provider_rule_at(size_t i, const struct ks_provider **p)
{
	if (i >= KS_ARRAY_SIZE(rule_map)) {
		if (p)
			*p = NULL;
		return NULL;
	}
	if (p)
		*p = rule_map[i].p;
	return rule_map[i].rule_id;
}
