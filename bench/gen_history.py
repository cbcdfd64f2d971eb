#!/usr/bin/python3
# bench/gen_history.py - write a `git fast-import` stream of a synthetic history
# (called by make-corpus.sh; the stream goes to stdout, progress to stderr).
#
# The repository starts with INITIAL files taken from the tree corpus; every
# later commit edits 1-3 files (change a token or a number, insert lines copied
# from this or another file, delete a few lines) and now and then adds another
# file from the corpus. Every KEY_EVERY-th commit plants a fake key in one of
# the files it edits; every other planted key is removed again a few commits
# later (the "oops, revert" pattern history scanners must still find). The
# truth is written as ":MARK:path:line:family" (MARK = the fast-import mark of
# the commit that introduces the key; make-corpus.sh replaces it by the commit
# id). Generation stops once COMMITS commits and MIN_BYTES bytes of blobs have
# been written. Everything is drawn from random.Random(SEED): the stream, and
# so every commit id, is the same on every run.
#
# Memory stays bounded: only the current contents of at most MAX_FILES files
# (picked from 4-128 KB corpus files) are kept.

import argparse
import collections
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keygen  # noqa: E402

SAFE_PATH = re.compile(r"^[A-Za-z0-9._+/-]+$")
TOKEN = re.compile(rb"[A-Za-z_][A-Za-z0-9_]{2,}|[0-9]+")
AUTHORS = [
    ("Ada Lindqvist", "ada@example.org"), ("Bruno Tavares", "bruno@example.org"),
    ("Chen Wei", "chen.wei@example.org"), ("Dana Okafor", "dana@example.org"),
    ("Emil Novak", "emil@example.org"), ("Farah Haddad", "farah@example.org"),
    ("Gus Moreau", "gus@example.org"), ("Hana Sato", "hana@example.org"),
]
VERBS = ["Fix", "Update", "Refactor", "Tweak", "Clean up", "Document", "Adjust",
         "Simplify", "Rework", "Handle edge case in", "Rename symbols in", "Reformat"]
SUFFIXES = [b"_v2", b"2", b"_impl", b"Ex", b"_new", b"_tmp", b"_internal", b"Old", b"_r"]


def split_lines(data):
    """Lines keeping their '\\n' (the last one may lack it); join restores DATA."""
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


