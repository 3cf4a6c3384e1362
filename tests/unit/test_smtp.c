/* The SMTP/LMTP reply parser and the dot-stuffer, split at every byte. */
#include <stdlib.h>
#include <string.h>

#include "deliver/smtp.h"
#include "test.h"

static void
test_reply_line(void)
{
	static const char *bad[] = {
		"", "25", "250x", "199 no", "600 no", "2x0 no", "260 no",
		"25a ok", "250_ok", " 250 ok",
	};
	const char	*text;
	size_t		 i;
	int		 code, more;

	CHECK(smtp_reply_line("250 ok", 6, &code, &more, &text) == 0);
	CHECK(code == 250 && !more);
	CHECK_STR(text, "ok");
	CHECK(smtp_reply_line("250-PIPELINING", 14, &code, &more, &text) == 0);
	CHECK(code == 250 && more);
	CHECK_STR(text, "PIPELINING");
	CHECK(smtp_reply_line("354", 3, &code, &more, &text) == 0);
	CHECK(code == 354 && !more);
	CHECK_STR(text, "");
	CHECK(smtp_reply_line("550 5.1.1 no", 12, &code, &more, &text) == 0);
	CHECK(code == 550);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(smtp_reply_line(bad[i], strlen(bad[i]), &code, &more,
		    &text) == -1);
}

/* Stuffs in, cut after every split-th byte, into a string. */
static char *
stuff(const char *in, size_t split)
{
	size_t	 len = strlen(in), off, n, o = 0;
	char	*out = malloc(2 * len + 1);
	int	 state = SMTP_STUFF_BOL;

	for (off = 0; off < len; off += n) {
		n = len - off < split ? len - off : split;
		o += smtp_stuff(in + off, n, out + o, &state);
	}
	out[o] = '\0';
	return (out);
}

static void
test_stuff(void)
{
	static const struct {
		const char	*in, *out;
	} t[] = {
		{ "a\nb\n", "a\r\nb\r\n" },
		{ ".a\n..b\n.\n", "..a\r\n...b\r\n..\r\n" },
		{ "a.\n.", "a.\r\n.." },
		{ "bare\rcr\r\n.x\n", "bare\r\ncr\r\n..x\r\n" },
		{ "crlf\r\n.\r\nend\n", "crlf\r\n..\r\nend\r\n" },
		{ "\r\r\n", "\r\n\r\n" },
		{ "From x\n", "From x\r\n" },
	};
	size_t	 i, split;
	char	*got;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		for (split = 1; split <= strlen(t[i].in); split++) {
			got = stuff(t[i].in, split);
			CHECK_STR(got, t[i].out);
			free(got);
		}
	}
}

/* Without the dots, an IMAP literal: line ends only. */
static void
test_crlf(void)
{
	const char	*in = ".a\n.b\r\rc";
	char		 out[32];
	size_t		 n;
	int		 state = SMTP_STUFF_BOL;

	n = smtp_crlf(in, strlen(in), out, &state, 0);
	out[n] = '\0';
	CHECK_STR(out, ".a\r\n.b\r\n\r\nc");
	CHECK(state == SMTP_STUFF_MID);
}

int
main(void)
{
	test_reply_line();
	test_stuff();
	test_crlf();
	return (TEST_DONE());
}
