#!/bin/bash
# bench/accuracy.sh - measured accuracy (issue 9): precision, recall and F1 of
# keysnare on the labelled corpus of tests/corpus/gen.py, overall, per family
# group and per provider, with the misses and false positives listed
# (redacted: first 6 characters + ***) so that rule writers can act.
#
# usage: bench/accuracy.sh [KEYSNARE] [--seed N] [--scale K] [--check] [--keep DIR] [--max-list N]
#
#   KEYSNARE   binary to measure (default: $KEYSNARE, else build/keysnare)
#   --seed N   corpus seed (default: gen.py's fixed seed, 20261127)
#   --scale K  K copies of the corpus with fresh keys (default 1)
#   --check    exit 1 unless recall >= 0.97, precision >= 0.99 and every
#              AI/LLM key was found (otherwise always exit 0 once measured)
#   --keep DIR write the corpus, truth.json and findings.json to DIR (kept)
#   --max-list N  list at most N misses and N false positives (default 60)
#
# The corpus is generated at run time into a temporary directory and removed:
# it is full of key-shaped strings and must never be committed.
# Matching rules: tests/corpus/README.md.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
KS=${KEYSNARE:-$ROOT/build/keysnare}
SEED= SCALE=1 CHECK= KEEP= MAXLIST=60

while [ $# -gt 0 ]; do
    case $1 in
        --seed) SEED=$2; shift ;;
        --seed=*) SEED=${1#*=} ;;
        --scale) SCALE=$2; shift ;;
        --scale=*) SCALE=${1#*=} ;;
        --check) CHECK=--check ;;
        --keep) KEEP=$2; shift ;;
        --max-list) MAXLIST=$2; shift ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "accuracy.sh: unknown option $1" >&2; exit 2 ;;
        *) KS=$1 ;;
    esac
    shift
done
case $KS in /*) ;; *) KS=$(pwd)/$KS ;; esac
[ -x "$KS" ] || { echo "accuracy.sh: $KS not found (build it first: make)" >&2; exit 2; }

if [ -n "$KEEP" ]; then
    rm -rf "$KEEP"
    mkdir -p "$KEEP"
    DIR=$(cd "$KEEP" && pwd)
else
    DIR=$(mktemp -d /tmp/keysnare-accuracy.XXXXXX)
    trap 'rm -rf "$DIR"' EXIT
fi

"$PY" "$ROOT/tests/corpus/gen.py" ${SEED:+--seed "$SEED"} --scale "$SCALE" --out "$DIR"
rc=0
# paths in the report are relative to the tree, as in truth.json
(cd "$DIR/tree" && "$KS" scan -q --no-config -f json --no-redact -o "$DIR/findings.json" .) || rc=$?
if [ "$rc" -gt 1 ]; then
    echo "accuracy.sh: keysnare exited $rc (incomplete scan or error); scoring what it reported" >&2
fi
[ -s "$DIR/findings.json" ] || { echo "accuracy.sh: keysnare wrote no report" >&2; exit 2; }
echo "keysnare: $("$KS" version 2>&1 | head -1) ($KS)"
"$PY" "$ROOT/tests/corpus/score.py" score "$DIR/truth.json" "$DIR/findings.json" --max-list "$MAXLIST" $CHECK
