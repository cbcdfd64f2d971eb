# shellcheck shell=bash
# verify-lib.sh - the loopback HTTPS provider mock (tests/mock/verify_server.py)
# for the `--verify` tests (t8xxx), sourced after lib.sh:
#
#	mock_certs [DIR]            the test certificates, made once per script
#	                            with openssl into $TRASH_ROOT/mock-certs (and
#	                            copied into DIR when given): ca.pem (+ca.key),
#	                            server.pem/server.key (every provider host,
#	                            evil.example.net, localhost, 127.0.0.1) and
#	                            wrongname.pem/wrongname.key (only localhost and
#	                            127.0.0.1); EC P-256, valid 2 days. Sets
#	                            MOCK_CERTS (the cache directory).
#	mock_start [--wrongname] [--max-requests N] [--lifetime S]
#	                            starts the mock in the background for the
#	                            current test (killed by test_when_finished),
#	                            waits (at most 10 s) for its port and exports
#	                              MOCK_PORT, MOCK_PID, MOCK_DIR (=$PWD/.mock),
#	                              MOCK_LOG, MOCK_SCENARIOS, MOCK_CA,
#	                              KEYSNARE_VERIFY_TEST_CONNECT=127.0.0.1:PORT,
#	                              KEYSNARE_VERIFY_TEST_CA=$MOCK_CA,
#	                              XDG_CACHE_HOME=$PWD/.cache
#	                            (one mock per test; defaults: 500 requests,
#	                            300 s, or $MOCK_MAX_REQUESTS / $MOCK_LIFETIME)
#	mock_stop                   stops it now (mock_start's cleanup does it
#	                            anyway); the log stays
#	mock_scenario KEY NAME [JSON-OPTIONS]
#	                            KEY (hashed) plays scenario NAME, e.g.
#	                            mock_scenario "$k" ratelimit '{"retry_after": 5}'
#	mock_aws_scenario KEYID SECRET NAME [JSON-OPTIONS]
#	                            the AWS key id plays NAME, and the mock checks
#	                            the SigV4 signature against SECRET
#	mock_count [FILTER...]      the number of logged requests matching every
#	                            FILTER (FIELD=VALUE: provider=deepseek,
#	                            host=..., path=..., method=..., status=429,
#	                            scenario=..., auth=..., query=...; key=KEY
#	                            matches key_sha256 of KEY)
#	mock_requests [FILTER...]   those log lines (JSON), as logged
#	mock_field FIELD [FILTER...]
#	                            FIELD of each matching request, one a line;
#	                            dotted for nested ones
#	                            (header_values.anthropic-version); lists and
#	                            objects as JSON, a missing field as "-"
#	mock_dropped                the number of connections that ended without
#	                            a request: a failed TLS handshake, or a client
#	                            that hung up after it (e.g. on the wrongname
#	                            certificate: libcurl checks the name after
#	                            the handshake)
#	mock_curl ARGS...           curl -sS with the mock's CA, every host:port
#	                            connected to the mock (--connect-to)
#	mock_sha KEY                SHA-256 (hex) of KEY, as in the log
#
# The log ($MOCK_LOG) is JSON lines written before each answer is sent; it
# never holds a key (only key_sha256) except in the raw "path"/"query".

MOCK_SERVER=$SRC_DIR/tests/mock/verify_server.py

# every host the mock plays; the server certificate carries them all
MOCK_HOSTS="api.deepseek.com api.openai.com api.anthropic.com api.groq.com
api.mistral.ai api.x.ai generativelanguage.googleapis.com huggingface.co
openrouter.ai api.github.com gitlab.com slack.com sts.amazonaws.com
evil.example.net localhost"

_mock_leaf() {  # _mock_leaf DIR NAME SAN
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1/$2.key" -out "$1/$2.csr" -subj "/CN=keysnare mock $2" 2>>"$1/err" &&
	printf '%s\n' "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth" \
		"subjectKeyIdentifier=hash" \
		"authorityKeyIdentifier=keyid,issuer" \
		"subjectAltName=$3" >"$1/$2.ext" &&
	openssl x509 -req -in "$1/$2.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" \
		-set_serial "0x$(openssl rand -hex 8)" -days 2 -sha256 \
		-extfile "$1/$2.ext" -out "$1/$2.pem" 2>>"$1/err"
}

