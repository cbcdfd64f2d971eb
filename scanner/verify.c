/* verify.c - --verify: results, scrubbing, process hygiene, and the run
 * (one libcurl multi loop; per-provider limits; retries; budget). */
#include "compat.h"
#include <ctype.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <curl/curl.h>
#include <time.h>
#include <unistd.h>
#include "buf.h"
#include "error.h"
#include "finding.h"
#include "log.h"
#include "netgate.h"
#include "rules.h"
#include "stats.h"
#include "vcache.h"
#include "version.h"
#include "utf8.h"
#include "verify.h"
#include "xalloc.h"

const char *ks_vstate_name(enum ks_vstate s)
{
	switch (s) {
	case KS_V_LIVE:
		return "live";
	case KS_V_LIVE_RESTRICTED:
		return "live_restricted";
	case KS_V_INVALID:
		return "invalid";
	case KS_V_UNKNOWN:
		return "unknown";
	case KS_V_NONE:
		break;
	}
	return "";
}

struct ks_verification *ks_verification_new(void)
{
	return xcalloc(1, sizeof(struct ks_verification));
}

struct ks_verification *ks_verification_dup(const struct ks_verification *v)
{
	struct ks_verification *d;
	size_t i;

	if (!v)
		return NULL;
	d = ks_verification_new();
	*d = *v;
	d->reason = v->reason ? xstrdup(v->reason) : NULL;
	d->detail = NULL;
	d->detail_nr = 0;
	for (i = 0; i < v->detail_nr; i++)
		ks_verification_add_detail(d, v->detail[i].key,
					   v->detail[i].value);
	return d;
}

void ks_verification_free(struct ks_verification *v)
{
	size_t i;

	if (!v)
		return;
	free(v->reason);
	for (i = 0; i < v->detail_nr; i++) {
		free(v->detail[i].key);
		free(v->detail[i].value);
	}
	free(v->detail);
	free(v);
}

void ks_verification_reason(struct ks_verification *v, const char *fmt, ...)
{
	struct ks_buf b = KS_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ks_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(v->reason);
	v->reason = ks_buf_detach(&b, NULL);
}

void ks_verification_add_detail(struct ks_verification *v, const char *key,
				const char *value)
{
	v->detail = xrealloc(v->detail,
			     st_mult(v->detail_nr + 1, sizeof(*v->detail)));
	v->detail[v->detail_nr].key = xstrdup(key);
	v->detail[v->detail_nr].value = xstrdup(value);
	v->detail_nr++;
}

/* Replaces each occurrence of needle in buf[0..len) by "***"; returns
 * the new length (never longer: needles are at least 4 bytes). */
static size_t scrub_one(char *buf, size_t len, const char *needle, size_t n)
{
	size_t r = 0, w = 0;

	if (n < 4)
		return len;
	while (r < len) {
		if (len - r >= n && !memcmp(buf + r, needle, n)) {
			memcpy(buf + w, "***", 3);
			w += 3;
			r += n;
		} else {
			buf[w++] = buf[r++];
		}
	}
	return w;
}

size_t ks_scrub(char *buf, size_t len, const char *key, size_t key_len)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	if (!buf || !key || key_len < 4)
		return len;
	len = scrub_one(buf, len, key, key_len);
	/* base64 of the key, without its padding (which depends on what
	 * follows), and its URL-encoded form */
	ks_base64(&b, (const unsigned char *)key, key_len);
	while (b.len && b.ptr[b.len - 1] == '=')
		ks_buf_setlen(&b, b.len - 1);
	/* the last base64 digit also depends on what follows */
	if (b.len > 8)
		len = scrub_one(buf, len, b.ptr, b.len - 1);
	ks_buf_reset(&b);
	for (i = 0; i < key_len; i++) {
		unsigned char c = (unsigned char)key[i];

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			ks_buf_addch(&b, (char)c);
		else
			ks_buf_addf(&b, "%%%02X", c);
	}
	if (b.len != key_len)
		len = scrub_one(buf, len, b.ptr, b.len);
	ks_wipe(b.ptr, b.alloc);
	ks_buf_release(&b);
	buf[len] = '\0';
	return len;
}

#if defined(__SANITIZE_ADDRESS__)
#	define KS_ASAN 1
#elif defined(__has_feature)
#	if __has_feature(address_sanitizer)
#		define KS_ASAN 1
#	endif
#endif

