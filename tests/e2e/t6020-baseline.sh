#!/usr/bin/env bash
test_description='baseline: --write-baseline, --baseline, --prune-baseline; exact secret at exact path; line moves, CRLF, redaction; the file format'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"
. "$E2E_DIR/suppress-lib.sh"

# Trees are written into tree/ and baselines next to it (bl, bl2, ...), so
# that a baseline is never part of what is scanned unless a test says so.
# Git (merges, CRLF checkouts, hooks, history) is in t6021-baseline-git.sh.

test_expect_success '--write-baseline: a header, one sorted entry per finding (path, rule, SHA-256 of the secret), exit 0' '
	mkdir -p tree/sub &&
	k1=$(newkey groq) && k2=$(newkey groq) && k3=$(newkey github-pat) && k4=$(newkey groq) && k5=$(newkey gitlab) &&
	printf "A=%s\nB=%s\n" "$k1" "$k2" >tree/b.env &&
	printf "H=%s\nG=%s\n" "$k3" "$k4" >tree/a.env &&
	printf "L=%s\n" "$k5" >tree/sub/c.env &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	test_line_count = 5 out &&
	test_grep "wrote 5 entries to the baseline \.\./bl" err &&
	head -n 1 bl >header &&
	test_grep "^# keysnare baseline v1" header &&
	bl_list bl >actual &&
	cat >expect <<-EOF &&
	a.env github-pat $(sha_of "$k3")
	a.env groq-api-key $(sha_of "$k4")
	$(printf "b.env groq-api-key %s\nb.env groq-api-key %s\n" "$(sha_of "$k1")" "$(sha_of "$k2")" | sort)
	sub/c.env gitlab-pat $(sha_of "$k5")
	EOF
	test_cmp expect actual &&
	test_grep -v "$PWD|20[0-9][0-9]-[01][0-9]-" bl &&
	check_no_leak bl keys &&
	ks_in tree scan -f json --baseline ../bl >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(supp_counts out.json)" = "baseline 5" &&
	test "$(ksjson get out.json stats.baseline_unused)" = 0 &&
	ks_in tree scan --baseline ../bl >out 2>err &&
	test_must_be_empty out &&
	test "$(summary_supp err)" = "5 suppressed (baseline 5)"
'

test_expect_success 'a different secret written onto a baselined line is reported; the old entry becomes unused' '
	mkdir tree &&
	printf "X=1\nA=%s\nY=2\n" "$(newkey groq)" >tree/a.env &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	printf "X=1\nA=%s\nY=2\n" "$(newkey groq)" >tree/a.env &&
	test_expect_code 1 ks_in tree scan -f json --baseline ../bl --show-suppressed >out.json 2>err &&
	supp_findings out.json >actual &&
	echo "a.env:2:3 groq-api-key" >expect &&
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = none &&
	test "$(ksjson get out.json stats.baseline_unused)" = 1
'

test_expect_success 'the same secret in another file (moved or copied) is reported; at its baselined path it stays suppressed' '
	mkdir tree &&
	k=$(newkey groq) &&
	printf "A=%s\n" "$k" >tree/a.env &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	mkdir tree/sub &&
	printf "A=%s\n" "$k" >tree/b.env &&
	printf "A=%s\n" "$k" >tree/sub/a.env &&
	test_expect_code 1 ks_in tree scan -f json --baseline ../bl --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	a.env:1:3 groq-api-key [baseline]
	b.env:1:3 groq-api-key
	sub/a.env:1:3 groq-api-key
	EOF
	test_cmp expect actual &&
	mv tree/a.env tree/moved.env &&
	test_expect_code 1 ks_in tree scan -f json --baseline ../bl >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 3 &&
	test "$(ksjson get out.json stats.baseline_unused)" = 1
'

test_expect_success 'the same secret under another rule id is not covered by an entry for the first rule' '
	mkdir tree &&
	write_rule one.yml acme-one &&
	write_rule two.yml acme-two &&
	printf "T=%s\n" "$(newkey acme)" >tree/a.txt &&
	ks_in tree scan --rules ../one.yml --write-baseline ../bl >out 2>err &&
	bl_list bl >entries &&
	test_grep "^a\.txt acme-one " entries &&
	ks_in tree scan --rules ../one.yml --baseline ../bl >out 2>err &&
	test_expect_code 1 ks_in tree scan --rules ../two.yml --baseline ../bl -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "a.txt:1:3 acme-two" >expect &&
	test_cmp expect actual