class History:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.out = sys.stdout.buffer
        self.tree = a.tree
        self.files = {}          # path -> list of lines (current content)
        self.active = []         # paths in the repository
        self.recent = collections.deque(maxlen=40)
        self.protected = set()   # planted key lines (never edited by accident)
        self.removals = {}       # commit number -> [(path, line)]
        self.truth = []
        self.mark = 0
        self.date = 1577836800   # 2020-01-01
        self.blob_bytes = 0
        self.blobs = 0

        excluded = set()
        if a.exclude_truth and os.path.exists(a.exclude_truth):
            with open(a.exclude_truth) as fh:
                excluded = {l.rsplit(":", 2)[0] for l in fh if l.strip()}
        pool = []
        for d, dirs, names in os.walk(self.tree):
            dirs.sort()
            rel_d = os.path.relpath(d, self.tree)
            if rel_d == ".":  # replicas would only add duplicate blobs
                dirs[:] = [x for x in dirs if not re.match(r"^rep[0-9]+$", x)]
            for n in sorted(names):
                rel = os.path.normpath(os.path.join(rel_d, n))
                if rel in excluded or not SAFE_PATH.match(rel):
                    continue
                size = os.path.getsize(os.path.join(d, n))
                if 4096 <= size <= 131072:
                    pool.append(rel)
        if len(pool) < a.initial_files:
            sys.exit("gen_history: only %d usable files in %s" % (len(pool), self.tree))
        self.rng.shuffle(pool)
        self.pool = pool[: a.max_files]
        self.next_new = 0

    # -- content -----------------------------------------------------------
    def lines(self, path):
        if path not in self.files:
            with open(os.path.join(self.tree, path), "rb") as fh:
                self.files[path] = split_lines(fh.read())
        return self.files[path]

    def free_index(self, L):
        for _ in range(20):
            i = self.rng.randrange(len(L))
            if L[i] not in self.protected:
                return i
        return None

    def op_change(self, L):
        i = self.free_index(L)
        if i is None:
            return
        line = L[i]
        toks = list(TOKEN.finditer(line))
        r = self.rng
        if not toks:
            new = line.rstrip(b"\n") + b" updated" + (b"\n" if line.endswith(b"\n") else b"")
        else:
            m = r.choice(toks)
            tok = m.group(0)
            if tok.isdigit():
                rep = str(int(tok) + r.randint(1, 99)).encode()
            else:
                other = TOKEN.search(L[r.randrange(len(L))]) if r.random() < 0.5 else None
                rep = other.group(0) if other and not other.group(0).isdigit() else tok + r.choice(SUFFIXES)
                if rep == tok:
                    rep = tok + r.choice(SUFFIXES)
            new = line[: m.start()] + rep + line[m.end():]
        L[i] = new

    def op_insert(self, L, path):
        r = self.rng
        n = r.randint(1, 8)
        src = L
        if r.random() < 0.3 and len(self.active) > 1:
            other = r.choice(self.active)
            if other != path:
                src = self.lines(other)
        j = r.randrange(len(src))
        block = [l if l.endswith(b"\n") else l + b"\n" for l in src[j: j + n] if l not in self.protected]
        if not block:
            block = [b"\n"]
        i = r.randrange(len(L))  # insert before line i
        L[i:i] = block

    def op_delete(self, L):
        if len(L) < 30:
            return
        n = self.rng.randint(1, 5)
        i = self.rng.randrange(len(L) - n)
        if any(l in self.protected for l in L[i: i + n]):
            return
        del L[i: i + n]

    def edit(self, path):
        L = self.lines(path)
        before = b"".join(L)
        r = self.rng
        for _ in range(r.randint(1, 3)):
            op = r.random()
            if op < 0.45:
                self.op_change(L)
            elif op < 0.8 or len(L) < 30:
                self.op_insert(L, path)
            else:
                self.op_delete(L)
        if b"".join(L) == before:
            if L and not L[-1].endswith(b"\n"):
                L[-1] += b"\n"
            else:
                L.append(b"\n")

    # -- stream ------------------------------------------------------------
    def data(self, payload):
        self.out.write(b"data %d\n" % len(payload))
        self.out.write(payload)
        self.out.write(b"\n")

    def commit(self, n, message, changed):
        self.mark += 1
        name, email = AUTHORS[self.rng.randrange(len(AUTHORS))]
        self.date += self.rng.randint(30, 5400)
        who = ("%s <%s> %d +0000" % (name, email, self.date)).encode()
        w = self.out.write
        w(b"commit refs/heads/main\nmark :%d\n" % self.mark)
        w(b"author " + who + b"\ncommitter " + who + b"\n")
        self.data(message.encode())
        if self.mark > 1:
            w(b"from :%d\n" % (self.mark - 1))
        for path in changed:
            content = b"".join(self.files[path])
            w(b"M 100644 inline " + path.encode() + b"\n")
            self.data(content)
            self.blob_bytes += len(content)
            self.blobs += 1
        w(b"\n")

    def run(self):
        a, r = self.a, self.rng
        t0 = time.time()
        initial = self.pool[: a.initial_files]
        self.next_new = a.initial_files
        for p in initial:
            self.lines(p)
        self.active = list(initial)
        self.commit(1, "Initial import\n", initial)
        n = 1
        while n < a.commits or self.blob_bytes < a.min_bytes:
            n += 1
            changed = []
            if self.next_new < len(self.pool) and r.random() < 0.03:
                p = self.pool[self.next_new]
                self.next_new += 1
                self.lines(p)
                self.active.append(p)
                changed.append(p)
            for path, line in self.removals.pop(n, []):
                L = self.lines(path)
                if line in L:
                    L.remove(line)
                    self.protected.discard(line)
                    if path not in changed:
                        changed.append(path)
            want = r.choice((1, 1, 1, 2, 2, 3))
            edited = []
            for _ in range(want * 3):
                if len(edited) >= want:
                    break
                if self.recent and r.random() < 0.6:
                    p = r.choice(self.recent)
                else:
                    p = r.choice(self.active)
                if p not in edited:
                    edited.append(p)
            for p in edited:
                self.edit(p)
                self.recent.append(p)
                if p not in changed:
                    changed.append(p)
            msg = "%s %s\n" % (r.choice(VERBS), os.path.basename(edited[0]))
            if n % a.key_every == 0:
                k = len(self.truth)
                fam = keygen.FAMILIES[k % len(keygen.FAMILIES)]
                path = edited[0]
                L = self.lines(path)
                line = keygen.key_line(r, fam) + b"\n"
                i = r.randrange(len(L))
                L.insert(i, line)
                self.protected.add(line)
                self.truth.append((self.mark + 1, path, i + 1, fam))
                if k % 2 == 1:
                    self.removals.setdefault(n + r.randint(1, 20), []).append((path, line))
                msg = "Configure %s client in %s\n" % (fam, os.path.basename(path))
            self.commit(n, msg, changed)
            if n % 1000 == 0:
                el = time.time() - t0
                print("  history: %d commits, %.0f MB of blobs, %.0f s" %
                      (n, self.blob_bytes / 1e6, el), file=sys.stderr, flush=True)
        self.out.write(b"done\n")
        self.out.flush()
        with open(a.truth_out, "w") as fh:
            for mark, path, line, fam in self.truth:
                fh.write(":%d:%s:%d:%s\n" % (mark, path, line, fam))
        print("  history: %d commits, %d blobs, %.1f MB of blobs, %d keys, %.0f s (stream)" %
              (n, self.blobs, self.blob_bytes / 1e6, len(self.truth), time.time() - t0),
              file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", required=True)
    ap.add_argument("--exclude-truth")
    ap.add_argument("--truth-out", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--commits", type=int, default=30000)
    ap.add_argument("--min-bytes", type=int, default=1_100_000_000)
    ap.add_argument("--key-every", type=int, default=3000)
    ap.add_argument("--initial-files", type=int, default=300)
    ap.add_argument("--max-files", type=int, default=1500)
    History(ap.parse_args()).run()


if __name__ == "__main__":
    main()
