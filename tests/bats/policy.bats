#!/usr/bin/env bats
# What happens to a message before and around delivery: the Received trace
# header, max_size, kill_size, max_messages, filter, keep DURATION, and the
# counts each shows in the summary.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	dovecot_start
}

teardown_file() {
	dovecot_stop
}

# msg FILE SUBJECT [BODY-BYTES]: a message with that subject.
msg() {
	local f=$1 subject=$2 n=${3:-10}
	{
		printf 'From: sender@example.org\nSubject: %s\n\n' "$subject"
		head -c "$n" /dev/zero | tr '\0' 'x'
		printf '\n'
	} >"$f"
}

setup() {
	common_setup
	dovecot_clear
	SRC=$BATS_TEST_TMPDIR/src
	mkdir -p "$SRC"
}

@test "received_header on (the default): one Received line, then the message as sent" {
	msg "$SRC/a.eml" hello
	dovecot_add_message "$SRC/a.eml"
	rc_dovecot dv tls "received_header on" | rc_write
	pf
	assert_success
	local f
	f=$(find "$MAILDIR/new" -type f)
	run head -n 3 "$f"
	assert_line --index 0 --regexp '^Received: from 127\.0\.0\.1 \(127\.0\.0\.1 \[127\.0\.0\.1\]\)$'
	assert_line --index 1 --regexp "^	by .+ with POP3S \(popfetch [0-9.]+\)$"
	assert_line --index 2 --regexp "^	for <$DOVECOT_USER>; [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [-+][0-9]{4}$"
	tail -n +4 "$f" | cmp - "$SRC/a.eml"
}

@test "received_header on without TLS says POP3" {
	msg "$SRC/a.eml" hello
	dovecot_add_message "$SRC/a.eml"
	rc_dovecot dv plain "received_header on" | rc_write
	pf
	assert_success
	run head -n 2 "$(find "$MAILDIR/new" -type f)"
	assert_line --index 1 --regexp ' with POP3 \('
}

@test "received_header off: delivery is byte-exact" {
	msg "$SRC/a.eml" hello
	dovecot_add_message "$SRC/a.eml"
	rc_dovecot dv tls "received_header off" | rc_write
	pf
	assert_success
	assert_maildir_equals "$SRC"
}

@test "max_size: a bigger message stays on the server and is named once" {
	msg "$SRC/small.eml" small 100
	msg "$BATS_TEST_TMPDIR/big.eml" big 5000
	dovecot_add_message "$SRC/small.eml"
	dovecot_add_message "$BATS_TEST_TMPDIR/big.eml"
	rc_dovecot dv tls "received_header off" "max_size 2K" | rc_write
	pf
	assert_success
	assert_maildir_equals "$SRC"
	assert_equal "$(dovecot_count)" 1
	assert_equal "$(grep -c 'over max_size' <<<"$output")" 1
	assert_output --partial "1 fetched"
	assert_output --partial "1 skipped"
}

@test "max_size holds for messages seen before, with only_new off and with -A" {
	msg "$SRC/small.eml" small 100
	msg "$BATS_TEST_TMPDIR/big.eml" big 5000
	dovecot_add_message "$SRC/small.eml"
	dovecot_add_message "$BATS_TEST_TMPDIR/big.eml"
	rc_dovecot dv tls "received_header off" "keep on" | rc_write
	pf
	assert_success
	assert_equal "$(maildir_count)" 2
	rc_dovecot dv tls "received_header off" "keep on" "only_new off" \
	    "max_size 2K" | rc_write
	pf
	assert_success
	assert_equal "$(maildir_count)" 3
	assert_equal "$(grep -c 'over max_size' <<<"$output")" 1
	rc_dovecot dv tls "received_header off" "keep on" "max_size 2K" |
	    rc_write
	pf -A
	assert_success
	assert_equal "$(maildir_count)" 4
	assert_equal "$(grep -c 'over max_size' <<<"$output")" 1
}

@test "kill_size: a bigger message is deleted unread" {
	msg "$SRC/small.eml" small 100
	msg "$BATS_TEST_TMPDIR/big.eml" big 5000
	dovecot_add_message "$SRC/small.eml"
	dovecot_add_message "$BATS_TEST_TMPDIR/big.eml"
	rc_dovecot dv tls "received_header off" "keep on" "kill_size 2K" |
	    rc_write
	pf
	assert_success
	assert_maildir_equals "$SRC"
	# keep on keeps what was fetched; kill_size still deletes the big one.
	assert_equal "$(dovecot_count)" 1
	assert_output --partial "over kill_size"
	assert_output --partial "1 deleted"
}

