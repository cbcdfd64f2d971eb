#!/usr/bin/env bash
test_description='pre-push hook: keysnare history over the pushed commits catches --no-verify commits'
. "$(dirname "$0")/lib.sh"

# A bare "remote" and a clone "work" with `keysnare hook install --pre-push`.
# Commits are made with --no-verify (the case the pre-push hook exists for);
# the pushes go through the real hook and the real `keysnare history`,
# except where a stand-in keysnare (fakebin/keysnare, logging its arguments
# to ./calls) shows exactly which ranges the hook asks for.

umask 022

# setup: remote.git with one clean commit on main; work cloned from it,
# hooks installed
setup() {
	git init -q --bare -b main remote.git &&
	git clone -q remote.git work 2>/dev/null &&
	git -C work checkout -q -b main &&
	echo hello >work/README &&
	git -C work add README &&
	git -C work commit -q --no-verify -m init &&
	git -C work push -q --no-verify origin main &&
	(cd work && keysnare hook install --pre-push >/dev/null)
}

# commit_file REPO FILE CONTENT MSG: a --no-verify commit adding FILE
commit_file() {
	printf '%s\n' "$3" >"$1/$2" &&
	git -C "$1" add "$2" &&
	git -C "$1" commit -q --no-verify -m "$4"
}

aws_line() {
	printf 'AWS_ACCESS_KEY_ID=%s' "$(genkey aws-key-id)"
}

remote_tip() {
	git -C remote.git rev-parse -q --verify "refs/heads/$1" || echo none
}

make_fake() {
	mkdir -p fakebin &&
	printf '#!/bin/sh\necho "keysnare $*" >>"%s/calls"\nexit ${FAKE_RC:-0}\n' "$PWD" >fakebin/keysnare &&
	chmod 755 fakebin/keysnare
}

test_expect_success 'install --pre-push writes both hooks; the pre-push one is valid sh' '
	setup &&
	test_path_is_file work/.git/hooks/pre-commit &&
	test_path_is_file work/.git/hooks/pre-push &&
	test "$(stat -c %a work/.git/hooks/pre-push)" = 755 &&
	test_grep "^# keysnare-hook: pre-push" work/.git/hooks/pre-push &&
	sh -n work/.git/hooks/pre-push
'

test_expect_success 'a key committed with --no-verify is rejected at push; the remote is unchanged' '
	setup &&
	old=$(remote_tip main) &&
	commit_file work app.env "$(aws_line)" key &&
	test_expect_code 1 git -C work push -q origin main 2>err &&
	test_grep "app.env:1:19: aws-access-key-id" err &&
	test_grep "push blocked: the commits of .refs/heads/main. being pushed to .refs/heads/main. on .origin. add the secrets" err &&
	test_grep "git push --no-verify" err &&
	test "$(remote_tip main)" = "$old"
'

test_expect_success 'a clean push passes' '
	setup &&
	commit_file work notes.txt "nothing to see" clean &&
	git -C work push -q origin main 2>err &&
	test "$(remote_tip main)" = "$(git -C work rev-parse HEAD)"
'

test_expect_success 'existing branch: only remote..local is scanned (a key already on the remote does not block)' '
	setup &&
	commit_file work app.env "$(aws_line)" key &&
	git -C work push -q --no-verify origin main &&
	commit_file work notes.txt "clean" clean &&
	git -C work push -q origin main 2>err &&
	test "$(remote_tip main)" = "$(git -C work rev-parse HEAD)"
'

test_expect_success 'the ranges the hook asks keysnare history for' '
	setup &&
	make_fake &&
	old=$(remote_tip main) &&
	commit_file work a.txt a a &&
	new=$(git -C work rev-parse HEAD) &&
	KEYSNARE=$PWD/fakebin/keysnare git -C work push -q origin main &&
	echo "keysnare history --repo . -q $old..$new" >expect &&
	test_cmp expect calls &&
	rm calls &&
	git -C work checkout -q -b topic &&
	commit_file work b.txt b b &&
	topic=$(git -C work rev-parse HEAD) &&
	tracking=$(git -C work rev-parse refs/remotes/origin/main) &&
	KEYSNARE=$PWD/fakebin/keysnare git -C work push -q origin topic &&
	echo "keysnare history --repo . -q $topic ^$tracking" >expect &&
	test_cmp expect calls
