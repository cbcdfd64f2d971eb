/* utf8.c - strict UTF-8 validation and escaping for JSON/terminal output. */
#include "compat.h"
#include "utf8.h"
#include "buf.h"

size_t ks_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (!len)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

bool ks_utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		size_t n = ks_utf8_decode(s + i, len - i, &cp);

		if (!n)
			return false;
		i += n;
	}
	return true;
}

bool ks_utf8_is_bidi(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f ||
	       cp == 0x061c;
}

bool ks_json_str(struct ks_buf *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	uint32_t cp;

	/* valid UTF-8 without NUL is kept exactly as it is */
	if (ks_utf8_valid(s, len) && !memchr(s, 0, len)) {
		ks_buf_add(out, str, len);
		return false;
	}
	while (i < len) {
		size_t n = ks_utf8_decode(s + i, len - i, &cp);

		if (!n || s[i] == 0) {
			ks_buf_addf(out, "\\x%02X", s[i]);
			i++;
		} else if (s[i] == '\\') {
			/* doubled, so that "\xFF" text stays distinct from
			 * the escape of byte 0xFF */
			ks_buf_adds(out, "\\\\");
			i++;
		} else {
			ks_buf_add(out, s + i, n);
			i += n;
		}
	}
	return true;
}

void ks_base64(struct ks_buf *out, const unsigned char *s, size_t len)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 |
			     s[i + 2];

		ks_buf_addch(out, tbl[v >> 18]);
		ks_buf_addch(out, tbl[(v >> 12) & 63]);
		ks_buf_addch(out, tbl[(v >> 6) & 63]);
		ks_buf_addch(out, tbl[v & 63]);
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)s[i] << 16;

		ks_buf_addch(out, tbl[v >> 18]);
		ks_buf_addch(out, tbl[(v >> 12) & 63]);
		ks_buf_adds(out, "==");
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;

		ks_buf_addch(out, tbl[v >> 18]);
		ks_buf_addch(out, tbl[(v >> 12) & 63]);
		ks_buf_addch(out, tbl[(v >> 6) & 63]);
		ks_buf_addch(out, '=');
	}
}
