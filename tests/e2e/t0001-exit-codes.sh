#!/usr/bin/env bash
test_description='exit codes: 0 clean, 1 findings, 2 incomplete, 3 usage/config'
. "$(dirname "$0")/lib.sh"

# A rule file with a catastrophic-backtracking pattern (gitleaks #1843).
write_redos_rule() {
	cat >"$1" <<-\EOF
	rules:
	  - id: redos-test
	    name: Catastrophic backtracking test rule
	    pattern: '(a+)+$'
	    keywords: [aa]
	    severity: low
	    remediation: Nothing to revoke; this rule only tests the PCRE2 match limit.
	    examples:
	      - input: 'aaaa'
	        secret: 'aaaa'
	      - input: 'x aaaa'
	        secret: 'aaaa'
	    negative_examples:
	      - 'bbbb'
	      - 'cccc'
	EOF
}

test_expect_success '0: a clean tree' '
	mkdir src &&
	printf "print(\"hello\")\n" >src/main.py &&
	echo "API_KEY=\${API_KEY}" >src/.env &&
	keysnare scan src >out 2>err &&
	test_must_be_empty out
'

test_expect_success '0: no path means the current directory' '
	mkdir w &&
	echo "nothing here" >w/README &&
	(cd w && keysnare scan >../out 2>../err) &&
	test_must_be_empty out &&
	test_grep "1 file scanned" err
'

test_expect_success '1: findings' '
	key=$(genkey github-pat) &&
	echo "GITHUB_TOKEN=$key" >ci.env &&
	test_expect_code 1 keysnare scan . >out 2>err &&
	test_grep "^ci.env:1:14: github-pat: " out
'

test_expect_success '1: findings take precedence over an incomplete scan' '
	write_redos_rule redos.yml &&
	mkdir t &&
	printf "%030d!\n" 0 | tr 0 a >t/victim.txt &&
	echo "DEEPSEEK_API_KEY=$(genkey deepseek)" >t/app.env &&
	test_expect_code 1 keysnare scan --rules redos.yml -f json t >out.json 2>err &&
	test "$(ksjson get out.json incomplete)" = true &&
	test "$(ksjson get out.json findings.#)" = 1
'

test_expect_success '2: a custom rule hitting the PCRE2 match limit makes the scan incomplete' '
	write_redos_rule redos.yml &&
	mkdir t &&
	printf "%030d!\n" 0 | tr 0 a >t/victim.txt &&
	echo "hello" >t/other.txt &&
	test_expect_code 2 timeout 20 "$KEYSNARE" scan --rules redos.yml t >out 2>err &&
	test_must_be_empty out &&
	test_grep "error: .*t/victim.txt.*match limit" err &&
	test_grep "INCOMPLETE" err &&
	test_grep "2 files scanned" err
'

test_expect_success '2: the match-limit error is in the JSON report, naming the file' '
	write_redos_rule redos.yml &&
	mkdir t &&
	printf "%030d!\n" 0 | tr 0 a >t/victim.txt &&
	test_expect_code 2 keysnare scan --rules redos.yml -f json t >out.json 2>err &&
	test "$(ksjson get out.json incomplete)" = true &&
	ksjson errors out.json >errors &&
	test_line_count = 1 errors &&
	test_grep "^t/victim.txt: .*redos-test.*match limit" errors
'

test_expect_success '2: a named path that does not exist' '
	echo clean >here.txt &&
	test_expect_code 2 keysnare scan here.txt missing.txt >out 2>err &&
	test_grep "missing.txt" err
'

test_expect_success 'option parsing: --opt=value, operands before options, -- before a dash name' '
	echo "HF_TOKEN=$(genkey huggingface)" >./-rf.env &&
	test_expect_code 1 keysnare scan --format=json -- -rf.env >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "-rf.env:1:10 huggingface-token" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 keysnare scan ./-rf.env -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	test_expect_code 3 keysnare scan -rf.env 2>err
