#!/usr/bin/env bats
# A UID the server gives again (RFC 1939 allows it once the old message is
# gone; a server that makes UIDs from the message's bytes does it when the
# same message comes again), and a listing that leaves a message out once.
# Each run is a scripted server of its own, playing what the server shows
# then.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	mkdir -p "$BATS_FILE_TMPDIR/msgs"
	local s
	for s in first second third fetch-me delete-me; do
		printf 'From: fake@example.org\nSubject: %s\n\n%s body\n' \
		    "$s" "$s" >"$BATS_FILE_TMPDIR/msgs/$s.eml"
		printf 'From: fake@example.org\nSubject: %s\n\n' \
		    "$s" >"$BATS_FILE_TMPDIR/msgs/$s.hdr"
	done
	export MSGS=$BATS_FILE_TMPDIR/msgs
}

setup() {
	common_setup
	SC=$BATS_TEST_TMPDIR/scenario.pop
	WANT=$BATS_TEST_TMPDIR/want
	mkdir "$WANT"
	RCLINES=()
	FAKE_PORT=
}

teardown() {
	fake_stop
}

# run_fake [popfetch options...]: plays $SC on a server of its own, with the
# account's lines in RCLINES; the server must have played all of $SC.  Each
# server listens on the port of the first, as the state is the port's.
run_fake() {
	fake_start "$SC" ${FAKE_PORT:+--port "$FAKE_PORT"}
	rc_fake f plain "${RCLINES[@]}" | rc_write
	pf "$@"
	fake_wait
	if [[ $FAKE_STATUS != 0 ]]; then
		{ echo "the server's scenario was not played through"; fake_log; } |
		    fail
	fi
}

# sc_dele N: DELE N, accepted.
sc_dele() {
	echo "C: DELE $1"
	echo "S: +OK"
}

# sc_top N FILE: the filter's TOP N 0, answered with the headers in FILE.
sc_top() {
	echo "C: TOP $1 0"
	echo "S: +OK"
	echo "MSG $2"
}

# A filter that deletes "delete-me" unread and fetches the rest.
write_filter() {
	FILTER=$BATS_TEST_TMPDIR/filter.sh
	cat >"$FILTER" <<-'EOS'
	#!/bin/sh
	case $(cat) in
	*"Subject: delete-me"*) exit 99;;
	esac
	exit 0
	EOS
	chmod +x "$FILTER"
}

