#!/usr/bin/env bash
test_description='inline markers: keysnare:allow, keysnare:allow-next-line, gitleaks:allow, pragma: allowlist [nextline] secret; --no-inline-allow; scan, staged, history'
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/staged-lib.sh"
. "$E2E_DIR/suppress-lib.sh"

# Files are written into tree/ (keys in ./keys, outside it) and compared as
# "path:line:col rule [marker]" (--show-suppressed JSON): every marked line
# sits between unmarked controls that must still be reported.

test_expect_success 'keysnare:allow suppresses the findings of its own line only, wherever it is on the line' '
	mkdir tree &&
	{
		printf "A=%s\n" "$(newkey groq)" &&
		printf "B=%s # keysnare:allow\n" "$(newkey groq)" &&
		printf "C=%s\n" "$(newkey groq)" &&
		printf "D=%s E=%s // keysnare:allow\n" "$(newkey groq)" "$(newkey groq)" &&
		printf "/* keysnare:allow */ F=%s\n" "$(newkey groq)" &&
		printf "G=%s\n" "$(newkey groq)"
	} >tree/a.env &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	a.env:1:3 groq-api-key
	a.env:2:3 groq-api-key [marker]
	a.env:3:3 groq-api-key
	a.env:4:3 groq-api-key [marker]
	a.env:4:62 groq-api-key [marker]
	a.env:5:24 groq-api-key [marker]
	a.env:6:3 groq-api-key
	EOF
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "marker 4" &&
	test "$(ksjson get out.json stats.findings)" = 3 &&
	test_expect_code 1 ks_in tree scan >out 2>err &&
	test_line_count = 3 out &&
	test "$(summary_supp err)" = "4 suppressed (marker 4)"
'

test_expect_success 'keysnare:allow-next-line: the next line only; not two lines down, not a key on its own line, not the line above' '
	mkdir tree &&
	{
		printf "A=%s\n" "$(newkey groq)" &&
		printf "B=%s # keysnare:allow-next-line\n" "$(newkey groq)" &&
		printf "C=%s\n" "$(newkey groq)" &&
		printf "D=%s\n" "$(newkey groq)" &&
		printf "# keysnare:allow-next-line\n\n" &&
		printf "E=%s\n" "$(newkey groq)" &&
		printf "    # keysnare:allow-next-line\n" &&
		printf "    F=%s\n" "$(newkey groq)" &&
		printf "G=%s\n" "$(newkey groq)"
	} >tree/a.env &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	a.env:1:3 groq-api-key
	a.env:10:3 groq-api-key
	a.env:2:3 groq-api-key
	a.env:3:3 groq-api-key [marker]
	a.env:4:3 groq-api-key
	a.env:7:3 groq-api-key
	a.env:9:7 groq-api-key [marker]
	EOF
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "marker 2"
'

test_expect_success 'keysnare:allow on the line above or below a key does not suppress it' '
	mkdir tree &&
	printf "# keysnare:allow\nA=%s\n# keysnare:allow\n" "$(newkey groq)" >tree/a.env &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	echo "a.env:2:3 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'migration markers: gitleaks:allow and "pragma: allowlist secret" on the line, "pragma: allowlist nextline secret" above' '
	mkdir tree &&
	{
		printf "A=%s # gitleaks:allow\n" "$(newkey groq)" &&
		printf "B=%s\n" "$(newkey groq)" &&
		printf "C=%s  # pragma: allowlist secret\n" "$(newkey groq)" &&
		printf "# pragma: allowlist nextline secret\n" &&
		printf "D=%s\n" "$(newkey groq)" &&
		printf "E=%s\n" "$(newkey groq)" &&
		printf "# gitleaks:allow\n" &&
		printf "F=%s\n" "$(newkey groq)" &&
		printf "# pragma: allowlist secret\n" &&
		printf "G=%s\n" "$(newkey groq)"
	} >tree/a.py &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	a.py:10:3 groq-api-key
	a.py:1:3 groq-api-key [marker]
	a.py:2:3 groq-api-key
	a.py:3:3 groq-api-key [marker]
	a.py:5:3 groq-api-key [marker]
	a.py:6:3 groq-api-key
	a.py:8:3 groq-api-key
	EOF
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "marker 3"
'

