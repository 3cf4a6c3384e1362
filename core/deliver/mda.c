/*
 * Delivery through an MDA (procmail, maildrop, a script of the user's): the
 * program runs from an argument vector, without a shell, once per message,
 * with the message on stdin.  Exit 0 is delivered; 75 (EX_TEMPFAIL) keeps
 * the message on the server for a later run and the session goes on; any
 * other status, a signal, or an MDA that stops reading is an error naming
 * the MDA, its status and the last line it wrote to stderr.
 *
 * The message is spooled to an unlinked file beside the state as it
 * streams in, and the MDA starts at commit, on the whole of it.  Started
 * earlier, an MDA would take popfetch's death (kill -9) or a broken
 * connection for the end of the message, and deliver half of it.
 *
 * The receipt is a random marker that commit appends to the commit log
 * (commitlog.h) once the MDA said 0.  A run killed while the MDA runs, or
 * before that line is written, leaves the MDA to deliver a message the next
 * run hands over again: the one duplicate fetchrc(5) names, one per kill.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deliver/commitlog.h"
#include "deliver/deliver.h"
#include "deliver/envelope.h"
#include "deliver/spool.h"
#include "util/child.h"
#include "util/intr.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* The child's end of the pipe on which a failed exec reports errno. */
/* Seconds an MDA may take to deliver a message. */
#define MDA_TIMEOUT		600
/* Seconds it is given to end after a signal stopped popfetch. */
#define MDA_GRACE		5
/* What is kept of its stderr: the last line, this long at most. */
#define MDA_LINE_MAX		200
#define MDA_EX_TEMPFAIL		75

struct mda {
	char *const	*argv;
	struct spool	 sp;		/* the message, unlinked */
	int		 open;		/* a message is under way */
	char		 marker[COMMITLOG_MARKER_LEN + 1];
	struct commitlog cl;

	char		 line[MDA_LINE_MAX];	/* its last stderr line */
	char		 cur[MDA_LINE_MAX];	/* the line being read */
	size_t		 curlen;
	int		 stopped;		/* it stopped reading */
};

static int
mda_open(struct deliver *d, struct error *err)
{
	struct mda	*md;

	if (d->acct->mda_argv == NULL || d->acct->mda_argv[0] == NULL ||
	    d->acct->mda_argv[0][0] == '\0')
		return (err_set(err, ERR_CONFIG, "no MDA given"));
	if (d->acct->state_dir == NULL)
		return (err_set(err, ERR_SOFTWARE, "mda: no state_dir"));

	md = xcalloc(1, sizeof *md);
	md->argv = d->acct->mda_argv;
	if (commitlog_init(&md->cl, d->acct, ".mda", err) == -1)
		goto fail;
	if (spool_open(&md->sp, "MDA", d->acct->state_dir, err) == -1) {
		commitlog_free(&md->cl);
		goto fail;
	}
	d->priv = md;
	return (0);

fail:
	free(md);
	return (-1);
}

static void
mda_reset(struct mda *md)
{
	spool_reset(&md->sp);
	md->open = 0;
}

static int
mda_begin(struct deliver *d, const struct deliver_msg *msg, char *receipt,
    size_t len, struct error *err)
{
	struct mda	*md = d->priv;

	(void)msg;
	if (md->open)
		return (err_set(err, ERR_SOFTWARE, "mda: a message is already "
		    "open"));
	commitlog_start(&md->cl);
	if (commitlog_marker(md->marker, err) == -1)
		return (-1);
	if (strlcpy(receipt, md->marker, len) >= len)
		return (err_set(err, ERR_SOFTWARE, "mda: receipt too long"));
	mda_reset(md);
	md->open = 1;
	return (0);
}

static int
mda_write(struct deliver *d, const char *buf, size_t len, struct error *err)
{
	struct mda	*md = d->priv;

	if (!md->open)
		return (err_set(err, ERR_SOFTWARE, "mda: write without an "
		    "open message"));
	return (spool_write(&md->sp, buf, len, err));
}

static void
mda_abort(struct deliver *d)
{
	struct mda	*md = d->priv;

	if (md->open)
		mda_reset(md);
}

/*
 * %F becomes the envelope sender (made safe by envelope.c: one word, and
 * never starting with '-'), %% a percent sign; any other % stays.
 */
static char *
mda_expand(const char *arg, const char *sender)
{
	char	*out, *o;
	size_t	 n = 1;
	const char *p;

	for (p = arg; *p != '\0'; p++)
		n += (p[0] == '%' && p[1] == 'F') ? strlen(sender) : 1;
	out = o = xmalloc(n);
	for (p = arg; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'F') {
			memcpy(o, sender, strlen(sender));
			o += strlen(sender);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			*o++ = '%';
			p++;
		} else
			*o++ = *p;
	}
	*o = '\0';
	return (out);
}

