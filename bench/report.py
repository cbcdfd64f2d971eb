#!/usr/bin/python3
# bench/report.py - turn run.sh's measurements into bench/RESULTS.md.
#
# usage: report.py OUTDIR RESULTS.md
#
# Reads OUTDIR/meta.txt (key=value lines written by run.sh), the hyperfine
# exports OUTDIR/<group>-r<round>.json (one file per round; a command's times
# are pooled over the rounds), OUTDIR/tree.json + the tree truth (correctness)
# and OUTDIR/big.json + OUTDIR/big.truth (2 GB file), and the T10 data of
# staged.sh when it is there (OUTDIR/t10*-r*.json, OUTDIR/staged*.json).
# Prints the table and writes the report. Timings are only reported here,
# never asserted in tests.
#
#        report.py --staged OUTDIR STAGED.md
#
# writes (and prints) only the T10 part, for bench/staged.sh run alone.

import collections
import glob
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keygen  # noqa: E402


def load_meta(path):
    meta = {}
    with open(path) as fh:
        for line in fh:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    return meta


def load_times(outdir):
    """name -> {'times': [...], 'exit_codes': set()} pooled over rounds."""
    res = collections.defaultdict(lambda: {"times": [], "exit_codes": set()})
    for f in sorted(glob.glob(os.path.join(outdir, "*-r*.json"))):
        with open(f) as fh:
            for r in json.load(fh)["results"]:
                res[r["command"]]["times"].extend(r["times"])
                res[r["command"]]["exit_codes"].update(r.get("exit_codes") or [])
    return res


def fmt_s(sec):
    if sec is None:
        return "n/a"
    return "%.1f ms" % (sec * 1e3) if sec < 1 else "%.3f s" % sec


def check_findings(json_path, truth, prefix):
    """Compare keysnare's findings with the truth: per family found/expected."""
    with open(json_path) as fh:
        doc = json.load(fh)
    found = set()
    by_family = collections.Counter()
    extra = collections.Counter()
    for f in doc["findings"]:
        path = f["path"]
        if prefix and path.startswith(prefix):
            path = path[len(prefix):]
        fam = keygen.family_of_rule(f["rule_id"])
        key = (path, f["line"], fam)
        if key in truth and key not in found:
            found.add(key)
            by_family[fam] += 1
        else:
            extra[f["rule_id"]] += 1
    expected = collections.Counter(fam for _, _, fam in truth)
    return by_family, expected, extra, doc.get("incomplete")


STAGED = ((6, "T10 pre-commit: 15,000-file index, 6 staged files", 0.040),
          (100, "T10b pre-commit: 15,000-file index, 100 staged files", 0.100))


def staged_rows(meta, med, spread):
    """T10/T10b rows: absolute median against its target, ratio to git."""
    rows = []
    ks = meta.get("cmd.ks-staged", "keysnare staged").replace(meta.get("keysnare", "\0"), "keysnare")
    git = meta.get("cmd.git-diff-cached", "git diff --cached -U0")
    for n, label, limit in STAGED:
        a, b = med("ks-staged%d" % n), med("git-diff%d" % n)
        if a is None:
            continue
        r = "n/a" if not b else "%.1f× git" % (a / b)
        rows.append((label, "`%s` in staged-%d/" % (ks, n), fmt_s(a), spread("ks-staged%d" % n),
                     "%s; < %d ms" % (r, limit * 1000), "yes" if a < limit else "**no**"))
        rows.append(("", "`%s` in staged-%d/" % (git, n), fmt_s(b), spread("git-diff%d" % n),
                     "reference", ""))
    return rows


