#!/usr/bin/env bats
# -s (count, change nothing), --json, -j (accounts at once) and --progress.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	corpus_make "$BATS_FILE_TMPDIR/corpus"
	export CORPUS=$BATS_FILE_TMPDIR/corpus
	CORPUS_N=$(find "$CORPUS" -maxdepth 1 -type f | wc -l)
	export CORPUS_N
	dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	common_setup
	dovecot_clear
	dovecot_add_dir "$CORPUS"
	OUT=$BATS_TEST_TMPDIR/out
	ERR=$BATS_TEST_TMPDIR/err
}

teardown() {
	if [[ -n ${LOCK_PID:-} ]]; then
		kill "$LOCK_PID" 2>/dev/null || true
		wait "$LOCK_PID" 2>/dev/null || true
	fi
}

# An account whose connection is refused (75).
refused_block() {
	cat <<-EOF
	account $1
	host 127.0.0.1
	port $(free_port)
	tls off
	auth user
	user test
	password secret
	delivery maildir $BATS_TEST_TMPDIR/$1
	state_dir $STATE_DIR
	EOF
}

# popfetch with stdout in $OUT and stderr in $ERR apart; status in $PF_RC.
pf_split() {
	PF_RC=0
	timeout -k 5 120 "$POPFETCH" -f "$RC" "$@" >"$OUT" 2>"$ERR" ||
	    PF_RC=$?
}

# Sums of every file under the state directory (names and contents).
state_sums() {
	(cd "$STATE_DIR" 2>/dev/null && find . -type f -print0 |
	    sort -z | xargs -0 -r sha256sum)
}

# json_check PYTHON: runs PYTHON with `objs`, the objects of $OUT, one per
# line; a line that is not one whole JSON object fails.
json_check() {
	python3 -c 'import json, sys
objs = []
for line in open(sys.argv[1], encoding="utf-8"):
    assert line.endswith("\n"), "a line without its newline"
    o = json.loads(line)
    assert isinstance(o, dict), "not an object: %r" % line
    objs.append(o)
'"$1" "$OUT" "${@:2}" ||
	    { cat "$OUT"; fail "the JSON check failed"; }
}

# --- -s, --status ------------------------------------------------------------

@test "-s: new mail: exit 0, counts, fetches and changes nothing" {
	rc_dovecot work tls | rc_write
	pf -s
	assert_success
	assert_output "work: $CORPUS_N new of $CORPUS_N messages"
	assert_equal "$(maildir_count)" 0
	assert_equal "$(dovecot_count)" "$CORPUS_N"
	# No state, no journal, no lock file: nothing was written.
	assert_equal "$(state_sums)" ""
}

@test "-s: no new mail: exit 1, and the state file is left as it was" {
	rc_dovecot work tls "keep on" | rc_write
	pf -q
	assert_success
	local before
	before=$(state_sums)
	[[ -n $before ]] || fail "the fetch left no state"
	touch -d '2001-01-01' "$STATE_DIR"/*
	pf -s
	assert_failure 1
	assert_output "work: 0 new of $CORPUS_N messages"
	assert_equal "$(state_sums)" "$before"
	[[ -z $(find "$STATE_DIR" -type f -newermt '2001-01-02') ]] ||
	    fail "-s touched the state directory"
	assert_equal "$(dovecot_count)" "$CORPUS_N"

	dovecot_add_message "$(find "$CORPUS" -type f | head -1)"
	pf -s
	assert_success
	assert_output "work: 1 new of $((CORPUS_N + 1)) messages"
	assert_equal "$(maildir_count)" "$CORPUS_N"
}

@test "-s: a journal line that looks torn (a running fetch's append) is left as it is" {
	rc_dovecot work tls "keep on" | rc_write
	pf -q
	assert_success
	state=$(compgen -G "$STATE_DIR/*.state")
	journal=${state%.state}.journal
	printf 'P\tsome-uid\t17' >"$journal"
	before=$(sha256sum "$journal")
	pf -s
	assert_failure 1
	assert_equal "$(sha256sum "$journal")" "$before"
}

@test "-s -q: only the exit status" {
	rc_dovecot work tls | rc_write
	pf -s -q
	assert_success
	assert_output ""
}

@test "-s: 0 when one account of several has new mail" {
	{
		rc_dovecot seen plain "keep on"
		echo
		MAILDIR=$BATS_TEST_TMPDIR/Maildir2 STATE_DIR=$BATS_TEST_TMPDIR/state2 \
		    rc_dovecot fresh tls
	} | rc_write
	pf -q seen
	assert_success
	pf -s
	assert_success
	assert_line "seen: 0 new of $CORPUS_N messages"
	assert_line "fresh: $CORPUS_N new of $CORPUS_N messages"
	pf -s seen
	assert_failure 1
}

@test "-s: a failing account gives its exit status, the others still run" {
	{
		rc_dovecot seen plain "keep on"
		echo
		refused_block refused
		echo
		rc_dovecot badpass starttls | sed 's/^password .*/password wrong/'
	} | rc_write
	pf -s
	assert_failure 75
	assert_line "seen: $CORPUS_N new of $CORPUS_N messages"
	assert_line --regexp '^refused: 127\.0\.0\.1:[0-9]+: '
	assert_line --regexp '^badpass: '
}

