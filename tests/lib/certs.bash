# Throwaway certificates for the test servers, made with certtool (gnutls-bin).
#
# certs_make DIR creates, in DIR:
#   ca.pem ca-key.pem          a throwaway CA
#   server.pem server-key.pem  from that CA, for IP 127.0.0.1 and DNS localhost
#   other.pem other-key.pem    from the same CA, for other.invalid only
#   self.pem self-key.pem      self-signed for 127.0.0.1 + localhost (unknown CA)
#   client.pem client-key.pem  from the CA, a client certificate for CN=test
# and sets CERTS_DIR to DIR.

_certs_key() {
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
	    --outfile "$1" >/dev/null 2>&1
}

_certs_template() {
	local file=$1 cn=$2
	shift 2
	{
		printf 'cn = "%s"\n' "$cn"
		printf 'organization = "popfetch tests"\n'
		printf 'expiration_days = 30\n'
		local san usage=tls_www_server
		for san in "$@"; do
			case $san in
			ip:*) printf 'ip_address = "%s"\n' "${san#ip:}" ;;
			dns:*) printf 'dns_name = "%s"\n' "${san#dns:}" ;;
			client) usage=tls_www_client ;;
			esac
		done
		printf '%s\nsigning_key\nencryption_key\n' "$usage"
	} >"$file"
}

_certs_leaf() {
	local dir=$1 name=$2 cn=$3
	shift 3
	_certs_key "$dir/$name-key.pem"
	_certs_template "$dir/$name.tmpl" "$cn" "$@"
	certtool --generate-certificate --load-privkey "$dir/$name-key.pem" \
	    --load-ca-certificate "$dir/ca.pem" \
	    --load-ca-privkey "$dir/ca-key.pem" \
	    --template "$dir/$name.tmpl" --outfile "$dir/$name.pem" >/dev/null 2>&1
}

certs_make() {
	local dir=$1
	mkdir -p "$dir"
	_certs_key "$dir/ca-key.pem"
	cat >"$dir/ca.tmpl" <<-'TMPL'
	cn = "popfetch test CA"
	organization = "popfetch tests"
	expiration_days = 30
	ca
	cert_signing_key
	TMPL
	certtool --generate-self-signed --load-privkey "$dir/ca-key.pem" \
	    --template "$dir/ca.tmpl" --outfile "$dir/ca.pem" >/dev/null 2>&1

	_certs_leaf "$dir" server localhost ip:127.0.0.1 dns:localhost
	_certs_leaf "$dir" other other.invalid dns:other.invalid
	_certs_leaf "$dir" client test client

	_certs_key "$dir/self-key.pem"
	_certs_template "$dir/self.tmpl" localhost ip:127.0.0.1 dns:localhost
	certtool --generate-self-signed --load-privkey "$dir/self-key.pem" \
	    --template "$dir/self.tmpl" --outfile "$dir/self.pem" >/dev/null 2>&1

	local f
	for f in ca server other self client; do
		if [[ ! -s $dir/$f.pem ]]; then
			echo "certs_make: could not create $dir/$f.pem" >&2
			return 1
		fi
	done
	CERTS_DIR=$dir
	export CERTS_DIR
}
