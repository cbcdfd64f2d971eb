#!/usr/bin/env bash
test_description='hostile content: ReDoS, near-miss runs for every rule, huge and odd files'
. "$(dirname "$0")/lib.sh"

# write_rule FILE ID PATTERN: a custom rule with keyword "aa"
write_rule() {
	cat >"$1" <<-EOF
	rules:
	  - id: $2
	    name: Backtracking test rule
	    pattern: '$3'
	    keywords: [aa]
	    severity: low
	    remediation: Nothing to revoke; this rule only tests the PCRE2 limits.
	    examples:
	      - input: 'aa=1'
	        secret: 'aa=1'
	      - input: 'x aab=2'
	        secret: 'aab=2'
	    negative_examples:
	      - 'bbbb'
	      - 'cccc'
	EOF
}

# spawn_with_env VAR=VALUE: a background sleep with only that environment;
# its pid in ./pid
spawn_with_env() {
	env -i "$1" sleep 60 </dev/null >/dev/null 2>&1 &
	echo $! >pid
}

test_expect_success 'polynomial ReDoS ([a-z]*[a-z]*[a-z]*=[0-9], 1500-byte line): bounded, reported, exit 2' '
	write_rule poly.yml poly-test "[a-z]*[a-z]*[a-z]*=[0-9]" &&
	{ head -c 1500 /dev/zero | tr "\0" a && echo "=x"; } >victim.txt &&
	test_expect_code 2 timeout 20 "$KEYSNARE" scan --rules poly.yml -f json victim.txt >out.json 2>err &&
	test "$(ksjson get out.json incomplete)" = true &&
	test_grep "victim.txt.*poly-test.*limit" err
'

test_expect_success 'the match-limit error does not stop other files or other rules' '
	write_rule poly.yml poly-test "[a-z]*[a-z]*[a-z]*=[0-9]" &&
	mkdir t &&
	{ head -c 1500 /dev/zero | tr "\0" a && echo "=x" && echo "GROQ_API_KEY=$(genkey groq)"; } >t/victim.txt &&
	echo "HF_TOKEN=$(genkey huggingface)" >t/z.env &&
	test_expect_code 1 timeout 20 "$KEYSNARE" scan --rules poly.yml -f json t >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	t/victim.txt:2:14 groq-api-key
	t/z.env:1:10 huggingface-token
	EOF
	test_cmp expect actual &&
	test "$(ksjson get out.json incomplete)" = true
'

test_expect_success 'every shipped rule: keyword + 64 KiB near-miss runs, no limit hit, bounded time' '
	keysnare rules list | sed "\$d" | awk "{print \$1, \$NF}" >rules &&
	"$PYTHON" - <<-\EOF &&
	import os, random, string
	rng = random.Random(os.urandom(16))
	alnum = string.ascii_letters + string.digits
	classes = {"alnum": alnum, "hex": "0123456789abcdef", "b64url": alnum + "_-",
	           "b64": alnum + "+/=", "digits": string.digits}
	os.mkdir("t")
	for line in open("rules"):
	    rid, kws = line.split()
	    for kw in kws.split(","):
	        for name, cls in classes.items():
	            run = "".join(rng.choices(cls, k=65536))
	            with open("t/%s.%s.%s.txt" % (rid, kw.replace("/", "_"), name), "w") as f:
	                f.write(kw + run + "\n" + "api_key = " + kw + run[:4096] + "\n")
	EOF
	test "$(ls t | wc -l)" -ge 200 &&
	test_expect_code_in "0 1" timeout 120 "$KEYSNARE" scan -f json t >out.json 2>err &&
	test "$(ksjson get out.json incomplete)" = false &&
	test "$(ksjson get out.json stats.errors.#)" = 0
'

test_expect_success 'a long run of a key alphabet after a real key prefix is not a key' '
	{ printf "sk-" && head -c 100000 /dev/urandom | od -An -tx1 | tr -d " \n" | head -c 100000 && echo; } >hexrun.txt &&
	{ printf "ghp_" && head -c 300000 /dev/urandom | base64 -w0 | tr -d "+/=" | head -c 100000 && echo; } >alnumrun.txt &&
	keysnare scan -f json hexrun.txt alnumrun.txt >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'empty, one-byte and newline-only files' '
	: >empty && printf x >one && printf "\n\n\n" >nl && printf "\r" >cr &&
	keysnare scan -f json empty one nl cr >out.json 2>err &&
	test "$(ksjson get out.json stats.files_scanned)" = 4 &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'a 2 GiB sparse file is skipped and listed, quickly' '
	truncate -s 2G sparse.img &&
	echo "HF_TOKEN=$(genkey huggingface)" >k.env &&
	test_expect_code 1 timeout 20 "$KEYSNARE" scan -f json sparse.img k.env >out.json 2>err &&
	ksjson skipped out.json >actual &&
	echo "size sparse.img" >expect &&
	test_cmp expect actual
'

test_expect_success 'UTF-16 files with a key are found or listed, never silently passed' '
	k=$(genkey github-pat) &&
	printf "\377\376" >le-bom.txt &&
	printf "GITHUB_TOKEN=%s\n" "$k" | iconv -f UTF-8 -t UTF-16LE >>le-bom.txt &&
	printf "\376\377" >be-bom.txt &&
	printf "GITHUB_TOKEN=%s\n" "$k" | iconv -f UTF-8 -t UTF-16BE >>be-bom.txt &&
	printf "GITHUB_TOKEN=%s\n" "$k" | iconv -f UTF-8 -t UTF-16LE >le.txt &&
	test_expect_code_in "0 1 2" keysnare scan -f json le-bom.txt be-bom.txt le.txt >out.json 2>err &&
	ksjson findings out.json | cut -d: -f1 >seen &&
	ksjson skipped out.json | cut -d" " -f2 >>seen &&
	sort -u seen >actual &&
	printf "be-bom.txt\nle-bom.txt\nle.txt\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a size-0 /proc file is read to EOF (--scan-binary on /proc/PID/environ)' '
	k=$(genkey groq) &&
	spawn_with_env "GROQ_API_KEY=$k" &&
	pid=$(cat pid) &&
	test_when_finished "kill $pid" &&
	test "$(stat -c %s /proc/$pid/environ)" = 0 &&
	test_expect_code 1 keysnare scan --scan-binary -f json /proc/$pid/environ >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "/proc/$pid/environ:1:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_done
