#include <sys/mman.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzzconn.h"
#include "util/xmalloc.h"

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

/* What a client sends must stand on one POP3 line as base64. */
static void
fuzzconn_b64(const char *s)
{
	if (s != NULL && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/=") != strlen(s))
		abort();
}

int
fuzzconn_sasl(struct sasl_client *c, const uint8_t *data, size_t size,
    size_t *answered, struct error *err)
{
	const uint8_t	*p = data, *end = data + size, *nl;
	char		*b64 = NULL, *chal = NULL;
	int		 rc = -1;

	*answered = 0;
	err_clear(err);
	if (sasl_start(c, &b64, err) == -1)
		goto out;
	fuzzconn_b64(b64);
	xfree_secret(b64);
	b64 = NULL;
	while (p < end) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		if (sasl_b64_encode(p, nl - p, &chal, err) == -1)
			abort();
		if (sasl_respond(c, "the server", chal, &b64, err) == -1)
			goto out;
		fuzzconn_b64(b64);
		xfree_secret(b64);
		free(chal);
		b64 = chal = NULL;
		(*answered)++;
		p = nl + 1;
	}
	rc = c->finish != NULL ? c->finish(c, err) : 0;
out:
	xfree_secret(b64);
	free(chal);
	fuzzconn_printable(err->what);
	fuzzconn_printable(err->hint);
	fuzzconn_printable(c->detail);
	return (rc);
}
