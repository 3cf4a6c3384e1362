/*
 * Decoding of a POP3 multi-line response body as it streams in: the
 * dot-stuffing is removed, CRLF becomes LF, and the end is found at CRLF.CRLF
 * only, whatever the buffer boundaries.  A bare LF is data.
 */
#ifndef DOTSTREAM_H
#define DOTSTREAM_H

#include <stddef.h>

struct dotstream {
	int	state;
	int	done;
};

void	dotstream_init(struct dotstream *);
/*
 * Decodes from in (inlen bytes) into out, which has room for inlen + 2
 * bytes; *outlen gets what was written.  Returns how many input bytes were
 * used: all of them, or up to the terminating ".CRLF" after which ds->done is
 * set and the rest belongs to the next response.
 */
size_t	dotstream_decode(struct dotstream *, const char *in, size_t inlen,
	    char *out, size_t *outlen);

#endif
