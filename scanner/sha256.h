/* sha256.h - SHA-256 (FIPS 180-4) for fingerprints and secret hashes, and
 * HMAC-SHA256 for keyed ids (the verify cache). */
#ifndef KS_SHA256_H
#define KS_SHA256_H

#include "compat.h"

struct ks_sha256 {
	uint32_t h[8];
	uint64_t total;
	unsigned char block[64];
	size_t fill;
};

void ks_sha256_init(struct ks_sha256 *c);
void ks_sha256_update(struct ks_sha256 *c, const void *data, size_t len);
void ks_sha256_final(struct ks_sha256 *c, unsigned char out[32]);
/* One-shot: writes 64 lowercase hex digits and a NUL to hex. */
void ks_sha256_hex(const void *data, size_t len, char hex[65]);
/* HMAC-SHA256 (RFC 2104) of data under key; a key longer than the 64-byte
 * block is hashed first. Key material left on the stack is wiped. */
void ks_hmac_sha256(const void *key, size_t key_len, const void *data,
		    size_t len, unsigned char out[32]);

#endif
