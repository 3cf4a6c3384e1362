#!/usr/bin/env bats
# mbox delivery from a real Dovecot, read back with real mbox readers (git
# mailsplit --mboxrd, procmail's formail): byte for byte, the mail already
# there intact, a write cut short by the file size limit undone, and two
# popfetch runs and a procmail writing one mbox at once losing nothing.

load ../lib/common
load ../lib/mbox

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
	MBOX=$BATS_TEST_TMPDIR/mail/inbox
	mkdir -p "${MBOX%/*}"
}

rc_mbox() {
	rc_dovecot dv tls "delivery mbox $MBOX" "received_header off" "$@" |
	    rc_write
}

@test "mboxrd: every message read back byte for byte, From lines quoted" {
	dovecot_add_dir "$CORPUS"
	rc_mbox
	pf
	assert_success
	assert_mbox_holds "$MBOX" "$CORPUS"/*
	assert_equal "$(dovecot_count)" 0
	# The From_ line: the sender's address and an asctime date.
	run grep -c -E '^From sender@example\.org (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$' "$MBOX"
	assert_output "$(ls "$CORPUS" | wc -l)"
	# The body's From lines got one more '>'.
	run grep -c '^>From the start of a line$' "$MBOX"
	assert_output 1
	run grep -c '^>>From already quoted$' "$MBOX"
	assert_output 1
}

@test "the mbox is created 0600, and a Return-Path is the sender" {
	printf 'Return-Path: <bounce+x@lists.example.org>\nFrom: a@b\nSubject: rp\n\nhi\n' \
	    >"$BATS_TEST_TMPDIR/rp.eml"
	dovecot_add_message "$BATS_TEST_TMPDIR/rp.eml"
	rc_mbox
	pf
	assert_success
	assert_equal "$(stat -c %a "$MBOX")" 600
	run head -1 "$MBOX"
	assert_output --regexp '^From bounce\+x@lists\.example\.org '
	assert_mbox_holds "$MBOX" "$BATS_TEST_TMPDIR/rp.eml"
}

@test "mail already in the mbox stays as it was" {
	local old=$BATS_TEST_TMPDIR/old
	printf 'From old@example.org Mon Jan  1 00:00:00 2001\nSubject: old\n\n>From old body\n\n' >"$old"
	cp "$old" "$MBOX"
	dovecot_add_dir "$CORPUS"
	rc_mbox
	pf
	assert_success
	cmp -n "$(stat -c %s "$old")" "$old" "$MBOX"
	printf 'Subject: old\n\nFrom old body\n' >"$BATS_TEST_TMPDIR/old.eml"
	assert_mbox_holds "$MBOX" "$BATS_TEST_TMPDIR/old.eml" "$CORPUS"/*
}

@test "a write cut short by ulimit -f leaves the mbox as it was and the message on the server" {
	local big=$BATS_TEST_TMPDIR/big.eml
	{
		printf 'From: big@example.org\nSubject: big\n\n'
		python3 -c 'print(("x" * 70 + "\n") * 6000, end="")'
	} >"$big"
	dovecot_add_message "$big"
	printf 'From old@example.org Mon Jan  1 00:00:00 2001\nSubject: old\n\nold\n\n' >"$MBOX"
	cp "$MBOX" "$BATS_TEST_TMPDIR/before"
	rc_mbox
	# 200 KiB: more than the mbox and the state, less than the message.
	run bash -c 'ulimit -f 200; exec "$@"' _ timeout 60 "$POPFETCH" -f "$RC"
	assert_failure 74
	assert_output --partial "$MBOX"
	assert_output --partial "ulimit"
	cmp "$BATS_TEST_TMPDIR/before" "$MBOX"
	[[ ! -e $MBOX.lock ]]
	assert_equal "$(dovecot_count)" 1

	pf
	assert_success
	printf 'Subject: old\n\nold\n' >"$BATS_TEST_TMPDIR/old.eml"
	assert_mbox_holds "$MBOX" "$BATS_TEST_TMPDIR/old.eml" "$big"
	assert_equal "$(dovecot_count)" 0
}

@test "an mbox held locked by another program is waited for" {
	dovecot_add_dir "$CORPUS"
	rc_mbox
	touch "$MBOX"
	# fcntl lock and dot lock, as procmail and mutt take them, for 2 s.
	python3 -c 'import fcntl, os, sys, time
f = open(sys.argv[1], "a")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[1] + ".lock", "w").write("%d\n" % os.getpid())
print("locked", flush=True)
time.sleep(2)
os.unlink(sys.argv[1] + ".lock")' "$MBOX" >"$BATS_TEST_TMPDIR/locker" &
	local locker=$!
	while ! grep -q locked "$BATS_TEST_TMPDIR/locker"; do sleep 0.05; done
	local t0=$SECONDS
	pf
	wait "$locker"
	assert_success
	((SECONDS - t0 >= 1))
	assert_mbox_holds "$MBOX" "$CORPUS"/*
}

@test "two popfetch runs and a procmail writing one mbox at once lose nothing" {
	local many=$BATS_TEST_TMPDIR/many pm=$BATS_TEST_TMPDIR/pm i
	corpus_many "$many" 60
	dovecot_add_dir "$many"
	mkdir -p "$pm"
	for i in $(seq 1 40); do
		printf 'From: procmail%d@example.org\nSubject: procmail %d\n\nbody %d\n' \
		    "$i" "$i" "$i" >"$pm/$i.eml"
	done
	printf 'DEFAULT=%s\nLOGFILE=/dev/null\n' "$MBOX" >"$BATS_TEST_TMPDIR/procmailrc"
	chmod 600 "$BATS_TEST_TMPDIR/procmailrc"
	# Two accounts with state of their own: each fetches every message.
	{
		rc_dovecot one tls "delivery mbox $MBOX" "received_header off" \
		    "keep on" "state_dir $BATS_TEST_TMPDIR/state1"
		rc_dovecot two plain "delivery mbox $MBOX" "received_header off" \
		    "keep on" "state_dir $BATS_TEST_TMPDIR/state2"
	} | rc_write
	"$POPFETCH" -q -f "$RC" one >"$BATS_TEST_TMPDIR/one.out" 2>&1 &
	local p1=$!
	"$POPFETCH" -q -f "$RC" two >"$BATS_TEST_TMPDIR/two.out" 2>&1 &
	local p2=$!
	(
		for i in $(seq 1 40); do
			procmail -f "procmail$i@example.org" \
			    "$BATS_TEST_TMPDIR/procmailrc" <"$pm/$i.eml"
		done
	) &
	local p3=$!
	local s1=0 s2=0 s3=0
	wait "$p1" || s1=$?
	wait "$p2" || s2=$?
	wait "$p3" || s3=$?
	cat "$BATS_TEST_TMPDIR/one.out" "$BATS_TEST_TMPDIR/two.out"
	assert_equal "$s1 $s2 $s3" "0 0 0"
	# procmail writes mboxo, which mboxrd reads the same when no line
	# starts with ">From": these messages have none.
	assert_mbox_holds "$MBOX" "$many"/* "$many"/* "$pm"/*
}

# power_cut_journal MBOX STATE: the journal a power cut can bring back when
# its removal was lost, naming the last message of MBOX (its offset, device,
# inode and From_ line's time, as the receipt has them) under the last UID
# of STATE, with a marker the commit log does not hold, as if its append
# was lost too.
power_cut_journal() {
	local mbox=$1 state=$2
	python3 -c 'import os, sys, time
mbox, uid, journal = sys.argv[1:4]
data = open(mbox, "rb").read()
off = data.rfind(b"\nFrom ") + 1
line = data[off:data.index(b"\n", off)].decode()
when = int(time.mktime(time.strptime(line.split(" ", 2)[2],
    "%a %b %d %H:%M:%S %Y")))
st = os.stat(mbox)
with open(journal, "a") as f:
    f.write("P\t%s\t%d:%d:%d:%d:%s\n" % (uid, off, st.st_dev, st.st_ino,
        when, os.urandom(8).hex()))' "$mbox" "$(tail -1 "$state" | cut -f1)" \
	    "${state%.state}.journal"
	: >"${state%.state}.mbox"
}

@test "a power cut after a delivery brings the journal back without the commit log's marker: the message stays in the mbox, once" {
	local msg=$BATS_TEST_TMPDIR/power.eml state
	printf 'From: someone@example.org\nSubject: power cut\n\nstill here\n' \
	    >"$msg"
	dovecot_add_message "$msg"
	rc_mbox
	pf
	assert_success
	assert_equal "$(dovecot_count)" 0
	state=$(echo "$STATE_DIR"/*.state)
	# The mbox holds the whole message and the state its UID; the server
	# has deleted it.
	power_cut_journal "$MBOX" "$state"
	pf
	assert_success
	assert_mbox_holds "$MBOX" "$msg"
	[[ ! -e ${state%.state}.journal ]] || fail "the journal is still there"
}
