#!/usr/bin/env bash
test_description='staged: the index against HEAD, whole blobs, only findings on added lines'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"

# Every body builds real repositories with git and runs `keysnare staged`
# from inside the work tree (as a hook does); findings are compared as
# "path:line:column rule" from the JSON report (ksjson findings).

test_expect_success 'nothing staged: empty repository, then a commit with nothing new: exit 0' '
	new_repo repo &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	echo hello >repo/README &&
	commit_all repo init &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	staged_in repo >out 2>err &&
	test_must_be_empty out
'

test_expect_success 'initial commit (no HEAD): a staged key blocks, exact path:line:col' '
	new_repo repo &&
	mkdir -p repo/config &&
	k=$(newkey groq) &&
	printf "# settings\nGROQ_API_KEY=%s\n" "$k" >repo/config/app.env &&
	echo readme >repo/README &&
	git -C repo add . &&
	test "$(head_of repo)" = unborn &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "config/app.env:2:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'git add, then the work tree file cleaned or removed: still blocks' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	k=$(newkey groq) &&
	printf "A=1\nGROQ_API_KEY=%s\n" "$k" >repo/app.env &&
	git -C repo add app.env &&
	printf "A=1\nGROQ_API_KEY=\n" >repo/app.env &&
	echo "app.env:2:14 groq-api-key" >expect &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_cmp expect actual &&
	rm repo/app.env &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_cmp expect actual
'

test_expect_success 'a key only in the work tree (modified tracked file, untracked file): exit 0' '
	new_repo repo &&
	printf "A=1\n" >repo/app.env &&
	echo docs >repo/README &&
	commit_all repo init &&
	k=$(newkey groq) &&
	printf "A=1\nGROQ_API_KEY=%s\n" "$k" >repo/app.env &&
	printf "GROQ_API_KEY=%s\n" "$k" >repo/untracked.env &&
	echo "more docs" >>repo/README &&
	git -C repo add README &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'index and work tree both changed: only the staged key, at its staged line' '
	new_repo repo &&
	printf "A=1\n" >repo/app.env &&
	commit_all repo init &&
	k1=$(newkey groq) &&
	k2=$(newkey groq) &&
	printf "A=1\nGROQ_API_KEY=%s\n" "$k1" >repo/app.env &&
	git -C repo add app.env &&
	printf "A=1\nB=2\nC=3\nGROQ_API_KEY=%s\n" "$k2" >repo/app.env &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "app.env:2:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	echo "$k1" >k1 &&
	ksjson keyhashes k1 >want &&
	ksjson hashes out.json >got &&
	test_cmp want got
'

test_expect_success 'a key only in an earlier commit, not in this change: exit 0' '
	new_repo repo &&
	k=$(newkey groq) &&
	printf "GROQ_API_KEY=%s\n" "$k" >repo/old.env &&
	commit_all repo c1 &&
	echo one >repo/README &&
	commit_all repo c2 &&
	echo two >>repo/README &&
	echo "A=1" >repo/new.env &&
	git -C repo add README new.env &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'modified file: a key on an unchanged line is not reported, one on an added line is' '
	new_repo repo &&
	k1=$(newkey groq) &&
	k2=$(newkey github-pat) &&
	printf "A=1\nGROQ_API_KEY=%s\nB=2\n" "$k1" >repo/app.env &&
	commit_all repo init &&
	printf "A=1\nGROQ_API_KEY=%s\nB=2\nC=3\nGITHUB_TOKEN=%s\n" "$k1" "$k2" >repo/app.env &&
	git -C repo add app.env &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "app.env:5:14 github-pat" >expect &&
	test_cmp expect actual
'

test_expect_success 'lines inserted above an existing key do not report it; replacing the key does' '
	new_repo repo &&
	k1=$(newkey groq) &&
	k2=$(newkey groq) &&
	printf "A=1\nGROQ_API_KEY=%s\n" "$k1" >repo/app.env &&
	commit_all repo init &&
	printf "X=0\nY=0\nA=1\nGROQ_API_KEY=%s\n" "$k1" >repo/app.env &&
	git -C repo add app.env &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	printf "X=0\nY=0\nA=1\nGROQ_API_KEY=%s\n" "$k2" >repo/app.env &&
	git -C repo add app.env &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "app.env:4:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	echo "$k2" >k2 &&
	ksjson keyhashes k2 >want &&
	ksjson hashes out.json >got &&
	test_cmp want got
'

