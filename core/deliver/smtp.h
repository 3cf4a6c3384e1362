/*
 * The parts of the SMTP/LMTP delivery method (smtp.c) that stand alone,
 * for the unit tests and the fuzzing harnesses.
 */
#ifndef SMTP_H
#define SMTP_H

#include <stddef.h>

/*
 * One line of a reply, without its CRLF: its code (200-599), whether more
 * lines follow ("250-"), and its text.  -1 for anything that is not a
 * reply line.
 */
int	smtp_reply_line(const char *, size_t, int *code, int *more,
	    const char **text);

/* Where smtp_stuff is in the message: a line's start, its middle, after CR. */
#define SMTP_STUFF_BOL	0
#define SMTP_STUFF_MID	1
#define SMTP_STUFF_CR	2

/*
 * Dot-stuffs len bytes into out (room for 2 * len): a dot starting a line
 * is doubled, and every LF, CR or CRLF becomes CRLF.  *state carries over
 * from one call to the next and starts at SMTP_STUFF_BOL.
 */
size_t	smtp_stuff(const char *, size_t, char *out, int *state);
/* The same without the doubled dots when dots is 0 (an IMAP literal). */
size_t	smtp_crlf(const char *, size_t, char *out, int *state, int dots);

#endif
