#!/usr/bin/env python3
"""verify_server.py - loopback HTTPS mock of the providers keysnare --verify calls.

    verify_server.py --cert PEM --key PEM --port-file FILE --log FILE
                     [--scenarios FILE] [--max-requests N] [--lifetime SECONDS]

Test-only. Python standard library only. Listens on 127.0.0.1 on an
ephemeral port (written to --port-file once listening), speaks HTTP/1.1
over TLS >= 1.2 and plays every provider of tests/e2e/verify-lib.sh's spec:
the provider is chosen by the Host header (port stripped), the method and
the path (the query is logged but not matched). keysnare reaches it through
KEYSNARE_VERIFY_TEST_CONNECT (libcurl CONNECT_TO), so the Host header, SNI
and certificate check keep the real host names; the certificate must carry
them all (verify-lib.sh's mock_certs makes one).

Scenario file (--scenarios, re-read on every request, missing = empty):
    {"<sha256 hex of the key>": {"scenario": NAME, ...options}, ...}
For AWS the key hashed is the access key id; an entry carrying "aws_secret"
makes the mock check the request's SigV4 signature (403 SignatureDoesNotMatch
when it does not verify). A key that is not in the file plays "invalid"; a
request without the provider's credential gets the provider's invalid-key
answer (logged as scenario "no-credential").

Scenarios: see SCENARIOS below. Options (all optional):
    retry_after  ratelimit: the Retry-After value (default 2)
    delay        slow: seconds to sleep before answering success (default 10)
    size         huge: body size in bytes (default 50 MiB)
    status       overrides the status code of the answer
    merge        object merged into a JSON success body (top level), e.g.
                 {"is_available": false} or {"active": false}
    scopes       github success: the X-OAuth-Scopes value (default "repo, read:org")
    reason       google-ai restricted: the ErrorInfo reason (default SERVICE_DISABLED)
    error        slack invalid / slack-error: the "error" value
    headers      extra response headers {name: value}
    body, content_type   scenario "custom": the answer's body (a JSON value,
                 or a string sent as is) and Content-Type; with "status"
Never writes a key to its log or stderr (only its sha256) - except that the
raw request path and query are logged, so that a test can catch a key put
in a URL. The log is JSON lines, one per request (see log_request()), plus
{"event": "tls-error"|"no-request", "reason": ...} lines for connections
that failed in the TLS handshake or ended without a request (a client that
rejects the "wrongname" certificate does one or the other).
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import re
import ssl
import sys
import threading
import time
from urllib.parse import parse_qsl, quote

EVIL_HOST = "evil.example.net"
HUGE_DEFAULT = 50 * 1024 * 1024
CHUNK = 64 * 1024
MAX_BODY = 1024 * 1024
LOGGED_VALUES = ("anthropic-version", "x-github-api-version", "content-type",
                 "user-agent", "accept")  # never an auth header

# ---- documented answers (tests/spec providers.md) --------------------------

OPENAI_MODELS = {"object": "list", "data": [
    {"id": "gpt-4o", "object": "model", "created": 1715367049, "owned_by": "system"}]}
OPENAI_PROJECTS = {"object": "list", "data": [
    {"id": "proj_abc", "object": "organization.project", "name": "Default project",
     "created_at": 1711471533, "archived_at": None, "status": "active"}],
    "first_id": "proj_abc", "last_id": "proj_abc", "has_more": False}
OPENAI_INVALID = ("Incorrect API key provided: {key}. You can find your API key at "
                  "https://platform.openai.com/account/api-keys.")
OPENAI_RESTRICTED = {"error": {
    "message": "You have insufficient permissions for this operation. Missing scopes: "
               "api.model.read. Check that you have the correct role in your organization "
               "(Reader, Writer, Owner) and project (Member, Owner), and if you're using a "
               "restricted API key, that it has the necessary scopes.",
    "type": "invalid_request_error", "param": None, "code": None}}
OPENAI_UNFUNDED = {"error": {
    "message": "You exceeded your current quota, please check your plan and billing details.",
    "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}}
ANTHROPIC_INVALID = {"type": "error", "error": {
    "type": "authentication_error", "message": "invalid x-api-key"}}
ANTHROPIC_RESTRICTED = {"type": "error", "error": {
    "type": "permission_error",
    "message": "Your API key does not have permission to use the specified resource."}}
LIST_MODELS = {"object": "list", "data": [
    {"id": "llama-3.3-70b-versatile", "object": "model", "created": 1733447754,
     "owned_by": "Meta"}]}
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
STS_OK = ('<GetCallerIdentityResponse xmlns="%s"><GetCallerIdentityResult>'
          '<Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAEXAMPLE</UserId>'
          '<Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata>'
          '<RequestId>x</RequestId></ResponseMetadata></GetCallerIdentityResponse>' % STS_NS)


def sts_error(code, message):
    return ('<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code>'
            '<Message>%s</Message></Error><RequestId>x</RequestId></ErrorResponse>'
            % (STS_NS, code, message))


def google_error(code, status, message, reason):
    return {"error": {"code": code, "message": message, "status": status, "details": [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
         "domain": "googleapis.com",
         "metadata": {"service": "generativelanguage.googleapis.com"}}]}}


class Provider:
    """One provider route and its documented answers.

    Each answer is (status, body) or a function (key, options) -> (status,
    body); a body is a JSON value, or a str sent as is with content_type.
    restricted/unfunded/disabled/slack_error None = the generic fallback
    (403 forbidden / success / success / error500)."""

    def __init__(self, pid, host, method, path, auth, success, invalid,
                 restricted=None, unfunded=None, disabled=None, slack_error=None,
                 content_type="application/json", success_headers=None):
        self.id, self.host, self.method, self.path, self.auth = pid, host, method, path, auth
        self.success, self.invalid, self.restricted = success, invalid, restricted
        self.unfunded, self.disabled, self.slack_error = unfunded, disabled, slack_error
        self.content_type = content_type
        self.success_headers = success_headers or (lambda opts: {})


def slack_fail(default):
    return lambda key, opts: (200, {"ok": False, "error": opts.get("error", default)})


PROVIDERS = [
    Provider("deepseek", "api.deepseek.com", "GET", "/user/balance", "bearer",
             success=(200, {"is_available": True, "balance_infos": [
                 {"currency": "CNY", "total_balance": "110.00", "granted_balance": "10.00",
                  "topped_up_balance": "100.00"}]}),
             invalid=lambda key, opts: (401, {"error": {
                 "message": "Authentication Fails, Your api key: %s is invalid" % key,
                 "type": "authentication_error", "param": None,
                 "code": "invalid_request_error"}}),
             unfunded=(402, {"error": {"message": "Insufficient Balance", "type": "unknown_error",
                                       "param": None, "code": "invalid_request_error"}})),
    Provider("openai", "api.openai.com", "GET", "/v1/models", "bearer",
             success=(200, OPENAI_MODELS),
             invalid=lambda key, opts: (401, {"error": {
                 "message": OPENAI_INVALID.format(key=key), "type": "invalid_request_error",
                 "param": None, "code": "invalid_api_key"}}),
             restricted=(401, OPENAI_RESTRICTED), unfunded=(429, OPENAI_UNFUNDED)),
    Provider("openai-admin", "api.openai.com", "GET", "/v1/organization/projects", "bearer",
             success=(200, OPENAI_PROJECTS),
             invalid=lambda key, opts: (401, {"error": {
                 "message": OPENAI_INVALID.format(key=key), "type": "invalid_request_error",
                 "param": None, "code": "invalid_api_key"}}),
             restricted=(401, OPENAI_RESTRICTED), unfunded=(429, OPENAI_UNFUNDED)),
    Provider("anthropic", "api.anthropic.com", "GET", "/v1/models", "x-api-key",
             success=(200, {"data": [{"type": "model", "id": "claude-sonnet-4-20250514",
                                      "display_name": "Claude Sonnet 4",
                                      "created_at": "2025-05-22T00:00:00Z"}],
                            "has_more": False, "first_id": "claude-sonnet-4-20250514",
                            "last_id": "claude-sonnet-4-20250514"}),
             invalid=(401, ANTHROPIC_INVALID), restricted=(403, ANTHROPIC_RESTRICTED)),
    Provider("anthropic-admin", "api.anthropic.com", "GET", "/v1/organizations/me", "x-api-key",
             success=(200, {"id": "org-uuid", "type": "organization", "name": "Acme"}),
             invalid=(401, ANTHROPIC_INVALID), restricted=(403, ANTHROPIC_RESTRICTED)),
    Provider("groq", "api.groq.com", "GET", "/openai/v1/models", "bearer",
             success=(200, LIST_MODELS),
             invalid=(401, {"error": {"message": "Invalid API Key",
                                      "type": "invalid_request_error",
                                      "code": "invalid_api_key"}})),
    Provider("mistral", "api.mistral.ai", "GET", "/v1/models", "bearer",
             success=(200, {"object": "list", "data": [
                 {"id": "mistral-small-latest", "object": "model", "created": 1711430400,
                  "owned_by": "mistralai"}]}),
             invalid=(401, {"message": "Unauthorized", "request_id": "0123abcd"})),
    Provider("xai", "api.x.ai", "GET", "/v1/api-key", "bearer",
             success=(200, {"redacted_api_key": "xai-...xyz", "user_id": "u", "name": "ci key",
                            "create_time": "2025-01-01T00:00:00Z",
                            "modify_time": "2025-01-01T00:00:00Z", "modified_by": "u",
                            "team_id": "t", "acls": ["api-key:model:*", "api-key:endpoint:*"],
                            "api_key_id": "k", "team_blocked": False, "api_key_blocked": False,
                            "api_key_disabled": False}),
             # the real API shows "xa***yz"; the mock echoes the whole key
             # to check that keysnare scrubs it
             invalid=lambda key, opts: (400, {
                 "code": "Client specified an invalid argument",
                 "error": "Incorrect API key provided: %s. You can obtain an API key from "
                          "https://console.x.ai." % key}),
             disabled={"api_key_disabled": True}),
    Provider("google-ai", "generativelanguage.googleapis.com", "GET", "/v1beta/models",
             "x-goog-api-key",
             success=(200, {"models": [{"name": "models/gemini-2.0-flash", "version": "2.0",
                                        "displayName": "Gemini 2.0 Flash"}],
                            "nextPageToken": "Ch9tb2RlbHM"}),
             invalid=(400, google_error(400, "INVALID_ARGUMENT",
                                        "API key not valid. Please pass a valid API key.",
                                        "API_KEY_INVALID")),
             restricted=lambda key, opts: (403, google_error(
                 403, "PERMISSION_DENIED",
                 "Generative Language API has not been used in project 123 before or it is "
                 "disabled. Enable it by visiting https://console.developers.google.com/ "
                 "then retry.", opts.get("reason", "SERVICE_DISABLED")))),
    Provider("huggingface", "huggingface.co", "GET", "/api/whoami-v2", "bearer",
             success=(200, {"type": "user", "id": "65f0c0ffee", "name": "alice",
                            "fullname": "Alice", "auth": {"type": "access_token", "accessToken": {
                                "displayName": "ci", "role": "write",
                                "createdAt": "2025-01-01T00:00:00.000Z"}}}),
             invalid=(401, {"error": "Invalid credentials in Authorization header"})),
    Provider("openrouter", "openrouter.ai", "GET", "/api/v1/key", "bearer",
             success=(200, {"data": {"label": "sk-or-v1-abc...xyz", "limit": None, "usage": 0.25,
                                     "is_free_tier": False, "limit_remaining": None,
                                     "is_provisioning_key": False}}),
             invalid=(401, {"error": {"message": "User not found.", "code": 401}})),
    Provider("github", "api.github.com", "GET", "/user", "bearer",
             success=(200, {"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=",
                            "type": "User", "site_admin": False, "name": "The Octocat"}),
             success_headers=lambda opts: {"X-OAuth-Scopes": opts.get("scopes", "repo, read:org"),
                                           "X-Accepted-OAuth-Scopes": ""},
             invalid=(401, {"message": "Bad credentials",
                            "documentation_url": "https://docs.github.com/rest",
                            "status": "401"}),
             restricted=(403, {"message": "Resource not accessible by integration",
                               "documentation_url":
                                   "https://docs.github.com/rest/users/users"
                                   "#get-the-authenticated-user",
                               "status": "403"})),
    Provider("gitlab", "gitlab.com", "GET", "/api/v4/personal_access_tokens/self",
             "private-token",
             success=(200, {"id": 4, "name": "ci", "revoked": False,
                            "created_at": "2025-01-01T00:00:00.000Z",
                            "scopes": ["api", "read_user"], "user_id": 3,
                            "last_used_at": None, "active": True, "expires_at": "2027-01-01"}),
             invalid=(401, {"message": "401 Unauthorized"}),
             restricted=(403, {"error": "insufficient_scope",
                               "error_description": "The request requires higher privileges "
                                                    "than provided by the access token.",
                               "scope": "api read_api"}),
             disabled={"revoked": True}),
    Provider("slack", "slack.com", "POST", "/api/auth.test", "bearer",
             success=(200, {"ok": True, "url": "https://acme.slack.com/", "team": "Acme",
                            "user": "ci-bot", "team_id": "T0001", "user_id": "U0001",
                            "bot_id": "B0001", "is_enterprise_install": False}),
             invalid=slack_fail("invalid_auth"), slack_error=slack_fail("ratelimited")),
    Provider("aws", "sts.amazonaws.com", "POST", "/", "aws-sigv4",
             content_type="text/xml",
             success=(200, STS_OK),
             invalid=(403, sts_error("InvalidClientTokenId",
                                     "The security token included in the request is invalid.")),
             restricted=(403, sts_error("AccessDenied",
                                        "User: arn:aws:iam::123456789012:user/alice is not "
                                        "authorized to perform: sts:GetCallerIdentity"))),
]
ROUTES = {(p.host, p.method, p.path): p for p in PROVIDERS}

SIG_MISMATCH = (403, sts_error("SignatureDoesNotMatch",
                               "The request signature we calculated does not match the "
                               "signature you provided. Check your AWS Secret Access Key "
                               "and signing method."))

# ---- scenarios --------------------------------------------------------------
# Each returns an Answer for (provider, key, options, first request for the key).


class Answer:
    def __init__(self, status, body=b"", content_type="application/json", headers=None,
                 stream=0, delay=0.0):
        self.status, self.content_type, self.headers = status, content_type, dict(headers or {})
        self.body = body
        self.stream = stream  # huge: bytes to stream instead of body
        self.delay = delay


def encode(body, content_type):
    if isinstance(body, bytes):
        return body, content_type
    if isinstance(body, str):
        return body.encode(), content_type
    return (json.dumps(body) + "\n").encode(), content_type


def documented(p, which, key, opts):
    spec = getattr(p, which)
    status, body = spec(key, opts) if callable(spec) else spec
    data, ctype = encode(body, p.content_type)
    return Answer(status, data, ctype)


def success(p, key, opts, merge=None):
    status, body = p.success
    merged = dict(merge or {}, **opts.get("merge", {}))
    if merged and isinstance(body, dict):
        body = dict(body, **merged)
    data, ctype = encode(body, p.content_type)
    return Answer(status, data, ctype, headers=p.success_headers(opts))


def generic(status, body):
    return Answer(status, (json.dumps(body) + "\n").encode())


def sc_restricted(p, key, opts, first):
    if p.restricted is None:
        return generic(403, {"error": "forbidden"})
    return documented(p, "restricted", key, opts)


def sc_unfunded(p, key, opts, first):
    return documented(p, "unfunded", key, opts) if p.unfunded else success(p, key, opts)


def sc_disabled(p, key, opts, first):
    return success(p, key, opts, merge=p.disabled)


def sc_slack_error(p, key, opts, first):
    if p.slack_error is None:
        return generic(500, {"error": "internal"})
    return documented(p, "slack_error", key, opts)


def sc_ratelimit(p, key, opts, first):
    a = generic(429, {"error": "rate limited"})
    a.headers["Retry-After"] = str(opts.get("retry_after", 2))
    return a


def sc_ratelimit_once(p, key, opts, first):
    if first:
        return sc_ratelimit(p, key, {"retry_after": 1}, first)
    return success(p, key, opts)


def sc_error503_once(p, key, opts, first):
    return generic(503, {"error": "unavailable"}) if first else success(p, key, opts)


def sc_slow(p, key, opts, first):
    a = success(p, key, opts)
    a.delay = float(opts.get("delay", 10))
    return a


def sc_redirect(p, key, opts, first):
    return Answer(302, b"", None, headers={"Location": "https://%s/steal" % EVIL_HOST})


def sc_huge(p, key, opts, first):
    return Answer(200, b"", "application/json", stream=int(opts.get("size", HUGE_DEFAULT)))


def sc_custom(p, key, opts, first):
    data, ctype = encode(opts.get("body", ""), opts.get("content_type", "application/json"))
    return Answer(int(opts.get("status", 200)), data, ctype)


SCENARIOS = {
    "success": lambda p, key, opts, first: success(p, key, opts),
    "invalid": lambda p, key, opts, first: documented(p, "invalid", key, opts),
    "restricted": sc_restricted,
    "unfunded": sc_unfunded,
    "ratelimit": sc_ratelimit,
    "ratelimit-once": sc_ratelimit_once,
    "error500": lambda p, key, opts, first: generic(500, {"error": "internal"}),
    "error503-once": sc_error503_once,
    "slow": sc_slow,
    "redirect": sc_redirect,
    "huge": sc_huge,
    "html": lambda p, key, opts, first: Answer(200, b"<html><body>Sign in</body></html>",
                                               "text/html"),
    "garbage": lambda p, key, opts, first: generic(200, {"unexpected": True}),
    "notjson": lambda p, key, opts, first: Answer(200, b"this is not json", "application/json"),
    "slack-error": sc_slack_error,
    "disabled": sc_disabled,
    "custom": sc_custom,
}

# ---- credentials --------------------------------------------------------------

SIGV4_AUTH = re.compile(r"AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/"
                        r"([^/,\s]+)/aws4_request,\s*SignedHeaders=([a-z0-9;_.-]+),\s*"
                        r"Signature=([0-9a-f]{64})\s*$")


def extract_key(auth, headers):
    """(key or None, auth kind seen) for the provider's auth kind."""
    if auth == "bearer":
        v = headers.get("authorization", "")
        m = re.match(r"Bearer\s+(\S+)\s*$", v, re.IGNORECASE)
        return (m.group(1), "bearer") if m else (None, "none")
    if auth == "aws-sigv4":
        m = SIGV4_AUTH.match(headers.get("authorization", ""))
        return (m.group(1), "aws-sigv4") if m else (None, "none")
    v = headers.get(auth, "").strip()  # x-api-key, x-goog-api-key, private-token
    return (v, auth) if v else (None, "none")


