#!/usr/bin/python3
"""gen.py - labelled accuracy corpus for keysnare (issue 9, "Measured accuracy").

usage: gen.py [--seed N] [--scale K] --out DIR

Writes DIR/tree/ (realistic files of many types with planted fake keys and
hard negatives) and DIR/truth.json (every planted secret with path, line,
end_line, secret, family, provider, kind; every hard negative with path, line
and category). Deterministic for a given seed and scale; stdlib only.

The key formats below are written from the providers' public documentation
and published token-format announcements (prefix, length, charset, checksum),
NOT from keysnare's rules/*.yml: the corpus must stay independent of the
patterns it measures. See tests/corpus/README.md.

Never commit the output: it is full of key-shaped strings.
"""
import argparse
import base64
import json
import re
import os
import random
import string
import sys
import urllib.parse
import zlib

DEFAULT_SEED = 20261127

UP = string.ascii_uppercase
LO = string.ascii_lowercase
DIG = string.digits
ALNUM = UP + LO + DIG
LALNUM = LO + DIG
UALNUM = UP + DIG
HEX = "0123456789abcdef"
UHEX = "0123456789ABCDEF"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
B62 = DIG + UP + LO  # GitHub/npm checksum alphabet
B32 = UP + "234567"

R = random.Random(DEFAULT_SEED)


def rs(n, cs=ALNUM):
    return "".join(R.choice(cs) for _ in range(n))


def rbytes(n):
    return bytes(R.getrandbits(8) for _ in range(n))


def b64(b):
    return base64.b64encode(b).decode()


def b64u(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def uuid4():
    h = rs(32, HEX)
    return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], R.choice("89ab"), h[17:20], h[20:32])


def rand_mixed(n, cs=ALNUM):
    """random string with a character of every class (upper, lower, digit) that cs has."""
    need = [c for c in (UP, LO, DIG) if set(c) & set(cs)]
    if n < 6:
        return rs(n, cs)
    while True:
        s = rs(n, cs)
        if all(any(ch in c for ch in s) for c in need):
            return s


def base62(n, width):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


def crc_token(prefix, n=30):
    # GitHub (2021 format) and npm: 30 random base62 chars + base62(CRC32 of
    # them), zero-padded to 6 characters.
    body = rand_mixed(n)
    return prefix + body + base62(zlib.crc32(body.encode()) & 0xFFFFFFFF, 6)


def jwt(payload, alg="HS256", siglen=None):
    hdr = {"alg": alg, "typ": "JWT"}
    if siglen is None:
        siglen = 43 if alg == "HS256" else 342
    seg = lambda o: b64u(json.dumps(o, separators=(",", ":")).encode())
    return seg(hdr) + "." + seg(payload) + "." + rand_mixed(siglen, B64URL)


def password(n=None):
    n = n or R.randint(14, 28)
    cs = ALNUM + "!%^*-_+=.,:~@"
    while True:
        p = rs(n, cs)
        if sum(c in UP for c in p) >= 2 and sum(c in LO for c in p) >= 2 and sum(c in DIG for c in p) >= 2:
            return p


def url_password(n=None):
    n = n or R.randint(16, 26)
    return rand_mixed(n, ALNUM + "-_.~")


def pem_body(der, width=64):
    s = b64(der)
    return [s[i:i + width] for i in range(0, len(s), width)]


def pem(label, der, headers=None):
    lines = ["-----BEGIN %s-----" % label]
    if headers:
        lines += headers + [""]
    lines += pem_body(der)
    lines.append("-----END %s-----" % label)
    return "\n".join(lines)


def ssh_string(b):
    return len(b).to_bytes(4, "big") + b


def openssh_private():
    pub = ssh_string(b"ssh-ed25519") + ssh_string(rbytes(32))
    chk = rbytes(4)
    priv = chk + chk + pub + ssh_string(rbytes(64)) + ssh_string(b"deploy@ci") + b"\x01\x02\x03\x04\x05"
    blob = (b"openssh-key-v1\x00" + ssh_string(b"none") + ssh_string(b"none") + ssh_string(b"")
            + (1).to_bytes(4, "big") + ssh_string(pub) + ssh_string(priv))
    return pem("OPENSSH PRIVATE KEY", blob).replace("\n", "\n")


