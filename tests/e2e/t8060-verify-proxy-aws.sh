#!/usr/bin/env bash
test_description='--verify: proxies from the environment (a dead one, credentials never shown, no_proxy, --no-proxy) and AWS key id/secret pairing'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"
. "$E2E_DIR/verify-lib.sh"

# keysnare runs against the loopback mock (verify-lib.sh's mock_start), on
# ./src (the mock's .mock/ and .cache/ live in the test directory). Keys are
# generated at test time (newkey: also into ./keys for check_no_leak).
# The dead proxy is 127.0.0.1:1: nothing listens on port 1 (connections are
# refused at once).

command -v openssl >/dev/null || test_skip_all "openssl is not installed"

# ksp VAR=VALUE... -- ARGS...: keysnare (with a hang gate) with exactly
# these proxy variables, none of the caller's
ksp() {
	local envs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	timeout 120 env -u https_proxy -u HTTPS_PROXY -u all_proxy -u ALL_PROXY \
		-u no_proxy -u NO_PROXY -u http_proxy -u HTTP_PROXY \
		"${envs[@]}" "$KEYSNARE" "$@"
}

# no_secret FILE...: neither a key of ./keys nor the proxy password in them
no_secret() {
	for f in "$@"
	do
		check_no_leak "$f" keys &&
		test_grep -v "s3cretpw" "$f" || return 1
	done
}

DEAD=http://user:s3cretpw@127.0.0.1:1

test_expect_success 'https_proxy with credentials, dead: unknown naming the proxy (no credentials), -v names it "from https_proxy", nothing reaches the mock' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	test_expect_code 1 ksp https_proxy=$DEAD -- scan --verify -f json src >r.json 2>err &&
	test "$(vget r.json 0 state)" = unknown &&
	vget r.json 0 reason >reason &&
	test_grep "cannot connect to the proxy http://127\.0\.0\.1:1" reason &&
	test_expect_code 1 ksp https_proxy=$DEAD -- scan --verify -v src >out.v 2>err.v &&
	test_grep "requests go through the proxy http://127\.0\.0\.1:1 \(from https_proxy; --no-proxy bypasses it\)" err.v &&
	test_grep "\[unknown: .*cannot connect to the proxy http://127\.0\.0\.1:1" out.v &&
	test_expect_code 1 ksp https_proxy=$DEAD -- scan --verify -vv -f sarif src >out.vv 2>err.vv &&
	test_expect_code 1 ksp https_proxy=$DEAD -- scan --verify -f jsonl src >out.jl 2>err.jl &&
	test "$(mock_count)" = 0 &&
	no_secret r.json err reason out.v err.v out.vv err.vv out.jl err.jl
'

test_expect_success 'the proxy password in odd places (percent-encoded, user only): never printed' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	test_expect_code 1 ksp https_proxy=http://us%40er:s3cretpw%21@127.0.0.1:1/ -- scan --verify -vv src >out 2>err &&
	test_grep "cannot connect to the proxy http://127\.0\.0\.1:1" out &&
	test_expect_code 1 ksp "https_proxy=http://s3cretpw@127.0.0.1:1" -- scan --verify -vv src >out2 2>err2 &&
	test_expect_code 1 ksp "https_proxy=127.0.0.1:1" -- scan --verify -v src >out3 2>err3 &&
	test_grep "\[unknown: .*proxy" out3 &&
	test "$(mock_count)" = 0 &&
	no_secret out err out2 err2 out3 err3
'

test_expect_success 'keysnare verify honours the proxy too (report and --key): dead proxy = unknown, nothing sent' '
	mock_start &&
	k=$(newkey deepseek) &&
	g=$(newkey github-pat) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	mock_scenario "$g" success &&
	test_expect_code 1 ksp -- scan -f json src >r.json 2>err &&
	test_expect_code 1 ksp https_proxy=$DEAD -- verify -v r.json >out 2>err &&
	test_grep "\[unknown: .*cannot connect to the proxy http://127\.0\.0\.1:1" out &&
	test_grep "from https_proxy" err &&
	printf "%s\n" "$g" >g.key &&
	test_expect_code 2 ksp https_proxy=$DEAD -- verify --key -v <g.key >out2 2>err2 &&
	test "$(mock_count)" = 0 &&
	no_secret out err out2 err2
