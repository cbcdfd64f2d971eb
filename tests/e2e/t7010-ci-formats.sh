#!/usr/bin/env bash
test_description='CI formats: GitLab secret-detection report, GitHub workflow commands, JUnit XML'
. "$(dirname "$0")/lib.sh"

SCHEMA=$SRC_DIR/tests/schemas/gitlab-secret-detection-report.schema.json
cicheck() { "$PYTHON" "$E2E_DIR/cicheck.py" "$@"; }
# has STRING FILE: FILE contains STRING (fixed string)
has() {
	grep -F -q -- "$1" "$2" && return 0
	echo "has: no '$1' in '$2':" >&4
	head -c 2000 "$2" >&4
	return 1
}
mktree() { "$PYTHON" "$E2E_DIR/mktree.py" tree expect keys; }

command -v xmllint >/dev/null || test_skip_all "xmllint is not installed"
"$PYTHON" -c "import jsonschema" 2>/dev/null || test_skip_all "python3-jsonschema is not installed"

# sev_rules: rules.yml with acme-high (acme_), acme-medium (acmm_) and
# acme-low (acml_); a remediation with "100%", ":" and ","
sev_rules() {
	write_rule r.yml acme-high &&
	sed -e "s/acme_/acmm_/g" -e "s/severity: high/severity: medium/" \
	    -e "s/id: acme-high/id: acme-medium/" r.yml >m.yml &&
	sed -e "s/acme_/acml_/g" -e "s/severity: high/severity: low/" \
	    -e "s/id: acme-high/id: acme-low/" r.yml >l.yml &&
	sed -i "s|^    remediation: .*|    remediation: \"Revoke 100% of it: now, really.\"|" r.yml
}

test_expect_success 'gitlab: valid against the required fields, one vulnerability per finding' '
	mktree &&
	test_expect_code 1 keysnare scan -f json tree >out.json 2>err &&
	test_expect_code 1 keysnare scan -f gitlab tree >gl.json 2>err &&
	cicheck gitlab "$SCHEMA" gl.json >actual &&
	test "$(wc -l <actual)" = "$(ksjson get out.json findings.#)" &&
	test "$(wc -l <actual)" -gt 10 &&
	test_grep -v " [0-9a-f]{40}$" actual &&
	test "$(grep -c " 0000000$" actual)" = "$(wc -l <actual)" &&
	test "$(cicheck gitlab-status gl.json)" = success &&
	test_grep "\"version\":[[:space:]]*\"15\.0\.6\"" gl.json &&
	test_grep "\"category\":[[:space:]]*\"secret_detection\"" gl.json
'

