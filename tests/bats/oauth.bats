#!/usr/bin/env bats
# OAuth 2.0 kept by popfetch (oauth_provider): --authorize by the device
# flow, the token file, refresh on every run that needs it, rotation, and
# each way an authorization server can fail, against a scripted HTTPS
# server (tests/lib/oauthserver.py) and the scripted POP server.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
}

setup() {
	common_setup
	# No POP server is reached in most tests: the failure comes first.
	FAKE_PORT=1
	AS_PID=
	AS_LOG=$BATS_TEST_TMPDIR/as.log
	AS_MODE=$BATS_TEST_TMPDIR/as.mode
	echo '{}' >"$AS_MODE"
	as_start
}

teardown() {
	fake_stop
	[[ -z $AS_PID ]] || { kill "$AS_PID" 2>/dev/null; wait "$AS_PID" 2>/dev/null; } || true
}

as_start() {
	local portfile=$BATS_TEST_TMPDIR/as.port
	: >"$AS_LOG"
	python3 "$TESTS_LIB/oauthserver.py" --port-file "$portfile" \
	    --cert "$CERTS_DIR/server.pem" --key "$CERTS_DIR/server-key.pem" \
	    --log "$AS_LOG" --mode "$AS_MODE" </dev/null \
	    >"$BATS_TEST_TMPDIR/as.err" 2>&1 3>&- &
	AS_PID=$!
	local tries=100
	while [[ ! -s $portfile ]] && ((tries-- > 0)); do
		sleep 0.05
	done
	AS_URL=https://127.0.0.1:$(cat "$portfile")
}

# The base64 XOAUTH2 initial response for token $1.
xoauth2() {
	printf 'user=test\001auth=Bearer %s\001\001' "$1" | base64 -w0
}