@test "kill_size: -k keeps even the bigger message this run" {
	msg "$BATS_TEST_TMPDIR/big.eml" big 5000
	dovecot_add_message "$BATS_TEST_TMPDIR/big.eml"
	rc_dovecot dv tls "received_header off" "kill_size 2K" | rc_write
	pf -k
	assert_success
	assert_equal "$(dovecot_count)" 1
	assert_equal "$(maildir_count)" 0
}

@test "max_messages: at most N per run, the rest next time" {
	local i
	for i in 1 2 3 4 5; do
		msg "$SRC/$i.eml" "m$i"
		dovecot_add_message "$SRC/$i.eml"
	done
	rc_dovecot dv tls "received_header off" "keep on" "max_messages 2" |
	    rc_write
	pf
	assert_success
	assert_equal "$(maildir_count)" 2
	assert_output --partial "3 more messages left for the next run"
	assert_output --partial "3 skipped"
	pf
	assert_equal "$(maildir_count)" 4
	pf
	assert_equal "$(maildir_count)" 5
	assert_maildir_equals "$SRC"
}

# write_filter [DELETE SKIP]: a filter that decides by the Subject and logs
# what it was asked; DELETE and SKIP are its exit codes for delete-me and
# skip-me (popfetch's 99 and 98 unless given).
write_filter() {
	FILTER=$BATS_TEST_TMPDIR/filter.sh
	FILTER_LOG=$BATS_TEST_TMPDIR/filter.log
	cat >"$FILTER" <<-EOS
	#!/bin/sh
	in=\$(cat)
	subject=\$(printf '%s\n' "\$in" | sed -n 's/^Subject: //p')
	echo "\$subject" >>"$FILTER_LOG"
	# Only the headers come: a body line here is a bug.
	case \$in in *xxxxxxxx*) echo "BODY SEEN" >>"$FILTER_LOG";; esac
	case \$subject in
	fetch-me) exit 0;;
	delete-me) exit ${1:-99};;
	skip-me) exit ${2:-98};;
	exit-*) exit \${subject#exit-};;
	killed) kill -9 \$\$;;
	hangs) exec sleep 30;;
	*) exit 3;;
	esac
	EOS
	chmod +x "$FILTER"
}

# add SUBJECT [DIR]: a message with that subject on the server, its file in
# DIR ($SRC, the messages expected in the Maildir) or aside.
add() {
	local f=${2:-$BATS_TEST_TMPDIR}/$1.eml
	msg "$f" "$1"
	dovecot_add_message "$f"
}

# A filter that reads nothing and does not end.
deaf_filter() {
	FILTER=$BATS_TEST_TMPDIR/filter.sh
	printf '#!/bin/sh\nexec sleep 30\n' >"$FILTER"
	chmod +x "$FILTER"
}

# big_headers FILE: a message with 200 KiB of headers, more than a pipe holds.
big_headers() {
	local i
	{
		printf 'From: sender@example.org\nSubject: big\n'
		for i in $(seq 2000); do
			printf 'X-Long-%d: %0100d\n' "$i" 0
		done
		printf '\nbody\n'
	} >"$1"
}

# stop_filtering: popfetch in the background, SIGTERM once the filter runs;
# STATUS and ELAPSED say how it ended.
stop_filtering() {
	"$POPFETCH" -f "$RC" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local pid=$! tries=200 start
	until pgrep -f "sleep 30" -P "$pid" >/dev/null ||
	    grep -q hangs "$FILTER_LOG" 2>/dev/null || ((tries-- == 0)); do
		sleep 0.05
	done
	sleep 0.3
	start=$SECONDS
	kill -TERM "$pid"
	STATUS=0
	wait "$pid" || STATUS=$?
	ELAPSED=$((SECONDS - start))
}

@test "filter: 0 fetches, 99 deletes unread, 98 leaves it on the server" {
	write_filter
	add fetch-me "$SRC"
	add delete-me
	add skip-me
	rc_dovecot dv tls "received_header off" "keep on" "filter $FILTER" |
	    rc_write
	pf
	assert_success
	assert_output --regexp "1 fetched \([^)]+\), 1 deleted, 1 skipped"
	assert_maildir_equals "$SRC"
	# delete-me is gone; skip-me and (keep on) fetch-me stay.
	assert_equal "$(dovecot_count)" 2
	refute grep -q "BODY SEEN" "$FILTER_LOG"
	assert_equal "$(wc -l <"$FILTER_LOG")" 3
}

