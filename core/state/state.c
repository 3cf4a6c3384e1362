/*
 * The seen-UID state of one mailbox.  The state file is a sorted part and
 * a short tail: the sorted part is kept as the file has it, end to end in
 * one arena with an 8-byte record each, searched by bisection, about 25
 * bytes a UID where a tree node each took 96 (100,000 UIDs: 2.5 MB instead
 * of 9.6).  The tail's UIDs and those first seen in this run, a few, go
 * into a red-black tree.
 *
 * A save that only adds UIDs appends their lines to the file and syncs it:
 * 10 lines, not the whole 2.8 MB of 100,000 UIDs.  Anything else (a UID
 * dropped, a verdict or a count of absences on a UID of the file, a first
 * save, a tail that would pass both 1,024 lines and an eighth of the sorted
 * part) writes the file anew, sorted, by merging the two: temp file, fsync,
 * rename, fsync of the directory.
 *
 * An append cut short (kill -9, full disk, power cut) can leave a last line
 * without its newline, maybe NUL bytes: it is ignored, and the next save
 * cuts it off before appending.  Nothing is lost that way: the state is
 * saved only after the deliveries it records are synced, and the journal
 * that named them is removed only after the append was synced, so the next
 * run recovers them from it (after a power cut the journal may be gone too,
 * and then such a message is fetched again: a duplicate, never a loss).
 * Any other damage means the disk or a person damaged the file: it is
 * refused, never read as empty, since an empty state would deliver every
 * message on the server again.
 */
#include <sys/param.h>
#include <sys/stat.h>
#include <sys/tree.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "state/state.h"
#include "state/uid.h"
#include "util/log.h"
#include "util/mkdirs.h"
#include "util/xmalloc.h"