'

test_expect_success '--no-proxy: the dead proxy is ignored, the key is verified live through the mock' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	test_expect_code 1 ksp https_proxy=$DEAD HTTPS_PROXY=$DEAD all_proxy=$DEAD ALL_PROXY=$DEAD -- \
		scan --verify --no-proxy -v -f json src >r.json 2>err &&
	test "$(vget r.json 0 state)" = live &&
	test "$(mock_count "key=$k")" = 1 &&
	test_grep -v "go through the proxy" err &&
	no_secret r.json err
'

test_expect_success 'no_proxy=api.deepseek.com (or .deepseek.com, or NO_PROXY): direct, live; another host in no_proxy: still the proxy' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	test_expect_code 1 ksp https_proxy=$DEAD no_proxy=api.deepseek.com -- scan --verify --no-verify-cache -f json src >r1.json 2>err1 &&
	test "$(vget r1.json 0 state)" = live &&
	test_expect_code 1 ksp https_proxy=$DEAD no_proxy=.deepseek.com -- scan --verify --no-verify-cache -f json src >r2.json 2>err2 &&
	test "$(vget r2.json 0 state)" = live &&
	test_expect_code 1 ksp https_proxy=$DEAD "no_proxy=example.com, deepseek.com" -- scan --verify --no-verify-cache -f json src >r3.json 2>err3 &&
	test "$(vget r3.json 0 state)" = live &&
	test_expect_code 1 ksp https_proxy=$DEAD NO_PROXY=api.deepseek.com -- scan --verify --no-verify-cache -f json src >r4.json 2>err4 &&
	test "$(vget r4.json 0 state)" = live &&
	test "$(mock_count "key=$k")" = 4 &&
	test_expect_code 1 ksp https_proxy=$DEAD no_proxy=api.github.com,notdeepseek.com -- scan --verify --no-verify-cache -f json src >r5.json 2>err5 &&
	test "$(vget r5.json 0 state)" = unknown &&
	test "$(mock_count "key=$k")" = 4 &&
	no_secret r1.json r2.json r3.json r4.json r5.json err1 err2 err3 err4 err5
'

test_expect_success 'HTTPS_PROXY, all_proxy and ALL_PROXY are honoured too (dead: unknown, named with its variable)' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	for var in HTTPS_PROXY all_proxy ALL_PROXY
	do
		test_expect_code 1 ksp $var=$DEAD -- scan --verify --no-verify-cache -v -f json src >r.json 2>err &&
		test "$(vget r.json 0 state)" = unknown &&
		vget r.json 0 reason >reason &&
		test_grep "cannot connect to the proxy http://127\.0\.0\.1:1" reason &&
		test_grep "requests go through the proxy http://127\.0\.0\.1:1 \(from $var;" err &&
		no_secret r.json err || return 1
	done &&
	test "$(mock_count)" = 0
'

test_expect_success 'http_proxy alone is not used for https requests: live, direct' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	test_expect_code 1 ksp http_proxy=$DEAD HTTP_PROXY=$DEAD -- scan --verify -f json src >r.json 2>err &&
	test "$(vget r.json 0 state)" = live &&
	no_secret r.json err
'

# aws_file FILE ID SECRET...: a credentials file, the id then each secret
aws_file() {
	local f=$1 id=$2
	shift 2
	mkdir -p "$(dirname "$f")" &&
	{
		echo "[default]" &&
		echo "aws_access_key_id = $id" &&
		for s in "$@"
		do
			echo "aws_secret_access_key = $s" || return 1
		done
	} >"$f"
}