test_expect_success 'the same key added again in the same file: only the new occurrence' '
	new_repo repo &&
	k=$(newkey groq) &&
	printf "GROQ_API_KEY=%s\n" "$k" >repo/app.env &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\nA=1\nBACKUP=%s\n" "$k" "$k" >repo/app.env &&
	git -C repo add app.env &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "app.env:3:8 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'a change that removes a key, or edits around it, reports nothing' '
	new_repo repo &&
	k=$(newkey groq) &&
	printf "A=1\nGROQ_API_KEY=%s\nB=2\n" "$k" >repo/app.env &&
	printf "x\nGROQ_API_KEY=%s\ny\n" "$k" >repo/other.env &&
	commit_all repo init &&
	printf "A=1\nB=2\n" >repo/app.env &&
	printf "x changed\nGROQ_API_KEY=%s\ny changed\n" "$k" >repo/other.env &&
	git -C repo add app.env other.env &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'a context word on an unchanged line names the rule of a key on an added line' '
	new_repo repo &&
	k1=$(newkey deepseek) &&
	k2=$(newkey deepseek) &&
	printf "# deepseek settings\nMODEL=chat\n" >repo/before.env &&
	printf "A=1\n# provider: deepseek\n" >repo/after.env &&
	commit_all repo init &&
	printf "# deepseek settings\nMODEL=chat\nLLM_KEY=%s\n" "$k1" >repo/before.env &&
	printf "LLM_KEY=%s\nA=1\n# provider: deepseek\n" "$k2" >repo/after.env &&
	git -C repo add . &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	after.env:1:9 deepseek-api-key
	before.env:3:9 deepseek-api-key
	EOF
	test_cmp expect actual
'

test_expect_success 'a context-gated custom rule: the context only on an unchanged line still reports' '
	gated_rule gated.yml &&
	keysnare rules check gated.yml >out 2>err &&
	new_repo with &&
	new_repo without &&
	printf "# acmegw endpoint\nURL=https://gw.acme.invalid\n" >with/gw.env &&
	printf "# gateway endpoint\nURL=https://gw.acme.invalid\n" >without/gw.env &&
	commit_all with init &&
	commit_all without init &&
	k=$(newkey acme) &&
	printf "GW_TOKEN=%s\n" "$k" >>with/gw.env &&
	printf "GW_TOKEN=%s\n" "$k" >>without/gw.env &&
	git -C with add gw.env &&
	git -C without add gw.env &&
	test_expect_code 1 staged_in with --rules "$PWD/gated.yml" --enable-rule acme-gated -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "gw.env:3:10 acme-gated" >expect &&
	test_cmp expect actual &&
	staged_in without --rules "$PWD/gated.yml" --enable-rule acme-gated -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'a key on an unchanged line is not reported when only its context word is added' '
	new_repo repo &&
	k=$(newkey deepseek) &&
	printf "LLM_KEY=%s\n" "$k" >repo/app.env &&
	commit_all repo init &&
	printf "LLM_KEY=%s\n# provider: deepseek\n" "$k" >repo/app.env &&
	git -C repo add app.env &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'a multi-line private key added: one finding at its BEGIN line' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	{ echo "# deploy key" && genkey private-key; } >repo/deploy.pem &&
	sed -n "/BEGIN/,/END/p" repo/deploy.pem >keys &&
	git -C repo add deploy.pem &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "deploy.pem:2:1 private-key" >expect &&
	test_cmp expect actual &&
	check_no_leak out.json keys &&
	check_no_leak err keys
'

test_expect_success 'private key already committed: a change after it is silent, a changed line inside it reports' '
	new_repo repo &&
	{ echo "# deploy key" && genkey private-key && echo "# end"; } >repo/deploy.pem &&
	commit_all repo init &&
	echo "# rotated yearly" >>repo/deploy.pem &&
	git -C repo add deploy.pem &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	{
		sed -n "1,2p" repo/deploy.pem &&
		sed -n "3p" repo/deploy.pem | rev &&
		sed -n "4,\$p" repo/deploy.pem
	} >new.pem &&
	mv new.pem repo/deploy.pem &&
	git -C repo add deploy.pem &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "deploy.pem:2:1 private-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'a pure rename of a file with a key (also into a new directory): exit 0' '
	new_repo repo &&
	k=$(newkey groq) &&
	printf "A=1\nGROQ_API_KEY=%s\n" "$k" >repo/old.env &&
	printf "GROQ_API_KEY=%s\nB=2\n" "$k" >repo/moved.env &&
	commit_all repo init &&
	git -C repo mv old.env new.env &&
	mkdir repo/config &&
	git -C repo mv moved.env config/moved.env &&
	git -C repo diff --cached -M --name-status >status &&
	test_line_count = 2 status &&
	test_grep "^R100" status &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'a rename with a key added: reported at the new path and line only' '
	new_repo repo &&
	k1=$(newkey groq) &&
	k2=$(newkey github-pat) &&
	{
		for i in 1 2 3 4 5 6 7 8 9; do echo "SETTING_$i=value $i" || return 1; done &&
		printf "GROQ_API_KEY=%s\n" "$k1"
	} >repo/old.env &&
	commit_all repo init &&
	git -C repo mv old.env new.env &&
	printf "GITHUB_TOKEN=%s\n" "$k2" >>repo/new.env &&
	git -C repo add new.env &&
	git -C repo diff --cached -M --name-status >status &&
	test_grep "^R[0-9]*	old.env	new.env$" status &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "new.env:11:14 github-pat" >expect &&
	test_cmp expect actual
