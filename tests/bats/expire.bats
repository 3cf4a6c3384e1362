#!/usr/bin/env bats
# A server whose EXPIRE lets retrieved mail go at QUIT (Gmail's EXPIRE 0
# hides whatever a session that ends with QUIT retrieved): a session that
# retrieved a message and did not deliver it ends without QUIT.

load ../lib/common

setup_file() {
	mkdir -p "$BATS_FILE_TMPDIR/msgs"
	local s
	for s in one two three; do
		printf 'From: fake@example.org\nSubject: %s\n\n%s body\n' \
		    "$s" "$s" >"$BATS_FILE_TMPDIR/msgs/$s.eml"
	done
	export MSGS=$BATS_FILE_TMPDIR/msgs
}

setup() {
	common_setup
	SC=$BATS_TEST_TMPDIR/scenario.pop
	WANT=$BATS_TEST_TMPDIR/want
	BIN=$BATS_TEST_TMPDIR/bin
	mkdir -p "$WANT" "$BIN" "$MAILDIR"/{new,cur,tmp}
	FAKE_PORT=
}

teardown() {
	fake_stop
}

# run_fake [popfetch options...]: plays $SC, on the first server's port.
run_fake() {
	fake_start "$SC" ${FAKE_PORT:+--port "$FAKE_PORT"}
	rc_fake f plain "received_header off" "keep off" \
	    "delivery mda $BIN/mda $MAILDIR" | rc_write
	pf "$@"
	fake_wait
	if [[ $FAKE_STATUS != 0 ]]; then
		{ echo "the server's scenario was not played through"; fake_log; } |
		    fail
	fi
}

# An MDA that delivers to the Maildir $1, or exits 75 for Subject $DEFER.
write_mda() {
	printf '#!/bin/sh
f=$(mktemp "$1/tmp/x.XXXXXX") || exit 74
cat >"$f" || exit 74
if grep -q "^Subject: %s$" "$f"; then rm -f "$f"; exit 75; fi
mv "$f" "$1/new/"\n' "$1" >"$BIN/mda"
	chmod 755 "$BIN/mda"
}

@test "EXPIRE 0: the MDA defers the 2nd of 3: no QUIT, no DELE applied; the next run delivers it, each once" {
	write_mda two
	{
		sc_login "EXPIRE 0"
		sc_listing "u1:$MSGS/one.eml" "u2:$MSGS/two.eml" "u3:$MSGS/three.eml"
		sc_retr 1 "$MSGS/one.eml"
		echo "C: DELE 1"
		echo "S: +OK"
		sc_retr 2 "$MSGS/two.eml"
		sc_retr 3 "$MSGS/three.eml"
		echo "C: DELE 3"
		echo "S: +OK"
		echo "EXPECT-EOF"
	} >"$SC"
	run_fake
	assert_failure 75
	refute_sent '^QUIT'
	assert_equal "$(ls "$MAILDIR/new" | wc -l)" 2

	# Nothing was deleted or hidden: all three are listed again; 1 and 3
	# are deleted unfetched, 2 is delivered.
	write_mda none
	{
		sc_login "EXPIRE 0"
		sc_listing "u1:$MSGS/one.eml" "u2:$MSGS/two.eml" "u3:$MSGS/three.eml"
		echo "C: DELE 1"
		echo "S: +OK"
		echo "C: DELE 3"
		echo "S: +OK"
		sc_retr 2 "$MSGS/two.eml"
		echo "C: DELE 2"
		echo "S: +OK"
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS"/*.eml "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "no EXPIRE: the MDA defers one, the session still ends with QUIT" {
	write_mda two
	{
		sc_login
		sc_listing "u2:$MSGS/two.eml"
		sc_retr 1 "$MSGS/two.eml"
		sc_quit
	} >"$SC"
	run_fake
	assert_failure 75
	assert_sent '^QUIT'
}

@test "no CAPA answered (EXPIRE unknown): the MDA defers one, no QUIT" {
	write_mda two
	{
		echo "S: +OK fake POP3 ready"
		echo "C: CAPA"
		echo "S: -ERR unknown command"
		echo "C: USER test"
		echo "S: +OK"
		echo "C: PASS *"
		echo "S: +OK logged in"
		sc_listing "u2:$MSGS/two.eml"
		sc_retr 1 "$MSGS/two.eml"
		echo "EXPECT-EOF"
	} >"$SC"
	run_fake
	assert_failure 75
	refute_sent '^QUIT'
}
