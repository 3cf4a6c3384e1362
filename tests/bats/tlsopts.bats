#!/usr/bin/env bats
# The TLS options careful users set: a pinned certificate, TLS priorities,
# client certificates, and -S to see what a server offers.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
}

setup() {
	common_setup
}

teardown() {
	fake_stop
}

# The SHA-256 fingerprint of a PEM certificate, AB:CD:... like -S shows it.
fpr_of() {
	certtool --fingerprint --hash sha256 --infile "$1" 2>/dev/null |
	    tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//'
}

@test "tls_fingerprint: a pinned certificate is accepted without any CA" {
	fake_start one-message --tls-implicit \
	    --cert "$CERTS_DIR/self.pem" --key "$CERTS_DIR/self-key.pem"
	rc_fake f tls "keep on" "tls_fingerprint $(fpr_of "$CERTS_DIR/self.pem")" |
	    grep -v '^tls_trust_file' | rc_write
	pf
	assert_success
	assert_equal "$(maildir_count)" 1
}

@test "tls_fingerprint: lower case without colons is the same pin" {
	fake_start one-message --tls-implicit \
	    --cert "$CERTS_DIR/self.pem" --key "$CERTS_DIR/self-key.pem"
	local fp
	fp=$(fpr_of "$CERTS_DIR/self.pem" | tr -d ':' | tr 'A-F' 'a-f')
	rc_fake f tls "keep on" "tls_fingerprint $fp" | rc_write
	pf
	assert_success
}

@test "tls_fingerprint: a mismatch is 69, shows the fingerprint seen, sends nothing" {
	fake_start one-message --tls-implicit
	rc_fake f tls "keep on" "tls_fingerprint $(fpr_of "$CERTS_DIR/self.pem")" |
	    rc_write
	pf
	assert_failure 69
	assert_output --partial "does not match tls_fingerprint"
	assert_output --partial "$(fpr_of "$CERTS_DIR/server.pem")"
	fake_wait
	refute_sent '^(USER|PASS|AUTH|CAPA)'
}

@test "tls_fingerprint: a bad value is an rc error" {
	FAKE_PORT=1
	rc_fake f tls "tls_fingerprint 12:34" | rc_write
	pf
	assert_failure 78
	assert_output --regexp 'fetchrc:[0-9]+: tls_fingerprint must be'
}

@test "tls_priorities: TLS 1.2 only is honoured" {
	fake_start one-message --tls-implicit
	rc_fake f tls "keep on" "tls_priorities NORMAL:-VERS-ALL:+VERS-TLS1.2" |
	    rc_write
	pf -v
	assert_success
	assert_output --partial "(TLS1.2)"
}

@test "tls_priorities: a broken string is a configuration error (78)" {
	fake_start one-message --tls-implicit
	rc_fake f tls "tls_priorities NORMAL:+NONSENSE" | rc_write
	pf
	assert_failure 78
	assert_output --partial "tls_priorities"
	fake_wait
	refute_sent '^(USER|PASS)'
}

@test "tls_cert_file: a missing file is a configuration error (78)" {
	fake_start one-message --tls-implicit
	rc_fake f tls "tls_cert_file $BATS_TEST_TMPDIR/nope.pem" | rc_write
	pf
	assert_failure 78
	assert_output --partial "nope.pem"
}

@test "tls_key_file without tls_cert_file is an rc error" {
	FAKE_PORT=1
	rc_fake f tls "tls_key_file $CERTS_DIR/server-key.pem" | rc_write
	pf
	assert_failure 78
	assert_output --regexp 'fetchrc:[0-9]+: .*tls_key_file'
}

@test "-S shows greeting, capabilities, TLS and the certificate, and logs in to nothing" {
	fake_start serverinfo --tls-implicit
	rc_fake f tls | rc_write
	run timeout 30 "$POPFETCH" -f "$RC" -S
	assert_success
	assert_output --partial "greeting: +OK fake POP3 ready"
	assert_output --regexp 'PIPELINING +commands may be sent in batches'
	assert_output --regexp 'EXPIRE 30 +days after which'
	assert_output --regexp 'TLS: \(TLS1\.[23]\)'
	assert_output --partial "subject:     CN=localhost"
	assert_output --partial "issuer:      CN=popfetch test CA"
	assert_output --regexp 'valid: +[0-9]{4}-[0-9]{2}-[0-9]{2} .* to '
	assert_output --partial "SHA-256:     $(fpr_of "$CERTS_DIR/server.pem")"
	assert_output --partial "check:       verified"
	fake_wait
	refute_sent '^(USER|PASS|AUTH)'
}

@test "-S works when verification would fail, and says so" {
	fake_start serverinfo --tls-implicit \
	    --cert "$CERTS_DIR/self.pem" --key "$CERTS_DIR/self-key.pem"
	rc_fake f tls | rc_write
	run timeout 30 "$POPFETCH" -f "$RC" -S
	assert_success
	assert_output --partial "check:       NOT verified"
	assert_output --partial "tls_fingerprint $(fpr_of "$CERTS_DIR/self.pem")"
	fake_wait
	refute_sent '^(USER|PASS|AUTH)'
}

@test "-S escapes control bytes of the certificate's names" {
	local d=$BATS_TEST_TMPDIR/evil
	mkdir -p "$d"
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
	    --outfile "$d/key.pem" >/dev/null 2>&1
	printf 'cn = "evil\033[2J\rcheck:       verified"\ndns_name = "localhost"\nexpiration_days = 3\ntls_www_server\n' \
	    >"$d/tmpl"
	certtool --generate-self-signed --load-privkey "$d/key.pem" \
	    --template "$d/tmpl" --outfile "$d/cert.pem" >/dev/null 2>&1
	fake_start serverinfo --tls-implicit --cert "$d/cert.pem" \
	    --key "$d/key.pem"
	rc_fake f tls | rc_write
	run timeout 30 "$POPFETCH" -f "$RC" -S
	assert_success
	refute_output --partial $'\033'
	refute_output --partial $'\r'
	assert_output --partial 'subject:     CN=evil\033[2J'
	assert_output --partial "check:       NOT verified"
}
