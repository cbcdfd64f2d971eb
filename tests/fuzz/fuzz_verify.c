/* fuzz_verify.c - fuzz target: every provider's response classifier on
 * arbitrary answers, and ks_scrub() on arbitrary text.
 *
 * Input: byte 0 picks the provider, bytes 1-2 the HTTP status (100..999),
 * byte 3 the content type and the key length, the rest is the body.
 * Oracles: a classifier always decides (never KS_V_NONE); a status outside
 * 2xx/4xx is unknown; only live answers carry details; reasons and details
 * are short and free of control bytes; and after ks_scrub() with a key
 * cut from the body (no '*' in it), the key no longer occurs.
 */
#include "compat.h"
#include "verify.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s)
{
	size_t i, n;

	if (!s)
		return;
	n = strlen(s);
	if (n > 512)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

static void check_scrub(const uint8_t *body, size_t len, size_t key_len)
{
	char *copy, *key;
	size_t n;

	if (len < 8 || key_len < 4 || key_len > len / 2)
		return;
	key = xmemdupz(body + (len - key_len) / 2, key_len);
	if (memchr(key, '*', key_len) || memchr(key, '\0', key_len)) {
		free(key);
		return;
	}
	copy = xmemdupz(body, len);
	n = ks_scrub(copy, len, key, key_len);
	if (n > len || copy[n] != '\0' || memmem(copy, n, key, key_len))
		abort();
	free(copy);
	free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { NULL, "application/json",
					     "text/html; charset=utf-8",
					     "text/xml", "text/plain" };
	const struct ks_provider *p;
	struct ks_verification *v;
	struct ks_http_resp r;
	char *body;
	size_t i;

	if (size < 4 || !ks_provider_nr())
		return 0;
	p = ks_provider_at(data[0] % ks_provider_nr());
	memset(&r, 0, sizeof(r));
	r.status = 100 + (long)(((unsigned)data[1] << 8 | data[2]) % 900);
	r.content_type = types[data[3] % KS_ARRAY_SIZE(types)];
	body = xmemdupz(data + 4, size - 4);
	r.body = body;
	r.body_len = size - 4;
	r.retry_after = "2";
	r.oauth_scopes = "repo";
	v = ks_verification_new();
	v->http_status = r.status;
	p->classify(&r, v);
	if (v->state < KS_V_LIVE || v->state > KS_V_UNKNOWN)
		abort();
	if ((r.status < 200 || r.status >= 500 ||
	     (r.status >= 300 && r.status < 400)) &&
	    v->state != KS_V_UNKNOWN)
		abort();
	if (v->state != KS_V_LIVE && v->state != KS_V_LIVE_RESTRICTED &&
	    v->detail_nr)
		abort();
	check_text(v->reason);
	for (i = 0; i < v->detail_nr; i++) {
		check_text(v->detail[i].key);
		check_text(v->detail[i].value);
	}
	ks_verification_free(v);
	check_scrub(data + 4, size - 4, 4 + data[3] % 60);
	free(body);
	return 0;
}
