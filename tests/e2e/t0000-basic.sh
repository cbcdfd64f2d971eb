#!/usr/bin/env bash
test_description='harness self-checks; version and help commands'
. "$(dirname "$0")/lib.sh"

test_expect_success 'harness: each test runs in a fresh empty directory' '
	test -z "$(ls -A)" &&
	echo here >marker &&
	test_path_is_file marker
'

test_expect_success 'harness: the previous test left nothing behind' '
	test -z "$(ls -A)"
'

test_expect_success 'harness: test_expect_code and test_cmp' '
	test_expect_code 3 sh -c "exit 3" &&
	! test_expect_code 3 sh -c "exit 0" 2>/dev/null &&
	echo a >x && echo a >y && test_cmp x y &&
	echo b >y && ! test_cmp x y 2>/dev/null
'

test_expect_code 3 'harness: top-level test_expect_code checks the body status' '
	(exit 3)
'

test_expect_code 1 'harness: "|| return 1" in a loop fails the test' '
	for i in 1 2
	do
		false || return 1
	done &&
	echo not reached
'

test_expect_success 'harness: test_when_finished runs after the body' '
	test_when_finished "rm -f ../cleanup-marker" &&
	: >../cleanup-marker &&
	test_path_is_file ../cleanup-marker
'

test_expect_success 'harness: ... and it did' '
	test_path_is_missing ../cleanup-marker
'

test_expect_success 'harness: keygen draws fresh random keys for every family' '
	genkey --list >families &&
	test_line_count -ge 24 families &&
	while read -r fam
	do
		genkey "$fam" >a && genkey "$fam" >b &&
		test -s a && ! cmp -s a b || return 1
	done <families
'

test_expect_success 'harness: keygen follows the documented provider shapes' '
	genkey deepseek 20 | grep -Ec "^sk-[0-9a-f]{32}$" >n && echo 20 >expect && test_cmp expect n &&
	genkey anthropic 5 | grep -Ec "^sk-ant-api03-[A-Za-z0-9_-]{93}AA$" >n && echo 5 >expect && test_cmp expect n &&
	genkey aws-key-id 5 | grep -Ec "^AKIA[A-Z2-7]{16}$" >n && test_cmp expect n &&
	genkey huggingface 5 | grep -Ec "^hf_[A-Za-z]{34}$" >n && test_cmp expect n &&
	genkey openai-project 5 | grep -Ec "^sk-proj-[A-Za-z0-9_-]{74}T3BlbkFJ[A-Za-z0-9_-]{74}$" >n && test_cmp expect n
'

test_expect_success 'version prints the version and exits 0' '
	keysnare version >out &&
	test_grep "^keysnare [0-9]+\.[0-9]+\.[0-9]+" out &&
	keysnare --version >out2 &&
	test_cmp out out2
'

test_expect_success 'help, help scan, help rules, scan -h, scan --help exit 0' '
	keysnare help >help &&
	test_grep "^usage: keysnare" help &&
	test_grep "scan" help &&
	keysnare help scan >hs &&
	test_grep "^usage: keysnare scan" hs &&
	test_grep -- "--format" hs &&
	keysnare scan -h >h1 &&
	keysnare scan --help >h2 &&
	test_cmp hs h1 &&
	test_cmp hs h2 &&
	keysnare help rules >hr &&
	test_grep "rules list" hr &&
	keysnare --help >h3 &&
	test_cmp help h3
'

test_expect_success 'help documents the exit codes' '
	keysnare help >help &&
	test_grep "0 clean" help &&
	test_grep "1 findings" help &&
	test_grep "2 incomplete" help &&
	test_grep "3 usage" help
'

test_expect_success 'help for an unknown command exits 3' '
	test_expect_code 3 keysnare help nope 2>err &&
	test_grep "nope" err
'

test_done
