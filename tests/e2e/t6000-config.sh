#!/usr/bin/env bash
test_description='.keysnare.yml: allowlists, rule overrides, extra rules, scan settings, where it is read, --config/--no-config'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"
. "$E2E_DIR/suppress-lib.sh"

# Every body scans a tree (tree/ or repo/) that holds its .keysnare.yml;
# the keys are generated at test time into ./keys, outside the scanned tree.
# Each mechanism is checked with a control: a finding it must not touch.
# "path:line:col rule [MECH]" lists come from --show-suppressed JSON.
# Invalid configurations are in t6001-config-errors.sh.

# ---- allowlist.paths ----------------------------------------------------------

test_expect_success 'allowlist.paths: dir/ at any depth, /anchored, **/ and /**/ globs; nothing else is suppressed' '
	for f in fixtures/a.env lib/fixtures/b.env fixturesx/c.env src/fixtures.env \
		docs/d.md lib/docs/e.md snap/f.env a/b/snap/g.env snapx/h.env \
		snap/sub/i.env x/y.env x/p/q/y.env x/p/z.env
	do
		mkdir -p "tree/$(dirname "$f")" &&
		printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >"tree/$f" || return 1
	done &&
	cat >tree/.keysnare.yml <<-\EOF &&
	allowlist:
	  paths: ["fixtures/", "/docs/", "**/snap/*.env", "x/**/y.env"]
	EOF
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	a/b/snap/g.env:1:14 groq-api-key [path]
	docs/d.md:1:14 groq-api-key [path]
	fixtures/a.env:1:14 groq-api-key [path]
	fixturesx/c.env:1:14 groq-api-key
	lib/docs/e.md:1:14 groq-api-key
	lib/fixtures/b.env:1:14 groq-api-key [path]
	snap/f.env:1:14 groq-api-key [path]
	snap/sub/i.env:1:14 groq-api-key
	snapx/h.env:1:14 groq-api-key
	src/fixtures.env:1:14 groq-api-key
	x/p/q/y.env:1:14 groq-api-key [path]
	x/p/z.env:1:14 groq-api-key
	x/y.env:1:14 groq-api-key [path]
	EOF
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "path 7" &&
	test "$(ksjson get out.json stats.findings)" = 6 &&
	test_grep "; 6 findings; 7 suppressed \(path 7\)$" err &&
	test_expect_code 1 ks_in tree scan >out 2>err &&
	test_line_count = 6 out &&
	test_grep -v "fixtures/a\.env|snap/f\.env|x/y\.env" out &&
	check_no_leak out keys
'

test_expect_success 'scan DIR reads DIR/.keysnare.yml (not the current directory'\''s), paths relative to DIR, however DIR is spelled' '
	mkdir -p proj/fixtures proj/src &&
	printf "A=%s\n" "$(newkey groq)" >proj/fixtures/a.env &&
	printf "A=%s\n" "$(newkey groq)" >proj/src/b.env &&
	printf "allowlist:\n  paths: [\"/fixtures/\"]\n" >proj/.keysnare.yml &&
	printf "allowlist:\n  paths: [\"src/\", \"proj/\"]\n" >.keysnare.yml &&
	for root in proj proj/ ./proj "$PWD/proj" "$PWD/proj/"
	do
		test_expect_code 1 keysnare scan -f json --show-suppressed "$root" >out.json 2>err &&
		sorted_findings out.json >actual &&
		r=${root%/} &&
		printf "%s\n" "$r/fixtures/a.env:1:3 groq-api-key [path]" "$r/src/b.env:1:3 groq-api-key" >expect &&
		test_cmp expect actual || return 1
	done &&
	test_expect_code 1 ks_in proj scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "fixtures/a.env:1:3 groq-api-key [path]" "src/b.env:1:3 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'scan DIR with the root spelled proj// or ./proj//: anchored allowlist paths still apply' '
	mkdir -p proj/fixtures proj/src &&
	printf "A=%s\n" "$(newkey groq)" >proj/fixtures/a.env &&
	printf "A=%s\n" "$(newkey groq)" >proj/src/b.env &&
	printf "allowlist:\n  paths: [\"/fixtures/\", \"src/b.env\"]\n" >proj/.keysnare.yml &&
	for root in proj// ./proj//
	do
		test_expect_code 0 keysnare scan -f json "$root" >out.json 2>err &&
		test "$(ksjson get out.json findings.#)" = 0 &&
		test "$(supp_counts out.json)" = "path 2" || return 1
	done
