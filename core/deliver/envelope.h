/*
 * The envelope sender of a message, as mbox From_ lines and an MDA's %F
 * want it: the Return-Path address, else the first address of From, else
 * MAILER-DAEMON.  A POP3 server hands out no envelope, so the header is all
 * there is, and it is hostile: the result is made safe to stand on a From_
 * line and in an argument vector (even inside a user's "sh -c" command).
 */
#ifndef ENVELOPE_H
#define ENVELOPE_H

#include <stddef.h>

/* A header block longer than this is not searched further. */
#define ENVELOPE_HDR_MAX	(256 * 1024)
/* RFC 5321 allows 254 octets in a path; longer ones are not believed. */
#define ENVELOPE_SENDER_MAX	256

/*
 * The start of a message collected until its header block is complete
 * (the blank line is in), the message ended, or ENVELOPE_HDR_MAX bytes are
 * held.  Delivery methods hold what they get here before they can write
 * the first byte, since the sender goes first.
 */
struct envelope {
	char	*buf;
	size_t	 len;
	size_t	 size;
	int	 done;		/* the header block is complete */
	char	 last;		/* the byte before buf[len] */
};

void	envelope_init(struct envelope *);
/* Takes up to len bytes; returns how many it took.  */
size_t	envelope_add(struct envelope *, const char *, size_t);
void	envelope_reset(struct envelope *);
void	envelope_free(struct envelope *);

/* The safe sender of the header block in hdr (len bytes) into out. */
void	envelope_sender(const char *hdr, size_t len, char *out,
	    size_t outlen);

#endif
