/* vcache.c - the on-disk cache of --verify answers: a salted, keyed-hash
 * index of conclusive answers in one JSON-lines file (vcache.h).
 *
 * Every file operation goes through the directory descriptor opened and
 * checked once in ks_vcache_open() (openat, renameat): a directory
 * swapped afterwards cannot redirect the salt, the cache or the temp file.
 * Entries live in an array sorted by id (binary search; at most
 * VC_MAX_ENTRIES).
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "error.h"
#include "log.h"
#include "sha256.h"
#include "vcache.h"
#include "verify.h"
#include "xalloc.h"

#define VC_HEADER      "# keysnare verify cache v1"
#define VC_FILE	       "verify-cache"
#define VC_SALT	       "salt"
#define VC_SALT_LEN    32
#define VC_MAX_ENTRIES 10000
#define VC_MAX_READ    ((size_t)8 << 20)
#define VC_MAX_SKEW    86400 /* checked_at may lie this far in the future */
#define VC_MAX_STR     1024  /* reason, detail keys and values */
#define VC_MAX_DETAIL  64
#define VC_MAX_PROV    64
#define VC_MAX_TIME    ((int64_t)1 << 53) /* exact in a JSON double */

struct vc_entry {
	unsigned char id[32];	  /* HMAC-SHA256(salt, provider "\0" key) */
	char *provider;
	struct ks_verification *v; /* v->provider unused (NULL) */
};

struct ks_vcache {
	int dfd;		/* the checked directory */
	char *dir;		/* its path, for messages */
	unsigned char salt[VC_SALT_LEN];
	int64_t ttl;
	int64_t now;		/* latest time seen (open, get): save drops
				 * what is stale at it */
	struct vc_entry **e;	/* sorted by id */
	size_t e_nr, e_alloc;
	bool dirty;
};

static void entry_free(struct vc_entry *e)
{
	if (!e)
		return;
	free(e->provider);
	ks_verification_free(e->v);
	free(e);
}

/* Fresh: checked_at + ttl > now, and not more than a day in the future.
 * Written to avoid signed overflow for any ttl and now. */
static bool fresh(int64_t at, int64_t ttl, int64_t now)
{
	if (ttl <= 0)
		return false;
	if (now <= INT64_MAX - VC_MAX_SKEW && at > now + VC_MAX_SKEW)
		return false;
	if (now < INT64_MIN + ttl)
		return true;
	return at > now - ttl;
}

static bool cacheable_state(enum ks_vstate s)
{
	return s == KS_V_LIVE || s == KS_V_LIVE_RESTRICTED ||
	       s == KS_V_INVALID;
}

static enum ks_vstate state_from_name(const char *s)
{
	static const enum ks_vstate states[] = { KS_V_LIVE,
						 KS_V_LIVE_RESTRICTED,
						 KS_V_INVALID };
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(states); i++)
		if (!strcmp(s, ks_vstate_name(states[i])))
			return states[i];
	return KS_V_NONE;
}

