/* Percent-encoding of URL query and form values (RFC 3986 section 2.1). */
#ifndef URLENC_H
#define URLENC_H

#include <stddef.h>

/* s with every byte but the unreserved ones as %XX; allocated. */
char	*urlenc_escape(const char *s);
/*
 * The len bytes at s with each %XX decoded ('+' stays '+'); allocated.  A
 * '%' not followed by two hex digits is kept as it is.  A %00 ends the
 * value, as a C string would end it anyway.
 */
char	*urlenc_unescape(const char *s, size_t len);

#endif
