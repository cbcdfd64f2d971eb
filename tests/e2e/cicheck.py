#!/usr/bin/env python3
"""cicheck.py - checks on keysnare's CI reports (t7010-ci-formats.sh).

    cicheck.py gitlab SCHEMA FILE     validate; print "path:line rule sha" lines
    cicheck.py gitlab-ids FILE        print the vulnerability ids, one a line
    cicheck.py gitlab-status FILE     print scan.status
    cicheck.py junit FILE             print "tests failures errors skipped"
                                      then one line per testcase:
                                      "classname|name|outcome|message"
    cicheck.py github FILE            print "level|file|line|title|message"
                                      per command, properties unescaped

Non-ASCII and control characters are printed as Python escapes
(unicode_escape: a backslash doubled) so the shell can compare them.
"""
import json
import sys
import xml.etree.ElementTree as ET


def show(s):
    return s.encode("unicode_escape").decode("ascii")


def gitlab(schema_file, report_file):
    import jsonschema
    with open(schema_file) as f:
        schema = json.load(f)
    with open(report_file, "rb") as f:
        doc = json.loads(f.read().decode("utf-8", "strict"))
    jsonschema.validate(doc, schema)
    ids = [v["id"] for v in doc["vulnerabilities"]]
    if len(ids) != len(set(ids)):
        sys.exit("duplicate vulnerability ids")
    for v in doc["vulnerabilities"]:
        loc = v["location"]
        print("%s:%d %s %s %s" % (show(loc["file"]), loc["start_line"],
                                  v["identifiers"][0]["value"], v["severity"],
                                  loc["commit"]["sha"]))


def junit(report_file):
    tree = ET.parse(report_file)
    root = tree.getroot()
    assert root.tag == "testsuites", root.tag
    suites = root.findall("testsuite")
    assert len(suites) == 1
    s = suites[0]
    cases = s.findall("testcase")
    counts = {"failure": 0, "error": 0, "skipped": 0}
    lines = []
    for c in cases:
        outcome, msg = "pass", ""
        for k in counts:
            e = c.find(k)
            if e is not None:
                outcome, msg = k, e.get("message", "")
                counts[k] += 1
        lines.append("%s|%s|%s|%s" % (show(c.get("classname")),
                                      show(c.get("name")), outcome, show(msg)))
    for e in (root, s):
        got = [e.get("tests"), e.get("failures"), e.get("errors"),
               e.get("skipped")]
        want = [str(len(cases)), str(counts["failure"]), str(counts["error"]),
                str(counts["skipped"])]
        if got != want:
            sys.exit("%s counts %s, testcases say %s" % (e.tag, got, want))
    print(len(cases), counts["failure"], counts["error"], counts["skipped"])
    for line in lines:
        print(line)


def unescape(s, prop):
    s = s.replace("%0D", "\r").replace("%0A", "\n")
    if prop:
        s = s.replace("%3A", ":").replace("%2C", ",")
    return s.replace("%25", "%")


def github(report_file):
    with open(report_file, "rb") as f:
        data = f.read().decode("utf-8", "strict")
    for line in data.split("\n")[:-1]:
        assert line.startswith("::"), line
        cmd, _, msg = line[2:].partition("::")
        level, _, props = cmd.partition(" ")
        assert level in ("error", "warning", "notice"), level
        p = {}
        for kv in props.split(","):
            k, _, v = kv.partition("=")
            assert k not in p, k
            p[k] = unescape(v, True)
        for raw in (props, msg):
            assert "\r" not in raw and "\n" not in raw
        print("%s|%s|%s|%s|%s" % (level, show(p["file"]), p["line"],
                                  p["title"], show(unescape(msg, False))))


def main(argv):
    if argv[1] == "gitlab":
        gitlab(argv[2], argv[3])
    elif argv[1] == "gitlab-ids":
        with open(argv[2]) as f:
            for v in json.load(f)["vulnerabilities"]:
                print(v["id"])
    elif argv[1] == "gitlab-status":
        with open(argv[2]) as f:
            print(json.load(f)["scan"]["status"])
    elif argv[1] == "junit":
        junit(argv[2])
    elif argv[1] == "github":
        github(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
