#!/usr/bin/env bash
test_description='-o FILE: atomic write, no temp files left, failures leave the old file'
. "$(dirname "$0")/lib.sh"

SCHEMA=$SRC_DIR/ci/keysnare-report.schema.json

make_src() {
	mkdir src &&
	printf "OPENROUTER_API_KEY=%s\n" "$(genkey openrouter)" >src/a.env
}

# no_temp_files DIR: nothing but the expected names in DIR
no_temp_files() {
	ls -A "$1" >listing &&
	! grep -i "tmp" listing
}

test_expect_success '-o FILE holds the report; stdout stays empty' '
	make_src &&
	mkdir out &&
	test_expect_code 1 keysnare scan -f json -o out/report.json src >stdout 2>err &&
	test_must_be_empty stdout &&
	ksjson validate "$SCHEMA" out/report.json &&
	ksjson findings out/report.json >actual &&
	echo "src/a.env:1:20 openrouter-api-key" >expect &&
	test_cmp expect actual &&
	ls -A out >listing &&
	echo report.json >expect &&
	test_cmp expect listing
'

test_expect_success '--output works for text and jsonl, and for a clean scan' '
	make_src &&
	test_expect_code 1 keysnare scan --output r.txt src 2>err &&
	test_grep "^src/a.env:1:20: openrouter-api-key: sk-or-v1-" r.txt &&
	test_expect_code 1 keysnare scan -f jsonl --output r.jsonl src 2>err &&
	test_line_count = 1 r.jsonl &&
	ksjson validate-jsonl "$SCHEMA" r.jsonl &&
	mkdir clean && echo hello >clean/x &&
	keysnare scan -f json -o c.json clean 2>err &&
	test "$(ksjson get c.json findings.#)" = 0 &&
	keysnare scan -o c.txt clean 2>err &&
	test_must_be_empty c.txt &&
	no_temp_files .
'

test_expect_success 'the report file is the same as what stdout gets' '
	make_src &&
	test_expect_code 1 keysnare scan -f json src >stdout.json 2>err &&
	test_expect_code 1 keysnare scan -f json -o file.json src 2>err &&
	test_cmp stdout.json file.json
'

test_expect_success 'an existing report is replaced by rename (new inode), not rewritten in place' '
	make_src &&
	echo old >report.json &&
	ln report.json hardlink &&
	test_expect_code 1 keysnare scan -f json -o report.json src 2>err &&
	echo old >expect &&
	test_cmp expect hardlink &&
	ksjson validate "$SCHEMA" report.json &&
	no_temp_files .
'

test_expect_success 'target directory not writable: old file untouched, non-zero exit, no temp file' '
	unpriv_setup_ok &&
	make_src &&
	mkdir ro &&
	echo "old report" >ro/report.json &&
	chmod 755 ro && chmod 644 ro/report.json &&
	chmod -R a+rX src &&
	ino=$(stat -c %i ro/report.json) &&
	test_expect_code_in "2 3" as_unpriv "$KEYSNARE" scan -f json -o ro/report.json src >stdout 2>err &&
	echo "old report" >expect &&
	test_cmp expect ro/report.json &&
	test "$(stat -c %i ro/report.json)" = "$ino" &&
	test_grep "ro/report.json" err &&
	no_temp_files ro
'

test_expect_success 'target directory missing: non-zero exit, message' '
	make_src &&
	test_expect_code_in "2 3" keysnare scan -o nodir/report.json src >stdout 2>err &&
	test_grep "nodir/report.json" err &&
	test_path_is_missing nodir
'

test_expect_success 'target is a directory: non-zero exit, the directory untouched, no temp file' '
	make_src &&
	mkdir target &&
	! keysnare scan -f json -o target src >stdout 2>err &&
	test_grep "target" err &&
	test -z "$(ls -A target)" &&
	no_temp_files .
'

test_expect_success 'a full disk (/dev/full) as stdout is reported, never exit 0' '
	echo clean >c.txt &&
	test_expect_code_in "2 3" keysnare scan -f json c.txt >/dev/full 2>err &&
	test_grep "cannot write|No space" err &&
	make_src &&
	test_expect_code 1 keysnare scan -f json src >/dev/full 2>err &&
	test_grep "cannot write|No space" err
'

test_expect_success 'a closed pipe (EPIPE) is reported, not a silent death' '
	mkdir big &&
	genkey groq 400 | sed "s/^/GROQ_API_KEY=/" >big/many.env &&
	{ keysnare scan -f jsonl big 2>err; echo $? >rc; } | head -c 1 >/dev/null &&
	test "$(cat rc)" = 1 &&
	test_grep "cannot write|Broken pipe" err
'

test_expect_success 'the report file honours the umask (it may hold --no-redact secrets)' '
	make_src &&
	(umask 077 && test_expect_code 1 keysnare scan --no-redact -f json -o secret.json src 2>err) &&
	test "$(stat -c %a secret.json)" = 600 &&
	(umask 022 && test_expect_code 1 keysnare scan -f json -o public.json src 2>err) &&
	test "$(stat -c %a public.json)" = 644
'

test_expect_success '-o naming a FIFO writes into it and leaves it a FIFO (never renamed over)' '
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >a.env &&
	mkfifo pipe &&
	{ cat pipe >got & } &&
	test_expect_code 1 keysnare scan -f json -o pipe a.env 2>err &&
	wait &&
	test -p pipe &&
	test "$(ksjson get got findings.#)" = 1 &&
	ls -a >listing &&
	test_grep -v "tmp-" listing
'

test_expect_success '-o naming a device that fails writes (/dev/full) is an error, the device stays a device' '
	printf "GROQ_API_KEY=%s\n" "$(genkey groq)" >a.env &&
	test_expect_code_in "1 2" keysnare scan -f json -o /dev/full a.env 2>err &&
	test -c /dev/full &&
	test_grep "/dev/full" err
'

test_done
