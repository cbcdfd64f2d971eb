#!/usr/bin/env bash
test_description='hook install/uninstall/status: where the hook goes, chaining, --force, fail closed, self-test, real commits'
. "$(dirname "$0")/lib.sh"

# Most bodies run the installed hook with KEYSNARE pointing at a stand-in
# (fakebin/keysnare) that logs its arguments to ./calls and exits $FAKE_RC,
# so the hook's own logic (chaining, lookup, fail closed) is tested apart
# from `keysnare staged`; the real-commit tests at the end use the real one.

umask 022

new_repo() {
	git init -q -b main "$1" &&
	echo hello >"$1/README" &&
	git -C "$1" add README &&
	git -C "$1" commit -q --no-verify -m init
}

# make_fake: fakebin/keysnare logs "keysnare ARGS" to ./calls, exits $FAKE_RC
make_fake() {
	mkdir -p fakebin &&
	printf '#!/bin/sh\necho "keysnare $*" >>"%s/calls"\nexit ${FAKE_RC:-0}\n' "$PWD" >fakebin/keysnare &&
	chmod 755 fakebin/keysnare
}

# write_foreign FILE: a hook of someone else's that logs "foreign ARGS" to
# ./calls and exits $FOREIGN_RC
write_foreign() {
	printf '#!/bin/sh\n# my own hook\necho "foreign $*" >>"%s/calls"\nexit ${FOREIGN_RC:-0}\n' "$PWD" >"$1" &&
	chmod 755 "$1"
}

# fake_commit REPO MSG: commit a new file in REPO with the stand-in keysnare
fake_commit() {
	echo "$2" >"$1/$2.txt" &&
	git -C "$1" add "$2.txt" &&
	KEYSNARE=$PWD/fakebin/keysnare git -C "$1" commit -q -m "$2"
}

# tools/: a PATH holding git and nothing named keysnare
make_tools() {
	mkdir -p tools &&
	ln -s "$(command -v git)" tools/git &&
	! PATH=$PWD/tools /bin/sh -c "command -v keysnare"
}

# listing DIR: names, modes, sizes and checksums of everything in DIR
listing() {
	(cd "$1" && find . -path ./.git/objects -prune -o -print | LC_ALL=C sort |
		while read -r f; do
			if [ -f "$f" ] && ! [ -L "$f" ]; then
				echo "$f $(stat -c '%a %i' "$f") $(cksum <"$f")"
			else
				echo "$f $(stat -c '%F %a' "$f")"
			fi
		done)
}

aws_line() {
	printf 'AWS_ACCESS_KEY_ID=%s\n' "$(genkey aws-key-id)"
}

test_expect_success 'install into .git/hooks: marked, executable, valid sh, records the binary' '
	new_repo repo &&
	(cd repo && keysnare hook install >../out 2>../err) &&
	test_grep "^pre-commit: installed: .*/repo/.git/hooks/pre-commit$" out &&
	test_grep "core.hooksPath is not set" out &&
	test_path_is_file repo/.git/hooks/pre-commit &&
	test "$(stat -c %a repo/.git/hooks/pre-commit)" = 755 &&
	test "$(head -n 1 repo/.git/hooks/pre-commit)" = "#!/bin/sh" &&
	test_grep "^# keysnare-hook: pre-commit" repo/.git/hooks/pre-commit &&
	grep -qF "keysnare_installed='\''$(realpath "$KEYSNARE")'\''" repo/.git/hooks/pre-commit &&
	test_grep "exec \"\\\$ks\" staged" repo/.git/hooks/pre-commit &&
	sh -n repo/.git/hooks/pre-commit &&
	test_path_is_missing repo/.git/hooks/pre-push &&
	ls -a repo/.git/hooks >names &&
	test_grep -v "keysnare-tmp|keysnare-chained|keysnare-backup" names
'

test_expect_success 'install is idempotent: the second run changes nothing and says so' '
	new_repo repo &&
	(cd repo && keysnare hook install --pre-push >/dev/null) &&
	listing repo/.git/hooks >before &&
	(cd repo && keysnare hook install --pre-push >../out 2>../err) &&
	test_grep "^pre-commit: already installed, nothing changed" out &&
	test_grep "^pre-push: already installed, nothing changed" out &&
	listing repo/.git/hooks >after &&
	test_cmp before after
