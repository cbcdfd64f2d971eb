#!/usr/bin/env bash
test_description='-f sarif: SARIF 2.1.0 that the official schema, the SARIF Multitool (GitHub rules) and iconv accept; fingerprints; GitHub limits'
. "$(dirname "$0")/lib.sh"

# The validators come from tests/sarif (npm ci --prefix tests/sarif, which
# `make check` runs); see RELIABILITY.md section E.
NM=$SRC_DIR/tests/sarif/node_modules
MT_DIR=$NM/@microsoft/sarif-multitool-linux
[ -x "$NM/.bin/ajv" ] && [ -f "$MT_DIR/sarif-2.1.0.json" ] ||
	test_skip_all "SARIF validators missing: run 'npm ci --prefix tests/sarif' (make check does)"
command -v jq >/dev/null || test_skip_all 'jq missing'
command -v iconv >/dev/null || test_skip_all 'iconv missing'
export NM MT_DIR

# multitool FILE OUT: Sarif.Multitool validate with GitHub's and SARIF's
# rules. It exits 0 even when it finds errors, so callers gate on OUT.
multitool() {
	DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$MT_DIR/Sarif.Multitool" \
		validate "$1" --rule-kind "Gh;Sarif" --level "Error;Warning" \
		--output "$2" --log ForceOverwrite -q >mt.log 2>&1 ||
		{ cat mt.log >&4; return 1; }
	test -s "$2"
}

# mt_errors OUT: the error-level results of a Multitool log, one a line
mt_errors() {
	jq -r '.runs[].results[]? | select(.level == "error") |
		"\(.ruleId): \(.message.text // .message.id // "")"' "$1"
}

# sarif_valid FILE: strict UTF-8, the official 2.1.0 schema (ajv, draft
# 2020-12 with formats), zero Multitool errors, < 10 MB gzipped
sarif_valid() {
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null &&
	cp "$1" "$1.json" &&
	"$NM/.bin/ajv" validate --spec=draft2020 -c ajv-formats --strict=false \
		-s "$MT_DIR/sarif-2.1.0.json" -d "$1.json" >ajv.log 2>&1 ||
		{ cat ajv.log >&4; return 1; }
	multitool "$1" mt.sarif &&
	mt_errors mt.sarif >mt.errors &&
	{ test_must_be_empty mt.errors || return 1; } &&
	test "$(gzip -c "$1" | wc -c)" -lt 10000000
}

# the scan fixture: several families, a non-ASCII path, a path with
# spaces, '%' and '#', a path that is not UTF-8, a marker-suppressed key
make_tree() {
	mkdir -p src/ünïcödé src/sub &&
	genkey aws-key-id >keys &&
	genkey openai-project >>keys &&
	genkey github-pat >>keys &&
	genkey deepseek >>keys &&
	genkey google >>keys &&
	genkey slack-bot >>keys &&
	echo "AWS_ACCESS_KEY_ID=$(sed -n 1p keys)" >src/aws.env &&
	echo "OPENAI_API_KEY = \"$(sed -n 2p keys)\"" >"src/ünïcödé/ключ.py" &&
	echo "token: $(sed -n 3p keys)" >"src/sub/a b %41 #1.yml" &&
	echo "DEEPSEEK_API_KEY=$(sed -n 4p keys)" >"src/sub/$(printf 'raw\377name').txt" &&
	echo "key = '$(sed -n 5p keys)'  # keysnare:allow" >src/allowed.py &&
	echo "SLACK_BOT_TOKEN=$(sed -n 6p keys)" >src/slack.env
}

test_expect_success 'the validators run (and the Multitool gate sees errors)' '
	"$NM/.bin/ajv" help >/dev/null &&
	DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$MT_DIR/Sarif.Multitool" --version >v 2>&1 &&
	test_grep "SARIF Multitool" v &&
	cat >bad.sarif <<-\EOF &&
	{"$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
	 "version": "2.1.0",
	 "runs": [{"tool": {"driver": {"name": "x", "rules": [{"id": "r"}]}},
	   "results": [{"ruleId": "r", "message": {"text": "m"}}]}]}
	EOF
	multitool bad.sarif mt.sarif &&
	mt_errors mt.sarif >errs &&
	test_line_count -gt 0 errs
'

