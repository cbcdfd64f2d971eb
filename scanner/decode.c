/* decode.c - find and decode base64, percent and escape segments; UTF-16. */
#include "compat.h"
#include <ctype.h>
#include <pthread.h>
#include "decode.h"
#include "error.h"
#include "utf8.h"
#include "xalloc.h"

const char *ks_enc_name(enum ks_enc e)
{
	switch (e) {
	case KS_ENC_BASE64:
		return "base64";
	case KS_ENC_PERCENT:
		return "percent";
	case KS_ENC_ESCAPE:
		return "escape";
	case KS_ENC_UTF16LE:
		return "utf-16le";
	case KS_ENC_UTF16BE:
		return "utf-16be";
	case KS_ENC_NONE:
		break;
	}
	return "";
}

/* Character classes, one table for the hot loops. */
#define C_B64STD 1	/* A-Z a-z 0-9 + / */
#define C_B64URL 2	/* A-Z a-z 0-9 - _ */
#define C_URL 4		/* percent runs: A-Z a-z 0-9 % - . _ ~ + */
#define C_HEX 8

static unsigned char cls[256];
static bool text_quantum[256];	/* see try_base64() */
static signed char b64val[256];
static pthread_once_t cls_once = PTHREAD_ONCE_INIT;

static void cls_init(void)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t i;

	memset(b64val, -1, sizeof(b64val));
	for (i = 0; alpha[i]; i++) {
		unsigned char c = (unsigned char)alpha[i];

		cls[c] |= C_B64STD | C_B64URL | C_URL;
		b64val[c] = (signed char)i;
	}
	cls['+'] |= C_B64STD | C_URL;
	cls['/'] |= C_B64STD;
	cls['-'] |= C_B64URL | C_URL;
	cls['_'] |= C_B64URL | C_URL;
	cls['%'] |= C_URL;
	cls['.'] |= C_URL;
	cls['~'] |= C_URL;
	b64val['+'] = b64val['-'] = 62;
	b64val['/'] = b64val['_'] = 63;
	for (i = 0; i < 26; i++)
		text_quantum['I' + i] = i < 18;	/* I-Z */
	for (i = 0; i < 6; i++)
		text_quantum['a' + i] = true;	/* a-f */
	text_quantum['C'] = text_quantum['D'] = true;
	for (i = 0; i < 256; i++)
		if (isxdigit((int)i))
			cls[i] |= C_HEX;
}

