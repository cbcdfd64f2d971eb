# bench/keygen.py - fake, key-shaped lines planted into the benchmark corpus.
#
# Every value comes from the caller's random.Random, so the corpus is the same
# on every run. The keys are random (never real) but have the exact shapes the
# default rules look for, and they avoid what keysnare's placeholder filter
# drops (xxxx, "example", runs like aaaaaa / 123456 / abcdef, low entropy), so
# every planted key is expected to be reported.

import math
import string

HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "_-"
AWS32 = string.ascii_uppercase + "234567"

# Family -> (line templates, secret generator). {k} is the secret.
FAMILIES = ("deepseek", "openai", "anthropic", "aws", "github")

_TEMPLATES = {
    "deepseek": ("DEEPSEEK_API_KEY={k}", 'export DEEPSEEK_API_KEY="{k}"',
                 'client = OpenAI(api_key="{k}", base_url="https://api.deepseek.com")'),
    "openai": ("OPENAI_API_KEY={k}", 'openai.api_key = "{k}"',
               "    OPENAI_API_KEY: \"{k}\""),
    "anthropic": ("ANTHROPIC_API_KEY={k}", 'client = anthropic.Anthropic(api_key="{k}")',
                  "export ANTHROPIC_API_KEY='{k}'"),
    "aws": ("AWS_ACCESS_KEY_ID={k}", "aws_access_key_id = {k}",
            's3 = boto3.client("s3", aws_access_key_id="{k}")'),
    "github": ("GITHUB_TOKEN={k}", '"token": "{k}",',
               "export GH_TOKEN={k}"),
}

# Substrings keysnare's placeholder filter rejects (lower-cased comparison).
_BAD = ("xxxx", "****", "...", "example", "sample", "placeholder", "redacted",
        "changeme", "dummy", "your_", "your-", "test")


def _entropy(s):
    n = len(s)
    counts = {}
    for c in s:
        counts[c] = counts.get(c, 0) + 1
    return -sum(v / n * math.log2(v / n) for v in counts.values())


def _has_run(s, n=6):
    same = asc = 1
    for a, b in zip(s, s[1:]):
        same = same + 1 if a == b else 1
        asc = asc + 1 if ord(b) == ord(a) + 1 else 1
        if same >= n or asc >= n:
            return True
    return False


def _ok(secret, min_entropy):
    low = secret.lower()
    return (not any(b in low for b in _BAD) and not _has_run(secret)
            and _entropy(secret) >= min_entropy)


def _rand(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def secret(rng, family):
    """A random secret of the family's shape that passes keysnare's filters."""
    while True:
        if family == "deepseek":
            s, e = "sk-" + _rand(rng, HEX, 32), 3.5
        elif family == "openai":
            s, e = ("sk-proj-" + _rand(rng, B64URL, 74) + "T3BlbkFJ"
                    + _rand(rng, B64URL, 74)), 4.5
        elif family == "anthropic":
            s = "sk-ant-api03-" + _rand(rng, B64URL, 93) + "AA"
            e = 4.5
        elif family == "aws":
            s, e = "AKIA" + _rand(rng, AWS32, 16), 3.5
        elif family == "github":
            s, e = "ghp_" + _rand(rng, ALNUM, 36), 4.0
        else:
            raise ValueError(family)
        if _ok(s, e):
            return s


def key_line(rng, family):
    """One line (bytes, no newline) containing one fake key of FAMILY."""
    tpl = rng.choice(_TEMPLATES[family])
    return tpl.format(k=secret(rng, family)).encode()


# keysnare rule id -> family, for counting findings against the truth files.
def family_of_rule(rule_id):
    if rule_id.startswith("deepseek") or rule_id in ("llm-sk-hex32-key", "dashscope-api-key"):
        return "deepseek"
    for fam in ("openai", "anthropic", "aws", "github"):
        if rule_id.startswith(fam):
            return fam
    return "other"
