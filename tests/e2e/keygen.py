#!/usr/bin/env python3
"""keygen.py - fresh, random fake credentials for the end-to-end tests.

    keygen.py FAMILY [COUNT]     print COUNT (default 1) fresh values
    keygen.py --list             list the families

Every value is drawn from the operating system's CSPRNG (`secrets`) at test
time; nothing key-shaped is committed. The shapes are written from the
providers' published key formats, deliberately NOT from keysnare's rule
regexes: the tests check that the rules agree with the formats.

A real key can, by chance, contain a long run such as "aaaaaa" or "123456",
a placeholder word, an "a1b2c3d4e5" alternation or have a low entropy, which
keysnare's filters (and the generic rule's exclusions) drop on purpose.
To keep the tests deterministic, values that look like that are redrawn
(see plausible()); the filters themselves are tested with explicit
placeholders.
"""
import base64
import hashlib
import hmac
import json
import math
import re
import secrets
import string
import sys
import time
import uuid

HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits
LETTERS = string.ascii_letters
B64 = ALNUM + "+/"
B64URL = ALNUM + "_-"
BASE32_UPPER = string.ascii_uppercase + "234567"
UPPER_ALNUM = string.ascii_uppercase + string.digits
DIGITS = string.digits


def rand(alphabet, n):
    return "".join(secrets.choice(alphabet) for _ in range(n))


def entropy(s):
    if not s:
        return 0.0
    counts = {}
    for c in s:
        counts[c] = counts.get(c, 0) + 1
    return -sum(v / len(s) * math.log2(v / len(s)) for v in counts.values())


PLACEHOLDER_WORDS = ("xxx", "***", "...", "example", "sample", "placeholder",
                     "redacted", "changeme", "dummy", "your", "test", "fake", "mock",
                     "todo", "replace", "secret", "password", "insecure")

# "a1b2c3d4e5"-like alternations read as placeholders to the generic rule
ALTERNATION = re.compile(r"(?:[a-z][0-9]){5}", re.IGNORECASE)


def plausible(value, random_part, alphabet_size):
    """False for values a test should not rely on (see module doc)."""
    low = value.lower()
    if any(w in low for w in PLACEHOLDER_WORDS) or ALTERNATION.search(value):
        return False
    run_same = run_seq = 1
    for a, b in zip(value, value[1:]):
        run_same = run_same + 1 if a == b else 1
        run_seq = run_seq + 1 if b.isalnum() and ord(b) == ord(a) + 1 else 1
        if run_same >= 5 or run_seq >= 5:
            return False
    want = 0.8 * math.log2(min(len(random_part), alphabet_size))
    return entropy(random_part) >= want


def simple(prefix, alphabet, n, suffix="", middle=None):
    """prefix + n random chars [+ middle + n2 random chars] + suffix."""
    def make():
        r = rand(alphabet, n)
        if middle is not None:
            lit, alphabet2, n2 = middle
            r2 = rand(alphabet2, n2)
            return prefix + r + lit + r2 + suffix, r + r2
        return prefix + r + suffix, r
    return make


def b64_lines(data, width):
    s = base64.b64encode(data).decode()
    return [s[i:i + width] for i in range(0, len(s), width)]


def private_key():
    """A PEM/OpenSSH private key block; the body is random bytes behind a
    realistic DER (or openssh-key-v1) header."""
    kind = secrets.choice(["RSA", "PKCS8", "EC", "OPENSSH"])
    if kind == "RSA":
        body = bytes.fromhex("308204a40201000282010100") + secrets.token_bytes(1180)
        label, lines = "RSA PRIVATE KEY", b64_lines(body, 64)
    elif kind == "PKCS8":
        body = (bytes.fromhex("308204be020100300d06092a864886f70d0101010500048204a8")
                + secrets.token_bytes(1190))
        label, lines = "PRIVATE KEY", b64_lines(body, 64)
    elif kind == "EC":
        body = bytes.fromhex("30770201010420") + secrets.token_bytes(114)
        label, lines = "EC PRIVATE KEY", b64_lines(body, 64)
    else:
        body = b"openssh-key-v1\0" + secrets.token_bytes(380)
        label, lines = "OPENSSH PRIVATE KEY", b64_lines(body, 70)
    pem = "-----BEGIN %s-----\n%s\n-----END %s-----" % (label, "\n".join(lines), label)
    return pem, base64.b64encode(body).decode()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt():
    """An HS256-signed JWT with a random subject, id and signing key."""
    header = {"alg": "HS256", "typ": "JWT"}
    now = int(time.time()) - secrets.randbelow(86400 * 30)
    payload = {
        "sub": str(uuid.UUID(bytes=secrets.token_bytes(16), version=4)),
        "iss": "https://auth.%s.io/" % rand(string.ascii_lowercase, 6),
        "iat": now,
        "exp": now + 3600 * (1 + secrets.randbelow(720)),
        "jti": secrets.token_hex(12),
        "role": secrets.choice(["service_role", "admin", "user"]),
    }
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode())
                     + "." + b64url(json.dumps(payload, separators=(",", ":")).encode()))
    sig = hmac.new(secrets.token_bytes(32), signing_input.encode(), hashlib.sha256).digest()
    tok = signing_input + "." + b64url(sig)
    return tok, b64url(sig)


