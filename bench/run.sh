#!/bin/bash
# bench/run.sh - benchmark keysnare against ripgrep/git references, write bench/RESULTS.md.
#
# usage: bench/run.sh [--quick] [--no-big] [DIR]       (DIR: bench/corpus)
#
#   --quick   2 runs per command instead of 5
#   --no-big  skip the 2 GiB file (T9 second half)
#
# Environment: KEYSNARE (binary, default build/keysnare), KS_BENCH_RUNS (runs).
# T10 (the pre-commit hook, `keysnare staged`) runs bench/staged.sh, which can
# also be run alone: bench/staged.sh [--quick].
# Builds the tree corpus first if needed (bench/make-corpus.sh --tree-only);
# the history references run only if DIR/history.git exists (make-corpus.sh
# without --tree-only). Raw data goes to bench/out/ (git-ignored).
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
KS=${KEYSNARE:-$ROOT/build/keysnare}

RUNS=5 quick=0 big=1 DIR=
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1; RUNS=2 ;;
        --no-big) big=0 ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
        *) DIR=$1 ;;
    esac
    shift
done
RUNS=${KS_BENCH_RUNS:-$RUNS}
DIR=${DIR:-$HERE/corpus}

for tool in hyperfine rg git; do
    command -v $tool >/dev/null || { echo "run.sh: $tool is missing (apt-get install $tool)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
[ -x "$KS" ] || { echo "run.sh: $KS not found (build it first: make)" >&2; exit 2; }

"$HERE/make-corpus.sh" --tree-only "$DIR"
DIR=$(cd "$DIR" && pwd)
TREE=$DIR/tree
HIST=
[ -e "$DIR/history.stamp" ] && [ -d "$DIR/history.git" ] && HIST=$DIR/history.git

OUT=$HERE/out
rm -rf "$OUT"
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/keysnare-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
EMPTY=$TMP/empty.txt
: > "$EMPTY"

meta() { printf '%s=%s\n' "$1" "$2" >> "$OUT/meta.txt"; }
q() { "$PY" -c 'import shlex, sys; print(shlex.join(sys.argv[1:]))' "$@"; }

meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
meta cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
meta cores "$(nproc)"
meta version "$("$KS" version 2>&1 | head -1)"
meta keysnare "$KS"
meta tree "$TREE"
meta tree_truth "$DIR/tree.truth"
meta empty "$EMPTY"
meta quick "$quick"
meta runs "$RUNS (alternating rounds; first round with 1 warm-up run per command)"
read -r files bytes < <("$PY" -c '
import os, sys
n = b = 0
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        n += 1; b += os.path.getsize(os.path.join(d, f))
print(n, b)' "$TREE")
meta corpus "$((bytes / 1000000)) MB ($((bytes >> 20)) MiB), $files files, $(wc -l < "$DIR/tree.truth") planted keys"

# -j only once keysnare has it
J1=()
if "$KS" scan --help 2>&1 | grep -q -- '--threads'; then
    J1=(-j1)
    meta threads_note "T1 with -j1, T2/T3 with keysnare's default thread count"
else
    meta threads_note "keysnare scan has no --threads yet: T1 runs it without -j1 (its only mode)"
fi

SK='sk-[A-Za-z0-9_-]{20,}'
RULES=('sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}' 'sk-proj-[A-Za-z0-9_-]{40,}'
       'sk-ant-api03-[A-Za-z0-9_-]{93}AA' 'AKIA[A-Z2-7]{16}' 'ghp_[A-Za-z0-9]{36}'
       'github_pat_[A-Za-z0-9_]{82}' 'xox[baprs]-[A-Za-z0-9-]{10,}' 'AIza[0-9A-Za-z_-]{35}'
       '-----BEGIN [A-Z ]*PRIVATE KEY-----'
       "(?i)(api_key|apikey|secret|token|password)\\s*[:=]\\s*['\"]?[A-Za-z0-9_/+=-]{16,}")
E=()
for r in "${RULES[@]}"; do E+=(-e "$r"); done

# name -> command line (shell-words quoted; hyperfine -N runs it without a shell,
# its stdout and stderr go to /dev/null)
declare -A CMD
CMD[ks-j1]=$(q "$KS" scan "${J1[@]}" --no-ignore -f json "$TREE")
CMD[rg1-j1]=$(q rg -j1 -uu -c "$SK" "$TREE")
CMD[ks]=$(q "$KS" scan --no-ignore -f json "$TREE")
CMD[rg1]=$(q rg -uu -c "$SK" "$TREE")
CMD[rg10]=$(q rg -uu -c "${E[@]}" "$TREE")
CMD[ks-empty]=$(q "$KS" scan "$EMPTY")
if [ -n "$HIST" ]; then
    CMD[git-cat-file]=$(q git -C "$HIST" cat-file --batch-all-objects --batch --unordered)
    CMD[git-log-p]=$(q git -C "$HIST" log -p -U0 --full-history --all)
    CMD[git-log-raw]=$(q git -C "$HIST" log --raw --no-abbrev --format=%H --all)
    CMD[ks-hist]=$(q "$KS" history --repo "$HIST" -f json)
    # a rule that finds nothing there: the same scan without the provenance walk
    CMD[ks-hist-noprov]=$(q "$KS" history --repo "$HIST" --enable-rule age-secret-key -f json)
    meta history "$HIST"
    meta history_stats "$(tr '\n' ' ' < "$DIR/history.stats")"
fi
for n in "${!CMD[@]}"; do meta "cmd.$n" "${CMD[$n]}"; done

# ---- correctness first (also checks that every command works) --------------
echo "== correctness: keysnare on the tree vs $DIR/tree.truth"
rc=0
"$KS" scan --no-ignore -f json -o "$OUT/tree.json" "$TREE" 2> "$OUT/tree.stderr" || rc=$?
if [ "$rc" -gt 1 ]; then
    echo "run.sh: keysnare exited $rc on the tree:" >&2; cat "$OUT/tree.stderr" >&2; exit 1
fi

# ---- timings: every group alternates its commands round by round -------------
bench() {  # bench GROUP NAME...
    local group=$1 r args
    shift
    for ((r = 1; r <= RUNS; r++)); do
        echo "== $group: round $r/$RUNS ($*)"
        args=(-N -i --style basic --runs 1 --export-json "$OUT/$group-r$r.json")
        [ "$r" = 1 ] && args+=(--warmup 1)
        for n in "$@"; do args+=(-n "$n" "${CMD[$n]}"); done
        hyperfine "${args[@]}" >> "$OUT/hyperfine.log" 2>&1 ||
            { echo "run.sh: hyperfine failed, see $OUT/hyperfine.log" >&2; exit 1; }
    done
}
bench t1 ks-j1 rg1-j1
bench t23 ks rg1 rg10
echo "== t8: start-up, $((RUNS * 10)) runs"
hyperfine -N -i --style basic --warmup 3 --runs $((RUNS * 10)) --export-json "$OUT/t8-r1.json" \
    -n ks-empty "${CMD[ks-empty]}" >> "$OUT/hyperfine.log" 2>&1
if [ -n "$HIST" ]; then
    bench hist ks-hist ks-hist-noprov git-cat-file git-log-p git-log-raw
    echo "== history: correctness and peak RSS"
    "$KS" history --repo "$HIST" -f json -o "$OUT/history.json" 2> /dev/null || true
    /usr/bin/time -v "$KS" history --repo "$HIST" -f json > /dev/null 2> "$OUT/rss-hist.txt" || true
    meta hist_rss_kb "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/rss-hist.txt")"
    meta hist_pack_kb "$(du -k "$HIST"/objects/pack/*.pack | sort -n | tail -1 | cut -f1)"
    meta history_truth "$DIR/history.truth"
fi

# ---- T9: peak RSS ------------------------------------------------------------
echo "== t9: peak RSS (tree)"
meta cmd.rss-tree "/usr/bin/time -v ${CMD[ks]}"
/usr/bin/time -v "$KS" scan --no-ignore -f json "$TREE" > /dev/null 2> "$OUT/rss-tree.txt" || true
meta tree_rss_kb "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/rss-tree.txt")"
if [ "$big" = 1 ]; then
    BIG=$TMP/big.txt
    echo "== t9: peak RSS (2 GiB sparse file with 5 keys)"
    "$PY" "$HERE/bigfile.py" "$BIG" $((2 << 30)) "$TREE" 1 > "$OUT/big.truth"
    meta cmd.rss-big "/usr/bin/time -v $(q "$KS" scan --no-ignore --max-file-size 3G -f json 2GiB-file)"
    /usr/bin/time -v "$KS" scan --no-ignore --max-file-size 3G -f json "$BIG" > "$OUT/big.json" \
        2> "$OUT/rss-big.txt" || true
    rm -f "$BIG"
    meta big_rss_kb "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/rss-big.txt")"
    meta big_wall "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/rss-big.txt")"
fi

# ---- T10: the pre-commit hook (bench/staged.sh, also runnable alone) ----------
if "$KS" staged -h > /dev/null 2>&1; then
    echo "== t10: keysnare staged vs git diff --cached (bench/staged.sh)"
    KEYSNARE=$KS KS_BENCH_RUNS=$RUNS "$HERE/staged.sh" --out "$OUT" "$DIR"
fi

meta load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$PY" "$HERE/report.py" "$OUT" "$HERE/RESULTS.md"
echo
echo "wrote $HERE/RESULTS.md (raw data in $OUT)"
