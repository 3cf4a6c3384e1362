/*
 * The dot-stream decoder fed the same body cut in pieces the first bytes
 * choose: the output must not depend on where the reads were cut.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pop3/dotstream.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t
decode(const char *in, size_t len, const uint8_t *cuts, size_t ncuts,
    char *out, int *done)
{
	struct dotstream	 ds;
	size_t			 off = 0, o = 0, n, used, outlen, k = 0;

	dotstream_init(&ds);
	while (off < len && !ds.done) {
		n = ncuts > 0 ? (size_t)cuts[k++ % ncuts] % 64 + 1 : len;
		if (n > len - off)
			n = len - off;
		used = dotstream_decode(&ds, in + off, n, out + o, &outlen);
		if (used > n || outlen > n + 2)
			abort();
		o += outlen;
		off += used;
		if (used < n && !ds.done)
			abort();
	}
	*done = ds.done;
	return (o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in;
	char		*a, *b;
	size_t		 ncuts, len, alen, blen;
	int		 adone, bdone;

	if (size < 1)
		return (0);
	ncuts = data[0] % 16;
	if (size < 1 + ncuts)
		return (0);
	in = (const char *)data + 1 + ncuts;
	len = size - 1 - ncuts;
	a = malloc(2 * len + 16);
	b = malloc(2 * len + 16);
	alen = decode(in, len, data + 1, ncuts, a, &adone);
	blen = decode(in, len, NULL, 0, b, &bdone);
	if (alen != blen || adone != bdone || memcmp(a, b, alen) != 0)
		abort();
	free(a);
	free(b);
	return (0);
}
