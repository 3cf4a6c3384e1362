/* The envelope sender from hostile header blocks, and the header buffer. */
#include <stdlib.h>
#include <string.h>

#include "deliver/envelope.h"
#include "test.h"
#include "util/xmalloc.h"

static const char *
sender(const char *hdr)
{
	static char	out[ENVELOPE_SENDER_MAX];

	envelope_sender(hdr, strlen(hdr), out, sizeof out);
	return (out);
}

static void
test_sender(void)
{
	char	*big;
	size_t	 i;

	CHECK_STR(sender("Return-Path: <a@example.org>\nFrom: b@x\n\nbody"),
	    "a@example.org");
	CHECK_STR(sender("From: b@x\nReturn-Path: <a@example.org>\n\n"),
	    "a@example.org");
	/* The first Return-Path is the one the last hop added. */
	CHECK_STR(sender("Return-Path: <new@x>\nReturn-Path: <old@x>\n\n"),
	    "new@x");
	CHECK_STR(sender("return-path :\t<a@b>\n\n"), "a@b");
	CHECK_STR(sender("Return-Path: <>\nFrom: b@x\n\n"), "MAILER-DAEMON");
	CHECK_STR(sender("Return-Path: <@r1,@r2:a@b>\n\n"), "a@b");
	/* Folded, with comments holding brackets and quotes. */
	CHECK_STR(sender("From: \"Doe, <John>\" (a <c@d> \"q)\n"
	    "  <john@example.org>\n\n"), "john@example.org");
	CHECK_STR(sender("From: john@example.org (John (the) Doe)\n\n"),
	    "john@example.org");
	CHECK_STR(sender("From: a@b, c@d\n\n"), "a@b");
	CHECK_STR(sender("From: Friends: a@b, c@d;\n\n"), "a@b");
	CHECK_STR(sender("From: john . doe @ example . org\n\n"),
	    "john.doe@example.org");
	CHECK_STR(sender("Subject: x\nFrom:\n\t<folded@x>\n\n"), "folded@x");
	/* A header that ended before the blank line is searched too. */
	CHECK_STR(sender("From: <a@b>"), "a@b");
	/* Nothing after the header counts. */
	CHECK_STR(sender("Subject: x\n\nFrom: <body@x>\n"), "MAILER-DAEMON");
	CHECK_STR(sender("\nFrom: <body@x>\n"), "MAILER-DAEMON");
	CHECK_STR(sender(""), "MAILER-DAEMON");
	CHECK_STR(sender("From: \n\n"), "MAILER-DAEMON");
	CHECK_STR(sender("From: (only a comment)\n\n"), "MAILER-DAEMON");
	CHECK_STR(sender("From foo@bar Thu Jan  1 00:00:00 1970\n\n"),
	    "MAILER-DAEMON");
	CHECK_STR(sender("X-From: <x@y>\nFrom-Me: <x@y>\n\n"),
	    "MAILER-DAEMON");

	/* Hostile: options, blanks, shell, control bytes, 8 bits. */
	CHECK_STR(sender("From: <-oQ/tmp/x@evil>\n\n"), "_-oQ_tmp_x@evil");
	CHECK_STR(sender("From: <--help>\n\n"), "_--help");
	CHECK_STR(sender("From: <\"a b\"@x>\n\n"), "_a_b_@x");
	CHECK_STR(sender("From: <$(rm -rf ~)`id`;x|y&z@e>\n\n"),
	    "__id__x_y_z@e");
	CHECK_STR(sender("Return-Path: <a\rb\x01\x7f@x>\n\n"), "ab__@x");
	CHECK_STR(sender("From: <\xc3\xa9t\xc3\xa9@x>\n\n"), "__t__@x");
	{
		static const char	nul[] = "From: <a@b\0c>\n\n";
		char			out[ENVELOPE_SENDER_MAX];

		envelope_sender(nul, sizeof nul - 1, out, sizeof out);
		CHECK_STR(out, "a@bc");
	}

	/* An empty message: nothing collected, no buffer at all. */
	{
		struct envelope	env;
		char		out[ENVELOPE_SENDER_MAX];

		envelope_init(&env);
		envelope_sender(env.buf, env.len, out, sizeof out);
		CHECK_STR(out, "MAILER-DAEMON");
		envelope_free(&env);
	}

	/* Longer than an address can be: not believed. */
	big = xmalloc(1000);
	memcpy(big, "From: <", 7);
	for (i = 7; i < 900; i++)
		big[i] = 'a';
	memcpy(big + 900, "@x>\n\n", 6);
	CHECK_STR(sender(big), "MAILER-DAEMON");
	free(big);
}

static void
test_buffer(void)
{
	struct envelope	 env;
	char		*big;
	size_t		 n;

	envelope_init(&env);
	CHECK(envelope_add(&env, "From: a@b\nSubj", 14) == 14);
	CHECK(!env.done);
	CHECK(envelope_add(&env, "ect: x\n", 7) == 7);
	CHECK(!env.done);
	/* The blank line ends it; the body is left to the caller. */
	CHECK(envelope_add(&env, "\nbody\n", 6) == 1);
	CHECK(env.done && env.len == 22);
	CHECK(envelope_add(&env, "more", 4) == 0);

	envelope_reset(&env);
	CHECK(envelope_add(&env, "\n", 1) == 1 && env.done);

	/* A blank line split over two calls. */
	envelope_reset(&env);
	CHECK(envelope_add(&env, "A: b\n", 5) == 5 && !env.done);
	CHECK(envelope_add(&env, "\nX", 2) == 1 && env.done);

	/* Bounded: past ENVELOPE_HDR_MAX it stops looking. */
	envelope_reset(&env);
	big = xmalloc(ENVELOPE_HDR_MAX + 100);
	memset(big, 'h', ENVELOPE_HDR_MAX + 100);
	n = envelope_add(&env, big, ENVELOPE_HDR_MAX + 100);
	CHECK(n == ENVELOPE_HDR_MAX && env.done);
	CHECK(env.len == ENVELOPE_HDR_MAX);
	free(big);
	envelope_free(&env);
}

int
main(void)
{
	test_sender();
	test_buffer();
	return (TEST_DONE());
}
