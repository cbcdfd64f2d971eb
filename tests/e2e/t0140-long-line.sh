#!/usr/bin/env bash
test_description='a 5 MB one-line minified file with 3 keys'
. "$(dirname "$0")/lib.sh"

# make_minified FILE EXPECT KEYS: ~5 MB of minified JavaScript on one line,
# with 3 keys at known byte offsets (1-based column = offset + 1).
make_minified() {
	"$PYTHON" - "$@" <<-\EOF
	import os, sys
	sys.path.insert(0, os.environ["E2E_DIR"])
	import keygen
	out, expect, keys = sys.argv[1:4]
	size = 5 * 1024 * 1024
	parts, n, i = [], 0, 0
	plants = [
	    (1 * 1024 * 1024, "openai-legacy", "var cfg={apiKey:\"", "\",org:null};", "openai-api-key"),
	    (int(2.5 * 1024 * 1024), "stripe", "Stripe.setKey(\"", "\");", "stripe-secret-key"),
	    (size - 4096, "google", "maps.init({key:\"", "\"});", "google-api-key"),
	]
	found = []
	for at, fam, pre, post, rule in plants:
	    while n < at:
	        chunk = "function f%d(a,b){return a*%d+b|0}var v%d=[%d,%d,%d];" % (i, i % 97, i, i, i * 7 % 1000, i * 13 % 1000)
	        parts.append(chunk)
	        n += len(chunk)
	        i += 1
	    k = keygen.gen(fam)
	    parts.append(pre)
	    n += len(pre)
	    found.append("min.js:1:%d %s" % (n + 1, rule))
	    parts.append(k + post)
	    n += len(k) + len(post)
	    with open(keys, "a") as f:
	        f.write(k + "\n")
	while n < size:
	    chunk = "var w%d=%d;" % (i, i)
	    parts.append(chunk)
	    n += len(chunk)
	    i += 1
	with open(out, "w") as f:
	    f.write("".join(parts))
	with open(expect, "w") as f:
	    f.write("\n".join(found) + "\n")
	EOF
}

test_expect_success 'three findings at the right columns, in bounded time' '
	make_minified min.js expect keys &&
	test "$(wc -l <min.js)" = 0 &&
	test "$(wc -c <min.js)" -ge 5000000 &&
	test_expect_code 1 timeout 120 "$KEYSNARE" scan -f json min.js >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_cmp expect actual
'

test_expect_success 'snippets are at most 200 bytes and hold only the redacted key' '
	make_minified min.js expect keys &&
	test_expect_code 1 timeout 120 "$KEYSNARE" scan -f jsonl min.js >out.jsonl 2>err &&
	test_line_count = 3 out.jsonl &&
	"$PYTHON" -c "
import json, sys
for line in open(\"out.jsonl\"):
    f = json.loads(line)
    n = len(f[\"snippet\"].encode())
    assert 0 < n <= 200, (f[\"rule_id\"], n)
    assert f[\"secret\"] in f[\"snippet\"], f[\"rule_id\"]
" &&
	check_no_leak out.jsonl keys
'

test_expect_success 'text output for the long line is three short lines' '
	make_minified min.js expect keys &&
	test_expect_code 1 timeout 120 "$KEYSNARE" scan min.js >out.txt 2>err &&
	test_line_count = 3 out.txt &&
	test "$(wc -c <out.txt)" -lt 600
'

test_done
