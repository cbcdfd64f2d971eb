#!/usr/bin/env bash
test_description='history: 2,000 commits from git fast-import with 5 planted keys'
. "$(dirname "$0")/lib.sh"

gitrepo() { "$PYTHON" "$E2E_DIR/gitrepo.py" "$@"; }

# make_big: repo/ with the 2,000 commits of gitrepo.py fastimport, keys
# the 5 planted keys, expect the 5 findings with commit ids
make_big() {
	genkey groq 5 >keys &&
	git init -q -b main repo &&
	gitrepo fastimport keys expect.marks >stream &&
	git -C repo fast-import --quiet --export-marks="$PWD/marks" <stream &&
	gitrepo resolve marks expect.marks >expect &&
	test "$(git -C repo rev-list --all | wc -l)" = 2000
}

# now_ms: milliseconds since the epoch
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

test_expect_success '2,000 commits, 5 keys: exactly 5 findings, each at its commit' '
	make_big &&
	t0=$(now_ms) &&
	test_expect_code 1 timeout 60 "$KEYSNARE" history --repo repo -f json >out.json 2>err &&
	t1=$(now_ms) &&
	gitrepo hist out.json >actual &&
	test_cmp expect actual &&
	test "$(ksjson get out.json stats.commits)" = 2000 &&
	gitrepo check out.json &&
	echo "history took $((t1 - t0)) ms (timeout 60 is only a hang gate)" >&4
'

test_expect_success 'the same with -j1, and byte-identical to -j4' '
	make_big &&
	test_expect_code 1 timeout 60 "$KEYSNARE" history --repo repo -j 1 -f json >j1.json 2>err &&
	test_expect_code 1 timeout 60 "$KEYSNARE" history --repo repo -j 4 -f json >j4.json 2>err &&
	gitrepo hist j1.json >actual &&
	test_cmp expect actual &&
	cmp j1.json j4.json
'

test_expect_success 'a range over the last 500 commits of main: only the keys introduced there' '
	make_big &&
	test_expect_code 1 timeout 60 "$KEYSNARE" history --repo repo -f json main~500..main >out.json 2>err &&
	gitrepo hist out.json >actual &&
	grep -e "^deep/" -e "^src/file7.txt:" expect >expect.range &&
	test_cmp expect.range actual &&
	test "$(ksjson get out.json stats.commits)" = 500
'

test_done