/* user@host:port, the port as the session will use it. */
int
state_key(const struct account *acct, char *buf, size_t len)
{
	int	n;

	n = snprintf(buf, len, "%s@%s:%u", acct->user, acct->host,
	    acct->port != 0 ? acct->port :
	    (acct->tls && !acct->tls_starttls ? 995 : 110));
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

#define STATE_HEADER	"popfetch-state 1"
#define STATE_WBUF	65536
#define STATE_RBUF	65536
/* An append longer than this since the last rewrite: written anew. */
#define STATE_TAIL_MIN	1024
/* UID, tab, a 64-bit number, newline: room to spare. */
#define STATE_LINE_MAX	(UID_MAX_LEN + 32)

/*
 * What is known of a UID, in the arena's records and the tree alike: 8
 * bytes.  A first fetch time past 2106 is kept as the last second before.
 */
struct state_rec {
	uint32_t		 when;		/* first fetch */
	uint32_t		 off : 27;	/* of the UID in the arena */
	uint32_t		 keep : 1;	/* claimed by the listing */
	uint32_t		 doomed : 1;	/* delete on sight, unfetched */
	uint32_t		 gone : 1;	/* dropped */
	uint32_t		 absent : 2;	/* listings missed in a row */
};

/* Offsets in 27 bits: 128 MiB, above a million UIDs of 70 bytes. */
#define STATE_ARENA_MAX		(1U << 27)

/* The count of absences fits its field, and its flag is one digit. */
_Static_assert(STATE_ABSENT_MAX >= 1 && STATE_ABSENT_MAX <= 4,
    "STATE_ABSENT_MAX does not fit struct state_rec");

struct state_uid {
	RB_ENTRY(state_uid)	 entry;
	const char		*uid;
	struct state_rec	 r;		/* its off unused */
	u_char			 infile;	/* a line of the file has it */
};
RB_HEAD(state_tree, state_uid);

struct state_entry {
	char			*uid;
	char			*receipt;
};

/* A UID of KEY.quit, with the size LIST gave when its DELE was sent. */
struct state_quitrec {
	char			*uid;
	unsigned long long	 size;
	int			 sized;		/* an older file has no size */
};

struct state {
	char			*dir;
	char			 path[PATH_MAX];	/* DIR/KEY.state */
	char			 tmppath[PATH_MAX];	/* DIR/.KEY.state.tmp */
	char			 jpath[PATH_MAX];	/* DIR/KEY.journal */
	char			 qpath[PATH_MAX];	/* DIR/KEY.quit */

	char			*arena;		/* the file's UIDs */
	size_t			 arenalen;
	size_t			 arenasize;
	struct state_rec	*recs;		/* sorted by UID */
	size_t			 nrecs;
	size_t			 recsize;
	size_t			 hint;		/* where the last search ended */
	struct state_tree	 uids;		/* the tail's, and new ones */
	int			 dirty;

	int			 fexists;	/* the state file is on disk */
	off_t			 fsize;		/* to its last newline */
	size_t			 fsorted;	/* lines of its sorted part */
	size_t			 ftail;		/* lines after it */
	size_t			 nnew;		/* tree UIDs not in it */
	int			 rewrite;	/* a line of it must change */

	struct state_entry	*pending;
	size_t			 npending;

	int			 jfd;
	int			 jexists;	/* a journal file is on disk */
	int			 jbroken;	/* a journal write was cut short */
	int			 junsynced;	/* lines its fsync has not covered */
	int			 jnamed;	/* its name is durable */
	int			 dirsync;	/* a rename or unlink to make durable */

	struct state_quitrec	*quit;		/* its UIDs, sorted */
	size_t			 nquit;
	int			 qexists;	/* KEY.quit is on disk */
	int			 qnew;		/* one listed with another size */
	int			 rdonly;	/* state_open_read: no writes */
	int			 qok;		/* it says QUIT got +OK */
	int			 qdone;		/* what it names is recorded */
};

static int
state_cmp(struct state_uid *a, struct state_uid *b)
{
	return (strcmp(a->uid, b->uid));
}

/* RB_GENERATE_STATIC needs __unused, which libbsd leaves undefined. */
RB_GENERATE_INTERNAL(state_tree, state_uid, entry, state_cmp,
    __attribute__((__unused__)) static)

/*
 * The key is user@host:port from the account, so it may hold any byte: '/'
 * and bytes outside 0x21-0x7e become '_' to keep it one plain file name.
 * Two keys differing only there share files, which no real account does.
 */
static int
state_path_make(char *buf, size_t len, const char *dir, const char *prefix,
    const char *key, const char *suffix)
{
	size_t	off;
	int	n;
	u_char	c;

	n = snprintf(buf, len, "%s/%s", dir, prefix);
	if (n < 0 || (size_t)n >= len)
		return (-1);
	off = (size_t)n;
	for (; *key != '\0'; key++) {
		if (off + 1 >= len)
			return (-1);
		c = (u_char)*key;
		buf[off++] = (c == '/' || c < 0x21 || c > 0x7e) ? '_' : (char)c;
	}
	buf[off] = '\0';
	if (strlcat(buf, suffix, len) >= len)
		return (-1);
	return (0);
}

int
state_path(char *buf, size_t len, const char *dir, const char *key,
    const char *suffix)
{
	return (state_path_make(buf, len, dir, "", key, suffix));
}

static uint32_t
state_when(time_t t)
{
	if (t < 0)
		return (0);
	if ((unsigned long long)t > UINT32_MAX)
		return (UINT32_MAX);
	return ((uint32_t)t);
}

static const char *
state_rec_uid(const struct state *st, const struct state_rec *r)
{
	return (st->arena + r->off);
}

/*
 * Record i if it is there still; the next search starts beside it: a
 * listing mostly names the UIDs in order, and fetch.c asks about one UID
 * a few times in a row.
 */
static struct state_rec *
state_found(struct state *st, size_t i)
{
	st->hint = i;
	return (st->recs[i].gone ? NULL : &st->recs[i]);
}

static struct state_rec *
state_find(struct state *st, const char *uid)
{
	struct state_uid	 find, *e;
	size_t			 lo = 0, hi = st->nrecs, mid, off, i;
	int			 c;

	/*
	 * A UID that state_uid gave is the arena's own: its record is
	 * found by its offset, with no string compared.  A file without
	 * UIDs has no arena (NULL), and NULL + 0 is undefined.  A record
	 * dropped may have been seen again since: then it is in the tree.
	 */
	if (st->arena != NULL && uid >= st->arena &&
	    uid < st->arena + st->arenalen) {
		off = (size_t)(uid - st->arena);
		for (i = st->hint; i < st->nrecs && i < st->hint + 2; i++) {
			if (st->recs[i].off == off && !st->recs[i].gone)
				return (state_found(st, i));
		}
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (st->recs[mid].off == off) {
				if (!st->recs[mid].gone)
					return (state_found(st, mid));
				break;
			}
			if (st->recs[mid].off > off)
				hi = mid;
			else
				lo = mid + 1;
		}
		lo = 0;
		hi = 0;		/* the tree only */
	}
	for (i = st->hint; i < hi && i < st->hint + 2; i++) {
		if (strcmp(uid, state_rec_uid(st, &st->recs[i])) == 0 &&
		    !st->recs[i].gone)
			return (state_found(st, i));
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(uid, state_rec_uid(st, &st->recs[mid]));
		if (c == 0) {
			if (!st->recs[mid].gone)
				return (state_found(st, mid));
			break;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	find.uid = uid;
	e = RB_FIND(state_tree, &st->uids, &find);
	return (e != NULL ? &e->r : NULL);
}

/* A UID not in the state yet, into the tree. */
static struct state_uid *
state_insert(struct state *st, const char *uid, time_t when)
{
	struct state_uid	*e;
	size_t			 len;

	len = strlen(uid);
	e = xcalloc(1, sizeof *e + len + 1);
	memcpy(e + 1, uid, len + 1);
	e->uid = (const char *)(e + 1);
	e->r.when = state_when(when);
	if (RB_INSERT(state_tree, &st->uids, e) != NULL) {
		free(e);
		return (NULL);
	}
	return (e);
}

static int
state_inarena(const struct state *st, const struct state_rec *r)
{
	return (r >= st->recs && r < st->recs + st->nrecs);
}

/* The tree node of a record not in the arena. */
static struct state_uid *
state_node(struct state_rec *r)
{
	return ((struct state_uid *)(void *)((char *)r -
	    offsetof(struct state_uid, r)));
}

/* Whether a line of the state file has r: every record of the arena does. */
static int
state_infile(const struct state *st, const struct state_rec *r)
{
	if (state_inarena(st, r))
		return (1);
	return (((const struct state_uid *)(const void *)((const char *)r -
	    offsetof(struct state_uid, r)))->infile);
}

/* Forgets r: the arena's is marked, the tree's freed. */
static void
state_drop(struct state *st, struct state_rec *r)
{
	struct state_uid	*e;

	if (state_inarena(st, r)) {
		r->gone = 1;
		st->rewrite = 1;
	} else {
		e = state_node(r);
		if (e->infile)
			st->rewrite = 1;
		else
			st->nnew--;
		RB_REMOVE(state_tree, &st->uids, e);
		free(e);
	}
	st->dirty = 1;
}

/* A UID of the file, at the end of the arena and of the records. */
static int
state_append(struct state *st, const char *uid, time_t when, int doomed,
    u_int absent)
{
	struct state_rec	*r;
	size_t			 len = strlen(uid) + 1;

	if (st->arenalen + len > STATE_ARENA_MAX)
		return (-1);
	if (st->arenasize - st->arenalen < len) {
		st->arena = xreallocarray(st->arena, 2, st->arenasize + len);
		st->arenasize = 2 * (st->arenasize + len);
	}
	if (st->nrecs == st->recsize) {
		st->recsize = st->recsize == 0 ? 256 : 2 * st->recsize;
		st->recs = xreallocarray(st->recs, st->recsize,
		    sizeof *st->recs);
	}
	memcpy(st->arena + st->arenalen, uid, len);
	r = &st->recs[st->nrecs++];
	memset(r, 0, sizeof *r);
	r->off = (uint32_t)st->arenalen;
	r->when = state_when(when);
	r->doomed = doomed;
	r->absent = absent;
	st->arenalen += len;
	return (0);
}

static int
state_corrupt(struct state *st, size_t line, const char *why,
    struct error *err)
{
	err_set(err, ERR_IO, "state file %s is damaged at line %zu: %s",
	    st->path, line, why);
	err_hint(err, "repair or delete that line (a UID left out is "
	    "fetched again), or restore the file from a backup");
	return (-1);
}

/* The fetch time: digits as written, else what strtonum takes. */
static int
state_load_when(const char *s, long long *when)
{
	const char	*errstr, *p;
	long long	 v = 0;

	for (p = s; *p >= '0' && *p <= '9' && p - s < 18; p++)
		v = v * 10 + (*p - '0');
	if (*p == '\0' && p != s) {
		*when = v;
		return (0);
	}
	*when = strtonum(s, 0, LLONG_MAX, &errstr);
	return (errstr != NULL ? -1 : 0);
}

static int
state_load_line(struct state *st, char *line, size_t lineno, int *intail,
    struct error *err)
{
	struct state_uid	*e;
	char			*tab, *flag;
	long long		 when;
	u_int			 absent = 0;
	int			 doomed = 0, c;

	/* The UID's bytes checked as uid_valid does, in the one pass. */
	for (tab = line; *tab > 0x20 && *tab < 0x7f; tab++)
		;
	if (*tab != '\t') {
		if (strchr(tab, '\t') == NULL)
			return (state_corrupt(st, lineno, "no tab", err));
		return (state_corrupt(st, lineno, "not a valid UID", err));
	}
	if (tab == line || tab - line > UID_MAX_LEN)
		return (state_corrupt(st, lineno, "not a valid UID", err));
	*tab = '\0';
	/*
	 * An optional third field: D, a message to delete unfetched; or An,
	 * missing from the last n listings (1 to STATE_ABSENT_MAX - 1).
	 */
	if ((flag = strchr(tab + 1, '\t')) != NULL) {
		*flag++ = '\0';
		if (strcmp(flag, "D") == 0)
			doomed = 1;
		else if (flag[0] == 'A' && flag[1] >= '1' &&
		    flag[1] < '0' + STATE_ABSENT_MAX && flag[2] == '\0')
			absent = (u_int)(flag[1] - '0');
		else
			return (state_corrupt(st, lineno, "unknown flag",
			    err));
	}
	if (state_load_when(tab + 1, &when) == -1)
		return (state_corrupt(st, lineno, "fetch time is not a "
		    "number", err));
	/*
	 * The sorted part ends at the first UID not after the one before
	 * (equal: a duplicate).  From there on, the lines that saves
	 * appended, or an editor's, go into the tree.
	 */
	if (!*intail && st->nrecs > 0 && (c = strcmp(line, state_rec_uid(st,
	    &st->recs[st->nrecs - 1]))) <= 0) {
		if (c == 0)
			return (state_corrupt(st, lineno, "duplicate UID",
			    err));
		*intail = 1;
	}
	if (!*intail) {
		if (state_append(st, line, (time_t)when, doomed, absent) == -1)
			return (state_corrupt(st, lineno, "too many UIDs",
			    err));
		return (0);
	}
	if (state_find(st, line) != NULL ||
	    (e = state_insert(st, line, (time_t)when)) == NULL)
		return (state_corrupt(st, lineno, "duplicate UID", err));
	e->r.doomed = doomed;
	e->r.absent = absent;
	e->infile = 1;
	st->ftail++;
	return (0);
}

static int
state_load_one(struct state *st, char *line, size_t len, size_t lineno,
    int *intail, struct error *err)
{
	/* As long whether or not a block's end fell in it. */
	if (len > STATE_LINE_MAX)
		return (state_corrupt(st, lineno, "line too long", err));
	if (memchr(line, '\0', len) != NULL)
		return (state_corrupt(st, lineno, "NUL byte", err));
	line[len] = '\0';
	if (lineno == 1) {
		if (strcmp(line, STATE_HEADER) != 0)
			return (state_corrupt(st, lineno, "not a popfetch "
			    "state file of version 1", err));
		return (0);
	}
	return (state_load_line(st, line, lineno, intail, err));
}

/*
 * Read in 64 KiB blocks and split at each newline.  What follows the last
 * newline is an append cut short, ignored (see the top of this file); a
 * part of a line longer than any line is skipped, to be refused if a
 * newline ends it.
 */
static int
state_load(struct state *st, struct error *err)
{
	char	*buf, *p, *nl, *end;
	size_t	 have = 0, lineno = 0, size = STATE_RBUF + STATE_LINE_MAX;
	off_t	 base = 0;		/* the file's offset of buf[0] */
	ssize_t	 n;
	int	 fd, rv = -1, intail = 0, skipping = 0;

	if ((fd = open(st->path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (0);
		return (err_setsys(err, ERR_IO, "cannot open state file %s",
		    st->path));
	}
	buf = xmalloc(size);
	for (;;) {
		if ((n = read(fd, buf + have, size - have)) == -1) {
			if (errno == EINTR)
				continue;
			err_setsys(err, ERR_IO, "cannot read state file %s",
			    st->path);
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		end = buf + have;
		for (p = buf; (nl = memchr(p, '\n', (size_t)(end - p))) !=
		    NULL; p = nl + 1) {
			lineno++;
			if (skipping) {
				state_corrupt(st, lineno, "line too long",
				    err);
				goto out;
			}
			if (state_load_one(st, p, (size_t)(nl - p), lineno,
			    &intail, err) == -1)
				goto out;
			st->fsize = base + (nl + 1 - buf);
		}
		base += p - buf;
		have = (size_t)(end - p);
		if (skipping || have > STATE_LINE_MAX) {
			skipping = 1;
			base += (off_t)have;
			have = 0;
		} else
			memmove(buf, p, have);
	}
	if (lineno == 0) {
		state_corrupt(st, 1, have > 0 || skipping ? "incomplete line" :
		    "empty file", err);
		goto out;
	}
	if (have > 0 || skipping)
		log_trace("state %s: an incomplete last line ignored",
		    st->path);
	st->fexists = 1;
	st->fsorted = st->nrecs;
	rv = 0;

out:
	free(buf);
	(void)close(fd);
	return (rv);
}

/* A journal line: P TAB UID TAB RECEIPT. */
static int
state_journal_line(struct state *st, char *line)
{
	struct state_entry	*pe;
	char			*uid, *receipt;
	size_t			 len;

	if (line[0] != 'P' || line[1] != '\t')
		return (-1);
	uid = line + 2;
	if ((receipt = strchr(uid, '\t')) == NULL)
		return (-1);
	*receipt++ = '\0';
	len = strlen(receipt);
	if (!uid_valid(uid) || len == 0 || len >= STATE_RECEIPT_MAX ||
	    strchr(receipt, '\t') != NULL)
		return (-1);

	st->pending = xreallocarray(st->pending, st->npending + 1,
	    sizeof *st->pending);
	pe = &st->pending[st->npending++];
	pe->uid = xstrdup(uid);
	pe->receipt = xstrdup(receipt);
	return (0);
}

static int
state_load_journal(struct state *st, struct error *err)
{
	FILE	*fp;
	char	*line = NULL;
	size_t	 size = 0, lineno = 0;
	off_t	 good = 0;
	ssize_t	 len;
	int	 rv = -1;

	if ((fp = fopen(st->jpath, "re")) == NULL) {
		if (errno == ENOENT)
			return (0);
		return (err_setsys(err, ERR_IO, "cannot open state journal "
		    "%s", st->jpath));
	}
	st->jexists = 1;
	while ((len = getline(&line, &size, fp)) != -1) {
		lineno++;
		/* A kill or crash in the middle of a write: never begun. */
		if (line[len - 1] != '\n')
			break;
		good += len;
		line[len - 1] = '\0';
		/*
		 * Dropping a damaged entry risks fetching that message again,
		 * never losing it, so it is not worth stopping the account.
		 */
		if (strlen(line) != (size_t)len - 1 ||
		    state_journal_line(st, line) == -1)
			log_warnx("%s:%zu: damaged journal line ignored",
			    st->jpath, lineno);
	}
	if (ferror(fp)) {
		err_setsys(err, ERR_IO, "cannot read state journal %s",
		    st->jpath);
		goto out;
	}
	/*
	 * Cut the torn line off, or the next append would extend it; not
	 * when only reading, since without the lock it may be a running
	 * fetch's append in progress.
	 */
	if (len != -1 && !st->rdonly && truncate(st->jpath, good) == -1) {
		err_setsys(err, ERR_IO, "cannot truncate state journal %s",
		    st->jpath);
		goto out;
	}
	rv = 0;

out:
	free(line);
	(void)fclose(fp);
	return (rv);
}

/*
 * KEY.quit: a line a UID, "UID SIZE" (no UID holds a space; a file of an
 * older version has the UID alone), those whose DELE the server accepted
 * in a run that did not record what its QUIT did, and STATE_QUIT_OK once
 * QUIT was answered +OK.  Like the journal's, a damaged line costs only
 * itself (a wrong guess about that UID, if the server gives it to a new
 * message), and a last line not ended was never whole.
 */
#define STATE_QUIT_OK	"QUIT +OK"

static int
state_quitrec_cmp(const void *a, const void *b)
{
	const struct state_quitrec	*qa = a, *qb = b;

	return (strcmp(qa->uid, qb->uid));
}

static void
state_quit_free(struct state *st)
{
	size_t	i;

	for (i = 0; i < st->nquit; i++)
		free(st->quit[i].uid);
	free(st->quit);
	st->quit = NULL;
	st->nquit = 0;
	st->qnew = 0;
}

static int
state_load_quit(struct state *st, struct error *err)
{
	struct state_quitrec	*q;
	FILE			*fp;
	char			*line = NULL, *sp;
	const char		*errstr;
	size_t			 size = 0, lineno = 0, room = 0;
	ssize_t			 n;
	long long		 qsize = 0;
	int			 rv = -1;

	if ((fp = fopen(st->qpath, "re")) == NULL) {
		if (errno == ENOENT)
			return (0);
		return (err_setsys(err, ERR_IO, "cannot open %s", st->qpath));
	}
	st->qexists = 1;
	while ((n = getline(&line, &size, fp)) != -1) {
		lineno++;
		if (line[n - 1] != '\n')
			break;
		line[n - 1] = '\0';
		if (strcmp(line, STATE_QUIT_OK) == 0) {
			st->qok = 1;
			continue;
		}
		errstr = NULL;
		if ((sp = strchr(line, ' ')) != NULL) {
			*sp++ = '\0';
			qsize = strtonum(sp, 0, LLONG_MAX - 1, &errstr);
		}
		if (strlen(line) + (sp != NULL ? strlen(sp) + 1 : 0) !=
		    (size_t)n - 1 || !uid_valid(line) || errstr != NULL) {
			log_warnx("%s:%zu: damaged line ignored", st->qpath,
			    lineno);
			continue;
		}
		if (st->nquit == room) {
			room = room == 0 ? 16 : 2 * room;
			st->quit = xreallocarray(st->quit, room,
			    sizeof *st->quit);
		}
		q = &st->quit[st->nquit++];
		q->uid = xstrdup(line);
		q->size = (unsigned long long)qsize;
		q->sized = sp != NULL;
	}
	if (ferror(fp)) {
		err_setsys(err, ERR_IO, "cannot read %s", st->qpath);
		goto out;
	}
	if (st->nquit > 1)
		qsort(st->quit, st->nquit, sizeof *st->quit,
		    state_quitrec_cmp);
	rv = 0;

out:
	free(line);
	(void)fclose(fp);
	return (rv);
}

static struct state *
state_open_mode(const char *dir, const char *key, int rdonly,
    struct error *err)
{
	struct state	*st;

	st = xcalloc(1, sizeof *st);
	RB_INIT(&st->uids);
	st->jfd = -1;
	st->dir = xstrdup(dir);
	st->rdonly = rdonly;

	if (state_path_make(st->path, sizeof st->path, dir, "", key,
	    ".state") == -1 ||
	    state_path_make(st->tmppath, sizeof st->tmppath, dir, ".", key,
	    ".state.tmp") == -1 ||
	    state_path_make(st->jpath, sizeof st->jpath, dir, "", key,
	    ".journal") == -1 ||
	    state_path_make(st->qpath, sizeof st->qpath, dir, "", key,
	    ".quit") == -1) {
		err_set(err, ERR_CONFIG, "state directory %s: path too long",
		    dir);
		goto fail;
	}
	if (!rdonly && mkdirs(dir, 0700, err) == -1)
		goto fail;
	if (state_load(st, err) == -1)
		goto fail;
	if (state_load_journal(st, err) == -1 ||
	    state_load_quit(st, err) == -1)
		goto fail;
	log_trace("state %s: %zu pending from an interrupted run",
	    st->path, st->npending);
	return (st);

fail:
	state_close(st);
	return (NULL);
}

struct state *
state_open(const char *dir, const char *key, struct error *err)
{
	return (state_open_mode(dir, key, 0, err));
}

struct state *
state_open_read(const char *dir, const char *key, struct error *err)
{
	return (state_open_mode(dir, key, 1, err));
}

int
state_seen(struct state *st, const char *uid, time_t *when)
{
	struct state_rec	*e;

	if ((e = state_find(st, uid)) == NULL)
		return (0);
	if (when != NULL)
		*when = e->when;
	return (1);
}

uint32_t
state_claim(struct state *st, const char *uid, int *dup)
{
	struct state_rec	*e;

	*dup = 0;
	if ((e = state_find(st, uid)) == NULL)
		return (0);
	*dup = e->keep;
	e->keep = 1;
	/* Only the file's have a handle: a tree node may go. */
	if (e < st->recs || e >= st->recs + st->nrecs)
		return (0);
	return (e->off + 1);
}

const char *
state_uid(struct state *st, uint32_t handle)
{
	return (st->arena + handle - 1);
}

void
state_mark(struct state *st, const char *uid, time_t when)
{
	/* A UID with a tab or newline would damage the file for good. */
	if (!uid_valid(uid)) {
		log_warnx("state %s: invalid UID not recorded", st->path);
		return;
	}
	/* Marked before: its first fetch time stays. */
	if (state_find(st, uid) != NULL ||
	    state_insert(st, uid, when) == NULL)
		return;
	st->nnew++;
	st->dirty = 1;
}

void
state_doom(struct state *st, const char *uid, time_t when)
{
	struct state_uid	*e;
	struct state_rec	*r;

	if (!uid_valid(uid)) {
		log_warnx("state %s: invalid UID not recorded", st->path);
		return;
	}
	if ((r = state_find(st, uid)) == NULL) {
		if ((e = state_insert(st, uid, when)) == NULL)
			return;
		st->nnew++;
		r = &e->r;
	} else if (!r->doomed && state_infile(st, r))
		st->rewrite = 1;	/* its line changes */
	if (!r->doomed) {
		r->doomed = 1;
		st->dirty = 1;
	}
}

int
state_doomed(struct state *st, const char *uid)
{
	struct state_rec	*e;

	return ((e = state_find(st, uid)) != NULL && e->doomed);
}

void
state_unclaim(struct state *st)
{
	struct state_uid	*e;
	size_t			 i;

	for (i = 0; i < st->nrecs; i++)
		st->recs[i].keep = 0;
	RB_FOREACH(e, state_tree, &st->uids)
		e->r.keep = 0;
}

void
state_retain(struct state *st, const char *const *uids, size_t n)
{
	size_t			 i;
	int			 dup;

	state_unclaim(st);
	for (i = 0; i < n; i++) {
		if (uids[i] != NULL)
			(void)state_claim(st, uids[i], &dup);
	}
	state_retain_claimed(st);
}

int
state_quit_pending(const struct state *st)
{
	return (st->qexists && !st->qdone && st->nquit > 0);
}

void
state_quit_listed(struct state *st, const char *uid, unsigned long long size)
{
	struct state_quitrec	 key, *q;

	if (!state_quit_pending(st))
		return;
	key.uid = (char *)uid;
	q = bsearch(&key, st->quit, st->nquit, sizeof *st->quit,
	    state_quitrec_cmp);
	if (q != NULL && q->sized && q->size != size)
		st->qnew = 1;
}

/*
 * The UIDs of KEY.quit, left by a run that could not record what its QUIT
 * did.  With STATE_QUIT_OK they are gone.  Else this listing tells: the
 * server deletes at QUIT all it was told to or nothing (RFC 1939's UPDATE),
 * so if one of them is gone, or listed with another size than its DELE'd
 * message had, it deleted them all, and one listed is a new message given
 * that UID; if all are listed with their sizes, it never got to QUIT.
 */
static void
state_quit_resolve(struct state *st)
{
	struct state_rec	*r;
	size_t			 i;
	int			 deleted = st->qok || st->qnew;

	for (i = 0; i < st->nquit; i++) {
		if ((r = state_find(st, st->quit[i].uid)) != NULL && !r->keep)
			deleted = 1;
	}
	for (i = 0; deleted && i < st->nquit; i++) {
		if ((r = state_find(st, st->quit[i].uid)) != NULL)
			state_drop(st, r);
	}
	if (deleted)
		log_trace("state %s: the last run's QUIT deleted what it "
		    "named in %s", st->path, st->qpath);
	state_quit_free(st);
	st->qdone = 1;
}

/*
 * One listing more with or without r.  A verdict belongs to the message
 * the filter read: a condemned UID goes at its first absence, and should
 * the message come back, the filter is asked again.
 */
static void
state_absence(struct state *st, struct state_rec *r)
{
	if (r->keep)
		r->absent = 0;
	else if (r->doomed || r->absent + 1 >= STATE_ABSENT_MAX) {
		state_drop(st, r);
		return;
	} else
		r->absent++;
	if (state_infile(st, r))
		st->rewrite = 1;	/* its line changes */
	st->dirty = 1;
}

void
state_retain_claimed(struct state *st)
{
	struct state_uid	*e, *next;
	struct state_rec	*r;
	size_t			 i;

	if (st->qexists && !st->qdone)
		state_quit_resolve(st);
	for (i = 0; i < st->nrecs; i++) {
		r = &st->recs[i];
		if (!r->gone && (!r->keep || r->absent != 0))
			state_absence(st, r);
	}
	RB_FOREACH_SAFE(e, state_tree, &st->uids, next) {
		if (!e->r.keep || e->r.absent != 0)
			state_absence(st, &e->r);
	}
}

/*
 * No fsync: the page cache keeps the line through a kill -9 of this process,
 * and state_journal_sync() makes it durable before a delivery's commit-log
 * marker is: a power cut before that is a duplicate at worst, never a loss,
 * since the state itself is only saved after the deliveries are synced.
 */
int
state_journal(struct state *st, const char *uid, const char *receipt,
    struct error *err)
{
	char	line[8 + UID_MAX_LEN + STATE_RECEIPT_MAX];
	size_t	len, off;
	ssize_t	n;
	int	r;

	if (!uid_valid(uid) || receipt[0] == '\0' ||
	    strlen(receipt) >= STATE_RECEIPT_MAX ||
	    strcspn(receipt, "\t\n") != strlen(receipt))
		return (err_set(err, ERR_SOFTWARE, "state journal %s: "
		    "invalid entry", st->jpath));
	if (st->jbroken)
		return (err_set(err, ERR_IO, "state journal %s: an earlier "
		    "write failed", st->jpath));

	r = snprintf(line, sizeof line, "P\t%s\t%s\n", uid, receipt);
	if (r < 0 || (size_t)r >= sizeof line)
		return (err_set(err, ERR_SOFTWARE, "state journal %s: entry "
		    "too long", st->jpath));
	len = (size_t)r;

	if (st->jfd == -1) {
		st->jfd = open(st->jpath, O_WRONLY | O_APPEND | O_CREAT |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (st->jfd == -1)
			return (err_setsys(err, ERR_IO, "cannot open state "
			    "journal %s", st->jpath));
		st->jexists = 1;
		st->jnamed = 0;
	}
	st->junsynced = 1;
	for (off = 0; off < len; off += (size_t)n) {
		n = write(st->jfd, line + off, len - off);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			st->jbroken = 1;
			err_setsys(err, ERR_IO, "cannot write state journal "
			    "%s", st->jpath);
			if (errno == ENOSPC || errno == EDQUOT)
				err_hint(err, "free some space in %s",
				    st->dir);
			return (-1);
		}
	}
	return (0);
}

static int	state_syncdir(struct state *, struct error *);

/*
 * The journal's lines made durable, and its name the first time: a commit
 * log's marker names a message by its line, so a marker synced without it
 * leaves a delivered message the next run cannot tell from a new one.
 */
int
state_journal_sync(struct state *st, struct error *err)
{
	if (st->jfd == -1 || !st->junsynced)
		return (0);
	if (fsync(st->jfd) == -1)
		return (err_setsys(err, ERR_IO, "cannot sync state journal %s",
		    st->jpath));
	if (!st->jnamed && state_syncdir(st, err) == -1)
		return (-1);
	st->junsynced = 0;
	st->jnamed = 1;
	return (0);
}

int
state_pending(struct state *st,
    int (*fn)(void *, const char *, const char *), void *arg)
{
	size_t	i;

	for (i = 0; i < st->npending; i++) {
		if (fn(arg, st->pending[i].uid, st->pending[i].receipt) == -1)
			return (-1);
	}
	return (0);
}

static void
state_forget_pending(struct state *st)
{
	size_t	i;

	for (i = 0; i < st->npending; i++) {
		free(st->pending[i].uid);
		free(st->pending[i].receipt);
	}
	free(st->pending);
	st->pending = NULL;
	st->npending = 0;
}

static int
state_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Lines of the state file, written through a buffer. */
struct state_out {
	int	 fd;
	char	*buf;
	size_t	 len;
	off_t	 total;		/* bytes written */
	size_t	 lines;
};

static void
state_out_init(struct state_out *o, int fd)
{
	memset(o, 0, sizeof *o);
	o->fd = fd;
	o->buf = xmalloc(STATE_WBUF);
}

static int
state_out_flush(struct state_out *o)
{
	if (state_write_all(o->fd, o->buf, o->len) == -1)
		return (-1);
	o->total += (off_t)o->len;
	o->len = 0;
	return (0);
}

/* -1 with errno set; a UID too long for a line never got past uid_valid. */
static int
state_out_line(struct state_out *o, const char *uid,
    const struct state_rec *r)
{
	int	n;

	if (STATE_WBUF - o->len < STATE_LINE_MAX && state_out_flush(o) == -1)
		return (-1);
	if (r->doomed)
		n = snprintf(o->buf + o->len, STATE_WBUF - o->len,
		    "%s\t%lld\tD\n", uid, (long long)r->when);
	else if (r->absent != 0)
		n = snprintf(o->buf + o->len, STATE_WBUF - o->len,
		    "%s\t%lld\tA%u\n", uid, (long long)r->when,
		    (u_int)r->absent);
	else
		n = snprintf(o->buf + o->len, STATE_WBUF - o->len,
		    "%s\t%lld\n", uid, (long long)r->when);
	if (n < 0 || (size_t)n >= STATE_WBUF - o->len) {
		errno = EOVERFLOW;
		return (-1);
	}
	o->len += (size_t)n;
	o->lines++;
	return (0);
}

static int
state_write_error(struct state *st, const char *path, struct error *err)
{
	err_setsys(err, ERR_IO, "cannot write %s", path);
	if (errno == ENOSPC || errno == EDQUOT)
		err_hint(err, "free some space in %s", st->dir);
	return (-1);
}

/* The whole state, sorted, into the temp file. */
static int
state_write(struct state *st, struct state_out *o, struct error *err)
{
	struct state_uid	*e;
	struct state_rec	*r;
	const char		*uid;
	size_t			 i = 0;
	int			 fd;

	if (unlink(st->tmppath) == -1 && errno != ENOENT)
		return (err_setsys(err, ERR_IO, "cannot remove %s",
		    st->tmppath));
	fd = open(st->tmppath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		return (err_setsys(err, ERR_IO, "cannot create %s",
		    st->tmppath));
	state_out_init(o, fd);

	o->len = strlen(STATE_HEADER "\n");
	memcpy(o->buf, STATE_HEADER "\n", o->len);
	/* The file's UIDs and the tree's, merged in order. */
	e = RB_MIN(state_tree, &st->uids);
	for (;;) {
		while (i < st->nrecs && st->recs[i].gone)
			i++;
		if (i < st->nrecs && (e == NULL || strcmp(state_rec_uid(st,
		    &st->recs[i]), e->uid) < 0)) {
			r = &st->recs[i++];
			uid = state_rec_uid(st, r);
		} else if (e != NULL) {
			r = &e->r;
			uid = e->uid;
			e = RB_NEXT(state_tree, &st->uids, e);
		} else
			break;
		if (state_out_line(o, uid, r) == -1)
			goto fail;
	}
	if (state_out_flush(o) == -1 || fsync(fd) == -1)
		goto fail;
	free(o->buf);
	o->buf = NULL;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return (0);

fail:
	state_write_error(st, st->tmppath, err);
	free(o->buf);
	o->buf = NULL;
	if (fd != -1)
		(void)close(fd);
	(void)unlink(st->tmppath);
	return (-1);
}

static int
state_syncdir(struct state *st, struct error *err)
{
	int	dfd;

	if ((dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (err_setsys(err, ERR_IO, "cannot open state directory "
		    "%s", st->dir));
	if (fsync(dfd) == -1) {
		err_setsys(err, ERR_IO, "cannot sync state directory %s",
		    st->dir);
		(void)close(dfd);
		return (-1);
	}
	(void)close(dfd);
	return (0);
}

/*
 * The state file written anew: temp file, fsync, rename; the directory
 * fsync that makes the rename durable is state_save's, after the journal's
 * removal, so that one covers both.
 */
static int
state_rewrite(struct state *st, struct error *err)
{
	struct state_out	 o;
	struct state_uid	*e;

	/* Until it is done, a later save must not append to either file. */
	st->rewrite = 1;
	if (state_write(st, &o, err) == -1)
		return (-1);
	if (rename(st->tmppath, st->path) == -1) {
		err_setsys(err, ERR_IO, "cannot rename %s to %s", st->tmppath,
		    st->path);
		(void)unlink(st->tmppath);
		return (-1);
	}
	st->dirsync = 1;

	RB_FOREACH(e, state_tree, &st->uids)
		e->infile = 1;
	st->fexists = 1;
	st->fsize = o.total;
	st->fsorted = o.lines;
	st->ftail = 0;
	st->nnew = 0;
	st->rewrite = 0;
	return (0);
}

/*
 * The lines of the UIDs new since the load or the last save, appended and
 * synced.  A file gone or shorter than this run left it is not one to
 * extend: 1, to write it anew.  Bytes past its last newline (an append cut
 * short, or one whose undoing failed) are cut off first.
 */
static int
state_append_new(struct state *st, struct error *err)
{
	struct state_out	 o;
	struct state_uid	*e;
	struct stat		 sb;
	int			 fd, rv = -1, saved;

	fd = open(st->path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			return (1);
		return (err_setsys(err, ERR_IO, "cannot open state file %s",
		    st->path));
	}
	if (fstat(fd, &sb) == -1) {
		err_setsys(err, ERR_IO, "cannot stat state file %s",
		    st->path);
		(void)close(fd);
		return (-1);
	}
	if (sb.st_size < st->fsize) {
		(void)close(fd);
		return (1);
	}
	state_out_init(&o, fd);
	if (sb.st_size > st->fsize && ftruncate(fd, st->fsize) == -1)
		goto fail;
	RB_FOREACH(e, state_tree, &st->uids) {
		if (!e->infile && state_out_line(&o, e->uid, &e->r) == -1)
			goto fail;
	}
	if (state_out_flush(&o) == -1 || fsync(fd) == -1)
		goto fail;

	RB_FOREACH(e, state_tree, &st->uids)
		e->infile = 1;
	st->fsize += o.total;
	st->ftail += st->nnew;
	st->nnew = 0;
	rv = 0;
	goto out;

fail:
	/* The file as it was; if even this fails, the loader copes. */
	saved = errno;
	(void)ftruncate(fd, st->fsize);
	errno = saved;
	state_write_error(st, st->path, err);
out:
	free(o.buf);
	(void)close(fd);
	return (rv);
}

int
state_quitting(struct state *st, const char *const *uids,
    const unsigned long long *sizes, size_t n, struct error *err)
{
	struct state_out	 o;
	char			 num[32];
	size_t			 i, len, nlen;
	int			 fd;

	fd = open(st->qpath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		return (err_setsys(err, ERR_IO, "cannot create %s",
		    st->qpath));
	/* It names these now, whatever it named before. */
	st->qexists = 1;
	st->qdone = 0;
	st->qok = 0;
	state_quit_free(st);
	state_out_init(&o, fd);
	for (i = 0; i < n; i++) {
		/* A newline in one would make two lines of it. */
		if (!uid_valid(uids[i]))
			continue;
		len = strlen(uids[i]);
		nlen = 0;
		if (sizes != NULL && sizes[i] != STATE_SIZE_UNKNOWN)
			nlen = (size_t)snprintf(num, sizeof num, " %llu",
			    sizes[i]);
		if (STATE_WBUF - o.len < len + nlen + 1 &&
		    state_out_flush(&o) == -1)
			goto fail;
		memcpy(o.buf + o.len, uids[i], len);
		memcpy(o.buf + o.len + len, num, nlen);
		o.buf[o.len + len + nlen] = '\n';
		o.len += len + nlen + 1;
	}
	if (state_out_flush(&o) == -1 || fsync(fd) == -1)
		goto fail;
	free(o.buf);
	o.buf = NULL;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	/* Its name too must outlive a power cut. */
	return (state_syncdir(st, err));

fail:
	state_write_error(st, st->qpath, err);
	free(o.buf);
	if (fd != -1)
		(void)close(fd);
	return (-1);
}

void
state_quit_done(struct state *st, const char *const *uids, size_t n)
{
	struct state_rec	*r;
	size_t			 i;
	int			 fd;

	/*
	 * Said in KEY.quit first, for the next run should this one not save
	 * (killed, the disk failing).  Not synced: after a power cut the
	 * listing is asked instead.
	 */
	fd = open(st->qpath, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || state_write_all(fd, STATE_QUIT_OK "\n",
	    strlen(STATE_QUIT_OK "\n")) == -1)
		log_warn("cannot write %s", st->qpath);
	if (fd != -1)
		(void)close(fd);
	for (i = 0; i < n; i++) {
		if ((r = state_find(st, uids[i])) != NULL)
			state_drop(st, r);
	}
	st->qdone = 1;
}

/* KEY.quit goes once what it names is recorded in the state file. */
static int
state_quit_clear(struct state *st, struct error *err)
{
	if (!st->qexists || !st->qdone)
		return (0);
	if (unlink(st->qpath) == -1 && errno != ENOENT)
		return (err_setsys(err, ERR_IO, "cannot remove %s",
		    st->qpath));
	st->qexists = 0;
	return (0);
}

/*
 * Call this between deliveries, never during one: it empties the journal,
 * which must still announce a delivery that is under way.
 */
int
state_save(struct state *st, struct error *err)
{
	int	r = 1;

	if (!st->dirty && !st->jexists)
		return (state_quit_clear(st, err));

	/*
	 * A tail of at most an eighth keeps the file mostly sorted.  With
	 * nothing new but a journal to remove, the lines an interrupted run
	 * appended are synced first (an append of nothing).
	 */
	if (st->fexists && !st->rewrite) {
		if (st->nnew == 0 && !st->jexists)
			r = 0;
		else if (st->ftail + st->nnew <= MAX(STATE_TAIL_MIN,
		    st->fsorted / 8) &&
		    (r = state_append_new(st, err)) == -1)
			return (-1);
	}
	if (r == 1 && state_rewrite(st, err) == -1)
		return (-1);
	st->dirty = 0;
	if (state_quit_clear(st, err) == -1)
		return (-1);

	/*
	 * The journal goes once the state naming its deliveries is durable,
	 * and its removal is made durable before the caller goes on to QUIT:
	 * a journal a power cut brought back after the server deleted the
	 * mail would have recovery look again at deliveries whose proof (a
	 * commit log emptied by the next run) may be gone.  After a rename,
	 * one directory fsync covers both; should the unlink outlast the
	 * rename in a power cut before it, the server still has the mail.
	 */
	if (st->jfd != -1) {
		(void)close(st->jfd);
		st->jfd = -1;
	}
	if (unlink(st->jpath) == 0)
		st->dirsync = 1;
	else if (errno != ENOENT)
		return (err_setsys(err, ERR_IO, "cannot remove state journal "
		    "%s", st->jpath));
	if (st->dirsync) {
		if (state_syncdir(st, err) == -1)
			return (-1);
		st->dirsync = 0;
	}
	st->jexists = 0;
	st->jbroken = 0;
	state_forget_pending(st);
	return (0);
}

void
state_close(struct state *st)
{
	struct state_uid	*e, *next;

	if (st == NULL)
		return;
	if (st->jfd != -1)
		(void)close(st->jfd);
	RB_FOREACH_SAFE(e, state_tree, &st->uids, next) {
		RB_REMOVE(state_tree, &st->uids, e);
		free(e);
	}
	free(st->arena);
	free(st->recs);
	state_quit_free(st);
	state_forget_pending(st);
	free(st->dir);
	free(st);
}
