#!/usr/bin/env bats
# What is fetched and what is deleted: only_new, keep, -A, -k, --delete, -n.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	corpus_make "$BATS_FILE_TMPDIR/corpus"
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
	NMSG=$(ls "$CORPUS" | wc -l)
}

@test "keep on: the messages stay on the server" {
	rc_dovecot dv tls "keep on" | rc_write
	pf
	assert_success
	assert_maildir_equals "$CORPUS"
	assert_equal "$(dovecot_count)" "$NMSG"
}

@test "keep on: a second run fetches nothing new" {
	rc_dovecot dv tls "keep on" | rc_write
	pf
	assert_success
	pf
	assert_success
	assert_maildir_equals "$CORPUS"
	assert_equal "$(dovecot_count)" "$NMSG"
}

@test "keep on: a message that arrives later is the only one fetched next" {
	rc_dovecot dv tls "keep on" | rc_write
	pf
	assert_success
	mkdir "$BATS_TEST_TMPDIR/later"
	printf 'From: late@example.org\nSubject: later\n\nlate\n' \
	    >"$BATS_TEST_TMPDIR/later/late.eml"
	dovecot_add_message "$BATS_TEST_TMPDIR/later/late.eml"
	pf
	assert_success
	cp "$CORPUS"/* "$BATS_TEST_TMPDIR/later/"
	assert_maildir_equals "$BATS_TEST_TMPDIR/later"
}

@test "-A fetches the messages already seen again" {
	rc_dovecot dv tls "keep on" | rc_write
	pf
	assert_success
	pf -A
	assert_success
	assert_equal "$(maildir_count)" "$((2 * NMSG))"
	# Each message twice, byte for byte.
	mkdir "$BATS_TEST_TMPDIR/twice"
	local f
	for f in "$CORPUS"/*; do
		cp "$f" "$BATS_TEST_TMPDIR/twice/$(basename "$f").1"
		cp "$f" "$BATS_TEST_TMPDIR/twice/$(basename "$f").2"
	done
	assert_maildir_equals "$BATS_TEST_TMPDIR/twice"
}

@test "only_new off fetches the messages already seen again" {
	rc_dovecot dv tls "keep on" "only_new off" | rc_write
	pf
	assert_success
	pf
	assert_success
	assert_equal "$(maildir_count)" "$((2 * NMSG))"
}

@test "keep off (the default) empties the server; a second run finds nothing" {
	rc_dovecot dv tls | rc_write
	pf
	assert_success
	assert_maildir_equals "$CORPUS"
	assert_equal "$(dovecot_count)" 0
	pf
	assert_success
	assert_maildir_equals "$CORPUS"
}

@test "keep off over STLS without pipelining empties the server" {
	rc_dovecot dv starttls "pipelining off" | rc_write
	pf
	assert_success
	assert_maildir_equals "$CORPUS"
	assert_equal "$(dovecot_count)" 0
}

@test "-k keeps the messages although keep is off" {
	rc_dovecot dv tls "keep off" | rc_write
	pf -k
	assert_success
	assert_maildir_equals "$CORPUS"
	assert_equal "$(dovecot_count)" "$NMSG"
}

@test "--delete deletes the messages although keep is on" {
	rc_dovecot dv tls "keep on" | rc_write
	pf --delete
	assert_success
	assert_maildir_equals "$CORPUS"
	assert_equal "$(dovecot_count)" 0
}

@test "--delete after a keep on run deletes what was fetched before" {
	rc_dovecot dv tls "keep on" | rc_write
	pf
	assert_success
	pf --delete
	assert_success
	assert_equal "$(dovecot_count)" 0
	assert_maildir_equals "$CORPUS"
}

@test "-n fetches nothing, deletes nothing, records nothing" {
	rc_dovecot dv tls | rc_write
	pf -n
	assert_success
	assert_equal "$(maildir_count)" 0
	assert_equal "$(dovecot_count)" "$NMSG"
	# Nothing was recorded as seen: a real run fetches everything.
	pf
	assert_success
	assert_maildir_equals "$CORPUS"
}
