#!/usr/bin/env bash
test_description='--verify safety: no redirects, TLS checked, timeouts and size limits, keys never leaked (outputs, -vv, the URL), the test override is loopback-only, config cannot add endpoints, ambiguous keys not sent, the special-address gate, no network without --verify, the budget, no core dumps'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"
. "$E2E_DIR/verify-lib.sh"

# mock_start puts .mock/ and .cache/ into the test directory: the scans
# read src/ (or a repository), never ".". Keys are made at test time
# (newkey appends each one to ./keys); every test that runs the mock ends
# with log_clean: no planted key in the raw path/query the mock logged
# (keys go in headers only).

command -v curl >/dev/null || test_skip_all "curl is not installed"
command -v openssl >/dev/null || test_skip_all "openssl is not installed"
command -v git >/dev/null || test_skip_all "git is not installed"

ks_in() {  # ks_in DIR ARGS...: keysnare ARGS run in DIR
	(cd "$1" && shift && exec "$KEYSNARE" "$@")
}

log_clean() {
	check_no_leak "$MOCK_LOG" keys &&
	check_no_leak "$MOCK_DIR/stderr" keys
}

# elapsed START: seconds since START (date +%s.%N), as a decimal
elapsed() {
	echo "$(date +%s.%N) - $1" | bc -l 2>/dev/null ||
	"$PYTHON" -c "import sys, time; print(time.time() - float(sys.argv[1]))" "$1"
}

# lt A B: A < B (decimals)
lt() {
	"$PYTHON" -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$1" "$2"
}

# is_asan: the binary is built with AddressSanitizer (it handles SIGSEGV
# itself, so the core dump tests say nothing about keysnare)
is_asan() {
	nm -a "$KEYSNARE" 2>/dev/null | grep -q __asan_init ||
	ldd "$KEYSNARE" 2>/dev/null | grep -q libasan ||
	grep -q -a __asan_init "$KEYSNARE"
}

test_expect_success 'redirect: unknown (HTTP 302, not followed), nothing reaches evil.example.net' '
	mock_start &&
	mkdir src &&
	k=$(newkey huggingface) &&
	mock_scenario "$k" redirect &&
	printf "HF_TOKEN=%s\n" "$k" >src/a.env &&
	test_expect_code 1 timeout 60 "$KEYSNARE" scan --verify -f json src >out.json 2>err &&
	test "$(vget out.json 0 state)" = unknown &&
	vget out.json 0 reason >reason &&
	test_grep -i "302|redirect" reason &&
	test "$(mock_count "key=$k" host=huggingface.co status=302)" = 1 &&
	test "$(mock_count host=evil.example.net)" = 0 &&
	test "$(mock_count)" = 1 &&
	test_grep -v "evil" out.json &&
	log_clean
'

test_expect_success 'TLS: a certificate for another name -> unknown "TLS failed with ...", never live, no request' '
	mock_start --wrongname &&
	mkdir src &&
	k=$(newkey deepseek) &&
	mock_scenario "$k" success &&
	printf "DEEPSEEK_API_KEY=%s\n" "$k" >src/a.env &&
	test_expect_code 1 timeout 60 "$KEYSNARE" scan --verify -f json src >out.json 2>err &&
	test "$(vget out.json 0 state)" = unknown &&
	vget out.json 0 reason >reason &&
	test_grep "^TLS failed with" reason &&
	test "$(mock_count)" = 0 &&
	log_clean
'

test_expect_success 'TLS: a CA keysnare does not trust (KEYSNARE_VERIFY_TEST_CA unset) -> unknown TLS, no request' '
	mock_start &&
	mkdir src &&
	k=$(newkey groq) &&
	mock_scenario "$k" success &&
	printf "GROQ_API_KEY=%s\n" "$k" >src/a.env &&
	test_expect_code 1 timeout 60 env -u KEYSNARE_VERIFY_TEST_CA "$KEYSNARE" scan --verify -f json src >out.json 2>err &&
	test "$(vget out.json 0 state)" = unknown &&
	vget out.json 0 reason >reason &&
	test_grep "^TLS failed with" reason &&
	test "$(mock_count)" = 0 &&
	log_clean
