/* An HTTPS POST of a form to an OAuth endpoint, through libcurl. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "util/error.h"

struct http_answer {
	long	 status;	/* HTTP status */
	char	*body;		/* NUL-terminated */
	size_t	 len;
};

/*
 * POSTs the form (name, value pairs, a NULL name ends them) to url over
 * HTTPS only, verified against trust_file (NULL: the system store), the
 * answer bounded by max bytes.  A network failure is ERR_TEMP, an answer
 * over max ERR_PROTO.
 */
int	http_post(const char *url, const char *const *form,
	    const char *trust_file, int timeout, size_t max,
	    struct http_answer *, struct error *);
void	http_answer_free(struct http_answer *);

#endif
