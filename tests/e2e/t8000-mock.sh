#!/usr/bin/env bash
test_description='the loopback HTTPS provider mock of the --verify tests (tests/mock/verify_server.py, verify-lib.sh), driven by curl'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"
. "$E2E_DIR/verify-lib.sh"

# keysnare is not run here: these tests check the mock itself with the curl
# command-line tool, connected the way keysnare's libcurl is (--connect-to,
# the real host names in the URL, SNI and certificate check, the test CA).
# Keys are generated at test time into ./keys (newkey) for check_no_leak.

command -v curl >/dev/null || test_skip_all "curl is not installed"
command -v openssl >/dev/null || test_skip_all "openssl is not installed"

# hit NAME URL CURL-ARGS...: NAME.body, NAME.hdr; prints the HTTP status
hit() {
	local name=$1
	shift
	mock_curl -o "$name.body" -D "$name.hdr" -w "%{http_code}" "$@"
}

# header NAME FIELD: the value of response header FIELD in NAME.hdr
header() {
	tr -d '\r' <"$1.hdr" | sed -n "s/^$2: //Ip"
}

# the log is well-formed, holds no key, and the mock's stderr holds nothing
# but its own messages
log_ok() {
	"$PYTHON" - "$MOCK_LOG" <<-\EOF &&
	import json, sys
	fields = ["t", "method", "host", "path", "query", "provider", "key_sha256", "auth",
	          "headers", "header_values", "body_len", "scenario", "status"]
	for line in open(sys.argv[1]):
	    e = json.loads(line)
	    if "event" in e:
	        assert e["event"] in ("tls-error", "no-request"), e
	        continue
	    assert list(e)[:len(fields)] == fields, list(e)
	    assert isinstance(e["t"], float) and isinstance(e["status"], int), e
	    assert e["auth"] in ("bearer", "x-api-key", "x-goog-api-key", "private-token",
	                         "aws-sigv4", "none"), e
	    assert set(e["header_values"]) <= {"anthropic-version", "x-github-api-version",
	                                       "content-type", "user-agent", "accept"}, e
	    assert all(h == h.lower() for h in e["headers"]), e
	EOF
	check_no_leak "$MOCK_LOG" keys &&
	check_no_leak "$MOCK_DIR/stderr" keys &&
	test_grep -v "Traceback" "$MOCK_DIR/stderr"
}

test_expect_success 'mock_certs: a CA, a server certificate for every provider host, a wrongname one' '
	mock_certs certs &&
	openssl verify -CAfile certs/ca.pem certs/server.pem >&4 &&
	openssl verify -CAfile certs/ca.pem certs/wrongname.pem >&4 &&
	openssl x509 -in certs/server.pem -noout -ext subjectAltName >san &&
	for h in $MOCK_HOSTS 127.0.0.1
	do
		test_grep "(DNS|IP Address):$h(,|\$)" san || return 1
	done &&
	openssl x509 -in certs/wrongname.pem -noout -ext subjectAltName >san &&
	test_grep -v "deepseek|github|amazonaws" san &&
	test_grep "DNS:localhost" san &&
	openssl x509 -in certs/server.pem -noout -checkend 86400 >&4 &&
	test_path_is_file "$TRASH_ROOT/mock-certs/server.key"
'

