#!/usr/bin/env bash
test_description='ci/keysnare-ci: ranges from simulated GitHub and GitLab environments, shallow clones; ci/ YAML and shell lint'
. "$(dirname "$0")/lib.sh"

# the tests may run inside a real CI: none of its variables may leak in
unset GITHUB_ACTIONS GITHUB_EVENT_NAME GITHUB_EVENT_PATH GITHUB_REF GITHUB_SHA \
	GITLAB_CI CI_MERGE_REQUEST_DIFF_BASE_SHA CI_COMMIT_BEFORE_SHA CI_COMMIT_SHA \
	CI_PIPELINE_SOURCE KEYSNARE_FULL_HISTORY KEYSNARE_ALLOW_SHALLOW KEYSNARE_REPO \
	KEYSNARE_CI_NO_PYTHON

CI_SCRIPT=$SRC_DIR/ci/keysnare-ci
export CI_SCRIPT

# make_repos: `up` (the remote) and `work`, a clone of it with new commits
#   c1  old.env with key k1
#   c2  README                     <- origin/main (up's main)
#   c3  new.env with key k2        (only in work)
#   c4  README edited              <- work's main, and origin/feature
# rev.c1..rev.c4 hold the commit ids; expect.new and expect.all
# the findings (ksjson findings) of the range c2..c4 and of everything
make_repos() {
	git init -q -b main up &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >up/old.env &&
	git -C up add -A && git -C up commit -q -m c1 &&
	git -C up rev-parse HEAD >rev.c1 &&
	echo hello >up/README &&
	git -C up add -A && git -C up commit -q -m c2 &&
	git -C up rev-parse HEAD >rev.c2 &&
	git clone -q "file://$PWD/up" work &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >work/new.env &&
	git -C work add -A && git -C work commit -q -m c3 &&
	git -C work rev-parse HEAD >rev.c3 &&
	echo world >>work/README &&
	git -C work add -A && git -C work commit -q -m c4 &&
	git -C work rev-parse HEAD >rev.c4 &&
	git -C work push -q origin main:refs/heads/feature &&
	git -C work fetch -q origin &&
	c1=$(cat rev.c1) && c2=$(cat rev.c2) && c3=$(cat rev.c3) && c4=$(cat rev.c4) &&
	echo "new.env:1:14 groq-api-key" >expect.new &&
	printf "new.env:1:14 groq-api-key\nold.env:1:14 groq-api-key\n" >expect.all
}

# kci [ENV=VALUE...] -- ARGS...: ci/keysnare-ci ARGS in work/ under sh
# (dash on Debian: POSIX), with the environment ENV
kci() {
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	(cd work && env "${envs[@]}" sh "$CI_SCRIPT" "$@")
}

# scan_json WANT [ENV...] -- [ARGS...]: kci -f json -o out.json must exit
# WANT; the findings go to actual, stderr to err
scan_json() {
	local want=$1
	shift
	test_expect_code "$want" kci "$@" --format json --output "$PWD/out.json" 2>err &&
	cat err >&4 &&
	ksjson findings out.json >actual
}

# push_event BEFORE AFTER: a GitHub push event with decoy ids elsewhere
push_event() {
	cat >event.json <<-EOF
	{
	  "after": "$2",
	  "base_ref": null,
	  "before": "$1",
	  "commits": [
	    {"id": "$c3", "message": "c3 \"quoted\" {braces} [x]", "tree_id": "$c1"}
	  ],
	  "head_commit": {"id": "$2", "before": "$c1", "after": "$c1"},
	  "pusher": {"email": "t@example.invalid", "name": "t"},
	  "ref": "refs/heads/main",
	  "repository": {"full_name": "o/r", "before": "$c1"}
	}
	EOF
}

# pr_event BASE HEAD: a GitHub pull_request event, compact, with decoys
pr_event() {
	printf '{"action":"opened","number":7,"sha":"%s","pull_request":{"head":{"ref":"feature","repo":{"sha":"%s"},"sha":"%s"},"title":"a \\"b\\" ]}","base":{"label":"o:main","sha":"%s","ref":"main"},"merge_commit_sha":"%s"},"before":"%s"}\n' \
		"$c1" "$c1" "$2" "$1" "$c1" "$c1" >event.json
}

GH_PUSH='GITHUB_ACTIONS=true GITHUB_EVENT_NAME=push GITHUB_REF=refs/heads/main'

