#!/usr/bin/env bats
# SIGTERM, SIGINT and SIGHUP end a run cleanly: no QUIT (nothing deleted),
# what was delivered synced and recorded, exit 75, the lock let go; and
# session_timeout bounds a server that never stops trickling.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	mkdir -p "$BATS_FILE_TMPDIR/msgs"
	local i
	for i in 1 2; do
		printf 'From: fake@example.org\nSubject: message %d\n\nbody %d\n' \
		    "$i" "$i" >"$BATS_FILE_TMPDIR/msgs/$i.eml"
	done
	export MSGS=$BATS_FILE_TMPDIR/msgs
}

setup() {
	common_setup
	SC=$BATS_TEST_TMPDIR/scenario.pop
}

teardown() {
	fake_stop
}

# The server hands over message 1, then stalls in the middle of message 2.
stalling() {
	{
		sc_login
		sc_listing "uid-1:$MSGS/1.eml" "uid-2:$MSGS/2.eml"
		sc_retr 1 "$MSGS/1.eml"
		echo "C: RETR 2"
		echo "S: +OK $(pop_size "$MSGS/2.eml") octets"
		echo "S: From: fake@example.org"
		echo "SLEEP 30"
	} >"$SC"
}

# signal_run SIG: popfetch stopped by SIG while message 2 is under way.
signal_run() {
	stalling
	fake_start "$SC"
	rc_fake f plain "keep on" | rc_write
	"$POPFETCH" -f "$RC" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local pid=$! tries=200
	until grep -q '^RETR 2' "$FAKE_LOG" || ((tries-- == 0)); do
		sleep 0.05
	done
	sleep 0.3
	local start=$SECONDS
	kill -"$1" "$pid"
	STATUS=0
	wait "$pid" || STATUS=$?
	ELAPSED=$((SECONDS - start))
	fake_stop
}