@test "keep off: a UID our DELE freed, given to a new message, is fetched" {
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml"
		sc_retr 1 "$MSGS/first.eml"
		sc_dele 1
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	assert_output --partial "1 deleted"
	{
		sc_login
		sc_listing "uid-1:$MSGS/second.eml"
		sc_retr 1 "$MSGS/second.eml"
		sc_dele 1
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/first.eml" "$MSGS/second.eml" "$WANT/"
	assert_maildir_equals "$WANT"
	# Nothing of either is left in the state, nor beside it.
	refute grep -q uid-1 "$STATE_DIR/test@127.0.0.1:$FAKE_PORT.state"
	assert [ ! -e "$STATE_DIR/test@127.0.0.1:$FAKE_PORT.quit" ]
}

@test "keep on: a UID freed by --delete, given to a new message, is fetched" {
	RCLINES=("keep on")
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml" "uid-2:$MSGS/second.eml"
		sc_retr 1 "$MSGS/first.eml"
		sc_dele 1
		sc_retr 2 "$MSGS/second.eml"
		sc_dele 2
		sc_quit
	} >"$SC"
	run_fake --delete
	assert_success
	{
		sc_login
		sc_listing "uid-2:$MSGS/third.eml"
		sc_retr 1 "$MSGS/third.eml"
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/first.eml" "$MSGS/second.eml" "$MSGS/third.eml" "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "keep DURATION: a UID freed once the time was up, given to a new message, is fetched" {
	RCLINES=("keep 1s")
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml"
		sc_retr 1 "$MSGS/first.eml"
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	sleep 1.1
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml"
		sc_dele 1
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	{
		sc_login
		sc_listing "uid-1:$MSGS/second.eml"
		sc_retr 1 "$MSGS/second.eml"
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/first.eml" "$MSGS/second.eml" "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "keep DURATION: QUIT unanswered after deleting a seen message: the next run deletes it, fetching nothing again" {
	RCLINES=("keep 1s")
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml"
		sc_retr 1 "$MSGS/first.eml"
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	sleep 1.1
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml"
		sc_dele 1
		echo "C: QUIT"
		echo "CLOSE"
	} >"$SC"
	run_fake
	assert_failure
	# Still listed with its size: QUIT did not get there.
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml"
		sc_dele 1
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/first.eml" "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "filter: a delete verdict goes with its message, not with a new one given its UID" {
	write_filter
	RCLINES=("keep on" "filter $FILTER")
	{
		sc_login
		sc_listing "uid-1:$MSGS/delete-me.eml"
		sc_top 1 "$MSGS/delete-me.hdr"
		sc_dele 1
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	assert_output --partial "1 deleted"
	{
		sc_login
		sc_listing "uid-1:$MSGS/fetch-me.eml"
		sc_top 1 "$MSGS/fetch-me.hdr"
		sc_retr 1 "$MSGS/fetch-me.eml"
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/fetch-me.eml" "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "filter: a condemned message gone without our DELE takes its verdict with it" {
	write_filter
	RCLINES=("keep on" "filter $FILTER")
	{
		sc_login
		sc_listing "uid-1:$MSGS/delete-me.eml"
		sc_top 1 "$MSGS/delete-me.hdr"
		sc_quit
	} >"$SC"
	run_fake -k
	assert_success
	# Deleted by someone else; then a new message gets its UID.
	{ sc_login; sc_empty; } >"$SC"
	run_fake
	assert_success
	{
		sc_login
		sc_listing "uid-1:$MSGS/fetch-me.eml"
		sc_top 1 "$MSGS/fetch-me.hdr"
		sc_retr 1 "$MSGS/fetch-me.eml"
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/fetch-me.eml" "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "keep on: a message left out of one listing is not fetched again when it is back" {
	RCLINES=("keep on")
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml" "uid-2:$MSGS/second.eml"
		sc_retr 1 "$MSGS/first.eml"
		sc_retr 2 "$MSGS/second.eml"
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	{
		sc_login
		sc_listing "uid-2:$MSGS/second.eml"
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml" "uid-2:$MSGS/second.eml"
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/first.eml" "$MSGS/second.eml" "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "keep on: a message missing from three listings in a row is forgotten" {
	RCLINES=("keep on")
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml"
		sc_retr 1 "$MSGS/first.eml"
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	local i
	for i in 1 2 3; do
		{ sc_login; sc_empty; } >"$SC"
		run_fake
		assert_success
	done
	{
		sc_login
		sc_listing "uid-1:$MSGS/second.eml"
		sc_retr 1 "$MSGS/second.eml"
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/first.eml" "$MSGS/second.eml" "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "keep off: QUIT refused, so nothing was deleted: the next run deletes without fetching" {
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml"
		sc_retr 1 "$MSGS/first.eml"
		sc_dele 1
		echo "C: QUIT"
		echo "S: -ERR [SYS/TEMP] cannot update the mailbox"
		echo "EXPECT-EOF"
	} >"$SC"
	run_fake
	assert_failure 75
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml"
		sc_dele 1
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/first.eml" "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "keep off: QUIT unanswered, the message still listed: not fetched again" {
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml" "uid-2:$MSGS/second.eml"
		sc_retr 1 "$MSGS/first.eml"
		sc_dele 1
		sc_retr 2 "$MSGS/second.eml"
		sc_dele 2
		echo "C: QUIT"
		echo "CLOSE"
	} >"$SC"
	run_fake
	assert_failure
	# The server did not get to UPDATE: both are there still.
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml" "uid-2:$MSGS/second.eml"
		sc_dele 1
		sc_dele 2
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/first.eml" "$MSGS/second.eml" "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "keep off: QUIT unanswered, one of its UIDs gone and the other given anew: the new one is fetched" {
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml" "uid-2:$MSGS/second.eml"
		sc_retr 1 "$MSGS/first.eml"
		sc_dele 1
		sc_retr 2 "$MSGS/second.eml"
		sc_dele 2
		echo "C: QUIT"
		echo "CLOSE"
	} >"$SC"
	run_fake
	assert_failure
	# The server did delete both; then a new message got uid-2.
	{
		sc_login
		sc_listing "uid-2:$MSGS/third.eml"
		sc_retr 1 "$MSGS/third.eml"
		sc_dele 1
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/first.eml" "$MSGS/second.eml" "$MSGS/third.eml" "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "keep off: QUIT unanswered, both its UIDs given anew to messages of other sizes: the new ones are fetched" {
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml" "uid-2:$MSGS/second.eml"
		sc_retr 1 "$MSGS/first.eml"
		sc_dele 1
		sc_retr 2 "$MSGS/second.eml"
		sc_dele 2
		echo "C: QUIT"
		echo "CLOSE"
	} >"$SC"
	run_fake
	assert_failure
	grep -q '^uid-1 [0-9]' "$STATE_DIR/test@127.0.0.1:$FAKE_PORT.quit" ||
	    fail "KEY.quit without the DELE'd sizes"
	# The server did delete both; then two new messages got their UIDs.
	{
		sc_login
		sc_listing "uid-1:$MSGS/fetch-me.eml" "uid-2:$MSGS/delete-me.eml"
		sc_retr 1 "$MSGS/fetch-me.eml"
		sc_dele 1
		sc_retr 2 "$MSGS/delete-me.eml"
		sc_dele 2
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/first.eml" "$MSGS/second.eml" "$MSGS/fetch-me.eml" \
	    "$MSGS/delete-me.eml" "$WANT/"
	assert_maildir_equals "$WANT"
}

# freed_then_reused FAULT...: a keep off run whose save after QUIT's +OK
# meets the fault (FAULT_* variables, through the library of tests/faults);
# then the server gives the freed UID to a new message, which is fetched.
freed_then_reused() {
	local shim
	shim=$(dirname "$POPFETCH")/tests/faults/libfaultshim.so
	[[ -f $shim ]] || skip "no $shim (built by meson with the rest)"
	{
		sc_login
		sc_listing "uid-1:$MSGS/first.eml"
		sc_retr 1 "$MSGS/first.eml"
		sc_dele 1
		sc_quit
	} >"$SC"
	# The renames of the state directory, the login record's aside: the
	# first save's, then the one after QUIT.
	fake_start "$SC"
	rc_fake f plain | rc_write
	run timeout -k 5 60 env LD_PRELOAD="$shim" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    FAULT_PATH="$STATE_DIR/" FAULT_SKIP=.login FAULT_CALLS=rename \
	    FAULT_NTH=2 "$@" "$POPFETCH" -f "$RC"
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	[[ -e $STATE_DIR/test@127.0.0.1:$FAKE_PORT.quit ]] ||
	    fail "no $STATE_DIR/test@127.0.0.1:$FAKE_PORT.quit"
	SAVED_STATUS=$status
	SAVED_OUTPUT=$output
	{
		sc_login
		sc_listing "uid-1:$MSGS/second.eml"
		sc_retr 1 "$MSGS/second.eml"
		sc_dele 1
		sc_quit
	} >"$SC"
	run_fake
	assert_success
	cp "$MSGS/first.eml" "$MSGS/second.eml" "$WANT/"
	assert_maildir_equals "$WANT"
	assert [ ! -e "$STATE_DIR/test@127.0.0.1:$FAKE_PORT.quit" ]
}

@test "keep off: the save after QUIT failing: 74; the UID it freed, given to a new message, is fetched next run" {
	freed_then_reused FAULT_ERRNO=ENOSPC
	assert_equal "$SAVED_STATUS" 74
	[[ $SAVED_OUTPUT == *"the server deleted what it was asked to"* ]] ||
	    fail "no hint: $SAVED_OUTPUT"
}

@test "keep off: kill -9 before the save after QUIT: the UID it freed, given to a new message, is fetched next run" {
	freed_then_reused FAULT_KILL=1
	assert_equal "$SAVED_STATUS" 137
}
