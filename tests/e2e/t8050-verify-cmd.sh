#!/usr/bin/env bash
test_description='keysnare verify: re-verifying JSON/JSONL reports (redacted, unredacted, history), --key, --verify-dry-run, --only-verified'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"
. "$E2E_DIR/verify-lib.sh"

# keysnare runs against the loopback mock (verify-lib.sh's mock_start), on
# ./src (the mock's .mock/ and .cache/ live in the test directory). Keys are
# generated at test time (newkey: also into ./keys for check_no_leak).

command -v openssl >/dev/null || test_skip_all "openssl is not installed"
command -v git >/dev/null || test_skip_all "git is not installed"

# vstates REPORT: "path:line rule state provider" per finding (json)
vstates() {
	"$PYTHON" - "$1" <<-\EOF
	import json, sys
	for f in json.load(open(sys.argv[1]))["findings"]:
	    v = f.get("verification") or {}
	    print("%s:%d %s %s %s" % (f["path"], f["line"], f["rule_id"], v.get("state", "-"),
	                              v.get("provider", "-")))
	EOF
}

# has_line FILE STRING: FILE has a line that is exactly STRING
has_line() {
	grep -qxF -e "$2" "$1" && return 0
	echo "has_line: no line \"$2\" in '$1':" >&4
	head -c 2000 "$1" >&4
	return 1
}

# two DeepSeek keys: a (live) in src/a.env, b (invalid) in src/sub/b.env;
# r.json / r.jsonl: their redacted report (no --verify: nothing sent)
setup_two() {
	mock_start &&
	a=$(newkey deepseek) &&
	b=$(newkey deepseek) &&
	plant src/a.env "$a" &&
	plant src/sub/b.env "$b" &&
	mock_scenario "$a" success &&
	mock_scenario "$b" invalid &&
	test_expect_code 1 ks scan -f json src >r.json 2>err &&
	test_expect_code 1 ks scan -f jsonl src >r.jsonl 2>err &&
	test "$(mock_count)" = 0 &&
	test "$(ksjson get r.json redacted)" = true &&
	printf "%s\n" "src/a.env:1 deepseek-api-key live deepseek" \
		"src/sub/b.env:1 deepseek-api-key invalid deepseek" >expect
}

test_expect_success 'verify REPORT, < REPORT, - < REPORT: each finding of a redacted report verified (keys found again in the files)' '
	setup_two &&
	test_expect_code 1 ks verify --no-verify-cache -f json r.json >v1.json 2>err1 &&
	vstates v1.json >actual &&
	test_cmp expect actual &&
	test "$(mock_count "key=$a")" = 1 &&
	test "$(mock_count "key=$b")" = 1 &&
	test "$(ksjson get v1.json stats.verification.requests)" = 2 &&
	test "$(ksjson get v1.json findings.0.secret_sha256)" = "$(ksjson get r.json findings.0.secret_sha256)" &&
	test "$(ksjson get v1.json findings.0.redacted)" = true &&
	test_expect_code 1 ks verify --no-verify-cache -f json <r.json >v2.json 2>err2 &&
	vstates v2.json >actual &&
	test_cmp expect actual &&
	test_expect_code 1 ks verify --no-verify-cache -f json - <r.json >v3.json 2>err3 &&
	vstates v3.json >actual &&
	test_cmp expect actual &&
	test "$(mock_count)" = 6 &&
	no_leak v1.json v2.json v3.json err1 err2 err3
'

