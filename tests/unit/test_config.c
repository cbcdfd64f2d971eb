/* test_config.c - unit tests for .keysnare.yml loading, validation and
 * allowlist matching (config.h). */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buf.h"
#include "config.h"
#include "error.h"
#include "rules.h"
#include "yamltree.h"
#include "unit.h"

/* Every key and every kind of entry (test_readme_example loads the
 * README's own example). */
static const char full_example[] =
	"# .keysnare.yml\n"
	"allowlist:\n"
	"  paths: [\"tests/fixtures/\", \"**/*.snap\"]\n"
	"  regexes: ['^AKIAIOSFODNN7EXAMPLE$']\n"
	"  stopwords: [\"example\", \"Dummy\"]\n"
	"  commits: [\"0123ABCD\", 89abcdef0123456789abcdef0123456789abcdef]\n"
	"rules:\n"
	"  disable: [generic-api-key]\n"
	"  aws-access-key-id:\n"
	"    min_entropy: 3.5\n"
	"    severity: low\n"
	"    allowlist:\n"
	"      paths: [\"docs/\"]\n"
	"      regexes: ['^AKIA[A-Z0-9]{12}TEST$']\n"
	"      stopwords: [sandbox]\n"
	"      commits: [fedcba9]\n"
	"  github-pat:\n"
	"    severity: critical\n"
	"extra_rules:\n"
	"  - id: acme-token\n"
	"    name: ACME token\n"
	"    pattern: '\\b(acme_[a-z0-9]{32})\\b'\n"
	"    keywords: [acme_]\n"
	"    secret_group: 1\n"
	"    severity: high\n"
	"    remediation: Rotate it in the ACME console; keep it in a secret manager.\n"
	"    examples:\n"
	"      - input: 'ACME_TOKEN={{secret}}'\n"
	"        secret: 'acme_{{lalnum:32}}'\n"
	"      - input: 'token: \"{{secret}}\"'\n"
	"        secret: 'acme_{{lalnum:32}}'\n"
	"    negative_examples:\n"
	"      - 'ACME_TOKEN=acme_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n"
	"      - 'ACME_TOKEN=${ACME_TOKEN}'\n"
	"rule_files: [\"ci/keysnare-rules.yml\"]\n"
	"max_file_size: 10MiB\n"
	"scan_binary: false\n"
	"exclude: [\"vendor/\", \"*.min.js\"]\n";

static char tmp_dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/ks-test-config.XXXXXX");
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	return system(cmd) ? -1 : 0;
}

/* Writes data to tmp_dir/name; returns the path (static buffer). */
static const char *write_file(const char *name, const char *data)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
	assert_int_equal(fclose(f), 0);
	return path;
}

/* 1-based line and column of the first occurrence of what in text. */
static void pos_of(const char *text, const char *what, size_t *line,
		   size_t *col)
{
	const char *p = strstr(text, what), *q;

	assert_non_null(p);
	*line = 1;
	*col = 1;
	for (q = text; q < p; q++) {
		(*col)++;
		if (*q == '\n') {
			(*line)++;
			*col = 1;
		}
	}
}

static void dump_diags(const struct ks_config *c)
{
	size_t i;

	for (i = 0; i < c->diag_nr; i++)
		print_message("diag: %s\n", c->diag[i]);
}

/* Checks that d is "t.yml:LINE:COL: msg" with the position of at in text;
 * msg starting with '~' only needs to be contained. */
static void check_diag(const char *d, const char *text, const char *at,
		       const char *msg)
{
	char prefix[160];
	size_t line, col, n;

	pos_of(text, at, &line, &col);
	n = (size_t)snprintf(prefix, sizeof(prefix), "t.yml:%zu:%zu: ", line,
			     col);
	if (strncmp(d, prefix, n))
		fail_msg("diagnostic '%s', want prefix '%s'", d, prefix);
	if (msg[0] == '~' ? !strstr(d + n, msg + 1) : !!strcmp(d + n, msg))
		fail_msg("diagnostic '%s', want '%s%s'", d, prefix, msg);
}

/* text must give exactly one diagnostic, at at, saying msg. */
static void expect_one(const char *text, const char *at, const char *msg)
{
	struct ks_config c = KS_CONFIG_INIT;
	int rc = ks_config_load_buf(&c, text, strlen(text), "t.yml");

	if (rc != KS_EINVALID || c.diag_nr != 1) {
		dump_diags(&c);
		fail_msg("'%s': rc %d, %zu diagnostics, want 1", text, rc,
			 c.diag_nr);
	}
	check_diag(c.diag[0], text, at, msg);
	/* ks_error_last() holds the first diagnostic */
	assert_string_equal(ks_error_last(), c.diag[0]);
	ks_config_release(&c);
}

