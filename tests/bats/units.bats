#!/usr/bin/env bats
# The systemd user units as installed: verified the way the user manager
# reads them (systemd-analyze --user), with not a warning, and put by meson
# install where systemd and the shells look.

load ../lib/common

setup() {
	command -v systemd-analyze >/dev/null ||
	    skip "systemd-analyze is not installed (package systemd)"
	BUILD=$(dirname "$POPFETCH")
	UNITS=$BATS_TEST_TMPDIR/units
	mkdir -p "$UNITS" "$BATS_TEST_TMPDIR/run"
	chmod 700 "$BATS_TEST_TMPDIR/run"
	cp "$BUILD"/popfetch*.service "$BUILD"/popfetch*.timer "$UNITS"/
	# verify wants ExecStart's program to exist: the one under test.
	sed -i "s|^ExecStart=[^ ]*|ExecStart=$POPFETCH|" "$UNITS"/*.service
}

verify() {
	cd "$UNITS"
	XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run run systemd-analyze --user \
	    verify --man=no "$@"
}

@test "user manager: popfetch.service and .timer verify without a word" {
	verify popfetch.service popfetch.timer
	assert_success
	assert_output ""
}

@test "user manager: the template verifies for an instance" {
	verify popfetch@work.service popfetch@work.timer
	assert_success
	assert_output ""
}

@test "verify does catch a bad unit, so the tests above can fail" {
	sed -i 's/^Type=oneshot/Type=oneshoot/' "$UNITS/popfetch.service"
	verify popfetch.service
	assert_output --partial "oneshoot"
}

@test "the template passes the instance unescaped, after --" {
	grep -qx "ExecStart=$POPFETCH -q --syslog -- %I" \
	    "$UNITS/popfetch@.service"
	# An account name with a dash is escaped in the unit name: %I undoes it.
	run systemd-escape --template=popfetch@.service "my-box"
	assert_output 'popfetch@my\x2dbox.service'
}

@test "meson install: units, bash, zsh and fish completion where they are looked for" {
	local dest=$BATS_TEST_TMPDIR/dest prefix u
	prefix=$(meson introspect --buildoptions "$BUILD" | python3 -c '
import json, sys
print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
	run meson install -C "$BUILD" --no-rebuild --destdir "$dest"
	assert_success
	for u in popfetch.service popfetch.timer popfetch@.service popfetch@.timer; do
		[[ -f $dest$prefix/lib/systemd/user/$u ]]
	done
	grep -qx "ExecStart=$prefix/bin/popfetch -q --syslog" \
	    "$dest$prefix/lib/systemd/user/popfetch.service"
	[[ -f $dest$prefix/share/bash-completion/completions/popfetch ]]
	# site-functions: in zsh's own $fpath for any prefix.
	[[ -f $dest$prefix/share/zsh/site-functions/_popfetch ]]
	[[ -f $dest$prefix/share/fish/vendor_completions.d/popfetch.fish ]]
}

@test "the fish completion parses" {
	command -v fish >/dev/null || skip "fish is not installed"
	run fish --no-execute "$REPO/completions/popfetch.fish"
	assert_success
}
