/* POP URLs (RFC 2384) from the command line: parsed or refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "popurl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct popurl	 u;
	struct error	 err;
	char		*s;

	if (size > 4096)
		return (0);
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&u, 0, sizeof u);
	err_clear(&err);
	if (popurl_parse(s, &u, &err) == 0)
		popurl_free(&u);
	free(s);
	return (0);
}
