#!/usr/bin/env bats
# The server's own limits (RFC 2449): a run that comes sooner than
# LOGIN-DELAY allows is skipped quietly instead of being refused, and an
# EXPIRE that deletes what keep means to leave is named.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
}

setup() {
	common_setup
	SC=$BATS_TEST_TMPDIR/scenario.pop
}

teardown() {
	fake_stop
}

# The remembered login of the one mailbox in $STATE_DIR: "WHEN DELAY".
login_file() {
	cat "$STATE_DIR"/*.login
}

@test "LOGIN-DELAY: the next run within the delay is skipped, exit 0, no connection" {
	fake_start login-delay
	rc_fake f plain | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	run login_file
	assert_output --regexp '^[0-9]+ 900$'

	# Nothing listens on the port now: a connection would fail with 75.
	pf
	assert_success
	assert_output ""
	pf -v
	assert_success
	assert_output --regexp '^f: skipped: the server allows the next login at [0-9:]+, in (899|900) s \(LOGIN-DELAY\)$'
	pf --json
	assert_success
	assert_output --partial '"status":"deferred"'
	assert_output --partial '"exit":0'
	pf -s
	assert_failure 1
}

@test "LOGIN-DELAY: a deferred account asks for no password" {
	fake_start login-delay
	rc_fake f plain | rc_write
	pf
	assert_success
	fake_wait
	rc_fake f plain | sed "s|^password .*|passwordeval sh -c 'touch $BATS_TEST_TMPDIR/asked; echo x'|" | rc_write
	pf
	assert_success
	[[ ! -e $BATS_TEST_TMPDIR/asked ]]
}

@test "LOGIN-DELAY: once the delay is over, the account is fetched" {
	fake_start login-delay
	rc_fake f plain | rc_write
	pf
	assert_success
	fake_wait
	local f
	f=$(echo "$STATE_DIR"/*.login)
	echo "$(($(date +%s) - 901)) 900" >"$f"
	fake_start login-delay
	rc_fake f plain | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "LOGIN-DELAY n USER: CAPA again after login, the user's own delay counts" {
	fake_start login-delay-user
	rc_fake f plain "keep on" | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	run login_file
	assert_output --regexp '^[0-9]+ 120$'
	pf -v
	assert_success
	assert_output --regexp 'in (119|120) s \(LOGIN-DELAY\)'
}

@test "no LOGIN-DELAY: every run logs in" {
	fake_start one-message
	rc_fake f plain "keep on" | rc_write
	pf
	assert_success
	fake_wait
	run login_file
	assert_output --regexp '^[0-9]+ 0$'
}

# expire CAP KEEP: a session with an empty mailbox whose CAPA holds CAP,
# with keep set to KEEP; the output is left for the caller.
expire() {
	{
		sc_login "$1"
		sc_empty
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep $2" | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "EXPIRE 0 with keep on: a warning" {
	expire "EXPIRE 0" on
	assert_output --partial "f: warning: 127.0.0.1 deletes every message once it is fetched (EXPIRE 0), whatever keep says"
}

@test "EXPIRE 0 with keep 7d: a warning" {
	expire "EXPIRE 0" 7d
	assert_output --partial "(EXPIRE 0)"
}

@test "EXPIRE 30 with keep on: a warning" {
	expire "EXPIRE 30" on
	assert_output --partial "f: warning: 127.0.0.1 deletes messages 30 days after they are fetched (EXPIRE 30), though keep is on"
}

@test "EXPIRE 30 with keep 60d: a warning; with keep 30d or 7d: none" {
	expire "EXPIRE 30" 60d
	assert_output --partial "(EXPIRE 30), before keep 60d is up"
	expire "EXPIRE 30" 30d
	refute_output --partial "warning"
	expire "EXPIRE 30" 7d
	refute_output --partial "warning"
}

@test "EXPIRE 0 with keep off, EXPIRE NEVER with keep on: no warning" {
	expire "EXPIRE 0" off
	refute_output --partial "warning"
	expire "EXPIRE NEVER" on
	refute_output --partial "warning"
}

@test "-k counts as keep on against EXPIRE" {
	expire "EXPIRE 5" off
	refute_output --partial "warning"
	fake_start "$SC"
	rc_fake f plain "keep off" | rc_write
	pf -k
	assert_success
	assert_output --partial "(EXPIRE 5), though keep is on"
}

@test "-s leaves no record of its login: the state directory is untouched" {
	fake_start login-delay
	rc_fake f plain | rc_write
	pf -s
	assert_failure 1
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	[[ -z $(ls "$STATE_DIR"/*.login 2>/dev/null) ]]
}

@test "a LOGIN-DELAY beyond a week is held to a week; one that is not a number is ignored" {
	sed 's/^S: LOGIN-DELAY 900$/S: LOGIN-DELAY 9999999/' \
	    "$SCENARIOS/login-delay.pop" >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_success
	fake_wait
	run login_file
	assert_output --regexp '^[0-9]+ 604800$'

	rm -f "$STATE_DIR"/*.login
	sed 's/^S: LOGIN-DELAY 900$/S: LOGIN-DELAY soon/' \
	    "$SCENARIOS/login-delay.pop" >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_success
	fake_wait
	run login_file
	assert_output --regexp '^[0-9]+ 0$'
}

@test "-j 2 --json: the deferred account says so, the other is fetched" {
	fake_start login-delay
	rc_fake f plain | rc_write
	pf
	assert_success
	fake_wait
	{
		rc_fake f plain
		fake_start one-message
		rc_fake g plain "keep on"
	} >"$RC"
	chmod 600 "$RC"
	pf -j 2 --json
	assert_success
	assert_line --regexp '^\{"account":"f",.*"status":"deferred","exit":0,'
	assert_line --regexp '^\{"account":"g",.*"status":"ok","exit":0,.*"fetched":1,'
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}
