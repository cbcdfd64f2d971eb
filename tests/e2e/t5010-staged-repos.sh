#!/usr/bin/env bash
test_description='staged: finding the repository and its index (env, worktrees, subdirectories), real commits through a hook, merges'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"

# repo_with_staged_key DIR: DIR has a commit (README) and a staged
# config/app.env with a key on line 2 (column 14)
repo_with_staged_key() {
	new_repo "$1" &&
	echo hi >"$1/README" &&
	commit_all "$1" init &&
	mkdir -p "$1/config" &&
	printf "A=1\nGROQ_API_KEY=%s\n" "$(newkey groq)" >"$1/config/app.env" &&
	git -C "$1" add config/app.env
}

# ---- where the repository and the index come from ---------------------------

test_expect_success 'from a subdirectory: the whole index, paths relative to the repository root' '
	repo_with_staged_key repo &&
	mkdir -p repo/src/deep &&
	printf "GITHUB_TOKEN=%s\n" "$(newkey github-pat)" >repo/src/deep/gh.env &&
	git -C repo add src/deep/gh.env &&
	test_expect_code 1 staged_in repo/src/deep -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	config/app.env:2:14 groq-api-key
	src/deep/gh.env:1:14 github-pat
	EOF
	test_cmp expect actual &&
	test_expect_code 1 staged_in repo/src/deep >out 2>err &&
	test_grep "^ *config/app\.env:2:14 groq-api-key" err
'

test_expect_success '--repo DIR from outside the repository' '
	repo_with_staged_key repo &&
	test_expect_code 1 keysnare staged --repo repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "config/app.env:2:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 keysnare staged --repo "$PWD/repo" -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_cmp expect actual
'

test_expect_success 'a linked worktree scans its own index, the main work tree its own' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	git -C repo worktree add -q -b feature "$PWD/wt" &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >wt/wt.env &&
	git -C wt add wt.env &&
	test_expect_code 1 staged_in wt -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "wt.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	printf "GITHUB_TOKEN=%s\n" "$(newkey github-pat)" >repo/main.env &&
	git -C repo add main.env &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "main.env:1:14 github-pat" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 staged_in wt -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "wt.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	mkdir wt/sub &&
	test_expect_code 1 staged_in wt/sub -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_cmp expect actual
'

test_expect_success 'GIT_DIR and GIT_WORK_TREE (absolute and relative) from another directory' '
	repo_with_staged_key repo &&
	mkdir elsewhere &&
	echo "config/app.env:2:14 groq-api-key" >expect &&
	test_expect_code 1 in_dir elsewhere env GIT_DIR="$PWD/repo/.git" GIT_WORK_TREE="$PWD/repo" \
		"$KEYSNARE" staged -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_cmp expect actual &&
	test_expect_code 1 in_dir elsewhere env GIT_DIR=../repo/.git GIT_WORK_TREE=../repo \
		"$KEYSNARE" staged -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_cmp expect actual
'

test_expect_success 'GIT_DIR alone, from the work tree root' '
	repo_with_staged_key repo &&
	test_expect_code 1 in_dir repo env GIT_DIR=.git "$KEYSNARE" staged -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "config/app.env:2:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'GIT_DIR wins over the working directory' '
	repo_with_staged_key other &&
	new_repo here &&
	echo clean >here/README &&
	git -C here add README &&
	staged_in here -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test_expect_code 1 in_dir here env GIT_DIR="$PWD/other/.git" GIT_WORK_TREE="$PWD/other" \
		"$KEYSNARE" staged -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "config/app.env:2:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'GIT_INDEX_FILE (absolute or relative) names the index that is scanned, not .git/index' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/alt.env &&
	in_dir repo env GIT_INDEX_FILE="$PWD/repo/.git/alt-index" git read-tree HEAD &&
	in_dir repo env GIT_INDEX_FILE="$PWD/repo/.git/alt-index" git add alt.env &&
	git -C repo diff --cached --name-only >default &&
	test_must_be_empty default &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	echo "alt.env:1:14 groq-api-key" >expect &&
	test_expect_code 1 in_dir repo env GIT_INDEX_FILE="$PWD/repo/.git/alt-index" \
		"$KEYSNARE" staged -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_cmp expect actual &&
	test_expect_code 1 in_dir repo env GIT_INDEX_FILE=.git/alt-index \
		"$KEYSNARE" staged -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_cmp expect actual
'