'

test_expect_success 'deleting files with keys (alone, or next to a clean change): exit 0' '
	new_repo repo &&
	k=$(newkey groq) &&
	printf "GROQ_API_KEY=%s\n" "$k" >repo/a.env &&
	printf "GROQ_API_KEY=%s\n" "$k" >repo/b.env &&
	echo hi >repo/README &&
	commit_all repo init &&
	git -C repo rm -q a.env &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	git -C repo rm -q b.env &&
	echo more >>repo/README &&
	git -C repo add README &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'a mode change only (chmod +x) of a file with a key: exit 0' '
	new_repo repo &&
	k=$(newkey groq) &&
	printf "#!/bin/sh\nexport GROQ_API_KEY=%s\n" "$k" >repo/run.sh &&
	commit_all repo init &&
	chmod +x repo/run.sh &&
	git -C repo add run.sh &&
	git -C repo diff --cached --summary >summary &&
	test_grep "mode change 100644 => 100755" summary &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'an empty new file is clean: exit 0' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	mkdir repo/pkg &&
	: >repo/pkg/__init__.py &&
	git -C repo add pkg/__init__.py &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'a binary blob with a key is skipped and listed (JSON, -v), --scan-binary scans it' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	k=$(newkey groq) &&
	printf "\0\1\2GROQ_API_KEY=%s\n" "$k" >repo/blob.bin &&
	git -C repo add blob.bin &&
	test_expect_code_in "0 2" staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	ksjson skipped out.json >skipped &&
	echo "binary blob.bin" >expect &&
	test_cmp expect skipped &&
	test_expect_code_in "0 2" staged_in repo -v >out 2>err &&
	test_grep "blob\.bin" err &&
	test_grep -i "binary" err &&
	test_expect_code 1 staged_in repo --scan-binary -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "blob.bin:1:17 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'a skipped binary next to a text file with a key: exit 1, both reported' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	printf "\0\1\2 nothing here\n" >repo/blob.bin &&
	k=$(newkey groq) &&
	printf "GROQ_API_KEY=%s\n" "$k" >repo/app.env &&
	git -C repo add . &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "app.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual &&
	ksjson skipped out.json >skipped &&
	echo "binary blob.bin" >expect &&
	test_cmp expect skipped
'

test_expect_success 'a symlink whose target text is a key: found in the link, line 1' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	k=$(newkey groq) &&
	ln -s "GROQ_API_KEY=$k" repo/link &&
	git -C repo add link &&
	test "$(git -C repo ls-files -s link | cut -c1-6)" = 120000 &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "link:1:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'symlinks to files with keys (in and outside the repository) are not followed' '
	new_repo repo &&
	k=$(newkey groq) &&
	printf "GROQ_API_KEY=%s\n" "$k" >repo/secret.env &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >outside.env &&
	ln -s secret.env repo/alias.env &&
	ln -s ../outside.env repo/up.env &&
	ln -s "$PWD/outside.env" repo/abs.env &&
	git -C repo add alias.env up.env abs.env &&
	git -C repo ls-files -s >ls &&
	test "$(grep -c "^120000" ls)" = 3 &&
	staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0
'

test_expect_success 'a gitlink (submodule) is listed as not scanned and never entered' '
	new_repo sub &&
	k=$(newkey groq) &&
	printf "GROQ_API_KEY=%s\n" "$k" >sub/app.env &&
	commit_all sub s1 &&
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	git -C repo -c protocol.file.allow=always submodule add -q "$PWD/sub" vendor/sub &&
	test "$(git -C repo ls-files -s vendor/sub | cut -c1-6)" = 160000 &&
	test_expect_code_in "0 2" staged_in repo -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	ksjson skipped out.json >skipped &&
	echo "gitlink vendor/sub" >expect &&
	test_cmp expect skipped &&
	test_expect_code_in "0 2" staged_in repo -v >out 2>err &&
	test_grep "vendor/sub" err
