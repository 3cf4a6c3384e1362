#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "net/conn.h"
#include "pop3/dotstream.h"
#include "pop3/pop3.h"
#include "state/state.h"
#include "state/uid.h"
#include "util/log.h"
#include "util/xmalloc.h"

static const char *pop3_state_names[] = {
	"connected", "greeted", "starttls", "auth", "transaction", "quit",
	"failed",
};

const char *
pop3_state_name(enum pop3_state s)
{
	return (pop3_state_names[s]);
}

void
pop3_init(struct pop3 *p, struct conn *c, const struct account *acct)
{
	memset(p, 0, sizeof *p);
	p->conn = c;
	p->acct = acct;
	p->state = POP3_CONNECTED;
	p->login_delay = p->expire = -1;
}

/* The only place the session changes state, so that -vv shows each step. */
void
pop3_state(struct pop3 *p, enum pop3_state s)
{
	log_trace("state %s -> %s", pop3_state_name(p->state),
	    pop3_state_name(s));
	p->state = s;
}

int
pop3_parse_resp(const char *line, struct pop3_resp *r)
{
	const char	*t, *end;
	size_t		 n;

	memset(r, 0, sizeof *r);
	r->line = line;
	if (strncmp(line, "+OK", 3) == 0) {
		r->ok = 1;
		t = line + 3;
	} else if (strncmp(line, "-ERR", 4) == 0)
		t = line + 4;
	else
		return (-1);
	if (*t != '\0' && *t != ' ')
		return (-1);
	while (*t == ' ')
		t++;
	if (*t == '[' && (end = strchr(t, ']')) != NULL) {
		n = end - t - 1;
		if (n > 0 && n < sizeof r->code) {
			memcpy(r->code, t + 1, n);
			r->code[n] = '\0';
			t = end + 1;
			while (*t == ' ')
				t++;
		}
	}
	r->text = t;
	return (0);
}

static int
pop3_code_is(const char *code, const char *want)
{
	size_t	n = strlen(want);

	/* Codes are hierarchical: SYS/TEMP covers SYS/TEMP/WHATEVER. */
	return (strncasecmp(code, want, n) == 0 &&
	    (code[n] == '\0' || code[n] == '/'));
}

enum err_code
pop3_resp_class(const struct pop3_resp *r, enum err_code dflt)
{
	if (pop3_code_is(r->code, "IN-USE") ||
	    pop3_code_is(r->code, "LOGIN-DELAY") ||
	    pop3_code_is(r->code, "SYS/TEMP"))
		return (ERR_TEMP);
	if (pop3_code_is(r->code, "SYS/PERM"))
		return (ERR_PROTO);
	if (pop3_code_is(r->code, "AUTH"))
		return (ERR_NOPERM);
	return (dflt);
}

int
pop3_pipelining(struct pop3 *p)
{
	switch (p->acct->pipelining) {
	case PIPELINING_ON:
		return (1);
	case PIPELINING_OFF:
		return (0);
	default:
		return ((p->caps & CAP_PIPELINING) != 0);
	}
}

void
pop3_queue(struct pop3 *p, const char *cmd, const char *shown)
{
	log_trace("> %s", shown != NULL ? shown : cmd);
	conn_queue(p->conn, cmd, strlen(cmd));
}

int
pop3_flush(struct pop3 *p, struct error *err)
{
	return (conn_flush(p->conn, err));
}

int
pop3_response(struct pop3 *p, struct pop3_resp *r, struct error *err)
{
	char	*line, safe[1024];
	size_t	 len;

	if (conn_getline(p->conn, &line, &len, err) == -1)
		return (-1);
	if (log_wants(LOG_TRACE)) {
		log_safe(safe, sizeof safe, line);
		log_trace("< %s", safe);
	}
	if (strlen(line) != len || pop3_parse_resp(line, r) == -1) {
		log_safe(safe, sizeof safe, line);
		return (err_set(err, ERR_PROTO, "%s sent a malformed status "
		    "line: \"%s\"", p->conn->peer, safe));
	}
	return (0);
}