def slack_bot():
    team = str(1 + secrets.randbelow(9)) + rand(DIGITS, 9 + secrets.randbelow(3))
    bot = str(1 + secrets.randbelow(9)) + rand(DIGITS, 12)
    r = rand(ALNUM, 24)
    return "xoxb-%s-%s-%s" % (team, bot, r), r


def slack_webhook():
    n = secrets.choice([8, 10])
    r = rand(ALNUM, 24)
    return ("https://hooks.slack.com/services/T%s/B%s/%s"
            % (rand(UPPER_ALNUM, n), rand(UPPER_ALNUM, n), r)), r


def stripe():
    n = 24 + secrets.randbelow(99 - 24 + 1)
    r = rand(ALNUM, n)
    return "sk_live_" + r, r


def pypi():
    n = 70 + secrets.randbelow(131)
    r = rand(B64URL, n)
    return "pypi-AgEIcHlwaS5vcmc" + r, r


def generic():
    """A high-entropy value for a generic `..._API_KEY = "..."` assignment:
    40 alphanumerics with upper, lower case and digits, as services issue."""
    while True:
        r = rand(ALNUM, 40)
        if (any(c.islower() for c in r) and any(c.isupper() for c in r)
                and any(c.isdigit() for c in r)):
            return r, r


def acme():
    """acme_ + 32 lowercase alphanumerics with a digit: the shape of the
    custom rule the tests load with --rules."""
    while True:
        r = rand(string.ascii_lowercase + DIGITS, 32)
        if any(c.isdigit() for c in r) and any(c.isalpha() for c in r):
            return "acme_" + r, r


def hexdigest(algo):
    def make():
        d = hashlib.new(algo, secrets.token_bytes(64)).hexdigest()
        return d, d
    return make


def uuid4():
    u = str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
    return u, u.replace("-", "")


def sri():
    """npm lockfile integrity string (sha512-<base64>): not a secret."""
    d = base64.b64encode(hashlib.sha512(secrets.token_bytes(64)).digest()).decode()
    return "sha512-" + d, d


FAMILIES = {
    # family: (maker, alphabet size for the entropy check; 0 = no check)
    "deepseek": (simple("sk-", HEX, 32), 16),
    "openai-legacy": (simple("sk-", ALNUM, 20, middle=("T3BlbkFJ", ALNUM, 20)), 62),
    "openai-project": (simple("sk-proj-", B64URL, 74, middle=("T3BlbkFJ", B64URL, 74)), 64),
    "anthropic": (simple("sk-ant-api03-", B64URL, 93, suffix="AA"), 64),
    "google": (simple("AIza", B64URL, 35), 64),
    "groq": (simple("gsk_", ALNUM, 52), 62),
    "xai": (simple("xai-", ALNUM, 80), 62),
    "huggingface": (simple("hf_", LETTERS, 34), 52),
    "openrouter": (simple("sk-or-v1-", HEX, 64), 16),
    "perplexity": (simple("pplx-", ALNUM, 48), 62),
    "aws-key-id": (simple("AKIA", BASE32_UPPER, 16), 32),
    "aws-secret": (simple("", B64, 40), 64),
    "github-pat": (simple("ghp_", ALNUM, 36), 62),
    "github-fine-grained": (simple("github_pat_", ALNUM, 22, middle=("_", ALNUM, 59)), 62),
    "gitlab": (simple("glpat-", B64URL, 20), 64),
    "slack-bot": (slack_bot, 62),
    "slack-webhook": (slack_webhook, 62),
    "stripe": (stripe, 62),
    "npm": (simple("npm_", ALNUM, 36), 62),
    "pypi": (pypi, 64),
    "sendgrid": (simple("SG.", B64URL, 22, middle=(".", B64URL, 43)), 64),
    "private-key": (private_key, 0),
    "jwt": (jwt, 64),
    "generic": (generic, 62),
    # the shape of the custom rule that t0002 loads with --rules
    "acme": (acme, 36),
    # not secrets: random values for negative tests
    "md5": (hexdigest("md5"), 16),
    "sha1": (hexdigest("sha1"), 16),
    "sha256": (hexdigest("sha256"), 16),
    "uuid": (uuid4, 16),
    "sri": (sri, 64),
    "hex32": (simple("", HEX, 32), 16),
}


def gen(family):
    maker, alpha = FAMILIES[family]
    while True:
        value, random_part = maker()
        if alpha == 0 or plausible(value, random_part, alpha):
            return value


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(sorted(FAMILIES)))
        return 0
    if len(argv) not in (2, 3) or argv[1] not in FAMILIES:
        sys.stderr.write("usage: keygen.py FAMILY [COUNT] | --list\n")
        return 2
    for _ in range(int(argv[2]) if len(argv) == 3 else 1):
        print(gen(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
