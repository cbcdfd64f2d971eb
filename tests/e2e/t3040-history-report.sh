#!/usr/bin/env bash
test_description='history: JSON schema, determinism, stats, redaction and the options shared with scan'
. "$(dirname "$0")/lib.sh"

SCHEMA=$SRC_DIR/ci/keysnare-report.schema.json

gitrepo() { "$PYTHON" "$E2E_DIR/gitrepo.py" "$@"; }

# commit_all REPO MESSAGE: stage everything in REPO's work tree and commit
commit_all() {
	git -C "$1" add -A &&
	git -C "$1" commit -q -m "$2"
}

# make_rich: keys on main, on an unmerged branch, in a merged branch, in a
# deleted file, a commit message, an annotated tag message and 20 commits
# of one key each; every planted key in keys (28 findings)
make_rich() {
	genkey groq 22 >keys.groq &&
	k2=$(genkey github-pat) && k3=$(genkey huggingface) &&
	k4=$(genkey gitlab) && k5=$(genkey openrouter) && k6=$(genkey github-pat) &&
	{ cat keys.groq && printf "%s\n" "$k2" "$k3" "$k4" "$k5" "$k6"; } >keys &&
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(sed -n 1p keys.groq)" >repo/app.env &&
	echo hello >repo/README &&
	commit_all repo init &&
	git -C repo checkout -q -b topic &&
	printf "GITHUB_TOKEN=%s\n" "$k2" >repo/ci.env &&
	commit_all repo ci &&
	git -C repo checkout -q -b unmerged &&
	printf "GITHUB_TOKEN=%s\n" "$k6" >repo/wip.env &&
	commit_all repo wip &&
	git -C repo checkout -q main &&
	printf "HF_TOKEN=%s\n" "$k3" >repo/hf.env &&
	commit_all repo hf &&
	git -C repo merge -q --no-edit topic &&
	git -C repo rm -q hf.env &&
	git -C repo commit -q -m "drop hf" &&
	git -C repo commit -q --allow-empty -m "note" -m "GITLAB_TOKEN=$k4" &&
	git -C repo tag -a v1 -m "release" -m "OPENROUTER_API_KEY=$k5" &&
	mkdir -p repo/src/deep &&
	printf "GROQ_API_KEY=%s\n" "$(sed -n 2p keys.groq)" >repo/src/deep/x.env &&
	cp repo/src/deep/x.env repo/copy.env &&
	commit_all repo more &&
	i=3 &&
	while [ $i -le 22 ]
	do
		printf "# service %d\nGROQ_API_KEY=%s\n" $i "$(sed -n ${i}p keys.groq)" >repo/src/svc$i.env &&
		commit_all repo "service $i" || return 1
		i=$((i + 1))
	done
}


test_expect_success 'make_rich plants 28 findings' '
	make_rich &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 28 &&
	test "$(ksjson get out.json stats.findings)" = 28 &&
	gitrepo check out.json
'

test_expect_success 'the JSON report validates against the schema' '
	make_rich &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	ksjson validate "$SCHEMA" out.json &&
	test_expect_code 1 keysnare history --repo repo --no-redact -f json >out.json 2>err &&
	ksjson validate "$SCHEMA" out.json
'

test_expect_success 'every jsonl line validates against $defs/finding' '
	make_rich &&
	test_expect_code 1 keysnare history --repo repo -f jsonl >out.jsonl 2>err &&
	ksjson validate-jsonl "$SCHEMA" out.jsonl
'

test_expect_success 'the schema is strict about the report and the history fields' '
	make_rich &&
	printf "\0bin GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/blob.bin &&
	commit_all repo binary &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	test "$(ksjson get out.json stats.skipped.#)" = 1 &&
	ksjson strict "$SCHEMA" out.json &&
	gitrepo strict "$SCHEMA" out.json
'