/* Keeps the last non-empty line of the MDA's stderr, made printable. */
static void
mda_errbytes(struct mda *md, const char *p, size_t n)
{
	u_char	c;

	for (; n > 0; p++, n--) {
		c = (u_char)*p;
		if (c == '\n') {
			while (md->curlen > 0 && md->cur[md->curlen - 1] ==
			    ' ')
				md->curlen--;
			if (md->curlen > 0) {
				memcpy(md->line, md->cur, md->curlen);
				md->line[md->curlen] = '\0';
			}
			md->curlen = 0;
			continue;
		}
		if (md->curlen + 1 >= sizeof md->cur)
			continue;
		if (c == '\t' || c == '\r')
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		md->cur[md->curlen++] = (char)c;
	}
}

/* Reads what stderr has; -1 at its end. */
static int
mda_errread(struct mda *md, int fd)
{
	char	buf[4096];
	ssize_t	n;

	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (errno == EAGAIN ? 0 : -1);
		if (n == 0)
			return (-1);
		mda_errbytes(md, buf, (size_t)n);
	}
}

/*
 * Waits for the MDA to exit, reading its stderr meanwhile.  A signal that
 * stops popfetch is passed on to it (SIGTERM, so that it can undo what it
 * began), and it gets MDA_GRACE seconds to end; what it says then decides.
 */
static int
mda_wait(struct mda *md, const char *name, pid_t pid, int *errfd,
    int *status, struct error *err)
{
	struct pollfd	pfd;
	time_t		deadline = time(NULL) + MDA_TIMEOUT;
	pid_t		r;
	int		passed = 0;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR)
			return (err_setsys(err, ERR_SOFTWARE, "waitpid"));
		if (intr_signo != 0 && !passed) {
			(void)kill(pid, SIGTERM);
			passed = 1;
			if (deadline > time(NULL) + MDA_GRACE)
				deadline = time(NULL) + MDA_GRACE;
		}
		if (time(NULL) >= deadline && passed)
			return (intr_check(err));
		if (time(NULL) >= deadline) {
			err_set(err, ERR_IO, "MDA %s did not finish within %d "
			    "seconds: killed", name, MDA_TIMEOUT);
			err_hint(err, "the message stays on the server; run "
			    "the MDA by hand on a message to see where it "
			    "hangs");
			return (-1);
		}
		/* A child of the MDA may hold stderr open: poll in steps. */
		pfd.fd = *errfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) > 0 && mda_errread(md, *errfd) == -1) {
			(void)close(*errfd);
			*errfd = -1;
		}
	}
	if (*errfd != -1)
		(void)mda_errread(md, *errfd);
	mda_errbytes(md, "\n", 1);
	return (0);
}

/*
 * Runs the MDA on the spooled message; its wait status in *status.  Its
 * standard input is the spool itself, not a pipe fed by us: were popfetch
 * killed half way through feeding a pipe, the MDA would read the end of
 * the pipe as the end of the message and deliver half of it.  The file
 * outlives us, so the MDA reads all of it whatever happens to popfetch;
 * where it stopped reading is its offset in the file.
 */
static int
mda_run(struct mda *md, char *const *argv, int *status, struct error *err)
{
	const char	*name = argv[0];
	int		 ep[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int		 devnull = -1, e, i, rv = -1;
	off_t		 read_to;
	pid_t		 pid = -1;

	if (lseek(md->sp.fd, 0, SEEK_SET) == -1) {
		err_setsys(err, ERR_IO, "cannot rewind the MDA spool file in "
		    "%s", md->sp.dir);
		goto out;
	}
	if (pipe2(errp, O_CLOEXEC) == -1 || pipe2(ep, O_CLOEXEC) == -1 ||
	    (devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1) {
		err_setsys(err, ERR_TEMP, "cannot run MDA %s", name);
		goto out;
	}
	if ((pid = fork()) == -1) {
		err_setsys(err, ERR_TEMP, "cannot run MDA %s: fork", name);
		goto out;
	}
	if (pid == 0)
		child_exec(argv, md->sp.fd, devnull, errp[1], ep[1]);
	(void)close(errp[1]);
	(void)close(ep[1]);
	errp[1] = ep[1] = -1;

	if ((e = child_execerr(ep[0])) != 0) {
		errno = e;
		err_setsys(err, ERR_IO, "cannot run MDA %s", name);
		err_hint(err, "check the program named in \"delivery mda\"; "
		    "the message stays on the server");
		goto out;
	}
	if (fcntl(errp[0], F_SETFL, O_NONBLOCK) == -1) {
		err_setsys(err, ERR_SOFTWARE, "fcntl");
		goto out;
	}
	md->line[0] = '\0';
	md->curlen = 0;
	md->stopped = 0;
	if (mda_wait(md, name, pid, &errp[0], status, err) == -1)
		goto out;
	pid = -1;
	/* The MDA shares the file's offset: how far it read. */
	if ((read_to = lseek(md->sp.fd, 0, SEEK_CUR)) != -1 &&
	    read_to < md->sp.size)
		md->stopped = 1;
	rv = 0;

out:
	if (pid > 0) {
		/* Whatever it did with the message, it is not delivered. */
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, status, 0) == -1 && errno == EINTR)
			;
	}
	if (devnull != -1)
		(void)close(devnull);
	for (i = 0; i < 2; i++) {
		if (errp[i] != -1)
			(void)close(errp[i]);
		if (ep[i] != -1)
			(void)close(ep[i]);
	}
	return (rv);
}

