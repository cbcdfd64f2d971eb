#!/usr/bin/env bash
test_description='fast engine: chunked large files, thread-count independence, keyword windows'
. "$(dirname "$0")/lib.sh"

# make_big FILE EXPECT: a ~20 MiB text file with keys placed across and
# next to the 8 MiB chunk edges (scanner/pipeline.h: KS_CHUNK_SIZE, with a
# 256 KiB overlap), mixed LF / CRLF / lone-CR lines, and the expected
# "path:line:col rule" of each key computed here from the bytes.
make_big() {
	"$PYTHON" - "$@" <<-\EOF
	import os, sys
	sys.path.insert(0, os.environ["E2E_DIR"])
	import keygen
	out, expect = sys.argv[1:3]
	MiB = 1 << 20
	CHUNK, OVERLAP = 8 * MiB, 256 * 1024
	# (key start offset, family, line prefix, rule)
	plants = [
	    (1000, "github-pat", "GH_TOKEN=", "github-pat"),
	    (CHUNK - 10, "openai-project", "OPENAI_API_KEY=", "openai-project-api-key"),
	    (CHUNK + 4096, "anthropic", "ANTHROPIC_API_KEY=", "anthropic-api-key"),
	    (CHUNK + OVERLAP - 20, "groq", "GROQ_API_KEY=", "groq-api-key"),
	    (2 * CHUNK - 3, "deepseek", "DEEPSEEK_API_KEY=", "deepseek-api-key"),
	    (2 * CHUNK + OVERLAP + 5, "google", "GOOGLE_KEY=", "google-api-key"),
	]
	buf, i = bytearray(), 0
	ends = [b"\n", b"\r\n", b"\r", b"\n"]
	for at, fam, pre, rule in plants:
	    pre = pre.encode()
	    # filler up to a bit before the key's line
	    while len(buf) < at - len(pre) - 200:
	        buf += b"lorem ipsum dolor sit amet %08d consectetur adipiscing" % i + ends[i % 4]
	        i += 1
	    pad = at - len(pre) - len(buf)
	    # the key's line starts early (long line across the edge)
	    buf += b"q" * pad + pre
	    assert len(buf) == at
	    buf += keygen.gen(fam).encode() + b"\n"
	while len(buf) < 2 * CHUNK + 4 * MiB:
	    buf += b"tail line %d\n" % i
	    i += 1
	data = bytes(buf)
	with open(out, "wb") as f:
	    f.write(data)
	def pos(off):
	    line, ls, j = 1, 0, 0
	    while j < off:
	        c = data[j]
	        if c == 10 or (c == 13 and (j + 1 >= len(data) or data[j + 1] != 10)):
	            line += 1
	            ls = j + 1
	        j += 1
	    return line, off - ls + 1
	rows = []
	for at, fam, pre, rule in plants:
	    line, col = pos(at)
	    rows.append("%s:%d:%d %s" % (os.path.basename(out), line, col, rule))
	with open(expect, "w") as f:
	    f.write("\n".join(rows) + "\n")
	EOF
}

test_expect_success 'keys across and beside chunk edges are found once, at the right line and column' '
	make_big big.txt expect &&
	test_expect_code 1 keysnare scan -f json big.txt >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_cmp expect actual
'

test_expect_success 'a large file is counted once in bytes_scanned' '
	make_big big.txt expect &&
	test_expect_code 1 keysnare scan -f json big.txt >out.json 2>err &&
	size=$(wc -c <big.txt) &&
	ksjson get out.json stats.bytes_scanned >n &&
	echo "$size" >want &&
	test_cmp want n
'

# make_tree DIR N: N files in nested directories, every fifth with a key.
make_tree() {
	"$PYTHON" - "$@" <<-\EOF
	import os, sys
	sys.path.insert(0, os.environ["E2E_DIR"])
	import keygen
	root, n = sys.argv[1], int(sys.argv[2])
	fams = ["github-pat", "groq", "google", "huggingface", "xai"]
	for i in range(n):
	    d = os.path.join(root, "d%02d" % (i % 17), "s%d" % (i % 3))
	    os.makedirs(d, exist_ok=True)
	    with open(os.path.join(d, "f%04d.txt" % i), "w") as f:
	        for j in range(i % 40):
	            f.write("line %d of file %d\n" % (j, i))
	        if i % 5 == 0:
	            f.write("KEY=%s\n" % keygen.gen(fams[i % len(fams)]))
	EOF
}

test_expect_success 'json, jsonl and text are byte-identical for -j1, -j2 and -j4' '
	make_tree t 400 &&
	for j in 1 2 4
	do
		test_expect_code 1 keysnare scan -j$j -f json t >json.$j 2>/dev/null &&
		test_expect_code 1 keysnare scan -j$j -f jsonl t >jsonl.$j 2>/dev/null &&
		test_expect_code 1 keysnare scan -j$j t >text.$j 2>/dev/null || return 1
	done &&
	test_cmp json.1 json.2 && test_cmp json.1 json.4 &&
	test_cmp jsonl.1 jsonl.2 && test_cmp jsonl.1 jsonl.4 &&
	test_cmp text.1 text.2 && test_cmp text.1 text.4 &&
	ksjson findings json.1 >f &&
	test_line_count = 80 f
