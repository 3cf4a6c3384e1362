#!/usr/bin/env bats
# --import: another fetcher's rc file printed as a fetchrc, with a comment
# for each setting that cannot be carried over.  The samples in
# tests/import are written as each program's manual shows; NAME.fetchrc is
# what popfetch must print for NAME.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	common_setup
	dovecot_clear
	printf 'From: a@example.org\nSubject: imported\n\nhello\n' >"$BATS_TEST_TMPDIR/m1"
	dovecot_add_message "$BATS_TEST_TMPDIR/m1"
	export XDG_STATE_HOME=$BATS_TEST_TMPDIR/xdg-state
}

# imported FORMAT NAME: the fetchrc of tests/import/NAME is the expected one.
imported() {
	cd "$REPO"
	run --separate-stderr "$POPFETCH" --import "$1" "tests/import/$2"
	assert_success
	diff -u "tests/import/$2.fetchrc" <(printf '%s\n' "$output")
}

@test "fetchmail: poll entries, defaults, set lines and user clauses" {
	imported fetchmail fetchmailrc
	[[ $stderr != *refuses* ]]
	[[ $stderr == *"chmod 600"* ]]
}

@test "fetchmail: SMTP and LMTP deliveries become delivery smtp and lmtp" {
	imported fetchmail fetchmailrc-smtp
	# popfetch takes what it wrote.
	[[ $stderr != *refuses* ]]
	assert_output --partial "delivery smtp localhost:2525"
	assert_output --partial "delivery lmtp /var/run/dovecot/lmtp"
	assert_output --partial "recipient alice"
}

@test "mpop: blocks and inheritance carried over, STLS as mpop's default" {
	imported mpop mpoprc
	[[ $stderr != *refuses* ]]
}

@test "getmail: a getmailrc over TLS with an MDA, and a plain one" {
	imported getmail getmailrc
	[[ $stderr != *refuses* ]]
	imported getmail getmailrc-plain
	[[ $stderr != *refuses* ]]
}

@test "an unknown format is 64, a missing file 74, a file with no POP3 account 78" {
	run "$POPFETCH" --import kmail "$REPO/tests/import/mpoprc"
	assert_failure 64
	assert_output --partial "fetchmail, mpop or getmail"
	run "$POPFETCH" --import mpop "$BATS_TEST_TMPDIR/none"
	assert_failure 74
	echo "set daemon 300" >"$BATS_TEST_TMPDIR/fm"
	run "$POPFETCH" --import fetchmail "$BATS_TEST_TMPDIR/fm"
	assert_failure 78
	assert_output --partial "holds no POP3 account"
	run "$POPFETCH" --import mpop
	assert_failure 64
}

# fetch_with RCFILE: popfetch runs the imported fetchrc against Dovecot.
fetch_with() {
	chmod 600 "$1"
	run timeout -k 5 60 "$POPFETCH" -f "$1"
	assert_success
	assert_equal "$(maildir_count "$MAILDIR")" 1
}

@test "an imported mpoprc fetches from the server" {
	cat >"$BATS_TEST_TMPDIR/mpoprc" <<-EOF
	defaults
	tls_trust_file $CERTS_DIR/ca.pem
	account test
	host 127.0.0.1
	port $DOVECOT_PORT
	user $DOVECOT_USER
	passwordeval "echo $DOVECOT_PASS"
	delivery maildir $MAILDIR
	EOF
	run --separate-stderr "$POPFETCH" --import mpop "$BATS_TEST_TMPDIR/mpoprc"
	assert_success
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/fetchrc"
	fetch_with "$BATS_TEST_TMPDIR/fetchrc"
}

@test "an imported fetchmailrc fetches from the server" {
	cat >"$BATS_TEST_TMPDIR/fetchmailrc" <<-EOF
	poll 127.0.0.1 with proto POP3 port $DOVECOT_PORTS
	    user "$DOVECOT_USER" there with password "$DOVECOT_PASS" is me here
	    options ssl sslcertfile "$CERTS_DIR/ca.pem" keep
	    mda "/bin/sh -c 'mkdir -p $MAILDIR/new $MAILDIR/cur $MAILDIR/tmp && cat > $MAILDIR/new/one'"
	EOF
	run --separate-stderr "$POPFETCH" --import fetchmail "$BATS_TEST_TMPDIR/fetchmailrc"
	assert_success
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/fetchrc"
	fetch_with "$BATS_TEST_TMPDIR/fetchrc"
	assert_equal "$(dovecot_count)" 1
}

@test "an imported getmailrc fetches from the server" {
	cat >"$BATS_TEST_TMPDIR/getmailrc" <<-EOF
	[retriever]
	type = SimplePOP3SSLRetriever
	server = 127.0.0.1
	port = $DOVECOT_PORTS
	username = $DOVECOT_USER
	password_command = ("/bin/echo", "$DOVECOT_PASS")
	ca_certs = $CERTS_DIR/ca.pem

	[destination]
	type = Maildir
	path = $MAILDIR/

	[options]
	delete = true
	EOF
	run --separate-stderr "$POPFETCH" --import getmail "$BATS_TEST_TMPDIR/getmailrc"
	assert_success
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/fetchrc"
	fetch_with "$BATS_TEST_TMPDIR/fetchrc"
	assert_equal "$(dovecot_count)" 0
}
