#!/usr/bin/env bats
# Logging in: every method against Dovecot, auto's choice, what a failed or
# refused login says and exits with, and where the password comes from.
# The -vv trace never holds the password or the token, in any form.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	DOVECOT_MECHANISMS="plain login cram-md5 scram-sha-256 apop" \
	    dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	common_setup
	dovecot_clear
	printf 'From: a@example.org\nSubject: auth\n\nhello\n' \
	    >"$BATS_TEST_TMPDIR/msg"
	dovecot_add_message "$BATS_TEST_TMPDIR/msg"
}

teardown() {
	fake_stop
}

# The secret in no form: as is, in base64 alone or with the user.
refute_secret() {
	local secret=$1
	refute_output --partial "$secret"
	refute_output --partial "$(printf '%s' "$secret" | base64 -w0)"
	refute_output --partial \
	    "$(printf '\0%s\0%s' "$DOVECOT_USER" "$secret" | base64 -w0)"
}

# scram_start MODE: the SCRAM server of tests/lib/scrampop.py, as the
# scripted server (fake_wait, fake_stop and assert_sent work on it).
scram_start() {
	FAKE_LOG=$BATS_TEST_TMPDIR/fake.log
	local portfile=$BATS_TEST_TMPDIR/fake.port
	rm -f "$portfile"
	: >"$FAKE_LOG"
	python3 "$TESTS_LIB/scrampop.py" --mode "$1" --port-file "$portfile" \
	    --log "$FAKE_LOG" --password fake-secret \
	    </dev/null >"$BATS_TEST_TMPDIR/fake.err" 2>&1 3>&- &
	FAKE_PID=$!
	local tries=100
	while [[ ! -s $portfile ]] && ((tries-- > 0)); do
		sleep 0.05
	done
	FAKE_PORT=$(cat "$portfile")
}

# The scripted server's scenario: a greeting and CAPA with these lines.
sc_capa() {
	local greeting=$1
	shift
	echo "S: +OK $greeting"
	echo "C: CAPA"
	echo "S: +OK"
	local cap
	for cap in "$@"; do
		echo "S: $cap"
	done
	echo "S: ."
}

# --- every method against Dovecot -----------------------------------------

@test "auth user against Dovecot: USER/PASS, PASS masked" {
	rc_dovecot dv tls "auth user" | rc_write
	pf -vv
	assert_success
	assert_line "dv: > PASS ****"
	refute_secret "$DOVECOT_PASS"
	assert_equal "$(maildir_count)" 1
}

@test "auth plain against Dovecot: initial response, masked" {
	rc_dovecot dv tls "auth plain" | rc_write
	pf -vv
	assert_success
	assert_line "dv: > AUTH PLAIN ****"
	refute_secret "$DOVECOT_PASS"
	assert_equal "$(maildir_count)" 1
}

@test "auth login against Dovecot: user and password masked" {
	rc_dovecot dv tls "auth login" | rc_write
	pf -vv
	assert_success
	assert_line "dv: > AUTH LOGIN"
	assert_line "dv: > ****"
	refute_secret "$DOVECOT_PASS"
	assert_equal "$(maildir_count)" 1
}

@test "auth cram-md5 against Dovecot" {
	rc_dovecot dv tls "auth cram-md5" | rc_write
	pf -vv
	assert_success
	assert_line "dv: > AUTH CRAM-MD5"
	refute_secret "$DOVECOT_PASS"
	assert_equal "$(maildir_count)" 1
}

@test "auth scram-sha-256 against Dovecot: the server's signature checks" {
	rc_dovecot dv tls "auth scram-sha-256" | rc_write
	pf -vv
	assert_success
	assert_line "dv: > AUTH SCRAM-SHA-256 ****"
	refute_secret "$DOVECOT_PASS"
	assert_equal "$(maildir_count)" 1
}

@test "auth apop against Dovecot: the greeting's timestamp" {
	rc_dovecot dv tls "auth apop" | rc_write
	pf -vv
	assert_success
	assert_line "dv: > APOP $DOVECOT_USER ****"
	refute_secret "$DOVECOT_PASS"
	assert_equal "$(maildir_count)" 1
}

