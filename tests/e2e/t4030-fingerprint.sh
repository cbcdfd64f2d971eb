#!/usr/bin/env bash
test_description='fingerprint and secret_sha256: stable, independent of position'
. "$(dirname "$0")/lib.sh"

fp() {
	test_expect_code 1 keysnare scan -f json "$@" >fp.json 2>/dev/null &&
	ksjson get fp.json findings.0.fingerprint
}

test_expect_success 'fingerprint is stable across runs' '
	printf "GITHUB_TOKEN=%s\n" "$(genkey github-pat)" >a.env &&
	fp a.env >1 && fp a.env >2 &&
	test_cmp 1 2 &&
	test_grep "^[0-9a-f]{64}$" 1
'

test_expect_success 'fingerprint does not change when the key moves down a line or right' '
	k=$(genkey github-pat) &&
	printf "GITHUB_TOKEN=%s\n" "$k" >a.env &&
	fp a.env >before &&
	printf "# moved\nGITHUB_TOKEN=%s\n" "$k" >a.env &&
	fp a.env >after &&
	test "$(ksjson get fp.json findings.0.line)" = 2 &&
	test_cmp before after &&
	printf "\n\n\nexport   GITHUB_TOKEN=%s\n" "$k" >a.env &&
	fp a.env >after2 &&
	test "$(ksjson get fp.json findings.0.column)" = 23 &&
	test_cmp before after2
'

test_expect_success 'fingerprint does not depend on ./ or a trailing slash in the path given' '
	mkdir d &&
	printf "GITHUB_TOKEN=%s\n" "$(genkey github-pat)" >d/a.env &&
	fp d >1 && fp ./d >2 && fp d/ >3 && fp d/a.env >4 && fp ./d/a.env >5 &&
	test_cmp 1 2 && test_cmp 1 3 && test_cmp 1 4 && test_cmp 1 5
'

test_expect_success 'fingerprint depends on the file and on the secret' '
	k=$(genkey github-pat) &&
	printf "GITHUB_TOKEN=%s\n" "$k" >a.env &&
	printf "GITHUB_TOKEN=%s\n" "$k" >b.env &&
	fp a.env >fa && fp b.env >fb &&
	! cmp -s fa fb &&
	printf "GITHUB_TOKEN=%s\n" "$(genkey github-pat)" >a.env &&
	fp a.env >fa2 &&
	! cmp -s fa fa2
'

test_expect_success 'secret_sha256 is the SHA-256 of the secret bytes, whatever the redaction' '
	k=$(genkey anthropic) &&
	printf "ANTHROPIC_API_KEY=%s\n" "$k" >a.env &&
	test_expect_code 1 keysnare scan -f json a.env >r.json 2>/dev/null &&
	test_expect_code 1 keysnare scan --no-redact -f json a.env >u.json 2>/dev/null &&
	printf "%s" "$k" | sha256sum | cut -d" " -f1 >expect &&
	ksjson get r.json findings.0.secret_sha256 >actual &&
	test_cmp expect actual &&
	ksjson get u.json findings.0.secret_sha256 >actual &&
	test_cmp expect actual &&
	ksjson get r.json findings.0.fingerprint >fr &&
	ksjson get u.json findings.0.fingerprint >fu &&
	test_cmp fr fu &&
	! test_cmp expect fr 2>/dev/null
'

test_expect_success 'fingerprint is the same in json and jsonl, and for CRLF' '
	k=$(genkey slack-bot) &&
	printf "a\nSLACK_BOT_TOKEN=%s\n" "$k" >a.env &&
	fp a.env >json &&
	test_expect_code 1 keysnare scan -f jsonl a.env >l.jsonl 2>/dev/null &&
	"$PYTHON" -c "import json; print(json.loads(open(\"l.jsonl\").readline())[\"fingerprint\"])" >jsonl &&
	test_cmp json jsonl &&
	printf "a\r\nSLACK_BOT_TOKEN=%s\r\n" "$k" >a.env &&
	fp a.env >crlf &&
	test_cmp json crlf
'

test_done