'

test_expect_success 'a baseline survives line moves: lines inserted above, the key moved to the end, indentation changed' '
	mkdir tree &&
	k1=$(newkey groq) && k2=$(newkey github-pat) &&
	printf "A=%s\nH=%s\n" "$k1" "$k2" >tree/a.env &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	cp bl bl.orig &&
	{ seq 1 50 | sed "s/^/# line /" && printf "H=%s\n\n\n    A = \"%s\"\n" "$k2" "$k1"; } >tree/a.env &&
	ks_in tree scan -f json --baseline ../bl >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(supp_counts out.json)" = "baseline 2" &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	test_cmp bl.orig bl
'

test_expect_success 'CRLF and LF files give the same baseline: a one-line key and a multi-line private key' '
	mkdir lf crlf &&
	k=$(newkey groq) &&
	newkey private-key >pem &&
	printf "# keys\nA=%s\n" "$k" >lf/a.env &&
	cp pem lf/id_rsa &&
	sed "s/\$/\r/" lf/a.env >crlf/a.env &&
	sed "s/\$/\r/" pem >crlf/id_rsa &&
	test_grep "$(printf "\r")" crlf/id_rsa &&
	ks_in crlf scan --write-baseline ../bl.crlf >out 2>err &&
	test_line_count = 2 out &&
	ks_in lf scan --write-baseline ../bl.lf >out 2>err &&
	test_cmp bl.lf bl.crlf &&
	bl_list bl.lf >entries &&
	test_grep "^id_rsa private-key $(sha_of "$(cat pem)")$" entries &&
	ks_in lf scan -f json --baseline ../bl.crlf >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(supp_counts out.json)" = "baseline 2" &&
	ks_in crlf scan -f json --baseline ../bl.lf >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(supp_counts out.json)" = "baseline 2"
'

test_expect_success 'a CRLF private key baseline does not cover a different private key (control)' '
	mkdir crlf &&
	newkey private-key | sed "s/\$/\r/" >crlf/id_rsa &&
	ks_in crlf scan --write-baseline ../bl >out 2>err &&
	newkey private-key >crlf/id_rsa &&
	test_expect_code 1 ks_in crlf scan -f json --baseline ../bl >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "id_rsa:1:1 private-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'redaction: the baseline holds no secret; written from redacted or --no-redact runs it is the same; report hashes match it' '
	mkdir tree &&
	printf "A=%s\nH=%s\n" "$(newkey groq)" "$(newkey github-pat)" >tree/a.env &&
	ks_in tree scan -f json --write-baseline ../bl >out.json 2>err &&
	check_no_leak bl keys &&
	ksjson redaction out.json keys &&
	ks_in tree scan --no-redact --write-baseline ../bl.full >out 2>err &&
	test_cmp bl bl.full &&
	ksjson hashes out.json >report.hashes &&
	bl_list bl | cut -d" " -f3 | sort >bl.hashes &&
	test_cmp report.hashes bl.hashes &&
	cp bl tree/.keysnare-baseline &&
	ks_in tree scan -f json --baseline .keysnare-baseline >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	check_no_leak out.json keys
'

test_expect_success '--write-baseline keeps the entries already in FILE and in --baseline, also for files that are gone' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	printf "B=%s\n" "$(newkey groq)" >tree/b.env &&
	ks_in tree scan --write-baseline ../bl a.env >out 2>err &&
	test "$(bl_list bl | wc -l)" = 1 &&
	ks_in tree scan --write-baseline ../bl b.env >out 2>err &&
	bl_list bl | cut -d" " -f1 >actual &&
	printf "%s\n" a.env b.env >expect &&
	test_cmp expect actual &&
	rm tree/a.env &&
	printf "C=%s\n" "$(newkey groq)" >tree/c.env &&
	cp bl bl.old &&
	ks_in tree scan --baseline ../bl.old --write-baseline ../bl2 >out 2>err &&
	test_line_count = 1 out &&
	bl_list bl2 | cut -d" " -f1 >actual &&
	printf "%s\n" a.env b.env c.env >expect &&
	test_cmp expect actual &&
	ks_in tree scan --baseline ../bl --write-baseline ../bl >out 2>err &&
	bl_list bl | cut -d" " -f1 >actual &&
	test_cmp expect actual