# shellcheck disable=SC2120 # DIR is optional; mock_start passes none
mock_certs() {
	local cache=$TRASH_ROOT/mock-certs tmp san h
	if ! [ -f "$cache/wrongname.pem" ]; then
		tmp=$(mktemp -d "$TRASH_ROOT/mock-certs.XXXXXX") || return 1
		san=
		for h in $MOCK_HOSTS; do
			san="${san}DNS:$h,"
		done
		san="${san}IP:127.0.0.1"
		if ! {
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout "$tmp/ca.key" -out "$tmp/ca.pem" -days 2 -sha256 \
				-subj "/CN=keysnare e2e test CA" \
				-addext "basicConstraints=critical,CA:TRUE" \
				-addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$tmp/err" &&
			_mock_leaf "$tmp" server "$san" &&
			_mock_leaf "$tmp" wrongname "DNS:localhost,IP:127.0.0.1"
		}; then
			echo "mock_certs: openssl failed:" >&4
			cat "$tmp/err" >&4
			return 1
		fi
		chmod 644 "$tmp"/*.pem
		rm -f "$tmp"/*.csr "$tmp"/*.ext "$tmp/err"
		# a concurrent maker (none today) would just lose the race
		mv "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
	fi
	MOCK_CERTS=$cache
	export MOCK_CERTS
	if [ $# -gt 0 ]; then
		mkdir -p "$1" && cp "$cache"/*.pem "$cache"/*.key "$1"/
	fi
}

mock_start() {
	local cert=server max=${MOCK_MAX_REQUESTS:-500} life=${MOCK_LIFETIME:-300} i
	while [ $# -gt 0 ]; do
		case $1 in
		--wrongname) cert=wrongname ;;
		--max-requests) max=$2; shift ;;
		--lifetime) life=$2; shift ;;
		*) echo "mock_start: unknown option $1" >&4; return 1 ;;
		esac
		shift
	done
	[ -z "${MOCK_PID:-}" ] || { echo "mock_start: a mock is already running" >&4; return 1; }
	# shellcheck disable=SC2119
	mock_certs || return 1
	MOCK_DIR=$PWD/.mock
	mkdir -p "$MOCK_DIR" || return 1
	MOCK_LOG=$MOCK_DIR/log.jsonl
	MOCK_SCENARIOS=$MOCK_DIR/scenarios.json
	MOCK_CA=$MOCK_CERTS/ca.pem
	rm -f "$MOCK_DIR/port"
	"$PYTHON" "$MOCK_SERVER" --cert "$MOCK_CERTS/$cert.pem" --key "$MOCK_CERTS/$cert.key" \
		--port-file "$MOCK_DIR/port" --log "$MOCK_LOG" --scenarios "$MOCK_SCENARIOS" \
		--max-requests "$max" --lifetime "$life" \
		</dev/null >"$MOCK_DIR/stderr" 2>&1 4>&- &
	MOCK_PID=$!
	test_when_finished "mock_stop"
	i=0
	while ! [ -s "$MOCK_DIR/port" ]; do
		if ! kill -0 "$MOCK_PID" 2>/dev/null || [ $i -ge 100 ]; then
			echo "mock_start: the mock did not start (its stderr:)" >&4
			cat "$MOCK_DIR/stderr" >&4
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	MOCK_PORT=$(cat "$MOCK_DIR/port")
	KEYSNARE_VERIFY_TEST_CONNECT=127.0.0.1:$MOCK_PORT
	KEYSNARE_VERIFY_TEST_CA=$MOCK_CA
	XDG_CACHE_HOME=$PWD/.cache
	export MOCK_PORT MOCK_PID MOCK_DIR MOCK_LOG MOCK_SCENARIOS MOCK_CA \
		KEYSNARE_VERIFY_TEST_CONNECT KEYSNARE_VERIFY_TEST_CA XDG_CACHE_HOME
}

mock_stop() {
	[ -n "${MOCK_PID:-}" ] || return 0
	kill "$MOCK_PID" 2>/dev/null
	wait "$MOCK_PID" 2>/dev/null
	MOCK_PID=
	return 0
}

# _mock_py SUBCOMMAND ARGS...: the log/scenario helpers (python, stdlib)
_mock_py() {
	"$PYTHON" - "$@" <<-\EOF
	import hashlib, json, os, sys
	cmd, args = sys.argv[1], sys.argv[2:]
	sha = lambda s: hashlib.sha256(s.encode()).hexdigest()

	def entries(filters):
	    want = []
	    for f in filters:
	        k, sep, v = f.partition("=")
	        if not sep:
	            sys.exit("mock: bad filter %r (FIELD=VALUE)" % f)
	        want.append(("key_sha256", sha(v)) if k == "key" else (k, v))
	    try:
	        lines = open(os.environ["MOCK_LOG"], encoding="utf-8").read().splitlines()
	    except FileNotFoundError:
	        lines = []
	    for line in lines:
	        e = json.loads(line)
	        if "event" in e:
	            continue
	        if all(str(field(e, k)) == v for k, v in want):
	            yield line, e

	def field(e, path):
	    for p in path.split("."):
	        if not isinstance(e, dict) or p not in e:
	            return "-"
	        e = e[p]
	    if e is None or isinstance(e, bool):
	        return json.dumps(e)
	    return json.dumps(e) if isinstance(e, (list, dict)) else e

	if cmd == "scenario":
	    key, name = os.environ["MOCK_KEY"], args[0]
	    entry = {"scenario": name}
	    if len(args) > 1 and args[1]:
	        entry.update(json.loads(args[1]))
	    if len(args) > 2:
	        entry["aws_secret"] = os.environ["MOCK_SECRET"]
	    path = os.environ["MOCK_SCENARIOS"]
	    try:
	        data = json.load(open(path, encoding="utf-8"))
	    except FileNotFoundError:
	        data = {}
	    data[sha(key)] = entry
	    with open(path + ".tmp", "w", encoding="utf-8") as f:
	        json.dump(data, f, indent=1)
	    os.replace(path + ".tmp", path)  # the mock re-reads it per request
	elif cmd == "count":
	    print(sum(1 for _ in entries(args)))
	elif cmd == "requests":
	    for line, _ in entries(args):
	        print(line)
	elif cmd == "field":
	    for _, e in entries(args[1:]):
	        print(field(e, args[0]))
	elif cmd == "dropped":
	    try:
	        lines = open(os.environ["MOCK_LOG"], encoding="utf-8").read().splitlines()
	    except FileNotFoundError:
	        lines = []
	    print(sum(1 for l in lines if json.loads(l).get("event") in ("tls-error", "no-request")))
	elif cmd == "sha":
	    print(sha(os.environ["MOCK_KEY"]))
	EOF
}

mock_scenario() {
	[ $# -ge 2 ] || { echo "usage: mock_scenario KEY NAME [JSON-OPTIONS]" >&4; return 1; }
	MOCK_KEY=$1 _mock_py scenario "$2" "${3:-}"
}

mock_aws_scenario() {
	[ $# -ge 3 ] || { echo "usage: mock_aws_scenario KEYID SECRET NAME [JSON-OPTIONS]" >&4; return 1; }
	MOCK_KEY=$1 MOCK_SECRET=$2 _mock_py scenario "$3" "${4:-}" aws
}

mock_count() { _mock_py count "$@"; }
mock_requests() { _mock_py requests "$@"; }
mock_field() { _mock_py field "$@"; }
mock_dropped() { _mock_py dropped; }
mock_sha() { MOCK_KEY=$1 _mock_py sha; }

mock_curl() {
	curl -sS --cacert "$MOCK_CA" --connect-to "::127.0.0.1:$MOCK_PORT" "$@"
}

# Shared by the t80xx scripts:
# ks ARGS...: keysnare with a hang gate
ks() {
	timeout 120 "$KEYSNARE" "$@"
}

# plant FILE KEY: a DeepSeek key in FILE, with the context that makes it
# deepseek-api-key (not the unverifiable llm-sk-hex32-key)
plant() {
	mkdir -p "$(dirname "$1")" &&
	printf 'DEEPSEEK_API_KEY=%s\n' "$2" >"$1"
}

# vget REPORT N FIELD: findings.N.verification.FIELD of a JSON report
vget() {
	ksjson get "$1" "findings.$2.verification.$3"
}

# no_leak FILE...: no key of ./keys (one a line) in any FILE
no_leak() {
	for f in "$@"
	do
		check_no_leak "$f" keys || return 1
	done
}
