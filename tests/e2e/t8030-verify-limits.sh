#!/usr/bin/env bash
test_description='--verify: retries (429/5xx, Retry-After), the request budget, one request per distinct key, per-provider concurrency and token bucket'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"
. "$E2E_DIR/verify-lib.sh"

# keysnare runs against the loopback mock (verify-lib.sh's mock_start), on
# ./src (the mock's .mock/ and .cache/ live in the test directory). Keys are
# generated at test time (newkey: also into ./keys for check_no_leak).
# Timings: only lower bounds on the spacing of requests, taken from the
# mock's own log timestamps ("t", written when a request arrives), and
# generous `timeout` hang gates; never tight upper bounds.

command -v openssl >/dev/null || test_skip_all "openssl is not installed"

# times OUT FILTER...: the log timestamps of the matching requests, sorted,
# one a line, into OUT
times() {
	local out=$1
	shift
	mock_field t "$@" | sort -g >"$out"
}

# tcheck 'PYTHON-EXPR' FILE: EXPR over t (FILE's numbers as a list) is true
tcheck() {
	"$PYTHON" - "$1" "$2" <<-\EOF >&4
	import sys
	t = [float(x) for x in open(sys.argv[2]).read().split()]
	ok = False
	try:
	    ok = bool(eval(sys.argv[1]))
	finally:
	    if not ok:
	        print("tcheck: %s is false for t = %s (relative: %s)" % (
	            sys.argv[1], t, [round(x - t[0], 3) for x in t] if t else []))
	sys.exit(0 if ok else 1)
	EOF
}

test_expect_success 'ratelimit (429, Retry-After 2, always): 3 requests, >= 2 s apart, then unknown "HTTP 429"' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" ratelimit &&
	test_expect_code 1 ks scan --verify -v -f json src >r.json 2>err &&
	test "$(mock_count "key=$k")" = 3 &&
	test "$(mock_count "key=$k" status=429)" = 3 &&
	times t "key=$k" &&
	tcheck "len(t) == 3 and t[1] - t[0] >= 2.0 and t[2] - t[1] >= 2.0" t &&
	test "$(vget r.json 0 state)" = unknown &&
	test "$(vget r.json 0 provider)" = deepseek &&
	test "$(vget r.json 0 http_status)" = 429 &&
	vget r.json 0 reason >reason &&
	test_grep "429" reason &&
	test "$(ksjson get r.json stats.verification.requests)" = 3 &&
	test "$(ksjson get r.json stats.verification.unknown)" = 1 &&
	test "$(ksjson get r.json stats.verification.keys)" = 1 &&
	test_grep "keysnare: verify: 1 key, 3 requests" err &&
	no_leak r.json err
'

