/* utf8.h - strict UTF-8 decoding, base64, for safe output. */
#ifndef KS_UTF8_H
#define KS_UTF8_H

#include "compat.h"

struct ks_buf;

/* Decodes one well-formed UTF-8 sequence (no overlongs, surrogates or
 * values above U+10FFFF) at s; returns its length, or 0 if ill-formed. */
size_t ks_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
bool ks_utf8_valid(const unsigned char *s, size_t len);
/* Bidirectional formatting controls (Trojan Source). */
bool ks_utf8_is_bidi(uint32_t cp);

/* Appends valid UTF-8. Valid UTF-8 without NUL is copied unchanged and
 * false is returned. Otherwise every invalid byte and NUL becomes the text
 * "\xHH", every backslash is doubled, and true is returned: callers then
 * keep the raw bytes beside the text (base64 in a "*_bytes" field). The
 * pair (text, returned flag) is reversible. */
bool ks_json_str(struct ks_buf *out, const char *s, size_t len);

void ks_base64(struct ks_buf *out, const unsigned char *s, size_t len);

#endif
