#!/usr/bin/env bash
test_description='baseline with git: CRLF and LF checkouts, merging branches (plain and merge=union), the hook through the config'\''s baseline:, history'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"
. "$E2E_DIR/suppress-lib.sh"

# bl_branch REPO BRANCH FILE: on a new BRANCH from main, FILE gets a fresh
# key and the committed .keysnare-baseline records it (keysnare scan
# --write-baseline, which keeps the existing entries)
bl_branch() {
	git -C "$1" checkout -q -b "$2" main &&
	printf "K=%s\n" "$(newkey groq)" >"$1/$3" &&
	ks_in "$1" scan --write-baseline .keysnare-baseline >/dev/null 2>&1 &&
	commit_all "$1" "$2" &&
	git -C "$1" checkout -q main
}

# bl_base REPO FILE...: a repository whose main has a key in each FILE, all
# in the committed .keysnare-baseline, named by the committed config
bl_base() {
	local repo=$1
	shift
	new_repo "$repo" &&
	printf "baseline: .keysnare-baseline\n" >"$repo/.keysnare.yml" &&
	for f in "$@"
	do
		printf "K=%s\n" "$(newkey groq)" >"$repo/$f" || return 1
	done &&
	ks_in "$repo" scan --write-baseline .keysnare-baseline >/dev/null 2>&1 &&
	commit_all "$repo" base
}

test_expect_success 'CRLF (core.autocrlf) and LF checkouts write byte-identical baselines; each suppresses on the other' '
	new_repo origin &&
	printf "# settings\nA=%s\n" "$(newkey groq)" >origin/app.env &&
	newkey private-key >origin/id_rsa &&
	commit_all origin init &&
	git clone -q origin lf &&
	git -c core.autocrlf=true clone -q origin crlf &&
	git -C crlf config core.autocrlf true &&
	test_grep "$(printf "\r")" crlf/id_rsa &&
	test_grep "$(printf "\r")" crlf/app.env &&
	test_grep -v "$(printf "\r")" lf/id_rsa &&
	ks_in crlf scan --write-baseline ../bl.crlf >out 2>err &&
	test_line_count = 2 out &&
	ks_in lf scan --write-baseline ../bl.lf >out 2>err &&
	test_cmp bl.lf bl.crlf &&
	cp bl.crlf lf/.keysnare-baseline &&
	printf "baseline: .keysnare-baseline\n" >lf/.keysnare.yml &&
	ks_in lf scan -f json >out.json 2>err &&
	test "$(supp_counts out.json)" = "baseline 2" &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	ks_in lf history -f json >out.json 2>err &&
	test "$(supp_counts out.json)" = "baseline 2" &&
	ks_in crlf scan -f json --baseline ../bl.lf >out.json 2>err &&
	test "$(supp_counts out.json)" = "baseline 2"
'

test_expect_success 'git merge: branches adding entries at different places (an entry sorts between them) merge cleanly' '
	bl_base repo m.env &&
	bl_branch repo left a.env &&
	bl_branch repo right z.env &&
	git -C repo merge -q --no-edit left &&
	git -C repo merge -q --no-edit right >merge.out 2>&1 &&
	git -C repo diff --name-only --diff-filter=U >conflicts &&
	test_must_be_empty conflicts &&
	bl_list repo/.keysnare-baseline | cut -d" " -f1 >actual &&
	printf "%s\n" a.env m.env z.env >expect &&
	test_cmp expect actual &&
	ks_in repo scan --no-config --write-baseline ../fresh >out 2>err &&
	test_cmp fresh repo/.keysnare-baseline &&
	ks_in repo scan -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(supp_counts out.json)" = "baseline 3"
'