@test "filter: 99 deletes unread with keep off too" {
	write_filter
	add delete-me
	add fetch-me "$SRC"
	rc_dovecot dv tls "received_header off" "filter $FILTER" | rc_write
	pf
	assert_success
	assert_maildir_equals "$SRC"
	assert_equal "$(dovecot_count)" 0
}

@test "filter: exit 1 and 2 are no verdict: fetched all the same, a warning each, and 78" {
	write_filter
	add exit-1 "$SRC"
	add exit-2 "$SRC"
	rc_dovecot dv tls "received_header off" "keep on" "filter $FILTER" |
	    rc_write
	pf
	assert_failure 78
	assert_output --regexp "dv: filter on message 1 \(UID [^)]+\): $FILTER exited with 1, not 0, 99 or 98; fetched all the same"
	assert_output --regexp "dv: filter on message 2 \(UID [^)]+\): $FILTER exited with 2, not 0, 99 or 98; fetched all the same"
	assert_output --partial "the filter gave no verdict on 2 messages, which were fetched all the same"
	assert_output --partial "a filter exits 0 to fetch, 99 to delete, 98 to leave on the server"
	assert_maildir_equals "$SRC"
	assert_equal "$(dovecot_count)" 2
	# Fetched is fetched: the next run neither asks nor fetches again.
	pf
	assert_success
	assert_equal "$(wc -l <"$FILTER_LOG")" 2
	assert_maildir_equals "$SRC"
}

@test "filter: a Python filter that raises on a Latin-1 header (exit 1), keep on: the message is fetched, not deleted" {
	local py
	py=$(command -v python3) || skip "no python3"
	FILTER=$BATS_TEST_TMPDIR/filter.py
	cat >"$FILTER" <<-EOS
	#!$py
	import sys
	headers = sys.stdin.buffer.read().decode("utf-8")
	sys.exit(99 if "Subject: spam" in headers else 0)
	EOS
	chmod +x "$FILTER"
	printf 'From: sender@example.org\nSubject: caf\351\n\nbody\n' \
	    >"$SRC/latin1.eml"
	dovecot_add_message "$SRC/latin1.eml"
	rc_dovecot dv tls "received_header off" "keep on" "filter $FILTER" |
	    rc_write
	pf
	assert_failure 78
	assert_output --partial "UnicodeDecodeError"
	assert_output --regexp "dv: filter on message 1 \(UID [^)]+\): $FILTER exited with 1, not 0, 99 or 98; fetched all the same"
	assert_maildir_equals "$SRC"
	assert_equal "$(dovecot_count)" 1
}

@test "filter: killed by a signal, or exiting 3: fetched, and with keep off deleted once delivered" {
	write_filter
	add killed "$SRC"
	add broken "$SRC"
	rc_dovecot dv tls "received_header off" "filter $FILTER" | rc_write
	pf
	assert_failure 78
	assert_output --regexp "dv: filter on message 1 \(UID [^)]+\): $FILTER was killed by signal 9; fetched all the same"
	assert_output --regexp "dv: filter on message 2 \(UID [^)]+\): $FILTER exited with 3, not 0, 99 or 98; fetched"
	assert_maildir_equals "$SRC"
	assert_equal "$(dovecot_count)" 0
}

@test "filter: one that does not end within timeout is killed; the message is fetched" {
	write_filter
	add hangs "$SRC"
	add fetch-me "$SRC"
	rc_dovecot dv tls "received_header off" "keep on" "timeout 2" \
	    "filter $FILTER" | rc_write
	pf
	assert_failure 78
	assert_output --regexp "dv: filter on message 1 \(UID [^)]+\): $FILTER did not end within 2 seconds; fetched all the same"
	assert_maildir_equals "$SRC"
	assert_equal "$(dovecot_count)" 2
}

@test "filter: one that reads nothing of 200 KiB of headers and never ends is killed at timeout; fetched" {
	deaf_filter
	big_headers "$SRC/big.eml"
	dovecot_add_message "$SRC/big.eml"
	rc_dovecot dv tls "received_header off" "keep on" "timeout 2" \
	    "filter $FILTER" | rc_write
	local start=$SECONDS
	pf
	assert_failure 78
	((SECONDS - start < 10)) || fail "took $((SECONDS - start)) s"
	assert_output --regexp "dv: filter on message 1 \(UID [^)]+\): $FILTER did not end within 2 seconds; fetched all the same"
	assert_maildir_equals "$SRC"
}

