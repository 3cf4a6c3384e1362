#!/usr/bin/env bats
# Failures map to exit codes scripts can act on, the message names the
# account and the host, and no QUIT goes out after an error.

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
	SC=$BATS_TEST_TMPDIR/scenario.pop
}

teardown() {
	fake_stop
}

# pass_reply REPLY STATUS: the server answers PASS with REPLY; popfetch must
# exit STATUS, name the account and the host, and send nothing more.
pass_reply() {
	{
		echo "S: +OK fake POP3 ready"
		echo "C: CAPA"
		echo "S: +OK"
		echo "S: USER"
		echo "S: UIDL"
		echo "S: RESP-CODES"
		echo "S: AUTH-RESP-CODE"
		echo "S: ."
		echo "C: USER test"
		echo "S: +OK"
		echo "C: PASS *"
		echo "S: $1"
		echo "EXPECT-EOF"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_failure "$2"
	assert_output --regexp '^f: '
	assert_output --partial "127.0.0.1"
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	refute_sent '^QUIT'
}

@test "PASS answered -ERR [IN-USE]: 75" {
	pass_reply "-ERR [IN-USE] mailbox locked by another session" 75
}

@test "PASS answered -ERR [LOGIN-DELAY]: 75" {
	pass_reply "-ERR [LOGIN-DELAY] wait 5 minutes between logins" 75
}

@test "PASS answered -ERR [SYS/TEMP]: 75" {
	pass_reply "-ERR [SYS/TEMP] storage unavailable, try later" 75
}

@test "PASS answered -ERR [AUTH]: 77" {
	pass_reply "-ERR [AUTH] invalid user name or password" 77
}

@test "PASS answered plain -ERR: 77" {
	pass_reply "-ERR invalid user name or password" 77
}

@test "PASS answered -ERR [SYS/PERM]: 76" {
	pass_reply "-ERR [SYS/PERM] your account is broken, call support" 76
}

@test "a wrong password on Dovecot: 77" {
	rc_dovecot dv tls | sed 's/^password .*/password wrong-password/' | rc_write
	pf
	assert_failure 77
	assert_output --regexp '^dv: '
	assert_output --partial "127.0.0.1"
	assert_equal "$(maildir_count)" 0
}

@test "a wrong password over STLS with auth user: 77" {
	rc_dovecot dv starttls "auth user" |
	    sed 's/^password .*/password wrong-password/' | rc_write
	pf
	assert_failure 77
}

@test "host not found: 68, naming the host" {
	rc_write <<-EOF
	account nohost
	host no-such-host.invalid
	tls off
	auth user
	user test
	password secret
	delivery maildir $MAILDIR
	state_dir $STATE_DIR
	timeout 10
	EOF
	pf
	assert_failure 68
	assert_output --regexp '^nohost: '
	assert_output --partial "no-such-host.invalid"
}

@test "connection refused: 75, naming host and port" {
	local port
	port=$(free_port)
	rc_write <<-EOF
	account refused
	host 127.0.0.1
	port $port
	tls off
	auth user
	user test
	password secret
	delivery maildir $MAILDIR
	state_dir $STATE_DIR
	timeout 10
	EOF
	pf
	assert_failure 75
	assert_output --regexp '^refused: '
	assert_output --partial "127.0.0.1"
	assert_output --partial "$port"
}

@test "connection refused with -q: the error still shows" {
	local port
	port=$(free_port)
	rc_write <<-EOF
	account refused
	host 127.0.0.1
	port $port
	tls off
	auth user
	user test
	password secret
	delivery maildir $MAILDIR
	state_dir $STATE_DIR
	EOF
	pf -q
	assert_failure 75
	assert_output --regexp '^refused: '
}

@test "the server closes right after the greeting: 75" {
	printf 'S: +OK fake POP3 ready\nCLOSE\n' >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_failure 75
}

@test "the Maildir cannot be created: 74" {
	: >"$BATS_TEST_TMPDIR/not-a-dir"
	MAILDIR=$BATS_TEST_TMPDIR/not-a-dir/Maildir
	fake_start one-message
	rc_fake f plain "keep on" | rc_write
	pf
	assert_failure 74
	assert_output --regexp '^f: '
	fake_wait 40
	refute_sent '^(DELE|QUIT)'
}
