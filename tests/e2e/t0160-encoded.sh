#!/usr/bin/env bash
test_description='encoded content: base64, percent, escapes, UTF-16, JWT claims'
. "$(dirname "$0")/lib.sh"

# enc.py FORM TEXT: TEXT encoded (b64, pct, uesc, b64pct, b64x3)
write_enc() {
	cat >enc.py <<-\EOF
	import base64, sys
	form, s = sys.argv[1], sys.argv[2]
	b64 = lambda t: base64.b64encode(t.encode()).decode()
	pct = lambda t: "".join("%%%02X" % ord(c) for c in t)
	out = {
	    "b64": lambda: b64(s),
	    "pct": lambda: pct(s),
	    "uesc": lambda: "".join("\\u%04x" % ord(c) for c in s),
	    "jesc": lambda: s.replace("\n", "\\n"),
	    "b64pct": lambda: b64(pct(s)),
	    "b64x3": lambda: b64(b64(b64(s))),
	}[form]()
	sys.stdout.write(out)
	EOF
}

enc() { "$PYTHON" enc.py "$@"; }

# findings as "path:line:col rule encoding"
findings_enc() {
	"$PYTHON" -c '
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    print("%s:%d:%d %s %s" % (f["path"], f["line"], f["column"], f["rule_id"], f.get("encoding", "-")))
' "$1"
}

test_expect_success 'base64 (Secret data:, Basic auth, docker auth), percent, \u escapes, double encoding' '
	write_enc &&
	k1=$(genkey github-pat) && k2=$(genkey gitlab) && k3=$(genkey github-pat) &&
	k4=$(genkey openai-project) && k5=$(genkey anthropic) && k6=$(genkey github-pat) &&
	b1=$(enc b64 "$k1") && b2=$(enc b64 "deploy:$k2") && b3=$(enc b64 "bot:$k3") &&
	p4=$(enc pct "$k4") && u5=$(enc uesc "$k5") && d6=$(enc b64pct "$k6") &&
	printf "%s\n" "$k1" "$k2" "$k3" "$k4" "$k5" "$k6" "$b1" "$b2" "$b3" "$p4" "$u5" "$d6" >keys &&
	mkdir src &&
	printf "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n  GITHUB_TOKEN: %s\n" "$b1" >src/secret.yaml &&
	printf "GET /v1/items HTTP/1.1\nAuthorization: Basic %s\n" "$b2" >src/req.http &&
	printf "{\"auths\":{\"ghcr.io\":{\"auth\":\"%s\"}}}\n" "$b3" >src/dockerconfig.json &&
	printf "# fetch\ncurl \"https://api.example.test/v1?key=%s&x=1\"\n" "$p4" >src/fetch.sh &&
	printf "{\n  \"llm\": {\"key\": \"%s\"}\n}\n" "$u5" >src/settings.json &&
	printf "payload: %s\n" "$d6" >src/double.txt &&
	test_expect_code 1 keysnare scan -f json src >out.json 2>err &&
	findings_enc out.json >actual &&
	cat >expect <<-\EOF &&
	src/dockerconfig.json:1:30 github-pat base64
	src/double.txt:1:10 github-pat base64+percent
	src/fetch.sh:2:39 openai-project-api-key percent
	src/req.http:2:22 gitlab-pat base64
	src/secret.yaml:7:17 github-pat base64
	src/settings.json:2:19 anthropic-api-key escape
	EOF
	test_cmp expect actual &&
	ksjson validate "$SRC_DIR/ci/keysnare-report.schema.json" out.json &&
	ksjson redaction out.json keys &&
	check_no_leak out.json keys &&
	test_expect_code 1 keysnare scan src >out.txt 2>err &&
	test_grep "secret.yaml:7:17: github-pat: ghp_.*\*\*\* \(base64\)" out.txt &&
	test_grep "double.txt:1:10: github-pat: .* \(base64\+percent\)" out.txt &&
	check_no_leak out.txt keys &&
	test_expect_code 1 keysnare scan -f jsonl src >out.jsonl 2>err &&
	check_no_leak out.jsonl keys &&
	test_expect_code 1 keysnare scan -f sarif src >out.sarif 2>err &&
	check_no_leak out.sarif keys &&
	test_grep "\"encoding\":[[:space:]]*\"base64\+percent\"" out.sarif &&
	test_expect_code 1 keysnare scan -v src >out.v 2>err.v &&
	check_no_leak err.v keys
'

test_expect_success 'the decoded secret is the key: hash and fingerprint as for the plain key' '
	write_enc &&
	k=$(genkey github-pat) &&
	mkdir a b &&
	printf "token: %s\n" "$(enc b64 "$k")" >a/x.yaml &&
	printf "token: %s\n" "$k" >b/x.yaml &&
	test_expect_code 1 keysnare scan -f json a/x.yaml >a.json 2>err &&
	test_expect_code 1 keysnare scan -f json b/x.yaml >b.json 2>err &&
	test "$(ksjson get a.json findings.0.secret_sha256)" = "$(ksjson get b.json findings.0.secret_sha256)" &&
	test "$(ksjson get a.json findings.0.encoding)" = base64 &&
	test_expect_code 1 keysnare scan -f json --no-redact a/x.yaml >nr.json 2>err &&
	test "$(ksjson get nr.json findings.0.secret)" = "$k"
'