test_expect_success 'verify: text (default), json, sarif output; exit 1 when findings are reported' '
	setup_two &&
	test_expect_code 1 ks verify r.json >out 2>err &&
	test_grep "^src/a.env:1:18: deepseek-api-key: sk-[0-9a-f]+\*\*\* \[live: is_available=true, balance=110.00 CNY\]$" out &&
	test_grep "^src/sub/b.env:1:18: deepseek-api-key: sk-[0-9a-f]+\*\*\* \[invalid" out &&
	test_line_count = 2 out &&
	test_grep "keysnare: verify: 2 keys, 2 requests" err &&
	test_expect_code 1 ks verify -f sarif r.json >out.sarif 2>err &&
	"$PYTHON" - out.sarif <<-\EOF &&
	import json, sys
	res = json.load(open(sys.argv[1]))["runs"][0]["results"]
	assert len(res) == 2, res
	states = sorted(r["properties"]["verification"]["state"] for r in res)
	assert states == ["invalid", "live"], states
	for r in res:
	    st = r["properties"]["verification"]["state"]
	    assert r["message"]["text"].endswith(" (verified: %s)" % st), r["message"]
	EOF
	test_expect_code 1 ks verify -f jsonl r.json >out.jsonl 2>err &&
	test_line_count = 2 out.jsonl &&
	no_leak out err out.sarif out.jsonl
'

test_expect_success 'verify reads a JSON Lines report too' '
	setup_two &&
	test_expect_code 1 ks verify --no-verify-cache -f json r.jsonl >v.json 2>err &&
	vstates v.json >actual &&
	test_cmp expect actual &&
	test "$(mock_count)" = 2 &&
	test_expect_code 1 ks verify --no-verify-cache -f json <r.jsonl >v.json 2>err &&
	vstates v.json >actual &&
	test_cmp expect actual
'

test_expect_success 'verify --root DIR: the report paths are relative to DIR' '
	setup_two &&
	mkdir elsewhere &&
	(
		cd elsewhere &&
		test_expect_code 1 ks verify --root .. -f json ../r.json >../v.json 2>../err
	) &&
	vstates v.json >actual &&
	test_cmp expect actual &&
	(
		cd elsewhere &&
		test_expect_code 2 ks verify -f json ../r.json >../v2.json 2>../err2
	) &&
	test_grep "src/a.env:1: .*(no longer there|cannot open)" err2 &&
	test "$(mock_count)" = 2
'

test_expect_success 'a key gone from its file since the report: error line naming the path, incomplete (exit 2, or 1 with other findings)' '
	setup_two &&
	echo "DEEPSEEK_API_KEY=removed" >src/sub/b.env &&
	test_expect_code 1 ks verify -f json r.json >v.json 2>err &&
	test_grep "src/sub/b.env:1: the deepseek-api-key secret is no longer there" err &&
	test "$(mock_count "key=$b")" = 0 &&
	test "$(ksjson get v.json incomplete)" = true &&
	test "$(ksjson get v.json findings.0.verification.state)" = live &&
	plant src/a.env "$b" &&
	test_expect_code 2 ks verify r.json >out 2>err &&
	test_grep "src/a.env:1: the deepseek-api-key secret is no longer there" err &&
	test_grep "src/sub/b.env:1: the deepseek-api-key secret is no longer there" err &&
	test_must_be_empty out &&
	rm -r src &&
	test_expect_code 2 ks verify r.json >out 2>err &&
	test_grep "src/a.env:1: .*(no longer there|cannot open)" err &&
	test "$(mock_count)" = 1 &&
	no_leak err
'

test_expect_success 'an unredacted report (--no-redact) of DeepSeek keys, files gone: verified with the report'"'"'s secrets' '
	setup_two &&
	test_expect_code 1 ks scan --no-redact -f json src >u.json 2>err &&
	test "$(ksjson get u.json redacted)" = false &&
	rm -r src &&
	test_expect_code 1 ks verify --no-verify-cache -f json u.json >v.json 2>err &&
	vstates v.json >actual &&
	test_cmp expect actual &&
	test "$(mock_count)" = 2
'

