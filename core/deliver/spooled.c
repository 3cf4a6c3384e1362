#include <string.h>

#include "deliver/spooled.h"

int
spooled_open(struct spooled *sd, const struct account *a, const char *what,
    const char *peer, const char *suffix, struct error *err)
{
	memset(sd, 0, sizeof *sd);
	sd->what = what;
	sd->peer = peer;
	if (commitlog_init(&sd->cl, a, suffix, err) == -1)
		return (-1);
	if (spool_open(&sd->sp, what, a->state_dir, err) == -1) {
		commitlog_free(&sd->cl);
		return (-1);
	}
	return (0);
}

int
spooled_begin(struct spooled *sd, char *receipt, size_t len,
    struct error *err)
{
	if (sd->open)
		return (err_set(err, ERR_SOFTWARE, "%s: a message is already "
		    "open", sd->what));
	if (sd->gone) {
		err_set(err, ERR_TEMP, "the %s is gone", sd->peer);
		err_hint(err, "what was not delivered stays on the POP server; "
		    "the next run tries again");
		return (-1);
	}
	commitlog_start(&sd->cl);
	if (commitlog_marker(sd->marker, err) == -1)
		return (-1);
	if (strlcpy(receipt, sd->marker, len) >= len)
		return (err_set(err, ERR_SOFTWARE, "%s: receipt too long",
		    sd->what));
	spool_reset(&sd->sp);
	sd->open = 1;
	return (0);
}

int
spooled_write(struct spooled *sd, const char *buf, size_t len,
    struct error *err)
{
	if (!sd->open)
		return (err_set(err, ERR_SOFTWARE, "%s: write without an "
		    "open message", sd->what));
	return (spool_write(&sd->sp, buf, len, err));
}

void
spooled_abort(struct spooled *sd)
{
	if (sd->open) {
		spool_reset(&sd->sp);
		sd->open = 0;
	}
}

void
spooled_sync(struct spooled *sd)
{
	/* The server made each message durable before it said so. */
	commitlog_sync(&sd->cl);
}

int
spooled_recover(struct spooled *sd, const char *receipt, char *note,
    size_t notelen, struct error *err)
{
	if (!commitlog_valid(receipt))
		return (err_set(err, ERR_IO, "%s: \"%s\" in the state journal "
		    "is not a receipt of this method", sd->what, receipt));
	return (commitlog_find(&sd->cl, receipt, note, notelen));
}

void
spooled_close(struct spooled *sd)
{
	spool_close(&sd->sp);
	commitlog_free(&sd->cl);
}
