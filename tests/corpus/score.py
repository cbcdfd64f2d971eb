#!/usr/bin/python3
"""score.py - match keysnare findings to the corpus truth (issue 9).

usage: score.py score TRUTH.json FINDINGS.json [--check] [--max-list N]
       score.py coverage TRUTH.json

score: prints precision, recall and F1 overall and per family group and
provider, then the misses and false positives (secrets redacted to their first
6 characters) so that rule writers can act. With --check exits 1 unless
recall >= 0.97, precision >= 0.99 and every AI/LLM key was found.

coverage: exits 1 unless the corpus has at least one planted key of every
family/kind the issue lists, and at least as many hard negatives as positives.

Matching (see tests/corpus/README.md): a finding matches a planted secret when
the paths are equal and the reported secret equals the planted one, or one
contains the other (the shorter at least 8 characters) and their line ranges
overlap. Comparisons ignore whitespace and literal \\n escapes (PEM blocks
inside JSON strings or indented YAML). Each planted secret is matched at most
once; every other finding, including a second finding of an already matched
secret, is a false positive.
"""
import base64
import collections
import json
import re
import sys
import urllib.parse

TARGET_RECALL, TARGET_PRECISION = 0.97, 0.99
FAMILIES = ["AI/LLM", "Cloud", "Code", "Messaging/SaaS", "Structural", "encoded"]

# The list, written out independently of gen.py's tables:
# provider -> kinds that must each be present (empty: any kind).
REQUIRED = {
    "AI/LLM": {
        "openai": ["legacy-user-key", "project-key", "service-account-key", "admin-key"],
        "anthropic": ["api-key", "admin-key"], "deepseek": [], "dashscope": [], "moonshot": [], "zhipu": [],
        "google-ai": [], "groq": [], "xai": [], "mistral": [], "cohere": [], "huggingface": [], "openrouter": [],
        "perplexity": [], "together": [], "fireworks": [], "replicate": [], "azure-openai": [], "ai21": [],
        "voyage": [], "elevenlabs": [], "assemblyai": [], "deepgram": [], "pinecone": [], "wandb": [], "langsmith": [],
    },
    "Cloud": {
        "aws": ["access-key-id", "secret-access-key", "session-token"],
        "gcp": ["service-account-json", "oauth-client-secret"],
        "azure": ["storage-account-key", "storage-connection-string", "ad-client-secret"],
        "digitalocean": [], "heroku": [], "cloudflare": [], "alibaba": [], "vercel": [], "netlify": [], "flyio": [],
        "supabase": [], "firebase": [], "vault": [], "terraform-cloud": [],
    },
    "Code": {
        "github": ["classic-pat", "oauth-token", "user-to-server", "server-to-server", "refresh-token", "fine-grained-pat"],
        "gitlab": ["pat", "deploy-token", "runner-token", "pipeline-trigger-token", "feed-token", "oauth-app-secret",
                   "agent-token", "incoming-mail-token", "scim-token", "ci-build-token", "feature-flags-client-token"],
        "bitbucket": [], "npm": [], "pypi": [], "rubygems": [], "nuget": [], "dockerhub": [], "jfrog": [],
        "circleci": [], "travis": [], "buildkite": [],
    },
    "Messaging/SaaS": {
        "slack": ["bot-token", "user-token", "app-token", "webhook-url"], "discord": ["bot-token", "webhook-url"],
        "telegram": [], "twilio": [], "sendgrid": [], "mailgun": [], "mailchimp": [], "postmark": [], "stripe": [],
        "square": [], "braintree": [], "paypal": [], "shopify": [], "datadog": [], "newrelic": [], "sentry": [],
        "pagerduty": [], "atlassian": [], "notion": [], "linear": [], "airtable": [], "okta": [], "auth0": [],
        "contentful": [],
    },
    "Structural": {
        "private-key": ["rsa-pkcs1", "ec", "dsa", "openssh", "pgp", "pkcs8", "encrypted-pkcs8"],
        "jwt": [], "url-credentials": [],
        "db-connection": ["postgresql", "mysql", "mongodb", "redis", "amqp"],
        "config-secret": ["password-assignment", "secret-assignment"],
    },
    "encoded": {"*": ["k8s-secret-base64", "authorization-basic", "percent-encoded-url", "json-unicode-escape", "utf16le-bom"]},
}

