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

@test "kill -9 during an LMTP run: nothing lost, a duplicate only in the window after 250" {
	local many=$BATS_TEST_TMPDIR/many delay kills=0 partial=0 dups
	corpus_many "$many" 400
	rc_dovecot dv tls "delivery lmtp $DOVECOT_LMTP_SOCKET" \
	    "recipient dest" | rc_write
	for delay in 0.05 0.1 0.2 0.3 0.5; do
		dovecot_clear
		rm -rf "$DEST" "$STATE_DIR" "$BATS_TEST_TMPDIR/got"
		dovecot_add_dir "$many"
		"$POPFETCH" -f "$RC" -q >/dev/null 2>&1 3>&- &
		local victim=$!
		sleep "$delay"
		kill -0 "$victim" 2>/dev/null && partial=$((partial + 1))
		kill -KILL "$victim" 2>/dev/null || true
		wait "$victim" 2>/dev/null || true
		kills=$((kills + 1))
		pf
		assert_success
		assert_equal "$(dovecot_count)" 0
		lmtp_strip "$BATS_TEST_TMPDIR/got"
		# Every message at least once ...
		local want got
		want=$(for f in "$many"/*; do md5sum <"$f"; done | sort -u)
		got=$(for f in "$BATS_TEST_TMPDIR/got"/new/*; do md5sum <"$f"; done | sort -u)
		assert_equal "$got" "$want"
		# ... and a second copy at most for the one message under way.
		dups=$(( $(ls "$BATS_TEST_TMPDIR/got/new" | wc -l) - 400 ))
		((dups <= 1)) || fail "$dups duplicates after one kill"
		LMTP_DUPS=$(( ${LMTP_DUPS:-0} + dups ))
	done
	((partial > 0)) || fail "no kill interrupted a run"
	echo "# $kills kills, $partial mid-run, ${LMTP_DUPS:-0} duplicates" >&3
}
