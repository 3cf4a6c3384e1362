#!/usr/bin/env bats
# delivery smtp and lmtp against a scripted mail server (tests/lib/fakesmtp.py)
# fetching from a real Dovecot: byte for byte, and for each fault the exit
# code, the words, nothing lost and nothing deleted from the POP server that
# the mail server did not accept.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	corpus_make "$BATS_FILE_TMPDIR/corpus"
	export CORPUS=$BATS_FILE_TMPDIR/corpus
	dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	common_setup
	dovecot_clear
	SMTP_MAILDIR=$BATS_TEST_TMPDIR/smtp-maildir
	SMTP_PID=
}

teardown() {
	smtp_stop
}

# smtp_start [fakesmtp options...]: the scripted server; SMTP_PORT, SMTP_LOG.
smtp_start() {
	smtp_stop
	SMTP_LOG=$BATS_TEST_TMPDIR/smtp.log
	local portfile=$BATS_TEST_TMPDIR/smtp.port
	rm -f "$portfile"
	python3 "$TESTS_LIB/fakesmtp.py" --port-file "$portfile" \
	    --maildir "$SMTP_MAILDIR" --log "$SMTP_LOG" "$@" \
	    </dev/null >"$BATS_TEST_TMPDIR/smtp.err" 2>&1 3>&- &
	SMTP_PID=$!
	local tries=100
	while [[ ! -s $portfile ]] && ((tries-- > 0)); do
		sleep 0.05
	done
	SMTP_PORT=$(cat "$portfile")
}

smtp_stop() {
	[[ -n ${SMTP_PID:-} ]] || return 0
	kill "$SMTP_PID" 2>/dev/null || true
	wait "$SMTP_PID" 2>/dev/null || true
	SMTP_PID=
}

# rc_smtp KIND [lines...]: the Dovecot account delivering over KIND.
rc_smtp() {
	local kind=$1
	shift
	rc_dovecot dv tls "delivery $kind 127.0.0.1:$SMTP_PORT" \
	    "recipient test@example.org" "$@" | rc_write
}

# Three small messages, named so that their order on the server is known.
three() {
	local d=$BATS_TEST_TMPDIR/three
	corpus_many "$d" 3
	dovecot_add_dir "$d"
	THREE=$d
}

@test "smtp: every message byte for byte, deleted from the POP server" {
	dovecot_add_dir "$CORPUS"
	smtp_start
	rc_smtp smtp
	pf
	assert_success
	assert_maildir_equals "$CORPUS" "$SMTP_MAILDIR"
	assert_equal "$(dovecot_count)" 0
	# One connection for the run, ended with QUIT.
	assert_equal "$(grep -c '^## CONNECT' "$SMTP_LOG")" 1
	grep -q '^QUIT' "$SMTP_LOG"
	# The 8-bit message was announced as such.
	grep -q 'BODY=8BITMIME' "$SMTP_LOG"
}

@test "lmtp over TCP: LHLO, every message byte for byte" {
	dovecot_add_dir "$CORPUS"
	smtp_start --lmtp
	rc_smtp lmtp
	pf
	assert_success
	assert_maildir_equals "$CORPUS" "$SMTP_MAILDIR"
	grep -q '^LHLO ' "$SMTP_LOG"
}

@test "smtp without PIPELINING, replies split across reads" {
	dovecot_add_dir "$CORPUS"
	smtp_start --no-pipelining --split
	rc_smtp smtp
	pf
	assert_success
	assert_maildir_equals "$CORPUS" "$SMTP_MAILDIR"
}

@test "smtp with PIPELINING, replies split across reads" {
	dovecot_add_dir "$CORPUS"
	smtp_start --split
	rc_smtp smtp
	pf
	assert_success
	assert_maildir_equals "$CORPUS" "$SMTP_MAILDIR"
}

@test "envelope_from and recipient: MAIL FROM and RCPT TO as written" {
	three
	smtp_start
	rc_smtp smtp "envelope_from bounces@example.net"
	pf
	assert_success
	assert_equal "$(grep -c '^MAIL FROM:<bounces@example.net>' "$SMTP_LOG")" 3
	assert_equal "$(grep -c '^RCPT TO:<test@example.org>' "$SMTP_LOG")" 3
	rc_smtp smtp "envelope_from empty"
	dovecot_add_dir "$THREE"
	pf -A
	assert_success
	grep -q '^MAIL FROM:<>$' "$SMTP_LOG"
}