void ks_secure_process(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
#ifndef KS_ASAN
	/* not under ASan: LeakSanitizer ptrace()s the process at exit, which
	 * an undumpable process refuses to a non-root user (and ASan turns
	 * core dumps off by itself) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

/* ---- the run ----
 *
 * One thread, one libcurl multi handle. Each distinct key is a job; a
 * provider has at most KS_VERIFY_INFLIGHT requests in flight and a token
 * bucket (1 request/s, burst 3). A job is retried (at most twice) only on
 * 408/429/502/503/504 and connection failures, after Retry-After (<= 30 s)
 * or a backoff, plus jitter. Every answer is classified by its provider;
 * anything a classifier does not recognise is unknown.
 */

#define KS_VERIFY_INFLIGHT 2
#define KS_VERIFY_RATE 1.0	/* tokens per second */
#define KS_VERIFY_BURST 3.0
#define KS_VERIFY_RETRIES 2
#define KS_VERIFY_RETRY_AFTER_MAX 30
#define KS_VERIFY_BODY_MAX (64 * 1024)
#define KS_VERIFY_LOG_MAX 200

struct vprov {
	const struct ks_provider *p;
	double tokens, refilled;
	unsigned in_flight;
	int resolved;		/* 0 not yet, 1 pinned, -1 refused */
	char addr[INET6_ADDRSTRLEN + 2];	/* "[::1]" fits */
	char *refusal;
	bool proxied;
};

struct vjob {
	struct vprov *vp;
	const char *key;	/* borrowed from the first finding */
	size_t key_len;
	char *aws_id;		/* aws: the access key id (owned, wiped) */
	size_t *fi;		/* findings */
	size_t fi_nr;
	struct ks_verification *v;
	unsigned attempts;
	double ready_at;
	bool done, running;
	/* the request in flight */
	CURL *h;
	struct curl_slist *hdr, *conn_to;
	struct ks_buf body;
	bool body_over;
	char *content_type, *oauth_scopes, *retry_after;
	char errbuf[CURL_ERROR_SIZE];
	double started;
	const char *redacted;	/* the first finding's redacted form */
};

struct vrun {
	const struct ks_verify_opts *o;
	struct ks_findings *fs;
	struct ks_verify_stats *vs;
	struct vprov *prov;
	size_t prov_nr;
	struct vjob *job;
	size_t job_nr;
	unsigned budget;
	/* test override */
	bool test;
	char test_addr[INET6_ADDRSTRLEN + 2];
	unsigned test_port;
	const char *test_ca;
	/* proxy */
	char *proxy;		/* from the environment, or NULL */
	const char *proxy_var;
	char *noproxy;
	uint64_t rng;
};

static double vnow(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Jitter needs no cryptography; splitmix64 seeded from the clock. */
static double jitter(struct vrun *r)
{
	uint64_t z = (r->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z % 250) / 1000.0;
}

/* The proxy URL without credentials, for messages. */
static void proxy_name(struct ks_buf *out, const char *url)
{
	const char *at = strrchr(url, '@');
	const char *scheme = strstr(url, "://");

	if (at) {
		if (scheme && scheme < at)
			ks_buf_add(out, url, (size_t)(scheme + 3 - url));
		ks_buf_adds(out, at + 1);
	} else {
		ks_buf_adds(out, url);
	}
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* The proxy curl would use for https (https_proxy, HTTPS_PROXY,
 * all_proxy, ALL_PROXY), decided here so that the SSRF gate knows
 * whether it applies. */
static void proxy_setup(struct vrun *r)
{
	static const char *const vars[] = { "https_proxy", "HTTPS_PROXY",
					    "all_proxy", "ALL_PROXY" };
	const char *np;
	size_t i;

	if (r->o->no_proxy)
		return;
	for (i = 0; i < KS_ARRAY_SIZE(vars); i++) {
		const char *v = env_nonempty(vars[i]);

		if (v) {
			r->proxy = xstrdup(v);
			r->proxy_var = vars[i];
			break;
		}
	}
	np = env_nonempty("no_proxy");
	if (!np)
		np = env_nonempty("NO_PROXY");
	if (np)
		r->noproxy = xstrdup(np);
}

/* no_proxy: "*", or names separated by commas or spaces, each matching
 * itself and its subdomains (a leading dot is optional). */
static bool host_noproxy(const char *list, const char *host)
{
	const char *p = list;
	size_t hl = strlen(host);

	while (p && *p) {
		const char *e;
		size_t n;

		while (*p == ',' || *p == ' ')
			p++;
		e = p;
		while (*e && *e != ',' && *e != ' ')
			e++;
		n = (size_t)(e - p);
		if (n == 1 && *p == '*')
			return true;
		if (n && *p == '.')
			p++, n--;
		if (n && n <= hl && !strncasecmp(host + hl - n, p, n) &&
		    (n == hl || host[hl - n - 1] == '.'))
			return true;
		p = e;
	}
	return false;
}

/* KEYSNARE_VERIFY_TEST_CONNECT=ADDR:PORT (loopback only) sends every
 * provider's requests to a local test server; KEYSNARE_VERIFY_TEST_CA
 * is the CA it trusts then. Environment only: no config can set them. */
static int test_setup(struct vrun *r)
{
	const char *c = env_nonempty("KEYSNARE_VERIFY_TEST_CONNECT");
	struct sockaddr_storage ss;
	socklen_t sl;
	const char *colon;
	char host[INET6_ADDRSTRLEN + 1];
	char *end = NULL;
	unsigned long port;
	size_t n;

	if (!c)
		return 0;
	colon = strrchr(c, ':');
	if (!colon)
		goto bad;
	n = (size_t)(colon - c);
	if (n && c[0] == '[' && c[n - 1] == ']')
		c++, n -= 2;
	if (!n || n >= sizeof(host))
		goto bad;
	memcpy(host, c, n);
	host[n] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || !port || port > 65535)
		goto bad;
	if (ks_addr_parse(host, &ss, &sl) ||
	    !ks_addr_is_loopback((struct sockaddr *)&ss, sl))
		goto bad;
	snprintf(r->test_addr, sizeof(r->test_addr),
		 strchr(host, ':') ? "[%s]" : "%s", host);
	r->test_port = (unsigned)port;
	r->test_ca = env_nonempty("KEYSNARE_VERIFY_TEST_CA");
	r->test = true;
	warning("KEYSNARE_VERIFY_TEST_CONNECT is set: verification requests go to the test server at %s:%u%s%s, not to the providers (for keysnare's tests only)",
		r->test_addr, r->test_port, r->test_ca ? ", trusting the CA in " : "",
		r->test_ca ? r->test_ca : "");
	return 0;
bad:
	return ks_error_set(KS_EINVALID,
			    "KEYSNARE_VERIFY_TEST_CONNECT must be a loopback ADDRESS:PORT (127.0.0.1:8443, [::1]:8443); verification refused");
}

static struct vprov *prov_get(struct vrun *r, const struct ks_provider *p)
{
	size_t i;

	for (i = 0; i < r->prov_nr; i++)
		if (r->prov[i].p == p)
			return &r->prov[i];
	/* jobs point into this array: it is allocated once, for every
	 * provider there is, and never moves */
	if (!r->prov)
		r->prov = xcalloc(ks_provider_nr(), sizeof(*r->prov));
	if (r->prov_nr >= ks_provider_nr())
		BUG("provider %s is not in the table", p->id);
	r->prov[r->prov_nr].p = p;
	r->prov[r->prov_nr].tokens = KS_VERIFY_BURST;
	r->prov[r->prov_nr].refilled = vnow();
	r->prov[r->prov_nr].proxied =
		r->proxy && !(r->noproxy && host_noproxy(r->noproxy, p->host));
	return &r->prov[r->prov_nr++];
}

/* ---- collecting the jobs ---- */

struct cand {
	size_t fi;
	const struct ks_provider *p;
	const char *key;	/* the secret */
	size_t key_len;
	const char *aws_id;	/* aws: the paired id, or NULL */
	size_t aws_id_len;
};

static int mem_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, KS_MIN(al, bl));

	if (c)
		return c;
	return al < bl ? -1 : al > bl;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c = strcmp(x->p->id, y->p->id);

	if (!c)
		c = mem_cmp(x->key, x->key_len, y->key, y->key_len);
	if (!c)
		c = mem_cmp(x->aws_id ? x->aws_id : "", x->aws_id_len,
			    y->aws_id ? y->aws_id : "", y->aws_id_len);
	if (!c)
		c = x->fi < y->fi ? -1 : x->fi > y->fi;
	return c;
}