static void init(void)
{
	pthread_once(&cls_once, cls_init);
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void add_utf8(struct ks_buf *out, uint32_t cp)
{
	if (cp < 0x80) {
		ks_buf_addch(out, (int)cp);
	} else if (cp < 0x800) {
		ks_buf_addch(out, (int)(0xc0 | (cp >> 6)));
		ks_buf_addch(out, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		ks_buf_addch(out, (int)(0xe0 | (cp >> 12)));
		ks_buf_addch(out, (int)(0x80 | ((cp >> 6) & 0x3f)));
		ks_buf_addch(out, (int)(0x80 | (cp & 0x3f)));
	} else {
		ks_buf_addch(out, (int)(0xf0 | (cp >> 18)));
		ks_buf_addch(out, (int)(0x80 | ((cp >> 12) & 0x3f)));
		ks_buf_addch(out, (int)(0x80 | ((cp >> 6) & 0x3f)));
		ks_buf_addch(out, (int)(0x80 | (cp & 0x3f)));
	}
}

static size_t utf8_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

int ks_base64_decode(struct ks_buf *out, const unsigned char *s, size_t len,
		     size_t cap)
{
	size_t i, n = 0, start = out->len;
	unsigned seen = 0;
	uint32_t acc = 0;
	int bits = 0;

	init();
	while (len && s[len - 1] == '=' && n < 2) {
		len--;
		n++;
	}
	if (len % 4 == 1)
		return KS_EINVALID;
	for (i = 0; i < len; i++) {
		unsigned c = cls[s[i]];

		if (!(c & (C_B64STD | C_B64URL)))
			return KS_EINVALID;
		if (!(c & C_B64URL))
			seen |= 1;
		else if (!(c & C_B64STD))
			seen |= 2;
	}
	if (seen == 3)
		return KS_EINVALID;
	for (i = 0; i < len && out->len - start < cap; i++) {
		acc = (acc << 6) | (uint32_t)b64val[s[i]];
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			ks_buf_addch(out, (int)((acc >> bits) & 0xff));
		}
	}
	return (int)(out->len - start);
}

size_t ks_percent_decode(struct ks_buf *out, const unsigned char *s,
			 size_t len, size_t cap)
{
	size_t i, n = 0, start = out->len;

	for (i = 0; i < len && out->len - start < cap; i++) {
		int h, l;

		if (s[i] == '%' && i + 2 < len && (h = hexval(s[i + 1])) >= 0 &&
		    (l = hexval(s[i + 2])) >= 0) {
			ks_buf_addch(out, h * 16 + l);
			i += 2;
			n++;
			continue;
		}
		ks_buf_addch(out, s[i]);
	}
	return n;
}

static int hex4(const unsigned char *s, size_t len, size_t i, uint32_t *v)
{
	size_t k;

	*v = 0;
	if (i + 4 > len)
		return -1;
	for (k = 0; k < 4; k++) {
		int h = hexval(s[i + k]);

		if (h < 0)
			return -1;
		*v = *v * 16 + (uint32_t)h;
	}
	return 0;
}

size_t ks_escape_decode(struct ks_buf *out, const unsigned char *s,
			size_t len, size_t cap)
{
	size_t i = 0, n = 0, start = out->len;

	while (i < len && out->len - start < cap) {
		unsigned char c = s[i], e;
		uint32_t cp, lo;
		int h, l;

		if (c != '\\' || i + 1 >= len) {
			ks_buf_addch(out, c);
			i++;
			continue;
		}
		e = s[i + 1];
		switch (e) {
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case '0': c = '\0'; break;
		case '/': case '\\': case '"': case '\'': c = e; break;
		case 'x':
			if (i + 4 <= len && (h = hexval(s[i + 2])) >= 0 &&
			    (l = hexval(s[i + 3])) >= 0) {
				ks_buf_addch(out, h * 16 + l);
				i += 4;
				n++;
				continue;
			}
			goto literal;
		case 'u':
			if (hex4(s, len, i + 2, &cp))
				goto literal;
			i += 6;
			n++;
			if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= len &&
			    s[i] == '\\' && s[i + 1] == 'u' &&
			    !hex4(s, len, i + 2, &lo) && lo >= 0xdc00 &&
			    lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
				i += 6;
				n++;
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd;
			}
			if (out->len - start + utf8_len(cp) > cap)
				return n;
			add_utf8(out, cp);
			continue;
		default:
			goto literal;
		}
		ks_buf_addch(out, c);
		i += 2;
		n++;
		continue;
literal:
		ks_buf_addch(out, '\\');
		i++;
	}
	return n;
}

enum ks_enc ks_utf16_bom(const unsigned char *data, size_t len)
{
	if (len >= 2 && data[0] == 0xff && data[1] == 0xfe)
		return KS_ENC_UTF16LE;
	if (len >= 2 && data[0] == 0xfe && data[1] == 0xff)
		return KS_ENC_UTF16BE;
	return KS_ENC_NONE;
}

void ks_utf16_to_utf8(struct ks_buf *out, const unsigned char *s, size_t len,
		      bool big_endian)
{
	size_t i;

	ks_buf_grow(out, len / 2 * 3 + 3);
	for (i = 0; i + 1 < len; i += 2) {
		uint32_t u = big_endian ? (uint32_t)(s[i] << 8 | s[i + 1])
					: (uint32_t)(s[i + 1] << 8 | s[i]);

		if (u >= 0xd800 && u < 0xdc00 && i + 3 < len) {
			uint32_t lo = big_endian
					      ? (uint32_t)(s[i + 2] << 8 | s[i + 3])
					      : (uint32_t)(s[i + 3] << 8 | s[i + 2]);

			if (lo >= 0xdc00 && lo < 0xe000) {
				add_utf8(out, 0x10000 + ((u - 0xd800) << 10) +
						      (lo - 0xdc00));
				i += 2;
				continue;
			}
		}
		if (u >= 0xd800 && u < 0xe000)
			u = 0xfffd;
		add_utf8(out, u);
	}
	if (i < len)
		add_utf8(out, 0xfffd);
}