def sha256_hex(data):
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sigv4_ok(method, raw_path, headers, body, secret):
    """Checks an AWS SigV4 (header) signature for us-east-1/sts with SECRET."""
    m = SIGV4_AUTH.match(headers.get("authorization", ""))
    if not m:
        return False
    _, date, region, service, signed, signature = m.groups()
    amz_date = headers.get("x-amz-date", "")
    if region != "us-east-1" or service != "sts" or not amz_date.startswith(date):
        return False
    path, _, query = raw_path.partition("?")
    canon_query = "&".join("%s=%s" % (quote(k, safe="-_.~"), quote(v, safe="-_.~"))
                           for k, v in sorted(parse_qsl(query, keep_blank_values=True)))
    names = signed.split(";")
    if "host" not in names or any(n not in headers for n in names):
        return False
    canon_headers = "".join("%s:%s\n" % (n, " ".join(headers[n].split())) for n in names)
    payload = headers.get("x-amz-content-sha256") or sha256_hex(body)
    canonical = "\n".join([method, path or "/", canon_query, canon_headers, signed, payload])
    scope = "%s/%s/%s/aws4_request" % (date, region, service)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, sha256_hex(canonical)])
    k = _hmac(("AWS4" + secret).encode(), date)
    for part in (region, service, "aws4_request"):
        k = _hmac(k, part)
    want = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, signature)


