#!/usr/bin/env bats
# A scripted server that offers PIPELINING: RETRs may be outstanding and
# DELEs go out in between, in whatever order the client chooses (ANY-ORDER).

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	mkdir -p "$BATS_FILE_TMPDIR/msgs"
	local i
	for i in 1 2 3 4; do
		printf 'From: fake@example.org\nSubject: message %d\n\n.body %d\n' \
		    "$i" "$i" >"$BATS_FILE_TMPDIR/msgs/$i.eml"
	done
	export MSGS=$BATS_FILE_TMPDIR/msgs
}

setup() {
	common_setup
	SC=$BATS_TEST_TMPDIR/scenario.pop
	mkdir "$BATS_TEST_TMPDIR/want"
}

teardown() {
	fake_stop
}

# STAT, UIDL and LIST of two messages of SIZE bytes each, uid-1 and uid-2.
listing2() {
	echo "C: STAT"
	echo "S: +OK 2 $((2 * $1))"
	echo "C: UIDL"
	echo "S: +OK"
	echo "S: 1 uid-1"
	echo "S: 2 uid-2"
	echo "S: ."
	echo "C: LIST"
	echo "S: +OK"
	echo "S: 1 $1"
	echo "S: 2 $1"
	echo "S: ."
}

listing4() {
	sc_listing "uid-1:$MSGS/1.eml" "uid-2:$MSGS/2.eml" \
	    "uid-3:$MSGS/3.eml" "uid-4:$MSGS/4.eml"
}