bool ks_decode_is_text(const unsigned char *s, size_t len)
{
	size_t i = 0, good = 0;

	while (i < len) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t n;

		if ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' ||
		    c == '\r') {
			good++;
			i++;
			continue;
		}
		if (c >= 0x80) {
			n = ks_utf8_decode(s + i, len - i, &cp);
			if (n) {
				good += n;
				i += n;
				continue;
			}
		}
		i++;
	}
	return good * 10 >= len * 9;
}

/* Layers */

void ks_decoder_init(struct ks_decoder *d)
{
	size_t l;

	memset(d, 0, sizeof(*d));
	for (l = 0; l < KS_DECODE_DEPTH; l++)
		ks_buf_init(&d->layer[l].buf, 0);
}

static void decoder_clear(struct ks_decoder *d)
{
	size_t l;

	for (l = 0; l < KS_DECODE_DEPTH; l++) {
		struct ks_dlayer *y = &d->layer[l];

		ks_wipe(y->buf.ptr, y->buf.len);
		ks_buf_reset(&y->buf);
		y->seg_nr = 0;
	}
	d->total = 0;
	d->seg_nr = 0;
	d->capped = false;
}

void ks_decoder_release(struct ks_decoder *d)
{
	size_t l;

	decoder_clear(d);
	for (l = 0; l < KS_DECODE_DEPTH; l++) {
		ks_buf_release(&d->layer[l].buf);
		free(d->layer[l].seg);
	}
	memset(d, 0, sizeof(*d));
}

struct run {
	struct ks_decoder *d;
	struct ks_dlayer *y;
	const struct ks_dlayer *up;	/* the layer scanned, or NULL */
	const unsigned char *data;
	size_t len, from, limit, budget;
};

static bool room(struct run *r)
{
	if (r->d->seg_nr >= KS_DECODE_SEG_NR || r->d->total >= r->budget) {
		r->d->capped = true;
		return false;
	}
	return true;
}

static size_t seg_cap(const struct run *r)
{
	return KS_MIN(KS_DECODE_SEG_MAX, r->budget - r->d->total);
}

/* Records the segment whose decoded text was appended at from. */
static void add_seg(struct run *r, size_t s, size_t e, size_t from,
		    enum ks_enc enc)
{
	struct ks_dlayer *y = r->y;
	struct ks_dseg *g;

	/* a deeper layer decodes only what lies inside a segment of the
	 * layer above (not the context text before an escape segment) */
	if (r->up && ks_decode_seg_at(r->up, s) == SIZE_MAX) {
		ks_buf_setlen(&y->buf, from);
		return;
	}
	ALLOC_GROW(y->seg, y->seg_nr + 1, y->seg_alloc);
	g = &y->seg[y->seg_nr++];
	g->src_start = s;
	g->src_end = e;
	g->start = from;
	g->end = y->buf.len;
	g->enc = enc;
	g->hit = false;
	g->parent = r->up ? ks_decode_seg_at(r->up, s) : SIZE_MAX;
	ks_buf_addch(&y->buf, '\n');
	r->d->total += g->end - g->start;
	r->d->seg_nr++;
}

/* data:image/...;base64, right before s */
static bool image_uri(const unsigned char *data, size_t s)
{
	size_t a = s > 80 ? s - 80 : 0, i;

	if (s < 8 || memcmp(data + s - 8, ";base64,", 8))
		return false;
	for (i = s - 8; i > a; i--) {
		if (data[i - 1] == ':')
			return i >= 5 + a && !memcmp(data + i - 5, "data:", 5) &&
			       s - 8 - i >= 6 && !memcmp(data + i, "image/", 6);
		if (data[i - 1] <= ' ' || data[i - 1] == '"')
			return false;
	}
	return false;
}

