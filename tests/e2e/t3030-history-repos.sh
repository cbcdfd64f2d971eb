#!/usr/bin/env bash
test_description='history: shallow, bare, empty, damaged repositories; dangling blobs; gitlinks; not a repository'
. "$(dirname "$0")/lib.sh"

gitrepo() { "$PYTHON" "$E2E_DIR/gitrepo.py" "$@"; }

# commit_all REPO MESSAGE: stage everything in REPO's work tree and commit
commit_all() {
	git -C "$1" add -A &&
	git -C "$1" commit -q -m "$2"
}

# loose_path REPO OBJECT-ID: the loose object file of OBJECT-ID
loose_path() {
	echo "$1/.git/objects/$(echo "$2" | cut -c1-2)/$(echo "$2" | cut -c3-)"
}

# make_origin: c1 old.env with k1, c2 old.env deleted, c3 README,
# c4 new.env with k2; rev.c1, rev.c4 hold their ids
make_origin() {
	git init -q -b main origin &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >origin/old.env &&
	commit_all origin c1 &&
	git -C origin rev-parse HEAD >rev.c1 &&
	git -C origin rm -q old.env &&
	git -C origin commit -q -m c2 &&
	echo hello >origin/README &&
	commit_all origin c3 &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >origin/new.env &&
	commit_all origin c4 &&
	git -C origin rev-parse HEAD >rev.c4
}

test_expect_success 'shallow clone without a visible key: exit 2, stderr says the history is truncated' '
	make_origin &&
	git -C origin tag c3 HEAD~1 &&
	git -c advice.detachedHead=false clone -q --depth 2 --branch c3 "file://$PWD/origin" shallow &&
	test_path_is_file shallow/.git/shallow &&
	test_expect_code 2 keysnare history --repo shallow -f json >out.json 2>err &&
	test_grep -i "truncated|shallow" err &&
	test "$(ksjson get out.json incomplete)" = true &&
	test "$(ksjson get out.json stats.history_truncated)" = true &&
	test_expect_code 2 keysnare history --repo shallow >out 2>err &&
	test_grep -i "truncated|shallow" err
'

# The contract says "shallow -> exit 2" and "exit codes as for scan", where
# findings (1) win over an incomplete scan (2): either is accepted here.
test_expect_success 'shallow clone with a visible key: exit 1 or 2, incomplete, stderr says truncated' '
	make_origin &&
	git clone -q --depth 2 "file://$PWD/origin" shallow &&
	test_expect_code_in "1 2" keysnare history --repo shallow -f json >out.json 2>err &&
	test_grep -i "truncated|shallow" err &&
	test "$(ksjson get out.json incomplete)" = true &&
	test "$(ksjson get out.json stats.history_truncated)" = true &&
	test "$(ksjson get out.json findings.#)" = 1
'

test_expect_success 'shallow clone with --allow-shallow: the visible keys, history_truncated true' '
	make_origin &&
	git clone -q --depth 2 "file://$PWD/origin" shallow &&
	test_expect_code 1 keysnare history --repo shallow --allow-shallow -f json >out.json 2>err &&
	gitrepo hist out.json >actual &&
	echo "new.env:1:14 groq-api-key $(cat rev.c4) true" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json stats.history_truncated)" = true &&
	test "$(ksjson get out.json stats.commits)" = 2
'

test_expect_success 'shallow clone with --allow-shallow and no visible key: exit 0' '
	make_origin &&
	git -C origin tag c3 HEAD~1 &&
	git -c advice.detachedHead=false clone -q --depth 2 --branch c3 "file://$PWD/origin" shallow &&
	test_path_is_file shallow/.git/shallow &&
	test_expect_code 0 keysnare history --repo shallow --allow-shallow -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(ksjson get out.json stats.history_truncated)" = true &&
	test "$(ksjson get out.json stats.commits)" = 2 &&
	test "$(ksjson get out.json incomplete)" = false &&
	test_expect_code 1 keysnare history --repo origin -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 2 &&
	test "$(ksjson get out.json stats.history_truncated)" = false
'

test_expect_success 'a corrupt loose blob: named in stats.errors, the other keys reported, exit 1' '
	git init -q -b main repo &&
	echo "unrelated text $$" >repo/notes.txt &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	commit_all repo init &&
	c=$(git -C repo rev-parse HEAD) &&
	b=$(git -C repo rev-parse HEAD:notes.txt) &&
	obj=$(loose_path repo "$b") &&
	test_path_is_file "$obj" &&
	chmod u+w "$obj" &&
	echo "this is not a zlib stream" >"$obj" &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	gitrepo hist out.json >actual &&
	echo "app.env:1:14 groq-api-key $c true" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json incomplete)" = true &&
	ksjson errors out.json >errors &&
	test_line_count = 1 errors &&
	test_grep "$b" errors
'

