/*
 * Percent-encoding of OAuth form and query values: every byte but the
 * unreserved ones escaped; decoding leaves a bad escape as it is.
 */
#include <stdlib.h>
#include <string.h>

#include "oauth/urlenc.h"
#include "test.h"

static void
escape(const char *in, const char *want)
{
	char	*s = urlenc_escape(in);

	CHECK_STR(s, want);
	free(s);
}

static void
unescape(const char *in, const char *want)
{
	char	*s = urlenc_unescape(in, strlen(in));

	CHECK_STR(s, want);
	free(s);
}

int
main(void)
{
	char	*s;

	escape("", "");
	escape("AZaz09-._~", "AZaz09-._~");
	escape("a b&c=d+e/f?", "a%20b%26c%3Dd%2Be%2Ff%3F");
	escape("\xc3\xa9\x01\x7f\xff", "%C3%A9%01%7F%FF");
	escape("http://127.0.0.1:8080/", "http%3A%2F%2F127.0.0.1%3A8080%2F");

	unescape("a%20b%26c%3dd", "a b&c=d");
	unescape("a+b", "a+b");
	unescape("%C3%a9", "\xc3\xa9");
	unescape("100%", "100%");
	unescape("%4", "%4");
	unescape("%zz%4g", "%zz%4g");
	unescape("x%00y", "x");
	/* Only the len bytes given: the rest of a query is not read. */
	s = urlenc_unescape("ab%41&state=x", 5);
	CHECK_STR(s, "abA");
	free(s);
	s = urlenc_unescape("ab%41", 4);
	CHECK_STR(s, "ab%4");
	free(s);
	return (TEST_DONE());
}