'

test_expect_success 'install from a subdirectory and through GIT_DIR goes to the top-level .git/hooks' '
	new_repo repo &&
	mkdir -p repo/a/b &&
	(cd repo/a/b && keysnare hook install >../../../out) &&
	test_path_is_file repo/.git/hooks/pre-commit &&
	test_path_is_missing repo/a/b/.git &&
	rm repo/.git/hooks/pre-commit &&
	GIT_DIR=$PWD/repo/.git keysnare hook install >out &&
	test_path_is_file repo/.git/hooks/pre-commit &&
	keysnare hook install --repo repo/a >out &&
	test_grep "already installed" out
'

test_expect_success 'linked worktree: the hook goes into the common hooks directory and runs for commits there' '
	new_repo repo &&
	make_fake &&
	git -C repo worktree add -q ../wt &&
	(cd wt && keysnare hook install >../out) &&
	test_path_is_file repo/.git/hooks/pre-commit &&
	test_path_is_missing repo/.git/worktrees/wt/hooks/pre-commit &&
	test_grep "hooks directory: $PWD/repo/.git/hooks " out &&
	fake_commit wt in-worktree &&
	echo "keysnare staged" >expect &&
	test_cmp expect calls
'

test_expect_success 'bare repository: --repo DIR and from inside it' '
	git init -q --bare bare.git &&
	keysnare hook install --repo bare.git >out &&
	test_grep "\(bare\)" out &&
	test_path_is_file bare.git/hooks/pre-commit &&
	(cd bare.git && keysnare hook install >../out) &&
	test_grep "already installed" out &&
	(cd bare.git && keysnare hook uninstall >../out) &&
	test_path_is_missing bare.git/hooks/pre-commit
'

test_expect_success 'core.hooksPath relative: relative to the work tree top, even from a subdirectory; git runs it' '
	new_repo repo &&
	make_fake &&
	git -C repo config core.hooksPath .githooks &&
	mkdir -p repo/sub &&
	(cd repo/sub && keysnare hook install >../../out 2>../../err) &&
	test_path_is_file repo/.githooks/pre-commit &&
	test_path_is_missing repo/sub/.githooks &&
	test_path_is_missing repo/.git/hooks/pre-commit &&
	test_grep "hooks directory: $PWD/repo/.githooks \(core.hooksPath = .githooks\)" out &&
	test_grep "inside the work tree" err &&
	(cd repo/sub && keysnare hook status >../../status) &&
	test_grep "core.hooksPath = .githooks" status &&
	test_grep "^pre-commit: installed: $PWD/repo/.githooks/pre-commit" status &&
	fake_commit repo relative &&
	echo "keysnare staged" >expect &&
	test_cmp expect calls
'

test_expect_success 'core.hooksPath absolute (directory created when missing); git runs it' '
	new_repo repo &&
	make_fake &&
	git -C repo config core.hooksPath "$PWD/shared/hooks" &&
	(cd repo && keysnare hook install >../out 2>../err) &&
	test_path_is_file shared/hooks/pre-commit &&
	test_path_is_missing repo/.git/hooks/pre-commit &&
	test_grep -v "inside the work tree" err &&
	fake_commit repo absolute &&
	echo "keysnare staged" >expect &&
	test_cmp expect calls
'

test_expect_success 'core.hooksPath relative in a bare repository is relative to the git directory' '
	git init -q --bare bare.git &&
	git -C bare.git config core.hooksPath myhooks &&
	keysnare hook install --repo bare.git >out &&
	test_path_is_file bare.git/myhooks/pre-commit &&
	test_path_is_missing bare.git/hooks/pre-commit
'