@test "filter: SIGTERM while it runs ends the run with 75 at once; the message stays, unread and not deleted" {
	write_filter
	add hangs
	rc_dovecot dv tls "received_header off" "filter $FILTER" | rc_write
	stop_filtering
	assert_equal "$STATUS" 75
	((ELAPSED <= 3)) || fail "took $ELAPSED s to stop"
	grep -q "stopped by signal" "$BATS_TEST_TMPDIR/out" ||
	    fail "$(cat "$BATS_TEST_TMPDIR/out")"
	assert_equal "$(maildir_count)" 0
	assert_equal "$(dovecot_count)" 1
}

@test "filter: SIGTERM while one that reads nothing holds up its headers: 75 at once" {
	deaf_filter
	big_headers "$BATS_TEST_TMPDIR/big.eml"
	dovecot_add_message "$BATS_TEST_TMPDIR/big.eml"
	rc_dovecot dv tls "received_header off" "filter $FILTER" | rc_write
	stop_filtering
	assert_equal "$STATUS" 75
	((ELAPSED <= 3)) || fail "took $ELAPSED s to stop"
	assert_equal "$(maildir_count)" 0
	assert_equal "$(dovecot_count)" 1
}

@test "filter: a command that cannot run: every message fetched, a warning naming it, 78" {
	add fetch-me "$SRC"
	add other "$SRC"
	rc_dovecot dv tls "received_header off" "keep on" \
	    "filter /nonexistent/filter" | rc_write
	pf
	assert_failure 78
	assert_output --regexp "dv: filter on message 1 \(UID [^)]+\): cannot run /nonexistent/filter: No such file or directory; fetched all the same"
	assert_output --partial "the filter gave no verdict on 2 messages"
	assert_maildir_equals "$SRC"
	assert_equal "$(dovecot_count)" 2
}

@test "filter_exit mpop: 1 deletes unread, 2 leaves it, 99 is no verdict" {
	write_filter 1 2
	add fetch-me "$SRC"
	add delete-me
	add skip-me
	add exit-99 "$SRC"
	rc_dovecot dv tls "received_header off" "keep on" "filter $FILTER" \
	    "filter_exit mpop" | rc_write
	pf
	assert_failure 78
	assert_output --regexp "dv: filter on message 4 \(UID [^)]+\): $FILTER exited with 99, not 0, 1 or 2; fetched all the same"
	assert_output --partial "a filter exits 0 to fetch, 1 to delete, 2 to leave on the server (filter_exit mpop)"
	assert_maildir_equals "$SRC"
	# delete-me is gone; skip-me and, kept, fetch-me and exit-99 stay.
	assert_equal "$(dovecot_count)" 3
	pf
	assert_success
	assert_equal "$(grep -c skip-me "$FILTER_LOG")" 2
}

@test "filter: asked once per message; one left on the server is asked again, a fetched one is not" {
	write_filter
	add fetch-me "$SRC"
	add skip-me
	rc_dovecot dv tls "received_header off" "keep on" "filter $FILTER" |
	    rc_write
	pf
	assert_success
	pf
	assert_success
	run cat "$FILTER_LOG"
	assert_equal "$(grep -c fetch-me "$FILTER_LOG")" 1
	assert_equal "$(grep -c skip-me "$FILTER_LOG")" 2
	assert_maildir_equals "$SRC"
}

@test "filter: a delete verdict is final, even when this run keeps the message" {
	write_filter
	add delete-me
	rc_dovecot dv tls "received_header off" "filter $FILTER" | rc_write
	pf -k
	assert_success
	assert_equal "$(dovecot_count)" 1
	pf
	assert_success
	assert_equal "$(dovecot_count)" 0
	assert_equal "$(grep -c delete-me "$FILTER_LOG")" 1
	assert_equal "$(maildir_count)" 0
}

@test "keep DURATION: kept until that long after the first fetch, then deleted" {
	msg "$SRC/a.eml" aged
	dovecot_add_message "$SRC/a.eml"
	rc_dovecot dv tls "received_header off" "keep 2s" | rc_write
	pf
	assert_success
	assert_equal "$(dovecot_count)" 1
	pf
	assert_success
	assert_equal "$(dovecot_count)" 1
	sleep 2.2
	pf
	assert_success
	assert_equal "$(dovecot_count)" 0
	assert_maildir_equals "$SRC"
}