test_expect_success 'entries added at the same place: merge=union merges cleanly and the file loads; without it keysnare refuses the conflict' '
	bl_base repo a.env &&
	bl_branch repo left m1.env &&
	bl_branch repo right m2.env &&
	git clone -q repo plain &&
	git -C plain checkout -q -b left origin/left &&
	git -C plain checkout -q -b right origin/right &&
	git -C plain checkout -q main &&
	git -C plain merge -q --no-edit left &&
	test_expect_code 1 git -C plain merge -q --no-edit right >merge.out 2>&1 &&
	test_grep "CONFLICT.*\.keysnare-baseline" merge.out &&
	test_expect_code 3 ks_in plain scan >out 2>err &&
	test_must_be_empty out &&
	test_grep "\.keysnare-baseline:[0-9]+: unresolved merge conflict marker" err &&
	test_grep "merge=union" err &&
	echo ".keysnare-baseline merge=union" >repo/.gitattributes &&
	git -C repo add .gitattributes &&
	git -C repo commit -q -m attributes &&
	git -C repo merge -q --no-edit left &&
	git -C repo merge -q --no-edit right >merge.out 2>&1 &&
	git -C repo diff --name-only --diff-filter=U >conflicts &&
	test_must_be_empty conflicts &&
	ks_in repo scan -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(supp_counts out.json)" = "baseline 3" &&
	ks_in repo scan --write-baseline .keysnare-baseline >out 2>err &&
	bl_list repo/.keysnare-baseline | cut -d" " -f1 >actual &&
	printf "%s\n" a.env m1.env m2.env >expect &&
	test_cmp expect actual
'

# ---- the hook ----------------------------------------------------------------

test_expect_success 'hook: the config'\''s baseline is honoured: blocked without the entry, allowed with it, a new key in the same file blocks' '
	new_repo repo &&
	install_hook repo &&
	printf "baseline: .keysnare-baseline\n" >repo/.keysnare.yml &&
	ks_in repo scan --write-baseline .keysnare-baseline >out 2>err &&
	test "$(bl_list repo/.keysnare-baseline | wc -l)" = 0 &&
	git -C repo add .keysnare.yml .keysnare-baseline &&
	git -C repo commit -q -m config &&
	old=$(head_of repo) &&
	printf "A=%s\n" "$(newkey groq)" >repo/test.env &&
	git -C repo add test.env &&
	test_expect_code 1 git -C repo commit -q -m "test key" >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_grep "test\.env:1:3" commit.out &&
	test_grep "baseline" commit.out &&
	test_grep "keysnare staged --write-baseline" commit.out &&
	ks_in repo staged --write-baseline .keysnare-baseline >out 2>err &&
	bl_list repo/.keysnare-baseline | cut -d" " -f1,2 >actual &&
	echo "test.env groq-api-key" >expect &&
	test_cmp expect actual &&
	git -C repo add .keysnare-baseline &&
	git -C repo commit -q -m "test key, accepted" >commit.out 2>&1 &&
	test "$(head_of repo)" != "$old" &&
	old=$(head_of repo) &&
	printf "B=%s\n" "$(newkey groq)" >>repo/test.env &&
	git -C repo add test.env &&
	test_expect_code 1 git -C repo commit -q -m "another key" >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_grep "test\.env:2:3" commit.out &&
	test_grep -v "test\.env:1:3" commit.out &&
	test_grep "commit blocked: 1 secret" commit.out &&
	check_no_leak commit.out keys &&
	check_no_leak repo/.keysnare-baseline keys
'

test_expect_success 'hook: a baselined key copied to another file blocks; a baseline file the config does not name does nothing' '
	new_repo repo &&
	install_hook repo &&
	k=$(newkey groq) &&
	printf "baseline: .keysnare-baseline\n" >repo/.keysnare.yml &&
	printf "A=%s\n" "$k" >repo/test.env &&
	ks_in repo scan --write-baseline .keysnare-baseline >out 2>err &&
	git -C repo add . &&
	git -C repo commit -q -m init >commit.out 2>&1 &&
	old=$(head_of repo) &&
	printf "A=%s\n" "$k" >repo/copy.env &&
	git -C repo add copy.env &&
	test_expect_code 1 git -C repo commit -q -m copy >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_grep "copy\.env:1:3" commit.out &&
	git -C repo reset -q &&
	rm repo/copy.env &&
	printf "allowlist:\n  paths: [docs/]\n" >repo/.keysnare.yml &&
	printf "B=%s\n" "$(newkey groq)" >repo/new.env &&
	ks_in repo scan --write-baseline .keysnare-baseline new.env >out 2>err &&
	git -C repo add new.env .keysnare-baseline .keysnare.yml &&
	test_expect_code 1 git -C repo commit -q -m new >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_grep "new\.env:1:3" commit.out
'

