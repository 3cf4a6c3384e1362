/*
 * The envelope sender of a header block (mbox From_ lines, %F, MAIL FROM):
 * always NUL-terminated, within its buffer, and only safe bytes.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/envelope.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	out[ENVELOPE_SENDER_MAX];
	size_t	i, n;

	envelope_sender((const char *)data, size, out, sizeof out);
	n = strnlen(out, sizeof out);
	if (n == sizeof out || n == 0 || out[0] == '-')
		abort();
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)out[i]) &&
		    strchr(".-_+=@%", out[i]) == NULL)
			abort();
	}
	return (0);
}
