#!/usr/bin/env bats
# Long runs, whose batches are made durable and recorded mid-run (every 256
# messages): a sync that fails in a later batch must not record that batch,
# nor anything after it.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	corpus_many "$BATS_FILE_TMPDIR/many" 300
	export MANY=$BATS_FILE_TMPDIR/many
	dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	common_setup
	SHIM=$(dirname "$POPFETCH")/tests/faults/libfaultshim.so
	[[ -f $SHIM ]] || skip "no $SHIM (built by meson with the rest)"
	dovecot_clear
	dovecot_add_dir "$MANY"
}

@test "300 messages, the 101st rename into new/ failing: 74, nothing recorded that is not in new/, the next run delivers each once" {
	rc_dovecot work plain | rc_write
	run timeout -k 5 300 env LD_PRELOAD="$SHIM" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    FAULT_PATH="$MAILDIR" FAULT_CALLS=rename FAULT_NTH=101 \
	    FAULT_ERRNO=ENOSPC "$POPFETCH" -f "$RC"
	assert_failure 74
	assert_output --partial "work"
	# No QUIT: the server still has every message.
	assert_equal "$(dovecot_count)" 300
	local got
	got=$(find "$MAILDIR/new" -type f | wc -l)
	((got == 100)) || fail "$got messages in new/, not 100"
	pf -q
	assert_success
	MAILDIR_ALLOW_TMP=0 assert_maildir_equals "$MANY"
	assert_equal "$(dovecot_count)" 0
}

@test "the same with keep on: the messages the failed batch lost are fetched by the next run" {
	rc_dovecot work plain "keep on" | rc_write
	run timeout -k 5 300 env LD_PRELOAD="$SHIM" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    FAULT_PATH="$MAILDIR" FAULT_CALLS=rename FAULT_NTH=101 \
	    FAULT_ERRNO=EIO "$POPFETCH" -f "$RC"
	assert_failure 74
	pf -q
	assert_success
	MAILDIR_ALLOW_TMP=0 assert_maildir_equals "$MANY"
	assert_equal "$(dovecot_count)" 300
}