'

test_expect_success 'scan FILE...: ./.keysnare.yml of the current directory, paths relative to it' '
	mkdir -p tree/fixtures tree/src &&
	printf "A=%s\n" "$(newkey groq)" >tree/fixtures/a.env &&
	printf "A=%s\n" "$(newkey groq)" >tree/src/b.env &&
	printf "allowlist:\n  paths: [\"/fixtures/\"]\n" >tree/.keysnare.yml &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed fixtures/a.env src/b.env >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "fixtures/a.env:1:3 groq-api-key [path]" "src/b.env:1:3 groq-api-key" >expect &&
	test_cmp expect actual &&
	ks_in tree scan -f json fixtures/a.env >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(supp_counts out.json)" = "path 1"
'

# ---- allowlist.regexes, stopwords, commits ----------------------------------

test_expect_success 'allowlist.regexes run on the secret, not the line; case-sensitive unless (?i)' '
	mkdir tree &&
	k1=$(newkey groq) && k2=$(newkey groq) && k3=$(newkey groq) && k4=$(newkey groq) &&
	sw3=$(printf %s "${k3:0:12}" | tr a-zA-Z A-Za-z) &&
	sw4=$(printf %s "${k4:0:12}" | tr a-zA-Z A-Za-z) &&
	printf "A=%s\nMARK_B=%s\nC=%s\nD=%s\n" "$k1" "$k2" "$k3" "$k4" >tree/a.env &&
	cat >tree/.keysnare.yml <<-EOF &&
	allowlist:
	  regexes: ["^${k1:0:12}", "MARK_B", "^A=", "^$sw3", "(?i)^$sw4"]
	EOF
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	a.env:1:3 groq-api-key [regex]
	a.env:2:8 groq-api-key
	a.env:3:3 groq-api-key
	a.env:4:3 groq-api-key [regex]
	EOF
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "regex 2" &&
	test "$(summary_supp err)" = "2 suppressed (regex 2)"
'

test_expect_success 'allowlist.stopwords: the secret contains one (any case); a stopword elsewhere on the line does not count' '
	mkdir tree &&
	k1=$(newkey groq) && k2=$(newkey groq) && k3=$(newkey groq) &&
	sw=$(printf %s "${k1:10:8}" | tr a-zA-Z A-Za-z) &&
	printf "A=%s\nZEBRAQUOKKA=%s\nC=%s\n" "$k1" "$k2" "$k3" >tree/a.env &&
	printf "allowlist:\n  stopwords: [\"%s\", \"zebraquokka\"]\n" "$sw" >tree/.keysnare.yml &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	a.env:1:3 groq-api-key [stopword]
	a.env:2:13 groq-api-key
	a.env:3:3 groq-api-key
	EOF
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "stopword 1"
'

test_expect_success 'allowlist.commits: history only (prefix or full id, any case), files and messages of that commit; scan ignores it' '
	new_repo repo &&
	printf "A=%s\n" "$(newkey groq)" >repo/a.env &&
	git -C repo add a.env &&
	git -C repo commit -q -m "first, with $(newkey github-pat)" &&
	c1=$(git -C repo rev-parse HEAD) &&
	printf "B=%s\n" "$(newkey groq)" >repo/b.env &&
	git -C repo add b.env &&
	git -C repo commit -q -m "second, with $(newkey github-pat)" &&
	c2=$(git -C repo rev-parse HEAD) &&
	cat >expect <<-EOF &&
	a.env:1:3 groq-api-key [commit]
	b.env:1:3 groq-api-key
	commit-message:$c1:1:13 github-pat [commit]
	commit-message:$c2:1:14 github-pat
	EOF
	sort expect >expect.sorted &&
	for id in "${c1:0:7}" "$c1" "$(echo "$c1" | tr a-f A-F)"
	do
		printf "allowlist:\n  commits: [\"%s\"]\n" "$id" >repo/.keysnare.yml &&
		test_expect_code 1 ks_in repo history -f json --show-suppressed >out.json 2>err &&
		sorted_findings out.json >actual &&
		test_cmp expect.sorted actual &&
		test "$(supp_counts out.json)" = "commit 2" || return 1
	done &&
	test_expect_code 1 ks_in repo scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "a.env:1:3 groq-api-key" "b.env:1:3 groq-api-key" >expect &&
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = none
'

