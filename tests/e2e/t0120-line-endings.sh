#!/usr/bin/env bash
test_description='CRLF, lone CR and no final newline give the LF line/column'
. "$(dirname "$0")/lib.sh"

# make_lf FILE: an LF file with keys on several lines, a PEM block, and a
# key on the last line; no final newline.
make_lf() {
	{
		printf "# service configuration\n" &&
		printf "DEEPSEEK_API_KEY=%s\n" "$(genkey deepseek)" &&
		printf "\n\tGITHUB_TOKEN=%s  # rotate monthly\n" "$(genkey github-pat)" &&
		printf "tls_key: |\n" &&
		genkey private-key &&
		printf "slack = \"%s\"\n\n" "$(genkey slack-webhook)" &&
		printf "aws_access_key_id = %s" "$(genkey aws-key-id)"
	} >"$1"
}

to_crlf() { sed "s/\$/\r/" "$1"; }
to_cr() { tr "\n" "\r" <"$1"; }

spans() {
	test_expect_code 1 keysnare scan -f json "$1" >"$1.json" 2>/dev/null &&
	ksjson spans "$1.json"
}

test_expect_success 'LF: expected lines and columns, key on the last line without newline' '
	make_lf lf.txt &&
	spans lf.txt >actual &&
	n=$(wc -l <lf.txt) &&
	last=$((n + 1)) &&
	pem_end=$((n - 2)) &&
	cat >expect <<-EOF &&
	2:18-2:53 deepseek-api-key
	4:15-4:55 github-pat
	6:1-$pem_end:$(sed -n "${pem_end}p" lf.txt | wc -c) private-key
	$((pem_end + 1)):10-$((pem_end + 1)):$(( $(sed -n "$((pem_end + 1))p" lf.txt | wc -c) - 1 )) slack-webhook-url
	$last:21-$last:41 aws-access-key-id
	EOF
	test_cmp expect actual
'

test_expect_success 'LF with a final newline: the same' '
	make_lf nonl.txt &&
	{ cat nonl.txt && echo; } >lf.txt &&
	spans nonl.txt >expect &&
	spans lf.txt >actual &&
	test_cmp expect actual
'

test_expect_success 'CRLF (with and without a final CRLF): the same' '
	make_lf lf.txt &&
	spans lf.txt >expect &&
	to_crlf lf.txt >crlf.txt &&
	test_grep -c "$(printf "\r")" crlf.txt &&
	spans crlf.txt >actual &&
	test_cmp expect actual &&
	{ cat crlf.txt && printf "\r\n"; } >crlf2.txt &&
	spans crlf2.txt >actual &&
	test_cmp expect actual
'

test_expect_success 'lone CR (old Mac) line ends: the same' '
	make_lf lf.txt &&
	spans lf.txt >expect &&
	to_cr lf.txt >cr.txt &&
	test "$(wc -l <cr.txt)" = 0 &&
	spans cr.txt >actual &&
	test_cmp expect actual
'

test_expect_success 'mixed LF, CRLF and CR line ends in one file' '
	k1=$(genkey groq) && k2=$(genkey huggingface) && k3=$(genkey npm) &&
	printf "a\r\nGROQ_API_KEY=%s\rb\nHF_TOKEN=%s\r\n\r\r\n\nnpm_token=%s" "$k1" "$k2" "$k3" >mixed.txt &&
	spans mixed.txt >actual &&
	cat >expect <<-\EOF &&
	2:14-2:70 groq-api-key
	4:10-4:47 huggingface-token
	8:11-8:51 npm-access-token
	EOF
	test_cmp expect actual
'

test_expect_success 'a file that is only the key, without newline, with CRLF, with CR' '
	k=$(genkey anthropic) &&
	printf "%s" "$k" >a && printf "%s\r\n" "$k" >b && printf "%s\r" "$k" >c &&
	for f in a b c
	do
		spans $f >$f.out || return 1
	done &&
	echo "1:1-1:109 anthropic-api-key" >expect &&
	test_cmp expect a.out &&
	test_cmp expect b.out &&
	test_cmp expect c.out
'

test_expect_success 'CRLF snippets carry no CR' '
	make_lf lf.txt &&
	to_crlf lf.txt >crlf.txt &&
	test_expect_code 1 keysnare scan -f jsonl crlf.txt >out.jsonl 2>err &&
	! grep -F "\\r" out.jsonl
'

test_done
