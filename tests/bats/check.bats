#!/usr/bin/env bats
# --check without a server: each problem exits 78 naming the file and the
# line that set what is wrong; the accounts before it are printed.

load ../lib/common

setup() {
	common_setup
}

# An account whose server is never contacted.
block() {
	cat <<-EOF
	account a
	host 127.0.0.1
	port 1
	tls off
	auth user
	user test
	password secret
	state_dir $STATE_DIR
	EOF
}

@test "--check: a file where the Maildir's new/ goes: 78 at the delivery line" {
	mkdir -p "$MAILDIR"/{tmp,cur}
	touch "$MAILDIR/new"
	{ block; echo "delivery maildir $MAILDIR"; } | rc_write
	pf --check
	assert_failure 78
	assert_output --partial "$RC:9: delivery maildir $MAILDIR/new: $MAILDIR/new is not a directory"
}

@test "--check: a Maildir whose cur/ cannot be written: 78" {
	[[ $(id -u) != 0 ]] || skip "root writes in any directory"
	mkdir -p "$MAILDIR"/{tmp,new,cur}
	chmod 500 "$MAILDIR/cur"
	{ block; echo "delivery maildir $MAILDIR"; } | rc_write
	pf --check
	assert_failure 78
	assert_output --partial "$RC:9: delivery maildir $MAILDIR/cur: cannot write"
}

@test "--check: a whole Maildir, or none yet under a writable directory: fine" {
	mkdir -p "$MAILDIR"/{tmp,new,cur}
	{ block; echo "delivery maildir $MAILDIR"; } | rc_write
	pf --check
	assert_success
	{ block; echo "delivery maildir $BATS_TEST_TMPDIR/x/y/Maildir"; } |
	    rc_write
	pf --check
	assert_success
	[[ ! -e $BATS_TEST_TMPDIR/x ]]
}

@test "--check: an mbox under a file: 78" {
	touch "$BATS_TEST_TMPDIR/f"
	{ block; echo "delivery mbox $BATS_TEST_TMPDIR/f/box"; } | rc_write
	pf --check
	assert_failure 78
	assert_output --partial "$RC:9: "
}

@test "--check: the filter and the exit codes it is read by" {
	mkdir -p "$MAILDIR"/{tmp,new,cur}
	{ block; echo "delivery maildir $MAILDIR"; echo "filter /bin/true"; } |
	    rc_write
	pf --check
	assert_success
	assert_output --partial "delete once delivered, filter /bin/true (0 fetch, 99 delete, 98 leave)"
	echo "filter_exit mpop" >>"$RC"
	pf --check
	assert_success
	assert_output --partial ", filter /bin/true (filter_exit mpop: 0 fetch, 1 delete, 2 leave)"
}

@test "--check: a filter not in PATH: 78 at its line" {
	{ block; echo "delivery maildir $MAILDIR"; echo "filter nope-filter"; } |
	    rc_write
	pf --check
	assert_failure 78
	assert_output --partial "$RC:10: filter nope-filter is not in PATH"
}

@test "--check: an smtp_passwordeval not in PATH: 78 at its line" {
	{ block; echo "delivery smtp 127.0.0.1"; echo "smtp_user u";
	    echo "smtp_passwordeval nope-pass"; } | rc_write
	pf --check
	assert_failure 78
	assert_output --partial "$RC:11: smtp_passwordeval nope-pass is not in PATH"
}

@test "--check: a client key that is not there: 78 at its line" {
	touch "$BATS_TEST_TMPDIR/cert.pem"
	{ block | grep -v '^tls off'
	    echo "tls_cert_file $BATS_TEST_TMPDIR/cert.pem"
	    echo "tls_key_file $BATS_TEST_TMPDIR/key.pem"
	    echo "delivery maildir $MAILDIR"; } | rc_write
	pf --check
	assert_failure 78
	assert_output --partial "$RC:9: tls_key_file $BATS_TEST_TMPDIR/key.pem"
}

@test "--check: the first problem stops it; the accounts before are printed" {
	{
		block
		echo "delivery maildir $MAILDIR"
		block | sed 's/^account a/account z/'
		echo "delivery mda no-such-mda-here"
	} | rc_write
	run --separate-stderr timeout 30 "$POPFETCH" -f "$RC" --check
	assert_failure 78
	[[ $output == "a: 127.0.0.1 port 1, no TLS"* ]]
	[[ $stderr == *"$RC:18: delivery mda no-such-mda-here is not in PATH"* ]]
}