'

test_expect_success 'new branch: commits on remote-tracking refs are not rescanned, its own are' '
	setup &&
	commit_file work old.env "$(aws_line)" old-key &&
	git -C work push -q --no-verify origin main &&
	git -C work checkout -q -b feature &&
	commit_file work feature.txt "clean" feature &&
	git -C work push -q origin feature 2>err &&
	test "$(remote_tip feature)" = "$(git -C work rev-parse feature)" &&
	git -C work checkout -q -b feature2 main &&
	commit_file work new.env "$(aws_line)" new-key &&
	test_expect_code 1 git -C work push -q origin feature2 2>err &&
	test_grep "new.env:1:19: aws-access-key-id" err &&
	test_grep -v "old.env" err &&
	test "$(remote_tip feature2)" = none
'

test_expect_success 'new branch based on an unpushed key commit: that commit is scanned too' '
	setup &&
	commit_file work local.env "$(aws_line)" local-key &&
	git -C work checkout -q -b topic &&
	commit_file work topic.txt "clean" topic &&
	test_expect_code 1 git -C work push -q origin topic 2>err &&
	test_grep "local.env:1:19: aws-access-key-id" err &&
	test "$(remote_tip topic)" = none
'

test_expect_success 'deleting a remote branch is not scanned and passes' '
	setup &&
	make_fake &&
	git -C work checkout -q -b old &&
	commit_file work old.env "$(aws_line)" old-key &&
	git -C work push -q --no-verify origin old &&
	test "$(remote_tip old)" != none &&
	KEYSNARE=$PWD/fakebin/keysnare FAKE_RC=1 git -C work push -q origin --delete old &&
	test "$(remote_tip old)" = none &&
	test_path_is_missing calls
'

test_expect_success 'a remote tip this clone does not have (force push): the new-branch rule scans the pushed commits' '
	setup &&
	git clone -q remote.git other &&
	commit_file other theirs.txt theirs theirs &&
	git -C other push -q --no-verify origin main &&
	commit_file work mine.env "$(aws_line)" mine &&
	test_expect_code 1 git -C work push -q --force origin main 2>err &&
	test_grep "mine.env:1:19: aws-access-key-id" err &&
	git -C work reset -q --hard HEAD~1 &&
	commit_file work mine.txt clean mine-clean &&
	git -C work push -q --force origin main 2>err &&
	test "$(remote_tip main)" = "$(git -C work rev-parse HEAD)"
'

test_expect_success 'several refs in one push: one with a key blocks the whole push' '
	setup &&
	git -C work checkout -q -b clean &&
	commit_file work c.txt clean clean &&
	git -C work checkout -q -b dirty main &&
	commit_file work d.env "$(aws_line)" dirty &&
	test_expect_code 1 git -C work push -q origin clean dirty 2>err &&
	test_grep "d.env:1:19: aws-access-key-id" err &&
	test "$(remote_tip clean)" = none &&
	test "$(remote_tip dirty)" = none
'

test_expect_success 'tags: an annotated tag of a key commit is rejected, of a clean one passes' '
	setup &&
	commit_file work ok.txt ok ok &&
	git -C work tag -a -m good v1 &&
	git -C work push -q origin v1 &&
	git -C remote.git rev-parse -q --verify refs/tags/v1 &&
	commit_file work t.env "$(aws_line)" key &&
	git -C work tag -a -m bad v2 &&
	test_expect_code 1 git -C work push -q origin v2 2>err &&
	test_grep "t.env:1:19: aws-access-key-id" err &&
	! git -C remote.git rev-parse -q --verify refs/tags/v2
