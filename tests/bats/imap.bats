#!/usr/bin/env bats
# delivery imap into a real Dovecot (dovecot-imapd): the same throwaway
# server serves POP3 for the user "test" and IMAP for "dest"; the faults
# come from tests/lib/imapproxy.py in front of its IMAP port.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	# The authorization server Dovecot asks about XOAUTH2 tokens.
	export AS_LOG=$BATS_FILE_TMPDIR/as.log AS_MODE=$BATS_FILE_TMPDIR/as.mode
	echo '{}' >"$AS_MODE"
	python3 "$TESTS_LIB/oauthserver.py" --port-file "$BATS_FILE_TMPDIR/as.port" \
	    --cert "$CERTS_DIR/server.pem" --key "$CERTS_DIR/server-key.pem" \
	    --log "$AS_LOG" --mode "$AS_MODE" </dev/null \
	    >"$BATS_FILE_TMPDIR/as.err" 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/as.pid"
	export AS_URL=https://127.0.0.1:$(port_file_wait "$BATS_FILE_TMPDIR/as.port")
	export DOVECOT_OAUTH2_URL=$AS_URL/introspect
	export DOVECOT_IMAP=1
	export DOVECOT_MECHANISMS="plain login scram-sha-256"
	dovecot_start
}

teardown_file() {
	dovecot_stop
	pid_stop "$(cat "$BATS_FILE_TMPDIR/as.pid")"
}

setup() {
	common_setup
	dovecot_clear
	DEST=$(dovecot_maildir "$DOVECOT_IMAP_USER")
	rm -rf "$DEST"
	PROXY_PID=
	MSGS=$BATS_TEST_TMPDIR/msgs
	mkdir -p "$MSGS"
	local i
	for i in 1 2 3; do
		printf 'From: sender@example.org\nTo: test@example.org\nSubject: message %d\nMessage-ID: <%d.%s@example.org>\n\nbody %d\n.a line with a dot\n' \
		    "$i" "$i" "$RANDOM$RANDOM" "$i" >"$MSGS/m$i"
	done
	# One with a Date, for APPEND's date-time; none on the others.
	sed -i '1i Date: Tue, 1 Aug 2023 10:20:30 +0200' "$MSGS/m1"
	dovecot_add_dir "$MSGS"
}

teardown() {
	proxy_stop
}

# proxy_start [imapproxy options...]: the fault in front of Dovecot's
# plain IMAP port; PROXY_PORT, PROXY_LOG.
proxy_start() {
	proxy_stop
	PROXY_LOG=$BATS_TEST_TMPDIR/proxy.log
	local portfile=$BATS_TEST_TMPDIR/proxy.port
	rm -f "$portfile"
	python3 "$TESTS_LIB/imapproxy.py" --port-file "$portfile" \
	    --to "$DOVECOT_IMAP_PORT" --log "$PROXY_LOG" "$@" \
	    </dev/null >"$BATS_TEST_TMPDIR/proxy.err" 2>&1 3>&- &
	PROXY_PID=$!
	PROXY_PORT=$(port_file_wait "$portfile")
}

proxy_stop() {
	pid_stop "${PROXY_PID:-}"
	PROXY_PID=
}

# rc_imap POPMODE URL [lines...]: the Dovecot account delivering to URL.
rc_imap() {
	local mode=$1 url=$2
	shift 2
	rc_dovecot dv "$mode" "delivery imap $url" \
	    "imap_user $DOVECOT_IMAP_USER" "imap_password $DOVECOT_IMAP_PASS" \
	    "$@" | rc_write
}

# The messages in folder DIR of the IMAP user's Maildir.
dest_count() {
	find "${1:-$DEST}/new" "${1:-$DEST}/cur" -type f 2>/dev/null | wc -l
}

# proxy_rc [imapproxy options...]: the proxy, and the account through it.
proxy_rc() {
	proxy_start "$@"
	rc_imap tls "imap://127.0.0.1:$PROXY_PORT/" "imap_tls off"
}

# A run whose first APPEND the link loses after the literal: Dovecot has
# that message, popfetch cannot know, and nothing more is sent.
lost_after_literal() {
	proxy_rc --fault drop --on 1
	pf
	assert_failure 75
	assert_output --partial "may have taken it"
	assert_equal "$(grep -c '^## APPEND' "$PROXY_LOG")" 1
	assert_equal "$(dest_count)" 1
	assert_equal "$(dovecot_count)" 3
}

# The run after: the first message is found by its Message-ID, the other
# two are sent (three APPENDs in all), and the POP server is empty.
found_by_message_id() {
	proxy_rc
	pf -v
	assert_success
	assert_output --partial "there, not sent again"
	assert_equal "$(grep -c '^## APPEND' "$PROXY_LOG")" 3
	assert_maildir_equals "$MSGS" "$DEST"
	assert_equal "$(dovecot_count)" 0
}