test_expect_success 'GitHub push: before..after, only the new commits' '
	make_repos &&
	push_event "$c2" "$c4" &&
	scan_json 1 $GH_PUSH "GITHUB_EVENT_PATH=$PWD/event.json" -- &&
	test_cmp expect.new actual &&
	test_grep "^keysnare-ci: scanning $c2\.\.$c4 \(github push\)" err
'

test_expect_success 'GitHub push: the event parsed without python3 (awk)' '
	make_repos &&
	push_event "$c2" "$c4" &&
	scan_json 1 $GH_PUSH KEYSNARE_CI_NO_PYTHON=1 "GITHUB_EVENT_PATH=$PWD/event.json" -- &&
	test_cmp expect.new actual &&
	test_grep "scanning $c2\.\.$c4 \(github push\)" err
'

test_expect_success 'GitHub push: exit code 0 when the new commits are clean' '
	make_repos &&
	push_event "$c3" "$c4" &&
	scan_json 0 $GH_PUSH "GITHUB_EVENT_PATH=$PWD/event.json" -- &&
	test_must_be_empty actual
'

test_expect_success 'GitHub push of a new branch: the commits no other remote ref has' '
	make_repos &&
	push_event 0000000000000000000000000000000000000000 "$c4" &&
	scan_json 1 GITHUB_ACTIONS=true GITHUB_EVENT_NAME=push GITHUB_REF=refs/heads/feature \
		"GITHUB_EVENT_PATH=$PWD/event.json" -- &&
	test_cmp expect.new actual &&
	test_grep "scanning $c4 --not 1 other remote ref\(s\) \(github push \(new ref\)\)" err &&
	scan_json 1 GITHUB_ACTIONS=true GITHUB_EVENT_NAME=push GITHUB_REF=refs/heads/feature \
		KEYSNARE_CI_NO_PYTHON=1 "GITHUB_EVENT_PATH=$PWD/event.json" -- &&
	test_cmp expect.new actual
'

test_expect_success 'GitHub push of a new branch, no other remote refs: its whole history' '
	make_repos &&
	git -C work update-ref -d refs/remotes/origin/main &&
	{ git -C work symbolic-ref -d refs/remotes/origin/HEAD 2>/dev/null || :; } &&
	push_event 0000000000000000000000000000000000000000 "$c4" &&
	scan_json 1 GITHUB_ACTIONS=true GITHUB_EVENT_NAME=push GITHUB_REF=refs/heads/feature \
		"GITHUB_EVENT_PATH=$PWD/event.json" -- &&
	test_cmp expect.all actual &&
	test_grep "no other remote-tracking refs" err
'

test_expect_success 'GitHub push after a force push (old tip gone): the new commits' '
	make_repos &&
	git -C work update-ref refs/remotes/origin/feature "$c2" &&
	push_event 1111111111111111111111111111111111111111 "$c4" &&
	scan_json 1 $GH_PUSH "GITHUB_EVENT_PATH=$PWD/event.json" -- &&
	test_cmp expect.new actual &&
	test_grep "old tip 1111111111111111111111111111111111111111 is gone" err
'

test_expect_success 'GitHub pull_request: base.sha..head.sha' '
	make_repos &&
	pr_event "$c2" "$c4" &&
	for ev in pull_request pull_request_target; do
		scan_json 1 GITHUB_ACTIONS=true GITHUB_EVENT_NAME=$ev \
			"GITHUB_EVENT_PATH=$PWD/event.json" -- &&
		test_cmp expect.new actual &&
		test_grep "^keysnare-ci: scanning $c2\.\.$c4 \(github $ev\)" err || return 1
	done &&
	scan_json 1 GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request KEYSNARE_CI_NO_PYTHON=1 \
		"GITHUB_EVENT_PATH=$PWD/event.json" -- &&
	test_cmp expect.new actual &&
	test_grep "scanning $c2\.\.$c4 \(github pull_request\)" err
'

test_expect_success 'GitHub pull_request: a base outside a full clone is incomplete (2)' '
	make_repos &&
	pr_event 2222222222222222222222222222222222222222 "$c4" &&
	test_expect_code 2 kci GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request \
		"GITHUB_EVENT_PATH=$PWD/event.json" -- -f json -o "$PWD/out.json" 2>err &&
	test_grep "is not in the clone" err &&
	test_grep "fetch-depth: 0" err &&
	test_path_is_missing out.json
'

test_expect_success 'GitHub pull_request: an event without the ids is incomplete (2)' '
	make_repos &&
	echo "{\"pull_request\": {}}" >event.json &&
	test_expect_code 2 kci GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request \
		"GITHUB_EVENT_PATH=$PWD/event.json" -- 2>err &&
	test_grep "no pull_request.base.sha" err
'

