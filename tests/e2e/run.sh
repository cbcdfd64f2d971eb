#!/usr/bin/env bash
# run.sh - run every tests/e2e/tNNNN-*.sh in order, each as its own process,
# and end with one line "N passed, N failed" (parsed by CI).
#
#	KEYSNARE=/abs/path/keysnare tests/e2e/run.sh [-v] [tNNNN...]
#
# Exit status: 0 when every test passed, 1 otherwise. Each script gets at
# most KS_E2E_SCRIPT_TIMEOUT seconds (default 300) as a hang gate.

# a relative KEYSNARE is relative to the caller's directory
case ${KEYSNARE:-} in ''|/*) ;; *) KEYSNARE=$(pwd)/$KEYSNARE ;; esac
cd "$(dirname "$0")" || exit 1
SRC_DIR=$(cd ../.. && pwd)
KEYSNARE=${KEYSNARE:-$SRC_DIR/build/keysnare}
export KEYSNARE

verbose=
only=()
for a in "$@"; do
	case $a in
	-v|--verbose) verbose=-v ;;
	*) only+=("$a") ;;
	esac
done

failed_file=$(mktemp "${TMPDIR:-/tmp}/keysnare-e2e-failed.XXXXXX") || exit 1
trap 'rm -f "$failed_file"' EXIT
export KS_E2E_FAILED_FILE=$failed_file

passed=0
failed=0
start=$(date +%s)
for t in t[0-9][0-9][0-9][0-9]-*.sh; do
	[ -f "$t" ] || continue
	if [ ${#only[@]} -gt 0 ]; then
		hit=
		for o in "${only[@]}"; do
			case $t in "$o"*|"$o") hit=1 ;; esac
		done
		[ -n "$hit" ] || continue
	fi
	echo "*** $t"
	out=$(timeout -k 10 "${KS_E2E_SCRIPT_TIMEOUT:-300}" bash "$t" $verbose 2>&1)
	rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | sed -n 's/^# [^ ]*: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' | tail -n 1)
	if [ -z "$line" ]; then
		# the script died before test_done (syntax error, timeout, ...)
		echo "# $t: exited $rc without a summary"
		failed=$((failed + 1))
		echo "$t (script exited $rc without a summary)" >>"$failed_file"
		continue
	fi
	p=${line% *}
	f=${line#* }
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" = 0 ] && [ "$rc" != 0 ]; then
		failed=$((failed + 1))
		echo "$t (script exited $rc)" >>"$failed_file"
	fi
done

echo
echo "e2e: $(($(date +%s) - start)) s, KEYSNARE=$KEYSNARE"
if [ -s "$failed_file" ]; then
	echo "failed tests:"
	sed 's/^/  /' "$failed_file"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
