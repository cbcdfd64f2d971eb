#!/usr/bin/env bash
test_description='history: revision ranges, --since and --until'
. "$(dirname "$0")/lib.sh"

gitrepo() { "$PYTHON" "$E2E_DIR/gitrepo.py" "$@"; }

# commit_at REPO DATE MESSAGE: commit everything with committer date DATE;
# the author date is the same far-future date for every commit, so that
# only a filter on the committer date gives the expected results
commit_at() {
	git -C "$1" add -A &&
	GIT_COMMITTER_DATE="$2T12:00:00Z" GIT_AUTHOR_DATE="2030-01-01T00:00:00Z" \
		git -C "$1" commit -q -m "$3"
}

# make_repo: on main
#   c1 2020-01-01  a.env with k1 (kept to HEAD)
#   c2 2021-01-01  README            <- tag v1.0
#   c3 2022-06-01  b.env with k2
#   c4 2023-01-01  a.env edited, k1 kept  <- HEAD
# and on branch old, forked at c1: s1 2020-06-01 o.env with k3
# $c1..$c4, $s1 are exported to the test through rev.* files
make_repo() {
	git init -q -b main repo &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/a.env &&
	commit_at repo 2020-01-01 c1 &&
	git -C repo rev-parse HEAD >rev.c1 &&
	git -C repo checkout -q -b old &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >repo/o.env &&
	commit_at repo 2020-06-01 s1 &&
	git -C repo rev-parse HEAD >rev.s1 &&
	git -C repo checkout -q main &&
	echo hello >repo/README &&
	commit_at repo 2021-01-01 c2 &&
	git -C repo rev-parse HEAD >rev.c2 &&
	git -C repo tag v1.0 &&
	printf "GITHUB_TOKEN=%s\n" "$(genkey github-pat)" >repo/b.env &&
	commit_at repo 2022-06-01 c3 &&
	git -C repo rev-parse HEAD >rev.c3 &&
	echo "DEBUG=1" >>repo/a.env &&
	commit_at repo 2023-01-01 c4 &&
	git -C repo rev-parse HEAD >rev.c4 &&
	c1=$(cat rev.c1) && c3=$(cat rev.c3) && s1=$(cat rev.s1) &&
	echo "a.env:1:14 groq-api-key $c1 true" >expect.k1 &&
	echo "b.env:1:14 github-pat $c3 true" >expect.k2 &&
	echo "o.env:1:14 groq-api-key $s1 false" >expect.k3
}

# hist_range EXIT ARGS...: keysnare history -f json ARGS must exit with
# EXIT; the findings (gitrepo.py hist) go to actual
hist_range() {
	local want=$1
	shift
	test_expect_code "$want" keysnare history --repo repo -f json "$@" >out.json 2>err &&
	gitrepo hist out.json >actual
}

test_expect_success 'no range: every ref' '
	make_repo &&
	hist_range 1 &&
	cat expect.k1 expect.k2 expect.k3 >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json stats.commits)" = 5
'

test_expect_success 'v1.0..HEAD: a key added before v1.0 is excluded even where its file changed later' '
	make_repo &&
	hist_range 1 v1.0..HEAD &&
	test_cmp expect.k2 actual &&
	test "$(ksjson get out.json stats.commits)" = 2
'

test_expect_success '^v1.0 HEAD is the same as v1.0..HEAD' '
	make_repo &&
	hist_range 1 ^v1.0 HEAD &&
	test_cmp expect.k2 actual
'

test_expect_success 'A..B with commit ids' '
	make_repo &&
	hist_range 1 "$(cat rev.c1)..$(cat rev.c3)" &&
	test_cmp expect.k2 actual
'

test_expect_success 'HEAD~1..HEAD (only the edit of a.env): no finding, exit 0' '
	make_repo &&
	hist_range 0 HEAD~1..HEAD &&
	test_must_be_empty actual &&
	test "$(ksjson get out.json stats.commits)" = 1
'

test_expect_success 'a branch name: only the commits reachable from it' '
	make_repo &&
	hist_range 1 main &&
	cat expect.k1 expect.k2 >expect &&
	test_cmp expect actual &&
	hist_range 1 old &&
	cat expect.k1 expect.k3 >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json stats.commits)" = 2
'

test_expect_success 'several arguments combine as for git rev-list (positives minus negatives)' '
	make_repo &&
	hist_range 1 main..old v1.0..main &&
	test_cmp expect.k3 actual &&
	test "$(ksjson get out.json stats.commits)" = "$(git -C repo rev-list main..old v1.0..main | wc -l)" &&
	hist_range 1 old ^main v1.0..HEAD &&
	test_cmp expect.k3 actual &&
	hist_range 1 old v1.0..main~1 &&
	cat expect.k2 expect.k3 >expect &&
	test_cmp expect actual
'

test_expect_success '--since DATE excludes older commits (committer date)' '
	make_repo &&
	hist_range 1 --since 2022-01-01 &&
	test_cmp expect.k2 actual &&
	test "$(ksjson get out.json stats.commits)" = 2
'

test_expect_success '--since with an ISO-8601 date and time' '
	make_repo &&
	hist_range 1 --since 2022-06-01T11:00:00Z &&
	test_cmp expect.k2 actual &&
	hist_range 0 --since 2022-06-01T13:00:00Z &&
	test_must_be_empty actual
'

test_expect_success '--until DATE excludes newer commits' '
	make_repo &&
	hist_range 1 --until 2020-03-01 &&
	test_cmp expect.k1 actual &&
	test "$(ksjson get out.json stats.commits)" = 1
'

test_expect_success '--since and --until together, combined with a range' '
	make_repo &&
	hist_range 1 --since 2020-03-01 --until 2022-12-31 &&
	cat expect.k2 expect.k3 >expect &&
	test_cmp expect actual &&
	hist_range 1 --since 2020-03-01 --until 2022-12-31 main &&
	test_cmp expect.k2 actual
'

test_expect_success 'an unknown revision or a bad date is a usage error (exit 3)' '
	make_repo &&
	test_expect_code 3 keysnare history --repo repo no-such-branch >out 2>err &&
	test_grep "no-such-branch" err &&
	test_expect_code 3 keysnare history --repo repo no-such-branch..HEAD >out 2>err &&
	test_expect_code 3 keysnare history --repo repo --since not-a-date >out 2>err &&
	test_grep "not-a-date" err &&
	test_expect_code 3 keysnare history --repo repo --until 2022-13-45 >out 2>err
'

test_done
