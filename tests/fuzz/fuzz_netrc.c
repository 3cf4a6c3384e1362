/* ~/.netrc, read for a password: any content, a lookup or an error. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netrc.h"
#include "util/xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 path[64];
	struct error	 err;
	char		*login = NULL, *password = NULL;
	int		 fd;

	if (path[0] == '\0') {
		(void)strlcpy(path, "/tmp/fuzz-netrc.XXXXXX", sizeof path);
		if ((fd = mkstemp(path)) == -1)
			abort();
		close(fd);
	}
	if ((fd = open(path, O_WRONLY | O_TRUNC)) == -1)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	(void)chmod(path, 0600);
	err_clear(&err);
	(void)netrc_lookup(path, "pop.example.org", size % 2 ? "user" : NULL,
	    &login, &password, &err);
	free(login);
	xfree_secret(password);
	return (0);
}