'

test_expect_success 'slow answer (10 s) with --verify-timeout 2: unknown "timed out", and the run does not wait for it' '
	mock_start &&
	mkdir src &&
	k=$(newkey openrouter) &&
	mock_scenario "$k" slow &&
	printf "OPENROUTER_API_KEY=%s\n" "$k" >src/a.env &&
	start=$(date +%s.%N) &&
	test_expect_code 1 timeout 60 "$KEYSNARE" scan --verify --verify-timeout 2 -f json src >out.json 2>err &&
	took=$(elapsed "$start") &&
	echo "took $took s" >&4 &&
	lt "$took" 5 &&
	test "$(vget out.json 0 state)" = unknown &&
	vget out.json 0 reason >reason &&
	test_grep "^timed out" reason &&
	test "$(mock_count "key=$k" scenario=slow)" = 1 &&
	log_clean
'

test_expect_success 'huge answer: unknown "response over 64 KiB", the download stops' '
	mock_start &&
	mkdir src &&
	k=$(newkey openai-project) &&
	mock_scenario "$k" huge &&
	printf "OPENAI_API_KEY=%s\n" "$k" >src/a.env &&
	test_expect_code 1 timeout 60 "$KEYSNARE" scan --verify -f json src >out.json 2>err &&
	test "$(vget out.json 0 state)" = unknown &&
	vget out.json 0 reason >reason &&
	test_grep "response over 64 KiB" reason &&
	test "$(mock_count "key=$k")" = 1 &&
	kill -0 "$MOCK_PID" &&
	log_clean
'

test_expect_success 'a key echoed in the answer (invalid) never shows: -vv, every format, -o files; nor its base64' '
	mock_start &&
	for fam in deepseek openai-project xai
	do
		rm -rf src && mkdir src &&
		k=$(newkey $fam) &&
		case $fam in
		deepseek) printf "DEEPSEEK_API_KEY=%s\n" "$k" ;;
		*) printf "API=%s\n" "$k" ;;
		esac >src/a.env &&
		printf "%s" "$k" | base64 -w0 >b64 &&
		for f in text json jsonl sarif github gitlab junit
		do
			test_expect_code 1 keysnare scan --verify --no-verify-cache -vv -f $f src >out.$fam.$f 2>err.$fam.$f &&
			check_no_leak out.$fam.$f keys &&
			check_no_leak err.$fam.$f keys &&
			test_grep -v -F "$(cat b64)" out.$fam.$f &&
			test_grep -v -F "$(cat b64)" err.$fam.$f || return 1
		done &&
		test_grep "keysnare: verify: .* invalid" err.$fam.text &&
		test_expect_code 1 keysnare scan --verify --no-verify-cache -vv -f json -o report.$fam.json src 2>err.o &&
		check_no_leak report.$fam.json keys &&
		check_no_leak err.o keys &&
		test "$(vget report.$fam.json 0 state)" = invalid &&
		test "$(mock_count "key=$k" scenario=invalid)" = 8 || return 1
	done &&
	grep -h "answered" err.*.text >answered &&
	test_line_count = 3 answered &&
	log_clean
'