'

test_expect_success 'a gitlink to a commit that exists nowhere does not crash and is listed' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	git -C repo update-index --add --cacheinfo 160000,1234567890abcdef1234567890abcdef12345678,lib/ext &&
	test_expect_code_in "0 2" staged_in repo -f json >out.json 2>err &&
	ksjson skipped out.json >skipped &&
	echo "gitlink lib/ext" >expect &&
	test_cmp expect skipped
'

test_expect_success 'an orphan branch (unborn HEAD, full index): every staged key is new' '
	new_repo repo &&
	k=$(newkey groq) &&
	printf "A=1\nGROQ_API_KEY=%s\n" "$k" >repo/app.env &&
	commit_all repo init &&
	staged_in repo -f json >out.json 2>err &&
	git -C repo checkout -q --orphan fresh &&
	test "$(head_of repo)" = unborn &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "app.env:2:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'detached HEAD: the index against the detached commit' '
	new_repo repo &&
	echo one >repo/README &&
	commit_all repo c1 &&
	echo two >>repo/README &&
	commit_all repo c2 &&
	git -C repo checkout -q --detach HEAD~1 &&
	k=$(newkey groq) &&
	printf "GROQ_API_KEY=%s\n" "$k" >>repo/README &&
	git -C repo add README &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "README:2:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success '.gitattributes -diff and binary do not hide a staged key (blob bytes are scanned)' '
	new_repo repo &&
	printf "*.env -diff\n*.cfg binary\n" >repo/.gitattributes &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/a.env &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/b.cfg &&
	git -C repo add a.env b.cfg &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	a.env:1:14 groq-api-key
	b.cfg:1:14 groq-api-key
	EOF
	test_cmp expect actual
'

test_expect_success 'a force-added ignored file is scanned (.gitignore does not apply to the index)' '
	new_repo repo &&
	echo "*.env" >repo/.gitignore &&
	commit_all repo init &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >repo/prod.env &&
	git -C repo add -f prod.env &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "prod.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'CRLF lines and a missing final newline: exact line and column of an added key' '
	new_repo repo &&
	printf "a\r\nb\r\n" >repo/crlf.env &&
	printf "x" >repo/nofinal.env &&
	commit_all repo init &&
	printf "a\r\nGROQ_API_KEY=%s\r\nb\r\n" "$(newkey groq)" >repo/crlf.env &&
	printf "x\nGROQ_API_KEY=%s" "$(newkey groq)" >repo/nofinal.env &&
	git -C repo add . &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	crlf.env:2:14 groq-api-key
	nofinal.env:2:14 groq-api-key
	EOF
	test_cmp expect actual
'

test_expect_success 'paths with spaces and non-ASCII names are reported as the index names them' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	mkdir -p "repo/my dir/ünï" &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >"repo/my dir/ünï/cön fig.env" &&
	git -C repo add . &&
	test_expect_code 1 staged_in repo -f json >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "my dir/ünï/cön fig.env:1:14 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success '300 staged files (added and modified), 3 keys: exactly those, same with -j1 and -j2' '
	new_repo repo &&
	mkdir repo/d0 repo/d1 repo/d2 repo/d3 repo/d4 &&
	for i in $(seq 1 200); do
		echo "value $i" >repo/d$((i % 5))/f$i.txt || return 1
	done &&
	commit_all repo init &&
	for i in $(seq 1 300); do
		echo "value $i changed" >>repo/d$((i % 5))/f$i.txt || return 1
	done &&
	printf "GROQ_API_KEY=%s\n" "$(newkey groq)" >>repo/d2/f17.txt &&
	printf "GITHUB_TOKEN=%s\n" "$(newkey github-pat)" >>repo/d0/f250.txt &&
	printf "A=1\nGROQ_API_KEY=%s\n" "$(newkey groq)" >repo/d4/new.env &&
	git -C repo add . &&
	test "$(git -C repo diff --cached --name-only | wc -l)" = 301 &&
	test_expect_code 1 staged_in repo -j1 -f json >one.json 2>err &&
	test_expect_code 1 staged_in repo -j2 -f json >two.json 2>err &&
	ksjson findings one.json | sort >actual &&
	cat >expect <<-\EOF &&
	d0/f250.txt:2:14 github-pat
	d2/f17.txt:3:14 groq-api-key
	d4/new.env:2:14 groq-api-key
	EOF
	test_cmp expect actual &&
	test_cmp one.json two.json
'

test_done
