#!/usr/bin/env bash
test_description='symlinks (loops, outside the root), FIFOs and sockets'
. "$(dirname "$0")/lib.sh"

# make_tree: tree/ with a key, a file link, a dir link, a loop to the parent,
# a link to / and a link to a key outside the tree
make_tree() {
	mkdir -p tree/sub outside &&
	printf "HF_TOKEN=%s\n" "$(genkey huggingface)" >tree/sub/real.env &&
	printf "HF_TOKEN=%s\n" "$(genkey huggingface)" >outside/secret.env &&
	ln -s sub/real.env tree/alias.env &&
	ln -s sub tree/subdir &&
	ln -s .. tree/sub/up &&
	ln -s / tree/root &&
	ln -s ../outside/secret.env tree/stolen.env &&
	ln -s ../outside tree/outdir
}

test_expect_success 'symlinks are not followed by default and are listed as symlink' '
	make_tree &&
	test_expect_code 1 timeout 10 "$KEYSNARE" scan -f json tree >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "tree/sub/real.env:1:10 huggingface-token" >expect &&
	test_cmp expect actual &&
	ksjson skipped out.json >actual &&
	cat >expect <<-\EOF &&
	symlink tree/alias.env
	symlink tree/outdir
	symlink tree/root
	symlink tree/stolen.env
	symlink tree/sub/up
	symlink tree/subdir
	EOF
	test_cmp expect actual
'

test_expect_success '--follow-symlinks: a loop to the parent terminates; keys inside the root found, none outside' '
	make_tree &&
	test_expect_code 1 timeout 10 "$KEYSNARE" scan --follow-symlinks -f json tree >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_grep "^tree/sub/real.env:1:10 huggingface-token$" actual &&
	test_grep -v "stolen|outdir|outside" actual &&
	ksjson skipped out.json >skipped &&
	test_grep "^symlink-loop " skipped &&
	test_grep "^outside-root tree/root$" skipped &&
	test_grep "^outside-root tree/stolen.env$" skipped &&
	test_grep "^outside-root tree/outdir$" skipped
'

test_expect_success '--follow-symlinks: a directory reached twice is scanned once' '
	make_tree &&
	rm tree/alias.env tree/root tree/stolen.env tree/outdir &&
	test_expect_code 1 timeout 10 "$KEYSNARE" scan --follow-symlinks -f json tree >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_line_count = 1 actual
'

test_expect_success '--follow-symlinks: a self-loop and a two-link cycle terminate' '
	mkdir -p t/a t/b &&
	ln -s self t/self &&
	ln -s ../b t/a/to-b &&
	ln -s ../a t/b/to-a &&
	printf "HF_TOKEN=%s\n" "$(genkey huggingface)" >t/a/k.env &&
	test_expect_code 1 timeout 10 "$KEYSNARE" scan --follow-symlinks -f json t >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "t/a/k.env:1:10 huggingface-token" >expect &&
	test_cmp expect actual
'

test_expect_success 'a deep chain of directory links back to the root terminates' '
	mkdir -p t/d1/d2/d3/d4 &&
	ln -s ../../../.. t/d1/d2/d3/d4/back &&
	ln -s ../d1 t/d1/d2/again &&
	printf "HF_TOKEN=%s\n" "$(genkey huggingface)" >t/d1/d2/d3/k.env &&
	test_expect_code 1 timeout 10 "$KEYSNARE" scan --follow-symlinks -f json t >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "t/d1/d2/d3/k.env:1:10 huggingface-token" >expect &&
	test_cmp expect actual
'

test_expect_success 'a dangling symlink is listed, not an error' '
	mkdir t &&
	ln -s nowhere t/dangling.env &&
	echo clean >t/ok.txt &&
	test_expect_code_in "0 2" keysnare scan -f json t >out.json 2>err &&
	test "$(ksjson get out.json stats.errors.#)" = 0 &&
	ksjson skipped out.json >actual &&
	echo "symlink t/dangling.env" >expect &&
	test_cmp expect actual &&
	test_expect_code_in "0 2" keysnare scan --follow-symlinks -f json t >out.json 2>err &&
	test "$(ksjson get out.json stats.skipped.#)" = 1
'

test_expect_success 'a symlink named on the command line is followed' '
	printf "HF_TOKEN=%s\n" "$(genkey huggingface)" >real.env &&
	ln -s real.env link.env &&
	test_expect_code 1 keysnare scan -f json link.env >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "link.env:1:10 huggingface-token" >expect &&
	test_cmp expect actual
'

test_expect_success 'a FIFO in the tree does not block and is listed as not-regular' '
	mkdir t &&
	mkfifo t/app.env &&
	printf "HF_TOKEN=%s\n" "$(genkey huggingface)" >t/z.env &&
	test_expect_code 1 timeout 10 "$KEYSNARE" scan -f json t >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "t/z.env:1:10 huggingface-token" >expect &&
	test_cmp expect actual &&
	ksjson skipped out.json >actual &&
	echo "not-regular t/app.env" >expect &&
	test_cmp expect actual
'

test_expect_success 'a FIFO reached through a followed symlink, or named, does not block' '
	mkdir t &&
	mkfifo t/pipe &&
	ln -s pipe t/app.env &&
	test_expect_code_in "0 2" timeout 10 "$KEYSNARE" scan --follow-symlinks -f json t >out.json 2>err &&
	ksjson skipped out.json >actual &&
	printf "not-regular t/app.env\nnot-regular t/pipe\n" >expect &&
	test_cmp expect actual &&
	test_expect_code_in "0 2" timeout 10 "$KEYSNARE" scan -f json t/pipe >out.json 2>err &&
	ksjson skipped out.json >actual &&
	echo "not-regular t/pipe" >expect &&
	test_cmp expect actual
'

test_expect_success 'a unix socket and a link to /dev/zero are listed, not read' '
	mkdir t &&
	"$PYTHON" -c "import socket; socket.socket(socket.AF_UNIX).bind(\"t/agent.sock\")" &&
	ln -s /dev/zero t/zero.env &&
	test_expect_code_in "0 2" timeout 10 "$KEYSNARE" scan -f json t >out.json 2>err &&
	ksjson skipped out.json >actual &&
	printf "not-regular t/agent.sock\nsymlink t/zero.env\n" >expect &&
	test_cmp expect actual &&
	test_expect_code_in "0 2" timeout 10 "$KEYSNARE" scan --follow-symlinks -f json t >out.json 2>err &&
	ksjson skipped out.json >actual &&
	printf "not-regular t/agent.sock\noutside-root t/zero.env\n" >expect &&
	test_cmp expect actual
'

test_done
