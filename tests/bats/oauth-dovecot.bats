#!/usr/bin/env bats
# OAuth end to end: the throwaway Dovecot checks tokens with its oauth2
# passdb by introspection against the scripted authorization server.
# --authorize once, fetch, the access token runs out, the next run
# refreshes it and fetches again without asking anything.

load ../lib/common

setup_file() {
	certs_make "$BATS_FILE_TMPDIR/certs"
	export AS_LOG=$BATS_FILE_TMPDIR/as.log AS_MODE=$BATS_FILE_TMPDIR/as.mode
	echo '{"pending": 0, "lifetime": 65}' >"$AS_MODE"
	local portfile=$BATS_FILE_TMPDIR/as.port
	python3 "$TESTS_LIB/oauthserver.py" --port-file "$portfile" \
	    --cert "$CERTS_DIR/server.pem" --key "$CERTS_DIR/server-key.pem" \
	    --log "$AS_LOG" --mode "$AS_MODE" </dev/null \
	    >"$BATS_FILE_TMPDIR/as.err" 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/as.pid"
	local tries=100
	while [[ ! -s $portfile ]] && ((tries-- > 0)); do
		sleep 0.05
	done
	export AS_URL=https://127.0.0.1:$(cat "$portfile")
	export DOVECOT_OAUTH2_URL=$AS_URL/introspect
	dovecot_start
}

teardown_file() {
	dovecot_stop
	kill "$(cat "$BATS_FILE_TMPDIR/as.pid")" 2>/dev/null || true
}

setup() {
	common_setup
	dovecot_clear
}

@test "authorize, fetch, the token expires, the next run refreshes and fetches" {
	local msgs=$BATS_TEST_TMPDIR/msgs
	corpus_many "$msgs" 3
	rc_dovecot dv tls "auth xoauth2" "oauth_provider custom" \
	    "oauth_client_id popfetch-test" \
	    "oauth_device_url $AS_URL/device" \
	    "oauth_token_url $AS_URL/token" | sed '/^password /d' | rc_write
	pf --authorize dv </dev/null
	assert_success
	assert_output --partial "dv is authorized"

	dovecot_add_dir "$msgs"
	pf -v </dev/null
	assert_success
	assert_output --partial "good for"
	assert_maildir_equals "$msgs"
	refute grep -q grant_type=refresh_token "$AS_LOG"

	# 65 s tokens: six seconds on, less than a minute is left.
	sleep 6
	local more=$BATS_TEST_TMPDIR/more
	corpus_many "$more" 2
	dovecot_add_dir "$more"
	pf -v </dev/null
	assert_success
	assert_output --partial "refreshing the OAuth access token"
	assert_equal "$(grep -c 'grant_type=refresh_token refresh_token=rt-1' "$AS_LOG")" 1
	assert_equal "$(dovecot_count)" 0
	assert_equal "$(ls "$MAILDIR/new" | wc -l)" 5
}

@test "a token Dovecot does not know is refused: 77, after one refresh" {
	rc_dovecot dv tls "auth oauthbearer" "oauth_provider custom" \
	    "oauth_client_id popfetch-test" \
	    "oauth_token_url $AS_URL/token" | sed '/^password /d' | rc_write
	mkdir -p "$STATE_DIR"
	printf '{"refresh_token":"rt-unknown","access_token":"forged","expires_at":%s}\n' \
	    $(($(date +%s) + 3000)) >"$STATE_DIR/$DOVECOT_USER@127.0.0.1:$DOVECOT_PORTS.oauth"
	echo '{"token": "invalid_grant"}' >"$AS_MODE"
	pf </dev/null
	assert_failure 77
	assert_output --partial "run popfetch --authorize dv"
	echo '{"pending": 0, "lifetime": 65}' >"$AS_MODE"
}