def rsa_pkcs1():
    return pem("RSA PRIVATE KEY", b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00" + rbytes(1180))


def rsa_pkcs8():
    return pem("PRIVATE KEY", b"\x30\x82\x04\xbe\x02\x01\x00\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00\x04\x82\x04\xa8\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00" + rbytes(1180))


def ec_key():
    der = (b"\x30\x77\x02\x01\x01\x04\x20" + rbytes(32) + b"\xa0\x0a\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07"
           + b"\xa1\x44\x03\x42\x00\x04" + rbytes(64))
    return pem("EC PRIVATE KEY", der)


def dsa_key():
    return pem("DSA PRIVATE KEY", b"\x30\x82\x01\xbb\x02\x01\x00\x02\x81\x81\x00" + rbytes(432))


def encrypted_pkcs8():
    return pem("ENCRYPTED PRIVATE KEY", b"\x30\x82\x05\x1d\x30\x57\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d\x30\x4a\x30\x29\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0c\x30\x1c\x04\x08" + rbytes(1290))


def encrypted_rsa_legacy():
    return pem("RSA PRIVATE KEY", rbytes(1192),
               headers=["Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC," + rs(32, UHEX)])


def pgp_private():
    body = b64(b"\x95\x03\xc6\x04" + rbytes(940))
    lines = ["-----BEGIN PGP PRIVATE KEY BLOCK-----", ""]
    lines += [body[i:i + 64] for i in range(0, len(body), 64)]
    lines += ["=" + rs(4, B64), "-----END PGP PRIVATE KEY BLOCK-----"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Positive kinds: (group, provider, kind, generator, variable names, style)
# Names carry the context a real config would have (a bare 32-hex string is
# only a DeepSeek key because the config says so).
AI, CLOUD, CODE, SAAS, STRUCT = "AI/LLM", "Cloud", "Code", "Messaging/SaaS", "Structural"

KINDS = []


def kind(group, provider, kname, gen, names, style="assign", weight=2):
    KINDS.append(dict(group=group, provider=provider, kind=kname, gen=gen, names=names,
                      style=style, weight=weight))


def openai_long(prefix):
    a, b = R.randint(70, 78), R.randint(70, 78)
    return prefix + rand_mixed(a, B64URL) + "T3BlbkFJ" + rand_mixed(b, B64URL)


GEN_TOKEN_NAMES = ["API_TOKEN", "ACCESS_TOKEN", "AUTH_TOKEN", "token", "apiKey", "SERVICE_TOKEN"]

# AI / LLM
kind(AI, "openai", "legacy-user-key", lambda: "sk-" + rand_mixed(20) + "T3BlbkFJ" + rand_mixed(20),
     ["OPENAI_API_KEY", "openai.api_key", "OPENAI_KEY"])
kind(AI, "openai", "project-key", lambda: openai_long("sk-proj-"), ["OPENAI_API_KEY", "openai_api_key", "LLM_API_KEY"], weight=3)
kind(AI, "openai", "project-key-2024", lambda: "sk-proj-" + rand_mixed(48), ["OPENAI_API_KEY", "OPENAI_TOKEN"])
kind(AI, "openai", "service-account-key", lambda: openai_long("sk-svcacct-"), ["OPENAI_API_KEY", "OPENAI_SVC_KEY"])
kind(AI, "openai", "admin-key", lambda: openai_long("sk-admin-"), ["OPENAI_ADMIN_KEY"])
kind(AI, "openai", "user-key-none", lambda: openai_long("sk-None-"), ["OPENAI_API_KEY"])
kind(AI, "anthropic", "api-key", lambda: "sk-ant-api03-" + rand_mixed(93, B64URL) + "AA",
     ["ANTHROPIC_API_KEY", "anthropic_api_key", "CLAUDE_API_KEY", "x-api-key"], weight=3)
kind(AI, "anthropic", "admin-key", lambda: "sk-ant-admin01-" + rand_mixed(93, B64URL) + "AA", ["ANTHROPIC_ADMIN_KEY"])
kind(AI, "deepseek", "api-key", lambda: "sk-" + rs(32, HEX), ["DEEPSEEK_API_KEY", "deepseek_api_key", "deepseekApiKey"], weight=3)
kind(AI, "dashscope", "api-key", lambda: "sk-" + rs(32, HEX), ["DASHSCOPE_API_KEY", "dashscope_api_key", "QWEN_API_KEY"])
kind(AI, "moonshot", "api-key", lambda: "sk-" + rand_mixed(48), ["MOONSHOT_API_KEY", "KIMI_API_KEY"])
kind(AI, "zhipu", "api-key", lambda: rs(32, HEX) + "." + rand_mixed(16), ["ZHIPUAI_API_KEY", "ZHIPU_API_KEY", "GLM_API_KEY"])
kind(AI, "google-ai", "api-key", lambda: "AIza" + rand_mixed(35, B64URL), ["GOOGLE_API_KEY", "GEMINI_API_KEY", "googleApiKey"], weight=3)
kind(AI, "groq", "api-key", lambda: "gsk_" + rand_mixed(52), ["GROQ_API_KEY", "groq_api_key"])
kind(AI, "xai", "api-key", lambda: "xai-" + rand_mixed(80), ["XAI_API_KEY", "GROK_API_KEY"])
kind(AI, "mistral", "api-key", lambda: rand_mixed(32), ["MISTRAL_API_KEY", "mistral_api_key"])
kind(AI, "cohere", "api-key", lambda: rand_mixed(40), ["COHERE_API_KEY", "CO_API_KEY"])
kind(AI, "huggingface", "user-token", lambda: "hf_" + rand_mixed(34, UP + LO), ["HF_TOKEN", "HUGGINGFACE_HUB_TOKEN", "hf_token"])
kind(AI, "huggingface", "org-token", lambda: "api_org_" + rand_mixed(34, UP + LO), ["HF_ORG_TOKEN"], weight=1)
kind(AI, "openrouter", "api-key", lambda: "sk-or-v1-" + rs(64, HEX), ["OPENROUTER_API_KEY", "openrouter_key"])
kind(AI, "perplexity", "api-key", lambda: "pplx-" + rand_mixed(48), ["PERPLEXITY_API_KEY", "PPLX_API_KEY"])
kind(AI, "together", "api-key", lambda: rs(64, HEX), ["TOGETHER_API_KEY", "together_api_key"])
kind(AI, "together", "api-key-v1", lambda: "tgp_v1_" + rand_mixed(43, B64URL), ["TOGETHER_API_KEY"], weight=1)
kind(AI, "fireworks", "api-key", lambda: "fw_" + rand_mixed(24), ["FIREWORKS_API_KEY", "fireworks_api_key"])
kind(AI, "replicate", "api-token", lambda: "r8_" + rand_mixed(37), ["REPLICATE_API_TOKEN", "replicate_token"])
kind(AI, "azure-openai", "api-key", lambda: rs(32, HEX), ["AZURE_OPENAI_API_KEY", "azure_openai_key", "AZURE_OPENAI_KEY"])
kind(AI, "azure-openai", "api-key-84", lambda: rand_mixed(52) + "JQQJ99" + rs(1, ALNUM) + "AC" + rand_mixed(23),
     ["AZURE_OPENAI_API_KEY"], weight=1)
kind(AI, "ai21", "api-key", lambda: rand_mixed(32), ["AI21_API_KEY", "ai21_api_key"])
kind(AI, "voyage", "api-key", lambda: "pa-" + rand_mixed(43, B64URL), ["VOYAGE_API_KEY", "voyage_api_key"])
kind(AI, "elevenlabs", "api-key", lambda: "sk_" + rs(48, HEX), ["ELEVENLABS_API_KEY", "ELEVEN_API_KEY", "xi-api-key"])
kind(AI, "assemblyai", "api-key", lambda: rs(32, HEX), ["ASSEMBLYAI_API_KEY", "assemblyai_api_key"])
kind(AI, "deepgram", "api-key", lambda: rs(40, HEX), ["DEEPGRAM_API_KEY", "deepgram_api_key"])
kind(AI, "pinecone", "api-key", lambda: "pcsk_" + rand_mixed(5) + "_" + rand_mixed(63), ["PINECONE_API_KEY", "pinecone_api_key"])
kind(AI, "pinecone", "api-key-legacy", lambda: uuid4(), ["PINECONE_API_KEY"], weight=1)
kind(AI, "wandb", "api-key", lambda: rs(40, HEX), ["WANDB_API_KEY", "wandb_api_key"])
kind(AI, "langsmith", "personal-token", lambda: "lsv2_pt_" + rs(32, HEX) + "_" + rs(10, HEX), ["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"])
kind(AI, "langsmith", "service-key", lambda: "lsv2_sk_" + rs(32, HEX) + "_" + rs(10, HEX), ["LANGSMITH_API_KEY"], weight=1)

# Cloud
kind(CLOUD, "aws", "access-key-id", lambda: "AKIA" + rs(16, B32), ["AWS_ACCESS_KEY_ID", "aws_access_key_id", "accessKeyId"], weight=3)
kind(CLOUD, "aws", "secret-access-key", lambda: rand_mixed(40, ALNUM + "/+"),
     ["AWS_SECRET_ACCESS_KEY", "aws_secret_access_key", "secretAccessKey"], weight=3)
kind(CLOUD, "aws", "session-token",
     lambda: R.choice(["IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdzE"]) + rand_mixed(R.randint(300, 560), B64).rstrip("/") + "=",
     ["AWS_SESSION_TOKEN", "aws_session_token"])
kind(CLOUD, "gcp", "service-account-json", None, [], style="gcp-sa")
kind(CLOUD, "gcp", "oauth-client-secret", lambda: "GOCSPX-" + rand_mixed(28, B64URL),
     ["GOOGLE_CLIENT_SECRET", "client_secret", "GOOGLE_OAUTH_CLIENT_SECRET"])
kind(CLOUD, "azure", "storage-account-key", lambda: b64(rbytes(64)), ["AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT_KEY", "storageAccountKey"])
kind(CLOUD, "azure", "storage-connection-string", None, ["AZURE_STORAGE_CONNECTION_STRING", "AzureWebJobsStorage"], style="azure-conn")
kind(CLOUD, "azure", "ad-client-secret", lambda: rand_mixed(3) + R.choice("78") + "Q~" + rand_mixed(34, ALNUM + "_~.-"),
     ["AZURE_CLIENT_SECRET", "ClientSecret", "azure_client_secret"])
kind(CLOUD, "digitalocean", "pat", lambda: "dop_v1_" + rs(64, HEX), ["DIGITALOCEAN_TOKEN", "DO_TOKEN"])
kind(CLOUD, "digitalocean", "oauth-token", lambda: "doo_v1_" + rs(64, HEX), ["DIGITALOCEAN_ACCESS_TOKEN"], weight=1)
kind(CLOUD, "heroku", "api-key", lambda: "HRKU-AA" + rand_mixed(58, B64URL), ["HEROKU_API_KEY", "heroku_token"])
kind(CLOUD, "heroku", "api-key-legacy", uuid4, ["HEROKU_API_KEY"], weight=1)
kind(CLOUD, "cloudflare", "api-token", lambda: rand_mixed(40, B64URL), ["CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"])
kind(CLOUD, "cloudflare", "global-api-key", lambda: rs(37, HEX), ["CLOUDFLARE_API_KEY", "CF_API_KEY", "X-Auth-Key"], weight=1)
kind(CLOUD, "cloudflare", "origin-ca-key", lambda: "v1.0-" + rs(24, HEX) + "-" + rs(146, HEX), ["CF_ORIGIN_CA_KEY"], weight=1)
kind(CLOUD, "alibaba", "access-key-id", lambda: "LTAI5t" + rand_mixed(18), ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"])
kind(CLOUD, "alibaba", "access-key-secret", lambda: rand_mixed(30), ["ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"])
kind(CLOUD, "vercel", "token", lambda: rand_mixed(24), ["VERCEL_TOKEN", "vercel_token"])
kind(CLOUD, "netlify", "pat", lambda: "nfp_" + rand_mixed(40), ["NETLIFY_AUTH_TOKEN", "netlify_token"])
kind(CLOUD, "netlify", "pat-legacy", lambda: rand_mixed(43, B64URL), ["NETLIFY_AUTH_TOKEN"], weight=1)
kind(CLOUD, "flyio", "token", lambda: "FlyV1 fm2_" + rand_mixed(R.randint(180, 260), B64) + "==", ["FLY_API_TOKEN", "FLY_ACCESS_TOKEN"])
kind(CLOUD, "flyio", "org-token", lambda: "fo1_" + rand_mixed(43, B64URL), ["FLY_API_TOKEN"], weight=1)
kind(CLOUD, "supabase", "pat", lambda: "sbp_" + rs(40, HEX), ["SUPABASE_ACCESS_TOKEN", "supabase_token"])
kind(CLOUD, "supabase", "secret-key", lambda: "sb_secret_" + rand_mixed(31, B64URL), ["SUPABASE_SECRET_KEY"], weight=1)
kind(CLOUD, "supabase", "service-role-jwt",
     lambda: jwt({"iss": "supabase", "ref": rs(20, LO), "role": "service_role", "iat": 1718000000 + R.randint(0, 9 ** 7), "exp": 2033576000 + R.randint(0, 9 ** 6)}),
     ["SUPABASE_SERVICE_ROLE_KEY", "supabaseServiceKey"])
kind(CLOUD, "firebase", "fcm-server-key", lambda: "AAAA" + rand_mixed(7, B64URL) + ":APA91b" + rand_mixed(134, B64URL),
     ["FCM_SERVER_KEY", "FIREBASE_SERVER_KEY"])
kind(CLOUD, "vault", "service-token", lambda: "hvs." + rand_mixed(R.randint(90, 110), B64URL), ["VAULT_TOKEN", "vault_token"])
kind(CLOUD, "vault", "batch-token", lambda: "hvb." + rand_mixed(R.randint(130, 150), B64URL), ["VAULT_TOKEN"], weight=1)
kind(CLOUD, "terraform-cloud", "api-token", lambda: rand_mixed(14) + ".atlasv1." + rand_mixed(67),
     ["TFE_TOKEN", "TF_TOKEN_app_terraform_io", "token"])

# Code
for p, kn in (("ghp_", "classic-pat"), ("gho_", "oauth-token"), ("ghu_", "user-to-server"),
              ("ghs_", "server-to-server"), ("ghr_", "refresh-token")):
    kind(CODE, "github", kn, (lambda p=p: crc_token(p)), ["GITHUB_TOKEN", "GH_TOKEN", "github_token", "token"], weight=3 if p == "ghp_" else 2)
kind(CODE, "github", "fine-grained-pat", lambda: "github_pat_" + rand_mixed(22) + "_" + rand_mixed(59),
     ["GITHUB_TOKEN", "GH_PAT", "github_pat"], weight=3)
kind(CODE, "gitlab", "pat", lambda: "glpat-" + rand_mixed(20, B64URL), ["GITLAB_TOKEN", "GL_TOKEN", "private_token"], weight=3)
kind(CODE, "gitlab", "pat-routable", lambda: "glpat-" + rand_mixed(R.choice([27, 31]), B64URL) + ".01." + rs(9, LALNUM), ["GITLAB_TOKEN"])
kind(CODE, "gitlab", "deploy-token", lambda: "gldt-" + rand_mixed(20, B64URL), ["GITLAB_DEPLOY_TOKEN"])
kind(CODE, "gitlab", "runner-token", lambda: "glrt-" + rand_mixed(20, B64URL), ["RUNNER_TOKEN", "token"])
kind(CODE, "gitlab", "runner-registration-legacy", lambda: "GR1348941" + rand_mixed(20, B64URL), ["REGISTRATION_TOKEN"], weight=1)
kind(CODE, "gitlab", "ci-build-token", lambda: "glcbt-" + rs(2, HEX) + "_" + rand_mixed(20, B64URL), ["CI_JOB_TOKEN_COPY"], weight=1)
kind(CODE, "gitlab", "pipeline-trigger-token", lambda: "glptt-" + rs(40, HEX), ["TRIGGER_TOKEN"])
kind(CODE, "gitlab", "feed-token", lambda: "glft-" + rand_mixed(20, B64URL), ["GITLAB_FEED_TOKEN"], weight=1)
kind(CODE, "gitlab", "incoming-mail-token", lambda: "glimt-" + rand_mixed(25, LALNUM), ["GITLAB_INCOMING_EMAIL_TOKEN"], weight=1)
kind(CODE, "gitlab", "agent-token", lambda: "glagent-" + rand_mixed(50, B64URL), ["GITLAB_AGENT_TOKEN"], weight=1)
kind(CODE, "gitlab", "oauth-app-secret", lambda: "gloas-" + rs(64, HEX), ["GITLAB_OAUTH_SECRET"], weight=1)
kind(CODE, "gitlab", "scim-token", lambda: "glsoat-" + rand_mixed(20, B64URL), ["GITLAB_SCIM_TOKEN"], weight=1)
kind(CODE, "gitlab", "feature-flags-client-token", lambda: "glffct-" + rand_mixed(20, B64URL), ["UNLEASH_INSTANCE_TOKEN"], weight=1)
kind(CODE, "bitbucket", "app-password", lambda: "ATBB" + rand_mixed(28) + rs(8, UHEX), ["BITBUCKET_APP_PASSWORD", "bitbucket_password"])
kind(CODE, "bitbucket", "access-token", lambda: "ATCTT3xFfGN0" + rand_mixed(171, B64URL) + "=" + rs(8, UHEX), ["BITBUCKET_ACCESS_TOKEN"], weight=1)
kind(CODE, "npm", "access-token", lambda: crc_token("npm_"), ["NPM_TOKEN", "//registry.npmjs.org/:_authToken"], weight=3)
kind(CODE, "pypi", "upload-token", lambda: "pypi-AgEIcHlwaS5vcmc" + "CJ" + rand_mixed(R.randint(140, 170), B64URL), ["PYPI_TOKEN", "TWINE_PASSWORD", "password"])
kind(CODE, "rubygems", "api-key", lambda: "rubygems_" + rs(48, HEX), ["GEM_HOST_API_KEY", ":rubygems_api_key"])
kind(CODE, "nuget", "api-key", lambda: "oy2" + rand_mixed(43, LALNUM), ["NUGET_API_KEY", "NuGetApiKey"])
kind(CODE, "dockerhub", "pat", lambda: "dckr_pat_" + rand_mixed(27, B64URL), ["DOCKERHUB_TOKEN", "DOCKER_PASSWORD"])
kind(CODE, "dockerhub", "org-token", lambda: "dckr_oat_" + rand_mixed(32, B64URL), ["DOCKERHUB_ORG_TOKEN"], weight=1)
kind(CODE, "jfrog", "api-key", lambda: "AKCp8" + rand_mixed(68), ["ARTIFACTORY_API_KEY", "JFROG_API_KEY"])
kind(CODE, "jfrog", "reference-token", lambda: "cmVmdGtuOjAxOj" + rand_mixed(50), ["JFROG_ACCESS_TOKEN", "ARTIFACTORY_TOKEN"])
kind(CODE, "circleci", "pat", lambda: "CCIPAT_" + rand_mixed(22) + "_" + rs(40, HEX), ["CIRCLECI_TOKEN", "CIRCLE_TOKEN"])
kind(CODE, "circleci", "api-token-legacy", lambda: rs(40, HEX), ["CIRCLECI_API_TOKEN"], weight=1)
kind(CODE, "travis", "api-token", lambda: rand_mixed(22), ["TRAVIS_API_TOKEN", "TRAVIS_TOKEN"])
kind(CODE, "buildkite", "api-token", lambda: "bkua_" + rs(40, HEX), ["BUILDKITE_API_TOKEN", "BUILDKITE_TOKEN"])
kind(CODE, "buildkite", "agent-token", lambda: "bkct_" + rand_mixed(40), ["BUILDKITE_AGENT_TOKEN"], weight=1)


# Messaging / SaaS
def slack_bot():
    return "xoxb-%s-%s-%s" % (rs(R.randint(10, 13), DIG), rs(R.randint(10, 13), DIG), rand_mixed(24))


def discord_bot():
    uid = str(R.randint(10 ** 17, 10 ** 19 - 1))
    return b64(uid.encode()).rstrip("=") + "." + rand_mixed(6, B64URL) + "." + rand_mixed(R.choice([27, 38]), B64URL)


kind(SAAS, "slack", "bot-token", slack_bot, ["SLACK_BOT_TOKEN", "slack_token", "SLACK_TOKEN"], weight=3)
kind(SAAS, "slack", "user-token", lambda: "xoxp-%s-%s-%s-%s" % (rs(11, DIG), rs(12, DIG), rs(13, DIG), rs(32, HEX)), ["SLACK_USER_TOKEN"])
kind(SAAS, "slack", "app-token", lambda: "xapp-1-A%s-%s-%s" % (rs(10, UALNUM), rs(13, DIG), rs(64, HEX)), ["SLACK_APP_TOKEN"])
kind(SAAS, "slack", "config-token", lambda: "xoxe.xoxp-1-" + rand_mixed(R.randint(130, 150)), ["SLACK_CONFIG_TOKEN"], weight=1)
kind(SAAS, "slack", "webhook-url", lambda: "https://hooks.slack.com/services/T%s/B%s/%s" % (rs(R.choice([8, 10]), UALNUM), rs(R.choice([8, 10]), UALNUM), rand_mixed(24)),
     ["SLACK_WEBHOOK_URL", "webhook_url", "slackWebhook"], weight=3)
kind(SAAS, "discord", "bot-token", discord_bot, ["DISCORD_TOKEN", "DISCORD_BOT_TOKEN", "bot_token"])
kind(SAAS, "discord", "webhook-url", lambda: "https://discord.com/api/webhooks/%s/%s" % (rs(R.choice([18, 19]), DIG), rand_mixed(68, B64URL)),
     ["DISCORD_WEBHOOK_URL", "discord_webhook"])
kind(SAAS, "telegram", "bot-token", lambda: "%s:AA%s" % (rs(R.choice([9, 10]), DIG), rand_mixed(33, B64URL)), ["TELEGRAM_BOT_TOKEN", "TG_TOKEN"])
kind(SAAS, "twilio", "auth-token", lambda: rs(32, HEX), ["TWILIO_AUTH_TOKEN", "twilio_auth_token"])
kind(SAAS, "twilio", "api-key-secret", lambda: rand_mixed(32), ["TWILIO_API_SECRET"], weight=1)
kind(SAAS, "sendgrid", "api-key", lambda: "SG." + rand_mixed(22, B64URL) + "." + rand_mixed(43, B64URL), ["SENDGRID_API_KEY", "sendgrid_key"], weight=3)
kind(SAAS, "mailgun", "api-key-legacy", lambda: "key-" + rs(32, HEX), ["MAILGUN_API_KEY"])
kind(SAAS, "mailgun", "api-key", lambda: rs(32, HEX) + "-" + rs(8, HEX) + "-" + rs(8, HEX), ["MAILGUN_API_KEY", "mailgun_api_key"])
kind(SAAS, "mailchimp", "api-key", lambda: rs(32, HEX) + "-us" + str(R.randint(1, 21)), ["MAILCHIMP_API_KEY", "mailchimp_key"])
kind(SAAS, "postmark", "server-token", uuid4, ["POSTMARK_SERVER_TOKEN", "POSTMARK_API_TOKEN", "X-Postmark-Server-Token"])
kind(SAAS, "stripe", "secret-key", lambda: "sk_live_" + rand_mixed(R.choice([24, 99])), ["STRIPE_SECRET_KEY", "stripe.api_key", "STRIPE_API_KEY"], weight=3)
kind(SAAS, "stripe", "restricted-key", lambda: "rk_live_" + rand_mixed(R.choice([24, 99])), ["STRIPE_RESTRICTED_KEY"])
kind(SAAS, "stripe", "webhook-secret", lambda: "whsec_" + rand_mixed(32), ["STRIPE_WEBHOOK_SECRET", "endpoint_secret"])
kind(SAAS, "square", "access-token", lambda: "EAAA" + rand_mixed(60, B64URL), ["SQUARE_ACCESS_TOKEN"])
kind(SAAS, "square", "oauth-secret", lambda: "sq0csp-" + rand_mixed(43, B64URL), ["SQUARE_APPLICATION_SECRET"], weight=1)
kind(SAAS, "square", "access-token-legacy", lambda: "sq0atp-" + rand_mixed(22, B64URL), ["SQUARE_TOKEN"], weight=1)
kind(SAAS, "braintree", "access-token", lambda: "access_token$production$%s$%s" % (rs(16, LALNUM), rs(32, HEX)), ["BRAINTREE_ACCESS_TOKEN", "PAYPAL_ACCESS_TOKEN"])
kind(SAAS, "paypal", "client-secret", lambda: "E" + rand_mixed(79, B64URL), ["PAYPAL_CLIENT_SECRET", "paypal_secret"])
for p in ("shpat_", "shpca_", "shppa_", "shpss_"):
    kind(SAAS, "shopify", p.rstrip("_"), (lambda p=p: p + rs(32, HEX)), ["SHOPIFY_ACCESS_TOKEN", "SHOPIFY_API_SECRET", "shopify_token"], weight=2 if p == "shpat_" else 1)
kind(SAAS, "datadog", "api-key", lambda: rs(32, HEX), ["DD_API_KEY", "DATADOG_API_KEY", "datadog_api_key"])
kind(SAAS, "datadog", "app-key", lambda: rs(40, HEX), ["DD_APP_KEY", "DATADOG_APP_KEY"])
kind(SAAS, "newrelic", "user-api-key", lambda: "NRAK-" + rs(27, UALNUM), ["NEW_RELIC_API_KEY", "NEWRELIC_API_KEY"])
kind(SAAS, "newrelic", "license-key", lambda: rs(36, HEX) + "NRAL", ["NEW_RELIC_LICENSE_KEY", "license_key"])
kind(SAAS, "newrelic", "insert-key", lambda: "NRII-" + rand_mixed(32, B64URL), ["NEW_RELIC_INSERT_KEY"], weight=1)


def sentry_org_token():
    payload = {"iat": 1700000000 + R.randint(0, 10 ** 7), "url": "https://sentry.io", "region_url": "https://us.sentry.io", "org": R.choice(["acme", "northwind", "initech"])}
    return "sntrys_" + b64(json.dumps(payload, separators=(",", ":")).encode()).rstrip("=") + "_" + rand_mixed(43, B64URL)


kind(SAAS, "sentry", "org-auth-token", sentry_org_token, ["SENTRY_AUTH_TOKEN", "sentry_token"])
kind(SAAS, "sentry", "user-auth-token", lambda: "sntryu_" + rs(64, HEX), ["SENTRY_AUTH_TOKEN"])
kind(SAAS, "pagerduty", "api-token", lambda: R.choice(["u+", ""]) + rand_mixed(20 - 2, ALNUM + "_-") + rand_mixed(2), ["PAGERDUTY_TOKEN", "PAGERDUTY_API_KEY"])
kind(SAAS, "atlassian", "api-token", lambda: "ATATT3xFfGF0" + rand_mixed(171, B64URL) + "=" + rs(8, UHEX), ["JIRA_API_TOKEN", "ATLASSIAN_API_TOKEN", "CONFLUENCE_TOKEN"])
kind(SAAS, "notion", "integration-token", lambda: "ntn_" + rs(11, DIG) + rand_mixed(35), ["NOTION_TOKEN", "NOTION_API_KEY"])
kind(SAAS, "notion", "integration-token-legacy", lambda: "secret_" + rand_mixed(43), ["NOTION_TOKEN"], weight=1)
kind(SAAS, "linear", "api-key", lambda: "lin_api_" + rand_mixed(40), ["LINEAR_API_KEY", "linear_token"])
kind(SAAS, "airtable", "pat", lambda: "pat" + rand_mixed(14) + "." + rs(64, HEX), ["AIRTABLE_API_KEY", "AIRTABLE_TOKEN"])
kind(SAAS, "okta", "api-token", lambda: "00" + rand_mixed(40, B64URL), ["OKTA_API_TOKEN", "OKTA_TOKEN"])
kind(SAAS, "auth0", "client-secret", lambda: rand_mixed(64, B64URL), ["AUTH0_CLIENT_SECRET", "auth0ClientSecret"])
kind(SAAS, "contentful", "management-token", lambda: "CFPAT-" + rand_mixed(43, B64URL), ["CONTENTFUL_MANAGEMENT_TOKEN", "CONTENTFUL_TOKEN"])
kind(SAAS, "contentful", "delivery-token", lambda: rand_mixed(43, B64URL), ["CONTENTFUL_DELIVERY_TOKEN", "CONTENTFUL_ACCESS_TOKEN"], weight=1)

# Structural
for kn, g in (("rsa-pkcs1", rsa_pkcs1), ("pkcs8", rsa_pkcs8), ("ec", ec_key), ("dsa", dsa_key),
              ("openssh", openssh_private), ("pgp", pgp_private), ("encrypted-pkcs8", encrypted_pkcs8),
              ("encrypted-rsa-legacy", encrypted_rsa_legacy)):
    kind(STRUCT, "private-key", kn, g, [], style="pem", weight=2)
kind(STRUCT, "jwt", "hs256-bearer", lambda: jwt({"sub": str(R.randint(1000, 99999)), "name": R.choice(["ops-bot", "alice", "deploy"]), "scope": "read:all write:all", "iat": 1764000000 + R.randint(0, 10 ** 6), "exp": 1799000000 + R.randint(0, 10 ** 6)}),
     ["ACCESS_TOKEN", "authToken", "bearer_token", "JWT"], style="assign", weight=3)
kind(STRUCT, "jwt", "rs256-id-token", lambda: jwt({"iss": "https://login.%s.com/" % R.choice(["acme", "initech"]), "aud": rs(24, LALNUM), "sub": uuid4(), "email": "svc@acme.io", "iat": 1764000000, "exp": 1799999999}, alg="RS256"),
     ["id_token", "REFRESH_TOKEN"], weight=2)


def url_cred(scheme, host, port, path, user=None):
    pw = url_password()
    user = user if user is not None else R.choice(["app", "admin", "svc_api", "deploy", "reporting"])
    return "%s://%s:%s@%s%s%s" % (scheme, user, pw, host, (":%d" % port) if port else "", path), pw


kind(STRUCT, "url-credentials", "https-basic", lambda: url_cred("https", R.choice(["git.internal.acme.io", "nexus.acme.io", "registry.northwind.dev"]), None, "/repo.git", R.choice(["ci-bot", "jenkins"])),
     ["GIT_REMOTE", "REPO_URL", "NEXUS_URL"], style="url")
kind(STRUCT, "url-credentials", "ftp", lambda: url_cred("ftp", "files.acme.io", 21, "/upload", "uploader"), ["FTP_URL"], style="url", weight=1)
kind(STRUCT, "db-connection", "postgresql", lambda: url_cred(R.choice(["postgres", "postgresql"]), R.choice(["db.prod.internal", "pg-main.c1x9.eu-west-1.rds.amazonaws.com", "10.0.3.17"]), 5432, "/" + R.choice(["orders", "app", "billing"])),
     ["DATABASE_URL", "POSTGRES_URL", "db_url", "SQLALCHEMY_DATABASE_URI"], style="url", weight=3)
kind(STRUCT, "db-connection", "mysql", lambda: url_cred("mysql", R.choice(["mysql.internal", "db-replica-2.acme.io"]), 3306, "/shop"), ["MYSQL_URL", "DATABASE_URL"], style="url")
kind(STRUCT, "db-connection", "mongodb", lambda: url_cred(R.choice(["mongodb", "mongodb+srv"]), "cluster0.%s.mongodb.net" % rs(5, LALNUM), None, "/app?retryWrites=true&w=majority"),
     ["MONGODB_URI", "MONGO_URL", "mongoUri"], style="url", weight=3)
kind(STRUCT, "db-connection", "redis", lambda: url_cred(R.choice(["redis", "rediss"]), R.choice(["cache.internal", "redis-14523.c1.us-east-1-2.ec2.cloud.redislabs.com"]), 6379, "/0", R.choice(["", "default"])),
     ["REDIS_URL", "CACHE_URL"], style="url")
kind(STRUCT, "db-connection", "amqp", lambda: url_cred(R.choice(["amqp", "amqps"]), "rabbitmq.internal", 5672, "/prod"), ["AMQP_URL", "CELERY_BROKER_URL", "RABBITMQ_URL"], style="url")
kind(STRUCT, "db-connection", "jdbc", None, ["spring.datasource.url"], style="jdbc", weight=1)
kind(STRUCT, "config-secret", "password-assignment", password, ["DB_PASSWORD", "POSTGRES_PASSWORD", "MYSQL_ROOT_PASSWORD", "password", "admin_password", "SMTP_PASSWORD", "spring.datasource.password"], weight=4)
kind(STRUCT, "config-secret", "secret-assignment", lambda: rand_mixed(R.choice([32, 40, 50, 64]), ALNUM + "-_"), ["SECRET_KEY", "JWT_SECRET", "SESSION_SECRET", "APP_SECRET", "client_secret", "ENCRYPTION_KEY", "cookie_secret"], weight=4)
kind(STRUCT, "config-secret", "django-secret-key", lambda: "django-insecure-" + rs(50, LALNUM + "!@#%^&*(-_=+)") if R.random() < 0.3 else rs(50, LALNUM + "!@#%^&*(-_=+)"), ["SECRET_KEY"], weight=2)

# Encoded (family "encoded"): k8s data:, Basic auth, percent-encoded, \u escapes, UTF-16LE
ENCODED = [
    ("k8s-secret-base64", "k8s-b64", 5),
    ("authorization-basic", "basic", 4),
    ("percent-encoded-url", "pct-url", 4),
    ("json-unicode-escape", "uesc", 4),
    ("utf16le-bom", "utf16", 4),
]

ENCODED_NAME = {how: name for name, how, _ in ENCODED}

# ---------------------------------------------------------------------------
# Negatives


def placeholder_values():
    return [
        ("OPENAI_API_KEY", "sk-" + "x" * 48), ("OPENAI_API_KEY", "sk-proj-" + "X" * 48), ("OPENAI_API_KEY", "sk-..."),
        ("ANTHROPIC_API_KEY", "sk-ant-api03-" + "x" * 93 + "AA"), ("ANTHROPIC_API_KEY", "your-anthropic-api-key"),
        ("API_KEY", "your_api_key_here"), ("api_key", "<YOUR_API_KEY>"), ("TOKEN", "<TOKEN>"), ("API_KEY", "${API_KEY}"),
        ("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}"), ("password", "${DB_PASSWORD}"), ("SECRET_KEY", "changeme"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("STRIPE_SECRET_KEY", "sk_live_" + "*" * 24), ("SLACK_BOT_TOKEN", "xoxb-your-bot-token"), ("DEEPSEEK_API_KEY", "sk-" + "0" * 32),
        ("GITHUB_TOKEN", "ghp_" + "X" * 36), ("GITLAB_TOKEN", "glpat-" + "x" * 20), ("db_password", "********"),
        ("GOOGLE_API_KEY", "AIza" + "X" * 35), ("HF_TOKEN", "hf_" + "x" * 34), ("token", "{{ .Values.apiToken }}"),
        ("password", "{{ vault \"secret/data/db\" \"password\" }}"), ("API_KEY", "REPLACE_ME"), ("client_secret", "<client-secret>"),
        ("SENDGRID_API_KEY", "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), ("MONGODB_URI", "mongodb+srv://<username>:<password>@cluster0.example.mongodb.net/"),
        ("DATABASE_URL", "postgres://user:password@localhost:5432/mydb"), ("REDIS_URL", "redis://localhost:6379/0"),
        ("GROQ_API_KEY", "gsk_..."), ("XAI_API_KEY", "xai-YOUR_KEY"), ("OPENROUTER_API_KEY", "sk-or-v1-..."),
        ("api_key", "os.environ[\"OPENAI_API_KEY\"]"), ("token", "process.env.GITHUB_TOKEN"), ("AZURE_CLIENT_SECRET", "$(AZURE_CLIENT_SECRET)"),
        ("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
        ("password", "example-password"), ("NPM_TOKEN", "npm_" + "0" * 36), ("TELEGRAM_BOT_TOKEN", "123456789:ABCdefGhIJKlmNoPQRsTUVwxyZ"),
    ]


def fake_fixture_values():
    return [
        ("api_key", "fake-api-key-for-tests"), ("token", "dummy-token"), ("OPENAI_API_KEY", "sk-fake-key-for-testing"),
        ("password", "test-password-not-real"), ("secret", "DUMMY_SECRET_DO_NOT_USE"), ("GITHUB_TOKEN", "ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE"),
        ("STRIPE_SECRET_KEY", "sk_test_FAKE_" + "0" * 24), ("SLACK_TOKEN", "xoxb-000000000000-000000000000-FAKEFAKEFAKEFAKEFAKEFAKE"),
        ("AWS_SECRET_ACCESS_KEY", "fakeSecretAccessKeyForUnitTestsOnly00000"), ("api_key", "test_api_key_123"),
        ("DEEPSEEK_API_KEY", "sk-test-dummy-deepseek-key"), ("ANTHROPIC_API_KEY", "sk-ant-fake"),
    ]


def near_miss_values():
    return [
        ("token", "ghp_" + rand_mixed(12)), ("GITHUB_TOKEN", "ghp_abc123"), ("aws_key_id", "AKIA" + rs(8, B32)),
        ("note", "sk-ant-api03-"), ("GITLAB_TOKEN", "glpat-" + rand_mixed(6)), ("SLACK_TOKEN", "xoxb-123"),
        ("ref", "npm_" + rand_mixed(10)), ("prefix", "sk_live_"), ("key", "AIza" + rand_mixed(10)), ("hf", "hf_" + rs(6, LO)),
    ]


def config_non_secret_values():
    """high-entropy or secret-named values that are not credentials"""
    return [
        ("GIT_COMMIT_SHA", rs(40, HEX)), ("IMAGE_DIGEST", "sha256:" + rs(64, HEX)), ("request_id", uuid4()),
        ("cache_key", "node-modules-" + rs(64, HEX)), ("SSH_HOST_KEY_FINGERPRINT", "SHA256:" + b64(rbytes(32)).rstrip("=")),
        ("TOKEN_URL", "https://oauth2.googleapis.com/token"), ("password_min_length", "12"), ("secret_name", "orders-db-credentials"),
        ("api_key_header", "X-API-Key"), ("tokenizer", "bert-base-uncased"),
        ("SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:%s:secret:prod/db-%s" % (rs(12, DIG), rand_mixed(6))),
        ("KMS_KEY_ID", uuid4()), ("AUTH_TOKEN_TTL", "3600"), ("KEY_VAULT_URI", "https://kv-prod-weu.vault.azure.net/"),
        ("BUILD_ID", rs(32, HEX)), ("SOURCE_VERSION", rs(40, HEX)), ("etag", '"%s"' % rs(32, HEX)),
    ]


WORDS_LINES = [
    "from sklearn.model_selection import train_test_split  # sk-learn style",
    "pip install scikit-learn==1.5.2 sk-video==1.1.10",
    "<div class=\"sk-spinner sk-spinner-wave\"></div>",
    "risk-assessment-framework-for-task-management-and-disk-usage-monitoring",
    "kiosk-mode-enabled-for-desk-booking-system-v2",
    "Use the sk-proj- prefix for project keys and sk-ant- for Anthropic keys (see docs).",
    "    --task-definition ecs-task-api-worker-production-blue-green",
    "ghp_ tokens are classic personal access tokens; github_pat_ tokens are fine-grained.",
]


def sha_hex(n):
    return rs(n, HEX)


def integrity():
    return "sha512-" + b64(rbytes(64))


# ---------------------------------------------------------------------------
# Items and files


class Item:
    def __init__(self, pos, value, secret=None, name=None, style="assign", meta=None, category=None):
        self.pos = pos
        self.value = value          # text as written in the file
        self.secret = secret if secret is not None else value
        self.name = name
        self.style = style
        self.meta = meta or {}
        self.category = category
        self.path = None
        self.line = None
        self.end_line = None


FILLER = {
    "env": ["NODE_ENV=production", "PORT=8080", "LOG_LEVEL=info", "APP_NAME=orders-api", "FEATURE_FLAGS=search,checkout",
            "# --- services ---", "TZ=UTC", "WORKERS=4", "REGION=eu-west-1", "ENABLE_METRICS=true"],
    "yaml": ["  replicas: 3", "  logLevel: info", "  region: us-east-1", "  timeoutSeconds: 30", "  retries: 5",
             "  image: ghcr.io/acme/orders-api:1.14.2", "  # rotate quarterly", "  enabled: true", "  port: 8443"],
    "py": ["import os", "import logging", "log = logging.getLogger(__name__)", "TIMEOUT = 30", "", "def main():", "    return 0",
           "# TODO: move to settings", "RETRIES = 3", "BASE_URL = \"https://api.acme.io/v2\""],
    "js": ["'use strict';", "const timeout = 30_000;", "import express from 'express';", "export const region = 'us-east-1';",
           "// config for the worker", "const retries = 3;", "module.exports.version = '2.4.1';"],
    "go": ["package config", "import \"os\"", "const Timeout = 30", "// Region is the default AWS region.", "var Region = \"us-east-1\"",
           "func init() {}", "const MaxRetries = 5"],
    "java": ["package com.acme.orders;", "import java.util.Map;", "// service settings", "private static final int TIMEOUT = 30;",
             "public final class Settings {", "}"],
    "sh": ["#!/usr/bin/env bash", "set -euo pipefail", "cd \"$(dirname \"$0\")\"", "echo \"deploying $APP_VERSION\"",
           "docker compose pull", "kubectl rollout status deploy/orders-api", "# shellcheck disable=SC2086"],
    "tf": ["terraform {", "  required_version = \">= 1.6\"", "}", "locals {", "  region = \"eu-west-1\"", "}",
           "# managed by platform team"],
    "docker": ["FROM python:3.12-slim", "WORKDIR /app", "COPY requirements.txt .", "RUN pip install --no-cache-dir -r requirements.txt",
               "COPY . .", "EXPOSE 8080", "USER 10001"],
    "log": ["2026-11-27T09:58:01.114Z INFO  server listening on :8080", "2026-11-27T09:58:02.530Z DEBUG pool size=16 idle=4",
            "2026-11-27T09:58:03.002Z WARN  slow query took 1532ms", "2026-11-27T09:58:04.120Z INFO  GET /healthz 200 1ms"],
    "md": ["# Setup", "", "Install the dependencies and copy the example configuration.", "", "## Configuration",
           "Settings are read from the environment.", "- run `make test` before pushing"],
    "json": [],
    "props": ["server.port=8080", "spring.application.name=orders", "logging.level.root=INFO", "management.endpoints.web.exposure.include=health"],
}

TEXT_TYPES = ["env", "yaml", "py", "js", "ts", "go", "java", "props", "sh", "tf", "k8s", "docker", "log", "md", "json", "ipynb", "minjs", "compose", "gha"]

PATHS = {
    "env": [".env", "services/api/.env", "deploy/.env.production", "backend/.env.local", "config/.env.staging"],
    "yaml": ["config/settings.yaml", "helm/values.yaml", "config/app.yml", "ansible/group_vars/all.yml", "conf/prod.yaml"],
    "compose": ["docker-compose.yml", "deploy/docker-compose.prod.yml"],
    "gha": [".github/workflows/deploy.yml", ".gitlab-ci.yml", ".circleci/config.yml"],
    "py": ["app/settings.py", "scripts/sync_data.py", "llm/client.py", "tests/conftest.py", "worker/tasks.py", "notebooks/util.py"],
    "js": ["src/config.js", "server/index.js", "scripts/deploy.js", "lib/client.mjs"],
    "ts": ["src/env.ts", "src/lib/ai.ts", "apps/web/config.ts"],
    "minjs": ["public/assets/app.min.js", "dist/bundle.min.js", "static/js/main.4f2a9c1b.js"],
    "go": ["internal/config/config.go", "cmd/server/main.go", "pkg/client/client.go"],
    "java": ["src/main/java/com/acme/orders/Settings.java", "src/main/java/com/acme/Client.java"],
    "props": ["src/main/resources/application.properties", "config/application-prod.properties"],
    "sh": ["scripts/deploy.sh", "bin/bootstrap.sh", "ci/release.sh", "tools/backfill.sh"],
    "tf": ["infra/main.tf", "infra/providers.tf", "infra/modules/db/variables.tf", "infra/terraform.tfvars"],
    "k8s": ["k8s/deployment.yaml", "manifests/worker.yaml", "k8s/cronjob.yaml"],
    "docker": ["Dockerfile", "docker/worker.Dockerfile", "images/api/Dockerfile"],
    "log": ["logs/app.log", "logs/debug-2026-11-26.log", "var/log/worker.log", "ci-output.txt"],
    "md": ["README.md", "docs/setup.md", "docs/notes/llm.md", "CONTRIBUTING.md"],
    "json": ["config/config.json", "appsettings.json", "secrets/local.json", ".vscode/settings.json"],
    "ipynb": ["notebooks/exploration.ipynb", "notebooks/finetune.ipynb", "analysis/eval.ipynb"],
}


def camel(name):
    if not name.isupper() or "_" not in name:
        return name
    parts = name.lower().split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


class FileBuilder:
    def __init__(self, path):
        self.path = path
        self.lines = []

    def emit(self, text, item=None):
        start = len(self.lines) + 1
        parts = text.split("\n")
        self.lines.extend(parts)
        if item is not None:
            item.path = self.path
            item.line = start
            item.end_line = start + len(parts) - 1

    def filler(self, ftype, n=None):
        pool = FILLER.get(ftype) or []
        if not pool:
            return
        for _ in range(n if n is not None else R.randint(0, 3)):
            self.emit(R.choice(pool))

    def text(self):
        return "\n".join(self.lines) + "\n"


SAFE = re.compile(r"[A-Za-z0-9_./+=:@,~-]+")


def q(v):
    return json.dumps(v)


def render_assign(fb, ftype, it, idx):
    """one assignment of it.value to it.name in the syntax of ftype"""
    n, v = it.name or "API_KEY", it.value
    if ftype == "env":
        fb.emit("%s=%s" % (n, v) if R.random() < 0.6 and SAFE.fullmatch(v) else '%s="%s"' % (n, v), it)
    elif ftype in ("yaml", "compose", "gha"):
        key = n if ftype != "yaml" else R.choice([n, n.lower()])
        fb.emit('  %s: %s' % (key, v if R.random() < 0.5 and SAFE.fullmatch(v) and v[0] not in "*{<$%@!&" else q(v)), it)
    elif ftype == "json":
        fb.emit('  %s: %s,' % (q(n), q(v)), it)
    elif ftype == "py":
        r = R.random()
        if r < 0.5:
            fb.emit('%s = "%s"' % (n.replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").upper() if "/" in n or "-" in n else n, v), it)
        elif r < 0.75:
            fb.emit('os.environ.setdefault("%s", "%s")' % (n, v), it)
        else:
            fb.emit('client = Client(%s="%s", timeout=30)' % (n.lower().replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").strip("_") or "api_key", v), it)
    elif ftype in ("js", "ts"):
        r = R.random()
        ident = camel(n).replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").strip("_")
        if r < 0.4:
            fb.emit("const %s = '%s';" % (ident, v), it)
        elif r < 0.7:
            env = re.sub(r"[^A-Za-z0-9_]", "_", n).strip("_").upper()
            fb.emit("  %s: process.env.%s || \"%s\"," % (ident, env, v), it)
        else:
            fb.emit("export const %s%s = \"%s\";" % (ident, ": string" if ftype == "ts" else "", v), it)
    elif ftype == "go":
        ident = camel(n).replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").strip("_")
        if R.random() < 0.5:
            fb.emit('\t%s = "%s"' % (ident[0].upper() + ident[1:], v), it)
        else:
            fb.emit('\tos.Setenv("%s", "%s")' % (n, v), it)
    elif ftype == "java":
        ident = n.upper().replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").strip("_")
        fb.emit('    private static final String %s = "%s";' % (ident, v), it)
    elif ftype == "props":
        fb.emit("%s=%s" % (n if "." in n else n.lower().replace("_", "."), v), it)
    elif ftype == "sh":
        if R.random() < 0.7:
            fb.emit('export %s="%s"' % (n.replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").strip("_").upper(), v), it)
        else:
            fb.emit('%s=\'%s\'' % (n.replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").strip("_").upper(), v), it)
    elif ftype == "tf":
        fb.emit('  %s = "%s"' % (n.lower().replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").strip("_"), v), it)
    elif ftype == "k8s":
        fb.emit("        - name: %s" % n.upper().replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").strip("_"))
        fb.emit("          value: %s" % q(v), it)
    elif ftype == "docker":
        fb.emit("ENV %s=%s" % (n.upper().replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").strip("_"), v) if R.random() < 0.7
                else "ARG %s=%s" % (n.upper().replace(".", "_").replace("-", "_").strip("_"), v), it)
    elif ftype == "log":
        ts = "2026-11-27T10:%02d:%02d.%03dZ" % (R.randint(0, 59), R.randint(0, 59), R.randint(0, 999))
        r = R.random()
        if r < 0.4 and it.style == "assign" and it.pos:
            fb.emit("%s DEBUG http request POST https://api.acme.io/v1/run headers={'Authorization': 'Bearer %s'} (%s)" % (ts, v, n), it)
        else:
            fb.emit("%s DEBUG loaded config %s=%s" % (ts, n, v), it)
    elif ftype == "md":
        fb.emit("```bash")
        fb.emit("export %s=%s" % (n.upper().replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").strip("_"), v), it)
        fb.emit("```")
    elif ftype == "ipynb":
        fb.emit('    %s,' % q('os.environ["%s"] = "%s"\n' % (n, v)), it)
    else:
        raise ValueError(ftype)


def file_header(fb, ftype):
    if ftype in ("yaml",):
        fb.emit("# application settings")
        fb.emit("app:")
        fb.filler("yaml", 2)
        fb.emit("secrets:")
    elif ftype == "compose":
        fb.emit("services:")
        fb.emit("  api:")
        fb.emit("    image: ghcr.io/acme/api:2.3.0")
        fb.emit("    environment:")
    elif ftype == "gha":
        fb.emit("name: deploy")
        fb.emit("on: [push]")
        fb.emit("env:")
    elif ftype == "json":
        fb.emit("{")
        fb.emit('  "name": "orders-api",')
        fb.emit('  "version": "2.4.1",')
    elif ftype == "k8s":
        for l in ("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: orders-api", "  namespace: prod",
                  "  uid: " + uuid4(), "spec:", "  template:", "    spec:", "      containers:", "      - name: api",
                  "        image: ghcr.io/acme/orders-api:1.14.2", "        env:"):
            fb.emit(l)
    elif ftype == "tf":
        fb.filler("tf", 3)
        fb.emit('provider "acme" {')
    elif ftype == "java":
        fb.emit("package com.acme.orders;")
        fb.emit("")
        fb.emit("public final class Settings {")
    elif ftype == "go":
        fb.emit("package config")
        fb.emit("")
        fb.emit("import \"os\"")
        fb.emit("")
        fb.emit("var (")
    elif ftype == "ipynb":
        for l in ('{', ' "cells": [', '  {', '   "cell_type": "code",', '   "execution_count": 1,', '   "metadata": {},',
                  '   "outputs": [],', '   "source": [', '    "import os\\n",'):
            fb.emit(l)
    elif ftype == "sh":
        fb.emit("#!/usr/bin/env bash")
        fb.emit("set -euo pipefail")
    elif ftype == "docker":
        fb.emit("FROM node:20-alpine")
        fb.emit("WORKDIR /srv")
    elif ftype == "md":
        fb.emit("# " + R.choice(["Getting started", "Local development", "Runbook", "LLM notes"]))
        fb.emit("")
    elif ftype == "py":
        fb.emit("import os")
        fb.emit("")
    elif ftype in ("js", "ts"):
        fb.emit("// generated config, do not edit")
        fb.emit("export default {")
    else:
        fb.filler(ftype, 2)


def file_footer(fb, ftype):
    if ftype == "json":
        fb.emit('  "debug": false')
        fb.emit("}")
    elif ftype == "tf":
        fb.emit("}")
    elif ftype == "java":
        fb.emit("}")
    elif ftype == "go":
        fb.emit(")")
    elif ftype == "ipynb":
        for l in ('    "print(\\"ok\\")"', '   ]', '  }', ' ],', ' "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},',
                  ' "nbformat": 4,', ' "nbformat_minor": 5', '}'):
            fb.emit(l)
    elif ftype in ("js", "ts"):
        fb.emit("};")


BODY_FILLER = {"compose": None, "gha": None, "k8s": None, "json": None, "ipynb": None, "java": None, "go": None,
               "tf": None, "ts": "js", "minjs": None}


def render_text_file(path, ftype, items):
    fb = FileBuilder(path)
    file_header(fb, ftype)
    for idx, it in enumerate(items):
        ff = BODY_FILLER.get(ftype, ftype)
        if ff:
            fb.filler(ff)
        if ftype == "log" and it.style == "basic":
            ts = "2026-11-27T11:%02d:%02d.%03dZ" % (R.randint(0, 59), R.randint(0, 59), R.randint(0, 999))
            fb.emit("%s TRACE > GET /api/v2/packages HTTP/1.1 | Authorization: Basic %s" % (ts, it.value), it)
        elif ftype in ("sh", "md") and it.style == "basic":
            pre = "```bash\n" if ftype == "md" else ""
            if pre:
                fb.emit("```bash")
            fb.emit('curl -fsS -H "Authorization: Basic %s" https://artifacts.acme.io/api/v2/status' % it.value, it)
            if pre:
                fb.emit("```")
        else:
            render_assign(fb, ftype, it, idx)
    file_footer(fb, ftype)
    return fb


def render_minjs(path, items):
    parts = ['!function(e,t){"use strict";var n=function(){return{v:"3.7.1"}}']
    for i, it in enumerate(items):
        ident = camel(it.name or "apiKey").replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").strip("_")
        parts.append('%s={%s:"%s",timeout:3e4,retry:!0}' % ("abcdefghijkmnopqrs"[i % 18], ident, it.value))
        parts.append('function %s(e){return e&&e.__esModule?e:{default:e}}' % rs(2, LO))
    line = ",".join(parts) + "}(window,document);"
    fb = FileBuilder(path)
    fb.emit(line)
    for it in items:
        it.path, it.line, it.end_line = path, 1, 1
    fb.emit("//# sourceMappingURL=" + os.path.basename(path) + ".map")
    return fb


# PEM placements
def render_pem_file(path, items):
    fb = FileBuilder(path)
    for it in items:
        fb.emit(it.value, it)
    return fb


def render_pem_in(path, ftype, it):
    fb = FileBuilder(path)
    lines = it.value.split("\n")
    if ftype == "yaml":
        fb.emit("tls:")
        fb.emit("  enabled: true")
        fb.emit("  key: |")
        fb.emit("\n".join("    " + l for l in lines), it)
        fb.emit("  ca: /etc/ssl/ca.pem")
    elif ftype == "k8s-secret":
        for l in ("apiVersion: v1", "kind: Secret", "metadata:", "  name: tls-key", "type: Opaque", "stringData:", "  tls.key: |"):
            fb.emit(l)
        fb.emit("\n".join("    " + l for l in lines), it)
    elif ftype == "tf":
        fb.emit('resource "tls_cert_request" "api" {')
        fb.emit("  private_key_pem = <<EOT")
        fb.emit(it.value, it)
        fb.emit("EOT")
        fb.emit("}")
    elif ftype == "py":
        fb.emit("SIGNING_KEY = \"\"\"")
        fb.emit(it.value, it)
        fb.emit("\"\"\"")
    elif ftype == "sh":
        fb.emit("#!/bin/sh")
        fb.emit("cat > ~/.ssh/id_deploy <<'EOF'")
        fb.emit(it.value, it)
        fb.emit("EOF")
        fb.emit("chmod 600 ~/.ssh/id_deploy")
    elif ftype == "md":
        fb.emit("## Deploy key")
        fb.emit("")
        fb.emit("```")
        fb.emit(it.value, it)
        fb.emit("```")
    elif ftype == "json":
        fb.emit("{")
        fb.emit('  "issuer": "orders-api",')
        fb.emit('  "signing_key": %s,' % q(it.value + "\n"), it)
        fb.emit('  "alg": "RS256"')
        fb.emit("}")
    return fb


def gcp_sa(path):
    key = rsa_pkcs8()
    proj = R.choice(["acme-prod", "orders-staging", "ml-pipeline"]) + "-" + str(R.randint(100000, 999999))
    it = Item(True, key, meta=dict(group=CLOUD, provider="gcp", kind="service-account-json"))
    fb = FileBuilder(path)
    fb.emit("{")
    fb.emit('  "type": "service_account",')
    fb.emit('  "project_id": "%s",' % proj)
    fb.emit('  "private_key_id": "%s",' % rs(40, HEX))
    fb.emit('  "private_key": %s,' % q(key + "\n"), it)
    fb.emit('  "client_email": "deployer@%s.iam.gserviceaccount.com",' % proj)
    fb.emit('  "client_id": "%s",' % rs(21, DIG))
    fb.emit('  "auth_uri": "https://accounts.google.com/o/oauth2/auth",')
    fb.emit('  "token_uri": "https://oauth2.googleapis.com/token",')
    fb.emit('  "universe_domain": "googleapis.com"')
    fb.emit("}")
    return fb, it


# ---------------------------------------------------------------------------
# Negative-only files (each labelled line is one negative)


def neg(fb, category, text, value=None):
    it = Item(False, value if value is not None else text, category=category)
    fb.emit(text, it)
    return it


def package_lock(path, negs):
    fb = FileBuilder(path)
    fb.emit("{")
    fb.emit('  "name": "web",')
    fb.emit('  "lockfileVersion": 3,')
    fb.emit('  "packages": {')
    for i in range(R.randint(10, 16)):
        name = R.choice(["lodash", "react", "react-dom", "axios", "zod", "vite", "esbuild", "chalk", "debug", "ms", "semver", "uuid", "tslib", "yaml", "commander", "picocolors"]) + ("-" + rs(3, LO) if i > 8 else "")
        fb.emit('    "node_modules/%s": {' % name)
        fb.emit('      "version": "%d.%d.%d",' % (R.randint(0, 9), R.randint(0, 30), R.randint(0, 20)))
        fb.emit('      "resolved": "https://registry.npmjs.org/%s/-/%s-1.0.0.tgz",' % (name, name))
        v = integrity()
        negs.append(neg(fb, "lockfile-integrity", '      "integrity": "%s",' % v, v))
        fb.emit('      "license": "MIT"')
        fb.emit("    },")
    fb.emit('    "": {"name": "web"}')
    fb.emit("  }")
    fb.emit("}")
    return fb


def yarn_lock(path, negs):
    fb = FileBuilder(path)
    fb.emit("# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.")
    fb.emit("# yarn lockfile v1")
    for i in range(R.randint(6, 10)):
        name = R.choice(["@babel/core", "acorn", "browserslist", "caniuse-lite", "postcss", "nanoid", "source-map-js"])
        fb.emit("")
        fb.emit('"%s@^%d.0.0":' % (name, i + 1))
        fb.emit('  version "%d.%d.0"' % (i + 1, R.randint(0, 9)))
        sha = sha_hex(40)
        fb.emit('  resolved "https://registry.yarnpkg.com/%s/-/%s-%d.0.0.tgz#%s"' % (name, name.split("/")[-1], i + 1, sha))
        v = integrity()
        negs.append(neg(fb, "lockfile-integrity", "  integrity %s" % v, v))
    return fb


def go_sum(path, negs):
    fb = FileBuilder(path)
    for mod in ("github.com/google/uuid v1.6.0", "golang.org/x/sys v0.26.0", "github.com/stretchr/testify v1.9.0",
                "gopkg.in/yaml.v3 v3.0.1", "github.com/spf13/cobra v1.8.1", "golang.org/x/crypto v0.28.0"):
        v = "h1:" + b64(rbytes(32))
        negs.append(neg(fb, "lockfile-integrity", "%s %s" % (mod, v), v))
        v = "h1:" + b64(rbytes(32))
        negs.append(neg(fb, "lockfile-integrity", "%s/go.mod %s" % (mod, v), v))
    return fb


def cargo_lock(path, negs):
    fb = FileBuilder(path)
    fb.emit("# This file is automatically @generated by Cargo.")
    fb.emit("version = 3")
    for name in ("anyhow", "serde", "tokio", "regex", "memchr", "libc"):
        fb.emit("")
        fb.emit("[[package]]")
        fb.emit('name = "%s"' % name)
        fb.emit('version = "1.%d.%d"' % (R.randint(0, 40), R.randint(0, 9)))
        fb.emit('source = "registry+https://github.com/rust-lang/crates.io-index"')
        v = sha_hex(64)
        negs.append(neg(fb, "lockfile-integrity", 'checksum = "%s"' % v, v))
    return fb


def requirements(path, negs):
    fb = FileBuilder(path)
    fb.emit("# generated by pip-compile --generate-hashes")
    for name in ("requests==2.32.3", "urllib3==2.2.3", "certifi==2024.8.30", "idna==3.10", "numpy==2.1.2"):
        fb.emit("%s \\" % name)
        v = sha_hex(64)
        negs.append(neg(fb, "lockfile-integrity", "    --hash=sha256:%s \\" % v, v))
        v = sha_hex(64)
        negs.append(neg(fb, "lockfile-integrity", "    --hash=sha256:%s" % v, v))
    return fb


def checksums(path, negs):
    fb = FileBuilder(path)
    for f in ("keysnare-linux-amd64.tar.gz", "keysnare-linux-arm64.tar.gz", "keysnare-darwin-arm64.tar.gz", "keysnare-windows-amd64.zip"):
        n = R.choice([32, 40, 64])
        v = sha_hex(n)
        negs.append(neg(fb, "hash", "%s  %s" % (v, f), v))
    return fb


def lfs_pointer(path, negs):
    fb = FileBuilder(path)
    fb.emit("version https://git-lfs.github.com/spec/v1")
    v = sha_hex(64)
    negs.append(neg(fb, "lfs-pointer", "oid sha256:" + v, v))
    fb.emit("size %d" % R.randint(10 ** 5, 10 ** 9))
    return fb


def git_log(path, negs):
    fb = FileBuilder(path)
    for i in range(R.randint(4, 7)):
        v = sha_hex(40)
        negs.append(neg(fb, "hash", "commit " + v, v))
        fb.emit("Author: %s <%s@acme.io>" % (R.choice(["Ana", "Bo", "Chen"]), R.choice(["ana", "bo", "chen"])))
        fb.emit("Date:   Thu Nov %d 10:%02d:00 2026 +0000" % (R.randint(1, 26), R.randint(0, 59)))
        fb.emit("")
        fb.emit("    " + R.choice(["fix flaky retry test", "bump deps", "add rate limiter", "refactor config loading"]))
        v = sha_hex(12)
        negs.append(neg(fb, "hash", "    Reviewed-in: !%d (merge %s)" % (R.randint(100, 999), v), v))
        fb.emit("")
    return fb


def request_log(path, negs):
    fb = FileBuilder(path)
    for i in range(R.randint(8, 14)):
        ts = "2026-11-27T12:%02d:%02d.%03dZ" % (R.randint(0, 59), R.randint(0, 59), R.randint(0, 999))
        r = R.random()
        if r < 0.3:
            v = uuid4()
            negs.append(neg(fb, "uuid", '%s INFO request_id=%s method=GET path=/v1/orders status=200 dur=12ms' % (ts, v), v))
        elif r < 0.55:
            v = sha_hex(32)
            negs.append(neg(fb, "high-entropy-id", '%s INFO trace_id=%s span_id=%s msg="order created"' % (ts, v, sha_hex(16)), v))
        elif r < 0.7:
            v = "sha256:" + sha_hex(64)
            negs.append(neg(fb, "hash", "%s INFO pulled image ghcr.io/acme/orders-api@%s" % (ts, v), v))
        elif r < 0.85:
            v = rand_mixed(26, UP + DIG)
            negs.append(neg(fb, "high-entropy-id", "%s INFO event_id=01J%s job finished" % (ts, v[:23]), "01J" + v[:23]))
        else:
            v = sha_hex(64)
            negs.append(neg(fb, "high-entropy-id", "%s DEBUG container %s started" % (ts, v), v))
    return fb


def k8s_status(path, negs):
    fb = FileBuilder(path)
    fb.emit("apiVersion: v1")
    fb.emit("kind: Pod")
    fb.emit("metadata:")
    fb.emit("  name: orders-api-7d9c8b5f4-x2x9q")
    v = uuid4()
    negs.append(neg(fb, "uuid", "  uid: " + v, v))
    fb.emit("  ownerReferences:")
    fb.emit("  - kind: ReplicaSet")
    v = uuid4()
    negs.append(neg(fb, "uuid", "    uid: " + v, v))
    fb.emit("status:")
    fb.emit("  containerStatuses:")
    v = "containerd://" + sha_hex(64)
    negs.append(neg(fb, "high-entropy-id", "  - containerID: " + v, v))
    v = "sha256:" + sha_hex(64)
    negs.append(neg(fb, "hash", "    imageID: ghcr.io/acme/orders-api@" + v, v))
    fb.emit("    env:")
    fb.emit("    - name: OPENAI_API_KEY")
    fb.emit("      valueFrom:")
    fb.emit("        secretKeyRef: {name: llm, key: openai}")
    return fb


def html_page(path, negs):
    fb = FileBuilder(path)
    fb.emit("<!doctype html>")
    fb.emit("<html><head>")
    n = b64(rbytes(16))
    negs.append(neg(fb, "csp-nonce", "<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'nonce-%s' 'strict-dynamic'\">" % n, n))
    v = "sha384-" + b64(rbytes(48))
    negs.append(neg(fb, "sri-hash", '<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.bundle.min.js" integrity="%s" crossorigin="anonymous"></script>' % v, v))
    negs.append(neg(fb, "csp-nonce", '<script nonce="%s">window.__INITIAL_STATE__={"page":"home"}</script>' % n, n))
    v = b64(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rbytes(180))
    negs.append(neg(fb, "data-uri", '<img alt="logo" src="data:image/png;base64,%s">' % v, v))
    v = "G-" + rs(10, UALNUM)
    negs.append(neg(fb, "public-identifier", '<script async src="https://www.googletagmanager.com/gtag/js?id=%s"></script>' % v, v))
    fb.emit("</head><body><div id=\"root\"></div></body></html>")
    return fb


def minified_noise(path, negs):
    fb = FileBuilder(path)
    idents = ["_0x" + rs(6, HEX) for _ in range(6)]
    body = ",".join('%s=function(e){return e.%s}' % (i, rand_mixed(R.randint(24, 40), UP + LO)) for i in idents)
    negs.append(neg(fb, "minified-identifier", '!function(){"use strict";var ' + body + ';window.__cfg=%s}();' % q({"build": rs(20, HEX)}), body))
    mp = ",".join(R.choice(["AAAA", "SAAS", "CAAC", "GAAG", "EAAE", "IAAI", "OAAO", "QAAQ", "KAAK", "MAAM"]) + rs(R.randint(2, 6), ALNUM) for _ in range(80))
    negs.append(neg(fb, "minified-identifier", '//# sourceMappingURL=data:application/json;charset=utf-8;base64,' + b64(json.dumps({"version": 3, "mappings": mp}).encode()), None))
    return fb


def public_keys(path, negs):
    fb = FileBuilder(path)
    v = pem("PUBLIC KEY", b"\x30\x82\x01\x22\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00\x03\x82\x01\x0f\x00" + rbytes(270))
    negs.append(neg(fb, "public-key", v))
    fb.emit("")
    v = pem("CERTIFICATE", b"\x30\x82\x03\x5d\x30\x82\x02\x45\xa0\x03\x02\x01\x02\x02\x14" + rbytes(840))
    negs.append(neg(fb, "certificate", v))
    return fb


def ssh_pub(path, negs):
    fb = FileBuilder(path)
    v = "ssh-rsa " + b64(ssh_string(b"ssh-rsa") + ssh_string(b"\x01\x00\x01") + ssh_string(b"\x00" + rbytes(256))) + " deploy@build-01"
    negs.append(neg(fb, "public-key", v))
    v = "ssh-ed25519 " + b64(ssh_string(b"ssh-ed25519") + ssh_string(rbytes(32))) + " ana@laptop"
    negs.append(neg(fb, "public-key", v))
    return fb


def known_hosts(path, negs):
    fb = FileBuilder(path)
    for h in ("github.com", "gitlab.com", "bitbucket.org"):
        v = "%s ecdsa-sha2-nistp256 %s" % (h, b64(ssh_string(b"ecdsa-sha2-nistp256") + ssh_string(b"nistp256") + ssh_string(b"\x04" + rbytes(64))))
        negs.append(neg(fb, "public-key", v))
    return fb


def docs_examples(path, negs):
    fb = FileBuilder(path)
    fb.emit("# API authentication")
    fb.emit("")
    fb.emit("Pass your key in the header. The token below is the well-known example from jwt.io:")
    fb.emit("")
    fb.emit("```http")
    v = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    negs.append(neg(fb, "docs-example", "Authorization: Bearer " + v, v))
    fb.emit("```")
    fb.emit("")
    fb.emit("AWS documents these example credentials:")
    fb.emit("")
    fb.emit("```ini")
    negs.append(neg(fb, "docs-example", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"))
    negs.append(neg(fb, "docs-example", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
    fb.emit("```")
    fb.emit("")
    fb.emit("Replace the placeholders with your own values:")
    fb.emit("")
    fb.emit("```python")
    negs.append(neg(fb, "placeholder", 'client = OpenAI(api_key="sk-...")', "sk-..."))
    negs.append(neg(fb, "placeholder", 'anthropic = Anthropic(api_key="YOUR_ANTHROPIC_API_KEY")', "YOUR_ANTHROPIC_API_KEY"))
    fb.emit("```")
    for l in WORDS_LINES:
        negs.append(neg(fb, "word", l))
    return fb


def public_ids(path, negs):
    fb = FileBuilder(path)
    fb.emit("# public identifiers: safe to ship to the browser")
    v = "pk_live_" + rand_mixed(24)
    negs.append(neg(fb, "public-identifier", "NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=" + v, v))
    v = "%s-%s.apps.googleusercontent.com" % (rs(12, DIG), rs(32, LALNUM))
    negs.append(neg(fb, "public-identifier", "GOOGLE_CLIENT_ID=" + v, v))
    v = "AC" + rs(32, HEX)
    negs.append(neg(fb, "public-identifier", "TWILIO_ACCOUNT_SID=" + v, v))
    v = "https://%s@o%d.ingest.sentry.io/%d" % (rs(32, HEX), R.randint(10 ** 5, 10 ** 6), R.randint(10 ** 6, 10 ** 7))
    negs.append(neg(fb, "public-identifier", "NEXT_PUBLIC_SENTRY_DSN=" + v, v))
    v = rs(10, UALNUM)
    negs.append(neg(fb, "public-identifier", "ALGOLIA_APP_ID=" + v, v))
    v = "arn:aws:iam::%s:role/github-deploy" % rs(12, DIG)
    negs.append(neg(fb, "public-identifier", "AWS_ROLE_ARN=" + v, v))
    return fb


def placeholder_file(path, ftype, pairs, category, negs):
    items = [Item(False, v, name=n, category=category) for n, v in pairs]
    fb = render_text_file(path, ftype, items)
    negs.extend(items)
    return fb


# ---------------------------------------------------------------------------


def encoded_item(how):
    """an item whose planted secret is encoded in the file; returns (item, ftype)"""
    base = [k for k in KINDS if k["style"] == "assign" and k["weight"] >= 2]
    k = R.choice(base)
    secret = k["gen"]()
    meta = dict(group="encoded", provider=k["provider"], kind=ENCODED_NAME[how], inner_kind=k["kind"])
    if how == "k8s-b64":
        return Item(True, b64(secret.encode()), secret=secret, name=(R.choice(k["names"])), style="k8s-b64", meta=meta), "k8s-secret"
    if how == "basic":
        user = R.choice(["api", "ci", "deploy", "", "admin"])
        pw = secret if R.random() < 0.6 else password()
        if pw != secret:
            meta.update(provider="http-basic", inner_kind="password")
        return Item(True, b64(("%s:%s" % (user, pw)).encode()), secret=pw, style="basic", meta=meta), R.choice(["log", "sh", "md"])
    if how == "pct-url":
        pw = password(R.randint(16, 24))
        while not any(c in pw for c in "!%^*+=,:~@"):
            pw = password(R.randint(16, 24))
        enc = urllib.parse.quote(pw, safe="")
        v = "postgres://app:%s@db.prod.internal:5432/orders" % enc
        meta.update(provider="db-connection", inner_kind="postgresql")
        return Item(True, v, secret=pw, name="DATABASE_URL", style="assign", meta=meta), R.choice(["env", "yaml", "sh", "docker"])
    if how == "uesc":
        n = len(secret)
        a = R.randint(0, max(0, n - 12))
        esc = "".join("\\u%04x" % ord(c) if a <= i < a + n // 2 or c in "+/=" else c for i, c in enumerate(secret))
        return Item(True, esc, secret=secret, name=R.choice(k["names"]), style="uesc", meta=meta), "json-raw"
    if how == "utf16":
        return Item(True, secret, secret=secret, name=R.choice(k["names"]), style="utf16", meta=meta), "utf16"
    raise ValueError(how)


def build(out, seed, scale):
    global R
    R = random.Random(seed)
    tree = os.path.join(out, "tree")
    files = {}   # path -> FileBuilder or (bytes, lines)
    positives, negatives = [], []
    raw_files = {}

    def add(fb):
        assert fb.path not in files and fb.path not in raw_files, fb.path
        files[fb.path] = fb

    for rep in range(scale):
        root = "repo-%02d/" % (rep + 1) if scale > 1 else ""
        slots = {t: [] for t in PATHS}   # ftype -> list of (path, items)
        for t, paths in PATHS.items():
            for p in paths:
                slots[t].append((root + p, []))
        assign_types = list(PATHS.keys())
        pos_items = []
        # --- plant assign / url kinds
        for k in KINDS:
            for _ in range(k["weight"]):
                if k["style"] in ("assign",):
                    v = k["gen"]()
                    it = Item(True, v, name=R.choice(k["names"]), meta=dict(group=k["group"], provider=k["provider"], kind=k["kind"]))
                elif k["style"] == "url":
                    v, pw = k["gen"]()
                    it = Item(True, v, secret=pw, name=R.choice(k["names"]), meta=dict(group=k["group"], provider=k["provider"], kind=k["kind"]))
                elif k["style"] == "azure-conn":
                    key = b64(rbytes(64))
                    v = "DefaultEndpointsProtocol=https;AccountName=%s;AccountKey=%s;EndpointSuffix=core.windows.net" % (rs(R.randint(8, 14), LALNUM), key)
                    it = Item(True, v, secret=key, name=R.choice(k["names"]), meta=dict(group=k["group"], provider=k["provider"], kind=k["kind"]))
                elif k["style"] == "jdbc":
                    pw = url_password()
                    v = "jdbc:mysql://mysql.internal:3306/shop?user=shop_app&password=%s&useSSL=true" % pw
                    it = Item(True, v, secret=pw, name=R.choice(k["names"]), meta=dict(group=k["group"], provider=k["provider"], kind=k["kind"]))
                else:
                    continue
                pos_items.append(it)
        R.shuffle(pos_items)
        for it in pos_items:
            t = R.choice(assign_types)
            slots[t][R.randrange(len(slots[t]))][1].append(it)
            positives.append(it)
        # --- negatives mixed into the same files (same syntax, same names)
        negpairs = [("placeholder", p) for p in placeholder_values()] + [("fake-fixture", p) for p in fake_fixture_values()] + \
                   [("near-miss", p) for p in near_miss_values()] + [("config-non-secret", p) for p in config_non_secret_values()]
        for cat, (n, v) in negpairs:
            t = R.choice([x for x in assign_types if x != "minjs"])
            it = Item(False, v, name=n, category=cat)
            slots[t][R.randrange(len(slots[t]))][1].append(it)
            negatives.append(it)
        for t, lst in slots.items():
            for path, items in lst:
                R.shuffle(items)
                if t == "minjs":
                    fb = render_minjs(path, items)
                else:
                    fb = render_text_file(path, t, items)
                add(fb)
        # --- PEM private keys
        pem_targets = [("keys/server.key", "file"), ("certs/api.pem", "file"), ("deploy/id_rsa", "file"), ("deploy/id_ed25519", "file"),
                       ("ansible/files/signing.key", "file"), ("k8s/tls-secret.yaml", "k8s-secret"), ("config/tls.yaml", "yaml"),
                       ("infra/tls.tf", "tf"), ("app/jwt_keys.py", "py"), ("ci/add-deploy-key.sh", "sh"), ("docs/ops/keys.md", "md"),
                       ("config/signing.json", "json"), ("backup/pgp-secret.asc", "file"), ("secrets/ec.pem", "file"),
                       ("secrets/legacy.pem", "file"), ("secrets/dsa.pem", "file")]
        pem_kinds = [k for k in KINDS if k["style"] == "pem"]
        pem_items = []
        for k in pem_kinds:
            for _ in range(k["weight"]):
                pem_items.append(Item(True, k["gen"](), style="pem", meta=dict(group=k["group"], provider=k["provider"], kind=k["kind"])))
        R.shuffle(pem_items)
        for i, it in enumerate(pem_items):
            p, how = pem_targets[i % len(pem_targets)]
            if i >= len(pem_targets):
                d, b = os.path.split(p)
                p = os.path.join(d, "%d-%s" % (i // len(pem_targets), b))
            p = root + p
            fb = render_pem_file(p, [it]) if how == "file" else render_pem_in(p, how, it)
            add(fb)
            positives.append(it)
        # --- GCP service-account JSON
        for i in range(2):
            fb, it = gcp_sa(root + ["gcp/sa-deployer.json", "terraform/credentials.json"][i])
            add(fb)
            positives.append(it)
        # --- encoded
        for how_name, how, n in ENCODED:
            enc_items = []
            for _ in range(n):
                enc_items.append(encoded_item(how))
            if how == "k8s-b64":
                fb = FileBuilder(root + "k8s/app-secret.yaml")
                for l in ("apiVersion: v1", "kind: Secret", "metadata:", "  name: app-secrets", "  namespace: prod", "type: Opaque", "data:"):
                    fb.emit(l)
                for it, _ in enc_items:
                    key = (it.name or "token").lower().replace("_", "-").replace(".", "-").replace(":", "").replace("/", "-").strip("-")
                    fb.emit("  %s: %s" % (key, it.value), it)
                nv = b64(b"production")
                negatives.append(neg(fb, "encoded-non-secret", "  environment: " + nv, nv))
                add(fb)
            elif how == "basic":
                for j, (it, t) in enumerate(enc_items):
                    add(render_text_file(root + "%s/basic-%d.%s" % ({"log": "logs", "sh": "scripts", "md": "docs"}[t], j, {"log": "log", "sh": "sh", "md": "md"}[t]), t, [it]))
            elif how == "pct-url":
                for j, (it, t) in enumerate(enc_items):
                    ext = {"env": ".env", "yaml": ".yaml", "sh": ".sh", "docker": ".Dockerfile"}[t]
                    add(render_text_file(root + "deploy/db-%d%s" % (j, ext), t, [it]))
            elif how == "uesc":
                fb = FileBuilder(root + "config/escaped.json")
                fb.emit("{")
                for it, _ in enc_items:
                    fb.emit('  "%s": "%s",' % (it.name, it.value), it)
                fb.emit('  "region": "\\u0065u-west-1"')
                fb.emit("}")
                add(fb)
            elif how == "utf16":
                lines = ["# deployment settings (saved by Visual Studio)"]
                for it, _ in enc_items:
                    lines.append('$env:%s = "%s"' % ((it.name or "TOKEN").upper().replace(".", "_").replace("-", "_").replace(":", "").replace("/", "_").strip("_"), it.value))
                    it.path, it.line, it.end_line = root + "scripts/setenv.ps1", len(lines), len(lines)
                lines.append("Write-Host 'environment ready'")
                data = b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")
                raw_files[root + "scripts/setenv.ps1"] = data
            for it, _ in enc_items:
                positives.append(it)
        # --- negative-only files
        for path, fn in (("web/package-lock.json", package_lock), ("web/yarn.lock", yarn_lock), ("go.sum", go_sum),
                         ("Cargo.lock", cargo_lock), ("requirements.txt", requirements), ("dist/SHA256SUMS", checksums),
                         ("assets/model.bin", lfs_pointer), ("assets/video.mp4", lfs_pointer), ("logs/git-log.txt", git_log),
                         ("logs/access.log", request_log), ("logs/requests-2026-11-27.log", request_log), ("k8s/pod-dump.yaml", k8s_status),
                         ("public/index.html", html_page), ("public/assets/vendor.min.js", minified_noise), ("certs/ca-bundle.pem", public_keys),
                         ("deploy/id_rsa.pub", ssh_pub), ("deploy/known_hosts", known_hosts), ("docs/api-auth.md", docs_examples),
                         (".env.public", public_ids)):
            add(fn(root + path, negatives))
        # top up negatives so that there are at least as many as positives
        extra = 0
        while sum(1 for n in negatives) < len(positives) * 1.2:
            extra += 1
            add(request_log(root + "logs/archive/requests-%03d.log" % extra, negatives))

    # write
    if os.path.exists(tree):
        raise SystemExit("gen.py: %s exists; give an empty --out" % tree)
    for path, fb in files.items():
        full = os.path.join(tree, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8", newline="\n") as f:
            f.write(fb.text())
    for path, data in raw_files.items():
        full = os.path.join(tree, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
    truth = {"seed": seed, "scale": scale, "positives": [], "negatives": []}
    seen = set()
    for it in positives:
        assert it.path is not None, it.meta
        key = (it.path, it.secret)
        assert key not in seen, key
        seen.add(key)
        truth["positives"].append(dict(path=it.path, line=it.line, end_line=it.end_line, secret=it.secret,
                                       family=it.meta["group"], provider=it.meta["provider"], kind=it.meta["kind"],
                                       **({"inner_kind": it.meta["inner_kind"]} if "inner_kind" in it.meta else {})))
    for it in negatives:
        assert it.path is not None, it.category
        truth["negatives"].append(dict(path=it.path, line=it.line, end_line=it.end_line, category=it.category, value=it.value))
    truth["positives"].sort(key=lambda d: (d["path"], d["line"]))
    truth["negatives"].sort(key=lambda d: (d["path"], d["line"]))
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    return truth


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    t = build(a.out, a.seed, max(1, a.scale))
    fams = {}
    for p in t["positives"]:
        fams[p["family"]] = fams.get(p["family"], 0) + 1
    print("gen.py: seed %d scale %d: %d positives (%s), %d negatives" % (
        a.seed, a.scale, len(t["positives"]), ", ".join("%s %d" % kv for kv in sorted(fams.items())), len(t["negatives"])), file=sys.stderr)


if __name__ == "__main__":
    main()