test_expect_success 'scan: valid SARIF 2.1.0 with every required field' '
	make_tree &&
	test_expect_code 1 keysnare scan -f sarif --show-suppressed src >out.sarif 2>err &&
	sarif_valid out.sarif &&
	jq -e ".version == \"2.1.0\" and (.\"\$schema\" | test(\"sarif-schema-2.1.0\"))" out.sarif &&
	jq -e ".runs | length == 1" out.sarif &&
	jq -r ".runs[0].tool.driver | \"\(.name) \(.informationUri)\"" out.sarif >actual &&
	echo "keysnare https://github.com/keysnare/keysnare" >expect &&
	test_cmp expect actual &&
	test "$(jq -r ".runs[0].tool.driver.version" out.sarif)" = "$(keysnare --version | sed "s/^keysnare //")" &&
	jq -r ".runs[0].results[] | .ruleId" out.sarif | sort -u >ids &&
	jq -r ".runs[0].tool.driver.rules[] | .id" out.sarif >rules &&
	test_cmp ids rules &&
	jq -e "[.runs[0].tool.driver.rules[] | select(.name and .shortDescription.text
		and .fullDescription.text and .help.text and .help.markdown
		and (.properties.tags | length > 0)
		and (.properties[\"security-severity\"] | test(\"^[0-9]+\\\\.[0-9]$\"))
		and .defaultConfiguration.level)] | length == 6" out.sarif &&
	jq -e "[.runs[0].results[] as \$r | .runs[0].tool.driver.rules[\$r.ruleIndex].id == \$r.ruleId] | all" out.sarif &&
	jq -e "[.runs[0].results[] | .locations[0].physicalLocation |
		.artifactLocation.uriBaseId == \"%SRCROOT%\" and
		.region.startLine >= 1 and .region.startColumn >= 1 and
		.region.endLine >= .region.startLine and .region.endColumn > 1 and
		(.region.snippet.text | length > 0)] | all" out.sarif &&
	jq -e ".runs[0].originalUriBaseIds[\"%SRCROOT%\"]" out.sarif &&
	jq -e ".runs[0].invocations[0].executionSuccessful == true" out.sarif &&
	jq -e ".runs[0] | has(\"automationDetails\") | not" out.sarif
'

test_expect_success 'scan: levels, security-severity, redacted messages and snippets' '
	make_tree &&
	test_expect_code 1 keysnare scan -f sarif src >out.sarif 2>err &&
	jq -r ".runs[0].tool.driver.rules[] | \"\(.id) \(.defaultConfiguration.level) \(.properties[\"security-severity\"])\"" out.sarif >actual &&
	cat >expect <<-\EOF &&
	aws-access-key-id error 9.0
	deepseek-api-key error 7.5
	github-pat error 7.5
	openai-project-api-key error 7.5
	slack-bot-token error 7.5
	EOF
	test_cmp expect actual &&
	jq -r ".runs[0].results[] | .message.text" out.sarif >msgs &&
	test_grep "^AWS access key ID: AKIA" msgs &&
	check_no_leak out.sarif keys
'

test_expect_success 'scan: URIs are RFC 3986 percent-encoded (non-ASCII, space, %, #, raw bytes)' '
	make_tree &&
	test_expect_code 1 keysnare scan -f sarif --show-suppressed src >out.sarif 2>err &&
	jq -r ".runs[0].results[] | .locations[0].physicalLocation.artifactLocation.uri" out.sarif >actual &&
	cat >expect <<-\EOF &&
	src/allowed.py
	src/aws.env
	src/slack.env
	src/sub/a%20b%20%2541%20%231.yml
	src/sub/raw%FFname.txt
	src/%C3%BCn%C3%AFc%C3%B6d%C3%A9/%D0%BA%D0%BB%D1%8E%D1%87.py
	EOF
	sort expect >e && sort actual >a && test_cmp e a &&
	! grep -E "[^A-Za-z0-9/._~%-]" actual
'

test_expect_success 'scan: --show-suppressed gives SARIF suppressions' '
	make_tree &&
	test_expect_code 1 keysnare scan -f sarif --show-suppressed src >out.sarif 2>err &&
	sarif_valid out.sarif &&
	jq -c "[.runs[0].results[] | select(.suppressions) |
		{uri: .locations[0].physicalLocation.artifactLocation.uri, s: .suppressions}]" out.sarif >actual &&
	echo "[{\"uri\":\"src/allowed.py\",\"s\":[{\"kind\":\"inSource\",\"justification\":\"marker\"}]}]" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 keysnare scan -f sarif src >plain.sarif 2>err &&
	jq -e "[.runs[0].results[] | select(.suppressions)] | length == 0" plain.sarif &&
	jq -e "[.runs[0].results[]] | length == 5" plain.sarif
'

test_expect_success 'scan: byte-identical across runs; stable fingerprints; --sarif-category' '
	make_tree &&
	test_expect_code 1 keysnare scan -f sarif src >one.sarif 2>err &&
	test_expect_code 1 keysnare scan -f sarif -j 1 src >two.sarif 2>err &&
	test_cmp one.sarif two.sarif &&
	jq -r ".runs[0].results[] | .partialFingerprints[\"keysnare/v1\"]" one.sarif >fp &&
	test_line_count = 5 fp &&
	! grep -v -E "^[0-9a-f]{64}$" fp &&
	test_expect_code 1 keysnare scan -f sarif --sarif-category "keysnare/src dir" src >cat.sarif 2>err &&
	test "$(jq -r ".runs[0].automationDetails.id" cat.sarif)" = "keysnare/src dir" &&
	sarif_valid cat.sarif
'

test_expect_success 'scan: no findings is a valid, empty run (exit 0)' '
	mkdir empty && echo hello >empty/a.txt &&
	keysnare scan -f sarif empty >out.sarif 2>err &&
	sarif_valid out.sarif &&
	jq -e ".runs[0].results == [] and .runs[0].tool.driver.rules == []" out.sarif
'