test_expect_success 'a longer Retry-After (3) is honoured: the retries wait >= 3 s' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" ratelimit "{\"retry_after\": 3}" &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	times t "key=$k" &&
	tcheck "len(t) == 3 and t[1] - t[0] >= 3.0 and t[2] - t[1] >= 3.0" t &&
	test "$(vget r.json 0 state)" = unknown
'

test_expect_success 'Retry-After 120 (over 30 s): 1 request, not retried, the reason says so' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" ratelimit "{\"retry_after\": 120}" &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	test "$(mock_count "key=$k")" = 1 &&
	test "$(vget r.json 0 state)" = unknown &&
	vget r.json 0 reason >reason &&
	test_grep "not retried" reason &&
	test_grep "over 30 s" reason &&
	test_grep "120" reason &&
	no_leak r.json err
'

test_expect_success 'ratelimit-once (429 then 200) and error503-once (503 then 200): 2 requests each, live' '
	mock_start &&
	a=$(newkey deepseek) &&
	b=$(newkey deepseek) &&
	plant src/a.env "$a" &&
	plant src/b.env "$b" &&
	mock_scenario "$a" ratelimit-once &&
	mock_scenario "$b" error503-once &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	test "$(mock_count "key=$a")" = 2 &&
	test "$(mock_count "key=$a" status=429)" = 1 &&
	test "$(mock_count "key=$b")" = 2 &&
	test "$(mock_count "key=$b" status=503)" = 1 &&
	times ta "key=$a" &&
	tcheck "t[1] - t[0] >= 1.0" ta &&
	times tb "key=$b" &&
	tcheck "t[1] - t[0] >= 1.0" tb &&
	test "$(ksjson get r.json findings.0.path)" = src/a.env &&
	test "$(vget r.json 0 state)" = live &&
	test "$(vget r.json 0 http_status)" = 200 &&
	test "$(vget r.json 1 state)" = live &&
	test "$(vget r.json 1 http_status)" = 200 &&
	test "$(ksjson get r.json stats.verification.requests)" = 4 &&
	test "$(ksjson get r.json stats.verification.live)" = 2
'

test_expect_success '502 (always) is retried too: 3 requests, unknown "HTTP 502"' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" custom "{\"status\": 502, \"body\": {\"error\": \"bad gateway\"}}" &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	test "$(mock_count "key=$k" status=502)" = 3 &&
	test "$(vget r.json 0 state)" = unknown &&
	vget r.json 0 reason >reason &&
	test_grep "502" reason
'

test_expect_success 'error500: 1 request (500 is not retried), unknown "HTTP 500"' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" error500 &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	test "$(mock_count "key=$k")" = 1 &&
	test "$(vget r.json 0 state)" = unknown &&
	test "$(vget r.json 0 http_status)" = 500 &&
	vget r.json 0 reason >reason &&
	test_grep "HTTP 500" reason
'

test_expect_success 'a documented 4xx answer is final: invalid (401) and unfunded (402, live) are not retried' '
	mock_start &&
	a=$(newkey deepseek) &&
	b=$(newkey deepseek) &&
	plant src/a.env "$a" &&
	plant src/b.env "$b" &&
	mock_scenario "$a" invalid &&
	mock_scenario "$b" unfunded &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	test "$(mock_count "key=$a")" = 1 &&
	test "$(mock_count "key=$a" status=401)" = 1 &&
	test "$(mock_count "key=$b" status=402)" = 1 &&
	test "$(vget r.json 0 state)" = invalid &&
	test "$(vget r.json 0 http_status)" = 401 &&
	test "$(vget r.json 1 state)" = live &&
	test "$(vget r.json 1 http_status)" = 402 &&
	test "$(mock_count)" = 2 &&
	no_leak r.json err
'

test_expect_success '100 copies of one key (10 files x 10 lines): 1 request, every finding carries the answer' '
	mock_start &&
	k=$(newkey deepseek) &&
	mock_scenario "$k" success &&
	mkdir src &&
	for i in 0 1 2 3 4 5 6 7 8 9
	do
		for j in 0 1 2 3 4 5 6 7 8 9
		do
			printf "DEEPSEEK_API_KEY=%s\n" "$k" || return 1
		done >src/f$i.env || return 1
	done &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	test "$(mock_count)" = 1 &&
	test "$(ksjson get r.json findings.#)" = 100 &&
	"$PYTHON" - r.json <<-\EOF &&
	import json, sys
	f = json.load(open(sys.argv[1]))["findings"]
	states = {(x["rule_id"], x["verification"]["state"], x["verification"]["provider"]) for x in f}
	assert states == {("deepseek-api-key", "live", "deepseek")}, states
	EOF
	test "$(ksjson get r.json stats.verification.keys)" = 1 &&
	test "$(ksjson get r.json stats.verification.requests)" = 1
'

test_expect_success 'per provider at most 2 requests in flight: 4 slow (2 s) DeepSeek keys, the 3rd and 4th arrive >= 2 s after the first two' '
	mock_start &&
	for i in 1 2 3 4
	do
		k=$(newkey deepseek) &&
		plant src/k$i.env "$k" &&
		mock_scenario "$k" slow "{\"delay\": 2}" || return 1
	done &&
	test_expect_code 1 ks scan --verify --verify-timeout 5 -f json src >r.json 2>err &&
	test "$(mock_count provider=deepseek scenario=slow)" = 4 &&
	times t provider=deepseek &&
	tcheck "len(t) == 4 and t[2] - t[0] >= 1.9 and t[3] - t[1] >= 1.9" t &&
	tcheck "all(sum(1 for y in t if x <= y < x + 1.9) <= 2 for x in t)" t &&
	test "$(ksjson get r.json stats.verification.live)" = 4 &&
	test "$(ksjson get r.json stats.verification.requests)" = 4
'

test_expect_success 'the limits are per provider: 2 slow DeepSeek + 2 slow Groq keys in one run: all live, each with its own provider' '
	mock_start &&
	for i in 1 2
	do
		d=$(newkey deepseek) &&
		g=$(newkey groq) &&
		plant src/d$i.env "$d" &&
		printf "GROQ_API_KEY=%s\n" "$g" >src/g$i.env &&
		mock_scenario "$d" slow "{\"delay\": 2}" &&
		mock_scenario "$g" slow "{\"delay\": 2}" || return 1
	done &&
	test_expect_code 1 ks scan --verify --verify-timeout 5 -f json src >r.json 2>err &&
	test "$(mock_count provider=deepseek)" = 2 &&
	test "$(mock_count provider=groq)" = 2 &&
	test "$(ksjson get r.json stats.verification.keys)" = 4 &&
	test "$(ksjson get r.json stats.verification.live)" = 4 &&
	"$PYTHON" - r.json <<-\EOF &&
	import json, sys
	f = json.load(open(sys.argv[1]))["findings"]
	got = sorted((x["path"], x["verification"]["provider"], x["verification"]["state"]) for x in f)
	assert got == [("src/d1.env", "deepseek", "live"), ("src/d2.env", "deepseek", "live"),
	               ("src/g1.env", "groq", "live"), ("src/g2.env", "groq", "live")], got
	EOF
	no_leak r.json err
'

test_expect_success 'token bucket (1/s, burst 3): 6 fast DeepSeek keys, the 6th arrives >= 2.5 s after the first' '
	mock_start &&
	for i in 1 2 3 4 5 6
	do
		k=$(newkey deepseek) &&
		plant src/k$i.env "$k" &&
		mock_scenario "$k" success || return 1
	done &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	test "$(mock_count provider=deepseek)" = 6 &&
	times t provider=deepseek &&
	tcheck "len(t) == 6 and t[3] - t[0] >= 0.8 and t[4] - t[0] >= 1.7 and t[5] - t[0] >= 2.5" t &&
	test "$(ksjson get r.json stats.verification.live)" = 6
'

test_expect_success 'retries count against --verify-budget: ratelimit + --verify-budget 2 = 2 requests, unknown' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" ratelimit &&
	test_expect_code 1 ks scan --verify --verify-budget 2 -f json src >r.json 2>err &&
	test "$(mock_count "key=$k")" = 2 &&
	test "$(vget r.json 0 state)" = unknown &&
	vget r.json 0 reason >reason &&
	test_grep -e "--verify-budget|budget|429" reason &&
	test "$(ksjson get r.json stats.verification.requests)" = 2
'

test_expect_success '--verify-budget 2 with 3 distinct keys: 2 requests, the third unknown naming --verify-budget' '
	mock_start &&
	for i in 1 2 3
	do
		k=$(newkey deepseek) &&
		plant src/k$i.env "$k" &&
		mock_scenario "$k" success || return 1
	done &&
	test_expect_code 1 ks scan --verify --verify-budget 2 -f json src >r.json 2>err &&
	test "$(mock_count)" = 2 &&
	test "$(ksjson get r.json stats.verification.live)" = 2 &&
	test "$(ksjson get r.json stats.verification.unknown)" = 1 &&
	"$PYTHON" - r.json <<-\EOF
	import json, sys
	f = json.load(open(sys.argv[1]))["findings"]
	unk = [x["verification"] for x in f if x["verification"]["state"] == "unknown"]
	assert len(unk) == 1 and "--verify-budget" in unk[0].get("reason", ""), unk
	EOF
'

test_expect_success '--verify-budget 0: nothing sent, every key unknown (budget)' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	test_expect_code 1 ks scan --verify --verify-budget 0 -f json src >r.json 2>err &&
	test "$(mock_count)" = 0 &&
	test "$(vget r.json 0 state)" = unknown &&
	vget r.json 0 reason >reason &&
	test_grep -e "--verify-budget" reason
'

test_done