test_expect_success 'global core.hooksPath (~/.gitconfig, or $GIT_CONFIG_GLOBAL as git reads it); git runs the hook' '
	new_repo repo &&
	make_fake &&
	env -u GIT_CONFIG_GLOBAL git config --global core.hooksPath "~/global-hooks" &&
	(cd repo && env -u GIT_CONFIG_GLOBAL "$KEYSNARE" hook install >../out) &&
	test_grep "hooks directory: $PWD/global-hooks " out &&
	test_path_is_file global-hooks/pre-commit &&
	echo x >repo/x.txt &&
	git -C repo add x.txt &&
	env -u GIT_CONFIG_GLOBAL KEYSNARE=$PWD/fakebin/keysnare git -C repo commit -q -m x &&
	echo "keysnare staged" >expect &&
	test_cmp expect calls &&
	(cd repo && keysnare hook install >../out) &&
	test_grep "hooks directory: $PWD/repo/.git/hooks " out &&
	git config --file other.cfg core.hooksPath "$PWD/other-hooks" &&
	(cd repo && GIT_CONFIG_GLOBAL=$PWD/../other.cfg "$KEYSNARE" hook install >../out) &&
	test_path_is_file other-hooks/pre-commit
'

test_expect_success 'GIT_DIR with GIT_WORK_TREE: core.hooksPath is relative to that work tree' '
	git init -q -b main --separate-git-dir "$PWD/store.git" wt &&
	git -C wt config core.hooksPath .hooks &&
	GIT_DIR=$PWD/store.git GIT_WORK_TREE=$PWD/wt keysnare hook install >out &&
	test_path_is_file wt/.hooks/pre-commit &&
	test_path_is_missing .hooks
'

test_expect_success 'a foreign hook is chained byte-identical; both run, the foreign one first' '
	new_repo repo &&
	make_fake &&
	write_foreign repo/.git/hooks/pre-commit &&
	cp -p repo/.git/hooks/pre-commit foreign.orig &&
	(cd repo && keysnare hook install >../out) &&
	test_grep "runs first as .*/pre-commit.keysnare-chained" out &&
	cmp foreign.orig repo/.git/hooks/pre-commit.keysnare-chained &&
	test -x repo/.git/hooks/pre-commit.keysnare-chained &&
	test_grep "^# keysnare-hook: pre-commit" repo/.git/hooks/pre-commit &&
	fake_commit repo both &&
	printf "foreign \nkeysnare staged\n" >expect &&
	test_cmp expect calls &&
	git -C repo log --format=%s -1 >subject &&
	echo both >expect &&
	test_cmp expect subject
'

test_expect_success 'chained: a failing foreign hook blocks the commit' '
	new_repo repo &&
	make_fake &&
	write_foreign repo/.git/hooks/pre-commit &&
	(cd repo && keysnare hook install >/dev/null) &&
	before=$(git -C repo rev-parse HEAD) &&
	echo x >repo/x.txt &&
	git -C repo add x.txt &&
	test_expect_code 1 env FOREIGN_RC=1 KEYSNARE=$PWD/fakebin/keysnare git -C repo commit -q -m x 2>err &&
	test_grep "commit blocked: the chained pre-commit hook .* failed \(exit 1\)" err &&
	test "$(git -C repo rev-parse HEAD)" = "$before"
'

test_expect_success 'chained: keysnare failing blocks the commit even when the foreign hook passes' '
	new_repo repo &&
	make_fake &&
	write_foreign repo/.git/hooks/pre-commit &&
	(cd repo && keysnare hook install >/dev/null) &&
	before=$(git -C repo rev-parse HEAD) &&
	echo x >repo/x.txt &&
	git -C repo add x.txt &&
	test_expect_code 1 env FAKE_RC=2 KEYSNARE=$PWD/fakebin/keysnare git -C repo commit -q -m x 2>err &&
	printf "foreign \nkeysnare staged\n" >expect &&
	test_cmp expect calls &&
	test "$(git -C repo rev-parse HEAD)" = "$before"
'

test_expect_success 'chained install is idempotent and never chains itself' '
	new_repo repo &&
	write_foreign repo/.git/hooks/pre-commit &&
	(cd repo && keysnare hook install >/dev/null) &&
	listing repo/.git/hooks >before &&
	(cd repo && keysnare hook install >../out) &&
	test_grep "already installed" out &&
	listing repo/.git/hooks >after &&
	test_cmp before after &&
	test_path_is_missing repo/.git/hooks/pre-commit.keysnare-chained.keysnare-chained