test_expect_success 'CRLF files: the same lines are suppressed; a marker on a last line without a newline works' '
	mkdir tree &&
	{
		printf "A=%s\r\n" "$(newkey groq)" &&
		printf "B=%s # keysnare:allow\r\n" "$(newkey groq)" &&
		printf "C=%s\r\n" "$(newkey groq)" &&
		printf "# keysnare:allow-next-line\r\n" &&
		printf "D=%s\r\n" "$(newkey groq)" &&
		printf "E=%s\r\n" "$(newkey groq)" &&
		printf "# keysnare:allow-next-line\r\n\r\n" &&
		printf "F=%s\r\n" "$(newkey groq)" &&
		printf "# pragma: allowlist nextline secret\r\n" &&
		printf "G=%s\r\n" "$(newkey groq)" &&
		printf "H=%s # keysnare:allow" "$(newkey groq)"
	} >tree/crlf.env &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	crlf.env:11:3 groq-api-key [marker]
	crlf.env:12:3 groq-api-key [marker]
	crlf.env:1:3 groq-api-key
	crlf.env:2:3 groq-api-key [marker]
	crlf.env:3:3 groq-api-key
	crlf.env:5:3 groq-api-key [marker]
	crlf.env:6:3 groq-api-key
	crlf.env:9:3 groq-api-key
	EOF
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "marker 4"
'

test_expect_success '--no-inline-allow reports every marked finding (exit 1), nothing suppressed' '
	mkdir tree &&
	{
		printf "A=%s # keysnare:allow\n" "$(newkey groq)" &&
		printf "# keysnare:allow-next-line\nB=%s\n" "$(newkey groq)" &&
		printf "C=%s # gitleaks:allow\n" "$(newkey groq)" &&
		printf "D=%s # pragma: allowlist secret\n" "$(newkey groq)" &&
		printf "# pragma: allowlist nextline secret\r\nE=%s\r\n" "$(newkey groq)"
	} >tree/a.env &&
	ks_in tree scan -f json >out.json 2>err &&
	test "$(supp_counts out.json)" = "marker 5" &&
	test_expect_code 1 ks_in tree scan -f json --no-inline-allow --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	a.env:1:3 groq-api-key
	a.env:3:3 groq-api-key
	a.env:4:3 groq-api-key
	a.env:5:3 groq-api-key
	a.env:7:3 groq-api-key
	EOF
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = none &&
	test_expect_code 1 ks_in tree scan --no-inline-allow >out 2>err &&
	test_line_count = 5 out &&
	test "$(summary_supp err)" = "0 suppressed"
'

test_expect_success '--show-suppressed: text "(suppressed: marker)", JSON "suppressed": "marker"; only marked findings: exit 0' '
	mkdir tree &&
	printf "A=%s # keysnare:allow\n" "$(newkey groq)" >tree/a.env &&
	ks_in tree scan >out 2>err &&
	test_must_be_empty out &&
	ks_in tree scan --show-suppressed >out 2>err &&
	test_grep "^a\.env:1:3: groq-api-key: gsk_[A-Za-z0-9]*\*\*\* \(suppressed: marker\)$" out &&
	test_line_count = 1 out &&
	check_no_leak out keys &&
	ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	test "$(ksjson get out.json findings.0.suppressed)" = marker &&
	test "$(ksjson get out.json stats.findings)" = 0 &&
	ks_in tree scan -f json >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	printf "B=%s\n" "$(newkey groq)" >>tree/a.env &&
	test_expect_code 1 ks_in tree scan --show-suppressed >out 2>err &&
	test_line_count = 2 out
'