/* What the MDA's wait status and stderr say, as an error. */
static int
mda_status(struct mda *md, const char *name, int status, struct error *err)
{
	char	said[MDA_LINE_MAX + 8];

	said[0] = '\0';
	if (md->line[0] != '\0')
		(void)snprintf(said, sizeof said, ": %s", md->line);
	if (WIFSIGNALED(status)) {
		err_set(err, ERR_IO, "MDA %s was killed by signal %d (%s)%s",
		    name, WTERMSIG(status), strsignal(WTERMSIG(status)), said);
	} else if (WEXITSTATUS(status) == MDA_EX_TEMPFAIL) {
		return (err_set(err, ERR_TEMP, "MDA %s exited with status 75 "
		    "(try again later)%s", name, said));
	} else if (WEXITSTATUS(status) != 0) {
		err_set(err, ERR_IO, "MDA %s exited with status %d%s", name,
		    WEXITSTATUS(status), said);
	} else if (md->stopped) {
		err_set(err, ERR_IO, "MDA %s stopped reading the message "
		    "before its end (exit status 0)%s", name, said);
	} else
		return (0);
	err_hint(err, "the message stays on the server; run the MDA by "
	    "hand on a message to see what it does");
	return (-1);
}

static int
mda_commit(struct deliver *d, struct error *err)
{
	struct mda	 *md = d->priv;
	char		  sender[ENVELOPE_SENDER_MAX];
	char		**argv = NULL;
	size_t		  n, i;
	int		  status, rv = -1;

	if (!md->open)
		return (err_set(err, ERR_SOFTWARE, "mda: commit without an "
		    "open message"));
	if (spool_check(&md->sp, err) == -1)
		goto out;
	envelope_sender(md->sp.env.buf, md->sp.env.len, sender,
	    sizeof sender);
	for (n = 0; md->argv[n] != NULL; n++)
		;
	argv = xcalloc(n + 1, sizeof *argv);
	argv[0] = xstrdup(md->argv[0]);
	for (i = 1; i < n; i++)
		argv[i] = mda_expand(md->argv[i], sender);

	if (mda_run(md, argv, &status, err) == -1)
		goto out;
	if (mda_status(md, argv[0], status, err) == -1) {
		/* One ended by the signal that stops us: we stopped it. */
		(void)intr_check(err);
		goto out;
	}
	commitlog_add(&md->cl, md->marker);
	rv = 0;

out:
	if (argv != NULL) {
		for (i = 0; i < n; i++)
			free(argv[i]);
		free(argv);
	}
	mda_reset(md);
	return (rv);
}

static int
mda_sync(struct deliver *d, struct error *err)
{
	struct mda	*md = d->priv;

	/*
	 * The MDA made the message durable, or should have, before exit 0;
	 * the batch's markers now.
	 */
	(void)err;
	commitlog_sync(&md->cl);
	return (0);
}

static int
mda_recover(struct deliver *d, const char *receipt, struct error *err)
{
	struct mda	*md = d->priv;

	if (!commitlog_valid(receipt))
		return (err_set(err, ERR_IO, "mda: \"%s\" in the state "
		    "journal is not an MDA receipt", receipt));
	return (commitlog_has(&md->cl, receipt));
}

static void
mda_close(struct deliver *d)
{
	struct mda	*md = d->priv;

	if (md == NULL)
		return;
	spool_close(&md->sp);
	commitlog_free(&md->cl);
	free(md);
	d->priv = NULL;
}

const struct deliver_ops deliver_mda_ops = {
	.name = "mda",
	.open = mda_open,
	.begin = mda_begin,
	.write = mda_write,
	.commit = mda_commit,
	.abort = mda_abort,
	.sync = mda_sync,
	.recover = mda_recover,
	.close = mda_close,
};