static void load_ok(struct ks_config *c, const char *text)
{
	int rc = ks_config_load_buf(c, text, strlen(text), "t.yml");

	if (rc || c->diag_nr) {
		dump_diags(c);
		fail_msg("rc %d for '%s'", rc, text);
	}
}

static void test_full_example(void **state)
{
	struct ks_config c = KS_CONFIG_INIT;
	struct ks_ruleset set = KS_RULESET_INIT;
	const struct ks_rule_override *o;
	char path[256], rules_path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/ci", tmp_dir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file("ci/keysnare-rules.yml", "rules: []\n");
	snprintf(path, sizeof(path), "%s", write_file(".keysnare.yml",
						      full_example));
	snprintf(rules_path, sizeof(rules_path), "%s/ci/keysnare-rules.yml",
		 tmp_dir);
	if (ks_config_load(&c, path)) {
		dump_diags(&c);
		fail();
	}
	assert_int_equal(c.diag_nr, 0);
	assert_string_equal(c.file, path);
	assert_string_equal(c.dir, tmp_dir);

	assert_int_equal(c.allow.path_nr, 2);
	assert_string_equal(c.allow.path[0], "tests/fixtures/");
	assert_string_equal(c.allow.path[1], "**/*.snap");
	assert_non_null(c.allow.path_glob[1]);
	assert_int_equal(c.allow.regex_nr, 1);
	assert_string_equal(c.allow.regex_src[0], "^AKIAIOSFODNN7EXAMPLE$");
	assert_non_null(c.allow.regex[0]);
	assert_non_null(c.allow.mctx);
	assert_int_equal(c.allow.stopword_nr, 2);
	assert_string_equal(c.allow.stopword[0], "example");
	assert_string_equal(c.allow.stopword[1], "dummy"); /* lowercased */
	assert_int_equal(c.allow.commit_nr, 2);
	assert_string_equal(c.allow.commit[0], "0123abcd");
	assert_string_equal(c.allow.commit[1],
			    "89abcdef0123456789abcdef0123456789abcdef");

	assert_int_equal(c.disable_nr, 1);
	assert_string_equal(c.disable[0], "generic-api-key");
	assert_true(ks_config_disabled(&c, "generic-api-key"));
	assert_false(ks_config_disabled(&c, "aws-access-key-id"));

	assert_int_equal(c.ov_nr, 2);
	o = ks_config_override(&c, "aws-access-key-id");
	assert_ptr_equal(o, &c.ov[0]);
	assert_int_equal(o->line, 9);
	assert_int_equal(o->col, 3);
	assert_true(o->has_min_entropy);
	assert_true(o->min_entropy == 3.5);
	assert_true(o->has_severity);
	assert_int_equal(o->severity, KS_SEV_LOW);
	assert_int_equal(o->allow.path_nr, 1);
	assert_string_equal(o->allow.path[0], "docs/");
	assert_int_equal(o->allow.regex_nr, 1);
	assert_int_equal(o->allow.stopword_nr, 1);
	assert_string_equal(o->allow.stopword[0], "sandbox");
	assert_int_equal(o->allow.commit_nr, 1);
	assert_string_equal(o->allow.commit[0], "fedcba9");
	o = ks_config_override(&c, "github-pat");
	assert_non_null(o);
	assert_false(o->has_min_entropy);
	assert_true(o->has_severity);
	assert_int_equal(o->severity, KS_SEV_CRITICAL);
	assert_int_equal(o->allow.path_nr + o->allow.regex_nr +
				 o->allow.stopword_nr + o->allow.commit_nr,
			 0);
	assert_null(ks_config_override(&c, "generic-api-key"));

	/* extra_rules: kept as the node, loadable with its positions */
	assert_non_null(c.extra_rules);
	assert_int_equal(c.extra_rules->type, KS_YAML_SEQ);
	assert_int_equal(c.extra_rules->item_nr, 1);
	assert_ptr_equal(c.extra_rules, ks_yaml_get(c.root, "extra_rules"));
	assert_int_equal(ks_ruleset_load_node(&set, c.extra_rules, c.file), 0);
	assert_int_equal(set.rule_nr, 1);
	assert_string_equal(set.rule[0]->id, "acme-token");
	assert_string_equal(set.rule[0]->source, path);
	assert_int_equal(set.rule[0]->line, 20);
	ks_ruleset_release(&set);

	assert_int_equal(c.rule_file_nr, 1);
	assert_string_equal(c.rule_file[0], rules_path);
	assert_true(c.has_max_file_size);
	assert_int_equal(c.max_file_size, 10u << 20);
	assert_true(c.has_scan_binary);
	assert_false(c.scan_binary);
	assert_int_equal(c.exclude_nr, 2);
	assert_string_equal(c.exclude[0], "vendor/");
	assert_string_equal(c.exclude[1], "*.min.js");
	assert_true(ks_config_excluded(&c, "vendor", true));
	assert_true(ks_config_excluded(&c, "vendor/a/b.js", false));
	assert_true(ks_config_excluded(&c, "./web/app.min.js", false));
	assert_false(ks_config_excluded(&c, "web/app.js", false));
	ks_config_release(&c);
	/* released: all zero, and a second release is harmless */
	assert_null(c.file);
	assert_int_equal(c.diag_nr, 0);
	ks_config_release(&c);
}

