#!/usr/bin/env bash
test_description='unreadable files and directories (run unprivileged: root reads everything)'
. "$(dirname "$0")/lib.sh"

# make_tree: t/ world-readable, with t/locked.env unreadable by uid 65534
make_tree() {
	unpriv_setup_ok &&
	mkdir -p t/sub &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >t/locked.env &&
	echo "clean" >t/a.txt &&
	echo "clean" >t/sub/b.txt &&
	chmod 755 t t/sub &&
	chmod 644 t/a.txt t/sub/b.txt &&
	chmod 000 t/locked.env
}

test_expect_success 'unreadable file: exit 2, one stderr line naming it, others scanned' '
	make_tree &&
	test_expect_code 2 as_unpriv "$KEYSNARE" scan -q t >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "t/locked.env" err &&
	test_grep "[Pp]ermission denied" err &&
	test_expect_code 2 as_unpriv "$KEYSNARE" scan -f json t >out.json 2>err &&
	test "$(ksjson get out.json incomplete)" = true &&
	test "$(ksjson get out.json stats.files_scanned)" = 2 &&
	ksjson errors out.json >actual &&
	test_line_count = 1 actual &&
	test_grep "^t/locked.env: " actual
'

test_expect_success 'unreadable file next to a key: exit 1, the key reported, the error listed' '
	make_tree &&
	printf "HF_TOKEN=%s\n" "$(genkey huggingface)" >t/sub/c.env &&
	chmod 644 t/sub/c.env &&
	test_expect_code 1 as_unpriv "$KEYSNARE" scan -f json t >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "t/sub/c.env:1:10 huggingface-token" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json incomplete)" = true &&
	test_grep "t/locked.env" err
'

test_expect_success 'the summary says INCOMPLETE' '
	make_tree &&
	test_expect_code 2 as_unpriv "$KEYSNARE" scan t >out 2>err &&
	test_grep "1 error.*INCOMPLETE" err
'

test_expect_success 'unreadable directory: exit 2, named on stderr, siblings scanned' '
	unpriv_setup_ok &&
	mkdir -p t/private t/public &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >t/private/k.env &&
	echo clean >t/public/a.txt &&
	chmod 755 t t/public && chmod 644 t/public/a.txt &&
	chmod 000 t/private &&
	test_expect_code 2 as_unpriv "$KEYSNARE" scan -q -f json t >out.json 2>err &&
	test_line_count = 1 err &&
	test_grep "t/private" err &&
	test "$(ksjson get out.json stats.files_scanned)" = 1 &&
	ksjson errors out.json >actual &&
	test_grep "^t/private: " actual
'

test_expect_success 'readable but not searchable directory: entries reported as errors, exit 2' '
	unpriv_setup_ok &&
	mkdir -p t/noexec &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >t/noexec/k.env &&
	echo clean >t/a.txt &&
	chmod 755 t && chmod 644 t/a.txt t/noexec/k.env &&
	chmod 744 t/noexec &&
	test_expect_code 2 as_unpriv "$KEYSNARE" scan -f json t >out.json 2>err &&
	test "$(ksjson get out.json incomplete)" = true &&
	ksjson errors out.json >actual &&
	test_grep "t/noexec" actual &&
	test "$(ksjson get out.json stats.files_scanned)" = 1
'

test_expect_success 'an unreadable root named on the command line' '
	make_tree &&
	test_expect_code 2 as_unpriv "$KEYSNARE" scan -q t/locked.env >out 2>err &&
	test_line_count = 1 err &&
	test_grep "t/locked.env" err
'

test_expect_success 'the error line escapes a newline in the path (one line)' '
	unpriv_setup_ok &&
	mkdir t &&
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >"t/two${LF}lines.env" &&
	chmod 755 t &&
	chmod 000 t/two* &&
	test_expect_code 2 as_unpriv "$KEYSNARE" scan -q t >out 2>err &&
	test_line_count = 1 err &&
	test_grep "two.{1,4}lines.env" err
'

test_done
