#!/usr/bin/env bats
# Where popfetch looks: the default rc file, ~/ in paths, the default state
# directory.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
}

setup() {
	common_setup
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	unset XDG_CONFIG_HOME XDG_STATE_HOME
}

teardown() {
	fake_stop
}

@test "without -f: \$XDG_CONFIG_HOME/popfetch/fetchrc" {
	fake_start one-message
	export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/config
	mkdir -p "$XDG_CONFIG_HOME/popfetch"
	RC=$XDG_CONFIG_HOME/popfetch/fetchrc
	rc_fake f plain "keep on" | rc_write
	run timeout 60 "$POPFETCH"
	assert_success
	assert_equal "$(maildir_count)" 1
}

@test "without -f and XDG_CONFIG_HOME: ~/.fetchrc" {
	fake_start one-message
	RC=$HOME/.fetchrc
	rc_fake f plain "keep on" | rc_write
	run timeout 60 "$POPFETCH"
	assert_success
	assert_equal "$(maildir_count)" 1
}

@test "~/ in delivery and state_dir is the home directory" {
	fake_start one-message
	rc_fake f plain "keep on" |
	    sed "s|^delivery .*|delivery maildir ~/Mail|; s|^state_dir .*|state_dir ~/st|" |
	    rc_write
	pf
	assert_success
	assert_equal "$(maildir_count "$HOME/Mail")" 1
	[[ -n $(ls -A "$HOME/st") ]]
}

@test "without state_dir: the state lives under \$XDG_STATE_HOME/popfetch" {
	fake_start one-message
	export XDG_STATE_HOME=$BATS_TEST_TMPDIR/xstate
	rc_fake f plain "keep on" | sed '/^state_dir /d' | rc_write
	pf
	assert_success
	[[ -n $(ls -A "$XDG_STATE_HOME/popfetch") ]]
}

@test "a failing passwordeval: an error, and no PASS sent" {
	fake_start one-message
	rc_fake f plain "keep on" | sed '/^password /d' | rc_write
	echo "passwordeval /bin/false" >>"$RC"
	pf
	assert_failure
	assert_output --regexp '^f: '
	fake_wait 40
	refute_sent '^PASS'
}

@test "a link in the state directory where the login record's temp file goes is not followed" {
	local victim=$BATS_TEST_TMPDIR/victim
	echo "precious" >"$victim"
	mkdir -p "$STATE_DIR"
	fake_start one-message
	rc_fake f plain "keep on" | rc_write
	ln -s "$victim" "$STATE_DIR/test@127.0.0.1:$FAKE_PORT.login.tmp"
	pf
	assert_success
	assert_equal "$(cat "$victim")" "precious"
	[[ -f $STATE_DIR/test@127.0.0.1:$FAKE_PORT.login && ! -L $STATE_DIR/test@127.0.0.1:$FAKE_PORT.login ]]
}
