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

# The fault sweeps of faults.bats on a run long enough to record batches
# mid-run: the calls a clean run of 300 messages makes on the Maildir and
# the state are counted, then SWEEP_SAMPLES of them (6; "all" for every
# one, a long run), drawn by SWEEP_SEED, fail in turn, one in three as a
# kill -9 instead.  Each time: nothing lost, and the next run delivers
# each message once.
@test "300 messages: sampled write, sync, rename, open and link faults and kills on the Maildir and the state: each message once" {
	rc_dovecot work plain | rc_write
	local seed=${SWEEP_SEED:-$RANDOM} samples=${SWEEP_SAMPLES:-6}
	local calls=write,fsync,rename,open,link,mkdir,ftruncate n k i st
	local errnos=(ENOSPC EIO EDQUOT)
	echo "# SWEEP_SEED=$seed" >&3
	run timeout -k 5 300 env LD_PRELOAD="$SHIM" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    FAULT_PATH="$BATS_TEST_TMPDIR/" FAULT_CALLS=$calls \
	    FAULT_REPORT="$BATS_TEST_TMPDIR/count" "$POPFETCH" -f "$RC"
	assert_success
	n=$(cat "$BATS_TEST_TMPDIR/count")
	((n > 600)) || fail "only $n calls counted for 300 messages"
	local points
	if [[ $samples == all ]]; then
		points=$(seq 1 "$n")
	else
		points=$(python3 -c 'import random, sys
r = random.Random(int(sys.argv[1]))
print(" ".join(map(str, sorted(r.sample(range(1, int(sys.argv[2]) + 1),
    int(sys.argv[3]))))))' "$seed" "$n" "$samples")
	fi
	i=0
	for k in $points; do
		dovecot_clear
		dovecot_add_dir "$MANY"
		rm -rf "$MAILDIR" "$STATE_DIR"
		local kill=
		((i % 3 == 2)) && kill=1
		run timeout -k 5 300 env LD_PRELOAD="$SHIM" \
		    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
		    FAULT_PATH="$BATS_TEST_TMPDIR/" FAULT_CALLS=$calls \
		    FAULT_NTH="$k" FAULT_ERRNO="${errnos[i % 3]}" \
		    ${kill:+FAULT_KILL=1} "$POPFETCH" -f "$RC"
		st=$status
		case $st in
		0|74|75|137) ;;
		*) fail "call $k of $n (seed $seed): exit $st: $output" ;;
		esac
		pf -q
		[[ $status == 0 ]] ||
		    fail "call $k of $n (seed $seed): the next run: exit $status: $output"
		MAILDIR_ALLOW_TMP=0 assert_maildir_equals "$MANY" ||
		    fail "call $k of $n (seed $seed, exit $st): not each once"
		[[ $(dovecot_count) == 0 ]] ||
		    fail "call $k of $n (seed $seed): left on the server"
		i=$((i + 1))
	done
}