@test "-s does not wait for the lock of a running fetch" {
	rc_dovecot work tls "keep on" | rc_write
	pf -q
	assert_success
	local lock
	lock=$(find "$STATE_DIR" -name '*.lock')
	[[ -n $lock ]] || fail "no lock file"
	flock "$lock" sleep 30 3>&- &
	LOCK_PID=$!
	sleep 0.3
	# A fetch waits for it and gives up...
	local t0=$SECONDS
	pf -n
	assert_failure 75
	# ... -s does not wait.
	t0=$SECONDS
	pf -s
	assert_failure 1
	assert_output "work: 0 new of $CORPUS_N messages"
	((SECONDS - t0 < 3)) || fail "-s waited $((SECONDS - t0)) s"
}

@test "-s leaves the journal of an interrupted run for the next fetch" {
	rc_dovecot work tls "keep on" | rc_write
	pf -q
	assert_success
	local journal
	journal=${STATE_DIR}/$(cd "$STATE_DIR" && ls | grep '\.state$' |
	    sed 's/\.state$/.journal/')
	echo "P no-such-uid no-such-receipt" >"$journal"
	pf -s
	assert_failure 1
	assert [ -f "$journal" ]
	assert_equal "$(cat "$journal")" "P no-such-uid no-such-receipt"
}

# --- --json --------------------------------------------------------------------

@test "--json: one object per account on stdout, a failing one included" {
	{
		rc_dovecot good tls
		echo
		refused_block refused
		echo
		rc_dovecot badpass plain | sed 's/^password .*/password wrong/'
	} | rc_write
	pf_split --json
	assert_equal "$PF_RC" 75
	json_check '
assert len(objs) == 3, objs
g, r, b = objs
n = int(sys.argv[2])
assert g["account"] == "good" and g["status"] == "ok" and g["exit"] == 0
assert g["host"] == "127.0.0.1" and isinstance(g["port"], int)
assert g["messages"] == n and g["new"] == n and g["fetched"] == n
assert g["deleted"] == n and g["skipped"] == 0 and g["bytes"] > 0
assert isinstance(g["seconds"], float) and g["error"] is None
assert r["account"] == "refused" and r["status"] == "error"
assert r["exit"] == 75 and r["fetched"] == 0
assert "refused" in r["error"] and "; " in r["error"], r["error"]
assert b["account"] == "badpass" and b["status"] == "error"
assert b["exit"] == 77 and b["error"]
keys = ["account", "host", "port", "status", "exit", "messages", "new",
    "fetched", "deleted", "skipped", "unconfirmed", "bytes", "seconds",
    "error"]
for o in objs:
    assert list(o) == keys, list(o)
' "$CORPUS_N"
	# No summary line; the errors still go to stderr.
	refute grep -q 'fetched' "$ERR"
	grep -q '^refused: ' "$ERR" || fail "no error on stderr"
	assert_maildir_equals "$CORPUS"
}

@test "--json -s: new counts, exit 1 for an account without new mail" {
	{
		rc_dovecot seen plain "keep on"
		echo
		MAILDIR=$BATS_TEST_TMPDIR/Maildir2 STATE_DIR=$BATS_TEST_TMPDIR/state2 \
		    rc_dovecot fresh tls
	} | rc_write
	pf -q seen
	pf_split --json -s
	assert_equal "$PF_RC" 0
	assert_equal "$(cat "$ERR")" ""
	json_check '
s, f = objs
n = int(sys.argv[2])
assert s["account"] == "seen" and s["status"] == "ok" and s["exit"] == 1
assert s["messages"] == n and s["new"] == 0
assert f["exit"] == 0 and f["new"] == n
for o in objs:
    assert o["fetched"] == o["deleted"] == o["bytes"] == 0
' "$CORPUS_N"
	assert_equal "$(maildir_count "$BATS_TEST_TMPDIR/Maildir2")" 0
}

