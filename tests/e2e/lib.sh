# lib.sh - git t/-style helpers for keysnare's end-to-end tests.
#
# A test script sets test_description, sources this file, declares tests
# and ends with test_done:
#
#	test_description='what this file covers'
#	. "$(dirname "$0")/lib.sh"
#	test_expect_success 'title' '
#		keysnare scan . >out &&
#		test_cmp expect out
#	'
#	test_done
#
# Each test body runs in a subshell inside its own fresh `mktemp -d`
# directory (removed afterwards unless KS_E2E_KEEP=1), with its output
# captured and shown only when it fails (or always with -v / KS_E2E_VERBOSE=1).
# Bodies are && chains, as in git's t/: a broken chain is reported as a
# test bug ("chain lint") before the body runs.
#
# Environment: KEYSNARE = path of the binary (default: build/keysnare of
# this work tree), PYTHON (default /usr/bin/python3).
#
# Helpers for the bodies (their diagnostics go to fd 4, the test's log,
# even when the body redirects stderr):
#	keysnare ARGS...            runs $KEYSNARE
#	test_expect_code N CMD...   CMD must exit with status N
#	test_expect_code_in "N M" CMD...  CMD must exit with one of them
#	test_cmp EXPECT ACTUAL      files are equal (diff -u on failure)
#	test_when_finished CMD      run CMD after the body, pass or fail
#	test_must_be_empty FILE, test_line_count OP N FILE, test_grep [-v] RE FILE
#	test_path_is_file/dir/missing PATH
#	genkey FAMILY [N]           N fresh random fake keys (tests/e2e/keygen.py)
#	ksjson CMD ARGS...          queries on keysnare JSON (tests/e2e/ksjson.py)
#	as_unpriv CMD...            runs CMD as an unprivileged user (setpriv
#	                            to 65534 when root; as is when not root)
#	unpriv_setup_ok             that user can reach the test directory
#	write_rule FILE ID          a valid custom rule file (acme_ + 32 lowercase
#	                            alphanumerics) with rule id ID
#	check_no_leak FILE KEYFILE  no key of KEYFILE (one a line), nor any piece
#	                            of one longer than a quarter of it, in FILE
#	$LF                         a newline (for file names)
# At the top level, test_skip_all REASON skips a whole script whose
# prerequisite (a command) is missing.
#
# Run one script: KEYSNARE=build/keysnare bash tests/e2e/t0000-basic.sh [-v];
# all of them: tests/e2e/run.sh. KS_E2E_KEEP=1 keeps the trash directories.

