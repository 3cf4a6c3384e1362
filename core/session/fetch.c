#include <sys/types.h>
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "deliver/deliver.h"
#include "deliver/received.h"
#include "net/conn.h"
#include "net/net.h"
#include "pop3/pop3.h"
#include "session/fetch.h"
#include "state/lock.h"
#include "state/logins.h"
#include "state/state.h"
#include "util/child.h"
#include "util/intr.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define FETCH_LOCK_WAIT		5	/* seconds to wait for another run */
#define FETCH_WINDOW_CMDS	1024	/* commands in flight when pipelining */
#define FETCH_WINDOW_BYTES	(4ULL << 20)	/* message bytes asked for ahead */
#define FETCH_WINDOW_TOP	64	/* TOPs in flight for the filter */
/* A batch of deliveries is made durable and recorded this often. */
#define FETCH_RECORD_EVERY	256
#define FETCH_RECORD_SECS	2.0
#define FETCH_SLACK		65536	/* what a message may exceed 2 x LIST by */
#define FETCH_FILTER_DELETE	99	/* a filter's exit: delete unread */
#define FETCH_FILTER_LEAVE	98	/* leave it on the server */
/* Sessions a run may have with a server whose listing is capped. */
#define FETCH_SESSIONS_MAX	20
/* The longest LOGIN-DELAY waited out between a run's sessions, seconds. */
#define FETCH_DELAY_WAIT	60
#define FETCH_DELAY_STEP	0.25	/* how often the wait looks at signals */

#define PLAN_FETCH		0x01
#define PLAN_DELETE		0x02	/* delete without fetching */
#define PLAN_DELETE_AFTER	0x04	/* delete once delivered */
#define PLAN_DELETED		0x08	/* DELE answered +OK */

enum fetch_cmd_kind {
	CMD_RETR,
	CMD_DELE,
};

struct fetch_cmd {
	enum fetch_cmd_kind	 kind;
	u_int			 num;
};

struct fetch {
	const struct account	*acct;
	const struct fetch_opts	*opts;
	struct fetch_result	*res;
	enum keep_mode		 keep;
	time_t			 now;

	struct pop3		 pop3;
	struct conn		*conn;
	struct state		*state;
	struct deliver		*dlv;

	struct pop3_list	*list;		/* the server's, from 1 */
	u_int			 count;
	u_char			*plan;

	u_int			*fetchq;	/* message numbers to RETR */
	u_int			 nfetch;
	u_int			 nextfetch;
	int			 dele_after;	/* a fetch may add a DELE */
	u_int			*deleq;		/* message numbers to DELE */
	u_int			 ndele;
	u_int			 nextdele;

	struct fetch_cmd	 ring[FETCH_WINDOW_CMDS];
	u_int			 rhead;
	u_int			 rcount;
	u_int			 retr_out;
	unsigned long long	 retr_bytes;	/* LIST sizes of RETRs in flight */
	double			 recorded;	/* when the last record was */

	u_int			 deleted;	/* DELE answered +OK */
	u_int			 deferred;	/* left for a later run */
	int			 sync_failed;	/* a batch is not durable */
	int			 undelivered;	/* retrieved, not delivered */
	u_int			 recovered;	/* found by fetch_recover */
	u_int			 filter_failed;	/* fetched without a verdict */
	unsigned long long	 msgbytes;	/* of the message being written */
	double			 progress_at;	/* when progress was last told */
	time_t			 started;	/* CLOCK_MONOTONIC, the session */
	u_int			 fresh;		/* delivered, not seen before */

	/* What the sessions of one run share. */
	u_int			 sessions;	/* begun so far */
	u_int			 queued;	/* RETRs of the sessions before */
	u_int			 listed_max;	/* the longest listing before */
	double			 login_at;	/* CLOCK_MONOTONIC, the last login */
};

