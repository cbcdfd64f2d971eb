#!/usr/bin/python3
# bench/bigfile.py - create a large sparse text file with fake keys at known offsets.
#
# usage: bigfile.py PATH SIZE_BYTES TEXT_DIR SEED
#
# The file is SIZE bytes long and mostly a hole (reads as NUL bytes, costs no
# disk); 64 KiB blocks of real text (taken from TEXT_DIR) are written at 0,
# 1/4, 1/2, 3/4 and the end, each with one fake key line in its middle
# (families in keygen.FAMILIES order). The first block keeps the first 8000
# bytes NUL-free, so scanners treat the file as text. Prints one line
# "offset family" per key on stdout.

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keygen  # noqa: E402

BLOCK = 64 << 10
KEYLIKE = (b"sk-", b"AKIA", b"ghp_", b"T3BlbkFJ", b"_KEY", b"TOKEN", b"token")


def text_block(root):
    buf = b""
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            with open(os.path.join(d, f), "rb") as fh:
                data = fh.read(BLOCK)
            # drop anything key-like (the tree has planted keys): only ours count
            buf += b"".join(l for l in data.splitlines(True)
                            if not any(k in l for k in KEYLIKE))
            if len(buf) >= BLOCK:
                return buf[:BLOCK]
    return (buf * (BLOCK // max(len(buf), 1) + 1))[:BLOCK]


def main():
    path, size, root, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    rng = random.Random(seed)
    text = text_block(root)
    offsets = [0, size // 4, size // 2, 3 * size // 4, size - BLOCK]
    offsets = [o - o % 4096 for o in offsets]
    with open(path, "wb") as fh:
        fh.truncate(size)
        for i, off in enumerate(offsets):
            fam = keygen.FAMILIES[i % len(keygen.FAMILIES)]
            line = b"\n" + keygen.key_line(rng, fam) + b"\n"
            mid = text.index(b"\n", BLOCK // 2)
            block = (text[:mid] + line + text[mid + 1:])[:BLOCK]
            block = block[: block.rindex(b"\n") + 1]
            fh.seek(off)
            fh.write(block)
            print(off + mid + 1, fam)


if __name__ == "__main__":
    main()