'

test_expect_success 'install rewrites its own outdated hook (another binary, lost x bit) and keeps the chain' '
	new_repo repo &&
	write_foreign repo/.git/hooks/pre-commit &&
	cp -p repo/.git/hooks/pre-commit foreign.orig &&
	mkdir bin &&
	cp "$KEYSNARE" bin/keysnare &&
	(cd repo && ../bin/keysnare hook install >/dev/null) &&
	(cd repo && keysnare hook install >../out) &&
	test_grep "^pre-commit: updated: " out &&
	grep -qF "keysnare_installed='\''$(realpath "$KEYSNARE")'\''" repo/.git/hooks/pre-commit &&
	cmp foreign.orig repo/.git/hooks/pre-commit.keysnare-chained &&
	chmod 644 repo/.git/hooks/pre-commit &&
	(cd repo && test_expect_code 1 keysnare hook status >../status) &&
	test_grep "NOT executable: git skips it" status &&
	(cd repo && keysnare hook install >../out) &&
	test_grep "^pre-commit: updated: " out &&
	test "$(stat -c %a repo/.git/hooks/pre-commit)" = 755
'

test_expect_success 'uninstall restores the chained hook byte-identical, with its mode' '
	new_repo repo &&
	write_foreign repo/.git/hooks/pre-commit &&
	chmod 750 repo/.git/hooks/pre-commit &&
	cp -p repo/.git/hooks/pre-commit foreign.orig &&
	(cd repo && keysnare hook install >/dev/null) &&
	(cd repo && keysnare hook uninstall >../out) &&
	test_grep "restored the chained hook" out &&
	cmp foreign.orig repo/.git/hooks/pre-commit &&
	test "$(stat -c %a repo/.git/hooks/pre-commit)" = 750 &&
	test_path_is_missing repo/.git/hooks/pre-commit.keysnare-chained &&
	(cd repo && keysnare hook uninstall >../out) &&
	test_grep "is not keysnare.s hook; left as it is" out &&
	cmp foreign.orig repo/.git/hooks/pre-commit
'

test_expect_success 'a symlinked foreign hook is chained as a link and restored as one' '
	new_repo repo &&
	make_fake &&
	mkdir repo/.git/hooks/mine &&
	write_foreign repo/.git/hooks/mine/check &&
	ln -s mine/check repo/.git/hooks/pre-commit &&
	(cd repo && keysnare hook install >/dev/null) &&
	test "$(readlink repo/.git/hooks/pre-commit.keysnare-chained)" = mine/check &&
	fake_commit repo linked &&
	printf "foreign \nkeysnare staged\n" >expect &&
	test_cmp expect calls &&
	(cd repo && keysnare hook uninstall >/dev/null) &&
	test "$(readlink repo/.git/hooks/pre-commit)" = mine/check
'

test_expect_success 'a taken chain name is refused and nothing changes' '
	new_repo repo &&
	write_foreign repo/.git/hooks/pre-commit &&
	echo old >repo/.git/hooks/pre-commit.keysnare-chained &&
	listing repo/.git/hooks >before &&
	(cd repo && test_expect_code 1 keysnare hook install >../out 2>../err) &&
	test_grep "cannot chain the existing pre-commit hook .*already exists" err &&
	listing repo/.git/hooks >after &&
	test_cmp before after
'

test_expect_success 'a directory where the hook goes is refused' '
	new_repo repo &&
	mkdir repo/.git/hooks/pre-commit &&
	(cd repo && test_expect_code 1 keysnare hook install >../out 2>../err) &&
	test_grep "exists and is not a file" err &&
	test_path_is_dir repo/.git/hooks/pre-commit
'

