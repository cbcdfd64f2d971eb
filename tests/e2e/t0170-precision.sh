#!/usr/bin/env bash
test_description='precision filters: hashes, lockfiles, LFS pointers, words, placeholders'
. "$(dirname "$0")/lib.sh"

# Two deliberately loose custom rules, so that the hard negatives below reach
# the filters (the built-in rules are too tight to match most of them).
write_loose() {
	cat >loose.yml <<-\EOF
	rules:
	  - id: loose-sk-token
	    name: Loose sk-/pk-/api- token
	    pattern: '(?<![\w-])((?:sk|pk|api)-[a-z0-9_-]{6,80})(?![\w-])'
	    keywords: [sk-, pk-, api-]
	    secret_group: 1
	    severity: low
	    remediation: Revoke it at https://loose.invalid/tokens and load it from the environment.
	    examples:
	      - input: 'TOKEN={{secret}}'
	        secret: 'sk-{{lalnum:40}}'
	      - input: 'token: "{{secret}}"'
	        secret: 'pk-{{lalnum:24}}'
	    negative_examples:
	      - 'TOKEN=sk-learn-image-classifier'
	      - 'TOKEN=sk-xxxxxxxxxxxxxxxxxxxx'
	  - id: loose-hex64
	    name: Loose 64-hex key
	    pattern: '(?i:sha256:|key=)([a-f0-9]{64})\b'
	    keywords: ['sha256:', 'key=']
	    secret_group: 1
	    severity: low
	    remediation: Revoke it at https://loose.invalid/keys and load it from the environment.
	    examples:
	      - input: 'DEPLOY_KEY={{secret}}'
	        secret: '{{hex:64}}'
	      - input: 'api_key={{secret}}'
	        secret: '{{hex:64}}'
	    negative_examples:
	      - 'image: nginx@sha256:{{hex:64}}'
	      - 'DEPLOY_KEY={{hex:63}}'
	EOF
}

