/*
 * What the IMAP method takes from a message's header (the POP server's
 * words): APPEND's date-time and the Message-ID it searches for, and the
 * quoting of a folder name.  Each comes out NUL-terminated, within its
 * buffer, and only in a form an IMAP command line can carry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/imap.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_plain(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	char		 date[64], id[256], q[64], *in;
	size_t		 n;

	imap_date(s, size, date, sizeof date);
	n = strnlen(date, sizeof date);
	if (n == sizeof date || (n != 0 && (n != 28 || date[0] != '"' ||
	    date[n - 1] != '"')))
		abort();
	check_plain(date, n);

	imap_msgid(s, size, id, sizeof id);
	n = strnlen(id, sizeof id);
	if (n == sizeof id || (n != 0 && (id[0] != '<' || id[n - 1] != '>' ||
	    strpbrk(id, " \"\\") != NULL)))
		abort();
	check_plain(id, n);

	in = malloc(size + 1);
	memcpy(in, data, size);
	in[size] = '\0';
	if (imap_quote(in, q, sizeof q) == 0) {
		n = strnlen(q, sizeof q);
		if (n == sizeof q || n < 2 || q[0] != '"' || q[n - 1] != '"')
			abort();
		check_plain(q, n);
	}
	free(in);
	return (0);
}
