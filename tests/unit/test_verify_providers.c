/* test_verify_providers.c - unit tests for the verification endpoint table
 * and the response classifiers (verify_providers.c): every documented
 * answer of /tmp/spec/providers.md, the answers every provider must call
 * unknown, sanitised details, and the rule-id map against the embedded
 * rules. */
#include "compat.h"
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "buf.h"
#include "rules.h"
#include "verify.h"
#include "unit.h"

/* ---- running a classifier ---- */

struct resp {
	long status;
	const char *ctype;	/* Content-Type; NULL: absent */
	const char *scopes;	/* X-OAuth-Scopes; NULL: absent */
	const char *body;
};

/* Classifies a copy of the body in a buffer of exactly len + 1 bytes, so
 * that the sanitizers catch a read past its end. */
static struct ks_verification *classify(const char *provider,
					const struct resp *in)
{
	const struct ks_provider *p = ks_provider_find(provider);
	struct ks_verification *v = ks_verification_new();
	size_t len = in->body ? strlen(in->body) : 0;
	char *body = NULL;
	struct ks_http_resp r;

	assert_non_null(p);
	if (in->body) {
		body = malloc(len + 1);
		assert_non_null(body);
		memcpy(body, in->body, len + 1);
	}
	memset(&r, 0, sizeof(r));
	r.status = in->status;
	r.body = body;
	r.body_len = len;
	r.content_type = in->ctype;
	r.oauth_scopes = in->scopes;
	v->http_status = in->status;
	p->classify(&r, v);
	free(body);
	return v;
}

/* "key=value;key=value" */
static void details_of(const struct ks_verification *v, struct ks_buf *out)
{
	size_t i;

	ks_buf_reset(out);
	for (i = 0; i < v->detail_nr; i++)
		ks_buf_addf(out, "%s%s=%s", i ? ";" : "", v->detail[i].key,
			    v->detail[i].value);
}

/* What every verdict must respect, whatever the response. */
static void check_invariants(const struct ks_verification *v)
{
	size_t i, j;

	assert_true(v->state >= KS_V_LIVE && v->state <= KS_V_UNKNOWN);
	if (v->state == KS_V_UNKNOWN) {
		assert_non_null(v->reason);
		assert_true(strlen(v->reason) > 0);
	}
	if (v->state == KS_V_UNKNOWN || v->state == KS_V_INVALID)
		assert_int_equal(v->detail_nr, 0);
	if (v->reason) {
		assert_true(strlen(v->reason) <= 120);
		for (j = 0; v->reason[j]; j++)
			assert_true(v->reason[j] >= 0x20 &&
				    v->reason[j] < 0x7f);
	}
	for (i = 0; i < v->detail_nr; i++) {
		const unsigned char *s =
			(const unsigned char *)v->detail[i].value;

		assert_true(strlen(v->detail[i].value) <= 80);
		for (j = 0; s[j]; j++)
			assert_true(s[j] >= 0x20 && s[j] != 0x7f);
	}
}

struct want {
	enum ks_vstate state;
	const char *details;	/* exact, "k=v;k=v"; "" for none */
	const char *reason;	/* substring of the reason; NULL: any */
};

static void expect(const char *provider, const struct resp *in,
		   const struct want *w)
{
	struct ks_verification *v = classify(provider, in);
	struct ks_buf d = KS_BUF_INIT;

	check_invariants(v);
	details_of(v, &d);
	if (v->state != w->state || strcmp(d.ptr, w->details) ||
	    (w->reason && (!v->reason || !strstr(v->reason, w->reason))))
		print_error("%s: HTTP %ld %.60s\n  got %s [%s] (%s)\n"
			    "  want %s [%s] (%s)\n",
			    provider, in->status,
			    in->body ? in->body : "(null)",
			    ks_vstate_name(v->state), d.ptr,
			    v->reason ? v->reason : "",
			    ks_vstate_name(w->state), w->details,
			    w->reason ? w->reason : "");
	assert_string_equal(ks_vstate_name(v->state),
			    ks_vstate_name(w->state));
	assert_string_equal(d.ptr, w->details);
	if (w->reason) {
		assert_non_null(v->reason);
		assert_non_null(strstr(v->reason, w->reason));
	}
	ks_buf_release(&d);
	ks_verification_free(v);
}

#define LIVE(d)	      { KS_V_LIVE, d, NULL }
#define RESTRICTED(d) { KS_V_LIVE_RESTRICTED, d, NULL }
#define INVALID	      { KS_V_INVALID, "", NULL }
#define UNKNOWN(r)    { KS_V_UNKNOWN, "", r }

struct doc_case {
	const char *provider;
	struct resp in;
	struct want want;
};

static void run_cases(const struct doc_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		expect(c[i].provider, &c[i].in, &c[i].want);
}

#define JSON "application/json"

/* ---- the documented bodies ---- */

#define DEEPSEEK_OK                                                        \
	"{\"is_available\":true,\"balance_infos\":[{\"currency\":\"CNY\"," \
	"\"total_balance\":\"110.00\",\"granted_balance\":\"10.00\","      \
	"\"topped_up_balance\":\"100.00\"}]}"
#define DEEPSEEK_401                                                     \
	"{\"error\":{\"message\":\"Authentication Fails, Your api key: " \
	"sk-*** is invalid\",\"type\":"                                  \
	"\"authentication_error\",\"param\":null,\"code\":"              \
	"\"invalid_request_error\"}}"
#define DEEPSEEK_402                                                 \
	"{\"error\":{\"message\":\"Insufficient Balance\",\"type\":" \
	"\"unknown_error\",\"param\":null,\"code\":\"invalid_request_error\"}}"
#define OPENAI_OK                                                       \
	"{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o\",\"object\":" \
	"\"model\",\"created\":1715367049,\"owned_by\":\"system\"}]}"
#define OPENAI_401                                                            \
	"{\"error\":{\"message\":\"Incorrect API key provided: sk-proj-abc. " \
	"You can find your API key at https://platform.openai.com/account/"   \
	"api-keys.\",\"type\":\"invalid_request_error\",\"param\":null,"      \
	"\"code\":\"invalid_api_key\"}}"
#define OPENAI_401_MSG                                                    \
	"{\"error\":{\"message\":\"Incorrect API key provided: sk-pr.\"," \
	"\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"
#define OPENAI_SCOPES                                                       \
	"{\"error\":{\"message\":\"You have insufficient permissions for "  \
	"this operation. Missing scopes: api.model.read. Check that you "   \
	"have the correct role in your organization (Reader, Writer, "      \
	"Owner) and project (Member, Owner), and if you're using a "        \
	"restricted API key, that it has the necessary scopes.\",\"type\":" \
	"\"invalid_request_error\",\"param\":null,\"code\":null}}"
#define OPENAI_QUOTA                                                         \
	"{\"error\":{\"message\":\"You exceeded your current quota, please " \
	"check your plan and billing details.\",\"type\":"                   \
	"\"insufficient_quota\",\"param\":null,\"code\":"                    \
	"\"insufficient_quota\"}}"
#define OPENAI_RATE                                                    \
	"{\"error\":{\"message\":\"Rate limit reached for requests\"," \
	"\"type\":\"requests\",\"param\":null,\"code\":"               \
	"\"rate_limit_exceeded\"}}"
#define OPENAI_COUNTRY                                                   \
	"{\"error\":{\"code\":\"unsupported_country_region_territory\"," \
	"\"message\":\"Country, region, or territory not supported\","   \
	"\"param\":null,\"type\":\"request_forbidden\"}}"
#define ANTHROPIC_OK                                                          \
	"{\"data\":[{\"type\":\"model\",\"id\":\"claude-sonnet-4-20250514\"," \
	"\"display_name\":\"Claude Sonnet 4\",\"created_at\":"                \
	"\"2025-05-22T00:00:00Z\"}],\"has_more\":false,\"first_id\":\"a\","   \
	"\"last_id\":\"b\"}"