# mktree: tree/ of hard negatives with real keys planted next to them (the
# planted keys, one a line, go to keys). With only the generic rule and the
# loose rules enabled, the drops by reason are:
#   lockfile 4: an SRI digest in a generic secret (config.yml), a pip
#     --hash (requirements.txt), a generic secret in package-lock.json and
#     one in yarn.lock
#   hash + entropy 6: hex32/md5/sha1/sha256/sha512-shaped values of generic
#     names (hashes.env; a 32 or 40 hex value may fall below the generic
#     rule's min_entropy first), an image digest (deploy.yml); hash >= 3
#   lfs-pointer 1: the oid of assets/model.bin
#   words 4: sk-/pk-/api- + ordinary words (words.env)
#   placeholder 2: a keyboard walk and a repeated pattern (docs/README.md)
mktree() {
	rm -rf tree keys && mkdir -p tree/assets tree/docs &&
	sri=$(genkey sri) && md5=$(genkey md5) && sha1=$(genkey sha1) &&
	sha256=$(genkey sha256) && sha256b=$(genkey sha256) && hex32=$(genkey hex32) && uuid=$(genkey uuid) &&
	lfs=$(genkey sha256) && pip=$(genkey sha256) && img=$(genkey sha256) &&
	gen1=$(genkey generic) && gen2=$(genkey generic) && gen3=$(genkey generic) &&
	k_ghp=$(genkey github-pat) && k_groq=$(genkey groq) &&
	k_ds=$(genkey deepseek) && k_npm=$(genkey npm) && k_aws=$(genkey aws-key-id) &&
	k_gl=$(genkey gitlab) && k_hex=$(genkey sha256) &&
	b64a=$("$PYTHON" -c "import base64,os;print(base64.b64encode(os.urandom(32)).decode())") &&
	b64b=$("$PYTHON" -c "import base64,os;print(base64.b64encode(os.urandom(32)).decode())") &&
	cat >tree/package-lock.json <<-EOF &&
	{
	  "name": "web",
	  "lockfileVersion": 3,
	  "packages": {
	    "node_modules/left-pad": {
	      "version": "1.3.0",
	      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
	      "integrity": "$sri",
	      "shasum": "$sha1"
	    },
	    "node_modules/private-dep": {
	      "_note": "$k_ghp",
	      "token": "$gen1"
	    }
	  }
	}
	EOF
	cat >tree/yarn.lock <<-EOF &&
	left-pad@^1.3.0:
	  version "1.3.0"
	  resolved "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz#$sha1"
	  integrity $sri
	  auth_token: $gen2
	EOF
	printf "golang.org/x/text v0.3.7 h1:%s\ngolang.org/x/text v0.3.7/go.mod h1:%s\n" \
		"$b64a" "$b64b" >tree/go.sum &&
	printf "[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\nchecksum = \"%s\"\n" \
		"$sha256" >tree/Cargo.lock &&
	printf "requests==2.31.0 \\\\\n    --hash=sha256:%s\n" "$pip" >tree/requirements.txt &&
	printf "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize 52428800\n" \
		"$lfs" >tree/assets/model.bin &&
	cat >tree/config.yml <<-EOF &&
	auth_token: $sri
	api_token: $gen3
	EOF
	cat >tree/hashes.env <<-EOF &&
	SESSION_TOKEN=$uuid
	api_key = "$hex32"
	ACCESS_TOKEN=$md5
	auth_token: $sha1
	secret = $sha256
	PRIVATE_KEY=$sha256$sha256b
	GROQ_API_KEY=$k_groq
	EOF
	cat >tree/deploy.yml <<-EOF &&
	image: registry.acme.io/api@sha256:$img
	DEPLOY_KEY=$k_hex
	EOF
	cat >tree/words.env <<-EOF &&
	MODEL_PKG=sk-image-classifier
	FIXTURES=sk-test-fixtures
	SERVICE=api-gateway-service-name
	WIDGET=pk-payments-widget
	DEEPSEEK_API_KEY=$k_ds
	NPM_TOKEN=$k_npm
	EOF
	cat >tree/docs/README.md <<-EOF &&
	Set \`TOKEN=sk-qwertyuiopasdfghjkl\` or \`TOKEN=sk-abcabcabcabcabcabc\`.
	AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
	AWS_ACCESS_KEY_ID=$k_aws
	GITLAB_TOKEN=$k_gl
	EOF
	printf "%s\n" "$k_ghp" "$gen3" "$k_groq" "$k_hex" "$k_ds" "$k_npm" "$k_aws" \
		"$k_gl" >keys
}

scan_tree() {
	write_loose && mktree &&
	(cd tree && test_expect_code 1 keysnare scan --rules ../loose.yml --no-redact \
		-v -f json . >../out.json 2>../err)
}

test_expect_success 'the custom loose rules pass rules check' '
	write_loose &&
	keysnare rules check loose.yml >out 2>err
'

test_expect_success 'every planted key is found; no hard negative is reported' '
	scan_tree &&
	ksjson keyhashes keys >expect &&
	ksjson secret-hashes out.json >actual &&
	test_cmp expect actual
'

test_expect_success 'each hard negative is counted under its reason' '
	write_loose && mktree &&
	(cd tree && test_expect_code 1 keysnare scan --rules ../loose.yml -f json \
		--enable-rule generic-credential-assignment --enable-rule loose-sk-token \
		--enable-rule loose-hex64 . >../out.json 2>../err) &&
	for r in lockfile:4 lfs-pointer:1 words:4 placeholder:2; do
		n=$(ksjson get out.json "stats.dropped_by_reason.${r%%:*}") &&
		test "$n" = "${r#*:}" ||
		{ echo "${r%%:*}: $n, want ${r#*:}" >&4; return 1; }
	done &&
	h=$(ksjson get out.json stats.dropped_by_reason.hash) &&
	e=$(ksjson get out.json stats.dropped_by_reason.entropy) &&
	test $((h + e)) = 6 && test "$h" -ge 3
'

test_expect_success '-v names each drop with its reason and detail (redacted)' '
	scan_tree &&
	test_grep "dropped loose-hex64: .* in .assets/model.bin.: lfs-pointer$" err &&
	test_grep "dropped loose-hex64: .* in .requirements.txt.: lockfile: pip" err &&
	test_grep "dropped loose-hex64: .* in .deploy.yml.: hash: tagged .sha256:." err &&
	test_grep "dropped generic-credential-assignment: .* in .config.yml.: lockfile: SRI digest" err &&
	test_grep "dropped generic-credential-assignment: .* in .package-lock.json.: lockfile: generic match in a lockfile" err &&
	test_grep "dropped generic-credential-assignment: .* in .hashes.env.: hash: 64 hex digits" err &&
	test_grep "dropped loose-sk-token: .* in .words.env.: words: ordinary words" err &&
	test_grep "dropped loose-sk-token: .* in .docs/README.md.: placeholder: keyboard walk" err &&
	test_grep "dropped loose-sk-token: .* in .docs/README.md.: placeholder: a 3-character pattern repeated" err &&
	! grep -F -f keys err
'

test_expect_success 'the report with the new reasons validates against the schema' '
	scan_tree &&
	ksjson validate "$SRC_DIR/ci/keysnare-report.schema.json" out.json
'

test_expect_success 'the hard negatives alone are clean (exit 0)' '
	write_loose && mktree &&
	grep -v -F -f keys tree/words.env >w && mv w tree/words.env &&
	grep -v -F -f keys tree/hashes.env >h && mv h tree/hashes.env &&
	grep -v -F -f keys tree/docs/README.md >d && mv d tree/docs/README.md &&
	grep -v -F -f keys tree/deploy.yml >y && mv y tree/deploy.yml &&
	grep -v -F -f keys tree/package-lock.json >p && mv p tree/package-lock.json &&
	grep -v -F "api_token" tree/config.yml >c && mv c tree/config.yml &&
	keysnare scan --rules loose.yml -f json tree >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'a generic value in a lockfile is dropped, the same line elsewhere is found' '
	v=$(genkey generic) &&
	mkdir -p a b &&
	printf "{\"token\": \"%s\"}\n" "$v" >a/composer.lock &&
	printf "{\"token\": \"%s\"}\n" "$v" >b/composer.json &&
	keysnare scan -f json a >a.json 2>err &&
	test "$(ksjson get a.json stats.dropped_by_reason.lockfile)" = 1 &&
	test_expect_code 1 keysnare scan -f json b >b.json 2>err &&
	test "$(ksjson get b.json findings.#)" = 1
'

test_done