def staged_correctness(outdir, meta):
    """One sentence per staged repository: exit code, planted key found at
    its path and line, other findings."""
    out = []
    for n, _, _ in STAGED:
        path = os.path.join(outdir, "staged%d.json" % n)
        if not meta.get("staged%d.truth" % n) or not os.path.exists(path):
            continue
        want = set()
        with open(meta["staged%d.truth" % n]) as fh:
            for line in fh:
                if line.strip():
                    p, ln, fam = line.rstrip("\n").rsplit(":", 2)
                    want.add((p, int(ln), fam))
        try:
            with open(path) as fh:
                doc = json.load(fh)
        except ValueError:
            out.append("staged-%d: no JSON report (exit %s)." % (n, meta.get("staged%d.exit" % n)))
            continue
        got = set((f["path"], f["line"], keygen.family_of_rule(f["rule_id"])) for f in doc["findings"])
        rss = meta.get("staged%d.rss_kb" % n)
        out.append("staged-%d (%s): exit %s (1 = blocked); %d of %d planted keys at their path and line;"
                   " %d other findings; incomplete: %s%s." % (
                       n, meta.get("staged%d.shape" % n, "?"), meta.get("staged%d.exit" % n, "?"),
                       len(want & got), len(want), len(got - want), doc.get("incomplete"),
                       "; peak RSS %.1f MiB" % (int(rss) / 1024) if rss else ""))
    return out


def main_staged(outdir, md):
    meta = load_meta(os.path.join(outdir, "meta.txt"))
    times = load_times(outdir)

    def med(name):
        t = times.get(name)
        return statistics.median(t["times"]) if t and t["times"] else None

    def spread(name):
        t = times.get(name)
        if not t or not t["times"]:
            return "n/a"
        return "%s – %s (n=%d)" % (fmt_s(min(t["times"])), fmt_s(max(t["times"])), len(t["times"]))

    L = ["# keysnare pre-commit benchmark (T10)\n",
         "Generated by `bench/staged.sh%s` — see `bench/README.md`. Numbers describe this machine on this"
         " day; they are not asserted anywhere.\n" % (" --quick" if meta.get("quick") == "1" else ""),
         "| | |\n|---|---|"]
    for k, label in (("date", "date"), ("cpu", "CPU"), ("cores", "cores"),
                     ("load_before", "load average before"), ("load_after", "load average after"),
                     ("version", "keysnare version"), ("staged_runs", "runs per command")):
        if meta.get(k):
            L.append("| %s | %s |" % (label, meta[k]))
    L.append("")
    L.append("| target | command | median | min – max | ratio, target | target met? |")
    L.append("|---|---|---|---|---|---|")
    for r in staged_rows(meta, med, spread):
        L.append("| %s |" % " | ".join(r))
    L.append("")
    L.append("The targets are absolute (whole process, wall clock); the ratio to `git diff --cached -U0`"
             " on the same repository, alternating in the same run, is reported only.\n")
    bad_exit = {n: sorted(t["exit_codes"] - {0, 1}) for n, t in times.items() if t["exit_codes"] - {0, 1}}
    if bad_exit:
        L.append("**Warning:** unexpected exit codes: %s\n" % bad_exit)
    L.extend(s + "\n" for s in staged_correctness(outdir, meta))
    text = "\n".join(L)
    with open(md, "w") as fh:
        fh.write(text)
    print(text)