test_expect_success 'a corrupt loose blob and no key: exit 2, incomplete' '
	git init -q -b main repo &&
	echo "unrelated text $$" >repo/notes.txt &&
	echo "more text" >repo/other.txt &&
	commit_all repo init &&
	b=$(git -C repo rev-parse HEAD:notes.txt) &&
	obj=$(loose_path repo "$b") &&
	chmod u+w "$obj" &&
	printf "\001\002garbage\377" >"$obj" &&
	test_expect_code 2 keysnare history --repo repo -f json >out.json 2>err &&
	test "$(ksjson get out.json incomplete)" = true &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	ksjson errors out.json >errors &&
	test_grep "$b" errors &&
	test_grep "$b" err
'

test_expect_success '--paranoid: a loose blob holding another object is named in stats.errors' '
	git init -q -b main repo &&
	echo "hello $$" >repo/notes.txt &&
	echo "world $$" >repo/other.txt &&
	commit_all repo init &&
	b=$(git -C repo rev-parse HEAD:notes.txt) &&
	o=$(git -C repo rev-parse HEAD:other.txt) &&
	obj=$(loose_path repo "$b") &&
	chmod u+w "$obj" &&
	cp "$(loose_path repo "$o")" "$obj" &&
	test_expect_code_in "0 2" keysnare history --repo repo -f json >out.json 2>err &&
	test_expect_code 2 keysnare history --repo repo --paranoid -f json >out.json 2>err &&
	test "$(ksjson get out.json incomplete)" = true &&
	ksjson errors out.json >errors &&
	test_line_count = 1 errors &&
	test_grep "$b" errors
'

test_expect_success 'a missing blob: named in stats.errors, exit 2 without findings' '
	git init -q -b main repo &&
	echo "unrelated text $$" >repo/notes.txt &&
	echo "more text" >repo/other.txt &&
	commit_all repo init &&
	b=$(git -C repo rev-parse HEAD:notes.txt) &&
	rm -f "$(loose_path repo "$b")" &&
	test_expect_code 2 keysnare history --repo repo -f json >out.json 2>err &&
	test "$(ksjson get out.json incomplete)" = true &&
	ksjson errors out.json >errors &&
	test_line_count = 1 errors &&
	test_grep "$b" errors
'

test_expect_success 'a missing tree: named in stats.errors, keys elsewhere reported, exit 1' '
	git init -q -b main repo &&
	mkdir repo/lost repo/kept &&
	echo "lost text $$" >repo/lost/a.txt &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/kept/app.env &&
	commit_all repo init &&
	c=$(git -C repo rev-parse HEAD) &&
	t=$(git -C repo rev-parse HEAD:lost) &&
	rm -f "$(loose_path repo "$t")" &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	gitrepo hist out.json >actual &&
	echo "kept/app.env:1:14 groq-api-key $c true" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json incomplete)" = true &&
	ksjson errors out.json >errors &&
	test_grep "$t" errors
'

test_expect_success 'an empty repository (git init only): exit 0, no findings' '
	git init -q empty &&
	keysnare history --repo empty -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(ksjson get out.json stats.commits)" = 0 &&
	test "$(ksjson get out.json stats.blobs)" = 0 &&
	test "$(ksjson get out.json incomplete)" = false &&
	keysnare history --repo empty >out 2>err &&
	test_must_be_empty out &&
	git init -q --bare empty.git &&
	keysnare history --repo empty.git -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'a bare clone gives the same findings as the original' '
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	commit_all repo init &&
	git -C repo checkout -q -b feature &&
	printf "GITHUB_TOKEN=%s\n" "$(genkey github-pat)" >repo/ci.env &&
	commit_all repo ci &&
	git -C repo checkout -q main &&
	git -C repo commit -q --allow-empty -m note -m "GITLAB_TOKEN=$(genkey gitlab)" &&
	git -C repo tag -a v1 -m "release" -m "GROQ_API_KEY=$(genkey groq)" &&
	git -C repo rm -q app.env &&
	git -C repo commit -q -m "drop app.env" &&
	git clone -q --bare repo bare.git &&
	test_expect_code 1 keysnare history --repo repo -f json >repo.json 2>err &&
	gitrepo hist repo.json >expect &&
	test_line_count = 4 expect &&
	test_expect_code 1 keysnare history --repo bare.git -f json >bare.json 2>err &&
	gitrepo hist bare.json >actual &&
	test_cmp expect actual &&
	(cd bare.git && test_expect_code 1 keysnare history -f json >../cwd.json 2>../err) &&
	gitrepo hist cwd.json >actual &&
	test_cmp expect actual
'

test_expect_success 'a dangling blob is found only with --all-objects (commit null)' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >loose.env &&
	b=$(git -C repo hash-object -w "$PWD/loose.env") &&
	keysnare history --repo repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test_expect_code 1 keysnare history --repo repo --all-objects -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	test "$(ksjson get out.json findings.0.rule_id)" = groq-api-key &&
	test "$(ksjson get out.json findings.0.line)" = 1 &&
	test "$(ksjson get out.json findings.0.commit)" = null &&
	test "$(ksjson get out.json findings.0.blob)" = "$b" &&
	test "$(ksjson get out.json findings.0.present_at_head)" = false &&
	gitrepo check out.json
'

