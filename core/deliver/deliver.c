#include <errno.h>
#include <stdlib.h>

#include "deliver/deliver.h"
#include "util/xmalloc.h"

struct deliver *
deliver_open(const struct account *acct, struct error *err)
{
	struct deliver	*d;

	d = xcalloc(1, sizeof *d);
	d->acct = acct;
	switch (acct->delivery) {
	case DELIVERY_MAILDIR:
		d->ops = &deliver_maildir_ops;
		break;
	case DELIVERY_MBOX:
		d->ops = &deliver_mbox_ops;
		break;
	case DELIVERY_MDA:
		d->ops = &deliver_mda_ops;
		break;
	case DELIVERY_LMTP:
	case DELIVERY_SMTP:
		d->ops = &deliver_smtp_ops;
		break;
	case DELIVERY_IMAP:
		d->ops = &deliver_imap_ops;
		break;
	default:
		err_set(err, ERR_SOFTWARE, "unknown delivery method %d",
		    (int)acct->delivery);
		goto fail;
	}
	if (d->ops->open(d, err) == -1)
		goto fail;
	return (d);

fail:
	free(d);
	return (NULL);
}

int
deliver_begin(struct deliver *d, const struct deliver_msg *msg, char *receipt,
    size_t len, struct error *err)
{
	return (d->ops->begin(d, msg, receipt, len, err));
}

int
deliver_write(struct deliver *d, const char *buf, size_t len,
    struct error *err)
{
	return (d->ops->write(d, buf, len, err));
}

int
deliver_commit(struct deliver *d, struct error *err)
{
	return (d->ops->commit(d, err));
}

void
deliver_abort(struct deliver *d)
{
	d->ops->abort(d);
}

int
deliver_sync(struct deliver *d, struct error *err)
{
	return (d->ops->sync(d, err));
}

int
deliver_in_place(const struct deliver *d)
{
	return (d->ops->in_place);
}

int
deliver_recover(struct deliver *d, const char *receipt, struct error *err)
{
	return (d->ops->recover(d, receipt, err));
}

unsigned long long
deliver_limit(struct deliver *d)
{
	return (d->ops->limit != NULL ? d->ops->limit(d) : 0);
}

void
deliver_close(struct deliver *d)
{
	if (d == NULL)
		return;
	d->ops->close(d);
	free(d);
}

void
deliver_hint(struct error *err, const char *path, int error)
{
	switch (error) {
	case ENOSPC:
		err_hint(err, "free some space on the file system of %s",
		    path);
		break;
	case EDQUOT:
		err_hint(err, "the disk quota for %s is used up: free some "
		    "space or ask for a larger quota", path);
		break;
	case EFBIG:
		err_hint(err, "%s would grow past the file size limit (see "
		    "ulimit -f)", path);
		break;
	case ENOENT:
		err_hint(err, "create the directory that is to hold %s",
		    path);
		break;
	case ELOOP:
		err_hint(err, "%s is a symbolic link: give the path of the "
		    "file itself", path);
		break;
	case EACCES:
	case EPERM:
	case EROFS:
		err_hint(err, "check the permissions of %s", path);
		break;
	}
}