#define ANTHROPIC_401                                                       \
	"{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\"," \
	"\"message\":\"invalid x-api-key\"}}"
#define ANTHROPIC_403                                                     \
	"{\"type\":\"error\",\"error\":{\"type\":\"permission_error\","   \
	"\"message\":\"Your API key does not have permission to use the " \
	"specified resource.\"}}"
#define ANTHROPIC_ORG \
	"{\"id\":\"org-uuid\",\"type\":\"organization\",\"name\":\"Acme\"}"
#define LIST_OK	      "{\"object\":\"list\",\"data\":[{\"id\":\"m\"}]}"
#define GROQ_401                                                \
	"{\"error\":{\"message\":\"Invalid API Key\",\"type\":" \
	"\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"
#define MISTRAL_401 "{\"message\":\"Unauthorized\",\"request_id\":\"r1\"}"
#define XAI_BODY(blocked)                                                      \
	"{\"redacted_api_key\":\"xai-...xyz\",\"user_id\":\"u\",\"name\":"     \
	"\"ci key\",\"create_time\":\"2025-01-01T00:00:00Z\",\"modify_time\":" \
	"\"2025-01-01T00:00:00Z\",\"modified_by\":\"u\",\"team_id\":\"t\","    \
	"\"acls\":[\"api-key:model:*\",\"api-key:endpoint:*\"],"               \
	"\"api_key_id\":\"k\"," blocked "}"
#define XAI_OK                                                       \
	XAI_BODY("\"team_blocked\":false,\"api_key_blocked\":false," \
		 "\"api_key_disabled\":false")
#define XAI_BAD                                                             \
	"{\"code\":\"Client specified an invalid argument\",\"error\":"     \
	"\"Incorrect API key provided: xa***yz. You can obtain an API key " \
	"from https://console.x.ai.\"}"
#define GOOGLE_OK                                               \
	"{\"models\":[{\"name\":\"models/gemini-2.0-flash\"}]," \
	"\"nextPageToken\":\"x\"}"
#define GOOGLE_ERR(code, status, reason)                                \
	"{\"error\":{\"code\":" code ",\"message\":\"m\",\"status\":\"" \
	status "\",\"details\":[{\"@type\":\"type.googleapis.com/"      \
	"google.rpc.ErrorInfo\",\"reason\":\"" reason "\",\"domain\":"  \
	"\"googleapis.com\",\"metadata\":{\"service\":"                 \
	"\"generativelanguage.googleapis.com\"}}]}}"
#define HF_OK                                                              \
	"{\"type\":\"user\",\"id\":\"1\",\"name\":\"alice\",\"fullname\":" \
	"\"Alice\",\"auth\":{\"type\":\"access_token\",\"accessToken\":"   \
	"{\"displayName\":\"ci\",\"role\":\"write\",\"createdAt\":\"x\"}}}"
#define HF_401 "{\"error\":\"Invalid credentials in Authorization header\"}"
#define OPENROUTER(limit)                                                  \
	"{\"data\":{\"label\":\"sk-or-v1-abc...xyz\",\"limit\":" limit     \
	",\"usage\":0.25,\"is_free_tier\":false,\"limit_remaining\":null," \
	"\"is_provisioning_key\":false}}"
#define GITHUB_OK "{\"login\":\"octocat\",\"id\":1,\"type\":\"User\"}"
#define GITHUB_401                                                \
	"{\"message\":\"Bad credentials\",\"documentation_url\":" \
	"\"https://docs.github.com/rest\",\"status\":\"401\"}"
#define GITHUB_403                                                 \
	"{\"message\":\"Resource not accessible by integration\"," \
	"\"documentation_url\":\"https://docs.github.com/rest\"}"
#define GITHUB_RATE                                                \
	"{\"message\":\"API rate limit exceeded for user ID 1.\"," \
	"\"documentation_url\":\"https://docs.github.com/rest\"}"
#define GITLAB_BODY(revoked, active, expires)                               \
	"{\"id\":4,\"name\":\"ci\",\"revoked\":" revoked ",\"created_at\":" \
	"\"x\",\"scopes\":[\"api\",\"read_user\"],\"user_id\":3,"           \
	"\"last_used_at\":null,\"active\":" active ",\"expires_at\":"       \
	expires "}"
#define GITLAB_OK GITLAB_BODY("false", "true", "\"2027-01-01\"")
#define GITLAB_403                                                        \
	"{\"error\":\"insufficient_scope\",\"error_description\":\"The "  \
	"request requires higher privileges than provided by the access " \
	"token.\",\"scope\":\"api read_api\"}"
#define SLACK_OK                                                              \
	"{\"ok\":true,\"url\":\"https://acme.slack.com/\",\"team\":\"Acme\"," \
	"\"user\":\"ci-bot\",\"team_id\":\"T0001\",\"user_id\":\"U0001\","    \
	"\"bot_id\":\"B0001\",\"is_enterprise_install\":false}"
#define SLACK_ERR(e) "{\"ok\":false,\"error\":\"" e "\"}"
#define AWS_OK                                                               \
	"<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/"  \
	"2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::"          \
	"123456789012:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>" \
	"123456789012</Account></GetCallerIdentityResult><ResponseMetadata>" \
	"<RequestId>x</RequestId></ResponseMetadata>"                        \
	"</GetCallerIdentityResponse>"
#define AWS_ERR(code)                                                         \
	"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">" \
	"<Error><Type>Sender</Type><Code>" code "</Code><Message>The "        \
	"security token included in the request is invalid.</Message>"        \
	"</Error><RequestId>x</RequestId></ErrorResponse>"
#define XML "text/xml"

/* The documented success answer of each provider, for the status and
 * cut-body checks. */
static const struct doc_case success[] = {
	{ "deepseek", { 200, JSON, NULL, DEEPSEEK_OK }, LIVE(NULL) },
	{ "openai", { 200, JSON, NULL, OPENAI_OK }, LIVE(NULL) },
	{ "openai-admin", { 200, JSON, NULL, OPENAI_OK }, LIVE(NULL) },
	{ "anthropic", { 200, JSON, NULL, ANTHROPIC_OK }, LIVE(NULL) },
	{ "anthropic-admin", { 200, JSON, NULL, ANTHROPIC_ORG }, LIVE(NULL) },
	{ "groq", { 200, JSON, NULL, LIST_OK }, LIVE(NULL) },
	{ "mistral", { 200, JSON, NULL, LIST_OK }, LIVE(NULL) },
	{ "xai", { 200, JSON, NULL, XAI_OK }, LIVE(NULL) },
	{ "google-ai", { 200, JSON, NULL, GOOGLE_OK }, LIVE(NULL) },
	{ "huggingface", { 200, JSON, NULL, HF_OK }, LIVE(NULL) },
	{ "openrouter", { 200, JSON, NULL, OPENROUTER("null") }, LIVE(NULL) },
	{ "github", { 200, JSON, "repo", GITHUB_OK }, LIVE(NULL) },
	{ "gitlab", { 200, JSON, NULL, GITLAB_OK }, LIVE(NULL) },
	{ "slack", { 200, JSON, NULL, SLACK_OK }, LIVE(NULL) },
	{ "aws", { 200, XML, NULL, AWS_OK }, LIVE(NULL) },
};

