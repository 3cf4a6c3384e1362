#!/usr/bin/env bats
# Volume: 2,000 messages from Dovecot over TLS.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	corpus_many "$BATS_FILE_TMPDIR/many" 2000
	export MANY=$BATS_FILE_TMPDIR/many
	dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	common_setup
	dovecot_clear
}

@test "2,000 messages over TLS: byte-exact, deleted, nothing new next time" {
	dovecot_add_dir "$MANY"
	rc_dovecot dv tls | rc_write
	pf -q
	assert_success
	assert_output ""
	assert_maildir_equals "$MANY"
	assert_equal "$(dovecot_count)" 0
	pf
	assert_success
	assert_maildir_equals "$MANY"
}

@test "2,000 messages over STLS with keep on: a second run fetches none" {
	dovecot_add_dir "$MANY"
	rc_dovecot dv starttls "keep on" | rc_write
	pf -q
	assert_success
	assert_maildir_equals "$MANY"
	pf -q
	assert_success
	assert_maildir_equals "$MANY"
	assert_equal "$(dovecot_count)" 2000
}
