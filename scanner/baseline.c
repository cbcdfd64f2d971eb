/* baseline.c - the baseline file: load, look up, add, write atomically. */
#include "compat.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "baseline.h"
#include "buf.h"
#include "error.h"
#include "log.h"
#include "sha256.h"
#include "utf8.h"
#include "xalloc.h"

#define MAX_BASELINE_SIZE ((size_t)256 << 20)

/* "\xe2\x80\x94" is an em dash, "\xe2\x86\x92" a right arrow. */
static const char header_line[] =
	KS_BASELINE_HEADER " \xe2\x80\x94"
	" accepted findings: path, rule id, SHA-256 of the secret (CRLF"
	"\xe2\x86\x92"
	"LF). Sort order: path, rule, hash. See README.\n";

static int cmp_key(const struct ks_baseline_entry *e, const char *path,
		   const char *rule, const char *key)
{
	int c = strcmp(e->path, path);

	if (!c)
		c = strcmp(e->rule, rule);
	if (!c)
		c = strcmp(e->secret_sha256, key);
	return c;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct ks_baseline_entry *y = b;

	return cmp_key(a, y->path, y->rule, y->secret_sha256);
}

static int cmp_entry_ptr(const void *a, const void *b)
{
	const struct ks_baseline_entry *const *x = a, *const *y = b;

	return cmp_entry(*x, *y);
}

/* The index of (path, rule, key) in bl, or where it would go (*found
 * says which). */
static size_t search(const struct ks_baseline *bl, const char *path,
		     const char *rule, const char *key, bool *found)
{
	size_t lo = 0, hi = bl->nr;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_key(&bl->e[mid], path, rule, key);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool is_key(const char *key)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((key[i] >= '0' && key[i] <= '9') ||
		      (key[i] >= 'a' && key[i] <= 'f')))
			return false;
	return key[64] == '\0';
}

static void entry_release(struct ks_baseline_entry *e)
{
	free(e->path);
	free(e->rule);
	e->path = e->rule = NULL;
}

/* Sorts bl->e and drops duplicates; a kept entry is used if any of its
 * duplicates was. */
static void sort_unique(struct ks_baseline *bl)
{
	size_t i, out = 0;

	if (bl->nr < 2)
		return;
	qsort(bl->e, bl->nr, sizeof(*bl->e), cmp_entry);
	for (i = 1; i < bl->nr; i++) {
		if (!cmp_entry(&bl->e[out], &bl->e[i])) {
			bl->e[out].used |= bl->e[i].used;
			entry_release(&bl->e[i]);
		} else {
			bl->e[++out] = bl->e[i];
		}
	}
	bl->nr = out + 1;
}

void ks_baseline_key(const char *secret, size_t len, char out[65])
{
	static const char digits[] = "0123456789abcdef";
	struct ks_sha256 c;
	unsigned char md[32];
	size_t i, start = 0;

	ks_sha256_init(&c);
	for (i = 0; i + 1 < len; i++) {
		if (secret[i] == '\r' && secret[i + 1] == '\n') {
			ks_sha256_update(&c, secret + start, i - start);
			start = i + 1; /* the '\n' starts the next piece */
		}
	}
	ks_sha256_update(&c, secret + start, len - start);
	ks_sha256_final(&c, md);
	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[64] = '\0';
}

bool ks_baseline_match(struct ks_baseline *bl, const char *path,
		       const char *rule, const char *key)
{
	bool found;
	size_t i;

	if (!path || !rule || !key)
		return false;
	i = search(bl, path, rule, key, &found);
	if (found)
		bl->e[i].used = true;
	return found;
}