@test "imaps: three messages into INBOX byte for byte, once each, deleted from the POP server, APPENDUID noted" {
	rc_imap tls "imaps://127.0.0.1:$DOVECOT_IMAPS_PORT/" "imap_auth plain"
	pf -vv
	assert_success
	# Dovecot stores the CRLF literal with LF line ends, as written.
	assert_maildir_equals "$MSGS" "$DEST"
	assert_equal "$(dovecot_count)" 0
	assert_output --partial "IMAP > P"
	assert_output --partial "AUTHENTICATE PLAIN ****"
	refute_output --partial "$DOVECOT_IMAP_PASS"
	assert_equal "$(grep -c ' APPENDUID [0-9]* [0-9]* <[0-9]*\.[0-9]*@example.org>$' "$STATE_DIR"/*.imap)" 3
	# The Date header is the internal date (a Maildir file's mtime).
	assert_output --partial 'APPEND "INBOX" " 1-Aug-2023 10:20:30 +0200" {'
	local f
	# No flags: the message is new (unseen), in new/.
	f=$(grep -l '^Subject: message 1$' "$DEST"/new/*)
	assert_equal "$(stat -c %Y "$f")" "$(date -d '2023-08-01 08:20:30 UTC' +%s)"
	# A second run has nothing new to deliver.
	pf
	assert_success
	assert_equal "$(dest_count)" 3
}

@test "imap:// with STARTTLS, the folder URL-decoded and created on TRYCREATE" {
	rc_imap tls "imap://127.0.0.1:$DOVECOT_IMAP_PORT/From%20POP"
	pf -vv
	assert_success
	assert_output --regexp 'IMAP > P[0-9]+ STARTTLS'
	assert_output --partial "TLS established with IMAP server"
	assert_output --regexp 'IMAP < P[0-9]+ NO \[TRYCREATE\]'
	assert_equal "$(grep -c 'CREATE "From POP"' <<<"$output")" 1
	assert_maildir_equals "$MSGS" "$DEST/.From POP"
	assert_equal "$(dest_count)" 0
	assert_equal "$(dovecot_count)" 0
}

@test "imaps to a server the account's CA does not vouch for: 69, no password sent, nothing deleted" {
	rc_imap plain "imaps://127.0.0.1:$DOVECOT_IMAPS_PORT/" \
	    "tls_trust_file $CERTS_DIR/self.pem"
	pf -vv
	assert_failure 69
	refute_output --regexp 'IMAP > '
	refute_output --partial "$DOVECOT_IMAP_PASS"
	assert_equal "$(dest_count)" 0
	assert_equal "$(dovecot_count)" 3
}

@test "imap:// without TLS: only to this machine and with imap_tls off; elsewhere 78 at --check" {
	rc_imap tls "imap://mail.example.org/" "imap_tls off"
	pf --check
	assert_failure 78
	assert_output --partial "imap_tls off for mail.example.org"
	assert_equal "$(dovecot_count)" 3
	rc_imap tls "imap://127.0.0.1:$DOVECOT_IMAP_PORT/Archive" "imap_tls off"
	pf --check
	assert_success
	assert_output --partial "into imap folder Archive on 127.0.0.1 port $DOVECOT_IMAP_PORT (no TLS) as dest"
	pf -vv
	assert_success
	refute_output --regexp 'IMAP > P[0-9]+ STARTTLS'
	assert_maildir_equals "$MSGS" "$DEST/.Archive"
}

@test "an APPEND answered NO: 75, that message stays on the POP server, the next run delivers it once" {
	proxy_rc --fault no --on 2
	pf
	assert_failure 75
	assert_output --partial "refused the message"
	assert_equal "$(dest_count)" 2
	assert_equal "$(dovecot_count)" 1
	proxy_rc
	pf
	assert_success
	assert_maildir_equals "$MSGS" "$DEST"
	assert_equal "$(dovecot_count)" 0
}

@test "a link lost after the literal: not sent again that run; the next run finds it by Message-ID" {
	lost_after_literal
	found_by_message_id
}

@test "the strongest mechanism both sides have: SCRAM-SHA-256 when the server offers it and imap_auth is auto" {
	rc_imap tls "imaps://127.0.0.1:$DOVECOT_IMAPS_PORT/"
	pf -vv
	assert_success
	assert_output --partial "as dest with SCRAM-SHA-256"
	refute_output --partial "AUTHENTICATE PLAIN"
	assert_maildir_equals "$MSGS" "$DEST"
	# Named, the method is the one used.
	dovecot_add_dir "$MSGS"
	rc_imap tls "imaps://127.0.0.1:$DOVECOT_IMAPS_PORT/Other" "imap_auth login"
	pf -vv
	assert_success
	assert_output --partial "AUTHENTICATE LOGIN"
	assert_maildir_equals "$MSGS" "$DEST/.Other"
}

@test "a server without LITERAL+: each literal waits for its +" {
	proxy_rc --no-literal-plus
	pf -vv
	assert_success
	assert_output --regexp 'IMAP > P[0-9]+ APPEND "INBOX" (".*" )?\{[0-9]+\}'
	refute_output --regexp 'APPEND .*\+\}'
	assert_output --regexp 'IMAP < \+ '
	assert_maildir_equals "$MSGS" "$DEST"
	assert_equal "$(dovecot_count)" 0
}

@test "a run that cannot reach the IMAP server keeps the note of a message sent without an answer" {
	lost_after_literal
	# The server is away for a run: nothing is sent, the note stays.
	proxy_stop
	pf
	assert_failure 75
	assert_equal "$(dovecot_count)" 3
	found_by_message_id
	grep -q ' FOUND <1\.' "$STATE_DIR"/*.imap
	# Settled: the next run that delivers carries no note of it.
	printf 'Subject: four\nMessage-ID: <4@example.org>\n\nfour\n' \
	    >"$BATS_TEST_TMPDIR/m4"
	dovecot_add_message "$BATS_TEST_TMPDIR/m4"
	pf
	assert_success
	refute grep -q '<1\.' "$STATE_DIR"/*.imap
	assert_equal "$(dest_count)" 4
}

@test "a server that offers no AUTHENTICATE mechanism gets LOGIN, here on loopback" {
	proxy_rc --no-auth
	pf -vv
	assert_success
	assert_output --regexp 'IMAP > LOGIN \*\*\*\*'
	refute_output --partial "AUTHENTICATE"
	refute_output --partial "$DOVECOT_IMAP_PASS"
	assert_maildir_equals "$MSGS" "$DEST"
}

@test "popfetch killed after the literal, before the answer: the next run finds the message by Message-ID" {
	proxy_rc --fault hold --on 1
	"$POPFETCH" -f "$RC" </dev/null >"$BATS_TEST_TMPDIR/run1.out" 2>&1 3>&- &
	local pid=$! tries=200
	while ! grep -q '^## HELD 1' "$PROXY_LOG" 2>/dev/null && ((tries-- > 0)); do
		sleep 0.05
	done
	grep -q '^## HELD 1' "$PROXY_LOG"
	kill -KILL "$pid"
	wait "$pid" || true
	# Dovecot stored it; the journal names it, the commit log only as sent.
	assert_equal "$(dest_count)" 1
	assert_equal "$(dovecot_count)" 3
	found_by_message_id
}

@test "the IMAP password: from imap_passwordeval; a program not in PATH is 78 at --check; none and no terminal is 77, nothing fetched" {
	rc_dovecot dv tls "delivery imap imaps://127.0.0.1:$DOVECOT_IMAPS_PORT/" \
	    "imap_user $DOVECOT_IMAP_USER" \
	    "imap_passwordeval no-such-program-here" | rc_write
	pf --check
	assert_failure 78
	assert_output --partial "imap_passwordeval"
	rc_dovecot dv tls "delivery imap imaps://127.0.0.1:$DOVECOT_IMAPS_PORT/" \
	    "imap_user $DOVECOT_IMAP_USER" | rc_write
	HOME=$BATS_TEST_TMPDIR pf </dev/null
	assert_failure 77
	assert_output --partial "no password for dv's IMAP login as dest"
	assert_equal "$(dovecot_count)" 3
	rc_dovecot dv tls "delivery imap imaps://127.0.0.1:$DOVECOT_IMAPS_PORT/" \
	    "imap_user $DOVECOT_IMAP_USER" \
	    "imap_passwordeval printf %s $DOVECOT_IMAP_PASS" | rc_write
	pf
	assert_success
	assert_maildir_equals "$MSGS" "$DEST"
}

@test "imap_auth xoauth2: the token imap_passwordeval prints, named, over TLS" {
	local token
	token=$(python3 -c 'import json, ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2])
r = urllib.request.urlopen(sys.argv[1] + "/token",
    b"grant_type=refresh_token&refresh_token=rt-0", context=ctx)
print(json.load(r)["access_token"])' "$AS_URL" "$CERTS_DIR/ca.pem")
	# The token's user is Dovecot's POP user: its Archive folder.
	rc_dovecot dv tls "delivery imap imaps://127.0.0.1:$DOVECOT_IMAPS_PORT/Archive" \
	    "imap_user $DOVECOT_USER" "imap_auth xoauth2" \
	    "imap_passwordeval printf %s $token" | rc_write
	pf -vv
	assert_success
	assert_output --partial "AUTHENTICATE XOAUTH2 ****"
	refute_output --partial "$token"
	assert_maildir_equals "$MSGS" "$DOVECOT_MAILDIR/.Archive"
	assert_equal "$(dovecot_count)" 0
	# A token the server does not know: 77, nothing deleted.
	dovecot_add_dir "$MSGS"
	rc_dovecot dv tls "delivery imap imaps://127.0.0.1:$DOVECOT_IMAPS_PORT/Archive" \
	    "imap_user $DOVECOT_USER" "imap_auth xoauth2" \
	    "imap_passwordeval printf %s at-999" | rc_write
	pf
	assert_failure 77
	assert_output --partial "imap_passwordeval"
	assert_equal "$(dovecot_count)" 3
}
