#!/usr/bin/env bash
test_description='staged: exit codes, failing closed, the blocked-commit message, redaction, JSON, options, no network'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"

# two_keys DIR: DIR has a commit and two staged files with keys:
# app.env:2:14 groq-api-key and src/gh.env:1:14 github-pat
two_keys() {
	new_repo "$1" &&
	echo hi >"$1/README" &&
	commit_all "$1" init &&
	mkdir -p "$1/src" &&
	printf "A=1\nGROQ_API_KEY=%s\n" "$(newkey groq)" >"$1/app.env" &&
	printf "GITHUB_TOKEN=%s\n" "$(newkey github-pat)" >"$1/src/gh.env" &&
	git -C "$1" add app.env src/gh.env
}

# ---- usage ------------------------------------------------------------------

test_expect_success 'usage: -h and help staged exit 0; bad options and arguments exit 3' '
	keysnare staged -h >out 2>err &&
	cat out err >all &&
	test_grep "staged" all &&
	test_grep -- "--repo" all &&
	keysnare help staged >out 2>err &&
	cat out err >all &&
	test_grep "staged" all &&
	new_repo repo &&
	test_expect_code 3 staged_in repo --no-such-option >out 2>err &&
	test -s err &&
	test_expect_code 3 staged_in repo -f xml >out 2>err &&
	test_expect_code 3 staged_in repo -j 0x >out 2>err &&
	test_expect_code 3 staged_in repo unexpected-argument >out 2>err &&
	test_expect_code 3 staged_in repo --rules "$PWD/missing.yml" >out 2>err
'

test_expect_success 'not a repository (cwd, --repo to a plain or a missing directory): exit 3 with a message' '
	mkdir plain &&
	test_expect_code 3 in_dir plain env GIT_CEILING_DIRECTORIES="$PWD" "$KEYSNARE" staged >out 2>err &&
	test -s err &&
	test_expect_code 3 keysnare staged --repo plain >out 2>err &&
	test_grep "plain" err &&
	test_expect_code 3 keysnare staged --repo missing-dir >out 2>err &&
	test_grep "missing-dir" err &&
	test_expect_code 3 in_dir plain env GIT_DIR="$PWD/plain/nothing" "$KEYSNARE" staged >out 2>err &&
	test -s err
'

# ---- the message of a blocked commit ----------------------------------------

test_expect_success 'text: one line per finding on stderr ([indent]path:line:col rule redacted), stdout empty' '
	two_keys repo &&
	test_expect_code 1 staged_in repo >out 2>err &&
	test_must_be_empty out &&
	test_grep "^ *app\.env:2:14:? groq-api-key:? gsk_[A-Za-z0-9]*\*\*\*" err &&
	test_grep "^ *src/gh\.env:1:14:? github-pat:? ghp_[A-Za-z0-9]*\*\*\*" err &&
	grep -E "^ *[^ ]+:[0-9]+:[0-9]+:? [a-z0-9-]+" err >lines &&
	test_line_count = 2 lines
'

test_expect_success 'text: the guidance names env var / secret manager, rotation with the rule URL, --no-verify' '
	two_keys repo &&
	test_expect_code 1 staged_in repo >out 2>err &&
	test_grep -i "environment variable|secret manager" err &&
	test_grep -i "rotat" err &&
	test_grep "https://console\.groq\.com/keys" err &&
	test_grep -- "--no-verify" err
'

test_expect_success 'text: no colour escapes when stderr is not a terminal (even without NO_COLOR)' '
	two_keys repo &&
	test_expect_code 1 in_dir repo env -u NO_COLOR "$KEYSNARE" staged >out 2>err &&
	test_grep -v "$(printf "\033")" err
'

test_expect_success '-q: the finding is still reported, exit 1' '
	two_keys repo &&
	test_expect_code 1 staged_in repo -q >out 2>err &&
	test_grep "^ *app\.env:2:14" err
'

