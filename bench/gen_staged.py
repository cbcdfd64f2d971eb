#!/usr/bin/python3
"""bench/gen_staged.py - a repository for the pre-commit benchmark (T10).

usage: gen_staged.py --out DIR --files N --change M --seed S --truth FILE

DIR (must not exist) becomes a git repository whose HEAD commit holds N small
text files (src/dNNN/fNNNNN.{py,c,js,md,yml}, 100 per directory, 200-1,000
bytes of code-like lines), checked out into the work tree and the index; then
a staged change of M files is made with `git add`: M - M // 3 tracked files
get two lines inserted and one line changed, M // 3 new files are added
(a 6-file change: 4 modified, 2 added). The first modified file gets a fake
GitHub token (bench/keygen.py) on an inserted line; FILE gets
"path:line:family" of it. Everything is deterministic for a given seed
(fixed author, committer and dates), and nothing touches the network.
"""

import argparse
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keygen  # noqa: E402

WORDS = ("value", "config", "result", "buffer", "count", "index", "name", "path",
         "items", "total", "offset", "limit", "state", "handler", "request", "cache")
EXTS = ("py", "c", "js", "md", "yml")


def code_line(rng, ext):
    a, b, c = rng.choice(WORDS), rng.choice(WORDS), rng.randrange(100000)
    if ext == "py":
        return "    %s = %s_%d(%s)" % (a, b, c, rng.choice(WORDS))
    if ext == "c":
        return "\t%s->%s = %d; /* %s */" % (a, b, c, rng.choice(WORDS))
    if ext == "js":
        return "  const %s%d = %s.%s();" % (a, c, b, rng.choice(WORDS))
    if ext == "md":
        return "The %s of the %s is %d when %s is set." % (a, b, c, rng.choice(WORDS))
    return "%s_%d: %s" % (a, c, b)


def file_body(rng, ext, target):
    lines, size = [], 0
    while size < target:
        ln = code_line(rng, ext)
        lines.append(ln)
        size += len(ln) + 1
    return ("\n".join(lines) + "\n").encode()


def path_of(i):
    return "src/d%03d/f%05d.%s" % (i // 100, i, EXTS[i % len(EXTS)])


def git(repo, *args, **kw):
    subprocess.run(["git", "-C", repo] + list(args), check=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--files", type=int, default=15000)
    ap.add_argument("--change", type=int, default=6)
    ap.add_argument("--seed", type=int, default=20250611)
    ap.add_argument("--truth", required=True)
    a = ap.parse_args()
    if os.path.exists(a.out):
        sys.exit("gen_staged.py: %s exists" % a.out)
    rng = random.Random(a.seed)
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null")
    subprocess.run(["git", "init", "-q", "-b", "main", a.out], check=True, env=env)

    # the committed tree, written by fast-import in one commit
    fi = subprocess.Popen(["git", "-C", a.out, "fast-import", "--quiet", "--done"],
                          stdin=subprocess.PIPE, env=env)
    out = fi.stdin
    msg = b"import %d files\n" % a.files
    out.write(b"commit refs/heads/main\n")
    out.write(b"author bench <bench@example.invalid> 1700000000 +0000\n")
    out.write(b"committer bench <bench@example.invalid> 1700000000 +0000\n")
    out.write(b"data %d\n%s" % (len(msg), msg))
    for i in range(a.files):
        body = file_body(rng, EXTS[i % len(EXTS)], rng.randrange(200, 1000))
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path_of(i).encode(), len(body), body))
    out.write(b"done\n")
    out.close()
    if fi.wait() != 0:
        sys.exit("gen_staged.py: git fast-import failed")
    git(a.out, "reset", "-q", "--hard", env=env)

    # the staged change
    n_new = a.change // 3
    n_mod = a.change - n_new
    picks = rng.sample(range(a.files), n_mod)
    truth = []
    changed = []
    for j, i in enumerate(picks):
        p = path_of(i)
        ext = EXTS[i % len(EXTS)]
        full = os.path.join(a.out, p)
        with open(full, "rb") as fh:
            lines = fh.read().decode().split("\n")[:-1]
        at = rng.randrange(1, len(lines) + 1)
        ins = [code_line(rng, ext), code_line(rng, ext)]
        if j == 0:
            ins[1] = keygen.key_line(rng, "github").decode()
            truth.append("%s:%d:github" % (p, at + 2))
        lines[at:at] = ins
        k = rng.randrange(len(lines))
        if k not in (at, at + 1):
            lines[k] = code_line(rng, ext)
        with open(full, "wb") as fh:
            fh.write(("\n".join(lines) + "\n").encode())
        changed.append(p)
    for j in range(n_new):
        i = a.files + j
        p = path_of(i)
        os.makedirs(os.path.dirname(os.path.join(a.out, p)), exist_ok=True)
        with open(os.path.join(a.out, p), "wb") as fh:
            fh.write(file_body(rng, EXTS[i % len(EXTS)], rng.randrange(200, 1000)))
        changed.append(p)
    git(a.out, "add", "--pathspec-from-file=-", input=("\n".join(changed) + "\n").encode(), env=env)
    with open(a.truth, "w") as fh:
        fh.write("".join(t + "\n" for t in truth))


if __name__ == "__main__":
    main()