/* A base64 run data[s..e) (padding excluded; p: padding length). */
static void try_base64(struct run *r, size_t s, size_t e, size_t p)
{
	unsigned char pre[48];
	size_t n = e - s, k, i, from;
	uint32_t acc = 0;
	int bits = 0, got;
	unsigned seen = 0;

	if (n % 4 == 1 || s < r->from || s >= r->limit ||
	    image_uri(r->data, s))
		return;
	/* text: the first character of each 4-character quantum holds the
	 * top 6 bits of a byte; for ASCII text, 0x20-0x7e, tab and line
	 * breaks, that is C, D, I-Z or a-f; a quarter may be others (UTF-8).
	 * This rejects identifiers and random runs before any decoding. */
	for (i = 0, k = 0; i < n && i < 64; i += 4)
		k += !text_quantum[r->data[s + i]];
	if (4 * k > (KS_MIN(n, 64) + 3) / 4)
		return;
	/* the first 48 bytes decide most runs without a copy */
	for (i = 0, k = 0; i < n && k < sizeof(pre); i++) {
		unsigned c = cls[r->data[s + i]];

		seen |= !(c & C_B64URL) ? 1 : !(c & C_B64STD) ? 2 : 0;
		acc = (acc << 6) | (uint32_t)b64val[r->data[s + i]];
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			pre[k++] = (unsigned char)(acc >> bits);
		}
	}
	if (seen == 3 || !ks_decode_is_text(pre, k) || !room(r))
		return;
	from = r->y->buf.len;
	got = ks_base64_decode(&r->y->buf, r->data + s, n, seg_cap(r));
	if (got <= 0 ||
	    !ks_decode_is_text((unsigned char *)r->y->buf.ptr + from,
			       r->y->buf.len - from)) {
		ks_wipe(r->y->buf.ptr + from, r->y->buf.len - from);
		ks_buf_setlen(&r->y->buf, from);
		return;
	}
	add_seg(r, s, e + p, from, KS_ENC_BASE64);
}

#ifdef __SSE2__
#include <emmintrin.h>

/* One bit per byte of d[0..64): set for the union of the base64 alphabets
 * (letters, '+' to '9' but ',' and '.', '_'): 14 vector operations per 16
 * bytes. */
static uint64_t b64_mask64(const unsigned char *d)
{
	const __m128i x20 = _mm_set1_epi8(0x20), a = _mm_set1_epi8('a');
	const __m128i az = _mm_set1_epi8('z' - 'a'), plus = _mm_set1_epi8('+');
	const __m128i pn = _mm_set1_epi8('9' - '+');
	const __m128i us = _mm_set1_epi8('_'), comma = _mm_set1_epi8(',');
	const __m128i dot = _mm_set1_epi8('.');
	uint64_t m = 0;
	int k;

	for (k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(d + 16 * k));
		__m128i l = _mm_sub_epi8(_mm_or_si128(v, x20), a);
		__m128i n = _mm_sub_epi8(v, plus);
		__m128i in = _mm_or_si128(
			_mm_cmpeq_epi8(_mm_min_epu8(l, az), l),
			_mm_cmpeq_epi8(_mm_min_epu8(n, pn), n));

		in = _mm_or_si128(in, _mm_cmpeq_epi8(v, us));
		in = _mm_andnot_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma),
						   _mm_cmpeq_epi8(v, dot)),
				      in);
		m |= (uint64_t)(uint16_t)_mm_movemask_epi8(in) << (16 * k);
	}
	return m;
}
#else
static uint64_t b64_mask64(const unsigned char *d)
{
	uint64_t m = 0;
	int k;

	for (k = 0; k < 64; k++)
		if (cls[d[k]] & (C_B64STD | C_B64URL))
			m |= (uint64_t)1 << k;
	return m;
}
#endif

static void run_found(struct run *r, size_t s, size_t e)
{
	size_t pad = 0;

	if (e - s < KS_DECODE_B64_MIN || !room(r))
		return;
	while (e + pad < r->len && pad < 2 && r->data[e + pad] == '=')
		pad++;
	try_base64(r, s, e, pad);
}

/* Base64 runs, found 64 bytes at a time in a bit mask of the alphabet:
 * x marks where KS_DECODE_B64_MIN ones in a row start, so a block without
 * a long run (most of plain text) costs a few bit operations, and only
 * long runs are looked at. carry: the length of the run of ones that ends
 * at the block's start. */
