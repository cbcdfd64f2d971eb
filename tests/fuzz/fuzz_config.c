/* fuzz_config.c - fuzz target: .keysnare.yml validation on arbitrary bytes.
 *
 * Oracles: the result agrees with the diagnostics (0 with none, KS_EINVALID
 * with some), every diagnostic names the file and is one line without
 * control bytes, what was kept is normalised (lowercase stopwords and hex
 * commits of 7 to 40 digits, one compiled glob or regex per entry), and
 * allowlist matching on a few fixed inputs terminates.
 */
#include "compat.h"
#include "config.h"
#include "error.h"
#include "yamltree.h"

#define NAME "/nonexistent-fuzz-dir/.keysnare.yml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_lower(char **s, size_t nr, bool hex)
{
	size_t i, j;

	for (i = 0; i < nr; i++) {
		if (!s[i][0])
			abort();
		for (j = 0; s[i][j]; j++)
			if (s[i][j] >= 'A' && s[i][j] <= 'Z')
				abort();
		if (hex && (j < 7 || j > 40 ||
			    strspn(s[i], "0123456789abcdef") != j))
			abort();
	}
}

static void check_allowlist(const struct ks_allowlist *a)
{
	static const char secret[] = "AKIA0123456789abcdef\0xx";
	size_t i;

	for (i = 0; i < a->path_nr; i++)
		if (!a->path[i] || !a->path_glob[i])
			abort();
	for (i = 0; i < a->regex_nr; i++)
		if (!a->regex_src[i] || !a->regex[i] || !a->mctx)
			abort();
	check_lower(a->stopword, a->stopword_nr, false);
	check_lower(a->commit, a->commit_nr, true);
	ks_allowlist_match(a, "src/a.env", secret, sizeof(secret) - 1,
			   "0123456789abcdef0123456789abcdef01234567");
	ks_allowlist_match(a, NULL, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", 37,
			   NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_config c = KS_CONFIG_INIT;
	size_t i, j;
	int rc;

	rc = ks_config_load_buf(&c, (const char *)data, size, NAME);
	if (rc ? rc != KS_EINVALID || !c.diag_nr : c.diag_nr != 0)
		abort();
	for (i = 0; i < c.diag_nr; i++) {
		if (strncmp(c.diag[i], NAME, strlen(NAME)))
			abort();
		for (j = 0; c.diag[i][j]; j++)
			if ((unsigned char)c.diag[i][j] < 0x20 ||
			    c.diag[i][j] == 0x7f)
				abort();
	}
	if (rc && strcmp(ks_error_last(), "") == 0)
		abort();
	check_allowlist(&c.allow);
	for (i = 0; i < c.ov_nr; i++) {
		if (!c.ov[i].id || !c.ov[i].line)
			abort();
		check_allowlist(&c.ov[i].allow);
	}
	for (i = 0; i < c.exclude_nr; i++)
		if (!c.exclude_glob[i])
			abort();
	ks_config_excluded(&c, "vendor/x.js", false);
	if (c.extra_rules && c.extra_rules->type != KS_YAML_SEQ)
		abort();
	ks_config_release(&c);
	return 0;
}
