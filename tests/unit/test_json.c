/* The --json encoder (json-c): whatever a string holds, the output parses. */
#include <stdlib.h>

#include "json.h"
#include "test.h"

static char *
quote(const char *s)
{
	static char	*last;
	struct json	 j;

	free(last);
	json_init(&j);
	json_quote(&j, s);
	last = j.buf;
	return (last);
}

int
main(void)
{
	struct json	j;
	char		long_str[3000];
	size_t		i;

	CHECK_STR(quote(""), "\"\"");
	CHECK_STR(quote("work"), "\"work\"");
	CHECK_STR(quote("say \"hi\""), "\"say \\\"hi\\\"\"");
	CHECK_STR(quote("C:\\mail"), "\"C:\\\\mail\"");
	CHECK_STR(quote("a/b"), "\"a/b\"");
	/* Every control character escaped; DEL is plain JSON. */
	CHECK_STR(quote("\n"), "\"\\n\"");
	CHECK_STR(quote("a\tb\r\n"), "\"a\\tb\\r\\n\"");
	CHECK_STR(quote("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"");
	CHECK_STR(quote("\x1b[31mred"), "\"\\u001b[31mred\"");

	/* Valid UTF-8 passes through. */
	CHECK_STR(quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	CHECK_STR(quote("\xe2\x82\xac 5"), "\"\xe2\x82\xac 5\"");
	CHECK_STR(quote("\xf0\x9f\x93\xab"), "\"\xf0\x9f\x93\xab\"");
	CHECK_STR(quote("\xef\xbf\xbf"), "\"\xef\xbf\xbf\"");
	CHECK_STR(quote("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");

	/* Anything else becomes U+FFFD, a byte at a time. */
	CHECK_STR(quote("\xe9t\xe9"), "\"\xef\xbf\xbdt\xef\xbf\xbd\"");
	CHECK_STR(quote("\x80"), "\"\xef\xbf\xbd\"");
	CHECK_STR(quote("\xbf\xbf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	/* Overlong forms. */
	CHECK_STR(quote("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(quote("\xc1\xbf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(quote("\xe0\x80\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(quote("\xf0\x80\x80\xaf"),
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	/* Surrogates, and above U+10FFFF. */
	CHECK_STR(quote("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(quote("\xf4\x90\x80\x80"),
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(quote("\xf5\x80\x80\x80"),
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(quote("\xff\xfe"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	/* Cut short, by the end of the string or by a plain byte. */
	CHECK_STR(quote("\xc3"), "\"\xef\xbf\xbd\"");
	CHECK_STR(quote("\xe2\x82"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(quote("\xf0\x9f\x93"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(quote("\xe2\x82x"), "\"\xef\xbf\xbd\xef\xbf\xbdx\"");
	CHECK_STR(quote("\xc3\""), "\"\xef\xbf\xbd\\\"\"");

	/* Strings longer than the first buffer. */
	for (i = 0; i < sizeof long_str - 1; i++)
		long_str[i] = i % 2 ? '"' : 'x';
	long_str[i] = '\0';
	CHECK(strlen(quote(long_str)) == 2 + 1499 * 2 + 1500);

	/* An object, one line. */
	json_init(&j);
	json_open(&j);
	json_string(&j, "account", "work");
	json_uint(&j, "port", 995);
	json_uint(&j, "bytes", 18446744073709551615ULL);
	json_seconds(&j, "seconds", 0.5219);
	json_string(&j, "error", NULL);
	json_close(&j);
	CHECK_STR(j.buf, "{\"account\":\"work\",\"port\":995,"
	    "\"bytes\":18446744073709551615,\"seconds\":0.522,"
	    "\"error\":null}\n");
	CHECK(j.len == strlen(j.buf));
	json_free(&j);

	json_init(&j);
	json_open(&j);
	json_close(&j);
	CHECK_STR(j.buf, "{}\n");
	json_free(&j);

	/* No NaN, infinity or negative time. */
	json_init(&j);
	json_open(&j);
	json_seconds(&j, "a", -1.0);
	json_seconds(&j, "b", 1e300);
	json_seconds(&j, "c", 0.0 / 0.0);
	json_close(&j);
	CHECK_STR(j.buf, "{\"a\":0.000,\"b\":0.000,\"c\":0.000}\n");
	json_free(&j);

	free(quote(""));
	return (TEST_DONE());
}
