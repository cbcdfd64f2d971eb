#!/bin/bash
# bench/make-corpus.sh - generate the benchmark corpus (deterministic, no network).
#
# usage: bench/make-corpus.sh [--tree-only] [--force] [DIR]     (DIR: bench/corpus)
#
#   DIR/tree/          >= 200 MiB of real text files copied from this machine
#                      (/usr/include, /usr/share/doc, /usr/share/perl5,
#                      /usr/lib/python3*, perl), 50 fake keys planted
#   DIR/tree.truth     path:line:family of every planted key (path relative to tree/)
#   DIR/tree.stats     files, bytes
#   DIR/history.git    bare repository built with git fast-import: >= 30,000
#                      commits, >= 1.1 GB of blob bytes (skipped with --tree-only)
#   DIR/history.truth  commit:path:line:family of every key planted in history
#   DIR/history.stats  commits, blobs, blob bytes, pack size, generation time
#
# Each part is regenerated only when its stamp (a hash of the generator scripts
# and the parameters below) differs from the one recorded next to it; --force
# regenerates anyway. The tree depends on which packages are installed: it is
# identical on every run on one machine, not across machines.
#
# Parameters (environment):
#   KS_BENCH_SEED=20250611     PRNG seed for key placement and history edits
#   KS_BENCH_TREE_MIB=200      size of the working tree
#   KS_BENCH_KEYS=50           keys planted in the tree
#   KS_BENCH_COMMITS=30000     minimum number of commits
#   KS_BENCH_HISTORY_MB=1100   minimum blob bytes in the history (10^6 bytes)
#   KS_BENCH_KEY_EVERY=3000    plant a key in every Nth commit
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

tree_only=0 force=0 DIR=
while [ $# -gt 0 ]; do
    case $1 in
        --tree-only) tree_only=1 ;;
        --force) force=1 ;;
        -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "make-corpus.sh: unknown option $1" >&2; exit 2 ;;
        *) [ -z "$DIR" ] || { echo "make-corpus.sh: one DIR only" >&2; exit 2; }; DIR=$1 ;;
    esac
    shift
done
DIR=${DIR:-$HERE/corpus}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

SEED=${KS_BENCH_SEED:-20250611}
TREE_MIB=${KS_BENCH_TREE_MIB:-200}
KEYS=${KS_BENCH_KEYS:-50}
COMMITS=${KS_BENCH_COMMITS:-30000}
HISTORY_MB=${KS_BENCH_HISTORY_MB:-1100}
KEY_EVERY=${KS_BENCH_KEY_EVERY:-3000}
SOURCES=(/usr/include /usr/share/doc /usr/share/perl5 /usr/lib/python3 /usr/lib/python3.[0-9]* /usr/lib/x86_64-linux-gnu/perl)

hash_of() { sha256sum | cut -c1-64; }
tree_stamp=$( { cat "$HERE/make-corpus.sh" "$HERE/gen_tree.py" "$HERE/keygen.py"
                echo "seed=$SEED tree_mib=$TREE_MIB keys=$KEYS sources=${SOURCES[*]}"; } | hash_of)
history_stamp=$( { echo "$tree_stamp"; cat "$HERE/gen_history.py"
                   echo "commits=$COMMITS history_mb=$HISTORY_MB key_every=$KEY_EVERY"; } | hash_of)

stamp_ok() { [ "$force" = 0 ] && [ -e "$2" ] && [ "$(cat "$1" 2>/dev/null)" = "$3" ]; }
T0=$SECONDS

# ---- (a) working tree -------------------------------------------------------
if stamp_ok "$DIR/tree.stamp" "$DIR/tree" "$tree_stamp"; then
    echo "make-corpus: $DIR/tree is up to date ($(grep -h '^files=' "$DIR/tree.stats"), $(grep -h '^bytes=' "$DIR/tree.stats"))"
else
    echo "make-corpus: generating $DIR/tree (${TREE_MIB} MiB, $KEYS keys, seed $SEED)"
    # the history is built from the tree: a new tree invalidates it
    rm -rf "$DIR/tree" "$DIR/tree.tmp" "$DIR"/tree.* "$DIR/history.git" "$DIR/history.git.tmp" "$DIR"/history.*
    t=$SECONDS
    "$PY" "$HERE/gen_tree.py" --out "$DIR/tree.tmp" --truth "$DIR/tree.truth.tmp" \
        --stats "$DIR/tree.stats.tmp" --seed "$SEED" --target-bytes $((TREE_MIB << 20)) \
        --keys "$KEYS" "${SOURCES[@]}"
    mv "$DIR/tree.truth.tmp" "$DIR/tree.truth"
    echo "seconds=$((SECONDS - t))" >> "$DIR/tree.stats.tmp"
    mv "$DIR/tree.stats.tmp" "$DIR/tree.stats"
    mv "$DIR/tree.tmp" "$DIR/tree"
    echo "$tree_stamp" > "$DIR/tree.stamp"
    echo "make-corpus: tree done in $((SECONDS - t)) s"
fi

[ "$tree_only" = 1 ] && exit 0

# ---- (b) synthetic history --------------------------------------------------
if stamp_ok "$DIR/history.stamp" "$DIR/history.git" "$history_stamp"; then
    echo "make-corpus: $DIR/history.git is up to date ($(tr '\n' ' ' < "$DIR/history.stats"))"
    exit 0
fi
echo "make-corpus: generating $DIR/history.git (>= $COMMITS commits, >= $HISTORY_MB MB of blobs)"
rm -rf "$DIR/history.git" "$DIR/history.git.tmp" "$DIR"/history.*
t=$SECONDS
git init -q --bare -b main "$DIR/history.git.tmp"
"$PY" "$HERE/gen_history.py" --tree "$DIR/tree" --exclude-truth "$DIR/tree.truth" \
    --truth-out "$DIR/history.truth.marks" --seed "$SEED" --commits "$COMMITS" \
    --min-bytes $((HISTORY_MB * 1000000)) --key-every "$KEY_EVERY" |
    git -C "$DIR/history.git.tmp" fast-import --quiet --done \
        --export-marks="$DIR/history.marks"
gen_s=$((SECONDS - t))

# marks -> commit ids in the truth
awk 'NR == FNR { sha[$1] = $2; next }
     { i = index(substr($0, 2), ":"); m = substr($0, 1, i); print sha[m] substr($0, i + 1) }' \
    "$DIR/history.marks" "$DIR/history.truth.marks" > "$DIR/history.truth"
rm -f "$DIR/history.marks" "$DIR/history.truth.marks"

G="git -C $DIR/history.git.tmp"
commits=$($G rev-list --count --all)
read -r blobs blob_bytes < <($G cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' |
                             awk '$1 == "blob" { n++; s += $2 } END { printf "%d %d\n", n, s }')
pack_mb=$(du -sm "$DIR/history.git.tmp" | cut -f1)
cat > "$DIR/history.stats" <<EOF
commits=$commits
blobs=$blobs
blob_bytes=$blob_bytes
repo_mb=$pack_mb
keys=$(wc -l < "$DIR/history.truth")
seconds=$gen_s
EOF
mv "$DIR/history.git.tmp" "$DIR/history.git"
echo "$history_stamp" > "$DIR/history.stamp"
echo "make-corpus: history done in $gen_s s: $commits commits, $blobs blobs," \
     "$((blob_bytes / 1000000)) MB of unique blob bytes, repository $pack_mb MB"
echo "make-corpus: total $((SECONDS - T0)) s"
