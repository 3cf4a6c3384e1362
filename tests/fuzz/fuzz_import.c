/*
 * --import: another fetcher's rc file, any content, read as fetchmail, mpop
 * or getmail by the first byte.  What comes out never holds a control byte
 * but tab and newline (a value with one would start a line of its own), and
 * is read by the rc parser as it would be after --import.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"
#include "rc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const formats[] = { "fetchmail", "mpop", "getmail" };
	static char	 path[64];
	struct error	 err;
	struct rc	*rc = NULL;
	char		*text = NULL;
	const char	*p;
	int		 fd;

	if (size < 1)
		return (0);
	if (path[0] == '\0') {
		(void)strlcpy(path, "/tmp/fuzz-import.XXXXXX", sizeof path);
		if ((fd = mkstemp(path)) == -1)
			abort();
		close(fd);
	}
	if ((fd = open(path, O_WRONLY | O_TRUNC)) == -1)
		abort();
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	close(fd);
	err_clear(&err);
	if (import_text(formats[data[0] % 3], path, &text, &err) == 0) {
		for (p = text; *p != '\0'; p++) {
			if ((*(const u_char *)p < 0x20 && *p != '\n' &&
			    *p != '\t') || *p == 0x7f)
				abort();
		}
		err_clear(&err);
		if (rc_load_text(path, text, &rc, &err) == 0)
			rc_free(rc);
		free(text);
	}
	return (0);
}
