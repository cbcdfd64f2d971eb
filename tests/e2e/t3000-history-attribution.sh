#!/usr/bin/env bash
test_description='history: which leaks are found and which commit each is attributed to'
. "$(dirname "$0")/lib.sh"

gitrepo() { "$PYTHON" "$E2E_DIR/gitrepo.py" "$@"; }

# commit_all REPO MESSAGE: stage everything in REPO's work tree and commit
commit_all() {
	git -C "$1" add -A &&
	git -C "$1" commit -q -m "$2"
}

# history_json REPO [ARGS...]: keysnare history -f json (exit 1) into
# out.json, its findings as "path:line:col rule commit present_at_head"
# into actual, and the history fields checked
history_json() {
	local repo=$1
	shift
	test_expect_code 1 keysnare history --repo "$repo" -f json "$@" >out.json 2>err &&
	gitrepo hist out.json >actual &&
	gitrepo check out.json
}

test_expect_success 'a key added then removed: found, attributed to the adding commit, not at HEAD' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	commit_all repo "add config" &&
	c=$(git -C repo rev-parse HEAD) &&
	echo more >>repo/README &&
	commit_all repo docs &&
	echo "GROQ_API_KEY=" >repo/app.env &&
	commit_all repo "remove the key" &&
	history_json repo &&
	echo "app.env:1:14 groq-api-key $c false" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json findings.0.blob)" = "$(git -C repo rev-parse "$c:app.env")" &&
	test "$(ksjson get out.json stats.history_truncated)" = false &&
	test "$(ksjson get out.json incomplete)" = false
'

test_expect_success 'the commit object: author, email, date in UTC, summary = first line' '
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	git -C repo add app.env &&
	GIT_AUTHOR_NAME="Ada Lovelace" GIT_AUTHOR_EMAIL=ada@example.invalid \
	GIT_AUTHOR_DATE="2021-03-04T07:06:05+02:00" \
	GIT_COMMITTER_DATE="2021-03-04T07:06:05+02:00" \
	git -C repo commit -q -m "add the config" -m "second paragraph" &&
	history_json repo &&
	test "$(ksjson get out.json findings.0.commit.id)" = "$(git -C repo rev-parse HEAD)" &&
	test "$(ksjson get out.json findings.0.commit.author)" = "Ada Lovelace" &&
	test "$(ksjson get out.json findings.0.commit.email)" = ada@example.invalid &&
	test "$(ksjson get out.json findings.0.commit.date)" = 2021-03-04T05:06:05Z &&
	test "$(ksjson get out.json findings.0.commit.summary)" = "add the config"
'

test_expect_success 'a key still present: present_at_head true, one finding for all its versions' '
	git init -q -b main repo &&
	printf "# app\nGROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	commit_all repo "add config" &&
	c=$(git -C repo rev-parse HEAD) &&
	echo "DEBUG=1" >>repo/app.env &&
	commit_all repo debug &&
	echo "PORT=80" >>repo/app.env &&
	commit_all repo port &&
	history_json repo &&
	echo "app.env:2:14 groq-api-key $c true" >expect &&
	test_cmp expect actual
'

test_expect_success 'attribution follows ancestry: commits with the same committer date' '
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	git -C repo add app.env &&
	GIT_COMMITTER_DATE=2022-02-02T10:00:00Z git -C repo commit -q -m "add config" &&
	c=$(git -C repo rev-parse HEAD) &&
	for i in 1 2 3 4 5 6 7 8 9 10
	do
		echo "# edit $i" >>repo/app.env &&
		GIT_COMMITTER_DATE=2022-02-02T10:00:00Z git -C repo commit -q -a -m "edit $i" || return 1
	done &&
	history_json repo &&
	echo "app.env:1:14 groq-api-key $c true" >expect &&
	test_cmp expect actual
'

test_expect_success 'attribution follows ancestry: a child commit with an older committer date' '
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	git -C repo add app.env &&
	GIT_COMMITTER_DATE=2022-02-02T10:00:00Z git -C repo commit -q -m "add config" &&
	c=$(git -C repo rev-parse HEAD) &&
	echo "# edit" >>repo/app.env &&
	GIT_COMMITTER_DATE=2021-01-01T10:00:00Z git -C repo commit -q -a -m "edit (skewed clock)" &&
	history_json repo &&
	echo "app.env:1:14 groq-api-key $c true" >expect &&
	test_cmp expect actual