static bool same_place(const struct ks_finding *a, const struct ks_finding *b)
{
	if (strcmp(a->path, b->path))
		return false;
	if (a->history || b->history)
		return !memcmp(a->blob, b->blob, sizeof(a->blob));
	return true;
}

/* The aws-access-key-id finding nearest to an AWS secret in the same
 * file (the id and the secret sign together), or NULL. */
static const struct ks_finding *aws_pair(const struct ks_findings *fs,
					 const struct ks_finding *sec)
{
	const struct ks_finding *best = NULL;
	size_t i, bd = SIZE_MAX;

	for (i = 0; i < fs->nr; i++) {
		const struct ks_finding *f = &fs->f[i];
		size_t d;

		if (!f->rule->builtin || strcmp(f->rule->id, "aws-access-key-id") ||
		    !same_place(f, sec))
			continue;
		d = f->line > sec->line ? f->line - sec->line
					: sec->line - f->line;
		if (d < bd)
			bd = d, best = f;
	}
	return best;
}

/* Candidates sorted so that equal keys of one provider are adjacent,
 * then one job per run of equal ones. Findings that cannot be sent get
 * their answer here. */
static void collect(struct vrun *r)
{
	struct ks_findings *fs = r->fs;
	struct cand *c = NULL;
	size_t i, nr = 0, alloc = 0;
	bool warned_custom = false;

	for (i = 0; i < fs->nr; i++) {
		struct ks_finding *f = &fs->f[i];
		const struct ks_provider *p;
		struct cand k = { i, NULL, f->secret, f->secret_len, NULL, 0 };

		if (f->suppressed)
			continue;
		if (!f->rule->builtin) {
			if (f->rule->verify && !warned_custom) {
				warning("rule '%s' (%s) asks for verification; only built-in rules are verified (their endpoints are compiled in): not sent",
					f->rule->id, f->rule->source);
				warned_custom = true;
			}
			r->vs->not_verifiable++;
			continue;
		}
		p = ks_provider_for_rule(f->rule->id);
		if (!p) {
			/* an AWS key id is verified with its secret (counted
			 * at the end if it has none) */
			if (strcmp(f->rule->id, "aws-access-key-id"))
				r->vs->not_verifiable++;
			continue;
		}
		k.p = p;
		if (p->auth == KS_VAUTH_AWS_SIGV4) {
			const struct ks_finding *id = aws_pair(fs, f);

			if (!id) {
				f->verification = ks_verification_new();
				f->verification->state = KS_V_UNKNOWN;
				f->verification->provider = p->id;
				ks_verification_reason(f->verification,
						       "no AWS access key id in the same file to sign with; not sent");
				continue;
			}
			k.aws_id = id->secret;
			k.aws_id_len = id->secret_len;
		}
		ALLOC_GROW(c, nr + 1, alloc);
		c[nr++] = k;
	}
	if (nr)
		qsort(c, nr, sizeof(*c), cand_cmp);
	for (i = 0; i < nr; i++) {
		struct vjob *j;

		if (i && c[i].p == c[i - 1].p &&
		    !mem_cmp(c[i].key, c[i].key_len, c[i - 1].key, c[i - 1].key_len) &&
		    !mem_cmp(c[i].aws_id ? c[i].aws_id : "", c[i].aws_id_len,
			     c[i - 1].aws_id ? c[i - 1].aws_id : "",
			     c[i - 1].aws_id_len)) {
			j = &r->job[r->job_nr - 1];
			j->fi = xrealloc(j->fi, st_mult(j->fi_nr + 1, sizeof(*j->fi)));
			j->fi[j->fi_nr++] = c[i].fi;
			continue;
		}
		r->job = xrealloc(r->job, st_mult(r->job_nr + 1, sizeof(*r->job)));
		j = &r->job[r->job_nr++];
		memset(j, 0, sizeof(*j));
		j->vp = prov_get(r, c[i].p);
		j->key = c[i].key;
		j->key_len = c[i].key_len;
		j->aws_id = c[i].aws_id ? xmemdupz(c[i].aws_id, c[i].aws_id_len)
					: NULL;
		j->fi = xmalloc(sizeof(*j->fi));
		j->fi[0] = c[i].fi;
		j->fi_nr = 1;
		j->redacted = fs->f[c[i].fi].redacted;
		ks_buf_init(&j->body, 0);
	}
	free(c);
	r->vs->keys = r->job_nr;
}

