#!/usr/bin/env bats
# The model-based random tester (tests/model/run, docs/testing.md): random
# scenarios of faulted runs against a stateful POP server, each checked by
# the oracle (every message delivered once or still on the server,
# duplicates only in the documented windows), for MODEL_SECONDS (120, 60
# under the sanitizers).  A failure prints the seed to rerun:
#     SEED=N tests/model/run --skip ...
#
# MODEL_SKIP leaves out the faults and server ways that show a bug not yet
# fixed on this branch (tests/model/run --help lists them); drop a word
# from the default below once its fix has landed.

load ../lib/common

setup() {
	SHIM=$(dirname "$POPFETCH")/tests/faults/libfaultshim.so
	[[ -f $SHIM ]] || skip "no $SHIM (built by meson with the rest)"
	: "${MODEL_SKIP=uid-reuse}"
	if [[ -z ${MODEL_SECONDS:-} ]]; then
		MODEL_SECONDS=120
		[[ $POPFETCH == *asan* ]] && MODEL_SECONDS=60
	fi
	export MODEL_SKIP MODEL_SECONDS
}

@test "model: random scenarios of faults, kills and servers lose no message and deliver none twice" {
	run timeout -k 10 $((MODEL_SECONDS + 240)) \
	    "$REPO/tests/model/run" --popfetch "$POPFETCH"
	printf '%s\n' "$output" | grep -v '^ok ' | sed 's/^/# /' >&3
	assert_success
	assert_line --regexp '^[0-9]+ scenarios from seed [0-9]+, 0 failed$'
}

@test "model: a seed replays the same scenario" {
	local a b
	run "$REPO/tests/model/run" --popfetch "$POPFETCH" --seed 7
	assert_success
	a=$(grep -m 3 -E '^(seed 7:|  arrives|run 1:)' <<<"$output")
	run "$REPO/tests/model/run" --popfetch "$POPFETCH" --seed 7
	assert_success
	b=$(grep -m 3 -E '^(seed 7:|  arrives|run 1:)' <<<"$output")
	assert_equal "$a" "$b"
	[[ $a == "seed 7: delivery "* ]]
}
