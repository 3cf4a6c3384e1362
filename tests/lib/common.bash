# Shared by every bats suite: paths, rc files, the message corpus, Maildir
# comparison, and the scripted server.  Load with
#     load ../lib/common

TESTS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$TESTS_LIB/../.." && pwd)
SCENARIOS=$REPO/tests/scenarios
POPFETCH=${POPFETCH:-$REPO/build/popfetch}
BATS_LIB_DIR=${BATS_LIB_DIR:-/usr/lib/bats}
export REPO POPFETCH SCENARIOS TESTS_LIB

if ! declare -F bats_require_minimum_version >/dev/null; then
	echo "the popfetch tests need bats 1.5 or later" >&2
	exit 1
fi
bats_require_minimum_version 1.5.0

load "$BATS_LIB_DIR/bats-support/load"
load "$BATS_LIB_DIR/bats-assert/load"
source "$TESTS_LIB/certs.bash"
source "$TESTS_LIB/dovecot.bash"

# --- running popfetch ------------------------------------------------------

# pf ARGS...: runs popfetch on $RC (bats `run`: $status, $output, $lines).
# A hung run fails the test instead of hanging the suite.
pf() {
	run timeout -k 5 "${PF_TIMEOUT:-120}" "$POPFETCH" -f "$RC" "$@"
}

# Same, but with the maximum resident size in KiB left in $PF_MAXRSS.
pf_maxrss() {
	local rss=$BATS_TEST_TMPDIR/maxrss
	run python3 "$TESTS_LIB/maxrss.py" "$rss" \
	    timeout -k 5 "${PF_TIMEOUT:-120}" "$POPFETCH" -f "$RC" "$@"
	PF_MAXRSS=$(cat "$rss")
}

# Prints the output of the last `run` (bats shows it only on failure).
show_output() {
	printf '%s\n' "$output" | sed 's/^/    | /' >&3
}

# --- rc files --------------------------------------------------------------

# The default places of one test's files.
RC=
MAILDIR=
STATE_DIR=

common_setup() {
	RC=$BATS_TEST_TMPDIR/fetchrc
	MAILDIR=$BATS_TEST_TMPDIR/Maildir
	STATE_DIR=$BATS_TEST_TMPDIR/state
}

# The extra lines of an account block; received_header off unless they set
# it, as most tests compare delivered messages byte for byte.
_rc_extra() {
	local line trace=0
	for line in "$@"; do
		[[ $line == received_header* ]] && trace=1
		echo "$line"
	done
	((trace)) || echo "received_header off"
}

# rc_dovecot NAME MODE [KEY VALUE lines...]: an account block for the
# Dovecot server; MODE is tls (implicit), starttls or plain (tls off).
rc_dovecot() {
	local name=$1 mode=$2
	shift 2
	echo "account $name"
	echo "host 127.0.0.1"
	case $mode in
	tls)
		echo "port $DOVECOT_PORTS"
		echo "tls_trust_file $CERTS_DIR/ca.pem"
		;;
	starttls)
		echo "port $DOVECOT_PORT"
		echo "tls_starttls on"
		echo "tls_trust_file $CERTS_DIR/ca.pem"
		;;
	plain)
		echo "port $DOVECOT_PORT"
		echo "tls off"
		echo "auth user"
		;;
	*)
		echo "rc_dovecot: unknown mode $mode" >&2
		return 1
		;;
	esac
	echo "user $DOVECOT_USER"
	echo "password $DOVECOT_PASS"
	echo "delivery maildir $MAILDIR"
	echo "state_dir $STATE_DIR"
	echo "timeout 20"
	_rc_extra "$@"
}

# rc_fake NAME MODE [lines...]: an account block for the scripted server;
# MODE is plain (tls off, auth user), tls (implicit) or starttls.
rc_fake() {
	local name=$1 mode=$2
	shift 2
	echo "account $name"
	echo "host 127.0.0.1"
	echo "port $FAKE_PORT"
	case $mode in
	plain)
		echo "tls off"
		echo "auth user"
		;;
	tls)
		echo "tls_trust_file $CERTS_DIR/ca.pem"
		echo "auth user"
		;;
	starttls)
		echo "tls_starttls on"
		echo "tls_trust_file $CERTS_DIR/ca.pem"
		echo "auth user"
		;;
	esac
	echo "user test"
	echo "password fake-secret"
	echo "delivery maildir $MAILDIR"
	echo "state_dir $STATE_DIR"
	echo "timeout 10"
	_rc_extra "$@"
}