/* ---- one request ---- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *payload)
{
	struct vjob *j = payload;
	size_t n = size * nmemb;

	if (j->body.len + n > KS_VERIFY_BODY_MAX) {
		j->body_over = true;
		return 0;	/* aborts the transfer: CURLE_WRITE_ERROR */
	}
	ks_buf_add(&j->body, ptr, n);
	return n;
}

/* Keeps the headers a classifier may need, from the last response only
 * (a new status line starts over). */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *payload)
{
	struct vjob *j = payload;
	size_t n = size * nmemb, k;
	static const struct {
		const char *name;
		size_t off;
	} keep[] = {
		{ "content-type", offsetof(struct vjob, content_type) },
		{ "x-oauth-scopes", offsetof(struct vjob, oauth_scopes) },
		{ "retry-after", offsetof(struct vjob, retry_after) },
	};

	if (n >= 5 && !memcmp(ptr, "HTTP/", 5)) {
		for (k = 0; k < KS_ARRAY_SIZE(keep); k++) {
			char **slot = (char **)((char *)j + keep[k].off);

			free(*slot);
			*slot = NULL;
		}
		return n;
	}
	for (k = 0; k < KS_ARRAY_SIZE(keep); k++) {
		size_t l = strlen(keep[k].name);
		char **slot = (char **)((char *)j + keep[k].off);
		const char *v, *e;

		if (n <= l || ptr[l] != ':' || strncasecmp(ptr, keep[k].name, l))
			continue;
		v = ptr + l + 1;
		e = ptr + n;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == '\r' || e[-1] == '\n' ||
				 e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - v) > 256)
			e = v + 256;
		free(*slot);
		*slot = xmemdupz(v, (size_t)(e - v));
	}
	return n;
}

/* Refuses, at connect time, any address the gate would refuse (or, for
 * the test server, anything but loopback): a second line of defence
 * behind the pinned resolution. */
static curl_socket_t on_socket(void *payload, curlsocktype purpose,
			       struct curl_sockaddr *a)
{
	struct vrun *r = payload;

	(void)purpose;
	if (r->test ? !ks_addr_is_loopback(&a->addr, a->addrlen)
		    : ks_addr_special(&a->addr, a->addrlen) != NULL)
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype, a->protocol);
}

static void wipe_slist(struct curl_slist *l)
{
	for (; l; l = l->next)
		ks_wipe(l->data, strlen(l->data));
}

static void job_reset_request(struct vjob *j)
{
	if (j->h) {
		curl_easy_cleanup(j->h);
		j->h = NULL;
	}
	wipe_slist(j->hdr);
	curl_slist_free_all(j->hdr);
	curl_slist_free_all(j->conn_to);
	j->hdr = j->conn_to = NULL;
	ks_wipe(j->body.ptr, j->body.alloc);
	ks_buf_reset(&j->body);
	j->body_over = false;
	free(j->content_type);
	free(j->oauth_scopes);
	free(j->retry_after);
	j->content_type = j->oauth_scopes = j->retry_after = NULL;
	j->errbuf[0] = '\0';
}

