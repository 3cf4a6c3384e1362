#include <stdlib.h>
#include <string.h>

#include "oauth/urlenc.h"
#include "util/xmalloc.h"

static int
urlenc_unreserved(unsigned char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~');
}

static int
urlenc_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

char *
urlenc_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*out, *o;

	out = o = xreallocarray(NULL, strlen(s) + 1, 3);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (urlenc_unreserved(*p))
			*o++ = (char)*p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
		}
	}
	*o = '\0';
	return (out);
}

char *
urlenc_unescape(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out;
	size_t			 i, n = 0;
	int			 hi, lo;

	out = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (p[i] == '%' && len - i >= 3 &&
		    (hi = urlenc_hex(p[i + 1])) != -1 &&
		    (lo = urlenc_hex(p[i + 2])) != -1) {
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[n++] = (char)p[i];
	}
	out[n] = '\0';
	return (out);
}