int
pop3_lines(struct pop3 *p, int (*fn)(void *, char *, struct error *),
    void *arg, struct error *err)
{
	char	*line, safe[1024];
	size_t	 len;

	for (;;) {
		if (conn_getline(p->conn, &line, &len, err) == -1)
			return (-1);
		if (log_wants(LOG_TRACE)) {
			log_safe(safe, sizeof safe, line);
			log_trace("< %s", safe);
		}
		if (strlen(line) != len)
			return (err_set(err, ERR_PROTO, "%s sent a NUL byte "
			    "in a response", p->conn->peer));
		if (line[0] == '.') {
			if (line[1] == '\0')
				return (0);
			line++;
		}
		if (fn(arg, line, err) == -1)
			return (-1);
	}
}

int
pop3_body(struct pop3 *p, pop3_sink sink, void *arg, unsigned long long limit,
    unsigned long long *wire, struct error *err)
{
	struct dotstream	 ds;
	static char		 out[CONN_BUFSIZE + 2];
	char			*in;
	size_t			 n, used, outlen;

	dotstream_init(&ds);
	*wire = 0;
	while (!ds.done) {
		if ((n = conn_buffered(p->conn, &in)) == 0) {
			if (conn_fill(p->conn, err) == -1)
				return (-1);
			continue;
		}
		used = dotstream_decode(&ds, in, n, out, &outlen);
		conn_consume(p->conn, used);
		*wire += used;
		if (*wire > limit)
			return (err_set(err, ERR_PROTO, "%s sent more than "
			    "%llu bytes for a message it said was smaller",
			    p->conn->peer, limit));
		if (outlen > 0 && sink(arg, out, outlen, err) == -1)
			return (-1);
	}
	return (0);
}

int
pop3_greeting(struct pop3 *p, struct error *err)
{
	struct pop3_resp	 r;
	char			 safe[512];
	const char		*lt, *gt, *q;

	if (pop3_response(p, &r, err) == -1)
		return (-1);
	if (!r.ok) {
		log_safe(safe, sizeof safe, r.line);
		err_set(err, pop3_resp_class(&r, ERR_TEMP), "server refused "
		    "the connection: %s", safe);
		err_hint(err, "try again later");
		return (-1);
	}
	log_safe(p->greeting, sizeof p->greeting, r.line);
	/*
	 * An APOP timestamp is <...@...> in the greeting (RFC 1939), a
	 * msg-id: printable, no space.  The attacks on APOP (2007) choose the
	 * challenge: one with control or 8-bit bytes is kept aside, refused
	 * if APOP is to be used; one with a space is no timestamp at all.
	 */
	if ((lt = strchr(r.text, '<')) != NULL &&
	    (gt = strchr(lt, '>')) != NULL && memchr(lt, '@', gt - lt) &&
	    (size_t)(gt - lt + 1) < sizeof p->timestamp) {
		for (q = lt; q <= gt; q++) {
			if (*(const u_char *)q <= ' ' ||
			    *(const u_char *)q >= 0x7f)
				break;
		}
		if (q > gt) {
			memcpy(p->timestamp, lt, gt - lt + 1);
			p->timestamp[gt - lt + 1] = '\0';
		} else if (*q != ' ')
			p->timestamp_bad = 1;
	}
	pop3_state(p, POP3_GREETED);
	return (0);
}

/*
 * "LOGIN-DELAY 900", "EXPIRE 30 USER", "EXPIRE NEVER": the number, or -1
 * for NEVER or a value that is not one (ignored, as RFC 2449 allows).
 */
static void
pop3_capa_limit(char *rest, int never, long *value, int *user)
{
	const char	*errstr, *word;
	long long	 v;

	*value = -1;
	*user = 0;
	if (rest == NULL || (word = strsep(&rest, " ")) == NULL)
		return;
	if (never && strcasecmp(word, "NEVER") == 0)
		return;
	v = strtonum(word, 0, 100L * 365 * 86400, &errstr);
	if (errstr != NULL)
		return;
	*value = (long)v;
	*user = rest != NULL && strcasecmp(rest, "USER") == 0;
}

