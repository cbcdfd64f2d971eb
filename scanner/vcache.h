/* vcache.h - the on-disk cache of --verify answers.
 *
 * One file, $XDG_CACHE_HOME/keysnare/verify-cache (default
 * ~/.cache/keysnare/), mode 0600 in a 0700 directory, beside a per-user
 * random salt (32 bytes from getrandom(2), file "salt", 0600). Entries are
 * keyed by hex HMAC-SHA256(salt, provider "\0" key): never the key, never
 * a plain hash of it (a plain hash of a key is a confirmation oracle for
 * anyone holding a guess). Only conclusive answers (live, live_restricted,
 * invalid) are kept, each until checked_at + ttl. A missing, corrupt or
 * foreign-owned cache is never fatal: a warning, then no cache.
 */
#ifndef KS_VCACHE_H
#define KS_VCACHE_H

#include "compat.h"

struct ks_vcache;
struct ks_verification;

/* Opens (creating dir and salt as needed) the cache in dir, or the
 * default dir when NULL. Refuses a dir, salt or cache file that is a
 * symlink, not owned by the user or writable by group/others. Loads the
 * entries still fresh at now. Returns 0 or a negative ks_error with the
 * message set (the caller warns and goes on without a cache). */
int ks_vcache_open(struct ks_vcache **c, const char *dir, int64_t ttl,
		   int64_t now);
/* A copy of the cached answer (cached = true), or NULL. */
struct ks_verification *ks_vcache_get(struct ks_vcache *c,
				      const char *provider, const char *key,
				      size_t key_len, int64_t now);
/* Records v (ignored unless live, live_restricted or invalid). */
void ks_vcache_put(struct ks_vcache *c, const char *provider,
		   const char *key, size_t key_len,
		   const struct ks_verification *v);
/* Writes the cache back (temp file + rename, 0600) when it changed,
 * dropping entries expired at the latest now given to open or get.
 * Returns 0 or KS_EIO with the message set. */
int ks_vcache_save(struct ks_vcache *c);
void ks_vcache_free(struct ks_vcache *c);

#endif
