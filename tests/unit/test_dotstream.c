/*
 * Dot-unstuffing and CRLF -> LF must give the same result wherever the
 * buffer boundaries fall: every split point of every case is tried, and one
 * byte at a time too.
 */
#include <stdlib.h>

#include "pop3/dotstream.h"
#include "test.h"

#define S(s)	s, sizeof(s) - 1

struct dcase {
	const char	*wire;		/* as the server sends it */
	size_t		 wirelen;
	const char	*want;		/* what must be delivered */
	size_t		 wantlen;
	const char	*rest;		/* left for the next response */
	size_t		 restlen;
};

static const struct dcase cases[] = {
	{ S("Subject: a\r\n\r\nbody\r\n.\r\n"), S("Subject: a\n\nbody\n"),
	  S("") },
	{ S(".\r\n"), S(""), S("") },
	{ S("..leading dot\r\n.\r\n"), S(".leading dot\n"), S("") },
	{ S("...\r\n..\r\n.\r\n"), S("..\n.\n"), S("") },
	/* A bare LF is data: "\n.\n" does not end the message. */
	{ S("a\n.\nb\r\n.\r\n"), S("a\n.\nb\n"), S("") },
	/* ".CR" then not LF: the dot was stuffing, the CR is data. */
	{ S("a\r\n.\rx\r\n.\r\n"), S("a\n\rx\n"), S("") },
	{ S("a\rb\r\r\n.\r\n"), S("a\rb\r\n"), S("") },
	{ S("From me\r\n>From you\r\n.\r\n"), S("From me\n>From you\n"),
	  S("") },
	{ S("x\r\n.\r\n+OK next\r\n"), S("x\n"), S("+OK next\r\n") },
	{ S("\r\n\r\n.\r\n"), S("\n\n"), S("") },
	{ S("8bit \xc3\xa9\xff\0z\r\n.\r\n"), S("8bit \xc3\xa9\xff\0z\n"),
	  S("") },
	{ S("end.\r\n..\r\n.\r\n.\r\n"), S("end.\n.\n"), S(".\r\n") },
};

/* Feeds the wire to the decoder in two pieces cut at split, or (0) bytewise. */
static int
run(const struct dcase *c, size_t split)
{
	struct dotstream	 ds;
	size_t			 off = 0, n, used, olen, total = 0;
	char			*out, *o;
	int			 ok;

	out = malloc(c->wirelen + 3);
	o = malloc(c->wirelen + 3);
	dotstream_init(&ds);
	while (off < c->wirelen && !ds.done) {
		if (split == 0)
			n = 1;
		else if (off < split)
			n = split - off;
		else
			n = c->wirelen - off;
		used = dotstream_decode(&ds, c->wire + off, n, o, &olen);
		CHECK(olen <= n + 2);
		memcpy(out + total, o, olen);
		total += olen;
		off += used;
		if (used < n)
			break;
	}
	ok = ds.done && total == c->wantlen &&
	    memcmp(out, c->want, total) == 0 &&
	    c->wirelen - off == c->restlen &&
	    memcmp(c->wire + off, c->rest, c->restlen) == 0;
	free(out);
	free(o);
	return (ok);
}

int
main(void)
{
	size_t	i, split;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (split = 0; split <= cases[i].wirelen; split++) {
			if (!run(&cases[i], split)) {
				fprintf(stderr, "case %zu, split at %zu: wrong "
				    "result\n", i, split);
				test_failures++;
				break;
			}
		}
	}
	return (TEST_DONE());
}
