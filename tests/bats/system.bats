#!/usr/bin/env bats
# At home on the system: --check, --syslog and the syslog key, shell
# completion, the systemd units.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	dovecot_start
}

teardown_file() {
	dovecot_stop
}

setup() {
	common_setup
	dovecot_clear
}

teardown() {
	[[ -z ${LOGD_PID:-} ]] || kill "$LOGD_PID" 2>/dev/null || true
}

# --- --check ---------------------------------------------------------------

@test "--check prints what each account would do, touching no network" {
	rc_dovecot dv tls "keep 7d" | rc_write
	rc_dovecot other plain "delivery mbox $BATS_TEST_TMPDIR/mbox" \
	    "host 192.0.2.1" >>"$RC"
	pf --check
	assert_success
	assert_line "dv: 127.0.0.1 port $DOVECOT_PORTS, TLS, auth auto as $DOVECOT_USER, only new mail into maildir $MAILDIR, delete 604800 s after the first fetch"
	assert_line --partial "other: 192.0.2.1 port $DOVECOT_PORT, no TLS, auth user"
	assert_line --partial "into mbox $BATS_TEST_TMPDIR/mbox, delete once delivered"
	# Nothing was created or fetched.
	[[ ! -e $MAILDIR ]]
}

@test "--check: a missing trust file, MDA, passwordeval or socket is 78 with file:line" {
	rc_dovecot dv tls | sed "s|^tls_trust_file .*|tls_trust_file /nonexistent/ca.pem|" | rc_write
	pf --check
	assert_failure 78
	assert_output --partial "$RC:4: tls_trust_file /nonexistent/ca.pem"
	rc_dovecot dv tls "delivery mda no-such-mda -f %F" | rc_write
	pf --check
	assert_failure 78
	assert_output --partial "delivery mda no-such-mda is not in PATH"
	assert_output --partial "$RC:"
	rc_dovecot dv tls "passwordeval no-such-helper x" | rc_write
	pf --check
	assert_failure 78
	assert_output --partial "passwordeval no-such-helper is not in PATH"
	rc_dovecot dv tls "delivery lmtp /nonexistent/lmtp" "recipient x" | rc_write
	pf --check
	assert_failure 78
	assert_output --partial "is not a socket"
	touch "$BATS_TEST_TMPDIR/file"
	rc_dovecot dv tls "delivery maildir $BATS_TEST_TMPDIR/file/Maildir" | rc_write
	pf --check
	assert_failure 78
	assert_output --partial "Not a directory"
}

# --- syslog ------------------------------------------------------------------

# Runs popfetch ARGS with /dev/log a socket of the test's own, in a mount
# namespace of its own; what arrives is in $BATS_TEST_TMPDIR/syslog.
pf_syslog() {
	local dev=$BATS_TEST_TMPDIR/dev n
	mkdir -p "$dev"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n")
' "$dev/log" "$BATS_TEST_TMPDIR/syslog" </dev/null >/dev/null 2>&1 3>&- &
	LOGD_PID=$!
	until [[ -e $dev/log.ready ]]; do sleep 0.05; done
	for n in null zero random urandom; do
		: >"$dev/$n"
	done
	run unshare -m sh -c '
		for n in null zero random urandom; do
			mount --bind /dev/$n "$1/$n" || exit 99
		done
		mount --bind "$1" /dev || exit 99
		shift
		exec "$@"' sh "$dev" timeout 60 "$POPFETCH" -f "$RC" "$@"
	if [[ $status == 99 ]]; then
		skip "no mount namespace here (unshare -m)"
	fi
	sleep 0.2
}

@test "--syslog: the lines go to syslog, facility mail, with the account; none on stderr" {
	corpus_many "$BATS_TEST_TMPDIR/m" 2
	dovecot_add_dir "$BATS_TEST_TMPDIR/m"
	rc_dovecot dv tls | rc_write
	pf_syslog --syslog -v
	assert_success
	assert_output ""
	# <22> is mail.info; "dv:" starts every message.
	grep -q '^<22>.*popfetch\[[0-9]*\]: dv: 2 new of 2 messages' "$BATS_TEST_TMPDIR/syslog"
	run grep -c 'popfetch\[[0-9]*\]: dv: ' "$BATS_TEST_TMPDIR/syslog"
	(( output >= 3 ))
}

@test "syslog on in the rc file: that account's lines, errors as mail.err" {
	rc_dovecot dv tls "syslog on" "password wrong" | rc_write
	pf_syslog
	assert_failure 77
	assert_output ""
	# <19> is mail.err.
	grep -q '^<19>.*popfetch\[[0-9]*\]: dv: .*PLAIN' "$BATS_TEST_TMPDIR/syslog"
}

# --- completion ----------------------------------------------------------------

# complete_words WORD...: what the bash completion offers for the line.
complete_words() {
	bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_popfetch
		printf "%s\n" "${COMPREPLY[@]}"' sh \
	    "$REPO/completions/popfetch.bash" "$@"
}

@test "bash completion: options, their values, and accounts of the rc file" {
	rc_dovecot work tls | rc_write
	rc_dovecot home tls >>"$RC"
	run complete_words popfetch --pro
	assert_output "--progress"
	run complete_words popfetch --progress ""
	assert_output "$(printf 'auto\nalways\nnever')"
	run complete_words popfetch --import ""
	assert_output "$(printf 'fetchmail\nmpop\ngetmail')"
	run complete_words popfetch -f "$RC" w
	assert_output "work"
	run complete_words popfetch -f "$RC" ""
	assert_output "$(printf 'work\nhome')"
	run complete_words popfetch -f "$RC" --authorize h
	assert_output "home"
	# Without -f: the default rc file.
	mkdir -p "$BATS_TEST_TMPDIR/xdg/popfetch"
	cp "$RC" "$BATS_TEST_TMPDIR/xdg/popfetch/fetchrc"
	XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg run complete_words popfetch ho
	assert_output "home"
}

@test "zsh completion is a valid zsh script" {
	command -v zsh >/dev/null || skip "no zsh"
	zsh -n "$REPO/completions/_popfetch"
}

# --- systemd ---------------------------------------------------------------------

@test "the systemd units pass systemd-analyze verify" {
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
	local d=$BATS_TEST_TMPDIR/units u
	mkdir -p "$d"
	for u in popfetch.service popfetch.timer popfetch@.service popfetch@.timer; do
		sed "s|@BINDIR@|$(dirname "$POPFETCH")|" "$REPO/systemd/$u.in" >"$d/$u"
	done
	cp "$d/popfetch@.service" "$d/popfetch@work.service"
	cp "$d/popfetch@.timer" "$d/popfetch@work.timer"
	run systemd-analyze verify --man=no "$d/popfetch.service" "$d/popfetch.timer" \
	    "$d/popfetch@work.service" "$d/popfetch@work.timer"
	assert_success
	refute_output --partial "nknown"
	grep -q '^ExecStart=.*popfetch -q$' "$d/popfetch.service"
	grep -q '^ExecStart=.*popfetch -q %i$' "$d/popfetch@.service"
	grep -q '^Persistent=true' "$d/popfetch.timer"
}
