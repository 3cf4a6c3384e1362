#!/usr/bin/env bats
# Several accounts in one run, and the per-mailbox lock.

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
	dovecot_add_dir "$CORPUS"
}

teardown() {
	fake_stop
	if [[ -n ${FIRST_PID:-} ]]; then
		kill "$FIRST_PID" 2>/dev/null || true
		wait "$FIRST_PID" 2>/dev/null || true
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

@test "several accounts: the status of the first that failed; the others run" {
	{
		rc_dovecot good1 tls "keep on"
		echo
		refused_block refused
		echo
		rc_dovecot badpass starttls | sed 's/^password .*/password wrong/'
		echo
		MAILDIR=$BATS_TEST_TMPDIR/Maildir2 \
		    rc_dovecot good2 plain "keep on" "only_new off"
	} | rc_write
	pf
	assert_failure 75
	assert_line --regexp '^refused: '
	assert_line --regexp '^badpass: '
	# The accounts after the failures still ran.
	assert_maildir_equals "$CORPUS"
	assert_maildir_equals "$CORPUS" "$BATS_TEST_TMPDIR/Maildir2"
}

@test "several accounts: an auth failure first gives 77" {
	{
		rc_dovecot badpass tls | sed 's/^password .*/password wrong/'
		echo
		refused_block refused
		echo
		rc_dovecot good starttls "keep on"
	} | rc_write
	pf
	assert_failure 77
	assert_maildir_equals "$CORPUS"
}

@test "several accounts, all fine: 0" {
	{
		rc_dovecot one tls "keep on"
		echo
		MAILDIR=$BATS_TEST_TMPDIR/Maildir2 \
		    rc_dovecot two starttls "keep on"
	} | rc_write
	pf -q
	assert_success
	assert_output ""
	assert_maildir_equals "$CORPUS"
	assert_maildir_equals "$CORPUS" "$BATS_TEST_TMPDIR/Maildir2"
}

@test "a second run on a locked mailbox waits, then exits 75" {
	fake_start lock-slow
	rc_fake f plain "keep on" | rc_write
	timeout 60 "$POPFETCH" -f "$RC" -q >"$BATS_TEST_TMPDIR/first.out" 2>&1 3>&- &
	FIRST_PID=$!
	# The first run is logged in and holds the lock once it sent STAT.
	local tries=200
	until grep -q '^STAT' "$FAKE_LOG" || ((tries-- == 0)); do
		sleep 0.05
	done
	grep -q '^STAT' "$FAKE_LOG" || fail "the first run never sent STAT"
	local t0=$SECONDS
	pf
	assert_failure 75
	assert_output --regexp '^f: '
	# It waited for the lock (about 5 s), not failed at once.
	(( SECONDS - t0 >= 3 )) || fail "gave up after $((SECONDS - t0)) s"
	# The first run completes normally.
	local rc=0
	wait "$FIRST_PID" || rc=$?
	FIRST_PID=
	assert_equal "$rc" 0
	assert_equal "$(maildir_count)" 1
}