# Writes stdin to $RC, mode 600.
rc_write() {
	cat >"$RC"
	chmod 600 "$RC"
}

# --- the message corpus ----------------------------------------------------

# corpus_make DIR [big]: messages that break naive clients, one per file,
# each ending in a newline.  With "big", also a 20 MB message.
corpus_make() {
	python3 "$TESTS_LIB/corpus.py" "$@"
}

# corpus_many DIR N: N small distinct messages.
corpus_many() {
	python3 "$TESTS_LIB/corpus.py" --many "$2" "$1"
}

# --- Maildir checks --------------------------------------------------------

# Sorted sha256 sums of the regular files in the given dirs.
_sums() {
	find "$@" -maxdepth 1 -type f -print0 2>/dev/null |
	    xargs -0 -r sha256sum | awk '{print $1}' | sort
}

# Sorted sha256 sums of the messages of a Maildir that LMTP delivered into
# (new/ and cur/), the Return-Path line Dovecot adds taken off; one
# interpreter for them all.
lmtp_sums() {
	python3 -c 'import hashlib, os, sys
out = []
for sub in ("new", "cur"):
    d = os.path.join(sys.argv[1], sub)
    for n in os.listdir(d) if os.path.isdir(d) else []:
        b = open(os.path.join(d, n), "rb").read()
        if b.startswith(b"Return-Path: "):
            b = b[b.index(b"\n") + 1:]
        out.append(hashlib.sha256(b).hexdigest())
if out:
    print("\n".join(sorted(out)))' "$1"
}

# Messages in a Maildir (new/ and cur/).
maildir_count() {
	local dir=${1:-$MAILDIR}
	find "$dir/new" "$dir/cur" -maxdepth 1 -type f 2>/dev/null | wc -l
}