static void find_base64(struct run *r)
{
	const unsigned char *d = r->data;
	size_t len = r->len, b, carry = 0;

	for (b = 0; b < len && !r->d->capped; b += 64) {
		size_t n = KS_MIN((size_t)64, len - b), lead, next = 0;
		uint64_t m, x, below;

		if (n == 64) {
			m = b64_mask64(d + b);
		} else {
			size_t k;

			for (m = 0, k = 0; k < n; k++)
				if (cls[d[b + k]] & (C_B64STD | C_B64URL))
					m |= (uint64_t)1 << k;
		}
		if (!~m) {
			carry += 64;
			continue;
		}
		lead = (size_t)__builtin_ctzll(~m);
		/* the run at the block's start (begun before it, or not) */
		if (carry + lead >= KS_DECODE_B64_MIN)
			run_found(r, b - carry, b + lead);
		carry = 0;
		/* clear the leading run: handled above, or part of it */
		x = lead ? m & ~(((uint64_t)1 << lead) - 1) : m;
		x &= x >> 1;	/* bit i: ones at i, i + 1 */
		x &= x >> 2;	/* i .. i + 3 */
		x &= x >> 4;	/* i .. i + 7 */
		x &= x >> 8;	/* i .. i + 15 */
		x &= x >> 4;	/* i .. i + 19 */
		while (x) {
			size_t i = (size_t)__builtin_ctzll(x), s, e;
			uint64_t z = ~m >> i;

			below = ~m & (((uint64_t)1 << i) - 1);
			s = below ? 64 - (size_t)__builtin_clzll(below) : 0;
			if (!z) {
				/* on into the next block */
				next = 64 - s;
				break;
			}
			e = i + (size_t)__builtin_ctzll(z);
			run_found(r, b + s, b + e);
			x &= e < 64 ? ~(((uint64_t)1 << e) - 1) : 0;
		}
		/* a short run at the top may grow in the next block */
		if (!next && (m >> 63))
			next = (size_t)__builtin_clzll(~m);
		carry = next;
	}
	if (carry && !r->d->capped)
		run_found(r, len - carry, len);
}

static void find_percent(struct run *r)
{
	const unsigned char *d = r->data, *hit;
	size_t len = r->len, i = 0, floor = 0;

	while (i + 2 < len &&
	       (hit = memchr(d + i, '%', len - i - 2)) != NULL) {
		size_t p = (size_t)(hit - d), s = p, e = p, esc = 0, from;

		if (!(cls[d[p + 1]] & C_HEX) || !(cls[d[p + 2]] & C_HEX)) {
			i = p + 1;
			continue;
		}
		while (s > floor && (cls[d[s - 1]] & C_URL))
			s--;
		while (e < len && (cls[d[e]] & C_URL)) {
			if (d[e] == '%' && e + 2 < len &&
			    (cls[d[e + 1]] & C_HEX) && (cls[d[e + 2]] & C_HEX)) {
				esc++;
				e += 3;
				continue;
			}
			e++;
		}
		floor = e;
		i = e;
		if (esc < 2 || e - s < KS_DECODE_TEXT_MIN || s < r->from ||
		    s >= r->limit)
			continue;
		if (!room(r))
			return;
		from = r->y->buf.len;
		ks_percent_decode(&r->y->buf, d + s, e - s, seg_cap(r));
		add_seg(r, s, e, from, KS_ENC_PERCENT);
	}
}

static bool escape_start(const unsigned char *d, size_t len, size_t p)
{
	if (p + 1 >= len)
		return false;
	switch (d[p + 1]) {
	case 'n': case 'r': case 't': case '/': case '"': case '\'':
		return true;
	case 'x':
		return p + 3 < len && (cls[d[p + 2]] & C_HEX) &&
		       (cls[d[p + 3]] & C_HEX);
	case 'u':
		return p + 5 < len && (cls[d[p + 2]] & C_HEX) &&
		       (cls[d[p + 3]] & C_HEX) && (cls[d[p + 4]] & C_HEX) &&
		       (cls[d[p + 5]] & C_HEX);
	}
	return false;
}

/* Quoted strings holding escapes: from a backslash back to the opening
 * quote on its line, then on to the closing one. */