static int
pop3_capa_line(void *arg, char *line, struct error *err)
{
	struct pop3	*p = arg;
	char		*word, *rest;

	(void)err;
	if (p->ncapa_lines < POP3_CAPA_MAX)
		log_safe(p->capa_lines[p->ncapa_lines++],
		    sizeof p->capa_lines[0], line);
	rest = line;
	if ((word = strsep(&rest, " ")) == NULL)
		return (0);
	if (strcasecmp(word, "PIPELINING") == 0)
		p->caps |= CAP_PIPELINING;
	else if (strcasecmp(word, "UIDL") == 0)
		p->caps |= CAP_UIDL;
	else if (strcasecmp(word, "USER") == 0)
		p->caps |= CAP_USER;
	else if (strcasecmp(word, "STLS") == 0)
		p->caps |= CAP_STLS;
	else if (strcasecmp(word, "RESP-CODES") == 0)
		p->caps |= CAP_RESP_CODES;
	else if (strcasecmp(word, "TOP") == 0)
		p->caps |= CAP_TOP;
	else if (strcasecmp(word, "SASL") == 0 && rest != NULL) {
		p->caps |= CAP_SASL;
		(void)strlcpy(p->sasl, rest, sizeof p->sasl);
	} else if (strcasecmp(word, "LOGIN-DELAY") == 0) {
		p->caps |= CAP_LOGIN_DELAY;
		pop3_capa_limit(rest, 0, &p->login_delay,
		    &p->login_delay_user);
	} else if (strcasecmp(word, "EXPIRE") == 0) {
		p->caps |= CAP_EXPIRE;
		pop3_capa_limit(rest, 1, &p->expire, &p->expire_user);
	}
	return (0);
}

int
pop3_capa(struct pop3 *p, struct error *err)
{
	struct pop3_resp	r;

	p->caps = 0;
	p->capa_ok = 0;
	p->sasl[0] = '\0';
	p->ncapa_lines = 0;
	p->login_delay = p->expire = -1;
	p->login_delay_user = p->expire_user = 0;
	pop3_queue(p, "CAPA", NULL);
	if (pop3_flush(p, err) == -1 || pop3_response(p, &r, err) == -1)
		return (-1);
	if (!r.ok) {
		/* An RFC 1939 server without CAPA: assume the basics. */
		p->caps = CAP_UIDL | CAP_USER | CAP_TOP;
		return (0);
	}
	p->capa_ok = 1;
	return (pop3_lines(p, pop3_capa_line, p, err));
}

int
pop3_capa_user(struct pop3 *p, struct error *err)
{
	struct pop3	saved = *p;

	if (!p->login_delay_user && !p->expire_user)
		return (0);
	if (pop3_capa(p, err) == -1)
		return (-1);
	if (!p->capa_ok) {
		*p = saved;
		return (0);
	}
	/* A limit not named again stays as it was announced. */
	if (!(p->caps & CAP_LOGIN_DELAY))
		p->login_delay = saved.login_delay;
	if (!(p->caps & CAP_EXPIRE))
		p->expire = saved.expire;
	return (0);
}

int
pop3_stls(struct pop3 *p, struct error *err)
{
	struct pop3_resp	r;
	char			safe[512];
	size_t			n;

	if (!(p->caps & CAP_STLS)) {
		err_set(err, ERR_UNAVAILABLE, "%s does not offer STLS",
		    p->conn->peer);
		err_hint(err, "nothing was sent; use implicit TLS "
		    "(tls_starttls off, port 995) if the server has it");
		return (-1);
	}
	pop3_state(p, POP3_STARTTLS);
	pop3_queue(p, "STLS", NULL);
	if (pop3_flush(p, err) == -1 || pop3_response(p, &r, err) == -1)
		return (-1);
	if (!r.ok) {
		log_safe(safe, sizeof safe, r.line);
		err_set(err, ERR_UNAVAILABLE, "%s refused STLS: %s",
		    p->conn->peer, safe);
		err_hint(err, "nothing was sent; use implicit TLS "
		    "(tls_starttls off, port 995) if the server has it");
		return (-1);
	}
	/*
	 * Whatever came after the +OK came before TLS protected the
	 * connection: it may have been injected, so none of it is read.
	 */
	if ((n = conn_discard(p->conn)) > 0)
		log_warnx("%s sent %zu bytes between its STLS answer and the "
		    "TLS handshake; they were discarded", p->conn->peer, n);
	if (tls_start(p->conn, p->acct, p->tls_mode, err) == -1)
		return (-1);
	return (pop3_capa(p, err));
}

/* A decimal number of the server's, from *s up to a space or the end. */
static int
pop3_number(char **s, long long max, long long *out)
{
	const char	*errstr;
	char		*word;

	while (**s == ' ')
		(*s)++;
	if ((word = strsep(s, " ")) == NULL || *word == '\0')
		return (-1);
	*out = strtonum(word, 0, max, &errstr);
	return (errstr != NULL ? -1 : 0);
}