test_expect_success 'GIT_INDEX_FILE naming a clean index hides a key staged in .git/index' '
	repo_with_staged_key repo &&
	in_dir repo env GIT_INDEX_FILE="$PWD/repo/.git/clean-index" git read-tree HEAD &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	in_dir repo env GIT_INDEX_FILE="$PWD/repo/.git/clean-index" \
		"$KEYSNARE" staged -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'GIT_DIR + GIT_WORK_TREE + GIT_INDEX_FILE together: that index is scanned' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/alt.env &&
	in_dir repo env GIT_INDEX_FILE="$PWD/repo/.git/alt-index" git read-tree HEAD &&
	in_dir repo env GIT_INDEX_FILE="$PWD/repo/.git/alt-index" git add alt.env &&
	mkdir elsewhere &&
	test_expect_code 1 in_dir elsewhere env GIT_DIR="$PWD/repo/.git" GIT_WORK_TREE="$PWD/repo" \
		GIT_INDEX_FILE="$PWD/repo/.git/alt-index" "$KEYSNARE" staged -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "alt.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	in_dir elsewhere env GIT_DIR="$PWD/repo/.git" GIT_WORK_TREE="$PWD/repo" \
		"$KEYSNARE" staged -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'a work tree whose .git is a file (--separate-git-dir)' '
	git init -q -b main --separate-git-dir "$PWD/store.git" repo &&
	test_path_is_file repo/.git &&
	echo hi >repo/README &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/app.env &&
	git -C repo add app.env &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "app.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'inside a submodule work tree: the submodule index, not the superproject one' '
	new_repo sub &&
	echo s >sub/s.txt &&
	commit_all sub s1 &&
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	git -C repo -c protocol.file.allow=always submodule add -q "$PWD/sub" mod &&
	git -C repo commit -q -m "add mod" &&
	test_path_is_file repo/mod/.git &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/mod/inner.env &&
	git -C repo/mod add inner.env &&
	test_expect_code 1 staged_in repo/mod -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "inner.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'index format version 4: the staged key is found' '
	repo_with_staged_key repo &&
	git -C repo update-index --index-version 4 &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "config/app.env:2:14 groq-api-key" >expect &&
	test_cmp expect actual
'

# libgit2 1.5.1 does not read split indexes: finding the key or failing
# closed (exit 2 with a message) are both right; exit 0 is not.
test_expect_success 'a split index: the key is found or the scan fails closed, never clean' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	git -C repo update-index --split-index &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/app.env &&
	git -C repo add app.env &&
	ls repo/.git/sharedindex.* >shared &&
	test_line_count -ge 1 shared &&
	rc=0 &&
	{ staged_in repo -f json >out.json 2>err || rc=$?; } &&
	case $rc in
	1)
		ksjson findings out.json >actual &&
		echo "app.env:1:14 groq-api-key" >expect &&
		test_cmp expect actual ;;
	2)
		test -s err ;;
	*)
		echo "exit $rc, wanted 1 or 2" && false ;;
	esac
'

test_expect_success 'a SHA-256 repository: the key is found or the command fails, never exit 0' '
	git init -q -b main --object-format=sha256 repo &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/app.env &&
	git -C repo add app.env &&
	test_expect_code_in "1 2 3" staged_in repo >out 2>err &&
	test -s err
'

# ---- real commits through a minimal pre-commit hook -------------------------

test_expect_success 'hook: a staged key blocks the initial commit, no commit is created' '
	new_repo repo &&
	install_hook repo &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/app.env &&
	git -C repo add app.env &&
	test_expect_code 1 git -C repo commit -q -m leak >commit.out 2>&1 &&
	test "$(head_of repo)" = unborn &&
	test_grep "app\.env:1:14" commit.out &&
	check_no_leak commit.out keys
'

test_expect_success 'hook: a clean change is committed' '
	new_repo repo &&
	install_hook repo &&
	echo hi >repo/README &&
	git -C repo add README &&
	git -C repo commit -q -m first >commit.out 2>&1 &&
	test "$(head_of repo)" != unborn &&
	old=$(head_of repo) &&
	echo "API_KEY=\${API_KEY}" >repo/app.env &&
	git -C repo add app.env &&
	git -C repo commit -q -m second >commit.out 2>&1 &&
	test "$(head_of repo)" != "$old"
'