# assert_maildir_equals SRC [MAILDIR]: the Maildir holds exactly the files
# of SRC, byte for byte, in any order, and nothing is left in tmp/ (unless
# MAILDIR_ALLOW_TMP=1).
assert_maildir_equals() {
	local src=$1 dir=${2:-$MAILDIR}
	local want got
	want=$(_sums "$src")
	got=$(_sums "$dir/new" "$dir/cur")
	if [[ $want != "$got" ]]; then
		{
			echo "-- Maildir $dir differs from $src --"
			echo "expected $(printf '%s\n' "$want" | grep -c .) messages," \
			    "got $(printf '%s\n' "$got" | grep -c .)"
			local f s
			for f in "$src"/*; do
				s=$(sha256sum <"$f" | awk '{print $1}')
				grep -qx "$s" <<<"$got" || echo "missing or altered: $(basename "$f")"
			done
			echo "--"
		} | fail
		return 1
	fi
	# After a kill -9 a partial file may stay in tmp/ (readers ignore it).
	[[ ${MAILDIR_ALLOW_TMP:-0} == 1 ]] && return 0
	local left
	left=$(find "$dir/tmp" -type f 2>/dev/null | wc -l)
	if ((left != 0)); then
		echo "Maildir $dir/tmp holds $left files" | fail
		return 1
	fi
}

# --- the scripted server ---------------------------------------------------

FAKE_PID=
FAKE_PORT=
FAKE_LOG=

# fake_start SCENARIO [fakepop options...]: SCENARIO is a path or the name
# of a file in tests/scenarios (without .pop).  Sets FAKE_PORT, FAKE_LOG.
fake_start() {
	local scenario=$1
	shift
	[[ -f $scenario ]] || scenario=$SCENARIOS/$scenario.pop
	FAKE_LOG=$BATS_TEST_TMPDIR/fake.log
	local portfile=$BATS_TEST_TMPDIR/fake.port
	rm -f "$portfile"
	: >"$FAKE_LOG"
	python3 "$TESTS_LIB/fakepop.py" "$scenario" --port-file "$portfile" \
	    --log "$FAKE_LOG" --cert "$CERTS_DIR/server.pem" \
	    --key "$CERTS_DIR/server-key.pem" "$@" \
	    </dev/null >"$BATS_TEST_TMPDIR/fake.err" 2>&1 3>&- &
	FAKE_PID=$!
	local tries=100
	while [[ ! -s $portfile ]] && ((tries-- > 0)); do
		if ! kill -0 "$FAKE_PID" 2>/dev/null; then
			cat "$BATS_TEST_TMPDIR/fake.err" >&2
			fail "fakepop did not start"
		fi
		sleep 0.05
	done
	FAKE_PORT=$(cat "$portfile")
	export FAKE_PORT
}

# Waits for the scripted server to finish; its status in FAKE_STATUS
# (0: the client played the whole scenario).
fake_wait() {
	FAKE_STATUS=0
	[[ -n $FAKE_PID ]] || return 0
	local tries=${1:-200}
	while kill -0 "$FAKE_PID" 2>/dev/null && ((tries-- > 0)); do
		sleep 0.05
	done
	if kill -0 "$FAKE_PID" 2>/dev/null; then
		kill "$FAKE_PID" 2>/dev/null || true
	fi
	wait "$FAKE_PID" || FAKE_STATUS=$?
	FAKE_PID=
}

# port_file_wait FILE: the port a scripted server wrote to FILE, once it is
# there (up to five seconds).
port_file_wait() {
	local tries=100
	while [[ ! -s $1 ]] && ((tries-- > 0)); do
		sleep 0.05
	done
	cat "$1"
}

# pid_stop PID: ends a scripted server this test started (nothing for "").
pid_stop() {
	[[ -n ${1:-} ]] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

fake_stop() {
	[[ -n ${FAKE_PID:-} ]] || return 0
	kill "$FAKE_PID" 2>/dev/null || true
	wait "$FAKE_PID" 2>/dev/null || true
	FAKE_PID=
}

# The scripted server's log, for a failing test's output.
fake_log() {
	echo "-- fakepop log --"
	cat "$FAKE_LOG" 2>/dev/null || true
	cat "$BATS_TEST_TMPDIR/fake.err" 2>/dev/null || true
	echo "--"
}

# The client never sent a line matching the regex (checks the fake's log).
refute_sent() {
	if grep -Eq "$1" "$FAKE_LOG"; then
		{ echo "the client sent a line matching /$1/"; fake_log; } | fail
		return 1
	fi
}

assert_sent() {
	if ! grep -Eq "$1" "$FAKE_LOG"; then
		{ echo "the client never sent a line matching /$1/"; fake_log; } | fail
		return 1
	fi
}

# --- scenario pieces for generated scenarios -------------------------------

# The greeting, CAPA (with extra capability lines as arguments), USER/PASS.
sc_login() {
	echo "S: +OK fake POP3 ready"
	echo "C: CAPA"
	echo "S: +OK capabilities follow"
	echo "S: USER"
	echo "S: UIDL"
	echo "S: TOP"
	echo "S: RESP-CODES"
	echo "S: AUTH-RESP-CODE"
	local cap
	for cap in "$@"; do
		echo "S: $cap"
	done
	echo "S: ."
	echo "C: USER test"
	echo "S: +OK"
	echo "C: PASS *"
	echo "S: +OK logged in"
}

# The size in octets of FILE as a POP3 server counts it (CRLF line ends).
pop_size() {
	python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
print(len(d) + d.count(b"\n") - d.count(b"\r\n"))' "$1"
}

# sc_listing UID:FILE...: STAT, UIDL and LIST for these messages.
sc_listing() {
	local n=0 total=0 m uid file size
	local -a sizes=() uids=()
	for m in "$@"; do
		uid=${m%%:*}
		file=${m#*:}
		size=$(pop_size "$file")
		sizes+=("$size")
		uids+=("$uid")
		total=$((total + size))
		n=$((n + 1))
	done
	echo "C: STAT"
	echo "S: +OK $n $total"
	echo "C: UIDL"
	echo "S: +OK"
	local i
	for ((i = 0; i < n; i++)); do
		echo "S: $((i + 1)) ${uids[i]}"
	done
	echo "S: ."
	echo "C: LIST"
	echo "S: +OK"
	for ((i = 0; i < n; i++)); do
		echo "S: $((i + 1)) ${sizes[i]}"
	done
	echo "S: ."
}

# sc_retr N FILE: the client asks for message N and gets FILE.
sc_retr() {
	echo "C: RETR $1"
	echo "S: +OK $(pop_size "$2") octets"
	echo "MSG $2"
}

# An empty mailbox: STAT, UIDL and LIST answered one by one, then QUIT.
sc_empty() {
	echo "C: STAT"
	echo "S: +OK 0 0"
	echo "C: UIDL"
	echo "S: +OK"
	echo "S: ."
	echo "C: LIST"
	echo "S: +OK"
	echo "S: ."
	sc_quit
}

sc_quit() {
	echo "C: QUIT"
	echo "S: +OK bye"
	echo "EXPECT-EOF"
}