test_expect_success 'GitHub, other events: the full history' '
	make_repos &&
	echo "{}" >event.json &&
	scan_json 1 GITHUB_ACTIONS=true GITHUB_EVENT_NAME=schedule \
		"GITHUB_EVENT_PATH=$PWD/event.json" -- &&
	test_cmp expect.all actual &&
	test_grep "scanning the full history \(github schedule\)" err
'

test_expect_success 'GitLab merge request: CI_MERGE_REQUEST_DIFF_BASE_SHA..CI_COMMIT_SHA' '
	make_repos &&
	scan_json 1 GITLAB_CI=true CI_MERGE_REQUEST_DIFF_BASE_SHA=$c2 CI_COMMIT_SHA=$c4 \
		CI_COMMIT_BEFORE_SHA=0000000000000000000000000000000000000000 -- &&
	test_cmp expect.new actual &&
	test_grep "^keysnare-ci: scanning $c2\.\.$c4 \(gitlab merge request\)" err
'

test_expect_success 'GitLab push: CI_COMMIT_BEFORE_SHA..CI_COMMIT_SHA; new branch: full history' '
	make_repos &&
	scan_json 1 GITLAB_CI=true CI_COMMIT_BEFORE_SHA=$c2 CI_COMMIT_SHA=$c4 -- &&
	test_cmp expect.new actual &&
	test_grep "scanning $c2\.\.$c4 \(gitlab push\)" err &&
	scan_json 1 GITLAB_CI=true CI_COMMIT_BEFORE_SHA=0000000000000000000000000000000000000000 \
		CI_COMMIT_SHA=$c4 CI_PIPELINE_SOURCE=push -- &&
	test_cmp expect.all actual &&
	test_grep "scanning the full history \(gitlab push\)" err
'

test_expect_success 'no CI variables, --full, KEYSNARE_FULL_HISTORY=1: the full history' '
	make_repos &&
	scan_json 1 -- &&
	test_cmp expect.all actual &&
	test_grep "scanning the full history \(local\)" err &&
	push_event "$c2" "$c4" &&
	scan_json 1 $GH_PUSH "GITHUB_EVENT_PATH=$PWD/event.json" -- --full &&
	test_cmp expect.all actual &&
	test_grep "scanning the full history \(--full\)" err &&
	scan_json 1 GITLAB_CI=true CI_MERGE_REQUEST_DIFF_BASE_SHA=$c2 CI_COMMIT_SHA=$c4 \
		KEYSNARE_FULL_HISTORY=1 -- &&
	test_cmp expect.all actual
'

test_expect_success 'format, output and extra arguments go to keysnare' '
	make_repos &&
	test_expect_code 1 kci GITLAB_CI=true CI_COMMIT_BEFORE_SHA=$c2 CI_COMMIT_SHA=$c4 -- \
		--format jsonl --output "$PWD/out.jsonl" 2>err &&
	ksjson findings-jsonl out.jsonl >actual &&
	test_cmp expect.new actual &&
	test_expect_code 0 kci GITLAB_CI=true CI_COMMIT_BEFORE_SHA=$c2 CI_COMMIT_SHA=$c4 -- \
		-f json -o "$PWD/out.json" -- --enable-rule github-pat 2>err &&
	ksjson findings out.json >actual &&
	test_must_be_empty actual &&
	test_expect_code 1 kci -- >out.txt 2>err &&
	test_grep "new\.env" out.txt &&
	test_expect_code 3 kci -- --no-such-option 2>err &&
	test_grep "usage: keysnare-ci" err &&
	test_expect_code 3 kci -- -- --no-such-keysnare-option 2>err
'

test_expect_success 'shallow clone, base outside it: exit 2 with the fetch hint' '
	make_repos &&
	mv work full &&
	git clone -q --depth 1 "file://$PWD/full" work &&
	test "$(git -C work rev-parse --is-shallow-repository)" = true &&
	push_event "$c2" "$c4" &&
	test_expect_code 2 kci $GH_PUSH "GITHUB_EVENT_PATH=$PWD/event.json" -- \
		-f json -o "$PWD/out.json" 2>err &&
	test_grep "base commit $c2 .*is not in the clone" err &&
	test_grep "actions/checkout with .fetch-depth: 0." err &&
	test_grep "KEYSNARE_ALLOW_SHALLOW=1" err &&
	test_path_is_missing out.json &&
	test_expect_code 2 kci GITLAB_CI=true CI_MERGE_REQUEST_DIFF_BASE_SHA=$c2 CI_COMMIT_SHA=$c4 -- 2>err &&
	test_grep "GIT_DEPTH: \"0\"" err &&
	test_expect_code 2 kci -- 2>err &&
	test_grep "shallow clone" err &&
	test_grep "git fetch --unshallow" err