test_expect_success '--force replaces a foreign hook, keeps a backup; uninstall restores it byte-identical' '
	new_repo repo &&
	make_fake &&
	write_foreign repo/.git/hooks/pre-commit &&
	cp -p repo/.git/hooks/pre-commit foreign.orig &&
	(cd repo && keysnare hook install --force >../out) &&
	test_grep "replaced the hook that was there, kept as .*/pre-commit.keysnare-backup" out &&
	cmp foreign.orig repo/.git/hooks/pre-commit.keysnare-backup &&
	test_path_is_missing repo/.git/hooks/pre-commit.keysnare-chained &&
	fake_commit repo forced &&
	echo "keysnare staged" >expect &&
	test_cmp expect calls &&
	(cd repo && keysnare hook status >../status) &&
	test_grep "backup of a replaced hook: .*pre-commit.keysnare-backup" status &&
	(cd repo && keysnare hook uninstall >../out) &&
	test_grep "restored the hook it replaced" out &&
	cmp foreign.orig repo/.git/hooks/pre-commit &&
	test_path_is_missing repo/.git/hooks/pre-commit.keysnare-backup
'

test_expect_success '--force with a backup already there is refused' '
	new_repo repo &&
	write_foreign repo/.git/hooks/pre-commit &&
	echo older >repo/.git/hooks/pre-commit.keysnare-backup &&
	listing repo/.git/hooks >before &&
	(cd repo && test_expect_code 1 keysnare hook install --force >../out 2>../err) &&
	test_grep "backup .* already exists" err &&
	listing repo/.git/hooks >after &&
	test_cmp before after
'

test_expect_success 'a non-executable foreign hook is kept but skipped, as git skips it' '
	new_repo repo &&
	make_fake &&
	write_foreign repo/.git/hooks/pre-commit &&
	chmod 644 repo/.git/hooks/pre-commit &&
	(cd repo && keysnare hook install >../out) &&
	test_grep "not executable" out &&
	fake_commit repo skipped &&
	echo "keysnare staged" >expect &&
	test_cmp expect calls &&
	(cd repo && keysnare hook uninstall >/dev/null) &&
	test "$(stat -c %a repo/.git/hooks/pre-commit)" = 644
'

test_expect_success 'uninstall with nothing installed: says so, exit 0; --pre-push removes both' '
	new_repo repo &&
	(cd repo && keysnare hook uninstall >../out) &&
	test_grep "^pre-commit: not installed" out &&
	(cd repo && keysnare hook install --pre-push >/dev/null) &&
	(cd repo && keysnare hook uninstall >../out) &&
	test_grep "^pre-push: still installed" out &&
	test_path_is_file repo/.git/hooks/pre-push &&
	(cd repo && keysnare hook uninstall --pre-push >../out) &&
	test_path_is_missing repo/.git/hooks/pre-push &&
	test_path_is_missing repo/.git/hooks/pre-commit
'

test_expect_success 'missing binary, nothing recorded: the hook blocks with how to install and the bypass' '
	new_repo repo &&
	make_tools &&
	cp "$SRC_DIR/hooks/pre-commit" repo/.git/hooks/pre-commit &&
	chmod 755 repo/.git/hooks/pre-commit &&
	before=$(git -C repo rev-parse HEAD) &&
	echo x >repo/x.txt &&
	git -C repo add x.txt &&
	test_expect_code 1 env -u KEYSNARE PATH="$PWD/tools" git -C repo commit -q -m x 2>err &&
	test_grep "commit blocked: the keysnare binary was not found \(not in PATH\)" err &&
	test_grep "make install" err &&
	test_grep "git commit --no-verify" err &&
	test "$(git -C repo rev-parse HEAD)" = "$before" &&
	env -u KEYSNARE PATH="$PWD/tools" git -C repo commit -q --no-verify -m x &&
	test "$(git -C repo rev-parse HEAD)" != "$before"
'

test_expect_success 'missing binary, recorded path gone: the hook blocks and names that path' '
	new_repo repo &&
	make_tools &&
	mkdir bin &&
	cp "$KEYSNARE" bin/keysnare &&
	(cd repo && ../bin/keysnare hook install >/dev/null) &&
	grep -qF "keysnare_installed='\''$PWD/bin/keysnare'\''" repo/.git/hooks/pre-commit &&
	rm bin/keysnare &&
	echo x >repo/x.txt &&
	git -C repo add x.txt &&
	test_expect_code 1 env -u KEYSNARE PATH="$PWD/tools" git -C repo commit -q -m x 2>err &&
	test_grep "not at .$PWD/bin/keysnare. \(where it was when the hook was installed\), not in PATH" err &&
	test_grep "git commit --no-verify" err &&
	(cd repo && test_expect_code 1 env -u KEYSNARE PATH="$PWD/../tools" "$KEYSNARE" hook status >../status) &&
	test_grep "PROBLEM: keysnare cannot be found" status