/* Every documented invalid-key answer, for the cut-body check. */
static const struct doc_case failure[] = {
	{ "deepseek", { 401, JSON, NULL, DEEPSEEK_401 }, INVALID },
	{ "openai", { 401, JSON, NULL, OPENAI_401 }, INVALID },
	{ "anthropic", { 401, JSON, NULL, ANTHROPIC_401 }, INVALID },
	{ "groq", { 401, JSON, NULL, GROQ_401 }, INVALID },
	{ "mistral", { 401, JSON, NULL, MISTRAL_401 }, INVALID },
	{ "xai", { 400, JSON, NULL, XAI_BAD }, INVALID },
	{ "google-ai",
	  { 400, JSON, NULL,
	    GOOGLE_ERR("400", "INVALID_ARGUMENT", "API_KEY_INVALID") },
	  INVALID },
	{ "huggingface", { 401, JSON, NULL, HF_401 }, INVALID },
	{ "github", { 401, JSON, NULL, GITHUB_401 }, INVALID },
	{ "gitlab", { 401, JSON, NULL, "{\"message\":\"401 Unauthorized\"}" },
	  INVALID },
	{ "slack", { 200, JSON, NULL, SLACK_ERR("invalid_auth") }, INVALID },
	{ "aws", { 403, XML, NULL, AWS_ERR("InvalidClientTokenId") }, INVALID },
};

/* ---- documented answers, provider by provider ---- */

static void test_deepseek(void **state)
{
	static const struct doc_case c[] = {
		{ "deepseek", { 200, JSON, NULL, DEEPSEEK_OK },
		  LIVE("is_available=true;balance=110.00 CNY") },
		{ "deepseek",
		  { 200, JSON, NULL,
		    "{\"is_available\":false,\"balance_infos\":[{\"currency\":"
		    "\"CNY\",\"total_balance\":\"0.00\"},{\"currency\":\"USD\","
		    "\"total_balance\":\"5.10\"}]}" },
		  LIVE("is_available=false;balance=0.00 CNY, 5.10 USD") },
		{ "deepseek", { 200, JSON, NULL, "{\"is_available\":true}" },
		  LIVE("is_available=true") },
		/* is_available is required, and must be a boolean */
		{ "deepseek",
		  { 200, JSON, NULL,
		    "{\"balance_infos\":[{\"currency\":\"CNY\","
		    "\"total_balance\":\"1.00\"}]}" },
		  UNKNOWN("HTTP 200 but the body is not the expected JSON") },
		{ "deepseek",
		  { 200, JSON, NULL, "{\"is_available\":\"true\"}" },
		  UNKNOWN("not the expected JSON") },
		{ "deepseek", { 401, JSON, NULL, DEEPSEEK_401 }, INVALID },
		{ "deepseek", { 402, JSON, NULL, DEEPSEEK_402 },
		  LIVE("is_available=false;balance=insufficient") },
		/* 401 without the documented body, 402 without it */
		{ "deepseek", { 401, JSON, NULL, "{\"error\":\"nope\"}" },
		  UNKNOWN("HTTP 401") },
		{ "deepseek", { 402, JSON, NULL, "{}" }, UNKNOWN("HTTP 402") },
		{ "deepseek", { 403, JSON, NULL, DEEPSEEK_401 },
		  UNKNOWN("HTTP 403") },
	};

	(void)state;
	run_cases(c, KS_ARRAY_SIZE(c));
}

static void openai_cases(const char *p)
{
	const struct doc_case c[] = {
		{ p, { 200, JSON, NULL, OPENAI_OK }, LIVE("") },
		{ p, { 200, JSON, NULL, "{\"object\":\"list\",\"data\":[]}" },
		  LIVE("") },
		{ p, { 401, JSON, NULL, OPENAI_401 }, INVALID },
		{ p, { 401, JSON, NULL, OPENAI_401_MSG }, INVALID },
		{ p, { 401, JSON, NULL, OPENAI_SCOPES },
		  RESTRICTED("missing_scopes=api.model.read") },
		{ p, { 429, JSON, NULL, OPENAI_QUOTA },
		  LIVE("quota=exhausted") },
		{ p, { 429, JSON, NULL, OPENAI_RATE },
		  UNKNOWN("HTTP 429 (rate limited)") },
		{ p, { 403, JSON, NULL, OPENAI_COUNTRY }, UNKNOWN("HTTP 403") },
		{ p, { 200, JSON, NULL, "{\"object\":\"model\",\"id\":\"x\"}" },
		  UNKNOWN("not the expected JSON") },
		{ p, { 200, JSON, NULL, "{\"object\":\"list\"}" },
		  UNKNOWN("not the expected JSON") },
		/* the quota answer only counts on a 429 */
		{ p, { 400, JSON, NULL, OPENAI_QUOTA }, UNKNOWN("HTTP 400") },
		/* invalid_api_key only counts on a 401 */
		{ p, { 403, JSON, NULL, OPENAI_401 }, UNKNOWN("HTTP 403") },
	};

	run_cases(c, KS_ARRAY_SIZE(c));
}

static void test_openai(void **state)
{
	(void)state;
	openai_cases("openai");
	openai_cases("openai-admin");
}

static void test_anthropic(void **state)
{
	static const struct doc_case c[] = {
		{ "anthropic", { 200, JSON, NULL, ANTHROPIC_OK }, LIVE("") },
		{ "anthropic", { 401, JSON, NULL, ANTHROPIC_401 }, INVALID },
		{ "anthropic", { 403, JSON, NULL, ANTHROPIC_403 },
		  RESTRICTED("") },
		{ "anthropic", { 200, JSON, NULL, "{\"data\":{}}" },
		  UNKNOWN("not the expected JSON") },
		{ "anthropic", { 401, JSON, NULL, ANTHROPIC_403 },
		  UNKNOWN("HTTP 401") },
		{ "anthropic", { 403, JSON, NULL, ANTHROPIC_401 },
		  UNKNOWN("HTTP 403") },
		{ "anthropic-admin", { 200, JSON, NULL, ANTHROPIC_ORG },
		  LIVE("organization=Acme") },
		{ "anthropic-admin", { 401, JSON, NULL, ANTHROPIC_401 },
		  INVALID },
		{ "anthropic-admin", { 403, JSON, NULL, ANTHROPIC_403 },
		  RESTRICTED("") },
		/* a model list is not an organization */
		{ "anthropic-admin", { 200, JSON, NULL, ANTHROPIC_OK },
		  UNKNOWN("not the expected JSON") },
		{ "anthropic-admin",
		  { 200, JSON, NULL, "{\"id\":\"x\",\"type\":\"user\"}" },
		  UNKNOWN("not the expected JSON") },
	};

	(void)state;
	run_cases(c, KS_ARRAY_SIZE(c));
}

static void test_groq_mistral(void **state)
{
	static const struct doc_case c[] = {
		{ "groq", { 200, JSON, NULL, LIST_OK }, LIVE("") },
		{ "groq", { 401, JSON, NULL, GROQ_401 }, INVALID },
		{ "groq", { 403, JSON, NULL, GROQ_401 }, UNKNOWN("HTTP 403") },
		{ "groq", { 401, JSON, NULL, MISTRAL_401 },
		  UNKNOWN("HTTP 401") },
		{ "mistral", { 200, JSON, NULL, LIST_OK }, LIVE("") },
		{ "mistral", { 401, JSON, NULL, MISTRAL_401 }, INVALID },
		{ "mistral", { 401, JSON, NULL, GROQ_401 },
		  UNKNOWN("HTTP 401") },
		{ "mistral", { 200, JSON, NULL, "{\"data\":[]}" },
		  UNKNOWN("not the expected JSON") },
	};

	(void)state;
	run_cases(c, KS_ARRAY_SIZE(c));
}

