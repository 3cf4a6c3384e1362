/* The IMAP method's quoting, and what it takes from a message's header. */
#include <string.h>

#include "deliver/imap.h"
#include "test.h"

static const char *
date(const char *hdr)
{
	static char	out[64];

	imap_date(hdr, strlen(hdr), out, sizeof out);
	return (out);
}

static const char *
msgid(const char *hdr)
{
	static char	out[256];

	imap_msgid(hdr, strlen(hdr), out, sizeof out);
	return (out);
}

static void
test_quote(void)
{
	char	out[16];

	CHECK(imap_quote("INBOX", out, sizeof out) == 0);
	CHECK_STR(out, "\"INBOX\"");
	CHECK(imap_quote("a\"b\\c", out, sizeof out) == 0);
	CHECK_STR(out, "\"a\\\"b\\\\c\"");
	CHECK(imap_quote("", out, sizeof out) == 0);
	CHECK_STR(out, "\"\"");
	CHECK(imap_quote("a\r\nb", out, sizeof out) == -1);
	CHECK(imap_quote("caf\xc3\xa9", out, sizeof out) == -1);
	CHECK(imap_quote("0123456789abcdef", out, sizeof out) == -1);
}

static void
test_date(void)
{
	CHECK_STR(date("Subject: x\nDate: Tue, 1 Aug 2023 10:20:30 +0200\n"),
	    "\" 1-Aug-2023 10:20:30 +0200\"");
	CHECK_STR(date("date: 21 dec 1999 23:59 -0500\r\n"),
	    "\"21-Dec-1999 23:59:00 -0500\"");
	CHECK_STR(date("Date: Tue, 1 Aug 2023 10:20:30 GMT\n"), "");
	CHECK_STR(date("Date: Tue, 1 Foo 2023 10:20:30 +0000\n"), "");
	CHECK_STR(date("Date: Tue, 32 Aug 2023 10:20:30 +0000\n"), "");
	CHECK_STR(date("Date: Tue, 1 Aug 2023 24:20:30 +0000\n"), "");
	CHECK_STR(date("Date: yesterday\n"), "");
	CHECK_STR(date("Subject: no date\n"), "");
	CHECK_STR(date("X-Date: 1 Aug 2023 10:20:30 +0000\n"), "");
}

static void
test_msgid(void)
{
	CHECK_STR(msgid("From: a\nMessage-ID: <1.2@example.org>\n"),
	    "<1.2@example.org>");
	CHECK_STR(msgid("message-id:<x@y> (comment)\r\n"), "<x@y>");
	CHECK_STR(msgid("Message-ID: <a\"b@y>\n"), "");
	CHECK_STR(msgid("Message-ID: <a b@y>\n"), "");
	CHECK_STR(msgid("Message-ID: no brackets\n"), "");
	CHECK_STR(msgid("Message-ID:\n <folded@y>\n"), "");
	CHECK_STR(msgid("Subject: none\n"), "");
}

int
main(void)
{
	test_quote();
	test_date();
	test_msgid();
	return (TEST_DONE());
}