# ---- rules: ----------------------------------------------------------------

test_expect_success 'rules.ID.allowlist (paths, stopwords, regexes) applies to that rule'\''s findings only' '
	mkdir tree &&
	k1=$(newkey groq) && k2=$(newkey github-pat) && k3=$(newkey github-pat) &&
	k4=$(newkey groq) && k5=$(newkey github-pat) && k6=$(newkey groq) &&
	printf "G=%s\nH=%s\n" "$k1" "$k2" >tree/a.env &&
	printf "H=%s\n" "$k3" >tree/b.env &&
	printf "G=%s\nH=%s\nG=%s\n" "$k4" "$k5" "$k6" >tree/c.env &&
	cat >tree/.keysnare.yml <<-EOF &&
	rules:
	  github-pat:
	    allowlist:
	      paths: [a.env]
	  groq-api-key:
	    allowlist:
	      stopwords: ["${k4:8:8}", "${k5:8:8}"]
	      regexes: ["^${k6:0:12}", "^${k3:0:10}"]
	EOF
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	a.env:1:3 groq-api-key
	a.env:2:3 github-pat [path]
	b.env:1:3 github-pat
	c.env:1:3 groq-api-key [stopword]
	c.env:2:3 github-pat
	c.env:3:3 groq-api-key [regex]
	EOF
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "path 1, regex 1, stopword 1"
'

test_expect_success 'rules.disable: counted as suppressed (rule), listed with --show-suppressed, never exit 1; other rules still report' '
	mkdir tree &&
	printf "G=%s\nH=%s\n" "$(newkey groq)" "$(newkey github-pat)" >tree/a.env &&
	printf "rules:\n  disable: [github-pat]\n" >tree/.keysnare.yml &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "a.env:1:3 groq-api-key" "a.env:2:3 github-pat [rule]" >expect &&
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "rule 1" &&
	printf "H=%s\n" "$(newkey github-pat)" >tree/a.env &&
	ks_in tree scan >out 2>err &&
	test_must_be_empty out &&
	test "$(summary_supp err)" = "1 suppressed (rule 1)" &&
	ks_in tree scan --show-suppressed >out 2>err &&
	test_grep "^a\.env:1:3: github-pat: ghp_[A-Za-z0-9]*\*\*\* \(suppressed: rule\)$" out &&
	test_line_count = 1 out &&
	check_no_leak out keys
'

test_expect_success 'rules.ID.min_entropy: raised, that rule'\''s key is dropped (entropy), not another'\''s; lowered, a weak key is found' '
	mkdir tree &&
	printf "G=%s\nH=%s\n" "$(newkey groq)" "$(newkey github-pat)" >tree/a.env &&
	printf "rules:\n  github-pat:\n    min_entropy: 7.9\n" >tree/.keysnare.yml &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	echo "a.env:1:3 groq-api-key" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json stats.dropped_by_reason.entropy)" = 1 &&
	test "$(supp_counts out.json)" = none &&
	write_rule acme.yml acme-x &&
	rm tree/a.env &&
	printf "T=%s\n" "$(lowent_acme)" >tree/t.txt &&
	ks_in tree scan --rules "$PWD/acme.yml" --no-config -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(ksjson get out.json stats.dropped_by_reason.entropy)" = 1 &&
	printf "rules:\n  acme-x:\n    min_entropy: 1.5\n" >tree/.keysnare.yml &&
	test_expect_code 1 ks_in tree scan --rules "$PWD/acme.yml" -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "t.txt:1:3 acme-x" >expect &&
	test_cmp expect actual