static void test_xai(void **state)
{
	static const struct doc_case c[] = {
		{ "xai", { 200, JSON, NULL, XAI_OK },
		  LIVE("name=ci key;acls=api-key:model:*,api-key:endpoint:*") },
		{ "xai",
		  { 200, JSON, NULL,
		    XAI_BODY("\"team_blocked\":false,\"api_key_blocked\":false,"
			     "\"api_key_disabled\":true") },
		  UNKNOWN("the key is blocked or disabled") },
		{ "xai",
		  { 200, JSON, NULL,
		    XAI_BODY("\"team_blocked\":false,\"api_key_blocked\":true,"
			     "\"api_key_disabled\":false") },
		  UNKNOWN("the key is blocked or disabled") },
		{ "xai",
		  { 200, JSON, NULL,
		    XAI_BODY("\"team_blocked\":true,\"api_key_blocked\":false,"
			     "\"api_key_disabled\":false") },
		  UNKNOWN("the key is blocked or disabled") },
		{ "xai", { 400, JSON, NULL, XAI_BAD }, INVALID },
		{ "xai", { 401, JSON, NULL, XAI_BAD }, INVALID },
		{ "xai", { 403, JSON, NULL, XAI_BAD }, UNKNOWN("HTTP 403") },
		/* api_key_id is required */
		{ "xai", { 200, JSON, NULL, "{\"name\":\"ci\",\"acls\":[]}" },
		  UNKNOWN("not the expected JSON") },
		{ "xai", { 401, JSON, NULL, "{\"error\":\"something else\"}" },
		  UNKNOWN("HTTP 401") },
	};

	(void)state;
	run_cases(c, KS_ARRAY_SIZE(c));
}

static void test_google(void **state)
{
	static const char *const restricted[] = {
		"SERVICE_DISABLED",
		"API_KEY_SERVICE_BLOCKED",
		"API_KEY_HTTP_REFERRER_BLOCKED",
		"API_KEY_IP_ADDRESS_BLOCKED",
		"API_KEY_ANDROID_APP_BLOCKED",
		"API_KEY_IOS_APP_BLOCKED",
	};
	static const struct doc_case c[] = {
		{ "google-ai", { 200, JSON, NULL, GOOGLE_OK }, LIVE("") },
		{ "google-ai",
		  { 400, JSON, NULL,
		    GOOGLE_ERR("400", "INVALID_ARGUMENT", "API_KEY_INVALID") },
		  INVALID },
		{ "google-ai",
		  { 403, JSON, NULL,
		    GOOGLE_ERR("403", "PERMISSION_DENIED",
			       "SERVICE_DISABLED") },
		  RESTRICTED("restriction=SERVICE_DISABLED") },
		/* the reason decides, on its documented status only */
		{ "google-ai",
		  { 403, JSON, NULL,
		    GOOGLE_ERR("403", "PERMISSION_DENIED", "API_KEY_INVALID") },
		  UNKNOWN("HTTP 403") },
		{ "google-ai",
		  { 400, JSON, NULL,
		    GOOGLE_ERR("400", "INVALID_ARGUMENT", "SERVICE_DISABLED") },
		  UNKNOWN("HTTP 400") },
		{ "google-ai",
		  { 403, JSON, NULL,
		    GOOGLE_ERR("403", "PERMISSION_DENIED",
			       "RATE_LIMIT_EXCEEDED") },
		  UNKNOWN("HTTP 403") },
		{ "google-ai",
		  { 400, JSON, NULL,
		    "{\"error\":{\"code\":400,\"message\":\"API key not valid. "
		    "Please pass a valid API key.\",\"status\":"
		    "\"INVALID_ARGUMENT\"}}" },
		  UNKNOWN("HTTP 400") },
		{ "google-ai", { 200, JSON, NULL, "{\"models\":{}}" },
		  UNKNOWN("not the expected JSON") },
	};
	struct ks_buf body = KS_BUF_INIT, want = KS_BUF_INIT;
	size_t i;

	(void)state;
	run_cases(c, KS_ARRAY_SIZE(c));
	for (i = 0; i < KS_ARRAY_SIZE(restricted); i++) {
		struct resp in = { 403, JSON, NULL, NULL };
		struct want w = RESTRICTED(NULL);

		ks_buf_reset(&body);
		ks_buf_addf(&body,
			    GOOGLE_ERR("403", "PERMISSION_DENIED", "%s"),
			    restricted[i]);
		ks_buf_reset(&want);
		ks_buf_addf(&want, "restriction=%s", restricted[i]);
		in.body = body.ptr;
		w.details = want.ptr;
		expect("google-ai", &in, &w);
	}
	ks_buf_release(&body);
	ks_buf_release(&want);
}

static void test_huggingface(void **state)
{
	static const struct doc_case c[] = {
		{ "huggingface", { 200, JSON, NULL, HF_OK },
		  LIVE("user=alice;role=write") },
		{ "huggingface",
		  { 200, JSON, NULL, "{\"type\":\"org\",\"name\":\"acme\"}" },
		  LIVE("user=acme") },
		{ "huggingface", { 401, JSON, NULL, HF_401 }, INVALID },
		{ "huggingface", { 200, JSON, NULL, "{\"type\":\"user\"}" },
		  UNKNOWN("not the expected JSON") },
		{ "huggingface", { 401, JSON, NULL, "{\"error\":\"other\"}" },
		  UNKNOWN("HTTP 401") },
	};

	(void)state;
	run_cases(c, KS_ARRAY_SIZE(c));
}

static void test_openrouter(void **state)
{
	static const struct doc_case c[] = {
		{ "openrouter", { 200, JSON, NULL, OPENROUTER("null") },
		  LIVE("limit=none;usage=0.25") },
		{ "openrouter", { 200, JSON, NULL, OPENROUTER("10") },
		  LIVE("limit=10;usage=0.25") },
		{ "openrouter", { 200, JSON, NULL, OPENROUTER("12.5") },
		  LIVE("limit=12.5;usage=0.25") },
		{ "openrouter",
		  { 401, JSON, NULL,
		    "{\"error\":{\"message\":\"No auth credentials found\","
		    "\"code\":401}}" },
		  INVALID },
		{ "openrouter",
		  { 401, JSON, NULL,
		    "{\"error\":{\"message\":\"User not found.\","
		    "\"code\":401}}" },
		  INVALID },
		{ "openrouter",
		  { 401, JSON, NULL,
		    "{\"error\":{\"message\":\"Key disabled\",\"code\":401}}" },
		  UNKNOWN("HTTP 401") },
		{ "openrouter", { 200, JSON, NULL, OPENROUTER("\"lots\"") },
		  UNKNOWN("not the expected JSON") },
		{ "openrouter",
		  { 200, JSON, NULL,
		    "{\"data\":{\"label\":\"sk-or-v1-abc\"}}" },
		  UNKNOWN("not the expected JSON") },
	};

	(void)state;
	run_cases(c, KS_ARRAY_SIZE(c));
}

static void test_github(void **state)
{
	static const struct doc_case c[] = {
		{ "github", { 200, JSON, "repo, read:org", GITHUB_OK },
		  LIVE("login=octocat;scopes=repo, read:org") },
		{ "github", { 200, JSON, "", GITHUB_OK },
		  LIVE("login=octocat;scopes=none listed") },
		{ "github", { 200, JSON, NULL, GITHUB_OK },
		  LIVE("login=octocat;scopes=none listed") },
		{ "github", { 401, JSON, NULL, GITHUB_401 }, INVALID },
		{ "github", { 403, JSON, NULL, GITHUB_403 }, RESTRICTED("") },
		{ "github",
		  { 401, JSON, NULL,
		    "{\"message\":\"Requires authentication\"}" },
		  UNKNOWN("HTTP 401") },
		{ "github", { 403, JSON, NULL, GITHUB_RATE },
		  UNKNOWN("HTTP 403") },
		{ "github", { 403, JSON, NULL, GITHUB_401 },
		  UNKNOWN("HTTP 403") },
		{ "github", { 200, JSON, "repo", "{\"id\":1}" },
		  UNKNOWN("not the expected JSON") },
	};

	(void)state;
	run_cases(c, KS_ARRAY_SIZE(c));
}

