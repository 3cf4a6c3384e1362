#!/usr/bin/env bats
# The power-cut explorer (tests/powercut/run, docs/testing.md): a recorded
# run of popfetch, the disk rebuilt as a power cut after each of its calls
# may leave it, and the model's oracle on two clean runs from there, for
# POWERCUT_SECONDS (30, 15 under the sanitizers).  A failure prints the
# command that replays it:
#     tests/powercut/run --seed N --point K --method M
#
# POWERCUT_SKIP leaves out what shows a bug not yet fixed on this branch
# (tests/powercut/run --help lists the words: mbox-from, an append cut
# inside its From_ line; mbox-lock, a dot lock a cut
# kept and no run can tell is stale); drop a word from the
# default below once its fix has landed.

load ../lib/common

setup() {
	RECORDER=$(dirname "$POPFETCH")/tests/powercut/librecorder.so
	[[ -f $RECORDER ]] || skip "no $RECORDER (built by meson with the rest)"
	: "${POWERCUT_SKIP=mbox-from,mbox-lock}"
	if [[ -z ${POWERCUT_SECONDS:-} ]]; then
		POWERCUT_SECONDS=30
		[[ $POPFETCH == *asan* ]] && POWERCUT_SECONDS=15
	fi
	export POWERCUT_SKIP POWERCUT_SECONDS
}

@test "powercut: a cut after any call of a run, any unsynced call lost, loses no message and delivers none twice" {
	run timeout -k 10 $((POWERCUT_SECONDS + 180)) \
	    "$REPO/tests/powercut/run" --popfetch "$POPFETCH"
	printf '%s\n' "$output" | grep -v '^ok ' | sed 's/^/# /' >&3
	assert_success
	assert_line --regexp '^[0-9]+ scenarios from seed [0-9]+: [0-9]+ crash points checked, [0-9]+ states rebuilt, 0 failures;'
}

@test "powercut: a seed replays the same calls and the same states" {
	local a b
	run "$REPO/tests/powercut/run" --popfetch "$POPFETCH" --seed 2 \
	    --method maildir --max-points 12
	assert_success
	a=$(grep -E '^(seed 2|recorded|ok )' <<<"$output" | sed 's/[0-9]\{6,\}//g')
	run "$REPO/tests/powercut/run" --popfetch "$POPFETCH" --seed 2 \
	    --method maildir --max-points 12
	assert_success
	b=$(grep -E '^(seed 2|recorded|ok )' <<<"$output" | sed 's/[0-9]\{6,\}//g')
	assert_equal "$a" "$b"
	[[ $a == "seed 2: delivery maildir"* ]]
}

@test "powercut: a cut after a commit log's fsync, the journal lines it names lost, delivers nothing twice (seed 100)" {
	# The mbox's markers were durable, the journal lines naming their
	# UIDs were not: the next run took both messages for new ones.
	run "$REPO/tests/powercut/run" --popfetch "$POPFETCH" --seed 100 \
	    --skip mbox-lock
	assert_success
	assert_line --regexp '^seed 100: ok: [0-9]+ crash points'
}

@test "powercut: an mbox append torn by a cut, its journal line on disk, is cut off by the next run (seed 5005)" {
	# The journal line was synced only with the batch: a cut kept half
	# the append and lost the line, and the half message stayed.
	run "$REPO/tests/powercut/run" --popfetch "$POPFETCH" --seed 5005 \
	    --skip mbox-lock
	assert_success
	assert_line --regexp '^seed 5005: ok: [0-9]+ crash points'
}