static int job_start(struct vrun *r, CURLM *m, struct vjob *j)
{
	const struct ks_provider *p = j->vp->p;
	struct ks_buf b = KS_BUF_INIT;
	struct curl_slist *l;
	size_t i;
	CURL *h = curl_easy_init();

	if (!h)
		return -1;
	j->h = h;
	ks_buf_addf(&b, "https://%s%s", p->host, p->path);
	curl_easy_setopt(h, CURLOPT_URL, b.ptr);
	ks_buf_reset(&b);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 KS_MIN(r->o->connect_timeout_ms, r->o->timeout_ms));
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, r->o->timeout_ms);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)KS_VERIFY_BODY_MAX);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(h, CURLOPT_PRIVATE, j);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "keysnare/" KS_VERSION " (secret verification)");
	curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	curl_easy_setopt(h, CURLOPT_COOKIEFILE, NULL);
	if (j->vp->proxied) {
		curl_easy_setopt(h, CURLOPT_PROXY, r->proxy);
		curl_easy_setopt(h, CURLOPT_NOPROXY, "");
	} else {
		curl_easy_setopt(h, CURLOPT_PROXY, "");
		curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_socket);
		curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, r);
		/* connect to the pinned address only; the URL, Host, SNI
		 * and certificate check keep the provider's name */
		ks_buf_addf(&b, "%s:443:%s:%u", p->host,
			    r->test ? r->test_addr : j->vp->addr,
			    r->test ? r->test_port : 443);
		/* curl copies no list: keep it until cleanup */
		j->conn_to = curl_slist_append(NULL, b.ptr);
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, j->conn_to);
		ks_buf_reset(&b);
	}
	if (r->test && r->test_ca)
		curl_easy_setopt(h, CURLOPT_CAINFO, r->test_ca);
	l = NULL;
	switch (p->auth) {
	case KS_VAUTH_BEARER:
		ks_buf_adds(&b, "Authorization: Bearer ");
		break;
	case KS_VAUTH_TOKEN:
		ks_buf_adds(&b, "Authorization: token ");
		break;
	case KS_VAUTH_HEADER:
		ks_buf_addf(&b, "%s: ", p->auth_header);
		break;
	case KS_VAUTH_AWS_SIGV4:
		break;
	}
	if (p->auth == KS_VAUTH_AWS_SIGV4) {
		/* curl strdup()s these and does not wipe its copies */
		curl_easy_setopt(h, CURLOPT_AWS_SIGV4, p->aws_sigv4);
		curl_easy_setopt(h, CURLOPT_USERNAME, j->aws_id);
		ks_buf_add(&b, j->key, j->key_len);
		curl_easy_setopt(h, CURLOPT_PASSWORD, b.ptr);
	} else {
		ks_buf_add(&b, j->key, j->key_len);
		l = curl_slist_append(l, b.ptr);
	}
	ks_wipe(b.ptr, b.alloc);
	ks_buf_reset(&b);
	for (i = 0; p->headers && p->headers[i]; i++)
		l = curl_slist_append(l, p->headers[i]);
	if (!strcmp(p->method, "POST")) {
		const char *body = p->body ? p->body : "";

		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		/* no "Expect:" header to switch 100-continue off: the bodies
		 * are far too small for it, and libcurl 7.88 would sign the
		 * empty header into SigV4's SignedHeaders */
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
	j->hdr = l;
	ks_buf_release(&b);
	j->started = vnow();
	j->attempts++;
	j->running = true;
	if (curl_multi_add_handle(m, h) != CURLM_OK)
		return -1;
	return 0;
}

/* ---- the cache: AWS answers are for the id and secret together ---- */

static void cache_key(const struct vjob *j, struct ks_buf *b)
{
	if (j->aws_id) {
		ks_buf_adds(b, j->aws_id);
		ks_buf_addch(b, ':');
	}
	ks_buf_add(b, j->key, j->key_len);
}

static void cache_put(struct ks_vcache *c, const struct vjob *j,
		      const struct ks_verification *v)
{
	struct ks_buf b = KS_BUF_INIT;

	cache_key(j, &b);
	ks_vcache_put(c, j->vp->p->id, b.ptr, b.len, v);
	ks_wipe(b.ptr, b.alloc);
	ks_buf_release(&b);
}

static struct ks_verification *cache_get(struct ks_vcache *c,
					 const struct vjob *j)
{
	struct ks_buf b = KS_BUF_INIT;
	struct ks_verification *v;

	cache_key(j, &b);
	v = ks_vcache_get(c, j->vp->p->id, b.ptr, b.len, (int64_t)time(NULL));
	ks_wipe(b.ptr, b.alloc);
	ks_buf_release(&b);
	return v;
}

/* ---- answers ---- */

static bool retryable_status(long s)
{
	return s == 408 || s == 429 || s == 502 || s == 503 || s == 504;
}

/* Retry-After: delta seconds or an HTTP date; -1 when absent or bad. */
static long retry_after_secs(const char *v)
{
	char *end = NULL;
	long n;

	if (!v || !*v)
		return -1;
	if (isdigit((unsigned char)*v)) {
		n = strtol(v, &end, 10);
		return *end ? -1 : n;
	}
	{
		time_t t = curl_getdate(v, NULL);

		if (t < 0)
			return -1;
		return t > time(NULL) ? (long)(t - time(NULL)) : 0;
	}
}

static void curl_reason(struct vrun *r, struct vjob *j, CURLcode rc,
			struct ks_verification *v)
{
	const char *host = j->vp->p->host;
	struct ks_buf pn = KS_BUF_INIT;