test_expect_success 'AWS: two id/secret pairs in two files, each signed with its own id; the id finding carries its secret'"'"'s verification' '
	mock_start &&
	id1=$(newkey aws-key-id) &&
	s1=$(newkey aws-secret) &&
	id2=$(newkey aws-key-id) &&
	s2=$(newkey aws-secret) &&
	aws_file src/one/credentials "$id1" "$s1" &&
	aws_file src/two/credentials "$id2" "$s2" &&
	mock_aws_scenario "$id1" "$s1" success &&
	mock_aws_scenario "$id2" "$s2" restricted &&
	test_expect_code 1 ksp -- scan --verify -f json src >r.json 2>err &&
	test "$(mock_count provider=aws)" = 2 &&
	test "$(mock_count provider=aws "key=$id1" sigv4=ok)" = 1 &&
	test "$(mock_count provider=aws "key=$id2" sigv4=ok)" = 1 &&
	test "$(mock_count provider=aws method=POST path=/ auth=aws-sigv4)" = 2 &&
	"$PYTHON" - r.json <<-\EOF >actual &&
	import json, sys
	for f in json.load(open(sys.argv[1]))["findings"]:
	    v = f.get("verification") or {}
	    print(f["path"], f["rule_id"], v.get("state"), v.get("provider"), v.get("http_status"),
	          v.get("detail", {}).get("account"))
	EOF
	cat >expect <<-\EOF &&
	src/one/credentials aws-access-key-id live aws 200 123456789012
	src/one/credentials aws-secret-access-key live aws 200 123456789012
	src/two/credentials aws-access-key-id live_restricted aws 403 None
	src/two/credentials aws-secret-access-key live_restricted aws 403 None
	EOF
	test_cmp expect actual &&
	"$PYTHON" - r.json <<-\EOF &&
	import json, sys
	f = json.load(open(sys.argv[1]))["findings"]
	by = {}
	for x in f:
	    by.setdefault(x["path"], []).append(x["verification"])
	for path, vs in by.items():
	    assert len(vs) == 2 and vs[0] == vs[1], (path, vs)
	EOF
	no_secret r.json err &&
	check_no_leak "$MOCK_LOG" keys
'

test_expect_success 'AWS: the same secret twice in one file with one id: 1 request' '
	mock_start &&
	id=$(newkey aws-key-id) &&
	s=$(newkey aws-secret) &&
	aws_file src/credentials "$id" "$s" "$s" &&
	mock_aws_scenario "$id" "$s" success &&
	test_expect_code 1 ksp -- scan --verify -f json src >r.json 2>err &&
	test "$(mock_count provider=aws)" = 1 &&
	test "$(mock_count provider=aws "key=$id" sigv4=ok)" = 1 &&
	test "$(ksjson get r.json findings.#)" = 3 &&
	"$PYTHON" - r.json <<-\EOF &&
	import json, sys
	f = json.load(open(sys.argv[1]))["findings"]
	assert {x["verification"]["state"] for x in f} == {"live"}, f
	EOF
	no_secret r.json err
'

test_expect_success 'AWS: a secret with no key id in its file: unknown "no AWS access key id in the same file", nothing sent' '
	mock_start &&
	id=$(newkey aws-key-id) &&
	s=$(newkey aws-secret) &&
	mkdir src &&
	echo "aws_secret_access_key = $s" >src/secret.env &&
	echo "aws_access_key_id = $id" >src/id.env &&
	mock_aws_scenario "$id" "$s" success &&
	test_expect_code 1 ksp -- scan --verify -f json src >r.json 2>err &&
	test "$(mock_count)" = 0 &&
	"$PYTHON" - r.json <<-\EOF &&
	import json, sys
	f = {x["path"]: x for x in json.load(open(sys.argv[1]))["findings"]}
	v = f["src/secret.env"]["verification"]
	assert v["state"] == "unknown" and "no AWS access key id in the same file" in v["reason"], v
	EOF
	no_secret r.json err
'

test_done