@test "pipelined: every message delivered once and deleted" {
	{
		sc_login PIPELINING
		listing4
		echo "ANY-ORDER"
		local i
		for i in 1 2 3 4; do
			sc_retr "$i" "$MSGS/$i.eml"
			echo "C: DELE $i"
			echo "S: +OK"
		done
		echo "END"
		sc_quit
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	assert_maildir_equals "$MSGS"
}

@test "pipelined: STAT, UIDL and LIST go out before the first answer" {
	{
		sc_login PIPELINING
		echo "C: STAT"
		echo "C: UIDL"
		echo "C: LIST"
		echo "S: +OK 1 $(pop_size "$MSGS/1.eml")"
		echo "S: +OK"
		echo "S: 1 uid-1"
		echo "S: ."
		echo "S: +OK"
		echo "S: 1 $(pop_size "$MSGS/1.eml")"
		echo "S: ."
		sc_retr 1 "$MSGS/1.eml"
		sc_quit
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep on" | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "pipelined: connection lost in message 2: 75, no DELE of 2, none fetched twice" {
	{
		sc_login PIPELINING
		listing4
		echo "ANY-ORDER"
		sc_retr 1 "$MSGS/1.eml"
		echo "C: DELE 1"
		echo "S: +OK"
		echo "C: RETR 2"
		echo "S: +OK $(pop_size "$MSGS/2.eml") octets"
		echo "S: From: fake@example.org"
		echo "CLOSE"
		echo "C: RETR 3"
		echo "C: RETR 4"
		echo "END"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_failure 75
	fake_wait
	refute_sent '^(DELE [234]|QUIT)$'
	cp "$MSGS/1.eml" "$BATS_TEST_TMPDIR/want/"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want"

	# The server did not delete message 1 (no QUIT): next run, keep on.
	{
		sc_login PIPELINING
		listing4
		echo "ANY-ORDER"
		local i
		for i in 2 3 4; do
			sc_retr "$i" "$MSGS/$i.eml"
		done
		echo "END"
		sc_quit
	} >"$SC"
	fake_start "$SC" --port "$FAKE_PORT"
	pf -k
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	refute_sent '^RETR 1$'
	assert_maildir_equals "$MSGS"
}

@test "pipelined: a body far beyond its LIST size: 76, nothing of it delivered" {
	python3 -c 'import sys
sys.stdout.write("From: fake@example.org\nSubject: big\n\n")
for i in range(20000):
    sys.stdout.write("%099d\n" % i)' >"$BATS_TEST_TMPDIR/huge.eml"
	{
		sc_login PIPELINING
		listing2 60
		echo "ANY-ORDER"
		echo "C: RETR 1"
		echo "S: +OK 60 octets"
		echo "MSG $BATS_TEST_TMPDIR/huge.eml"
		echo "C: RETR 2"
		echo "C: DELE *"
		echo "END"
		echo "EXPECT-EOF"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_failure 76
	assert_equal "$(maildir_count)" 0
	fake_wait
	refute_sent '^(DELE|QUIT)'
}

# --- the login: one round trip when the server pipelines -----------------

# capa_pipe [caps...]: greeting and CAPA with PIPELINING and the caps.
capa_pipe() {
	echo "S: +OK fake ready"
	echo "C: CAPA"
	echo "S: +OK"
	echo "S: PIPELINING"
	local c
	for c in "$@"; do
		echo "S: $c"
	done
	echo "S: ."
}

empty_scan_answers() {
	echo "S: +OK 0 0"
	echo "S: +OK"
	echo "S: ."
	echo "S: +OK"
	echo "S: ."
	sc_quit
}

@test "USER, PASS, STAT, UIDL and LIST go in one write when the server pipelines" {
	{
		capa_pipe USER UIDL
		# No answer comes before all five are in: a client that waits
		# for USER's answer would hang here.
		echo "C: USER test"
		echo "C: PASS fake-secret"
		echo "C: STAT"
		echo "C: UIDL"
		echo "C: LIST"
		echo "S: +OK"
		echo "S: +OK logged in"
		empty_scan_answers
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "AUTH PLAIN with its initial response has the scan behind it" {
	local ir
	ir=$(printf '\0test\0fake-secret' | base64 -w0)
	{
		capa_pipe "SASL PLAIN" UIDL
		echo "C: AUTH PLAIN $ir"
		echo "C: STAT"
		echo "C: UIDL"
		echo "C: LIST"
		echo "S: +OK logged in"
		empty_scan_answers
	} >"$SC"
	fake_start "$SC" --tls-implicit
	rc_fake f tls "auth plain" | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "a refused USER in a pipelined login: 77 naming USER, the session ends" {
	{
		capa_pipe USER UIDL
		echo "C: USER test"
		echo "C: PASS fake-secret"
		echo "C: STAT"
		echo "C: UIDL"
		echo "C: LIST"
		echo "S: -ERR [AUTH] no such user"
		echo "EXPECT-EOF"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_failure 77
	assert_output --partial "USER"
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "without PIPELINING the login waits for each answer" {
	{
		echo "S: +OK fake ready"
		echo "C: CAPA"
		echo "S: +OK"
		echo "S: USER"
		echo "S: ."
		echo "C: USER test"
		echo "S: -ERR [AUTH] no such user"
		# A client that sent PASS ahead would be caught here.
		echo "EXPECT-EOF"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_failure 77
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "pipelined: the next RETR goes out before a message bigger than the byte window is read" {
	# LIST says 5 MB each, more than the 4 MiB asked for ahead: the server
	# answers nothing until both RETRs are in, so a client that waits for
	# message 1 before asking for message 2 times out.
	{
		sc_login PIPELINING
		listing2 5000000
		echo "C: RETR 1"
		echo "C: RETR 2"
		echo "S: +OK 5000000 octets"
		echo "MSG $MSGS/1.eml"
		echo "S: +OK 5000000 octets"
		echo "MSG $MSGS/2.eml"
		sc_quit
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep on" "timeout 5" | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	cp "$MSGS/1.eml" "$MSGS/2.eml" "$BATS_TEST_TMPDIR/want/"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want"
}

@test "pipelined, nothing to delete: QUIT goes out behind the last RETR, answered after the syncs" {
	# The server answers nothing until QUIT is in: a client that waits
	# for the messages before it sends QUIT times out.
	{
		sc_login PIPELINING
		listing2 100
		echo "C: RETR 1"
		echo "C: RETR 2"
		echo "C: QUIT"
		echo "S: +OK 100 octets"
		echo "MSG $MSGS/1.eml"
		echo "S: +OK 100 octets"
		echo "MSG $MSGS/2.eml"
		echo "S: +OK bye"
		echo "EXPECT-EOF"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep on" "timeout 5" | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	assert_equal "$(maildir_count)" 2
	# Both recorded before QUIT was read.
	assert_equal "$(cat "$STATE_DIR"/*.state | grep -c '^uid-[12]')" 2
}
