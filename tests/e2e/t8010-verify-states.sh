#!/usr/bin/env bash
test_description='--verify against the loopback mock: every provider live/invalid with its detail, the restricted and unfunded answers, AWS SigV4, unknown outcomes, the outputs (text, json, jsonl, sarif), history/staged/hook, --only-verified, deduplication, suppressed findings'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"
. "$E2E_DIR/verify-lib.sh"

# mock_start puts .mock/ and .cache/ into the test directory: the scans
# read src/ (or a repository), never ".". Keys are made at test time
# (newkey appends each one to ./keys for check_no_leak).

command -v curl >/dev/null || test_skip_all "curl is not installed"
command -v openssl >/dev/null || test_skip_all "openssl is not installed"
command -v git >/dev/null || test_skip_all "git is not installed"

# mkkey FAMILY [N]: the key families keygen.py has not (built from the
# providers' documented shapes, with keygen.py's plausibility filter),
# appended to ./keys like newkey
mkkey() {
	"$PYTHON" - "$@" <<-\EOF | tee -a keys
	import os, sys
	sys.path.insert(0, os.environ["E2E_DIR"])
	import keygen as k
	fam, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1
	def slack_user():
	    r = k.rand(k.ALNUM, 32)
	    return "xoxp-%s-%s-%s-%s" % (k.rand(k.DIGITS, 11), k.rand(k.DIGITS, 12),
	                                 k.rand(k.DIGITS, 13), r), r
	shapes = {
	    "openai-admin": (k.simple("sk-admin-", k.B64URL, 74,
	                              middle=("T3BlbkFJ", k.B64URL, 74)), 64),
	    "anthropic-admin": (k.simple("sk-ant-admin01-", k.B64URL, 93, suffix="AA"), 64),
	    "mistral": (k.simple("", k.ALNUM, 32), 62),
	    "slack-user": (slack_user, 62),
	    "github-oauth": (k.simple("gho_", k.ALNUM, 36), 62),
	    "github-app": (k.simple("ghs_", k.ALNUM, 36), 62),
	}
	maker, alpha = shapes[fam]
	for _ in range(n):
	    while True:
	        v, r = maker()
	        if k.plausible(v, r, alpha) and k.entropy(r) >= 4.3:
	            print(v)
	            break
	EOF
}

# anykey FAMILY: newkey for keygen.py's families, mkkey for the others
anykey() {
	case $1 in
	openai-admin|anthropic-admin|mistral|slack-user|github-oauth|github-app) mkkey "$1" ;;
	*) newkey "$1" ;;
	esac
}

# keyline NAME KEY: an assignment the provider's rule finds
keyline() {
	printf '%s=%s\n' "$1" "$2"
}

# the providers: id | key family | variable name | method | host | path |
# query | auth | text detail | JSON detail (sorted keys)
PROVIDERS='deepseek|deepseek|DEEPSEEK_API_KEY|GET|api.deepseek.com|/user/balance||bearer|is_available=true, balance=110.00 CNY|{"balance": "110.00 CNY", "is_available": "true"}
openai|openai-project|OPENAI_API_KEY|GET|api.openai.com|/v1/models||bearer||{}
openai|openai-legacy|OPENAI_API_KEY|GET|api.openai.com|/v1/models||bearer||{}
openai-admin|openai-admin|OPENAI_ADMIN_KEY|GET|api.openai.com|/v1/organization/projects|limit=1|bearer||{}
anthropic|anthropic|ANTHROPIC_API_KEY|GET|api.anthropic.com|/v1/models||x-api-key||{}
anthropic-admin|anthropic-admin|ANTHROPIC_ADMIN_KEY|GET|api.anthropic.com|/v1/organizations/me||x-api-key|organization=Acme|{"organization": "Acme"}
groq|groq|GROQ_API_KEY|GET|api.groq.com|/openai/v1/models||bearer||{}
mistral|mistral|MISTRAL_API_KEY|GET|api.mistral.ai|/v1/models||bearer||{}
xai|xai|XAI_API_KEY|GET|api.x.ai|/v1/api-key||bearer|name=ci key, acls=api-key:model:*,api-key:endpoint:*|{"acls": "api-key:model:*,api-key:endpoint:*", "name": "ci key"}
google-ai|google|GEMINI_API_KEY|GET|generativelanguage.googleapis.com|/v1beta/models|pageSize=1|x-goog-api-key||{}
huggingface|huggingface|HF_TOKEN|GET|huggingface.co|/api/whoami-v2||bearer|user=alice, role=write|{"role": "write", "user": "alice"}
openrouter|openrouter|OPENROUTER_API_KEY|GET|openrouter.ai|/api/v1/key||bearer|limit=none, usage=0.25|{"limit": "none", "usage": "0.25"}
github|github-pat|GH_TOKEN|GET|api.github.com|/user||bearer|login=octocat, scopes=repo, read:org|{"login": "octocat", "scopes": "repo, read:org"}
github|github-fine-grained|GH_TOKEN|GET|api.github.com|/user||bearer|login=octocat, scopes=repo, read:org|{"login": "octocat", "scopes": "repo, read:org"}
github|github-oauth|GH_TOKEN|GET|api.github.com|/user||bearer|login=octocat, scopes=repo, read:org|{"login": "octocat", "scopes": "repo, read:org"}
github|github-app|GH_TOKEN|GET|api.github.com|/user||bearer|login=octocat, scopes=repo, read:org|{"login": "octocat", "scopes": "repo, read:org"}
gitlab|gitlab|GITLAB_TOKEN|GET|gitlab.com|/api/v4/personal_access_tokens/self||private-token|name=ci, scopes=api,read_user, expires_at=2027-01-01|{"expires_at": "2027-01-01", "name": "ci", "scopes": "api,read_user"}
slack|slack-bot|SLACK_TOKEN|POST|slack.com|/api/auth.test||bearer|team=Acme, user=ci-bot|{"team": "Acme", "user": "ci-bot"}
slack|slack-user|SLACK_TOKEN|POST|slack.com|/api/auth.test||bearer|team=Acme, user=ci-bot|{"team": "Acme", "user": "ci-bot"}'