'

test_expect_success 'rules.ID.severity: shown in JSON and JSONL for that rule only' '
	mkdir tree &&
	printf "G=%s\nH=%s\n" "$(newkey groq)" "$(newkey github-pat)" >tree/a.env &&
	test_expect_code 1 ks_in tree scan -f json >base.json 2>err &&
	test "$(ksjson get base.json findings.0.severity)" = high &&
	test "$(ksjson get base.json findings.1.rule_id)" = github-pat &&
	test "$(ksjson get base.json findings.1.severity)" = high &&
	printf "rules:\n  groq-api-key:\n    severity: low\n" >tree/.keysnare.yml &&
	test_expect_code 1 ks_in tree scan -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.0.rule_id)" = groq-api-key &&
	test "$(ksjson get out.json findings.0.severity)" = low &&
	test "$(ksjson get out.json findings.1.severity)" = high &&
	test_expect_code 1 ks_in tree scan -f jsonl >out.jsonl 2>err &&
	grep "\"groq-api-key\"" out.jsonl >groq.jsonl &&
	test_grep "\"severity\": *\"low\"" groq.jsonl &&
	grep "\"github-pat\"" out.jsonl >gh.jsonl &&
	test_grep "\"severity\": *\"high\"" gh.jsonl
'

# ---- extra_rules, rule_files -------------------------------------------------

test_expect_success 'extra_rules: a rule defined in the config finds its key; without the config it does not' '
	mkdir tree &&
	printf "const t = [\"%s\"];\nG=%s\n" "$(newkey acme)" "$(newkey groq)" >tree/a.env &&
	{ echo "extra_rules:" && acme_config_rule; } >tree/.keysnare.yml &&
	test_expect_code 1 ks_in tree scan -f json >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "a.env:1:13 acme-token" "a.env:2:3 groq-api-key" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in tree scan --no-config -f json >out.json 2>err &&
	sorted_findings out.json >actual &&
	echo "a.env:2:3 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'rule_files: relative to the config'\''s directory, wherever keysnare runs and with --config from elsewhere' '
	mkdir -p tree/rules cfg/ci other &&
	printf "T=%s\n" "$(newkey acme)" >tree/a.txt &&
	write_rule tree/rules/acme.yml acme-local &&
	printf "rule_files: [\"rules/acme.yml\"]\n" >tree/.keysnare.yml &&
	test_expect_code 1 keysnare scan -f json tree >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "tree/a.txt:1:3 acme-local" >expect &&
	test_cmp expect actual &&
	write_rule cfg/ci/acme.yml acme-ci &&
	printf "rule_files: [\"ci/acme.yml\"]\n" >cfg/ks.yml &&
	test_expect_code 1 ks_in tree scan -f json --config ../cfg/ks.yml >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "a.txt:1:3 acme-ci" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in other scan -f json --config ../cfg/ks.yml ../tree >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "../tree/a.txt:1:3 acme-ci" >expect &&
	test_cmp expect actual
'

# ---- scan settings -------------------------------------------------------------

test_expect_success 'exclude: not scanned at all, listed as skipped "excluded"; a directory pattern prunes the directory' '
	mkdir -p tree/vendor/lib/deep tree/src &&
	printf "A=%s\n" "$(newkey groq)" >tree/vendor/lib/a.env &&
	printf "A=%s\n" "$(newkey groq)" >tree/vendor/lib/deep/b.env &&
	printf "A=%s\n" "$(newkey groq)" >tree/vendor/c.env &&
	printf "A=%s\n" "$(newkey groq)" >tree/src/d.env &&
	printf "var k=\"%s\";\n" "$(newkey groq)" >tree/src/e.min.js &&
	printf "var k=\"%s\";\n" "$(newkey groq)" >tree/src/f.js &&
	printf "exclude: [\"vendor/\", \"*.min.js\"]\n" >tree/.keysnare.yml &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "src/d.env:1:3 groq-api-key" "src/f.js:1:8 groq-api-key" >expect &&
	test_cmp expect actual &&
	ksjson skipped out.json | sort >actual &&
	printf "%s\n" "excluded src/e.min.js" "excluded vendor" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json stats.skipped_by_reason.excluded)" = 2 &&
	test "$(supp_counts out.json)" = none &&
	test_expect_code 1 ks_in tree scan -v >out 2>err &&
	test_grep "excluded" err &&
	test_grep -v "vendor/" err &&
	test_grep "2 skipped \(excluded 2\)" err
