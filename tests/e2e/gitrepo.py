#!/usr/bin/env python3
"""gitrepo.py - helpers for the `keysnare history` end-to-end tests (t3*).

    gitrepo.py hist REPORT.json         one line per finding, sorted:
                                        "path:line:column rule_id COMMIT PRESENT"
                                        COMMIT = commit.id or null, PRESENT =
                                        present_at_head (MISSING when absent)
    gitrepo.py hist-jsonl REPORT.jsonl  the same for JSON Lines
    gitrepo.py check REPORT.json        the history fields have their documented
                                        shapes (commit, present_at_head, blob,
                                        occurrences, stats.commits/blobs/
                                        history_truncated), whatever the schema says
    gitrepo.py strict SCHEMA REPORT.json
                                        REPORT (a history report with a finding
                                        that has a commit object) is valid and the
                                        schema rejects malformed history fields
    gitrepo.py occurrences REPORT.json N
                                        "commit path" of each occurrence of
                                        finding N (--all-occurrences), sorted
    gitrepo.py fastimport KEYS EXPECT   a `git fast-import` stream (stdout) of
                                        2,000 commits (1,950 on main, 50 on an
                                        unmerged branch) with the 5 keys of KEYS
                                        (GROQ_API_KEY values) planted; EXPECT gets
                                        the findings as `hist` prints them, with
                                        commits as :MARK
    gitrepo.py resolve MARKS FILE       FILE with every :MARK replaced by its
                                        commit id from a --export-marks file

Exit 0 = ok, 1 = check failed, 2 = usage.
"""
import json
import re
import sys

