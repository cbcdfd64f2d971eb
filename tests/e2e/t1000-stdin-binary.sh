#!/usr/bin/env bash
test_description='standard input, binary files, the size limit'
. "$(dirname "$0")/lib.sh"

# nul_at FILE OFFSET KEY: OFFSET filler bytes, a NUL, then a line with KEY
nul_at() {
	{ head -c "$2" /dev/zero | tr "\0" "." && printf "\0\nGITHUB_TOKEN=%s\n" "$3"; } >"$1"
}

test_expect_success 'stdin (-) with --stdin-name reports that path' '
	k=$(genkey github-pat) &&
	printf "# ci\nGITHUB_TOKEN=%s\n" "$k" >in &&
	test_expect_code 1 keysnare scan -f json --stdin-name config/.env - <in >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "config/.env:2:14 github-pat" >expect &&
	test_cmp expect actual
'

test_expect_success 'stdin without --stdin-name is <stdin>; text output' '
	k=$(genkey groq) &&
	printf "GROQ_API_KEY=%s\n" "$k" | test_expect_code 1 keysnare scan - >out 2>err &&
	test_grep "^<stdin>:1:14: groq-api-key: gsk_" out
'

test_expect_success 'clean stdin exits 0' '
	echo "hello world" | keysnare scan - >out 2>err &&
	test_must_be_empty out &&
	test_grep "1 file scanned" err
'

test_expect_success 'empty stdin exits 0' '
	keysnare scan - </dev/null >out 2>err &&
	test_must_be_empty out
'

test_expect_success 'stdin and a file in one run' '
	echo "XAI_API_KEY=$(genkey xai)" >f.env &&
	echo "PPLX=$(genkey perplexity)" |
	test_expect_code 1 keysnare scan -f json --stdin-name piped f.env - >out.json 2>err &&
	ksjson findings out.json | sort >actual &&
	printf "f.env:1:13 xai-api-key\npiped:1:6 perplexity-api-key\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'binary stdin is skipped under its name; --scan-binary finds the key' '
	k=$(genkey npm) &&
	printf "\0\nNPM_TOKEN=%s\n" "$k" >in &&
	test_expect_code_in "0 2" keysnare scan -f json --stdin-name blob.bin - <in >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	ksjson skipped out.json >actual &&
	echo "binary blob.bin" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 keysnare scan --scan-binary -f json --stdin-name blob.bin - <in >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "blob.bin:2:11 npm-access-token" >expect &&
	test_cmp expect actual
'

test_expect_success 'a file with a NUL in the first 8000 bytes is skipped and listed as binary' '
	mkdir t &&
	nul_at t/at0.bin 0 "$(genkey github-pat)" &&
	nul_at t/at7999.bin 7999 "$(genkey github-pat)" &&
	echo "nothing" >t/clean.txt &&
	test_expect_code_in "0 2" keysnare scan -f json t >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 0 &&
	test "$(ksjson get out.json stats.files_scanned)" = 1 &&
	ksjson skipped out.json >actual &&
	printf "binary t/at0.bin\nbinary t/at7999.bin\n" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json stats.skipped_by_reason.binary)" = 2
'

test_expect_success '--scan-binary scans them, with the right line and column' '
	nul_at at0.bin 0 "$(genkey github-pat)" &&
	nul_at at7999.bin 7999 "$(genkey github-pat)" &&
	test_expect_code 1 keysnare scan --scan-binary -f json . >out.json 2>err &&
	ksjson findings out.json >actual &&
	printf "at0.bin:2:14 github-pat\nat7999.bin:2:14 github-pat\n" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json stats.skipped.#)" = 0
'

test_expect_success 'a NUL at byte 8000 (0-based) or later is not binary' '
	nul_at at8000.txt 8000 "$(genkey github-pat)" &&
	test_expect_code 1 keysnare scan -f json at8000.txt >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "at8000.txt:2:14 github-pat" >expect &&
	test_cmp expect actual
'

test_expect_success 'binary skips are listed with -v on stderr' '
	printf "\0\0\0" >blob.bin &&
	test_expect_code_in "0 2" keysnare scan -v . >out 2>err &&
	test_grep "blob.bin.*binary" err
'

test_expect_success '--max-file-size: larger files are skipped and listed as size' '
	k=$(genkey sendgrid) &&
	{ printf "SENDGRID_API_KEY=%s\n" "$k" && head -c 5000 /dev/zero | tr "\0" "#"; } >big.txt &&
	printf "SENDGRID_API_KEY=%s\n" "$(genkey sendgrid)" >small.txt &&
	test_expect_code 1 keysnare scan --max-file-size 4k -f json . >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "small.txt:1:18 sendgrid-api-key" >expect &&
	test_cmp expect actual &&
	ksjson skipped out.json >actual &&
	echo "size big.txt" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 keysnare scan --max-file-size 1M -f json . >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 2
'

test_expect_success '--max-file-size applies to stdin too' '
	{ printf "SENDGRID_API_KEY=%s\n" "$(genkey sendgrid)" && head -c 5000 /dev/zero | tr "\0" "#"; } >big.txt &&
	test_expect_code_in "0 2" keysnare scan --max-file-size 4096 -f json - <big.txt >out.json 2>err &&
	ksjson skipped out.json >actual &&
	echo "size <stdin>" >expect &&
	test_cmp expect actual
'

test_done