'

test_expect_success 'exclude applies to history and staged too: each excluded file is listed, its key never reported' '
	new_repo repo &&
	mkdir -p repo/vendor/lib repo/src &&
	printf "A=%s\n" "$(newkey groq)" >repo/vendor/lib/a.env &&
	printf "A=%s\n" "$(newkey groq)" >repo/src/b.min.js &&
	printf "A=%s\n" "$(newkey groq)" >repo/src/c.env &&
	printf "exclude: [\"vendor/\", \"*.min.js\"]\n" >repo/.keysnare.yml &&
	git -C repo add vendor src &&
	printf "%s\n" "excluded src/b.min.js" "excluded vendor/lib/a.env" >expect.skipped &&
	echo "src/c.env:1:3 groq-api-key" >expect &&
	test_expect_code 1 staged_in repo -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	test_cmp expect actual &&
	ksjson skipped out.json | sort >actual &&
	test_cmp expect.skipped actual &&
	git -C repo commit -q -m init &&
	test_expect_code 1 ks_in repo history -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	test_cmp expect actual &&
	ksjson skipped out.json | sort >actual &&
	test_cmp expect.skipped actual
'

test_expect_success 'max_file_size: larger files are skipped (size); --max-file-size on the command line wins' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >tree/small.env &&
	{ printf "A=%s\n" "$(newkey groq)" && head -c 3000 /dev/zero | tr "\0" x && echo; } >tree/big.env &&
	printf "max_file_size: 1000\n" >tree/.keysnare.yml &&
	test_expect_code 1 ks_in tree scan -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "small.env:1:3 groq-api-key" >expect &&
	test_cmp expect actual &&
	ksjson skipped out.json >actual &&
	echo "size big.env" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in tree scan -f json --max-file-size 1MiB >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 2 &&
	test "$(ksjson get out.json stats.skipped.#)" = 0 &&
	printf "max_file_size: 1MiB\n" >tree/.keysnare.yml &&
	test_expect_code 1 ks_in tree scan -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 2 &&
	test_expect_code 1 ks_in tree scan -f json --max-file-size 1000 >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	test "$(ksjson get out.json stats.skipped_by_reason.size)" = 1
'

test_expect_success 'scan_binary: true scans binary files; false is overridden by --scan-binary' '
	mkdir tree &&
	printf "\0\1bin GROQ_API_KEY=%s\n" "$(newkey groq)" >tree/blob.bin &&
	printf "scan_binary: true\n" >tree/.keysnare.yml &&
	test_expect_code 1 ks_in tree scan -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "blob.bin:1:20 groq-api-key" >expect &&
	test_cmp expect actual &&
	printf "scan_binary: false\n" >tree/.keysnare.yml &&
	ks_in tree scan -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	ksjson skipped out.json >actual &&
	echo "binary blob.bin" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in tree scan -f json --scan-binary >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "blob.bin:1:20 groq-api-key" >expect &&
	test_cmp expect actual
'

# ---- which file ----------------------------------------------------------------

test_expect_success '--no-config ignores the file: allowlists, disabled rules, overrides, exclude and settings' '
	mkdir -p tree/fixtures tree/vendor &&
	printf "A=%s\n" "$(newkey groq)" >tree/fixtures/a.env &&
	printf "A=%s\n" "$(newkey groq)" >tree/vendor/b.env &&
	printf "H=%s\n" "$(newkey github-pat)" >tree/c.env &&
	printf "\0 A=%s\n" "$(newkey groq)" >tree/d.bin &&
	cat >tree/.keysnare.yml <<-\EOF &&
	allowlist:
	  paths: [fixtures/]
	rules:
	  disable: [github-pat]
	  groq-api-key:
	    severity: low
	exclude: [vendor/]
	scan_binary: true
	EOF
	test_expect_code 1 ks_in tree scan -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "d.bin:1:5 groq-api-key" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json findings.0.severity)" = low &&
	test_expect_code 1 ks_in tree scan --no-config -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	c.env:1:3 github-pat
	fixtures/a.env:1:3 groq-api-key
	vendor/b.env:1:3 groq-api-key
	EOF
	test_cmp expect actual &&
	test "$(ksjson get out.json findings.1.severity)" = high &&
	ksjson skipped out.json >actual &&
	echo "binary d.bin" >expect &&
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = none
'

