#!/usr/bin/env bash
test_description='.gitignore inside a git work tree; --no-ignore; .git not scanned'
. "$(dirname "$0")/lib.sh"

# make_repo: a work tree with ignored and not ignored files holding keys
make_repo() {
	git init -q repo &&
	cat >repo/.gitignore <<-\EOF &&
	*.local.env
	build/
	!keep.local.env
	EOF
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/dev.local.env &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/keep.local.env &&
	mkdir repo/build &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/build/bundle.js
}

test_expect_success 'ignored files are not scanned and are listed as ignored' '
	make_repo &&
	test_expect_code 1 keysnare scan -f json repo >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	repo/app.env:1:14 groq-api-key
	repo/keep.local.env:1:14 groq-api-key
	EOF
	test_cmp expect actual &&
	ksjson skipped out.json >actual &&
	cat >expect <<-\EOF &&
	ignored repo/build
	ignored repo/dev.local.env
	EOF
	test_cmp expect actual
'

test_expect_success 'the same from inside the work tree (scan .)' '
	make_repo &&
	(cd repo && test_expect_code 1 keysnare scan -f json >../out.json 2>../err) &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	app.env:1:14 groq-api-key
	keep.local.env:1:14 groq-api-key
	EOF
	test_cmp expect actual
'

test_expect_success '--no-ignore scans ignored files' '
	make_repo &&
	test_expect_code 1 keysnare scan --no-ignore -f json repo >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	repo/app.env:1:14 groq-api-key
	repo/build/bundle.js:1:14 groq-api-key
	repo/dev.local.env:1:14 groq-api-key
	repo/keep.local.env:1:14 groq-api-key
	EOF
	test_cmp expect actual &&
	test "$(ksjson get out.json stats.skipped.#)" = 0
'

test_expect_success 'a tracked file that matches .gitignore is still scanned' '
	make_repo &&
	git -C repo add -f dev.local.env build/bundle.js &&
	test_expect_code 1 keysnare scan -f json repo >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	repo/app.env:1:14 groq-api-key
	repo/build/bundle.js:1:14 groq-api-key
	repo/dev.local.env:1:14 groq-api-key
	repo/keep.local.env:1:14 groq-api-key
	EOF
	test_cmp expect actual
'

test_expect_success 'an ignored file named on the command line is scanned' '
	make_repo &&
	test_expect_code 1 keysnare scan -f json repo/dev.local.env >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "repo/dev.local.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'an ignored directory named on the command line is scanned' '
	make_repo &&
	test_expect_code 1 keysnare scan -f json repo/build >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "repo/build/bundle.js:1:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'scanning . inside an ignored directory scans it' '
	make_repo &&
	(cd repo/build && test_expect_code 1 keysnare scan -f json >../../out.json 2>../../err) &&
	ksjson findings out.json >actual &&
	echo "bundle.js:1:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success '.git/info/exclude and nested .gitignore files are honoured' '
	make_repo &&
	echo "notes.txt" >repo/.git/info/exclude &&
	mkdir repo/sub &&
	echo "*.secret" >repo/sub/.gitignore &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/notes.txt &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/sub/db.secret &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/db.secret &&
	test_expect_code 1 keysnare scan -f json repo >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	repo/app.env:1:14 groq-api-key
	repo/db.secret:1:14 groq-api-key
	repo/keep.local.env:1:14 groq-api-key
	EOF
	test_cmp expect actual &&
	ksjson skipped out.json >actual &&
	cat >expect <<-\EOF &&
	ignored repo/build
	ignored repo/dev.local.env
	ignored repo/notes.txt
	ignored repo/sub/db.secret
	EOF
	test_cmp expect actual
'

test_expect_success 'scanning a subdirectory honours the top-level .gitignore' '
	make_repo &&
	mkdir repo/src &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/src/a.local.env &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/src/b.env &&
	test_expect_code 1 keysnare scan -f json repo/src >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "repo/src/b.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	(cd repo/src && test_expect_code 1 keysnare scan -f json . >../../out.json 2>../../err) &&
	ksjson findings out.json >actual &&
	echo "b.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'the .git directory is never scanned' '
	make_repo &&
	git -C repo config remote.origin.url "https://ci:$(genkey github-pat)@github.com/acme/app.git" &&
	printf "#!/bin/sh\nexport GITHUB_TOKEN=%s\n" "$(genkey github-pat)" >repo/.git/hooks/pre-push &&
	printf "GITHUB_TOKEN=%s\n" "$(genkey github-pat)" >repo/.git/COMMIT_EDITMSG &&
	test_expect_code 1 keysnare scan -f json repo >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	repo/app.env:1:14 groq-api-key
	repo/keep.local.env:1:14 groq-api-key
	EOF
	test_cmp expect actual &&
	test_expect_code 1 keysnare scan --no-ignore -f json repo >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_grep -v "\.git/" actual
'

test_expect_success 'committed files are scanned like any other' '
	make_repo &&
	git -C repo add app.env .gitignore &&
	git -C repo commit -q -m init &&
	test_expect_code 1 keysnare scan -f json repo >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	repo/app.env:1:14 groq-api-key
	repo/keep.local.env:1:14 groq-api-key
	EOF
	test_cmp expect actual
'

test_done
