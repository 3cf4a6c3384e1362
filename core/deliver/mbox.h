/*
 * Delivery to an mbox file (mboxrd); the operations are deliver_mbox_ops in
 * deliver.h.  What is here is tuning that the unit tests shorten.
 */
#ifndef MBOX_H
#define MBOX_H

/* Seconds to wait for the locks of another program before ERR_TEMP. */
#define MBOX_LOCK_WAIT		60
/* A lock file older than this is left over from a crash (as liblockfile). */
#define MBOX_LOCK_STALE		300

extern int	mbox_lock_wait;
extern int	mbox_lock_stale;
extern time_t	mbox_booted;	/* 0: the system's boot time */

#endif
