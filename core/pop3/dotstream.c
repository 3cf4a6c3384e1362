#include <string.h>

#include "pop3/dotstream.h"

enum {
	DS_BOL = 0,	/* at the start of a line */
	DS_MID,		/* inside a line */
	DS_CR,		/* after a CR, held back until we know if LF follows */
	DS_DOT,		/* after a dot at the start of a line */
	DS_DOTCR,	/* after ".CR" at the start of a line */
};

void
dotstream_init(struct dotstream *ds)
{
	ds->state = DS_BOL;
	ds->done = 0;
}

size_t
dotstream_decode(struct dotstream *ds, const char *in, size_t inlen,
    char *out, size_t *outlen)
{
	const char	*p = in, *end = in + inlen, *cr;
	char		*o = out;
	size_t		 run;
	int		 c;

	while (p < end && !ds->done) {
		if (ds->state == DS_MID) {
			/* The common case: copy up to the next CR at once. */
			cr = memchr(p, '\r', end - p);
			run = (cr != NULL ? cr : end) - p;
			memcpy(o, p, run);
			o += run;
			p += run;
			if (cr != NULL) {
				ds->state = DS_CR;
				p++;
			}
			continue;
		}
		c = (unsigned char)*p++;
		switch (ds->state) {
		case DS_BOL:
			if (c == '.')
				ds->state = DS_DOT;
			else if (c == '\r')
				ds->state = DS_CR;
			else {
				*o++ = c;
				ds->state = DS_MID;
			}
			break;
		case DS_DOT:
			/* The dot was stuffing, or begins the terminator. */
			if (c == '\r')
				ds->state = DS_DOTCR;
			else {
				*o++ = c;
				ds->state = DS_MID;
			}
			break;
		case DS_DOTCR:
			if (c == '\n') {
				ds->done = 1;
				break;
			}
			/* ".CR" then not LF: the CR is data. */
			p--;
			ds->state = DS_CR;
			break;
		case DS_CR:
			if (c == '\n') {
				*o++ = '\n';
				ds->state = DS_BOL;
			} else if (c == '\r')
				*o++ = '\r';
			else {
				*o++ = '\r';
				*o++ = c;
				ds->state = DS_MID;
			}
			break;
		}
	}
	*outlen = o - out;
	return (p - in);
}
