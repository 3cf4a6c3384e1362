#!/usr/bin/env bats
# Bash completion without a server: the file after --import FORMAT and
# --deliver METHOD, the default rc file found as popfetch finds it, and
# options in step with --help.

load ../lib/common

setup() {
	common_setup
	export HOME=$BATS_TEST_TMPDIR/home
	unset XDG_CONFIG_HOME
	mkdir -p "$HOME"
	cd "$BATS_TEST_TMPDIR"
}

# complete_words WORD...: what the bash completion offers for the last one.
complete_words() {
	# shellcheck source=/dev/null
	source "$REPO/completions/popfetch.bash"
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	_popfetch
	printf '%s\n' "${COMPREPLY[@]}"
}

@test "after --import FORMAT and --deliver mbox: files, not accounts" {
	echo "account acct1" >"$HOME/.fetchrc"
	touch fetchmailrc
	run complete_words popfetch --import fetchmail fetch
	assert_output "fetchmailrc"
	run complete_words popfetch --deliver mbox fetch
	assert_output "fetchmailrc"
	mkdir Maildir
	run complete_words popfetch --deliver maildir M
	assert_output "Maildir"
	# And after the file, accounts again.
	run complete_words popfetch -k acc
	assert_output "acct1"
}

@test "a relative XDG_CONFIG_HOME is ignored, as popfetch ignores it" {
	echo "account dot" >"$HOME/.fetchrc"
	mkdir -p rel/popfetch
	echo "account rel" >rel/popfetch/fetchrc
	XDG_CONFIG_HOME=rel run complete_words popfetch ""
	assert_output "dot"
	mkdir -p "$HOME/.config/popfetch"
	echo "account xdg" >"$HOME/.config/popfetch/fetchrc"
	XDG_CONFIG_HOME=rel run complete_words popfetch ""
	assert_output "xdg"
}

@test "an unreadable default XDG file still wins over ~/.fetchrc, as for popfetch" {
	[[ $(id -u) != 0 ]] || skip "root reads any file"
	echo "account dot" >"$HOME/.fetchrc"
	mkdir -p "$HOME/.config/popfetch"
	echo "account xdg" >"$HOME/.config/popfetch/fetchrc"
	chmod 000 "$HOME/.config/popfetch/fetchrc"
	run complete_words popfetch ""
	assert_output ""
}

@test "every long option of --help is offered, and nothing else" {
	local o offered
	offered=$(complete_words popfetch -- | grep -- '^--' | sort)
	run bash -c '"$1" --help | grep -oE -- "--[a-z-]+" | sort -u' sh "$POPFETCH"
	assert_output "$offered"
}
