#!/usr/bin/env bash
test_description='.keysnare.yml: an invalid configuration is refused before anything is scanned, with FILE:LINE:COL messages and exit 3'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"
. "$E2E_DIR/suppress-lib.sh"

# refused WHERE MESSAGE: tree/.keysnare.yml is refused by `keysnare scan
# tree`: exit 3, nothing on stdout (the tree holds a key, so a scan would
# report it), and a line "tree/.keysnare.yml:WHERE: MESSAGE" (WHERE and
# MESSAGE are EREs) on stderr.
refused() {
	{ test -f tree/a.env || printf "A=%s\n" "$(newkey groq)" >tree/a.env; } &&
	test_expect_code 3 keysnare scan tree >out 2>err &&
	test_must_be_empty out &&
	test_grep "^keysnare: error: tree/\.keysnare\.yml:$1: $2" err
}

# bad_config YAML WHERE MESSAGE: the same for tree/.keysnare.yml holding
# YAML (a printf format)
# shellcheck disable=SC2059 # YAML is a printf format on purpose
bad_config() {
	mkdir -p tree &&
	printf -- "$1" >tree/.keysnare.yml &&
	refused "$2" "$3"
}

test_expect_success 'unknown keys (top level, allowlist, rule override, rule allowlist), each named with its position' '
	bad_config "stopwords: [a]\n" 1:1 "unknown key .stopwords." &&
	test_grep "expected allowlist, rules" err &&
	bad_config "allowlist:\n  pathz: [a]\n" 2:3 "unknown key .allowlist\.pathz." &&
	bad_config "rules:\n  groq-api-key:\n    min_entrpy: 3\n" 3:5 "unknown key .rules\.groq-api-key\.min_entrpy." &&
	bad_config "rules:\n  groq-api-key:\n    allowlist:\n      stopwordz: [a]\n" 4:7 "unknown key .rules\.groq-api-key\.allowlist\.stopwordz."
'

test_expect_success 'wrong types: lists, mappings, booleans, sizes, file names' '
	bad_config "allowlist:\n  paths: a\n" 2:10 ".allowlist\.paths. must be a list" &&
	bad_config "allowlist:\n  stopwords: {a: 1}\n" 2:14 ".allowlist\.stopwords. must be a list" &&
	bad_config "allowlist: [a]\n" 1:12 ".allowlist. must be a mapping" &&
	bad_config "rules:\n  disable: github-pat\n" 2:12 ".rules\.disable. must be a list" &&
	bad_config "scan_binary: maybe\n" 1:14 ".scan_binary. must be true or false" &&
	bad_config "max_file_size: lots\n" 1:16 ".max_file_size. must be a size" &&
	bad_config "baseline: [a]\n" 1:11 ".baseline. must be a file name" &&
	bad_config "- a\n" 1:1 "the configuration must be a mapping"
'

test_expect_success 'a regex that does not compile: named with the offset (allowlist and a rule'\''s allowlist)' '
	bad_config "allowlist:\n  regexes: [\"(a\"]\n" 2:13 ".allowlist\.regexes.: bad regex .\(a. at offset 2" &&
	bad_config "rules:\n  groq-api-key:\n    allowlist:\n      regexes: [\"ok\", \"[z\"]\n" 4:23 ".rules\.groq-api-key\.allowlist\.regexes.: bad regex .\[z. at offset 2"
'

test_expect_success 'a bad glob: allowlist.paths, a rule'\''s allowlist paths, exclude; negation is refused' '
	bad_config "allowlist:\n  paths: [\"[a\"]\n" 2:11 ".allowlist\.paths.: invalid pattern .\[a." &&
	bad_config "rules:\n  groq-api-key:\n    allowlist:\n      paths: [\"[z\"]\n" 4:15 ".rules\.groq-api-key\.allowlist\.paths.: invalid pattern" &&
	bad_config "exclude: [\"[a\"]\n" 1:11 ".exclude.: invalid pattern" &&
	bad_config "allowlist:\n  paths: [\"!a\"]\n" 2:11 ".allowlist\.paths.: invalid pattern .!a.: negation"
'

test_expect_success 'an unknown rule id in a rule override: exit 3 with its position' '
	bad_config "rules:\n  no-such-rule:\n    severity: low\n" 2:3 ".*no rule .no-such-rule."
'

test_expect_success 'an unknown rule id in rules.disable: exit 3 with FILE:LINE:COL' '
	bad_config "rules:\n  disable: [github-pat, no-such-rule]\n" "2:[0-9]+" ".*no-such-rule"
'

