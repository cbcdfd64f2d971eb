#!/usr/bin/env bash
test_description='rules list/show/check, --rules, --enable-rule, --disable-rule'
. "$(dirname "$0")/lib.sh"

# The families the foundation issue requires, by rule id.
REQUIRED_RULES='
deepseek-api-key llm-sk-hex32-key dashscope-api-key
openai-api-key openai-project-api-key anthropic-api-key google-api-key
groq-api-key xai-api-key huggingface-token openrouter-api-key
perplexity-api-key aws-access-key-id aws-secret-access-key github-pat
github-fine-grained-pat gitlab-pat slack-bot-token slack-webhook-url
stripe-secret-key npm-access-token pypi-upload-token sendgrid-api-key
private-key jwt generic-credential-assignment'


test_expect_success 'rules list shows at least 35 rules, one a line, and a count' '
	keysnare rules list >list &&
	tail -n 1 list >last &&
	test_grep "^[0-9]+ rules$" last &&
	n=$(sed "s/ rules//" last) &&
	test "$n" -ge 35 &&
	test "$(sed "\$d" list | wc -l)" = "$n"
'

test_expect_success 'rules list has every required family' '
	keysnare rules list >list &&
	for id in $REQUIRED_RULES
	do
		grep -q "^$id " list || { echo "missing rule $id" >&4; return 1; }
	done
'

test_expect_success 'rule ids are unique kebab-case' '
	keysnare rules list | sed "\$d" | cut -d" " -f1 >ids &&
	sort ids | uniq -d >dups &&
	test_must_be_empty dups &&
	! grep -Ev "^[a-z0-9][a-z0-9-]*$" ids
'

test_expect_success 'rules check passes on the embedded rules' '
	keysnare rules check >out 2>err &&
	test_grep "rules ok" out
'

test_expect_success 'rules show deepseek-api-key prints the rule with its examples' '
	keysnare rules show deepseek-api-key >out &&
	test_grep "^id: deepseek-api-key$" out &&
	test_grep "^pattern: " out &&
	test_grep "^examples:" out &&
	test_grep "^  - input: .*\{\{secret\}\}" out &&
	test_grep "^    secret: sk-\{\{hex:32\}\}" out &&
	test_grep "^negative_examples:" out &&
	test_grep "^remediation: .*deepseek" out
'

test_expect_success 'rules show of an unknown id exits 3' '
	test_expect_code 3 keysnare rules show no-such-rule >out 2>err &&
	test_grep "no-such-rule" err
'

test_expect_success 'rules without a subcommand, or a bad one, exits 3' '
	test_expect_code 3 keysnare rules 2>err &&
	test_expect_code 3 keysnare rules frob 2>err &&
	test_grep "frob" err &&
	test_expect_code 3 keysnare rules show 2>err
'

test_expect_success 'rules check on a valid custom file passes' '
	write_rule acme.yml acme-token &&
	keysnare rules check acme.yml >out 2>err &&
	test_grep "1 rules ok" out
'

test_expect_success 'rules check reports file:line:col for a duplicate key, exit 3' '
	write_rule bad.yml dup-key &&
	sed "s/^    severity: high$/    severity: high\n    severity: low/" bad.yml >dup.yml &&
	grep -n "severity: low" dup.yml | cut -d: -f1 >line &&
	test_expect_code 3 keysnare rules check dup.yml >out 2>err &&
	test_grep "dup.yml:$(cat line):5: .*duplicate key .severity." err
'

test_expect_success 'rules check reports file:line:col for a bad regex, exit 3' '
	write_rule bad.yml bad-regex &&
	sed "s/^    pattern: .*/    pattern: '\''zz([0-9]{8}'\''/" bad.yml >re.yml &&
	grep -n "pattern:" re.yml | cut -d: -f1 >line &&
	test_expect_code 3 keysnare rules check re.yml >out 2>err &&
	test_grep "re.yml:$(cat line):[0-9]+: .*bad-regex.*pattern" err
'

test_expect_success 'rules check reports file:line:col for a missing field, exit 3' '
	write_rule bad.yml no-remediation &&
	sed "/^    remediation:/d" bad.yml >miss.yml &&
	grep -n "id: no-remediation" miss.yml | cut -d: -f1 >line &&
	test_expect_code 3 keysnare rules check miss.yml >out 2>err &&
	test_grep "miss.yml:$(cat line):[0-9]+: .*no-remediation.*remediation" err
'

test_expect_success 'rules check rejects a rule id that clashes with a default rule' '
	write_rule clash.yml github-pat &&
	test_expect_code 3 keysnare scan --rules clash.yml /dev/null 2>err &&
	test_grep "clash.yml:[0-9]+:[0-9]+: .*github-pat" err
'

test_expect_success 'rules check fails a rule whose example does not fire' '
	write_rule bad.yml wrong-example &&
	sed "s/secret: '\''acme_{{lalnum:32}}'\''/secret: '\''acme_{{upper:32}}'\''/" bad.yml >ex.yml &&
	test_expect_code 3 keysnare rules check ex.yml >out 2>err &&
	test_grep "ex.yml:[0-9]+: wrong-example: example" err
'

test_expect_success 'rules check rejects a pattern that can match the empty string' '
	write_rule bad.yml empty-match &&
	sed "s/^    pattern: .*/    pattern: '\''(acme_[a-z0-9]{32})?'\''/" bad.yml >em.yml &&
	test_expect_code 3 keysnare rules check em.yml >out 2>err &&
	test_grep "em.yml:[0-9]+:[0-9]+: .*empty-match" err