test_expect_success 'deepseek: success, invalid (the key echoed in the body, never in the log), unfunded, unknown key, no credential' '
	mock_start &&
	k=$(newkey deepseek) &&
	other=$(newkey deepseek) &&
	url=https://api.deepseek.com/user/balance &&
	mock_scenario "$k" success &&
	test "$(hit ok "$url" -H "Authorization: Bearer $k")" = 200 &&
	test "$(ksjson get ok.body is_available)" = true &&
	test "$(ksjson get ok.body balance_infos.0.total_balance)" = 110.00 &&
	test_grep -i "^content-type: application/json" ok.hdr &&
	mock_scenario "$k" invalid &&
	test "$(hit bad "$url" -H "Authorization: Bearer $k")" = 401 &&
	test "$(ksjson get bad.body error.message)" = "Authentication Fails, Your api key: $k is invalid" &&
	mock_scenario "$k" unfunded &&
	test "$(hit poor "$url" -H "Authorization: Bearer $k")" = 402 &&
	test "$(ksjson get poor.body error.message)" = "Insufficient Balance" &&
	test "$(hit unknown "$url" -H "Authorization: Bearer $other")" = 401 &&
	test_grep "$other" unknown.body &&
	test "$(hit none "$url")" = 401 &&
	test_grep "error" none.body &&
	test "$(mock_count)" = 5 &&
	test "$(mock_count provider=deepseek "key=$k")" = 3 &&
	test "$(mock_count "key=$other" scenario=invalid status=401)" = 1 &&
	test "$(mock_count auth=none scenario=no-credential status=401 key_sha256=null)" = 1 &&
	mock_field scenario "key=$k" >actual &&
	printf "%s\n" success invalid unfunded >expect &&
	test_cmp expect actual &&
	test "$(mock_field status "key=$k" | tr "\n" " ")" = "200 401 402 " &&
	test "$(mock_field key_sha256 "key=$k" | sort -u)" = "$(mock_sha "$k")" &&
	test "$(mock_field method "key=$k" | sort -u)" = GET &&
	test "$(mock_field host "key=$k" | sort -u)" = api.deepseek.com &&
	test "$(mock_field path "key=$k" | sort -u)" = /user/balance &&
	test "$(mock_field auth "key=$k" | sort -u)" = bearer &&
	mock_field headers "key=$k" >hdrs &&
	test_grep "\"authorization\"" hdrs &&
	mock_field header_values.user-agent "key=$k" >ua &&
	test_grep "^curl/" ua &&
	mock_requests provider=deepseek >lines &&
	test_line_count = 5 lines &&
	log_ok
'

test_expect_success 'openai: success, invalid with the full key, restricted (401 missing scopes), unfunded (429 insufficient_quota); openai-admin route' '
	mock_start &&
	k=$(newkey openai-project) &&
	url=https://api.openai.com/v1/models &&
	mock_scenario "$k" success &&
	test "$(hit ok "$url" -H "Authorization: Bearer $k")" = 200 &&
	test "$(ksjson get ok.body object)" = list &&
	mock_scenario "$k" invalid &&
	test "$(hit bad "$url" -H "Authorization: Bearer $k")" = 401 &&
	test "$(ksjson get bad.body error.code)" = invalid_api_key &&
	case $(ksjson get bad.body error.message) in "Incorrect API key provided: $k. "*) ;; *) false ;; esac &&
	mock_scenario "$k" restricted &&
	test "$(hit rs "$url" -H "Authorization: Bearer $k")" = 401 &&
	ksjson get rs.body error.message >msg &&
	test_grep "Missing scopes: api\.model\.read\." msg &&
	mock_scenario "$k" unfunded &&
	test "$(hit poor "$url" -H "Authorization: Bearer $k")" = 429 &&
	test "$(ksjson get poor.body error.code)" = insufficient_quota &&
	mock_scenario "$k" success &&
	test "$(hit adm "https://api.openai.com/v1/organization/projects?limit=1" -H "Authorization: Bearer $k")" = 200 &&
	test "$(ksjson get adm.body object)" = list &&
	test "$(mock_count provider=openai-admin query=limit=1 status=200)" = 1 &&
	test "$(mock_count provider=openai)" = 4 &&
	log_ok
'