@test "--json -n: what would be fetched and deleted" {
	rc_dovecot work tls | rc_write
	pf_split --json -n
	assert_equal "$PF_RC" 0
	json_check '
(o,) = objs
n = int(sys.argv[2])
assert o["status"] == "ok" and o["new"] == n
assert o["fetched"] == n and o["deleted"] == n and o["bytes"] == 0
' "$CORPUS_N"
	assert_equal "$(maildir_count)" 0
	assert_equal "$(dovecot_count)" "$CORPUS_N"
}

@test "--json: an account without a password is an object too" {
	rc_dovecot nopass tls | sed '/^password /d' | rc_write
	HOME=$BATS_TEST_TMPDIR pf_split --json </dev/null
	assert_equal "$PF_RC" 77
	json_check '
(o,) = objs
assert o["account"] == "nopass" and o["status"] == "error"
assert o["exit"] == 77 and "no password" in o["error"]
'
}

@test "--json: server text in an error is valid JSON" {
	local sc=$BATS_TEST_TMPDIR/hostile.pop
	printf '%s\n' 'S: +OK fake POP3 ready' 'C: CAPA' \
	    'S: +OK capabilities follow' 'S: USER' 'S: .' 'C: USER test' \
	    'S: +OK' 'C: PASS *' >"$sc"
	printf 'S: -ERR [AUTH] no "way" \\ \xe9t\xc3\xa9 \x01\n' >>"$sc"
	fake_start "$sc"
	rc_fake hostile plain | rc_write
	pf_split --json
	assert_equal "$PF_RC" 77
	json_check '
(o,) = objs
assert o["status"] == "error" and o["exit"] == 77
assert "way" in o["error"], o["error"]
'
}

# --- -j, --jobs ------------------------------------------------------------------

@test "-j 2: three accounts, one failing: its status, and all ran" {
	{
		MAILDIR=$BATS_TEST_TMPDIR/Maildir1 rc_dovecot good1 tls "keep on"
		echo
		refused_block refused
		echo
		MAILDIR=$BATS_TEST_TMPDIR/Maildir2 STATE_DIR=$BATS_TEST_TMPDIR/state2 \
		    rc_dovecot good2 plain "keep on"
	} | rc_write
	pf -j 2
	assert_failure 75
	assert_line --regexp "^good1: $CORPUS_N new of $CORPUS_N messages, "
	assert_line --regexp "^good2: $CORPUS_N new of $CORPUS_N messages, "
	assert_line --regexp '^refused: 127\.0\.0\.1:[0-9]+: '
	assert_maildir_equals "$CORPUS" "$BATS_TEST_TMPDIR/Maildir1"
	assert_maildir_equals "$CORPUS" "$BATS_TEST_TMPDIR/Maildir2"
}

@test "-j: the status of the first failing account in run order, not the first to end" {
	# The login failure comes late (Dovecot delays it); the refusal at once.
	{
		rc_dovecot badpass plain | sed 's/^password .*/password wrong/'
		echo
		refused_block refused
		echo
		rc_dovecot good tls "keep on"
	} | rc_write
	pf -j 3
	assert_failure 77
	assert_line --regexp '^refused: '
	assert_line --regexp '^badpass: '
	assert_maildir_equals "$CORPUS"
}

@test "-j 3 --json: every line whole, one per account, in any order" {
	{
		MAILDIR=$BATS_TEST_TMPDIR/Maildir1 rc_dovecot good1 tls "keep on"
		echo
		refused_block refused
		echo
		MAILDIR=$BATS_TEST_TMPDIR/Maildir2 STATE_DIR=$BATS_TEST_TMPDIR/state2 \
		    rc_dovecot good2 plain "keep on"
	} | rc_write
	pf_split -j 3 --json
	assert_equal "$PF_RC" 75
	json_check '
byname = {o["account"]: o for o in objs}
assert sorted(byname) == ["good1", "good2", "refused"], objs
assert byname["refused"]["exit"] == 75
n = int(sys.argv[2])
assert byname["good1"]["fetched"] == byname["good2"]["fetched"] == n
' "$CORPUS_N"
}