test_expect_success '--config FILE from elsewhere is used instead of the root'\''s .keysnare.yml' '
	mkdir -p tree cfg &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	printf "B=%s\n" "$(newkey groq)" >tree/b.env &&
	printf "allowlist:\n  paths: [a.env]\n" >tree/.keysnare.yml &&
	printf "allowlist:\n  paths: [b.env]\n" >cfg/other.yml &&
	test_expect_code 1 keysnare scan --config cfg/other.yml -f json --show-suppressed tree >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "tree/a.env:1:3 groq-api-key" "tree/b.env:1:3 groq-api-key [path]" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in tree scan --config "$PWD/cfg/other.yml" -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "a.env:1:3 groq-api-key" "b.env:1:3 groq-api-key [path]" >expect &&
	test_cmp expect actual
'

test_expect_success '--config FILE that does not exist, or is a directory: exit 3 naming it, nothing reported' '
	mkdir tree cfgdir &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	test_expect_code 3 keysnare scan --config missing.yml tree >out 2>err &&
	test_must_be_empty out &&
	test_grep "missing\.yml" err &&
	test_expect_code 3 keysnare scan --config cfgdir tree >out 2>err &&
	test_must_be_empty out &&
	test_grep "cfgdir" err
'

# ---- history and staged: the work tree'\''s top ---------------------------------

# repo_two REPO: a repository with fixtures/a.env and src/b.env committed,
# a key in each, and an untracked .keysnare.yml allowlisting /fixtures/
repo_two() {
	new_repo "$1" &&
	mkdir -p "$1/fixtures" "$1/src" &&
	printf "A=%s\n" "$(newkey groq)" >"$1/fixtures/a.env" &&
	printf "B=%s\n" "$(newkey groq)" >"$1/src/b.env" &&
	commit_all "$1" init &&
	printf "allowlist:\n  paths: [\"/fixtures/\"]\n" >"$1/.keysnare.yml"
}

test_expect_success 'history reads .keysnare.yml at the top of the work tree: from the top, a subdirectory, --repo' '
	repo_two repo &&
	printf "%s\n" "fixtures/a.env:1:3 groq-api-key [path]" "src/b.env:1:3 groq-api-key" >expect &&
	test_expect_code 1 ks_in repo history -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in repo/src history -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	test_cmp expect actual &&
	test_expect_code 1 keysnare history --repo repo -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in repo/src history --no-config -f json --show-suppressed >out.json 2>err &&
	test "$(supp_counts out.json)" = none &&
	test "$(ksjson get out.json findings.#)" = 2 &&
	printf "allowlist:\n  paths: [\"src/\"]\n" >other.yml &&
	test_expect_code 1 ks_in repo/src history --config ../../other.yml -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "fixtures/a.env:1:3 groq-api-key" "src/b.env:1:3 groq-api-key [path]" >expect &&
	test_cmp expect actual
'

