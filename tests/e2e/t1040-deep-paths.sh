#!/usr/bin/env bash
test_description='long names, paths near and past PATH_MAX, very deep trees'
. "$(dirname "$0")/lib.sh"

# make_deep DIR DEPTH NAMELEN: DIR/n/n/.../n (DEPTH levels of NAMELEN-byte
# names) with key.env at the bottom; built with chdir so that paths longer
# than PATH_MAX can be made. Prints the bottom path's length.
make_deep() {
	"$PYTHON" - "$@" <<-\EOF
	import os, sys
	sys.path.insert(0, os.environ["E2E_DIR"])
	import keygen
	top, depth, namelen = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	os.mkdir(top)
	os.chdir(top)
	name = "d" * namelen
	for _ in range(depth):
	    os.mkdir(name)
	    os.chdir(name)
	with open("key.env", "w") as f:
	    f.write("HF_TOKEN=%s\n" % keygen.gen("huggingface"))
	print(len(top) + depth * (namelen + 1) + len("/key.env"))
	EOF
}

test_expect_success 'a 255-byte file name' '
	n=$(printf "%0250d.env" 0) &&
	echo "HF_TOKEN=$(genkey huggingface)" >"$n" &&
	test_expect_code 1 keysnare scan -f json . >out.json 2>err &&
	ksjson findings out.json >actual &&
	echo "$n:1:10 huggingface-token" >expect &&
	test_cmp expect actual
'

test_expect_success 'a path just under PATH_MAX (4000 bytes) is scanned' '
	len=$(make_deep t 15 250) &&
	test "$len" -gt 3700 && test "$len" -lt 4096 &&
	test_expect_code 1 timeout 20 "$KEYSNARE" scan -f json t >out.json 2>err &&
	test "$(ksjson get out.json findings.#)" = 1 &&
	test "$(ksjson get out.json findings.0.line)" = 1
'

test_expect_success 'a path past PATH_MAX (4096 bytes) is still scanned (RELIABILITY B5)' '
	len=$(make_deep t 17 250) &&
	test "$len" -gt 4096 &&
	test_expect_code 1 timeout 20 "$KEYSNARE" scan -f json t >out.json 2>err &&
	ksjson findings out.json >actual &&
	test_line_count = 1 actual &&
	test_grep "/key.env:1:10 huggingface-token$" actual
'

test_expect_success 'a 3000-level deep tree: no stack overflow, bounded time' '
	make_deep t 3000 1 >/dev/null &&
	test_expect_code_in "1 2" timeout 60 "$KEYSNARE" scan -f json t >out.json 2>err &&
	n=$(ksjson get out.json findings.#) &&
	e=$(ksjson get out.json stats.errors.#) &&
	test $((n + e)) -ge 1
'

test_expect_success 'a 5000-entry directory with a few keys among them' '
	mkdir t &&
	"$PYTHON" -c "
import os
for i in range(5000):
    open(\"t/f%05d.txt\" % i, \"w\").write(\"line %d\\n\" % i)
" &&
	echo "HF_TOKEN=$(genkey huggingface)" >t/f01234.txt &&
	echo "HF_TOKEN=$(genkey huggingface)" >t/f04999.txt &&
	test_expect_code 1 timeout 60 "$KEYSNARE" scan -f json t >out.json 2>err &&
	ksjson findings out.json >actual &&
	printf "t/f01234.txt:1:10 huggingface-token\nt/f04999.txt:1:10 huggingface-token\n" >expect &&
	test_cmp expect actual &&
	test "$(ksjson get out.json stats.files_scanned)" = 5000
'

test_expect_success 'a low open-file limit (ulimit -n 32) does not break the walk' '
	mkdir -p t/a/b/c/d/e/f/g/h &&
	echo "HF_TOKEN=$(genkey huggingface)" >t/a/b/c/d/e/f/g/h/k.env &&
	for i in $(seq 100); do echo clean >t/a/f$i.txt || return 1; done &&
	(ulimit -n 32 && test_expect_code 1 "$KEYSNARE" scan -f json t >out.json 2>err) &&
	ksjson findings out.json >actual &&
	echo "t/a/b/c/d/e/f/g/h/k.env:1:10 huggingface-token" >expect &&
	test_cmp expect actual
'

test_done