test_expect_success 'every provider: a success key is live with its detail (text and JSON), an unknown key is invalid; one request each, to its own route' '
	mock_start &&
	n=0 &&
	while IFS="|" read -r prov fam name method host path query auth tdetail jdetail
	do
		rm -rf src && mkdir src &&
		k=$(anykey "$fam") && u=$(anykey "$fam") &&
		mock_scenario "$k" success &&
		{ keyline "$name" "$k" && keyline "${name}_2" "$u"; } >src/a.env &&
		test_expect_code 1 keysnare scan --verify src >out 2>err &&
		test_line_count = 2 out &&
		if [ -n "$tdetail" ]
		then
			want="[live: $tdetail]"
		else
			want="[live]"
		fi &&
		grep "^src/a.env:1:" out >line1 &&
		grep -F -- "$want" line1 >/dev/null &&
		grep "^src/a.env:2:" out >line2 &&
		test_grep "\[invalid: .+\]$" line2 &&
		test_expect_code 1 keysnare scan --verify -f json src >out.json 2>err &&
		test "$(vget out.json 0 state)" = live &&
		test "$(vget out.json 0 provider)" = "$prov" &&
		test "$(vget out.json 0 http_status)" = 200 &&
		test "$(vget out.json 0 detail)" = "$jdetail" &&
		test "$(vget out.json 1 state)" = invalid &&
		test "$(vget out.json 1 provider)" = "$prov" &&
		test "$(mock_count "key=$k")" = 1 &&
		test "$(mock_count "key=$k" provider="$prov" host="$host" method="$method" \
			path="$path" query="$query" auth="$auth" scenario=success status=200)" = 1 &&
		test "$(mock_count "key=$u")" = 1 &&
		test "$(mock_count "key=$u" provider="$prov" host="$host" method="$method" \
			path="$path" query="$query" auth="$auth" scenario=invalid)" = 1 &&
		n=$((n + 2)) &&
		test "$(mock_count)" = $n || return 1
	done <<-EOF &&
	$PROVIDERS
	EOF
	test "$(mock_field header_values.anthropic-version host=api.anthropic.com | sort -u)" = 2023-06-01 &&
	test "$(mock_count host=api.anthropic.com)" = 4 &&
	test "$(mock_field header_values.x-github-api-version provider=github | sort -u)" = 2022-11-28 &&
	test "$(mock_field header_values.accept provider=github | sort -u)" = application/vnd.github+json &&
	test "$(mock_field header_values.content-type provider=slack | sort -u)" = application/x-www-form-urlencoded &&
	test "$(mock_count provider=slack method=POST body_len=0)" = 4 &&
	test "$(mock_count provider=google-ai auth=x-goog-api-key query=pageSize=1)" = 2 &&
	mock_field headers provider=google-ai >ghdrs &&
	test_grep -v "authorization" ghdrs &&
	test "$(mock_count auth=none)" = 0 &&
	check_no_leak "$MOCK_LOG" keys &&
	check_no_leak "$MOCK_DIR/stderr" keys
'

test_expect_success 'all the providers in one scan: each key is sent once, to its own provider only' '
	mock_start &&
	mkdir src &&
	i=0 &&
	while IFS="|" read -r prov fam name method host path query auth tdetail jdetail
	do
		i=$((i + 1)) &&
		k=$(anykey "$fam") &&
		mock_scenario "$k" success &&
		printf "%s|%s|%s\n" "$k" "$prov" "$host" >>table &&
		keyline "$name" "$k" >"src/f$i.env" || return 1
	done <<-EOF &&
	$PROVIDERS
	EOF
	test_expect_code 1 keysnare scan --verify -f json src >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = $i &&
	while IFS="|" read -r k prov host
	do
		test "$(mock_count "key=$k")" = 1 &&
		test "$(mock_count "key=$k" provider="$prov" host="$host")" = 1 || return 1
	done <table &&
	test "$(mock_count)" = $i &&
	"$PYTHON" -c "
