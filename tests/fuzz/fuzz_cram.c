/*
 * CRAM-MD5 (RFC 2195) as the server drives it: the challenge is any bytes.
 * One challenge gets "user HEX", 32 digits of HMAC-MD5; a second or an
 * empty one is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzconn.h"
#include "sasl/mech.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sasl_creds	cr = {
		"tim", "tanstaaftanstaaf", "pop.example.org", 110 };
	struct sasl_client	c;
	struct error		err;
	size_t			answered;

	mech_cram_md5(&c, &cr);
	(void)fuzzconn_sasl(&c, data, size, &answered, &err);
	if (answered > 1 || (answered == 1 && (size == 0 || data[0] == '\n')))
		abort();
	mech_free(&c);
	return (0);
}