HEX40 = re.compile(r"^[0-9a-f]{40}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    raw.decode("utf-8")
    return json.loads(raw)


def hist_line(f):
    c = f.get("commit", "MISSING")
    if isinstance(c, dict):
        c = c.get("id", "NOID")
    elif c is None:
        c = "null"
    p = f.get("present_at_head", "MISSING")
    if isinstance(p, bool):
        p = "true" if p else "false"
    return "%s:%d:%d %s %s %s" % (f["path"], f["line"], f["column"], f["rule_id"], c, p)


def cmd_hist(args):
    for line in sorted(hist_line(f) for f in load(args[0])["findings"]):
        print(line)


def cmd_hist_jsonl(args):
    out = []
    with open(args[0], "rb") as fh:
        for raw in fh:
            if raw.strip():
                out.append(hist_line(json.loads(raw.decode("utf-8"))))
    for line in sorted(out):
        print(line)


def cmd_check(args):
    doc = load(args[0])
    bad = []
    for i, f in enumerate(doc["findings"]):
        where = "findings.%d (%s)" % (i, f.get("path"))
        if "commit" not in f:
            bad.append("%s: no commit" % where)
        elif f["commit"] is not None:
            c = f["commit"]
            if not isinstance(c, dict):
                bad.append("%s: commit is not an object or null" % where)
            else:
                keys = set(c)
                if keys != {"id", "author", "email", "date", "summary"}:
                    bad.append("%s: commit has keys %s" % (where, sorted(keys)))
                if not HEX40.match(str(c.get("id"))):
                    bad.append("%s: commit.id %r" % (where, c.get("id")))
                if not DATE.match(str(c.get("date"))):
                    bad.append("%s: commit.date %r" % (where, c.get("date")))
                for k in ("author", "email", "summary"):
                    if not isinstance(c.get(k), str):
                        bad.append("%s: commit.%s %r" % (where, k, c.get(k)))
                if "\n" in str(c.get("summary")):
                    bad.append("%s: commit.summary has a newline" % where)
        if not isinstance(f.get("present_at_head"), bool):
            bad.append("%s: present_at_head %r" % (where, f.get("present_at_head")))
        if not HEX40.match(str(f.get("blob"))):
            # a message finding has no blob; everything else must
            if not re.match(r"^(commit|tag)-message:", f["path"]):
                bad.append("%s: blob %r" % (where, f.get("blob")))
        if "occurrences" in f:
            occ = f["occurrences"]
            if not isinstance(occ, list) or not occ:
                bad.append("%s: occurrences %r" % (where, occ))
            else:
                for o in occ:
                    if (not isinstance(o, dict) or set(o) != {"commit", "path"}
                            or not HEX40.match(str(o.get("commit")))
                            or not isinstance(o.get("path"), str)):
                        bad.append("%s: occurrence %r" % (where, o))
    st = doc["stats"]
    for k in ("commits", "blobs"):
        if not isinstance(st.get(k), int) or isinstance(st.get(k), bool) or st[k] < 0:
            bad.append("stats.%s %r" % (k, st.get(k)))
    if not isinstance(st.get("history_truncated"), bool):
        bad.append("stats.history_truncated %r" % st.get("history_truncated"))
    for b in bad:
        sys.stderr.write(b + "\n")
    if bad:
        sys.exit(1)


def cmd_strict(args):
    """The schema rejects malformed values of the history fields. Only
    values of the wrong shape are tried, not missing fields: the same
    schema describes `scan` reports, which have none of them."""
    import copy
    import jsonschema
    with open(args[0]) as fh:
        schema = json.load(fh)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    v = cls(schema, format_checker=getattr(cls, "FORMAT_CHECKER", None))
    base = load(args[1])
    errs = list(v.iter_errors(base))
    for e in errs[:20]:
        sys.stderr.write("%s: %s: %s\n" % (args[1], "/".join(map(str, e.absolute_path)) or "(root)",
                                           e.message[:300]))
    if errs:
        sys.exit(1)
    i = next((n for n, f in enumerate(base["findings"]) if isinstance(f.get("commit"), dict)), None)
    if i is None:
        sys.stderr.write("no finding with a commit object\n")
        sys.exit(1)

    def f(d):
        return d["findings"][i]

    mutations = {
        "commit.id short": lambda d: f(d)["commit"].__setitem__("id", f(d)["commit"]["id"][:7]),
        "commit.id upper": lambda d: f(d)["commit"].__setitem__("id", f(d)["commit"]["id"].upper().replace("0", "G")),
        "commit.id number": lambda d: f(d)["commit"].__setitem__("id", 12345),
        "commit extra key": lambda d: f(d)["commit"].__setitem__("parents", []),
        "commit.date with offset": lambda d: f(d)["commit"].__setitem__("date", "2021-03-04T07:06:05+02:00"),
        "commit.date not a date": lambda d: f(d)["commit"].__setitem__("date", "yesterday"),
        "commit.author number": lambda d: f(d)["commit"].__setitem__("author", 1),
        "commit a string": lambda d: f(d).__setitem__("commit", f(d)["commit"]["id"]),
        "present_at_head string": lambda d: f(d).__setitem__("present_at_head", "true"),
        "present_at_head null": lambda d: f(d).__setitem__("present_at_head", None),
        "blob short": lambda d: f(d).__setitem__("blob", "abc123"),
        "blob upper": lambda d: f(d).__setitem__("blob", "A" * 40),
        "occurrences not a list": lambda d: f(d).__setitem__("occurrences", {"commit": "0" * 40, "path": "a"}),
        "occurrence without path": lambda d: f(d).__setitem__("occurrences", [{"commit": "0" * 40}]),
        "occurrence short commit": lambda d: f(d).__setitem__("occurrences", [{"commit": "0" * 7, "path": "a"}]),
        "stats.commits negative": lambda d: d["stats"].__setitem__("commits", -1),
        "stats.blobs string": lambda d: d["stats"].__setitem__("blobs", "3"),
        "stats.history_truncated string": lambda d: d["stats"].__setitem__("history_truncated", "false"),
    }
    bad = 0
    for name, m in mutations.items():
        d = copy.deepcopy(base)
        m(d)
        if v.is_valid(d):
            sys.stderr.write("schema accepts mutation: %s\n" % name)
            bad += 1
    if bad:
        sys.exit(1)


def cmd_occurrences(args):
    f = load(args[0])["findings"][int(args[1])]
    for line in sorted("%s %s" % (o["commit"], o["path"]) for o in f.get("occurrences", [])):
        print(line)


def cmd_fastimport(args):
    """2,000 commits: 1,950 on main (marks :1..:1950), 50 on side (:2001..:2050),
    forked from :900 and never merged. Forty src/ files are rewritten in
    turn; five keys are planted:
      k0  conf/a.env at :100, kept while the file is edited 260 more times
      k1  conf/b.env at :400, the file deleted at :800
      k2  side/s.env at side commit :2020 (only on the unmerged branch)
      k3  src/file7.txt at :1500 (a rotated file: it keeps the key line)
      k4  deep/a/b/c/settings.env at :1950 (HEAD)
    """
    with open(args[0]) as fh:
        keys = [k for k in fh.read().split("\n") if k]
    assert len(keys) == 5, "need 5 keys"
    out = sys.stdout.buffer
    t0 = 1500000000

    def data(text):
        b = text.encode()
        out.write(b"data %d\n" % len(b))
        out.write(b)
        out.write(b"\n")

    def commit(ref, mark, frm, ops):
        out.write(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
        out.write(b"author t <t@example.invalid> %d +0000\n" % (t0 + mark * 60))
        out.write(b"committer t <t@example.invalid> %d +0000\n" % (t0 + mark * 60))
        data("commit %d\n" % mark)
        if frm:
            out.write(b"from :%d\n" % frm)
        for op in ops:
            if op[0] == "D":
                out.write(b"D %s\n" % op[1].encode())
            else:
                out.write(b"M 100644 inline %s\n" % op[1].encode())
                data(op[2])

    key_line = {i: "GROQ_API_KEY=%s\n" % k for i, k in enumerate(keys)}
    file7_has_key = False
    for n in range(1, 1951):
        ops = []
        idx = n % 40
        text = "file %d\nversion %d\n" % (idx, n)
        if idx == 7 and file7_has_key:
            text += key_line[3]
        if n == 1500:
            idx = 7
            file7_has_key = True
            text = "file 7\nversion %d\n" % n + key_line[3]
        ops.append(("M", "src/file%d.txt" % idx, text))
        if n == 100 or (n > 100 and n % 7 == 0 and n < 1920):
            ops.append(("M", "conf/a.env", key_line[0] + "# edit %d\n" % n))
        if n == 400:
            ops.append(("M", "conf/b.env", "# b\n" + key_line[1]))
        if n == 800:
            ops.append(("D", "conf/b.env"))
        if n == 1950:
            ops.append(("M", "deep/a/b/c/settings.env", "# settings\n\n" + key_line[4]))
        commit("refs/heads/main", n, n - 1 if n > 1 else None, ops)
    for j in range(1, 51):
        m = 2000 + j
        ops = [("M", "side/log.txt", "side %d\n" % j)]
        if j == 20:
            ops.append(("M", "side/s.env", key_line[2]))
        commit("refs/heads/side", m, 900 if j == 1 else m - 1, ops)
    out.flush()
    expect = [
        "conf/a.env:1:14 groq-api-key :100 true",
        "conf/b.env:2:14 groq-api-key :400 false",
        "side/s.env:1:14 groq-api-key :2020 false",
        "src/file7.txt:3:14 groq-api-key :1500 true",
        "deep/a/b/c/settings.env:3:14 groq-api-key :1950 true",
    ]
    with open(args[1], "w") as fh:
        fh.write("\n".join(sorted(expect)) + "\n")


def cmd_resolve(args):
    marks = {}
    with open(args[0]) as fh:
        for line in fh:
            m, sha = line.split()
            marks[m] = sha
    with open(args[1]) as fh:
        text = fh.read()
    sys.stdout.write(re.sub(r"(?<= ):[0-9]+(?= )", lambda m: marks[m.group(0)], text))


COMMANDS = {
    "hist": cmd_hist,
    "hist-jsonl": cmd_hist_jsonl,
    "check": cmd_check,
    "occurrences": cmd_occurrences,
    "strict": cmd_strict,
    "fastimport": cmd_fastimport,
    "resolve": cmd_resolve,
}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