test_expect_success 'an unredacted report (GitHub token), file gone: verified; a secret that does not match its secret_sha256: error, not sent' '
	mock_start &&
	g=$(newkey github-pat) &&
	h=$(newkey github-pat) &&
	printf "GITHUB_TOKEN=%s\n" "$g" >tok.env &&
	mock_scenario "$g" success &&
	mock_scenario "$h" success &&
	test_expect_code 1 ks scan --no-redact -f json tok.env >u.json 2>err &&
	rm tok.env &&
	test_expect_code 1 ks verify --no-verify-cache -f json u.json >v.json 2>err &&
	test "$(ksjson get v.json findings.0.verification.state)" = live &&
	test "$(mock_count "key=$g")" = 1 &&
	"$PYTHON" - u.json "$h" <<-\EOF >bad.json &&
	import json, sys
	r = json.load(open(sys.argv[1]))
	r["findings"][0]["secret"] = sys.argv[2]
	json.dump(r, sys.stdout)
	EOF
	test_expect_code 2 ks verify --no-verify-cache bad.json >out 2>err &&
	test_grep "tok.env:1|finding 1" err &&
	test_must_be_empty out &&
	test "$(mock_count "key=$h")" = 0 &&
	test "$(mock_count)" = 1 &&
	printf "GITHUB_TOKEN=%s\n" "$h" >tok.env &&
	test_expect_code 2 ks verify --no-verify-cache bad.json >out 2>err &&
	test "$(mock_count "key=$h")" = 0
'

test_expect_success 'a history report: verify --repo REPO finds the key in the blob (deleted from the work tree) and verifies it' '
	mock_start &&
	k=$(newkey deepseek) &&
	mock_scenario "$k" success &&
	new_repo repo &&
	plant repo/cfg/a.env "$k" &&
	echo hello >repo/README &&
	commit_all repo "add config" &&
	git -C repo rm -q cfg/a.env &&
	commit_all repo "remove config" &&
	(
		cd repo &&
		test_expect_code 1 ks history -f json >../h.json 2>../err
	) &&
	test "$(ksjson get h.json findings.#)" = 1 &&
	test "$(ksjson get h.json findings.0.redacted)" = true &&
	test_path_is_missing repo/cfg/a.env &&
	test_expect_code 1 ks verify --repo repo -f json h.json >v.json 2>err &&
	test "$(ksjson get v.json findings.0.verification.state)" = live &&
	test "$(ksjson get v.json findings.0.path)" = cfg/a.env &&
	test "$(mock_count "key=$k")" = 1 &&
	(
		cd repo &&
		test_expect_code 1 ks verify --no-verify-cache ../h.json >../out 2>../err
	) &&
	test_grep "^cfg/a.env:1:18: deepseek-api-key: .*\[live" out &&
	test "$(mock_count "key=$k")" = 2 &&
	new_repo other &&
	echo hello >other/README &&
	commit_all other "unrelated" &&
	test_expect_code 2 ks verify --no-verify-cache --repo other h.json >out 2>err &&
	test_grep "cfg/a.env:1: .*(no longer there|not in the repository)" err &&
	test "$(mock_count "key=$k")" = 2 &&
	no_leak v.json out err h.json
'

test_expect_success 'verify --key: a github-pat from stdin, exit 1 live, 0 invalid, 2 unknown (error500)' '
	mock_start &&
	g=$(newkey github-pat) &&
	mock_scenario "$g" success &&
	printf "%s\n" "$g" >g.key &&
	test_expect_code 1 ks verify --key --no-verify-cache <g.key >out 2>err &&
	test_grep "github-pat: ghp_[A-Za-z0-9]+\*\*\* \[live: login=octocat" out &&
	test "$(mock_count provider=github "key=$g")" = 1 &&
	mock_scenario "$g" invalid &&
	test_expect_code 0 ks verify --key --no-verify-cache <g.key >out 2>err &&
	test_grep "\[invalid" out &&
	mock_scenario "$g" error500 &&
	test_expect_code 2 ks verify --key --no-verify-cache <g.key >out 2>err &&
	test_grep "\[unknown: HTTP 500" out &&
	test "$(mock_count provider=github "key=$g")" = 3 &&
	no_leak out err
'