import json, sys
r = json.load(open(\"out.json\"))
states = [f[\"verification\"][\"state\"] for f in r[\"findings\"]]
assert states == [\"live\"] * len(states), states
assert r[\"stats\"][\"verification\"][\"live\"] == len(states), r[\"stats\"][\"verification\"]
" &&
	check_no_leak "$MOCK_LOG" keys
'

# restricted/unfunded: id | family | name | scenario | options | state | JSON detail
VARIANTS='deepseek|deepseek|DEEPSEEK_API_KEY|unfunded||live|{"balance": "insufficient", "is_available": "false"}
openai|openai-project|OPENAI_API_KEY|restricted||live_restricted|{"missing_scopes": "api.model.read"}
openai|openai-project|OPENAI_API_KEY|unfunded||live|{"quota": "exhausted"}
openai-admin|openai-admin|OPENAI_ADMIN_KEY|restricted||live_restricted|{"missing_scopes": "api.model.read"}
anthropic|anthropic|ANTHROPIC_API_KEY|restricted||live_restricted|-
anthropic-admin|anthropic-admin|ANTHROPIC_ADMIN_KEY|restricted||live_restricted|-
google-ai|google|GEMINI_API_KEY|restricted||live_restricted|{"restriction": "SERVICE_DISABLED"}
google-ai|google|GEMINI_API_KEY|restricted|{"reason": "API_KEY_IP_ADDRESS_BLOCKED"}|live_restricted|{"restriction": "API_KEY_IP_ADDRESS_BLOCKED"}
google-ai|google|GEMINI_API_KEY|restricted|{"reason": "API_KEY_HTTP_REFERRER_BLOCKED"}|live_restricted|{"restriction": "API_KEY_HTTP_REFERRER_BLOCKED"}
github|github-pat|GH_TOKEN|restricted||live_restricted|-
github|github-pat|GH_TOKEN|success|{"scopes": ""}|live|{"login": "octocat", "scopes": "none listed"}
gitlab|gitlab|GITLAB_TOKEN|restricted||live_restricted|-
gitlab|gitlab|GITLAB_TOKEN|success|{"merge": {"expires_at": null}}|live|{"expires_at": "never", "name": "ci", "scopes": "api,read_user"}
gitlab|gitlab|GITLAB_TOKEN|disabled||invalid|-
gitlab|gitlab|GITLAB_TOKEN|success|{"merge": {"active": false}}|invalid|-
deepseek|deepseek|DEEPSEEK_API_KEY|success|{"merge": {"is_available": false}}|live|-
slack|slack-bot|SLACK_TOKEN|invalid|{"error": "token_revoked"}|invalid|-
slack|slack-bot|SLACK_TOKEN|invalid|{"error": "account_inactive"}|invalid|-
openrouter|openrouter|OPENROUTER_API_KEY|success|{"merge": {"data": {"limit": 10, "usage": 1.5, "label": "sk-or-v1-abc...xyz"}}}|live|{"limit": "10", "usage": "1.5"}'

test_expect_success 'restricted and unfunded answers: live_restricted (missing_scopes, restriction) or live (quota, balance); revoked/inactive = invalid' '
	mock_start &&
	while IFS="|" read -r prov fam name scen opts state jdetail
	do
		rm -rf src && mkdir src &&
		k=$(anykey "$fam") &&
		mock_scenario "$k" "$scen" "$opts" &&
		keyline "$name" "$k" >src/a.env &&
		test_expect_code 1 keysnare scan --verify -f json src >out.json 2>err &&
		test "$(vget out.json 0 state)" = "$state" &&
		test "$(vget out.json 0 provider)" = "$prov" &&
		if [ "$jdetail" != - ]
		then
			test "$(vget out.json 0 detail)" = "$jdetail"
		fi &&
		test "$(mock_count "key=$k" provider="$prov")" = 1 || {
			echo "failed: $prov $scen $opts" >&4
			cat out.json err >&4
			return 1
		}
	done <<-EOF &&
	$VARIANTS
	EOF
	check_no_leak "$MOCK_LOG" keys
'

test_expect_success 'restricted in text: [live_restricted: ...]; deepseek 402 and openai 429 insufficient_quota in text' '
	mock_start &&
	mkdir src &&
	k1=$(newkey openai-project) && k2=$(newkey openai-project) && k3=$(newkey deepseek) &&
	mock_scenario "$k1" restricted &&
	mock_scenario "$k2" unfunded &&
	mock_scenario "$k3" unfunded &&
	{ keyline OPENAI_API_KEY "$k1" && keyline OPENAI_KEY_2 "$k2"; } >src/a.env &&
	keyline DEEPSEEK_API_KEY "$k3" >src/d.env &&
	test_expect_code 1 keysnare scan --verify src/a.env >out 2>err &&
	test_expect_code 1 keysnare scan --verify src/d.env >>out 2>>err &&
	grep "^src/a.env:1:" out >l1 &&
	test_grep "\[live_restricted: .*missing_scopes=api\.model\.read\]$" l1 &&
	grep "^src/a.env:2:" out >l2 &&
	test_grep "\[live: .*quota=exhausted\]$" l2 &&
	grep "^src/d.env:1:" out >l3 &&
	test_grep "\[live: .*is_available=false, balance=insufficient\]$" l3 &&
	test "$(mock_count)" = 3
'

test_expect_success 'the openrouter label (part of the key) is never reported' '
	mock_start &&
	mkdir src &&
	k=$(newkey openrouter) &&
	label="${k%"${k#sk-or-v1-???}"}...${k#"${k%???}"}" &&
	mock_scenario "$k" success "{\"merge\": {\"data\": {\"label\": \"$label\", \"limit\": null, \"usage\": 0.25}}}" &&
	keyline OPENROUTER_API_KEY "$k" >src/a.env &&
	test_expect_code 1 keysnare scan --verify -vv -f json src >out.json 2>err &&
	test "$(vget out.json 0 state)" = live &&
	test_grep -v "label" out.json &&
	test_grep -v -F "$label" out.json &&
	test_grep -v -F "$label" err
'

aws_file() {  # aws_file FILE ID SECRET
	printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$2" "$3" >"$1"
}

test_expect_success 'aws: id + secret in one file, signed with SigV4 (the mock checks it) -> live with account and arn, on both findings' '
	mock_start &&
	mkdir src &&
	id=$(newkey aws-key-id) && secret=$(newkey aws-secret) &&
	mock_aws_scenario "$id" "$secret" success &&
	aws_file src/credentials "$id" "$secret" &&
	test_expect_code 1 keysnare scan --verify -f json src >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 2 &&
	test "$(ksjson get out.json findings.0.rule_id)" = aws-access-key-id &&
	test "$(ksjson get out.json findings.1.rule_id)" = aws-secret-access-key &&
	for i in 0 1
	do
		test "$(vget out.json $i state)" = live &&
		test "$(vget out.json $i provider)" = aws &&
		test "$(vget out.json $i http_status)" = 200 &&
		test "$(vget out.json $i detail.account)" = 123456789012 &&
		test "$(vget out.json $i detail.arn)" = arn:aws:iam::123456789012:user/alice || return 1
	done &&
	test "$(mock_count)" = 1 &&
	test "$(mock_count provider=aws host=sts.amazonaws.com method=POST path=/ auth=aws-sigv4 "key=$id" sigv4=ok status=200)" = 1 &&
	test "$(mock_field body_len)" = 43 &&
	mock_field header_values.content-type >ct &&
	test_grep "^application/x-www-form-urlencoded" ct &&
	test_expect_code 1 keysnare scan --verify --no-verify-cache src >out 2>err &&
	grep "^src/credentials:3:" out >l &&
	grep -qF "[live: account=123456789012, arn=arn:aws:iam::123456789012:user/alice]" l &&
	check_no_leak "$MOCK_LOG" keys &&
	check_no_leak out keys &&
	check_no_leak err keys
'

test_expect_success 'aws: a wrong secret for the id -> unknown (SignatureDoesNotMatch), not invalid; an unknown id -> invalid (InvalidClientTokenId)' '
	mock_start &&
	mkdir src src3 &&
	id=$(newkey aws-key-id) && secret=$(newkey aws-secret) && wrong=$(newkey aws-secret) &&
	mock_aws_scenario "$id" "$secret" success &&
	aws_file src/credentials "$id" "$wrong" &&
	test_expect_code 1 keysnare scan --verify -f json src >out.json 2>err &&
	for i in 0 1
	do
		test "$(vget out.json $i state)" = unknown &&
		test "$(vget out.json $i http_status)" = 403 &&
		vget out.json $i reason >reason &&
		test_grep "secret does not match the key id" reason || return 1
	done &&
	test "$(mock_count "key=$id" sigv4=mismatch)" = 1 &&
	id3=$(newkey aws-key-id) && secret3=$(newkey aws-secret) &&
	aws_file src3/credentials "$id3" "$secret3" &&
	test_expect_code 1 keysnare scan --verify -f json src3 >out3.json 2>err &&
	test "$(vget out3.json 1 state)" = invalid &&
	test "$(vget out3.json 0 state)" = invalid &&
	test "$(mock_count "key=$id3" scenario=invalid status=403)" = 1 &&
	test "$(mock_count)" = 2 &&
	check_no_leak out.json keys &&
	check_no_leak err keys
'

test_expect_success 'aws: AccessDenied (right signature) -> live_restricted' '
	mock_start &&
	mkdir src &&
	id=$(newkey aws-key-id) && secret=$(newkey aws-secret) &&
	mock_aws_scenario "$id" "$secret" restricted &&
	aws_file src/credentials "$id" "$secret" &&
	test_expect_code 1 keysnare scan --verify -f json src >out.json 2>err &&
	test "$(mock_count "key=$id" sigv4=ok status=403)" = 1 &&
	test "$(vget out.json 1 state)" = live_restricted &&
	test "$(vget out.json 0 state)" = live_restricted
'

test_expect_success 'aws: stats.verification counts the id finding once (verified with its secret, not "without a verifier")' '
	mock_start &&
	mkdir src &&
	id=$(newkey aws-key-id) && secret=$(newkey aws-secret) &&
	aws_file src/credentials "$id" "$secret" &&
	test_expect_code 1 keysnare scan --verify -f json src >out.json 2>err &&
	test "$(vget out.json 0 state)" = invalid &&
	test "$(vget out.json 1 state)" = invalid &&
	test "$(ksjson get out.json stats.verification.keys)" = 1 &&
	test "$(ksjson get out.json stats.verification.requests)" = 1 &&
	test "$(ksjson get out.json stats.verification.invalid)" = 2 &&
	test "$(ksjson get out.json stats.verification.not_verifiable)" = 0 &&
	test_grep "; 0 findings without a verifier" err
'

test_expect_success 'aws: a secret with no key id in its file -> unknown "no AWS access key id", nothing sent' '
	mock_start &&
	mkdir src &&
	id=$(newkey aws-key-id) && secret=$(newkey aws-secret) &&
	mock_aws_scenario "$id" "$secret" success &&
	printf "aws_access_key_id = %s\n" "$id" >src/a.cfg &&
	printf "aws_secret_access_key = %s\n" "$secret" >src/b.cfg &&
	test_expect_code 1 keysnare scan --verify -f json src/b.cfg >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	test "$(vget out.json 0 state)" = unknown &&
	vget out.json 0 reason >reason &&
	test_grep "^no AWS access key id in the same file" reason &&
	test "$(mock_count)" = 0 &&
	test_expect_code 1 keysnare scan --verify -f json src >out.json 2>err &&
	test "$(mock_count)" = 0
'

# unknown outcomes: scenario | options | reason (ERE)
UNKNOWNS='html||html
garbage||not the expected
notjson||not the expected|JSON
error500||HTTP 500
custom|{"status": 418, "body": {"x": 1}}|HTTP 418'

test_expect_success 'unknown, never live or invalid: html, garbage, notjson, error500, other statuses, for every provider' '
	mock_start &&
	while IFS="|" read -r prov fam name method host rest
	do
		rm -rf src && mkdir src && : >src/a.env && : >ks &&
		while IFS="|" read -r scen opts why
		do
			k=$(anykey "$fam") &&
			mock_scenario "$k" "$scen" "$opts" &&
			keyline "$name$(wc -l <ks)" "$k" >>src/a.env &&
			printf "%s|%s|%s\n" "$k" "$scen" "$why" >>ks || return 1
		done <<-EOF &&
		$UNKNOWNS
		EOF
		test_expect_code 1 keysnare scan --verify --no-verify-cache -f json src >out.json 2>err &&
		i=0 &&
		while IFS="|" read -r k scen why
		do
			test "$(vget out.json $i state)" = unknown &&
			test "$(vget out.json $i provider)" = "$prov" &&
			vget out.json $i reason >reason &&
			test_grep -i "$why" reason &&
			test "$(mock_count "key=$k" scenario="$scen")" = 1 &&
			i=$((i + 1)) || {
				echo "failed: $prov $scen" >&4
				cat out.json >&4
				return 1
			}
		done <ks || return 1
	done <<-EOF &&
	$(printf "%s\n" "$PROVIDERS" | sort -t "|" -u -k1,1)
	EOF
	check_no_leak "$MOCK_LOG" keys
'

test_expect_success 'unknown: slack ok:false with another error, xai disabled/blocked keys, deepseek without is_available' '
	mock_start &&
	mkdir s x d &&
	s1=$(newkey slack-bot) && s2=$(newkey slack-bot) &&
	mock_scenario "$s1" slack-error &&
	mock_scenario "$s2" slack-error "{\"error\": \"team_added_to_org\"}" &&
	{ keyline SLACK_TOKEN "$s1" && keyline SLACK_TOKEN2 "$s2"; } >s/a.env &&
	test_expect_code 1 keysnare scan --verify -f json s >s.json 2>err &&
	test "$(vget s.json 0 state)" = unknown &&
	test "$(vget s.json 0 reason)" = "slack: ratelimited" &&
	test "$(vget s.json 1 state)" = unknown &&
	test "$(vget s.json 1 reason)" = "slack: team_added_to_org" &&
	x1=$(newkey xai) && x2=$(newkey xai) && x3=$(newkey xai) &&
	mock_scenario "$x1" disabled &&
	mock_scenario "$x2" success "{\"merge\": {\"api_key_blocked\": true}}" &&
	mock_scenario "$x3" success "{\"merge\": {\"team_blocked\": true}}" &&
	{ keyline XAI_API_KEY "$x1" && keyline XAI_KEY2 "$x2" && keyline XAI_KEY3 "$x3"; } >x/a.env &&
	test_expect_code 1 keysnare scan --verify -f json x >x.json 2>err &&
	for i in 0 1 2
	do
		test "$(vget x.json $i state)" = unknown &&
		vget x.json $i reason >reason &&
		test_grep "blocked or disabled" reason || return 1
	done &&
	d1=$(newkey deepseek) &&
	mock_scenario "$d1" custom "{\"status\": 200, \"body\": {\"balance_infos\": []}}" &&
	keyline DEEPSEEK_API_KEY "$d1" >d/a.env &&
	test_expect_code 1 keysnare scan --verify -f json d >d.json 2>err &&
	test "$(vget d.json 0 state)" = unknown &&
	test "$(mock_count)" = 6
'

test_expect_success 'json: the verification object (state, provider, http_status, reason, detail, checked_at, cached) and stats.verification; schema-valid' '
	mock_start &&
	mkdir src &&
	k1=$(newkey deepseek) && k2=$(newkey deepseek) && k3=$(newkey deepseek) && k4=$(newkey stripe) &&
	mock_scenario "$k1" success &&
	mock_scenario "$k3" error500 &&
	printf "DEEPSEEK_API_KEY=%s\nDEEPSEEK_KEY2=%s\nDEEPSEEK_KEY3=%s\nSTRIPE_KEY=%s\n" "$k1" "$k2" "$k3" "$k4" >src/a.env &&
	test_expect_code 1 keysnare scan --verify -f json src >out.json 2>err &&
	"$PYTHON" - out.json <<-\EOF &&
	import json, re, sys
	r = json.load(open(sys.argv[1]))
	f = r["findings"]
	assert [x["rule_id"] for x in f] == ["deepseek-api-key"] * 3 + ["stripe-secret-key"], f
	want = [("live", 200), ("invalid", 401), ("unknown", 500)]
	for x, (state, status) in zip(f, want):
	    v = x["verification"]
	    assert v["state"] == state and v["provider"] == "deepseek", v
	    assert v["http_status"] == status and type(v["http_status"]) is int, v
	    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", v["checked_at"]), v
	    assert v["cached"] is False, v
	    assert isinstance(v["detail"], dict), v
	    assert all(isinstance(a, str) for a in v["detail"].values()), v
	    assert set(v) <= {"state", "provider", "http_status", "reason", "detail", "checked_at", "cached"}, v
	assert "reason" not in f[0]["verification"] or f[0]["verification"]["reason"], f[0]
	assert f[0]["verification"]["detail"] == {"is_available": "true", "balance": "110.00 CNY"}
	assert f[1]["verification"]["reason"] and f[2]["verification"]["reason"], f
	assert "verification" not in f[3], f[3]
	sv = r["stats"]["verification"]
	assert sv == {"keys": 3, "requests": 3, "cached": 0, "live": 1, "live_restricted": 0,
	              "invalid": 1, "unknown": 1, "not_verifiable": 1,
	              "hidden_by_only_verified": 0}, sv
	EOF
	ksjson validate "$SCHEMA" out.json &&
	test_grep "keysnare: verify: 3 keys, 3 requests, 0 cached: 1 live, 0 live_restricted, 1 invalid, 1 unknown" err &&
	check_no_leak out.json keys &&
	check_no_leak err keys
'

test_expect_success 'the cache: a second run sends nothing and says cached (json cached:true, text "(cached)"); unknown is never cached' '
	mock_start &&
	mkdir src &&
	k1=$(newkey groq) && k2=$(newkey groq) && k3=$(newkey groq) &&
	mock_scenario "$k1" success &&
	mock_scenario "$k3" error500 &&
	printf "GROQ_API_KEY=%s\nGROQ_KEY2=%s\nGROQ_KEY3=%s\n" "$k1" "$k2" "$k3" >src/a.env &&
	test_expect_code 1 keysnare scan --verify src >out 2>err &&
	test "$(mock_count)" = 3 &&
	test_expect_code 1 keysnare scan --verify -f json src >out.json 2>err &&
	test "$(mock_count)" = 4 &&
	test "$(mock_count "key=$k3")" = 2 &&
	test "$(vget out.json 0 cached)" = true &&
	test "$(vget out.json 1 cached)" = true &&
	test "$(vget out.json 2 cached)" = false &&
	test "$(ksjson get out.json stats.verification.cached)" = 2 &&
	test "$(ksjson get out.json stats.verification.requests)" = 1 &&
	test_expect_code 1 keysnare scan --verify src >out 2>err &&
	grep "^src/a.env:1:" out >l1 &&
	test_grep "\[live.*\(cached\)\]$" l1 &&
	test_expect_code 1 keysnare scan --verify --no-verify-cache -f json src >out.json 2>err &&
	test "$(vget out.json 0 cached)" = false &&
	test "$(mock_count "key=$k1")" = 2 &&
	test_path_is_file .cache/keysnare/verify-cache &&
	check_no_leak .cache/keysnare/verify-cache keys
'

test_expect_success 'jsonl and sarif carry the verification; sarif message says "(verified: STATE)"' '
	mock_start &&
	mkdir src &&
	k1=$(newkey huggingface) && k2=$(newkey huggingface) &&
	mock_scenario "$k1" success &&
	printf "HF_TOKEN=%s\nHF_TOKEN2=%s\n" "$k1" "$k2" >src/a.env &&
	test_expect_code 1 keysnare scan --verify -f jsonl src >out.jsonl 2>err &&
	test_expect_code 1 keysnare scan --verify -f sarif src >out.sarif 2>err &&
	"$PYTHON" - out.jsonl out.sarif <<-\EOF &&
	import json, sys
	lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
	fs = [l for l in lines if "rule_id" in l]
	assert len(fs) == 2, lines
	assert fs[0]["verification"]["state"] == "live", fs[0]
	assert fs[0]["verification"]["detail"] == {"user": "alice", "role": "write"}, fs[0]
	assert fs[1]["verification"]["state"] == "invalid", fs[1]
	s = json.load(open(sys.argv[2]))
	res = s["runs"][0]["results"]
	assert len(res) == 2, res
	v = [r["properties"]["verification"] for r in res]
	assert sorted(x["state"] for x in v) == ["invalid", "live"], v
	for r in res:
	    st = r["properties"]["verification"]["state"]
	    assert r["message"]["text"].endswith(" (verified: %s)" % st) or \
	        "(verified: %s)" % st in r["message"]["text"], r["message"]
	EOF
	ksjson validate-jsonl "$SCHEMA" out.jsonl &&
	check_no_leak out.jsonl keys &&
	check_no_leak out.sarif keys &&
	test "$(mock_count)" = 2
'

test_expect_success 'without --verify: no verification anywhere (text, json, jsonl, sarif) and no request' '
	mock_start &&
	mkdir src &&
	k=$(newkey deepseek) && g=$(newkey github-pat) &&
	mock_scenario "$k" success &&
	mock_scenario "$g" success &&
	printf "DEEPSEEK_API_KEY=%s\nGH=%s\n" "$k" "$g" >src/a.env &&
	for f in text json jsonl sarif
	do
		test_expect_code 1 keysnare scan -f $f src >out.$f 2>err.$f &&
		test_grep -v -i "verif|live" out.$f &&
		test_grep -v -i "verif" err.$f || return 1
	done &&
	test_grep -v "\[" out.text &&
	test "$(mock_count)" = 0 &&
	test "$(mock_dropped)" = 0 &&
	test_path_is_missing .cache/keysnare
'

test_expect_success 'history --verify: a key found in history (since deleted) is verified' '
	mock_start &&
	new_repo repo &&
	k=$(newkey groq) &&
	mock_scenario "$k" success &&
	keyline GROQ_API_KEY "$k" >repo/a.env &&
	commit_all repo "add" &&
	git -C repo rm -q a.env &&
	git -C repo commit -q -m "rm" &&
	test_expect_code 1 keysnare history --repo repo --verify -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	test "$(vget out.json 0 state)" = live &&
	test "$(vget out.json 0 provider)" = groq &&
	test "$(mock_count "key=$k" provider=groq)" = 1 &&
	test "$(mock_count)" = 1 &&
	test_expect_code 1 keysnare history --repo repo -f json >out2.json 2>err &&
	test_grep -v "verification" out2.json &&
	test "$(mock_count)" = 1
'

test_expect_success 'staged --verify verifies a staged key; the installed hook never verifies (0 requests)' '
	mock_start &&
	new_repo repo &&
	: >repo/README && commit_all repo init &&
	k=$(newkey github-pat) &&
	mock_scenario "$k" success &&
	keyline GH_TOKEN "$k" >repo/a.env &&
	git -C repo add a.env &&
	test_expect_code 1 in_dir repo "$KEYSNARE" staged --verify -f json >out.json 2>err &&
	test "$(vget out.json 0 state)" = live &&
	test "$(vget out.json 0 detail.login)" = octocat &&
	test "$(mock_count "key=$k" provider=github)" = 1 &&
	test_expect_code 1 in_dir repo "$KEYSNARE" staged >out 2>err2 &&
	test_grep -v "\[live|keysnare: verify" err2 &&
	test "$(mock_count)" = 1 &&
	(cd repo && keysnare hook install >../hook.out 2>&1) &&
	test_expect_code 1 git -C repo commit -q -m leak 2>commit.err &&
	test_grep "github-pat" commit.err &&
	test_grep -v "\[live|keysnare: verify" commit.err &&
	test "$(mock_count)" = 1 &&
	test "$(mock_dropped)" = 0
'

test_expect_success '--only-verified: live + invalid + unknown -> only the live one, exit 1, a warning about 1 unknown; counts' '
	mock_start &&
	mkdir src &&
	k1=$(newkey deepseek) && k2=$(newkey deepseek) && k3=$(newkey deepseek) &&
	mock_scenario "$k1" success &&
	mock_scenario "$k3" error500 &&
	printf "DEEPSEEK_API_KEY=%s\nDEEPSEEK_KEY2=%s\nDEEPSEEK_KEY3=%s\n" "$k1" "$k2" "$k3" >src/a.env &&
	test_expect_code 1 keysnare scan --only-verified -f json src >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	test "$(ksjson get out.json findings.0.line)" = 1 &&
	test "$(vget out.json 0 state)" = live &&
	test "$(ksjson get out.json stats.verification.hidden_by_only_verified)" = 2 &&
	test "$(ksjson get out.json incomplete)" = true &&
	test_grep "1 finding could not be verified \(unknown\).*incomplete" err &&
	test "$(mock_count)" = 3 &&
	test_expect_code 1 keysnare scan --only-verified --no-verify-cache src >out 2>err &&
	test_line_count = 1 out &&
	test_grep "^src/a.env:1:.*\[live" out
'

test_expect_success '--only-verified: only invalid keys -> exit 0; invalid + unknown -> exit 2 (incomplete)' '
	mock_start &&
	mkdir a b &&
	k1=$(newkey groq) && k2=$(newkey groq) && k3=$(newkey groq) &&
	mock_scenario "$k3" error500 &&
	printf "GROQ_API_KEY=%s\nGROQ_KEY2=%s\n" "$k1" "$k2" >a/a.env &&
	test_expect_code 0 keysnare scan --only-verified -f json a >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(ksjson get out.json stats.verification.hidden_by_only_verified)" = 2 &&
	test "$(ksjson get out.json stats.verification.invalid)" = 2 &&
	test_grep -v "could not be verified" err &&
	printf "GROQ_API_KEY=%s\nGROQ_KEY3=%s\n" "$k1" "$k3" >b/b.env &&
	test_expect_code 2 keysnare scan --only-verified -f json b >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(ksjson get out.json incomplete)" = true &&
	test "$(ksjson get out.json stats.verification.hidden_by_only_verified)" = 2 &&
	test_grep "1 finding could not be verified \(unknown\)" err &&
	test_expect_code 2 keysnare scan --only-verified b >out 2>err &&
	test_must_be_empty out
'

test_expect_success 'deduplication: one key in 100 places over 4 files -> 1 request, all 100 findings carry its verification' '
	mock_start &&
	mkdir -p src/sub &&
	k=$(newkey openrouter) &&
	mock_scenario "$k" success &&
	for f in src/a.env src/b.env src/sub/c.env src/sub/d.env
	do
		for i in $(seq 25)
		do
			keyline "OPENROUTER_API_KEY_$i" "$k" || return 1
		done >"$f" || return 1
	done &&
	test_expect_code 1 keysnare scan --verify -f json src >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 100 &&
	"$PYTHON" -c "
import json
r = json.load(open(\"out.json\"))
v = [f[\"verification\"] for f in r[\"findings\"]]
assert all(x[\"state\"] == \"live\" and x[\"detail\"] == {\"limit\": \"none\", \"usage\": \"0.25\"} for x in v), v
sv = r[\"stats\"][\"verification\"]
assert sv[\"keys\"] == 1 and sv[\"requests\"] == 1 and sv[\"live\"] == 100, sv
" &&
	test "$(mock_count)" = 1 &&
	test "$(mock_count "key=$k")" = 1
'

test_expect_success 'suppressed findings (keysnare:allow, a baseline, --disable-rule) are never sent' '
	mock_start &&
	mkdir src &&
	k1=$(newkey groq) && k2=$(newkey groq) &&
	mock_scenario "$k1" success &&
	mock_scenario "$k2" success &&
	printf "GROQ_API_KEY=%s # keysnare:allow\n" "$k1" >src/a.env &&
	test_expect_code 0 keysnare scan --verify -f json src >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(mock_count)" = 0 &&
	keyline GROQ_KEY2 "$k2" >src/b.env &&
	keysnare scan --write-baseline bl src >out 2>err &&
	test_expect_code 0 keysnare scan --verify --baseline bl -f json src >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(ksjson get out.json stats.suppressed_by_reason.baseline)" = 1 &&
	test "$(mock_count)" = 0 &&
	test_expect_code 0 keysnare scan --verify --disable-rule groq-api-key src >out 2>err &&
	test "$(mock_count)" = 0 &&
	test_expect_code 1 keysnare scan --verify src >out 2>err &&
	test "$(mock_count)" = 1 &&
	test "$(mock_count "key=$k2")" = 1
'

test_done