'

test_expect_success 'a chained foreign pre-push hook gets the same arguments and stdin; either failing blocks' '
	git init -q --bare -b main remote.git &&
	git clone -q remote.git work 2>/dev/null &&
	printf "#!/bin/sh\necho \"\$@\" >\"%s/foreign-args\"\ncat >\"%s/foreign-stdin\"\nexit \${FOREIGN_RC:-0}\n" "$PWD" "$PWD" >work/.git/hooks/pre-push &&
	chmod 755 work/.git/hooks/pre-push &&
	echo hello >work/README &&
	git -C work add README &&
	git -C work commit -q --no-verify -m init &&
	(cd work && keysnare hook install --pre-push >out) &&
	test_path_is_file work/.git/hooks/pre-push.keysnare-chained &&
	new=$(git -C work rev-parse HEAD) &&
	test_expect_code 1 env FOREIGN_RC=3 git -C work push -q origin HEAD:refs/heads/main 2>err &&
	test_grep "push blocked: the chained pre-push hook .* failed \(exit 3\)" err &&
	echo "origin $PWD/remote.git" >expect &&
	test_cmp expect foreign-args &&
	echo "HEAD $new refs/heads/main 0000000000000000000000000000000000000000" >expect &&
	test_cmp expect foreign-stdin &&
	rm foreign-stdin &&
	git -C work push -q origin HEAD:refs/heads/main &&
	test_cmp expect foreign-stdin &&
	commit_file work k.env "$(aws_line)" key &&
	test_expect_code 1 git -C work push -q origin HEAD:refs/heads/main 2>err &&
	test_grep "k.env:1:19: aws-access-key-id" err &&
	test_path_is_file foreign-stdin
'

test_expect_success 'pushing from a linked worktree (GIT_DIR set for the hook)' '
	setup &&
	git -C work worktree add -q -b wt ../wt &&
	commit_file wt wt.env "$(aws_line)" key &&
	test_expect_code 1 git -C wt push -q origin wt 2>err &&
	test_grep "wt.env:1:19: aws-access-key-id" err &&
	git -C wt reset -q --hard HEAD~1 &&
	commit_file wt wt.txt clean clean &&
	git -C wt push -q origin wt &&
	test "$(remote_tip wt)" = "$(git -C wt rev-parse HEAD)"
'

test_expect_success 'pushing from a bare repository with the hook' '
	setup &&
	commit_file work k.env "$(aws_line)" key &&
	git clone -q --bare work mirror.git &&
	keysnare hook install --pre-push --repo mirror.git >/dev/null &&
	test_expect_code 1 git -C mirror.git push -q "$PWD/remote.git" main 2>err &&
	test_grep "k.env:1:19: aws-access-key-id" err
'

test_expect_success 'missing binary: the push is blocked with the message and the bypass' '
	setup &&
	mkdir tools &&
	ln -s "$(command -v git)" tools/git &&
	cp "$SRC_DIR/hooks/pre-push" work/.git/hooks/pre-push &&
	chmod 755 work/.git/hooks/pre-push &&
	commit_file work notes.txt clean clean &&
	old=$(remote_tip main) &&
	test_expect_code 1 env -u KEYSNARE PATH="$PWD/tools" git -C work push -q origin main 2>err &&
	test_grep "push blocked: the keysnare binary was not found \(not in PATH\)" err &&
	test_grep "git push --no-verify" err &&
	test "$(remote_tip main)" = "$old"
'

test_expect_success 'a range that cannot be scanned blocks (fail closed)' '
	setup &&
	make_fake &&
	commit_file work notes.txt clean clean &&
	test_expect_code 1 env KEYSNARE=$PWD/fakebin/keysnare FAKE_RC=2 git -C work push -q origin main 2>err &&
	test_grep "could not be scanned completely .*exit 2" err &&
	test_grep "git push --no-verify" err
'

test_done
