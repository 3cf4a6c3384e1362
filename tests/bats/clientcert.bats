#!/usr/bin/env bats
# Client certificates end to end: tls_cert_file and tls_key_file are
# presented in the handshake (the scripted server requires one from the test
# CA and logs its CN), a server that requires one and gets none ends the run
# before USER or PASS, and auth external logs in to Dovecot by the
# certificate alone, with no password anywhere.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	DOVECOT_CLIENT_CERT=1 dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	common_setup
	CLIENT_CERT=("tls_cert_file $CERTS_DIR/client.pem"
	    "tls_key_file $CERTS_DIR/client-key.pem")
	dovecot_clear
	printf 'From: a@example.org\nSubject: client cert\n\nhello\n' \
	    >"$BATS_TEST_TMPDIR/msg"
	dovecot_add_message "$BATS_TEST_TMPDIR/msg"
}

teardown() {
	fake_stop
}

# The scripted server with one message, requiring a certificate from the CA.
fake_start_cc() {
	fake_start "${1:-one-message}" --tls-implicit \
	    --client-ca "$CERTS_DIR/ca.pem" "${@:2}"
}

# The handshake was refused: 69, as trying again later cannot help, with
# the server's alert named; nothing of the login was sent.
assert_refused() {
	assert_failure 69
	assert_output --regexp '^f: .*refused the TLS session: '
	assert_output --partial "127.0.0.1"
	assert_equal "$(maildir_count)" 0
	fake_wait
	refute_sent '^(CAPA|USER|PASS|AUTH)'
	if ! grep -q '^## tls handshake failed' "$FAKE_LOG"; then
		{ echo "the server did not refuse the handshake"; fake_log; } |
		    fail
		return 1
	fi
	refute_sent '^## CLIENT-CERT'
}

# Dovecot's log holds a login of the certificate's user with this method.
assert_dovecot_login() {
	if ! grep -q "Login: user=<$DOVECOT_USER>, method=$1," \
	    "$DOVECOT_DIR/dovecot.log"; then
		{
			echo "Dovecot logged no $1 login of $DOVECOT_USER"
			_dovecot_log 2>&1
		} | fail
		return 1
	fi
}

# --- the scripted server ---------------------------------------------------

@test "tls_cert_file and tls_key_file: the server sees CN=test, the fetch works" {
	fake_start_cc
	rc_fake f tls "keep on" "${CLIENT_CERT[@]}" | rc_write
	pf
	assert_success
	assert_equal "$(maildir_count)" 1
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	assert_sent '^## CLIENT-CERT test$'
}

@test "tls_cert_file alone, holding the certificate and its key" {
	cat "$CERTS_DIR/client.pem" "$CERTS_DIR/client-key.pem" \
	    >"$BATS_TEST_TMPDIR/both.pem"
	fake_start_cc
	rc_fake f tls "keep on" "tls_cert_file $BATS_TEST_TMPDIR/both.pem" |
	    rc_write
	pf
	assert_success
	assert_equal "$(maildir_count)" 1
	fake_wait
	assert_sent '^## CLIENT-CERT test$'
}

@test "no client certificate where one is required: refused, no USER or PASS sent" {
	fake_start_cc
	rc_fake f tls "keep on" | rc_write
	pf
	assert_refused
	assert_output --partial "set tls_cert_file and tls_key_file"
}

@test "no client certificate, TLS 1.2: refused in the handshake, no USER or PASS sent" {
	fake_start_cc
	rc_fake f tls "keep on" "tls_priorities NORMAL:-VERS-ALL:+VERS-TLS1.2" |
	    rc_write
	pf
	assert_refused
}

@test "a client certificate from an unknown CA: refused, no USER or PASS sent" {
	fake_start_cc
	rc_fake f tls "keep on" "tls_cert_file $CERTS_DIR/self.pem" \
	    "tls_key_file $CERTS_DIR/self-key.pem" | rc_write
	pf
	assert_refused
	assert_sent '^## tls handshake failed: .*certificate verify failed'
}

@test "a key that does not match the certificate: 78, nothing sent" {
	fake_start_cc
	rc_fake f tls "keep on" "tls_cert_file $CERTS_DIR/client.pem" \
	    "tls_key_file $CERTS_DIR/server-key.pem" | rc_write
	pf
	assert_failure 78
	assert_output --partial "client.pem"
	assert_output --partial "tls_key_file"
	fake_stop
	refute_sent '^(CAPA|USER|PASS|AUTH)'
}

@test "auth external to the scripted server: the certificate, then AUTH EXTERNAL =" {
	{
		echo "S: +OK ready"
		echo "C: CAPA"
		echo "S: +OK"
		echo "S: SASL EXTERNAL"
		echo "S: UIDL"
		echo "S: ."
		echo "C: AUTH EXTERNAL ="
		echo "S: +OK"
		sc_empty
	} >"$BATS_TEST_TMPDIR/sc"
	fake_start_cc "$BATS_TEST_TMPDIR/sc"
	rc_fake f tls "auth external" "${CLIENT_CERT[@]}" |
	    sed '/^password /d' | rc_write
	pf </dev/null
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	assert_sent '^## CLIENT-CERT test$'
	assert_sent '^AUTH EXTERNAL =$'
}

# --- Dovecot requiring a client certificate --------------------------------

@test "auth external against Dovecot: logged in by the certificate, -vv shows no secret" {
	rc_dovecot dv tls "auth external" "${CLIENT_CERT[@]}" | rc_write
	pf -vv
	assert_success
	assert_equal "$(maildir_count)" 1
	assert_equal "$(dovecot_count)" 0
	assert_line --regexp '^dv: > AUTH EXTERNAL =$'
	refute_output --partial "$DOVECOT_PASS"
	refute_output --partial "$(printf '%s' "$DOVECOT_PASS" | base64 -w0)"
	refute_output --regexp '> (USER|PASS) '
	assert_dovecot_login EXTERNAL
}

@test "auth external needs no password: none set, no ~/.netrc, no terminal" {
	rc_dovecot dv tls "auth external" "${CLIENT_CERT[@]}" |
	    sed '/^password /d' | rc_write
	refute [ -e "$BATS_TEST_TMPDIR/.netrc" ]
	HOME=$BATS_TEST_TMPDIR pf </dev/null
	assert_success
	assert_equal "$(maildir_count)" 1
	assert_dovecot_login EXTERNAL
}

@test "auth external over STLS: the certificate is presented after STLS" {
	rc_dovecot dv starttls "auth external" "${CLIENT_CERT[@]}" |
	    sed '/^password /d' | rc_write
	HOME=$BATS_TEST_TMPDIR pf </dev/null
	assert_success
	assert_equal "$(maildir_count)" 1
	assert_dovecot_login EXTERNAL
}

@test "auth external without tls_cert_file: Dovecot refuses, 77 naming the certificate" {
	rc_dovecot dv tls "auth external" | sed '/^password /d' | rc_write
	HOME=$BATS_TEST_TMPDIR pf </dev/null
	assert_failure 77
	assert_output --partial "EXTERNAL"
	assert_output --partial "client certificate"
	assert_equal "$(maildir_count)" 0
	assert_equal "$(dovecot_count)" 1
}

@test "a password login with the client certificate where Dovecot requires one" {
	rc_dovecot dv tls "auth plain" "${CLIENT_CERT[@]}" | rc_write
	pf
	assert_success
	assert_equal "$(maildir_count)" 1
	assert_dovecot_login PLAIN
}