'

test_expect_success 'shallow clone with KEYSNARE_ALLOW_SHALLOW=1: scans what there is' '
	make_repos &&
	mv work full &&
	git clone -q --depth 1 "file://$PWD/full" work &&
	push_event "$c2" "$c4" &&
	scan_json 1 $GH_PUSH KEYSNARE_ALLOW_SHALLOW=1 "GITHUB_EVENT_PATH=$PWD/event.json" -- &&
	test_cmp expect.all actual &&
	test_grep "KEYSNARE_ALLOW_SHALLOW=1" err &&
	scan_json 1 KEYSNARE_ALLOW_SHALLOW=1 -- &&
	test_cmp expect.all actual &&
	git -C work rm -q new.env old.env &&
	git -C work commit -q -m clean &&
	git -C work rev-parse HEAD >rev.c5 &&
	push_event "$c4" "$(cat rev.c5)" &&
	scan_json 0 $GH_PUSH KEYSNARE_ALLOW_SHALLOW=1 "GITHUB_EVENT_PATH=$PWD/event.json" -- &&
	test_must_be_empty actual
'

test_expect_success 'shallow clone that holds the whole range: scanned, complete' '
	make_repos &&
	mv work full &&
	git clone -q --depth 3 "file://$PWD/full" work &&
	test "$(git -C work rev-parse --is-shallow-repository)" = true &&
	push_event "$c2" "$c4" &&
	scan_json 1 $GH_PUSH "GITHUB_EVENT_PATH=$PWD/event.json" -- &&
	test_cmp expect.new actual &&
	push_event "$c1" "$c4" &&
	test_expect_code 2 kci $GH_PUSH "GITHUB_EVENT_PATH=$PWD/event.json" -- 2>err &&
	test_grep "not in the clone" err
'

test_expect_success 'ci/ YAML passes yamllint' '
	command -v yamllint >/dev/null &&
	yamllint -s -c "$SRC_DIR/ci/.yamllint" "$SRC_DIR/ci" >&4 &&
	test_path_is_file "$SRC_DIR/ci/github/action.yml" &&
	test_path_is_file "$SRC_DIR/ci/github/keysnare.yml" &&
	test_path_is_file "$SRC_DIR/ci/gitlab/keysnare.gitlab-ci.yml"
'

test_expect_success 'ci/keysnare-ci and the action run: steps pass shellcheck' '
	command -v shellcheck >/dev/null &&
	shellcheck "$CI_SCRIPT" >&4 &&
	if "$PYTHON" -c "import yaml" 2>/dev/null; then
		"$PYTHON" - "$SRC_DIR/ci/github/action.yml" "$SRC_DIR/ci/gitlab/keysnare.gitlab-ci.yml" <<-\EOF
		import re, sys, yaml
		# every run: step of the action, and the GitLab job scripts, as
		# bash files (${{ ... }} expressions become a placeholder)
		act = yaml.safe_load(open(sys.argv[1]))
		assert act["runs"]["using"] == "composite"
		for k in ("format", "output", "full-history", "args"):
		    assert k in act["inputs"], k
		assert act["inputs"]["format"]["default"] == "sarif"
		assert act["inputs"]["output"]["default"] == "keysnare.sarif"
		assert "exit-code" in act["outputs"] and "sarif" in act["outputs"]
		n = 0
		for i, st in enumerate(act["runs"]["steps"]):
		    if "run" in st:
		        assert st.get("shell") == "bash", st
		        body = re.sub(r"\$\{\{[^}]*\}\}", "EXPR", st["run"])
		        open("action-step-%d.sh" % i, "w").write("#!/bin/bash\n" + body)
		        n += 1
		assert n >= 3, n
		job = yaml.safe_load(open(sys.argv[2]))["keysnare-secret-detection"]
		assert job["variables"]["GIT_DEPTH"] == "0"
		assert job["artifacts"]["reports"]["secret_detection"] == "gl-secret-detection-report.json"
		assert job["artifacts"]["when"] == "always"
		body = "\n".join(job["before_script"] + job["script"])
		open("gitlab-job.sh", "w").write("#!/bin/bash\n" + body + "\n")
		EOF
		for f in action-step-*.sh gitlab-job.sh; do
			shellcheck -s bash "$f" >&4 || return 1
		done
	else
		echo "python3-yaml is not installed: run: steps not checked" >&4
	fi
'

test_done