'

test_expect_success 'rules check rejects YAML aliases and unknown keys' '
	write_rule bad.yml alias-rule &&
	sed "s/^    keywords: \[acme_\]/    keywords: \&kw [acme_]\n    tags2: *kw/" bad.yml >al.yml &&
	test_expect_code 3 keysnare rules check al.yml 2>err &&
	test_grep "al.yml:[0-9]+:[0-9]+: " err &&
	write_rule bad.yml unknown-key &&
	sed "s/^    severity: high/    severity: high\n    colour: red/" bad.yml >uk.yml &&
	test_expect_code 3 keysnare rules check uk.yml 2>err &&
	test_grep "uk.yml:[0-9]+:[0-9]+: .*colour" err
'

test_expect_success 'rules check survives deep flow nesting quickly (libyaml)' '
	{ printf "rules: " && head -c 100000 /dev/zero | tr "\0" "[" && echo; } >deep.yml &&
	test_expect_code 3 timeout 10 "$KEYSNARE" rules check deep.yml 2>err &&
	test_grep "deep.yml" err
'

test_expect_success '--rules adds a custom rule that then fires' '
	write_rule acme.yml acme-token &&
	tok=$(genkey acme) &&
	printf "# service config\nACME_TOKEN=%s\n" "$tok" >svc.env &&
	test_expect_code 1 keysnare scan --rules acme.yml -f json svc.env >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "svc.env:2:12 acme-token" >expect &&
	test_cmp expect actual &&
	keysnare rules list --rules acme.yml >list &&
	test_grep "^acme-token " list
'

test_expect_success 'without --rules only the generic rule reports the custom token' '
	tok=$(genkey acme) &&
	printf "ACME_TOKEN=%s\n" "$tok" >svc.env &&
	test_expect_code 1 keysnare scan -f json svc.env >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "svc.env:1:12 generic-credential-assignment" >expect &&
	test_cmp expect actual
'

test_expect_success '--enable-rule runs only the named rules' '
	echo "DEEPSEEK_API_KEY=$(genkey deepseek)" >a.env &&
	echo "GITHUB_TOKEN=$(genkey github-pat)" >>a.env &&
	echo "GROQ_API_KEY=$(genkey groq)" >>a.env &&
	test_expect_code 1 keysnare scan --enable-rule github-pat -f json . >out.json &&
	ksjson findings out.json >actual &&
	echo "a.env:2:14 github-pat" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 keysnare scan --enable-rule github-pat --enable-rule groq-api-key -f json . >out.json &&
	ksjson findings out.json >actual &&
	echo "a.env:3:14 groq-api-key" >>expect &&
	test_cmp expect actual
'

test_expect_success '--disable-rule drops the named rule' '
	echo "DEEPSEEK_API_KEY=$(genkey deepseek)" >a.env &&
	echo "GITHUB_TOKEN=$(genkey github-pat)" >>a.env &&
	test_expect_code 1 keysnare scan --disable-rule github-pat -f json . >out.json &&
	ksjson findings out.json | grep -v " generic-credential-assignment$" >actual &&
	echo "a.env:1:18 deepseek-api-key" >expect &&
	test_cmp expect actual &&
	keysnare scan --disable-rule github-pat --disable-rule deepseek-api-key \
		--disable-rule llm-sk-hex32-key --disable-rule generic-credential-assignment \
		-f json . >out.json &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success '--enable-rule with a custom rule from --rules' '
	write_rule acme.yml acme-token &&
	tok=$(genkey acme) &&
	printf "ACME_TOKEN=%s\nGITHUB_TOKEN=%s\n" "$tok" "$(genkey github-pat)" >svc.env &&
	test_expect_code 1 keysnare scan --rules acme.yml --enable-rule acme-token -f json . >out.json &&
	ksjson findings out.json >actual &&
	echo "svc.env:1:12 acme-token" >expect &&
	test_cmp expect actual
'

test_expect_success 'README.md "What it detects" is the output of keysnare rules table (make readme-table)' '
	sed -n "/<!-- rules-table:begin -->/,/<!-- rules-table:end -->/p" "$SRC_DIR/README.md" |
		sed "1d;\$d" >readme &&
	keysnare rules table >actual &&
	test_cmp actual readme &&
	test_grep "^| AI/LLM | DeepSeek | \`deepseek-api-key\` | yes |$" actual &&
	test_grep "^| AI/LLM | (several LLM providers) | \`llm-sk-hex32-key\` | no |$" actual &&
	n=$(keysnare rules list | tail -n 1 | sed "s/ rules$//") &&
	test_grep "^$n rules, " actual
'

test_expect_success 'rules table: every built-in rule once, grouped by family in order' '
	keysnare rules table >t &&
	grep "^| " t | sed 1d >rows &&
	sed "s/^| \([^|]*\) |.*/\1/" rows | uniq >families &&
	printf "%s\n" "AI/LLM" "Cloud and infrastructure" "Code and packages" "Messaging and SaaS" "Structural" >expect &&
	test_cmp expect families &&
	awk -F"|" "{ print \$4 }" rows | grep -o "\`[a-z0-9-]*\`" | tr -d "\`" | sort >ids &&
	keysnare rules list | sed "\$d" | cut -d" " -f1 | sort >all &&
	test_cmp all ids
'

test_done