test_expect_success 'gitlab: severities map to Critical/High/Medium/Low' '
	sev_rules &&
	k=$(genkey acme) && r=${k#acme_} &&
	printf "A=acme_%s\nB=acmm_%s\nC=acml_%s\n" "$r" "$r" "$r" >s.env &&
	test_expect_code 1 keysnare scan --rules r.yml --rules m.yml --rules l.yml \
		--enable-rule acme-high --enable-rule acme-medium --enable-rule acme-low \
		-f gitlab s.env >gl.json 2>err &&
	cicheck gitlab "$SCHEMA" gl.json >actual &&
	cat >expect <<-\EOT &&
	s.env:1 acme-high High 0000000
	s.env:2 acme-medium Medium 0000000
	s.env:3 acme-low Low 0000000
	EOT
	test_cmp expect actual &&
	printf "%s\n" "$(genkey private-key)" >pk.pem &&
	test_expect_code 1 keysnare scan -f gitlab pk.pem >gl.json 2>err &&
	cicheck gitlab "$SCHEMA" gl.json >actual &&
	test_grep "^pk.pem:1 private-key Critical 0000000$" actual
'

test_expect_success 'gitlab: ids are stable across runs and unique for a repeated key' '
	mktree &&
	k=$(genkey groq) &&
	printf "A=%s\nB=%s\n" "$k" "$k" >tree/twice.env &&
	test_expect_code 1 keysnare scan -f gitlab tree >1.json 2>err &&
	test_expect_code 1 keysnare scan -f gitlab tree >2.json 2>err &&
	cicheck gitlab-ids 1.json >ids1 &&
	cicheck gitlab-ids 2.json >ids2 &&
	test_cmp ids1 ids2 &&
	test "$(sort -u ids1 | wc -l)" = "$(wc -l <ids1)" &&
	cicheck gitlab "$SCHEMA" 1.json >list &&
	test "$(grep -c "^tree/twice.env:" list)" = 2
'

test_expect_success 'gitlab: history findings carry their commit sha' '
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/app.env &&
	git -C repo add -A && git -C repo commit -q -m one &&
	c1=$(git -C repo rev-parse HEAD) &&
	printf "HF_TOKEN=%s\n" "$(genkey huggingface)" >repo/hf.env &&
	git -C repo add -A && git -C repo commit -q -m two &&
	c2=$(git -C repo rev-parse HEAD) &&
	test_expect_code 1 keysnare history --repo repo -f gitlab >gl.json 2>err &&
	cicheck gitlab "$SCHEMA" gl.json >actual &&
	printf "app.env:1 groq-api-key High %s\nhf.env:1 huggingface-token High %s\n" "$c1" "$c2" >expect &&
	test_cmp expect actual
'

test_expect_success 'gitlab: suppressed findings are left out, even with --show-suppressed' '
	printf "A=%s # keysnare:allow\nB=%s\n" "$(genkey groq)" "$(genkey groq)" >a.env &&
	test_expect_code 1 keysnare scan --show-suppressed -f gitlab a.env >gl.json 2>err &&
	cicheck gitlab "$SCHEMA" gl.json >actual &&
	echo "a.env:2 groq-api-key High 0000000" >expect &&
	test_cmp expect actual
'

test_expect_success 'gitlab: a clean scan is an empty list, an incomplete one status failure' '
	echo clean >a.txt &&
	keysnare scan -f gitlab a.txt >gl.json 2>err &&
	cicheck gitlab "$SCHEMA" gl.json >actual &&
	test_must_be_empty actual &&
	test "$(cicheck gitlab-status gl.json)" = success &&
	unpriv_setup_ok &&
	mkdir t && echo clean >t/a.txt && echo x >t/locked.txt &&
	chmod 755 t && chmod 644 t/a.txt && chmod 000 t/locked.txt &&
	test_expect_code 2 as_unpriv "$KEYSNARE" scan -f gitlab t >gl.json 2>err &&
	cicheck gitlab "$SCHEMA" gl.json >actual &&
	test "$(cicheck gitlab-status gl.json)" = failure
'

test_expect_success 'github: one command per finding, level by severity' '
	sev_rules &&
	k=$(genkey acme) && r=${k#acme_} &&
	printf "A=acme_%s\nB=acmm_%s\nC=acml_%s\n" "$r" "$r" "$r" >s.env &&
	test_expect_code 1 keysnare scan --rules r.yml --rules m.yml --rules l.yml \
		--enable-rule acme-high --enable-rule acme-medium --enable-rule acme-low \
		-f github s.env >gh.txt 2>err &&
	test_line_count = 3 gh.txt &&
	cicheck github gh.txt >actual &&
	cut -d"|" -f1-4 actual >levels &&
	cat >expect <<-\EOT &&
	error|s.env|1|acme-high
	warning|s.env|2|acme-medium
	notice|s.env|3|acme-low
	EOT
	test_cmp expect levels &&
	test_grep "^::error file=s\.env,line=1,col=3,endLine=1,endColumn=39,title=acme-high::Acme API token: acme_" gh.txt &&
	test_grep "::Acme API token: acme_[a-z0-9]{0,8}\*\*\* .+ Revoke 100%25 of it: now, really\.$" gh.txt &&
	printf "%s\n" "$(genkey private-key)" >pk.pem &&
	test_expect_code 1 keysnare scan -f github pk.pem >gh.txt 2>err &&
	test_line_count = 1 gh.txt &&
	test_grep "^::error file=pk\.pem,line=1,endLine=[0-9]+,title=private-key::" gh.txt
'

test_expect_success 'github: % CR LF : , escaped in file names (properties) and messages' '
	mkdir d &&
	for n in "a%b.env" "c:d.env" "e,f.env" "g${LF}h.env" "$(printf "i\rj.env")"
	do
		printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >"d/$n" || return 1
	done &&
	test_expect_code 1 keysnare scan -f github d >gh.txt 2>err &&
	test_line_count = 5 gh.txt &&
	has "file=d/a%25b.env," gh.txt &&
	has "file=d/c%3Ad.env," gh.txt &&
	has "file=d/e%2Cf.env," gh.txt &&
	has "file=d/g%0Ah.env," gh.txt &&
	has "file=d/i%0Dj.env," gh.txt &&
	cicheck github gh.txt | cut -d"|" -f2 | sort >actual &&
	printf "%s\n" "d/a%b.env" "d/c:d.env" "d/e,f.env" "d/g\\nh.env" "d/i\\rj.env" | sort >expect &&
	test_cmp expect actual &&
	printf "%s\n" "$(genkey private-key)" >pk.pem &&
	test_expect_code 1 keysnare scan --no-redact -f github pk.pem >gh.txt 2>err &&
	test_line_count = 1 gh.txt &&
	has "%0A" gh.txt &&
	test_grep "::Private key block: -----BEGIN [A-Z ]*PRIVATE KEY-----%0A" gh.txt
'

test_expect_success 'github: suppressed findings only with --show-suppressed, as notices' '
	printf "A=%s # keysnare:allow\nB=%s\n" "$(genkey groq)" "$(genkey groq)" >a.env &&
	test_expect_code 1 keysnare scan -f github a.env >gh.txt 2>err &&
	test_line_count = 1 gh.txt &&
	test_grep "^::error file=a\.env,line=2," gh.txt &&
	test_expect_code 1 keysnare scan --show-suppressed -f github a.env >gh.txt 2>err &&
	test_line_count = 2 gh.txt &&
	test_grep "^::notice file=a\.env,line=1,.*\(suppressed: [a-z-]+\)$" gh.txt &&
	echo clean >c.txt &&
	keysnare scan -f github c.txt >gh.txt 2>err &&
	test_must_be_empty gh.txt
'

test_expect_success 'junit: well-formed, counts right, one failure per finding' '
	mktree &&
	test_expect_code 1 keysnare scan -f json tree >out.json 2>err &&
	test_expect_code 1 keysnare scan -f junit tree >j.xml 2>err &&
	xmllint --noout j.xml &&
	head -n 1 j.xml >first &&
	echo "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" >hdr &&
	test_cmp hdr first &&
	cicheck junit j.xml >actual &&
	n=$(ksjson get out.json findings.#) &&
	test "$(head -n 1 actual)" = "$n $n 0 0" &&
	sed -e 1d -e "s/^\([^|]*\)|tree\/\([^|]*\)|.*/\2 \1/" actual | sort >got &&
	grep -v "[^ -~]" expect | sort >want &&
	test "$(wc -l <want)" -gt 10 &&
	comm -23 want got >missing &&
	test_must_be_empty missing
'

test_expect_success 'junit: a file name with & < > " and invalid UTF-8 stays well-formed' '
	n=$(printf "x&<>\"\047\377\001.env") &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >"$n" &&
	test_expect_code 1 keysnare scan -f junit . >j.xml 2>err &&
	xmllint --noout j.xml &&
	iconv -f UTF-8 -t UTF-8 j.xml >/dev/null &&
	cicheck junit j.xml >actual &&
	test "$(head -n 1 actual)" = "1 1 0 0" &&
	q=$(printf "\047") &&
	has "groq-api-key|x&<>\"$q\\\\xFF\\\\x01.env:1:14|failure|Groq API key: gsk_" actual
'

test_expect_success 'junit: a clean scan is one passing testcase' '
	echo clean >a.txt &&
	keysnare scan -f junit a.txt >j.xml 2>err &&
	xmllint --noout j.xml &&
	cicheck junit j.xml >actual &&
	printf "1 0 0 0\nkeysnare|keysnare scan|pass|\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'junit: suppressed findings as skipped, scan errors as errors' '
	printf "A=%s # keysnare:allow\nB=%s\n" "$(genkey groq)" "$(genkey groq)" >a.env &&
	test_expect_code 1 keysnare scan --show-suppressed -f junit a.env >j.xml 2>err &&
	xmllint --noout j.xml &&
	cicheck junit j.xml >actual &&
	test "$(head -n 1 actual)" = "2 1 0 1" &&
	test_grep "^groq-api-key\|a\.env:1:[0-9]+\|skipped\|suppressed: [a-z-]+$" actual &&
	unpriv_setup_ok &&
	mkdir t && echo clean >t/a.txt && echo x >t/locked.txt &&
	chmod 755 t && chmod 644 t/a.txt && chmod 000 t/locked.txt &&
	test_expect_code 2 as_unpriv "$KEYSNARE" scan -f junit t >j.xml 2>err &&
	xmllint --noout j.xml &&
	cicheck junit j.xml >actual &&
	test "$(head -n 1 actual)" = "1 0 1 0" &&
	test_grep "^keysnare\.error\|t/locked\.txt\|error\|.*[Pp]ermission denied" actual
'

test_expect_success 'redaction: no key in gitlab, github or junit output by default; --no-redact shows them' '
	mktree &&
	for f in gitlab github junit
	do
		test_expect_code 1 keysnare scan -f $f tree >out.$f 2>err &&
		test -s out.$f &&
		check_no_leak out.$f keys &&
		check_no_leak err keys || return 1
	done &&
	test_expect_code 1 keysnare scan --show-suppressed -f github tree >out 2>err &&
	check_no_leak out keys &&
	sed "/^-----BEGIN/,/^-----END/d" keys >oneline &&
	test_expect_code 1 keysnare scan --no-redact -f github tree >out.github 2>err &&
	test_expect_code 1 keysnare scan --no-redact -f junit tree >out.junit 2>err &&
	test_expect_code 1 keysnare scan --no-redact -f gitlab tree >out.gitlab 2>err &&
	xmllint --noout out.junit &&
	while read -r k
	do
		grep -F -q -- "$k" out.github &&
		# GitLab shows the snippet, capped at 200 bytes
		{ [ ${#k} -gt 120 ] || grep -F -q -- "$k" out.gitlab; } &&
		grep -F -q -- "$k" out.junit || { echo "not in full: ${k%????????????????}..." >&4; return 1; }
	done <oneline
'

test_done