test_expect_success 'scan errors become error notifications; executionSuccessful false' '
	mkdir d && genkey aws-key-id >keys &&
	echo "K=$(cat keys)" >d/k.env && echo x >d/locked.txt && chmod 000 d/locked.txt &&
	test_when_finished "chmod 644 d/locked.txt" &&
	if unpriv_setup_ok; then
		test_expect_code 1 as_unpriv "$KEYSNARE" scan -f sarif d >out.sarif 2>err &&
		sarif_valid out.sarif &&
		jq -e ".runs[0].invocations[0].executionSuccessful == false" out.sarif &&
		jq -r ".runs[0].invocations[0].toolExecutionNotifications[] |
			\"\(.level) \(.locations[0].physicalLocation.artifactLocation.uri)\"" out.sarif >actual &&
		echo "error d/locked.txt" >expect &&
		test_cmp expect actual
	fi
'

# the history fixture: a key committed, then removed; a second key at HEAD
make_repo() {
	git init -q -b main repo &&
	genkey groq 2 >keys &&
	echo "GROQ_API_KEY=$(sed -n 1p keys)" >"repo/old key.env" &&
	git -C repo add . &&
	GIT_AUTHOR_EMAIL=leaky.author@example.invalid \
		git -C repo commit -q -m "add the key (secret-ish summary)" &&
	git -C repo rm -q "old key.env" &&
	git -C repo commit -q -m "remove it" &&
	mkdir repo/cfg &&
	echo "GROQ_API_KEY=$(sed -n 2p keys)" >repo/cfg/app.env &&
	git -C repo add . &&
	git -C repo commit -q -m "second"
}

test_expect_success 'history: valid SARIF with commit properties, no e-mail in fingerprints' '
	make_repo &&
	test_expect_code 1 keysnare history --repo repo -f sarif >h.sarif 2>err &&
	sarif_valid h.sarif &&
	jq -r ".runs[0].results[] | \"\(.locations[0].physicalLocation.artifactLocation.uri) \(.properties.commit)\"" h.sarif >actual &&
	first=$(git -C repo rev-list --reverse HEAD | head -n 1) &&
	last=$(git -C repo rev-parse HEAD) &&
	printf "%s\n" "cfg/app.env $last" "old%20key.env $first" >expect &&
	test_cmp expect actual &&
	jq -e "[.runs[0].results[] | .properties.commit_date | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T\")] | all" h.sarif &&
	jq -c ".runs[0].results[] | .partialFingerprints" h.sarif >fp &&
	! grep -i -e "@" -e "example.invalid" -e "leaky" -e "summary" fp &&
	! grep -e "leaky.author" -e "secret-ish" h.sarif &&
	check_no_leak h.sarif keys &&
	test_expect_code 1 keysnare history --repo repo -f sarif >h2.sarif 2>err &&
	test_cmp h.sarif h2.sarif
'

# GitHub limits: 30,000 critical findings (AWS key ids, cheap to match)
# after one medium one in path order; the SARIF keeps 25,000 critical ones
# (the first 25,000 in order), says so, and exits 2; JSON keeps all. The
# keys are spread over 30 files: 30,000 in one file takes ~25 s to scan.
test_expect_success 'limits: 25,000 results, highest severity first, notification, exit 2' '
	mkdir big &&
	genkey jwt >keys &&
	echo "Authorization: Bearer $(cat keys)" >big/a-medium.txt &&
	genkey aws-key-id 30000 | sed "s/^/K=/" | split -l 1000 -d -a 2 - big/b- &&
	test_expect_code 1 keysnare scan -f json big >all.json 2>err &&
	test "$(jq ".findings | length" all.json)" = 30001 &&
	test_expect_code 2 keysnare scan -f sarif big >big.sarif 2>err &&
	iconv -f UTF-8 -t UTF-8 big.sarif >/dev/null &&
	test "$(gzip -c big.sarif | wc -c)" -lt 10000000 &&
	jq -r "[(.runs[0].results | length), (.runs[0].results | map(.ruleId) | unique | join(\",\")),
		(.runs[0].results[0].locations[0].physicalLocation |
			\"\(.artifactLocation.uri):\(.region.startLine)\"),
		(.runs[0].results[-1].locations[0].physicalLocation |
			\"\(.artifactLocation.uri):\(.region.startLine)\")] | @tsv" big.sarif >actual &&
	printf "25000\taws-access-key-id\tbig/b-00:1\tbig/b-24:1000\n" >expect &&
	test_cmp expect actual &&
	jq -r ".runs[0].invocations[0].toolExecutionNotifications[] | \"\(.level) \(.message.text)\"" big.sarif >notes &&
	test_line_count = 1 notes &&
	test_grep "^warning 5001 of 30001 results were dropped" notes &&
	jq -e ".runs[0].tool.driver.rules | length == 1" big.sarif &&
	cp big.sarif big.sarif.json &&
	"$NM/.bin/ajv" validate --spec=draft2020 -c ajv-formats --strict=false \
		-s "$MT_DIR/sarif-2.1.0.json" -d big.sarif.json >ajv.log 2>&1
'

test_done
