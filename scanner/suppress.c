/* suppress.c - markers, allowlists, disabled rules, the baseline. */
#include "compat.h"
#include "baseline.h"
#include "config.h"
#include "rules.h"
#include "stats.h"
#include "suppress.h"

const char *ks_supp_path(const struct ks_supp_ctx *c, const char *path)
{
	size_t bl = c->base ? strlen(c->base) : 0;

	if (bl && !strncmp(path, c->base, bl)) {
		path += bl;
		while (*path == '/')	/* a root spelled "dir//" */
			path++;
	}
	while (path[0] == '.' && path[1] == '/') {
		path += 2;
		while (*path == '/')
			path++;
	}
	if (*path == '/' && c->cwd) {
		size_t cl = strlen(c->cwd);

		if (cl > 1 && !strncmp(path, c->cwd, cl) && path[cl] == '/')
			path += cl + 1;
	}
	return path;
}

static enum ks_supp from_allow(enum ks_allow a)
{
	switch (a) {
	case KS_ALLOW_PATH:
		return KS_SUPP_PATH;
	case KS_ALLOW_REGEX:
		return KS_SUPP_REGEX;
	case KS_ALLOW_STOPWORD:
		return KS_SUPP_STOPWORD;
	case KS_ALLOW_COMMIT:
		return KS_SUPP_COMMIT;
	default:
		return KS_SUPP_NONE;
	}
}

/* The first mechanism that accepts f, in a fixed order: the config's
 * disabled rules, the markers, the allowlists (global, then the rule's
 * own), the baseline. */
static enum ks_supp why(const struct ks_supp_ctx *c, const struct ks_finding *f)
{
	const struct ks_config *cfg = c->cfg;
	const char *path = ks_supp_path(c, f->path);
	const char *commit = f->commit ? f->commit->id : NULL;
	enum ks_supp s;
	size_t i;

	if (cfg)
		for (i = 0; i < cfg->disable_nr; i++)
			if (!strcmp(cfg->disable[i], f->rule->id))
				return KS_SUPP_RULE;
	if (c->inline_allow && f->marker)
		return KS_SUPP_MARKER;
	if (cfg) {
		s = from_allow(ks_allowlist_match(&cfg->allow, path, f->secret,
						  f->secret_len, commit));
		if (s)
			return s;
		for (i = 0; i < cfg->ov_nr; i++) {
			if (strcmp(cfg->ov[i].id, f->rule->id))
				continue;
			s = from_allow(ks_allowlist_match(&cfg->ov[i].allow,
							  path, f->secret,
							  f->secret_len, commit));
			if (s)
				return s;
		}
	}
	if (c->bl) {
		char key[65];

		ks_baseline_key(f->secret, f->secret_len, key);
		if (ks_baseline_match(c->bl, path, f->rule->id, key))
			return KS_SUPP_BASELINE;
	}
	return KS_SUPP_NONE;
}

void ks_suppress(const struct ks_supp_ctx *c, struct ks_findings *fs,
		 size_t from, struct ks_stats *st)
{
	size_t i;

	for (i = from; i < fs->nr; i++) {
		struct ks_finding *f = &fs->f[i];

		f->suppressed = why(c, f);
		if (f->suppressed)
			st->suppressed_by[f->suppressed]++;
	}
}

void ks_suppress_compact(struct ks_findings *fs, bool keep)
{
	size_t i, out = 0;

	if (keep)
		return;
	for (i = 0; i < fs->nr; i++) {
		if (fs->f[i].suppressed) {
			ks_finding_release(&fs->f[i]);
			continue;
		}
		fs->f[out++] = fs->f[i];
	}
	fs->nr = out;
}

size_t ks_findings_reported(const struct ks_findings *fs)
{
	size_t i, n = 0;

	for (i = 0; i < fs->nr; i++)
		n += !fs->f[i].suppressed;
	return n;
}