@test "auth auto with TLS picks SCRAM-SHA-256" {
	rc_dovecot dv starttls | rc_write
	pf -vv
	assert_success
	assert_line "dv: > AUTH SCRAM-SHA-256 ****"
	refute_line --regexp '^dv: > (PASS|AUTH PLAIN)'
}

@test "auth auto without TLS picks SCRAM-SHA-256: no password in clear" {
	rc_dovecot dv plain "auth auto" | rc_write
	pf -vv
	assert_success
	assert_line "dv: > AUTH SCRAM-SHA-256 ****"
	refute_secret "$DOVECOT_PASS"
	assert_equal "$(maildir_count)" 1
}

@test "a wrong password: 77 naming the method, nothing fetched" {
	rc_dovecot dv tls "auth scram-sha-256" "password wrong-one" | rc_write
	pf
	assert_failure 77
	assert_output --partial "SCRAM-SHA-256"
	assert_output --regexp "^dv: "
	assert_equal "$(maildir_count)" 0
}

@test "a wrong password with USER/PASS: 77 naming PASS" {
	rc_dovecot dv tls "auth user" "password wrong-one" | rc_write
	pf
	assert_failure 77
	assert_output --partial "with USER failed at PASS"
}

# --- what auto does without TLS (the scripted server) ---------------------

