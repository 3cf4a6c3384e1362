#!/usr/bin/env bats
# kill -9 at random points of an mbox, an MDA and an LMTP run, round after
# round.  The mbox stays a valid mboxrd file holding each message exactly once
# after the next run; with an MDA or LMTP nothing is lost, and a message is
# delivered twice only inside the window fetchrc(5) names (the message the
# MDA or the LMTP server was handed when the run died): at most one per kill,
# counted and reported.
#
# KILL_ROUNDS (default 3, the short run of every suite) sets how many rounds;
# KILL_SEED fixes the random points (the seed is printed).  docs/testing.md:
# the long run.

load ../lib/common
load ../lib/mbox

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	corpus_many "$BATS_FILE_TMPDIR/many" 400
	export MANY=$BATS_FILE_TMPDIR/many
	# An MDA costs a process per message: fewer, for the same rounds.
	mkdir "$BATS_FILE_TMPDIR/few"
	cp $(ls -d "$MANY"/* | head -50) "$BATS_FILE_TMPDIR/few/"
	export FEW=$BATS_FILE_TMPDIR/few
	export DOVECOT_LMTP=1
	dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	common_setup
	MBOX=$BATS_TEST_TMPDIR/mbox
	ROUNDS=${KILL_ROUNDS:-3}
	SEED=${KILL_SEED:-$(date +%s%N | tail -c 6)}
	RANDOM=$((10#$SEED))
	echo "# seed $SEED, $ROUNDS rounds (KILL_SEED=$SEED to replay)" >&3
}

teardown() {
	if [[ -n ${VICTIM:-} ]]; then
		kill -KILL "$VICTIM" 2>/dev/null || true
		wait "$VICTIM" 2>/dev/null || true
	fi
}

# span SRC: how long a whole run of SRC's messages takes here, in ms (SPAN),
# so that the kills land all over a run whatever the machine's speed: the
# shorter of two runs, lest a moment of load stretch it past most runs.
span() {
	local i t0 t1 ms
	SPAN=
	for i in 1 2; do
		dovecot_clear
		dovecot_add_dir "$1"
		t0=$(date +%s%N)
		pf
		assert_success
		t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000000 ))
		[[ -n $SPAN ]] && ((SPAN <= ms)) || SPAN=$ms
	done
	((SPAN > 0)) || SPAN=1
	echo "# a whole run takes $SPAN ms" >&3
}

# victim_killed: popfetch started and killed -9 at a random point of SPAN.
# KILLED counts the kills that found it still running.
victim_killed() {
	local ms=$((RANDOM * 32768 + RANDOM))
	ms=$((ms % SPAN))
	"$POPFETCH" -f "$RC" -q >/dev/null 2>&1 3>&- &
	VICTIM=$!
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	if kill -0 "$VICTIM" 2>/dev/null; then
		KILLED=$((KILLED + 1))
	fi
	kill -KILL "$VICTIM" 2>/dev/null || true
	wait "$VICTIM" 2>/dev/null || true
	VICTIM=
}

# finish: the run after the kills, which must end well and soon.  When it
# does not, what could have held it is shown: a lock left behind and whether
# its owner lives, and the server's sessions.
finish() {
	local t0=$SECONDS
	pf
	if ((status != 0 || SECONDS - t0 > 30)); then
		{
			echo "-- the run after the kills: status $status in" \
			    "$((SECONDS - t0)) s --"
			printf '%s\n' "$output"
			echo "-- lock files --"
			local f pid
			for f in "$MBOX".lock* "$STATE_DIR"/*.lock; do
				[[ -e $f ]] || continue
				echo "$f: $(cat "$f" 2>/dev/null)"
				pid=$(awk '{print $1; exit}' "$f" 2>/dev/null)
				[[ -n $pid ]] && ps -o pid=,stat=,args= -p "$pid"
			done
			echo "-- /proc/locks --"
			cat /proc/locks
			echo "-- processes of the server --"
			pgrep -a -f "$DOVECOT_DIR" || true
		} | fail
	fi
}

# torture_start SRC: KILLED zeroed, the span of a whole run of SRC.
torture_start() {
	KILLED=0
	span "$1"
}

# kill_round SRC: the server given SRC's messages anew, popfetch killed one
# to three times (more while none found it running), then run to the end;
# ROUND_KILLS is how many kills landed.
kill_round() {
	local k kills=$((RANDOM % 3 + 1)) before=$KILLED
	dovecot_clear
	dovecot_add_dir "$1"
	for ((k = 0; k < kills || (KILLED == before && k < 6); k++)); do
		victim_killed
	done
	finish
	assert_equal "$(dovecot_count)" 0
	ROUND_KILLS=$((KILLED - before))
}

@test "mbox: kill -9 at random points, round after round: valid mboxrd, each message once" {
	rc_dovecot dv plain "delivery mbox $MBOX" | rc_write
	local round
	torture_start "$MANY"
	for ((round = 1; round <= ROUNDS; round++)); do
		rm -f "$MBOX"
		rm -rf "$STATE_DIR"
		kill_round "$MANY"
		assert_mbox_holds "$MBOX" "$MANY"/*
	done
	echo "# $KILLED kills landed in a run" >&3
	((KILLED > 0)) || fail "no kill landed in a run"
}

@test "MDA: kill -9 at random points, round after round: nothing lost, duplicates only in the window" {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\nf=$(mktemp "$1/tmp/m.XXXXXX") && cat >"$f" && mv "$f" "$1/new/"\n' \
	    >"$BATS_TEST_TMPDIR/bin/store"
	chmod 755 "$BATS_TEST_TMPDIR/bin/store"
	rc_dovecot dv plain "delivery mda $BATS_TEST_TMPDIR/bin/store $MAILDIR" |
	    rc_write
	local round
	mkdir -p "$MAILDIR"/{new,cur,tmp}
	torture_start "$FEW"
	DUPS=0
	for ((round = 1; round <= ROUNDS; round++)); do
		rm -rf "$MAILDIR" "$STATE_DIR"
		mkdir -p "$MAILDIR"/{new,cur,tmp}
		kill_round "$FEW"
		# At most the one message in the MDA's hands per kill.
		assert_once_or_window "$FEW" "$(_sums "$MAILDIR/new")"
	done
	echo "# $KILLED kills landed in a run; $DUPS duplicates" >&3
	((KILLED > 0)) || fail "no kill landed in a run"
}

# assert_once_or_window SRC SUMS: SUMS (sorted, one a line) holds every
# message of SRC, whole, and no more duplicates than ROUND_KILLS; DUPS adds
# them up.
assert_once_or_window() {
	local want dups
	want=$(_sums "$1")
	assert_equal "$(uniq <<<"$2")" "$want"
	dups=$(( $(grep -c . <<<"$2") - $(grep -c . <<<"$want") ))
	((dups <= ROUND_KILLS)) ||
	    fail "$dups duplicates after $ROUND_KILLS kills"
	DUPS=$((DUPS + dups))
}

@test "LMTP: kill -9 at random points, round after round: nothing lost, duplicates only in the window" {
	local dest round
	dest=$(dovecot_maildir dest)
	rc_dovecot dv plain "delivery lmtp $DOVECOT_LMTP_SOCKET" \
	    "recipient dest" | rc_write
	torture_start "$MANY"
	DUPS=0
	for ((round = 1; round <= ROUNDS; round++)); do
		rm -rf "$dest" "$STATE_DIR"
		kill_round "$MANY"
		# At most the one message the server was storing per kill.
		assert_once_or_window "$MANY" "$(lmtp_sums "$dest")"
	done
	echo "# $KILLED kills landed in a run; $DUPS duplicates" >&3
	((KILLED > 0)) || fail "no kill landed in a run"
}