'

test_expect_success 'lines inserted above the key later: line and blob of the introducing version' '
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	commit_all repo "add config" &&
	c=$(git -C repo rev-parse HEAD) &&
	{ printf "# one\n# two\n" && cat repo/app.env; } >tmp && mv tmp repo/app.env &&
	commit_all repo comments &&
	history_json repo &&
	echo "app.env:1:14 groq-api-key $c true" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json findings.0.blob)" = "$(git -C repo rev-parse "$c:app.env")"
'

test_expect_success 'a key only on an unmerged branch' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	git -C repo checkout -q -b feature &&
	printf "GITHUB_TOKEN=%s\n" "$(genkey github-pat)" >repo/ci.env &&
	commit_all repo "ci token" &&
	c=$(git -C repo rev-parse HEAD) &&
	git -C repo checkout -q main &&
	history_json repo &&
	echo "ci.env:1:14 github-pat $c false" >expect &&
	test_cmp expect actual
'

test_expect_success 'keys only in tagged commits on no branch (lightweight and annotated tag)' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	git -C repo checkout -q --detach &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/light.env &&
	commit_all repo "release build 1" &&
	c1=$(git -C repo rev-parse HEAD) &&
	git -C repo tag v1 &&
	git -C repo checkout -q --detach main &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/annotated.env &&
	commit_all repo "release build 2" &&
	c2=$(git -C repo rev-parse HEAD) &&
	git -C repo tag -a v2 -m "release 2" &&
	git -C repo checkout -q main &&
	test "$(git -C repo branch --contains "$c1" | wc -l)" = 0 &&
	history_json repo &&
	cat >expect <<-EOF &&
	annotated.env:1:14 groq-api-key $c2 false
	light.env:1:14 groq-api-key $c1 false
	EOF
	test_cmp expect actual
'

test_expect_success 'a key only in a detached HEAD commit' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	git -C repo checkout -q --detach &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/wip.env &&
	commit_all repo wip &&
	c=$(git -C repo rev-parse HEAD) &&
	history_json repo &&
	echo "wip.env:1:14 groq-api-key $c true" >expect &&
	test_cmp expect actual
'

test_expect_success 'a key only in the stash: attributed to the stash index commit' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/wip.env &&
	git -C repo add wip.env &&
	git -C repo stash -q &&
	test_path_is_missing repo/wip.env &&
	history_json repo &&
	echo "wip.env:1:14 groq-api-key $(git -C repo rev-parse "stash^2") false" >expect &&
	test_cmp expect actual
'

test_expect_success 'a key only on a remote-tracking branch' '
	git init -q -b main origin &&
	echo hello >origin/README &&
	commit_all origin init &&
	git clone -q origin clone &&
	git -C origin checkout -q -b feature &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >origin/f.env &&
	commit_all origin feature &&
	c=$(git -C origin rev-parse HEAD) &&
	git -C clone fetch -q &&
	test "$(git -C clone for-each-ref --format="%(refname)" refs/heads)" = refs/heads/main &&
	history_json clone &&
	echo "f.env:1:14 groq-api-key $c false" >expect &&
	test_cmp expect actual
'

test_expect_success 'a blob and a tree tagged directly are reachable from refs: scanned, commit null' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >k1.env &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >k2.env &&
	b1=$(git -C repo hash-object -w "$PWD/k1.env") &&
	b2=$(git -C repo hash-object -w "$PWD/k2.env") &&
	git -C repo tag key-blob "$b1" &&
	t=$(printf "100644 blob %s\tinner.env\n" "$b2" | git -C repo mktree) &&
	git -C repo tag -a key-tree -m "a tree" "$t" &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	gitrepo check out.json &&
	test "$(ksjson get out.json findings.#)" = 2 &&
	test "$(ksjson get out.json findings.0.commit)" = null &&
	test "$(ksjson get out.json findings.1.commit)" = null &&
	{ ksjson get out.json findings.0.blob && ksjson get out.json findings.1.blob; } | sort >actual &&
	printf "%s\n" "$b1" "$b2" | sort >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json stats.blobs)" = 3
