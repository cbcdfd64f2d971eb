#!/usr/bin/env bash
# nonet.sh - run.sh, with proof that keysnare makes no network connection
# unless asked to verify (RELIABILITY.md V13).
#
#	KEYSNARE=/abs/path/keysnare tests/e2e/nonet.sh
#
# Every script but the t8xxx ones (live verification, which talk to a
# loopback mock on purpose) runs under `strace -f --seccomp-bpf -Y`, which
# records each connect() and sendto() of every process with its command
# name. Any AF_INET or AF_INET6 address in a call made by a process named
# keysnare fails the run, as a failed test would. The t8xxx scripts then run
# as usual. Without a working strace (no ptrace in a container), the
# scripts run untraced and the check says it was skipped.
cd "$(dirname "$0")" || exit 1
log=$(mktemp "${TMPDIR:-/tmp}/keysnare-nonet.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT

rest=()
for t in t[0-9][0-9][0-9][0-9]-*.sh; do
	case $t in t8*) ;; *) rest+=("${t%%-*}") ;; esac
done

rc=0
if grep -qa __asan_init "${KEYSNARE:-../../build/keysnare}" 2>/dev/null; then
	# LeakSanitizer cannot work under ptrace: a sanitizer build is not
	# traced (the plain build's run is)
	echo "no-network check not run: $KEYSNARE is a sanitizer build"
	./run.sh "${rest[@]}" || rc=1
elif strace -f -qq --seccomp-bpf -o /dev/null true 2>/dev/null; then
	strace -f -qq --seccomp-bpf -Y -e trace=connect,sendto,sendmsg \
		-e signal=none -o "$log" ./run.sh "${rest[@]}" || rc=1
	bad=$(grep -E '^[0-9]+<keysnare>' "$log" | grep -E 'AF_INET6?[,}]' || true)
	if [ -n "$bad" ]; then
		echo "FAIL: keysnare opened network connections without --verify:"
		printf '%s\n' "$bad" | head -n 20
		rc=1
	else
		echo "no-network check: $(grep -c '<keysnare>' "$log") socket calls by keysnare traced, none to an inet address"
	fi
else
	echo "no-network check SKIPPED: strace cannot trace here (no ptrace?)"
	./run.sh "${rest[@]}" || rc=1
fi
./run.sh t8 || rc=1
exit $rc
