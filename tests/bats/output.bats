#!/usr/bin/env bats
# What popfetch says: nothing with -q, one summary line per account, the
# protocol trace with -vv (never the password), every line on stderr and
# prefixed with the account name.

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

@test "-q prints nothing on success" {
	rc_dovecot dv tls | rc_write
	pf -q
	assert_success
	assert_output ""
	assert_maildir_equals "$CORPUS"
}

@test "-q prints nothing on success when there is no new mail" {
	rc_dovecot dv tls "keep on" | rc_write
	pf -q
	assert_success
	pf -q
	assert_success
	assert_output ""
}

@test "without -q: one summary line, prefixed with the account name" {
	rc_dovecot dv tls | rc_write
	pf
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --regexp '^dv: '
}

@test "without -q: one summary line per account" {
	{
		rc_dovecot first tls "keep on"
		echo
		rc_dovecot second starttls "keep on"
	} | rc_write
	pf
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp '^first: '
	assert_line --index 1 --regexp '^second: '
}

@test "nothing goes to stdout" {
	rc_dovecot dv tls | rc_write
	run sh -c '"$0" -f "$1" -vv 2>/dev/null' "$POPFETCH" "$RC"
	assert_success
	assert_output ""
	dovecot_clear
	dovecot_add_dir "$CORPUS"
	run sh -c '"$0" -f "$1" -vv -A 2>&1 >/dev/null' "$POPFETCH" "$RC"
	assert_success
	assert_output --partial "dv: > CAPA"
}

@test "-vv: protocol trace with the account name, PASS masked" {
	rc_dovecot dv tls "auth user" | rc_write
	pf -vv
	assert_success
	assert_line "dv: > CAPA"
	assert_line --regexp '^dv: < \+OK'
	assert_line "dv: > USER $DOVECOT_USER"
	assert_line "dv: > PASS ****"
	assert_line --regexp '^dv: > (RETR|LIST|UIDL|STAT)'
	refute_output --partial "$DOVECOT_PASS"
}

@test "-vv: every line starts with the account name" {
	rc_dovecot dv starttls | rc_write
	pf -vv
	assert_success
	local line
	for line in "${lines[@]}"; do
		[[ $line == "dv: "* ]] || fail "line without the account name: $line"
	done
}

@test "-vv with auth auto (SASL PLAIN): the password shows in no form" {
	rc_dovecot dv tls | rc_write
	pf -vv
	assert_success
	refute_output --partial "$DOVECOT_PASS"
	local token
	token=$(printf '\0%s\0%s' "$DOVECOT_USER" "$DOVECOT_PASS" | base64 -w0)
	refute_output --partial "$token"
	token=$(printf '%s' "$DOVECOT_PASS" | base64 -w0)
	refute_output --partial "$token"
}

@test "-v says more than the summary, and not the protocol trace" {
	rc_dovecot dv tls | rc_write
	pf -v
	assert_success
	(( ${#lines[@]} >= 1 ))
	refute_line --regexp '^dv: [<>] '
}

@test "-h prints the usage and exits 0" {
	run "$POPFETCH" -h
	assert_success
	assert_output --partial "popfetch"
	assert_output --partial "-f"
}

@test "-V prints the version and exits 0" {
	run "$POPFETCH" -V
	assert_success
	assert_output --regexp '[0-9]+\.[0-9]+'
}
