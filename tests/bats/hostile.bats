#!/usr/bin/env bats
# A hostile or broken server (scripted): huge lines, bad UIDs, bodies longer
# than announced, bare LFs, a connection lost mid-message, a silent server.
# The client stops with 76 (or 75), delivers nothing of a bad message, and
# sends no QUIT after an error.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	mkdir -p "$BATS_FILE_TMPDIR/msgs"
	local i
	for i in 1 2 3; do
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

# bad_uidl UIDL-LINES...: a server whose UIDL answer is the given lines
# (STAT says 2 messages); the client must stop with 76 and deliver nothing.
bad_uidl() {
	{
		sc_login
		echo "C: STAT"
		echo "S: +OK 2 200"
		echo "C: UIDL"
		echo "S: +OK"
		local l
		for l in "$@"; do
			echo "$l"
		done
		echo "S: ."
		echo "C: LIST"
		echo "S: +OK"
		echo "S: 1 100"
		echo "S: 2 100"
		echo "S: ."
		echo "EXPECT-EOF"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep on" | rc_write
	pf
	assert_failure 76
	assert_equal "$(maildir_count)" 0
	fake_wait
	refute_sent '^(RETR|DELE|QUIT)'
}

@test "a 10 MB greeting line: 76 quickly, memory bounded" {
	fake_start big-greeting
	rc_fake f plain "keep on" | rc_write
	pf_maxrss -V
	local base=$PF_MAXRSS
	local t0=$SECONDS
	pf_maxrss
	assert_failure 76
	(( SECONDS - t0 < 10 ))
	# Buffering the line would take 10 MB or more over the baseline.
	(( PF_MAXRSS - base < 6144 )) ||
	    fail "peak RSS ${PF_MAXRSS} KiB, baseline ${base} KiB"
	fake_wait
	refute_sent '^(USER|PASS)'
}

@test "a 10 MB line in the UIDL listing: 76, memory bounded" {
	fake_start big-uidl-line
	rc_fake f plain "keep on" | rc_write
	pf_maxrss -V
	local base=$PF_MAXRSS
	pf_maxrss
	assert_failure 76
	(( PF_MAXRSS - base < 6144 )) ||
	    fail "peak RSS ${PF_MAXRSS} KiB, baseline ${base} KiB"
	assert_equal "$(maildir_count)" 0
}

@test "a UID with a space: 76" {
	bad_uidl "S: 1 uid-one" "S: 2 uid two"
}

@test "a UID with a control character: 76" {
	bad_uidl "S: 1 uid-one" 'RAW 2 uid\x01two\r\n'
}

@test "a UID of 71 characters: 76" {
	bad_uidl "S: 1 uid-one" "S: 2 $(printf 'u%.0s' {1..71})"
}

@test "an empty UID: 76" {
	bad_uidl "S: 1 uid-one" "S: 2 "
}

@test "a duplicate UID: 76" {
	bad_uidl "S: 1 same-uid" "S: 2 same-uid"
}

@test "a message number beyond STAT's count: 76" {
	bad_uidl "S: 1 uid-one" "S: 2 uid-two" "S: 3 uid-three"
}

@test "a UID of 70 characters is fine" {
	local uid
	uid=$(printf 'u%.0s' {1..70})
	{
		sc_login
		sc_listing "$uid:$MSGS/1.eml"
		sc_retr 1 "$MSGS/1.eml"
		sc_quit
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep on" | rc_write
	pf
	assert_success
	mkdir "$BATS_TEST_TMPDIR/want"
	cp "$MSGS/1.eml" "$BATS_TEST_TMPDIR/want/"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want"
}

@test "a body far beyond its LIST size: 76, nothing of it delivered" {
	# LIST says 60 octets; the body is 2 MB.
	python3 -c 'import sys
sys.stdout.write("From: fake@example.org\nSubject: big\n\n")
for i in range(20000):
    sys.stdout.write("%099d\n" % i)' >"$BATS_TEST_TMPDIR/huge.eml"
	{
		sc_login
		echo "C: STAT"
		echo "S: +OK 1 60"
		echo "C: UIDL"
		echo "S: +OK"
		echo "S: 1 uid-huge"
		echo "S: ."
		echo "C: LIST"
		echo "S: +OK"
		echo "S: 1 60"
		echo "S: ."
		echo "C: RETR 1"
		echo "S: +OK 60 octets"
		echo "MSG $BATS_TEST_TMPDIR/huge.eml"
		echo "EXPECT-EOF"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_failure 76
	assert_equal "$(maildir_count)" 0
	assert_equal "$(find "$MAILDIR/tmp" -type f 2>/dev/null | wc -l)" 0
	fake_wait
	refute_sent '^(DELE|QUIT)'
}

@test "a bare-LF dot line inside a message is data; only CRLF.CRLF ends it" {
	fake_start bare-lf-dot
	rc_fake f plain "keep on" | rc_write
	pf
	assert_success
	mkdir "$BATS_TEST_TMPDIR/want"
	printf 'From: fake@example.org\nSubject: one\n\nline\n.\nmore\nend\n' \
	    >"$BATS_TEST_TMPDIR/want/1"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want"
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "connection lost mid-message: 75; earlier messages kept, not fetched again" {
	# First run: messages 1 and 2 arrive, 3 is cut off.
	{
		sc_login
		sc_listing "uid-1:$MSGS/1.eml" "uid-2:$MSGS/2.eml" "uid-3:$MSGS/3.eml"
		sc_retr 1 "$MSGS/1.eml"
		sc_retr 2 "$MSGS/2.eml"
		echo "C: RETR 3"
		echo "S: +OK $(pop_size "$MSGS/3.eml") octets"
		echo "S: From: fake@example.org"
		echo "S: Subject: mess"
		echo "CLOSE"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep on" | rc_write
	pf
	assert_failure 75
	assert_output --regexp '^f: '
	mkdir "$BATS_TEST_TMPDIR/want"
	cp "$MSGS/1.eml" "$MSGS/2.eml" "$BATS_TEST_TMPDIR/want/"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want"
	fake_wait

	# Second run, same server (same port: the state is per user@host:port):
	# only message 3 is fetched.
	{
		sc_login
		sc_listing "uid-1:$MSGS/1.eml" "uid-2:$MSGS/2.eml" "uid-3:$MSGS/3.eml"
		sc_retr 3 "$MSGS/3.eml"
		sc_quit
	} >"$SC"
	fake_start "$SC" --port "$FAKE_PORT"
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	refute_sent '^RETR [12]$'
	cp "$MSGS/3.eml" "$BATS_TEST_TMPDIR/want/"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want"
}

@test "connection lost mid-message with keep off: nothing deleted of it, no QUIT" {
	{
		sc_login
		sc_listing "uid-1:$MSGS/1.eml" "uid-2:$MSGS/2.eml"
		sc_retr 1 "$MSGS/1.eml"
		echo "C: DELE 1"
		echo "S: +OK"
		echo "C: RETR 2"
		echo "S: +OK $(pop_size "$MSGS/2.eml") octets"
		echo "S: From: fake@example.org"
		echo "CLOSE"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_failure 75
	fake_wait
	refute_sent '^(DELE 2|QUIT)'
	mkdir "$BATS_TEST_TMPDIR/want"
	cp "$MSGS/1.eml" "$BATS_TEST_TMPDIR/want/"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want"
}

@test "a server that stops answering: 75 after the timeout" {
	fake_start read-timeout
	rc_fake f plain "keep on" "timeout 2" | rc_write
	local t0=$SECONDS
	pf
	assert_failure 75
	(( SECONDS - t0 < 8 )) || fail "took $((SECONDS - t0)) s with timeout 2"
	assert_equal "$(maildir_count)" 0
}

@test "a greeting that is not +OK: 76" {
	printf 'S: * OK IMAP4rev1 ready\nEXPECT-EOF\n' >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_failure 76
	fake_wait
	refute_sent '^(USER|PASS)'
}

@test "CAPA answered -ERR: no capabilities, USER/PASS and UIDL still work" {
	{
		echo "S: +OK old server"
		echo "C: CAPA"
		echo "S: -ERR what is CAPA"
		echo "C: USER test"
		echo "S: +OK"
		echo "C: PASS *"
		echo "S: +OK"
		sc_listing "uid-1:$MSGS/1.eml"
		sc_retr 1 "$MSGS/1.eml"
		sc_quit
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain "keep on" | rc_write
	pf
	assert_success
	fake_wait
	assert_equal "$FAKE_STATUS" 0
	mkdir "$BATS_TEST_TMPDIR/want"
	cp "$MSGS/1.eml" "$BATS_TEST_TMPDIR/want/"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want"
}

@test "CAPA answered -ERR with tls_starttls on: 69, no USER or PASS sent" {
	{
		echo "S: +OK old server"
		echo "C: CAPA"
		echo "S: -ERR what is CAPA"
		echo "EXPECT-EOF"
	} >"$SC"
	fake_start "$SC"
	rc_fake f starttls | rc_write
	pf
	assert_failure 69
	fake_wait
	refute_sent '^(USER|PASS|AUTH)'
}

@test "the connection drops instead of answering QUIT: nothing fetched twice" {
	# keep off: DELE 1 was sent, but without the QUIT answer the server may
	# not have deleted it.  The next run must not deliver it again.
	{
		sc_login
		sc_listing "uid-1:$MSGS/1.eml"
		sc_retr 1 "$MSGS/1.eml"
		echo "C: DELE 1"
		echo "S: +OK"
		echo "C: QUIT"
		echo "CLOSE"
	} >"$SC"
	fake_start "$SC"
	rc_fake f plain | rc_write
	pf
	assert_failure 75
	fake_wait

	{
		sc_login
		sc_listing "uid-1:$MSGS/1.eml" "uid-2:$MSGS/2.eml"
		sc_retr 2 "$MSGS/2.eml"
		sc_quit
	} >"$SC"
	fake_start "$SC" --port "$FAKE_PORT"
	pf -k
	assert_success
	fake_wait
	refute_sent '^RETR 1$'
	mkdir "$BATS_TEST_TMPDIR/want"
	cp "$MSGS/1.eml" "$MSGS/2.eml" "$BATS_TEST_TMPDIR/want/"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want"
}
