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

# kill_victim_after COMMAND TRIES: once popfetch has sent COMMAND (and the
# server has started its answer), kills it mid-message.
kill_victim_after() {
	local tries=$2
	until grep -q "^$1" "$FAKE_LOG" || ((tries-- == 0)); do
		sleep 0.05
	done
	assert_sent "^$1\$"
	sleep 0.3
	kill_victim
}

# Sets VICTIM_WAS_RUNNING to 1 when the kill found popfetch still running.
kill_victim() {
	VICTIM_WAS_RUNNING=0
	kill -0 "$VICTIM" 2>/dev/null && VICTIM_WAS_RUNNING=1
	kill -KILL "$VICTIM" 2>/dev/null || true
	wait "$VICTIM" 2>/dev/null || true
	VICTIM=
}

@test "kill -9 in the middle of a message: fetched again whole, once, tmp/ cleaned" {
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
	kill_victim_after 'RETR 2' 200
	fake_stop

	{
		sc_login
		sc_listing "uid-1:$MSGS/1.eml" "uid-2:$MSGS/2.eml"
		sc_retr 1 "$MSGS/1.eml"
		sc_retr 2 "$MSGS/2.eml"
		sc_quit
	} >"$SC"
	fake_start "$SC" --port "$FAKE_PORT"
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	# Message 1 had arrived but was not yet synced into new/ when the
	# run was killed: not delivered, so fetched again, and only once.
	assert_maildir_equals "$MSGS"
}

@test "kill -9 at several points of a 2,000-message run: each message exactly once" {
	rc_dovecot dv tls | rc_write
	local delay partial=0
	for delay in 0.02 0.06 0.1 0.15 0.25 0.4; do
		dovecot_clear
		dovecot_add_dir "$MANY"
		rm -rf "$MAILDIR" "$STATE_DIR"
		start_victim
		sleep "$delay"
		kill_victim
		# Mid-transfer: still running, with deliveries under way.
		if ((VICTIM_WAS_RUNNING)) &&
		    compgen -G "$STATE_DIR/*.journal" >/dev/null; then
			partial=$((partial + 1))
		fi
		pf
		assert_success
		assert_maildir_equals "$MANY"
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
	assert_maildir_equals "$MANY"
	assert_equal "$(dovecot_count)" 0
}

@test "a long run records as it goes: after a kill -9 the first 256 messages are not fetched again" {
	local -a list=()
	local i files=("$MANY"/*)
	for ((i = 1; i <= 258; i++)); do
		list+=("uid-$i:${files[i - 1]}")
	done
	{
		sc_login
		sc_listing "${list[@]}"
		for ((i = 1; i <= 257; i++)); do
			sc_retr "$i" "${files[i - 1]}"
		done
		echo "C: RETR 258"
		echo "S: +OK 100 octets"
		echo "S: From: fake@example.org"
		echo "SLEEP 30"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep on" | rc_write
	start_victim
	kill_victim_after 'RETR 258' 400
	fake_stop
	# The first 256 were synced into new/ and recorded on the way.
	assert [ "$(find "$MAILDIR/new" -type f | wc -l)" -ge 256 ]

	{
		sc_login
		sc_listing "${list[@]}"
		sc_retr 257 "${files[256]}"
		sc_retr 258 "${files[257]}"
		sc_quit
	} >"$SC"
	fake_start "$SC" --port "$FAKE_PORT"
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	refute_sent '^RETR (1|[0-9]{1,2}|1[0-9]{2}|2[0-4][0-9]|25[0-6])$'
	mkdir "$BATS_TEST_TMPDIR/want"
	cp "${files[@]:0:258}" "$BATS_TEST_TMPDIR/want/"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want"
}