test_expect_success 'redaction: no key (nor a quarter of one) in any output by default; --no-redact shows them' '
	two_keys repo &&
	newkey private-key >repo/deploy.pem &&
	git -C repo add deploy.pem &&
	test_expect_code 1 staged_in repo >out 2>err &&
	check_no_leak out keys &&
	check_no_leak err keys &&
	test_expect_code 1 staged_in repo -v >out 2>err &&
	check_no_leak out keys &&
	check_no_leak err keys &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	check_no_leak out.json keys &&
	check_no_leak err keys &&
	ksjson redaction out.json keys &&
	test_expect_code 1 staged_in repo -f jsonl >out.jsonl 2>err &&
	check_no_leak out.jsonl keys &&
	test_expect_code 1 staged_in repo --no-redact >out 2>err &&
	grep -F -- "$(sed -n 1p keys)" err &&
	grep -F -- "$(sed -n 2p keys)" err &&
	test_expect_code 1 staged_in repo --no-redact -f json >out.json 2>err &&
	test "$(ksjson get out.json redacted)" = false &&
	ksjson secret-hashes out.json >got &&
	ksjson keyhashes keys >want &&
	test_cmp want got
'

# ---- JSON -------------------------------------------------------------------

test_expect_success '-f json: the report validates (findings, skipped binary and gitlink) and is strict' '
	two_keys repo &&
	printf "\0\1\2 binary\n" >repo/blob.bin &&
	git -C repo add blob.bin &&
	git -C repo update-index --add --cacheinfo "160000,$(git -C repo rev-parse HEAD),vendor/mod" &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	iconv -f UTF-8 -t UTF-8 out.json >/dev/null &&
	ksjson validate "$SCHEMA" out.json &&
	ksjson strict "$SCHEMA" out.json &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	app.env:2:14 groq-api-key
	src/gh.env:1:14 github-pat
	EOF
	test_cmp expect actual &&
	ksjson skipped out.json | sort >skipped &&
	cat >expect <<-\EOF &&
	binary blob.bin
	gitlink vendor/mod
	EOF
	test_cmp expect skipped &&
	test "$(ksjson get out.json stats.findings)" = 2 &&
	test "$(ksjson get out.json stats.skipped_by_reason.binary)" = 1 &&
	test "$(ksjson get out.json stats.skipped_by_reason.gitlink)" = 1 &&
	test "$(ksjson get out.json incomplete)" = false
'

test_expect_success '-f json: clean reports (nothing staged, a clean change) validate' '
	new_repo repo &&
	staged_in repo -f json >empty.json 2>err &&
	ksjson validate "$SCHEMA" empty.json &&
	echo hi >repo/README &&
	git -C repo add README &&
	staged_in repo -f json >clean.json 2>err &&
	ksjson validate "$SCHEMA" clean.json &&
	test "$(ksjson get clean.json findings.#)" = 0 &&
	test "$(ksjson get clean.json incomplete)" = false &&
	test "$(ksjson get clean.json stats.files_scanned)" = 1
'

test_expect_success '-o FILE writes the JSON report there, nothing on stdout; -f jsonl lines validate' '
	two_keys repo &&
	test_expect_code 1 staged_in repo -f json -o "$PWD/report.json" >out 2>err &&
	test_must_be_empty out &&
	ksjson validate "$SCHEMA" report.json &&
	ksjson findings report.json >actual &&
	cat >expect <<-\EOF &&
	app.env:2:14 groq-api-key
	src/gh.env:1:14 github-pat
	EOF
	test_cmp expect actual &&
	test_expect_code 1 staged_in repo -f jsonl >out.jsonl 2>err &&
	ksjson validate-jsonl "$SCHEMA" out.jsonl &&
	ksjson findings-jsonl out.jsonl >actual &&
	test_cmp expect actual
'

# ---- options shared with scan -----------------------------------------------

