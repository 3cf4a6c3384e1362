/*
 * SMTP/LMTP replies, a line each, and the dot-stuffer: cut anywhere, it
 * must give what it gives in one piece, and never a line starting with a
 * lone dot.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/smtp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data, *nl, *text;
	char		*a, *b;
	size_t		 off, n, alen = 0, blen, i;
	int		 code, more, state;

	for (off = 0; off < size; off = nl - s + 1) {
		if ((nl = memchr(s + off, '\n', size - off)) == NULL)
			nl = s + size;
		if (smtp_reply_line(s + off, (size_t)(nl - s) - off, &code,
		    &more, &text) == 0 && (code < 200 || code > 599))
			abort();
	}

	a = malloc(2 * size + 2);
	b = malloc(2 * size + 2);
	state = SMTP_STUFF_BOL;
	blen = smtp_stuff(s, size, b, &state);
	state = SMTP_STUFF_BOL;
	for (off = 0; off < size; off += n) {
		n = (size_t)data[off] % 7 + 1;
		if (n > size - off)
			n = size - off;
		alen += smtp_stuff(s + off, n, a + alen, &state);
	}
	if (alen != blen || memcmp(a, b, alen) != 0)
		abort();
	/* Every line end is CRLF, and no line is a lone dot. */
	for (i = 0; i < blen; i++) {
		if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r'))
			abort();
		if (b[i] == '\r' && (i + 1 < blen && b[i + 1] != '\n'))
			abort();
		if (b[i] == '.' && (i == 0 || b[i - 1] == '\n') &&
		    (i + 1 >= blen || b[i + 1] != '.'))
			abort();
	}
	free(a);
	free(b);
	return (0);
}