static void test_settings(void **state)
{
	struct ks_config c = KS_CONFIG_INIT;

	(void)state;
	load_ok(&c, "max_file_size: 1048576\nscan_binary: true\n");
	assert_true(c.has_max_file_size);
	assert_int_equal(c.max_file_size, 1048576);
	assert_true(c.has_scan_binary);
	assert_true(c.scan_binary);
	assert_false(c.allow.mctx != NULL);
	assert_string_equal(c.dir, ".");
	ks_config_release(&c);

	/* unset settings stay unset */
	load_ok(&c, "exclude: [a]\n");
	assert_false(c.has_max_file_size);
	assert_false(c.has_scan_binary);
	ks_config_release(&c);

	load_ok(&c, "max_file_size: 512k\n");
	assert_int_equal(c.max_file_size, 512 * 1024);
	ks_config_release(&c);

	/* baseline: a file name, resolved like rule_files; not a list */
	load_ok(&c, "baseline: ci/known\n");
	assert_string_equal(c.baseline, "ci/known");
	ks_config_release(&c);
	assert_int_equal(ks_config_load_buf(&c, "baseline: b\n", 12,
					    "/cfg-dir/.keysnare.yml"),
			 0);
	assert_string_equal(c.baseline, "/cfg-dir/b");
	ks_config_release(&c);
	assert_int_equal(ks_config_load_buf(&c, "baseline: [a]\n", 14,
					    "t.yml"),
			 KS_EINVALID);
	assert_int_equal(c.diag_nr, 1);
	ks_config_release(&c);

	/* relative rule_files resolve against the config's directory */
	assert_int_equal(ks_config_load_buf(&c, "rule_files: [r.yml]\n",
					    strlen("rule_files: [r.yml]\n"),
					    "/nonexistent-dir/.keysnare.yml"),
			 KS_EINVALID);
	assert_int_equal(c.diag_nr, 1);
	assert_string_equal(c.dir, "/nonexistent-dir");
	assert_non_null(strstr(c.diag[0], "'/nonexistent-dir/r.yml'"));
	ks_config_release(&c);
}

static void test_empty(void **state)
{
	static const char *const empty[] = {
		"", "\n", "# only a comment\n", "---\n", "~\n",
		"allowlist:\nrules:\nexclude:\nextra_rules:\n",
		"allowlist: {}\nrules: {}\nexclude: []\nrule_files: []\n",
		"rules:\n  some-rule:\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(empty); i++) {
		struct ks_config c = KS_CONFIG_INIT;

		load_ok(&c, empty[i]);
		assert_int_equal(c.allow.path_nr + c.allow.regex_nr +
					 c.allow.stopword_nr +
					 c.allow.commit_nr + c.disable_nr +
					 c.rule_file_nr + c.exclude_nr,
				 0);
		assert_false(c.has_max_file_size || c.has_scan_binary);
		ks_config_release(&c);
	}
	/* an empty file on disk */
	{
		struct ks_config c = KS_CONFIG_INIT;

		assert_int_equal(ks_config_load(&c, write_file("empty.yml", "")),
				 0);
		assert_null(c.root);
		assert_null(c.extra_rules);
		ks_config_release(&c);
	}
}

static void test_missing_file(void **state)
{
	struct ks_config c = KS_CONFIG_INIT;
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such.yml", tmp_dir);
	assert_int_equal(ks_config_load(&c, path), KS_ENOTFOUND);
	assert_int_equal(c.diag_nr, 0);
	assert_null(c.file);
	ks_config_release(&c);
	snprintf(path, sizeof(path), "%s/no-such-dir/.keysnare.yml", tmp_dir);
	assert_int_equal(ks_config_load(&c, path), KS_ENOTFOUND);
	ks_config_release(&c);
}