test_expect_success '--all-objects does not report a reachable blob twice' '
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	commit_all repo init &&
	c=$(git -C repo rev-parse HEAD) &&
	test_expect_code 1 keysnare history --repo repo --all-objects -f json >out.json 2>err &&
	gitrepo hist out.json >actual &&
	echo "app.env:1:14 groq-api-key $c true" >expect &&
	test_cmp expect actual
'

test_expect_success 'a dangling blob in a pack is found with --all-objects' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >loose.env &&
	b=$(git -C repo hash-object -w "$PWD/loose.env") &&
	echo "$b" | git -C repo pack-objects -q .git/objects/pack/pack >/dev/null &&
	git -C repo prune-packed &&
	test_path_is_missing "$(loose_path repo "$b")" &&
	test_expect_code 1 keysnare history --repo repo --all-objects -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	test "$(ksjson get out.json findings.0.blob)" = "$b"
'

test_expect_success 'not a git repository: exit 3' '
	mkdir plain &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >plain/a.env &&
	test_expect_code 3 keysnare history --repo plain >out 2>err &&
	test_must_be_empty out &&
	test -s err &&
	test_expect_code 3 keysnare history --repo does-not-exist >out 2>err &&
	test -s err &&
	(cd plain && GIT_CEILING_DIRECTORIES="$PWD/.." && export GIT_CEILING_DIRECTORIES &&
	 test_expect_code 3 keysnare history >../out 2>../err) &&
	test -s err
'

test_expect_success 'a repository owned by another user: exit 3, the message names safe.directory' '
	if test "$(id -u)" = 0
	then
		unpriv_setup_ok &&
		git init -q -b main repo &&
		printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
		commit_all repo init &&
		chmod -R a+rX repo &&
		test_expect_code 3 as_unpriv "$KEYSNARE" history --repo repo >out 2>err &&
		test_grep "safe\.directory" err
	else
		say "# skipped: needs root to run as another user" >&4
	fi
'

test_expect_success 'a gitlink (submodule entry) is listed as skipped (gitlink), not scanned' '
	git init -q -b main other &&
	echo x >other/x.txt &&
	commit_all other init &&
	sub=$(git -C other rev-parse HEAD) &&
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	git -C repo add app.env &&
	git -C repo update-index --add --cacheinfo "160000,$sub,vendor/sub" &&
	git -C repo commit -q -m "add a submodule" &&
	c=$(git -C repo rev-parse HEAD) &&
	echo more >repo/README &&
	git -C repo add README &&
	git -C repo commit -q -m "readme" &&
	git -C repo ls-tree -r HEAD >tree &&
	test_grep "^160000 commit $sub" tree &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	gitrepo hist out.json >actual &&
	echo "app.env:1:14 groq-api-key $c true" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json incomplete)" = false &&
	test "$(ksjson get out.json stats.errors.#)" = 0 &&
	ksjson skipped out.json >actual &&
	echo "gitlink vendor/sub" >expect &&
	test_cmp expect actual
'

test_expect_success '--recurse-submodules scans an initialised submodule under its path' '
	git init -q -b main lib &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >lib/k.env &&
	commit_all lib "lib key" &&
	lc=$(git -C lib rev-parse HEAD) &&
	git init -q -b main app &&
	echo hi >app/README &&
	commit_all app init &&
	git -C app -c protocol.file.allow=always submodule -q add "$PWD/lib" vendor/lib &&
	git -C app commit -q -m "add lib" &&
	test_expect_code 0 keysnare history --repo app -f json >plain.json 2>err &&
	ksjson skipped plain.json >s &&
	test_grep "gitlink vendor/lib" s &&
	test_expect_code 1 keysnare history --repo app --recurse-submodules -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	test "$(ksjson get out.json findings.0.path)" = vendor/lib/k.env &&
	test "$(ksjson get out.json findings.0.commit.id)" = "$lc" &&
	ksjson skipped out.json >s2 &&
	test_grep -v gitlink s2
'

test_expect_success '--recurse-submodules lists a submodule that is not initialised' '
	git init -q -b main other &&
	echo x >other/x.txt &&
	commit_all other init &&
	sub=$(git -C other rev-parse HEAD) &&
	git init -q -b main repo &&
	echo hi >repo/README &&
	git -C repo add README &&
	git -C repo update-index --add --cacheinfo "160000,$sub,vendor/sub" &&
	git -C repo commit -q -m "a gitlink" &&
	test_expect_code 0 keysnare history --repo repo --recurse-submodules -f json >out.json 2>err &&
	ksjson skipped out.json >s &&
	test_grep "gitlink vendor/sub" s
'

test_expect_success 'a linked worktree scans the same history as its main work tree' '
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	commit_all repo "add key" &&
	git -C repo worktree add -q -b side ../wt &&
	echo x >wt/other.txt &&
	git -C wt add other.txt &&
	git -C wt commit -q -m side &&
	test_expect_code 1 keysnare history --repo repo -f json >main.json 2>err &&
	test_expect_code 1 keysnare history --repo wt -f json >wt.json 2>err &&
	ksjson findings main.json >a &&
	ksjson findings wt.json >b &&
	test_cmp a b &&
	test_line_count = 1 a &&
	test "$(ksjson get wt.json stats.commits)" = 2
'

test_done
