#!/usr/bin/env bash
test_description='--verify: the answer cache ($XDG_CACHE_HOME/keysnare/verify-cache + salt): reuse, TTL, what is cached, modes, no key in it, corrupt caches'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"
. "$E2E_DIR/verify-lib.sh"

# keysnare runs against the loopback mock (mock_start also sets
# XDG_CACHE_HOME=$PWD/.cache), on ./src. Keys are generated at test time
# (newkey: also into ./keys for check_no_leak).

command -v openssl >/dev/null || test_skip_all "openssl is not installed"

# vsame A.json B.json: the findings carry the same verification, but for
# "cached" (false in A, true in B)
vsame() {
	"$PYTHON" - "$1" "$2" <<-\EOF >&4
	import json, sys
	a, b = (json.load(open(p))["findings"] for p in sys.argv[1:3])
	assert len(a) == len(b) and a, (len(a), len(b))
	for x, y in zip(a, b):
	    vx, vy = dict(x["verification"]), dict(y["verification"])
	    assert vx.pop("cached") is False and vy.pop("cached") is True, (vx, vy)
	    assert vx == vy, (vx, vy)
	EOF
}

CACHE=.cache/keysnare

# warnings ERR: ERR's warnings but the one about the test server (whose
# line names the trash directory, "...verify-cache...")
warnings() {
	grep "warning" "$1" | grep -v "KEYSNARE_VERIFY_TEST_CONNECT is set"
}

test_expect_success 'a second identical run sends nothing: the same answers, marked cached (json, text)' '
	mock_start &&
	a=$(newkey deepseek) &&
	b=$(newkey deepseek) &&
	plant src/a.env "$a" &&
	plant src/b.env "$b" &&
	mock_scenario "$a" success &&
	mock_scenario "$b" invalid &&
	test_expect_code 1 ks scan --verify -f json src >r1.json 2>err1 &&
	test "$(mock_count)" = 2 &&
	test "$(vget r1.json 0 state)" = live &&
	test "$(vget r1.json 0 cached)" = false &&
	test "$(vget r1.json 1 state)" = invalid &&
	test "$(ksjson get r1.json stats.verification.cached)" = 0 &&
	test_expect_code 1 ks scan --verify -f json src >r2.json 2>err2 &&
	test "$(mock_count)" = 2 &&
	vsame r1.json r2.json &&
	test "$(ksjson get r2.json stats.verification.requests)" = 0 &&
	test "$(ksjson get r2.json stats.verification.cached)" = 2 &&
	test_grep "keysnare: verify: 2 keys, 0 requests, 2 cached" err2 &&
	test_expect_code 1 ks scan --verify src >out 2>err3 &&
	test "$(mock_count)" = 2 &&
	test_grep "^src/a.env:1:18: deepseek-api-key: sk-[0-9a-f]+\*\*\* \[live: .*\(cached\)\]$" out &&
	test_grep "^src/b.env:1:18: deepseek-api-key: sk-[0-9a-f]+\*\*\* \[invalid.*\(cached\)\]$" out &&
	for f in r1.json r2.json out err1 err2 err3
	do
		check_no_leak "$f" keys || return 1
	done
'

test_expect_success 'the cache: file and salt 0600 in a 0700 directory, no key and no plain hash of one in them' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	test_expect_code 1 ks scan --verify src >out 2>err &&
	test_path_is_file $CACHE/verify-cache &&
	test_path_is_file $CACHE/salt &&
	test "$(stat -c %a $CACHE)" = 700 &&
	test "$(stat -c %a $CACHE/verify-cache)" = 600 &&
	test "$(stat -c %a $CACHE/salt)" = 600 &&
	test -s $CACHE/verify-cache &&
	check_no_leak $CACHE/verify-cache keys &&
	check_no_leak $CACHE/salt keys &&
	"$PYTHON" - "$k" >hashes <<-\EOF &&
	import hashlib, sys
	k = sys.argv[1].encode()
	for data in (k, b"deepseek\0" + k, b"deepseek" + k, b"deepseek:" + k):
	    print(hashlib.sha256(data).hexdigest())
	EOF
	test_line_count = 4 hashes &&
	while read -r h
	do
		test_grep -v -i -a "$h" $CACHE/verify-cache &&
		test_grep -v -i -a "$h" $CACHE/salt || return 1
	done <hashes
'

test_expect_success '--no-verify-cache: a request on every run, no cache file' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	test_expect_code 1 ks scan --verify --no-verify-cache -f json src >r1.json 2>err &&
	test_expect_code 1 ks scan --verify --no-verify-cache -f json src >r2.json 2>err &&
	test "$(mock_count "key=$k")" = 2 &&
	test "$(vget r2.json 0 state)" = live &&
	test "$(vget r2.json 0 cached)" = false &&
	test_path_is_missing $CACHE/verify-cache
