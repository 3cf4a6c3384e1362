#!/usr/bin/env bats
# The rc file and the command line: errors exit 78 (rc) or 64 (usage) and
# say where; what parses well reaches the server as written.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
}

setup() {
	common_setup
}

teardown() {
	fake_stop
}

# A valid account block for a server that is never contacted.
block() {
	cat <<-EOF
	account a
	host 127.0.0.1
	port 1
	tls off
	auth user
	user test
	password secret
	delivery maildir $MAILDIR
	state_dir $STATE_DIR
	EOF
}

@test "an unknown key: 78, naming file and line" {
	{ block; echo "colour blue"; } | rc_write
	pf
	assert_failure 78
	assert_output --partial "$RC:10"
	assert_output --partial "colour"
}

@test "a bad value for tls: 78, naming file and line" {
	{ block; echo "tls maybe"; } | rc_write
	pf
	assert_failure 78
	assert_output --partial "$RC:10"
}

@test "a bad port: 78, naming file and line" {
	{ block; echo "port 99999"; } | rc_write
	pf
	assert_failure 78
	assert_output --partial "$RC:10"
}

@test "a bad keep value: 78" {
	{ block; echo "keep sometimes"; } | rc_write
	pf
	assert_failure 78
	assert_output --partial "$RC:10"
}

@test "a bad timeout: 78" {
	{ block; echo "timeout soon"; } | rc_write
	pf
	assert_failure 78
	assert_output --partial "$RC:10"
}

@test "an unknown delivery method: 78" {
	{ block; echo "delivery pigeon /tmp/x"; } | rc_write
	pf
	assert_failure 78
	assert_output --partial "$RC:10"
}

@test "an account without host: 78, naming the file and the account's line" {
	{ echo "# two accounts"; block; echo; block | sed 's/^account a/account b/; /^host /d'; } | rc_write
	pf
	assert_failure 78
	assert_output --partial "$RC:12"
}

@test "a key outside any block: 78, naming file and line" {
	{ echo "# comment"; echo "timeout 10"; block; } | rc_write
	pf
	assert_failure 78
	assert_output --partial "$RC:2"
}

@test "a bad max_size: 78" {
	{ block; echo "max_size lots"; } | rc_write
	pf
	assert_failure 78
	assert_output --partial "$RC:10"
}

@test "a bad pipelining value: 78" {
	{ block; echo "pipelining sometimes"; } | rc_write
	pf
	assert_failure 78
	assert_output --partial "$RC:10"
}

@test "rc file with a password readable by others: 78" {
	block >"$RC"
	chmod 644 "$RC"
	pf
	assert_failure 78
	assert_output --partial "$RC"
}

@test "rc file with a password readable by the group: 78" {
	block >"$RC"
	chmod 640 "$RC"
	pf
	assert_failure 78
}

@test "rc file writable by the group, no password in it: 78, its mda never run" {
	block | sed '/^password /d' | sed "s|^mda .*||" >"$RC"
	echo "passwordeval touch $BATS_TEST_TMPDIR/ran" >>"$RC"
	chmod 620 "$RC"
	pf
	assert_failure 78
	assert_output --partial "chmod go-w $RC"
	[[ ! -e $BATS_TEST_TMPDIR/ran ]]
}

@test "rc file in a directory the group may write: 78, naming it, its passwordeval never run" {
	mkdir -p "$BATS_TEST_TMPDIR/shared/conf"
	chmod 775 "$BATS_TEST_TMPDIR/shared"
	RC=$BATS_TEST_TMPDIR/shared/conf/fetchrc
	block | sed '/^password /d' >"$RC"
	echo "passwordeval touch $BATS_TEST_TMPDIR/ran" >>"$RC"
	chmod 600 "$RC"
	pf
	assert_failure 78
	assert_output --partial "chmod go-w $BATS_TEST_TMPDIR/shared"
	[[ ! -e $BATS_TEST_TMPDIR/ran ]]
}