'

test_expect_success '--write-baseline records only reported findings (not those a marker or the config suppresses)' '
	mkdir -p tree/fixtures &&
	printf "A=%s # keysnare:allow\nB=%s\n" "$(newkey groq)" "$(newkey groq)" >tree/a.env &&
	printf "A=%s\n" "$(newkey groq)" >tree/fixtures/f.env &&
	printf "allowlist:\n  paths: [fixtures/]\n" >tree/.keysnare.yml &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	bl_list bl | cut -d" " -f1,2 >actual &&
	echo "a.env groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success '--write-baseline exit status: 0 with findings, 2 for an incomplete scan (entries still written), 2 when FILE is not a baseline (left alone)' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	ks_in tree scan --write-baseline ../bl -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	rm bl &&
	test_expect_code 2 ks_in tree scan --write-baseline ../bl a.env missing.env >out 2>err &&
	test "$(bl_list bl | cut -d" " -f1)" = a.env &&
	echo "my notes" >notes &&
	test_expect_code 2 ks_in tree scan --write-baseline ../notes >out 2>err &&
	test_grep "notes:1: .*not overwritten" err &&
	test "$(cat notes)" = "my notes"
'

test_expect_success '--prune-baseline drops exactly the unused entries; -v lists them; stats.baseline_unused counts them' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	printf "B=%s\n" "$(newkey groq)" >tree/b.env &&
	printf "C=%s\nD=%s\n" "$(newkey groq)" "$(newkey groq)" >tree/c.env &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	bl_list bl >all &&
	test_line_count = 4 all &&
	rm tree/b.env &&
	printf "C=%s\n" "$(newkey groq)" >tree/c.env &&
	test_expect_code 1 ks_in tree scan -f json --baseline ../bl >out.json 2>err &&
	test "$(ksjson get out.json stats.baseline_unused)" = 3 &&
	test_expect_code 1 ks_in tree scan -v --baseline ../bl >out 2>err &&
	grep "matches nothing" err >unused &&
	test_line_count = 3 unused &&
	test_grep "baseline entry b\.env groq-api-key [0-9a-f]{12}" unused &&
	test_grep -v "a\.env" unused &&
	cp bl bl.before &&
	test_expect_code 1 ks_in tree scan --baseline ../bl --prune-baseline >out 2>err &&
	test_grep "3 unused entries dropped" err &&
	bl_list bl >actual &&
	grep "^a\.env " all >expect &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in tree scan --baseline ../bl --prune-baseline -f json >out 2>err &&
	test_grep "0 unused entries dropped" err &&
	bl_list bl >actual &&
	test_cmp expect actual
'

test_expect_success '--prune-baseline with --write-baseline of the same file: stale entries dropped and new findings added' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	printf "B=%s\n" "$(newkey groq)" >tree/b.env &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	rm tree/b.env &&
	printf "C=%s\n" "$(newkey groq)" >tree/c.env &&
	ks_in tree scan --baseline ../bl --prune-baseline --write-baseline ../bl >out 2>err &&
	bl_list bl | cut -d" " -f1 >actual &&
	printf "%s\n" a.env c.env >expect &&
	test_cmp expect actual
'

test_expect_success '--prune-baseline needs --baseline (exit 3); an incomplete scan prunes nothing' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	printf "B=%s\n" "$(newkey groq)" >tree/b.env &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	cp bl bl.before &&
	test_expect_code 3 ks_in tree scan --prune-baseline >out 2>err &&
	test_grep -- "--baseline" err &&
	test_expect_code 2 ks_in tree scan --baseline ../bl --prune-baseline a.env missing.env >out 2>err &&
	test_cmp bl.before bl
'