int ks_baseline_add(struct ks_baseline *bl, const char *path,
		    const char *rule, const char *key)
{
	struct ks_baseline_entry *e;
	bool found;
	size_t i;

	if (!*path || *path == '/')
		return ks_error_set(KS_EINVALID,
				    "baseline path '%s' is not a relative path",
				    path);
	if (!*rule || !ks_utf8_valid((const unsigned char *)rule, strlen(rule)))
		return ks_error_set(KS_EINVALID,
				    "baseline rule id '%s' is empty or not UTF-8",
				    rule);
	if (!is_key(key))
		return ks_error_set(KS_EINVALID,
				    "baseline key '%s' is not 64 lowercase hex digits",
				    key);
	i = search(bl, path, rule, key, &found);
	if (found) {
		bl->e[i].used = true;
		return 0;
	}
	ALLOC_GROW(bl->e, bl->nr + 1, bl->alloc);
	memmove(bl->e + i + 1, bl->e + i, (bl->nr - i) * sizeof(*bl->e));
	bl->nr++;
	e = &bl->e[i];
	e->path = xstrdup(path);
	e->rule = xstrdup(rule);
	memcpy(e->secret_sha256, key, 65);
	e->used = true;
	return 0;
}

size_t ks_baseline_unused(const struct ks_baseline *bl)
{
	size_t i, n = 0;

	for (i = 0; i < bl->nr; i++)
		n += !bl->e[i].used;
	return n;
}

void ks_baseline_release(struct ks_baseline *bl)
{
	size_t i;

	for (i = 0; i < bl->nr; i++)
		entry_release(&bl->e[i]);
	free(bl->e);
	free(bl->file);
	bl->e = NULL;
	bl->nr = bl->alloc = 0;
	bl->file = NULL;
}

/* --- reading -------------------------------------------------------- */