test_expect_success 'hook: git commit -a blocks a key that is only in the work tree of a tracked file' '
	new_repo repo &&
	printf "A=1\n" >repo/app.env &&
	commit_all repo init &&
	install_hook repo &&
	old=$(head_of repo) &&
	printf "A=1\nGROQ_API_KEY=%s\n" "$(newkey groq)" >repo/app.env &&
	staged_in repo >out 2>err &&
	test_expect_code 1 git -C repo commit -q -a -m leak >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_grep "app\.env:2:14" commit.out &&
	check_no_leak commit.out keys &&
	git -C repo diff --cached --name-only >staged &&
	test_must_be_empty staged
'

test_expect_success 'hook: git commit -a does not block on an untracked file with a key' '
	new_repo repo &&
	printf "A=1\n" >repo/app.env &&
	commit_all repo init &&
	install_hook repo &&
	old=$(head_of repo) &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/untracked.env &&
	printf "A=2\n" >repo/app.env &&
	git -C repo commit -q -a -m ok >commit.out 2>&1 &&
	test "$(head_of repo)" != "$old"
'

test_expect_success 'hook: git commit PATH ignores a key staged in another file (excluded from this commit)' '
	new_repo repo &&
	echo a >repo/a.txt &&
	echo b >repo/b.env &&
	commit_all repo init &&
	install_hook repo &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/b.env &&
	git -C repo add b.env &&
	echo "a changed" >repo/a.txt &&
	old=$(head_of repo) &&
	git -C repo commit -q -m "only a" a.txt >commit.out 2>&1 &&
	test "$(head_of repo)" != "$old" &&
	git -C repo show --name-only --format= HEAD >files &&
	echo a.txt >expect &&
	test_cmp expect files &&
	git -C repo diff --cached --name-only >still &&
	echo b.env >expect &&
	test_cmp expect still &&
	old=$(head_of repo) &&
	test_expect_code 1 git -C repo commit -q -m leak >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_grep "b\.env:1:14" commit.out
'

test_expect_success 'hook: git commit PATH blocks a key in PATH that was never staged' '
	new_repo repo &&
	echo a >repo/a.txt &&
	echo c >repo/c.txt &&
	commit_all repo init &&
	install_hook repo &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >>repo/a.txt &&
	echo "c changed" >repo/c.txt &&
	git -C repo add c.txt &&
	staged_in repo >out 2>err &&
	old=$(head_of repo) &&
	test_expect_code 1 git -C repo commit -q -m leak a.txt >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_grep "a\.txt:2:14" commit.out &&
	check_no_leak commit.out keys
'

test_expect_success 'hook: git commit --include PATH blocks a key in PATH' '
	new_repo repo &&
	echo a >repo/a.txt &&
	echo c >repo/c.txt &&
	commit_all repo init &&
	install_hook repo &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >>repo/a.txt &&
	echo "c changed" >repo/c.txt &&
	git -C repo add c.txt &&
	old=$(head_of repo) &&
	test_expect_code 1 git -C repo commit -q --include -m leak a.txt >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_grep "a\.txt:2:14" commit.out
'

test_expect_success 'hook: git commit -a in a linked worktree and from a subdirectory blocks' '
	new_repo repo &&
	mkdir repo/src &&
	echo a >repo/src/a.txt &&
	commit_all repo init &&
	install_hook repo &&
	git -C repo worktree add -q -b feature "$PWD/wt" &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >>wt/src/a.txt &&
	old=$(head_of wt) &&
	test_expect_code 1 git -C wt/src commit -q -a -m leak >commit.out 2>&1 &&
	test "$(head_of wt)" = "$old" &&
	test_grep "src/a\.txt:2:14" commit.out &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >>repo/src/a.txt &&
	old=$(head_of repo) &&
	test_expect_code 1 git -C repo/src commit -q -a -m leak >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_grep "src/a\.txt:2:14" commit.out
'

# ---- merges, cherry-picks and their conflicts -------------------------------

# conflict_repo: repo/conf.txt changed on main and on "other" at line 2;
# `git merge other` leaves it conflicted (stages 1, 2, 3)
conflict_repo() {
	new_repo repo &&
	printf "line1\nvalue=base\nline3\n" >repo/conf.txt &&
	commit_all repo base &&
	git -C repo checkout -q -b other &&
	printf "line1\nvalue=theirs\nline3\n" >repo/conf.txt &&
	commit_all repo theirs &&
	git -C repo checkout -q main &&
	printf "line1\nvalue=ours\nline3\n" >repo/conf.txt &&
	commit_all repo ours
}