test_expect_success 'google-ai: x-goog-api-key success/invalid/restricted (reason option); a key in the URL is logged raw' '
	mock_start &&
	k=$(newkey google) &&
	url="https://generativelanguage.googleapis.com/v1beta/models?pageSize=1" &&
	mock_scenario "$k" success &&
	test "$(hit ok "$url" -H "x-goog-api-key: $k")" = 200 &&
	test "$(ksjson get ok.body models.0.name)" = models/gemini-2.0-flash &&
	mock_scenario "$k" restricted &&
	test "$(hit rs "$url" -H "x-goog-api-key: $k")" = 403 &&
	test "$(ksjson get rs.body error.details.0.reason)" = SERVICE_DISABLED &&
	mock_scenario "$k" restricted "{\"reason\": \"API_KEY_IP_ADDRESS_BLOCKED\"}" &&
	test "$(hit rs2 "$url" -H "x-goog-api-key: $k")" = 403 &&
	test "$(ksjson get rs2.body error.details.0.reason)" = API_KEY_IP_ADDRESS_BLOCKED &&
	mock_scenario "$k" invalid &&
	test "$(hit bad "$url" -H "x-goog-api-key: $k")" = 400 &&
	test "$(ksjson get bad.body error.details.0.reason)" = API_KEY_INVALID &&
	test "$(mock_count provider=google-ai auth=x-goog-api-key query=pageSize=1 "key=$k")" = 4 &&
	log_ok &&
	test "$(hit url "$url&key=$k")" = 400 &&
	test "$(mock_count provider=google-ai auth=none)" = 1 &&
	grep -F "key=$k" "$MOCK_LOG" >/dev/null
'

test_expect_success 'github: Bearer success with X-OAuth-Scopes (and the scopes option), restricted, invalid; api version header logged' '
	mock_start &&
	k=$(newkey github-pat) &&
	gh() {
		hit "$1" https://api.github.com/user -H "Authorization: Bearer $k" \
			-H "Accept: application/vnd.github+json" -H "X-GitHub-Api-Version: 2022-11-28"
	} &&
	mock_scenario "$k" success &&
	test "$(gh ok)" = 200 &&
	test "$(ksjson get ok.body login)" = octocat &&
	test "$(header ok X-OAuth-Scopes)" = "repo, read:org" &&
	mock_scenario "$k" success "{\"scopes\": \"\"}" &&
	test "$(gh none)" = 200 &&
	test_grep -i "^x-oauth-scopes:" none.hdr &&
	test -z "$(header none X-OAuth-Scopes)" &&
	mock_scenario "$k" restricted &&
	test "$(gh rs)" = 403 &&
	test "$(ksjson get rs.body message)" = "Resource not accessible by integration" &&
	mock_scenario "$k" invalid &&
	test "$(gh bad)" = 401 &&
	test "$(ksjson get bad.body message)" = "Bad credentials" &&
	test "$(mock_field header_values.x-github-api-version provider=github | sort -u)" = 2022-11-28 &&
	test "$(mock_field header_values.accept provider=github | sort -u)" = application/vnd.github+json &&
	log_ok
'

test_expect_success 'anthropic (x-api-key + anthropic-version), gitlab (PRIVATE-TOKEN), slack (POST): their answers' '
	mock_start &&
	a=$(newkey anthropic) &&
	g=$(newkey gitlab) &&
	s=$(newkey slack-bot) &&
	mock_scenario "$a" restricted &&
	test "$(hit an https://api.anthropic.com/v1/models -H "x-api-key: $a" -H "anthropic-version: 2023-06-01")" = 403 &&
	test "$(ksjson get an.body error.type)" = permission_error &&
	test "$(mock_field header_values.anthropic-version provider=anthropic auth=x-api-key)" = 2023-06-01 &&
	mock_scenario "$a" success &&
	test "$(hit org https://api.anthropic.com/v1/organizations/me -H "x-api-key: $a" -H "anthropic-version: 2023-06-01")" = 200 &&
	test "$(ksjson get org.body name)" = Acme &&
	test "$(hit an2 https://api.anthropic.com/v1/models -H "Authorization: Bearer $a")" = 401 &&
	test "$(ksjson get an2.body error.type)" = authentication_error &&
	mock_scenario "$g" disabled &&
	test "$(hit gl https://gitlab.com/api/v4/personal_access_tokens/self -H "PRIVATE-TOKEN: $g")" = 200 &&
	test "$(ksjson get gl.body revoked)" = true &&
	test "$(ksjson get gl.body scopes)" = "[\"api\", \"read_user\"]" &&
	mock_scenario "$g" success "{\"merge\": {\"active\": false, \"expires_at\": null}}" &&
	test "$(hit gl2 https://gitlab.com/api/v4/personal_access_tokens/self -H "PRIVATE-TOKEN: $g")" = 200 &&
	test "$(ksjson get gl2.body active)" = false &&
	test "$(ksjson get gl2.body revoked)" = false &&
	mock_scenario "$g" restricted &&
	test "$(hit gl3 https://gitlab.com/api/v4/personal_access_tokens/self -H "PRIVATE-TOKEN: $g")" = 403 &&
	test "$(ksjson get gl3.body error)" = insufficient_scope &&
	test "$(mock_count provider=gitlab auth=private-token)" = 3 &&
	slk() {
		hit "$1" https://slack.com/api/auth.test -X POST -H "Authorization: Bearer $s" \
			-H "Content-Type: application/x-www-form-urlencoded" --data-binary ""
	} &&
	mock_scenario "$s" success &&
	test "$(slk ok)" = 200 &&
	test "$(ksjson get ok.body team)" = Acme &&
	mock_scenario "$s" slack-error &&
	test "$(slk se)" = 200 &&
	test "$(ksjson get se.body error)" = ratelimited &&
	mock_scenario "$s" invalid "{\"error\": \"token_revoked\"}" &&
	test "$(slk bad)" = 200 &&
	test "$(ksjson get bad.body ok)" = false &&
	test "$(ksjson get bad.body error)" = token_revoked &&
	test "$(hit get https://slack.com/api/auth.test -H "Authorization: Bearer $s")" = 404 &&
	test "$(mock_count provider=slack method=POST body_len=0)" = 3 &&
	test "$(mock_field header_values.content-type provider=slack | sort -u)" = application/x-www-form-urlencoded &&
	log_ok