# A POP session that takes exactly token $1 and has no mail.
sc_token() {
	{
		echo "S: +OK ready"
		echo "C: CAPA"
		echo "S: +OK"
		echo "S: SASL XOAUTH2"
		echo "S: UIDL"
		echo "S: ."
		echo "C: AUTH XOAUTH2 $(xoauth2 "$1")"
		echo "S: +OK"
		sc_empty
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc" --tls-implicit
}

# The account: the scripted POP server (port ${FAKE_PORT:-1}) and the
# scripted authorization server.
rc_oauth() {
	rc_fake f tls "auth xoauth2" "oauth_provider custom" \
	    "oauth_client_id popfetch-test" \
	    "oauth_device_url $AS_URL/device" \
	    "oauth_token_url $AS_URL/token" "$@" |
	    sed '/^password /d' | rc_write
}

token_file() {
	echo "$STATE_DIR/test@127.0.0.1:${FAKE_PORT:-1}.oauth"
}

# Tokens as an earlier --authorize left them: the access token expired.
seed_tokens() {
	mkdir -p "$STATE_DIR"
	printf '{"refresh_token":"rt-seed","access_token":"at-old","expires_at":%s}\n' \
	    "${1:-0}" >"$(token_file)"
	chmod 600 "$(token_file)"
}

@test "--authorize: the device flow with pending and slow_down, tokens saved 0600" {
	echo '{"pending": 1, "slow_down": 1}' >"$AS_MODE"
	FAKE_PORT=1 rc_oauth
	local start=$SECONDS
	FAKE_PORT=1 pf --authorize f
	assert_success
	assert_output --partial "open https://example.test/device"
	assert_output --partial "enter the code WDJB-MJHT"
	assert_output --partial "f is authorized: its access token is good until"
	# One poll pending, one slow_down (5 s more between polls), then yes.
	assert_equal "$(grep -c 'device_code=dc-1' "$AS_LOG")" 3
	((SECONDS - start >= 7)) || fail "slow_down was not honoured"
	local tf
	tf=$(FAKE_PORT=1 token_file)
	assert_equal "$(stat -c %a "$tf")" 600
	grep -q '"refresh_token":"rt-1"' "$tf"
	# Never printed.
	refute_output --partial "rt-1"
	refute_output --partial "at-1"
}

@test "--authorize: a long verification address is printed whole" {
	local uri
	uri="https://example.test/device?x=$(printf 'a%.0s' {1..2000})"
	printf '{"pending": 0, "device": "denied", "verification_uri": "%s"}' \
	    "$uri" >"$AS_MODE"
	FAKE_PORT=1 rc_oauth
	FAKE_PORT=1 pf --authorize f
	assert_failure 77
	assert_output --partial "open $uri"$'\n'
}

@test "--authorize: declined or expired codes are 77" {
	echo '{"pending": 0, "device": "denied"}' >"$AS_MODE"
	FAKE_PORT=1 rc_oauth
	FAKE_PORT=1 pf --authorize f
	assert_failure 77
	assert_output --partial "declined"
	echo '{"pending": 0, "device": "expired"}' >"$AS_MODE"
	FAKE_PORT=1 pf --authorize f
	assert_failure 77
	assert_output --partial "run popfetch --authorize f again"
}

@test "a good access token is used as it is, no refresh" {
	sc_token at-old
	rc_oauth
	seed_tokens $(($(date +%s) + 3000))
	pf -vv
	assert_success
	refute_output --partial "at-old"
	assert_equal "$(wc -l <"$AS_LOG")" 0
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "libcurl loaded only for a token request; missing, 69 saying what to install" {
	local shim count=$BATS_TEST_TMPDIR/count
	shim=$(dirname "$POPFETCH")/tests/faults/libfaultshim.so
	[[ -f $shim ]] || skip "no $shim (built by meson with the rest)"
	# A good token asks nothing of the endpoint: libcurl stays unloaded.
	sc_token at-old
	rc_oauth
	seed_tokens $(($(date +%s) + 3000))
	run timeout -k 5 120 env LD_PRELOAD="$shim" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    FAULT_CALLS=dlopen FAULT_PATH=libcurl FAULT_REPORT="$count" \
	    "$POPFETCH" -f "$RC"
	assert_success
	assert_equal "$(cat "$count")" 0
	fake_wait
	# A refresh needs it; without it the run fails before any request.
	sc_token at-1
	rc_oauth
	seed_tokens 0
	run timeout -k 5 120 env LD_PRELOAD="$shim" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    FAULT_CALLS=dlopen FAULT_PATH=libcurl FAULT_NTH=1 \
	    FAULT_REPORT="$count" "$POPFETCH" -f "$RC"
	assert_failure 69
	assert_output --partial "libcurl"
	assert_output --partial "$AS_URL/token"
	assert_output --partial "libcurl3-gnutls"
	assert_equal "$(cat "$count")" 1
	assert_equal "$(wc -l <"$AS_LOG")" 0
	grep -q '"refresh_token":"rt-seed"' "$(token_file)"
}

@test "an expired access token is refreshed first; the refresh token kept" {
	sc_token at-1
	rc_oauth "oauth_client_secret s3cret"
	seed_tokens 0
	pf
	assert_success
	grep -q '^/token client_id=popfetch-test client_secret=s3cret grant_type=refresh_token refresh_token=rt-seed$' "$AS_LOG"
	grep -q '"refresh_token":"rt-seed"' "$(token_file)"
	grep -q '"access_token":"at-1"' "$(token_file)"
	assert_equal "$(stat -c %a "$(token_file)")" 600
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "-vv during a refresh shows no token, no secret, no AUTH argument" {
	sc_token at-1
	rc_oauth "oauth_client_secret s3cret"
	seed_tokens 0
	pf -vv
	assert_success
	assert_output --partial "refreshing the OAuth access token"
	refute_output --partial "at-1"
	refute_output --partial "rt-seed"
	refute_output --partial "s3cret"
	refute_output --partial "$(xoauth2 at-1)"
	refute_output --partial "$(xoauth2 at-1 | cut -c1-20)"
}

@test "two runs at once: the second waits and uses what the first refreshed" {
	sc_token at-new
	rc_oauth
	seed_tokens 0
	local tf
	tf=$(token_file)
	# Another run holds the tokens while it refreshes, and saves fresh ones.
	flock "$tf.lock" sh -c "sleep 1; printf '{\"refresh_token\":\"rt-2\",\"access_token\":\"at-new\",\"expires_at\":%s}\n' $(($(date +%s) + 3000)) >'$tf'" &
	local holder=$!
	sleep 0.3
	pf
	assert_success
	wait "$holder"
	# No refresh of its own: the expired token it first saw is not spent.
	assert_equal "$(wc -l <"$AS_LOG")" 0
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "a rotated refresh token replaces the old one" {
	echo '{"rotate": true}' >"$AS_MODE"
	sc_token at-1
	rc_oauth
	seed_tokens 0
	pf
	assert_success
	grep -q '"refresh_token":"rt-1"' "$(token_file)"
}

@test "a token the POP server refuses is refreshed once and tried once more" {
	{
		echo "S: +OK ready"
		echo "C: CAPA"
		echo "S: +OK"
		echo "S: SASL XOAUTH2"
		echo "S: ."
		echo "C: AUTH XOAUTH2 *"
		echo "S: -ERR [AUTH] invalid token"
		echo "EXPECT-EOF"
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc" --tls-implicit --connections 2
	rc_oauth
	seed_tokens $(($(date +%s) + 3000))
	pf
	assert_failure 77
	assert_equal "$(grep -c 'grant_type=refresh_token' "$AS_LOG")" 1
	assert_equal "$(grep -c '^AUTH XOAUTH2' "$FAKE_LOG")" 2
}

@test "invalid_grant: 77, saying to run --authorize; the server's words made printable" {
	echo '{"token": "invalid_grant"}' >"$AS_MODE"
	rc_oauth
	seed_tokens 0
	pf
	assert_failure 77
	assert_output --partial "invalid_grant: token revoked\\001\\n\\r\\a\\b"
	assert_output --partial "run popfetch --authorize f"
	# No control byte of the server's reaches the terminal.
	refute_output --regexp $'[\001\r\a\b]'
	assert_equal "$(grep -c 'token revoked' <<<"$output")" 1
}

@test "an error code longer than a line from the token endpoint: shown cut short" {
	echo '{"token": "longerror"}' >"$AS_MODE"
	rc_oauth
	seed_tokens 0
	pf
	assert_failure 77
	assert_output --partial "refused the token request: xxxxxxxxxx"
	refute_output --partial "$(printf 'x%.0s' {1..100})"
}

@test "the token endpoint failing: 500 is 75, a bad answer 76 naming it" {
	rc_oauth
	seed_tokens 0
	echo '{"token": "500"}' >"$AS_MODE"
	pf
	assert_failure 75
	echo '{"token": "malformed"}' >"$AS_MODE"
	pf
	assert_failure 76
	assert_output --partial "$AS_URL/token answered a token that is not JSON"
	echo '{"token": "huge"}' >"$AS_MODE"
	pf
	assert_failure 76
	assert_output --partial "answered more than 65536 bytes"
	echo '{"token": "notbearer"}' >"$AS_MODE"
	pf
	assert_failure 76
	kill "$AS_PID"; wait "$AS_PID" 2>/dev/null || true; AS_PID=
	pf
	assert_failure 75
	assert_output --partial "cannot reach $AS_URL/token"
	# The refresh token survives every failure.
	grep -q '"refresh_token":"rt-seed"' "$(token_file)"
}

@test "the token endpoint verified like the POP server: an unknown CA is 69, tls_trust_file honoured" {
	rc_oauth
	seed_tokens 0
	# Without the test CA the endpoint's certificate is not trusted.
	sed -i '/^tls_trust_file /d' "$RC"
	pf
	assert_failure 69
	assert_output --partial "$AS_URL/token"
	assert_equal "$(wc -l <"$AS_LOG")" 0
	# A trust file that cannot be read is the rc file's fault.
	rc_oauth
	sed -i "s|^tls_trust_file .*|tls_trust_file $BATS_TEST_TMPDIR/none.pem|" "$RC"
	pf
	assert_failure 78
}

@test "oauth_client_secret_eval: the secret from a command, sent with the refresh" {
	sc_token at-1
	rc_oauth "oauth_client_secret_eval printf %s ev4l"
	seed_tokens 0
	pf
	assert_success
	grep -q '^/token client_id=popfetch-test client_secret=ev4l grant_type=refresh_token refresh_token=rt-seed$' "$AS_LOG"
}

@test "not authorized yet: 77 saying to run --authorize" {
	rc_oauth
	pf
	assert_failure 77
	assert_output --partial "not authorized yet"
	assert_output --partial "run popfetch --authorize f once"
}

@test "the endpoints must be https://" {
	rc_fake f tls "auth xoauth2" "oauth_provider custom" \
	    "oauth_client_id x" "oauth_token_url http://127.0.0.1:1/token" |
	    sed '/^password /d' | rc_write
	seed_tokens 0
	pf
	assert_failure 78
	assert_output --partial "is not an https:// URL"
}

@test "rc: oauth_provider needs xoauth2 or oauthbearer, and a client id" {
	rc_fake f tls "oauth_provider microsoft" "oauth_client_id x" | rc_write
	pf -n
	assert_failure 78
	assert_output --partial "needs auth xoauth2 or auth oauthbearer"
	rc_fake f tls "auth xoauth2" "oauth_provider microsoft" | rc_write
	pf -n
	assert_failure 78
	assert_output --partial "no oauth_client_id"
	rc_fake f tls "auth xoauth2" "oauth_provider custom" "oauth_client_id x" | rc_write
	pf -n
	assert_failure 78
	assert_output --partial "no oauth_token_url"
}

@test "RFC 5034: a token that would make AUTH longer than 255 octets goes after '+ '" {
	local tok ir
	tok=$(head -c 300 /dev/zero | tr '\0' 'T')
	ir=$(xoauth2 "$tok")
	{
		echo "S: +OK ready"
		echo "C: CAPA"
		echo "S: +OK"
		echo "S: SASL XOAUTH2"
		echo "S: UIDL"
		echo "S: ."
		echo "C: AUTH XOAUTH2"
		echo "S: + "
		echo "C: $ir"
		echo "S: +OK"
		sc_empty
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc" --tls-implicit
	rc_fake f tls "auth xoauth2" | sed '/^password /d' | rc_write
	echo "passwordeval echo $tok" >>"$RC"
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

# browser URL [follow]: plays the browser on the address popfetch printed:
# with follow, goes on to the loopback redirect; else prints where it ends.
browser() {
	python3 - "$1" "$CERTS_DIR/ca.pem" "${2:-}" <<-'PY'
	import ssl, sys, urllib.request
	url, ca, follow = sys.argv[1], sys.argv[2], sys.argv[3]
	ctx = ssl.create_default_context(cafile=ca)
	class NoRedirect(urllib.request.HTTPRedirectHandler):
	    def redirect_request(self, *a):
	        return None
	if follow:
	    op = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx))
	    print(op.open(url, timeout=10).read().decode())
	else:
	    op = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=ctx))
	    try:
	        op.open(url, timeout=10)
	    except urllib.error.HTTPError as e:
	        print(e.headers["Location"])
	PY
}

# Starts --authorize in the background with stdin from a fifo; waits for
# the URL it prints (AUTH_URL).
start_authorize() {
	mkfifo "$BATS_TEST_TMPDIR/in"
	FAKE_PORT=1 "$POPFETCH" -f "$RC" --authorize f <"$BATS_TEST_TMPDIR/in" \
	    >"$BATS_TEST_TMPDIR/auth.out" 2>&1 3>&- &
	AUTH_PID=$!
	exec 4>"$BATS_TEST_TMPDIR/in"
	local tries=100
	until AUTH_URL=$(grep -m1 '^https://' "$BATS_TEST_TMPDIR/auth.out"); do
		((tries-- > 0)) || fail "no URL printed"
		sleep 0.05
	done
}

@test "--authorize by code and PKCE: the browser ends on the loopback listener" {
	FAKE_PORT=1 rc_fake f tls "auth xoauth2" "oauth_provider custom" \
	    "oauth_client_id popfetch-test" "oauth_auth_url $AS_URL/authorize" \
	    "oauth_token_url $AS_URL/token" "oauth_scope mail" |
	    sed '/^password /d' | rc_write
	start_authorize
	[[ $AUTH_URL == *code_challenge_method=S256* ]]
	[[ $AUTH_URL == *redirect_uri=http%3A%2F%2F127.0.0.1%3A* ]]
	run browser "$AUTH_URL" follow
	assert_output --partial "popfetch has the authorization"
	exec 4>&-
	wait "$AUTH_PID"
	run cat "$BATS_TEST_TMPDIR/auth.out"
	assert_output --partial "f is authorized"
	grep -q 'grant_type=authorization_code' "$AS_LOG"
	grep -q '"refresh_token":"rt-1"' "$(FAKE_PORT=1 token_file)"
}

@test "--authorize by code: a local request with the wrong state is answered 400, the browser's still taken" {
	FAKE_PORT=1 rc_fake f tls "auth xoauth2" "oauth_provider custom" \
	    "oauth_client_id popfetch-test" "oauth_auth_url $AS_URL/authorize" \
	    "oauth_token_url $AS_URL/token" "oauth_scope mail" |
	    sed '/^password /d' | rc_write
	start_authorize
	local port=${AUTH_URL#*redirect_uri=http%3A%2F%2F127.0.0.1%3A}
	port=${port%%%2F*}
	run curl -s -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$port/?code=evil&state=wrong"
	assert_output 400
	run curl -s -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$port/elsewhere?state=x"
	assert_output 400
	run browser "$AUTH_URL" follow
	assert_output --partial "popfetch has the authorization"
	exec 4>&-
	wait "$AUTH_PID"
	run cat "$BATS_TEST_TMPDIR/auth.out"
	assert_output --partial "f is authorized"
}

@test "--authorize by code: the address pasted by hand; a wrong state refused" {
	FAKE_PORT=1 rc_fake f tls "auth xoauth2" "oauth_provider custom" \
	    "oauth_client_id popfetch-test" "oauth_auth_url $AS_URL/authorize" \
	    "oauth_token_url $AS_URL/token" | sed '/^password /d' | rc_write
	start_authorize
	local where
	where=$(browser "$AUTH_URL")
	[[ $where == http://127.0.0.1:* ]]
	echo "${where/state=/state=x}" >&4
	exec 4>&-
	local st=0
	wait "$AUTH_PID" || st=$?
	assert_equal "$st" 77
	run cat "$BATS_TEST_TMPDIR/auth.out"
	assert_output --partial "does not carry the state"

	rm -f "$BATS_TEST_TMPDIR/in"
	start_authorize
	where=$(browser "$AUTH_URL")
	# As some browsers show it: a fragment after the query.
	echo "$where#_=_" >&4
	exec 4>&-
	wait "$AUTH_PID"
	run cat "$BATS_TEST_TMPDIR/auth.out"
	assert_output --partial "f is authorized"
}

@test "--authorize by code: the error of a pasted address made printable" {
	FAKE_PORT=1 rc_fake f tls "auth xoauth2" "oauth_provider custom" \
	    "oauth_client_id popfetch-test" "oauth_auth_url $AS_URL/authorize" \
	    "oauth_token_url $AS_URL/token" | sed '/^password /d' | rc_write
	start_authorize
	echo "http://127.0.0.1:1/?error=denied%0Afake%0D%07line%08" >&4
	exec 4>&-
	local st=0
	wait "$AUTH_PID" || st=$?
	assert_equal "$st" 77
	run cat "$BATS_TEST_TMPDIR/auth.out"
	assert_output --partial 'not given: denied\nfake\r\aline\b'
	refute_output --regexp $'[\r\a\b]'
}

@test "--authorize by code: a declined authorization is 77" {
	echo '{"authorize": "deny"}' >"$AS_MODE"
	FAKE_PORT=1 rc_fake f tls "auth xoauth2" "oauth_provider custom" \
	    "oauth_client_id popfetch-test" "oauth_auth_url $AS_URL/authorize" \
	    "oauth_token_url $AS_URL/token" | sed '/^password /d' | rc_write
	start_authorize
	browser "$AUTH_URL" follow >/dev/null
	exec 4>&-
	local st=0
	wait "$AUTH_PID" || st=$?
	assert_equal "$st" 77
	run cat "$BATS_TEST_TMPDIR/auth.out"
	assert_output --partial "not given: access_denied"
}

@test "kill -9 while the tokens are replaced: the file is always whole" {
	echo '{"rotate": true, "lifetime": 30}' >"$AS_MODE"
	rc_oauth
	seed_tokens 0
	local i pid
	for i in $(seq 1 25); do
		"$POPFETCH" -f "$RC" -q >/dev/null 2>&1 3>&- &
		pid=$!
		sleep "0.0$((RANDOM % 6))"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		python3 -c 'import json, sys; t = json.load(open(sys.argv[1])); assert t["refresh_token"].startswith("rt-")' \
		    "$(token_file)" || fail "round $i: the token file is damaged"
		assert_equal "$(stat -c %a "$(token_file)")" 600
	done
}

@test "a file holding oauth_client_secret must not be readable by others" {
	rc_oauth "oauth_client_secret s3cret"
	chmod 644 "$RC"
	pf -n
	assert_failure 78
	assert_output --partial "readable by others"
}