test_expect_success 'KEYSNARE_VERIFY_TEST_CONNECT not a loopback ADDRESS:PORT -> exit 3 "must be a loopback", nothing sent' '
	mkdir src &&
	printf "DEEPSEEK_API_KEY=%s\n" "$(newkey deepseek)" >src/a.env &&
	for v in 10.0.0.1:443 8.8.8.8:443 192.168.1.1:8443 0.0.0.0:443 "[2001:db8::1]:443" \
		foo 127.0.0.1 127.0.0.1: 127.0.0.1:abc 127.0.0.1:65536 "127.0.0.1:443 x" \
		"10.0.0.1:443,127.0.0.1:443" "http://127.0.0.1:443"
	do
		test_expect_code 3 env KEYSNARE_VERIFY_TEST_CONNECT="$v" timeout 60 "$KEYSNARE" scan --verify src >out 2>err &&
		test_must_be_empty out &&
		test_grep "must be a loopback" err &&
		check_no_leak err keys || {
			echo "value: $v" >&4
			return 1
		}
	done &&
	if strace -f -qq -e trace=connect -o /dev/null true 2>/dev/null
	then
		test_expect_code 3 env KEYSNARE_VERIFY_TEST_CONNECT=10.0.0.1:443 ASAN_OPTIONS=detect_leaks=0 \
			strace -f -qq -e trace=connect -o trace "$KEYSNARE" scan --verify src >out 2>err &&
		test_grep -v "AF_INET" trace
	else
		echo "skipped the strace part: strace cannot trace here" >&4
	fi
'

test_expect_success 'a .keysnare.yml "verify:" key is ignored with a warning; the request still goes to the compiled-in route' '
	mock_start &&
	mkdir src &&
	k=$(newkey deepseek) &&
	mock_scenario "$k" success &&
	printf "DEEPSEEK_API_KEY=%s\n" "$k" >src/a.env &&
	cat >src/.keysnare.yml <<-EOF &&
	verify: {endpoint: "https://127.0.0.1:$MOCK_PORT/steal", host: evil.example.net, headers: {X-Leak: "1"}}
	EOF
	test_expect_code 1 ks_in src scan --verify -f json >out.json 2>err &&
	test_grep "\.keysnare\.yml:1:1: .verify. is ignored: verification endpoints, hosts and headers are compiled into keysnare" err &&
	test "$(vget out.json 0 state)" = live &&
	test "$(mock_count)" = 1 &&
	test "$(mock_count "key=$k" host=api.deepseek.com path=/user/balance method=GET)" = 1 &&
	test "$(mock_count host=evil.example.net)" = 0 &&
	mock_field headers >hdrs &&
	test_grep -v -i "x-leak" hdrs &&
	log_clean
'

test_expect_success 'extra_rules with "verify: deepseek": warning "only built-in rules are verified", the token is not sent' '
	mock_start &&
	mkdir src &&
	t=$(newkey acme) &&
	mock_scenario "$t" success &&
	printf "ACME_TOKEN=%s\n" "$t" >src/a.env &&
	cat >src/.keysnare.yml <<-\EOF &&
	extra_rules:
	  - id: acme-token
	    name: ACME token
	    description: ACME internal API token.
	    pattern: '"'"'\b(acme_[a-z0-9]{32})\b'"'"'
	    keywords: [acme_]
	    secret_group: 1
	    min_entropy: 3.0
	    severity: high
	    verify: deepseek
	    remediation: Rotate it in the ACME console; keep it in a secret manager.
	    examples:
	      - input: '"'"'ACME_TOKEN={{secret}}'"'"'
	        secret: '"'"'acme_{{lalnum:32}}'"'"'
	      - input: '"'"'token: "{{secret}}"'"'"'
	        secret: '"'"'acme_{{lalnum:32}}'"'"'
	    negative_examples:
	      - '"'"'ACME_TOKEN=acme_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'"'"'
	      - '"'"'ACME_TOKEN=${ACME_TOKEN}'"'"'
	EOF
	test_expect_code 1 ks_in src scan --verify -f json >out.json 2>err &&
	test_grep "rule .acme-token. \(.*\) asks for verification; only built-in rules are verified" err &&
	test "$(ksjson get out.json findings.0.rule_id)" = acme-token &&
	test "$(mock_count)" = 0 &&
	test "$(mock_dropped)" = 0 &&
	"$PYTHON" -c "