test_expect_success 'staged reads .keysnare.yml at the top of the work tree (also from a subdirectory); --no-config, --config' '
	new_repo repo &&
	mkdir -p repo/fixtures repo/src &&
	echo hi >repo/README &&
	commit_all repo init &&
	printf "A=%s\n" "$(newkey groq)" >repo/fixtures/a.env &&
	printf "B=%s\n" "$(newkey groq)" >repo/src/b.env &&
	printf "allowlist:\n  paths: [\"/fixtures/\"]\n" >repo/.keysnare.yml &&
	git -C repo add fixtures src &&
	printf "%s\n" "fixtures/a.env:1:3 groq-api-key [path]" "src/b.env:1:3 groq-api-key" >expect &&
	test_expect_code 1 staged_in repo -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	test_cmp expect actual &&
	test_expect_code 1 staged_in repo/src -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	test_cmp expect actual &&
	test_expect_code 1 staged_in repo/src -f json --no-config >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 2 &&
	printf "allowlist:\n  paths: [\"src/\"]\n" >other.yml &&
	test_expect_code 1 staged_in repo/src -f json --show-suppressed --config ../../other.yml >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "fixtures/a.env:1:3 groq-api-key" "src/b.env:1:3 groq-api-key [path]" >expect &&
	test_cmp expect actual
'

test_expect_success 'hook: a commit with a key in an allowlisted path goes through; a key elsewhere is still blocked' '
	new_repo repo &&
	install_hook repo &&
	mkdir -p repo/tests/fixtures &&
	printf "allowlist:\n  paths: [\"tests/fixtures/\"]\n" >repo/.keysnare.yml &&
	printf "A=%s\n" "$(newkey groq)" >repo/tests/fixtures/fake.env &&
	git -C repo add . &&
	git -C repo commit -q -m fixtures >commit.out 2>&1 &&
	test "$(git -C repo log --oneline | wc -l)" = 1 &&
	old=$(head_of repo) &&
	printf "B=%s\n" "$(newkey groq)" >repo/app.env &&
	printf "C=%s\n" "$(newkey groq)" >repo/tests/fixtures/more.env &&
	git -C repo add . &&
	test_expect_code 1 git -C repo commit -q -m leak >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_grep "app\.env:1:3" commit.out &&
	test_grep -v "more\.env" commit.out &&
	test_grep "commit blocked: 1 secret" commit.out &&
	check_no_leak commit.out keys
'

# ---- reports --------------------------------------------------------------------

# every_mech TREE: one suppressed finding per scan-time mechanism (marker,
# path, regex, stopword, baseline, rule) plus one reported finding, and the
# baseline TREE.baseline
every_mech() {
	mkdir -p "$1/fixtures" &&
	kr=$(newkey groq) && ks=$(newkey groq) && kb=$(newkey groq) &&
	printf "A=%s # keysnare:allow\n" "$(newkey groq)" >"$1/marker.env" &&
	printf "A=%s\n" "$(newkey groq)" >"$1/fixtures/path.env" &&
	printf "A=%s\n" "$kr" >"$1/regex.env" &&
	printf "A=%s\n" "$ks" >"$1/stopword.env" &&
	printf "A=%s\n" "$kb" >"$1/baseline.env" &&
	printf "H=%s\n" "$(newkey github-pat)" >"$1/rule.env" &&
	printf "A=%s\n" "$(newkey gitlab)" >"$1/reported.env" &&
	printf "\0 A=%s\n" "$(newkey groq)" >"$1/skipped.bin" &&
	ks_in "$1" scan --no-config --enable-rule groq-api-key --write-baseline "../$1.baseline" baseline.env >/dev/null 2>&1 &&
	cat >"$1/.keysnare.yml" <<-EOF
	allowlist:
	  paths: [fixtures/]
	  regexes: ["^${kr:0:12}"]
	  stopwords: ["${ks:9:8}"]
	rules:
	  disable: [github-pat]
	baseline: ../$1.baseline
	EOF
}

test_expect_success 'JSON reports validate against the schema, with and without --show-suppressed' '
	every_mech tree &&
	test_expect_code 1 ks_in tree scan -f json >out.json 2>err &&
	ksjson validate "$SCHEMA" out.json &&
	ksjson findings out.json >actual &&
	echo "reported.env:1:3 gitlab-pat" >expect &&
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "marker 1, path 1, regex 1, stopword 1, baseline 1, rule 1" &&
	test "$(ksjson get out.json stats.baseline_unused)" = 0 &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >all.json 2>err &&
	ksjson validate "$SCHEMA" all.json &&
	ksjson strict "$SCHEMA" all.json &&
	sorted_findings all.json >actual &&
	sort >expect <<-\EOF &&
	baseline.env:1:3 groq-api-key [baseline]
	fixtures/path.env:1:3 groq-api-key [path]
	marker.env:1:3 groq-api-key [marker]
	regex.env:1:3 groq-api-key [regex]
	reported.env:1:3 gitlab-pat
	rule.env:1:3 github-pat [rule]
	stopword.env:1:3 groq-api-key [stopword]
	EOF
	test_cmp expect actual &&
	test "$(ksjson get all.json stats.findings)" = 1 &&
	test "$(ksjson get all.json stats.suppressed)" = 6 &&
	ksjson redaction all.json keys &&
	check_no_leak all.json keys
