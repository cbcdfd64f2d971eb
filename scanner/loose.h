/* loose.h - loose objects checked before libgit2 reads them.
 *
 * libgit2 1.5.1 (Debian 12) loops forever inflating a truncated loose
 * object (libgit2#7342, fixed upstream in 1.9.2/2026) and can write past
 * its buffer for one whose header understates its size (libgit2#7177). A
 * scanner meets such objects (a full disk, a crashed `git add`, a hostile
 * repository), so every loose object keysnare asks libgit2 for is first
 * inflated here, once, with a bounded loop: a broken one becomes an error
 * naming the object, never a hang.
 */
#ifndef KS_LOOSE_H
#define KS_LOOSE_H

#include "compat.h"

struct ks_buf;

/* Checks the loose file of the object whose raw 20-byte id is id under
 * objects_dir (if there is one: a packed object is libgit2's to read).
 * Returns 0 when there is no loose file or it is sound; KS_EINVALID when
 * it is damaged, with the reason in ks_error_last(). */
int ks_loose_check(const char *objects_dir, const unsigned char *id);

#endif
