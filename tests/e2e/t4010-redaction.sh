#!/usr/bin/env bash
test_description='no unredacted key in any output without --no-redact'
. "$(dirname "$0")/lib.sh"

mktree() {
	"$PYTHON" "$E2E_DIR/mktree.py" tree expect keys
}

test_expect_success 'text, json, jsonl, -v and -vv: no key (or > 1/4 of one) on stdout or stderr' '
	mktree &&
	for args in "" "-f json" "-f jsonl" "-v" "-vv" "-v -f json" "-vv -f jsonl" "--color always -v"
	do
		test_expect_code 1 keysnare scan $args tree >out 2>err &&
		test -s out &&
		check_no_leak out keys &&
		check_no_leak err keys || return 1
	done
'

test_expect_success 'each reported secret shows at most a quarter of its key' '
	mktree &&
	test_expect_code 1 keysnare scan -f json tree >out.json 2>err &&
	ksjson redaction out.json keys
'

test_expect_success 'the text report shows the same redacted form as JSON' '
	mktree &&
	(cd tree && test_expect_code 1 keysnare scan -f json . >../out.json 2>/dev/null) &&
	(cd tree && test_expect_code 1 keysnare scan . >../out.txt 2>/dev/null) &&
	n=$(ksjson get out.json findings.#) &&
	i=0 &&
	while [ $i -lt $n ]
	do
		s=$(ksjson get out.json findings.$i.secret) &&
		r=$(ksjson get out.json findings.$i.rule_id) &&
		grep -F -q ": $r: $s" out.txt || { echo "missing $r $s" >&4; return 1; }
		i=$((i + 1))
	done
'

test_expect_success 'two keys on one line: each snippet redacts both' '
	k1=$(genkey openai-legacy) && k2=$(genkey groq) &&
	printf "%s\n%s\n" "$k1" "$k2" >keys &&
	printf "env OPENAI_API_KEY=%s GROQ_API_KEY=%s run\n" "$k1" "$k2" >both.sh &&
	test_expect_code 1 keysnare scan -f jsonl both.sh >out 2>err &&
	test_line_count = 2 out &&
	check_no_leak out keys &&
	test_expect_code 1 keysnare scan -v both.sh >out 2>err &&
	check_no_leak out keys &&
	check_no_leak err keys
'

test_expect_success 'a file of 300 keys, each line also holding the next key: every snippet redacts both' '
	genkey groq 301 >keys &&
	"$PYTHON" -c "
import sys
k = open(\"keys\").read().split()
with open(\"many.env\", \"w\") as f:
    for i in range(300):
        f.write(\"GROQ_API_KEY=%s  # was GROQ_API_KEY=%s\\n\" % (k[i], k[i + 1]))
" &&
	test_expect_code 1 keysnare scan -f json many.env >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 600 &&
	check_no_leak out.json keys
'

test_expect_success 'dropped near-key matches are redacted in -v output' '
	k=$(genkey deepseek) &&
	echo "$k" >keys &&
	printf "note: %s\n" "$k" >a.txt &&
	printf "x = \"%s\"\n" "$(echo "$k" | cut -c1-20)xxxxxxxxxxxxxxxx" >b.txt &&
	test_expect_code 1 keysnare scan -vv . >out 2>err &&
	test_grep "dropped" err &&
	check_no_leak out keys &&
	check_no_leak err keys
'

test_expect_success '--no-redact shows every key in full (text, json, jsonl)' '
	mktree &&
	test_expect_code 1 keysnare scan --no-redact tree >out.txt 2>err &&
	test_expect_code 1 keysnare scan --no-redact -f json tree >out.json 2>err &&
	test_expect_code 1 keysnare scan --no-redact -f jsonl tree >out.jsonl 2>err &&
	test "$(ksjson get out.json redacted)" = false &&
	ksjson keyhashes keys >expect &&
	ksjson secret-hashes out.json >actual &&
	test_cmp expect actual &&
	sed "/^-----BEGIN/,/^-----END/d" keys >oneline &&
	test "$(wc -l <oneline)" -ge 23 &&
	while read -r k
	do
		grep -F -q -- "$k" out.txt &&
		grep -F -q -- "$k" out.jsonl || { echo "not in full: ${k%????????????????}..." >&4; return 1; }
	done <oneline
'

test_expect_success 'redaction of short secrets still hides three quarters' '
	k=$(genkey aws-key-id) &&
	echo "$k" >keys &&
	echo "aws_access_key_id = $k" >creds &&
	test_expect_code 1 keysnare scan -f json creds >out.json 2>err &&
	ksjson redaction out.json keys &&
	s=$(ksjson get out.json findings.0.secret) &&
	test ${#s} -le $((20 / 4 + 3))
'

test_done