'

test_expect_success '--no-verify-cache does not read an existing cache either' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	test_expect_code 1 ks scan --verify src >out 2>err &&
	test_path_is_file $CACHE/verify-cache &&
	test_expect_code 1 ks scan --verify --no-verify-cache -f json src >r.json 2>err &&
	test "$(mock_count "key=$k")" = 2 &&
	test "$(vget r.json 0 cached)" = false
'

test_expect_success '--verify-cache-ttl 1, 2 s later: sent again; a long TTL then reuses the new answer' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	test_expect_code 1 ks scan --verify --verify-cache-ttl 1 src >out 2>err &&
	test "$(mock_count "key=$k")" = 1 &&
	sleep 2 &&
	test_expect_code 1 ks scan --verify --verify-cache-ttl 1 -f json src >r.json 2>err &&
	test "$(mock_count "key=$k")" = 2 &&
	test "$(vget r.json 0 cached)" = false &&
	test_expect_code 1 ks scan --verify --verify-cache-ttl 7d -f json src >r.json 2>err &&
	test "$(mock_count "key=$k")" = 2 &&
	test "$(vget r.json 0 cached)" = true
'

test_expect_success '--verify-cache-ttl takes 3600, 30m, 12h, 7d; not 5x or -1' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	for ttl in 3600 30m 12h 7d
	do
		test_expect_code 1 ks scan --verify --verify-cache-ttl $ttl src >out 2>err || return 1
	done &&
	test "$(mock_count "key=$k")" = 1 &&
	test_expect_code 3 ks scan --verify --verify-cache-ttl 5x src >out 2>err &&
	test_grep "5x" err &&
	test_expect_code 3 ks scan --verify --verify-cache-ttl -1 src >out 2>err &&
	test "$(mock_count "key=$k")" = 1
'

test_expect_success 'unknown answers are not cached (error500: sent again), invalid ones are' '
	mock_start &&
	u=$(newkey deepseek) &&
	i=$(newkey deepseek) &&
	plant src/u.env "$u" &&
	plant src/i.env "$i" &&
	mock_scenario "$u" error500 &&
	mock_scenario "$i" invalid &&
	test_expect_code 1 ks scan --verify -f json src >r1.json 2>err &&
	test_expect_code 1 ks scan --verify -f json src >r2.json 2>err &&
	test "$(mock_count "key=$u")" = 2 &&
	test "$(mock_count "key=$i")" = 1 &&
	test "$(ksjson get r2.json findings.1.path)" = src/u.env &&
	test "$(vget r2.json 1 state)" = unknown &&
	test "$(vget r2.json 1 cached)" = false &&
	test "$(vget r2.json 0 state)" = invalid &&
	test "$(vget r2.json 0 cached)" = true
'