'

test_expect_success 'history JSON with a commit allowlist validates, with and without --show-suppressed' '
	new_repo repo &&
	printf "A=%s\n" "$(newkey groq)" >repo/a.env &&
	commit_all repo c1 &&
	c1=$(git -C repo rev-parse HEAD) &&
	printf "B=%s\n" "$(newkey groq)" >repo/b.env &&
	commit_all repo c2 &&
	printf "allowlist:\n  commits: [\"%s\"]\n" "$c1" >repo/.keysnare.yml &&
	test_expect_code 1 ks_in repo history -f json >out.json 2>err &&
	ksjson validate "$SCHEMA" out.json &&
	test "$(supp_counts out.json)" = "commit 1" &&
	test_expect_code 1 ks_in repo history -f json --show-suppressed >all.json 2>err &&
	ksjson validate "$SCHEMA" all.json &&
	test "$(ksjson get all.json findings.#)" = 2 &&
	test "$(ksjson get all.json findings.0.suppressed)" = commit
'

test_expect_success 'JSONL: suppressed findings only with --show-suppressed, marked, each line valid' '
	every_mech tree &&
	test_expect_code 1 ks_in tree scan -f jsonl >out.jsonl 2>err &&
	ksjson validate-jsonl "$SCHEMA" out.jsonl &&
	ksjson findings-jsonl out.jsonl >actual &&
	echo "reported.env:1:3 gitlab-pat" >expect &&
	test_cmp expect actual &&
	test_grep -v "\"suppressed\"" out.jsonl &&
	test_expect_code 1 ks_in tree scan -f jsonl --show-suppressed >all.jsonl 2>err &&
	ksjson validate-jsonl "$SCHEMA" all.jsonl &&
	test_line_count = 7 all.jsonl &&
	grep -c "\"suppressed\": *\"[a-z]*\"" all.jsonl >n &&
	test "$(cat n)" = 6 &&
	test_grep "\"suppressed\": *\"baseline\"" all.jsonl &&
	test_grep "\"suppressed\": *\"rule\"" all.jsonl
'

test_expect_success 'text: the summary counts each mechanism in order; a finding two mechanisms match counts once' '
	every_mech tree &&
	test_expect_code 1 ks_in tree scan >out 2>err &&
	test_line_count = 1 out &&
	test "$(summary_supp err)" = "6 suppressed (marker 1, path 1, regex 1, stopword 1, baseline 1, rule 1)" &&
	test_grep "; 1 finding; 6 suppressed" err &&
	printf "A=%s # keysnare:allow\n" "$(newkey groq)" >tree/fixtures/both.env &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	test "$(supp_counts out.json)" = "marker 2, path 1, regex 1, stopword 1, baseline 1, rule 1" &&
	test "$(ksjson get out.json findings.#)" = 8 &&
	test_expect_code 1 ks_in tree scan --show-suppressed >out 2>err &&
	test_grep "^fixtures/both\.env:1:3: groq-api-key: .* \(suppressed: marker\)$" out &&
	test_line_count = 8 out &&
	check_no_leak out keys &&
	check_no_leak err keys
'

test_expect_success 'only suppressed findings: exit 0 in every format, also with --show-suppressed' '
	every_mech tree &&
	rm tree/reported.env &&
	for f in text json jsonl
	do
		ks_in tree scan -f $f >out 2>err &&
		ks_in tree scan -f $f --show-suppressed >out 2>err || return 1
	done &&
	test_grep "suppressed" out
'

test_done
