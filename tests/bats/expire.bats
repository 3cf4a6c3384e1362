#!/usr/bin/env bats
# A server whose EXPIRE lets retrieved mail go at QUIT (Gmail's EXPIRE 0
# hides whatever a session that ends with QUIT retrieved): a session that
# retrieved a message and did not deliver it ends without QUIT; and a run
# goes on with further sessions while the last one delivered new mail, so
# that a listing capped per session (Gmail's) leaves no mail behind.

load ../lib/common

setup_file() {
	mkdir -p "$BATS_FILE_TMPDIR/msgs"
	local s
	for s in one two three; do
		printf 'From: fake@example.org\nSubject: %s\n\n%s body\n' \
		    "$s" "$s" >"$BATS_FILE_TMPDIR/msgs/$s.eml"
	done
	mkdir -p "$BATS_FILE_TMPDIR/many"
	for s in $(seq 1 12); do
		printf 'From: fake@example.org\nSubject: m%s\n\nbody %s\n' \
		    "$s" "$s" >"$BATS_FILE_TMPDIR/many/m$s.eml"
	done
	export MANY=$BATS_FILE_TMPDIR/many
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

sc_dele() {
	echo "C: DELE $1"
	echo "S: +OK"
}

# sc_again_empty [CAPS...]: the next session finds nothing.
sc_again_empty() {
	echo CONNECTION
	sc_login "$@"
	sc_empty
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
		# New mail was delivered: the listing may have been capped.
		sc_again_empty "EXPIRE 0"
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

# sc_capped FIRST LAST [CAPS...]: one session of a server whose listing
# holds messages mFIRST..mLAST (UIDs uFIRST..): each is fetched, deleted,
# then QUIT.
sc_capped() {
	local first=$1 last=$2 i n
	shift 2
	local -a list=()
	for ((i = first; i <= last; i++)); do
		list+=("u$i:$MANY/m$i.eml")
	done
	sc_login "$@"
	sc_listing "${list[@]}"
	n=0
	for ((i = first; i <= last; i++)); do
		n=$((n + 1))
		sc_retr "$n" "$MANY/m$i.eml"
		sc_dele "$n"
	done
	sc_quit
}

# The seconds between the starts of connections $1 and $2 of the fake.
fake_gap() {
	awk -v a="$1" -v b="$2" '$2 == "connection" && $3 == a { x = $5 }
	    $2 == "connection" && $3 == b { y = $5 }
	    END { printf "%.3f\n", y - x }' "$FAKE_LOG"
}

@test "EXPIRE 0, a listing capped at 5, 12 messages: one run, 3 sessions, each delivered once" {
	write_mda none
	{
		sc_capped 1 5 "EXPIRE 0"
		echo CONNECTION
		sc_capped 6 10 "EXPIRE 0"
		echo CONNECTION
		sc_capped 11 12 "EXPIRE 0"
	} >"$SC"
	run_fake --json
	assert_success
	assert_equal "$(grep -c '^## connection' "$FAKE_LOG")" 3
	assert_maildir_equals "$MANY"
	assert_output --partial '"messages":12,"new":12,"fetched":12,"deleted":12'
	# Nothing is left: the next run's one session lists nothing.
	{
		sc_login "EXPIRE 0"
		sc_empty
	} >"$SC"
	run_fake
	assert_success
	assert_maildir_equals "$MANY"
}

@test "EXPIRE 0, LOGIN-DELAY 1: the next session waits a second after the last login" {
	write_mda none
	{
		sc_capped 1 5 "EXPIRE 0" "LOGIN-DELAY 1"
		echo CONNECTION
		sc_capped 6 7 "EXPIRE 0" "LOGIN-DELAY 1"
	} >"$SC"
	run_fake -v
	assert_success
	assert_equal "$(grep -c '^## connection' "$FAKE_LOG")" 2
	run awk -v g="$(fake_gap 1 2)" 'BEGIN { exit !(g >= 0.95) }'
	assert_success
	cp "$MANY"/m[1-7].eml "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "EXPIRE 0, LOGIN-DELAY 900: one session, the rest waits for the next run (not an error)" {
	write_mda none
	sc_capped 1 5 "EXPIRE 0" "LOGIN-DELAY 900" >"$SC"
	run_fake -v
	assert_success
	assert_output --partial "next run"
	refute_output --partial "error"
	assert_equal "$(grep -c '^## connection' "$FAKE_LOG")" 1
	cp "$MANY"/m[1-5].eml "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "no EXPIRE, 5 messages listed: exactly one session" {
	write_mda none
	sc_capped 1 5 >"$SC"
	run_fake
	assert_success
	assert_equal "$(grep -c '^## connection' "$FAKE_LOG")" 1
	cp "$MANY"/m[1-5].eml "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "EXPIRE 0, capped: the 2nd session fails: exit 75, the 1st's recorded; the next run delivers the rest once" {
	write_mda none
	{
		sc_capped 1 5 "EXPIRE 0"
		echo CONNECTION
		sc_login "EXPIRE 0"
		sc_listing "u6:$MANY/m6.eml" "u7:$MANY/m7.eml"
		sc_retr 1 "$MANY/m6.eml"
		echo "CLOSE"
	} >"$SC"
	run_fake
	assert_failure 75
	assert_equal "$(grep -c '^## connection' "$FAKE_LOG")" 2

	# No QUIT: 6 and 7 are listed again; 6, delivered, is only deleted.
	{
		sc_login "EXPIRE 0"
		sc_listing "u6:$MANY/m6.eml" "u7:$MANY/m7.eml"
		sc_dele 1
		sc_retr 2 "$MANY/m7.eml"
		sc_dele 2
		sc_quit
		sc_again_empty "EXPIRE 0"
	} >"$SC"
	run_fake
	assert_success
	cp "$MANY"/m[1-7].eml "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "EXPIRE 0, LOGIN-DELAY 30: SIGTERM during the wait between sessions stops the run at once (75)" {
	write_mda none
	sc_capped 1 5 "EXPIRE 0" "LOGIN-DELAY 30" >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep off" "delivery mda $BIN/mda $MAILDIR" | rc_write
	local err=$BATS_TEST_TMPDIR/stderr pid rc=0 tries=200 t0
	timeout -k 5 60 "$POPFETCH" -f "$RC" -v 2>"$err" &
	pid=$!
	until grep -q "LOGIN-DELAY of 30 seconds" "$err" || ((tries-- == 0)); do
		sleep 0.05
	done
	t0=$SECONDS
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	assert_equal "$rc" 75
	((SECONDS - t0 <= 2))
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	cp "$MANY"/m[1-5].eml "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "EXPIRE 0, capped at 5, max_messages 7: the 2nd session fetches 2, and the run ends there" {
	write_mda none
	{
		sc_capped 1 5 "EXPIRE 0"
		echo CONNECTION
		sc_login "EXPIRE 0"
		sc_listing "u6:$MANY/m6.eml" "u7:$MANY/m7.eml" "u8:$MANY/m8.eml" \
		    "u9:$MANY/m9.eml" "u10:$MANY/m10.eml"
		sc_retr 1 "$MANY/m6.eml"
		sc_dele 1
		sc_retr 2 "$MANY/m7.eml"
		sc_dele 2
		sc_quit
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep off" "max_messages 7" \
	    "delivery mda $BIN/mda $MAILDIR" | rc_write
	pf --json
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	assert_success
	assert_output --partial '"fetched":7,"deleted":7'
	assert_equal "$(grep -c '^## connection' "$FAKE_LOG")" 2
	cp "$MANY"/m[1-7].eml "$WANT/"
	assert_maildir_equals "$WANT"
}

@test "EXPIRE 0, capped: a filter without a verdict does not stop the next session; the run ends in its error (78)" {
	write_mda none
	printf '#!/bin/sh\ncat >/dev/null\nexit 1\n' >"$BIN/filter"
	chmod 755 "$BIN/filter"
	{
		sc_login "EXPIRE 0"
		sc_listing "u1:$MANY/m1.eml" "u2:$MANY/m2.eml"
		echo "C: TOP 1 0"
		echo "S: +OK"
		echo "MSG $MANY/m1.eml"
		echo "C: TOP 2 0"
		echo "S: +OK"
		echo "MSG $MANY/m2.eml"
		sc_retr 1 "$MANY/m1.eml"
		sc_dele 1
		sc_retr 2 "$MANY/m2.eml"
		sc_dele 2
		sc_quit
		echo CONNECTION
		sc_login "EXPIRE 0"
		sc_listing "u3:$MANY/m3.eml"
		echo "C: TOP 1 0"
		echo "S: +OK"
		echo "MSG $MANY/m3.eml"
		sc_retr 1 "$MANY/m3.eml"
		sc_dele 1
		sc_quit
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep off" "filter $BIN/filter" \
	    "delivery mda $BIN/mda $MAILDIR" | rc_write
	pf
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	assert_failure 78
	assert_output --partial "no verdict on 3 messages"
	cp "$MANY"/m[1-3].eml "$WANT/"
	assert_maildir_equals "$WANT"
}