WS = re.compile(r"\s+|\\[nr]")


def norm(s):
    return WS.sub("", s or "")


def red(s):
    s = (s or "").replace("\n", "\\n")
    return s[:6] + "***"


def load_findings(path):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    out = []
    for x in d.get("findings", []):
        out.append(dict(rule_id=x.get("rule_id", "?"), path=x["path"], line=x.get("line", 0),
                        end_line=x.get("end_line") or x.get("line", 0), column=x.get("column", 0),
                        secret=x.get("secret", ""), n=norm(x.get("secret", ""))))
    return out, d


def decoded_forms(s):
    """the reported secret as found, and decoded if it is base64, percent- or \\u-encoded"""
    out = []
    t = s.strip()
    if len(t) >= 12 and re.fullmatch(r"[A-Za-z0-9+/_-]+=*", t):
        try:
            d = base64.b64decode(t.replace("-", "+").replace("_", "/") + "=" * (-len(t) % 4), validate=True).decode("utf-8")
            if d.isprintable():
                out.append(d)
        except (ValueError, UnicodeDecodeError):
            pass
    if "%" in t:
        out.append(urllib.parse.unquote(t))
    if "\\u" in t:
        out.append(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), t))
    return [norm(x) for x in out]


def overlap(a1, a2, b1, b2):
    return a1 <= b2 and b1 <= a2