test_expect_success '--enable-rule and --disable-rule select the rules' '
	two_keys repo &&
	test_expect_code 1 staged_in repo --enable-rule github-pat -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "src/gh.env:1:14 github-pat" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 staged_in repo --disable-rule github-pat \
		--disable-rule generic-credential-assignment -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "app.env:2:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	staged_in repo --disable-rule github-pat --disable-rule groq-api-key \
		--disable-rule generic-credential-assignment -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test_expect_code 3 staged_in repo --enable-rule no-such-rule >out 2>err
'

test_expect_success '--max-file-size: a bigger staged blob is skipped and listed (size)' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	{
		for i in $(seq 1 200); do echo "line $i of some padding text" || return 1; done &&
		printf "GROQ_API_KEY=%s\n" "$(newkey groq)"
	} >repo/big.env &&
	git -C repo add big.env &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	test_expect_code_in "0 2" staged_in repo --max-file-size 1k -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	ksjson skipped out.json >skipped &&
	echo "size big.env" >expect &&
	test_cmp expect skipped &&
	test_expect_code_in "0 2" staged_in repo --max-file-size 1k >out 2>err &&
	test_grep "big\.env.*max-file-size" err &&
	test_expect_code_in "0 2" staged_in repo --max-file-size 1k -q >out 2>err &&
	test_must_be_empty err
'

# ---- failing closed ---------------------------------------------------------

test_expect_success 'a staged blob missing from the object database: exit 2, the path named' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	git -C repo update-index --add --cacheinfo 100644,1234567890abcdef1234567890abcdef12345678,config/ghost.env &&
	test_expect_code 2 staged_in repo >out 2>err &&
	test_grep "config/ghost\.env" err &&
	test_expect_code 2 staged_in repo -f json >out.json 2>err &&
	test_grep "config/ghost\.env" err &&
	ksjson validate "$SCHEMA" out.json &&
	test "$(ksjson get out.json incomplete)" = true &&
	ksjson errors out.json >errors &&
	test_grep "^config/ghost\.env: " errors
'

test_expect_success 'a corrupt loose object of a staged blob: exit 2, the path named' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	echo "first clean file $$" >repo/one.txt &&
	echo "second clean file $$" >repo/two.txt &&
	git -C repo add one.txt two.txt &&
	o1=$(loose_path repo "$(git -C repo rev-parse :one.txt)") &&
	chmod u+w "$o1" &&
	echo "this is not a zlib stream" >"$o1" &&
	test_expect_code 2 staged_in repo >out 2>err &&
	test_grep "one\.txt" err &&
	test_expect_code 2 staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json incomplete)" = true &&
	ksjson errors out.json >errors &&
	test_line_count = 1 errors &&
	test_grep "^one\.txt: " errors
'

# libgit2 1.5.1 loops forever inflating a truncated loose object
# (libgit2/libgit2#7342, fixed by #7346): `timeout` is only a hang gate
# turning that into a failure instead of a stuck test script.
test_expect_success 'a truncated loose object of a staged blob: exit 2, the path named (no hang)' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	echo "second clean file $$" >repo/two.txt &&
	git -C repo add two.txt &&
	o2=$(loose_path repo "$(git -C repo rev-parse :two.txt)") &&
	head -c 12 "$o2" >trunc &&
	mv -f trunc "$o2" &&
	test_expect_code 2 in_dir repo timeout -k 5 120 "$KEYSNARE" staged -f json >out.json 2>err &&
	test_grep "two\.txt" err &&
	test "$(ksjson get out.json incomplete)" = true &&
	ksjson errors out.json >errors &&
	test_grep "^two\.txt: " errors
'

test_expect_success 'a missing blob next to a staged key: exit 1, the key reported, the error still named' '
	two_keys repo &&
	git -C repo update-index --add --cacheinfo 100644,1234567890abcdef1234567890abcdef12345678,ghost.env &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	app.env:2:14 groq-api-key
	src/gh.env:1:14 github-pat
	EOF
	test_cmp expect actual &&
	test "$(ksjson get out.json incomplete)" = true &&
	test_grep "ghost\.env" err &&
	test_expect_code 1 staged_in repo >out 2>err &&
	test_grep "ghost\.env" err &&
	check_no_leak err keys