/*
 * The listing holds 4 bytes a message (100,000 messages: 0.4 MB): with
 * POP3_UID_STATE, a handle the state gave for a UID it holds, whose size
 * is kept only when asked for (ksize); else the index + 1 of a message
 * new to the state in news[], whose UID goes into the listing's arena, end
 * to end with the others: a malloc per UID would cost twice the memory and
 * most of the time.  0: UIDL has not named it yet.  A size that does not
 * fit 32 bits is POP3_SIZE_BIG, the real one in big[].
 */
#define POP3_UID_STATE		0x80000000U
#define POP3_SIZE_BIG		UINT32_MAX

struct pop3_new {
	uint32_t		 off;		/* of its UID in arena, + 1 */
	uint32_t		 size;
};

struct pop3_big {
	u_int			 num;
	unsigned long long	 size;
};

struct pop3_list {
	struct state		*state;
	uint32_t		*uids;		/* indexed from 1 */
	u_int			 count;
	uint32_t		*ksize;		/* of the state's, or NULL */
	struct pop3_new		*news;
	size_t			 nnews;
	size_t			 newsize;
	char			*arena;
	size_t			 arenalen;
	size_t			 arenasize;
	struct pop3_big		*big;		/* sorted by num */
	size_t			 nbig;
};

struct pop3_scan {
	struct pop3		*p;
	struct pop3_list	*l;
	u_char			*listed;	/* a bit a message */
};

static int
pop3_uidl_line(void *arg, char *line, struct error *err)
{
	struct pop3_scan	*s = arg;
	struct pop3_list	*l = s->l;
	char			*start = line, safe[512];
	long long		 n;
	size_t			 len;
	uint32_t		 h = 0;
	int			 dup = 0;

	/* Made printable only for an error: most lines are good ones. */
	if (pop3_number(&line, l->count, &n) == -1 || n < 1 || line == NULL) {
		log_safe(safe, sizeof safe, start);
		return (err_set(err, ERR_PROTO, "%s sent a bad UIDL line: "
		    "\"%s\"", s->p->conn->peer, safe));
	}
	while (*line == ' ')
		line++;
	if (!uid_valid(line)) {
		log_safe(safe, sizeof safe, start);
		return (err_set(err, ERR_PROTO, "%s sent an invalid UID "
		    "(not 1-70 printable characters): \"%s\"",
		    s->p->conn->peer, safe));
	}
	if (l->uids[n] != 0)
		return (err_set(err, ERR_PROTO, "%s sent two UIDs for "
		    "message %lld", s->p->conn->peer, n));
	/* Duplicates the state knows are caught here, the others later. */
	if (l->state != NULL)
		h = state_claim(l->state, line, &dup);
	if (dup)
		return (err_set(err, ERR_PROTO, "%s gave the same UID to two "
		    "messages: %s", s->p->conn->peer, line));
	if (h != 0 && h < POP3_UID_STATE) {
		l->uids[n] = h | POP3_UID_STATE;
		return (0);
	}
	len = strlen(line) + 1;
	if (l->arenasize - l->arenalen < len) {
		l->arena = xreallocarray(l->arena, 2, l->arenasize + len);
		l->arenasize = 2 * (l->arenasize + len);
	}
	if (l->nnews == l->newsize) {
		l->newsize = l->newsize == 0 ? 64 : 2 * l->newsize;
		l->news = xreallocarray(l->news, l->newsize, sizeof *l->news);
	}
	memcpy(l->arena + l->arenalen, line, len);
	/* Below 71 MB: POP3_MAX_MESSAGES UIDs of at most 70 bytes. */
	l->news[l->nnews].off = (uint32_t)l->arenalen + 1;
	l->news[l->nnews].size = 0;
	l->uids[n] = (uint32_t)++l->nnews;
	l->arenalen += len;
	return (0);
}