static void test_gitlab(void **state)
{
	static const struct doc_case c[] = {
		{ "gitlab", { 200, JSON, NULL, GITLAB_OK },
		  LIVE("name=ci;scopes=api,read_user;expires_at=2027-01-01") },
		{ "gitlab",
		  { 200, JSON, NULL, GITLAB_BODY("false", "true", "null") },
		  LIVE("name=ci;scopes=api,read_user;expires_at=never") },
		{ "gitlab",
		  { 200, JSON, NULL,
		    GITLAB_BODY("true", "true", "\"2027-01-01\"") },
		  INVALID },
		{ "gitlab",
		  { 200, JSON, NULL,
		    GITLAB_BODY("false", "false", "\"2027-01-01\"") },
		  INVALID },
		{ "gitlab",
		  { 401, JSON, NULL, "{\"message\":\"401 Unauthorized\"}" },
		  INVALID },
		{ "gitlab", { 403, JSON, NULL, GITLAB_403 }, RESTRICTED("") },
		{ "gitlab", { 200, JSON, NULL, "{\"id\":4,\"name\":\"ci\"}" },
		  UNKNOWN("not the expected JSON") },
		{ "gitlab",
		  { 401, JSON, NULL, "{\"error\":\"invalid_token\"}" },
		  UNKNOWN("HTTP 401") },
	};

	(void)state;
	run_cases(c, KS_ARRAY_SIZE(c));
}

static void test_slack(void **state)
{
	static const char *const invalid[] = {
		"invalid_auth",	   "token_revoked", "token_expired",
		"account_inactive", "not_authed",
	};
	static const struct doc_case c[] = {
		{ "slack", { 200, JSON, NULL, SLACK_OK },
		  LIVE("team=Acme;user=ci-bot") },
		{ "slack", { 200, JSON, NULL, SLACK_ERR("anything_else") },
		  UNKNOWN("slack: anything_else") },
		{ "slack", { 200, JSON, NULL, SLACK_ERR("ratelimited") },
		  UNKNOWN("slack: ratelimited") },
		/* ok must be a boolean true; errors only count on a 200 */
		{ "slack", { 200, JSON, NULL, "{\"ok\":\"true\"}" },
		  UNKNOWN("not the expected JSON") },
		{ "slack", { 200, JSON, NULL, "{\"ok\":true}" },
		  UNKNOWN("not the expected JSON") },
		{ "slack", { 401, JSON, NULL, SLACK_ERR("invalid_auth") },
		  UNKNOWN("HTTP 401") },
	};
	struct ks_buf body = KS_BUF_INIT;
	size_t i;

	(void)state;
	run_cases(c, KS_ARRAY_SIZE(c));
	for (i = 0; i < KS_ARRAY_SIZE(invalid); i++) {
		struct resp in = { 200, JSON, NULL, NULL };
		struct want w = INVALID;

		ks_buf_reset(&body);
		ks_buf_addf(&body, SLACK_ERR("%s"), invalid[i]);
		in.body = body.ptr;
		expect("slack", &in, &w);
	}
	ks_buf_release(&body);
}

static void test_aws(void **state)
{
	static const struct doc_case c[] = {
		{ "aws", { 200, XML, NULL, AWS_OK },
		  LIVE("account=123456789012;"
		       "arn=arn:aws:iam::123456789012:user/alice") },
		{ "aws", { 403, XML, NULL, AWS_ERR("InvalidClientTokenId") },
		  INVALID },
		{ "aws", { 403, XML, NULL, AWS_ERR("ExpiredToken") }, INVALID },
		{ "aws", { 403, XML, NULL, AWS_ERR("SignatureDoesNotMatch") },
		  UNKNOWN("the secret does not match the key id (or the "
			  "request was signed wrongly)") },
		{ "aws", { 403, XML, NULL, AWS_ERR("AccessDenied") },
		  RESTRICTED("") },
		{ "aws", { 403, XML, NULL, AWS_ERR("Throttling") },
		  UNKNOWN("HTTP 403") },
		{ "aws", { 400, XML, NULL, AWS_ERR("InvalidClientTokenId") },
		  UNKNOWN("HTTP 400") },
		{ "aws", { 200, XML, NULL, AWS_ERR("InvalidClientTokenId") },
		  UNKNOWN("HTTP 200 but the body is not the expected XML") },
		/* an account id is 12 digits */
		{ "aws",
		  { 200, XML, NULL,
		    "<GetCallerIdentityResponse><GetCallerIdentityResult>"
		    "<Arn>arn:aws:iam::1:user/a</Arn><Account>1</Account>"
		    "</GetCallerIdentityResult></GetCallerIdentityResponse>" },
		  UNKNOWN("not the expected XML") },
		{ "aws", { 200, JSON, NULL, "{\"unexpected\":true}" },
		  UNKNOWN("not the expected XML") },
	};

	(void)state;
	run_cases(c, KS_ARRAY_SIZE(c));
}

/* ---- what every provider must call unknown ---- */

static const char *const provider_ids[] = {
	"deepseek",   "openai",	     "openai-admin", "anthropic",
	"anthropic-admin", "groq",   "mistral",	     "xai",
	"google-ai",  "huggingface", "openrouter",   "github",
	"gitlab",     "slack",	     "aws",
};

static const struct doc_case *success_of(const char *p)
{
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(success); i++)
		if (!strcmp(success[i].provider, p))
			return &success[i];
	fail_msg("no success body for %s", p);
	return NULL;
}

static void test_generic_unknown(void **state)
{
	size_t i, j;

	(void)state;
	assert_int_equal(KS_ARRAY_SIZE(provider_ids), ks_provider_nr());
	for (i = 0; i < KS_ARRAY_SIZE(provider_ids); i++) {
		const char *p = provider_ids[i];
		bool xml = !strcmp(p, "aws");
		const char *ok = success_of(p)->in.body;
		const char *fmt = xml ? "the body is not the expected XML" :
					"the body is not the expected JSON";
		const struct doc_case c[] = {
			{ p, { 500, JSON, NULL, "{\"error\":\"internal\"}" },
			  UNKNOWN("HTTP 500") },
			{ p, { 503, NULL, NULL, "" }, UNKNOWN("HTTP 503") },
			{ p, { 429, JSON, NULL, "{\"error\":\"slow down\"}" },
			  UNKNOWN("HTTP 429 (rate limited)") },
			{ p, { 302, NULL, NULL, "" },
			  UNKNOWN("HTTP 302 (redirects are not followed)") },
			{ p, { 301, JSON, NULL, ok },
			  UNKNOWN("redirects are not followed") },
			{ p,
			  { 200, "text/html; charset=utf-8", NULL,
			    "<html><body>Sign in</body></html>" },
			  UNKNOWN("HTTP 200 but text/html") },
			{ p,
			  { 200, NULL, NULL, "<!DOCTYPE html><html></html>" },
			  UNKNOWN("text/html") },
			/* a success body served as HTML is still HTML */
			{ p, { 200, "text/html", NULL, ok },
			  UNKNOWN("text/html") },
			{ p, { 200, JSON, NULL, "{\"unexpected\":true}" },
			  UNKNOWN(fmt) },
			{ p, { 200, JSON, NULL, "not json" }, UNKNOWN(fmt) },
			{ p, { 200, JSON, NULL, "" }, UNKNOWN(fmt) },
			{ p, { 200, JSON, NULL, NULL }, UNKNOWN(fmt) },
			{ p, { 200, JSON, NULL, "[1,2]" }, UNKNOWN(fmt) },
			{ p, { 200, JSON, NULL, "null" }, UNKNOWN(fmt) },
			/* the success body with any other status */
			{ p, { 500, JSON, NULL, ok }, UNKNOWN("HTTP 500") },
			{ p, { 201, JSON, NULL, ok }, UNKNOWN("HTTP 201") },
			{ p, { 204, JSON, NULL, ok }, UNKNOWN("HTTP 204") },
			{ p, { 404, JSON, NULL, ok }, UNKNOWN("HTTP 404") },
			{ p, { 429, JSON, NULL, ok },
			  UNKNOWN("HTTP 429 (rate limited)") },
			{ p, { 100, JSON, NULL, ok }, UNKNOWN("HTTP 100") },
			{ p, { 0, NULL, NULL, NULL },
			  UNKNOWN("no HTTP response") },
		};

		for (j = 0; j < KS_ARRAY_SIZE(c); j++) {
			/* the XML provider has its own answer to JSON */
			if (xml && c[j].in.body && c[j].in.body[0] == '{' &&
			    c[j].in.status == 200)
				continue;
			expect(c[j].provider, &c[j].in, &c[j].want);
		}
		if (xml)
			expect(p,
			       &(struct resp){ 200, JSON, NULL,
					       "{\"unexpected\":true}" },
			       &(struct want)UNKNOWN(fmt));
	}
}

