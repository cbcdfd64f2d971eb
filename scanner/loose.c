/* loose.c - a bounded check of loose objects (see loose.h). */
#include "compat.h"
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include "error.h"
#include "loose.h"

#define LOOSE_IN 65536
#define LOOSE_OUT 65536

static bool is_zlib(const unsigned char *b, size_t len)
{
	return len >= 2 && (b[0] & 0x8f) == 0x08 &&
	       ((unsigned)b[0] << 8 | b[1]) % 31 == 0;
}

/* Parses "TYPE SIZE\0"; returns false when it is not a header. */
static bool parse_header(const char *h, size_t len, uint64_t *size)
{
	static const char *const types[] = { "blob ", "tree ", "commit ",
					     "tag " };
	size_t i, t, digits = 0;

	for (t = 0; t < KS_ARRAY_SIZE(types); t++)
		if (len > strlen(types[t]) &&
		    !memcmp(h, types[t], strlen(types[t])))
			break;
	if (t == KS_ARRAY_SIZE(types))
		return false;
	*size = 0;
	for (i = strlen(types[t]); i < len && h[i] >= '0' && h[i] <= '9'; i++) {
		if (*size > (UINT64_MAX - 9) / 10)
			return false;
		*size = *size * 10 + (uint64_t)(h[i] - '0');
		digits++;
	}
	return digits && i == len;
}

int ks_loose_check(const char *objects_dir, const unsigned char *id)
{
	static const char hexd[] = "0123456789abcdef";
	char hex[41], *path;
	unsigned char *in = NULL, *out = NULL;
	char header[64];
	size_t hlen = 0, plen, i;
	uint64_t size = 0, body = 0;
	bool have_header = false, eof = false, first = true, stalled = false;
	z_stream zs;
	int fd, ret = 0, zret = Z_OK;

	for (i = 0; i < 20; i++) {
		hex[2 * i] = hexd[id[i] >> 4];
		hex[2 * i + 1] = hexd[id[i] & 15];
	}
	hex[40] = '\0';
	plen = strlen(objects_dir) + 44;
	path = malloc(plen);
	if (!path)
		return 0;
	snprintf(path, plen, "%s/%.2s/%s", objects_dir, hex, hex + 2);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0; /* packed, or unreadable: libgit2 says which */
	memset(&zs, 0, sizeof(zs));
	in = malloc(LOOSE_IN);
	out = malloc(LOOSE_OUT);
	if (!in || !out || inflateInit(&zs) != Z_OK) {
		free(in);
		free(out);
		close(fd);
		return 0;
	}
	for (;;) {
		size_t produced;

		if (!zs.avail_in && !eof) {
			ssize_t n = read(fd, in, LOOSE_IN);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				ret = ks_error_set(KS_EINVALID,
						   "cannot read loose object %s: %s",
						   hex, strerror(errno));
				break;
			}
			if (!n)
				eof = true;
			if (first && n > 0 && !is_zlib(in, (size_t)n))
				break; /* the legacy "packlike" format */
			first = false;
			zs.next_in = in;
			zs.avail_in = (uInt)n;
		}
		if (eof && !zs.avail_in && stalled) {
			ret = ks_error_set(KS_EINVALID,
					   "loose object %s is truncated (its zlib stream ends early)",
					   hex);
			break;
		}
		zs.next_out = out;
		zs.avail_out = LOOSE_OUT;
		zret = inflate(&zs, Z_NO_FLUSH);
		produced = LOOSE_OUT - zs.avail_out;
		stalled = zret == Z_BUF_ERROR || !produced;
		for (i = 0; i < produced && !have_header; i++) {
			if (out[i] == '\0') {
				if (!parse_header(header, hlen, &size))
					break;
				have_header = true;
			} else if (hlen < sizeof(header)) {
				header[hlen++] = (char)out[i];
			} else {
				break;
			}
		}
		if (!have_header && i < produced) {
			ret = ks_error_set(KS_EINVALID,
					   "loose object %s has no valid header",
					   hex);
			break;
		}
		body += produced - i;
		if (zret == Z_STREAM_END)
			break;
		if (zret != Z_OK && zret != Z_BUF_ERROR) {
			ret = ks_error_set(KS_EINVALID,
					   "loose object %s is corrupt (zlib: %s)",
					   hex, zs.msg ? zs.msg : "bad data");
			break;
		}
		/* Z_BUF_ERROR: no progress with the input there is; more is
		 * read above, or the stream is truncated */
	}
	if (!ret && zret == Z_STREAM_END) {
		if (!have_header)
			ret = ks_error_set(KS_EINVALID,
					   "loose object %s has no valid header",
					   hex);
		else if (body != size)
			ret = ks_error_set(KS_EINVALID,
					   "loose object %s holds %llu bytes, its header says %llu",
					   hex, (unsigned long long)body,
					   (unsigned long long)size);
	}
	inflateEnd(&zs);
	free(in);
	free(out);
	close(fd);
	return ret;
}
