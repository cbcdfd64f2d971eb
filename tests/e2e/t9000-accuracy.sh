#!/usr/bin/env bash
test_description='measured accuracy (issue 9): recall, precision and LLM recall on the labelled corpus'
. "$(dirname "$0")/lib.sh"

# tests/corpus/gen.py writes the corpus with its fixed seed; bench/accuracy.sh
# scans and scores it (tests/corpus/score.py). The corpus is generated here,
# in the trash directory, never committed.

test_expect_success 'the corpus has every family of the issue and more negatives than positives' '
	"$PYTHON" "$SRC_DIR/tests/corpus/gen.py" --out corpus 2>gen.err &&
	"$PYTHON" "$SRC_DIR/tests/corpus/score.py" coverage corpus/truth.json >cov &&
	cat cov >&4 &&
	test_grep ": ok$" cov
'

test_expect_success 'the generator is deterministic for a seed' '
	"$PYTHON" "$SRC_DIR/tests/corpus/gen.py" --seed 7 --out a 2>/dev/null &&
	"$PYTHON" "$SRC_DIR/tests/corpus/gen.py" --seed 7 --out b 2>/dev/null &&
	diff -r a b >&4
'

test_expect_success 'recall >= 0.97, precision >= 0.99, every AI/LLM key found' '
	{ "$SRC_DIR/bench/accuracy.sh" "$KEYSNARE" --check --max-list 40 >report 2>&1; echo $? >rc; } &&
	cat report >&4 &&
	test "$(cat rc)" = 0
'

test_done
