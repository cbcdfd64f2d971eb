#!/usr/bin/env bash
test_description='the pre-commit framework: .pre-commit-hooks.yaml and a repo: local config block a staged key'
. "$(dirname "$0")/lib.sh"

# The real `pre-commit` tool (Debian package pre-commit), offline: its home
# (PRE_COMMIT_HOME) and HOME are the test's directory; the hook repository is
# a local clone of this work tree, never the network.

command -v pre-commit >/dev/null 2>&1 ||
	test_skip_all "the 'pre-commit' command is missing (Debian package pre-commit; 'make deps' installs it)"

umask 022

# setup: bin/keysnare (the binary under test, in PATH as `language: system`
# needs), an empty pre-commit home, a repository "repo" with one commit
setup() {
	mkdir bin &&
	ln -s "$KEYSNARE" bin/keysnare &&
	export PATH="$PWD/bin:$PATH" PRE_COMMIT_HOME="$PWD/pre-commit-home" &&
	git init -q -b main repo &&
	echo hello >repo/README &&
	git -C repo add README &&
	git -C repo commit -q -m init
}

# commit_config: commit repo's .pre-commit-config.yaml and install the
# framework's hook
install_framework() {
	git -C repo add .pre-commit-config.yaml &&
	git -C repo commit -q --no-verify -m config &&
	(cd repo && pre-commit install >../install.out 2>&1) &&
	test_grep "pre-commit installed at .git/hooks/pre-commit" install.out
}

local_config() {
	cat >repo/.pre-commit-config.yaml <<-EOF
	repos:
	  - repo: local
	    hooks:
	      - id: keysnare
	        name: keysnare
	        entry: keysnare staged
	        language: system
	        pass_filenames: false
	        always_run: true
	        stages: [$1]
	EOF
}

# hooks_repo: a clone of this work tree whose HEAD holds the work tree's
# .pre-commit-hooks.yaml (committed there if it is not yet); prints nothing,
# leaves the commit id in hooks-rev
hooks_repo() {
	if git -C "$SRC_DIR" rev-parse -q --verify HEAD >/dev/null 2>&1; then
		git clone -q "$SRC_DIR" hooks-repo
	else
		git init -q -b main hooks-repo
	fi &&
	cp "$SRC_DIR/.pre-commit-hooks.yaml" hooks-repo/.pre-commit-hooks.yaml &&
	if [ -n "$(git -C hooks-repo status --porcelain -- .pre-commit-hooks.yaml)" ]; then
		git -C hooks-repo add .pre-commit-hooks.yaml &&
		git -C hooks-repo commit -q --no-verify -m "pre-commit manifest"
	fi &&
	git -C hooks-repo rev-parse HEAD >hooks-rev
}

# the framework's stage name for commits (3.2 renamed commit to pre-commit)
commit_stage() {
	pre-commit validate-manifest /dev/stdin >/dev/null 2>&1 <<-EOF && echo pre-commit || echo commit
	- id: probe
	  name: probe
	  entry: probe
	  language: system
	  stages: [pre-commit]
	EOF
}

test_expect_success '.pre-commit-hooks.yaml is a valid manifest: id keysnare, keysnare staged, no file names' '
	PRE_COMMIT_HOME=$PWD/pre-commit-home pre-commit validate-manifest "$SRC_DIR/.pre-commit-hooks.yaml" &&
	"$PYTHON" - "$SRC_DIR/.pre-commit-hooks.yaml" >actual <<-\EOF &&
	import sys, yaml
	(h,) = yaml.safe_load(open(sys.argv[1]))
	for k in ("id", "entry", "language", "pass_filenames", "always_run"):
	    print(k, h[k])
	EOF
	cat >expect <<-\EOF &&
	id keysnare
	entry keysnare staged
	language system
	pass_filenames False
	always_run True
	EOF
	test_cmp expect actual
'

test_expect_success 'repo: local config: a staged key blocks the commit, a clean commit passes' '
	setup &&
	local_config "$(commit_stage)" &&
	install_framework &&
	before=$(git -C repo rev-parse HEAD) &&
	printf "AWS_ACCESS_KEY_ID=%s\n" "$(genkey aws-key-id)" >repo/app.env &&
	git -C repo add app.env &&
	test_expect_code 1 git -C repo commit -q -m key >out 2>err &&
	cat out err >all &&
	test_grep "keysnare.*Failed" all &&
	test_grep "app.env:1:19 aws-access-key-id" all &&
	test "$(git -C repo rev-parse HEAD)" = "$before" &&
	git -C repo rm -q --cached app.env &&
	rm repo/app.env &&
	echo more >>repo/README &&
	git -C repo commit -q -a -m clean >out 2>&1 &&
	test "$(git -C repo rev-parse HEAD)" != "$before"
'

test_expect_success 'repo: local config: a key only in the working tree (unstaged) does not block' '
	setup &&
	local_config "$(commit_stage)" &&
	install_framework &&
	echo clean >repo/notes.txt &&
	git -C repo add notes.txt &&
	printf "AWS_ACCESS_KEY_ID=%s\n" "$(genkey aws-key-id)" >>repo/notes.txt &&
	before=$(git -C repo rev-parse HEAD) &&
	git -C repo commit -q -m notes >out 2>&1 &&
	test "$(git -C repo rev-parse HEAD)" != "$before" &&
	git -C repo show HEAD:notes.txt >committed &&
	echo clean >expect &&
	test_cmp expect committed
'

test_expect_success 'remote-repo form: this work tree (a local clone) as the hook repository blocks a staged key' '
	setup &&
	hooks_repo &&
	cat >repo/.pre-commit-config.yaml <<-EOF &&
	repos:
	  - repo: $PWD/hooks-repo
	    rev: $(cat hooks-rev)
	    hooks:
	      - id: keysnare
	EOF
	install_framework &&
	before=$(git -C repo rev-parse HEAD) &&
	printf "AWS_ACCESS_KEY_ID=%s\n" "$(genkey aws-key-id)" >repo/app.env &&
	git -C repo add app.env &&
	test_expect_code 1 git -C repo commit -q -m key >out 2>err &&
	cat out err >all &&
	test_grep "keysnare \(secrets in staged changes\).*Failed" all &&
	test_grep "app.env:1:19 aws-access-key-id" all &&
	test "$(git -C repo rev-parse HEAD)" = "$before" &&
	git -C repo rm -q --cached app.env &&
	echo clean >repo/clean.txt &&
	git -C repo add clean.txt &&
	git -C repo commit -q -m clean >out 2>&1 &&
	test "$(git -C repo rev-parse HEAD)" != "$before"
'

test_expect_success 'the framework with keysnare missing from PATH blocks (fail closed)' '
	setup &&
	local_config "$(commit_stage)" &&
	install_framework &&
	mkdir tools &&
	ln -s "$(command -v git)" tools/git &&
	ln -s "$PYTHON" tools/python3 &&
	ln -s "$(command -v bash)" tools/bash &&
	! PATH=$PWD/tools /bin/sh -c "command -v keysnare" &&
	echo x >repo/x.txt &&
	git -C repo add x.txt &&
	before=$(git -C repo rev-parse HEAD) &&
	test_expect_code 1 env PATH="$PWD/tools" git -C repo commit -q -m x >out 2>&1 &&
	test_grep "keysnare.*Failed" out &&
	test_grep -i "executable .*keysnare.* not found" out &&
	test "$(git -C repo rev-parse HEAD)" = "$before"
'

test_done
