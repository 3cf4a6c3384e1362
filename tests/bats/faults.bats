#!/usr/bin/env bats
# Write errors at every point of a delivery and of the state: the Nth write,
# sync, rename, open or mkdir fails (ENOSPC, EIO, EDQUOT, EFBIG in turn,
# through the LD_PRELOAD library of tests/faults), for each N the run makes.
# Each time: exit 74 or 75, no QUIT (the server keeps every message) unless
# the failure came in the save after QUIT's answer, nothing delivered twice,
# the old mail of an mbox intact; the next run delivers every message
# exactly once.  Then a real full file system (tmpfs) and a
# real file size limit (ulimit -f).

load ../lib/common
load ../lib/mbox

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	corpus_many "$BATS_FILE_TMPDIR/three" 3
	export THREE=$BATS_FILE_TMPDIR/three
	export DOVECOT_LMTP=1
	dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	common_setup
	MBOX=$BATS_TEST_TMPDIR/mbox
	DEST=$(dovecot_maildir dest)
	OLD=$BATS_TEST_TMPDIR/old.eml
	printf 'Subject: old\n\nFrom old body\n' >"$OLD"
	SHIM=$(dirname "$POPFETCH")/tests/faults/libfaultshim.so
	[[ -f $SHIM ]] || skip "no $SHIM (built by meson with the rest)"
}

teardown() {
	if [[ -n ${MNT:-} ]]; then
		umount "$MNT" 2>/dev/null || true
	fi
}

ERRNOS=(ENOSPC EIO EDQUOT EFBIG)

# old_mbox: $MBOX holds one old message, a copy of it in mbox.before.
old_mbox() {
	printf 'From old@example.org Mon Jan  1 00:00:00 2001\nSubject: old\n\n>From old body\n\n' >"$MBOX"
	cp "$MBOX" "$BATS_TEST_TMPDIR/mbox.before"
}

# The mailbox as before each run: three messages on the server, nothing
# delivered, and for the mbox one old message.
fresh() {
	dovecot_clear
	dovecot_add_dir "$THREE"
	rm -rf "$MAILDIR" "$STATE_DIR" "$DEST"
	old_mbox
}

# faulted N ERRNO: popfetch with the Nth matching call failing.
faulted() {
	run timeout -k 5 120 env LD_PRELOAD="$SHIM" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    FAULT_NTH="$1" FAULT_ERRNO="$2" \
	    FAULT_REPORT="$BATS_TEST_TMPDIR/count" "$POPFETCH" -f "$RC"
}

# After a failed run: what landed is there once, nothing else was touched.
check_partial() {
	case $1 in
	maildir | mda)
		local dups
		dups=$(_sums "$MAILDIR/new" "$MAILDIR/cur" | uniq -d)
		[[ -z $dups ]] || fail "a message delivered twice"
		;;
	lmtp)
		[[ -z $(lmtp_sums "$DEST" | uniq -d) ]] ||
		    fail "a message delivered twice"
		;;
	mbox)
		# The old mail is intact and the mbox is still valid mboxrd.
		cmp -n "$(stat -c %s "$BATS_TEST_TMPDIR/mbox.before")" \
		    "$BATS_TEST_TMPDIR/mbox.before" "$MBOX" ||
		    fail "the old mail of the mbox was changed"
		local n
		n=$(mbox_count "$MBOX")
		((n >= 1 && n <= 4)) || fail "formail sees $n messages"
		mbox_split "$MBOX" "$BATS_TEST_TMPDIR/split"
		[[ -z $(_sums "$BATS_TEST_TMPDIR/split" | uniq -d) ]] ||
		    fail "a message twice in the mbox"
		;;
	esac
}