test_expect_success 'reports with --all-occurrences, --all-objects (commit null), a gitlink, an error validate' '
	make_rich &&
	test_expect_code 1 keysnare history --repo repo --all-occurrences -f json >occ.json 2>err &&
	ksjson validate "$SCHEMA" occ.json &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >loose.env &&
	git -C repo hash-object -w "$PWD/loose.env" >/dev/null &&
	test_expect_code 1 keysnare history --repo repo --all-objects -f json >dangling.json 2>err &&
	ksjson validate "$SCHEMA" dangling.json &&
	git -C repo update-index --add --cacheinfo "160000,$(git -C repo rev-parse HEAD~1),vendor/sub" &&
	git -C repo commit -q -m submodule &&
	test_expect_code 1 keysnare history --repo repo -f json >gitlink.json 2>err &&
	test "$(ksjson get gitlink.json stats.skipped.#)" = 1 &&
	ksjson validate "$SCHEMA" gitlink.json &&
	echo "lost $$" >repo/lost.txt &&
	git -C repo add lost.txt &&
	git -C repo commit -q -m lost &&
	b=$(git -C repo rev-parse HEAD:lost.txt) &&
	rm -f "repo/.git/objects/$(echo "$b" | cut -c1-2)/$(echo "$b" | cut -c3-)" &&
	test_expect_code 1 keysnare history --repo repo -f json >error.json 2>err &&
	test "$(ksjson get error.json incomplete)" = true &&
	ksjson validate "$SCHEMA" error.json
'

test_expect_success 'an empty report and a shallow --allow-shallow report validate' '
	git init -q empty &&
	keysnare history --repo empty -f json >empty.json 2>err &&
	ksjson validate "$SCHEMA" empty.json &&
	make_rich &&
	git clone -q --depth 3 "file://$PWD/repo" shallow &&
	test_expect_code 1 keysnare history --repo shallow --allow-shallow -f json >shallow.json 2>err &&
	test "$(ksjson get shallow.json stats.history_truncated)" = true &&
	ksjson validate "$SCHEMA" shallow.json
'

test_expect_success '-j1 and -j4 give byte-identical json, jsonl and text; so do two runs' '
	make_rich &&
	for j in 1 4
	do
		test_expect_code 1 keysnare history --repo repo -j $j -f json >j$j.json 2>/dev/null &&
		test_expect_code 1 keysnare history --repo repo -j $j -f jsonl >j$j.jsonl 2>/dev/null &&
		test_expect_code 1 keysnare history --repo repo -j $j >j$j.txt 2>/dev/null &&
		test_expect_code 1 keysnare history --repo repo -j $j --all-occurrences -f json >o$j.json 2>/dev/null || return 1
	done &&
	cmp j1.json j4.json &&
	cmp j1.jsonl j4.jsonl &&
	cmp j1.txt j4.txt &&
	cmp o1.json o4.json &&
	test_expect_code 1 keysnare history --repo repo -j 4 -f json >again.json 2>/dev/null &&
	cmp j4.json again.json
'

test_expect_success 'jsonl and text have the same findings as json' '
	make_rich &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	test_expect_code 1 keysnare history --repo repo -f jsonl >out.jsonl 2>err &&
	test_expect_code 1 keysnare history --repo repo >out.txt 2>err &&
	gitrepo hist out.json >a &&
	gitrepo hist-jsonl out.jsonl >b &&
	test_cmp a b &&
	test_line_count = 28 out.txt &&
	ksjson findings out.json | sort >a &&
	sed -E "s/^(.*):([0-9]+):([0-9]+): ([a-z0-9-]+): .*$/\1:\2:\3 \4/" out.txt | sort >b &&
	test_cmp a b
'

test_expect_success 'stats: commits and blobs agree with git rev-list --all' '
	make_rich &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	git -C repo rev-list --all >commits &&
	test "$(ksjson get out.json stats.commits)" = "$(wc -l <commits)" &&
	git -C repo rev-list --all --objects | cut -d" " -f1 |
		git -C repo cat-file --batch-check="%(objecttype)" | grep -c "^blob$" >nblobs &&
	test "$(ksjson get out.json stats.blobs)" = "$(cat nblobs)" &&
	test "$(ksjson get out.json stats.history_truncated)" = false &&
	test "$(ksjson get out.json stats.findings)" = "$(ksjson get out.json findings.#)"
'

test_expect_success 'no key (or > 1/4 of one) in any output without --no-redact' '
	make_rich &&
	for args in "" "-f json" "-f jsonl" "-v" "-vv" "--all-occurrences -f json" "--paranoid -f json"
	do
		test_expect_code 1 keysnare history --repo repo $args >out 2>err &&
		test -s out &&
		check_no_leak out keys &&
		check_no_leak err keys || return 1
	done &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	ksjson redaction out.json keys
'