'

test_expect_success 'every provider route answers success for its key, the invalid answer for an unknown one' '
	mock_start &&
	while read -r id family method url auth
	do
		k=$(newkey "$family") &&
		u=$(newkey "$family") &&
		mock_scenario "$k" success &&
		case $auth in
		bearer) h="Authorization: Bearer" ;;
		*) h="$auth:" ;;
		esac &&
		test "$(hit "$id" "$url" -X "$method" -H "$h $k")" = 200 &&
		test "$(mock_count provider="$id" "key=$k" status=200 scenario=success auth="$auth")" = 1 &&
		st=$(hit "$id.u" "$url" -X "$method" -H "$h $u") &&
		case $st in 200) test_grep "\"ok\": false" "$id.u.body" ;; 400|401) ;; *) false ;; esac &&
		test "$(mock_count provider="$id" "key=$u" scenario=invalid)" = 1 || return 1
	done <<-\EOF &&
	deepseek deepseek GET https://api.deepseek.com/user/balance bearer
	openai openai-project GET https://api.openai.com/v1/models bearer
	openai-admin openai-project GET https://api.openai.com/v1/organization/projects?limit=1 bearer
	anthropic anthropic GET https://api.anthropic.com/v1/models x-api-key
	anthropic-admin anthropic GET https://api.anthropic.com/v1/organizations/me x-api-key
	groq groq GET https://api.groq.com/openai/v1/models bearer
	mistral generic GET https://api.mistral.ai/v1/models bearer
	xai xai GET https://api.x.ai/v1/api-key bearer
	google-ai google GET https://generativelanguage.googleapis.com/v1beta/models?pageSize=1 x-goog-api-key
	huggingface huggingface GET https://huggingface.co/api/whoami-v2 bearer
	openrouter openrouter GET https://openrouter.ai/api/v1/key bearer
	github github-pat GET https://api.github.com/user bearer
	gitlab gitlab GET https://gitlab.com/api/v4/personal_access_tokens/self private-token
	slack slack-bot POST https://slack.com/api/auth.test bearer
	EOF
	test "$(ksjson get xai.body api_key_id)" = k &&
	test "$(ksjson get slack.u.body error)" = invalid_auth &&
	test "$(mock_count)" = 28 &&
	log_ok
'

test_expect_success 'unknown host or path or method: 404 "no such route", logged' '
	mock_start &&
	test "$(hit a https://api.deepseek.com/v1/models -H "Authorization: Bearer x")" = 404 &&
	test "$(ksjson get a.body error)" = "no such route" &&
	test "$(hit b https://localhost/ )" = 404 &&
	test "$(hit c https://api.deepseek.com/user/balance -X DELETE)" = 404 &&
	test "$(mock_count scenario=no-route status=404 provider=null)" = 3 &&
	test "$(mock_field host scenario=no-route | sort -u | tr "\n" " ")" = "api.deepseek.com localhost "
