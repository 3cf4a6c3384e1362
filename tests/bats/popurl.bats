#!/usr/bin/env bats
# POP URLs (RFC 2384): one mailbox from the command line, no rc file of
# accounts.  pop:// is STLS on port 110 and never plain; pops:// is implicit
# TLS.  A bad URL exits 64 saying what is wrong.

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
	printf 'From: a@example.org\nSubject: url\n\nhello\n' >"$BATS_TEST_TMPDIR/m1"
	dovecot_add_message "$BATS_TEST_TMPDIR/m1"
	# The throwaway CA and the state directory come from the defaults of
	# an rc file that has no account: -f lends its defaults to the URL.
	{
		echo "defaults"
		echo "tls_trust_file $CERTS_DIR/ca.pem"
		echo "state_dir $STATE_DIR"
		echo "received_header off"
		echo "timeout 20"
	} >"$RC"
	chmod 600 "$RC"
	EVAL="echo $DOVECOT_PASS"
}

teardown() {
	fake_stop
}

url() {
	run timeout -k 5 60 "$POPFETCH" -f "$RC" "$@"
}

@test "pops:// fetches over implicit TLS into --deliver maildir DIR" {
	url --passwordeval "$EVAL" --deliver maildir "$MAILDIR" \
	    "pops://$DOVECOT_USER@127.0.0.1:$DOVECOT_PORTS"
	assert_success
	assert_equal "$(maildir_count "$MAILDIR")" 1
	assert_equal "$(dovecot_count)" 0
}

@test "pop:// upgrades with STLS, and its account shares the state of user@host:port" {
	url -v -k --passwordeval "$EVAL" --deliver maildir "$MAILDIR" \
	    "pop://$DOVECOT_USER@127.0.0.1:$DOVECOT_PORT"
	assert_success
	assert_output --partial "STLS"
	assert_equal "$(maildir_count "$MAILDIR")" 1
	# A second run finds the message already fetched.
	url -k --passwordeval "$EVAL" --deliver maildir "$MAILDIR" \
	    "pop://$DOVECOT_USER@127.0.0.1:$DOVECOT_PORT"
	assert_success
	assert_equal "$(maildir_count "$MAILDIR")" 1
}

@test "the user name is percent-decoded; ;AUTH=PLAIN names the mechanism" {
	local enc
	enc=$(printf '%s' "$DOVECOT_USER" | od -An -tx1 | tr -d ' \n' |
	    sed 's/../%&/g')
	url -vv --passwordeval "$EVAL" --deliver maildir "$MAILDIR" \
	    "POPS://$enc;AUTH=PLAIN@127.0.0.1:$DOVECOT_PORTS/"
	assert_success
	assert_output --partial "AUTH PLAIN"
	assert_equal "$(maildir_count "$MAILDIR")" 1
}

@test "--deliver mbox FILE" {
	url --passwordeval "$EVAL" --deliver mbox "$BATS_TEST_TMPDIR/mbox" \
	    "pops://$DOVECOT_USER;AUTH=*@127.0.0.1:$DOVECOT_PORTS"
	assert_success
	grep -q '^Subject: url' "$BATS_TEST_TMPDIR/mbox"
}

@test "without --deliver the mail goes to ~/Maildir" {
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	url --passwordeval "$EVAL" "pops://$DOVECOT_USER@127.0.0.1:$DOVECOT_PORTS"
	assert_success
	assert_equal "$(maildir_count "$HOME/Maildir")" 1
}

@test "pop:// to a server without STLS: 69, no password sent" {
	fake_start stls-missing
	url --passwordeval "echo fake-secret" --deliver maildir "$MAILDIR" \
	    "pop://test@127.0.0.1:$FAKE_PORT"
	assert_failure 69
	assert_output --partial "does not offer STLS"
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	refute_sent '^USER'
}

@test ";AUTH=+APOP logs in with APOP" {
	cat >"$BATS_TEST_TMPDIR/sc" <<-'SC'
	S: +OK fake POP3 ready <1896.697170952@fake.example>
	C: CAPA
	S: +OK
	S: UIDL
	S: .
	C: APOP test *
	S: +OK logged in
	C: STAT
	S: +OK 0 0
	C: UIDL
	S: +OK
	S: .
	C: LIST
	S: +OK
	S: .
	C: QUIT
	S: +OK bye
	EXPECT-EOF
	SC
	fake_start "$BATS_TEST_TMPDIR/sc" --tls-implicit
	url --passwordeval "echo fake-secret" --deliver maildir "$MAILDIR" \
	    "pops://test;AUTH=+APOP@127.0.0.1:$FAKE_PORT"
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	assert_sent '^APOP test [0-9a-f]{32}$'
}

@test "without -f no rc file is read" {
	export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/none HOME=$BATS_TEST_TMPDIR/none
	export XDG_STATE_HOME=$BATS_TEST_TMPDIR/xstate
	# The system store does not know the throwaway CA: a TLS error, not
	# a missing rc file.
	run timeout -k 5 60 "$POPFETCH" --passwordeval "$EVAL" \
	    --deliver maildir "$MAILDIR" \
	    "pops://$DOVECOT_USER@127.0.0.1:$DOVECOT_PORTS"
	assert_failure 69
	refute_output --partial "no rc file"
}

@test "bad URLs exit 64 and say what is wrong" {
	local u
	while IFS='|' read -r u why; do
		run "$POPFETCH" "$u"
		assert_failure 64
		assert_output --partial "$why"
	done <<-'EOF'
	pop://|names no host
	imap://u@host|only pop:// and pops://
	pop://u;AUTH=NTLMv9@host|unknown mechanism ;AUTH=NTLMv9
	pop://u;FOO=1@host|only ;AUTH= may follow
	pop://u@host:0|the port '0' is too small
	pop://u@host:pop3|the port 'pop3' is invalid
	pop://u@host/INBOX|no path, query or fragment
	pop://u%0Aevil@host|control character (%0A)
	pop://u%4@host|% not followed by two hex digits
	pop://u@[::1|no closing ]
	pop://u@ho%73t|the host 'ho%73t' holds '%'
	EOF
}

@test "a URL with account names, or --deliver without a URL: 64" {
	run "$POPFETCH" -f "$RC" "pops://u@h" other
	assert_failure 64
	assert_output --partial "fetched alone"
	run "$POPFETCH" -f "$RC" --deliver maildir /tmp/x
	assert_failure 64
	assert_output --partial "go with a POP URL"
	run "$POPFETCH" --deliver maildir
	assert_failure 64
	assert_output --partial "--deliver takes maildir DIR or mbox FILE"
}