test_expect_success '--no-redact shows every key in full' '
	make_rich &&
	test_expect_code 1 keysnare history --repo repo --no-redact -f json >out.json 2>err &&
	test "$(ksjson get out.json redacted)" = false &&
	ksjson secret-hashes out.json | uniq >found &&
	ksjson keyhashes keys >expect &&
	test_cmp expect found
'

test_expect_success '-o FILE writes the report there and nothing to stdout' '
	make_rich &&
	test_expect_code 1 keysnare history --repo repo -f json >stdout.json 2>err &&
	test_expect_code 1 keysnare history --repo repo -f json -o report.json >out 2>err &&
	test_must_be_empty out &&
	cmp stdout.json report.json
'

test_expect_success '--enable-rule and --disable-rule' '
	make_rich &&
	test_expect_code 1 keysnare history --repo repo --enable-rule github-pat -f json >out.json 2>err &&
	ksjson findings out.json | cut -d" " -f2 | sort -u >actual &&
	echo github-pat >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json findings.#)" = 2 &&
	test_expect_code 1 keysnare history --repo repo --disable-rule groq-api-key \
		--disable-rule generic-credential-assignment -f json >out.json 2>err &&
	ksjson findings out.json | cut -d" " -f2 | sort >actual &&
	cat >expect <<-\EOF &&
	github-pat
	github-pat
	gitlab-pat
	huggingface-token
	openrouter-api-key
	EOF
	test_cmp expect actual &&
	test_expect_code 3 keysnare history --repo repo --enable-rule no-such-rule >out 2>err
'

test_expect_success '--rules adds a custom rule' '
	write_rule acme.yml acme-token &&
	git init -q -b main repo &&
	printf "# service\nacme = %s\n" "$(genkey acme)" >repo/acme.cfg &&
	commit_all repo init &&
	c=$(git -C repo rev-parse HEAD) &&
	keysnare history --repo repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test_expect_code 1 keysnare history --repo repo --rules acme.yml -f json >out.json 2>err &&
	gitrepo hist out.json >actual &&
	echo "acme.cfg:2:8 acme-token $c true" >expect &&
	test_cmp expect actual
'

test_expect_success '--max-file-size: a larger blob is listed as skipped (size), not scanned' '
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/small.env &&
	{ head -c 3000 /dev/zero | tr "\0" "x" && printf "\nGROQ_API_KEY=%s\n" "$(genkey groq)"; } >repo/big.txt &&
	commit_all repo init &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 2 &&
	test_expect_code 1 keysnare history --repo repo --max-file-size 1024 -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "small.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	ksjson skipped out.json >actual &&
	echo "size big.txt" >expect &&
	test_cmp expect actual
'

test_expect_success '--scan-binary: a blob with a NUL byte is skipped (binary) unless given' '
	git init -q -b main repo &&
	printf "\0bin GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/blob.bin &&
	commit_all repo init &&
	c=$(git -C repo rev-parse HEAD) &&
	test_expect_code 0 keysnare history --repo repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	ksjson skipped out.json >actual &&
	echo "binary blob.bin" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 keysnare history --repo repo --scan-binary -f json >out.json 2>err &&
	gitrepo hist out.json >actual &&
	echo "blob.bin:1:19 groq-api-key $c true" >expect &&
	test_cmp expect actual
'

# Which occurrences are listed is open (every commit that added a blob with
# the secret at the path, or only the commits that added the reported blob);
# the introducing commit must be there, and only commits that exist and
# the finding's path. Distinct committer dates keep this test independent
# of how ties between same-second commits are broken.
test_expect_success '--all-occurrences lists the introducing commit; without it no occurrences' '
	git init -q -b main repo &&
	k=$(genkey groq) &&
	printf "GROQ_API_KEY=%s\n# 1\n" "$k" >repo/a.env &&
	git -C repo add a.env &&
	GIT_COMMITTER_DATE=2020-01-01T00:00:00Z git -C repo commit -q -m one &&
	c1=$(git -C repo rev-parse HEAD) &&
	printf "GROQ_API_KEY=%s\n# 2\n" "$k" >repo/a.env &&
	GIT_COMMITTER_DATE=2020-01-02T00:00:00Z git -C repo commit -q -a -m two &&
	c2=$(git -C repo rev-parse HEAD) &&
	echo x >repo/README &&
	git -C repo add README &&
	GIT_COMMITTER_DATE=2020-01-03T00:00:00Z git -C repo commit -q -m three &&
	c3=$(git -C repo rev-parse HEAD) &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	gitrepo occurrences out.json 0 >occ &&
	test_must_be_empty occ &&
	test_expect_code 1 keysnare history --repo repo --all-occurrences -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	test "$(ksjson get out.json findings.0.commit.id)" = "$c1" &&
	gitrepo check out.json &&
	gitrepo occurrences out.json 0 >occ &&
	test_grep "^$c1 a.env$" occ &&
	test_grep -v -e " [^a]" -e " a.env." occ &&
	cut -d" " -f1 occ | sed -e "/^$c1\$/d" -e "/^$c2\$/d" -e "/^$c3\$/d" >other &&
	test_must_be_empty other
