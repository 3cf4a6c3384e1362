/*
 * A spool: one message held in an unlinked file beside the state while it
 * streams in, for the methods that hand a message on only once the whole of
 * it is here (an MDA, an SMTP or LMTP server).  Handed on earlier, half a
 * message would be delivered when popfetch dies or the POP server goes.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <sys/types.h>

#include "deliver/envelope.h"
#include "util/error.h"

struct spool {
	const char	*what;		/* "MDA", "SMTP": for messages */
	const char	*dir;
	int		 fd;
	off_t		 size;
	int		 failed;	/* a write failed */
	struct envelope	 env;		/* the header block, for the sender */
};

int	spool_open(struct spool *, const char *what, const char *dir,
	    struct error *);
int	spool_write(struct spool *, const char *, size_t, struct error *);
/* -1 with err set if a write failed since the last reset. */
int	spool_check(struct spool *, struct error *);
/* Up to len bytes from off; 0 at the end. */
ssize_t	spool_read(struct spool *, void *, size_t, off_t, struct error *);
void	spool_reset(struct spool *);
void	spool_close(struct spool *);

#endif
