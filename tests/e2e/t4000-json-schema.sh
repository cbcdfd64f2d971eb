#!/usr/bin/env bash
test_description='JSON report: schema (ci/keysnare-report.schema.json), jsonl, determinism'
. "$(dirname "$0")/lib.sh"

SCHEMA=$SRC_DIR/ci/keysnare-report.schema.json

# make_mixed: tree/ with findings, skipped entries of several kinds, odd names
make_mixed() {
	"$PYTHON" "$E2E_DIR/mktree.py" tree expect keys &&
	printf "\0bin GROQ_API_KEY=%s\n" "$(genkey groq)" >tree/blob.bin &&
	ln -s .env tree/link.env &&
	mkfifo tree/pipe &&
	printf "GITLAB_TOKEN=%s\n" "$(genkey gitlab)" >"tree/odd$(printf "\377")name${LF}x.env" &&
	printf "pre \377\376 GROQ_API_KEY=%s \300\200\n" "$(genkey groq)" >tree/badutf8.txt
}

test_expect_success 'jsonschema is available (make deps installs python3-jsonschema)' '
	"$PYTHON" -c "import jsonschema" &&
	ksjson validate "$SCHEMA" /dev/stdin <<-\EOF
	{"tool": {"name": "keysnare", "version": "0.1.0"}, "schema_version": 1,
	 "incomplete": false, "redacted": true, "findings": [],
	 "stats": {"files_scanned": 0, "bytes_scanned": 0, "findings": 0,
	  "skipped_by_reason": {"size": 0, "binary": 0, "ignored": 0, "symlink": 0,
	   "not-regular": 0, "outside-root": 0, "symlink-loop": 0, "gitlink": 0,
	   "excluded": 0},
	  "dropped_by_reason": {"entropy": 0, "placeholder": 0, "no-context": 0, "overlap": 0,
	   "hash": 0, "lockfile": 0, "lfs-pointer": 0, "words": 0},
	  "suppressed": 0,
	  "suppressed_by_reason": {"marker": 0, "path": 0, "regex": 0, "stopword": 0,
	   "commit": 0, "baseline": 0, "rule": 0},
	  "skipped": [], "errors": []}}
	EOF
'

test_expect_success 'the report of a tree with findings, skips and odd names validates' '
	make_mixed &&
	test_expect_code 1 timeout 20 "$KEYSNARE" scan -f json tree >out.json 2>err &&
	iconv -f UTF-8 -t UTF-8 out.json >/dev/null &&
	ksjson validate "$SCHEMA" out.json &&
	test "$(ksjson get out.json stats.skipped.#)" -ge 3 &&
	test "$(ksjson get out.json findings.#)" -ge 25
'

test_expect_success 'the --no-redact report validates (redacted false)' '
	make_mixed &&
	test_expect_code 1 timeout 20 "$KEYSNARE" scan --no-redact -f json tree >out.json 2>err &&
	ksjson validate "$SCHEMA" out.json &&
	test "$(ksjson get out.json redacted)" = false
'

test_expect_success 'a clean report and an incomplete report validate' '
	echo clean >a.txt &&
	keysnare scan -f json a.txt >clean.json 2>err &&
	ksjson validate "$SCHEMA" clean.json &&
	test_expect_code 2 keysnare scan -f json a.txt missing.txt >inc.json 2>err &&
	ksjson validate "$SCHEMA" inc.json &&
	test "$(ksjson get inc.json incomplete)" = true &&
	test "$(ksjson get inc.json stats.errors.#)" = 1
'

test_expect_success 'the schema is strict: it rejects mutated reports' '
	make_mixed &&
	test_expect_code 1 timeout 20 "$KEYSNARE" scan -f json tree >out.json 2>err &&
	ksjson strict "$SCHEMA" out.json
'

test_expect_success 'every jsonl line validates against $defs/finding' '
	make_mixed &&
	test_expect_code 1 timeout 20 "$KEYSNARE" scan -f jsonl tree >out.jsonl 2>err &&
	iconv -f UTF-8 -t UTF-8 out.jsonl >/dev/null &&
	ksjson validate-jsonl "$SCHEMA" out.jsonl &&
	test_expect_code 1 timeout 20 "$KEYSNARE" scan --no-redact -f jsonl tree >out2.jsonl 2>err &&
	ksjson validate-jsonl "$SCHEMA" out2.jsonl
'

test_expect_success 'jsonl has the same findings as json' '
	make_mixed &&
	test_expect_code 1 "$KEYSNARE" scan -f json tree >out.json 2>err &&
	test_expect_code 1 "$KEYSNARE" scan -f jsonl tree >out.jsonl 2>err &&
	ksjson findings out.json | sort >a &&
	ksjson findings-jsonl out.jsonl | sort >b &&
	test_cmp a b
'

test_expect_success 'stats agree with the findings and the files' '
	"$PYTHON" "$E2E_DIR/mktree.py" tree expect keys &&
	test_expect_code 1 keysnare scan -f json tree >out.json 2>err &&
	test "$(ksjson get out.json stats.findings)" = "$(ksjson get out.json findings.#)" &&
	test "$(ksjson get out.json stats.files_scanned)" = "$(find tree -type f | wc -l)" &&
	test "$(ksjson get out.json stats.bytes_scanned)" = "$(find tree -type f -exec cat {} + | wc -c)"
'

test_expect_success 'two runs on the same tree give byte-identical JSON, jsonl and text' '
	make_mixed &&
	for i in 1 2
	do
		test_expect_code 1 "$KEYSNARE" scan -f json tree >run$i.json 2>/dev/null &&
		test_expect_code 1 "$KEYSNARE" scan -f jsonl tree >run$i.jsonl 2>/dev/null &&
		test_expect_code 1 "$KEYSNARE" scan tree >run$i.txt 2>/dev/null || return 1
	done &&
	cmp run1.json run2.json &&
	cmp run1.jsonl run2.jsonl &&
	cmp run1.txt run2.txt
'

test_expect_success 'the report does not depend on the order files were created in' '
	"$PYTHON" "$E2E_DIR/mktree.py" a expect keys &&
	mkdir b &&
	(cd a && find . -type f | sort -r) >order &&
	while read -r f
	do
		mkdir -p "b/$(dirname "$f")" && cp -p "a/$f" "b/$f" || return 1
	done <order &&
	(cd a && test_expect_code 1 keysnare scan -f json . >../a.json 2>/dev/null) &&
	(cd b && test_expect_code 1 keysnare scan -f json . >../b.json 2>/dev/null) &&
	cmp a.json b.json
'

test_expect_success 'JSON output has no timestamps or durations' '
	"$PYTHON" "$E2E_DIR/mktree.py" tree expect keys &&
	test_expect_code 1 keysnare scan -f json tree >out.json 2>err &&
	# a JWT'"'"'s own expiry (jwt_expires) comes from the content, not the scan
	grep -v "\"jwt_expires\":" out.json >scan.json &&
	test_grep -v -i "\"[a-z_]*(time|duration|elapsed|date|_at)[a-z_]*\"[[:space:]]*:" scan.json &&
	test_grep -v "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:" scan.json
'

test_done