@test "rc file under a sticky directory anyone may write (as /tmp): read" {
	mkdir -p "$BATS_TEST_TMPDIR/sticky/conf"
	chmod 1777 "$BATS_TEST_TMPDIR/sticky"
	RC=$BATS_TEST_TMPDIR/sticky/conf/fetchrc
	block | rc_write
	pf --check
	refute_output --partial "chmod go-w"
	chmod 0777 "$BATS_TEST_TMPDIR/sticky"
	pf --check
	assert_failure 78
	assert_output --partial "chmod go-w $BATS_TEST_TMPDIR/sticky"
}

@test "rc file that does not exist: 78" {
	RC=$BATS_TEST_TMPDIR/no-such-fetchrc
	pf
	assert_failure 78
	assert_output --partial "$RC"
}

@test "an unknown option: 64" {
	block | rc_write
	pf --no-such-option
	assert_failure 64
}

@test "-j without a number: 64" {
	block | rc_write
	pf -j many
	assert_failure 64
}

@test "-f without its argument: 64" {
	run "$POPFETCH" -f
	assert_failure 64
}

@test "an unknown account name: 64" {
	block | rc_write
	pf no-such-account
	assert_failure 64
	assert_output --partial "no-such-account"
}

@test "defaults apply to the accounts after them" {
	fake_start one-message
	rc_write <<-EOF
	defaults
	tls off
	auth user
	keep on
	timeout 10
	state_dir $STATE_DIR

	account f
	host 127.0.0.1
	port $FAKE_PORT
	user test
	password fake-secret
	delivery maildir $MAILDIR
	EOF
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	assert_equal "$(maildir_count)" 1
}

@test "an account starts from the accounts it names" {
	fake_start one-message
	rc_write <<-EOF
	account base
	host 127.0.0.1
	port 1
	tls off
	auth user
	keep on
	timeout 10
	state_dir $STATE_DIR
	user test
	password fake-secret

	account f : base
	port $FAKE_PORT
	delivery maildir $MAILDIR
	EOF
	pf f
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	assert_equal "$(maildir_count)" 1
}

@test "a quoted password with escapes reaches the server as written" {
	fake_start one-message
	rc_fake f plain "keep on" | sed '/^password /d' | rc_write
	echo 'password "pa ss\"wo\\rd"' >>"$RC"
	pf
	assert_success
	fake_wait
	assert_sent '^PASS pa ss"wo\\rd$'
}

@test "passwordeval: the command's first line is the password" {
	fake_start one-message
	rc_fake f plain "keep on" | sed '/^password /d' | rc_write
	printf '#!/bin/sh\necho from-eval\necho second line\n' >"$BATS_TEST_TMPDIR/pw"
	chmod 755 "$BATS_TEST_TMPDIR/pw"
	echo "passwordeval $BATS_TEST_TMPDIR/pw" >>"$RC"
	pf
	assert_success
	fake_wait
	assert_sent '^PASS from-eval$'
}

@test "passwordeval in a file readable by others is fine" {
	fake_start one-message
	rc_fake f plain "keep on" | sed '/^password /d' >"$RC"
	echo 'passwordeval echo from-eval' >>"$RC"
	chmod 644 "$RC"
	pf
	assert_success
	fake_wait
	assert_sent '^PASS from-eval$'
}

@test "comments and blank lines are ignored" {
	fake_start one-message
	{
		echo "# leading comment"
		echo
		rc_fake f plain "keep on" | sed 's/^timeout 10$/# a comment\n\ntimeout 10/'
		echo "   # indented comment"
	} | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "only the named accounts run" {
	fake_start one-message
	{
		echo "account broken"
		echo "host no-such-host.invalid"
		echo "tls off"
		echo "auth user"
		echo "user x"
		echo "password y"
		echo "delivery maildir $MAILDIR"
		echo "state_dir $STATE_DIR"
		echo
		rc_fake f plain "keep on"
	} | rc_write
	pf f
	assert_success
	assert_equal "$(maildir_count)" 1
}
