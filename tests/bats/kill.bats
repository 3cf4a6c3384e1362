#!/usr/bin/env bats
# kill -9 at any point loses no message and delivers none twice: the next
# run delivers exactly what is missing.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	corpus_many "$BATS_FILE_TMPDIR/many" 2000
	export MANY=$BATS_FILE_TMPDIR/many
	mkdir -p "$BATS_FILE_TMPDIR/msgs"
	local i
	for i in 1 2; do
		printf 'From: fake@example.org\nSubject: message %d\n\nbody %d\n' \
		    "$i" "$i" >"$BATS_FILE_TMPDIR/msgs/$i.eml"
	done
	export MSGS=$BATS_FILE_TMPDIR/msgs
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
	if [[ -n ${VICTIM:-} ]]; then
		kill -KILL "$VICTIM" 2>/dev/null || true
		wait "$VICTIM" 2>/dev/null || true
	fi
}

# Starts popfetch in the background (VICTIM is its pid).
start_victim() {
	"$POPFETCH" -f "$RC" -q "$@" >"$BATS_TEST_TMPDIR/victim.out" 2>&1 3>&- &
	VICTIM=$!
}

kill_victim() {
	kill -KILL "$VICTIM" 2>/dev/null || true
	wait "$VICTIM" 2>/dev/null || true
	VICTIM=
}

@test "kill -9 in the middle of a message: the next run fetches only the rest" {
	{
		sc_login
		sc_listing "uid-1:$MSGS/1.eml" "uid-2:$MSGS/2.eml"
		sc_retr 1 "$MSGS/1.eml"
		echo "C: RETR 2"
		echo "S: +OK $(pop_size "$MSGS/2.eml") octets"
		echo "S: From: fake@example.org"
		echo "SLEEP 30"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep on" | rc_write
	start_victim
	local tries=200
	until grep -q '^RETR 2' "$FAKE_LOG" || ((tries-- == 0)); do
		sleep 0.05
	done
	assert_sent '^RETR 2$'
	sleep 0.3
	kill_victim
	fake_stop

	{
		sc_login
		sc_listing "uid-1:$MSGS/1.eml" "uid-2:$MSGS/2.eml"
		sc_retr 2 "$MSGS/2.eml"
		sc_quit
	} >"$SC"
	fake_start "$SC" --port "$FAKE_PORT"
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	refute_sent '^RETR 1$'
	MAILDIR_ALLOW_TMP=1 assert_maildir_equals "$MSGS"
}

@test "kill -9 at several points of a 2,000-message run: each message exactly once" {
	rc_dovecot dv tls | rc_write
	local delay partial=0 n
	for delay in 0.15 0.4 0.7; do
		dovecot_clear
		dovecot_add_dir "$MANY"
		rm -rf "$MAILDIR" "$STATE_DIR"
		start_victim
		sleep "$delay"
		kill_victim
		n=$(maildir_count)
		((n > 0 && n < 2000)) && partial=$((partial + 1))
		pf
		assert_success
		MAILDIR_ALLOW_TMP=1 assert_maildir_equals "$MANY"
		assert_equal "$(dovecot_count)" 0
	done
	# At least one kill must have landed in the middle of the run.
	((partial > 0)) || fail "no kill interrupted a run: make the delays shorter"
}

@test "kill -9 twice in a row, then a full run: each message exactly once" {
	rc_dovecot dv tls | rc_write
	dovecot_clear
	dovecot_add_dir "$MANY"
	start_victim
	sleep 0.3
	kill_victim
	start_victim
	sleep 0.3
	kill_victim
	pf
	assert_success
	MAILDIR_ALLOW_TMP=1 assert_maildir_equals "$MANY"
	assert_equal "$(dovecot_count)" 0
}