test_expect_success 'verify --key: an anthropic key (x-api-key), live; the key never in the output' '
	mock_start &&
	k=$(newkey anthropic) &&
	mock_scenario "$k" success &&
	printf "%s\n" "$k" | test_expect_code 1 ks verify --key -f json >v.json 2>err &&
	test "$(ksjson get v.json findings.0.verification.state)" = live &&
	test "$(ksjson get v.json findings.0.verification.provider)" = anthropic &&
	test "$(mock_count provider=anthropic auth=x-api-key "key=$k")" = 1 &&
	no_leak v.json err
'

test_expect_success 'verify --key: sk- + 32 hex needs --rule deepseek-api-key (then deepseek); without it exit 3 and nothing sent' '
	mock_start &&
	k=$(newkey deepseek) &&
	mock_scenario "$k" success &&
	printf "%s\n" "$k" >k.key &&
	test_expect_code 3 ks verify --key <k.key >out 2>err &&
	test_grep -e "--rule" err &&
	test "$(mock_count)" = 0 &&
	test_must_be_empty out &&
	test_expect_code 1 ks verify --key --rule deepseek-api-key <k.key >out 2>err &&
	test_grep "deepseek-api-key: sk-[0-9a-f]+\*\*\* \[live" out &&
	test "$(mock_count provider=deepseek "key=$k")" = 1 &&
	test "$(mock_count)" = 1 &&
	no_leak out err
'

test_expect_success 'verify --key KEY (on the command line): exit 3, nothing sent, the key not echoed' '
	mock_start &&
	g=$(newkey github-pat) &&
	mock_scenario "$g" success &&
	test_expect_code 3 ks verify --key "$g" </dev/null >out 2>err &&
	test_expect_code 3 ks verify --key --rule github-pat "$g" </dev/null >out2 2>err2 &&
	test "$(mock_count)" = 0 &&
	no_leak out err out2 err2
'

test_expect_success 'verify --key --rule: a rule without a verifier, or no such rule: exit 3, nothing sent' '
	mock_start &&
	k=$(newkey deepseek) &&
	mock_scenario "$k" success &&
	printf "%s\n" "$k" >k.key &&
	test_expect_code 3 ks verify --key --rule perplexity-api-key <k.key >out 2>err &&
	test_grep "perplexity-api-key" err &&
	test_expect_code 3 ks verify --key --rule llm-sk-hex32-key <k.key >out 2>err &&
	test_expect_code 3 ks verify --key --rule no-such-rule <k.key >out 2>err &&
	test "$(mock_count)" = 0 &&
	no_leak err
'

test_expect_success '--verify-dry-run on scan: one stderr line per distinct key (provider, method, URL, rule, count), no key, nothing sent' '
	mock_start &&
	a=$(newkey deepseek) &&
	b=$(newkey deepseek) &&
	plant src/a.env "$a" &&
	plant src/b.env "$b" &&
	printf "DEEPSEEK_API_KEY=%s\n" "$a" >>src/b.env &&
	mock_scenario "$a" success &&
	mock_scenario "$b" success &&
	test_expect_code 1 ks scan --verify-dry-run -f json src >r.json 2>err &&
	test "$(mock_count)" = 0 &&
	grep "dry run" err >dry &&
	test_line_count = 2 dry &&
	has_line dry "keysnare: verify (dry run, nothing sent): deepseek GET https://api.deepseek.com/user/balance for deepseek-api-key (2 findings, first src/a.env:1)" &&
	has_line dry "keysnare: verify (dry run, nothing sent): deepseek GET https://api.deepseek.com/user/balance for deepseek-api-key (1 finding, first src/b.env:1)" &&
	test "$(ksjson get r.json findings.#)" = 3 &&
	"$PYTHON" - r.json <<-\EOF &&
	import json, sys
	for f in json.load(open(sys.argv[1]))["findings"]:
	    assert f.get("verification") is None, f
	EOF
	test_path_is_missing .cache/keysnare/verify-cache &&
	no_leak r.json err
'