/* Not a regular file: a directory, a FIFO (must not block), too big. */
static void test_not_regular(void **state)
{
	struct ks_config c = KS_CONFIG_INIT;
	struct ks_buf big = KS_BUF_INIT;
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/adir", tmp_dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(ks_config_load(&c, path), KS_EINVALID);
	assert_int_equal(c.diag_nr, 1);
	assert_non_null(strstr(c.diag[0], "not a regular file"));
	ks_config_release(&c);

	snprintf(path, sizeof(path), "%s/fifo.yml", tmp_dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(ks_config_load(&c, path), KS_EINVALID);
	assert_int_equal(c.diag_nr, 1);
	ks_config_release(&c);

	while (big.len <= KS_CONFIG_MAX_SIZE)
		ks_buf_adds(&big, "# padding padding padding padding\n");
	assert_int_equal(ks_config_load(&c, write_file("big.yml", big.ptr)),
			 KS_EINVALID);
	assert_int_equal(c.diag_nr, 1);
	assert_non_null(strstr(c.diag[0], "larger than"));
	ks_config_release(&c);
	ks_buf_release(&big);
}

/* A 'verify' key is recorded for a warning and never obeyed: whatever it
 * holds, nothing of it reaches the config. */
static void test_verify_key_ignored(void **state)
{
	static const char text[] =
		"exclude: [vendor/]\n"
		"verify:\n"
		"  endpoint: https://127.0.0.1:18443/\n"
		"  headers: [\"X-Evil: 1\"]\n";
	struct ks_config c = KS_CONFIG_INIT;

	(void)state;
	assert_int_equal(ks_config_load_buf(&c, text, strlen(text), "t.yml"), 0);
	assert_int_equal(c.diag_nr, 0);
	assert_int_equal(c.verify_line, 2);
	assert_int_equal(c.verify_col, 1);
	assert_int_equal(c.exclude_nr, 1);
	ks_config_release(&c);

	assert_int_equal(ks_config_load_buf(&c, "exclude: []\n", 12, "t.yml"), 0);
	assert_int_equal(c.verify_line, 0);
	ks_config_release(&c);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_one("allowlist: {}\nexclud: []\n", "exclud",
		   "unknown key 'exclud' (expected allowlist, rules, "
		   "extra_rules, rule_files, max_file_size, scan_binary, "
		   "exclude or baseline)");
	expect_one("allowlist:\n  path: []\n", "path",
		   "unknown key 'allowlist.path' (expected paths, regexes, "
		   "stopwords or commits)");
	expect_one("rules:\n  aws-access-key-id:\n    min_entrpy: 3\n",
		   "min_entrpy",
		   "unknown key 'rules.aws-access-key-id.min_entrpy' "
		   "(expected min_entropy, severity or allowlist)");
	expect_one("rules:\n  x:\n    allowlist:\n      keywords: [a]\n",
		   "keywords", "~unknown key 'rules.x.allowlist.keywords'");
	expect_one("rules:\n  Generic_Key: {}\n", "Generic",
		   "'rules': 'Generic_Key' is neither 'disable' nor a rule "
		   "id ([a-z0-9][a-z0-9-]*, at most 64 bytes)");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_one("- a\n", "-",
		   "the configuration must be a mapping, not a list");
	expect_one("allowlist: [a]\n", "[a]",
		   "'allowlist' must be a mapping, not a list");
	expect_one("allowlist:\n  paths: a/\n", "a/",
		   "'allowlist.paths' must be a list, not a scalar");
	expect_one("allowlist:\n  stopwords: [a, [b]]\n", "[b]",
		   "'allowlist.stopwords' entries must be strings, not a list");
	expect_one("allowlist:\n  stopwords: [a, '']\n", "''",
		   "'allowlist.stopwords' entry must not be empty");
	expect_one("allowlist:\n  stopwords: [\"a\\0b\"]\n", "\"a",
		   "'allowlist.stopwords' entry contains a NUL byte");
	expect_one("rules: [a]\n", "[a]",
		   "'rules' must be a mapping, not a list");
	expect_one("rules:\n  disable: generic-api-key\n", "generic",
		   "'rules.disable' must be a list, not a scalar");
	expect_one("rules:\n  disable: [Generic]\n", "Generic",
		   "'rules.disable': 'Generic' is not a rule id "
		   "([a-z0-9][a-z0-9-]*, at most 64 bytes)");
	expect_one("rules:\n  x: [a]\n", "[a]",
		   "'rules.x' must be a mapping, not a list");
	expect_one("rules:\n  x:\n    severity: [low]\n", "[low]",
		   "'rules.x.severity' must be critical, high, medium or low, "
		   "not a list");
	expect_one("extra_rules: {}\n", "{}",
		   "'extra_rules' must be a list, not a mapping");
	expect_one("rule_files: r.yml\n", "r.yml",
		   "'rule_files' must be a list, not a scalar");
	expect_one("exclude: {a: b}\n", "{a",
		   "'exclude' must be a list, not a mapping");
	expect_one("scan_binary: yes\n", "yes",
		   "'scan_binary' must be true or false, not 'yes'");
	expect_one("scan_binary: {}\n", "{}",
		   "'scan_binary' must be true or false, not a mapping");
	expect_one("max_file_size: [1]\n", "[1]",
		   "'max_file_size' must be a size, not a list");
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_one("allowlist:\n  paths: [ok/, '[a']\n", "'[a'",
		   "~'allowlist.paths': ");
	expect_one("exclude: ['!negated']\n", "'!", "~'exclude': ");
	expect_one("rules:\n  x:\n    allowlist:\n      paths: ['a//b']\n",
		   "'a//b'", "~'rules.x.allowlist.paths': ");
	expect_one("allowlist:\n  regexes: ['ok', 'a(b']\n", "'a(b'",
		   "'allowlist.regexes': bad regex 'a(b' at offset 3: "
		   "missing closing parenthesis");
	expect_one("allowlist:\n  regexes: ['ab[c']\n", "'ab",
		   "'allowlist.regexes': bad regex 'ab[c' at offset 4: "
		   "missing terminating ] for character class");
	expect_one("allowlist:\n  commits: [xyz1234]\n", "xyz",
		   "'allowlist.commits': 'xyz1234' is not a commit id "
		   "(7 to 40 hex digits)");
	expect_one("allowlist:\n  commits: [abc123]\n", "abc",
		   "'allowlist.commits': 'abc123' is not a commit id "
		   "(7 to 40 hex digits)");
	expect_one("allowlist:\n  commits: "
		   "[0123456789abcdef0123456789abcdef012345678]\n",
		   "0123",
		   "'allowlist.commits': "
		   "'0123456789abcdef0123456789abcdef012345678' is not a "
		   "commit id (7 to 40 hex digits)");
	/* a quoted control character comes out escaped */
	expect_one("allowlist:\n  commits: [\"ab\\tcd\\e12\"]\n", "\"ab",
		   "'allowlist.commits': 'ab\\x09cd\\x1b12' is not a commit "
		   "id (7 to 40 hex digits)");
	expect_one("rules:\n  x:\n    allowlist:\n      commits: [g123456]\n",
		   "g12", "~'rules.x.allowlist.commits': 'g123456'");
	expect_one("rules:\n  x:\n    severity: urgent\n", "urgent",
		   "'rules.x.severity' must be critical, high, medium or "
		   "low, not 'urgent'");
	expect_one("rules:\n  x:\n    min_entropy: 9\n", "9",
		   "'rules.x.min_entropy' must be a number 0-8, not '9'");
	expect_one("rules:\n  x:\n    min_entropy: -1\n", "-1",
		   "'rules.x.min_entropy' must be a number 0-8, not '-1'");
	expect_one("rules:\n  x:\n    min_entropy: high\n", "high",
		   "'rules.x.min_entropy' must be a number 0-8, not 'high'");
	expect_one("rules:\n  x:\n    min_entropy: nan\n", "nan",
		   "'rules.x.min_entropy' must be a number 0-8, not 'nan'");
	expect_one("rules:\n  x:\n    min_entropy: ''\n", "''",
		   "'rules.x.min_entropy' must be a number 0-8, not ''");
	expect_one("max_file_size: 10XB\n", "10XB",
		   "'max_file_size' must be a size (10MiB, 512k, 1048576), "
		   "not '10XB'");
	expect_one("max_file_size: 0\n", "0",
		   "'max_file_size' must be a size (10MiB, 512k, 1048576), "
		   "not '0'");
	expect_one("max_file_size: -5\n", "-5",
		   "'max_file_size' must be a size (10MiB, 512k, 1048576), "
		   "not '-5'");
	expect_one("rule_files: [no-such-rules.yml]\n", "no-such",
		   "'rule_files': cannot open 'no-such-rules.yml': No such "
		   "file or directory");
}

static void test_yaml_errors(void **state)
{
	(void)state;
	/* yamltree rejects these before the schema is looked at */
	expect_one("exclude: []\nallowlist: {}\nexclude: [a]\n",
		   "exclude: [a]", "duplicate key 'exclude'");
	expect_one("allowlist:\n  paths: []\n  paths: [a]\n", "paths: [a]",
		   "duplicate key 'paths'");
	{
		struct ks_config c = KS_CONFIG_INIT;

		assert_int_equal(ks_config_load_buf(&c, "exclude: [a\n", 12,
						    "t.yml"),
				 KS_EINVALID);
		assert_int_equal(c.diag_nr, 1);
		assert_string_equal(c.diag[0], "t.yml:2:1: did not find "
					       "expected ',' or ']'");
		ks_config_release(&c);
	}
	expect_one("a: &x [1]\nb: *x\n", "*x", "YAML aliases are not allowed");
}

/* extra_rules: rule diagnostics carry the config file and positions. */
static void test_extra_rules_errors(void **state)
{
	const char *text = "extra_rules:\n"
			   "  - id: acme-token\n"
			   "    pattern: 'acme_(['\n";

	(void)state;
	expect_one("extra_rules:\n  - just a string\n", "just",
		   "a rule must be a mapping");
	{
		struct ks_config c = KS_CONFIG_INIT;

		assert_int_equal(ks_config_load_buf(&c, text, strlen(text),
						    "t.yml"),
				 KS_EINVALID);
		dump_diags(&c);
		assert_true(c.diag_nr > 2);
		/* missing fields at the rule, the regex at its pattern */
		check_diag(c.diag[0], text, "id:",
			   "acme-token: missing required field 'name'");
		check_diag(c.diag[c.diag_nr - 1], text, "'acme_",
			   "~acme-token: bad pattern at offset 7");
		ks_config_release(&c);
	}
}

/* Every problem in a file is reported, in file order. */
static void test_many_errors(void **state)
{
	const char *text = "allowlist:\n"
			   "  pathz: [a]\n"
			   "  regexes: ['(x']\n"
			   "  commits: [nothex!]\n"
			   "rules:\n"
			   "  disable: [BAD]\n"
			   "  x:\n"
			   "    severity: meh\n"
			   "    min_entropy: lots\n"
			   "max_file_size: big\n"
			   "scan_binary: maybe\n"
			   "colour: blue\n";
	struct ks_config c = KS_CONFIG_INIT;

	(void)state;
	assert_int_equal(ks_config_load_buf(&c, text, strlen(text), "t.yml"),
			 KS_EINVALID);
	if (c.diag_nr != 9) {
		dump_diags(&c);
		fail_msg("%zu diagnostics, want 9", c.diag_nr);
	}
	check_diag(c.diag[0], text, "pathz", "~'allowlist.pathz'");
	check_diag(c.diag[1], text, "'(x'", "~'allowlist.regexes'");
	check_diag(c.diag[2], text, "nothex", "~'allowlist.commits'");
	check_diag(c.diag[3], text, "BAD", "~'rules.disable'");
	check_diag(c.diag[4], text, "meh", "~'rules.x.severity'");
	check_diag(c.diag[5], text, "lots", "~'rules.x.min_entropy'");
	check_diag(c.diag[6], text, "big", "~'max_file_size'");
	check_diag(c.diag[7], text, "maybe", "~'scan_binary'");
	check_diag(c.diag[8], text, "colour", "~'colour'");
	assert_non_null(strstr(ks_error_last(), "(and 8 more)"));
	ks_config_release(&c);
}

static enum ks_allow match(const struct ks_allowlist *a, const char *path,
			   const char *secret, const char *commit)
{
	return ks_allowlist_match(a, path, secret, strlen(secret), commit);
}

static void test_match_path(void **state)
{
	struct ks_config c = KS_CONFIG_INIT;

	(void)state;
	load_ok(&c, "allowlist:\n  paths: [\"tests/fixtures/\", "
		    "\"**/*.snap\", \"/top.env\"]\n");
	assert_int_equal(match(&c.allow, "tests/fixtures/a.env", "s", NULL),
			 KS_ALLOW_PATH);
	assert_int_equal(match(&c.allow, "./tests/fixtures/x/y.py", "s",
			       NULL),
			 KS_ALLOW_PATH);
	assert_int_equal(match(&c.allow, "a/b/c.snap", "s", NULL),
			 KS_ALLOW_PATH);
	assert_int_equal(match(&c.allow, "top.env", "s", NULL), KS_ALLOW_PATH);
	assert_int_equal(match(&c.allow, "sub/top.env", "s", NULL),
			 KS_ALLOW_NONE);
	assert_int_equal(match(&c.allow, "src/a.env", "s", NULL),
			 KS_ALLOW_NONE);
	assert_int_equal(match(&c.allow, "tests/fixtures", "s", NULL),
			 KS_ALLOW_NONE); /* a file, not the directory */
	assert_int_equal(match(&c.allow, NULL, "s", NULL), KS_ALLOW_NONE);
	ks_config_release(&c);
}

static void test_match_regex(void **state)
{
	struct ks_config c = KS_CONFIG_INIT;
	const char exact[] = "AKIAIOSFODNN7EXAMPLE";
	char nul_secret[] = "xx\0AKIA";

	(void)state;
	load_ok(&c, "allowlist:\n  regexes: ['^AKIAIOSFODNN7EXAMPLE$', "
		    "'AKIA$', '^tok_test_']\n");
	assert_int_equal(match(&c.allow, "a", exact, NULL), KS_ALLOW_REGEX);
	assert_int_equal(match(&c.allow, "a", "AKIAIOSFODNN7EXAMPLEX", NULL),
			 KS_ALLOW_NONE);
	assert_int_equal(match(&c.allow, "a", "tok_test_123", NULL),
			 KS_ALLOW_REGEX);
	assert_int_equal(match(&c.allow, "a", "tok_TEST_123", NULL),
			 KS_ALLOW_NONE); /* case-sensitive unless (?i) */
	/* the secret is matched with its length: past a NUL */
	assert_int_equal(ks_allowlist_match(&c.allow, "a", nul_secret,
					    sizeof(nul_secret) - 1, NULL),
			 KS_ALLOW_REGEX);
	/* and only within its length */
	assert_int_equal(ks_allowlist_match(&c.allow, "a", "tok_test_", 8,
					    NULL),
			 KS_ALLOW_NONE);
	ks_config_release(&c);
}

/* A catastrophic pattern stops at the match limit: no match, quickly. */
static void test_match_regex_limit(void **state)
{
	struct ks_config c = KS_CONFIG_INIT;
	char secret[64];
	double t0;

	(void)state;
	/* both take seconds at 22 bytes without a limit (PCRE2 10.42, with
	 * and without JIT), about 2^40 steps here */
	load_ok(&c, "allowlist:\n  regexes: ['^(a+)+$', '^(\\w+\\s?)+$']\n");
	memset(secret, 'a', 40);
	secret[40] = '!';
	secret[41] = '\0';
	t0 = t_now_ms();
	assert_int_equal(match(&c.allow, "p", secret, NULL), KS_ALLOW_NONE);
	memset(secret, 'x', 40);
	assert_int_equal(match(&c.allow, "p", secret, NULL), KS_ALLOW_NONE);
	/* a hang gate, not a speed test: unlimited this takes hours */
	assert_true(t_now_ms() - t0 < 5000);
	/* and the pattern still matches where it should */
	assert_int_equal(match(&c.allow, "p", "aaaa", NULL), KS_ALLOW_REGEX);
	assert_int_equal(match(&c.allow, "p", "ab cd", NULL), KS_ALLOW_REGEX);
	ks_config_release(&c);
}

static void test_match_stopword(void **state)
{
	struct ks_config c = KS_CONFIG_INIT;

	(void)state;
	load_ok(&c, "allowlist:\n  stopwords: [Example, dummy]\n");
	assert_int_equal(match(&c.allow, "a", "sk-EXAMPLE123", NULL),
			 KS_ALLOW_STOPWORD);
	assert_int_equal(match(&c.allow, "a", "xDuMmYx", NULL),
			 KS_ALLOW_STOPWORD);
	assert_int_equal(match(&c.allow, "a", "dummy", NULL),
			 KS_ALLOW_STOPWORD);
	assert_int_equal(match(&c.allow, "a", "dumm", NULL), KS_ALLOW_NONE);
	assert_int_equal(match(&c.allow, "a", "exampl3", NULL),
			 KS_ALLOW_NONE);
	assert_int_equal(ks_allowlist_match(&c.allow, "a", "dummy", 4, NULL),
			 KS_ALLOW_NONE);
	ks_config_release(&c);
}

static void test_match_commit(void **state)
{
	struct ks_config c = KS_CONFIG_INIT;
	const char *full = "0123abcd89abcdef0123456789abcdef01234567";

	(void)state;
	load_ok(&c, "allowlist:\n  commits: [0123ABCD, "
		    "fedcba9876543210fedcba9876543210fedcba98]\n");
	assert_int_equal(match(&c.allow, "a", "s", full), KS_ALLOW_COMMIT);
	assert_int_equal(match(&c.allow, "a", "s",
			       "0123ABCD89ABCDEF0123456789ABCDEF01234567"),
			 KS_ALLOW_COMMIT);
	assert_int_equal(match(&c.allow, "a", "s",
			       "fedcba9876543210fedcba9876543210fedcba98"),
			 KS_ALLOW_COMMIT);
	assert_int_equal(match(&c.allow, "a", "s",
			       "0123abce89abcdef0123456789abcdef01234567"),
			 KS_ALLOW_NONE);
	/* the entry is a prefix of the commit, not the other way round */
	assert_int_equal(match(&c.allow, "a", "s", "0123abc"), KS_ALLOW_NONE);
	assert_int_equal(match(&c.allow, "a", "s", NULL), KS_ALLOW_NONE);
	ks_config_release(&c);
}

/* Each mechanism answers for itself; the first in path, commit, stopword,
 * regex order wins; per-rule allowlists are separate. */
static void test_match_order(void **state)
{
	struct ks_config c = KS_CONFIG_INIT;
	const struct ks_rule_override *o;

	(void)state;
	load_ok(&c, "allowlist:\n"
		    "  paths: [fixtures/]\n"
		    "  regexes: [dummy]\n"
		    "  stopwords: [dummy]\n"
		    "  commits: [abcdef0]\n"
		    "rules:\n"
		    "  x:\n"
		    "    allowlist:\n"
		    "      stopwords: [sandbox]\n"
		    "      commits: [1234567]\n");
	assert_int_equal(match(&c.allow, "fixtures/a", "dummy", "abcdef0123"),
			 KS_ALLOW_PATH);
	assert_int_equal(match(&c.allow, "src/a", "dummy", "abcdef0123"),
			 KS_ALLOW_COMMIT);
	assert_int_equal(match(&c.allow, "src/a", "dummy", NULL),
			 KS_ALLOW_STOPWORD);
	assert_int_equal(match(&c.allow, "src/a", "sandbox", "1234567"),
			 KS_ALLOW_NONE);
	o = ks_config_override(&c, "x");
	assert_non_null(o);
	assert_int_equal(match(&o->allow, "src/a", "SANDBOX-1", NULL),
			 KS_ALLOW_STOPWORD);
	assert_int_equal(match(&o->allow, "src/a", "s", "1234567890"),
			 KS_ALLOW_COMMIT);
	assert_int_equal(match(&o->allow, "fixtures/a", "dummy", NULL),
			 KS_ALLOW_NONE);
	assert_string_equal(ks_allow_name(KS_ALLOW_STOPWORD), "stopword");
	ks_config_release(&c);
}

/* The example in README.md loads without a diagnostic (run from the top
 * of the source tree, as `make check` does; skipped elsewhere). */
static void test_readme_example(void **state)
{
	struct ks_config c = KS_CONFIG_INIT;
	struct ks_buf text = KS_BUF_INIT;
	char line[512], path[256];
	bool in = false;
	FILE *f = fopen("README.md", "r");

	(void)state;
	if (!f)
		skip();
	while (fgets(line, sizeof(line), f)) {
		if (!strcmp(line, "# .keysnare.yml\n"))
			in = true;
		else if (in && !strcmp(line, "```\n"))
			break;
		if (in)
			ks_buf_adds(&text, line);
	}
	fclose(f);
	assert_true(in);
	snprintf(path, sizeof(path), "%s/readme", tmp_dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/readme/ci", tmp_dir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file("readme/ci/keysnare-rules.yml", "rules: []\n");
	snprintf(path, sizeof(path), "%s/readme/.keysnare.yml", tmp_dir);
	if (ks_config_load_buf(&c, text.ptr, text.len, path)) {
		dump_diags(&c);
		fail();
	}
	assert_true(c.allow.path_nr && c.allow.regex_nr &&
		    c.allow.stopword_nr && c.allow.commit_nr);
	assert_true(c.disable_nr && c.ov_nr && c.ov[0].allow.path_nr);
	assert_true(c.extra_rules && c.rule_file_nr && c.exclude_nr);
	assert_true(c.has_max_file_size && c.has_scan_binary);
	ks_config_release(&c);
	ks_buf_release(&text);
}

/* ks_ruleset_load_node(): what ks_ruleset_load() does for 'rules'. */
static void test_ruleset_load_node(void **state)
{
	struct ks_ruleset set = KS_RULESET_INIT;
	struct ks_yaml_node *root = NULL;

	(void)state;
	assert_int_equal(ks_yaml_parse(&root, "a: b\n", 5, "n.yml"), 0);
	assert_int_equal(ks_ruleset_load_node(&set, root, "n.yml"),
			 KS_EINVALID);
	assert_int_equal(set.diag_nr, 1);
	assert_string_equal(set.diag[0],
			    "n.yml:1:1: a list of rules is expected");
	assert_int_equal(ks_ruleset_load_node(&set, NULL, "n.yml"),
			 KS_EINVALID);
	assert_string_equal(set.diag[1], "n.yml: a list of rules is expected");
	ks_yaml_free(root);
	ks_ruleset_release(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_verify_key_ignored),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_extra_rules_errors),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_match_path),
		cmocka_unit_test(test_match_regex),
		cmocka_unit_test(test_match_regex_limit),
		cmocka_unit_test(test_match_stopword),
		cmocka_unit_test(test_match_commit),
		cmocka_unit_test(test_match_order),
		cmocka_unit_test(test_readme_example),
		cmocka_unit_test(test_ruleset_load_node),
	};

	t_seed("test_config");
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