static int read_whole(struct ks_buf *out, const char *file)
{
	struct stat st;
	int fd = open(file, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return ks_error_set(errno == ENOENT ? KS_ENOTFOUND : KS_EIO,
				    "cannot open '%s': %s", file,
				    strerror(errno));
	if (fstat(fd, &st) < 0) {
		err = ks_error_set(KS_EIO, "cannot read '%s': %s", file,
				   strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		err = ks_error_set(KS_EIO, "cannot read '%s': %s", file,
				   strerror(EISDIR));
		goto done;
	}
	for (;;) {
		ssize_t r;

		ks_buf_grow(out, 65536);
		r = read(fd, out->ptr + out->len, out->alloc - out->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = ks_error_set(KS_EIO, "cannot read '%s': %s", file,
					   strerror(errno));
			goto done;
		}
		if (!r)
			break;
		ks_buf_setlen(out, out->len + (size_t)r);
		if (out->len > MAX_BASELINE_SIZE) {
			err = ks_error_set(KS_ETOOBIG,
					   "baseline '%s' is larger than %zu MiB",
					   file, MAX_BASELINE_SIZE >> 20);
			goto done;
		}
	}
done:
	close(fd);
	return err;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes padded base64 (as ks_base64() writes it); false if malformed. */
static bool b64_decode(struct ks_buf *out, const char *s)
{
	size_t len = strlen(s), i;

	if (len % 4)
		return false;
	for (i = 0; i < len; i += 4) {
		int v[4], k, pad = 0;
		uint32_t w = 0;

		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			v[k] = b64_value((unsigned char)s[i + k]);
			if (v[k] < 0 || pad)
				return false;
		}
		for (k = 0; k < 4; k++)
			w = w << 6 | (uint32_t)v[k];
		ks_buf_addch(out, (int)(w >> 16 & 0xff));
		if (pad < 2)
			ks_buf_addch(out, (int)(w >> 8 & 0xff));
		if (pad < 1)
			ks_buf_addch(out, (int)(w & 0xff));
	}
	return true;
}

#define BAD(...) ks_error_set(KS_EINVALID, __VA_ARGS__)

/* Whether a JSON line has a "\u0000" escape, which cJSON would silently
 * cut a string at. */
static bool has_nul_escape(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (line[i] != '\\')
			continue;
		if (line[i + 1] == 'u' && i + 5 < len &&
		    !memcmp(line + i + 2, "0000", 4))
			return true;
		i++; /* the escaped character */
	}
	return false;
}

/* Parses one entry line (no line terminator) into tmp. */
static int parse_entry(struct ks_baseline *tmp, const char *file, size_t ln,
		       const char *line, size_t len)
{
	static const char *const keys[] = { "path", "path_bytes", "rule",
		"secret_sha256" };
	const char *val[4] = { NULL, NULL, NULL, NULL }, *endp = NULL;
	struct ks_buf raw = KS_BUF_INIT, text = KS_BUF_INIT;
	struct ks_baseline_entry *e;
	cJSON *root = NULL, *it;
	const char *path;
	size_t k;
	int err = 0;

	if (memchr(line, '\0', len) || has_nul_escape(line, len)) {
		err = BAD("%s:%zu: NUL byte or \\u0000 in the line", file,
			  ln);
		goto done;
	}
	if (!ks_utf8_valid((const unsigned char *)line, len)) {
		err = BAD("%s:%zu: not valid UTF-8", file, ln);
		goto done;
	}
	root = cJSON_ParseWithLengthOpts(line, len, &endp, 0);
	if (!root) {
		size_t col = endp && endp >= line && endp <= line + len
				     ? (size_t)(endp - line) + 1
				     : 1;

		err = BAD("%s:%zu: invalid JSON near column %zu", file, ln,
			  col);
		goto done;
	}
	for (; endp < line + len; endp++) {
		if (*endp != ' ' && *endp != '\t') {
			err = BAD("%s:%zu: text after the JSON object", file,
				  ln);
			goto done;
		}
	}
	if (!cJSON_IsObject(root)) {
		err = BAD("%s:%zu: not a JSON object", file, ln);
		goto done;
	}
	for (it = root->child; it; it = it->next) {
		for (k = 0; k < KS_ARRAY_SIZE(keys); k++)
			if (!strcmp(it->string, keys[k]))
				break;
		if (k == KS_ARRAY_SIZE(keys)) {
			err = BAD("%s:%zu: unexpected key '%s'", file, ln,
				  it->string);
			goto done;
		}
		if (val[k]) {
			err = BAD("%s:%zu: duplicate key '%s'", file, ln,
				  keys[k]);
			goto done;
		}
		if (!cJSON_IsString(it)) {
			err = BAD("%s:%zu: '%s' is not a string", file, ln,
				  keys[k]);
			goto done;
		}
		val[k] = it->valuestring;
	}
	for (k = 0; k < KS_ARRAY_SIZE(keys); k++) {
		if (!val[k] && k != 1) {
			err = BAD("%s:%zu: missing key '%s'", file, ln,
				  keys[k]);
			goto done;
		}
	}
	path = val[0];
	if (val[1]) {
		/* the raw bytes of a path that is not UTF-8 */
		if (!b64_decode(&raw, val[1]) || !raw.len ||
		    memchr(raw.ptr, '\0', raw.len)) {
			err = BAD("%s:%zu: 'path_bytes' is not base64 of a path",
				  file, ln);
			goto done;
		}
		ks_json_str(&text, raw.ptr, raw.len);
		if (strcmp(text.ptr, val[0])) {
			err = BAD("%s:%zu: 'path' and 'path_bytes' disagree",
				  file, ln);
			goto done;
		}
		path = raw.ptr;
	}
	if (!*path || *path == '/') {
		err = BAD("%s:%zu: 'path' is not a relative path", file, ln);
		goto done;
	}
	if (!*val[2]) {
		err = BAD("%s:%zu: empty 'rule'", file, ln);
		goto done;
	}
	if (!is_key(val[3])) {
		err = BAD("%s:%zu: 'secret_sha256' is not 64 lowercase hex digits",
			  file, ln);
		goto done;
	}
	ALLOC_GROW(tmp->e, tmp->nr + 1, tmp->alloc);
	e = &tmp->e[tmp->nr++];
	e->path = xstrdup(path);
	e->rule = xstrdup(val[2]);
	memcpy(e->secret_sha256, val[3], 65);
	e->used = false;
done:
	cJSON_Delete(root);
	ks_buf_release(&raw);
	ks_buf_release(&text);
	return err;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

static int check_header(const char *file, const char *line, size_t len)
{
	size_t n = strlen(KS_BASELINE_HEADER);

	if (starts_with(line, len, KS_BASELINE_HEADER) &&
	    (len == n || line[n] == ' ' || line[n] == '\t'))
		return 0;
	if (starts_with(line, len, "# keysnare baseline v"))
		return BAD("%s:1: unsupported baseline version (this keysnare reads '%s')",
			   file, KS_BASELINE_HEADER);
	return BAD("%s:1: not a keysnare baseline: the first line must start with '%s'",
		   file, KS_BASELINE_HEADER);
}

/* Lines git merge leaves in a conflicted file. */
static bool is_conflict_marker(const char *s, size_t n)
{
	static const char *const marker[] = { "<<<<<<<", "|||||||", "=======",
		">>>>>>>" };
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(marker); i++)
		if (starts_with(s, n, marker[i]))
			return true;
	return false;
}

static int parse(struct ks_baseline *tmp, const char *file, const char *data,
		 size_t len)
{
	const char *p = data, *end = data + len;
	size_t ln;
	int err;

	if (starts_with(p, len, "\xef\xbb\xbf"))
		p += 3; /* a BOM some editors add */
	if (p == end)
		return BAD("%s:1: empty file, not a keysnare baseline", file);
	for (ln = 1; p < end; ln++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s;
		size_t n;

		if (le > p && le[-1] == '\r')
			le--;
		n = (size_t)(le - p);
		s = p;
		p = nl ? nl + 1 : end;
		if (ln == 1) {
			err = check_header(file, s, n);
			if (err)
				return err;
			continue;
		}
		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (!n || *s == '#')
			continue;
		if (is_conflict_marker(s, n))
			return BAD("%s:%zu: unresolved merge conflict marker (keep the lines of both sides, or set 'merge=union' for the file in .gitattributes)",
				   file, ln);
		err = parse_entry(tmp, file, ln, s, n);
		if (err)
			return err;
	}
	return 0;
}

int ks_baseline_load(struct ks_baseline *bl, const char *file)
{
	struct ks_baseline tmp = KS_BASELINE_INIT;
	struct ks_buf data = KS_BUF_INIT;
	int err;

	err = read_whole(&data, file);
	if (err)
		goto done;
	err = parse(&tmp, file, data.ptr, data.len);
	if (err)
		goto done;
	/* all checked: move the entries over */
	ALLOC_GROW(bl->e, st_add(bl->nr, tmp.nr), bl->alloc);
	if (tmp.nr)
		memcpy(bl->e + bl->nr, tmp.e, tmp.nr * sizeof(*tmp.e));
	bl->nr += tmp.nr;
	tmp.nr = 0;
	sort_unique(bl);
	free(bl->file);
	bl->file = xstrdup(file);
done:
	ks_baseline_release(&tmp);
	ks_buf_release(&data);
	return err;
}

/* --- writing -------------------------------------------------------- */

static void add_str(cJSON *o, const char *key, const char *val)
{
	if (!cJSON_AddStringToObject(o, key, val))
		die("out of memory");
}

static void format_entry(struct ks_buf *out, const struct ks_baseline_entry *e)
{
	struct ks_buf text = KS_BUF_INIT, raw = KS_BUF_INIT;
	cJSON *o = cJSON_CreateObject();
	char *s;

	if (!o)
		die("out of memory");
	if (ks_json_str(&text, e->path, strlen(e->path))) {
		ks_base64(&raw, (const unsigned char *)e->path,
			  strlen(e->path));
		add_str(o, "path", text.ptr);
		add_str(o, "path_bytes", raw.ptr);
	} else {
		add_str(o, "path", e->path);
	}
	add_str(o, "rule", e->rule);
	add_str(o, "secret_sha256", e->secret_sha256);
	s = cJSON_PrintUnformatted(o);
	if (!s)
		die("out of memory");
	ks_buf_adds(out, s);
	ks_buf_addch(out, '\n');
	cJSON_free(s);
	cJSON_Delete(o);
	ks_buf_release(&text);
	ks_buf_release(&raw);
}

static void format_baseline(struct ks_buf *out, const struct ks_baseline *bl,
			    bool only_used)
{
	const struct ks_baseline_entry **idx = NULL;
	size_t i, j;

	ks_buf_adds(out, header_line);
	if (!bl->nr)
		return;
	/* sorted and unique even if a caller broke the invariant */
	idx = xmalloc(st_mult(bl->nr, sizeof(*idx)));
	for (i = 0; i < bl->nr; i++)
		idx[i] = &bl->e[i];
	qsort(idx, bl->nr, sizeof(*idx), cmp_entry_ptr);
	for (i = 0; i < bl->nr; i = j) {
		bool used = false;

		for (j = i; j < bl->nr && !cmp_entry(idx[i], idx[j]); j++)
			used |= idx[j]->used;
		if (used || !only_used)
			format_entry(out, idx[i]);
	}
	free(idx);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Best effort: makes a rename in the directory of file durable. */
static void fsync_dir(const char *file)
{
	const char *slash = strrchr(file, '/');
	char *dir;
	int fd;

	if (!slash)
		dir = xstrdup(".");
	else if (slash == file)
		dir = xstrdup("/");
	else
		dir = xmemdupz(file, (size_t)(slash - file));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static int write_in_place(const char *file, const char *data, size_t len)
{
	int fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0 || write_all(fd, data, len) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return ks_error_set(KS_EIO, "cannot write '%s': %s", file,
				    strerror(e));
	}
	if (close(fd) < 0)
		return ks_error_set(KS_EIO, "cannot write '%s': %s", file,
				    strerror(errno));
	return 0;
}

static int write_atomic(const char *file, const char *data, size_t len)
{
	static _Atomic unsigned counter;
	struct ks_buf tmp = KS_BUF_INIT;
	struct stat st;
	bool exists;
	int fd = -1, err = 0, tries;

	exists = !lstat(file, &st);
	if (!exists && errno != ENOENT)
		return ks_error_set(KS_EIO, "cannot write '%s': %s", file,
				    strerror(errno));
	if (exists && !S_ISREG(st.st_mode))
		return write_in_place(file, data, len);

	for (tries = 0; fd < 0 && tries < 100; tries++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ks_buf_reset(&tmp);
		ks_buf_addf(&tmp, "%s.tmp-%ld-%u-%ld", file, (long)getpid(),
			    counter++, (long)(ts.tv_nsec % 100000));
		/* 0666 and the umask, as for any new file */
		fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		err = ks_error_set(KS_EIO, "cannot create '%s': %s", tmp.ptr,
				   strerror(errno));
		goto done;
	}
	if ((exists && fchmod(fd, st.st_mode & 07777) < 0) ||
	    write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		err = ks_error_set(KS_EIO, "cannot write '%s': %s", tmp.ptr,
				   strerror(errno));
		close(fd);
		unlink(tmp.ptr);
		goto done;
	}
	if (close(fd) < 0) {
		err = ks_error_set(KS_EIO, "cannot write '%s': %s", tmp.ptr,
				   strerror(errno));
		unlink(tmp.ptr);
		goto done;
	}
	if (rename(tmp.ptr, file) < 0) {
		err = ks_error_set(KS_EIO, "cannot rename '%s' to '%s': %s",
				   tmp.ptr, file, strerror(errno));
		unlink(tmp.ptr);
		goto done;
	}
	fsync_dir(file);
done:
	ks_buf_release(&tmp);
	return err;
}

int ks_baseline_write(const struct ks_baseline *bl, const char *file,
		      bool only_used)
{
	struct ks_buf out = KS_BUF_INIT;
	int err;

	format_baseline(&out, bl, only_used);
	err = write_atomic(file, out.ptr, out.len);
	ks_buf_release(&out);
	return err;
}
