#!/usr/bin/env python3
"""ksjson.py - small queries on keysnare's JSON output for the e2e tests.

    ksjson.py findings REPORT.json          path:line:column rule_id, one a line
                                            (paths from path_bytes when present, with
                                            \\ for a backslash and \\xNN for a raw byte
                                            that is not printable UTF-8)
    ksjson.py findings-jsonl REPORT.jsonl   the same for JSON Lines
    ksjson.py spans REPORT.json             line:column-end_line:end_column rule_id (no path)
    ksjson.py skipped REPORT.json           reason path, one a line
    ksjson.py errors REPORT.json            path: message, one a line
    ksjson.py get REPORT.json DOTTED.PATH   one value (findings.0.line,
                                            stats.files_scanned, findings.# = length)
    ksjson.py validate SCHEMA REPORT.json   JSON Schema (2020-12) validation
    ksjson.py validate-jsonl SCHEMA FILE    each line against $defs/finding
    ksjson.py strict SCHEMA REPORT.json     REPORT is valid and the schema rejects
                                            23 typical mutations of it
    ksjson.py hashes REPORT.json            secret_sha256 of each finding, sorted
    ksjson.py secret-hashes REPORT.json     sha256 of each finding's secret text, sorted
    ksjson.py keyhashes KEYS                sha256 of each key of KEYS, sorted
    ksjson.py pathhex REPORT.json           hex of each finding's raw path (path_bytes), sorted
    ksjson.py lshex DIR                     hex of each regular file name in DIR, sorted
    ksjson.py utf8 FILE                     FILE is strictly valid UTF-8
    ksjson.py noleak FILE KEYS              no key of KEYS (one a line), nor any
                                            piece longer than a quarter of it, in FILE
    ksjson.py redaction REPORT.json KEYS    every finding's secret_sha256 is that of a
                                            key of KEYS, and its secret shows at most a
                                            quarter of that key, as a prefix + '***'

Paths are printed with non-printable characters escaped (repr-style) so that
the output is one line per item. Exit 0 = ok, 1 = check failed, 2 = usage.
"""
import hashlib
import json
import sys


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    raw.decode("utf-8")  # strict: raises on invalid UTF-8
    return json.loads(raw)


def esc(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif 0xDC80 <= ord(ch) <= 0xDCFF:  # surrogateescape'd raw byte
            out.append("\\x%02x" % (ord(ch) - 0xDC00))
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append("\\x%02x" % ord(ch) if ord(ch) < 256 else "\\u%04x" % ord(ch))
    return "".join(out)


def path_of(obj):
    """The path as keysnare saw it (raw bytes from path_bytes), escaped."""
    return esc(raw_path(obj).decode("utf-8", errors="surrogateescape"))


def finding_line(f):
    return "%s:%d:%d %s" % (path_of(f), f["line"], f["column"], f["rule_id"])


def cmd_findings(args):
    for f in load(args[0])["findings"]:
        print(finding_line(f))


def cmd_findings_jsonl(args):
    with open(args[0], "rb") as fh:
        for raw in fh:
            raw.decode("utf-8")
            if raw.strip():
                print(finding_line(json.loads(raw)))


def cmd_spans(args):
    for f in load(args[0])["findings"]:
        print("%d:%d-%d:%d %s" % (f["line"], f["column"], f["end_line"], f["end_column"], f["rule_id"]))


def cmd_skipped(args):
    for s in load(args[0])["stats"]["skipped"]:
        print("%s %s" % (s["reason"], path_of(s)))


def cmd_errors(args):
    for e in load(args[0])["stats"]["errors"]:
        print("%s: %s" % (path_of(e), esc(e["message"])))


def cmd_get(args):
    v = load(args[0])
    for part in args[1].split("."):
        if part == "#":
            v = len(v)
        elif isinstance(v, list):
            v = v[int(part)]
        else:
            v = v[part]
    if isinstance(v, str):
        print(v)
    else:
        print(json.dumps(v, sort_keys=True))


def validator(schema_path, sub=None):
    import jsonschema
    with open(schema_path) as f:
        schema = json.load(f)
    if sub:
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"],
                  "$ref": "#/$defs/" + sub}
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    fc = getattr(cls, "FORMAT_CHECKER", None)
    return cls(schema, format_checker=fc)


