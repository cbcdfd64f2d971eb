#!/usr/bin/python3
# bench/gen_tree.py - build the working-tree corpus (called by make-corpus.sh).
#
# Copies real text files from the machine (sources in the order given, each
# walked in sorted order) into OUT until TARGET bytes are reached, replicating
# the sources under rep1/, rep2/, ... if the machine has less text than that.
# A file is "text" when it has no NUL byte and decodes as UTF-8 (so keysnare,
# ripgrep and git all treat it as text). Then plants KEYS fake keys (one per
# file, in distinct files, at a random line) chosen with random.Random(SEED)
# and writes the truth as "path:line:family" (path relative to OUT).

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keygen  # noqa: E402

MAX_FILE = 16 << 20  # keep well below keysnare's default --max-file-size


def walk_sorted(root):
    """Regular, non-symlink files under ROOT in a fixed (sorted) order."""
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            if "\n" in p or os.path.islink(p):
                continue
            yield p


def read_text(p):
    try:
        if not os.path.isfile(p):
            return None
        size = os.path.getsize(p)
        if size == 0 or size > MAX_FILE:
            return None
        with open(p, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    if b"\0" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--target-bytes", type=int, required=True)
    ap.add_argument("--keys", type=int, required=True)
    ap.add_argument("sources", nargs="+")
    a = ap.parse_args()

    sources = [s for s in a.sources if os.path.isdir(s)]
    if not sources:
        sys.exit("gen_tree: none of the source directories exists")
    os.makedirs(a.out)
    copied = []  # relative paths, in copy order
    total = 0
    rep = 0
    while total < a.target_bytes:
        before = total
        prefix = "" if rep == 0 else "rep%d" % rep
        for src in sources:
            for p in walk_sorted(src):
                data = read_text(p)
                if data is None:
                    continue
                rel = os.path.join(prefix, p.lstrip("/"))
                dst = os.path.join(a.out, rel)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                with open(dst, "wb") as fh:
                    fh.write(data)
                copied.append(rel)
                total += len(data)
                if len(copied) % 2000 == 0:
                    print("  tree: %d files, %.0f MB" % (len(copied), total / 1e6),
                          file=sys.stderr, flush=True)
                if total >= a.target_bytes:
                    break
            if total >= a.target_bytes:
                break
        if total == before:
            sys.exit("gen_tree: no text files found in %s" % " ".join(sources))
        rep += 1

    # Plant the keys: distinct files, families in round-robin order.
    rng = random.Random(a.seed)
    picks = sorted(rng.sample(range(len(copied)), min(a.keys, len(copied))))
    truth = []
    for i, idx in enumerate(picks):
        rel = copied[idx]
        fam = keygen.FAMILIES[i % len(keygen.FAMILIES)]
        dst = os.path.join(a.out, rel)
        with open(dst, "rb") as fh:
            data = fh.read()
        nl = data.count(b"\n")
        pos = rng.randrange(nl) if nl else 0  # 0-based line the key goes before
        off = 0
        for _ in range(pos):
            off = data.index(b"\n", off) + 1
        line = keygen.key_line(rng, fam)
        data = data[:off] + line + b"\n" + data[off:]
        with open(dst, "wb") as fh:
            fh.write(data)
        total += len(line) + 1
        truth.append("%s:%d:%s\n" % (rel, pos + 1, fam))

    with open(a.truth, "w") as fh:
        fh.writelines(truth)
    with open(a.stats, "w") as fh:
        fh.write("files=%d\nbytes=%d\nkeys=%d\nreplicas=%d\n" % (len(copied), total, len(truth), rep - 1))
    print("  tree: %d files, %.1f MB, %d keys planted" % (len(copied), total / 1e6, len(truth)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