/* A cut answer (the 64 KiB cap, a dropped connection) is no answer: no
 * strict prefix of a documented live or invalid body may decide. */
static void cut_bodies(const struct doc_case *c, size_t n)
{
	struct ks_buf cut = KS_BUF_INIT;
	size_t i, len;

	for (i = 0; i < n; i++) {
		for (len = 0; len < strlen(c[i].in.body); len++) {
			struct resp in = c[i].in;
			struct ks_verification *v;

			ks_buf_reset(&cut);
			ks_buf_add(&cut, c[i].in.body, len);
			in.body = cut.ptr;
			v = classify(c[i].provider, &in);
			check_invariants(v);
			if (v->state != KS_V_UNKNOWN)
				fail_msg("%s: %zu of %zu bytes gave %s",
					 c[i].provider, len,
					 strlen(c[i].in.body),
					 ks_vstate_name(v->state));
			ks_verification_free(v);
		}
	}
	ks_buf_release(&cut);
}

/* A documented failure body decides only with its documented status. */
static void test_failure_other_status(void **state)
{
	static const long other[] = { 402, 404, 405, 409, 410, 422 };
	size_t i, j;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(failure); i++) {
		for (j = 0; j < KS_ARRAY_SIZE(other); j++) {
			struct resp in = failure[i].in;
			struct want w = UNKNOWN(NULL);

			in.status = other[j];
			expect(failure[i].provider, &in, &w);
		}
	}
}

static void test_cut_bodies(void **state)
{
	(void)state;
	cut_bodies(success, KS_ARRAY_SIZE(success));
	cut_bodies(failure, KS_ARRAY_SIZE(failure));
}

/* Trailing bytes after the JSON value make it no JSON; white space is
 * fine. */
static void test_trailing_bytes(void **state)
{
	const struct doc_case c[] = {
		{ "deepseek", { 200, JSON, NULL, DEEPSEEK_OK " x" },
		  UNKNOWN("not the expected JSON") },
		{ "deepseek", { 200, JSON, NULL, DEEPSEEK_OK "{}" },
		  UNKNOWN("not the expected JSON") },
		{ "deepseek", { 200, JSON, NULL, DEEPSEEK_OK "\r\n" },
		  LIVE("is_available=true;balance=110.00 CNY") },
		{ "deepseek", { 200, JSON, NULL, " \n" DEEPSEEK_OK },
		  LIVE("is_available=true;balance=110.00 CNY") },
	};

	(void)state;
	run_cases(c, KS_ARRAY_SIZE(c));
}

/* Random statuses and bodies spliced from documented ones: no crash, the
 * invariants hold, and 3xx/5xx/HTML are always unknown. */
static void test_random_answers(void **state)
{
	static const long statuses[] = { 0,   100, 200, 201, 204, 301, 302,
					 304, 400, 401, 402, 403, 404, 429,
					 500, 502, 503, 599, 600, 999 };
	struct ks_buf body = KS_BUF_INIT;
	size_t round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		const struct doc_case *a, *b;
		const char *p;
		size_t la, lb, cut, from;
		struct resp in = { 0, JSON, NULL, NULL };

		a = &success[t_below(KS_ARRAY_SIZE(success))];
		b = &failure[t_below(KS_ARRAY_SIZE(failure))];
		p = provider_ids[t_below(KS_ARRAY_SIZE(provider_ids))];
		la = strlen(a->in.body);
		lb = strlen(b->in.body);
		cut = t_below(la + 1);
		from = t_below(lb + 1);
		in.status = statuses[t_below(KS_ARRAY_SIZE(statuses))];
		if (!t_below(8))
			in.ctype = "text/html";
		struct ks_verification *v;

		ks_buf_reset(&body);
		ks_buf_add(&body, a->in.body, cut);
		ks_buf_add(&body, b->in.body + from, lb - from);
		if (t_below(4) == 0 && body.len)
			body.ptr[t_below(body.len)] = (char)t_rand();
		in.body = body.ptr;
		v = classify(p, &in);
		check_invariants(v);
		if ((in.status >= 300 && in.status < 400) || in.status >= 500 ||
		    in.status < 200 || strcmp(in.ctype, JSON))
			assert_int_equal(v->state, KS_V_UNKNOWN);
		ks_verification_free(v);
	}
	ks_buf_release(&body);
}

/* ---- what may come from a body ---- */

static void test_details_sanitised(void **state)
{
	struct ks_buf body = KS_BUF_INIT, name = KS_BUF_INIT;
	struct ks_verification *v;
	struct resp in = { 200, JSON, NULL, NULL };
	size_t i;

	(void)state;
	/* long: cut to 80 bytes, ending in "..." */
	for (i = 0; i < 300; i++)
		ks_buf_addch(&name, 'a' + (int)(i % 26));
	ks_buf_addf(&body, "{\"name\":\"%s\"}", name.ptr);
	in.body = body.ptr;
	v = classify("huggingface", &in);
	check_invariants(v);
	assert_int_equal(v->state, KS_V_LIVE);
	assert_int_equal(strlen(v->detail[0].value), 80);
	assert_memory_equal(v->detail[0].value, name.ptr, 77);
	assert_string_equal(v->detail[0].value + 77, "...");
	ks_verification_free(v);

	/* controls, DEL, C1, bidi and ill-formed bytes become '?';
	 * ordinary UTF-8 is kept */
	ks_buf_reset(&body);
	ks_buf_adds(&body, "{\"name\":\"a\\u0001b\\nc\\u007fd\\u0085e"
			   "\\u202ef\xff" "g Zo\xc3\xab\"}");
	in.body = body.ptr;
	v = classify("huggingface", &in);
	check_invariants(v);
	assert_int_equal(v->state, KS_V_LIVE);
	assert_string_equal(v->detail[0].value, "a?b?c?d?e?f?g Zo\xc3\xab");
	ks_verification_free(v);

	/* a cut never splits a UTF-8 character */
	ks_buf_reset(&body);
	ks_buf_adds(&body, "{\"name\":\"a");
	for (i = 0; i < 60; i++)
		ks_buf_adds(&body, "\xc3\xab");
	ks_buf_adds(&body, "\"}");
	in.body = body.ptr;
	v = classify("huggingface", &in);
	check_invariants(v);
	assert_true(strlen(v->detail[0].value) <= 80);
	assert_string_equal(v->detail[0].value +
				    strlen(v->detail[0].value) - 3,
			    "...");
	assert_int_equal((strlen(v->detail[0].value) - 4) % 2, 0);
	ks_verification_free(v);

	ks_buf_release(&body);
	ks_buf_release(&name);
}