'

test_expect_success 'lookup order: KEYSNARE, then the recorded path, then PATH' '
	new_repo repo &&
	make_tools &&
	make_fake &&
	cp "$SRC_DIR/hooks/pre-commit" repo/.git/hooks/pre-commit &&
	chmod 755 repo/.git/hooks/pre-commit &&
	ln -s "$PWD/fakebin/keysnare" tools/keysnare &&
	echo x >repo/x.txt &&
	git -C repo add x.txt &&
	env -u KEYSNARE PATH="$PWD/tools" git -C repo commit -q -m from-path &&
	echo "keysnare staged" >expect &&
	test_cmp expect calls &&
	echo y >repo/y.txt &&
	git -C repo add y.txt &&
	test_expect_code 1 env KEYSNARE=$PWD/nothing-here PATH="$PWD/tools" git -C repo commit -q -m y 2>err &&
	test_grep "KEYSNARE=.*is not an executable program" err
'

test_expect_success 'the recorded path is used when PATH lacks keysnare: a staged key blocks, a clean commit passes' '
	new_repo repo &&
	make_tools &&
	mkdir bin &&
	cp "$KEYSNARE" bin/keysnare &&
	(cd repo && ../bin/keysnare hook install >/dev/null) &&
	aws_line >repo/aws.env &&
	git -C repo add aws.env &&
	before=$(git -C repo rev-parse HEAD) &&
	test_expect_code 1 env -u KEYSNARE PATH="$PWD/tools" git -C repo commit -q -m key 2>err &&
	test_grep "aws.env:1:19 aws-access-key-id" err &&
	test "$(git -C repo rev-parse HEAD)" = "$before" &&
	git -C repo rm -q --cached aws.env &&
	echo clean >repo/clean.txt &&
	git -C repo add clean.txt &&
	env -u KEYSNARE PATH="$PWD/tools" git -C repo commit -q -m clean &&
	test "$(git -C repo rev-parse HEAD)" != "$before"
'

test_expect_success 'real commit: a generated key staged is blocked (commit, commit -a, commit PATH), clean commits pass' '
	new_repo repo &&
	(cd repo && keysnare hook install >/dev/null) &&
	before=$(git -C repo rev-parse HEAD) &&
	aws_line >repo/app.env &&
	git -C repo add app.env &&
	test_expect_code 1 git -C repo commit -q -m key 2>err &&
	test_grep "app.env:1:19 aws-access-key-id" err &&
	test_grep "git commit --no-verify" err &&
	test "$(git -C repo rev-parse HEAD)" = "$before" &&
	git -C repo reset -q &&
	rm repo/app.env &&
	aws_line >>repo/README &&
	test_expect_code 1 git -C repo commit -q -a -m key-a 2>err &&
	test_grep "README:2:19 aws-access-key-id" err &&
	test_expect_code 1 git -C repo commit -q -m key-path README 2>err &&
	test_grep "README:2:19 aws-access-key-id" err &&
	test "$(git -C repo rev-parse HEAD)" = "$before" &&
	git -C repo checkout -q README &&
	echo more >>repo/README &&
	git -C repo commit -q -a -m clean &&
	test "$(git -C repo rev-parse HEAD)" != "$before"
'

test_expect_success 'real commit through a chained foreign hook and core.hooksPath: the key still blocks' '
	new_repo repo &&
	git -C repo config core.hooksPath hooks-dir &&
	mkdir repo/hooks-dir &&
	write_foreign repo/hooks-dir/pre-commit &&
	(cd repo && keysnare hook install >/dev/null 2>&1) &&
	aws_line >repo/app.env &&
	git -C repo add app.env &&
	test_expect_code 1 git -C repo commit -q -m key 2>err &&
	test_grep "app.env:1:19 aws-access-key-id" err &&
	echo "foreign " >expect &&
	test_cmp expect calls