'

test_expect_success 'ratelimit (Retry-After 2, or the option), ratelimit-once, error503-once, error500' '
	mock_start &&
	k=$(newkey groq) &&
	url=https://api.groq.com/openai/v1/models &&
	mock_scenario "$k" ratelimit &&
	test "$(hit r1 "$url" -H "Authorization: Bearer $k")" = 429 &&
	test "$(header r1 Retry-After)" = 2 &&
	test "$(hit r2 "$url" -H "Authorization: Bearer $k")" = 429 &&
	mock_scenario "$k" ratelimit "{\"retry_after\": 7}" &&
	test "$(hit r3 "$url" -H "Authorization: Bearer $k")" = 429 &&
	test "$(header r3 Retry-After)" = 7 &&
	k2=$(newkey groq) &&
	mock_scenario "$k2" ratelimit-once &&
	test "$(hit o1 "$url" -H "Authorization: Bearer $k2")" = 429 &&
	test "$(header o1 Retry-After)" = 1 &&
	test "$(hit o2 "$url" -H "Authorization: Bearer $k2")" = 200 &&
	test "$(hit o3 "$url" -H "Authorization: Bearer $k2")" = 200 &&
	k3=$(newkey groq) &&
	mock_scenario "$k3" error503-once &&
	test "$(hit e1 "$url" -H "Authorization: Bearer $k3")" = 503 &&
	test "$(hit e2 "$url" -H "Authorization: Bearer $k3")" = 200 &&
	mock_scenario "$k3" error500 &&
	test "$(hit e3 "$url" -H "Authorization: Bearer $k3")" = 500 &&
	test "$(ksjson get e3.body error)" = internal &&
	test "$(mock_count status=429)" = 4 &&
	log_ok
'

test_expect_success 'html, garbage, notjson, disabled (xai), slack-error elsewhere = error500, restricted elsewhere = 403 forbidden, custom' '
	mock_start &&
	k=$(newkey xai) &&
	url=https://api.x.ai/v1/api-key &&
	mock_scenario "$k" html &&
	test "$(hit h "$url" -H "Authorization: Bearer $k")" = 200 &&
	test_grep -i "^content-type: text/html" h.hdr &&
	test "$(cat h.body)" = "<html><body>Sign in</body></html>" &&
	mock_scenario "$k" garbage &&
	test "$(hit g "$url" -H "Authorization: Bearer $k")" = 200 &&
	test "$(ksjson get g.body unexpected)" = true &&
	mock_scenario "$k" notjson &&
	test "$(hit n "$url" -H "Authorization: Bearer $k")" = 200 &&
	test "$(cat n.body)" = "this is not json" &&
	mock_scenario "$k" disabled &&
	test "$(hit d "$url" -H "Authorization: Bearer $k")" = 200 &&
	test "$(ksjson get d.body api_key_disabled)" = true &&
	test "$(ksjson get d.body api_key_id)" = k &&
	mock_scenario "$k" slack-error &&
	test "$(hit s "$url" -H "Authorization: Bearer $k")" = 500 &&
	mock_scenario "$k" restricted &&
	test "$(hit r "$url" -H "Authorization: Bearer $k")" = 403 &&
	test "$(ksjson get r.body error)" = forbidden &&
	mock_scenario "$k" invalid &&
	test "$(hit i "$url" -H "Authorization: Bearer $k")" = 400 &&
	case $(ksjson get i.body error) in "Incorrect API key provided: $k. "*) ;; *) false ;; esac &&
	mock_scenario "$k" invalid "{\"status\": 401}" &&
	test "$(hit i2 "$url" -H "Authorization: Bearer $k")" = 401 &&
	mock_scenario "$k" custom "{\"status\": 403, \"body\": {\"error\": {\"code\": \"unsupported_country_region_territory\"}}, \"headers\": {\"X-Test\": \"1\"}}" &&
	test "$(hit c "$url" -H "Authorization: Bearer $k")" = 403 &&
	test "$(ksjson get c.body error.code)" = unsupported_country_region_territory &&
	test "$(header c X-Test)" = 1 &&
	log_ok