test_expect_success 'a plain finding and its escaped twin are reported once' '
	write_enc &&
	k=$(genkey github-pat) && pem=$(genkey private-key) &&
	printf "{\"a\": \"line one\\\\nGH=%s\\\\n\", \"key\": \"%s\"}\n" "$k" "$(enc jesc "$pem")" >svc.json &&
	test_expect_code 1 keysnare scan -f json svc.json >out.json 2>err &&
	ksjson findings out.json | sed "s/:[0-9]*:[0-9]* / /" >actual &&
	cat >expect <<-\EOF &&
	svc.json github-pat
	svc.json private-key
	EOF
	test_cmp expect actual
'

test_expect_success 'UTF-16LE and UTF-16BE files with a BOM: lines of the text, columns in characters' '
	k1=$(genkey stripe) && k2=$(genkey github-pat) &&
	printf "%s\n" "$k1" "$k2" >keys &&
	printf "# réglages\nSTRIPE_KEY=%s\n" "$k1" | iconv -f UTF-8 -t UTF-16LE >body &&
	{ printf "\377\376" && cat body; } >le.txt &&
	printf "x = \"é\"; token = %s\n" "$k2" | iconv -f UTF-8 -t UTF-16BE >body &&
	{ printf "\376\377" && cat body; } >be.txt &&
	rm body &&
	test_expect_code 1 keysnare scan -f json le.txt be.txt >out.json 2>err &&
	findings_enc out.json >actual &&
	cat >expect <<-\EOF &&
	be.txt:1:18 github-pat utf-16be
	le.txt:2:12 stripe-secret-key utf-16le
	EOF
	test_cmp expect actual &&
	check_no_leak out.json keys &&
	test_grep "é" out.json
'

test_expect_success 'a UTF-16 file with an invalid surrogate and an odd length is still text' '
	k=$(genkey github-pat) &&
	{ printf "\377\376" && printf "GH=%s\n" "$k" | iconv -f UTF-8 -t UTF-16LE && printf "\000\330x"; } >odd.txt &&
	test_expect_code 1 keysnare scan -f json odd.txt >out.json 2>err &&
	findings_enc out.json >actual &&
	echo "odd.txt:1:4 github-pat utf-16le" >expect &&
	test_cmp expect actual
'

test_expect_success 'random base64 (image data: URI, gzip), 3 encodings deep: nothing' '
	write_enc &&
	k=$(genkey github-pat) &&
	{ printf "<img src=\"data:image/png;base64," && head -c 3000 /dev/urandom | base64 -w0 && printf "\">\n"; } >page.html &&
	{ printf "blob: " && head -c 20000 /dev/urandom | gzip -c | base64 -w0 && echo; } >blob.yaml &&
	head -c 30000 /dev/urandom | base64 >wrapped.b64 &&
	printf "v: %s\n" "$(enc b64x3 "$k")" >deep.txt &&
	test_expect_code 0 keysnare scan -f json . >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'JWT claims: issuer and expiry in JSON, SARIF and text' '
	t=$(genkey jwt) &&
	printf "%s\n" "$t" >keys &&
	printf "SESSION=%s\n" "$t" >a.env &&
	test_expect_code 1 keysnare scan -f json a.env >out.json 2>err &&
	ksjson validate "$SRC_DIR/ci/keysnare-report.schema.json" out.json &&
	ksjson get out.json findings.0.jwt_issuer >iss &&
	test_grep "^https://auth\.[a-z]{6}\.io/$" iss &&
	ksjson get out.json findings.0.jwt_expires >exp &&
	test_grep "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$" exp &&
	# keygen.py: exp is up to 30 days after an iat up to 30 days ago
	want=$("$PYTHON" -c "import calendar, sys, time; print(\"true\" if calendar.timegm(time.strptime(sys.argv[1], \"%Y-%m-%dT%H:%M:%SZ\")) < time.time() else \"false\")" "$(cat exp)") &&
	test "$(ksjson get out.json findings.0.jwt_expired)" = "$want" &&
	test_expect_code 1 keysnare scan a.env >out.txt 2>err &&
	test_grep "a.env:1:9: jwt: .*\*\*\* \(iss=https://auth\.[a-z]+\.io/, exp=$(cat exp)( expired)?\)" out.txt &&
	test_expect_code 1 keysnare scan -f sarif a.env >out.sarif 2>err &&
	test_grep "\"jwt_issuer\"" out.sarif &&
	check_no_leak out.txt keys && check_no_leak out.json keys
'

test_expect_success 'JWT: an expired token, and one whose payload is not JSON' '
	"$PYTHON" -c "
import base64, json, secrets
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b\"=\").decode()
h = b(json.dumps({\"alg\": \"HS256\", \"typ\": \"JWT\"}).encode())
p = b(json.dumps({\"iss\": \"old\\u202eissuer\", \"exp\": 1000000000, \"jti\": secrets.token_hex(12)}).encode())
q = b(b\"{\\\"jti\\\": \\\"\" + secrets.token_hex(16).encode() + b\"\\\" broken\")
s = b(secrets.token_bytes(32))
print(\"A=%s.%s.%s\" % (h, p, s))
print(\"B=%s.%s.%s\" % (h, q, s))
" >t.env &&
	test_expect_code 1 keysnare scan -f json t.env >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 2 &&
	test "$(ksjson get out.json findings.0.jwt_expires)" = 2001-09-09T01:46:40Z &&
	test "$(ksjson get out.json findings.0.jwt_expired)" = true &&
	test "$(ksjson get out.json findings.0.jwt_issuer)" = "old?issuer" &&
	"$PYTHON" -c "import json,sys; f=json.load(open(\"out.json\"))[\"findings\"][1]; sys.exit(any(k.startswith(\"jwt_\") for k in f))"
'

test_done