@test "SIGTERM, SIGINT, SIGHUP: exit 75 at once, message 1 delivered and recorded, no QUIT, lock free" {
	local sig
	for sig in TERM INT HUP; do
		rm -rf "$MAILDIR" "$STATE_DIR"
		signal_run "$sig"
		assert_equal "$STATUS" 75
		((ELAPSED <= 3)) || fail "SIG$sig took $ELAPSED s to end the run"
		grep -q "stopped by signal" "$BATS_TEST_TMPDIR/out" ||
		    fail "SIG$sig: $(cat "$BATS_TEST_TMPDIR/out")"
		refute_sent '^QUIT'
		# Message 1 is in new/ and in the state: not fetched again.
		assert_equal "$(ls "$MAILDIR/new" | wc -l)" 1
		grep -q '^uid-1 ' "$STATE_DIR"/*.state ||
		    grep -q 'uid-1' "$STATE_DIR"/*.state
		# The lock was let go.
		flock -n "$(ls "$STATE_DIR"/*.lock)" true
	done
}

@test "a signal while several accounts run at once (-j) stops them all with 75" {
	stalling
	# A second scripted server, for the second account.
	local log2=$BATS_TEST_TMPDIR/fake2.log port2=$BATS_TEST_TMPDIR/fake2.port
	python3 "$TESTS_LIB/fakepop.py" "$SC" --port-file "$port2" \
	    --log "$log2" </dev/null >/dev/null 2>&1 3>&- &
	local pid2=$! tries=100
	while [[ ! -s $port2 ]] && ((tries-- > 0)); do
		sleep 0.05
	done
	fake_start "$SC"
	{
		rc_fake a plain "keep on"
		FAKE_PORT=$(cat "$port2") rc_fake b plain "keep on" \
		    "state_dir $STATE_DIR/b" "delivery maildir $MAILDIR/b"
	} | rc_write
	"$POPFETCH" -f "$RC" -j 2 >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local pid=$!
	tries=200
	until grep -qs '^RETR 2' "$FAKE_LOG" && grep -qs '^RETR 2' "$log2" ||
	    ((tries-- == 0)); do
		sleep 0.05
	done
	sleep 0.3
	kill -TERM "$pid"
	local st=0
	wait "$pid" || st=$?
	kill "$pid2" 2>/dev/null || true
	assert_equal "$st" 75
	assert_equal "$(grep -c 'stopped by signal' "$BATS_TEST_TMPDIR/out")" 2
	! grep -q '^QUIT' "$FAKE_LOG" "$log2"
}

@test "session_timeout: a server trickling one byte at a time is cut off, 75" {
	{
		sc_login
		sc_listing "uid-1:$MSGS/1.eml"
		echo "C: RETR 1"
		echo "S: +OK 100 octets"
		local i
		for i in $(seq 1 40); do
			echo "RAW x"
			echo "SLEEP 0.25"
		done
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "timeout 2" "session_timeout 3" | rc_write
	local start=$SECONDS
	pf
	assert_failure 75
	assert_output --partial "kept the session going for more than 3 s"
	assert_output --partial "session_timeout"
	((SECONDS - start <= 6)) || fail "took $((SECONDS - start)) s"
	refute_sent '^QUIT'
	[[ ! -d $MAILDIR/new ]] || assert_equal "$(ls "$MAILDIR/new" | wc -l)" 0
}

# trickle_start: tests/lib/trickletls.py on a free port (FAKE_PORT): TLS at
# full speed, then a greeting record one byte every 0.25 s.
trickle_start() {
	local portfile=$BATS_TEST_TMPDIR/trickle.port
	python3 "$TESTS_LIB/trickletls.py" --cert "$CERTS_DIR/server.pem" \
	    --key "$CERTS_DIR/server-key.pem" --port-file "$portfile" \
	    </dev/null >"$BATS_TEST_TMPDIR/trickle.err" 2>&1 3>&- &
	FAKE_PID=$!
	local tries=100
	while [[ ! -s $portfile ]] && ((tries-- > 0)); do
		sleep 0.05
	done
	[[ -s $portfile ]] || fail "trickletls.py did not start: $(cat "$BATS_TEST_TMPDIR/trickle.err")"
	FAKE_PORT=$(cat "$portfile")
}

@test "session_timeout: a TLS record trickled one byte at a time is cut off, 75" {
	trickle_start
	rc_fake f tls "timeout 2" "session_timeout 3" | rc_write
	local start=$SECONDS
	PF_TIMEOUT=30 pf
	assert_failure 75
	assert_output --partial "kept the session going for more than 3 s"
	((SECONDS - start <= 6)) || fail "took $((SECONDS - start)) s"
}

@test "SIGTERM while a TLS record trickles in: 75 at once" {
	trickle_start
	rc_fake f tls "timeout 2" | rc_write
	"$POPFETCH" -f "$RC" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local pid=$! st=0
	sleep 1.5
	local start=$SECONDS
	kill -TERM "$pid"
	wait "$pid" || st=$?
	assert_equal "$st" 75
	grep -q "stopped by signal" "$BATS_TEST_TMPDIR/out" ||
	    fail "$(cat "$BATS_TEST_TMPDIR/out")"
	((SECONDS - start <= 2)) || fail "took $((SECONDS - start)) s"
}

@test "session_timeout is an rc value in seconds" {
	FAKE_PORT=1 rc_fake f plain "session_timeout 0" | rc_write
	pf -n
	assert_failure 78
	assert_output --partial "session_timeout '0' is too small"
}

@test "a run holding a password writes no core file: its core size limit is 0" {
	stalling
	fake_start "$SC"
	rc_fake f plain "keep on" | rc_write
	# As a user with core files on would run it.
	(ulimit -c unlimited; exec "$POPFETCH" -f "$RC") \
	    >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local pid=$! tries=200
	until grep -q '^RETR 2' "$FAKE_LOG" || ((tries-- == 0)); do
		sleep 0.05
	done
	local limits
	limits=$(grep '^Max core file size' "/proc/$pid/limits")
	kill -TERM "$pid"
	wait "$pid" || true
	[[ $limits =~ ^Max\ core\ file\ size\ +0\ +0\ + ]] ||
	    fail "core limit: $limits"
}