static bool provider_ok(const char *p)
{
	size_t n = strlen(p);

	if (!n || n > VC_MAX_PROV)
		return false;
	return strspn(p, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static bool str_ok(const char *s)
{
	return s && strlen(s) <= VC_MAX_STR;
}

/* What put() keeps is exactly what open() accepts back. */
static bool verification_ok(const struct ks_verification *v)
{
	size_t i;

	if (!cacheable_state(v->state))
		return false;
	if (v->http_status < 0 || v->http_status > 999)
		return false;
	if (v->checked_at < 0 || v->checked_at > VC_MAX_TIME)
		return false;
	if (v->reason && !str_ok(v->reason))
		return false;
	if (v->detail_nr > VC_MAX_DETAIL)
		return false;
	for (i = 0; i < v->detail_nr; i++)
		if (!str_ok(v->detail[i].key) || !str_ok(v->detail[i].value))
			return false;
	return true;
}

static void make_id(const struct ks_vcache *c, const char *provider,
		    const char *key, size_t key_len, unsigned char id[32])
{
	size_t plen = strlen(provider), n = st_add(st_add(plen, 1), key_len);
	unsigned char *msg = xmalloc(n);

	memcpy(msg, provider, plen);
	msg[plen] = '\0';
	if (key_len)
		memcpy(msg + plen + 1, key, key_len);
	ks_hmac_sha256(c->salt, sizeof(c->salt), msg, n, id);
	ks_wipe(msg, n);
	free(msg);
}

/* Index of id in c->e, or where it would go (*found false). */
static size_t find(const struct ks_vcache *c, const unsigned char id[32],
		   bool *found)
{
	size_t lo = 0, hi = c->e_nr;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = memcmp(c->e[mid]->id, id, 32);

		if (!cmp) {
			*found = true;
			return mid;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void remove_at(struct ks_vcache *c, size_t i)
{
	entry_free(c->e[i]);
	memmove(c->e + i, c->e + i + 1, (c->e_nr - i - 1) * sizeof(*c->e));
	c->e_nr--;
}

/* ---- files ---- */

static int check_fd(int fd, const char *path, bool want_dir)
{
	struct stat st;

	if (fstat(fd, &st))
		return ks_error_set(KS_EIO, "cannot stat '%s': %s", path,
				    strerror(errno));
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return ks_error_set(KS_EINVALID, "'%s' is not a %s", path,
				    want_dir ? "directory" : "regular file");
	if (st.st_uid != geteuid())
		return ks_error_set(KS_EINVALID,
				    "'%s' is not owned by the current user",
				    path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return ks_error_set(KS_EINVALID,
				    "'%s' is writable by group or others",
				    path);
	return 0;
}

/* After a failed open of name in dfd (O_NOFOLLOW): a symlink gives
 * ELOOP, or ENOTDIR with O_DIRECTORY on some kernels (gVisor). */
static int open_error(int dfd, const char *name, const char *path)
{
	int err = errno;
	struct stat st;

	if (err == ELOOP ||
	    (err == ENOTDIR && !fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	     S_ISLNK(st.st_mode)))
		return ks_error_set(KS_EINVALID, "'%s' is a symlink", path);
	return ks_error_set(KS_EIO, "cannot open '%s': %s", path,
			    strerror(err));
}

static int read_all(int fd, struct ks_buf *b, size_t cap, const char *path)
{
	for (;;) {
		ssize_t n;

		if (b->len > cap)
			return 0;
		ks_buf_grow(b, 65536);
		n = read(fd, b->ptr + b->len,
			 KS_MIN(b->alloc - b->len - 1, cap + 1 - b->len));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ks_error_set(KS_EIO, "cannot read '%s': %s",
					    path, strerror(errno));
		if (!n)
			return 0;
		ks_buf_setlen(b, b->len + (size_t)n);
	}
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int random_bytes(void *out, size_t len)
{
	unsigned char *p = out;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ks_error_set(KS_EIO, "getrandom: %s",
					    strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* mkdir -p, new components 0700; errors surface when dir is opened. */
static void mkdir_p(char *path)
{
	char *s;

	for (s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			ks_log_debug("cannot create '%s': %s", path,
				     strerror(errno));
		*s = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST)
		ks_log_debug("cannot create '%s': %s", path, strerror(errno));
}

/* $XDG_CACHE_HOME/keysnare (only an absolute XDG_CACHE_HOME counts, as
 * the XDG Base Directory spec says), else $HOME/.cache/keysnare. */
static int default_dir(struct ks_buf *out)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && xdg[0] == '/') {
		ks_buf_addf(out, "%s/keysnare", xdg);
		return 0;
	}
	if (home && home[0] == '/') {
		ks_buf_addf(out, "%s/.cache/keysnare", home);
		return 0;
	}
	return ks_error_set(KS_ENOTFOUND,
			    "no cache directory: neither XDG_CACHE_HOME nor HOME is an absolute path");
}

static int load_salt(struct ks_vcache *c)
{
	struct ks_buf path = KS_BUF_INIT, b = KS_BUF_INIT;
	int fd = -1, ret = 0;

	ks_buf_addf(&path, "%s/" VC_SALT, c->dir);
	fd = openat(c->dfd, VC_SALT,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* First use: a new salt, never replacing one that exists. */
		ret = random_bytes(c->salt, sizeof(c->salt));
		if (ret)
			goto done;
		fd = openat(c->dfd, VC_SALT,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				    O_CLOEXEC,
			    0600);
		if (fd >= 0) {
			if (fchmod(fd, 0600) ||
			    write_all(fd, (const char *)c->salt,
				      sizeof(c->salt)) ||
			    fsync(fd)) {
				ret = ks_error_set(KS_EIO,
						   "cannot write '%s': %s",
						   path.ptr, strerror(errno));
				unlinkat(c->dfd, VC_SALT, 0);
			}
			goto done;
		}
		if (errno != EEXIST) {
			ret = open_error(c->dfd, VC_SALT, path.ptr);
			goto done;
		}
		/* another keysnare created it first: use theirs */
		fd = openat(c->dfd, VC_SALT,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	}
	if (fd < 0) {
		ret = open_error(c->dfd, VC_SALT, path.ptr);
		goto done;
	}
	ret = check_fd(fd, path.ptr, false);
	if (ret)
		goto done;
	ret = read_all(fd, &b, VC_SALT_LEN, path.ptr);
	if (ret)
		goto done;
	if (b.len != VC_SALT_LEN) {
		ret = ks_error_set(KS_EINVALID,
				   "'%s' is not %d bytes long (remove it to start a new cache)",
				   path.ptr, VC_SALT_LEN);
		goto done;
	}
	memcpy(c->salt, b.ptr, VC_SALT_LEN);

done:
	if (fd >= 0)
		close(fd);
	ks_wipe(b.ptr, b.len);
	ks_buf_release(&b);
	ks_buf_release(&path);
	return ret;
}

/* ---- JSON lines ---- */

static bool json_int(const cJSON *j, int64_t min, int64_t max, int64_t *out)
{
	double d;

	if (!cJSON_IsNumber(j))
		return false;
	d = j->valuedouble;
	if (!(d >= (double)min && d <= (double)max) || d != (double)(int64_t)d)
		return false;
	*out = (int64_t)d;
	return true;
}

static bool parse_hex_id(const char *s, unsigned char id[32])
{
	size_t i;

	if (strlen(s) != 64)
		return false;
	for (i = 0; i < 64; i++) {
		const char *p = strchr("0123456789abcdef", s[i]);
		unsigned v;

		if (!s[i] || !p)
			return false;
		v = (unsigned)(p - "0123456789abcdef");
		if (i % 2)
			id[i / 2] |= (unsigned char)v;
		else
			id[i / 2] = (unsigned char)(v << 4);
	}
	return true;
}

/* One cache line, or NULL when it is not a valid v1 entry. */
static struct vc_entry *parse_line(const char *line, size_t len)
{
	cJSON *j = NULL, *x, *d;
	const char *end = NULL;
	struct vc_entry *e = NULL;
	struct ks_verification *v = NULL;
	int64_t n;

	j = cJSON_ParseWithLengthOpts(line, len, &end, false);
	if (!j || !cJSON_IsObject(j))
		goto bad;
	while (end < line + len && (*end == ' ' || *end == '\t' || *end == '\r'))
		end++;
	if (end != line + len)
		goto bad;
	e = xcalloc(1, sizeof(*e));
	v = ks_verification_new();
	x = cJSON_GetObjectItemCaseSensitive(j, "id");
	if (!cJSON_IsString(x) || !parse_hex_id(x->valuestring, e->id))
		goto bad;
	x = cJSON_GetObjectItemCaseSensitive(j, "provider");
	if (!cJSON_IsString(x) || !provider_ok(x->valuestring))
		goto bad;
	e->provider = xstrdup(x->valuestring);
	x = cJSON_GetObjectItemCaseSensitive(j, "state");
	if (!cJSON_IsString(x))
		goto bad;
	v->state = state_from_name(x->valuestring);
	if (!json_int(cJSON_GetObjectItemCaseSensitive(j, "http_status"), 0,
		      999, &n))
		goto bad;
	v->http_status = (long)n;
	if (!json_int(cJSON_GetObjectItemCaseSensitive(j, "checked_at"), 0,
		      VC_MAX_TIME, &v->checked_at))
		goto bad;
	x = cJSON_GetObjectItemCaseSensitive(j, "reason");
	if (cJSON_IsString(x))
		v->reason = xstrdup(x->valuestring);
	else if (x && !cJSON_IsNull(x))
		goto bad;
	x = cJSON_GetObjectItemCaseSensitive(j, "detail");
	if (x && !cJSON_IsArray(x))
		goto bad;
	if (x && cJSON_GetArraySize(x) > VC_MAX_DETAIL)
		goto bad;
	cJSON_ArrayForEach(d, x)
	{
		const cJSON *k = cJSON_GetArrayItem(d, 0);
		const cJSON *val = cJSON_GetArrayItem(d, 1);

		if (!cJSON_IsArray(d) || cJSON_GetArraySize(d) != 2 ||
		    !cJSON_IsString(k) || !cJSON_IsString(val))
			goto bad;
		ks_verification_add_detail(v, k->valuestring,
					   val->valuestring);
	}
	if (!verification_ok(v))
		goto bad;
	e->v = v;
	cJSON_Delete(j);
	return e;

bad:
	cJSON_Delete(j);
	ks_verification_free(v);
	entry_free(e);
	return NULL;
}

static char *entry_json(const struct vc_entry *e)
{
	static const char digits[] = "0123456789abcdef";
	const struct ks_verification *v = e->v;
	cJSON *j = cJSON_CreateObject(), *arr;
	char hex[65], *s;
	size_t i;

	if (!j)
		die("out of memory");
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[e->id[i] >> 4];
		hex[2 * i + 1] = digits[e->id[i] & 15];
	}
	hex[64] = '\0';
	cJSON_AddStringToObject(j, "id", hex);
	cJSON_AddStringToObject(j, "provider", e->provider);
	cJSON_AddStringToObject(j, "state", ks_vstate_name(v->state));
	cJSON_AddNumberToObject(j, "http_status", (double)v->http_status);
	if (v->reason)
		cJSON_AddStringToObject(j, "reason", v->reason);
	arr = cJSON_AddArrayToObject(j, "detail");
	for (i = 0; arr && i < v->detail_nr; i++) {
		cJSON *pair = cJSON_CreateArray();

		cJSON_AddItemToArray(pair,
				     cJSON_CreateString(v->detail[i].key));
		cJSON_AddItemToArray(pair,
				     cJSON_CreateString(v->detail[i].value));
		cJSON_AddItemToArray(arr, pair);
	}
	cJSON_AddNumberToObject(j, "checked_at", (double)v->checked_at);
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!s)
		die("out of memory");
	return s;
}

static int cmp_entry_id(const void *a, const void *b)
{
	const struct vc_entry *x = *(const struct vc_entry *const *)a;
	const struct vc_entry *y = *(const struct vc_entry *const *)b;

	return memcmp(x->id, y->id, 32);
}

/* Newest first; ties by id, so the order is total. */
static int cmp_entry_age(const void *a, const void *b)
{
	const struct vc_entry *x = *(const struct vc_entry *const *)a;
	const struct vc_entry *y = *(const struct vc_entry *const *)b;

	if (x->v->checked_at != y->v->checked_at)
		return x->v->checked_at > y->v->checked_at ? -1 : 1;
	return memcmp(x->id, y->id, 32);
}

/* Sorts by id, keeps the newest of duplicate ids and at most
 * VC_MAX_ENTRIES (the newest). */
static void settle(struct ks_vcache *c)
{
	size_t i, out = 0;

	if (!c->e_nr)
		return; /* qsort(NULL, 0, ...) is undefined */
	if (c->e_nr > VC_MAX_ENTRIES) {
		qsort(c->e, c->e_nr, sizeof(*c->e), cmp_entry_age);
		for (i = VC_MAX_ENTRIES; i < c->e_nr; i++)
			entry_free(c->e[i]);
		ks_log_verbose("'%s/" VC_FILE "': more than %d entries, the %zu oldest dropped",
			       c->dir, VC_MAX_ENTRIES,
			       c->e_nr - VC_MAX_ENTRIES);
		c->e_nr = VC_MAX_ENTRIES;
		c->dirty = true;
	}
	qsort(c->e, c->e_nr, sizeof(*c->e), cmp_entry_id);
	for (i = 0; i < c->e_nr; i++) {
		if (out && !memcmp(c->e[out - 1]->id, c->e[i]->id, 32)) {
			struct vc_entry **keep = &c->e[out - 1];

			if (c->e[i]->v->checked_at > (*keep)->v->checked_at) {
				entry_free(*keep);
				*keep = c->e[i];
			} else {
				entry_free(c->e[i]);
			}
			c->dirty = true;
			continue;
		}
		c->e[out++] = c->e[i];
	}
	c->e_nr = out;
}

static int load(struct ks_vcache *c)
{
	struct ks_buf path = KS_BUF_INIT, b = KS_BUF_INIT;
	size_t off, lineno = 0, bad = 0, first_bad = 0, stale = 0;
	int fd = -1, ret = 0;

	ks_buf_addf(&path, "%s/" VC_FILE, c->dir);
	fd = openat(c->dfd, VC_FILE,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		goto done; /* no cache yet */
	if (fd < 0) {
		ret = open_error(c->dfd, VC_FILE, path.ptr);
		goto done;
	}
	ret = check_fd(fd, path.ptr, false);
	if (ret)
		goto done;
	ret = read_all(fd, &b, VC_MAX_READ, path.ptr);
	if (ret)
		goto done;
	if (b.len > VC_MAX_READ) {
		/* keep whole lines of the first 8 MiB */
		char *nl = memrchr(b.ptr, '\n', VC_MAX_READ);

		ks_buf_setlen(&b, nl ? (size_t)(nl - b.ptr) + 1 : 0);
		ks_log_verbose("'%s' is larger than %zu bytes: the rest is dropped",
			       path.ptr, VC_MAX_READ);
		c->dirty = true;
	}
	if (!b.len)
		goto done;
	if (b.len < strlen(VC_HEADER) + 1 ||
	    memcmp(b.ptr, VC_HEADER "\n", strlen(VC_HEADER) + 1)) {
		ret = ks_error_set(KS_EINVALID,
				   "'%s' is not a keysnare verify cache (no '" VC_HEADER "' line)",
				   path.ptr);
		goto done;
	}
	for (off = 0; off < b.len;) {
		const char *line = b.ptr + off;
		const char *nl = memchr(line, '\n', b.len - off);
		size_t len = nl ? (size_t)(nl - line) : b.len - off;
		struct vc_entry *e;

		off += len + (nl ? 1 : 0);
		if (++lineno == 1 || !len || line[0] == '#')
			continue;
		e = memchr(line, '\0', len) ? NULL : parse_line(line, len);
		if (!e) {
			if (!bad++)
				first_bad = lineno;
			continue;
		}
		if (!fresh(e->v->checked_at, c->ttl, c->now)) {
			entry_free(e);
			stale++;
			continue;
		}
		ALLOC_GROW(c->e, c->e_nr + 1, c->e_alloc);
		c->e[c->e_nr++] = e;
	}
	if (bad) {
		ks_log_verbose("'%s': %zu corrupt line%s skipped (first: line %zu)",
			       path.ptr, bad, bad == 1 ? "" : "s", first_bad);
		c->dirty = true;
	}
	if (stale)
		c->dirty = true;
	settle(c);

done:
	if (fd >= 0)
		close(fd);
	ks_buf_release(&b);
	ks_buf_release(&path);
	return ret;
}

/* ---- the interface ---- */

int ks_vcache_open(struct ks_vcache **out, const char *dir, int64_t ttl,
		   int64_t now)
{
	struct ks_vcache *c = NULL;
	struct ks_buf path = KS_BUF_INIT;
	int ret = 0;

	*out = NULL;
	if (dir && *dir)
		ks_buf_adds(&path, dir);
	else
		ret = default_dir(&path);
	if (ret)
		goto done;
	/* "dir/" would follow a symlink despite O_NOFOLLOW */
	while (path.len > 1 && path.ptr[path.len - 1] == '/')
		ks_buf_setlen(&path, path.len - 1);
	mkdir_p(path.ptr);

	c = xcalloc(1, sizeof(*c));
	c->ttl = ttl;
	c->now = now;
	c->dfd = open(path.ptr,
		      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	c->dir = ks_buf_detach(&path, NULL);
	if (c->dfd < 0) {
		ret = open_error(AT_FDCWD, c->dir, c->dir);
		goto done;
	}
	ret = check_fd(c->dfd, c->dir, true);
	if (ret)
		goto done;
	ret = load_salt(c);
	if (ret)
		goto done;
	ret = load(c);
	if (ret)
		goto done;
	*out = c;
	c = NULL;

done:
	ks_vcache_free(c);
	ks_buf_release(&path);
	return ret;
}

struct ks_verification *ks_vcache_get(struct ks_vcache *c,
				      const char *provider, const char *key,
				      size_t key_len, int64_t now)
{
	unsigned char id[32];
	struct ks_verification *d;
	bool found;
	size_t i;

	if (!c || !provider)
		return NULL;
	if (now > c->now)
		c->now = now;
	make_id(c, provider, key, key_len, id);
	i = find(c, id, &found);
	if (!found || strcmp(c->e[i]->provider, provider) ||
	    !fresh(c->e[i]->v->checked_at, c->ttl, now))
		return NULL;
	d = ks_verification_dup(c->e[i]->v);
	d->provider = provider; /* the caller's static id, equal to ours */
	d->cached = true;
	return d;
}

void ks_vcache_put(struct ks_vcache *c, const char *provider,
		   const char *key, size_t key_len,
		   const struct ks_verification *v)
{
	struct vc_entry *e;
	bool found;
	size_t i;

	if (!c || !provider || !v || !provider_ok(provider) ||
	    !verification_ok(v))
		return;
	e = xcalloc(1, sizeof(*e));
	make_id(c, provider, key, key_len, e->id);
	e->provider = xstrdup(provider);
	e->v = ks_verification_dup(v);
	e->v->provider = NULL;
	e->v->cached = false;
	i = find(c, e->id, &found);
	if (found) {
		entry_free(c->e[i]);
		c->e[i] = e;
		c->dirty = true;
		return;
	}
	if (c->e_nr >= VC_MAX_ENTRIES) {
		/* full: the oldest answer makes room */
		size_t j, old = 0;

		for (j = 1; j < c->e_nr; j++)
			if (c->e[j]->v->checked_at < c->e[old]->v->checked_at)
				old = j;
		remove_at(c, old);
		if (old < i)
			i--;
	}
	ALLOC_GROW(c->e, c->e_nr + 1, c->e_alloc);
	memmove(c->e + i + 1, c->e + i, (c->e_nr - i) * sizeof(*c->e));
	c->e[i] = e;
	c->e_nr++;
	c->dirty = true;
}

int ks_vcache_save(struct ks_vcache *c)
{
	struct ks_buf b = KS_BUF_INIT, tmp = KS_BUF_INIT;
	unsigned char rnd[8];
	size_t i, over = 0;
	int fd = -1, ret = 0, tries;

	if (!c || !c->dirty)
		return 0;
	ks_buf_adds(&b, VC_HEADER "\n");
	for (i = 0; i < c->e_nr; i++) {
		char *s;
		size_t n;

		if (!fresh(c->e[i]->v->checked_at, c->ttl, c->now))
			continue;
		s = entry_json(c->e[i]);
		n = strlen(s);
		/* never write what the next open would not read */
		if (b.len + n + 1 > VC_MAX_READ) {
			over++;
		} else {
			ks_buf_add(&b, s, n);
			ks_buf_addch(&b, '\n');
		}
		cJSON_free(s);
	}
	if (over)
		ks_log_verbose("'%s/" VC_FILE "': %zu entries left out (%zu bytes at most)",
			       c->dir, over, VC_MAX_READ);

	for (tries = 0; fd < 0 && tries < 16; tries++) {
		static const char digits[] = "0123456789abcdef";

		ret = random_bytes(rnd, sizeof(rnd));
		if (ret)
			goto done;
		ks_buf_reset(&tmp);
		ks_buf_adds(&tmp, "." VC_FILE ".");
		for (i = 0; i < sizeof(rnd); i++) {
			ks_buf_addch(&tmp, digits[rnd[i] >> 4]);
			ks_buf_addch(&tmp, digits[rnd[i] & 15]);
		}
		fd = openat(c->dfd, tmp.ptr,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		ret = ks_error_set(KS_EIO, "cannot create a temporary file in '%s': %s",
				   c->dir, strerror(errno));
		goto done;
	}
	if (fchmod(fd, 0600) || write_all(fd, b.ptr, b.len) || fsync(fd)) {
		ret = ks_error_set(KS_EIO, "cannot write '%s/%s': %s", c->dir,
				   tmp.ptr, strerror(errno ? errno : EIO));
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		ret = ks_error_set(KS_EIO, "cannot write '%s/%s': %s", c->dir,
				   tmp.ptr, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (renameat(c->dfd, tmp.ptr, c->dfd, VC_FILE)) {
		ret = ks_error_set(KS_EIO, "cannot rename '%s/%s' to '" VC_FILE "': %s",
				   c->dir, tmp.ptr, strerror(errno));
		goto fail;
	}
	fsync(c->dfd); /* the rename itself; best effort */
	c->dirty = false;
	goto done;

fail:
	if (fd >= 0)
		close(fd);
	fd = -1;
	unlinkat(c->dfd, tmp.ptr, 0);
done:
	if (fd >= 0)
		close(fd);
	ks_buf_release(&b);
	ks_buf_release(&tmp);
	return ret;
}

void ks_vcache_free(struct ks_vcache *c)
{
	size_t i;

	if (!c)
		return;
	ks_wipe(c->salt, sizeof(c->salt));
	for (i = 0; i < c->e_nr; i++)
		entry_free(c->e[i]);
	free(c->e);
	if (c->dfd >= 0)
		close(c->dfd);
	free(c->dir);
	free(c);
}