import json
f = json.load(open(\"out.json\"))[\"findings\"][0]
assert \"verification\" not in f or f[\"verification\"][\"state\"] not in (\"live\", \"invalid\"), f
" &&
	log_clean
'

test_expect_success 'sk- + 32 hex without "deepseek" near it (llm-sk-hex32-key) is never sent; with deepseek context it goes to api.deepseek.com' '
	mock_start &&
	mkdir a b c &&
	k1=$(newkey deepseek) && k2=$(newkey deepseek) && k3=$(newkey deepseek) &&
	mock_scenario "$k1" success &&
	mock_scenario "$k2" success &&
	mock_scenario "$k3" success &&
	printf "OPENAI_KEY=%s\n" "$k1" >a/a.env &&
	printf "%s\n" "$k2" >a/bare.txt &&
	test_expect_code 1 keysnare scan --verify -f json a >out.json 2>err &&
	test "$(ksjson get out.json findings.0.rule_id)" = llm-sk-hex32-key &&
	test "$(ksjson get out.json findings.1.rule_id)" = llm-sk-hex32-key &&
	test "$(mock_count)" = 0 &&
	test_expect_code 3 keysnare verify --key <a/bare.txt >vout 2>verr &&
	test_grep -e "--rule" verr &&
	test_grep "nothing sent" verr &&
	test "$(mock_count)" = 0 &&
	printf "# talks to api.deepseek.com\nLLM_API_KEY=%s\n" "$k3" >c/c.env &&
	test_expect_code 1 keysnare scan --verify -f json c >out.json 2>err &&
	test "$(ksjson get out.json findings.0.rule_id)" = deepseek-api-key &&
	test "$(vget out.json 0 state)" = live &&
	test "$(mock_count)" = 1 &&
	test "$(mock_count "key=$k3" host=api.deepseek.com)" = 1 &&
	log_clean
'

test_expect_success 'without the test override, a provider host resolving to a special address is refused (unshare + /etc/hosts)' '
	mock_start &&
	if ! unshare -m true 2>/dev/null
	then
		echo "skipped: unshare -m is not possible here (not root?)" >&4
	else
		mkdir src &&
		k=$(newkey deepseek) &&
		mock_scenario "$k" success &&
		printf "DEEPSEEK_API_KEY=%s\n" "$k" >src/a.env &&
		for addr in 127.0.0.1:loopback ::1:loopback 10.1.2.3:private 169.254.169.254:link-local
		do
			ip=${addr%:*} && kind=${addr##*:} &&
			{ cat /etc/hosts && printf "%s api.deepseek.com\n" "$ip"; } >hosts &&
			test_expect_code 1 env -u KEYSNARE_VERIFY_TEST_CONNECT -u KEYSNARE_VERIFY_TEST_CA \
				-u https_proxy -u HTTPS_PROXY -u all_proxy -u ALL_PROXY \
				timeout 60 unshare -m sh -c "mount --bind \"\$1\" /etc/hosts && exec \"\$2\" scan --verify --no-verify-cache -f json src" sh "$PWD/hosts" "$KEYSNARE" >out.json 2>err &&
			test "$(vget out.json 0 state)" = unknown &&
			vget out.json 0 reason >reason &&
			echo "$ip: $(cat reason)" >&4 &&
			test_grep "resolves to a special(-purpose)? address" reason &&
			if [ "$kind" = loopback ]
			then
				test_grep "loopback" reason
			fi &&
			test_grep -v "KEYSNARE_VERIFY_TEST_CONNECT is set" err || return 1
		done &&
		test "$(mock_count)" = 0 &&
		test "$(mock_dropped)" = 0
	fi
'

test_expect_success 'no network without --verify: scan, history and staged make no inet connect (strace)' '
	if ! strace -f -qq -e trace=connect -o /dev/null true 2>/dev/null
	then
		echo "skipped: strace cannot trace here" >&4
	else
		new_repo repo &&
		printf "DEEPSEEK_API_KEY=%s\n" "$(newkey deepseek)" >repo/a.env &&
		printf "GH=%s\n" "$(newkey github-pat)" >repo/c.env &&
		commit_all repo add &&
		printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/b.env &&
		git -C repo add b.env &&
		export KEYSNARE_VERIFY_TEST_CONNECT=127.0.0.1:9 &&
		# LeakSanitizer cannot run under ptrace (an ASan build)
		export ASAN_OPTIONS=detect_leaks=0 &&
		test_expect_code 1 strace -f -qq -e trace=connect -o t.scan "$KEYSNARE" scan -f json repo >out 2>err &&
		test_expect_code 1 strace -f -qq -e trace=connect -o t.hist "$KEYSNARE" history --repo repo -f json >out 2>err &&
		test_expect_code 1 strace -f -qq -e trace=connect -o t.staged "$KEYSNARE" staged --repo repo >out 2>err &&
		test_expect_code 1 strace -f -qq -e trace=connect -o t.dry "$KEYSNARE" scan --verify-dry-run repo/a.env >out 2>err &&
		test_grep "verify \(dry run, nothing sent\): deepseek GET https://api.deepseek.com/user/balance for deepseek-api-key" err &&
		cat t.scan t.hist t.staged t.dry >all &&
		test_grep -v "AF_INET" all &&
		test_expect_code 1 strace -f -qq -e trace=connect -o t.verify "$KEYSNARE" scan --verify --verify-timeout 2 repo/a.env >out 2>err &&
		test_grep "AF_INET" t.verify
	fi
'

test_expect_success '--verify-dry-run: one stderr line per distinct key (several providers), no verification, nothing sent' '
	mock_start &&
	mkdir src &&
	d=$(newkey deepseek) && g=$(newkey github-pat) && s=$(newkey slack-bot) &&
	mock_scenario "$d" success &&
	printf "DEEPSEEK_API_KEY=%s\nGH=%s\nGH2=%s\n" "$d" "$g" "$g" >src/a.env &&
	printf "SLACK=%s\n" "$s" >src/b.env &&
	test_expect_code 1 keysnare scan --verify-dry-run -f json src >out.json 2>err &&
	grep "verify (dry run, nothing sent)" err >lines &&
	test_line_count = 3 lines &&
	test_grep "^keysnare: verify \(dry run, nothing sent\): deepseek GET https://api.deepseek.com/user/balance for deepseek-api-key \(1 finding, first src/a.env:1\)" lines &&
	test_grep "^keysnare: verify \(dry run, nothing sent\): github GET https://api.github.com/user for github-pat \(2 findings, first src/a.env:2\)" lines &&
	test_grep "^keysnare: verify \(dry run, nothing sent\): slack POST https://slack.com/api/auth.test for slack-bot-token \(1 finding, first src/b.env:1\)" lines &&
	"$PYTHON" -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d[\"findings\"]) == 4; assert not any(\"verification\" in f for f in d[\"findings\"]); assert d[\"stats\"][\"verification\"][\"requests\"] == 0" out.json &&
	check_no_leak err keys &&
	test "$(mock_count)" = 0 &&
	test "$(mock_dropped)" = 0
'

test_expect_success '--verify-budget 2 with 5 distinct keys: 2 requests, 3 findings unknown naming --verify-budget' '
	mock_start &&
	mkdir src &&
	for i in 1 2 3 4 5
	do
		k=$(newkey groq) &&
		mock_scenario "$k" success &&
		printf "GROQ_KEY_%s=%s\n" $i "$k" >>src/a.env || return 1
	done &&
	test_expect_code 1 keysnare scan --verify --verify-budget 2 -f json src >out.json 2>err &&
	test "$(mock_count)" = 2 &&
	"$PYTHON" - out.json <<-\EOF &&
	import json, sys
	r = json.load(open(sys.argv[1]))
	v = [f["verification"] for f in r["findings"]]
	assert len(v) == 5, v
	assert sorted(x["state"] for x in v) == ["live"] * 2 + ["unknown"] * 3, v
	for x in v:
	    if x["state"] == "unknown":
	        assert "--verify-budget" in x.get("reason", ""), x
	sv = r["stats"]["verification"]
	assert sv["requests"] == 2 and sv["keys"] == 5 and sv["unknown"] == 3, sv
	EOF
	log_clean
'

test_expect_success 'keysnare verify --key: a key on the command line is refused (exit 3), nothing sent' '
	mock_start &&
	k=$(newkey groq) &&
	mock_scenario "$k" success &&
	test_expect_code 3 keysnare verify --key "$k" >out 2>err &&
	test_expect_code 3 keysnare verify --key --rule groq-api-key "$k" >out 2>err &&
	check_no_leak err keys &&
	test "$(mock_count)" = 0 &&
	printf "%s\n" "$k" >k.txt &&
	test_expect_code 1 keysnare verify --key <k.txt >out 2>err &&
	test "$(mock_count "key=$k" provider=groq)" = 1 &&
	check_no_leak out keys &&
	check_no_leak err keys &&
	log_clean
'

# core_control DIR: a process killed by SIGSEGV in DIR leaves a core there
core_control() {
	(
		cd "$1" &&
		ulimit -c unlimited &&
		sleep 30 &
		pid=$! &&
		sleep 0.2 &&
		kill -SEGV $pid &&
		wait $pid
	)
	ls "$1" | grep -q "^core"
}

# bg_keysnare DIR INPUT OUT ERR ARGS...: keysnare ARGS in the background,
# in DIR, with core dumps allowed by the shell; BG_PID is its pid
bg_keysnare() {
	local dir=$1 in=$2 out=$3 err=$4
	shift 4
	(cd "$dir" && ulimit -c unlimited && exec "$KEYSNARE" "$@") <"$in" >"$out" 2>"$err" &
	BG_PID=$!
}

# wait_request N: until the mock has logged N requests (at most 10 s)
wait_request() {
	local i=0
	while [ "$(mock_count)" -lt "$1" ]
	do
		[ $i -lt 100 ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

test_expect_success 'no core dump: scan --verify and verify --key killed with SIGSEGV mid-request leave no core; the key is not in /proc/PID/cmdline' '
	if is_asan
	then
		echo "skipped: an ASan build (ASan handles SIGSEGV itself)" >&4
	elif [ "$(cat /proc/sys/kernel/core_pattern)" != core ] && [ "$(cat /proc/sys/kernel/core_pattern)" != core.%p ]
	then
		echo "skipped: kernel.core_pattern is $(cat /proc/sys/kernel/core_pattern), not core" >&4
	elif mkdir ctl && ! core_control ctl
	then
		echo "skipped: the control (sleep killed with SIGSEGV) left no core file" >&4
	else
		mock_start &&
		mkdir src d1 d2 &&
		k=$(newkey deepseek) && g=$(newkey groq) &&
		mock_scenario "$k" slow "{\"delay\": 20}" &&
		mock_scenario "$g" slow "{\"delay\": 20}" &&
		printf "DEEPSEEK_API_KEY=%s\n" "$k" >src/a.env &&
		printf "%s\n" "$g" >g.txt &&
		bg_keysnare d1 /dev/null out1 err1 scan --verify --verify-timeout 30 ../src &&
		pid=$BG_PID &&
		wait_request 1 &&
		tr "\0" "\n" </proc/$pid/cmdline >cmdline1 &&
		test_grep "scan" cmdline1 &&
		check_no_leak cmdline1 keys &&
		kill -SEGV $pid &&
		test_expect_code 139 wait $pid &&
		ls -A d1 >left1 &&
		test_must_be_empty left1 &&
		bg_keysnare d2 g.txt out2 err2 verify --key --verify-timeout 30 &&
		pid=$BG_PID &&
		wait_request 2 &&
		tr "\0" "\n" </proc/$pid/cmdline >cmdline2 &&
		test_grep "verify" cmdline2 &&
		check_no_leak cmdline2 keys &&
		kill -SEGV $pid &&
		test_expect_code 139 wait $pid &&
		ls -A d2 >left2 &&
		test_must_be_empty left2 &&
		log_clean
	fi
'

test_done
