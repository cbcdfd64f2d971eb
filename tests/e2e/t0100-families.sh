#!/usr/bin/env bash
test_description='one fresh key per rule family, placeholders and near misses'
. "$(dirname "$0")/lib.sh"

# mktree.py writes tree/, the expected findings (path:line:col rule, in
# keysnare's order) and the planted keys.
mktree() {
	"$PYTHON" "$E2E_DIR/mktree.py" tree expect keys
}

test_expect_success 'every planted key is reported once, with its rule, line and column' '
	mktree &&
	(cd tree && test_expect_code 1 keysnare scan -f json . >../out.json 2>../err) &&
	ksjson findings out.json >actual &&
	test_cmp expect actual
'

test_expect_success 'the tree has every required family and at least 30 negatives' '
	mktree &&
	for id in deepseek-api-key openai-api-key openai-project-api-key anthropic-api-key \
		google-api-key groq-api-key xai-api-key huggingface-token openrouter-api-key \
		perplexity-api-key aws-access-key-id aws-secret-access-key github-pat \
		github-fine-grained-pat gitlab-pat slack-bot-token slack-webhook-url \
		stripe-secret-key npm-access-token pypi-upload-token sendgrid-api-key \
		private-key jwt generic-credential-assignment
	do
		grep -q " $id$" expect || { echo "no $id in the tree" >&4; return 1; }
	done &&
	cat tree/.env.example tree/README.md tree/notes/ids.txt tree/package-lock.json \
		tree/keys/deploy.pub.pem | grep -c . >n &&
	test "$(cat n)" -ge 50
'

test_expect_success 'the reported secrets are exactly the planted keys (--no-redact)' '
	mktree &&
	(cd tree && test_expect_code 1 keysnare scan --no-redact -f json . >../out.json 2>../err) &&
	ksjson keyhashes keys >expect.h &&
	ksjson secret-hashes out.json >actual.h &&
	test_cmp expect.h actual.h &&
	ksjson hashes out.json >sha.h &&
	test_cmp expect.h sha.h
'

test_expect_success 'placeholders were seen and dropped, not missed' '
	mktree &&
	(cd tree && test_expect_code 1 keysnare scan -f json . >../out.json 2>../err) &&
	p=$(ksjson get out.json stats.dropped_by_reason.placeholder) &&
	e=$(ksjson get out.json stats.dropped_by_reason.entropy) &&
	test "$p" -ge 5 &&
	test $((p + e)) -ge 10
'

test_expect_success 'scanning the tree from outside prefixes the paths' '
	mktree &&
	test_expect_code 1 keysnare scan -f json tree >out.json 2>err &&
	ksjson findings out.json >actual &&
	sed "s|^|tree/|" expect >expect.tree &&
	test_cmp expect.tree actual
'

test_expect_success 'text output has one path:line:col: rule: redacted line per finding' '
	mktree &&
	(cd tree && test_expect_code 1 keysnare scan . >../out.txt 2>../err) &&
	sed -E "s/^([^:]*):([0-9]+):([0-9]+): ([a-z0-9-]+): .*/\1:\2:\3 \4/" out.txt >actual &&
	test_cmp expect actual &&
	test_grep "^keysnare: 1[0-9] files scanned .*; 0 errors; $(wc -l <expect) findings; 0 suppressed$" err
'

test_expect_success 'placeholders alone are clean (exit 0)' '
	mktree &&
	mkdir only &&
	mv tree/.env.example tree/README.md tree/notes tree/package-lock.json only/ &&
	mv tree/keys/deploy.pub.pem only/ &&
	keysnare scan -f json only >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'each family is found alone at the start of a file (line 1, column 1)' '
	for fam in deepseek openai-legacy openai-project anthropic google groq xai \
		huggingface openrouter perplexity aws-key-id github-pat github-fine-grained \
		gitlab slack-bot slack-webhook stripe npm pypi sendgrid private-key jwt
	do
		genkey $fam >$fam.txt || return 1
	done &&
	test_expect_code 1 keysnare scan -f json . >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	anthropic.txt:1:1 anthropic-api-key
	aws-key-id.txt:1:1 aws-access-key-id
	deepseek.txt:1:1 llm-sk-hex32-key
	github-fine-grained.txt:1:1 github-fine-grained-pat
	github-pat.txt:1:1 github-pat
	gitlab.txt:1:1 gitlab-pat
	google.txt:1:1 google-api-key
	groq.txt:1:1 groq-api-key
	huggingface.txt:1:1 huggingface-token
	jwt.txt:1:1 jwt
	npm.txt:1:1 npm-access-token
	openai-legacy.txt:1:1 openai-api-key
	openai-project.txt:1:1 openai-project-api-key
	openrouter.txt:1:1 openrouter-api-key
	perplexity.txt:1:1 perplexity-api-key
	private-key.txt:1:1 private-key
	pypi.txt:1:1 pypi-upload-token
	sendgrid.txt:1:1 sendgrid-api-key
	slack-bot.txt:1:1 slack-bot-token
	slack-webhook.txt:1:1 slack-webhook-url
	stripe.txt:1:1 stripe-secret-key
	xai.txt:1:1 xai-api-key
	EOF
	test_cmp expect actual
'

test_done
