#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "deliver/commitlog.h"
#include "state/state.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* A line per message of one run; a bigger file is not believed. */
#define COMMITLOG_MAX		(16 * 1024 * 1024)

int
commitlog_init(struct commitlog *cl, const struct account *acct,
    const char *suffix, struct error *err)
{
	char	key[512];

	memset(cl, 0, sizeof *cl);
	cl->fd = -1;
	if (acct->state_dir == NULL)
		return (err_set(err, ERR_SOFTWARE, "no state_dir"));
	if (state_key(acct, key, sizeof key) == -1 ||
	    state_path(cl->path, sizeof cl->path, acct->state_dir, key,
	    suffix) == -1)
		return (err_set(err, ERR_CONFIG, "state_dir %s is too long",
		    acct->state_dir));
	return (0);
}

int
commitlog_marker(char *buf, struct error *err)
{
	u_char	rnd[COMMITLOG_MARKER_LEN / 2];
	size_t	i;

	if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof rnd) != 0)
		return (err_set(err, ERR_SOFTWARE, "no random bytes for a "
		    "delivery marker"));
	for (i = 0; i < sizeof rnd; i++)
		(void)snprintf(buf + i * 2, COMMITLOG_MARKER_LEN + 1 - i * 2,
		    "%02x", rnd[i]);
	return (0);
}

int
commitlog_valid(const char *m)
{
	return (strlen(m) == COMMITLOG_MARKER_LEN &&
	    strspn(m, "0123456789abcdef") == COMMITLOG_MARKER_LEN);
}

/* Reads the log an interrupted run left, once. */
static void
commitlog_load(struct commitlog *cl)
{
	struct stat	 sb;
	ssize_t		 n;
	int		 fd;

	if (!cl->oldread) {
		cl->oldread = 1;
		fd = open(cl->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1) {
			if (errno != ENOENT)
				log_warn("cannot read %s", cl->path);
			return;
		}
		if (fstat(fd, &sb) == 0 && sb.st_size > 0 &&
		    sb.st_size <= COMMITLOG_MAX) {
			cl->old = xmalloc((size_t)sb.st_size);
			n = pread(fd, cl->old, (size_t)sb.st_size, 0);
			cl->oldlen = n > 0 ? (size_t)n : 0;
		}
		(void)close(fd);
	}
}

int
commitlog_has(struct commitlog *cl, const char *marker)
{
	return (commitlog_find(cl, marker, NULL, 0));
}

/*
 * The next whole line of the old log after *p (the first when *p is NULL):
 * its start in *p and its length; 0 at the end.
 */
static int
commitlog_line(struct commitlog *cl, const char **p, size_t *len)
{
	const char	*end = cl->old + cl->oldlen, *nl;

	*p = *p == NULL ? cl->old : *p + *len + 1;
	if (cl->old == NULL || *p >= end ||
	    (nl = memchr(*p, '\n', end - *p)) == NULL)
		return (0);
	*len = nl - *p;
	return (1);
}

int
commitlog_find(struct commitlog *cl, const char *marker, char *note,
    size_t notelen)
{
	const char	*p = NULL, *last = NULL;
	size_t		 len = 0, lastlen = 0;

	commitlog_load(cl);
	/* Lines: a marker, and after a space its note; the last one counts. */
	while (commitlog_line(cl, &p, &len)) {
		if (len >= COMMITLOG_MARKER_LEN &&
		    memcmp(p, marker, COMMITLOG_MARKER_LEN) == 0 &&
		    (len == COMMITLOG_MARKER_LEN ||
		    p[COMMITLOG_MARKER_LEN] == ' ')) {
			last = p;
			lastlen = len;
		}
	}
	if (last == NULL)
		return (0);
	if (note != NULL && notelen > 0) {
		len = lastlen > COMMITLOG_MARKER_LEN ?
		    lastlen - COMMITLOG_MARKER_LEN - 1 : 0;
		if (len >= notelen)
			len = notelen - 1;
		memcpy(note, last + lastlen - len, len);
		note[len] = '\0';
	}
	return (1);
}

int
commitlog_noted(struct commitlog *cl, const char *note)
{
	const char	*p = NULL;
	size_t		 len = 0, want = strlen(note);

	commitlog_load(cl);
	while (commitlog_line(cl, &p, &len)) {
		if (len == COMMITLOG_MARKER_LEN + 1 + want &&
		    p[COMMITLOG_MARKER_LEN] == ' ' &&
		    memcmp(p + COMMITLOG_MARKER_LEN + 1, note, want) == 0)
			return (1);
	}
	return (0);
}