'

test_expect_success 'redirect: 302 to evil.example.net, not followed by default; evil.example.net answers "gotcha" and is logged' '
	mock_start &&
	k=$(newkey huggingface) &&
	mock_scenario "$k" redirect &&
	test "$(hit r https://huggingface.co/api/whoami-v2 -H "Authorization: Bearer $k")" = 302 &&
	test "$(header r Location)" = https://evil.example.net/steal &&
	test_must_be_empty r.body &&
	test "$(mock_count host=evil.example.net)" = 0 &&
	test "$(hit f https://huggingface.co/api/whoami-v2 -L -H "Authorization: Bearer $k")" = 200 &&
	test "$(cat f.body)" = gotcha &&
	test "$(mock_count host=evil.example.net provider=evil path=/steal status=200)" = 1 &&
	log_ok
'

test_expect_success 'wrongname certificate: curl rejects it (exit 60), the mock logs a dropped connection and no request' '
	mock_start --wrongname &&
	k=$(newkey deepseek) &&
	mock_scenario "$k" success &&
	test_expect_code 60 mock_curl -o out https://api.deepseek.com/user/balance -H "Authorization: Bearer $k" 2>err &&
	test_grep -i "certificate|subject" err &&
	test_path_is_missing out &&
	test "$(mock_count)" = 0 &&
	i=0 &&
	while [ "$(mock_dropped)" = 0 ] && [ $i -lt 20 ]
	do
		sleep 0.1 && i=$((i + 1)) || return 1
	done &&
	test "$(mock_dropped)" -ge 1 &&
	test "$(mock_curl -o /dev/null -w "%{http_code}" https://localhost/x)" = 404 &&
	log_ok
'

test_expect_success 'slow: curl --max-time 2 gives up (exit 28), the request is logged, the mock goes on' '
	mock_start &&
	k=$(newkey openrouter) &&
	mock_scenario "$k" slow &&
	start=$(date +%s) &&
	test_expect_code 28 mock_curl --max-time 2 -o out https://openrouter.ai/api/v1/key -H "Authorization: Bearer $k" 2>err &&
	test $(($(date +%s) - start)) -le 5 &&
	test "$(mock_count provider=openrouter scenario=slow status=200)" = 1 &&
	mock_scenario "$k" slow "{\"delay\": 0.5}" &&
	test "$(hit s https://openrouter.ai/api/v1/key -H "Authorization: Bearer $k")" = 200 &&
	test "$(ksjson get s.body data.usage)" = 0.25 &&
	log_ok
'

test_expect_success 'huge: 50 MB announced (exit 63 with --max-filesize), a client that hangs up mid-body is no problem' '
	mock_start &&
	k=$(newkey openai-project) &&
	url=https://api.openai.com/v1/models &&
	mock_scenario "$k" huge &&
	test_expect_code 63 mock_curl --max-filesize 1048576 -o out "$url" -H "Authorization: Bearer $k" 2>err &&
	test_expect_code 23 mock_curl -D huge.hdr -o /dev/full "$url" -H "Authorization: Bearer $k" 2>err &&
	test "$(header huge Content-Length)" = 52428800 &&
	mock_curl "$url" -H "Authorization: Bearer $k" | head -c 100000 >part &&
	test "$(wc -c <part)" = 100000 &&
	mock_scenario "$k" huge "{\"size\": 300000}" &&
	test "$(hit h "$url" -H "Authorization: Bearer $k")" = 200 &&
	test "$(ksjson get h.body data | wc -c)" = $((300000 - 12 + 1)) &&
	mock_scenario "$k" success &&
	test "$(hit ok "$url" -H "Authorization: Bearer $k")" = 200 &&
	test "$(mock_count scenario=huge)" = 4 &&
	kill -0 "$MOCK_PID" &&
	log_ok
'