/* The key is not given to a classifier, but providers echo it (or part
 * of it): no reason or detail may carry what they echo. */
static void test_no_echo(void **state)
{
	char key[3 + 32 + 1], hex[33];
	struct ks_buf body = KS_BUF_INIT;
	struct ks_verification *v;
	size_t i;
	const struct {
		const char *p;
		long status;
		const char *fmt;
	} c[] = {
		{ "deepseek", 401,
		  "{\"error\":{\"message\":\"Authentication Fails, Your api "
		  "key: %s is invalid\",\"type\":\"authentication_error\"}}" },
		{ "openai", 401,
		  "{\"error\":{\"message\":\"Incorrect API key provided: %s.\","
		  "\"code\":\"invalid_api_key\"}}" },
		{ "openai", 403,
		  "{\"error\":{\"message\":\"%s\",\"code\":\"x\"}}" },
		{ "xai", 400,
		  "{\"error\":\"Incorrect API key provided: %s\"}" },
		{ "openrouter", 200,
		  "{\"data\":{\"label\":\"%s\",\"limit\":null,\"usage\":1}}" },
		{ "slack", 200, "{\"ok\":false,\"error\":\"%s\"}" },
		{ "gitlab", 401, "{\"message\":\"%s\"}" },
		/* a key where a code would be */
		{ "openai", 403, "{\"error\":{\"code\":\"%s\"}}" },
		{ "openai", 403, "{\"error\":{\"type\":\"%s\"}}" },
		{ "huggingface", 403, "{\"error\":\"%s\"}" },
		{ "mistral", 400, "{\"code\":\"%s\"}" },
		{ "github", 403, "{\"message\":\"%s\"}" },
	};

	(void)state;
	t_rand_norun(hex, 32, T_HEX);
	snprintf(key, sizeof(key), "sk-%s", hex);
	for (i = 0; i < KS_ARRAY_SIZE(c); i++) {
		struct resp in = { c[i].status, JSON, NULL, NULL };
		size_t j;

		ks_buf_reset(&body);
		ks_buf_addf(&body, c[i].fmt, key);
		in.body = body.ptr;
		v = classify(c[i].p, &in);
		check_invariants(v);
		if (v->reason && strstr(v->reason, hex + 8))
			fail_msg("%s: the reason holds the key: %s", c[i].p,
				 v->reason);
		for (j = 0; j < v->detail_nr; j++)
			if (strstr(v->detail[j].value, hex + 8))
				fail_msg("%s: detail %s holds the key", c[i].p,
					 v->detail[j].key);
		ks_verification_free(v);
	}
	ks_buf_release(&body);
}

/* ---- the table ---- */