static void find_escape(struct run *r)
{
	const unsigned char *d = r->data, *hit;
	size_t len = r->len, i = 0, floor = 0;
	const size_t reach = 6 * KS_DECODE_SEG_MAX;

	while (i < len && (hit = memchr(d + i, '\\', len - i)) != NULL) {
		size_t p = (size_t)(hit - d), s, e, from, lim, ctx;
		unsigned char q = 0;

		i = p + 2;
		if (!escape_start(d, len, p))
			continue;
		lim = p > reach ? p - reach : 0;
		if (lim < floor)
			lim = floor;
		for (s = p; s > lim; s--) {
			unsigned char c = d[s - 1];

			if (c == '\n' || c == '\r')
				break;
			if ((c == '"' || c == '\'') &&
			    (s < 2 || d[s - 2] != '\\')) {
				q = c;
				break;
			}
		}
		if (!q)
			continue;
		for (e = p; e < len && e - s < reach; e++) {
			if (d[e] == '\\') {
				e++;
				continue;
			}
			if (d[e] == q || d[e] == '\n' || d[e] == '\r')
				break;
		}
		if (e >= len || d[e] != q)
			continue;
		/* [s, e) is the string's content */
		floor = e + 1;
		i = e + 1;
		if (e - s < KS_DECODE_TEXT_MIN || s < r->from ||
		    s >= r->limit)
			continue;
		if (!room(r))
			return;
		/* the line before the string goes first, as context outside
		 * the segment: a key name ("TWILIO_AUTH_TOKEN": "\u0030...")
		 * names the provider of the value decoded after it */
		{
			size_t ls = s, lo = s > 160 ? s - 160 : 0;

			while (ls > lo && d[ls - 1] != '\n' && d[ls - 1] != '\r')
				ls--;
			ctx = r->y->buf.len;
			ks_buf_add(&r->y->buf, d + ls, s - ls);
		}
		from = r->y->buf.len;
		if (!ks_escape_decode(&r->y->buf, d + s, e - s, seg_cap(r))) {
			ks_buf_setlen(&r->y->buf, ctx);
			continue;
		}
		add_seg(r, s, e, from, KS_ENC_ESCAPE);
	}
}

size_t ks_decode_run(struct ks_decoder *d, const unsigned char *data,
		     size_t len, size_t from, size_t limit)
{
	struct run r;
	size_t l;

	init();
	decoder_clear(d);
	memset(&r, 0, sizeof(r));
	r.d = d;
	r.budget = KS_MAX(KS_DECODE_MIN_TOTAL, len);
	r.data = data;
	r.len = len;
	r.from = from;
	r.limit = limit;
	for (l = 0; l < KS_DECODE_DEPTH; l++) {
		r.y = &d->layer[l];
		find_escape(&r);
		find_percent(&r);
		find_base64(&r);
		if (!r.y->seg_nr)
			break;
		r.up = r.y;
		r.data = (const unsigned char *)r.y->buf.ptr;
		r.len = r.y->buf.len;
		r.from = 0;
		r.limit = SIZE_MAX;
	}
	return d->seg_nr;
}

size_t ks_decode_seg_at(const struct ks_dlayer *l, size_t off)
{
	size_t lo = 0, hi = l->seg_nr;

	/* segments are laid out in order: the last one starting <= off */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->seg[mid].start <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || off > l->seg[lo - 1].end)
		return SIZE_MAX;
	return lo - 1;
}

void ks_decode_origin(const struct ks_decoder *d, unsigned l, size_t seg,
		      size_t *start, size_t *end)
{
	while (l > 0 && d->layer[l].seg[seg].parent != SIZE_MAX) {
		seg = d->layer[l].seg[seg].parent;
		l--;
	}
	*start = d->layer[l].seg[seg].src_start;
	*end = d->layer[l].seg[seg].src_end;
}

void ks_decode_chain(struct ks_buf *out, const struct ks_decoder *d,
		     unsigned l, size_t seg)
{
	enum ks_enc chain[KS_DECODE_DEPTH];
	size_t n = 0;

	for (;;) {
		chain[n++] = d->layer[l].seg[seg].enc;
		seg = d->layer[l].seg[seg].parent;
		if (!l || seg == SIZE_MAX)
			break;
		l--;
	}
	while (n--) {
		ks_buf_adds(out, ks_enc_name(chain[n]));
		if (n)
			ks_buf_addch(out, '+');
	}
}