: "${test_description:?set test_description before sourcing lib.sh}"

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$E2E_DIR/../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)
KEYSNARE=${KEYSNARE:-$SRC_DIR/build/keysnare}
case $KEYSNARE in /*) ;; *) KEYSNARE=$(pwd)/$KEYSNARE ;; esac
export KEYSNARE PYTHON E2E_DIR SRC_DIR
export LC_ALL=C TZ=UTC NO_COLOR=1
unset KEYSNARE_CONFIG GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_COMMON_DIR
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid

case "$1" in -v|--verbose) KS_E2E_VERBOSE=1 ;; esac

test_count=0
test_success=0
test_failure=0
test_failed_titles=

this_test=$(basename "$0" .sh)

# Trash directories live under one per-script root; every test gets a
# fresh mktemp -d inside it. World-traversable so that as_unpriv works.
TRASH_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/keysnare-e2e.$this_test.XXXXXX") || exit 1
chmod 755 "$TRASH_ROOT"
trap 'cd / && [ "${KS_E2E_KEEP:-}" = 1 ] || rm -rf "$TRASH_ROOT"' EXIT

if ! [ -x "$KEYSNARE" ]; then
	echo "error: KEYSNARE='$KEYSNARE' is not an executable (build it first)" >&2
	[ -z "${KS_E2E_FAILED_FILE:-}" ] || echo "$this_test (no keysnare binary)" >>"$KS_E2E_FAILED_FILE"
	echo "# $this_test: 0 passed, 1 failed"
	exit 1
fi

LF='
'
export LF

say() { printf '%s\n' "$*"; }

keysnare() { "$KEYSNARE" "$@"; }

genkey() { "$PYTHON" "$E2E_DIR/keygen.py" "$@"; }

# write_rule FILE ID: a valid custom rule for acme_ + 32 lowercase alnum
write_rule() {
	cat >"$1" <<-EOF
	# custom rules for the Acme API
	rules:
	  - id: $2
	    name: Acme API token
	    description: Acme internal API token.
	    pattern: '\b(acme_[a-z0-9]{32})\b'
	    keywords: [acme_]
	    min_entropy: 3.0
	    severity: high
	    tags: [internal]
	    remediation: Revoke it at https://acme.invalid/tokens and load it from the environment.
	    examples:
	      - input: 'ACME_TOKEN={{secret}}'
	        secret: 'acme_{{lalnum:32}}'
	      - input: 'token: "{{secret}}"'
	        secret: 'acme_{{lalnum:32}}'
	    negative_examples:
	      - 'ACME_TOKEN=acme_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
	      - 'acme_{{lalnum:31}}'
	EOF
}

ksjson() { "$PYTHON" "$E2E_DIR/ksjson.py" "$@"; }

# test_expect_code N CMD...   (inside a body): CMD must exit with N.
# test_expect_code N 'title' 'body'   (top level): the body must exit with N.
test_expect_code() {
	if [ -z "${KS_IN_TEST:-}" ] && [ $# = 3 ]; then
		_run_test "$2" "$3" "$1"
		return 0
	fi
	local want=$1 got
	shift
	"$@"
	got=$?
	if [ "$got" = "$want" ]; then
		return 0
	fi
	echo "test_expect_code: command exited $got, wanted $want: $*" >&4
	return 1
}

# test_when_finished CMD: run CMD (a string) after the body, even when it
# fails (newest first; their exit status is ignored).
test_when_finished() {
	test_cleanup="$*
$test_cleanup"
	return 0
}

# test_expect_code_in "N M..." CMD...: CMD must exit with one of the codes
# (for behaviour the exit-code contract leaves open, e.g. 0 or 2 after a skip)
test_expect_code_in() {
	local want=$1 got w
	shift
	"$@"
	got=$?
	for w in $want; do
		[ "$got" = "$w" ] && return 0
	done
	echo "test_expect_code_in: command exited $got, wanted one of $want: $*" >&4
	return 1
}

test_cmp() {
	diff -u "$1" "$2" >&4 || {
		echo "test_cmp: '$1' and '$2' differ" >&4
		return 1
	}
}

test_must_be_empty() {
	if [ -s "$1" ]; then
		echo "'$1' is not empty:" >&4
		head -c 2000 "$1" >&4
		return 1
	fi
}

# test_line_count OP N FILE, e.g. test_line_count = 3 out
test_line_count() {
	local n
	n=$(wc -l <"$3")
	if ! test "$n" "$1" "$2"; then
		echo "test_line_count: '$3' has $n lines, wanted $1 $2:" >&4
		head -c 2000 "$3" >&4
		return 1
	fi
}

# test_grep [-v] [grep options] PATTERN FILE: grep -E with a diagnostic
test_grep() {
	local neg=
	if [ "$1" = -v ]; then
		neg=1
		shift
	fi
	local file=${!#}
	if [ -n "$neg" ]; then
		if grep -E "$@" >/dev/null; then
			echo "test_grep: unexpected match for '${*:1:$#-1}' in '$file':" >&4
			grep -E "$@" | head -c 2000 >&4
			return 1
		fi
		return 0
	fi
	grep -E "$@" >/dev/null && return 0
	echo "test_grep: no match for '${*:1:$#-1}' in '$file':" >&4
	head -c 2000 "$file" >&4
	return 1
}

test_path_is_file() {
	[ -f "$1" ] || { echo "'$1' is not a file" >&4; return 1; }
}
test_path_is_dir() {
	[ -d "$1" ] || { echo "'$1' is not a directory" >&4; return 1; }
}
test_path_is_missing() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		echo "'$1' exists" >&4
		return 1
	fi
}

# as_unpriv CMD...: permission checks do not apply to root, so tests about
# unreadable files run keysnare as nobody (65534) when they are root.
as_unpriv() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}

# unpriv_setup_ok: the unprivileged user can reach the test directory
unpriv_setup_ok() {
	as_unpriv test -x "$PWD" -a -r "$PWD" -a -x "$KEYSNARE" && return 0
	echo "uid 65534 cannot reach '$PWD' or run '$KEYSNARE': set TMPDIR to a world-searchable directory" >&4
	return 1
}

# check_no_leak FILE KEYS: FILE contains none of the keys in KEYS (one per
# line), nor any piece of one longer than a quarter of it.
check_no_leak() {
	"$PYTHON" "$E2E_DIR/ksjson.py" noleak "$1" "$2"
}

# Bodies run inside a function so that "|| return 1" in a loop works.
_eval_body() {
	eval "$1
"
}

_chain_lint() {
	# A body whose && chain is intact stops at the first command when that
	# command fails; git's trick: prepend a failure and look for 117.
	local scratch rc
	scratch=$(mktemp -d "$TRASH_ROOT/lint.XXXXXX") || exit 1
	(
		cd "$scratch" || exit 1
		KS_IN_TEST=1
		# shellcheck disable=SC2034
		KEYSNARE=/bin/false
		_eval_body "(exit 117) && $1"
	) >/dev/null 2>&1 4>&1 </dev/null
	rc=$?
	rm -rf "$scratch"
	[ $rc = 117 ]
}

_run_test() {
	local title=$1 body=$2 want=${3:-0} dir log rc
	test_count=$((test_count + 1))
	dir=$(mktemp -d "$TRASH_ROOT/t$test_count.XXXXXX") || exit 1
	chmod 755 "$dir"
	log="$TRASH_ROOT/log.$test_count"
	if ! _chain_lint "$body"; then
		rc=chain
	else
		(
			cd "$dir" || exit 1
			KS_IN_TEST=1
			export HOME="$dir"
			test_cleanup=:
			_eval_body "$body"
			body_rc=$?
			eval "$test_cleanup" >/dev/null 2>&1
			exit "$body_rc"
		) >"$log" 2>&1 4>&1 </dev/null
		rc=$?
	fi
	if [ "$rc" = "$want" ]; then
		test_success=$((test_success + 1))
		say "ok $test_count - $title"
		[ -z "${KS_E2E_VERBOSE:-}" ] || sed 's/^/#   /' "$log"
	else
		test_failure=$((test_failure + 1))
		test_failed_titles="$test_failed_titles$this_test $test_count - $title
"
		if [ "$rc" = chain ]; then
			say "not ok $test_count - $title (broken && chain in the test body)"
		elif [ "$want" = 0 ]; then
			say "not ok $test_count - $title"
		else
			say "not ok $test_count - $title (exit $rc, wanted $want)"
		fi
		printf '%s\n' "$body" | sed 's/^/#	| /'
		[ ! -f "$log" ] || head -c 20000 "$log" | sed 's/^/#   /'
	fi
	# the unprivileged tests may have left read-only directories
	[ "${KS_E2E_KEEP:-}" = 1 ] || { chmod -R u+rwx "$dir" 2>/dev/null; rm -rf "$dir"; }
	rm -f "$log"
}

test_expect_success() {
	[ $# = 2 ] || { echo "bug in the test script: test_expect_success needs 2 arguments" >&2; exit 1; }
	_run_test "$1" "$2" 0
}

# test_skip_all REASON: a prerequisite of the whole script is missing (e.g.
# a command): says so and ends the script with nothing run, 0 passed,
# 0 failed (git's skip_all). Only for tools the tests cannot provide.
test_skip_all() {
	say "# SKIP $this_test: $*"
	say "# $this_test: 0 passed, 0 failed"
	exit 0
}

test_done() {
	[ -z "${KS_E2E_FAILED_FILE:-}" ] || printf '%s' "$test_failed_titles" >>"$KS_E2E_FAILED_FILE"
	say "# $this_test: $test_success passed, $test_failure failed"
	[ "$test_failure" = 0 ]
	exit $?
}
