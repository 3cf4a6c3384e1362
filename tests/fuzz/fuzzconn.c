#include <sys/mman.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzzconn.h"

/* A memory file: reads never block and end where the input does. */
struct conn *
fuzzconn_new(const uint8_t *data, size_t size)
{
	int	rfd, wfd;

	if ((rfd = memfd_create("fuzz", MFD_CLOEXEC)) == -1)
		return (NULL);
	if ((size > 0 && write(rfd, data, size) != (ssize_t)size) ||
	    lseek(rfd, 0, SEEK_SET) != 0 ||
	    (wfd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1) {
		close(rfd);
		return (NULL);
	}
	return (conn_new(rfd, wfd, 1, "the server"));
}

void
fuzzconn_printable(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			abort();
	}
}