'

test_expect_success 'a key introduced by a conflict resolution: attributed to the merge commit' '
	git init -q -b main repo &&
	printf "name=app\nmode=dev\n" >repo/settings.env &&
	commit_all repo init &&
	git -C repo checkout -q -b topic &&
	printf "name=app\nmode=topic\n" >repo/settings.env &&
	commit_all repo topic &&
	git -C repo checkout -q main &&
	printf "name=app\nmode=main\n" >repo/settings.env &&
	commit_all repo main &&
	test_expect_code 1 git -C repo merge topic >merge.out 2>&1 &&
	printf "name=app\nmode=both\nGROQ_API_KEY=%s\n" "$(genkey groq)" >repo/settings.env &&
	git -C repo add settings.env &&
	git -C repo commit -q --no-edit &&
	m=$(git -C repo rev-parse HEAD) &&
	git -C repo rev-parse -q --verify "$m^2" &&
	history_json repo &&
	echo "settings.env:3:14 groq-api-key $m true" >expect &&
	test_cmp expect actual
'

test_expect_success 'a key merged from a branch: attributed to the branch commit, not the merge' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	git -C repo checkout -q -b topic &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/t.env &&
	commit_all repo "topic key" &&
	c=$(git -C repo rev-parse HEAD) &&
	git -C repo checkout -q main &&
	echo other >repo/other.txt &&
	commit_all repo other &&
	git -C repo merge -q --no-edit topic &&
	git -C repo rev-parse -q --verify "HEAD^2" &&
	history_json repo &&
	echo "t.env:1:14 groq-api-key $c true" >expect &&
	test_cmp expect actual
'

test_expect_success 'a key in a deleted file' '
	git init -q -b main repo &&
	mkdir repo/secrets &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/secrets/old.env &&
	echo hello >repo/README &&
	commit_all repo init &&
	c=$(git -C repo rev-parse HEAD) &&
	git -C repo rm -q secrets/old.env &&
	git -C repo commit -q -m "remove secrets" &&
	history_json repo &&
	echo "secrets/old.env:1:14 groq-api-key $c false" >expect &&
	test_cmp expect actual
'

test_expect_success 'a key in a renamed file: one finding, at the original path, adding commit' '
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/a.env &&
	commit_all repo init &&
	c=$(git -C repo rev-parse HEAD) &&
	mkdir repo/config &&
	git -C repo mv a.env config/b.env &&
	git -C repo commit -q -m rename &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "a.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	gitrepo check out.json &&
	test "$(ksjson get out.json findings.0.commit.id)" = "$c"
'

test_expect_success 'a key in a file renamed and edited in the same commit: still one finding' '
	git init -q -b main repo &&
	{
		for i in 1 2 3 4 5 6 7 8 9
		do
			echo "SETTING_$i=value number $i" || return 1
		done &&
		printf "GROQ_API_KEY=%s\n" "$(genkey groq)"
	} >repo/a.env &&
	commit_all repo init &&
	c=$(git -C repo rev-parse HEAD) &&
	git -C repo mv a.env b.env &&
	echo "SETTING_10=value number 10" >>repo/b.env &&
	commit_all repo "rename and edit" &&
	git -C repo diff -M --name-status HEAD~1 HEAD >diff &&
	test_grep "^R" diff &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "a.env:10:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	gitrepo check out.json &&
	test "$(ksjson get out.json findings.0.commit.id)" = "$c"
'

test_expect_success 'the same key in two files: two findings with the same secret_sha256' '
	git init -q -b main repo &&
	genkey groq >keys &&
	printf "GROQ_API_KEY=%s\n" "$(cat keys)" >repo/a.env &&
	commit_all repo one &&
	c1=$(git -C repo rev-parse HEAD) &&
	mkdir repo/deploy &&
	printf "GROQ_API_KEY=%s\n" "$(cat keys)" >repo/deploy/b.env &&
	commit_all repo two &&
	c2=$(git -C repo rev-parse HEAD) &&
	history_json repo &&
	cat >expect <<-EOF &&
	a.env:1:14 groq-api-key $c1 true
	deploy/b.env:1:14 groq-api-key $c2 true
	EOF
	test_cmp expect actual &&
	ksjson hashes out.json | uniq >hashes &&
	ksjson keyhashes keys >expect &&
	test_cmp expect hashes