check_full() {
	case $1 in
	maildir | mda)
		MAILDIR_ALLOW_TMP=0 assert_maildir_equals "$THREE"
		;;
	lmtp)
		assert_equal "$(lmtp_sums "$DEST")" "$(_sums "$THREE")"
		;;
	mbox)
		assert_mbox_holds "$MBOX" "$OLD" "$THREE"/*
		;;
	esac
}

# sweep METHOD PATH [CALLS [SKIP]]: fails each matching call on PATH (but
# not on SKIP) in turn.
sweep() {
	local method=$1 path=$2 calls=${3:-} skip=${4:-}
	export FAULT_PATH=$path FAULT_SKIP=$skip
	[[ -n $calls ]] && export FAULT_CALLS=$calls
	fresh
	faulted 0 ENOSPC
	assert_success
	local total n e
	total=$(cat "$BATS_TEST_TMPDIR/count")
	((total > 0)) || fail "no call on $path was seen"
	echo "# $method $path: $total calls" >&3
	for ((n = 1; n <= total; n++)); do
		e=${ERRNOS[n % 4]}
		fresh
		faulted "$n" "$e"
		if [[ $status == 0 && $output == *"cannot write "*".quit: "* ]]; then
			# Only the note that QUIT was answered, which the save
			# after it made needless.
			assert_equal "$(dovecot_count)" 0
		elif [[ $status != 74 && $status != 75 ]]; then
			echo "call $n of $total on $path failing with $e: exit $status" >&2
			printf '%s\n' "$output" >&2
			fail "exit $status, not 74 or 75"
		elif [[ $output == *"the server deleted what it was asked to"* ]]; then
			# The save after QUIT's +OK, which forgets the UIDs the
			# server deleted: it did delete them, all delivered.
			assert_equal "$(dovecot_count)" 0
		else
			# No QUIT: the server deleted nothing.
			assert_equal "$(dovecot_count)" 3
		fi
		assert_output --regexp '^dv: '
		check_partial "$method"
		pf
		assert_success
		check_full "$method"
		assert_equal "$(dovecot_count)" 0
	done
	unset FAULT_PATH FAULT_CALLS FAULT_SKIP
}

# kill_sweep METHOD PATH CALLS [SKIP]: popfetch killed (SIGKILL, by the
# library) at each matching call on PATH in turn, as a kill -9 landing at
# exactly that point; the next run must end at once (no lock left that only
# time would clear) and deliver every message exactly once.
kill_sweep() {
	local method=$1 path=$2 total n t0
	export FAULT_PATH=$path FAULT_CALLS=$3 FAULT_SKIP=${4:-}
	fresh
	faulted 0 ENOSPC
	assert_success
	total=$(cat "$BATS_TEST_TMPDIR/count")
	((total > 0)) || fail "no call on $path was seen"
	echo "# $method $path: killed at each of $total calls" >&3
	for ((n = 1; n <= total; n++)); do
		fresh
		FAULT_KILL=1 faulted "$n" ENOSPC
		assert_equal "$status" 137
		if [[ $method == mbox ]]; then
			# A torn tail is the next run's to cut; the old mail
			# stays as it was.
			cmp -n "$(stat -c %s "$BATS_TEST_TMPDIR/mbox.before")" \
			    "$BATS_TEST_TMPDIR/mbox.before" "$MBOX" ||
			    fail "killed at call $n: the old mail was changed"
		else
			check_partial "$method"
		fi
		t0=$SECONDS
		pf
		assert_success
		((SECONDS - t0 < 10)) ||
		    fail "the run after a kill at call $n took $((SECONDS - t0)) s"
		if [[ $method == maildir ]]; then
			# A file in tmp/ is made only once the journal names
			# it, so the next run leaves none behind.
			assert_maildir_equals "$THREE"
			[[ -z $(find "$MAILDIR/tmp" -type f) ]] ||
			    fail "killed at call $n: a file left in tmp/"
		else
			check_full "$method"
		fi
		assert_equal "$(dovecot_count)" 0
	done
	unset FAULT_PATH FAULT_CALLS FAULT_SKIP
}

@test "kill -9 at each write, sync, rename, open and link of the mbox and its lock: the next run at once, each message once" {
	rc_dovecot dv plain "delivery mbox $MBOX" | rc_write
	kill_sweep mbox "$MBOX" write,fsync,rename,open,ftruncate,link
}

@test "kill -9 at each write, sync, rename and mkdir of the Maildir and the state: each message once" {
	rc_dovecot dv plain | rc_write
	kill_sweep maildir "$MAILDIR" write,fsync,rename,open,ftruncate,mkdir,link
	kill_sweep maildir "$STATE_DIR/" write,fsync,rename,open,ftruncate,mkdir
}

@test "Maildir: every write, sync, rename and mkdir failing in turn" {
	rc_dovecot dv plain | rc_write
	sweep maildir "$MAILDIR"
}

@test "mbox: every write, sync and truncate failing in turn; the append is undone" {
	rc_dovecot dv plain "delivery mbox $MBOX" | rc_write
	# The pid written into the dot lock is a courtesy, its failure a note.
	sweep mbox "$MBOX" write,fsync,rename,open,ftruncate,link .lock
}

@test "mbox: the dot lock cannot be made" {
	rc_dovecot dv plain "delivery mbox $MBOX" | rc_write
	sweep mbox "$MBOX.lock" open,link
}

@test "state file and journal: every write, sync and rename failing in turn" {
	rc_dovecot dv plain | rc_write
	# The login record is a courtesy: its failure is only a warning.
	sweep maildir "$STATE_DIR/" write,fsync,rename,open,ftruncate,mkdir \
	    .login
}

# kept_then_more: with keep on, a first run fetches the three messages and
# leaves the state file (copied to state.before); then three more arrive,
# all six in $BATS_TEST_TMPDIR/six.
kept_then_more() {
	rc_dovecot dv plain "keep on" | rc_write
	fresh
	pf
	assert_success
	STATE=$(echo "$STATE_DIR"/*.state)
	JOURNAL=${STATE%.state}.journal
	cp "$STATE" "$BATS_TEST_TMPDIR/state.before"
	mkdir "$BATS_TEST_TMPDIR/more" "$BATS_TEST_TMPDIR/six"
	local i
	for i in 1 2 3; do
		printf 'From: more@example.org\nSubject: more %d\n\nbody %d\n' \
		    "$i" "$i" >"$BATS_TEST_TMPDIR/more/m$i.eml"
	done
	dovecot_add_dir "$BATS_TEST_TMPDIR/more"
	cp "$THREE"/* "$BATS_TEST_TMPDIR/more"/* "$BATS_TEST_TMPDIR/six/"
}

# The state file holds the header and each of the six UIDs once.
assert_state_six() {
	assert_equal "$(sed 1d "$STATE" | cut -f1 | sort -u | wc -l)" 6
	assert_equal "$(wc -l <"$STATE")" 7
}

# append_fails [SHORT]: the append of the three new UIDs to the state file
# fails (after half of it was written, with SHORT): 74, the state file as it
# was, the journal left; the next run delivers nothing twice.
append_fails() {
	kept_then_more
	[[ -n ${1:-} ]] && export FAULT_SHORT=1
	FAULT_PATH=$STATE FAULT_SKIP=.tmp FAULT_CALLS=write faulted 1 ENOSPC
	unset FAULT_SHORT
	assert_failure 74
	assert_output --partial "free some space in $STATE_DIR"
	cmp "$BATS_TEST_TMPDIR/state.before" "$STATE"
	[[ -s $JOURNAL ]] || fail "the journal is gone"
	MAILDIR_ALLOW_TMP=0 assert_maildir_equals "$BATS_TEST_TMPDIR/six"
	pf
	assert_success
	assert_maildir_equals "$BATS_TEST_TMPDIR/six"
	assert_state_six
	[[ ! -e $JOURNAL ]] || fail "the journal is still there"
	pf
	assert_success
	assert_maildir_equals "$BATS_TEST_TMPDIR/six"
}

@test "the append to the state file failing after delivery: 74, the state file as it was, the journal left; the next run delivers nothing twice" {
	append_fails
}

@test "a short write appending to the state file, then an error: cut off again, 74; the next run delivers nothing twice" {
	append_fails 1
}

@test "kill -9 at each open, write and sync of an append to the state file: the next run delivers each message once" {
	kept_then_more
	cp -a "$MAILDIR" "$BATS_TEST_TMPDIR/maildir.before"
	export FAULT_PATH=$STATE FAULT_SKIP=.tmp
	export FAULT_CALLS=open,write,fsync,ftruncate
	faulted 0 ENOSPC
	assert_success
	local total n
	total=$(cat "$BATS_TEST_TMPDIR/count")
	((total >= 3)) || fail "only $total calls on $STATE"
	for ((n = 1; n <= total; n++)); do
		rm -rf "$MAILDIR" "$JOURNAL"
		cp -a "$BATS_TEST_TMPDIR/maildir.before" "$MAILDIR"
		cp "$BATS_TEST_TMPDIR/state.before" "$STATE"
		FAULT_KILL=1 faulted "$n" ENOSPC
		assert_equal "$status" 137
		pf
		assert_success
		assert_maildir_equals "$BATS_TEST_TMPDIR/six"
		assert_state_six
	done
	unset FAULT_PATH FAULT_CALLS FAULT_SKIP
}

@test "a state file whose last line was cut short: no error, nothing fetched twice, the line cut off" {
	kept_then_more
	printf 'half-a-u' >>"$STATE"
	pf
	assert_success
	assert_maildir_equals "$BATS_TEST_TMPDIR/six"
	assert_state_six
	[[ $(tail -c 1 "$STATE") == "" ]] || fail "the last line has no newline"
	cmp -n "$(stat -c %s "$BATS_TEST_TMPDIR/state.before")" \
	    "$BATS_TEST_TMPDIR/state.before" "$STATE" ||
	    fail "the lines before the append changed"
	pf
	assert_success
	assert_maildir_equals "$BATS_TEST_TMPDIR/six"
}

@test "a short write to the mbox, then an error: rolled back" {
	rc_dovecot dv plain "delivery mbox $MBOX" | rc_write
	fresh
	FAULT_PATH=$MBOX FAULT_CALLS=write FAULT_SHORT=1 faulted 2 ENOSPC
	assert_failure 74
	assert_equal "$(dovecot_count)" 3
	cmp "$BATS_TEST_TMPDIR/mbox.before" "$MBOX"
	pf
	assert_success
	check_full mbox
}

# with_big: the three messages and a big one (130 KB) on the server, and in
# $BATS_TEST_TMPDIR/big.
with_big() {
	mkdir "$BATS_TEST_TMPDIR/big"
	cp "$THREE"/* "$BATS_TEST_TMPDIR/big/"
	{
		printf 'From: big@example.org\nSubject: big\n\n'
		head -c 100000 /dev/urandom | base64
	} >"$BATS_TEST_TMPDIR/big/zz-big.eml"
	dovecot_clear
	dovecot_add_dir "$BATS_TEST_TMPDIR/big"
}

# A real full file system: a small tmpfs (needs mount, so root outside a
# restricted container).
@test "a real full file system (tmpfs): 74, nothing lost, the next run with room delivers once" {
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir -p "$MNT"
	mount -t tmpfs -o size=64k tmpfs "$MNT" 2>/dev/null ||
	    { MNT=; skip "mount is not permitted here (not root, or a container)"; }
	with_big
	MAILDIR=$MNT/Maildir
	rc_dovecot dv plain | rc_write
	pf
	assert_failure 74
	assert_output --partial 'No space left on device'
	assert_equal "$(dovecot_count)" 4
	[[ -z $(_sums "$MAILDIR/new" | uniq -d) ]] || fail "a message twice"
	umount "$MNT"
	mount -t tmpfs -o size=4m tmpfs "$MNT"
	rm -rf "$STATE_DIR"
	pf
	assert_success
	assert_maildir_equals "$BATS_TEST_TMPDIR/big"
	assert_equal "$(dovecot_count)" 0
}

@test "a real file size limit (ulimit -f) on the mbox: 74, the append undone" {
	corpus_many "$BATS_TEST_TMPDIR/big" 1
	head -c 100000 /dev/urandom | base64 >>"$BATS_TEST_TMPDIR/big/"*
	dovecot_clear
	dovecot_add_dir "$BATS_TEST_TMPDIR/big"
	rc_dovecot dv plain "delivery mbox $MBOX" | rc_write
	old_mbox
	run bash -c 'ulimit -f 64; exec timeout 60 "$0" -f "$1"' "$POPFETCH" "$RC"
	assert_failure 74
	assert_equal "$(dovecot_count)" 1
	cmp "$BATS_TEST_TMPDIR/mbox.before" "$MBOX"
	pf
	assert_success
	assert_mbox_holds "$MBOX" "$OLD" "$BATS_TEST_TMPDIR/big"/*
}

@test "a real file size limit (ulimit -f) on the Maildir: 74, no part of it in new/, the next run delivers once" {
	with_big
	rc_dovecot dv plain | rc_write
	run bash -c 'ulimit -f 64; exec timeout 60 "$0" -f "$1"' "$POPFETCH" "$RC"
	assert_failure 74
	assert_output --partial 'File too large'
	assert_equal "$(dovecot_count)" 4
	# Only whole messages, each once; the big one in no part.
	[[ -z $(_sums "$MAILDIR/new" | uniq -d) ]] || fail "a message twice"
	! grep -rqs '^Subject: big' "$MAILDIR/new" "$MAILDIR/cur" ||
	    fail "the big message is in the Maildir"
	pf
	assert_success
	MAILDIR_ALLOW_TMP=0 assert_maildir_equals "$BATS_TEST_TMPDIR/big"
	assert_equal "$(dovecot_count)" 0
}

@test "a real full file system (tmpfs) under the mbox: 74, the append undone, the old mail intact" {
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir -p "$MNT"
	mount -t tmpfs -o size=64k tmpfs "$MNT" 2>/dev/null ||
	    { MNT=; skip "mount is not permitted here (not root, or a container)"; }
	with_big
	MBOX=$MNT/mbox
	old_mbox
	rc_dovecot dv plain "delivery mbox $MBOX" | rc_write
	pf
	assert_failure 74
	assert_output --partial 'No space left on device'
	assert_equal "$(dovecot_count)" 4
	# The old mail first, then only whole messages, each once.
	cmp -n "$(stat -c %s "$BATS_TEST_TMPDIR/mbox.before")" \
	    "$BATS_TEST_TMPDIR/mbox.before" "$MBOX" ||
	    fail "the old mail of the mbox was changed"
	mbox_split "$MBOX" "$BATS_TEST_TMPDIR/split"
	[[ -z $(_sums "$BATS_TEST_TMPDIR/split" | uniq -d) ]] ||
	    fail "a message twice in the mbox"
	! grep -qs '^Subject: big' "$MBOX" || fail "the big message is in the mbox"
	cp "$MBOX" "$BATS_TEST_TMPDIR/mbox.full"
	umount "$MNT"
	mount -t tmpfs -o size=4m tmpfs "$MNT"
	cp "$BATS_TEST_TMPDIR/mbox.full" "$MBOX"
	pf
	assert_success
	assert_mbox_holds "$MBOX" "$OLD" "$BATS_TEST_TMPDIR/big"/*
	assert_equal "$(dovecot_count)" 0
}

# --- the MDA -----------------------------------------------------------------

# mda_script NAME BODY: an executable sh script; "store" puts its input in
# $MAILDIR/new.
mda_script() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\n%s\n' "$2" >"$BATS_TEST_TMPDIR/bin/$1"
	chmod 755 "$BATS_TEST_TMPDIR/bin/$1"
}

store_mda() {
	mda_script store 'mkdir -p "$1/new" "$1/cur" "$1/tmp" &&
f=$(mktemp "$1/tmp/m.XXXXXX") && cat >"$f" && mv "$f" "$1/new/"'
	rc_dovecot dv plain "delivery mda $BATS_TEST_TMPDIR/bin/store $MAILDIR" "$@"
}

@test "MDA: every write, sync and rename of its spool and the state failing in turn" {
	store_mda | rc_write
	# The log of MDA deliveries under way narrows the window for a
	# duplicate after a crash; a run that cannot write it warns and goes on.
	# So does one that cannot empty the spool: its size is kept apart.
	sweep mda "$STATE_DIR/" write,fsync,rename,open,mkdir .login,.mda
}

@test "LMTP: every write, sync and rename of its spool and the state failing in turn" {
	rc_dovecot dv plain "delivery lmtp $DOVECOT_LMTP_SOCKET" "recipient dest" |
	    rc_write
	# As with the MDA, its log of deliveries under way is a narrower
	# window for a duplicate, not a condition of delivering.
	sweep lmtp "$STATE_DIR/" write,fsync,rename,open,mkdir .login,.lmtp
}

# mda_fails SCRIPT MESSAGE: the MDA fails on a big message; 74 with
# MESSAGE, the message stays on the server, and the next run with a working
# MDA delivers each message once.
mda_fails() {
	local big=$BATS_TEST_TMPDIR/big
	mkdir -p "$big"
	{
		printf 'From: big@example.org\nSubject: big\n\n'
		python3 -c 'print(("y" * 70 + "\n") * 20000, end="")'
	} >"$big/zz-big.eml"
	dovecot_clear
	dovecot_add_dir "$big"
	rm -rf "$MAILDIR" "$STATE_DIR"
	mda_script bad "$1"
	rc_dovecot dv plain "delivery mda $BATS_TEST_TMPDIR/bin/bad $MAILDIR" | rc_write
	local t0=$SECONDS
	${FAULTED:-pf}
	assert_failure 74
	assert_output --partial "$2"
	(( SECONDS - t0 < 20 )) || fail "took $((SECONDS - t0)) s"
	assert_equal "$(dovecot_count)" 1
	store_mda | rc_write
	pf
	assert_success
	assert_maildir_equals "$big"
	assert_equal "$(dovecot_count)" 0
}

@test "MDA closing its input half way and exiting 0: 74, kept, the next run delivers once" {
	mda_fails 'head -c 1000 >/dev/null; exit 0' "stopped reading"
}

@test "MDA killed by a signal half way: 74, kept, the next run delivers once" {
	mda_fails 'head -c 1000 >/dev/null; kill -9 $$' "killed by signal 9"
}

@test "MDA killed by a signal after reading everything: 74, kept, delivered once next run" {
	mda_fails 'cat >/dev/null; kill -TERM $$' "killed by signal 15"
}


# An MDA's ten minutes pass in two seconds: the library makes time() run
# 300 times faster in popfetch (not in the MDA, which it leaves alone).
faulted_fast() {
	FAULT_CALLS=none FAULT_TIME_RATE=300 faulted 0 ENOSPC
}

@test "MDA hanging past its timeout: killed, 74, kept, the next run delivers once" {
	local pidfile=$BATS_TEST_TMPDIR/mda.pid
	FAULTED=faulted_fast mda_fails "echo \$\$ >$pidfile; exec sleep 300" \
	    "did not finish within 600 seconds: killed"
	# Killed, not left behind.
	run kill -0 "$(cat "$pidfile")"
	assert_failure
}

@test "SIGTERM while an MDA hangs: passed on to it (killed after 5 s if it ignores it), 75, kept, delivered once next run" {
	local pidfile=$BATS_TEST_TMPDIR/mda.pid script pid st t0 limit
	for script in "exec sleep 300" "trap '' TERM; exec sleep 300"; do
		dovecot_clear
		dovecot_add_dir "$THREE"
		rm -rf "$MAILDIR" "$STATE_DIR" "$pidfile"
		mda_script hang "echo \$\$ >$pidfile; $script"
		rc_dovecot dv plain \
		    "delivery mda $BATS_TEST_TMPDIR/bin/hang $MAILDIR" | rc_write
		"$POPFETCH" -f "$RC" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
		pid=$!
		local tries=200
		until [[ -s $pidfile ]] || ((tries-- == 0)); do
			sleep 0.05
		done
		t0=$SECONDS
		kill -TERM "$pid"
		st=0
		wait "$pid" || st=$?
		assert_equal "$st" 75
		grep -q "stopped by signal 15" "$BATS_TEST_TMPDIR/out" ||
		    fail "$(cat "$BATS_TEST_TMPDIR/out")"
		# At once when the MDA ends on SIGTERM, else after its grace.
		limit=2
		[[ $script == trap* ]] && limit=8
		((SECONDS - t0 <= limit)) ||
		    fail "took $((SECONDS - t0)) s ($script)"
		run kill -0 "$(cat "$pidfile")"
		assert_failure
		assert_equal "$(dovecot_count)" 3
		store_mda | rc_write
		pf
		assert_success
		assert_maildir_equals "$THREE"
		assert_equal "$(dovecot_count)" 0
	done
}

# --- the order of the syncs --------------------------------------------------

# trace_run: a run (keep off) traced by the library, each write, sync,
# rename and unlink under the test's directory and each command sent, in
# order, into $BATS_TEST_TMPDIR/trace.
trace_run() {
	run timeout -k 5 120 env LD_PRELOAD="$SHIM" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    FAULT_TRACE=1 FAULT_CALLS=write,fsync,rename,unlink,send \
	    FAULT_PATH="$BATS_TEST_TMPDIR" "$POPFETCH" -f "$RC"
	assert_success
	assert_equal "$(dovecot_count)" 0
	printf '%s\n' "$output" | grep '^fault ' >"$BATS_TEST_TMPDIR/trace"
}

# traced SUFFIX: trace_run, then checks that every line the run appended to the commit log
# KEY.SUFFIX (none for a Maildir) was synced before the state file was
# next written, and that the journal's removal was made durable (its
# directory synced after the unlink) before QUIT went out.
traced() {
	fresh
	trace_run
	run awk -v suffix="$1" -v dir="$STATE_DIR" '
	    function bad(why) { print "line " NR ": " why ": " $0; err = 1 }
	    $3 == "write" && suffix != "" && $4 ~ ("\\." suffix "$") {
		marks++; unsynced = 1 }
	    $3 == "fsync" && suffix != "" && $4 ~ ("\\." suffix "$") {
		unsynced = 0 }
	    ($3 == "write" || $3 == "rename") && $4 ~ /\.state(\.tmp)?$/ &&
		unsynced { bad("the state saved before the commit log synced") }
	    $3 == "unlink" && $4 ~ /\.journal$/ { gone++; jpending = 1 }
	    $3 == "fsync" && $4 == dir { jpending = 0 }
	    $3 == "send" && $4 ~ /QUIT/ {
		quit = 1
		if (jpending) bad("QUIT before the journal'"'"'s removal was synced")
	    }
	    END {
		if (suffix != "" && marks == 0) { print "no commit log line"; err = 1 }
		if (!gone) { print "no journal removed"; err = 1 }
		if (!quit) { print "no QUIT"; err = 1 }
		exit err
	    }' "$BATS_TEST_TMPDIR/trace"
	if ((status != 0)); then
		cat "$BATS_TEST_TMPDIR/trace"
		fail "$1: $output"
	fi
}

@test "the commit log is synced before the state is saved, the journal's removal before QUIT: mbox, MDA, LMTP, Maildir" {
	rc_dovecot dv plain "delivery mbox $MBOX" | rc_write
	traced mbox
	store_mda | rc_write
	traced mda
	rc_dovecot dv plain "delivery lmtp $DOVECOT_LMTP_SOCKET" "recipient dest" |
	    rc_write
	traced lmtp
	rc_dovecot dv plain | rc_write
	traced ""
}

@test "mbox: a file it creates has its directory synced before the state records what went into it" {
	local inbox=$BATS_TEST_TMPDIR/mail/inbox
	mkdir "${inbox%/*}"
	rc_dovecot dv plain "delivery mbox $inbox" | rc_write
	fresh
	trace_run
	assert_mbox_holds "$inbox" "$THREE"/*
	run awk -v dir="${inbox%/*}" '
	    $3 == "fsync" && $4 == dir { synced = 1 }
	    ($3 == "write" || $3 == "rename") && $4 ~ /\.state(\.tmp)?$/ &&
		!synced { print "line " NR ": " $0; exit 1 }
	    END { if (!synced) { print "never synced"; exit 1 } }' \
	    "$BATS_TEST_TMPDIR/trace"
	if ((status != 0)); then
		cat "$BATS_TEST_TMPDIR/trace"
		fail "the directory of the new mbox not synced: $output"
	fi
}