@test "the default envelope sender is the message's Return-Path, else From" {
	three
	smtp_start
	rc_smtp smtp
	pf
	assert_success
	grep -q '^MAIL FROM:<sender' "$SMTP_LOG"
}

@test "421 at the greeting: exit 75, nothing fetched or deleted" {
	three
	smtp_start --fault greet421
	rc_smtp smtp
	pf
	assert_equal "$status" 75
	assert_output --partial "SMTP server 127.0.0.1 port $SMTP_PORT"
	assert_output --partial "421"
	assert_equal "$(dovecot_count)" 3
	[[ ! -e $SMTP_MAILDIR/new ]] || assert_equal "$(ls "$SMTP_MAILDIR/new" | wc -l)" 0
}

@test "451 to MAIL for one message: it stays, the others go, exit 75; the next run delivers it once" {
	three
	smtp_start --fault mail451 --on 2
	rc_smtp smtp
	pf
	assert_equal "$status" 75
	assert_output --partial "451"
	assert_equal "$(ls "$SMTP_MAILDIR/new" | wc -l)" 2
	assert_equal "$(dovecot_count)" 1
	grep -q '^RSET' "$SMTP_LOG"
	smtp_start
	rc_smtp smtp
	pf
	assert_success
	assert_maildir_equals "$THREE" "$SMTP_MAILDIR"
	assert_equal "$(dovecot_count)" 0
}

@test "450 to RCPT: 75, the message stays" {
	three
	smtp_start --fault rcpt450 --on 1
	rc_smtp smtp
	pf
	assert_equal "$status" 75
	assert_equal "$(ls "$SMTP_MAILDIR/new" | wc -l)" 2
	assert_equal "$(dovecot_count)" 1
}

@test "550 to RCPT: 74 naming the reply, the message stays, what came before is recorded" {
	three
	smtp_start --fault rcpt550 --on 2
	rc_smtp smtp
	pf
	assert_equal "$status" 74
	assert_output --partial "RCPT with 550 5.1.1 fake: no such user"
	assert_output --partial "stays on the POP server"
	assert_equal "$(ls "$SMTP_MAILDIR/new" | wc -l)" 1
	# No QUIT: the server deleted nothing.
	assert_equal "$(dovecot_count)" 3
	# The next run does not deliver the first again.
	smtp_start
	rc_smtp smtp
	pf
	assert_success
	assert_maildir_equals "$THREE" "$SMTP_MAILDIR"
}

@test "550 to MAIL: the server's text is made printable" {
	three
	smtp_start --fault mail550 --on 1
	rc_smtp smtp
	pf
	assert_equal "$status" 74
	assert_output --partial 'sender \001rejected'
	assert_equal "$(dovecot_count)" 3
}

@test "554 to DATA and 554 after the message: 74, the message stays" {
	three
	smtp_start --fault data554 --on 1
	rc_smtp smtp
	pf
	assert_equal "$status" 74
	assert_equal "$(dovecot_count)" 3
	smtp_start --fault end554 --on 1
	rc_smtp smtp
	pf
	assert_equal "$status" 74
	assert_output --partial "554 5.6.0 fake: message refused"
	assert_equal "$(dovecot_count)" 3
	[[ ! -e $SMTP_MAILDIR/new ]] || assert_equal "$(ls "$SMTP_MAILDIR/new" | wc -l)" 0
}

@test "451 after the message: 75, the message stays, the others go" {
	three
	smtp_start --fault end451 --on 3
	rc_smtp smtp
	pf
	assert_equal "$status" 75
	assert_equal "$(ls "$SMTP_MAILDIR/new" | wc -l)" 2
	assert_equal "$(dovecot_count)" 1
}