'

test_expect_success 'the context keyword on an unchanged line still counts (whole blob scanned)' '
	git init -q -b main repo &&
	printf "# deepseek config\n" >repo/bot.env &&
	commit_all repo "bot config" &&
	printf "# deepseek config\n\nLLM_KEY=%s\n" "$(genkey deepseek)" >repo/bot.env &&
	commit_all repo "bot key" &&
	c=$(git -C repo rev-parse HEAD) &&
	history_json repo &&
	echo "bot.env:3:9 deepseek-api-key $c true" >expect &&
	test_cmp expect actual
'

test_expect_success 'keys in files marked -diff or binary in .gitattributes are found' '
	git init -q -b main repo &&
	printf "*.env -diff\nvendor/** binary\n" >repo/.gitattributes &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/prod.env &&
	mkdir repo/vendor &&
	printf "GITHUB_TOKEN=%s\n" "$(genkey github-pat)" >repo/vendor/creds.txt &&
	commit_all repo init &&
	c=$(git -C repo rev-parse HEAD) &&
	git -C repo show HEAD -- prod.env >show &&
	test_grep "^Binary files" show &&
	history_json repo &&
	cat >expect <<-EOF &&
	prod.env:1:14 groq-api-key $c true
	vendor/creds.txt:1:14 github-pat $c true
	EOF
	test_cmp expect actual
'

test_expect_success 'a file edited in 50 commits keeping its key: exactly one finding' '
	git init -q -b main repo &&
	k=$(genkey groq) &&
	for i in $(seq 1 50)
	do
		printf "GROQ_API_KEY=%s\n# revision %d\n" "$k" "$i" >repo/app.env &&
		commit_all repo "revision $i" || return 1
	done &&
	c=$(git -C repo rev-list --max-parents=0 HEAD) &&
	history_json repo &&
	echo "app.env:1:14 groq-api-key $c true" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json stats.commits)" = 50 &&
	test "$(ksjson get out.json stats.blobs)" = 50
'

test_expect_success 'a key removed and re-added at the same path: one finding, the first commit' '
	git init -q -b main repo &&
	k=$(genkey groq) &&
	printf "GROQ_API_KEY=%s\n" "$k" >repo/app.env &&
	commit_all repo add &&
	c=$(git -C repo rev-parse HEAD) &&
	echo "GROQ_API_KEY=" >repo/app.env &&
	commit_all repo remove &&
	printf "# again\nGROQ_API_KEY=%s\n" "$k" >repo/app.env &&
	commit_all repo "add again" &&
	history_json repo &&
	echo "app.env:1:14 groq-api-key $c true" >expect &&
	test_cmp expect actual
'

test_expect_success 'text output: path:line:col: rule: redacted (commit abbrev)' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	commit_all repo "add config" &&
	c=$(git -C repo rev-parse HEAD) &&
	history_json repo &&
	test_expect_code 1 keysnare history --repo repo >out 2>err &&
	echo "app.env:1:14: groq-api-key: $(ksjson get out.json findings.0.secret) (commit $(echo "$c" | cut -c1-7))" >expect &&
	test_cmp expect out
'

test_expect_success 'a clean history: exit 0, no findings; keys in the work tree only are not history' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/untracked.env &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/staged.env &&
	git -C repo add staged.env &&
	keysnare history --repo repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(ksjson get out.json stats.commits)" = 1 &&
	keysnare history --repo repo >out 2>err &&
	test_must_be_empty out
'

test_expect_success 'run from inside the work tree (a subdirectory) without --repo' '
	git init -q -b main repo &&
	mkdir repo/sub &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	echo x >repo/sub/x.txt &&
	commit_all repo init &&
	c=$(git -C repo rev-parse HEAD) &&
	(cd repo/sub && test_expect_code 1 keysnare history -f json >../../out.json 2>../../err) &&
	gitrepo hist out.json >actual &&
	echo "app.env:1:14 groq-api-key $c true" >expect &&
	test_cmp expect actual
'

test_done