test_expect_success 'a marker in another file changes nothing (same line numbers; end of one file, start of the next); in one file it applies' '
	mkdir tree &&
	printf "# keysnare:allow-next-line\nX=1 # keysnare:allow\n# keysnare:allow-next-line" >tree/a.env &&
	printf "A=%s\nB=%s\n" "$(newkey groq)" "$(newkey groq)" >tree/b.env &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "b.env:1:3 groq-api-key" "b.env:2:3 groq-api-key" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed a.env b.env >out.json 2>err &&
	sorted_findings out.json >actual &&
	test_cmp expect actual &&
	cat tree/a.env tree/b.env >tree/both.env &&
	rm tree/a.env tree/b.env &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "both.env:3:29 groq-api-key" "both.env:4:3 groq-api-key [marker]" >expect &&
	test_cmp expect actual
'

test_expect_success 'a multi-line private key: allow-next-line above BEGIN (LF or CRLF) and a marker on its END line suppress it' '
	mkdir tree &&
	{ echo "# keysnare:allow-next-line" && newkey private-key; } >tree/above.pem &&
	{ echo "# keysnare:allow-next-line" && newkey private-key | sed "s/\$/\r/"; } >tree/crlf.pem &&
	newkey private-key | sed "\$s/\$/  # keysnare:allow/" >tree/end.pem &&
	{ echo "# keysnare:allow-next-line" && echo && newkey private-key; } >tree/gap.pem &&
	{ newkey private-key && echo "# keysnare:allow"; } >tree/after.pem &&
	newkey private-key >tree/plain.pem &&
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	above.pem:2:1 private-key [marker]
	after.pem:1:1 private-key
	crlf.pem:2:1 private-key [marker]
	end.pem:1:1 private-key [marker]
	gap.pem:3:1 private-key
	plain.pem:1:1 private-key
	EOF
	test_cmp expect actual
'