static double
fetch_clock(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static const char *
fetch_uid(const struct fetch *f, u_int i)
{
	return (pop3_list_uid(f->list, i));
}

static unsigned long long
fetch_size(const struct fetch *f, u_int i)
{
	return (pop3_list_size(f->list, i));
}

static int
fetch_recover_one(void *arg, const char *uid, const char *receipt)
{
	struct fetch	*f = arg;
	struct error	 err;
	int		 rc;

	/*
	 * A UID the state holds was delivered: its entry outlived the save
	 * that recorded it (a power cut can undo the journal's removal).  Its
	 * method is not asked, for without the receipt's commit-log line an
	 * mbox takes the whole message for a half one and cuts it, and the
	 * server may have deleted it since.
	 */
	if (state_seen(f->state, uid, NULL)) {
		log_trace("message UID %s of an interrupted run is recorded "
		    "already", uid);
		return (0);
	}
	err_clear(&err);
	if ((rc = deliver_recover(f->dlv, receipt, &err)) == -1) {
		log_warnx("cannot check message UID %s of an interrupted run: "
		    "%s", uid, err.what);
		return (-1);
	}
	if (rc == 1) {
		log_verbose("message UID %s was delivered by an interrupted "
		    "run", uid);
		state_mark(f->state, uid, f->now);
		f->recovered++;
	}
	return (0);
}

/*
 * A run killed between a delivery and the state save left journal entries:
 * each delivered message is recorded, so that it is not delivered twice.
 */
static int
fetch_recover(struct fetch *f, struct error *err)
{
	if (state_pending(f->state, fetch_recover_one, f) == -1)
		return (err_set(err, ERR_IO, "cannot recover the state of an "
		    "interrupted run"));
	if (f->recovered > 0)
		log_info("%u message%s delivered by an interrupted run %s "
		    "recorded as fetched", f->recovered,
		    f->recovered == 1 ? "" : "s",
		    f->recovered == 1 ? "was" : "were");
	/* What recovery found must be durable before the state says so. */
	if (f->recovered > 0 && deliver_sync(f->dlv, err) == -1)
		return (-1);
	return (state_save(f->state, err));
}

static void
fetch_plan_one(struct fetch *f, u_int i)
{
	const struct account	*a = f->acct;
	const char		*uid = fetch_uid(f, i);
	unsigned long long	 size;
	time_t			 first;
	int			 seen, del_ok = f->opts->keep != 1;

	seen = state_seen(f->state, uid, &first);
	if (!seen)
		f->res->new++;
	if (state_doomed(f->state, uid)) {
		if (del_ok)
			f->plan[i] |= PLAN_DELETE;
		return;
	}
	if (!seen || f->opts->fetch_all || !a->only_new)
		f->plan[i] |= PLAN_FETCH;
	/* Asked only of a message to fetch: pop3_scan kept its size. */
	size = (f->plan[i] & PLAN_FETCH) ? fetch_size(f, i) : 0;

	if ((f->plan[i] & PLAN_FETCH) && a->kill_size != 0 &&
	    size > a->kill_size) {
		f->plan[i] &= ~PLAN_FETCH;
		if (del_ok) {
			log_info("message %u (UID %s, %llu bytes) is over "
			    "kill_size: deleted unread", i, uid, size);
			f->plan[i] |= PLAN_DELETE;
		}
		return;
	}
	if ((f->plan[i] & PLAN_FETCH) && a->max_size != 0 &&
	    size > a->max_size) {
		log_info("message %u (UID %s, %llu bytes) is over max_size: "
		    "left on the server", i, uid, size);
		f->plan[i] &= ~PLAN_FETCH;
		f->res->skipped++;
		return;
	}
	/* LIST counts CRLF line ends, as SIZE does. */
	if ((f->plan[i] & PLAN_FETCH) && f->dlv != NULL &&
	    deliver_limit(f->dlv) != 0 && size > deliver_limit(f->dlv)) {
		log_warnx("message %u (UID %s, %llu bytes) is bigger than the "
		    "mail server takes (SIZE %llu): left on the POP server",
		    i, uid, size, deliver_limit(f->dlv));
		f->plan[i] &= ~PLAN_FETCH;
		f->res->skipped++;
		return;
	}

	switch (f->keep) {
	case KEEP_OFF:
		f->plan[i] |= (f->plan[i] & PLAN_FETCH) ? PLAN_DELETE_AFTER :
		    PLAN_DELETE;
		break;
	case KEEP_DURATION:
		if (seen && f->now - first >= a->keep_secs)
			f->plan[i] |= (f->plan[i] & PLAN_FETCH) ?
			    PLAN_DELETE_AFTER : PLAN_DELETE;
		break;
	case KEEP_ON:
		break;
	}
}

static void
fetch_plan(struct fetch *f)
{
	u_int	i;

	f->plan = xcalloc(f->count + 1, 1);
	f->fetchq = xcalloc(f->count + 1, sizeof *f->fetchq);
	f->deleq = xcalloc(f->count + 1, sizeof *f->deleq);
	for (i = 1; i <= f->count; i++)
		fetch_plan_one(f, i);
}

/*
 * What max_messages leaves this session of the run, 0 for no limit: a
 * session begins only while some is left.
 */
static u_int
fetch_max(const struct fetch *f)
{
	if (f->acct->max_messages == 0)
		return (0);
	return (f->acct->max_messages - f->queued);
}

/* The queues, once the filter has spoken; max_messages caps the fetches. */
static void
fetch_queue(struct fetch *f)
{
	u_int	i, over = 0, max = fetch_max(f);

	for (i = 1; i <= f->count; i++) {
		if (f->plan[i] & PLAN_FETCH) {
			if (max != 0 && f->nfetch >= max) {
				f->plan[i] &= ~(PLAN_FETCH | PLAN_DELETE_AFTER);
				over++;
			} else {
				f->fetchq[f->nfetch++] = i;
				if (f->plan[i] & PLAN_DELETE_AFTER)
					f->dele_after = 1;
			}
		}
		if (f->plan[i] & PLAN_DELETE)
			f->deleq[f->ndele++] = i;
	}
	if (over > 0) {
		log_info("%u more message%s left for the next run "
		    "(max_messages %u)", over, over == 1 ? "" : "s",
		    f->acct->max_messages);
		f->res->skipped += over;
	}
}

static int
fetch_filter_sink(void *arg, const char *buf, size_t len, struct error *err)
{
	return (child_write(arg, buf, len, err));
}

/*
 * The filter's verdict on one message, from the headers TOP sent.  Its exit
 * codes for delete and leave are ones no crash gives (Python's uncaught
 * exception and sh -e exit 1): a filter that cannot run, is killed, hangs
 * or exits with anything else gave no verdict, and the message is fetched
 * as if there were no filter; the run then ends in an error.  Only
 * filter_exit mpop reads 1 and 2 as mpop does.
 */
static int
fetch_filter_one(struct fetch *f, u_int num, struct error *err)
{
	const char		*uid = fetch_uid(f, num);
	unsigned long long	 size = fetch_size(f, num);
	struct pop3_resp	 r;
	struct child		 c;
	char			 safe[512];
	unsigned long long	 wire;
	int			 status, mpop, started;

	if (pop3_response(&f->pop3, &r, err) == -1)
		return (-1);
	if (!r.ok) {
		log_safe(safe, sizeof safe, r.line);
		log_warnx("the headers of message %u (UID %s) could not be "
		    "read for the filter, so it stays on the server: %s", num,
		    uid, safe);
		f->plan[num] &= ~(PLAN_FETCH | PLAN_DELETE_AFTER);
		f->res->skipped++;
		return (0);
	}
	/* One that did not start takes no input: the headers are dropped. */
	started = child_start(&c, f->acct->filter, f->acct->timeout,
	    err) == 0;
	if (pop3_body(&f->pop3, fetch_filter_sink, &c, size * 2 +
	    FETCH_SLACK, &wire, err) == -1) {
		child_kill(&c);
		return (-1);
	}
	status = started ? child_wait(&c, err) : -1;
	/* Stopped by a signal, perhaps the one that killed the filter. */
	if (intr_check(err) == -1)
		return (-1);
	mpop = f->acct->filter_exit == FILTER_EXIT_MPOP;
	if (status == 0)
		log_verbose("filter: fetch message %u (UID %s)", num, uid);
	else if (status == (mpop ? 1 : FETCH_FILTER_DELETE)) {
		log_verbose("filter: delete message %u (UID %s) unread", num,
		    uid);
		/* The verdict holds even if this session fails. */
		state_doom(f->state, uid, f->now);
		f->plan[num] &= ~(PLAN_FETCH | PLAN_DELETE_AFTER);
		if (f->opts->keep != 1)
			f->plan[num] |= PLAN_DELETE;
	} else if (status == (mpop ? 2 : FETCH_FILTER_LEAVE)) {
		log_verbose("filter: leave message %u (UID %s) on the server",
		    num, uid);
		f->plan[num] &= ~(PLAN_FETCH | PLAN_DELETE_AFTER);
		f->res->skipped++;
	} else {
		if (status == -1)
			log_warnx("filter on message %u (UID %s): %s; fetched "
			    "all the same", num, uid, err->what);
		else
			log_warnx("filter on message %u (UID %s): %s exited "
			    "with %d, not 0, %d or %d; fetched all the same",
			    num, uid, f->acct->filter[0], status,
			    mpop ? 1 : FETCH_FILTER_DELETE,
			    mpop ? 2 : FETCH_FILTER_LEAVE);
		err_clear(err);
		f->filter_failed++;
	}
	return (0);
}

/*
 * The filter is asked about each new message once: TOP n 0 sends the
 * headers, pipelined like RETR.  It stops being asked once max_messages
 * messages are to be fetched.
 */
static int
fetch_filter(struct fetch *f, struct error *err)
{
	u_int	*cand, n = 0, next = 0, head = 0, i, window, yes = 0;
	u_int	 max = fetch_max(f);
	char	 cmd[32];
	int	 rc = -1;

	if (f->acct->filter == NULL)
		return (0);
	if (f->opts->dry_run) {
		log_verbose("dry run: the filter is not asked");
		return (0);
	}
	cand = xcalloc(f->count + 1, sizeof *cand);
	for (i = 1; i <= f->count; i++) {
		if ((f->plan[i] & PLAN_FETCH) &&
		    !state_seen(f->state, fetch_uid(f, i), NULL))
			cand[n++] = i;
	}
	if (n > 0 && f->pop3.capa_ok && !(f->pop3.caps & CAP_TOP)) {
		err_set(err, ERR_UNAVAILABLE, "the server does not offer TOP, "
		    "which 'filter' needs");
		err_hint(err, "remove the filter from this account");
		goto out;
	}
	window = pop3_pipelining(&f->pop3) ? FETCH_WINDOW_TOP : 1;
	while (head < n) {
		while (next < n && next - head < window &&
		    (max == 0 || yes + (next - head) < max)) {
			(void)snprintf(cmd, sizeof cmd, "TOP %u 0", cand[next]);
			pop3_queue(&f->pop3, cmd, NULL);
			next++;
		}
		if (next == head)
			break;
		if (pop3_flush(&f->pop3, err) == -1 ||
		    fetch_filter_one(f, cand[head], err) == -1)
			goto out;
		if (f->plan[cand[head]] & PLAN_FETCH)
			yes++;
		head++;
	}
	rc = 0;
out:
	free(cand);
	return (rc);
}

static void
fetch_push(struct fetch *f, enum fetch_cmd_kind kind, u_int num)
{
	struct fetch_cmd	*c;
	char			 cmd[32];

	c = &f->ring[(f->rhead + f->rcount) % FETCH_WINDOW_CMDS];
	c->kind = kind;
	c->num = num;
	f->rcount++;
	(void)snprintf(cmd, sizeof cmd, "%s %u",
	    kind == CMD_RETR ? "RETR" : "DELE", num);
	if (kind == CMD_RETR) {
		f->retr_out++;
		f->retr_bytes += fetch_size(f, num);
	}
	pop3_queue(&f->pop3, cmd, NULL);
}

/*
 * Tells the progress hook how far the transfer is: after each message, and
 * during a big one at most every half second.
 */
static void
fetch_progress(struct fetch *f, int force)
{
	double	now;
	u_int	done;

	if (f->opts->progress == NULL)
		return;
	now = fetch_clock();
	if (!force && now - f->progress_at < 0.5)
		return;
	f->progress_at = now;
	/* The RETRs answered; during one, its message is not done yet. */
	done = f->nextfetch - f->retr_out - (force ? 0 : 1);
	f->opts->progress(f->opts->progress_arg, done, f->nfetch,
	    f->res->bytes + f->msgbytes);
}

static int
fetch_sink(void *arg, const char *buf, size_t len, struct error *err)
{
	struct fetch	*f = arg;

	f->msgbytes += len;
	fetch_progress(f, 0);
	return (deliver_write(f->dlv, buf, len, err));
}

static int
fetch_retr(struct fetch *f, u_int num, struct error *err)
{
	const char		*uid = fetch_uid(f, num);
	unsigned long long	 size = fetch_size(f, num);
	struct deliver_msg	 dm;
	struct pop3_resp	 r;
	char			 receipt[DELIVER_RECEIPT_MAX], safe[512];
	char			 hdr[1024];
	unsigned long long	 wire;
	time_t			 first;
	int			 n;

	if (pop3_response(&f->pop3, &r, err) == -1)
		return (-1);
	if (!r.ok) {
		log_safe(safe, sizeof safe, r.line);
		log_warnx("message %u (UID %s) could not be fetched and stays "
		    "on the server: %s", num, uid, safe);
		f->res->skipped++;
		return (0);
	}

	dm.num = num;
	dm.uid = uid;
	dm.size = size;
	if (deliver_begin(f->dlv, &dm, receipt, sizeof receipt, err) == -1)
		return (-1);	/* the method's own hint says what to do */
	if (state_journal(f->state, uid, receipt, err) == -1 ||
	    (deliver_in_place(f->dlv) &&
	    state_journal_sync(f->state, err) == -1))
		goto fail;
	f->msgbytes = 0;
	if (f->acct->received_header) {
		n = received_make(hdr, sizeof hdr, f->acct, f->conn->rfd,
		    f->conn->tls != NULL, time(NULL));
		if (n < 0) {
			err_set(err, ERR_SOFTWARE, "cannot make the Received "
			    "header");
			goto fail;
		}
		if (fetch_sink(f, hdr, n, err) == -1)
			goto fail;
	}
	if (pop3_body(&f->pop3, fetch_sink, f, size * 2 + FETCH_SLACK,
	    &wire, err) == -1)
		goto fail;
	if (deliver_commit(f->dlv, err) == -1) {
		if (err->code != ERR_TEMP)
			goto fail;
		log_warnx("message %u (UID %s) stays on the server for a "
		    "later run: %s", num, uid, err->what);
		err_clear(err);
		f->res->skipped++;
		f->deferred++;
		f->undelivered = 1;
		return (0);
	}

	if (!state_seen(f->state, uid, &first)) {
		first = f->now;
		f->fresh++;
	}
	state_mark(f->state, uid, first);
	f->res->fetched++;
	f->res->bytes += f->msgbytes;
	log_verbose("message %u of %u (UID %s, %llu bytes) delivered", num,
	    f->count, uid, f->msgbytes);
	if (f->plan[num] & PLAN_DELETE_AFTER)
		f->deleq[f->ndele++] = num;
	return (0);

fail:
	deliver_abort(f->dlv);
	if ((err->code == ERR_TEMP || err->code == ERR_PROTO) &&
	    err->hint[0] == '\0')
		err_hint(err, "message %u (UID %s) was not delivered and "
		    "stays on the server; try again later", num, uid);
	return (-1);
}

static int
fetch_dele(struct fetch *f, u_int num, struct error *err)
{
	struct pop3_resp	r;
	char			safe[512];

	if (pop3_response(&f->pop3, &r, err) == -1)
		return (-1);
	if (!r.ok) {
		log_safe(safe, sizeof safe, r.line);
		log_warnx("message %u (UID %s) could not be deleted: %s", num,
		    fetch_uid(f, num), safe);
		return (0);
	}
	log_verbose("message %u (UID %s) marked for deletion", num,
	    fetch_uid(f, num));
	f->plan[num] |= PLAN_DELETED;
	f->deleted++;
	return (0);
}

static int	fetch_record(struct fetch *, struct error *);

/*
 * Between messages, now and then: a long run leaves its deliveries visible
 * and recorded as it goes, so that a crash costs at most one batch.
 */
static int
fetch_record_due(struct fetch *f, struct error *err)
{
	/* By count at fixed points, so a run's batches are predictable. */
	if ((f->res->fetched == 0 ||
	    f->res->fetched % FETCH_RECORD_EVERY != 0) &&
	    fetch_clock() - f->recorded < FETCH_RECORD_SECS)
		return (0);
	if (fetch_record(f, err) == -1)
		return (-1);
	f->recorded = fetch_clock();
	return (0);
}

/*
 * Whether QUIT may let go of what the session retrieved: a finite EXPIRE,
 * or no CAPA answered, where EXPIRE (Gmail's 0) could not be read.
 */
static int
fetch_may_expire(const struct fetch *f)
{
	return (f->pop3.expire >= 0 || !f->pop3.capa_ok);
}

/*
 * Commands into the window: DELEs first, RETRs while bytes allow.  When
 * the last RETR is out and nothing was or will be marked for deletion,
 * QUIT follows it (pop3_quit_ahead).
 */
static void
fetch_fill(struct fetch *f, u_int maxcmds)
{
	while (f->rcount < maxcmds) {
		if (f->nextdele < f->ndele)
			fetch_push(f, CMD_DELE, f->deleq[f->nextdele++]);
		else if (f->nextfetch < f->nfetch &&
		    (f->retr_out == 0 || f->retr_bytes < FETCH_WINDOW_BYTES))
			fetch_push(f, CMD_RETR, f->fetchq[f->nextfetch++]);
		else
			break;
	}
	/* Where QUIT may expire a deferral, whether to QUIT waits. */
	if (f->nextfetch == f->nfetch && f->ndele == 0 && !f->dele_after &&
	    !fetch_may_expire(f))
		pop3_quit_ahead(&f->pop3);
}

/*
 * RETR and DELE go out in a window, so that with PIPELINING the link never
 * idles between messages; without it the window is one command.  A DELE only
 * marks the message: the server deletes at QUIT, which comes after the state
 * is saved.
 */
static int
fetch_transfer(struct fetch *f, struct error *err)
{
	struct fetch_cmd	 c;
	int			 pipelined = pop3_pipelining(&f->pop3);
	u_int			 maxcmds;

	maxcmds = pipelined ? FETCH_WINDOW_CMDS : 1;
	for (;;) {
		fetch_fill(f, maxcmds);
		if (f->rcount == 0)
			return (0);
		/* Data may stay buffered for long: no wait would see it. */
		if (intr_check(err) == -1 || pop3_flush(&f->pop3, err) == -1)
			return (-1);

		c = f->ring[f->rhead];
		f->rhead = (f->rhead + 1) % FETCH_WINDOW_CMDS;
		f->rcount--;
		if (c.kind == CMD_RETR) {
			f->retr_out--;
			f->retr_bytes -= fetch_size(f, c.num);
			/*
			 * A message bigger than the byte window left nothing
			 * behind it: the next RETR goes out now, so that the
			 * server sends it as soon as this one ends, instead
			 * of a round trip later.
			 */
			if (pipelined && f->retr_out == 0) {
				fetch_fill(f, maxcmds);
				if (pop3_flush(&f->pop3, err) == -1)
					return (-1);
			}
			if (fetch_retr(f, c.num, err) == -1)
				return (-1);
			if (fetch_record_due(f, err) == -1)
				return (-1);
			f->msgbytes = 0;
			fetch_progress(f, 1);
		} else if (fetch_dele(f, c.num, err) == -1)
			return (-1);
	}
}

/*
 * What the server said of its limits (RFC 2449), once logged in: the login
 * is remembered with its LOGIN-DELAY for the next run to honour, and a
 * server that will delete what keep means to leave there is named.
 */
static void
fetch_limits(struct fetch *f)
{
	const struct pop3	*p = &f->pop3;
	struct error		 err;
	char			 key[512];
	long			 days = p->expire;

	err_clear(&err);
	/*
	 * -s changes nothing in the state directory, so its own login is not
	 * remembered (the next run may be refused once, and says so).
	 */
	f->login_at = fetch_clock();
	if (!f->opts->status && state_key(f->acct, key, sizeof key) == 0 &&
	    logins_write(f->acct->state_dir, key, time(NULL),
	    p->login_delay > 0 ? p->login_delay : 0, &err) == -1)
		log_warnx("cannot remember this login: %s", err.what);
	if (p->login_delay > 0 && f->sessions == 1)
		log_verbose("the server allows a login every %ld seconds "
		    "(LOGIN-DELAY)", p->login_delay);

	if (days < 0 || f->opts->status || f->keep == KEEP_OFF ||
	    f->sessions > 1)
		return;
	if (days == 0)
		log_warnx("warning: %s deletes every message once it is "
		    "fetched (EXPIRE 0), whatever keep says", f->acct->host);
	else if (f->keep == KEEP_ON)
		log_warnx("warning: %s deletes messages %ld day%s after they "
		    "are fetched (EXPIRE %ld), though keep is on",
		    f->acct->host, days, days == 1 ? "" : "s", days);
	else if (f->acct->keep_secs > days * 86400LL)
		log_warnx("warning: %s deletes messages %ld day%s after they "
		    "are fetched (EXPIRE %ld), before keep %lldd is up",
		    f->acct->host, days, days == 1 ? "" : "s", days,
		    (f->acct->keep_secs + 86399) / 86400);
}

int
fetch_deferred(const struct account *a, time_t now, time_t *next)
{
	char	key[512];
	time_t	when;
	long	delay;

	*next = 0;
	if (state_key(a, key, sizeof key) == -1)
		return (0);
	logins_read(a->state_dir, key, &when, &delay);
	/* A clock set back is no reason to wait longer than the delay. */
	if (delay <= 0 || when > now || now >= when + delay)
		return (0);
	*next = when + delay;
	return (1);
}

/*
 * The state and the delivery are made ready once the connection is up,
 * while the server gets its greeting ready: loading a big state file, and
 * the syncs of a recovery, cost a run no time of their own.
 */
static int
fetch_prepare(struct fetch *f, const char *key, struct error *err)
{
	if (f->opts->status)
		f->state = state_open_read(f->acct->state_dir, key, err);
	else
		f->state = state_open(f->acct->state_dir, key, err);
	if (f->state == NULL)
		return (-1);
	if (f->opts->dry_run || f->opts->status)
		return (0);
	if ((f->dlv = deliver_open(f->acct, err)) == NULL ||
	    fetch_recover(f, err) == -1)
		return (-1);
	return (0);
}

static int
fetch_connect(struct fetch *f, const char *key, struct error *err)
{
	const struct account	*a = f->acct;
	u_int			 port;
	int			 fd;

	port = a->port != 0 ? a->port : (a->tls && !a->tls_starttls ?
	    995 : 110);
	if ((fd = net_connect(a->host, port, a->timeout, err)) == -1)
		return (-1);
	f->conn = conn_new(fd, fd, a->timeout, "the server");
	f->conn->deadline = f->started + a->session_timeout;
	f->conn->session_timeout = a->session_timeout;
	pop3_init(&f->pop3, f->conn, a);
	/* Once a run: its further sessions share the state and delivery. */
	if (f->sessions == 1 && fetch_prepare(f, key, err) == -1)
		return (-1);
	if (a->tls && !a->tls_starttls &&
	    tls_start(f->conn, a, TLS_VERIFY, err) == -1)
		return (-1);
	if (pop3_greeting(&f->pop3, err) == -1 ||
	    pop3_capa(&f->pop3, err) == -1)
		return (-1);
	if (a->tls && a->tls_starttls && pop3_stls(&f->pop3, err) == -1)
		return (-1);
	if (auth_login(&f->pop3, err) == -1 ||
	    pop3_capa_user(&f->pop3, err) == -1)
		return (-1);
	fetch_limits(f);
	return (0);
}

/* Makes what was delivered durable and records it; the order matters. */
static int
fetch_record(struct fetch *f, struct error *err)
{
	/*
	 * A sync that failed may have discarded what it could not make
	 * durable: the batch's UIDs are marked in memory only, and are never
	 * saved.  The journal stays, and the next run's recovery records
	 * what it finds delivered.
	 */
	if (f->sync_failed)
		return (err_set(err, ERR_IO, "a delivery could not be made "
		    "durable: nothing more is recorded"));
	if (state_journal_sync(f->state, err) == -1 ||
	    (f->dlv != NULL && deliver_sync(f->dlv, err) == -1)) {
		f->sync_failed = 1;
		return (-1);
	}
	return (state_save(f->state, err));
}

/*
 * QUIT, when the server deletes what DELE marked.  Those UIDs are named
 * beside the state first, and forgotten once QUIT is answered +OK: the
 * server may give them to new messages, which must not pass for the ones
 * delivered (or condemned) before.
 */
static int
fetch_quit(struct fetch *f, struct error *err)
{
	const char		**uids;
	unsigned long long	 *sizes;
	char			  hint[sizeof err->hint];
	u_int			  i, n = 0;
	int			  rc = -1;

	if (f->deleted == 0)
		return (pop3_quit(&f->pop3, err));
	uids = xcalloc(f->deleted, sizeof *uids);
	sizes = xcalloc(f->deleted, sizeof *sizes);
	for (i = 0; i < f->ndele && n < f->deleted; i++) {
		if (f->plan[f->deleq[i]] & PLAN_DELETED) {
			sizes[n] = pop3_list_sized(f->list, f->deleq[i]) ?
			    fetch_size(f, f->deleq[i]) : STATE_SIZE_UNKNOWN;
			uids[n++] = fetch_uid(f, f->deleq[i]);
		}
	}
	if (state_quitting(f->state, uids, sizes, n, err) == -1) {
		pop3_state(&f->pop3, POP3_FAILED);
		goto out;
	}
	if (pop3_quit(&f->pop3, err) == -1)
		goto out;
	f->res->deleted += f->deleted;
	state_quit_done(f->state, uids, n);
	if (state_save(f->state, err) == -1) {
		/* After the save's own hint, if any. */
		(void)strlcpy(hint, err->hint, sizeof hint);
		err_hint(err, "%s%sthe server deleted what it was asked to; "
		    "the next run tells from its listing which UIDs are free",
		    hint, hint[0] != '\0' ? "; " : "");
		goto out;
	}
	rc = 0;
out:
	free(uids);
	free(sizes);
	return (rc);
}

/* -s: how many messages are new, and nothing else; QUIT deletes nothing. */
static int
fetch_status(struct fetch *f, struct error *err)
{
	u_int	i;

	for (i = 1; i <= f->count; i++) {
		if (!state_seen(f->state, fetch_uid(f, i), NULL))
			f->res->new++;
	}
	return (pop3_quit(&f->pop3, err));
}

static int
fetch_session(struct fetch *f, const char *key, struct error *err)
{
	struct error	 err2;
	u_int		 i;

	f->sessions++;
	f->started = (time_t)fetch_clock();
	/*
	 * The sizes of seen UIDs too when the last QUIT is to be settled, or
	 * when seen messages may be deleted now (KEY.quit then has them).
	 */
	if (fetch_connect(f, key, err) == -1 ||
	    pop3_scan(&f->pop3, f->state, f->opts->fetch_all ||
	    !f->acct->only_new || f->keep != KEEP_ON ||
	    state_quit_pending(f->state), &f->list,
	    err) == -1)
		return (-1);
	f->count = pop3_list_count(f->list);
	f->res->messages += f->count;
	if (f->opts->status)
		return (fetch_status(f, err));
	/*
	 * UIDs the scan did not claim are one listing nearer to being
	 * forgotten, and a QUIT the last run did not record is settled.
	 * Before any UID is recorded anew.  A UID the last QUIT named, now
	 * listed with another size, is a new message: that QUIT deleted.
	 * Once a run: a further session lists the messages the cap left out
	 * before, not fewer, and the last one's QUIT is recorded.
	 */
	if (f->sessions == 1) {
		for (i = 1; state_quit_pending(f->state) && i <= f->count;
		    i++) {
			if (pop3_list_sized(f->list, i))
				state_quit_listed(f->state, fetch_uid(f, i),
				    fetch_size(f, i));
		}
		state_retain_claimed(f->state);
	}
	fetch_plan(f);
	if (fetch_filter(f, err) == -1)
		goto fail;
	fetch_queue(f);

	if (f->opts->dry_run) {
		f->res->fetched = f->nfetch;
		for (i = 1; i <= f->count; i++)
			if (f->plan[i] & (PLAN_DELETE | PLAN_DELETE_AFTER))
				f->res->deleted++;
		return (pop3_quit(&f->pop3, err));
	}

	if (fetch_transfer(f, err) == -1)
		goto fail;
	if (fetch_record(f, err) == -1) {
		pop3_state(&f->pop3, POP3_FAILED);
		return (-1);
	}
	if (f->undelivered && fetch_may_expire(f)) {
		/*
		 * Any finite EXPIRE: the server may hide (Gmail, EXPIRE 0)
		 * what this session retrieved once it ends with QUIT, and
		 * the next try may come later than EXPIRE's days.  Without
		 * QUIT nothing expires or is deleted; what was delivered is
		 * recorded, so the next run deletes it and fetches no copy.
		 */
		log_warnx("a message was retrieved but not delivered and "
		    "the server %s: leaving without QUIT, deletions wait for "
		    "the next run", f->pop3.capa_ok ? "expires retrieved mail "
		    "(EXPIRE)" : "did not answer CAPA, so may expire "
		    "retrieved mail");
		f->deleted = 0;
		pop3_state(&f->pop3, POP3_FAILED);
	} else if (fetch_quit(f, err) == -1)
		return (-1);
	if (f->deferred > 0) {
		err_set(err, ERR_TEMP, "%u message%s could not be delivered "
		    "now and stayed on the server", f->deferred,
		    f->deferred == 1 ? "" : "s");
		err_hint(err, "the next run tries again");
		return (-1);
	}
	return (0);

fail:
	/* Record what did arrive, so that it is not fetched again. */
	err_clear(&err2);
	if (!f->sync_failed && fetch_record(f, &err2) == -1)
		log_warnx("%s", err2.what);
	pop3_state(&f->pop3, POP3_FAILED);
	return (-1);
}

/* A broken filter is the rc's to fix, like a missing one. */
static int
fetch_filter_verdicts(const struct fetch *f, struct error *err)
{
	if (f->filter_failed == 0)
		return (0);
	err_set(err, ERR_CONFIG, "the filter gave no verdict on %u message%s, "
	    "which %s fetched all the same", f->filter_failed,
	    f->filter_failed == 1 ? "" : "s",
	    f->filter_failed == 1 ? "was" : "were");
	if (f->acct->filter_exit == FILTER_EXIT_MPOP)
		err_hint(err, "a filter exits 0 to fetch, 1 to delete, 2 to "
		    "leave on the server (filter_exit mpop)");
	else
		err_hint(err, "a filter exits 0 to fetch, 99 to delete, 98 to "
		    "leave on the server");
	return (-1);
}

/*
 * Whether the run goes on with another session.  A server with a finite
 * EXPIRE hides what a session that ended with QUIT retrieved (Gmail's
 * EXPIRE 0), and may list only so many messages a session (Gmail's 250 or
 * so): while a session ends cleanly with new mail delivered, the next one
 * may list what the cap left out.  A listing shorter than an earlier one
 * of the run was not capped, so nothing was left out.
 */
static int
fetch_again(struct fetch *f)
{
	int	again;

	again = !f->opts->status && !f->opts->dry_run &&
	    f->pop3.expire >= 0 && f->pop3.state == POP3_QUIT &&
	    f->fresh > 0 && f->deferred == 0 && !f->undelivered &&
	    f->count >= f->listed_max &&
	    (f->acct->max_messages == 0 ||
	    f->queued + f->nfetch < f->acct->max_messages);
	if (again && f->sessions >= FETCH_SESSIONS_MAX) {
		log_verbose("%u sessions in this run: more mail may wait on "
		    "the server for the next run", f->sessions);
		again = 0;
	}
	return (again);
}

/* What one session had of its own goes, before the next one begins. */
static void
fetch_session_end(struct fetch *f)
{
	if (f->conn != NULL)
		conn_free(f->conn);
	f->conn = NULL;
	pop3_list_free(f->list);
	f->list = NULL;
	free(f->plan);
	free(f->fetchq);
	free(f->deleq);
	f->plan = NULL;
	f->fetchq = f->deleq = NULL;
	if (f->count > f->listed_max)
		f->listed_max = f->count;
	f->queued += f->nfetch;
	f->count = f->nfetch = f->nextfetch = f->ndele = f->nextdele = 0;
	f->dele_after = 0;
	f->rhead = f->rcount = f->retr_out = 0;
	f->retr_bytes = f->msgbytes = 0;
	f->deleted = f->deferred = f->fresh = 0;
	f->undelivered = 0;
}

/*
 * The server's LOGIN-DELAY between two sessions: a short one is waited
 * out, still stopped at once by a signal; for a long one the run ends as
 * it is and the next run goes on.  1 when the next session may begin.
 */
static int
fetch_delay(struct fetch *f, struct error *err)
{
	struct timespec	 ts;
	long		 delay = f->pop3.login_delay;
	double		 left;

	if (delay <= 0)
		return (1);
	if (delay > FETCH_DELAY_WAIT) {
		log_verbose("the server allows a login every %ld seconds "
		    "(LOGIN-DELAY): more mail may wait on the server for the "
		    "next run", delay);
		return (0);
	}
	log_verbose("waiting for the server's LOGIN-DELAY of %ld second%s",
	    delay, delay == 1 ? "" : "s");
	while ((left = f->login_at + delay - fetch_clock()) > 0) {
		if (intr_check(err) == -1)
			return (-1);
		if (left > FETCH_DELAY_STEP)
			left = FETCH_DELAY_STEP;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		(void)nanosleep(&ts, NULL);
	}
	return (intr_check(err) == -1 ? -1 : 1);
}

int
fetch_account(const struct account *acct, const struct fetch_opts *opts,
    struct fetch_result *res, struct error *err)
{
	struct fetch	 f;
	char		 key[512];
	double		 start = fetch_clock();
	int		 lockfd = -1, rc = -1;

	memset(&f, 0, sizeof f);
	memset(res, 0, sizeof *res);
	err_clear(err);
	f.acct = acct;
	f.opts = opts;
	f.res = res;
	f.now = time(NULL);
	f.recorded = start;
	f.keep = opts->keep == 0 ? KEEP_OFF : opts->keep == 1 ? KEEP_ON :
	    acct->keep;

	if (state_key(acct, key, sizeof key) == -1) {
		err_set(err, ERR_CONFIG, "user and host are too long");
		goto out;
	}
	/*
	 * -s only reads the state, which is replaced by rename or appended
	 * to (a last line not yet whole is ignored), so it takes no lock and
	 * never holds up a run that fetches.
	 */
	if (!opts->status && (lockfd = lock_acquire(acct->state_dir, key,
	    FETCH_LOCK_WAIT, err)) == -1)
		goto out;
	while ((rc = fetch_session(&f, key, err)) == 0 && fetch_again(&f)) {
		fetch_session_end(&f);
		state_unclaim(f.state);
		if ((rc = fetch_delay(&f, err)) != 1)
			break;
		log_verbose("session %u: the server may list more now",
		    f.sessions + 1);
	}
	if (rc == 1)
		rc = 0;
	if (rc == 0)
		rc = fetch_filter_verdicts(&f, err);

out:
	fetch_session_end(&f);
	if (f.dlv != NULL) {
		res->unconfirmed = f.dlv->unconfirmed;
		deliver_close(f.dlv);
	}
	if (f.state != NULL)
		state_close(f.state);
	if (lockfd != -1)
		lock_release(lockfd);
	res->seconds = fetch_clock() - start;
	return (rc);
}