test_expect_success 'merge conflict: no crash while conflicted; resolved with a key and added: blocked' '
	conflict_repo &&
	test_expect_code 1 git -C repo merge -q other >merge.out 2>&1 &&
	git -C repo ls-files -u >unmerged &&
	test_line_count = 3 unmerged &&
	test_expect_code_in "0 1 2" staged_in repo -f json >out.json 2>err &&
	ksjson validate "$SCHEMA" out.json &&
	test_expect_code_in "0 1 2" staged_in repo >out 2>err &&
	printf "line1\nGROQ_API_KEY=%s\nline3\n" "$(newkey groq)" >repo/conf.txt &&
	git -C repo add conf.txt &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "conf.txt:2:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	install_hook repo &&
	old=$(head_of repo) &&
	test_expect_code 1 git -C repo commit -q --no-edit >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_path_is_file repo/.git/MERGE_HEAD &&
	test_grep "conf\.txt:2:14" commit.out
'

test_expect_success 'merge conflict resolved without a key: the merge commit goes through the hook' '
	conflict_repo &&
	test_expect_code 1 git -C repo merge -q other >merge.out 2>&1 &&
	printf "line1\nvalue=resolved\nline3\n" >repo/conf.txt &&
	git -C repo add conf.txt &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	install_hook repo &&
	git -C repo commit -q --no-edit >commit.out 2>&1 &&
	git -C repo rev-parse -q --verify HEAD^2 >/dev/null
'

# RELIABILITY D5: during a merge only content new against every parent is
# reported; a key the other branch already committed is not this commit's.
test_expect_success 'merge --no-commit: a key already committed on the merged branch is not reported, a new one is' '
	new_repo repo &&
	echo base >repo/README &&
	commit_all repo base &&
	git -C repo checkout -q -b other &&
	printf "A=1\nGROQ_API_KEY=%s\n" "$(newkey groq)" >repo/theirs.env &&
	commit_all repo theirs &&
	git -C repo checkout -q main &&
	echo ours >>repo/README &&
	commit_all repo ours &&
	git -C repo merge -q --no-commit --no-ff other >merge.out 2>&1 &&
	test_path_is_file repo/.git/MERGE_HEAD &&
	git -C repo diff --cached --name-only >staged &&
	echo theirs.env >expect &&
	test_cmp expect staged &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	printf "GITHUB_TOKEN=%s\n" "$(newkey github-pat)" >>repo/theirs.env &&
	git -C repo add theirs.env &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "theirs.env:3:14 github-pat" >expect &&
	test_cmp expect actual
'

test_expect_success 'add/add and modify/delete conflicts with keys on both sides do not crash' '
	new_repo repo &&
	printf "x=1\n" >repo/gone.env &&
	commit_all repo base &&
	git -C repo checkout -q -b other &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/both.env &&
	git -C repo rm -q gone.env &&
	commit_all repo theirs &&
	git -C repo checkout -q main &&
	printf "GITHUB_TOKEN=%s\n" "$(newkey github-pat)" >repo/both.env &&
	printf "x=1\nGROQ_API_KEY=%s\n" "$(newkey groq)" >repo/gone.env &&
	commit_all repo ours &&
	test_expect_code 1 git -C repo merge -q other >merge.out 2>&1 &&
	git -C repo ls-files -u >unmerged &&
	test_grep "	both\.env$" unmerged &&
	test_grep "	gone\.env$" unmerged &&
	test_expect_code_in "0 1 2" staged_in repo -f json >out.json 2>err &&
	ksjson validate "$SCHEMA" out.json &&
	test_expect_code_in "0 1 2" staged_in repo -v >out 2>err &&
	check_no_leak err keys
'

test_expect_success 'cherry-pick conflict: no crash; resolved with a key: blocked (also through the hook)' '
	conflict_repo &&
	test_expect_code 1 git -C repo cherry-pick other >pick.out 2>&1 &&
	test_path_is_file repo/.git/CHERRY_PICK_HEAD &&
	test_expect_code_in "0 1 2" staged_in repo -f json >out.json 2>err &&
	printf "line1\nvalue=theirs\nGROQ_API_KEY=%s\nline3\n" "$(newkey groq)" >repo/conf.txt &&
	git -C repo add conf.txt &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "conf.txt:3:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	install_hook repo &&
	old=$(head_of repo) &&
	test_expect_code 1 git -C repo -c core.editor=true commit -q --no-edit >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old"
'

test_done