test_expect_success 'aws: curl --aws-sigv4 with the right secret = 200, a wrong one = 403 SignatureDoesNotMatch; InvalidClientTokenId, AccessDenied' '
	mock_start &&
	id=$(newkey aws-key-id) &&
	secret=$(newkey aws-secret) &&
	wrong=$(newkey aws-secret) &&
	sts() {
		hit "$1" https://sts.amazonaws.com/ --aws-sigv4 "aws:amz:us-east-1:sts" \
			--user "$2:$3" -d "Action=GetCallerIdentity&Version=2011-06-15"
	} &&
	mock_aws_scenario "$id" "$secret" success &&
	test "$(sts ok "$id" "$secret")" = 200 &&
	test_grep -i "^content-type: text/xml" ok.hdr &&
	test_grep "<Account>123456789012</Account>" ok.body &&
	test "$(sts bad "$id" "$wrong")" = 403 &&
	test_grep "<Code>SignatureDoesNotMatch</Code>" bad.body &&
	test "$(mock_field sigv4 provider=aws | tr "\n" " ")" = "ok mismatch " &&
	mock_aws_scenario "$id" "$secret" restricted &&
	test "$(sts rs "$id" "$secret")" = 403 &&
	test_grep "<Code>AccessDenied</Code>" rs.body &&
	test "$(sts rs2 "$id" "$wrong")" = 403 &&
	test_grep "<Code>SignatureDoesNotMatch</Code>" rs2.body &&
	other=$(newkey aws-key-id) &&
	test "$(sts unk "$other" "$secret")" = 403 &&
	test_grep "<Code>InvalidClientTokenId</Code>" unk.body &&
	mock_scenario "$other" success &&
	test "$(sts nosig "$other" "$wrong")" = 200 &&
	test "$(mock_count provider=aws auth=aws-sigv4 method=POST path=/ body_len=43)" = 6 &&
	test "$(mock_count provider=aws "key=$id")" = 4 &&
	test "$(mock_field sigv4 "key=$other" | tr "\n" " ")" = "- - " &&
	log_ok
'

test_expect_success 'the mock exits after --max-requests, and after --lifetime' '
	mock_start --max-requests 2 &&
	k=$(newkey generic) &&
	mock_scenario "$k" success &&
	test "$(hit a https://api.mistral.ai/v1/models -H "Authorization: Bearer $k")" = 200 &&
	test "$(hit b https://api.mistral.ai/v1/models -H "Authorization: Bearer $k")" = 200 &&
	i=0 &&
	while kill -0 "$MOCK_PID" 2>/dev/null && [ $i -lt 50 ]
	do
		sleep 0.1 && i=$((i + 1)) || return 1
	done &&
	wait "$MOCK_PID" &&
	test_grep "2 requests, exiting" "$MOCK_DIR/stderr" &&
	mock_stop &&
	start=$(date +%s) &&
	mock_start --lifetime 1 &&
	i=0 &&
	while kill -0 "$MOCK_PID" 2>/dev/null && [ $i -lt 50 ]
	do
		sleep 0.1 && i=$((i + 1)) || return 1
	done &&
	wait "$MOCK_PID" &&
	test $(($(date +%s) - start)) -le 4 &&
	test_grep "lifetime of 1s over" "$MOCK_DIR/stderr"
'

test_expect_success 'the scenario file is re-read on every request; a broken one answers 500 and says so' '
	mock_start &&
	k=$(newkey huggingface) &&
	url=https://huggingface.co/api/whoami-v2 &&
	test "$(hit a "$url" -H "Authorization: Bearer $k")" = 401 &&
	mock_scenario "$k" success &&
	test "$(hit b "$url" -H "Authorization: Bearer $k")" = 200 &&
	test "$(ksjson get b.body name)" = alice &&
	echo "{" >"$MOCK_SCENARIOS" &&
	test "$(hit c "$url" -H "Authorization: Bearer $k")" = 500 &&
	test "$(mock_count scenario=mock-error status=500)" = 1 &&
	test_grep "JSONDecodeError" "$MOCK_DIR/stderr" &&
	rm -f "$MOCK_SCENARIOS" &&
	mock_scenario "$k" nosuchscenario &&
	test "$(hit d "$url" -H "Authorization: Bearer $k")" = 500 &&
	test_grep "unknown scenario" "$MOCK_DIR/stderr" &&
	log_ok
'

test_done