static int
pop3_list_line(void *arg, char *line, struct error *err)
{
	struct pop3_scan	*s = arg;
	struct pop3_list	*l = s->l;
	long long		 n, size;
	uint32_t		*to, u;
	char			*start = line, safe[512];

	if (pop3_number(&line, l->count, &n) == -1 || n < 1 ||
	    line == NULL || pop3_number(&line, LLONG_MAX / 4, &size) == -1) {
		log_safe(safe, sizeof safe, start);
		return (err_set(err, ERR_PROTO, "%s sent a bad LIST line: "
		    "\"%s\"", s->p->conn->peer, safe));
	}
	if (s->listed[n / 8] & (1 << (n % 8)))
		return (err_set(err, ERR_PROTO, "%s listed message %lld "
		    "twice", s->p->conn->peer, n));
	s->listed[n / 8] |= 1 << (n % 8);
	if ((u = l->uids[n]) == 0)
		return (0);	/* no UID: pop3_check_scan says so */
	if (u & POP3_UID_STATE) {
		if (l->ksize == NULL)
			return (0);
		to = &l->ksize[n];
	} else
		to = &l->news[u - 1].size;
	if (size < POP3_SIZE_BIG) {
		*to = (uint32_t)size;
		return (0);
	}
	*to = POP3_SIZE_BIG;
	l->big = xreallocarray(l->big, l->nbig + 1, sizeof *l->big);
	l->big[l->nbig].num = (u_int)n;
	l->big[l->nbig++].size = (unsigned long long)size;
	return (0);
}

static int
pop3_bigcmp(const void *a, const void *b)
{
	const struct pop3_big	*x = a, *y = b;

	return (x->num < y->num ? -1 : x->num > y->num);
}

static int
pop3_uidcmp(const void *a, const void *b, void *arg)
{
	const char	*arena = arg;

	return (strcmp(arena + *(const uint32_t *)a - 1,
	    arena + *(const uint32_t *)b - 1));
}

static int
pop3_check_scan(struct pop3_scan *s, struct error *err)
{
	struct pop3_list	*l = s->l;
	uint32_t		*offs;
	size_t			 n = 0, i;
	int			 rc = 0;

	for (i = 1; i <= l->count; i++) {
		if (l->uids[i] == 0)
			return (err_set(err, ERR_PROTO, "%s gave no UID for "
			    "message %zu", s->p->conn->peer, i));
		if (!(s->listed[i / 8] & (1 << (i % 8))))
			return (err_set(err, ERR_PROTO, "%s gave no size for "
			    "message %zu", s->p->conn->peer, i));
	}
	if (l->nbig > 1)
		qsort(l->big, l->nbig, sizeof *l->big, pop3_bigcmp);
	/*
	 * Duplicate UIDs would make one message stand for another.  Those
	 * of the state were caught as they came; the listing's own are
	 * sorted here, a few on most runs.
	 */
	offs = xreallocarray(NULL, l->nnews + 1, sizeof *offs);
	for (i = 0; i < l->nnews; i++)
		offs[n++] = l->news[i].off;
	qsort_r(offs, n, sizeof *offs, pop3_uidcmp, l->arena);
	for (i = 1; i < n; i++) {
		if (strcmp(l->arena + offs[i - 1] - 1,
		    l->arena + offs[i] - 1) == 0) {
			rc = err_set(err, ERR_PROTO, "%s gave the same UID "
			    "to two messages: %s", s->p->conn->peer,
			    l->arena + offs[i] - 1);
			break;
		}
	}
	free(offs);
	return (rc);
}

static int
pop3_expect_ok(struct pop3 *p, const char *cmd, struct error *err)
{
	struct pop3_resp	r;
	char			safe[512];

	if (pop3_response(p, &r, err) == -1)
		return (-1);
	if (r.ok)
		return (0);
	log_safe(safe, sizeof safe, r.line);
	err_set(err, pop3_resp_class(&r, ERR_PROTO), "%s failed: %s", cmd,
	    safe);
	if (strcmp(cmd, "UIDL") == 0 && err->code == ERR_PROTO) {
		err->code = ERR_UNAVAILABLE;
		err_hint(err, "popfetch needs UIDL to know which messages "
		    "it has fetched; this server does not provide it");
	}
	return (-1);
}

void
pop3_scan_ahead(struct pop3 *p)
{
	if (!pop3_pipelining(p) || p->login_delay_user || p->expire_user ||
	    p->scan_queued)
		return;
	pop3_queue(p, "STAT", NULL);
	pop3_queue(p, "UIDL", NULL);
	pop3_queue(p, "LIST", NULL);
	p->scan_queued = 1;
}

int
pop3_scan(struct pop3 *p, struct state *st, int known_sizes,
    struct pop3_list **listp, struct error *err)
{
	struct pop3_scan	 s;
	struct pop3_resp	 r;
	struct pop3_list	*l = NULL;
	char			 safe[512], *t;
	long long		 n;
	int			 pipelined = pop3_pipelining(p);