@test "auto without TLS, only USER and PLAIN on offer: 69, no password sent" {
	{
		sc_capa "ready" "USER" "SASL PLAIN LOGIN" "UIDL"
		echo "EXPECT-EOF"
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc"
	rc_fake f plain "auth auto" | rc_write
	pf
	assert_failure 69
	assert_output --partial "'auth plain' (or login, user)"
	assert_output --partial "without TLS"
	fake_wait
	refute_sent '^(USER|PASS|AUTH|APOP)'
}

@test "auto without TLS uses APOP when the greeting has a timestamp" {
	{
		sc_capa "ready <1896.697170952@dbc.mtview.ca.us>" "USER" \
		    "SASL PLAIN" "UIDL"
		echo "C: APOP test *"
		echo "S: +OK"
		sc_empty
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc"
	rc_fake f plain "auth auto" | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	refute_sent 'fake-secret'
}

@test "an APOP timestamp with control or 8-bit bytes: 76, no APOP sent" {
	local ts
	for ts in '<1896.\x01@evil>' '<1896.\xff@evil>' '<1896.\x1b[2J@evil>'; do
		{
			echo "RAW +OK ready $ts\r\n"
			echo "C: CAPA"
			echo "S: +OK"
			echo "S: USER"
			echo "S: ."
			echo "EXPECT-EOF"
		} >"$BATS_TEST_TMPDIR/sc"
		for m in apop auto; do
			fake_start "$BATS_TEST_TMPDIR/sc"
			rc_fake f plain "auth $m" | rc_write
			pf
			assert_failure 76
			assert_output --partial "APOP timestamp"
			fake_wait
			refute_sent '^(USER|PASS|AUTH|APOP)'
		done
	done
}

@test "a method the server does not offer: 69 listing what it offers" {
	{
		sc_capa "ready" "USER" "SASL PLAIN LOGIN" "UIDL"
		echo "EXPECT-EOF"
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc"
	rc_fake f plain "auth cram-md5" | rc_write
	pf
	assert_failure 69
	assert_output --partial "does not offer CRAM-MD5"
	assert_output --partial "SASL PLAIN LOGIN, USER"
	fake_wait
	refute_sent '^(USER|PASS|AUTH|APOP)'
}

@test "-ERR [AUTH] to AUTH PLAIN: 77 naming the method" {
	{
		sc_capa "ready" "SASL PLAIN" "UIDL" "RESP-CODES"
		echo "C: AUTH PLAIN *"
		echo "S: -ERR [AUTH] invalid credentials"
		echo "EXPECT-EOF"
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc"
	rc_fake f plain "auth plain" | rc_write
	pf
	assert_failure 77
	assert_output --partial "with PLAIN failed"
	assert_output --partial "invalid credentials"
}

@test "-ERR [SYS/TEMP] to AUTH: 75" {
	{
		sc_capa "ready" "SASL PLAIN" "UIDL" "RESP-CODES"
		echo "C: AUTH PLAIN *"
		echo "S: -ERR [SYS/TEMP] try later"
		echo "EXPECT-EOF"
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc"
	rc_fake f plain "auth plain" | rc_write
	pf
	assert_failure 75
}

# --- SCRAM: the server must prove itself ----------------------------------

@test "SCRAM against the scripted server: a correct exchange" {
	scram_start good
	rc_fake f plain "auth scram-sha-256" | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "SCRAM with a wrong server signature: 77, cancelled, nothing read" {
	scram_start badsig
	rc_fake f plain "auth scram-sha-256" | rc_write
	pf
	assert_failure 77
	assert_output --partial "SCRAM signature is wrong"
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	assert_sent '^\*$'
	refute_sent '^STAT'
}

@test "SCRAM with +OK and no server signature: 77, nothing read" {
	scram_start nosig
	rc_fake f plain "auth scram-sha-256" | rc_write
	pf
	assert_failure 77
	assert_output --partial "without proving"
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	refute_sent '^STAT'
}

# --- OAuth and EXTERNAL (the scripted server) -----------------------------

@test "xoauth2: the token from passwordeval, masked in the trace" {
	local ir
	ir=$(printf 'user=test\001auth=Bearer tok-123\001\001' | base64 -w0)
	{
		sc_capa "ready" "SASL XOAUTH2 PLAIN" "UIDL"
		echo "C: AUTH XOAUTH2 $ir"
		echo "S: +OK"
		sc_empty
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc" --tls-implicit
	rc_fake f tls "auth xoauth2" | sed '/^password /d' | rc_write
	echo "passwordeval echo tok-123" >>"$RC"
	pf -vv
	assert_success
	assert_line "f: > AUTH XOAUTH2 ****"
	refute_output --partial "tok-123"
	refute_output --partial "$ir"
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "xoauth2 refused: the server's JSON status is shown, 77" {
	local json
	json=$(printf '{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}' | base64 -w0)
	{
		sc_capa "ready" "SASL XOAUTH2" "UIDL"
		echo "C: AUTH XOAUTH2 *"
		echo "S: + $json"
		echo "C: "
		echo "S: -ERR [AUTH] invalid token"
		echo "EXPECT-EOF"
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc" --tls-implicit
	rc_fake f tls "auth xoauth2" "password expired-token" | rc_write
	pf
	assert_failure 77
	assert_output --partial "status 401"
	assert_output --partial "token"
	refute_output --partial "expired-token"
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "oauthbearer refused: answered with ^A, status shown, 77" {
	local json
	json=$(printf '{"status":"invalid_token","scope":"mail"}' | base64 -w0)
	{
		sc_capa "ready" "SASL OAUTHBEARER" "UIDL"
		echo "C: AUTH OAUTHBEARER *"
		echo "S: + $json"
		echo "C: AQ=="
		echo "S: -ERR [AUTH] no"
		echo "EXPECT-EOF"
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc" --tls-implicit
	rc_fake f tls "auth oauthbearer" "password tok" | rc_write
	pf
	assert_failure 77
	assert_output --partial "status invalid_token"
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "external: AUTH EXTERNAL = and no password needed" {
	{
		sc_capa "ready" "SASL EXTERNAL" "UIDL"
		echo "C: AUTH EXTERNAL ="
		echo "S: +OK"
		sc_empty
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc" --tls-implicit
	rc_fake f tls "auth external" | sed '/^password /d' | rc_write
	pf </dev/null
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

# --- where the password comes from -----------------------------------------

@test "~/.netrc gives the password" {
	rc_dovecot dv tls "auth scram-sha-256" | sed '/^password /d' | rc_write
	printf 'machine other login x password y\nmachine 127.0.0.1 login %s password %s\n' \
	    "$DOVECOT_USER" "$DOVECOT_PASS" >"$BATS_TEST_TMPDIR/.netrc"
	chmod 600 "$BATS_TEST_TMPDIR/.netrc"
	HOME=$BATS_TEST_TMPDIR pf </dev/null
	assert_success
	assert_equal "$(maildir_count)" 1
}

@test "~/.netrc gives the user too when fetchrc names none" {
	rc_dovecot dv tls | sed '/^password /d; /^user /d' | rc_write
	printf 'machine 127.0.0.1\n  login %s\n  password %s\n' \
	    "$DOVECOT_USER" "$DOVECOT_PASS" >"$BATS_TEST_TMPDIR/.netrc"
	chmod 600 "$BATS_TEST_TMPDIR/.netrc"
	HOME=$BATS_TEST_TMPDIR pf </dev/null
	assert_success
	assert_equal "$(maildir_count)" 1
}

@test "~/.netrc readable by others: 78, chmod 600" {
	rc_dovecot dv tls | sed '/^password /d' | rc_write
	printf 'machine 127.0.0.1 login %s password %s\n' \
	    "$DOVECOT_USER" "$DOVECOT_PASS" >"$BATS_TEST_TMPDIR/.netrc"
	chmod 644 "$BATS_TEST_TMPDIR/.netrc"
	HOME=$BATS_TEST_TMPDIR pf </dev/null
	assert_failure 78
	assert_output --partial "chmod 600"
	assert_output --partial ".netrc"
}

@test "no password and no terminal: 77 saying how to give one" {
	rc_dovecot dv tls | sed '/^password /d' | rc_write
	HOME=$BATS_TEST_TMPDIR pf </dev/null
	assert_failure 77
	assert_output --partial "no password for dv: set password, passwordeval, or a ~/.netrc entry"
	assert_equal "$(maildir_count)" 0
}

@test "passwordeval failing: 77 naming the command and its status" {
	rc_dovecot dv tls | sed '/^password /d' | rc_write
	echo 'passwordeval sh -c "echo nope; exit 3"' >>"$RC"
	pf
	assert_failure 77
	assert_output --partial "passwordeval sh -c"
	assert_output --partial "exit status 3"
}

@test "passwordeval printing nothing: 77 naming the command" {
	rc_dovecot dv tls | sed '/^password /d' | rc_write
	echo 'passwordeval true' >>"$RC"
	pf
	assert_failure 77
	assert_output --partial "passwordeval true printed no password"
}

@test "passwordeval that cannot run: 77 naming the command" {
	rc_dovecot dv tls | sed '/^password /d' | rc_write
	echo "passwordeval $BATS_TEST_TMPDIR/no-such-program" >>"$RC"
	pf
	assert_failure 77
	assert_output --partial "no-such-program"
}

@test "the password from passwordeval never shows with -vv, any method" {
	local m
	for m in user plain login cram-md5 scram-sha-256 apop; do
		rc_dovecot dv tls "auth $m" "keep on" | sed '/^password /d' |
		    rc_write
		echo "passwordeval echo $DOVECOT_PASS" >>"$RC"
		pf -vv
		assert_success
		refute_secret "$DOVECOT_PASS"
	done
}

@test "no password, on a terminal: asked for without echo" {
	{
		sc_capa "ready" "USER" "UIDL"
		echo "C: USER test"
		echo "S: +OK"
		echo "C: PASS typed-secret"
		echo "S: +OK"
		sc_empty
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start "$BATS_TEST_TMPDIR/sc"
	rc_fake f plain | sed '/^password /d' | rc_write
	# popfetch on a pseudo-terminal; the password typed once it asks.
	run env HOME="$BATS_TEST_TMPDIR" python3 -c '
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out, sent = b"", False
while True:
    r, _, _ = select.select([fd], [], [], 20)
    if not r:
        break
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
    if not sent and b"Password for" in out:
        os.write(fd, b"typed-secret\n")
        sent = True
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.WEXITSTATUS(st))' "$POPFETCH" -f "$RC"
	assert_success
	assert_output --partial "Password for test@127.0.0.1 (account f): "
	refute_output --partial "typed-secret"
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}