'

test_expect_success '--all-occurrences: the same blob added at a path by two commits lists both' '
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >key.env &&
	cp key.env repo/a.env &&
	git -C repo add a.env &&
	GIT_COMMITTER_DATE=2020-01-01T00:00:00Z git -C repo commit -q -m add &&
	c1=$(git -C repo rev-parse HEAD) &&
	git -C repo rm -q a.env &&
	GIT_COMMITTER_DATE=2020-01-02T00:00:00Z git -C repo commit -q -m remove &&
	cp key.env repo/a.env &&
	git -C repo add a.env &&
	GIT_COMMITTER_DATE=2020-01-03T00:00:00Z git -C repo commit -q -m "add back" &&
	c3=$(git -C repo rev-parse HEAD) &&
	test_expect_code 1 keysnare history --repo repo --all-occurrences -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	test "$(ksjson get out.json findings.0.commit.id)" = "$c1" &&
	gitrepo occurrences out.json 0 >actual &&
	printf "%s a.env\n" "$c1" "$c3" | sort >expect &&
	test_cmp expect actual
'

test_expect_success '--paranoid is accepted and reports at least the default findings' '
	make_rich &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	gitrepo hist out.json >default &&
	test_expect_code 1 keysnare history --repo repo --paranoid -f json >out.json 2>err &&
	gitrepo hist out.json >paranoid &&
	comm -23 default paranoid >missing &&
	test_must_be_empty missing
'

test_expect_success '--progress and --no-progress do not change stdout; -q silences stderr' '
	make_rich &&
	test_expect_code 1 keysnare history --repo repo -f json --no-progress >a.json 2>err &&
	test_expect_code 1 keysnare history --repo repo -f json --progress >b.json 2>err &&
	cmp a.json b.json &&
	test_expect_code 1 keysnare history --repo repo -q -f json >c.json 2>err &&
	cmp a.json c.json &&
	test_must_be_empty err
'

test_expect_success 'history --help, help history; unknown option and bad -f are usage errors' '
	keysnare history --help >out 2>err &&
	test_grep -e "--all-objects" out &&
	test_grep -e "--allow-shallow" out &&
	test_grep -e "--since" out &&
	keysnare help history >out2 2>err &&
	test_cmp out out2 &&
	keysnare --help >out 2>err &&
	test_grep "history" out &&
	git init -q repo &&
	test_expect_code 3 keysnare history --repo repo --no-such-option >out 2>err &&
	test_expect_code 3 keysnare history --repo repo -f xml >out 2>err &&
	test_expect_code 3 keysnare history --repo repo -j 0 >out 2>err
'

test_expect_success '--all-occurrences lists every commit whose tree still holds the key' '
	git init -q -b main repo &&
	k=$(genkey groq) &&
	printf "GROQ_API_KEY=%s\n" "$k" >repo/a.env &&
	commit_all repo one &&
	c1=$(git -C repo rev-parse HEAD) &&
	printf "GROQ_API_KEY=%s\n# edited\n" "$k" >repo/a.env &&
	commit_all repo two &&
	c2=$(git -C repo rev-parse HEAD) &&
	echo x >repo/README &&
	commit_all repo three &&
	c3=$(git -C repo rev-parse HEAD) &&
	echo "# key gone" >repo/a.env &&
	commit_all repo four &&
	test_expect_code 1 keysnare history --repo repo --all-occurrences -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	gitrepo occurrences out.json 0 >actual &&
	printf "%s a.env\n" "$c1" "$c2" "$c3" | sort >expect &&
	test_cmp expect actual
'

test_done
