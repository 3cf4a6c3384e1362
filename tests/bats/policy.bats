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

# A filter that decides by the Subject, and logs what it was asked.
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
	delete-me) exit 1;;
	skip-me) exit 2;;
	*) exit 3;;
	esac
	EOS
	chmod +x "$FILTER"
}

@test "filter: 0 fetches, 1 deletes unread, 2 skips, anything else keeps it and fails with 74" {
	write_filter
	msg "$SRC/f.eml" fetch-me
	msg "$BATS_TEST_TMPDIR/d.eml" delete-me
	msg "$BATS_TEST_TMPDIR/s.eml" skip-me
	msg "$BATS_TEST_TMPDIR/b.eml" broken
	local m
	for m in "$SRC/f.eml" "$BATS_TEST_TMPDIR/d.eml" "$BATS_TEST_TMPDIR/s.eml" "$BATS_TEST_TMPDIR/b.eml"; do
		dovecot_add_message "$m"
	done
	rc_dovecot dv tls "received_header off" "keep on" "filter $FILTER" |
	    rc_write
	pf
	assert_failure 74
	assert_output --partial "exited with 3"
	assert_output --partial "filter gave no verdict on 1 message"
	assert_maildir_equals "$SRC"
	# delete-me is gone; skip-me, broken and (keep on) fetch-me stay.
	assert_equal "$(dovecot_count)" 3
	refute grep -q "BODY SEEN" "$FILTER_LOG"
	assert_equal "$(wc -l <"$FILTER_LOG")" 4
}

@test "filter: asked once per message; a skip is asked again, a fetch is not" {
	write_filter
	msg "$SRC/f.eml" fetch-me
	msg "$BATS_TEST_TMPDIR/s.eml" skip-me
	dovecot_add_message "$SRC/f.eml"
	dovecot_add_message "$BATS_TEST_TMPDIR/s.eml"
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
	msg "$BATS_TEST_TMPDIR/d.eml" delete-me
	dovecot_add_message "$BATS_TEST_TMPDIR/d.eml"
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

@test "filter: a command that cannot run is an error naming it" {
	msg "$SRC/f.eml" fetch-me
	dovecot_add_message "$SRC/f.eml"
	rc_dovecot dv tls "filter /nonexistent/filter" | rc_write
	pf
	assert_failure 78
	assert_output --partial "/nonexistent/filter"
	assert_equal "$(dovecot_count)" 1
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
