#!/usr/bin/env python3
"""mktree.py - write a project tree with one fresh fake key per rule family
and many placeholders / near misses, plus the expected findings.

    mktree.py DIR EXPECT KEYS

DIR     the tree (created)
EXPECT  expected findings, "path:line:column rule_id" in keysnare's order
        (path, line, column, rule id); paths relative to DIR
KEYS    every planted key, one a line (PEM blocks whole), for leak checks

Columns are 1-based byte offsets of the secret's first byte, computed here
from the bytes written (lines include multi-byte UTF-8 and tabs on purpose).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keygen  # noqa: E402

HEX = keygen.HEX
ALNUM = keygen.ALNUM
B64URL = keygen.B64URL
rand = keygen.rand


class Tree:
    def __init__(self, root):
        self.root = root
        self.files = {}
        self.expect = []
        self.keys = []

    def file(self, path):
        return self.files.setdefault(path, [])

    def text(self, path, text):
        """Append lines with no secret."""
        self.file(path).extend(text.split("\n"))

    def key(self, path, before, family, rule, after=""):
        """Append a line `before + KEY + after`; KEY may span lines (PEM)."""
        lines = self.file(path)
        key = keygen.gen(family)
        line_no = len(lines) + 1
        col = len(before.encode()) + 1
        lines.extend((before + key + after).split("\n"))
        self.expect.append((path, line_no, col, rule))
        self.keys.append(key)
        return key

    def write(self, expect_path, keys_path):
        for path, lines in self.files.items():
            full = os.path.join(self.root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(("\n".join(lines) + "\n").encode())
        with open(expect_path, "w") as f:
            for p, line, col, rule in sorted(self.expect, key=lambda e: (e[0].encode(), e[1], e[2], e[3])):
                f.write("%s:%d:%d %s\n" % (p, line, col, rule))
        with open(keys_path, "w") as f:
            f.write("\n".join(self.keys) + "\n")


def build(t):
    # --- real (fake) keys, one per family --------------------------------
    env = ".env"
    t.text(env, "# local settings - never commit\nAPP_ENV=production\nLOG_LEVEL=info")
    t.key(env, "DEEPSEEK_API_KEY=", "deepseek", "deepseek-api-key")
    t.key(env, "OPENAI_API_KEY=", "openai-legacy", "openai-api-key")
    t.key(env, "export\tGROQ_API_KEY=", "groq", "groq-api-key")
    t.key(env, "XAI_API_KEY=\"", "xai", "xai-api-key", "\"")
    t.key(env, "PERPLEXITY_API_KEY=", "perplexity", "perplexity-api-key")
    t.text(env, "")
    t.key(env, "AWS_ACCESS_KEY_ID=", "aws-key-id", "aws-access-key-id")
    t.key(env, "AWS_SECRET_ACCESS_KEY=", "aws-secret", "aws-secret-access-key")
    t.text(env, "AWS_DEFAULT_REGION=eu-west-1")

    js = "config/settings.json"
    t.text(js, "{\n  \"service\": \"assistant\",\n  \"providers\": {")
    t.key(js, "    \"openai\": {\"api_key\": \"", "openai-project", "openai-project-api-key", "\"},")
    t.key(js, "    \"anthropic\": {\"model\": \"claude\", \"api_key\": \"", "anthropic", "anthropic-api-key", "\"},")
    t.key(js, "    \"openrouter\": {\"key\": \"", "openrouter", "openrouter-api-key", "\"},")
    t.key(js, "    \"huggingface\": {\"owner\": \"Zoë Ångström ✓\", \"token\": \"", "huggingface", "huggingface-token", "\"}")
    t.text(js, "  }\n}")

    ya = "deploy/values.yaml"
    t.text(ya, "# Helm values (café edition)\nreplicaCount: 2\ngoogle:")
    t.key(ya, "  apiKey: ", "google", "google-api-key")
    t.text(ya, "github:")
    t.key(ya, "  token: ", "github-pat", "github-pat")
    t.key(ya, "  fineGrained: \"", "github-fine-grained", "github-fine-grained-pat", "\"")
    t.text(ya, "gitlab:")
    t.key(ya, "  token: '", "gitlab", "gitlab-pat", "'")
    t.text(ya, "slack:")
    t.key(ya, "  botToken: ", "slack-bot", "slack-bot-token")
    t.key(ya, "  webhook: ", "slack-webhook", "slack-webhook-url")

    py = "app/payments.py"
    t.text(py, "import os\n\nimport stripe\n\n# TODO: move to the secret manager")
    t.key(py, "stripe.api_key = \"", "stripe", "stripe-secret-key", "\"")
    t.key(py, "SENDGRID_API_KEY = '", "sendgrid", "sendgrid-api-key", "'")
    t.key(py, "ACME_API_KEY = \"", "generic", "generic-credential-assignment", "\"")
    t.text(py, "\n\ndef headers():")
    t.key(py, "    return {\"Authorization\": \"Bearer ", "jwt", "jwt", "\"}")

    t.text(".npmrc", "registry=https://registry.npmjs.org/")
    t.key(".npmrc", "//registry.npmjs.org/:_authToken=", "npm", "npm-access-token")
    t.text(".pypirc", "[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__")
    t.key(".pypirc", "password = ", "pypi", "pypi-upload-token")
    t.text("keys/deploy.pem", "# staging deploy key")
    t.key("keys/deploy.pem", "", "private-key", "private-key")

    # --- more realistic wrappers --------------------------------------------
    sa = "config/gcp-service-account.json"
    t.text(sa, "{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-prod\",")
    pem = keygen.gen("private-key")
    before = "  \"private_key\": \""
    t.file(sa).append(before + pem.replace("\n", "\\n") + "\\n\",")
    t.expect.append((sa, len(t.file(sa)), len(before) + 1, "private-key"))
    # reported decoded (the key itself, as in a .pem file): the JSON
    # string's escapes are undone before matching
    t.keys.append(pem)
    t.text(sa, "  \"client_email\": \"ci@acme-prod.iam.gserviceaccount.com\"\n}")

    creds = ".aws/credentials"
    t.text(creds, "[default]")
    t.key(creds, "aws_access_key_id = ", "aws-key-id", "aws-access-key-id")
    t.key(creds, "aws_secret_access_key = ", "aws-secret", "aws-secret-access-key")
    t.text(creds, "region = us-east-1")

    t.text("web/config.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config>")
    t.key("web/config.xml", "  <maps><apiKey>", "google", "google-api-key", "</apiKey></maps>")
    t.text("web/config.xml", "</config>")

    t.text("scripts/deploy.sh", "#!/bin/sh\nset -eu")
    t.key("scripts/deploy.sh", "git clone https://ci:", "github-pat", "github-pat", "@github.com/acme/app.git")
    t.key("scripts/deploy.sh", "curl -fsS -H \"Authorization: Bearer ", "gitlab", "gitlab-pat",
          "\" https://gitlab.com/api/v4/projects")

    t.text("src/Llm.java", "package com.acme;\n\nfinal class Llm {")
    t.key("src/Llm.java", "    private static final String XAI = \"", "xai", "xai-api-key", "\";")
    t.key("src/Llm.java", "    private static final String ANTHROPIC = System.getenv().getOrDefault(\"K\", \"",
          "anthropic", "anthropic-api-key", "\");")
    t.text("src/Llm.java", "}")

    # --- placeholders and negatives: none may be reported ------------------
    t.text(".env.example", "\n".join([
        "OPENAI_API_KEY=sk-" + "x" * 48,
        "DEEPSEEK_API_KEY=sk-" + "x" * 32,
        "ANTHROPIC_API_KEY=YOUR_API_KEY",
        "GROQ_API_KEY=${GROQ_API_KEY}",
        "GITHUB_TOKEN=<your-token>",
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "STRIPE_SECRET_KEY=sk_live_...",
        "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/" + "X" * 24,
        "HF_TOKEN=hf_" + "x" * 34,
        "OPENROUTER_API_KEY=sk-or-v1-<your-key>",
        "XAI_API_KEY=xai-...REDACTED",
        "GOOGLE_API_KEY=AIzaSy" + "X" * 33,
        "NPM_TOKEN=npm_" + "x" * 36,
        "SENDGRID_API_KEY=SG." + "x" * 22 + "." + "x" * 43,
        "PERPLEXITY_API_KEY=pplx-********",
        "GITLAB_TOKEN=glpat-changeme",
        "DEEPSEEK_API_KEY=sk-0123456789abcdef0123456789abcdef",
        "OPENAI_API_KEY=\"<your-openai-key>\"",
        "AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}",
        "GITHUB_TOKEN=ghp_" + "x" * 36,
        "ANTHROPIC_API_KEY=sk-ant-api03-" + "x" * 93 + "AA",
    ]))
    t.text("README.md", "\n".join([
        "# assistant",
        "",
        "Install `scikit-learn` (imported as sklearn, sometimes written sk-learn).",
        "Set your key first: `export OPENAI_API_KEY=sk-...REDACTED`, or use a",
        "project key (`sk-proj-abc...xyz`) or an Anthropic one (`sk-ant-api03-...`).",
        "",
        "```",
        "-----BEGIN RSA PRIVATE KEY-----",
        "MIIEpAIBAAKCAQEA...",
        "-----END RSA PRIVATE KEY-----",
        "```",
        "",
        "    curl -H 'Authorization: Bearer ${JWT_TOKEN}' https://api.example.com/",
        "    helm install app ./chart --set apiKey={{ .Values.apiKey }}",
        "    python -c 'from huggingface_hub import hf_hub_download'",
        "    pip install xai-sdk groq   # then set XAI_API_KEY",
        "",
        "Slack tokens look like xoxb-not-a-token; see the docs.",
    ]))
    t.text("notes/ids.txt", "\n".join([
        "checksum md5 %s  dist/app.tar.gz" % keygen.gen("md5"),
        "commit %s" % keygen.gen("sha1"),
        "image sha256:%s" % keygen.gen("sha256"),
        "request %s done in 12 ms" % keygen.gen("uuid"),
        "trace-id: %s" % keygen.gen("uuid"),
        "deepseek batch task-%s finished" % keygen.gen("hex32"),
        # near-miss shapes: one character short or long, wrong case/prefix
        "ref sk-%s" % rand(HEX, 31),
        "ref sk-%s" % rand(HEX, 33),
        "ref sk-%s" % rand("0123456789ABCDEF", 32),
        "ref ghp_%s" % rand(ALNUM, 35),
        "ref AIza%s" % rand(B64URL, 33) + "%",
        "ref gsk_%s" % rand(ALNUM, 51),
        "ref hf_%s" % rand(keygen.LETTERS, 33),
        "ref AKIA%s" % rand(keygen.BASE32_UPPER, 15),
        "ref glpat-%s" % rand(ALNUM, 19),
        "ref sk-or-v1-%s" % rand(HEX, 63),
        "ref pplx-%s" % rand(ALNUM, 47),
        "ref xai-%s" % rand(ALNUM, 79),
        "ref npm_%s" % rand(ALNUM, 35),
        "ref sk_live_%s" % rand(ALNUM, 6),
        "header eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    ]))
    t.text("package-lock.json", "\n".join([
        "{",
        "  \"packages\": {",
        "    \"node_modules/left-pad\": {",
        "      \"version\": \"1.3.0\",",
        "      \"integrity\": \"%s\"" % keygen.gen("sri"),
        "    }",
        "  }",
        "}",
    ]))
    pub = keygen.b64_lines(os.urandom(270), 64)
    t.text("keys/deploy.pub.pem", "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----" % "\n".join(pub))


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    t = Tree(argv[1])
    build(t)
    t.write(argv[2], argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