def report_errors(v, doc, where):
    errs = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errs[:20]:
        sys.stderr.write("%s: %s: %s\n" % (where, "/".join(map(str, e.absolute_path)) or "(root)", e.message[:300]))
    return len(errs)


def cmd_validate(args):
    v = validator(args[0])
    if report_errors(v, load(args[1]), args[1]):
        sys.exit(1)


def cmd_validate_jsonl(args):
    v = validator(args[0], "finding")
    bad = n = 0
    with open(args[1], "rb") as fh:
        for i, raw in enumerate(fh, 1):
            n += 1
            doc = json.loads(raw.decode("utf-8"))
            bad += report_errors(v, doc, "%s:%d" % (args[1], i))
    if bad or not n:
        sys.stderr.write("%d errors in %d lines\n" % (bad, n))
        sys.exit(1)


def raw_path(obj):
    """The path's bytes: path_bytes (base64) when keysnare escaped it."""
    import base64
    if "path_bytes" in obj:
        return base64.b64decode(obj["path_bytes"], validate=True)
    return obj["path"].encode()


def cmd_pathhex(args):
    """hex of each finding's raw path bytes, sorted."""
    for h in sorted(raw_path(f).hex() for f in load(args[0])["findings"]):
        print(h)


def cmd_lshex(args):
    """hex of the name of each regular file in DIR, sorted."""
    import os
    d = args[0].encode()
    for h in sorted(n.hex() for n in os.listdir(d) if os.path.isfile(os.path.join(d, n))):
        print(h)


def cmd_strict(args):
    """The schema rejects typical deviations from REPORT (which must be valid
    and hold at least one finding and one skipped entry)."""
    import copy
    v = validator(args[0])
    base = load(args[1])
    if report_errors(v, base, args[1]):
        sys.exit(1)

    def top_extra(d): d["extra"] = 1
    def no_stats(d): del d["stats"]
    def bad_version(d): d["schema_version"] = 2
    def f_extra(d): d["findings"][0]["extra"] = "x"
    def f_no_fp(d): del d["findings"][0]["fingerprint"]
    def f_severity(d): d["findings"][0]["severity"] = "urgent"
    def f_line0(d): d["findings"][0]["line"] = 0
    def f_col0(d): d["findings"][0]["column"] = 0
    def f_col_str(d): d["findings"][0]["column"] = "3"
    def f_line_float(d): d["findings"][0]["line"] = 1.5
    def f_sha(d): d["findings"][0]["secret_sha256"] = "ABC"
    def f_fp_upper(d): d["findings"][0]["fingerprint"] = d["findings"][0]["fingerprint"].upper()
    def f_unredacted(d): d["findings"][0]["secret"] = "sk-0123456789"
    def f_entropy(d): d["findings"][0]["entropy"] = 9
    def f_tags(d): d["findings"][0]["tags"] = "llm"
    def f_path_bytes(d): d["findings"][0]["path_bytes"] = "not base64!"
    def s_reason(d): d["stats"]["skipped"][0]["reason"] = "weird"
    def s_extra(d): d["stats"]["skipped"][0]["extra"] = 1
    def by_extra(d): d["stats"]["skipped_by_reason"]["weird"] = 1
    def by_missing(d): del d["stats"]["dropped_by_reason"]["overlap"]
    def neg_count(d): d["stats"]["files_scanned"] = -1
    def tool_name(d): d["tool"]["name"] = "gitleaks"
    def incomplete_str(d): d["incomplete"] = "false"

    bad = 0
    for m in (top_extra, no_stats, bad_version, f_extra, f_no_fp, f_severity, f_line0,
              f_col0, f_col_str, f_line_float, f_sha, f_fp_upper, f_unredacted, f_entropy,
              f_tags, f_path_bytes, s_reason, s_extra, by_extra, by_missing, neg_count,
              tool_name, incomplete_str):
        d = copy.deepcopy(base)
        m(d)
        if v.is_valid(d):
            sys.stderr.write("schema accepts mutation %s\n" % m.__name__)
            bad += 1
    if bad:
        sys.exit(1)


