#!/usr/bin/env bats
# A run ended from outside: SIGTERM, SIGINT or SIGHUP, and a server that
# trickles a byte at a time forever (session_timeout).  Either way the run
# ends with 75 and without QUIT, the message that landed is recorded, the one
# cut short stays on the server, the lock is free, and the next run delivers
# the rest exactly once.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
}

setup() {
	common_setup
	SC=$BATS_TEST_TMPDIR/scenario.pop
}

teardown() {
	if [[ -n ${RUN_PID:-} ]]; then
		kill -9 "$RUN_PID" 2>/dev/null || true
	fi
	if [[ -n ${FAKE2_PID:-} ]]; then
		kill "$FAKE2_PID" 2>/dev/null || true
	fi
	fake_stop
}

# head_two: greeting to LIST of a server with two messages.
head_two() {
	cat <<'SC'
S: +OK fake POP3 ready
C: CAPA
S: +OK capabilities follow
S: USER
S: UIDL
S: .
C: USER test
S: +OK
C: PASS *
S: +OK logged in
C: STAT
S: +OK 2 110
C: UIDL
S: +OK
S: 1 uid-one
S: 2 uid-two
S: .
C: LIST
S: +OK
S: 1 55
S: 2 55
S: .
C: RETR 1
S: +OK 55 octets
S: From: fake@example.org
S: Subject: one
S:
S: first message
S: .
C: RETR 2
S: +OK 55 octets
S: From: fake@example.org
SC
}

# stalled SECONDS: two messages, the second one stops half way.
stalled() {
	{
		head_two
		echo "SLEEP $1"
		echo "EXPECT-EOF"
	} >"$SC"
}

# The next run: the server still has both; only the second is fetched.
next_run() {
	fake_stop
	{
		head_two | sed '/^C: RETR 1$/,/^S: \.$/d'
		printf 'S: Subject: two\nS:\nS: second message\nS: .\n'
		printf 'C: QUIT\nS: +OK bye\nEXPECT-EOF\n'
	} >"$SC"
	# The same port: the state is that of user@host:port.
	fake_start "$SC" --port "$FAKE_PORT"
	rc_fake f plain "keep on" | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	assert_equal "$(maildir_count)" 2
	run grep -l 'second message' "$MAILDIR"/new/*
	assert_equal "${#lines[@]}" 1
}

# stop_with SIG: SIG arrives in the middle of the second message.
stop_with() {
	stalled 30
	fake_start "$SC"
	rc_fake f plain "keep on" | rc_write
	# Started with the signal's default action, as from cron or a shell.
	python3 -c 'import os, signal, sys
for s in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
    signal.signal(s, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$POPFETCH" -f "$RC" \
	    >"$BATS_TEST_TMPDIR/run.out" 2>&1 3>&- &
	RUN_PID=$!
	local tries=200
	until grep -q '^RETR 2' "$FAKE_LOG" || ((tries-- == 0)); do
		sleep 0.05
	done
	grep -q '^RETR 2' "$FAKE_LOG" || fail "the run never sent RETR 2"
	sleep 0.3
	local t0=$SECONDS rc=0
	kill -"$1" "$RUN_PID"
	wait "$RUN_PID" || rc=$?
	RUN_PID=
	(( SECONDS - t0 < 5 )) || fail "took $((SECONDS - t0)) s to stop"
	cat "$BATS_TEST_TMPDIR/run.out"
	assert_equal "$rc" 75
	grep -q "^f: .*stopped by signal" "$BATS_TEST_TMPDIR/run.out" ||
	    fail "no message naming the signal"
	run grep -c '^QUIT' "$FAKE_LOG"
	assert_output 0
	assert_equal "$(maildir_count)" 1
	next_run
}

@test "SIGTERM mid-message: 75, no QUIT, the first recorded, the second next run" {
	stop_with TERM
}

@test "SIGINT mid-message: the same" {
	stop_with INT
}

@test "SIGHUP mid-message: the same" {
	stop_with HUP
}

@test "SIGTERM to -j 2 reaches every job" {
	stalled 30
	# One server each: the scripted server serves one session at a time.
	local log2=$BATS_TEST_TMPDIR/fake2.log port2=$BATS_TEST_TMPDIR/fake2.port
	python3 "$TESTS_LIB/fakepop.py" "$SC" --port-file "$port2" \
	    --log "$log2" </dev/null >/dev/null 2>&1 3>&- &
	FAKE2_PID=$!
	fake_start "$SC"
	local tries=100
	until [[ -s $port2 ]] || ((tries-- == 0)); do
		sleep 0.05
	done
	{
		rc_fake f plain "keep on"
		rc_fake g plain "keep on" | sed "s|$MAILDIR|$MAILDIR-g|;
		    s|^port .*|port $(cat "$port2")|"
	} | rc_write
	"$POPFETCH" -f "$RC" -j 2 >"$BATS_TEST_TMPDIR/run.out" 2>&1 3>&- &
	RUN_PID=$!
	tries=200
	until { grep -q '^RETR 2' "$FAKE_LOG" && grep -q '^RETR 2' "$log2"; } ||
	    ((tries-- == 0)); do
		sleep 0.05
	done
	sleep 0.3
	local rc=0
	kill -TERM "$RUN_PID"
	wait "$RUN_PID" || rc=$?
	RUN_PID=
	cat "$BATS_TEST_TMPDIR/run.out"
	assert_equal "$rc" 75
	run grep -c 'stopped by signal' "$BATS_TEST_TMPDIR/run.out"
	assert_output 2
	run grep -c '^QUIT' "$FAKE_LOG" "$log2"
	assert_output "$FAKE_LOG:0
$log2:0"
}

# trickle N: the second message comes one byte every 0.5 s, N bytes.
trickle() {
	{
		head_two
		local i
		for ((i = 0; i < $1; i++)); do
			echo "RAW x"
			echo "SLEEP 0.5"
		done
		echo "EXPECT-EOF"
	} >"$SC"
}

@test "session_timeout: a server trickling a byte inside the timeout ends with 75" {
	trickle 200
	fake_start "$SC"
	rc_fake f plain "keep on" "timeout 2" "session_timeout 3" | rc_write
	local t0=$SECONDS
	pf
	(( SECONDS - t0 < 8 )) || fail "took $((SECONDS - t0)) s with session_timeout 3"
	assert_failure 75
	assert_output --regexp "^f: .*session_timeout \(3 s\)"
	assert_output --partial "raise 'session_timeout'"
	run grep -c '^QUIT' "$FAKE_LOG"
	assert_output 0
	assert_equal "$(maildir_count)" 1
	next_run
}

@test "session_timeout over TLS: a record trickled byte by byte is bounded too" {
	trickle 200
	fake_start "$SC" --tls-implicit
	rc_fake f tls "keep on" "timeout 2" "session_timeout 3" | rc_write
	local t0=$SECONDS
	pf
	(( SECONDS - t0 < 8 )) || fail "took $((SECONDS - t0)) s with session_timeout 3"
	assert_failure 75
	assert_output --regexp "^f: .*session_timeout \(3 s\)"
	assert_equal "$(maildir_count)" 1
}

@test "session_timeout: checked as a number of seconds" {
	FAKE_PORT=110
	rc_fake f plain "session_timeout 0" | rc_write
	pf
	assert_failure 78
	assert_output --partial session_timeout
}
