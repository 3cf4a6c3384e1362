#!/usr/bin/env bats
# delivery smtp into a real MTA (Exim, from Debian) on a loopback port.

load ../lib/common
source "$TESTS_LIB/exim.bash"

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
}

teardown() {
	exim_stop
}

@test "smtp to Exim: the corpus byte for byte, deleted from the POP server" {
	exim_start
	dovecot_add_dir "$CORPUS"
	rc_dovecot dv tls "delivery smtp 127.0.0.1:$EXIM_PORT" \
	    "recipient test@localhost" | rc_write
	pf
	assert_success
	assert_equal "$(dovecot_count)" 0
	exim_wait "$(ls "$CORPUS" | wc -l)" || fail "Exim delivered too few"
	assert_maildir_equals "$CORPUS" "$EXIM_MAILDIR"
}

@test "smtp to Exim: a message over its SIZE limit stays on the POP server" {
	local d=$BATS_TEST_TMPDIR/sized
	mkdir -p "$d"
	cp "$CORPUS/plain.eml" "$d/"
	{ printf 'Subject: big\n\n'; head -c 20000 /dev/zero | tr '\0' 'x'; echo; } >"$d/big.eml"
	exim_start 10K
	dovecot_add_dir "$d"
	rc_dovecot dv tls "delivery smtp 127.0.0.1:$EXIM_PORT" \
	    "recipient test@localhost" | rc_write
	pf
	assert_success
	assert_output --partial "bigger than the mail server takes (SIZE 10240)"
	assert_equal "$(dovecot_count)" 1
	exim_wait 1 || fail "Exim delivered nothing"
	rm -f "$d/big.eml"
	assert_maildir_equals "$d" "$EXIM_MAILDIR"
}

@test "smtp to Exim that wants a login: smtp_user logs in (CRAM-MD5 by auto, PLAIN when named)" {
	local d=$BATS_TEST_TMPDIR/two
	corpus_many "$d" 2
	dovecot_add_dir "$d"
	EXIM_LOGIN=relayuser:relaypw exim_start
	rc_dovecot dv tls "delivery smtp 127.0.0.1:$EXIM_PORT" \
	    "recipient test@localhost" | rc_write
	pf -k
	assert_equal "$status" 74
	assert_output --partial "authentication required"
	rc_dovecot dv tls "delivery smtp 127.0.0.1:$EXIM_PORT" \
	    "recipient test@localhost" "smtp_user relayuser" \
	    "smtp_password wrong" | rc_write
	pf -k
	assert_equal "$status" 77
	rc_dovecot dv tls "delivery smtp 127.0.0.1:$EXIM_PORT" \
	    "recipient test@localhost" "smtp_user relayuser" \
	    "smtp_password relaypw" | rc_write
	pf -k
	assert_success
	exim_wait 2 || fail "Exim delivered too few"
	assert_maildir_equals "$d" "$EXIM_MAILDIR"
	grep -q 'A=cram:relayuser' "$EXIM_DIR/log/mainlog"
	rc_dovecot dv tls "delivery smtp 127.0.0.1:$EXIM_PORT" \
	    "recipient test@localhost" "smtp_user relayuser" \
	    "smtp_password relaypw" "smtp_auth plain" | rc_write
	pf -A
	assert_success
	grep -q 'A=plain:relayuser' "$EXIM_DIR/log/mainlog"
	assert_equal "$(dovecot_count)" 0
}
