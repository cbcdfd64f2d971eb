/* decode.h - encoded content: base64, percent and escape segments decoded
 * into layers that are scanned like the input; UTF-16 transcoding.
 *
 * ks_decode_run() finds candidate segments in a buffer and decodes each
 * into layer 0; the candidates found in layer 0's text are decoded into
 * layer 1 (KS_DECODE_DEPTH layers, no more: a third encoding is left
 * alone). A layer's buffer holds its segments' decoded text one after
 * another, each followed by a '\n', so that no match spans two segments.
 * Everything is bounded: at most KS_DECODE_SEG_MAX decoded bytes per
 * segment (a longer one is decoded up to the cap), KS_DECODE_SEG_NR
 * segments and max(KS_DECODE_MIN_TOTAL, input length) decoded bytes per
 * run, all layers together.
 *
 * Candidates (cheap tests first; see decode.c):
 *   base64   runs of >= KS_DECODE_B64_MIN characters of the standard or the
 *            url-safe alphabet (not both), '=' padding optional, that
 *            decode to >= 90% printable text (valid UTF-8 counts); not the
 *            payload of a data:image/ URI
 *   percent  runs of URL characters with >= 2 %XX escapes
 *   escape   quoted strings with >= 1 \uXXXX, \xXX, \n ... escape
 *
 * The decoder owns its buffers (they hold decoded secrets and are wiped by
 * ks_decoder_release() and before reuse).
 */
#ifndef KS_DECODE_H
#define KS_DECODE_H

#include "compat.h"
#include "buf.h"

#define KS_DECODE_DEPTH 2
#define KS_DECODE_SEG_MAX ((size_t)64 << 10)
#define KS_DECODE_MIN_TOTAL ((size_t)1 << 20)
#define KS_DECODE_SEG_NR 10000
#define KS_DECODE_B64_MIN 20
/* percent and escape segments shorter than this cannot hold a secret */
#define KS_DECODE_TEXT_MIN 16

enum ks_enc {
	KS_ENC_NONE = 0,
	KS_ENC_BASE64,
	KS_ENC_PERCENT,
	KS_ENC_ESCAPE,
	KS_ENC_UTF16LE,
	KS_ENC_UTF16BE,
};

/* "base64", "percent", "escape", "utf-16le", "utf-16be" ("" for none). */
const char *ks_enc_name(enum ks_enc e);

/* Decoders. Each appends at most cap bytes to out (stopping there) and
 * never reads past s + len. */

/* Standard or url-safe base64, with or without '=' padding. Returns the
 * number of bytes appended, or KS_EINVALID (nothing appended) for a byte
 * outside the alphabet, both alphabets mixed, misplaced padding or a
 * length that leaves one dangling character. */
int ks_base64_decode(struct ks_buf *out, const unsigned char *s, size_t len,
		     size_t cap);
/* %XX escapes (either case); other bytes, a lone '%' and '+' are copied.
 * Returns the number of escapes decoded. */
size_t ks_percent_decode(struct ks_buf *out, const unsigned char *s,
			 size_t len, size_t cap);
/* Backslash escapes of JSON, JavaScript and Python strings: \uXXXX (with
 * surrogate pairs; a lone surrogate becomes U+FFFD), \xXX, \n \r \t \b \f
 * \0 \/ \\ \" \'. An unknown or truncated escape is copied as is. Returns
 * the number of escapes decoded. */
size_t ks_escape_decode(struct ks_buf *out, const unsigned char *s,
			size_t len, size_t cap);

/* KS_ENC_UTF16LE or KS_ENC_UTF16BE when data starts with that byte order
 * mark, else KS_ENC_NONE. */
enum ks_enc ks_utf16_bom(const unsigned char *data, size_t len);
/* Transcodes UTF-16 (without its BOM) to UTF-8: unpaired surrogates and a
 * final odd byte become U+FFFD. Appends at most 3 bytes per 2 input bytes
 * (plus 3 for an odd byte). */
void ks_utf16_to_utf8(struct ks_buf *out, const unsigned char *s, size_t len,
		      bool big_endian);

/* True when s is >= 90% printable text: ASCII graphic characters, space,
 * tab, line breaks and well-formed UTF-8 sequences. */
bool ks_decode_is_text(const unsigned char *s, size_t len);

struct ks_dseg {
	size_t src_start, src_end; /* the encoded form, in the parent text */
	size_t start, end;	   /* the decoded text, in the layer buffer */
	size_t parent;		   /* segment of the layer above; SIZE_MAX */
	enum ks_enc enc;
	bool hit;		   /* set by callers: holds a kept match */
};

struct ks_dlayer {
	struct ks_buf buf;
	struct ks_dseg *seg;
	size_t seg_nr, seg_alloc;
};

struct ks_decoder {
	struct ks_dlayer layer[KS_DECODE_DEPTH];
	size_t total;	/* decoded bytes, all layers */
	size_t seg_nr;	/* segments, all layers */
	bool capped;	/* a cap stopped the run */
};

void ks_decoder_init(struct ks_decoder *d);
void ks_decoder_release(struct ks_decoder *d);

/* Decodes the candidates of data[0..len) whose encoded form starts in
 * [from, limit) (a chunk's bounds), then those of each layer in turn.
 * Previous results are wiped first. Returns the number of segments. */
size_t ks_decode_run(struct ks_decoder *d, const unsigned char *data,
		     size_t len, size_t from, size_t limit);

/* The segment of layer l whose decoded text (or its '\n') holds offset
 * off; SIZE_MAX if none. */
size_t ks_decode_seg_at(const struct ks_dlayer *l, size_t off);
/* The outermost encoded span, in the input, of segment seg of layer l. */
void ks_decode_origin(const struct ks_decoder *d, unsigned l, size_t seg,
		      size_t *start, size_t *end);
/* Appends the chain of encodings, outermost first ("base64+percent"). */
void ks_decode_chain(struct ks_buf *out, const struct ks_decoder *d,
		     unsigned l, size_t seg);

#endif