test_expect_success '-v: an unused entry whose path holds control characters (a hostile baseline) is listed escaped, on one line' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	printf "{\"path\":\"x\\\\u001b[31mRED\\\\nline2\",\"rule\":\"groq-api-key\",\"secret_sha256\":\"%s\"}\n" "$(sha_of nothing)" >>bl &&
	test_grep "u001b" bl &&
	ks_in tree scan -v --baseline ../bl >out 2>err &&
	test_grep "baseline entry x.*RED.*line2 groq-api-key [0-9a-f]{12} matches nothing" err &&
	test_grep -v "$(printf "\033")" err &&
	test_grep -v "^line2" err
'

test_expect_success 'a corrupt baseline: exit 3 with FILE:LINE, nothing reported' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	ks_in tree scan --write-baseline ../good >out 2>err &&
	printf "B=%s\n" "$(newkey groq)" >>tree/a.env &&
	ks_in tree scan --baseline ../good --write-baseline ../good >out 2>err &&
	sed "1s/v1/v9/" good >bad1 &&
	sed "2s/\"rule\"/\"rulez\"/" good >bad2 &&
	sed "3s/[0-9a-f]\"}\$/\"}/" good >bad3 &&
	sed "3s/}\$//" good >bad4 &&
	sed "2a <<<<<<< HEAD" good >bad5 &&
	: >bad6 &&
	{ head -n 1 good && echo "not json"; } >bad7 &&
	for n in 1:1 2:2 3:3 4:3 5:3 6:1 7:2
	do
		f=bad${n%%:*} &&
		test_expect_code 3 ks_in tree scan --baseline "../$f" >out 2>err &&
		test_must_be_empty out &&
		test_grep "^keysnare: error: \.\./$f:${n#*:}: " err || return 1
	done &&
	test_expect_code 3 ks_in tree scan --baseline ../bad5 >out 2>err &&
	test_grep "merge conflict" err &&
	test_expect_code 3 ks_in tree scan --baseline ../missing >out 2>err &&
	test_must_be_empty out &&
	test_grep "missing" err
'

test_expect_success 'read leniently: CRLF line endings, a BOM, blank and comment lines, any order, duplicates' '
	mkdir tree &&
	printf "A=%s\nB=%s\n" "$(newkey groq)" "$(newkey groq)" >tree/a.env &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	{
		printf "\357\273\277" && head -n 1 bl && echo &&
		echo "# accepted in review" && tail -n +2 bl | sort -r && tail -n 1 bl
	} | sed "s/\$/\r/" >messy &&
	ks_in tree scan -f json --baseline ../messy >out.json 2>err &&
	test "$(supp_counts out.json)" = "baseline 2" &&
	ks_in tree scan --baseline ../messy --write-baseline ../messy >out 2>err &&
	test_cmp bl messy
'

test_expect_success 'odd file names (spaces, a byte that is not UTF-8) round-trip through the baseline' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >"tree/with space.env" &&
	printf "A=%s\n" "$(newkey groq)" >"tree/odd$(printf "\377")name.env" &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	test "$(bl_list bl | wc -l)" = 2 &&
	ksjson utf8 bl &&
	ks_in tree scan -f json --baseline ../bl >out.json 2>err &&
	test "$(supp_counts out.json)" = "baseline 2" &&
	mv "tree/odd$(printf "\377")name.env" "tree/odd$(printf "\376")name.env" &&
	test_expect_code 1 ks_in tree scan -f json --baseline ../bl >out.json 2>err &&
	test "$(supp_counts out.json)" = "baseline 1"
'

test_expect_success 'paths are relative to the scan root: scan DIR from outside and from inside write the same file' '
	mkdir -p proj/sub &&
	printf "A=%s\n" "$(newkey groq)" >proj/sub/a.env &&
	keysnare scan --write-baseline bl.out proj >out 2>err &&
	ks_in proj scan --write-baseline ../bl.in >out 2>err &&
	keysnare scan --write-baseline bl.slash proj/ >out 2>err &&
	keysnare scan --write-baseline bl.abs "$PWD/proj" >out 2>err &&
	test_cmp bl.in bl.out &&
	test_cmp bl.in bl.slash &&
	test_cmp bl.in bl.abs &&
	bl_list bl.in | cut -d" " -f1 >actual &&
	echo sub/a.env >expect &&
	test_cmp expect actual &&
	keysnare scan -f json --baseline bl.in proj >out.json 2>err &&
	test "$(supp_counts out.json)" = "baseline 1"