# ---- the server ---------------------------------------------------------------


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.requests = 0
        self.seen = {}  # key hash -> requests so far (for the *-once scenarios)
        self.log = open(args.log, "a", encoding="utf-8")

    def write_log(self, entry):
        with self.lock:
            self.log.write(json.dumps(entry, sort_keys=False) + "\n")
            self.log.flush()

    def scenarios(self):
        try:
            with open(self.args.scenarios, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return {}
        if not isinstance(data, dict):
            raise ValueError("the scenario file is not a JSON object")
        return data

    def first_time(self, key_hash):
        with self.lock:
            n = self.seen.get(key_hash, 0)
            self.seen[key_hash] = n + 1
            return n == 0

    def count_request(self):
        with self.lock:
            self.requests += 1
            return self.requests


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "keysnare-mock/1"
    sys_version = ""
    timeout = 30  # idle keep-alive connections and stalled reads

    def log_message(self, fmt, *args):  # the default logs request lines: no
        pass

    def handle(self):
        # a connection that ends without a request (e.g. a client that
        # rejected the certificate after the handshake) is logged as such
        self.served, reason = 0, "closed"
        try:
            super().handle()
        except (OSError, ssl.SSLError) as e:
            reason = getattr(e, "reason", None) or type(e).__name__
            raise
        finally:
            if self.served == 0:
                self.server.state.write_log({"t": time.time(), "event": "no-request",
                                             "reason": str(reason)})

    def do_GET(self):
        self.serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
                if len(out) > MAX_BODY:
                    raise ValueError("request body too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(n) if n > 0 else b""

    def serve(self):
        st = self.server.state
        self.served += 1
        body = self.read_body()
        headers = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), value)
        host = headers.get("host", "").strip().lower()
        if host.startswith("["):
            host = host.split("]")[0] + "]"
        else:
            host = host.split(":")[0]
        path, _, query = self.path.partition("?")
        entry = {"t": time.time(), "method": self.command, "host": host, "path": path,
                 "query": query, "provider": None, "key_sha256": None, "auth": "none",
                 "headers": [n.lower() for n in self.headers.keys()],
                 "header_values": {n: headers[n] for n in LOGGED_VALUES if n in headers},
                 "body_len": len(body), "scenario": None, "status": None}
        try:
            answer = self.decide(st, entry, headers, body)
        except Exception as e:  # a test bug (bad scenario file): say so, no key
            sys.stderr.write("verify_server: %s: %s\n" % (type(e).__name__, e))
            answer = generic(500, {"error": "mock: %s" % type(e).__name__})
            entry["scenario"] = "mock-error"
        entry["status"] = answer.status
        st.write_log(entry)  # before answering: a client that gives up is still logged
        self.answer(answer)
        if st.count_request() >= st.args.max_requests:
            sys.stderr.write("verify_server: %d requests, exiting\n" % st.requests)
            threading.Thread(target=self.server.shutdown, daemon=True).start()

    def decide(self, st, entry, headers, body):
        if entry["host"] == EVIL_HOST:
            entry["provider"], entry["scenario"] = "evil", "evil"
            return Answer(200, b"gotcha", "text/plain")
        p = ROUTES.get((entry["host"], self.command, entry["path"]))
        if p is None:
            entry["scenario"] = "no-route"
            return generic(404, {"error": "no such route"})
        entry["provider"] = p.id
        key, entry["auth"] = extract_key(p.auth, headers)
        if key is None:
            entry["scenario"] = "no-credential"
            return documented(p, "invalid", "", {})
        h = entry["key_sha256"] = sha256_hex(key)
        conf = st.scenarios().get(h) or {"scenario": "invalid"}
        name = conf.get("scenario", "invalid")
        entry["scenario"] = name
        if name not in SCENARIOS:
            raise ValueError("unknown scenario %r" % name)
        if p.auth == "aws-sigv4" and "aws_secret" in conf:
            ok = sigv4_ok(self.command, self.path, headers, body, conf["aws_secret"])
            entry["sigv4"] = "ok" if ok else "mismatch"
            if not ok:
                status, xml = SIG_MISMATCH
                return Answer(status, xml.encode(), "text/xml")
        answer = SCENARIOS[name](p, key, conf, st.first_time(h))
        if "status" in conf and name != "custom":
            answer.status = int(conf["status"])
        answer.headers.update(conf.get("headers", {}))
        return answer

    def answer(self, a):
        if a.delay:
            time.sleep(a.delay)
        try:
            self.send_response(a.status)
            if a.content_type:
                self.send_header("Content-Type", a.content_type)
            for name, value in a.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(a.stream or len(a.body)))
            self.end_headers()
            if self.command == "HEAD":
                return
            if a.stream:
                self.stream_json(a.stream)
            else:
                self.wfile.write(a.body)
            self.wfile.flush()
        except (OSError, ssl.SSLError):  # the client went away: stop quietly
            self.close_connection = True

    def stream_json(self, size):
        """SIZE bytes of valid JSON {"data":"aaa..."}, in 64 KiB writes."""
        head, tail = b'{"data":"', b'"}\n'
        self.wfile.write(head)
        left = size - len(head) - len(tail)
        block = b"a" * CHUNK
        while left > 0:
            n = min(left, CHUNK)
            self.wfile.write(block[:n])
            left -= n
        self.wfile.write(tail)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, state, ctx):
        self.state, self.ctx = state, ctx
        super().__init__(("127.0.0.1", 0), Handler)

    def finish_request(self, request, client_address):
        # the TLS handshake runs in the connection's thread, not in accept()
        request.settimeout(Handler.timeout)
        try:
            conn = self.ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError) as e:
            reason = getattr(e, "reason", None) or type(e).__name__
            self.state.write_log({"t": time.time(), "event": "tls-error", "reason": str(reason)})
            return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        sys.stderr.write("verify_server: error while handling a request: %s\n"
                         % type(sys.exc_info()[1]).__name__)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--scenarios", default="/nonexistent/scenarios.json")
    ap.add_argument("--max-requests", type=int, default=500)
    ap.add_argument("--lifetime", type=float, default=300)
    args = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["http/1.1"])

    server = Server(State(args), ctx)
    port = server.server_address[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, args.port_file)  # readers never see a partial file

    def expire():
        sys.stderr.write("verify_server: lifetime of %gs over, exiting\n" % args.lifetime)
        server.shutdown()

    timer = threading.Timer(args.lifetime, expire)
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
