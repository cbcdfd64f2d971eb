# shellcheck shell=bash
# suppress-lib.sh - helpers shared by the suppression tests (t60xx: config,
# inline markers, baseline), sourced after lib.sh and staged-lib.sh:
#
#	supp_findings REPORT.json   "path:line:column rule_id" of each finding,
#	                            followed by " [MECH]" when the finding is
#	                            listed as suppressed (--show-suppressed)
#	supp_counts REPORT.json     the non-zero counts of
#	                            stats.suppressed_by_reason in the summary's
#	                            order and format ("marker 1, path 2"), or
#	                            "none"; fails unless they add up to
#	                            stats.suppressed and every mechanism is there
#	summary_supp ERRFILE        the "N suppressed (...)" end of keysnare's
#	                            summary line in ERRFILE
#	bl_body FILE                a baseline's entries (every line after the
#	                            header), checked: the header is right, every
#	                            line is {"path","rule","secret_sha256"} (and
#	                            path_bytes), sorted by (path bytes, rule,
#	                            hash) without duplicates, final newline
#	bl_list FILE                bl_body as "path rule hash", one a line
#	sha_of STRING               SHA-256 (hex) of STRING
#	acme_config_rule            YAML of one rule acme-token (acme_ + 32
#	                            lowercase alnum) for extra_rules, indented as
#	                            a list item under "extra_rules:"
#	ks_in DIR ARGS...           keysnare ARGS, run with DIR as the working
#	                            directory
#	sorted_findings REPORT.json supp_findings, sorted (C locale)
#	lowent_acme                 an acme_ token of 4 distinct random characters
#	                            in random order (no repeats, no repeated pattern)
#	                            repeated (entropy ~2.3 bits: below the rule's
#	                            3.0)

# the mechanisms, in the order of the summary line and the JSON stats
SUPP_MECHS="marker path regex stopword commit baseline rule"

supp_findings() {
	"$PYTHON" - "$1" <<-\EOF
	import os, sys
	sys.path.insert(0, os.environ["E2E_DIR"])
	import ksjson
	for f in ksjson.load(sys.argv[1])["findings"]:
	    line = ksjson.finding_line(f)
	    if "suppressed" in f:
	        line += " [%s]" % f["suppressed"]
	    print(line)
	EOF
}

supp_counts() {
	"$PYTHON" - "$1" "$SUPP_MECHS" <<-\EOF
	import os, sys
	sys.path.insert(0, os.environ["E2E_DIR"])
	import ksjson
	st = ksjson.load(sys.argv[1])["stats"]
	by = st["suppressed_by_reason"]
	mechs = sys.argv[2].split()
	if sorted(by) != sorted(mechs):
	    sys.exit("suppressed_by_reason has %s, wanted %s" % (sorted(by), sorted(mechs)))
	if sum(by.values()) != st["suppressed"]:
	    sys.exit("suppressed_by_reason adds up to %d, stats.suppressed is %d"
	             % (sum(by.values()), st["suppressed"]))
	parts = ["%s %d" % (m, by[m]) for m in mechs if by[m]]
	print(", ".join(parts) if parts else "none")
	EOF
}

summary_supp() {
	sed -n 's/^keysnare: .*; \([0-9][0-9]* suppressed.*\)$/\1/p' "$1"
}

bl_body() {
	"$PYTHON" - "$1" <<-\EOF
	import base64, json, re, sys
	with open(sys.argv[1], "rb") as f:
	    lines = f.read().decode("utf-8").split("\n")
	if not lines[0].startswith("# keysnare baseline v1"):
	    sys.exit("bad header: %r" % lines[0][:80])
	if lines[-1] != "":
	    sys.exit("no final newline")
	prev = None
	for l in lines[1:-1]:
	    d = json.loads(l)
	    keys = [k for k in d if k != "path_bytes"]
	    if keys != ["path", "rule", "secret_sha256"]:
	        sys.exit("bad entry keys: %r" % list(d))
	    if not re.fullmatch("[0-9a-f]{64}", d["secret_sha256"]):
	        sys.exit("bad hash: %r" % d["secret_sha256"])
	    p = base64.b64decode(d["path_bytes"]) if "path_bytes" in d else d["path"].encode()
	    k = (p, d["rule"].encode(), d["secret_sha256"])
	    if prev is not None and not prev < k:
	        sys.exit("not sorted or duplicate: %r after %r" % (k, prev))
	    prev = k
	    print(l)
	EOF
}

bl_list() {
	bl_body "$1" >"$1.body" &&
	"$PYTHON" -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(l)
    print(d["path"], d["rule"], d["secret_sha256"])' "$1.body" &&
	rm -f "$1.body"
}

sha_of() {
	printf '%s' "$1" | sha256sum | cut -d" " -f1
}

acme_config_rule() {
	cat <<-\EOF
	  - id: acme-token
	    name: ACME token
	    description: ACME internal API token.
	    pattern: '\b(acme_[a-z0-9]{32})\b'
	    keywords: [acme_]
	    secret_group: 1
	    min_entropy: 3.0
	    severity: high
	    remediation: Rotate it in the ACME console; keep it in a secret manager.
	    examples:
	      - input: 'ACME_TOKEN={{secret}}'
	        secret: 'acme_{{lalnum:32}}'
	      - input: 'token: "{{secret}}"'
	        secret: 'acme_{{lalnum:32}}'
	    negative_examples:
	      - 'ACME_TOKEN=acme_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
	      - 'ACME_TOKEN=${ACME_TOKEN}'
	EOF
}

lowent_acme() {
	"$PYTHON" -c '
import secrets, string
r = secrets.SystemRandom()
a = r.sample(string.ascii_lowercase, 4)
s = [r.choice(a)]
while len(s) < 32:
    c = r.choice(a)
    if c != s[-1] and ord(c) != ord(s[-1]) + 1:
        s.append(c)
print("acme_" + "".join(s))'
}

# ks_in DIR ARGS...: keysnare ARGS run with DIR as the working directory
ks_in() {
	(cd "$1" && shift && exec "$KEYSNARE" "$@")
}

# sorted_findings REPORT.json: supp_findings, sorted (C locale)
sorted_findings() {
	supp_findings "$1" | sort
}
