/*
 * The parts of the IMAP delivery method (imap.c) that stand alone, for the
 * unit tests.
 */
#ifndef IMAP_H
#define IMAP_H

#include <stddef.h>

/*
 * An IMAP quoted string of in (with its quotes) into out, or -1 when in has
 * a CR, LF, control or 8-bit byte, or does not fit.
 */
int	imap_quote(const char *in, char *out, size_t outlen);
/*
 * APPEND's date-time, quoted, from the Date header of the header block
 * (len bytes); "" when there is none or it does not parse.
 */
void	imap_date(const char *hdr, size_t len, char *out, size_t outlen);
/*
 * The Message-ID "<...>" of the header block; "" when there is none that a
 * SEARCH can carry.
 */
void	imap_msgid(const char *hdr, size_t len, char *out, size_t outlen);

#endif
