#!/usr/bin/env bats
# Byte-exact Maildir delivery from a real Dovecot, over implicit TLS, over
# STLS and without TLS: leading dots, "From " lines, 8-bit text, 998-byte
# lines, an empty body and a 20 MB message all arrive as Dovecot stored them.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	corpus_make "$BATS_FILE_TMPDIR/corpus" big
	export CORPUS=$BATS_FILE_TMPDIR/corpus
	dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	common_setup
	dovecot_clear
	dovecot_add_dir "$CORPUS"
}

@test "implicit TLS: every message arrives byte for byte" {
	rc_dovecot dv tls | rc_write
	pf
	assert_success
	assert_maildir_equals "$CORPUS"
}

@test "STLS: every message arrives byte for byte" {
	rc_dovecot dv starttls | rc_write
	pf
	assert_success
	assert_maildir_equals "$CORPUS"
}

@test "tls off with auth user: every message arrives byte for byte" {
	rc_dovecot dv plain | rc_write
	pf
	assert_success
	assert_maildir_equals "$CORPUS"
}

@test "pipelining off: every message arrives byte for byte" {
	rc_dovecot dv tls "pipelining off" | rc_write
	pf
	assert_success
	assert_maildir_equals "$CORPUS"
}

@test "the Maildir is created when it does not exist" {
	MAILDIR=$BATS_TEST_TMPDIR/deep/er/Maildir
	rc_dovecot dv tls | rc_write
	pf
	assert_success
	[[ -d $MAILDIR/new && -d $MAILDIR/cur && -d $MAILDIR/tmp ]]
	assert_maildir_equals "$CORPUS"
}

@test "delivered files carry distinct Maildir names, none hidden" {
	rc_dovecot dv tls | rc_write
	pf
	assert_success
	run ls -A "$MAILDIR/new"
	assert_equal "${#lines[@]}" "$(ls "$CORPUS" | wc -l)"
	refute_line --regexp '^\.'
}

@test "a message with a 1 MB line arrives byte for byte" {
	dovecot_clear
	mkdir "$BATS_TEST_TMPDIR/long"
	{
		printf 'From: a@example.org\nSubject: one long line\n\n'
		head -c 1048576 /dev/zero | tr '\0' 'L'
		printf '\nend\n'
	} >"$BATS_TEST_TMPDIR/long/long.eml"
	dovecot_add_dir "$BATS_TEST_TMPDIR/long"
	rc_dovecot dv tls | rc_write
	pf
	assert_success
	assert_maildir_equals "$BATS_TEST_TMPDIR/long"
}