@test "a connection dropped in the middle of DATA is opened again once" {
	# The second message is bigger than the socket buffers take, so the
	# loss shows while it is still going out, before its final dot.
	local d=$BATS_TEST_TMPDIR/big
	mkdir -p "$d"
	printf 'Subject: one\n\none\n' >"$d/a.eml"
	python3 -c 'import sys; sys.stdout.write("Subject: big\n\n" + ("x" * 76 + "\n") * 160000)' >"$d/b.eml"
	printf 'Subject: three\n\nthree\n' >"$d/c.eml"
	dovecot_add_dir "$d"
	smtp_start --fault dropdata --on 2
	rc_smtp smtp
	pf -v
	assert_success
	assert_maildir_equals "$d" "$SMTP_MAILDIR"
	assert_equal "$(grep -c '^## CONNECT' "$SMTP_LOG")" 2
	# The second message twice, the first time cut before its final dot.
	assert_equal "$(grep -c '^MAIL FROM:' "$SMTP_LOG")" 4
	assert_equal "$(grep -c '^## DATA' "$SMTP_LOG")" 3
	assert_equal "$(dovecot_count)" 0
}

# THREE with its message $1 twice, into the directory $2.
three_twice() {
	mkdir -p "$2"
	cp "$THREE"/* "$2/"
	cp "$THREE/$(ls "$THREE" | sed -n "${1}p")" "$2/twice.eml"
}

# lost_after_dot KIND FAULT [rc lines...]: message 2 of three is taken by
# the server, which then gives no reply (FAULT dropend, hangend or endbad);
# the first run's output in FIRST_OUTPUT.
lost_after_dot() {
	local kind=$1 fault=$2 opt= n
	shift 2
	[[ $kind == lmtp ]] && opt=--lmtp
	three
	smtp_start $opt --fault "$fault" --on 2
	rc_smtp "$kind" "$@"
	pf --json
	assert_equal "$status" 75
	assert_output --regexp "message 2 \(UID [^)]+\) stays on the server"
	assert_output --partial "may arrive twice"
	assert_output --partial '"skipped":1,"unconfirmed":1,'
	FIRST_OUTPUT=$output
	# Each message went out once: the second was not sent again; the
	# connection was opened again for the third.
	assert_equal "$(grep -c '^MAIL FROM:' "$SMTP_LOG")" 3
	assert_equal "$(grep -c '^## DATA' "$SMTP_LOG")" 3
	assert_equal "$(grep -c '^## CONNECT' "$SMTP_LOG")" 2
	assert_maildir_equals "$THREE" "$SMTP_MAILDIR"
	# Neither deleted nor recorded: the next run sends it again, the one
	# duplicate of the window.
	assert_equal "$(dovecot_count)" 1
	n=$(grep -c '^## DATA' "$SMTP_LOG")
	smtp_start $opt
	rc_smtp "$kind"
	pf
	assert_success
	assert_equal "$(grep -c '^## DATA' "$SMTP_LOG")" $((n + 1))
	three_twice 2 "$BATS_TEST_TMPDIR/want"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want" "$SMTP_MAILDIR"
	assert_equal "$(dovecot_count)" 0
}

@test "smtp: the link lost after the final dot: not sent again in the run, 75, the next run sends it" {
	lost_after_dot smtp dropend
}

@test "lmtp: the link lost after the final dot: not sent again in the run, 75, the next run sends it" {
	lost_after_dot lmtp dropend
}

@test "no reply after the final dot in 'timeout': not sent again in the run, 75" {
	lost_after_dot smtp hangend "timeout 2"
}

@test "a line that is no reply after the final dot: not sent again in the run, 75" {
	lost_after_dot smtp endbad
	[[ $FIRST_OUTPUT == *"sent a bad reply: hello, this is no reply after the end of the message"* ]] ||
	    fail "$FIRST_OUTPUT"
}

@test "the link lost after the final dot of a message sent again after a drop: 75, not sent a third time" {
	three
	smtp_start --fault drop354 --on 1 --fault dropend --on 2
	rc_smtp smtp
	pf --json
	assert_equal "$status" 75
	assert_output --regexp "message 1 \(UID [^)]+\) stays on the server.*may arrive twice"
	assert_output --partial "is gone"
	assert_output --partial '"unconfirmed":1,'
	assert_equal "$(grep -c '^## CONNECT' "$SMTP_LOG")" 2
	assert_equal "$(grep -c '^## DATA' "$SMTP_LOG")" 1
	assert_equal "$(dovecot_count)" 3
	smtp_start
	rc_smtp smtp
	pf
	assert_success
	three_twice 1 "$BATS_TEST_TMPDIR/want"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want" "$SMTP_MAILDIR"
	assert_equal "$(dovecot_count)" 0
}

@test "the link lost after the final dot twice: one reopening, nothing sent again, 75" {
	three
	smtp_start --fault dropend --on 1,2
	rc_smtp smtp
	pf
	assert_equal "$status" 75
	assert_output --regexp "message 1 \(UID [^)]+\) stays on the server.*may arrive twice"
	assert_output --regexp "message 2 \(UID [^)]+\) stays on the server.*may arrive twice"
	assert_output --partial "is gone"
	assert_equal "$(grep -c '^## CONNECT' "$SMTP_LOG")" 2
	assert_equal "$(grep -c '^## DATA' "$SMTP_LOG")" 2
	assert_equal "$(dovecot_count)" 3
	smtp_start
	rc_smtp smtp
	pf
	assert_success
	three_twice 1 "$BATS_TEST_TMPDIR/want"
	three_twice 2 "$BATS_TEST_TMPDIR/want2"
	cp "$BATS_TEST_TMPDIR/want2/twice.eml" "$BATS_TEST_TMPDIR/want/twice2.eml"
	assert_maildir_equals "$BATS_TEST_TMPDIR/want" "$SMTP_MAILDIR"
	assert_equal "$(dovecot_count)" 0
}

@test "a server that keeps dropping: 75, nothing lost, nothing deleted" {
	three
	smtp_start --fault dropdata
	rc_smtp smtp
	pf
	assert_equal "$status" 75
	assert_output --partial "is gone"
	assert_equal "$(dovecot_count)" 3
	smtp_start
	rc_smtp smtp
	pf
	assert_success
	assert_maildir_equals "$THREE" "$SMTP_MAILDIR"
}

@test "a reply line of 1 MiB: a protocol error, nothing fetched" {
	three
	smtp_start --fault bigline
	rc_smtp smtp
	pf
	assert_equal "$status" 76
	assert_output --partial "longer than"
	assert_equal "$(dovecot_count)" 3
}

@test "SIZE: a message over the server's limit stays on the POP server, exit 0" {
	local d=$BATS_TEST_TMPDIR/sized
	mkdir -p "$d"
	printf 'Subject: small\n\nsmall\n' >"$d/a.eml"
	{ printf 'Subject: big\n\n'; head -c 4000 /dev/zero | tr '\0' 'x'; echo; } >"$d/b.eml"
	dovecot_add_dir "$d"
	smtp_start --size 1000
	rc_smtp smtp
	pf
	assert_success
	assert_output --partial "bigger than the mail server takes (SIZE 1000)"
	assert_equal "$(ls "$SMTP_MAILDIR/new" | wc -l)" 1
	assert_equal "$(dovecot_count)" 1
	grep -q 'SIZE=' "$SMTP_LOG"
}

@test "smtp_tls starttls to a server without STARTTLS: 69, no fallback" {
	three
	smtp_start
	rc_smtp smtp "smtp_tls starttls"
	pf
	assert_equal "$status" 69
	assert_output --partial "does not offer STARTTLS"
	assert_equal "$(dovecot_count)" 3
}

@test "smtp_tls starttls: verified with the account's trust file, every message over TLS" {
	three
	smtp_start --tls-cert "$CERTS_DIR/server.pem" \
	    --tls-key "$CERTS_DIR/server-key.pem"
	rc_smtp smtp "smtp_tls starttls"
	pf
	assert_success
	assert_equal "$(ls "$SMTP_MAILDIR/new" | wc -l)" 3
	assert_equal "$(dovecot_count)" 0
	# EHLO again after the handshake, and no MAIL before it.
	run sed -n '/^## TLS$/,$p' "$SMTP_LOG"
	assert_line --regexp '^EHLO '
	assert_equal "$(grep -c '^MAIL FROM:' "$SMTP_LOG")" 3
	assert_equal "$(sed '/^## TLS$/q' "$SMTP_LOG" | grep -c '^MAIL FROM:')" 0
}

@test "smtp_tls starttls: the POP account's client certificate is not offered to the mail server" {
	three
	smtp_start --tls-cert "$CERTS_DIR/server.pem" \
	    --tls-key "$CERTS_DIR/server-key.pem" \
	    --tls-client-ca "$CERTS_DIR/ca.pem"
	rc_smtp smtp "smtp_tls starttls" "tls_cert_file $CERTS_DIR/client.pem" \
	    "tls_key_file $CERTS_DIR/client-key.pem"
	pf
	assert_success
	assert_equal "$(ls "$SMTP_MAILDIR/new" | wc -l)" 3
	grep -q '^## TLS$' "$SMTP_LOG"
	run grep -c '^## CLIENT-CERT' "$SMTP_LOG"
	assert_output 0
}

@test "smtp_tls starttls to a certificate from an unknown CA: 69, nothing sent, nothing deleted" {
	three
	smtp_start --tls-cert "$CERTS_DIR/self.pem" \
	    --tls-key "$CERTS_DIR/self-key.pem"
	rc_smtp smtp "smtp_tls starttls"
	pf
	assert_equal "$status" 69
	assert_output --partial "127.0.0.1"
	assert_equal "$(ls "$SMTP_MAILDIR/new" | wc -l)" 0
	assert_equal "$(dovecot_count)" 3
	run grep -c '^MAIL FROM:' "$SMTP_LOG"
	assert_output 0
}

@test "smtp_tls starttls: a certificate for another name is refused" {
	three
	smtp_start --tls-cert "$CERTS_DIR/other.pem" \
	    --tls-key "$CERTS_DIR/other-key.pem"
	rc_smtp smtp "smtp_tls starttls"
	pf
	assert_equal "$status" 69
	assert_equal "$(dovecot_count)" 3
	run grep -c '^MAIL FROM:' "$SMTP_LOG"
	assert_output 0
}

@test "-vv shows the SMTP dialogue" {
	three
	smtp_start
	rc_smtp smtp
	pf -vv
	assert_success
	assert_output --partial "SMTP > MAIL FROM:<"
	assert_output --partial "SMTP < 250 2.0.0 queued"
}

@test "rc: delivery smtp/lmtp values, recipient, envelope_from, the SMTP login keys" {
	rc_dovecot dv tls "delivery smtp" | rc_write
	pf -n
	assert_equal "$status" 78
	assert_output --partial "delivery smtp takes one server"
	rc_dovecot dv tls "delivery smtp host:99999" | rc_write
	pf -n
	assert_equal "$status" 78
	assert_output --partial "port '99999' is too large"
	rc_dovecot dv tls "delivery smtp /run/sock" | rc_write
	pf -n
	assert_equal "$status" 78
	rc_dovecot dv tls "delivery smtp localhost" "recipient '<x>'" | rc_write
	pf -n
	assert_equal "$status" 78
	assert_output --partial "recipient must be an address"
	rc_dovecot dv tls "delivery smtp localhost" "envelope_from 'a b'" | rc_write
	pf -n
	assert_equal "$status" 78
	rc_dovecot dv tls "delivery smtp localhost" "smtp_auth plain" | rc_write
	pf -n
	assert_equal "$status" 78
	assert_output --regexp "fetchrc:[0-9]+: account 'dv' sets an SMTP login without smtp_user"
	rc_dovecot dv tls "delivery smtp localhost" "smtp_password x" | rc_write
	pf -n
	assert_equal "$status" 78
	assert_output --partial "without smtp_user"
	rc_dovecot dv tls "delivery smtp localhost" "smtp_user u" \
	    "smtp_auth apop" | rc_write
	pf -n
	assert_equal "$status" 78
	assert_output --partial "smtp_auth apop is a POP3 method"
	rc_dovecot dv tls "smtp_user u" "smtp_password x" | rc_write
	pf -n
	assert_equal "$status" 78
	assert_output --partial "only delivery smtp or lmtp logs in"
	rc_dovecot dv tls "delivery smtp localhost" "smtp_user u" \
	    "smtp_auth kerberos" | rc_write
	pf -n
	assert_equal "$status" 78
	rc_dovecot dv tls "delivery smtp localhost" "smtp_tls maybe" | rc_write
	pf -n
	assert_equal "$status" 78
	assert_output --partial "smtp_tls must be auto, off or starttls"
}

# --- logging in to a relay (smtp_user, smtp_auth, smtp_password) ---

# auth_start MECHS [fakesmtp options...]: a server that wants a login.
auth_start() {
	local mechs=$1
	shift
	smtp_start --auth "$mechs" --user relayuser --password 'relay pw' "$@"
}

@test "smtp_user: PLAIN after STARTTLS, the password never in the -vv trace" {
	three
	auth_start "PLAIN LOGIN" --auth-tls --tls-cert "$CERTS_DIR/server.pem" \
	    --tls-key "$CERTS_DIR/server-key.pem"
	rc_smtp smtp "smtp_tls starttls" "smtp_user relayuser" \
	    'smtp_password "relay pw"'
	pf -vv
	assert_success
	assert_maildir_equals "$THREE" "$SMTP_MAILDIR"
	assert_equal "$(dovecot_count)" 0
	grep -q '^## AUTH OK PLAIN' "$SMTP_LOG"
	assert_output --partial "SMTP > AUTH PLAIN ****"
	assert_output --partial "SMTP < 235"
	refute_output --partial "relay pw"
	refute_output --partial "$(printf '\0relayuser\0relay pw' | base64)"
}

@test "smtp_auth auto: the strongest offered (SCRAM-SHA-256), the server proven" {
	three
	auth_start "PLAIN CRAM-MD5 SCRAM-SHA-256"
	rc_smtp smtp "smtp_user relayuser" 'smtp_password "relay pw"'
	pf
	assert_success
	assert_maildir_equals "$THREE" "$SMTP_MAILDIR"
	grep -q '^## AUTH OK SCRAM-SHA-256' "$SMTP_LOG"
}

@test "smtp_auth cram-md5, login and xoauth2 (a token from smtp_passwordeval) when named" {
	three
	local m
	for m in cram-md5 login; do
		SMTP_MAILDIR=$BATS_TEST_TMPDIR/smtp-$m
		auth_start "LOGIN CRAM-MD5 XOAUTH2 SCRAM-SHA-256"
		rc_smtp smtp "smtp_user relayuser" 'smtp_password "relay pw"' \
		    "smtp_auth $m"
		pf -k -A
		assert_success
		grep -q "^## AUTH OK ${m^^}\$" "$SMTP_LOG"
		assert_maildir_equals "$THREE" "$SMTP_MAILDIR"
	done
	SMTP_MAILDIR=$BATS_TEST_TMPDIR/smtp-xoauth2
	smtp_start --auth "XOAUTH2" --user relayuser --password tok123
	rc_smtp smtp "smtp_user relayuser" "smtp_passwordeval echo tok123" \
	    "smtp_auth xoauth2"
	pf -A
	assert_success
	grep -q '^## AUTH OK XOAUTH2' "$SMTP_LOG"
	assert_maildir_equals "$THREE" "$SMTP_MAILDIR"
}

@test "a token too long for the AUTH line goes after the server's empty challenge" {
	three
	local tok
	tok=$(head -c 600 /dev/zero | tr '\0' t)
	smtp_start --auth "XOAUTH2" --user relayuser --password "$tok"
	rc_smtp smtp "smtp_user relayuser" "smtp_password $tok" \
	    "smtp_auth xoauth2"
	pf
	assert_success
	grep -qx 'AUTH XOAUTH2' "$SMTP_LOG"
	grep -q '^## AUTH OK XOAUTH2' "$SMTP_LOG"
}

@test "a wrong SMTP password: 77 naming the login, nothing fetched" {
	three
	auth_start "PLAIN"
	rc_smtp smtp "smtp_user relayuser" "smtp_password wrong"
	pf
	assert_equal "$status" 77
	assert_output --partial "refused the login as relayuser with PLAIN: 535"
	assert_output --partial "smtp_password"
	assert_equal "$(dovecot_count)" 3
	assert_equal "$(ls "$SMTP_MAILDIR/new" | wc -l)" 0
	refute_output --partial "RETR"
}

@test "AUTH answered 454: 75; 538: 69 with the smtp_tls hint; a bad server text made printable" {
	three
	auth_start "PLAIN" --fault auth454
	rc_smtp smtp "smtp_user relayuser" 'smtp_password "relay pw"'
	pf
	assert_equal "$status" 75
	assert_equal "$(dovecot_count)" 3
	auth_start "PLAIN" --fault auth538
	rc_smtp smtp "smtp_user relayuser" 'smtp_password "relay pw"'
	pf
	assert_equal "$status" 69
	assert_output --partial "smtp_tls starttls"
	auth_start "PLAIN" --fault auth535
	rc_smtp smtp "smtp_user relayuser" 'smtp_password "relay pw"'
	pf
	assert_equal "$status" 77
	assert_output --partial 'bad \001credentials'
	assert_equal "$(dovecot_count)" 3
}

@test "hostile AUTH challenges: not base64, endless, a false SCRAM signature: cancelled with *" {
	three
	auth_start "CRAM-MD5" --fault authbad
	rc_smtp smtp "smtp_user relayuser" 'smtp_password "relay pw"'
	pf
	assert_failure
	assert_output --partial "not base64"
	grep -qx '\*' "$SMTP_LOG"
	auth_start "CRAM-MD5" --fault authloop
	rc_smtp smtp "smtp_user relayuser" 'smtp_password "relay pw"'
	pf
	assert_failure
	assert_output --partial "a second CRAM-MD5 challenge"
	auth_start "SCRAM-SHA-256" --fault scrambadsig
	rc_smtp smtp "smtp_user relayuser" 'smtp_password "relay pw"'
	pf
	assert_equal "$status" 77
	grep -qx '\*' "$SMTP_LOG"
	assert_equal "$(dovecot_count)" 3
	assert_equal "$(ls "$SMTP_MAILDIR/new" | wc -l)" 0
}

@test "smtp_user and a server that offers no AUTH: 69; a server wanting one without smtp_user: 74" {
	three
	smtp_start
	rc_smtp smtp "smtp_user relayuser" 'smtp_password "relay pw"'
	pf
	assert_equal "$status" 69
	assert_output --partial "offers no login"
	auth_start "PLAIN"
	rc_smtp smtp
	pf
	assert_equal "$status" 74
	assert_output --partial "530"
	assert_equal "$(dovecot_count)" 3
}

@test "a named method the server does not offer: 69 with what it offers" {
	three
	auth_start "PLAIN LOGIN"
	rc_smtp smtp "smtp_user relayuser" 'smtp_password "relay pw"' \
	    "smtp_auth scram-sha-256"
	pf
	assert_equal "$status" 69
	assert_output --partial "does not offer SCRAM-SHA-256 login (it offers: PLAIN LOGIN)"
}

@test "smtp_user without a password and no terminal: 77 before anything is fetched; -s asks none" {
	three
	auth_start "PLAIN"
	rc_smtp smtp "smtp_user relayuser"
	HOME=$BATS_TEST_TMPDIR pf </dev/null
	assert_equal "$status" 77
	assert_output --partial "no password for dv's SMTP login as relayuser"
	assert_equal "$(dovecot_count)" 3
	pf -s </dev/null
	assert_success
}

@test "the SMTP password from ~/.netrc (machine: the SMTP host)" {
	three
	auth_start "PLAIN"
	rc_smtp smtp "smtp_user relayuser"
	printf 'machine 127.0.0.1 login relayuser password "relay pw"\n' \
	    >"$BATS_TEST_TMPDIR/.netrc"
	chmod 600 "$BATS_TEST_TMPDIR/.netrc"
	HOME=$BATS_TEST_TMPDIR pf </dev/null
	assert_success
	grep -q '^## AUTH OK PLAIN' "$SMTP_LOG"
}

@test "a connection dropped before DATA's 354 is opened again, and logs in again" {
	three
	auth_start "PLAIN" --fault drop354 --on 2
	rc_smtp smtp "smtp_user relayuser" 'smtp_password "relay pw"'
	pf
	assert_success
	assert_equal "$(grep -c '^## AUTH OK PLAIN' "$SMTP_LOG")" 2
	assert_equal "$(grep -c '^MAIL FROM:' "$SMTP_LOG")" 4
	assert_maildir_equals "$THREE" "$SMTP_MAILDIR"
	assert_equal "$(dovecot_count)" 0
}

@test "lmtp logs in too when smtp_user is set" {
	three
	auth_start "PLAIN" --lmtp
	rc_smtp lmtp "smtp_user relayuser" 'smtp_password "relay pw"'
	pf
	assert_success
	grep -q '^LHLO ' "$SMTP_LOG"
	grep -q '^## AUTH OK PLAIN' "$SMTP_LOG"
	assert_maildir_equals "$THREE" "$SMTP_MAILDIR"
}