test_expect_success 'a rate-limited answer (unknown) is not cached: the next run sends again and gets live' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" ratelimit "{\"retry_after\": 120}" &&
	test_expect_code 1 ks scan --verify -f json src >r1.json 2>err &&
	test "$(vget r1.json 0 state)" = unknown &&
	mock_scenario "$k" success &&
	test_expect_code 1 ks scan --verify -f json src >r2.json 2>err &&
	test "$(mock_count "key=$k")" = 2 &&
	test "$(vget r2.json 0 state)" = live &&
	test "$(vget r2.json 0 cached)" = false
'

test_expect_success 'a corrupt cache file (garbage): a warning, then verification works (no crash, no exit 3)' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	mkdir -p $CACHE &&
	chmod 700 .cache $CACHE &&
	head -c 4096 /dev/urandom >$CACHE/verify-cache &&
	chmod 600 $CACHE/verify-cache &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	warnings err >warn &&
	test_grep -i "cache" warn &&
	test "$(vget r.json 0 state)" = live &&
	test "$(vget r.json 0 cached)" = false &&
	test "$(mock_count "key=$k")" = 1 &&
	test_expect_code 1 ks scan --verify -f json src >r2.json 2>err2 &&
	test "$(vget r2.json 0 state)" = live &&
	check_no_leak err keys
'

test_expect_success 'garbage lines appended to a good cache: skipped (said with -v) or the cache not used (a warning); answers still right' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	test_expect_code 1 ks scan --verify src >out 2>err &&
	printf "garbage\n\n%s\n\t{\"x\":\n" "$(printf "%0300d" 7)" >>$CACHE/verify-cache &&
	head -c 200 /dev/urandom >>$CACHE/verify-cache &&
	test_expect_code 1 ks scan --verify -v -f json src >r.json 2>err &&
	test_grep "verify-cache.*corrupt line.* skipped|warning: verification cache not used" err &&
	test "$(vget r.json 0 state)" = live &&
	test "$(mock_count "key=$k")" -le 2 &&
	mock_scenario "$k" invalid &&
	rm -f $CACHE/verify-cache &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	test "$(vget r.json 0 state)" = invalid
'

test_expect_success 'an empty cache file and an empty salt are no problem' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	mkdir -p $CACHE &&
	chmod 700 .cache $CACHE &&
	: >$CACHE/verify-cache &&
	chmod 600 $CACHE/verify-cache &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	test "$(vget r.json 0 state)" = live &&
	rm -f $CACHE/verify-cache &&
	: >$CACHE/salt &&
	chmod 600 $CACHE/salt &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	test "$(vget r.json 0 state)" = live
'

test_expect_success 'a cache writable by others is not used (a warning), verification goes on' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	test_expect_code 1 ks scan --verify src >out 2>err &&
	chmod 666 $CACHE/verify-cache &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	warnings err >warn &&
	test_grep -i "cache" warn &&
	test "$(vget r.json 0 state)" = live &&
	test "$(vget r.json 0 cached)" = false &&
	test "$(mock_count "key=$k")" = 2
'

test_expect_success 'an answer cached for one key is not used for another key' '
	mock_start &&
	a=$(newkey deepseek) &&
	b=$(newkey deepseek) &&
	plant src/a.env "$a" &&
	mock_scenario "$a" success &&
	mock_scenario "$b" invalid &&
	test_expect_code 1 ks scan --verify src >out 2>err &&
	plant src/a.env "$b" &&
	test_expect_code 1 ks scan --verify -f json src >r.json 2>err &&
	test "$(mock_count "key=$b")" = 1 &&
	test "$(vget r.json 0 state)" = invalid &&
	test "$(vget r.json 0 cached)" = false
'

test_expect_success 'another XDG_CACHE_HOME has another salt: its cache, even a copy of the first one, is not reused' '
	mock_start &&
	k=$(newkey deepseek) &&
	other=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	plant other/a.env "$other" &&
	mock_scenario "$k" success &&
	mock_scenario "$other" success &&
	test_expect_code 1 ks scan --verify src >out 2>err &&
	test "$(mock_count "key=$k")" = 1 &&
	test_expect_code 1 env XDG_CACHE_HOME="$PWD/c2" timeout 120 "$KEYSNARE" scan --verify other >out 2>err &&
	test_path_is_file c2/keysnare/salt &&
	! cmp -s $CACHE/salt c2/keysnare/salt &&
	test_expect_code 1 env XDG_CACHE_HOME="$PWD/c2" timeout 120 "$KEYSNARE" scan --verify -f json src >r.json 2>err &&
	test "$(mock_count "key=$k")" = 2 &&
	test "$(vget r.json 0 cached)" = false &&
	cp $CACHE/verify-cache c2/keysnare/verify-cache &&
	chmod 600 c2/keysnare/verify-cache &&
	test_expect_code 1 env XDG_CACHE_HOME="$PWD/c2" timeout 120 "$KEYSNARE" scan --verify -f json src >r.json 2>err &&
	test "$(mock_count "key=$k")" = 3 &&
	test "$(vget r.json 0 cached)" = false
'

test_expect_success 'XDG_CACHE_HOME unset: the cache is in $HOME/.cache/keysnare/' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	mkdir home &&
	test_expect_code 1 env -u XDG_CACHE_HOME HOME="$PWD/home" timeout 120 "$KEYSNARE" scan --verify src >out 2>err &&
	test_path_is_file home/.cache/keysnare/verify-cache &&
	test_path_is_file home/.cache/keysnare/salt &&
	test "$(stat -c %a home/.cache/keysnare)" = 700 &&
	test "$(stat -c %a home/.cache/keysnare/verify-cache)" = 600 &&
	test_path_is_missing $CACHE/verify-cache &&
	test_expect_code 1 env -u XDG_CACHE_HOME HOME="$PWD/home" timeout 120 "$KEYSNARE" scan --verify -f json src >r.json 2>err &&
	test "$(mock_count "key=$k")" = 1 &&
	test "$(vget r.json 0 cached)" = true
'

test_expect_success 'XDG_CACHE_HOME set but empty: $HOME/.cache is used' '
	mock_start &&
	k=$(newkey deepseek) &&
	plant src/a.env "$k" &&
	mock_scenario "$k" success &&
	mkdir home &&
	test_expect_code 1 env XDG_CACHE_HOME= HOME="$PWD/home" timeout 120 "$KEYSNARE" scan --verify src >out 2>err &&
	test_path_is_file home/.cache/keysnare/verify-cache
'

test_done
