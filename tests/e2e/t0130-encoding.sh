#!/usr/bin/env bash
test_description='invalid UTF-8 in content and file names; output stays valid UTF-8'
. "$(dirname "$0")/lib.sh"

valid_utf8() {
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null &&
	ksjson utf8 "$1"
}

test_expect_success 'invalid UTF-8 (\xff\xfe, overlong \xc0\x80, surrogate \xed\xa0\x80) around a key' '
	k=$(genkey groq) &&
	printf "pre \377\376 GROQ_API_KEY=%s \300\200 \355\240\200 end\n" "$k" >bad.env &&
	test_expect_code 1 keysnare scan -f json bad.env >out.json 2>err &&
	valid_utf8 out.json &&
	ksjson findings out.json >actual &&
	echo "bad.env:1:21 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'invalid bytes directly against the key, before and after' '
	k=$(genkey github-pat) && k2=$(genkey deepseek) &&
	printf "\377%s\376\n\300\200deepseek=%s\355\240\200\n" "$k" "$k2" >tight.txt &&
	test_expect_code 1 keysnare scan -f json tight.txt >out.json 2>err &&
	valid_utf8 out.json &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	tight.txt:1:2 github-pat
	tight.txt:2:12 deepseek-api-key
	EOF
	test_cmp expect actual
'

test_expect_success 'columns count bytes: multi-byte UTF-8 before the key' '
	k=$(genkey openrouter) &&
	printf "# 🔑 clé d’API — ne pas committer\nπ = \"%s\" # ✓\n" "$k" >utf8.py &&
	test_expect_code 1 keysnare scan -f json utf8.py >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "utf8.py:2:7 openrouter-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'text, json and jsonl outputs (and -v) are valid UTF-8 with bad bytes in the snippet' '
	k=$(genkey perplexity) &&
	printf "\377\376x PPLX=%s \300\200\n" "$k" >a.txt &&
	printf "\355\240\200 token = sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx \377\n" >b.txt &&
	for f in text json jsonl
	do
		test_expect_code 1 keysnare scan -v -f $f . >out.$f 2>err.$f &&
		valid_utf8 out.$f &&
		valid_utf8 err.$f || return 1
	done &&
	test_grep "a.txt" out.jsonl
'

test_expect_success 'a NUL after the first 8000 bytes does not make a file binary' '
	k=$(genkey xai) &&
	{ head -c 9000 /dev/zero | tr "\0" "a" && printf "\nXAI_API_KEY=%s\n\0tail\n" "$k"; } >late-nul.txt &&
	test_expect_code 1 keysnare scan -f json late-nul.txt >out.json 2>err &&
	valid_utf8 out.json &&
	ksjson findings out.json >actual &&
	echo "late-nul.txt:2:13 xai-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'file names with invalid UTF-8, newline, tab, RTL override, $(...), leading -' '
	mkdir t &&
	for n in "bad$(printf "\377")name.env" "new${LF}line.env" "tab$(printf "\t").env" \
		"rtl$(printf "\342\200\256")vne.txt" "\$(whoami).env" "-rf.env" "lit\\xFFeral.env" \
		"sp ace.env" "ünï.env"
	do
		printf "GITLAB_TOKEN=%s\n" "$(genkey gitlab)" >"t/$n" || return 1
	done &&
	test_expect_code 1 keysnare scan -f json t >out.json 2>err &&
	valid_utf8 out.json &&
	test "$(ksjson get out.json findings.#)" = 9 &&
	ksjson pathhex out.json >actual &&
	ksjson lshex t | sed "s/^/742f/" >expect &&
	test_cmp expect actual
'

test_expect_success 'odd file names: jsonl valid UTF-8; text output one line per finding' '
	mkdir t &&
	printf "GITLAB_TOKEN=%s\n" "$(genkey gitlab)" >"t/new${LF}line$(printf "\377").env" &&
	printf "GITLAB_TOKEN=%s\n" "$(genkey gitlab)" >"t/rtl$(printf "\342\200\256")vne.txt" &&
	test_expect_code 1 keysnare scan -f jsonl t >out.jsonl 2>err &&
	valid_utf8 out.jsonl &&
	test_line_count = 2 out.jsonl &&
	test_expect_code 1 keysnare scan t >out.txt 2>err &&
	valid_utf8 out.txt &&
	test_line_count = 2 out.txt &&
	! grep -q "$(printf "\342\200\256")" out.txt
'

test_expect_success 'skipped and error paths with bad bytes are valid UTF-8 too' '
	mkdir t &&
	printf "\0binary" >"t/bin$(printf "\377").dat" &&
	ln -s nowhere "t/link$(printf "\376")" &&
	test_expect_code 0 keysnare scan -v -f json t >out.json 2>err &&
	valid_utf8 out.json &&
	valid_utf8 err &&
	ksjson skipped out.json >actual &&
	cat >expect <<-\EOF &&
	binary t/bin\xff.dat
	symlink t/link\xfe
	EOF
	test_cmp expect actual
'

test_done
