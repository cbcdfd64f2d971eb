#!/usr/bin/env bash
# bench/history-memory.sh - peak RSS of `keysnare history` against the number of
# commits: fast-import repositories of 10,000 and 100,000 small commits (1,000
# files, one edited per commit, 10 planted keys), scanned with /usr/bin/time -v.
# Memory should not grow with history length beyond the commit list itself.
# usage: bench/history-memory.sh [KEYSNARE]   (default build/keysnare)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KS=${1:-$HERE/../build/keysnare}
TMP=$(mktemp -d /tmp/ks-histmem.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
gen() {  # gen N DIR
	git init -q --bare "$2"
	/usr/bin/python3 - "$1" <<-\EOF | git -C "$2" fast-import --quiet
	import random, sys
	n = int(sys.argv[1]); rng = random.Random(7)
	hexd = "0123456789abcdef"
	out = sys.stdout.buffer
	for i in range(1, n + 1):
	    f = rng.randrange(1000)
	    body = ("# file %d\nvalue = %d\n" % (f, i)).encode()
	    if i % (n // 10) == 0:
	        key = "sk-" + "".join(rng.choice(hexd) for _ in range(32))
	        body += ("DEEPSEEK_API_KEY=%s\n" % key).encode()
	    msg = b"commit %d\n" % i
	    out.write(b"commit refs/heads/main\n")
	    out.write(b"committer t <t@example.invalid> %d +0000\n" % (1600000000 + i))
	    out.write(b"data %d\n%s" % (len(msg), msg))
	    out.write(b"M 100644 inline dir%02d/f%04d.txt\ndata %d\n%s\n" % (f % 50, f, len(body), body))
	EOF
}
printf '| commits | pack MiB | peak RSS MiB | wall s | findings |\n|---|---|---|---|---|\n'
for n in 10000 100000; do
	gen "$n" "$TMP/r$n.git"
	git -C "$TMP/r$n.git" gc -q
	pack=$(du -k "$TMP/r$n.git"/objects/pack/*.pack | cut -f1)
	/usr/bin/time -v "$KS" history --repo "$TMP/r$n.git" -f json >"$TMP/out.json" 2>"$TMP/time.txt" || true
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time.txt")
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/time.txt")
	nf=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$TMP/out.json")
	printf '| %d | %.1f | %.1f | %s | %s |\n' "$n" "$(echo "$pack/1024" | bc -l)" "$(echo "$rss/1024" | bc -l)" "$wall" "$nf"
done
