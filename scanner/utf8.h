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

/* Appends valid UTF-8: each invalid byte and NUL becomes the text "\xHH"
 * (and a backslash that starts such text is doubled, so the escape is
 * reversible). Returns true if anything was escaped. */
bool ks_json_str(struct ks_buf *out, const char *s, size_t len);

void ks_base64(struct ks_buf *out, const unsigned char *s, size_t len);

#endif