'

test_expect_success 'the old side of a modified file is missing: fails closed or reports the key, never exit 0' '
	new_repo repo &&
	printf "A=1\n" >repo/app.env &&
	commit_all repo init &&
	old=$(loose_path repo "$(git -C repo rev-parse HEAD:app.env)") &&
	printf "A=1\nGROQ_API_KEY=%s\n" "$(newkey groq)" >repo/app.env &&
	git -C repo add app.env &&
	rm -f "$old" &&
	test_expect_code_in "1 2" staged_in repo >out 2>err &&
	test -s err
'

test_expect_success 'a truncated or garbage index: fails closed (2 or 3) with a message' '
	two_keys repo &&
	head -c 60 repo/.git/index >index.trunc &&
	cp index.trunc repo/.git/index &&
	test_expect_code 128 git -C repo diff --cached --name-only >out 2>err &&
	test_expect_code_in "2 3" staged_in repo >out 2>err &&
	test -s err &&
	echo "this is not an index" >repo/.git/index &&
	test_expect_code 128 git -C repo diff --cached --name-only >out 2>err &&
	test_expect_code_in "2 3" staged_in repo >out 2>err &&
	test -s err
'

test_expect_success 'the HEAD commit object is missing: fails closed (2 or 3), never "initial commit, clean"' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	echo "clean change" >repo/notes.txt &&
	git -C repo add notes.txt &&
	rm -f "$(loose_path repo "$(git -C repo rev-parse HEAD)")" &&
	test_expect_code_in "2 3" staged_in repo >out 2>err &&
	test -s err
'

# ---- side effects -----------------------------------------------------------

test_expect_success 'no network: works without a network, opens no inet socket' '
	two_keys repo &&
	if unshare -rn true 2>/dev/null; then
		test_expect_code 1 in_dir repo unshare -rn "$KEYSNARE" staged -f json >out.json 2>err &&
		test "$(ksjson get out.json findings.#)" = 2
	fi &&
	if strace -o /dev/null true 2>/dev/null; then
		test_expect_code 1 in_dir repo strace -f -qq -e trace=socket,connect -o "$PWD/trace" \
			"$KEYSNARE" staged -f json >out.json 2>err &&
		test_grep -v "AF_INET" trace
	fi
'

test_expect_success 'no command from the repository config runs (fsmonitor, filters, textconv, external diff)' '
	two_keys repo &&
	git -C repo config core.fsmonitor "touch \"$PWD/ran-fsmonitor\"; false" &&
	git -C repo config filter.evil.clean "touch \"$PWD/ran-clean\"; cat" &&
	git -C repo config filter.evil.smudge "touch \"$PWD/ran-smudge\"; cat" &&
	git -C repo config filter.evil.process "touch \"$PWD/ran-process\"" &&
	git -C repo config diff.evil.textconv "touch \"$PWD/ran-textconv\"; cat" &&
	git -C repo config diff.external "touch \"$PWD/ran-external\"" &&
	printf "* filter=evil diff=evil\n" >repo/.git/info/attributes &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 2 &&
	test_path_is_missing ran-fsmonitor &&
	test_path_is_missing ran-clean &&
	test_path_is_missing ran-smudge &&
	test_path_is_missing ran-process &&
	test_path_is_missing ran-textconv &&
	test_path_is_missing ran-external
'

test_expect_success 'read-only: the index, HEAD and the work tree are unchanged afterwards' '
	two_keys repo &&
	echo "unstaged edit" >>repo/README &&
	git -C repo status --porcelain >status.before &&
	sha256sum repo/.git/index repo/README >before &&
	ls repo/.git >gitdir.before &&
	test_expect_code 1 staged_in repo >out 2>err &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	sha256sum repo/.git/index repo/README >after &&
	test_cmp before after &&
	git -C repo status --porcelain >status.after &&
	test_cmp status.before status.after &&
	ls repo/.git >gitdir.after &&
	test_cmp gitdir.before gitdir.after
'

test_done