	if (j->vp->proxied)
		proxy_name(&pn, r->proxy);
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		ks_verification_reason(v, "timed out (limits: %ld ms to connect, %ld ms in all)",
				       KS_MIN(r->o->connect_timeout_ms, r->o->timeout_ms),
				       r->o->timeout_ms);
		break;
	case CURLE_COULDNT_CONNECT:
		if (j->vp->proxied)
			ks_verification_reason(v, "cannot connect to the proxy %s",
					       pn.ptr);
		else
			ks_verification_reason(v, "cannot connect to %s", host);
		break;
	case CURLE_COULDNT_RESOLVE_PROXY:
		ks_verification_reason(v, "cannot resolve the proxy %s", pn.ptr);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		ks_verification_reason(v, "cannot resolve %s", host);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		ks_verification_reason(v, "TLS failed with %s: %s", host,
				       j->errbuf[0] ? j->errbuf
						    : curl_easy_strerror(rc));
		break;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (j->body_over || rc == CURLE_FILESIZE_EXCEEDED) {
			ks_verification_reason(v, "response over %d KiB: aborted",
					       KS_VERIFY_BODY_MAX / 1024);
			break;
		}
		/* fallthrough */
	default:
		ks_verification_reason(v, "%s%s%s", curl_easy_strerror(rc),
				       j->errbuf[0] ? ": " : "", j->errbuf);
		break;
	}
	if (j->vp->proxied && rc != CURLE_COULDNT_CONNECT &&
	    rc != CURLE_COULDNT_RESOLVE_PROXY) {
		char *old = v->reason;

		v->reason = NULL;
		ks_verification_reason(v, "%s (through the proxy %s)", old, pn.ptr);
		free(old);
	}
	ks_buf_release(&pn);
}

/* Takes the key out of everything a response put into v. */
static void scrub_verification(const struct vjob *j, struct ks_verification *v)
{
	size_t i;

	if (v->reason)
		ks_scrub(v->reason, strlen(v->reason), j->key, j->key_len);
	for (i = 0; i < v->detail_nr; i++) {
		ks_scrub(v->detail[i].key, strlen(v->detail[i].key), j->key,
			 j->key_len);
		ks_scrub(v->detail[i].value, strlen(v->detail[i].value),
			 j->key, j->key_len);
	}
}

static void log_answer(const struct vjob *j, const struct ks_verification *v,
		       const char *rule_id)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	if (ks_log_level() < KS_LOG_VERBOSE)
		return;
	for (i = 0; i < v->detail_nr; i++)
		ks_buf_addf(&b, "%s%s=%s", i ? ", " : "; ", v->detail[i].key,
			    v->detail[i].value);
	ks_log_verbose("verify: %s %s via %s: %s%s%s%s%s (HTTP %ld, %u request%s)",
		       rule_id, j->redacted, j->vp->p->host,
		       ks_vstate_name(v->state), v->reason ? " (" : "",
		       v->reason ? v->reason : "", v->reason ? ")" : "", b.ptr,
		       v->http_status, j->attempts, j->attempts == 1 ? "" : "s");
	ks_buf_release(&b);
}

static void log_body(struct vjob *j)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t n;

	if (ks_log_level() < KS_LOG_DEBUG || !j->body.len)
		return;
	/* scrub the whole body first: a key may straddle the cut */
	n = ks_scrub(j->body.ptr, j->body.len, j->key, j->key_len);
	ks_buf_setlen(&j->body, n);
	ks_term_escape(&b, j->body.ptr, KS_MIN(n, (size_t)KS_VERIFY_LOG_MAX));
	ks_log_debug("verify: %s answered %zu bytes (key scrubbed): %s%s",
		     j->vp->p->host, n, b.ptr,
		     n > KS_VERIFY_LOG_MAX ? "..." : "");
	ks_buf_release(&b);
}

static void finish(struct vrun *r, struct vjob *j, struct ks_verification *v,
		   struct ks_vcache *cache)
{
	v->provider = j->vp->p->id;
	v->checked_at = (int64_t)time(NULL);
	if (v->state == KS_V_NONE) {
		v->state = KS_V_UNKNOWN;
		if (!v->reason)
			ks_verification_reason(v, "no answer");
	}
	scrub_verification(j, v);
	log_answer(j, v, r->fs->f[j->fi[0]].rule->id);
	if (cache && v->state != KS_V_UNKNOWN)
		cache_put(cache, j, v);
	ks_verification_free(j->v);
	j->v = v;
	j->done = true;
}

/* A request ended: classify, then finish or schedule a retry. Returns
 * true when the job is done. */
static bool on_done(struct vrun *r, struct vjob *j, CURLcode rc,
		    struct ks_vcache *cache)
{
	const struct ks_provider *p = j->vp->p;
	struct ks_verification *v = ks_verification_new();
	bool retry = false;
	long delay = -1;

