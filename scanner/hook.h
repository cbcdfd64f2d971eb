/* hook.h - the git hook scripts of hooks/, embedded at build time
 * (scanner/embed-hooks.sh); `keysnare hook install` writes them out. */
#ifndef KS_HOOK_H
#define KS_HOOK_H

#include "compat.h"

struct ks_hook_script {
	const char *name;		/* "pre-commit", "pre-push" */
	const unsigned char *data;	/* len bytes, then a NUL */
	size_t len;
};

/* Terminated by an entry whose name is NULL. */
extern const struct ks_hook_script ks_hook_scripts[];
extern const size_t ks_hook_scripts_nr;

#endif