def match(truth, findings):
    pos = truth["positives"]
    for p in pos:
        p["n"] = norm(p["secret"])
        p["hit"] = None
    by_path = collections.defaultdict(list)
    for p in pos:
        by_path[p["path"]].append(p)
    for f in findings:
        f["match"] = None
    # pass 1: equal secrets; pass 2: containment with overlapping lines
    for f in findings:
        cands = [p for p in by_path.get(f["path"], []) if p["hit"] is None and (p["secret"] == f["secret"] or (p["n"] and p["n"] == f["n"]))]
        if cands:
            p = min(cands, key=lambda p: abs(p["line"] - f["line"]))
            p["hit"], f["match"] = f, p
    for f in findings:
        if f["match"] is not None:
            continue
        for p in by_path.get(f["path"], []):
            if p["hit"] is not None:
                continue
            a, b = (p["n"], f["n"]) if len(p["n"]) <= len(f["n"]) else (f["n"], p["n"])
            if len(a) >= 8 and a in b and overlap(p["line"], p["end_line"], f["line"], f["end_line"]):
                p["hit"], f["match"] = f, p
                break
    # pass 3: the reported secret is the encoded form of a planted one (a
    # Basic header or a k8s data: value reported without decoding it)
    for f in findings:
        if f["match"] is not None:
            continue
        forms = decoded_forms(f["secret"])
        if not forms:
            continue
        for p in by_path.get(f["path"], []):
            if p["hit"] is not None or not overlap(p["line"], p["end_line"], f["line"], f["end_line"]):
                continue
            if any(len(p["n"]) >= 8 and p["n"] in d for d in forms):
                p["hit"], f["match"], f["via_encoded"] = f, p, True
                break
    # classify false positives
    negs = collections.defaultdict(list)
    for n in truth["negatives"]:
        negs[n["path"]].append(n)
    fps = []
    for f in findings:
        if f["match"] is not None:
            continue
        cat = "unlabelled"
        for p in by_path.get(f["path"], []):
            if p["hit"] is not None and (p["n"] == f["n"] or (min(len(p["n"]), len(f["n"])) >= 8 and (p["n"] in f["n"] or f["n"] in p["n"]))):
                cat = "duplicate of " + p["provider"]
                break
        else:
            for n in negs.get(f["path"], []):
                if overlap(n["line"], n["end_line"], f["line"], f["end_line"]):
                    cat = n["category"]
                    break
        f["fp_category"] = cat
        fps.append(f)
    return pos, fps


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def score(argv):
    check = "--check" in argv
    argv = [a for a in argv if a != "--check"]
    maxlist = 60
    if "--max-list" in argv:
        i = argv.index("--max-list")
        maxlist = int(argv[i + 1])
        del argv[i:i + 2]
    truth = json.load(open(argv[0], encoding="utf-8"))
    findings, raw = load_findings(argv[1])
    pos, fps = match(truth, findings)
    tp = sum(1 for p in pos if p["hit"])
    fn = len(pos) - tp
    P, Rc, F = prf(tp, len(fps), fn)
    plain = [p for p in pos if p["family"] != "encoded"]
    tp2 = sum(1 for p in plain if p["hit"])
    fams = collections.OrderedDict((f, [0, 0]) for f in FAMILIES)
    provs = collections.OrderedDict()
    for p in pos:
        fams.setdefault(p["family"], [0, 0])
        fams[p["family"]][0] += 1
        fams[p["family"]][1] += 1 if p["hit"] else 0
        k = (p["family"], p["provider"])
        provs.setdefault(k, [0, 0])
        provs[k][0] += 1
        provs[k][1] += 1 if p["hit"] else 0
    dup = collections.Counter()
    for f in fps:
        if f["fp_category"].startswith("duplicate of "):
            for p in pos:
                if p["provider"] == f["fp_category"][13:]:
                    dup[p["family"]] += 1
                    break

    print("keysnare accuracy: seed %s scale %s: %d planted secrets, %d hard negatives, %d findings%s" % (
        truth.get("seed"), truth.get("scale"), len(pos), len(truth["negatives"]), len(findings),
        " (scan INCOMPLETE)" if raw.get("incomplete") else ""))
    print()
    print("| scope | TP | FP | FN | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|")
    print("| **overall** | %d | %d | %d | %.4f | %.4f | %.4f |" % (tp, len(fps), fn, P, Rc, F))
    p2 = prf(tp2, len(fps), len(plain) - tp2)
    print("| overall without encoded | %d | %d | %d | %.4f | %.4f | %.4f |" % (tp2, len(fps), len(plain) - tp2, *p2))
    print()
    venc = sum(1 for f in findings if f.get("via_encoded"))
    if venc:
        print("(%d planted secrets matched by a finding that reported their encoded form, not the decoded secret)" % venc)
        print()
    print("| family | planted | found | missed | recall | duplicate findings |")
    print("|---|---|---|---|---|---|")
    for fam, (n, h) in fams.items():
        if n:
            print("| %s | %d | %d | %d | %.4f | %d |" % (fam, n, h, n - h, h / n, dup.get(fam, 0)))
    print()
    print("| family | provider | planted | found | recall |")
    print("|---|---|---|---|---|")
    for (fam, pr), (n, h) in sorted(provs.items(), key=lambda kv: (FAMILIES.index(kv[0][0]) if kv[0][0] in FAMILIES else 99, kv[0][1])):
        print("| %s | %s | %d | %d | %s |" % (fam, pr, n, h, "%.2f" % (h / n) + ("" if h == n else " ⚠")))
    print()
    misses = [p for p in pos if not p["hit"]]
    by_line = collections.defaultdict(list)
    for f in findings:
        for ln in range(f["line"], f["end_line"] + 1):
            by_line[(f["path"], ln)].append(f)
    print("## misses (%d)" % len(misses))
    for p in sorted(misses, key=lambda p: (p["family"], p["provider"], p["kind"], p["path"]))[:maxlist]:
        near = by_line.get((p["path"], p["line"]), [])
        note = ""
        if near:
            note = "  [on that line: " + ", ".join("%s %s" % (f["rule_id"], red(f["secret"])) for f in near[:3]) + "]"
        print("- %s/%s/%s %s:%d %s (len %d)%s" % (p["family"], p["provider"], p["kind"] + ("<" + p["inner_kind"] + ">" if p.get("inner_kind") else ""),
                                             p["path"], p["line"], red(p["secret"]), len(p["secret"]), note))
    if len(misses) > maxlist:
        print("- ... %d more" % (len(misses) - maxlist))
    print()
    print("## false positives (%d)" % len(fps))
    byrule = collections.Counter(f["rule_id"] for f in fps)
    bycat = collections.Counter(f["fp_category"] for f in fps)
    if fps:
        print("by rule: " + ", ".join("%s ×%d" % kv for kv in byrule.most_common()))
        print("by category: " + ", ".join("%s ×%d" % kv for kv in bycat.most_common()))
    for f in sorted(fps, key=lambda f: (f["rule_id"], f["path"], f["line"]))[:maxlist]:
        print("- %s %s:%d:%d %s [%s]" % (f["rule_id"], f["path"], f["line"], f["column"], red(f["secret"]), f["fp_category"]))
    if len(fps) > maxlist:
        print("- ... %d more" % (len(fps) - maxlist))
    print()
    llm_n, llm_h = fams.get("AI/LLM", [0, 0])
    llm = llm_h / llm_n if llm_n else 1.0
    ok = Rc >= TARGET_RECALL and P >= TARGET_PRECISION and llm == 1.0
    print("targets: recall %.4f (>= %.2f) %s; precision %.4f (>= %.2f) %s; AI/LLM recall %.4f (== 1) %s" % (
        Rc, TARGET_RECALL, "ok" if Rc >= TARGET_RECALL else "NOT MET", P, TARGET_PRECISION, "ok" if P >= TARGET_PRECISION else "NOT MET",
        llm, "ok" if llm == 1.0 else "NOT MET"))
    if check and not ok:
        return 1
    return 0