test_expect_success 'bad values: severity, min_entropy outside 0-8, commit ids' '
	bad_config "rules:\n  groq-api-key:\n    severity: urgent\n" 3:15 ".rules\.groq-api-key\.severity. must be critical, high, medium or low" &&
	bad_config "rules:\n  groq-api-key:\n    min_entropy: 9\n" 3:18 ".rules\.groq-api-key\.min_entropy. must be a number 0-8" &&
	bad_config "rules:\n  groq-api-key:\n    min_entropy: -1\n" 3:18 ".rules\.groq-api-key\.min_entropy. must be a number 0-8" &&
	bad_config "allowlist:\n  commits: [xyz]\n" 2:13 ".allowlist\.commits.: .xyz. is not a commit id" &&
	bad_config "allowlist:\n  commits: [abc12]\n" 2:13 ".allowlist\.commits.: .abc12. is not a commit id"
'

test_expect_success 'YAML problems: syntax, duplicate keys, aliases' '
	bad_config "exclude:\n\t- a\n" "2:[0-9]+" ".+" &&
	bad_config "exclude: [a]\nexclude: [b]\n" 2:1 "duplicate key .exclude." &&
	bad_config "a: &x [1]\nexclude: *x\n" 2:10 "YAML aliases are not allowed"
'

test_expect_success 'extra_rules: an invalid rule, a bad pattern, a duplicate of a built-in id' '
	bad_config "extra_rules:\n  - id: half\n" 2:5 "half: missing required field .pattern." &&
	{ echo "extra_rules:" && acme_config_rule | sed "s/acme-token/groq-api-key/"; } >tree/.keysnare.yml &&
	refused 2:5 "groq-api-key: duplicate rule id" &&
	{ echo "extra_rules:" && acme_config_rule | sed "s/{32})/{32}/"; } >tree/.keysnare.yml &&
	refused "5:[0-9]+" "acme-token: bad pattern at offset [0-9]+"
'

test_expect_success 'rule_files: a missing file (config position), an invalid one (its own FILE:LINE:COL)' '
	bad_config "rule_files: [missing.yml]\n" 1:14 ".rule_files.: cannot open .(tree/)?missing\.yml." &&
	printf "rules:\n  - id: bad\n    pattern: x\n" >tree/r.yml &&
	printf "rule_files: [r.yml]\n" >tree/.keysnare.yml &&
	test_expect_code 3 keysnare scan tree >out 2>err &&
	test_must_be_empty out &&
	test_grep "tree/r\.yml:2:5: bad: missing required field .name." err
'

test_expect_success 'every problem is reported, not just the first; nothing is scanned' '
	bad_config "allowlist:\n  paths: [\"a\"]\n  bogus: 1\nrules:\n  groq-api-key:\n    severity: urgent\nscan_binary: maybe\n" 3:3 "unknown key .allowlist\.bogus." &&
	test_grep "tree/\.keysnare\.yml:6:15: " err &&
	test_grep "tree/\.keysnare\.yml:7:14: " err &&
	test_grep -v "files? scanned" err
'

test_expect_success '--config FILE that is invalid: the message names FILE' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	printf "allowlist:\n  paths: a\n" >elsewhere.yml &&
	test_expect_code 3 keysnare scan --config elsewhere.yml tree >out 2>err &&
	test_must_be_empty out &&
	test_grep "elsewhere\.yml:2:10: " err
'

test_expect_success 'history and staged refuse an invalid config too (exit 3), also from a subdirectory; the hook blocks' '
	new_repo repo &&
	mkdir repo/sub &&
	printf "A=%s\n" "$(newkey groq)" >repo/sub/a.env &&
	commit_all repo init &&
	printf "allowlist:\n  pathz: [a]\n" >repo/.keysnare.yml &&
	test_expect_code 3 ks_in repo history >out 2>err &&
	test_must_be_empty out &&
	test_grep "\.keysnare\.yml:2:3: unknown key" err &&
	test_expect_code 3 ks_in repo/sub history >out 2>err &&
	test_grep "\.keysnare\.yml:2:3: " err &&
	echo hi >repo/sub/b.txt &&
	git -C repo add sub/b.txt &&
	test_expect_code 3 staged_in repo >out 2>err &&
	test_grep "\.keysnare\.yml:2:3: " err &&
	test_expect_code 3 staged_in repo/sub >out 2>err &&
	test_grep "\.keysnare\.yml:2:3: " err &&
	staged_in repo --no-config >out 2>err &&
	install_hook repo &&
	old=$(head_of repo) &&
	test_expect_code 1 git -C repo commit -q -m x >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_grep "\.keysnare\.yml:2:3: " commit.out
'

test_expect_success 'valid corner cases: an empty file, comments only, empty values are accepted' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	: >tree/.keysnare.yml &&
	test_expect_code 1 keysnare scan tree >out 2>err &&
	printf "# nothing yet\n" >tree/.keysnare.yml &&
	test_expect_code 1 keysnare scan tree >out 2>err &&
	printf "exclude:\nallowlist:\n  paths: ~\nrules:\n  disable: []\n" >tree/.keysnare.yml &&
	test_expect_code 1 keysnare scan tree >out 2>err &&
	test_line_count = 1 out
'

test_done