'

test_expect_success '--write-baseline never silently drops a finding: absolute file paths and a root spelled proj//' '
	mkdir -p proj/sub &&
	printf "A=%s\n" "$(newkey groq)" >proj/sub/a.env &&
	keysnare scan --write-baseline bl.file "$PWD/proj/sub/a.env" >out 2>err &&
	test_line_count = 1 out &&
	test "$(bl_list bl.file | wc -l)" = 1 &&
	keysnare scan --write-baseline bl.dbl proj// >out 2>err &&
	test "$(bl_list bl.dbl | wc -l)" = 1 &&
	keysnare scan -f json --baseline bl.dbl proj// >out.json 2>err &&
	test "$(supp_counts out.json)" = "baseline 1"
'

test_expect_success 'JSON: suppressed "baseline" with --show-suppressed, stats.baseline_unused; the reports validate' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	printf "B=%s\n" "$(newkey groq)" >tree/gone.env &&
	ks_in tree scan --write-baseline ../bl >out 2>err &&
	rm tree/gone.env &&
	printf "C=%s\n" "$(newkey github-pat)" >tree/c.env &&
	test_expect_code 1 ks_in tree scan -f json --baseline ../bl >out.json 2>err &&
	ksjson validate "$SCHEMA" out.json &&
	test "$(ksjson get out.json stats.baseline_unused)" = 1 &&
	test "$(supp_counts out.json)" = "baseline 1" &&
	test_expect_code 1 ks_in tree scan -f json --baseline ../bl --show-suppressed >all.json 2>err &&
	ksjson validate "$SCHEMA" all.json &&
	supp_findings all.json >actual &&
	printf "%s\n" "a.env:1:3 groq-api-key [baseline]" "c.env:1:3 github-pat" >expect &&
	test_cmp expect actual
'

test_expect_success 'JSONL (streamed): --baseline and --write-baseline work, suppressed lines only with --show-suppressed' '
	mkdir tree &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	ks_in tree scan -f jsonl --write-baseline ../bl >out.jsonl 2>err &&
	test_line_count = 1 out.jsonl &&
	test "$(bl_list bl | wc -l)" = 1 &&
	printf "B=%s\n" "$(newkey groq)" >tree/b.env &&
	test_expect_code 1 ks_in tree scan -f jsonl --baseline ../bl >out.jsonl 2>err &&
	ksjson findings-jsonl out.jsonl >actual &&
	echo "b.env:1:3 groq-api-key" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in tree scan -f jsonl --baseline ../bl --show-suppressed >all.jsonl 2>err &&
	ksjson validate-jsonl "$SCHEMA" all.jsonl &&
	test_line_count = 2 all.jsonl &&
	test_grep "\"suppressed\": *\"baseline\"" all.jsonl
'

test_expect_success 'the config'\''s baseline: key, relative to the config; --baseline on the command line replaces it' '
	mkdir -p tree/ci &&
	printf "A=%s\n" "$(newkey groq)" >tree/a.env &&
	printf "B=%s\n" "$(newkey groq)" >tree/b.env &&
	ks_in tree scan --write-baseline ../bl.a a.env >out 2>err &&
	ks_in tree scan --write-baseline ci/known b.env >out 2>err &&
	printf "baseline: ci/known\n" >tree/.keysnare.yml &&
	test_expect_code 1 keysnare scan -f json --show-suppressed tree >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "tree/a.env:1:3 groq-api-key" "tree/b.env:1:3 groq-api-key [baseline]" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed --baseline ../bl.a >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "a.env:1:3 groq-api-key [baseline]" "b.env:1:3 groq-api-key" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in tree scan --no-config -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 2 &&
	printf "baseline: ci/missing\n" >tree/.keysnare.yml &&
	: a configured baseline that does not exist yet hides nothing: a warning, the findings reported &&
	test_expect_code 1 ks_in tree scan >out 2>err &&
	test_grep "warning.*ci/missing.*does not exist" err &&
	test_line_count = 2 out &&
	test_expect_code 3 ks_in tree scan --baseline ci/missing >out 2>err &&
	test_grep "ci/missing" err
'

test_done
