#!/usr/bin/env bats
# TLS is verified and never skipped: a wrong or unknown certificate, STLS
# missing or refused are errors (69) before any USER or PASS is sent.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
}

setup() {
	common_setup
}

teardown() {
	fake_stop
	dovecot_stop
}

@test "implicit TLS against a verified server works (scripted server)" {
	fake_start one-message --tls-implicit
	rc_fake f tls "keep on" | rc_write
	pf
	assert_success
	assert_equal "$(maildir_count)" 1
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "a certificate for another host: 69, no USER or PASS sent" {
	fake_start one-message --tls-implicit \
	    --cert "$CERTS_DIR/other.pem" --key "$CERTS_DIR/other-key.pem"
	rc_fake f tls "keep on" | rc_write
	pf
	assert_failure 69
	assert_output --regexp '^f: '
	assert_output --partial "127.0.0.1"
	fake_wait
	refute_sent '^(USER|PASS|AUTH)'
	assert_equal "$(maildir_count)" 0
}

@test "a certificate from an unknown CA: 69, no USER or PASS sent" {
	fake_start one-message --tls-implicit \
	    --cert "$CERTS_DIR/self.pem" --key "$CERTS_DIR/self-key.pem"
	rc_fake f tls "keep on" | rc_write
	pf
	assert_failure 69
	fake_wait
	refute_sent '^(USER|PASS|AUTH)'
}

@test "the system trust store is the default: our test CA is not in it" {
	fake_start one-message --tls-implicit
	rc_fake f tls "keep on" | grep -v '^tls_trust_file' | rc_write
	pf
	assert_failure 69
	fake_wait
	refute_sent '^(USER|PASS|AUTH)'
}

@test "tls_verify off connects to an unknown CA, with a warning" {
	fake_start one-message --tls-implicit \
	    --cert "$CERTS_DIR/self.pem" --key "$CERTS_DIR/self-key.pem"
	rc_fake f tls "keep on" "tls_verify off" | rc_write
	pf -q
	assert_success
	# The warning shows even with -q.
	assert_output --regexp '^f: '
	assert_output --regexp '(verif|tls_verify|certificate)'
	assert_equal "$(maildir_count)" 1
}

@test "STLS not offered: 69, no USER or PASS sent" {
	fake_start stls-missing
	rc_fake f starttls | rc_write
	pf
	assert_failure 69
	assert_output --partial "STLS"
	fake_wait
	refute_sent '^(USER|PASS|AUTH)'
}

@test "STLS refused with -ERR: 69, no USER or PASS sent" {
	fake_start stls-refused
	rc_fake f starttls | rc_write
	pf
	assert_failure 69
	fake_wait
	refute_sent '^(USER|PASS|AUTH)'
}

@test "bytes injected after the STLS +OK are discarded" {
	fake_start stls-inject
	rc_fake f starttls "keep on" | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	mkdir "$BATS_TEST_TMPDIR/want"
	printf 'From: fake@example.org\nSubject: one\n\nfirst message\n' \
	    >"$BATS_TEST_TMPDIR/want/1"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want"
}

@test "tls off with auth auto never sends the password in clear" {
	fake_start one-message
	rc_fake f plain "keep on" | grep -v '^auth ' | rc_write
	pf
	assert_failure
	fake_wait
	refute_sent '^(PASS|AUTH|APOP)'
}

@test "a real Dovecot without TLS, tls_starttls on: 69, nothing fetched" {
	dovecot_start nossl
	printf 'From: a@example.org\nSubject: x\n\nx\n' >"$BATS_TEST_TMPDIR/m"
	dovecot_add_message "$BATS_TEST_TMPDIR/m"
	rc_dovecot dv starttls | rc_write
	pf
	assert_failure 69
	assert_equal "$(maildir_count)" 0
	assert_equal "$(dovecot_count)" 1
}
