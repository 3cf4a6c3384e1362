/*
 * SCRAM-SHA-256 (RFC 5802, RFC 7677) as the server drives it, the client
 * nonce fixed to RFC 7677's so that the server-first and server-final
 * messages (the input's two lines) can be reached and mutated.  The login
 * may only be accepted with the server's signature proven: then the input
 * is RFC 7677's exchange, since no other server-first message has that
 * signature (the signature covers its every byte).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzconn.h"
#include "sasl/mech.h"

#define FUZZ_NONCE	"rOprNGfwEbeRWgbNEkqO"
#define FUZZ_SFIRST	"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
			"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define FUZZ_SIG	"6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The signature in the server-final message v=SIG[,...]. */
static void
fuzz_scram_proven(const uint8_t *final, size_t len)
{
	struct error	 err;
	u_char		*got, *want;
	size_t		 gotlen, wantlen, n;
	char		*v;

	if (len < 2 || memcmp(final, "v=", 2) != 0)
		abort();
	n = 2;
	while (n < len && final[n] != ',')
		n++;
	if ((v = strndup((const char *)final + 2, n - 2)) == NULL)
		abort();
	err_clear(&err);
	if (sasl_b64_decode(v, &got, &gotlen, &err) == -1 ||
	    sasl_b64_decode(FUZZ_SIG, &want, &wantlen, &err) == -1 ||
	    gotlen != wantlen || memcmp(got, want, wantlen) != 0)
		abort();
	free(got);
	free(want);
	free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sasl_creds	cr = {
		"user", "pencil", "pop.example.org", 110 };
	struct sasl_client	 c;
	struct error		 err;
	const uint8_t		*nl;
	size_t			 answered;

	mech_scram_sha256_nonce(&c, &cr, FUZZ_NONCE);
	if (fuzzconn_sasl(&c, data, size, &answered, &err) == 0) {
		nl = memchr(data, '\n', size);
		if (answered != 2 || nl == NULL ||
		    (size_t)(nl - data) != sizeof FUZZ_SFIRST - 1 ||
		    memcmp(data, FUZZ_SFIRST, sizeof FUZZ_SFIRST - 1) != 0)
			abort();
		fuzz_scram_proven(nl + 1, size - (size_t)(nl + 1 - data));
	} else if (err.code == ERR_NONE)
		abort();
	mech_free(&c);
	return (0);
}