	*listp = NULL;
	memset(&s, 0, sizeof s);
	s.p = p;
	if (!p->scan_queued) {
		pop3_queue(p, "STAT", NULL);
		if (pipelined) {
			pop3_queue(p, "UIDL", NULL);
			pop3_queue(p, "LIST", NULL);
		}
	}
	p->scan_queued = 0;
	if (pop3_flush(p, err) == -1 || pop3_response(p, &r, err) == -1)
		return (-1);
	log_safe(safe, sizeof safe, r.line);
	t = (char *)r.text;
	if (!r.ok) {
		return (err_set(err, pop3_resp_class(&r, ERR_PROTO), "STAT "
		    "failed: %s", safe));
	}
	if (pop3_number(&t, POP3_MAX_MESSAGES, &n) == -1)
		return (err_set(err, ERR_PROTO, "%s sent a bad STAT answer "
		    "(or more than %d messages): \"%s\"", p->conn->peer,
		    POP3_MAX_MESSAGES, safe));
	l = xcalloc(1, sizeof *l);
	l->state = st;
	l->count = n;
	l->uids = xcalloc(l->count + 1, sizeof *l->uids);
	if (st != NULL && known_sizes)
		l->ksize = xcalloc(l->count + 1, sizeof *l->ksize);
	s.l = l;
	s.listed = xcalloc(l->count / 8 + 1, 1);

	if (!pipelined) {
		pop3_queue(p, "UIDL", NULL);
		if (pop3_flush(p, err) == -1)
			goto fail;
	}
	if (pop3_expect_ok(p, "UIDL", err) == -1 ||
	    pop3_lines(p, pop3_uidl_line, &s, err) == -1)
		goto fail;
	if (!pipelined) {
		pop3_queue(p, "LIST", NULL);
		if (pop3_flush(p, err) == -1)
			goto fail;
	}
	if (pop3_expect_ok(p, "LIST", err) == -1 ||
	    pop3_lines(p, pop3_list_line, &s, err) == -1 ||
	    pop3_check_scan(&s, err) == -1)
		goto fail;
	free(s.listed);
	*listp = l;
	return (0);

fail:
	free(s.listed);
	pop3_list_free(l);
	return (-1);
}

u_int
pop3_list_count(const struct pop3_list *l)
{
	return (l != NULL ? l->count : 0);
}

const char *
pop3_list_uid(const struct pop3_list *l, u_int i)
{
	uint32_t	u = l->uids[i];

	if (u & POP3_UID_STATE)
		return (state_uid(l->state, u & ~POP3_UID_STATE));
	return (l->arena + l->news[u - 1].off - 1);
}

int
pop3_list_sized(const struct pop3_list *l, u_int i)
{
	return (!(l->uids[i] & POP3_UID_STATE) || l->ksize != NULL);
}

unsigned long long
pop3_list_size(const struct pop3_list *l, u_int i)
{
	struct pop3_big	 key, *b;
	uint32_t	 u = l->uids[i], size;

	if (!(u & POP3_UID_STATE))
		size = l->news[u - 1].size;
	else if (l->ksize != NULL)
		size = l->ksize[i];
	else
		return (0);
	if (size != POP3_SIZE_BIG)
		return (size);
	key.num = i;
	b = bsearch(&key, l->big, l->nbig, sizeof *l->big, pop3_bigcmp);
	return (b != NULL ? b->size : POP3_SIZE_BIG);
}

void
pop3_list_free(struct pop3_list *l)
{
	if (l == NULL)
		return;
	free(l->uids);
	free(l->ksize);
	free(l->news);
	free(l->arena);
	free(l->big);
	free(l);
}

void
pop3_quit_ahead(struct pop3 *p)
{
	if (!pop3_pipelining(p) || p->quit_queued)
		return;
	pop3_queue(p, "QUIT", NULL);
	p->quit_queued = 1;
}

int
pop3_quit(struct pop3 *p, struct error *err)
{
	struct pop3_resp	r;
	char			safe[512];

	pop3_state(p, POP3_QUIT);
	if (!p->quit_queued)
		pop3_queue(p, "QUIT", NULL);
	if (pop3_flush(p, err) == -1 || pop3_response(p, &r, err) == -1)
		return (-1);
	if (!r.ok) {
		log_safe(safe, sizeof safe, r.line);
		return (err_set(err, ERR_TEMP, "QUIT failed, so nothing was "
		    "deleted: %s", safe));
	}
	return (0);
}
