#!/usr/bin/env bats
# delivery lmtp into a real Dovecot (dovecot-lmtpd): the same throwaway
# server serves POP3 for the user "test" and takes LMTP for "dest".

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	corpus_make "$BATS_FILE_TMPDIR/corpus"
	export CORPUS=$BATS_FILE_TMPDIR/corpus
	export DOVECOT_LMTP=1
	dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	common_setup
	dovecot_clear
	DEST=$(dovecot_maildir dest)
	rm -rf "$DEST"
}

# What LMTP delivered, with the Return-Path line Dovecot adds taken off,
# into the directory $1 (as a Maildir for assert_maildir_equals).
lmtp_strip() {
	local out=$1 f
	mkdir -p "$out"/{new,cur,tmp}
	for f in "$DEST"/new/* "$DEST"/cur/*; do
		[[ -f $f ]] || continue
		sed '1{/^Return-Path: /d}' "$f" >"$out/new/${f##*/}"
	done
}

@test "lmtp to Dovecot over TCP: 1,000 messages and the corpus byte for byte" {
	local many=$BATS_TEST_TMPDIR/many
	corpus_many "$many" 1000
	cp "$CORPUS"/* "$many/"
	dovecot_add_dir "$many"
	rc_dovecot dv tls "delivery lmtp 127.0.0.1:$DOVECOT_LMTP_PORT" \
	    "recipient dest" | rc_write
	PF_TIMEOUT=300 pf
	assert_success
	lmtp_strip "$BATS_TEST_TMPDIR/got"
	assert_maildir_equals "$many" "$BATS_TEST_TMPDIR/got"
	assert_equal "$(dovecot_count)" 0
	# The envelope sender is the one LMTP was given.
	grep -q '^Return-Path: <sender@example.org>' "$DEST"/new/* "$DEST"/cur/* 2>/dev/null
}

@test "lmtp to Dovecot's socket, the envelope sender as written" {
	dovecot_add_dir "$CORPUS"
	rc_dovecot dv tls "delivery lmtp $DOVECOT_LMTP_SOCKET" \
	    "recipient dest" "envelope_from popfetch@example.net" | rc_write
	pf
	assert_success
	lmtp_strip "$BATS_TEST_TMPDIR/got"
	assert_maildir_equals "$CORPUS" "$BATS_TEST_TMPDIR/got"
	assert_equal "$(cat "$DEST"/new/* | grep -c '^Return-Path: <popfetch@example.net>')" \
	    "$(ls "$CORPUS" | wc -l)"
}

@test "lmtp: a recipient that is no address is an rc error; a server that is down: 75, nothing fetched" {
	dovecot_add_dir "$CORPUS"
	rc_dovecot dv tls "delivery lmtp 127.0.0.1:$DOVECOT_LMTP_PORT" \
	    "recipient 'no such user'" | rc_write
	pf
	assert_equal "$status" 78
	rc_dovecot dv tls "delivery lmtp 127.0.0.1:1" "recipient dest" | rc_write
	pf
	assert_equal "$status" 75
	assert_output --partial "LMTP server 127.0.0.1 port 1"
	assert_equal "$(dovecot_count)" "$(ls "$CORPUS" | wc -l)"
}
