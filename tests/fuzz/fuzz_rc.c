/* The rc parser, on any text: an error or an rc, never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc	*rc = NULL;
	struct error	 err;
	char		*text;

	if (size > 64 * 1024)
		return (0);
	setenv("HOME", "/nonexistent", 1);
	setenv("USER", "fuzz", 1);
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	err_clear(&err);
	if (rc_load_text("fuzzrc", text, &rc, &err) == 0)
		rc_free(rc);
	free(text);
	return (0);
}
