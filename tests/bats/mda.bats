#!/usr/bin/env bats
# MDA delivery from a real Dovecot: procmail and maildrop byte for byte,
# exit 75 keeping exactly that message, other failures named with the
# MDA's last stderr line, and %F with a hostile sender.

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
	BIN=$BATS_TEST_TMPDIR/bin
	mkdir -p "$BIN" "$MAILDIR"/{new,cur,tmp}
}

# mda_script NAME BODY: an executable sh script in $BIN.
mda_script() {
	printf '#!/bin/sh\n%s\n' "$2" >"$BIN/$1"
	chmod 755 "$BIN/$1"
}

@test "procmail as MDA: every message byte for byte" {
	dovecot_add_dir "$CORPUS"
	printf 'DEFAULT=%s/\nLOGFILE=/dev/null\n' "$MAILDIR" >"$BATS_TEST_TMPDIR/procmailrc"
	chmod 600 "$BATS_TEST_TMPDIR/procmailrc"
	rc_dovecot dv tls "received_header off" \
	    "delivery mda /usr/bin/procmail -f %F $BATS_TEST_TMPDIR/procmailrc" |
	    rc_write
	pf
	assert_success
	assert_maildir_equals "$CORPUS"
	assert_equal "$(dovecot_count)" 0
}

@test "maildrop as MDA: every message byte for byte" {
	dovecot_add_dir "$CORPUS"
	printf 'DEFAULT="%s"\n' "$MAILDIR" >"$BATS_TEST_TMPDIR/mailfilter"
	chmod 600 "$BATS_TEST_TMPDIR/mailfilter"
	rc_dovecot dv tls "received_header off" \
	    "delivery mda maildrop -f %F $BATS_TEST_TMPDIR/mailfilter" | rc_write
	pf
	assert_success
	assert_maildir_equals "$CORPUS"
}

@test "exit 75 for one message out of ten keeps exactly that one" {
	local many=$BATS_TEST_TMPDIR/many
	corpus_many "$many" 10
	dovecot_add_dir "$many"
	mda_script tempfail 'f=$(mktemp "$1/tmp/x.XXXXXX") || exit 74
cat >"$f" || exit 74
if grep -q "^Subject: message 4$" "$f"; then
	rm -f "$f"; echo "quota exceeded for now" >&2; exit 75
fi
mv "$f" "$1/new/"'
	rc_dovecot dv tls "received_header off" \
	    "delivery mda $BIN/tempfail $MAILDIR" | rc_write
	pf
	assert_failure 75
	assert_output --partial "quota exceeded for now"
	assert_equal "$(maildir_count)" 9
	assert_equal "$(dovecot_count)" 1
	run grep -rl "^Subject: message 4$" "$DOVECOT_MAILDIR"/new "$DOVECOT_MAILDIR"/cur
	assert_success

	# The next run delivers it, and only it.
	mda_script tempfail 'f=$(mktemp "$1/tmp/x.XXXXXX") && cat >"$f" && mv "$f" "$1/new/"'
	pf
	assert_success
	assert_maildir_equals "$many"
	assert_equal "$(dovecot_count)" 0
}

@test "an MDA that fails is named with its status and last stderr line, exit 74" {
	dovecot_add_dir "$CORPUS"
	mda_script broken 'cat >/dev/null; echo "first line" >&2; echo "cannot open folder" >&2; exit 3'
	rc_dovecot dv tls "delivery mda $BIN/broken" | rc_write
	pf
	assert_failure 74
	assert_output --partial "MDA $BIN/broken exited with status 3: cannot open folder"
	assert_equal "$(dovecot_count)" "$(ls "$CORPUS" | wc -l)"
}

@test "an MDA that stops reading, or is killed, keeps the message: exit 74" {
	local big=$BATS_TEST_TMPDIR/big.eml
	{
		printf 'From: a@b\nSubject: big\n\n'
		python3 -c 'print(("y" * 70 + "\n") * 20000, end="")'
	} >"$big"
	dovecot_add_message "$big"
	mda_script lazy 'exit 0'
	rc_dovecot dv tls "delivery mda $BIN/lazy" | rc_write
	pf
	assert_failure 74
	assert_output --partial "stopped reading"
	assert_equal "$(dovecot_count)" 1

	mda_script killed 'cat >/dev/null; kill -9 $$'
	rc_dovecot dv tls "delivery mda $BIN/killed" | rc_write
	pf
	assert_failure 74
	assert_output --partial "killed by signal 9"
	assert_equal "$(dovecot_count)" 1
}

@test "%F with a hostile sender stays one harmless argument" {
	printf 'Return-Path: <-oQ/tmp/x;$(touch PWNED)`touch PWNED2`@evil.example>\nFrom: a@b\nSubject: evil\n\nhi\n' \
	    >"$BATS_TEST_TMPDIR/evil.eml"
	dovecot_add_message "$BATS_TEST_TMPDIR/evil.eml"
	mda_script args 'for a in "$@"; do printf "[%s]\n" "$a"; done >"$ARGS_OUT"; cat >/dev/null'
	export ARGS_OUT=$BATS_TEST_TMPDIR/args
	cd "$BATS_TEST_TMPDIR"
	{
		rc_dovecot dv tls "keep on" "only_new off" \
		    "delivery mda $BIN/args %F x%Fy 100%%"
		rc_dovecot sh tls "keep on" "only_new off" \
		    "state_dir $BATS_TEST_TMPDIR/state2" \
		    "delivery mda sh -c \"cat >/dev/null; echo %F >$BATS_TEST_TMPDIR/sh.out\""
	} | rc_write
	pf
	assert_success
	run cat "$ARGS_OUT"
	assert_output "[_-oQ_tmp_x___touchPWNED2_@evil.example]
[x_-oQ_tmp_x___touchPWNED2_@evil.exampley]
[100%]"
	[[ ! -e PWNED && ! -e PWNED2 ]]
	run cat "$BATS_TEST_TMPDIR/sh.out"
	assert_output "_-oQ_tmp_x___touchPWNED2_@evil.example"
}
