/*
 * XOAUTH2 and OAUTHBEARER (the first byte picks) as the server drives
 * them: a refused token comes back as a challenge holding a JSON object,
 * whatever the server puts in it.  It is answered once (XOAUTH2: empty,
 * OAUTHBEARER: ^A), a second challenge is refused, and what the server
 * said is kept only made printable.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzzconn.h"
#include "sasl/mech.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sasl_creds	cr = {
		"user@example.org", "ya29.token", "pop.example.org", 995 };
	struct sasl_client	c;
	struct error		err;
	size_t			answered;

	if (size < 1)
		return (0);
	if (data[0] & 1)
		mech_oauthbearer(&c, &cr);
	else
		mech_xoauth2(&c, &cr);
	(void)fuzzconn_sasl(&c, data + 1, size - 1, &answered, &err);
	if (answered > 1)
		abort();
	mech_free(&c);
	return (0);
}