'

test_expect_success '3: unknown option' '
	test_expect_code 3 keysnare scan --no-such-option . >out 2>err &&
	test_must_be_empty out &&
	test_grep -- "--no-such-option" err
'

test_expect_success '3: unknown short option' '
	test_expect_code 3 keysnare scan -Z . 2>err &&
	test_grep -- "-Z" err
'

test_expect_success '3: unknown command' '
	test_expect_code 3 keysnare frobnicate 2>err &&
	test_grep "frobnicate" err
'

test_expect_success '3: no command' '
	test_expect_code 3 keysnare 2>err &&
	test_grep "usage" err
'

test_expect_success '3: bad --format' '
	echo "DEEPSEEK_API_KEY=$(genkey deepseek)" >a.env &&
	test_expect_code 3 keysnare scan --format xml . >out 2>err &&
	test_must_be_empty out &&
	test_grep "xml" err
'

test_expect_success '3: option missing its value' '
	test_expect_code 3 keysnare scan --format 2>err &&
	test_grep -- "--format" err
'

test_expect_success '3: bad --max-file-size values' '
	for s in 10Q -5 "" abc 0 1.5.5 99999999T
	do
		test_expect_code 3 keysnare scan --max-file-size "$s" . 2>err &&
		test_grep "size" err || return 1
	done
'

test_expect_success 'good --max-file-size values are accepted' '
	echo hello >f &&
	for s in 4096 10k 10K 1M 50MiB 1GiB
	do
		keysnare scan --max-file-size "$s" . >/dev/null 2>&1 || return 1
	done
'

test_expect_success '3: unknown --enable-rule / --disable-rule id' '
	echo "DEEPSEEK_API_KEY=$(genkey deepseek)" >a.env &&
	test_expect_code 3 keysnare scan --enable-rule no-such-rule . >out 2>err &&
	test_must_be_empty out &&
	test_grep "no-such-rule" err &&
	test_expect_code 3 keysnare scan --disable-rule no-such-rule . >out 2>err &&
	test_must_be_empty out &&
	test_grep "no-such-rule" err
'

test_expect_success '3: bad --color value' '
	test_expect_code 3 keysnare scan --color sometimes . 2>err &&
	test_grep "sometimes" err
'

test_expect_success '3: invalid --rules file, with file:line:col in the message' '
	cat >bad.yml <<-\EOF &&
	rules:
	  - id: bad-regex
	    name: Bad regex
	    pattern: "zz([0-9]{8}"
	    keywords: [zz]
	    severity: low
	    remediation: Rotate it.
	    examples:
	      - input: "zz12345678"
	        secret: "zz12345678"
	      - input: "x zz87654321"
	        secret: "zz87654321"
	    negative_examples:
	      - "bbbb"
	      - "cccc"
	EOF
	echo "DEEPSEEK_API_KEY=$(genkey deepseek)" >a.env &&
	test_expect_code 3 keysnare scan --rules bad.yml a.env >out 2>err &&
	test_must_be_empty out &&
	test_grep "bad.yml:4:[0-9]+: " err
'

test_expect_success '3: --rules file that does not exist' '
	test_expect_code 3 keysnare scan --rules nope.yml . 2>err &&
	test_grep "nope.yml" err
'

test_expect_success '3: --rules naming a directory, a FIFO or /dev/zero does not hang' '
	mkdir d &&
	mkfifo fifo.yml &&
	ln -s /dev/zero zero.yml &&
	test_expect_code 3 timeout 10 "$KEYSNARE" scan --rules d . 2>err &&
	test_grep "d" err &&
	test_expect_code 3 timeout 10 "$KEYSNARE" scan --rules fifo.yml . 2>err &&
	test_grep "fifo.yml" err &&
	test_expect_code 3 timeout 10 "$KEYSNARE" scan --rules zero.yml . 2>err &&
	test_grep "zero.yml" err
'

test_done