test_expect_success 'standard input: markers work for keysnare scan -' '
	{
		printf "A=%s # keysnare:allow\n" "$(newkey groq)" &&
		printf "B=%s\n" "$(newkey groq)"
	} >in.env &&
	test_expect_code 1 keysnare scan -f json --show-suppressed - <in.env >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "<stdin>:1:3 groq-api-key [marker]" "<stdin>:2:3 groq-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'a file over 8 MiB: keysnare:allow far before a key on one long line, allow-next-line above a long line' '
	mkdir tree &&
	"$PYTHON" - "$(newkey groq)" "$(newkey groq)" "$(newkey groq)" <<-\EOF &&
	import sys
	k1, k2, k3 = sys.argv[1:4]
	fill = "var a=1;" * (9 * 1024 * 1024 // 8)
	with open("tree/one.js", "w") as f:
	    f.write("/* keysnare:allow */ " + fill + " K=\"" + k1 + "\";\nB=\"" + k2 + "\";\n")
	with open("tree/two.js", "w") as f:
	    f.write("// keysnare:allow-next-line\n" + fill + " K=\"" + k3 + "\";\n")
	EOF
	test_expect_code 1 ks_in tree scan -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	one.js:1:9437210 groq-api-key [marker]
	one.js:2:4 groq-api-key
	two.js:2:9437189 groq-api-key [marker]
	EOF
	test_cmp expect actual
'

# ---- staged ---------------------------------------------------------------------

test_expect_success 'staged: a marked key is not reported, an unmarked one is; --no-inline-allow reports both' '
	new_repo repo &&
	echo hi >repo/README &&
	commit_all repo init &&
	printf "A=%s # keysnare:allow\n# keysnare:allow-next-line\nB=%s\nC=%s\n" \
		"$(newkey groq)" "$(newkey groq)" "$(newkey groq)" >repo/a.env &&
	git -C repo add a.env &&
	test_expect_code 1 staged_in repo -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	a.env:1:3 groq-api-key [marker]
	a.env:3:3 groq-api-key [marker]
	a.env:4:3 groq-api-key
	EOF
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "marker 2" &&
	test_expect_code 1 staged_in repo -f json --no-inline-allow >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 3 &&
	test "$(supp_counts out.json)" = none
'

test_expect_success 'staged: a marker on an unchanged line covers an added key; adding a marker to a key'\''s line is not a new finding' '
	new_repo repo &&
	k1=$(newkey groq) &&
	printf "# keysnare:allow-next-line\nX=1\nA=%s\n" "$k1" >repo/a.env &&
	commit_all repo init &&
	printf "# keysnare:allow-next-line\nB=%s\nX=1\nA=%s # keysnare:allow\n" "$(newkey groq)" "$k1" >repo/a.env &&
	git -C repo add a.env &&
	staged_in repo -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	printf "%s\n" "a.env:2:3 groq-api-key [marker]" "a.env:4:3 groq-api-key [marker]" >expect &&
	test_cmp expect actual
'

test_expect_success 'hook: a commit with a marked key goes through; an unmarked key blocks and the message explains the marker and the baseline' '
	new_repo repo &&
	install_hook repo &&
	echo hi >repo/README &&
	git -C repo add README &&
	git -C repo commit -q -m init &&
	printf "A=%s # keysnare:allow\n" "$(newkey groq)" >repo/test.env &&
	git -C repo add test.env &&
	git -C repo commit -q -m "marked test key" >commit.out 2>&1 &&
	test "$(git -C repo log --oneline | wc -l)" = 2 &&
	old=$(head_of repo) &&
	printf "# keysnare:allow-next-line\nB=%s\nC=%s\n" "$(newkey groq)" "$(newkey groq)" >>repo/test.env &&
	git -C repo add test.env &&
	test_expect_code 1 git -C repo commit -q -m leak >commit.out 2>&1 &&
	test "$(head_of repo)" = "$old" &&
	test_grep "test\.env:4:3" commit.out &&
	test_grep -v "test\.env:[13]:3" commit.out &&
	test_grep "commit blocked: 1 secret" commit.out &&
	test_grep "keysnare:allow" commit.out &&
	test_grep "keysnare:allow-next-line" commit.out &&
	test_grep "baseline" commit.out &&
	check_no_leak commit.out keys &&
	sed -i "4s/\$/ # keysnare:allow/" repo/test.env &&
	git -C repo add test.env &&
	git -C repo commit -q -m "all marked" >commit.out 2>&1 &&
	test "$(head_of repo)" != "$old"
'

# ---- history --------------------------------------------------------------------

test_expect_success 'history: marked keys are suppressed (marker), unmarked ones reported; --no-inline-allow reports all' '
	new_repo repo &&
	printf "A=%s # keysnare:allow\n" "$(newkey groq)" >repo/a.env &&
	commit_all repo c1 &&
	printf "# pragma: allowlist nextline secret\nB=%s\n" "$(newkey groq)" >repo/b.env &&
	printf "C=%s\n" "$(newkey groq)" >repo/c.env &&
	commit_all repo c2 &&
	test_expect_code 1 ks_in repo history -f json --show-suppressed >out.json 2>err &&
	sorted_findings out.json >actual &&
	sort >expect <<-\EOF &&
	a.env:1:3 groq-api-key [marker]
	b.env:2:3 groq-api-key [marker]
	c.env:1:3 groq-api-key
	EOF
	test_cmp expect actual &&
	test "$(supp_counts out.json)" = "marker 2" &&
	test_expect_code 1 ks_in repo history -f json --no-inline-allow >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 3 &&
	git -C repo rm -q c.env &&
	git -C repo commit -q -m c3 &&
	test_expect_code 1 ks_in repo history >out 2>err &&
	test_line_count = 1 out &&
	test_grep "^c\.env:1:3: " out &&
	test "$(summary_supp err)" = "2 suppressed (marker 2)"
'

test_expect_success 'history: markers in commit messages work like lines of a file' '
	new_repo repo &&
	echo a >repo/a.txt &&
	git -C repo add a.txt &&
	git -C repo commit -q -m "rotate: old token $(newkey github-pat) keysnare:allow" &&
	echo b >repo/b.txt &&
	git -C repo add b.txt &&
	git -C repo commit -q -m "second${LF}${LF}token $(newkey github-pat)" &&
	test_expect_code 1 ks_in repo history -f json --show-suppressed >out.json 2>err &&
	supp_findings out.json | sed "s/:[0-9a-f]\{40\}:/:C:/" | sort >actual &&
	printf "%s\n" "commit-message:C:1:19 github-pat [marker]" "commit-message:C:3:7 github-pat" >expect &&
	test_cmp expect actual
'

test_done