	v->provider = p->id;
	if (rc != CURLE_OK) {
		curl_off_t ct = 0;

		v->state = KS_V_UNKNOWN;
		curl_reason(r, j, rc, v);
		curl_easy_getinfo(j->h, CURLINFO_CONNECT_TIME_T, &ct);
		retry = rc == CURLE_COULDNT_CONNECT ||
			(rc == CURLE_OPERATION_TIMEDOUT && !ct);
	} else {
		struct ks_http_resp resp;
		long status = 0;

		curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &status);
		memset(&resp, 0, sizeof(resp));
		resp.status = status;
		resp.body = j->body.ptr;
		resp.body_len = j->body.len;
		resp.content_type = j->content_type;
		resp.oauth_scopes = j->oauth_scopes;
		resp.retry_after = j->retry_after;
		v->http_status = status;
		p->classify(&resp, v);
		v->http_status = status;
		log_body(j);
		if ((v->state == KS_V_UNKNOWN || v->state == KS_V_NONE) &&
		    retryable_status(status)) {
			retry = true;
			delay = retry_after_secs(j->retry_after);
			if (delay > KS_VERIFY_RETRY_AFTER_MAX) {
				char *old = v->reason;

				v->reason = NULL;
				ks_verification_reason(v, "%s; Retry-After %ld s is over %d s: not retried",
						       old ? old : "", delay,
						       KS_VERIFY_RETRY_AFTER_MAX);
				free(old);
				retry = false;
			}
		}
	}
	if (retry && j->attempts <= KS_VERIFY_RETRIES) {
		double wait = (double)(1u << (j->attempts - 1));

		if (delay > wait)
			wait = (double)delay;
		wait += jitter(r);
		ks_log_verbose("verify: %s %s: %s; retry %u in %.1f s",
			       r->fs->f[j->fi[0]].rule->id, j->redacted,
			       v->reason ? v->reason : "no answer", j->attempts,
			       wait);
		ks_verification_free(v);
		j->ready_at = vnow() + wait;
		job_reset_request(j);
		return false;
	}
	finish(r, j, v, cache);
	job_reset_request(j);
	return true;
}

static void dry_run(struct vrun *r)
{
	size_t i;

	for (i = 0; i < r->job_nr; i++) {
		const struct vjob *j = &r->job[i];
		const struct ks_finding *f = &r->fs->f[j->fi[0]];
		struct ks_buf path = KS_BUF_INIT;

		ks_term_escape(&path, f->path, strlen(f->path));
		fprintf(stderr, "keysnare: verify (dry run, nothing sent): %s %s https://%s%s for %s (%zu finding%s, first %s:%zu)%s\n",
			j->vp->p->id, j->vp->p->method, j->vp->p->host,
			j->vp->p->path, f->rule->id, j->fi_nr,
			j->fi_nr == 1 ? "" : "s", path.ptr, f->line,
			j->vp->proxied ? " through the proxy" : "");
		ks_buf_release(&path);
	}
}

static void refill(struct vprov *vp, double t)
{
	vp->tokens += (t - vp->refilled) * KS_VERIFY_RATE;
	if (vp->tokens > KS_VERIFY_BURST)
		vp->tokens = KS_VERIFY_BURST;
	vp->refilled = t;
}

static void give_up(struct vrun *r, struct vjob *j, struct ks_vcache *cache,
		    const char *reason)
{
	struct ks_verification *v = ks_verification_new();

	v->state = KS_V_UNKNOWN;
	ks_verification_reason(v, "%s", reason);
	finish(r, j, v, cache);
}

static void network(struct vrun *r, struct ks_vcache *cache)
{
	CURLM *m = curl_multi_init();
	size_t i, pending = 0, running = 0;
	struct ks_buf msg = KS_BUF_INIT;

	for (i = 0; i < r->job_nr; i++)
		pending += !r->job[i].done;
	while (pending) {
		double t = vnow(), wake = t + 1.0;
		CURLMsg *cm;
		int left, still;

		for (i = 0; i < r->job_nr; i++) {
			struct vjob *j = &r->job[i];
			struct vprov *vp = j->vp;

			if (j->done || j->running)
				continue;
			if (j->ready_at > t) {
				wake = KS_MIN(wake, j->ready_at);
				continue;
			}
			if (vp->resolved < 0) {
				give_up(r, j, cache, vp->refusal);
				pending--;
				continue;
			}
			if (vp->in_flight >= KS_VERIFY_INFLIGHT)
				continue;
			refill(vp, t);
			if (vp->tokens < 1.0) {
				wake = KS_MIN(wake, t + (1.0 - vp->tokens) / KS_VERIFY_RATE);
				continue;
			}
			if (!r->budget) {
				ks_buf_reset(&msg);
				ks_buf_addf(&msg, "the verification budget of %u requests is used up (--verify-budget)",
					    r->o->budget);
				give_up(r, j, cache, msg.ptr);
				pending--;
				continue;
			}
			if (!vp->proxied && !r->test && !vp->resolved) {
				if (ks_resolve_public(vp->p->host, vp->addr + 1,
						      sizeof(vp->addr) - 2)) {
					vp->resolved = -1;
					vp->refusal = xstrdup(ks_error_last());
					ks_log_verbose("verify: %s", vp->refusal);
					give_up(r, j, cache, vp->refusal);
					pending--;
					continue;
				}
				vp->resolved = 1;
				if (strchr(vp->addr + 1, ':')) {
					vp->addr[0] = '[';
					strcat(vp->addr, "]");
				} else {
					memmove(vp->addr, vp->addr + 1,
						strlen(vp->addr + 1) + 1);
				}
			}
			if (job_start(r, m, j)) {
				job_reset_request(j);
				j->running = false;
				give_up(r, j, cache, "could not start the request");
				pending--;
				continue;
			}
			vp->tokens -= 1.0;
			vp->in_flight++;
			r->budget--;
			r->vs->requests++;
			running++;
		}
		curl_multi_perform(m, &still);
		while ((cm = curl_multi_info_read(m, &left))) {
			struct vjob *j = NULL;
			CURL *h = cm->easy_handle;
			CURLcode rc = cm->data.result;

			if (cm->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&j);
			curl_multi_remove_handle(m, h);
			j->running = false;
			j->vp->in_flight--;
			running--;
			if (on_done(r, j, rc, cache))
				pending--;
		}
		if (!pending)
			break;
		{
			double w = wake - vnow();
			int ms = w <= 0 ? 0 : w >= 1.0 ? 1000 : (int)(w * 1000) + 1;

			if (running)
				curl_multi_poll(m, NULL, 0, ms, NULL);
			else if (ms) {
				struct timespec ts = { ms / 1000,
						       (long)(ms % 1000) * 1000000L };

				nanosleep(&ts, NULL);
			}
		}
	}
	ks_buf_release(&msg);
	curl_multi_cleanup(m);
}