def coverage(argv):
    truth = json.load(open(argv[0], encoding="utf-8"))
    have = collections.defaultdict(set)
    for p in truth["positives"]:
        have[(p["family"], p["provider"])].add(p["kind"])
        have[(p["family"], "*")].add(p["kind"])
    bad = []
    for fam, provs in REQUIRED.items():
        for prov, kinds in provs.items():
            got = have.get((fam, prov))
            if not got:
                bad.append("no %s key of %s" % (fam, prov))
                continue
            for k in kinds:
                if k not in got:
                    bad.append("no %s %s key of kind %s" % (fam, prov, k))
    npos, nneg = len(truth["positives"]), len(truth["negatives"])
    if nneg < npos:
        bad.append("%d negatives < %d positives" % (nneg, npos))
    cats = collections.Counter(n["category"] for n in truth["negatives"])
    for c in ("placeholder", "hash", "uuid", "lockfile-integrity", "lfs-pointer", "minified-identifier", "data-uri",
              "public-key", "certificate", "word", "near-miss", "fake-fixture", "docs-example", "csp-nonce", "high-entropy-id"):
        if not cats.get(c):
            bad.append("no hard negative of category %s" % c)
    for b in bad:
        print("coverage: " + b)
    print("coverage: %d positives over %d providers, %d negatives in %d categories: %s" % (
        npos, len({k for k in have if k[1] != "*"}), nneg, len(cats), "ok" if not bad else "FAILED"))
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "score":
        sys.exit(score(sys.argv[2:]))
    if len(sys.argv) == 3 and sys.argv[1] == "coverage":
        sys.exit(coverage(sys.argv[2:]))
    sys.stderr.write(__doc__)
    sys.exit(2)