test_expect_success 'staged --write-baseline records only staged findings and keeps the entries already there; --baseline from a subdirectory' '
	new_repo repo &&
	mkdir repo/sub &&
	printf "A=%s\n" "$(newkey groq)" >repo/old.env &&
	commit_all repo init &&
	ks_in repo scan --write-baseline ../bl >out 2>err &&
	printf "B=%s\n" "$(newkey groq)" >repo/sub/staged.env &&
	printf "C=%s\n" "$(newkey groq)" >repo/sub/unstaged.env &&
	git -C repo add sub/staged.env &&
	ks_in repo/sub staged --baseline ../../bl --write-baseline ../../bl >out 2>err &&
	bl_list bl | cut -d" " -f1 >actual &&
	printf "%s\n" old.env sub/staged.env >expect &&
	test_cmp expect actual &&
	ks_in repo/sub staged -f json --baseline ../../bl >out.json 2>err &&
	test "$(supp_counts out.json)" = "baseline 1"
'

# ---- history -----------------------------------------------------------------

# hist_repo REPO: keys in a file, in a file deleted later, in a commit
# message and in a tag message
hist_repo() {
	new_repo "$1" &&
	mkdir "$1/src" &&
	printf "A=%s\n" "$(newkey groq)" >"$1/src/app.env" &&
	printf "B=%s\n" "$(newkey github-pat)" >"$1/old.env" &&
	git -C "$1" add . &&
	git -C "$1" commit -q -m "init, token $(newkey gitlab)" &&
	git -C "$1" rm -q old.env &&
	printf "A=%s\n" "$(newkey groq)" >"$1/src/app.env" &&
	commit_all "$1" rotate &&
	git -C "$1" tag -a v1 -m "release, key $(newkey github-pat)"
}

test_expect_success 'history --write-baseline then --baseline: 0 findings (files, deleted files, commit and tag messages), nothing unused' '
	hist_repo repo &&
	test_expect_code 1 ks_in repo history -f json >before.json 2>err &&
	test "$(ksjson get before.json findings.#)" = 5 &&
	ks_in repo history --write-baseline ../bl >out 2>err &&
	test_line_count = 5 out &&
	test "$(bl_list bl | wc -l)" = 5 &&
	check_no_leak bl keys &&
	ks_in repo history -f json --baseline ../bl >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(supp_counts out.json)" = "baseline 5" &&
	test "$(ksjson get out.json stats.baseline_unused)" = 0 &&
	ksjson validate "$SCHEMA" out.json &&
	ks_in repo history -v --baseline ../bl >out 2>err &&
	test_grep -v "matches nothing" err &&
	ks_in repo/src history -f json --baseline ../../bl >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	keysnare history --repo repo -f json --baseline bl >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'history: a key committed after the baseline is reported; the same baseline suppresses in scan and staged' '
	hist_repo repo &&
	ks_in repo history --write-baseline ../bl >out 2>err &&
	printf "C=%s\n" "$(newkey groq)" >>repo/src/app.env &&
	commit_all repo more &&
	test_expect_code 1 ks_in repo history -f json --baseline ../bl >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "src/app.env:2:3 groq-api-key" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in repo scan -f json --baseline ../bl src/app.env >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "baseline 1" &&
	git -C repo rm -q src/app.env &&
	git -C repo commit -q -m gone &&
	git -C repo checkout -q HEAD~1 -- src/app.env &&
	test_expect_code 1 ks_in repo staged -f json --baseline ../bl >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "baseline 1"
'

test_expect_success 'history --prune-baseline drops entries no commit holds (a rewritten history), keeps the rest' '
	hist_repo repo &&
	ks_in repo history --write-baseline ../bl >out 2>err &&
	printf "{\"path\":\"gone.env\",\"rule\":\"groq-api-key\",\"secret_sha256\":\"%s\"}\n" "$(sha_of nothing-here)" >>bl &&
	ks_in repo history -f json --baseline ../bl >out.json 2>err &&
	test "$(ksjson get out.json stats.baseline_unused)" = 1 &&
	ks_in repo history --baseline ../bl --prune-baseline >out 2>err &&
	test_grep "1 unused entry dropped" err &&
	test "$(bl_list bl | wc -l)" = 5 &&
	test_grep -v "gone\.env" bl
'

test_done