/* Whether a settled line (a note not starting with pending) ends in rest. */
static int
commitlog_settled(struct commitlog *cl, const char *pending, const char *rest,
    size_t restlen)
{
	const char	*p = NULL, *note;
	size_t		 len = 0, plen = strlen(pending);

	while (commitlog_line(cl, &p, &len)) {
		if (len <= COMMITLOG_MARKER_LEN + 1 + restlen)
			continue;
		note = p + COMMITLOG_MARKER_LEN + 1;
		if (strncmp(note, pending, plen) != 0 &&
		    p[len - restlen - 1] == ' ' &&
		    memcmp(p + len - restlen, rest, restlen) == 0)
			return (1);
	}
	return (0);
}

void
commitlog_carry(struct commitlog *cl, const char *pending)
{
	const char	*p = NULL, *next, *end;
	char		 marker[COMMITLOG_MARKER_LEN + 1];
	char		 note[COMMITLOG_NOTE_MAX + 1];
	size_t		 len = 0, plen = strlen(pending), nlen;

	commitlog_load(cl);
	if (cl->old == NULL)
		return;
	end = cl->old + cl->oldlen;
	while (commitlog_line(cl, &p, &len)) {
		if (len <= COMMITLOG_MARKER_LEN + 1 + plen ||
		    p[COMMITLOG_MARKER_LEN] != ' ' ||
		    strncmp(p + COMMITLOG_MARKER_LEN + 1, pending, plen) != 0)
			continue;
		/* A marker's lines stand together: the next one settles it. */
		next = p + len + 1;
		if (next + COMMITLOG_MARKER_LEN < end &&
		    memcmp(next, p, COMMITLOG_MARKER_LEN) == 0)
			continue;
		nlen = len - COMMITLOG_MARKER_LEN - 1;
		if (nlen > COMMITLOG_NOTE_MAX || commitlog_settled(cl, pending,
		    p + COMMITLOG_MARKER_LEN + 1 + plen, nlen - plen))
			continue;
		memcpy(marker, p, COMMITLOG_MARKER_LEN);
		marker[COMMITLOG_MARKER_LEN] = '\0';
		memcpy(note, p + COMMITLOG_MARKER_LEN + 1, nlen);
		note[nlen] = '\0';
		commitlog_note(cl, marker, note);
	}
}

static void
commitlog_broken(struct commitlog *cl)
{
	log_warn("cannot write %s: if this run is killed, messages it "
	    "delivered may be delivered again", cl->path);
	if (cl->fd != -1)
		(void)close(cl->fd);
	cl->fd = -1;
	cl->broken = 1;
}

void
commitlog_start(struct commitlog *cl)
{
	if (cl->fd != -1 || cl->broken)
		return;
	/* What the last run left is read before it goes. */
	commitlog_load(cl);
	cl->fd = open(cl->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (cl->fd == -1)
		commitlog_broken(cl);
}

void
commitlog_add(struct commitlog *cl, const char *marker)
{
	commitlog_note(cl, marker, NULL);
}

void
commitlog_note(struct commitlog *cl, const char *marker, const char *note)
{
	char	line[COMMITLOG_MARKER_LEN + COMMITLOG_NOTE_MAX + 3];
	int	n;

	if (cl->fd == -1)
		return;
	n = snprintf(line, sizeof line, "%s%s%s\n", marker,
	    note != NULL ? " " : "", note != NULL ? note : "");
	/* A note cut short would be believed as it is: none then. */
	if (n < 0 || (size_t)n >= sizeof line)
		n = snprintf(line, sizeof line, "%s\n", marker);
	if (n < 0 || write(cl->fd, line, (size_t)n) != n)
		commitlog_broken(cl);
	else
		cl->unsynced = 1;
}

void
commitlog_sync(struct commitlog *cl)
{
	if (cl->fd == -1 || !cl->unsynced)
		return;
	if (fsync(cl->fd) == -1) {
		commitlog_broken(cl);
		return;
	}
	cl->unsynced = 0;
}

void
commitlog_free(struct commitlog *cl)
{
	if (cl->fd != -1)
		(void)close(cl->fd);
	cl->fd = -1;
	free(cl->old);
	cl->old = NULL;
}