/* An aws-access-key-id finding shares the answer of the secret it was
 * paired with. */
static void attach_aws_ids(struct vrun *r)
{
	size_t i, k;

	for (i = 0; i < r->job_nr; i++) {
		const struct vjob *j = &r->job[i];

		if (!j->aws_id || !j->v)
			continue;
		for (k = 0; k < r->fs->nr; k++) {
			struct ks_finding *f = &r->fs->f[k];

			if (f->verification || f->suppressed ||
			    !f->rule->builtin ||
			    strcmp(f->rule->id, "aws-access-key-id") ||
			    strcmp(f->secret, j->aws_id))
				continue;
			for (size_t x = 0; x < j->fi_nr; x++)
				if (same_place(f, &r->fs->f[j->fi[x]])) {
					f->verification = ks_verification_dup(j->v);
					break;
				}
		}
	}
}

int ks_verify_findings(struct ks_findings *fs, const struct ks_verify_opts *o,
		       struct ks_verify_stats *vs)
{
	struct vrun r;
	struct ks_vcache *cache = NULL;
	size_t i, k;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.fs = fs;
	r.vs = vs;
	r.budget = o->budget;
	r.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (test_setup(&r))
		return KS_EINVALID;
	proxy_setup(&r);
	collect(&r);
	if (r.proxy && r.job_nr) {
		struct ks_buf pn = KS_BUF_INIT;

		proxy_name(&pn, r.proxy);
		ks_log_verbose("verify: requests go through the proxy %s (from %s; --no-proxy bypasses it)",
			       pn.ptr, r.proxy_var);
		ks_buf_release(&pn);
	}
	if (o->dry_run) {
		dry_run(&r);
	} else if (r.job_nr) {
		if (!o->no_cache &&
		    ks_vcache_open(&cache, NULL, o->cache_ttl, (int64_t)time(NULL))) {
			warning("verification cache not used: %s", ks_error_last());
			cache = NULL;
		}
		for (i = 0; cache && i < r.job_nr; i++) {
			struct ks_verification *v = cache_get(cache, &r.job[i]);

			if (v) {
				r.job[i].v = v;
				r.job[i].done = true;
				vs->cached++;
				log_answer(&r.job[i], v,
					   fs->f[r.job[i].fi[0]].rule->id);
			}
		}
		curl_global_init(CURL_GLOBAL_DEFAULT);
		network(&r, cache);
		curl_global_cleanup();
		if (cache && ks_vcache_save(cache))
			warning("verification cache not saved: %s", ks_error_last());
		ks_vcache_free(cache);
	}
	for (i = 0; i < r.job_nr; i++) {
		struct vjob *j = &r.job[i];

		for (k = 0; j->v && k < j->fi_nr; k++)
			fs->f[j->fi[k]].verification = k + 1 < j->fi_nr
				? ks_verification_dup(j->v) : j->v;
	}
	attach_aws_ids(&r);
	for (i = 0; i < fs->nr; i++) {
		const struct ks_finding *f = &fs->f[i];

		if (f->verification)
			vs->by_state[f->verification->state]++;
		else if (!f->suppressed && f->rule->builtin &&
			 !strcmp(f->rule->id, "aws-access-key-id") &&
			 !o->dry_run)
			vs->not_verifiable++;
	}
	for (i = 0; i < r.job_nr; i++) {
		struct vjob *j = &r.job[i];

		job_reset_request(j);
		ks_buf_release(&j->body);
		if (j->aws_id) {
			ks_wipe(j->aws_id, strlen(j->aws_id));
			free(j->aws_id);
		}
		free(j->fi);
	}
	for (i = 0; i < r.prov_nr; i++)
		free(r.prov[i].refusal);
	free(r.prov);
	free(r.job);
	free(r.proxy);
	free(r.noproxy);
	return 0;
}

size_t ks_verify_keep_live(struct ks_findings *fs, size_t *unknown)
{
	size_t i, w = 0, dropped = 0;

	*unknown = 0;
	for (i = 0; i < fs->nr; i++) {
		struct ks_finding *f = &fs->f[i];
		enum ks_vstate s = f->verification ? f->verification->state
						   : KS_V_NONE;

		if (s == KS_V_LIVE || s == KS_V_LIVE_RESTRICTED) {
			if (w != i)
				fs->f[w] = *f;
			w++;
			continue;
		}
		*unknown += s == KS_V_UNKNOWN && !f->suppressed;
		dropped++;
		ks_finding_release(f);
	}
	fs->nr = w;
	return dropped;
}