def cmd_utf8(args):
    with open(args[0], "rb") as f:
        raw = f.read()
    try:
        raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        sys.stderr.write("%s: invalid UTF-8 at byte %d: %r\n" % (args[0], e.start, raw[max(0, e.start - 20):e.start + 20]))
        sys.exit(1)


def read_keys(path):
    with open(path, "rb") as f:
        text = f.read().decode()
    # keys are one a line, except PEM blocks, which are kept whole
    keys, block = [], None
    for line in text.split("\n"):
        if block is not None:
            block.append(line)
            if line.startswith("-----END "):
                keys.append("\n".join(block))
                block = None
        elif line.startswith("-----BEGIN ") and "-----END " not in line:
            block = [line]
        elif line:
            keys.append(line)
    return keys


def cmd_noleak(args):
    with open(args[0], "rb") as f:
        hay = f.read()
    bad = 0
    for key in read_keys(args[1]):
        k = key.encode()
        # every piece of the key one byte longer than a quarter of it
        w = len(k) // 4 + 1
        for i in range(0, len(k) - w + 1):
            if k[i:i + w] in hay:
                j = hay.find(k[i:i + w])
                sys.stderr.write("%s: leaks %d+ bytes of a %d-byte key (bytes %d.. of the key) near: %r\n"
                                 % (args[0], w, len(k), i, hay[max(0, j - 30):j + w + 10]))
                bad += 1
                break
    if bad:
        sys.exit(1)


def cmd_redaction(args):
    doc = load(args[0])
    keys = read_keys(args[1])
    bad = 0
    if not doc["findings"]:
        sys.stderr.write("no findings\n")
        sys.exit(1)
    for f in doc["findings"]:
        s = f["secret"]
        if not s.endswith("***") or f.get("redacted") is not True:
            sys.stderr.write("%s: not redacted: %s\n" % (f["rule_id"], esc(s[:12])))
            bad += 1
            continue
        shown = s[:-3]
        match = [k for k in keys
                 if hashlib.sha256(k.encode()).hexdigest() == f["secret_sha256"]]
        if not match:
            sys.stderr.write("%s: secret_sha256 is not the hash of a planted key\n" % f["rule_id"])
            bad += 1
            continue
        key = match[0]
        if not key.startswith(shown):
            sys.stderr.write("%s: %r is not a prefix of its key\n" % (f["rule_id"], shown))
            bad += 1
            continue
        if len(shown.encode()) > len(key.encode()) // 4:
            sys.stderr.write("%s: shows %d of %d bytes (more than a quarter)\n"
                             % (f["rule_id"], len(shown), len(key)))
            bad += 1
    if bad:
        sys.exit(1)


def cmd_hashes(args):
    """secret_sha256 of each finding, sorted."""
    for h in sorted(f["secret_sha256"] for f in load(args[0])["findings"]):
        print(h)


def cmd_secret_hashes(args):
    """sha256 of each finding's secret text (with --no-redact: the key), sorted."""
    for h in sorted(hashlib.sha256(f["secret"].encode()).hexdigest() for f in load(args[0])["findings"]):
        print(h)


def cmd_keyhashes(args):
    """sha256 of each key of KEYS, sorted."""
    for h in sorted(hashlib.sha256(k.encode()).hexdigest() for k in read_keys(args[0])):
        print(h)


COMMANDS = {
    "hashes": cmd_hashes,
    "keyhashes": cmd_keyhashes,
    "secret-hashes": cmd_secret_hashes,
    "findings": cmd_findings,
    "findings-jsonl": cmd_findings_jsonl,
    "spans": cmd_spans,
    "strict": cmd_strict,
    "pathhex": cmd_pathhex,
    "lshex": cmd_lshex,
    "skipped": cmd_skipped,
    "errors": cmd_errors,
    "get": cmd_get,
    "validate": cmd_validate,
    "validate-jsonl": cmd_validate_jsonl,
    "utf8": cmd_utf8,
    "noleak": cmd_noleak,
    "redaction": cmd_redaction,
}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