'

test_expect_success 'status: hooks directory, chained hook, binary, self-test ok; the repository is untouched' '
	new_repo repo &&
	write_foreign repo/.git/hooks/pre-commit &&
	(cd repo && keysnare hook install --pre-push >/dev/null) &&
	aws_line >repo/unstaged.env &&
	echo staged >repo/staged.txt &&
	git -C repo add staged.txt &&
	listing repo >before &&
	mkdir tmp &&
	(cd repo && TMPDIR=$PWD/../tmp keysnare hook status >../status 2>../err) &&
	test_grep "^repository: $PWD/repo \(git directory $PWD/repo/.git\)$" status &&
	test_grep "^hooks directory: $PWD/repo/.git/hooks \(core.hooksPath is not set\)$" status &&
	test_grep "^pre-commit: installed: $PWD/repo/.git/hooks/pre-commit$" status &&
	test_grep "^pre-commit: chained hook \(runs first\): $PWD/repo/.git/hooks/pre-commit.keysnare-chained$" status &&
	test_grep "^pre-commit: runs .*keysnare \(from \\\$KEYSNARE\)$" status &&
	test_grep "^pre-push: installed: " status &&
	test_grep "^self-test: ok" status &&
	listing repo >after &&
	test_cmp before after &&
	ls -A tmp >left &&
	test_must_be_empty left
'

test_expect_success 'status with nothing installed, in a linked worktree and a bare repository: self-test ok, exit 0' '
	new_repo repo &&
	git -C repo worktree add -q ../wt &&
	(cd wt && keysnare hook status >../status) &&
	test_grep "^pre-commit: not installed$" status &&
	test_grep "^pre-push: not installed$" status &&
	test_grep "^hooks directory: $PWD/repo/.git/hooks " status &&
	test_grep "^self-test: ok" status &&
	git init -q --bare bare.git &&
	keysnare hook status --repo bare.git >status &&
	test_grep "\(bare\)" status &&
	test_grep "^self-test: ok" status
'

test_expect_success 'status inside a hook environment (GIT_DIR, GIT_INDEX_FILE set) still tests only its own repository' '
	new_repo repo &&
	cp repo/.git/index index.before &&
	(cd repo && GIT_DIR=$PWD/.git GIT_INDEX_FILE=$PWD/.git/index keysnare hook status >../status) &&
	test_grep "^self-test: ok" status &&
	cmp index.before repo/.git/index &&
	test -z "$(git -C repo status --porcelain)"
'

test_expect_success 'an unwritable hooks directory: exit 1 naming the directory and the cause' '
	new_repo repo &&
	if [ "$(id -u)" = 0 ]; then
		chown -R 65534:65534 repo &&
		chown 0:0 repo/.git/hooks &&
		chmod 755 repo/.git/hooks
	else
		chmod 555 repo/.git/hooks
	fi &&
	unpriv_setup_ok &&
	(cd repo && test_expect_code 1 as_unpriv "$KEYSNARE" hook install >../out 2>../err) &&
	test_grep "^keysnare: error: cannot install the pre-commit hook: cannot create a file in .$PWD/repo/.git/hooks.: Permission denied$" err &&
	test_path_is_missing repo/.git/hooks/pre-commit
'

test_expect_success 'not a repository, bad usage: exit 3 with a clear message' '
	mkdir plain &&
	(cd plain && export GIT_CEILING_DIRECTORIES=$PWD/.. && test_expect_code 3 keysnare hook install >../out 2>../err) &&
	test_grep "is not in a git repository" err &&
	test_expect_code 3 keysnare hook status --repo "$PWD/plain" 2>err &&
	test_grep "plain. is not in a git repository" err &&
	test_expect_code 3 keysnare hook frobnicate 2>err &&
	test_grep "unknown subcommand .frobnicate." err &&
	test_expect_code 3 keysnare hook install --bogus 2>err &&
	test_grep "unknown option" err &&
	test_expect_code 3 keysnare hook 2>err &&
	keysnare hook install -h >out &&
	test_grep "^usage: keysnare hook install" out &&
	keysnare help hook >out &&
	test_grep "hook status" out
'

test_done
