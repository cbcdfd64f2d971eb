#!/usr/bin/env bash
test_description='history: keys in commit messages and annotated tag messages'
. "$(dirname "$0")/lib.sh"

gitrepo() { "$PYTHON" "$E2E_DIR/gitrepo.py" "$@"; }

# commit_all REPO MESSAGE: stage everything in REPO's work tree and commit
commit_all() {
	git -C "$1" add -A &&
	git -C "$1" commit -q -m "$2"
}

test_expect_success 'a key in a commit message: path commit-message:<id>, line in the message' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	echo "v2" >>repo/README &&
	git -C repo add README &&
	git -C repo commit -q -m "rotate the groq key" -m "the old one was GROQ_API_KEY=$(genkey groq)" &&
	c=$(git -C repo rev-parse HEAD) &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "commit-message:$c:3:30 groq-api-key" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json findings.0.commit.id)" = "$c" &&
	test "$(ksjson get out.json findings.0.commit.summary)" = "rotate the groq key" &&
	gitrepo check out.json
'

test_expect_success 'a key in the message of a commit on an unmerged branch' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	git -C repo checkout -q -b topic &&
	git -C repo commit -q --allow-empty -m "debug" -m "GITHUB_TOKEN=$(genkey github-pat)" &&
	c=$(git -C repo rev-parse HEAD) &&
	git -C repo checkout -q main &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "commit-message:$c:3:14 github-pat" >expect &&
	test_cmp expect actual
'

test_expect_success 'a key in an annotated tag message: path tag-message:<name>' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	git -C repo tag -a v1.0 -m "release 1.0" -m "deploy with GROQ_API_KEY=$(genkey groq)" &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "tag-message:v1.0:3:26 groq-api-key" >expect &&
	test_cmp expect actual &&
	gitrepo check out.json
'

test_expect_success 'an annotated tag on a commit on no branch: file and tag message both found' '
	git init -q -b main repo &&
	echo hello >repo/README &&
	commit_all repo init &&
	git -C repo checkout -q --detach &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/rel.env &&
	commit_all repo release &&
	c=$(git -C repo rev-parse HEAD) &&
	git -C repo tag -a rel/2024 -m "GITHUB_TOKEN=$(genkey github-pat)" &&
	git -C repo checkout -q main &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	ksjson findings out.json | sort >actual &&
	cat >expect <<-\EOF &&
	rel.env:1:14 groq-api-key
	tag-message:rel/2024:1:14 github-pat
	EOF
	test_cmp expect actual
'

test_expect_success 'the same key in a message and a file: two findings, one secret_sha256' '
	git init -q -b main repo &&
	genkey groq >keys &&
	printf "GROQ_API_KEY=%s\n" "$(cat keys)" >repo/app.env &&
	git -C repo add app.env &&
	git -C repo commit -q -m "add config" -m "GROQ_API_KEY=$(cat keys)" &&
	c=$(git -C repo rev-parse HEAD) &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	ksjson findings out.json | sort >actual &&
	cat >expect <<-EOF &&
	app.env:1:14 groq-api-key
	commit-message:$c:3:14 groq-api-key
	EOF
	test_cmp expect actual &&
	ksjson hashes out.json | uniq >hashes &&
	ksjson keyhashes keys >expect &&
	test_cmp expect hashes
'

test_expect_success 'text output of a commit-message finding' '
	git init -q -b main repo &&
	git -C repo commit -q --allow-empty -m "init" -m "GROQ_API_KEY=$(genkey groq)" &&
	c=$(git -C repo rev-parse HEAD) &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	test_expect_code 1 keysnare history --repo repo >out 2>err &&
	echo "commit-message:$c:3:14: groq-api-key: $(ksjson get out.json findings.0.secret) (commit $(echo "$c" | cut -c1-7))" >expect &&
	test_cmp expect out
'

test_expect_success 'no key leaks through messages: snippets and commit.summary are redacted' '
	git init -q -b main repo &&
	k1=$(genkey groq) && k2=$(genkey github-pat) && k3=$(genkey gitlab) &&
	printf "%s\n" "$k1" "$k2" "$k3" >keys &&
	printf "GROQ_API_KEY=%s\n" "$k1" >repo/app.env &&
	git -C repo add app.env &&
	git -C repo commit -q -m "GITHUB_TOKEN=$k2 oops" &&
	git -C repo tag -a v1 -m "GITLAB_TOKEN=$k3" &&
	for args in "" "-f json" "-f jsonl" "-v" "--all-occurrences -f json"
	do
		test_expect_code 1 keysnare history --repo repo $args >out 2>err &&
		test -s out &&
		check_no_leak out keys &&
		check_no_leak err keys || return 1
	done &&
	test_expect_code 1 keysnare history --repo repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 3 &&
	ksjson redaction out.json keys
'

test_expect_success 'messages outside the revision range are not scanned' '
	git init -q -b main repo &&
	git -C repo commit -q --allow-empty -m "init" -m "GROQ_API_KEY=$(genkey groq)" &&
	git -C repo tag base &&
	git -C repo commit -q --allow-empty -m "next" -m "GITHUB_TOKEN=$(genkey github-pat)" &&
	c=$(git -C repo rev-parse HEAD) &&
	test_expect_code 1 keysnare history --repo repo -f json base..HEAD >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "commit-message:$c:3:14 github-pat" >expect &&
	test_cmp expect actual
'

test_done