'

test_expect_success 'skips and errors are the same for any thread count' '
	make_tree t 60 &&
	printf "\000bin" >t/blob.bin &&
	mkfifo t/pipe &&
	for j in 1 3
	do
		test_expect_code 1 keysnare scan -j$j -f json t >json.$j 2>/dev/null || return 1
	done &&
	test_cmp json.1 json.3 &&
	ksjson skipped json.1 >s &&
	test_grep "binary t/blob.bin" s &&
	test_grep "not-regular t/pipe" s
'

test_expect_success '--threads takes a number from 1 to 1024' '
	echo x >f &&
	test_expect_code 3 keysnare scan -j0 f 2>err &&
	test_grep "threads" err &&
	test_expect_code 3 keysnare scan --threads abc f 2>err &&
	test_expect_code 0 keysnare scan --threads 3 f 2>err
'

test_expect_success 'a rule whose keyword sits in a lookbehind still fires' '
	cat >r.yml <<-\EOF &&
	rules:
	  - id: after-marker
	    name: value after a marker
	    pattern: (?<=MARKER:)([A-Za-z0-9]{24})\b
	    keywords: [marker]
	    secret_group: 1
	    severity: low
	    remediation: none
	    examples:
	      - input: MARKER:{{secret}}
	        secret: "{{alnum:24}}"
	      - input: x MARKER:{{secret}} y
	        secret: "{{alnum:24}}"
	    negative_examples: [MARKER:short, other]
	EOF
	keysnare rules check r.yml >out 2>err &&
	v=$(genkey github-pat | cut -c5-28) &&
	echo "pad pad MARKER:$v" >in.txt &&
	test_expect_code 1 keysnare scan --rules r.yml --enable-rule after-marker -f json in.txt >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "in.txt:1:16 after-marker" >expect &&
	test_cmp expect actual
'

test_expect_success 'rules check rejects a rule whose keyword is far from its matches' '
	cat >far.yml <<-\EOF &&
	rules:
	  - id: far-keyword
	    name: keyword far from the match
	    pattern: (?<=FARKEY[^\n]{300})([A-Za-z0-9]{24})\b
	    keywords: [farkey]
	    secret_group: 1
	    severity: low
	    remediation: none
	    examples:
	      - input: "FARKEY{{lower:300}}{{secret}}"
	        secret: "{{alnum:24}}"
	      - input: "FARKEY{{lower:300}}{{secret}} y"
	        secret: "{{alnum:24}}"
	    negative_examples: [FARKEY, other]
	EOF
	test_expect_code 3 keysnare rules check far.yml >out 2>err &&
	test_grep "prefilter would miss it" err
'

test_expect_success 'case-sensitive keywords gate the rule by their exact case' '
	cat >cs.yml <<-\EOF &&
	rules:
	  - id: zq-token
	    name: zq token
	    pattern: (?i)\bzq[0-9a-f]{24}\b
	    keywords: [ZQ]
	    keywords_case_sensitive: true
	    starts_with_keyword: true
	    severity: low
	    remediation: none
	    examples:
	      - input: "t = {{secret}}"
	        secret: "ZQ{{hex:24}}"
	      - input: "{{secret}}"
	        secret: "ZQ{{hex:24}}"
	    negative_examples: [zq, other]
	EOF
	keysnare rules check cs.yml >out 2>err &&
	h=$(genkey deepseek | cut -c4-27) &&
	printf "a ZQ%s\nb zq%s\n" "$h" "$h" >in.txt &&
	test_expect_code 1 keysnare scan --rules cs.yml --enable-rule zq-token -f json in.txt >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "in.txt:1:3 zq-token" >expect &&
	test_cmp expect actual
'

test_expect_success 'rules check rejects starts_with_keyword when a match begins before its keyword' '
	cat >sw.yml <<-\EOF &&
	rules:
	  - id: sw-token
	    name: sw token
	    pattern: \b[0-9]{4}-swk_[0-9a-f]{24}\b
	    keywords: [swk_]
	    starts_with_keyword: true
	    severity: low
	    remediation: none
	    examples:
	      - input: "t = {{secret}}"
	        secret: "{{digit:4}}-swk_{{hex:24}}"
	      - input: "{{secret}}"
	        secret: "{{digit:4}}-swk_{{hex:24}}"
	    negative_examples: [swk_, other]
	EOF
	test_expect_code 3 keysnare rules check sw.yml >out 2>err &&
	test_grep "does not begin with a keyword" err
'

test_done