def main():
    if sys.argv[1] == "--staged":
        main_staged(sys.argv[2], sys.argv[3])
        return
    outdir, results_md = sys.argv[1], sys.argv[2]
    meta = load_meta(os.path.join(outdir, "meta.txt"))
    times = load_times(outdir)

    def med(name):
        t = times.get(name)
        return statistics.median(t["times"]) if t and t["times"] else None

    def spread(name):
        t = times.get(name)
        if not t or not t["times"]:
            return "n/a"
        return "%s – %s (n=%d)" % (fmt_s(min(t["times"])), fmt_s(max(t["times"])), len(t["times"]))

    def cmd(name):
        c = meta.get("cmd." + name, "")
        c = c.replace(meta.get("tree", "\0"), "$TREE").replace(meta.get("keysnare", "\0"), "keysnare")
        c = c.replace(meta.get("history", "\0"), "$HISTORY").replace(meta.get("empty", "\0"), "$EMPTY")
        if name == "rg10":
            c = re.sub(r"(-e .*) \$TREE", "-e RULE1 … -e RULE10 $TREE", c)
        return "`" + c.replace("|", "\\|") + "`"

    rows = []  # target, command, median, spread, ratio, met

    def ratio_row(target, ks, ref, limit):
        a, b = med(ks), med(ref)
        r = a / b if a is not None and b else None
        met = "n/a" if r is None else ("yes" if r <= limit else "**no**")
        rows.append((target, cmd(ks), fmt_s(a), spread(ks),
                     "n/a" if r is None else "%.2f× (≤ %.1f×)" % (r, limit), met))
        rows.append(("", cmd(ref), fmt_s(b), spread(ref), "reference", ""))
        return r

    ratio_row("T1 1 thread, 1 rule", "ks-j1", "rg1-j1", 2.0)
    ratio_row("T2 default threads, 1 rule", "ks", "rg1", 2.0)
    ratio_row("T3 default threads, 10 rules", "ks", "rg10", 0.5)
    m8 = med("ks-empty")
    rows.append(("T8 start-up", cmd("ks-empty"), fmt_s(m8), spread("ks-empty"), "< 15 ms",
                 "n/a" if m8 is None else ("yes" if m8 < 0.015 else "**no**")))
    for key, label, what in (("tree_rss_kb", "T9 peak RSS, tree", "cmd.rss-tree"),
                             ("big_rss_kb", "T9 peak RSS, 2 GiB file", "cmd.rss-big")):
        kb = meta.get(key)
        val = "n/a" if not kb else "%.1f MiB" % (int(kb) / 1024)
        extra = ""
        if key == "big_rss_kb" and meta.get("big_wall"):
            extra = "wall %s" % meta["big_wall"]
        rows.append((label, cmd(what[4:]), val, extra, "< 50 MiB",
                     "n/a" if not kb else ("yes" if int(kb) < 50 * 1024 else "**no**")))
    rows.extend(staged_rows(meta, med, spread))
    if meta.get("history"):
        ratio_row("T4 history, default rules vs reading every object", "ks-hist", "git-cat-file", 1.5)
        a, b = med("ks-hist"), med("git-log-p")
        r = b / a if a and b else None
        rows.append(("T5 history vs `git log -p` alone", cmd("ks-hist"), fmt_s(a), spread("ks-hist"),
                     "n/a" if r is None else "%.2f× faster (≥ 3×)" % r,
                     "n/a" if r is None else ("yes" if r >= 3 else "**no**")))
        rows.append(("", cmd("git-log-p"), fmt_s(b), spread("git-log-p"), "reference", ""))
        a, n, g = med("ks-hist"), med("ks-hist-noprov"), med("git-log-raw")
        prov = a - n if a is not None and n is not None else None
        r = prov / g if prov is not None and g else None
        rows.append(("T4b provenance (difference of the two history runs)", cmd("ks-hist-noprov"),
                     fmt_s(n), spread("ks-hist-noprov"),
                     "n/a" if r is None else "%s = %.2f× (≤ 1.5×)" % (fmt_s(max(prov, 0)), r),
                     "n/a" if r is None else ("yes" if r <= 1.5 else "**no**")))
        rows.append(("", cmd("git-log-raw"), fmt_s(g), spread("git-log-raw"), "reference", ""))
        kb, pack = meta.get("hist_rss_kb"), meta.get("hist_pack_kb")
        if kb and pack:
            lim = int(pack) + 64 * 1024
            rows.append(("history peak RSS", "`/usr/bin/time -v` " + cmd("ks-hist"), "%.1f MiB" % (int(kb) / 1024),
                         "largest pack %.1f MiB" % (int(pack) / 1024), "≤ pack + 64 MiB = %.1f MiB" % (lim / 1024),
                         "yes" if int(kb) <= lim else "**no**"))

    bad_exit = {n: sorted(t["exit_codes"] - {0, 1}) for n, t in times.items() if t["exit_codes"] - {0, 1}}

    L = []
    L.append("# keysnare benchmark results\n")
    L.append("Generated by `bench/run.sh%s` — see `bench/README.md`. Numbers describe this machine on this day;"
             " they are not asserted anywhere.\n" % (" --quick" if meta.get("quick") == "1" else ""))
    L.append("| | |\n|---|---|")
    for k, label in (("date", "date"), ("cpu", "CPU"), ("cores", "cores"),
                     ("load_before", "load average before"), ("load_after", "load average after"),
                     ("version", "keysnare version"), ("threads_note", "threads"),
                     ("corpus", "tree corpus"), ("history_stats", "history corpus"),
                     ("runs", "runs per command"), ("staged_runs", "runs per command (T10)")):
        if meta.get(k):
            L.append("| %s | %s |" % (label, meta[k]))
    L.append("")
    L.append("| target | command | median | min – max | ratio | target met? |")
    L.append("|---|---|---|---|---|---|")
    for r in rows:
        L.append("| %s |" % " | ".join(r))
    L.append("")
    L.append("Ratio = keysnare median / reference median, measured in the same run with the commands"
             " alternating (one hyperfine round per run, all commands in every round, warm-up in the first).")
    L.append("RULE1 … RULE10 are the `-e` patterns listed in `bench/README.md` (T3).\n")
    if bad_exit:
        L.append("**Warning:** unexpected exit codes: %s\n" % bad_exit)

    # correctness
    truth = set()
    with open(meta["tree_truth"]) as fh:
        for line in fh:
            p, ln, fam = line.rstrip("\n").rsplit(":", 2)
            truth.add((p, int(ln), fam))
    found, expected, extra, incomplete = check_findings(
        os.path.join(outdir, "tree.json"), truth, meta["tree"].rstrip("/") + "/")
    L.append("## Correctness (tree corpus, planted keys)\n")
    L.append("| family | found | expected |\n|---|---|---|")
    for fam in keygen.FAMILIES:
        L.append("| %s | %d | %d |" % (fam, found[fam], expected[fam]))
    L.append("| **total** | **%d** | **%d** |" % (sum(found.values()), sum(expected.values())))
    L.append("")
    L.append("Other findings (not planted; real text or false positives): %s; scan incomplete: %s.\n" %
             (", ".join("%s ×%d" % kv for kv in sorted(extra.items())) or "none", incomplete))
    hist_json = os.path.join(outdir, "history.json")
    if meta.get("history_truth") and os.path.exists(hist_json) and os.path.getsize(hist_json):
        with open(hist_json) as fh:
            doc = json.load(fh)
        want = []
        with open(meta["history_truth"]) as fh:
            for line in fh:
                if line.strip():
                    commit, rest = line.rstrip("\n").split(":", 1)
                    path, ln, fam = rest.rsplit(":", 2)
                    want.append((commit, path, int(ln), fam))
        got = set((f["commit"]["id"] if f.get("commit") else None, f["path"], f["line"],
                   keygen.family_of_rule(f["rule_id"])) for f in doc["findings"])
        hit = sum(1 for w in want if w in got)
        L.append("History corpus: %d of %d planted keys reported at their introducing commit, path and line;"
                 " %d findings in all; incomplete: %s.\n" % (hit, len(want), len(doc["findings"]), doc["incomplete"]))
    for line in staged_correctness(outdir, meta):
        L.append("Pre-commit (T10) " + line + "\n")
    big_json = os.path.join(outdir, "big.json")
    if os.path.exists(big_json) and os.path.getsize(big_json):
        with open(big_json) as fh:
            doc = json.load(fh)
        fams = collections.Counter(keygen.family_of_rule(f["rule_id"]) for f in doc["findings"])
        with open(os.path.join(outdir, "big.truth")) as fh:
            bt = collections.Counter(l.split()[1] for l in fh if l.strip())
        L.append("2 GiB sparse file: found %s of %d planted keys (%s).\n" % (
            sum(min(fams[f], bt[f]) for f in bt), sum(bt.values()),
            ", ".join("%s %d/%d" % (f, fams[f], bt[f]) for f in keygen.FAMILIES if bt[f])))
    text = "\n".join(L)
    with open(results_md, "w") as fh:
        fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
