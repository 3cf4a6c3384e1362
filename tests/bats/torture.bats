#!/usr/bin/env bats
# kill -9 at random points of an mbox and of an MDA run, round after round.
# The mbox stays a valid mboxrd file holding each message exactly once after
# the next run; with an MDA nothing is lost, and a message is delivered twice
# only inside the window fetchrc(5) names (the message the MDA was handed
# when the run died): at most one per kill, counted and reported.
#
# KILL_ROUNDS (default 4) sets how many rounds; KILL_SEED fixes the random
# points (the seed is printed).  docs/testing.md: the long run.

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
	dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	# Rounds of kills take minutes: run by asking, KILL_ROUNDS=N (the
	# short kill tests of kill.bats, lmtp.bats and oauth.bats always run).
	if [[ -z ${KILL_ROUNDS:-} ]]; then
		skip "the kill torture runs with KILL_ROUNDS=N set"
	fi
	common_setup
	MBOX=$BATS_TEST_TMPDIR/mbox
	ROUNDS=$KILL_ROUNDS
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

# span: how long a whole run takes here, in ms (SPAN), so that the kills
# land all over a run whatever the machine's speed.
span() {
	local t0 t1
	t0=$(date +%s%N)
	pf
	assert_success
	t1=$(date +%s%N)
	SPAN=$(( (t1 - t0) / 1000000 ))
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

@test "mbox: kill -9 at random points, round after round: valid mboxrd, each message once" {
	rc_dovecot dv plain "delivery mbox $MBOX" | rc_write
	local round kills k
	KILLED=0
	dovecot_clear
	dovecot_add_dir "$MANY"
	span
	for ((round = 1; round <= ROUNDS; round++)); do
		dovecot_clear
		dovecot_add_dir "$MANY"
		rm -f "$MBOX"
		rm -rf "$STATE_DIR"
		# One to three kills in a row, then a run to the end.
		kills=$((RANDOM % 3 + 1))
		for ((k = 0; k < kills; k++)); do
			victim_killed
		done
		pf
		assert_success
		assert_mbox_holds "$MBOX" "$MANY"/*
		assert_equal "$(dovecot_count)" 0
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
	local round kills k before dups total=0
	KILLED=0
	dovecot_clear
	dovecot_add_dir "$FEW"
	mkdir -p "$MAILDIR"/{new,cur,tmp}
	span
	for ((round = 1; round <= ROUNDS; round++)); do
		dovecot_clear
		dovecot_add_dir "$FEW"
		rm -rf "$MAILDIR" "$STATE_DIR"
		mkdir -p "$MAILDIR"/{new,cur,tmp}
		kills=$((RANDOM % 3 + 1))
		before=$KILLED
		for ((k = 0; k < kills; k++)); do
			victim_killed
		done
		pf
		assert_success
		assert_equal "$(dovecot_count)" 0
		# Every message there, whole; some perhaps twice.
		local want got
		want=$(_sums "$FEW" | uniq)
		got=$(_sums "$MAILDIR/new" | uniq)
		assert_equal "$got" "$want"
		dups=$(( $(maildir_count) - $(ls "$FEW" | wc -l) ))
		# At most the one message in the MDA's hands per kill.
		((dups <= KILLED - before)) ||
		    fail "$dups duplicates after $((KILLED - before)) kills"
		total=$((total + dups))
	done
	echo "# $KILLED kills landed in a run; $total duplicates" >&3
	((KILLED > 0)) || fail "no kill landed in a run"
}
