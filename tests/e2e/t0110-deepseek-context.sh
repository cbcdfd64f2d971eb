#!/usr/bin/env bash
test_description='sk- + 32 hex: DeepSeek, DashScope or generic by context'
. "$(dirname "$0")/lib.sh"

# scan_one FILE: exactly one finding; prints "line:col rule"
scan_one() {
	test_expect_code 1 keysnare scan -f json "$1" >out.json 2>err &&
	ksjson findings out.json >found &&
	test_line_count = 1 found &&
	sed "s|^$1:||" found
}

test_expect_success 'DEEPSEEK_API_KEY names the provider: deepseek-api-key' '
	k=$(genkey deepseek) &&
	printf "# llm\nDEEPSEEK_API_KEY=%s\n" "$k" >a.env &&
	scan_one a.env >actual &&
	echo "2:18 deepseek-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'api.deepseek.com as base_url names the provider: deepseek-api-key' '
	k=$(genkey deepseek) &&
	cat >client.py <<-EOF &&
	from openai import OpenAI

	client = OpenAI(api_key="$k", base_url="https://api.deepseek.com")
	EOF
	scan_one client.py >actual &&
	echo "3:26 deepseek-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'DashScope evidence: dashscope-api-key' '
	k=$(genkey deepseek) &&
	printf "DASHSCOPE_API_KEY=%s\n" "$k" >a.env &&
	scan_one a.env >actual &&
	echo "1:19 dashscope-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'Qwen evidence (compatible-mode endpoint, qwen model): dashscope-api-key' '
	k=$(genkey deepseek) &&
	cat >qwen.py <<-EOF &&
	import openai

	client = openai.OpenAI(
	    api_key="$k",
	    base_url="https://dashscope.aliyuncs.com/compatible-mode/v1",
	)
	resp = client.chat.completions.create(model="qwen-plus", messages=[])
	EOF
	scan_one qwen.py >actual &&
	echo "4:14 dashscope-api-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'neither: llm-sk-hex32-key' '
	k=$(genkey deepseek) &&
	printf "LLM_API_KEY=%s\n" "$k" >a.env &&
	scan_one a.env >actual &&
	echo "1:13 llm-sk-hex32-key" >expect &&
	test_cmp expect actual
'

test_expect_success 'the same token gets the three rules in three files' '
	k=$(genkey deepseek) &&
	printf "DEEPSEEK_API_KEY=%s\n" "$k" >1.env &&
	printf "DASHSCOPE_API_KEY=%s\n" "$k" >2.env &&
	printf "API_KEY=%s\n" "$k" >3.env &&
	test_expect_code 1 keysnare scan -f json . >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	1.env:1:18 deepseek-api-key
	2.env:1:19 dashscope-api-key
	3.env:1:9 llm-sk-hex32-key
	EOF
	test_cmp expect actual
'

test_expect_success 'both contexts in one file: the nearest provider word wins' '
	k1=$(genkey deepseek) && k2=$(genkey deepseek) &&
	cat >both.env <<-EOF &&
	# DeepSeek
	DEEPSEEK_API_KEY=$k1



	# Alibaba Cloud Model Studio
	DASHSCOPE_API_KEY=$k2
	EOF
	test_expect_code 1 keysnare scan -f json both.env >out.json 2>err &&
	ksjson findings out.json >actual &&
	cat >expect <<-\EOF &&
	both.env:2:18 deepseek-api-key
	both.env:7:19 dashscope-api-key
	EOF
	test_cmp expect actual
'

test_expect_success 'the provider word only in a comment elsewhere in the file still counts' '
	k=$(genkey deepseek) &&
	printf "# settings for the deepseek-chat bot\n\n\nLLM_KEY=%s\n" "$k" >bot.env &&
	scan_one bot.env >actual &&
	echo "4:9 deepseek-api-key" >expect &&
	test_cmp expect actual
'

test_done