@test "-j 2 -s: 1 when no account has new mail" {
	{
		rc_dovecot a plain "keep on"
		echo
		rc_dovecot b tls "keep on"
	} | rc_write
	pf -q
	assert_success
	pf -j 2 -s
	assert_failure 1
	assert_line "a: 0 new of $CORPUS_N messages"
	assert_line "b: 0 new of $CORPUS_N messages"
}

@test "-j: two accounts on one mailbox are fetched one after the other" {
	{
		rc_dovecot a plain "keep on"
		echo
		rc_dovecot b plain "keep on"
	} | rc_write
	pf -j 2
	assert_success
	# Same mailbox, same state: the second saw what the first fetched.
	assert_maildir_equals "$CORPUS"
	assert_output --regexp "no new mail \\($CORPUS_N messages\\)"
}

@test "-j: a bad number is a usage error" {
	rc_dovecot a plain | rc_write
	local n
	for n in 0 65 -1 2x ""; do
		pf -j "$n"
		assert_failure 64
	done
	pf --jobs 64 -n
	assert_success
}

# --- --progress ------------------------------------------------------------------

@test "--progress always: the line is rewritten in place, then cleared" {
	rc_dovecot work tls | rc_write
	pf_split --progress always
	assert_equal "$PF_RC" 0
	grep -q $'\r'"work: 1/$CORPUS_N messages, " "$ERR" ||
	    { cat -A "$ERR"; fail "no progress line"; }
	grep -q $'\r'"work: $CORPUS_N/$CORPUS_N messages, " "$ERR" ||
	    { cat -A "$ERR"; fail "no last progress line"; }
	# Cleared before the summary, which starts a line of its own.
	grep -q $'\r *\r'"work: $CORPUS_N new of $CORPUS_N messages" "$ERR" ||
	    { cat -A "$ERR"; fail "the progress line was not cleared"; }
	assert_maildir_equals "$CORPUS"
}

@test "--progress: a big message shows its bytes while it streams in" {
	local sc=$BATS_TEST_TMPDIR/big.pop
	cat >"$sc" <<-'EOF'
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
	S: +OK 1 204820
	C: UIDL
	S: +OK
	S: 1 uid-big
	S: .
	C: LIST
	S: +OK
	S: 1 204820
	S: .
	C: RETR 1
	S: +OK 204820 octets
	RAW Subject: big\r\n\r\n
	BIG 100K a
	RAW \r\n
	SLEEP 1.2
	BIG 100K b
	RAW \r\n.\r\n
	C: QUIT
	S: +OK bye
	EXPECT-EOF
	EOF
	fake_start "$sc"
	rc_fake big plain "keep on" | rc_write
	pf_split --progress always
	assert_equal "$PF_RC" 0
	# Before the message is whole, and once it is.
	grep -q $'\r'"big: 0/1 message, [0-9.]* [KM]iB" "$ERR" ||
	    { cat -A "$ERR"; fail "no progress during the message"; }
	grep -q $'\r'"big: 1/1 message, 200.0 KiB" "$ERR" ||
	    { cat -A "$ERR"; fail "no progress after the message"; }
	fake_wait
	assert_equal "$FAKE_STATUS" 0
}

@test "--progress never, auto without a terminal, -q, --json: no progress" {
	rc_dovecot work tls "keep on" "only_new off" | rc_write
	local args
	for args in "--progress never" "--progress auto" "" \
	    "-q --progress always" "--json"; do
		# shellcheck disable=SC2086
		pf_split $args
		assert_equal "$PF_RC" 0
		if grep -q $'\r' "$ERR"; then
			cat -A "$ERR"
			fail "progress with '$args'"
		fi
	done
	pf_split --json --progress always
	grep -q $'\r' "$ERR" || fail "no progress with --json --progress always"
}

@test "--progress auto on a terminal shows it" {
	rc_dovecot work tls | rc_write
	run script -qec "'$POPFETCH' -f '$RC' --progress auto" /dev/null
	assert_success
	[[ $output == *$'\r'"work: $CORPUS_N/$CORPUS_N messages"* ]] ||
	    fail "no progress on a terminal: $output"
}

@test "--progress: a bad value, and -S with -s or --json, are usage errors" {
	rc_dovecot work tls | rc_write
	pf --progress sometimes
	assert_failure 64
	pf -S -s
	assert_failure 64
	pf -S --json
	assert_failure 64
}