static bool dns_name(const char *h)
{
	size_t i, label = 0;
	bool alpha = false;

	if (!*h || strlen(h) > 253 || h[0] == '.' || h[strlen(h) - 1] == '.')
		return false;
	for (i = 0; h[i]; i++) {
		char c = h[i];

		if (c == '.') {
			if (!label || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (c == '-' && !label)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
		if (c >= 'a' && c <= 'z')
			alpha = true;
		if (++label > 63)
			return false;
	}
	return alpha && strchr(h, '.') != NULL;
}

static void test_table_shape(void **state)
{
	size_t i, j;

	(void)state;
	assert_true(ks_provider_nr() > 0);
	assert_null(ks_provider_at(ks_provider_nr()));
	for (i = 0; i < ks_provider_nr(); i++) {
		const struct ks_provider *p = ks_provider_at(i);
		char lower[256];

		assert_non_null(p);
		assert_non_null(p->id);
		assert_non_null(p->name);
		assert_non_null(p->classify);
		assert_ptr_equal(ks_provider_find(p->id), p);
		for (j = 0; j < i; j++)
			assert_string_not_equal(ks_provider_at(j)->id, p->id);
		if (!dns_name(p->host))
			fail_msg("%s: host '%s' is not a plain DNS name", p->id,
				 p->host);
		assert_int_equal(p->path[0], '/');
		assert_null(strchr(p->host, '{'));
		assert_null(strchr(p->path, '{'));
		assert_null(strchr(p->path, '#'));
		for (j = 0; p->path[j] && j + 1 < sizeof(lower); j++)
			lower[j] = (char)tolower((unsigned char)p->path[j]);
		lower[j] = '\0';
		assert_null(strstr(lower, "key="));
		assert_null(strstr(lower, "token="));
		assert_null(strstr(p->host, "key="));
		for (j = 0; p->path[j]; j++)
			assert_true(p->path[j] > 0x20 && p->path[j] < 0x7f);
		assert_true(!strcmp(p->method, "GET") ||
			    !strcmp(p->method, "POST"));
		/* a POST carries its fixed body, a GET none */
		if (!strcmp(p->method, "POST"))
			assert_non_null(p->body);
		else
			assert_null(p->body);
		if (p->auth == KS_VAUTH_HEADER) {
			assert_non_null(p->auth_header);
			assert_true(strlen(p->auth_header) > 0);
			assert_null(strchr(p->auth_header, ':'));
		}
		if (p->auth == KS_VAUTH_AWS_SIGV4)
			assert_non_null(p->aws_sigv4);
		else
			assert_null(p->aws_sigv4);
		for (j = 0; p->headers && p->headers[j]; j++) {
			const char *colon = strchr(p->headers[j], ':');

			/* "Name: value", no CR/LF smuggling */
			assert_non_null(colon);
			assert_true(colon > p->headers[j]);
			assert_int_equal(colon[1], ' ');
			assert_null(strpbrk(p->headers[j], "\r\n"));
			assert_null(strcasestr(p->headers[j], "authorization"));
		}
	}
	assert_null(ks_provider_find("no-such-provider"));
	assert_null(ks_provider_find(NULL));
}

struct expect_provider {
	const char *id, *method, *host, *path;
	enum ks_vauth auth;
	const char *auth_header;
	const char *header;	/* one extra header it must send */
};

static void test_table_endpoints(void **state)
{
	static const struct expect_provider e[] = {
		{ "deepseek", "GET", "api.deepseek.com", "/user/balance",
		  KS_VAUTH_BEARER, NULL, NULL },
		{ "openai", "GET", "api.openai.com", "/v1/models",
		  KS_VAUTH_BEARER, NULL, NULL },
		{ "openai-admin", "GET", "api.openai.com",
		  "/v1/organization/projects?limit=1", KS_VAUTH_BEARER, NULL,
		  NULL },
		{ "anthropic", "GET", "api.anthropic.com", "/v1/models",
		  KS_VAUTH_HEADER, "x-api-key",
		  "anthropic-version: 2023-06-01" },
		{ "anthropic-admin", "GET", "api.anthropic.com",
		  "/v1/organizations/me", KS_VAUTH_HEADER, "x-api-key",
		  "anthropic-version: 2023-06-01" },
		{ "groq", "GET", "api.groq.com", "/openai/v1/models",
		  KS_VAUTH_BEARER, NULL, NULL },
		{ "mistral", "GET", "api.mistral.ai", "/v1/models",
		  KS_VAUTH_BEARER, NULL, NULL },
		{ "xai", "GET", "api.x.ai", "/v1/api-key", KS_VAUTH_BEARER,
		  NULL, NULL },
		{ "google-ai", "GET", "generativelanguage.googleapis.com",
		  "/v1beta/models?pageSize=1", KS_VAUTH_HEADER,
		  "x-goog-api-key", NULL },
		{ "huggingface", "GET", "huggingface.co", "/api/whoami-v2",
		  KS_VAUTH_BEARER, NULL, NULL },
		{ "openrouter", "GET", "openrouter.ai", "/api/v1/key",
		  KS_VAUTH_BEARER, NULL, NULL },
		{ "github", "GET", "api.github.com", "/user", KS_VAUTH_BEARER,
		  NULL, "X-GitHub-Api-Version: 2022-11-28" },
		{ "gitlab", "GET", "gitlab.com",
		  "/api/v4/personal_access_tokens/self", KS_VAUTH_HEADER,
		  "PRIVATE-TOKEN", NULL },
		{ "slack", "POST", "slack.com", "/api/auth.test",
		  KS_VAUTH_BEARER, NULL,
		  "Content-Type: application/x-www-form-urlencoded" },
		{ "aws", "POST", "sts.amazonaws.com", "/", KS_VAUTH_AWS_SIGV4,
		  NULL,
		  "Content-Type: application/x-www-form-urlencoded; "
		  "charset=utf-8" },
	};
	const struct ks_provider *p;
	size_t i, j;

	(void)state;
	assert_int_equal(KS_ARRAY_SIZE(e), ks_provider_nr());
	for (i = 0; i < KS_ARRAY_SIZE(e); i++) {
		bool found = !e[i].header;

		p = ks_provider_find(e[i].id);
		assert_non_null(p);
		assert_string_equal(p->method, e[i].method);
		assert_string_equal(p->host, e[i].host);
		assert_string_equal(p->path, e[i].path);
		assert_int_equal(p->auth, e[i].auth);
		if (e[i].auth_header)
			assert_string_equal(p->auth_header, e[i].auth_header);
		for (j = 0; p->headers && p->headers[j]; j++)
			if (e[i].header && !strcmp(p->headers[j], e[i].header))
				found = true;
		assert_true(found);
	}
	p = ks_provider_find("github");
	assert_string_equal(p->headers[0],
			    "Accept: application/vnd.github+json");
	p = ks_provider_find("aws");
	assert_string_equal(p->aws_sigv4, "aws:amz:us-east-1:sts");
	assert_string_equal(p->body,
			    "Action=GetCallerIdentity&Version=2011-06-15");
	assert_string_equal(ks_provider_find("slack")->body, "");
	/* google: the key goes in a header, never in the URL */
	p = ks_provider_find("google-ai");
	assert_int_equal(p->auth, KS_VAUTH_HEADER);
	assert_null(strstr(p->path, "key"));
}

static void test_rule_map(void **state)
{
	static const struct {
		const char *rule, *provider;
	} want[] = {
		{ "deepseek-api-key", "deepseek" },
		{ "openai-api-key", "openai" },
		{ "openai-project-api-key", "openai" },
		{ "openai-service-account-key", "openai" },
		{ "openai-admin-key", "openai-admin" },
		{ "anthropic-api-key", "anthropic" },
		{ "anthropic-admin-key", "anthropic-admin" },
		{ "groq-api-key", "groq" },
		{ "mistral-api-key", "mistral" },
		{ "xai-api-key", "xai" },
		{ "google-api-key", "google-ai" },
		{ "huggingface-token", "huggingface" },
		{ "openrouter-api-key", "openrouter" },
		{ "github-pat", "github" },
		{ "github-oauth-token", "github" },
		{ "github-app-token", "github" },
		{ "github-fine-grained-pat", "github" },
		{ "gitlab-pat", "gitlab" },
		{ "slack-bot-token", "slack" },
		{ "slack-user-token", "slack" },
		{ "aws-secret-access-key", "aws" },
	};
	static const char *const not_verifiable[] = {
		"llm-sk-hex32-key",	    "azure-openai-api-key",
		"slack-webhook-url",	    "github-refresh-token",
		"gitlab-pipeline-trigger-token", "gitlab-runner-token",
		"aws-access-key-id",	    "slack-app-token",
		"slack-legacy-token",	    "stripe-secret-key",
		"generic-credential-assignment", "",
	};
	const struct ks_provider *p = NULL;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(want); i++) {
		p = ks_provider_for_rule(want[i].rule);
		if (!p)
			fail_msg("%s is not mapped", want[i].rule);
		assert_string_equal(p->id, want[i].provider);
	}
	for (i = 0; i < KS_ARRAY_SIZE(not_verifiable); i++)
		assert_null(ks_provider_for_rule(not_verifiable[i]));
	assert_null(ks_provider_for_rule(NULL));
	/* ks_provider_rule_at lists exactly the map */
	while (ks_provider_rule_at(n, &p)) {
		const char *rule = ks_provider_rule_at(n, &p);
		bool listed = false;

		assert_ptr_equal(ks_provider_for_rule(rule), p);
		for (i = 0; i < KS_ARRAY_SIZE(want); i++)
			if (!strcmp(want[i].rule, rule))
				listed = true;
		assert_true(listed);
		n++;
	}
	assert_null(p);
	assert_int_equal(n, KS_ARRAY_SIZE(want));
	/* every provider serves at least one rule */
	for (i = 0; i < ks_provider_nr(); i++) {
		size_t k;
		bool used = false;

		for (k = 0; k < n; k++) {
			ks_provider_rule_at(k, &p);
			if (p == ks_provider_at(i))
				used = true;
		}
		assert_true(used);
	}
}

/* The map and the embedded rules' verify: fields agree both ways. */
static void test_rules_agree(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	const struct ks_provider *p;
	const char *id;
	size_t i, verified = 0;

	(void)state;
	assert_int_equal(ks_ruleset_load_defaults(&set), 0);
	assert_int_equal(set.diag_nr, 0);
	for (i = 0; (id = ks_provider_rule_at(i, &p)); i++) {
		struct ks_rule *r = ks_ruleset_find(&set, id);

		if (!r)
			fail_msg("mapped rule %s is not a built-in rule", id);
		if (!r->verify || strcmp(r->verify, p->id))
			fail_msg("rule %s: verify '%s', the map says '%s'", id,
				 r->verify ? r->verify : "(none)", p->id);
	}
	for (i = 0; i < set.rule_nr; i++) {
		const struct ks_rule *r = set.rule[i];

		p = ks_provider_for_rule(r->id);
		if (!r->verify) {
			if (p)
				fail_msg("rule %s is mapped to %s but has no "
					 "verify field", r->id, p->id);
			continue;
		}
		verified++;
		if (!p)
			fail_msg("rule %s says verify: %s but is not mapped",
				 r->id, r->verify);
		assert_string_equal(p->id, r->verify);
		assert_ptr_equal(ks_provider_find(r->verify), p);
	}
	assert_int_equal(verified, 21);
	assert_null(ks_ruleset_find(&set, "llm-sk-hex32-key")->verify);
	assert_null(ks_ruleset_find(&set, "azure-openai-api-key")->verify);
	ks_ruleset_release(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deepseek),
		cmocka_unit_test(test_openai),
		cmocka_unit_test(test_anthropic),
		cmocka_unit_test(test_groq_mistral),
		cmocka_unit_test(test_xai),
		cmocka_unit_test(test_google),
		cmocka_unit_test(test_huggingface),
		cmocka_unit_test(test_openrouter),
		cmocka_unit_test(test_github),
		cmocka_unit_test(test_gitlab),
		cmocka_unit_test(test_slack),
		cmocka_unit_test(test_aws),
		cmocka_unit_test(test_generic_unknown),
		cmocka_unit_test(test_failure_other_status),
		cmocka_unit_test(test_cut_bodies),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_random_answers),
		cmocka_unit_test(test_details_sanitised),
		cmocka_unit_test(test_no_echo),
		cmocka_unit_test(test_table_shape),
		cmocka_unit_test(test_table_endpoints),
		cmocka_unit_test(test_rule_map),
		cmocka_unit_test(test_rules_agree),
	};

	t_seed("test_verify_providers");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