test_expect_success '--verify-dry-run on verify (report and --key): the same lines, nothing sent' '
	mock_start &&
	a=$(newkey deepseek) &&
	plant src/a.env "$a" &&
	mock_scenario "$a" success &&
	test_expect_code 1 ks scan -f json src >r.json 2>err &&
	test_expect_code 1 ks verify --verify-dry-run r.json >out 2>err &&
	has_line err "keysnare: verify (dry run, nothing sent): deepseek GET https://api.deepseek.com/user/balance for deepseek-api-key (1 finding, first src/a.env:1)" &&
	g=$(newkey github-pat) &&
	mock_scenario "$g" success &&
	printf "%s\n" "$g" | test_expect_code 0 ks verify --key --verify-dry-run >out2 2>err2 &&
	test_grep "^keysnare: verify \(dry run, nothing sent\): github GET https://api\.github\.com/user for github-pat " err2 &&
	test "$(mock_count)" = 0 &&
	no_leak out err out2 err2
'

test_expect_success 'verify --only-verified: only live keys reported (exit 1), none live = exit 0, an unknown one = warning and exit 2' '
	setup_two &&
	test_expect_code 1 ks verify --only-verified -f json r.json >v.json 2>err &&
	vstates v.json >actual &&
	echo "src/a.env:1 deepseek-api-key live deepseek" >expect1 &&
	test_cmp expect1 actual &&
	test "$(ksjson get v.json stats.verification.hidden_by_only_verified)" = 1 &&
	mock_scenario "$a" invalid &&
	test_expect_code 0 ks verify --only-verified --no-verify-cache r.json >out 2>err &&
	test_must_be_empty out &&
	mock_scenario "$a" error500 &&
	test_expect_code 2 ks verify --only-verified --no-verify-cache r.json >out 2>err &&
	test_must_be_empty out &&
	test_grep "could not be verified \(unknown\).*incomplete" err &&
	no_leak v.json out err
'

test_expect_success 'a report with keys of several providers: each verified with its own provider' '
	mock_start &&
	d=$(newkey deepseek) &&
	g=$(newkey github-pat) &&
	n=$(newkey anthropic) &&
	plant src/d.env "$d" &&
	printf "GITHUB_TOKEN=%s\n" "$g" >src/g.env &&
	printf "ANTHROPIC_API_KEY=%s\n" "$n" >src/n.env &&
	mock_scenario "$d" success &&
	mock_scenario "$g" invalid &&
	mock_scenario "$n" restricted &&
	test_expect_code 1 ks scan -f json src >r.json 2>err &&
	test_expect_code 1 ks verify -f json r.json >v.json 2>err &&
	vstates v.json >actual &&
	printf "%s\n" "src/d.env:1 deepseek-api-key live deepseek" \
		"src/g.env:1 github-pat invalid github" \
		"src/n.env:1 anthropic-api-key live_restricted anthropic" >expect &&
	test_cmp expect actual &&
	test "$(mock_count provider=deepseek "key=$d")" = 1 &&
	test "$(mock_count provider=github "key=$g")" = 1 &&
	test "$(mock_count provider=anthropic "key=$n")" = 1 &&
	test "$(mock_count)" = 3 &&
	no_leak v.json err
'

test_expect_success 'a report with no findings: exit 0, nothing sent; a report that is not JSON: an error, no crash' '
	mock_start &&
	mkdir src &&
	echo "nothing here" >src/x.txt &&
	test_expect_code 0 ks scan -f json src >r.json 2>err &&
	test_expect_code 0 ks verify r.json >out 2>err &&
	test_must_be_empty out &&
	echo "this is not json {" >bad.json &&
	test_expect_code_in "2 3" ks verify bad.json >out 2>err &&
	test_grep "bad.json|JSON|json" err &&
	test_expect_code_in "2 3" ks verify no-such-file.json >out 2>err &&
	test_grep "no-such-file.json" err &&
	test "$(mock_count)" = 0
'

test_done
